/*
 * oauth.h — the OAuth 2.0 side of Cognito's managed login: PKCE (RFC 7636, S256
 * only), the authorize and logout URLs, and the back-channel calls to the token
 * endpoint (code exchange, refresh) and the revocation endpoint.  Responses are
 * parsed strictly and every failure becomes a reason with a 4xx/5xx status.
 */
#ifndef COG_OAUTH_H
#define COG_OAUTH_H

#include <apr_pools.h>
#include <apr_tables.h>
#include "cfg/error.h"
#include "proto/http.h"

typedef struct {
    const char      *domain;          /* https://<prefix>.auth.<region>.amazoncognito.com */
    const char      *client_id;
    const char      *client_secret;   /* NULL: public client */
    cog_http_opts_t  http;
} cog_oauth_client_t;

typedef struct {
    const char *id_token;       /* NULL on a refresh that returned none */
    const char *access_token;
    const char *refresh_token;  /* NULL unless issued (login, or refresh with rotation) */
    double      expires_in;
} cog_token_set_t;

/* RFC 7636: 32 random bytes → 43-character verifier; challenge = b64url(SHA-256). */
int cog_pkce_pair(apr_pool_t *p, const char **verifier, const char **challenge);
const char *cog_pkce_challenge(apr_pool_t *p, const char *verifier);

typedef struct {
    const char *redirect_uri;
    const char *scope;
    const char *state;
    const char *nonce;
    const char *code_challenge;
    const char *identity_provider;    /* NULL: none */
    const apr_array_header_t *extra;  /* of const char * pairs: name, value, name, value ... */
} cog_authorize_params_t;

const char *cog_authorize_url(apr_pool_t *p, const cog_oauth_client_t *client, const cog_authorize_params_t *ap);
const char *cog_logout_url(apr_pool_t *p, const cog_oauth_client_t *client, const char *logout_uri);

/* Pure: a token endpoint JSON answer → token set.  `require_id` for the code grant. */
cog_reason_t cog_token_response_parse(apr_pool_t *p, const char *body, size_t len, int require_id,
                                      cog_token_set_t *out, cog_error_t *err);

/* Pure: the "error" member of an OAuth error answer, sanitised, or NULL. */
const char *cog_oauth_error_code(apr_pool_t *p, const char *body, size_t len);

cog_reason_t cog_oauth_exchange_code(apr_pool_t *p, const cog_oauth_client_t *client, const char *code,
                                     const char *redirect_uri, const char *verifier,
                                     cog_token_set_t *out, cog_error_t *err);

/* COG_E_REFRESH_REFUSED when Cognito says invalid_grant (revoked, global sign-out). */
cog_reason_t cog_oauth_refresh(apr_pool_t *p, const cog_oauth_client_t *client, const char *refresh_token,
                               cog_token_set_t *out, cog_error_t *err);

cog_reason_t cog_oauth_revoke(apr_pool_t *p, const cog_oauth_client_t *client, const char *refresh_token,
                              cog_error_t *err);

#endif
