/*
 * test_json.c — json.c: strict RFC 8259 parsing on top of cJSON.
 *
 * Every document is handed over in an exactly sized heap buffer without a
 * terminating NUL, so a parser reading past the given length trips ASan.
 */
#include "testutil.h"
#include "util/json.h"

#include <math.h>

static cJSON *parse_len(const char *text, size_t len, const char **why)
{
    char *buf = tu_exact_copy(text, len);
    cJSON *root = cog_json_parse(buf, len, why);
    free(buf);
    return root;
}

static void expect_ok_len(const char *text, size_t len)
{
    const char *why = "untouched";
    cJSON *root = parse_len(text, len, &why);
    if (root == NULL)
        fail_msg("refused (%s): %.*s", why ? why : "no reason", (int)len, text);
    cJSON_Delete(root);
}

static void expect_ok(const char *text)
{
    expect_ok_len(text, strlen(text));
}

static void expect_refused_len(const char *text, size_t len)
{
    const char *why = NULL;
    cJSON *root = parse_len(text, len, &why);
    if (root != NULL) {
        cJSON_Delete(root);
        fail_msg("accepted: %.*s", (int)len, text);
    }
    if (why == NULL || *why == '\0')
        fail_msg("refused without a reason: %.*s", (int)len, text);
}

static void expect_refused(const char *text)
{
    expect_refused_len(text, strlen(text));
}

/* ---- accepted documents ------------------------------------------------------------- */

