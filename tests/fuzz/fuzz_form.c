/*
 * fuzz_form — cog_form_parse on a form post body (an anonymous client sends it to
 * a protected URL; flow/preserve_post.c keeps it across the login).
 *
 * Properties asserted: either NULL with a reason, or at most COG_FORM_MAX_FIELDS
 * fields whose names and values are UTF-8 without NUL; re-encoding every field
 * (cog_url_encode: %XX for every byte but unreserved ones) and parsing that again
 * gives the same fields in the same order — what the browser re-submits is what it
 * first sent.
 */
#include "fuzz_common.h"

#include <apr_strings.h>

#include "util/form.h"
#include "util/json.h"
#include "util/query.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return fuzz_apr_init();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const char *why = NULL;
    /* the exact bytes, not NUL-terminated: the parser must respect len */
    char *body = size ? malloc(size) : NULL;
    if (size)
        memcpy(body, data, size);
    apr_array_header_t *fields = cog_form_parse(p, body ? body : "", size, &why);
    if (fields == NULL) {
        FUZZ_CHECK(why != NULL, "a refusal says why");
    } else {
        FUZZ_CHECK(fields->nelts <= COG_FORM_MAX_FIELDS, "at most COG_FORM_MAX_FIELDS fields");
        const cog_form_field_t *f = (const cog_form_field_t *)fields->elts;
        apr_array_header_t *parts = apr_array_make(p, fields->nelts + 1, sizeof(char *));
        for (int i = 0; i < fields->nelts; i++) {
            FUZZ_CHECK(cog_utf8_valid(f[i].name, strlen(f[i].name)) && cog_utf8_valid(f[i].value, strlen(f[i].value)),
                       "names and values are UTF-8");
            APR_ARRAY_PUSH(parts, char *) = apr_pstrcat(p, cog_url_encode(p, f[i].name), "=", cog_url_encode(p, f[i].value), NULL);
        }
        char *again = apr_array_pstrcat(p, parts, '&');
        apr_array_header_t *back = cog_form_parse(p, again, strlen(again), &why);
        FUZZ_CHECK(back != NULL, "re-encoded fields parse again");
        FUZZ_CHECK(back->nelts == fields->nelts, "the same number of fields");
        const cog_form_field_t *b = (const cog_form_field_t *)back->elts;
        for (int i = 0; i < back->nelts; i++)
            FUZZ_CHECK(strcmp(b[i].name, f[i].name) == 0 && strcmp(b[i].value, f[i].value) == 0,
                       "the same fields in the same order");
    }
    free(body);
    apr_pool_destroy(p);
    return 0;
}
