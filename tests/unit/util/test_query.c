/*
 * test_query.c — query.c: form decoding, query encoding, strict callback query
 * parsing and the post-login return-path check (open redirects).
 */
#include "testutil.h"

#include "util/query.h"
#include "util/return_path.h"

/* ---- cog_url_decode ---------------------------------------------------------------- */

static void expect_decoded(apr_pool_t *p, const char *in, const char *want)
{
    size_t len = strlen(in);
    char *buf = tu_exact_copy(in, len);          /* no NUL after it: ASan catches overreads */
    char *out = cog_url_decode(p, buf, len);
    free(buf);
    if (out == NULL)
        fail_msg("decode of \"%s\" refused", in);
    if (strcmp(out, want) != 0)
        fail_msg("decode of \"%s\" gave \"%s\", expected \"%s\"", in, out, want);
}

static void expect_decode_refused(apr_pool_t *p, const char *in)
{
    size_t len = strlen(in);
    char *buf = tu_exact_copy(in, len);
    char *out = cog_url_decode(p, buf, len);
    free(buf);
    if (out != NULL)
        fail_msg("decode of \"%s\" accepted as \"%s\"", in, out);
}

static void test_decode_plain_and_plus(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    expect_decoded(p, "", "");
    expect_decoded(p, "abc", "abc");
    expect_decoded(p, "a+b", "a b");
    expect_decoded(p, "+", " ");
    expect_decoded(p, "++a++", "  a  ");
    expect_decoded(p, "%2B", "+");               /* an encoded '+' stays '+' */
    expect_decoded(p, "a%2Bb+c", "a+b c");
}

static void test_decode_hex_case(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    expect_decoded(p, "%41", "A");
    expect_decoded(p, "%4a%4A", "JJ");
    expect_decoded(p, "%2f%2F", "//");
    expect_decoded(p, "%e2%82%AC", "\xe2\x82\xac");
    expect_decoded(p, "%ff%FF%Ff", "\xff\xff\xff");
    expect_decoded(p, "%20", " ");
    expect_decoded(p, "%7E%7e", "~~");
    expect_decoded(p, "a%25b", "a%b");            /* one level only */
    expect_decoded(p, "%2525", "%25");
    expect_decoded(p, "x%41", "xA");              /* escape at the very end */
}

static void test_decode_respects_length(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    const char *in = "ab%41cd";
    char *out = cog_url_decode(p, in, 5);
    assert_non_null(out);
    assert_string_equal(out, "abA");
    out = cog_url_decode(p, in, 4);              /* "ab%4" */
    assert_null(out);
    out = cog_url_decode(p, in, 0);
    assert_non_null(out);
    assert_string_equal(out, "");
}

static void test_decode_bad_escapes(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    expect_decode_refused(p, "%");
    expect_decode_refused(p, "%4");
    expect_decode_refused(p, "%zz");
    expect_decode_refused(p, "%z1");
    expect_decode_refused(p, "%1z");
    expect_decode_refused(p, "abc%");
    expect_decode_refused(p, "abc%4");
    expect_decode_refused(p, "%%41");
    expect_decode_refused(p, "%G0");
    expect_decode_refused(p, "% 4");
    expect_decode_refused(p, "%+4");
    expect_decode_refused(p, "%-1");
    expect_decode_refused(p, "%0x");
}

static void test_decode_controls_refused(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    expect_decode_refused(p, "%00");
    expect_decode_refused(p, "a%00b");
    expect_decode_refused(p, "%0a");
    expect_decode_refused(p, "%0D%0A");
    expect_decode_refused(p, "%09");
    expect_decode_refused(p, "%1f");
    expect_decode_refused(p, "%7f");
    expect_decode_refused(p, "%7F");
    /* Raw controls too. */
    expect_decode_refused(p, "a\tb");
    expect_decode_refused(p, "a\rb");
    expect_decode_refused(p, "a\nb");
    expect_decode_refused(p, "\x7f");
    expect_decode_refused(p, "\x01");
    /* A raw NUL inside the given length. */
    assert_null(cog_url_decode(p, "a\0b", 3));
    /* Every escaped control is refused, every other escaped byte decodes. */
    for (int c = 0; c < 256; c++) {
        char in[4];
        snprintf(in, sizeof(in), "%%%02X", c);
        char *out = cog_url_decode(p, in, 3);
        if (c < 0x20 || c == 0x7f) {
            if (out != NULL)
                fail_msg("%s accepted", in);
        } else {
            if (out == NULL)
                fail_msg("%s refused", in);
            assert_int_equal((unsigned char)out[0], c);
            assert_int_equal(out[1], '\0');
        }
    }
}

