/*
 * test_jwt.c — jwt.c: compact JWS parsing, RS256 verification, claim checks.
 * Tokens are built and signed here with OpenSSL (testutil.h).
 */
#include "testutil.h"
#include "util/json.h"
#include "token/jwt.h"

#include <math.h>

#define ISS    "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123"
#define CLIENT "4example5client6id"
#define NONCE  "n-0S6_WzA2Mj"
#define NOW    1700000000.0
#define SKEW   60
#define HDR    "{\"kid\":\"kid-A\",\"alg\":\"RS256\"}"
#define MARK   "SECRETMARK"

static EVP_PKEY *key_a, *key_b, *key_ec;

static int group_setup(void **state)
{
    (void)state;
    key_a = tu_rsa_key(2048);
    key_b = tu_rsa_key(2048);
    key_ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    return key_ec ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    EVP_PKEY_free(key_a);
    EVP_PKEY_free(key_b);
    EVP_PKEY_free(key_ec);
    return 0;
}

/* ---- claims objects (Cognito's shapes) --------------------------------------------------- */

static cJSON *access_claims(void)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "sub", "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
    cJSON *groups = cJSON_AddArrayToObject(o, "cognito:groups");
    cJSON_AddItemToArray(groups, cJSON_CreateString("admin"));
    cJSON_AddStringToObject(o, "iss", ISS);
    cJSON_AddNumberToObject(o, "version", 2);
    cJSON_AddStringToObject(o, "client_id", CLIENT);
    cJSON_AddStringToObject(o, "origin_jti", "11111111-2222-3333-4444-555555555555");
    cJSON_AddStringToObject(o, "token_use", "access");
    cJSON_AddStringToObject(o, "scope", "openid email");
    cJSON_AddNumberToObject(o, "auth_time", NOW - 100);
    cJSON_AddNumberToObject(o, "exp", NOW + 3600);
    cJSON_AddNumberToObject(o, "iat", NOW - 100);
    cJSON_AddStringToObject(o, "jti", "66666666-7777-8888-9999-000000000000");
    cJSON_AddStringToObject(o, "username", "alice");
    return o;
}

static cJSON *id_claims(void)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "at_hash", "x4Vq2bH8mQ");
    cJSON_AddStringToObject(o, "sub", "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
    cJSON *groups = cJSON_AddArrayToObject(o, "cognito:groups");
    cJSON_AddItemToArray(groups, cJSON_CreateString("admin"));
    cJSON_AddTrueToObject(o, "email_verified");
    cJSON_AddStringToObject(o, "iss", ISS);
    cJSON_AddStringToObject(o, "cognito:username", "alice");
    cJSON_AddStringToObject(o, "nonce", NONCE);
    cJSON_AddStringToObject(o, "origin_jti", "11111111-2222-3333-4444-555555555555");
    cJSON_AddStringToObject(o, "aud", CLIENT);
    cJSON_AddStringToObject(o, "token_use", "id");
    cJSON_AddNumberToObject(o, "auth_time", NOW - 100);
    cJSON_AddNumberToObject(o, "exp", NOW + 3600);
    cJSON_AddNumberToObject(o, "iat", NOW - 100);
    cJSON_AddStringToObject(o, "jti", "66666666-7777-8888-9999-000000000000");
    cJSON_AddStringToObject(o, "email", "alice@example.com");
    return o;
}

/* Replaces (or with v == NULL removes) a member; returns o. */
static cJSON *with(cJSON *o, const char *name, cJSON *v)
{
    cJSON_DeleteItemFromObjectCaseSensitive(o, name);
    if (v)
        cJSON_AddItemToObject(o, name, v);
    return o;
}

static cJSON *raw(const char *json)
{
    cJSON *v = cJSON_Parse(json);
    assert_non_null(v);
    return v;
}

static const char *const ACCEPTED_CLIENTS[] = { CLIENT };

static cog_claim_policy_t policy(cog_token_use_t use)
{
    cog_claim_policy_t pol = {
        .issuer = ISS, .clients = ACCEPTED_CLIENTS, .nclients = 1, .token_use = use,
        .nonce = use == COG_TOKEN_ID ? NONCE : NULL, .now = NOW, .skew = SKEW,
    };
    return pol;
}

/* Runs the claim checks, deletes the payload, and checks the outcome; a failure must
 * carry a detail that never contains the marker planted in claim values. */
static void expect_claims_pol(apr_pool_t *p, cJSON *payload, const cog_claim_policy_t *pol,
                              cog_reason_t want, int line)
{
    cog_error_t err = { COG_OK, NULL };
    cog_reason_t rc = cog_jwt_check_claims(p, payload, pol, &err);
    cJSON_Delete(payload);
    if (rc != want)
        fail_msg("line %d: got %s (%s), expected %s", line, cog_reason_info(rc)->name,
                 err.detail ? err.detail : "-", cog_reason_info(want)->name);
    if (want != COG_OK) {
        assert_int_equal(err.reason, want);
        assert_non_null(err.detail);
        if (tu_contains(err.detail, MARK))
            fail_msg("line %d: detail reveals the claim value: %s", line, err.detail);
    }
}

#define EXPECT_CLAIMS(p, payload, use, want) do {                     \
        cog_claim_policy_t pol_ = policy(use);                        \
        expect_claims_pol((p), (payload), &pol_, (want), __LINE__);   \
    } while (0)

#define EXPECT_CLAIMS_POL(p, payload, pol, want) \
    expect_claims_pol((p), (payload), (pol), (want), __LINE__)

static char *print(apr_pool_t *p, cJSON *o)
{
    return tu_print_and_delete(p, o);
}

/* ---- parse: helpers ------------------------------------------------------------------------ */

static cog_reason_t parse(apr_pool_t *p, const char *token, cog_jwt_t **jwt, cog_error_t *err)
{
    size_t len = strlen(token);
    char *buf = tu_exact_copy(token, len);
    /* the parsed structure points into the token: keep the copy alive with the pool */
    char *kept = apr_pmemdup(p, buf, len ? len : 1);
    free(buf);
    return cog_jwt_parse(p, kept, len, jwt, err);
}

static void expect_parse_fail_line(apr_pool_t *p, const char *token, cog_reason_t want, int line)
{
    cog_jwt_t *jwt = NULL;
    cog_error_t err = { COG_OK, NULL };
    cog_reason_t rc = parse(p, token, &jwt, &err);
    if (rc != want)
        fail_msg("line %d: got %s (%s), expected %s", line, cog_reason_info(rc)->name,
                 err.detail ? err.detail : "-", cog_reason_info(want)->name);
    assert_int_equal(err.reason, want);
    assert_non_null(err.detail);
}
#define EXPECT_PARSE_FAIL(p, token, want) expect_parse_fail_line((p), (token), (want), __LINE__)

static cog_jwt_t *expect_parse_ok_line(apr_pool_t *p, const char *token, int line)
{
    cog_jwt_t *jwt = NULL;
    cog_error_t err = { COG_OK, NULL };
    cog_reason_t rc = parse(p, token, &jwt, &err);
    if (rc != COG_OK)
        fail_msg("line %d: got %s (%s)", line, cog_reason_info(rc)->name, err.detail ? err.detail : "-");
    assert_non_null(jwt);
    return jwt;
}
#define EXPECT_PARSE_OK(p, token) expect_parse_ok_line((p), (token), __LINE__)

static const char *simple_payload = "{\"sub\":\"x\",\"token_use\":\"access\"}";

/* A token with this header, a plausible payload and a syntactically valid signature. */
static char *token_with_header(apr_pool_t *p, const char *header)
{
    return tu_token_unsigned(p, header, simple_payload, "AAAA");
}

static char *token_with_payload(apr_pool_t *p, const char *payload)
{
    return tu_token_unsigned(p, HDR, payload, "AAAA");
}

/* ---- parse ----------------------------------------------------------------------------------- */

