/*
 * bearer_header.c — "Authorization: Bearer <b64token>" parsing.
 */
#include "util/bearer_header.h"

#include <string.h>
#include <strings.h>

static int is_b64token_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
        || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
}

cog_bearer_parse_t cog_parse_bearer_header(const char *header, const char **token, size_t *len)
{
    if (strncasecmp(header, "Bearer", 6) != 0 || (header[6] != ' ' && header[6] != '\0'))
        return COG_BEARER_OTHER_SCHEME;
    const char *s = header + 6;
    while (*s == ' ')
        s++;
    const char *start = s;
    while (is_b64token_char((unsigned char)*s))
        s++;
    if (s == start)
        return COG_BEARER_BAD_SYNTAX;
    while (*s == '=')
        s++;
    /* Trailing spaces are tolerated (some clients add them); anything else is not. */
    const char *end = s;
    while (*s == ' ')
        s++;
    if (*s != '\0')
        return COG_BEARER_BAD_SYNTAX;
    *token = start;
    *len = (size_t)(end - start);
    return COG_BEARER_FOUND;
}
