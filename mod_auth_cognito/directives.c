/*
 * directives.c — one handler per directive; each validates its value when the
 * configuration is read, so `apachectl -t` fails naming the directive and saying
 * what is expected.  Secrets (CognitoClientSecret) are resolved here and never
 * echoed in messages.
 */
#include "config.h"
#include "cache.h"
#include "cookie.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <apr_file_io.h>
#include <apr_strings.h>
#include <apr_uri.h>
#include <http_core.h>

extern module AP_MODULE_DECLARE_DATA auth_cognito_module;


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

/* A directive taking whole seconds: which field, and the range allowed. */
typedef struct {
    size_t offset;
    long   min, max;
} seconds_field_t;

/* cmd->info points to the directive's seconds_field_t. */
static const char *set_seconds(cmd_parms *cmd, void *cfg, const char *v)
{
    const seconds_field_t *f = cmd->info;
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (*v == '\0' || *end != '\0' || errno || !isdigit((unsigned char)*v) || n < f->min || n > f->max)
        return apr_psprintf(cmd->pool, "%s: '%s' is not a whole number of seconds between %ld and %ld",
                            cmd->cmd->name, v, f->min, f->max);
    *(int *)((char *)cfg + f->offset) = (int)n;
    return NULL;
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

/* A whole number in [min, max] into *out; NULL or the error. */
static const char *server_number(cmd_parms *cmd, const char *v, long min, long max, const char *what, int *out)
{
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (*v == '\0' || *end != '\0' || errno || !isdigit((unsigned char)*v) || n < min || n > max)
        return apr_psprintf(cmd->pool, "%s: '%s' is not %s between %ld and %ld", cmd->cmd->name, v, what, min, max);
    *out = (int)n;
    return NULL;
}

static cog_server_config_t *server_config(cmd_parms *cmd)
{
    return ap_get_module_config(cmd->server->module_config, &auth_cognito_module);
}

static const char *set_token_cache(cmd_parms *cmd, void *cfg, const char *v)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    return err ? err : server_number(cmd, v, 0, 1000000, "a number of entries", &server_config(cmd)->token_cache_entries);
}

static const char *set_session_local(cmd_parms *cmd, void *cfg, const char *v)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    return err ? err : server_number(cmd, v, 0, 100000, "a number of entries", &server_config(cmd)->session_local_entries);
}

static const char *set_session_recheck(cmd_parms *cmd, void *cfg, const char *v)
{
    const char *err = ap_check_cmd_context(cmd, NOT_IN_DIR_CONTEXT);
    return err ? err : server_number(cmd, v, 0, 3600, "a number of seconds", &server_config(cmd)->session_recheck);
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


static const char *set_domain(cmd_parms *cmd, void *cfg, const char *v)
{
    cog_dir_config_t *c = cfg;
    if (strstr(v, "://")) {
        const char *why = cog_check_base_url(cmd->temp_pool, v);
        if (why)
            return apr_psprintf(cmd->pool, "%s: '%s' %s", cmd->cmd->name, v, why);
        char *url = apr_pstrdup(cmd->pool, v);
        size_t n = strlen(url);
        while (n > 0 && url[n - 1] == '/')
            url[--n] = '\0';
        c->domain = url;
        c->domain_prefix = NULL;
        return NULL;
    }
    /* Cognito domain prefixes: lower-case letters, digits and hyphens, 1-63. */
    size_t n = strlen(v);
    if (n == 0 || n > 63 || v[0] == '-' || v[n - 1] == '-')
        return fail(cmd, "'%s' is neither an https:// URL nor a Cognito domain prefix", v);
    for (const char *s = v; *s; s++)
        if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '-'))
            return fail(cmd, "'%s' is neither an https:// URL nor a Cognito domain prefix", v);
    c->domain_prefix = v;
    c->domain = NULL;
    return NULL;
}

