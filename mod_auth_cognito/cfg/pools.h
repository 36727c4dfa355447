/*
 * pools.h — the user pools and app clients a location trusts.
 *
 *   CognitoUserPool <pool> …        one pool; several only at CognitoBearer only
 *                                    locations (pool-per-tenant APIs)
 *   CognitoIssuer <url> …           issuer overrides, paired with the pools in order
 *                                    (alone: each URL is a pool whose id is its last
 *                                    path segment, as in Cognito's own issuers)
 *   CognitoBearerClientID <id> …    app clients whose access tokens a Bearer request
 *                                    may carry (default: CognitoClientID)
 *
 * The pool list (id, issuer, key set URL) is rebuilt whenever a section sets
 * either of the first two, so requests only read it.  A section that names its
 * own pools or issuers replaces the parent's list as a whole (config.c merge).
 */
#ifndef COG_POOLS_H
#define COG_POOLS_H

#include "cfg/config.h"

typedef struct {
    const char *id;          /* eu-west-1_AbC: what COGNITO_USER_POOL and Require cognito-pool name */
    const char *issuer;      /* the exact iss of its tokens */
    const char *jwks_url;    /* <issuer>/.well-known/jwks.json; never taken from a token */
} cog_pool_t;

/* The pool of pools[0..n) whose issuer is exactly iss, or NULL (iss may be NULL). */
const cog_pool_t *cog_pool_find(const cog_pool_t *pools, int n, const char *iss);

/* Directive handlers (ITERATE: every value of the line). */
const char *cog_set_user_pool(cmd_parms *cmd, void *cfg, const char *v);
const char *cog_set_issuer(cmd_parms *cmd, void *cfg, const char *v);
const char *cog_set_bearer_client(cmd_parms *cmd, void *cfg, const char *v);

/* The pools of this (merged) configuration; 0 when none is configured. */
int cog_cfg_pool_count(const cog_dir_config_t *c);
const cog_pool_t *cog_cfg_pool(const cog_dir_config_t *c, int index);

/* The issuer of the first (for browser logins: the only) pool, or NULL. */
const char *cog_cfg_issuer(const cog_dir_config_t *c);

/* The pool whose issuer is exactly iss, or NULL. */
const cog_pool_t *cog_cfg_pool_by_issuer(const cog_dir_config_t *c, const char *iss);

/* The app clients whose access tokens Bearer requests may carry: the
 * CognitoBearerClientID values, else CognitoClientID alone.  *n = 0 when neither. */
const char *const *cog_cfg_bearer_clients(const cog_dir_config_t *c, int *n);

/* NULL when the pool settings of this (merged) section are consistent, else why not. */
const char *cog_cfg_pools_invalid(const cog_dir_config_t *c);

#endif
