/*
 * test_claims.c — claims.c: claim values and names → the identity an application sees.
 */
#include "testutil.h"
#include "token/claims.h"
#include "util/json.h"

#include <ctype.h>
#include <math.h>

static cJSON *parse(const char *json)
{
    const char *why = NULL;
    cJSON *v = cog_json_parse(json, strlen(json), &why);
    if (v == NULL)
        fail_msg("test JSON refused (%s): %s", why, json);
    return v;
}

/* cog_claim_text of a JSON value given as text. */
static char *text_of(apr_pool_t *p, const char *json)
{
    cJSON *v = parse(json);
    char *t = cog_claim_text(p, v);
    cJSON_Delete(v);
    assert_non_null(t);
    return t;
}

#define EXPECT_TEXT(p, json, want) do {                                          \
        char *got_ = text_of((p), (json));                                       \
        if (strcmp(got_, (want)) != 0)                                           \
            fail_msg("text of %s: \"%s\", expected \"%s\"", (json), got_, (want)); \
    } while (0)

static int has_control(const char *s)
{
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        if (*c < 0x20 || *c == 0x7f)
            return 1;
    return 0;
}

/* ---- sanitize ------------------------------------------------------------------------------------ */

static void test_sanitize(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    assert_string_equal(cog_claim_sanitize(p, "a\rb\nc\x01" "d\x7f" "e"), "abcde");
    assert_string_equal(cog_claim_sanitize(p, "Zo\xc3\xab"), "Zo\xc3\xab");
    assert_string_equal(cog_claim_sanitize(p, "\xe2\x82\xac \xf0\x9f\x98\x80"), "\xe2\x82\xac \xf0\x9f\x98\x80");
    assert_string_equal(cog_claim_sanitize(p, "tab\there"), "tabhere");
    assert_string_equal(cog_claim_sanitize(p, "x\x1b[31my"), "x[31my");
    assert_string_equal(cog_claim_sanitize(p, "\r\n\x01\x1f\x7f"), "");
    assert_string_equal(cog_claim_sanitize(p, ""), "");
    assert_string_equal(cog_claim_sanitize(p, " spaces stay "), " spaces stay ");
    assert_string_equal(cog_claim_sanitize(p, "Injected\r\nX-Cognito-Sub: admin"), "InjectedX-Cognito-Sub: admin");
    /* bytes >= 0x80 are kept as they are */
    assert_string_equal(cog_claim_sanitize(p, "\x80\xff\xc2\x85"), "\x80\xff\xc2\x85");
}

/* ---- values -------------------------------------------------------------------------------------- */

static void test_text_strings(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    EXPECT_TEXT(p, "\"alice\"", "alice");
    EXPECT_TEXT(p, "\"\"", "");
    EXPECT_TEXT(p, "\"Zo\\u00eb\"", "Zo\xc3\xab");
    EXPECT_TEXT(p, "\"Zo\xc3\xab\"", "Zo\xc3\xab");
    EXPECT_TEXT(p, "\"a\\r\\nb\"", "ab");
    EXPECT_TEXT(p, "\"a\\u0000b\"", "ab");
    EXPECT_TEXT(p, "\"a\\u007fb\\u001f\"", "ab");
    EXPECT_TEXT(p, "\"a,b\"", "a,b");
}

static void test_text_numbers(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    EXPECT_TEXT(p, "42", "42");
    EXPECT_TEXT(p, "0", "0");
    EXPECT_TEXT(p, "-7", "-7");
    EXPECT_TEXT(p, "1700000000", "1700000000");
    EXPECT_TEXT(p, "1.7e9", "1700000000");
    EXPECT_TEXT(p, "42.0", "42");
    EXPECT_TEXT(p, "9007199254740992", "9007199254740992");
    EXPECT_TEXT(p, "253402300799", "253402300799");
    EXPECT_TEXT(p, "1.5", "1.5");
    EXPECT_TEXT(p, "-2.25", "-2.25");
    EXPECT_TEXT(p, "0.5", "0.5");

    /* non-integral values keep their value: the text reads back as the same double */
    static const char *const floats[] = { "0.1", "3.14159", "-0.001", "1e-7", "123.456", "1e300" };
    for (size_t i = 0; i < sizeof(floats) / sizeof(floats[0]); i++) {
        char *t = text_of(p, floats[i]);
        assert_true(strtod(t, NULL) == strtod(floats[i], NULL));
        assert_null(strchr(t, ' '));
    }
    /* integers never carry an exponent or a fraction */
    static const char *const ints[] = { "1", "1000000", "1700003600", "2147483648", "4294967296", "1e15" };
    for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
        char *t = text_of(p, ints[i]);
        for (const char *c = t; *c; c++)
            if (!isdigit((unsigned char)*c))
                fail_msg("text of %s: \"%s\"", ints[i], t);
    }
}

