/*
 * session_policy.c — session lifetime decisions (pure).
 */
#include "flow/session_policy.h"

#include <math.h>

cog_reason_t cog_policy_ending(const cog_lifetime_t *lt, const cog_session_times_t *t, double now)
{
    if (now >= t->created + lt->max_age)
        return COG_E_SESSION_EXPIRED;
    if (lt->idle > 0 && now >= t->last_seen + lt->idle)
        return COG_E_SESSION_IDLE;
    /* Without refresh a session cannot outlive its access token: a user revoked at
     * Cognito would otherwise keep access until the maximum age. */
    if (!lt->refresh && now >= t->access_exp + lt->skew)
        return COG_E_SESSION_EXPIRED;
    return COG_OK;
}

int cog_policy_refresh_due(const cog_lifetime_t *lt, const cog_session_times_t *t, double now)
{
    if (!lt->refresh)
        return 0;
    double life = t->access_exp - t->refreshed;
    double margin = fmin(60.0, fmax(1.0, life / 4));
    return now >= t->access_exp - margin || (lt->revalidate > 0 && now - t->refreshed >= lt->revalidate);
}

double cog_policy_touch_every(const cog_lifetime_t *lt)
{
    return lt->idle > 0 ? fmax(1.0, fmin(300.0, lt->idle / 8.0)) : 300.0;
}

int cog_policy_touch_due(const cog_lifetime_t *lt, const cog_session_times_t *t, double now)
{
    return now - t->last_seen >= cog_policy_touch_every(lt);
}

double cog_policy_record_expiry(const cog_lifetime_t *lt, const cog_session_times_t *t)
{
    double until = t->created + lt->max_age;
    if (!lt->refresh)
        return fmin(until, t->access_exp + lt->skew) + 1;
    if (lt->idle > 0) {
        /* Activity only touches the small last-seen record; the session record is
         * rewritten at the latest when the access token runs out (refresh). */
        double latest_activity = fmax(t->last_seen, fmax(t->refreshed, t->access_exp));
        until = fmin(until, latest_activity + lt->idle);
    }
    return until + 1;
}

double cog_policy_seen_expiry(const cog_lifetime_t *lt, const cog_session_times_t *t, double now)
{
    double until = t->created + lt->max_age;
    if (lt->idle > 0)
        until = fmin(until, now + lt->idle);
    return until + 1;
}

double cog_policy_session_expires(const cog_lifetime_t *lt, const cog_session_times_t *t)
{
    double until = t->created + lt->max_age;
    if (lt->idle > 0)
        until = fmin(until, t->last_seen + lt->idle);
    return until;
}
