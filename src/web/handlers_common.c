/*
 * handlers_common.c - what every resource's handlers share: the request
 * body, ETag preconditions, DELETE, answering with one resource or a list,
 * with attributes/excludedAttributes applied.
 */
#include "handlers.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cursor.h"
#include "filter.h"
#include "filter_sql.h"
#include "log.h"
#include "resource.h"

json_t *handler_read_body(struct request_context *ctx)
{
	const struct http_request *req = ctx->req;
	json_error_t jerr;
	json_t *body;

	if (req->body_too_large) {
		error_set(&ctx->err, 413, NULL, "the request body is larger than %zu bytes",
			  ctx->settings->max_body);
		return NULL;
	}
	if (req->body == NULL || req->body_len == 0) {
		error_set(&ctx->err, 400, SCIM_INVALID_SYNTAX, "a JSON request body is required");
		return NULL;
	}
	/* jansson rejects invalid UTF-8, \u0000 and nesting deeper than 2048. */
	body = json_loadb(req->body, req->body_len, 0, &jerr);
	if (body == NULL) {
		error_set(&ctx->err, 400, SCIM_INVALID_SYNTAX,
			  "the request body is not valid JSON: %s (line %d, column %d)",
			  jerr.text, jerr.line, jerr.column);
		return NULL;
	}
	if (!json_is_object(body)) {
		json_decref(body);
		error_set(&ctx->err, 400, SCIM_INVALID_SYNTAX, "the request body must be a JSON object");
		return NULL;
	}
	return body;
}

/* Does an If-Match / If-None-Match header name this version? Accepts "*",
 * lists, and strong or weak forms of our tags. */
bool handler_etag_matches(const char *header, long long version)
{
	char weak[32];
	char strong[32];
	const char *p = header;
	size_t len;

	resource_version_tag(version, weak);
	snprintf(strong, sizeof(strong), "\"%lld\"", version);
	while (*p != '\0') {
		while (*p == ' ' || *p == ',')
			p++;
		len = strcspn(p, ",");
		while (len > 0 && p[len - 1] == ' ')
			len--;
		if ((len == 1 && *p == '*') ||
		    (len == strlen(weak) && strncmp(p, weak, len) == 0) ||
		    (len == strlen(strong) && strncmp(p, strong, len) == 0))
			return true;
		p += strcspn(p, ",");
	}
	return false;
}

/* RFC 7644 3.14: a write with a stale If-Match fails with 412. */
bool handler_check_if_match(struct request_context *ctx, long long version)
{
	if (ctx->req->if_match == NULL || handler_etag_matches(ctx->req->if_match, version))
		return true;
	return error_set(&ctx->err, 412, NULL,
			 "the resource has changed: If-Match does not match its version");
}

bool handler_not_modified(struct request_context *ctx, long long version)
{
	if (ctx->req->if_none_match == NULL ||
	    !handler_etag_matches(ctx->req->if_none_match, version))
		return false;
	ctx->resp->status = 304;
	resource_version_tag(version, ctx->resp->etag);
	return true;
}

bool handler_delete(struct request_context *ctx, handler_store_get_fn get,
		    handler_store_delete_fn delete, const char *noun)
{
	struct stored_resource current = { 0 };
	bool ok;

	if (ctx->req->if_match != NULL) {
		if (!get(ctx->store, ctx->tenant.id, ctx->resource_id, true, &current, &ctx->err))
			return false;
		ok = handler_check_if_match(ctx, current.version);
		stored_resource_clear(&current);
		if (!ok)
			return false;
	}
	if (!delete(ctx->store, ctx->tenant.id, ctx->resource_id, &ctx->err))
		return false;
	log_msg(LOG_INFO, "deleted %s %s", noun, ctx->resource_id);
	ctx->resp->status = 204;
	return true;
}

json_t *handler_begin_write(struct request_context *ctx, handler_store_get_fn get,
			    struct stored_resource *current)
{
	if (!get(ctx->store, ctx->tenant.id, ctx->resource_id, true, current, &ctx->err) ||
	    !handler_check_if_match(ctx, current->version))
		return NULL;
	return handler_read_body(ctx);
}