/* ---- cog_url_encode ---------------------------------------------------------------- */

static void test_encode_known(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    assert_string_equal(cog_url_encode(p, ""), "");
    assert_string_equal(cog_url_encode(p, "AZaz09-._~"), "AZaz09-._~");
    assert_string_equal(cog_url_encode(p, "a b"), "a%20b");
    assert_string_equal(cog_url_encode(p, "a+b"), "a%2Bb");
    assert_string_equal(cog_url_encode(p, "https://x.example/cb?a=1&b=2"),
                        "https%3A%2F%2Fx.example%2Fcb%3Fa%3D1%26b%3D2");
    assert_string_equal(cog_url_encode(p, "%"), "%25");
    assert_string_equal(cog_url_encode(p, "\xc3\xa9\xff"), "%C3%A9%FF");
    assert_string_equal(cog_url_encode(p, "!*'();:@&=$,/?#[]"),
                        "%21%2A%27%28%29%3B%3A%40%26%3D%24%2C%2F%3F%23%5B%5D");
}

static void test_encode_decode_round_trip_random(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    srand(20240611);
    for (int round = 0; round < 500; round++) {
        size_t len = (size_t)(rand() % 200);
        char *in = apr_palloc(p, len + 1);
        for (size_t i = 0; i < len; i++)
            in[i] = (char)(0x20 + rand() % (0x100 - 0x20));   /* 0x20..0xff */
        in[len] = '\0';
        char *enc = cog_url_encode(p, in);
        assert_non_null(enc);
        /* Only unreserved characters and %XX. */
        for (const char *e = enc; *e; e++)
            assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~%", *e));
        char *dec = cog_url_decode(p, enc, strlen(enc));
        if (memchr(in, 0x7f, len) != NULL) {
            /* DEL is a control: the decoder refuses it by design. */
            assert_null(dec);
            continue;
        }
        if (dec == NULL)
            fail_msg("round %d: decode of \"%s\" refused", round, enc);
        assert_int_equal(strlen(dec), len);
        assert_memory_equal(dec, in, len);
    }
    /* Every byte 0x20..0xff except DEL, in one string. */
    char all[0x100 - 0x20];
    size_t n = 0;
    for (int c = 0x20; c <= 0xff; c++)
        if (c != 0x7f)
            all[n++] = (char)c;
    all[n] = '\0';
    char *enc = cog_url_encode(p, all);
    char *dec = cog_url_decode(p, enc, strlen(enc));
    assert_non_null(dec);
    assert_string_equal(dec, all);
}

/* ---- cog_query_parse ------------------------------------------------------------- */

static const char *const unique_names[] = { "state", "code", "error", NULL };

static apr_table_t *parse_ok(apr_pool_t *p, const char *q)
{
    const char *why = NULL;
    apr_table_t *t = cog_query_parse(p, q, unique_names, &why);
    if (t == NULL)
        fail_msg("query \"%s\" refused: %s", q ? q : "(null)", why ? why : "(no reason)");
    return t;
}

static void parse_refused(apr_pool_t *p, const char *q, const char *why_part)
{
    const char *why = NULL;
    apr_table_t *t = cog_query_parse(p, q, unique_names, &why);
    if (t != NULL)
        fail_msg("query \"%.80s\" accepted", q);
    assert_non_null(why);
    if (why_part && !tu_contains(why, why_part))
        fail_msg("query \"%.80s\": reason \"%s\" lacks \"%s\"", q, why, why_part);
}

static int count_values(apr_table_t *t, const char *name)
{
    const apr_array_header_t *arr = apr_table_elts(t);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    int n = 0;
    for (int i = 0; i < arr->nelts; i++)
        if (strcmp(e[i].key, name) == 0)
            n++;
    return n;
}

