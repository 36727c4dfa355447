/*
 * test_scrub.c — scrub.c's pure parts:
 *
 * 1. which request header names are reserved (X-Cognito-*, Cognito-*, X-Amzn-Oidc-*,
 *    the Remote-User family; any case, '_' and '-' alike);
 * 2. cog_scrub_cookie_header(): the Cookie header an application or proxied backend
 *    receives.  Threat: a backend (or its logs, or a less trusted application under
 *    another location) that sees the module's session or login-state cookies can
 *    replay them; an attacker who can send a crafted Cookie header (many tiny cookies)
 *    tries to make the rewrite cost quadratic memory or CPU.  Expected: exactly the
 *    listed names and name prefixes are dropped; every other cookie's name=value text
 *    arrives byte for byte (',' is not a separator: `a=1,2` is one cookie; quotes and
 *    inner spaces stay), in order, joined by "; " — except that a cookie of ours after a
 *    ',' (Cookie lines merged with ", ", which the module's own reader splits) is dropped
 *    too, so no session id it would accept gets through; the header itself (same pointer)
 *    when nothing was dropped, NULL when nothing remains; a 16 KB header of 2,000
 *    tiny cookies costs well under 1 MB of pool memory and under 1 ms of CPU.
 *
 * cog_scrub_request/cog_scrub_cookies need a request_rec and are covered by the
 * integration tests against a real httpd (tests/integration/export-*.test.mjs).
 */
#include "testutil.h"

#include <ctype.h>
#include <malloc.h>
#include <time.h>
#include <unistd.h>

#include "edge/scrub.h"

static void expect_reserved(const char *name, int want)
{
    int got = cog_scrub_is_reserved(name);
    if (got != want)
        fail_msg("\"%s\": %d, expected %d", name, got, want);
}

static void test_reserved_names(void **state)
{
    (void)state;
    static const char *const reserved[] = {
        "X-Cognito-Sub", "x-cognito-groups", "X_COGNITO_TENANT", "Cognito-User", "cognito_groups",
        "X-Amzn-Oidc-Data", "Remote-User", "REMOTE_USER", "remote_user", "X-Remote-User", "X_Forwarded_User",
        "Auth-User", "Auth-Type",
        /* More spellings of the same families. */
        "X-Cognito-", "x-cognito-claim-custom-plan", "X-COGNITO-EMAIL", "x_cognito_username", "X-Cognito_Sub",
        "X_Cognito-Sub", "Cognito-", "COGNITO-ID-TOKEN", "cognito-access-token", "Cognito_Claims",
        "X-Amzn-Oidc-Identity", "x-amzn-oidc-accesstoken", "X_AMZN_OIDC_DATA", "x-amzn-oidc-",
        "Remote_User", "rEmOtE-uSeR", "X-Forwarded-User", "x-forwarded-user", "X-Auth-User", "x_auth_user",
        "AUTH_USER", "auth_type", "AUTH-TYPE",
        NULL,
    };
    for (const char *const *n = reserved; *n; n++)
        expect_reserved(*n, 1);
}

static void test_not_reserved_names(void **state)
{
    (void)state;
    static const char *const fine[] = {
        "X-Cognitox", "X-Cog", "Cognit", "Authorization", "Cookie", "X-Forwarded-For", "Remote-Users",
        "Content-Type",
        /* Near misses. */
        "", "X-Cognito", "Cognito", "XCognito-Sub", "X--Cognito-Sub", "X-Cognitos-Sub", "Cognitox-User",
        "X-Amzn-Oidc", "X-Amzn-Trace-Id", "Remote", "Remote-User-Agent", "RemoteUser", "X-Remote-Users",
        "X-Forwarded-Users", "X-Forwarded-Host", "Auth", "Auth-Users", "Auth-Types", "Auth-Userx",
        "X-Auth-Token", "X-Auth-Users", "User-Agent", "Host", "Accept", "Proxy-Authorization", "X-User",
        " X-Cognito-Sub", "-Cognito-User",
        NULL,
    };
    for (const char *const *n = fine; *n; n++)
        expect_reserved(*n, 0);
}

