/*
 * session_policy.h — when a browser session ends, refreshes, records activity and
 * leaves the store.  Pure functions of times (seconds since the epoch, as doubles)
 * and the configured lifetimes: no I/O, no clock, unit-tested.
 */
#ifndef COG_SESSION_POLICY_H
#define COG_SESSION_POLICY_H

#include "cfg/error.h"

typedef struct {
    int max_age;       /* CognitoSessionMaxAge */
    int idle;          /* CognitoSessionIdleTimeout; 0 = none */
    int revalidate;    /* CognitoRevalidateInterval; 0 = off */
    int skew;          /* CognitoClockSkew */
    int refresh;       /* CognitoRefresh on (and a refresh token held) */
} cog_lifetime_t;

typedef struct {
    double created;    /* login */
    double last_seen;  /* latest recorded activity */
    double refreshed;  /* login or last token refresh */
    double access_exp; /* the access token's exp */
} cog_session_times_t;

/* COG_OK while the session lives; COG_E_SESSION_EXPIRED (maximum age, or the access
 * token expired with no way to refresh it) or COG_E_SESSION_IDLE. */
cog_reason_t cog_policy_ending(const cog_lifetime_t *lt, const cog_session_times_t *t, double now);

/* 1 when the tokens should be refreshed now: in the last quarter of the access
 * token's life (at most its last 60 s, at least its last second), or
 * CognitoRevalidateInterval after the last refresh. */
int cog_policy_refresh_due(const cog_lifetime_t *lt, const cog_session_times_t *t, double now);

/* How stale the recorded activity may get before it is written again: an eighth of
 * the idle timeout, between 1 s and 5 minutes (300 s without an idle timeout).
 * The idle timeout therefore ends a session at most this much early. */
double cog_policy_touch_every(const cog_lifetime_t *lt);
int cog_policy_touch_due(const cog_lifetime_t *lt, const cog_session_times_t *t, double now);

/* When the session record may leave the store: no request can use it after that
 * (maximum age; idle timeout counted from the latest activity that can happen
 * without rewriting the record — until the next refresh, or token expiry). */
double cog_policy_record_expiry(const cog_lifetime_t *lt, const cog_session_times_t *t);
/* When a last-seen record written at `now` may leave the store. */
double cog_policy_seen_expiry(const cog_lifetime_t *lt, const cog_session_times_t *t, double now);
/* When the session will end if nothing happens (shown by the info endpoint). */
double cog_policy_session_expires(const cog_lifetime_t *lt, const cog_session_times_t *t);

#endif
