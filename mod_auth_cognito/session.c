/*
 * session.c — session lookup, timers, refresh, creation and logout.
 */
#include "session.h"
#include "cache.h"
#include "context.h"
#include "cookie.h"
#include "crypto.h"
#include "identity.h"
#include "json.h"
#include "log.h"
#include "metrics.h"
#include "page.h"
#include "record.h"
#include "scrub.h"
#include "session_memo.h"
#include "verify.h"

#include <math.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_time.h>
#include <http_core.h>
#include <http_protocol.h>
#include <http_request.h>

#define MAX_COOKIES_TRIED 16   /* well-formed values per request (cookie tossing vs. lookup cost) */
#define REFRESH_POLL_MS   100

/* A session found for this request, with what is needed to write it back. */
typedef struct {
    const char     *id;                       /* cookie value */
    unsigned char   slot[COG_KEY_LEN];
    unsigned char   key[COG_KEY_LEN];
    unsigned char  *sealed;                   /* bytes as read, for compare-and-swap; NULL for a memo */
    size_t          sealed_len;
    cog_session_t  *s;                        /* read-only when it comes from the memo */
    const cog_rendered_identity_t *identity;  /* made with the record (memo), or NULL */
    int             from_memo;
} found_t;

typedef enum { READ_FRESH, READ_MEMO } read_mode_t;

static apr_time_t expiry_of(const cog_dir_config_t *c, const cog_session_t *s)
{
    double until = s->created + cog_cfg_session_max_age(c);
    int idle = cog_cfg_session_idle(c);
    if (idle > 0 && s->last_seen + idle < until)
        until = s->last_seen + idle;
    return apr_time_from_sec((apr_time_t)until + 1);
}

static int seal(request_rec *r, const found_t *f, const cog_session_t *s, unsigned char **out, size_t *out_len)
{
    char *text = cog_session_encode(r->pool, s);
    return text ? cog_seal(r->pool, f->key, f->slot, COG_KEY_LEN, text, strlen(text), out, out_len) : -1;
}

static int store_error(request_rec *r, apr_status_t rv, const char *what)
{
    cog_error_t err = { COG_E_SESSION_STORE,
                        apr_psprintf(r->pool, "%s: %s (store %s)", what, rv == APR_ENOSPC ? "record too large" : "store error",
                                     cog_cache_describe(cog_cfg_cache(r->server))) };
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, rv, r, "session store status");
    return cog_page(r, 0, &err, "session store", "Please try again in a moment.");
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

/* Opens the record text into a memo that also carries the identity made for c,
 * and offers it to this process's table. */
static cog_session_t *open_into_memo(request_rec *r, const cog_dir_config_t *c, found_t *f, const char *text,
                                     size_t len, apr_uint64_t epoch, const char **why)
{
    cog_memo_t *m = cog_memo_create();
    if (m == NULL)
        return NULL;
    cog_opened_session_t *o = apr_pcalloc(m->pool, sizeof(*o));
    cog_session_t *s = cog_session_decode(m->pool, text, len, why);
    if (s == NULL) {
        cog_memo_release(m);
        return NULL;
    }
    cog_rendered_identity_t *identity = NULL;
    cog_error_t ignored;
    if (cog_identity_render(m->pool, c, s->claims, s->scope, &identity, &ignored) != COG_OK)
        identity = NULL;          /* the request path makes the same attempt and reports it */
    memcpy(o->slot, f->slot, COG_KEY_LEN);
    memcpy(o->key, f->key, COG_KEY_LEN);
    o->s = s;
    o->identity = identity;
    o->epoch = epoch;
    o->read_at = apr_time_now();
    m->data = o;
    cog_session_memo_put(f->id, m, (double)apr_time_sec(expiry_of(c, s)));
    cog_memo_lend(m, r->pool);
    f->identity = identity;
    return s;
}

/* Reads and opens the record for one cookie value: from this process's memo when
 * allowed and current, else from the store.  APR_SUCCESS with f filled,
 * APR_NOTFOUND when there is no usable record, or a store error. */
