/*
 * changes.c — per-family change counters in shared memory.
 */
#include "store/changes.h"

#include <stdatomic.h>
#include <string.h>
#include <apr_shm.h>

#define BUCKETS 4096   /* counters in shared memory (32 KB) */

/* Set once in post_config (before the children exist); read-only pointer after. */
static _Atomic apr_uint64_t *epochs;

apr_status_t cog_changes_create(apr_pool_t *pconf)
{
    apr_shm_t *shm;
    apr_status_t rv = apr_shm_create(&shm, sizeof(*epochs) * BUCKETS, NULL, pconf);
    if (rv != APR_SUCCESS) {
        epochs = NULL;
        return rv;
    }
    epochs = apr_shm_baseaddr_get(shm);
    for (size_t i = 0; i < BUCKETS; i++)
        atomic_init(&epochs[i], 0);
    return APR_SUCCESS;
}

int cog_changes_available(void)
{
    return epochs != NULL;
}

static _Atomic apr_uint64_t *bucket(const unsigned char family[COG_KEY_LEN])
{
    apr_uint32_t h;
    memcpy(&h, family, sizeof(h));
    return &epochs[h % BUCKETS];
}

apr_uint64_t cog_changes_epoch(const unsigned char family[COG_KEY_LEN])
{
    return epochs ? atomic_load_explicit(bucket(family), memory_order_acquire) : 0;
}

void cog_changes_bump(const unsigned char family[COG_KEY_LEN])
{
    if (epochs)
        atomic_fetch_add_explicit(bucket(family), 1, memory_order_acq_rel);
}
