/*
 * changes.h — change counters shared by every process of this server.
 *
 * Every record family (store.h) maps to one of 4096 counters in shared memory.
 * The store bumps a family's counter on every change it makes (put, add, take,
 * replace, remove — found or not); a process that keeps a copy of a record
 * (flow/session_memo.h) reads the counter before reading the record and never
 * uses the copy once the counter moved.  Lock-free (C11 atomics).
 */
#ifndef COG_CHANGES_H
#define COG_CHANGES_H

#include <apr_pools.h>
#include "util/crypto.h"

/* post_config, before the children fork.  Without it every counter reads 0 and
 * cog_changes_available() is 0 (callers then keep no copies). */
apr_status_t cog_changes_create(apr_pool_t *pconf);
int cog_changes_available(void);

apr_uint64_t cog_changes_epoch(const unsigned char family[COG_KEY_LEN]);
void cog_changes_bump(const unsigned char family[COG_KEY_LEN]);

#endif
