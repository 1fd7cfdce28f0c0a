/* auth.c - bearer tokens; see auth.h. */
#include "auth.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
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

/*
 * The client address in the form PostgreSQL's inet reads, or NULL when it
 * is not an IP address: a zone ("fe80::1%eth0") is dropped, and an IPv4
 * address seen through a dual-stack socket ("::ffff:192.0.2.1") becomes
 * IPv4, so that IPv4 networks in a token's restriction match it.
 */
static const char *client_address(const char *remote_addr, char out[INET6_ADDRSTRLEN])
{
	struct in6_addr v6;
	struct in_addr v4;
	char text[INET6_ADDRSTRLEN];

	if (remote_addr == NULL || strlen(remote_addr) >= sizeof(text))
		return NULL;
	strcpy(text, remote_addr);
	text[strcspn(text, "%")] = '\0';
	if (inet_pton(AF_INET, text, &v4) == 1)
		return inet_ntop(AF_INET, &v4, out, INET6_ADDRSTRLEN);
	if (inet_pton(AF_INET6, text, &v6) != 1)
		return NULL;
	if (IN6_IS_ADDR_V4MAPPED(&v6)) {
		memcpy(&v4, &v6.s6_addr[12], 4);
		return inet_ntop(AF_INET, &v4, out, INET6_ADDRSTRLEN);
	}
	return inet_ntop(AF_INET6, &v6, out, INET6_ADDRSTRLEN);
}

bool auth_authenticate(struct store *store, const char *authorization,
		       const char *remote_addr, struct tenant *out,
		       struct scim_error *err)
{
	char address[INET6_ADDRSTRLEN];
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
	return store_token_authenticate(store, hash, client_address(remote_addr, address),
					out, err);
}
