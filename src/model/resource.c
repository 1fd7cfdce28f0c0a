/* resource.c - client JSON to stored document and back; see resource.h. */
#include "resource.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "datetime.h"

void stored_resource_clear(struct stored_resource *row)
{
	free(row->sort_key);
	json_decref(row->doc);
	json_decref(row->groups);
	memset(row, 0, sizeof(*row));
}

bool resource_id_valid(const char *id)
{
	size_t i;

	if (id == NULL || strlen(id) != 36)
		return false;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (id[i] != '-')
				return false;
		} else if (!isxdigit((unsigned char)id[i])) {
			return false;
		}
	}
	return true;
}

void resource_version_tag(long long version, char out[32])
{
	snprintf(out, 32, "W/\"%lld\"", version);
}

static json_t *normalize_value(const struct attr_def *attr, json_t *value,
			       const char *where, struct scim_error *err);

json_t *resource_get_ci(const json_t *object, const char *name)
{
	const char *key;
	json_t *value;

	if (!json_is_object(object))
		return NULL;
	value = json_object_get(object, name);
	if (value != NULL)
		return value;
	json_object_foreach((json_t *)object, key, value) {
		if (strcasecmp(key, name) == 0)
			return value;
	}
	return NULL;
}

/* A boolean, or Entra's "True"/"False" strings. */
static json_t *normalize_boolean(json_t *value, const char *where,
				 struct scim_error *err)
{
	const char *text;

	if (json_is_boolean(value))
		return json_incref(value);
	if (json_is_string(value)) {
		text = json_string_value(value);
		if (strcasecmp(text, "true") == 0)
			return json_true();
		if (strcasecmp(text, "false") == 0)
			return json_false();
	}
	error_set(err, 400, SCIM_INVALID_VALUE, "%s must be a boolean", where);
	return NULL;
}

/* Entra sends the values of custom attributes as strings: "42". */
static json_t *integer_of(const json_t *value)
{
	const char *text = json_string_value(value);
	char *end;
	long long n;

	if (json_is_integer(value))
		return json_incref((json_t *)value);
	/* The range first: a cast of 1e300 would be undefined. */
	if (json_is_real(value) && json_real_value(value) > -9e15 && json_real_value(value) < 9e15 &&
	    json_real_value(value) == (double)(long long)json_real_value(value))
		return json_integer((json_int_t)json_real_value(value));
	if (text == NULL || text[0] == '\0' || isspace((unsigned char)text[0]))
		return NULL;
	errno = 0;
	n = strtoll(text, &end, 10);
	return *end == '\0' && errno == 0 ? json_integer((json_int_t)n) : NULL;
}

static json_t *decimal_of(const json_t *value)
{
	const char *text = json_string_value(value);
	char *end;
	double d;

	if (json_is_number(value))
		return json_incref((json_t *)value);
	if (text == NULL || text[0] == '\0' || isspace((unsigned char)text[0]))
		return NULL;
	errno = 0;
	d = strtod(text, &end);
	/* JSON numbers only: no "inf", "nan" or hex. */
	if (*end != '\0' || errno != 0 || !isfinite(d) || strpbrk(text, "xXiInN") != NULL)
		return NULL;
	return json_real(d);
}

/* RFC 7643 2.3.6: base64 (RFC 4648 section 4), padded or not. */
static bool base64_valid(const char *text, size_t len)
{
	size_t cap = len / 4 * 3 + 3;
	unsigned char *bin = malloc(cap);
	size_t out;
	bool ok;

	if (bin == NULL)
		abort();
	ok = sodium_base642bin(bin, cap, text, len, NULL, &out, NULL,
			       sodium_base64_VARIANT_ORIGINAL) == 0 ||
	     sodium_base642bin(bin, cap, text, len, NULL, &out, NULL,
			       sodium_base64_VARIANT_ORIGINAL_NO_PADDING) == 0;
	free(bin);
	return ok;
}

