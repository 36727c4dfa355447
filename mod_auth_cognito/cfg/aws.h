/*
 * aws.h — the identity-pool directives: which Cognito identity pool turns a
 * signed-in user's ID token into that user's own temporary AWS credentials,
 * and how the application gets them.
 *
 *   CognitoIdentityPool <region>:<uuid>          the identity pool (off when unset)
 *   CognitoIdentityRole <role-arn>               CustomRoleArn ("choose role from token" pools)
 *   CognitoIdentityEndpoint <url>                default https://cognito-identity.<region>.amazonaws.com/
 *   CognitoPassAWSCredentials off|env|headers    default off
 *   CognitoIdentityRequired on|off               default off
 */
#ifndef COG_AWS_CFG_H
#define COG_AWS_CFG_H

#include "cfg/config.h"

const char *cog_set_identity_pool(cmd_parms *cmd, void *cfg, const char *v);
const char *cog_set_identity_role(cmd_parms *cmd, void *cfg, const char *v);
const char *cog_set_identity_endpoint(cmd_parms *cmd, void *cfg, const char *v);

/* The region of the identity pool ("eu-west-1" of "eu-west-1:1111…"), or NULL. */
const char *cog_cfg_identity_region(apr_pool_t *p, const cog_dir_config_t *c);
/* The endpoint to call (configured or derived), or NULL without an identity pool. */
const char *cog_cfg_identity_endpoint(apr_pool_t *p, const cog_dir_config_t *c);

#endif
