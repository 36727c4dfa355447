/*
 * jwks.c — key set cache: lookup, single-flight fetch, penalty window, stale keys.
 */
#include "token/jwks.h"
#include "token/jwk.h"
#include "cfg/metrics.h"
#include "util/crypto.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_thread_cond.h>
#include <apr_thread_mutex.h>
#include <apr_time.h>

/* A kid refused by a fetch: its fingerprint (first 8 bytes of SHA-256, never 0)
 * and when.  Slots are direct-mapped and overwritten freely: forgetting a kid
 * early only allows one more (rate-limited) fetch. */
typedef struct {
    uint64_t   fingerprint;
    apr_time_t refused_at;
} refused_kid_t;

typedef struct keyset_entry {
    char                *url;
    cog_jwk_set_t       *set;             /* NULL until a fetch succeeded */
    apr_time_t           fetched_at;      /* when set was installed */
    apr_time_t           fetch_started;   /* start of the last fetch (throttle) */
    apr_time_t           retry_after;     /* no fetch before this (after a failure) */
    int                  fetching;
    const char          *last_error;      /* static text */
    refused_kid_t       *refused;         /* COG_JWKS_REFUSED_KID_SLOTS, made on first use */
    struct keyset_entry *next;
} keyset_entry_t;

/* Process-wide state, guarded by `lock`. */
static apr_thread_mutex_t *lock;
static apr_thread_cond_t  *fetched;
static keyset_entry_t     *entries;
static cog_jwks_stats_t    stats;

apr_status_t cog_jwks_init(apr_pool_t *pchild)
{
    apr_status_t rv = apr_thread_mutex_create(&lock, APR_THREAD_MUTEX_DEFAULT, pchild);
    if (rv == APR_SUCCESS)
        rv = apr_thread_cond_create(&fetched, pchild);
    return rv;
}

void cog_jwks_stats(cog_jwks_stats_t *out)
{
    memset(out, 0, sizeof(*out));
    if (lock == NULL)
        return;
    apr_thread_mutex_lock(lock);
    *out = stats;
    apr_thread_mutex_unlock(lock);
}

static keyset_entry_t *entry_for(const char *url)
{
    for (keyset_entry_t *e = entries; e; e = e->next)
        if (strcmp(e->url, url) == 0)
            return e;
    keyset_entry_t *e = calloc(1, sizeof(*e));
    if (e == NULL || (e->url = strdup(url)) == NULL) {
        free(e);
        return NULL;
    }
    e->next = entries;
    entries = e;
    return e;
}

static uint64_t kid_fingerprint(const char *kid)
{
    unsigned char digest[32];
    uint64_t f = 0;
    if (cog_sha256(kid, strlen(kid), digest) != 0)
        return 0;
    for (int i = 0; i < 8; i++)
        f = f << 8 | digest[i];
    return f ? f : 1;
}

static int remembered(const keyset_entry_t *e, const char *kid, apr_time_t now)
{
    uint64_t f = e->refused ? kid_fingerprint(kid) : 0;
    const refused_kid_t *slot = f ? &e->refused[f % COG_JWKS_REFUSED_KID_SLOTS] : NULL;
    return slot && slot->fingerprint == f && now - slot->refused_at < apr_time_from_sec(COG_JWKS_REFUSED_KID_SECONDS);
}

static void remember(keyset_entry_t *e, const char *kid, apr_time_t now)
{
    uint64_t f = kid_fingerprint(kid);
    if (f == 0)
        return;
    if (e->refused == NULL && (e->refused = calloc(COG_JWKS_REFUSED_KID_SLOTS, sizeof(*e->refused))) == NULL)
        return;
    refused_kid_t *slot = &e->refused[f % COG_JWKS_REFUSED_KID_SLOTS];
    slot->fingerprint = f;
    slot->refused_at = now;
}

static int may_start_fetch(const keyset_entry_t *e, apr_time_t now)
{
    return now >= e->retry_after && now - e->fetch_started >= apr_time_from_sec(COG_JWKS_FETCH_INTERVAL_SECONDS);
}

static apr_status_t release_key(void *key)
{
    EVP_PKEY_free(key);
    return APR_SUCCESS;
}

/* Fetches and parses the set without holding the lock.  Returns the new set or NULL
 * with a reason in err. */
