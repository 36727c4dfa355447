/*
 * memo.c — reference-counted, self-contained pools.
 */
#include "store/memo.h"

#include <stdlib.h>

cog_memo_t *cog_memo_create(void)
{
    apr_pool_t *pool;
    /* Unmanaged, with its own allocator: no other thread ever allocates from it,
     * and freeing it never touches a pool another thread is using. */
    if (apr_pool_create_unmanaged_ex(&pool, NULL, NULL) != APR_SUCCESS)
        return NULL;
    cog_memo_t *m = apr_pcalloc(pool, sizeof(*m));
    m->pool = pool;
    apr_atomic_set32(&m->refs, 1);
    return m;
}

cog_memo_t *cog_memo_adopt(void *data, void (*destroy)(void *data))
{
    cog_memo_t *m = calloc(1, sizeof(*m));
    if (m == NULL) {
        destroy(data);
        return NULL;
    }
    m->data = data;
    m->destroy = destroy;
    apr_atomic_set32(&m->refs, 1);
    return m;
}

void cog_memo_hold(cog_memo_t *m)
{
    apr_atomic_inc32(&m->refs);
}

void cog_memo_release(cog_memo_t *m)
{
    if (m == NULL || apr_atomic_dec32(&m->refs) != 0)
        return;
    if (m->pool) {
        apr_pool_destroy(m->pool);   /* m itself lives in it */
    } else {
        m->destroy(m->data);
        free(m);
    }
}

static apr_status_t release_cleanup(void *m)
{
    cog_memo_release(m);
    return APR_SUCCESS;
}

void cog_memo_lend(cog_memo_t *m, apr_pool_t *p)
{
    apr_pool_cleanup_register(p, m, release_cleanup, apr_pool_cleanup_null);
}
