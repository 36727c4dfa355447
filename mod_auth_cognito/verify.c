/*
 * verify.c — token verification pipeline with the per-process verified-token cache.
 */
#include "verify.h"
#include "json.h"
#include "tokencache.h"

#include <string.h>
#include <apr_strings.h>
#include <apr_time.h>

static cog_tokencache_t *token_cache;     /* set once in child_init, then read-only pointer */

static apr_status_t destroy_cache(void *cache)
{
    cog_tokencache_destroy(cache);
    token_cache = NULL;
    return APR_SUCCESS;
}

apr_status_t cog_verify_init(apr_pool_t *pchild, size_t entries)
{
    apr_status_t rv = cog_jwks_init(pchild);
    if (rv != APR_SUCCESS)
        return rv;
    token_cache = cog_tokencache_create(entries);
    if (token_cache == NULL)
        return APR_ENOMEM;
    apr_pool_cleanup_register(pchild, token_cache, destroy_cache, apr_pool_cleanup_null);
    return APR_SUCCESS;
}

static apr_status_t free_cjson(void *tree)
{
    cJSON_Delete(tree);
    return APR_SUCCESS;
}

static double now_seconds(void)
{
    return (double)apr_time_now() / (double)APR_USEC_PER_SEC;
}

cog_reason_t cog_verify_token(apr_pool_t *p, const char *token, size_t len,
                              const cog_verify_params_t *vp, cJSON **claims, int *cached,
                              cog_error_t *err)
{
    cog_claim_policy_t policy = {
        .issuer = vp->issuer, .client_id = vp->client_id, .token_use = vp->token_use,
        .nonce = vp->nonce, .now = now_seconds(), .skew = vp->skew,
    };
    unsigned char key[COG_TOKENCACHE_KEY_LEN];
    int use_cache = vp->nonce == NULL && token_cache != NULL && len <= COG_JWT_MAX_LEN;
    cog_reason_t rc;

    err->reason = COG_OK;
    err->detail = NULL;
    *cached = 0;

    if (len > COG_JWT_MAX_LEN)
        return cog_fail(err, COG_E_TOKEN_TOO_LARGE,
                        apr_psprintf(p, "%" APR_SIZE_T_FMT " bytes, limit %d", len, COG_JWT_MAX_LEN));

    if (use_cache) {
        const char *policy_id = apr_psprintf(p, "%s\n%s\n%d\n%d", vp->issuer, vp->client_id,
                                             (int)vp->token_use, vp->skew);
        use_cache = cog_tokencache_key(policy_id, token, len, key) == 0;
        char *payload;
        size_t payload_len;
        if (use_cache && cog_tokencache_get(token_cache, p, key, policy.now, &payload, &payload_len)) {
            cJSON *tree = cJSON_ParseWithLength(payload, payload_len);
            if (tree != NULL) {
                apr_pool_cleanup_register(p, tree, free_cjson, apr_pool_cleanup_null);
                *claims = tree;
                *cached = 1;
                return COG_OK;
            }
        }
    }

    cog_jwt_t *jwt;
    if ((rc = cog_jwt_parse(p, token, len, &jwt, err)) != COG_OK)
        return rc;

    EVP_PKEY *pkey = NULL;
    rc = cog_jwks_get_key(p, &vp->jwks, jwt->kid, &pkey, err);
    if (rc != COG_OK)
        return rc;
    cog_error_t stale_warning = *err;

    if ((rc = cog_jwt_verify_rs256(jwt, pkey, err)) != COG_OK)
        return rc;
    if ((rc = cog_jwt_check_claims(p, jwt->payload, &policy, err)) != COG_OK)
        return rc;

    if (use_cache) {
        char *text = cJSON_PrintUnformatted(jwt->payload);
        if (text != NULL) {
            /* Cache until exp itself; the skew only widens acceptance at verification. */
            cog_tokencache_put(token_cache, key, policy.now,
                               cog_jwt_numeric_date(jwt->payload, "exp"), text, strlen(text));
            cJSON_free(text);
        }
    }
    *claims = jwt->payload;
    *err = stale_warning;
    return COG_OK;
}
