/*
 * cache.h — the shared record store: any mod_socache provider (shmcb by default,
 * memcache, redis), as chosen by CognitoSessionCache.
 *
 * One global mutex ("Mutex ... auth-cognito-cache") serialises every operation when
 * the provider is not multi-process safe (shmcb), and always guards the two
 * read-modify-write helpers (take, add, replace_if_same), which makes them atomic among the
 * processes of one server.  Record ids are 32 raw bytes (spread over shmcb's
 * subcaches; short enough for memcache's key limit).  Records larger than
 * COG_CACHE_MAX_RECORD are refused at store time rather than silently lost.
 */
#ifndef COG_CACHE_H
#define COG_CACHE_H

#include <httpd.h>
#include <http_config.h>
#include <ap_socache.h>

#define COG_CACHE_ID_LEN      32
#define COG_CACHE_MAX_RECORD  (128 * 1024)
#define COG_CACHE_DEFAULT_SIZE 33554432   /* shmcb bytes: >= 2,000 sessions of 8 KB */

typedef struct cog_cache cog_cache_t;

/* Directive time: "provider[:args]".  NULL or an error message. */
const char *cog_cache_configure(apr_pool_t *p, apr_pool_t *ptemp, const char *spec, cog_cache_t **out);

int cog_cache_pre_config(apr_pool_t *pconf);
/* Creates the default store where none was configured, the mutex, and initialises
 * every store.  `caches` is where each server's configured cache pointer lives. */
int cog_cache_post_config(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s,
                          cog_cache_t **(*slot_of)(server_rec *));
void cog_cache_child_init(apr_pool_t *pchild, server_rec *s);

const char *cog_cache_describe(const cog_cache_t *c);

/* 1 when the store may be shared with other servers (a multi-process-safe
 * provider: memcache, redis), 0 for a store local to this server (shmcb). */
int cog_cache_is_shared(const cog_cache_t *c);

apr_status_t cog_cache_store(cog_cache_t *c, server_rec *s, const unsigned char *id, apr_time_t expiry,
                             const unsigned char *data, size_t len, apr_pool_t *p);
/* APR_NOTFOUND when absent; data is allocated from p. */
apr_status_t cog_cache_retrieve(cog_cache_t *c, server_rec *s, const unsigned char *id,
                                unsigned char **data, size_t *len, apr_pool_t *p);
apr_status_t cog_cache_remove(cog_cache_t *c, server_rec *s, const unsigned char *id, apr_pool_t *p);

/* Retrieve and remove in one step (single-use records). */
apr_status_t cog_cache_take(cog_cache_t *c, server_rec *s, const unsigned char *id,
                            unsigned char **data, size_t *len, apr_pool_t *p);

/* Stores data under id only if the record there is still byte-for-byte `expected`
 * (a compare-and-swap, atomic among this server's processes): APR_EEXIST when it
 * changed or vanished meanwhile. */
apr_status_t cog_cache_replace_if_same(cog_cache_t *c, server_rec *s, const unsigned char *id,
                                       const unsigned char *expected, size_t expected_len, apr_time_t expiry,
                                       const unsigned char *data, size_t len, apr_pool_t *p);

/* Distributed stores (memcache, redis) answer "not found" for a while after a
 * server fails (apr-util marks it dead), which would look like "no session".
 * A beacon record, written by every child when it starts, tells the two apart:
 * found → reachable; missing → written back (store restarted) or an error (store
 * down).  APR_SUCCESS when the store is reachable (always for local shmcb). */
apr_status_t cog_cache_probe(cog_cache_t *c, server_rec *s, apr_pool_t *p);
/* child_init: writes the beacon of a distributed store. */
void cog_cache_child_beacon(cog_cache_t *c, server_rec *s, apr_pool_t *p);

/* Stores data under id unless a record is already there: APR_SUCCESS when this
 * caller's data is stored, APR_EEXIST when another writer's is.  Atomic on one
 * server (mutex); on a shared store the record is read back after a short settle
 * delay, so servers racing for it agree on one winner (data must be unique per
 * writer). */
apr_status_t cog_cache_add(cog_cache_t *c, server_rec *s, const unsigned char *id, apr_time_t expiry,
                           const unsigned char *data, size_t len, apr_pool_t *p);

/* The provider's own status lines (entries, size ...) written to r, short form. */
void cog_cache_status(cog_cache_t *c, request_rec *r);

#endif
