/*
 * query.c — URL encoding and decoding, query string parsing.
 */
#include "util/query.h"

#include <string.h>
#include <strings.h>
#include <apr_strings.h>

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Percent-decoding; '+' means space only in form encoding, not in paths.  With
 * `lenient`, an escape that is not %XX stays as it is (paths like "/50%off" are
 * legal).  A decoded control character is refused, or with `only_nul` just NUL
 * (form fields: a textarea holds line breaks and tabs). */
static char *decode_controls(apr_pool_t *p, const char *in, size_t len, int plus_is_space, int lenient,
                             int only_nul)
{
    char *out = apr_palloc(p, len + 1), *o = out;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == '+' && plus_is_space) {
            c = ' ';
        } else if (c == '%') {
            int h = i + 2 < len ? hex_value(in[i + 1]) : -1, l = i + 2 < len ? hex_value(in[i + 2]) : -1;
            if (h < 0 || l < 0) {
                if (!lenient)
                    return NULL;
            } else {
                c = (unsigned char)(h * 16 + l);
                i += 2;
            }
        }
        if (only_nul ? c == 0 : (c < 0x20 || c == 0x7f))
            return NULL;
        *o++ = (char)c;
    }
    *o = '\0';
    return out;
}

static char *decode_with(apr_pool_t *p, const char *in, size_t len, int plus_is_space, int lenient)
{
    return decode_controls(p, in, len, plus_is_space, lenient, 0);
}

char *cog_form_field_decode(apr_pool_t *p, const char *in, size_t len)
{
    return decode_controls(p, in, len, 1, 0, 1);
}

static char *decode(apr_pool_t *p, const char *in, size_t len, int plus_is_space)
{
    return decode_with(p, in, len, plus_is_space, 0);
}

char *cog_url_decode(apr_pool_t *p, const char *in, size_t len)
{
    return decode(p, in, len, 1);
}

char *cog_url_encode(apr_pool_t *p, const char *in)
{
    static const char hex[] = "0123456789ABCDEF";
    char *out = apr_palloc(p, strlen(in) * 3 + 1), *o = out;
    for (const unsigned char *s = (const unsigned char *)in; *s; s++) {
        if ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')
            || *s == '-' || *s == '.' || *s == '_' || *s == '~') {
            *o++ = (char)*s;
        } else {
            *o++ = '%';
            *o++ = hex[*s >> 4];
            *o++ = hex[*s & 15];
        }
    }
    *o = '\0';
    return out;
}

apr_table_t *cog_query_parse(apr_pool_t *p, const char *query, const char *const *unique, const char **why)
{
    apr_table_t *t = apr_table_make(p, 8);
    if (query == NULL || *query == '\0')
        return t;
    if (strlen(query) > COG_QUERY_MAX_LEN) { *why = "query string too long"; return NULL; }

    int count = 0;
    for (const char *s = query; *s; ) {
        const char *amp = strchr(s, '&');
        size_t len = amp ? (size_t)(amp - s) : strlen(s);
        if (len > 0) {
            if (++count > COG_QUERY_MAX_PARAMS) { *why = "too many query parameters"; return NULL; }
            const char *eq = memchr(s, '=', len);
            size_t name_len = eq ? (size_t)(eq - s) : len;
            char *name = cog_url_decode(p, s, name_len);
            char *value = eq ? cog_url_decode(p, eq + 1, len - name_len - 1) : apr_pstrdup(p, "");
            if (name == NULL || value == NULL) { *why = "malformed query escape"; return NULL; }
            for (const char *const *u = unique; u && *u; u++)
                if (strcasecmp(name, *u) == 0 && apr_table_get(t, name) != NULL) {
                    *why = apr_pstrcat(p, "query parameter ", *u, " appears more than once", NULL);
                    return NULL;
                }
            apr_table_addn(t, name, value);
        }
        if (amp == NULL)
            break;
        s = amp + 1;
    }
    return t;
}

char *cog_path_decode(apr_pool_t *p, const char *in, size_t len)
{
    return decode_with(p, in, len, 0, 1);
}
