/*
 * filter.h - the RFC 7644 section 3.4.2.2 filter language.
 *
 * One hand-written recursive descent parser (or -> and -> not -> comparison)
 * with a depth limit turns filter text into a tree. The same parser reads
 * PATCH paths (RFC 7644 3.5.2: attrPath / valuePath [ "." subAttr ]) and the
 * bracketed value filters inside them.
 *
 * Ownership: filter_parse*() return a tree owned by the caller and freed with
 * filter_free(); strings inside the tree belong to it. Other arguments are
 * borrowed. filter_to_string() returns a malloc'd string the caller frees.
 *
 * The parser only checks syntax; attribute names are resolved against a
 * schema by the consumers (filter_match, filter_sql).
 */
#ifndef SCIM_FILTER_H
#define SCIM_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "error.h"
#include "schema.h"

/* Limits, advertised in /ServiceProviderConfig's documentation. */
#define FILTER_MAX_LENGTH 4096 /* bytes of filter text */
#define FILTER_MAX_DEPTH 16    /* nesting of parentheses, not and brackets */
#define FILTER_MAX_NODES 256   /* comparisons and logical operators */

enum filter_kind {
	FILTER_AND,        /* left and right */
	FILTER_OR,         /* left or right */
	FILTER_NOT,        /* not (left) */
	FILTER_COMPARE,    /* path op value, or path pr */
	FILTER_VALUE_PATH, /* path[left]; optionally followed by .sub op value */
};

enum filter_op {
	FILTER_EQ,
	FILTER_NE,
	FILTER_CO,
	FILTER_SW,
	FILTER_EW,
	FILTER_GT,
	FILTER_GE,
	FILTER_LT,
	FILTER_LE,
	FILTER_PR,
};

enum filter_value_kind {
	FILTER_VALUE_STRING, /* a quoted string, or an unquoted word (Entra) */
	FILTER_VALUE_NUMBER, /* text holds the number as written */
	FILTER_VALUE_TRUE,
	FILTER_VALUE_FALSE,
	FILTER_VALUE_NULL,
};

/*
 * An attribute path as written: "urn:...:User:name.givenName" is
 * urn="urn:...:User", attr="name", sub="givenName". urn and sub may be NULL.
 * The URN is recognised by the last ':' before the attribute name.
 */
struct filter_path {
	char *urn;
	char *attr;
	char *sub;
};

struct filter_value {
	enum filter_value_kind kind;
	char *text; /* unescaped string or number text; NULL for true/false/null */
};

struct filter_node {
	enum filter_kind kind;
	struct filter_node *left;  /* AND, OR, NOT, VALUE_PATH (the bracket filter) */
	struct filter_node *right; /* AND, OR */
	struct filter_path path;   /* COMPARE, VALUE_PATH */
	enum filter_op op;         /* COMPARE; VALUE_PATH when has_sub_compare */
	struct filter_value value; /* COMPARE; VALUE_PATH when has_sub_compare */
	/*
	 * Entra sends `emails[type eq "work"].value eq "x"`: a value path followed
	 * by a sub-attribute comparison. Then sub_attr is "value" and op/value
	 * hold the comparison; it means "some element matches the bracket filter
	 * and its sub_attr op value".
	 */
	bool has_sub_compare;
	char *sub_attr;
};

/*
 * Parse a filter. On error returns NULL and sets err to 400 invalidFilter
 * with a detail that names the position and what was expected.
 */
struct filter_node *filter_parse(const char *text, size_t len,
				 struct scim_error *err);

/*
 * A PATCH path (RFC 7644 3.5.2): attrPath, or valuePath optionally followed
 * by "." subAttr. `filter` is NULL for a plain attrPath.
 */
struct patch_path {
	struct filter_path path;     /* the attribute addressed */
	struct filter_node *filter;  /* the bracket filter, or NULL */
	char *sub_attr;              /* sub-attribute after "]." , or NULL */
};

/* Parse a PATCH path. On error returns false and sets err to 400
 * invalidPath. On success the caller frees it with patch_path_free(). */
bool filter_parse_patch_path(const char *text, size_t len,
			     struct patch_path *out, struct scim_error *err);
void patch_path_free(struct patch_path *path);

/* Free a tree; NULL is allowed. */
void filter_free(struct filter_node *node);

/*
 * The canonical text of a tree, used by tests and logs: every binary and not
 * node in parentheses, operators lower case, strings re-quoted with JSON
 * escapes. E.g. `((userName eq "bob") and (not (active eq true)))`, and
 * `emails[(type eq "work")].value eq "x"`.
 */
char *filter_to_string(const struct filter_node *node);

/* The operator's name in lower case ("eq"). */
const char *filter_op_name(enum filter_op op);

/*
 * Compare UTF-8 texts the way filters compare string values: byte by byte,
 * or with caseExact false after folding ASCII and Latin-1 letters to lower
 * case (as scim_fold() does in SQL). Negative, zero or positive.
 */
int filter_text_compare(const char *a, size_t a_len, const char *b, size_t b_len,
			bool case_exact);

/*
 * Evaluate a filter against a resource document (the JSON a GET returns),
 * in memory, with RFC 7644 semantics: attribute names case-insensitive,
 * string comparison per the attribute's caseExact, any-match on multi-valued
 * attributes, missing attributes never match (except `not`). Used by the
 * PATCH engine for bracketed paths, and tested against the SQL translation.
 * Returns false and sets err (400 invalidFilter) when the filter cannot be
 * applied, e.g. an ordering operator on a boolean.
 */
bool filter_match(const struct filter_node *node, const json_t *resource,
		  const struct resource_type_def *rt, bool *matched,
		  struct scim_error *err);

/*
 * Evaluate a bracket filter against one element of a multi-valued attribute
 * `attr` (paths in the filter are sub-attributes of that element).
 */
bool filter_match_element(const struct filter_node *node, const json_t *element,
			  const struct attr_def *attr, bool *matched,
			  struct scim_error *err);

/* A number of a filter as both the evaluator and filter_sql.c read it:
 * JSON-like text that strtod() takes whole, finite. */
bool filter_number_text(const char *s, double *out);

#endif
