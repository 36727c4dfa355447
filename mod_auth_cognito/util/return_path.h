/*
 * return_path.h — the post-login target.  Pure; fed the attacker-chosen request
 * target that started the login.
 */
#ifndef COG_RETURN_PATH_H
#define COG_RETURN_PATH_H

#include <apr_pools.h>

/* The path to send the browser to after login: `uri` when it is a same-origin
 * path ("/..." not "//" or "/\\", printable ASCII, no backslash, and still so after
 * any number of percent-decodings), else "/".  Never returns anything that leaves
 * the origin. */
const char *cog_safe_return_path(apr_pool_t *p, const char *uri);

#endif
