/* auth.c - bearer tokens; see auth.h. */
#include "auth.h"

#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "sha256.h"

static bool random_bytes(uint8_t *buf, size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = getrandom(buf + done, len - done, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		done += (size_t)n;
	}
	return true;
}

bool auth_token_generate(char token[AUTH_TOKEN_LENGTH + 1], uint8_t hash[32])
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	uint8_t raw[33]; /* 256 bits, plus one zero byte to round the groups of 3 */
	char *out = token;
	size_t i;

	if (!random_bytes(raw, 32))
		return false;
	raw[32] = 0;
	memcpy(out, "scim_", 5);
	out += 5;
	for (i = 0; i < 33; i += 3) {
		uint32_t group = (uint32_t)raw[i] << 16 | (uint32_t)raw[i + 1] << 8 | raw[i + 2];

		*out++ = alphabet[(group >> 18) & 63];
		*out++ = alphabet[(group >> 12) & 63];
		*out++ = alphabet[(group >> 6) & 63];
		*out++ = alphabet[group & 63];
	}
	/* 44 characters were written; the last one only encodes padding bits. */
	token[AUTH_TOKEN_LENGTH] = '\0';
	sha256(token, AUTH_TOKEN_LENGTH, hash);
	return true;
}

bool auth_authenticate(struct store *store, const char *authorization,
		       const char *client_address, struct tenant *out,
		       struct scim_error *err)
{
	const char *token;
	uint8_t hash[32];
	size_t len;

	if (authorization == NULL || *authorization == '\0')
		return error_set(err, 401, NULL,
				 "authentication required: send Authorization: Bearer <token>");
	/* RFC 6750 2.1: the scheme is case-insensitive, then one or more spaces. */
	if (strncasecmp(authorization, "Bearer ", 7) != 0)
		return error_set(err, 401, NULL, "only Bearer tokens are accepted");
	token = authorization + 7;
	while (*token == ' ')
		token++;
	len = strlen(token);
	while (len > 0 && (token[len - 1] == ' ' || token[len - 1] == '\t'))
		len--;
	if (len == 0 || len > 512)
		return error_set(err, 401, NULL, "the bearer token is not valid");
	sha256(token, len, hash);
	return store_token_authenticate(store, hash, client_address, out, err);
}
