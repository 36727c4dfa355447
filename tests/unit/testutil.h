/*
 * testutil.h — shared helpers of the cmocka unit tests: APR set-up, per-test pools,
 * RSA keys, RS256 token building and JWK rendering with OpenSSL 3.
 *
 * Everything here is static inline so that a test program that does not use a
 * helper gets no unused-function warning.
 */
#ifndef COG_TESTUTIL_H
#define COG_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_tables.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <cjson/cJSON.h>

#include "cfg/error.h"
#include "util/util.h"

/* ---- APR ---------------------------------------------------------------------- */

/* cmocka per-test setup/teardown: *state is a fresh APR pool, destroyed afterwards. */
static inline int tu_pool_setup(void **state)
{
    apr_pool_t *p = NULL;
    if (apr_pool_create(&p, NULL) != APR_SUCCESS)
        return -1;
    *state = p;
    return 0;
}

static inline int tu_pool_teardown(void **state)
{
    apr_pool_destroy((apr_pool_t *)*state);
    return 0;
}

#define TU_POOL(state) ((apr_pool_t *)*(state))
#define TU_TEST(f) cmocka_unit_test_setup_teardown(f, tu_pool_setup, tu_pool_teardown)

/* main() of every test program: APR up, the group run, APR down. */
#define TU_MAIN(tests, group_setup, group_teardown)                                  \
    int main(void)                                                                   \
    {                                                                                \
        if (apr_initialize() != APR_SUCCESS) {                                       \
            fprintf(stderr, "apr_initialize failed\n");                              \
            return 1;                                                                \
        }                                                                            \
        int tu_rc = cmocka_run_group_tests(tests, group_setup, group_teardown);      \
        apr_terminate();                                                             \
        return tu_rc;                                                                \
    }

/* Copies len bytes into an exactly sized heap buffer (no NUL after it), so that a
 * reader going past len is caught by AddressSanitizer.  Free with free(). */
static inline char *tu_exact_copy(const char *s, size_t len)
{
    char *b = malloc(len ? len : 1);
    assert_non_null(b);
    if (len)
        memcpy(b, s, len);
    return b;
}

/* True when needle occurs in haystack (both may be NULL: then false). */
static inline int tu_contains(const char *haystack, const char *needle)
{
    return haystack != NULL && needle != NULL && strstr(haystack, needle) != NULL;
}

/* ---- keys and tokens ------------------------------------------------------------ */

static inline EVP_PKEY *tu_rsa_key(unsigned int bits)
{
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
    if (key == NULL) {
        fprintf(stderr, "RSA-%u key generation failed\n", bits);
        abort();
    }
    return key;
}

/* base64url of a NUL-terminated string. */
static inline char *tu_b64(apr_pool_t *p, const char *s)
{
    return cog_b64url_encode(p, (const unsigned char *)s, strlen(s));
}

/* Raw RS256 (PKCS#1 v1.5, SHA-256) signature over data; *sig_len gets its length. */
static inline unsigned char *tu_sign_raw(apr_pool_t *p, EVP_PKEY *key, const EVP_MD *md,
                                         const char *data, size_t len, size_t *sig_len)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    assert_non_null(ctx);
    size_t n = 0;
    assert_int_equal(EVP_DigestSignInit(ctx, NULL, md, NULL, key), 1);
    assert_int_equal(EVP_DigestSign(ctx, NULL, &n, (const unsigned char *)data, len), 1);
    unsigned char *sig = apr_palloc(p, n);
    assert_int_equal(EVP_DigestSign(ctx, sig, &n, (const unsigned char *)data, len), 1);
    EVP_MD_CTX_free(ctx);
    *sig_len = n;
    return sig;
}

/* "<b64url(header)>.<b64url(payload)>.<b64url(RS256 signature)>" */
static inline char *tu_token_md(apr_pool_t *p, EVP_PKEY *key, const EVP_MD *md,
                                const char *header, const char *payload)
{
    char *input = apr_pstrcat(p, tu_b64(p, header), ".", tu_b64(p, payload), NULL);
    size_t sig_len;
    unsigned char *sig = tu_sign_raw(p, key, md, input, strlen(input), &sig_len);
    return apr_pstrcat(p, input, ".", cog_b64url_encode(p, sig, sig_len), NULL);
}

