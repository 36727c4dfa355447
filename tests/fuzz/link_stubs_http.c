/*
 * link_stubs_http.c — LINK STUB ONLY, for fuzz_token_response and fuzz_identity_response.
 *
 * oauth.c's network functions (cog_oauth_exchange_code, cog_oauth_refresh,
 * cog_oauth_revoke) call cog_http_request; the fuzzer only calls the pure parsers
 * in the same file (cog_token_response_parse, cog_oauth_error_code).  Linking the
 * real http.c would drag in libcurl set-up and the metrics module for nothing, so
 * this definition satisfies the linker and aborts if anything ever calls it.
 */
#include <stdio.h>
#include <stdlib.h>

#include "proto/http.h"

cog_reason_t cog_http_request(apr_pool_t *p, const cog_http_opts_t *opts, const char *url,
                              const char *form_body, const char *basic_user,
                              const char *basic_password, cog_http_response_t *resp,
                              cog_error_t *err)
{
    (void)p; (void)opts; (void)url; (void)form_body; (void)basic_user;
    (void)basic_password; (void)resp; (void)err;
    fprintf(stderr, "link stub cog_http_request called: the fuzz harness must not reach the network\n");
    abort();
}
