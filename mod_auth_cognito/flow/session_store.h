/*
 * session_store.h — a browser session's records in the sealed-record store
 * (store.h) and in this process's table of opened sessions (session_memo.h).
 *
 * A session is two records of one family: the session record (tokens, claims,
 * times, owner) and a small last-seen record that activity rewrites, so that
 * recording activity never rewrites (and so can never undo) the tokens a
 * concurrent refresh stored.  A record that does not open, decodes badly or
 * belongs to another issuer or app client is logged (session_invalid) and is
 * "no session".
 */
#ifndef COG_SESSION_STORE_H
#define COG_SESSION_STORE_H

#include <httpd.h>
#include "cfg/config.h"
#include "token/identity.h"
#include "store/record.h"
#include "flow/session_policy.h"
#include "store/store.h"

typedef struct {
    const char                    *id;         /* cookie value */
    cog_rec_ref_t                  ref;        /* of the session record */
    cog_rec_t                      rec;        /* as read; rec.sealed is NULL for a copy from the table */
    cog_session_t                 *s;          /* last_seen merged in; read-only when from_memo */
    const cog_rendered_identity_t *identity;   /* made with the record (table copies), or NULL */
    int                            from_memo;
    struct cog_memo               *memo;       /* a fresh copy not yet offered to the table (internal) */
} cog_found_session_t;

typedef enum { COG_READ_FRESH, COG_READ_MEMO } cog_read_mode_t;

cog_rec_owner_t cog_session_owner(const cog_dir_config_t *c);
/* The lifetimes that apply to session s at a location configured by c. */
void cog_session_lifetime(const cog_dir_config_t *c, const cog_session_t *s, cog_lifetime_t *lt);
void cog_session_times(const cog_session_t *s, cog_session_times_t *t);

/* APR_SUCCESS with f filled, APR_NOTFOUND (also for a refused record, logged), or
 * a store error.  COG_READ_MEMO may answer from this process's table. */
apr_status_t cog_session_load(request_rec *r, const cog_dir_config_t *c, const char *id, cog_read_mode_t mode,
                              cog_found_session_t *f);
/* Stores a new session under id (current secret). */
apr_status_t cog_session_store_new(request_rec *r, const cog_dir_config_t *c, const char *id,
                                   const cog_session_t *s);
/* Rewrites f's session record with f->s if it is still as f->rec was read:
 * APR_EEXIST when another writer changed it meanwhile. */
apr_status_t cog_session_save(request_rec *r, const cog_dir_config_t *c, cog_found_session_t *f);
/* Records activity when the last record of it is older than the policy allows. */
void cog_session_touch(request_rec *r, const cog_dir_config_t *c, const cog_found_session_t *f, double now);
/* Removes both records and logs why the session ended. */
void cog_session_end(request_rec *r, const cog_found_session_t *f, cog_reason_t why, const char *detail);
/* Removes whatever records id may have at this location (under both secrets) and
 * invalidates every process's copy, even when the store no longer holds them. */
void cog_session_forget(request_rec *r, const cog_dir_config_t *c, const char *id);

#endif
