/* filter_sql.c - filters as parameterized SQL; see filter_sql.h. */
#include "filter_sql.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "resource.h"

/* The kind of SQL expression an attribute reads from. */
enum expr_kind {
	EXPR_TEXT,      /* text: a text column or doc ->> 'x' */
	EXPR_BOOLEAN,   /* boolean column */
	EXPR_TIMESTAMP, /* timestamptz column */
	EXPR_UUID,      /* the id column */
};

struct expr {
	char text[512];
	enum expr_kind kind;
};

/*
 * Translation state. Inside a value path ("emails[...]") `element` is the SQL
 * alias of the array element being tested and `element_attr` its attribute;
 * paths in the bracket are then sub-attributes of it.
 */
struct translation {
	const struct resource_type_def *rt;
	struct sql_query *q;
	struct scim_error *err;
	int aliases;
	const char *element;
	const struct attr_def *element_attr;
};

static bool translate(struct translation *t, const struct filter_node *node);

static bool unsupported(struct translation *t, const char *what)
{
	return error_set(t->err, 400, SCIM_INVALID_FILTER, "%s", what);
}

/* A value as text for a parameter; booleans and numbers as written. */
static const char *value_text(const struct filter_value *value)
{
	switch (value->kind) {
	case FILTER_VALUE_TRUE:
		return "true";
	case FILTER_VALUE_FALSE:
		return "false";
	case FILTER_VALUE_NULL:
		return NULL;
	default:
		return value->text;
	}
}

/* Entra writes booleans as strings ("True"); anything else is not one. */
static const char *value_boolean(const struct filter_value *value)
{
	if (value->kind == FILTER_VALUE_TRUE)
		return "true";
	if (value->kind == FILTER_VALUE_FALSE)
		return "false";
	if (value->kind == FILTER_VALUE_STRING && value->text != NULL) {
		if (strcasecmp(value->text, "true") == 0)
			return "true";
		if (strcasecmp(value->text, "false") == 0)
			return "false";
	}
	return NULL;
}

static const char *sql_operator(enum filter_op op)
{
	switch (op) {
	case FILTER_EQ: return "=";
	case FILTER_NE: return "<>";
	case FILTER_GT: return ">";
	case FILTER_GE: return ">=";
	case FILTER_LT: return "<";
	case FILTER_LE: return "<=";
	default: return NULL;
	}
}

/*
 * Append the comparison `expr op value` for an attribute of type `def`,
 * wrapped in coalesce(..., false) so that a missing value never matches and
 * `not` of it does.
 */
