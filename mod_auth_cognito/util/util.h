/*
 * util.h — small pure helpers: strict base64url, hashing, constant-time compare,
 * URL checks.  No httpd dependency; allocation from the caller's APR pool.
 */
#ifndef COG_UTIL_H
#define COG_UTIL_H

#include <stddef.h>
#include <apr_pools.h>
#include <apr_tables.h>

/* Strict RFC 7515 §2 base64url: alphabet [A-Za-z0-9_-] only, no padding, no
 * whitespace, and the unused trailing bits must be zero (one encoding per value).
 * Returns 0 and a NUL-terminated copy (out_len excludes the NUL) or -1. */
int cog_b64url_decode(apr_pool_t *p, const char *in, size_t in_len,
                      unsigned char **out, size_t *out_len);

/* base64url without padding. */
char *cog_b64url_encode(apr_pool_t *p, const unsigned char *in, size_t in_len);


/* Lower-case hex of len bytes. */
char *cog_hex(apr_pool_t *p, const unsigned char *in, size_t len);

/* Constant-time equality of two byte strings (length is not secret). */
int cog_ct_equal(const void *a, size_t a_len, const void *b, size_t b_len);

/* True when the URL's host is a loopback address or "localhost". */
int cog_url_host_is_loopback(const char *url);

/* Checks an outbound base URL: https://host[:port][/path], or http:// for loopback
 * hosts; no userinfo, query or fragment.  Returns NULL or an error message. */
const char *cog_check_base_url(apr_pool_t *p, const char *url);


/* Removes every entry of t whose name `doomed` says yes to (arg passed through);
 * returns how many.  Collects first, then unsets: apr_table_unset moves entries. */
int cog_table_unset_if(apr_pool_t *p, apr_table_t *t, int (*doomed)(const char *name, const void *arg),
                       const void *arg);

#endif
