/*
 * token.h - the bearer tokens providers send (RFC 6750): "scim_" followed
 * by 256 random bits in base64url. Only a token's SHA-256 is stored, and a
 * token is never logged; the admin tool shows it once. Nothing is
 * allocated: the caller's buffers receive the token and its hash.
 */
#ifndef SCIM_TOKEN_H
#define SCIM_TOKEN_H

#include <stdbool.h>
#include <stdint.h>

#define TOKEN_LENGTH 48 /* "scim_" + 43 base64url characters */

/* A new random token (NUL-terminated) and its hash. False when the system
 * has no randomness to give. */
bool token_generate(char token[TOKEN_LENGTH + 1], uint8_t hash[32]);

#endif
