/*
 * identity.h — puts a verified identity on the request: r->user, AUTH_TYPE, the
 * COGNITO_* environment, and the claims kept for the Require providers.
 * Shared by every way in (Bearer now, browser session next).
 */
#ifndef COG_IDENTITY_H
#define COG_IDENTITY_H

#include <httpd.h>
#include <cjson/cJSON.h>
#include "config.h"
#include "error.h"

/* What the request knows about its user, kept in r->request_config. */
typedef struct {
    const cJSON *claims;        /* ID-token claims (session) or access-token claims (Bearer) */
    const char  *scope;         /* access token scope */
    int          via_bearer;
    const char  *access_token;  /* raw tokens, exported only with CognitoPassTokens on */
    const char  *id_token;
    double       session_expires;   /* sessions: when the session ends unless used/refreshed */
    double       tokens_expire;     /* exp of the access token in use */
    const char  *issuer;            /* what the identity was verified against */
    const char  *client_id;
} cog_request_identity_t;

/* Sets r->user from the configured (or default) claim and exports the identity.
 * Fails with token_no_user when the token names no user. */
cog_reason_t cog_identity_apply(request_rec *r, const cog_dir_config_t *c, const cJSON *claims,
                                const char *scope, int via_bearer, cog_error_t *err);

/* Remembers the raw tokens behind the identity (session or Bearer) and, with
 * CognitoPassTokens on, exports them (COGNITO_ACCESS_TOKEN / COGNITO_ID_TOKEN, and
 * Authorization: Bearer to proxied backends when headers are passed). */
void cog_identity_set_tokens(request_rec *r, const cog_dir_config_t *c, const char *access_token,
                             const char *id_token);

/* The identity set on this request (or the main request of a subrequest, or the
 * original of an internal redirect), or NULL. */
const cog_request_identity_t *cog_identity_get(request_rec *r);

/* Subrequests and internal redirects: carries the identity already verified for
 * the request that started the chain over to this one.  With must_match (the
 * target itself uses AuthType Cognito) only for the same issuer and client.
 * COG_OK when it did. */
cog_reason_t cog_identity_inherit(request_rec *r, const cog_dir_config_t *c, int must_match);

/* Session timers for the info endpoint. */
void cog_identity_set_session(request_rec *r, double session_expires, double tokens_expire);

#endif
