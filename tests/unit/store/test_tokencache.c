/*
 * test_tokencache.c — tokencache.c: the per-process table of memos (verified tokens, sessions).
 */
#include "testutil.h"
#include "util/crypto.h"
#include "store/tokencache.h"

#include <apr_thread_proc.h>

#define WAYS 4

/* Entries a cache of this capacity holds: sets (a power of two) times 4 ways. */
static size_t table_size(size_t capacity)
{
    if (capacity == 0)
        return 0;
    size_t sets = 1;
    while (sets * WAYS < capacity)
        sets <<= 1;
    return sets * WAYS;
}

static void make_key(const char *policy, int i, unsigned char key[COG_TOKENCACHE_KEY_LEN])
{
    char token[64];
    int n = snprintf(token, sizeof(token), "token-%d", i);
    assert_int_equal(cog_tokencache_key(policy, token, (size_t)n, key), 0);
}

/* The table holds memos; these tests store byte strings in them. */
typedef struct {
    char  *bytes;
    size_t len;
} blob_t;

static void put_bytes(cog_tokencache_t *c, const unsigned char *key, double now, double exp,
                      const char *payload, size_t len)
{
    cog_memo_t *m = cog_memo_create();
    assert_non_null(m);
    blob_t *b = apr_palloc(m->pool, sizeof(*b));
    b->bytes = apr_pstrmemdup(m->pool, payload, len);
    b->len = len;
    m->data = b;
    cog_tokencache_put(c, key, now, exp, m);
    cog_memo_release(m);                       /* the table keeps its own reference */
}

static int get_bytes(cog_tokencache_t *c, apr_pool_t *p, const unsigned char *key, double now,
                     char **out, size_t *len)
{
    cog_memo_t *m = cog_tokencache_get(c, p, key, now);
    if (m == NULL)
        return 0;
    const blob_t *b = m->data;
    /* a copy, so callers may scribble on it (the memo itself is read-only) */
    *out = apr_pstrmemdup(p, b->bytes, b->len);
    *len = b->len;
    return 1;
}

static int get_str(cog_tokencache_t *c, apr_pool_t *p, const unsigned char *key, double now, char **out)
{
    size_t len = 0;
    *out = NULL;
    int found = get_bytes(c, p, key, now, out, &len);
    if (found) {
        assert_non_null(*out);
        assert_int_equal(strlen(*out), len);
    }
    return found;
}

static void put_str(cog_tokencache_t *c, const unsigned char *key, double now, double exp, const char *payload)
{
    put_bytes(c, key, now, exp, payload, strlen(payload));
}

/* ---- keys --------------------------------------------------------------------------------------- */

static void test_key(void **state)
{
    (void)state;
    unsigned char k1[32], k2[32], k3[32], k4[32], want[32];

    assert_int_equal(cog_tokencache_key("pol", "tok", 3, k1), 0);
    assert_int_equal(cog_sha256("pol\0tok", 7, want), 0);
    assert_memory_equal(k1, want, 32);

    assert_int_equal(cog_tokencache_key("pol", "tok", 3, k2), 0);
    assert_memory_equal(k1, k2, 32);                                  /* deterministic */

    assert_int_equal(cog_tokencache_key("pol2", "tok", 3, k2), 0);
    assert_memory_not_equal(k1, k2, 32);                              /* policy matters */
    assert_int_equal(cog_tokencache_key("pol", "tok2", 4, k2), 0);
    assert_memory_not_equal(k1, k2, 32);                              /* token matters */
    assert_int_equal(cog_tokencache_key("pol", "tokX", 3, k2), 0);
    assert_memory_equal(k1, k2, 32);                                  /* only token_len bytes */

    /* the separator keeps (policy, token) pairs apart */
    assert_int_equal(cog_tokencache_key("ab", "c", 1, k3), 0);
    assert_int_equal(cog_tokencache_key("a", "bc", 2, k4), 0);
    assert_memory_not_equal(k3, k4, 32);

    /* a policy differing only in the client id, or the token use */
    const char *tok = "eyJhbGciOiJSUzI1NiJ9.e30.c2ln";
    assert_int_equal(cog_tokencache_key("https://iss\nclient-a\n0\n60", tok, strlen(tok), k3), 0);
    assert_int_equal(cog_tokencache_key("https://iss\nclient-b\n0\n60", tok, strlen(tok), k4), 0);
    assert_memory_not_equal(k3, k4, 32);
    assert_int_equal(cog_tokencache_key("https://iss\nclient-a\n1\n60", tok, strlen(tok), k4), 0);
    assert_memory_not_equal(k3, k4, 32);

    /* tokens with embedded NULs are hashed over their whole length */
    assert_int_equal(cog_tokencache_key("p", "a\0b", 3, k3), 0);
    assert_int_equal(cog_tokencache_key("p", "a\0c", 3, k4), 0);
    assert_memory_not_equal(k3, k4, 32);
}

