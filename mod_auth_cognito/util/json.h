/*
 * json.h — strict RFC 8259 parsing on top of cJSON.
 *
 * cJSON is lenient where an authentication module must not be: it accepts leading
 * zeros and '+' in numbers, duplicate member names (last one wins — a classic token
 * smuggling vector), invalid UTF-8 and, by default, trailing data.  cog_json_parse()
 * first scans the text (string/number lexemes only — cJSON still does the parsing),
 * then parses with cJSON requiring the end of input, then walks the tree to refuse
 * duplicate member names and excessive nesting.
 */
#ifndef COG_JSON_H
#define COG_JSON_H

#include <stddef.h>
#include <apr_pools.h>
#include <cjson/cJSON.h>

#define COG_JSON_MAX_DEPTH 32

/* Parses len bytes (need not be NUL-terminated).  Returns a cJSON tree the caller
 * frees with cJSON_Delete(), or NULL with *why set to a fixed reason text. */
cJSON *cog_json_parse(const char *text, size_t len, const char **why);

/* 1 when the n bytes are well-formed UTF-8 (RFC 3629: no overlongs, no surrogates). */
int cog_utf8_valid(const char *s, size_t n);

/* Deletes the tree when pool p is cleaned up. */
void cog_json_free_with(apr_pool_t *p, cJSON *tree);

/* Typed member lookups that never coerce.  Return NULL when absent or of another type. */
const char *cog_json_string(const cJSON *obj, const char *name);
const cJSON *cog_json_member(const cJSON *obj, const char *name);

#endif
