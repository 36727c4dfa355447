/*
 * jwk.c — JWKS document → set of RSA public keys (OpenSSL 3 EVP_PKEY_fromdata).
 */
#include "token/jwk.h"
#include "util/json.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>

EVP_PKEY *cog_jwk_rsa_key(const char *n_b64, const char *e_b64, const char **why)
{
    apr_pool_t *p;
    unsigned char *n_raw, *e_raw;
    size_t n_len, e_len;
    EVP_PKEY *key = NULL;
    BIGNUM *n = NULL, *e = NULL;
    OSSL_PARAM_BLD *bld = NULL;
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = NULL;

    if (apr_pool_create(&p, NULL) != APR_SUCCESS) { *why = "out of memory"; return NULL; }
    if (cog_b64url_decode(p, n_b64, strlen(n_b64), &n_raw, &n_len) != 0
        || cog_b64url_decode(p, e_b64, strlen(e_b64), &e_raw, &e_len) != 0) {
        *why = "n or e is not strict base64url";
        goto done;
    }
    /* Leading zero octets carry no bits; strip them before measuring. */
    while (n_len > 0 && n_raw[0] == 0) { n_raw++; n_len--; }
    while (e_len > 0 && e_raw[0] == 0) { e_raw++; e_len--; }
    n = BN_bin2bn(n_raw, (int)n_len, NULL);
    e = BN_bin2bn(e_raw, (int)e_len, NULL);
    if (n == NULL || e == NULL) { *why = "out of memory"; goto done; }
    int bits = BN_num_bits(n);
    if (bits < COG_JWK_MIN_RSA_BITS) { *why = "RSA modulus shorter than 2048 bits"; goto done; }
    if (bits > COG_JWK_MAX_RSA_BITS) { *why = "RSA modulus longer than 8192 bits"; goto done; }
    if (!BN_is_odd(e) || BN_num_bits(e) < 2 || BN_num_bits(e) > 32) {
        *why = "RSA public exponent is not an odd number between 3 and 2^32";
        goto done;
    }
    if ((bld = OSSL_PARAM_BLD_new()) == NULL
        || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n)
        || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e)
        || (params = OSSL_PARAM_BLD_to_param(bld)) == NULL
        || (ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) == NULL
        || EVP_PKEY_fromdata_init(ctx) <= 0
        || EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) <= 0) {
        *why = "OpenSSL refused the RSA key";
        key = NULL;
    }
done:
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(n);
    BN_free(e);
    apr_pool_destroy(p);
    return key;
}

/* Fills one entry from one JWK object; returns 0 when the entry should be kept
 * (usable or rejected-with-reason), -1 when it has no usable kid at all. */
static int parse_key(const cJSON *jwk, cog_jwk_t *out)
{
    const char *kid = cog_json_string(jwk, "kid");
    if (kid == NULL || *kid == '\0')
        return -1;
    out->kid = strdup(kid);
    if (out->kid == NULL)
        return -1;

    const char *kty = cog_json_string(jwk, "kty");
    const cJSON *use = cog_json_member(jwk, "use");
    const cJSON *alg = cog_json_member(jwk, "alg");
    const char *n = cog_json_string(jwk, "n");
    const char *e = cog_json_string(jwk, "e");

    if (kty == NULL || strcmp(kty, "RSA") != 0)
        out->rejected = "key type is not RSA";
    else if (use != NULL && !(cJSON_IsString(use) && strcmp(use->valuestring, "sig") == 0))
        out->rejected = "key use is not sig";
    else if (alg != NULL && !(cJSON_IsString(alg) && strcmp(alg->valuestring, "RS256") == 0))
        out->rejected = "key alg is not RS256";
    else if (n == NULL || e == NULL)
        out->rejected = "RSA key lacks n or e";
    else
        out->key = cog_jwk_rsa_key(n, e, &out->rejected);
    return 0;
}

cog_jwk_set_t *cog_jwk_set_parse(const char *json, size_t len, const char **why)
{
    cJSON *doc = cog_json_parse(json, len, why);
    if (doc == NULL)
        return NULL;

    cog_jwk_set_t *set = NULL;
    const cJSON *keys = cog_json_member(doc, "keys");
    int n = cJSON_IsArray(keys) ? cJSON_GetArraySize(keys) : -1;
    if (n < 0) { *why = "no keys array"; goto done; }
    if (n > COG_JWKS_MAX_KEYS) { *why = "too many keys"; goto done; }

    set = calloc(1, sizeof(*set));
    if (set == NULL || (n > 0 && (set->keys = calloc((size_t)n, sizeof(cog_jwk_t))) == NULL)) {
        *why = "out of memory";
        goto fail;
    }
    for (const cJSON *jwk = keys->child; jwk; jwk = jwk->next) {
        cog_jwk_t entry = { 0 };
        if (!cJSON_IsObject(jwk) || parse_key(jwk, &entry) != 0) {
            free(entry.kid);
            continue;
        }
        /* A second key with the same kid would make the choice ambiguous: keep the first. */
        if (cog_jwk_set_find(set, entry.kid) != NULL) {
            free(entry.kid);
            EVP_PKEY_free(entry.key);
            continue;
        }
        set->keys[set->count++] = entry;
        if (entry.key)
            set->usable++;
    }
    if (set->count == 0) { *why = "no key with a kid"; goto fail; }
    goto done;
fail:
    cog_jwk_set_free(set);
    set = NULL;
done:
    cJSON_Delete(doc);
    return set;
}

void cog_jwk_set_free(cog_jwk_set_t *set)
{
    if (set == NULL)
        return;
    for (size_t i = 0; i < set->count; i++) {
        free(set->keys[i].kid);
        EVP_PKEY_free(set->keys[i].key);
    }
    free(set->keys);
    free(set);
}

const cog_jwk_t *cog_jwk_set_find(const cog_jwk_set_t *set, const char *kid)
{
    if (set == NULL || kid == NULL)
        return NULL;
    for (size_t i = 0; i < set->count; i++)
        if (strcmp(set->keys[i].kid, kid) == 0)
            return &set->keys[i];
    return NULL;
}
