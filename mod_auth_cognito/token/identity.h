/*
 * identity.h — puts a verified identity on the request: r->user, AUTH_TYPE, the
 * COGNITO_* environment, and the claims kept for the Require providers.
 * Shared by every way in (Bearer tokens and browser sessions).
 */
#ifndef COG_IDENTITY_H
#define COG_IDENTITY_H

#include <httpd.h>
#include <cjson/cJSON.h>
#include "token/claims.h"
#include "cfg/config.h"
#include "cfg/error.h"
#include "store/record.h"

/* What the request knows about its user, kept in r->request_config. */
typedef struct {
    const cJSON *claims;        /* ID-token claims (session) or access-token claims (Bearer) */
    const char  *scope;         /* access token scope */
    int          via_bearer;
    const char  *access_token;  /* raw tokens, exported only with CognitoPassTokens on */
    const char  *id_token;
    double       session_expires;   /* sessions: when the session ends unless used/refreshed */
    double       tokens_expire;     /* exp of the access token in use */
    const char  *issuer;            /* the pool (issuer) and app client it was verified for */
    const char  *client_id;
    const char  *pool_id;
    const cog_aws_state_t *aws;     /* usable identity-pool credentials (flow/aws.h), or NULL */
} cog_request_identity_t;

/* An identity ready to put on requests: the user name and every variable, made
 * once from verified claims.  Depends only on the claims, the scope and the claim
 * names configured (CognitoRemoteUserClaim, CognitoGroupsClaim,
 * CognitoTenantClaim); which variables go to the environment and which to
 * headers is decided when it is published.  Read-only once made, so one copy can
 * serve many requests (the token cache and the opened-session table keep them). */
typedef struct {
    const char               *user;
    const cog_identity_var_t *vars;      /* header NULL where the value is too long for one */
    int                       nvars;
    const cJSON              *claims;
    const char               *scope;
    const char               *user_claim;   /* as configured (NULL = default) */
    const char               *groups_claim;
    const char               *tenant_claim;
    const char               *pool_id;      /* the pool the claims came from */
    int                       with_headers; /* header names were made (CognitoPassClaimsAs headers/both) */
} cog_rendered_identity_t;

/* What an identity is made from besides the claims. */
typedef struct {
    const char *scope;          /* the access token's scope (sessions: the ID token has none) */
    const char *pool_id;        /* the pool the claims came from; NULL: the configuration's first
                                 * pool, which is a session's only one */
    const char *claims_json;    /* the claims' JSON text from the token, or NULL (claims.h) */
} cog_identity_source_t;

/* Makes the identity in pool p.  Fails with token_no_user when the claims name no
 * user.  The claims (and src's strings) must live at least as long as p. */
cog_reason_t cog_identity_render(apr_pool_t *p, const cog_dir_config_t *c, const cJSON *claims,
                                 const cog_identity_source_t *src, cog_rendered_identity_t **out,
                                 cog_error_t *err);

/* A copy of id and its claims as plain heap objects (about the size of the
 * claims plus the exported values, no pool overhead), for caches holding many;
 * freed with cog_identity_free_copy.  NULL when out of memory. */
cog_rendered_identity_t *cog_identity_copy(const cog_rendered_identity_t *id);
void cog_identity_free_copy(void *copy);

/* 1 when id was rendered with the claim names configuration c asks for. */
int cog_identity_rendered_for(const cog_rendered_identity_t *id, const cog_dir_config_t *c);

/* Sets r->user, AUTH_TYPE and the environment/headers c asks for.  id (and what
 * it points to) must stay valid until r->pool is cleaned up. */
void cog_identity_publish(request_rec *r, const cog_dir_config_t *c, const cog_rendered_identity_t *id,
                          int via_bearer);

/* Render in r->pool (pool_id as for cog_identity_render), then publish. */
cog_reason_t cog_identity_apply(request_rec *r, const cog_dir_config_t *c, const cJSON *claims,
                                const char *scope, const char *pool_id, int via_bearer, cog_error_t *err);

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

/* The session's usable AWS credentials (exported in fixups by flow/aws.c). */
void cog_identity_set_aws(request_rec *r, const cog_aws_state_t *aws);

/* Session timers for the info endpoint. */
void cog_identity_set_session(request_rec *r, double session_expires, double tokens_expire);

#endif