/* Render rows, add derived attributes, and apply the projection. */
static json_t *render_rows(struct request_context *ctx, const struct resource_type_def *rt,
			   const struct stored_resource *rows, int nrows,
			   handler_decorate_fn decorate)
{
	const char *attributes = http_query_get(ctx->req, "attributes");
	const char *excluded = http_query_get(ctx->req, "excludedAttributes");
	json_t *resources = json_array();
	json_t *resource;
	size_t i;

	for (i = 0; i < (size_t)nrows; i++)
		json_array_append_new(resources, resource_render(&rows[i], rt, ctx->req->base_url));
	if (decorate != NULL && !decorate(ctx, resources)) {
		json_decref(resources);
		return NULL;
	}
	json_array_foreach(resources, i, resource)
		resource_project(resource, rt, attributes, excluded);
	return resources;
}

bool handler_respond(struct request_context *ctx, const struct resource_type_def *rt,
		     int status, const struct stored_resource *row,
		     handler_decorate_fn decorate)
{
	json_t *resources = render_rows(ctx, rt, row, 1, decorate);
	char location[1024];

	if (resources == NULL)
		return false;
	ctx->resp->status = status;
	ctx->resp->body = json_incref(json_array_get(resources, 0));
	json_decref(resources);
	resource_version_tag(row->version, ctx->resp->etag);
	if (status == 201) {
		/* Built here: meta.location may be projected away. */
		snprintf(location, sizeof(location), "%s%s/%s", ctx->req->base_url,
			 rt->endpoint, row->id);
		ctx->resp->location = strdup(location);
		if (ctx->resp->location == NULL)
			abort();
	}
	return true;
}

/* A query parameter as an integer; `fallback` when absent. */
static bool query_integer(struct request_context *ctx, const char *name, long fallback,
			  long *out)
{
	const char *text = http_query_get(ctx->req, name);
	char *end;

	*out = fallback;
	if (text == NULL || *text == '\0')
		return true;
	errno = 0;
	*out = strtol(text, &end, 10);
	if (*end != '\0' || errno != 0)
		return error_set(&ctx->err, 400, SCIM_INVALID_VALUE,
				 "%s must be an integer", name);
	return true;
}

/* What a list request asks for: RFC 7644 3.4.2 and RFC 9865. */
struct list_request {
	const char *filter;
	const char *sort_by;
	bool descending;
	long start_index;
	long count;
	const char *cursor;       /* NULL: index paging; "" : the first cursor page */
	char sort_key[1024];      /* SQL text expression, "" when sorted by id */
	char query_digest[17];
};

static bool list_request_read(struct request_context *ctx, const struct resource_type_def *rt,
			      struct list_request *lr)
{
	const char *order = http_query_get(ctx->req, "sortOrder");
	bool index_asked = http_query_get(ctx->req, "startIndex") != NULL;

	memset(lr, 0, sizeof(*lr));
	lr->filter = http_query_get(ctx->req, "filter");
	lr->sort_by = http_query_get(ctx->req, "sortBy");
	lr->cursor = http_query_get(ctx->req, "cursor");
	if (lr->sort_by != NULL && *lr->sort_by == '\0')
		lr->sort_by = NULL;
	/* RFC 7644 3.4.2.4: startIndex below 1 counts as 1, a negative count as 0. */
	if (!query_integer(ctx, "startIndex", 1, &lr->start_index) ||
	    !query_integer(ctx, "count", ctx->settings->default_count, &lr->count))
		return false;
	if (lr->start_index < 1)
		lr->start_index = 1;
	if (lr->cursor != NULL) {
		/* RFC 9865: one paging method per request, and the page size is
		 * refused rather than cut when it is out of range. */
		if (index_asked)
			return error_set(&ctx->err, 400, SCIM_INVALID_VALUE,
					 "use either cursor or startIndex, not both");
		if (lr->count < 0 || lr->count > ctx->settings->max_results)
			return error_set(&ctx->err, 400, SCIM_INVALID_COUNT,
					 "count must be between 0 and %d", ctx->settings->max_results);
	}
	if (lr->count < 0)
		lr->count = 0;
	if (lr->count > ctx->settings->max_results)
		lr->count = ctx->settings->max_results;
	if (order != NULL && *order != '\0') {
		if (strcasecmp(order, "descending") == 0)
			lr->descending = true;
		else if (strcasecmp(order, "ascending") != 0)
			return error_set(&ctx->err, 400, SCIM_INVALID_VALUE,
					 "sortOrder must be ascending or descending");
	}
	if (lr->sort_by != NULL &&
	    !filter_sql_sort_key(rt, lr->sort_by, lr->sort_key, sizeof(lr->sort_key), &ctx->err))
		return false;
	cursor_query_digest(rt->name, lr->filter, lr->sort_by, lr->descending ? "d" : "a",
			    lr->query_digest);
	return true;
}