static const char *read_secret_file(cmd_parms *cmd, const char *path, const char **out)
{
    char *text = NULL;
    apr_file_t *f;
    apr_finfo_t fi;
    const char *full = ap_server_root_relative(cmd->temp_pool, path);
    if (full == NULL || apr_file_open(&f, full, APR_FOPEN_READ, 0, cmd->temp_pool) != APR_SUCCESS)
        return apr_psprintf(cmd->pool, "%s: cannot read the secret file %s", cmd->cmd->name, path);
    if (apr_file_info_get(&fi, APR_FINFO_SIZE, f) != APR_SUCCESS || fi.size > 4096) {
        apr_file_close(f);
        return apr_psprintf(cmd->pool, "%s: the secret file %s is not a small regular file", cmd->cmd->name, path);
    }
    text = apr_pcalloc(cmd->pool, (apr_size_t)fi.size + 1);
    apr_size_t got = (apr_size_t)fi.size;
    apr_status_t rv = fi.size > 0 ? apr_file_read_full(f, text, got, &got) : APR_SUCCESS;
    apr_file_close(f);
    if (rv != APR_SUCCESS)
        return apr_psprintf(cmd->pool, "%s: cannot read the secret file %s", cmd->cmd->name, path);
    text[got] = '\0';
    *out = text;
    return NULL;
}

/* A secret given as its value, file:<path> or env:<VAR>; one trailing newline
 * (echo > file) is not part of it.  NULL, or what is wrong. */
static const char *resolve_secret(cmd_parms *cmd, const char *v, const char *what, const char **out)
{
    const char *secret = v, *err;
    if (strncmp(v, "file:", 5) == 0) {
        if ((err = read_secret_file(cmd, v + 5, &secret)) != NULL)
            return err;
    } else if (strncmp(v, "env:", 4) == 0) {
        secret = getenv(v + 4);
        if (secret == NULL)
            return apr_psprintf(cmd->pool, "%s: environment variable %s is not set", cmd->cmd->name, v + 4);
    }
    char *s = apr_pstrdup(cmd->pool, secret);
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = '\0';
    if (n == 0)
        return apr_psprintf(cmd->pool, "%s: the %s is empty", cmd->cmd->name, what);
    for (const char *c = s; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            return apr_psprintf(cmd->pool, "%s: the %s contains control characters", cmd->cmd->name, what);
    *out = s;
    return NULL;
}

static const char *set_client_secret(cmd_parms *cmd, void *cfg, const char *v)
{
    return resolve_secret(cmd, v, "client secret", &((cog_dir_config_t *)cfg)->client_secret);
}

static const char *session_secret(cmd_parms *cmd, const char *v, const char **out)
{
    const char *err = resolve_secret(cmd, v, "session secret", out);
    if (err == NULL && strlen(*out) < COG_MIN_SESSION_SECRET)
        err = apr_psprintf(cmd->pool, "%s: a session secret needs at least %d characters "
                           "(e.g. openssl rand -base64 48)", cmd->cmd->name, COG_MIN_SESSION_SECRET);
    return err;
}

static const char *set_session_secret(cmd_parms *cmd, void *cfg, const char *current, const char *older)
{
    const char *err = ap_check_cmd_context(cmd, NOT_IN_DIR_CONTEXT);
    cog_server_config_t *sc = ap_get_module_config(cmd->server->module_config, &auth_cognito_module);
    if (err || (err = session_secret(cmd, current, &sc->secret)) != NULL)
        return err;
    sc->older_secret = NULL;
    return older ? session_secret(cmd, older, &sc->older_secret) : NULL;
}

static int is_local_path(const char *v)
{
    if (v[0] != '/' || v[1] == '/')
        return 0;
    for (const char *s = v; *s; s++)
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f || *s == '?' || *s == '#' || *s == '\\')
            return 0;
    return 1;
}

static const char *set_path_or_url(cmd_parms *cmd, void *cfg, const char *v)
{
    if (!is_local_path(v)) {
        const char *why = cog_check_base_url(cmd->temp_pool, v);
        if (why)
            return apr_psprintf(cmd->pool, "%s: '%s' is neither a path (/...) nor a usable URL: %s",
                                cmd->cmd->name, v, why);
    }
    return ap_set_string_slot(cmd, cfg, v);
}

static const char *set_path(cmd_parms *cmd, void *cfg, const char *v)
{
    if (!is_local_path(v))
        return fail(cmd, "'%s' is not a path (it must start with a single '/', no query)", v);
    return ap_set_string_slot(cmd, cfg, v);
}

static const char *set_scope(cmd_parms *cmd, void *cfg, const char *v)
{
    int has_openid = 0;
    char *copy = apr_pstrdup(cmd->temp_pool, v), *state = NULL;
    for (char *s = copy; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f || *s == '"' || *s == '\\')
            return fail(cmd, "'%s' contains characters not allowed in OAuth scopes", v);
    for (char *t = apr_strtok(copy, " ", &state); t; t = apr_strtok(NULL, " ", &state))
        if (strcmp(t, "openid") == 0)
            has_openid = 1;
    if (!has_openid)
        return fail(cmd, "'%s' must include openid (login needs Cognito's ID token)", v);
    return ap_set_string_slot(cmd, cfg, v);
}