static bool compare(struct translation *t, const struct expr *expr,
		    const struct attr_def *def, enum filter_op op,
		    const struct filter_value *value)
{
	struct sql_query *q = t->q;
	const char *text = value_text(value);
	const char *lower = def->case_exact ? "" : "lower";
	const char *boolean;

	if (op == FILTER_PR) {
		if (expr->kind == EXPR_TEXT && def->type != ATTR_BOOLEAN)
			sql_query_appendf(q, "coalesce(%s <> '', false)", expr->text);
		else
			sql_query_appendf(q, "(%s IS NOT NULL)", expr->text);
		return true;
	}
	if (value->kind == FILTER_VALUE_NULL) {
		/* RFC 7644 3.4.2.2: eq null matches what is absent. */
		if (op == FILTER_EQ)
			sql_query_appendf(q, "(%s IS NULL)", expr->text);
		else if (op == FILTER_NE)
			sql_query_appendf(q, "(%s IS NOT NULL)", expr->text);
		else
			return unsupported(t, "null can only be compared with eq or ne");
		return true;
	}

	switch (def->type) {
	case ATTR_BOOLEAN:
		boolean = value_boolean(value);
		if (op != FILTER_EQ && op != FILTER_NE)
			return unsupported(t, "booleans can only be compared with eq, ne and pr");
		if (boolean == NULL)
			return error_set(t->err, 400, SCIM_INVALID_FILTER,
					 "%s is a boolean: compare it with true or false", def->name);
		sql_query_appendf(q, "coalesce((%s)%s %s ", expr->text,
				  expr->kind == EXPR_BOOLEAN ? "" : "::boolean", sql_operator(op));
		sql_query_param(q, boolean);
		sql_query_append(q, "::boolean, false)");
		return true;
	case ATTR_DATETIME:
		if (value->kind != FILTER_VALUE_STRING)
			return error_set(t->err, 400, SCIM_INVALID_FILTER,
					 "%s is a dateTime: compare it with a quoted timestamp", def->name);
		if (sql_operator(op) == NULL)
			return unsupported(t, "dateTimes can only be compared with eq, ne, gt, ge, lt, le and pr");
		sql_query_appendf(q, "coalesce((%s)%s %s ", expr->text,
				  expr->kind == EXPR_TIMESTAMP ? "" : "::timestamptz", sql_operator(op));
		sql_query_param(q, text);
		sql_query_append(q, "::timestamptz, false)");
		return true;
	case ATTR_INTEGER:
	case ATTR_DECIMAL:
		if (value->kind != FILTER_VALUE_NUMBER || sql_operator(op) == NULL)
			return error_set(t->err, 400, SCIM_INVALID_FILTER,
					 "%s is a number: compare it with a number", def->name);
		sql_query_appendf(q, "coalesce((%s)::numeric %s ", expr->text, sql_operator(op));
		sql_query_param(q, text);
		sql_query_append(q, "::numeric, false)");
		return true;
	case ATTR_COMPLEX:
		return error_set(t->err, 400, SCIM_INVALID_FILTER,
				 "%s is complex: name one of its sub-attributes", def->name);
	default:
		break;
	}

	if (value->kind == FILTER_VALUE_TRUE || value->kind == FILTER_VALUE_FALSE)
		return error_set(t->err, 400, SCIM_INVALID_FILTER,
				 "%s is a string: compare it with a string", def->name);
	if (expr->kind == EXPR_UUID) {
		/* Ids are UUIDs: any other text matches no resource. */
		if (op == FILTER_EQ || op == FILTER_NE) {
			if (!resource_id_valid(text)) {
				sql_query_append(q, op == FILTER_EQ ? "false" : "true");
				return true;
			}
			sql_query_appendf(q, "(%s %s ", expr->text, sql_operator(op));
			sql_query_param(q, text);
			sql_query_append(q, "::uuid)");
			return true;
		}
		sql_query_appendf(q, "(%s::text", expr->text);
	} else {
		sql_query_appendf(q, "coalesce(%s(%s)", lower, expr->text);
	}
	/* The rest of the expression follows the "(x" or "coalesce(lower(x)" above. */
	switch (op) {
	case FILTER_CO:
		sql_query_append(q, " LIKE '%' || ");
		break;
	case FILTER_SW:
		sql_query_append(q, " LIKE ");
		break;
	case FILTER_EW:
		sql_query_append(q, " LIKE '%' || ");
		break;
	default:
		sql_query_appendf(q, " COLLATE \"C\" %s ", sql_operator(op));
		break;
	}
	if (op == FILTER_CO || op == FILTER_SW || op == FILTER_EW) {
		/* LIKE patterns: the value's own %, _ and \ match literally. */
		sql_query_appendf(q, "%s(replace(replace(replace(", lower);
		sql_query_param(q, text);
		sql_query_append(q, ", '\\', '\\\\'), '%', '\\%'), '_', '\\_'))");
		if (op != FILTER_EW)
			sql_query_append(q, " || '%'");
	} else {
		sql_query_appendf(q, "%s(", lower);
		sql_query_param(q, text);
		sql_query_append(q, ")");
	}
	sql_query_append(q, expr->kind == EXPR_UUID ? ")" : ", false)");
	return true;
}


/* The jsonb expression of an attribute in the document, e.g.
 * r.doc->'urn:...:User'->'manager'->>'value'. Names come from schema.c,
 * never from the client. */
static void doc_expr(struct translation *t, struct expr *expr, const char *base,
		     const struct schema_def *schema, const struct attr_def *attr,
		     const struct attr_def *sub)
{
	char *out = expr->text;
	size_t size = sizeof(expr->text);
	int n;

	n = snprintf(out, size, "(%s", base);
	if (schema != NULL && schema != t->rt->core)
		n += snprintf(out + n, size - (size_t)n, "->'%s'", schema->urn);
	if (sub != NULL)
		n += snprintf(out + n, size - (size_t)n, "->'%s'->>'%s')", attr->name, sub->name);
	else
		snprintf(out + n, size - (size_t)n, "->>'%s')", attr->name);
	expr->kind = EXPR_TEXT;
}

/* The sub-attribute a comparison on a multi-valued complex attribute tests:
 * the one named, or "value" (RFC 7644 3.4.2.2: emails co "x"). */
static const struct attr_def *element_sub(struct translation *t, const struct attr_def *attr,
					  const struct attr_def *sub)
{
	if (sub != NULL)
		return sub;
	sub = schema_find_attr(attr->sub_attrs, "value", 5);
	if (sub == NULL)
		error_set(t->err, 400, SCIM_INVALID_FILTER,
			  "%s has no value: name one of its sub-attributes", attr->name);
	return sub;
}

