/*
 * login_state.c — sealed state cookies and consumed-state markers.
 */
#include "flow/login_state.h"
#include "flow/context.h"
#include "util/cookie.h"
#include "util/crypto.h"
#include "flow/session_store.h"
#include "store/store.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>

#define STATE_COOKIE_INFIX "_state_"
#define STATE_NAME_CHARS   16
/* Browsers keep cookies up to about 4 KB (name and value). */
#define MAX_STATE_VALUE    3800

static const char *state_cookie_name(request_rec *r, const cog_dir_config_t *c, const char *state)
{
    return apr_pstrcat(r->pool, cog_ctx_cookie_name(r, c), STATE_COOKIE_INFIX,
                       apr_pstrmemdup(r->pool, state, STATE_NAME_CHARS), NULL);
}

static const char *state_cookie(request_rec *r, const cog_dir_config_t *c, const char *name, const char *value,
                                long max_age)
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
 * to be set, at most COG_LOGIN_MAX_PENDING remain.  The creation time read here is
 * the cookie's unsealed prefix: it only orders cookies, it is never trusted. */
static void prune_state_cookies(request_rec *r, const cog_dir_config_t *c, long now)
{
    int ttl = cog_cfg_state_timeout(c);
    apr_array_header_t *cookies = cog_cookie_of_request(r);
    const char *prefix = apr_pstrcat(r->pool, cog_ctx_cookie_name(r, c), STATE_COOKIE_INFIX, NULL);
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

static const char *seal_state(request_rec *r, const cog_dir_config_t *c, const char *state,
                              const cog_login_state_t *st)
{
    cog_rec_owner_t owner = cog_session_owner(c);
    cog_rec_ref_t ref;
    unsigned char *sealed;
    size_t len;
    char *text = cog_state_encode(r->pool, st);
    if (text == NULL || cog_store_ref(r->server, &owner, COG_REC_STATE, state, 0, &ref) != 0
        || cog_seal(r->pool, ref.key, ref.slot, COG_KEY_LEN, text, strlen(text), &sealed, &len) != 0)
        return NULL;
    return apr_psprintf(r->pool, "%ld.%s", (long)st->created, cog_b64url_encode(r->pool, sealed, len));
}

const char *cog_login_state_issue(request_rec *r, const cog_dir_config_t *c, const cog_login_state_t *st,
                                  cog_error_t *err)
{
    const char *state = cog_random_token(r->pool);
    const char *value = state ? seal_state(r, c, state, st) : NULL;
    if (value && strlen(value) > MAX_STATE_VALUE) {
        cog_login_state_t shorter = *st;      /* a very long return URL: come back to / instead */
        shorter.return_path = "/";
        value = seal_state(r, c, state, &shorter);
    }
    if (value == NULL) {
        cog_fail(err, COG_E_INTERNAL, "cannot seal the login state");
        return NULL;
    }
    prune_state_cookies(r, c, (long)st->created);
    cog_ctx_set_cookie(r, state_cookie(r, c, state_cookie_name(r, c, state), value, cog_cfg_state_timeout(c)));
    return state;
}

/* The sealed part of one cookie value, opened for state under either secret. */
static cog_login_state_t *open_value(request_rec *r, const cog_dir_config_t *c, const char *state,
                                     const char *value)
{
    cog_rec_owner_t owner = cog_session_owner(c);
    const char *dot = strchr(value, '.');
    unsigned char *sealed;
    size_t sealed_len, len;
    char *text;
    const char *why;
    if (dot == NULL || cog_b64url_decode(r->pool, dot + 1, strlen(dot + 1), &sealed, &sealed_len) != 0)
        return NULL;
    for (int secret = 0; secret < 2; secret++) {
        cog_rec_ref_t ref;
        if (cog_store_ref(r->server, &owner, COG_REC_STATE, state, secret, &ref) != 0)
            break;
        if (cog_open(r->pool, ref.key, ref.slot, COG_KEY_LEN, sealed, sealed_len, &text, &len) == 0)
            return cog_state_decode(r->pool, text, len, &why);
    }
    return NULL;
}

int cog_login_state_open(request_rec *r, const cog_dir_config_t *c, const char *state, cog_login_state_t **out,
                         cog_error_t *err)
{
    if (!cog_record_secret_valid(state)) {
        cog_fail(err, COG_E_STATE_UNKNOWN, "state is not one of ours (malformed)");
        return HTTP_BAD_REQUEST;
    }
    const char *name = state_cookie_name(r, c, state);
    cog_ctx_set_cookie(r, state_cookie(r, c, name, "", 0));    /* spent either way */
    apr_array_header_t *cookies = cog_cookie_of_request(r);
    apr_array_header_t *values = cog_cookie_values(r->pool, cookies, name);
    if (values->nelts == 0) {
        cog_fail(err, COG_E_STATE_BROWSER_MISMATCH, "the state cookie is missing (another browser, or cookies blocked)");
        return HTTP_BAD_REQUEST;
    }
    cog_login_state_t *st = NULL;
    for (int i = 0; i < values->nelts && i < COG_LOGIN_MAX_PENDING && st == NULL; i++)
        st = open_value(r, c, state, APR_ARRAY_IDX(values, i, const char *));
    if (st == NULL) {
        cog_fail(err, COG_E_STATE_UNKNOWN, "the state cookie does not open for this state (altered, issued for "
                                           "another app client, or under another CognitoSessionSecret)");
        return HTTP_BAD_REQUEST;
    }
    double now = cog_ctx_now();
    if (now > st->created + cog_cfg_state_timeout(c) || st->created > now + 60) {
        cog_fail(err, COG_E_STATE_UNKNOWN, "the login attempt is older than CognitoStateTimeout");
        return HTTP_BAD_REQUEST;
    }
    *out = st;
    return OK;
}

static int consumed_ref(request_rec *r, const cog_dir_config_t *c, const char *state, cog_rec_ref_t *ref)
{
    cog_rec_owner_t owner = cog_session_owner(c);
    return cog_store_ref(r->server, &owner, COG_REC_CONSUMED, state, 0, ref);
}

int cog_login_state_unused(request_rec *r, const cog_dir_config_t *c, const char *state, cog_error_t *err)
{
    cog_rec_ref_t ref;
    cog_rec_t rec;
    apr_status_t rv = consumed_ref(r, c, state, &ref) == 0 ? cog_store_get(r, &ref, &rec) : APR_EGENERAL;
    if (rv == APR_NOTFOUND)
        return OK;
    if (rv == APR_SUCCESS || rv == COG_STORE_FORGED) {
        cog_fail(err, COG_E_STATE_REPLAYED, "this state was already used by a completed callback");
        return HTTP_BAD_REQUEST;
    }
    cog_fail(err, COG_E_SESSION_STORE, "cannot check whether the login state was used");
    return HTTP_SERVICE_UNAVAILABLE;
}

int cog_login_state_consume(request_rec *r, const cog_dir_config_t *c, const char *state,
                            const cog_login_state_t *st, cog_error_t *err)
{
    cog_rec_ref_t ref;
    double until = st->created + cog_cfg_state_timeout(c) + 60;
    apr_status_t rv = consumed_ref(r, c, state, &ref) == 0
                      ? cog_store_add(r, &ref, apr_time_from_sec((apr_time_t)until), "used", 4) : APR_EGENERAL;
    if (rv == APR_SUCCESS)
        return OK;
    if (rv == APR_EEXIST) {
        cog_fail(err, COG_E_STATE_REPLAYED, "another callback used this state at the same time");
        return HTTP_BAD_REQUEST;
    }
    cog_fail(err, COG_E_SESSION_STORE, "cannot record the login state as used");
    return HTTP_SERVICE_UNAVAILABLE;
}
