/*
 * handlers_search.c - POST .search (RFC 7644 3.4.3): a SearchRequest body
 * run as the same query string on a collection, and /.search across Users
 * and Groups.
 */
#include "handlers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/* The SearchRequest run as `list` would run the same query string. */
static bool search_as_list(struct request_context *ctx, bool (*list)(struct request_context *ctx))
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
	if (!handler_query_integer(ctx, "startIndex", 1, &start_index) ||
	    !handler_query_integer(ctx, "count", ctx->settings->default_count, &count))
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

bool users_search(struct request_context *ctx)
{
	return search_as_list(ctx, users_list);
}

bool groups_search(struct request_context *ctx)
{
	return search_as_list(ctx, groups_list);
}
