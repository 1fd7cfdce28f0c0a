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

static bool respond_resource(struct request_context *ctx, int status,
			     const struct stored_resource *row)
{
	return handler_respond(ctx, ctx->schemas.user, status, row);
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
	doc = resource_normalize(body, ctx->schemas.user, &ctx->err);
	ctx->ignored = resource_ignored(body, ctx->schemas.user);
	json_decref(body);
	if (doc == NULL)
		return false;
	if (!resource_required_extensions(doc, ctx->schemas.user, &ctx->err)) {
		json_decref(doc);
		return false;
	}
	ok = store_user_insert(ctx->store, ctx->tenant.id, doc, &row, &ctx->err);
	if (ok)
		handler_audit(ctx, row.id, NULL, doc, -1, -1);
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

	if (!resource_keep_immutable(current->doc, doc, ctx->schemas.user, &ctx->err))
		return false;
	handler_audit(ctx, current->id, current->doc, doc, -1, -1);
	if (json_equal(doc, current->doc)) {
		/* Unchanged: the user as GET shows it (the locking read has no
		 * groups). */
		ok = store_user_get(ctx->store, ctx->tenant.id, current->id, false, &row, &ctx->err) &&
		     respond_resource(ctx, 200, &row);
		stored_resource_clear(&row);
		return ok;
	}
	/* The update is the last statement: COMMIT goes with it. */
	store_commit_with_next(ctx->store);
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
	doc = resource_normalize(body, ctx->schemas.user, &ctx->err);
	if (doc == NULL || !resource_required_extensions(doc, ctx->schemas.user, &ctx->err))
		goto done;
	ctx->ignored = resource_ignored(body, ctx->schemas.user);
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
	if (!patch_apply(current.doc, body, ctx->schemas.user, &result, &ctx->err))
		goto done;
	/* The engine keeps client spellings ("False", a bare manager id):
	 * normalizing validates and coerces the result like a PUT body. */
	doc = resource_normalize(result.doc, ctx->schemas.user, &ctx->err);
	if (doc == NULL)
		goto done;
	ctx->ignored = json_incref(result.ignored);
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
	return handler_list(ctx, ctx->schemas.user);
}
