/*
 * store_list.c - lists of users and groups (store_list(), see store.h): the
 * filter as a condition (filter_sql.c), the order, the cursor's position
 * and the page, as one query, and the total only when the page does not
 * tell it.
 */
#include "store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter_sql.h"
#include "log.h"

/* The parameters a list adds after its filter's: the three of a cursor's
 * position, LIMIT and OFFSET. The filter may use all the others. */
#define LIST_PARAMS_AFTER_FILTER 5

/* The table of the resources a list asks for. */
static const char *list_table(const struct store_list_request *req)
{
	return req->rt->core == &schema_group ? "groups" : "users";
}

/* One list being built: the request and the SQL text of its sort key. */
struct list_plan {
	const struct store_list_request *req;
	char sort_key[4096]; /* SQL text expression, "" when sorted by id */
};

/*
 * The order of a list, stable because the id breaks every tie: by id alone,
 * or by (no key last, key, id), reversed as a whole when descending, so that
 * a cursor can continue from any row. `reverse` flips it again for the rows
 * before a previousCursor.
 */
static void append_order(struct sql_query *q, const struct list_plan *plan, bool reverse,
			 const char *key, const char *id)
{
	const char *dir = plan->req->descending != reverse ? " DESC" : "";

	if (plan->sort_key[0] == '\0')
		sql_query_appendf(q, " ORDER BY %s%s", id, dir);
	else
		sql_query_appendf(q, " ORDER BY (%s) IS NULL%s, coalesce(%s, '') COLLATE \"C\"%s,"
				  " %s%s", key, dir, key, dir, id, dir);
}

/* The rows after (or before) a cursor's position, in list order. */
static void append_after(struct sql_query *q, const struct list_plan *plan,
			 const struct cursor *c)
{
	bool greater = plan->req->descending == c->backward;
	const char *op = greater ? ">" : "<";

	if (plan->sort_key[0] == '\0') {
		sql_query_appendf(q, " AND r.id %s ", op);
		sql_query_param(q, c->id);
		sql_query_append(q, "::uuid");
		return;
	}
	sql_query_appendf(q, " AND ((%s) IS NULL, coalesce(%s, '') COLLATE \"C\", r.id) %s (",
			  plan->sort_key, plan->sort_key, op);
	sql_query_param(q, c->key == NULL ? "true" : "false");
	sql_query_append(q, "::boolean, ");
	sql_query_param(q, c->key == NULL ? "" : c->key);
	sql_query_append(q, "::text COLLATE \"C\", ");
	sql_query_param(q, c->id);
	sql_query_append(q, "::uuid)");
}

/* Append `where` (" FROM ... WHERE ...") with its parameters to `q`. */
static void append_where(struct sql_query *q, const struct sql_query *where)
{
	int i;

	sql_query_append(q, where->text);
	for (i = 0; i < where->nparams; i++)
		sql_query_add_param(q, where->params[i]);
}

/* Run a list query; the rows, with their sort keys, into the page. */
static bool read_rows(struct store *store, const struct sql_query *q,
		      struct store_list_page *page, struct scim_error *err)
{
	PGresult *res = store_exec_query(store, q, err);
	int n;
	int i;

	if (res == NULL)
		return false;
	n = PQntuples(res);
	if (n > 0) {
		page->rows = calloc((size_t)n, sizeof(*page->rows));
		if (page->rows == NULL)
			abort();
	}
	for (i = 0; i < n; i++) {
		page->nrows = i + 1;
		if (!store_read_resource(store, res, i, &page->rows[i], err)) {
			PQclear(res);
			return false;
		}
	}
	PQclear(res);
	return true;
}

/* The page of rows the request asks for, in list order. */
static bool list_page(struct store *store, const struct list_plan *plan,
		      const struct sql_query *where, bool indexed,
		      struct store_list_page *page, struct scim_error *err)
{
	const struct store_list_request *req = plan->req;
	const struct cursor *position = req->cursor_paging ? req->position : NULL;
	bool backward = position != NULL && position->backward;
	struct sql_query q;
	char number[24];
	bool ok;
	int i;

	/*
	 * Past the first page by index, the page is chosen by id (and sort
	 * key) alone and only its rows are read and rendered (dates,
	 * document, groups): a row that OFFSET skips costs an index entry, not
	 * a rendering. A first page or a cursor's skips nothing, and reads the
	 * table once.
	 */
	bool late = !req->cursor_paging && req->start_index > 1;
	bool sorted = plan->sort_key[0] != '\0';

