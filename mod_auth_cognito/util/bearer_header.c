/*
 * bearer_header.c — "Authorization: Bearer <b64token>" parsing.
 */
#include "util/bearer_header.h"

#include <string.h>
#include <strings.h>

/* RFC 6750 b64token characters: ALPHA DIGIT - . _ ~ + / (a table: headers are ~1 KB). */
static const unsigned char b64token[256] = {
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1, ['I'] = 1,
    ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1,
    ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1,
    ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1,
    ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,
    ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1,
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1,
    ['9'] = 1, ['-'] = 1, ['.'] = 1, ['_'] = 1, ['~'] = 1, ['+'] = 1, ['/'] = 1,
};

static int is_b64token_char(unsigned char c)
{
    return b64token[c];
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
