/*
 * test_record.c — record.c: the session and login-state records (JSON encoding,
 * strict decoding of untrusted store or cookie content), the last-seen record and
 * the browser-held secret check.
 */
#include "testutil.h"

#include "store/record.h"

/* ---- helpers -------------------------------------------------------------------- */

static cJSON *sample_claims(void)
{
    cJSON *c = cJSON_Parse("{\"sub\":\"7c1e-42\",\"cognito:groups\":[\"admins\",\"dev\"],"
                           "\"email\":\"caf\xc3\xa9@example.com\",\"custom:n\":1.5,"
                           "\"nested\":{\"x\":[1,{\"y\":null}],\"t\":true,\"f\":false},\"empty\":{}}");
    assert_non_null(c);
    return c;
}

static cog_session_t sample_session(apr_pool_t *p, int with_refresh, int with_scope)
{
    cog_session_t s = {
        .issuer = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc",
        .client_id = "client-1",
        .created = 1700000000,
        .last_seen = 1700000123.5,
        .refreshed = 1700000050,
        .access_exp = 1700003600,
        .id_token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln",
        .access_token = "eyJhbGciOiJSUzI1NiJ9.eyJzY29wZSI6Im9wZW5pZCJ9.YWNj",
        .refresh_token = with_refresh ? "refresh-\"quoted\"-\\-token" : NULL,
        .scope = with_scope ? "openid email aws.cognito.signin.user.admin" : NULL,
        .claims = sample_claims(),
    };
    (void)p;
    return s;
}

static void free_session_claims(cog_session_t *s)
{
    cJSON_Delete(s->claims);
    s->claims = NULL;
}

/* Replaces (or with NULL removes) member `name` of the JSON object text. */
static char *mutate(apr_pool_t *p, const char *text, const char *name, cJSON *replacement)
{
    cJSON *o = cJSON_Parse(text);
    assert_non_null(o);
    if (replacement == NULL)
        cJSON_DeleteItemFromObjectCaseSensitive(o, name);
    else if (cJSON_GetObjectItemCaseSensitive(o, name) != NULL)
        assert_true(cJSON_ReplaceItemInObjectCaseSensitive(o, name, replacement));
    else
        assert_true(cJSON_AddItemToObject(o, name, replacement));
    return tu_print_and_delete(p, o);
}

static void session_refused(apr_pool_t *p, const char *text, const char *what)
{
    const char *why = NULL;
    size_t len = strlen(text);
    char *buf = tu_exact_copy(text, len);
    cog_session_t *s = cog_session_decode(p, buf, len, &why);
    free(buf);
    if (s != NULL)
        fail_msg("session %s accepted: %s", what, text);
    if (why == NULL)
        fail_msg("session %s refused without a reason", what);
}

static cog_session_t *session_ok(apr_pool_t *p, const char *text)
{
    const char *why = NULL;
    size_t len = strlen(text);
    char *buf = tu_exact_copy(text, len);
    cog_session_t *s = cog_session_decode(p, buf, len, &why);
    free(buf);
    if (s == NULL)
        fail_msg("session refused (%s): %s", why ? why : "?", text);
    return s;
}

static void assert_same_json(const cJSON *a, const cJSON *b)
{
    assert_true(cJSON_Compare(a, b, 1));
}

/* ---- session round trip --------------------------------------------------------- */

static void check_session_round_trip(apr_pool_t *p, int with_refresh, int with_scope)
{
    cog_session_t s = sample_session(p, with_refresh, with_scope);
    char *text = cog_session_encode(p, &s);
    assert_non_null(text);
    cog_session_t *d = session_ok(p, text);
    assert_true(d->created == s.created);
    assert_true(d->last_seen == s.last_seen);
    assert_true(d->refreshed == s.refreshed);
    assert_true(d->access_exp == s.access_exp);
    assert_string_equal(d->id_token, s.id_token);
    assert_string_equal(d->access_token, s.access_token);
    if (with_refresh)
        assert_string_equal(d->refresh_token, s.refresh_token);
    else
        assert_null(d->refresh_token);
    if (with_scope)
        assert_string_equal(d->scope, s.scope);
    else
        assert_null(d->scope);
    assert_non_null(d->claims);
    assert_true(cJSON_IsObject(d->claims));
    assert_same_json(d->claims, s.claims);
    /* Encoding again gives the same text. */
    assert_string_equal(cog_session_encode(p, d), text);
    free_session_claims(&s);
}

