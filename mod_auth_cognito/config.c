/*
 * config.c — directive handlers (each validates its value), merge, defaults, and the
 * startup check that every AuthType Cognito section is complete.
 */
#include "config.h"
#include "log.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
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
    c->bearer = COG_UNSET;
    c->clock_skew = COG_UNSET;
    c->jwks_ttl = COG_UNSET;
    c->http_timeout = COG_UNSET;
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
    /* Pool and issuer travel together: a section naming its own pool must not
     * inherit an issuer override meant for another pool. */
    if (add->user_pool || add->issuer) {
        c->user_pool = add->user_pool;
        c->pool_issuer = add->pool_issuer;
        c->issuer = add->issuer;
    } else {
        c->user_pool = base->user_pool;
        c->pool_issuer = base->pool_issuer;
        c->issuer = base->issuer;
    }
    MERGE_PTR(client_id);
    MERGE_INT(bearer);
    MERGE_PTR(remote_user_claim);
    MERGE_PTR(groups_claim);
    MERGE_PTR(tenant_claim);
    MERGE_INT(clock_skew);
    MERGE_INT(jwks_ttl);
    MERGE_INT(http_timeout);
    MERGE_PTR(ca_file);
    MERGE_PTR(proxy);
    return c;
}

void *cog_create_server_config(apr_pool_t *p, server_rec *s)
{
    cog_server_config_t *sc = apr_pcalloc(p, sizeof(*sc));
    sc->token_cache_entries = COG_UNSET;
    return sc;
}

void *cog_merge_server_config(apr_pool_t *p, void *base_v, void *add_v)
{
    const cog_server_config_t *base = base_v, *add = add_v;
    cog_server_config_t *sc = apr_pcalloc(p, sizeof(*sc));
    sc->token_cache_entries = add->token_cache_entries != COG_UNSET
                              ? add->token_cache_entries : base->token_cache_entries;
    return sc;
}

/* ---- effective values --------------------------------------------------------------- */

const char *cog_cfg_issuer(const cog_dir_config_t *c)
{
    return c->issuer ? c->issuer : c->pool_issuer;
}

const char *cog_cfg_jwks_url(apr_pool_t *p, const cog_dir_config_t *c)
{
    return apr_pstrcat(p, cog_cfg_issuer(c), "/.well-known/jwks.json", NULL);
}

#define DEFAULTED(f, d) (c->f != COG_UNSET ? c->f : (d))
int cog_cfg_bearer(const cog_dir_config_t *c)       { return DEFAULTED(bearer, COG_BEARER_ON); }
int cog_cfg_clock_skew(const cog_dir_config_t *c)   { return DEFAULTED(clock_skew, COG_DEFAULT_CLOCK_SKEW); }
int cog_cfg_jwks_ttl(const cog_dir_config_t *c)     { return DEFAULTED(jwks_ttl, COG_DEFAULT_JWKS_TTL); }
int cog_cfg_http_timeout(const cog_dir_config_t *c) { return DEFAULTED(http_timeout, COG_DEFAULT_HTTP_TIMEOUT); }

const char *cog_cfg_groups_claim(const cog_dir_config_t *c)
{
    return c->groups_claim ? c->groups_claim : COG_DEFAULT_GROUPS_CLAIM;
}

const char *cog_cfg_tenant_claim(const cog_dir_config_t *c)
{
    return c->tenant_claim ? c->tenant_claim : COG_DEFAULT_TENANT_CLAIM;
}

const char *cog_cfg_incomplete(const cog_dir_config_t *c)
{
    if (c->client_id == NULL)
        return "CognitoClientID is not set";
    if (cog_cfg_issuer(c) == NULL)
        return "CognitoUserPool (or CognitoIssuer) is not set";
    return NULL;
}

/* ---- directive handlers ------------------------------------------------------------- */

static const char *fail(cmd_parms *cmd, const char *fmt, const char *value)
{
    return apr_psprintf(cmd->pool, "%s: %s", cmd->cmd->name, apr_psprintf(cmd->pool, fmt, value));
}

/* Pool ids look like eu-west-1_AbCdEf123 (aws-jwt-verify's rule, also gov regions). */
static int is_user_pool_id(const char *v, const char **underscore)
{
    const char *u = strchr(v, '_');
    if (u == NULL || u == v || u[1] == '\0' || strchr(u + 1, '_'))
        return 0;
    /* region: [a-z]{2}-(gov-)?[a-z]+-[0-9] */
    const char *s = v;
    if (!islower((unsigned char)s[0]) || !islower((unsigned char)s[1]) || s[2] != '-')
        return 0;
    s += 3;
    if (strncmp(s, "gov-", 4) == 0)
        s += 4;
    const char *word = s;
    while (islower((unsigned char)*s)) s++;
    if (s == word || *s != '-' || !isdigit((unsigned char)s[1]) || s + 2 != u)
        return 0;
    for (s = u + 1; *s; s++)
        if (!isalnum((unsigned char)*s))
            return 0;
    *underscore = u;
    return 1;
}

