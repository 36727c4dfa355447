/*
 * mod_auth_cognito.c — module registration and request dispatch.  Nothing else:
 * each concern lives in its own file (see DESIGN §6).
 *
 *   check_authn (AuthType Cognito) ─┬─ Bearer header present (CognitoBearer on|only) → bearer.c
 *                                   └─ otherwise                                     → 401 challenge
 */
#define COG_MODULE_DECLARATION_FILE 1  /* AP_DECLARE_MODULE below sets the log index */
#include <httpd.h>
#include <http_config.h>
#include <http_core.h>
#include <http_protocol.h>
#include <http_request.h>
#include <mod_auth.h>
#include <ap_mpm.h>

#include "bearer.h"
#include "config.h"
#include "http.h"
#include "log.h"
#include "verify.h"

#include <strings.h>

module AP_MODULE_DECLARE_DATA auth_cognito_module;

static int is_ours(request_rec *r)
{
    const char *type = ap_auth_type(r);
    return type && strcasecmp(type, "Cognito") == 0;
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

    int bearer = cog_cfg_bearer(c);
    if (bearer == COG_BEARER_ONLY || (bearer == COG_BEARER_ON && cog_bearer_present(r)))
        return cog_bearer_authenticate(r, c);
    return cog_bearer_challenge(r, c, "no bearer token and browser login is not configured");
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

static int post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG)
        return OK;   /* first (dry-run) pass */
    cog_http_global_init();
    apr_pool_cleanup_register(pconf, NULL, http_cleanup, apr_pool_cleanup_null);
    return OK;
}

static void child_init(apr_pool_t *pchild, server_rec *s)
{
    const cog_server_config_t *sc = ap_get_module_config(s->module_config, &auth_cognito_module);
    int entries = sc->token_cache_entries != COG_UNSET ? sc->token_cache_entries : COG_DEFAULT_TOKEN_CACHE;
    apr_status_t rv = cog_verify_init(pchild, (size_t)entries);
    if (rv != APR_SUCCESS)
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s,
                     "COGNITO0901: internal_error: cannot initialise the key and token caches; "
                     "every Cognito request in this process will fail");
}

static void register_hooks(apr_pool_t *p)
{
    ap_hook_check_authn(check_authn, NULL, NULL, APR_HOOK_MIDDLE, AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_note_auth_failure(note_auth_failure, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_config(cog_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(child_init, NULL, NULL, APR_HOOK_MIDDLE);
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
