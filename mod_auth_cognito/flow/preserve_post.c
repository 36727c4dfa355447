/*
 * preserve_post.c — keeping a form post across the login, in the browser.
 */
#include "flow/preserve_post.h"
#include "flow/form_pages.h"
#include "flow/login.h"
#include "cfg/log.h"
#include "util/form.h"
#include "util/return_path.h"

#include <string.h>
#include <strings.h>
#include <apr_strings.h>
#include <http_core.h>
#include <http_protocol.h>

/* A post from a page of this same origin (a cross-site page must not make the
 * victim's browser post anything after the victim signs in). */
static int same_origin(request_rec *r)
{
    const char *site = apr_table_get(r->headers_in, "Sec-Fetch-Site");
    if (site)
        return strcasecmp(site, "same-origin") == 0;
    const char *origin = apr_table_get(r->headers_in, "Origin");
    return origin && strcasecmp(origin, ap_construct_url(r->pool, "", r)) == 0;
}

static int is_urlencoded(request_rec *r)
{
    const char *type = apr_table_get(r->headers_in, "Content-Type");
    size_t n = strlen("application/x-www-form-urlencoded");
    return type && strncasecmp(type, "application/x-www-form-urlencoded", n) == 0
        && (type[n] == '\0' || type[n] == ';' || type[n] == ' ');
}

/* The whole body if it has at most max bytes; NULL with *why otherwise. */
static const char *read_body(request_rec *r, apr_size_t max, apr_size_t *len, const char **why)
{
    const char *declared = apr_table_get(r->headers_in, "Content-Length");
    if (declared && apr_atoi64(declared) > (apr_int64_t)max) {
        *why = apr_psprintf(r->pool, "the body (%s bytes) is larger than CognitoPreservePostMax (%lu bytes)",
                            declared, (unsigned long)max);
        return NULL;
    }
    if (ap_setup_client_block(r, REQUEST_CHUNKED_DECHUNK) != OK) {
        *why = "the body cannot be read";
        return NULL;
    }
    char *buf = apr_palloc(r->pool, max + 1);
    apr_size_t n = 0;
    long got = 0;
    if (ap_should_client_block(r))
        while (n <= max && (got = ap_get_client_block(r, buf + n, max + 1 - n)) > 0)
            n += (apr_size_t)got;
    if (got < 0) {
        *why = "the body could not be read";
        return NULL;
    }
    if (n > max) {
        *why = apr_psprintf(r->pool, "the body is larger than CognitoPreservePostMax (%lu bytes)", (unsigned long)max);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* Why this post cannot be kept, or NULL with its fields in *fields. */
static const char *not_keepable(request_rec *r, const cog_dir_config_t *c, apr_array_header_t **fields)
{
    if (!cog_cfg_preserve_post(c))
        return "CognitoPreservePost is off";
    if (!same_origin(r))
        return "it came from another site (or its origin is unknown)";
    if (!is_urlencoded(r)) {
        const char *type = apr_table_get(r->headers_in, "Content-Type");
        return apr_psprintf(r->pool, "only application/x-www-form-urlencoded bodies are kept, not %s",
                            type ? ap_escape_logitem(r->pool, apr_pstrndup(r->pool, type, 64)) : "a body without type");
    }
    const char *why = NULL;
    apr_size_t len = 0;
    const char *body = read_body(r, (apr_size_t)cog_cfg_preserve_post_max(c), &len, &why);
    if (body == NULL)
        return why;
    if ((*fields = cog_form_parse(r->pool, body, len, &why)) == NULL)
        return apr_pstrcat(r->pool, "the body has ", why, NULL);
    return NULL;
}

int cog_preserve_post_login(request_rec *r, const cog_dir_config_t *c)
{
    apr_array_header_t *fields = NULL;
    const char *why = not_keepable(r, c, &fields);
    if (why) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "form post not kept across the login: %s; the user signs "
                      "in and must send the form again", why);
        return cog_login_start(r, c);
    }
    const char *login;
    int status = cog_login_prepare(r, c, 1, &login);
    if (status != OK)
        return status;
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "form post of %d field(s) kept in the browser across the login",
                  fields->nelts);
    /* The same path the sealed state returns to: the callback's page compares them. */
    return cog_form_page_keep(r, cog_safe_return_path(r->pool, r->unparsed_uri), login, fields);
}
