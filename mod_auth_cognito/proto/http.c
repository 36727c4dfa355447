/*
 * http.c — bounded libcurl requests.
 *
 * Easy handles are kept per process (a small stack under a mutex) and reset
 * between uses: a reset keeps the handle's connection cache, so calls to the
 * same Cognito host reuse a kept-alive TCP/TLS connection instead of a new
 * handshake per login.
 */
#include "proto/http.h"
#include "cfg/metrics.h"

#include <pthread.h>
#include <string.h>
#include <curl/curl.h>
#include <apr_strings.h>

typedef struct {
    apr_pool_t *pool;
    char       *buf;
    size_t      len;
    size_t      cap;
    size_t      max;
    int         overflow;
} sink_t;

static size_t write_cb(char *data, size_t size, size_t nmemb, void *userdata)
{
    sink_t *s = userdata;
    size_t n = size * nmemb;
    if (n > s->max - s->len) {
        s->overflow = 1;
        return 0;                       /* makes libcurl abort with CURLE_WRITE_ERROR */
    }
    if (s->len + n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 4096;
        while (cap < s->len + n + 1)
            cap *= 2;
        char *grown = apr_palloc(s->pool, cap);
        if (s->len)
            memcpy(grown, s->buf, s->len);
        s->buf = grown;
        s->cap = cap;
    }
    memcpy(s->buf + s->len, data, n);
    s->len += n;
    s->buf[s->len] = '\0';
    return n;
}

#define IDLE_HANDLES 8

static pthread_mutex_t idle_lock = PTHREAD_MUTEX_INITIALIZER;
static CURL *idle[IDLE_HANDLES];     /* guarded by idle_lock */
static int nidle;

static CURL *take_handle(void)
{
    CURL *curl = NULL;
    pthread_mutex_lock(&idle_lock);
    if (nidle > 0)
        curl = idle[--nidle];
    pthread_mutex_unlock(&idle_lock);
    if (curl) {
        curl_easy_reset(curl);           /* options back to defaults; connections stay */
        return curl;
    }
    return curl_easy_init();
}

static void give_back(CURL *curl)
{
    pthread_mutex_lock(&idle_lock);
    if (nidle < IDLE_HANDLES) {
        idle[nidle++] = curl;
        curl = NULL;
    }
    pthread_mutex_unlock(&idle_lock);
    if (curl)
        curl_easy_cleanup(curl);
}

void cog_http_global_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

void cog_http_global_cleanup(void)
{
    pthread_mutex_lock(&idle_lock);
    while (nidle > 0)
        curl_easy_cleanup(idle[--nidle]);
    pthread_mutex_unlock(&idle_lock);
    curl_global_cleanup();
}

static cog_reason_t map_curl_error(apr_pool_t *p, CURLcode rc, const sink_t *sink,
                                   const char *errbuf, cog_error_t *err)
{
    const char *what = *errbuf ? errbuf : curl_easy_strerror(rc);
    switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
        return cog_fail(err, COG_E_HTTP_TIMEOUT, apr_pstrdup(p, what));
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
        return cog_fail(err, COG_E_HTTP_CONNECT, apr_pstrdup(p, what));
    case CURLE_WRITE_ERROR:
        if (sink->overflow)
            return cog_fail(err, COG_E_HTTP_TOO_LARGE,
                            apr_psprintf(p, "response larger than %" APR_SIZE_T_FMT " bytes", sink->max));
        /* fall through */
    default:
        return cog_fail(err, COG_E_HTTP_FAILED, apr_pstrdup(p, what));
    }
}

cog_reason_t cog_http_request(apr_pool_t *p, const cog_http_opts_t *opts, const char *url,
                              const char *form_body, const char *basic_user,
                              const char *basic_password, cog_http_response_t *resp,
                              cog_error_t *err)
{
    char errbuf[CURL_ERROR_SIZE] = "";
    sink_t sink = { .pool = p, .max = opts->max_response ? opts->max_response : 1024 * 1024 };
    struct curl_slist *headers = NULL;
    cog_reason_t result = COG_OK;

    memset(resp, 0, sizeof(*resp));
    CURL *curl = take_handle();
    if (curl == NULL)
        return cog_fail(err, COG_E_INTERNAL, "curl_easy_init failed");

    long timeout = opts->timeout_ms > 0 ? opts->timeout_ms : 5000;
    headers = curl_slist_append(headers, "Accept: application/json");

    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, timeout);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    if (opts->ca_file)
        curl_easy_setopt(curl, CURLOPT_CAINFO, opts->ca_file);
    if (opts->proxy)
        curl_easy_setopt(curl, CURLOPT_PROXY, opts->proxy);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "mod_auth_cognito/" COG_VERSION);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
    if (opts->extra_header)
        headers = curl_slist_append(headers, opts->extra_header);
    if (form_body) {
        headers = curl_slist_append(headers, apr_pstrcat(p, "Content-Type: ",
                                                         opts->content_type ? opts->content_type
                                                                            : "application/x-www-form-urlencoded", NULL));
        curl_easy_setopt(curl, CURLOPT_POST, 1L);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, form_body);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(form_body));
    }
    if (basic_user) {
        curl_easy_setopt(curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(curl, CURLOPT_USERNAME, basic_user);
        curl_easy_setopt(curl, CURLOPT_PASSWORD, basic_password ? basic_password : "");
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);

    CURLcode rc = curl_easy_perform(curl);
    if (rc != CURLE_OK) {
        result = map_curl_error(p, rc, &sink, errbuf, err);
    } else {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &resp->status);
        resp->body = sink.buf ? sink.buf : apr_pstrdup(p, "");
        resp->body_len = sink.len;
    }
    curl_easy_getinfo(curl, CURLINFO_TOTAL_TIME, &resp->seconds);
    cog_metrics_inc(COG_M_OUTBOUND_REQUESTS, opts->endpoint);
    cog_metrics_add(COG_M_OUTBOUND_USEC, opts->endpoint, (uint64_t)(resp->seconds * 1e6));
    if (rc != CURLE_OK)
        cog_metrics_inc(COG_M_OUTBOUND_FAILURES, opts->endpoint);
    /* The handle keeps pointers to this call's buffers until its next reset. */
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, NULL);
    curl_slist_free_all(headers);
    give_back(curl);
    return result;
}