static void test_accepts_valid_documents(void **state)
{
    (void)state;
    static const char *const ok[] = {
        "{}", "[]", "0", "-0", "1", "-1", "123456789", "1.5", "-0.5", "0.0", "1e5", "1E5",
        "1e+5", "1e-5", "-0.5e10", "1.25E-3", "0e0", "\"\"", "\"x\"", "true", "false", "null",
        "{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"e\"}}",
        "[1,\"a\",{\"b\":[]},[[]],-2.5e-3]",
        "{\"sub\":\"aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee\",\"cognito:groups\":[\"admin\"],"
        "\"exp\":1700003600,\"iat\":1700000000,\"token_use\":\"access\"}",
        "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"",                    /* every short escape */
        "\"\\u0041\\u00e9\\u20AC\\ud83d\\ude00\"",          /* \u escapes incl. a pair */
        "\"Zo\xc3\xab\"",                                    /* raw 2-byte UTF-8 */
        "\"\xe2\x82\xac\"",                                  /* raw 3-byte UTF-8 */
        "\"\xf0\x9f\x98\x80\"",                              /* raw 4-byte UTF-8 */
        "\"\xed\x9f\xbf\"",                                  /* U+D7FF, just below surrogates */
        "\"\xee\x80\x80\"",                                  /* U+E000, just above */
        "\"\xef\xbf\xbf\"",                                  /* U+FFFF */
        "\"\xf4\x8f\xbf\xbf\"",                              /* U+10FFFF */
        "\"\x7f\"",                                          /* DEL is not a control for JSON */
        "{\"a\":\"\\u0000\"}",
        "{\"A\":1,\"a\":2}",                                 /* names are case-sensitive */
        "{\"a\":{\"x\":1},\"b\":{\"x\":1}}",                 /* same name in sibling objects */
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        expect_ok(ok[i]);
}

static void test_accepts_whitespace_around_values(void **state)
{
    (void)state;
    expect_ok(" {}");
    expect_ok("{} ");
    expect_ok(" \t\r\n{ \"a\" : [ 1 , 2 ] }\r\n\t ");
    expect_ok("\n1\n");
    expect_ok("\t\"x\"\t");
    expect_ok(" true ");
}

static void test_values_are_parsed(void **state)
{
    (void)state;
    const char *doc = "{\"s\":\"x\\u00e9\",\"n\":42,\"t\":true,\"o\":{\"k\":\"v\"},\"a\":[1]}";
    const char *why;
    cJSON *root = parse_len(doc, strlen(doc), &why);
    assert_non_null(root);
    assert_string_equal(cog_json_string(root, "s"), "x\xc3\xa9");
    assert_true(cJSON_IsNumber(cog_json_member(root, "n")));
    assert_true(cog_json_member(root, "n")->valuedouble == 42.0);
    assert_true(cJSON_IsTrue(cog_json_member(root, "t")));
    assert_string_equal(cog_json_string(cog_json_member(root, "o"), "k"), "v");
    cJSON_Delete(root);
}

static void test_typed_lookups_never_coerce(void **state)
{
    (void)state;
    const char *doc = "{\"n\":1,\"s\":\"1\",\"b\":true,\"z\":null,\"a\":[\"x\"],\"Key\":\"v\"}";
    cJSON *root = parse_len(doc, strlen(doc), NULL);
    assert_non_null(root);
    assert_null(cog_json_string(root, "n"));
    assert_null(cog_json_string(root, "b"));
    assert_null(cog_json_string(root, "z"));
    assert_null(cog_json_string(root, "a"));
    assert_null(cog_json_string(root, "missing"));
    assert_string_equal(cog_json_string(root, "s"), "1");
    assert_null(cog_json_member(root, "key"));          /* case-sensitive */
    assert_non_null(cog_json_member(root, "Key"));
    assert_null(cog_json_member(cog_json_member(root, "a"), "0"));   /* not an object */
    assert_null(cog_json_member(NULL, "n"));
    assert_null(cog_json_string(NULL, "s"));
    cJSON_Delete(root);
}

static void test_length_is_respected(void **state)
{
    (void)state;
    const char *why;
    /* Only the first len bytes count: the garbage after them is not seen. */
    cJSON *root = cog_json_parse("{\"a\":1}garbage", 7, &why);
    assert_non_null(root);
    cJSON_Delete(root);
    /* A number or literal ending exactly at the buffer end. */
    expect_ok("12345");
    expect_ok("-0.5e-7");
    expect_ok("null");
    root = cog_json_parse("123", 2, &why);
    assert_non_null(root);
    assert_true(root->valuedouble == 12.0);
    cJSON_Delete(root);
}

/* ---- numbers ----------------------------------------------------------------------------- */

static void test_refuses_bad_numbers(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "01", "-01", "00", "007", "[01]", "{\"exp\":01}", "+1", "[+1]", ".5", "-.5", "1.", "1.e5",
        "1e", "1e+", "1E-", "-", "--1", "- 1", "0x10", "0X1F", "1_000", "1,5", "NaN", "nan",
        "[NaN]", "Infinity", "-Infinity", "[Infinity]", "inf", "1.5.2", "1e5e5", "0.", "{\"a\":-}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        expect_refused(bad[i]);
}

static void test_long_numbers_never_misread(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    /* cJSON reads at most 63 characters of a number: a longer (valid) number must be
     * either refused or read whole, never cut short with the rest taken as data. */
    char *zeros = apr_palloc(p, 101);
    memset(zeros, '0', 100);
    zeros[100] = '\0';
    struct { const char *doc; double want; } cases[] = {
        { apr_pstrcat(p, "1", zeros, NULL), 1e100 },
        { apr_pstrcat(p, "[1", zeros, "]", NULL), 1e100 },
        { apr_pstrcat(p, "{\"exp\":1", zeros, "}", NULL), 1e100 },
        { apr_pstrcat(p, "{\"exp\":1700000000.", zeros, "1}", NULL), 1700000000.0 },
        { apr_pstrcat(p, "[0.", zeros, "5]", NULL), 5e-101 },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cJSON *root = parse_len(cases[i].doc, strlen(cases[i].doc), NULL);
        if (root == NULL)
            continue;
        const cJSON *n = cJSON_IsNumber(root) ? root
                       : cJSON_IsArray(root) ? root->child : cog_json_member(root, "exp");
        assert_true(cJSON_IsNumber(n));
        if (fabs(n->valuedouble - cases[i].want) > fabs(cases[i].want) * 1e-12)
            fail_msg("case %zu read as %g", i, n->valuedouble);
        cJSON_Delete(root);
    }
    /* 63 characters are always read whole */
    char *d63 = apr_pstrcat(p, "[1", apr_pstrndup(p, zeros, 62), "]", NULL);
    cJSON *root = parse_len(d63, strlen(d63), NULL);
    assert_non_null(root);
    assert_true(root->child->valuedouble == 1e62);
    cJSON_Delete(root);
}

/* ---- structure ---------------------------------------------------------------------------- */

static void test_refuses_trailing_data(void **state)
{
    (void)state;
    expect_refused("{} x");
    expect_refused("{}{}");
    expect_refused("{} {}");
    expect_refused("[] []");
    expect_refused("1 2");
    expect_refused("\"a\" \"b\"");
    expect_refused("{}]");
    expect_refused("{},");
    expect_refused("true false");
    expect_refused("{\"a\":1}}");
    expect_refused("nullx");
    expect_refused("truex");
}

static void test_refuses_duplicate_names(void **state)
{
    (void)state;
    expect_refused("{\"a\":1,\"a\":2}");
    expect_refused("{\"a\":1,\"a\":1}");
    expect_refused("{\"iss\":\"good\",\"sub\":\"x\",\"iss\":\"evil\"}");
    expect_refused("{\"x\":{\"a\":1,\"b\":2,\"a\":3}}");
    expect_refused("[{\"a\":1,\"a\":1}]");
    expect_refused("{\"o\":[1,{\"p\":{\"q\":1,\"q\":2}}]}");
    /* the same name spelled differently is still the same name */
    expect_refused("{\"a\":1,\"\\u0061\":2}");
    expect_refused("{\"\\u00e9\":1,\"\xc3\xa9\":2}");
}

static void test_refuses_invalid_utf8(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "\"\xc0\xaf\"",                  /* overlong '/' */
        "\"\xc1\xbf\"",                  /* overlong */
        "\"\xe0\x80\xaf\"",              /* overlong 3-byte */
        "\"\xe0\x9f\xbf\"",              /* overlong 3-byte (U+07FF) */
        "\"\xf0\x80\x80\xaf\"",          /* overlong 4-byte */
        "\"\xf0\x8f\xbf\xbf\"",          /* overlong 4-byte (U+FFFF) */
        "\"\xed\xa0\x80\"",              /* U+D800 encoded in UTF-8 */
        "\"\xed\xbf\xbf\"",              /* U+DFFF encoded in UTF-8 */
        "\"\xed\xa0\xbd\xed\xb8\x80\"",  /* CESU-8 surrogate pair */
        "\"\xff\"", "\"\xfe\"", "\"a\xffz\"",
        "\"\x80\"",                      /* lone continuation byte */
        "\"\xbf\"",
        "\"\xc3\"",                      /* truncated 2-byte */
        "\"\xc3x\"",
        "\"\xe2\x82\"",                  /* truncated 3-byte */
        "\"\xf0\x9f\x98\"",              /* truncated 4-byte */
        "\"\xf4\x90\x80\x80\"",          /* above U+10FFFF */
        "\"\xf5\x80\x80\x80\"",
        "\"\xf8\x88\x80\x80\x80\"",      /* 5-byte form */
        "{\"k\xff\":1}",                 /* in a member name */
        "\xc3\xa9",                      /* non-ASCII outside a string */
        "[\xc2\xa0]",                    /* NBSP is not JSON whitespace */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        expect_refused(bad[i]);
    /* a string ending at the buffer end in the middle of a sequence */
    expect_refused_len("\"\xe2\x82\xac", 3);
    expect_refused_len("\"\xf0\x9f\x98\x80", 4);
}

static void test_refuses_raw_control_characters(void **state)
{
    (void)state;
    expect_refused("\"a\nb\"");
    expect_refused("\"a\rb\"");
    expect_refused("\"\t\"");
    expect_refused("\"\x01\"");
    expect_refused("\"\x1f\"");
    expect_refused("\"\x1b[31m\"");
    expect_refused("{\"a\nb\":1}");
    expect_refused("\x0c{}");            /* form feed is not JSON whitespace */
    expect_refused("{}\x0b");            /* nor is vertical tab */
}

static void test_refuses_bad_escapes(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "\"\\x41\"", "\"\\a\"", "\"\\'\"", "\"\\U0041\"", "\"\\0\"", "\"\\ \"", "\"\\e\"",
        "\"\\u\"", "\"\\u1\"", "\"\\u12\"", "\"\\u123\"", "\"\\u12G4\"", "\"\\uZZZZ\"",
        "\"\\u-123\"", "\"\\u 123\"",
        "\"\\ud800\"",                       /* lone high surrogate */
        "\"\\udc00\"",                       /* lone low surrogate */
        "\"\\ud800\\u0041\"",                /* high surrogate without its low half */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        expect_refused(bad[i]);
    expect_refused_len("\"\\u00", 5);        /* short \u at the very end */
    expect_refused_len("\"\\", 2);
}

static void test_refuses_unterminated_and_malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "\"abc", "\"abc\\\"", "{\"a\":\"b}", "[\"a]", "{", "[", "}", "]", "{\"a\"", "{\"a\":",
        "{\"a\":1", "[1,", "[1,]", "{\"a\":1,}", "[1 2]", "{\"a\" 1}", "{\"a\":1 \"b\":2}",
        "{1:2}", "{a:1}", "{null:1}", "[,1]", ":", ",", "tru", "nul", "True", "NULL", "undefined",
        "'a'", "{'a':1}", "{\"a\":'b'}",
        "/* c */ {}", "{} /* c */", "{} // c", "// c\n{}", "# c\n{}", "{\"a\":1 /* c */}",
        " ", "\t\r\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        expect_refused(bad[i]);
}

