/*
 * cache.c — mod_socache wrapper with the module's global mutex.
 */
#include "store/cache.h"
#include "cfg/log.h"

#include <string.h>
#include <apr_global_mutex.h>
#include <apr_strings.h>
#include <ap_provider.h>
#include <util_mutex.h>
#include <mod_status.h>

#define MUTEX_TYPE "auth-cognito-cache"
#define CACHE_NAME "auth_cognito"      /* <= 14 characters: memcache key prefix limit */
#define COG_CACHE_LOCK_SETTLE_MS 50

struct cog_cache {
    const ap_socache_provider_t *provider;
    ap_socache_instance_t       *instance;
    const char                  *spec;
    int                          initialised;
};

/* Created in post_config before the children fork; each child re-attaches in
 * child_init.  Never changed afterwards. */
static apr_global_mutex_t *cache_mutex;

const char *cog_cache_configure(apr_pool_t *p, apr_pool_t *ptemp, const char *spec, cog_cache_t **out)
{
    const char *colon = strchr(spec, ':');
    const char *name = colon ? apr_pstrmemdup(ptemp, spec, (apr_size_t)(colon - spec)) : spec;
    const char *arg = colon ? colon + 1 : NULL;
    cog_cache_t *c = apr_pcalloc(p, sizeof(*c));

    c->provider = ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP, name, AP_SOCACHE_PROVIDER_VERSION);
    if (c->provider == NULL)
        return apr_psprintf(p, "unknown session cache provider '%s' (maybe you need to load "
                            "mod_socache_%s: a2enmod socache_%s)", name, name, name);
    const char *err = c->provider->create(&c->instance, arg, ptemp, p);
    if (err)
        return apr_psprintf(p, "session cache '%s': %s", name, err);
    c->spec = apr_pstrdup(p, spec);
    *out = c;
    return NULL;
}

const char *cog_cache_describe(const cog_cache_t *c)
{
    return c ? c->spec : "(none)";
}

int cog_cache_pre_config(apr_pool_t *pconf)
{
    return ap_mutex_register(pconf, MUTEX_TYPE, NULL, APR_LOCK_DEFAULT, 0) == APR_SUCCESS ? OK : 500;
}

static apr_status_t destroy_cache(void *data)
{
    cog_cache_t *c = data;
    if (c->initialised)
        c->provider->destroy(c->instance, NULL);
    c->initialised = 0;
    return APR_SUCCESS;
}

int cog_cache_post_config(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s,
                          cog_cache_t **(*slot_of)(server_rec *))
{
    /* shmcb sizes its index from the average entry: a session is one ~5.7 KB
     * record plus small last-seen and consumed records (< 100 bytes), and every
     * rewrite takes a fresh index slot until the cyclic buffer wraps.  Counting
     * on large entries left the index full with most of the data area unused. */
    struct ap_socache_hints hints = { .avg_id_len = COG_CACHE_ID_LEN, .avg_obj_size = 1024,
                                      .expiry_interval = 60 };
    cog_cache_t *fallback = NULL;

    for (server_rec *vs = s; vs; vs = vs->next) {
        cog_cache_t **slot = slot_of(vs);
        if (*slot == NULL) {
            if (fallback == NULL) {
                const char *spec = apr_psprintf(ptemp, "shmcb:%s(%d)",
                                                ap_runtime_dir_relative(ptemp, "auth_cognito_cache"),
                                                COG_CACHE_DEFAULT_SIZE);
                const char *err = cog_cache_configure(pconf, ptemp, spec, &fallback);
                if (err) {
                    ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                                 "COGNITO0001: config_invalid: default session cache: %s", err);
                    return HTTP_INTERNAL_SERVER_ERROR;
                }
            }
            *slot = fallback;
        }
        cog_cache_t *c = *slot;
        if (c->initialised)
            continue;
        apr_status_t rv = c->provider->init(c->instance, CACHE_NAME, &hints, vs, pconf);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, rv, vs,
                         "COGNITO0001: config_invalid: cannot initialise session cache %s", c->spec);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        c->initialised = 1;
        apr_pool_cleanup_register(pconf, c, destroy_cache, apr_pool_cleanup_null);
    }

    apr_status_t rv = ap_global_mutex_create(&cache_mutex, NULL, MUTEX_TYPE, NULL, s, pconf, 0);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s, "COGNITO0001: config_invalid: cannot create mutex %s",
                     MUTEX_TYPE);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}

