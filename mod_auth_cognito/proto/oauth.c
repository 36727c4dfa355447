/*
 * oauth.c — PKCE, URLs, token and revocation endpoint calls.
 */
#include "proto/oauth.h"
#include "util/crypto.h"
#include "util/json.h"
#include "util/query.h"
#include "util/util.h"

#include <math.h>
#include <string.h>
#include <strings.h>
#include <apr_strings.h>

#define TOKEN_RESPONSE_MAX (256 * 1024)

const char *cog_pkce_challenge(apr_pool_t *p, const char *verifier)
{
    unsigned char digest[32];
    if (cog_sha256(verifier, strlen(verifier), digest) != 0)
        return NULL;
    return cog_b64url_encode(p, digest, sizeof(digest));
}

int cog_pkce_pair(apr_pool_t *p, const char **verifier, const char **challenge)
{
    *verifier = cog_random_token(p);
    *challenge = *verifier ? cog_pkce_challenge(p, *verifier) : NULL;
    return *challenge ? 0 : -1;
}

static void add_param(apr_array_header_t *parts, apr_pool_t *p, const char *name, const char *value)
{
    APR_ARRAY_PUSH(parts, const char *) = apr_pstrcat(p, cog_url_encode(p, name), "=",
                                                     cog_url_encode(p, value), NULL);
}

const char *cog_authorize_url(apr_pool_t *p, const cog_oauth_client_t *client, const cog_authorize_params_t *ap)
{
    apr_array_header_t *parts = apr_array_make(p, 12, sizeof(const char *));
    add_param(parts, p, "response_type", "code");
    add_param(parts, p, "client_id", client->client_id);
    add_param(parts, p, "redirect_uri", ap->redirect_uri);
    add_param(parts, p, "scope", ap->scope);
    add_param(parts, p, "state", ap->state);
    add_param(parts, p, "nonce", ap->nonce);
    add_param(parts, p, "code_challenge", ap->code_challenge);
    add_param(parts, p, "code_challenge_method", "S256");
    if (ap->identity_provider)
        add_param(parts, p, "identity_provider", ap->identity_provider);
    for (int i = 0; ap->extra && i + 1 < ap->extra->nelts; i += 2)
        add_param(parts, p, APR_ARRAY_IDX(ap->extra, i, const char *), APR_ARRAY_IDX(ap->extra, i + 1, const char *));
    return apr_pstrcat(p, client->domain, "/oauth2/authorize?", apr_array_pstrcat(p, parts, '&'), NULL);
}

const char *cog_logout_url(apr_pool_t *p, const cog_oauth_client_t *client, const char *logout_uri)
{
    return apr_pstrcat(p, client->domain, "/logout?client_id=", cog_url_encode(p, client->client_id),
                       "&logout_uri=", cog_url_encode(p, logout_uri), NULL);
}

const char *cog_oauth_error_code(apr_pool_t *p, const char *body, size_t len)
{
    const char *why;
    cJSON *o = cog_json_parse(body, len, &why);
    const char *code = cog_json_string(o, "error");
    const char *out = NULL;
    if (code && strlen(code) <= 64) {
        /* RFC 6749 error codes are %x20-21 / %x23-5B / %x5D-7E; we keep those minus
         * the space (it would make log lines ambiguous).  Nothing left: no code. */
        char *clean = apr_pstrdup(p, code), *c = clean;
        for (const char *s = code; *s; s++)
            if (*s >= 0x21 && *s <= 0x7e && *s != '"' && *s != '\\')
                *c++ = *s;
        *c = '\0';
        out = *clean ? clean : NULL;
    }
    cJSON_Delete(o);
    return out;
}

cog_reason_t cog_token_response_parse(apr_pool_t *p, const char *body, size_t len, int require_id,
                                      cog_token_set_t *out, cog_error_t *err)
{
    const char *why = NULL;
    cJSON *o = cog_json_parse(body, len, &why);
    cog_reason_t rc = COG_OK;
    memset(out, 0, sizeof(*out));

    if (!cJSON_IsObject(o)) {
        rc = cog_fail(err, COG_E_TOKEN_ENDPOINT_INVALID,
                      apr_pstrcat(p, "token response is not a JSON object (", why ? why : "array or scalar", ")", NULL));
        goto done;
    }
    const cJSON *id = cog_json_member(o, "id_token");
    const cJSON *at = cog_json_member(o, "access_token");
    const cJSON *rt = cog_json_member(o, "refresh_token");
    const cJSON *exp = cog_json_member(o, "expires_in");
    const char *type = cog_json_string(o, "token_type");

    if (!cJSON_IsString(at) || *at->valuestring == '\0')
        rc = cog_fail(err, COG_E_TOKEN_ENDPOINT_INVALID, "token response has no access_token");
    else if ((require_id || id) && (!cJSON_IsString(id) || *id->valuestring == '\0'))
        rc = cog_fail(err, COG_E_TOKEN_ENDPOINT_INVALID, "token response has no usable id_token");
    else if (rt && (!cJSON_IsString(rt) || *rt->valuestring == '\0'))
        rc = cog_fail(err, COG_E_TOKEN_ENDPOINT_INVALID, "token response refresh_token is not a string");
    else if (type == NULL || strcasecmp(type, "Bearer") != 0)
        rc = cog_fail(err, COG_E_TOKEN_ENDPOINT_INVALID, "token response token_type is not Bearer");
    else if (exp && (!cJSON_IsNumber(exp) || !isfinite(exp->valuedouble) || exp->valuedouble <= 0
                     || exp->valuedouble > 86400 * 366))
        rc = cog_fail(err, COG_E_TOKEN_ENDPOINT_INVALID, "token response expires_in is not a sane number");
    if (rc != COG_OK)
        goto done;
    out->access_token = apr_pstrdup(p, at->valuestring);
    out->id_token = id ? apr_pstrdup(p, id->valuestring) : NULL;
    out->refresh_token = rt ? apr_pstrdup(p, rt->valuestring) : NULL;
    out->expires_in = exp ? exp->valuedouble : 0;
done:
    cJSON_Delete(o);
    return rc;
}

