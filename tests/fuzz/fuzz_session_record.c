/*
 * fuzz_session_record — records read back from the shared cache, which the module
 * treats as untrusted: cog_session_decode and cog_state_decode on the raw text,
 * and cog_open (AES-256-GCM) with a fixed key on the raw bytes, decoding the
 * plaintext when it opens.  Seeds sealed under that key are in the corpus.
 *
 * Properties asserted:
 *   - a decoded session/state has every required field, times in range, claims
 *     an object, identity-pool credentials in all three parts or none; encoding it
 *     and decoding again gives the same record;
 *   - cog_seal → cog_open of the input gives it back; the same sealed bytes with
 *     one bit flipped, or opened for another slot, do not open.
 */
#include "fuzz_common.h"

#include <math.h>

#include "util/crypto.h"
#include "util/json.h"
#include "store/record.h"

/* The session id, server secret and owner the fixed key is derived from (as
 * store.h derives it); gen_corpus.py seals seeds under the same derivation. */
#define FUZZ_SESSION_ID "fuzzSessionIdAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
#define FUZZ_SERVER_SECRET "fuzz-server-secret-0123456789abcdef0123456789"
#define FUZZ_ISSUER "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Fuzz"
#define FUZZ_CLIENT "fuzzclient"

static unsigned char slot[COG_KEY_LEN], key[COG_KEY_LEN];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_apr_init();
    unsigned char family[COG_KEY_LEN];
    if (!cog_record_secret_valid(FUZZ_SESSION_ID)
        || cog_record_family(FUZZ_SERVER_SECRET, FUZZ_ISSUER, FUZZ_CLIENT, FUZZ_SESSION_ID, family) != 0
        || cog_record_kind_keys(family, "session", slot, key) != 0)
        abort();
    return 0;
}

static int time_ok(double t)
{
    return isfinite(t) && t >= 0 && t <= 253402300799.0;
}

