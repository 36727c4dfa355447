/*
 * session_refresh.h — renewing a session's tokens with its refresh token.
 *
 * Single-flight: one refresh per session at a time across this server's
 * processes and the servers sharing its store (a lock record; on a shared store
 * its writers settle on one owner).  The others keep using the still-valid access
 * token, or wait for the refresh when theirs has expired.  With refresh-token
 * rotation, a refused grant first looks for the token another server stored
 * meanwhile before ending the session.
 */
#ifndef COG_SESSION_REFRESH_H
#define COG_SESSION_REFRESH_H

#include <httpd.h>
#include "cfg/config.h"
#include "flow/session_store.h"

typedef enum {
    COG_REFRESH_DONE,     /* f now holds new tokens */
    COG_REFRESH_SKIPPED,  /* someone else refreshed (f updated) or it was not needed */
    COG_REFRESH_ENDED,    /* Cognito ended the session (or it vanished): no session */
    COG_REFRESH_FAILED    /* could not refresh now; err says why */
} cog_refresh_result_t;

/* Polls the session record (fresh reads, every 100 ms) until done(record, arg)
 * holds — APR_SUCCESS with f updated — or total_ms pass (APR_TIMEUP), or a store
 * error.  For requests that wait for another one's refresh or renewal. */
apr_status_t cog_session_await(request_rec *r, const cog_dir_config_t *c, cog_found_session_t *f, int total_ms,
                               int (*done)(const cog_session_t *now, const void *arg), const void *arg);

/* Refreshes when due (cog_policy_refresh_due), or — with forbidden_window > 0
 * (CognitoRefreshOnForbidden) — when no such refresh happened in the last
 * forbidden_window seconds; that refresh's time is then recorded in the session. */
cog_refresh_result_t cog_session_refresh(request_rec *r, const cog_dir_config_t *c, cog_found_session_t *f,
                                         int forbidden_window, cog_error_t *err);

#endif
