/*
 * test_cookie.c — cookie.c: Cookie header parsing (RFC 6265 and the separators
 * clients and proxies really send), value lookup, Set-Cookie formatting and the
 * cookie-name check.
 */
#include "testutil.h"

#include "util/cookie.h"

/* ---- helpers -------------------------------------------------------------------- */

/* Asserts that the parsed list is exactly the given name/value pairs, in order.
 * `pairs` is name, value, name, value, ..., NULL. */
static void expect_cookies(apr_pool_t *p, const char *header, ...)
{
    apr_array_header_t *list = cog_cookie_parse(p, header);
    assert_non_null(list);
    const cog_cookie_t *c = (const cog_cookie_t *)list->elts;
    va_list ap;
    va_start(ap, header);
    int i = 0;
    for (const char *name = va_arg(ap, const char *); name; name = va_arg(ap, const char *), i++) {
        const char *value = va_arg(ap, const char *);
        if (i >= list->nelts)
            fail_msg("header \"%s\": expected cookie #%d %s=%s, list has only %d", header ? header : "(null)",
                     i, name, value, list->nelts);
        if (strcmp(c[i].name, name) != 0 || strcmp(c[i].value, value) != 0)
            fail_msg("header \"%s\": cookie #%d is [%s]=[%s], expected [%s]=[%s]", header ? header : "(null)",
                     i, c[i].name, c[i].value, name, value);
    }
    va_end(ap);
    if (list->nelts != i)
        fail_msg("header \"%s\": %d cookies parsed, expected %d", header ? header : "(null)", list->nelts, i);
}