static inline char *tu_token(apr_pool_t *p, EVP_PKEY *key, const char *header, const char *payload)
{
    return tu_token_md(p, key, EVP_sha256(), header, payload);
}

/* A token with an arbitrary (possibly invalid) signature segment text. */
static inline char *tu_token_unsigned(apr_pool_t *p, const char *header, const char *payload,
                                      const char *sig_segment)
{
    return apr_pstrcat(p, tu_b64(p, header), ".", tu_b64(p, payload), ".", sig_segment, NULL);
}

/* Big-endian bytes of an RSA parameter (OSSL_PKEY_PARAM_RSA_N / _E). */
static inline unsigned char *tu_rsa_param(apr_pool_t *p, EVP_PKEY *key, const char *name, size_t *len)
{
    BIGNUM *bn = NULL;
    assert_int_equal(EVP_PKEY_get_bn_param(key, name, &bn), 1);
    int n = BN_num_bytes(bn);
    unsigned char *buf = apr_palloc(p, (apr_size_t)n + 1);
    assert_int_equal(BN_bn2bin(bn, buf), n);
    BN_free(bn);
    *len = (size_t)n;
    return buf;
}

static inline char *tu_rsa_param_b64(apr_pool_t *p, EVP_PKEY *key, const char *name)
{
    size_t len;
    unsigned char *raw = tu_rsa_param(p, key, name, &len);
    return cog_b64url_encode(p, raw, len);
}

/* 1 when both keys have the same RSA modulus and exponent. */
static inline int tu_same_rsa_public(EVP_PKEY *a, EVP_PKEY *b)
{
    BIGNUM *an = NULL, *ae = NULL, *bn = NULL, *be = NULL;
    int same = EVP_PKEY_get_bn_param(a, OSSL_PKEY_PARAM_RSA_N, &an) == 1
            && EVP_PKEY_get_bn_param(a, OSSL_PKEY_PARAM_RSA_E, &ae) == 1
            && EVP_PKEY_get_bn_param(b, OSSL_PKEY_PARAM_RSA_N, &bn) == 1
            && EVP_PKEY_get_bn_param(b, OSSL_PKEY_PARAM_RSA_E, &be) == 1
            && BN_cmp(an, bn) == 0 && BN_cmp(ae, be) == 0;
    BN_free(an);
    BN_free(ae);
    BN_free(bn);
    BN_free(be);
    return same;
}

/* A JWK object for an RSA key: {"kid":…, "kty":"RSA", "use":"sig", "alg":"RS256", "n":…, "e":…}.
 * The caller owns the returned cJSON. */
static inline cJSON *tu_jwk_object(apr_pool_t *p, EVP_PKEY *key, const char *kid)
{
    cJSON *o = cJSON_CreateObject();
    assert_non_null(o);
    if (kid)
        cJSON_AddStringToObject(o, "kid", kid);
    cJSON_AddStringToObject(o, "kty", "RSA");
    cJSON_AddStringToObject(o, "use", "sig");
    cJSON_AddStringToObject(o, "alg", "RS256");
    cJSON_AddStringToObject(o, "n", tu_rsa_param_b64(p, key, OSSL_PKEY_PARAM_RSA_N));
    cJSON_AddStringToObject(o, "e", tu_rsa_param_b64(p, key, OSSL_PKEY_PARAM_RSA_E));
    return o;
}

/* Renders a cJSON tree into the pool and deletes it. */
static inline char *tu_print_and_delete(apr_pool_t *p, cJSON *tree)
{
    char *s = cJSON_PrintUnformatted(tree);
    assert_non_null(s);
    char *out = apr_pstrdup(p, s);
    cJSON_free(s);
    cJSON_Delete(tree);
    return out;
}

/* {"keys":[ … ]} around the given JWK objects (which it takes over). */
static inline char *tu_jwks(apr_pool_t *p, int count, cJSON **jwks)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON *keys = cJSON_AddArrayToObject(doc, "keys");
    for (int i = 0; i < count; i++)
        cJSON_AddItemToArray(keys, jwks[i]);
    return tu_print_and_delete(p, doc);
}

#endif
