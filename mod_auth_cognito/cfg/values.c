/*
 * values.c — readers and checks of directive values.
 */
#include "cfg/values.h"
#include "util/util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <apr_file_io.h>
#include <apr_strings.h>
#include <apr_uri.h>
#include <strings.h>
#include <http_config.h>

/* Pool ids look like eu-west-1_AbCdEf123 (aws-jwt-verify's rule, also gov regions). */
int cog_value_user_pool_id(const char *v, const char **underscore)
{
    const char *u = strchr(v, '_');
    if (u == NULL || u == v || u[1] == '\0' || strchr(u + 1, '_'))
        return 0;
    /* region: [a-z]{2}-(gov-)?[a-z]+-[0-9] */
    const char *s = v;
    if (!islower((unsigned char)s[0]) || !islower((unsigned char)s[1]) || s[2] != '-')
        return 0;
    s += 3;
    if (strncmp(s, "gov-", 4) == 0)
        s += 4;
    const char *word = s;
    while (islower((unsigned char)*s)) s++;
    if (s == word || *s != '-' || !isdigit((unsigned char)s[1]) || s + 2 != u)
        return 0;
    for (s = u + 1; *s; s++)
        if (!isalnum((unsigned char)*s))
            return 0;
    *underscore = u;
    return 1;
}

static const char *read_secret_file(cmd_parms *cmd, const char *path, const char **out)
{
    char *text = NULL;
    apr_file_t *f;
    apr_finfo_t fi;
    const char *full = ap_server_root_relative(cmd->temp_pool, path);
    if (full == NULL || apr_file_open(&f, full, APR_FOPEN_READ, 0, cmd->temp_pool) != APR_SUCCESS)
        return apr_psprintf(cmd->pool, "%s: cannot read the secret file %s", cmd->cmd->name, path);
    if (apr_file_info_get(&fi, APR_FINFO_SIZE, f) != APR_SUCCESS || fi.size > 4096) {
        apr_file_close(f);
        return apr_psprintf(cmd->pool, "%s: the secret file %s is not a small regular file", cmd->cmd->name, path);
    }
    text = apr_pcalloc(cmd->pool, (apr_size_t)fi.size + 1);
    apr_size_t got = (apr_size_t)fi.size;
    apr_status_t rv = fi.size > 0 ? apr_file_read_full(f, text, got, &got) : APR_SUCCESS;
    apr_file_close(f);
    if (rv != APR_SUCCESS)
        return apr_psprintf(cmd->pool, "%s: cannot read the secret file %s", cmd->cmd->name, path);
    text[got] = '\0';
    *out = text;
    return NULL;
}

/* A secret given as its value, file:<path> or env:<VAR>; one trailing newline
 * (echo > file) is not part of it.  NULL, or what is wrong. */
const char *cog_value_secret(cmd_parms *cmd, const char *v, const char *what, const char **out)
{
    const char *secret = v, *err;
    if (strncmp(v, "file:", 5) == 0) {
        if ((err = read_secret_file(cmd, v + 5, &secret)) != NULL)
            return err;
    } else if (strncmp(v, "env:", 4) == 0) {
        secret = getenv(v + 4);
        if (secret == NULL)
            return apr_psprintf(cmd->pool, "%s: environment variable %s is not set", cmd->cmd->name, v + 4);
    }
    char *s = apr_pstrdup(cmd->pool, secret);
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = '\0';
    if (n == 0)
        return apr_psprintf(cmd->pool, "%s: the %s is empty", cmd->cmd->name, what);
    for (const char *c = s; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            return apr_psprintf(cmd->pool, "%s: the %s contains control characters", cmd->cmd->name, what);
    *out = s;
    return NULL;
}

int cog_value_local_path(const char *v)
{
    if (v[0] != '/' || v[1] == '/')
        return 0;
    for (const char *s = v; *s; s++)
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f || *s == '?' || *s == '#' || *s == '\\')
            return 0;
    return 1;
}


