/*
 * form_pages.h — the pages of a form post kept across the login (preserve_post.h
 * says when a post is kept).  The fields wait in the tab's sessionStorage under
 * one key: the first page stores them and goes on to the managed login; the page
 * the callback answers with takes them out (once) and posts them, as hidden
 * fields of a form, to the path the sealed login state names — never to a path
 * the stored copy names.  Each page carries its data in a JSON block that is
 * never executed and one static inline script allowed by its hash:
 * Content-Security-Policy default-src 'none'; form-action 'self'; no-store.
 */
#ifndef COG_FORM_PAGES_H
#define COG_FORM_PAGES_H

#include <httpd.h>
#include <apr_tables.h>
#include "util/form.h"

/* 200: stores fields (cog_form_field_t) for path, then goes to the login URL.  DONE. */
int cog_form_page_keep(request_rec *r, const char *path, const char *login, const apr_array_header_t *fields);

/* 200: posts the stored fields to return_path once, or goes there (GET) when none
 * are stored for it.  DONE. */
int cog_form_page_resubmit(request_rec *r, const char *return_path);

#endif
