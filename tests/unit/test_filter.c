/*
 * test_filter.c - the filter parser, PATCH paths and in-memory evaluation.
 *
 * Parse cases compare the canonical rendering and check that it parses back
 * to itself; error cases pin status, scimType and the detail text (with its
 * position); evaluation cases run on a sample user and a sample group.
 */
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "unit.h"

/* ---- (a) parse -> canonical ---- */

struct parse_case {
	const char *filter;
	const char *canonical;
};

static const struct parse_case parse_cases[] = {
	/* RFC 7644 3.4.2.2, every example filter, in order. */
	{ "userName eq \"bjensen\"", "userName eq \"bjensen\"" },
	{ "name.familyName co \"O'Malley\"", "name.familyName co \"O'Malley\"" },
	{ "userName sw \"J\"", "userName sw \"J\"" },
	{ "urn:ietf:params:scim:schemas:core:2.0:User:userName sw \"J\"",
	  "urn:ietf:params:scim:schemas:core:2.0:User:userName sw \"J\"" },
	{ "title pr", "title pr" },
	{ "meta.lastModified gt \"2011-05-13T04:42:34Z\"",
	  "meta.lastModified gt \"2011-05-13T04:42:34Z\"" },
	{ "meta.lastModified ge \"2011-05-13T04:42:34Z\"",
	  "meta.lastModified ge \"2011-05-13T04:42:34Z\"" },
	{ "meta.lastModified lt \"2011-05-13T04:42:34Z\"",
	  "meta.lastModified lt \"2011-05-13T04:42:34Z\"" },
	{ "meta.lastModified le \"2011-05-13T04:42:34Z\"",
	  "meta.lastModified le \"2011-05-13T04:42:34Z\"" },
	{ "title pr and userType eq \"Employee\"",
	  "((title pr) and (userType eq \"Employee\"))" },
	{ "title pr or userType eq \"Intern\"",
	  "((title pr) or (userType eq \"Intern\"))" },
	{ "schemas eq \"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User\"",
	  "schemas eq \"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User\"" },
	{ "userType eq \"Employee\" and (emails co \"example.com\" or "
	  "emails.value co \"example.org\")",
	  "((userType eq \"Employee\") and ((emails co \"example.com\") or "
	  "(emails.value co \"example.org\")))" },
	{ "userType ne \"Employee\" and not (emails co \"example.com\" or "
	  "emails.value co \"example.org\")",
	  "((userType ne \"Employee\") and (not ((emails co \"example.com\") or "
	  "(emails.value co \"example.org\"))))" },
	{ "userType eq \"Employee\" and (emails.type eq \"work\")",
	  "((userType eq \"Employee\") and (emails.type eq \"work\"))" },
	{ "userType eq \"Employee\" and emails[type eq \"work\" and "
	  "value co \"@example.com\"]",
	  "((userType eq \"Employee\") and (emails[((type eq \"work\") and "
	  "(value co \"@example.com\"))]))" },
	{ "emails[type eq \"work\" and value co \"@example.com\"] or "
	  "ims[type eq \"xmpp\" and value co \"@foo.com\"]",
	  "((emails[((type eq \"work\") and (value co \"@example.com\"))]) or "
	  "(ims[((type eq \"xmpp\") and (value co \"@foo.com\"))]))" },
	/* RFC 7644 3.4.2.2: operators and names in any case. */
	{ "userName Eq \"john\"", "userName eq \"john\"" },
	{ "Username eq \"john\"", "Username eq \"john\"" },

	/* Entra ID's provisioning cycle. */
	{ "userName eq \"Test_User_ab6490ee@testuser.com\"",
	  "userName eq \"Test_User_ab6490ee@testuser.com\"" },
	{ "externalId eq jyoung", "externalId eq \"jyoung\"" },
	{ "name.FamilyName eq Employee", "name.FamilyName eq \"Employee\"" },
	{ "userName eq 5f2b-x@y.com and active eq True",
	  "((userName eq \"5f2b-x@y.com\") and (active eq true))" },
	{ "emails[type eq \"work\"].value eq \"x\"",
	  "emails[(type eq \"work\")].value eq \"x\"" },
	{ "emails[type eq \"Primary\"].value eq "
	  "\"001750ca-8202-47cd-b553-c63f4f245940\"",
	  "emails[(type eq \"Primary\")].value eq "
	  "\"001750ca-8202-47cd-b553-c63f4f245940\"" },
	{ "emails[type eq \"work\"].value pr", "emails[(type eq \"work\")].value pr" },
	{ "id eq \"gid\" and members eq \"uid\"",
	  "((id eq \"gid\") and (members eq \"uid\"))" },
	{ "roles[primary eq \"True\"]", "roles[(primary eq \"True\")]" },
	{ "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value "
	  "eq \"26118915\"",
	  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value "
	  "eq \"26118915\"" },
	{ "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber "
	  "eq 701984",
	  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber "
	  "eq 701984" },
	{ "displayName eq \"displayName\"", "displayName eq \"displayName\"" },
	/* Okta's. */
	{ "userName eq \"isaac.brock@example.com\"",
	  "userName eq \"isaac.brock@example.com\"" },

	/* The examples of filter.h. */
	{ "userName eq \"bob\" and not (active eq true)",
	  "((userName eq \"bob\") and (not (active eq true)))" },

	/* Precedence: not, then and, then or; chains associate left. */
	{ "a pr or b pr and c pr", "((a pr) or ((b pr) and (c pr)))" },
	{ "a pr and b pr or c pr", "(((a pr) and (b pr)) or (c pr))" },
	{ "a pr and b pr and c pr", "((a pr) and (b pr) and (c pr))" },
	{ "a pr or b pr or c pr or d pr", "((a pr) or (b pr) or (c pr) or (d pr))" },
	{ "a pr and (b pr and c pr)", "((a pr) and ((b pr) and (c pr)))" },
	{ "(a pr or b pr) and c pr", "(((a pr) or (b pr)) and (c pr))" },
	{ "a pr or b pr and not (c pr) or d pr",
	  "((a pr) or ((b pr) and (not (c pr))) or (d pr))" },
	{ "((a pr))", "a pr" },
	{ "(a pr) and ((b pr))", "((a pr) and (b pr))" },

	/* not */
	{ "not (a pr)", "(not (a pr))" },
	{ "not(a pr)", "(not (a pr))" },
	{ "NOT (a pr)", "(not (a pr))" },
	{ "not (not (a eq 1))", "(not (not (a eq 1)))" },
	{ "not (a pr and b pr)", "(not ((a pr) and (b pr)))" },
	{ "emails[not (type eq \"work\")]", "emails[(not (type eq \"work\"))]" },
	{ "notes pr", "notes pr" },
	{ "order pr and android pr", "((order pr) and (android pr))" },

	/* Case-insensitive operators, keywords and literals. */
	{ "userName EQ \"x\" AND title Pr OR active eQ TRUE",
	  "(((userName eq \"x\") and (title pr)) or (active eq true))" },
	{ "a NE False", "a ne false" },
	{ "a co x", "a co \"x\"" },
	{ "a SW x", "a sw \"x\"" },
	{ "a eW x", "a ew \"x\"" },
	{ "a GT 1", "a gt 1" },
	{ "a ge 1", "a ge 1" },
	{ "a Lt 1", "a lt 1" },
	{ "a lE 1", "a le 1" },
	{ "title eq NULL", "title eq null" },

	/* Values. */
	{ "a eq 42", "a eq 42" },
	{ "a eq -1.5e+3", "a eq -1.5e+3" },
	{ "a eq 0", "a eq 0" },
	{ "a eq 0123", "a eq \"0123\"" },
	{ "a eq 1.", "a eq \"1.\"" },
	{ "a eq \"42\"", "a eq \"42\"" },
	{ "a eq \"true\"", "a eq \"true\"" },
	{ "a eq truex", "a eq \"truex\"" },
	{ "a eq \"\"", "a eq \"\"" },
	{ "a eq \"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"",
	  "a eq \"a\\\"b\\\\c/d\\b\\f\\n\\r\\t\"" },
	{ "a eq \"\\u00e9\\u00C9\"", "a eq \"\xc3\xa9\xc3\x89\"" },
	{ "a eq \"\\uD83D\\uDE00\"", "a eq \"\xf0\x9f\x98\x80\"" },
	{ "a eq \"\\u001f\\u007f\"", "a eq \"\\u001f\\u007f\"" },
	{ "a eq \"\xe2\x82\xac caf\xc3\xa9\"", "a eq \"\xe2\x82\xac caf\xc3\xa9\"" },
	{ "a eq \"(x) [y] and or not\"", "a eq \"(x) [y] and or not\"" },
	{ "a eq caf\xc3\xa9", "a eq \"caf\xc3\xa9\"" },

	/* White space. */
	{ "  userName   eq   \"x\"  ", "userName eq \"x\"" },
	{ "userName\teq\t\"x\"", "userName eq \"x\"" },
	{ "( a pr )and( b pr )", "((a pr) and (b pr))" },
	{ "a eq \"x\"and b pr", "((a eq \"x\") and (b pr))" },

	/* Paths. */
	{ "members.$ref eq \"x\"", "members.$ref eq \"x\"" },
	{ "x-y_z9 pr", "x-y_z9 pr" },
	{ "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager pr",
	  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager pr" },
	{ "urn:ietf:params:scim:schemas:core:2.0:User:name.givenName eq \"B\"",
	  "urn:ietf:params:scim:schemas:core:2.0:User:name.givenName eq \"B\"" },

	/* Nesting. */
	{ "(((((a pr)))))", "a pr" },
	{ "a pr and (b pr or (c pr and (d pr or e pr)))",
	  "((a pr) and ((b pr) or ((c pr) and ((d pr) or (e pr)))))" },
	{ "emails[type eq \"work\" and (value co \"a\" or not (primary eq true))]",
	  "emails[((type eq \"work\") and ((value co \"a\") or "
	  "(not (primary eq true))))]" },
};

static void test_parse(void)
{
	size_t i;

	for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		const struct parse_case *c = &parse_cases[i];
		struct scim_error err;
		struct filter_node *node;
		struct filter_node *again;
		char *text;
		char *text_again;

		error_clear(&err);
		node = filter_parse(c->filter, strlen(c->filter), &err);
		if (!unit_check(node != NULL, c->filter, "parse failed: %s",
				err.detail))
			continue;
		text = filter_to_string(node);
		unit_check(text != NULL && strcmp(text, c->canonical) == 0,
			   c->filter, "canonical\n  got  %s\n  want %s",
			   text ? text : "(null)", c->canonical);

		/* The canonical text parses back to itself. */
		again = text ? filter_parse(text, strlen(text), &err) : NULL;
		text_again = again ? filter_to_string(again) : NULL;
		unit_check(text_again != NULL && strcmp(text, text_again) == 0,
			   c->filter, "round trip: %s -> %s (%s)",
			   text ? text : "(null)",
			   text_again ? text_again : "(null)", err.detail);
		free(text_again);
		filter_free(again);
		free(text);
		filter_free(node);
	}
}

