/*
 * config.c — per-directory and server configuration: create, merge, defaults.
 */
#include "cfg/config.h"
#include "cfg/values.h"
#include "util/crypto.h"
#include "cfg/log.h"
#include "util/util.h"

#include <string.h>
#include <apr_strings.h>
#include <apr_uri.h>
#include <http_core.h>

extern module AP_MODULE_DECLARE_DATA auth_cognito_module;

/* ---- create / merge ---------------------------------------------------------------- */

void *cog_create_dir_config(apr_pool_t *p, char *path)
{
    cog_dir_config_t *c = apr_pcalloc(p, sizeof(*c));
    c->path = path;
    c->auth_type_cognito = COG_UNSET;
#define UNSET(field, dflt) c->field = COG_UNSET;
    COG_INT_SETTINGS(UNSET)
#undef UNSET
    return c;
}

#define MERGE_PTR(f) c->f = add->f ? add->f : base->f
#define MERGE_INT(f) c->f = add->f != COG_UNSET ? add->f : base->f

void *cog_merge_dir_config(apr_pool_t *p, void *base_v, void *add_v)
{
    const cog_dir_config_t *base = base_v, *add = add_v;
    cog_dir_config_t *c = apr_pcalloc(p, sizeof(*c));
    c->path = add->path;
    MERGE_INT(auth_type_cognito);
#define MERGE_INT_SETTING(field, dflt) MERGE_INT(field);
#define MERGE_STRING_SETTING(field, dflt) MERGE_PTR(field);
    COG_INT_SETTINGS(MERGE_INT_SETTING)
    COG_STRING_SETTINGS(MERGE_STRING_SETTING)
    /* The pool and its issuer override travel together (a section naming its own
     * pool must not inherit an issuer meant for another), as do the domain and
     * its prefix. */
    const cog_dir_config_t *pool = add->pools ? add : base;
    const cog_dir_config_t *domain = add->domain || add->domain_prefix ? add : base;
    c->user_pool = pool->user_pool;
    c->pool_ids = pool->pool_ids;
    c->issuers = pool->issuers;
    c->pools = pool->pools;
    c->domain = domain->domain;
    c->domain_prefix = domain->domain_prefix;
    MERGE_PTR(client_id);
    MERGE_PTR(bearer_clients);
    MERGE_PTR(remote_user_claim);
    MERGE_PTR(groups_claim);
    MERGE_PTR(tenant_claim);
    MERGE_PTR(ca_file);
    MERGE_PTR(proxy);
    MERGE_PTR(client_secret);
    MERGE_PTR(identity_provider);
    MERGE_PTR(auth_params);
    MERGE_PTR(cookie_domain);
    MERGE_PTR(logout_path);
    MERGE_PTR(post_logout_uri);
    MERGE_PTR(info_path);
    MERGE_PTR(identity_pool);
    MERGE_PTR(identity_role);
    MERGE_PTR(identity_endpoint);
    return c;
}

void *cog_create_server_config(apr_pool_t *p, server_rec *s)
{
    cog_server_config_t *sc = apr_pcalloc(p, sizeof(*sc));
    sc->token_cache_entries = COG_UNSET;
    sc->session_local_entries = COG_UNSET;
    sc->session_recheck = COG_UNSET;
    return sc;
}

void *cog_merge_server_config(apr_pool_t *p, void *base_v, void *add_v)
{
    const cog_server_config_t *base = base_v, *add = add_v;
    cog_server_config_t *sc = apr_pcalloc(p, sizeof(*sc));
    sc->token_cache_entries = add->token_cache_entries != COG_UNSET
                              ? add->token_cache_entries : base->token_cache_entries;
    sc->session_local_entries = add->session_local_entries != COG_UNSET
                                ? add->session_local_entries : base->session_local_entries;
    sc->session_recheck = add->session_recheck != COG_UNSET ? add->session_recheck : base->session_recheck;
    sc->cache_spec = add->cache_spec ? add->cache_spec : base->cache_spec;
    sc->secret = add->secret ? add->secret : base->secret;
    sc->older_secret = add->secret ? add->older_secret : base->older_secret;
    sc->cookie_names = add->cookie_names ? add->cookie_names : base->cookie_names;
    return sc;
}

/* ---- effective values --------------------------------------------------------------- */