static apr_status_t load(request_rec *r, const cog_dir_config_t *c, const char *id, found_t *f, read_mode_t mode)
{
    memset(f, 0, sizeof(*f));
    if (!cog_record_secret_valid(id))
        return APR_NOTFOUND;
    f->id = id;
    apr_time_t max_age = mode == READ_MEMO ? memo_max_age(r) : -1;
    if (max_age >= 0) {
        const cog_opened_session_t *o = cog_session_memo_get(r->pool, id, max_age);
        if (o != NULL) {
            memcpy(f->slot, o->slot, COG_KEY_LEN);
            memcpy(f->key, o->key, COG_KEY_LEN);
            f->s = (cog_session_t *)o->s;
            f->identity = o->identity;
            f->from_memo = 1;
            return APR_SUCCESS;
        }
    }
    if (cog_record_keys(id, "session", f->slot, f->key) != 0)
        return APR_NOTFOUND;
    /* Before the read: a change made after it bumps the counter past this value. */
    apr_uint64_t epoch = cog_session_memo_epoch(f->slot);
    apr_status_t rv = cog_cache_retrieve(cog_cfg_cache(r->server), r->server, f->slot, &f->sealed,
                                         &f->sealed_len, r->pool);
    if (rv != APR_SUCCESS)
        return rv;
    char *text;
    size_t len;
    const char *why = NULL;
    if (cog_open(r->pool, f->key, f->slot, COG_KEY_LEN, f->sealed, f->sealed_len, &text, &len) != 0
        || (f->s = max_age >= 0 ? open_into_memo(r, c, f, text, len, epoch, &why)
                                : cog_session_decode(r->pool, text, len, &why)) == NULL) {
        cog_error_t err = { COG_E_SESSION_INVALID, why ? why : "record does not open with this cookie" };
        cog_log_reason(r, APLOG_INFO, &err, "session ignored");
        return APR_NOTFOUND;
    }
    return APR_SUCCESS;
}

static void end_session(request_rec *r, const found_t *f, cog_reason_t why, const char *detail)
{
    cog_error_t err = { why, detail };
    cog_cache_remove(cog_cfg_cache(r->server), r->server, f->slot, r->pool);
    cog_session_memo_changed(f->slot);
    cog_log_reason(r, APLOG_INFO, &err, "session ended");
}

/* Verifies a token set from a refresh and folds it into the session. */
static cog_reason_t apply_refresh(request_rec *r, const cog_dir_config_t *c, cog_session_t *s,
                                  const cog_token_set_t *t, cog_error_t *err)
{
    cog_verify_params_t vp;
    cJSON *access_claims, *id_claims = NULL;
    cog_ctx_verify_params(r, c, COG_TOKEN_ACCESS, NULL, &vp);
    cog_reason_t rc = cog_verify_token(r->pool, t->access_token, strlen(t->access_token), &vp,
                                       &access_claims, err);
    if (rc != COG_OK)
        return rc;
    if (t->id_token) {
        cog_ctx_verify_params(r, c, COG_TOKEN_ID, NULL, &vp);
        if ((rc = cog_verify_token(r->pool, t->id_token, strlen(t->id_token), &vp, &id_claims, err)) != COG_OK)
            return rc;
        /* The refreshed ID token must still be about the same user. */
        const char *old_sub = cog_json_string(s->claims, "sub"), *new_sub = cog_json_string(id_claims, "sub");
        if (!old_sub || !new_sub || strcmp(old_sub, new_sub) != 0)
            return cog_fail(err, COG_E_TOKEN_AUDIENCE_MISMATCH, "refreshed ID token names another user");
        s->id_token = t->id_token;
        s->claims = id_claims;
    }
    s->access_token = t->access_token;
    s->access_exp = cog_jwt_numeric_date(access_claims, "exp");
    s->scope = cog_json_string(access_claims, "scope");
    if (t->refresh_token)
        s->refresh_token = t->refresh_token;     /* rotation: keep the newest */
    s->refreshed = cog_ctx_now();
    return COG_OK;
}

/* Waits for another process's refresh of this session; APR_SUCCESS when the
 * record now carries a newer access token. */