	sql_query_init(&q);
	/* A user's groups in the same query: a lookup is one round trip. */
	sql_query_append(&q, req->with_groups ? "SELECT " STORE_USER_COLUMNS
					      : "SELECT " STORE_RESOURCE_COLUMNS);
	if (sorted)
		sql_query_appendf(&q, ", %s", late ? "p.k" : plan->sort_key);
	if (late) {
		sql_query_append(&q, " FROM (SELECT r.tenant_id, r.id");
		if (sorted)
			sql_query_appendf(&q, ", %s AS k", plan->sort_key);
	}
	/*
	 * A filter an index answers is planned on its own (OFFSET 0 keeps it a
	 * subquery), then ordered and paged. Otherwise, when the planner
	 * believes a value common (a target that the column statistics
	 * sampled, a short sw prefix), it walks the primary key in list order
	 * hoping to meet LIMIT matches soon, and reads the whole tenant when
	 * they are rare.
	 */
	if (indexed)
		sql_query_append(&q, " FROM (SELECT r.*");
	append_where(&q, where);
	if (position != NULL)
		append_after(&q, plan, position);
	if (indexed)
		sql_query_append(&q, " OFFSET 0) r");
	append_order(&q, plan, backward, plan->sort_key, "r.id");
	/* With cursors, one row more than asked tells whether there is more. */
	snprintf(number, sizeof(number), "%ld", req->count + (req->cursor_paging ? 1 : 0));
	sql_query_append(&q, " LIMIT ");
	sql_query_param(&q, number);
	if (!req->cursor_paging) {
		snprintf(number, sizeof(number), "%ld", req->start_index - 1);
		sql_query_append(&q, " OFFSET ");
		sql_query_param(&q, number);
	}
	if (late) {
		sql_query_appendf(&q, ") p JOIN %s r ON r.tenant_id = p.tenant_id AND r.id = p.id",
				  list_table(req));
		append_order(&q, plan, backward, "p.k", "p.id");
	}
	ok = read_rows(store, &q, page, err);
	sql_query_free(&q);
	if (!ok)
		return false;
	if (req->cursor_paging && page->nrows > req->count) {
		page->more = true;
		stored_resource_clear(&page->rows[--page->nrows]);
	}
	if (backward) {
		/* Fetched backwards: put the page in list order. */
		for (i = 0; i < page->nrows / 2; i++) {
			struct stored_resource tmp = page->rows[i];

			page->rows[i] = page->rows[page->nrows - 1 - i];
			page->rows[page->nrows - 1 - i] = tmp;
		}
	}
	return true;
}

static bool list_count(struct store *store, const struct sql_query *where,
		       long long *total, struct scim_error *err)
{
	struct sql_query q;
	PGresult *res;

	sql_query_init(&q);
	sql_query_append(&q, "SELECT count(*)");
	append_where(&q, where);
	res = store_exec_query(store, &q, err);
	sql_query_free(&q);
	if (res == NULL)
		return false;
	*total = PQntuples(res) == 1 ? strtoll(PQgetvalue(res, 0, 0), NULL, 10) : 0;
	PQclear(res);
	return true;
}

bool store_list(struct store *store, const char *tenant_id,
		const struct store_list_request *req, struct store_list_page *page,
		struct scim_error *err)
{
	struct list_plan plan = { .req = req };
	struct sql_query where;
	bool indexed = false;
	bool ok = false;

	memset(page, 0, sizeof(*page));
	if (req->sort_by != NULL &&
	    !filter_sql_sort_key(req->rt, req->sort_by, plan.sort_key, sizeof(plan.sort_key), err))
		return false;
	sql_query_init(&where);
	where.max_params = SQL_QUERY_MAX_PARAMS - LIST_PARAMS_AFTER_FILTER;
	sql_query_appendf(&where, " FROM %s r WHERE r.tenant_id = ", list_table(req));
	sql_query_param(&where, tenant_id);
	if (req->filter != NULL) {
		sql_query_append(&where, " AND ");
		if (!filter_sql_with_base(req->filter, req->rt, req->base_url, tenant_id, &where,
					  &indexed, err))
			goto done;
	}
	/* The page, then the total only when the page does not tell it: an
	 * Entra or Okta lookup (first page, fewer rows than asked for) costs
	 * one indexed query. */
	if (req->count > 0 && !list_page(store, &plan, &where, indexed, page, err))
		goto done;
	if (!req->cursor_paging && req->start_index == 1 && page->nrows < req->count)
		page->total = page->nrows;
	else if (!list_count(store, &where, &page->total, err))
		goto done;
	ok = true;
done:
	sql_query_free(&where);
	if (!ok)
		store_list_page_clear(page);
	return ok;
}

void store_list_page_clear(struct store_list_page *page)
{
	int i;

	for (i = 0; i < page->nrows; i++)
		stored_resource_clear(&page->rows[i]);
	free(page->rows);
	memset(page, 0, sizeof(*page));
}
