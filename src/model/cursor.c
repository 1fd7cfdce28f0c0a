/* cursor.c - RFC 9865 cursors; see cursor.h. */
#include "cursor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "resource.h"
#include "sha256.h"

static const char b64url[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void cursor_query_digest(const char *resource_type, const char *filter, const char *sort_by,
			 const char *sort_order, char out[17])
{
	char text[8192];
	uint8_t digest[32];
	char hex[65];

	snprintf(text, sizeof(text), "%s\n%s\n%s\n%s", resource_type, filter ? filter : "",
		 sort_by ? sort_by : "", sort_order ? sort_order : "");
	sha256(text, strlen(text), digest);
	sha256_hex(digest, hex);
	memcpy(out, hex, 16);
	out[16] = '\0';
}

static char *base64url_encode(const char *data, size_t len)
{
	char *out = malloc(len * 4 / 3 + 4);
	size_t i;
	size_t n = 0;

	if (out == NULL)
		abort();
	for (i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)(unsigned char)data[i] << 16;
		size_t chunk = len - i < 3 ? len - i : 3;

		if (chunk > 1)
			v |= (uint32_t)(unsigned char)data[i + 1] << 8;
		if (chunk > 2)
			v |= (unsigned char)data[i + 2];
		out[n++] = b64url[(v >> 18) & 63];
		out[n++] = b64url[(v >> 12) & 63];
		if (chunk > 1)
			out[n++] = b64url[(v >> 6) & 63];
		if (chunk > 2)
			out[n++] = b64url[v & 63];
	}
	out[n] = '\0';
	return out;
}

/* NULL when `text` is not base64url. */
static char *base64url_decode(const char *text, size_t *len)
{
	size_t in = strlen(text);
	char *out = malloc(in * 3 / 4 + 3);
	uint32_t v = 0;
	int bits = 0;
	size_t n = 0;
	size_t i;

	if (out == NULL)
		abort();
	for (i = 0; i < in; i++) {
		const char *p = strchr(b64url, text[i]);

		if (p == NULL || text[i] == '\0') {
			free(out);
			return NULL;
		}
		v = (v << 6) | (uint32_t)(p - b64url);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (char)((v >> bits) & 0xff);
		}
	}
	out[n] = '\0';
	*len = n;
	return out;
}

void cursor_clear(struct cursor *c)
{
	free(c->key);
	memset(c, 0, sizeof(*c));
}

char *cursor_encode(const struct cursor *c)
{
	json_t *j = json_pack("{s:b, s:s?, s:s, s:s, s:I}", "b", c->backward,
			      "k", c->key, "i", c->id, "q", c->query,
			      "t", (json_int_t)c->issued);
	char *text;
	char *out;

	if (j == NULL)
		abort();
	text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (text == NULL)
		abort();
	out = base64url_encode(text, strlen(text));
	free(text);
	return out;
}

bool cursor_decode(const char *text, const char *query, struct cursor *out,
		   struct scim_error *err)
{
	json_t *j = NULL;
	json_t *key;
	const char *id;
	const char *q;
	json_int_t issued;
	time_t now;
	size_t len = 0;
	char *raw;
	bool ok = false;

	memset(out, 0, sizeof(*out));
	/* No limit of its own: a cursor is as long as the sort key in it, and
	 * the request that brings it back is limited. */
	raw = base64url_decode(text, &len);
	if (raw != NULL)
		j = json_loadb(raw, len, JSON_REJECT_DUPLICATES, NULL);
	free(raw);
	key = json_object_get(j, "k");
	id = json_string_value(json_object_get(j, "i"));
	q = json_string_value(json_object_get(j, "q"));
	if (!json_is_object(j) || !json_is_boolean(json_object_get(j, "b")) ||
	    !json_is_integer(json_object_get(j, "t")) || id == NULL || !resource_id_valid(id) ||
	    q == NULL || (key != NULL && !json_is_string(key) && !json_is_null(key))) {
		error_set(err, 400, SCIM_INVALID_CURSOR, "the cursor is not valid");
		goto done;
	}
	if (strcmp(q, query) != 0) {
		error_set(err, 400, SCIM_INVALID_CURSOR,
			  "the cursor belongs to another query: keep filter and sortBy while paging");
		goto done;
	}
	/* Cursors are not signed: a time from the future (beyond the clock
	 * skew of hosts in sync) or before 1970 is a made-up one. Compared
	 * without subtracting the client's number, which could overflow. */
	now = time(NULL);
	issued = json_integer_value(json_object_get(j, "t"));
	if (issued < 0 || issued > (json_int_t)now + CURSOR_CLOCK_SKEW) {
		error_set(err, 400, SCIM_INVALID_CURSOR, "the cursor is not valid");
		goto done;
	}
	out->issued = (time_t)issued;
	if (out->issued < now - CURSOR_TIMEOUT) {
		error_set(err, 400, SCIM_EXPIRED_CURSOR, "the cursor has expired: start again");
		goto done;
	}
	out->backward = json_is_true(json_object_get(j, "b"));
	/* jansson refuses \u0000 unless asked: the key is a C string. */
	if (json_is_string(key)) {
		out->key = strdup(json_string_value(key));
		if (out->key == NULL)
			abort();
	}
	snprintf(out->id, sizeof(out->id), "%s", id);
	snprintf(out->query, sizeof(out->query), "%s", q);
	ok = true;
done:
	if (!ok)
		cursor_clear(out);
	json_decref(j);
	return ok;
}
