/*
 * test_session_policy.c — session_policy.c (when a session ends, refreshes, records
 * activity and leaves the store) and record.c's derivation of record slots and keys.
 *
 * Threats these guard: a session outliving its maximum age or idle timeout; a
 * session without refresh outliving its access token (a user revoked at Cognito
 * keeps access); a session record leaving the store while a request may still use
 * it (logged-in users logged out); activity written on every request (store
 * churn); a record of one app client, issuer or secret found at another.
 */
#include "testutil.h"

#include "store/record.h"
#include "flow/session_policy.h"

#define T0 1700000000.0

static cog_lifetime_t lifetime(int idle, int refresh)
{
    cog_lifetime_t lt = { .max_age = 28800, .idle = idle, .revalidate = 0, .skew = 60, .refresh = refresh };
    return lt;
}

static cog_session_times_t times(void)
{
    cog_session_times_t t = { .created = T0, .last_seen = T0, .refreshed = T0, .access_exp = T0 + 3600 };
    return t;
}

static void test_ending(void **state)
{
    (void)state;
    cog_lifetime_t lt = lifetime(3600, 1);
    cog_session_times_t t = times();
    assert_int_equal(cog_policy_ending(&lt, &t, T0 + 10), COG_OK);
    assert_int_equal(cog_policy_ending(&lt, &t, T0 + 3599), COG_OK);
    assert_int_equal(cog_policy_ending(&lt, &t, T0 + 3600), COG_E_SESSION_IDLE);
    t.last_seen = T0 + 28000;
    assert_int_equal(cog_policy_ending(&lt, &t, T0 + 28799), COG_OK);
    assert_int_equal(cog_policy_ending(&lt, &t, T0 + 28800), COG_E_SESSION_EXPIRED);   /* maximum age first */
    /* No idle timeout. */
    lt.idle = 0;
    t = times();
    assert_int_equal(cog_policy_ending(&lt, &t, T0 + 20000), COG_OK);
    /* Refresh off: the session ends with its access token (plus skew). */
    lt = lifetime(0, 0);
    assert_int_equal(cog_policy_ending(&lt, &t, T0 + 3600 + 59), COG_OK);
    assert_int_equal(cog_policy_ending(&lt, &t, T0 + 3600 + 60), COG_E_SESSION_EXPIRED);
    /* Refresh on: an expired access token is the refresh's business, not an end. */
    lt = lifetime(0, 1);
    assert_int_equal(cog_policy_ending(&lt, &t, T0 + 7200), COG_OK);
}

static void test_refresh_due(void **state)
{
    (void)state;
    cog_lifetime_t lt = lifetime(3600, 1);
    cog_session_times_t t = times();
    assert_false(cog_policy_refresh_due(&lt, &t, T0 + 3539));        /* 60 s margin for a 1 h token */
    assert_true(cog_policy_refresh_due(&lt, &t, T0 + 3540));
    assert_true(cog_policy_refresh_due(&lt, &t, T0 + 9999));
    /* A short token: a quarter of its life, at least 1 s. */
    t.access_exp = T0 + 8;
    assert_false(cog_policy_refresh_due(&lt, &t, T0 + 5.9));
    assert_true(cog_policy_refresh_due(&lt, &t, T0 + 6));
    t.access_exp = T0 + 2;
    assert_false(cog_policy_refresh_due(&lt, &t, T0 + 0.9));
    assert_true(cog_policy_refresh_due(&lt, &t, T0 + 1));
    /* CognitoRevalidateInterval. */
    t = times();
    lt.revalidate = 300;
    assert_false(cog_policy_refresh_due(&lt, &t, T0 + 299));
    assert_true(cog_policy_refresh_due(&lt, &t, T0 + 300));
    /* Never without refresh. */
    lt = lifetime(3600, 0);
    assert_false(cog_policy_refresh_due(&lt, &t, T0 + 99999));
}

static void test_touch(void **state)
{
    (void)state;
    cog_lifetime_t lt = lifetime(3600, 1);
    cog_session_times_t t = times();
    /* An eighth of the idle timeout, at most 5 minutes, at least 1 s. */
    assert_true(cog_policy_touch_every(&lt) == 300.0);
    lt.idle = 800;
    assert_true(cog_policy_touch_every(&lt) == 100.0);
    lt.idle = 4;
    assert_true(cog_policy_touch_every(&lt) == 1.0);
    lt.idle = 0;
    assert_true(cog_policy_touch_every(&lt) == 300.0);
    lt.idle = 800;
    assert_false(cog_policy_touch_due(&lt, &t, T0 + 99.9));
    assert_true(cog_policy_touch_due(&lt, &t, T0 + 100));
    /* The idle timeout never ends a session that was active within it, with touches at this rate. */
    for (double now = T0; now < T0 + 5000; now += 7) {
        if (cog_policy_touch_due(&lt, &t, now))
            t.last_seen = now;
        assert_int_equal(cog_policy_ending(&lt, &t, now + 7), COG_OK);
    }
}

