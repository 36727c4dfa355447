/*
 * aws.c — identity-pool credentials: obtain, renew (single flight), decide, export.
 */
#include "flow/aws.h"
#include "flow/challenge.h"
#include "flow/context.h"
#include "flow/session_refresh.h"
#include "cfg/aws.h"
#include "cfg/log.h"
#include "cfg/pools.h"
#include "cfg/values.h"
#include "proto/identity.h"
#include "store/store.h"
#include "token/identity.h"
#include "token/jwt.h"
#include "util/json.h"
#include "util/util.h"

#include <string.h>
#include <strings.h>
#include <apr_strings.h>
#include <apr_time.h>
#include <http_config.h>
#include <http_core.h>
#include <http_protocol.h>
#include <http_request.h>

extern module AP_MODULE_DECLARE_DATA auth_cognito_module;

static int client_for(request_rec *r, const cog_dir_config_t *c, cog_identity_client_t *out)
{
    const cog_pool_t *pool = cog_cfg_pool(c, 0);
    const char *region = pool ? cog_value_pool_region(r->pool, pool->id) : NULL;
    if (c->identity_pool == NULL || region == NULL)
        return -1;
    memset(out, 0, sizeof(*out));
    out->endpoint = cog_cfg_identity_endpoint(r->pool, c);
    out->pool_id = c->identity_pool;
    out->provider = apr_psprintf(r->pool, "cognito-idp.%s.amazonaws.com/%s", region, pool->id);
    out->custom_role = c->identity_role;
    out->http.timeout_ms = cog_cfg_http_timeout(c) * 1000L;
    out->http.ca_file = c->ca_file;
    out->http.proxy = c->proxy;
    return 0;
}

/* GetId when no IdentityId is held (or the held one was deleted), then the credentials. */
static cog_reason_t fetch(request_rec *r, const cog_identity_client_t *client, const char *id_token,
                          cog_aws_state_t *a, cog_aws_credentials_t *creds, cog_error_t *err)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        int fresh_id = a->identity_id == NULL;
        cog_reason_t rc = fresh_id ? cog_identity_get_id(r->pool, client, id_token, &a->identity_id, err) : COG_OK;
        if (rc == COG_OK)
            rc = cog_identity_get_credentials(r->pool, client, a->identity_id, id_token, creds, err);
        if (rc == COG_E_IDENTITY_NOT_FOUND && !fresh_id) {
            a->identity_id = NULL;           /* an identity deleted from the pool: ask for a new one once */
            continue;
        }
        return rc;
    }
    return COG_E_IDENTITY_NOT_FOUND;
}

static int usable(const cog_aws_state_t *a, double now)
{
    return a && a->access_key_id && now < a->expiration - 1;
}

/* New credentials in their last quarter (5 s to 5 min before they expire), or none
 * held — unless an attempt failed less than COG_AWS_RETRY_SECONDS ago. */
static int due(const cog_aws_state_t *a, double now)
{
    if (a == NULL)
        return 1;
    if (a->failed > 0 && now - a->failed < COG_AWS_RETRY_SECONDS)
        return 0;
    if (a->access_key_id == NULL)
        return 1;
    double margin = (a->expiration - a->obtained) / 4;
    margin = margin < 5 ? 5 : margin > 300 ? 300 : margin;
    return now >= a->expiration - margin;
}