/* The tree itself, for what the canonical text cannot show. */
static void test_tree(void)
{
	static const char urn_path[] =
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:"
		"manager.value eq \"x\"";
	static const char entra[] = "emails[type eq \"work\"].value eq \"x\"";
	static const char bare[] = "externalId eq jyoung";
	static const char number[] = "a ge -2.5";
	struct scim_error err;
	struct filter_node *node;

	error_clear(&err);
	node = filter_parse(urn_path, strlen(urn_path), &err);
	unit_check(node != NULL && node->kind == FILTER_COMPARE &&
			   strcmp(node->path.urn, SCHEMA_URN_ENTERPRISE_USER) == 0 &&
			   strcmp(node->path.attr, "manager") == 0 &&
			   strcmp(node->path.sub, "value") == 0 &&
			   node->op == FILTER_EQ &&
			   node->value.kind == FILTER_VALUE_STRING &&
			   strcmp(node->value.text, "x") == 0,
		   "tree: urn path", "wrong tree");
	filter_free(node);

	node = filter_parse(entra, strlen(entra), &err);
	unit_check(node != NULL && node->kind == FILTER_VALUE_PATH &&
			   node->has_sub_compare &&
			   strcmp(node->sub_attr, "value") == 0 &&
			   node->path.urn == NULL && node->path.sub == NULL &&
			   strcmp(node->path.attr, "emails") == 0 &&
			   node->left != NULL && node->left->kind == FILTER_COMPARE &&
			   node->op == FILTER_EQ &&
			   strcmp(node->value.text, "x") == 0,
		   "tree: entra value path", "wrong tree");
	filter_free(node);

	node = filter_parse(bare, strlen(bare), &err);
	unit_check(node != NULL && node->value.kind == FILTER_VALUE_STRING &&
			   strcmp(node->value.text, "jyoung") == 0,
		   "tree: bare word", "wrong tree");
	filter_free(node);

	node = filter_parse(number, strlen(number), &err);
	unit_check(node != NULL && node->value.kind == FILTER_VALUE_NUMBER &&
			   strcmp(node->value.text, "-2.5") == 0 &&
			   node->op == FILTER_GE,
		   "tree: number", "wrong tree");
	filter_free(node);

	/* Not NUL-terminated: only len bytes are read. */
	node = filter_parse("title prXYZ", 8, &err);
	unit_check(node != NULL && node->op == FILTER_PR, "tree: length bound",
		   "%s", err.detail);
	filter_free(node);

	unit_check(strcmp(filter_op_name(FILTER_EQ), "eq") == 0 &&
			   strcmp(filter_op_name(FILTER_PR), "pr") == 0 &&
			   strcmp(filter_op_name(FILTER_LE), "le") == 0,
		   "filter_op_name", "wrong names");
	unit_check(!error_is_set(&err), "tree: no error", "%s", err.detail);
	filter_free(NULL);
}

