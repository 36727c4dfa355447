/*
 * jwt.c — compact JWS parsing, RS256 verification and claim checks.
 *
 * Order of the claim checks is chosen so that each refusal names the most
 * specific reason: types first, then who issued the token and for whom, then time.
 */
#include "token/jwt.h"
#include "util/crypto.h"
#include "util/json.h"
#include "util/util.h"

#include <math.h>
#include <pthread.h>
#include <string.h>
#include <apr_strings.h>

/* Latest NumericDate we accept: 9999-12-31. Larger values are not dates but attacks
 * on integer conversion (1e300, 2^63 ...). */
#define COG_MAX_NUMERIC_DATE 253402300799.0

static apr_status_t free_cjson(void *tree)
{
    cJSON_Delete(tree);
    return APR_SUCCESS;
}

static cog_reason_t decode_json_segment(apr_pool_t *p, const char *seg, size_t len,
                                        const char *what, cJSON **out, const char **text, cog_error_t *err)
{
    unsigned char *raw;
    size_t raw_len;
    const char *why = NULL;

    if (len == 0)
        return cog_fail(err, COG_E_TOKEN_MALFORMED, apr_pstrcat(p, what, " is empty", NULL));
    if (cog_b64url_decode(p, seg, len, &raw, &raw_len) != 0)
        return cog_fail(err, COG_E_TOKEN_MALFORMED,
                        apr_pstrcat(p, what, " is not strict base64url", NULL));
    cJSON *json = cog_json_parse((const char *)raw, raw_len, &why);
    if (json == NULL)
        return cog_fail(err, COG_E_TOKEN_MALFORMED,
                        apr_pstrcat(p, what, " is not valid JSON (", why, ")", NULL));
    apr_pool_cleanup_register(p, json, free_cjson, apr_pool_cleanup_null);
    if (!cJSON_IsObject(json))
        return cog_fail(err, COG_E_TOKEN_MALFORMED, apr_pstrcat(p, what, " is not a JSON object", NULL));
    *out = json;
    if (text)
        *text = (const char *)raw;
    return COG_OK;
}

static int kid_is_acceptable(const char *kid)
{
    size_t n = strlen(kid);
    if (n == 0 || n > COG_JWT_MAX_KID_LEN)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)kid[i] < 0x21 || (unsigned char)kid[i] > 0x7e)
            return 0;
    return 1;
}

static cog_reason_t check_header(apr_pool_t *p, cog_jwt_t *jwt, cog_error_t *err)
{
    const cJSON *alg = cog_json_member(jwt->header, "alg");
    if (alg == NULL)
        return cog_fail(err, COG_E_TOKEN_ALG_UNSUPPORTED, "header has no alg");
    if (!cJSON_IsString(alg) || strcmp(alg->valuestring, "RS256") != 0)
        return cog_fail(err, COG_E_TOKEN_ALG_UNSUPPORTED,
                        cJSON_IsString(alg) && strlen(alg->valuestring) <= 16 && kid_is_acceptable(alg->valuestring)
                        ? apr_pstrcat(p, "alg ", alg->valuestring, " is not RS256", NULL)
                        : "alg is not RS256");
    /* RFC 7515 §4.1.11: we understand no extensions, so any crit must be refused. */
    if (cog_json_member(jwt->header, "crit") != NULL)
        return cog_fail(err, COG_E_TOKEN_CRIT_HEADER, "header carries crit");
    const cJSON *kid = cog_json_member(jwt->header, "kid");
    if (kid == NULL)
        return cog_fail(err, COG_E_TOKEN_KID_INVALID, "header has no kid");
    if (!cJSON_IsString(kid) || !kid_is_acceptable(kid->valuestring))
        return cog_fail(err, COG_E_TOKEN_KID_INVALID,
                        "kid is not 1-256 printable ASCII characters");
    jwt->kid = kid->valuestring;
    return COG_OK;
}

