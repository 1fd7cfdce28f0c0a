/*
 * fuzz_filter_sql.c - filters translated to SQL (filter_sql.c), for users
 * and groups, and sortBy turned into a sort key.
 *
 * The invariant that matters: no client text reaches the SQL text, only
 * $n parameters. Looking for the filter's values in the SQL would pass
 * trivially for values that happen to be SQL ("a", "r", "doc") and fail
 * falsely on them, so the SQL is read as SQL instead: every token must be
 * one the translator writes itself. A quoted literal must be a name of the
 * schema tables (attribute, URN, resource type, endpoint) or one of a few
 * fixed ones; a quoted identifier must be "C"; a word must be a keyword,
 * function, column or alias of filter_sql.c; anything else is white space,
 * an operator character, a number or a parameter. A value that leaked into
 * the text would be an unknown literal or word, or break the quoting. When
 * filter_sql.c writes a new word, add it here.
 *
 * Besides: every parameter is referenced (PostgreSQL refuses a statement
 * with a parameter whose type it cannot infer) and is valid UTF-8 (it
 * refuses invalid text); the translation succeeds exactly when the
 * in-memory evaluator does (filter_sql.h promises the same meaning), apart
 * from the parameter limit; and it succeeds with the base URL and tenant
 * whenever it succeeds without them.
 */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "filter.h"
#include "filter_sql.h"
#include "sql_query.h"
#include "utf8.h"

#define BASE_URL "https://scim.example.com/scim/v2"
#define TENANT_ID "8c81c144-4cbe-4bef-86b8-c6458f6138a8"

/* Words of filter_sql.c's SQL; an alias e<n> counts as "e". */
static const char *const sql_words[] = {
	"ALL", "AND", "AS", "AT", "BY", "CASE", "COLLATE", "DESC", "ELSE", "END", "EXISTS",
	"FROM", "GROUP", "IN", "IS", "JOIN", "LEFT", "LIKE", "LIMIT", "NOT", "NULL", "OFFSET", "ON",
	"OR", "ORDER", "ORDINALITY", "RECURSIVE", "SELECT", "THEN", "TIME", "UNION", "WHEN",
	"WHERE", "WITH", "ZONE", "interval", "true", "false",
	"bool_or", "coalesce", "jsonb_array_elements", "jsonb_array_elements_text",
	"jsonb_build_array", "jsonb_build_object", "jsonb_strip_nulls", "jsonb_typeof",
	"lower", "lpad", "scim_fold", "to_char",
	"jsonb", "text", "timestamptz", "uuid",
	"r", "doc", "id", "user_name", "display_name", "external_id", "created",
	"last_modified", "version", "tenant_id", "group_members", "users", "groups",
	"group_id", "user_id", "member_group_id", "owner", "direct", "m", "u", "g", "gr",
	"x", "e", "v", "a", "n",
	NULL,
};

/* Quoted literals of filter_sql.c besides the schema tables' names. */
static const char *const sql_literals[] = {
	"", "0", "UTC", "YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"", "YYYY-MM-DD HH24:MI:SS.MS", "1 millisecond",
	"true", "false", "object", "array", "string", "{}", "W/\"", "\"", "direct", "indirect",
	NULL,
};

static bool in_list(const char *const *list, const char *s, size_t len)
{
	for (; *list != NULL; list++)
		if (strlen(*list) == len && strncmp(*list, s, len) == 0)
			return true;
	return false;
}

static bool in_attrs(const struct attr_def *attrs, const char *s, size_t len)
{
	for (; attrs != NULL && attrs->name != NULL; attrs++)
		if ((strlen(attrs->name) == len && strncmp(attrs->name, s, len) == 0) ||
		    in_attrs(attrs->sub_attrs, s, len))
			return true;
	return false;
}

/* A literal from the schema tables: a name, a URN, a resource type, an
 * endpoint with its slash. */
static bool schema_literal(const char *s, size_t len)
{
	const struct resource_type_def *const *rt;
	const struct schema_def *const *schema;

	if (in_attrs(schema_common_attrs, s, len) || (len == 7 && strncmp(s, "schemas", 7) == 0))
		return true;
	for (schema = schema_all; *schema != NULL; schema++)
		if ((strlen((*schema)->urn) == len && strncmp((*schema)->urn, s, len) == 0) ||
		    in_attrs((*schema)->attrs, s, len))
			return true;
	for (rt = resource_type_all; *rt != NULL; rt++) {
		size_t n = strlen((*rt)->endpoint);

		if ((strlen((*rt)->name) == len && strncmp((*rt)->name, s, len) == 0) ||
		    (len == n + 1 && strncmp((*rt)->endpoint, s, n) == 0 && s[n] == '/'))
			return true;
	}
	return false;
}

