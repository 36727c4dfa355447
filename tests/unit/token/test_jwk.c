/*
 * test_jwk.c — jwk.c: JWKS documents → RSA public keys, and their use with jwt.c.
 */
#include "testutil.h"
#include "util/json.h"
#include "token/jwk.h"
#include "token/jwt.h"

static EVP_PKEY *key_a, *key_b, *key_1024;

static int group_setup(void **state)
{
    (void)state;
    key_a = tu_rsa_key(2048);
    key_b = tu_rsa_key(2048);
    key_1024 = tu_rsa_key(1024);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    EVP_PKEY_free(key_a);
    EVP_PKEY_free(key_b);
    EVP_PKEY_free(key_1024);
    return 0;
}

/* Parses a JWKS text from an exactly sized buffer. */
static cog_jwk_set_t *parse_set(const char *json, const char **why)
{
    size_t len = strlen(json);
    char *buf = tu_exact_copy(json, len);
    cog_jwk_set_t *set = cog_jwk_set_parse(buf, len, why);
    free(buf);
    return set;
}

static cog_jwk_set_t *expect_set(const char *json, size_t count, size_t usable)
{
    const char *why = NULL;
    cog_jwk_set_t *set = parse_set(json, &why);
    if (set == NULL)
        fail_msg("set refused: %s", why ? why : "-");
    assert_int_equal(set->count, count);
    assert_int_equal(set->usable, usable);
    return set;
}

static void expect_no_set(const char *json)
{
    const char *why = NULL;
    cog_jwk_set_t *set = parse_set(json, &why);
    if (set != NULL) {
        cog_jwk_set_free(set);
        fail_msg("set accepted: %.200s", json);
    }
    assert_non_null(why);
    assert_true(strlen(why) > 0);
}

/* The entry for kid must exist and be rejected; returns its reason. */
static const char *expect_rejected(const cog_jwk_set_t *set, const char *kid)
{
    const cog_jwk_t *jwk = cog_jwk_set_find(set, kid);
    if (jwk == NULL)
        fail_msg("kid %s not in the set", kid);
    if (jwk->key != NULL)
        fail_msg("kid %s was accepted", kid);
    assert_non_null(jwk->rejected);
    assert_true(strlen(jwk->rejected) > 0);
    return jwk->rejected;
}

static EVP_PKEY *expect_usable(const cog_jwk_set_t *set, const char *kid)
{
    const cog_jwk_t *jwk = cog_jwk_set_find(set, kid);
    if (jwk == NULL)
        fail_msg("kid %s not in the set", kid);
    if (jwk->key == NULL)
        fail_msg("kid %s rejected: %s", kid, jwk->rejected ? jwk->rejected : "-");
    assert_string_equal(jwk->kid, kid);
    return jwk->key;
}

static cJSON *jwk_with(cJSON *o, const char *name, cJSON *v)
{
    cJSON_DeleteItemFromObjectCaseSensitive(o, name);
    if (v)
        cJSON_AddItemToObject(o, name, v);
    return o;
}

/* A set of one good key (kid "good") plus the given JWK. */
static char *with_good(apr_pool_t *p, cJSON *other)
{
    cJSON *keys[2] = { tu_jwk_object(p, key_a, "good"), other };
    return tu_jwks(p, 2, keys);
}

/* ---- sets --------------------------------------------------------------------------------------- */

static void test_two_keys(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    cJSON *keys[2] = { tu_jwk_object(p, key_a, "kid-A"), tu_jwk_object(p, key_b, "kid-B") };
    cog_jwk_set_t *set = expect_set(tu_jwks(p, 2, keys), 2, 2);

    EVP_PKEY *a = expect_usable(set, "kid-A");
    EVP_PKEY *b = expect_usable(set, "kid-B");
    assert_true(tu_same_rsa_public(a, key_a));
    assert_true(tu_same_rsa_public(b, key_b));
    assert_false(tu_same_rsa_public(a, key_b));
    assert_int_equal(EVP_PKEY_get_bits(a), 2048);
    assert_null(cog_jwk_set_find(set, "kid-a"));          /* kids are case-sensitive */
    assert_null(cog_jwk_set_find(set, "KID-A"));
    assert_null(cog_jwk_set_find(set, "kid-A "));
    assert_null(cog_jwk_set_find(set, "kid-"));
    assert_null(cog_jwk_set_find(set, ""));
    assert_null(cog_jwk_set_find(set, NULL));
    assert_null(cog_jwk_set_find(NULL, "kid-A"));
    cog_jwk_set_free(set);
    cog_jwk_set_free(NULL);
}

