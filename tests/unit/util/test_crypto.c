/*
 * test_crypto.c — crypto.c: CSPRNG, random tokens, HMAC derivation and the
 * AES-256-GCM record seal (0x01 | IV(12) | CT | TAG(16)).
 */
#include "testutil.h"

#include "util/crypto.h"

#define SEAL_OVERHEAD (1 + 12 + 16)

static int is_b64url_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* ---- cog_random ---------------------------------------------------------------------- */

static void test_random_distinct(void **state)
{
    (void)state;
    unsigned char a[32], b[32], zero[32] = { 0 };
    memset(a, 0, sizeof(a));
    memset(b, 0, sizeof(b));
    assert_int_equal(cog_random(a, sizeof(a)), 0);
    assert_int_equal(cog_random(b, sizeof(b)), 0);
    assert_memory_not_equal(a, b, sizeof(a));
    assert_memory_not_equal(a, zero, sizeof(a));
    /* Zero bytes is fine and writes nothing. */
    unsigned char guard = 0xA5;
    assert_int_equal(cog_random(&guard, 0), 0);
    assert_int_equal(guard, 0xA5);
    /* 64 draws of 16 bytes: all different. */
    unsigned char many[64][16];
    for (int i = 0; i < 64; i++)
        assert_int_equal(cog_random(many[i], 16), 0);
    for (int i = 0; i < 64; i++)
        for (int j = i + 1; j < 64; j++)
            assert_memory_not_equal(many[i], many[j], 16);
    /* A large draw uses every byte value somewhere (probability of failure ~ 0). */
    unsigned char big[65536];
    int seen[256] = { 0 };
    assert_int_equal(cog_random(big, sizeof(big)), 0);
    for (size_t i = 0; i < sizeof(big); i++)
        seen[big[i]] = 1;
    for (int v = 0; v < 256; v++)
        assert_true(seen[v]);
}

/* ---- cog_random_token -------------------------------------------------------------- */

static void test_random_token(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    const char *tokens[50];
    for (int i = 0; i < 50; i++) {
        const char *t = cog_random_token(p);
        assert_non_null(t);
        assert_int_equal(strlen(t), 43);
        for (const char *c = t; *c; c++)
            if (!is_b64url_char(*c))
                fail_msg("token \"%s\" has '%c'", t, *c);
        /* 32 bytes: 43 characters, the last one carrying 4 bits, so its low 2 bits are zero. */
        unsigned char *raw;
        size_t raw_len;
        assert_int_equal(cog_b64url_decode(p, t, 43, &raw, &raw_len), 0);
        assert_int_equal(raw_len, 32);
        for (int j = 0; j < i; j++)
            assert_string_not_equal(t, tokens[j]);
        tokens[i] = t;
    }
}

/* ---- cog_derive ---------------------------------------------------------------------- */

static void test_derive_deterministic_and_separated(void **state)
{
    (void)state;
    unsigned char a[COG_KEY_LEN], b[COG_KEY_LEN], c[COG_KEY_LEN], d[COG_KEY_LEN], e[COG_KEY_LEN];
    const char *secret = "0123456789abcdef0123456789abcdef0123456789a";
    assert_int_equal(cog_derive(secret, strlen(secret), "label one", a), 0);
    assert_int_equal(cog_derive(secret, strlen(secret), "label one", b), 0);
    assert_memory_equal(a, b, COG_KEY_LEN);                             /* deterministic */
    assert_int_equal(cog_derive(secret, strlen(secret), "label two", c), 0);
    assert_memory_not_equal(a, c, COG_KEY_LEN);                         /* label-separated */
    assert_int_equal(cog_derive(secret, strlen(secret), "label on", c), 0);
    assert_memory_not_equal(a, c, COG_KEY_LEN);                         /* prefix label */
    assert_int_equal(cog_derive("1123456789abcdef0123456789abcdef0123456789a", strlen(secret), "label one", d), 0);
    assert_memory_not_equal(a, d, COG_KEY_LEN);                         /* secret-separated */
    /* Only secret_len bytes of the secret count. */
    assert_int_equal(cog_derive("abcdefXYZ", 6, "l", d), 0);
    assert_int_equal(cog_derive("abcdef", 6, "l", e), 0);
    assert_memory_equal(d, e, COG_KEY_LEN);
    assert_int_equal(cog_derive("abcdefX", 7, "l", e), 0);
    assert_memory_not_equal(d, e, COG_KEY_LEN);
}