static void test_text_literals(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    EXPECT_TEXT(p, "true", "true");
    EXPECT_TEXT(p, "false", "false");
    EXPECT_TEXT(p, "null", "");
}

static void test_text_arrays(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    EXPECT_TEXT(p, "[\"a\",\"b\"]", "a,b");
    EXPECT_TEXT(p, "[\"admin\"]", "admin");
    EXPECT_TEXT(p, "[]", "");
    EXPECT_TEXT(p, "[\"a\",1,true,false,null,2.5]", "a,1,true,false,,2.5");
    EXPECT_TEXT(p, "[\"a\\r\\n\",\"\\u0001b\"]", "a,b");
    EXPECT_TEXT(p, "[\"a\",{\"k\":\"v\"}]", "a,{\"k\":\"v\"}");
    EXPECT_TEXT(p, "[{\"k\":\"x\\ny\"}]", "{\"k\":\"xy\"}");
    EXPECT_TEXT(p, "[[\"x\",\"y\"],\"z\"]", "[\"x\",\"y\"],z");
    EXPECT_TEXT(p, "[[]]", "[]");
}

static void test_text_objects(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    EXPECT_TEXT(p, "{}", "{}");
    EXPECT_TEXT(p, "{\"k\":\"v\",\"n\":1}", "{\"k\":\"v\",\"n\":1}");
    EXPECT_TEXT(p, " { \"k\" : [ 1 , 2 ] } ", "{\"k\":[1,2]}");
    EXPECT_TEXT(p, "{\"k\":\"a\\r\\nb\"}", "{\"k\":\"ab\"}");
    EXPECT_TEXT(p, "{\"a\\u0001b\":1}", "{\"ab\":1}");
    EXPECT_TEXT(p, "{\"o\":{\"deep\":[\"x\\u0000\",{\"k\\n\":\"\\u007f\"}]}}", "{\"o\":{\"deep\":[\"x\",{\"k\":\"\"}]}}");
    EXPECT_TEXT(p, "{\"formatted\":\"1 Main St\\nSpringfield\"}", "{\"formatted\":\"1 Main StSpringfield\"}");
    EXPECT_TEXT(p, "{\"name\":\"Zo\\u00eb\"}", "{\"name\":\"Zo\xc3\xab\"}");

    /* the JSON text parses back */
    char *t = text_of(p, "{\"a\":[1,\"two\",{\"b\":null}],\"q\":\"\\\"quoted\\\\\"}");
    cJSON *back = parse(t);
    cJSON *orig = parse("{\"a\":[1,\"two\",{\"b\":null}],\"q\":\"\\\"quoted\\\\\"}");
    assert_true(cJSON_Compare(back, orig, 1));
    cJSON_Delete(back);
    cJSON_Delete(orig);
}

static void test_text_does_not_modify_input(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    cJSON *v = parse("{\"k\":\"a\\nb\",\"l\\r\":[\"c\\u0001\"]}");
    cJSON *copy = cJSON_Duplicate(v, 1);
    (void)cog_claim_text(p, v);
    assert_true(cJSON_Compare(v, copy, 1));
    cJSON_Delete(v);
    cJSON_Delete(copy);
}

/* ---- names --------------------------------------------------------------------------------------- */

static void test_env_name(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    assert_string_equal(cog_claim_env_name(p, "custom:plan"), "COGNITO_CLAIM_CUSTOM_PLAN");
    assert_string_equal(cog_claim_env_name(p, "cognito:groups"), "COGNITO_CLAIM_COGNITO_GROUPS");
    assert_string_equal(cog_claim_env_name(p, "email_verified"), "COGNITO_CLAIM_EMAIL_VERIFIED");
    assert_string_equal(cog_claim_env_name(p, "sub"), "COGNITO_CLAIM_SUB");
    assert_string_equal(cog_claim_env_name(p, "custom:tenant_id"), "COGNITO_CLAIM_CUSTOM_TENANT_ID");
    assert_string_equal(cog_claim_env_name(p, "a-b.c d/e=f"), "COGNITO_CLAIM_A_B_C_D_E_F");
    assert_string_equal(cog_claim_env_name(p, "x2Y"), "COGNITO_CLAIM_X2Y");
    assert_string_equal(cog_claim_env_name(p, "Zo\xc3\xab"), "COGNITO_CLAIM_ZO__");
    assert_string_equal(cog_claim_env_name(p, "\xe2\x82\xac"), "COGNITO_CLAIM____");
    assert_string_equal(cog_claim_env_name(p, "a\r\nb"), "COGNITO_CLAIM_A__B");
    assert_string_equal(cog_claim_env_name(p, "\xff"), "COGNITO_CLAIM__");
}