/* Does the containment index answer `sub eq value` exactly? Only when the
 * comparison ignores case (the index holds the lower-cased document). */
static bool containment_answers(const struct attr_def *sub, enum filter_op op)
{
	if (op != FILTER_EQ)
		return false;
	if (sub->type == ATTR_BOOLEAN)
		return true;
	return (sub->type == ATTR_STRING || sub->type == ATTR_REFERENCE) && !sub->case_exact;
}

/* Add `sub: value` to a containment element; false when it cannot be
 * expressed (a value of the wrong type, or the same key twice). */
static bool containment_add(json_t *element, const struct attr_def *sub,
			    const struct filter_value *value)
{
	const char *boolean;

	if (json_object_get(element, sub->name) != NULL)
		return false;
	if (sub->type == ATTR_BOOLEAN) {
		boolean = value_boolean(value);
		if (boolean == NULL)
			return false;
		json_object_set_new(element, sub->name, json_boolean(boolean[0] == 't'));
		return true;
	}
	if (value->kind != FILTER_VALUE_STRING)
		return false;
	json_object_set_new(element, sub->name, json_string(value->text));
	return true;
}

/* Collect the eq comparisons of a bracket filter made only of `and`ed eqs. */
static bool containment_collect(const struct filter_node *node, const struct attr_def *attr,
				json_t *element)
{
	const struct attr_def *sub;

	if (node->kind == FILTER_AND)
		return containment_collect(node->left, attr, element) &&
		       containment_collect(node->right, attr, element);
	if (node->kind != FILTER_COMPARE || node->path.urn != NULL || node->path.sub != NULL)
		return false;
	sub = schema_find_attr(attr->sub_attrs, node->path.attr, strlen(node->path.attr));
	return sub != NULL && containment_answers(sub, node->op) &&
	       containment_add(element, sub, &node->value);
}

/* Append `lower(r.doc::text)::jsonb @> lower($n)::jsonb` for {attr: [element]}:
 * the indexed form of "some element has these values". */
static void containment(struct translation *t, const struct attr_def *attr, json_t *element)
{
	json_t *wrapper = json_pack("{s:[O]}", attr->name, element);
	char *text = json_dumps(wrapper, JSON_COMPACT);

	if (text == NULL)
		abort();
	sql_query_append(t->q, "(lower(r.doc::text)::jsonb @> lower(");
	sql_query_param(t->q, text);
	sql_query_append(t->q, ")::jsonb)");
	free(text);
	json_decref(wrapper);
}

/* Start "EXISTS (SELECT 1 FROM jsonb_array_elements(...) eN(v) WHERE " and
 * return the alias "eN.v" in `alias`. */
static void elements_open(struct translation *t, const struct schema_def *schema,
			  const struct attr_def *attr, char alias[32])
{
	bool extension = schema != NULL && schema != t->rt->core;
	struct expr array;
	int n = ++t->aliases;

	snprintf(array.text, sizeof(array.text), "r.doc%s%s%s->'%s'",
		 extension ? "->'" : "", extension ? schema->urn : "",
		 extension ? "'" : "", attr->name);
	sql_query_appendf(t->q,
			  "EXISTS (SELECT 1 FROM jsonb_array_elements(CASE jsonb_typeof(%s)"
			  " WHEN 'array' THEN %s END) e%d(v) WHERE ",
			  array.text, array.text, n);
	snprintf(alias, 32, "e%d.v", n);
}

/* The "schemas" attribute is in no schema table: a multi-valued string. */
static const struct attr_def schemas_attr = {
	.name = "schemas", .type = ATTR_REFERENCE, .multi_valued = true, .case_exact = false,
};

