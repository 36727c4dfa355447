/*
 * identity.c — r->user, environment export and per-request identity notes.
 */
#include "identity.h"
#include "claims.h"
#include "json.h"
#include "jwt.h"
#include "log.h"

#include <string.h>
#include <apr_strings.h>
#include <http_config.h>

extern module AP_MODULE_DECLARE_DATA auth_cognito_module;

/* Backends commonly refuse header lines over 8 KB (LimitRequestFieldSize); a longer
 * value is left out of the headers (it is still in the environment). */
#define COG_MAX_HEADER_VALUE 7680

static const char *default_user_claim(const cJSON *claims)
{
    const char *use = cog_json_string(claims, "token_use");
    return use && strcmp(use, "access") == 0 ? "username" : "cognito:username";
}

cog_reason_t cog_identity_apply(request_rec *r, const cog_dir_config_t *c, const cJSON *claims,
                                const char *scope, int via_bearer, cog_error_t *err)
{
    const char *user;
    if (c->remote_user_claim) {
        user = cog_claims_user(r->pool, claims, c->remote_user_claim);
    } else {
        user = cog_claims_user(r->pool, claims, default_user_claim(claims));
        /* Machine-to-machine (client_credentials) tokens have no username; Cognito
         * sets sub to the client id there, which is the caller's identity. */
        if (user == NULL)
            user = cog_claims_user(r->pool, claims, "sub");
    }
    if (user == NULL)
        return cog_fail(err, COG_E_TOKEN_NO_USER,
                        c->remote_user_claim ? "the CognitoRemoteUserClaim claim is absent or empty"
                                             : "the token has neither a username nor a sub");

    r->user = (char *)user;
    r->ap_auth_type = "Cognito";

    cog_claim_names_t names = {
        .remote_user_claim = c->remote_user_claim,
        .groups_claim = cog_cfg_groups_claim(c),
        .tenant_claim = cog_cfg_tenant_claim(c),
    };
    int pass = cog_cfg_pass_claims_as(c);
    apr_array_header_t *vars = cog_claims_identity(r->pool, claims, &names, (pass & COG_PASS_HEADERS) != 0);
    /* A session's claims come from the ID token, which has no scope: use the access token's. */
    if (scope && cog_json_member(claims, "scope") == NULL) {
        cog_identity_var_t *sv = apr_array_push(vars);
        sv->env = "COGNITO_SCOPE";
        sv->header = "X-Cognito-Scope";
        sv->value = cog_claim_sanitize(r->pool, scope);
    }
    const cog_identity_var_t *v = (const cog_identity_var_t *)vars->elts;
    for (int i = 0; i < vars->nelts; i++) {
        if (pass & COG_PASS_ENV)
            apr_table_setn(r->subprocess_env, v[i].env, v[i].value);
        if ((pass & COG_PASS_HEADERS) && v[i].header && strlen(v[i].value) <= COG_MAX_HEADER_VALUE)
            apr_table_setn(r->headers_in, v[i].header, v[i].value);
    }

    cog_request_identity_t *id = apr_pcalloc(r->pool, sizeof(*id));
    id->claims = claims;
    id->scope = scope;
    id->via_bearer = via_bearer;
    id->tokens_expire = cog_jwt_numeric_date(claims, "exp");
    id->issuer = cog_cfg_issuer(c);
    id->client_id = c->client_id;
    ap_set_module_config(r->request_config, &auth_cognito_module, id);
    return COG_OK;
}

const cog_request_identity_t *cog_identity_get(request_rec *r)
{
    for (request_rec *q = r; q; q = q->main ? q->main : q->prev) {
        const cog_request_identity_t *id = ap_get_module_config(q->request_config, &auth_cognito_module);
        if (id)
            return id;
    }
    return NULL;
}

void cog_identity_set_tokens(request_rec *r, const cog_dir_config_t *c, const char *access_token,
                             const char *id_token)
{
    cog_request_identity_t *id = ap_get_module_config(r->request_config, &auth_cognito_module);
    if (id == NULL)
        return;
    id->access_token = access_token;
    id->id_token = id_token;
    if (!cog_cfg_pass_tokens(c))
        return;
    int pass = cog_cfg_pass_claims_as(c);
    if (pass & COG_PASS_ENV) {
        if (access_token)
            apr_table_setn(r->subprocess_env, "COGNITO_ACCESS_TOKEN", access_token);
        if (id_token)
            apr_table_setn(r->subprocess_env, "COGNITO_ID_TOKEN", id_token);
    }
    if ((pass & COG_PASS_HEADERS) && access_token)
        apr_table_setn(r->headers_in, "Authorization", apr_pstrcat(r->pool, "Bearer ", access_token, NULL));
}

void cog_identity_set_session(request_rec *r, double session_expires, double tokens_expire)
{
    cog_request_identity_t *id = ap_get_module_config(r->request_config, &auth_cognito_module);
    if (id) {
        id->session_expires = session_expires;
        id->tokens_expire = tokens_expire;
    }
}

cog_reason_t cog_identity_inherit(request_rec *r, const cog_dir_config_t *c, int must_match)
{
    request_rec *origin = r->main ? r->main : r->prev;
    const cog_request_identity_t *prior = origin ? cog_identity_get(origin) : NULL;
    cog_error_t err = { COG_OK, NULL };
    if (prior == NULL || origin->user == NULL || *origin->user == '\0' || prior->issuer == NULL)
        return COG_E_LOGIN_REQUIRED;
    /* Under AuthType Cognito for another pool or client, the earlier check does not count. */
    if (must_match && (cog_cfg_issuer(c) == NULL || c->client_id == NULL
                       || strcmp(prior->issuer, cog_cfg_issuer(c)) != 0
                       || strcmp(prior->client_id, c->client_id) != 0))
        return COG_E_LOGIN_REQUIRED;
    /* A subrequest asks for another resource: its own settings apply.  An internal
     * redirect (an Action handler, an ErrorDocument) serves the original request:
     * that request's settings apply. */
    const cog_dir_config_t *export_cfg = r->main ? c
        : ap_get_module_config(origin->per_dir_config, &auth_cognito_module);
    cog_reason_t rc = cog_identity_apply(r, export_cfg, prior->claims, prior->scope, prior->via_bearer, &err);
    if (rc != COG_OK)
        return rc;
    r->user = origin->user;                 /* the name the chain was authenticated as */
    cog_identity_set_tokens(r, export_cfg, prior->access_token, prior->id_token);
    cog_identity_set_session(r, prior->session_expires, prior->tokens_expire);
    return COG_OK;
}