static json_t *normalize_scalar(const struct attr_def *attr, json_t *value,
				const char *where, struct scim_error *err)
{
	struct datetime when;
	json_t *coerced;

	/* Entra's older jobs send {"$ref":null,"value":"x"} for a plain value. */
	if (json_is_object(value) && json_object_get(value, "value") != NULL)
		value = json_object_get(value, "value");

	switch (attr->type) {
	case ATTR_BOOLEAN:
		return normalize_boolean(value, where, err);
	case ATTR_INTEGER:
		if ((coerced = integer_of(value)) != NULL)
			return coerced;
		break;
	case ATTR_DECIMAL:
		if ((coerced = decimal_of(value)) != NULL)
			return coerced;
		break;
	case ATTR_DATETIME:
		if (json_is_string(value) &&
		    datetime_parse(json_string_value(value), json_string_length(value), &when))
			return json_incref(value);
		break;
	case ATTR_BINARY:
		if (json_is_string(value) &&
		    base64_valid(json_string_value(value), json_string_length(value)))
			return json_incref(value);
		break;
	case ATTR_COMPLEX:
		break;
	default:
		if (json_is_string(value))
			return json_incref(value);
		break;
	}
	error_set(err, 400, SCIM_INVALID_VALUE, "%s has the wrong type", where);
	return NULL;
}

json_t *resource_role_unwrap(const struct attr_def *attr, const json_t *element)
{
	const char *key;
	const char *text;
	json_t *inner;
	json_t *out;
	json_t *v;

	if (strcmp(attr->name, "roles") != 0 || !json_is_object(element))
		return NULL;
	text = json_string_value(resource_get_ci(element, "value"));
	if (text == NULL || text[0] != '{')
		return NULL;
	inner = json_loads(text, 0, NULL);
	if (!json_is_string(resource_get_ci(inner, "value"))) {
		json_decref(inner);
		return NULL; /* a value that only looks like JSON */
	}
	out = json_object();
	json_object_foreach((json_t *)element, key, v)
		if (strcasecmp(key, "value") != 0)
			json_object_set(out, key, v);
	json_object_set(out, "value", resource_get_ci(inner, "value"));
	v = resource_get_ci(inner, "displayName");
	if (json_is_string(v) && resource_get_ci(out, "display") == NULL)
		json_object_set(out, "display", v);
	json_decref(inner);
	return out;
}

