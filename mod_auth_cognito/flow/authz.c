/*
 * authz.c — the Require providers, and RFC 6750's answer when they refuse a
 * Bearer caller.
 */
#include "flow/authz.h"
#include "flow/challenge.h"
#include "flow/session.h"
#include "token/claims.h"
#include "cfg/config.h"
#include "token/identity.h"
#include "util/json.h"
#include "cfg/log.h"

#include <string.h>
#include <apr_strings.h>
#include <ap_expr.h>
#include <http_config.h>
#include <http_request.h>
#include <mod_auth.h>

extern module AP_MODULE_DECLARE_DATA auth_cognito_module;

typedef enum { RULE_GROUP, RULE_CLAIM, RULE_TENANT, RULE_SCOPE, RULE_POOL, RULE_ROLE } rule_t;

/* The scopes of refused `Require cognito-scope` lines, for the 403's scope="…". */
#define NOTE_SCOPES_NEEDED "cognito-scopes-needed"
/* Set when one of our providers refused (CognitoRefreshOnForbidden acts only then). */
#define NOTE_REFUSED "cognito-refused"

static const char *rule_name(rule_t rule)
{
    static const char *const names[] = { "cognito-group", "cognito-claim", "cognito-tenant", "cognito-scope",
                                         "cognito-pool", "cognito-role" };
    return names[rule];
}

static int count_words(apr_pool_t *p, const char *line)
{
    int n = 0;
    while (line && *line) {
        const char *w = ap_getword_conf(p, &line);
        if (*w)
            n++;
    }
    return n;
}

static const char *parse(cmd_parms *cmd, const char *line, const void **parsed, rule_t rule)
{
    int need = rule == RULE_CLAIM ? 2 : 1;
    if (count_words(cmd->temp_pool, line) < need)
        return apr_psprintf(cmd->pool, "Require %s needs %s", rule_name(rule),
                            rule == RULE_CLAIM ? "a claim name and at least one value"
                                               : "at least one value");
    const char *err = NULL;
    ap_expr_info_t *expr = ap_expr_parse_cmd(cmd, line, AP_EXPR_FLAG_STRING_RESULT, &err, NULL);
    if (err)
        return apr_psprintf(cmd->pool, "Cannot parse expression in Require %s: %s", rule_name(rule), err);
    *parsed = expr;
    return NULL;
}

static const char *parse_group(cmd_parms *cmd, const char *line, const void **parsed)  { return parse(cmd, line, parsed, RULE_GROUP); }
static const char *parse_claim(cmd_parms *cmd, const char *line, const void **parsed)  { return parse(cmd, line, parsed, RULE_CLAIM); }
static const char *parse_tenant(cmd_parms *cmd, const char *line, const void **parsed) { return parse(cmd, line, parsed, RULE_TENANT); }
static const char *parse_scope(cmd_parms *cmd, const char *line, const void **parsed)  { return parse(cmd, line, parsed, RULE_SCOPE); }
static const char *parse_pool(cmd_parms *cmd, const char *line, const void **parsed)   { return parse(cmd, line, parsed, RULE_POOL); }
static const char *parse_role(cmd_parms *cmd, const char *line, const void **parsed)   { return parse(cmd, line, parsed, RULE_ROLE); }

/* 1 when the claim value (string, number, boolean, or any array element) equals v. */
static int value_matches(apr_pool_t *p, const cJSON *value, const char *v)
{
    if (cJSON_IsArray(value)) {
        for (const cJSON *e = value->child; e; e = e->next)
            if (!cJSON_IsArray(e) && !cJSON_IsObject(e) && strcmp(cog_claim_text(p, e), v) == 0)
                return 1;
        return 0;
    }
    if (cJSON_IsString(value) || cJSON_IsNumber(value) || cJSON_IsBool(value))
        return strcmp(cog_claim_text(p, value), v) == 0;
    return 0;
}

static int scope_has(const char *scope, const char *wanted)
{
    size_t n = strlen(wanted);
    for (const char *s = scope; s && *s; ) {
        while (*s == ' ')
            s++;
        const char *end = strchr(s, ' ');
        size_t len = end ? (size_t)(end - s) : strlen(s);
        if (len == n && n > 0 && strncmp(s, wanted, n) == 0)
            return 1;
        s += len;
    }
    return 0;
}

