/*
 * bearer.c — Bearer token authentication and RFC 6750 challenges.
 */
#include "bearer.h"
#include "context.h"
#include "json.h"
#include "identity.h"
#include "log.h"
#include "metrics.h"
#include "util.h"
#include "verify.h"

#include <string.h>
#include <apr_strings.h>
#include <http_core.h>
#include <http_protocol.h>

/* Realm text safe inside a quoted-string: no quotes, backslashes or controls. */
static const char *realm_of(request_rec *r)
{
    const char *name = ap_auth_name(r);
    if (name == NULL || *name == '\0')
        name = r->server->server_hostname ? r->server->server_hostname : "protected";
    char *out = apr_pstrdup(r->pool, name), *o = out;
    for (const char *s = name; *s; s++)
        if ((unsigned char)*s >= 0x20 && *s != '"' && *s != '\\' && *s != 0x7f)
            *o++ = *s;
    *o = '\0';
    return out;
}

static void no_store(request_rec *r)
{
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
}

int cog_bearer_present(request_rec *r)
{
    const char *h = apr_table_get(r->headers_in, "Authorization");
    const char *token;
    size_t len;
    return h && cog_parse_bearer_header(h, &token, &len) != COG_BEARER_OTHER_SCHEME;
}

int cog_bearer_challenge(request_rec *r, const cog_dir_config_t *c, const char *why)
{
    cog_error_t err = { COG_E_BEARER_MISSING, why };
    cog_log_reason(r, APLOG_INFO, &err, "no bearer token");
    apr_table_setn(r->err_headers_out, "WWW-Authenticate",
                   apr_psprintf(r->pool, "Bearer realm=\"%s\"", realm_of(r)));
    no_store(r);
    return HTTP_UNAUTHORIZED;
}

static int refuse(request_rec *r, const cog_error_t *err)
{
    const cog_reason_info_t *info = cog_reason_info(err->reason);
    cog_metrics_inc(COG_M_BEARER, err->reason);
    if (!cog_reason_is_token_fault(err->reason)) {
        cog_log_reason(r, APLOG_ERR, err, "bearer token could not be checked");
        no_store(r);
        return info->http_status;
    }
    cog_log_reason(r, APLOG_WARNING, err, "bearer token refused");
    apr_table_setn(r->err_headers_out, "WWW-Authenticate",
                   apr_psprintf(r->pool, "Bearer realm=\"%s\", error=\"invalid_token\", "
                                "error_description=\"%s\"", realm_of(r), info->public_text));
    no_store(r);
    return HTTP_UNAUTHORIZED;
}

int cog_bearer_authenticate(request_rec *r, const cog_dir_config_t *c)
{
    const char *header = apr_table_get(r->headers_in, "Authorization");
    const char *token;
    size_t len;
    cog_error_t err = { COG_OK, NULL };

    if (header == NULL)
        return cog_bearer_challenge(r, c, "no Authorization header");
    switch (cog_parse_bearer_header(header, &token, &len)) {
    case COG_BEARER_OTHER_SCHEME:
        return cog_bearer_challenge(r, c, "the Authorization header uses another scheme");
    case COG_BEARER_BAD_SYNTAX:
        cog_fail(&err, COG_E_TOKEN_MALFORMED, "the Authorization header is not a valid Bearer b64token");
        return refuse(r, &err);
    case COG_BEARER_FOUND:
        break;
    }

    cog_verify_params_t vp;
    cog_ctx_verify_params(r, c, COG_TOKEN_ACCESS, NULL, &vp);
    cJSON *claims = NULL;
    int cached = 0;
    cog_reason_t rc = cog_verify_token(r->pool, token, len, &vp, &claims, &cached, &err);
    if (rc != COG_OK)
        return refuse(r, &err);
    if (err.detail) {
        cog_error_t warn = { COG_E_JWKS_UNAVAILABLE, err.detail };
        cog_log_reason(r, APLOG_WARNING, &warn, "key set refresh failed");
    }
    if ((rc = cog_identity_apply(r, c, claims, cog_json_string(claims, "scope"), 1, &err)) != COG_OK)
        return refuse(r, &err);
    cog_identity_set_tokens(r, c, apr_pstrmemdup(r->pool, token, len), NULL);
    cog_metrics_inc(COG_M_BEARER, COG_OK);
    if (APLOGrdebug(r))
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "bearer token accepted for user %s (%s)",
                      r->user, cached ? "cached verification" : "verified");
    return OK;
}
