/*
 * fuzz_jwt — cog_jwt_parse (compact JWS, base64url, strict JSON, header rules),
 * then cog_jwt_check_claims under a fixed policy (access, ID with and without a
 * nonce) and cog_jwt_verify_rs256 with an RSA-2048 public key made once.
 *
 * Each input is tried two ways:
 *   1. as the raw compact token, exactly as it would arrive in a header;
 *   2. as "<header JSON>\n<payload JSON>\n<signature bytes>": the harness
 *      base64url-encodes the three parts and joins them with '.', so mutations of
 *      the JSON reach the header and claim checks instead of dying in base64url.
 * Seeds exist in both forms (corpus/fuzz_jwt/).
 *
 * Properties asserted: a parsed token has alg RS256, no crit, a printable 1..256
 * kid and exactly three segments; a token the claim checks accept really has the
 * policy's iss/token_use/client_id|aud/nonce and valid times; error details carry
 * no control characters (they are logged).
 */
#include "fuzz_common.h"

#include <math.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "cfg/error.h"
#include "token/jwt.h"
#include "util/json.h"
#include "util/util.h"

#define ISSUER "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Fuzz0Pool"
#define CLIENT "7d8kkq0fuzzclient0example1a"
#define NONCE  "fuzz-nonce-0123456789"
#define NOW    1700000000.0
#define SKEW   60

static EVP_PKEY *rsa_key;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_apr_init();
    EVP_PKEY *priv = EVP_RSA_gen(2048);
    if (priv == NULL)
        abort();
    /* Keep only the public half, as the module does (keys come from a JWKS). */
    unsigned char *der = NULL;
    int n = i2d_PUBKEY(priv, &der);
    const unsigned char *q = der;
    rsa_key = n > 0 ? d2i_PUBKEY(NULL, &q, n) : NULL;
    OPENSSL_free(der);
    EVP_PKEY_free(priv);
    if (rsa_key == NULL)
        abort();
    return 0;
}

static void check_error(cog_reason_t rc, const cog_error_t *err)
{
    FUZZ_CHECK(err->reason == rc, "error reason matches the returned reason");
    FUZZ_CHECK(err->detail == NULL || fuzz_no_controls(err->detail), "error detail has no control characters");
}

static int is_date(const cJSON *v)
{
    return cJSON_IsNumber(v) && isfinite(v->valuedouble) && v->valuedouble >= 0;
}

static void check_accepted_times(const cJSON *payload)
{
    const cJSON *exp = cog_json_member(payload, "exp"), *iat = cog_json_member(payload, "iat");
    const cJSON *nbf = cog_json_member(payload, "nbf");
    FUZZ_CHECK(is_date(exp) && NOW < exp->valuedouble + SKEW, "accepted token is not expired");
    FUZZ_CHECK(is_date(iat) && iat->valuedouble <= NOW + SKEW, "accepted token was not issued in the future");
    FUZZ_CHECK(iat->valuedouble <= exp->valuedouble, "accepted token has iat <= exp");
    FUZZ_CHECK(nbf == NULL || (is_date(nbf) && nbf->valuedouble <= NOW + SKEW), "accepted token is valid now (nbf)");
    FUZZ_CHECK(cJSON_IsString(cog_json_member(payload, "sub")), "accepted token has a string sub");
}

static int aud_has_client(const cJSON *aud)
{
    if (cJSON_IsString(aud))
        return strcmp(aud->valuestring, CLIENT) == 0;
    for (const cJSON *e = cJSON_IsArray(aud) ? aud->child : NULL; e; e = e->next)
        if (cJSON_IsString(e) && strcmp(e->valuestring, CLIENT) == 0)
            return 1;
    return 0;
}

static void check_claims(apr_pool_t *p, const cog_jwt_t *jwt)
{
    static const struct {
        cog_token_use_t use;
        const char *nonce;
    } policies[] = { { COG_TOKEN_ACCESS, NULL }, { COG_TOKEN_ID, NONCE }, { COG_TOKEN_ID, NULL } };

    for (size_t i = 0; i < sizeof(policies) / sizeof(policies[0]); i++) {
        cog_claim_policy_t pol = { .issuer = ISSUER, .clients = (const char *const[]){ CLIENT }, .nclients = 1, .token_use = policies[i].use,
                                   .nonce = policies[i].nonce, .now = NOW, .skew = SKEW };
        cog_error_t err = { COG_OK, NULL };
        cog_reason_t rc = cog_jwt_check_claims(p, jwt->payload, &pol, &err);
        if (rc != COG_OK) {
            check_error(rc, &err);
            FUZZ_CHECK(cog_reason_is_token_fault(rc), "a claim failure is a token fault (401)");
            continue;
        }
        const char *iss = cog_json_string(jwt->payload, "iss");
        const char *use = cog_json_string(jwt->payload, "token_use");
        FUZZ_CHECK(iss && strcmp(iss, ISSUER) == 0, "accepted token has our iss");
        check_accepted_times(jwt->payload);
        if (pol.token_use == COG_TOKEN_ACCESS) {
            const char *cid = cog_json_string(jwt->payload, "client_id");
            FUZZ_CHECK(use && strcmp(use, "access") == 0, "accepted access token has token_use=access");
            FUZZ_CHECK(cid && strcmp(cid, CLIENT) == 0, "accepted access token has our client_id");
        } else {
            FUZZ_CHECK(use && strcmp(use, "id") == 0, "accepted ID token has token_use=id");
            FUZZ_CHECK(aud_has_client(cog_json_member(jwt->payload, "aud")), "accepted ID token has our aud");
            if (pol.nonce) {
                const char *nonce = cog_json_string(jwt->payload, "nonce");
                FUZZ_CHECK(nonce && strcmp(nonce, NONCE) == 0, "accepted ID token has our nonce");
            }
        }
    }
    (void)cog_jwt_numeric_date(jwt->payload, "auth_time");
}

