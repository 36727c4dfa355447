/*
 * util.c — strict base64url, SHA-256, constant-time compare, base URL checks.
 */
#include "util/util.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <apr_strings.h>
#include <apr_uri.h>
#include <apr_network_io.h>

/* Value of each base64url character, 64 for every other byte. */
static const unsigned char b64url_values[256] = {
#define X64 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64
    X64, X64,
    64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 62, 64, 64,              /* '-' */
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 64, 64, 64, 64, 64, 64,              /* 0-9 */
    64,  0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14,              /* A-O */
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 64, 64, 64, 64, 63,              /* P-Z, '_' */
    64, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,              /* a-o */
    41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 64, 64, 64, 64, 64,              /* p-z */
    X64, X64, X64, X64, X64, X64, X64, X64,
#undef X64
};

int cog_b64url_decode(apr_pool_t *p, const char *in, size_t in_len,
                      unsigned char **out, size_t *out_len)
{
    /* A length of 1 mod 4 cannot come from any byte string. */
    if (in_len % 4 == 1)
        return -1;
    size_t max = in_len / 4 * 3 + (in_len % 4 ? in_len % 4 - 1 : 0);
    unsigned char *buf = apr_palloc(p, max + 1);
    const unsigned char *s = (const unsigned char *)in;
    size_t o = 0, i = 0;

    for (; i + 4 <= in_len; i += 4) {
        unsigned int a = b64url_values[s[i]], b = b64url_values[s[i + 1]],
                     c = b64url_values[s[i + 2]], d = b64url_values[s[i + 3]];
        if ((a | b | c | d) & 64)
            return -1;
        unsigned int v = a << 18 | b << 12 | c << 6 | d;
        buf[o++] = (unsigned char)(v >> 16);
        buf[o++] = (unsigned char)(v >> 8);
        buf[o++] = (unsigned char)v;
    }
    unsigned int acc = 0;
    int bits = 0;
    for (; i < in_len; i++) {
        unsigned int v = b64url_values[s[i]];
        if (v & 64)
            return -1;
        acc = (acc << 6) | v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            buf[o++] = (unsigned char)((acc >> bits) & 0xff);
        }
    }
    /* Leftover bits must be zero, else two strings would decode to the same bytes. */
    if (bits > 0 && (acc & ((1u << bits) - 1)) != 0)
        return -1;
    buf[o] = '\0';
    *out = buf;
    *out_len = o;
    return 0;
}

char *cog_b64url_encode(apr_pool_t *p, const unsigned char *in, size_t in_len)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    char *out = apr_palloc(p, (in_len + 2) / 3 * 4 + 1);
    size_t o = 0, i = 0;

    for (; i + 2 < in_len; i += 3) {
        unsigned int v = (unsigned int)in[i] << 16 | (unsigned int)in[i + 1] << 8 | in[i + 2];
        out[o++] = alphabet[(v >> 18) & 63];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = alphabet[(v >> 6) & 63];
        out[o++] = alphabet[v & 63];
    }
    if (in_len - i == 1) {
        unsigned int v = (unsigned int)in[i] << 16;
        out[o++] = alphabet[(v >> 18) & 63];
        out[o++] = alphabet[(v >> 12) & 63];
    } else if (in_len - i == 2) {
        unsigned int v = (unsigned int)in[i] << 16 | (unsigned int)in[i + 1] << 8;
        out[o++] = alphabet[(v >> 18) & 63];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = alphabet[(v >> 6) & 63];
    }
    out[o] = '\0';
    return out;
}

char *cog_hex(apr_pool_t *p, const unsigned char *in, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    char *out = apr_palloc(p, len * 2 + 1);
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[len * 2] = '\0';
    return out;
}

int cog_ct_equal(const void *a, size_t a_len, const void *b, size_t b_len)
{
    return a_len == b_len && CRYPTO_memcmp(a, b, a_len) == 0;
}

static int host_is_loopback(const char *host)
{
    if (host == NULL || *host == '\0')
        return 0;
    if (strcasecmp(host, "localhost") == 0 || strcmp(host, "::1") == 0)
        return 1;
    /* 127.0.0.0/8 as a plain dotted quad: four runs of 1-3 digits, nothing else
     * (sscanf's %u would also take signs: "127.+0.0.1" is a DNS name, not loopback). */
    unsigned int octet[4];
    const char *s = host;
    for (int i = 0; i < 4; i++) {
        int digits = 0;
        octet[i] = 0;
        while (*s >= '0' && *s <= '9' && digits < 4) {
            octet[i] = octet[i] * 10 + (unsigned int)(*s++ - '0');
            digits++;
        }
        if (digits == 0 || digits > 3 || octet[i] > 255)
            return 0;
        if (i < 3 && *s++ != '.')
            return 0;
    }
    return *s == '\0' && octet[0] == 127;
}

int cog_url_host_is_loopback(const char *url)
{
    apr_pool_t *p;
    apr_uri_t uri;
    int loopback = 0;

    if (apr_pool_create(&p, NULL) != APR_SUCCESS)
        return 0;
    if (apr_uri_parse(p, url, &uri) == APR_SUCCESS)
        loopback = host_is_loopback(uri.hostname);
    apr_pool_destroy(p);
    return loopback;
}

const char *cog_check_base_url(apr_pool_t *p, const char *url)
{
    apr_uri_t uri;

    for (const char *c = url; *c; c++)
        if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f)
            return "must not contain spaces, control or non-ASCII characters";
    if (apr_uri_parse(p, url, &uri) != APR_SUCCESS || uri.scheme == NULL || uri.hostname == NULL
        || *uri.hostname == '\0')
        return "must be an absolute URL such as https://host/path";
    if (uri.user || uri.password)
        return "must not contain user information";
    if (uri.query || uri.fragment)
        return "must not contain a query or fragment";
    if (uri.port_str) {
        char *end;
        long port = strtol(uri.port_str, &end, 10);
        if (*uri.port_str == '\0' || *end != '\0' || !(*uri.port_str >= '0' && *uri.port_str <= '9')
            || port < 1 || port > 65535)
            return "has a port outside 1-65535";
    }
    if (strcasecmp(uri.scheme, "https") == 0)
        return NULL;
    if (strcasecmp(uri.scheme, "http") == 0) {
        if (host_is_loopback(uri.hostname))
            return NULL;
        return "http:// is allowed only for loopback hosts (127.0.0.0/8, ::1, localhost); use https://";
    }
    return "must use https://";
}

int cog_table_unset_if(apr_pool_t *p, apr_table_t *t, int (*doomed)(const char *name, const void *arg),
                       const void *arg)
{
    const apr_array_header_t *arr = apr_table_elts(t);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    apr_array_header_t *names = NULL;
    for (int i = 0; i < arr->nelts; i++) {
        if (e[i].key && doomed(e[i].key, arg)) {
            if (names == NULL)
                names = apr_array_make(p, 8, sizeof(const char *));
            APR_ARRAY_PUSH(names, const char *) = e[i].key;
        }
    }
    for (int i = 0; names && i < names->nelts; i++)
        apr_table_unset(t, APR_ARRAY_IDX(names, i, const char *));
    return names ? names->nelts : 0;
}
