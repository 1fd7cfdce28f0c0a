/* error.c - the error value; see error.h. */
#include "error.h"
#include "utf8.h"

#include <stdarg.h>
#include <stdio.h>

void error_clear(struct scim_error *err)
{
	err->status = 0;
	err->scim_type = NULL;
	err->detail[0] = '\0';
	err->why = NULL;
}

bool error_is_set(const struct scim_error *err)
{
	return err->status != 0;
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
	/* Details may quote client input, and truncation may cut a character:
	 * keep the error body encodable. */
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
	if (body == NULL) /* cannot happen with a sanitized detail; never answer empty */
		body = json_pack("{s:[s], s:s, s:s}",
				 "schemas", "urn:ietf:params:scim:api:messages:2.0:Error",
				 "status", status, "detail", "error");
	if (body != NULL && err->scim_type != NULL)
		json_object_set_new(body, "scimType", json_string(err->scim_type));
	return body;
}