/* A comparison at the top level of a filter (not inside brackets). */
static bool translate_compare(struct translation *t, const struct filter_node *node)
{
	const struct filter_path *path = &node->path;
	struct attr_path ap;
	struct expr expr;
	const struct attr_def *sub;
	char alias[32];
	json_t *element;
	bool ok;

	if (t->element != NULL) {
		/* Inside brackets: a sub-attribute of the element. */
		sub = path->urn == NULL && path->sub == NULL
			? schema_find_attr(t->element_attr->sub_attrs, path->attr, strlen(path->attr))
			: NULL;
		if (sub == NULL)
			return error_set(t->err, 400, SCIM_INVALID_FILTER,
					 "%s has no sub-attribute \"%s\"", t->element_attr->name, path->attr);
		snprintf(expr.text, sizeof(expr.text), "(%s->>'%s')", t->element, sub->name);
		expr.kind = EXPR_TEXT;
		return compare(t, &expr, sub, node->op, &node->value);
	}

	if (path->urn == NULL && path->sub == NULL && strcasecmp(path->attr, "schemas") == 0) {
		snprintf(alias, sizeof(alias), "s%d", ++t->aliases);
		sql_query_appendf(t->q, "EXISTS (SELECT 1 FROM jsonb_array_elements_text(r.doc->'schemas') %s(v) WHERE ", alias);
		snprintf(expr.text, sizeof(expr.text), "%s.v", alias);
		expr.kind = EXPR_TEXT;
		ok = compare(t, &expr, &schemas_attr, node->op, &node->value);
		sql_query_append(t->q, ")");
		return ok;
	}
	if (!schema_resolve(t->rt, path->urn, path->attr, path->sub, &ap))
		return error_set(t->err, 400, SCIM_INVALID_FILTER,
				 "unknown attribute \"%s%s%s\" in filter", path->attr,
				 path->sub ? "." : "", path->sub ? path->sub : "");

	expr.kind = EXPR_TEXT;
	if (ap.schema == NULL) {
		/* Common attributes live in columns. */
		if (strcmp(ap.attr->name, "id") == 0) {
			snprintf(expr.text, sizeof(expr.text), "r.id");
			expr.kind = EXPR_UUID;
		} else if (strcmp(ap.attr->name, "externalId") == 0) {
			snprintf(expr.text, sizeof(expr.text), "r.external_id");
		} else if (ap.sub != NULL && strcmp(ap.sub->name, "created") == 0) {
			snprintf(expr.text, sizeof(expr.text), "r.created");
			expr.kind = EXPR_TIMESTAMP;
		} else if (ap.sub != NULL && strcmp(ap.sub->name, "lastModified") == 0) {
			snprintf(expr.text, sizeof(expr.text), "r.last_modified");
			expr.kind = EXPR_TIMESTAMP;
		} else if (ap.sub != NULL && strcmp(ap.sub->name, "resourceType") == 0) {
			snprintf(expr.text, sizeof(expr.text), "'%s'::text", t->rt->name);
		} else {
			return error_set(t->err, 400, SCIM_INVALID_FILTER,
					 "filtering on meta%s%s is not supported",
					 ap.sub ? "." : "", ap.sub ? ap.sub->name : "");
		}
		return compare(t, &expr, ap.sub ? ap.sub : ap.attr, node->op, &node->value);
	}

	if (ap.attr->mutability == MUT_READ_ONLY || ap.attr->mutability == MUT_WRITE_ONLY)
		return error_set(t->err, 400, SCIM_INVALID_FILTER,
				 "filtering on %s is not supported yet", ap.attr->name);

	if (!ap.attr->multi_valued) {
		if (ap.schema == t->rt->core && ap.sub == NULL) {
			if (strcmp(ap.attr->name, "userName") == 0) {
				snprintf(expr.text, sizeof(expr.text), "r.user_name");
			} else if (strcmp(ap.attr->name, "displayName") == 0) {
				snprintf(expr.text, sizeof(expr.text), "r.display_name");
			} else if (strcmp(ap.attr->name, "active") == 0 &&
				   t->rt == &resource_type_user) {
				snprintf(expr.text, sizeof(expr.text), "r.active");
				expr.kind = EXPR_BOOLEAN;
			} else {
				doc_expr(t, &expr, "r.doc", ap.schema, ap.attr, NULL);
			}
		} else {
			doc_expr(t, &expr, "r.doc", ap.schema, ap.attr, ap.sub);
		}
		/* userName sw: a range the prefix index answers, then the exact test. */
		if (node->op == FILTER_SW && strcmp(expr.text, "r.user_name") == 0 &&
		    node->value.kind == FILTER_VALUE_STRING) {
			sql_query_append(t->q, "(lower(r.user_name) ~>=~ lower(");
			sql_query_param(t->q, node->value.text);
			sql_query_append(t->q, ") AND lower(r.user_name) ~<~ (lower(");
			sql_query_param(t->q, node->value.text);
			sql_query_append(t->q, ") || chr(1114111)) AND ");
			ok = compare(t, &expr, ap.attr, node->op, &node->value);
			sql_query_append(t->q, ")");
			return ok;
		}
		return compare(t, &expr, ap.sub ? ap.sub : ap.attr, node->op, &node->value);
	}

	/* Multi-valued: some element matches. */
	if (ap.attr->type != ATTR_COMPLEX)
		return unsupported(t, "filtering on multi-valued simple attributes is not supported");
	sub = element_sub(t, ap.attr, ap.sub);
	if (sub == NULL)
		return false;
	if (containment_answers(sub, node->op) && ap.schema == t->rt->core) {
		element = json_object();
		if (containment_add(element, sub, &node->value)) {
			containment(t, ap.attr, element);
			json_decref(element);
			return true;
		}
		json_decref(element);
	}
	elements_open(t, ap.schema, ap.attr, alias);
	snprintf(expr.text, sizeof(expr.text), "(%s->>'%s')", alias, sub->name);
	ok = compare(t, &expr, sub, node->op, &node->value);
	sql_query_append(t->q, ")");
	return ok;
}

