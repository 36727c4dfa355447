/*
 * query.h — URL encoding and strict parsing of the callback's query string.  Pure;
 * fed attacker-controlled input.
 */
#ifndef COG_QUERY_H
#define COG_QUERY_H

#include <apr_pools.h>
#include <apr_tables.h>

#define COG_QUERY_MAX_LEN    8192
#define COG_QUERY_MAX_PARAMS 32

/* Decodes application/x-www-form-urlencoded text ('+' = space, %XX).  NULL when
 * an escape is malformed or decodes to NUL or another control character. */
char *cog_url_decode(apr_pool_t *p, const char *in, size_t len);

/* Like cog_url_decode, but only NUL is refused: form fields keep CR, LF and tabs. */
char *cog_form_field_decode(apr_pool_t *p, const char *in, size_t len);

/* Encodes for a query component (unreserved characters stay, the rest %XX). */
char *cog_url_encode(apr_pool_t *p, const char *in);

/* Parses "a=1&b=2" into a table.  Returns NULL with *why when the query is too long,
 * has too many parameters, a malformed escape, or any parameter named in `unique`
 * (NULL-terminated list) more than once. */
apr_table_t *cog_query_parse(apr_pool_t *p, const char *query, const char *const *unique, const char **why);

/* Percent-decodes a path leniently ('+' stays, a malformed escape stays as is);
 * NULL when it decodes to a control character. */
char *cog_path_decode(apr_pool_t *p, const char *in, size_t len);

#endif