/* ---- basic behaviour ----------------------------------------------------------------------------- */

static void test_capacity_zero_stores_nothing(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    cog_tokencache_t *c = cog_tokencache_create(0);
    assert_non_null(c);
    unsigned char key[32];
    make_key("p", 1, key);
    put_str(c, key, 1000, 2000, "{\"sub\":\"x\"}");
    char *out;
    assert_false(get_str(c, p, key, 1000, &out));
    assert_int_equal(cog_tokencache_count(c), 0);
    cog_tokencache_destroy(c);
}

static void test_null_cache(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    unsigned char key[32];
    make_key("p", 1, key);
    char *out;
    size_t len;
    assert_false(get_bytes(NULL, p, key, 0, &out, &len));
    put_bytes(NULL, key, 0, 10, "x", 1);
    cog_tokencache_remove(NULL, key);
    assert_int_equal(cog_tokencache_count(NULL), 0);
    cog_tokencache_destroy(NULL);
}

static void test_round_trip(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    cog_tokencache_t *c = cog_tokencache_create(16);
    assert_non_null(c);
    unsigned char k1[32], k2[32], k3[32];
    make_key("p", 1, k1);
    make_key("p", 2, k2);
    make_key("other-policy", 1, k3);

    char payload[] = "{\"sub\":\"alice\",\"exp\":2000}";
    put_bytes(c, k1, 1000, 2000, payload, strlen(payload));
    payload[2] = 'X';                                  /* the memo holds its own copy */
    assert_int_equal(cog_tokencache_count(c), 1);

    char *out;
    size_t len;
    assert_true(get_bytes(c, p, k1, 1000, &out, &len));
    assert_int_equal(len, strlen("{\"sub\":\"alice\",\"exp\":2000}"));
    assert_string_equal(out, "{\"sub\":\"alice\",\"exp\":2000}");
    assert_false(get_bytes(c, p, k2, 1000, &out, &len));
    assert_false(get_bytes(c, p, k3, 1000, &out, &len));

    /* only payload_len bytes; embedded NULs survive; empty payloads work */
    put_bytes(c, k2, 1000, 2000, "abcdef", 3);
    assert_true(get_bytes(c, p, k2, 1000, &out, &len));
    assert_int_equal(len, 3);
    assert_string_equal(out, "abc");
    put_bytes(c, k2, 1000, 2000, "a\0b", 3);
    assert_true(get_bytes(c, p, k2, 1000, &out, &len));
    assert_int_equal(len, 3);
    assert_memory_equal(out, "a\0b", 4);
    put_bytes(c, k3, 1000, 2000, "", 0);
    assert_true(get_bytes(c, p, k3, 1000, &out, &len));
    assert_int_equal(len, 0);
    assert_string_equal(out, "");
    assert_int_equal(cog_tokencache_count(c), 3);

    /* remove forgets one entry only */
    cog_tokencache_remove(c, k3);
    assert_false(get_bytes(c, p, k3, 1000, &out, &len));
    assert_int_equal(cog_tokencache_count(c), 2);
    cog_tokencache_remove(c, k3);
    assert_int_equal(cog_tokencache_count(c), 2);

    /* the returned copy belongs to the caller's pool */
    assert_true(get_bytes(c, p, k1, 1000, &out, &len));
    out[0] = '#';
    assert_true(get_str(c, p, k1, 1000, &out));
    assert_int_equal(out[0], '{');
    cog_tokencache_destroy(c);
}

static void test_expiry(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    cog_tokencache_t *c = cog_tokencache_create(8);
    unsigned char key[32];
    make_key("p", 1, key);
    put_str(c, key, 1000, 2000, "x");
    char *out;
    assert_true(get_str(c, p, key, 1999.9, &out));
    assert_false(get_str(c, p, key, 2000, &out));
    assert_int_equal(cog_tokencache_count(c), 0);      /* dropped on the way */
    assert_false(get_str(c, p, key, 1500, &out));      /* and gone for good */

    put_str(c, key, 1000, 2000, "x");
    assert_false(get_str(c, p, key, 5000, &out));
    cog_tokencache_destroy(c);
}