/*
 * The order of a list, stable because the id breaks every tie: by id alone,
 * or by (no key last, key, id), reversed as a whole when descending, so that
 * a cursor can continue from any row. `reverse` flips it again for the rows
 * before a previousCursor.
 */
static void append_order(struct sql_query *q, const struct list_request *lr, bool reverse)
{
	const char *dir = lr->descending != reverse ? " DESC" : "";

	if (lr->sort_key[0] == '\0')
		sql_query_appendf(q, " ORDER BY r.id%s", dir);
	else
		sql_query_appendf(q, " ORDER BY (%s) IS NULL%s, coalesce(%s, '') COLLATE \"C\"%s,"
				  " r.id%s", lr->sort_key, dir, lr->sort_key, dir, dir);
}

/* The rows after (or before) a cursor's position, in list order. */
static void append_after(struct sql_query *q, const struct list_request *lr,
			 const struct cursor *c)
{
	bool greater = lr->descending == c->backward;
	const char *op = greater ? ">" : "<";

	if (lr->sort_key[0] == '\0') {
		sql_query_appendf(q, " AND r.id %s ", op);
		sql_query_param(q, c->id);
		sql_query_append(q, "::uuid");
		return;
	}
	sql_query_appendf(q, " AND ((%s) IS NULL, coalesce(%s, '') COLLATE \"C\", r.id) %s (",
			  lr->sort_key, lr->sort_key, op);
	sql_query_param(q, c->key == NULL ? "true" : "false");
	sql_query_append(q, "::boolean, ");
	sql_query_param(q, c->key == NULL ? "" : c->key);
	sql_query_append(q, "::text COLLATE \"C\", ");
	sql_query_param(q, c->id);
	sql_query_append(q, "::uuid)");
}

/* A cursor naming row `row` of a page. */
static char *page_cursor(const struct list_request *lr, const struct stored_resource *row,
			 bool backward)
{
	struct cursor c = { .backward = backward, .issued = time(NULL) };
	char *text;

	if (row->sort_key != NULL) {
		c.key = strdup(row->sort_key);
		if (c.key == NULL)
			abort();
	}
	snprintf(c.id, sizeof(c.id), "%s", row->id);
	memcpy(c.query, lr->query_digest, sizeof(c.query));
	text = cursor_encode(&c);
	cursor_clear(&c);
	return text;
}

