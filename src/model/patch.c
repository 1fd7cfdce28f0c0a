/*
 * patch.c - the PATCH engine (RFC 7644 section 3.5.2); see patch.h.
 *
 * Every operation works on a deep copy of the document; the copy is handed
 * out only when all operations succeeded, so a failing operation leaves
 * nothing applied. Values taken from the request body are always copied
 * before they are stored: the body is borrowed and must not change.
 *
 * Where Entra ID or Okta deviate from the RFC the deviation is served and
 * named in a comment where it is handled.
 */
#include "patch.h"
#include "resource.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "filter.h"

enum patch_op {
	PATCH_ADD,
	PATCH_REPLACE,
	PATCH_REMOVE,
};

/* State of one patch_apply() call. */
struct patch_ctx {
	const struct resource_type_def *rt;
	json_t *doc;            /* the working copy */
	json_t *member_changes; /* NULL until the first membership change */
	size_t index;           /* of the operation being applied */
	const char *where;      /* its path, or the key of a pathless value */
	bool where_is_key;
	struct scim_error *err;
	json_t *ignored;        /* NULL until an unknown extension is met */
};

/* An attribute of an extension the tenant does not have: ignored, as
 * Entra expects, and named for the provisioning log. */
static void patch_ignore(struct patch_ctx *ctx, const char *prefix, const char *name)
{
	resource_ignored_add(&ctx->ignored, prefix, name);
}

/* What one operation addresses, resolved against the schema. */
struct patch_target {
	const struct schema_def *schema;  /* NULL for id, externalId, meta */
	const struct attr_def *attr;
	const struct attr_def *sub;       /* sub-attribute, or NULL */
	const struct filter_node *filter; /* bracket filter, or NULL */
};

static const char *const patch_op_names[] = { "add", "replace", "remove" };

/* A 400 error naming the operation. Always returns false. */
static __attribute__((format(printf, 3, 4))) bool
patch_fail(struct patch_ctx *ctx, const char *scim_type, const char *fmt, ...)
{
	char detail[448];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	return error_set(ctx->err, 400, scim_type, "Operations[%zu]: %s",
			 ctx->index, detail);
}

/* Pass on an error from the filter code, naming the operation and path. */
static bool patch_fail_from(struct patch_ctx *ctx, const struct scim_error *inner)
{
	return error_set(ctx->err, inner->status ? inner->status : 400,
			 inner->scim_type, "Operations[%zu]: %s (path \"%s\")",
			 ctx->index, inner->detail, ctx->where);
}

/* "path" or "value key", for details. */
static const char *patch_where_kind(const struct patch_ctx *ctx)
{
	return ctx->where_is_key ? "value key" : "path";
}

/* A boolean in *out; false when `v` is none. Entra sends booleans as
 * strings: "True", "false". */
static bool value_boolean(const json_t *v, bool *out)
{
	const char *text = json_string_value(v);

	if (json_is_boolean(v))
		*out = json_is_true(v);
	else if (text != NULL && strcasecmp(text, "true") == 0)
		*out = true;
	else if (text != NULL && strcasecmp(text, "false") == 0)
		*out = false;
	else
		return false;
	return true;
}

static bool value_is_true(const json_t *v)
{
	bool b;

	return value_boolean(v, &b) && b;
}

/*
 * Equality of two values (NULL: absent) of attribute or sub-attribute `def`
 * (may be NULL) as resource_normalize() will store them: a boolean equals
 * its string spelling, strings compare per caseExact as filters do.
 */
static bool value_equal(const struct attr_def *def, const json_t *a, const json_t *b)
{
	bool x;
	bool y;

	if (a == NULL || b == NULL)
		return a == b;
	if (def != NULL && def->type == ATTR_BOOLEAN && value_boolean(a, &x) &&
	    value_boolean(b, &y))
		return x == y;
	if (def != NULL && json_is_string(a) && json_is_string(b))
		return filter_text_compare(json_string_value(a), json_string_length(a),
					   json_string_value(b), json_string_length(b),
					   def->case_exact) == 0;
	return json_equal(a, b);
}

static const struct attr_def *attr_sub(const struct attr_def *attr, const char *name)
{
	if (attr->sub_attrs == NULL)
		return NULL;
	return schema_find_attr(attr->sub_attrs, name, strlen(name));
}

/*
 * A singular complex attribute with a "value" sub-attribute: the
 * enterprise manager. Its value may come as a bare id, and it exists only
 * while it has a value.
 */
static bool attr_is_reference_like(const struct attr_def *attr)
{
	return attr->type == ATTR_COMPLEX && !attr->multi_valued &&
	       attr_sub(attr, "value") != NULL;
}

static bool attr_is_members(const struct patch_ctx *ctx, const struct patch_target *t)
{
	return ctx->rt->core == &schema_group && t->schema == ctx->rt->core &&
	       strcmp(t->attr->name, "members") == 0;
}

/* The object that holds the attributes of `schema`: the document, or the
 * extension's object (created when `create`). NULL when absent. */
static json_t *patch_container(struct patch_ctx *ctx, const struct schema_def *schema,
			       bool create)
{
	json_t *ext;

	if (schema == NULL || schema == ctx->rt->core)
		return ctx->doc;
	ext = json_object_get(ctx->doc, schema->urn);
	if (json_is_object(ext) || !create)
		return json_is_object(ext) ? ext : NULL;
	ext = json_object();
	json_object_set_new(ctx->doc, schema->urn, ext);
	return ext;
}

/* Delete json nulls from an object: in a value that replaces a whole
 * object they mean "not set". */
static void object_strip_nulls(json_t *obj)
{
	const char *key;
	json_t *v;
	void *tmp;

	json_object_foreach_safe(obj, tmp, key, v)
		if (json_is_null(v))
			json_object_del(obj, key);
}

/*
 * Set (or, when `value` is NULL, delete) sub-attribute `name` of `obj`.
 * Steals `value`. Fails with 400 mutability when `sub` is immutable and
 * already holds a different value.
 */
static bool object_set_sub(struct patch_ctx *ctx, json_t *obj, const struct attr_def *sub,
			   const char *name, json_t *value)
{
	json_t *cur = json_object_get(obj, name);

	if (sub != NULL && sub->mutability == MUT_IMMUTABLE && cur != NULL &&
	    !json_is_null(cur) && (value == NULL || !json_equal(cur, value))) {
		json_decref(value);
		return patch_fail(ctx, SCIM_MUTABILITY,
				  "sub-attribute \"%s\" is immutable", name);
	}
	if (value == NULL)
		json_object_del(obj, name);
	else
		json_object_set_new(obj, name, value);
	return true;
}

