/*
 * scrub.c — removal of spoofable identity headers and of our own cookies.
 */
#include "scrub.h"
#include "cookie.h"

#include <ctype.h>
#include <string.h>
#include <apr_strings.h>

static const char *const reserved_prefixes[] = { "x-cognito-", "cognito-", "x-amzn-oidc-", NULL };
static const char *const reserved_names[] = { "remote-user", "x-remote-user", "x-forwarded-user",
                                              "auth-user", "x-auth-user", "auth-type", NULL };

/* Lower-case, with every character that is not a letter or digit read as '-'
 * ('_', '.', '~' ...: backends and gateways disagree on how they map them). */
static int normalized_prefix(const char *name, const char *pattern, int whole)
{
    size_t i = 0;
    for (; pattern[i]; i++) {
        char c = name[i];
        if (c == '\0')
            return 0;
        c = isalnum((unsigned char)c) ? (char)tolower((unsigned char)c) : '-';
        if (c != pattern[i])
            return 0;
    }
    return whole ? name[i] == '\0' : 1;
}

int cog_scrub_is_reserved(const char *name)
{
    for (const char *const *p = reserved_prefixes; *p; p++)
        if (normalized_prefix(name, *p, 0))
            return 1;
    for (const char *const *n = reserved_names; *n; n++)
        if (normalized_prefix(name, *n, 1))
            return 1;
    return 0;
}

int cog_scrub_request(request_rec *r)
{
    const apr_array_header_t *arr = apr_table_elts(r->headers_in);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    apr_array_header_t *doomed = NULL;
    for (int i = 0; i < arr->nelts; i++) {
        if (e[i].key && cog_scrub_is_reserved(e[i].key)) {
            if (doomed == NULL)
                doomed = apr_array_make(r->pool, 4, sizeof(const char *));
            APR_ARRAY_PUSH(doomed, const char *) = e[i].key;
        }
    }
    for (int i = 0; doomed && i < doomed->nelts; i++)
        apr_table_unset(r->headers_in, APR_ARRAY_IDX(doomed, i, const char *));
    return doomed ? doomed->nelts : 0;
}

#define ORIGINAL_COOKIE_NOTE "auth_cognito_cookie"

const char *cog_scrub_original_cookies(request_rec *r)
{
    for (request_rec *q = r; q; q = q->main ? q->main : q->prev) {
        const char *saved = apr_table_get(q->notes, ORIGINAL_COOKIE_NOTE);
        if (saved)
            return saved;
    }
    return apr_table_get(r->headers_in, "Cookie");
}

void cog_scrub_cookies(request_rec *r, const char *session_cookie_name)
{
    const char *header = apr_table_get(r->headers_in, "Cookie");
    if (header == NULL || strstr(header, session_cookie_name) == NULL)
        return;
    if (apr_table_get(r->notes, ORIGINAL_COOKIE_NOTE) == NULL)
        apr_table_setn(r->notes, ORIGINAL_COOKIE_NOTE, header);
    apr_array_header_t *cookies = cog_cookie_parse(r->pool, header);
    apr_array_header_t *kept = apr_array_make(r->pool, cookies->nelts, sizeof(const char *));
    const char *state_prefix = apr_pstrcat(r->pool, session_cookie_name, "_state_", NULL);
    size_t sp = strlen(state_prefix);
    const cog_cookie_t *c = (const cog_cookie_t *)cookies->elts;
    for (int i = 0; i < cookies->nelts; i++) {
        if (strcmp(c[i].name, session_cookie_name) == 0 || strncmp(c[i].name, state_prefix, sp) == 0)
            continue;
        APR_ARRAY_PUSH(kept, const char *) = apr_pstrcat(r->pool, c[i].name, "=", c[i].value, NULL);
    }
    if (kept->nelts == 0)
        apr_table_unset(r->headers_in, "Cookie");
    else {
        char *joined = APR_ARRAY_IDX(kept, 0, char *);
        for (int i = 1; i < kept->nelts; i++)
            joined = apr_pstrcat(r->pool, joined, "; ", APR_ARRAY_IDX(kept, i, const char *), NULL);
        apr_table_setn(r->headers_in, "Cookie", joined);
    }
}
