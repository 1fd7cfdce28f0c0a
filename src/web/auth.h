/*
 * auth.h - the bearer token (RFC 6750, token.h) checked on every request.
 * Tokens are never logged. Arguments are borrowed; the tenant is copied
 * into the caller's struct.
 */
#ifndef SCIM_AUTH_H
#define SCIM_AUTH_H

#include <stdbool.h>

#include "error.h"
#include "store.h"

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