/*
 * RFC 7644 3.5.2: setting "primary" to true on one value sets it to false on
 * the others.
 */
static void primary_enforce(const struct attr_def *attr, json_t *array, const json_t *keep)
{
	size_t i;
	json_t *el;

	if (keep == NULL || attr_sub(attr, "primary") == NULL ||
	    !value_is_true(json_object_get(keep, "primary")))
		return;
	json_array_foreach(array, i, el)
		if (el != keep && value_is_true(json_object_get(el, "primary")))
			json_object_set_new(el, "primary", json_false());
}

/* Sub-attributes that do not tell values apart: which one is primary, and
 * the label shown for it. */
static bool sub_identifies(const struct attr_def *sub)
{
	return strcmp(sub->name, "primary") != 0 && strcmp(sub->name, "display") != 0;
}

/*
 * Is prepared value `el` of multi-valued `attr` the value `have` already
 * there? The sub-attributes that identify a value and that both give must
 * be equal (value_equal), and there must be one: what one side leaves out
 * does not count (Entra's role expressions send a role in PATCH without
 * the type POST gave it). Names the schema does not know are dropped on
 * storing and do not count.
 */
static bool element_there(const struct attr_def *attr, const json_t *have, const json_t *el)
{
	const struct attr_def *sub;
	const json_t *given;
	const json_t *there;
	bool any = false;

	if (attr->type != ATTR_COMPLEX)
		return value_equal(attr, have, el);
	if (!json_is_object(have) || !json_is_object(el))
		return json_equal(have, el);
	for (sub = attr->sub_attrs; sub->name != NULL; sub++) {
		given = json_object_get(el, sub->name);
		there = json_object_get(have, sub->name);
		if (!sub_identifies(sub) || given == NULL || there == NULL)
			continue;
		if (!value_equal(sub, there, given))
			return false;
		any = true;
	}
	return any;
}

/*
 * Append prepared value `el` (stolen) to `array` of `attr`, unless the same
 * value is there (RFC 7644 3.5.2.1): then that one takes what `el` adds to
 * it, a display and the sub-attributes it lacks, and becomes primary when
 * `el` says so. Returns the element appended or changed, for
 * primary_enforce(); NULL when nothing changed. Linear in the array's size.
 */
static json_t *values_add(const struct attr_def *attr, json_t *array, json_t *el)
{
	const struct attr_def *sub;
	json_t *have;
	size_t i;
	bool changed = false;

	json_array_foreach(array, i, have) {
		if (!element_there(attr, have, el))
			continue;
		for (sub = attr->sub_attrs; attr->type == ATTR_COMPLEX && sub->name != NULL; sub++) {
			json_t *given = json_object_get(el, sub->name);
			json_t *there = json_object_get(have, sub->name);

			if (given == NULL || json_is_null(given) ||
			    (there != NULL && (sub_identifies(sub) ||
					       value_equal(sub, there, given) ||
					       (strcmp(sub->name, "primary") == 0 &&
						!value_is_true(given)))))
				continue;
			json_object_set_new(have, sub->name, strcmp(sub->name, "primary") == 0 ?
					    json_true() : json_incref(given));
			changed = true;
		}
		json_decref(el);
		return changed ? have : NULL;
	}
	json_array_append_new(array, el);
	return el;
}

/* Value preparation: client input to what is stored. */

/*
 * Entra (older jobs) wraps single values in an array:
 * [{"$ref":null,"value":"x"}]. Unwrap a one-element array; an empty one
 * means no value (json null).
 */
static bool value_unwrap_array(struct patch_ctx *ctx, const struct attr_def *def,
			       const json_t **value)
{
	if (!json_is_array(*value))
		return true;
	if (json_array_size(*value) == 0) {
		*value = json_null();
		return true;
	}
	if (json_array_size(*value) > 1)
		return patch_fail(ctx, SCIM_INVALID_VALUE,
				  "\"%s\" is single-valued but the value is an array of %zu values",
				  def->name, json_array_size(*value));
	*value = json_array_get(*value, 0);
	return true;
}

/*
 * The value of a singular attribute or sub-attribute that is not complex.
 * *out is a new value, or NULL when the client unassigns it (null).
 * Types are not checked here: resource_normalize() does that.
 */
static bool value_simple(struct patch_ctx *ctx, const struct attr_def *def,
			 const json_t *value, json_t **out)
{
	*out = NULL;
	if (!value_unwrap_array(ctx, def, &value))
		return false;
	/* Entra: {"$ref":null,"value":"x"} for a simple value; take "x". */
	if (json_is_object(value)) {
		value = resource_get_ci(value, "value");
		if (value == NULL)
			return patch_fail(ctx, SCIM_INVALID_VALUE,
					  "\"%s\" is not complex but the value is an object",
					  def->name);
	}
	if (json_is_array(value) || json_is_object(value))
		return patch_fail(ctx, SCIM_INVALID_VALUE,
				  "\"%s\" needs a single simple value", def->name);
	if (!json_is_null(value))
		*out = json_deep_copy(value);
	return true;
}

/*
 * A value of complex attribute `attr`: the value of a singular one (then
 * `singular`: a one-element array is unwrapped), or one element of a
 * multi-valued one. Keys become canonical, readOnly sub-attributes are
 * dropped, json nulls are kept (in a merge they unassign). *out is NULL when
 * the client unassigns the value.
 */
static bool value_complex(struct patch_ctx *ctx, const struct attr_def *attr,
			  const json_t *value, bool singular, json_t **out)
{
	const struct attr_def *value_sub = attr_sub(attr, "value");
	bool reference = singular && attr_is_reference_like(attr);
	json_t *unwrapped;
	const char *key;
	json_t *obj;
	json_t *v;

	*out = NULL;
	if (singular && !value_unwrap_array(ctx, attr, &value))
		return false;
	if (json_is_null(value))
		return true;
	if (!json_is_object(value)) {
		/* Only the manager may come as a bare id (Entra); a bare value of
		 * any other complex attribute is a type error. */
		if (value_sub == NULL || !reference || json_is_array(value))
			return patch_fail(ctx, SCIM_INVALID_VALUE,
					  "a value of \"%s\" must be an object", attr->name);
		/* Entra sends the manager as a bare id and unassigns it with "". */
		if (reference && json_is_string(value) && json_string_length(value) == 0)
			return true;
		*out = json_object();
		json_object_set_new(*out, value_sub->name, json_deep_copy(value));
		return true;
	}
	unwrapped = resource_role_unwrap(attr, value);
	if (unwrapped != NULL)
		value = unwrapped;
	obj = json_object();
	json_object_foreach((json_t *)value, key, v) {
		const struct attr_def *sub = attr_sub(attr, key);

		/* Samanage's Entra mapping sends roles as {"displayName":"role"}
		 * (resource_normalize reads it as display). */
		if (sub == NULL && strcasecmp(key, "displayName") == 0 &&
		    attr_sub(attr, "display") != NULL && resource_get_ci(value, "display") == NULL)
			sub = attr_sub(attr, "display");
		if (sub != NULL && sub->mutability == MUT_READ_ONLY)
			continue;
		/* The server builds the manager's "$ref"; Entra sends null. */
		if (reference && sub != NULL && strcmp(sub->name, "$ref") == 0)
			continue;
		json_object_set_new(obj, sub != NULL ? sub->name : key, json_deep_copy(v));
	}
	json_decref(unwrapped);
	if (reference) {
		v = json_object_get(obj, value_sub->name);
		if (v == NULL) {
			json_decref(obj);
			return patch_fail(ctx, SCIM_INVALID_VALUE,
					  "a value of \"%s\" needs a \"value\"", attr->name);
		}
		if (json_is_null(v) ||
		    (json_is_string(v) && json_string_length(v) == 0)) {
			json_decref(obj);
			return true;
		}
	}
	*out = obj;
	return true;
}

