/*
 * info.c — CognitoInfoPath: the signed-in user as JSON, for front ends.
 */
#include "edge/info.h"
#include "edge/status.h"
#include "flow/bearer.h"
#include "flow/challenge.h"
#include "flow/session.h"
#include "token/claims.h"
#include "token/identity.h"
#include "util/json.h"

#include <string.h>
#include <apr_strings.h>
#include <http_config.h>
#include <http_protocol.h>
#include <http_request.h>

extern module AP_MODULE_DECLARE_DATA auth_cognito_module;

#define INFO_NOTE "auth_cognito_info"

static void mark(request_rec *r, int authenticated)
{
    apr_table_setn(r->notes, INFO_NOTE, authenticated ? "user" : "anonymous");
}

int cog_info_authn(request_rec *r, const cog_dir_config_t *c)
{
    int rc = cog_cfg_bearer(c) != COG_BEARER_OFF && cog_bearer_present(r) ? cog_bearer_authenticate(r, c)
                                                                           : cog_session_authenticate(r, c);
    if (rc == OK) {
        mark(r, 1);
        return OK;
    }
    if (rc != DECLINED && rc != HTTP_UNAUTHORIZED)
        return rc;
    r->user = "";
    mark(r, 0);
    return OK;
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
    int rc = cog_status_begin(r, COG_INFO_HANDLER);
    if (rc != OK)
        return rc;
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
    if (id->aws) {
        /* Which identity and role, and until when: never the keys themselves. */
        cJSON *aws = cJSON_AddObjectToObject(o, "aws");
        cJSON_AddItemToObject(aws, "identity_id", string_or_null(id->aws->identity_id));
        cJSON_AddItemToObject(aws, "role_arn", string_or_null(id->aws->role_arn));
        cJSON_AddNumberToObject(aws, "expiration", id->aws->expiration);
    }
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