static const char *set_user_pool(cmd_parms *cmd, void *cfg, const char *v)
{
    cog_dir_config_t *c = cfg;
    const char *u;
    if (!is_user_pool_id(v, &u))
        return fail(cmd, "'%s' is not a user pool id (expected <region>_<id>, e.g. eu-west-1_AbCdEf123)", v);
    c->user_pool = v;
    c->pool_issuer = apr_psprintf(cmd->pool, "https://cognito-idp.%s.amazonaws.com/%s",
                                  apr_pstrmemdup(cmd->pool, v, (apr_size_t)(u - v)), v);
    return NULL;
}

static const char *set_issuer(cmd_parms *cmd, void *cfg, const char *v)
{
    cog_dir_config_t *c = cfg;
    const char *why = cog_check_base_url(cmd->temp_pool, v);
    if (why)
        return apr_psprintf(cmd->pool, "%s: '%s' %s", cmd->cmd->name, v, why);
    if (v[strlen(v) - 1] == '/')
        return fail(cmd, "'%s' must not end with '/' (tokens carry the issuer without it)", v);
    c->issuer = v;
    return NULL;
}

/* Identifiers that end up in comparisons and logs: printable ASCII, no spaces. */
static const char *set_token_string(cmd_parms *cmd, void *cfg, const char *v)
{
    for (const char *s = v; *s; s++)
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
            return fail(cmd, "'%s' must be printable ASCII without spaces", v);
    if (*v == '\0')
        return fail(cmd, "%s", "value must not be empty");
    return ap_set_string_slot(cmd, cfg, v);
}

static const char *set_claim_name(cmd_parms *cmd, void *cfg, const char *v)
{
    if (*v == '\0' || strlen(v) > 128)
        return fail(cmd, "'%s' is not a claim name (1-128 characters)", v);
    for (const char *s = v; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return fail(cmd, "'%s' contains control characters", v);
    return ap_set_string_slot(cmd, cfg, v);
}

static const char *set_bearer(cmd_parms *cmd, void *cfg, const char *v)
{
    cog_dir_config_t *c = cfg;
    if (!strcasecmp(v, "off"))       c->bearer = COG_BEARER_OFF;
    else if (!strcasecmp(v, "on"))   c->bearer = COG_BEARER_ON;
    else if (!strcasecmp(v, "only")) c->bearer = COG_BEARER_ONLY;
    else return fail(cmd, "'%s' is not one of off, on, only", v);
    return NULL;
}

/* Whole seconds within [min, max]; cmd->info holds the field offset. */
static const char *set_seconds(cmd_parms *cmd, void *cfg, const char *v, long min, long max)
{
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (*v == '\0' || *end != '\0' || errno || !isdigit((unsigned char)*v) || n < min || n > max)
        return apr_psprintf(cmd->pool, "%s: '%s' is not a whole number of seconds between %ld and %ld",
                            cmd->cmd->name, v, min, max);
    *(int *)((char *)cfg + (size_t)cmd->info) = (int)n;
    return NULL;
}

static const char *set_clock_skew(cmd_parms *cmd, void *cfg, const char *v)
{
    return set_seconds(cmd, cfg, v, 0, 600);
}

static const char *set_jwks_ttl(cmd_parms *cmd, void *cfg, const char *v)
{
    return set_seconds(cmd, cfg, v, 1, 7 * 86400);
}

static const char *set_http_timeout(cmd_parms *cmd, void *cfg, const char *v)
{
    return set_seconds(cmd, cfg, v, 1, 60);
}

static const char *set_ca_file(cmd_parms *cmd, void *cfg, const char *v)
{
    const char *path = ap_server_root_relative(cmd->pool, v);
    apr_finfo_t fi;
    if (path == NULL || apr_stat(&fi, path, APR_FINFO_TYPE, cmd->temp_pool) != APR_SUCCESS
        || fi.filetype != APR_REG)
        return fail(cmd, "'%s' is not a readable file", v);
    ((cog_dir_config_t *)cfg)->ca_file = path;
    return NULL;
}

static const char *set_proxy(cmd_parms *cmd, void *cfg, const char *v)
{
    apr_uri_t uri;
    if (apr_uri_parse(cmd->temp_pool, v, &uri) != APR_SUCCESS || uri.hostname == NULL || uri.scheme == NULL
        || (strcasecmp(uri.scheme, "http") && strcasecmp(uri.scheme, "https")
            && strcasecmp(uri.scheme, "socks5") && strcasecmp(uri.scheme, "socks5h")))
        return fail(cmd, "'%s' is not a proxy URL (http://host:port, https://, socks5://)", v);
    ((cog_dir_config_t *)cfg)->proxy = v;
    return NULL;
}

static const char *set_token_cache(cmd_parms *cmd, void *cfg, const char *v)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    if (err)
        return err;
    cog_server_config_t *sc = ap_get_module_config(cmd->server->module_config, &auth_cognito_module);
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (*v == '\0' || *end != '\0' || errno || !isdigit((unsigned char)*v) || n < 0 || n > 1000000)
        return fail(cmd, "'%s' is not a number of entries between 0 and 1000000", v);
    sc->token_cache_entries = (int)n;
    return NULL;
}