/*
 * The values of multi-valued attribute `attr` as a new array without
 * duplicates (values_add; a single value is wrapped); *out NULL when the
 * client unassigns the attribute (null).
 */
static bool value_multi(struct patch_ctx *ctx, const struct attr_def *attr,
			const json_t *value, json_t **out)
{
	size_t n = json_is_array(value) ? json_array_size(value) : 1;
	bool members = strcmp(attr->name, "members") == 0;
	json_t *array;
	size_t i;

	*out = NULL;
	if (json_is_null(value))
		return true;
	/* Checked before the duplicate search, which is quadratic. A group's
	 * members are exempt: the database drops their duplicates. */
	if (n > RESOURCE_MAX_VALUES && !members)
		return patch_fail(ctx, SCIM_INVALID_VALUE, "\"%s\" can hold at most %d values",
				  attr->name, RESOURCE_MAX_VALUES);
	array = json_array();
	for (i = 0; i < n; i++) {
		const json_t *item = json_is_array(value) ? json_array_get(value, i) : value;
		json_t *el = NULL;

		if (json_is_null(item))
			continue;
		if (attr->type == ATTR_COMPLEX) {
			if (!value_complex(ctx, attr, item, false, &el)) {
				json_decref(array);
				return false;
			}
			if (el == NULL)
				continue;
			object_strip_nulls(el);
			if (json_object_size(el) == 0) {
				json_decref(el);
				continue;
			}
		} else if (json_is_array(item) || json_is_object(item)) {
			json_decref(array);
			return patch_fail(ctx, SCIM_INVALID_VALUE,
					  "values of \"%s\" must be simple values", attr->name);
		} else {
			el = json_deep_copy(item);
		}
		if (members)
			json_array_append_new(array, el);
		else
			values_add(attr, array, el);
	}
	*out = array;
	return true;
}

/*
 * Build the element a filter selects, for Entra's create-on-absent:
 * `emails[type eq "work"].value` with no work email creates
 * {"type":"work"}. Only an eq, or an and of eqs, on sub-attributes of
 * `attr` names an element; returns false for anything else.
 */
static bool element_from_filter(const struct filter_node *n, const struct attr_def *attr,
				json_t *el)
{
	const struct attr_def *sub;
	json_t *v;
	json_t *have;

	if (n->kind == FILTER_AND)
		return element_from_filter(n->left, attr, el) &&
		       element_from_filter(n->right, attr, el);
	if (n->kind != FILTER_COMPARE || n->op != FILTER_EQ || n->path.urn != NULL ||
	    n->path.sub != NULL || n->path.attr == NULL)
		return false;
	sub = attr_sub(attr, n->path.attr);
	if (sub == NULL)
		return false;
	switch (n->value.kind) {
	case FILTER_VALUE_STRING:
		v = json_string(n->value.text);
		break;
	case FILTER_VALUE_NUMBER:
		if (strpbrk(n->value.text, ".eE") != NULL)
			v = json_real(strtod(n->value.text, NULL));
		else
			v = json_integer(strtoll(n->value.text, NULL, 10));
		break;
	case FILTER_VALUE_TRUE:
		v = json_true();
		break;
	case FILTER_VALUE_FALSE:
		v = json_false();
		break;
	default:
		return false;
	}
	if (v == NULL)
		return false;
	/* `type eq "a" and type eq "b"` selects nothing that could exist. */
	have = json_object_get(el, sub->name);
	if (have != NULL && !json_equal(have, v)) {
		json_decref(v);
		return false;
	}
	json_object_set_new(el, sub->name, v);
	return true;
}

/* Does element `el` of `attr` match the bracket filter? */
static bool element_match(struct patch_ctx *ctx, const struct patch_target *t,
			  const json_t *el, bool *matched)
{
	struct scim_error inner;

	error_clear(&inner);
	*matched = false;
	if (!json_is_object(el))
		return true;
	if (!filter_match_element(t->filter, el, t->attr, matched, &inner))
		return patch_fail_from(ctx, &inner);
	return true;
}

/*
 * Delete sub-attribute `sub` of element i of `array`. The element goes
 * with it when nothing is left, or when the sub-attribute is "value": a
 * typed email without an address is no email.
 */
static bool element_remove_sub(struct patch_ctx *ctx, json_t *array, size_t i,
			       const struct attr_def *sub, bool *element_gone)
{
	json_t *el = json_array_get(array, i);

	*element_gone = false;
	if (json_object_get(el, sub->name) == NULL)
		return true;
	if (!object_set_sub(ctx, el, sub, sub->name, NULL))
		return false;
	if (json_object_size(el) == 0 || strcmp(sub->name, "value") == 0) {
		json_array_remove(array, i);
		*element_gone = true;
	}
	return true;
}

/* Merge prepared object `src` into `dst`: nulls delete. */
static bool object_merge(struct patch_ctx *ctx, const struct attr_def *attr,
			 json_t *dst, const json_t *src)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)src, key, v)
		if (!object_set_sub(ctx, dst, attr_sub(attr, key), key,
				    json_is_null(v) ? NULL : json_deep_copy(v)))
			return false;
	return true;
}

/* Delete the attribute when it is an empty array or object. */
static void container_tidy(json_t *container, const char *name)
{
	json_t *v = json_object_get(container, name);

	if ((json_is_array(v) && json_array_size(v) == 0) ||
	    (json_is_object(v) && json_object_size(v) == 0))
		json_object_del(container, name);
}

