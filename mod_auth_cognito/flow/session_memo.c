/*
 * session_memo.c — per-process table of opened sessions.
 */
#include "flow/session_memo.h"
#include "store/changes.h"
#include "store/tokencache.h"

#include <stdio.h>
#include <string.h>

/* Set once in child_init; read-only pointer after. */
static cog_tokencache_t *opened;

static apr_status_t destroy_table(void *table)
{
    cog_tokencache_destroy(table);
    opened = NULL;
    return APR_SUCCESS;
}

apr_status_t cog_session_memo_child_init(apr_pool_t *pchild, size_t entries)
{
    /* Without the shared counters a copy could outlive a logout: keep none. */
    if (entries == 0 || !cog_changes_available())
        return APR_SUCCESS;
    opened = cog_tokencache_create(entries);
    if (opened == NULL)
        return APR_ENOMEM;
    apr_pool_cleanup_register(pchild, opened, destroy_table, apr_pool_cleanup_null);
    return APR_SUCCESS;
}

int cog_session_memo_key(const cog_rec_owner_t *owner, const char *id, unsigned char key[COG_TOKENCACHE_KEY_LEN])
{
    /* Newlines cannot occur in an issuer URL, a client id or a session id we accept. */
    char policy[1024];
    int n = snprintf(policy, sizeof(policy), "session\n%s\n%s", owner->issuer, owner->client_id);
    if (opened == NULL || owner->issuer == NULL || owner->client_id == NULL || n < 0 || (size_t)n >= sizeof(policy))
        return -1;
    return cog_tokencache_key(policy, id, strlen(id), key);
}

const cog_opened_session_t *cog_session_memo_get(apr_pool_t *p, const unsigned char key[COG_TOKENCACHE_KEY_LEN],
                                                 apr_time_t max_age)
{
    if (opened == NULL)
        return NULL;
    apr_time_t now = apr_time_now();
    cog_memo_t *m = cog_tokencache_get(opened, p, key, (double)apr_time_sec(now));
    if (m == NULL)
        return NULL;
    const cog_opened_session_t *o = m->data;
    if (o->epoch != cog_changes_epoch(o->ref.family) || (max_age > 0 && now - o->read_at >= max_age)) {
        cog_tokencache_remove(opened, key);      /* out of date; p still holds this copy */
        return NULL;
    }
    return o;
}

void cog_session_memo_put(cog_memo_t *m, double until)
{
    const cog_opened_session_t *o = m->data;
    if (opened != NULL)
        cog_tokencache_put(opened, o->table_key, (double)apr_time_sec(apr_time_now()), until, m);
}