static apr_status_t await_refresh(request_rec *r, const cog_dir_config_t *c, found_t *f)
{
    double old_exp = f->s->access_exp;
    int rounds = (cog_cfg_http_timeout(c) * 1000 + 1000) / REFRESH_POLL_MS;
    for (int i = 0; i < rounds; i++) {
        apr_sleep(apr_time_from_msec(REFRESH_POLL_MS));
        found_t fresh;
        apr_status_t rv = load(r, c, f->id, &fresh, READ_FRESH);
        if (rv != APR_SUCCESS)
            return rv;
        if (fresh.s->access_exp > old_exp) {
            *f = fresh;
            cog_session_memo_changed(f->slot);   /* the other processes' copies are older */
            return APR_SUCCESS;
        }
    }
    return APR_TIMEUP;
}

/* Refresh shortly before expiry: a quarter of the token's life, at most 60 s. */
static int refresh_due(const cog_dir_config_t *c, const cog_session_t *s, double now)
{
    double life = s->access_exp - s->refreshed;
    double margin = fmin(60.0, fmax(1.0, life / 4));
    int reval = cog_cfg_revalidate_interval(c);
    return now >= s->access_exp - margin || (reval > 0 && now - s->refreshed >= reval);
}

/* After invalid_grant: another server holding the same session may be storing the
 * token that replaced ours (refresh-token rotation without a grace period).  Give
 * it a moment before concluding that Cognito ended the session. */
#define ROTATION_WAIT_MS 2000
static apr_status_t await_rotation(request_rec *r, const cog_dir_config_t *c, found_t *f, const char *used)
{
    for (int waited = 0; waited <= ROTATION_WAIT_MS; waited += REFRESH_POLL_MS) {
        found_t latest;
        apr_status_t rv = load(r, c, f->id, &latest, READ_FRESH);
        if (rv == APR_SUCCESS && latest.s->refresh_token && strcmp(latest.s->refresh_token, used) != 0) {
            *f = latest;
            cog_session_memo_changed(f->slot);
            return APR_SUCCESS;
        }
        if (rv != APR_SUCCESS && rv != APR_NOTFOUND)
            return rv;
        apr_sleep(apr_time_from_msec(REFRESH_POLL_MS));
    }
    return APR_TIMEUP;
}

typedef enum { REFRESH_DONE, REFRESH_SKIPPED, REFRESH_ENDED, REFRESH_FAILED } refresh_result_t;

static refresh_result_t refresh(request_rec *r, const cog_dir_config_t *c, found_t *f, cog_error_t *err)
{
    cog_cache_t *cache = cog_cfg_cache(r->server);
    unsigned char lock_id[COG_KEY_LEN], unused[COG_KEY_LEN];
    double now = cog_ctx_now();
    int expired = now >= f->s->access_exp;

    if (cog_record_keys(f->id, "refresh-lock", lock_id, unused) != 0)
        return expired ? REFRESH_FAILED : REFRESH_SKIPPED;
    apr_time_t lock_until = apr_time_now() + apr_time_from_sec(cog_cfg_http_timeout(c) + 5);
    apr_status_t rv = cog_cache_try_lock(cache, r->server, lock_id, lock_until, r->pool);
    if (rv == APR_EEXIST) {
        /* Someone else refreshes: use the still-valid token, or wait for theirs. */
        if (!expired)
            return REFRESH_SKIPPED;
        if (await_refresh(r, c, f) == APR_SUCCESS)
            return REFRESH_SKIPPED;
        cog_fail(err, COG_E_REFRESH_FAILED, "waited for a concurrent refresh that did not finish");
        return REFRESH_FAILED;
    }
    if (rv != APR_SUCCESS) {
        cog_fail(err, COG_E_SESSION_STORE, "cannot take the refresh lock");
        return REFRESH_FAILED;
    }

    refresh_result_t result = REFRESH_DONE;
    cog_oauth_client_t client;
    cog_token_set_t tokens;
    found_t current;
    /* Another server (or a request just before us) may have refreshed already. */
    if (load(r, c, f->id, &current, READ_FRESH) != APR_SUCCESS) {
        cog_fail(err, COG_E_SESSION_INVALID, "session vanished during refresh");
        result = REFRESH_ENDED;
        goto unlock;
    }
    *f = current;
    if (!refresh_due(c, f->s, now)) {
        cog_session_memo_changed(f->slot);   /* someone refreshed: copies here are older */
        result = REFRESH_SKIPPED;
        goto unlock;
    }
    if (cog_ctx_oauth_client(r, c, &client) != 0) {
        cog_fail(err, COG_E_CONFIG, "CognitoDomain is not set, so tokens cannot be refreshed");
        result = REFRESH_FAILED;
        goto unlock;
    }
    const char *used = f->s->refresh_token;
    cog_reason_t rc = cog_oauth_refresh(r->pool, &client, used, &tokens, err);
    if (rc == COG_E_GRANT_REFUSED) {
        /* Another server may have refreshed meanwhile and, with refresh-token
         * rotation, made ours obsolete: its record then holds a newer token. */
        if (await_rotation(r, c, f, used) == APR_SUCCESS) {
            result = REFRESH_SKIPPED;
            goto unlock;
        }
        cog_metrics_inc(COG_M_REFRESH, COG_MR_REFUSED);
        end_session(r, f, COG_E_REFRESH_REFUSED, err->detail);
        result = REFRESH_ENDED;
        goto unlock;
    }
    if (rc == COG_OK)
        rc = apply_refresh(r, c, f->s, &tokens, err);
    if (rc != COG_OK) {
        cog_metrics_inc(COG_M_REFRESH, COG_MR_FAILED);
        result = REFRESH_FAILED;
        goto unlock;
    }
    cog_metrics_inc(COG_M_REFRESH, COG_MR_OK);
    unsigned char *sealed;
    size_t sealed_len;
    if (seal(r, f, f->s, &sealed, &sealed_len) != 0
        || cog_cache_store(cache, r->server, f->slot, expiry_of(c, f->s), sealed, sealed_len, r->pool) != APR_SUCCESS) {
        cog_fail(err, COG_E_SESSION_STORE, "cannot store the refreshed session");
        result = REFRESH_FAILED;
        goto unlock;
    }
    f->sealed = sealed;
    f->sealed_len = sealed_len;
    cog_session_memo_changed(f->slot);
    if (APLOGrdebug(r))
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "session tokens refreshed (sub %s)",
                      cog_json_string(f->s->claims, "sub"));