/* Adds the words of a refused scope line to the request's list (once each). */
static void note_scopes_needed(request_rec *r, const char *values)
{
    const char *noted = apr_table_get(r->notes, NOTE_SCOPES_NEEDED);
    apr_array_header_t *words = apr_array_make(r->pool, 4, sizeof(const char *));
    if (noted && *noted)
        APR_ARRAY_PUSH(words, const char *) = noted;
    while (*values) {
        const char *w = ap_getword_conf(r->pool, &values);
        if (*w && !scope_has(noted, w))
            APR_ARRAY_PUSH(words, const char *) = w;
    }
    apr_table_setn(r->notes, NOTE_SCOPES_NEEDED, apr_array_pstrcat(r->pool, words, ' '));
}

/* An IAM role matches by its whole ARN or by its name (what follows the last '/'). */
static int role_is(const cJSON *v, const char *wanted)
{
    if (!cJSON_IsString(v))
        return 0;
    const char *slash = strrchr(v->valuestring, '/');
    return strcmp(v->valuestring, wanted) == 0 || (slash && strchr(wanted, '/') == NULL && strcmp(slash + 1, wanted) == 0);
}

static int has_role(const cJSON *claims, const char *wanted)
{
    if (role_is(cog_json_member(claims, "cognito:preferred_role"), wanted))
        return 1;
    const cJSON *roles = cog_json_member(claims, "cognito:roles");
    for (const cJSON *e = cJSON_IsArray(roles) ? roles->child : NULL; e; e = e->next)
        if (role_is(e, wanted))
            return 1;
    return 0;
}

static authz_status check(request_rec *r, const char *line, const void *parsed, rule_t rule)
{
    if (r->user == NULL)
        return AUTHZ_DENIED_NO_USER;
    const cog_request_identity_t *id = cog_identity_get(r);
    if (id == NULL || *r->user == '\0') {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "authorization: Require %s refused: the user was not "
                      "authenticated by AuthType Cognito", rule_name(rule));
        return AUTHZ_DENIED;
    }
    const char *err = NULL;
    const char *expanded = ap_expr_str_exec(r, parsed, &err);
    if (err) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "COGNITO0001: config_invalid: cannot evaluate Require %s: %s",
                      rule_name(rule), err);
        return AUTHZ_GENERAL_ERROR;
    }
    const cog_dir_config_t *c = ap_get_module_config(r->per_dir_config, &auth_cognito_module);
    const char *claim_name = NULL;
    if (rule == RULE_CLAIM) {
        claim_name = ap_getword_conf(r->pool, &expanded);
    } else if (rule == RULE_GROUP) {
        claim_name = cog_cfg_groups_claim(c);
    } else if (rule == RULE_TENANT) {
        claim_name = cog_cfg_tenant_claim(c);
    }
    const cJSON *value = claim_name ? cog_json_member(id->claims, claim_name) : NULL;
    const char *values = expanded;

    while (*expanded) {
        const char *wanted = ap_getword_conf(r->pool, &expanded);
        if (*wanted == '\0')
            continue;
        int match = rule == RULE_SCOPE ? scope_has(id->scope, wanted)
                  : rule == RULE_POOL ? id->pool_id && strcmp(id->pool_id, wanted) == 0
                  : rule == RULE_ROLE ? has_role(id->claims, wanted)
                  : value && value_matches(r->pool, value, wanted);
        if (match)
            return AUTHZ_GRANTED;
    }
    if (rule == RULE_SCOPE)
        note_scopes_needed(r, values);
    apr_table_setn(r->notes, NOTE_REFUSED, rule_name(rule));
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "authorization: user %s refused by Require %s %s",
                  r->user, rule_name(rule), line);
    return AUTHZ_DENIED;
}

