/*
 * store.c — sealed records on top of the socache wrapper: derivation, seal/open,
 * change counters, outage probes.
 */
#include "store/store.h"
#include "store/cache.h"
#include "cfg/config.h"
#include "store/record.h"
#include "store/changes.h"

#include <stdatomic.h>
#include <string.h>
#include <apr_strings.h>
#include <http_log.h>

static const char *const kind_names[] = { "session", "seen", "lock", "consumed", "state" };

/* A process probes a distributed store at most this often; in between, a miss is
 * read once more without a probe (stale pooled connections answer once). */
#define PROBE_EVERY APR_USEC_PER_SEC / 4
static _Atomic apr_time_t last_probe;       /* when this process last probed successfully */

int cog_store_ref(server_rec *s, const cog_rec_owner_t *owner, cog_rec_kind_t kind, const char *id, int secret,
                  cog_rec_ref_t *out)
{
    const char *key = cog_cfg_session_secret(s, secret);
    if (key == NULL || owner->issuer == NULL || owner->client_id == NULL || id == NULL
        || cog_record_family(key, owner->issuer, owner->client_id, id, out->family) != 0)
        return -1;
    out->secret = secret;
    return cog_store_ref_kind(out, kind, out);
}

int cog_store_ref_kind(const cog_rec_ref_t *of, cog_rec_kind_t kind, cog_rec_ref_t *out)
{
    if (out != of)
        *out = *of;
    out->kind = kind;
    return cog_record_kind_keys(out->family, kind_names[kind], out->slot, out->key);
}

static apr_status_t make_cache(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s, server_rec *vs)
{
    const char *spec = cog_cfg_cache_spec(vs);
    cog_cache_t **slot = cog_cfg_cache_slot(vs);
    if (spec == NULL || *slot != NULL)
        return APR_SUCCESS;
    for (server_rec *earlier = s; earlier != vs; earlier = earlier->next)
        if (cog_cfg_cache_spec(earlier) && strcmp(cog_cfg_cache_spec(earlier), spec) == 0) {
            *slot = cog_cfg_cache(earlier);
            return APR_SUCCESS;
        }
    const char *err = cog_cache_configure(pconf, ptemp, spec, slot);
    if (err == NULL)
        return APR_SUCCESS;
    ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, vs, "COGNITO0001: config_invalid: CognitoSessionCache: %s",
                 err);
    return APR_EGENERAL;
}

/* A store shared by several servers needs the same secret on all of them: a
 * generated one would make every server unable to read the others' sessions. */
static apr_status_t check_secret(server_rec *vs)
{
    cog_cache_t *c = cog_cfg_cache(vs);
    if (cog_cfg_session_secret(vs, 0) != NULL || c == NULL || !cog_cache_is_shared(c))
        return APR_SUCCESS;
    ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, vs,
                 "COGNITO0001: config_invalid: CognitoSessionCache %s is shared by several servers, so "
                 "CognitoSessionSecret is required (server %s): every server sharing the store must hold the "
                 "same secret, e.g. `openssl rand -base64 48 > /etc/apache2/cognito-session-secret` and "
                 "CognitoSessionSecret file:/etc/apache2/cognito-session-secret",
                 cog_cache_describe(c), vs->server_hostname ? vs->server_hostname : "default");
    return APR_EGENERAL;
}

int cog_store_check_config(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s)
{
    for (server_rec *vs = s; vs; vs = vs->next)
        if (make_cache(pconf, ptemp, s, vs) != APR_SUCCESS || check_secret(vs) != APR_SUCCESS)
            return HTTP_INTERNAL_SERVER_ERROR;
    return OK;
}

static cog_cache_t *cache_of(request_rec *r)
{
    return cog_cfg_cache(r->server);
}

static apr_status_t open_record(request_rec *r, const cog_rec_ref_t *ref, cog_rec_t *out)
{
    return cog_open(r->pool, ref->key, ref->slot, COG_KEY_LEN, out->sealed, out->sealed_len, &out->text, &out->len)
           == 0 ? APR_SUCCESS : COG_STORE_FORGED;
}

/* Distributed stores answer "not found" for a server apr-util marked dead, and a
 * stale pooled connection may answer "not found" once after a store restart. */
static apr_status_t confirm_miss(request_rec *r)
{
    apr_time_t now = apr_time_now();
    if (now - atomic_load_explicit(&last_probe, memory_order_relaxed) < PROBE_EVERY)
        return APR_SUCCESS;
    apr_status_t rv = cog_cache_probe(cache_of(r), r->server, r->pool);
    if (rv == APR_SUCCESS)
        atomic_store_explicit(&last_probe, now, memory_order_relaxed);
    return rv;
}

