/*
 * error.h — the one error type of mod_auth_cognito.
 *
 * Every failure anywhere in the module is a cog_error_t: a reason code from the
 * table below plus a short, human detail.  The reason decides the HTTP status, the
 * stable log tag (COGNITOnnnn) and the machine name operators grep for; the detail
 * says what exactly was wrong.  Details are written by our own code from fixed
 * strings and numbers: they never contain a token, code, secret or cookie value.
 */
#ifndef COG_ERROR_H
#define COG_ERROR_H

#include <stddef.h>

typedef enum {
    COG_OK = 0,
    /* configuration (COGNITO00xx) */
    COG_E_CONFIG,
    /* bearer / token verification (COGNITO01xx) */
    COG_E_BEARER_MISSING,
    COG_E_BEARER_OTHER_SCHEME,
    COG_E_TOKEN_TOO_LARGE,
    COG_E_TOKEN_MALFORMED,
    COG_E_TOKEN_ALG_UNSUPPORTED,
    COG_E_TOKEN_CRIT_HEADER,
    COG_E_TOKEN_KID_INVALID,
    COG_E_TOKEN_KID_UNKNOWN,
    COG_E_TOKEN_KEY_WEAK,
    COG_E_TOKEN_SIGNATURE_INVALID,
    COG_E_TOKEN_CLAIM_MISSING,
    COG_E_TOKEN_CLAIM_TYPE,
    COG_E_TOKEN_EXPIRED,
    COG_E_TOKEN_NOT_YET_VALID,
    COG_E_TOKEN_IAT_FUTURE,
    COG_E_TOKEN_ISSUER_MISMATCH,
    COG_E_TOKEN_USE_MISMATCH,
    COG_E_TOKEN_CLIENT_MISMATCH,
    COG_E_TOKEN_AUDIENCE_MISMATCH,
    COG_E_TOKEN_NONCE_MISMATCH,
    COG_E_TOKEN_NO_USER,
    /* key set (COGNITO02xx) */
    COG_E_JWKS_UNAVAILABLE,
    COG_E_JWKS_INVALID,
    /* outbound HTTP (COGNITO03xx) */
    COG_E_HTTP_TIMEOUT,
    COG_E_HTTP_CONNECT,
    COG_E_HTTP_TOO_LARGE,
    COG_E_HTTP_STATUS,
    COG_E_HTTP_FAILED,
    /* Cognito's OAuth endpoints (COGNITO03xx, continued) */
    COG_E_TOKEN_ENDPOINT_INVALID,
    COG_E_GRANT_REFUSED,
    COG_E_CLIENT_REFUSED,
    /* browser login and sessions (COGNITO04xx) */
    COG_E_LOGIN_REQUIRED,
    COG_E_CALLBACK_METHOD,
    COG_E_CALLBACK_BAD_REQUEST,
    COG_E_IDP_ERROR,
    COG_E_STATE_MISSING,
    COG_E_STATE_UNKNOWN,
    COG_E_STATE_BROWSER_MISMATCH,
    COG_E_SESSION_STORE,
    COG_E_SESSION_INVALID,
    COG_E_SESSION_EXPIRED,
    COG_E_SESSION_IDLE,
    COG_E_REFRESH_REFUSED,
    COG_E_REFRESH_FAILED,
    COG_E_LOGOUT_METHOD,
    COG_E_STATE_REPLAYED,
    COG_E_INSUFFICIENT_SCOPE,
    COG_E_IDENTITY_UNAVAILABLE,
    COG_E_IDENTITY_THROTTLED,
    COG_E_IDENTITY_NOT_AUTHORIZED,
    COG_E_IDENTITY_NOT_FOUND,
    COG_E_IDENTITY_POOL_CONFIG,
    COG_E_IDENTITY_RESPONSE_INVALID,
    COG_E_IDENTITY_REFUSED,
    /* internal (COGNITO09xx) */
    COG_E_INTERNAL,
    COG_REASON_COUNT
} cog_reason_t;

typedef struct {
    cog_reason_t reason;
    const char  *detail;     /* fixed text or built from non-secret values; may be NULL */
} cog_error_t;

typedef struct {
    const char *tag;          /* "COGNITO0107" */
    const char *name;         /* "token_expired" — stable, documented in README */
    int         http_status;  /* what a request failing for this reason gets */
    const char *public_text;  /* safe to show a client (RFC 6750 error_description) */
} cog_reason_info_t;

/* The table row for a reason; never NULL (unknown values map to COG_E_INTERNAL). */
const cog_reason_info_t *cog_reason_info(cog_reason_t reason);

/* Convenience: set *err (when err != NULL) and return the reason. */
cog_reason_t cog_fail(cog_error_t *err, cog_reason_t reason, const char *detail);

/* True when the reason means "the token presented is bad" (401 invalid_token), as
 * opposed to "we could not check it" (5xx). */
int cog_reason_is_token_fault(cog_reason_t reason);

#endif
