/*
 * http.h — the module's only HTTP client (libcurl), for calls to Cognito.
 *
 * Every call is bounded: total time (CognitoHTTPTimeout), response size, no
 * redirects, http/https only, TLS peer and host verification always on.  Errors map
 * to reasons with 502/504 statuses; the URL's query and any body are never logged.
 * Thread-safe: one easy handle per call (NOSIGNAL, so no SIGALRM in threaded MPMs).
 */
#ifndef COG_HTTP_H
#define COG_HTTP_H

#include <stddef.h>
#include <apr_pools.h>
#include "cfg/error.h"

/* Which Cognito endpoint a call goes to (metrics label). */
typedef enum { COG_HTTP_TOKEN = 0, COG_HTTP_JWKS = 1, COG_HTTP_REVOKE = 2, COG_HTTP_IDENTITY = 3 } cog_http_endpoint_t;

typedef struct {
    long        timeout_ms;     /* whole request */
    const char *ca_file;        /* NULL: system store */
    const char *proxy;          /* NULL: none configured (libcurl then honours *_proxy env) */
    size_t      max_response;   /* bytes */
    cog_http_endpoint_t endpoint;
    const char *content_type;   /* of a POST body; NULL: application/x-www-form-urlencoded */
    const char *extra_header;   /* one more request header line ("Name: value"), or NULL */
} cog_http_opts_t;

typedef struct {
    long        status;
    char       *body;           /* NUL-terminated, from the pool */
    size_t      body_len;
    double      seconds;        /* total time */
} cog_http_response_t;

/* Process-wide libcurl setup; call once before threads start (post_config). */
void cog_http_global_init(void);
void cog_http_global_cleanup(void);

/* GET (form_body == NULL) or POST of form_body (application/x-www-form-urlencoded
 * unless opts->content_type says otherwise).  With
 * basic_user set, sends HTTP Basic credentials (RFC 6749 §2.3.1 encoding is the
 * caller's job).  Any HTTP status is a success here; the caller judges it. */
cog_reason_t cog_http_request(apr_pool_t *p, const cog_http_opts_t *opts, const char *url,
                              const char *form_body, const char *basic_user,
                              const char *basic_password, cog_http_response_t *resp,
                              cog_error_t *err);

#endif