/*
 * add/replace with a bracket filter, e.g. `emails[type eq "work"].value`:
 * set the sub-attribute (or the whole element) of every matching element.
 * RFC 7644 says noTarget when nothing matches; Entra expects the element to
 * be created from the filter's eq comparisons (as for
 * emails[type eq "work"].value on a user with no work email).
 */
static bool patch_set_filtered(struct patch_ctx *ctx, enum patch_op op,
			       const struct patch_target *t, const json_t *value)
{
	json_t *container = patch_container(ctx, t->schema, true);
	json_t *array = json_object_get(container, t->attr->name);
	json_t *prep = NULL;
	json_t *primary = NULL;
	size_t matches = 0;
	size_t i = 0;
	bool ok = false;

	if (t->sub != NULL ? !value_simple(ctx, t->sub, value, &prep)
			   : !value_complex(ctx, t->attr, value, true, &prep))
		return false;
	if (!json_is_array(array))
		array = NULL;
	while (array != NULL && i < json_array_size(array)) {
		json_t *el = json_array_get(array, i);
		bool matched;
		bool gone = false;

		if (!element_match(ctx, t, el, &matched))
			goto failed;
		if (!matched) {
			i++;
			continue;
		}
		matches++;
		if (t->sub != NULL && prep == NULL) {
			if (!element_remove_sub(ctx, array, i, t->sub, &gone))
				goto failed;
		} else if (t->sub != NULL) {
			if (!object_set_sub(ctx, el, t->sub, t->sub->name, json_deep_copy(prep)))
				goto failed;
		} else if (prep == NULL) {
			json_array_remove(array, i);
			gone = true;
		} else if (op == PATCH_REPLACE) {
			/* RFC 7644 3.5.2.3: the matching values are replaced. */
			json_t *copy = json_deep_copy(prep);

			object_strip_nulls(copy);
			json_array_set_new(array, i, copy);
			el = copy;
		} else if (!object_merge(ctx, t->attr, el, prep)) {
			goto failed;
		}
		if (!gone && json_object_size(el) == 0) {
			json_array_remove(array, i);
			gone = true;
		}
		if (gone)
			continue;
		if (t->sub == NULL || strcmp(t->sub->name, "primary") == 0)
			primary = el;
		i++;
	}
	if (matches == 0 && prep != NULL) {
		json_t *el = json_object();

		if (!element_from_filter(t->filter, t->attr, el)) {
			json_decref(el);
			patch_fail(ctx, SCIM_NO_TARGET,
				   "no value of \"%s\" matches the filter in path \"%s\", and a value can only be created from eq comparisons joined by and",
				   t->attr->name, ctx->where);
			goto failed;
		}
		if (t->sub != NULL) {
			json_object_set(el, t->sub->name, prep);
		} else {
			json_t *copy = json_deep_copy(prep);

			object_strip_nulls(copy);
			json_object_update(el, copy);
			json_decref(copy);
		}
		if (array == NULL) {
			array = json_array();
			json_object_set_new(container, t->attr->name, array);
		}
		json_array_append_new(array, el);
		primary = el;
	}
	primary_enforce(t->attr, array, primary);
	container_tidy(container, t->attr->name);
	ok = true;
failed:
	json_decref(prep);
	return ok;
}

/* add/replace on a multi-valued attribute without filter. */
static bool patch_set_multi(struct patch_ctx *ctx, enum patch_op op,
			    const struct patch_target *t, const json_t *value)
{
	json_t *container = patch_container(ctx, t->schema, true);
	json_t *array = json_object_get(container, t->attr->name);
	json_t *values;
	json_t *v;
	size_t i;

	if (!value_multi(ctx, t->attr, value, &values))
		return false;
	if (values == NULL) {
		json_object_del(container, t->attr->name);
		return true;
	}
	if (op == PATCH_REPLACE || !json_is_array(array)) {
		/* Replace without filter: the whole array (RFC 7644 3.5.2.3). */
		json_t *keep = NULL;

		json_array_foreach(values, i, v)
			if (value_is_true(json_object_get(v, "primary")))
				keep = v;
		primary_enforce(t->attr, values, keep);
		json_object_set_new(container, t->attr->name, values);
		container_tidy(container, t->attr->name);
		return true;
	}
	/* add appends, skipping values already there (RFC 7644 3.5.2.1); the
	 * limit counts what is there after (both sides are at most the limit,
	 * value_multi, so the search stays bounded). */
	json_array_foreach(values, i, v)
		primary_enforce(t->attr, array, values_add(t->attr, array, json_incref(v)));
	json_decref(values);
	if (json_array_size(array) > RESOURCE_MAX_VALUES)
		return patch_fail(ctx, SCIM_INVALID_VALUE, "\"%s\" can hold at most %d values",
				  t->attr->name, RESOURCE_MAX_VALUES);
	return true;
}

/*
 * add/replace on a sub-attribute of a multi-valued attribute without a
 * filter (`emails.type`): every value. noTarget when there are none.
 */
static bool patch_set_multi_sub(struct patch_ctx *ctx, const struct patch_target *t,
				const json_t *value)
{
	json_t *container = patch_container(ctx, t->schema, false);
	json_t *array = container ? json_object_get(container, t->attr->name) : NULL;
	json_t *prep;
	size_t i = 0;
	bool ok = true;

	if (!value_simple(ctx, t->sub, value, &prep))
		return false;
	if (json_array_size(array) == 0) {
		if (prep == NULL)
			return true;
		json_decref(prep);
		return patch_fail(ctx, SCIM_NO_TARGET, "\"%s\" has no values to set \"%s\" in",
				  t->attr->name, t->sub->name);
	}
	while (ok && i < json_array_size(array)) {
		json_t *el = json_array_get(array, i);
		bool gone = false;

		/* An element that goes is freed: el is not read after that. */
		if (json_is_object(el) && prep == NULL)
			ok = element_remove_sub(ctx, array, i, t->sub, &gone);
		else if (json_is_object(el))
			ok = object_set_sub(ctx, el, t->sub, t->sub->name, json_deep_copy(prep));
		if (!gone)
			i++;
	}
	json_decref(prep);
	container_tidy(container, t->attr->name);
	return ok;
}

/* add/replace on a singular complex attribute: both merge the given
 * sub-attributes (RFC 7644 3.5.2.1 and 3.5.2.3). */
