/*
 * log.c — uniform request log lines for every reason.
 */
#include "cfg/log.h"

void cog_log_reason(request_rec *r, int level, const cog_error_t *err, const char *context)
{
    const cog_reason_info_t *info = cog_reason_info(err->reason);
    ap_log_rerror(APLOG_MARK, level, 0, r, "%s: %s: %s%s%s", info->tag, info->name, context,
                  err->detail ? ": " : "", err->detail ? err->detail : "");
}
