/*
 * status.c — metrics handler and the session info endpoint.
 */
#include "status.h"
#include "cache.h"
#include "claims.h"
#include "config.h"
#include "identity.h"
#include "json.h"
#include "metrics.h"

#include <string.h>
#include <apr_strings.h>
#include <http_config.h>
#include <http_protocol.h>
#include <http_request.h>
#include <util_script.h>

extern module AP_MODULE_DECLARE_DATA auth_cognito_module;

#define INFO_NOTE "auth_cognito_info"

static int only_get(request_rec *r)
{
    /* httpd 2.4 builds the 405's Allow header from r->allowed_methods. */
    ap_allow_methods(r, REPLACE_ALLOW, "GET", NULL);
    if (r->method_number == M_GET)
        return OK;
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    return HTTP_METHOD_NOT_ALLOWED;
}

int cog_status_handler(request_rec *r)
{
    if (r->handler == NULL || strcmp(r->handler, COG_STATUS_HANDLER) != 0)
        return DECLINED;
    int rc = only_get(r);
    if (rc != OK)
        return rc;
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
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

void cog_info_mark(request_rec *r, int authenticated)
{
    apr_table_setn(r->notes, INFO_NOTE, authenticated ? "user" : "anonymous");
}

int cog_info_fixup(request_rec *r)
{
    if (apr_table_get(r->notes, INFO_NOTE) != NULL)
        r->handler = COG_INFO_HANDLER;
    return DECLINED;
}

static cJSON *string_or_null(const char *s)
{
    return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

int cog_info_handler(request_rec *r)
{
    if (r->handler == NULL || strcmp(r->handler, COG_INFO_HANDLER) != 0)
        return DECLINED;
    int rc = only_get(r);
    if (rc != OK)
        return rc;
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    ap_set_content_type(r, "application/json");

    const char *note = apr_table_get(r->notes, INFO_NOTE);
    const cog_request_identity_t *id = cog_identity_get(r);
    if (note == NULL || strcmp(note, "user") != 0 || id == NULL) {
        r->status = HTTP_UNAUTHORIZED;
        ap_rputs("{\"authenticated\":false,\"error\":\"login_required\"}\n", r);
        return OK;
    }

    const cog_dir_config_t *c = ap_get_module_config(r->per_dir_config, &auth_cognito_module);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "authenticated", 1);
    cJSON_AddItemToObject(o, "user", string_or_null(r->user));
    cJSON_AddStringToObject(o, "via", id->via_bearer ? "bearer" : "session");
    cJSON_AddItemToObject(o, "sub", string_or_null(cog_json_string(id->claims, "sub")));
    const cJSON *groups = cog_json_member(id->claims, cog_cfg_groups_claim(c));
    cJSON_AddItemToObject(o, "groups", groups && cJSON_IsArray(groups) ? cJSON_Duplicate(groups, 1) : cJSON_CreateArray());
    const cJSON *tenant = cog_json_member(id->claims, cog_cfg_tenant_claim(c));
    cJSON_AddItemToObject(o, "tenant", tenant ? cJSON_CreateString(cog_claim_text(r->pool, tenant)) : cJSON_CreateNull());
    cJSON_AddItemToObject(o, "scope", string_or_null(id->scope));
    if (id->session_expires > 0)
        cJSON_AddNumberToObject(o, "session_expires", id->session_expires);
    if (id->tokens_expire > 0)
        cJSON_AddNumberToObject(o, "tokens_expire", id->tokens_expire);
    /* Claims as the application sees them: control characters removed. */
    cJSON *claims = cJSON_Parse(cog_claim_text(r->pool, id->claims));
    cJSON_AddItemToObject(o, "claims", cJSON_IsObject(claims) ? claims : cJSON_CreateObject());
    if (!cJSON_IsObject(claims))
        cJSON_Delete(claims);
    if (cog_cfg_pass_tokens(c)) {
        if (id->access_token)
            cJSON_AddStringToObject(o, "access_token", id->access_token);
        if (id->id_token)
            cJSON_AddStringToObject(o, "id_token", id->id_token);
    }
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (text == NULL)
        return HTTP_INTERNAL_SERVER_ERROR;
    ap_rputs(text, r);
    ap_rputs("\n", r);
    cJSON_free(text);
    return OK;
}
