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

/* Removes the module's own cookies (session and login-state) from the Cookie
 * header, so applications and proxied backends never see them.  The original
 * header is kept in r->notes for the module's own later use (subrequests and
 * internal redirects copy the scrubbed headers). */
void cog_scrub_cookies(request_rec *r, const char *session_cookie_name);

/* The Cookie header as the client sent it, for this request or the request that
 * started its chain. */
const char *cog_scrub_original_cookies(request_rec *r);

#endif