unlock:
    cog_cache_remove(cache, r->server, lock_id, r->pool);
    return result;
}

/* Coarse idle-timer update on the latest record; skipped when the record changed
 * between our read and our write. */
static void touch(request_rec *r, const cog_dir_config_t *c, found_t *f, double now)
{
    int idle = cog_cfg_session_idle(c);
    double every = idle > 0 ? fmax(1.0, fmin(60.0, idle / 4.0)) : 300.0;
    if (now - f->s->last_seen < every)
        return;
    found_t latest;
    if (load(r, c, f->id, &latest, READ_FRESH) != APR_SUCCESS)
        return;
    latest.s->last_seen = now;
    unsigned char *sealed;
    size_t len;
    if (seal(r, &latest, latest.s, &sealed, &len) == 0
        && cog_cache_replace_if_same(cog_cfg_cache(r->server), r->server, latest.slot, latest.sealed,
                                     latest.sealed_len, expiry_of(c, latest.s), sealed, len, r->pool) == APR_SUCCESS)
        cog_session_memo_changed(latest.slot);
}

/* Why this session must end now (COG_OK: it lives on). */
static cog_reason_t ending(const cog_dir_config_t *c, const cog_session_t *s, double now, const char **detail,
                           apr_pool_t *p)
{
    int idle = cog_cfg_session_idle(c);
    if (now >= s->created + cog_cfg_session_max_age(c)) {
        *detail = apr_psprintf(p, "older than %d s", cog_cfg_session_max_age(c));
        return COG_E_SESSION_EXPIRED;
    }
    if (idle > 0 && now >= s->last_seen + idle) {
        *detail = apr_psprintf(p, "idle for more than %d s", idle);
        return COG_E_SESSION_IDLE;
    }
    return COG_OK;
}