static cog_jwk_set_t *fetch_set(apr_pool_t *p, const cog_jwks_source_t *src, cog_error_t *err)
{
    cog_http_response_t resp;
    cog_http_opts_t http = src->http;
    http.max_response = COG_JWKS_MAX_BYTES;
    http.endpoint = COG_HTTP_JWKS;

    cog_reason_t rc = cog_http_request(p, &http, src->url, NULL, NULL, NULL, &resp, err);
    if (rc != COG_OK) {
        err->detail = apr_pstrcat(p, "fetching the key set failed: ", cog_reason_info(rc)->name,
                                  " (", err->detail ? err->detail : "", ")", NULL);
        err->reason = COG_E_JWKS_UNAVAILABLE;
        return NULL;
    }
    if (resp.status != 200) {
        cog_fail(err, COG_E_JWKS_UNAVAILABLE,
                 apr_psprintf(p, "the key set URL answered HTTP %ld", resp.status));
        return NULL;
    }
    const char *why = NULL;
    cog_jwk_set_t *set = cog_jwk_set_parse(resp.body, resp.body_len, &why);
    if (set == NULL)
        cog_fail(err, COG_E_JWKS_UNAVAILABLE,
                 apr_pstrcat(p, "the key set document is unusable: ", why, NULL));
    return set;
}

/* Looks kid up in the entry's current set.  COG_OK with *key (referenced), a
 * rejection reason, or COG_E_TOKEN_KID_UNKNOWN. */
static cog_reason_t lookup(apr_pool_t *p, keyset_entry_t *e, const char *kid, EVP_PKEY **key,
                           cog_error_t *err)
{
    const cog_jwk_t *jwk = cog_jwk_set_find(e->set, kid);
    if (jwk == NULL)
        return cog_fail(err, COG_E_TOKEN_KID_UNKNOWN, "kid is not in the key set");
    if (jwk->key == NULL)
        return cog_fail(err, COG_E_TOKEN_KEY_WEAK,
                        apr_pstrcat(p, "the key set entry for this kid is refused: ", jwk->rejected, NULL));
    EVP_PKEY_up_ref(jwk->key);
    apr_pool_cleanup_register(p, jwk->key, release_key, apr_pool_cleanup_null);
    *key = jwk->key;
    return COG_OK;
}

/* With the lock held, after this thread's fetch: keeps the new set (or notes the
 * failure and when to retry), then looks the kid up in what is held now.  A kid
 * the new set lacks is remembered as refused. */
static cog_reason_t adopt_fetch(apr_pool_t *p, keyset_entry_t *e, cog_jwk_set_t *fresh_set,
                                const cog_error_t *fetch_err, const char *kid, EVP_PKEY **key, cog_error_t *err)
{
    apr_time_t now = apr_time_now();
    e->fetching = 0;
    cog_metrics_inc(COG_M_JWKS_FETCH, fresh_set ? COG_MR_OK : COG_MR_FAILED);
    if (fresh_set) {
        cog_jwk_set_free(e->set);
        e->set = fresh_set;
        e->fetched_at = now;
        e->retry_after = 0;
        e->last_error = NULL;
    } else {
        stats.fetch_failures++;
        e->retry_after = now + apr_time_from_sec(COG_JWKS_RETRY_SECONDS);
        e->last_error = "the last key set fetch failed (see earlier log line)";
    }
    if (e->set == NULL)
        return cog_fail(err, fetch_err->reason, fetch_err->detail);
    cog_reason_t rc = lookup(p, e, kid, key, err);
    if (rc == COG_E_TOKEN_KID_UNKNOWN) {
        if (fresh_set)
            remember(e, kid, now);
        else
            err->detail = apr_pstrcat(p, "kid is not in the held key set and the refetch failed: ",
                                      fetch_err->detail ? fetch_err->detail : "", NULL);
    }
    return rc;
}

/* Refuses an unknown kid without fetching. */
static cog_reason_t refuse_unknown(cog_error_t *err, cog_metric_kid_refusal_t why)
{
    cog_metrics_inc(COG_M_JWKS_KID_REFUSED, why);
    return cog_fail(err, COG_E_TOKEN_KID_UNKNOWN,
                    why == COG_MK_REMEMBERED
                    ? "kid is not in the key set (a key set fetch refused this kid less than 5 minutes ago)"
                    : "kid is not in the key set (a key set fetch of this pool started less than a second ago)");
}

