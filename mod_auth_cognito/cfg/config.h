/*
 * config.h — directives, per-directory configuration, merge and startup validation.
 *
 * Every directive is checked when it is read, so `apachectl -t` names the bad
 * directive and says what is expected.  Requirements that span directives (a
 * section with AuthType Cognito needs a client id and a pool) are checked in the
 * check_config hook (cfg/check.h), which also runs for `apachectl -t`.  Values are "unset"
 * (NULL / COG_UNSET) until configured, so sections merge child-over-parent and the
 * documented defaults apply only at use (the cog_cfg_* getters).
 */
#ifndef COG_CONFIG_H
#define COG_CONFIG_H

#include <httpd.h>
#include <http_config.h>

#define COG_UNSET (-1)

typedef enum { COG_BEARER_OFF = 0, COG_BEARER_ON = 1, COG_BEARER_ONLY = 2 } cog_bearer_mode_t;
typedef enum { COG_UNAUTH_AUTH = 0, COG_UNAUTH_401 = 1, COG_UNAUTH_PASS = 2 } cog_unauth_mode_t;
/* CognitoPassClaimsAs: bit set */
enum { COG_PASS_ENV = 1, COG_PASS_HEADERS = 2 };
/* CognitoPassAWSCredentials */
typedef enum { COG_AWS_OFF = 0, COG_AWS_ENV = 1, COG_AWS_HEADERS = 2 } cog_pass_aws_t;

struct cog_cache;

typedef struct {
    const char *path;               /* section path, for messages; NULL at server level */
    int         auth_type_cognito;  /* this section said "AuthType Cognito" (1) or another type (0) */
    const char *user_pool;          /* the first CognitoUserPool (region of a domain prefix) */
    apr_array_header_t *pool_ids;   /* CognitoUserPool values (const char *) */
    apr_array_header_t *issuers;    /* CognitoIssuer values (const char *) */
    apr_array_header_t *pools;      /* cog_pool_t (cfg/pools.h), made from the two above */
    const char *client_id;
    apr_array_header_t *bearer_clients;  /* CognitoBearerClientID values (const char *) */
    int         bearer;
    const char *remote_user_claim;
    const char *groups_claim;
    const char *tenant_claim;
    int         pass_claims_as;   /* COG_PASS_* bits */
    int         pass_tokens;
    int         clock_skew;
    int         jwks_ttl;
    int         http_timeout;
    const char *ca_file;
    const char *proxy;
    /* browser login */
    const char *domain;              /* https URL, no trailing '/' */
    const char *domain_prefix;       /* or a prefix, expanded with the pool's region */
    const char *client_secret;       /* resolved value (file:/env: read at startup) */
    const char *redirect_uri;        /* path or absolute URL */
    const char *scope;
    const char *identity_provider;
    apr_array_header_t *auth_params; /* name, value, name, value ... */
    int         unauthenticated;
    int         session_max_age;
    int         session_idle;
    int         refresh;
    int         revalidate_interval;
    int         state_timeout;
    int         preserve_post;        /* CognitoPreservePost */
    int         preserve_post_max;    /* CognitoPreservePostMax, bytes */
    int         refresh_on_forbidden; /* CognitoRefreshOnForbidden, seconds; 0 = off */
    const char *cookie_name;
    const char *cookie_domain;
    const char *cookie_path;
    const char *cookie_same_site;
    const char *logout_path;
    const char *post_logout_uri;
    const char *info_path;
    /* identity pool (cfg/aws.h) */
    const char *identity_pool;       /* region:uuid */
    const char *identity_role;       /* CustomRoleArn */
    const char *identity_endpoint;   /* URL ending in '/' */
    int         pass_aws;            /* COG_AWS_* */
    int         identity_required;
} cog_dir_config_t;

typedef struct {
    int               token_cache_entries;
    int               session_local_entries;  /* CognitoSessionLocalEntries */
    int               session_recheck;        /* CognitoSessionRecheck, seconds */
    const char       *cache_spec;   /* CognitoSessionCache as written */
    struct cog_cache *cache;        /* made from it by the store (check_config); default shmcb in post_config */
    const char       *secret;       /* CognitoSessionSecret (resolved); generated in post_config when unset */
    const char       *older_secret; /* its optional second value: accepted for reading only */
    int               secret_generated;
    /* Every CognitoCookieName of the whole configuration (plus the default): the
     * cookies scrubbed from every request.  Filled at directive time, made the
     * same union for every server in post_config, read-only afterwards. */
    apr_array_header_t *cookie_names;  /* const char * */
} cog_server_config_t;

#define COG_MIN_SESSION_SECRET 32