bool handler_list(struct request_context *ctx, const struct resource_type_def *rt,
		  const char *table, handler_decorate_fn decorate)
{
	struct list_request lr;
	struct cursor position = { 0 };
	struct filter_node *filter = NULL;
	struct stored_resource *rows = NULL;
	struct sql_query where;
	struct sql_query query;
	long long total = 0;
	char number[24];
	char *next = NULL;
	char *previous = NULL;
	bool has_position = false;
	bool indexed = false;
	bool more = false;
	int nrows = 0;
	json_t *resources;
	json_t *body;
	bool ok = false;
	int i;

	sql_query_init(&where);
	sql_query_init(&query);
	if (!list_request_read(ctx, rt, &lr))
		goto done;
	if (lr.cursor != NULL && *lr.cursor != '\0') {
		if (!cursor_decode(lr.cursor, lr.query_digest, &position, &ctx->err))
			goto done;
		has_position = true;
	}

	sql_query_appendf(&where, " FROM %s r WHERE r.tenant_id = ", table);
	sql_query_param(&where, ctx->tenant.id);
	if (lr.filter != NULL) {
		filter = filter_parse(lr.filter, strlen(lr.filter), &ctx->err);
		if (filter == NULL)
			goto done;
		sql_query_append(&where, " AND ");
		if (!filter_sql_with_base(filter, rt, ctx->req->base_url, ctx->tenant.id, &where,
					  &indexed, &ctx->err))
			goto done;
	}

	/* The page, then the total only when the page does not tell it: an
	 * Entra or Okta lookup (first page, fewer rows than asked for) costs
	 * one indexed query. */
	if (lr.count > 0) {
		sql_query_append(&query, "SELECT " STORE_RESOURCE_COLUMNS);
		if (lr.sort_key[0] != '\0')
			sql_query_appendf(&query, ", %s", lr.sort_key);
		/*
		 * A filter an index answers is planned on its own (OFFSET 0
		 * keeps it a subquery), then ordered and paged. Otherwise,
		 * when the planner believes a value common (a target that the
		 * column statistics sampled, a short sw prefix), it walks the
		 * primary key in list order hoping to meet LIMIT matches soon,
		 * and reads the whole tenant when they are rare.
		 */
		if (indexed)
			sql_query_append(&query, " FROM (SELECT r.*");
		sql_query_append(&query, where.text);
		for (i = 0; i < where.nparams; i++)
			sql_query_add_param(&query, where.params[i]);
		if (has_position)
			append_after(&query, &lr, &position);
		if (indexed)
			sql_query_append(&query, " OFFSET 0) r");
		append_order(&query, &lr, has_position && position.backward);
		/* One row more than asked tells whether there is a next page. */
		snprintf(number, sizeof(number), "%ld", lr.count + (lr.cursor != NULL));
		sql_query_append(&query, " LIMIT ");
		sql_query_param(&query, number);
		if (lr.cursor == NULL) {
			snprintf(number, sizeof(number), "%ld", lr.start_index - 1);
			sql_query_append(&query, " OFFSET ");
			sql_query_param(&query, number);
		}
		if (!store_list(ctx->store, &query, &rows, &nrows, &ctx->err))
			goto done;
		if (lr.cursor != NULL && nrows > lr.count) {
			more = true;
			stored_resource_clear(&rows[--nrows]);
		}
		if (has_position && position.backward) {
			/* Fetched backwards: put the page in list order. */
			for (i = 0; i < nrows / 2; i++) {
				struct stored_resource tmp = rows[i];

				rows[i] = rows[nrows - 1 - i];
				rows[nrows - 1 - i] = tmp;
			}
		}
	}
	if (lr.cursor == NULL && lr.start_index == 1 && nrows < lr.count) {
		total = nrows;
	} else {
		sql_query_free(&query);
		sql_query_init(&query);
		sql_query_append(&query, "SELECT count(*)");
		sql_query_append(&query, where.text);
		for (i = 0; i < where.nparams; i++)
			sql_query_add_param(&query, where.params[i]);
		if (!store_count(ctx->store, &query, &total, &ctx->err))
			goto done;
	}

	if (lr.cursor != NULL && nrows > 0) {
		bool backward = has_position && position.backward;

		/* Going forward, "more" is about the rows after the page; going
		 * back, it is about the rows before it, and the rows after it
		 * are those the client came from. */
		if (backward ? true : more)
			next = page_cursor(&lr, &rows[nrows - 1], false);
		if (backward ? more : has_position)
			previous = page_cursor(&lr, &rows[0], true);
	}
	resources = render_rows(ctx, rt, rows, nrows, decorate);
	if (resources == NULL)
		goto done;
	/* Entra's Test Connection requires "Resources" even when empty. */
	body = json_pack("{s:[s], s:I, s:o, s:I}",
			 "schemas", SCHEMA_URN_LIST_RESPONSE,
			 "totalResults", (json_int_t)total,
			 "Resources", resources,
			 "itemsPerPage", (json_int_t)nrows);
	if (lr.cursor == NULL)
		json_object_set_new(body, "startIndex", json_integer(lr.start_index));
	if (next != NULL)
		json_object_set_new(body, "nextCursor", json_string(next));
	if (previous != NULL)
		json_object_set_new(body, "previousCursor", json_string(previous));
	ctx->resp->body = body;
	ctx->resp->status = 200;
	ok = true;
done:
	free(next);
	free(previous);
	for (i = 0; i < nrows; i++)
		stored_resource_clear(&rows[i]);
	free(rows);
	cursor_clear(&position);
	filter_free(filter);
	sql_query_free(&query);
	sql_query_free(&where);
	return ok;
}

