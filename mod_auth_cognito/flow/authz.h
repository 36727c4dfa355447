/*
 * authz.h — Require providers: cognito-group, cognito-claim, cognito-tenant,
 * cognito-scope, cognito-pool, cognito-role (cognito:preferred_role or an element
 * of cognito:roles, by ARN or role name).  Arguments are ap_expr strings parsed at startup
 * (so %{HTTP_HOST} and %{env:TENANT} work) and split like any Require line; any
 * listed value grants.  Without a user the answer is AUTHZ_DENIED_NO_USER, which
 * makes httpd run authentication (login) first.  Same rules for sessions and
 * Bearer tokens; a Bearer caller that is refused gets RFC 6750's 403
 * insufficient_scope, never a login or a 401, and a signed-in browser user may
 * get one token refresh first (CognitoRefreshOnForbidden) — cog_authz_checker.
 */
#ifndef COG_AUTHZ_H
#define COG_AUTHZ_H

#include <httpd.h>

void cog_authz_register(apr_pool_t *p);

/* auth_checker hook, registered first (see authz.c). */
int cog_authz_checker(request_rec *r);

#endif