static bool patch_set_complex(struct patch_ctx *ctx, const struct patch_target *t,
			      const json_t *value)
{
	json_t *container = patch_container(ctx, t->schema, true);
	const char *name = t->attr->name;
	json_t *cur = json_object_get(container, name);
	json_t *prep;
	bool ok;

	if (t->sub != NULL) {
		bool reference = attr_is_reference_like(t->attr) &&
				 strcmp(t->sub->name, "value") == 0;

		if (!value_simple(ctx, t->sub, value, &prep))
			return false;
		/* Entra unassigns the manager with "" or null. */
		if (reference && (prep == NULL || (json_is_string(prep) &&
						   json_string_length(prep) == 0))) {
			json_decref(prep);
			json_object_del(container, name);
			return true;
		}
		if (!json_is_object(cur)) {
			if (prep == NULL)
				return true;
			cur = json_object();
			json_object_set_new(container, name, cur);
		}
		ok = object_set_sub(ctx, cur, t->sub, t->sub->name, prep);
		container_tidy(container, name);
		return ok;
	}
	if (!value_complex(ctx, t->attr, value, true, &prep))
		return false;
	if (prep == NULL) {
		json_object_del(container, name);
		return true;
	}
	if (attr_is_reference_like(t->attr)) {
		/* A reference is one value: the new one replaces it. */
		object_strip_nulls(prep);
		json_object_set_new(container, name, prep);
		return true;
	}
	if (!json_is_object(cur)) {
		cur = json_object();
		json_object_set_new(container, name, cur);
	}
	ok = object_merge(ctx, t->attr, cur, prep);
	json_decref(prep);
	container_tidy(container, name);
	return ok;
}

/* add or replace on a resolved target. */
static bool patch_set(struct patch_ctx *ctx, enum patch_op op,
		      const struct patch_target *t, const json_t *value)
{
	json_t *container;
	json_t *prep;

	if (t->filter != NULL)
		return patch_set_filtered(ctx, op, t, value);
	if (t->attr->multi_valued)
		return t->sub != NULL ? patch_set_multi_sub(ctx, t, value)
				      : patch_set_multi(ctx, op, t, value);
	if (t->attr->type == ATTR_COMPLEX)
		return patch_set_complex(ctx, t, value);
	if (!value_simple(ctx, t->attr, value, &prep))
		return false;
	container = patch_container(ctx, t->schema, prep != NULL);
	if (container == NULL)
		return true;
	if (prep == NULL)
		json_object_del(container, t->attr->name);
	else
		json_object_set_new(container, t->attr->name, prep);
	return true;
}

/*
 * Does element `el` of `attr` match one value of Entra's
 * `{"op":"Remove","path":"emails","value":[{"value":"a@x"}]}`? A value with
 * "value" compares that; other objects must match every key they give.
 */
static bool element_matches_value(const struct attr_def *attr, const json_t *el,
				  const json_t *want)
{
	const struct attr_def *value_sub = attr_sub(attr, "value");
	json_t *unwrapped = resource_role_unwrap(attr, want);
	const char *key;
	const json_t *w;
	json_t *v;
	bool equal;

	if (attr->type != ATTR_COMPLEX)
		return value_equal(attr, el, want);
	if (!json_is_object(el))
		return false;
	if (!json_is_object(want))
		return value_sub != NULL &&
		       value_equal(value_sub, json_object_get(el, value_sub->name), want);
	w = value_sub != NULL ? resource_get_ci(unwrapped ? unwrapped : want, "value") : NULL;
	if (w != NULL) {
		equal = value_equal(value_sub, json_object_get(el, value_sub->name), w);
		json_decref(unwrapped);
		return equal;
	}
	if (json_object_size(want) == 0)
		return false;
	json_object_foreach((json_t *)want, key, v) {
		const struct attr_def *sub = attr_sub(attr, key);
		const json_t *have = json_object_get(el, sub != NULL ? sub->name : key);

		if (have == NULL || !value_equal(sub, have, v))
			return false;
	}
	return true;
}

/* remove on a resolved target (RFC 7644 3.5.2.2). */
static bool patch_remove(struct patch_ctx *ctx, const struct patch_target *t,
			 const json_t *value)
{
	json_t *container = patch_container(ctx, t->schema, false);
	const char *name = t->attr->name;
	json_t *cur = container ? json_object_get(container, name) : NULL;
	size_t matches = 0;
	size_t i = 0;

	if (t->filter != NULL) {
		while (json_is_array(cur) && i < json_array_size(cur)) {
			bool matched;
			bool gone = true;

			if (!element_match(ctx, t, json_array_get(cur, i), &matched))
				return false;
			if (!matched) {
				i++;
				continue;
			}
			matches++;
			if (t->sub == NULL)
				json_array_remove(cur, i);
			else if (!element_remove_sub(ctx, cur, i, t->sub, &gone))
				return false;
			if (!gone)
				i++;
		}
		/* RFC 7644 3.5.2.2: a filter that matches nothing is noTarget. */
		if (matches == 0)
			return patch_fail(ctx, SCIM_NO_TARGET,
					  "no value of \"%s\" matches the filter in path \"%s\"",
					  name, ctx->where);
	} else if (cur == NULL) {
		/* Removing what is absent succeeds: clients retry removes. */
		return true;
	} else if (t->sub != NULL && t->attr->multi_valued) {
		while (json_is_array(cur) && i < json_array_size(cur)) {
			bool gone = false;

			if (json_is_object(json_array_get(cur, i)) &&
			    !element_remove_sub(ctx, cur, i, t->sub, &gone))
				return false;
			if (!gone)
				i++;
		}
	} else if (t->sub != NULL) {
		if (!json_is_object(cur))
			return true;
		/* A manager without its value is no manager. */
		if (attr_is_reference_like(t->attr) && strcmp(t->sub->name, "value") == 0)
			json_object_del(container, name);
		else if (!object_set_sub(ctx, cur, t->sub, t->sub->name, NULL))
			return false;
	} else if (t->attr->multi_valued && value != NULL && !json_is_null(value) &&
		   json_is_array(cur)) {
		/* Entra: remove exactly the values given, not all of them. */
		size_t n = json_is_array(value) ? json_array_size(value) : 1;

		while (i < json_array_size(cur)) {
			bool matched = false;
			size_t j;

			for (j = 0; j < n && !matched; j++)
				matched = element_matches_value(t->attr, json_array_get(cur, i),
								json_is_array(value) ? json_array_get(value, j) : value);
			if (matched)
				json_array_remove(cur, i);
			else
				i++;
		}
	} else {
		json_object_del(container, name);
	}
	if (container != NULL)
		container_tidy(container, name);
	return true;
}

/* Membership changes (groups only; see patch.h). */

static void members_record(struct patch_ctx *ctx, enum patch_op op, json_t *values)
{
	json_t *change = json_pack("{s:s}", "op", patch_op_names[op]);

	if (values != NULL)
		json_object_set_new(change, "values", values);
	if (ctx->member_changes == NULL)
		ctx->member_changes = json_array();
	json_array_append_new(ctx->member_changes, change);
}