static void test_put_already_expired_ignored(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    cog_tokencache_t *c = cog_tokencache_create(8);
    unsigned char key[32];
    make_key("p", 1, key);
    char *out;
    put_str(c, key, 1000, 1000, "x");
    assert_int_equal(cog_tokencache_count(c), 0);
    assert_false(get_str(c, p, key, 999, &out));
    put_str(c, key, 1000, 999, "x");
    put_str(c, key, 1000, 0, "x");
    put_str(c, key, 1000, -5, "x");
    assert_int_equal(cog_tokencache_count(c), 0);
    assert_false(get_str(c, p, key, 0, &out));
    cog_tokencache_destroy(c);
}

static void test_replace_same_key(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    cog_tokencache_t *c = cog_tokencache_create(8);
    unsigned char key[32];
    make_key("p", 1, key);
    char *out;
    put_str(c, key, 1000, 2000, "first");
    put_str(c, key, 1000, 3000, "second, longer");
    assert_int_equal(cog_tokencache_count(c), 1);
    assert_true(get_str(c, p, key, 1000, &out));
    assert_string_equal(out, "second, longer");
    assert_true(get_str(c, p, key, 2500, &out));       /* the new exp counts */
    put_str(c, key, 1000, 2200, "3");
    assert_int_equal(cog_tokencache_count(c), 1);
    assert_false(get_str(c, p, key, 2500, &out));
    /* replacing an expired, not yet dropped entry */
    put_str(c, key, 1000, 2000, "old");
    put_str(c, key, 2100, 4000, "new");
    assert_int_equal(cog_tokencache_count(c), 1);
    assert_true(get_str(c, p, key, 3000, &out));
    assert_string_equal(out, "new");
    cog_tokencache_destroy(c);
}

/* ---- bounds and eviction ------------------------------------------------------------------------- */

static void fill_and_check(apr_pool_t *p, size_t capacity)
{
    cog_tokencache_t *c = cog_tokencache_create(capacity);
    assert_non_null(c);
    size_t table = table_size(capacity);
    int n = (int)(capacity * 10);
    unsigned char key[32];
    char *out;

    for (int i = 0; i < n; i++) {
        make_key("fill", i, key);
        char *payload = apr_psprintf(p, "payload-%d", i);
        put_str(c, key, 1000, 100000 + i, payload);
        if (cog_tokencache_count(c) > table)
            fail_msg("capacity %zu: %zu entries in a table of %zu", capacity, cog_tokencache_count(c), table);
        if (!get_str(c, p, key, 1000, &out))
            fail_msg("capacity %zu: entry %d not found right after put", capacity, i);
        assert_string_equal(out, payload);
    }
    assert_int_equal(cog_tokencache_count(c), table);
    /* the newest entries survive (eviction takes the one expiring first) */
    for (int i = n - WAYS; i < n; i++) {
        make_key("fill", i, key);
        if (!get_str(c, p, key, 1000, &out))
            fail_msg("capacity %zu: recent entry %d evicted", capacity, i);
        assert_string_equal(out, apr_psprintf(p, "payload-%d", i));
    }
    /* whatever is found is right */
    size_t found = 0;
    for (int i = 0; i < n; i++) {
        make_key("fill", i, key);
        if (get_str(c, p, key, 1000, &out)) {
            found++;
            assert_string_equal(out, apr_psprintf(p, "payload-%d", i));
        }
    }
    assert_int_equal(found, table);
    cog_tokencache_destroy(c);
}

static void test_capacity_bound(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    assert_int_equal(table_size(1), 4);
    assert_int_equal(table_size(4), 4);
    assert_int_equal(table_size(5), 8);
    assert_int_equal(table_size(10), 16);
    assert_int_equal(table_size(1000), 1024);
    fill_and_check(p, 1);
    fill_and_check(p, 4);
    fill_and_check(p, 5);
    fill_and_check(p, 10);
    fill_and_check(p, 100);
    fill_and_check(p, 1000);
}

