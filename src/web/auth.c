/* auth.c - the bearer token of a request; see auth.h. */
#include "auth.h"

#include <string.h>
#include <strings.h>

#include "sha256.h"

bool auth_authenticate(struct store *store, const char *authorization,
		       const char *client_address, struct tenant *out,
		       struct scim_error *err)
{
	const char *token;
	uint8_t hash[32];
	size_t len;

	if (authorization == NULL || *authorization == '\0') {
		error_set(err, 401, NULL,
			  "authentication required: send Authorization: Bearer <token>");
		err->why = "no token";
		return false;
	}
	/* RFC 6750 2.1: the scheme is case-insensitive, then one or more spaces. */
	if (strncasecmp(authorization, "Bearer ", 7) != 0) {
		error_set(err, 401, NULL, "only Bearer tokens are accepted");
		err->why = "not a bearer token";
		return false;
	}
	token = authorization + 7;
	while (*token == ' ')
		token++;
	len = strlen(token);
	while (len > 0 && (token[len - 1] == ' ' || token[len - 1] == '\t'))
		len--;
	if (len == 0 || len > 512) {
		error_set(err, 401, NULL, "the bearer token is not valid");
		err->why = "unknown token";
		return false;
	}
	sha256(token, len, hash);
	return store_token_authenticate(store, hash, client_address, out, err);
}
