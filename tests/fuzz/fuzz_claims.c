/*
 * fuzz_claims — verified claims → identity variables and headers handed to
 * applications: cog_json_parse, then for objects cog_claims_identity (default
 * claim names), cog_claims_user, and cog_claim_text on each member; for other
 * values cog_claim_text on the value itself.
 *
 * Properties asserted: no value contains a byte < 0x20 or 0x7f (header/log
 * injection); environment names are [A-Z0-9_]; header names are an HTTP token
 * [A-Za-z0-9-] starting with "X-Cognito-"; the user, when given, is not empty.
 */
#include "fuzz_common.h"

#include "token/claims.h"
#include "util/json.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return fuzz_apr_init();
}

static void check_value(const char *v)
{
    FUZZ_CHECK(v != NULL, "claim text is never NULL");
    FUZZ_CHECK(fuzz_no_controls(v), "claim text has no control character or DEL");
}

static void check_env(const char *name)
{
    FUZZ_CHECK(strncmp(name, "COGNITO_", 8) == 0, "env name starts with COGNITO_");
    for (const char *c = name; *c; c++)
        FUZZ_CHECK((*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '_', "env name is [A-Z0-9_]");
}

static void check_header(const char *name)
{
    FUZZ_CHECK(strncmp(name, "X-Cognito-", 10) == 0, "header name starts with X-Cognito-");
    for (const char *c = name; *c; c++)
        FUZZ_CHECK((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-',
                   "header name is [A-Za-z0-9-]");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const char *why = NULL;
    cJSON *root = cog_json_parse((const char *)data, size, &why);
    if (root == NULL) {
        apr_pool_destroy(p);
        return 0;
    }

    if (cJSON_IsObject(root)) {
        static const cog_claim_names_t names = { "sub", "cognito:groups", "custom:tenant_id" };
        apr_array_header_t *vars = cog_claims_identity(p, root, &names, 1);
        const cog_identity_var_t *v = (const cog_identity_var_t *)vars->elts;
        for (int i = 0; i < vars->nelts; i++) {
            check_env(v[i].env);
            if (v[i].header)
                check_header(v[i].header);
            check_value(v[i].value);
        }
        for (const cJSON *c = root->child; c; c = c->next) {
            check_value(cog_claim_text(p, c));
            check_value(cog_claim_sanitize(p, c->string));
        }
        static const char *const users[] = { "sub", "username", "cognito:username", "email", NULL };
        for (const char *const *u = users; *u; u++) {
            const char *user = cog_claims_user(p, root, *u);
            if (user) {
                FUZZ_CHECK(*user != '\0', "a user name is not empty");
                check_value(user);
            }
        }
    } else {
        check_value(cog_claim_text(p, root));
    }

    cJSON_Delete(root);
    apr_pool_destroy(p);
    return 0;
}