static char *repeat(apr_pool_t *p, char c, size_t n)
{
    char *s = apr_palloc(p, n + 1);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

/* ---- cog_cookie_parse ------------------------------------------------------------ */

static void test_parse_simple(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    expect_cookies(p, "a=b", "a", "b", NULL);
    expect_cookies(p, "session=abc-DEF_123", "session", "abc-DEF_123", NULL);
    /* '=' inside the value stays in the value (base64 padding, etc.). */
    expect_cookies(p, "a=b=c==", "a", "b=c==", NULL);
    /* An empty value is a cookie. */
    expect_cookies(p, "a=", "a", "", NULL);
}

static void test_parse_several(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    expect_cookies(p, "a=1; b=2; c=3", "a", "1", "b", "2", "c", "3", NULL);
    /* No space after ';' (some clients), trailing ';'. */
    expect_cookies(p, "a=1;b=2;", "a", "1", "b", "2", NULL);
    /* Empty segments are skipped. */
    expect_cookies(p, ";;a=1;;;b=2;;", "a", "1", "b", "2", NULL);
}

static void test_parse_spaces_and_tabs(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    expect_cookies(p, "  a=1  ;\tb=2\t;  \t c=3 \t", "a", "1", "b", "2", "c", "3", NULL);
    /* Whitespace between the name and '=' is not part of the name. */
    expect_cookies(p, "a \t=1; b\t=2", "a", "1", "b", "2", NULL);
    /* Whitespace inside a value is kept (values are returned raw). */
    expect_cookies(p, "a=x y", "a", "x y", NULL);
    /* Only whitespace: nothing. */
    expect_cookies(p, " \t ; \t", NULL);
}

static void test_parse_value_leading_whitespace(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    expect_cookies(p, "a= 1; b=\t\"2\"", "a", "1", "b", "2", NULL);
}

static void test_parse_dquote_values(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    expect_cookies(p, "a=\"quoted\"", "a", "quoted", NULL);
    expect_cookies(p, "a=\"\"; b=\"x\"", "a", "", "b", "x", NULL);
    expect_cookies(p, "a=\"quoted\"  ; b=2", "a", "quoted", "b", "2", NULL);
    /* Unbalanced quotes are left as they are. */
    expect_cookies(p, "a=\"x", "a", "\"x", NULL);
    expect_cookies(p, "a=x\"", "a", "x\"", NULL);
    expect_cookies(p, "a=\"", "a", "\"", NULL);
    /* Only one pair of quotes is removed. */
    expect_cookies(p, "a=\"\"x\"\"", "a", "\"x\"", NULL);
}

static void test_parse_comma_separators(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    /* Proxies that merge several Cookie headers join them with ", ". */
    expect_cookies(p, "a=1, b=2", "a", "1", "b", "2", NULL);
    expect_cookies(p, "a=1; b=2, c=3; d=4", "a", "1", "b", "2", "c", "3", "d", "4", NULL);
    expect_cookies(p, "a=1,b=2,,c=3", "a", "1", "b", "2", "c", "3", NULL);
}

static void test_parse_pairs_without_equals_skipped(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    expect_cookies(p, "novalue", NULL);
    expect_cookies(p, "a=1; flag; b=2", "a", "1", "b", "2", NULL);
    expect_cookies(p, "flag; other", NULL);
}

static void test_parse_empty_names_skipped(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    expect_cookies(p, "=x", NULL);
    expect_cookies(p, "=x; a=1; =; b=2", "a", "1", "b", "2", NULL);
    expect_cookies(p, " \t=x; a=1", "a", "1", NULL);
    expect_cookies(p, "=", NULL);
}

static void test_parse_invalid_names_skipped(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    /* Separators and controls are not token characters. */
    expect_cookies(p, "a b=1; c=2", "c", "2", NULL);
    expect_cookies(p, "a(b=1; c=2", "c", "2", NULL);
    expect_cookies(p, "a\"b=1; c=2", "c", "2", NULL);
    expect_cookies(p, "a/b=1; c=2", "c", "2", NULL);
    expect_cookies(p, "a@b=1; c=2", "c", "2", NULL);
    expect_cookies(p, "a:b=1; c=2", "c", "2", NULL);
    expect_cookies(p, "a[b]=1; c=2", "c", "2", NULL);
    expect_cookies(p, "a?b=1; c=2", "c", "2", NULL);
    expect_cookies(p, "a{b=1; c=2", "c", "2", NULL);
    expect_cookies(p, "a\x01" "b=1; c=2", "c", "2", NULL);
    expect_cookies(p, "a\x7f" "b=1; c=2", "c", "2", NULL);
    expect_cookies(p, "caf\xc3\xa9=1; c=2", "c", "2", NULL);
    /* A name over 128 characters is not a name. */
    expect_cookies(p, apr_pstrcat(p, repeat(p, 'n', 129), "=1; c=2", NULL), "c", "2", NULL);
    expect_cookies(p, apr_pstrcat(p, repeat(p, 'n', 128), "=1", NULL), repeat(p, 'n', 128), "1", NULL);
    /* The full tchar set is fine. */
    expect_cookies(p, "!#$%&'*+-.^_`|~Az09=v", "!#$%&'*+-.^_`|~Az09", "v", NULL);
}

static void test_parse_duplicates_kept_in_order(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    expect_cookies(p, "sid=first; other=x; sid=second, sid=third",
                   "sid", "first", "other", "x", "sid", "second", "sid", "third", NULL);
    /* Names are case-sensitive: these are two different cookies. */
    expect_cookies(p, "SID=a; sid=b", "SID", "a", "sid", "b", NULL);
}

static void test_parse_oversized_header_gives_empty_list(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    /* 20 KB of valid pairs. */
    char *big = apr_pstrdup(p, "");
    while (strlen(big) < 20 * 1024)
        big = apr_pstrcat(p, big, "abcdefgh=0123456789abcdef; ", NULL);
    apr_array_header_t *list = cog_cookie_parse(p, big);
    assert_non_null(list);
    assert_int_equal(list->nelts, 0);

    /* Exactly at the limit: parsed; one byte over: empty. */
    char *at = apr_pstrcat(p, "a=", repeat(p, 'v', COG_COOKIE_MAX_HEADER - 2), NULL);
    assert_int_equal(strlen(at), COG_COOKIE_MAX_HEADER);
    list = cog_cookie_parse(p, at);
    assert_int_equal(list->nelts, 1);
    assert_int_equal(strlen(((const cog_cookie_t *)list->elts)[0].value), COG_COOKIE_MAX_HEADER - 2);
    char *over = apr_pstrcat(p, at, "v", NULL);
    list = cog_cookie_parse(p, over);
    assert_non_null(list);
    assert_int_equal(list->nelts, 0);
}

static void test_parse_empty_and_null(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    apr_array_header_t *list = cog_cookie_parse(p, NULL);
    assert_non_null(list);
    assert_int_equal(list->nelts, 0);
    list = cog_cookie_parse(p, "");
    assert_non_null(list);
    assert_int_equal(list->nelts, 0);
    expect_cookies(p, ";", NULL);
    expect_cookies(p, ",", NULL);
}

static void test_parse_does_not_modify_input(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    char header[] = " a = \"1\" ; b=2";
    char copy[sizeof(header)];
    memcpy(copy, header, sizeof(header));
    (void)cog_cookie_parse(p, header);
    assert_memory_equal(header, copy, sizeof(header));
}

/* ---- cog_cookie_values ------------------------------------------------------------ */

static void test_values(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    apr_array_header_t *list = cog_cookie_parse(p, "sid=1; x=a; sid=2; SID=3; sidx=4; sid=\"5\"");
    apr_array_header_t *v = cog_cookie_values(p, list, "sid");
    assert_non_null(v);
    assert_int_equal(v->nelts, 3);
    assert_string_equal(APR_ARRAY_IDX(v, 0, const char *), "1");
    assert_string_equal(APR_ARRAY_IDX(v, 1, const char *), "2");
    assert_string_equal(APR_ARRAY_IDX(v, 2, const char *), "5");

    v = cog_cookie_values(p, list, "x");
    assert_int_equal(v->nelts, 1);
    assert_string_equal(APR_ARRAY_IDX(v, 0, const char *), "a");

    v = cog_cookie_values(p, list, "missing");
    assert_non_null(v);
    assert_int_equal(v->nelts, 0);

    v = cog_cookie_values(p, list, "si");           /* no prefix match */
    assert_int_equal(v->nelts, 0);

    v = cog_cookie_values(p, cog_cookie_parse(p, NULL), "sid");
    assert_non_null(v);
    assert_int_equal(v->nelts, 0);
}

/* ---- cog_cookie_format ------------------------------------------------------------- */

static int count_of(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *s = strstr(hay, needle); s; s = strstr(s + 1, needle))
        n++;
    return n;
}

