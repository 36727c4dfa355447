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

int cog_sha256(const void *data, size_t len, unsigned char out[32])
{
    unsigned int n = 0;
    return EVP_Digest(data, len, out, &n, cog_crypto_sha256(), NULL) == 1 && n == 32 ? 0 : -1;
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
