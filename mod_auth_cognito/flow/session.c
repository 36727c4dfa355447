/*
 * session.c — using a session on a request, creating one after login, logout.
 */
#include "flow/session.h"
#include "cfg/pools.h"
#include "store/cache.h"
#include "flow/context.h"
#include "util/cookie.h"
#include "util/crypto.h"
#include "token/identity.h"
#include "util/json.h"
#include "token/jwt.h"
#include "cfg/log.h"
#include "cfg/metrics.h"
#include "flow/challenge.h"
#include "flow/session_refresh.h"
#include "flow/session_store.h"
#include "flow/aws.h"

#include <string.h>
#include <apr_strings.h>
#include <http_core.h>
#include <http_protocol.h>
#include <http_request.h>

#define MAX_COOKIES_TRIED 16   /* well-formed values per request (cookie tossing vs. lookup cost) */

static int store_error(request_rec *r, apr_status_t rv, const char *what)
{
    cog_error_t err = { COG_E_SESSION_STORE,
                        apr_psprintf(r->pool, "%s: %s (store %s)", what, rv == APR_ENOSPC ? "record too large" : "store error",
                                     cog_cache_describe(cog_cfg_cache(r->server))) };
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, rv, r, "session store status");
    return cog_page(r, 0, &err, "session store", "Please try again in a moment.");
}

/* Values of the session cookie, as the client sent them (our own scrub removes
 * the cookie before handlers run). */
static apr_array_header_t *session_ids(request_rec *r, const cog_dir_config_t *c)
{
    apr_array_header_t *cookies = cog_cookie_of_request(r);
    return cog_cookie_values(r->pool, cookies, cog_ctx_cookie_name(r, c));
}

static cog_reason_t ending(const cog_dir_config_t *c, const cog_session_t *s, double now)
{
    cog_lifetime_t lt;
    cog_session_times_t t;
    cog_session_lifetime(c, s, &lt);
    cog_session_times(s, &t);
    return cog_policy_ending(&lt, &t, now);
}

static const char *ending_detail(request_rec *r, const cog_dir_config_t *c, cog_reason_t why, const cog_session_t *s,
                                 double now)
{
    if (why == COG_E_SESSION_IDLE)
        return apr_psprintf(r->pool, "idle for more than %d s", cog_cfg_session_idle(c));
    if (now >= s->created + cog_cfg_session_max_age(c))
        return apr_psprintf(r->pool, "older than %d s", cog_cfg_session_max_age(c));
    return "the access token expired and refresh is off or impossible";
}

/* One cookie value: APR_SUCCESS with a live session in f, APR_NOTFOUND, or a store
 * error.  A table copy may be behind the store (another server's activity or
 * refresh): only the record itself can end a session. */
static apr_status_t live_session(request_rec *r, const cog_dir_config_t *c, const char *id, double now,
                                 cog_found_session_t *f)
{
    apr_status_t rv = cog_session_load(r, c, id, COG_READ_MEMO, f);
    if (rv != APR_SUCCESS)
        return rv;
    cog_reason_t verdict = ending(c, f->s, now);
    if (verdict != COG_OK && f->from_memo) {
        if ((rv = cog_session_load(r, c, id, COG_READ_FRESH, f)) != APR_SUCCESS)
            return rv;
        verdict = ending(c, f->s, now);
    }
    cog_metrics_inc(COG_M_SESSION, COG_MS_HIT);
    if (f->from_memo)
        cog_metrics_inc(COG_M_SESSION_LOCAL, 0);
    if (verdict == COG_OK)
        return APR_SUCCESS;
    cog_session_end(r, f, verdict, ending_detail(r, c, verdict, f->s, now));
    return APR_NOTFOUND;
}

