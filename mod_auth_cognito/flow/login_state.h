/*
 * login_state.h — a pending browser login, kept by the browser.
 *
 * The state (return path, PKCE verifier, nonce, exact redirect_uri, creation
 * time) travels in a state cookie `<session cookie name>_state_<first 16
 * characters of state>` whose value is `<created>.<sealed>`: AES-256-GCM under a
 * key derived from the server secret, the location's issuer and app client, and
 * the `state` parameter itself (store.h's derivation, kind "state").  So the
 * cookie opens only with the secret, at a location of the same client, together
 * with the exact state Cognito echoes back, and only in the browser that holds
 * it.  Starting a login writes nothing to the store: anonymous traffic cannot
 * fill or flush it.
 *
 * Single use: after Cognito accepted the code, a small consumed marker for the
 * state is added to the store (atomically; servers sharing the store agree);
 * a callback whose state is already marked is refused before Cognito is asked.
 * At most COG_LOGIN_MAX_PENDING state cookies are kept (several tabs), oldest
 * dropped first.
 */
#ifndef COG_LOGIN_STATE_H
#define COG_LOGIN_STATE_H

#include <httpd.h>
#include "cfg/config.h"
#include "cfg/error.h"
#include "store/record.h"

#define COG_LOGIN_MAX_PENDING 8

/* Seals st into a new state cookie (set on r) and returns the state value to send
 * to Cognito, or NULL with *err. */
const char *cog_login_state_issue(request_rec *r, const cog_dir_config_t *c, const cog_login_state_t *st,
                                  cog_error_t *err);

/* The state cookie for `state`, opened and checked (age); the cookie is deleted on
 * the response either way.  OK, or an HTTP status with *err. */
int cog_login_state_open(request_rec *r, const cog_dir_config_t *c, const char *state, cog_login_state_t **out,
                         cog_error_t *err);

/* OK when no callback has used `state` yet; else an HTTP status with *err
 * (state_replayed, or the store is unreachable). */
int cog_login_state_unused(request_rec *r, const cog_dir_config_t *c, const char *state, cog_error_t *err);
/* Marks `state` used (once Cognito accepted its code).  OK, or an HTTP status with
 * *err when another callback marked it first or the store failed. */
int cog_login_state_consume(request_rec *r, const cog_dir_config_t *c, const char *state,
                            const cog_login_state_t *st, cog_error_t *err);

#endif