/* One attempt; the outcome (credentials, or the failure and when) goes into a. */
static void obtain(request_rec *r, const cog_dir_config_t *c, const cog_session_t *s, cog_aws_state_t *a)
{
    double now = cog_ctx_now();
    cog_error_t err = { COG_OK, NULL };
    cog_identity_client_t client;
    cog_aws_credentials_t creds;
    cog_reason_t rc;
    if (client_for(r, c, &client) != 0)
        rc = cog_fail(&err, COG_E_CONFIG, "CognitoIdentityPool needs the user pool id (CognitoUserPool, or a "
                      "CognitoIssuer ending in it) to name the login provider");
    else if (cog_jwt_numeric_date(s->claims, "exp") <= now + 5)
        rc = cog_fail(&err, COG_E_IDENTITY_NOT_AUTHORIZED, "the ID token has expired; the next token refresh "
                      "renews it");
    else
        rc = fetch(r, &client, s->id_token, a, &creds, &err);
    if (rc == COG_OK) {
        a->access_key_id = creds.access_key_id;
        a->secret_key = creds.secret_key;
        a->session_token = creds.session_token;
        a->expiration = creds.expiration;
        a->obtained = now;
        a->failed = 0;
        a->failure = NULL;
        a->role_arn = c->identity_role ? c->identity_role : cog_json_string(s->claims, "cognito:preferred_role");
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "AWS credentials obtained for identity %s (valid %.0f s)",
                      a->identity_id, a->expiration - now);
        return;
    }
    a->failed = now;
    a->failure = cog_reason_info(rc)->name;
    if (!usable(a, now))
        a->access_key_id = a->secret_key = a->session_token = NULL;   /* never a stale set */
    cog_log_reason(r, APLOG_WARNING, &err, "AWS credentials from the identity pool");
}

void cog_aws_at_login(request_rec *r, const cog_dir_config_t *c, cog_session_t *s)
{
    if (c->identity_pool == NULL)
        return;
    s->aws = apr_pcalloc(r->pool, sizeof(*s->aws));
    obtain(r, c, s, s->aws);
}

/* The record shows an outcome of renewal newer than `before` (arg). */
static int aws_changed(const cog_session_t *now, const void *before_v)
{
    const cog_aws_state_t *before = before_v;
    if (now->aws == NULL)
        return 0;
    return before == NULL || now->aws->obtained > before->obtained || now->aws->failed > before->failed;
}

/* Single flight per session: the session's refresh lock (token refreshes and
 * renewals both rewrite the record, so they take turns). */
static void renew(request_rec *r, const cog_dir_config_t *c, cog_found_session_t *f, double now)
{
    cog_rec_ref_t lock;
    if (cog_store_ref_kind(&f->ref, COG_REC_LOCK, &lock) != 0)
        return;
    apr_time_t until = apr_time_now() + apr_time_from_sec(cog_cfg_http_timeout(c) * 2 + 5);
    apr_status_t rv = cog_store_add(r, &lock, until, "aws", 3);
    if (rv == APR_EEXIST) {
        /* Another request renews: without usable credentials, wait (bounded) for its outcome. */
        if (!usable(f->s->aws, now))
            cog_session_await(r, c, f, (cog_cfg_http_timeout(c) * 2 + 1) * 1000, aws_changed, f->s->aws);
        return;
    }
    if (rv != APR_SUCCESS)
        return;
    cog_found_session_t current;
    if (cog_session_load(r, c, f->id, COG_READ_FRESH, &current) == APR_SUCCESS) {
        *f = current;
        if (due(f->s->aws, now)) {
            cog_aws_state_t *a = apr_pcalloc(r->pool, sizeof(*a));
            if (f->s->aws)
                *a = *f->s->aws;
            f->s->aws = a;
            obtain(r, c, f->s, a);
            if (cog_session_save(r, c, f) == APR_EEXIST
                && cog_session_load(r, c, f->id, COG_READ_FRESH, &current) == APR_SUCCESS)
                *f = current;                /* someone outside our lock wrote: theirs is newer */
        }
    }
    cog_store_remove(r, &lock);
}

/* The reason a remembered failure was (by its name), for the 503. */
static cog_reason_t reason_named(const char *name)
{
    for (int r = 0; name && r < COG_REASON_COUNT; r++)
        if (strcmp(cog_reason_info((cog_reason_t)r)->name, name) == 0)
            return (cog_reason_t)r;
    return COG_E_IDENTITY_UNAVAILABLE;
}

int cog_aws_for_request(request_rec *r, const cog_dir_config_t *c, cog_found_session_t *f,
                        const cog_aws_state_t **out)
{
    *out = NULL;
    if (c->identity_pool == NULL)
        return OK;
    double now = cog_ctx_now();
    if (due(f->s->aws, now))
        renew(r, c, f, now);
    if (usable(f->s->aws, now)) {
        *out = f->s->aws;
        return OK;
    }
    if (!cog_cfg_identity_required(c))
        return OK;
    cog_error_t err = { reason_named(f->s->aws ? f->s->aws->failure : NULL),
                        "no AWS credentials for this session, and CognitoIdentityRequired is on" };
    return cog_page(r, HTTP_SERVICE_UNAVAILABLE, &err, "AWS credentials", "Please try again in a moment.");
}

