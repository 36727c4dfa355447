/*
 * login.c — login redirect, state cookies, and the callback.
 */
#include "login.h"
#include "cache.h"
#include "context.h"
#include "cookie.h"
#include "crypto.h"
#include "json.h"
#include "log.h"
#include "metrics.h"
#include "oauth.h"
#include "page.h"
#include "query.h"
#include "record.h"
#include "scrub.h"
#include "session.h"
#include "util.h"
#include "verify.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <apr_strings.h>
#include <apr_time.h>
#include <http_core.h>
#include <http_protocol.h>
#include <http_request.h>

#define STATE_COOKIE_INFIX "_state_"
#define STATE_NAME_CHARS   16

int cog_login_is_navigation(request_rec *r)
{
    /* HEAD shares GET's method number; it must not start (or finish) a login. */
    if (r->method_number != M_GET || r->header_only)
        return 0;
    const char *xrw = apr_table_get(r->headers_in, "X-Requested-With");
    if (xrw && strcasecmp(xrw, "XMLHttpRequest") == 0)
        return 0;
    const char *mode = apr_table_get(r->headers_in, "Sec-Fetch-Mode");
    if (mode && strcasecmp(mode, "navigate") != 0)
        return 0;
    const char *dest = apr_table_get(r->headers_in, "Sec-Fetch-Dest");
    if (dest && strcasecmp(dest, "document") != 0 && strcasecmp(dest, "iframe") != 0)
        return 0;
    const char *accept = apr_table_get(r->headers_in, "Accept");
    if (accept && !ap_strcasestr(accept, "text/html") && !ap_strcasestr(accept, "application/xhtml+xml")
        && !strstr(accept, "*/*"))
        return 0;
    return 1;
}

static const char *state_cookie_name(apr_pool_t *p, const cog_dir_config_t *c, const char *state)
{
    return apr_pstrcat(p, cog_cfg_cookie_name(c), STATE_COOKIE_INFIX,
                       apr_pstrmemdup(p, state, STATE_NAME_CHARS), NULL);
}

static const char *state_cookie(request_rec *r, const cog_dir_config_t *c, const char *name,
                                const char *value, long max_age)
{
    cog_cookie_attrs_t a;
    cog_ctx_cookie_attrs(r, c, max_age, &a);
    /* The callback is a top-level GET from Cognito: Lax is enough; Strict would
     * hide the cookie from that cross-site navigation. */
    if (strcmp(a.same_site, "Strict") == 0)
        a.same_site = "Lax";
    a.path = "/";
    return cog_cookie_format(r->pool, name, value, &a);
}

typedef struct {
    const char *name;
    long        created;
} pending_t;

static int by_age(const void *a, const void *b)
{
    long x = ((const pending_t *)a)->created, y = ((const pending_t *)b)->created;
    return (x > y) - (x < y);
}

/* Expires stale, malformed and surplus state cookies so that, with the one about
 * to be set, at most COG_LOGIN_MAX_PENDING remain. */
static void prune_state_cookies(request_rec *r, const cog_dir_config_t *c, long now)
{
    int ttl = cog_cfg_state_timeout(c);
    apr_array_header_t *cookies = cog_cookie_parse(r->pool, cog_scrub_original_cookies(r));
    const char *prefix = apr_pstrcat(r->pool, cog_cfg_cookie_name(c), STATE_COOKIE_INFIX, NULL);
    size_t plen = strlen(prefix);
    apr_array_header_t *live = apr_array_make(r->pool, 8, sizeof(pending_t));
    const cog_cookie_t *ck = (const cog_cookie_t *)cookies->elts;

    for (int i = 0; i < cookies->nelts; i++) {
        if (strncmp(ck[i].name, prefix, plen) != 0)
            continue;
        char *end;
        long created = strtol(ck[i].value, &end, 10);
        if (*end != '.' || created > now + 60 || now - created > ttl)
            cog_ctx_set_cookie(r, state_cookie(r, c, ck[i].name, "", 0));
        else {
            pending_t *pd = apr_array_push(live);
            pd->name = ck[i].name;
            pd->created = created;
        }
    }
    if (live->nelts < COG_LOGIN_MAX_PENDING)
        return;
    qsort(live->elts, (size_t)live->nelts, sizeof(pending_t), by_age);
    for (int i = 0; i <= live->nelts - COG_LOGIN_MAX_PENDING; i++)
        cog_ctx_set_cookie(r, state_cookie(r, c, APR_ARRAY_IDX(live, i, pending_t).name, "", 0));
}

