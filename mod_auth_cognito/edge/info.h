/*
 * info.h — CognitoInfoPath: the signed-in user's claims for front ends, 401 JSON
 * when nobody is signed in (never a redirect), never cached, tokens only with
 * CognitoPassTokens on.  Authentication there never refuses: the handler answers
 * 200 or 401 itself so that the body is always JSON.
 */
#ifndef COG_INFO_H
#define COG_INFO_H

#include <httpd.h>
#include "cfg/config.h"

#define COG_INFO_HANDLER "cognito-info"

/* check_authn at CognitoInfoPath: authenticates by Bearer token or session if it
 * can, and lets the request through either way. */
int cog_info_authn(request_rec *r, const cog_dir_config_t *c);
/* fixups: hands requests marked by cog_info_authn to the info handler. */
int cog_info_fixup(request_rec *r);
int cog_info_handler(request_rec *r);

#endif