/* Every prefix of a reserved name shorter than the family's prefix is not reserved;
 * every name starting with the full family prefix is. */
static void test_prefix_boundaries(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    static const char *const prefixes[] = { "X-Cognito-", "Cognito-", "X-Amzn-Oidc-", NULL };
    for (const char *const *pre = prefixes; *pre; pre++) {
        size_t n = strlen(*pre);
        for (size_t k = 0; k < n; k++)
            expect_reserved(apr_pstrndup(p, *pre, k), 0);
        expect_reserved(*pre, 1);
        expect_reserved(apr_pstrcat(p, *pre, "Anything-At_All", NULL), 1);
        expect_reserved(apr_pstrcat(p, *pre, "\xc3\xa9", NULL), 1);
    }
    static const char *const names[] = { "Remote-User", "X-Remote-User", "X-Forwarded-User", "Auth-User",
                                         "X-Auth-User", "Auth-Type", NULL };
    for (const char *const *nm = names; *nm; nm++) {
        size_t n = strlen(*nm);
        for (size_t k = 0; k < n; k++)
            expect_reserved(apr_pstrndup(p, *nm, k), 0);
        expect_reserved(*nm, 1);
        expect_reserved(apr_pstrcat(p, *nm, "s", NULL), 0);
        expect_reserved(apr_pstrcat(p, *nm, "-", NULL), 0);
        expect_reserved(apr_pstrcat(p, *nm, "_", NULL), 0);
    }
}

/* Every combination of case and '-'/'_' for a few names (2^k variants each). */
static void test_case_and_separator_variants(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    static const char *const names[] = { "X-Cognito-Sub", "Cognito-Groups", "Remote-User", "Auth-Type", NULL };
    for (const char *const *nm = names; *nm; nm++) {
        size_t n = strlen(*nm);
        int positions[32], count = 0;
        for (size_t i = 0; i < n; i++)
            if (isalpha((unsigned char)(*nm)[i]) || (*nm)[i] == '-')
                positions[count++] = (int)i;
        assert_true(count <= 16);
        for (unsigned long mask = 0; mask < (1ul << count); mask += 1 + mask / 97) {
            char *v = apr_pstrdup(p, *nm);
            for (int b = 0; b < count; b++) {
                char *c = v + positions[b];
                if (!(mask & (1ul << b)))
                    continue;
                if (*c == '-')
                    *c = '_';
                else
                    *c = isupper((unsigned char)*c) ? (char)tolower((unsigned char)*c) : (char)toupper((unsigned char)*c);
            }
            expect_reserved(v, 1);
        }
    }
}

/* Every non-alphanumeric separator counts as '-': gateways and backends map '.', '~',
 * spaces and the like differently, so none of them may smuggle our names past. */
static void test_other_separators_folded(void **state)
{
    (void)state;
    static const char *const reserved[] = { "X.Cognito.Sub", "X Cognito-Sub", "X+Cognito-Sub", "Cognito.User",
                                            "Remote~User", "Auth:Type", "X-Cognito\x01Sub", "X Cognito Sub",
                                            "Remote User", "Remote.User", NULL };
    for (const char *const *n = reserved; *n; n++)
        expect_reserved(*n, 1);
}

/* ---- cog_scrub_cookie_header ----------------------------------------------------- */

/* The lists a server with CognitoCookieName appA_session somewhere (and the default
 * cognito_session) scrubs: exact names and state-cookie prefixes, with and without
 * the __Host- prefix (what the module builds from its configuration). */
static const char *const NAMES[] = {
    "cognito_session", "__Host-cognito_session", "appA_session", "__Host-appA_session", NULL,
};
static const char *const PREFIXES[] = {
    "cognito_session_state_", "__Host-cognito_session_state_", "appA_session_state_", "__Host-appA_session_state_",
    NULL,
};
static const char *const NONE[] = { NULL };

/* Marker for expect_scrub(): the result must be the input pointer itself. */
static const char SAME[] = "<the header itself>";

/* A heap copy of s with its NUL and nothing after it (AddressSanitizer catches a
 * read past the end).  Free with free(). */