cog_reason_t cog_jwt_parse(apr_pool_t *p, const char *token, size_t len,
                           cog_jwt_t **out, cog_error_t *err)
{
    if (len > COG_JWT_MAX_LEN)
        return cog_fail(err, COG_E_TOKEN_TOO_LARGE,
                        apr_psprintf(p, "%" APR_SIZE_T_FMT " bytes, limit %d", len, COG_JWT_MAX_LEN));
    if (token == NULL || len == 0)
        return cog_fail(err, COG_E_TOKEN_MALFORMED, "empty token");

    const char *dot1 = memchr(token, '.', len);
    const char *dot2 = dot1 ? memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token)) : NULL;
    const char *dot3 = dot2 ? memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - token)) : NULL;
    if (dot1 == NULL || dot2 == NULL || dot3 != NULL) {
        int segments = 1 + (dot1 != NULL) + (dot2 != NULL) + (dot3 != NULL);
        return cog_fail(err, COG_E_TOKEN_MALFORMED,
                        apr_psprintf(p, "expected 3 segments, found %s%d", dot3 ? "at least " : "", segments));
    }

    cog_jwt_t *jwt = apr_pcalloc(p, sizeof(*jwt));
    size_t header_len = (size_t)(dot1 - token);
    size_t payload_len = (size_t)(dot2 - dot1 - 1);
    size_t sig_len = len - (size_t)(dot2 + 1 - token);

    if (sig_len == 0)
        return cog_fail(err, COG_E_TOKEN_MALFORMED, "signature segment is empty");

    cog_reason_t rc = decode_json_segment(p, token, header_len, "header", &jwt->header, NULL, err);
    if (rc != COG_OK)
        return rc;
    if ((rc = check_header(p, jwt, err)) != COG_OK)
        return rc;
    rc = decode_json_segment(p, dot1 + 1, payload_len, "payload", &jwt->payload, &jwt->payload_text, err);
    if (rc != COG_OK)
        return rc;
    if (cog_b64url_decode(p, dot2 + 1, sig_len, &jwt->signature, &jwt->signature_len) != 0)
        return cog_fail(err, COG_E_TOKEN_MALFORMED, "signature is not strict base64url");

    jwt->signing_input = token;
    jwt->signing_input_len = (size_t)(dot2 - token);
    *out = jwt;
    return COG_OK;
}

/* Setting up an RS256 verification (EVP_DigestVerifyInit) looks up the signature
 * implementation in OpenSSL's provider store each time; copying a context that is
 * already set up for the key does not.  A few such templates are kept per process
 * (a pool has one or two keys in use); each holds a reference to its key, so a
 * key pointer found here always names the key it was made for. */
#define VERIFY_TEMPLATES 8

typedef struct {
    EVP_PKEY   *key;
    EVP_MD_CTX *ctx;
} verify_template_t;

static pthread_mutex_t templates_lock = PTHREAD_MUTEX_INITIALIZER;
static verify_template_t templates[VERIFY_TEMPLATES];     /* guarded by templates_lock */
static unsigned int next_victim;

static EVP_MD_CTX *new_verify_ctx(EVP_PKEY *key)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx && EVP_DigestVerifyInit(ctx, NULL, cog_crypto_sha256(), NULL, key) == 1)
        return ctx;
    EVP_MD_CTX_free(ctx);
    return NULL;
}

/* A context ready to verify with key, or NULL. */
static EVP_MD_CTX *verify_ctx_for(EVP_PKEY *key)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx == NULL)
        return NULL;
    int copied = 0;
    pthread_mutex_lock(&templates_lock);
    for (int i = 0; i < VERIFY_TEMPLATES && !copied; i++)
        if (templates[i].key == key)
            copied = EVP_MD_CTX_copy_ex(ctx, templates[i].ctx) == 1;
    pthread_mutex_unlock(&templates_lock);
    if (copied)
        return ctx;
    EVP_MD_CTX_free(ctx);

    EVP_MD_CTX *template = new_verify_ctx(key);
    if (template == NULL)
        return NULL;
    ctx = EVP_MD_CTX_new();
    if (ctx == NULL || EVP_MD_CTX_copy_ex(ctx, template) != 1) {
        EVP_MD_CTX_free(ctx);
        EVP_MD_CTX_free(template);
        return new_verify_ctx(key);
    }
    EVP_PKEY_up_ref(key);
    pthread_mutex_lock(&templates_lock);
    verify_template_t *slot = &templates[next_victim++ % VERIFY_TEMPLATES];
    verify_template_t old = *slot;
    slot->key = key;
    slot->ctx = template;
    pthread_mutex_unlock(&templates_lock);
    EVP_MD_CTX_free(old.ctx);
    EVP_PKEY_free(old.key);
    return ctx;
}

