/*
 * jwks.c — key set cache: lookup, single-flight fetch, penalty window, stale keys.
 */
#include "token/jwks.h"
#include "token/jwk.h"
#include "cfg/metrics.h"

#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_thread_cond.h>
#include <apr_thread_mutex.h>
#include <apr_time.h>

typedef struct keyset_entry {
    char                *url;
    cog_jwk_set_t       *set;             /* NULL until a fetch succeeded */
    apr_time_t           fetched_at;      /* when set was installed */
    apr_time_t           retry_after;     /* no TTL/first refetch before this (after a failure) */
    apr_time_t           penalty_until;   /* no unknown-kid refetch before this */
    int                  fetching;
    const char          *last_error;      /* static text */
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
 * failure and when to retry), then looks the kid up in what is held now. */
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
        e->penalty_until = now + apr_time_from_sec(COG_JWKS_PENALTY_SECONDS);
        if (!fresh_set)
            err->detail = apr_pstrcat(p, "kid is not in the held key set and the refetch failed: ",
                                      fetch_err->detail ? fetch_err->detail : "", NULL);
    }
    return rc;
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

    cog_reason_t rc;
    int waited = 0;
    for (;;) {
        apr_time_t now = apr_time_now();
        int fresh = e->set && now - e->fetched_at < apr_time_from_sec(src->ttl_seconds);
        int may_fetch = now >= e->retry_after;

        if (e->set) {
            rc = lookup(p, e, kid, key, err);
            if (rc != COG_E_TOKEN_KID_UNKNOWN && (fresh || !may_fetch || e->fetching)) {
                /* Held key (fresh, or stale while a refetch is impossible or under way). */
                apr_thread_mutex_unlock(lock);
                return rc;
            }
            if (rc == COG_E_TOKEN_KID_UNKNOWN && now < e->penalty_until) {
                apr_thread_mutex_unlock(lock);
                return cog_fail(err, COG_E_TOKEN_KID_UNKNOWN,
                                "kid is not in the key set (refetch suppressed for a few seconds)");
            }
        }
        if (!e->set && !may_fetch && !e->fetching) {
            apr_thread_mutex_unlock(lock);
            return cog_fail(err, COG_E_JWKS_UNAVAILABLE,
                            e->last_error ? e->last_error : "no signing keys could be fetched yet");
        }
        if (!e->fetching)
            break;                                   /* this thread fetches */
        if (waited) {
            apr_thread_mutex_unlock(lock);
            return e->set ? cog_fail(err, COG_E_TOKEN_KID_UNKNOWN, "kid is not in the key set")
                          : cog_fail(err, COG_E_JWKS_UNAVAILABLE, "key set fetch still under way");
        }
        /* Someone else is fetching what we need: wait for it once, bounded. */
        apr_thread_cond_timedwait(fetched, lock, (apr_interval_time_t)src->http.timeout_ms * 1000 + apr_time_from_sec(1));
        waited = 1;
    }

    e->fetching = 1;
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
