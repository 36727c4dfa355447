/*
 * claims.h — verified claims → the identity an application sees (README "What the application sees").
 *
 * Pure: builds a list of (environment name, header name, value) from a claims
 * object; the request code decides where each goes (subprocess_env, request
 * headers).  Values are UTF-8 as received with every control character (C0, DEL)
 * removed; arrays are comma-joined; objects are rendered as JSON.
 */
#ifndef COG_CLAIMS_H
#define COG_CLAIMS_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <cjson/cJSON.h>

typedef struct {
    const char *remote_user_claim;   /* which claim becomes REMOTE_USER */
    const char *groups_claim;        /* default cognito:groups */
    const char *tenant_claim;        /* default custom:tenant_id */
    const char *pool_id;             /* the pool the token came from (COGNITO_USER_POOL) */
    const char *claims_json;         /* the claims' JSON text as the token carries it, or NULL:
                                      * COGNITO_CLAIMS uses it when it needs no sanitizing */
} cog_claim_names_t;

typedef struct {
    const char *env;                 /* COGNITO_SUB */
    const char *header;              /* X-Cognito-Sub; NULL = never sent as a header */
    const char *value;
} cog_identity_var_t;

/* Removes C0 controls and DEL; keeps everything else byte for byte. */
char *cog_claim_sanitize(apr_pool_t *p, const char *value);

/* A claim value as text: strings as is, integral numbers without a fraction,
 * booleans true/false, arrays comma-joined, objects as compact JSON.  Sanitized. */
char *cog_claim_text(apr_pool_t *p, const cJSON *value);

/* "custom:plan" → "COGNITO_CLAIM_CUSTOM_PLAN" (upper-case, non-alphanumerics → '_'). */
char *cog_claim_env_name(apr_pool_t *p, const char *claim);

/* "custom:plan" → "X-Cognito-Claim-Custom-Plan". */
char *cog_claim_header_name(apr_pool_t *p, const char *claim);

/* The user name for r->user, or NULL when the claim is absent/empty/not text. */
const char *cog_claims_user(apr_pool_t *p, const cJSON *claims, const char *claim);

/* 1 for a machine-to-machine (client_credentials) access token: no username, and
 * sub is the app client itself — the caller is a program, not a person. */
int cog_claims_is_machine(const cJSON *claims);

/* All identity variables for these claims, as an array of cog_identity_var_t.
 * Per-claim header names are computed only when want_headers is set. */
apr_array_header_t *cog_claims_identity(apr_pool_t *p, const cJSON *claims,
                                        const cog_claim_names_t *names, int want_headers);

#endif
