/*
 * jwk.h — JSON Web Key Set (RFC 7517/7518) parsing into OpenSSL public keys.
 *
 * Only what Cognito publishes is usable: kty RSA, use sig (when given), alg RS256
 * (when given), a modulus of 2048..8192 bits and an odd public exponent.  Other keys
 * are kept in the set as *rejected* entries so a token naming one gets a precise
 * reason instead of "unknown kid".  The set is malloc-owned and immutable once
 * built, so one process can share it between threads; keys are reference counted.
 */
#ifndef COG_JWK_H
#define COG_JWK_H

#include <stddef.h>
#include <openssl/evp.h>
#include "cfg/error.h"

#define COG_JWK_MIN_RSA_BITS 2048
#define COG_JWK_MAX_RSA_BITS 8192
#define COG_JWKS_MAX_KEYS    64

typedef struct {
    char        *kid;
    EVP_PKEY    *key;        /* NULL when rejected */
    const char  *rejected;   /* static reason text when key == NULL */
} cog_jwk_t;

typedef struct {
    cog_jwk_t *keys;
    size_t     count;
    size_t     usable;
} cog_jwk_set_t;

/* Parses a JWKS document.  NULL with *why (static text) when the document itself is
 * unusable: not strict JSON, no "keys" array, too many keys, or no entry with a kid.
 * A set whose keys are all refused (usable == 0) is returned on purpose: lookups
 * then say why a token's key is refused (token_key_weak) and fail closed. */
cog_jwk_set_t *cog_jwk_set_parse(const char *json, size_t len, const char **why);
void cog_jwk_set_free(cog_jwk_set_t *set);

/* The entry with this kid, or NULL.  kid comparison is exact (kids are case-sensitive). */
const cog_jwk_t *cog_jwk_set_find(const cog_jwk_set_t *set, const char *kid);

/* Builds an RSA public key from base64url n and e; NULL with *why on failure
 * (weak or oversized modulus, bad exponent, bad encoding). */
EVP_PKEY *cog_jwk_rsa_key(const char *n_b64, const char *e_b64, const char **why);

#endif
