/*
 * fuzz_token_response — what Cognito's /oauth2/token answers (or what something
 * pretending to be it answers): cog_token_response_parse for the code grant
 * (require_id 1) and the refresh grant (require_id 0), and cog_oauth_error_code.
 *
 * Properties asserted: an accepted response has a non-empty access token, an ID
 * token when required, a sane expires_in; the error code is at most 64 RFC 6749
 * error characters (%x21 / %x23-5B / %x5D-7E) — it goes into log lines.
 */
#include "fuzz_common.h"

#include <math.h>

#include "cfg/error.h"
#include "proto/oauth.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return fuzz_apr_init();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const char *body = (const char *)data;       /* length-delimited API: exact-size input */

    for (int require_id = 0; require_id <= 1; require_id++) {
        cog_token_set_t ts;
        cog_error_t err = { COG_OK, NULL };
        cog_reason_t rc = cog_token_response_parse(p, body, size, require_id, &ts, &err);
        if (rc != COG_OK) {
            FUZZ_CHECK(rc == COG_E_TOKEN_ENDPOINT_INVALID && err.reason == rc, "refusal is token_endpoint_invalid");
            FUZZ_CHECK(err.detail != NULL && fuzz_no_controls(err.detail), "refusal detail is plain text");
            FUZZ_CHECK(ts.access_token == NULL && ts.id_token == NULL && ts.refresh_token == NULL,
                       "a refused response yields no tokens");
            continue;
        }
        FUZZ_CHECK(ts.access_token && *ts.access_token, "accepted response has an access token");
        FUZZ_CHECK(!require_id || (ts.id_token && *ts.id_token), "code grant response has an ID token");
        FUZZ_CHECK(ts.id_token == NULL || *ts.id_token, "an ID token, when given, is not empty");
        FUZZ_CHECK(ts.refresh_token == NULL || *ts.refresh_token, "a refresh token, when given, is not empty");
        FUZZ_CHECK(isfinite(ts.expires_in) && ts.expires_in >= 0 && ts.expires_in <= 86400 * 366,
                   "expires_in is sane");
    }

    const char *code = cog_oauth_error_code(p, body, size);
    if (code) {
        FUZZ_CHECK(*code != '\0' && strlen(code) <= 64, "error code is 1..64 characters");
        for (const unsigned char *c = (const unsigned char *)code; *c; c++)
            FUZZ_CHECK(*c >= 0x21 && *c <= 0x7e && *c != '"' && *c != '\\', "error code is RFC 6749 error characters");
    }

    apr_pool_destroy(p);
    return 0;
}
