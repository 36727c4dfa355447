/*
 * record.h — the module's records as JSON, before sealing (store.h seals them):
 * a browser session (tokens + the ID token's claims + timers, and the issuer and
 * app client it belongs to), its last-seen time (a small separate record, so that
 * activity never rewrites the tokens), and a pending login (PKCE verifier, nonce,
 * return path), which travels sealed in the browser's state cookie.  Pure.
 * Decoding treats the text as untrusted (it comes back from a store or a browser):
 * strict JSON, every field of the expected type, or the record is refused.
 */
#ifndef COG_RECORD_H
#define COG_RECORD_H

#include <apr_pools.h>
#include <cjson/cJSON.h>
#include "util/crypto.h"

/* The user's identity-pool state (CognitoIdentityPool), kept only inside the
 * sealed session record. */
typedef struct {
    const char *identity_id;    /* from GetId, kept for the session's life; NULL before */
    const char *access_key_id;  /* the credentials; NULL when none are held */
    const char *secret_key;
    const char *session_token;
    const char *role_arn;       /* the role asked for or named by the token; NULL: the pool's default */
    double      expiration;     /* of the credentials */
    double      obtained;       /* when they were obtained */
    double      failed;         /* the last failed attempt (0: none) */
    const char *failure;        /* its reason name */
} cog_aws_state_t;

typedef struct {
    const char *issuer;         /* whom the record belongs to */
    const char *client_id;
    double      created;        /* login time, seconds since the epoch */
    double      last_seen;      /* activity when the record was written (see the seen record) */
    double      refreshed;      /* last login or successful token refresh */
    double      forbidden_refresh; /* last refresh CognitoRefreshOnForbidden made (0: none) */
    double      access_exp;     /* exp of access_token */
    const char *id_token;
    const char *access_token;
    const char *refresh_token;  /* NULL when Cognito gave none */
    const char *scope;          /* the access token's scope; NULL when none */
    cJSON      *claims;         /* ID token claims (freed with the pool) */
    cog_aws_state_t *aws;       /* NULL without an identity pool */
} cog_session_t;

typedef struct {
    double      created;
    const char *return_path;
    const char *redirect_uri;   /* exactly as sent to /oauth2/authorize */
    const char *verifier;       /* PKCE code_verifier */
    const char *nonce;
    int         post_kept;      /* a form post waits in the browser (flow/preserve_post.h) */
} cog_login_state_t;

char *cog_session_encode(apr_pool_t *p, const cog_session_t *s);
/* NULL with *why when the text is not a valid session record. */
cog_session_t *cog_session_decode(apr_pool_t *p, const char *text, size_t len, const char **why);

char *cog_state_encode(apr_pool_t *p, const cog_login_state_t *st);
cog_login_state_t *cog_state_decode(apr_pool_t *p, const char *text, size_t len, const char **why);

char *cog_seen_encode(apr_pool_t *p, double last_seen);
/* 0 and *last_seen, or -1 with *why. */
int cog_seen_decode(const char *text, size_t len, double *last_seen, const char **why);

/* Where a record lives and the key it is sealed with (store.h explains why):
 *   family = HMAC-SHA256(secret, "mod_auth_cognito record v2\n" issuer "\n" client "\n" id)
 *   slot   = HMAC-SHA256(family, "slot " kind),  key = HMAC-SHA256(family, "key " kind)
 * `family` may be given precomputed (then secret is not used).  0 on success. */
int cog_record_family(const char *secret, const char *issuer, const char *client, const char *id,
                      unsigned char family[32]);
int cog_record_kind_keys(const unsigned char family[32], const char *kind, unsigned char slot[32],
                         unsigned char key[32]);

/* 1 when s is 43 base64url characters (a 256-bit id as we issue them). */
int cog_record_secret_valid(const char *s);

#endif
