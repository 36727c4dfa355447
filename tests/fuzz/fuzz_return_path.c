/*
 * fuzz_return_path — cog_safe_return_path, the open-redirect guard for the URL
 * sent to the browser after login.  The input is the request's unparsed URI.
 *
 * Properties asserted on the result R for input U (C string, up to the first NUL):
 *   - R is "/" or R equals U;
 *   - R starts with '/' and never with "//" or "/\";
 *   - R holds no backslash, no byte < 0x20 or DEL, and (raw rule) only printable
 *     ASCII without spaces;
 *   - R percent-decoded by this harness's own decoder (lenient, as the module's
 *     path decoding is: a '%' not followed by two hex digits stays as is) never
 *     starts with "//" or "/\" and holds no backslash or control character —
 *     after one round (what a browser or proxy does) and after every further
 *     round up to a fixed point (what a careless application might do).
 */
#include "fuzz_common.h"

#include "util/query.h"
#include "util/return_path.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return fuzz_apr_init();
}

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* One round of percent-decoding into a malloc'd buffer of n+1 bytes; the output
 * length is returned in *out_len (it may contain NUL bytes from %00). */
static unsigned char *pct_decode(const char *s, size_t n, size_t *out_len)
{
    unsigned char *out = malloc(n + 1);
    size_t o = 0;
    if (out == NULL)
        abort();
    for (size_t i = 0; i < n; i++) {
        int h, l;
        if (s[i] == '%' && i + 2 < n
            && (h = hexval((unsigned char)s[i + 1])) >= 0 && (l = hexval((unsigned char)s[i + 2])) >= 0) {
            out[o++] = (unsigned char)(h * 16 + l);
            i += 2;
        } else {
            out[o++] = (unsigned char)s[i];
        }
    }
    out[o] = '\0';
    *out_len = o;
    return out;
}

static void check_local(const unsigned char *s, size_t n, int raw)
{
    FUZZ_CHECK(n >= 1 && s[0] == '/', "return path starts with '/'");
    FUZZ_CHECK(!(n >= 2 && (s[1] == '/' || s[1] == '\\')), "return path does not start with // or /\\");
    for (size_t i = 0; i < n; i++) {
        FUZZ_CHECK(s[i] != '\\', "return path holds no backslash");
        FUZZ_CHECK(s[i] >= 0x20 && s[i] != 0x7f, "return path holds no control character");
        if (raw)
            FUZZ_CHECK(s[i] > 0x20 && s[i] < 0x7f, "raw return path is printable ASCII without spaces");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    char *uri = fuzz_cstr(data, size);

    const char *r = cog_safe_return_path(p, uri);
    FUZZ_CHECK(r != NULL, "a return path is always given");
    FUZZ_CHECK(strcmp(r, "/") == 0 || strcmp(r, uri) == 0, "result is \"/\" or the input itself");

    size_t n = strlen(r);
    check_local((const unsigned char *)r, n, 1);

    /* Round 1 is what a browser or proxy does; later rounds until nothing changes
     * (a decoded %00 is a control character, which check_local refuses). */
    unsigned char *cur = (unsigned char *)strdup(r);
    size_t cur_len = n;
    for (int round = 0; round < 32; round++) {
        size_t dn;
        unsigned char *dec = pct_decode((const char *)cur, cur_len, &dn);
        check_local(dec, dn, 0);
        int same = dn == cur_len && memcmp(dec, cur, dn) == 0;
        free(cur);
        cur = dec;
        cur_len = dn;
        if (same)
            break;
    }
    free(cur);

    free(uri);
    apr_pool_destroy(p);
    return 0;
}
