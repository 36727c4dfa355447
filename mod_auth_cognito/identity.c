/*
 * identity.c — r->user, environment export and per-request identity notes.
 */
#include "identity.h"
#include "claims.h"
#include "json.h"
#include "log.h"

#include <string.h>
#include <http_config.h>

extern module AP_MODULE_DECLARE_DATA auth_cognito_module;

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
    apr_array_header_t *vars = cog_claims_identity(r->pool, claims, &names);
    const cog_identity_var_t *v = (const cog_identity_var_t *)vars->elts;
    for (int i = 0; i < vars->nelts; i++)
        apr_table_setn(r->subprocess_env, v[i].env, v[i].value);
    /* A session's claims come from the ID token, which has no scope: use the access token's. */
    if (scope && cog_json_member(claims, "scope") == NULL)
        apr_table_setn(r->subprocess_env, "COGNITO_SCOPE", cog_claim_sanitize(r->pool, scope));

    cog_request_identity_t *id = apr_pcalloc(r->pool, sizeof(*id));
    id->claims = claims;
    id->scope = scope;
    id->via_bearer = via_bearer;
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

void cog_identity_set_tokens(request_rec *r, const char *access_token, const char *id_token)
{
    cog_request_identity_t *id = ap_get_module_config(r->request_config, &auth_cognito_module);
    if (id) {
        id->access_token = access_token;
        id->id_token = id_token;
    }
}
