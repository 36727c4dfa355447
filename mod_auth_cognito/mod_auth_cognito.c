/*
 * mod_auth_cognito.c — module registration and request dispatch.  Nothing else:
 * each concern lives in its own file (see docs/ARCHITECTURE.md).
 *
 *   check_authn (AuthType Cognito)
 *     ├─ CognitoRedirectURI path  → flow/login.c   (callback: session created, 302 back)
 *     ├─ CognitoLogoutPath        → flow/session.c (logout)
 *     ├─ CognitoInfoPath          → edge/info.c    (never refuses; the handler answers)
 *     ├─ Bearer token (on|only)   → flow/bearer.c
 *     ├─ session cookie           → flow/session.c (lookup, refresh)
 *     └─ nobody                   → flow/challenge.c (302 to Cognito through
 *        flow/login.c for navigations, 401 for XHR/API calls, or pass)
 *   check_config      → cfg/config.c, store/store.c (stores made, secrets required)
 *   post_read_request → edge/scrub.c (client-sent identity headers removed, every request)
 *   fixups            → edge/scrub.c (our cookies removed before handlers and proxies)
 *   Require cognito-* → flow/authz.c
 *   handlers          → edge/status.c (SetHandler cognito-status), edge/info.c
 */
#define COG_MODULE_DECLARATION_FILE 1  /* AP_DECLARE_MODULE below sets the log index */
#include <httpd.h>
#include <http_config.h>
#include <http_core.h>
#include <http_protocol.h>
#include <http_request.h>
#include <mod_auth.h>

#include "flow/authz.h"
#include "flow/aws.h"
#include "flow/bearer.h"
#include "flow/session_memo.h"
#include "store/cache.h"
#include "store/changes.h"
#include "store/store.h"
#include "cfg/config.h"
#include "cfg/check.h"
#include "flow/context.h"
#include "proto/http.h"
#include "token/identity.h"
#include "cfg/log.h"
#include "flow/login.h"
#include "flow/preserve_post.h"
#include "flow/challenge.h"
#include "edge/scrub.h"
#include "flow/session.h"
#include "cfg/metrics.h"
#include "edge/info.h"
#include "edge/status.h"
#include "token/verify.h"

#include <string.h>
#include <strings.h>

module AP_MODULE_DECLARE_DATA auth_cognito_module;

static int is_ours(request_rec *r)
{
    const char *type = ap_auth_type(r);
    return type && strcasecmp(type, "Cognito") == 0;
}

static int is_path(request_rec *r, const char *configured)
{
    return configured && r->uri && strcmp(r->uri, cog_ctx_path_of(r, configured)) == 0;
}

/* The two login steps, with the CPU they cost counted (cognito_login_cpu_seconds_total). */
static int login_start(request_rec *r, const cog_dir_config_t *c)
{
    uint64_t cpu = cog_metrics_thread_cpu_usec();
    int rc = r->method_number == M_POST ? cog_preserve_post_login(r, c) : cog_login_start(r, c);
    cog_metrics_add(COG_M_LOGIN_CPU_USEC, COG_ML_REDIRECT, cog_metrics_thread_cpu_usec() - cpu);
    return rc;
}

static int login_callback(request_rec *r, const cog_dir_config_t *c)
{
    uint64_t cpu = cog_metrics_thread_cpu_usec();
    int rc = cog_login_callback(r, c);
    cog_metrics_add(COG_M_LOGIN_CPU_USEC, COG_ML_CALLBACK, cog_metrics_thread_cpu_usec() - cpu);
    return rc;
}

static int check_authn(request_rec *r)
{
    if (!is_ours(r))
        return DECLINED;
    r->ap_auth_type = "Cognito";

    const cog_dir_config_t *c = ap_get_module_config(r->per_dir_config, &auth_cognito_module);
    const char *missing = cog_cfg_incomplete(c);
    if (missing) {
        cog_error_t err = { COG_E_CONFIG, missing };
        cog_log_reason(r, APLOG_ERR, &err, "AuthType Cognito cannot authenticate here");
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    /* A subrequest or internal redirect of a request we already authenticated
     * (mod_include, mod_actions' php-cgi handler, ErrorDocument) keeps its user. */
    if (!ap_is_initial_req(r) && cog_identity_inherit(r, c, 1) == COG_OK)
        return OK;

    int bearer = cog_cfg_bearer(c);
    if (bearer == COG_BEARER_ONLY)
        return cog_bearer_authenticate(r, c);
    if (is_path(r, cog_cfg_redirect_uri(c)) && ap_is_initial_req(r))
        return login_callback(r, c);
    if (is_path(r, c->logout_path) && ap_is_initial_req(r))
        return cog_session_logout(r, c);
    if (is_path(r, c->info_path) && ap_is_initial_req(r))
        return cog_info_authn(r, c);
    if (bearer == COG_BEARER_ON && cog_bearer_present(r))
        return cog_bearer_authenticate(r, c);

    int rc = cog_session_authenticate(r, c);
    return rc == DECLINED ? cog_challenge_unauthenticated(r, c, login_start) : rc;
}

/* First thing for every request: no client-sent header may pose as our identity. */
static int post_read_request(request_rec *r)
{
    int removed = cog_scrub_request(r);
    if (removed && APLOGrdebug(r))
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "removed %d client-sent identity header(s)", removed);
    return DECLINED;
}

