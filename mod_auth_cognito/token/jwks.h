/*
 * jwks.h — per-process cache of each pool's signing keys, fetched from its JWKS URL.
 *
 * Rules (README "Directives"; built so that anyone can send kids, but nobody can
 * make us fetch often or keep a real new key out):
 *  - keys are kept for the configured TTL; after it they are refetched, and if that
 *    fetch fails the keys already held stay in use (a failed fetch is retried at
 *    most every COG_JWKS_RETRY_SECONDS);
 *  - at most one fetch per pool starts per COG_JWKS_FETCH_INTERVAL_SECONDS, one at
 *    a time (single flight): threads needing the fetch under way wait for it once,
 *    threads whose key is already held never wait;
 *  - a kid that is not in the set triggers a refetch, unless that exact kid was
 *    refused by a fetch in the last COG_JWKS_REFUSED_KID_SECONDS (remembered), or a
 *    fetch of the pool started less than the interval ago (throttled).  A key just
 *    published is therefore found by the next fetch — within about a second even
 *    while random kids keep arriving — and the fetch rate stays bounded by time;
 *  - jku/x5u in tokens are never followed: the URL comes from configuration only.
 * Keys handed out are reference counted (EVP_PKEY_up_ref) and released by a
 * cleanup on the caller's pool, so a set can be replaced while requests use it.
 */
#ifndef COG_JWKS_H
#define COG_JWKS_H

#include <apr_pools.h>
#include <openssl/evp.h>
#include "cfg/error.h"
#include "proto/http.h"

#define COG_JWKS_FETCH_INTERVAL_SECONDS 1
#define COG_JWKS_REFUSED_KID_SECONDS    300
#define COG_JWKS_REFUSED_KID_SLOTS      4096    /* per pool; 16 bytes each */
#define COG_JWKS_RETRY_SECONDS          5
#define COG_JWKS_MAX_BYTES       (256 * 1024)

typedef struct {
    const char      *url;
    int              ttl_seconds;
    cog_http_opts_t  http;
} cog_jwks_source_t;

/* Once per process before any lookup (child_init). */
apr_status_t cog_jwks_init(apr_pool_t *pchild);

/* The usable key for kid, or a reason: token_kid_unknown, token_key_weak (the kid
 * names a key we refuse), jwks_unavailable (no keys could ever be fetched).
 * COG_OK with err->detail set means: key found in a stale set because the refetch
 * failed — the caller should log that detail as a warning. */
cog_reason_t cog_jwks_get_key(apr_pool_t *p, const cog_jwks_source_t *src, const char *kid,
                              EVP_PKEY **key, cog_error_t *err);

/* Counters for the status page and tests. */
typedef struct {
    unsigned long fetches;
    unsigned long fetch_failures;
} cog_jwks_stats_t;
void cog_jwks_stats(cog_jwks_stats_t *out);

#endif
