/*
 * fuzz_jwks — cog_jwk_set_parse on a JWKS document, cog_jwk_set_find on a few
 * fixed kids and on every kid of the set, then cog_jwk_set_free.
 *
 * Properties asserted: an entry has a key or a rejection reason, never both;
 * `usable` counts the entries with a key; every usable key is RSA of 2048..8192
 * bits; kids are unique (find returns the entry itself); a failed parse says why.
 */
#include "fuzz_common.h"

#include <openssl/evp.h>

#include "token/jwk.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return fuzz_apr_init();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const kids[] = {
        "abcdEXAMPLEkid1+ZxQ8uM0v3J5ZYh0H4RrU2e1fOQ9Yo=", "efghEXAMPLEkid2/AbC9pL1uYh6aN3qW8zV0xK2tR7mE4s=",
        "kid-1", "", "KID-1", NULL,
    };
    apr_pool_t *p = fuzz_pool();      /* the set is malloc-owned; the pool is per-input by convention */
    const char *why = NULL;
    cog_jwk_set_t *set = cog_jwk_set_parse((const char *)data, size, &why);

    if (set == NULL) {
        FUZZ_CHECK(why != NULL && fuzz_no_controls(why), "a refused JWKS says why");
        apr_pool_destroy(p);
        return 0;
    }
    FUZZ_CHECK(set->count > 0 && set->count <= COG_JWKS_MAX_KEYS, "set has 1..64 entries");
    size_t usable = 0;
    for (size_t i = 0; i < set->count; i++) {
        const cog_jwk_t *k = &set->keys[i];
        FUZZ_CHECK(k->kid != NULL && *k->kid != '\0', "entry has a non-empty kid");
        FUZZ_CHECK((k->key != NULL) != (k->rejected != NULL), "entry has a key xor a rejection reason");
        if (k->key) {
            usable++;
            FUZZ_CHECK(EVP_PKEY_get_base_id(k->key) == EVP_PKEY_RSA, "usable key is RSA");
            int bits = EVP_PKEY_get_bits(k->key);
            FUZZ_CHECK(bits >= COG_JWK_MIN_RSA_BITS && bits <= COG_JWK_MAX_RSA_BITS, "usable key is 2048..8192 bits");
        } else {
            FUZZ_CHECK(fuzz_no_controls(k->rejected), "rejection reason is plain text");
        }
        FUZZ_CHECK(cog_jwk_set_find(set, k->kid) == k, "kids are unique: find returns the entry itself");
    }
    FUZZ_CHECK(usable == set->usable, "usable counts the entries with a key");
    for (const char *const *kid = kids; *kid; kid++) {
        const cog_jwk_t *k = cog_jwk_set_find(set, *kid);
        FUZZ_CHECK(k == NULL || strcmp(k->kid, *kid) == 0, "find matches the kid exactly");
    }
    FUZZ_CHECK(cog_jwk_set_find(set, NULL) == NULL && cog_jwk_set_find(NULL, "kid-1") == NULL, "find tolerates NULL");
    cog_jwk_set_free(set);
    apr_pool_destroy(p);
    return 0;
}
