/*
 * scrub.h — spoofing protection.  Every incoming request header whose name could
 * pose as identity this module (or a load balancer it replaces) hands to
 * applications is removed: X-Cognito-*, Cognito-*, X-Amzn-Oidc-*, and the
 * Remote-User family, compared case-insensitively with '_', '.', '~' and every other
 * non-alphanumeric treated like '-' (PHP-FPM and many backends map them alike).  Runs on every request
 * of every server that loads the module, before any access checking.
 */
#ifndef COG_SCRUB_H
#define COG_SCRUB_H

#include <httpd.h>

/* 1 when a request header of this name must never reach an application. */
int cog_scrub_is_reserved(const char *name);

/* Removes every reserved header from r->headers_in; returns how many. */
int cog_scrub_request(request_rec *r);

/* The Cookie header without the cookies named in `names` or starting with one of
 * `prefixes` (NULL-terminated lists).  Pure, linear in the header's length: every
 * other ';'-separated piece exactly as sent (blanks around it trimmed), joined by
 * "; ".  A cookie of ours after a ',' counts too (the module's own cookie reader
 * splits there: merged Cookie lines); only a piece that held one is rewritten.
 * Returns `header` itself when nothing was dropped and NULL when nothing remains. */
const char *cog_scrub_cookie_header(apr_pool_t *p, const char *header, const char *const *names,
                                    const char *const *prefixes);

/* Removes the module's own cookies — the session and state cookies of every
 * CognitoCookieName in the configuration, plain and __Host- — from the Cookie
 * header, so no application or proxied backend, under any location, sees them.
 * The original header stays readable for the module (cog_cookie_of_request). */
void cog_scrub_cookies(request_rec *r, const apr_array_header_t *cookie_names);

#endif