/* ---- (b) errors ---- */

struct error_case {
	const char *name;
	const char *filter;
	size_t len; /* 0: strlen(filter) */
	const char *detail;
};

static const struct error_case error_cases[] = {
	{ "empty", "", 0, "empty filter, expected an attribute path at position 0" },
	{ "blank", "   ", 0, "empty filter, expected an attribute path at position 3" },
	{ "no operator", "userName", 0,
	  "expected an operator (eq, ne, co, sw, ew, gt, ge, lt, le or pr) at "
	  "position 8" },
	{ "bad operator", "userName xx \"bob\"", 0,
	  "expected an operator (eq, ne, co, sw, ew, gt, ge, lt, le or pr) at "
	  "position 9" },
	{ "operator glued to value", "userName eqx \"bob\"", 0,
	  "expected an operator (eq, ne, co, sw, ew, gt, ge, lt, le or pr) at "
	  "position 9" },
	{ "operator glued to path", "userName\"bob\"", 0,
	  "expected an operator (eq, ne, co, sw, ew, gt, ge, lt, le or pr) at "
	  "position 8" },
	{ "missing value", "userName eq", 0, "expected a value at position 11" },
	{ "missing value before and", "userName eq ) and a pr", 0,
	  "expected a value at position 12" },
	{ "unterminated string", "userName eq \"bob", 0,
	  "unterminated string starting at position 12, expected '\"' at "
	  "position 16" },
	{ "backslash at end", "userName eq \"bob\\", 0,
	  "invalid escape in a string, expected one of \\\" \\\\ \\/ \\b \\f \\n "
	  "\\r \\t \\uXXXX at position 16" },
	{ "bad escape", "userName eq \"a\\qb\"", 0,
	  "invalid escape in a string, expected one of \\\" \\\\ \\/ \\b \\f \\n "
	  "\\r \\t \\uXXXX at position 14" },
	{ "short \\u", "a eq \"\\u12\"", 0,
	  "expected four hex digits after \\u at position 6" },
	{ "bad hex", "a eq \"\\u12G4\"", 0,
	  "expected four hex digits after \\u at position 6" },
	{ "\\u0000", "a eq \"x\\u0000\"", 0,
	  "\\u0000 is not allowed in a string at position 7" },
	{ "lone high surrogate", "a eq \"\\uD800\"", 0,
	  "unpaired surrogate in a \\u escape at position 6" },
	{ "high surrogate + other", "a eq \"\\uD800\\u0041\"", 0,
	  "unpaired surrogate in a \\u escape at position 6" },
	{ "lone low surrogate", "a eq \"\\uDC00\"", 0,
	  "unpaired surrogate in a \\u escape at position 6" },
	{ "raw control character", "a eq \"x\ty\"", 0,
	  "unescaped control character in a string at position 7" },
	{ "invalid UTF-8 byte", "a eq \"\xff\"", 0, "invalid UTF-8 at position 6" },
	{ "overlong UTF-8", "a eq \"\xc0\xaf\"", 0, "invalid UTF-8 at position 6" },
	{ "truncated UTF-8", "a eq \"\xe2\x82", 0, "invalid UTF-8 at position 6" },
	{ "UTF-8 surrogate", "a eq \"\xed\xa0\x80\"", 0,
	  "invalid UTF-8 at position 6" },
	{ "invalid UTF-8 in a bare word", "a eq x\xfe", 0,
	  "invalid UTF-8 at position 6" },
	{ "embedded NUL", "a eq \"x\0y\"", 10, "embedded NUL byte at position 7" },
	{ "NUL after filter", "a pr\0", 5, "embedded NUL byte at position 4" },
	{ "control character in a bare word", "a eq x\x01y", 0,
	  "unexpected control character in a value at position 6" },
	{ "trailing garbage", "userName eq \"a\" b", 0,
	  "expected 'and', 'or' or the end of the filter at position 16" },
	{ "trailing garbage after pr", "title pr x", 0,
	  "expected 'and', 'or' or the end of the filter at position 9" },
	{ "stray ')'", "userName eq \"a\")", 0, "unexpected ')' at position 15" },
	{ "stray ']'", "a pr]", 0, "unexpected ']' at position 4" },
	{ "missing right operand", "userName eq \"a\" and", 0,
	  "expected an attribute path, '(' or 'not' at position 19" },
	{ "missing right operand of or", "a pr or ", 0,
	  "expected an attribute path, '(' or 'not' at position 8" },
	{ "missing left operand", "and a pr", 0,
	  "expected an operator (eq, ne, co, sw, ew, gt, ge, lt, le or pr) at "
	  "position 4" },
	{ "unclosed '('", "(userName eq \"a\"", 0,
	  "expected 'and', 'or' or ')' at position 16" },
	{ "empty parentheses", "()", 0,
	  "expected an attribute path at position 1" },
	{ "not without '('", "not userName eq \"a\"", 0,
	  "expected '(' after 'not' at position 4" },
	{ "not at end", "not", 0, "expected '(' after 'not' at position 3" },
	{ "nested brackets", "emails[type[value eq \"x\"] eq \"y\"]", 0,
	  "nested value filters are not allowed at position 11" },
	{ "unclosed '['", "emails[type eq \"work\"", 0,
	  "expected 'and', 'or' or ']' at position 21" },
	{ "empty brackets", "emails[]", 0, "expected an attribute path at position 7" },
	{ "bracket after sub-attribute", "name.familyName[x eq \"y\"]", 0,
	  "a value filter must follow an attribute, not a sub-attribute at "
	  "position 15" },
	{ "nothing after '].'", "emails[type eq \"work\"].", 0,
	  "expected a sub-attribute name after ']' at position 23" },
	{ "no operator after '].value'", "emails[type eq \"work\"].value", 0,
	  "expected an operator (eq, ne, co, sw, ew, gt, ge, lt, le or pr) at "
	  "position 28" },
	{ "digit starts a name", "1userName eq \"a\"", 0,
	  "expected an attribute name at position 0" },
	{ "two sub-attributes", "name.given.x eq \"a\"", 0,
	  "unexpected '.' after a sub-attribute at position 10" },
	{ "empty sub-attribute", "name. eq \"a\"", 0,
	  "expected a sub-attribute name at position 5" },
	{ "URN without attribute", "urn:x: eq \"a\"", 0,
	  "expected an attribute name at position 6" },
	{ "bad URN", ":userName eq \"a\"", 0, "expected a schema URN at position 0" },
	{ "starts with a value", "\"userName\" eq \"a\"", 0,
	  "expected an attribute path at position 0" },
	{ "operator only", "eq \"a\"", 0,
	  "expected an operator (eq, ne, co, sw, ew, gt, ge, lt, le or pr) at "
	  "position 3" },
};

