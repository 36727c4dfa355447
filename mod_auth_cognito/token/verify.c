/*
 * verify.c — token verification pipeline.
 */
#include "token/verify.h"
#include "util/json.h"

#include <string.h>
#include <apr_strings.h>
#include <apr_time.h>

apr_status_t cog_verify_init(apr_pool_t *pchild)
{
    return cog_jwks_init(pchild);
}

static double now_seconds(void)
{
    return (double)apr_time_now() / (double)APR_USEC_PER_SEC;
}

cog_reason_t cog_verify_token(apr_pool_t *p, const char *token, size_t len, const cog_verify_params_t *vp,
                              cJSON **claims, const cog_pool_t **pool_out, const char **claims_json,
                              cog_error_t *err)
{
    cog_reason_t rc;

    err->reason = COG_OK;
    err->detail = NULL;

    if (len > COG_JWT_MAX_LEN)
        return cog_fail(err, COG_E_TOKEN_TOO_LARGE,
                        apr_psprintf(p, "%" APR_SIZE_T_FMT " bytes, limit %d", len, COG_JWT_MAX_LEN));

    cog_jwt_t *jwt;
    if ((rc = cog_jwt_parse(p, token, len, &jwt, err)) != COG_OK)
        return rc;

    /* The pool is chosen before anything is fetched or verified; the claim checks
     * below compare iss again, with every other claim. */
    const cJSON *iss = cog_json_member(jwt->payload, "iss");
    if (iss == NULL)
        return cog_fail(err, COG_E_TOKEN_CLAIM_MISSING, "claim iss is missing");
    if (!cJSON_IsString(iss))
        return cog_fail(err, COG_E_TOKEN_CLAIM_TYPE, "claim iss has the wrong type or range");
    const cog_pool_t *pool = cog_pool_find(vp->pools, vp->npools, iss->valuestring);
    if (pool == NULL)
        return cog_fail(err, COG_E_TOKEN_ISSUER_MISMATCH,
                        "iss names none of the user pools this location accepts (no key was looked up)");
    cog_jwks_source_t jwks = { pool->jwks_url, vp->jwks_ttl, vp->http };
    cog_claim_policy_t policy = {
        .issuer = pool->issuer, .clients = vp->clients, .nclients = vp->nclients, .token_use = vp->token_use,
        .nonce = vp->nonce, .now = now_seconds(), .skew = vp->skew,
    };

    EVP_PKEY *pkey = NULL;
    rc = cog_jwks_get_key(p, &jwks, jwt->kid, &pkey, err);
    if (rc != COG_OK)
        return rc;
    cog_error_t stale_warning = *err;

    if ((rc = cog_jwt_verify_rs256(jwt, pkey, err)) != COG_OK)
        return rc;
    if ((rc = cog_jwt_check_claims(p, jwt->payload, &policy, err)) != COG_OK)
        return rc;

    *claims = jwt->payload;
    if (pool_out)
        *pool_out = pool;
    if (claims_json)
        *claims_json = jwt->payload_text;
    *err = stale_warning;
    return COG_OK;
}