static const char *set_auth_param(cmd_parms *cmd, void *cfg, const char *name, const char *value)
{
    static const char *const reserved[] = { "response_type", "client_id", "redirect_uri", "scope", "state",
                                            "nonce", "code_challenge", "code_challenge_method",
                                            "identity_provider", NULL };
    cog_dir_config_t *c = cfg;
    for (const char *const *r = reserved; *r; r++)
        if (strcmp(name, *r) == 0)
            return fail(cmd, "'%s' is set by the module itself (use the dedicated directive where there is one)", name);
    if (!cog_cookie_name_valid(name))
        return fail(cmd, "'%s' is not a parameter name", name);
    for (const char *s = value; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return fail(cmd, "the value for '%s' contains control characters", name);
    if (c->auth_params == NULL)
        c->auth_params = apr_array_make(cmd->pool, 4, sizeof(const char *));
    APR_ARRAY_PUSH(c->auth_params, const char *) = name;
    APR_ARRAY_PUSH(c->auth_params, const char *) = value;
    return NULL;
}

static const char *set_unauthenticated(cmd_parms *cmd, void *cfg, const char *v)
{
    cog_dir_config_t *c = cfg;
    if (!strcasecmp(v, "auth"))      c->unauthenticated = COG_UNAUTH_AUTH;
    else if (!strcmp(v, "401"))      c->unauthenticated = COG_UNAUTH_401;
    else if (!strcasecmp(v, "pass")) c->unauthenticated = COG_UNAUTH_PASS;
    else return fail(cmd, "'%s' is not one of auth, 401, pass", v);
    return NULL;
}

static const char *set_session_cache(cmd_parms *cmd, void *cfg, const char *v)
{
    const char *err = ap_check_cmd_context(cmd, NOT_IN_DIR_CONTEXT);
    if (err)
        return err;
    cog_server_config_t *sc = ap_get_module_config(cmd->server->module_config, &auth_cognito_module);
    err = cog_cache_configure(cmd->pool, cmd->temp_pool, v, &sc->cache);
    return err ? apr_psprintf(cmd->pool, "%s: %s", cmd->cmd->name, err) : NULL;
}

static const char *set_pass_claims_as(cmd_parms *cmd, void *cfg, const char *v)
{
    cog_dir_config_t *c = cfg;
    if (!strcasecmp(v, "env") || !strcasecmp(v, "environment")) c->pass_claims_as = COG_PASS_ENV;
    else if (!strcasecmp(v, "headers"))                          c->pass_claims_as = COG_PASS_HEADERS;
    else if (!strcasecmp(v, "both"))                             c->pass_claims_as = COG_PASS_ENV | COG_PASS_HEADERS;
    else if (!strcasecmp(v, "none"))                             c->pass_claims_as = 0;
    else return fail(cmd, "'%s' is not one of env, headers, both, none", v);
    return NULL;
}

static const char *set_pass_tokens(cmd_parms *cmd, void *cfg, int on)
{
    ((cog_dir_config_t *)cfg)->pass_tokens = on;
    return NULL;
}

static const char *set_refresh(cmd_parms *cmd, void *cfg, int on)
{
    ((cog_dir_config_t *)cfg)->refresh = on;
    return NULL;
}

static const char *set_cookie_name(cmd_parms *cmd, void *cfg, const char *v)
{
    if (!cog_cookie_name_valid(v) || strlen(v) > 64)
        return fail(cmd, "'%s' is not a cookie name (letters, digits and !#$%%&'*+-.^_`|~, at most 64)", v);
    /* Every name in use is scrubbed from every request of the server (scrub.c). */
    cog_server_config_t *sc = ap_get_module_config(cmd->server->module_config, &auth_cognito_module);
    if (sc->cookie_names == NULL)
        sc->cookie_names = apr_array_make(cmd->pool, 2, sizeof(const char *));
    APR_ARRAY_PUSH(sc->cookie_names, const char *) = apr_pstrdup(cmd->pool, v);
    return ap_set_string_slot(cmd, cfg, v);
}

static const char *set_cookie_domain(cmd_parms *cmd, void *cfg, const char *v)
{
    const char *s = v[0] == '.' ? v + 1 : v;
    if (*s == '\0')
        return fail(cmd, "'%s' is not a domain", v);
    for (; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '-' || *s == '.'))
            return fail(cmd, "'%s' is not a domain", v);
    return ap_set_string_slot(cmd, cfg, v);
}