int cog_session_authenticate(request_rec *r, const cog_dir_config_t *c)
{
    apr_array_header_t *cookies = cog_cookie_parse(r->pool, cog_scrub_original_cookies(r));
    apr_array_header_t *ids = cog_cookie_values(r->pool, cookies, cog_cfg_cookie_name(c));
    found_t f;
    int found = 0;
    double now = cog_ctx_now();

    /* Several cookies of our name (e.g. one tossed in from a sibling domain): use
     * the first that opens a live session; an unknown value can never select one. */
    int probed = 0;
    for (int i = 0, tried = 0; i < ids->nelts && tried < MAX_COOKIES_TRIED && !found; i++) {
        const char *id = APR_ARRAY_IDX(ids, i, const char *);
        if (!cog_record_secret_valid(id))
            continue;               /* garbage copies cost nothing and cannot crowd out the real one */
        tried++;
        apr_status_t rv = load(r, c, id, &f, READ_MEMO);
        if (rv == APR_NOTFOUND && !probed) {
            /* A miss may be a store that is down (apr-util then says "not found"),
             * or a stale pooled connection answering once after a store restart.
             * One probe per request: tossed cookies must not multiply store writes. */
            probed = 1;
            rv = cog_cache_probe(cog_cfg_cache(r->server), r->server, r->pool);
            if (rv == APR_SUCCESS)
                rv = load(r, c, id, &f, READ_MEMO);
        }
        if (rv == APR_NOTFOUND) {
            cog_metrics_inc(COG_M_SESSION, COG_MS_MISS);
            continue;
        }
        if (rv != APR_SUCCESS) {
            cog_metrics_inc(COG_M_SESSION, COG_MS_ERROR);
            return store_error(r, rv, "cannot read the session");
        }
        const char *detail = NULL;
        cog_reason_t verdict = ending(c, f.s, now, &detail, r->pool);
        if (verdict != COG_OK && f.from_memo) {
            /* Our copy may be behind the store (another server's idle-timer update):
             * only the record itself can end the session. */
            if ((rv = load(r, c, id, &f, READ_FRESH)) == APR_NOTFOUND) {
                cog_metrics_inc(COG_M_SESSION, COG_MS_MISS);
                continue;
            }
            if (rv != APR_SUCCESS) {
                cog_metrics_inc(COG_M_SESSION, COG_MS_ERROR);
                return store_error(r, rv, "cannot read the session");
            }
            verdict = ending(c, f.s, now, &detail, r->pool);
        }
        cog_metrics_inc(COG_M_SESSION, COG_MS_HIT);
        if (f.from_memo)
            cog_metrics_inc(COG_M_SESSION_LOCAL, 0);
        if (verdict != COG_OK)
            end_session(r, &f, verdict, detail);
        else
            found = 1;
    }
    if (!found)
        return DECLINED;

    if (cog_cfg_refresh(c) && f.s->refresh_token && refresh_due(c, f.s, now)) {
        cog_error_t err = { COG_OK, NULL };
        switch (refresh(r, c, &f, &err)) {
        case REFRESH_DONE:
        case REFRESH_SKIPPED:
            break;
        case REFRESH_ENDED:
            return DECLINED;
        case REFRESH_FAILED:
            if (now < f.s->access_exp) {
                cog_log_reason(r, APLOG_WARNING, &err, "token refresh failed; the session continues until the token expires");
                break;
            }
            err.detail = apr_pstrcat(r->pool, cog_reason_info(err.reason)->name, ": ",
                                     err.detail ? err.detail : "", NULL);
            err.reason = COG_E_REFRESH_FAILED;
            return cog_page(r, 0, &err, "session needs new tokens", "Please try again in a moment.");
        }
    } else if (now >= f.s->access_exp + cog_cfg_clock_skew(c)) {
        /* Without refresh a session cannot outlive its access token (a revoked user
         * would otherwise keep access until the session's maximum age).  A copy may
         * be behind a refresh made elsewhere: decide on the record itself. */
        if (f.from_memo) {
            found_t latest;
            apr_status_t rv = load(r, c, f.id, &latest, READ_FRESH);
            if (rv == APR_NOTFOUND)
                return DECLINED;
            if (rv != APR_SUCCESS)
                return store_error(r, rv, "cannot read the session");
            f = latest;
        }
        if (now >= f.s->access_exp + cog_cfg_clock_skew(c)) {
            end_session(r, &f, COG_E_SESSION_EXPIRED, "the access token expired and refresh is off or impossible");
            return DECLINED;
        }
    }

    touch(r, c, &f, now);
    cog_error_t err = { COG_OK, NULL };
    if (f.identity && cog_identity_rendered_for(f.identity, c))
        cog_identity_publish(r, c, f.identity, 0);
    else if (cog_identity_apply(r, c, f.s->claims, f.s->scope, 0, &err) != COG_OK) {
        end_session(r, &f, err.reason, err.detail);
        return DECLINED;
    }
    cog_identity_set_tokens(r, c, f.s->access_token, f.s->id_token);
    cog_identity_set_session(r, (double)apr_time_sec(expiry_of(c, f.s)), f.s->access_exp);
    return OK;
}