#define DEFINE_INT_GETTER(field, dflt) \
    int cog_cfg_##field(const cog_dir_config_t *c) { return c->field != COG_UNSET ? c->field : (dflt); }
#define DEFINE_STRING_GETTER(field, dflt) \
    const char *cog_cfg_##field(const cog_dir_config_t *c) { return c->field ? c->field : (dflt); }
COG_INT_SETTINGS(DEFINE_INT_GETTER)
COG_STRING_SETTINGS(DEFINE_STRING_GETTER)

const char *cog_cfg_groups_claim(const cog_dir_config_t *c)
{
    return c->groups_claim ? c->groups_claim : COG_DEFAULT_GROUPS_CLAIM;
}

const char *cog_cfg_tenant_claim(const cog_dir_config_t *c)
{
    return c->tenant_claim ? c->tenant_claim : COG_DEFAULT_TENANT_CLAIM;
}


const char *cog_cfg_domain(apr_pool_t *p, const cog_dir_config_t *c)
{
    if (c->domain)
        return c->domain;
    const char *region = c->domain_prefix ? cog_value_pool_region(p, c->user_pool) : NULL;
    return region ? apr_psprintf(p, "https://%s.auth.%s.amazoncognito.com", c->domain_prefix, region) : NULL;
}

struct cog_cache **cog_cfg_cache_slot(server_rec *s)
{
    cog_server_config_t *sc = ap_get_module_config(s->module_config, &auth_cognito_module);
    return &sc->cache;
}

static const cog_server_config_t *server_config(server_rec *s)
{
    return ap_get_module_config(s->module_config, &auth_cognito_module);
}

int cog_cfg_token_cache_entries(server_rec *s)
{
    int n = server_config(s)->token_cache_entries;
    return n != COG_UNSET ? n : COG_DEFAULT_TOKEN_CACHE;
}

int cog_cfg_session_local_entries(server_rec *s)
{
    int n = server_config(s)->session_local_entries;
    return n != COG_UNSET ? n : COG_DEFAULT_SESSION_LOCAL;
}

int cog_cfg_session_recheck(server_rec *s)
{
    int n = server_config(s)->session_recheck;
    return n != COG_UNSET ? n : COG_DEFAULT_SESSION_RECHECK;
}

const char *cog_cfg_cache_spec(server_rec *s)
{
    return server_config(s)->cache_spec;
}

struct cog_cache *cog_cfg_cache(server_rec *s)
{
    return *cog_cfg_cache_slot(s);
}

const char *cog_cfg_session_secret(server_rec *s, int index)
{
    const cog_server_config_t *sc = server_config(s);
    return index == 0 ? sc->secret : sc->older_secret;
}

const apr_array_header_t *cog_cfg_cookie_names(server_rec *s)
{
    return server_config(s)->cookie_names;
}

static void add_unique(apr_array_header_t *names, const char *name)
{
    for (int i = 0; i < names->nelts; i++)
        if (strcmp(APR_ARRAY_IDX(names, i, const char *), name) == 0)
            return;
    APR_ARRAY_PUSH(names, const char *) = name;
}

int cog_cfg_post_config(apr_pool_t *pconf, server_rec *s)
{
    apr_array_header_t *names = apr_array_make(pconf, 4, sizeof(const char *));
    add_unique(names, COG_DEFAULT_COOKIE_NAME);
    for (server_rec *vs = s; vs; vs = vs->next) {
        const apr_array_header_t *own = server_config(vs)->cookie_names;
        for (int i = 0; own && i < own->nelts; i++)
            add_unique(names, APR_ARRAY_IDX(own, i, const char *));
    }
    /* One random secret for every server that has none: their stores are local
     * (check_config refused shared ones), so only this Apache must know it. */
    const char *generated = NULL;
    for (server_rec *vs = s; vs; vs = vs->next) {
        cog_server_config_t *sc = (cog_server_config_t *)server_config(vs);
        sc->cookie_names = names;
        if (sc->secret != NULL)
            continue;
        if (generated == NULL && (generated = cog_random_token(pconf)) == NULL) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s, "COGNITO0901: internal_error: no randomness for a session secret");
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        sc->secret = generated;
        sc->secret_generated = 1;
    }
    if (generated)
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s, "COGNITO0002: no CognitoSessionSecret set: using a random "
                     "one generated at startup, so sessions and pending logins end when Apache restarts "
                     "(set CognitoSessionSecret to keep them across a restart)");
    return OK;
}