static void test_query_simple(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    apr_table_t *t = parse_ok(p, "code=abc&state=xyz");
    assert_int_equal(apr_table_elts(t)->nelts, 2);
    assert_string_equal(apr_table_get(t, "code"), "abc");
    assert_string_equal(apr_table_get(t, "state"), "xyz");

    t = parse_ok(p, "error=access_denied&error_description=User+is+disabled%2E");
    assert_string_equal(apr_table_get(t, "error"), "access_denied");
    assert_string_equal(apr_table_get(t, "error_description"), "User is disabled.");

    /* Names are decoded too. */
    t = parse_ok(p, "a%20b=1&c+d=2");
    assert_string_equal(apr_table_get(t, "a b"), "1");
    assert_string_equal(apr_table_get(t, "c d"), "2");

    /* '=' in a value. */
    t = parse_ok(p, "x=a=b");
    assert_string_equal(apr_table_get(t, "x"), "a=b");
}

static void test_query_null_and_empty(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    apr_table_t *t = parse_ok(p, NULL);
    assert_int_equal(apr_table_elts(t)->nelts, 0);
    t = parse_ok(p, "");
    assert_int_equal(apr_table_elts(t)->nelts, 0);
    t = parse_ok(p, "&");
    assert_int_equal(apr_table_elts(t)->nelts, 0);
    t = parse_ok(p, "&&&&");
    assert_int_equal(apr_table_elts(t)->nelts, 0);
    /* unique may be NULL. */
    const char *why = NULL;
    t = cog_query_parse(p, "a=1&a=2", NULL, &why);
    assert_non_null(t);
    assert_int_equal(count_values(t, "a"), 2);
}

static void test_query_unique_duplicates_refused(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    parse_refused(p, "state=a&state=b", "state");
    parse_refused(p, "code=1&state=s&code=2", "code");
    parse_refused(p, "error=x&error=x", "error");
    parse_refused(p, "state=&state=", "state");
    parse_refused(p, "state&state", "state");
    /* A duplicate hidden by encoding is still a duplicate. */
    parse_refused(p, "state=a&%73tate=b", "state");
    parse_refused(p, "st%61te=a&state=b", "state");
}

static void test_query_unique_duplicates_case(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    parse_refused(p, "State=b&state=a", "state");
    parse_refused(p, "state=a&State=b", "state");
    parse_refused(p, "code=1&CODE=2", "code");
}

static void test_query_other_duplicates_allowed(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    apr_table_t *t = parse_ok(p, "x=1&x=2&state=s&x=3");
    assert_int_equal(count_values(t, "x"), 3);
    assert_string_equal(apr_table_get(t, "x"), "1");   /* first one */
    assert_string_equal(apr_table_get(t, "state"), "s");
    /* A unique name once, among other duplicates, is fine. */
    t = parse_ok(p, "a=1&a=1&code=c&a=1");
    assert_string_equal(apr_table_get(t, "code"), "c");
    /* A name that merely starts like a unique one is another name. */
    t = parse_ok(p, "state=a&states=b&stat=c");
    assert_string_equal(apr_table_get(t, "state"), "a");
}

static void test_query_param_count(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    char *q = apr_pstrdup(p, "p0=0");
    for (int i = 1; i < COG_QUERY_MAX_PARAMS; i++)
        q = apr_psprintf(p, "%s&p%d=%d", q, i, i);
    apr_table_t *t = parse_ok(p, q);                     /* exactly 32 */
    assert_int_equal(apr_table_elts(t)->nelts, COG_QUERY_MAX_PARAMS);
    parse_refused(p, apr_pstrcat(p, q, "&one=more", NULL), "too many");
    /* Empty segments do not count. */
    t = parse_ok(p, apr_pstrcat(p, q, "&&&&", NULL));
    assert_int_equal(apr_table_elts(t)->nelts, COG_QUERY_MAX_PARAMS);
    /* 33 bare names count as 33 parameters. */
    char *bare = apr_pstrdup(p, "a");
    for (int i = 1; i <= COG_QUERY_MAX_PARAMS; i++)
        bare = apr_pstrcat(p, bare, "&a", NULL);
    parse_refused(p, bare, "too many");
}

static void test_query_length(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    char *val = apr_palloc(p, COG_QUERY_MAX_LEN + 2);
    memset(val, 'v', COG_QUERY_MAX_LEN + 1);
    val[COG_QUERY_MAX_LEN + 1] = '\0';
    /* "x=" + (8192 - 2) bytes = 8192 exactly: accepted. */
    val[COG_QUERY_MAX_LEN - 2] = '\0';
    char *q = apr_pstrcat(p, "x=", val, NULL);
    assert_int_equal(strlen(q), COG_QUERY_MAX_LEN);
    apr_table_t *t = parse_ok(p, q);
    assert_int_equal(strlen(apr_table_get(t, "x")), COG_QUERY_MAX_LEN - 2);
    /* One more byte: refused. */
    parse_refused(p, apr_pstrcat(p, q, "v", NULL), "too long");
    /* Way over. */
    memset(val, 'v', COG_QUERY_MAX_LEN + 1);
    parse_refused(p, apr_pstrcat(p, "code=", val, NULL), "too long");
}