static void test_format_defaults(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    cog_cookie_attrs_t a = { .path = NULL, .domain = NULL, .same_site = NULL, .secure = 0, .max_age = -1 };
    assert_string_equal(cog_cookie_format(p, "sid", "v", &a), "sid=v; Path=/; HttpOnly; SameSite=Lax");
}

static void test_format_exact_full(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    cog_cookie_attrs_t a = { .path = "/app", .domain = "example.com", .same_site = "Strict",
                             .secure = 1, .max_age = 300 };
    assert_string_equal(cog_cookie_format(p, "sid", "abc", &a),
                        "sid=abc; Path=/app; Domain=example.com; HttpOnly; SameSite=Strict; Secure; Max-Age=300");
    a.max_age = 0;
    a.same_site = "None";
    a.domain = NULL;
    assert_string_equal(cog_cookie_format(p, "sid", "", &a),
                        "sid=; Path=/app; HttpOnly; SameSite=None; Secure; Max-Age=0; "
                        "Expires=Thu, 01 Jan 1970 00:00:00 GMT");
}

/* Every combination of Secure × Domain × Max-Age (-1/0/300) × SameSite. */
static void test_format_all_combinations(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    static const char *const same_sites[] = { NULL, "Lax", "Strict", "None" };
    static const char *const domains[] = { NULL, "example.com", ".sub.example.org" };
    static const long max_ages[] = { -1, 0, 300 };
    static const char *const paths[] = { NULL, "/", "/protected" };
    int cases = 0;
    for (int secure = 0; secure <= 1; secure++)
        for (size_t d = 0; d < sizeof(domains) / sizeof(*domains); d++)
            for (size_t m = 0; m < sizeof(max_ages) / sizeof(*max_ages); m++)
                for (size_t s = 0; s < sizeof(same_sites) / sizeof(*same_sites); s++)
                    for (size_t pa = 0; pa < sizeof(paths) / sizeof(*paths); pa++) {
                        cog_cookie_attrs_t a = { .path = paths[pa], .domain = domains[d],
                                                 .same_site = same_sites[s], .secure = secure,
                                                 .max_age = max_ages[m] };
                        char *c = cog_cookie_format(p, "name", "value", &a);
                        assert_non_null(c);
                        /* The pair comes first. */
                        assert_true(strncmp(c, "name=value; ", 12) == 0);
                        /* Path, default "/". */
                        const char *want_path = apr_pstrcat(p, "; Path=", paths[pa] ? paths[pa] : "/", ";", NULL);
                        assert_true(tu_contains(c, want_path));
                        assert_int_equal(count_of(c, "Path="), 1);
                        /* Always HttpOnly, exactly once. */
                        assert_int_equal(count_of(c, "; HttpOnly"), 1);
                        /* SameSite, default Lax, exactly once. */
                        const char *want_ss = apr_pstrcat(p, "; SameSite=", same_sites[s] ? same_sites[s] : "Lax",
                                                          NULL);
                        assert_true(tu_contains(c, want_ss));
                        assert_int_equal(count_of(c, "SameSite="), 1);
                        /* Secure only when asked. */
                        assert_int_equal(count_of(c, "; Secure"), secure);
                        /* Domain only when given. */
                        if (domains[d]) {
                            assert_true(tu_contains(c, apr_pstrcat(p, "; Domain=", domains[d], NULL)));
                            assert_int_equal(count_of(c, "Domain="), 1);
                        } else {
                            assert_false(tu_contains(c, "Domain"));
                        }
                        /* Max-Age: -1 none, 0 with a 1970 Expires, 300 without Expires. */
                        if (max_ages[m] < 0) {
                            assert_false(tu_contains(c, "Max-Age"));
                            assert_false(tu_contains(c, "Expires"));
                        } else if (max_ages[m] == 0) {
                            assert_int_equal(count_of(c, "; Max-Age=0"), 1);
                            assert_true(tu_contains(c, "; Expires=Thu, 01 Jan 1970 00:00:00 GMT"));
                            assert_int_equal(count_of(c, "Expires="), 1);
                        } else {
                            assert_int_equal(count_of(c, "; Max-Age=300"), 1);
                            assert_false(tu_contains(c, "Expires"));
                        }
                        /* No line breaks, no doubled separators, no trailing separator. */
                        assert_null(strpbrk(c, "\r\n"));
                        assert_false(tu_contains(c, ";;"));
                        assert_false(tu_contains(c, "; ;"));
                        size_t len = strlen(c);
                        assert_true(c[len - 1] != ';' && c[len - 1] != ' ');
                        cases++;
                    }
    assert_int_equal(cases, 2 * 3 * 3 * 4 * 3);
}

