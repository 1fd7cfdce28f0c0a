/*
 * password.h - the admin console's passwords, hashed with argon2id
 * (libsodium's crypto_pwhash_str, its interactive limits) into the PHC
 * string format that admins.password_hash keeps. Never a plain or a fast
 * hash; the password itself is wiped from memory by its reader.
 */
#ifndef SCIM_PASSWORD_H
#define SCIM_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#define PASSWORD_HASH_SIZE 128 /* crypto_pwhash_STRBYTES */
#define PASSWORD_MIN_LENGTH 10
#define PASSWORD_MAX_LENGTH 1024

/* Initialise libsodium once, before any other call; false when it cannot. */
bool password_init(void);

/* The hash of `password` into `out`; false when memory ran out. */
bool password_hash(const char *password, char out[PASSWORD_HASH_SIZE]);

/* Whether `password` is the one `hash` was made of. */
bool password_verify(const char *hash, const char *password);

/* Overwrite a password's memory, in a way the compiler keeps. */
void password_wipe(void *buf, size_t len);

/* Why `password` is refused as a new one, or NULL when it is accepted. */
const char *password_refusal(const char *password);

#endif
