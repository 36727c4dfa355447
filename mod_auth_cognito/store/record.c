/*
 * record.c — session and login-state records: JSON encoding, strict decoding, keys.
 */
#include "store/record.h"
#include "util/json.h"

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <apr_strings.h>

#define SESSION_VERSION 2   /* 2: owner fields; last-seen kept apart */
#define STATE_VERSION   2   /* 2: travels in the state cookie */
#define SEEN_VERSION    1

static apr_status_t free_cjson(void *tree)
{
    cJSON_Delete(tree);
    return APR_SUCCESS;
}

static char *print_and_free(apr_pool_t *p, cJSON *o)
{
    char *text = o ? cJSON_PrintUnformatted(o) : NULL;
    char *out = text ? apr_pstrdup(p, text) : NULL;
    cJSON_free(text);
    cJSON_Delete(o);
    return out;
}

/* cJSON prints a number with 15 significant digits whenever that reads back within
 * one DBL_EPSILON of it, which is not always the same double (a time such as
 * 1e10 + 1e-6 would lose its fraction).  17 digits always read back exactly. */
static void add_time(cJSON *o, const char *name, double t)
{
    char text[40];
    snprintf(text, sizeof(text), "%.17g", t);
    /* printf follows LC_NUMERIC, which another module in the process may have set. */
    char point = *localeconv()->decimal_point;
    for (char *c = text; *c; c++)
        if (*c == point)
            *c = '.';
    cJSON_AddRawToObject(o, name, text);
}

static int get_time(const cJSON *o, const char *name, double *out)
{
    const cJSON *v = cog_json_member(o, name);
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < 0 || v->valuedouble > 253402300799.0)
        return -1;
    *out = v->valuedouble;
    return 0;
}

static int get_string(apr_pool_t *p, const cJSON *o, const char *name, int required, const char **out)
{
    const cJSON *v = cog_json_member(o, name);
    if (v == NULL && !required) {
        *out = NULL;
        return 0;
    }
    if (!cJSON_IsString(v) || (required && *v->valuestring == '\0'))
        return -1;
    *out = apr_pstrdup(p, v->valuestring);
    return 0;
}

static cJSON *parse_versioned(apr_pool_t *p, const char *text, size_t len, int version, const char **why)
{
    cJSON *o = cog_json_parse(text, len, why);
    if (o == NULL)
        return NULL;
    apr_pool_cleanup_register(p, o, free_cjson, apr_pool_cleanup_null);
    const cJSON *v = cog_json_member(o, "v");
    if (!cJSON_IsObject(o) || !cJSON_IsNumber(v) || v->valuedouble != version) {
        *why = "not a record of this version";
        return NULL;
    }
    return o;
}

/* {"v": version, "created": created, ...} — every record starts so. */
static cJSON *record_object(int version, double created)
{
    cJSON *o = cJSON_CreateObject();
    if (o != NULL) {
        cJSON_AddNumberToObject(o, "v", version);
        add_time(o, "created", created);
    }
    return o;
}

typedef struct {
    const char *name;
    const char *value;     /* NULL: member left out */
} member_t;

static void add_strings(cJSON *o, const member_t *m, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (m[i].value)
            cJSON_AddStringToObject(o, m[i].name, m[i].value);
}

static int add_aws(cJSON *o, const cog_aws_state_t *a)
{
    const member_t strings[] = {
        { "identity_id", a->identity_id }, { "access_key_id", a->access_key_id }, { "secret_key", a->secret_key },
        { "session_token", a->session_token }, { "role", a->role_arn }, { "failure", a->failure },
    };
    cJSON *aws = cJSON_AddObjectToObject(o, "aws");
    if (aws == NULL)
        return 0;
    add_strings(aws, strings, sizeof(strings) / sizeof(*strings));
    add_time(aws, "expiration", a->expiration);
    add_time(aws, "obtained", a->obtained);
    add_time(aws, "failed", a->failed);
    return 1;
}

/* The "aws" member, strictly: all three credential parts or none. */
static int get_aws(apr_pool_t *p, const cJSON *o, cog_aws_state_t **out)
{
    const cJSON *aws = cog_json_member(o, "aws");
    *out = NULL;
    if (aws == NULL)
        return 0;
    cog_aws_state_t *a = apr_pcalloc(p, sizeof(*a));
    if (!cJSON_IsObject(aws) || get_string(p, aws, "identity_id", 0, &a->identity_id)
        || get_string(p, aws, "access_key_id", 0, &a->access_key_id) || get_string(p, aws, "secret_key", 0, &a->secret_key)
        || get_string(p, aws, "session_token", 0, &a->session_token) || get_string(p, aws, "role", 0, &a->role_arn)
        || get_string(p, aws, "failure", 0, &a->failure) || get_time(aws, "expiration", &a->expiration)
        || get_time(aws, "obtained", &a->obtained) || get_time(aws, "failed", &a->failed))
        return -1;
    int parts = (a->access_key_id != NULL) + (a->secret_key != NULL) + (a->session_token != NULL);
    if (parts != 0 && parts != 3)
        return -1;
    *out = a;
    return 0;
}

