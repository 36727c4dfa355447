/*
 * test_identity.c — proto/identity.c's pure part: answers of the identity pool
 * (GetId, GetCredentialsForIdentity) and AWS error shapes.  Everything an
 * application will see must be printable and bounded, or the answer is refused.
 */
#include "testutil.h"

#include "proto/identity.h"

#define ID "eu-west-1:8f40246c-6f87-4de1-82b1-390756528f87"
#define CREDS(extra) "{\"IdentityId\":\"" ID "\",\"Credentials\":{\"AccessKeyId\":\"ASIAEXAMPLEKEY123456\"," \
    "\"SecretKey\":\"w5bzzjluNxG5gAeN2Eu54VoMNcLX8isVMVu8CD+g\",\"SessionToken\":\"IQoJb3JpZ2luX2Vj/abc+def=\"," \
    "\"Expiration\":" extra "}}"

static cog_reason_t parse(apr_pool_t *p, long status, const char *body, const char **id, cog_aws_credentials_t *c)
{
    cog_error_t err = { COG_OK, NULL };
    size_t len = strlen(body);
    char *buf = tu_exact_copy(body, len);       /* no NUL after it: ASan catches overreads */
    cog_reason_t rc = cog_identity_parse(p, status, buf, len, id, c, &err);
    free(buf);
    if (rc != COG_OK)
        assert_non_null(err.detail);
    return rc;
}

static void test_get_id(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    const char *id = NULL;
    assert_int_equal(parse(p, 200, "{\"IdentityId\":\"" ID "\"}", &id, NULL), COG_OK);
    assert_string_equal(id, ID);
    assert_int_equal(parse(p, 200, "{\"IdentityId\":\"no-colon\"}", &id, NULL), COG_E_IDENTITY_RESPONSE_INVALID);
    assert_int_equal(parse(p, 200, "{\"IdentityId\":\"eu-west-1:a\\nb\"}", &id, NULL), COG_E_IDENTITY_RESPONSE_INVALID);
    assert_int_equal(parse(p, 200, "{\"IdentityId\":7}", &id, NULL), COG_E_IDENTITY_RESPONSE_INVALID);
    assert_int_equal(parse(p, 200, "<html>", &id, NULL), COG_E_IDENTITY_RESPONSE_INVALID);
    assert_int_equal(parse(p, 200, "", &id, NULL), COG_E_IDENTITY_RESPONSE_INVALID);
}

static void test_credentials(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    const char *id = ID;
    cog_aws_credentials_t c;
    /* Cognito writes Expiration in exponent notation. */
    assert_int_equal(parse(p, 200, CREDS("1.712345678E9"), &id, &c), COG_OK);
    assert_string_equal(c.access_key_id, "ASIAEXAMPLEKEY123456");
    assert_true(c.expiration == 1712345678.0);
    assert_int_equal(parse(p, 200, CREDS("1712345678.5"), &id, &c), COG_OK);
    assert_int_equal(parse(p, 200, CREDS("\"1712345678\""), &id, &c), COG_E_IDENTITY_RESPONSE_INVALID);
    assert_int_equal(parse(p, 200, CREDS("-1"), &id, &c), COG_E_IDENTITY_RESPONSE_INVALID);
    assert_int_equal(parse(p, 200, CREDS("1e300"), &id, &c), COG_E_IDENTITY_RESPONSE_INVALID);
    /* credentials for another identity */
    const char *other = "eu-west-1:00000000-0000-0000-0000-000000000000";
    assert_int_equal(parse(p, 200, CREDS("1712345678"), &other, &c), COG_E_IDENTITY_RESPONSE_INVALID);
    /* a missing part, a control character, a space */
    assert_int_equal(parse(p, 200, "{\"IdentityId\":\"" ID "\",\"Credentials\":{\"AccessKeyId\":\"A\",\"SecretKey\":\"B\","
                               "\"Expiration\":1712345678}}", &id, &c), COG_E_IDENTITY_RESPONSE_INVALID);
    assert_int_equal(parse(p, 200, "{\"IdentityId\":\"" ID "\",\"Credentials\":{\"AccessKeyId\":\"A\\r\\nX: y\","
                               "\"SecretKey\":\"B\",\"SessionToken\":\"C\",\"Expiration\":1712345678}}", &id, &c),
                     COG_E_IDENTITY_RESPONSE_INVALID);
    assert_int_equal(parse(p, 200, "{\"IdentityId\":\"" ID "\",\"Credentials\":{\"AccessKeyId\":\"A B\","
                               "\"SecretKey\":\"B\",\"SessionToken\":\"C\",\"Expiration\":1712345678}}", &id, &c),
                     COG_E_IDENTITY_RESPONSE_INVALID);
    assert_int_equal(parse(p, 200, "{\"IdentityId\":\"" ID "\",\"Credentials\":[]}", &id, &c),
                     COG_E_IDENTITY_RESPONSE_INVALID);
}

static void test_errors(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    const char *id = ID;
    cog_aws_credentials_t c;
    static const struct { long status; const char *body; cog_reason_t want; } cases[] = {
        { 400, "{\"__type\":\"TooManyRequestsException\",\"message\":\"Rate exceeded\"}", COG_E_IDENTITY_THROTTLED },
        { 400, "{\"__type\":\"com.amazonaws.cognito.identity.model#NotAuthorizedException\"}", COG_E_IDENTITY_NOT_AUTHORIZED },
        { 400, "{\"__type\":\"ResourceNotFoundException\"}", COG_E_IDENTITY_NOT_FOUND },
        { 400, "{\"__type\":\"InvalidIdentityPoolConfigurationException\"}", COG_E_IDENTITY_POOL_CONFIG },
        { 400, "{\"__type\":\"InvalidParameterException\"}", COG_E_IDENTITY_REFUSED },
        { 400, "not json", COG_E_IDENTITY_REFUSED },
        { 500, "{\"__type\":\"InternalErrorException\"}", COG_E_IDENTITY_UNAVAILABLE },
        { 503, "", COG_E_IDENTITY_UNAVAILABLE },
        { 400, "{\"__type\":\"Weird\\nType\"}", COG_E_IDENTITY_REFUSED },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        cog_error_t err = { COG_OK, NULL };
        cog_reason_t rc = cog_identity_parse(p, cases[i].status, cases[i].body, strlen(cases[i].body), &id, &c, &err);
        if (rc != cases[i].want)
            fail_msg("case %zu: %d, expected %d", i, rc, cases[i].want);
        assert_null(strchr(err.detail, '\n'));      /* a hostile type never reaches the log as is */
    }
}

static const struct CMUnitTest tests[] = {
    TU_TEST(test_get_id),
    TU_TEST(test_credentials),
    TU_TEST(test_errors),
};

TU_MAIN(tests, NULL, NULL)
