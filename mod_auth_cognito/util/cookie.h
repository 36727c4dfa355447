/*
 * cookie.h — reading the Cookie header (as the client sent it) and writing
 * Set-Cookie values (RFC 6265).
 * Pure.  Parsing is tolerant of the separators clients really send (';', and ','
 * where proxies merged several Cookie headers) and ignores malformed pairs rather
 * than failing the request; values are returned raw (callers validate them).
 */
#ifndef COG_COOKIE_H
#define COG_COOKIE_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <httpd.h>

#define COG_COOKIE_MAX_HEADER 16384

typedef struct {
    const char *name;
    const char *value;
} cog_cookie_t;

/* Every cookie in the header, in order (array of cog_cookie_t); an oversized header
 * yields an empty list. */
apr_array_header_t *cog_cookie_parse(apr_pool_t *p, const char *header);

/* Every cookie the client sent with this request (or the request that started its
 * chain: subrequests and internal redirects copy the scrubbed headers), parsed. */
apr_array_header_t *cog_cookie_of_request(request_rec *r);
/* Before the Cookie header is rewritten (edge/scrub.c): keeps the client's
 * original for cog_cookie_of_request. */
void cog_cookie_keep_original(request_rec *r, const char *header);

/* Values of all cookies called `name` (array of const char *), in order. */
apr_array_header_t *cog_cookie_values(apr_pool_t *p, const apr_array_header_t *cookies, const char *name);

typedef struct {
    const char *path;        /* default "/" */
    const char *domain;      /* NULL = host-only */
    const char *same_site;   /* "Lax", "Strict" or "None" */
    int         secure;
    long        max_age;     /* -1 = session cookie, 0 = delete */
} cog_cookie_attrs_t;

/* "name=value; Path=/; HttpOnly; SameSite=Lax[; Secure][; Domain=..][; Max-Age=..]" */
char *cog_cookie_format(apr_pool_t *p, const char *name, const char *value, const cog_cookie_attrs_t *a);

/* 1 when name is an RFC 6265 cookie-name (RFC 7230 token). */
int cog_cookie_name_valid(const char *name);

#endif