/* Not ours: mod_authn_core owns AuthType.  We listen in (and decline, so it still
 * runs) to learn which sections use AuthType Cognito, for the startup check. */
static const char *note_auth_type(cmd_parms *cmd, void *cfg, const char *v)
{
    cog_dir_config_t *c = cfg;
    if (ap_find_linked_module("mod_authn_core.c") == NULL)
        return "AuthType needs mod_authn_core (a2enmod authn_core)";
    c->auth_type_cognito = strcasecmp(v, "Cognito") == 0;
    return DECLINE_CMD;
}

#define DIR_CONF (RSRC_CONF | ACCESS_CONF)
#define OFFSET(f) (void *)APR_OFFSETOF(cog_dir_config_t, f)

const command_rec cog_directives[] = {
    AP_INIT_TAKE1("AuthType", note_auth_type, NULL, OR_AUTHCFG,
                  "an HTTP authorization type (e.g. \"Cognito\")"),
    AP_INIT_TAKE1("CognitoUserPool", set_user_pool, NULL, DIR_CONF,
                  "Cognito user pool id, <region>_<id>"),
    AP_INIT_TAKE1("CognitoIssuer", set_issuer, NULL, DIR_CONF,
                  "token issuer URL override (https://, or http:// for loopback emulators)"),
    AP_INIT_TAKE1("CognitoClientID", set_token_string, OFFSET(client_id), DIR_CONF,
                  "Cognito app client id"),
    AP_INIT_TAKE1("CognitoBearer", set_bearer, NULL, DIR_CONF,
                  "accept Authorization: Bearer access tokens: off, on or only"),
    AP_INIT_TAKE1("CognitoRemoteUserClaim", set_claim_name, OFFSET(remote_user_claim), DIR_CONF,
                  "claim that becomes REMOTE_USER"),
    AP_INIT_TAKE1("CognitoGroupsClaim", set_claim_name, OFFSET(groups_claim), DIR_CONF,
                  "claim holding the user's groups (default cognito:groups)"),
    AP_INIT_TAKE1("CognitoTenantClaim", set_claim_name, OFFSET(tenant_claim), DIR_CONF,
                  "claim holding the user's tenant (default custom:tenant_id)"),
    AP_INIT_TAKE1("CognitoClockSkew", set_clock_skew, OFFSET(clock_skew), DIR_CONF,
                  "leeway in seconds for exp, nbf and iat (default 60)"),
    AP_INIT_TAKE1("CognitoJWKSCacheTTL", set_jwks_ttl, OFFSET(jwks_ttl), DIR_CONF,
                  "seconds signing keys are kept before a refetch (default 3600)"),
    AP_INIT_TAKE1("CognitoHTTPTimeout", set_http_timeout, OFFSET(http_timeout), DIR_CONF,
                  "seconds allowed for each call to Cognito (default 5)"),
    AP_INIT_TAKE1("CognitoCAFile", set_ca_file, NULL, DIR_CONF,
                  "CA bundle for TLS to Cognito (default: system store)"),
    AP_INIT_TAKE1("CognitoOutgoingProxy", set_proxy, NULL, DIR_CONF,
                  "proxy URL for calls to Cognito"),
    AP_INIT_TAKE1("CognitoTokenCacheEntries", set_token_cache, NULL, RSRC_CONF,
                  "verified access tokens kept per Apache process (default 4096, 0 = off)"),
    { NULL }
};

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