/*
 * One member object as the caller wants it: "value" (the member's id) and
 * "type" normalized to "User" or "Group" when given; "$ref" and "display"
 * are dropped.
 */
static bool member_value(struct patch_ctx *ctx, const json_t *in, json_t **out)
{
	const json_t *id = resource_get_ci(in, "value");
	const json_t *type = resource_get_ci(in, "type");
	const char *name = NULL;

	*out = NULL;
	if (!json_is_object(in))
		return patch_fail(ctx, SCIM_INVALID_VALUE,
				  "a member must be an object with a \"value\"");
	if (!json_is_string(id) || json_string_length(id) == 0)
		return patch_fail(ctx, SCIM_INVALID_VALUE,
				  "a member needs a \"value\" string (the member's id)");
	if (type != NULL && !json_is_null(type)) {
		if (json_is_string(type) && strcasecmp(json_string_value(type), "User") == 0)
			name = "User";
		else if (json_is_string(type) && strcasecmp(json_string_value(type), "Group") == 0)
			name = "Group";
		else
			return patch_fail(ctx, SCIM_INVALID_VALUE,
					  "member type must be \"User\" or \"Group\"");
	}
	*out = json_pack("{s:O}", "value", id);
	if (name != NULL)
		json_object_set_new(*out, "type", json_string(name));
	return true;
}

/* The member objects of `value` (one object or an array), as a new array. */
static bool member_values(struct patch_ctx *ctx, const json_t *value, json_t **out)
{
	size_t n = json_is_array(value) ? json_array_size(value) : 1;
	size_t i;

	*out = json_array();
	if (value == NULL || json_is_null(value))
		return true;
	for (i = 0; i < n; i++) {
		json_t *member;

		if (!member_value(ctx, json_is_array(value) ? json_array_get(value, i) : value,
				  &member)) {
			json_decref(*out);
			*out = NULL;
			return false;
		}
		json_array_append_new(*out, member);
	}
	return true;
}

/* Collect the ids of `members[value eq "a" or value eq "b"]`; "" is
 * nobody's, as member_value() says. */
static bool members_filter_ids(const struct filter_node *n, json_t *values)
{
	if (n->kind == FILTER_OR)
		return members_filter_ids(n->left, values) &&
		       members_filter_ids(n->right, values);
	if (n->kind != FILTER_COMPARE || n->op != FILTER_EQ || n->path.urn != NULL ||
	    n->path.sub != NULL || n->path.attr == NULL ||
	    strcasecmp(n->path.attr, "value") != 0 || n->value.text == NULL ||
	    n->value.text[0] == '\0' ||
	    (n->value.kind != FILTER_VALUE_STRING && n->value.kind != FILTER_VALUE_NUMBER))
		return false;
	json_array_append_new(values, json_pack("{s:s}", "value", n->value.text));
	return true;
}

/*
 * An operation on a group's "members": recorded for the caller, the
 * document is untouched (a group's members are never loaded).
 */
static bool members_change(struct patch_ctx *ctx, enum patch_op op,
			   const struct patch_target *t, const json_t *value)
{
	json_t *values;

	if (t->sub != NULL)
		return patch_fail(ctx, SCIM_INVALID_PATH,
				  "path \"%s\": members can only be changed whole, or removed with members[value eq \"id\"]",
				  ctx->where);
	if (t->filter != NULL) {
		if (op != PATCH_REMOVE)
			return patch_fail(ctx, SCIM_INVALID_PATH,
					  "path \"%s\": a filter on members is only supported by remove",
					  ctx->where);
		/* RFC style, sent by Okta and Entra (aadOptscim062020). */
		values = json_array();
		if (!members_filter_ids(t->filter, values)) {
			json_decref(values);
			return patch_fail(ctx, SCIM_INVALID_FILTER,
					  "path \"%s\": the only filter supported on members is value eq \"id\", or several joined by or",
					  ctx->where);
		}
		members_record(ctx, op, values);
		return true;
	}
	if (op == PATCH_REMOVE && (value == NULL || json_is_null(value))) {
		members_record(ctx, op, NULL);
		return true;
	}
	if (!member_values(ctx, value, &values))
		return false;
	/* Adding or (Entra) removing no members changes nothing. */
	if (op != PATCH_REPLACE && json_array_size(values) == 0) {
		json_decref(values);
		return true;
	}
	members_record(ctx, op, values);
	return true;
}

/*
 * Apply `op` to a resolved target: readOnly targets fail with 400
 * mutability, and so does a change to an immutable attribute once set.
 */
static bool patch_target_apply(struct patch_ctx *ctx, enum patch_op op,
			       const struct patch_target *t, const json_t *value)
{
	const struct attr_def *ro = NULL;
	json_t *container;
	json_t *before = NULL;
	bool ok;

	if (t->attr->mutability == MUT_READ_ONLY)
		ro = t->attr;
	else if (t->sub != NULL && t->sub->mutability == MUT_READ_ONLY)
		ro = t->sub;
	if (ro != NULL)
		return patch_fail(ctx, SCIM_MUTABILITY, "\"%s\" is readOnly (%s \"%s\")",
				  ro->name, patch_where_kind(ctx), ctx->where);
	if (attr_is_members(ctx, t))
		return members_change(ctx, op, t, value);
	if (t->attr->mutability == MUT_IMMUTABLE) {
		container = patch_container(ctx, t->schema, false);
		before = json_deep_copy(json_object_get(container, t->attr->name));
	}
	ok = op == PATCH_REMOVE ? patch_remove(ctx, t, value) : patch_set(ctx, op, t, value);
	if (ok && before != NULL) {
		container = patch_container(ctx, t->schema, false);
		if (!json_equal(before, json_object_get(container, t->attr->name)))
			ok = patch_fail(ctx, SCIM_MUTABILITY,
					"\"%s\" is immutable: it cannot change once set",
					t->attr->name);
	}
	json_decref(before);
	return ok;
}

/*
 * Resolve attribute `name` with optional `sub` (both NUL-terminated) in
 * `urn` (NULL: core schema or common attributes). On failure 400
 * invalidPath naming the unknown part.
 */
static bool patch_resolve(struct patch_ctx *ctx, const char *urn, const char *name,
			  const char *sub, struct attr_path *out)
{
	if (schema_resolve(ctx->rt, urn, name, sub, out))
		return true;
	if (urn != NULL && schema_find(ctx->rt, urn, strlen(urn)) == NULL)
		return patch_fail(ctx, SCIM_INVALID_PATH, "unknown schema \"%s\" in %s \"%s\"",
				  urn, patch_where_kind(ctx), ctx->where);
	if (sub == NULL || !schema_resolve(ctx->rt, urn, name, NULL, out))
		return patch_fail(ctx, SCIM_INVALID_PATH, "no attribute \"%s\" in %s \"%s\"",
				  name, patch_where_kind(ctx), ctx->where);
	return patch_fail(ctx, SCIM_INVALID_PATH,
			  "\"%s\" has no sub-attribute \"%s\" (%s \"%s\")",
			  out->attr->name, sub, patch_where_kind(ctx), ctx->where);
}

