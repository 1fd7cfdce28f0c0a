/*
 * fuzz_cursor.c - RFC 9865 cursors: a client's cursor text read by
 * cursor_decode(), and cursors made from the input by cursor_encode().
 *
 * Any text is taken or refused with 400 invalidCursor or expiredCursor; a
 * cursor taken encodes and decodes to itself. A cursor the service makes
 * (a sort key of valid UTF-8, as the database returns it, an id, an issue
 * time within the timeout) decodes to what it was made of, however long
 * its key.
 */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cursor.h"
#include "utf8.h"

#define QUERY "0123456789abcdef"

static void check_same(const struct cursor *a, const struct cursor *b, const char *text)
{
	FUZZ_CHECK(a->backward == b->backward &&
		   (a->key == NULL ? b->key == NULL : b->key != NULL && strcmp(a->key, b->key) == 0) &&
		   strcmp(a->id, b->id) == 0 && strcmp(a->query, b->query) == 0 &&
		   a->issued == b->issued,
		   "the cursor %s does not decode to what it was made of", text);
}

/* Decode `text`; a cursor taken round-trips. */
static void decode(const char *text)
{
	struct cursor c;
	struct cursor again;
	struct scim_error err;
	char *encoded;

	error_clear(&err);
	if (!cursor_decode(text, QUERY, &c, &err)) {
		fuzz_check_error(&err, "cursor_decode");
		FUZZ_CHECK(err.status == 400 && (strcmp(err.scim_type, SCIM_INVALID_CURSOR) == 0 ||
						 strcmp(err.scim_type, SCIM_EXPIRED_CURSOR) == 0),
			   "a cursor refused with %d %s", err.status, err.detail);
		return;
	}
	encoded = cursor_encode(&c);
	FUZZ_CHECK(cursor_decode(encoded, QUERY, &again, &err), "a cursor taken, encoded again, "
		   "is refused: %s", err.detail);
	check_same(&c, &again, encoded);
	cursor_clear(&again);
	cursor_clear(&c);
	free(encoded);
}

/* A cursor the service would make, from the input: the first byte holds
 * the flags and the age, the rest is the sort key. */
static void round_trip(const uint8_t *data, size_t size)
{
	struct cursor c = { 0 };
	struct cursor out;
	struct scim_error err;
	size_t at = 0;
	uint32_t cp;
	char *text;

	if (size == 0)
		return;
	while (at < size - 1) {
		size_t n = utf8_sequence(data + 1 + at, size - 1 - at, &cp);

		if (n == 0 || cp == 0)
			return; /* no text the database would return */
		at += n;
	}
	c.backward = data[0] & 1;
	if (!(data[0] & 2))
		c.key = fuzz_text(data + 1, size - 1);
	strcpy(c.id, "2819c223-7f76-453a-919d-413861904646");
	strcpy(c.query, QUERY);
	c.issued = time(NULL) - (data[0] >> 2) * 10;
	text = cursor_encode(&c);
	error_clear(&err);
	FUZZ_CHECK(cursor_decode(text, QUERY, &out, &err), "our own cursor %s is refused: %s",
		   text, err.detail);
	check_same(&c, &out, text);
	cursor_clear(&out);
	cursor_clear(&c);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);

	decode(text);
	free(text);
	round_trip(data, size);
	return 0;
}
