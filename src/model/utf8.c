/* utf8.c - strict UTF-8; see utf8.h. */
#include "utf8.h"

#include <string.h>

size_t utf8_sequence(const unsigned char *s, size_t len, uint32_t *cp)
{
	uint32_t c;
	size_t n;
	size_t i;

	if (len == 0)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) || c > 0x10ffff ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

void utf8_sanitize(char *s)
{
	unsigned char *p = (unsigned char *)s;
	size_t left = strlen(s);
	uint32_t cp;
	size_t n;

	while (left > 0) {
		n = utf8_sequence(p, left, &cp);
		if (n == 0 || cp < 0x20 || cp == 0x7f) {
			*p++ = '?';
			left--;
			continue;
		}
		p += n;
		left -= n;
	}
}
