/*
 * error.c — reason table: status, log tag, machine name and public text per reason.
 * The tags and names are a stable interface (README "Reason codes"): add, never renumber.
 */
#include "cfg/error.h"

static const cog_reason_info_t reason_table[COG_REASON_COUNT] = {
    [COG_OK]                        = { "COGNITO0000", "ok", 200, "ok" },
    [COG_E_CONFIG]                  = { "COGNITO0001", "config_invalid", 500, "server configuration error" },
    [COG_E_BEARER_MISSING]          = { "COGNITO0100", "bearer_missing", 401, "no access token" },
    [COG_E_BEARER_OTHER_SCHEME]           = { "COGNITO0101", "bearer_other_scheme", 401, "the Authorization header is not a Bearer token" },
    [COG_E_TOKEN_TOO_LARGE]         = { "COGNITO0102", "token_too_large", 401, "the access token is too large" },
    [COG_E_TOKEN_MALFORMED]         = { "COGNITO0103", "token_malformed", 401, "the access token is malformed" },
    [COG_E_TOKEN_ALG_UNSUPPORTED]   = { "COGNITO0104", "token_alg_unsupported", 401, "the token signature algorithm is not accepted" },
    [COG_E_TOKEN_CRIT_HEADER]       = { "COGNITO0105", "token_crit_header", 401, "the token has critical header parameters" },
    [COG_E_TOKEN_KID_INVALID]       = { "COGNITO0106", "token_kid_invalid", 401, "the token key id is invalid" },
    [COG_E_TOKEN_KID_UNKNOWN]       = { "COGNITO0107", "token_kid_unknown", 401, "the token was signed by an unknown key" },
    [COG_E_TOKEN_KEY_WEAK]          = { "COGNITO0108", "token_key_weak", 401, "the token signing key is not acceptable" },
    [COG_E_TOKEN_SIGNATURE_INVALID] = { "COGNITO0109", "token_signature_invalid", 401, "the token signature is invalid" },
    [COG_E_TOKEN_CLAIM_MISSING]     = { "COGNITO0110", "token_claim_missing", 401, "the token lacks a required claim" },
    [COG_E_TOKEN_CLAIM_TYPE]        = { "COGNITO0111", "token_claim_type", 401, "a token claim has the wrong type" },
    [COG_E_TOKEN_EXPIRED]           = { "COGNITO0112", "token_expired", 401, "the access token expired" },
    [COG_E_TOKEN_NOT_YET_VALID]     = { "COGNITO0113", "token_not_yet_valid", 401, "the access token is not valid yet" },
    [COG_E_TOKEN_IAT_FUTURE]        = { "COGNITO0114", "token_iat_future", 401, "the token was issued in the future" },
    [COG_E_TOKEN_ISSUER_MISMATCH]   = { "COGNITO0115", "token_issuer_mismatch", 401, "the token was issued by another issuer" },
    [COG_E_TOKEN_USE_MISMATCH]      = { "COGNITO0116", "token_use_mismatch", 401, "the token is not an access token" },
    [COG_E_TOKEN_CLIENT_MISMATCH]   = { "COGNITO0117", "token_client_mismatch", 401, "the token was issued to another client" },
    [COG_E_TOKEN_AUDIENCE_MISMATCH] = { "COGNITO0118", "token_audience_mismatch", 401, "the token is for another audience" },
    [COG_E_TOKEN_NONCE_MISMATCH]    = { "COGNITO0120", "token_nonce_mismatch", 401, "the token does not belong to this login" },
    [COG_E_TOKEN_NO_USER]           = { "COGNITO0119", "token_no_user", 401, "the token names no user" },
    [COG_E_JWKS_UNAVAILABLE]        = { "COGNITO0201", "jwks_unavailable", 503, "the signing keys are unavailable" },
    [COG_E_JWKS_INVALID]            = { "COGNITO0202", "jwks_invalid", 503, "the signing keys are unusable" },
    [COG_E_HTTP_TIMEOUT]            = { "COGNITO0301", "http_timeout", 504, "the identity provider did not answer in time" },
    [COG_E_HTTP_CONNECT]            = { "COGNITO0302", "http_connect", 502, "the identity provider is unreachable" },
    [COG_E_HTTP_TOO_LARGE]          = { "COGNITO0303", "http_too_large", 502, "the identity provider sent too much data" },
    [COG_E_HTTP_STATUS]             = { "COGNITO0304", "http_status", 502, "the identity provider answered with an error" },
    [COG_E_HTTP_FAILED]             = { "COGNITO0305", "http_failed", 502, "the request to the identity provider failed" },
    [COG_E_TOKEN_ENDPOINT_INVALID]  = { "COGNITO0306", "token_response_invalid", 502, "the identity provider sent an unusable token response" },
    [COG_E_GRANT_REFUSED]           = { "COGNITO0307", "grant_refused", 400, "the identity provider refused the login code" },
    [COG_E_CLIENT_REFUSED]          = { "COGNITO0308", "client_refused", 500, "the identity provider refused this server's client credentials" },
    [COG_E_LOGIN_REQUIRED]          = { "COGNITO0401", "login_required", 401, "sign-in required" },
    [COG_E_CALLBACK_METHOD]         = { "COGNITO0402", "callback_method", 405, "the sign-in callback accepts GET only" },
    [COG_E_CALLBACK_BAD_REQUEST]    = { "COGNITO0403", "callback_bad_request", 400, "the sign-in callback request is malformed" },
    [COG_E_IDP_ERROR]               = { "COGNITO0404", "idp_error", 400, "the identity provider reported an error" },
    [COG_E_STATE_MISSING]           = { "COGNITO0405", "state_missing", 400, "the sign-in response has no state" },
    [COG_E_STATE_UNKNOWN]           = { "COGNITO0406", "state_unknown", 400, "this sign-in attempt is unknown, already used or expired" },
    [COG_E_STATE_BROWSER_MISMATCH]  = { "COGNITO0407", "state_browser_mismatch", 400, "this sign-in was started in another browser" },
    [COG_E_SESSION_STORE]           = { "COGNITO0408", "session_store_unavailable", 503, "the session store is unavailable" },
    [COG_E_SESSION_INVALID]         = { "COGNITO0409", "session_invalid", 401, "the session is not valid" },
    [COG_E_SESSION_EXPIRED]         = { "COGNITO0410", "session_expired", 401, "the session reached its maximum age" },
    [COG_E_SESSION_IDLE]            = { "COGNITO0411", "session_idle", 401, "the session was idle too long" },
    [COG_E_REFRESH_REFUSED]         = { "COGNITO0412", "refresh_refused", 401, "the identity provider ended the session" },
    [COG_E_REFRESH_FAILED]          = { "COGNITO0413", "refresh_failed", 503, "the session could not be renewed" },
    [COG_E_LOGOUT_METHOD]           = { "COGNITO0414", "logout_method", 405, "logout accepts GET and POST only" },
    [COG_E_STATE_REPLAYED]          = { "COGNITO0415", "state_replayed", 400, "this sign-in response was already used" },
    [COG_E_INSUFFICIENT_SCOPE]      = { "COGNITO0121", "insufficient_scope", 403, "the access token does not grant access to this resource" },
    [COG_E_IDENTITY_UNAVAILABLE]    = { "COGNITO0501", "identity_unavailable", 503, "the AWS credentials service is unavailable" },
    [COG_E_IDENTITY_THROTTLED]      = { "COGNITO0502", "identity_throttled", 503, "the AWS credentials service is busy" },
    [COG_E_IDENTITY_NOT_AUTHORIZED] = { "COGNITO0503", "identity_not_authorized", 503, "the identity pool does not accept this sign-in" },
    [COG_E_IDENTITY_NOT_FOUND]      = { "COGNITO0504", "identity_pool_not_found", 503, "the identity pool or identity does not exist" },
    [COG_E_IDENTITY_POOL_CONFIG]    = { "COGNITO0505", "identity_pool_misconfigured", 503, "the identity pool cannot choose a role for this user" },
    [COG_E_IDENTITY_RESPONSE_INVALID] = { "COGNITO0506", "identity_response_invalid", 503, "the AWS credentials service sent an unusable answer" },
    [COG_E_IDENTITY_REFUSED]        = { "COGNITO0507", "identity_refused", 503, "the AWS credentials service refused the request" },
    [COG_E_INTERNAL]                = { "COGNITO0901", "internal_error", 500, "internal error" },
};

const cog_reason_info_t *cog_reason_info(cog_reason_t reason)
{
    if ((int)reason < 0 || reason >= COG_REASON_COUNT || reason_table[reason].tag == NULL)
        return &reason_table[COG_E_INTERNAL];
    return &reason_table[reason];
}

cog_reason_t cog_fail(cog_error_t *err, cog_reason_t reason, const char *detail)
{
    if (err) {
        err->reason = reason;
        err->detail = detail;
    }
    return reason;
}

int cog_reason_is_token_fault(cog_reason_t reason)
{
    return reason >= COG_E_BEARER_MISSING && reason <= COG_E_TOKEN_NO_USER;
}
