/*
 * check.c — the startup check (check_config hook, also `apachectl -t`) that every
 * AuthType Cognito section is complete and consistent.
 */
#include "cfg/check.h"
#include "cfg/log.h"
#include "cfg/pools.h"

#include <string.h>
#include <http_core.h>

extern module AP_MODULE_DECLARE_DATA auth_cognito_module;

const char *cog_cfg_incomplete(const cog_dir_config_t *c)
{
    if (c->client_id == NULL && !(c->bearer_clients && cog_cfg_bearer(c) == COG_BEARER_ONLY))
        return "CognitoClientID is not set";
    if (cog_cfg_issuer(c) == NULL)
        return "CognitoUserPool (or CognitoIssuer) is not set";
    const char *pools = cog_cfg_pools_invalid(c);
    if (pools)
        return pools;
    if (c->domain_prefix && c->user_pool == NULL)
        return "CognitoDomain is a prefix but CognitoUserPool (which gives the region) is not set";
    return NULL;
}

/* ---- startup validation ------------------------------------------------------------- */

static int is_enclosing_path(const char *outer, const char *inner)
{
    size_t n = outer ? strlen(outer) : 0;
    return outer && inner && n < strlen(inner) && strncmp(outer, inner, n) == 0;
}

/* Merge of the server defaults, every section of the same list whose path encloses
 * this one, then the section itself — what a request under it would (roughly) see.
 * Regex sections and .htaccess files are not modelled; requests still re-check. */
static const cog_dir_config_t *effective(apr_pool_t *p, const cog_dir_config_t *server_defaults,
                                         apr_array_header_t *sections, const cog_dir_config_t *c)
{
    const cog_dir_config_t *merged = server_defaults;
    ap_conf_vector_t **elts = (ap_conf_vector_t **)sections->elts;
    for (int i = 0; i < sections->nelts; i++) {
        const cog_dir_config_t *other = ap_get_module_config(elts[i], &auth_cognito_module);
        if (other && other != c && is_enclosing_path(other->path, c->path))
            merged = cog_merge_dir_config(p, (void *)merged, (void *)other);
    }
    return cog_merge_dir_config(p, (void *)merged, (void *)c);
}

static int check_sections(apr_pool_t *ptemp, server_rec *s, const cog_dir_config_t *defaults,
                          apr_array_header_t *sections, const char *kind)
{
    ap_conf_vector_t **elts = (ap_conf_vector_t **)sections->elts;
    for (int i = 0; i < sections->nelts; i++) {
        const cog_dir_config_t *c = ap_get_module_config(elts[i], &auth_cognito_module);
        if (c == NULL || c->auth_type_cognito != 1)
            continue;
        const char *missing = cog_cfg_incomplete(effective(ptemp, defaults, sections, c));
        if (missing) {
            ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, s,
                         "COGNITO0001: config_invalid: <%s %s> uses AuthType Cognito but %s "
                         "(server %s)", kind, c->path ? c->path : "?", missing,
                         s->server_hostname ? s->server_hostname : "default");
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    return OK;
}

int cog_check_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    for (server_rec *vs = s; vs; vs = vs->next) {
        core_server_config *core = ap_get_core_module_config(vs->module_config);
        const cog_dir_config_t *defaults = ap_get_module_config(vs->lookup_defaults, &auth_cognito_module);
        if (defaults->auth_type_cognito == 1 && cog_cfg_incomplete(defaults)) {
            ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, vs,
                         "COGNITO0001: config_invalid: AuthType Cognito at server level but %s",
                         cog_cfg_incomplete(defaults));
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        if (check_sections(ptemp, vs, defaults, core->sec_url, "Location") != OK
            || check_sections(ptemp, vs, defaults, core->sec_dir, "Directory") != OK)
            return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}
