/*
 * fuzz_common.h — shared helpers of the libFuzzer targets in tests/fuzz/.
 *
 * Every target: apr_initialize() once (LLVMFuzzerInitialize), one APR pool per
 * input, created and destroyed in LLVMFuzzerTestOneInput.  Inputs that an API
 * reads as a C string are copied into an exact-size malloc'd buffer and
 * NUL-terminated, so AddressSanitizer catches any read past the input.
 *
 * FUZZ_CHECK(cond, what) is the harness's own assertion: a property the code
 * promises.  When it fails it prints what was violated and abort()s, which
 * libFuzzer reports as a crash and saves the input.
 */
#ifndef COG_FUZZ_COMMON_H
#define COG_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>

#define FUZZ_CHECK(cond, what)                                                       \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "\nFUZZ PROPERTY VIOLATED (%s:%d): %s\n  condition: %s\n", \
                    __FILE__, __LINE__, (what), #cond);                              \
            abort();                                                                 \
        }                                                                            \
    } while (0)

/* Checks of findings that have been fixed (crashes/README.md) are on; set
 * COG_FUZZ_STRICT=0 only to reproduce the old behaviour on an old build. */
static inline int fuzz_strict(void)
{
    static int strict = -1;
    if (strict < 0) {
        const char *e = getenv("COG_FUZZ_STRICT");
        strict = !(e != NULL && strcmp(e, "0") == 0);
    }
    return strict;
}

/* apr_initialize() once per process; returns 0 (libFuzzer's convention). */
static inline int fuzz_apr_init(void)
{
    static int done;
    if (!done) {
        if (apr_initialize() != APR_SUCCESS) {
            fprintf(stderr, "apr_initialize failed\n");
            abort();
        }
        atexit(apr_terminate);
        done = 1;
    }
    return 0;
}

static inline apr_pool_t *fuzz_pool(void)
{
    apr_pool_t *p = NULL;
    if (apr_pool_create(&p, NULL) != APR_SUCCESS || p == NULL)
        abort();
    return p;
}

/* Exact-size malloc'd copy with a NUL after the last byte (embedded NULs stay:
 * a C-string API then sees the prefix up to the first one).  free() it. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s == NULL)
        abort();
    if (size)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* 1 when s[0..n) holds no C0 control character and no DEL. */
static inline int fuzz_no_controls(const char *s)
{
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        if (*c < 0x20 || *c == 0x7f)
            return 0;
    return 1;
}

#endif
