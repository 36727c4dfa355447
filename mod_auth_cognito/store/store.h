/*
 * store.h — the sealed-record store: everything the module persists (sessions,
 * their last-seen times, refresh locks, consumed login states) goes through here,
 * on top of the socache wrapper (cache.h).
 *
 * Contract:
 *  - A record is found by a reference derived from the server secret
 *    (CognitoSessionSecret), the owner (issuer and app client of the location), the
 *    record kind and a browser-held id (session cookie, login state) together:
 *        family = HMAC-SHA256(secret, "mod_auth_cognito record v2" | issuer | client | id)
 *        slot   = HMAC-SHA256(family, "slot <kind>"),  key = HMAC-SHA256(family, "key <kind>")
 *    (record.h, cog_record_family)
 *    so neither a store reader nor a store writer without the secret can find,
 *    read, create or move a record, and a record made for one app client is not
 *    even looked up at a location of another.
 *  - Records are sealed (AES-256-GCM, associated data = slot) on the way in and
 *    opened on the way out; a record that does not open is COG_STORE_FORGED, never data.
 *  - Every change (put, add, take, replace, remove — found or not) bumps the
 *    change counter of the record's family (shared memory, store/changes.h), so copies
 *    kept by other processes of this server are never used after it.
 *  - A miss on a distributed store is told apart from an outage (probe, then one
 *    more read); probes are rate-limited per process, so anonymous requests that
 *    miss cannot multiply store writes.
 *  - Reads try the current secret, then the older one (rotation); writes go to the
 *    reference they are given (a record found under the older secret stays there).
 */
#ifndef COG_STORE_H
#define COG_STORE_H

#include <httpd.h>
#include <apr_errno.h>
#include "util/crypto.h"

/* A record is in the store but does not open: forged, moved or sealed under another secret. */
#define COG_STORE_FORGED (APR_OS_START_USERERR + 140)

/* COG_REC_STATE seals the login-state cookie with the same derivation; it is
 * never stored. */
typedef enum { COG_REC_SESSION, COG_REC_SEEN, COG_REC_LOCK, COG_REC_CONSUMED, COG_REC_STATE } cog_rec_kind_t;

typedef struct {
    const char *issuer;
    const char *client_id;
} cog_rec_owner_t;

typedef struct {
    unsigned char  family[COG_KEY_LEN];  /* shared by every kind of one id: change counters */
    unsigned char  slot[COG_KEY_LEN];    /* the store id */
    unsigned char  key[COG_KEY_LEN];     /* the sealing key */
    cog_rec_kind_t kind;
    int            secret;               /* 0: current secret, 1: the older one */
} cog_rec_ref_t;

typedef struct {
    char          *text;                 /* opened, NUL-terminated */
    size_t         len;
    unsigned char *sealed;               /* bytes as stored (for cog_store_replace) */
    size_t         sealed_len;
} cog_rec_t;

/* check_config: makes every server's store from its CognitoSessionCache (servers
 * naming the same store share one) and refuses a shared store without a
 * CognitoSessionSecret.  OK, or HTTP_INTERNAL_SERVER_ERROR with the reason logged. */
int cog_store_check_config(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s);

/* The reference of (owner, kind, id) under secret 0 or 1.  0, or -1 when there is
 * no such secret or no derivation. */
int cog_store_ref(server_rec *s, const cog_rec_owner_t *owner, cog_rec_kind_t kind, const char *id, int secret,
                  cog_rec_ref_t *out);
/* The reference of another kind of record of the same id and secret. */
int cog_store_ref_kind(const cog_rec_ref_t *of, cog_rec_kind_t kind, cog_rec_ref_t *out);

/* APR_SUCCESS with out filled, APR_NOTFOUND, COG_STORE_FORGED, or a store error. */
apr_status_t cog_store_get(request_rec *r, const cog_rec_ref_t *ref, cog_rec_t *out);
/* cog_store_get under the current secret, then the older one; *ref is the one found
 * (or the current one when none was). */
apr_status_t cog_store_find(request_rec *r, const cog_rec_owner_t *owner, cog_rec_kind_t kind, const char *id,
                            cog_rec_ref_t *ref, cog_rec_t *out);
apr_status_t cog_store_put(request_rec *r, const cog_rec_ref_t *ref, apr_time_t expiry, const char *text, size_t len);
/* Stores only when nothing is there: APR_EEXIST when another writer got there
 * first (atomic on one server; on a shared store the writers agree on one winner). */
apr_status_t cog_store_add(request_rec *r, const cog_rec_ref_t *ref, apr_time_t expiry, const char *text, size_t len);
/* Reads and removes in one step (single use). */
apr_status_t cog_store_take(request_rec *r, const cog_rec_ref_t *ref, cog_rec_t *out);
/* Stores only when the record is still `expected` byte for byte: APR_EEXIST when it
 * changed or vanished. */
apr_status_t cog_store_replace(request_rec *r, const cog_rec_ref_t *ref, const cog_rec_t *expected,
                               apr_time_t expiry, const char *text, size_t len);
apr_status_t cog_store_remove(request_rec *r, const cog_rec_ref_t *ref);

#endif