static int same_str(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

static void check_session(apr_pool_t *p, const char *text, size_t len)
{
    const char *why = NULL;
    cog_session_t *s = cog_session_decode(p, text, len, &why);
    if (s == NULL) {
        FUZZ_CHECK(why != NULL, "a refused session record says why");
        return;
    }
    FUZZ_CHECK(time_ok(s->created) && time_ok(s->last_seen) && time_ok(s->refreshed) && time_ok(s->access_exp),
               "session times are dates");
    FUZZ_CHECK(s->id_token && *s->id_token && s->access_token && *s->access_token, "session has both tokens");
    FUZZ_CHECK(s->issuer && *s->issuer && s->client_id && *s->client_id, "session names its owner");
    FUZZ_CHECK(cJSON_IsObject(s->claims), "session claims are an object");

    char *again = cog_session_encode(p, s);
    FUZZ_CHECK(again != NULL, "a decoded session encodes");
    cog_session_t *t = cog_session_decode(p, again, strlen(again), &why);
    FUZZ_CHECK(t != NULL, "an encoded session decodes");
    FUZZ_CHECK(t->created == s->created && t->last_seen == s->last_seen && t->refreshed == s->refreshed
               && t->access_exp == s->access_exp, "session times survive encode/decode");
    FUZZ_CHECK(same_str(t->id_token, s->id_token) && same_str(t->access_token, s->access_token)
               && same_str(t->refresh_token, s->refresh_token) && same_str(t->scope, s->scope),
               "session strings survive encode/decode");
    FUZZ_CHECK(time_ok(s->forbidden_refresh) && t->forbidden_refresh == s->forbidden_refresh,
               "the RefreshOnForbidden time survives encode/decode");
    FUZZ_CHECK((s->aws == NULL) == (t->aws == NULL), "the identity-pool state survives encode/decode");
    if (s->aws && t->aws) {
        const cog_aws_state_t *a = s->aws, *b = t->aws;
        int parts = (a->access_key_id != NULL) + (a->secret_key != NULL) + (a->session_token != NULL);
        FUZZ_CHECK(parts == 0 || parts == 3, "credentials are all three parts or none");
        FUZZ_CHECK(same_str(a->identity_id, b->identity_id) && same_str(a->access_key_id, b->access_key_id)
                   && same_str(a->secret_key, b->secret_key) && same_str(a->session_token, b->session_token)
                   && same_str(a->role_arn, b->role_arn) && same_str(a->failure, b->failure)
                   && a->expiration == b->expiration && a->obtained == b->obtained && a->failed == b->failed,
                   "identity-pool fields survive encode/decode");
    }
}

static void check_state(apr_pool_t *p, const char *text, size_t len)
{
    const char *why = NULL;
    cog_login_state_t *st = cog_state_decode(p, text, len, &why);
    if (st == NULL) {
        FUZZ_CHECK(why != NULL, "a refused state record says why");
        return;
    }
    FUZZ_CHECK(time_ok(st->created), "state creation time is a date");
    FUZZ_CHECK(st->return_path && *st->return_path && st->redirect_uri && *st->redirect_uri && st->verifier
               && *st->verifier && st->nonce && *st->nonce,
               "state has every field");
    char *again = cog_state_encode(p, st);
    FUZZ_CHECK(again != NULL, "a decoded state encodes");
    cog_login_state_t *t = cog_state_decode(p, again, strlen(again), &why);
    FUZZ_CHECK(t != NULL && t->created == st->created && same_str(t->return_path, st->return_path)
               && same_str(t->redirect_uri, st->redirect_uri) && same_str(t->verifier, st->verifier)
               && same_str(t->nonce, st->nonce),
               "state survives encode/decode");
}

static void check_seen(apr_pool_t *p, const char *text, size_t len)
{
    double t = -1;
    const char *why = NULL;
    if (cog_seen_decode(text, len, &t, &why) != 0) {
        FUZZ_CHECK(why != NULL, "a refused last-seen record says why");
        return;
    }
    FUZZ_CHECK(time_ok(t), "last-seen time is a date");
    char *again = cog_seen_encode(p, t);
    double u = -1;
    FUZZ_CHECK(again != NULL && cog_seen_decode(again, strlen(again), &u, NULL) == 0 && u == t,
               "last-seen time survives encode/decode");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();

    /* 1. raw text as a record (length-delimited API: exact-size input). */
    check_session(p, (const char *)data, size);
    check_state(p, (const char *)data, size);
    check_seen(p, (const char *)data, size);

    /* 2. raw bytes as a sealed record. */
    char *plain = NULL;
    size_t plain_len = 0;
    if (cog_open(p, key, slot, sizeof(slot), data, size, &plain, &plain_len) == 0) {
        FUZZ_CHECK(plain != NULL && plain[plain_len] == '\0', "opened plaintext is NUL-terminated");
        check_session(p, plain, plain_len);
        check_state(p, plain, plain_len);
        check_seen(p, plain, plain_len);
    }

    /* 3. seal the input, open it back; tampered or moved copies must not open. */
    unsigned char *sealed = NULL;
    size_t sealed_len = 0;
    FUZZ_CHECK(cog_seal(p, key, slot, sizeof(slot), data, size, &sealed, &sealed_len) == 0, "cog_seal succeeds");
    FUZZ_CHECK(sealed_len == size + 1 + 12 + 16, "sealed layout is 0x01|IV|CT|TAG");
    FUZZ_CHECK(cog_open(p, key, slot, sizeof(slot), sealed, sealed_len, &plain, &plain_len) == 0
               && plain_len == size && (size == 0 || memcmp(plain, data, size) == 0),
               "sealed record opens to the input");
    unsigned char other_slot[COG_KEY_LEN];
    memcpy(other_slot, slot, sizeof(slot));
    other_slot[0] ^= 1;
    FUZZ_CHECK(cog_open(p, key, other_slot, sizeof(other_slot), sealed, sealed_len, &plain, &plain_len) != 0,
               "a record moved to another slot does not open");
    size_t bit = (size ? data[0] * 131u + data[size - 1] : 7u) % (sealed_len * 8);
    sealed[bit / 8] ^= (unsigned char)(1u << (bit % 8));
    FUZZ_CHECK(cog_open(p, key, slot, sizeof(slot), sealed, sealed_len, &plain, &plain_len) != 0,
               "a record with a flipped bit does not open");

    apr_pool_destroy(p);
    return 0;
}
