/*
 * login.h — browser login through Cognito's managed login (authorization code
 * flow with PKCE S256, state and nonce).
 *
 * A login attempt is a state record in the shared cache (return path, PKCE
 * verifier, nonce, exact redirect_uri), sealed under its random state value,
 * single-use, valid CognitoStateTimeout (5 minutes), and bound to the browser by a per-attempt cookie
 * whose hash the record holds.  Several attempts (tabs) can be pending at once;
 * at most COG_LOGIN_MAX_PENDING state cookies are kept, oldest dropped first.
 */
#ifndef COG_LOGIN_H
#define COG_LOGIN_H

#include <httpd.h>
#include "config.h"

#define COG_LOGIN_MAX_PENDING  8

/* 1 when the request may be answered with a login redirect (a top-level GET
 * navigation), 0 for XHR/fetch/API calls, which get 401 instead. */
int cog_login_is_navigation(request_rec *r);

/* 302 to /oauth2/authorize (state cookie set), or an error status. */
int cog_login_start(request_rec *r, const cog_dir_config_t *c);

/* The callback (CognitoRedirectURI): always answers (302 to the original page, or
 * an error page); never lets the request through. */
int cog_login_callback(request_rec *r, const cog_dir_config_t *c);

#endif