static void test_parse_valid(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    char *tok = tu_token(p, key_a, HDR, print(p, access_claims()));
    cog_jwt_t *jwt = EXPECT_PARSE_OK(p, tok);
    assert_string_equal(jwt->kid, "kid-A");
    assert_true(cJSON_IsObject(jwt->header));
    assert_true(cJSON_IsObject(jwt->payload));
    assert_string_equal(cog_json_string(jwt->header, "alg"), "RS256");
    assert_string_equal(cog_json_string(jwt->payload, "username"), "alice");
    assert_int_equal(jwt->signature_len, 256);
    assert_int_equal(jwt->signing_input_len, (size_t)(strrchr(tok, '.') - tok));
    assert_memory_equal(jwt->signing_input, tok, jwt->signing_input_len);
}

static void test_parse_segment_count(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    char *tok = tu_token(p, key_a, HDR, simple_payload);
    char *h = apr_pstrndup(p, tok, (apr_size_t)(strchr(tok, '.') - tok));
    char *pl = apr_pstrndup(p, strchr(tok, '.') + 1, (apr_size_t)(strrchr(tok, '.') - strchr(tok, '.') - 1));
    char *s = strrchr(tok, '.') + 1;

    EXPECT_PARSE_OK(p, apr_pstrcat(p, h, ".", pl, ".", s, NULL));
    EXPECT_PARSE_FAIL(p, h, COG_E_TOKEN_MALFORMED);
    EXPECT_PARSE_FAIL(p, apr_pstrcat(p, h, ".", pl, NULL), COG_E_TOKEN_MALFORMED);
    EXPECT_PARSE_FAIL(p, apr_pstrcat(p, h, ".", pl, ".", s, ".", s, NULL), COG_E_TOKEN_MALFORMED);
    EXPECT_PARSE_FAIL(p, apr_pstrcat(p, h, ".", pl, ".", s, ".", NULL), COG_E_TOKEN_MALFORMED);
    EXPECT_PARSE_FAIL(p, apr_pstrcat(p, h, ".", pl, ".", s, ".", h, ".", pl, NULL), COG_E_TOKEN_MALFORMED);
    /* empty segments */
    EXPECT_PARSE_FAIL(p, "..", COG_E_TOKEN_MALFORMED);
    EXPECT_PARSE_FAIL(p, "...", COG_E_TOKEN_MALFORMED);
    EXPECT_PARSE_FAIL(p, ".", COG_E_TOKEN_MALFORMED);
    EXPECT_PARSE_FAIL(p, apr_pstrcat(p, ".", pl, ".", s, NULL), COG_E_TOKEN_MALFORMED);
    EXPECT_PARSE_FAIL(p, apr_pstrcat(p, h, "..", s, NULL), COG_E_TOKEN_MALFORMED);
    EXPECT_PARSE_FAIL(p, apr_pstrcat(p, h, ".", pl, ".", NULL), COG_E_TOKEN_MALFORMED);
    /* no token at all */
    cog_jwt_t *jwt;
    cog_error_t err;
    assert_int_equal(cog_jwt_parse(p, "", 0, &jwt, &err), COG_E_TOKEN_MALFORMED);
    assert_int_equal(cog_jwt_parse(p, NULL, 0, &jwt, &err), COG_E_TOKEN_MALFORMED);
    /* the length given is what counts: a valid token cut short is malformed */
    assert_int_not_equal(cog_jwt_parse(p, tok, strlen(h) + 1 + strlen(pl), &jwt, &err), COG_OK);
}

/* Replaces the character at index i of a copy of s. */
static char *with_char(apr_pool_t *p, const char *s, size_t i, char c)
{
    char *copy = apr_pstrdup(p, s);
    copy[i] = c;
    return copy;
}

static void test_parse_refuses_non_base64url(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    char *tok = tu_token(p, key_a, HDR, simple_payload);
    size_t d1 = (size_t)(strchr(tok, '.') - tok), d2 = (size_t)(strrchr(tok, '.') - tok);

    static const char bad_chars[] = { '+', '/', '=', ' ', '\t', '\n', '%', '*', '\x80' };
    for (size_t k = 0; k < sizeof(bad_chars); k++) {
        EXPECT_PARSE_FAIL(p, with_char(p, tok, 2, bad_chars[k]), COG_E_TOKEN_MALFORMED);       /* header */
        EXPECT_PARSE_FAIL(p, with_char(p, tok, d1 + 3, bad_chars[k]), COG_E_TOKEN_MALFORMED);  /* payload */
        EXPECT_PARSE_FAIL(p, with_char(p, tok, d2 + 5, bad_chars[k]), COG_E_TOKEN_MALFORMED);  /* signature */
    }

    /* padded segments (standard base64 habit) */
    const char *hdr31 = "{\"alg\":\"RS256\",\"kid\":\"kid-ABC\"}";   /* 31 bytes: 2 pad chars */
    assert_int_equal(strlen(hdr31) % 3, 1);
    char *padded_h = apr_pstrcat(p, tu_b64(p, hdr31), "==.", tu_b64(p, simple_payload), ".AAAA", NULL);
    EXPECT_PARSE_FAIL(p, padded_h, COG_E_TOKEN_MALFORMED);
    EXPECT_PARSE_OK(p, apr_pstrcat(p, tu_b64(p, hdr31), ".", tu_b64(p, simple_payload), ".AAAA", NULL));
    const char *pay34 = "{\"sub\":\"xyz\",\"token_use\":\"access\"}";
    assert_int_not_equal(strlen(pay34) % 3, 0);
    EXPECT_PARSE_FAIL(p, apr_pstrcat(p, tu_b64(p, HDR), ".", tu_b64(p, pay34), "=.AAAA", NULL),
                      COG_E_TOKEN_MALFORMED);
    EXPECT_PARSE_FAIL(p, apr_pstrcat(p, tu_b64(p, HDR), ".", tu_b64(p, pay34), "==.AAAA", NULL),
                      COG_E_TOKEN_MALFORMED);
    /* 2048-bit signatures are 342 characters; with padding they are 344 */
    EXPECT_PARSE_FAIL(p, apr_pstrcat(p, tok, "==", NULL), COG_E_TOKEN_MALFORMED);

    /* non-zero trailing bits in the signature: a second spelling of the same bytes */
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t last = strlen(tok) - 1;
    int v = (int)(strchr(alphabet, tok[last]) - alphabet);
    assert_int_equal(v & 15, 0);
    EXPECT_PARSE_FAIL(p, with_char(p, tok, last, alphabet[v | 1]), COG_E_TOKEN_MALFORMED);
    /* a segment of impossible length (1 mod 4: 342 + 3 characters) */
    EXPECT_PARSE_FAIL(p, apr_pstrcat(p, tok, "AAA", NULL), COG_E_TOKEN_MALFORMED);
}

static void test_parse_refuses_non_json(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    EXPECT_PARSE_FAIL(p, token_with_header(p, "not json"), COG_E_TOKEN_MALFORMED);
    EXPECT_PARSE_FAIL(p, token_with_header(p, "{\"alg\":\"RS256\",\"kid\":\"k\""), COG_E_TOKEN_MALFORMED);
    EXPECT_PARSE_FAIL(p, token_with_header(p, "[\"RS256\"]"), COG_E_TOKEN_MALFORMED);
    EXPECT_PARSE_FAIL(p, token_with_header(p, "\"RS256\""), COG_E_TOKEN_MALFORMED);
    EXPECT_PARSE_FAIL(p, token_with_header(p, "{\"alg\":\"RS256\",\"kid\":\"k\"} x"), COG_E_TOKEN_MALFORMED);
    /* duplicate alg: which one would win is exactly the ambiguity to refuse */
    EXPECT_PARSE_FAIL(p, token_with_header(p, "{\"alg\":\"RS256\",\"kid\":\"k\",\"alg\":\"none\"}"),
                      COG_E_TOKEN_MALFORMED);
    EXPECT_PARSE_FAIL(p, token_with_header(p, ""), COG_E_TOKEN_MALFORMED);

    EXPECT_PARSE_FAIL(p, token_with_payload(p, "not json"), COG_E_TOKEN_MALFORMED);
    EXPECT_PARSE_FAIL(p, token_with_payload(p, "{\"sub\":\"x\""), COG_E_TOKEN_MALFORMED);
    EXPECT_PARSE_FAIL(p, token_with_payload(p, "[1,2]"), COG_E_TOKEN_MALFORMED);
    EXPECT_PARSE_FAIL(p, token_with_payload(p, "[{\"sub\":\"x\"}]"), COG_E_TOKEN_MALFORMED);
    EXPECT_PARSE_FAIL(p, token_with_payload(p, "\"x\""), COG_E_TOKEN_MALFORMED);
    EXPECT_PARSE_FAIL(p, token_with_payload(p, "42"), COG_E_TOKEN_MALFORMED);
    EXPECT_PARSE_FAIL(p, token_with_payload(p, "null"), COG_E_TOKEN_MALFORMED);
    EXPECT_PARSE_FAIL(p, token_with_payload(p, "{\"sub\":\"a\",\"sub\":\"b\"}"), COG_E_TOKEN_MALFORMED);
    EXPECT_PARSE_FAIL(p, token_with_payload(p, "{\"exp\":01}"), COG_E_TOKEN_MALFORMED);
    EXPECT_PARSE_FAIL(p, token_with_payload(p, "{\"sub\":\"x\"}{}"), COG_E_TOKEN_MALFORMED);
    EXPECT_PARSE_FAIL(p, token_with_payload(p, "{\"sub\":\"\xc0\xaf\"}"), COG_E_TOKEN_MALFORMED);
    EXPECT_PARSE_OK(p, token_with_payload(p, "{}"));
}

