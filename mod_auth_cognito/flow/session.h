/*
 * session.h — browser sessions: the cookie holds only a random 256-bit id; the
 * record (tokens, claims, timers) lives in the shared cache, sealed with a key
 * derived from the id and stored under another value derived from it, so a dump
 * of the cache shows neither tokens nor cookie values.
 *
 * Per request: find the session, enforce maximum age and idle timeout, refresh
 * the tokens shortly before the access token expires (one refresh per session at
 * a time on this server; others keep using the still-valid token or wait for the
 * refresh), and put the identity on the request.
 */
#ifndef COG_SESSION_H
#define COG_SESSION_H

#include <httpd.h>
#include <cjson/cJSON.h>
#include "cfg/config.h"
#include "proto/oauth.h"

/* OK: the request is authenticated.  DECLINED: no usable session (the caller
 * decides between login, 401 and pass).  Anything else: an HTTP status, logged. */
int cog_session_authenticate(request_rec *r, const cog_dir_config_t *c);

/* CognitoRefreshOnForbidden: a Require cognito-* line refused the signed-in user of
 * r.  Refreshes the session's tokens (single flight, unless they were renewed less
 * than that many seconds ago) and puts the new identity on r.  1 when new claims
 * were published (authorization should decide again), else 0. */
int cog_session_refresh_claims(request_rec *r, const cog_dir_config_t *c);

/* After a successful login: stores a new session under a fresh id and sets the
 * cookie.  OK or an HTTP status. */
int cog_session_create(request_rec *r, const cog_dir_config_t *c, const cog_token_set_t *tokens,
                       cJSON *id_claims, const cJSON *access_claims);

/* CognitoLogoutPath: ends the session here and at Cognito, clears the cookie and
 * sends the browser to Cognito's /logout. */
int cog_session_logout(request_rec *r, const cog_dir_config_t *c);

#endif
