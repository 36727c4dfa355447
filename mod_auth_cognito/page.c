/*
 * page.c — escaped HTML error pages through ap_custom_response().
 */
#include "page.h"
#include "log.h"

#include <apr_strings.h>
#include <http_core.h>
#include <http_protocol.h>

int cog_page_text(request_rec *r, int status, const char *title, const char *message)
{
    /* UTF-8 stays as it is (the page says charset=utf-8); markup is escaped. */
    const char *t = ap_escape_html2(r->pool, title, 0);
    const char *m = ap_escape_html2(r->pool, message, 0);
    const char *html = apr_pstrcat(r->pool,
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>", t, "</title></head>"
        "<body><h1>", t, "</h1><p>", m, "</p></body></html>\n", NULL);
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
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