static void test_parse_alg(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    static const char *const bad[] = {
        "{\"alg\":\"none\",\"kid\":\"k\"}",
        "{\"alg\":\"None\",\"kid\":\"k\"}",
        "{\"alg\":\"HS256\",\"kid\":\"k\"}",
        "{\"alg\":\"RS512\",\"kid\":\"k\"}",
        "{\"alg\":\"RS384\",\"kid\":\"k\"}",
        "{\"alg\":\"PS256\",\"kid\":\"k\"}",
        "{\"alg\":\"ES256\",\"kid\":\"k\"}",
        "{\"alg\":\"rs256\",\"kid\":\"k\"}",
        "{\"alg\":\"RS256 \",\"kid\":\"k\"}",
        "{\"alg\":\"RS256\\u0000\",\"kid\":\"k\"}",
        "{\"alg\":\"\",\"kid\":\"k\"}",
        "{\"alg\":256,\"kid\":\"k\"}",
        "{\"alg\":null,\"kid\":\"k\"}",
        "{\"alg\":[\"RS256\"],\"kid\":\"k\"}",
        "{\"kid\":\"k\"}",
        "{\"typ\":\"JWT\",\"kid\":\"k\"}",
        "{}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        EXPECT_PARSE_FAIL(p, token_with_header(p, bad[i]), COG_E_TOKEN_ALG_UNSUPPORTED);
    EXPECT_PARSE_OK(p, token_with_header(p, "{\"alg\":\"RS256\",\"kid\":\"k\",\"typ\":\"JWT\"}"));
}

static void test_parse_crit(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    EXPECT_PARSE_FAIL(p, token_with_header(p, "{\"alg\":\"RS256\",\"kid\":\"k\",\"crit\":[\"exp\"],\"exp\":1}"),
                      COG_E_TOKEN_CRIT_HEADER);
    EXPECT_PARSE_FAIL(p, token_with_header(p, "{\"alg\":\"RS256\",\"kid\":\"k\",\"crit\":[\"b64\"],\"b64\":false}"),
                      COG_E_TOKEN_CRIT_HEADER);
    EXPECT_PARSE_FAIL(p, token_with_header(p, "{\"alg\":\"RS256\",\"kid\":\"k\",\"crit\":[]}"),
                      COG_E_TOKEN_CRIT_HEADER);
    EXPECT_PARSE_FAIL(p, token_with_header(p, "{\"crit\":\"x\",\"alg\":\"RS256\",\"kid\":\"k\"}"),
                      COG_E_TOKEN_CRIT_HEADER);
    EXPECT_PARSE_FAIL(p, token_with_header(p, "{\"alg\":\"RS256\",\"crit\":null}"),
                      COG_E_TOKEN_CRIT_HEADER);
    /* "Crit" is another (unknown, ignored) parameter */
    EXPECT_PARSE_OK(p, token_with_header(p, "{\"alg\":\"RS256\",\"kid\":\"k\",\"Crit\":[\"exp\"]}"));
}

static void test_parse_kid(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    char *k256 = apr_palloc(p, 258);
    memset(k256, 'k', 256);
    k256[256] = '\0';
    char *k257 = apr_pstrcat(p, k256, "k", NULL);

    static const char *const bad[] = {
        "{\"alg\":\"RS256\"}",
        "{\"alg\":\"RS256\",\"kid\":\"\"}",
        "{\"alg\":\"RS256\",\"kid\":\"a\\u0000b\"}",
        "{\"alg\":\"RS256\",\"kid\":\"\\u0000\"}",
        "{\"alg\":\"RS256\",\"kid\":\"a b\"}",
        "{\"alg\":\"RS256\",\"kid\":\" \"}",
        "{\"alg\":\"RS256\",\"kid\":\"k \"}",
        "{\"alg\":\"RS256\",\"kid\":\"a\\tb\"}",
        "{\"alg\":\"RS256\",\"kid\":\"a\\nb\"}",
        "{\"alg\":\"RS256\",\"kid\":\"\\u007f\"}",
        "{\"alg\":\"RS256\",\"kid\":\"k\\u00e9\"}",
        "{\"alg\":\"RS256\",\"kid\":\"k\xc3\xa9\"}",
        "{\"alg\":\"RS256\",\"kid\":\"\xe2\x80\x8b\"}",
        "{\"alg\":\"RS256\",\"kid\":5}",
        "{\"alg\":\"RS256\",\"kid\":null}",
        "{\"alg\":\"RS256\",\"kid\":true}",
        "{\"alg\":\"RS256\",\"kid\":[\"k\"]}",
        "{\"alg\":\"RS256\",\"kid\":{\"k\":1}}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        EXPECT_PARSE_FAIL(p, token_with_header(p, bad[i]), COG_E_TOKEN_KID_INVALID);
    EXPECT_PARSE_FAIL(p, token_with_header(p, apr_pstrcat(p, "{\"alg\":\"RS256\",\"kid\":\"", k257, "\"}", NULL)),
                      COG_E_TOKEN_KID_INVALID);

    cog_jwt_t *jwt = EXPECT_PARSE_OK(p, token_with_header(p, apr_pstrcat(p, "{\"alg\":\"RS256\",\"kid\":\"", k256, "\"}", NULL)));
    assert_string_equal(jwt->kid, k256);
    jwt = EXPECT_PARSE_OK(p, token_with_header(p, "{\"alg\":\"RS256\",\"kid\":\"a+b/c=\"}"));
    assert_string_equal(jwt->kid, "a+b/c=");
    jwt = EXPECT_PARSE_OK(p, token_with_header(p, "{\"alg\":\"RS256\",\"kid\":\"!~\\\"\\\\\"}"));
    assert_string_equal(jwt->kid, "!~\"\\");
    jwt = EXPECT_PARSE_OK(p, token_with_header(p, "{\"alg\":\"RS256\",\"kid\":\"K\"}"));
    assert_string_equal(jwt->kid, "K");
}

static size_t b64len(size_t n)
{
    return n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);
}

/* A signed token of exactly total characters, padded through the kid and a claim. */
static char *token_of_length(apr_pool_t *p, size_t total)
{
    for (size_t kid_len = 1; kid_len <= 8; kid_len++) {
        char *kid = apr_palloc(p, kid_len + 1);
        memset(kid, 'k', kid_len);
        kid[kid_len] = '\0';
        char *hdr = apr_pstrcat(p, "{\"alg\":\"RS256\",\"kid\":\"", kid, "\"}", NULL);
        size_t fixed = b64len(strlen(hdr)) + 1 + 1 + 342;
        size_t base = strlen("{\"sub\":\"x\",\"pad\":\"\"}");
        for (size_t pad = 0; pad < total; pad++) {
            size_t len = fixed + b64len(base + pad);
            if (len > total)
                break;
            if (len == total) {
                char *filler = apr_palloc(p, pad + 1);
                memset(filler, 'p', pad);
                filler[pad] = '\0';
                char *payload = apr_pstrcat(p, "{\"sub\":\"x\",\"pad\":\"", filler, "\"}", NULL);
                char *tok = tu_token(p, key_a, hdr, payload);
                assert_int_equal(strlen(tok), total);
                return tok;
            }
        }
    }
    fail_msg("no token of %zu characters", total);
    return NULL;
}

static void test_parse_too_large(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    cog_jwt_t *jwt;
    cog_error_t err;

    char *at_limit = token_of_length(p, COG_JWT_MAX_LEN);
    jwt = EXPECT_PARSE_OK(p, at_limit);
    assert_int_equal(cog_jwt_verify_rs256(jwt, key_a, &err), COG_OK);

    char *over = token_of_length(p, COG_JWT_MAX_LEN + 2);
    EXPECT_PARSE_FAIL(p, over, COG_E_TOKEN_TOO_LARGE);

    /* refused on length alone, before any decoding */
    size_t n = COG_JWT_MAX_LEN + 1;
    char *junk = malloc(n);
    assert_non_null(junk);
    memset(junk, '.', n);
    assert_int_equal(cog_jwt_parse(p, junk, n, &jwt, &err), COG_E_TOKEN_TOO_LARGE);
    assert_int_equal(err.reason, COG_E_TOKEN_TOO_LARGE);
    free(junk);
    assert_int_equal(cog_jwt_parse(p, at_limit, (size_t)1 << 30, &jwt, &err), COG_E_TOKEN_TOO_LARGE);
}

static void test_parse_ignores_key_location_headers(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    const char *hdr = "{\"alg\":\"RS256\",\"kid\":\"kid-A\",\"typ\":\"JWT\","
                      "\"jku\":\"https://evil.example/jwks.json\","
                      "\"x5u\":\"https://evil.example/cert.pem\","
                      "\"x5c\":[\"MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\"],"
                      "\"jwk\":{\"kty\":\"RSA\",\"n\":\"AQAB\",\"e\":\"AQAB\"}}";
    char *tok = tu_token(p, key_a, hdr, simple_payload);
    cog_jwt_t *jwt = EXPECT_PARSE_OK(p, tok);
    assert_string_equal(jwt->kid, "kid-A");
    cog_error_t err;
    assert_int_equal(cog_jwt_verify_rs256(jwt, key_a, &err), COG_OK);
    /* the embedded key is not used: a token signed by another key stays invalid */
    tok = tu_token(p, key_b, hdr, simple_payload);
    jwt = EXPECT_PARSE_OK(p, tok);
    assert_int_equal(cog_jwt_verify_rs256(jwt, key_a, &err), COG_E_TOKEN_SIGNATURE_INVALID);
}

/* ---- verify --------------------------------------------------------------------------------- */

static cog_reason_t parse_and_verify(apr_pool_t *p, const char *tok, EVP_PKEY *key, cog_error_t *err)
{
    cog_jwt_t *jwt = EXPECT_PARSE_OK(p, tok);
    return cog_jwt_verify_rs256(jwt, key, err);
}

static void test_verify_valid(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    cog_error_t err = { COG_OK, NULL };
    assert_int_equal(parse_and_verify(p, tu_token(p, key_a, HDR, print(p, access_claims())), key_a, &err), COG_OK);
    assert_int_equal(parse_and_verify(p, tu_token(p, key_b, HDR, print(p, id_claims())), key_b, &err), COG_OK);
}

static void test_verify_altered(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    cog_error_t err = { COG_OK, NULL };
    char *tok = tu_token(p, key_a, HDR, print(p, access_claims()));
    char *d1 = strchr(tok, '.'), *d2 = strrchr(tok, '.');
    char *h = apr_pstrndup(p, tok, (apr_size_t)(d1 - tok));
    char *s = d2 + 1;

    /* another payload under the original signature */
    char *forged = apr_pstrcat(p, h, ".", tu_b64(p, print(p, with(access_claims(), "username",
                               cJSON_CreateString("root")))), ".", s, NULL);
    assert_int_equal(parse_and_verify(p, forged, key_a, &err), COG_E_TOKEN_SIGNATURE_INVALID);
    assert_int_equal(err.reason, COG_E_TOKEN_SIGNATURE_INVALID);
    assert_non_null(err.detail);

    /* another header under the original signature */
    forged = apr_pstrcat(p, tu_b64(p, "{\"kid\":\"kid-B\",\"alg\":\"RS256\"}"), d1, NULL);
    assert_int_equal(parse_and_verify(p, forged, key_a, &err), COG_E_TOKEN_SIGNATURE_INVALID);

    /* every byte of the signature matters: flip bits in the raw signature */
    unsigned char *sig;
    size_t sig_len;
    assert_int_equal(cog_b64url_decode(p, s, strlen(s), &sig, &sig_len), 0);
    assert_int_equal(sig_len, 256);
    size_t positions[] = { 0, 1, 100, 254, 255 };
    for (size_t i = 0; i < sizeof(positions) / sizeof(positions[0]); i++) {
        unsigned char *copy = apr_pmemdup(p, sig, sig_len);
        copy[positions[i]] ^= 0x01;
        forged = apr_pstrcat(p, apr_pstrndup(p, tok, (apr_size_t)(d2 - tok)), ".",
                             cog_b64url_encode(p, copy, sig_len), NULL);
        assert_int_equal(parse_and_verify(p, forged, key_a, &err), COG_E_TOKEN_SIGNATURE_INVALID);
    }
    char *input = apr_pstrndup(p, tok, (apr_size_t)(d2 - tok));

    /* truncated and extended signatures */
    forged = apr_pstrcat(p, input, ".", cog_b64url_encode(p, sig, 255), NULL);
    assert_int_equal(parse_and_verify(p, forged, key_a, &err), COG_E_TOKEN_SIGNATURE_INVALID);
    forged = apr_pstrcat(p, input, ".", cog_b64url_encode(p, sig, 128), NULL);
    assert_int_equal(parse_and_verify(p, forged, key_a, &err), COG_E_TOKEN_SIGNATURE_INVALID);
    forged = apr_pstrcat(p, input, ".", cog_b64url_encode(p, sig, 1), NULL);
    assert_int_equal(parse_and_verify(p, forged, key_a, &err), COG_E_TOKEN_SIGNATURE_INVALID);
    unsigned char *longer = apr_pcalloc(p, 257);
    memcpy(longer + 1, sig, 256);              /* leading zero: same number, wrong length */
    forged = apr_pstrcat(p, input, ".", cog_b64url_encode(p, longer, 257), NULL);
    assert_int_equal(parse_and_verify(p, forged, key_a, &err), COG_E_TOKEN_SIGNATURE_INVALID);
    memcpy(longer, sig, 256);
    longer[256] = 0;
    forged = apr_pstrcat(p, input, ".", cog_b64url_encode(p, longer, 257), NULL);
    assert_int_equal(parse_and_verify(p, forged, key_a, &err), COG_E_TOKEN_SIGNATURE_INVALID);

    /* all-zero and all-one signatures, and the modulus itself */
    unsigned char *zeros = apr_pcalloc(p, 256);
    forged = apr_pstrcat(p, input, ".", cog_b64url_encode(p, zeros, 256), NULL);
    assert_int_equal(parse_and_verify(p, forged, key_a, &err), COG_E_TOKEN_SIGNATURE_INVALID);
    memset(zeros, 0xff, 256);
    forged = apr_pstrcat(p, input, ".", cog_b64url_encode(p, zeros, 256), NULL);
    assert_int_equal(parse_and_verify(p, forged, key_a, &err), COG_E_TOKEN_SIGNATURE_INVALID);
    forged = apr_pstrcat(p, input, ".", tu_rsa_param_b64(p, key_a, OSSL_PKEY_PARAM_RSA_N), NULL);
    assert_int_equal(parse_and_verify(p, forged, key_a, &err), COG_E_TOKEN_SIGNATURE_INVALID);
}

static void test_verify_other_key(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    cog_error_t err = { COG_OK, NULL };
    char *tok = tu_token(p, key_b, HDR, print(p, access_claims()));
    assert_int_equal(parse_and_verify(p, tok, key_a, &err), COG_E_TOKEN_SIGNATURE_INVALID);
    assert_int_equal(parse_and_verify(p, tok, key_b, &err), COG_OK);

    /* the same key but another hash (an RS512 signature presented as RS256) */
    tok = tu_token_md(p, key_a, EVP_sha512(), HDR, simple_payload);
    assert_int_equal(parse_and_verify(p, tok, key_a, &err), COG_E_TOKEN_SIGNATURE_INVALID);
    tok = tu_token_md(p, key_a, EVP_sha1(), HDR, simple_payload);
    assert_int_equal(parse_and_verify(p, tok, key_a, &err), COG_E_TOKEN_SIGNATURE_INVALID);
}

static void test_verify_non_rsa_key(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    cog_error_t err = { COG_OK, NULL };
    char *tok = tu_token(p, key_a, HDR, simple_payload);
    cog_reason_t rc = parse_and_verify(p, tok, key_ec, &err);
    assert_int_not_equal(rc, COG_OK);
    assert_int_equal(rc, COG_E_TOKEN_KEY_WEAK);
}

/* ---- claims ---------------------------------------------------------------------------------- */

static void test_claims_valid(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    EXPECT_CLAIMS(p, access_claims(), COG_TOKEN_ACCESS, COG_OK);
    EXPECT_CLAIMS(p, id_claims(), COG_TOKEN_ID, COG_OK);
    /* minimal access token: only the required claims */
    cJSON *min = cJSON_CreateObject();
    cJSON_AddStringToObject(min, "iss", ISS);
    cJSON_AddStringToObject(min, "sub", "s");
    cJSON_AddStringToObject(min, "token_use", "access");
    cJSON_AddStringToObject(min, "client_id", CLIENT);
    cJSON_AddNumberToObject(min, "exp", NOW + 10);
    cJSON_AddNumberToObject(min, "iat", NOW);
    EXPECT_CLAIMS(p, min, COG_TOKEN_ACCESS, COG_OK);
    /* unknown claims of any type are fine */
    EXPECT_CLAIMS(p, with(access_claims(), "x-extra", raw("{\"a\":[1,null,{}]}")), COG_TOKEN_ACCESS, COG_OK);
    /* ID token, nonce not checked (refresh): a token without nonce is fine */
    cog_claim_policy_t pol = policy(COG_TOKEN_ID);
    pol.nonce = NULL;
    EXPECT_CLAIMS_POL(p, with(id_claims(), "nonce", NULL), &pol, COG_OK);
    /* access policy with a nonce set: nonce is for ID tokens only */
    pol = policy(COG_TOKEN_ACCESS);
    pol.nonce = "whatever";
    EXPECT_CLAIMS_POL(p, access_claims(), &pol, COG_OK);
}

static void test_claims_payload_not_object(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    EXPECT_CLAIMS(p, raw("[1]"), COG_TOKEN_ACCESS, COG_E_TOKEN_MALFORMED);
    EXPECT_CLAIMS(p, raw("\"x\""), COG_TOKEN_ID, COG_E_TOKEN_MALFORMED);
}

static void test_claims_issuer(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    EXPECT_CLAIMS(p, with(access_claims(), "iss", cJSON_CreateString("https://evil.example/" MARK)),
                  COG_TOKEN_ACCESS, COG_E_TOKEN_ISSUER_MISMATCH);
    EXPECT_CLAIMS(p, with(id_claims(), "iss", cJSON_CreateString("https://evil.example/" MARK)),
                  COG_TOKEN_ID, COG_E_TOKEN_ISSUER_MISMATCH);
    EXPECT_CLAIMS(p, with(access_claims(), "iss", cJSON_CreateString(ISS "/")),
                  COG_TOKEN_ACCESS, COG_E_TOKEN_ISSUER_MISMATCH);
    EXPECT_CLAIMS(p, with(access_claims(), "iss", cJSON_CreateString(ISS "x")),
                  COG_TOKEN_ACCESS, COG_E_TOKEN_ISSUER_MISMATCH);
    EXPECT_CLAIMS(p, with(access_claims(), "iss",
                          cJSON_CreateString("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abcdef123")),
                  COG_TOKEN_ACCESS, COG_E_TOKEN_ISSUER_MISMATCH);
    EXPECT_CLAIMS(p, with(access_claims(), "iss", cJSON_CreateString(ISS "\x01")),
                  COG_TOKEN_ACCESS, COG_E_TOKEN_ISSUER_MISMATCH);
    EXPECT_CLAIMS(p, with(access_claims(), "iss", cJSON_CreateString("")),
                  COG_TOKEN_ACCESS, COG_E_TOKEN_ISSUER_MISMATCH);
    EXPECT_CLAIMS(p, with(access_claims(), "iss", NULL), COG_TOKEN_ACCESS, COG_E_TOKEN_CLAIM_MISSING);
    EXPECT_CLAIMS(p, with(access_claims(), "iss", cJSON_CreateNumber(1)), COG_TOKEN_ACCESS, COG_E_TOKEN_CLAIM_TYPE);
    EXPECT_CLAIMS(p, with(access_claims(), "iss", raw("[\"" ISS "\"]")), COG_TOKEN_ACCESS, COG_E_TOKEN_CLAIM_TYPE);
    EXPECT_CLAIMS(p, with(access_claims(), "iss", cJSON_CreateNull()), COG_TOKEN_ACCESS, COG_E_TOKEN_CLAIM_TYPE);
}

static void test_claims_token_use(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    EXPECT_CLAIMS(p, id_claims(), COG_TOKEN_ACCESS, COG_E_TOKEN_USE_MISMATCH);
    EXPECT_CLAIMS(p, access_claims(), COG_TOKEN_ID, COG_E_TOKEN_USE_MISMATCH);
    EXPECT_CLAIMS(p, with(access_claims(), "token_use", cJSON_CreateString(MARK)),
                  COG_TOKEN_ACCESS, COG_E_TOKEN_USE_MISMATCH);
    EXPECT_CLAIMS(p, with(access_claims(), "token_use", cJSON_CreateString("ACCESS")),
                  COG_TOKEN_ACCESS, COG_E_TOKEN_USE_MISMATCH);
    EXPECT_CLAIMS(p, with(access_claims(), "token_use", cJSON_CreateString("access ")),
                  COG_TOKEN_ACCESS, COG_E_TOKEN_USE_MISMATCH);
    EXPECT_CLAIMS(p, with(access_claims(), "token_use", NULL), COG_TOKEN_ACCESS, COG_E_TOKEN_CLAIM_MISSING);
    EXPECT_CLAIMS(p, with(access_claims(), "token_use", raw("[\"access\"]")),
                  COG_TOKEN_ACCESS, COG_E_TOKEN_CLAIM_TYPE);
}

static void test_claims_client_id(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    EXPECT_CLAIMS(p, with(access_claims(), "client_id", cJSON_CreateString(MARK)),
                  COG_TOKEN_ACCESS, COG_E_TOKEN_CLIENT_MISMATCH);
    EXPECT_CLAIMS(p, with(access_claims(), "client_id", cJSON_CreateString(CLIENT "x")),
                  COG_TOKEN_ACCESS, COG_E_TOKEN_CLIENT_MISMATCH);
    EXPECT_CLAIMS(p, with(access_claims(), "client_id", cJSON_CreateString("4example5client6i")),
                  COG_TOKEN_ACCESS, COG_E_TOKEN_CLIENT_MISMATCH);
    EXPECT_CLAIMS(p, with(access_claims(), "client_id", cJSON_CreateString("")),
                  COG_TOKEN_ACCESS, COG_E_TOKEN_CLIENT_MISMATCH);
    EXPECT_CLAIMS(p, with(access_claims(), "client_id", NULL), COG_TOKEN_ACCESS, COG_E_TOKEN_CLAIM_MISSING);
    EXPECT_CLAIMS(p, with(access_claims(), "client_id", raw("[\"" CLIENT "\"]")),
                  COG_TOKEN_ACCESS, COG_E_TOKEN_CLAIM_TYPE);
    EXPECT_CLAIMS(p, with(access_claims(), "client_id", cJSON_CreateNumber(4)),
                  COG_TOKEN_ACCESS, COG_E_TOKEN_CLAIM_TYPE);
    /* aud is not a substitute for client_id in an access token */
    EXPECT_CLAIMS(p, with(with(access_claims(), "client_id", NULL), "aud", cJSON_CreateString(CLIENT)),
                  COG_TOKEN_ACCESS, COG_E_TOKEN_CLAIM_MISSING);
}

static void test_claims_audience(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    EXPECT_CLAIMS(p, with(id_claims(), "aud", cJSON_CreateString(MARK)), COG_TOKEN_ID, COG_E_TOKEN_AUDIENCE_MISMATCH);
    EXPECT_CLAIMS(p, with(id_claims(), "aud", cJSON_CreateString(CLIENT "x")), COG_TOKEN_ID, COG_E_TOKEN_AUDIENCE_MISMATCH);
    EXPECT_CLAIMS(p, with(id_claims(), "aud", raw("[\"" CLIENT "\"]")), COG_TOKEN_ID, COG_OK);
    EXPECT_CLAIMS(p, with(id_claims(), "aud", raw("[\"other\",\"" CLIENT "\"]")), COG_TOKEN_ID, COG_OK);
    EXPECT_CLAIMS(p, with(id_claims(), "aud", raw("[\"" MARK "\",\"other\"]")), COG_TOKEN_ID, COG_E_TOKEN_AUDIENCE_MISMATCH);
    EXPECT_CLAIMS(p, with(id_claims(), "aud", raw("[\"" CLIENT "x\"]")), COG_TOKEN_ID, COG_E_TOKEN_AUDIENCE_MISMATCH);
    EXPECT_CLAIMS(p, with(id_claims(), "aud", raw("[]")), COG_TOKEN_ID, COG_E_TOKEN_CLAIM_TYPE);
    EXPECT_CLAIMS(p, with(id_claims(), "aud", raw("[\"" CLIENT "\",1]")), COG_TOKEN_ID, COG_E_TOKEN_CLAIM_TYPE);
    EXPECT_CLAIMS(p, with(id_claims(), "aud", raw("[[\"" CLIENT "\"]]")), COG_TOKEN_ID, COG_E_TOKEN_CLAIM_TYPE);
    EXPECT_CLAIMS(p, with(id_claims(), "aud", cJSON_CreateNumber(4)), COG_TOKEN_ID, COG_E_TOKEN_CLAIM_TYPE);
    EXPECT_CLAIMS(p, with(id_claims(), "aud", raw("{\"" CLIENT "\":1}")), COG_TOKEN_ID, COG_E_TOKEN_CLAIM_TYPE);
    EXPECT_CLAIMS(p, with(id_claims(), "aud", NULL), COG_TOKEN_ID, COG_E_TOKEN_CLAIM_MISSING);
    /* client_id in an ID token does not stand in for aud */
    EXPECT_CLAIMS(p, with(with(id_claims(), "aud", NULL), "client_id", cJSON_CreateString(CLIENT)),
                  COG_TOKEN_ID, COG_E_TOKEN_CLAIM_MISSING);
}

static void test_claims_nonce(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    EXPECT_CLAIMS(p, with(id_claims(), "nonce", NULL), COG_TOKEN_ID, COG_E_TOKEN_CLAIM_MISSING);
    EXPECT_CLAIMS(p, with(id_claims(), "nonce", cJSON_CreateString(MARK)), COG_TOKEN_ID, COG_E_TOKEN_NONCE_MISMATCH);
    EXPECT_CLAIMS(p, with(id_claims(), "nonce", cJSON_CreateString(NONCE "x")), COG_TOKEN_ID, COG_E_TOKEN_NONCE_MISMATCH);
    EXPECT_CLAIMS(p, with(id_claims(), "nonce", cJSON_CreateString("n-0S6_WzA2M")), COG_TOKEN_ID, COG_E_TOKEN_NONCE_MISMATCH);
    EXPECT_CLAIMS(p, with(id_claims(), "nonce", cJSON_CreateString("")), COG_TOKEN_ID, COG_E_TOKEN_NONCE_MISMATCH);
    EXPECT_CLAIMS(p, with(id_claims(), "nonce", cJSON_CreateNumber(1)), COG_TOKEN_ID, COG_E_TOKEN_CLAIM_TYPE);
    EXPECT_CLAIMS(p, with(id_claims(), "nonce", raw("[\"" NONCE "\"]")), COG_TOKEN_ID, COG_E_TOKEN_CLAIM_TYPE);
}

static void test_claims_exp_type(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    EXPECT_CLAIMS(p, with(access_claims(), "exp", NULL), COG_TOKEN_ACCESS, COG_E_TOKEN_CLAIM_MISSING);
    EXPECT_CLAIMS(p, with(id_claims(), "exp", NULL), COG_TOKEN_ID, COG_E_TOKEN_CLAIM_MISSING);
    EXPECT_CLAIMS(p, with(access_claims(), "exp", cJSON_CreateString("1700003600")), COG_TOKEN_ACCESS, COG_E_TOKEN_CLAIM_TYPE);
    EXPECT_CLAIMS(p, with(access_claims(), "exp", cJSON_CreateString(MARK)), COG_TOKEN_ACCESS, COG_E_TOKEN_CLAIM_TYPE);
    EXPECT_CLAIMS(p, with(access_claims(), "exp", cJSON_CreateNumber(1e300)), COG_TOKEN_ACCESS, COG_E_TOKEN_CLAIM_TYPE);
    EXPECT_CLAIMS(p, with(access_claims(), "exp", cJSON_CreateNumber(9223372036854775808.0)), COG_TOKEN_ACCESS, COG_E_TOKEN_CLAIM_TYPE);
    EXPECT_CLAIMS(p, with(access_claims(), "exp", cJSON_CreateNumber(-1)), COG_TOKEN_ACCESS, COG_E_TOKEN_CLAIM_TYPE);
    EXPECT_CLAIMS(p, with(access_claims(), "exp", cJSON_CreateNumber(-1e300)), COG_TOKEN_ACCESS, COG_E_TOKEN_CLAIM_TYPE);
    EXPECT_CLAIMS(p, with(access_claims(), "exp", cJSON_CreateNumber(NAN)), COG_TOKEN_ACCESS, COG_E_TOKEN_CLAIM_TYPE);
    EXPECT_CLAIMS(p, with(access_claims(), "exp", cJSON_CreateNumber(INFINITY)), COG_TOKEN_ACCESS, COG_E_TOKEN_CLAIM_TYPE);
    EXPECT_CLAIMS(p, with(access_claims(), "exp", cJSON_CreateNumber(-INFINITY)), COG_TOKEN_ACCESS, COG_E_TOKEN_CLAIM_TYPE);
    EXPECT_CLAIMS(p, with(access_claims(), "exp", cJSON_CreateTrue()), COG_TOKEN_ACCESS, COG_E_TOKEN_CLAIM_TYPE);
    EXPECT_CLAIMS(p, with(access_claims(), "exp", cJSON_CreateNull()), COG_TOKEN_ACCESS, COG_E_TOKEN_CLAIM_TYPE);
    EXPECT_CLAIMS(p, with(access_claims(), "exp", raw("[1700003600]")), COG_TOKEN_ACCESS, COG_E_TOKEN_CLAIM_TYPE);
    /* a huge exponent parsed from JSON text becomes infinity: still refused */
    const char *big = "{\"exp\":1e400}";
    cJSON *doc = cog_json_parse(big, strlen(big), NULL);
    if (doc != NULL) {
        cJSON *exp = cJSON_DetachItemFromObjectCaseSensitive(doc, "exp");
        cJSON_Delete(doc);
        EXPECT_CLAIMS(p, with(access_claims(), "exp", exp), COG_TOKEN_ACCESS, COG_E_TOKEN_CLAIM_TYPE);
    }
    /* fractional NumericDates are allowed (RFC 7519 §2) */
    EXPECT_CLAIMS(p, with(access_claims(), "exp", cJSON_CreateNumber(NOW + 3600.5)), COG_TOKEN_ACCESS, COG_OK);
}

static void test_claims_other_dates_type(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    static const char *const names[] = { "iat", "nbf", "auth_time" };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        EXPECT_CLAIMS(p, with(access_claims(), names[i], cJSON_CreateString(MARK)), COG_TOKEN_ACCESS, COG_E_TOKEN_CLAIM_TYPE);
        EXPECT_CLAIMS(p, with(access_claims(), names[i], cJSON_CreateNumber(-1)), COG_TOKEN_ACCESS, COG_E_TOKEN_CLAIM_TYPE);
        EXPECT_CLAIMS(p, with(access_claims(), names[i], cJSON_CreateNumber(1e300)), COG_TOKEN_ACCESS, COG_E_TOKEN_CLAIM_TYPE);
        EXPECT_CLAIMS(p, with(id_claims(), names[i], cJSON_CreateFalse()), COG_TOKEN_ID, COG_E_TOKEN_CLAIM_TYPE);
    }
    EXPECT_CLAIMS(p, with(access_claims(), "iat", NULL), COG_TOKEN_ACCESS, COG_E_TOKEN_CLAIM_MISSING);
    EXPECT_CLAIMS(p, with(access_claims(), "auth_time", NULL), COG_TOKEN_ACCESS, COG_OK);
}