static void test_eviction_prefers_expired(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    cog_tokencache_t *c = cog_tokencache_create(1);    /* one set of 4 ways: every key collides */
    unsigned char k[6][32];
    for (int i = 0; i < 6; i++)
        make_key("evict", i, k[i]);
    char *out;

    put_str(c, k[0], 0, 1000, "k0");
    put_str(c, k[1], 0, 50, "k1");                     /* dies at 50 */
    put_str(c, k[2], 0, 2000, "k2");
    put_str(c, k[3], 0, 3000, "k3");
    assert_int_equal(cog_tokencache_count(c), 4);

    put_str(c, k[4], 100, 500, "k4");                   /* takes k1's dead slot */
    assert_int_equal(cog_tokencache_count(c), 4);
    assert_false(get_str(c, p, k[1], 100, &out));
    assert_true(get_str(c, p, k[0], 100, &out));
    assert_string_equal(out, "k0");
    assert_true(get_str(c, p, k[2], 100, &out));
    assert_true(get_str(c, p, k[3], 100, &out));
    assert_true(get_str(c, p, k[4], 100, &out));
    assert_string_equal(out, "k4");

    /* all live: the one expiring first (k4, exp 500) goes */
    put_str(c, k[5], 100, 600, "k5");
    assert_int_equal(cog_tokencache_count(c), 4);
    assert_false(get_str(c, p, k[4], 100, &out));
    assert_true(get_str(c, p, k[0], 100, &out));
    assert_true(get_str(c, p, k[2], 100, &out));
    assert_true(get_str(c, p, k[3], 100, &out));
    assert_true(get_str(c, p, k[5], 100, &out));
    assert_string_equal(out, "k5");

    /* replacing a present key evicts nobody */
    put_str(c, k[2], 100, 2500, "k2'");
    assert_int_equal(cog_tokencache_count(c), 4);
    assert_true(get_str(c, p, k[0], 100, &out));
    assert_true(get_str(c, p, k[3], 100, &out));
    assert_true(get_str(c, p, k[5], 100, &out));
    assert_true(get_str(c, p, k[2], 100, &out));
    assert_string_equal(out, "k2'");
    cog_tokencache_destroy(c);
}

static void test_eviction_prefers_expired_over_earliest_slot(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    cog_tokencache_t *c = cog_tokencache_create(1);
    unsigned char k[5][32];
    for (int i = 0; i < 5; i++)
        make_key("evict2", i, k[i]);
    char *out;
    /* ways 0..2 live, way 3 dead by the time of the next put */
    put_str(c, k[0], 0, 900, "k0");
    put_str(c, k[1], 0, 800, "k1");
    put_str(c, k[2], 0, 700, "k2");
    put_str(c, k[3], 0, 10, "k3");
    put_str(c, k[4], 20, 100, "k4");
    assert_int_equal(cog_tokencache_count(c), 4);
    assert_true(get_str(c, p, k[0], 20, &out));
    assert_true(get_str(c, p, k[1], 20, &out));
    assert_true(get_str(c, p, k[2], 20, &out));
    assert_true(get_str(c, p, k[4], 20, &out));
    assert_false(get_str(c, p, k[3], 20, &out));
    cog_tokencache_destroy(c);
}

/* ---- threads ------------------------------------------------------------------------------------- */

#define THREADS 4
#define ITERATIONS 4000
#define KEYS 64

typedef struct {
    cog_tokencache_t *cache;
    int               id;
    int               errors;
    int               hits;
    int               done;
} worker_t;

static unsigned char shared_keys[KEYS][COG_TOKENCACHE_KEY_LEN];

static void *APR_THREAD_FUNC worker(apr_thread_t *thread, void *data)
{
    worker_t *w = data;
    apr_pool_t *p = NULL;
    (void)thread;
    /* Plain return rather than apr_thread_exit(): pthread_exit's unwinding trips
     * ASan's stack-use-after-scope check (a sanitizer false positive). */
    if (apr_pool_create(&p, NULL) != APR_SUCCESS) {
        w->errors++;
        return NULL;
    }
    unsigned int seed = (unsigned int)w->id * 2654435761u + 1;
    for (int i = 0; i < ITERATIONS; i++) {
        seed = seed * 1103515245u + 12345u;
        int k = (int)((seed >> 8) % KEYS);
        double now = 1000 + (i % 50);
        char expect[64];
        int n = snprintf(expect, sizeof(expect), "{\"key\":%d,\"pad\":\"%0*d\"}", k, k % 40, 0);
        if (i % 3 == 0) {
            /* some entries are short-lived, some are born dead (ignored) */
            double exp = (seed & 0x10000) ? now + 1 + (seed % 100) : now - 1;
            put_bytes(w->cache, shared_keys[k], now, exp, expect, (size_t)n);
        } else {
            char *out = NULL;
            size_t len = 0;
            if (get_bytes(w->cache, p, shared_keys[k], now, &out, &len)) {
                w->hits++;
                if (len != (size_t)n || memcmp(out, expect, len) != 0 || out[len] != '\0')
                    w->errors++;
            }
        }
        if (i % 500 == 0) {
            if (cog_tokencache_count(w->cache) > table_size(16))
                w->errors++;
            apr_pool_clear(p);
        }
    }
    apr_pool_destroy(p);
    w->done = 1;
    return NULL;
}

