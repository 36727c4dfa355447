/*
 * session_memo.h — the sessions an Apache process opened recently.
 *
 * Opening a session (a store read, under the global mutex for shmcb; AES-GCM;
 * strict JSON; building the identity) costs more than serving a small file, and
 * most requests of a session repeat the previous one's work.  Each process keeps
 * the sessions it opened (a bounded table keyed by SHA-256 over the issuer, the app
 * client and the cookie id together: a copy opened for one app client is never
 * found at a location of another; one hash, where the record's slot would cost
 * three HMACs per request; entries are memos, see memo.h) and uses a copy only
 * while it is provably current:
 *
 *  - every change this server makes to a record (refresh, idle-timer update,
 *    logout, expiry) bumps its family's change counter (store/changes.h; the
 *    store does it), and a copy read before the bump is never used again:
 *    on one server, a logout or refresh reaches every process at its next request;
 *  - with a store shared by several servers (memcache, redis), a copy is also read
 *    again after CognitoSessionRecheck seconds: that bounds how long a logout on
 *    another server takes to reach this one;
 *  - decisions that end a session (idle, maximum age) are made on a fresh read
 *    (session.c).
 */
#ifndef COG_SESSION_MEMO_H
#define COG_SESSION_MEMO_H

#include <apr_pools.h>
#include <apr_time.h>
#include "util/crypto.h"
#include "token/identity.h"
#include "store/memo.h"
#include "store/tokencache.h"
#include "store/record.h"
#include "store/store.h"

typedef struct {
    cog_rec_ref_t                  ref;                 /* of the session record */
    const cog_session_t           *s;                   /* read-only */
    const cog_rendered_identity_t *identity;            /* NULL when none could be made */
    apr_uint64_t                   epoch;               /* the bucket's counter before the read */
    apr_time_t                     read_at;
    unsigned char                  table_key[COG_TOKENCACHE_KEY_LEN];   /* cog_session_memo_key */
} cog_opened_session_t;

/* child_init: this process's table; 0 entries disables it. */
apr_status_t cog_session_memo_child_init(apr_pool_t *pchild, size_t entries);

/* The table key of the session with cookie id at a location of owner; -1 when
 * it cannot be made (then neither look up nor store). */
int cog_session_memo_key(const cog_rec_owner_t *owner, const char *id, unsigned char key[COG_TOKENCACHE_KEY_LEN]);

/* The copy opened under key, lent to p, when it is still current (see above;
 * max_age 0 = no age limit), else NULL. */
const cog_opened_session_t *cog_session_memo_get(apr_pool_t *p, const unsigned char key[COG_TOKENCACHE_KEY_LEN],
                                                 apr_time_t max_age);
/* Remembers m (data: a cog_opened_session_t, table_key set) until `until` (seconds). */
void cog_session_memo_put(cog_memo_t *m, double until);

#endif