void cog_cache_child_init(apr_pool_t *pchild, server_rec *s)
{
    if (cache_mutex == NULL)
        return;
    apr_status_t rv = apr_global_mutex_child_init(&cache_mutex, apr_global_mutex_lockfile(cache_mutex), pchild);
    if (rv != APR_SUCCESS)
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, "COGNITO0901: internal_error: cannot attach mutex %s",
                     MUTEX_TYPE);
}

static int needs_lock(const cog_cache_t *c)
{
    return (c->provider->flags & AP_SOCACHE_FLAG_NOTMPSAFE) != 0;
}

int cog_cache_is_shared(const cog_cache_t *c)
{
    return c != NULL && !needs_lock(c);
}

static apr_status_t lock(void)
{
    return cache_mutex ? apr_global_mutex_lock(cache_mutex) : APR_EINIT;
}

static void unlock(void)
{
    apr_global_mutex_unlock(cache_mutex);
}

/* Most records are a few KB: try a small buffer first.  Providers answer a too
 * small buffer with "not found" (shmcb) or APR_ENOMEM (memcache), so either gets
 * one more try with room for the largest record we ever store. */
#define FIRST_TRY_BYTES (32 * 1024)

static apr_status_t retrieve_unlocked(cog_cache_t *c, server_rec *s, const unsigned char *id,
                                      unsigned char **data, size_t *len, apr_pool_t *p)
{
    apr_status_t rv = APR_NOTFOUND;
    for (unsigned int cap = FIRST_TRY_BYTES; cap <= COG_CACHE_MAX_RECORD; cap *= 4) {
        unsigned int n = cap;
        unsigned char *buf = apr_palloc(p, n);
        rv = c->provider->retrieve(c->instance, s, id, COG_CACHE_ID_LEN, buf, &n, p);
        if (rv == APR_SUCCESS) {
            *data = buf;
            *len = n;
            return rv;
        }
        if (rv != APR_NOTFOUND && rv != APR_ENOMEM)
            return rv;
    }
    return rv == APR_ENOMEM ? APR_NOTFOUND : rv;
}

apr_status_t cog_cache_store(cog_cache_t *c, server_rec *s, const unsigned char *id, apr_time_t expiry,
                             const unsigned char *data, size_t len, apr_pool_t *p)
{
    if (len > COG_CACHE_MAX_RECORD)
        return APR_ENOSPC;
    int locked = needs_lock(c);
    apr_status_t rv;
    if (locked && (rv = lock()) != APR_SUCCESS)
        return rv;
    rv = c->provider->store(c->instance, s, id, COG_CACHE_ID_LEN, expiry, (unsigned char *)data,
                            (unsigned int)len, p);
    if (locked)
        unlock();
    return rv;
}

apr_status_t cog_cache_retrieve(cog_cache_t *c, server_rec *s, const unsigned char *id,
                                unsigned char **data, size_t *len, apr_pool_t *p)
{
    int locked = needs_lock(c);
    apr_status_t rv;
    if (locked && (rv = lock()) != APR_SUCCESS)
        return rv;
    rv = retrieve_unlocked(c, s, id, data, len, p);
    if (locked)
        unlock();
    return rv;
}

apr_status_t cog_cache_remove(cog_cache_t *c, server_rec *s, const unsigned char *id, apr_pool_t *p)
{
    int locked = needs_lock(c);
    apr_status_t rv;
    if (locked && (rv = lock()) != APR_SUCCESS)
        return rv;
    rv = c->provider->remove(c->instance, s, id, COG_CACHE_ID_LEN, p);
    if (locked)
        unlock();
    return rv;
}

apr_status_t cog_cache_take(cog_cache_t *c, server_rec *s, const unsigned char *id,
                            unsigned char **data, size_t *len, apr_pool_t *p)
{
    apr_status_t rv = lock();
    if (rv != APR_SUCCESS)
        return rv;
    rv = retrieve_unlocked(c, s, id, data, len, p);
    if (rv == APR_SUCCESS)
        c->provider->remove(c->instance, s, id, COG_CACHE_ID_LEN, p);
    unlock();
    return rv;
}

/* Under the mutex: stores data under id when the record there is `expected` byte
 * for byte, or — with expected NULL — when there is none.  APR_EEXIST otherwise. */