#define COG_DEFAULT_CLOCK_SKEW         60
#define COG_DEFAULT_JWKS_TTL           3600
#define COG_DEFAULT_HTTP_TIMEOUT       5
#define COG_DEFAULT_TOKEN_CACHE        4096
#define COG_DEFAULT_SESSION_LOCAL      512
#define COG_DEFAULT_SESSION_RECHECK    5
#define COG_DEFAULT_REDIRECT_URI       "/oauth2/callback"
#define COG_DEFAULT_SCOPE              "openid email profile"
#define COG_DEFAULT_SESSION_MAX_AGE    28800
#define COG_DEFAULT_SESSION_IDLE       3600
#define COG_DEFAULT_STATE_TIMEOUT      300
#define COG_DEFAULT_PRESERVE_POST_MAX  65536
#define COG_DEFAULT_COOKIE_NAME        "cognito_session"
#define COG_DEFAULT_GROUPS_CLAIM       "cognito:groups"
#define COG_DEFAULT_TENANT_CLAIM       "custom:tenant_id"

extern const command_rec cog_directives[];

void *cog_create_dir_config(apr_pool_t *p, char *path);
void *cog_merge_dir_config(apr_pool_t *p, void *base, void *add);
void *cog_create_server_config(apr_pool_t *p, server_rec *s);
void *cog_merge_server_config(apr_pool_t *p, void *base, void *add);

/* Effective values (defaults applied). */const char *cog_cfg_groups_claim(const cog_dir_config_t *c);
const char *cog_cfg_tenant_claim(const cog_dir_config_t *c);
/* NULL when browser login is not configured (no CognitoDomain). */
const char *cog_cfg_domain(apr_pool_t *p, const cog_dir_config_t *c);

/* Settings read through a getter with their documented default (README):
 * X(field, default) declares `int cog_cfg_<field>(c)` / `const char *cog_cfg_<field>(c)`.
 * One list, so that creation (unset), merge and defaults cannot drift apart. */
#define COG_INT_SETTINGS(X) \
    X(bearer, COG_BEARER_ON) X(clock_skew, COG_DEFAULT_CLOCK_SKEW) X(jwks_ttl, COG_DEFAULT_JWKS_TTL) \
    X(http_timeout, COG_DEFAULT_HTTP_TIMEOUT) X(unauthenticated, COG_UNAUTH_AUTH) \
    X(session_max_age, COG_DEFAULT_SESSION_MAX_AGE) X(session_idle, COG_DEFAULT_SESSION_IDLE) \
    X(refresh, 1) X(revalidate_interval, 0) X(state_timeout, COG_DEFAULT_STATE_TIMEOUT) \
    X(pass_claims_as, COG_PASS_ENV) X(pass_tokens, 0) \
    X(preserve_post, 1) X(preserve_post_max, COG_DEFAULT_PRESERVE_POST_MAX) X(refresh_on_forbidden, 0) \
    X(pass_aws, COG_AWS_OFF) X(identity_required, 0)
#define COG_STRING_SETTINGS(X) \
    X(redirect_uri, COG_DEFAULT_REDIRECT_URI) X(scope, COG_DEFAULT_SCOPE) X(cookie_name, COG_DEFAULT_COOKIE_NAME) \
    X(cookie_path, "/") X(cookie_same_site, "Lax")
#define COG_DECLARE_INT_GETTER(field, dflt) int cog_cfg_##field(const cog_dir_config_t *c);
#define COG_DECLARE_STRING_GETTER(field, dflt) const char *cog_cfg_##field(const cog_dir_config_t *c);
COG_INT_SETTINGS(COG_DECLARE_INT_GETTER)
COG_STRING_SETTINGS(COG_DECLARE_STRING_GETTER)

int cog_cfg_token_cache_entries(server_rec *s);
int cog_cfg_session_local_entries(server_rec *s);
int cog_cfg_session_recheck(server_rec *s);

/* The server's session store (never NULL after post_config). */
struct cog_cache *cog_cfg_cache(server_rec *s);
/* CognitoSessionCache as written (NULL: the default). */
const char *cog_cfg_cache_spec(server_rec *s);
/* CognitoSessionSecret: index 0 = the secret records are written with, 1 = the
 * older one (NULL when none).  Never NULL for index 0 after post_config. */
const char *cog_cfg_session_secret(server_rec *s, int index);
/* Every cookie name the module uses anywhere in this configuration (array of const char *). */
const apr_array_header_t *cog_cfg_cookie_names(server_rec *s);
/* post_config: generates a secret for servers without one (local stores only; the
 * check_config hook refuses a shared store without one) and spreads the union of
 * cookie names to every server.  OK or an HTTP status, logged. */
int cog_cfg_post_config(apr_pool_t *pconf, server_rec *s);
struct cog_cache **cog_cfg_cache_slot(server_rec *s);

#endif
