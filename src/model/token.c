/* token.c - bearer tokens; see token.h. */
#include "token.h"

#include <errno.h>
#include <string.h>
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

bool token_generate(char token[TOKEN_LENGTH + 1], uint8_t hash[32])
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
	token[TOKEN_LENGTH] = '\0';
	sha256(token, TOKEN_LENGTH, hash);
	return true;
}
