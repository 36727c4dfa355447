/*
 * record.h — the two records kept in the shared cache, as JSON before sealing:
 * a browser session (tokens + the ID token's claims + timers) and a pending login
 * (PKCE verifier, nonce, return path, browser binding).  Pure.  Decoding treats
 * the text as untrusted (a cache can be shared and written by others): strict
 * JSON, every field of the expected type, or the record is refused.
 */
#ifndef COG_RECORD_H
#define COG_RECORD_H

#include <apr_pools.h>
#include <cjson/cJSON.h>
#include "crypto.h"

typedef struct {
    double      created;        /* login time, seconds since the epoch */
    double      last_seen;      /* idle timer, updated coarsely */
    double      refreshed;      /* last login or successful token refresh */
    double      access_exp;     /* exp of access_token */
    const char *id_token;
    const char *access_token;
    const char *refresh_token;  /* NULL when Cognito gave none */
    const char *scope;          /* the access token's scope; NULL when none */
    cJSON      *claims;         /* ID token claims (freed with the pool) */
} cog_session_t;

typedef struct {
    double      created;
    const char *return_path;
    const char *redirect_uri;   /* exactly as sent to /oauth2/authorize */
    const char *verifier;       /* PKCE code_verifier */
    const char *nonce;
    const char *binding;        /* b64url SHA-256 of the browser-binding cookie value */
} cog_login_state_t;

char *cog_session_encode(apr_pool_t *p, const cog_session_t *s);
/* NULL with *why when the text is not a valid session record. */
cog_session_t *cog_session_decode(apr_pool_t *p, const char *text, size_t len, const char **why);

char *cog_state_encode(apr_pool_t *p, const cog_login_state_t *st);
cog_login_state_t *cog_state_decode(apr_pool_t *p, const char *text, size_t len, const char **why);

/* Cache slot id and encryption key derived from a browser-held secret (session id
 * or login state).  `kind` separates the two uses.  0 on success. */
int cog_record_keys(const char *secret, const char *kind, unsigned char slot[COG_KEY_LEN],
                    unsigned char key[COG_KEY_LEN]);

/* 1 when s is 43 base64url characters (a 256-bit id as we issue them). */
int cog_record_secret_valid(const char *s);

#endif