static const char *session_cookie(request_rec *r, const cog_dir_config_t *c, const char *value, long max_age)
{
    cog_cookie_attrs_t a;
    cog_ctx_cookie_attrs(r, c, max_age, &a);
    return cog_cookie_format(r->pool, cog_cfg_cookie_name(c), value, &a);
}

int cog_session_create(request_rec *r, const cog_dir_config_t *c, const cog_token_set_t *tokens,
                       cJSON *id_claims, const cJSON *access_claims)
{
    found_t f;
    memset(&f, 0, sizeof(f));
    double now = cog_ctx_now();
    cog_session_t s = {
        .created = now, .last_seen = now, .refreshed = now,
        .access_exp = cog_jwt_numeric_date(access_claims, "exp"),
        .id_token = tokens->id_token, .access_token = tokens->access_token,
        .refresh_token = tokens->refresh_token, .scope = cog_json_string(access_claims, "scope"),
        .claims = id_claims,
    };
    /* Always a new id: never adopt one the browser brought (session fixation). */
    f.id = cog_random_token(r->pool);
    unsigned char *sealed;
    size_t len;
    if (f.id == NULL || cog_record_keys(f.id, "session", f.slot, f.key) != 0 || seal(r, &f, &s, &sealed, &len) != 0) {
        cog_error_t err = { COG_E_INTERNAL, "cannot create a session record" };
        return cog_page(r, 0, &err, "login", NULL);
    }
    apr_status_t rv = cog_cache_store(cog_cfg_cache(r->server), r->server, f.slot, expiry_of(c, &s), sealed, len, r->pool);
    if (rv != APR_SUCCESS)
        return store_error(r, rv, "cannot store the new session");
    cog_ctx_set_cookie(r, session_cookie(r, c, f.id, -1));
    return OK;
}

int cog_session_logout(request_rec *r, const cog_dir_config_t *c)
{
    cog_oauth_client_t client;
    if ((r->method_number != M_GET && r->method_number != M_POST) || r->header_only) {
        cog_error_t err = { COG_E_LOGOUT_METHOD, r->method };
        ap_allow_methods(r, REPLACE_ALLOW, "GET", "POST", NULL);
        return cog_page(r, 0, &err, "logout", NULL);
    }
    cog_metrics_inc(COG_M_LOGOUT, 0);
    int have_client = cog_ctx_oauth_client(r, c, &client) == 0;
    apr_array_header_t *cookies = cog_cookie_parse(r->pool, cog_scrub_original_cookies(r));
    apr_array_header_t *ids = cog_cookie_values(r->pool, cookies, cog_cfg_cookie_name(c));

    for (int i = 0; i < ids->nelts && i < MAX_COOKIES_TRIED; i++) {
        found_t f;
        apr_status_t rv = load(r, c, APR_ARRAY_IDX(ids, i, const char *), &f, READ_FRESH);
        if (rv != APR_SUCCESS)
            continue;
        cog_cache_remove(cog_cfg_cache(r->server), r->server, f.slot, r->pool);
        cog_session_memo_changed(f.slot);
        cog_error_t err = { COG_OK, NULL };
        if (have_client && f.s->refresh_token
            && cog_oauth_revoke(r->pool, &client, f.s->refresh_token, &err) != COG_OK)
            cog_log_reason(r, APLOG_WARNING, &err, "logout: revoking the refresh token failed");
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "logout: session ended (sub %s)",
                      cog_json_string(f.s->claims, "sub") ? cog_json_string(f.s->claims, "sub") : "?");
    }
    cog_ctx_set_cookie(r, session_cookie(r, c, "", 0));
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");

    const char *after = cog_ctx_absolute(r, c->post_logout_uri ? c->post_logout_uri : "/");
    apr_table_setn(r->headers_out, "Location", have_client ? cog_logout_url(r->pool, &client, after) : after);
    return HTTP_MOVED_TEMPORARILY;
}
