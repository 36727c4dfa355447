/*
 * test_form.c — form.c: strict application/x-www-form-urlencoded parsing of a
 * form post kept across a login.  A body is either reproduced exactly (names,
 * values, order) or refused whole; never altered.
 */
#include "testutil.h"

#include <stdio.h>

#include "util/form.h"

static apr_array_header_t *parse(apr_pool_t *p, const char *in, const char **why)
{
    size_t len = strlen(in);
    char *buf = tu_exact_copy(in, len);           /* no NUL after it: ASan catches overreads */
    apr_array_header_t *out = cog_form_parse(p, buf, len, why);
    free(buf);
    return out;
}

static void expect_fields(apr_pool_t *p, const char *in, int n, const char *const *pairs)
{
    const char *why = NULL;
    apr_array_header_t *fields = parse(p, in, &why);
    if (fields == NULL)
        fail_msg("\"%s\" refused: %s", in, why);
    assert_int_equal(fields->nelts, n);
    const cog_form_field_t *f = (const cog_form_field_t *)fields->elts;
    for (int i = 0; i < n; i++) {
        assert_string_equal(f[i].name, pairs[2 * i]);
        assert_string_equal(f[i].value, pairs[2 * i + 1]);
    }
}

static void expect_refused(apr_pool_t *p, const char *in)
{
    const char *why = NULL;
    if (parse(p, in, &why) != NULL)
        fail_msg("\"%s\" accepted", in);
    assert_non_null(why);
}

static void test_fields_in_order(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    expect_fields(p, "", 0, NULL);
    expect_fields(p, "a=1&b=2&a=3", 3, (const char *const[]){ "a", "1", "b", "2", "a", "3" });
    expect_fields(p, "flag&x=", 2, (const char *const[]){ "flag", "", "x", "" });
    expect_fields(p, "&&a=1&&", 1, (const char *const[]){ "a", "1" });
    expect_fields(p, "=v", 1, (const char *const[]){ "", "v" });
    expect_fields(p, "k=a=b", 1, (const char *const[]){ "k", "a=b" });
}

static void test_decoding_keeps_what_the_browser_sent(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    expect_fields(p, "sym=%26%3D%25%2B&sp=a+b", 2, (const char *const[]){ "sym", "&=%+", "sp", "a b" });
    expect_fields(p, "name=J%C3%BCrgen+%E2%9C%93", 1, (const char *const[]){ "name", "J\xc3\xbcrgen \xe2\x9c\x93" });
    expect_fields(p, "note=line1%0D%0Aline2%09tab", 1, (const char *const[]){ "note", "line1\r\nline2\ttab" });
    expect_fields(p, "%61%62=%7e", 1, (const char *const[]){ "ab", "~" });
}

static void test_refused_whole(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    expect_refused(p, "a=%");
    expect_refused(p, "a=%4");
    expect_refused(p, "a=%zz");
    expect_refused(p, "ok=1&a=%G0");
    expect_refused(p, "a=%00");
    expect_refused(p, "%00=1");
    expect_refused(p, "a=%C3");                 /* truncated UTF-8 */
    expect_refused(p, "a=%C0%AF");              /* overlong */
    expect_refused(p, "a=%ED%A0%80");           /* surrogate */
    expect_refused(p, "a=%FF");
    expect_refused(p, "a=\xff");                /* raw byte, not UTF-8 */
}

static void test_field_limit(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    size_t n = COG_FORM_MAX_FIELDS + 1;
    char *body = apr_palloc(p, n * 4 + 1), *o = body;
    for (size_t i = 0; i < n; i++)
        o += sprintf(o, "%sa=", i ? "&" : "");
    const char *why = NULL;
    assert_null(cog_form_parse(p, body, strlen(body), &why));
    /* exactly the limit is fine */
    body[strlen(body) - 3] = '\0';
    apr_array_header_t *ok = cog_form_parse(p, body, strlen(body), &why);
    assert_non_null(ok);
    assert_int_equal(ok->nelts, COG_FORM_MAX_FIELDS);
}

static const struct CMUnitTest tests[] = {
    TU_TEST(test_fields_in_order),
    TU_TEST(test_decoding_keeps_what_the_browser_sent),
    TU_TEST(test_refused_whole),
    TU_TEST(test_field_limit),
};

TU_MAIN(tests, NULL, NULL)
