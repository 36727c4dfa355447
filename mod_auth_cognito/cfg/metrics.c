/*
 * metrics.c — shared-memory counters and their two renderings.
 */
#include "cfg/metrics.h"

#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <apr_shm.h>
#include <apr_strings.h>

#define LABELS 64   /* >= COG_REASON_COUNT, and every small label set */

typedef struct {
    const char *name;
    const char *help;
    const char *label;                  /* label name, NULL for none */
    const char *const *values;          /* fixed label values, NULL = reason names */
    int         nvalues;
    int         seconds;                /* stored in microseconds, shown in seconds */
} family_t;

static const char *const results_ok_failed[] = { "ok", "failed" };
static const char *const results_refresh[] = { "ok", "failed", "refused" };
static const char *const results_session[] = { "hit", "miss", "error" };
static const char *const endpoints[] = { "token", "jwks", "revoke", "identity" };
static const char *const login_steps[] = { "redirect", "callback" };
static const char *const kid_refusals[] = { "remembered", "throttled" };

static const family_t families[COG_M_FAMILY_COUNT] = {
    [COG_M_LOGIN_STARTED]     = { "cognito_logins_started_total", "Logins sent to the managed login page", NULL, NULL, 1, 0 },
    [COG_M_LOGIN_COMPLETED]   = { "cognito_logins_completed_total", "Logins that created a session", NULL, NULL, 1, 0 },
    [COG_M_LOGIN_FAILED]      = { "cognito_login_failures_total", "Login callbacks refused, by reason", "reason", NULL, COG_REASON_COUNT, 0 },
    [COG_M_BEARER]            = { "cognito_bearer_verifications_total", "Bearer tokens checked, by outcome", "outcome", NULL, COG_REASON_COUNT, 0 },
    [COG_M_JWKS_FETCH]        = { "cognito_jwks_fetches_total", "Key set fetches", "result", results_ok_failed, 2, 0 },
    [COG_M_REFRESH]           = { "cognito_refreshes_total", "Session token refreshes", "result", results_refresh, 3, 0 },
    [COG_M_SESSION]           = { "cognito_session_lookups_total", "Session cookie lookups in the session store", "result", results_session, 3, 0 },
    [COG_M_SESSION_LOCAL]     = { "cognito_session_local_hits_total", "Session lookups answered from the Apache process's own copy of the record (included in the hits)", NULL, NULL, 1, 0 },
    [COG_M_LOGOUT]            = { "cognito_logouts_total", "Logouts", NULL, NULL, 1, 0 },
    [COG_M_OUTBOUND_REQUESTS] = { "cognito_outbound_requests_total", "Requests to Cognito", "endpoint", endpoints, 4, 0 },
    [COG_M_OUTBOUND_FAILURES] = { "cognito_outbound_failures_total", "Requests to Cognito without an HTTP answer", "endpoint", endpoints, 4, 0 },
    [COG_M_OUTBOUND_USEC]     = { "cognito_outbound_seconds_total", "Time spent waiting for Cognito", "endpoint", endpoints, 4, 1 },
    [COG_M_LOGIN_CPU_USEC]    = { "cognito_login_cpu_seconds_total", "CPU time spent on login redirects and callbacks (waiting for Cognito excluded)", "step", login_steps, 2, 1 },
    [COG_M_JWKS_KID_REFUSED]  = { "cognito_jwks_kid_refusals_total", "Unknown key ids refused without a key set fetch: refused by a fetch in the last 5 minutes (remembered), or a fetch of that pool started less than a second ago (throttled)", "reason", kid_refusals, 2, 0 },
};

/* Set once in post_config (before the children exist), read-only pointer after. */
static _Atomic uint64_t *counters;

apr_status_t cog_metrics_create(apr_pool_t *pconf)
{
    apr_shm_t *shm;
    apr_size_t size = sizeof(_Atomic uint64_t) * COG_M_FAMILY_COUNT * LABELS;
    apr_status_t rv = apr_shm_create(&shm, size, NULL, pconf);
    if (rv != APR_SUCCESS)
        return rv;
    counters = apr_shm_baseaddr_get(shm);
    for (size_t i = 0; i < COG_M_FAMILY_COUNT * LABELS; i++)
        atomic_init(&counters[i], 0);
    return APR_SUCCESS;
}

void cog_metrics_add(cog_metric_t family, int label, uint64_t n)
{
    if (counters == NULL || (int)family < 0 || family >= COG_M_FAMILY_COUNT || label < 0 || label >= LABELS)
        return;
    atomic_fetch_add_explicit(&counters[family * LABELS + label], n, memory_order_relaxed);
}

uint64_t cog_metrics_thread_cpu_usec(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t get(int family, int label)
{
    return counters ? atomic_load_explicit(&counters[family * LABELS + label], memory_order_relaxed) : 0;
}

static const char *label_value(const family_t *f, int i)
{
    return f->values ? f->values[i] : cog_reason_info((cog_reason_t)i)->name;
}

/* Reason-labelled families list only reasons that occurred; fixed sets list all. */
static int shown(const family_t *f, int family, int i)
{
    return f->values || f->label == NULL || get(family, i) != 0;
}

static const char *number(apr_pool_t *p, const family_t *f, uint64_t v)
{
    return f->seconds ? apr_psprintf(p, "%.6f", (double)v / 1e6) : apr_psprintf(p, "%" APR_UINT64_T_FMT, v);
}

char *cog_metrics_prometheus(apr_pool_t *p)
{
    apr_array_header_t *lines = apr_array_make(p, 64, sizeof(const char *));
    for (int fam = 0; fam < COG_M_FAMILY_COUNT; fam++) {
        const family_t *f = &families[fam];
        APR_ARRAY_PUSH(lines, const char *) = apr_psprintf(p, "# HELP %s %s\n# TYPE %s counter\n",
                                                           f->name, f->help, f->name);
        for (int i = 0; i < f->nvalues; i++) {
            if (!shown(f, fam, i))
                continue;
            APR_ARRAY_PUSH(lines, const char *) =
                f->label ? apr_psprintf(p, "%s{%s=\"%s\"} %s\n", f->name, f->label, label_value(f, i),
                                        number(p, f, get(fam, i)))
                         : apr_psprintf(p, "%s %s\n", f->name, number(p, f, get(fam, i)));
        }
    }
    return apr_array_pstrcat(p, lines, 0);
}

char *cog_metrics_json(apr_pool_t *p)
{
    apr_array_header_t *parts = apr_array_make(p, 16, sizeof(const char *));
    for (int fam = 0; fam < COG_M_FAMILY_COUNT; fam++) {
        const family_t *f = &families[fam];
        const char *body;
        if (f->label == NULL) {
            body = number(p, f, get(fam, 0));
        } else {
            apr_array_header_t *kv = apr_array_make(p, 8, sizeof(const char *));
            for (int i = 0; i < f->nvalues; i++)
                if (shown(f, fam, i))
                    APR_ARRAY_PUSH(kv, const char *) = apr_psprintf(p, "\"%s\":%s", label_value(f, i),
                                                                    number(p, f, get(fam, i)));
            body = apr_pstrcat(p, "{", apr_array_pstrcat(p, kv, ','), "}", NULL);
        }
        APR_ARRAY_PUSH(parts, const char *) = apr_psprintf(p, "\"%s\":%s", f->name, body);
    }
    return apr_pstrcat(p, "{", apr_array_pstrcat(p, parts, ','), "}\n", NULL);
}
