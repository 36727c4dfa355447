/*
 * form.c — strict application/x-www-form-urlencoded parsing.
 */
#include "util/form.h"
#include "util/json.h"
#include "util/query.h"

#include <string.h>
#include <apr_strings.h>

/* '+' is a space, %XX a byte; NULL for a malformed escape, a NUL or invalid UTF-8. */
static const char *decode(apr_pool_t *p, const char *in, size_t len, const char **why)
{
    const char *out = cog_form_field_decode(p, in, len);
    if (out == NULL) {
        *why = "a malformed %-escape or a NUL character";
        return NULL;
    }
    if (!cog_utf8_valid(out, strlen(out))) {
        *why = "text that is not UTF-8";
        return NULL;
    }
    return out;
}

apr_array_header_t *cog_form_parse(apr_pool_t *p, const char *body, size_t len, const char **why)
{
    apr_array_header_t *fields = apr_array_make(p, 8, sizeof(cog_form_field_t));
    const char *end = body + len;
    for (const char *piece = body; piece < end; ) {
        const char *amp = memchr(piece, '&', (size_t)(end - piece));
        const char *stop = amp ? amp : end;
        if (stop > piece) {
            if (fields->nelts >= COG_FORM_MAX_FIELDS) {
                *why = "more fields than the limit";
                return NULL;
            }
            const char *eq = memchr(piece, '=', (size_t)(stop - piece));
            const char *name_end = eq ? eq : stop;
            cog_form_field_t *f = apr_array_push(fields);
            f->name = decode(p, piece, (size_t)(name_end - piece), why);
            f->value = f->name && eq ? decode(p, eq + 1, (size_t)(stop - eq - 1), why) : "";
            if (f->name == NULL || f->value == NULL)
                return NULL;
        }
        piece = stop + 1;
    }
    return fields;
}
