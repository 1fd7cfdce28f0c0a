/*
 * filter_eval.c - evaluate a filter tree on a resource document in memory
 * (RFC 7644 3.4.2.2 semantics); see filter.h.
 *
 * Every comparison is checked against the schema before any value is read,
 * and both sides of and/or are always evaluated, so that a filter that cannot
 * be applied fails the same way whatever the document holds.
 */
#include "filter.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "datetime.h"
#include "resource.h"

struct eval {
	const struct resource_type_def *rt;  /* resource mode */
	const struct attr_def *element_attr; /* element mode: a bracket filter */
	struct scim_error *err;
};

/* One comparison, its operand converted to the attribute's type. */
struct comparison {
	enum filter_op op;
	enum attr_type type;
	bool case_exact;
	bool presence;  /* pr, eq null, ne null: test for a value */
	bool as_text;   /* compare the JSON strings as text */
	const char *text;
	size_t text_len;
	bool boolean;
	double number;
	struct datetime time;
};

/* "schemas" is in every resource but in no schema (RFC 7643 3). Schema
 * URIs are compared case-insensitively, like schema_find() does. */
static const struct attr_def schemas_attr = {
	.name = "schemas",
	.type = ATTR_REFERENCE,
	.multi_valued = true,
};

/* ---- JSON access ---- */

/* pr: not null, not an empty string, array or object. */
static bool value_present(const json_t *v)
{
	if (v == NULL || json_is_null(v))
		return false;
	if (json_is_string(v))
		return json_string_length(v) > 0;
	if (json_is_array(v)) {
		size_t i;
		json_t *e;

		json_array_foreach(v, i, e)
			if (value_present(e))
				return true;
		return false;
	}
	if (json_is_object(v))
		return json_object_size(v) > 0;
	return true;
}

/* ---- text ---- */

/*
 * Byte i of UTF-8 text folded to lower case: ASCII, and Latin-1 letters
 * U+00C0..U+00DE (but U+00D7) whose UTF-8 form is C3 80..C3 9E. Folding keeps
 * the length and byte order of code points, so folded bytes can be compared.
 */
static unsigned char fold_at(const unsigned char *s, size_t i)
{
	unsigned char c = s[i];

	if (c >= 'A' && c <= 'Z')
		return (unsigned char)(c + 32);
	if (i > 0 && s[i - 1] == 0xc3 && c >= 0x80 && c <= 0x9e && c != 0x97)
		return (unsigned char)(c + 32);
	return c;
}

int filter_text_compare(const char *a, size_t a_len, const char *b, size_t b_len,
			bool case_exact)
{
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)b;
	size_t n = a_len < b_len ? a_len : b_len;
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char cx = case_exact ? x[i] : fold_at(x, i);
		unsigned char cy = case_exact ? y[i] : fold_at(y, i);

		if (cx != cy)
			return cx < cy ? -1 : 1;
	}
	if (a_len == b_len)
		return 0;
	return a_len < b_len ? -1 : 1;
}

/* Does needle occur in hay at offset `at`? */
static bool text_equal_at(const char *hay, size_t at, const char *needle,
			  size_t needle_len, bool case_exact)
{
	const unsigned char *h = (const unsigned char *)hay;
	const unsigned char *n = (const unsigned char *)needle;
	size_t i;

	if (case_exact)
		return memcmp(hay + at, needle, needle_len) == 0;
	/* Both are valid UTF-8 and a needle starts on a character, so the
	 * byte before a match never changes how the match folds. */
	for (i = 0; i < needle_len; i++)
		if (fold_at(h, at + i) != fold_at(n, i))
			return false;
	return true;
}

/* Whether a comparison result (<0, 0, >0) satisfies an ordering operator. */
static bool ordering_matches(enum filter_op op, int cmp)
{
	switch (op) {
	case FILTER_EQ:
		return cmp == 0;
	case FILTER_NE:
		return cmp != 0;
	case FILTER_GT:
		return cmp > 0;
	case FILTER_GE:
		return cmp >= 0;
	case FILTER_LT:
		return cmp < 0;
	case FILTER_LE:
		return cmp <= 0;
	default:
		return false;
	}
}