static char *exact_cstr(const char *s)
{
    size_t n = strlen(s);
    char *b = malloc(n + 1);
    assert_non_null(b);
    memcpy(b, s, n + 1);
    return b;
}

static void expect_scrub_lists(apr_pool_t *p, const char *header, const char *const *names,
                               const char *const *prefixes, const char *want)
{
    char *in = header ? exact_cstr(header) : NULL;
    const char *got = cog_scrub_cookie_header(p, in, names, prefixes);
    if (want == SAME) {
        if (got != in)
            fail_msg("header [%s]: nothing to drop, so the header itself is expected; got %s[%s]", header,
                     got ? "a new string " : "", got ? got : "NULL");
    } else if (want == NULL) {
        if (got != NULL)
            fail_msg("header [%s]: nothing remains, NULL expected; got [%s]", header ? header : "(null)", got);
    } else {
        if (got == NULL)
            fail_msg("header [%s]: expected [%s], got NULL", header, want);
        if (got == in)
            fail_msg("header [%s]: expected the new string [%s], got the header itself", header, want);
        if (strcmp(got, want) != 0)
            fail_msg("header [%s]:\n  expected [%s]\n  got      [%s]", header, want, got);
    }
    free(in);
}

static void expect_scrub(apr_pool_t *p, const char *header, const char *want)
{
    expect_scrub_lists(p, header, NAMES, PREFIXES, want);
}

/* Nothing of ours in the header: the very same pointer comes back, whatever the
 * header's shape (odd spacing, commas, quotes, pairs without '=', empty segments). */
static void test_cookie_header_untouched(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    static const char *const headers[] = {
        "a=1",
        "a=1,2",
        "b=\"q\"",
        "c=x y",
        "d=",
        "flag",
        "a=1,2; b=\"q\"; c=x y; d=; flag",
        "a=1,2;b=\"q\";  c=x y ;d=;;flag; ;",
        "x=cognito_session=abc; y=__Host-cognito_session",    /* our names inside values */
        "cognito_sessionx=1; xcognito_session=2; cognito_session_stat=3; cognito_session_state=4",
        "Cognito_Session_x=1; appB_session=2; __Host-appB_session=3; appB_session_state_0123456789abcdef=4",
        "__Secure-cognito_session=1; __host-x=2",
        "u=\xc3\xa9\xff\x80; v=a=b==",
        "",
        NULL,
    };
    for (const char *const *h = headers; *h; h++)
        expect_scrub(p, *h, SAME);
    /* Empty lists: nothing is ever dropped. */
    expect_scrub_lists(p, "cognito_session=abc; a=1", NONE, NONE, SAME);
}

static void test_cookie_header_null(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    assert_null(cog_scrub_cookie_header(p, NULL, NAMES, PREFIXES));
}

/* The cookies that stay keep their text byte for byte. */
/* Fuzz finding (fuzz_cookie): kept pieces are joined by "; " where the client may
 * have written ";" alone, so the result can be longer than what was dropped made
 * room for: many one-letter cookies without spaces and one short cookie of ours.
 * The result must be exact (and, under ASan, written within its buffer). */
static void test_cookie_header_grows(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    static const char *const names[] = { "q9", NULL };
    static const char *const none[] = { NULL };
    char in[4096], want[8192];
    size_t i = 0, w = 0;
    for (int k = 0; k < 1000; k++) {
        in[i++] = (char)('a' + k % 26);
        in[i++] = k % 2 ? ';' : ',';
        if (k % 2)
            want[w++] = ',';                 /* inside a piece: kept as sent */
        else if (k) {
            want[w++] = ';';                 /* between pieces: "; " */
            want[w++] = ' ';
        }
        want[w++] = (char)('a' + k % 26);
    }
    memcpy(in + i, "q9=1", 5);
    want[w] = '\0';
    expect_scrub_lists(p, in, names, none, want);
}

