/* html.c - the console's page text; see html.h. */
#include "html.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void append(struct html *h, const char *s, size_t len)
{
	if (h->len + len + 1 > h->size) {
		size_t size = h->size ? h->size : 4096;

		while (h->len + len + 1 > size)
			size *= 2;
		h->text = realloc(h->text, size);
		if (h->text == NULL)
			abort();
		h->size = size;
	}
	memcpy(h->text + h->len, s, len);
	h->len += len;
	h->text[h->len] = '\0';
}

void html_raw(struct html *h, const char *markup)
{
	append(h, markup, strlen(markup));
}

void html_rawf(struct html *h, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		append(h, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

void html_text(struct html *h, const char *text)
{
	const char *p;

	for (p = text; p != NULL && *p != '\0'; p++) {
		switch (*p) {
		case '&': append(h, "&amp;", 5); break;
		case '<': append(h, "&lt;", 4); break;
		case '>': append(h, "&gt;", 4); break;
		case '"': append(h, "&quot;", 6); break;
		case '\'': append(h, "&#39;", 5); break;
		default: append(h, p, 1);
		}
	}
}

void html_query_value(struct html *h, const char *text)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	char esc[4];

	for (p = (const unsigned char *)text; p != NULL && *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr("-._~", *p) != NULL) {
			append(h, (const char *)p, 1);
			continue;
		}
		esc[0] = '%';
		esc[1] = hex[*p >> 4];
		esc[2] = hex[*p & 15];
		append(h, esc, 3);
	}
}

char *html_take(struct html *h)
{
	char *text = h->text;

	if (text == NULL)
		text = strdup("");
	if (text == NULL)
		abort();
	h->text = NULL;
	h->len = h->size = 0;
	return text;
}

void html_clear(struct html *h)
{
	free(h->text);
	h->text = NULL;
	h->len = h->size = 0;
}