static const char *binding_hash(apr_pool_t *p, const char *cookie_value)
{
    unsigned char digest[32];
    return cog_sha256(cookie_value, strlen(cookie_value), digest) == 0
           ? cog_b64url_encode(p, digest, sizeof(digest)) : NULL;
}

int cog_login_start(request_rec *r, const cog_dir_config_t *c)
{
    cog_oauth_client_t client;
    cog_error_t err = { COG_OK, NULL };
    if (cog_ctx_oauth_client(r, c, &client) != 0) {
        cog_fail(&err, COG_E_CONFIG, "CognitoDomain is not set");
        return cog_page(r, 0, &err, "login", NULL);
    }

    long now = (long)cog_ctx_now();
    const char *state = cog_random_token(r->pool), *nonce = cog_random_token(r->pool);
    const char *binding = cog_random_token(r->pool), *verifier, *challenge;
    if (!state || !nonce || !binding || cog_pkce_pair(r->pool, &verifier, &challenge) != 0) {
        cog_fail(&err, COG_E_INTERNAL, "no randomness");
        return cog_page(r, 0, &err, "login", NULL);
    }
    const char *binding_value = apr_psprintf(r->pool, "%ld.%s", now, binding);
    cog_login_state_t st = {
        .created = (double)now,
        .return_path = cog_safe_return_path(r->pool, r->unparsed_uri),
        .redirect_uri = cog_ctx_redirect_uri(r, c),
        .verifier = verifier, .nonce = nonce,
        .binding = binding_hash(r->pool, binding_value),
    };
    unsigned char slot[COG_KEY_LEN], key[COG_KEY_LEN], *sealed;
    size_t sealed_len;
    char *text = cog_state_encode(r->pool, &st);
    if (!text || !st.binding || cog_record_keys(state, "state", slot, key) != 0
        || cog_seal(r->pool, key, slot, COG_KEY_LEN, text, strlen(text), &sealed, &sealed_len) != 0) {
        cog_fail(&err, COG_E_INTERNAL, "cannot create the login state");
        return cog_page(r, 0, &err, "login", NULL);
    }
    apr_status_t rv = cog_cache_store(cog_cfg_cache(r->server), r->server, slot,
                                      apr_time_now() + apr_time_from_sec(cog_cfg_state_timeout(c)), sealed, sealed_len,
                                      r->pool);
    if (rv != APR_SUCCESS) {
        cog_fail(&err, COG_E_SESSION_STORE, "cannot store the login state");
        return cog_page(r, 0, &err, "login", "Please try again in a moment.");
    }

    prune_state_cookies(r, c, now);
    cog_ctx_set_cookie(r, state_cookie(r, c, state_cookie_name(r->pool, c, state), binding_value,
                                       cog_cfg_state_timeout(c)));
    cog_authorize_params_t ap = {
        .redirect_uri = st.redirect_uri, .scope = cog_cfg_scope(c), .state = state, .nonce = nonce,
        .code_challenge = challenge, .identity_provider = c->identity_provider, .extra = c->auth_params,
    };
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    apr_table_setn(r->headers_out, "Location", cog_authorize_url(r->pool, &client, &ap));
    cog_metrics_inc(COG_M_LOGIN_STARTED, 0);
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "login started; sending the browser to the managed login page");
    return HTTP_MOVED_TEMPORARILY;
}

/* Status for Cognito's error= codes on the callback (RFC 6749 §4.1.2.1). */
static int idp_error_status(const char *code)
{
    if (strcmp(code, "access_denied") == 0)
        return HTTP_FORBIDDEN;
    if (strcmp(code, "server_error") == 0 || strcmp(code, "temporarily_unavailable") == 0)
        return HTTP_BAD_GATEWAY;
    return HTTP_BAD_REQUEST;
}

static const char *printable_code(apr_pool_t *p, const char *code)
{
    char *out = apr_pstrndup(p, code, 64), *o = out;
    for (const char *s = out; *s; s++)
        if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_')
            *o++ = *s;
    *o = '\0';
    return *out ? out : "unknown";
}

