/*
 * verify.h — the whole verification of one Cognito token: size limit, JWS parse,
 * pool selection, key lookup, RS256 signature, claim checks.  Used by the Bearer
 * path (which remembers what it verified, see bearer.c), the login callback and
 * refresh.  Result claims live in the caller's pool.
 *
 * The token's iss picks one of the trusted pools before any key is looked up, and
 * only that pool's key set is consulted: a key of one pool never verifies a token
 * claiming another, and a token of an unknown issuer costs no fetch at all.
 */
#ifndef COG_VERIFY_H
#define COG_VERIFY_H

#include <apr_pools.h>
#include <cjson/cJSON.h>
#include "cfg/error.h"
#include "token/jwks.h"
#include "token/jwt.h"
#include "cfg/pools.h"

typedef struct {
    const cog_pool_t  *pools;        /* the trusted pools (npools >= 1) */
    int                npools;
    const char *const *clients;      /* access tokens: client_id one of them; ID tokens: aud */
    int                nclients;
    cog_token_use_t    token_use;
    const char        *nonce;        /* ID tokens of a login; NULL otherwise */
    int                skew;
    int                jwks_ttl;
    cog_http_opts_t    http;         /* for key set fetches */
} cog_verify_params_t;

/* Process-wide key set cache.  Call in child_init. */
apr_status_t cog_verify_init(apr_pool_t *pchild);

/* On COG_OK, *claims is the payload object (freed with the pool) and *pool the
 * pool it came from (may be NULL when not wanted); *claims_json, when asked for,
 * the payload's JSON text as the token carries it.  On failure err says why; when
 * COG_OK comes with err->detail set, the keys used were stale (see jwks.h) and
 * the caller should warn. */
cog_reason_t cog_verify_token(apr_pool_t *p, const char *token, size_t len, const cog_verify_params_t *params,
                              cJSON **claims, const cog_pool_t **pool, const char **claims_json,
                              cog_error_t *err);

#endif
