/*
 * identity.h — Cognito identity pools, the two calls that turn a user-pool ID
 * token into that user's temporary AWS credentials (AWS JSON 1.1, the unsigned
 * public API: no AWS credentials needed to call it):
 *
 *   GetId                      {IdentityPoolId, Logins} → IdentityId (once per session)
 *   GetCredentialsForIdentity  {IdentityId, Logins, CustomRoleArn?} → Credentials
 *
 * Logins = {"cognito-idp.<region>.amazonaws.com/<user pool id>": <ID token>}.
 * Answers are parsed strictly: every value the application will see is printable
 * ASCII of a bounded length, or the answer is refused (identity_response_invalid).
 * AWS error types map to reasons (throttled, not authorized, not found, pool
 * misconfigured, refused, unavailable).  Nothing here logs; secrets never reach
 * an error detail.
 */
#ifndef COG_PROTO_IDENTITY_H
#define COG_PROTO_IDENTITY_H

#include <apr_pools.h>
#include "cfg/error.h"
#include "proto/http.h"

typedef struct {
    const char      *endpoint;      /* https://cognito-identity.<region>.amazonaws.com/ */
    const char      *pool_id;       /* <region>:<uuid> */
    const char      *provider;      /* cognito-idp.<region>.amazonaws.com/<user pool id> */
    const char      *custom_role;   /* CustomRoleArn, or NULL */
    cog_http_opts_t  http;
} cog_identity_client_t;

typedef struct {
    const char *access_key_id;
    const char *secret_key;
    const char *session_token;
    double      expiration;         /* seconds since the epoch */
} cog_aws_credentials_t;

cog_reason_t cog_identity_get_id(apr_pool_t *p, const cog_identity_client_t *client, const char *id_token,
                                 const char **identity_id, cog_error_t *err);
cog_reason_t cog_identity_get_credentials(apr_pool_t *p, const cog_identity_client_t *client,
                                          const char *identity_id, const char *id_token,
                                          cog_aws_credentials_t *out, cog_error_t *err);

/* Pure: an answer (HTTP status and body) of either call.  For GetId *identity_id
 * is set; for GetCredentialsForIdentity (creds != NULL) the credentials, and the
 * IdentityId must equal *identity_id. */
cog_reason_t cog_identity_parse(apr_pool_t *p, long status, const char *body, size_t len,
                                const char **identity_id, cog_aws_credentials_t *creds, cog_error_t *err);

#endif
