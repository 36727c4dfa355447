/*
 * fuzz_cookie — the Cookie request header: cog_cookie_parse, cog_cookie_values for
 * the module's own cookie names, cog_scrub_is_reserved on every cookie name.
 *
 * Second stage (same input): cog_scrub_cookies and cog_scrub_request on a minimal
 * request_rec (only pool, headers_in and notes set: those functions touch nothing else),
 * with the input as the Cookie header and, split at '\n', as header names.
 * scrub.c links without httpd symbols (it only uses APR), so no link stubs.
 *
 * Properties asserted: every parsed name is a valid cookie-name, values hold no
 * ';' or ','; cog_cookie_values finds exactly the cookies of that name; after
 * cog_scrub_cookies the Cookie header holds neither the session cookie nor any
 * login-state cookie but still every other cookie; after cog_scrub_request no
 * reserved header is left.
 */
#include "fuzz_common.h"

#include <apr_strings.h>
#include <apr_tables.h>
#include <httpd.h>

#include "util/cookie.h"
#include "edge/scrub.h"

#define SESSION_COOKIE "cognito_session"
#define STATE_PREFIX   SESSION_COOKIE "_state_"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return fuzz_apr_init();
}

static void check_values(apr_pool_t *p, const apr_array_header_t *cookies, const char *name)
{
    apr_array_header_t *values = cog_cookie_values(p, cookies, name);
    const cog_cookie_t *c = (const cog_cookie_t *)cookies->elts;
    int expected = 0;
    for (int i = 0; i < cookies->nelts; i++)
        if (strcmp(c[i].name, name) == 0) {
            FUZZ_CHECK(expected < values->nelts && APR_ARRAY_IDX(values, expected, const char *) == c[i].value,
                       "cog_cookie_values returns the values in order");
            expected++;
        }
    FUZZ_CHECK(values->nelts == expected, "cog_cookie_values finds every cookie of the name");
}

/* The module's cookies for one CognitoCookieName: the session cookie and state
 * cookies, plain and __Host- prefixed. */
static int is_ours(const char *name)
{
    if (strncmp(name, "__Host-", 7) == 0)
        name += 7;
    return strcmp(name, SESSION_COOKIE) == 0 || strncmp(name, STATE_PREFIX, strlen(STATE_PREFIX)) == 0;
}

static void scrub_stage(apr_pool_t *p, const char *header, const apr_array_header_t *before)
{
    request_rec r;
    memset(&r, 0, sizeof(r));
    r.pool = p;
    r.headers_in = apr_table_make(p, 8);
    r.notes = apr_table_make(p, 2);
    apr_table_setn(r.headers_in, "Cookie", header);

    /* Header names: each input line, and the same names made reserved-looking. */
    char *copy = apr_pstrdup(p, header), *state = NULL;
    for (char *line = apr_strtok(copy, "\n", &state); line; line = apr_strtok(NULL, "\n", &state)) {
        apr_table_add(r.headers_in, line, "v");
        apr_table_add(r.headers_in, apr_pstrcat(p, "X-Cognito-", line, NULL), "v");
    }

    /* Cookies that are not the module's must all reach the application. */
    int others = 0;
    const cog_cookie_t *b = (const cog_cookie_t *)before->elts;
    for (int i = 0; i < before->nelts; i++)
        others += !is_ours(b[i].name);

    apr_array_header_t *names = apr_array_make(p, 1, sizeof(const char *));
    APR_ARRAY_PUSH(names, const char *) = SESSION_COOKIE;
    cog_scrub_cookies(&r, names);
    const char *after = apr_table_get(r.headers_in, "Cookie");
    FUZZ_CHECK(after != NULL || others == 0, "the Cookie header goes only when no other cookie is left");
    if (after && strlen(after) <= COG_COOKIE_MAX_HEADER) {
        apr_array_header_t *left = cog_cookie_parse(p, after);
        const cog_cookie_t *c = (const cog_cookie_t *)left->elts;
        for (int i = 0; i < left->nelts; i++) {
            FUZZ_CHECK(!is_ours(c[i].name), "session and login-state cookies removed from the Cookie header");
        }
        FUZZ_CHECK(left->nelts == others, "every other cookie is kept");
    }

    int removed = cog_scrub_request(&r);
    FUZZ_CHECK(removed >= 0, "scrub count is not negative");
    const apr_array_header_t *arr = apr_table_elts(r.headers_in);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    for (int i = 0; i < arr->nelts; i++)
        FUZZ_CHECK(!cog_scrub_is_reserved(e[i].key), "no reserved header survives cog_scrub_request");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    char *header = fuzz_cstr(data, size);

    apr_array_header_t *cookies = cog_cookie_parse(p, header);
    const cog_cookie_t *c = (const cog_cookie_t *)cookies->elts;
    for (int i = 0; i < cookies->nelts; i++) {
        FUZZ_CHECK(cog_cookie_name_valid(c[i].name), "parsed cookie name is an RFC 6265 token");
        FUZZ_CHECK(strpbrk(c[i].value, ";,") == NULL, "parsed cookie value holds no separator");
        (void)cog_scrub_is_reserved(c[i].name);
    }
    check_values(p, cookies, SESSION_COOKIE);
    check_values(p, cookies, STATE_PREFIX "AAAAAAAAAAAAAAAA");
    if (cookies->nelts > 0)
        check_values(p, cookies, c[0].name);

    scrub_stage(p, header, cookies);

    free(header);
    apr_pool_destroy(p);
    return 0;
}
