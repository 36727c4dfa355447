/*
 * form_pages.c — the two pages that carry a kept form post across the login.
 */
#include "flow/form_pages.h"
#include "flow/challenge.h"
#include "util/crypto.h"

#include <string.h>
#include <apr_base64.h>
#include <apr_strings.h>
#include <cjson/cJSON.h>
#include <http_core.h>
#include <http_protocol.h>

#define STORAGE_KEY "mod_auth_cognito.post"

/* The two inline scripts.  They read their data from a JSON block (never
 * executed) and are allowed by their hash, so the CSP needs no 'unsafe-inline'. */
static const char keep_script[] =
    "(function(){var d=JSON.parse(document.getElementById('cognito-post').textContent);"
    "try{sessionStorage.setItem('" STORAGE_KEY "',JSON.stringify({path:d.path,fields:d.fields}));}catch(e){}"
    "location.replace(d.login);})();";

static const char resubmit_script[] =
    "(function(){var want=JSON.parse(document.getElementById('cognito-post').textContent).path,"
    "saved=null;try{saved=JSON.parse(sessionStorage.getItem('" STORAGE_KEY "'));"
    "sessionStorage.removeItem('" STORAGE_KEY "');}catch(e){}"
    "if(!saved||saved.path!==want||!Array.isArray(saved.fields)){location.replace(want);return;}"
    "var f=document.createElement('form');f.method='post';f.action=want;f.acceptCharset='UTF-8';"
    "saved.fields.forEach(function(p){var i=document.createElement('input');i.type='hidden';"
    "i.name=String(p[0]);i.value=String(p[1]);f.appendChild(i);});"
    "document.body.appendChild(f);f.submit();})();";

static const char *script_hash(apr_pool_t *p, const char *script)
{
    unsigned char digest[32];
    if (cog_sha256(script, strlen(script), digest) != 0)
        return NULL;
    char *b64 = apr_palloc(p, (apr_size_t)apr_base64_encode_len(sizeof(digest)));
    apr_base64_encode(b64, (const char *)digest, sizeof(digest));
    return b64;
}

/* JSON inside <script type="application/json">: a '<' could close the element. */
static char *json_for_html(apr_pool_t *p, cJSON *data)
{
    char *printed = cJSON_PrintUnformatted(data);
    cJSON_Delete(data);
    if (printed == NULL)
        return NULL;
    size_t n = 0;
    for (const char *s = printed; *s; s++)
        n += *s == '<' || *s == '>' || *s == '&' ? 6 : 1;
    char *out = apr_palloc(p, n + 1), *o = out;
    for (const char *s = printed; *s; s++) {
        const char *esc = *s == '<' ? "\\u003c" : *s == '>' ? "\\u003e" : *s == '&' ? "\\u0026" : NULL;
        if (esc) {
            memcpy(o, esc, 6);
            o += 6;
        } else {
            *o++ = *s;
        }
    }
    *o = '\0';
    cJSON_free(printed);
    return out;
}

static int send_page(request_rec *r, const char *title, const char *json, const char *script, const char *noscript)
{
    const char *hash = script_hash(r->pool, script);
    if (json == NULL || hash == NULL) {
        cog_error_t err = { COG_E_INTERNAL, "cannot build the form post page" };
        return cog_page(r, 0, &err, "form post", NULL);
    }
    const char *body = apr_pstrcat(r->pool,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>", title, "</title></head><body>"
        "<p>", title, "</p><script type=\"application/json\" id=\"cognito-post\">", json, "</script>"
        "<script>", script, "</script><noscript><p>", noscript, "</p></noscript></body></html>\n", NULL);
    cog_no_store(r);
    apr_table_setn(r->err_headers_out, "Content-Security-Policy",
                   apr_pstrcat(r->pool, "default-src 'none'; script-src 'sha256-", hash, "'; form-action 'self'; "
                               "base-uri 'none'; frame-ancestors 'none'", NULL));
    apr_table_setn(r->err_headers_out, "Referrer-Policy", "no-referrer");
    apr_table_setn(r->err_headers_out, "X-Content-Type-Options", "nosniff");
    ap_set_content_type(r, "text/html; charset=utf-8");
    ap_set_content_length(r, (apr_off_t)strlen(body));
    r->status = HTTP_OK;
    if (!r->header_only)
        ap_rwrite(body, (int)strlen(body), r);
    return DONE;
}

int cog_form_page_keep(request_rec *r, const char *path, const char *login, const apr_array_header_t *fields)
{
    cJSON *data = cJSON_CreateObject(), *list = cJSON_AddArrayToObject(data, "fields");
    cJSON_AddStringToObject(data, "path", path);
    cJSON_AddStringToObject(data, "login", login);
    const cog_form_field_t *f = (const cog_form_field_t *)fields->elts;
    for (int i = 0; list && i < fields->nelts; i++) {
        cJSON *pair = cJSON_CreateArray();
        cJSON_AddItemToArray(pair, cJSON_CreateString(f[i].name));
        cJSON_AddItemToArray(pair, cJSON_CreateString(f[i].value));
        cJSON_AddItemToArray(list, pair);
    }
    return send_page(r, "Your session has ended: signing in again", json_for_html(r->pool, data), keep_script,
                     apr_pstrcat(r->pool, "JavaScript is off, so the form could not be kept. <a href=\"",
                                 ap_escape_html2(r->pool, login, 0), "\">Sign in</a> and send it again.", NULL));
}

int cog_form_page_resubmit(request_rec *r, const char *return_path)
{
    cJSON *data = cJSON_CreateObject();
    cJSON_AddStringToObject(data, "path", return_path);
    return send_page(r, "Signed in: sending your form", json_for_html(r->pool, data), resubmit_script,
                     apr_pstrcat(r->pool, "JavaScript is off, so the form cannot be sent again. <a href=\"",
                                 ap_escape_html2(r->pool, return_path, 0), "\">Continue</a>.", NULL));
}