static void test_query_empty_values_and_bare_names(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    apr_table_t *t = parse_ok(p, "a=&b&c=3");
    assert_int_equal(apr_table_elts(t)->nelts, 3);
    assert_string_equal(apr_table_get(t, "a"), "");
    assert_string_equal(apr_table_get(t, "b"), "");
    assert_string_equal(apr_table_get(t, "c"), "3");
    t = parse_ok(p, "flag");
    assert_string_equal(apr_table_get(t, "flag"), "");
}

static void test_query_empty_segments(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    apr_table_t *t = parse_ok(p, "a=1&&b=2");
    assert_int_equal(apr_table_elts(t)->nelts, 2);
    assert_string_equal(apr_table_get(t, "a"), "1");
    assert_string_equal(apr_table_get(t, "b"), "2");
    t = parse_ok(p, "&a=1&");
    assert_int_equal(apr_table_elts(t)->nelts, 1);
    assert_string_equal(apr_table_get(t, "a"), "1");
}

static void test_query_bad_escapes_refused(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    parse_refused(p, "code=%", "escape");
    parse_refused(p, "code=%4", "escape");
    parse_refused(p, "code=%zz", "escape");
    parse_refused(p, "code=abc&state=%00", "escape");
    parse_refused(p, "code=a%0d%0aSet-Cookie:x", "escape");
    parse_refused(p, "%=1", "escape");
    parse_refused(p, "a%0a=1", "escape");
}

/* ---- cog_safe_return_path ---------------------------------------------------------- */

static void expect_path_kept(apr_pool_t *p, const char *uri)
{
    const char *out = cog_safe_return_path(p, uri);
    assert_non_null(out);
    if (strcmp(out, uri) != 0)
        fail_msg("\"%s\" became \"%s\", expected it kept", uri, out);
}

static void expect_path_root(apr_pool_t *p, const char *uri)
{
    const char *out = cog_safe_return_path(p, uri);
    assert_non_null(out);
    if (strcmp(out, "/") != 0)
        fail_msg("\"%s\" kept as \"%s\", expected \"/\"", uri ? uri : "(null)", out);
}

static void test_return_path_accepted(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    expect_path_kept(p, "/");
    expect_path_kept(p, "/a");
    expect_path_kept(p, "/a?x=1");
    expect_path_kept(p, "/a?x=1&y=2#frag");
    expect_path_kept(p, "/a%20b");
    expect_path_kept(p, "/caf%C3%A9");
    expect_path_kept(p, "/a/b/c/");
    expect_path_kept(p, "/a+b");
    expect_path_kept(p, "/a/./b/../c");
    expect_path_kept(p, "/a?next=https://example.org/");   /* a URL in the query is still local */
    expect_path_kept(p, "/a?x=%2F%2F");
    expect_path_kept(p, "/~user/");
}

static void test_return_path_refused(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    expect_path_root(p, "//evil.example");
    expect_path_root(p, "/\\evil.example");
    expect_path_root(p, "\\\\evil");
    expect_path_root(p, "https://evil.example/");
    expect_path_root(p, "/%2F%2Fevil.example");
    expect_path_root(p, "/%2f%2fevil.example");
    expect_path_root(p, "/%252F%252Fevil");
    expect_path_root(p, "/%5Cevil");
    expect_path_root(p, "/%09/evil.example");
    expect_path_root(p, "/%0d%0aSet-Cookie:x");
    expect_path_root(p, "evil");
    expect_path_root(p, "");
    expect_path_root(p, NULL);
    expect_path_root(p, "/a b");                         /* raw space */
    expect_path_root(p, "/caf\xc3\xa9");                 /* raw non-ASCII */
    expect_path_root(p, "/\xff");
    expect_path_root(p, "/a\\b");
    expect_path_root(p, "/a\tb");
    expect_path_root(p, "/a\x7f");
    expect_path_kept(p, "/a%");                          /* stray percent: a legal, local path */
    expect_path_kept(p, "/50%25off");                    /* decodes to /50%off: still local */
    expect_path_kept(p, "/a%zz");                        /* not an escape: kept literally, still local */
    expect_path_root(p, "/a%00");

    /* Long paths. */
    char *longp = apr_palloc(p, 5001);
    longp[0] = '/';
    memset(longp + 1, 'a', 4999);
    longp[5000] = '\0';
    expect_path_root(p, longp);
    longp[4096] = '\0';                                  /* 4096 bytes: still fine */
    expect_path_kept(p, longp);
    longp[4096] = 'a';
    longp[4097] = '\0';                                  /* 4097 bytes: too long */
    expect_path_root(p, longp);
}

