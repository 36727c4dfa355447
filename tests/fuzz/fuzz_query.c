/*
 * fuzz_query — the OAuth callback's query string: cog_query_parse with the
 * callback's unique names {state, code, error, error_description}, and
 * cog_url_decode on the raw bytes.
 *
 * Properties asserted: a parsed table has at most COG_QUERY_MAX_PARAMS entries,
 * no unique name twice — compared case-insensitively, the way the callback reads
 * the table with apr_table_get — and names/values free of control characters; a
 * decoded string has no control characters, and cog_url_encode → cog_url_decode
 * gives it back unchanged.
 */
#include "fuzz_common.h"

#include <strings.h>
#include <apr_strings.h>
#include <apr_tables.h>

#include "util/query.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return fuzz_apr_init();
}

static const char *const unique[] = { "state", "code", "error", "error_description", NULL };

static void check_decoded(apr_pool_t *p, const char *s)
{
    FUZZ_CHECK(fuzz_no_controls(s), "decoded text has no control characters");
    const char *enc = cog_url_encode(p, s);
    const char *back = cog_url_decode(p, enc, strlen(enc));
    FUZZ_CHECK(back != NULL && strcmp(back, s) == 0, "url_encode then url_decode is the identity");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    char *query = fuzz_cstr(data, size);
    const char *why = NULL;

    apr_table_t *t = cog_query_parse(p, query, unique, &why);
    if (t == NULL) {
        FUZZ_CHECK(why != NULL && fuzz_no_controls(why), "a refused query says why");
    } else {
        const apr_array_header_t *arr = apr_table_elts(t);
        const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
        FUZZ_CHECK(arr->nelts <= COG_QUERY_MAX_PARAMS, "at most COG_QUERY_MAX_PARAMS parameters");
        for (const char *const *u = unique; *u; u++) {
            int seen = 0;
            for (int i = 0; i < arr->nelts; i++)
                seen += strcasecmp(e[i].key, *u) == 0;
            FUZZ_CHECK(seen <= 1, "a unique parameter appears at most once (as apr_table_get sees it)");
        }
        for (int i = 0; i < arr->nelts; i++) {
            FUZZ_CHECK(fuzz_no_controls(e[i].key) && fuzz_no_controls(e[i].val),
                       "parameter names and values have no control characters");
        }
        (void)apr_table_get(t, "state");
        (void)apr_table_get(t, "code");
    }

    /* cog_url_decode takes a length: the exact-size input, embedded NULs and all. */
    char *decoded = cog_url_decode(p, (const char *)data, size);
    if (decoded)
        check_decoded(p, decoded);

    free(query);
    apr_pool_destroy(p);
    return 0;
}