const char *cog_value_domain(cmd_parms *cmd, const char *v, const char **url_out, const char **prefix_out)
{
    if (strstr(v, "://")) {
        const char *why = cog_check_base_url(cmd->temp_pool, v);
        if (why)
            return apr_psprintf(cmd->pool, "%s: '%s' %s", cmd->cmd->name, v, why);
        char *url = apr_pstrdup(cmd->pool, v);
        size_t n = strlen(url);
        while (n > 0 && url[n - 1] == '/')
            url[--n] = '\0';
        *url_out = url;
        *prefix_out = NULL;
        return NULL;
    }
    /* Cognito domain prefixes: lower-case letters, digits and hyphens, 1-63. */
    size_t n = strlen(v);
    if (n == 0 || n > 63 || v[0] == '-' || v[n - 1] == '-')
        return apr_psprintf(cmd->pool, "%s: '%s' is neither an https:// URL nor a Cognito domain prefix", cmd->cmd->name, v);
    for (const char *s = v; *s; s++)
        if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '-'))
            return apr_psprintf(cmd->pool, "%s: '%s' is neither an https:// URL nor a Cognito domain prefix", cmd->cmd->name, v);
    *prefix_out = v;
    *url_out = NULL;
    return NULL;
}

const char *cog_value_file(cmd_parms *cmd, const char *v, const char **out)
{
    const char *path = ap_server_root_relative(cmd->pool, v);
    apr_finfo_t fi;
    if (path == NULL || apr_stat(&fi, path, APR_FINFO_TYPE, cmd->temp_pool) != APR_SUCCESS || fi.filetype != APR_REG)
        return apr_psprintf(cmd->pool, "%s: '%s' is not a readable file", cmd->cmd->name, v);
    *out = path;
    return NULL;
}

const char *cog_value_proxy_url(cmd_parms *cmd, const char *v)
{
    apr_uri_t uri;
    if (apr_uri_parse(cmd->temp_pool, v, &uri) != APR_SUCCESS || uri.hostname == NULL || uri.scheme == NULL
        || (strcasecmp(uri.scheme, "http") && strcasecmp(uri.scheme, "https")
            && strcasecmp(uri.scheme, "socks5") && strcasecmp(uri.scheme, "socks5h")))
        return apr_psprintf(cmd->pool, "%s: '%s' is not a proxy URL (http://host:port, https://, socks5://)",
                            cmd->cmd->name, v);
    return NULL;
}

const char *cog_value_scope(cmd_parms *cmd, const char *v)
{
    int has_openid = 0;
    char *copy = apr_pstrdup(cmd->temp_pool, v), *state = NULL;
    for (char *s = copy; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f || *s == '"' || *s == '\\')
            return apr_psprintf(cmd->pool, "%s: '%s' contains characters not allowed in OAuth scopes",
                                cmd->cmd->name, v);
    for (char *t = apr_strtok(copy, " ", &state); t; t = apr_strtok(NULL, " ", &state))
        if (strcmp(t, "openid") == 0)
            has_openid = 1;
    if (!has_openid)
        return apr_psprintf(cmd->pool, "%s: '%s' must include openid (login needs Cognito's ID token)",
                            cmd->cmd->name, v);
    return NULL;
}

const char *cog_value_identifier(cmd_parms *cmd, const char *v)
{
    for (const char *s = v; *s; s++)
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
            return apr_psprintf(cmd->pool, "%s: '%s' must be printable ASCII without spaces", cmd->cmd->name, v);
    if (*v == '\0')
        return apr_psprintf(cmd->pool, "%s: value must not be empty", cmd->cmd->name);
    return NULL;
}

const char *cog_value_pool_region(apr_pool_t *p, const char *pool_id)
{
    const char *u = pool_id ? strchr(pool_id, '_') : NULL;
    return u ? apr_pstrmemdup(p, pool_id, (apr_size_t)(u - pool_id)) : NULL;
}