static void test_cookie_header_byte_identity(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    expect_scrub(p, "a=1,2; cognito_session=SID; b=\"q\"", "a=1,2; b=\"q\"");
    expect_scrub(p, "cognito_session=SID; c=x y", "c=x y");
    expect_scrub(p, "c=x  y; cognito_session=SID", "c=x  y");                  /* inner spaces kept */
    expect_scrub(p, "d=; cognito_session=SID; e=", "d=; e=");                   /* empty values */
    expect_scrub(p, "flag; cognito_session=SID; other", "flag; other");         /* pairs without '=' */
    expect_scrub(p, "t=a=b==; cognito_session=SID", "t=a=b==");                 /* '=' inside the value */
    expect_scrub(p, "q=\"a b\"; cognito_session=SID; r=\"\"", "q=\"a b\"; r=\"\"");
    expect_scrub(p, "u=\xc3\xa9\xff\x80; cognito_session=SID", "u=\xc3\xa9\xff\x80");
    expect_scrub(p, "a=1, b=2; cognito_session=SID; c=3, d=4", "a=1, b=2; c=3, d=4");
    expect_scrub(p, "s=%3B%20x; cognito_session=SID", "s=%3B%20x");
    /* the whole original text of a kept pair */
    expect_scrub(p, "a=1,2; b=\"q\"; cognito_session=SID; c=x y; d=; flag; appA_session_state_0123456789abcdef=ST",
                 "a=1,2; b=\"q\"; c=x y; d=; flag");
}

/* The cookies left in a result, split at ';' and ',' and trimmed, must be exactly the
 * given ones (NULL-terminated), in order; nothing of ours may be left. */
static void expect_scrub_pieces(apr_pool_t *p, const char *header, ...)
{
    const char *got = cog_scrub_cookie_header(p, header, NAMES, PREFIXES);
    if (got == NULL)
        fail_msg("header [%s]: got NULL", header);
    char *copy = apr_pstrdup(p, got), *st = NULL;
    va_list ap;
    va_start(ap, header);
    for (char *t = apr_strtok(copy, ";,", &st); t; t = apr_strtok(NULL, ";,", &st)) {
        while (*t == ' ' || *t == '\t')
            t++;
        char *e = t + strlen(t);
        while (e > t && (e[-1] == ' ' || e[-1] == '\t'))
            *--e = '\0';
        const char *want = va_arg(ap, const char *);
        if (want == NULL || strcmp(t, want) != 0)
            fail_msg("header [%s]: got [%s]; cookie [%s] where [%s] was expected", header, got, t, want ? want : "(end)");
    }
    const char *rest = va_arg(ap, const char *);
    va_end(ap);
    if (rest != NULL)
        fail_msg("header [%s]: got [%s], cookie [%s] missing", header, got, rest);
}

/* Cookie lines merged with ", " (httpd joins repeated header lines so; some proxies too):
 * the module's reader splits at ',', so a cookie of ours after a comma is dropped as well
 * — otherwise the backend would receive a session id the module accepted.  A piece with
 * nothing of ours keeps its commas. */
static void test_cookie_header_comma_merged(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    expect_scrub(p, "k=1, cognito_session=SID; y=9", "k=1; y=9");
    expect_scrub(p, "k=1,cognito_session=SID", "k=1");
    expect_scrub(p, "cognito_session=SID, k=1", "k=1");
    expect_scrub(p, "a=1,2; k=1,cognito_session=SID; b=3,4", "a=1,2; k=1; b=3,4");
    expect_scrub(p, "cognito_session=A, cognito_session=B", NULL);
    expect_scrub(p, "cognito_session=A, __Host-appA_session=B; appA_session_state_x=C", NULL);
    expect_scrub_pieces(p, "z=0, appA_session_state_0123456789abcdef=ST, y=9", "z=0", "y=9", NULL);
    expect_scrub_pieces(p, "x=1, y=2, __Host-cognito_session=SID; w=3", "x=1", "y=2", "w=3", NULL);
    expect_scrub_pieces(p, "a=1; b=2, appA_session=SID; c=3", "a=1", "b=2", "c=3", NULL);
}

