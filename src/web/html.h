/*
 * html.h - the admin console's pages, built as text. Everything that comes
 * from the database or the request goes through html_text(), which escapes
 * it: userNames and displayNames come from the identity providers and are
 * hostile until proven otherwise. html_raw() and html_rawf() are for the
 * page's own markup and numbers only.
 */
#ifndef SCIM_HTML_H
#define SCIM_HTML_H

#include <stddef.h>

struct html {
	char *text; /* NUL-terminated; owned */
	size_t len;
	size_t size;
};

void html_raw(struct html *h, const char *markup);
void html_rawf(struct html *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* `text` with &, <, >, " and ' escaped; NULL adds nothing. */
void html_text(struct html *h, const char *text);
/* `text` escaped for a URL's query value (percent-encoded), then for HTML. */
void html_query_value(struct html *h, const char *text);
/* The text, handed over (malloc'd); `h` is empty again. */
char *html_take(struct html *h);
void html_clear(struct html *h);

#endif
