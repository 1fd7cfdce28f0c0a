/*
 * handlers_users.c - /Users (RFC 7644 section 3), as Entra and Okta use it:
 * lookups by userName or externalId, creates, PATCHes that disable and
 * re-enable, deletes; with the enterprise extension and the groups a user
 * is in.
 */
#include "handlers.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "log.h"
#include "patch.h"
#include "resource.h"

/* The read-only groups attribute (RFC 7643 4.1.2), from the membership table:
 * direct groups, and indirect ones through nested groups. */
struct user_groups {
	json_t *by_id; /* user id -> groups array */
	const char *base_url;
};

static void add_user_group(void *arg, const char *user_id, const char *group_id,
			   const char *display, bool direct)
{
	struct user_groups *ug = arg;
	json_t *groups = json_object_get(ug->by_id, user_id);
	char ref[1024];

	if (groups == NULL)
		return;
	snprintf(ref, sizeof(ref), "%s/Groups/%s", ug->base_url, group_id);
	json_array_append_new(groups, json_pack("{s:s, s:s, s:s?, s:s}",
						"value", group_id, "$ref", ref,
						"display", display,
						"type", direct ? "direct" : "indirect"));
}

static bool decorate_users(struct request_context *ctx, json_t *resources)
{
	struct user_groups ug = { .by_id = json_object(), .base_url = ctx->req->base_url };
	const char **ids;
	json_t *resource;
	json_t *groups;
	size_t n = json_array_size(resources);
	size_t i;
	bool ok;

	if (n == 0 || !resource_projection_wants(&resource_type_user,
						 http_query_get(ctx->req, "attributes"),
						 http_query_get(ctx->req, "excludedAttributes"),
						 "groups")) {
		json_decref(ug.by_id);
		return true;
	}
	ids = calloc(n, sizeof(*ids));
	if (ids == NULL)
		abort();
	json_array_foreach(resources, i, resource) {
		ids[i] = json_string_value(json_object_get(resource, "id"));
		json_object_set_new(ug.by_id, ids[i], json_array());
	}
	ok = store_user_groups(ctx->store, ctx->tenant.id, ids, (int)n, add_user_group, &ug,
			       &ctx->err);
	json_array_foreach(resources, i, resource) {
		groups = json_object_get(ug.by_id, ids[i]);
		if (ok && json_array_size(groups) > 0) {
			/* Before meta, where the schema puts it. */
			json_t *meta = json_incref(json_object_get(resource, "meta"));

			json_object_del(resource, "meta");
			json_object_set(resource, "groups", groups);
			json_object_set_new(resource, "meta", meta);
		}
	}
	free(ids);
	json_decref(ug.by_id);
	return ok;
}

static bool respond_resource(struct request_context *ctx, int status,
			     const struct stored_resource *row)
{
	return handler_respond(ctx, &resource_type_user, status, row, decorate_users);
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
		log_msg(ctx->log, LOG_INFO, "created user %s", row.id);
		ok = respond_resource(ctx, 201, &row);
	}
	stored_resource_clear(&row);
	return ok;
}

bool users_get(struct request_context *ctx)
{
	struct stored_resource row = { 0 };
	bool ok = true;

	if (!store_user_get(ctx->store, ctx->tenant.id, ctx->resource_id, false, &row, &ctx->err))
		return false;
	if (!handler_not_modified(ctx, row.version))
		ok = respond_resource(ctx, 200, &row);
	stored_resource_clear(&row);
	return ok;
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
		log_msg(ctx->log, LOG_INFO, "updated user %s to version %lld", row.id, row.version);
		ok = respond_resource(ctx, 200, &row);
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

	body = handler_begin_write(ctx, store_user_get, &current);
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

	body = handler_begin_write(ctx, store_user_get, &current);
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
	return handler_delete(ctx, store_user_get, store_user_delete, "user");
}

bool users_list(struct request_context *ctx)
{
	return handler_list(ctx, &resource_type_user, decorate_users);
}
