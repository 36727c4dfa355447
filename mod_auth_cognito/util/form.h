/*
 * form.h — application/x-www-form-urlencoded bodies, for a form post kept across
 * a login (flow/preserve_post.c).  Pure; fed attacker-controlled input.
 *
 * Strict where a re-submission could differ from what the browser sent: a
 * malformed escape, a NUL, or a name or value that is not UTF-8 refuses the whole
 * body (the post is then not kept, never altered).  Line breaks and other
 * characters a textarea can hold are kept as they are.
 */
#ifndef COG_FORM_H
#define COG_FORM_H

#include <stddef.h>
#include <apr_pools.h>
#include <apr_tables.h>

#define COG_FORM_MAX_FIELDS 1000

typedef struct {
    const char *name;
    const char *value;
} cog_form_field_t;

/* The fields of body in order (array of cog_form_field_t; "a" alone is a field with
 * an empty value; empty pieces between '&' are skipped, as browsers never send
 * them), or NULL with *why. */
apr_array_header_t *cog_form_parse(apr_pool_t *p, const char *body, size_t len, const char **why);

#endif
