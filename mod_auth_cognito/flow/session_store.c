/*
 * session_store.c — session records: load (store or table copy), store, touch, end.
 */
#include "flow/session_store.h"
#include "cfg/pools.h"
#include "store/cache.h"
#include "flow/context.h"
#include "cfg/log.h"
#include "store/memo.h"
#include "flow/session_memo.h"
#include "store/changes.h"

#include <math.h>
#include <string.h>
#include <apr_strings.h>

cog_rec_owner_t cog_session_owner(const cog_dir_config_t *c)
{
    cog_rec_owner_t o = { cog_cfg_issuer(c), c->client_id };
    return o;
}

void cog_session_lifetime(const cog_dir_config_t *c, const cog_session_t *s, cog_lifetime_t *lt)
{
    lt->max_age = cog_cfg_session_max_age(c);
    lt->idle = cog_cfg_session_idle(c);
    lt->revalidate = cog_cfg_revalidate_interval(c);
    lt->skew = cog_cfg_clock_skew(c);
    lt->refresh = cog_cfg_refresh(c) && s->refresh_token != NULL;
}

void cog_session_times(const cog_session_t *s, cog_session_times_t *t)
{
    t->created = s->created;
    t->last_seen = s->last_seen;
    t->refreshed = s->refreshed;
    t->access_exp = s->access_exp;
}

static apr_time_t as_apr_time(double seconds)
{
    return apr_time_from_sec((apr_time_t)ceil(seconds));
}

/* How long this process may reuse a session it opened: for ever while nothing on
 * this server changed it (local store), CognitoSessionRecheck with a shared one.
 * -1: never (recheck 0 with a shared store). */
static apr_time_t memo_max_age(request_rec *r)
{
    if (!cog_cache_is_shared(cog_cfg_cache(r->server)))
        return 0;
    int recheck = cog_cfg_session_recheck(r->server);
    return recheck > 0 ? apr_time_from_sec(recheck) : -1;
}

static int from_table(request_rec *r, const cog_dir_config_t *c, const char *id, cog_found_session_t *f)
{
    cog_rec_owner_t owner = cog_session_owner(c);
    apr_time_t max_age = memo_max_age(r);
    unsigned char key[COG_TOKENCACHE_KEY_LEN];
    const cog_opened_session_t *o = max_age >= 0 && cog_session_memo_key(&owner, id, key) == 0
                                    ? cog_session_memo_get(r->pool, key, max_age) : NULL;
    if (o == NULL)
        return 0;
    f->ref = o->ref;
    f->s = (cog_session_t *)o->s;
    f->identity = o->identity;
    f->from_memo = 1;
    return 1;
}

/* The session record text into a table copy that also carries the identity made
 * for c; the copy is lent to the request. */
static cog_session_t *decode_into_memo(request_rec *r, const cog_dir_config_t *c, cog_found_session_t *f,
                                       apr_uint64_t epoch, const char **why)
{
    cog_rec_owner_t owner = cog_session_owner(c);
    unsigned char key[COG_TOKENCACHE_KEY_LEN];
    if (cog_session_memo_key(&owner, f->id, key) != 0)
        return f->s = cog_session_decode(r->pool, f->rec.text, f->rec.len, why);
    cog_memo_t *m = cog_memo_create();
    if (m == NULL)
        return NULL;
    cog_opened_session_t *o = apr_pcalloc(m->pool, sizeof(*o));
    memcpy(o->table_key, key, sizeof(key));
    cog_session_t *s = cog_session_decode(m->pool, f->rec.text, f->rec.len, why);
    if (s == NULL) {
        cog_memo_release(m);
        return NULL;
    }
    cog_rendered_identity_t *identity = NULL;
    cog_error_t ignored;
    if (cog_identity_render(m->pool, c, s->claims, &(cog_identity_source_t){ s->scope, NULL, NULL }, &identity,
                            &ignored) != COG_OK)
        identity = NULL;          /* the request path makes the same attempt and reports it */
    o->ref = f->ref;
    o->s = s;
    o->identity = identity;
    o->epoch = epoch;
    o->read_at = apr_time_now();
    m->data = o;
    f->identity = identity;
    f->s = s;
    f->memo = m;                   /* offered to the table once the record is accepted */
    return s;
}

static int owned_by(const cog_session_t *s, const cog_rec_owner_t *owner)
{
    return strcmp(s->issuer, owner->issuer) == 0 && strcmp(s->client_id, owner->client_id) == 0;
}

/* The latest activity: the session record's, or its last-seen record's if newer. */
static void merge_last_seen(request_rec *r, const cog_found_session_t *f, cog_session_t *s)
{
    cog_rec_ref_t seen_ref;
    cog_rec_t seen;
    double t;
    if (cog_store_ref_kind(&f->ref, COG_REC_SEEN, &seen_ref) == 0 && cog_store_get(r, &seen_ref, &seen) == APR_SUCCESS
        && cog_seen_decode(seen.text, seen.len, &t, NULL) == 0 && t > s->last_seen)
        s->last_seen = t;
}

static apr_status_t refused(request_rec *r, const char *why)
{
    cog_error_t err = { COG_E_SESSION_INVALID, why };
    cog_log_reason(r, APLOG_INFO, &err, "session ignored");
    return APR_NOTFOUND;
}