static void test_kids_with_base64_characters(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    /* Cognito kids are standard base64 of a hash: they contain + / = */
    const char *kid1 = "1+2/3abcDEF=";
    const char *kid2 = "abc+/==";
    cJSON *keys[3] = { tu_jwk_object(p, key_a, kid1), tu_jwk_object(p, key_b, kid2),
                       tu_jwk_object(p, key_b, "abc") };
    cog_jwk_set_t *set = expect_set(tu_jwks(p, 3, keys), 3, 3);
    assert_true(tu_same_rsa_public(expect_usable(set, kid1), key_a));
    assert_true(tu_same_rsa_public(expect_usable(set, kid2), key_b));
    assert_non_null(cog_jwk_set_find(set, "abc"));
    assert_null(cog_jwk_set_find(set, "1 2/3abcDEF="));
    assert_null(cog_jwk_set_find(set, "1-2_3abcDEF"));     /* base64url spelling is another kid */
    assert_null(cog_jwk_set_find(set, "abc+/="));
    cog_jwk_set_free(set);
}

static void test_minimal_jwk(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    /* use and alg are optional */
    cJSON *o = tu_jwk_object(p, key_a, "k");
    jwk_with(o, "use", NULL);
    jwk_with(o, "alg", NULL);
    cog_jwk_set_t *set = expect_set(tu_jwks(p, 1, &o), 1, 1);
    expect_usable(set, "k");
    cog_jwk_set_free(set);
    /* unknown members (x5c, x5t, key_ops ...) are ignored */
    o = tu_jwk_object(p, key_a, "k");
    cJSON_AddStringToObject(o, "x5t", "abc");
    cJSON_AddItemToObject(o, "x5c", cJSON_CreateStringArray((const char *[]){ "MIIB" }, 1));
    set = expect_set(tu_jwks(p, 1, &o), 1, 1);
    expect_usable(set, "k");
    cog_jwk_set_free(set);
}

static void test_weak_key_rejected(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    cog_jwk_set_t *set = expect_set(with_good(p, tu_jwk_object(p, key_1024, "weak")), 2, 1);
    const char *why = expect_rejected(set, "weak");
    assert_true(tu_contains(why, "2048"));
    expect_usable(set, "good");
    cog_jwk_set_free(set);
}

static void test_other_key_types_rejected(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    cJSON *ec = cJSON_Parse("{\"kid\":\"ec\",\"kty\":\"EC\",\"crv\":\"P-256\",\"use\":\"sig\",\"alg\":\"ES256\","
                            "\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
                            "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}");
    cJSON *oct = cJSON_Parse("{\"kid\":\"oct\",\"kty\":\"oct\",\"k\":\"GawgguFyGrWKav7AX4VKUg\"}");
    cJSON *ec_with_n = jwk_with(tu_jwk_object(p, key_b, "ec-n"), "kty", cJSON_CreateString("EC"));
    cJSON *lower = jwk_with(tu_jwk_object(p, key_b, "lower"), "kty", cJSON_CreateString("rsa"));
    cJSON *no_kty = jwk_with(tu_jwk_object(p, key_b, "no-kty"), "kty", NULL);
    cJSON *num_kty = jwk_with(tu_jwk_object(p, key_b, "num-kty"), "kty", cJSON_CreateNumber(1));
    cJSON *keys[7] = { tu_jwk_object(p, key_a, "good"), ec, oct, ec_with_n, lower, no_kty, num_kty };
    cog_jwk_set_t *set = expect_set(tu_jwks(p, 7, keys), 7, 1);
    expect_rejected(set, "ec");
    expect_rejected(set, "oct");
    expect_rejected(set, "ec-n");
    expect_rejected(set, "lower");
    expect_rejected(set, "no-kty");
    expect_rejected(set, "num-kty");
    expect_usable(set, "good");
    cog_jwk_set_free(set);
}

