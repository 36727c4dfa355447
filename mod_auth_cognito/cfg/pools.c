/*
 * pools.c — CognitoUserPool / CognitoIssuer / CognitoBearerClientID and the pool list.
 */
#include "cfg/pools.h"
#include "cfg/values.h"
#include "util/util.h"

#include <string.h>
#include <apr_strings.h>

const cog_pool_t *cog_pool_find(const cog_pool_t *pools, int n, const char *iss)
{
    for (int i = 0; iss && i < n; i++)
        if (strcmp(pools[i].issuer, iss) == 0)
            return &pools[i];
    return NULL;
}

/* Cognito's issuers end in the pool id; an override alone names its pool that way. */
static const char *last_segment(const char *url)
{
    const char *slash = strrchr(url, '/');
    return slash && slash[1] ? slash + 1 : url;
}

static void rebuild(apr_pool_t *p, cog_dir_config_t *c)
{
    int npools = c->pool_ids ? c->pool_ids->nelts : 0;
    int nissuers = c->issuers ? c->issuers->nelts : 0;
    int n = npools > nissuers ? npools : nissuers;
    c->pools = apr_array_make(p, n, sizeof(cog_pool_t));
    for (int i = 0; i < n; i++) {
        cog_pool_t *pool = apr_array_push(c->pools);
        const char *id = i < npools ? APR_ARRAY_IDX(c->pool_ids, i, const char *) : NULL;
        const char *issuer = i < nissuers ? APR_ARRAY_IDX(c->issuers, i, const char *) : NULL;
        pool->issuer = issuer ? issuer
                     : apr_psprintf(p, "https://cognito-idp.%s.amazonaws.com/%s", cog_value_pool_region(p, id), id);
        pool->id = id ? id : last_segment(issuer);
        pool->jwks_url = apr_pstrcat(p, pool->issuer, "/.well-known/jwks.json", NULL);
    }
    c->user_pool = npools ? APR_ARRAY_IDX(c->pool_ids, 0, const char *) : NULL;
}

static void append(apr_pool_t *p, apr_array_header_t **list, const char *v)
{
    if (*list == NULL)
        *list = apr_array_make(p, 2, sizeof(const char *));
    APR_ARRAY_PUSH(*list, const char *) = v;
}

const char *cog_set_user_pool(cmd_parms *cmd, void *cfg, const char *v)
{
    const char *u;
    if (!cog_value_user_pool_id(v, &u))
        return apr_psprintf(cmd->pool, "%s: '%s' is not a user pool id (expected <region>_<id>, "
                            "e.g. eu-west-1_AbCdEf123)", cmd->cmd->name, v);
    cog_dir_config_t *c = cfg;
    append(cmd->pool, &c->pool_ids, v);
    rebuild(cmd->pool, c);
    return NULL;
}

const char *cog_set_issuer(cmd_parms *cmd, void *cfg, const char *v)
{
    const char *why = cog_check_base_url(cmd->temp_pool, v);
    if (why)
        return apr_psprintf(cmd->pool, "%s: '%s' %s", cmd->cmd->name, v, why);
    if (v[strlen(v) - 1] == '/')
        return apr_psprintf(cmd->pool, "%s: '%s' must not end with '/' (tokens carry the issuer without it)",
                            cmd->cmd->name, v);
    cog_dir_config_t *c = cfg;
    append(cmd->pool, &c->issuers, v);
    rebuild(cmd->pool, c);
    return NULL;
}

const char *cog_set_bearer_client(cmd_parms *cmd, void *cfg, const char *v)
{
    const char *why = cog_value_identifier(cmd, v);
    if (why)
        return why;
    cog_dir_config_t *c = cfg;
    append(cmd->pool, &c->bearer_clients, v);
    return NULL;
}

int cog_cfg_pool_count(const cog_dir_config_t *c)
{
    return c->pools ? c->pools->nelts : 0;
}

const cog_pool_t *cog_cfg_pool(const cog_dir_config_t *c, int index)
{
    return index >= 0 && index < cog_cfg_pool_count(c) ? &APR_ARRAY_IDX(c->pools, index, cog_pool_t) : NULL;
}

const char *cog_cfg_issuer(const cog_dir_config_t *c)
{
    const cog_pool_t *first = cog_cfg_pool(c, 0);
    return first ? first->issuer : NULL;
}

const cog_pool_t *cog_cfg_pool_by_issuer(const cog_dir_config_t *c, const char *iss)
{
    return cog_pool_find(cog_cfg_pool(c, 0), cog_cfg_pool_count(c), iss);
}

const char *const *cog_cfg_bearer_clients(const cog_dir_config_t *c, int *n)
{
    if (c->bearer_clients) {
        *n = c->bearer_clients->nelts;
        return (const char *const *)c->bearer_clients->elts;
    }
    *n = c->client_id ? 1 : 0;
    return &c->client_id;
}

const char *cog_cfg_pools_invalid(const cog_dir_config_t *c)
{
    int npools = c->pool_ids ? c->pool_ids->nelts : 0;
    int nissuers = c->issuers ? c->issuers->nelts : 0;
    if (npools > 0 && nissuers > npools)
        return "CognitoIssuer has more values than CognitoUserPool (each issuer overrides the pool "
               "in the same position)";
    for (int i = 0; i < cog_cfg_pool_count(c); i++)
        for (int j = 0; j < i; j++)
            if (strcmp(cog_cfg_pool(c, i)->issuer, cog_cfg_pool(c, j)->issuer) == 0)
                return "two of the CognitoUserPool / CognitoIssuer values name the same issuer";
    if (cog_cfg_pool_count(c) > 1 && cog_cfg_bearer(c) != COG_BEARER_ONLY)
        return "CognitoUserPool names several pools, which only a CognitoBearer only location can "
               "accept (a browser login belongs to one pool)";
    return NULL;
}