static bool text_matches(const struct comparison *c, const char *s, size_t len)
{
	size_t i;
	int cmp;

	switch (c->op) {
	case FILTER_CO:
		if (c->text_len > len)
			return false;
		for (i = 0; i + c->text_len <= len; i++)
			if (text_equal_at(s, i, c->text, c->text_len, c->case_exact))
				return true;
		return false;
	case FILTER_SW:
		return c->text_len <= len &&
		       text_equal_at(s, 0, c->text, c->text_len, c->case_exact);
	case FILTER_EW:
		return c->text_len <= len &&
		       text_equal_at(s, len - c->text_len, c->text, c->text_len,
				     c->case_exact);
	default:
		break;
	}
	cmp = filter_text_compare(s, len, c->text, c->text_len, c->case_exact);
	return ordering_matches(c->op, cmp);
}

/* ---- one value ---- */

/* Entra writes booleans as strings: "True", "false". */
static bool boolean_from_text(const char *s, size_t len, bool *out)
{
	if (len == 4 && strncasecmp(s, "true", 4) == 0) {
		*out = true;
		return true;
	}
	if (len == 5 && strncasecmp(s, "false", 5) == 0) {
		*out = false;
		return true;
	}
	return false;
}

bool filter_number_text(const char *s, double *out)
{
	char *end;

	/* strtod() also takes blanks, hex, inf and nan: only JSON-like text. */
	if (*s != '-' && (*s < '0' || *s > '9'))
		return false;
	errno = 0;
	*out = strtod(s, &end);
	return *s != '\0' && *end == '\0' && errno == 0 && isfinite(*out);
}

/* Does the single value v (not an array) satisfy the comparison? */
static bool value_matches(const struct comparison *c, const json_t *v)
{
	struct datetime t;
	bool b;

	if (c->presence)
		return value_present(v);
	if (v == NULL || json_is_null(v))
		return false;
	if (c->as_text)
		return json_is_string(v) &&
		       text_matches(c, json_string_value(v), json_string_length(v));

	switch (c->type) {
	case ATTR_BOOLEAN:
		if (json_is_boolean(v))
			b = json_is_true(v);
		else if (!json_is_string(v) ||
			 !boolean_from_text(json_string_value(v),
					    json_string_length(v), &b))
			return false;
		return c->op == FILTER_EQ ? b == c->boolean : b != c->boolean;
	case ATTR_INTEGER:
	case ATTR_DECIMAL: {
		double d;

		/* Stored numbers are JSON numbers (resource_normalize() makes
		 * them so), and filter_sql.c compares those alone. */
		if (!json_is_number(v))
			return false;
		d = json_number_value(v);
		return ordering_matches(c->op, d < c->number ? -1 :
					       d > c->number ? 1 : 0);
	}
	case ATTR_DATETIME:
		if (!json_is_string(v) ||
		    !datetime_parse(json_string_value(v), json_string_length(v), &t))
			return false;
		return ordering_matches(c->op, datetime_compare(&t, &c->time));
	default:
		return false;
	}
}

/* A value, or any element of it when it is an array. */
static bool any_matches(const struct comparison *c, const json_t *v)
{
	size_t i;
	json_t *e;

	if (!json_is_array(v))
		return value_matches(c, v);
	json_array_foreach(v, i, e)
		if (value_matches(c, e))
			return true;
	return false;
}

/*
 * The attribute value v (an array for multi-valued attributes) reduced to
 * its sub-attribute `key` (or itself when key is NULL): does any of the
 * values satisfy the comparison?
 */
static bool attribute_matches(const struct comparison *c, const json_t *v,
			      const char *key)
{
	size_t i;
	json_t *e;

	if (key == NULL)
		return any_matches(c, v);
	if (!json_is_array(v))
		return any_matches(c, resource_get_ci(v, key));
	json_array_foreach(v, i, e)
		if (any_matches(c, resource_get_ci(e, key)))
			return true;
	return false;
}

/* ---- comparisons ---- */

static void path_text(const struct filter_path *path, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s%s%s%s", path->urn ? path->urn : "",
		 path->urn ? ":" : "", path->attr ? path->attr : "",
		 path->sub ? "." : "", path->sub ? path->sub : "");
}

