/*
 * page.h — the module's HTML error pages.  Text is HTML-escaped (non-ASCII as
 * character references), the page is never cached, and the status is returned so
 * a hook can `return cog_page(...)`.
 */
#ifndef COG_PAGE_H
#define COG_PAGE_H

#include <httpd.h>
#include "error.h"

/* Logs the reason and answers with its status (or `status` when non-zero). */
int cog_page(request_rec *r, int status, const cog_error_t *err, const char *context, const char *advice);

/* The same page body for any status, with free text (escaped here). */
int cog_page_text(request_rec *r, int status, const char *title, const char *message);

#endif
