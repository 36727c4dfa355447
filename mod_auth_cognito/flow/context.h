/*
 * context.h — what a request derives from its configuration: verification
 * parameters, the OAuth client, cookie attributes, absolute URLs.  Keeps those
 * derivations in one place so Bearer, login and session code agree on them.
 */
#ifndef COG_CONTEXT_H
#define COG_CONTEXT_H

#include <httpd.h>
#include "cfg/config.h"
#include "util/cookie.h"
#include "proto/oauth.h"
#include "token/verify.h"

void cog_ctx_verify_params(request_rec *r, const cog_dir_config_t *c, cog_token_use_t use,
                           const char *nonce, cog_verify_params_t *out);
/* 0, or -1 when browser login is not configured (no CognitoDomain). */
int cog_ctx_oauth_client(request_rec *r, const cog_dir_config_t *c, cog_oauth_client_t *out);
#define COG_HOST_PREFIX "__Host-"
/* The session cookie's name on this request: `__Host-<CognitoCookieName>` over
 * HTTPS when neither CognitoCookieDomain nor CognitoCookiePath is set (then only
 * that name is read), else CognitoCookieName.  State cookies derive from it. */
const char *cog_ctx_cookie_name(request_rec *r, const cog_dir_config_t *c);
void cog_ctx_cookie_attrs(request_rec *r, const cog_dir_config_t *c, long max_age, cog_cookie_attrs_t *out);
/* A configured path or URL made absolute against this request's scheme and host. */
const char *cog_ctx_absolute(request_rec *r, const char *path_or_url);
const char *cog_ctx_redirect_uri(request_rec *r, const cog_dir_config_t *c);
/* The path part of CognitoRedirectURI / a path-or-URL setting. */
const char *cog_ctx_path_of(request_rec *r, const char *path_or_url);
/* Adds "Set-Cookie" to err_headers_out (kept on redirects and errors). */
void cog_ctx_set_cookie(request_rec *r, const char *cookie);
double cog_ctx_now(void);

#endif
