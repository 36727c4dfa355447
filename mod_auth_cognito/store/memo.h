/*
 * memo.h — an immutable piece of per-process memory shared by request threads.
 *
 * A memo is built by one thread — in its own pool, or as one malloc'd object —
 * then published (to the token cache, the opened-session table) and from then
 * on only read.  It is freed when
 * the last holder lets go: the table that lists it, and every request that
 * borrowed it (the borrow ends when that request's pool is cleaned up, so the
 * strings it put on the request — r->user, the environment — stay valid for the
 * whole request, logging included).
 */
#ifndef COG_MEMO_H
#define COG_MEMO_H

#include <apr_pools.h>
#include <apr_atomic.h>

typedef struct cog_memo {
    apr_pool_t          *pool;   /* pool memos: everything they hold is allocated here */
    void                *data;   /* the owner's structure */
    void               (*destroy)(void *data);   /* adopted memos: frees data */
    volatile apr_uint32_t refs;
} cog_memo_t;

/* A new pool memo with one reference (the creator's); NULL when out of memory.
 * A pool costs at least 8 KB: for small, numerous objects prefer cog_memo_adopt. */
cog_memo_t *cog_memo_create(void);

/* A memo around data that destroy(data) frees, with one reference; NULL when out
 * of memory (data is then destroyed). */
cog_memo_t *cog_memo_adopt(void *data, void (*destroy)(void *data));

void cog_memo_hold(cog_memo_t *m);
/* Drops one reference; the last one frees the memo. */
void cog_memo_release(cog_memo_t *m);
/* Hands one reference already held by the caller over to pool p: released when p
 * is cleaned up. */
void cog_memo_lend(cog_memo_t *m, apr_pool_t *p);

#endif
