/*
 * filter_sql.c - filters as parameterized SQL; see filter_sql.h.
 *
 * The meaning is filter_match()'s (filter_eval.c) on the document a client
 * receives (resource_render): the SQL reads the stored document, which
 * resource_normalize() made regular (canonical names, strings as JSON
 * strings, booleans as JSON booleans, no empty objects or arrays), and the
 * columns for what is rendered from them (id, meta). The differential test
 * (tests/differential/) holds the two to the same answers.
 *
 * Every condition written here is two-valued, never NULL, so that `not`
 * turns exactly the resources that do not match into matches: a missing
 * value makes a comparison false, as in memory.
 *
 * SQL text comes only from this file and the schema tables (attribute names,
 * URNs, endpoints); every value of the filter is a $n parameter.
 */
#include "filter_sql.h"

#include <stdarg.h>
#include <stdint.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "datetime.h"
#include "resource.h"
#include "store_internal.h"

/* What one value read by a comparison is, in SQL. */
enum leaf_kind {
	LEAF_TEXT,     /* text: a column, doc ->> 'x', or a rendered string */
	LEAF_BOOLEAN,  /* doc ->> 'x' of a JSON boolean: 'true' or 'false' */
	LEAF_DATETIME, /* a timestamptz column, rendered to milliseconds */
	LEAF_NUMBER,   /* a float8 of a JSON number, NULL for anything else */
	LEAF_JSON_TIME, /* a document's dateTime: seconds, numeric (scim_time()) */
	LEAF_ID,       /* r.id, a uuid */
	LEAF_COMPLEX,  /* a jsonb object: only its presence is tested */
	LEAF_ABSENT,   /* never rendered (writeOnly: password) */
};

struct leaf {
	char sql[768];
	enum leaf_kind kind;
	bool nullable;       /* NULL when the resource has no value */
	bool always_present; /* rendered for every resource (id, meta) */
	bool case_exact;
	bool user_name;      /* the r.user_name column: sw uses its index */
	bool indexed;        /* a column whose index answers eq */
	/* A dateTime of the document: its text as stored, which pr and co,
	 * sw, ew read (sql is scim_time() of it); "" for a column. */
	char text[384];
};

/* A comparison's operand, converted like filter_eval.c's comparison_prepare(). */
struct operand {
	enum filter_op op;
	bool presence;  /* pr, eq null, ne null: is there a value? */
	bool absence;   /* eq null: the answer is the absence of a value */
	const char *text; /* the literal as text; "true"/"false" for booleans */
	bool boolean;
	/* dateTime eq/ne/gt/ge/lt/le, reduced to the rendered milliseconds: */
	enum filter_op time_op; /* applied to the rendered time and `time` */
	int time_constant;      /* -1: compare; 0/1: the answer whatever the time */
	char time[48];          /* PostgreSQL timestamptz text of the milliseconds */
	/* and the time itself, exactly, for a document's dateTime: */
	char seconds[24];       /* since 1970 */
	char nanos[16];
};

/*
 * Translation state. Inside a value path ("emails[...]") `element` is the
 * SQL expression of the element being tested (jsonb), or NULL for meta,
 * whose sub-attributes are columns; `element_attr` is the attribute.
 */
struct translation {
	const struct resource_type_def *rt;
	const char *base_url; /* for meta.location and manager.$ref; may be NULL */
	int base_param;       /* its $n, 0 until used */
	const char *tenant_id; /* for set-wise membership tests; may be NULL */
	int tenant_param;      /* its $n, 0 until used */
	struct sql_query *q;
	struct scim_error *err;
	int aliases;
	bool in_element;
	const char *element;
	const struct attr_def *element_attr;
	/* Set by translate(): an index narrows the node's rows (store_list
	 * plans such a filter before its order and page). */
	bool indexed;
};

/* "schemas" is in every resource but in no schema (RFC 7643 3); URIs are
 * compared ignoring case, as in filter_eval.c. */
static const struct attr_def schemas_attr = {
	.name = "schemas", .type = ATTR_REFERENCE, .multi_valued = true,
};

static bool translate(struct translation *t, const struct filter_node *node);

