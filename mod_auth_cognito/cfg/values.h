/*
 * values.h — how directive values are read and checked (cfg/directives.c uses
 * them).  Each returns NULL or an error text that names the directive; secrets
 * are never echoed.
 */
#ifndef COG_VALUES_H
#define COG_VALUES_H

#include <httpd.h>
#include <http_config.h>

/* 1 for a pool id like eu-west-1_AbCdEf123 (also gov regions), with *underscore
 * at its '_'. */
int cog_value_user_pool_id(const char *v, const char **underscore);

/* Identifiers that end up in comparisons and logs (client ids): printable ASCII
 * without spaces, not empty.  NULL or an error text naming the directive. */
const char *cog_value_identifier(cmd_parms *cmd, const char *v);

/* The region of a pool id ("eu-west-1" of "eu-west-1_AbC"), or NULL without '_'. */
const char *cog_value_pool_region(apr_pool_t *p, const char *pool_id);

/* A secret given as its value, file:<path> or env:<VAR>; one trailing newline is
 * not part of it; never empty, no control characters. */
const char *cog_value_secret(cmd_parms *cmd, const char *v, const char *what, const char **out);

/* 1 for a local path: a single leading '/', printable ASCII, no query, fragment
 * or backslash. */
int cog_value_local_path(const char *v);

/* CognitoDomain: an https URL (trailing '/' dropped) into *url, or a Cognito
 * domain prefix into *prefix; the other is set to NULL. */
const char *cog_value_domain(cmd_parms *cmd, const char *v, const char **url, const char **prefix);

/* An existing regular file (relative to ServerRoot) into *out. */
const char *cog_value_file(cmd_parms *cmd, const char *v, const char **out);
/* An outgoing proxy URL: http://, https://, socks5:// or socks5h:// with a host. */
const char *cog_value_proxy_url(cmd_parms *cmd, const char *v);

/* CognitoScope: printable OAuth scope tokens, openid among them. */
const char *cog_value_scope(cmd_parms *cmd, const char *v);

#endif
