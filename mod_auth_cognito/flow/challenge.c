/*
 * challenge.c — answers for requests without a usable identity; error pages.
 */
#include "flow/challenge.h"
#include "cfg/log.h"

#include <string.h>
#include <strings.h>
#include <apr_strings.h>
#include <http_core.h>
#include <http_protocol.h>
#include <http_request.h>

void cog_no_store(request_rec *r)
{
    /* err_headers_out: kept on redirects and error answers, unlike headers_out. */
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
}

/* A top-level navigation of a browser (not XHR/fetch/API calls), whatever the method. */
static int browser_navigation(request_rec *r)
{
    const char *xrw = apr_table_get(r->headers_in, "X-Requested-With");
    if (xrw && strcasecmp(xrw, "XMLHttpRequest") == 0)
        return 0;
    const char *mode = apr_table_get(r->headers_in, "Sec-Fetch-Mode");
    if (mode && strcasecmp(mode, "navigate") != 0)
        return 0;
    const char *dest = apr_table_get(r->headers_in, "Sec-Fetch-Dest");
    if (dest && strcasecmp(dest, "document") != 0 && strcasecmp(dest, "iframe") != 0)
        return 0;
    const char *accept = apr_table_get(r->headers_in, "Accept");
    if (accept && !ap_strcasestr(accept, "text/html") && !ap_strcasestr(accept, "application/xhtml+xml")
        && !strstr(accept, "*/*"))
        return 0;
    return 1;
}

int cog_challenge_is_navigation(request_rec *r)
{
    /* HEAD shares GET's method number; it must not start (or finish) a login. */
    return r->method_number == M_GET && !r->header_only && browser_navigation(r);
}

int cog_challenge_is_form_post(request_rec *r)
{
    return r->method_number == M_POST && browser_navigation(r);
}

int cog_challenge_unauthenticated(request_rec *r, const cog_dir_config_t *c,
                                  int (*start_login)(request_rec *r, const cog_dir_config_t *c))
{
    int mode = cog_cfg_unauthenticated(c);
    if (mode == COG_UNAUTH_PASS) {
        r->user = "";
        r->ap_auth_type = "Cognito";
        return OK;
    }
    int can_login = cog_cfg_domain(r->pool, c) != NULL;
    if (mode == COG_UNAUTH_AUTH && can_login && ap_is_initial_req(r)
        && (cog_challenge_is_navigation(r) || cog_challenge_is_form_post(r)))
        return start_login(r, c);
    if (cog_cfg_bearer(c) != COG_BEARER_OFF)
        return cog_challenge_bearer_missing(r, can_login ? "not signed in, and not a page navigation"
                                                          : "no bearer token and browser login is not configured");
    cog_error_t err = { COG_E_LOGIN_REQUIRED, "not signed in" };
    return cog_page(r, 0, &err, "unauthenticated request", NULL);
}

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

int cog_challenge_bearer_missing(request_rec *r, const char *why)
{
    cog_error_t err = { COG_E_BEARER_MISSING, why };
    cog_log_reason(r, APLOG_INFO, &err, "no bearer token");
    apr_table_setn(r->err_headers_out, "WWW-Authenticate", apr_psprintf(r->pool, "Bearer realm=\"%s\"", realm_of(r)));
    cog_no_store(r);
    return HTTP_UNAUTHORIZED;
}

int cog_challenge_bearer_refused(request_rec *r, const cog_error_t *err)
{
    const cog_reason_info_t *info = cog_reason_info(err->reason);
    cog_no_store(r);
    if (!cog_reason_is_token_fault(err->reason)) {
        cog_log_reason(r, APLOG_ERR, err, "bearer token could not be checked");
        return info->http_status;
    }
    cog_log_reason(r, APLOG_WARNING, err, "bearer token refused");
    apr_table_setn(r->err_headers_out, "WWW-Authenticate",
                   apr_psprintf(r->pool, "Bearer realm=\"%s\", error=\"invalid_token\", error_description=\"%s\"",
                                realm_of(r), info->public_text));
    return HTTP_UNAUTHORIZED;
}

/* Scope tokens are printable ASCII without '"' or '\\' (RFC 6749 §3.3); anything
 * else from a Require line is left out of the header. */
static const char *scope_param(request_rec *r, const char *scopes)
{
    char *out = apr_pstrdup(r->pool, scopes), *o = out;
    for (const char *s = scopes; *s; s++)
        if (*s == ' ' || ((unsigned char)*s > 0x20 && (unsigned char)*s < 0x7f && *s != '"' && *s != '\\'))
            *o++ = *s;
    *o = '\0';
    return out;
}

int cog_challenge_bearer_forbidden(request_rec *r, const char *scopes)
{
    cog_error_t err = { COG_E_INSUFFICIENT_SCOPE,
                        scopes ? apr_pstrcat(r->pool, "a Require line refused the token; scope needed: ", scopes, NULL)
                               : "a Require line refused the token" };
    cog_log_reason(r, APLOG_WARNING, &err, "bearer token refused");
    cog_no_store(r);
    const char *challenge = apr_psprintf(r->pool, "Bearer realm=\"%s\", error=\"insufficient_scope\", "
                                         "error_description=\"%s\"", realm_of(r),
                                         cog_reason_info(err.reason)->public_text);
    if (scopes && *scope_param(r, scopes))
        challenge = apr_pstrcat(r->pool, challenge, ", scope=\"", scope_param(r, scopes), "\"", NULL);
    apr_table_setn(r->err_headers_out, "WWW-Authenticate", challenge);
    return HTTP_FORBIDDEN;
}

int cog_page_text(request_rec *r, int status, const char *title, const char *message)
{
    /* UTF-8 stays as it is (the page says charset=utf-8); markup is escaped. */
    const char *t = ap_escape_html2(r->pool, title, 0);
    const char *m = ap_escape_html2(r->pool, message, 0);
    const char *html = apr_pstrcat(r->pool,
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>", t, "</title></head>"
        "<body><h1>", t, "</h1><p>", m, "</p></body></html>\n", NULL);
    cog_no_store(r);
    apr_table_setn(r->subprocess_env, "suppress-error-charset", "1");
    ap_custom_response(r, status, html);
    return status;
}

int cog_page(request_rec *r, int status, const cog_error_t *err, const char *context, const char *advice)
{
    const cog_reason_info_t *info = cog_reason_info(err->reason);
    int code = status ? status : info->http_status;
    cog_log_reason(r, code >= 500 ? APLOG_ERR : APLOG_WARNING, err, context);
    const char *message = apr_pstrcat(r->pool, info->public_text, " (", info->tag, ").",
                                      advice ? " " : "", advice ? advice : "", NULL);
    return cog_page_text(r, code, code >= 500 ? "Sign-in is unavailable" : "Sign-in failed", message);
}
