/*
 * test_oauth.c — oauth.c's pure parts: PKCE (RFC 7636), the authorize and logout
 * URLs, token endpoint answers and OAuth error answers.  (The back-channel calls
 * are covered by the integration tests against mock-cognito.)
 */
#include "testutil.h"

#include "proto/oauth.h"
#include "util/query.h"

static int is_b64url_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* ---- PKCE ------------------------------------------------------------------------ */

static void test_pkce_rfc7636_vector(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    /* RFC 7636 Appendix B. */
    const char *c = cog_pkce_challenge(p, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
    assert_non_null(c);
    assert_string_equal(c, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    /* One character off: another challenge. */
    c = cog_pkce_challenge(p, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXl");
    assert_string_not_equal(c, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    /* SHA-256("") in base64url. */
    assert_string_equal(cog_pkce_challenge(p, ""), "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU");
}

static void test_pkce_pair(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    const char *prev_v = NULL;
    for (int i = 0; i < 20; i++) {
        const char *v = NULL, *c = NULL;
        assert_int_equal(cog_pkce_pair(p, &v, &c), 0);
        assert_non_null(v);
        assert_non_null(c);
        /* RFC 7636 §4.1: 43..128 unreserved characters; ours are 43 b64url. */
        assert_int_equal(strlen(v), 43);
        assert_int_equal(strlen(c), 43);
        for (const char *s = v; *s; s++)
            assert_true(is_b64url_char(*s));
        for (const char *s = c; *s; s++)
            assert_true(is_b64url_char(*s));
        assert_string_equal(c, cog_pkce_challenge(p, v));
        assert_string_not_equal(v, c);
        if (prev_v)
            assert_string_not_equal(v, prev_v);
        prev_v = v;
    }
}

/* ---- authorize URL ---------------------------------------------------------------- */

static const cog_oauth_client_t CLIENT = {
    .domain = "https://mydomain.auth.eu-west-1.amazoncognito.com",
    .client_id = "4abcd5efgh6ijkl7mnop8qrst",
    .client_secret = NULL,
};

/* Number of times "name=" starts a parameter of the query. */
static int param_count(const char *query, const char *name)
{
    int n = 0;
    size_t nl = strlen(name);
    for (const char *s = query; s; s = strchr(s, '&')) {
        if (*s == '&')
            s++;
        if (strncmp(s, name, nl) == 0 && s[nl] == '=')
            n++;
    }
    return n;
}

/* The raw (still encoded) value of parameter `name`. */
static const char *param_raw(apr_pool_t *p, const char *query, const char *name)
{
    size_t nl = strlen(name);
    for (const char *s = query; s; s = strchr(s, '&')) {
        if (*s == '&')
            s++;
        if (strncmp(s, name, nl) == 0 && s[nl] == '=') {
            const char *v = s + nl + 1, *end = strchr(v, '&');
            return end ? apr_pstrndup(p, v, (size_t)(end - v)) : apr_pstrdup(p, v);
        }
    }
    return NULL;
}

static const char *query_of(const char *url, const char *prefix)
{
    size_t n = strlen(prefix);
    if (strncmp(url, prefix, n) != 0)
        fail_msg("\"%s\" does not start with \"%s\"", url, prefix);
    return url + n;
}

static void test_authorize_url_params(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    cog_authorize_params_t ap = {
        .redirect_uri = "https://app.example.com:8443/oauth2/callback",
        .scope = "openid email profile",
        .state = "st4te-_x",
        .nonce = "n0nce-_y",
        .code_challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    };
    const char *url = cog_authorize_url(p, &CLIENT, &ap);
    assert_non_null(url);
    const char *q = query_of(url, "https://mydomain.auth.eu-west-1.amazoncognito.com/oauth2/authorize?");
    assert_null(strchr(q, '?'));
    assert_null(strchr(q, '#'));
    assert_null(strchr(q, ' '));
    assert_null(strchr(q, '+'));

    static const char *const names[] = { "response_type", "client_id", "redirect_uri", "scope", "state",
                                         "nonce", "code_challenge", "code_challenge_method", NULL };
    for (const char *const *n = names; *n; n++)
        if (param_count(q, *n) != 1)
            fail_msg("%s appears %d times in %s", *n, param_count(q, *n), url);
    assert_int_equal(param_count(q, "identity_provider"), 0);
    /* Nothing else. */
    int amps = 0;
    for (const char *s = q; *s; s++)
        amps += *s == '&';
    assert_int_equal(amps, 7);

    assert_string_equal(param_raw(p, q, "response_type"), "code");
    assert_string_equal(param_raw(p, q, "client_id"), "4abcd5efgh6ijkl7mnop8qrst");
    assert_string_equal(param_raw(p, q, "redirect_uri"), "https%3A%2F%2Fapp.example.com%3A8443%2Foauth2%2Fcallback");
    assert_string_equal(param_raw(p, q, "scope"), "openid%20email%20profile");
    assert_string_equal(param_raw(p, q, "state"), "st4te-_x");
    assert_string_equal(param_raw(p, q, "nonce"), "n0nce-_y");
    assert_string_equal(param_raw(p, q, "code_challenge"), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    assert_string_equal(param_raw(p, q, "code_challenge_method"), "S256");

    /* And it parses back, every parameter once, to the values given. */
    const char *why = NULL;
    apr_table_t *t = cog_query_parse(p, q, names, &why);
    assert_non_null(t);
    assert_string_equal(apr_table_get(t, "redirect_uri"), ap.redirect_uri);
    assert_string_equal(apr_table_get(t, "scope"), ap.scope);
}

static void test_authorize_url_idp_and_extra(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    apr_array_header_t *extra = apr_array_make(p, 4, sizeof(const char *));
    APR_ARRAY_PUSH(extra, const char *) = "lang";
    APR_ARRAY_PUSH(extra, const char *) = "fr";
    APR_ARRAY_PUSH(extra, const char *) = "prompt";
    APR_ARRAY_PUSH(extra, const char *) = "login consent&x=y";
    cog_authorize_params_t ap = {
        .redirect_uri = "https://app.example/cb",
        .scope = "openid",
        .state = "s",
        .nonce = "n",
        .code_challenge = "c",
        .identity_provider = "Google Workspace",
        .extra = extra,
    };
    const char *url = cog_authorize_url(p, &CLIENT, &ap);
    const char *q = query_of(url, "https://mydomain.auth.eu-west-1.amazoncognito.com/oauth2/authorize?");
    assert_int_equal(param_count(q, "identity_provider"), 1);
    assert_string_equal(param_raw(p, q, "identity_provider"), "Google%20Workspace");
    assert_int_equal(param_count(q, "lang"), 1);
    assert_string_equal(param_raw(p, q, "lang"), "fr");
    assert_int_equal(param_count(q, "prompt"), 1);
    assert_string_equal(param_raw(p, q, "prompt"), "login%20consent%26x%3Dy");   /* no injected x=y */
    assert_int_equal(param_count(q, "x"), 0);
    /* Appended after the module's own parameters, in order. */
    const char *method = strstr(q, "code_challenge_method=");
    const char *idp = strstr(q, "identity_provider=");
    const char *lang = strstr(q, "lang=");
    const char *prompt = strstr(q, "prompt=");
    assert_true(method && idp && lang && prompt);
    assert_true(method < idp && idp < lang && lang < prompt);
    /* Still each of ours once. */
    assert_int_equal(param_count(q, "state"), 1);
    assert_int_equal(param_count(q, "client_id"), 1);
}

static void test_authorize_url_odd_extra_ignored(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    apr_array_header_t *extra = apr_array_make(p, 4, sizeof(const char *));
    APR_ARRAY_PUSH(extra, const char *) = "lang";
    APR_ARRAY_PUSH(extra, const char *) = "de";
    APR_ARRAY_PUSH(extra, const char *) = "dangling";
    cog_authorize_params_t ap = { "https://a/cb", "openid", "s", "n", "c", NULL, extra };
    const char *url = cog_authorize_url(p, &CLIENT, &ap);
    assert_true(tu_contains(url, "&lang=de"));
    assert_false(tu_contains(url, "dangling"));
    /* Empty extra list. */
    ap.extra = apr_array_make(p, 1, sizeof(const char *));
    url = cog_authorize_url(p, &CLIENT, &ap);
    const char *q = strchr(url, '?') + 1;
    assert_string_equal(param_raw(p, q, "code_challenge_method"), "S256");
    assert_true(url[strlen(url) - 1] == '6');     /* ends with ...method=S256 */
}

static void test_authorize_url_encodes_everything(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    cog_oauth_client_t client = CLIENT;
    client.client_id = "id with space&x=1";
    cog_authorize_params_t ap = {
        .redirect_uri = "https://app.example/cb?a=1&b=2#f",
        .scope = "openid custom/scope+x",
        .state = "s&nonce=evil",
        .nonce = "n\xc3\xa9",
        .code_challenge = "c=",
    };
    const char *url = cog_authorize_url(p, &client, &ap);
    const char *q = strchr(url, '?') + 1;
    assert_null(strchr(q, '#'));
    assert_null(strchr(q, ' '));
    assert_int_equal(param_count(q, "nonce"), 1);
    assert_int_equal(param_count(q, "x"), 0);
    assert_string_equal(param_raw(p, q, "client_id"), "id%20with%20space%26x%3D1");
    assert_string_equal(param_raw(p, q, "redirect_uri"), "https%3A%2F%2Fapp.example%2Fcb%3Fa%3D1%26b%3D2%23f");
    assert_string_equal(param_raw(p, q, "scope"), "openid%20custom%2Fscope%2Bx");
    assert_string_equal(param_raw(p, q, "state"), "s%26nonce%3Devil");
    assert_string_equal(param_raw(p, q, "nonce"), "n%C3%A9");
    assert_string_equal(param_raw(p, q, "code_challenge"), "c%3D");
}

/* ---- logout URL ----------------------------------------------------------------- */

static void test_logout_url(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    assert_string_equal(cog_logout_url(p, &CLIENT, "https://app.example/signed-out?x=1&y=2"),
                        "https://mydomain.auth.eu-west-1.amazoncognito.com/logout?client_id=4abcd5efgh6ijkl7mnop8qrst"
                        "&logout_uri=https%3A%2F%2Fapp.example%2Fsigned-out%3Fx%3D1%26y%3D2");
    cog_oauth_client_t client = CLIENT;
    client.client_id = "a b";
    const char *url = cog_logout_url(p, &client, "https://app.example/");
    assert_true(tu_contains(url, "/logout?client_id=a%20b&logout_uri=https%3A%2F%2Fapp.example%2F"));
    assert_int_equal(param_count(strchr(url, '?') + 1, "client_id"), 1);
    assert_int_equal(param_count(strchr(url, '?') + 1, "logout_uri"), 1);
}

/* ---- token endpoint answers --------------------------------------------------------- */

static cog_reason_t parse_tokens(apr_pool_t *p, const char *body, int require_id, cog_token_set_t *out,
                                 cog_error_t *err)
{
    size_t len = strlen(body);
    char *buf = tu_exact_copy(body, len);
    cog_reason_t rc = cog_token_response_parse(p, buf, len, require_id, out, err);
    free(buf);
    return rc;
}

static void tokens_refused(apr_pool_t *p, const char *body, int require_id)
{
    cog_token_set_t out;
    cog_error_t err = { COG_OK, NULL };
    cog_reason_t rc = parse_tokens(p, body, require_id, &out, &err);
    if (rc != COG_E_TOKEN_ENDPOINT_INVALID)
        fail_msg("answer accepted (rc %d, require_id %d): %s", (int)rc, require_id, body);
    assert_int_equal(err.reason, COG_E_TOKEN_ENDPOINT_INVALID);
    assert_non_null(err.detail);
    /* Nothing half-filled is handed out. */
    assert_null(out.access_token);
    assert_null(out.id_token);
    assert_null(out.refresh_token);
}

static void test_token_response_success(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    cog_token_set_t out;
    cog_error_t err = { COG_OK, NULL };
    const char *full = "{\"id_token\":\"ID.T.S\",\"access_token\":\"AC.T.S\",\"refresh_token\":\"RT\","
                       "\"expires_in\":3600,\"token_type\":\"Bearer\"}";
    assert_int_equal(parse_tokens(p, full, 1, &out, &err), COG_OK);
    assert_string_equal(out.id_token, "ID.T.S");
    assert_string_equal(out.access_token, "AC.T.S");
    assert_string_equal(out.refresh_token, "RT");
    assert_true(out.expires_in == 3600);

    /* A refresh answer: no refresh_token, no id_token when not required. */
    const char *refresh = "{\"access_token\":\"AC2\",\"expires_in\":300,\"token_type\":\"Bearer\"}";
    assert_int_equal(parse_tokens(p, refresh, 0, &out, &err), COG_OK);
    assert_string_equal(out.access_token, "AC2");
    assert_null(out.id_token);
    assert_null(out.refresh_token);
    assert_true(out.expires_in == 300);

    /* With id_token but no refresh_token. */
    const char *no_rt = "{\"id_token\":\"I\",\"access_token\":\"A\",\"token_type\":\"Bearer\",\"expires_in\":60}";
    assert_int_equal(parse_tokens(p, no_rt, 1, &out, &err), COG_OK);
    assert_string_equal(out.id_token, "I");
    assert_null(out.refresh_token);

    /* expires_in absent: 0. */
    assert_int_equal(parse_tokens(p, "{\"access_token\":\"A\",\"token_type\":\"Bearer\"}", 0, &out, &err), COG_OK);
    assert_true(out.expires_in == 0);

    /* Unknown members are ignored; whitespace around is fine. */
    assert_int_equal(parse_tokens(p, " {\"access_token\":\"A\",\"token_type\":\"Bearer\",\"scope\":\"x\",\"n\":[1]} \n",
                                  0, &out, &err), COG_OK);
}

static void test_token_response_token_type(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    cog_token_set_t out;
    cog_error_t err;
    static const char *const ok_types[] = { "Bearer", "bearer", "BEARER", "bEaReR", NULL };
    for (const char *const *t = ok_types; *t; t++) {
        const char *body = apr_psprintf(p, "{\"access_token\":\"A\",\"token_type\":\"%s\"}", *t);
        if (parse_tokens(p, body, 0, &out, &err) != COG_OK)
            fail_msg("token_type %s refused", *t);
    }
    tokens_refused(p, "{\"access_token\":\"A\",\"token_type\":\"mac\"}", 0);
    tokens_refused(p, "{\"access_token\":\"A\",\"token_type\":\"Bearer \"}", 0);
    tokens_refused(p, "{\"access_token\":\"A\",\"token_type\":\"Bearerx\"}", 0);
    tokens_refused(p, "{\"access_token\":\"A\",\"token_type\":\"\"}", 0);
    tokens_refused(p, "{\"access_token\":\"A\",\"token_type\":\"DPoP\"}", 0);
    tokens_refused(p, "{\"access_token\":\"A\",\"token_type\":1}", 0);
    tokens_refused(p, "{\"access_token\":\"A\",\"token_type\":null}", 0);
    tokens_refused(p, "{\"access_token\":\"A\"}", 0);                     /* token_type is required */
}

static void test_token_response_missing_tokens(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    /* No access_token, or not a non-empty string. */
    tokens_refused(p, "{\"id_token\":\"I\",\"token_type\":\"Bearer\"}", 1);
    tokens_refused(p, "{\"token_type\":\"Bearer\"}", 0);
    tokens_refused(p, "{\"access_token\":\"\",\"token_type\":\"Bearer\"}", 0);
    tokens_refused(p, "{\"access_token\":1,\"token_type\":\"Bearer\"}", 0);
    tokens_refused(p, "{\"access_token\":null,\"token_type\":\"Bearer\"}", 0);
    tokens_refused(p, "{\"access_token\":[\"A\"],\"token_type\":\"Bearer\"}", 0);
    /* Code grant without id_token. */
    tokens_refused(p, "{\"access_token\":\"A\",\"token_type\":\"Bearer\",\"expires_in\":3600}", 1);
    tokens_refused(p, "{\"access_token\":\"A\",\"id_token\":\"\",\"token_type\":\"Bearer\"}", 1);
    tokens_refused(p, "{\"access_token\":\"A\",\"id_token\":null,\"token_type\":\"Bearer\"}", 1);
    /* An id_token that is there must be usable even when not required. */
    tokens_refused(p, "{\"access_token\":\"A\",\"id_token\":5,\"token_type\":\"Bearer\"}", 0);
    tokens_refused(p, "{\"access_token\":\"A\",\"id_token\":\"\",\"token_type\":\"Bearer\"}", 0);
    /* A refresh_token that is there must be a non-empty string. */
    tokens_refused(p, "{\"access_token\":\"A\",\"refresh_token\":\"\",\"token_type\":\"Bearer\"}", 0);
    tokens_refused(p, "{\"access_token\":\"A\",\"refresh_token\":true,\"token_type\":\"Bearer\"}", 0);
    tokens_refused(p, "{\"access_token\":\"A\",\"refresh_token\":null,\"token_type\":\"Bearer\"}", 0);
}

static void test_token_response_expires_in(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    static const char *const bad[] = { "\"3600\"", "-1", "0", "-0", "1e10", "31622401", "true", "null", "[3600]",
                                       "{}", "1e400", NULL };
    for (const char *const *e = bad; *e; e++)
        tokens_refused(p, apr_psprintf(p, "{\"access_token\":\"A\",\"token_type\":\"Bearer\",\"expires_in\":%s}", *e),
                       0);
    cog_token_set_t out;
    cog_error_t err;
    assert_int_equal(parse_tokens(p, "{\"access_token\":\"A\",\"token_type\":\"Bearer\",\"expires_in\":31622400}", 0,
                                  &out, &err), COG_OK);                   /* 366 days: the most */
    assert_true(out.expires_in == 31622400);
    assert_int_equal(parse_tokens(p, "{\"access_token\":\"A\",\"token_type\":\"Bearer\",\"expires_in\":0.5}", 0,
                                  &out, &err), COG_OK);
    assert_true(out.expires_in == 0.5);
}

static void test_token_response_not_object_or_garbage(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    static const char *const bad[] = {
        "[]", "[{\"access_token\":\"A\",\"token_type\":\"Bearer\"}]", "\"A\"", "1", "null", "true",
        "garbage", "<html>502 Bad Gateway</html>", "{", "{\"access_token\":\"A\"",
        "{\"access_token\":\"A\",\"token_type\":\"Bearer\"}x",
        "{\"access_token\":\"A\",\"token_type\":\"Bearer\"}{}",
        "{\"access_token\":'A',\"token_type\":\"Bearer\"}",
        "{\"access_token\":\"A\",\"token_type\":\"Bearer\",}",
        /* Duplicate names: no "last one wins". */
        "{\"access_token\":\"A\",\"access_token\":\"B\",\"token_type\":\"Bearer\"}",
        "{\"access_token\":\"A\",\"token_type\":\"mac\",\"token_type\":\"Bearer\"}",
        "{\"id_token\":\"I\",\"id_token\":\"J\",\"access_token\":\"A\",\"token_type\":\"Bearer\"}",
        " ",
        NULL,
    };
    for (const char *const *b = bad; *b; b++) {
        tokens_refused(p, *b, 0);
        tokens_refused(p, *b, 1);
    }
    /* Zero length (and a NULL body). */
    cog_token_set_t out;
    cog_error_t err = { COG_OK, NULL };
    assert_int_equal(cog_token_response_parse(p, "", 0, 0, &out, &err), COG_E_TOKEN_ENDPOINT_INVALID);
    assert_int_equal(cog_token_response_parse(p, NULL, 0, 0, &out, &err), COG_E_TOKEN_ENDPOINT_INVALID);
    /* len is respected: a valid body followed by junk outside len. */
    const char *body = "{\"access_token\":\"A\",\"token_type\":\"Bearer\"}JUNK";
    assert_int_equal(cog_token_response_parse(p, body, strlen(body) - 4, 0, &out, &err), COG_OK);
    assert_int_equal(cog_token_response_parse(p, body, strlen(body), 0, &out, &err), COG_E_TOKEN_ENDPOINT_INVALID);
}

/* The error details never carry the token text. */
static void test_token_response_detail_has_no_tokens(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    cog_token_set_t out;
    cog_error_t err = { COG_OK, NULL };
    const char *body = "{\"access_token\":\"SECRET-ACCESS\",\"refresh_token\":\"SECRET-REFRESH\","
                       "\"id_token\":\"SECRET-ID\",\"token_type\":\"mac\"}";
    assert_int_equal(parse_tokens(p, body, 1, &out, &err), COG_E_TOKEN_ENDPOINT_INVALID);
    assert_non_null(err.detail);
    assert_false(tu_contains(err.detail, "SECRET"));
}

/* ---- OAuth error answers ---------------------------------------------------------- */

static const char *error_code(apr_pool_t *p, const char *body)
{
    size_t len = strlen(body);
    char *buf = tu_exact_copy(body, len);
    const char *code = cog_oauth_error_code(p, buf, len);
    free(buf);
    return code;
}

static void test_oauth_error_code(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    assert_string_equal(error_code(p, "{\"error\":\"invalid_grant\"}"), "invalid_grant");
    assert_string_equal(error_code(p, "{\"error\":\"invalid_client\",\"error_description\":\"x\"}"), "invalid_client");
    /* Missing or not a string. */
    assert_null(error_code(p, "{\"error_description\":\"invalid_grant\"}"));
    assert_null(error_code(p, "{}"));
    assert_null(error_code(p, "{\"error\":5}"));
    assert_null(error_code(p, "{\"error\":null}"));
    assert_null(error_code(p, "{\"error\":[\"invalid_grant\"]}"));
    assert_null(error_code(p, "{\"error\":{\"code\":\"invalid_grant\"}}"));
    assert_null(error_code(p, "[\"error\",\"invalid_grant\"]"));
    assert_null(error_code(p, "\"invalid_grant\""));
    assert_null(error_code(p, "garbage"));
    assert_null(error_code(p, "<html>invalid_grant</html>"));
    assert_null(error_code(p, "{\"error\":\"invalid_grant\"} trailing"));
    assert_null(error_code(p, "{\"error\":\"a\",\"error\":\"b\"}"));         /* duplicate */
    assert_null(cog_oauth_error_code(p, "", 0));
    assert_null(cog_oauth_error_code(p, NULL, 0));
    /* Controls and quotes/backslashes stripped. */
    assert_string_equal(error_code(p, "{\"error\":\"invalid\\r\\n_grant\"}"), "invalid_grant");
    assert_string_equal(error_code(p, "{\"error\":\"in\\\"valid\\\\_grant\"}"), "invalid_grant");
    assert_string_equal(error_code(p, "{\"error\":\"in\\u0000valid\\u001b[31m\"}"), "invalid[31m");
    assert_string_equal(error_code(p, "{\"error\":\"a\\tb\\u007fc\"}"), "abc");
    assert_string_equal(error_code(p, "{\"error\":\"caf\xc3\xa9\"}"), "caf");
    /* Length: 64 is fine, 65 is not. */
    char code64[65];
    memset(code64, 'e', 64);
    code64[64] = '\0';
    assert_string_equal(error_code(p, apr_psprintf(p, "{\"error\":\"%s\"}", code64)), code64);
    assert_null(error_code(p, apr_psprintf(p, "{\"error\":\"%se\"}", code64)));
    assert_null(error_code(p, apr_psprintf(p, "{\"error\":\"%s%s%s\"}", code64, code64, code64)));
    /* Whatever comes out is printable ASCII without quotes or backslashes. */
    const char *c = error_code(p, "{\"error\":\"\\u0001\\\"\\\\\\u00ff<script>\"}");
    assert_non_null(c);
    for (const char *s = c; *s; s++)
        assert_true(*s >= 0x21 && *s <= 0x7e && *s != '"' && *s != '\\');
}

static void test_oauth_error_code_empty(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    assert_null(error_code(p, "{\"error\":\"\"}"));
    assert_null(error_code(p, "{\"error\":\"\\r\\n\"}"));
}

static const struct CMUnitTest tests[] = {
    TU_TEST(test_pkce_rfc7636_vector),
    TU_TEST(test_pkce_pair),
    TU_TEST(test_authorize_url_params),
    TU_TEST(test_authorize_url_idp_and_extra),
    TU_TEST(test_authorize_url_odd_extra_ignored),
    TU_TEST(test_authorize_url_encodes_everything),
    TU_TEST(test_logout_url),
    TU_TEST(test_token_response_success),
    TU_TEST(test_token_response_token_type),
    TU_TEST(test_token_response_missing_tokens),
    TU_TEST(test_token_response_expires_in),
    TU_TEST(test_token_response_not_object_or_garbage),
    TU_TEST(test_token_response_detail_has_no_tokens),
    TU_TEST(test_oauth_error_code),
    TU_TEST(test_oauth_error_code_empty),
};

TU_MAIN(tests, NULL, NULL)
