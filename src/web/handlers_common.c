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

#include "changes.h"
#include "cursor.h"
#include "filter.h"
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

/* A mapping that lands nowhere, for the administrator to see: the log's
 * row names what was ignored (never a change), and so does a log line. */
static void audit_ignored(struct request_context *ctx)
{
	struct store_log_entry *a = &ctx->audit;
	char names[400] = "";
	json_t *name;
	size_t i;

	json_array_foreach(ctx->ignored, i, name) {
		char entry[300];

		snprintf(entry, sizeof(entry), "ignored: %s", json_string_value(name));
		if (a->attributes == NULL)
			a->attributes = json_array();
		json_array_append_new(a->attributes, json_string(entry));
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
			 i > 0 ? ", " : "", json_string_value(name));
	}
	if (names[0] != '\0')
		log_msg(ctx->log, LOG_INFO, "ignored what no schema of the tenant has: %s", names);
}

void handler_audit(struct request_context *ctx, const char *id, const json_t *before,
		   const json_t *after, long long added, long long removed)
{
	struct store_log_entry *a = &ctx->audit;
	const char *key = a->resource_type != NULL && strcmp(a->resource_type, "Group") == 0 ?
			  "displayName" : "userName";
	const char *name = json_string_value(json_object_get(after ? after : before, key));
	enum change_active active;
	bool changed;

	snprintf(a->resource_id, sizeof(a->resource_id), "%s", id);
	free(a->resource_name);
	a->resource_name = name != NULL ? strdup(name) : NULL;
	json_decref(a->attributes);
	a->attributes = after != NULL ? changes_attribute_names(before, after) : NULL;
	a->members = added >= 0;
	a->members_added = added > 0 ? added : 0;
	a->members_removed = removed > 0 ? removed : 0;
	changed = a->attributes != NULL || a->members_added > 0 || a->members_removed > 0;
	if (added > 0 || removed > 0) {
		/* The members live in their own table: named here. */
		if (a->attributes == NULL)
			a->attributes = json_array();
		json_array_append_new(a->attributes, json_string("members"));
	}
	audit_ignored(ctx);
	if (after == NULL || before == NULL)
		return; /* deleted, created */
	active = changes_active(before, after);
	if (!changed)
		a->action = "unchanged";
	else if (active == CHANGE_DISABLED)
		a->action = "disabled";
	else if (active == CHANGE_ENABLED)
		a->action = "enabled";
}

