/*
 * identity.c — GetId / GetCredentialsForIdentity over the module's HTTP client.
 */
#include "proto/identity.h"
#include "util/json.h"

#include <math.h>
#include <string.h>
#include <apr_strings.h>
#include <cjson/cJSON.h>

#define IDENTITY_MAX_RESPONSE (64 * 1024)

static apr_status_t free_cjson(void *tree)
{
    cJSON_Delete(tree);
    return APR_SUCCESS;
}

/* Printable ASCII without spaces, 1..max characters: safe for an environment
 * variable or a header, and what AWS issues. */
static int is_token(const char *s, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > max)
        return 0;
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
            return 0;
    return 1;
}

/* "com.amazonaws.cognito.identity.model#NotAuthorizedException" → the part after '#'. */
static const char *error_type(const cJSON *o)
{
    const char *type = cog_json_string(o, "__type");
    const char *hash = type ? strrchr(type, '#') : NULL;
    return hash ? hash + 1 : type;
}

static cog_reason_t error_reason(apr_pool_t *p, long status, const cJSON *o, cog_error_t *err)
{
    const char *type = o ? error_type(o) : NULL;
    static const struct { const char *type; cog_reason_t reason; } map[] = {
        { "TooManyRequestsException", COG_E_IDENTITY_THROTTLED },
        { "LimitExceededException", COG_E_IDENTITY_THROTTLED },
        { "NotAuthorizedException", COG_E_IDENTITY_NOT_AUTHORIZED },
        { "ResourceNotFoundException", COG_E_IDENTITY_NOT_FOUND },
        { "InvalidIdentityPoolConfigurationException", COG_E_IDENTITY_POOL_CONFIG },
        { "InternalErrorException", COG_E_IDENTITY_UNAVAILABLE },
        { "ServiceUnavailableException", COG_E_IDENTITY_UNAVAILABLE },
    };
    const char *shown = type && is_token(type, 64) ? type : "no error type";
    const char *detail = apr_psprintf(p, "HTTP %ld, %s", status, shown);
    for (size_t i = 0; type && i < sizeof(map) / sizeof(*map); i++)
        if (strcmp(type, map[i].type) == 0)
            return cog_fail(err, map[i].reason, detail);
    return cog_fail(err, status >= 500 ? COG_E_IDENTITY_UNAVAILABLE : COG_E_IDENTITY_REFUSED, detail);
}

static cog_reason_t invalid(cog_error_t *err, const char *why)
{
    return cog_fail(err, COG_E_IDENTITY_RESPONSE_INVALID, why);
}

static cog_reason_t parse_credentials(const cJSON *o, cog_aws_credentials_t *out, cog_error_t *err)
{
    const cJSON *creds = cog_json_member(o, "Credentials");
    if (!cJSON_IsObject(creds))
        return invalid(err, "no Credentials object");
    const cJSON *exp = cog_json_member(creds, "Expiration");
    out->access_key_id = cog_json_string(creds, "AccessKeyId");
    out->secret_key = cog_json_string(creds, "SecretKey");
    out->session_token = cog_json_string(creds, "SessionToken");
    if (!is_token(out->access_key_id, 128) || !is_token(out->secret_key, 256)
        || !is_token(out->session_token, 8192))
        return invalid(err, "AccessKeyId, SecretKey or SessionToken missing or not printable text");
    /* Cognito writes Expiration as a number in seconds, often as 1.712345678E9. */
    if (!cJSON_IsNumber(exp) || !isfinite(exp->valuedouble) || exp->valuedouble <= 0
        || exp->valuedouble > 253402300799.0)
        return invalid(err, "Expiration is not a time");
    out->expiration = exp->valuedouble;
    return COG_OK;
}