/* It is HMAC-SHA256(secret, label): RFC 4231 test case 2. */
static void test_derive_is_hmac_sha256(void **state)
{
    (void)state;
    static const unsigned char want[32] = {
        0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e, 0x6a, 0x04, 0x24, 0x26, 0x08, 0x95, 0x75, 0xc7,
        0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27, 0x39, 0x83, 0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec, 0x38, 0x43,
    };
    unsigned char out[COG_KEY_LEN];
    assert_int_equal(cog_derive("Jefe", 4, "what do ya want for nothing?", out), 0);
    assert_memory_equal(out, want, 32);
}

/* ---- cog_seal / cog_open --------------------------------------------------------- */

static void key_of(unsigned char key[COG_KEY_LEN], unsigned char fill)
{
    for (int i = 0; i < COG_KEY_LEN; i++)
        key[i] = (unsigned char)(fill + i * 7);
}

static const unsigned char AAD[] = "slot-id-0123456789";
#define AAD_LEN (sizeof(AAD) - 1)

static void round_trip(apr_pool_t *p, size_t size)
{
    unsigned char key[COG_KEY_LEN];
    key_of(key, 1);
    unsigned char *plain = apr_palloc(p, size ? size : 1);
    for (size_t i = 0; i < size; i++)
        plain[i] = (unsigned char)('a' + i % 26);
    unsigned char *sealed = NULL;
    size_t sealed_len = 0;
    assert_int_equal(cog_seal(p, key, AAD, AAD_LEN, plain, size, &sealed, &sealed_len), 0);
    assert_non_null(sealed);
    assert_int_equal(sealed_len, size + SEAL_OVERHEAD);
    assert_int_equal(sealed[0], 0x01);
    if (size >= 16)                                    /* the plaintext does not show */
        assert_null(memmem(sealed, sealed_len, plain, 16));
    /* Open from an exactly sized copy so ASan catches overreads. */
    unsigned char *copy = (unsigned char *)tu_exact_copy((const char *)sealed, sealed_len);
    char *out = NULL;
    size_t out_len = 12345;
    int rc = cog_open(p, key, AAD, AAD_LEN, copy, sealed_len, &out, &out_len);
    free(copy);
    assert_int_equal(rc, 0);
    assert_non_null(out);
    assert_int_equal(out_len, size);
    assert_memory_equal(out, plain, size);
    assert_int_equal(out[size], '\0');
}

static void test_seal_round_trip_sizes(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    static const size_t sizes[] = { 0, 1, 15, 16, 17, 1000, 100000 };
    for (size_t i = 0; i < sizeof(sizes) / sizeof(*sizes); i++)
        round_trip(p, sizes[i]);
}

static void test_seal_no_aad(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    unsigned char key[COG_KEY_LEN], *sealed;
    size_t sealed_len, out_len;
    char *out;
    key_of(key, 9);
    assert_int_equal(cog_seal(p, key, NULL, 0, "hello", 5, &sealed, &sealed_len), 0);
    assert_int_equal(cog_open(p, key, NULL, 0, sealed, sealed_len, &out, &out_len), 0);
    assert_string_equal(out, "hello");
    /* Sealed without aad, opened with one: refused (and the other way round). */
    assert_int_equal(cog_open(p, key, AAD, AAD_LEN, sealed, sealed_len, &out, &out_len), -1);
    assert_int_equal(cog_seal(p, key, AAD, AAD_LEN, "hello", 5, &sealed, &sealed_len), 0);
    assert_int_equal(cog_open(p, key, NULL, 0, sealed, sealed_len, &out, &out_len), -1);
}

static void seal_small(apr_pool_t *p, const unsigned char key[COG_KEY_LEN], unsigned char **sealed, size_t *len)
{
    assert_int_equal(cog_seal(p, key, AAD, AAD_LEN, "{\"v\":1,\"x\":\"secret\"}", 20, sealed, len), 0);
}