static void test_format_large_max_age(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    cog_cookie_attrs_t a = { .same_site = "Lax", .secure = 1, .max_age = 31536000 };
    assert_true(tu_contains(cog_cookie_format(p, "n", "v", &a), "; Max-Age=31536000"));
}

/* The formatted cookie reads back as the same pair. */
static void test_format_parses_back(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    cog_cookie_attrs_t a = { .same_site = "Lax", .secure = 1, .max_age = 300, .domain = "example.com" };
    char *c = cog_cookie_format(p, "sid", "Zm9v-YmFy_", &a);
    apr_array_header_t *list = cog_cookie_parse(p, c);
    apr_array_header_t *v = cog_cookie_values(p, list, "sid");
    assert_int_equal(v->nelts, 1);
    assert_string_equal(APR_ARRAY_IDX(v, 0, const char *), "Zm9v-YmFy_");
}

/* ---- cog_cookie_name_valid --------------------------------------------------------- */

static void test_name_valid(void **state)
{
    (void)state;
    static const char *const good[] = {
        "a", "sid", "mod_auth_cognito", "cog_state_abc", "A-Z.0_9", "!#$%&'*+-.^_`|~", "X", "__Host-sid",
        NULL,
    };
    static const char *const bad[] = {
        "", "a b", "a\tb", "a=b", "a;b", "a,b", "a\"b", "(a)", "a<b>", "a@b", "a:b", "a\\b", "a/b", "a[b]",
        "a?b", "a{b}", "\x01", "a\x7f", "caf\xc3\xa9", " a", "a ", "\xff",
        NULL,
    };
    for (const char *const *s = good; *s; s++)
        if (!cog_cookie_name_valid(*s))
            fail_msg("\"%s\" refused", *s);
    for (const char *const *s = bad; *s; s++)
        if (cog_cookie_name_valid(*s))
            fail_msg("\"%s\" accepted", *s);
    assert_int_equal(cog_cookie_name_valid(NULL), 0);

    /* Every single byte: valid exactly for the RFC 7230 tchar set. */
    for (int c = 1; c < 256; c++) {
        char s[2] = { (char)c, '\0' };
        int want = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                || (c < 128 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
        if (cog_cookie_name_valid(s) != want)
            fail_msg("byte 0x%02x: got %d, want %d", c, !want, want);
    }

    /* Length limit: 128 is fine, 129 is not. */
    char name[130];
    memset(name, 'n', sizeof(name));
    name[128] = '\0';
    assert_int_equal(cog_cookie_name_valid(name), 1);
    name[128] = 'n';
    name[129] = '\0';
    assert_int_equal(cog_cookie_name_valid(name), 0);
}

static const struct CMUnitTest tests[] = {
    TU_TEST(test_parse_simple),
    TU_TEST(test_parse_value_leading_whitespace),
    TU_TEST(test_parse_several),
    TU_TEST(test_parse_spaces_and_tabs),
    TU_TEST(test_parse_dquote_values),
    TU_TEST(test_parse_comma_separators),
    TU_TEST(test_parse_pairs_without_equals_skipped),
    TU_TEST(test_parse_empty_names_skipped),
    TU_TEST(test_parse_invalid_names_skipped),
    TU_TEST(test_parse_duplicates_kept_in_order),
    TU_TEST(test_parse_oversized_header_gives_empty_list),
    TU_TEST(test_parse_empty_and_null),
    TU_TEST(test_parse_does_not_modify_input),
    TU_TEST(test_values),
    TU_TEST(test_format_defaults),
    TU_TEST(test_format_exact_full),
    TU_TEST(test_format_all_combinations),
    TU_TEST(test_format_large_max_age),
    TU_TEST(test_format_parses_back),
    TU_TEST(test_name_valid),
};

TU_MAIN(tests, NULL, NULL)
