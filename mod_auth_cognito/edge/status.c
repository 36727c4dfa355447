/*
 * status.c — the metrics handler (and the store's own status).
 */
#include "edge/status.h"
#include "flow/challenge.h"
#include "store/cache.h"
#include "cfg/config.h"
#include "cfg/metrics.h"

#include <string.h>
#include <apr_strings.h>
#include <http_config.h>
#include <http_protocol.h>
#include <http_request.h>
#include <util_script.h>

extern module AP_MODULE_DECLARE_DATA auth_cognito_module;

int cog_status_begin(request_rec *r, const char *handler)
{
    if (r->handler == NULL || strcmp(r->handler, handler) != 0)
        return DECLINED;
    /* httpd 2.4 builds the 405's Allow header from r->allowed_methods. */
    ap_allow_methods(r, REPLACE_ALLOW, "GET", NULL);
    cog_no_store(r);
    return r->method_number == M_GET ? OK : HTTP_METHOD_NOT_ALLOWED;
}

int cog_status_handler(request_rec *r)
{
    int rc = cog_status_begin(r, COG_STATUS_HANDLER);
    if (rc != OK)
        return rc;
    if (r->args && strcmp(r->args, "store") == 0) {
        /* The store provider's own figures (entries, size) for this server's store. */
        ap_set_content_type(r, "text/plain; charset=utf-8");
        cog_cache_status(cog_cfg_cache(r->server), r);
        return OK;
    }
    int json = r->args && (strcmp(r->args, "format=json") == 0 || strstr(r->args, "&format=json")
                           || strncmp(r->args, "format=json&", 12) == 0);
    if (json) {
        ap_set_content_type(r, "application/json");
        ap_rputs(cog_metrics_json(r->pool), r);
    } else {
        ap_set_content_type(r, "text/plain; version=0.0.4; charset=utf-8");
        ap_rputs(cog_metrics_prometheus(r->pool), r);
    }
    return OK;
}
