/*
 * test_util.c — util.c (strict base64url, SHA-256, hex, constant-time compare, base
 * URL checks, Bearer header parsing) and error.c (the reason table).
 */
#include "testutil.h"
#include "util/bearer_header.h"
#include "util/crypto.h"

#include <ctype.h>

/* ---- base64url decode ------------------------------------------------------------ */

static void expect_decode(apr_pool_t *p, const char *in, const void *want, size_t want_len)
{
    unsigned char *out = NULL;
    size_t out_len = 12345;
    char *buf = tu_exact_copy(in, strlen(in));
    int rc = cog_b64url_decode(p, buf, strlen(in), &out, &out_len);
    free(buf);
    if (rc != 0)
        fail_msg("decode of \"%s\" refused", in);
    assert_non_null(out);
    assert_int_equal(out_len, want_len);
    assert_memory_equal(out, want, want_len);
    assert_int_equal(out[out_len], '\0');   /* NUL-terminated copy */
}

static void expect_decode_refused(apr_pool_t *p, const char *in, size_t len)
{
    unsigned char *out = NULL;
    size_t out_len = 0;
    char *buf = tu_exact_copy(in, len);
    int rc = cog_b64url_decode(p, buf, len, &out, &out_len);
    free(buf);
    if (rc != -1)
        fail_msg("decode of \"%.*s\" (len %zu) accepted", (int)len, in, len);
}

static void test_b64url_decode_rfc4648_vectors(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    /* RFC 4648 §10 test vectors, padding removed (base64url form). */
    expect_decode(p, "", "", 0);
    expect_decode(p, "Zg", "f", 1);
    expect_decode(p, "Zm8", "fo", 2);
    expect_decode(p, "Zm9v", "foo", 3);
    expect_decode(p, "Zm9vYg", "foob", 4);
    expect_decode(p, "Zm9vYmE", "fooba", 5);
    expect_decode(p, "Zm9vYmFy", "foobar", 6);
}

static void test_b64url_decode_url_alphabet(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    /* Standard base64 "+/8=" is base64url "-_8". */
    expect_decode(p, "-_8", "\xfb\xff", 2);
    expect_decode(p, "____", "\xff\xff\xff", 3);
    expect_decode(p, "----", "\xfb\xef\xbe", 3);
    expect_decode(p, "AAAA", "\0\0\0", 3);
    expect_decode(p, "AA", "\0", 1);
    expect_decode(p, "AQ", "\x01", 1);
    expect_decode(p, "AAE", "\0\x01", 2);
    expect_decode(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
                  "\x00\x10\x83\x10\x51\x87\x20\x92\x8b\x30\xd3\x8f\x41\x14\x93\x51"
                  "\x55\x97\x61\x96\x9b\x71\xd7\x9f\x82\x18\xa3\x92\x59\xa7\xa2\x9a"
                  "\xab\xb2\xdb\xaf\xc3\x1c\xb3\xd3\x5d\xb7\xe3\x9e\xbb\xf3\xdf\xbf", 48);
}

static void test_b64url_decode_respects_length(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    unsigned char *out;
    size_t out_len;
    const char *in = "Zm9vYmFy!!!!";
    assert_int_equal(cog_b64url_decode(p, in, 8, &out, &out_len), 0);
    assert_int_equal(out_len, 6);
    assert_string_equal((char *)out, "foobar");
    assert_int_equal(cog_b64url_decode(p, in, 12, &out, &out_len), -1);
}

static void test_b64url_decode_refuses_padding(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    expect_decode_refused(p, "Zg==", 4);
    expect_decode_refused(p, "Zg=", 3);
    expect_decode_refused(p, "Zm8=", 4);
    expect_decode_refused(p, "Zm9v====", 8);
    expect_decode_refused(p, "=", 1);
    expect_decode_refused(p, "==", 2);
    expect_decode_refused(p, "Zm=9", 4);
}

static void test_b64url_decode_refuses_standard_alphabet(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    expect_decode_refused(p, "+/8", 3);
    expect_decode_refused(p, "Zm9v+A", 6);
    expect_decode_refused(p, "Zm9v/A", 6);
    expect_decode_refused(p, "++++", 4);
    expect_decode_refused(p, "////", 4);
}

