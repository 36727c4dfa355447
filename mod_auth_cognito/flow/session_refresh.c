/*
 * session_refresh.c — token refresh: lock, Cognito call, verification, store.
 */
#include "flow/session_refresh.h"
#include "flow/context.h"
#include "util/json.h"
#include "cfg/log.h"
#include "cfg/metrics.h"
#include "proto/oauth.h"
#include "token/verify.h"

#include <string.h>
#include <apr_strings.h>

#define REFRESH_POLL_MS  100
/* After invalid_grant: how long another server may take to store the token that
 * replaced ours (refresh-token rotation without a grace period). */
#define ROTATION_WAIT_MS 2000

/* Verifies a token set from a refresh and folds it into the session. */
static cog_reason_t apply_refresh(request_rec *r, const cog_dir_config_t *c, cog_session_t *s,
                                  const cog_token_set_t *t, cog_error_t *err)
{
    cog_verify_params_t vp;
    cJSON *access_claims, *id_claims = NULL;
    cog_ctx_verify_params(r, c, COG_TOKEN_ACCESS, NULL, &vp);
    cog_reason_t rc = cog_verify_token(r->pool, t->access_token, strlen(t->access_token), &vp,
                                       &access_claims, NULL, NULL, err);
    if (rc != COG_OK)
        return rc;
    if (t->id_token) {
        cog_ctx_verify_params(r, c, COG_TOKEN_ID, NULL, &vp);
        if ((rc = cog_verify_token(r->pool, t->id_token, strlen(t->id_token), &vp, &id_claims, NULL, NULL, err))
            != COG_OK)
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
    if (s->refreshed > s->last_seen)
        s->last_seen = s->refreshed;
    return COG_OK;
}

apr_status_t cog_session_await(request_rec *r, const cog_dir_config_t *c, cog_found_session_t *f, int total_ms,
                               int (*done)(const cog_session_t *now, const void *arg), const void *arg)
{
    for (int waited = 0; waited <= total_ms; waited += REFRESH_POLL_MS) {
        cog_found_session_t latest;
        apr_status_t rv = cog_session_load(r, c, f->id, COG_READ_FRESH, &latest);
        if (rv == APR_SUCCESS && done(latest.s, arg)) {
            *f = latest;
            return APR_SUCCESS;
        }
        if (rv != APR_SUCCESS && rv != APR_NOTFOUND)
            return rv;
        apr_sleep(apr_time_from_msec(REFRESH_POLL_MS));
    }
    return APR_TIMEUP;
}

static int newer_access_token(const cog_session_t *s, const void *old_exp)
{
    return s->access_exp > *(const double *)old_exp;
}

static int other_refresh_token(const cog_session_t *s, const void *used)
{
    return s->refresh_token && strcmp(s->refresh_token, used) != 0;
}

/* Holding the lock: re-read, call Cognito, store. */
static cog_refresh_result_t refresh_locked(request_rec *r, const cog_dir_config_t *c, cog_found_session_t *f,
                                           double now, int forbidden_window, cog_error_t *err)
{
    cog_oauth_client_t client;
    cog_token_set_t tokens;
    cog_found_session_t current;
    cog_lifetime_t lt;
    cog_session_times_t t;
    /* Another server (or a request just before us) may have refreshed already. */
    if (cog_session_load(r, c, f->id, COG_READ_FRESH, &current) != APR_SUCCESS) {
        cog_fail(err, COG_E_SESSION_INVALID, "session vanished during refresh");
        return COG_REFRESH_ENDED;
    }
    *f = current;
    cog_session_lifetime(c, f->s, &lt);
    cog_session_times(f->s, &t);
    int forced = forbidden_window > 0 && now - f->s->forbidden_refresh >= forbidden_window;
    if (!forced && (forbidden_window > 0 || !cog_policy_refresh_due(&lt, &t, now)))
        return COG_REFRESH_SKIPPED;
    if (f->s->refresh_token == NULL) {
        cog_fail(err, COG_E_REFRESH_FAILED, "the session has no refresh token");
        return COG_REFRESH_FAILED;
    }
    if (cog_ctx_oauth_client(r, c, &client) != 0) {
        cog_fail(err, COG_E_CONFIG, "CognitoDomain is not set, so tokens cannot be refreshed");
        return COG_REFRESH_FAILED;
    }
    const char *used = f->s->refresh_token;
    cog_reason_t rc = cog_oauth_refresh(r->pool, &client, used, &tokens, err);
    if (rc == COG_E_GRANT_REFUSED) {
        /* Another server may have refreshed meanwhile and, with refresh-token
         * rotation, made ours obsolete: its record then holds a newer token. */
        if (cog_session_await(r, c, f, ROTATION_WAIT_MS, other_refresh_token, used) == APR_SUCCESS)
            return COG_REFRESH_SKIPPED;
        cog_metrics_inc(COG_M_REFRESH, COG_MR_REFUSED);
        cog_session_end(r, f, COG_E_REFRESH_REFUSED, err->detail);
        return COG_REFRESH_ENDED;
    }
    if (rc == COG_OK)
        rc = apply_refresh(r, c, f->s, &tokens, err);
    if (rc == COG_OK && forced)
        f->s->forbidden_refresh = now;
    if (rc != COG_OK) {
        cog_metrics_inc(COG_M_REFRESH, COG_MR_FAILED);
        return COG_REFRESH_FAILED;
    }
    cog_metrics_inc(COG_M_REFRESH, COG_MR_OK);
    apr_status_t rv = cog_session_save(r, c, f);
    if (rv == APR_EEXIST) {
        /* Written by someone who did not hold our lock (a server whose settle
         * window missed ours): theirs is the newer record. */
        if (cog_session_load(r, c, f->id, COG_READ_FRESH, &current) == APR_SUCCESS) {
            *f = current;
            return COG_REFRESH_SKIPPED;
        }
    }
    if (rv != APR_SUCCESS) {
        cog_fail(err, COG_E_SESSION_STORE, "cannot store the refreshed session");
        return COG_REFRESH_FAILED;
    }
    if (APLOGrdebug(r))
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "session tokens refreshed (sub %s)",
                      cog_json_string(f->s->claims, "sub"));
    return COG_REFRESH_DONE;
}