/* Takes (and so uses up) the state record, then checks the browser binding. */
static int consume_state(request_rec *r, const cog_dir_config_t *c, const char *state,
                         cog_login_state_t **out, cog_error_t *err)
{
    unsigned char slot[COG_KEY_LEN], key[COG_KEY_LEN], *sealed;
    size_t sealed_len;
    char *text;
    size_t len;
    const char *why = NULL;

    if (!cog_record_secret_valid(state) || cog_record_keys(state, "state", slot, key) != 0) {
        cog_fail(err, COG_E_STATE_UNKNOWN, "state is not one of ours (malformed)");
        return HTTP_BAD_REQUEST;
    }
    /* The state cookie is spent either way. */
    const char *cookie_name = state_cookie_name(r->pool, c, state);
    cog_ctx_set_cookie(r, state_cookie(r, c, cookie_name, "", 0));

    apr_status_t rv = cog_cache_take(cog_cfg_cache(r->server), r->server, slot, &sealed, &sealed_len, r->pool);
    if (rv == APR_NOTFOUND) {
        /* Not "unknown state" if the store cannot be reached; and a stale pooled
         * connection may answer "not found" once after a store restart. */
        if (cog_cache_probe(cog_cfg_cache(r->server), r->server, r->pool) != APR_SUCCESS)
            rv = APR_EGENERAL;
        else
            rv = cog_cache_take(cog_cfg_cache(r->server), r->server, slot, &sealed, &sealed_len, r->pool);
    }
    if (rv == APR_NOTFOUND) {
        cog_fail(err, COG_E_STATE_UNKNOWN, "no pending login with this state (altered, replayed or expired)");
        return HTTP_BAD_REQUEST;
    }
    if (rv != APR_SUCCESS) {
        cog_fail(err, COG_E_SESSION_STORE, "cannot read the login state");
        return HTTP_SERVICE_UNAVAILABLE;
    }
    cog_login_state_t *st;
    if (cog_open(r->pool, key, slot, COG_KEY_LEN, sealed, sealed_len, &text, &len) != 0
        || (st = cog_state_decode(r->pool, text, len, &why)) == NULL) {
        cog_fail(err, COG_E_STATE_UNKNOWN, "the login state record is unreadable");
        return HTTP_BAD_REQUEST;
    }
    if (cog_ctx_now() > st->created + cog_cfg_state_timeout(c)) {
        cog_fail(err, COG_E_STATE_UNKNOWN, "the login attempt is older than CognitoStateTimeout");
        return HTTP_BAD_REQUEST;
    }
    apr_array_header_t *cookies = cog_cookie_parse(r->pool, cog_scrub_original_cookies(r));
    apr_array_header_t *values = cog_cookie_values(r->pool, cookies, cookie_name);
    int bound = 0;
    for (int i = 0; i < values->nelts && !bound; i++) {
        const char *h = binding_hash(r->pool, APR_ARRAY_IDX(values, i, const char *));
        bound = h && cog_ct_equal(h, strlen(h), st->binding, strlen(st->binding));
    }
    if (!bound) {
        cog_fail(err, COG_E_STATE_BROWSER_MISMATCH, values->nelts ? "the state cookie does not match"
                                                                   : "the state cookie is missing");
        return HTTP_BAD_REQUEST;
    }
    *out = st;
    return OK;
}

/* Every refused callback is counted by reason and answered with an error page. */
static int callback_failed(request_rec *r, int status, const cog_error_t *err, const char *context,
                           const char *advice)
{
    cog_metrics_inc(COG_M_LOGIN_FAILED, err->reason);
    return cog_page(r, status, err, context, advice);
}

static int token_failure_status(cog_reason_t rc)
{
    const cog_reason_info_t *info = cog_reason_info(rc);
    return cog_reason_is_token_fault(rc) ? HTTP_UNAUTHORIZED : info->http_status;
}