static void test_header_name(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    assert_string_equal(cog_claim_header_name(p, "custom:plan"), "X-Cognito-Claim-Custom-Plan");
    assert_string_equal(cog_claim_header_name(p, "cognito:groups"), "X-Cognito-Claim-Cognito-Groups");
    assert_string_equal(cog_claim_header_name(p, "email_verified"), "X-Cognito-Claim-Email-Verified");
    assert_string_equal(cog_claim_header_name(p, "sub"), "X-Cognito-Claim-Sub");
    assert_string_equal(cog_claim_header_name(p, "SUB"), "X-Cognito-Claim-Sub");
    assert_string_equal(cog_claim_header_name(p, "phoneNumber"), "X-Cognito-Claim-Phonenumber");
    assert_string_equal(cog_claim_header_name(p, "custom:tenant_id"), "X-Cognito-Claim-Custom-Tenant-Id");
    assert_string_equal(cog_claim_header_name(p, "a\r\nb"), "X-Cognito-Claim-A--B");
    assert_string_equal(cog_claim_header_name(p, "Zo\xc3\xab"), "X-Cognito-Claim-Zo--");
    assert_string_equal(cog_claim_header_name(p, "a b:c"), "X-Cognito-Claim-A-B-C");
}

/* ---- user ---------------------------------------------------------------------------------------- */

static void test_user(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    cJSON *c = parse("{\"username\":\"alice\",\"cognito:username\":\"Zo\\u00eb\",\"num\":12345,"
                     "\"empty\":\"\",\"ctl\":\"\\r\\n\",\"dirty\":\"bob\\r\\n\",\"arr\":[\"a\"],"
                     "\"obj\":{\"a\":1},\"t\":true,\"z\":null}");
    assert_string_equal(cog_claims_user(p, c, "username"), "alice");
    assert_string_equal(cog_claims_user(p, c, "cognito:username"), "Zo\xc3\xab");
    assert_string_equal(cog_claims_user(p, c, "num"), "12345");
    assert_string_equal(cog_claims_user(p, c, "dirty"), "bob");
    assert_null(cog_claims_user(p, c, "empty"));
    assert_null(cog_claims_user(p, c, "ctl"));
    assert_null(cog_claims_user(p, c, "arr"));
    assert_null(cog_claims_user(p, c, "obj"));
    assert_null(cog_claims_user(p, c, "t"));
    assert_null(cog_claims_user(p, c, "z"));
    assert_null(cog_claims_user(p, c, "missing"));
    assert_null(cog_claims_user(p, c, "Username"));
    cJSON_Delete(c);
}

/* ---- identity ------------------------------------------------------------------------------------ */

static const cog_claim_names_t default_names = {
    .remote_user_claim = NULL, .groups_claim = "cognito:groups", .tenant_claim = "custom:tenant_id",
};

/* The value of the variable with this env name; NULL when absent.  Fails on duplicates. */
static const cog_identity_var_t *find_var(const apr_array_header_t *vars, const char *env)
{
    const cog_identity_var_t *found = NULL;
    for (int i = 0; i < vars->nelts; i++) {
        const cog_identity_var_t *v = &APR_ARRAY_IDX(vars, i, cog_identity_var_t);
        if (strcmp(v->env, env) == 0) {
            if (found)
                fail_msg("%s appears twice", env);
            found = v;
        }
    }
    return found;
}

static void expect_var(const apr_array_header_t *vars, const char *env, const char *header, const char *value)
{
    const cog_identity_var_t *v = find_var(vars, env);
    if (v == NULL)
        fail_msg("%s missing", env);
    if (strcmp(v->value, value) != 0)
        fail_msg("%s = \"%s\", expected \"%s\"", env, v->value, value);
    if (header == NULL)
        assert_null(v->header);
    else {
        assert_non_null(v->header);
        assert_string_equal(v->header, header);
    }
}