static void expect_open_fails(apr_pool_t *p, const unsigned char key[COG_KEY_LEN], const unsigned char *aad,
                              size_t aad_len, const unsigned char *sealed, size_t len, const char *what)
{
    char *out = (char *)"untouched";
    size_t out_len = 777;
    unsigned char *copy = (unsigned char *)tu_exact_copy((const char *)sealed, len);
    int rc = cog_open(p, key, aad, aad_len, copy, len, &out, &out_len);
    free(copy);
    if (rc != -1)
        fail_msg("%s: opened", what);
    /* Outputs untouched on failure. */
    assert_string_equal(out, "untouched");
    assert_int_equal(out_len, 777);
}

static void test_open_wrong_key(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    unsigned char key[COG_KEY_LEN], other[COG_KEY_LEN], *sealed;
    size_t len;
    key_of(key, 1);
    seal_small(p, key, &sealed, &len);
    key_of(other, 2);
    expect_open_fails(p, other, AAD, AAD_LEN, sealed, len, "wrong key");
    memcpy(other, key, COG_KEY_LEN);
    other[COG_KEY_LEN - 1] ^= 0x01;                       /* one bit off */
    expect_open_fails(p, other, AAD, AAD_LEN, sealed, len, "key with one bit flipped");
}

static void test_open_wrong_aad(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    unsigned char key[COG_KEY_LEN], *sealed;
    size_t len;
    key_of(key, 1);
    seal_small(p, key, &sealed, &len);
    static const unsigned char other[] = "slot-id-0123456788";
    expect_open_fails(p, key, other, AAD_LEN, sealed, len, "other aad");
    expect_open_fails(p, key, AAD, AAD_LEN - 1, sealed, len, "shorter aad");
    expect_open_fails(p, key, NULL, 0, sealed, len, "no aad");
}

static void test_open_every_bit_flipped(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    unsigned char key[COG_KEY_LEN], *sealed;
    size_t len;
    key_of(key, 1);
    seal_small(p, key, &sealed, &len);
    assert_int_equal(len, 20 + SEAL_OVERHEAD);
    unsigned char *mod = apr_pmemdup(p, sealed, len);
    for (size_t i = 0; i < len; i++)
        for (int bit = 0; bit < 8; bit++) {
            memcpy(mod, sealed, len);
            mod[i] ^= (unsigned char)(1u << bit);
            char *what = apr_psprintf(p, "byte %zu bit %d flipped", i, bit);
            expect_open_fails(p, key, AAD, AAD_LEN, mod, len, what);
        }
    /* And the unmodified record still opens. */
    char *out;
    size_t out_len;
    assert_int_equal(cog_open(p, key, AAD, AAD_LEN, sealed, len, &out, &out_len), 0);
    assert_string_equal(out, "{\"v\":1,\"x\":\"secret\"}");
}

static void test_open_truncated_or_extended(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    unsigned char key[COG_KEY_LEN], *sealed;
    size_t len;
    key_of(key, 1);
    seal_small(p, key, &sealed, &len);
    for (size_t n = 0; n < len; n++)
        expect_open_fails(p, key, AAD, AAD_LEN, sealed, n, apr_psprintf(p, "truncated to %zu", n));
    /* Bytes appended. */
    unsigned char *longer = apr_palloc(p, len + 16);
    memcpy(longer, sealed, len);
    memset(longer + len, 0, 16);
    for (size_t extra = 1; extra <= 16; extra++)
        expect_open_fails(p, key, AAD, AAD_LEN, longer, len + extra, apr_psprintf(p, "%zu bytes appended", extra));
    /* Bytes removed from the start. */
    expect_open_fails(p, key, AAD, AAD_LEN, sealed + 1, len - 1, "version byte removed");
}

static void test_open_version_byte(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    unsigned char key[COG_KEY_LEN], *sealed;
    size_t len;
    key_of(key, 1);
    seal_small(p, key, &sealed, &len);
    unsigned char *mod = apr_pmemdup(p, sealed, len);
    for (int v = 0; v < 256; v++) {
        if (v == 0x01)
            continue;
        mod[0] = (unsigned char)v;
        expect_open_fails(p, key, AAD, AAD_LEN, mod, len, apr_psprintf(p, "version 0x%02x", v));
    }
}