static void check_token(const char *tok, size_t len)
{
    apr_pool_t *p = fuzz_pool();
    cog_jwt_t *jwt = NULL;
    cog_error_t err = { COG_OK, NULL };
    cog_reason_t rc = cog_jwt_parse(p, tok, len, &jwt, &err);

    if (rc != COG_OK) {
        check_error(rc, &err);
        FUZZ_CHECK(cog_reason_is_token_fault(rc), "a parse failure is a token fault (401)");
        apr_pool_destroy(p);
        return;
    }
    FUZZ_CHECK(jwt != NULL && cJSON_IsObject(jwt->header) && cJSON_IsObject(jwt->payload), "parsed token has two objects");
    const char *alg = cog_json_string(jwt->header, "alg");
    FUZZ_CHECK(alg && strcmp(alg, "RS256") == 0, "parsed token has alg RS256");
    FUZZ_CHECK(cog_json_member(jwt->header, "crit") == NULL, "parsed token has no crit header");
    size_t kid_len = jwt->kid ? strlen(jwt->kid) : 0;
    FUZZ_CHECK(kid_len >= 1 && kid_len <= COG_JWT_MAX_KID_LEN, "kid is 1..256 characters");
    for (size_t i = 0; i < kid_len; i++)
        FUZZ_CHECK((unsigned char)jwt->kid[i] >= 0x21 && (unsigned char)jwt->kid[i] <= 0x7e, "kid is printable ASCII");
    FUZZ_CHECK(len <= COG_JWT_MAX_LEN, "parsed token is within the size limit");
    FUZZ_CHECK(jwt->signing_input == tok && jwt->signing_input_len < len && tok[jwt->signing_input_len] == '.',
               "signing input is <header>.<payload> at the start of the token");
    size_t dots = 0;
    for (size_t i = 0; i < len; i++)
        dots += tok[i] == '.';
    FUZZ_CHECK(dots == 2, "parsed token has exactly three segments");
    FUZZ_CHECK(jwt->signature_len > 0, "parsed token has a signature");

    check_claims(p, jwt);

    err = (cog_error_t){ COG_OK, NULL };
    rc = cog_jwt_verify_rs256(jwt, rsa_key, &err);
    /* The private half was thrown away: nothing the fuzzer makes can verify. */
    FUZZ_CHECK(rc == COG_E_TOKEN_SIGNATURE_INVALID, "no forged signature verifies");
    check_error(rc, &err);
    apr_pool_destroy(p);
}

/* Mode 2: header JSON '\n' payload JSON '\n' raw signature → b64url token. */
static void check_decoded_form(const uint8_t *data, size_t size)
{
    const uint8_t *nl1 = memchr(data, '\n', size);
    if (nl1 == NULL)
        return;
    const uint8_t *rest = nl1 + 1;
    const uint8_t *nl2 = memchr(rest, '\n', size - (size_t)(rest - data));
    if (nl2 == NULL)
        return;
    apr_pool_t *p = fuzz_pool();
    const char *h = cog_b64url_encode(p, data, (size_t)(nl1 - data));
    const char *pl = cog_b64url_encode(p, rest, (size_t)(nl2 - rest));
    const char *s = cog_b64url_encode(p, nl2 + 1, size - (size_t)(nl2 + 1 - data));
    size_t hl = strlen(h), pll = strlen(pl), sl = strlen(s), len = hl + 1 + pll + 1 + sl;
    char *tok = malloc(len ? len : 1);       /* exact size: no NUL, the API takes a length */
    if (tok == NULL)
        abort();
    memcpy(tok, h, hl);
    tok[hl] = '.';
    memcpy(tok + hl + 1, pl, pll);
    tok[hl + 1 + pll] = '.';
    memcpy(tok + hl + 2 + pll, s, sl);
    apr_pool_destroy(p);
    check_token(tok, len);
    free(tok);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_token((const char *)data, size);
    check_decoded_form(data, size);
    return 0;
}