/* The security property: whatever the input, the answer stays on this origin. */
static void assert_local(apr_pool_t *p, const char *uri)
{
    const char *out = cog_safe_return_path(p, uri);
    if (out == NULL)
        fail_msg("\"%s\": NULL", uri);
    if (out[0] != '/' || out[1] == '/' || out[1] == '\\')
        fail_msg("\"%s\" -> \"%s\" leaves the origin", uri, out);
    for (const unsigned char *c = (const unsigned char *)out; *c; c++)
        if (*c == '\\' || *c < 0x20 || *c == 0x7f)
            fail_msg("\"%s\" -> \"%s\": byte 0x%02x", uri, out, *c);
    if (strcmp(out, "/") != 0 && strcmp(out, uri) != 0)
        fail_msg("\"%s\" -> \"%s\": neither the input nor \"/\"", uri, out);
}

/* Classic open-redirect payloads (as in the usual lists, adapted to a path-only
 * parameter).  Each must map to itself (when local) or "/". */
static const char *const open_redirects[] = {
    "//evil.example",
    "///evil.example",
    "////evil.example",
    "/\\/evil.example",
    "/\\\\evil.example",
    "\\/evil.example",
    "\\\\evil.example",
    "\\/\\/evil.example",
    "/\\evil.example",
    "https://evil.example",
    "http://evil.example",
    "HTTPS://evil.example",
    "//evil.example/%2F..",
    "//evil.example@good.example",
    "/@evil.example",
    "@evil.example",
    "/.evil.example",
    "/..//evil.example",
    "/../evil.example",
    "/%2e%2e/evil.example",
    "/%2e%2e%2f%2fevil.example",
    "/%2F%2Fevil.example",
    "/%2f%2fevil.example",
    "/%2F/evil.example",
    "/%2fevil.example",
    "%2F%2Fevil.example",
    "/%5Cevil.example",
    "/%5cevil.example",
    "/%5C%5Cevil.example",
    "%5C%5Cevil.example",
    "/%252F%252Fevil.example",
    "/%25252F%25252Fevil.example",
    "/%2525252F%2525252Fevil.example",
    "/%255Cevil.example",
    "/%09/evil.example",
    "/\t/evil.example",
    "\t//evil.example",
    "/%0a/evil.example",
    "/\n/evil.example",
    "/%0d/evil.example",
    "/\r/evil.example",
    "/%0d%0aLocation:%20https://evil.example",
    "/%00//evil.example",
    "/\x01/evil.example",
    " //evil.example",
    "/ /evil.example",
    "/%20/evil.example",
    "/%E2%88%95evil.example",                /* U+2215 DIVISION SLASH: not a slash */
    "/%E2%88%95%E2%88%95evil.example",
    "/%EF%BC%8F%EF%BC%8Fevil.example",        /* U+FF0F FULLWIDTH SOLIDUS */
    "/%E2%81%84%E2%81%84evil.example",        /* U+2044 FRACTION SLASH */
    "/%C0%AF%C0%AFevil.example",              /* overlong '/' */
    "/%C0%AFevil.example",
    "/\xe2\x88\x95" "evil.example",           /* raw U+2215 */
    "/\xef\xbc\x8f\xef\xbc\x8f" "evil.example",
    "/\xc0\xaf\xc0\xaf" "evil.example",
    "javascript:alert(1)",
    "/javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "/?url=//evil.example",
    "/#//evil.example",
    "/%23//evil.example",
    "/;//evil.example",
    "/.//evil.example",
    "/./\\evil.example",
    "/%2E/%2F/evil.example",
    "evil.example",
    "evil.example/",
    "./evil",
    "../evil",
    "?//evil.example",
    "#//evil.example",
    "/%",
    "/%%2F%2Fevil",
    "/%2",
    "/%2G",
    "/%u002F%u002Fevil.example",
    "/%25%32%46%25%32%46evil.example",        /* "%2F%2F" with its characters encoded */
    "/%7F/evil.example",
    "/\x7f/evil.example",
    "/a/../../..//evil.example",
    "/\\\\/evil.example",
    "//\\evil.example",
    "/+/evil.example",
    "/%2B/evil.example",
    "",
};

