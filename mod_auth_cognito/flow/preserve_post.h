/*
 * preserve_post.h — a form post that meets an expired session survives the login.
 *
 * Kept in the browser, never on the server (form_pages.h): the answer to the post
 * is a page that puts the decoded fields in the tab's sessionStorage and goes on
 * to the managed login; the login state (sealed state cookie) says a post waits,
 * and the callback answers with a page that takes the fields out (once) and posts
 * them to the path the sealed state names.  So an anonymous request writes
 * nothing to the store, the body never appears in a URL or a log, and a reload
 * cannot post twice.
 *
 * Kept only for a top-level form submission from a page of this same origin
 * (Sec-Fetch-Site, else Origin), `application/x-www-form-urlencoded`, at most
 * CognitoPreservePostMax bytes, strictly encoded UTF-8 (util/form.h).  Anything
 * else that is a navigation gets an ordinary login redirect, with a log line
 * saying why the post was not kept; XHR/fetch posts never come here (401).
 * Both pages: no-store, a Content-Security-Policy allowing exactly their one
 * inline script (by hash), no third-party anything.
 */
#ifndef COG_PRESERVE_POST_H
#define COG_PRESERVE_POST_H

#include <httpd.h>
#include "cfg/config.h"

/* A navigation POST without a session: the page that keeps the post and starts the
 * login (DONE), or an ordinary login redirect when the post cannot be kept. */
int cog_preserve_post_login(request_rec *r, const cog_dir_config_t *c);

#endif
