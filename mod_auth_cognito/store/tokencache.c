/*
 * tokencache.c — 4-way set-associative table of memos.
 */
#include "store/tokencache.h"
#include "util/crypto.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>

#define WAYS 4

typedef struct {
    unsigned char key[COG_TOKENCACHE_KEY_LEN];
    double        exp;          /* 0 = empty slot */
    cog_memo_t   *memo;         /* the table's own reference */
} entry_t;

struct cog_tokencache {
    entry_t             *entries;   /* sets * WAYS */
    _Atomic uint64_t    *seen;      /* admission fingerprints: sets * WAYS * 4, 0 = none */
    size_t               sets;      /* power of two */
    size_t               count;
    apr_pool_t          *pool;      /* owns the mutex only */
    apr_thread_mutex_t  *mutex;
};

cog_tokencache_t *cog_tokencache_create(size_t capacity)
{
    cog_tokencache_t *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return NULL;
    if (capacity > 0) {
        size_t sets = 1;
        while (sets * WAYS < capacity)
            sets <<= 1;
        c->entries = calloc(sets * WAYS, sizeof(entry_t));
        c->seen = calloc(sets * WAYS * 4, sizeof(*c->seen));
        if (c->entries == NULL || c->seen == NULL) {
            free(c->entries);
            free(c->seen);
            free(c);
            return NULL;
        }
        c->sets = sets;
    }
    if (apr_pool_create(&c->pool, NULL) != APR_SUCCESS
        || apr_thread_mutex_create(&c->mutex, APR_THREAD_MUTEX_DEFAULT, c->pool) != APR_SUCCESS) {
        free(c->entries);
        free(c->seen);
        free(c);
        return NULL;
    }
    return c;
}

void cog_tokencache_destroy(cog_tokencache_t *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->sets * WAYS; i++)
        cog_memo_release(c->entries[i].memo);
    free(c->entries);
    free(c->seen);
    apr_pool_destroy(c->pool);
    free(c);
}

static entry_t *set_of(cog_tokencache_t *c, const unsigned char *key)
{
    size_t h;
    memcpy(&h, key, sizeof(h));
    return &c->entries[(h & (c->sets - 1)) * WAYS];
}

static void clear(cog_tokencache_t *c, entry_t *e)
{
    if (e->exp != 0)
        c->count--;
    cog_memo_release(e->memo);
    memset(e, 0, sizeof(*e));
}

cog_memo_t *cog_tokencache_get(cog_tokencache_t *c, apr_pool_t *p,
                               const unsigned char key[COG_TOKENCACHE_KEY_LEN], double now)
{
    cog_memo_t *found = NULL;
    if (c == NULL || c->sets == 0)
        return NULL;
    apr_thread_mutex_lock(c->mutex);
    entry_t *set = set_of(c, key);
    for (int w = 0; w < WAYS; w++) {
        entry_t *e = &set[w];
        if (e->exp == 0 || memcmp(e->key, key, COG_TOKENCACHE_KEY_LEN) != 0)
            continue;
        if (now >= e->exp) {
            clear(c, e);
            break;
        }
        found = e->memo;
        cog_memo_hold(found);        /* under the mutex: the table's reference is still there */
        break;
    }
    apr_thread_mutex_unlock(c->mutex);
    if (found)
        cog_memo_lend(found, p);
    return found;
}

void cog_tokencache_remove(cog_tokencache_t *c, const unsigned char key[COG_TOKENCACHE_KEY_LEN])
{
    if (c == NULL || c->sets == 0)
        return;
    apr_thread_mutex_lock(c->mutex);
    entry_t *set = set_of(c, key);
    for (int w = 0; w < WAYS; w++)
        if (set[w].exp != 0 && memcmp(set[w].key, key, COG_TOKENCACHE_KEY_LEN) == 0)
            clear(c, &set[w]);
    apr_thread_mutex_unlock(c->mutex);
}

void cog_tokencache_put(cog_tokencache_t *c, const unsigned char key[COG_TOKENCACHE_KEY_LEN],
                        double now, double exp, cog_memo_t *m)
{
    if (c == NULL || c->sets == 0 || exp <= now || m == NULL)
        return;
    cog_memo_hold(m);

    apr_thread_mutex_lock(c->mutex);
    entry_t *set = set_of(c, key);
    entry_t *victim = NULL;
    for (int w = 0; w < WAYS && victim == NULL; w++)
        if (set[w].exp != 0 && memcmp(set[w].key, key, COG_TOKENCACHE_KEY_LEN) == 0)
            victim = &set[w];                       /* same token: replace */
    for (int w = 0; w < WAYS && victim == NULL; w++)
        if (set[w].exp == 0 || set[w].exp <= now)
            victim = &set[w];                       /* free or dead slot */
    if (victim == NULL) {
        victim = &set[0];                           /* evict the one expiring first */
        for (int w = 1; w < WAYS; w++)
            if (set[w].exp < victim->exp)
                victim = &set[w];
    }
    clear(c, victim);
    memcpy(victim->key, key, COG_TOKENCACHE_KEY_LEN);
    victim->exp = exp;
    victim->memo = m;
    c->count++;
    apr_thread_mutex_unlock(c->mutex);
}

int cog_tokencache_seen_before(cog_tokencache_t *c, const unsigned char key[COG_TOKENCACHE_KEY_LEN])
{
    if (c == NULL || c->sets == 0)
        return 0;
    uint64_t fp, slot;
    memcpy(&fp, key + 8, sizeof(fp));       /* other bytes than set_of() uses */
    memcpy(&slot, key + 16, sizeof(slot));
    fp |= 1;                                 /* never 0, the empty mark */
    _Atomic uint64_t *cell = &c->seen[slot % (c->sets * WAYS * 4)];
    /* Lock-free: a lost race only delays or advances one admission. */
    if (atomic_load_explicit(cell, memory_order_relaxed) == fp)
        return 1;
    atomic_store_explicit(cell, fp, memory_order_relaxed);
    return 0;
}

size_t cog_tokencache_count(cog_tokencache_t *c)
{
    if (c == NULL)
        return 0;
    apr_thread_mutex_lock(c->mutex);
    size_t n = c->count;
    apr_thread_mutex_unlock(c->mutex);
    return n;
}

int cog_tokencache_key(const char *policy, const char *token, size_t token_len,
                       unsigned char key[COG_TOKENCACHE_KEY_LEN])
{
    return cog_sha256_parts(policy, strlen(policy) + 1, token, token_len, key);
}