static void test_open_empty_and_minimal(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    unsigned char key[COG_KEY_LEN];
    key_of(key, 1);
    char *out = NULL;
    size_t out_len = 0;
    unsigned char dummy = 0x01;
    assert_int_equal(cog_open(p, key, AAD, AAD_LEN, &dummy, 0, &out, &out_len), -1);
    /* The minimal length (empty plaintext) made of zeros or of a plausible header. */
    unsigned char zeros[SEAL_OVERHEAD] = { 0 };
    expect_open_fails(p, key, AAD, AAD_LEN, zeros, sizeof(zeros), "zeros");
    zeros[0] = 0x01;
    expect_open_fails(p, key, AAD, AAD_LEN, zeros, sizeof(zeros), "version then zeros");
    /* An all-zero key does not open a record sealed under a real key. */
    unsigned char zero_key[COG_KEY_LEN] = { 0 }, *sealed;
    size_t len;
    assert_int_equal(cog_seal(p, key, AAD, AAD_LEN, "", 0, &sealed, &len), 0);
    expect_open_fails(p, zero_key, AAD, AAD_LEN, sealed, len, "zero key");
}

static void test_seal_random_iv(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    unsigned char key[COG_KEY_LEN];
    key_of(key, 1);
    enum { N = 32 };
    unsigned char *sealed[N];
    size_t len[N];
    for (int i = 0; i < N; i++)
        assert_int_equal(cog_seal(p, key, AAD, AAD_LEN, "same plaintext", 14, &sealed[i], &len[i]), 0);
    for (int i = 0; i < N; i++)
        for (int j = i + 1; j < N; j++) {
            assert_int_equal(len[i], len[j]);
            assert_memory_not_equal(sealed[i], sealed[j], len[i]);               /* whole record */
            assert_memory_not_equal(sealed[i] + 1, sealed[j] + 1, 12);           /* the IVs */
            assert_memory_not_equal(sealed[i] + 13, sealed[j] + 13, 14);         /* the ciphertexts */
        }
    /* All of them open to the same text. */
    for (int i = 0; i < N; i++) {
        char *out;
        size_t out_len;
        assert_int_equal(cog_open(p, key, AAD, AAD_LEN, sealed[i], len[i], &out, &out_len), 0);
        assert_string_equal(out, "same plaintext");
    }
}

/* A record moved between slots (IV/CT/TAG of one, sealed for another aad) fails;
 * splicing the tag of one record onto another fails. */
static void test_open_splice(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    unsigned char key[COG_KEY_LEN], *a, *b;
    size_t alen, blen;
    key_of(key, 1);
    assert_int_equal(cog_seal(p, key, AAD, AAD_LEN, "record-A", 8, &a, &alen), 0);
    assert_int_equal(cog_seal(p, key, AAD, AAD_LEN, "record-B", 8, &b, &blen), 0);
    unsigned char *mix = apr_pmemdup(p, a, alen);
    memcpy(mix + alen - 16, b + blen - 16, 16);           /* B's tag on A */
    expect_open_fails(p, key, AAD, AAD_LEN, mix, alen, "spliced tag");
    mix = apr_pmemdup(p, a, alen);
    memcpy(mix + 1, b + 1, 12);                           /* B's IV on A */
    expect_open_fails(p, key, AAD, AAD_LEN, mix, alen, "spliced IV");
}

static const struct CMUnitTest tests[] = {
    TU_TEST(test_random_distinct),
    TU_TEST(test_random_token),
    TU_TEST(test_derive_deterministic_and_separated),
    TU_TEST(test_derive_is_hmac_sha256),
    TU_TEST(test_seal_round_trip_sizes),
    TU_TEST(test_seal_no_aad),
    TU_TEST(test_open_wrong_key),
    TU_TEST(test_open_wrong_aad),
    TU_TEST(test_open_every_bit_flipped),
    TU_TEST(test_open_truncated_or_extended),
    TU_TEST(test_open_version_byte),
    TU_TEST(test_open_empty_and_minimal),
    TU_TEST(test_seal_random_iv),
    TU_TEST(test_open_splice),
};

TU_MAIN(tests, NULL, NULL)