static void test_threads(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    cog_tokencache_t *c = cog_tokencache_create(16);
    assert_non_null(c);
    for (int k = 0; k < KEYS; k++)
        make_key("threads", k, shared_keys[k]);

    apr_thread_t *threads[THREADS];
    worker_t workers[THREADS];
    for (int t = 0; t < THREADS; t++) {
        workers[t] = (worker_t){ .cache = c, .id = t, .errors = 0, .hits = 0, .done = 0 };
        assert_int_equal(apr_thread_create(&threads[t], NULL, worker, &workers[t], p), APR_SUCCESS);
    }
    int hits = 0;
    for (int t = 0; t < THREADS; t++) {
        apr_status_t rv;
        assert_int_equal(apr_thread_join(&rv, threads[t]), APR_SUCCESS);
        assert_int_equal(workers[t].done, 1);
        assert_int_equal(workers[t].errors, 0);
        hits += workers[t].hits;
    }
    assert_true(hits > 0);
    assert_in_range(cog_tokencache_count(c), 0, table_size(16));
    cog_tokencache_destroy(c);
}

/* A borrowed memo outlives its eviction, removal and the table itself, until the
 * borrowing pool is cleaned up (ASan reports any use after free or leak). */
static void test_borrow_outlives_table(void **state)
{
    apr_pool_t *p = TU_POOL(state), *request;
    assert_int_equal(apr_pool_create(&request, p), APR_SUCCESS);
    cog_tokencache_t *c = cog_tokencache_create(4);
    assert_non_null(c);
    unsigned char k1[32];
    make_key("p", 1, k1);
    put_bytes(c, k1, 1000, 2000, "first", 5);
    cog_memo_t *m = cog_tokencache_get(c, request, k1, 1000);
    assert_non_null(m);
    assert_int_equal(apr_atomic_read32(&m->refs), 2);          /* table + request */
    put_bytes(c, k1, 1000, 2000, "second", 6);                  /* replaced: the table lets go */
    assert_int_equal(apr_atomic_read32(&m->refs), 1);
    assert_string_equal(((const blob_t *)m->data)->bytes, "first");
    cog_memo_t *m2 = cog_tokencache_get(c, request, k1, 1000);
    assert_non_null(m2);
    assert_ptr_not_equal(m, m2);
    cog_tokencache_destroy(c);
    assert_string_equal(((const blob_t *)m->data)->bytes, "first");
    assert_string_equal(((const blob_t *)m2->data)->bytes, "second");
    apr_pool_destroy(request);                                  /* last references go */
}

/* Admission on the second sighting: once is remembered, twice admits; an empty
 * table admits nothing. */
static void test_seen_before(void **state)
{
    (void)state;
    cog_tokencache_t *c = cog_tokencache_create(16);
    assert_non_null(c);
    unsigned char k1[32], k2[32];
    make_key("p", 1, k1);
    make_key("p", 2, k2);
    assert_false(cog_tokencache_seen_before(c, k1));
    assert_true(cog_tokencache_seen_before(c, k1));
    assert_true(cog_tokencache_seen_before(c, k1));
    assert_false(cog_tokencache_seen_before(c, k2));
    assert_true(cog_tokencache_seen_before(c, k2));
    /* many other keys overwrite the record: k1 must then be seen twice again */
    int readmitted = 1;
    for (int i = 100; i < 100 + 64 * 64; i++) {
        unsigned char k[32];
        make_key("p", i, k);
        (void)cog_tokencache_seen_before(c, k);
    }
    if (!cog_tokencache_seen_before(c, k1))
        readmitted = cog_tokencache_seen_before(c, k1);
    assert_true(readmitted);
    assert_int_equal(cog_tokencache_count(c), 0);            /* admission stores nothing */
    cog_tokencache_destroy(c);

    cog_tokencache_t *none = cog_tokencache_create(0);
    assert_false(cog_tokencache_seen_before(none, k1));
    assert_false(cog_tokencache_seen_before(none, k1));
    cog_tokencache_destroy(none);
    assert_false(cog_tokencache_seen_before(NULL, k1));
}

static const struct CMUnitTest tests[] = {
    TU_TEST(test_key),
    TU_TEST(test_capacity_zero_stores_nothing),
    TU_TEST(test_null_cache),
    TU_TEST(test_round_trip),
    TU_TEST(test_expiry),
    TU_TEST(test_put_already_expired_ignored),
    TU_TEST(test_replace_same_key),
    TU_TEST(test_capacity_bound),
    TU_TEST(test_eviction_prefers_expired),
    TU_TEST(test_eviction_prefers_expired_over_earliest_slot),
    TU_TEST(test_threads),
    TU_TEST(test_borrow_outlives_table),
    TU_TEST(test_seen_before),
};

TU_MAIN(tests, NULL, NULL)