cog_reason_t cog_jwt_verify_rs256(const cog_jwt_t *jwt, EVP_PKEY *key, cog_error_t *err)
{
    if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA)
        return cog_fail(err, COG_E_TOKEN_KEY_WEAK, "key is not an RSA key");
    /* PKCS#1 v1.5 signatures are exactly the modulus length. */
    if (jwt->signature_len != (size_t)EVP_PKEY_get_size(key))
        return cog_fail(err, COG_E_TOKEN_SIGNATURE_INVALID, "signature length does not match the key");

    EVP_MD_CTX *ctx = verify_ctx_for(key);
    if (ctx == NULL)
        return cog_fail(err, COG_E_INTERNAL, "cannot set up signature verification");
    int ok = EVP_DigestVerify(ctx, jwt->signature, jwt->signature_len,
                              (const unsigned char *)jwt->signing_input, jwt->signing_input_len) == 1;
    EVP_MD_CTX_free(ctx);
    return ok ? COG_OK : cog_fail(err, COG_E_TOKEN_SIGNATURE_INVALID, "signature does not verify");
}

/* ---- claims ---------------------------------------------------------------------- */

static int is_numeric_date(const cJSON *v)
{
    return cJSON_IsNumber(v) && isfinite(v->valuedouble)
        && v->valuedouble >= 0 && v->valuedouble <= COG_MAX_NUMERIC_DATE;
}

double cog_jwt_numeric_date(const cJSON *payload, const char *name)
{
    const cJSON *v = cog_json_member(payload, name);
    return is_numeric_date(v) ? v->valuedouble : 0;
}

static int is_string_array(const cJSON *v)
{
    if (!cJSON_IsArray(v))
        return 0;
    for (const cJSON *e = v->child; e; e = e->next)
        if (!cJSON_IsString(e))
            return 0;
    return 1;
}

typedef enum { T_STRING, T_DATE, T_STRING_ARRAY, T_STRING_OR_ARRAY, T_BOOL_OR_STRING } claim_type_t;

/* Which tokens a rule is checked in: every token (before iss and token_use are
 * compared), or only access or only ID tokens (after). */
typedef enum { IN_EVERY, IN_ACCESS, IN_ID } rule_scope_t;

typedef struct {
    const char  *name;
    claim_type_t type;
    int          required;
    rule_scope_t scope;
} claim_rule_t;

static const claim_rule_t claim_rules[] = {
    { "iss", T_STRING, 1, IN_EVERY },
    { "sub", T_STRING, 1, IN_EVERY },
    { "token_use", T_STRING, 1, IN_EVERY },
    { "exp", T_DATE, 1, IN_EVERY },
    { "iat", T_DATE, 1, IN_EVERY },
    { "nbf", T_DATE, 0, IN_EVERY },
    { "auth_time", T_DATE, 0, IN_EVERY },
    { "jti", T_STRING, 0, IN_EVERY },
    { "origin_jti", T_STRING, 0, IN_EVERY },
    { "aud", T_STRING_OR_ARRAY, 0, IN_EVERY },
    { "cognito:groups", T_STRING_ARRAY, 0, IN_EVERY },
    { "cognito:roles", T_STRING_ARRAY, 0, IN_EVERY },
    { "cognito:preferred_role", T_STRING, 0, IN_EVERY },
    { "client_id", T_STRING, 1, IN_ACCESS },
    { "username", T_STRING, 0, IN_ACCESS },
    { "scope", T_STRING, 0, IN_ACCESS },
    { "aud", T_STRING_OR_ARRAY, 1, IN_ID },
    { "cognito:username", T_STRING, 0, IN_ID },
    { "nonce", T_STRING, 0, IN_ID },
    { "email", T_STRING, 0, IN_ID },
    { "email_verified", T_BOOL_OR_STRING, 0, IN_ID },
    { "phone_number_verified", T_BOOL_OR_STRING, 0, IN_ID },
};

static int has_type(const cJSON *v, claim_type_t t)
{
    switch (t) {
    case T_STRING:          return cJSON_IsString(v);
    case T_DATE:            return is_numeric_date(v);
    case T_STRING_ARRAY:    return is_string_array(v);
    case T_STRING_OR_ARRAY: return cJSON_IsString(v) || (is_string_array(v) && v->child != NULL);
    case T_BOOL_OR_STRING:  return cJSON_IsBool(v) || cJSON_IsString(v);
    }
    return 0;
}