/* Whitespace around each pair is trimmed, empty segments vanish, pairs are joined by "; ". */
static void test_cookie_header_whitespace_and_order(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    expect_scrub(p, "a=1;cognito_session=SID;b=2", "a=1; b=2");
    expect_scrub(p, "  a=1 ;\tcognito_session=SID\t;  b=2\t", "a=1; b=2");
    expect_scrub(p, "a=1;; ;cognito_session=SID;;b=2;", "a=1; b=2");
    expect_scrub(p, "z=26; y=25; cognito_session=SID; x=24; a=1", "z=26; y=25; x=24; a=1");
}

/* Exact names are exact; prefixes are prefixes; nothing else is dropped. */
static void test_cookie_header_exact_and_prefix(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    expect_scrub(p, "cognito_sessionx=1; xcognito_session=2; cognito_session=3; cognito_session_stat=4; "
                    "cognito_session_state=5; cognito_session_state_=6; cognito_session_state_0123456789abcdef=7; "
                    "cognito_session_state_x=8",
                 "cognito_sessionx=1; xcognito_session=2; cognito_session_stat=4; cognito_session_state=5");
    expect_scrub(p, "appA_session=1; appA_sessio=2; appA_session2=3; appA_session_state_abc=4; appB_session=5",
                 "appA_sessio=2; appA_session2=3; appB_session=5");
    /* Only a name (before '=') matches, never a value. */
    expect_scrub(p, "x=cognito_session; cognito_session=SID; y=appA_session_state_1", "x=cognito_session; y=appA_session_state_1");
    /* One list entry, the others empty. */
    static const char *const only_app[] = { "app", NULL };
    expect_scrub_lists(p, "app=1; apps=2; app_state_x=3", only_app, NONE, "apps=2; app_state_x=3");
    static const char *const only_prefix[] = { "app_state_", NULL };
    expect_scrub_lists(p, "app=1; apps=2; app_state_x=3", NONE, only_prefix, "app=1; apps=2");
}

/* __Host- variants are names of their own (the module lists both spellings). */
static void test_cookie_header_host_prefix(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    expect_scrub(p, "__Host-cognito_session=SID; k=1; __Host-cognito_session_state_0123456789abcdef=ST", "k=1");
    expect_scrub(p, "__Host-appA_session=SID; k=1; __Host-appA_session_state_0123456789abcdef=ST; appA_session=X", "k=1");
    expect_scrub(p, "__Host-appB_session=1; __Host-appA_session=2", "__Host-appB_session=1");
    /* Listing only the __Host- name drops only that one. */
    static const char *const host_only[] = { "__Host-s", NULL };
    expect_scrub_lists(p, "s=1; __Host-s=2; __Secure-s=3", host_only, NONE, "s=1; __Secure-s=3");
}

static void test_cookie_header_duplicates(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    expect_scrub(p, "cognito_session=A; k=1; cognito_session=B; k=1; cognito_session_state_x=1; cognito_session_state_x=2",
                 "k=1; k=1");
    expect_scrub(p, "k=1; k=2; cognito_session=A; cognito_session=A; k=3", "k=1; k=2; k=3");
}

static void test_cookie_header_nothing_left(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    expect_scrub(p, "cognito_session=SID", NULL);
    expect_scrub(p, "cognito_session=SID; __Host-cognito_session=B; cognito_session_state_0123456789abcdef=C", NULL);
    expect_scrub(p, "; cognito_session=SID ;;  appA_session_state_x=1; ", NULL);
    expect_scrub(p, "cognito_session=", NULL);
}

/* A simple model of the rule: split at ';', trim spaces and tabs, drop empty pieces,
 * the name is the text before the first '='; drop listed names and prefixes. */