bool handler_delete(struct request_context *ctx, handler_store_get_fn get,
		    handler_store_delete_fn delete, const char *noun)
{
	struct stored_resource current = { 0 };
	char *name = NULL;
	bool ok;

	if (ctx->req->if_match != NULL) {
		if (!get(ctx->store, ctx->tenant.id, ctx->resource_id, true, &current, &ctx->err))
			return false;
		ok = handler_check_if_match(ctx, current.version);
		/* The log's row goes with the DELETE: its name is the one read. */
		handler_audit(ctx, current.id, current.doc, NULL, -1, -1);
		stored_resource_clear(&current);
		if (!ok)
			return false;
	}
	store_commit_with_next(ctx->store);
	ok = delete(ctx->store, ctx->tenant.id, ctx->resource_id, &name, &ctx->err);
	if (name != NULL) {
		free(ctx->audit.resource_name);
		ctx->audit.resource_name = name;
	}
	if (!ok)
		return false;
	log_msg(ctx->log, LOG_INFO, "deleted %s %s", noun, ctx->resource_id);
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

/* Render rows (with the derived attributes the store read with them) and
 * apply the projection. */
static json_t *render_rows(struct request_context *ctx, const struct resource_type_def *rt,
			   const struct stored_resource *rows, int nrows)
{
	const char *attributes = http_query_get(ctx->req, "attributes");
	const char *excluded = http_query_get(ctx->req, "excludedAttributes");
	json_t *resources = json_array();
	json_t *resource;
	size_t i;

	for (i = 0; i < (size_t)nrows; i++)
		json_array_append_new(resources, resource_render(&rows[i], rt, ctx->req->base_url));
	json_array_foreach(resources, i, resource)
		resource_project(resource, rt, attributes, excluded);
	return resources;
}

bool handler_respond(struct request_context *ctx, const struct resource_type_def *rt,
		     int status, const struct stored_resource *row)
{
	json_t *resources = render_rows(ctx, rt, row, 1);
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

bool handler_query_integer(struct request_context *ctx, const char *name, long fallback,
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
	struct store_list_request store;
	const char *filter;
	const char *cursor;       /* NULL: index paging; "" : the first cursor page */
	char query_digest[17];
};

static bool list_request_read(struct request_context *ctx, const struct resource_type_def *rt,
			      struct list_request *lr)
{
	const char *order = http_query_get(ctx->req, "sortOrder");
	bool index_asked = http_query_get(ctx->req, "startIndex") != NULL;
	struct store_list_request *sr = &lr->store;

	memset(lr, 0, sizeof(*lr));
	sr->rt = rt;
	sr->base_url = ctx->req->base_url;
	lr->filter = http_query_get(ctx->req, "filter");
	sr->sort_by = http_query_get(ctx->req, "sortBy");
	lr->cursor = http_query_get(ctx->req, "cursor");
	sr->cursor_paging = lr->cursor != NULL;
	if (sr->sort_by != NULL && *sr->sort_by == '\0')
		sr->sort_by = NULL;
	/* RFC 7644 3.4.2.4: startIndex below 1 counts as 1, a negative count as 0. */
	if (!handler_query_integer(ctx, "startIndex", 1, &sr->start_index) ||
	    !handler_query_integer(ctx, "count", ctx->settings->default_count, &sr->count))
		return false;
	if (sr->start_index < 1)
		sr->start_index = 1;
	if (lr->cursor != NULL) {
		/* RFC 9865: one paging method per request, and the page size is
		 * refused rather than cut when it is out of range. */
		if (index_asked)
			return error_set(&ctx->err, 400, SCIM_INVALID_VALUE,
					 "use either cursor or startIndex, not both");
		if (sr->count < 0 || sr->count > ctx->settings->max_results)
			return error_set(&ctx->err, 400, SCIM_INVALID_COUNT,
					 "count must be between 0 and %d", ctx->settings->max_results);
	}
	if (sr->count < 0)
		sr->count = 0;
	if (sr->count > ctx->settings->max_results)
		sr->count = ctx->settings->max_results;
	if (order != NULL && *order != '\0') {
		if (strcasecmp(order, "descending") == 0)
			sr->descending = true;
		else if (strcasecmp(order, "ascending") != 0)
			return error_set(&ctx->err, 400, SCIM_INVALID_VALUE,
					 "sortOrder must be ascending or descending");
	}
	cursor_query_digest(rt->name, lr->filter, sr->sort_by, sr->descending ? "d" : "a",
			    lr->query_digest);
	return true;
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

bool handler_list(struct request_context *ctx, const struct resource_type_def *rt)
{
	struct list_request lr;
	struct cursor position = { 0 };
	struct filter_node *filter = NULL;
	struct store_list_page page = { 0 };
	char *next = NULL;
	char *previous = NULL;
	json_t *resources;
	json_t *body;
	bool ok = false;

	if (!list_request_read(ctx, rt, &lr))
		goto done;
	if (lr.cursor != NULL && *lr.cursor != '\0') {
		if (!cursor_decode(lr.cursor, lr.query_digest, &position, &ctx->err))
			goto done;
		lr.store.position = &position;
	}
	if (lr.filter != NULL) {
		filter = filter_parse(lr.filter, strlen(lr.filter), &ctx->err);
		if (filter == NULL)
			goto done;
		lr.store.filter = filter;
	}
	lr.store.with_groups = rt->core == &schema_user &&
		resource_projection_wants(rt, http_query_get(ctx->req, "attributes"),
					  http_query_get(ctx->req, "excludedAttributes"), "groups");
	if (!store_list(ctx->store, ctx->tenant.id, &lr.store, &page, &ctx->err))
		goto done;

	if (lr.cursor != NULL && page.nrows > 0) {
		bool backward = position.backward;

		/* Going forward, "more" is about the rows after the page; going
		 * back, it is about the rows before it, and the rows after it
		 * are those the client came from. */
		if (backward ? true : page.more)
			next = page_cursor(&lr, &page.rows[page.nrows - 1], false);
		if (backward ? page.more : lr.store.position != NULL)
			previous = page_cursor(&lr, &page.rows[0], true);
	}
	resources = render_rows(ctx, rt, page.rows, page.nrows);
	if (resources == NULL)
		goto done;
	/* Entra's Test Connection requires "Resources" even when empty. */
	body = json_pack("{s:[s], s:I, s:o, s:I}",
			 "schemas", SCHEMA_URN_LIST_RESPONSE,
			 "totalResults", (json_int_t)page.total,
			 "Resources", resources,
			 "itemsPerPage", (json_int_t)page.nrows);
	if (lr.cursor == NULL)
		json_object_set_new(body, "startIndex", json_integer(lr.store.start_index));
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
	store_list_page_clear(&page);
	cursor_clear(&position);
	filter_free(filter);
	return ok;
}