static apr_status_t from_store(request_rec *r, const cog_dir_config_t *c, const char *id, int keep_copy,
                               cog_found_session_t *f)
{
    cog_rec_owner_t owner = cog_session_owner(c);
    apr_status_t rv = APR_NOTFOUND;
    apr_uint64_t epoch = 0;
    for (int secret = 0; rv == APR_NOTFOUND && secret < 2; secret++) {
        if (cog_store_ref(r->server, &owner, COG_REC_SESSION, id, secret, &f->ref) != 0)
            break;
        /* Before the read: a change made after it bumps the counter past this value. */
        epoch = cog_changes_epoch(f->ref.family);
        rv = cog_store_get(r, &f->ref, &f->rec);
    }
    if (rv == COG_STORE_FORGED)
        return refused(r, "the record does not open with this cookie and secret (forged, moved, or sealed "
                          "under another CognitoSessionSecret)");
    if (rv != APR_SUCCESS)
        return rv;
    const char *why = NULL;
    if (keep_copy)
        decode_into_memo(r, c, f, epoch, &why);
    else
        f->s = cog_session_decode(r->pool, f->rec.text, f->rec.len, &why);
    if (f->s == NULL)
        return refused(r, why ? why : "the record does not decode");
    if (!owned_by(f->s, &owner)) {
        if (f->memo)
            cog_memo_release(f->memo);
        f->memo = NULL;
        return refused(r, "the record belongs to another issuer or app client");
    }
    merge_last_seen(r, f, f->s);
    if (f->memo) {
        cog_lifetime_t lt;
        cog_session_times_t t;
        cog_session_lifetime(c, f->s, &lt);
        cog_session_times(f->s, &t);
        cog_session_memo_put(f->memo, cog_policy_record_expiry(&lt, &t));
        cog_memo_lend(f->memo, r->pool);
        f->memo = NULL;
    }
    return APR_SUCCESS;
}

apr_status_t cog_session_load(request_rec *r, const cog_dir_config_t *c, const char *id, cog_read_mode_t mode,
                              cog_found_session_t *f)
{
    memset(f, 0, sizeof(*f));
    if (!cog_record_secret_valid(id))
        return APR_NOTFOUND;
    f->id = id;
    if (mode == COG_READ_MEMO && from_table(r, c, id, f))
        return APR_SUCCESS;
    return from_store(r, c, id, mode == COG_READ_MEMO && memo_max_age(r) >= 0, f);
}

static apr_status_t put_session(request_rec *r, const cog_dir_config_t *c, const cog_rec_ref_t *ref,
                                const cog_rec_t *expected, const cog_session_t *s)
{
    cog_lifetime_t lt;
    cog_session_times_t t;
    cog_session_lifetime(c, s, &lt);
    cog_session_times(s, &t);
    char *text = cog_session_encode(r->pool, s);
    if (text == NULL)
        return APR_ENOMEM;
    apr_time_t expiry = as_apr_time(cog_policy_record_expiry(&lt, &t));
    return expected ? cog_store_replace(r, ref, expected, expiry, text, strlen(text))
                    : cog_store_put(r, ref, expiry, text, strlen(text));
}

apr_status_t cog_session_store_new(request_rec *r, const cog_dir_config_t *c, const char *id,
                                   const cog_session_t *s)
{
    cog_rec_owner_t owner = cog_session_owner(c);
    cog_rec_ref_t ref;
    if (cog_store_ref(r->server, &owner, COG_REC_SESSION, id, 0, &ref) != 0)
        return APR_EGENERAL;
    return put_session(r, c, &ref, NULL, s);
}

apr_status_t cog_session_save(request_rec *r, const cog_dir_config_t *c, cog_found_session_t *f)
{
    return put_session(r, c, &f->ref, f->rec.sealed ? &f->rec : NULL, f->s);
}

void cog_session_touch(request_rec *r, const cog_dir_config_t *c, const cog_found_session_t *f, double now)
{
    cog_lifetime_t lt;
    cog_session_times_t t;
    cog_rec_ref_t seen_ref;
    cog_session_lifetime(c, f->s, &lt);
    cog_session_times(f->s, &t);
    if (!cog_policy_touch_due(&lt, &t, now) || cog_store_ref_kind(&f->ref, COG_REC_SEEN, &seen_ref) != 0)
        return;
    char *text = cog_seen_encode(r->pool, now);
    if (text)
        cog_store_put(r, &seen_ref, as_apr_time(cog_policy_seen_expiry(&lt, &t, now)), text, strlen(text));
}

static void remove_family(request_rec *r, const cog_rec_ref_t *ref)
{
    cog_rec_ref_t seen_ref;
    cog_store_remove(r, ref);
    if (cog_store_ref_kind(ref, COG_REC_SEEN, &seen_ref) == 0)
        cog_store_remove(r, &seen_ref);
}

void cog_session_end(request_rec *r, const cog_found_session_t *f, cog_reason_t why, const char *detail)
{
    cog_error_t err = { why, detail };
    remove_family(r, &f->ref);
    cog_log_reason(r, APLOG_INFO, &err, "session ended");
}

void cog_session_forget(request_rec *r, const cog_dir_config_t *c, const char *id)
{
    cog_rec_owner_t owner = cog_session_owner(c);
    cog_rec_ref_t ref;
    for (int secret = 0; secret < 2; secret++)
        if (cog_record_secret_valid(id) && cog_store_ref(r->server, &owner, COG_REC_SESSION, id, secret, &ref) == 0)
            remove_family(r, &ref);
}