static void test_claims_expiry(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    cog_claim_policy_t pol = policy(COG_TOKEN_ACCESS);
    double exp = NOW + 3600;

    pol.now = exp + SKEW + 1;
    EXPECT_CLAIMS_POL(p, access_claims(), &pol, COG_E_TOKEN_EXPIRED);
    pol.now = exp + SKEW;
    EXPECT_CLAIMS_POL(p, access_claims(), &pol, COG_E_TOKEN_EXPIRED);
    pol.now = exp + SKEW - 1;
    EXPECT_CLAIMS_POL(p, access_claims(), &pol, COG_OK);
    pol.now = exp + 1;
    EXPECT_CLAIMS_POL(p, access_claims(), &pol, COG_OK);
    pol.now = exp + 1e6;
    EXPECT_CLAIMS_POL(p, access_claims(), &pol, COG_E_TOKEN_EXPIRED);

    pol.skew = 0;
    pol.now = exp;
    EXPECT_CLAIMS_POL(p, access_claims(), &pol, COG_E_TOKEN_EXPIRED);
    pol.now = exp - 1;
    EXPECT_CLAIMS_POL(p, access_claims(), &pol, COG_OK);

    /* exp 0 is a date (the epoch), long past */
    EXPECT_CLAIMS(p, with(with(access_claims(), "exp", cJSON_CreateNumber(0)), "iat", cJSON_CreateNumber(0)),
                  COG_TOKEN_ACCESS, COG_E_TOKEN_EXPIRED);
    /* ID tokens too */
    pol = policy(COG_TOKEN_ID);
    pol.now = exp + SKEW + 1;
    EXPECT_CLAIMS_POL(p, id_claims(), &pol, COG_E_TOKEN_EXPIRED);
}

