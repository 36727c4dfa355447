/*
 * crypto.h — randomness, key derivation and authenticated encryption for records
 * kept in the shared cache (sessions, login states).
 *
 * A record is sealed with AES-256-GCM under a key derived from a secret the browser
 * holds (the session id or the login state), with a fresh random 96-bit IV every
 * time and the cache slot's id as associated data, so a record cannot be read
 * without that secret nor moved to another slot.  Layout: 0x01 | IV(12) | CT | TAG(16).
 */
#ifndef COG_CRYPTO_H
#define COG_CRYPTO_H

#include <stddef.h>
#include <apr_pools.h>

#define COG_KEY_LEN 32

#include <openssl/evp.h>

/* Algorithms fetched once per process.  OpenSSL 3 looks an algorithm up in its
 * provider store (under a global lock) every time EVP_sha256() and friends are
 * used implicitly; fetched objects are immutable and shared by all threads. */
const EVP_MD *cog_crypto_sha256(void);
const EVP_CIPHER *cog_crypto_aes256gcm(void);

/* SHA-256 of data into out[32]; returns 0 on success. */
int cog_sha256(const void *data, size_t len, unsigned char out[32]);
/* SHA-256 over a then b, as one message. */
int cog_sha256_parts(const void *a, size_t a_len, const void *b, size_t b_len, unsigned char out[32]);

/* n random bytes from OpenSSL's CSPRNG; 0 on success. */
int cog_random(unsigned char *out, size_t n);

/* A random secret of 32 bytes as 43 base64url characters, or NULL. */
char *cog_random_token(apr_pool_t *p);

/* HMAC-SHA256(secret, label) — distinct labels give independent keys. */
int cog_derive(const char *secret, size_t secret_len, const char *label, unsigned char out[COG_KEY_LEN]);

int cog_seal(apr_pool_t *p, const unsigned char key[COG_KEY_LEN], const unsigned char *aad, size_t aad_len,
             const void *plain, size_t plain_len, unsigned char **out, size_t *out_len);

/* 0 and the NUL-terminated plaintext, or -1 when the record is malformed, forged,
 * moved or sealed under another key. */
int cog_open(apr_pool_t *p, const unsigned char key[COG_KEY_LEN], const unsigned char *aad, size_t aad_len,
             const unsigned char *sealed, size_t sealed_len, char **plain, size_t *plain_len);

#endif