/* Every variable well formed: env names [A-Z0-9_], header names HTTP tokens, values
 * without controls. */
static void check_all_vars(const apr_array_header_t *vars)
{
    for (int i = 0; i < vars->nelts; i++) {
        const cog_identity_var_t *v = &APR_ARRAY_IDX(vars, i, cog_identity_var_t);
        assert_non_null(v->env);
        assert_non_null(v->value);
        assert_int_equal(strncmp(v->env, "COGNITO_", 8), 0);
        for (const char *c = v->env; *c; c++)
            if (!(isupper((unsigned char)*c) || isdigit((unsigned char)*c) || *c == '_'))
                fail_msg("env name %s", v->env);
        if (v->header) {
            assert_true(strncasecmp(v->header, "X-Cognito-", 10) == 0);
            for (const char *c = v->header; *c; c++)
                if (!(isalnum((unsigned char)*c) || *c == '-') || (unsigned char)*c >= 0x80)
                    fail_msg("header name %s", v->header);
        }
        if (has_control(v->value))
            fail_msg("%s carries a control character", v->env);
    }
}

static const char *access_json =
    "{\"sub\":\"aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee\",\"cognito:groups\":[\"admin\",\"dev\"],"
    "\"iss\":\"https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123\",\"version\":2,"
    "\"client_id\":\"4example5client6id\",\"origin_jti\":\"o-jti\",\"event_id\":\"e-id\","
    "\"token_use\":\"access\",\"scope\":\"openid email orders/read\",\"auth_time\":1700000000,"
    "\"exp\":1700003600,\"iat\":1700000000,\"jti\":\"j-1\",\"username\":\"alice\"}";