static void test_claims_nbf(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    EXPECT_CLAIMS(p, with(access_claims(), "nbf", cJSON_CreateNumber(NOW + SKEW + 1)), COG_TOKEN_ACCESS, COG_E_TOKEN_NOT_YET_VALID);
    EXPECT_CLAIMS(p, with(access_claims(), "nbf", cJSON_CreateNumber(NOW + 3000)), COG_TOKEN_ACCESS, COG_E_TOKEN_NOT_YET_VALID);
    EXPECT_CLAIMS(p, with(access_claims(), "nbf", cJSON_CreateNumber(NOW + SKEW)), COG_TOKEN_ACCESS, COG_OK);
    EXPECT_CLAIMS(p, with(access_claims(), "nbf", cJSON_CreateNumber(NOW + SKEW - 1)), COG_TOKEN_ACCESS, COG_OK);
    EXPECT_CLAIMS(p, with(access_claims(), "nbf", cJSON_CreateNumber(NOW - 100)), COG_TOKEN_ACCESS, COG_OK);
    EXPECT_CLAIMS(p, with(access_claims(), "nbf", cJSON_CreateNumber(0)), COG_TOKEN_ACCESS, COG_OK);
    EXPECT_CLAIMS(p, with(id_claims(), "nbf", cJSON_CreateNumber(NOW + SKEW + 1)), COG_TOKEN_ID, COG_E_TOKEN_NOT_YET_VALID);
}