static cog_reason_t apply_rules(apr_pool_t *p, const cJSON *payload, rule_scope_t scope, cog_error_t *err)
{
    for (const claim_rule_t *r = claim_rules; r < claim_rules + sizeof(claim_rules) / sizeof(*r); r++) {
        if (r->scope != scope)
            continue;
        const cJSON *v = cog_json_member(payload, r->name);
        if (v == NULL) {
            if (r->required)
                return cog_fail(err, COG_E_TOKEN_CLAIM_MISSING,
                                apr_pstrcat(p, "claim ", r->name, " is missing", NULL));
            continue;
        }
        if (!has_type(v, r->type))
            return cog_fail(err, COG_E_TOKEN_CLAIM_TYPE,
                            apr_pstrcat(p, "claim ", r->name, " has the wrong type or range", NULL));
    }
    return COG_OK;
}

static int is_client(const cog_claim_policy_t *policy, const char *v)
{
    size_t n = strlen(v);
    for (int i = 0; i < policy->nclients; i++)
        if (cog_ct_equal(v, n, policy->clients[i], strlen(policy->clients[i])))
            return 1;
    return 0;
}

static int aud_contains(const cJSON *aud, const cog_claim_policy_t *policy)
{
    if (cJSON_IsString(aud))
        return is_client(policy, aud->valuestring);
    for (const cJSON *e = aud ? aud->child : NULL; e; e = e->next)
        if (cJSON_IsString(e) && is_client(policy, e->valuestring))
            return 1;
    return 0;
}

cog_reason_t cog_jwt_check_claims(apr_pool_t *p, const cJSON *payload,
                                  const cog_claim_policy_t *policy, cog_error_t *err)
{
    int access = policy->token_use == COG_TOKEN_ACCESS;
    cog_reason_t rc;

    if (!cJSON_IsObject(payload))
        return cog_fail(err, COG_E_TOKEN_MALFORMED, "payload is not a JSON object");
    if ((rc = apply_rules(p, payload, IN_EVERY, err)) != COG_OK)
        return rc;

    const char *iss = cog_json_string(payload, "iss");
    if (strcmp(iss, policy->issuer) != 0)
        return cog_fail(err, COG_E_TOKEN_ISSUER_MISMATCH, "iss is not the configured issuer");

    const char *use = cog_json_string(payload, "token_use");
    if (strcmp(use, access ? "access" : "id") != 0)
        return cog_fail(err, COG_E_TOKEN_USE_MISMATCH,
                        access ? "token_use is not access (an ID token cannot be a bearer token)"
                               : "token_use is not id");

    if ((rc = apply_rules(p, payload, access ? IN_ACCESS : IN_ID, err)) != COG_OK)
        return rc;

    if (access) {
        if (!is_client(policy, cog_json_string(payload, "client_id")))
            return cog_fail(err, COG_E_TOKEN_CLIENT_MISMATCH, "client_id is none of the accepted app clients");
    } else {
        if (!aud_contains(cog_json_member(payload, "aud"), policy))
            return cog_fail(err, COG_E_TOKEN_AUDIENCE_MISMATCH, "aud does not contain the configured client");
        if (policy->nonce != NULL) {
            const char *nonce = cog_json_string(payload, "nonce");
            if (nonce == NULL)
                return cog_fail(err, COG_E_TOKEN_CLAIM_MISSING, "claim nonce is missing");
            if (!cog_ct_equal(nonce, strlen(nonce), policy->nonce, strlen(policy->nonce)))
                return cog_fail(err, COG_E_TOKEN_NONCE_MISMATCH, "nonce does not match the login request");
        }
    }

    double exp = cog_jwt_numeric_date(payload, "exp");
    double iat = cog_jwt_numeric_date(payload, "iat");
    double nbf = cog_jwt_numeric_date(payload, "nbf");
    if (policy->now >= exp + policy->skew)
        return cog_fail(err, COG_E_TOKEN_EXPIRED,
                        apr_psprintf(p, "expired %.0f s ago (clock skew allowed: %d s)",
                                     policy->now - exp, policy->skew));
    if (cog_json_member(payload, "nbf") != NULL && nbf > policy->now + policy->skew)
        return cog_fail(err, COG_E_TOKEN_NOT_YET_VALID,
                        apr_psprintf(p, "nbf is %.0f s in the future", nbf - policy->now));
    if (iat > policy->now + policy->skew)
        return cog_fail(err, COG_E_TOKEN_IAT_FUTURE,
                        apr_psprintf(p, "iat is %.0f s in the future", iat - policy->now));
    if (iat > exp)
        return cog_fail(err, COG_E_TOKEN_CLAIM_TYPE, "iat is after exp");
    return COG_OK;
}
