/*
 * handlers_users.c - /Users (RFC 7644 section 3), as Entra and Okta use it:
 * see SCIM-NOTES sections 1-4 for the requests these serve.
 */
#include "handlers.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "filter_sql.h"
#include "log.h"
#include "patch.h"
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
static bool etag_matches(const char *header, long long version)
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
static bool check_if_match(struct request_context *ctx, long long version)
{
	if (ctx->req->if_match == NULL || etag_matches(ctx->req->if_match, version))
		return true;
	return error_set(&ctx->err, 412, NULL,
			 "the resource has changed: If-Match does not match its version");
}

/* Answer with one resource: status, body, ETag, and Location for 201. */
static bool respond_resource(struct request_context *ctx, int status,
			     const struct stored_resource *row)
{
	json_t *body = resource_render(row, &resource_type_user, ctx->req->base_url);
	json_t *meta = json_object_get(body, "meta");

	ctx->resp->status = status;
	resource_version_tag(row->version, ctx->resp->etag);
	if (status == 201) {
		ctx->resp->location = strdup(json_string_value(json_object_get(meta, "location")));
		if (ctx->resp->location == NULL)
			abort();
	}
	ctx->resp->body = body;
	return true;
}

bool users_create(struct request_context *ctx)
{
	struct stored_resource row = { 0 };
	json_t *body;
	json_t *doc;
	bool ok;

	body = handler_read_body(ctx);
	if (body == NULL)
		return false;
	doc = resource_normalize(body, &resource_type_user, &ctx->err);
	json_decref(body);
	if (doc == NULL)
		return false;
	ok = store_user_insert(ctx->store, ctx->tenant.id, doc, &row, &ctx->err);
	json_decref(doc);
	if (ok) {
		log_msg(LOG_INFO, "created user %s", row.id);
		respond_resource(ctx, 201, &row);
	}
	stored_resource_clear(&row);
	return ok;
}

bool users_get(struct request_context *ctx)
{
	struct stored_resource row = { 0 };

	if (!store_user_get(ctx->store, ctx->tenant.id, ctx->resource_id, false, &row, &ctx->err))
		return false;
	if (ctx->req->if_none_match != NULL && etag_matches(ctx->req->if_none_match, row.version)) {
		ctx->resp->status = 304;
		resource_version_tag(row.version, ctx->resp->etag);
	} else {
		respond_resource(ctx, 200, &row);
	}
	stored_resource_clear(&row);
	return true;
}

/* Store `doc` as the new content of `current` unless nothing changed (then
 * meta.lastModified and meta.version stay), and answer with the result. */
static bool save_user(struct request_context *ctx, struct stored_resource *current,
		      json_t *doc)
{
	struct stored_resource row = { 0 };
	bool ok;

	if (json_equal(doc, current->doc))
		return respond_resource(ctx, 200, current);
	ok = store_user_update(ctx->store, ctx->tenant.id, current->id, doc, &row, &ctx->err);
	if (ok) {
		log_msg(LOG_INFO, "updated user %s to version %lld", row.id, row.version);
		respond_resource(ctx, 200, &row);
	}
	stored_resource_clear(&row);
	return ok;
}

bool users_replace(struct request_context *ctx)
{
	struct stored_resource current = { 0 };
	json_t *body = NULL;
	json_t *doc = NULL;
	bool ok = false;

	if (!store_user_get(ctx->store, ctx->tenant.id, ctx->resource_id, true, &current, &ctx->err))
		return false;
	if (!check_if_match(ctx, current.version))
		goto done;
	body = handler_read_body(ctx);
	if (body == NULL)
		goto done;
	doc = resource_normalize(body, &resource_type_user, &ctx->err);
	if (doc == NULL)
		goto done;
	ok = save_user(ctx, &current, doc);
done:
	json_decref(doc);
	json_decref(body);
	stored_resource_clear(&current);
	return ok;
}

bool users_patch(struct request_context *ctx)
{
	struct stored_resource current = { 0 };
	struct patch_result result = { 0 };
	json_t *body = NULL;
	json_t *doc = NULL;
	bool ok = false;

	if (!store_user_get(ctx->store, ctx->tenant.id, ctx->resource_id, true, &current, &ctx->err))
		return false;
	if (!check_if_match(ctx, current.version))
		goto done;
	body = handler_read_body(ctx);
	if (body == NULL)
		goto done;
	if (!patch_apply(current.doc, body, &resource_type_user, &result, &ctx->err))
		goto done;
	/* The engine keeps client spellings ("False", a bare manager id):
	 * normalizing validates and coerces the result like a PUT body. */
	doc = resource_normalize(result.doc, &resource_type_user, &ctx->err);
	if (doc == NULL)
		goto done;
	ok = save_user(ctx, &current, doc);
done:
	patch_result_clear(&result);
	json_decref(doc);
	json_decref(body);
	stored_resource_clear(&current);
	return ok;
}

bool users_delete(struct request_context *ctx)
{
	struct stored_resource current = { 0 };
	bool ok;

	if (ctx->req->if_match != NULL) {
		if (!store_user_get(ctx->store, ctx->tenant.id, ctx->resource_id, true,
				    &current, &ctx->err))
			return false;
		ok = check_if_match(ctx, current.version);
		stored_resource_clear(&current);
		if (!ok)
			return false;
	}
	if (!store_user_delete(ctx->store, ctx->tenant.id, ctx->resource_id, &ctx->err))
		return false;
	log_msg(LOG_INFO, "deleted user %s", ctx->resource_id);
	ctx->resp->status = 204;
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

bool users_list(struct request_context *ctx)
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

	sql_query_append(&where, " FROM users r WHERE r.tenant_id = ");
	sql_query_param(&where, ctx->tenant.id);
	if (filter_text != NULL) {
		filter = filter_parse(filter_text, strlen(filter_text), &ctx->err);
		if (filter == NULL)
			goto done;
		sql_query_append(&where, " AND ");
		if (!filter_sql(filter, &resource_type_user, &where, &ctx->err))
			goto done;
	}

	/* The page and the total in one statement; the total needs its own
	 * query only when the page is empty. The order is stable: Okta pages. */
	if (count > 0) {
		sql_query_append(&query, "SELECT " STORE_RESOURCE_COLUMNS ", count(*) OVER ()");
		sql_query_append(&query, where.text);
		for (i = 0; i < where.nparams; i++)
			sql_query_add_param(&query, where.params[i]);
		snprintf(number, sizeof(number), "%ld", count);
		sql_query_append(&query, " ORDER BY r.id LIMIT ");
		sql_query_param(&query, number);
		snprintf(number, sizeof(number), "%ld", start_index - 1);
		sql_query_append(&query, " OFFSET ");
		sql_query_param(&query, number);
		if (!store_list(ctx->store, &query, &rows, &nrows, &total, &ctx->err))
			goto done;
	}
	if (nrows == 0) {
		sql_query_free(&query);
		sql_query_init(&query);
		sql_query_append(&query, "SELECT count(*)");
		sql_query_append(&query, where.text);
		for (i = 0; i < where.nparams; i++)
			sql_query_add_param(&query, where.params[i]);
		if (!store_count(ctx->store, &query, &total, &ctx->err))
			goto done;
	}

	resources = json_array();
	for (i = 0; i < nrows; i++)
		json_array_append_new(resources, resource_render(&rows[i], &resource_type_user,
								 ctx->req->base_url));
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
