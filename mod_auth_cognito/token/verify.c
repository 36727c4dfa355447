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

cog_reason_t cog_verify_token(apr_pool_t *p, const char *token, size_t len,
                              const cog_verify_params_t *vp, cJSON **claims, cog_error_t *err)
{
    cog_claim_policy_t policy = {
        .issuer = vp->issuer, .client_id = vp->client_id, .token_use = vp->token_use,
        .nonce = vp->nonce, .now = now_seconds(), .skew = vp->skew,
    };
    cog_reason_t rc;

    err->reason = COG_OK;
    err->detail = NULL;

    if (len > COG_JWT_MAX_LEN)
        return cog_fail(err, COG_E_TOKEN_TOO_LARGE,
                        apr_psprintf(p, "%" APR_SIZE_T_FMT " bytes, limit %d", len, COG_JWT_MAX_LEN));

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

    *claims = jwt->payload;
    *err = stale_warning;
    return COG_OK;
}
