/*
 * test_scrub.c — scrub.c's pure part: which request header names are reserved
 * (X-Cognito-*, Cognito-*, X-Amzn-Oidc-*, the Remote-User family; any case, '_'
 * and '-' alike).  cog_scrub_request/cog_scrub_cookies need a request_rec and are
 * covered by the integration tests against a real httpd.
 */
#include "testutil.h"

#include <ctype.h>

#include "scrub.h"

static void expect_reserved(const char *name, int want)
{
    int got = cog_scrub_is_reserved(name);
    if (got != want)
        fail_msg("\"%s\": %d, expected %d", name, got, want);
}

static void test_reserved_names(void **state)
{
    (void)state;
    static const char *const reserved[] = {
        "X-Cognito-Sub", "x-cognito-groups", "X_COGNITO_TENANT", "Cognito-User", "cognito_groups",
        "X-Amzn-Oidc-Data", "Remote-User", "REMOTE_USER", "remote_user", "X-Remote-User", "X_Forwarded_User",
        "Auth-User", "Auth-Type",
        /* More spellings of the same families. */
        "X-Cognito-", "x-cognito-claim-custom-plan", "X-COGNITO-EMAIL", "x_cognito_username", "X-Cognito_Sub",
        "X_Cognito-Sub", "Cognito-", "COGNITO-ID-TOKEN", "cognito-access-token", "Cognito_Claims",
        "X-Amzn-Oidc-Identity", "x-amzn-oidc-accesstoken", "X_AMZN_OIDC_DATA", "x-amzn-oidc-",
        "Remote_User", "rEmOtE-uSeR", "X-Forwarded-User", "x-forwarded-user", "X-Auth-User", "x_auth_user",
        "AUTH_USER", "auth_type", "AUTH-TYPE",
        NULL,
    };
    for (const char *const *n = reserved; *n; n++)
        expect_reserved(*n, 1);
}

static void test_not_reserved_names(void **state)
{
    (void)state;
    static const char *const fine[] = {
        "X-Cognitox", "X-Cog", "Cognit", "Authorization", "Cookie", "X-Forwarded-For", "Remote-Users",
        "Content-Type",
        /* Near misses. */
        "", "X-Cognito", "Cognito", "XCognito-Sub", "X--Cognito-Sub", "X-Cognitos-Sub", "Cognitox-User",
        "X-Amzn-Oidc", "X-Amzn-Trace-Id", "Remote", "Remote-User-Agent", "RemoteUser", "X-Remote-Users",
        "X-Forwarded-Users", "X-Forwarded-Host", "Auth", "Auth-Users", "Auth-Types", "Auth-Userx",
        "X-Auth-Token", "X-Auth-Users", "User-Agent", "Host", "Accept", "Proxy-Authorization", "X-User",
        " X-Cognito-Sub", "-Cognito-User",
        NULL,
    };
    for (const char *const *n = fine; *n; n++)
        expect_reserved(*n, 0);
}

/* Every prefix of a reserved name shorter than the family's prefix is not reserved;
 * every name starting with the full family prefix is. */
static void test_prefix_boundaries(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    static const char *const prefixes[] = { "X-Cognito-", "Cognito-", "X-Amzn-Oidc-", NULL };
    for (const char *const *pre = prefixes; *pre; pre++) {
        size_t n = strlen(*pre);
        for (size_t k = 0; k < n; k++)
            expect_reserved(apr_pstrndup(p, *pre, k), 0);
        expect_reserved(*pre, 1);
        expect_reserved(apr_pstrcat(p, *pre, "Anything-At_All", NULL), 1);
        expect_reserved(apr_pstrcat(p, *pre, "\xc3\xa9", NULL), 1);
    }
    static const char *const names[] = { "Remote-User", "X-Remote-User", "X-Forwarded-User", "Auth-User",
                                         "X-Auth-User", "Auth-Type", NULL };
    for (const char *const *nm = names; *nm; nm++) {
        size_t n = strlen(*nm);
        for (size_t k = 0; k < n; k++)
            expect_reserved(apr_pstrndup(p, *nm, k), 0);
        expect_reserved(*nm, 1);
        expect_reserved(apr_pstrcat(p, *nm, "s", NULL), 0);
        expect_reserved(apr_pstrcat(p, *nm, "-", NULL), 0);
        expect_reserved(apr_pstrcat(p, *nm, "_", NULL), 0);
    }
}

/* Every combination of case and '-'/'_' for a few names (2^k variants each). */
static void test_case_and_separator_variants(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    static const char *const names[] = { "X-Cognito-Sub", "Cognito-Groups", "Remote-User", "Auth-Type", NULL };
    for (const char *const *nm = names; *nm; nm++) {
        size_t n = strlen(*nm);
        int positions[32], count = 0;
        for (size_t i = 0; i < n; i++)
            if (isalpha((unsigned char)(*nm)[i]) || (*nm)[i] == '-')
                positions[count++] = (int)i;
        assert_true(count <= 16);
        for (unsigned long mask = 0; mask < (1ul << count); mask += 1 + mask / 97) {
            char *v = apr_pstrdup(p, *nm);
            for (int b = 0; b < count; b++) {
                char *c = v + positions[b];
                if (!(mask & (1ul << b)))
                    continue;
                if (*c == '-')
                    *c = '_';
                else
                    *c = isupper((unsigned char)*c) ? (char)tolower((unsigned char)*c) : (char)toupper((unsigned char)*c);
            }
            expect_reserved(v, 1);
        }
    }
}

/* Every non-alphanumeric separator counts as '-': gateways and backends map '.', '~',
 * spaces and the like differently, so none of them may smuggle our names past. */
static void test_other_separators_folded(void **state)
{
    (void)state;
    static const char *const reserved[] = { "X.Cognito.Sub", "X Cognito-Sub", "X+Cognito-Sub", "Cognito.User",
                                            "Remote~User", "Auth:Type", "X-Cognito\x01Sub", "X Cognito Sub",
                                            "Remote User", "Remote.User", NULL };
    for (const char *const *n = reserved; *n; n++)
        expect_reserved(*n, 1);
}

static const struct CMUnitTest tests[] = {
    TU_TEST(test_reserved_names),
    TU_TEST(test_not_reserved_names),
    TU_TEST(test_prefix_boundaries),
    TU_TEST(test_case_and_separator_variants),
    TU_TEST(test_other_separators_folded),
};

TU_MAIN(tests, NULL, NULL)
