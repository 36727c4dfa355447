/*
 * tokencache.h — per-process cache of tokens that already passed verification.
 *
 * Keyed by SHA-256 over (verification policy, token), so a token verified for one
 * issuer/client never counts as verified for another.  Holds the token's payload
 * JSON until the token's exp; bounded in entries (set-associative, 4 ways, the
 * entry expiring first is evicted).  Thread-safe (one mutex; critical sections
 * copy at most one payload).  Never shared between processes: a revoked key or a
 * restart simply starts empty.
 */
#ifndef COG_TOKENCACHE_H
#define COG_TOKENCACHE_H

#include <stddef.h>
#include <apr_pools.h>

#define COG_TOKENCACHE_KEY_LEN 32

typedef struct cog_tokencache cog_tokencache_t;

/* capacity 0 gives a cache that stores nothing.  Memory comes from malloc; the
 * cache lives until cog_tokencache_destroy(). */
cog_tokencache_t *cog_tokencache_create(size_t capacity);
void cog_tokencache_destroy(cog_tokencache_t *cache);

/* Copies the payload into the pool and returns 1 when a live entry exists (now < exp). */
int cog_tokencache_get(cog_tokencache_t *cache, apr_pool_t *p,
                       const unsigned char key[COG_TOKENCACHE_KEY_LEN], double now,
                       char **payload, size_t *payload_len);

/* Stores (or replaces) an entry; ignored when exp <= now or the cache has no room. */
void cog_tokencache_put(cog_tokencache_t *cache, const unsigned char key[COG_TOKENCACHE_KEY_LEN],
                        double now, double exp, const char *payload, size_t payload_len);

/* Entries currently held (for tests and the status page). */
size_t cog_tokencache_count(cog_tokencache_t *cache);

/* Key for (policy, token): SHA-256(policy '\0' token).  -1 when hashing failed:
 * the caller must then neither look up nor store. */
int cog_tokencache_key(const char *policy, const char *token, size_t token_len,
                       unsigned char key[COG_TOKENCACHE_KEY_LEN]);

#endif