static void test_claims_iat(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    EXPECT_CLAIMS(p, with(access_claims(), "iat", cJSON_CreateNumber(NOW + SKEW + 1)), COG_TOKEN_ACCESS, COG_E_TOKEN_IAT_FUTURE);
    EXPECT_CLAIMS(p, with(access_claims(), "iat", cJSON_CreateNumber(NOW + 3000)), COG_TOKEN_ACCESS, COG_E_TOKEN_IAT_FUTURE);
    EXPECT_CLAIMS(p, with(access_claims(), "iat", cJSON_CreateNumber(NOW + SKEW)), COG_TOKEN_ACCESS, COG_OK);
    EXPECT_CLAIMS(p, with(access_claims(), "iat", cJSON_CreateNumber(NOW + SKEW - 1)), COG_TOKEN_ACCESS, COG_OK);
    EXPECT_CLAIMS(p, with(id_claims(), "iat", cJSON_CreateNumber(NOW + SKEW + 1)), COG_TOKEN_ID, COG_E_TOKEN_IAT_FUTURE);
    /* issued after it expires (within the skew, so neither time check catches it) */
    EXPECT_CLAIMS(p, with(with(access_claims(), "exp", cJSON_CreateNumber(NOW + 10)), "iat", cJSON_CreateNumber(NOW + 30)),
                  COG_TOKEN_ACCESS, COG_E_TOKEN_CLAIM_TYPE);
    EXPECT_CLAIMS(p, with(with(access_claims(), "exp", cJSON_CreateNumber(NOW + 10)), "iat", cJSON_CreateNumber(NOW + 10)),
                  COG_TOKEN_ACCESS, COG_OK);
}

