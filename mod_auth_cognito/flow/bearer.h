/*
 * bearer.h — Authorization: Bearer <access token> (RFC 6750).
 *
 * A valid Cognito access token for our client authenticates the request.  No
 * token: 401 with a bare Bearer challenge.  A bad token: 401 with
 * error="invalid_token" and a fixed error_description (never echoing input).
 * When the token cannot be checked (keys unavailable): 503, not 401.
 */
#ifndef COG_BEARER_H
#define COG_BEARER_H

#include <httpd.h>
#include <apr_pools.h>
#include "cfg/config.h"

/* The per-process table of verified tokens (CognitoTokenCacheEntries; 0 = none).
 * Call in child_init. */
apr_status_t cog_bearer_child_init(apr_pool_t *pchild, size_t entries);

/* 1 when the request carries an Authorization header with the Bearer scheme. */
int cog_bearer_present(request_rec *r);

/* OK with the identity applied, or an HTTP status with headers and log line done. */
int cog_bearer_authenticate(request_rec *r, const cog_dir_config_t *c);

#endif
