/*
 * fuzz_identity_response — cog_identity_parse on an identity-pool answer (GetId and
 * GetCredentialsForIdentity; the body comes from the network).  The first input
 * byte picks the HTTP status (200, 400, 500) and the operation.
 *
 * Properties asserted: a failure carries a one-line detail; on success the
 * IdentityId and every credential part are non-empty printable ASCII without
 * spaces, and the credentials' IdentityId is the one asked for.
 */
#include "fuzz_common.h"

#include "proto/identity.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return fuzz_apr_init();
}

static int printable(const char *s)
{
    if (s == NULL || *s == '\0')
        return 0;
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
            return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    static const long statuses[] = { 200, 200, 400, 500 };
    long status = statuses[data[0] & 3];
    int credentials = (data[0] >> 2) & 1;
    apr_pool_t *p = fuzz_pool();
    char *body = size > 1 ? malloc(size - 1) : NULL;
    if (body)
        memcpy(body, data + 1, size - 1);
    cog_error_t err = { COG_OK, NULL };
    const char *asked = "eu-west-1:8f40246c-6f87-4de1-82b1-390756528f87";
    const char *id = credentials ? asked : NULL;
    cog_aws_credentials_t c;
    cog_reason_t rc = cog_identity_parse(p, status, body ? body : "", size - 1, &id, credentials ? &c : NULL, &err);
    if (rc != COG_OK) {
        FUZZ_CHECK(err.detail != NULL && strchr(err.detail, '\n') == NULL, "a failure says why, on one line");
    } else {
        FUZZ_CHECK(status == 200, "only a 200 answer succeeds");
        FUZZ_CHECK(printable(id), "the IdentityId is printable");
        if (credentials) {
            FUZZ_CHECK(strcmp(id, asked) == 0, "credentials are for the identity asked for");
            FUZZ_CHECK(printable(c.access_key_id) && printable(c.secret_key) && printable(c.session_token),
                       "credential parts are printable");
            FUZZ_CHECK(c.expiration > 0 && c.expiration <= 253402300799.0, "the expiration is a time");
        }
    }
    free(body);
    apr_pool_destroy(p);
    return 0;
}