char *cog_session_encode(apr_pool_t *p, const cog_session_t *s)
{
    const member_t strings[] = {
        { "iss", s->issuer }, { "client", s->client_id }, { "id_token", s->id_token },
        { "access_token", s->access_token }, { "refresh_token", s->refresh_token }, { "scope", s->scope },
    };
    cJSON *o = record_object(SESSION_VERSION, s->created);
    cJSON *claims = o ? cJSON_Duplicate(s->claims, 1) : NULL;
    if (claims == NULL || !cJSON_AddItemToObject(o, "claims", claims)) {
        cJSON_Delete(claims);
        cJSON_Delete(o);
        return NULL;
    }
    add_strings(o, strings, sizeof(strings) / sizeof(*strings));
    add_time(o, "seen", s->last_seen);
    add_time(o, "refreshed", s->refreshed);
    add_time(o, "access_exp", s->access_exp);
    if (s->forbidden_refresh > 0)
        add_time(o, "forbidden_refresh", s->forbidden_refresh);
    if (s->aws && !add_aws(o, s->aws)) {
        cJSON_Delete(o);
        return NULL;
    }
    return print_and_free(p, o);
}

cog_session_t *cog_session_decode(apr_pool_t *p, const char *text, size_t len, const char **why)
{
    cJSON *o = parse_versioned(p, text, len, SESSION_VERSION, why);
    if (o == NULL)
        return NULL;
    cog_session_t *s = apr_pcalloc(p, sizeof(*s));
    if (get_string(p, o, "iss", 1, &s->issuer) || get_string(p, o, "client", 1, &s->client_id)
        || get_time(o, "created", &s->created) || get_time(o, "seen", &s->last_seen)
        || get_time(o, "refreshed", &s->refreshed) || get_time(o, "access_exp", &s->access_exp)
        || get_string(p, o, "id_token", 1, &s->id_token) || get_string(p, o, "access_token", 1, &s->access_token)
        || get_string(p, o, "refresh_token", 0, &s->refresh_token)
        || get_string(p, o, "scope", 0, &s->scope) || get_aws(p, o, &s->aws)
        || (cog_json_member(o, "forbidden_refresh") && get_time(o, "forbidden_refresh", &s->forbidden_refresh))) {
        *why = "a session field is missing or has the wrong type";
        return NULL;
    }
    cJSON *claims = cJSON_DetachItemFromObjectCaseSensitive(o, "claims");
    if (!cJSON_IsObject(claims)) {
        cJSON_Delete(claims);
        *why = "session claims are not an object";
        return NULL;
    }
    apr_pool_cleanup_register(p, claims, free_cjson, apr_pool_cleanup_null);
    s->claims = claims;
    return s;
}

char *cog_state_encode(apr_pool_t *p, const cog_login_state_t *st)
{
    const member_t strings[] = {
        { "return", st->return_path }, { "redirect_uri", st->redirect_uri },
        { "verifier", st->verifier }, { "nonce", st->nonce },
    };
    cJSON *o = record_object(STATE_VERSION, st->created);
    if (o)
        add_strings(o, strings, sizeof(strings) / sizeof(*strings));
    if (o && st->post_kept)
        cJSON_AddTrueToObject(o, "post");
    return o ? print_and_free(p, o) : NULL;
}

cog_login_state_t *cog_state_decode(apr_pool_t *p, const char *text, size_t len, const char **why)
{
    cJSON *o = parse_versioned(p, text, len, STATE_VERSION, why);
    if (o == NULL)
        return NULL;
    cog_login_state_t *st = apr_pcalloc(p, sizeof(*st));
    if (get_time(o, "created", &st->created) || get_string(p, o, "return", 1, &st->return_path)
        || get_string(p, o, "redirect_uri", 1, &st->redirect_uri)
        || get_string(p, o, "verifier", 1, &st->verifier) || get_string(p, o, "nonce", 1, &st->nonce)) {
        *why = "a login state field is missing or has the wrong type";
        return NULL;
    }
    const cJSON *post = cJSON_GetObjectItemCaseSensitive(o, "post");
    if (post && !cJSON_IsBool(post)) {
        *why = "a login state field is missing or has the wrong type";
        return NULL;
    }
    st->post_kept = cJSON_IsTrue(post);
    return st;
}

char *cog_seen_encode(apr_pool_t *p, double last_seen)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    cJSON_AddNumberToObject(o, "v", SEEN_VERSION);
    add_time(o, "seen", last_seen);
    return print_and_free(p, o);
}

int cog_seen_decode(const char *text, size_t len, double *last_seen, const char **why)
{
    const char *unused = NULL;
    cJSON *o = cog_json_parse(text, len, why ? why : &unused);
    const cJSON *v = cJSON_IsObject(o) ? cog_json_member(o, "v") : NULL;
    int ok = v && cJSON_IsNumber(v) && v->valuedouble == SEEN_VERSION
             && get_time(o, "seen", last_seen) == 0;
    cJSON_Delete(o);
    if (!ok && why)
        *why = "not a last-seen record";
    return ok ? 0 : -1;
}

int cog_record_family(const char *secret, const char *issuer, const char *client, const char *id,
                      unsigned char family[32])
{
    /* Newlines cannot occur in an issuer URL, a client id or an id we accept, so
     * the fields cannot run into each other. */
    char label[1024];
    int n = snprintf(label, sizeof(label), "mod_auth_cognito record v2\n%s\n%s\n%s", issuer, client, id);
    if (n < 0 || (size_t)n >= sizeof(label))
        return -1;
    return cog_derive(secret, strlen(secret), label, family);
}

int cog_record_kind_keys(const unsigned char family[32], const char *kind, unsigned char slot[32],
                         unsigned char key[32])
{
    char label[64];
    if ((size_t)snprintf(label, sizeof(label), "slot %s", kind) >= sizeof(label)
        || cog_derive((const char *)family, 32, label, slot) != 0)
        return -1;
    snprintf(label, sizeof(label), "key %s", kind);
    return cog_derive((const char *)family, 32, label, key);
}

int cog_record_secret_valid(const char *s)
{
    if (s == NULL || strlen(s) != 43)
        return 0;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return 0;
    }
    return 1;
}