static void test_record_expiry(void **state)
{
    (void)state;
    cog_lifetime_t lt = lifetime(3600, 1);
    cog_session_times_t t = times();
    /* With refresh: the record must outlive any activity up to the access token's expiry, plus idle. */
    assert_true(cog_policy_record_expiry(&lt, &t) == T0 + 3600 + 3600 + 1);
    t.last_seen = T0 + 5000;            /* a record written later carries a later last_seen */
    assert_true(cog_policy_record_expiry(&lt, &t) == T0 + 5000 + 3600 + 1);
    /* Never past the maximum age. */
    t.last_seen = T0 + 28000;
    assert_true(cog_policy_record_expiry(&lt, &t) == T0 + 28800 + 1);
    /* Without refresh: access token expiry plus skew. */
    lt = lifetime(3600, 0);
    t = times();
    assert_true(cog_policy_record_expiry(&lt, &t) == T0 + 3600 + 60 + 1);
    /* No idle timeout: maximum age. */
    lt = lifetime(0, 1);
    assert_true(cog_policy_record_expiry(&lt, &t) == T0 + 28800 + 1);
    /* A last-seen record: idle from its write, within the maximum age. */
    lt = lifetime(3600, 1);
    assert_true(cog_policy_seen_expiry(&lt, &t, T0 + 100) == T0 + 100 + 3600 + 1);
    assert_true(cog_policy_seen_expiry(&lt, &t, T0 + 28000) == T0 + 28800 + 1);
    /* What the info endpoint shows. */
    assert_true(cog_policy_session_expires(&lt, &t) == T0 + 3600);
    t.last_seen = T0 + 27000;
    assert_true(cog_policy_session_expires(&lt, &t) == T0 + 28800);
}

/* Every session request that can still be served finds its record in the store. */
static void test_record_outlives_use(void **state)
{
    (void)state;
    cog_lifetime_t lt = lifetime(600, 1);
    cog_session_times_t t = times();
    t.access_exp = T0 + 900;
    double stored_until = cog_policy_record_expiry(&lt, &t);
    /* Activity every 500 s (touches only) until the refresh is due. */
    for (double now = T0; now < t.access_exp - 60; now += 500) {
        if (cog_policy_touch_due(&lt, &t, now))
            t.last_seen = now;
        assert_int_equal(cog_policy_ending(&lt, &t, now), COG_OK);
        assert_true(now < stored_until);
    }
}

static void test_record_derivation(void **state)
{
    (void)state;
    const char *id = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    const char *secret = "server-secret-0123456789abcdef0123456789";
    const char *iss = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_A";
    unsigned char f1[32], f2[32], s1[32], k1[32], s2[32], k2[32];
    assert_int_equal(cog_record_family(secret, iss, "client-a", id, f1), 0);
    assert_int_equal(cog_record_kind_keys(f1, "session", s1, k1), 0);
    assert_memory_not_equal(s1, k1, 32);
    /* Deterministic. */
    assert_int_equal(cog_record_family(secret, iss, "client-a", id, f2), 0);
    assert_memory_equal(f1, f2, 32);
    /* Another client, issuer, secret or id: another family. */
    assert_int_equal(cog_record_family(secret, iss, "client-b", id, f2), 0);
    assert_memory_not_equal(f1, f2, 32);
    assert_int_equal(cog_record_family(secret, "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_B", "client-a",
                                       id, f2), 0);
    assert_memory_not_equal(f1, f2, 32);
    assert_int_equal(cog_record_family("server-secret-0123456789abcdef012345678X", iss, "client-a", id, f2), 0);
    assert_memory_not_equal(f1, f2, 32);
    /* The fields cannot be shifted into each other. */
    assert_int_equal(cog_record_family(secret, iss, "client-a\nA", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", f2), 0);
    assert_memory_not_equal(f1, f2, 32);
    /* Another kind: another slot and key, none equal to the first. */
    assert_int_equal(cog_record_kind_keys(f1, "seen", s2, k2), 0);
    assert_memory_not_equal(s1, s2, 32);
    assert_memory_not_equal(k1, k2, 32);
    assert_memory_not_equal(s1, k2, 32);
    /* The documented HMACs. */
    unsigned char want[32];
    const char *label = "mod_auth_cognito record v2\n"
                        "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_A\nclient-a\n"
                        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    assert_int_equal(cog_derive(secret, strlen(secret), label, want), 0);
    assert_memory_equal(f1, want, 32);
    assert_int_equal(cog_derive((const char *)f1, 32, "slot session", want), 0);
    assert_memory_equal(s1, want, 32);
    assert_int_equal(cog_derive((const char *)f1, 32, "key session", want), 0);
    assert_memory_equal(k1, want, 32);
    /* A label too long for the buffer is refused, not cut. */
    char huge[1100];
    memset(huge, 'c', sizeof(huge) - 1);
    huge[sizeof(huge) - 1] = '\0';
    assert_int_equal(cog_record_family(secret, iss, huge, id, f2), -1);
}

static const struct CMUnitTest tests[] = {
    TU_TEST(test_ending),
    TU_TEST(test_refresh_due),
    TU_TEST(test_touch),
    TU_TEST(test_record_expiry),
    TU_TEST(test_record_outlives_use),
    TU_TEST(test_record_derivation),
};

TU_MAIN(tests, NULL, NULL)