static void test_session_round_trip(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    check_session_round_trip(p, 1, 1);
    check_session_round_trip(p, 0, 1);
    check_session_round_trip(p, 1, 0);
    check_session_round_trip(p, 0, 0);
}

static void test_session_round_trip_edge_values(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    cog_session_t s = sample_session(p, 1, 1);
    s.created = 0;
    s.last_seen = 253402300799.0;                   /* 9999-12-31T23:59:59Z: the largest */
    s.refreshed = 1700000000.123456;
    s.access_exp = 1;
    cJSON_Delete(s.claims);
    s.claims = cJSON_CreateObject();                /* empty claims object */
    char *text = cog_session_encode(p, &s);
    assert_non_null(text);
    cog_session_t *d = session_ok(p, text);
    assert_true(d->created == 0);
    assert_true(d->last_seen == 253402300799.0);
    assert_true(d->refreshed == 1700000000.123456);
    assert_true(d->access_exp == 1);
    assert_non_null(d->claims);
    assert_null(d->claims->child);
    free_session_claims(&s);
}

/* The claims returned belong to the pool: the caller does not free them, and they
 * survive the decode's own JSON tree. */
static void test_session_claims_owned_by_pool(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    cog_session_t s = sample_session(p, 1, 1);
    char *text = cog_session_encode(p, &s);
    free_session_claims(&s);
    apr_pool_t *sub;
    assert_int_equal(apr_pool_create(&sub, p), APR_SUCCESS);
    cog_session_t *d = session_ok(sub, text);
    const char *sub_claim = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(d->claims, "sub"));
    assert_string_equal(sub_claim, "7c1e-42");
    const cJSON *groups = cJSON_GetObjectItemCaseSensitive(d->claims, "cognito:groups");
    assert_int_equal(cJSON_GetArraySize(groups), 2);
    apr_pool_destroy(sub);                           /* ASan/LSan: no leak, no double free */
}

/* ---- session refusals ------------------------------------------------------------- */

static char *valid_session_text(apr_pool_t *p)
{
    cog_session_t s = sample_session(p, 1, 1);
    char *text = cog_session_encode(p, &s);
    free_session_claims(&s);
    assert_non_null(text);
    session_ok(p, text);
    return text;
}

static void test_session_refuses_version(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    const char *t = valid_session_text(p);
    session_refused(p, mutate(p, t, "v", cJSON_CreateNumber(1)), "v=1 (before owner fields)");
    session_refused(p, mutate(p, t, "v", cJSON_CreateNumber(3)), "v=3");
    session_refused(p, mutate(p, t, "v", cJSON_CreateNumber(0)), "v=0");
    session_refused(p, mutate(p, t, "v", cJSON_CreateNumber(1.5)), "v=1.5");
    session_refused(p, mutate(p, t, "v", cJSON_CreateNumber(-1)), "v=-1");
    session_refused(p, mutate(p, t, "v", cJSON_CreateString("1")), "v=\"1\"");
    session_refused(p, mutate(p, t, "v", cJSON_CreateTrue()), "v=true");
    session_refused(p, mutate(p, t, "v", cJSON_CreateNull()), "v=null");
    session_refused(p, mutate(p, t, "v", NULL), "without v");
    /* A login state is not a session (it has no tokens). */
    cog_login_state_t st = { 1700000000, "/", "https://app.example/cb", "v", "n" };
    session_refused(p, cog_state_encode(p, &st), "login state");
}

static void test_session_refuses_missing_fields(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    const char *t = valid_session_text(p);
    static const char *const required[] = { "iss", "client", "created", "seen", "refreshed", "access_exp", "id_token",
                                            "access_token", "claims", NULL };
    for (const char *const *f = required; *f; f++)
        session_refused(p, mutate(p, t, *f, NULL), apr_pstrcat(p, "without ", *f, NULL));
    /* The optional ones may be absent. */
    session_ok(p, mutate(p, mutate(p, t, "refresh_token", NULL), "scope", NULL));
}