/* After authentication, before any handler or proxy: our cookies stay with us.
 * An internal redirect from an authenticated request to an unprotected handler
 * URL (Debian's php-cgi Action layout) still tells the handler who the user is. */
static int fixups(request_rec *r)
{
    const cog_dir_config_t *c = ap_get_module_config(r->per_dir_config, &auth_cognito_module);
    if (r->user == NULL && !ap_is_initial_req(r) && cog_identity_inherit(r, c, 0) == COG_OK)
        r->ap_auth_type = "Cognito";
    cog_scrub_cookies(r, cog_cfg_cookie_names(r->server));
    return DECLINED;
}

/* Authorization refused an authenticated user: no Basic-style challenge to add,
 * but the hook must claim the request so core does not log AH00571. */
static int note_auth_failure(request_rec *r, const char *auth_type)
{
    return auth_type && strcasecmp(auth_type, "Cognito") == 0 ? OK : DECLINED;
}

static apr_status_t http_cleanup(void *unused)
{
    cog_http_global_cleanup();
    return APR_SUCCESS;
}

static int check_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    int rc = cog_check_config(pconf, plog, ptemp, s);
    return rc != OK ? rc : cog_store_check_config(pconf, ptemp, s);
}

static int pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp)
{
    return cog_cache_pre_config(pconf);
}

static int post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG)
        return OK;   /* first (dry-run) pass */
    cog_http_global_init();
    apr_pool_cleanup_register(pconf, NULL, http_cleanup, apr_pool_cleanup_null);
    apr_status_t rv = cog_metrics_create(pconf);
    if (rv != APR_SUCCESS)
        ap_log_error(APLOG_MARK, APLOG_WARNING, rv, s, "COGNITO0901: internal_error: no shared memory for "
                     "metrics; cognito-status will show zeros");
    if ((rv = cog_changes_create(pconf)) != APR_SUCCESS)
        ap_log_error(APLOG_MARK, APLOG_WARNING, rv, s, "COGNITO0901: internal_error: no shared memory for "
                     "session change counters; every request reads its session from the store");
    int status = cog_cfg_post_config(pconf, s);
    return status != OK ? status : cog_cache_post_config(pconf, ptemp, s, cog_cfg_cache_slot);
}

static void child_init(apr_pool_t *pchild, server_rec *s)
{
    cog_cache_child_init(pchild, s);
    for (server_rec *vs = s; vs; vs = vs->next)
        if (vs == s || cog_cfg_cache(vs) != cog_cfg_cache(s))
            cog_cache_child_beacon(cog_cfg_cache(vs), vs, pchild);
    apr_status_t rv = cog_verify_init(pchild);
    if (rv == APR_SUCCESS)
        rv = cog_bearer_child_init(pchild, (size_t)cog_cfg_token_cache_entries(s));
    if (rv == APR_SUCCESS)
        rv = cog_session_memo_child_init(pchild, (size_t)cog_cfg_session_local_entries(s));
    if (rv != APR_SUCCESS)
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s,
                     "COGNITO0901: internal_error: cannot initialise the key and token caches; "
                     "every Cognito request in this process will fail");
}

static void register_hooks(apr_pool_t *p)
{
    static const char *const after_socache[] = { "mod_socache_shmcb.c", "mod_socache_memcache.c",
                                                 "mod_socache_redis.c", NULL };
    ap_hook_check_authn(check_authn, NULL, NULL, APR_HOOK_MIDDLE, AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_check_authz(cog_authz_checker, NULL, NULL, APR_HOOK_FIRST, AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_note_auth_failure(note_auth_failure, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_config(check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_pre_config(pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(post_config, after_socache, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(child_init, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_read_request(post_read_request, NULL, NULL, APR_HOOK_REALLY_FIRST);
    ap_hook_fixups(fixups, NULL, NULL, APR_HOOK_REALLY_FIRST);
    ap_hook_fixups(cog_info_fixup, NULL, NULL, APR_HOOK_REALLY_LAST);
    ap_hook_fixups(cog_aws_export, NULL, NULL, APR_HOOK_REALLY_LAST);
    ap_hook_handler(cog_status_handler, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(cog_info_handler, NULL, NULL, APR_HOOK_FIRST);
    cog_authz_register(p);
}

AP_DECLARE_MODULE(auth_cognito) = {
    STANDARD20_MODULE_STUFF,
    cog_create_dir_config,
    cog_merge_dir_config,
    cog_create_server_config,
    cog_merge_server_config,
    cog_directives,
    register_hooks,
    AP_MODULE_FLAG_ALWAYS_MERGE
};