/* A string of `open` '(' , a comparison and `open` ')'. */
static char *nested_filter(int open)
{
	char *s = malloc((size_t)open * 2 + 16);
	int i;
	size_t n = 0;

	for (i = 0; i < open; i++)
		s[n++] = '(';
	memcpy(s + n, "a pr", 4);
	n += 4;
	for (i = 0; i < open; i++)
		s[n++] = ')';
	s[n] = '\0';
	return s;
}

static void check_error(const char *name, const char *text, size_t len,
			const char *scim_type, const char *want)
{
	struct scim_error err;
	struct filter_node *node;

	error_clear(&err);
	node = filter_parse(text, len, &err);
	unit_check(node == NULL && err.status == 400 && err.scim_type != NULL &&
			   strcmp(err.scim_type, scim_type) == 0 &&
			   strstr(err.detail, want) != NULL &&
			   strstr(err.detail, "position ") != NULL,
		   name, "got %s %d %s \"%s\", want \"%s\"",
		   node ? "a tree" : "no tree", err.status,
		   err.scim_type ? err.scim_type : "-", err.detail, want);
	filter_free(node);
}

static void test_errors(void)
{
	struct filter_node *node;
	struct scim_error err;
	char *text;
	size_t i;
	size_t n;

	for (i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++) {
		const struct error_case *c = &error_cases[i];

		check_error(c->name, c->filter, c->len ? c->len : strlen(c->filter),
			    SCIM_INVALID_FILTER, c->detail);
	}

	/* Depth: FILTER_MAX_DEPTH levels pass, one more fails. */
	text = nested_filter(FILTER_MAX_DEPTH);
	error_clear(&err);
	node = filter_parse(text, strlen(text), &err);
	unit_check(node != NULL, "depth at the limit", "%s", err.detail);
	filter_free(node);
	free(text);
	text = nested_filter(FILTER_MAX_DEPTH + 1);
	check_error("too deep", text, strlen(text), SCIM_INVALID_FILTER,
		    "filter nested too deeply (more than 16 levels of "
		    "parentheses, not and brackets) at position 16");
	free(text);
	/* not and brackets count too. */
	{
		char deep[512] = "";

		for (i = 0; i < FILTER_MAX_DEPTH; i++)
			strcat(deep, "not (");
		strcat(deep, "a pr");
		for (i = 0; i < FILTER_MAX_DEPTH; i++)
			strcat(deep, ")");
		error_clear(&err);
		node = filter_parse(deep, strlen(deep), &err);
		unit_check(node != NULL, "not depth at the limit", "%s", err.detail);
		filter_free(node);

		strcpy(deep, "emails[");
		for (i = 0; i < FILTER_MAX_DEPTH; i++)
			strcat(deep, "(");
		strcat(deep, "a pr");
		for (i = 0; i < FILTER_MAX_DEPTH; i++)
			strcat(deep, ")");
		strcat(deep, "]");
		check_error("bracket depth", deep, strlen(deep),
			    SCIM_INVALID_FILTER, "nested too deeply");
	}
	/* A deep filter of 10000 '(' fails cleanly. */
	text = nested_filter(10000);
	check_error("very deep", text, FILTER_MAX_LENGTH, SCIM_INVALID_FILTER,
		    "nested too deeply");
	free(text);

	/* Length: FILTER_MAX_LENGTH bytes pass, one more fails. */
	text = malloc(FILTER_MAX_LENGTH + 2);
	memset(text, ' ', FILTER_MAX_LENGTH + 1);
	memcpy(text, "a pr", 4);
	text[FILTER_MAX_LENGTH + 1] = '\0';
	error_clear(&err);
	node = filter_parse(text, FILTER_MAX_LENGTH, &err);
	unit_check(node != NULL, "length at the limit", "%s", err.detail);
	filter_free(node);
	check_error("too long", text, FILTER_MAX_LENGTH + 1, SCIM_INVALID_FILTER,
		    "filter is too long (more than 4096 bytes) at position 4096");
	free(text);

	/* Nodes: "a pr or a pr ..." with FILTER_MAX_NODES nodes passes. */
	text = malloc(FILTER_MAX_LENGTH);
	for (n = 0; n < 2; n++) {
		/* n comparisons make 2n - 1 nodes: 255, then 257. */
		int comparisons = FILTER_MAX_NODES / 2 + (int)n;
		int k;

		text[0] = '\0';
		for (k = 0; k < comparisons; k++)
			strcat(text, k ? " or a pr" : "a pr");
		error_clear(&err);
		node = filter_parse(text, strlen(text), &err);
		if (n == 0)
			unit_check(node != NULL, "nodes at the limit", "%s",
				   err.detail);
		else
			check_error("too many nodes", text, strlen(text),
				    SCIM_INVALID_FILTER,
				    "filter has too many expressions (more than "
				    "256) at position ");
		filter_free(node);
	}
	free(text);

	/* NULL text with length 0 is an empty filter, not a crash. */
	check_error("NULL text", NULL, 0, SCIM_INVALID_FILTER, "empty filter");
}

/* ---- (c) PATCH paths ---- */

struct path_case {
	const char *path;
	const char *urn;
	const char *attr;
	const char *sub;
	const char *filter; /* canonical, or NULL */
	const char *sub_attr;
};