static void test_session_refuses_wrong_types(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    const char *t = valid_session_text(p);
    static const char *const times[] = { "created", "seen", "refreshed", "access_exp", NULL };
    for (const char *const *f = times; *f; f++) {
        session_refused(p, mutate(p, t, *f, cJSON_CreateString("1700000000")), apr_pstrcat(p, *f, " as string", NULL));
        session_refused(p, mutate(p, t, *f, cJSON_CreateTrue()), apr_pstrcat(p, *f, " as true", NULL));
        session_refused(p, mutate(p, t, *f, cJSON_CreateNull()), apr_pstrcat(p, *f, " as null", NULL));
        session_refused(p, mutate(p, t, *f, cJSON_CreateObject()), apr_pstrcat(p, *f, " as object", NULL));
        session_refused(p, mutate(p, t, *f, cJSON_CreateArray()), apr_pstrcat(p, *f, " as array", NULL));
    }
    static const char *const strings[] = { "id_token", "access_token", "refresh_token", "scope", NULL };
    for (const char *const *f = strings; *f; f++) {
        session_refused(p, mutate(p, t, *f, cJSON_CreateNumber(5)), apr_pstrcat(p, *f, " as number", NULL));
        session_refused(p, mutate(p, t, *f, cJSON_CreateNull()), apr_pstrcat(p, *f, " as null", NULL));
        session_refused(p, mutate(p, t, *f, cJSON_CreateFalse()), apr_pstrcat(p, *f, " as false", NULL));
        session_refused(p, mutate(p, t, *f, cJSON_CreateArray()), apr_pstrcat(p, *f, " as array", NULL));
        session_refused(p, mutate(p, t, *f, cJSON_CreateObject()), apr_pstrcat(p, *f, " as object", NULL));
    }
    /* The required tokens may not be empty. */
    session_refused(p, mutate(p, t, "id_token", cJSON_CreateString("")), "empty id_token");
    session_refused(p, mutate(p, t, "access_token", cJSON_CreateString("")), "empty access_token");
}

static void test_session_refuses_claims_not_object(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    const char *t = valid_session_text(p);
    session_refused(p, mutate(p, t, "claims", cJSON_CreateString("{}")), "claims as string");
    session_refused(p, mutate(p, t, "claims", cJSON_CreateArray()), "claims as array");
    session_refused(p, mutate(p, t, "claims", cJSON_CreateNull()), "claims as null");
    session_refused(p, mutate(p, t, "claims", cJSON_CreateNumber(1)), "claims as number");
    session_refused(p, mutate(p, t, "claims", cJSON_CreateTrue()), "claims as true");
}

/* Times whose 15-digit rendering reads back within one DBL_EPSILON but not exactly
 * (fuzz finding F3): every accepted time must survive encode/decode bit for bit. */
static void test_session_times_exact(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    static const double times[] = { 1.0000000000000002, 10000000000.000002, 9.1994005900719925e-300,
                                    1795307996.123456, 253402300799.0, 0.0 };
    for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
        cog_session_t s = sample_session(p, 1, 1);
        s.created = s.last_seen = s.refreshed = s.access_exp = times[i];
        char *text = cog_session_encode(p, &s);
        assert_non_null(text);
        cog_session_t *d = session_ok(p, text);
        assert_true(d->created == times[i] && d->last_seen == times[i] && d->refreshed == times[i]
                    && d->access_exp == times[i]);
        free_session_claims(&s);
    }
}

