/*
 * sha256.h - SHA-256 (FIPS 180-4).
 *
 * Bearer tokens are never stored: they are hashed with sha256() and the hex
 * digest is what the store keeps and what a lookup compares. The functions
 * keep no state and allocate nothing; all buffers belong to the caller.
 */
#ifndef SCIM_SHA256_H
#define SCIM_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_LENGTH 32
#define SHA256_HEX_LENGTH 64 /* without the terminating NUL */

/* The digest of `len` bytes at `data` (data may be NULL when len is 0). */
void sha256(const void *data, size_t len, uint8_t out[32]);

/* The digest as 64 lowercase hex digits and a terminating NUL. */
void sha256_hex(const uint8_t digest[32], char out[65]);

#endif
