/*
 * claims.c — claim rendering, name mapping and the identity variable list.
 */
#include "token/claims.h"
#include "util/json.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <apr_strings.h>

char *cog_claim_sanitize(apr_pool_t *p, const char *value)
{
    size_t n = strlen(value);
    char *out = apr_palloc(p, n + 1), *o = out;
    for (const unsigned char *s = (const unsigned char *)value; *s; s++)
        if (*s >= 0x20 && *s != 0x7f)
            *o++ = (char)*s;
    *o = '\0';
    return out;
}

static char *number_text(apr_pool_t *p, double d)
{
    /* Integers up to 2^53 print exactly; anything else keeps full precision. */
    if (isfinite(d) && d == floor(d) && fabs(d) <= 9007199254740992.0)
        return apr_psprintf(p, "%.0f", d);
    char buf[64];
    snprintf(buf, sizeof(buf), "%.17g", d);
    return apr_pstrdup(p, buf);
}

/* Copy of a JSON tree with every string sanitized, so COGNITO_CLAIMS and objects
 * rendered as JSON carry no control characters either. */
static void sanitize_tree(apr_pool_t *p, cJSON *node)
{
    for (cJSON *c = node->child; c; c = c->next) {
        if (cJSON_IsString(c)) {
            char *clean = cog_claim_sanitize(p, c->valuestring);
            if (strcmp(clean, c->valuestring) != 0)
                cJSON_SetValuestring(c, clean);
        }
        if (c->string && strpbrk(c->string, "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f"
                                            "\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\x7f")) {
            char *clean = cog_claim_sanitize(p, c->string);
            if (!(c->type & cJSON_StringIsConst))
                cJSON_free(c->string);
            c->string = strdup(clean);
            c->type &= ~cJSON_StringIsConst;
        }
        sanitize_tree(p, c);
    }
}

static int has_control(const char *s)
{
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        if (*c < 0x20 || *c == 0x7f)
            return 1;
    return 0;
}

/* 1 when some member name or string value in the tree needs sanitizing. */
static int tree_needs_sanitizing(const cJSON *node)
{
    for (const cJSON *c = node->child; c; c = c->next) {
        if ((c->string && has_control(c->string)) || (cJSON_IsString(c) && has_control(c->valuestring)))
            return 1;
        if (c->child && tree_needs_sanitizing(c))
            return 1;
    }
    return 0;
}

/* JSON text that decodes to strings without control characters (no escapes at
 * all, no DEL; raw control characters cannot pass the strict parser) can be
 * exported as it is, instead of printing the tree again. */
static int json_is_clean(const char *text)
{
    for (const unsigned char *c = (const unsigned char *)text; *c; c++)
        if (*c == '\\' || *c == 0x7f || *c < 0x20)
            return 0;
    return 1;
}

static char *json_text(apr_pool_t *p, const cJSON *value)
{
    if (!tree_needs_sanitizing(value)) {           /* the usual case: print as is */
        char *printed = cJSON_PrintUnformatted(value);
        char *out = apr_pstrdup(p, printed ? printed : "");
        cJSON_free(printed);
        return out;
    }
    cJSON *copy = cJSON_Duplicate(value, 1);
    if (copy == NULL)
        return apr_pstrdup(p, "");
    sanitize_tree(p, copy);
    char *printed = cJSON_PrintUnformatted(copy);
    char *out = apr_pstrdup(p, printed ? printed : "");
    cJSON_free(printed);
    cJSON_Delete(copy);
    return out;
}

char *cog_claim_text(apr_pool_t *p, const cJSON *v)
{
    if (cJSON_IsString(v))
        return cog_claim_sanitize(p, v->valuestring);
    if (cJSON_IsNumber(v))
        return number_text(p, v->valuedouble);
    if (cJSON_IsTrue(v))
        return "true";
    if (cJSON_IsFalse(v))
        return "false";
    if (cJSON_IsNull(v))
        return "";
    if (cJSON_IsArray(v)) {
        apr_array_header_t *parts = apr_array_make(p, 8, sizeof(char *));
        for (const cJSON *e = v->child; e; e = e->next)
            APR_ARRAY_PUSH(parts, char *) = cJSON_IsObject(e) || cJSON_IsArray(e)
                                            ? json_text(p, e) : cog_claim_text(p, e);
        return apr_array_pstrcat(p, parts, ',');
    }
    return json_text(p, v);
}