static void test_use_and_alg_rejected(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    cJSON *keys[7] = {
        tu_jwk_object(p, key_a, "good"),
        jwk_with(tu_jwk_object(p, key_b, "enc"), "use", cJSON_CreateString("enc")),
        jwk_with(tu_jwk_object(p, key_b, "use-num"), "use", cJSON_CreateNumber(1)),
        jwk_with(tu_jwk_object(p, key_b, "use-null"), "use", cJSON_CreateNull()),
        jwk_with(tu_jwk_object(p, key_b, "rs512"), "alg", cJSON_CreateString("RS512")),
        jwk_with(tu_jwk_object(p, key_b, "none"), "alg", cJSON_CreateString("none")),
        jwk_with(tu_jwk_object(p, key_b, "ps256"), "alg", cJSON_CreateString("PS256")),
    };
    cog_jwk_set_t *set = expect_set(tu_jwks(p, 7, keys), 7, 1);
    expect_rejected(set, "enc");
    expect_rejected(set, "use-num");
    expect_rejected(set, "use-null");
    expect_rejected(set, "rs512");
    expect_rejected(set, "none");
    expect_rejected(set, "ps256");
    cog_jwk_set_free(set);
}

static void test_bad_n_or_e_rejected(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    const char *n = tu_rsa_param_b64(p, key_b, OSSL_PKEY_PARAM_RSA_N);
    cJSON *keys[10] = {
        tu_jwk_object(p, key_a, "good"),
        jwk_with(tu_jwk_object(p, key_b, "no-n"), "n", NULL),
        jwk_with(tu_jwk_object(p, key_b, "no-e"), "e", NULL),
        jwk_with(tu_jwk_object(p, key_b, "num-n"), "n", cJSON_CreateNumber(3)),
        jwk_with(tu_jwk_object(p, key_b, "padded-e"), "e", cJSON_CreateString("AQAB=")),
        jwk_with(tu_jwk_object(p, key_b, "std-n"), "n", cJSON_CreateString(apr_pstrcat(p, "+", n + 1, NULL))),
        jwk_with(tu_jwk_object(p, key_b, "space-n"), "n", cJSON_CreateString(apr_pstrcat(p, n, " ", NULL))),
        jwk_with(tu_jwk_object(p, key_b, "empty-n"), "n", cJSON_CreateString("")),
        jwk_with(tu_jwk_object(p, key_b, "even-e"), "e", cJSON_CreateString("AQAA")),
        jwk_with(tu_jwk_object(p, key_b, "one-e"), "e", cJSON_CreateString("AQ")),
    };
    cog_jwk_set_t *set = expect_set(tu_jwks(p, 10, keys), 10, 1);
    expect_rejected(set, "no-n");
    expect_rejected(set, "no-e");
    expect_rejected(set, "num-n");
    expect_rejected(set, "padded-e");
    expect_rejected(set, "std-n");
    expect_rejected(set, "space-n");
    expect_rejected(set, "empty-n");
    expect_rejected(set, "even-e");
    expect_rejected(set, "one-e");
    cog_jwk_set_free(set);
}

static void test_duplicate_kid_keeps_first(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    cJSON *keys[3] = { tu_jwk_object(p, key_a, "k"), tu_jwk_object(p, key_b, "k"), tu_jwk_object(p, key_b, "other") };
    cog_jwk_set_t *set = expect_set(tu_jwks(p, 3, keys), 2, 2);
    assert_true(tu_same_rsa_public(expect_usable(set, "k"), key_a));
    cog_jwk_set_free(set);

    cJSON *keys2[2] = { tu_jwk_object(p, key_b, "k"), tu_jwk_object(p, key_a, "k") };
    set = expect_set(tu_jwks(p, 2, keys2), 1, 1);
    assert_true(tu_same_rsa_public(expect_usable(set, "k"), key_b));
    cog_jwk_set_free(set);

    /* a rejected first entry is not replaced by a later usable one of the same kid */
    cJSON *keys3[3] = { tu_jwk_object(p, key_a, "good"), tu_jwk_object(p, key_1024, "k"), tu_jwk_object(p, key_b, "k") };
    set = expect_set(tu_jwks(p, 3, keys3), 2, 1);
    expect_rejected(set, "k");
    cog_jwk_set_free(set);
}

static void test_entries_without_kid_dropped(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    cJSON *keys[6] = {
        tu_jwk_object(p, key_a, "good"),
        tu_jwk_object(p, key_b, NULL),
        tu_jwk_object(p, key_b, ""),
        jwk_with(tu_jwk_object(p, key_b, "x"), "kid", cJSON_CreateNumber(5)),
        cJSON_CreateString("not a key"),
        cJSON_CreateNumber(42),
    };
    cog_jwk_set_t *set = expect_set(tu_jwks(p, 6, keys), 1, 1);
    expect_usable(set, "good");
    assert_null(cog_jwk_set_find(set, ""));
    assert_null(cog_jwk_set_find(set, "5"));
    cog_jwk_set_free(set);
}