int cog_login_callback(request_rec *r, const cog_dir_config_t *c)
{
    static const char *const unique[] = { "state", "code", "error", "error_description", NULL };
    cog_error_t err = { COG_OK, NULL };
    const char *why = NULL;

    if (r->method_number != M_GET || r->header_only) {
        ap_allow_methods(r, REPLACE_ALLOW, "GET", NULL);
        cog_fail(&err, COG_E_CALLBACK_METHOD, r->method);
        return callback_failed(r, 0, &err, "login callback", NULL);
    }
    apr_table_t *q = cog_query_parse(r->pool, r->args, unique, &why);
    if (q == NULL) {
        cog_fail(&err, COG_E_CALLBACK_BAD_REQUEST, why);
        return callback_failed(r, 0, &err, "login callback", NULL);
    }
    const char *state = apr_table_get(q, "state");
    const char *error = apr_table_get(q, "error");
    const char *code = apr_table_get(q, "code");

    if (error) {
        cog_login_state_t *unused;
        cog_error_t ignored;
        if (state)
            consume_state(r, c, state, &unused, &ignored);
        const char *name = printable_code(r->pool, error);
        const char *desc = apr_table_get(q, "error_description");
        cog_fail(&err, COG_E_IDP_ERROR, apr_pstrcat(r->pool, "Cognito answered error=", name, NULL));
        cog_log_reason(r, APLOG_WARNING, &err, "login callback");
        cog_metrics_inc(COG_M_LOGIN_FAILED, COG_E_IDP_ERROR);
        return cog_page_text(r, idp_error_status(name), "Sign-in failed",
                             apr_pstrcat(r->pool, "The identity provider reported: ", name,
                                         desc ? " — " : "", desc ? desc : "", NULL));
    }
    if (state == NULL) {
        cog_fail(&err, COG_E_STATE_MISSING, "no state parameter");
        return callback_failed(r, 0, &err, "login callback", "Start again from the page you wanted.");
    }
    cog_login_state_t *st = NULL;
    int status = consume_state(r, c, state, &st, &err);
    if (status != OK)
        return callback_failed(r, status, &err, "login callback", "Start again from the page you wanted.");
    if (code == NULL || *code == '\0' || strlen(code) > 2048) {
        cog_fail(&err, COG_E_CALLBACK_BAD_REQUEST, "no usable code parameter");
        return callback_failed(r, 0, &err, "login callback", NULL);
    }

    cog_oauth_client_t client;
    cog_token_set_t tokens;
    if (cog_ctx_oauth_client(r, c, &client) != 0) {
        cog_fail(&err, COG_E_CONFIG, "CognitoDomain is not set");
        return callback_failed(r, 0, &err, "login callback", NULL);
    }
    cog_reason_t rc = cog_oauth_exchange_code(r->pool, &client, code, st->redirect_uri, st->verifier, &tokens, &err);
    if (rc != COG_OK)
        return callback_failed(r, 0, &err, "login callback: code exchange", "Start again from the page you wanted.");

    cog_verify_params_t vp;
    cJSON *id_claims, *access_claims;
    cog_ctx_verify_params(r, c, COG_TOKEN_ID, st->nonce, &vp);
    rc = cog_verify_token(r->pool, tokens.id_token, strlen(tokens.id_token), &vp, &id_claims, &err);
    if (rc != COG_OK)
        return callback_failed(r, token_failure_status(rc), &err, "login callback: ID token refused", NULL);
    cog_ctx_verify_params(r, c, COG_TOKEN_ACCESS, NULL, &vp);
    rc = cog_verify_token(r->pool, tokens.access_token, strlen(tokens.access_token), &vp, &access_claims, &err);
    if (rc != COG_OK)
        return callback_failed(r, token_failure_status(rc), &err, "login callback: access token refused", NULL);

    const char *id_sub = cog_json_string(id_claims, "sub"), *access_sub = cog_json_string(access_claims, "sub");
    if (strcmp(id_sub, access_sub) != 0) {
        cog_fail(&err, COG_E_TOKEN_AUDIENCE_MISMATCH, "ID and access token name different users");
        return callback_failed(r, HTTP_UNAUTHORIZED, &err, "login callback", NULL);
    }
    if ((status = cog_session_create(r, c, &tokens, id_claims, access_claims)) != OK) {
        cog_metrics_inc(COG_M_LOGIN_FAILED, COG_E_SESSION_STORE);
        return status;
    }
    cog_metrics_inc(COG_M_LOGIN_COMPLETED, 0);

    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "login completed (sub %s)", id_sub);
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    apr_table_setn(r->headers_out, "Location", cog_ctx_absolute(r, st->return_path));
    return HTTP_MOVED_TEMPORARILY;
}
