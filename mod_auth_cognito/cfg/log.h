/*
 * log.h — the module's log line: "COGNITOnnnn: reason_name: context: detail".
 * Details are built by our code and never contain tokens, codes, secrets or
 * cookie values.  Every file that logs includes this header (module index for
 * per-module LogLevel: `LogLevel auth_cognito:debug`).
 */
#ifndef COG_LOG_H
#define COG_LOG_H

#include <httpd.h>
#include <http_log.h>
#include "cfg/error.h"

#if defined(APLOG_USE_MODULE) && !defined(COG_MODULE_DECLARATION_FILE)
APLOG_USE_MODULE(auth_cognito);
#endif

void cog_log_reason(request_rec *r, int level, const cog_error_t *err, const char *context);

#endif