static const struct path_case path_cases[] = {
	{ "userName", NULL, "userName", NULL, NULL, NULL },
	{ "name.familyName", NULL, "name", "familyName", NULL, NULL },
	{ "NAME.givenname", NULL, "NAME", "givenname", NULL, NULL },
	{ "members", NULL, "members", NULL, NULL, NULL },
	{ "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
	  SCHEMA_URN_ENTERPRISE_USER, "manager", NULL, NULL, NULL },
	{ "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
	  SCHEMA_URN_ENTERPRISE_USER, "manager", "value", NULL, NULL },
	{ "urn:ietf:params:scim:schemas:core:2.0:User:userName", SCHEMA_URN_USER,
	  "userName", NULL, NULL, NULL },
	{ "emails[type eq \"work\"]", NULL, "emails", NULL, "type eq \"work\"", NULL },
	{ "emails[type eq \"work\"].value", NULL, "emails", NULL,
	  "type eq \"work\"", "value" },
	{ "members[value eq \"id1\"]", NULL, "members", NULL, "value eq \"id1\"",
	  NULL },
	{ "roles[primary eq \"True\"].value", NULL, "roles", NULL,
	  "primary eq \"True\"", "value" },
	{ "addresses[type eq \"work\" and primary eq true].streetAddress", NULL,
	  "addresses", NULL, "((type eq \"work\") and (primary eq true))",
	  "streetAddress" },
	{ "phoneNumbers[type eq work].value", NULL, "phoneNumbers", NULL,
	  "type eq \"work\"", "value" },
	{ "members[not (value eq \"a\")].$ref", NULL, "members", NULL,
	  "(not (value eq \"a\"))", "$ref" },
};

static bool same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

struct path_error_case {
	const char *path;
	size_t len;
	const char *detail;
};

static const struct path_error_case path_error_cases[] = {
	{ "", 0, "empty path, expected an attribute path at position 0" },
	{ " userName", 0, "expected an attribute path at position 0" },
	{ "userName ", 0, "expected '[' or the end of the path at position 8" },
	{ "emails type", 0, "expected '[' or the end of the path at position 6" },
	{ "emails[type eq \"work\"", 0,
	  "expected 'and', 'or' or ']' at position 21" },
	{ "emails[type eq]", 0, "expected a value at position 14" },
	{ "emails[type eq \"work\"]x", 0,
	  "expected '.' and a sub-attribute, or the end of the path at position 22" },
	{ "emails[type eq \"work\"].", 0,
	  "expected a sub-attribute name after ']' at position 23" },
	{ "emails[type eq \"work\"].value.x", 0,
	  "expected '.' and a sub-attribute, or the end of the path at position 28" },
	{ "emails[type[value eq 1] eq \"a\"]", 0,
	  "nested value filters are not allowed at position 11" },
	{ "emails[]", 0, "expected an attribute path at position 7" },
	{ "name..x", 0, "expected a sub-attribute name at position 5" },
	{ "1abc", 0, "expected an attribute name at position 0" },
	{ "name.familyName[x eq 1]", 0,
	  "a value filter must follow an attribute, not a sub-attribute at "
	  "position 15" },
	{ "emails[type eq \"\xff\"]", 0, "invalid UTF-8 at position 16" },
	{ "emails\0", 7, "embedded NUL byte at position 6" },
	{ "emails[type eq \"a\\x\"]", 0, "invalid escape in a string" },
};

static void test_patch_paths(void)
{
	struct scim_error err;
	struct patch_path path;
	size_t i;

	for (i = 0; i < sizeof(path_cases) / sizeof(path_cases[0]); i++) {
		const struct path_case *c = &path_cases[i];
		char *filter = NULL;
		bool ok;

		error_clear(&err);
		ok = filter_parse_patch_path(c->path, strlen(c->path), &path, &err);
		if (!unit_check(ok, c->path, "parse failed: %s", err.detail))
			continue;
		if (path.filter != NULL)
			filter = filter_to_string(path.filter);
		unit_check(same(path.path.urn, c->urn) &&
				   same(path.path.attr, c->attr) &&
				   same(path.path.sub, c->sub) &&
				   same(filter, c->filter) &&
				   same(path.sub_attr, c->sub_attr),
			   c->path, "got urn=%s attr=%s sub=%s filter=%s sub_attr=%s",
			   path.path.urn ? path.path.urn : "-",
			   path.path.attr ? path.path.attr : "-",
			   path.path.sub ? path.path.sub : "-",
			   filter ? filter : "-",
			   path.sub_attr ? path.sub_attr : "-");
		free(filter);
		patch_path_free(&path);
	}

	for (i = 0; i < sizeof(path_error_cases) / sizeof(path_error_cases[0]); i++) {
		const struct path_error_case *c = &path_error_cases[i];
		size_t len = c->len ? c->len : strlen(c->path);
		bool ok;

		error_clear(&err);
		ok = filter_parse_patch_path(c->path, len, &path, &err);
		unit_check(!ok && err.status == 400 && err.scim_type != NULL &&
				   strcmp(err.scim_type, SCIM_INVALID_PATH) == 0 &&
				   strstr(err.detail, c->detail) != NULL &&
				   strstr(err.detail, "position ") != NULL &&
				   path.filter == NULL && path.path.attr == NULL,
			   c->path, "got %s %d %s \"%s\", want \"%s\"",
			   ok ? "success" : "failure", err.status,
			   err.scim_type ? err.scim_type : "-", err.detail,
			   c->detail);
		if (ok)
			patch_path_free(&path);
	}
	/* patch_path_free twice and on a zeroed path is harmless. */
	memset(&path, 0, sizeof(path));
	patch_path_free(&path);
	patch_path_free(NULL);
}

/* ---- (d) evaluation ---- */

