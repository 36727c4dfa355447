/*
 * aws.c — CognitoIdentityPool / CognitoIdentityRole / CognitoIdentityEndpoint.
 */
#include "cfg/aws.h"
#include "util/util.h"

#include <ctype.h>
#include <string.h>
#include <apr_strings.h>

/* eu-west-1, us-gov-west-1, ap-southeast-2 … */
static int is_region(const char *s, size_t n)
{
    if (n < 6 || n > 32 || !islower((unsigned char)s[0]) || !isdigit((unsigned char)s[n - 1]))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '-'))
            return 0;
    return memchr(s, '-', n) != NULL;
}

static int is_uuid(const char *s)
{
    if (strlen(s) != 36)
        return 0;
    for (int i = 0; i < 36; i++) {
        int dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
            return 0;
    }
    return 1;
}

const char *cog_set_identity_pool(cmd_parms *cmd, void *cfg, const char *v)
{
    const char *colon = strchr(v, ':');
    if (colon == NULL || !is_region(v, (size_t)(colon - v)) || !is_uuid(colon + 1))
        return apr_psprintf(cmd->pool, "%s: '%s' is not an identity pool id (expected <region>:<uuid>, "
                            "e.g. eu-west-1:11111111-2222-3333-4444-555555555555)", cmd->cmd->name, v);
    ((cog_dir_config_t *)cfg)->identity_pool = v;
    return NULL;
}

/* arn:<partition>:iam::<12 digits>:role/<path/name>, printable ASCII. */
const char *cog_set_identity_role(cmd_parms *cmd, void *cfg, const char *v)
{
    const char *account = strstr(v, ":iam::");
    int ok = strncmp(v, "arn:aws", 7) == 0 && account && strlen(v) <= 2048;
    for (int i = 0; ok && i < 12; i++)
        ok = isdigit((unsigned char)account[6 + i]);
    ok = ok && strncmp(account + 18, ":role/", 6) == 0 && account[24] != '\0';
    for (const char *s = v; ok && *s; s++)
        ok = (unsigned char)*s > 0x20 && (unsigned char)*s < 0x7f;
    if (!ok)
        return apr_psprintf(cmd->pool, "%s: '%s' is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)",
                            cmd->cmd->name, v);
    ((cog_dir_config_t *)cfg)->identity_role = v;
    return NULL;
}

const char *cog_set_identity_endpoint(cmd_parms *cmd, void *cfg, const char *v)
{
    const char *why = cog_check_base_url(cmd->temp_pool, v);
    if (why)
        return apr_psprintf(cmd->pool, "%s: '%s' %s", cmd->cmd->name, v, why);
    size_t n = strlen(v);
    ((cog_dir_config_t *)cfg)->identity_endpoint = v[n - 1] == '/' ? v : apr_pstrcat(cmd->pool, v, "/", NULL);
    return NULL;
}

const char *cog_cfg_identity_region(apr_pool_t *p, const cog_dir_config_t *c)
{
    const char *colon = c->identity_pool ? strchr(c->identity_pool, ':') : NULL;
    return colon ? apr_pstrmemdup(p, c->identity_pool, (apr_size_t)(colon - c->identity_pool)) : NULL;
}

const char *cog_cfg_identity_endpoint(apr_pool_t *p, const cog_dir_config_t *c)
{
    if (c->identity_pool == NULL)
        return NULL;
    if (c->identity_endpoint)
        return c->identity_endpoint;
    return apr_psprintf(p, "https://cognito-identity.%s.amazonaws.com/", cog_cfg_identity_region(p, c));
}
