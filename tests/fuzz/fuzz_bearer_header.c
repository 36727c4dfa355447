/*
 * fuzz_bearer_header — cog_parse_bearer_header on an Authorization header value.
 *
 * Properties asserted: a FOUND token span lies inside the input, is non-empty,
 * and is an RFC 6750 b64token: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" /
 * "/" ) *"="; the header starts with "Bearer" (any case).  A header that does not
 * start with "Bearer" followed by a space or the end is OTHER_SCHEME.
 */
#include "fuzz_common.h"

#include <strings.h>

#include "util/util.h"
#include "util/bearer_header.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return fuzz_apr_init();
}

static int b64token_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
        || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    char *header = fuzz_cstr(data, size);
    size_t hlen = strlen(header);
    const char *token = NULL;
    size_t len = 0;

    cog_bearer_parse_t rc = cog_parse_bearer_header(header, &token, &len);
    int is_bearer = strncasecmp(header, "Bearer", 6) == 0 && (header[6] == ' ' || header[6] == '\0');
    FUZZ_CHECK(rc == COG_BEARER_FOUND || rc == COG_BEARER_OTHER_SCHEME || rc == COG_BEARER_BAD_SYNTAX,
               "result is one of the three values");
    FUZZ_CHECK((rc == COG_BEARER_OTHER_SCHEME) == !is_bearer, "OTHER_SCHEME exactly when the scheme is not Bearer");
    if (rc == COG_BEARER_FOUND) {
        FUZZ_CHECK(token != NULL && token >= header + 7 && len >= 1 && token + len <= header + hlen,
                   "token span lies inside the input, after \"Bearer \"");
        size_t i = 0;
        while (i < len && b64token_char((unsigned char)token[i]))
            i++;
        FUZZ_CHECK(i >= 1, "token starts with at least one b64token character");
        while (i < len && token[i] == '=')
            i++;
        FUZZ_CHECK(i == len, "token is b64token chars followed only by '='");
        for (const char *s = header + 6; s < token; s++)
            FUZZ_CHECK(*s == ' ', "only spaces between the scheme and the token");
        for (const char *s = token + len; *s; s++)
            FUZZ_CHECK(*s == ' ', "only spaces after the token");
    }

    free(header);
    apr_pool_destroy(p);
    return 0;
}