static bool __attribute__((format(printf, 2, 3)))
invalid(struct translation *t, const char *fmt, ...)
{
	char detail[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	return error_set(t->err, 400, SCIM_INVALID_FILTER, "%s", detail);
}

/* Our own SQL fragments have bounded sizes: a longer one is a bug. */
static void __attribute__((format(printf, 2, 3)))
leaf_set(struct leaf *leaf, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(leaf->sql, sizeof(leaf->sql), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(leaf->sql))
		abort();
}

/* ---- values, read as filter_eval.c reads them ---- */

/* Entra writes booleans as strings: "True", "false". */
static bool boolean_from_text(const char *s, bool *out)
{
	if (strcasecmp(s, "true") == 0) {
		*out = true;
		return true;
	}
	if (strcasecmp(s, "false") == 0) {
		*out = false;
		return true;
	}
	return false;
}

/* Milliseconds since 1970 as timestamptz input; years before 1 are BC. */
static void time_text(int64_t ms, char *out, size_t size)
{
	int64_t days = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
	int64_t in_day = ms - days * 86400000;
	int64_t year;
	int month, day;

	datetime_civil_from_days(days, &year, &month, &day);
	snprintf(out, size, "%04lld-%02d-%02d %02d:%02d:%02d.%03d+00%s",
		 (long long)(year > 0 ? year : 1 - year), month, day,
		 (int)(in_day / 3600000), (int)(in_day / 60000 % 60),
		 (int)(in_day / 1000 % 60), (int)(in_day % 1000), year > 0 ? "" : " BC");
}

/*
 * A dateTime comparison against the rendered time, which has whole
 * milliseconds: `rendered op V` becomes `rendered op' M` with M whole
 * milliseconds, or a constant (eq on a V between two milliseconds).
 */
static void time_reduce(struct operand *o, int64_t seconds, int32_t nanos)
{
	int64_t ms = seconds * 1000 + nanos / 1000000;

	o->time_op = o->op;
	o->time_constant = -1;
	time_text(ms, o->time, sizeof(o->time));
	if (nanos % 1000000 == 0)
		return;
	/* M < V < M + 1ms, and a rendered time R is a whole millisecond. */
	switch (o->op) {
	case FILTER_EQ:
		o->time_constant = 0;
		break;
	case FILTER_NE:
		o->time_constant = 1;
		break;
	case FILTER_GT:
	case FILTER_GE:
		o->time_op = FILTER_GT; /* R > V iff R > M */
		break;
	default:
		o->time_op = FILTER_LE; /* R < V iff R <= M */
		break;
	}
}

/* ---- case folding, as filter_eval.c's fold_at() and SQL's scim_fold() ---- */

/* Fold UTF-8 text in place: ASCII and U+00C0..U+00DE but U+00D7. */
static void fold(char *s)
{
	unsigned char *u = (unsigned char *)s;
	size_t i;

	for (i = 0; u[i] != '\0'; i++) {
		if (u[i] >= 'A' && u[i] <= 'Z')
			u[i] = (unsigned char)(u[i] + 32);
		else if (i > 0 && u[i - 1] == 0xc3 && u[i] >= 0x80 && u[i] <= 0x9e &&
			 u[i] != 0x97)
			u[i] = (unsigned char)(u[i] + 32);
	}
}

/*
 * The least text above every text that starts with `prefix` (valid UTF-8):
 * the prefix with its last character incremented, dropping trailing
 * U+10FFFF. False when there is none (every text after `prefix` starts
 * with it). UTF-8 keeps code point order bytewise, so this bounds a range.
 */
static bool prefix_upper_bound(const char *prefix, char *out, size_t size)
{
	const unsigned char *u = (const unsigned char *)prefix;
	size_t len = strlen(prefix);

	while (len > 0) {
		size_t start = len - 1;
		size_t i;
		uint32_t cp;
		int n;

		while (start > 0 && (u[start] & 0xc0) == 0x80)
			start--;
		n = (int)(len - start);
		cp = u[start] & (n == 1 ? 0x7f : n == 2 ? 0x1f : n == 3 ? 0x0f : 0x07);
		for (i = start + 1; i < len; i++)
			cp = cp << 6 | (u[i] & 0x3f);
		if (cp >= 0x10ffff) {
			len = start;
			continue;
		}
		/* The next code point, past the surrogates. */
		cp = cp + 1 == 0xd800 ? 0xe000 : cp + 1;
		n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
		if (start + (size_t)n + 1 > size)
			return false;
		memcpy(out, prefix, start);
		if (n == 1) {
			out[start] = (char)cp;
		} else {
			out[start] = (char)((0xf00 >> n & 0xff) | cp >> (6 * (n - 1)));
			for (i = 1; i < (size_t)n; i++)
				out[start + i] = (char)(0x80 | (cp >> 6 * (n - 1 - (int)i) & 0x3f));
		}
		out[start + (size_t)n] = '\0';
		return true;
	}
	return false;
}

/* The LIKE pattern of co, sw or ew: the value's %, _ and \ match literally. */
static char *like_pattern(const char *text, enum filter_op op)
{
	char *out = malloc(strlen(text) * 2 + 3);
	char *p = out;

	if (out == NULL)
		abort();
	if (op != FILTER_SW)
		*p++ = '%';
	for (; *text != '\0'; text++) {
		if (*text == '%' || *text == '_' || *text == '\\')
			*p++ = '\\';
		*p++ = *text;
	}
	if (op != FILTER_EW)
		*p++ = '%';
	*p = '\0';
	return out;
}

/* ---- operands ---- */

static bool op_is_ordering(enum filter_op op)
{
	return op == FILTER_GT || op == FILTER_GE || op == FILTER_LT || op == FILTER_LE;
}

static bool op_is_substring(enum filter_op op)
{
	return op == FILTER_CO || op == FILTER_SW || op == FILTER_EW;
}

/*
 * The attribute a comparison reads: `sub`, or for a complex attribute
 * compared with a value its "value" sub-attribute (RFC 7644 3.4.2.2:
 * `emails co "x"`; Entra: `manager eq "id"`). pr and eq/ne null test the
 * complex attribute itself. As filter_eval.c's leaf_select().
 */
static bool leaf_select(struct translation *t, const struct filter_node *node,
			const struct attr_def *attr, const struct attr_def **sub)
{
	const struct attr_def *def = *sub != NULL ? *sub : attr;

	if (def->type != ATTR_COMPLEX || node->op == FILTER_PR ||
	    node->value.kind == FILTER_VALUE_NULL)
		return true;
	if (*sub == NULL) {
		*sub = schema_find_attr(attr->sub_attrs, "value", 5);
		if (*sub != NULL)
			return true;
	}
	return invalid(t, "%s is complex: compare one of its sub-attributes", def->name);
}

/* Convert the operand for an attribute of type `def`; invalidFilter when
 * the operator or the value does not fit the type. */
static bool operand_prepare(struct translation *t, enum filter_op op,
			    const struct filter_value *value, const struct attr_def *def,
			    struct operand *o)
{
	struct datetime when;
	double number;

	memset(o, 0, sizeof(*o));
	o->op = op;
	if (op == FILTER_PR) {
		o->presence = true;
		return true;
	}
	if (value->kind == FILTER_VALUE_NULL) {
		/* RFC 7644 3.4.2.2: eq null matches an absent attribute. */
		if (op != FILTER_EQ && op != FILTER_NE)
			return invalid(t, "%s: null can only be compared with eq or ne", def->name);
		o->presence = true;
		o->absence = op == FILTER_EQ;
		return true;
	}
	if (value->kind == FILTER_VALUE_TRUE || value->kind == FILTER_VALUE_FALSE)
		o->text = value->kind == FILTER_VALUE_TRUE ? "true" : "false";
	else
		o->text = value->text != NULL ? value->text : "";

	switch (def->type) {
	case ATTR_BOOLEAN:
		/* RFC 7644 3.4.2.2: gt/ge/lt/le on a boolean is invalidFilter. */
		if (op_is_ordering(op) || op_is_substring(op))
			return invalid(t, "%s is a boolean: compare it with eq, ne or pr",
				       def->name);
		/* Entra: roles[primary eq "True"]. */
		if (value->kind == FILTER_VALUE_NUMBER || !boolean_from_text(o->text, &o->boolean))
			return invalid(t, "%s is a boolean: compare it with true or false",
				       def->name);
		return true;
	case ATTR_INTEGER:
	case ATTR_DECIMAL:
		/* As filter_eval.c's comparison_prepare(): a number, or its text. */
		if (op_is_substring(op))
			return invalid(t, "%s is a number: compare it with eq, ne, gt, ge, lt, le or "
				       "pr", def->name);
		if ((value->kind != FILTER_VALUE_NUMBER && value->kind != FILTER_VALUE_STRING) ||
		    !filter_number_text(o->text, &number))
			return invalid(t, "%s is a number: compare it with a number", def->name);
		return true;
	case ATTR_DATETIME:
		/* co, sw and ew compare the rendered text. */
		if (op_is_substring(op))
			return true;
		if (value->kind != FILTER_VALUE_STRING ||
		    !datetime_parse(o->text, strlen(o->text), &when))
			return invalid(t, "%s is a dateTime: compare it with a value like "
				       "\"2011-05-13T04:42:34Z\"", def->name);
		time_reduce(o, when.seconds, when.nanos);
		snprintf(o->seconds, sizeof(o->seconds), "%lld", (long long)when.seconds);
		snprintf(o->nanos, sizeof(o->nanos), "%d", (int)when.nanos);
		return true;
	case ATTR_COMPLEX:
		return invalid(t, "%s is complex: compare one of its sub-attributes", def->name);
	default:
		/* Strings; numbers, true and false compare as their text. */
		return true;
	}
}

/* ---- leaves: the SQL of one value ---- */

/* The value of attribute `def` in the jsonb object `object`. */
static void leaf_from_json(struct leaf *leaf, const char *object, const struct attr_def *def)
{
	memset(leaf, 0, sizeof(*leaf));
	leaf->case_exact = def->case_exact;
	leaf->nullable = true;
	switch (def->type) {
	case ATTR_BOOLEAN:
		leaf->kind = LEAF_BOOLEAN;
		leaf_set(leaf, "(%s->>'%s')", object, def->name);
		break;
	case ATTR_COMPLEX:
		leaf->kind = LEAF_COMPLEX;
		leaf_set(leaf, "(%s->'%s')", object, def->name);
		break;
	case ATTR_DATETIME:
		/* As filter_eval.c: exactly, to the nanosecond (sql/013). */
		leaf->kind = LEAF_JSON_TIME;
		snprintf(leaf->text, sizeof(leaf->text), "(%s->>'%s')", object, def->name);
		leaf_set(leaf, "scim_time(%s->>'%s')", object, def->name);
		break;
	case ATTR_INTEGER:
	case ATTR_DECIMAL:
		/* As filter_eval.c: doubles, of JSON numbers alone. */
		leaf->kind = LEAF_NUMBER;
		leaf_set(leaf, "(CASE WHEN jsonb_typeof(%s->'%s') = 'number'"
			 " THEN (%s->>'%s')::float8 END)", object, def->name, object, def->name);
		break;
	default:
		leaf->kind = LEAF_TEXT;
		leaf_set(leaf, "(%s->>'%s')", object, def->name);
		break;
	}
	/* writeOnly (password) and returned:never are not in the rendering. */
	if (def->mutability == MUT_WRITE_ONLY || def->returned == RET_NEVER) {
		leaf->kind = LEAF_ABSENT;
		leaf_set(leaf, "NULL");
	}
}

/* $n of the base URL that meta.location and manager.$ref are made of. */
static bool base_url_param(struct translation *t, const char *what)
{
	if (t->base_url == NULL)
		return invalid(t, "filtering on %s is not supported here", what);
	if (t->base_param == 0)
		t->base_param = sql_query_add_param(t->q, t->base_url);
	return true;
}

/*
 * The tenant in a membership subquery: a parameter, so that the subquery
 * does not depend on the row and runs once for the whole list, or (with no
 * tenant given) the row's own.
 */
static const char *tenant_sql(struct translation *t, char out[24])
{
	if (t->tenant_id == NULL)
		return "r.tenant_id";
	if (t->tenant_param == 0)
		t->tenant_param = sql_query_add_param(t->q, t->tenant_id);
	snprintf(out, 24, "$%d::uuid", t->tenant_param);
	return out;
}

/* A common attribute (id, externalId, meta and its sub-attributes) from the
 * columns, as resource_render() makes it. `sub` is NULL for id, externalId
 * and meta itself. `presence`: only whether it is there will be asked. */
static bool leaf_common(struct translation *t, const struct attr_def *attr,
			const struct attr_def *sub, bool presence, struct leaf *leaf)
{
	const char *name = sub != NULL ? sub->name : attr->name;

	memset(leaf, 0, sizeof(*leaf));
	leaf->case_exact = (sub != NULL ? sub : attr)->case_exact;
	leaf->kind = LEAF_TEXT;
	leaf->always_present = true;
	if (strcmp(name, "id") == 0) {
		leaf->kind = LEAF_ID;
		leaf->indexed = true;
		leaf_set(leaf, "r.id");
	} else if (strcmp(name, "externalId") == 0) {
		leaf->always_present = false;
		leaf->nullable = true;
		leaf->indexed = true;
		leaf_set(leaf, "r.external_id");
	} else if (strcmp(name, "meta") == 0) {
		leaf->kind = LEAF_COMPLEX;
		leaf_set(leaf, "NULL");
	} else if (strcmp(name, "resourceType") == 0) {
		leaf_set(leaf, "'%s'::text", t->rt->name);
	} else if (strcmp(name, "created") == 0) {
		leaf->kind = LEAF_DATETIME;
		leaf_set(leaf, "r.created");
	} else if (strcmp(name, "lastModified") == 0) {
		leaf->kind = LEAF_DATETIME;
		leaf_set(leaf, "r.last_modified");
	} else if (strcmp(name, "location") == 0) {
		/* Always there: no parameter that the SQL would not use. */
		if (presence)
			return true;
		if (!base_url_param(t, "meta.location"))
			return false;
		leaf_set(leaf, "($%d || '%s/' || r.id::text)", t->base_param, t->rt->endpoint);
	} else if (strcmp(name, "version") == 0) {
		leaf_set(leaf, "('W/\"' || r.version::text || '\"')");
	} else {
		return invalid(t, "filtering on %s is not supported", name);
	}
	return true;
}

/*
 * A sub-attribute of a complex value `object` (jsonb): the manager's $ref is
 * rendered from its value when it has one (resource_render).
 */
static bool leaf_sub(struct translation *t, const struct attr_def *attr, const char *object,
		     const struct attr_def *sub, struct leaf *leaf)
{
	leaf_from_json(leaf, object, sub);
	/* The enterprise manager's, not an attribute of the same name in an
	 * extension an administrator defined. */
	if (attr == schema_find_attr(schema_enterprise_user.attrs, "manager", 7) &&
	    strcmp(sub->name, "$ref") == 0) {
		if (!base_url_param(t, "manager.$ref"))
			return false;
		leaf_set(leaf, "(CASE WHEN jsonb_typeof(%s->'value') = 'string'"
			 " THEN $%d || '/Users/' || (%s->>'value') ELSE %s->>'$ref' END)",
			 object, t->base_param, object, object);
	}
	return true;
}

/* ---- tests on one leaf ---- */

/* Append `leaf` has a value (RFC 7644 pr: not null, not empty). */
static void append_present(struct translation *t, const struct leaf *leaf)
{
	struct sql_query *q = t->q;

	if (leaf->always_present) {
		sql_query_append(q, "true");
		return;
	}
	switch (leaf->kind) {
	case LEAF_ABSENT:
		sql_query_append(q, "false");
		break;
	case LEAF_TEXT:
		sql_query_appendf(q, "coalesce(%s <> '', false)", leaf->sql);
		break;
	case LEAF_JSON_TIME:
		sql_query_appendf(q, "coalesce(%s <> '', false)", leaf->text);
		break;
	case LEAF_COMPLEX:
		sql_query_appendf(q, "coalesce(jsonb_typeof(%s) = 'object'"
				  " AND %s <> '{}'::jsonb, false)", leaf->sql, leaf->sql);
		break;
	default:
		sql_query_appendf(q, "(%s IS NOT NULL)", leaf->sql);
		break;
	}
}

static const char *sql_operator(enum filter_op op)
{
	switch (op) {
	case FILTER_EQ: return "=";
	case FILTER_NE: return "<>";
	case FILTER_GT: return ">";
	case FILTER_GE: return ">=";
	case FILTER_LT: return "<";
	default: return "<=";
	}
}

/* The rendered time (whole milliseconds) of column `c` compared with the
 * whole milliseconds $n: written on the column itself, microseconds. */
static void append_time(struct translation *t, const struct leaf *leaf, const struct operand *o)
{
	struct sql_query *q = t->q;
	const char *c = leaf->sql;
	int n;

	if (o->time_constant >= 0) {
		sql_query_append(q, o->time_constant ? "true" : "false");
		return;
	}
	n = sql_query_add_param(q, o->time);
	switch (o->time_op) {
	case FILTER_EQ:
		sql_query_appendf(q, "(%s >= $%d::timestamptz AND %s < $%d::timestamptz"
				  " + interval '1 millisecond')", c, n, c, n);
		break;
	case FILTER_NE:
		sql_query_appendf(q, "(%s < $%d::timestamptz OR %s >= $%d::timestamptz"
				  " + interval '1 millisecond')", c, n, c, n);
		break;
	case FILTER_GT:
		sql_query_appendf(q, "(%s >= $%d::timestamptz + interval '1 millisecond')", c, n);
		break;
	case FILTER_GE:
		sql_query_appendf(q, "(%s >= $%d::timestamptz)", c, n);
		break;
	case FILTER_LT:
		sql_query_appendf(q, "(%s < $%d::timestamptz)", c, n);
		break;
	default:
		sql_query_appendf(q, "(%s < $%d::timestamptz + interval '1 millisecond')", c, n);
		break;
	}
}

/* userName sw: a range of folded text that its index answers. */
static void append_user_name_prefix(struct translation *t, const struct leaf *leaf,
				    const char *text)
{
	char *lower = strdup(text);
	char *upper = malloc(strlen(text) + 8);

	if (lower == NULL || upper == NULL)
		abort();
	fold(lower);
	t->indexed = true;
	sql_query_appendf(t->q, "(scim_fold(%s) ~>=~ ", leaf->sql);
	sql_query_param(t->q, lower);
	if (prefix_upper_bound(lower, upper, strlen(text) + 8)) {
		sql_query_appendf(t->q, " AND scim_fold(%s) ~<~ ", leaf->sql);
		sql_query_param(t->q, upper);
	}
	sql_query_append(t->q, ")");
	free(lower);
	free(upper);
}

/* Append `leaf op operand` for text: per caseExact, bytewise order. */
static void append_text(struct translation *t, const struct leaf *leaf, const char *sql,
			const struct operand *o)
{
	struct sql_query *q = t->q;
	const char *fold_fn = leaf->case_exact ? "" : "scim_fold";
	char *pattern;

	if (o->op == FILTER_SW && leaf->user_name) {
		append_user_name_prefix(t, leaf, o->text);
		return;
	}
	/* The column indexes (sql/001, 002) answer eq, and the trigram index
	 * userName co. */
	if ((o->op == FILTER_EQ && leaf->indexed) || (o->op == FILTER_CO && leaf->user_name))
		t->indexed = true;
	sql_query_append(q, "(");
	if (leaf->nullable)
		sql_query_appendf(q, "%s IS NOT NULL AND ", sql);
	switch (o->op) {
	case FILTER_CO:
	case FILTER_SW:
	case FILTER_EW:
		pattern = like_pattern(o->text, o->op);
		sql_query_appendf(q, "%s(%s) LIKE %s(", fold_fn, sql, fold_fn);
		sql_query_param(q, pattern);
		sql_query_append(q, ")");
		free(pattern);
		break;
	case FILTER_EQ:
	case FILTER_NE:
		/* No COLLATE: equality is bytewise anyway, and the indexes match. */
		sql_query_appendf(q, "%s(%s) %s %s(", fold_fn, sql, sql_operator(o->op), fold_fn);
		sql_query_param(q, o->text);
		sql_query_append(q, ")");
		break;
	default:
		sql_query_appendf(q, "%s(%s) COLLATE \"C\" %s %s(", fold_fn, sql,
				  sql_operator(o->op), fold_fn);
		sql_query_param(q, o->text);
		sql_query_append(q, ")");
		break;
	}
	sql_query_append(q, ")");
}

/* Ids are UUIDs rendered in lower case, compared case-exactly. */
static void append_id(struct translation *t, const struct leaf *leaf, const struct operand *o)
{
	struct leaf text = *leaf;
	bool canonical = resource_id_valid(o->text);
	const char *c;

	if (o->op != FILTER_EQ && o->op != FILTER_NE) {
		leaf_set(&text, "%s::text", leaf->sql);
		text.kind = LEAF_TEXT;
		append_text(t, &text, text.sql, o);
		return;
	}
	for (c = o->text; canonical && *c != '\0'; c++)
		canonical = !(*c >= 'A' && *c <= 'F');
	if (!canonical) {
		/* No id is written that way. */
		sql_query_append(t->q, o->op == FILTER_EQ ? "false" : "true");
		return;
	}
	t->indexed = o->op == FILTER_EQ;
	sql_query_appendf(t->q, "(%s %s ", leaf->sql, sql_operator(o->op));
	sql_query_param(t->q, o->text);
	sql_query_append(t->q, "::uuid)");
}

/* Append the test of one leaf: presence (not negated), or the comparison. */
static void append_leaf_test(struct translation *t, const struct leaf *leaf,
			     const struct operand *o)
{
	struct sql_query *q = t->q;

	if (o->presence) {
		append_present(t, leaf);
		return;
	}
	switch (leaf->kind) {
	case LEAF_TEXT:
		append_text(t, leaf, leaf->sql, o);
		break;
	case LEAF_ID:
		append_id(t, leaf, o);
		break;
	case LEAF_BOOLEAN:
		/* Only eq and ne reach here. */
		sql_query_appendf(q, "coalesce(%s = '%s', false)", leaf->sql,
				  o->boolean == (o->op == FILTER_EQ) ? "true" : "false");
		break;
	case LEAF_NUMBER:
		sql_query_appendf(q, "(%s IS NOT NULL AND %s %s ", leaf->sql, leaf->sql,
				  sql_operator(o->op));
		sql_query_param(q, o->text);
		sql_query_append(q, "::float8)");
		break;
	case LEAF_JSON_TIME:
		if (op_is_substring(o->op)) {
			struct leaf stored = *leaf;

			/* co, sw and ew read the text as stored. */
			stored.kind = LEAF_TEXT;
			stored.case_exact = true;
			leaf_set(&stored, "%s", leaf->text);
			append_text(t, &stored, stored.sql, o);
			break;
		}
		sql_query_appendf(q, "(%s IS NOT NULL AND %s %s (", leaf->sql, leaf->sql,
				  sql_operator(o->op));
		sql_query_param(q, o->seconds);
		sql_query_append(q, "::numeric + ");
		sql_query_param(q, o->nanos);
		sql_query_append(q, "::numeric / 1000000000))");
		break;
	case LEAF_DATETIME:
		if (op_is_substring(o->op)) {
			struct leaf rendered = *leaf;

			rendered.kind = LEAF_TEXT;
			rendered.case_exact = true;
			leaf_set(&rendered, STORE_RENDERED_TIME("%s"), leaf->sql);
			append_text(t, &rendered, rendered.sql, o);
		} else {
			append_time(t, leaf, o);
		}
		break;
	default:
		/* Nothing to compare: absent, or a complex value (leaf_select). */
		sql_query_append(q, "false");
		break;
	}
}

/* ---- the containment index ---- */

/*
 * The containment index holds the document with ASCII folded (lower() under
 * the C collation, cheap to check again row by row). It answers `eq` exactly
 * for booleans, and for text that ignores case when the value is ASCII: a
 * value that folds to ASCII is ASCII, and then both foldings agree.
 */
static bool ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

/* Does the containment index answer `def eq` for some values? */
static bool containment_answers(const struct attr_def *def)
{
	if (def->mutability == MUT_WRITE_ONLY || def->returned == RET_NEVER)
		return false;
	if (def->type == ATTR_BOOLEAN)
		return true;
	return (def->type == ATTR_STRING || def->type == ATTR_REFERENCE ||
		def->type == ATTR_BINARY) && !def->case_exact;
}

/* The JSON of `def eq value` in the document, or NULL when containment does
 * not express it. */
static json_t *containment_value(const struct attr_def *def, const struct filter_value *value)
{
	bool boolean;

	if (!containment_answers(def))
		return NULL;
	switch (value->kind) {
	case FILTER_VALUE_NULL:
		return NULL;
	case FILTER_VALUE_TRUE:
	case FILTER_VALUE_FALSE:
		boolean = value->kind == FILTER_VALUE_TRUE;
		break;
	default:
		if (def->type != ATTR_BOOLEAN)
			return value->text == NULL ? json_string("") :
			       ascii(value->text) ? json_string(value->text) : NULL;
		if (value->kind == FILTER_VALUE_NUMBER || value->text == NULL ||
		    !boolean_from_text(value->text, &boolean))
			return NULL;
		break;
	}
	if (def->type == ATTR_BOOLEAN)
		return json_boolean(boolean);
	return json_string(boolean ? "true" : "false");
}

/* Add `sub eq value` to an element; false when it cannot be expressed. */
static bool containment_add(json_t *element, const struct attr_def *attr,
			    const struct attr_def *sub, const struct filter_value *value)
{
	json_t *v;

	/* The manager's $ref is rendered, not stored. */
	if (strcmp(attr->name, "manager") == 0 && strcmp(sub->name, "$ref") == 0)
		return false;
	if (json_object_get(element, sub->name) != NULL)
		return false;
	v = containment_value(sub, value);
	if (v == NULL)
		return false;
	json_object_set_new(element, sub->name, v);
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
	if (node->kind != FILTER_COMPARE || node->op != FILTER_EQ || node->path.urn != NULL ||
	    node->path.sub != NULL)
		return false;
	sub = schema_find_attr(attr->sub_attrs, node->path.attr, strlen(node->path.attr));
	return sub != NULL && sub->type != ATTR_COMPLEX &&
	       containment_add(element, attr, sub, &node->value);
}

/*
 * Is a lookup of this value in the containment index selective enough to be
 * worth it? Every candidate row is checked again by folding its whole
 * document, so the index serves values that few resources share, not
 * booleans, the type of an element or the schemas.
 */
static bool containment_selective(const struct attr_def *attr, const json_t *value)
{
	const char *key;
	json_t *v;

	if (strcmp(attr->name, "schemas") == 0)
		return false;
	if (json_is_string(value))
		return true;
	json_object_foreach((json_t *)value, key, v) {
		if (json_is_string(v) && strcmp(key, "type") != 0)
			return true;
	}
	return false;
}

/*
 * Append `lower(r.doc::text COLLATE "C")::jsonb @> lower($n)::jsonb` for
 * {[urn:] {attr: value}}, a multi-valued value in an array: the indexed form
 * of "the document has this value" (jsonb containment of arrays is any-match).
 */
static void containment(struct translation *t, const struct schema_def *schema,
			const struct attr_def *attr, json_t *value)
{
	json_t *doc = json_object();
	char *text;

	json_object_set_new(doc, attr->name, attr->multi_valued ? json_pack("[o]", value) : value);
	if (schema != NULL && schema != t->rt->core)
		doc = json_pack("{s:o}", schema->urn, doc);
	text = json_dumps(doc, JSON_COMPACT);
	if (text == NULL)
		abort();
	t->indexed = true;
	sql_query_append(t->q, "(lower(r.doc::text COLLATE \"C\")::jsonb @> lower(");
	sql_query_param(t->q, text);
	sql_query_append(t->q, " COLLATE \"C\")::jsonb)");
	free(text);
	json_decref(doc);
}

/* ---- comparisons ---- */

/* groups (User) and members (Group) are derived from memberships, not
 * stored in the document. */
static bool derived(struct translation *t, const struct schema_def *schema,
		    const struct attr_def *attr)
{
	if (schema != t->rt->core)
		return false;
	return (t->rt->core == &schema_user && strcmp(attr->name, "groups") == 0) ||
	       (t->rt->core == &schema_group && strcmp(attr->name, "members") == 0);
}

/* Does translate_derived() answer `attr[.sub] op value` from indexes? */
static bool derived_indexed(const struct attr_def *sub, enum filter_op op,
			    const struct filter_value *value)
{
	if (sub != NULL && strcmp(sub->name, "value") != 0)
		return false;
	return op == FILTER_PR || (op == FILTER_EQ && value->kind == FILTER_VALUE_STRING);
}

/*
 * members (Group) and groups (User) are rows of group_members, not part of
 * the document. Their value is a resource id: eq on it (Entra's reference
 * check `id eq "g" and members eq "u"`, or members[value eq "u"]) and pr are
 * answered from the membership table's unique indexes (derived_indexed());
 * other tests read the elements (derived_elements_open()). A user's groups
 * include those reached through nested groups, as the handlers show them.
 */
static bool translate_derived(struct translation *t, enum filter_op op,
			      const struct filter_value *value)
{
	bool members = t->rt->core == &schema_group;
	const char *id = value->kind == FILTER_VALUE_STRING ? value->text : NULL;
	const char *tenant;
	char tenant_text[24];
	int n;

	if (op == FILTER_PR) {
		sql_query_append(t->q, members
			? "EXISTS (SELECT 1 FROM group_members m"
			  " WHERE m.tenant_id = r.tenant_id AND m.group_id = r.id)"
			: "EXISTS (SELECT 1 FROM group_members m"
			  " WHERE m.tenant_id = r.tenant_id AND m.user_id = r.id)");
		return true;
	}
	/* The value is an id, a UUID; it ignores case (caseExact false) as the
	 * uuid type does. Nothing else is anybody's id. */
	if (!resource_id_valid(id)) {
		sql_query_append(t->q, "false");
		return true;
	}
	n = sql_query_add_param(t->q, id);
	tenant = tenant_sql(t, tenant_text);
	/* The groups that hold the member (its index), or the users in the
	 * group and the groups nested in it, walked down: in proportion to
	 * what is found, whatever the size of the tenant. */
	if (members)
		sql_query_appendf(t->q, "r.id IN (SELECT m.group_id FROM group_members m"
				  " WHERE m.tenant_id = %s AND m.user_id = $%d::uuid"
				  " UNION ALL SELECT m.group_id FROM group_members m"
				  " WHERE m.tenant_id = %s AND m.member_group_id = $%d::uuid)",
				  tenant, n, tenant, n);
	else
		sql_query_appendf(t->q, "r.id IN (WITH RECURSIVE g(id) AS ("
				  "SELECT $%d::uuid UNION SELECT m.member_group_id FROM g"
				  " JOIN group_members m ON m.tenant_id = %s AND m.group_id = g.id"
				  " AND m.member_group_id IS NOT NULL)"
				  " SELECT m.user_id FROM g JOIN group_members m"
				  " ON m.tenant_id = %s AND m.group_id = g.id AND m.user_id IS NOT NULL)",
				  n, tenant, tenant);
	t->indexed = true;
	return true;
}

/*
 * The jsonb object an attribute of `schema` lives in. A URN (and an
 * attribute name) is written as a literal, not a parameter: expression
 * indexes (an extension's unique one) match literals only. An
 * administrator's URN has nothing but letters, digits, ':', '.', '_' and
 * '-', and a name nothing but letters, digits, '_' and '-' (extension.c):
 * neither can close the quotes.
 */
static void container(struct translation *t, const struct schema_def *schema, char *out,
		      size_t size)
{
	if (schema != NULL && schema != t->rt->core)
		snprintf(out, size, "r.doc->'%s'", schema->urn);
	else
		snprintf(out, size, "r.doc");
}

/* A single-valued attribute of the core schema that has a column. */
static bool leaf_column(struct translation *t, const struct attr_def *attr, struct leaf *leaf)
{
	memset(leaf, 0, sizeof(*leaf));
	leaf->kind = LEAF_TEXT;
	leaf->case_exact = attr->case_exact;
	if (strcmp(attr->name, "userName") == 0 && t->rt->core == &schema_user) {
		leaf->user_name = true;
		leaf->indexed = true;
		leaf_set(leaf, "r.user_name");
		return true;
	}
	if (strcmp(attr->name, "displayName") == 0) {
		leaf->nullable = t->rt->core != &schema_group;
		leaf->indexed = true;
		leaf_set(leaf, "r.display_name");
		return true;
	}
	return false;
}

/* "Some element of jsonb `array` (an object counts as one) ...": opens
 * EXISTS and returns the element's alias. */
static void elements_open(struct translation *t, const char *array, bool texts, char alias[32])
{
	int n = ++t->aliases;

	if (texts)
		sql_query_appendf(t->q, "EXISTS (SELECT 1 FROM jsonb_array_elements_text("
				  "CASE jsonb_typeof(%s) WHEN 'array' THEN %s END) e%d(v) WHERE ",
				  array, array, n);
	else
		sql_query_appendf(t->q, "EXISTS (SELECT 1 FROM jsonb_array_elements("
				  "CASE jsonb_typeof(%s) WHEN 'array' THEN %s"
				  " WHEN 'object' THEN jsonb_build_array(%s) END) e%d(v) WHERE ",
				  array, array, array, n);
	snprintf(alias, 32, "e%d.v", n);
}

/*
 * "Some element of derived attribute `attr` ...": members (Group) or groups
 * (User) rendered from the membership table as the handlers render them
 * (handlers_groups.c, handlers_users.c), as jsonb elements; opens EXISTS
 * and returns the element's alias. The indexed forms are translate_derived's.
 */
static bool derived_elements_open(struct translation *t, const struct attr_def *attr,
				  char alias[32])
{
	char tenant_text[24];
	const char *tenant;
	int n;

	if (!base_url_param(t, "members and groups"))
		return false;
	tenant = tenant_sql(t, tenant_text);
	n = ++t->aliases;
	/* The tenant's memberships at once, each as the element GET shows;
	 * OFFSET 0 builds each element once, not once per test of it. */
	if (strcmp(attr->name, "members") == 0)
		sql_query_appendf(t->q, "r.id IN (SELECT e%d.owner FROM (SELECT m.group_id AS owner,"
				  " jsonb_strip_nulls(jsonb_build_object("
				  "'value', coalesce(m.user_id, m.member_group_id)::text,"
				  " '$ref', $%d || CASE WHEN m.user_id IS NOT NULL THEN '/Users/'"
				  " ELSE '/Groups/' END || coalesce(m.user_id, m.member_group_id)::text,"
				  " 'type', CASE WHEN m.user_id IS NOT NULL THEN 'User' ELSE 'Group' END,"
				  " 'display', coalesce(u.display_name, u.user_name, g.display_name))) AS v"
				  " FROM group_members m"
				  " LEFT JOIN users u ON u.tenant_id = m.tenant_id AND u.id = m.user_id"
				  " LEFT JOIN groups g ON g.tenant_id = m.tenant_id"
				  " AND g.id = m.member_group_id"
				  " WHERE m.tenant_id = %s OFFSET 0) e%d WHERE ", n, t->base_param, tenant, n);
	else
		sql_query_appendf(t->q, "r.id IN (SELECT e%d.owner FROM (SELECT x.user_id AS owner,"
				  " jsonb_strip_nulls(jsonb_build_object('value', x.group_id::text,"
				  " '$ref', $%d || '/Groups/' || x.group_id::text,"
				  " 'display', gr.display_name,"
				  " 'type', CASE WHEN x.direct THEN 'direct' ELSE 'indirect' END)) AS v"
				  " FROM (WITH RECURSIVE g(user_id, group_id, direct) AS ("
				  "SELECT m.user_id, m.group_id, true FROM group_members m"
				  " WHERE m.tenant_id = %s AND m.user_id IS NOT NULL"
				  " UNION SELECT g.user_id, m.group_id, false FROM g JOIN group_members m"
				  " ON m.tenant_id = %s AND m.member_group_id = g.group_id)"
				  " SELECT user_id, group_id, bool_or(direct) AS direct FROM g"
				  " GROUP BY user_id, group_id) x"
				  " JOIN groups gr ON gr.tenant_id = %s AND gr.id = x.group_id OFFSET 0) e%d"
				  " WHERE ",
				  n, t->base_param, tenant, tenant, tenant, n);
	snprintf(alias, 32, "e%d.v", n);
	return true;
}

/* A comparison inside brackets: a sub-attribute of the element. */
static bool translate_element_compare(struct translation *t, const struct filter_node *node)
{
	const struct filter_path *path = &node->path;
	const struct attr_def *sub = NULL;
	struct operand o;
	struct leaf leaf;

	if (path->urn == NULL && path->sub == NULL)
		sub = schema_find_attr(t->element_attr->sub_attrs, path->attr, strlen(path->attr));
	if (sub == NULL)
		return invalid(t, "%s has no sub-attribute \"%s\"", t->element_attr->name,
			       path->attr);
	/* Sub-attributes are simple: leaf_select() has nothing to choose. */
	if (!operand_prepare(t, node->op, &node->value, sub, &o))
		return false;
	if (t->element == NULL) {
		if (!leaf_common(t, t->element_attr, sub, o.presence, &leaf))
			return false;
	} else if (!leaf_sub(t, t->element_attr, t->element, sub, &leaf)) {
		return false;
	}
	if (o.absence)
		sql_query_append(t->q, "(NOT ");
	append_leaf_test(t, &leaf, &o);
	if (o.absence)
		sql_query_append(t->q, ")");
	return true;
}

/* A comparison on the resource. */
static bool translate_compare(struct translation *t, const struct filter_node *node)
{
	const struct filter_path *path = &node->path;
	const struct attr_def *def;
	struct attr_path ap;
	struct operand o;
	struct leaf leaf;
	char object[512];
	char array[640];
	char alias[32];
	bool is_derived;
	json_t *value;

	if (t->in_element)
		return translate_element_compare(t, node);

	if (path->urn == NULL && path->sub == NULL && strcasecmp(path->attr, "schemas") == 0) {
		ap.schema = t->rt->core;
		ap.attr = &schemas_attr;
		ap.sub = NULL;
	} else if (!schema_resolve(t->rt, path->urn, path->attr, path->sub, &ap)) {
		return invalid(t, "unknown attribute \"%s%s%s\" in filter", path->attr,
			       path->sub ? "." : "", path->sub ? path->sub : "");
	}
	is_derived = derived(t, ap.schema, ap.attr);
	if (is_derived && derived_indexed(ap.sub, node->op, &node->value))
		return translate_derived(t, node->op, &node->value);
	if (!leaf_select(t, node, ap.attr, &ap.sub))
		return false;
	def = ap.sub != NULL ? ap.sub : ap.attr;
	if (!operand_prepare(t, node->op, &node->value, def, &o))
		return false;
	/* meta's times are columns; a document's dateTime (an extension's) is
	 * read as filter_eval.c reads it (scim_time(), sql/013). */
	/* id, externalId, meta: columns. */
	if (ap.schema == NULL) {
		if (!leaf_common(t, ap.attr, ap.sub, o.presence, &leaf))
			return false;
		if (o.absence)
			sql_query_append(t->q, "(NOT ");
		append_leaf_test(t, &leaf, &o);
		if (o.absence)
			sql_query_append(t->q, ")");
		return true;
	}

	container(t, ap.schema, object, sizeof(object));
	/* eq on the document (not a column): the containment index. */
	if (is_derived) {
		/* Not in the document. */
	} else if (node->op == FILTER_EQ && !o.presence && ap.sub != NULL) {
		json_t *element = json_object();

		if (containment_add(element, ap.attr, ap.sub, &node->value) &&
		    containment_selective(ap.attr, element)) {
			containment(t, ap.schema, ap.attr, element);
			return true;
		}
		json_decref(element);
	} else if (node->op == FILTER_EQ && !o.presence && ap.sub == NULL &&
		   !(ap.schema == t->rt->core && leaf_column(t, ap.attr, &leaf)) &&
		   (value = containment_value(ap.attr, &node->value)) != NULL) {
		if (containment_selective(ap.attr, value)) {
			containment(t, ap.schema, ap.attr, value);
			return true;
		}
		json_decref(value);
	}

	if (o.absence)
		sql_query_append(t->q, "(NOT ");
	if (!ap.attr->multi_valued) {
		if (ap.sub != NULL) {
			snprintf(array, sizeof(array), "%s->'%s'", object, ap.attr->name);
			if (!leaf_sub(t, ap.attr, array, ap.sub, &leaf))
				return false;
		} else if (ap.schema != t->rt->core || !leaf_column(t, ap.attr, &leaf)) {
			leaf_from_json(&leaf, object, ap.attr);
		}
		append_leaf_test(t, &leaf, &o);
	} else {
		/* Multi-valued: some value matches (RFC 7644 3.4.2.2). */
		snprintf(array, sizeof(array), "%s->'%s'", object, ap.attr->name);
		if (!is_derived)
			elements_open(t, array, ap.attr->type != ATTR_COMPLEX, alias);
		else if (!derived_elements_open(t, ap.attr, alias))
			return false;
		if (ap.attr->type != ATTR_COMPLEX) {
			/* Elements as text: a boolean is 'true' or 'false'. */
			memset(&leaf, 0, sizeof(leaf));
			leaf.kind = ap.attr->type == ATTR_BOOLEAN ? LEAF_BOOLEAN : LEAF_TEXT;
			leaf.nullable = true;
			leaf.case_exact = ap.attr->case_exact;
			leaf_set(&leaf, "%s", alias);
		} else if (ap.sub != NULL) {
			if (!leaf_sub(t, ap.attr, alias, ap.sub, &leaf))
				return false;
		} else {
			memset(&leaf, 0, sizeof(leaf));
			leaf.kind = LEAF_COMPLEX;
			leaf.nullable = true;
			leaf_set(&leaf, "%s", alias);
		}
		append_leaf_test(t, &leaf, &o);
		sql_query_append(t->q, ")");
	}
	if (o.absence)
		sql_query_append(t->q, ")");
	return true;
}

/*
 * attr[filter]: some element (a single complex value counts as one) matches
 * the bracket filter; with Entra's `emails[type eq "work"].value eq "x"`
 * the same element also matches the trailing comparison.
 */
static bool translate_value_path(struct translation *t, const struct filter_node *node)
{
	const struct filter_path *path = &node->path;
	const struct attr_def *sub = NULL;
	struct filter_node sub_compare;
	struct attr_path ap;
	char object[512];
	char array[640];
	char alias[32];
	json_t *element;
	bool is_derived;
	bool ok;

	if (t->in_element)
		return invalid(t, "value filters cannot be nested");
	if (path->sub != NULL || !schema_resolve(t->rt, path->urn, path->attr, NULL, &ap))
		return invalid(t, "unknown attribute \"%s\" in filter", path->attr);
	if (ap.attr->type != ATTR_COMPLEX || ap.attr->sub_attrs == NULL)
		return invalid(t, "%s is not a complex attribute: it takes no value filter",
			       ap.attr->name);
	is_derived = derived(t, ap.schema, ap.attr);
	if (is_derived && !node->has_sub_compare && node->left->kind == FILTER_COMPARE &&
	    node->left->path.urn == NULL && node->left->path.sub == NULL &&
	    strcasecmp(node->left->path.attr, "value") == 0 &&
	    derived_indexed(NULL, node->left->op, &node->left->value)) {
		/* members[value eq "u"]: from the membership table's indexes. */
		return translate_derived(t, node->left->op, &node->left->value);
	}
	if (node->has_sub_compare) {
		sub = schema_find_attr(ap.attr->sub_attrs, node->sub_attr, strlen(node->sub_attr));
		if (sub == NULL)
			return invalid(t, "%s has no sub-attribute \"%s\"", ap.attr->name,
				       node->sub_attr);
	}

	/* The Entra lookup: every test an eq that the containment index answers. */
	element = json_object();
	if (ap.schema != NULL && !is_derived && containment_collect(node->left, ap.attr, element) &&
	    (sub == NULL || (node->op == FILTER_EQ && sub->type != ATTR_COMPLEX &&
			     containment_add(element, ap.attr, sub, &node->value))) &&
	    containment_selective(ap.attr, element)) {
		containment(t, ap.schema, ap.attr, element);
		return true;
	}
	json_decref(element);

	memset(&sub_compare, 0, sizeof(sub_compare));
	sub_compare.kind = FILTER_COMPARE;
	sub_compare.path.attr = node->sub_attr;
	sub_compare.op = node->op;
	sub_compare.value = node->value;

	t->in_element = true;
	t->element_attr = ap.attr;
	t->element = NULL;
	if (ap.schema == NULL) {
		/* meta: one object, rendered from the columns. */
		sql_query_append(t->q, "(");
	} else if (is_derived) {
		if (!derived_elements_open(t, ap.attr, alias)) {
			t->in_element = false;
			return false;
		}
		t->element = alias;
	} else {
		container(t, ap.schema, object, sizeof(object));
		snprintf(array, sizeof(array), "%s->'%s'", object, ap.attr->name);
		elements_open(t, array, false, alias);
		t->element = alias;
	}
	ok = translate(t, node->left);
	if (ok && node->has_sub_compare) {
		sql_query_append(t->q, " AND ");
		ok = translate(t, &sub_compare);
	}
	sql_query_append(t->q, ")");
	t->in_element = false;
	t->element = NULL;
	t->element_attr = NULL;
	t->indexed = false; /* tests of elements, row by row */
	return ok;
}

static bool translate(struct translation *t, const struct filter_node *node)
{
	bool left_indexed;
	bool ok;

	t->indexed = false;
	if (node == NULL)
		return invalid(t, "empty filter");
	switch (node->kind) {
	case FILTER_AND:
	case FILTER_OR:
		sql_query_append(t->q, "(");
		if (!translate(t, node->left))
			return false;
		left_indexed = t->indexed;
		sql_query_append(t->q, node->kind == FILTER_AND ? " AND " : " OR ");
		ok = translate(t, node->right);
		sql_query_append(t->q, ")");
		/* One indexed side narrows an and; an or needs both. */
		t->indexed = node->kind == FILTER_AND ? left_indexed || t->indexed
						      : left_indexed && t->indexed;
		return ok;
	case FILTER_NOT:
		sql_query_append(t->q, "(NOT ");
		ok = translate(t, node->left);
		sql_query_append(t->q, ")");
		t->indexed = false;
		return ok;
	case FILTER_COMPARE:
		if (node->path.attr == NULL)
			return invalid(t, "comparison without an attribute");
		return translate_compare(t, node);
	case FILTER_VALUE_PATH:
		return translate_value_path(t, node);
	}
	return invalid(t, "unknown filter node");
}

bool filter_sql_with_base(const struct filter_node *node, const struct resource_type_def *rt,
			  const char *base_url, const char *tenant_id, struct sql_query *q,
			  bool *indexed, struct scim_error *err)
{
	struct translation t = { .rt = rt, .base_url = base_url, .tenant_id = tenant_id, .q = q,
				 .err = err };

	if (!translate(&t, node))
		return false;
	if (indexed != NULL)
		*indexed = t.indexed;
	/* The values of a filter are its parameters: as many as the query
	 * has room for (its max_params). */
	if (q->broken)
		return error_set(err, 400, SCIM_INVALID_FILTER, "the filter has too many values");
	return true;
}

bool filter_sql(const struct filter_node *node, const struct resource_type_def *rt,
		struct sql_query *q, struct scim_error *err)
{
	return filter_sql_with_base(node, rt, NULL, NULL, q, NULL, err);
}

/* ---- sorting (RFC 7644 3.4.2.3) ---- */

bool filter_sql_sort_key(const struct resource_type_def *rt, const char *sort_by,
			 char *out, size_t size, struct scim_error *err)
{
	struct translation t = { .rt = rt, .err = err };
	const struct schema_def *schema;
	const struct attr_def *def;
	struct attr_path ap;
	char name[128];
	char object[512];
	char value[2048];
	char *dot;
	size_t offset = 0;
	int n;

	schema = schema_split_urn(rt, sort_by, &offset);
	if (strlen(sort_by + offset) >= sizeof(name) || sort_by[offset] == '\0')
		return error_set(err, 400, SCIM_INVALID_VALUE, "sortBy names no attribute");
	strcpy(name, sort_by + offset);
	dot = strchr(name, '.');
	if (dot != NULL)
		*dot++ = '\0';
	if (!schema_resolve(rt, schema ? schema->urn : NULL, name, dot, &ap))
		return error_set(err, 400, SCIM_INVALID_VALUE, "sortBy: unknown attribute \"%s\"",
				 sort_by);
	/* Nor by what is never returned: a cursor carries its sort key. */
	if (derived(&t, ap.schema, ap.attr) || ap.attr->mutability == MUT_WRITE_ONLY ||
	    ap.attr->returned == RET_NEVER)
		return error_set(err, 400, SCIM_INVALID_VALUE, "cannot sort by %s", ap.attr->name);
	/* A complex attribute sorts by its value, as filters compare it. */
	def = ap.sub;
	if (def == NULL && ap.attr->type == ATTR_COMPLEX) {
		def = schema_find_attr(ap.attr->sub_attrs, "value", 5);
		if (def == NULL)
			return error_set(err, 400, SCIM_INVALID_VALUE,
					 "cannot sort by %s: name one of its sub-attributes",
					 ap.attr->name);
	}
	if (def == NULL)
		def = ap.attr;

	/* Columns first: common attributes and the indexed ones. */
	if (ap.schema == NULL) {
		if (strcmp(ap.attr->name, "id") == 0)
			n = snprintf(out, size, "r.id::text");
		else if (strcmp(ap.attr->name, "externalId") == 0)
			n = snprintf(out, size, "r.external_id");
		else if (strcmp(def->name, "created") == 0)
			n = snprintf(out, size, "to_char(r.created AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS')");
		else if (strcmp(def->name, "lastModified") == 0)
			n = snprintf(out, size, "to_char(r.last_modified AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS')");
		else if (strcmp(def->name, "version") == 0)
			n = snprintf(out, size, "lpad(r.version::text, 20, '0')");
		else
			n = snprintf(out, size, "r.id::text");
		return n > 0 && (size_t)n < size ? true :
		       error_set(err, 500, NULL, "sort key too long");
	}
	if (ap.schema == rt->core && ap.sub == NULL && !ap.attr->multi_valued &&
	    (strcmp(ap.attr->name, "userName") == 0 || strcmp(ap.attr->name, "displayName") == 0)) {
		n = snprintf(out, size, "scim_fold(r.%s)",
			     strcmp(ap.attr->name, "userName") == 0 && rt->core == &schema_user
			     ? "user_name" : "display_name");
		return true;
	}
	container(&t, ap.schema, object, sizeof(object));
	if (ap.attr->multi_valued) {
		/* RFC 7644 3.4.2.3: the primary value, else the first one. */
		snprintf(value, sizeof(value), "(SELECT a.e->>'%s' FROM jsonb_array_elements("
			 "CASE jsonb_typeof(%s->'%s') WHEN 'array' THEN %s->'%s' END)"
			 " WITH ORDINALITY AS a(e, n)"
			 " ORDER BY coalesce(a.e->'primary' = 'true'::jsonb, false) DESC, a.n LIMIT 1)",
			 def->name, object, ap.attr->name, object, ap.attr->name);
	} else if (def != ap.attr) {
		snprintf(value, sizeof(value), "(%s->'%s'->>'%s')", object, ap.attr->name, def->name);
	} else {
		snprintf(value, sizeof(value), "(%s->>'%s')", object, ap.attr->name);
	}
	if (def->type == ATTR_STRING || def->type == ATTR_REFERENCE || def->type == ATTR_BINARY)
		n = snprintf(out, size, def->case_exact ? "%s" : "scim_fold(%s)", value);
	else if (def->type == ATTR_INTEGER || def->type == ATTR_DECIMAL)
		/* Text that sorts as the numbers do (keys are text, for cursors):
		 * rounded to 6 decimals, a sign digit, then 21 integer and 6
		 * fractional digits, the negatives counted up from -10^21;
		 * beyond +-10^21 all sort alike, at the ends. */
		n = snprintf(out, size, "(SELECT CASE WHEN x.v >= 1e21 THEN '2'"
			     " WHEN x.v >= 0 THEN '1' || to_char(x.v, 'FM000000000000000000000.000000')"
			     " WHEN x.v > -1e21 THEN '0' || to_char(1e21 + x.v,"
			     " 'FM000000000000000000000.000000') ELSE '0' END"
			     " FROM (SELECT round((CASE WHEN %s ~ '^-?[0-9]+([.][0-9]+)?([eE][-+]?[0-9]+)?$'"
			     " THEN (%s)::numeric END), 6) AS v) x)", value, value);
	else
		n = snprintf(out, size, "%s", value); /* booleans: "false" < "true" */
	if (n < 0 || (size_t)n >= size)
		return error_set(err, 500, NULL, "sort key too long");
	return true;
}