static void test_b64url_decode_refuses_whitespace_and_junk(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    expect_decode_refused(p, "Zm 9v", 5);
    expect_decode_refused(p, "Zm9v\n", 5);
    expect_decode_refused(p, "Zm9v\r\n", 6);
    expect_decode_refused(p, "\tZm9v", 5);
    expect_decode_refused(p, " Zm9v", 5);
    expect_decode_refused(p, "Zm9v ", 5);
    expect_decode_refused(p, "Zm.9", 4);
    expect_decode_refused(p, "Zm~9", 4);
    expect_decode_refused(p, "Zm\0v", 4);           /* embedded NUL */
    expect_decode_refused(p, "Zm\xc3\xa9", 4);      /* non-ASCII */
    expect_decode_refused(p, "Zm\x80v", 4);
    expect_decode_refused(p, "Zm%2", 4);
}

static void test_b64url_decode_refuses_impossible_length(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    expect_decode_refused(p, "Z", 1);
    expect_decode_refused(p, "A", 1);
    expect_decode_refused(p, "Zm9vY", 5);
    expect_decode_refused(p, "Zm9vYmFyZ", 9);
}

static void test_b64url_decode_refuses_nonzero_trailing_bits(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    /* "AA" is the one encoding of 0x00; "AB".."AP" carry bits that are not there. */
    expect_decode(p, "AA", "\0", 1);
    expect_decode_refused(p, "AB", 2);
    expect_decode_refused(p, "AP", 2);
    expect_decode_refused(p, "Zh", 2);             /* "f" is "Zg" */
    expect_decode_refused(p, "Zm9", 3);            /* "fo" is "Zm8" */
    expect_decode_refused(p, "Zm9vYh", 6);
    expect_decode_refused(p, "Zm9vYmF", 7);        /* "fooba" is "Zm9vYmE" */
    expect_decode_refused(p, "_-_", 3);
    expect_decode(p, "_-8", "\xff\xef", 2);
}

/* ---- base64url encode ------------------------------------------------------------ */

static void test_b64url_encode_known(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    assert_string_equal(cog_b64url_encode(p, (const unsigned char *)"", 0), "");
    assert_string_equal(cog_b64url_encode(p, (const unsigned char *)"f", 1), "Zg");
    assert_string_equal(cog_b64url_encode(p, (const unsigned char *)"fo", 2), "Zm8");
    assert_string_equal(cog_b64url_encode(p, (const unsigned char *)"foo", 3), "Zm9v");
    assert_string_equal(cog_b64url_encode(p, (const unsigned char *)"foob", 4), "Zm9vYg");
    assert_string_equal(cog_b64url_encode(p, (const unsigned char *)"fooba", 5), "Zm9vYmE");
    assert_string_equal(cog_b64url_encode(p, (const unsigned char *)"foobar", 6), "Zm9vYmFy");
    assert_string_equal(cog_b64url_encode(p, (const unsigned char *)"\xfb\xff", 2), "-_8");
    assert_string_equal(cog_b64url_encode(p, (const unsigned char *)"\xff\xff\xff", 3), "____");
}

static void test_b64url_encode_round_trip_0_to_64(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    unsigned char data[64];

    for (int pattern = 0; pattern < 3; pattern++) {
        for (size_t len = 0; len <= 64; len++) {
            for (size_t i = 0; i < len; i++)
                data[i] = pattern == 0 ? (unsigned char)(i * 37 + 11)
                        : pattern == 1 ? 0xff : (unsigned char)(0xfb ^ i);
            unsigned char *copy = (unsigned char *)tu_exact_copy((const char *)data, len);
            char *enc = cog_b64url_encode(p, copy, len);
            free(copy);
            assert_non_null(enc);
            size_t want_len = len / 3 * 4 + (len % 3 ? len % 3 + 1 : 0);
            assert_int_equal(strlen(enc), want_len);
            for (const char *c = enc; *c; c++)
                if (!(isalnum((unsigned char)*c) || *c == '-' || *c == '_'))
                    fail_msg("encoding of %zu bytes contains '%c'", len, *c);

            unsigned char *dec;
            size_t dec_len;
            assert_int_equal(cog_b64url_decode(p, enc, strlen(enc), &dec, &dec_len), 0);
            assert_int_equal(dec_len, len);
            if (len)
                assert_memory_equal(dec, data, len);
        }
    }
}