static void test_refuses_empty_and_nul(void **state)
{
    (void)state;
    const char *why = NULL;
    assert_null(cog_json_parse("", 0, &why));
    assert_non_null(why);
    why = NULL;
    assert_null(cog_json_parse(NULL, 0, &why));
    assert_non_null(why);
    assert_null(cog_json_parse("{}", 0, NULL));          /* why may be NULL */
    expect_refused_len("{}\0", 3);
    expect_refused_len("\0{}", 3);
    expect_refused_len("\"a\0b\"", 5);
    expect_refused_len("{\"a\":\"x\0\"}", 10);
    expect_refused_len("[1,\0 2]", 7);
    expect_refused_len("\0", 1);
}

/* ---- depth ---------------------------------------------------------------------------------- */

/* depth nested arrays, with inner (may be "") in the innermost one. */
static char *nested(apr_pool_t *p, int depth, const char *open, const char *close, const char *inner)
{
    char *s = "";
    for (int i = 0; i < depth; i++)
        s = apr_pstrcat(p, s, open, NULL);
    s = apr_pstrcat(p, s, inner, NULL);
    for (int i = 0; i < depth; i++)
        s = apr_pstrcat(p, s, close, NULL);
    return s;
}

static void test_depth_limit(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    expect_ok(nested(p, 1, "[", "]", "1"));
    expect_ok(nested(p, COG_JSON_MAX_DEPTH - 1, "[", "]", ""));
    expect_ok(nested(p, COG_JSON_MAX_DEPTH, "[", "]", "1"));
    expect_ok(nested(p, COG_JSON_MAX_DEPTH, "{\"a\":", "}", "1"));
    expect_ok(nested(p, COG_JSON_MAX_DEPTH, "[", "]", "\"x\""));
    expect_refused(nested(p, COG_JSON_MAX_DEPTH + 1, "[", "]", "1"));
    expect_refused(nested(p, COG_JSON_MAX_DEPTH + 1, "{\"a\":", "}", "1"));
    expect_refused(nested(p, COG_JSON_MAX_DEPTH + 1, "[{\"a\":", "}]", "1"));
    expect_refused(nested(p, COG_JSON_MAX_DEPTH + 2, "[", "]", ""));
    expect_refused(nested(p, 100, "[", "]", ""));
    expect_refused(nested(p, 2000, "[", "]", ""));
}