static const char sample_user[] =
	"{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\","
	"  \"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User\"],"
	" \"id\":\"2819c223-7f76-453a-919d-413861904646\","
	" \"externalId\":\"bjensen-ExT\","
	" \"userName\":\"BJensen@example.com\","
	" \"name\":{\"familyName\":\"Jensen\",\"givenName\":\"Barbara\","
	"   \"middleName\":\"J\xc3\xb6rg \xc3\x84ngel\"},"
	" \"displayName\":\"Babs Jensen\","
	" \"nickName\":\"\","
	" \"title\":\"Tour Guide\","
	" \"userType\":\"Employee\","
	" \"active\":true,"
	" \"emails\":[{\"value\":\"bjensen@example.com\",\"type\":\"work\",\"primary\":true},"
	"   {\"value\":\"babs@jensen.org\",\"type\":\"home\"}],"
	" \"phoneNumbers\":[{\"value\":\"555-555-8377\",\"type\":\"work\"}],"
	" \"roles\":[{\"value\":\"admin\",\"primary\":\"True\"}],"
	" \"x509Certificates\":[],"
	" \"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User\":{"
	"   \"employeeNumber\":\"701984\",\"department\":\"Tour Operations\","
	"   \"manager\":{\"value\":\"26118915-6090-4610-87e4-49d8ca9f808d\","
	"     \"$ref\":\"../Users/26118915-6090-4610-87e4-49d8ca9f808d\","
	"     \"displayName\":\"John Smith\"}},"
	" \"meta\":{\"resourceType\":\"User\",\"created\":\"2010-01-23T04:56:22Z\","
	"   \"lastModified\":\"2015-10-10T14:38:21.8617979-07:00\","
	"   \"location\":\"https://example.com/v2/Users/2819c223\","
	"   \"version\":\"W/\\\"a330bc54f0671c9\\\"\"}}";

static const char sample_group[] =
	"{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:Group\"],"
	" \"id\":\"gid-1\",\"displayName\":\"Admins\","
	" \"members\":[{\"value\":\"uid-1\",\"type\":\"User\"},{\"value\":\"uid-2\"}],"
	" \"meta\":{\"resourceType\":\"Group\",\"created\":\"2020-02-29T23:59:59+01:00\"}}";

#define ENT "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:"

enum outcome { NO, YES, ERR };

struct eval_case {
	const char *filter;
	int doc; /* 0: sample user, 1: empty user, 2: sample group */
	enum outcome want;
	const char *detail; /* for ERR */
};