typedef enum { HOLD_ANSWER, HOLD_WAIT, HOLD_FETCH } hold_t;

/* With the lock held: what this thread does next for kid — answer from what is
 * held (*rc set), wait for the fetch under way, or fetch itself. */
static hold_t decide(apr_pool_t *p, keyset_entry_t *e, const cog_jwks_source_t *src, const char *kid,
                     int waited, EVP_PKEY **key, cog_error_t *err, cog_reason_t *rc)
{
    apr_time_t now = apr_time_now();
    if (e->set) {
        *rc = lookup(p, e, kid, key, err);
        if (*rc != COG_E_TOKEN_KID_UNKNOWN) {
            /* A held key: refresh a set past its TTL when allowed, never wait for it. */
            int stale = now - e->fetched_at >= apr_time_from_sec(src->ttl_seconds);
            return stale && !e->fetching && may_start_fetch(e, now) ? HOLD_FETCH : HOLD_ANSWER;
        }
        if (e->fetching && !waited)
            return HOLD_WAIT;
        if (waited) {
            if (!e->fetching)
                remember(e, kid, now);     /* the fetch we waited for did not bring it */
            return HOLD_ANSWER;
        }
        if (remembered(e, kid, now)) {
            *rc = refuse_unknown(err, COG_MK_REMEMBERED);
            return HOLD_ANSWER;
        }
        if (!may_start_fetch(e, now)) {
            *rc = refuse_unknown(err, COG_MK_THROTTLED);
            return HOLD_ANSWER;
        }
        return HOLD_FETCH;
    }
    if (e->fetching && !waited)
        return HOLD_WAIT;
    if (e->fetching || waited || !may_start_fetch(e, now)) {
        *rc = cog_fail(err, COG_E_JWKS_UNAVAILABLE,
                       e->fetching ? "key set fetch still under way"
                                   : e->last_error ? e->last_error : "no signing keys could be fetched yet");
        return HOLD_ANSWER;
    }
    return HOLD_FETCH;
}

cog_reason_t cog_jwks_get_key(apr_pool_t *p, const cog_jwks_source_t *src, const char *kid,
                              EVP_PKEY **key, cog_error_t *err)
{
    if (lock == NULL)
        return cog_fail(err, COG_E_INTERNAL, "key cache not initialised");

    apr_thread_mutex_lock(lock);
    keyset_entry_t *e = entry_for(src->url);
    if (e == NULL) {
        apr_thread_mutex_unlock(lock);
        return cog_fail(err, COG_E_INTERNAL, "out of memory");
    }

    cog_reason_t rc = COG_OK;
    hold_t next;
    int waited = 0;
    while ((next = decide(p, e, src, kid, waited, key, err, &rc)) == HOLD_WAIT) {
        /* Someone else is fetching what we need: wait for it once, bounded. */
        apr_thread_cond_timedwait(fetched, lock, (apr_interval_time_t)src->http.timeout_ms * 1000 + apr_time_from_sec(1));
        waited = 1;
    }
    if (next == HOLD_ANSWER) {
        apr_thread_mutex_unlock(lock);
        return rc;
    }
    /* For a TTL refresh the held key was already looked up: its reference goes
     * with the pool, and the lookup after the fetch answers. */
    *key = NULL;

    e->fetching = 1;
    e->fetch_started = apr_time_now();
    stats.fetches++;
    apr_thread_mutex_unlock(lock);

    cog_error_t fetch_err = { COG_OK, NULL };
    cog_jwk_set_t *fresh_set = fetch_set(p, src, &fetch_err);

    apr_thread_mutex_lock(lock);
    rc = adopt_fetch(p, e, fresh_set, &fetch_err, kid, key, err);
    apr_thread_cond_broadcast(fetched);
    apr_thread_mutex_unlock(lock);

    /* The caller logs the request's outcome; a failed refresh of held keys is worth
     * its own line, because requests keep succeeding and would otherwise hide it. */
    if (!fresh_set && rc == COG_OK && err) {
        err->reason = COG_OK;
        err->detail = apr_pstrcat(p, "using previously fetched keys: ",
                                  fetch_err.detail ? fetch_err.detail : "", NULL);
    }
    return rc;
}