/* emails[type eq "work"] and Entra's emails[type eq "work"].value eq "x". */
static bool translate_value_path(struct translation *t, const struct filter_node *node)
{
	const struct filter_path *path = &node->path;
	struct attr_path ap;
	const struct attr_def *sub = NULL;
	struct expr expr;
	char alias[32];
	json_t *element;
	bool ok;

	if (t->element != NULL)
		return unsupported(t, "value paths cannot be nested");
	if (!schema_resolve(t->rt, path->urn, path->attr, NULL, &ap) || path->sub != NULL)
		return error_set(t->err, 400, SCIM_INVALID_FILTER,
				 "unknown attribute \"%s\" in filter", path->attr);
	if (!ap.attr->multi_valued || ap.attr->type != ATTR_COMPLEX || ap.schema == NULL)
		return error_set(t->err, 400, SCIM_INVALID_FILTER,
				 "%s is not a multi-valued complex attribute", ap.attr->name);
	if (ap.attr->mutability == MUT_READ_ONLY)
		return error_set(t->err, 400, SCIM_INVALID_FILTER,
				 "filtering on %s is not supported yet", ap.attr->name);
	if (node->has_sub_compare) {
		sub = schema_find_attr(ap.attr->sub_attrs, node->sub_attr, strlen(node->sub_attr));
		if (sub == NULL)
			return error_set(t->err, 400, SCIM_INVALID_FILTER,
					 "%s has no sub-attribute \"%s\"", ap.attr->name, node->sub_attr);
	}

	/* The Entra lookup: every test an eq the containment index answers. */
	element = json_object();
	if (ap.schema == t->rt->core && containment_collect(node->left, ap.attr, element) &&
	    (sub == NULL || (containment_answers(sub, node->op) &&
			     containment_add(element, sub, &node->value)))) {
		containment(t, ap.attr, element);
		json_decref(element);
		return true;
	}
	json_decref(element);

	elements_open(t, ap.schema, ap.attr, alias);
	t->element = alias;
	t->element_attr = ap.attr;
	ok = translate(t, node->left);
	t->element = NULL;
	t->element_attr = NULL;
	if (ok && sub != NULL) {
		sql_query_append(t->q, " AND ");
		snprintf(expr.text, sizeof(expr.text), "(%s->>'%s')", alias, sub->name);
		expr.kind = EXPR_TEXT;
		ok = compare(t, &expr, sub, node->op, &node->value);
	}
	sql_query_append(t->q, ")");
	return ok;
}

static bool translate(struct translation *t, const struct filter_node *node)
{
	bool ok;

	switch (node->kind) {
	case FILTER_AND:
	case FILTER_OR:
		sql_query_append(t->q, "(");
		if (!translate(t, node->left))
			return false;
		sql_query_append(t->q, node->kind == FILTER_AND ? " AND " : " OR ");
		ok = translate(t, node->right);
		sql_query_append(t->q, ")");
		return ok;
	case FILTER_NOT:
		sql_query_append(t->q, "(NOT ");
		ok = translate(t, node->left);
		sql_query_append(t->q, ")");
		return ok;
	case FILTER_COMPARE:
		return translate_compare(t, node);
	case FILTER_VALUE_PATH:
		return translate_value_path(t, node);
	}
	return unsupported(t, "unknown filter node");
}

bool filter_sql(const struct filter_node *node, const struct resource_type_def *rt,
		struct sql_query *q, struct scim_error *err)
{
	struct translation t = { .rt = rt, .q = q, .err = err };

	if (!translate(&t, node))
		return false;
	if (q->nparams >= SQL_QUERY_MAX_PARAMS)
		return error_set(err, 400, SCIM_INVALID_FILTER, "the filter has too many values");
	return true;
}
