/*
 * bearer_header.h — the Authorization request header of a Bearer request
 * (RFC 6750 §2.1).  Pure; fed whatever a client sends.
 */
#ifndef COG_BEARER_HEADER_H
#define COG_BEARER_HEADER_H

#include <stddef.h>

/* RFC 6750 §2.1 Authorization header: "Bearer" (any case), one or more spaces, then
 * b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
 * Returns COG_BEARER_FOUND with token/len pointing into header, COG_BEARER_OTHER_SCHEME
 * (Basic, Negotiate ...), or COG_BEARER_BAD_SYNTAX (Bearer but no valid b64token). */
typedef enum { COG_BEARER_FOUND, COG_BEARER_OTHER_SCHEME, COG_BEARER_BAD_SYNTAX } cog_bearer_parse_t;
cog_bearer_parse_t cog_parse_bearer_header(const char *header, const char **token, size_t *len);

#endif
