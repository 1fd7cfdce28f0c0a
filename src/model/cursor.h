/*
 * cursor.h - RFC 9865 cursors: an opaque string that names a position in a
 * sorted list (the sort key and id of the row it follows or precedes), so
 * that walking a list by cursors never skips or repeats a resource while
 * others are created or deleted. A cursor also carries a digest of the
 * query it belongs to and the time it was issued.
 *
 * A cursor is not a secret and needs no signature: it only says where to
 * continue, within the caller's own tenant, through $n parameters.
 */
#ifndef SCIM_CURSOR_H
#define SCIM_CURSOR_H

#include <stdbool.h>
#include <time.h>

#include "error.h"

/* Seconds a cursor stays valid (advertised as pagination.cursorTimeout). */
#define CURSOR_TIMEOUT 3600
#define CURSOR_CLOCK_SKEW 300 /* seconds a host's clock may run behind another's */

/*
 * Ownership: key is malloc'd and belongs to the cursor; cursor_clear()
 * frees it. It is the whole sort key, however long: a cut one would name
 * another position.
 */
struct cursor {
	bool backward;      /* previousCursor: the rows before the position */
	char *key;          /* the row's sort key; NULL when it has none */
	char id[37];        /* its id */
	char query[17];     /* digest of the query the cursor belongs to */
	time_t issued;
};

/* Free the key; the cursor is then empty. */
void cursor_clear(struct cursor *c);

/* A digest of what must not change between the pages of one walk. */
void cursor_query_digest(const char *resource_type, const char *filter, const char *sort_by,
			 const char *sort_order, char out[17]);

/* The cursor as a string for nextCursor / previousCursor; malloc'd. */
char *cursor_encode(const struct cursor *c);

/*
 * Read a client's cursor for the query with digest `query` into `out`,
 * which the caller clears. 400 invalidCursor when it is not one of ours or
 * belongs to another query, 400 expiredCursor when it is older than
 * CURSOR_TIMEOUT; `out` is empty then.
 */
bool cursor_decode(const char *text, const char *query, struct cursor *out,
		   struct scim_error *err);

#endif
