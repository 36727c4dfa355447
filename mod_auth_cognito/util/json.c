/*
 * json.c — lexical pre-scan (UTF-8, string escapes, number grammar), cJSON parse
 * with end-of-input required, then duplicate-name and depth checks.
 */
#include "util/json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Length of a valid UTF-8 sequence starting at s (max n bytes), or 0 (RFC 3629). */
static size_t utf8_sequence_length(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80) return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
    }
    if (c >= 0xe0 && c <= 0xef) {
        if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80) return 0;
        if (c == 0xe0 && s[1] < 0xa0) return 0;            /* overlong */
        if (c == 0xed && s[1] >= 0xa0) return 0;           /* surrogates */
        return 3;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80) return 0;
        if (c == 0xf0 && s[1] < 0x90) return 0;            /* overlong */
        if (c == 0xf4 && s[1] >= 0x90) return 0;           /* > U+10FFFF */
        return 4;
    }
    return 0;
}

int cog_utf8_valid(const char *text, size_t n)
{
    const unsigned char *s = (const unsigned char *)text;
    for (size_t i = 0; i < n; ) {
        size_t step = utf8_sequence_length(s + i, n - i);
        if (step == 0)
            return 0;
        i += step;
    }
    return 1;
}

static int is_hex(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Scans a string lexeme starting after the opening quote; returns index after the
 * closing quote or 0 on error. */
static size_t scan_string(const unsigned char *s, size_t len, size_t i, const char **why,
                          char *nul_fix, int *saw_nul)
{
    while (i < len) {
        unsigned char c = s[i];
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {   /* plain ASCII: the common case */
            i++;
            continue;
        }
        if (c == '"')
            return i + 1;
        if (c < 0x20) { *why = "control character inside a string"; return 0; }
        if (c == '\\') {
            if (i + 1 >= len) break;
            unsigned char e = s[i + 1];
            if (e == 'u') {
                if (i + 5 >= len || !is_hex(s[i + 2]) || !is_hex(s[i + 3]) || !is_hex(s[i + 4]) || !is_hex(s[i + 5])) {
                    *why = "bad \\u escape"; return 0;
                }
                if (memcmp(s + i + 2, "0000", 4) == 0) {
                    *saw_nul = 1;
                    if (nul_fix) nul_fix[i + 5] = '1';
                }
                i += 6;
                continue;
            }
            if (!strchr("\"\\/bfnrt", e) || e == '\0') { *why = "bad escape"; return 0; }
            i += 2;
            continue;
        }
        size_t n = utf8_sequence_length(s + i, len - i);
        if (n == 0) { *why = "invalid UTF-8"; return 0; }
        i += n;
    }
    *why = "unterminated string";
    return 0;
}

/* RFC 8259 §6: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?  Returns index after it or 0. */
static size_t scan_number(const unsigned char *s, size_t len, size_t i, const char **why)
{
    size_t start = i;
    if (i < len && s[i] == '-') i++;
    if (i >= len) goto bad;
    if (s[i] == '0') {
        i++;
        if (i < len && s[i] >= '0' && s[i] <= '9') { *why = "number with a leading zero"; return 0; }
    } else if (s[i] >= '1' && s[i] <= '9') {
        while (i < len && s[i] >= '0' && s[i] <= '9') i++;
    } else {
        goto bad;
    }
    if (i < len && s[i] == '.') {
        i++;
        if (i >= len || s[i] < '0' || s[i] > '9') goto bad;
        while (i < len && s[i] >= '0' && s[i] <= '9') i++;
    }
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-')) i++;
        if (i >= len || s[i] < '0' || s[i] > '9') goto bad;
        while (i < len && s[i] >= '0' && s[i] <= '9') i++;
    }
    return i > start ? i : 0;
bad:
    *why = "malformed number";
    return 0;
}

/* Walks the text outside strings: every number lexeme must match the RFC grammar and
 * nothing but JSON punctuation, literals and whitespace may appear.  Structure is
 * left to cJSON. */
static int lexical_scan(const unsigned char *s, size_t len, const char **why,
                        char *nul_fix, int *saw_nul)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        if (c == '"') {
            size_t next = scan_string(s, len, i + 1, why, nul_fix, saw_nul);
            if (next == 0) return -1;
            i = next;
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            size_t next = scan_number(s, len, i, why);
            if (next == 0) return -1;
            i = next;
        } else if (c == 't' && len - i >= 4 && memcmp(s + i, "true", 4) == 0) {
            i += 4;
        } else if (c == 'f' && len - i >= 5 && memcmp(s + i, "false", 5) == 0) {
            i += 5;
        } else if (c == 'n' && len - i >= 4 && memcmp(s + i, "null", 4) == 0) {
            i += 4;
        } else if (strchr("{}[]:, \t\r\n", c) && c != '\0') {
            i++;
        } else {
            *why = "unexpected character";
            return -1;
        }
    }
    return 0;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Duplicate member names: pairwise for small objects, sort-and-compare beyond, so a
 * large hostile document costs O(n log n), not O(n^2). */
