/*
 * status.h — `SetHandler cognito-status`: metrics for all children (Prometheus
 * text, or ?format=json), or with ?store the store provider's own status lines.
 * Never cached.
 */
#ifndef COG_STATUS_H
#define COG_STATUS_H

#include <httpd.h>
#include "cfg/config.h"

#define COG_STATUS_HANDLER "cognito-status"

int cog_status_handler(request_rec *r);

/* A handler's first step: DECLINED when r is not for `handler`; else the answer is
 * made uncacheable, and OK for a GET, 405 (Allow: GET) for anything else. */
int cog_status_begin(request_rec *r, const char *handler);

#endif
