/*
 * authz.h — Require providers: cognito-group, cognito-claim, cognito-tenant,
 * cognito-scope.  Arguments are ap_expr strings parsed at startup (so %{HTTP_HOST}
 * and %{env:TENANT} work) and split like any Require line; any listed value
 * grants.  Without a user the answer is AUTHZ_DENIED_NO_USER, which makes httpd run
 * authentication (login) first.  Same rules for sessions and Bearer tokens.
 */
#ifndef COG_AUTHZ_H
#define COG_AUTHZ_H

#include <apr_pools.h>

void cog_authz_register(apr_pool_t *p);

#endif
