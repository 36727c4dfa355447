/*
 * aws.h — the signed-in user's own temporary AWS credentials, from a Cognito
 * identity pool (CognitoIdentityPool), for legacy applications whose AWS SDK
 * should act as that user.
 *
 *  - At login the fresh ID token is exchanged (GetId once, then
 *    GetCredentialsForIdentity); the IdentityId and the credentials live only in
 *    the sealed session record.
 *  - Before the credentials expire (their last quarter, at most 5 minutes, at
 *    least 5 s) they are renewed, single flight per session across processes and
 *    servers (the session's refresh lock; the others keep the still-valid
 *    credentials or wait for the new ones).  A failure is remembered in the
 *    record and retried after COG_AWS_RETRY_SECONDS, so a failing identity
 *    service is not called by every request.
 *  - Without usable credentials: CognitoIdentityRequired on → 503 (a page for
 *    navigations); off → served, COGNITO_AWS_CREDENTIALS=unavailable.  Never a
 *    stale (expired) or partial set.
 *  - Export (fixups, last, so no SetEnv can override it): with
 *    CognitoPassAWSCredentials env, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
 *    AWS_SESSION_TOKEN, AWS_CREDENTIAL_EXPIRATION (ISO 8601), AWS_REGION,
 *    COGNITO_IDENTITY_ID, COGNITO_ROLE_ARN; with headers, the same as
 *    X-Cognito-AWS-* request headers, and only to a reverse-proxied backend on
 *    loopback or over https.  The secret never reaches a log or the info endpoint.
 */
#ifndef COG_FLOW_AWS_H
#define COG_FLOW_AWS_H

#include <httpd.h>
#include "cfg/config.h"
#include "flow/session_store.h"
#include "store/record.h"

#define COG_AWS_RETRY_SECONDS 30

/* At login, before the session is stored: credentials (or the failure) into s->aws.
 * Never fails the login; the first request applies CognitoIdentityRequired. */
void cog_aws_at_login(request_rec *r, const cog_dir_config_t *c, cog_session_t *s);

/* A session request, after any token refresh: renews when due, then decides.
 * OK with *usable (NULL: none) or an HTTP status (503, answered). */
int cog_aws_for_request(request_rec *r, const cog_dir_config_t *c, cog_found_session_t *f,
                        const cog_aws_state_t **usable);

/* fixups hook (last): puts the request's credentials where the location asks, and
 * removes every same-named value that did not come from this module. */
int cog_aws_export(request_rec *r);

#endif
