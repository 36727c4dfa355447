/*
 * challenge.h — what a request without a usable identity, or a refused one, gets.
 * One place for every such answer, so they stay consistent:
 *
 *   no identity, top-level GET navigation or form post, CognitoUnauthenticated auth
 *                                      → the caller's start_login (302 to the managed
 *                                        login; a form post may be kept, preserve_post.h)
 *   no identity, anything else         → 401: with a Bearer challenge where Bearer
 *                                        tokens are accepted, else an error page
 *   CognitoUnauthenticated pass        → through, with an empty user
 *   a bad Bearer token                 → 401 WWW-Authenticate: Bearer error="invalid_token"
 *   a good Bearer token that a Require
 *   line refuses                       → 403 WWW-Authenticate: Bearer error="insufficient_scope"
 *   anything refused for a reason      → the reason's status (cfg/error.c maps them) and
 *                                        an escaped HTML page
 *
 * Every such answer is `Cache-Control: no-store`.  Text is HTML-escaped (UTF-8
 * kept), and the status is returned so a hook can `return cog_page(...)`.
 */
#ifndef COG_CHALLENGE_H
#define COG_CHALLENGE_H

#include <httpd.h>
#include "cfg/config.h"
#include "cfg/error.h"

/* Marks the answer (also an error or redirect) as never to be cached. */
void cog_no_store(request_rec *r);

/* 1 when the request may be answered with a login redirect: a top-level GET
 * navigation of a browser, not XHR/fetch/API calls (nor HEAD). */
int cog_challenge_is_navigation(request_rec *r);
/* 1 for a top-level form submission (POST) of a browser, not XHR/fetch. */
int cog_challenge_is_form_post(request_rec *r);

/* No identity: what CognitoUnauthenticated and the kind of request call for.
 * start_login answers a navigation that may log in (302 to Cognito). */
int cog_challenge_unauthenticated(request_rec *r, const cog_dir_config_t *c,
                                  int (*start_login)(request_rec *r, const cog_dir_config_t *c));

/* 401 with "WWW-Authenticate: Bearer realm=..." for a request that brought no token. */
int cog_challenge_bearer_missing(request_rec *r, const char *why);
/* A Bearer token that was refused (401 invalid_token) or could not be checked (5xx). */
int cog_challenge_bearer_refused(request_rec *r, const cog_error_t *err);

/* A valid Bearer token that a Require line refused: 403 with RFC 6750 §3.1's
 * error="insufficient_scope", naming the scopes that would grant (scopes may be NULL). */
int cog_challenge_bearer_forbidden(request_rec *r, const char *scopes);

/* Logs the reason and answers with its status (or `status` when non-zero). */
int cog_page(request_rec *r, int status, const cog_error_t *err, const char *context, const char *advice);
/* The same page body for any status, with free text (escaped here). */
int cog_page_text(request_rec *r, int status, const char *title, const char *message);

#endif