cog_refresh_result_t cog_session_refresh(request_rec *r, const cog_dir_config_t *c, cog_found_session_t *f,
                                         int forbidden_window, cog_error_t *err)
{
    cog_rec_ref_t lock;
    double now = cog_ctx_now();
    int expired = now >= f->s->access_exp;

    if (cog_store_ref_kind(&f->ref, COG_REC_LOCK, &lock) != 0)
        return expired ? COG_REFRESH_FAILED : COG_REFRESH_SKIPPED;
    apr_time_t lock_until = apr_time_now() + apr_time_from_sec(cog_cfg_http_timeout(c) + 5);
    apr_status_t rv = cog_store_add(r, &lock, lock_until, "refresh", 7);
    if (rv == APR_EEXIST) {
        /* Someone else refreshes: use the still-valid token, or wait for theirs. */
        double old_exp = f->s->access_exp;
        if (!expired
            || cog_session_await(r, c, f, cog_cfg_http_timeout(c) * 1000 + 1000, newer_access_token, &old_exp) == APR_SUCCESS)
            return COG_REFRESH_SKIPPED;
        cog_fail(err, COG_E_REFRESH_FAILED, "waited for a concurrent refresh that did not finish");
        return COG_REFRESH_FAILED;
    }
    if (rv != APR_SUCCESS) {
        cog_fail(err, COG_E_SESSION_STORE, "cannot take the refresh lock");
        return COG_REFRESH_FAILED;
    }
    cog_refresh_result_t result = refresh_locked(r, c, f, now, forbidden_window, err);
    cog_store_remove(r, &lock);
    return result;
}