/* ---- export ---------------------------------------------------------------------- */

typedef struct {
    const char *env;
    const char *header;
} aws_name_t;

static const aws_name_t names[] = {
    { "AWS_ACCESS_KEY_ID", "X-Cognito-AWS-Access-Key-Id" },
    { "AWS_SECRET_ACCESS_KEY", "X-Cognito-AWS-Secret-Access-Key" },
    { "AWS_SESSION_TOKEN", "X-Cognito-AWS-Session-Token" },
    { "AWS_CREDENTIAL_EXPIRATION", "X-Cognito-AWS-Credential-Expiration" },
    { "AWS_REGION", "X-Cognito-AWS-Region" },
    { "COGNITO_IDENTITY_ID", "X-Cognito-Identity-Id" },
    { "COGNITO_ROLE_ARN", "X-Cognito-Role-Arn" },
    { "COGNITO_AWS_CREDENTIALS", "X-Cognito-AWS-Credentials" },
    { "AWS_SECURITY_TOKEN", NULL },        /* the legacy name of the session token: never someone else's */
};
#define NNAMES (sizeof(names) / sizeof(*names))

static const char *iso8601(apr_pool_t *p, double t)
{
    apr_time_exp_t e;
    if (apr_time_exp_gmt(&e, apr_time_from_sec((apr_time_t)t)) != APR_SUCCESS)
        return NULL;
    return apr_psprintf(p, "%04d-%02d-%02dT%02d:%02d:%02dZ", e.tm_year + 1900, e.tm_mon + 1, e.tm_mday,
                        e.tm_hour, e.tm_min, e.tm_sec);
}

/* Headers carry a secret to a backend: only one reached over loopback or TLS. */
static int proxied_safely(request_rec *r)
{
    const char *target = r->filename && strncmp(r->filename, "proxy:", 6) == 0 ? r->filename + 6 : NULL;
    return r->proxyreq == PROXYREQ_REVERSE && target
        && (strncasecmp(target, "https://", 8) == 0
            || (strncasecmp(target, "http://", 7) == 0 && cog_url_host_is_loopback(target)));
}

int cog_aws_export(request_rec *r)
{
    const cog_dir_config_t *c = ap_get_module_config(r->per_dir_config, &auth_cognito_module);
    int mode = c ? cog_cfg_pass_aws(c) : COG_AWS_OFF;
    if (c == NULL || c->identity_pool == NULL || mode == COG_AWS_OFF)
        return DECLINED;
    const cog_request_identity_t *id = cog_identity_get(r);
    const cog_aws_state_t *a = id && r->user && *r->user ? id->aws : NULL;
    const char *values[NNAMES] = { NULL };
    if (a) {
        const char *v[] = { a->access_key_id, a->secret_key, a->session_token, iso8601(r->pool, a->expiration),
                            cog_cfg_identity_region(r->pool, c), a->identity_id, a->role_arn, "available" };
        memcpy(values, v, sizeof(v));
    } else {
        values[7] = "unavailable";
    }
    /* Whatever mode: no other module's value may sit under these names. */
    for (size_t i = 0; i < NNAMES; i++) {
        apr_table_unset(r->subprocess_env, names[i].env);
        if (mode == COG_AWS_ENV && values[i])
            apr_table_setn(r->subprocess_env, names[i].env, values[i]);
    }
    if (mode != COG_AWS_HEADERS)
        return DECLINED;
    if (!proxied_safely(r)) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "COGNITO0001: config_invalid: CognitoPassAWSCredentials headers: "
                      "not sent, the request is not reverse-proxied to a loopback or https backend");
        return DECLINED;
    }
    for (size_t i = 0; i < NNAMES; i++) {
        if (names[i].header) {
            apr_table_unset(r->headers_in, names[i].header);
            if (values[i])
                apr_table_setn(r->headers_in, names[i].header, values[i]);
        }
    }
    return DECLINED;
}