static bool eval_fail_attr(struct eval *ev, const struct filter_path *path,
			   const char *why)
{
	char name[256];

	path_text(path, name, sizeof(name));
	return error_set(ev->err, 400, SCIM_INVALID_FILTER, "%s '%s' in filter",
			 why, name);
}

/*
 * Convert the node's operand for an attribute of type def. Fails with
 * invalidFilter when the operator or operand does not fit the type.
 */
static bool comparison_prepare(struct eval *ev, const struct filter_node *node,
			       const struct filter_path *path,
			       const struct attr_def *def, struct comparison *c)
{
	const struct filter_value *value = &node->value;
	const char *op = filter_op_name(node->op);
	bool ordering = node->op == FILTER_GT || node->op == FILTER_GE ||
			node->op == FILTER_LT || node->op == FILTER_LE;
	bool substring = node->op == FILTER_CO || node->op == FILTER_SW ||
			 node->op == FILTER_EW;
	char name[256];

	memset(c, 0, sizeof(*c));
	c->op = node->op;
	c->type = def->type;
	c->case_exact = def->case_exact;
	path_text(path, name, sizeof(name));

	if (node->op == FILTER_PR) {
		c->presence = true;
		return true;
	}
	if (value->kind == FILTER_VALUE_NULL) {
		/* RFC 7644 3.4.2.2: eq null matches an absent attribute. */
		if (node->op != FILTER_EQ && node->op != FILTER_NE)
			return error_set(ev->err, 400, SCIM_INVALID_FILTER,
					 "operator '%s' cannot compare '%s' with "
					 "null in filter", op, name);
		c->presence = true;
		return true;
	}
	if (value->kind == FILTER_VALUE_TRUE || value->kind == FILTER_VALUE_FALSE)
		c->text = value->kind == FILTER_VALUE_TRUE ? "true" : "false";
	else
		c->text = value->text != NULL ? value->text : "";
	c->text_len = strlen(c->text);

	switch (def->type) {
	case ATTR_BOOLEAN:
		if (ordering || substring)
			return error_set(ev->err, 400, SCIM_INVALID_FILTER,
					 "operator '%s' is not defined for the "
					 "boolean attribute '%s' in filter", op,
					 name);
		/* Entra: roles[primary eq "True"]. */
		if (value->kind == FILTER_VALUE_NUMBER ||
		    !boolean_from_text(c->text, c->text_len, &c->boolean))
			return error_set(ev->err, 400, SCIM_INVALID_FILTER,
					 "attribute '%s' is boolean, expected "
					 "true or false in filter", name);
		return true;
	case ATTR_INTEGER:
	case ATTR_DECIMAL:
		if (substring)
			return error_set(ev->err, 400, SCIM_INVALID_FILTER,
					 "operator '%s' is not defined for the "
					 "numeric attribute '%s' in filter", op,
					 name);
		if ((value->kind != FILTER_VALUE_NUMBER &&
		     value->kind != FILTER_VALUE_STRING) ||
		    !filter_number_text(c->text, &c->number))
			return error_set(ev->err, 400, SCIM_INVALID_FILTER,
					 "attribute '%s' is numeric, expected a "
					 "number in filter", name);
		return true;
	case ATTR_DATETIME:
		if (substring) {
			c->as_text = true;
			c->case_exact = true;
			return true;
		}
		if (value->kind != FILTER_VALUE_STRING ||
		    !datetime_parse(c->text, c->text_len, &c->time))
			return error_set(ev->err, 400, SCIM_INVALID_FILTER,
					 "attribute '%s' is a dateTime, expected "
					 "a value like \"2011-05-13T04:42:34Z\" "
					 "in filter", name);
		return true;
	case ATTR_COMPLEX:
		return error_set(ev->err, 400, SCIM_INVALID_FILTER,
				 "attribute '%s' is complex, compare one of its "
				 "sub-attributes in filter", name);
	default:
		/* Strings; numbers and bare words compare as their text. */
		c->as_text = true;
		return true;
	}
}

