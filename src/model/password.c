/* password.c - argon2id password hashes; see password.h. */
#include "password.h"

#include <sodium.h>
#include <string.h>

bool password_init(void)
{
	return sodium_init() >= 0;
}

bool password_hash(const char *password, char out[PASSWORD_HASH_SIZE])
{
	_Static_assert(PASSWORD_HASH_SIZE == crypto_pwhash_STRBYTES, "the hash's size");
	return crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
				 crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0;
}

bool password_verify(const char *hash, const char *password)
{
	return hash != NULL && crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

void password_wipe(void *buf, size_t len)
{
	sodium_memzero(buf, len);
}

const char *password_refusal(const char *password)
{
	size_t len = strlen(password);

	if (len < PASSWORD_MIN_LENGTH)
		return "too short: at least 10 characters";
	if (len > PASSWORD_MAX_LENGTH)
		return "too long: at most 1024 characters";
	return NULL;
}