static authz_status check_group(request_rec *r, const char *l, const void *p)  { return check(r, l, p, RULE_GROUP); }
static authz_status check_claim(request_rec *r, const char *l, const void *p)  { return check(r, l, p, RULE_CLAIM); }
static authz_status check_tenant(request_rec *r, const char *l, const void *p) { return check(r, l, p, RULE_TENANT); }
static authz_status check_scope(request_rec *r, const char *l, const void *p)  { return check(r, l, p, RULE_SCOPE); }
static authz_status check_pool(request_rec *r, const char *l, const void *p)   { return check(r, l, p, RULE_POOL); }
static authz_status check_role(request_rec *r, const char *l, const void *p)   { return check(r, l, p, RULE_ROLE); }

static const authz_provider group_provider  = { check_group, parse_group };
static const authz_provider claim_provider  = { check_claim, parse_claim };
static const authz_provider tenant_provider = { check_tenant, parse_tenant };
static const authz_provider scope_provider  = { check_scope, parse_scope };
static const authz_provider pool_provider   = { check_pool, parse_pool };
static const authz_provider role_provider   = { check_role, parse_role };

void cog_authz_register(apr_pool_t *p)
{
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "cognito-group", AUTHZ_PROVIDER_VERSION,
                              &group_provider, AP_AUTH_INTERNAL_PER_CONF);
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "cognito-claim", AUTHZ_PROVIDER_VERSION,
                              &claim_provider, AP_AUTH_INTERNAL_PER_CONF);
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "cognito-tenant", AUTHZ_PROVIDER_VERSION,
                              &tenant_provider, AP_AUTH_INTERNAL_PER_CONF);
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "cognito-scope", AUTHZ_PROVIDER_VERSION,
                              &scope_provider, AP_AUTH_INTERNAL_PER_CONF);
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "cognito-pool", AUTHZ_PROVIDER_VERSION,
                              &pool_provider, AP_AUTH_INTERNAL_PER_CONF);
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "cognito-role", AUTHZ_PROVIDER_VERSION,
                              &role_provider, AP_AUTH_INTERNAL_PER_CONF);
}

/* The auth_checker hooks after ours (mod_authz_core's Require evaluation), run here. */
static int run_rest_of_chain(request_rec *r)
{
    apr_array_header_t *hooks = ap_hook_get_auth_checker();
    const ap_LINK_auth_checker_t *hook = (const ap_LINK_auth_checker_t *)hooks->elts;
    int rc = DECLINED;
    for (int i = 0; i < hooks->nelts && rc == DECLINED; i++)
        if (hook[i].pFunc != cog_authz_checker)
            rc = hook[i].pFunc(r);
    return rc;
}

/* Two answers mod_authz_core cannot give, so this hook (first in the auth_checker
 * chain) runs the rest of the chain itself for requests this module authenticated:
 *  - a refused Bearer caller gets RFC 6750's 403 insufficient_scope, whatever
 *    AuthzSendForbiddenOnFailure says (mod_authz_core would answer 401, or a bare 403);
 *  - with CognitoRefreshOnForbidden, a signed-in browser user refused by a
 *    Require cognito-* line gets one token refresh and a second decision (groups
 *    added in Cognito appear only in tokens issued after the change).
 * Everything else passes through untouched. */
int cog_authz_checker(request_rec *r)
{
    const cog_request_identity_t *id = ap_get_module_config(r->request_config, &auth_cognito_module);
    if (id == NULL || r->user == NULL || *r->user == '\0')
        return DECLINED;
    const cog_dir_config_t *c = ap_get_module_config(r->per_dir_config, &auth_cognito_module);
    int second_chance = !id->via_bearer && cog_cfg_refresh_on_forbidden(c) > 0;
    if (!id->via_bearer && !second_chance)
        return DECLINED;
    int rc = run_rest_of_chain(r);
    if (rc != HTTP_UNAUTHORIZED && rc != HTTP_FORBIDDEN)
        return rc;
    if (id->via_bearer)
        return cog_challenge_bearer_forbidden(r, apr_table_get(r->notes, NOTE_SCOPES_NEEDED));
    if (apr_table_get(r->notes, NOTE_REFUSED) == NULL || !cog_session_refresh_claims(r, c))
        return rc;
    apr_table_unset(r->notes, NOTE_REFUSED);
    apr_table_unset(r->notes, NOTE_SCOPES_NEEDED);
    return run_rest_of_chain(r);
}