static void test_open_redirect_table(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    size_t n = sizeof(open_redirects) / sizeof(*open_redirects);
    assert_true(n >= 60);
    for (size_t i = 0; i < n; i++)
        assert_local(p, open_redirects[i]);
}

/* Those that really point elsewhere (after any number of the decodings a browser
 * or backend might do) must give "/". */
static void test_open_redirect_known_bad_give_root(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    static const char *const bad[] = {
        "//evil.example", "///evil.example", "/\\/evil.example", "\\/evil.example", "\\\\evil.example",
        "/\\evil.example", "https://evil.example", "//evil.example@good.example", "/%2F%2Fevil.example",
        "/%2f%2fevil.example", "/%2F/evil.example", "/%5Cevil.example", "/%5C%5Cevil.example",
        "/%252F%252Fevil.example", "/%25252F%25252Fevil.example", "/%255Cevil.example",
        "/%09/evil.example", "/\t/evil.example", "/%0a/evil.example", "/%0d%0aLocation:%20https://evil.example",
        "/%00//evil.example", " //evil.example", "/%25%32%46%25%32%46evil.example", "javascript:alert(1)",
        "evil.example", "/%7F/evil.example", "//\\evil.example",
        NULL,
    };
    for (const char *const *s = bad; *s; s++)
        expect_path_root(p, *s);
}

/* Not slashes: look-alikes may stay (the browser keeps them as path characters). */
static void test_unicode_slash_lookalikes_stay_local(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    expect_path_kept(p, "/%E2%88%95evil.example");
    expect_path_kept(p, "/%EF%BC%8F%EF%BC%8Fevil.example");
    /* Raw, they are non-ASCII and refused. */
    expect_path_root(p, "/\xe2\x88\x95" "evil.example");
}

/* Random paths made of dangerous characters: the property always holds. */
static void test_return_path_property_random(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    static const char *const atoms[] = {
        "/", "\\", "%2F", "%2f", "%5C", "%5c", "%25", "%252F", "%09", "%0a", "%00", "%", "2F", "5C",
        "evil", ".", "..", "@", ":", "?", "#", " ", "\t", "%E2%88%95", "\xc3\xa9", "a", "%20", "+",
    };
    size_t n_atoms = sizeof(atoms) / sizeof(*atoms);
    srand(7636);
    for (int round = 0; round < 20000; round++) {
        apr_pool_t *sub;
        assert_int_equal(apr_pool_create(&sub, p), APR_SUCCESS);
        char *s = apr_pstrdup(sub, rand() % 4 ? "/" : "");
        int parts = 1 + rand() % 8;
        for (int i = 0; i < parts; i++)
            s = apr_pstrcat(sub, s, atoms[(size_t)rand() % n_atoms], NULL);
        assert_local(sub, s);
        apr_pool_destroy(sub);
    }
}

static const struct CMUnitTest tests[] = {
    TU_TEST(test_decode_plain_and_plus),
    TU_TEST(test_decode_hex_case),
    TU_TEST(test_decode_respects_length),
    TU_TEST(test_decode_bad_escapes),
    TU_TEST(test_decode_controls_refused),
    TU_TEST(test_encode_known),
    TU_TEST(test_encode_decode_round_trip_random),
    TU_TEST(test_query_simple),
    TU_TEST(test_query_null_and_empty),
    TU_TEST(test_query_unique_duplicates_refused),
    TU_TEST(test_query_unique_duplicates_case),
    TU_TEST(test_query_other_duplicates_allowed),
    TU_TEST(test_query_param_count),
    TU_TEST(test_query_length),
    TU_TEST(test_query_empty_values_and_bare_names),
    TU_TEST(test_query_empty_segments),
    TU_TEST(test_query_bad_escapes_refused),
    TU_TEST(test_return_path_accepted),
    TU_TEST(test_return_path_refused),
    TU_TEST(test_open_redirect_table),
    TU_TEST(test_open_redirect_known_bad_give_root),
    TU_TEST(test_unicode_slash_lookalikes_stay_local),
    TU_TEST(test_return_path_property_random),
};

TU_MAIN(tests, NULL, NULL)
