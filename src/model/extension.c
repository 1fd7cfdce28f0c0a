/* extension.c - schemas an administrator defines, read from RFC 7643
 * section 7 JSON; see extension.h. */
#include "extension.h"

#include "sha256.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A JSON path being read, e.g. "attributes[2].subAttributes[0]". */
struct where {
	char text[160];
};

/* A deep path is cut short: it is for a message. */
static void where_key(struct where *out, const struct where *at, const char *key)
{
	if (snprintf(out->text, sizeof(out->text), "%s%s%s", at->text, at->text[0] ? "." : "",
		     key) >= (int)sizeof(out->text))
		out->text[sizeof(out->text) - 1] = '\0';
}

static void where_index(struct where *out, const struct where *at, const char *key, size_t i)
{
	if (snprintf(out->text, sizeof(out->text), "%s%s%s[%zu]", at->text, at->text[0] ? "." : "",
		     key, i) >= (int)sizeof(out->text))
		out->text[sizeof(out->text) - 1] = '\0';
}

static bool refuse(struct scim_error *err, const struct where *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool refuse(struct scim_error *err, const struct where *at, const char *fmt, ...)
{
	char detail[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	return error_set(err, 400, SCIM_INVALID_VALUE, "%s%s%s", at->text, at->text[0] ? ": " : "",
			 detail);
}

struct word {
	const char *text;
	int value;
};

static const struct word types[] = {
	{ "string", ATTR_STRING }, { "boolean", ATTR_BOOLEAN }, { "decimal", ATTR_DECIMAL },
	{ "integer", ATTR_INTEGER }, { "dateTime", ATTR_DATETIME }, { "reference", ATTR_REFERENCE },
	{ "binary", ATTR_BINARY }, { "complex", ATTR_COMPLEX }, { NULL, 0 },
};
static const struct word mutabilities[] = {
	{ "readWrite", MUT_READ_WRITE }, { "readOnly", MUT_READ_ONLY },
	{ "immutable", MUT_IMMUTABLE }, { "writeOnly", MUT_WRITE_ONLY }, { NULL, 0 },
};
static const struct word returns[] = {
	{ "default", RET_DEFAULT }, { "always", RET_ALWAYS }, { "never", RET_NEVER },
	{ "request", RET_REQUEST }, { NULL, 0 },
};
static const struct word uniquenesses[] = {
	{ "none", UNIQ_NONE }, { "server", UNIQ_SERVER }, { "global", UNIQ_GLOBAL }, { NULL, 0 },
};

/* One of `words` (as RFC 7643 spells it; any case read), or `fallback`
 * when absent. */
static bool read_word(const json_t *obj, const char *key, const struct word *words, int fallback,
		      int *out, const struct where *at, struct scim_error *err)
{
	const json_t *v = json_object_get(obj, key);
	struct where here;
	char accepted[160] = "";
	size_t i;

	*out = fallback;
	if (v == NULL)
		return true;
	where_key(&here, at, key);
	for (i = 0; words[i].text != NULL; i++) {
		if (json_is_string(v) && strcasecmp(json_string_value(v), words[i].text) == 0) {
			*out = words[i].value;
			return true;
		}
		snprintf(accepted + strlen(accepted), sizeof(accepted) - strlen(accepted), "%s%s",
			 i > 0 ? ", " : "", words[i].text);
	}
	if (!json_is_string(v))
		return refuse(err, &here, "not a string: one of %s", accepted);
	return refuse(err, &here, "\"%.40s\" is not one of %s", json_string_value(v), accepted);
}

static bool read_bool(const json_t *obj, const char *key, bool *out, const struct where *at,
		      struct scim_error *err)
{
	const json_t *v = json_object_get(obj, key);
	struct where here;

	*out = false;
	if (v == NULL)
		return true;
	if (!json_is_boolean(v)) {
		where_key(&here, at, key);
		return refuse(err, &here, "not true or false");
	}
	*out = json_is_true(v);
	return true;
}

static char *copy(const char *text)
{
	char *s = strdup(text);

	if (s == NULL)
		abort();
	return s;
}

/* An optional string of at most `max` bytes; NULL when absent. */
static bool read_text(const json_t *obj, const char *key, size_t max, char **out,
		      const struct where *at, struct scim_error *err)
{
	const json_t *v = json_object_get(obj, key);
	struct where here;

	*out = NULL;
	if (v == NULL)
		return true;
	where_key(&here, at, key);
	if (!json_is_string(v))
		return refuse(err, &here, "not a string");
	if (strlen(json_string_value(v)) > max)
		return refuse(err, &here, "longer than %zu bytes", max);
	*out = copy(json_string_value(v));
	return true;
}

/* Every key of `obj` is one of `known`. */
static bool only_keys(const json_t *obj, const char *const *known, const char *what,
		      const struct where *at, struct scim_error *err)
{
	const char *key;
	json_t *v;
	size_t i;

	json_object_foreach((json_t *)obj, key, v) {
		struct where here;

		for (i = 0; known[i] != NULL && strcmp(known[i], key) != 0; i++)
			;
		if (known[i] == NULL) {
			where_key(&here, at, key);
			return refuse(err, &here, "not %s of RFC 7643 section 7", what);
		}
	}
	return true;
}

/* RFC 7643 2.1: ATTRNAME = ALPHA *(nameChar); "$ref" names a reference
 * sub-attribute. */
static bool name_valid(const char *name, bool sub)
{
	const char *p;

	if (sub && strcmp(name, "$ref") == 0)
		return true;
	if (!isalpha((unsigned char)name[0]) || strlen(name) > EXTENSION_MAX_NAME)
		return false;
	for (p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
			return false;
	return true;
}

/* A NULL-terminated list of distinct strings from an array. */
static bool read_list(const json_t *obj, const char *key, size_t max_items, size_t max_len,
		      const char *const **out, const struct where *at, struct scim_error *err)
{
	const json_t *v = json_object_get(obj, key);
	struct where here;
	const char **list;
	size_t i, j;

	*out = NULL;
	if (v == NULL)
		return true;
	where_key(&here, at, key);
	if (!json_is_array(v))
		return refuse(err, &here, "not an array of strings");
	if (json_array_size(v) > max_items)
		return refuse(err, &here, "more than %zu values", max_items);
	list = calloc(json_array_size(v) + 1, sizeof(*list));
	if (list == NULL)
		abort();
	*out = list;
	for (i = 0; i < json_array_size(v); i++) {
		const json_t *item = json_array_get(v, i);
		struct where item_at;

		where_index(&item_at, at, key, i);
		if (!json_is_string(item) || json_string_value(item)[0] == '\0')
			return refuse(err, &item_at, "not a string");
		if (strlen(json_string_value(item)) > max_len)
			return refuse(err, &item_at, "longer than %zu bytes", max_len);
		for (j = 0; j < i; j++)
			if (strcmp(list[j], json_string_value(item)) == 0)
				return refuse(err, &item_at, "\"%.40s\" is listed twice", list[j]);
		list[i] = copy(json_string_value(item));
	}
	return true;
}

static bool read_attrs(const json_t *array, bool sub, struct attr_def **out,
		       const struct where *at, const char *key, struct scim_error *err);

static bool read_attr(const json_t *obj, bool sub, struct attr_def *a, const struct where *at,
		      struct scim_error *err)
{
	static const char *const known[] = {
		"name", "type", "multiValued", "description", "required", "canonicalValues",
		"caseExact", "mutability", "returned", "uniqueness", "referenceTypes",
		"subAttributes", NULL
	};
	const json_t *name = json_object_get(obj, "name");
	struct where here;
	char *text;
	int value;

	if (!json_is_object(obj))
		return refuse(err, at, "not an attribute object");
	if (!only_keys(obj, known, "an attribute characteristic", at, err))
		return false;
	where_key(&here, at, "name");
	if (!json_is_string(name))
		return refuse(err, &here, "missing: every attribute has a name");
	if (!name_valid(json_string_value(name), sub))
		return refuse(err, &here, "\"%.70s\" is not an attribute name (a letter, then letters, "
			      "digits, '-' or '_'; %d at most)", json_string_value(name),
			      EXTENSION_MAX_NAME);
	a->name = copy(json_string_value(name));
	if (!read_word(obj, "type", types, ATTR_STRING, &value, at, err))
		return false;
	a->type = (enum attr_type)value;
	if (!read_word(obj, "mutability", mutabilities, MUT_READ_WRITE, &value, at, err))
		return false;
	a->mutability = (enum attr_mutability)value;
	if (!read_word(obj, "returned", returns, RET_DEFAULT, &value, at, err))
		return false;
	a->returned = (enum attr_returned)value;
	if (!read_word(obj, "uniqueness", uniquenesses, UNIQ_NONE, &value, at, err))
		return false;
	a->uniqueness = (enum attr_uniqueness)value;
	if (!read_bool(obj, "multiValued", &a->multi_valued, at, err) ||
	    !read_bool(obj, "required", &a->required, at, err) ||
	    !read_bool(obj, "caseExact", &a->case_exact, at, err) ||
	    !read_text(obj, "description", EXTENSION_MAX_TEXT, &text, at, err))
		return false;
	a->description = text;
	if (!read_list(obj, "canonicalValues", EXTENSION_MAX_CANONICAL_VALUES, EXTENSION_MAX_TEXT,
		       &a->canonical_values, at, err) ||
	    !read_list(obj, "referenceTypes", 20, EXTENSION_MAX_NAME, &a->reference_types, at, err))
		return false;

	/* What this service could not honour, or no client could satisfy. */
	if (a->uniqueness == UNIQ_GLOBAL) {
		where_key(&here, at, "uniqueness");
		return refuse(err, &here, "\"global\" cannot be enforced by one service provider: "
			      "none or server");
	}
	if (a->uniqueness == UNIQ_SERVER && (sub || a->multi_valued || a->type == ATTR_COMPLEX ||
					     a->type == ATTR_BOOLEAN)) {
		where_key(&here, at, "uniqueness");
		return refuse(err, &here, "\"server\" is for a single-valued attribute of its own "
			      "(not a sub-attribute, not complex, not boolean)");
	}
	/* Kept out of answers, filters and sort keys: an attribute of its own,
	 * single-valued and simple (a value inside another would show through
	 * its parent). */
	if ((a->returned == RET_NEVER || a->returned == RET_REQUEST ||
	     a->mutability == MUT_WRITE_ONLY) &&
	    (sub || a->multi_valued || a->type == ATTR_COMPLEX)) {
		where_key(&here, at, a->mutability == MUT_WRITE_ONLY ? "mutability" : "returned");
		return refuse(err, &here, "\"%s\" is for a single-valued attribute of its own "
			      "(not a sub-attribute, not multi-valued, not complex)",
			      a->mutability == MUT_WRITE_ONLY ? "writeOnly" :
			      a->returned == RET_NEVER ? "never" : "request");
	}
	/* Filters compare a multi-valued attribute's values as text. */
	if (a->multi_valued && (a->type == ATTR_INTEGER || a->type == ATTR_DECIMAL ||
				a->type == ATTR_DATETIME)) {
		where_key(&here, at, "multiValued");
		return refuse(err, &here, "a multi-valued %s is not supported: make it a complex "
			      "attribute with a \"value\" sub-attribute",
			      a->type == ATTR_DATETIME ? "dateTime" : "number");
	}
	if (a->required && a->mutability == MUT_READ_ONLY) {
		where_key(&here, at, "required");
		return refuse(err, &here, "a required attribute that is readOnly: no client could "
			      "set it");
	}
	if (a->canonical_values != NULL && a->type != ATTR_STRING && a->type != ATTR_REFERENCE) {
		where_key(&here, at, "canonicalValues");
		return refuse(err, &here, "only for a string or reference attribute");
	}
	if (a->reference_types != NULL && a->type != ATTR_REFERENCE) {
		where_key(&here, at, "referenceTypes");
		return refuse(err, &here, "only for a reference attribute");
	}
	if (a->type == ATTR_COMPLEX) {
		struct attr_def *subs;

		if (sub) {
			where_key(&here, at, "type");
			return refuse(err, &here, "a sub-attribute cannot be complex (RFC 7643 2.3.8)");
		}
		if (json_object_get(obj, "subAttributes") == NULL) {
			where_key(&here, at, "subAttributes");
			return refuse(err, &here, "missing: a complex attribute has sub-attributes");
		}
		if (!read_attrs(json_object_get(obj, "subAttributes"), true, &subs, at,
				"subAttributes", err)) {
			a->sub_attrs = subs;
			return false;
		}
		a->sub_attrs = subs;
	} else if (json_object_get(obj, "subAttributes") != NULL) {
		where_key(&here, at, "subAttributes");
		return refuse(err, &here, "only for a complex attribute");
	}
	return true;
}

static bool read_attrs(const json_t *array, bool sub, struct attr_def **out,
		       const struct where *at, const char *key, struct scim_error *err)
{
	size_t max = sub ? EXTENSION_MAX_SUB_ATTRIBUTES : EXTENSION_MAX_ATTRIBUTES;
	struct attr_def *attrs;
	struct where here;
	size_t i, j;

	*out = NULL;
	where_key(&here, at, key);
	if (!json_is_array(array) || json_array_size(array) == 0)
		return refuse(err, &here, "not an array of one attribute or more");
	if (json_array_size(array) > max)
		return refuse(err, &here, "more than %zu attributes", max);
	attrs = calloc(json_array_size(array) + 1, sizeof(*attrs));
	if (attrs == NULL)
		abort();
	*out = attrs;
	for (i = 0; i < json_array_size(array); i++) {
		struct where item;

		where_index(&item, at, key, i);
		if (!read_attr(json_array_get(array, i), sub, &attrs[i], &item, err))
			return false;
		for (j = 0; j < i; j++)
			if (strcasecmp(attrs[j].name, attrs[i].name) == 0) {
				where_key(&here, &item, "name");
				return refuse(err, &here, "\"%s\" is %s[%zu] already (names are "
					      "compared without case)", attrs[i].name, key, j);
			}
	}
	return true;
}

/* A URN of its own: not the core's, not a message's. */
static bool urn_valid(const char *urn)
{
	const char *p;

	if (strncasecmp(urn, "urn:", 4) != 0 || strlen(urn) > EXTENSION_MAX_URN ||
	    urn[strlen(urn) - 1] == ':')
		return false;
	for (p = urn; *p; p++)
		if (!isalnum((unsigned char)*p) && strchr(":._-", *p) == NULL)
			return false;
	return true;
}

struct schema_def *extension_from_json(const json_t *doc, struct scim_error *err)
{
	static const char *const known[] = { "schemas", "id", "name", "description", "attributes",
					     "meta", NULL };
	struct schema_def *schema;
	struct attr_def *attrs = NULL;
	const json_t *id = json_object_get(doc, "id");
	struct where top = { "" }, here;
	char *text;
	bool ok;

	if (!json_is_object(doc)) {
		refuse(err, &top, "a schema is a JSON object (RFC 7643 section 7)");
		return NULL;
	}
	if (!only_keys(doc, known, "a schema attribute", &top, err))
		return NULL;
	where_key(&here, &top, "id");
	if (!json_is_string(id)) {
		refuse(err, &here, "missing: the schema's URN");
		return NULL;
	}
	if (!urn_valid(json_string_value(id))) {
		refuse(err, &here, "\"%.80s\" is not a URN (urn:, then letters, digits, ':', "
		       "'.', '_' or '-'; %d at most)", json_string_value(id), EXTENSION_MAX_URN);
		return NULL;
	}
	if (strncasecmp(json_string_value(id), "urn:ietf:params:scim:schemas:core:", 34) == 0 ||
	    strncasecmp(json_string_value(id), "urn:ietf:params:scim:api:", 25) == 0 ||
	    strcasecmp(json_string_value(id), SCHEMA_URN_ENTERPRISE_USER) == 0) {
		refuse(err, &here, "%s is a schema of RFC 7643 or 7644, not an extension",
		       json_string_value(id));
		return NULL;
	}
	schema = calloc(1, sizeof(*schema));
	if (schema == NULL)
		abort();
	schema->urn = copy(json_string_value(id));
	ok = read_text(doc, "name", EXTENSION_MAX_TEXT, &text, &top, err);
	schema->name = text;
	if (ok) {
		ok = read_text(doc, "description", EXTENSION_MAX_TEXT, &text, &top, err);
		schema->description = text;
	}
	if (ok) {
		where_key(&here, &top, "attributes");
		if (json_object_get(doc, "attributes") == NULL)
			ok = refuse(err, &here, "missing: an extension has attributes");
		else
			ok = read_attrs(json_object_get(doc, "attributes"), false, &attrs, &top,
					"attributes", err);
		schema->attrs = attrs;
	}
	if (!ok) {
		extension_free(schema);
		return NULL;
	}
	return schema;
}

static void free_list(const char *const *list)
{
	size_t i;

	for (i = 0; list != NULL && list[i] != NULL; i++)
		free((char *)list[i]);
	free((void *)list);
}

static void free_attrs(const struct attr_def *attrs)
{
	const struct attr_def *a;

	if (attrs == NULL)
		return;
	/* A table cut short by a refusal ends at its first unnamed entry. */
	for (a = attrs; a->name != NULL; a++) {
		free((char *)a->name);
		free((char *)a->description);
		free_list(a->canonical_values);
		free_list(a->reference_types);
		free_attrs(a->sub_attrs);
	}
	/* The entry a refusal left half read. */
	free((char *)a->description);
	free_list(a->canonical_values);
	free_list(a->reference_types);
	free_attrs(a->sub_attrs);
	free((void *)attrs);
}

void extension_free(struct schema_def *schema)
{
	if (schema == NULL)
		return;
	free((char *)schema->urn);
	free((char *)schema->name);
	free((char *)schema->description);
	free_attrs(schema->attrs);
	free(schema);
}

/* 16 hex digits of the SHA-256 of `a`, a NUL and `b`, in lower case. */
static void digest16(const char *a, const char *b, char out[17])
{
	char text[EXTENSION_MAX_URN + 64 + 2];
	uint8_t digest[SHA256_DIGEST_LENGTH];
	char hex[SHA256_HEX_LENGTH + 1];
	size_t len = 0, i;

	for (i = 0; a[i] != '\0' && len < sizeof(text) - 2; i++)
		text[len++] = (char)tolower((unsigned char)a[i]);
	text[len++] = '\0';
	for (i = 0; b[i] != '\0' && len < sizeof(text) - 1; i++)
		text[len++] = (char)tolower((unsigned char)b[i]);
	sha256(text, len, digest);
	sha256_hex(digest, hex);
	memcpy(out, hex, 16);
	out[16] = '\0';
}

void extension_index_prefix(const char *tenant_id, const char *urn,
			    char out[EXTENSION_INDEX_NAME_SIZE])
{
	char digest[17];

	digest16(tenant_id, urn, digest);
	snprintf(out, EXTENSION_INDEX_NAME_SIZE, "scim_ext_%s_", digest);
}

void extension_index_name(const char *tenant_id, const char *urn, const char *attribute,
			  char out[EXTENSION_INDEX_NAME_SIZE])
{
	char digest[17];

	extension_index_prefix(tenant_id, urn, out);
	digest16(attribute, "", digest);
	snprintf(out + strlen(out), EXTENSION_INDEX_NAME_SIZE - strlen(out), "%s", digest);
}
