/*
 * identity.c — r->user, environment export and per-request identity notes.
 */
#include "token/identity.h"
#include "token/claims.h"
#include "cfg/pools.h"
#include "util/json.h"
#include "token/jwt.h"
#include "cfg/log.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <apr_hash.h>
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

static int same_name(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* Two claims can map to one name (custom:plan, custom_plan): the later one wins,
 * as it would with apr_table_setn, so publishing can simply add.  Generated names
 * are exact (upper-case env names, word-capitalised header names): a hash finds
 * the repeats in one pass from the end. */
static void drop_shadowed_names(apr_pool_t *p, cog_identity_var_t *v, int n)
{
    apr_hash_t *seen = apr_hash_make(p);
    for (int i = n - 1; i >= 0; i--) {
        if (v[i].header && strlen(v[i].value) > COG_MAX_HEADER_VALUE)
            v[i].header = NULL;
        if (v[i].env) {
            if (apr_hash_get(seen, v[i].env, APR_HASH_KEY_STRING))
                v[i].env = NULL;
            else
                apr_hash_set(seen, v[i].env, APR_HASH_KEY_STRING, v);
        }
        if (v[i].header) {
            if (apr_hash_get(seen, v[i].header, APR_HASH_KEY_STRING))
                v[i].header = NULL;
            else
                apr_hash_set(seen, v[i].header, APR_HASH_KEY_STRING, v);
        }
    }
}

static const char *user_of(apr_pool_t *p, const cog_dir_config_t *c, const cJSON *claims)
{
    if (c->remote_user_claim)
        return cog_claims_user(p, claims, c->remote_user_claim);
    const char *user = cog_claims_user(p, claims, default_user_claim(claims));
    /* Machine-to-machine (client_credentials) tokens have no username; Cognito
     * sets sub to the client id there, which is the caller's identity. */
    return user ? user : cog_claims_user(p, claims, "sub");
}

cog_reason_t cog_identity_render(apr_pool_t *p, const cog_dir_config_t *c, const cJSON *claims,
                                 const cog_identity_source_t *src, cog_rendered_identity_t **out,
                                 cog_error_t *err)
{
    const char *user = user_of(p, c, claims);
    if (user == NULL)
        return cog_fail(err, COG_E_TOKEN_NO_USER,
                        c->remote_user_claim ? "the CognitoRemoteUserClaim claim is absent or empty"
                                             : "the token has neither a username nor a sub");
    const char *pool_id = src->pool_id;
    if (pool_id == NULL && cog_cfg_pool(c, 0))
        pool_id = cog_cfg_pool(c, 0)->id;

    cog_rendered_identity_t *id = apr_pcalloc(p, sizeof(*id));
    id->user_claim = c->remote_user_claim ? apr_pstrdup(p, c->remote_user_claim) : NULL;
    id->groups_claim = apr_pstrdup(p, cog_cfg_groups_claim(c));
    id->tenant_claim = apr_pstrdup(p, cog_cfg_tenant_claim(c));
    id->pool_id = pool_id ? apr_pstrdup(p, pool_id) : NULL;
    id->with_headers = (cog_cfg_pass_claims_as(c) & COG_PASS_HEADERS) != 0;
    cog_claim_names_t names = {
        .remote_user_claim = id->user_claim, .groups_claim = id->groups_claim, .tenant_claim = id->tenant_claim,
        .pool_id = id->pool_id, .claims_json = src->claims_json,
    };
    apr_array_header_t *vars = cog_claims_identity(p, claims, &names, id->with_headers);
    /* A session's claims come from the ID token, which has no scope: use the access token's. */
    if (src->scope && cog_json_member(claims, "scope") == NULL) {
        cog_identity_var_t *sv = apr_array_push(vars);
        sv->env = "COGNITO_SCOPE";
        sv->header = "X-Cognito-Scope";
        sv->value = cog_claim_sanitize(p, src->scope);
    }
    drop_shadowed_names(p, (cog_identity_var_t *)vars->elts, vars->nelts);
    id->user = user;
    id->vars = (cog_identity_var_t *)vars->elts;
    id->nvars = vars->nelts;
    id->claims = claims;
    id->scope = src->scope ? apr_pstrdup(p, src->scope) : NULL;
    *out = id;
    return COG_OK;
}

/* The copy is one block: the struct, the variables, then every string. */
static size_t text_size(const char *s)
{
    return s ? strlen(s) + 1 : 0;
}

static const char *put_text(char **cursor, const char *s)
{
    if (s == NULL)
        return NULL;
    size_t n = strlen(s) + 1;
    char *out = memcpy(*cursor, s, n);
    *cursor += n;
    return out;
}

cog_rendered_identity_t *cog_identity_copy(const cog_rendered_identity_t *id)
{
    size_t bytes = sizeof(*id) + sizeof(cog_identity_var_t) * (size_t)id->nvars + text_size(id->user)
                 + text_size(id->scope) + text_size(id->user_claim) + text_size(id->groups_claim)
                 + text_size(id->tenant_claim) + text_size(id->pool_id);
    for (int i = 0; i < id->nvars; i++)
        bytes += text_size(id->vars[i].env) + text_size(id->vars[i].header) + text_size(id->vars[i].value);
    cog_rendered_identity_t *copy = malloc(bytes);
    cJSON *claims = copy ? cJSON_Duplicate(id->claims, 1) : NULL;
    if (claims == NULL) {
        free(copy);
        return NULL;
    }
    cog_identity_var_t *vars = (cog_identity_var_t *)(copy + 1);
    char *cursor = (char *)(vars + id->nvars);
    for (int i = 0; i < id->nvars; i++) {
        vars[i].env = put_text(&cursor, id->vars[i].env);
        vars[i].header = put_text(&cursor, id->vars[i].header);
        vars[i].value = put_text(&cursor, id->vars[i].value);
    }
    copy->user = put_text(&cursor, id->user);
    copy->scope = put_text(&cursor, id->scope);
    copy->user_claim = put_text(&cursor, id->user_claim);
    copy->groups_claim = put_text(&cursor, id->groups_claim);
    copy->tenant_claim = put_text(&cursor, id->tenant_claim);
    copy->pool_id = put_text(&cursor, id->pool_id);
    copy->vars = vars;
    copy->nvars = id->nvars;
    copy->with_headers = id->with_headers;
    copy->claims = claims;
    return copy;
}

void cog_identity_free_copy(void *copy)
{
    cog_rendered_identity_t *id = copy;
    if (id) {
        cJSON_Delete((cJSON *)id->claims);
        free(id);
    }
}

int cog_identity_rendered_for(const cog_rendered_identity_t *id, const cog_dir_config_t *c)
{
    return same_name(id->user_claim, c->remote_user_claim)
        && same_name(id->groups_claim, cog_cfg_groups_claim(c))
        && same_name(id->tenant_claim, cog_cfg_tenant_claim(c))
        && (id->with_headers || !(cog_cfg_pass_claims_as(c) & COG_PASS_HEADERS));
}

static int has_prefix(const char *name, const void *prefix)
{
    return strncasecmp(name, prefix, strlen(prefix)) == 0;
}

void cog_identity_publish(request_rec *r, const cog_dir_config_t *c, const cog_rendered_identity_t *rid,
                          int via_bearer)
{
    r->user = (char *)rid->user;
    r->ap_auth_type = "Cognito";
    int pass = cog_cfg_pass_claims_as(c);
    /* The COGNITO_* and X-Cognito-* names are ours alone: whatever carries them
     * already (a subrequest's copy of its parent's, a SetEnv) goes first, and then
     * each variable is added without a lookup — apr_table_setn would compare every
     * name with every COGNITO_* entry before it, as they all share one checksum. */
    if (pass & COG_PASS_ENV)
        cog_table_unset_if(r->pool, r->subprocess_env, has_prefix, "COGNITO_");
    if (pass & COG_PASS_HEADERS)
        cog_table_unset_if(r->pool, r->headers_in, has_prefix, "X-Cognito-");
    for (int i = 0; i < rid->nvars; i++) {
        if ((pass & COG_PASS_ENV) && rid->vars[i].env)
            apr_table_addn(r->subprocess_env, rid->vars[i].env, rid->vars[i].value);
        if ((pass & COG_PASS_HEADERS) && rid->vars[i].header)
            apr_table_addn(r->headers_in, rid->vars[i].header, rid->vars[i].value);
    }

    cog_request_identity_t *id = apr_pcalloc(r->pool, sizeof(*id));
    id->claims = rid->claims;
    id->scope = rid->scope;
    id->via_bearer = via_bearer;
    id->tokens_expire = cog_jwt_numeric_date(rid->claims, "exp");
    id->issuer = cog_json_string(rid->claims, "iss");
    /* A Bearer token names its app client; a session belongs to the one that logged it in. */
    id->client_id = via_bearer ? cog_json_string(rid->claims, "client_id") : c->client_id;
    id->pool_id = rid->pool_id;
    ap_set_module_config(r->request_config, &auth_cognito_module, id);
}

cog_reason_t cog_identity_apply(request_rec *r, const cog_dir_config_t *c, const cJSON *claims,
                                const char *scope, const char *pool_id, int via_bearer, cog_error_t *err)
{
    cog_rendered_identity_t *id;
    cog_identity_source_t src = { scope, pool_id, NULL };
    cog_reason_t rc = cog_identity_render(r->pool, c, claims, &src, &id, err);
    if (rc == COG_OK)
        cog_identity_publish(r, c, id, via_bearer);
    return rc;
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

void cog_identity_set_aws(request_rec *r, const cog_aws_state_t *aws)
{
    cog_request_identity_t *id = ap_get_module_config(r->request_config, &auth_cognito_module);
    if (id)
        id->aws = aws;
}

void cog_identity_set_session(request_rec *r, double session_expires, double tokens_expire)
{
    cog_request_identity_t *id = ap_get_module_config(r->request_config, &auth_cognito_module);
    if (id) {
        id->session_expires = session_expires;
        id->tokens_expire = tokens_expire;
    }
}

/* 1 when configuration c accepts identities of prior's pool and app client. */
static int trusted_here(const cog_request_identity_t *prior, const cog_dir_config_t *c)
{
    int n = 0;
    const char *const *clients = prior->via_bearer ? cog_cfg_bearer_clients(c, &n) : &c->client_id;
    if (!prior->via_bearer)
        n = c->client_id ? 1 : 0;
    if (prior->client_id == NULL || cog_cfg_pool_by_issuer(c, prior->issuer) == NULL)
        return 0;
    for (int i = 0; i < n; i++)
        if (strcmp(clients[i], prior->client_id) == 0)
            return 1;
    return 0;
}

cog_reason_t cog_identity_inherit(request_rec *r, const cog_dir_config_t *c, int must_match)
{
    request_rec *origin = r->main ? r->main : r->prev;
    const cog_request_identity_t *prior = origin ? cog_identity_get(origin) : NULL;
    cog_error_t err = { COG_OK, NULL };
    if (prior == NULL || origin->user == NULL || *origin->user == '\0' || prior->issuer == NULL)
        return COG_E_LOGIN_REQUIRED;
    /* Under AuthType Cognito for another pool or client, the earlier check does not count. */
    if (must_match && !trusted_here(prior, c))
        return COG_E_LOGIN_REQUIRED;
    /* A subrequest asks for another resource: its own settings apply.  An internal
     * redirect (an Action handler, an ErrorDocument) serves the original request:
     * that request's settings apply. */
    const cog_dir_config_t *export_cfg = r->main ? c
        : ap_get_module_config(origin->per_dir_config, &auth_cognito_module);
    cog_reason_t rc = cog_identity_apply(r, export_cfg, prior->claims, prior->scope, prior->pool_id,
                                         prior->via_bearer, &err);
    if (rc != COG_OK)
        return rc;
    r->user = origin->user;                 /* the name the chain was authenticated as */
    cog_identity_set_tokens(r, export_cfg, prior->access_token, prior->id_token);
    cog_identity_set_session(r, prior->session_expires, prior->tokens_expire);
    cog_identity_set_aws(r, prior->aws);
    return COG_OK;
}