static const struct eval_case eval_cases[] = {
	/* userName is not case-exact; id and externalId are. */
	{ "userName eq \"bjensen@example.com\"", 0, YES, NULL },
	{ "userName eq \"BJENSEN@EXAMPLE.COM\"", 0, YES, NULL },
	{ "UserName Eq \"bjensen@example.com\"", 0, YES, NULL },
	{ "userName eq \"bjensen\"", 0, NO, NULL },
	{ "userName ne \"bjensen\"", 0, YES, NULL },
	{ "userName ne \"BJENSEN@example.com\"", 0, NO, NULL },
	{ "externalId eq \"bjensen-ext\"", 0, NO, NULL },
	{ "externalId eq \"bjensen-ExT\"", 0, YES, NULL },
	{ "externalId eq bjensen-ExT", 0, YES, NULL },
	{ "id eq \"2819C223-7F76-453A-919D-413861904646\"", 0, NO, NULL },
	{ "id eq \"2819c223-7f76-453a-919d-413861904646\"", 0, YES, NULL },
	{ "urn:ietf:params:scim:schemas:core:2.0:User:userName sw \"bjensen\"", 0,
	  YES, NULL },
	{ "urn:ietf:params:scim:schemas:core:2.0:User:id pr", 0, YES, NULL },
	/* Sub-attributes, substrings, ordering. */
	{ "name.familyName eq Jensen", 0, YES, NULL },
	{ "name.FamilyName eq \"jensen\"", 0, YES, NULL },
	{ "NAME.familyname co \"ENS\"", 0, YES, NULL },
	{ "name.familyName sw \"jen\"", 0, YES, NULL },
	{ "name.familyName ew \"SEN\"", 0, YES, NULL },
	{ "name.familyName ew \"jen\"", 0, NO, NULL },
	{ "name.familyName co \"\"", 0, YES, NULL },
	{ "name.familyName sw \"Jensen and more\"", 0, NO, NULL },
	{ "name.middleName eq \"J\xc3\x96RG \xc3\xa4NGEL\"", 0, YES, NULL },
	{ "name.middleName co \"\xc3\xb6rg\"", 0, YES, NULL },
	{ "title gt \"Tour\"", 0, YES, NULL },
	{ "title ge \"TOUR GUIDE\"", 0, YES, NULL },
	{ "title gt \"TOUR GUIDE\"", 0, NO, NULL },
	{ "title le \"tour guide\"", 0, YES, NULL },
	{ "title lt \"tour guidf\"", 0, YES, NULL },
	{ "title lt \"Tour\"", 0, NO, NULL },
	{ "meta.version eq \"W/\\\"a330bc54f0671c9\\\"\"", 0, YES, NULL },
	{ "meta.resourceType eq \"User\"", 0, YES, NULL },
	{ "meta.resourceType eq \"user\"", 0, NO, NULL },
	/* pr */
	{ "title pr", 0, YES, NULL },
	{ "nickName pr", 0, NO, NULL },
	{ "locale pr", 0, NO, NULL },
	{ "emails pr", 0, YES, NULL },
	{ "emails.type pr", 0, YES, NULL },
	{ "emails.display pr", 0, NO, NULL },
	{ "name pr", 0, YES, NULL },
	{ "x509Certificates pr", 0, NO, NULL },
	{ ENT "manager pr", 0, YES, NULL },
	{ ENT "costCenter pr", 0, NO, NULL },
	/* Multi-valued: any element; `emails` alone means emails.value. */
	{ "emails co \"jensen.org\"", 0, YES, NULL },
	{ "emails.value co \"JENSEN.ORG\"", 0, YES, NULL },
	{ "emails eq \"nobody@example.com\"", 0, NO, NULL },
	{ "emails.type eq \"home\"", 0, YES, NULL },
	{ "emails.type eq \"other\"", 0, NO, NULL },
	{ "emails.type eq \"work\" and emails.value co \"jensen.org\"", 0, YES, NULL },
	{ "phoneNumbers.value eq 555", 0, NO, NULL },
	/* Brackets: the same element satisfies the whole bracket filter. */
	{ "emails[type eq \"work\" and value co \"jensen.org\"]", 0, NO, NULL },
	{ "emails[type eq \"home\" and value co \"jensen.org\"]", 0, YES, NULL },
	{ "emails[type eq \"work\"].value eq \"bjensen@example.com\"", 0, YES, NULL },
	{ "emails[type eq \"work\"].value eq \"babs@jensen.org\"", 0, NO, NULL },
	{ "emails[type eq \"home\"].value pr", 0, YES, NULL },
	{ "emails[type eq \"home\"].primary eq true", 0, NO, NULL },
	{ "emails[primary eq \"True\"]", 0, YES, NULL },
	{ "emails[primary eq \"false\"]", 0, NO, NULL },
	{ "emails[not (primary eq true)]", 0, YES, NULL },
	{ "emails[type eq \"other\" or value ew \"example.com\"]", 0, YES, NULL },
	{ "roles[primary eq \"True\"].value eq \"ADMIN\"", 0, YES, NULL },
	{ "roles[primary eq true]", 0, YES, NULL },
	{ "userType eq \"Employee\" and emails[type eq \"work\" and "
	  "value co \"@example.com\"]", 0, YES, NULL },
	{ "emails[type eq \"work\" and value co \"@example.com\"] or "
	  "ims[type eq \"xmpp\" and value co \"@foo.com\"]", 0, YES, NULL },
	{ ENT "manager[value eq \"26118915-6090-4610-87e4-49d8ca9f808d\"]", 0, YES,
	  NULL },
	/* Booleans, also written as strings (Entra). */
	{ "active eq true", 0, YES, NULL },
	{ "active eq TRUE", 0, YES, NULL },
	{ "active eq \"True\"", 0, YES, NULL },
	{ "active eq \"false\"", 0, NO, NULL },
	{ "active ne false", 0, YES, NULL },
	{ "active eq False", 0, NO, NULL },
	/* dateTime: chronological, with fractions and offsets. */
	{ "meta.created lt \"2011-05-13T04:42:34Z\"", 0, YES, NULL },
	{ "meta.created gt \"2011-05-13T04:42:34Z\"", 0, NO, NULL },
	{ "meta.created gt \"2010-01-23T04:56:22.000Z\"", 0, NO, NULL },
	{ "meta.created ge \"2010-01-23T04:56:22.000Z\"", 0, YES, NULL },
	{ "meta.created eq \"2010-01-22T21:56:22-07:00\"", 0, YES, NULL },
	{ "meta.created eq \"2010-01-23T06:26:22+01:30\"", 0, YES, NULL },
	{ "meta.created ne \"2010-01-23T04:56:22Z\"", 0, NO, NULL },
	{ "meta.lastModified gt \"2015-10-10T21:38:21Z\"", 0, YES, NULL },
	{ "meta.lastModified lt \"2015-10-10T21:38:21.9Z\"", 0, YES, NULL },
	{ "meta.lastModified gt \"2015-10-10T14:38:22-07:00\"", 0, NO, NULL },
	{ "meta.lastModified eq \"2015-10-10T21:38:21.8617979Z\"", 0, YES, NULL },
	{ "meta.lastModified eq \"2015-10-10T21:38:21.861797Z\"", 0, NO, NULL },
	{ "meta.lastModified lt \"2015-10-11T00:00:00+02:00\"", 0, YES, NULL },
	{ "meta.lastModified gt \"2015-10-11T00:00:00+03:00\"", 0, YES, NULL },
	{ "meta.lastModified le \"2015-10-10t21:38:21.8617979z\"", 0, YES, NULL },
	{ "meta.created sw \"2010-01\"", 0, YES, NULL },
	{ "meta.created gt \"2020-02-29T22:59:58Z\"", 2, YES, NULL },
	{ "meta.created gt \"2020-02-29T22:59:59Z\"", 2, NO, NULL },
	/* Extension attributes. */
	{ ENT "employeeNumber eq \"701984\"", 0, YES, NULL },
	{ ENT "employeeNumber eq 701984", 0, YES, NULL },
	{ ENT "manager.value eq \"26118915-6090-4610-87e4-49d8ca9f808d\"", 0, YES,
	  NULL },
	{ ENT "manager eq \"26118915-6090-4610-87e4-49d8ca9f808d\"", 0, YES, NULL },
	{ ENT "manager.displayName sw \"john\"", 0, YES, NULL },
	{ "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:department "
	  "eq \"tour operations\"", 0, YES, NULL },
	/* schemas */
	{ "schemas eq \"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User\"",
	  0, YES, NULL },
	{ "schemas eq \"urn:ietf:params:scim:schemas:core:2.0:Group\"", 0, NO, NULL },
	/* Missing attributes: comparisons are false, not is true. */
	{ "locale eq \"en\"", 0, NO, NULL },
	{ "not (locale eq \"en\")", 0, YES, NULL },
	{ "locale ne \"en\"", 0, NO, NULL },
	{ "locale eq null", 0, YES, NULL },
	{ "locale ne null", 0, NO, NULL },
	{ "title eq null", 0, NO, NULL },
	{ "title ne null", 0, YES, NULL },
	{ "nickName eq null", 0, YES, NULL },
	{ "name eq null", 0, NO, NULL },
	{ "name ne null", 0, YES, NULL },
	{ "ims eq null", 0, YES, NULL },
	{ "x509Certificates eq null", 0, YES, NULL },
	{ "emails eq null", 0, NO, NULL },
	{ "userName eq \"x\"", 1, NO, NULL },
	{ "not (userName eq \"x\")", 1, YES, NULL },
	{ "emails[type eq \"work\"]", 1, NO, NULL },
	{ "not (emails[type eq \"work\"])", 1, YES, NULL },
	{ "meta.created lt \"2011-05-13T04:42:34Z\"", 1, NO, NULL },
	{ ENT "manager.value eq \"x\"", 1, NO, NULL },
	/* Logic. */
	{ "title pr and not (userType eq \"Intern\")", 0, YES, NULL },
	{ "title pr and userType eq \"Intern\"", 0, NO, NULL },
	{ "userType eq \"Intern\" or title pr", 0, YES, NULL },
	{ "locale pr or userName sw \"b\" and active eq false", 0, NO, NULL },
	{ "(locale pr or userName sw \"b\") and active eq true", 0, YES, NULL },
	/* Groups: `members eq "id"` is members.value (Entra). */
	{ "id eq \"gid-1\" and members eq \"uid-2\"", 2, YES, NULL },
	{ "members eq \"uid-3\"", 2, NO, NULL },
	{ "members.value eq \"uid-1\"", 2, YES, NULL },
	{ "members[value eq \"uid-1\" and type eq \"User\"]", 2, YES, NULL },
	{ "members[value eq \"uid-2\" and type eq \"User\"]", 2, NO, NULL },
	{ "displayName eq \"admins\"", 2, YES, NULL },
	/* Filters that cannot be applied, whatever the document. */
	{ "foo eq \"x\"", 0, ERR, "unknown attribute 'foo' in filter" },
	{ "name.foo eq \"x\"", 0, ERR, "unknown attribute 'name.foo' in filter" },
	{ "urn:bogus:foo eq \"x\"", 0, ERR, "unknown attribute 'urn:bogus:foo'" },
	{ "employeeNumber eq \"x\"", 0, ERR, "unknown attribute 'employeeNumber'" },
	{ "userName eq \"x\"", 2, ERR, "unknown attribute 'userName'" },
	{ "emails[foo eq \"x\"]", 0, ERR,
	  "unknown sub-attribute of 'emails': 'foo' in filter" },
	{ "emails[type eq \"work\"].foo eq \"x\"", 0, ERR,
	  "unknown sub-attribute of 'emails': 'foo'" },
	{ "emails[emails.type eq \"work\"]", 0, ERR,
	  "unknown sub-attribute of 'emails': 'emails.type'" },
	{ "emails[foo eq \"x\"]", 1, ERR, "unknown sub-attribute" },
	{ "userName[value eq \"x\"]", 0, ERR,
	  "a value filter needs a complex attribute, not 'userName'" },
	{ "name eq \"x\"", 0, ERR,
	  "cannot compare the complex attribute 'name' in filter" },
	{ "active gt true", 0, ERR,
	  "operator 'gt' is not defined for the boolean attribute 'active'" },
	{ "active co \"t\"", 0, ERR, "operator 'co' is not defined" },
	{ "active eq \"yes\"", 0, ERR,
	  "attribute 'active' is boolean, expected true or false" },
	{ "active eq 1", 0, ERR, "is boolean" },
	{ "locale eq \"x\" and active gt true", 1, ERR, "boolean attribute" },
	{ "title pr or active le false", 0, ERR, "boolean attribute" },
	{ "emails[primary lt true]", 1, ERR, "boolean attribute 'primary'" },
	{ "meta.created gt \"yesterday\"", 0, ERR,
	  "attribute 'meta.created' is a dateTime" },
	{ "meta.created gt \"2011-02-30T00:00:00Z\"", 0, ERR, "is a dateTime" },
	{ "meta.created gt 5", 0, ERR, "is a dateTime" },
	{ "title gt null", 0, ERR,
	  "operator 'gt' cannot compare 'title' with null" },
};

