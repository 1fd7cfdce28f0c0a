/*
 * utf8.h - strict UTF-8 decoding (RFC 3629): no overlong forms, no
 * surrogates, nothing above U+10FFFF. JSON text must be such UTF-8, so
 * everything that echoes client bytes into JSON checks it with this.
 * Nothing is allocated; strings are borrowed (utf8_sanitize() changes its
 * argument in place).
 */
#ifndef SCIM_UTF8_H
#define SCIM_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* The length of the valid sequence at s (at most len bytes) with its code
 * point in *cp, or 0 when s does not start with one. */
size_t utf8_sequence(const unsigned char *s, size_t len, uint32_t *cp);

/* Replace every byte that is not part of a valid sequence, and every
 * control character, with '?', in place. */
void utf8_sanitize(char *s);

#endif