/*
 * The leaf that a comparison reads. A complex attribute compared without a
 * sub-attribute means its "value" (RFC 7644 3.4.2.2: `emails co "x"`; Entra:
 * `members eq "id"`); pr and eq/ne null on it ask whether the attribute
 * itself is there.
 */
static bool leaf_select(struct eval *ev, const struct filter_node *node,
			const struct filter_path *path, const struct attr_def *attr,
			const struct attr_def *sub, const struct attr_def **def,
			const char **key)
{
	*def = sub != NULL ? sub : attr;
	*key = sub != NULL ? sub->name : NULL;
	if ((*def)->type != ATTR_COMPLEX || node->op == FILTER_PR ||
	    node->value.kind == FILTER_VALUE_NULL)
		return true;
	if (sub == NULL) {
		const struct attr_def *value =
			schema_find_attr(attr->sub_attrs, "value", 5);

		if (value != NULL) {
			*def = value;
			*key = value->name;
			return true;
		}
	}
	return eval_fail_attr(ev, path, "cannot compare the complex attribute");
}

static bool compare_run(struct eval *ev, const struct filter_node *node,
			const struct filter_path *path, const struct attr_def *attr,
			const struct attr_def *sub, const json_t *value,
			bool *out)
{
	struct comparison c;
	const struct attr_def *def;
	const char *key;

	if (!leaf_select(ev, node, path, attr, sub, &def, &key) ||
	    !comparison_prepare(ev, node, path, def, &c))
		return false;
	*out = attribute_matches(&c, value, key);
	/* eq null is the absence of a value. */
	if (c.presence && node->op == FILTER_EQ)
		*out = !*out;
	return true;
}

/* A comparison on a resource: resolve the path against the resource type. */
static bool eval_compare_resource(struct eval *ev, const struct filter_node *node,
				  const json_t *doc, bool *out)
{
	const struct filter_path *path = &node->path;
	const json_t *container = doc;
	struct attr_path ap;

	if (path->urn == NULL && path->sub == NULL &&
	    strcasecmp(path->attr, "schemas") == 0)
		return compare_run(ev, node, path, &schemas_attr, NULL,
				   resource_get_ci(doc, "schemas"), out);
	if (!schema_resolve(ev->rt, path->urn, path->attr, path->sub, &ap))
		return eval_fail_attr(ev, path, "unknown attribute");
	/* Extension attributes live in an object named by the URN. */
	if (ap.schema != NULL && ap.schema != ev->rt->core)
		container = resource_get_ci(doc, ap.schema->urn);
	return compare_run(ev, node, path, ap.attr, ap.sub,
			   resource_get_ci(container, ap.attr->name), out);
}

/* A sub-attribute of the element of attribute ev->element_attr. */
static bool resolve_in_element(struct eval *ev, const struct filter_path *path,
			       const struct attr_def **out)
{
	const struct attr_def *attr = ev->element_attr;

	char what[128];

	*out = NULL;
	if (path->urn == NULL && path->sub == NULL)
		*out = schema_find_attr(attr->sub_attrs, path->attr,
					strlen(path->attr));
	if (*out != NULL)
		return true;
	snprintf(what, sizeof(what), "unknown sub-attribute of '%s':",
		 attr->name);
	return eval_fail_attr(ev, path, what);
}

static bool eval_compare_element(struct eval *ev, const struct filter_node *node,
				 const json_t *element, bool *out)
{
	const struct attr_def *def;

	if (!resolve_in_element(ev, &node->path, &def))
		return false;
	return compare_run(ev, node, &node->path, def, NULL,
			   resource_get_ci(element, def->name), out);
}

/* ---- the tree ---- */

static bool eval_node(struct eval *ev, const struct filter_node *node,
		      const json_t *doc, bool *out);

/*
 * Some element of a complex attribute satisfies the bracket filter (and,
 * with Entra's `emails[type eq "work"].value eq "x"`, the trailing
 * comparison too): the same element must satisfy all of it.
 */