static void test_unusable_documents(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    char *good = tu_print_and_delete(p, tu_jwk_object(p, key_a, "good"));

    expect_no_set("{}");
    expect_no_set("{\"Keys\":[]}");
    expect_no_set("{\"keys\":{}}");
    expect_no_set(apr_pstrcat(p, "{\"keys\":", good, "}", NULL));      /* an object, not an array */
    expect_no_set("{\"keys\":\"x\"}");
    expect_no_set("{\"keys\":null}");
    expect_no_set("{\"keys\":[]}");
    expect_no_set("[]");
    expect_no_set(apr_pstrcat(p, "[", good, "]", NULL));
    expect_no_set("null");
    expect_no_set("{\"keys\":[}");
    expect_no_set("");
    expect_no_set("not json");
    expect_no_set(apr_pstrcat(p, "{\"keys\":[", good, "]} x", NULL));
    expect_no_set(apr_pstrcat(p, "{\"keys\":[", good, "]}{}", NULL));
    expect_no_set(apr_pstrcat(p, "{\"keys\":[", good, "],\"keys\":[]}", NULL));   /* duplicate name */
    expect_no_set(apr_pstrcat(p, "{\"keys\":[", good, ",]}", NULL));
    expect_no_set("{\"keys\":[1,\"x\",null]}");
    expect_no_set("{\"keys\":[{\"kty\":\"RSA\"}]}");                      /* no kid at all */

    const char *why = NULL;
    assert_null(cog_jwk_set_parse("{\"keys\":[]}", 0, &why));
    assert_non_null(why);
}

static void test_key_count_limit(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    cJSON *keys[COG_JWKS_MAX_KEYS + 1];
    for (int i = 0; i < COG_JWKS_MAX_KEYS; i++)
        keys[i] = tu_jwk_object(p, i % 2 ? key_a : key_b, apr_psprintf(p, "k%d", i));
    cog_jwk_set_t *set = expect_set(tu_jwks(p, COG_JWKS_MAX_KEYS, keys), COG_JWKS_MAX_KEYS, COG_JWKS_MAX_KEYS);
    expect_usable(set, "k0");
    expect_usable(set, apr_psprintf(p, "k%d", COG_JWKS_MAX_KEYS - 1));
    cog_jwk_set_free(set);

    for (int i = 0; i <= COG_JWKS_MAX_KEYS; i++)
        keys[i] = tu_jwk_object(p, key_a, apr_psprintf(p, "k%d", i));
    expect_no_set(tu_jwks(p, COG_JWKS_MAX_KEYS + 1, keys));

    /* the limit counts array elements, not usable keys */
    for (int i = 0; i <= COG_JWKS_MAX_KEYS; i++)
        keys[i] = i == 0 ? tu_jwk_object(p, key_a, "k") : cJSON_CreateNumber(i);
    expect_no_set(tu_jwks(p, COG_JWKS_MAX_KEYS + 1, keys));
}

/* A set whose keys are all refused is kept on purpose (jwk.h): lookups must then
 * report why the key is refused, and nothing verifies. */
static void test_no_usable_key(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    cJSON *keys[2] = { tu_jwk_object(p, key_1024, "weak"),
                       jwk_with(tu_jwk_object(p, key_a, "enc"), "use", cJSON_CreateString("enc")) };
    const char *why = NULL;
    const char *doc = tu_jwks(p, 2, keys);
    cog_jwk_set_t *set = cog_jwk_set_parse(doc, strlen(doc), &why);
    assert_non_null(set);
    assert_int_equal(set->count, 2);
    assert_int_equal(set->usable, 0);
    const cog_jwk_t *weak = cog_jwk_set_find(set, "weak");
    assert_non_null(weak);
    assert_null(weak->key);
    assert_true(tu_contains(weak->rejected, "2048"));
    const cog_jwk_t *enc = cog_jwk_set_find(set, "enc");
    assert_non_null(enc);
    assert_null(enc->key);
    cog_jwk_set_free(set);
}

/* ---- cog_jwk_rsa_key ------------------------------------------------------------------------------ */

static EVP_PKEY *rsa_key(const char *n, const char *e, const char **why)
{
    *why = NULL;
    return cog_jwk_rsa_key(n, e, why);
}