static void test_eval(void)
{
	const struct resource_type_def *rts[] = {
		&resource_type_user, &resource_type_user, &resource_type_group
	};
	json_t *docs[3];
	json_error_t jerr;
	size_t i;

	docs[0] = json_loads(sample_user, 0, &jerr);
	docs[1] = json_pack("{s:[s]}", "schemas", SCHEMA_URN_USER);
	docs[2] = json_loads(sample_group, 0, &jerr);
	if (!unit_check(docs[0] && docs[1] && docs[2], "eval: sample documents",
			"%s", jerr.text))
		return;

	for (i = 0; i < sizeof(eval_cases) / sizeof(eval_cases[0]); i++) {
		const struct eval_case *c = &eval_cases[i];
		struct scim_error err;
		struct filter_node *node;
		bool matched = false;
		bool ok;

		error_clear(&err);
		node = filter_parse(c->filter, strlen(c->filter), &err);
		if (!unit_check(node != NULL, c->filter, "parse failed: %s",
				err.detail))
			continue;
		ok = filter_match(node, docs[c->doc], rts[c->doc], &matched, &err);
		if (c->want == ERR)
			unit_check(!ok && err.status == 400 &&
					   strcmp(err.scim_type, SCIM_INVALID_FILTER) == 0 &&
					   strstr(err.detail, c->detail) != NULL,
				   c->filter, "want error \"%s\", got %s \"%s\"",
				   c->detail, ok ? "success" : "error", err.detail);
		else
			unit_check(ok && matched == (c->want == YES), c->filter,
				   "on document %d: want %s, got %s%s", c->doc,
				   c->want == YES ? "match" : "no match",
				   !ok ? "error: " : matched ? "match" : "no match",
				   !ok ? err.detail : "");
		filter_free(node);
	}
	for (i = 0; i < 3; i++)
		json_decref(docs[i]);
}

/* filter_match_element: a bracket filter on one element (PATCH engine). */
static void test_eval_element(void)
{
	static const struct {
		const char *filter;
		enum outcome want;
	} cases[] = {
		{ "type eq \"work\"", YES },
		{ "TYPE eq \"WORK\"", YES },
		{ "type eq \"home\"", NO },
		{ "primary eq \"True\"", YES },
		{ "primary eq false", NO },
		{ "value ew \"B.COM\"", YES },
		{ "display pr", NO },
		{ "display eq null", YES },
		{ "type eq \"work\" and not (value sw \"x\")", YES },
		{ "emails.value eq \"x\"", ERR },
		{ "urn:ietf:params:scim:schemas:core:2.0:User:type eq \"x\"", ERR },
		{ "foo pr", ERR },
		{ "primary gt true", ERR },
		{ "x[value eq \"a\"]", ERR },
	};
	const struct attr_def *emails =
		schema_find_attr(schema_user.attrs, "emails", 6);
	const struct attr_def *user_name =
		schema_find_attr(schema_user.attrs, "userName", 8);
	json_t *element = json_pack("{s:s,s:s,s:b}", "type", "work", "value",
				    "a@b.com", "primary", 1);
	struct scim_error err;
	struct filter_node *node;
	bool matched;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool ok;

		error_clear(&err);
		node = filter_parse(cases[i].filter, strlen(cases[i].filter), &err);
		if (!unit_check(node != NULL, cases[i].filter, "parse failed: %s",
				err.detail))
			continue;
		ok = filter_match_element(node, element, emails, &matched, &err);
		if (cases[i].want == ERR)
			unit_check(!ok && err.status == 400 &&
					   strcmp(err.scim_type, SCIM_INVALID_FILTER) == 0,
				   cases[i].filter, "want an error, got %s",
				   ok ? "success" : err.detail);
		else
			unit_check(ok && matched == (cases[i].want == YES),
				   cases[i].filter, "want %s, got %s",
				   cases[i].want == YES ? "match" : "no match",
				   !ok ? err.detail : matched ? "match" : "no match");
		filter_free(node);
	}

	/* Not a complex attribute: an error, not a crash. */
	error_clear(&err);
	node = filter_parse("value pr", 8, &err);
	unit_check(node != NULL &&
			   !filter_match_element(node, element, user_name, &matched,
						 &err) &&
			   err.status == 400,
		   "element: simple attribute", "want an error");
	filter_free(node);
	json_decref(element);
}

int main(void)
{
	test_parse();
	test_tree();
	test_errors();
	test_patch_paths();
	test_eval();
	test_eval_element();
	return unit_finish("filter");
}