static bool is_word_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Read q's text as SQL; every token must be the translator's own. */
static void check_sql_text(const struct sql_query *q, const char *what)
{
	const char *s = q->text;
	bool used[SQL_QUERY_MAX_PARAMS + 1] = { false };
	size_t i = 0;
	int n;

	while (s[i] != '\0') {
		size_t start = i;

		if (s[i] == '\'' || s[i] == '"') {
			char quote = s[i];

			/* '' inside a literal is a quote; filter_sql.c writes none. */
			for (i++; s[i] != '\0' && s[i] != quote; i++)
				;
			FUZZ_CHECK(s[i] == quote, "%s: an unterminated quote at %zu: %s", what, start,
				   s);
			if (quote == '"')
				FUZZ_CHECK(i - start - 1 == 1 && s[start + 1] == 'C',
					   "%s: the identifier %.*s at %zu: %s", what,
					   (int)(i - start + 1), s + start, start, s);
			else
				FUZZ_CHECK(in_list(sql_literals, s + start + 1, i - start - 1) ||
					   schema_literal(s + start + 1, i - start - 1),
					   "%s: the literal %.*s at %zu is not the translator's: %s",
					   what, (int)(i - start + 1), s + start, start, s);
			i++;
		} else if (is_word_start(s[i])) {
			size_t stem;

			while (is_word_start(s[i]) || is_digit(s[i]))
				i++;
			for (stem = i; stem > start && is_digit(s[stem - 1]); stem--)
				;
			FUZZ_CHECK(in_list(sql_words, s + start, i - start) ||
				   (stem < i && stem - start == 1 && s[start] == 'e'),
				   "%s: the word %.*s at %zu is not the translator's: %s", what,
				   (int)(i - start), s + start, start, s);
		} else if (s[i] == '$') {
			for (i++, n = 0; is_digit(s[i]) && n <= SQL_QUERY_MAX_PARAMS; i++)
				n = n * 10 + (s[i] - '0');
			FUZZ_CHECK(n >= 1 && n <= q->nparams, "%s: $%d of %d parameters: %s", what,
				   n, q->nparams, s);
			used[n] = true;
		} else {
			FUZZ_CHECK(is_digit(s[i]) || strchr(" ()::,.=<>~|-+@", s[i]) != NULL,
				   "%s: the character 0x%02x at %zu is not the translator's: %s", what,
				   (unsigned char)s[i], i, s);
			i++;
		}
	}
	for (n = 1; n <= q->nparams; n++) {
		const unsigned char *p = (const unsigned char *)q->params[n - 1];
		size_t len = p != NULL ? strlen((const char *)p) : 0;
		size_t at = 0;
		uint32_t cp;

		FUZZ_CHECK(used[n], "%s: $%d is never used: %s", what, n, s);
		while (at < len) {
			size_t k = utf8_sequence(p + at, len - at, &cp);

			FUZZ_CHECK(k > 0, "%s: $%d is not UTF-8 at byte %zu", what, n, at);
			at += k;
		}
	}
}

/* Translate for `rt` with and without the base URL and tenant. */
static void translate(const struct filter_node *node, const struct resource_type_def *rt,
		      const char *canonical)
{
	struct sql_query plain;
	struct sql_query full;
	struct scim_error err;
	struct scim_error full_err;
	json_t *resource = fuzz_rendered(rt, 0);
	bool plain_ok;
	bool full_ok;
	bool indexed;
	bool matched;
	bool eval_ok;

	sql_query_init(&plain);
	sql_query_init(&full);
	error_clear(&err);
	plain_ok = filter_sql(node, rt, &plain, &err);
	if (plain_ok)
		check_sql_text(&plain, canonical);
	else
		fuzz_check_error(&err, "filter_sql");
	error_clear(&full_err);
	full_ok = filter_sql_with_base(node, rt, BASE_URL, TENANT_ID, &full, &indexed, &full_err);
	if (full_ok)
		check_sql_text(&full, canonical);
	else
		fuzz_check_error(&full_err, "filter_sql_with_base");
	FUZZ_CHECK(full_ok || !plain_ok, "%s: translated without the base URL, not with it: %s",
		   canonical, full_err.detail);

	error_clear(&err);
	eval_ok = filter_match(node, resource, rt, &matched, &err);
	FUZZ_CHECK(eval_ok == full_ok || strstr(full_err.detail, "too many values") != NULL,
		   "%s on %s: filter_match %s, filter_sql %s", canonical, rt->name,
		   eval_ok ? "succeeds" : err.detail, full_ok ? "succeeds" : full_err.detail);
	json_decref(resource);
	sql_query_free(&plain);
	sql_query_free(&full);
}

/* sortBy: a key from the schema tables, no parameter. */
static void sort_key(const char *text, const struct resource_type_def *rt)
{
	struct sql_query q;
	struct scim_error err;
	char key[1024];

	error_clear(&err);
	if (!filter_sql_sort_key(rt, text, key, sizeof(key), &err)) {
		fuzz_check_error(&err, "filter_sql_sort_key");
		return;
	}
	sql_query_init(&q);
	sql_query_append(&q, key);
	check_sql_text(&q, "sort key");
	sql_query_free(&q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);
	struct filter_node *node;
	struct scim_error err;
	char *canonical;

	sort_key(text, &resource_type_user);
	sort_key(text, &resource_type_group);
	error_clear(&err);
	node = filter_parse(text, size, &err);
	free(text);
	if (node == NULL)
		return 0;
	canonical = filter_to_string(node);
	FUZZ_CHECK(canonical != NULL, "no canonical text");
	translate(node, &resource_type_user, canonical);
	translate(node, &resource_type_group, canonical);
	free(canonical);
	filter_free(node);
	return 0;
}