static void expect_rsa_refused(const char *n, const char *e, const char *mention)
{
    const char *why;
    EVP_PKEY *k = rsa_key(n, e, &why);
    if (k != NULL) {
        EVP_PKEY_free(k);
        fail_msg("key accepted (e=%s)", e);
    }
    assert_non_null(why);
    if (mention && !tu_contains(why, mention))
        fail_msg("reason \"%s\" does not mention %s", why, mention);
}

static void test_rsa_key_valid(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    const char *n = tu_rsa_param_b64(p, key_a, OSSL_PKEY_PARAM_RSA_N);
    const char *why;
    EVP_PKEY *k = rsa_key(n, "AQAB", &why);
    assert_non_null(k);
    assert_true(tu_same_rsa_public(k, key_a));
    assert_int_equal(EVP_PKEY_get_base_id(k), EVP_PKEY_RSA);
    assert_int_equal(EVP_PKEY_get_bits(k), 2048);
    EVP_PKEY_free(k);

    k = rsa_key(n, "Aw", &why);                        /* e = 3 */
    assert_non_null(k);
    EVP_PKEY_free(k);
    k = rsa_key(n, "_____w", &why);                    /* e = 2^32 - 1 */
    assert_non_null(k);
    EVP_PKEY_free(k);
}

static void test_rsa_key_exponent(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    const char *n = tu_rsa_param_b64(p, key_a, OSSL_PKEY_PARAM_RSA_N);
    expect_rsa_refused(n, "AQAA", "exponent");           /* 65536, even */
    expect_rsa_refused(n, "Ag", "exponent");             /* 2 */
    expect_rsa_refused(n, "AQ", "exponent");             /* 1 */
    expect_rsa_refused(n, "AA", "exponent");             /* 0 */
    expect_rsa_refused(n, "", "exponent");               /* empty */
    expect_rsa_refused(n, "AQAAAAE", "exponent");        /* 2^32 + 1: too large */
    expect_rsa_refused(n, "AQAB=", NULL);                /* padding */
    expect_rsa_refused(n, "AQ+B", NULL);
    expect_rsa_refused(n, "AQAC", "exponent");           /* 65538, even */

    /* leading zero octets in e carry no bits */
    const char *why;
    EVP_PKEY *k = rsa_key(n, "AAEAAQ", &why);
    assert_non_null(k);
    assert_true(tu_same_rsa_public(k, key_a));
    EVP_PKEY_free(k);
}

static void test_rsa_key_modulus(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    size_t n_len;
    unsigned char *n_raw = tu_rsa_param(p, key_a, OSSL_PKEY_PARAM_RSA_N, &n_len);
    assert_int_equal(n_len, 256);

    /* leading zero octets in n: accepted, the same key */
    unsigned char *padded = apr_pcalloc(p, n_len + 2);
    memcpy(padded + 2, n_raw, n_len);
    const char *why;
    EVP_PKEY *k = rsa_key(cog_b64url_encode(p, padded, n_len + 2), "AQAB", &why);
    assert_non_null(k);
    assert_true(tu_same_rsa_public(k, key_a));
    assert_int_equal(EVP_PKEY_get_bits(k), 2048);
    EVP_PKEY_free(k);

    /* 1024 bits, and 2047 bits even with leading zeros to look long */
    expect_rsa_refused(tu_rsa_param_b64(p, key_1024, OSSL_PKEY_PARAM_RSA_N), "AQAB", "2048");
    unsigned char *short_n = apr_pcalloc(p, 300);
    memcpy(short_n + 44, n_raw, 256);
    short_n[44] &= 0x7f;                                 /* 2047 bits */
    short_n[299] |= 1;
    expect_rsa_refused(cog_b64url_encode(p, short_n, 300), "AQAB", "2048");

    /* more than 8192 bits */
    unsigned char *huge = apr_palloc(p, 1025);
    memset(huge, 0xc5, 1025);
    expect_rsa_refused(cog_b64url_encode(p, huge, 1025), "AQAB", "8192");

    /* encoding */
    const char *n = tu_rsa_param_b64(p, key_a, OSSL_PKEY_PARAM_RSA_N);
    expect_rsa_refused(apr_pstrcat(p, n, "=", NULL), "AQAB", NULL);
    expect_rsa_refused(apr_pstrcat(p, "/", n + 1, NULL), "AQAB", NULL);
    expect_rsa_refused(apr_pstrcat(p, n, "\n", NULL), "AQAB", NULL);
    expect_rsa_refused("", "AQAB", NULL);
}