static void test_session_refuses_bad_times(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    const char *t = valid_session_text(p);
    static const char *const times[] = { "created", "seen", "refreshed", "access_exp", NULL };
    for (const char *const *f = times; *f; f++) {
        session_refused(p, mutate(p, t, *f, cJSON_CreateNumber(-1)), apr_pstrcat(p, *f, " = -1", NULL));
        session_refused(p, mutate(p, t, *f, cJSON_CreateNumber(-0.5)), apr_pstrcat(p, *f, " = -0.5", NULL));
        session_refused(p, mutate(p, t, *f, cJSON_CreateNumber(253402300800.0)), apr_pstrcat(p, *f, " past 9999", NULL));
        session_refused(p, mutate(p, t, *f, cJSON_CreateNumber(1e300)), apr_pstrcat(p, *f, " = 1e300", NULL));
        /* The largest allowed value is fine. */
        session_ok(p, mutate(p, t, *f, cJSON_CreateNumber(253402300799.0)));
        session_ok(p, mutate(p, t, *f, cJSON_CreateNumber(0)));
    }
    /* 1e400 overflows to infinity: splice it in as the text of "created". */
    const char *at = strstr(t, "\"created\":");
    assert_non_null(at);
    const char *head = apr_pstrndup(p, t, (size_t)(at - t));
    const char *rest = strchr(at, ',');
    char *with_v = apr_pstrcat(p, head, "\"created\":1e400", rest, NULL);
    session_refused(p, with_v, "created = 1e400");
    char *with_v_ok = apr_pstrcat(p, head, "\"created\":1e9", rest, NULL);
    session_ok(p, with_v_ok);                      /* the splice itself is fine */
}

static void test_session_refuses_bad_json(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    const char *t = valid_session_text(p);
    size_t len = strlen(t);
    session_refused(p, apr_pstrndup(p, t, len - 1), "truncated by one");
    session_refused(p, apr_pstrndup(p, t, len / 2), "truncated by half");
    session_refused(p, apr_pstrcat(p, t, "x", NULL), "trailing x");
    session_refused(p, apr_pstrcat(p, t, "{}", NULL), "trailing object");
    session_refused(p, apr_pstrcat(p, t, t, NULL), "twice");
    session_refused(p, "", "empty");
    session_refused(p, "null", "null");
    session_refused(p, "[]", "array");
    session_refused(p, "\"x\"", "string");
    session_refused(p, "1", "number");
    session_refused(p, "{}", "empty object");
    session_refused(p, "{\"v\":1}", "only v");
    session_refused(p, "{'v':1}", "single quotes");
    /* Duplicate names, at the top and in the claims. */
    session_refused(p, apr_pstrcat(p, "{\"v\":1,", t + 1, NULL), "duplicate v");
    session_refused(p, apr_pstrcat(p, "{\"id_token\":\"x\",", t + 1, NULL), "duplicate id_token");
    session_refused(p, apr_pstrcat(p, "{\"created\":1,", t + 1, NULL), "duplicate created");
    const char *claims = strstr(t, "\"claims\":{");
    assert_non_null(claims);
    char *dup_claim = apr_pstrcat(p, apr_pstrndup(p, t, (size_t)(claims - t)), "\"claims\":{\"sub\":\"evil\",",
                                  claims + strlen("\"claims\":{"), NULL);
    session_refused(p, dup_claim, "duplicate claim");
    /* Trailing whitespace is fine (it is still one JSON value). */
    session_ok(p, apr_pstrcat(p, t, " \n", NULL));
}

/* Decoding respects len: only the first len bytes count. */
static void test_session_decode_respects_length(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    const char *t = valid_session_text(p);
    char *padded = apr_pstrcat(p, t, "GARBAGE", NULL);
    const char *why = NULL;
    assert_non_null(cog_session_decode(p, padded, strlen(t), &why));
    assert_null(cog_session_decode(p, padded, strlen(padded), &why));
    assert_non_null(why);
}

/* ---- login state ---------------------------------------------------------------- */

static cog_login_state_t sample_state(void)
{
    cog_login_state_t st = {
        .created = 1700000000,
        .return_path = "/app/page?x=1&y=%2F",
        .redirect_uri = "https://app.example/oauth2/callback",
        .verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
        .nonce = "n-0S6_WzA2Mj",
    };
    return st;
}

static cog_login_state_t *state_ok(apr_pool_t *p, const char *text)
{
    const char *why = NULL;
    size_t len = strlen(text);
    char *buf = tu_exact_copy(text, len);
    cog_login_state_t *st = cog_state_decode(p, buf, len, &why);
    free(buf);
    if (st == NULL)
        fail_msg("state refused (%s): %s", why ? why : "?", text);
    return st;
}