/* ---- compare, hash, hex ------------------------------------------------------------ */

static void test_ct_equal(void **state)
{
    (void)state;
    assert_true(cog_ct_equal("abc", 3, "abc", 3));
    assert_true(cog_ct_equal("", 0, "", 0));
    assert_true(cog_ct_equal("a\0b", 3, "a\0b", 3));
    assert_false(cog_ct_equal("abc", 3, "abd", 3));
    assert_false(cog_ct_equal("abc", 3, "bbc", 3));
    assert_false(cog_ct_equal("abc", 3, "abcd", 4));
    assert_false(cog_ct_equal("abcd", 4, "abc", 3));
    assert_false(cog_ct_equal("", 0, "a", 1));
    assert_false(cog_ct_equal("a\0b", 3, "a\0c", 3));
    assert_false(cog_ct_equal("ABC", 3, "abc", 3));
}

static void test_sha256_known_vectors(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    unsigned char md[32];

    assert_int_equal(cog_sha256("abc", 3, md), 0);
    assert_string_equal(cog_hex(p, md, 32),
                        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_int_equal(cog_sha256("", 0, md), 0);
    assert_string_equal(cog_hex(p, md, 32),
                        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const char *two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    assert_int_equal(cog_sha256(two_blocks, strlen(two_blocks), md), 0);
    assert_string_equal(cog_hex(p, md, 32),
                        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_hex(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    assert_string_equal(cog_hex(p, (const unsigned char *)"\x00\xab\xff\x10", 4), "00abff10");
    assert_string_equal(cog_hex(p, (const unsigned char *)"", 0), "");
}

/* ---- base URLs --------------------------------------------------------------------- */

static void test_check_base_url_accepts(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    static const char *const ok[] = {
        "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123",
        "https://login.example.com",
        "https://login.example.com/",
        "https://login.example.com:8443/base/path",
        "HTTPS://Login.Example.com/x",
        "https://[2001:db8::1]:443/x",
        "http://127.0.0.1:8080/x",
        "http://127.0.0.1",
        "http://127.1.2.3:9/pool",
        "http://localhost",
        "http://localhost:3000/eu-west-1_test",
        "http://LOCALHOST/",
        "http://[::1]:1/",
        "http://[::1]/issuer",
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        const char *msg = cog_check_base_url(p, ok[i]);
        if (msg != NULL)
            fail_msg("%s refused: %s", ok[i], msg);
    }
}

static void test_check_base_url_refuses(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    static const char *const bad[] = {
        "http://example.com",
        "http://example.com/",
        "http://10.0.0.1/",
        "http://128.0.0.1/",
        "http://127.0.0.1.evil.com",
        "http://127.0.0.1.evil.com/",
        "http://localhost.evil.com/",
        "http://evil.com/127.0.0.1",
        "http://evil.com/?h=localhost",
        "http://[::2]/",
        "http://0.0.0.0/",
        "https://login.example.com/?x=1",
        "https://login.example.com/path?",
        "https://login.example.com/#frag",
        "https://login.example.com/#",
        "http://127.0.0.1/?q",
        "https://user@login.example.com/",
        "https://user:pass@login.example.com/",
        "http://localhost:80@evil.com/",
        "http://user@127.0.0.1/",
        "ftp://login.example.com/",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "login.example.com",
        "/relative/path",
        "",
        "https://",
        "https:///path",
        "https://login.example.com/a b",
        "https://login.example.com/\r\nX: y",
        "https://login.example.com/\n",
        "https://login.example.com\t/",
        "https://login.example.com/\x7f",
        "https://login.example.com/\x01",
        "https://l\xc3\xb6gin.example.com/",
        " https://login.example.com/",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *msg = cog_check_base_url(p, bad[i]);
        if (msg == NULL)
            fail_msg("\"%s\" accepted", bad[i]);
        assert_true(strlen(msg) > 0);
    }
}

static void test_check_base_url_http_message(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    const char *msg = cog_check_base_url(p, "http://example.com/");
    assert_non_null(msg);
    assert_true(tu_contains(msg, "https"));
}

static void test_url_host_is_loopback(void **state)
{
    (void)state;
    static const char *const yes[] = {
        "http://127.0.0.1/", "http://127.0.0.1:8080/x", "http://127.255.255.254:9/",
        "http://127.0.0.2", "http://localhost/", "http://LocalHost:80/", "https://localhost",
        "http://[::1]:1/", "http://[::1]/",
    };
    static const char *const no[] = {
        "http://example.com/", "http://127.0.0.1.evil.com/", "http://128.0.0.1/",
        "http://10.0.0.1/", "http://0.0.0.0/", "http://localhost.evil.com/",
        "http://evil.com/127.0.0.1", "http://127.0.0.256/", "http://127.0.0/",
        "http://[::2]/", "http://[::]/", "http://1.127.0.0.1/", "not a url", "",
        "http://evillocalhost/",
    };
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
        if (!cog_url_host_is_loopback(yes[i]))
            fail_msg("%s: not loopback", yes[i]);
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        if (cog_url_host_is_loopback(no[i]))
            fail_msg("%s: loopback", no[i]);
}

static void test_url_host_signed_octets_not_loopback(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    static const char *const no[] = {
        "http://127.+0.0.1/", "http://127.-0.0.1/", "http://127.0.0.+1/", "http://+127.0.0.1/",
    };
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
        if (cog_url_host_is_loopback(no[i]))
            fail_msg("%s: loopback", no[i]);
        if (cog_check_base_url(p, no[i]) == NULL)
            fail_msg("%s: accepted", no[i]);
    }
}

static void test_check_base_url_port_range(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    static const char *const bad[] = {
        "https://a.example:99999/", "https://a.example:65536/", "https://a.example:-1/",
        "https://a.example:0/", "http://127.0.0.1:70000/",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (cog_check_base_url(p, bad[i]) == NULL)
            fail_msg("\"%s\" accepted", bad[i]);
    assert_null(cog_check_base_url(p, "https://a.example:65535/"));
    assert_null(cog_check_base_url(p, "https://a.example:1/"));
}

/* ---- Authorization: Bearer --------------------------------------------------------- */

static void expect_bearer(const char *header, const char *token)
{
    const char *t = NULL;
    size_t len = 0;
    cog_bearer_parse_t rc = cog_parse_bearer_header(header, &t, &len);
    if (rc != COG_BEARER_FOUND)
        fail_msg("\"%s\": result %d, expected FOUND", header, (int)rc);
    assert_true(t >= header && t < header + strlen(header));   /* points into the header */
    assert_int_equal(len, strlen(token));
    assert_memory_equal(t, token, len);
}

static void expect_bearer_result(const char *header, cog_bearer_parse_t want)
{
    const char *t = NULL;
    size_t len = 0;
    cog_bearer_parse_t rc = cog_parse_bearer_header(header, &t, &len);
    if (rc != want)
        fail_msg("\"%s\": result %d, expected %d", header, (int)rc, (int)want);
}

static void test_bearer_found(void **state)
{
    (void)state;
    expect_bearer("Bearer abc", "abc");
    expect_bearer("bearer abc", "abc");
    expect_bearer("BEARER abc", "abc");
    expect_bearer("bEaReR abc", "abc");
    expect_bearer("Bearer     abc", "abc");
    expect_bearer("Bearer abc.def.ghi", "abc.def.ghi");
    expect_bearer("Bearer a-._~+/Z9", "a-._~+/Z9");
    expect_bearer("Bearer abc=", "abc=");
    expect_bearer("Bearer abc==", "abc==");
    expect_bearer("Bearer abc   ", "abc");
    expect_bearer("Bearer  abc==  ", "abc==");
    expect_bearer("Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln");
}

static void test_bearer_other_scheme(void **state)
{
    (void)state;
    expect_bearer_result("Basic dXNlcjpwYXNz", COG_BEARER_OTHER_SCHEME);
    expect_bearer_result("Negotiate YIIabc", COG_BEARER_OTHER_SCHEME);
    expect_bearer_result("Digest username=\"x\"", COG_BEARER_OTHER_SCHEME);
    expect_bearer_result("Bearerabc", COG_BEARER_OTHER_SCHEME);
    expect_bearer_result("Bearer-x abc", COG_BEARER_OTHER_SCHEME);
    expect_bearer_result("Bear abc", COG_BEARER_OTHER_SCHEME);
    expect_bearer_result("Bea", COG_BEARER_OTHER_SCHEME);
    expect_bearer_result("", COG_BEARER_OTHER_SCHEME);
    expect_bearer_result("abc.def.ghi", COG_BEARER_OTHER_SCHEME);
}

static void test_bearer_bad_syntax(void **state)
{
    (void)state;
    expect_bearer_result("Bearer", COG_BEARER_BAD_SYNTAX);
    expect_bearer_result("bearer", COG_BEARER_BAD_SYNTAX);
    expect_bearer_result("Bearer ", COG_BEARER_BAD_SYNTAX);
    expect_bearer_result("Bearer    ", COG_BEARER_BAD_SYNTAX);
    expect_bearer_result("Bearer a b", COG_BEARER_BAD_SYNTAX);
    expect_bearer_result("Bearer abc def", COG_BEARER_BAD_SYNTAX);
    expect_bearer_result("Bearer a,b", COG_BEARER_BAD_SYNTAX);
    expect_bearer_result("Bearer abc,", COG_BEARER_BAD_SYNTAX);
    expect_bearer_result("Bearer abc, Basic xyz", COG_BEARER_BAD_SYNTAX);
    expect_bearer_result("Bearer abc=def", COG_BEARER_BAD_SYNTAX);
    expect_bearer_result("Bearer =abc", COG_BEARER_BAD_SYNTAX);
    expect_bearer_result("Bearer ==", COG_BEARER_BAD_SYNTAX);
    expect_bearer_result("Bearer ab\"c\"", COG_BEARER_BAD_SYNTAX);
    expect_bearer_result("Bearer abc;", COG_BEARER_BAD_SYNTAX);
    expect_bearer_result("Bearer abc\t", COG_BEARER_BAD_SYNTAX);
    expect_bearer_result("Bearer abc\r\n", COG_BEARER_BAD_SYNTAX);
    expect_bearer_result("Bearer ab\xc3\xa9", COG_BEARER_BAD_SYNTAX);
    expect_bearer_result("Bearer token=\"abc\"", COG_BEARER_BAD_SYNTAX);
}

/* ---- error table -------------------------------------------------------------------- */

static void test_error_table_complete(void **state)
{
    (void)state;
    for (int r = 0; r < COG_REASON_COUNT; r++) {
        const cog_reason_info_t *info = cog_reason_info((cog_reason_t)r);
        assert_non_null(info);
        assert_non_null(info->tag);
        assert_non_null(info->name);
        assert_non_null(info->public_text);
        if (strlen(info->tag) != 11 || strncmp(info->tag, "COGNITO", 7) != 0)
            fail_msg("reason %d: tag \"%s\" is not COGNITOnnnn", r, info->tag);
        for (int i = 7; i < 11; i++)
            if (!isdigit((unsigned char)info->tag[i]))
                fail_msg("reason %d: tag \"%s\" is not COGNITOnnnn", r, info->tag);
        assert_true(strlen(info->name) > 0);
        for (const char *c = info->name; *c; c++)
            if (!(islower((unsigned char)*c) || isdigit((unsigned char)*c) || *c == '_'))
                fail_msg("reason %d: name \"%s\" is not a lower-case identifier", r, info->name);
        assert_true(strlen(info->public_text) > 0);
        assert_in_range(info->http_status, 200, 599);
        if (r != COG_OK)
            assert_in_range(info->http_status, 400, 599);
    }
    assert_int_equal(cog_reason_info(COG_OK)->http_status, 200);
}

static void test_error_table_distinct(void **state)
{
    (void)state;
    for (int a = 0; a < COG_REASON_COUNT; a++)
        for (int b = a + 1; b < COG_REASON_COUNT; b++) {
            const cog_reason_info_t *ia = cog_reason_info((cog_reason_t)a);
            const cog_reason_info_t *ib = cog_reason_info((cog_reason_t)b);
            if (strcmp(ia->tag, ib->tag) == 0)
                fail_msg("reasons %d and %d share tag %s", a, b, ia->tag);
            if (strcmp(ia->name, ib->name) == 0)
                fail_msg("reasons %d and %d share name %s", a, b, ia->name);
        }
}

static void test_error_statuses(void **state)
{
    (void)state;
    assert_int_equal(cog_reason_info(COG_E_TOKEN_EXPIRED)->http_status, 401);
    assert_int_equal(cog_reason_info(COG_E_TOKEN_SIGNATURE_INVALID)->http_status, 401);
    assert_int_equal(cog_reason_info(COG_E_HTTP_TIMEOUT)->http_status, 504);
    assert_in_range(cog_reason_info(COG_E_JWKS_UNAVAILABLE)->http_status, 500, 599);
    assert_int_equal(cog_reason_info(COG_E_INTERNAL)->http_status, 500);
}

static void test_error_unknown_reason_is_internal(void **state)
{
    (void)state;
    const cog_reason_info_t *internal = cog_reason_info(COG_E_INTERNAL);
    assert_ptr_equal(cog_reason_info(COG_REASON_COUNT), internal);
    assert_ptr_equal(cog_reason_info((cog_reason_t)(COG_REASON_COUNT + 100)), internal);
    assert_ptr_equal(cog_reason_info((cog_reason_t)-1), internal);
}

static void test_error_fail_and_token_fault(void **state)
{
    (void)state;
    cog_error_t err = { COG_OK, NULL };
    assert_int_equal(cog_fail(&err, COG_E_TOKEN_EXPIRED, "d"), COG_E_TOKEN_EXPIRED);
    assert_int_equal(err.reason, COG_E_TOKEN_EXPIRED);
    assert_string_equal(err.detail, "d");
    assert_int_equal(cog_fail(NULL, COG_E_HTTP_STATUS, "x"), COG_E_HTTP_STATUS);

    for (int r = COG_E_BEARER_MISSING; r <= COG_E_TOKEN_NO_USER; r++)
        assert_true(cog_reason_is_token_fault((cog_reason_t)r));
    assert_false(cog_reason_is_token_fault(COG_OK));
    assert_false(cog_reason_is_token_fault(COG_E_CONFIG));
    assert_false(cog_reason_is_token_fault(COG_E_JWKS_UNAVAILABLE));
    assert_false(cog_reason_is_token_fault(COG_E_JWKS_INVALID));
    assert_false(cog_reason_is_token_fault(COG_E_HTTP_TIMEOUT));
    assert_false(cog_reason_is_token_fault(COG_E_INTERNAL));
}

static const struct CMUnitTest tests[] = {
    TU_TEST(test_b64url_decode_rfc4648_vectors),
    TU_TEST(test_b64url_decode_url_alphabet),
    TU_TEST(test_b64url_decode_respects_length),
    TU_TEST(test_b64url_decode_refuses_padding),
    TU_TEST(test_b64url_decode_refuses_standard_alphabet),
    TU_TEST(test_b64url_decode_refuses_whitespace_and_junk),
    TU_TEST(test_b64url_decode_refuses_impossible_length),
    TU_TEST(test_b64url_decode_refuses_nonzero_trailing_bits),
    TU_TEST(test_b64url_encode_known),
    TU_TEST(test_b64url_encode_round_trip_0_to_64),
    TU_TEST(test_ct_equal),
    TU_TEST(test_sha256_known_vectors),
    TU_TEST(test_hex),
    TU_TEST(test_check_base_url_accepts),
    TU_TEST(test_check_base_url_refuses),
    TU_TEST(test_check_base_url_http_message),
    TU_TEST(test_url_host_is_loopback),
    TU_TEST(test_url_host_signed_octets_not_loopback),
    TU_TEST(test_check_base_url_port_range),
    TU_TEST(test_bearer_found),
    TU_TEST(test_bearer_other_scheme),
    TU_TEST(test_bearer_bad_syntax),
    TU_TEST(test_error_table_complete),
    TU_TEST(test_error_table_distinct),
    TU_TEST(test_error_statuses),
    TU_TEST(test_error_unknown_reason_is_internal),
    TU_TEST(test_error_fail_and_token_fault),
};

TU_MAIN(tests, NULL, NULL)