static const char *set_same_site(cmd_parms *cmd, void *cfg, const char *v)
{
    cog_dir_config_t *c = cfg;
    if (!strcasecmp(v, "Lax"))         c->cookie_same_site = "Lax";
    else if (!strcasecmp(v, "Strict")) c->cookie_same_site = "Strict";
    else if (!strcasecmp(v, "None"))   c->cookie_same_site = "None";
    else return fail(cmd, "'%s' is not one of Lax, Strict, None", v);
    return NULL;
}

#define DIR_CONF (RSRC_CONF | ACCESS_CONF)
#define OFFSET(f) (void *)APR_OFFSETOF(cog_dir_config_t, f)
#define SECONDS(f, lo, hi) (void *)&(const seconds_field_t){ APR_OFFSETOF(cog_dir_config_t, f), lo, hi }

const command_rec cog_directives[] = {
    AP_INIT_TAKE1("AuthType", note_auth_type, NULL, OR_AUTHCFG,
                  "an HTTP authorization type (e.g. \"Cognito\")"),
    AP_INIT_TAKE1("CognitoUserPool", set_user_pool, NULL, DIR_CONF,
                  "Cognito user pool id, <region>_<id>"),
    AP_INIT_TAKE1("CognitoIssuer", set_issuer, NULL, DIR_CONF,
                  "token issuer URL override (https://, or http:// for loopback emulators)"),
    AP_INIT_TAKE1("CognitoClientID", set_token_string, OFFSET(client_id), DIR_CONF,
                  "Cognito app client id"),
    AP_INIT_TAKE1("CognitoClientSecret", set_client_secret, NULL, DIR_CONF,
                  "app client secret: the value, file:<path> or env:<VAR>"),
    AP_INIT_TAKE1("CognitoDomain", set_domain, NULL, DIR_CONF,
                  "managed login domain: https://login.example.com or a Cognito domain prefix"),
    AP_INIT_TAKE1("CognitoRedirectURI", set_path_or_url, OFFSET(redirect_uri), DIR_CONF,
                  "login callback path or URL (default /oauth2/callback)"),
    AP_INIT_TAKE1("CognitoScope", set_scope, OFFSET(scope), DIR_CONF,
                  "space-separated scopes to request (default \"openid email profile\")"),
    AP_INIT_TAKE1("CognitoIdentityProvider", set_token_string, OFFSET(identity_provider), DIR_CONF,
                  "identity_provider sent to /oauth2/authorize (skips the chooser)"),
    AP_INIT_TAKE2("CognitoAuthRequestParam", set_auth_param, NULL, DIR_CONF,
                  "an extra /oauth2/authorize parameter: name value (repeatable)"),
    AP_INIT_TAKE1("CognitoUnauthenticated", set_unauthenticated, NULL, DIR_CONF,
                  "what unauthenticated requests get: auth (login), 401, pass"),
    AP_INIT_TAKE1("CognitoBearer", set_bearer, NULL, DIR_CONF,
                  "accept Authorization: Bearer access tokens: off, on or only"),
    AP_INIT_TAKE12("CognitoSessionSecret", set_session_secret, NULL, RSRC_CONF,
                   "server secret for session records and login-state cookies: value, file:<path> or env:<VAR>, "
                   "optionally followed by an older secret still accepted for reading"),
    AP_INIT_TAKE1("CognitoSessionCache", set_session_cache, NULL, RSRC_CONF,
                  "session store: a mod_socache provider[:args] (shmcb, memcache, redis)"),
    AP_INIT_TAKE1("CognitoSessionMaxAge", set_seconds, SECONDS(session_max_age, 1, 365L * 86400), DIR_CONF,
                  "absolute session lifetime in seconds (default 28800)"),
    AP_INIT_TAKE1("CognitoSessionIdleTimeout", set_seconds, SECONDS(session_idle, 0, 365L * 86400), DIR_CONF,
                  "idle session lifetime in seconds, 0 = none (default 3600)"),
    AP_INIT_FLAG("CognitoRefresh", set_refresh, NULL, DIR_CONF,
                 "refresh tokens before the access token expires (default on)"),
    AP_INIT_TAKE1("CognitoRevalidateInterval", set_seconds, SECONDS(revalidate_interval, 0, 86400), DIR_CONF,
                  "force a token refresh at most this many seconds after the last, 0 = off"),
    AP_INIT_TAKE1("CognitoStateTimeout", set_seconds, SECONDS(state_timeout, 10, 3600), DIR_CONF,
                  "seconds a started login may take to come back (default 300)"),
    AP_INIT_TAKE1("CognitoCookieName", set_cookie_name, OFFSET(cookie_name), DIR_CONF,
                  "session cookie name (default cognito_session)"),
    AP_INIT_TAKE1("CognitoCookieDomain", set_cookie_domain, OFFSET(cookie_domain), DIR_CONF,
                  "cookie Domain attribute (default host-only)"),
    AP_INIT_TAKE1("CognitoCookiePath", set_path, OFFSET(cookie_path), DIR_CONF,
                  "cookie Path attribute (default /)"),
    AP_INIT_TAKE1("CognitoCookieSameSite", set_same_site, NULL, DIR_CONF,
                  "cookie SameSite attribute: Lax, Strict or None (default Lax)"),
    AP_INIT_TAKE1("CognitoLogoutPath", set_path, OFFSET(logout_path), DIR_CONF,
                  "path that signs the user out"),
    AP_INIT_TAKE1("CognitoPostLogoutURI", set_path_or_url, OFFSET(post_logout_uri), DIR_CONF,
                  "where Cognito sends the browser after logout (an allowed sign-out URL)"),
    AP_INIT_TAKE1("CognitoInfoPath", set_path, OFFSET(info_path), DIR_CONF,
                  "path answering the signed-in user's claims as JSON (e.g. /oauth2/me)"),
    AP_INIT_TAKE1("CognitoRemoteUserClaim", set_claim_name, OFFSET(remote_user_claim), DIR_CONF,
                  "claim that becomes REMOTE_USER"),
    AP_INIT_TAKE1("CognitoGroupsClaim", set_claim_name, OFFSET(groups_claim), DIR_CONF,
                  "claim holding the user's groups (default cognito:groups)"),
    AP_INIT_TAKE1("CognitoTenantClaim", set_claim_name, OFFSET(tenant_claim), DIR_CONF,
                  "claim holding the user's tenant (default custom:tenant_id)"),
    AP_INIT_TAKE1("CognitoPassClaimsAs", set_pass_claims_as, NULL, DIR_CONF,
                  "how claims reach the application: env, headers, both, none (default env)"),
    AP_INIT_FLAG("CognitoPassTokens", set_pass_tokens, NULL, DIR_CONF,
                 "also pass the raw access and ID tokens (default off)"),
    AP_INIT_TAKE1("CognitoClockSkew", set_seconds, SECONDS(clock_skew, 0, 600), DIR_CONF,
                  "leeway in seconds for exp, nbf and iat (default 60)"),
    AP_INIT_TAKE1("CognitoJWKSCacheTTL", set_seconds, SECONDS(jwks_ttl, 1, 7 * 86400), DIR_CONF,
                  "seconds signing keys are kept before a refetch (default 3600)"),
    AP_INIT_TAKE1("CognitoHTTPTimeout", set_seconds, SECONDS(http_timeout, 1, 60), DIR_CONF,
                  "seconds allowed for each call to Cognito (default 5)"),
    AP_INIT_TAKE1("CognitoCAFile", set_ca_file, NULL, DIR_CONF,
                  "CA bundle for TLS to Cognito (default: system store)"),
    AP_INIT_TAKE1("CognitoOutgoingProxy", set_proxy, NULL, DIR_CONF,
                  "proxy URL for calls to Cognito"),
    AP_INIT_TAKE1("CognitoTokenCacheEntries", set_token_cache, NULL, RSRC_CONF,
                  "verified access tokens kept per Apache process (default 4096, 0 = off)"),
    AP_INIT_TAKE1("CognitoSessionLocalEntries", set_session_local, NULL, RSRC_CONF,
                  "sessions each Apache process keeps opened (0-100000; default 512; 0 = none)"),
    AP_INIT_TAKE1("CognitoSessionRecheck", set_session_recheck, NULL, RSRC_CONF,
                  "seconds a process reuses a session opened from a shared store (memcache, redis) "
                  "before reading it again (0-3600; default 5; 0 = every request)"),
    { NULL }
};