static int has_duplicate_names(const cJSON *object, const char **why)
{
    size_t n = 0;
    for (const cJSON *c = object->child; c; c = c->next) {
        if (c->string == NULL) { *why = "member without a name"; return 1; }
        n++;
    }
    if (n <= 16) {
        for (const cJSON *c = object->child; c; c = c->next)
            for (const cJSON *later = c->next; later; later = later->next)
                if (strcmp(c->string, later->string) == 0) { *why = "duplicate member name"; return 1; }
        return 0;
    }
    const char **names = malloc(n * sizeof(*names));
    if (names == NULL) { *why = "out of memory"; return 1; }
    size_t i = 0;
    for (const cJSON *c = object->child; c; c = c->next)
        names[i++] = c->string;
    qsort(names, n, sizeof(*names), compare_names);
    int dup = 0;
    for (i = 1; i < n && !dup; i++)
        dup = strcmp(names[i - 1], names[i]) == 0;
    free(names);
    if (dup)
        *why = "duplicate member name";
    return dup;
}

/* depth = how many containers enclose node, counting node itself when it is one. */
static int check_tree(const cJSON *node, int depth, const char **why)
{
    if ((cJSON_IsArray(node) || cJSON_IsObject(node)) && depth > COG_JSON_MAX_DEPTH) {
        *why = "nesting too deep";
        return -1;
    }
    /* 1e999 parses as infinity: a number no claim or field can legitimately hold. */
    if (cJSON_IsNumber(node) && !isfinite(node->valuedouble)) {
        *why = "number out of range";
        return -1;
    }
    if (cJSON_IsObject(node) && has_duplicate_names(node, why))
        return -1;
    for (const cJSON *child = node->child; child; child = child->next)
        if (check_tree(child, depth + 1, why) != 0)
            return -1;
    return 0;
}

cJSON *cog_json_parse(const char *text, size_t len, const char **why)
{
    const char *ignored;
    if (why == NULL) why = &ignored;
    *why = NULL;

    if (text == NULL || len == 0) { *why = "empty"; return NULL; }
    if (memchr(text, '\0', len) != NULL) { *why = "NUL byte"; return NULL; }
    int saw_nul = 0;
    if (lexical_scan((const unsigned char *)text, len, why, NULL, &saw_nul) != 0)
        return NULL;

    /* cJSON would silently cut a string at an escaped NUL ("abc\u0000../" -> "abc"),
     * hiding what followed from every later check.  Parse a copy in which each such
     * escape reads \u0001 instead: the value keeps its full length, and the control
     * character makes it fail every exact comparison and get stripped on export. */
    char *fixed = NULL;
    if (saw_nul) {
        fixed = malloc(len);
        if (fixed == NULL) { *why = "out of memory"; return NULL; }
        memcpy(fixed, text, len);
        (void)lexical_scan((const unsigned char *)text, len, why, fixed, &saw_nul);
        text = fixed;
    }

    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (root == NULL) { free(fixed); *why = "not valid JSON"; return NULL; }
    /* Only whitespace may follow the value. */
    for (const char *t = end; t < text + len; t++)
        if (!strchr(" \t\r\n", *t)) { cJSON_Delete(root); free(fixed); *why = "data after the JSON value"; return NULL; }
    free(fixed);
    if (check_tree(root, 1, why) != 0) { cJSON_Delete(root); return NULL; }
    return root;
}

const cJSON *cog_json_member(const cJSON *obj, const char *name)
{
    if (!cJSON_IsObject(obj))
        return NULL;
    return cJSON_GetObjectItemCaseSensitive(obj, name);
}

const char *cog_json_string(const cJSON *obj, const char *name)
{
    const cJSON *item = cog_json_member(obj, name);
    return cJSON_IsString(item) ? item->valuestring : NULL;
}

static apr_status_t delete_tree(void *tree)
{
    cJSON_Delete(tree);
    return APR_SUCCESS;
}

void cog_json_free_with(apr_pool_t *p, cJSON *tree)
{
    apr_pool_cleanup_register(p, tree, delete_tree, apr_pool_cleanup_null);
}
