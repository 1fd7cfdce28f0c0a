/* changes.c - what a write changed; see changes.h. */
#include "changes.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct names {
	char **items;
	size_t count;
	size_t size;
};

static void add_name(struct names *n, const char *prefix, const char *sep, const char *key)
{
	size_t len = strlen(prefix) + strlen(sep) + strlen(key) + 1;
	char *name = malloc(len);

	if (name == NULL)
		abort();
	strcpy(name, prefix);
	strcat(name, sep);
	strcat(name, key);
	if (n->count == n->size) {
		n->size = n->size ? n->size * 2 : 8;
		n->items = realloc(n->items, n->size * sizeof(*n->items));
		if (n->items == NULL)
			abort();
	}
	n->items[n->count++] = name;
}

/* Call fn for each key of a or b once, with both values (NULL: absent). */
static void each_key(const json_t *a, const json_t *b, struct names *n, const char *prefix,
		     void (*fn)(struct names *, const char *, const char *, const json_t *,
				const json_t *))
{
	const char *key;
	json_t *value;

	json_object_foreach((json_t *)a, key, value)
		fn(n, prefix, key, value, json_object_get(b, key));
	json_object_foreach((json_t *)b, key, value)
		if (json_object_get(a, key) == NULL)
			fn(n, prefix, key, NULL, value);
}

static void sub_attribute(struct names *n, const char *prefix, const char *key,
			  const json_t *before, const json_t *after)
{
	/* An extension's attributes follow its URN and a colon, a complex
	 * attribute's sub-attributes a dot (RFC 7644 3.10). */
	if (!json_equal(before, after))
		add_name(n, prefix, strchr(prefix, ':') != NULL ? ":" : ".", key);
}

static void attribute(struct names *n, const char *prefix, const char *key,
		      const json_t *before, const json_t *after)
{
	(void)prefix;
	if (strcmp(key, "schemas") == 0 || json_equal(before, after))
		return;
	/* A complex attribute, or an extension: its parts that differ. */
	if ((before == NULL || json_is_object(before)) && (after == NULL || json_is_object(after)))
		each_key(before, after, n, key, sub_attribute);
	else
		add_name(n, "", "", key);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

json_t *changes_attribute_names(const json_t *before, const json_t *after)
{
	struct names n = { 0 };
	json_t *array;
	size_t i;

	each_key(before, after, &n, "", attribute);
	if (n.count == 0)
		return NULL;
	qsort(n.items, n.count, sizeof(*n.items), by_name);
	array = json_array();
	for (i = 0; i < n.count; i++) {
		json_array_append_new(array, json_string(n.items[i]));
		free(n.items[i]);
	}
	free(n.items);
	return array;
}

/* active as stored: absent is true (RFC 7643 leaves it to the service). */
static bool active_of(const json_t *doc)
{
	const json_t *active = json_object_get(doc, "active");

	return active == NULL || !json_is_false(active);
}

enum change_active changes_active(const json_t *before, const json_t *after)
{
	bool was = active_of(before);
	bool is = active_of(after);

	if (was && !is)
		return CHANGE_DISABLED;
	if (!was && is)
		return CHANGE_ENABLED;
	return CHANGE_NONE;
}
