/*
 * handlers_common.c - what every resource's handlers share: the request
 * body, ETag preconditions, answering with one resource or a list, with
 * attributes/excludedAttributes applied.
 */
#include "handlers.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "filter_sql.h"
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

bool handler_list(struct request_context *ctx, const struct resource_type_def *rt,
		  const char *table, handler_decorate_fn decorate)
{
	const char *filter_text = http_query_get(ctx->req, "filter");
	struct filter_node *filter = NULL;
	struct stored_resource *rows = NULL;
	struct sql_query where;
	struct sql_query query;
	long long total = 0;
	char number[24];
	long start_index;
	long count;
	int nrows = 0;
	json_t *resources;
	bool ok = false;
	int i;

	sql_query_init(&where);
	sql_query_init(&query);
	/* RFC 7644 3.4.2.4: startIndex below 1 counts as 1, a negative count as 0. */
	if (!query_integer(ctx, "startIndex", 1, &start_index) ||
	    !query_integer(ctx, "count", ctx->settings->default_count, &count))
		goto done;
	if (start_index < 1)
		start_index = 1;
	if (count < 0)
		count = 0;
	if (count > ctx->settings->max_results)
		count = ctx->settings->max_results;

	sql_query_appendf(&where, " FROM %s r WHERE r.tenant_id = ", table);
	sql_query_param(&where, ctx->tenant.id);
	if (filter_text != NULL) {
		filter = filter_parse(filter_text, strlen(filter_text), &ctx->err);
		if (filter == NULL)
			goto done;
		sql_query_append(&where, " AND ");
		if (!filter_sql_with_base(filter, rt, ctx->req->base_url, &where, &ctx->err))
			goto done;
	}

	/* The page, then the total only when the page does not tell it: an
	 * Entra or Okta lookup (first page, fewer rows than asked for) costs
	 * one indexed query. The order is stable: Okta pages. */
	if (count > 0) {
		sql_query_append(&query, "SELECT " STORE_RESOURCE_COLUMNS);
		sql_query_append(&query, where.text);
		for (i = 0; i < where.nparams; i++)
			sql_query_add_param(&query, where.params[i]);
		snprintf(number, sizeof(number), "%ld", count);
		sql_query_append(&query, " ORDER BY r.id LIMIT ");
		sql_query_param(&query, number);
		snprintf(number, sizeof(number), "%ld", start_index - 1);
		sql_query_append(&query, " OFFSET ");
		sql_query_param(&query, number);
		if (!store_list(ctx->store, &query, &rows, &nrows, &ctx->err))
			goto done;
	}
	if (start_index == 1 && nrows < count) {
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

	resources = render_rows(ctx, rt, rows, nrows, decorate);
	if (resources == NULL)
		goto done;
	/* Entra's Test Connection requires "Resources" even when empty. */
	ctx->resp->body = json_pack("{s:[s], s:I, s:o, s:I, s:I}",
				    "schemas", SCHEMA_URN_LIST_RESPONSE,
				    "totalResults", (json_int_t)total,
				    "Resources", resources,
				    "startIndex", (json_int_t)start_index,
				    "itemsPerPage", (json_int_t)nrows);
	ctx->resp->status = 200;
	ok = true;
done:
	for (i = 0; i < nrows; i++)
		stored_resource_clear(&rows[i]);
	free(rows);
	filter_free(filter);
	sql_query_free(&query);
	sql_query_free(&where);
	return ok;
}