cog_reason_t cog_identity_parse(apr_pool_t *p, long status, const char *body, size_t len,
                                const char **identity_id, cog_aws_credentials_t *creds, cog_error_t *err)
{
    const char *why = NULL;
    cJSON *o = body ? cog_json_parse(body, len, &why) : NULL;
    if (o)
        apr_pool_cleanup_register(p, o, free_cjson, apr_pool_cleanup_null);
    if (status != 200)
        return error_reason(p, status, cJSON_IsObject(o) ? o : NULL, err);
    if (!cJSON_IsObject(o))
        return invalid(err, apr_pstrcat(p, "the answer is not a JSON object", why ? " (" : "", why ? why : "",
                                        why ? ")" : "", NULL));
    const char *id = cog_json_string(o, "IdentityId");
    if (!is_token(id, 128) || strchr(id, ':') == NULL)
        return invalid(err, "no usable IdentityId");
    if (creds == NULL) {
        *identity_id = apr_pstrdup(p, id);
        return COG_OK;
    }
    if (strcmp(id, *identity_id) != 0)
        return invalid(err, "the credentials are for another IdentityId");
    cog_reason_t rc = parse_credentials(o, creds, err);
    if (rc == COG_OK) {
        creds->access_key_id = apr_pstrdup(p, creds->access_key_id);
        creds->secret_key = apr_pstrdup(p, creds->secret_key);
        creds->session_token = apr_pstrdup(p, creds->session_token);
    }
    return rc;
}

static cog_reason_t call(apr_pool_t *p, const cog_identity_client_t *client, const char *target, cJSON *body,
                         const char **identity_id, cog_aws_credentials_t *creds, cog_error_t *err)
{
    char *text = cJSON_PrintUnformatted(body);
    cJSON_Delete(body);
    if (text == NULL)
        return cog_fail(err, COG_E_INTERNAL, "out of memory");
    char *json = apr_pstrdup(p, text);
    cJSON_free(text);
    cog_http_opts_t http = client->http;
    http.endpoint = COG_HTTP_IDENTITY;
    http.max_response = IDENTITY_MAX_RESPONSE;
    http.content_type = "application/x-amz-json-1.1";
    http.extra_header = apr_pstrcat(p, "X-Amz-Target: AWSCognitoIdentityService.", target, NULL);
    cog_http_response_t resp;
    cog_reason_t rc = cog_http_request(p, &http, client->endpoint, json, NULL, NULL, &resp, err);
    if (rc != COG_OK)
        return cog_fail(err, COG_E_IDENTITY_UNAVAILABLE,
                        apr_pstrcat(p, target, ": ", cog_reason_info(rc)->name, " (", err->detail ? err->detail : "",
                                    ")", NULL));
    rc = cog_identity_parse(p, resp.status, resp.body, resp.body_len, identity_id, creds, err);
    if (rc != COG_OK)
        err->detail = apr_pstrcat(p, target, ": ", err->detail ? err->detail : "", NULL);
    return rc;
}

static cJSON *request_body(const cog_identity_client_t *client, const char *id_token)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *logins = cJSON_AddObjectToObject(o, "Logins");
    if (logins)
        cJSON_AddStringToObject(logins, client->provider, id_token);
    return o;
}

cog_reason_t cog_identity_get_id(apr_pool_t *p, const cog_identity_client_t *client, const char *id_token,
                                 const char **identity_id, cog_error_t *err)
{
    cJSON *body = request_body(client, id_token);
    cJSON_AddStringToObject(body, "IdentityPoolId", client->pool_id);
    return call(p, client, "GetId", body, identity_id, NULL, err);
}

cog_reason_t cog_identity_get_credentials(apr_pool_t *p, const cog_identity_client_t *client,
                                          const char *identity_id, const char *id_token,
                                          cog_aws_credentials_t *out, cog_error_t *err)
{
    cJSON *body = request_body(client, id_token);
    cJSON_AddStringToObject(body, "IdentityId", identity_id);
    if (client->custom_role)
        cJSON_AddStringToObject(body, "CustomRoleArn", client->custom_role);
    return call(p, client, "GetCredentialsForIdentity", body, &identity_id, out, err);
}
