/*
 * login.h — browser login through Cognito's managed login (authorization code
 * flow with PKCE S256, state and nonce).
 *
 * A login attempt (return path, PKCE verifier, nonce, exact redirect_uri) travels
 * sealed in a state cookie (login_state.h): starting a login writes nothing to
 * the store.  It is single-use, valid CognitoStateTimeout (5 minutes), and bound
 * to the browser that holds the cookie.  Several attempts (tabs) can be pending
 * at once.
 */
#ifndef COG_LOGIN_H
#define COG_LOGIN_H

#include <httpd.h>
#include "cfg/config.h"

/* 302 to /oauth2/authorize (state cookie set), or an error status. */
int cog_login_start(request_rec *r, const cog_dir_config_t *c);

/* The state cookie set and the /oauth2/authorize URL in *authorize_url: OK, or an
 * error status (page made).  post_kept: a form post waits in the browser, and the
 * callback answers with the page that re-submits it (flow/preserve_post.h). */
int cog_login_prepare(request_rec *r, const cog_dir_config_t *c, int post_kept, const char **authorize_url);

/* The callback (CognitoRedirectURI): always answers (302 to the original page, the
 * page re-submitting a kept form post, or an error page); never lets the request
 * through. */
int cog_login_callback(request_rec *r, const cog_dir_config_t *c);

#endif