/* Refresh when due.  OK, DECLINED (the session ended) or an error page. */
static int refresh_if_due(request_rec *r, const cog_dir_config_t *c, cog_found_session_t *f, double now)
{
    cog_lifetime_t lt;
    cog_session_times_t t;
    cog_session_lifetime(c, f->s, &lt);
    cog_session_times(f->s, &t);
    if (!cog_policy_refresh_due(&lt, &t, now))
        return OK;
    cog_error_t err = { COG_OK, NULL };
    switch (cog_session_refresh(r, c, f, 0, &err)) {
    case COG_REFRESH_DONE:
    case COG_REFRESH_SKIPPED:
        return OK;
    case COG_REFRESH_ENDED:
        return DECLINED;
    case COG_REFRESH_FAILED:
        break;
    }
    if (now < f->s->access_exp) {
        cog_log_reason(r, APLOG_WARNING, &err, "token refresh failed; the session continues until the token expires");
        return OK;
    }
    err.detail = apr_pstrcat(r->pool, cog_reason_info(err.reason)->name, ": ", err.detail ? err.detail : "", NULL);
    err.reason = COG_E_REFRESH_FAILED;
    return cog_page(r, 0, &err, "session needs new tokens", "Please try again in a moment.");
}

static int publish(request_rec *r, const cog_dir_config_t *c, cog_found_session_t *f,
                   const cog_aws_state_t *aws)
{
    cog_error_t err = { COG_OK, NULL };
    if (f->identity && cog_identity_rendered_for(f->identity, c))
        cog_identity_publish(r, c, f->identity, 0);
    else if (cog_identity_apply(r, c, f->s->claims, f->s->scope, NULL, 0, &err) != COG_OK) {
        cog_session_end(r, f, err.reason, err.detail);
        return DECLINED;
    }
    cog_lifetime_t lt;
    cog_session_times_t t;
    cog_session_lifetime(c, f->s, &lt);
    cog_session_times(f->s, &t);
    cog_identity_set_tokens(r, c, f->s->access_token, f->s->id_token);
    cog_identity_set_session(r, cog_policy_session_expires(&lt, &t), f->s->access_exp);
    cog_identity_set_aws(r, aws);
    return OK;
}

int cog_session_authenticate(request_rec *r, const cog_dir_config_t *c)
{
    apr_array_header_t *ids = session_ids(r, c);
    cog_found_session_t f;
    double now = cog_ctx_now();
    int found = 0;

    /* Several cookies of our name (e.g. one tossed in from a sibling domain): use
     * the first that opens a live session; an unknown value can never select one. */
    for (int i = 0, tried = 0; i < ids->nelts && tried < MAX_COOKIES_TRIED && !found; i++) {
        const char *id = APR_ARRAY_IDX(ids, i, const char *);
        if (!cog_record_secret_valid(id))
            continue;               /* garbage copies cost nothing and cannot crowd out the real one */
        tried++;
        apr_status_t rv = live_session(r, c, id, now, &f);
        if (rv == APR_SUCCESS)
            found = 1;
        else if (rv == APR_NOTFOUND)
            cog_metrics_inc(COG_M_SESSION, COG_MS_MISS);
        else {
            cog_metrics_inc(COG_M_SESSION, COG_MS_ERROR);
            return store_error(r, rv, "cannot read the session");
        }
    }
    if (!found)
        return DECLINED;
    int rc = refresh_if_due(r, c, &f, now);
    if (rc != OK)
        return rc;
    const cog_aws_state_t *aws = NULL;
    if ((rc = cog_aws_for_request(r, c, &f, &aws)) != OK)
        return rc;
    cog_session_touch(r, c, &f, now);
    return publish(r, c, &f, aws);
}

