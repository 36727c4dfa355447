/*
 * metrics.h — counters for operators, aggregated across all Apache children.
 *
 * One anonymous shared-memory segment per server generation (created in
 * post_config, inherited by the children) holds 64-bit counters updated with
 * lock-free atomic adds: no request ever waits on another to count.  Counters
 * restart from zero when Apache restarts or reloads (as Prometheus expects of
 * counters).  Before post_config (unit tests, `apachectl -t`) counting is a no-op.
 */
#ifndef COG_METRICS_H
#define COG_METRICS_H

#include <stdint.h>
#include <apr_pools.h>
#include "cfg/error.h"

typedef enum {
    COG_M_LOGIN_STARTED,        /* no label */
    COG_M_LOGIN_COMPLETED,      /* no label */
    COG_M_LOGIN_FAILED,         /* label: reason */
    COG_M_BEARER,               /* label: reason (COG_OK = accepted) */
    COG_M_JWKS_FETCH,           /* label: cog_metric_result_t ok/failed */
    COG_M_REFRESH,              /* label: ok/refused/failed */
    COG_M_SESSION,              /* label: hit/miss/error */
    COG_M_SESSION_LOCAL,        /* no label: hits answered from the process's own copy */
    COG_M_LOGOUT,               /* no label */
    COG_M_OUTBOUND_REQUESTS,    /* label: endpoint 0 token, 1 jwks, 2 revoke, 3 identity (proto/http.h) */
    COG_M_OUTBOUND_FAILURES,    /* label: as above */
    COG_M_OUTBOUND_USEC,        /* label: as above; sum of microseconds */
    COG_M_LOGIN_CPU_USEC,       /* label: cog_metric_login_step_t; thread CPU microseconds */
    COG_M_JWKS_KID_REFUSED,     /* label: cog_metric_kid_refusal_t; unknown kids refused without a fetch */
    COG_M_FAMILY_COUNT
} cog_metric_t;

typedef enum { COG_MR_OK = 0, COG_MR_FAILED = 1, COG_MR_REFUSED = 2 } cog_metric_result_t;
typedef enum { COG_MS_HIT = 0, COG_MS_MISS = 1, COG_MS_ERROR = 2 } cog_metric_session_t;
typedef enum { COG_ML_REDIRECT = 0, COG_ML_CALLBACK = 1 } cog_metric_login_step_t;
typedef enum { COG_MK_REMEMBERED = 0, COG_MK_THROTTLED = 1 } cog_metric_kid_refusal_t;

apr_status_t cog_metrics_create(apr_pool_t *pconf);
void cog_metrics_add(cog_metric_t family, int label, uint64_t n);
#define cog_metrics_inc(family, label) cog_metrics_add((family), (label), 1)

/* CPU time the calling thread has used so far, in microseconds (0 if unknown):
 * the difference of two readings is work done, not time spent waiting. */
uint64_t cog_metrics_thread_cpu_usec(void);

/* Prometheus text exposition format 0.0.4, and the same numbers as JSON. */
char *cog_metrics_prometheus(apr_pool_t *p);
char *cog_metrics_json(apr_pool_t *p);

#endif
