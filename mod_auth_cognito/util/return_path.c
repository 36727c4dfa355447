/*
 * return_path.c — where the browser goes after login.
 */
#include "util/return_path.h"
#include "util/query.h"

#include <string.h>

/* The rules for one spelling of the path: raw (printable ASCII only) or decoded
 * (spaces and UTF-8 allowed, still no controls).  Neither may start "//" or "/\\"
 * nor contain a backslash, which some browsers read as '/'. */
static int path_is_local(const char *s, int decoded)
{
    if (s[0] != '/' || s[1] == '/' || s[1] == '\\')
        return 0;
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        if (*c < 0x20 || *c == 0x7f || *c == '\\' || (!decoded && (*c == ' ' || *c > 0x7e)))
            return 0;
    return 1;
}

const char *cog_safe_return_path(apr_pool_t *p, const char *uri)
{
    if (uri == NULL || strlen(uri) > 4096 || !path_is_local(uri, 0))
        return "/";
    /* Decode until nothing changes: "/%252f%252fevil" must not become "//evil"
     * anywhere downstream, however many layers a proxy or app peels off. */
    const char *decoded = uri;
    for (int round = 0; strchr(decoded, '%'); round++) {
        char *next = cog_path_decode(p, decoded, strlen(decoded));
        if (next == NULL || !path_is_local(next, 1))
            return "/";
        if (strcmp(next, decoded) == 0)
            break;
        if (round == 8)
            return "/";
        decoded = next;
    }
    return uri;
}