typedef apr_status_t (*read_fn)(cog_cache_t *, server_rec *, const unsigned char *, unsigned char **, size_t *,
                                apr_pool_t *);

static apr_status_t read_with_retry(request_rec *r, const cog_rec_ref_t *ref, cog_rec_t *out, read_fn read)
{
    memset(out, 0, sizeof(*out));
    apr_status_t rv = read(cache_of(r), r->server, ref->slot, &out->sealed, &out->sealed_len, r->pool);
    if (rv == APR_NOTFOUND && cog_cache_is_shared(cache_of(r))) {
        if ((rv = confirm_miss(r)) != APR_SUCCESS)
            return rv;
        rv = read(cache_of(r), r->server, ref->slot, &out->sealed, &out->sealed_len, r->pool);
    }
    return rv == APR_SUCCESS ? open_record(r, ref, out) : rv;
}

apr_status_t cog_store_get(request_rec *r, const cog_rec_ref_t *ref, cog_rec_t *out)
{
    return read_with_retry(r, ref, out, cog_cache_retrieve);
}

apr_status_t cog_store_find(request_rec *r, const cog_rec_owner_t *owner, cog_rec_kind_t kind, const char *id,
                            cog_rec_ref_t *ref, cog_rec_t *out)
{
    cog_rec_ref_t older;
    if (cog_store_ref(r->server, owner, kind, id, 0, ref) != 0)
        return APR_NOTFOUND;
    apr_status_t rv = cog_store_get(r, ref, out);
    if (rv != APR_NOTFOUND || cog_store_ref(r->server, owner, kind, id, 1, &older) != 0)
        return rv;
    apr_status_t rv_older = cog_store_get(r, &older, out);
    if (rv_older != APR_NOTFOUND)
        *ref = older;
    return rv_older;
}

static apr_status_t sealed(request_rec *r, const cog_rec_ref_t *ref, const char *text, size_t len,
                           unsigned char **out, size_t *out_len)
{
    return cog_seal(r->pool, ref->key, ref->slot, COG_KEY_LEN, text, len, out, out_len) == 0 ? APR_SUCCESS
                                                                                              : APR_EGENERAL;
}

static apr_status_t changed(const cog_rec_ref_t *ref, apr_status_t rv)
{
    cog_changes_bump(ref->family);
    return rv;
}

typedef apr_status_t (*write_fn)(cog_cache_t *, server_rec *, const unsigned char *, apr_time_t,
                                 const unsigned char *, size_t, apr_pool_t *);

/* Seals text and writes it with `write`; the family's counter moves when
 * something was written (put: always, a failed write may have removed the old). */
static apr_status_t seal_and_write(request_rec *r, const cog_rec_ref_t *ref, apr_time_t expiry, const char *text,
                                   size_t len, write_fn write, int count_failures)
{
    unsigned char *data;
    size_t n;
    apr_status_t rv = sealed(r, ref, text, len, &data, &n);
    if (rv == APR_SUCCESS)
        rv = write(cache_of(r), r->server, ref->slot, expiry, data, n, r->pool);
    return rv == APR_SUCCESS || count_failures ? changed(ref, rv) : rv;
}

apr_status_t cog_store_put(request_rec *r, const cog_rec_ref_t *ref, apr_time_t expiry, const char *text, size_t len)
{
    return seal_and_write(r, ref, expiry, text, len, cog_cache_store, 1);
}

apr_status_t cog_store_add(request_rec *r, const cog_rec_ref_t *ref, apr_time_t expiry, const char *text, size_t len)
{
    return seal_and_write(r, ref, expiry, text, len, cog_cache_add, 0);
}

apr_status_t cog_store_take(request_rec *r, const cog_rec_ref_t *ref, cog_rec_t *out)
{
    apr_status_t rv = read_with_retry(r, ref, out, cog_cache_take);
    return rv == APR_NOTFOUND ? rv : changed(ref, rv);
}

apr_status_t cog_store_replace(request_rec *r, const cog_rec_ref_t *ref, const cog_rec_t *expected,
                               apr_time_t expiry, const char *text, size_t len)
{
    unsigned char *data;
    size_t n;
    apr_status_t rv = sealed(r, ref, text, len, &data, &n);
    if (rv == APR_SUCCESS)
        rv = cog_cache_replace_if_same(cache_of(r), r->server, ref->slot, expected->sealed, expected->sealed_len,
                                       expiry, data, n, r->pool);
    return rv == APR_SUCCESS ? changed(ref, rv) : rv;
}

apr_status_t cog_store_remove(request_rec *r, const cog_rec_ref_t *ref)
{
    /* Counted even when nothing was there: copies may outlive an evicted record. */
    return changed(ref, cog_cache_remove(cache_of(r), r->server, ref->slot, r->pool));
}