static json_t *normalize_complex(const struct attr_def *attr, json_t *value,
				 const char *where, struct scim_error *err)
{
	const struct attr_def *sub;
	json_t *unwrapped = resource_role_unwrap(attr, value);
	json_t *out;
	json_t *item;
	json_t *normalized;
	char sub_where[256];

	if (unwrapped != NULL)
		value = unwrapped;

	/* Entra sends the manager as a bare id, and "" to remove it. */
	if (json_is_string(value) && strcmp(attr->name, "manager") == 0) {
		if (json_string_length(value) == 0)
			return json_object();
		return json_pack("{s:O}", "value", value);
	}
	if (!json_is_object(value)) {
		error_set(err, 400, SCIM_INVALID_VALUE, "%s must be an object", where);
		return NULL;
	}
	out = json_object();
	for (sub = attr->sub_attrs; sub != NULL && sub->name != NULL; sub++) {
		item = resource_get_ci(value, sub->name);
		/* Samanage's Entra mapping sends roles as {"displayName":"role"}. */
		if (item == NULL && strcmp(sub->name, "display") == 0)
			item = resource_get_ci(value, "displayName");
		if (item == NULL || json_is_null(item) ||
		    sub->mutability == MUT_READ_ONLY)
			continue;
		/* resource_render() builds the manager's "$ref" from a value
		 * (GET shows it, PUT sends it back), as PATCH does. */
		if (strcmp(attr->name, "manager") == 0 && strcmp(sub->name, "$ref") == 0 &&
		    json_is_string(resource_get_ci(value, "value")))
			continue;
		snprintf(sub_where, sizeof(sub_where), "%s.%s", where, sub->name);
		normalized = normalize_scalar(sub, item, sub_where, err);
		if (normalized == NULL) {
			json_decref(unwrapped);
			json_decref(out);
			return NULL;
		}
		json_object_set_new(out, sub->name, normalized);
	}
	json_decref(unwrapped);
	/* A required sub-attribute (an extension's; no core one is). */
	for (sub = attr->sub_attrs; sub != NULL && sub->name != NULL; sub++) {
		if (sub->required && json_object_get(out, sub->name) == NULL) {
			error_set(err, 400, SCIM_INVALID_VALUE, "%s.%s is required", where, sub->name);
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

static json_t *normalize_one(const struct attr_def *attr, json_t *value,
			     const char *where, struct scim_error *err)
{
	if (attr->type == ATTR_COMPLEX)
		return normalize_complex(attr, value, where, err);
	return normalize_scalar(attr, value, where, err);
}

/* Returns NULL with err unset when the value is empty (nothing to store). */
static json_t *normalize_value(const struct attr_def *attr, json_t *value,
			       const char *where, struct scim_error *err)
{
	json_t *out;
	json_t *item;
	json_t *normalized;
	size_t i;

	if (json_is_null(value))
		return NULL;
	if (!attr->multi_valued) {
		/* Entra's older jobs wrap single values in an array. */
		if (json_is_array(value)) {
			if (json_array_size(value) == 0)
				return NULL;
			if (json_array_size(value) > 1) {
				error_set(err, 400, SCIM_INVALID_VALUE,
					  "%s is single-valued but got %zu values",
					  where, json_array_size(value));
				return NULL;
			}
			value = json_array_get(value, 0);
			if (json_is_null(value))
				return NULL;
		}
		out = normalize_one(attr, value, where, err);
		if (out != NULL && json_is_object(out) && json_object_size(out) == 0) {
			json_decref(out);
			return NULL;
		}
		return out;
	}
	out = json_array();
	if (!json_is_array(value)) {
		normalized = normalize_one(attr, value, where, err);
		if (normalized == NULL && error_is_set(err)) {
			json_decref(out);
			return NULL;
		}
		/* Nothing known in it ({"foo":"x"}): no value, as in the array case. */
		if (normalized != NULL && json_is_object(normalized) &&
		    json_object_size(normalized) == 0) {
			json_decref(normalized);
			normalized = NULL;
		}
		if (normalized != NULL)
			json_array_append_new(out, normalized);
	} else {
		json_array_foreach(value, i, item) {
			if (json_is_null(item))
				continue;
			normalized = normalize_one(attr, item, where, err);
			if (normalized == NULL) {
				json_decref(out);
				return NULL;
			}
			if (json_is_object(normalized) && json_object_size(normalized) == 0) {
				json_decref(normalized);
				continue;
			}
			if (json_array_size(out) >= RESOURCE_MAX_VALUES &&
			    strcmp(attr->name, "members") != 0) {
				json_decref(normalized);
				json_decref(out);
				error_set(err, 400, SCIM_INVALID_VALUE, "%s has more than %d values",
					  where, RESOURCE_MAX_VALUES);
				return NULL;
			}
			json_array_append_new(out, normalized);
		}
	}
	if (json_array_size(out) == 0) {
		json_decref(out);
		return NULL;
	}
	return out;
}

/*
 * Normalize the attributes of `schema` found in `src` into `dst`. `src` keys
 * are matched case-insensitively; `prefix_urn` names the schema in error
 * details of extensions.
 */
static bool normalize_schema_attrs(const struct schema_def *schema, const json_t *src,
				   json_t *dst, struct scim_error *err)
{
	const struct attr_def *attr;
	const char *key;
	json_t *value;
	json_t *normalized;

	for (attr = schema->attrs; attr->name != NULL; attr++) {
		/* Read-only attributes (groups) are never stored: clients send
		 * them, we ignore them; nor is the password, which this service
		 * authenticates nobody with. An extension's write-only attribute
		 * is stored, and never returned (resource_render). Members are
		 * rows of their own table (resource_normalize_attribute). */
		if (attr->mutability == MUT_READ_ONLY ||
		    (attr->mutability == MUT_WRITE_ONLY && schema == &schema_user) ||
		    (schema == &schema_group && strcmp(attr->name, "members") == 0))
			continue;
		json_object_foreach((json_t *)src, key, value) {
			if (strcasecmp(key, attr->name) != 0)
				continue;
			normalized = normalize_value(attr, value, attr->name, err);
			if (normalized == NULL) {
				if (error_is_set(err))
					return false;
				continue;
			}
			json_object_set_new(dst, attr->name, normalized);
		}
	}
	return true;
}

/* Move "urn:...:enterprise:2.0:User:employeeNumber": "x" keys into their
 * extension object, so that both spellings normalize alike. */
static json_t *gather_extension(const struct resource_type_def *rt,
				const struct schema_def *ext, const json_t *body)
{
	const struct schema_def *found;
	const char *key;
	json_t *value;
	json_t *gathered = json_object();
	size_t offset;

	json_object_foreach((json_t *)body, key, value) {
		found = schema_split_urn(rt, key, &offset);
		if (found != ext)
			continue;
		if (key[offset] == '\0') {
			if (json_is_object(value))
				json_object_update(gathered, value);
			continue;
		}
		json_object_set(gathered, key + offset, value);
	}
	return gathered;
}

void resource_ignored_add(json_t **ignored, const char *prefix, const char *name)
{
	char full[512];

	if (*ignored == NULL)
		*ignored = json_array();
	if (json_array_size(*ignored) >= RESOURCE_IGNORED_MAX)
		return;
	snprintf(full, sizeof(full), "%s%s%s", prefix, prefix[0] ? ":" : "", name);
	json_array_append_new(*ignored, json_string(full));
}

/* The keys of an extension's object (or of an unknown URN's) that `ext`
 * does not know (every key, when ext is NULL). */
static void ignore_unknown_keys(json_t **ignored, const char *urn, const struct schema_def *ext,
				const json_t *object)
{
	const char *key;
	json_t *value;

	json_object_foreach((json_t *)object, key, value) {
		if (ext == NULL || schema_find_attr(ext->attrs, key, strcspn(key, ".")) == NULL)
			resource_ignored_add(ignored, urn, key);
	}
}

json_t *resource_ignored(const json_t *body, const struct resource_type_def *rt)
{
	static const char *const by_design[] = { "schemas", "id", "meta", "externalId", "password",
						 NULL };
	const struct schema_def *ext;
	json_t *ignored = NULL;
	const char *key;
	json_t *value;
	size_t offset;
	size_t i;

	if (!json_is_object(body))
		return NULL;
	json_object_foreach((json_t *)body, key, value) {
		for (i = 0; by_design[i] != NULL && strcasecmp(by_design[i], key) != 0; i++)
			;
		if (by_design[i] != NULL || schema_find_attr(rt->core->attrs, key, strlen(key)) != NULL)
			continue;
		ext = schema_split_urn(rt, key, &offset);
		if (ext != NULL && ext != rt->core && key[offset] == '\0') {
			if (json_is_object(value))
				ignore_unknown_keys(&ignored, ext->urn, ext, value);
		} else if (ext != NULL) {
			if (schema_find_attr(ext->attrs, key + offset, strcspn(key + offset, ".")) == NULL)
				resource_ignored_add(&ignored, "", key);
		} else if (strncasecmp(key, "urn:", 4) == 0 && json_is_object(value)) {
			/* An extension this tenant has not loaded. */
			ignore_unknown_keys(&ignored, key, NULL, value);
		} else {
			resource_ignored_add(&ignored, "", key);
		}
	}
	return ignored;
}

bool resource_required_extensions(const json_t *doc, const struct resource_type_def *rt,
				  struct scim_error *err)
{
	const struct schema_def *const *ext;

	for (ext = rt->extensions; ext != NULL && *ext != NULL; ext++)
		if (rt->extension_required != NULL && rt->extension_required[ext - rt->extensions] &&
		    json_object_get(doc, (*ext)->urn) == NULL)
			return error_set(err, 400, SCIM_INVALID_VALUE, "%s is required: the resource "
					 "type requires this extension", (*ext)->urn);
	return true;
}

bool resource_keep_immutable(const json_t *before, json_t *after,
			     const struct resource_type_def *rt, struct scim_error *err)
{
	const struct schema_def *const *ext;
	const struct attr_def *attr;

	for (ext = rt->extensions; ext != NULL && *ext != NULL; ext++) {
		const json_t *old = json_object_get(before, (*ext)->urn);
		json_t *new = json_object_get(after, (*ext)->urn);

		for (attr = (*ext)->attrs; old != NULL && attr->name != NULL; attr++) {
			const json_t *kept = json_object_get(old, attr->name);
			const json_t *sent = new != NULL ? json_object_get(new, attr->name) : NULL;

			if (attr->mutability != MUT_IMMUTABLE || kept == NULL)
				continue;
			if (sent != NULL && !json_equal(kept, sent))
				return error_set(err, 400, SCIM_MUTABILITY, "%s:%s is immutable: it has "
						 "a value already", (*ext)->urn, attr->name);
			if (sent == NULL) {
				if (new == NULL) {
					new = json_object();
					json_object_set_new(after, (*ext)->urn, new);
					json_array_append_new(json_object_get(after, "schemas"),
							      json_string((*ext)->urn));
				}
				json_object_set(new, attr->name, (json_t *)kept);
			}
		}
	}
	return true;
}

/* The required attributes of `schema` are in `doc` (its part of the
 * document); an extension's are named with its URN. */
static bool required_present(const struct schema_def *schema, const json_t *doc,
			     struct scim_error *err)
{
	const struct attr_def *required;
	const json_t *value;
	bool core = schema->urn == NULL || strncmp(schema->urn, "urn:ietf:params:scim:schemas:core:",
						   34) == 0;

	for (required = schema->attrs; required->name != NULL; required++) {
		if (!required->required)
			continue;
		value = json_object_get(doc, required->name);
		if (value == NULL || (json_is_string(value) && json_string_length(value) == 0))
			return error_set(err, 400, SCIM_INVALID_VALUE, "%s%s%s is required",
					 core ? "" : schema->urn, core ? "" : ":", required->name);
	}
	return true;
}

json_t *resource_normalize(const json_t *body, const struct resource_type_def *rt,
			   struct scim_error *err)
{
	const struct schema_def *const *ext;
	json_t *doc;
	json_t *schemas;
	json_t *ext_src;
	json_t *ext_doc;
	json_t *value;
	const char *key;

	if (!json_is_object(body)) {
		error_set(err, 400, SCIM_INVALID_SYNTAX, "the request body must be a JSON object");
		return NULL;
	}
	doc = json_object();
	schemas = json_array();
	json_array_append_new(schemas, json_string(rt->core->urn));
	json_object_set_new(doc, "schemas", schemas);

	json_object_foreach((json_t *)body, key, value) {
		if (strcasecmp(key, "externalId") != 0 || json_is_null(value))
			continue;
		if (!json_is_string(value)) {
			error_set(err, 400, SCIM_INVALID_VALUE, "externalId must be a string");
			goto failed;
		}
		if (json_string_length(value) > 0)
			json_object_set(doc, "externalId", value);
	}
	if (!normalize_schema_attrs(rt->core, body, doc, err))
		goto failed;

	for (ext = rt->extensions; ext != NULL && *ext != NULL; ext++) {
		ext_src = gather_extension(rt, *ext, body);
		ext_doc = json_object();
		if (!normalize_schema_attrs(*ext, ext_src, ext_doc, err)) {
			json_decref(ext_src);
			json_decref(ext_doc);
			goto failed;
		}
		json_decref(ext_src);
		if (json_object_size(ext_doc) == 0) {
			json_decref(ext_doc);
			continue;
		}
		json_object_set_new(doc, (*ext)->urn, ext_doc);
		json_array_append_new(schemas, json_string((*ext)->urn));
	}

	/* RFC 7643 2.4: a required attribute must be present (PUT and POST). */
	if (!required_present(rt->core, doc, err))
		goto failed;
	for (ext = rt->extensions; ext != NULL && *ext != NULL; ext++) {
		ext_doc = json_object_get(doc, (*ext)->urn);
		/* An extension's required attributes, when it is there at all. */
		if (ext_doc != NULL && !required_present(*ext, ext_doc, err))
			goto failed;
	}
	return doc;

failed:
	json_decref(doc);
	return NULL;
}

json_t *resource_normalize_attribute(const json_t *body, const struct resource_type_def *rt,
				     const char *name, struct scim_error *err)
{
	const struct attr_def *attr = schema_find_attr(rt->core->attrs, name, strlen(name));
	json_t *value = json_is_object(body) ? resource_get_ci(body, name) : NULL;
	json_t *out;

	if (attr == NULL) {
		error_set(err, 500, NULL, "no attribute %s in %s", name, rt->name);
		return NULL;
	}
	if (value == NULL)
		return attr->multi_valued ? json_array() : NULL;
	out = normalize_value(attr, value, attr->name, err);
	if (out == NULL && !error_is_set(err) && attr->multi_valued)
		return json_array();
	return out;
}

/* Add "$ref" to the enterprise manager: clients expect {"value","$ref"}. */
static void render_manager(json_t *out, const char *base_url)
{
	json_t *ext = json_object_get(out, SCHEMA_URN_ENTERPRISE_USER);
	json_t *manager = ext ? json_object_get(ext, "manager") : NULL;
	const char *id = manager ? json_string_value(json_object_get(manager, "value")) : NULL;
	char ref[1024];

	if (id == NULL)
		return;
	snprintf(ref, sizeof(ref), "%s/Users/%s", base_url, id);
	json_object_set_new(manager, "$ref", json_string(ref));
}

/* A user's groups as read from the store, each with its $ref. */
static void render_groups(json_t *out, const json_t *stored, const char *base_url)
{
	json_t *groups;
	json_t *g;
	char ref[1024];
	size_t i;

	if (json_array_size(stored) == 0)
		return;
	groups = json_array();
	json_array_foreach(stored, i, g) {
		const char *id = json_string_value(json_object_get(g, "value"));

		if (id == NULL)
			continue;
		snprintf(ref, sizeof(ref), "%s/Groups/%s", base_url, id);
		json_array_append_new(groups, json_pack("{s:s, s:s, s:O?, s:O?}", "value", id,
							"$ref", ref,
							"display", json_object_get(g, "display"),
							"type", json_object_get(g, "type")));
	}
	json_object_set_new(out, "groups", groups);
}

json_t *resource_render(const struct stored_resource *row,
			const struct resource_type_def *rt, const char *base_url)
{
	const struct schema_def *const *ext;
	const struct attr_def *attr;
	json_t *out = json_object();
	json_t *value;
	char location[1024];
	char tag[32];

	/* The stored jsonb has its own key order: answer in schema order. */
	json_object_set(out, "schemas", json_object_get(row->doc, "schemas"));
	json_object_set_new(out, "id", json_string(row->id));
	value = json_object_get(row->doc, "externalId");
	if (value != NULL)
		json_object_set(out, "externalId", value);
	for (attr = rt->core->attrs; attr->name != NULL; attr++) {
		value = json_object_get(row->doc, attr->name);
		if (value != NULL)
			json_object_set_new(out, attr->name, json_deep_copy(value));
	}
	for (ext = rt->extensions; ext != NULL && *ext != NULL; ext++) {
		json_t *stored = json_object_get(row->doc, (*ext)->urn);
		json_t *ordered;

		if (stored == NULL)
			continue;
		ordered = json_object();
		for (attr = (*ext)->attrs; attr->name != NULL; attr++) {
			value = json_object_get(stored, attr->name);
			/* RFC 7643 7: returned "never" (and what is writeOnly). */
			if (value != NULL && attr->returned != RET_NEVER &&
			    attr->mutability != MUT_WRITE_ONLY)
				json_object_set_new(ordered, attr->name, json_deep_copy(value));
		}
		if (json_object_size(ordered) > 0)
			json_object_set_new(out, (*ext)->urn, ordered);
		else
			json_decref(ordered);
	}
	if (rt->core == &schema_user) {
		render_manager(out, base_url);
		render_groups(out, row->groups, base_url);
	}

	snprintf(location, sizeof(location), "%s%s/%s", base_url, rt->endpoint, row->id);
	resource_version_tag(row->version, tag);
	json_object_set_new(out, "meta", json_pack("{s:s, s:s, s:s, s:s, s:s}",
						   "resourceType", rt->name,
						   "created", row->created,
						   "lastModified", row->last_modified,
						   "location", location,
						   "version", tag));
	return out;
}

/* One entry of an attributes list, resolved against the resource type. */
struct projection_path {
	const struct schema_def *schema; /* extension, or NULL for core/common */
	const char *attr;                /* canonical name */
	const char *sub;                 /* canonical sub-attribute name, or NULL */
	bool multi_valued;
};

/*
 * Resolve "urn:...:attr.sub", "attr.sub", "attr", or an extension's URN
 * (all of its attributes); false when unknown. A value filter,
 * "emails[type eq \"work\"]" (Microsoft's reference tests send it), names
 * the attribute: projection takes whole values.
 */
static bool projection_resolve(const struct resource_type_def *rt, const char *text,
			       struct projection_path *out)
{
	const struct schema_def *schema;
	struct attr_path ap;
	char name[128];
	char *dot;
	char *open;
	size_t offset = 0;

	schema = schema_split_urn(rt, text, &offset);
	if (schema != NULL && schema != rt->core && text[offset] == '\0') {
		out->schema = NULL;
		out->attr = schema->urn;
		out->sub = NULL;
		out->multi_valued = false;
		return true;
	}
	if (strlen(text + offset) >= sizeof(name) || text[offset] == '\0')
		return false;
	strcpy(name, text + offset);
	open = strchr(name, '[');
	if (open != NULL) {
		char *close = strchr(open, ']');

		if (close == NULL)
			return false;
		memmove(open, close + 1, strlen(close + 1) + 1);
	}
	dot = strchr(name, '.');
	if (dot != NULL)
		*dot++ = '\0';
	if (!schema_resolve(rt, schema ? schema->urn : NULL, name, dot, &ap))
		return false;
	out->schema = ap.schema != NULL && ap.schema != rt->core ? ap.schema : NULL;
	out->attr = ap.attr->name;
	out->sub = ap.sub ? ap.sub->name : NULL;
	out->multi_valued = ap.attr->multi_valued;
	return true;
}

/* Call `fn` for each resolvable path of a comma-separated list. */
static void projection_each(const struct resource_type_def *rt, const char *list,
			    void (*fn)(const struct projection_path *, void *), void *arg)
{
	struct projection_path path;
	char item[512];
	const char *p = list;
	size_t len;

	while (p != NULL && *p != '\0') {
		while (*p == ' ' || *p == ',')
			p++;
		len = strcspn(p, ",");
		while (len > 0 && p[len - 1] == ' ')
			len--;
		if (len > 0 && len < sizeof(item)) {
			memcpy(item, p, len);
			item[len] = '\0';
			if (projection_resolve(rt, item, &path))
				fn(&path, arg);
		}
		p += strcspn(p, ",");
	}
}

/* The object holding `path`'s attribute: the resource or its extension. */
static json_t *projection_container(json_t *resource, const struct projection_path *path,
				    bool create)
{
	json_t *ext;

	if (path->schema == NULL)
		return resource;
	ext = json_object_get(resource, path->schema->urn);
	if (ext == NULL && create) {
		ext = json_object();
		json_object_set_new(resource, path->schema->urn, ext);
	}
	return ext;
}

struct projection_copy {
	json_t *from;
	json_t *to;
};

/* Copy one requested attribute (or sub-attribute) into the projection. */
static void projection_keep(const struct projection_path *path, void *arg)
{
	struct projection_copy *copy = arg;
	json_t *src = projection_container(copy->from, path, false);
	json_t *value = src ? json_object_get(src, path->attr) : NULL;
	json_t *dst;
	json_t *kept;
	json_t *element;
	json_t *sub;
	size_t i;

	if (value == NULL)
		return;
	dst = projection_container(copy->to, path, true);
	if (path->sub == NULL) {
		json_object_set_new(dst, path->attr, json_deep_copy(value));
		return;
	}
	kept = json_object_get(dst, path->attr);
	if (!path->multi_valued) {
		sub = json_object_get(value, path->sub);
		if (sub == NULL)
			return;
		if (!json_is_object(kept)) {
			kept = json_object();
			json_object_set_new(dst, path->attr, kept);
		}
		json_object_set_new(kept, path->sub, json_deep_copy(sub));
		return;
	}
	/* emails.value: that sub-attribute of every element, element by element. */
	if (!json_is_array(kept) || json_array_size(kept) != json_array_size(value)) {
		kept = json_array();
		for (i = 0; i < json_array_size(value); i++)
			json_array_append_new(kept, json_object());
		json_object_set_new(dst, path->attr, kept);
	}
	json_array_foreach(value, i, element) {
		sub = json_object_get(element, path->sub);
		if (sub != NULL)
			json_object_set_new(json_array_get(kept, i), path->sub, json_deep_copy(sub));
	}
}

/* Remove one excluded attribute (or sub-attribute); id and schemas stay. */
static void projection_drop(const struct projection_path *path, void *arg)
{
	json_t *resource = arg;
	json_t *container = projection_container(resource, path, false);
	json_t *value = container ? json_object_get(container, path->attr) : NULL;
	json_t *element;
	size_t i;

	if (value == NULL || (path->schema == NULL && strcmp(path->attr, "id") == 0))
		return;
	if (path->sub == NULL) {
		json_object_del(container, path->attr);
		return;
	}
	if (json_is_object(value))
		json_object_del(value, path->sub);
	json_array_foreach(value, i, element)
		json_object_del(element, path->sub);
}

/* RFC 7643 7: an attribute returned "request" only when `attributes`
 * names it (an extension's; no core one is). */
static void drop_returned_on_request(json_t *resource, const struct resource_type_def *rt)
{
	const struct schema_def *const *ext;
	const struct attr_def *attr;

	for (ext = rt->extensions; ext != NULL && *ext != NULL; ext++) {
		json_t *object = json_object_get(resource, (*ext)->urn);

		for (attr = (*ext)->attrs; object != NULL && attr->name != NULL; attr++)
			if (attr->returned == RET_REQUEST)
				json_object_del(object, attr->name);
		if (object != NULL && json_object_size(object) == 0)
			json_object_del(resource, (*ext)->urn);
	}
}

void resource_project(json_t *resource, const struct resource_type_def *rt,
		      const char *attributes, const char *excluded)
{
	struct projection_copy copy;
	const char *key;
	json_t *value;
	void *tmp;

	if (attributes != NULL && *attributes != '\0') {
		copy.from = json_deep_copy(resource);
		copy.to = json_object();
		/* returned "always" (RFC 7643 7): id; schemas describes the rest. */
		json_object_set(copy.to, "schemas", json_object_get(copy.from, "schemas"));
		json_object_set(copy.to, "id", json_object_get(copy.from, "id"));
		projection_each(rt, attributes, projection_keep, &copy);
		json_object_clear(resource);
		json_object_foreach_safe(copy.to, tmp, key, value)
			json_object_set(resource, key, value);
		json_decref(copy.from);
		json_decref(copy.to);
		return;
	}
	drop_returned_on_request(resource, rt);
	if (excluded != NULL && *excluded != '\0')
		projection_each(rt, excluded, projection_drop, resource);
}

struct projection_probe {
	const char *name;
	bool sub_only; /* only a sub-attribute of it was named */
	bool named;
};

static void projection_find(const struct projection_path *path, void *arg)
{
	struct projection_probe *probe = arg;

	if (path->schema != NULL || strcmp(path->attr, probe->name) != 0)
		return;
	/* Only sub-attributes, whatever the order they are named in. */
	probe->sub_only = path->sub != NULL && (!probe->named || probe->sub_only);
	probe->named = true;
}

bool resource_projection_wants(const struct resource_type_def *rt, const char *attributes,
			       const char *excluded, const char *name)
{
	struct projection_probe probe = { .name = name };

	if (attributes != NULL && *attributes != '\0') {
		projection_each(rt, attributes, projection_find, &probe);
		return probe.named;
	}
	if (excluded != NULL && *excluded != '\0') {
		projection_each(rt, excluded, projection_find, &probe);
		return !probe.named || probe.sub_only;
	}
	return true;
}
