/*
 * scrub.c — removal of spoofable identity headers and of our own cookies.
 */
#include "edge/scrub.h"
#include "util/cookie.h"
#include "util/util.h"

#include <ctype.h>
#include <string.h>
#include <apr_strings.h>

static const char *const reserved_prefixes[] = { "x-cognito-", "cognito-", "x-amzn-oidc-", NULL };
static const char *const reserved_names[] = { "remote-user", "x-remote-user", "x-forwarded-user",
                                              "auth-user", "x-auth-user", "auth-type", NULL };

/* Lower-case, with every character that is not a letter or digit read as '-'
 * ('_', '.', '~' ...: backends and gateways disagree on how they map them). */
static int normalized_prefix(const char *name, const char *pattern, int whole)
{
    size_t i = 0;
    for (; pattern[i]; i++) {
        char c = name[i];
        if (c == '\0')
            return 0;
        c = isalnum((unsigned char)c) ? (char)tolower((unsigned char)c) : '-';
        if (c != pattern[i])
            return 0;
    }
    return whole ? name[i] == '\0' : 1;
}

int cog_scrub_is_reserved(const char *name)
{
    for (const char *const *p = reserved_prefixes; *p; p++)
        if (normalized_prefix(name, *p, 0))
            return 1;
    for (const char *const *n = reserved_names; *n; n++)
        if (normalized_prefix(name, *n, 1))
            return 1;
    return 0;
}

static int reserved(const char *name, const void *unused)
{
    (void)unused;
    return cog_scrub_is_reserved(name);
}

int cog_scrub_request(request_rec *r)
{
    return cog_table_unset_if(r->pool, r->headers_in, reserved, NULL);
}

static int dropped(const char *name, size_t n, const char *const *names, const char *const *prefixes)
{
    for (const char *const *x = names; x && *x; x++)
        if (strlen(*x) == n && memcmp(name, *x, n) == 0)
            return 1;
    for (const char *const *x = prefixes; x && *x; x++) {
        size_t k = strlen(*x);
        if (k <= n && memcmp(name, *x, k) == 0)
            return 1;
    }
    return 0;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t';
}

static void trim(const char **b, const char **e)
{
    while (*b < *e && is_space(**b))
        (*b)++;
    while (*e > *b && is_space((*e)[-1]))
        (*e)--;
}

/* Whether the cookie text [b, e) (trimmed) is one of ours. */
static int ours(const char *b, const char *e, const char *const *names, const char *const *prefixes)
{
    const char *name_end = memchr(b, '=', (size_t)(e - b));
    if (name_end == NULL)
        name_end = e;
    while (name_end > b && is_space(name_end[-1]))
        name_end--;
    return b < e && dropped(b, (size_t)(name_end - b), names, prefixes);
}

typedef struct {
    char *start, *at;
    const char *sep;      /* put before the next piece written */
} out_t;

static void emit(out_t *o, const char *b, const char *e)
{
    if (b >= e)
        return;
    if (o->at > o->start)
        for (const char *s = o->sep; *s; s++)
            *o->at++ = *s;
    memcpy(o->at, b, (size_t)(e - b));
    o->at += e - b;
}

/* One ';'-separated piece.  Our cookie parser also splits at ',' (proxies merge
 * Cookie lines with ", "), so a cookie of ours after a comma is ours too; a piece
 * with no cookie of ours is written unchanged, commas and all. */
static int scrub_piece(out_t *o, const char *b, const char *e, const char *const *names,
                       const char *const *prefixes)
{
    int dropped_any = 0;
    for (const char *s = b; s < e;) {
        const char *c = memchr(s, ',', (size_t)(e - s)), *sb = s, *se = c ? c : e;
        trim(&sb, &se);
        dropped_any |= ours(sb, se, names, prefixes);
        s = c ? c + 1 : e;
    }
    if (!dropped_any) {
        o->sep = "; ";
        emit(o, b, e);
        return 0;
    }
    int first = 1;
    for (const char *s = b; s < e;) {
        const char *c = memchr(s, ',', (size_t)(e - s)), *sb = s, *se = c ? c : e;
        trim(&sb, &se);
        if (sb < se && !ours(sb, se, names, prefixes)) {
            o->sep = first ? "; " : ", ";
            emit(o, sb, se);
            first = 0;
        }
        s = c ? c + 1 : e;
    }
    return 1;
}

const char *cog_scrub_cookie_header(apr_pool_t *p, const char *header, const char *const *names,
                                    const char *const *prefixes)
{
    if (header == NULL)
        return NULL;
    size_t total = strlen(header);
    /* Kept pieces are joined by "; " (and kept cookies after a comma by ", ")
     * where the client may have written one character: at most twice as long. */
    out_t o = { apr_palloc(p, 2 * total + 1), NULL, "; " };
    int any_dropped = 0;
    o.at = o.start;
    for (const char *s = header; *s;) {
        const char *end = strchr(s, ';');
        if (end == NULL)
            end = header + total;
        const char *b = s, *e = end;
        trim(&b, &e);
        any_dropped |= scrub_piece(&o, b, e, names, prefixes);
        s = *end == ';' ? end + 1 : end;
    }
    if (!any_dropped)
        return header;
    *o.at = '\0';
    return o.at > o.start ? o.start : NULL;
}

void cog_scrub_cookies(request_rec *r, const apr_array_header_t *cookie_names)
{
    const char *header = apr_table_get(r->headers_in, "Cookie");
    if (header == NULL || cookie_names == NULL)
        return;
    int mentioned = 0;        /* every name we drop contains one of ours */
    for (int i = 0; i < cookie_names->nelts && !mentioned; i++)
        mentioned = strstr(header, APR_ARRAY_IDX(cookie_names, i, const char *)) != NULL;
    if (!mentioned)
        return;
    /* Every name any location uses, plain and __Host-, and their state cookies. */
    int n = cookie_names->nelts;
    const char **names = apr_palloc(r->pool, sizeof(*names) * (size_t)(2 * n + 1));
    const char **prefixes = apr_palloc(r->pool, sizeof(*prefixes) * (size_t)(2 * n + 1));
    for (int i = 0; i < n; i++) {
        const char *name = APR_ARRAY_IDX(cookie_names, i, const char *);
        names[2 * i] = name;
        names[2 * i + 1] = apr_pstrcat(r->pool, "__Host-", name, NULL);
        prefixes[2 * i] = apr_pstrcat(r->pool, name, "_state_", NULL);
        prefixes[2 * i + 1] = apr_pstrcat(r->pool, "__Host-", name, "_state_", NULL);
    }
    names[2 * n] = prefixes[2 * n] = NULL;
    const char *kept = cog_scrub_cookie_header(r->pool, header, names, prefixes);
    if (kept == header)
        return;
    cog_cookie_keep_original(r, header);
    if (kept == NULL)
        apr_table_unset(r->headers_in, "Cookie");
    else
        apr_table_setn(r->headers_in, "Cookie", kept);
}
