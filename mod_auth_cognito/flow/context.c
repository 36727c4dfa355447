/*
 * context.c — per-request derivations from the configuration.
 */
#include "flow/context.h"

#include <string.h>
#include <apr_strings.h>
#include <apr_uri.h>
#include <apr_time.h>
#include <http_core.h>
#include <http_protocol.h>

void cog_ctx_verify_params(request_rec *r, const cog_dir_config_t *c, cog_token_use_t use,
                           const char *nonce, cog_verify_params_t *out)
{
    memset(out, 0, sizeof(*out));
    out->pools = cog_cfg_pool(c, 0);
    out->npools = cog_cfg_pool_count(c);
    /* A browser session belongs to the one client that logged it in. */
    out->clients = &c->client_id;
    out->nclients = c->client_id ? 1 : 0;
    out->token_use = use;
    out->nonce = nonce;
    out->skew = cog_cfg_clock_skew(c);
    out->jwks_ttl = cog_cfg_jwks_ttl(c);
    out->http.timeout_ms = cog_cfg_http_timeout(c) * 1000L;
    out->http.ca_file = c->ca_file;
    out->http.proxy = c->proxy;
}

int cog_ctx_oauth_client(request_rec *r, const cog_dir_config_t *c, cog_oauth_client_t *out)
{
    memset(out, 0, sizeof(*out));
    out->domain = cog_cfg_domain(r->pool, c);
    out->client_id = c->client_id;
    out->client_secret = c->client_secret;
    out->http.timeout_ms = cog_cfg_http_timeout(c) * 1000L;
    out->http.ca_file = c->ca_file;
    out->http.proxy = c->proxy;
    return out->domain ? 0 : -1;
}

static int is_https(request_rec *r)
{
    return strcmp(ap_http_scheme(r), "https") == 0;
}

/* __Host- cookies are Secure, Path=/ and host-only: a sibling subdomain (or a
 * plain-http page of this host) cannot set or overwrite them (RFC 6265bis 4.1.3.2). */
static int host_prefixed(request_rec *r, const cog_dir_config_t *c)
{
    return is_https(r) && c->cookie_domain == NULL && c->cookie_path == NULL;
}

const char *cog_ctx_cookie_name(request_rec *r, const cog_dir_config_t *c)
{
    return host_prefixed(r, c) ? apr_pstrcat(r->pool, COG_HOST_PREFIX, cog_cfg_cookie_name(c), NULL)
                               : cog_cfg_cookie_name(c);
}

void cog_ctx_cookie_attrs(request_rec *r, const cog_dir_config_t *c, long max_age, cog_cookie_attrs_t *out)
{
    out->path = cog_cfg_cookie_path(c);
    out->domain = c->cookie_domain;
    out->same_site = cog_cfg_cookie_same_site(c);
    /* Browsers drop SameSite=None cookies that are not Secure. */
    out->secure = is_https(r) || strcmp(out->same_site, "None") == 0;
    out->max_age = max_age;
}

const char *cog_ctx_absolute(request_rec *r, const char *path_or_url)
{
    return path_or_url[0] == '/' ? ap_construct_url(r->pool, path_or_url, r) : path_or_url;
}

const char *cog_ctx_redirect_uri(request_rec *r, const cog_dir_config_t *c)
{
    return cog_ctx_absolute(r, cog_cfg_redirect_uri(c));
}

const char *cog_ctx_path_of(request_rec *r, const char *path_or_url)
{
    apr_uri_t uri;
    if (path_or_url[0] == '/')
        return path_or_url;
    if (apr_uri_parse(r->pool, path_or_url, &uri) == APR_SUCCESS && uri.path)
        return uri.path;
    return "/";
}

void cog_ctx_set_cookie(request_rec *r, const char *cookie)
{
    apr_table_addn(r->err_headers_out, "Set-Cookie", cookie);
}

double cog_ctx_now(void)
{
    return (double)apr_time_now() / (double)APR_USEC_PER_SEC;
}
