/*
 * auth.h - bearer tokens (RFC 6750): generation for the admin tool, and the
 * check on every request. A token is "scim_" followed by 256 random bits in
 * base64url; only its SHA-256 is stored. Tokens are never logged.
 */
#ifndef SCIM_AUTH_H
#define SCIM_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "store.h"

#define AUTH_TOKEN_LENGTH 48 /* "scim_" + 43 base64url characters */

/* A new random token (NUL-terminated) and its hash. False when the system
 * has no randomness to give. */
bool auth_token_generate(char token[AUTH_TOKEN_LENGTH + 1], uint8_t hash[32]);

/*
 * The tenant of the request's Authorization header. 401 when the header is
 * missing, not a Bearer token, or the token is unknown, revoked or not
 * allowed from client_address (address_client(); NULL when unknown); 503
 * when the database is unreachable.
 */
bool auth_authenticate(struct store *store, const char *authorization,
		       const char *client_address, struct tenant *out,
		       struct scim_error *err);

#endif
