/*
 * test_filter_sql.c - the store's translation of filters to SQL, without a
 * database (tests/differential runs the SQL against PostgreSQL).
 */
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "filter_sql.h"
#include "store_internal.h"
#include "unit.h"

/*
 * filter_sql's `indexed`: store_list() plans such a filter before its order
 * and page, so it must hold only when an index narrows the rows, and hold
 * for the lookups Entra and Okta make.
 */
static void test_sql_indexed(void)
{
	static const struct {
		const struct resource_type_def *rt;
		const char *filter;
		bool indexed;
	} cases[] = {
		{ &resource_type_user, "userName eq \"a\"", true },
		{ &resource_type_user, "userName sw \"a\"", true },
		{ &resource_type_user, "userName co \"a\"", true },
		{ &resource_type_user, "externalId eq \"a\"", true },
		{ &resource_type_user, "id eq \"2819c223-7f76-453a-919d-413861904646\"", true },
		{ &resource_type_user, "emails[type eq \"work\"].value eq \"a@b.c\"", true },
		{ &resource_type_user, "emails[type eq \"work\" and value eq \"a@b.c\"]", true },
		{ &resource_type_user, "title eq \"x\"", true },
		{ &resource_type_user, "displayName eq \"x\"", true },
		{ &resource_type_user, "userName eq \"a\" and active eq true", true },
		{ &resource_type_user, "active eq true and externalId eq \"a\"", true },
		{ &resource_type_user, "userName eq \"a\" or externalId eq \"b\"", true },
		{ &resource_type_user, "userName eq \"a\" or active eq true", false },
		{ &resource_type_user, "not (userName eq \"a\")", false },
		{ &resource_type_user, "userName ne \"a\"", false },
		{ &resource_type_user, "userName ew \"a\"", false },
		{ &resource_type_user, "active eq true", false },
		{ &resource_type_user, "emails[type eq \"work\"]", false },
		{ &resource_type_user, "emails[value co \"x\"]", false },
		{ &resource_type_user, "meta.lastModified gt \"2011-05-13T04:42:34Z\"", false },
		{ &resource_type_user, "name.familyName co \"O'Malley\"", false },
		{ &resource_type_group, "displayName eq \"Admins\"", true },
		{ &resource_type_group, "displayName co \"Admins\"", false },
		{ &resource_type_group, "members eq \"2819c223-7f76-453a-919d-413861904647\"", true },
		{ &resource_type_user, "groups eq \"2819c223-7f76-453a-919d-413861904647\"", true },
		{ &resource_type_group, "members pr", false },
		{ &resource_type_group, "members.display eq \"x\"", false },
		{ &resource_type_user, "groups[type eq \"direct\"]", false },
		{ &resource_type_group,
		  "id eq \"2819c223-7f76-453a-919d-413861904646\" and "
		  "members eq \"2819c223-7f76-453a-919d-413861904647\"", true },
	};
	struct scim_error err;
	struct filter_node *node;
	struct sql_query q;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool indexed = !cases[i].indexed;
		bool ok;

		error_clear(&err);
		node = filter_parse(cases[i].filter, strlen(cases[i].filter), &err);
		if (!unit_check(node != NULL, cases[i].filter, "parse failed: %s", err.detail))
			continue;
		sql_query_init(&q);
		ok = filter_sql_with_base(node, cases[i].rt, "https://h/scim/v2", NULL, &q, &indexed,
					  &err);
		unit_check(ok && indexed == cases[i].indexed, cases[i].filter,
			   "want indexed %d, got %s", cases[i].indexed,
			   !ok ? err.detail : indexed ? "1" : "0");
		sql_query_free(&q);
		filter_free(node);
	}
}

/*
 * A parameter past max_params marks the query broken rather than writing a
 * placeholder, and the store refuses to run a broken query without asking
 * the database (500, where an unreachable database would be 503). A filter
 * that needs more values than there is room for is 400.
 */
static void test_too_many_params(void)
{
	struct store *store = store_new("host=/nonexistent connect_timeout=1");
	const char *many = "userName eq \"a\" or userName eq \"b\" or userName eq \"c\" or "
			   "userName eq \"d\"";
	struct scim_error err;
	struct filter_node *node;
	struct sql_query q;

	sql_query_init(&q);
	q.max_params = 2;
	sql_query_append(&q, "SELECT ");
	sql_query_param(&q, "a");
	sql_query_append(&q, ", ");
	sql_query_param(&q, "b");
	unit_check(!q.broken && strcmp(q.text, "SELECT $1, $2") == 0, "params within the limit",
		   "broken %d, text %s", q.broken, q.text);
	sql_query_append(&q, ", ");
	sql_query_param(&q, "c");
	unit_check(q.broken && q.nparams == 2 && strcmp(q.text, "SELECT $1, $2, ") == 0,
		   "a param past the limit", "broken %d, %d params, text %s", q.broken, q.nparams,
		   q.text);
	unit_check(sql_query_add_param(&q, "d") == 0 && q.nparams == 2,
		   "a broken query takes no param", "%d params", q.nparams);
	error_clear(&err);
	unit_check(store_exec_query(store, &q, &err) == NULL && err.status == 500,
		   "a broken query is refused", "status %d: %s", err.status, err.detail);
	sql_query_free(&q);

	/* A filter needing more values than the query has room for. */
	error_clear(&err);
	node = filter_parse(many, strlen(many), &err);
	if (unit_check(node != NULL, "a filter of many values", "parse failed: %s", err.detail)) {
		sql_query_init(&q);
		q.max_params = 3;
		unit_check(!filter_sql(node, &resource_type_user, &q, &err) && err.status == 400 &&
			   strstr(err.detail, "too many values") != NULL,
			   "a filter with too many values", "status %d: %s", err.status, err.detail);
		sql_query_free(&q);
	}
	filter_free(node);
	store_free(store);
}

int main(void)
{
	test_sql_indexed();
	test_too_many_params();
	return unit_finish("filter_sql");
}