static void test_depth_limit_huge_input_does_not_crash(void **state)
{
    (void)state;
    size_t n = 200000;
    char *s = malloc(n);
    assert_non_null(s);
    memset(s, '[', n);
    expect_refused_len(s, n);
    memset(s, '{', n);
    expect_refused_len(s, n);
    free(s);
}

static void test_depth_limit_empty_innermost(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    expect_ok(nested(p, COG_JSON_MAX_DEPTH, "[", "]", ""));
    expect_refused(nested(p, COG_JSON_MAX_DEPTH + 1, "[", "]", ""));
    expect_refused(nested(p, COG_JSON_MAX_DEPTH + 1, "{\"a\":", "}", "{}"));
}

/* ---- escaped NUL ------------------------------------------------------------------------------ */

static void expect_string_value(const char *doc, const char *want, size_t want_len)
{
    const char *why;
    size_t len = strlen(doc);
    char *buf = tu_exact_copy(doc, len);
    cJSON *root = cog_json_parse(buf, len, &why);
    if (root == NULL)
        fail_msg("refused (%s): %s", why, doc);
    assert_memory_equal(buf, doc, len);              /* the input is not modified */
    free(buf);
    assert_true(cJSON_IsString(root));
    assert_int_equal(strlen(root->valuestring), want_len);
    assert_memory_equal(root->valuestring, want, want_len);
    cJSON_Delete(root);
}