static void test_claims_groups_scope_and_strings(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    EXPECT_CLAIMS(p, with(access_claims(), "cognito:groups", cJSON_CreateString("admin")), COG_TOKEN_ACCESS, COG_E_TOKEN_CLAIM_TYPE);
    EXPECT_CLAIMS(p, with(access_claims(), "cognito:groups", raw("[1]")), COG_TOKEN_ACCESS, COG_E_TOKEN_CLAIM_TYPE);
    EXPECT_CLAIMS(p, with(access_claims(), "cognito:groups", raw("[\"" MARK "\",null]")), COG_TOKEN_ACCESS, COG_E_TOKEN_CLAIM_TYPE);
    EXPECT_CLAIMS(p, with(access_claims(), "cognito:groups", raw("[[\"admin\"]]")), COG_TOKEN_ACCESS, COG_E_TOKEN_CLAIM_TYPE);
    EXPECT_CLAIMS(p, with(access_claims(), "cognito:groups", raw("{\"admin\":true}")), COG_TOKEN_ACCESS, COG_E_TOKEN_CLAIM_TYPE);
    EXPECT_CLAIMS(p, with(id_claims(), "cognito:groups", raw("[true]")), COG_TOKEN_ID, COG_E_TOKEN_CLAIM_TYPE);
    EXPECT_CLAIMS(p, with(access_claims(), "cognito:groups", raw("[]")), COG_TOKEN_ACCESS, COG_OK);
    EXPECT_CLAIMS(p, with(access_claims(), "cognito:groups", raw("[\"a\",\"b\"]")), COG_TOKEN_ACCESS, COG_OK);
    EXPECT_CLAIMS(p, with(access_claims(), "cognito:roles", cJSON_CreateString("arn:aws:iam::1:role/x")), COG_TOKEN_ACCESS, COG_E_TOKEN_CLAIM_TYPE);

    EXPECT_CLAIMS(p, with(access_claims(), "scope", cJSON_CreateNumber(1)), COG_TOKEN_ACCESS, COG_E_TOKEN_CLAIM_TYPE);
    EXPECT_CLAIMS(p, with(access_claims(), "scope", raw("[\"openid\"]")), COG_TOKEN_ACCESS, COG_E_TOKEN_CLAIM_TYPE);
    EXPECT_CLAIMS(p, with(access_claims(), "scope", cJSON_CreateNull()), COG_TOKEN_ACCESS, COG_E_TOKEN_CLAIM_TYPE);
    EXPECT_CLAIMS(p, with(access_claims(), "scope", NULL), COG_TOKEN_ACCESS, COG_OK);
    EXPECT_CLAIMS(p, with(access_claims(), "username", cJSON_CreateNumber(7)), COG_TOKEN_ACCESS, COG_E_TOKEN_CLAIM_TYPE);
    EXPECT_CLAIMS(p, with(access_claims(), "jti", cJSON_CreateNumber(7)), COG_TOKEN_ACCESS, COG_E_TOKEN_CLAIM_TYPE);

    EXPECT_CLAIMS(p, with(access_claims(), "sub", NULL), COG_TOKEN_ACCESS, COG_E_TOKEN_CLAIM_MISSING);
    EXPECT_CLAIMS(p, with(id_claims(), "sub", NULL), COG_TOKEN_ID, COG_E_TOKEN_CLAIM_MISSING);
    EXPECT_CLAIMS(p, with(access_claims(), "sub", cJSON_CreateNumber(12)), COG_TOKEN_ACCESS, COG_E_TOKEN_CLAIM_TYPE);

    EXPECT_CLAIMS(p, with(id_claims(), "cognito:username", cJSON_CreateNumber(7)), COG_TOKEN_ID, COG_E_TOKEN_CLAIM_TYPE);
    EXPECT_CLAIMS(p, with(id_claims(), "email", raw("[\"" MARK "@example.com\"]")), COG_TOKEN_ID, COG_E_TOKEN_CLAIM_TYPE);
    EXPECT_CLAIMS(p, with(id_claims(), "email_verified", cJSON_CreateString("true")), COG_TOKEN_ID, COG_OK);
    EXPECT_CLAIMS(p, with(id_claims(), "email_verified", cJSON_CreateFalse()), COG_TOKEN_ID, COG_OK);
    EXPECT_CLAIMS(p, with(id_claims(), "email_verified", cJSON_CreateNumber(1)), COG_TOKEN_ID, COG_E_TOKEN_CLAIM_TYPE);
    EXPECT_CLAIMS(p, with(id_claims(), "phone_number_verified", cJSON_CreateNull()), COG_TOKEN_ID, COG_E_TOKEN_CLAIM_TYPE);
}

