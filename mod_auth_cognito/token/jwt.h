/*
 * jwt.h — JWS compact serialization (RFC 7515) for Cognito tokens: strict parsing,
 * RS256 signature verification with OpenSSL EVP, and the claim checks of RFC 7519
 * and Cognito's token rules.  Pure: no httpd, no I/O; memory from the caller's pool
 * (the cJSON trees are freed by a pool cleanup).
 */
#ifndef COG_JWT_H
#define COG_JWT_H

#include <stddef.h>
#include <apr_pools.h>
#include <cjson/cJSON.h>
#include <openssl/evp.h>
#include "cfg/error.h"

/* Tokens longer than this are refused before any decoding (Cognito's are ~1-4 KB). */
#define COG_JWT_MAX_LEN 16384
#define COG_JWT_MAX_KID_LEN 256

typedef struct {
    const char    *signing_input;      /* "<header>.<payload>" inside the original token */
    size_t         signing_input_len;
    unsigned char *signature;
    size_t         signature_len;
    cJSON         *header;             /* object */
    cJSON         *payload;            /* object */
    const char    *payload_text;       /* the payload's decoded JSON text (NUL-terminated) */
    const char    *kid;                /* printable ASCII, 1..COG_JWT_MAX_KID_LEN */
} cog_jwt_t;

/* Splits and decodes a token and checks its header: alg must be RS256, no crit,
 * a printable kid.  jku/x5u/jwk/x5c are ignored, never fetched or trusted. */
cog_reason_t cog_jwt_parse(apr_pool_t *p, const char *token, size_t len,
                           cog_jwt_t **out, cog_error_t *err);

/* RS256 (RSASSA-PKCS1-v1_5 with SHA-256) over the signing input. */
cog_reason_t cog_jwt_verify_rs256(const cog_jwt_t *jwt, EVP_PKEY *key, cog_error_t *err);

typedef enum { COG_TOKEN_ACCESS, COG_TOKEN_ID } cog_token_use_t;

typedef struct {
    const char     *issuer;      /* exact match with iss */
    const char *const *clients;  /* access: the client_id claim is one of them; id: aud holds one */
    int             nclients;
    cog_token_use_t token_use;
    const char     *nonce;       /* id tokens from a login: must match; NULL = not checked */
    double          now;         /* seconds since the epoch */
    int             skew;        /* leeway in seconds for exp, nbf, iat */
} cog_claim_policy_t;

/* Checks every claim the policy implies, and the type of every registered and
 * Cognito claim present.  Detail texts name the claim, never its value. */
cog_reason_t cog_jwt_check_claims(apr_pool_t *p, const cJSON *payload,
                                  const cog_claim_policy_t *policy, cog_error_t *err);

/* A NumericDate claim as seconds; 0 when absent or not a valid date. */
double cog_jwt_numeric_date(const cJSON *payload, const char *name);

#endif