static bool eval_value_path(struct eval *ev, const struct filter_node *node,
			    const json_t *doc, bool *out)
{
	struct filter_node sub_compare;
	const json_t *container = doc;
	const json_t *value;
	struct eval inner;
	struct attr_path ap;
	size_t count;
	size_t i;

	*out = false;
	if (ev->element_attr != NULL)
		return eval_fail_attr(ev, &node->path,
				      "nested value filter on");
	if (!schema_resolve(ev->rt, node->path.urn, node->path.attr, NULL, &ap))
		return eval_fail_attr(ev, &node->path, "unknown attribute");
	if (ap.attr->type != ATTR_COMPLEX || ap.attr->sub_attrs == NULL)
		return eval_fail_attr(ev, &node->path,
				      "a value filter needs a complex attribute, not");
	if (ap.schema != NULL && ap.schema != ev->rt->core)
		container = resource_get_ci(doc, ap.schema->urn);
	value = resource_get_ci(container, ap.attr->name);

	inner = *ev;
	inner.element_attr = ap.attr;
	memset(&sub_compare, 0, sizeof(sub_compare));
	sub_compare.kind = FILTER_COMPARE;
	sub_compare.path.attr = node->sub_attr;
	sub_compare.op = node->op;
	sub_compare.value = node->value;

	count = json_is_array(value) ? json_array_size(value) :
		json_is_object(value) ? 1 : 0;
	/* With no element, run once on nothing: errors do not depend on data. */
	for (i = 0; i < (count > 0 ? count : 1); i++) {
		const json_t *element = NULL;
		bool matched = false;
		bool sub_matched = true;

		if (count > 0)
			element = json_is_array(value) ?
					  json_array_get(value, i) : value;
		if (!eval_node(&inner, node->left, element, &matched))
			return false;
		if (node->has_sub_compare &&
		    !eval_node(&inner, &sub_compare, element, &sub_matched))
			return false;
		if (count > 0 && matched && sub_matched) {
			*out = true;
			return true;
		}
	}
	return true;
}

static bool eval_node(struct eval *ev, const struct filter_node *node,
		      const json_t *doc, bool *out)
{
	bool left = false;
	bool right = false;

	*out = false;
	if (node == NULL)
		return error_set(ev->err, 400, SCIM_INVALID_FILTER,
				 "empty filter");
	switch (node->kind) {
	case FILTER_AND:
	case FILTER_OR:
		/* No short cut: the right side is checked whatever the left. */
		if (!eval_node(ev, node->left, doc, &left) ||
		    !eval_node(ev, node->right, doc, &right))
			return false;
		*out = node->kind == FILTER_AND ? left && right : left || right;
		return true;
	case FILTER_NOT:
		if (!eval_node(ev, node->left, doc, &left))
			return false;
		*out = !left;
		return true;
	case FILTER_COMPARE:
		if (node->path.attr == NULL)
			return error_set(ev->err, 400, SCIM_INVALID_FILTER,
					 "comparison without an attribute");
		if (ev->element_attr != NULL)
			return eval_compare_element(ev, node, doc, out);
		return eval_compare_resource(ev, node, doc, out);
	case FILTER_VALUE_PATH:
		return eval_value_path(ev, node, doc, out);
	}
	return error_set(ev->err, 400, SCIM_INVALID_FILTER, "bad filter node");
}

bool filter_match(const struct filter_node *node, const json_t *resource,
		  const struct resource_type_def *rt, bool *matched,
		  struct scim_error *err)
{
	struct eval ev = { .rt = rt, .element_attr = NULL, .err = err };

	*matched = false;
	if (rt == NULL)
		return error_set(err, 500, NULL, "filter_match without a resource type");
	return eval_node(&ev, node, resource, matched);
}

bool filter_match_element(const struct filter_node *node, const json_t *element,
			  const struct attr_def *attr, bool *matched,
			  struct scim_error *err)
{
	struct eval ev = { .rt = NULL, .element_attr = attr, .err = err };

	*matched = false;
	if (attr == NULL || attr->type != ATTR_COMPLEX || attr->sub_attrs == NULL)
		return error_set(err, 400, SCIM_INVALID_FILTER,
				 "a value filter needs a complex attribute, not '%s'",
				 attr != NULL ? attr->name : "?");
	return eval_node(&ev, node, element, matched);
}