static const char *model_scrub(apr_pool_t *p, const char *header, const char *const *names,
                               const char *const *prefixes)
{
    char *out = apr_palloc(p, strlen(header) + 1);
    size_t o = 0;
    int dropped = 0, kept = 0;
    const char *s = header;
    for (;;) {
        const char *end = strchr(s, ';');
        if (end == NULL)
            end = s + strlen(s);
        const char *a = s, *b = end;
        while (a < b && (*a == ' ' || *a == '\t'))
            a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
            b--;
        if (b > a) {
            const char *eq = memchr(a, '=', (size_t)(b - a));
            size_t nlen = (size_t)((eq ? eq : b) - a);
            int drop = 0;
            for (const char *const *n = names; *n && !drop; n++)
                drop = eq && strlen(*n) == nlen && memcmp(*n, a, nlen) == 0;
            for (const char *const *x = prefixes; *x && !drop; x++)
                drop = eq && strlen(*x) <= nlen && memcmp(*x, a, strlen(*x)) == 0;
            if (drop)
                dropped++;
            else {
                if (kept++) {
                    out[o++] = ';';
                    out[o++] = ' ';
                }
                memcpy(out + o, a, (size_t)(b - a));
                o += (size_t)(b - a);
            }
        }
        if (*end == '\0')
            break;
        s = end + 1;
    }
    out[o] = '\0';
    return !dropped ? SAME : kept ? out : NULL;
}

/* Random headers of our cookies and others (quotes, commas, inner spaces, empty
 * values, pairs without '=', odd separators) against the model. */
static void test_cookie_header_random_against_model(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    static const char *const pieces[] = {
        "cognito_session=QUJD", "__Host-cognito_session=x", "cognito_session_state_0123456789abcdef=1.YWJj",
        "__Host-appA_session_state_abcdefabcdefabcd=2.eHl6", "appA_session=SID", "__Host-appA_session=SID2",
        "a=1,2", "b=\"q\"", "c=x y", "d=", "flag", "e=1, f=2", "g=h=i", "cognito_sessionx=1", "x=cognito_session",
        "appB_session=3", "appA_session_stat=4", "k=\xc3\xa9", "q=\"a b\"", "z", "__Secure-cognito_session=5",
    };
    static const char *const seps[] = { ";", "; ", " ;", ";\t", " ; ", ";;", "; ;", ";  \t " };
    const size_t npieces = sizeof(pieces) / sizeof(pieces[0]), nseps = sizeof(seps) / sizeof(seps[0]);
    unsigned int seed = 12345;
    apr_pool_t *iter;
    assert_int_equal(apr_pool_create(&iter, p), APR_SUCCESS);
    for (int round = 0; round < 3000; round++) {
        int count = 1 + (int)(rand_r(&seed) % 8);
        const char *h = "";
        for (int i = 0; i < count; i++) {
            const char *sep = i ? seps[rand_r(&seed) % nseps] : (rand_r(&seed) % 4 ? "" : seps[rand_r(&seed) % nseps]);
            h = apr_pstrcat(iter, h, sep, pieces[rand_r(&seed) % npieces], NULL);
        }
        if (rand_r(&seed) % 4 == 0)
            h = apr_pstrcat(iter, h, seps[rand_r(&seed) % nseps], NULL);
        expect_scrub(iter, h, model_scrub(iter, h, NAMES, PREFIXES));
        apr_pool_clear(iter);
    }
    apr_pool_destroy(iter);
}

/* ---- the 16 KB header of 2,000 tiny cookies ---------------------------------------- */

#define TINY_COUNT 2000
#define SESSION_AT 1000
#define SESSION_PAIR "cognito_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

/* 2,000 cookies "xyz=N" plus a session cookie in the middle, a few odd ones, and
 * padding up to 16,300 bytes ("16 KB", under the module's 16,384-byte Cookie header
 * limit); *want is the header without the session cookie. */
