/*
 * verify.h — the whole verification of one Cognito token: size limit, JWS parse,
 * key lookup, RS256 signature, claim checks.  Used by the Bearer path (which
 * remembers what it verified, see bearer.c), the login callback and refresh.
 * Result claims live in the caller's pool.
 */
#ifndef COG_VERIFY_H
#define COG_VERIFY_H

#include <apr_pools.h>
#include <cjson/cJSON.h>
#include "cfg/error.h"
#include "token/jwks.h"
#include "token/jwt.h"

typedef struct {
    const char        *issuer;
    const char        *client_id;
    cog_token_use_t    token_use;
    const char        *nonce;        /* ID tokens of a login; NULL otherwise */
    int                skew;
    cog_jwks_source_t  jwks;
} cog_verify_params_t;

/* Process-wide key set cache.  Call in child_init. */
apr_status_t cog_verify_init(apr_pool_t *pchild);

/* On COG_OK, *claims is the payload object (freed with the pool).  On failure err
 * says why; when COG_OK comes with err->detail set, the keys used were stale (see
 * jwks.h) and the caller should warn. */
cog_reason_t cog_verify_token(apr_pool_t *p, const char *token, size_t len,
                              const cog_verify_params_t *params, cJSON **claims, cog_error_t *err);

#endif