static void test_claims_detail_never_has_values(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    cog_error_t err = { COG_OK, NULL };
    cog_claim_policy_t pol = policy(COG_TOKEN_ACCESS);
    cJSON *o = with(access_claims(), "iss", cJSON_CreateString("https://evil.example/SECRETMARK"));
    assert_int_equal(cog_jwt_check_claims(p, o, &pol, &err), COG_E_TOKEN_ISSUER_MISMATCH);
    cJSON_Delete(o);
    assert_non_null(err.detail);
    assert_null(strstr(err.detail, "SECRETMARK"));
    assert_null(strstr(err.detail, "evil.example"));
    assert_non_null(strstr(err.detail, "iss"));            /* it names the claim */

    /* every claim at once carries the mark, whatever check fires first */
    static const char *const names[] = { "iss", "sub", "token_use", "client_id", "username", "scope", "jti" };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        o = with(access_claims(), names[i], cJSON_CreateString(MARK));
        cog_reason_t rc = cog_jwt_check_claims(p, o, &pol, &err);
        cJSON_Delete(o);
        if (rc != COG_OK && tu_contains(err.detail, MARK))
            fail_msg("%s: detail reveals the value: %s", names[i], err.detail);
    }
}

static void test_numeric_date(void **state)
{
    (void)state;
    cJSON *o = raw("{\"a\":1700000000,\"b\":\"1700000000\",\"c\":-5,\"d\":1e300,\"e\":0.5,\"f\":null}");
    assert_true(cog_jwt_numeric_date(o, "a") == 1700000000.0);
    assert_true(cog_jwt_numeric_date(o, "b") == 0);
    assert_true(cog_jwt_numeric_date(o, "c") == 0);
    assert_true(cog_jwt_numeric_date(o, "d") == 0);
    assert_true(cog_jwt_numeric_date(o, "e") == 0.5);
    assert_true(cog_jwt_numeric_date(o, "f") == 0);
    assert_true(cog_jwt_numeric_date(o, "missing") == 0);
    cJSON_Delete(o);
}

/* ---- all together ------------------------------------------------------------------------------ */

static void test_full_verification(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    cog_error_t err = { COG_OK, NULL };
    char *tok = tu_token(p, key_a, HDR, print(p, access_claims()));
    cog_jwt_t *jwt = EXPECT_PARSE_OK(p, tok);
    assert_int_equal(cog_jwt_verify_rs256(jwt, key_a, &err), COG_OK);
    cog_claim_policy_t pol = policy(COG_TOKEN_ACCESS);
    assert_int_equal(cog_jwt_check_claims(p, jwt->payload, &pol, &err), COG_OK);

    tok = tu_token(p, key_a, HDR, print(p, id_claims()));
    jwt = EXPECT_PARSE_OK(p, tok);
    assert_int_equal(cog_jwt_verify_rs256(jwt, key_a, &err), COG_OK);
    pol = policy(COG_TOKEN_ID);
    assert_int_equal(cog_jwt_check_claims(p, jwt->payload, &pol, &err), COG_OK);
    /* an ID token presented where an access token is expected */
    pol = policy(COG_TOKEN_ACCESS);
    assert_int_equal(cog_jwt_check_claims(p, jwt->payload, &pol, &err), COG_E_TOKEN_USE_MISMATCH);

    /* an escaped NUL cannot cut the issuer short */
    tok = tu_token(p, key_a, HDR, print(p, with(access_claims(), "iss",
                                                 cJSON_CreateString(ISS "\x01" "evil"))));
    jwt = EXPECT_PARSE_OK(p, tok);
    assert_int_equal(cog_jwt_check_claims(p, jwt->payload, &pol, &err), COG_E_TOKEN_ISSUER_MISMATCH);
    char *nul_tok = tu_token(p, key_a, HDR,
        apr_pstrcat(p, "{\"iss\":\"" ISS "\\u0000evil\",\"sub\":\"s\",\"token_use\":\"access\","
                       "\"client_id\":\"" CLIENT "\",\"exp\":1700003600,\"iat\":1700000000}", NULL));
    jwt = EXPECT_PARSE_OK(p, nul_tok);
    assert_int_equal(cog_jwt_verify_rs256(jwt, key_a, &err), COG_OK);
    assert_int_equal(cog_jwt_check_claims(p, jwt->payload, &pol, &err), COG_E_TOKEN_ISSUER_MISMATCH);
}

static const struct CMUnitTest tests[] = {
    TU_TEST(test_parse_valid),
    TU_TEST(test_parse_segment_count),
    TU_TEST(test_parse_refuses_non_base64url),
    TU_TEST(test_parse_refuses_non_json),
    TU_TEST(test_parse_alg),
    TU_TEST(test_parse_crit),
    TU_TEST(test_parse_kid),
    TU_TEST(test_parse_too_large),
    TU_TEST(test_parse_ignores_key_location_headers),
    TU_TEST(test_verify_valid),
    TU_TEST(test_verify_altered),
    TU_TEST(test_verify_other_key),
    TU_TEST(test_verify_non_rsa_key),
    TU_TEST(test_claims_valid),
    TU_TEST(test_claims_payload_not_object),
    TU_TEST(test_claims_issuer),
    TU_TEST(test_claims_token_use),
    TU_TEST(test_claims_client_id),
    TU_TEST(test_claims_audience),
    TU_TEST(test_claims_nonce),
    TU_TEST(test_claims_exp_type),
    TU_TEST(test_claims_other_dates_type),
    TU_TEST(test_claims_expiry),
    TU_TEST(test_claims_nbf),
    TU_TEST(test_claims_iat),
    TU_TEST(test_claims_groups_scope_and_strings),
    TU_TEST(test_claims_detail_never_has_values),
    TU_TEST(test_numeric_date),
    TU_TEST(test_full_verification),
};

TU_MAIN(tests, group_setup, group_teardown)
