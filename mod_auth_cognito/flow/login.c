/*
 * login.c — login redirect and the callback (state cookies: login_state.c).
 */
#include "flow/login.h"
#include "flow/login_state.h"
#include "flow/form_pages.h"
#include "flow/context.h"
#include "util/cookie.h"
#include "util/crypto.h"
#include "util/json.h"
#include "cfg/log.h"
#include "cfg/metrics.h"
#include "proto/oauth.h"
#include "flow/challenge.h"
#include "util/query.h"
#include "util/return_path.h"
#include "store/record.h"
#include "flow/session.h"
#include "util/util.h"
#include "token/verify.h"

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

int cog_login_prepare(request_rec *r, const cog_dir_config_t *c, int post_kept, const char **authorize_url)
{
    cog_oauth_client_t client;
    cog_error_t err = { COG_OK, NULL };
    if (cog_ctx_oauth_client(r, c, &client) != 0) {
        cog_fail(&err, COG_E_CONFIG, "CognitoDomain is not set");
        return cog_page(r, 0, &err, "login", NULL);
    }

    const char *nonce = cog_random_token(r->pool), *verifier, *challenge;
    if (!nonce || cog_pkce_pair(r->pool, &verifier, &challenge) != 0) {
        cog_fail(&err, COG_E_INTERNAL, "no randomness");
        return cog_page(r, 0, &err, "login", NULL);
    }
    cog_login_state_t st = {
        .created = (double)(long)cog_ctx_now(),
        .return_path = cog_safe_return_path(r->pool, r->unparsed_uri),
        .redirect_uri = cog_ctx_redirect_uri(r, c),
        .verifier = verifier, .nonce = nonce, .post_kept = post_kept,
    };
    const char *state = cog_login_state_issue(r, c, &st, &err);
    if (state == NULL)
        return cog_page(r, 0, &err, "login", NULL);
    cog_authorize_params_t ap = {
        .redirect_uri = st.redirect_uri, .scope = cog_cfg_scope(c), .state = state, .nonce = nonce,
        .code_challenge = challenge, .identity_provider = c->identity_provider, .extra = c->auth_params,
    };
    cog_no_store(r);
    *authorize_url = cog_authorize_url(r->pool, &client, &ap);
    cog_metrics_inc(COG_M_LOGIN_STARTED, 0);
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "login started; sending the browser to the managed login page");
    return OK;
}

int cog_login_start(request_rec *r, const cog_dir_config_t *c)
{
    const char *url;
    int status = cog_login_prepare(r, c, 0, &url);
    if (status != OK)
        return status;
    apr_table_setn(r->headers_out, "Location", url);
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

/* Cognito redirected back with error=…: a clear page (the state cookie is spent). */
static int idp_refused(request_rec *r, const cog_dir_config_t *c, const char *state, const char *error,
                       const char *desc)
{
    cog_login_state_t *unused;
    cog_error_t ignored, err;
    if (state)
        cog_login_state_open(r, c, state, &unused, &ignored);   /* deletes the state cookie */
    const char *name = printable_code(r->pool, error);
    cog_fail(&err, COG_E_IDP_ERROR, apr_pstrcat(r->pool, "Cognito answered error=", name, NULL));
    cog_log_reason(r, APLOG_WARNING, &err, "login callback");
    cog_metrics_inc(COG_M_LOGIN_FAILED, COG_E_IDP_ERROR);
    return cog_page_text(r, idp_error_status(name), "Sign-in failed",
                         apr_pstrcat(r->pool, "The identity provider reported: ", name,
                                     desc ? " — " : "", desc ? desc : "", NULL));
}

/* Exchanges the code and verifies both tokens, which must name one user.  OK, or
 * the answer already made. */
static int redeem(request_rec *r, const cog_dir_config_t *c, const cog_login_state_t *st, const char *code,
                  cog_token_set_t *tokens, cJSON **id_claims, cJSON **access_claims)
{
    cog_error_t err = { COG_OK, NULL };
    cog_oauth_client_t client;
    if (cog_ctx_oauth_client(r, c, &client) != 0) {
        cog_fail(&err, COG_E_CONFIG, "CognitoDomain is not set");
        return callback_failed(r, 0, &err, "login callback", NULL);
    }
    cog_reason_t rc = cog_oauth_exchange_code(r->pool, &client, code, st->redirect_uri, st->verifier, tokens, &err);
    if (rc != COG_OK)
        return callback_failed(r, 0, &err, "login callback: code exchange", "Start again from the page you wanted.");
    cog_verify_params_t vp;
    cog_ctx_verify_params(r, c, COG_TOKEN_ID, st->nonce, &vp);
    rc = cog_verify_token(r->pool, tokens->id_token, strlen(tokens->id_token), &vp, id_claims, NULL, NULL,
                          &err);
    if (rc != COG_OK)
        return callback_failed(r, token_failure_status(rc), &err, "login callback: ID token refused", NULL);
    cog_ctx_verify_params(r, c, COG_TOKEN_ACCESS, NULL, &vp);
    rc = cog_verify_token(r->pool, tokens->access_token, strlen(tokens->access_token), &vp, access_claims, NULL,
                          NULL, &err);
    if (rc != COG_OK)
        return callback_failed(r, token_failure_status(rc), &err, "login callback: access token refused", NULL);
    const char *id_sub = cog_json_string(*id_claims, "sub"), *access_sub = cog_json_string(*access_claims, "sub");
    if (strcmp(id_sub, access_sub) != 0) {
        cog_fail(&err, COG_E_TOKEN_AUDIENCE_MISMATCH, "ID and access token name different users");
        return callback_failed(r, HTTP_UNAUTHORIZED, &err, "login callback", NULL);
    }
    return OK;
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

    if (error)
        return idp_refused(r, c, state, error, apr_table_get(q, "error_description"));
    if (state == NULL) {
        cog_fail(&err, COG_E_STATE_MISSING, "no state parameter");
        return callback_failed(r, 0, &err, "login callback", "Start again from the page you wanted.");
    }
    cog_login_state_t *st = NULL;
    int status = cog_login_state_open(r, c, state, &st, &err);
    if (status == OK)
        status = cog_login_state_unused(r, c, state, &err);
    if (status != OK)
        return callback_failed(r, status, &err, "login callback", "Start again from the page you wanted.");
    if (code == NULL || *code == '\0' || strlen(code) > 2048) {
        cog_fail(&err, COG_E_CALLBACK_BAD_REQUEST, "no usable code parameter");
        return callback_failed(r, 0, &err, "login callback", NULL);
    }

    cog_token_set_t tokens;
    cJSON *id_claims, *access_claims;
    if ((status = redeem(r, c, st, code, &tokens, &id_claims, &access_claims)) != OK)
        return status;
    /* Only now, with a code Cognito accepted, does the callback write anything. */
    if ((status = cog_login_state_consume(r, c, state, st, &err)) != OK)
        return callback_failed(r, status, &err, "login callback", "Start again from the page you wanted.");
    if ((status = cog_session_create(r, c, &tokens, id_claims, access_claims)) != OK) {
        cog_metrics_inc(COG_M_LOGIN_FAILED, COG_E_SESSION_STORE);
        return status;
    }
    cog_metrics_inc(COG_M_LOGIN_COMPLETED, 0);

    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "login completed (sub %s)", cog_json_string(id_claims, "sub"));
    cog_no_store(r);
    if (st->post_kept)
        return cog_form_page_resubmit(r, st->return_path);
    apr_table_setn(r->headers_out, "Location", cog_ctx_absolute(r, st->return_path));
    return HTTP_MOVED_TEMPORARILY;
}