static void state_refused(apr_pool_t *p, const char *text, const char *what)
{
    const char *why = NULL;
    size_t len = strlen(text);
    char *buf = tu_exact_copy(text, len);
    cog_login_state_t *st = cog_state_decode(p, buf, len, &why);
    free(buf);
    if (st != NULL)
        fail_msg("state %s accepted: %s", what, text);
    if (why == NULL)
        fail_msg("state %s refused without a reason", what);
}

static void test_state_round_trip(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    cog_login_state_t st = sample_state();
    char *text = cog_state_encode(p, &st);
    assert_non_null(text);
    cog_login_state_t *d = state_ok(p, text);
    assert_true(d->created == st.created);
    assert_string_equal(d->return_path, st.return_path);
    assert_string_equal(d->redirect_uri, st.redirect_uri);
    assert_string_equal(d->verifier, st.verifier);
    assert_string_equal(d->nonce, st.nonce);
    assert_string_equal(cog_state_encode(p, d), text);

    /* Characters JSON must escape survive. */
    st.return_path = "/\"quoted\"/back\\slash/caf\xc3\xa9";
    d = state_ok(p, cog_state_encode(p, &st));
    assert_string_equal(d->return_path, st.return_path);
}

static void test_state_refusals(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    cog_login_state_t st = sample_state();
    const char *t = cog_state_encode(p, &st);
    state_ok(p, t);
    /* Version. */
    state_refused(p, mutate(p, t, "v", cJSON_CreateNumber(1)), "v=1 (a stored record of the old format)");
    state_refused(p, mutate(p, t, "v", cJSON_CreateNumber(3)), "v=3");
    state_refused(p, mutate(p, t, "v", cJSON_CreateString("1")), "v=\"1\"");
    state_refused(p, mutate(p, t, "v", NULL), "without v");
    /* Missing fields and wrong types. */
    static const char *const strings[] = { "return", "redirect_uri", "verifier", "nonce", NULL };
    for (const char *const *f = strings; *f; f++) {
        state_refused(p, mutate(p, t, *f, NULL), apr_pstrcat(p, "without ", *f, NULL));
        state_refused(p, mutate(p, t, *f, cJSON_CreateNumber(1)), apr_pstrcat(p, *f, " as number", NULL));
        state_refused(p, mutate(p, t, *f, cJSON_CreateNull()), apr_pstrcat(p, *f, " as null", NULL));
        state_refused(p, mutate(p, t, *f, cJSON_CreateString("")), apr_pstrcat(p, *f, " empty", NULL));
        state_refused(p, mutate(p, t, *f, cJSON_CreateArray()), apr_pstrcat(p, *f, " as array", NULL));
    }
    state_refused(p, mutate(p, t, "created", NULL), "without created");
    state_refused(p, mutate(p, t, "created", cJSON_CreateString("1700000000")), "created as string");
    state_refused(p, mutate(p, t, "created", cJSON_CreateNumber(-1)), "negative created");
    state_refused(p, mutate(p, t, "created", cJSON_CreateNumber(1e300)), "huge created");
    state_refused(p, mutate(p, t, "created", cJSON_CreateNumber(253402300800.0)), "created past 9999");
    /* Bad JSON. */
    state_refused(p, apr_pstrcat(p, t, "x", NULL), "trailing garbage");
    state_refused(p, apr_pstrndup(p, t, strlen(t) - 1), "truncated");
    state_refused(p, apr_pstrcat(p, "{\"nonce\":\"other\",", t + 1, NULL), "duplicate nonce");
    state_refused(p, apr_pstrcat(p, "{\"v\":1,", t + 1, NULL), "duplicate v");
    state_refused(p, "[]", "array");
    state_refused(p, "{}", "empty object");
    state_refused(p, "", "empty");
    /* A session record is not a login state. */
    state_refused(p, valid_session_text(p), "session record");
}

/* ---- last-seen record ------------------------------------------------------------ */