/* RFC 6749 §2.3.1: client id and secret are form-urlencoded before Basic encoding. */
static void client_auth(apr_pool_t *p, const cog_oauth_client_t *client, apr_array_header_t *form,
                        const char **user, const char **password)
{
    *user = *password = NULL;
    if (client->client_secret) {
        *user = cog_url_encode(p, client->client_id);
        *password = cog_url_encode(p, client->client_secret);
    } else {
        add_param(form, p, "client_id", client->client_id);
    }
}

static cog_reason_t post_form(apr_pool_t *p, const cog_oauth_client_t *client, const char *path,
                              apr_array_header_t *form, cog_http_response_t *resp, cog_error_t *err)
{
    const char *user, *password;
    cog_http_opts_t http = client->http;
    http.max_response = TOKEN_RESPONSE_MAX;
    http.endpoint = strcmp(path, "/oauth2/revoke") == 0 ? COG_HTTP_REVOKE : COG_HTTP_TOKEN;
    client_auth(p, client, form, &user, &password);
    return cog_http_request(p, &http, apr_pstrcat(p, client->domain, path, NULL),
                            apr_array_pstrcat(p, form, '&'), user, password, resp, err);
}

static cog_reason_t token_call(apr_pool_t *p, const cog_oauth_client_t *client, apr_array_header_t *form,
                               int require_id, cog_token_set_t *out, cog_error_t *err)
{
    cog_http_response_t resp;
    cog_reason_t rc = post_form(p, client, "/oauth2/token", form, &resp, err);
    if (rc != COG_OK)
        return rc;
    if (resp.status == 200)
        return cog_token_response_parse(p, resp.body, resp.body_len, require_id, out, err);

    const char *code = cog_oauth_error_code(p, resp.body, resp.body_len);
    const char *detail = apr_psprintf(p, "token endpoint answered HTTP %ld%s%s", resp.status,
                                      code ? " error=" : "", code ? code : "");
    if (resp.status == 400 && code && strcmp(code, "invalid_grant") == 0)
        return cog_fail(err, COG_E_GRANT_REFUSED, detail);
    if (code && (strcmp(code, "invalid_client") == 0 || strcmp(code, "unauthorized_client") == 0))
        return cog_fail(err, COG_E_CLIENT_REFUSED, detail);
    return cog_fail(err, COG_E_HTTP_STATUS, detail);
}

cog_reason_t cog_oauth_exchange_code(apr_pool_t *p, const cog_oauth_client_t *client, const char *code,
                                     const char *redirect_uri, const char *verifier,
                                     cog_token_set_t *out, cog_error_t *err)
{
    apr_array_header_t *form = apr_array_make(p, 6, sizeof(const char *));
    add_param(form, p, "grant_type", "authorization_code");
    add_param(form, p, "code", code);
    add_param(form, p, "redirect_uri", redirect_uri);
    add_param(form, p, "code_verifier", verifier);
    return token_call(p, client, form, 1, out, err);
}

cog_reason_t cog_oauth_refresh(apr_pool_t *p, const cog_oauth_client_t *client, const char *refresh_token,
                               cog_token_set_t *out, cog_error_t *err)
{
    apr_array_header_t *form = apr_array_make(p, 4, sizeof(const char *));
    add_param(form, p, "grant_type", "refresh_token");
    add_param(form, p, "refresh_token", refresh_token);
    return token_call(p, client, form, 0, out, err);
}

cog_reason_t cog_oauth_revoke(apr_pool_t *p, const cog_oauth_client_t *client, const char *refresh_token,
                              cog_error_t *err)
{
    apr_array_header_t *form = apr_array_make(p, 4, sizeof(const char *));
    cog_http_response_t resp;
    add_param(form, p, "token", refresh_token);
    cog_reason_t rc = post_form(p, client, "/oauth2/revoke", form, &resp, err);
    if (rc != COG_OK)
        return rc;
    if (resp.status != 200) {
        const char *code = cog_oauth_error_code(p, resp.body, resp.body_len);
        return cog_fail(err, COG_E_HTTP_STATUS, apr_psprintf(p, "revocation endpoint answered HTTP %ld%s%s",
                                                            resp.status, code ? " error=" : "", code ? code : ""));
    }
    return COG_OK;
}