/* ---- POST .search (RFC 7644 3.4.3) ---- */

/* The SearchRequest's members as query parameters; false with err set
 * when one has the wrong type. */
static bool search_params(struct request_context *ctx, const json_t *body,
			  struct query_param **out, size_t *n)
{
	static const char *const names[] = {
		"filter", "sortBy", "sortOrder", "startIndex", "count", "cursor",
		"attributes", "excludedAttributes", NULL
	};
	struct query_param *params = calloc(10, sizeof(*params)); /* 8, and 2 for root_search */
	const char *key;
	json_t *value;
	size_t i;

	if (params == NULL)
		abort();
	*out = params;
	*n = 0;
	json_object_foreach((json_t *)body, key, value) {
		char text[4096] = "";
		size_t k;

		for (k = 0; names[k] != NULL && strcasecmp(key, names[k]) != 0; k++)
			;
		if (names[k] == NULL || json_is_null(value))
			continue; /* schemas, and members we do not know */
		if (json_is_string(value)) {
			if (json_string_length(value) >= sizeof(text))
				return error_set(&ctx->err, 400, SCIM_INVALID_VALUE, "%s is too long", key);
			snprintf(text, sizeof(text), "%s", json_string_value(value));
		} else if (json_is_integer(value) && k >= 3 && k <= 4) {
			snprintf(text, sizeof(text), "%" JSON_INTEGER_FORMAT, json_integer_value(value));
		} else if (json_is_array(value) && k >= 6) {
			json_t *item;

			json_array_foreach(value, i, item) {
				if (!json_is_string(item) ||
				    strlen(text) + json_string_length(item) + 2 >= sizeof(text))
					return error_set(&ctx->err, 400, SCIM_INVALID_VALUE,
							 "%s must be a list of attribute names", key);
				if (i > 0)
					strcat(text, ",");
				strcat(text, json_string_value(item));
			}
		} else {
			return error_set(&ctx->err, 400, SCIM_INVALID_VALUE, "%s has the wrong type", key);
		}
		params[*n].name = strdup(names[k]);
		params[*n].value = strdup(text);
		if (params[*n].name == NULL || params[*n].value == NULL)
			abort();
		(*n)++;
		if (*n == 8)
			break;
	}
	return true;
}

static void search_params_free(struct query_param *params, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(params[i].name);
		free(params[i].value);
	}
	free(params);
}

bool handler_search(struct request_context *ctx, bool (*list)(struct request_context *ctx))
{
	const struct http_request *original = ctx->req;
	struct http_request search;
	struct query_param *params = NULL;
	size_t n = 0;
	json_t *body;
	bool ok = false;

	body = handler_read_body(ctx);
	if (body == NULL)
		return false;
	if (search_params(ctx, body, &params, &n)) {
		/* The same request, its query replaced by the SearchRequest. */
		search = *original;
		search.query = params;
		search.nquery = n;
		ctx->req = &search;
		ok = list(ctx);
		ctx->req = original;
	}
	search_params_free(params, n);
	json_decref(body);
	return ok;
}

/* Set query parameter `name` of a search (replacing it, or adding it: the
 * array from search_params() has room for two more). */