int cog_session_refresh_claims(request_rec *r, const cog_dir_config_t *c)
{
    int every = cog_cfg_refresh_on_forbidden(c);
    apr_array_header_t *ids = session_ids(r, c);
    cog_found_session_t f;
    for (int i = 0; every > 0 && i < ids->nelts && i < MAX_COOKIES_TRIED; i++) {
        if (cog_session_load(r, c, APR_ARRAY_IDX(ids, i, const char *), COG_READ_FRESH, &f) != APR_SUCCESS)
            continue;
        double before = f.s->refreshed, now = cog_ctx_now();
        if (now - f.s->forbidden_refresh < every) {
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "CognitoRefreshOnForbidden: not refreshed again: the last "
                          "such refresh of this session was %.0f s ago (at most one per %d s)",
                          now - f.s->forbidden_refresh, every);
            return 0;
        }
        cog_error_t err = { COG_OK, NULL };
        cog_refresh_result_t result = cog_session_refresh(r, c, &f, every, &err);
        if (result == COG_REFRESH_FAILED || result == COG_REFRESH_ENDED) {
            cog_log_reason(r, APLOG_WARNING, &err, "CognitoRefreshOnForbidden: refresh failed");
            return 0;
        }
        if (f.s->refreshed <= before)
            return 0;
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "CognitoRefreshOnForbidden: tokens refreshed; deciding again "
                      "with the new claims");
        f.identity = NULL;                    /* made from the old claims */
        const cog_aws_state_t *aws = cog_identity_get(r) ? cog_identity_get(r)->aws : NULL;
        return publish(r, c, &f, aws) == OK;
    }
    return 0;
}

static const char *session_cookie(request_rec *r, const cog_dir_config_t *c, const char *value, long max_age)
{
    cog_cookie_attrs_t a;
    cog_ctx_cookie_attrs(r, c, max_age, &a);
    return cog_cookie_format(r->pool, cog_ctx_cookie_name(r, c), value, &a);
}

int cog_session_create(request_rec *r, const cog_dir_config_t *c, const cog_token_set_t *tokens,
                       cJSON *id_claims, const cJSON *access_claims)
{
    double now = cog_ctx_now();
    cog_session_t s = {
        .issuer = cog_cfg_issuer(c), .client_id = c->client_id,
        .created = now, .last_seen = now, .refreshed = now,
        .access_exp = cog_jwt_numeric_date(access_claims, "exp"),
        .id_token = tokens->id_token, .access_token = tokens->access_token,
        .refresh_token = tokens->refresh_token, .scope = cog_json_string(access_claims, "scope"),
        .claims = id_claims,
    };
    cog_aws_at_login(r, c, &s);
    /* Always a new id: never adopt one the browser brought (session fixation). */
    const char *id = cog_random_token(r->pool);
    if (id == NULL) {
        cog_error_t err = { COG_E_INTERNAL, "cannot create a session id" };
        return cog_page(r, 0, &err, "login", NULL);
    }
    apr_status_t rv = cog_session_store_new(r, c, id, &s);
    if (rv != APR_SUCCESS)
        return store_error(r, rv, "cannot store the new session");
    cog_ctx_set_cookie(r, session_cookie(r, c, id, -1));
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
    apr_array_header_t *ids = session_ids(r, c);

    for (int i = 0; i < ids->nelts && i < MAX_COOKIES_TRIED; i++) {
        const char *id = APR_ARRAY_IDX(ids, i, const char *);
        cog_found_session_t f;
        int found = cog_session_load(r, c, id, COG_READ_FRESH, &f) == APR_SUCCESS;
        /* Even when the store no longer has it: every process's copy must go. */
        cog_session_forget(r, c, id);
        if (!found)
            continue;
        cog_error_t err = { COG_OK, NULL };
        if (have_client && f.s->refresh_token && cog_oauth_revoke(r->pool, &client, f.s->refresh_token, &err) != COG_OK)
            cog_log_reason(r, APLOG_WARNING, &err, "logout: revoking the refresh token failed");
        const char *sub = cog_json_string(f.s->claims, "sub");
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "logout: session ended (sub %s)", sub ? sub : "?");
    }
    cog_ctx_set_cookie(r, session_cookie(r, c, "", 0));
    cog_no_store(r);

    const char *after = cog_ctx_absolute(r, c->post_logout_uri ? c->post_logout_uri : "/");
    apr_table_setn(r->headers_out, "Location", have_client ? cog_logout_url(r->pool, &client, after) : after);
    return HTTP_MOVED_TEMPORARILY;
}
