/* error.c - the error value; see error.h. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>

void error_clear(struct scim_error *err)
{
	err->status = 0;
	err->scim_type = NULL;
	err->detail[0] = '\0';
}

bool error_is_set(const struct scim_error *err)
{
	return err->status != 0;
}

/*
 * Details may quote client input, and a truncated detail may end inside a
 * character: replace every byte that is not part of valid UTF-8 with '?', so
 * that the error body can always be encoded.
 */
static void utf8_sanitize(char *s)
{
	unsigned char *p = (unsigned char *)s;

	while (*p) {
		size_t len = 0;
		size_t i;

		if (*p < 0x80)
			len = 1;
		else if (*p >= 0xc2 && *p <= 0xdf)
			len = 2;
		else if (*p >= 0xe0 && *p <= 0xef)
			len = 3;
		else if (*p >= 0xf0 && *p <= 0xf4)
			len = 4;
		for (i = 1; i < len; i++)
			if ((p[i] & 0xc0) != 0x80)
				len = 0;
		if (len == 0 || (len == 1 && *p < 0x20)) {
			*p++ = '?';
			continue;
		}
		p += len;
	}
}

bool error_set(struct scim_error *err, int status, const char *scim_type,
	       const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || err->status != 0)
		return false;
	err->status = status;
	err->scim_type = scim_type;
	va_start(ap, fmt);
	vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
	va_end(ap);
	utf8_sanitize(err->detail);
	return false;
}

json_t *error_to_json(const struct scim_error *err)
{
	char status[8];
	json_t *body;

	/* RFC 7644 3.12: "status" is a string, not a number. */
	snprintf(status, sizeof(status), "%d", err->status ? err->status : 500);
	body = json_pack("{s:[s], s:s, s:s}",
			 "schemas", "urn:ietf:params:scim:api:messages:2.0:Error",
			 "status", status,
			 "detail", err->detail[0] ? err->detail : "error");
	if (body != NULL && err->scim_type != NULL)
		json_object_set_new(body, "scimType", json_string(err->scim_type));
	return body;
}