/* ---- with jwt.c ------------------------------------------------------------------------------------ */

static void test_verify_with_key_from_set(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    cJSON *keys[3] = { tu_jwk_object(p, key_a, "kid-A"), tu_jwk_object(p, key_b, "kid-B"),
                       tu_jwk_object(p, key_1024, "kid-weak") };
    cog_jwk_set_t *set = expect_set(tu_jwks(p, 3, keys), 3, 2);
    const char *payload = "{\"sub\":\"s\",\"token_use\":\"access\"}";

    struct { EVP_PKEY *signer; const char *kid; cog_reason_t want; } cases[] = {
        { key_a, "kid-A", COG_OK },
        { key_b, "kid-B", COG_OK },
        { key_b, "kid-A", COG_E_TOKEN_SIGNATURE_INVALID },   /* kid names another key */
        { key_a, "kid-B", COG_E_TOKEN_SIGNATURE_INVALID },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *hdr = apr_pstrcat(p, "{\"alg\":\"RS256\",\"kid\":\"", cases[i].kid, "\"}", NULL);
        char *tok = tu_token(p, cases[i].signer, hdr, payload);
        cog_jwt_t *jwt;
        cog_error_t err = { COG_OK, NULL };
        assert_int_equal(cog_jwt_parse(p, tok, strlen(tok), &jwt, &err), COG_OK);
        const cog_jwk_t *jwk = cog_jwk_set_find(set, jwt->kid);
        assert_non_null(jwk);
        assert_non_null(jwk->key);
        assert_int_equal(cog_jwt_verify_rs256(jwt, jwk->key, &err), cases[i].want);
    }

    /* a token naming the rejected key finds an entry without a key */
    char *tok = tu_token(p, key_1024, "{\"alg\":\"RS256\",\"kid\":\"kid-weak\"}", payload);
    cog_jwt_t *jwt;
    cog_error_t err;
    assert_int_equal(cog_jwt_parse(p, tok, strlen(tok), &jwt, &err), COG_OK);
    const cog_jwk_t *jwk = cog_jwk_set_find(set, jwt->kid);
    assert_non_null(jwk);
    assert_null(jwk->key);
    /* and an unknown kid finds nothing */
    tok = tu_token(p, key_a, "{\"alg\":\"RS256\",\"kid\":\"kid-C\"}", payload);
    assert_int_equal(cog_jwt_parse(p, tok, strlen(tok), &jwt, &err), COG_OK);
    assert_null(cog_jwk_set_find(set, jwt->kid));
    cog_jwk_set_free(set);
}

static void test_key_outlives_set(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    cJSON *keys[1] = { tu_jwk_object(p, key_a, "kid-A") };
    cog_jwk_set_t *set = expect_set(tu_jwks(p, 1, keys), 1, 1);
    EVP_PKEY *k = expect_usable(set, "kid-A");
    assert_int_equal(EVP_PKEY_up_ref(k), 1);            /* as jwks.c does before using a key */
    cog_jwk_set_free(set);

    char *tok = tu_token(p, key_a, "{\"alg\":\"RS256\",\"kid\":\"kid-A\"}", "{}");
    cog_jwt_t *jwt;
    cog_error_t err;
    assert_int_equal(cog_jwt_parse(p, tok, strlen(tok), &jwt, &err), COG_OK);
    assert_int_equal(cog_jwt_verify_rs256(jwt, k, &err), COG_OK);
    EVP_PKEY_free(k);
}

static const struct CMUnitTest tests[] = {
    TU_TEST(test_two_keys),
    TU_TEST(test_kids_with_base64_characters),
    TU_TEST(test_minimal_jwk),
    TU_TEST(test_weak_key_rejected),
    TU_TEST(test_other_key_types_rejected),
    TU_TEST(test_use_and_alg_rejected),
    TU_TEST(test_bad_n_or_e_rejected),
    TU_TEST(test_duplicate_kid_keeps_first),
    TU_TEST(test_entries_without_kid_dropped),
    TU_TEST(test_unusable_documents),
    TU_TEST(test_key_count_limit),
    TU_TEST(test_no_usable_key),
    TU_TEST(test_rsa_key_valid),
    TU_TEST(test_rsa_key_exponent),
    TU_TEST(test_rsa_key_modulus),
    TU_TEST(test_verify_with_key_from_set),
    TU_TEST(test_key_outlives_set),
};

TU_MAIN(tests, group_setup, group_teardown)