static void test_identity_access_token(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    cJSON *claims = parse(access_json);
    apr_array_header_t *vars = cog_claims_identity(p, claims, &default_names, 1);
    assert_non_null(vars);
    check_all_vars(vars);

    expect_var(vars, "COGNITO_SUB", "X-Cognito-Sub", "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
    expect_var(vars, "COGNITO_USERNAME", "X-Cognito-Username", "alice");
    expect_var(vars, "COGNITO_GROUPS", "X-Cognito-Groups", "admin,dev");
    expect_var(vars, "COGNITO_SCOPE", "X-Cognito-Scope", "openid email orders/read");
    expect_var(vars, "COGNITO_TOKEN_USE", "X-Cognito-Token-Use", "access");
    expect_var(vars, "COGNITO_CLIENT_ID", "X-Cognito-Client-Id", "4example5client6id");
    expect_var(vars, "COGNITO_EXPIRES", "X-Cognito-Expires", "1700003600");
    assert_null(find_var(vars, "COGNITO_EMAIL"));
    assert_null(find_var(vars, "COGNITO_TENANT"));

    /* every claim, by its mapped name */
    expect_var(vars, "COGNITO_CLAIM_USERNAME", "X-Cognito-Claim-Username", "alice");
    expect_var(vars, "COGNITO_CLAIM_COGNITO_GROUPS", "X-Cognito-Claim-Cognito-Groups", "admin,dev");
    expect_var(vars, "COGNITO_CLAIM_VERSION", "X-Cognito-Claim-Version", "2");
    expect_var(vars, "COGNITO_CLAIM_AUTH_TIME", "X-Cognito-Claim-Auth-Time", "1700000000");
    expect_var(vars, "COGNITO_CLAIM_ISS", "X-Cognito-Claim-Iss",
               "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123");
    int claim_vars = 0;
    for (int i = 0; i < vars->nelts; i++)
        if (strncmp(APR_ARRAY_IDX(vars, i, cog_identity_var_t).env, "COGNITO_CLAIM_", 14) == 0)
            claim_vars++;
    assert_int_equal(claim_vars, cJSON_GetArraySize(claims));

    /* COGNITO_CLAIMS: all claims as one JSON object, not a header */
    const cog_identity_var_t *all = find_var(vars, "COGNITO_CLAIMS");
    assert_non_null(all);
    assert_null(all->header);
    cJSON *back = cJSON_Parse(all->value);
    assert_non_null(back);
    assert_true(cJSON_Compare(back, claims, 1));
    cJSON_Delete(back);
    cJSON_Delete(claims);
}

static void test_identity_control_characters(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    cJSON *claims = parse("{\"sub\":\"s\\r\\n1\",\"token_use\":\"access\",\"username\":\"al\\u0000ice\","
                          "\"cognito:groups\":[\"ad\\nmin\",\"dev\"],\"exp\":1700003600,"
                          "\"custom:note\":{\"t\\u0001\":\"a\\u001fb\"},\"client_id\":\"c\"}");
    apr_array_header_t *vars = cog_claims_identity(p, claims, &default_names, 1);
    check_all_vars(vars);
    expect_var(vars, "COGNITO_SUB", "X-Cognito-Sub", "s1");
    expect_var(vars, "COGNITO_USERNAME", "X-Cognito-Username", "alice");
    expect_var(vars, "COGNITO_GROUPS", "X-Cognito-Groups", "admin,dev");
    expect_var(vars, "COGNITO_CLAIM_CUSTOM_NOTE", "X-Cognito-Claim-Custom-Note", "{\"t\":\"ab\"}");

    /* COGNITO_CLAIMS equals the input minus control characters */
    const cog_identity_var_t *all = find_var(vars, "COGNITO_CLAIMS");
    assert_non_null(all);
    cJSON *back = cJSON_Parse(all->value);
    assert_non_null(back);
    cJSON *want = cJSON_Parse("{\"sub\":\"s1\",\"token_use\":\"access\",\"username\":\"alice\","
                              "\"cognito:groups\":[\"admin\",\"dev\"],\"exp\":1700003600,"
                              "\"custom:note\":{\"t\":\"ab\"},\"client_id\":\"c\"}");
    assert_true(cJSON_Compare(back, want, 1));
    cJSON_Delete(want);
    cJSON_Delete(back);
    /* and the claims themselves are untouched */
    assert_string_equal(cog_json_string(claims, "sub"), "s\r\n1");
    cJSON_Delete(claims);
}

static void test_identity_id_token(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    cJSON *claims = parse(
        "{\"at_hash\":\"x4Vq\",\"sub\":\"aaaaaaaa-bbbb\",\"cognito:groups\":[\"admin\"],"
        "\"email_verified\":true,\"iss\":\"https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123\","
        "\"cognito:username\":\"bob\",\"nonce\":\"n\",\"origin_jti\":\"o\",\"aud\":\"4example5client6id\","
        "\"custom:tenant_id\":\"t-42\",\"custom:plan\":\"gold\",\"token_use\":\"id\",\"auth_time\":1700000000,"
        "\"exp\":1700003600,\"iat\":1700000000,\"jti\":\"j\",\"email\":\"bob@example.com\","
        "\"address\":{\"formatted\":\"1 Main St\"},\"username\":\"not-this-one\"}");
    apr_array_header_t *vars = cog_claims_identity(p, claims, &default_names, 1);
    check_all_vars(vars);
    expect_var(vars, "COGNITO_SUB", "X-Cognito-Sub", "aaaaaaaa-bbbb");
    expect_var(vars, "COGNITO_USERNAME", "X-Cognito-Username", "bob");
    expect_var(vars, "COGNITO_EMAIL", "X-Cognito-Email", "bob@example.com");
    expect_var(vars, "COGNITO_GROUPS", "X-Cognito-Groups", "admin");
    expect_var(vars, "COGNITO_TENANT", "X-Cognito-Tenant", "t-42");
    expect_var(vars, "COGNITO_TOKEN_USE", "X-Cognito-Token-Use", "id");
    expect_var(vars, "COGNITO_CLIENT_ID", "X-Cognito-Client-Id", "4example5client6id");
    expect_var(vars, "COGNITO_EXPIRES", "X-Cognito-Expires", "1700003600");
    assert_null(find_var(vars, "COGNITO_SCOPE"));
    expect_var(vars, "COGNITO_CLAIM_CUSTOM_PLAN", "X-Cognito-Claim-Custom-Plan", "gold");
    expect_var(vars, "COGNITO_CLAIM_CUSTOM_TENANT_ID", "X-Cognito-Claim-Custom-Tenant-Id", "t-42");
    expect_var(vars, "COGNITO_CLAIM_EMAIL_VERIFIED", "X-Cognito-Claim-Email-Verified", "true");
    expect_var(vars, "COGNITO_CLAIM_ADDRESS", "X-Cognito-Claim-Address", "{\"formatted\":\"1 Main St\"}");
    expect_var(vars, "COGNITO_CLAIM_COGNITO_USERNAME", "X-Cognito-Claim-Cognito-Username", "bob");

    const cog_identity_var_t *all = find_var(vars, "COGNITO_CLAIMS");
    assert_non_null(all);
    cJSON *back = cJSON_Parse(all->value);
    assert_non_null(back);
    assert_true(cJSON_Compare(back, claims, 1));
    cJSON_Delete(back);
    cJSON_Delete(claims);
}

static void test_identity_aud_array_and_custom_names(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    cJSON *claims = parse("{\"sub\":\"s\",\"token_use\":\"id\",\"aud\":[\"c1\",\"c2\"],"
                          "\"custom:roles\":[\"r1\",\"r2\"],\"custom:org\":\"acme\",\"custom:tenant_id\":\"t\","
                          "\"cognito:groups\":[\"g\"],\"exp\":1.5}");
    const cog_claim_names_t names = { .remote_user_claim = "sub", .groups_claim = "custom:roles",
                                      .tenant_claim = "custom:org" };
    apr_array_header_t *vars = cog_claims_identity(p, claims, &names, 1);
    check_all_vars(vars);
    expect_var(vars, "COGNITO_CLIENT_ID", "X-Cognito-Client-Id", "c1,c2");
    expect_var(vars, "COGNITO_GROUPS", "X-Cognito-Groups", "r1,r2");
    expect_var(vars, "COGNITO_TENANT", "X-Cognito-Tenant", "acme");
    expect_var(vars, "COGNITO_EXPIRES", "X-Cognito-Expires", "1.5");
    assert_null(find_var(vars, "COGNITO_USERNAME"));
    cJSON_Delete(claims);
}

static void test_identity_empty_claims(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    cJSON *claims = parse("{}");
    apr_array_header_t *vars = cog_claims_identity(p, claims, &default_names, 1);
    check_all_vars(vars);
    assert_int_equal(vars->nelts, 2);
    expect_var(vars, "COGNITO_PRINCIPAL_TYPE", "X-Cognito-Principal-Type", "user");
    expect_var(vars, "COGNITO_CLAIMS", NULL, "{}");
    cJSON_Delete(claims);
}

/* client_credentials tokens: no username and sub = client_id; anything else is a user. */
static void test_identity_principal_type(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    static const struct { const char *json; const char *type; } cases[] = {
        { "{\"token_use\":\"access\",\"sub\":\"m1\",\"client_id\":\"m1\",\"scope\":\"orders/read\"}", "machine" },
        { "{\"token_use\":\"access\",\"sub\":\"m1\",\"client_id\":\"m1\",\"username\":\"m1\"}", "user" },
        { "{\"token_use\":\"access\",\"sub\":\"u-1\",\"client_id\":\"m1\"}", "user" },
        { "{\"token_use\":\"id\",\"sub\":\"m1\",\"client_id\":\"m1\"}", "user" },
        { "{\"token_use\":\"access\",\"sub\":\"m1\",\"client_id\":7}", "user" },
    };
    const cog_claim_names_t names = { .groups_claim = "cognito:groups", .tenant_claim = "custom:tenant_id",
                                      .pool_id = "eu-west-1_Pool\r\n" };
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        cJSON *claims = parse(cases[i].json);
        apr_array_header_t *vars = cog_claims_identity(p, claims, &names, 1);
        check_all_vars(vars);
        expect_var(vars, "COGNITO_PRINCIPAL_TYPE", "X-Cognito-Principal-Type", cases[i].type);
        expect_var(vars, "COGNITO_USER_POOL", "X-Cognito-User-Pool", "eu-west-1_Pool");
        cJSON_Delete(claims);
    }
}

static const struct CMUnitTest tests[] = {
    TU_TEST(test_sanitize),
    TU_TEST(test_text_strings),
    TU_TEST(test_text_numbers),
    TU_TEST(test_text_literals),
    TU_TEST(test_text_arrays),
    TU_TEST(test_text_objects),
    TU_TEST(test_text_does_not_modify_input),
    TU_TEST(test_env_name),
    TU_TEST(test_header_name),
    TU_TEST(test_user),
    TU_TEST(test_identity_access_token),
    TU_TEST(test_identity_control_characters),
    TU_TEST(test_identity_id_token),
    TU_TEST(test_identity_aud_array_and_custom_names),
    TU_TEST(test_identity_empty_claims),
    TU_TEST(test_identity_principal_type),
};

TU_MAIN(tests, NULL, NULL)
