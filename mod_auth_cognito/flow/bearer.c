/*
 * bearer.c — Bearer token authentication and RFC 6750 challenges, with the
 * per-process memo of tokens already verified (and the identity made from them).
 */
#include "flow/bearer.h"
#include "flow/challenge.h"
#include "flow/context.h"
#include "util/json.h"
#include "token/identity.h"
#include "cfg/log.h"
#include "store/memo.h"
#include "cfg/metrics.h"
#include "store/tokencache.h"
#include "util/util.h"
#include "util/bearer_header.h"
#include "token/verify.h"

#include <string.h>
#include <apr_strings.h>
#include <http_core.h>
#include <http_protocol.h>

static cog_tokencache_t *verified;     /* set once in child_init, then read-only pointer */

static apr_status_t destroy_verified(void *cache)
{
    cog_tokencache_destroy(cache);
    verified = NULL;
    return APR_SUCCESS;
}

apr_status_t cog_bearer_child_init(apr_pool_t *pchild, size_t entries)
{
    verified = cog_tokencache_create(entries);
    if (verified == NULL)
        return APR_ENOMEM;
    apr_pool_cleanup_register(pchild, verified, destroy_verified, apr_pool_cleanup_null);
    return APR_SUCCESS;
}

/* Everything a cached verification depends on: the verification policy and the
 * claim names the identity was made with. */
static int memo_key(request_rec *r, const cog_dir_config_t *c, const cog_verify_params_t *vp,
                    const char *token, size_t len, unsigned char key[COG_TOKENCACHE_KEY_LEN])
{
    apr_array_header_t *parts = apr_array_make(r->pool, 8 + vp->npools * 2 + vp->nclients, sizeof(const char *));
    for (int i = 0; i < vp->npools; i++) {
        APR_ARRAY_PUSH(parts, const char *) = vp->pools[i].issuer;
        APR_ARRAY_PUSH(parts, const char *) = vp->pools[i].id;
    }
    APR_ARRAY_PUSH(parts, const char *) = "\001clients";
    for (int i = 0; i < vp->nclients; i++)
        APR_ARRAY_PUSH(parts, const char *) = vp->clients[i];
    APR_ARRAY_PUSH(parts, const char *) = apr_psprintf(r->pool, "\001%d\n%d", (int)vp->token_use, vp->skew);
    APR_ARRAY_PUSH(parts, const char *) = c->remote_user_claim ? c->remote_user_claim : "\001default";
    APR_ARRAY_PUSH(parts, const char *) = cog_cfg_groups_claim(c);
    APR_ARRAY_PUSH(parts, const char *) = cog_cfg_tenant_claim(c);
    APR_ARRAY_PUSH(parts, const char *) = cog_cfg_pass_claims_as(c) & COG_PASS_HEADERS ? "headers" : "env";
    return cog_tokencache_key(apr_array_pstrcat(r->pool, parts, '\n'), token, len, key);
}

/* Verifies the token and makes its identity in r->pool; *keep is a memo of it for
 * the token table when wanted (the token was seen before), else NULL. */
static cog_reason_t verify_and_render(request_rec *r, const cog_dir_config_t *c, const cog_verify_params_t *vp,
                                      const char *token, size_t len, int want_memo,
                                      const cog_rendered_identity_t **out, cog_memo_t **keep, double *exp,
                                      cog_error_t *err)
{
    cJSON *claims = NULL;
    const cog_pool_t *pool = NULL;
    const char *claims_json = NULL;
    cog_reason_t rc = cog_verify_token(r->pool, token, len, vp, &claims, &pool, &claims_json, err);
    if (rc != COG_OK)
        return rc;
    cog_error_t stale = *err;
    cog_rendered_identity_t *id;
    cog_identity_source_t src = { cog_json_string(claims, "scope"), pool->id, claims_json };
    if ((rc = cog_identity_render(r->pool, c, claims, &src, &id, err)) != COG_OK)
        return rc;
    *keep = NULL;
    if (want_memo) {
        cog_rendered_identity_t *copy = cog_identity_copy(id);
        *keep = copy ? cog_memo_adopt(copy, cog_identity_free_copy) : NULL;   /* none: just not cached */
    }
    *out = id;
    *exp = cog_jwt_numeric_date(claims, "exp");
    *err = stale;
    return COG_OK;
}

int cog_bearer_present(request_rec *r)
{
    const char *h = apr_table_get(r->headers_in, "Authorization");
    const char *token;
    size_t len;
    return h && cog_parse_bearer_header(h, &token, &len) != COG_BEARER_OTHER_SCHEME;
}

static int refuse(request_rec *r, const cog_error_t *err)
{
    cog_metrics_inc(COG_M_BEARER, err->reason);
    return cog_challenge_bearer_refused(r, err);
}

int cog_bearer_authenticate(request_rec *r, const cog_dir_config_t *c)
{
    const char *header = apr_table_get(r->headers_in, "Authorization");
    const char *token;
    size_t len;
    cog_error_t err = { COG_OK, NULL };

    if (header == NULL)
        return cog_challenge_bearer_missing(r, "no Authorization header");
    switch (cog_parse_bearer_header(header, &token, &len)) {
    case COG_BEARER_OTHER_SCHEME:
        return cog_challenge_bearer_missing(r, "the Authorization header uses another scheme");
    case COG_BEARER_BAD_SYNTAX:
        cog_fail(&err, COG_E_TOKEN_MALFORMED, "the Authorization header is not a valid Bearer b64token");
        return refuse(r, &err);
    case COG_BEARER_FOUND:
        break;
    }

    cog_verify_params_t vp;
    cog_ctx_verify_params(r, c, COG_TOKEN_ACCESS, NULL, &vp);
    vp.clients = cog_cfg_bearer_clients(c, &vp.nclients);
    unsigned char key[COG_TOKENCACHE_KEY_LEN];
    double now = (double)apr_time_now() / APR_USEC_PER_SEC;
    int use_memo = verified != NULL && len <= COG_JWT_MAX_LEN && memo_key(r, c, &vp, token, len, key) == 0;
    cog_memo_t *m = use_memo ? cog_tokencache_get(verified, r->pool, key, now) : NULL;
    const cog_rendered_identity_t *id;
    int seen_before = m != NULL;
    if (seen_before) {
        id = m->data;
    } else {
        double exp = 0;
        cog_memo_t *keep = NULL;
        int admit = use_memo && cog_tokencache_seen_before(verified, key);
        cog_reason_t rc = verify_and_render(r, c, &vp, token, len, admit, &id, &keep, &exp, &err);
        if (rc != COG_OK)
            return refuse(r, &err);
        if (err.detail) {
            cog_error_t warn = { COG_E_JWKS_UNAVAILABLE, err.detail };
            cog_log_reason(r, APLOG_WARNING, &warn, "key set refresh failed");
        }
        /* Kept until exp itself; the skew only widens acceptance at verification. */
        if (keep) {
            cog_tokencache_put(verified, key, now, exp, keep);
            cog_memo_release(keep);
        }
    }
    cog_identity_publish(r, c, id, 1);
    cog_identity_set_tokens(r, c, apr_pstrmemdup(r->pool, token, len), NULL);
    cog_metrics_inc(COG_M_BEARER, COG_OK);
    if (APLOGrdebug(r))
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "bearer token accepted for user %s (%s)",
                      r->user, seen_before ? "verified before" : "verified");
    return OK;
}