static void search_param_set(struct query_param *params, size_t *n, const char *name,
			     const char *value)
{
	size_t i;

	for (i = 0; i < *n && strcmp(params[i].name, name) != 0; i++)
		;
	if (i == *n) {
		params[i].name = strdup(name);
		(*n)++;
	} else {
		free(params[i].value);
	}
	params[i].value = strdup(value);
	if (params[i].name == NULL || params[i].value == NULL)
		abort();
}

/*
 * POST /.search (RFC 7644 3.4.3): Users, then Groups, as one list. A filter
 * that names what one resource type does not have selects nothing of that
 * type. Index paging only: cursors and sortBy are per resource type.
 */
bool root_search(struct request_context *ctx)
{
	static bool (*const lists[])(struct request_context *ctx) = {
		users_list, groups_list,
	};
	const struct http_request *original = ctx->req;
	struct http_request search;
	struct query_param *params = NULL;
	struct scim_error first = { 0 };
	json_t *resources = json_array();
	json_t *body;
	long long total = 0;
	long long streamed = 0; /* groups whose members stream */
	long start_index = 1;
	long count = 0;
	long skip;
	size_t n = 0;
	size_t t;
	bool any = false;
	bool ok = false;

	body = handler_read_body(ctx);
	if (body == NULL || !search_params(ctx, body, &params, &n))
		goto done;
	search = *original;
	search.query = params;
	search.nquery = n;
	ctx->req = &search;
	if (http_query_get(ctx->req, "cursor") != NULL || http_query_get(ctx->req, "sortBy") != NULL) {
		error_set(&ctx->err, 400, SCIM_INVALID_VALUE,
			  "cursor and sortBy are offered on /Users/.search and /Groups/.search");
		goto done;
	}
	if (!query_integer(ctx, "startIndex", 1, &start_index) ||
	    !query_integer(ctx, "count", ctx->settings->default_count, &count))
		goto done;
	start_index = start_index < 1 ? 1 : start_index;
	count = count < 0 ? 0 : count > ctx->settings->max_results ? ctx->settings->max_results : count;
	skip = start_index - 1;

	for (t = 0; t < sizeof(lists) / sizeof(lists[0]); t++) {
		char number[24];
		long long type_total;

		/* This type's part of the page: after what was skipped so far. */
		snprintf(number, sizeof(number), "%ld", skip + 1);
		search_param_set(params, &n, "startIndex", number);
		snprintf(number, sizeof(number), "%ld", count - (long)json_array_size(resources));
		search_param_set(params, &n, "count", number);
		search.nquery = n;
		if (!lists[t](ctx)) {
			/* An attribute this type lacks: nothing of it matches. */
			if (ctx->err.status == 400 && ctx->err.scim_type != NULL &&
			    strcmp(ctx->err.scim_type, SCIM_INVALID_FILTER) == 0) {
				if (first.status == 0)
					first = ctx->err;
				error_clear(&ctx->err);
				continue;
			}
			goto done;
		}
		any = true;
		type_total = json_integer_value(json_object_get(ctx->resp->body, "totalResults"));
		/* Groups with members come as a stream (the last type). */
		if (ctx->resp->stream.produce != NULL)
			streamed = json_integer_value(json_object_get(ctx->resp->body,
								      "itemsPerPage"));
		else
			json_array_extend(resources, json_object_get(ctx->resp->body, "Resources"));
		total += type_total;
		skip = skip > type_total ? skip - (long)type_total : 0;
		json_decref(ctx->resp->body);
		ctx->resp->body = NULL;
	}
	if (!any) {
		ctx->err = first;
		goto done;
	}
	ctx->resp->status = 200;
	ctx->resp->body = json_pack("{s:[s], s:I, s:I, s:I}",
				    "schemas", SCHEMA_URN_LIST_RESPONSE,
				    "totalResults", (json_int_t)total,
				    "startIndex", (json_int_t)start_index,
				    "itemsPerPage",
				    (json_int_t)json_array_size(resources) + streamed);
	if (!groups_stream_prepend(ctx, resources))
		json_object_set(ctx->resp->body, "Resources", resources);
	ok = true;
done:
	ctx->req = original;
	search_params_free(params, n);
	json_decref(resources);
	json_decref(body);
	return ok;
}