static void test_escaped_nul_keeps_full_length(void **state)
{
    (void)state;
    expect_string_value("\"a\\u0000b\"", "a\x01" "b", 3);
    expect_string_value("\"\\u0000\"", "\x01", 1);
    expect_string_value("\"abc\\u0000../../etc\"", "abc\x01../../etc", 13);
    expect_string_value("\"\\u0000\\u0000x\"", "\x01\x01x", 3);
    expect_string_value("\"\\u0001\"", "\x01", 1);
}

static void test_escaped_backslash_u0000_stays_literal(void **state)
{
    (void)state;
    expect_string_value("\"\\\\u0000\"", "\\u0000", 6);
    expect_string_value("\"a\\\\u0000b\"", "a\\u0000b", 8);
    /* an escaped backslash followed by a real \u0000 escape */
    expect_string_value("\"\\\\\\u0000\"", "\\\x01", 2);
}

static void test_escaped_nul_in_objects(void **state)
{
    (void)state;
    const char *doc = "{\"iss\":\"https://good\\u0000.evil\",\"k\\u0000\":1}";
    cJSON *root = parse_len(doc, strlen(doc), NULL);
    assert_non_null(root);
    assert_string_equal(cog_json_string(root, "iss"), "https://good\x01.evil");
    assert_non_null(cog_json_member(root, "k\x01"));
    assert_null(cog_json_member(root, "k"));
    cJSON_Delete(root);
    /* names differing only after an escaped NUL are different names */
    expect_ok("{\"a\\u0000b\":1,\"a\\u0000c\":2}");
    /* and a name with an escaped NUL does not collide with its prefix */
    expect_ok("{\"a\":1,\"a\\u0000\":2}");
}

static const struct CMUnitTest tests[] = {
    TU_TEST(test_accepts_valid_documents),
    TU_TEST(test_accepts_whitespace_around_values),
    TU_TEST(test_values_are_parsed),
    TU_TEST(test_typed_lookups_never_coerce),
    TU_TEST(test_length_is_respected),
    TU_TEST(test_refuses_bad_numbers),
    TU_TEST(test_long_numbers_never_misread),
    TU_TEST(test_refuses_trailing_data),
    TU_TEST(test_refuses_duplicate_names),
    TU_TEST(test_refuses_invalid_utf8),
    TU_TEST(test_refuses_raw_control_characters),
    TU_TEST(test_refuses_bad_escapes),
    TU_TEST(test_refuses_unterminated_and_malformed),
    TU_TEST(test_refuses_empty_and_nul),
    TU_TEST(test_depth_limit),
    TU_TEST(test_depth_limit_huge_input_does_not_crash),
    TU_TEST(test_depth_limit_empty_innermost),
    TU_TEST(test_escaped_nul_keeps_full_length),
    TU_TEST(test_escaped_backslash_u0000_stays_literal),
    TU_TEST(test_escaped_nul_in_objects),
};

TU_MAIN(tests, NULL, NULL)
