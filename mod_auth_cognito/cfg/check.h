/*
 * check.h — requirements that span directives (a section with AuthType Cognito
 * needs an app client and a pool; several pools only at Bearer-only locations),
 * checked for every section at startup and again for each request's merged
 * configuration, since regex sections and .htaccess files are not modelled here.
 */
#ifndef COG_CHECK_H
#define COG_CHECK_H

#include "cfg/config.h"

/* check_config hook: cross-directive validation of every section using AuthType Cognito. */
int cog_check_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s);

/* NULL when this (merged) configuration can authenticate, else what is missing. */
const char *cog_cfg_incomplete(const cog_dir_config_t *c);

#endif