static void test_seen_round_trip(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    double t = 0;
    const char *text = cog_seen_encode(p, 1700000123.25);
    assert_non_null(text);
    assert_int_equal(cog_seen_decode(text, strlen(text), &t, NULL), 0);
    assert_true(t == 1700000123.25);
    /* 17 digits: a time with a tiny fraction reads back exactly. */
    text = cog_seen_encode(p, 1e10 + 1e-6);
    assert_int_equal(cog_seen_decode(text, strlen(text), &t, NULL), 0);
    assert_true(t == 1e10 + 1e-6);
}

static void test_seen_refusals(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    static const char *const bad[] = {
        "", "{}", "[]", "null", "{\"v\":1}", "{\"seen\":1700000000}", "{\"v\":2,\"seen\":1700000000}",
        "{\"v\":1,\"seen\":\"1700000000\"}", "{\"v\":1,\"seen\":-1}", "{\"v\":1,\"seen\":1e300}",
        "{\"v\":1,\"seen\":1700000000,\"seen\":1}", "{\"v\":1,\"seen\":1700000000}x", "{\"v\":1,\"seen\":01}",
        NULL };
    for (const char *const *b = bad; *b; b++) {
        double t = 42;
        const char *why = NULL;
        if (cog_seen_decode(*b, strlen(*b), &t, &why) == 0)
            fail_msg("last-seen record accepted: %s", *b);
        assert_non_null(why);
    }
    /* A session record is not a last-seen record. */
    const char *session = valid_session_text(p);
    double t;
    assert_int_equal(cog_seen_decode(session, strlen(session), &t, NULL), -1);
}

/* ---- cog_record_secret_valid ------------------------------------------------------- */

static void test_record_secret_valid(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    assert_int_equal(cog_record_secret_valid("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), 1);
    assert_int_equal(cog_record_secret_valid("abcdefghijklmnopqrstuvwxyz-_0123456789ABCDE"), 1);
    for (int i = 0; i < 20; i++)
        assert_int_equal(cog_record_secret_valid(cog_random_token(p)), 1);

    assert_int_equal(cog_record_secret_valid(NULL), 0);
    assert_int_equal(cog_record_secret_valid(""), 0);
    assert_int_equal(cog_record_secret_valid("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), 0);    /* 42 */
    assert_int_equal(cog_record_secret_valid("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), 0);  /* 44 */
    assert_int_equal(cog_record_secret_valid("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="), 0);   /* padding */
    assert_int_equal(cog_record_secret_valid("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+"), 0);   /* std b64 */
    assert_int_equal(cog_record_secret_valid("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/"), 0);
    assert_int_equal(cog_record_secret_valid("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA "), 0);
    assert_int_equal(cog_record_secret_valid(" AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), 0);
    assert_int_equal(cog_record_secret_valid("AAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAA"), 0);
    assert_int_equal(cog_record_secret_valid("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\xc3"), 0);
    /* Every byte outside the alphabet, at every position, is refused. */
    char s[44];
    for (int c = 1; c < 256; c++) {
        int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        for (int pos = 0; pos < 43; pos += 21) {
            memset(s, 'A', 43);
            s[43] = '\0';
            s[pos] = (char)c;
            if (cog_record_secret_valid(s) != ok)
                fail_msg("byte 0x%02x at %d: got %d", c, pos, !ok);
        }
    }
}

static const struct CMUnitTest tests[] = {
    TU_TEST(test_session_round_trip),
    TU_TEST(test_session_round_trip_edge_values),
    TU_TEST(test_session_claims_owned_by_pool),
    TU_TEST(test_session_refuses_version),
    TU_TEST(test_session_refuses_missing_fields),
    TU_TEST(test_session_refuses_wrong_types),
    TU_TEST(test_session_refuses_claims_not_object),
    TU_TEST(test_session_refuses_bad_times),
    TU_TEST(test_session_times_exact),
    TU_TEST(test_session_refuses_bad_json),
    TU_TEST(test_session_decode_respects_length),
    TU_TEST(test_state_round_trip),
    TU_TEST(test_state_refusals),
    TU_TEST(test_seen_round_trip),
    TU_TEST(test_seen_refusals),
    TU_TEST(test_record_secret_valid),
};

TU_MAIN(tests, NULL, NULL)