/*
 * Pathless values carry these; Entra and Okta send them, and they are
 * readOnly or not attributes (Okta's group rename includes the group's own
 * id). They are ignored.
 */
static bool patch_key_ignored(const struct patch_ctx *ctx, const struct attr_path *ap)
{
	if (ap->schema == NULL)
		return strcmp(ap->attr->name, "id") == 0 || strcmp(ap->attr->name, "meta") == 0;
	return ctx->rt->core == &schema_user && strcmp(ap->attr->name, "groups") == 0;
}

static bool patch_set_object(struct patch_ctx *ctx, enum patch_op op,
			     const struct schema_def *schema, const json_t *value);

/*
 * One key of a pathless add/replace value: an attribute name, a dotted
 * path (`name.givenName`), a URN-qualified path or an extension URN (Entra
 * sends all of them in its pathless replace). `schema` is set inside an
 * extension's object.
 */
static bool patch_set_key(struct patch_ctx *ctx, enum patch_op op,
			  const struct schema_def *schema, const char *key,
			  const json_t *value)
{
	const struct schema_def *whole;
	struct patch_target t = { 0 };
	struct attr_path ap;
	const char *name = key;
	char *attr;
	char *dot;
	bool ok;

	/* An extension's object may carry its own "schemas", as a body does. */
	if (schema != NULL && strcasecmp(key, "schemas") == 0)
		return true;
	if (schema == NULL) {
		if (strcasecmp(key, "schemas") == 0 || strcasecmp(key, "id") == 0 ||
		    strcasecmp(key, "meta") == 0 || strcasecmp(key, "groups") == 0)
			return true;
		if (strncasecmp(key, "urn:", 4) == 0) {
			size_t offset = 0;

			whole = schema_find(ctx->rt, key, strlen(key));
			if (whole != NULL && whole != ctx->rt->core && json_is_null(value)) {
				json_object_del(ctx->doc, whole->urn);
				return true;
			}
			if (whole != NULL)
				return patch_set_object(ctx, op,
							whole == ctx->rt->core ? NULL : whole,
							value);
			schema = schema_split_urn(ctx->rt, key, &offset);
			/* Entra: unknown schema URNs in request bodies are ignored. */
			if (schema == NULL) {
				const char *sub_key;
				json_t *sub_value;

				if (!json_is_object(value))
					patch_ignore(ctx, "", key);
				json_object_foreach((json_t *)value, sub_key, sub_value)
					patch_ignore(ctx, key, sub_key);
				return true;
			}
			name = key + offset;
		}
	}
	attr = strdup(name);
	dot = strchr(attr, '.');
	if (dot != NULL)
		*dot++ = '\0';
	ctx->where = key;
	ctx->where_is_key = true;
	ok = patch_resolve(ctx, schema != NULL ? schema->urn : NULL, attr, dot, &ap);
	free(attr);
	if (!ok)
		return false;
	if (patch_key_ignored(ctx, &ap))
		return true;
	t.schema = ap.schema;
	t.attr = ap.attr;
	t.sub = ap.sub;
	return patch_target_apply(ctx, op, &t, value);
}

/*
 * A pathless add/replace (RFC 7644 3.5.2.1: the value holds the
 * attributes), or the value of an extension URN: every key is applied as
 * if it were the path.
 */
static bool patch_set_object(struct patch_ctx *ctx, enum patch_op op,
			     const struct schema_def *schema, const json_t *value)
{
	const char *key;
	json_t *v;

	if (!json_is_object(value))
		return patch_fail(ctx, SCIM_INVALID_VALUE,
				  schema != NULL ? "the value of \"%s\" must be an object"
						 : "%s without a path needs an object value",
				  schema != NULL ? schema->urn : patch_op_names[op]);
	json_object_foreach((json_t *)value, key, v)
		if (!patch_set_key(ctx, op, schema, key, v))
			return false;
	return true;
}

/* An operation whose path is a schema URN itself. */
static bool patch_whole_schema(struct patch_ctx *ctx, enum patch_op op,
			       const struct schema_def *schema, const json_t *value)
{
	if (op == PATCH_REMOVE) {
		if (schema == ctx->rt->core)
			return patch_fail(ctx, SCIM_NO_TARGET,
					  "remove cannot target the core schema");
		json_object_del(ctx->doc, schema->urn);
		return true;
	}
	if (schema != ctx->rt->core && json_is_null(value)) {
		json_object_del(ctx->doc, schema->urn);
		return true;
	}
	return patch_set_object(ctx, op, schema == ctx->rt->core ? NULL : schema, value);
}

/*
 * Every attribute in a bracket filter must be a sub-attribute of `attr`:
 * otherwise the filter could never match, and an add would create junk.
 * Returns the first unknown name, or NULL.
 */
static const char *filter_unknown_sub(const struct filter_node *n,
				      const struct attr_def *attr)
{
	const char *bad;

	if (n == NULL)
		return NULL;
	if (n->kind == FILTER_COMPARE)
		return n->path.urn != NULL || n->path.sub != NULL ||
		       attr_sub(attr, n->path.attr) == NULL ? n->path.attr : NULL;
	bad = filter_unknown_sub(n->left, attr);
	return bad != NULL ? bad : filter_unknown_sub(n->right, attr);
}

