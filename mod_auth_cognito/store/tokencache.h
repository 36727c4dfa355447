/*
 * tokencache.h — per-process table of memos under 32-byte keys, each until its
 * own expiry time.  Used for Bearer tokens that already passed verification (key:
 * SHA-256 over the verification policy and the token, so a token verified for one
 * issuer/client never counts for another; memo: the claims and the identity
 * rendered from them) and for opened session records (session_memo.c).
 *
 * Bounded in entries (set-associative, 4 ways, the entry expiring first is
 * evicted).  Thread-safe: one mutex, held only to find, link or unlink an entry;
 * readers borrow the memo itself, nothing is copied.  Never shared between
 * processes: a revoked key or a restart simply starts empty.
 */
#ifndef COG_TOKENCACHE_H
#define COG_TOKENCACHE_H

#include <stddef.h>
#include <apr_pools.h>
#include "store/memo.h"

#define COG_TOKENCACHE_KEY_LEN 32

typedef struct cog_tokencache cog_tokencache_t;

/* capacity 0 gives a cache that stores nothing.  Memory comes from malloc; the
 * cache lives until cog_tokencache_destroy(). */
cog_tokencache_t *cog_tokencache_create(size_t capacity);
void cog_tokencache_destroy(cog_tokencache_t *cache);

/* The memo of the live entry (now < exp) under key, lent to pool p (see
 * cog_memo_lend), or NULL. */
cog_memo_t *cog_tokencache_get(cog_tokencache_t *cache, apr_pool_t *p,
                               const unsigned char key[COG_TOKENCACHE_KEY_LEN], double now);

/* Stores (or replaces) an entry until exp; the table takes its own reference to
 * m.  Ignored when exp <= now or the table has no room (capacity 0). */
void cog_tokencache_put(cog_tokencache_t *cache, const unsigned char key[COG_TOKENCACHE_KEY_LEN],
                        double now, double exp, cog_memo_t *m);

/* Admission for tables where most keys may be seen once (Bearer tokens): 1 when
 * key was offered before (recently: a direct-mapped record of 4 × capacity key
 * fingerprints, overwritten freely), else 0, remembering it.  Storing only keys
 * seen twice keeps one-shot tokens from evicting the ones that repeat and spares
 * them the cost of an entry.  A collision only admits a key early. */
int cog_tokencache_seen_before(cog_tokencache_t *cache, const unsigned char key[COG_TOKENCACHE_KEY_LEN]);

/* Forgets the entry under key, if any. */
void cog_tokencache_remove(cog_tokencache_t *cache, const unsigned char key[COG_TOKENCACHE_KEY_LEN]);

/* Entries currently held (for tests and the status page). */
size_t cog_tokencache_count(cog_tokencache_t *cache);

/* Key for (policy, token): SHA-256(policy '\0' token).  -1 when hashing failed:
 * the caller must then neither look up nor store. */
int cog_tokencache_key(const char *policy, const char *token, size_t token_len,
                       unsigned char key[COG_TOKENCACHE_KEY_LEN]);

#endif
