/*
 * crypto.c — CSPRNG, HMAC-based derivation, AES-256-GCM seal/open (OpenSSL EVP).
 */
#include "util/crypto.h"
#include "util/util.h"

#include <string.h>
#include <pthread.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#define VERSION 0x01
#define IV_LEN  12
#define TAG_LEN 16

static pthread_once_t fetched = PTHREAD_ONCE_INIT;
static EVP_MD *sha256;
static EVP_CIPHER *aes256gcm;
static EVP_MAC_CTX *hmac_sha256;   /* template: HMAC with SHA-256 chosen, no key */

/* Never freed: they live as long as the process, like OpenSSL's own tables. */
static void fetch_algorithms(void)
{
    sha256 = EVP_MD_fetch(NULL, "SHA2-256", NULL);
    aes256gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (mac) {
        OSSL_PARAM params[] = {
            OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA2-256", 0),
            OSSL_PARAM_construct_end(),
        };
        hmac_sha256 = EVP_MAC_CTX_new(mac);
        if (hmac_sha256 && EVP_MAC_CTX_set_params(hmac_sha256, params) != 1) {
            EVP_MAC_CTX_free(hmac_sha256);
            hmac_sha256 = NULL;
        }
        EVP_MAC_free(mac);           /* the context keeps its own reference */
    }
}

const EVP_MD *cog_crypto_sha256(void)
{
    pthread_once(&fetched, fetch_algorithms);
    return sha256 ? sha256 : EVP_sha256();
}

const EVP_CIPHER *cog_crypto_aes256gcm(void)
{
    pthread_once(&fetched, fetch_algorithms);
    return aes256gcm ? aes256gcm : EVP_aes_256_gcm();
}

/* One digest context per thread, reset between uses: a digest on the request path
 * (token-table keys, every Bearer request) then allocates nothing. */
static pthread_key_t digest_ctx_key;
static pthread_once_t digest_ctx_once = PTHREAD_ONCE_INIT;
static int digest_ctx_key_ok;

static void free_digest_ctx(void *ctx)
{
    EVP_MD_CTX_free(ctx);
}

static void make_digest_ctx_key(void)
{
    digest_ctx_key_ok = pthread_key_create(&digest_ctx_key, free_digest_ctx) == 0;
}

static EVP_MD_CTX *thread_digest_ctx(void)
{
    pthread_once(&digest_ctx_once, make_digest_ctx_key);
    EVP_MD_CTX *ctx = digest_ctx_key_ok ? pthread_getspecific(digest_ctx_key) : NULL;
    if (ctx == NULL && digest_ctx_key_ok && (ctx = EVP_MD_CTX_new()) != NULL
        && pthread_setspecific(digest_ctx_key, ctx) != 0) {
        EVP_MD_CTX_free(ctx);
        ctx = NULL;
    }
    return ctx;
}

int cog_sha256_parts(const void *a, size_t a_len, const void *b, size_t b_len, unsigned char out[32])
{
    EVP_MD_CTX *ctx = thread_digest_ctx();
    unsigned int n = 0;
    if (ctx == NULL)
        return -1;
    return EVP_DigestInit_ex2(ctx, cog_crypto_sha256(), NULL) == 1
        && EVP_DigestUpdate(ctx, a, a_len) == 1
        && (b_len == 0 || EVP_DigestUpdate(ctx, b, b_len) == 1)
        && EVP_DigestFinal_ex(ctx, out, &n) == 1 && n == 32 ? 0 : -1;
}

int cog_sha256(const void *data, size_t len, unsigned char out[32])
{
    return cog_sha256_parts(data, len, NULL, 0, out);
}

int cog_random(unsigned char *out, size_t n)
{
    return RAND_bytes(out, (int)n) == 1 ? 0 : -1;
}

char *cog_random_token(apr_pool_t *p)
{
    unsigned char raw[32];
    if (cog_random(raw, sizeof(raw)) != 0)
        return NULL;
    return cog_b64url_encode(p, raw, sizeof(raw));
}

int cog_derive(const char *secret, size_t secret_len, const char *label, unsigned char out[COG_KEY_LEN])
{
    pthread_once(&fetched, fetch_algorithms);
    if (hmac_sha256 == NULL)
        return -1;
    size_t n = 0;
    /* A copy of the template already knows its digest: init only sets the key. */
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_dup(hmac_sha256);
    int ok = ctx != NULL
        && EVP_MAC_init(ctx, (const unsigned char *)secret, secret_len, NULL) == 1
        && EVP_MAC_update(ctx, (const unsigned char *)label, strlen(label)) == 1
        && EVP_MAC_final(ctx, out, &n, COG_KEY_LEN) == 1
        && n == COG_KEY_LEN;
    EVP_MAC_CTX_free(ctx);
    return ok ? 0 : -1;
}

int cog_seal(apr_pool_t *p, const unsigned char key[COG_KEY_LEN], const unsigned char *aad, size_t aad_len,
             const void *plain, size_t plain_len, unsigned char **out, size_t *out_len)
{
    unsigned char *buf = apr_palloc(p, 1 + IV_LEN + plain_len + TAG_LEN);
    int n = 0, ok = 0;
    buf[0] = VERSION;
    if (cog_random(buf + 1, IV_LEN) != 0)
        return -1;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (ctx
        && EVP_EncryptInit_ex(ctx, cog_crypto_aes256gcm(), NULL, key, buf + 1) == 1
        && EVP_EncryptUpdate(ctx, NULL, &n, aad, (int)aad_len) == 1
        && EVP_EncryptUpdate(ctx, buf + 1 + IV_LEN, &n, plain, (int)plain_len) == 1
        && (size_t)n == plain_len
        && EVP_EncryptFinal_ex(ctx, buf + 1 + IV_LEN + n, &n) == 1
        && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN, buf + 1 + IV_LEN + plain_len) == 1)
        ok = 1;
    EVP_CIPHER_CTX_free(ctx);
    if (!ok)
        return -1;
    *out = buf;
    *out_len = 1 + IV_LEN + plain_len + TAG_LEN;
    return 0;
}

int cog_open(apr_pool_t *p, const unsigned char key[COG_KEY_LEN], const unsigned char *aad, size_t aad_len,
             const unsigned char *sealed, size_t sealed_len, char **plain, size_t *plain_len)
{
    if (sealed_len < 1 + IV_LEN + TAG_LEN || sealed[0] != VERSION)
        return -1;
    size_t ct_len = sealed_len - 1 - IV_LEN - TAG_LEN;
    unsigned char *buf = apr_palloc(p, ct_len + 1);
    unsigned char tag[TAG_LEN];
    int n = 0, ok = 0;
    memcpy(tag, sealed + 1 + IV_LEN + ct_len, TAG_LEN);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (ctx
        && EVP_DecryptInit_ex(ctx, cog_crypto_aes256gcm(), NULL, key, sealed + 1) == 1
        && EVP_DecryptUpdate(ctx, NULL, &n, aad, (int)aad_len) == 1
        && EVP_DecryptUpdate(ctx, buf, &n, sealed + 1 + IV_LEN, (int)ct_len) == 1
        && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN, tag) == 1
        && EVP_DecryptFinal_ex(ctx, buf + n, &n) == 1)
        ok = 1;
    EVP_CIPHER_CTX_free(ctx);
    if (!ok)
        return -1;
    buf[ct_len] = '\0';
    *plain = (char *)buf;
    *plain_len = ct_len;
    return 0;
}
