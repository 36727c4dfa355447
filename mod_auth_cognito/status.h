/*
 * status.h — the two JSON/text handlers: `SetHandler cognito-status` (metrics
 * for all children, Prometheus text or ?format=json) and the session info endpoint
 * (CognitoInfoPath: the signed-in user's claims for front ends, 401 JSON when
 * nobody is signed in, never cached, tokens only with CognitoPassTokens on).
 */
#ifndef COG_STATUS_H
#define COG_STATUS_H

#include <httpd.h>
#include "config.h"

#define COG_STATUS_HANDLER "cognito-status"
#define COG_INFO_HANDLER   "cognito-info"

int cog_status_handler(request_rec *r);

/* check_authn for CognitoInfoPath: never redirects, never refuses — the handler
 * answers 200 or 401 itself so the body can be JSON. */
void cog_info_mark(request_rec *r, int authenticated);
int cog_info_fixup(request_rec *r);
int cog_info_handler(request_rec *r);

#endif
