/*
 * directives.c — one handler per directive; each validates its value when the
 * configuration is read (with cfg/values.h), so `apachectl -t` fails naming the
 * directive and saying what is expected.
 */
#include "cfg/config.h"
#include "cfg/pools.h"
#include "cfg/aws.h"
#include "cfg/values.h"
#include "util/cookie.h"
#include "util/util.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include <http_core.h>

extern module AP_MODULE_DECLARE_DATA auth_cognito_module;

static const char *fail(cmd_parms *cmd, const char *fmt, const char *value)
{
    return apr_psprintf(cmd->pool, "%s: %s", cmd->cmd->name, apr_psprintf(cmd->pool, fmt, value));
}

/* Identifiers that end up in comparisons and logs: printable ASCII, no spaces. */
static const char *set_token_string(cmd_parms *cmd, void *cfg, const char *v)
{
    const char *why = cog_value_identifier(cmd, v);
    return why ? why : ap_set_string_slot(cmd, cfg, v);
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

/* A directive taking one of a few words: which int field, and the words. */
typedef struct {
    const char *word;
    int         value;
} keyword_t;
typedef struct {
    size_t           offset;
    const char      *expected;
    const keyword_t *words;     /* ends with { NULL, 0 } */
} keyword_field_t;

static const char *set_keyword(cmd_parms *cmd, void *cfg, const char *v)
{
    const keyword_field_t *f = cmd->info;
    for (const keyword_t *k = f->words; k->word; k++)
        if (strcasecmp(v, k->word) == 0) {
            *(int *)((char *)cfg + f->offset) = k->value;
            return NULL;
        }
    return apr_psprintf(cmd->pool, "%s: '%s' is not one of %s", cmd->cmd->name, v, f->expected);
}

/* A directive taking whole seconds: which field, and the range allowed. */
typedef struct {
    size_t      offset;
    long        min, max;
    const char *unit;       /* "seconds", "bytes" */
} number_field_t;

/* cmd->info points to the directive's number_field_t. */
static const char *set_number(cmd_parms *cmd, void *cfg, const char *v)
{
    const number_field_t *f = cmd->info;
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (*v == '\0' || *end != '\0' || errno || !isdigit((unsigned char)*v) || n < f->min || n > f->max)
        return apr_psprintf(cmd->pool, "%s: '%s' is not a whole number of %s between %ld and %ld",
                            cmd->cmd->name, v, f->unit, f->min, f->max);
    *(int *)((char *)cfg + f->offset) = (int)n;
    return NULL;
}

static const char *set_ca_file(cmd_parms *cmd, void *cfg, const char *v)
{
    return cog_value_file(cmd, v, &((cog_dir_config_t *)cfg)->ca_file);
}

static const char *set_proxy(cmd_parms *cmd, void *cfg, const char *v)
{
    const char *err = cog_value_proxy_url(cmd, v);
    if (err == NULL)
        ((cog_dir_config_t *)cfg)->proxy = v;
    return err;
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
    return cog_value_domain(cmd, v, &c->domain, &c->domain_prefix);
}

static const char *set_client_secret(cmd_parms *cmd, void *cfg, const char *v)
{
    return cog_value_secret(cmd, v, "client secret", &((cog_dir_config_t *)cfg)->client_secret);
}

static const char *session_secret(cmd_parms *cmd, const char *v, const char **out)
{
    const char *err = cog_value_secret(cmd, v, "session secret", out);
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

static const char *set_path_or_url(cmd_parms *cmd, void *cfg, const char *v)
{
    if (!cog_value_local_path(v)) {
        const char *why = cog_check_base_url(cmd->temp_pool, v);
        if (why)
            return apr_psprintf(cmd->pool, "%s: '%s' is neither a path (/...) nor a usable URL: %s",
                                cmd->cmd->name, v, why);
    }
    return ap_set_string_slot(cmd, cfg, v);
}

static const char *set_path(cmd_parms *cmd, void *cfg, const char *v)
{
    if (!cog_value_local_path(v))
        return fail(cmd, "'%s' is not a path (it must start with a single '/', no query)", v);
    return ap_set_string_slot(cmd, cfg, v);
}

static const char *set_scope(cmd_parms *cmd, void *cfg, const char *v)
{
    const char *err = cog_value_scope(cmd, v);
    return err ? err : ap_set_string_slot(cmd, cfg, v);
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

/* The store is made from this in check_config (store/store.c), where every
 * server's choice and secret are known. */
static const char *set_session_cache(cmd_parms *cmd, void *cfg, const char *v)
{
    const char *err = ap_check_cmd_context(cmd, NOT_IN_DIR_CONTEXT);
    if (err)
        return err;
    cog_server_config_t *sc = ap_get_module_config(cmd->server->module_config, &auth_cognito_module);
    sc->cache_spec = v;
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
#define KEYWORDS(f, expected, ...) \
    (void *)&(const keyword_field_t){ APR_OFFSETOF(cog_dir_config_t, f), expected, (const keyword_t[]){ __VA_ARGS__, { NULL, 0 } } }
#define SECONDS(f, lo, hi) (void *)&(const number_field_t){ APR_OFFSETOF(cog_dir_config_t, f), lo, hi, "seconds" }
#define BYTES(f, lo, hi) (void *)&(const number_field_t){ APR_OFFSETOF(cog_dir_config_t, f), lo, hi, "bytes" }

const command_rec cog_directives[] = {
    AP_INIT_TAKE1("AuthType", note_auth_type, NULL, OR_AUTHCFG,
                  "an HTTP authorization type (e.g. \"Cognito\")"),
    AP_INIT_ITERATE("CognitoUserPool", cog_set_user_pool, NULL, DIR_CONF,
                    "Cognito user pool id, <region>_<id> (several only with CognitoBearer only)"),
    AP_INIT_ITERATE("CognitoIssuer", cog_set_issuer, NULL, DIR_CONF,
                    "token issuer URL overrides, one per pool in order (https://, or http:// for loopback emulators)"),
    AP_INIT_TAKE1("CognitoClientID", set_token_string, OFFSET(client_id), DIR_CONF,
                  "Cognito app client id"),
    AP_INIT_ITERATE("CognitoBearerClientID", cog_set_bearer_client, NULL, DIR_CONF,
                    "app clients whose access tokens Bearer requests may carry (default: CognitoClientID)"),
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
    AP_INIT_TAKE1("CognitoUnauthenticated", set_keyword,
                  KEYWORDS(unauthenticated, "auth, 401, pass", { "auth", COG_UNAUTH_AUTH }, { "401", COG_UNAUTH_401 },
                           { "pass", COG_UNAUTH_PASS }), DIR_CONF,
                  "what unauthenticated requests get: auth (login), 401, pass"),
    AP_INIT_TAKE1("CognitoBearer", set_keyword,
                  KEYWORDS(bearer, "off, on, only", { "off", COG_BEARER_OFF }, { "on", COG_BEARER_ON },
                           { "only", COG_BEARER_ONLY }), DIR_CONF,
                  "accept Authorization: Bearer access tokens: off, on or only"),
    AP_INIT_TAKE12("CognitoSessionSecret", set_session_secret, NULL, RSRC_CONF,
                   "server secret for session records and login-state cookies: value, file:<path> or env:<VAR>, "
                   "optionally followed by an older secret still accepted for reading"),
    AP_INIT_TAKE1("CognitoSessionCache", set_session_cache, NULL, RSRC_CONF,
                  "session store: a mod_socache provider[:args] (shmcb, memcache, redis)"),
    AP_INIT_TAKE1("CognitoSessionMaxAge", set_number, SECONDS(session_max_age, 1, 365L * 86400), DIR_CONF,
                  "absolute session lifetime in seconds (default 28800)"),
    AP_INIT_TAKE1("CognitoSessionIdleTimeout", set_number, SECONDS(session_idle, 0, 365L * 86400), DIR_CONF,
                  "idle session lifetime in seconds, 0 = none (default 3600)"),
    AP_INIT_FLAG("CognitoRefresh", ap_set_flag_slot, OFFSET(refresh), DIR_CONF,
                 "refresh tokens before the access token expires (default on)"),
    AP_INIT_TAKE1("CognitoRevalidateInterval", set_number, SECONDS(revalidate_interval, 0, 86400), DIR_CONF,
                  "force a token refresh at most this many seconds after the last, 0 = off"),
    AP_INIT_FLAG("CognitoPreservePost", ap_set_flag_slot, OFFSET(preserve_post), DIR_CONF,
                 "keep a form post that meets an expired session across the login (default on)"),
    AP_INIT_TAKE1("CognitoPreservePostMax", set_number, BYTES(preserve_post_max, 0, 1048576), DIR_CONF,
                  "largest form post body kept across a login, in bytes (default 65536)"),
    AP_INIT_TAKE1("CognitoRefreshOnForbidden", set_number, SECONDS(refresh_on_forbidden, 0, 86400), DIR_CONF,
                  "refresh a signed-in user's tokens once when a Require cognito-* line refuses them, "
                  "at most every this many seconds (default 0 = off)"),
    AP_INIT_TAKE1("CognitoStateTimeout", set_number, SECONDS(state_timeout, 10, 3600), DIR_CONF,
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
    AP_INIT_TAKE1("CognitoPassClaimsAs", set_keyword,
                  KEYWORDS(pass_claims_as, "env, headers, both, none", { "env", COG_PASS_ENV },
                           { "environment", COG_PASS_ENV }, { "headers", COG_PASS_HEADERS },
                           { "both", COG_PASS_ENV | COG_PASS_HEADERS }, { "none", 0 }), DIR_CONF,
                  "how claims reach the application: env, headers, both, none (default env)"),
    AP_INIT_FLAG("CognitoPassTokens", ap_set_flag_slot, OFFSET(pass_tokens), DIR_CONF,
                 "also pass the raw access and ID tokens (default off)"),
    AP_INIT_TAKE1("CognitoIdentityPool", cog_set_identity_pool, NULL, DIR_CONF,
                  "identity pool giving signed-in users their own AWS credentials: <region>:<uuid>"),
    AP_INIT_TAKE1("CognitoIdentityRole", cog_set_identity_role, NULL, DIR_CONF,
                  "IAM role ARN asked for (CustomRoleArn) from a \"choose role from token\" identity pool"),
    AP_INIT_TAKE1("CognitoIdentityEndpoint", cog_set_identity_endpoint, NULL, DIR_CONF,
                  "identity service URL (default https://cognito-identity.<region>.amazonaws.com/)"),
    AP_INIT_TAKE1("CognitoPassAWSCredentials", set_keyword,
                  KEYWORDS(pass_aws, "off, env, headers", { "off", COG_AWS_OFF }, { "env", COG_AWS_ENV },
                           { "headers", COG_AWS_HEADERS }), DIR_CONF,
                  "give the application the user's AWS credentials: off, env or headers (default off)"),
    AP_INIT_FLAG("CognitoIdentityRequired", ap_set_flag_slot, OFFSET(identity_required), DIR_CONF,
                 "answer 503 when the user's AWS credentials cannot be had (default off: serve without)"),
    AP_INIT_TAKE1("CognitoClockSkew", set_number, SECONDS(clock_skew, 0, 600), DIR_CONF,
                  "leeway in seconds for exp, nbf and iat (default 60)"),
    AP_INIT_TAKE1("CognitoJWKSCacheTTL", set_number, SECONDS(jwks_ttl, 1, 7 * 86400), DIR_CONF,
                  "seconds signing keys are kept before a refetch (default 3600)"),
    AP_INIT_TAKE1("CognitoHTTPTimeout", set_number, SECONDS(http_timeout, 1, 60), DIR_CONF,
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
