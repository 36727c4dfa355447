/*
 * cookie.c — Cookie header parsing, Set-Cookie formatting.
 */
#include "util/cookie.h"

#include <string.h>
#include <apr_strings.h>

static int is_tchar(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
        || (c && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

int cog_cookie_name_valid(const char *name)
{
    if (name == NULL || *name == '\0' || strlen(name) > 128)
        return 0;
    for (const unsigned char *s = (const unsigned char *)name; *s; s++)
        if (!is_tchar(*s))
            return 0;
    return 1;
}

apr_array_header_t *cog_cookie_parse(apr_pool_t *p, const char *header)
{
    apr_array_header_t *out = apr_array_make(p, 8, sizeof(cog_cookie_t));
    if (header == NULL || strlen(header) > COG_COOKIE_MAX_HEADER)
        return out;
    char *copy = apr_pstrdup(p, header), *state = NULL;
    for (char *pair = apr_strtok(copy, ";,", &state); pair; pair = apr_strtok(NULL, ";,", &state)) {
        while (*pair == ' ' || *pair == '\t')
            pair++;
        char *eq = strchr(pair, '=');
        if (eq == NULL || eq == pair)
            continue;                                   /* no name, or no '=' */
        *eq = '\0';
        char *value = eq + 1;
        while (*value == ' ' || *value == '\t')
            value++;
        char *end = value + strlen(value);
        while (end > value && (end[-1] == ' ' || end[-1] == '\t'))
            *--end = '\0';
        if (end - value >= 2 && value[0] == '"' && end[-1] == '"') {   /* DQUOTE cookie-value */
            end[-1] = '\0';
            value++;
        }
        char *name_end = eq;
        while (name_end > pair && (name_end[-1] == ' ' || name_end[-1] == '\t'))
            *--name_end = '\0';
        if (!cog_cookie_name_valid(pair))
            continue;
        cog_cookie_t *c = apr_array_push(out);
        c->name = pair;
        c->value = value;
    }
    return out;
}

apr_array_header_t *cog_cookie_values(apr_pool_t *p, const apr_array_header_t *cookies, const char *name)
{
    apr_array_header_t *out = apr_array_make(p, 2, sizeof(const char *));
    const cog_cookie_t *c = (const cog_cookie_t *)cookies->elts;
    for (int i = 0; i < cookies->nelts; i++)
        if (strcmp(c[i].name, name) == 0)
            APR_ARRAY_PUSH(out, const char *) = c[i].value;
    return out;
}

char *cog_cookie_format(apr_pool_t *p, const char *name, const char *value, const cog_cookie_attrs_t *a)
{
    return apr_pstrcat(p, name, "=", value,
                       "; Path=", a->path ? a->path : "/",
                       a->domain ? "; Domain=" : "", a->domain ? a->domain : "",
                       "; HttpOnly",
                       "; SameSite=", a->same_site ? a->same_site : "Lax",
                       a->secure ? "; Secure" : "",
                       a->max_age >= 0 ? apr_psprintf(p, "; Max-Age=%ld", a->max_age) : "",
                       a->max_age == 0 ? "; Expires=Thu, 01 Jan 1970 00:00:00 GMT" : "",
                       NULL);
}

#define ORIGINAL_COOKIE_NOTE "auth_cognito_cookie"

apr_array_header_t *cog_cookie_of_request(request_rec *r)
{
    const char *header = NULL;
    for (request_rec *q = r; q && header == NULL; q = q->main ? q->main : q->prev)
        header = apr_table_get(q->notes, ORIGINAL_COOKIE_NOTE);
    return cog_cookie_parse(r->pool, header ? header : apr_table_get(r->headers_in, "Cookie"));
}

void cog_cookie_keep_original(request_rec *r, const char *header)
{
    if (apr_table_get(r->notes, ORIGINAL_COOKIE_NOTE) == NULL)
        apr_table_setn(r->notes, ORIGINAL_COOKIE_NOTE, header);
}