char *cog_claim_env_name(apr_pool_t *p, const char *claim)
{
    char *name = apr_pstrcat(p, "COGNITO_CLAIM_", claim, NULL);
    for (char *c = name + strlen("COGNITO_CLAIM_"); *c; c++)
        *c = isalnum((unsigned char)*c) && (unsigned char)*c < 0x80 ? (char)toupper((unsigned char)*c) : '_';
    return name;
}

char *cog_claim_header_name(apr_pool_t *p, const char *claim)
{
    char *name = apr_pstrcat(p, "X-Cognito-Claim-", claim, NULL);
    int word_start = 1;
    for (char *c = name + strlen("X-Cognito-Claim-"); *c; c++) {
        unsigned char u = (unsigned char)*c;
        if (u < 0x80 && isalnum(u)) {
            *c = (char)(word_start ? toupper(u) : tolower(u));
            word_start = 0;
        } else {
            *c = '-';
            word_start = 1;
        }
    }
    return name;
}

const char *cog_claims_user(apr_pool_t *p, const cJSON *claims, const char *claim)
{
    const cJSON *v = cog_json_member(claims, claim);
    if (!(cJSON_IsString(v) || cJSON_IsNumber(v)))
        return NULL;
    const char *user = cog_claim_text(p, v);
    return *user ? user : NULL;
}

static void add(apr_array_header_t *vars, const char *env, const char *header, const char *value)
{
    if (value == NULL)
        return;
    cog_identity_var_t *v = apr_array_push(vars);
    v->env = env;
    v->header = header;
    v->value = value;
}

static const char *text_of(apr_pool_t *p, const cJSON *claims, const char *name)
{
    const cJSON *v = cog_json_member(claims, name);
    return v ? cog_claim_text(p, v) : NULL;
}

int cog_claims_is_machine(const cJSON *claims)
{
    const char *use = cog_json_string(claims, "token_use");
    const char *sub = cog_json_string(claims, "sub");
    const char *client = cog_json_string(claims, "client_id");
    return use && strcmp(use, "access") == 0 && cog_json_member(claims, "username") == NULL
        && sub && client && strcmp(sub, client) == 0;
}

apr_array_header_t *cog_claims_identity(apr_pool_t *p, const cJSON *claims,
                                        const cog_claim_names_t *names, int want_headers)
{
    apr_array_header_t *vars = apr_array_make(p, 32, sizeof(cog_identity_var_t));
    const char *use = cog_json_string(claims, "token_use");
    int access = use && strcmp(use, "access") == 0;

    add(vars, "COGNITO_SUB", "X-Cognito-Sub", text_of(p, claims, "sub"));
    add(vars, "COGNITO_USERNAME", "X-Cognito-Username",
        text_of(p, claims, access ? "username" : "cognito:username"));
    add(vars, "COGNITO_EMAIL", "X-Cognito-Email", text_of(p, claims, "email"));
    add(vars, "COGNITO_GROUPS", "X-Cognito-Groups", text_of(p, claims, names->groups_claim));
    add(vars, "COGNITO_TENANT", "X-Cognito-Tenant", text_of(p, claims, names->tenant_claim));
    add(vars, "COGNITO_SCOPE", "X-Cognito-Scope", text_of(p, claims, "scope"));
    add(vars, "COGNITO_TOKEN_USE", "X-Cognito-Token-Use", text_of(p, claims, "token_use"));
    add(vars, "COGNITO_CLIENT_ID", "X-Cognito-Client-Id",
        text_of(p, claims, access ? "client_id" : "aud"));
    add(vars, "COGNITO_EXPIRES", "X-Cognito-Expires", text_of(p, claims, "exp"));
    add(vars, "COGNITO_USER_POOL", "X-Cognito-User-Pool", names->pool_id ? cog_claim_sanitize(p, names->pool_id) : NULL);
    add(vars, "COGNITO_PRINCIPAL_TYPE", "X-Cognito-Principal-Type", cog_claims_is_machine(claims) ? "machine" : "user");

    for (const cJSON *c = claims ? claims->child : NULL; c; c = c->next)
        if (c->string)
            add(vars, cog_claim_env_name(p, c->string),
                want_headers ? cog_claim_header_name(p, c->string) : NULL, cog_claim_text(p, c));
    add(vars, "COGNITO_CLAIMS", NULL, names->claims_json && json_is_clean(names->claims_json)
                                      ? names->claims_json : json_text(p, claims));
    return vars;
}
