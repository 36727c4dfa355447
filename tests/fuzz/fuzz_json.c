/*
 * fuzz_json — cog_json_parse, the strict RFC 8259 front end of cJSON used for every
 * token header/payload, JWKS, token endpoint answer and cached record.
 *
 * Properties asserted: whatever parses, re-serialised with cJSON_PrintUnformatted,
 * parses again (round trip), and a second round trip changes nothing more (the
 * first may: cJSON prints DBL_MAX as 1.79769313486232e+308, which reads back as
 * infinity and then prints as null); a refused text says why.
 * The tree itself: no object has two members of one name, no container is nested
 * deeper than COG_JSON_MAX_DEPTH.
 * Also (COG_FUZZ_STRICT, on by default): every parsed number is finite (finding F2 in
 * crashes/README.md: 1e999 is accepted as infinity).
 */
#include "fuzz_common.h"

#include <math.h>

#include "util/json.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return fuzz_apr_init();
}

static int all_finite(const cJSON *node)
{
    if (cJSON_IsNumber(node) && !isfinite(node->valuedouble))
        return 0;
    for (const cJSON *c = node->child; c; c = c->next)
        if (!all_finite(c))
            return 0;
    return 1;
}

/* Pairwise (the module sorts beyond 16 members: this checks that path too). */
static int names_unique(const cJSON *node)
{
    if (cJSON_IsObject(node))
        for (const cJSON *a = node->child; a; a = a->next)
            for (const cJSON *b = a->next; b; b = b->next)
                if (a->string && b->string && strcmp(a->string, b->string) == 0)
                    return 0;
    for (const cJSON *c = node->child; c; c = c->next)
        if (!names_unique(c))
            return 0;
    return 1;
}

/* Containers on the deepest path, counting the root when it is one. */
static int depth_of(const cJSON *node)
{
    int deepest = 0;
    for (const cJSON *c = node->child; c; c = c->next) {
        int d = depth_of(c);
        if (d > deepest)
            deepest = d;
    }
    return (cJSON_IsArray(node) || cJSON_IsObject(node)) ? deepest + 1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const char *why = NULL;
    cJSON *root = cog_json_parse((const char *)data, size, &why);
    if (root == NULL) {
        FUZZ_CHECK(why != NULL, "a refused text says why");
        apr_pool_destroy(p);
        return 0;
    }
    FUZZ_CHECK(names_unique(root), "no object has two members of one name");
    FUZZ_CHECK(depth_of(root) <= COG_JSON_MAX_DEPTH, "nesting is at most COG_JSON_MAX_DEPTH");
    if (fuzz_strict())
        FUZZ_CHECK(all_finite(root), "[strict] every parsed number is finite");
    char *text = cJSON_PrintUnformatted(root);
    FUZZ_CHECK(text != NULL, "a parsed tree prints");
    const char *why2 = NULL;
    cJSON *again = cog_json_parse(text, strlen(text), &why2);
    /* cJSON prints doubles next to DBL_MAX with 15-17 digits that can round up past
     * it; the strict parser then (rightly) refuses the infinity.  Only that refusal
     * is allowed here. */
    if (again == NULL && why2 != NULL && strcmp(why2, "number out of range") == 0) {
        cJSON_free(text);
        cJSON_Delete(root);
        apr_pool_destroy(p);
        return 0;
    }
    if (again == NULL)
        fprintf(stderr, "re-parse of \"%s\" failed: %s\n", text, why2 ? why2 : "?");
    FUZZ_CHECK(again != NULL, "printed JSON parses again (round trip)");
    char *text2 = cJSON_PrintUnformatted(again);
    FUZZ_CHECK(text2 != NULL, "the re-parsed tree prints");
    cJSON *third = cog_json_parse(text2, strlen(text2), &why2);
    FUZZ_CHECK(third != NULL, "printed JSON parses again (second round trip)");
    char *text3 = cJSON_PrintUnformatted(third);
    FUZZ_CHECK(text3 != NULL && strcmp(text2, text3) == 0, "printing is stable after one round trip");

    cJSON_free(text3);
    cJSON_Delete(third);
    cJSON_free(text2);
    cJSON_free(text);
    cJSON_Delete(again);
    cJSON_Delete(root);
    apr_pool_destroy(p);
    return 0;
}