#define BIG_HEADER_BYTES 16300
static const char *big_header(apr_pool_t *p, const char **want)
{
    static const char alnum[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    apr_array_header_t *all = apr_array_make(p, TINY_COUNT + 8, sizeof(const char *));
    apr_array_header_t *kept = apr_array_make(p, TINY_COUNT + 8, sizeof(const char *));
    for (int i = 0; i < TINY_COUNT; i++) {
        if (i == SESSION_AT)
            APR_ARRAY_PUSH(all, const char *) = SESSION_PAIR;
        const char *c = apr_psprintf(p, "%c%c%c=%d", alnum[i / 36 / 36 % 36], alnum[i / 36 % 36], alnum[i % 36], i % 10);
        APR_ARRAY_PUSH(all, const char *) = c;
        APR_ARRAY_PUSH(kept, const char *) = c;
    }
    static const char *const odd[] = { "a=1,2", "b=\"q\"", "c=x y", "d=", NULL };
    for (const char *const *o = odd; *o; o++) {
        APR_ARRAY_PUSH(all, const char *) = *o;
        APR_ARRAY_PUSH(kept, const char *) = *o;
    }
    /* "; "-joined, built linearly */
    size_t n = 0;
    for (int i = 0; i < all->nelts; i++)
        n += strlen(APR_ARRAY_IDX(all, i, const char *)) + 2;
    char *joined_all = apr_palloc(p, n + 1), *joined_kept = apr_palloc(p, n + 1);
    size_t a = 0, k = 0;
    for (int i = 0; i < all->nelts; i++)
        a += (size_t)sprintf(joined_all + a, "%s%s", i ? "; " : "", APR_ARRAY_IDX(all, i, const char *));
    for (int i = 0; i < kept->nelts; i++)
        k += (size_t)sprintf(joined_kept + k, "%s%s", i ? "; " : "", APR_ARRAY_IDX(kept, i, const char *));
    size_t len = strlen(joined_all);
    assert_true(len <= BIG_HEADER_BYTES - 16);
    /* pad with one more cookie */
    size_t pad = BIG_HEADER_BYTES - len - 2 - 4;   /* "; " + "pad=" */
    char *padding = apr_palloc(p, pad + 1);
    memset(padding, 'p', pad);
    padding[pad] = '\0';
    const char *full = apr_pstrcat(p, joined_all, "; pad=", padding, NULL);
    *want = apr_pstrcat(p, joined_kept, "; pad=", padding, NULL);
    assert_int_equal(strlen(full), BIG_HEADER_BYTES);
    return full;
}

static void test_cookie_header_big_header_result(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    const char *want;
    const char *h = big_header(p, &want);
    expect_scrub(p, h, want);
}

/* Memory the process has in use, two ways: glibc's malloc statistics (chunks in use
 * plus mmap'ed ones: sees reuse of memory malloc already had) and the size of the
 * private data mappings from /proc/self/statm (sees what an APR built with
 * --enable-allocator-uses-mmap, as Debian's is, takes straight from mmap(), which
 * mallinfo2() never counts). */
typedef struct {
    long long malloc_bytes, data_bytes;
} mem_use_t;

static mem_use_t mem_use(void)
{
    struct mallinfo2 mi = mallinfo2();
    mem_use_t m = { (long long)mi.uordblks + (long long)mi.hblkhd, 0 };
    FILE *f = fopen("/proc/self/statm", "r");
    long long v[6] = { 0 };
    if (f != NULL) {
        if (fscanf(f, "%lld %lld %lld %lld %lld %lld", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) == 6)
            m.data_bytes = v[5] * (long long)sysconf(_SC_PAGESIZE);
        fclose(f);
    }
    return m;
}

/* Growth between two readings: the larger of the two measures. */
static long long mem_growth(mem_use_t before, mem_use_t after)
{
    long long a = after.malloc_bytes - before.malloc_bytes, b = after.data_bytes - before.data_bytes;
    return a > b ? a : b;
}

/* A pool on an allocator of its own, so that nothing comes from free lists filled earlier. */
static apr_pool_t *fresh_pool(void)
{
    apr_allocator_t *a = NULL;
    apr_pool_t *p = NULL;
    assert_int_equal(apr_allocator_create(&a), APR_SUCCESS);
    assert_int_equal(apr_pool_create_ex(&p, NULL, NULL, a), APR_SUCCESS);
    apr_allocator_owner_set(a, p);
    return p;
}

static void test_cookie_header_big_header_memory(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    const char *want;
    const char *h = big_header(p, &want);

    /* The measurement must see pool memory at all (sanitizer allocators bypass glibc's
     * statistics): 2 MB from a fresh pool must show up. */
    apr_pool_t *probe = fresh_pool();
    mem_use_t before = mem_use();
    for (int i = 0; i < 256; i++) {          /* 2 MB in 8 KB pieces, like a string built up piece by piece */
        void *block = apr_palloc(probe, 8192);
        memset(block, 1, 8192);
    }
    long long probe_growth = mem_growth(before, mem_use());
    apr_pool_destroy(probe);
    if (probe_growth < (2ll << 20))
        skip();   /* neither measure sees pool memory in this build */

    /* The session cookie at the start, in the middle, at the end, and every other cookie ours. */
    const char *headers[4], *wants[4];
    headers[0] = h;
    wants[0] = want;
    headers[1] = apr_pstrcat(p, SESSION_PAIR "; ", want, NULL);
    wants[1] = want;
    headers[2] = apr_pstrcat(p, want, "; " SESSION_PAIR, NULL);
    wants[2] = want;
    {
        /* 400 of ours between 400 others (under 16 KB): every other pair dropped */
        char *b = apr_palloc(p, 20000), *w = apr_palloc(p, 20000);
        size_t bl = 0, wl = 0;
        for (int i = 0; i < 400; i++) {
            bl += (size_t)sprintf(b + bl, "%sk%d=1; appA_session_state_%03d=x", i ? "; " : "", i, i);
            wl += (size_t)sprintf(w + wl, "%sk%d=1", i ? "; " : "", i);
        }
        assert_true(bl <= 16384);
        headers[3] = b;
        wants[3] = w;
    }
    for (int i = 0; i < 4; i++) {
        apr_pool_t *mp = fresh_pool();
        before = mem_use();
        const char *got = cog_scrub_cookie_header(mp, headers[i], NAMES, PREFIXES);
        long long grown = mem_growth(before, mem_use());
        assert_non_null(got);
        assert_string_equal(got, wants[i]);
        apr_pool_destroy(mp);
        if (grown >= (1ll << 20))
            fail_msg("case %d (a header of %zu bytes): %lld bytes allocated from the pool, expected under 1 MB", i,
                     strlen(headers[i]), grown);
    }
}

static double thread_cpu_seconds(void)
{
    struct timespec ts;
    assert_int_equal(clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts), 0);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_cookie_header_big_header_cpu(void **state)
{
    apr_pool_t *p = TU_POOL(state);
    const char *want;
    const char *h = big_header(p, &want);
    apr_pool_t *mp;
    assert_int_equal(apr_pool_create(&mp, p), APR_SUCCESS);
    const int calls = 200;
    double t0 = thread_cpu_seconds();
    for (int i = 0; i < calls; i++) {
        const char *got = cog_scrub_cookie_header(mp, h, NAMES, PREFIXES);
        if (got == NULL || got[0] != want[0])
            fail_msg("call %d: unexpected result", i);
        apr_pool_clear(mp);
    }
    double per_call = (thread_cpu_seconds() - t0) / calls;
    apr_pool_destroy(mp);
    /* the last result, checked in full */
    assert_string_equal(cog_scrub_cookie_header(p, h, NAMES, PREFIXES), want);
    if (per_call >= 1e-3)
        fail_msg("%.3f ms of thread CPU per call on a 16 KB header of 2,000 cookies, expected under 1 ms", per_call * 1e3);
}

static const struct CMUnitTest tests[] = {
    TU_TEST(test_reserved_names),
    TU_TEST(test_not_reserved_names),
    TU_TEST(test_prefix_boundaries),
    TU_TEST(test_case_and_separator_variants),
    TU_TEST(test_other_separators_folded),
    TU_TEST(test_cookie_header_untouched),
    TU_TEST(test_cookie_header_null),
    TU_TEST(test_cookie_header_grows),
    TU_TEST(test_cookie_header_byte_identity),
    TU_TEST(test_cookie_header_whitespace_and_order),
    TU_TEST(test_cookie_header_exact_and_prefix),
    TU_TEST(test_cookie_header_host_prefix),
    TU_TEST(test_cookie_header_duplicates),
    TU_TEST(test_cookie_header_comma_merged),
    TU_TEST(test_cookie_header_nothing_left),
    TU_TEST(test_cookie_header_random_against_model),
    TU_TEST(test_cookie_header_big_header_result),
    TU_TEST(test_cookie_header_big_header_memory),
    TU_TEST(test_cookie_header_big_header_cpu),
};

TU_MAIN(tests, NULL, NULL)