static apr_status_t store_if(cog_cache_t *c, server_rec *s, const unsigned char *id, const unsigned char *expected,
                             size_t expected_len, apr_time_t expiry, const unsigned char *data, size_t len,
                             apr_pool_t *p)
{
    unsigned char *now;
    size_t now_len;
    if (len > COG_CACHE_MAX_RECORD)
        return APR_ENOSPC;
    apr_status_t rv = lock();
    if (rv != APR_SUCCESS)
        return rv;
    rv = retrieve_unlocked(c, s, id, &now, &now_len, p);
    int wanted = expected == NULL ? rv == APR_NOTFOUND
                                  : rv == APR_SUCCESS && now_len == expected_len && memcmp(now, expected, now_len) == 0;
    if (wanted)
        rv = c->provider->store(c->instance, s, id, COG_CACHE_ID_LEN, expiry, (unsigned char *)data,
                                (unsigned int)len, p);
    else if (rv == APR_SUCCESS || rv == APR_NOTFOUND)
        rv = APR_EEXIST;
    unlock();
    return rv;
}

apr_status_t cog_cache_add(cog_cache_t *c, server_rec *s, const unsigned char *id, apr_time_t expiry,
                           const unsigned char *data, size_t len, apr_pool_t *p)
{
    apr_status_t rv = store_if(c, s, id, NULL, 0, expiry, data, len, p);
    if (rv != APR_SUCCESS || needs_lock(c))
        return rv;                  /* local store: the mutex made check-and-set atomic */
    /* A shared store (memcache, redis) has no atomic add through mod_socache, and
     * other servers do not share our mutex: let concurrent writers settle, then the
     * last writer wins and everyone else reads someone else's bytes (callers make
     * their data unique: sealed records carry a random IV). */
    unsigned char *seen;
    size_t seen_len;
    apr_sleep(apr_time_from_msec(COG_CACHE_LOCK_SETTLE_MS));
    rv = retrieve_unlocked(c, s, id, &seen, &seen_len, p);
    if (rv == APR_NOTFOUND)
        return APR_EEXIST;          /* taken and already released by someone else */
    if (rv != APR_SUCCESS)
        return rv;
    return seen_len == len && memcmp(seen, data, len) == 0 ? APR_SUCCESS : APR_EEXIST;
}

apr_status_t cog_cache_replace_if_same(cog_cache_t *c, server_rec *s, const unsigned char *id,
                                       const unsigned char *expected, size_t expected_len, apr_time_t expiry,
                                       const unsigned char *data, size_t len, apr_pool_t *p)
{
    return store_if(c, s, id, expected, expected_len, expiry, data, len, p);
}

void cog_cache_status(cog_cache_t *c, request_rec *r)
{
    c->provider->status(c->instance, r, AP_STATUS_SHORT);
}

/* A fixed record every child of a server writes when it starts.  Reading it tells
 * a reachable store from one apr-util marked dead (both answer a missing id with
 * "not found"), without a write per probe. */
static const unsigned char beacon_id[COG_CACHE_ID_LEN] = "mod_auth_cognito store probe...";
static const unsigned char beacon[] = "reachable";
#define BEACON_LIFETIME apr_time_from_sec(86400)

static apr_status_t write_beacon(cog_cache_t *c, server_rec *s, apr_pool_t *p)
{
    apr_status_t rv = c->provider->store(c->instance, s, beacon_id, COG_CACHE_ID_LEN,
                                         apr_time_now() + BEACON_LIFETIME, (unsigned char *)beacon, sizeof(beacon), p);
    /* apr-util answers APR_NOTFOUND for a server it marked dead: that is a failure. */
    return rv == APR_SUCCESS ? APR_SUCCESS : rv == APR_NOTFOUND ? APR_EGENERAL : rv;
}

void cog_cache_child_beacon(cog_cache_t *c, server_rec *s, apr_pool_t *p)
{
    if (c != NULL && !needs_lock(c))
        write_beacon(c, s, p);
}

apr_status_t cog_cache_probe(cog_cache_t *c, server_rec *s, apr_pool_t *p)
{
    unsigned char buf[sizeof(beacon) + 16];
    unsigned int n = sizeof(buf);
    if (needs_lock(c))
        return APR_SUCCESS;           /* local shared memory cannot be unreachable */
    if (c->provider->retrieve(c->instance, s, beacon_id, COG_CACHE_ID_LEN, buf, &n, p) == APR_SUCCESS)
        return APR_SUCCESS;
    /* Gone: the store restarted (or is down).  Writing it back tells which. */
    return write_beacon(c, s, p);
}