/* An operation with a path (RFC 7644 3.5.2: attrPath or valuePath). */
static bool patch_path_apply(struct patch_ctx *ctx, enum patch_op op, const char *path,
			     const json_t *value)
{
	const struct schema_def *whole;
	struct patch_target t = { 0 };
	struct patch_path pp;
	struct scim_error inner;
	struct attr_path ap;
	const char *bad;
	const char *sub;
	bool ok;

	ctx->where = path;
	ctx->where_is_key = false;
	whole = schema_find(ctx->rt, path, strlen(path));
	if (whole != NULL)
		return patch_whole_schema(ctx, op, whole, value);
	error_clear(&inner);
	memset(&pp, 0, sizeof(pp));
	if (!filter_parse_patch_path(path, strlen(path), &pp, &inner)) {
		if (inner.scim_type == NULL)
			inner.scim_type = SCIM_INVALID_PATH;
		return patch_fail_from(ctx, &inner);
	}
	/* A path in an extension the tenant does not have: ignored, as a
	 * pathless value's would be. */
	if (pp.path.urn != NULL && strncasecmp(pp.path.urn, "urn:", 4) == 0 &&
	    schema_find(ctx->rt, pp.path.urn, strlen(pp.path.urn)) == NULL) {
		patch_ignore(ctx, "", path);
		ok = true;
		goto done;
	}
	sub = pp.sub_attr != NULL ? pp.sub_attr : pp.path.sub;
	if (pp.sub_attr != NULL && pp.path.sub != NULL) {
		ok = patch_fail(ctx, SCIM_INVALID_PATH, "path \"%s\" names two sub-attributes",
				path);
		goto done;
	}
	ok = patch_resolve(ctx, pp.path.urn, pp.path.attr, sub, &ap);
	if (!ok)
		goto done;
	if (pp.filter != NULL && (!ap.attr->multi_valued || ap.attr->type != ATTR_COMPLEX)) {
		ok = patch_fail(ctx, SCIM_INVALID_PATH,
				"path \"%s\": a filter needs a multi-valued complex attribute",
				path);
		goto done;
	}
	if (pp.filter != NULL && (bad = filter_unknown_sub(pp.filter, ap.attr)) != NULL) {
		ok = patch_fail(ctx, SCIM_INVALID_PATH,
				"\"%s\" has no sub-attribute \"%s\" (filter in path \"%s\")",
				ap.attr->name, bad, path);
		goto done;
	}
	t.schema = ap.schema;
	t.attr = ap.attr;
	t.sub = ap.sub;
	t.filter = pp.filter;
	ok = patch_target_apply(ctx, op, &t, value);
done:
	patch_path_free(&pp);
	return ok;
}

/* One element of Operations. */
static bool patch_operation(struct patch_ctx *ctx, const json_t *operation)
{
	const json_t *op_json = resource_get_ci(operation, "op");
	const json_t *path = resource_get_ci(operation, "path");
	const json_t *value = resource_get_ci(operation, "value");
	enum patch_op op;

	ctx->where = "";
	ctx->where_is_key = false;
	if (!json_is_object(operation))
		return patch_fail(ctx, SCIM_INVALID_SYNTAX, "an operation must be an object");
	if (!json_is_string(op_json))
		return patch_fail(ctx, SCIM_INVALID_SYNTAX, "\"op\" is missing or not a string");
	/* Entra capitalises op names: "Add", "Replace", "Remove". */
	if (strcasecmp(json_string_value(op_json), "add") == 0)
		op = PATCH_ADD;
	else if (strcasecmp(json_string_value(op_json), "replace") == 0)
		op = PATCH_REPLACE;
	else if (strcasecmp(json_string_value(op_json), "remove") == 0)
		op = PATCH_REMOVE;
	else
		return patch_fail(ctx, SCIM_INVALID_SYNTAX,
				  "unknown op \"%s\" (expected add, replace or remove)",
				  json_string_value(op_json));
	if (path != NULL && !json_is_null(path) && !json_is_string(path))
		return patch_fail(ctx, SCIM_INVALID_SYNTAX, "\"path\" must be a string");
	if (json_is_string(path) && json_string_length(path) == 0)
		path = NULL;
	if (op != PATCH_REMOVE && value == NULL)
		return patch_fail(ctx, SCIM_INVALID_SYNTAX, "%s needs a \"value\"",
				  patch_op_names[op]);
	if (json_is_string(path))
		return patch_path_apply(ctx, op, json_string_value(path), value);
	/* RFC 7644 3.5.2.2: remove without a path is noTarget. */
	if (op == PATCH_REMOVE)
		return patch_fail(ctx, SCIM_NO_TARGET, "remove needs a path");
	return patch_set_object(ctx, op, NULL, value);
}

/* Extension objects left empty go, unless the input had them empty too. */
static void patch_tidy_extensions(struct patch_ctx *ctx, const json_t *input)
{
	const struct schema_def *const *ext;

	for (ext = ctx->rt->extensions; ext != NULL && *ext != NULL; ext++) {
		json_t *now = json_object_get(ctx->doc, (*ext)->urn);
		json_t *was = json_object_get(input, (*ext)->urn);

		if (json_is_object(now) && json_object_size(now) == 0 &&
		    !(json_is_object(was) && json_object_size(was) == 0))
			json_object_del(ctx->doc, (*ext)->urn);
	}
}

bool patch_apply(const json_t *doc, const json_t *body,
		 const struct resource_type_def *rt, struct patch_result *out,
		 struct scim_error *err)
{
	struct patch_ctx ctx = { .rt = rt, .err = err };
	const json_t *operations;
	size_t i;

	out->doc = NULL;
	out->changed = false;
	out->member_changes = NULL;
	out->ignored = NULL;
	if (!json_is_object(doc))
		return error_set(err, 500, NULL, "PATCH: the stored resource is not an object");
	if (!json_is_object(body))
		return error_set(err, 400, SCIM_INVALID_SYNTAX,
				 "the PATCH body must be a JSON object");
	/* "schemas" is not checked: clients get it wrong and it carries nothing. */
	operations = resource_get_ci(body, "Operations");
	if (!json_is_array(operations))
		return error_set(err, 400, SCIM_INVALID_SYNTAX,
				 "the PATCH body needs an \"Operations\" array");
	if (json_array_size(operations) > PATCH_MAX_OPERATIONS)
		return error_set(err, 400, SCIM_INVALID_SYNTAX,
				 "too many operations: %zu, at most %d in one request",
				 json_array_size(operations), PATCH_MAX_OPERATIONS);
	ctx.doc = json_deep_copy(doc);
	if (ctx.doc == NULL)
		return error_set(err, 500, NULL, "out of memory");
	for (i = 0; i < json_array_size(operations); i++) {
		ctx.index = i;
		if (!patch_operation(&ctx, json_array_get(operations, i)))
			goto failed;
	}
	patch_tidy_extensions(&ctx, doc);
	out->doc = ctx.doc;
	out->changed = !json_equal(doc, ctx.doc);
	out->member_changes = ctx.member_changes;
	out->ignored = ctx.ignored;
	return true;
failed:
	/* Atomic (RFC 7644 3.5.2): nothing of a failed request is returned. */
	json_decref(ctx.doc);
	json_decref(ctx.member_changes);
	json_decref(ctx.ignored);
	return false;
}

void patch_result_clear(struct patch_result *result)
{
	json_decref(result->doc);
	json_decref(result->member_changes);
	json_decref(result->ignored);
	result->doc = NULL;
	result->member_changes = NULL;
	result->ignored = NULL;
	result->changed = false;
}
