/*
 * handlers_groups.c - /Groups (RFC 7644 section 3) with members in their own
 * table: a membership change costs work in proportion to the members named
 * (SCIM-NOTES section 1: Entra adds and removes members in batches on every
 * cycle), and a group's members are streamed, never held in memory whole.
 */
#include "handlers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "patch.h"
#include "resource.h"

static bool wants_members(const struct request_context *ctx)
{
	return resource_projection_wants(&resource_type_group,
					 http_query_get(ctx->req, "attributes"),
					 http_query_get(ctx->req, "excludedAttributes"),
					 "members");
}

/* One member as the client sees it: value, $ref, type, display. */
static json_t *member_json(const char *base_url, const char *id, const char *type,
			   const char *display)
{
	char ref[1024];

	snprintf(ref, sizeof(ref), "%s/%s/%s", base_url,
		 strcmp(type, "Group") == 0 ? "Groups" : "Users", id);
	return json_pack("{s:s, s:s, s:s, s:s?}", "value", id, "$ref", ref,
			 "type", type, "display", display);
}

/* The members of one group, written as a JSON array row by row. */
struct member_stream {
	struct store *store;
	char tenant_id[37];
	char group_id[37];
	char *base_url;
	http_write_fn write;
	void *out;
	bool first;
};

static void stream_member(void *arg, const char *id, const char *type, const char *display)
{
	struct member_stream *ms = arg;
	json_t *member = member_json(ms->base_url, id, type, display);
	char *text = json_dumps(member, JSON_COMPACT);

	if (text != NULL) {
		if (!ms->first)
			ms->write(ms->out, ",", 1);
		ms->write(ms->out, text, strlen(text));
		ms->first = false;
	}
	free(text);
	json_decref(member);
}

static bool produce_members(void *arg, http_write_fn write, void *out)
{
	struct member_stream *ms = arg;
	struct scim_error err = { 0 };

	ms->write = write;
	ms->out = out;
	ms->first = true;
	write(out, "[", 1);
	if (!store_group_members_each(ms->store, ms->tenant_id, ms->group_id, stream_member,
				      ms, &err))
		return false; /* the array stays open: the client sees broken JSON */
	write(out, "]", 1);
	return true;
}

static void release_members(void *arg)
{
	struct member_stream *ms = arg;

	free(ms->base_url);
	free(ms);
}

/* Answer with one group; its members follow the body as a stream. */
static bool respond_group(struct request_context *ctx, int status,
			  const struct stored_resource *row)
{
	struct member_stream *ms;

	if (!handler_respond(ctx, &resource_type_group, status, row, NULL))
		return false;
	if (!wants_members(ctx))
		return true;
	ms = calloc(1, sizeof(*ms));
	if (ms == NULL)
		abort();
	ms->store = ctx->store;
	snprintf(ms->tenant_id, sizeof(ms->tenant_id), "%s", ctx->tenant.id);
	snprintf(ms->group_id, sizeof(ms->group_id), "%s", row->id);
	ms->base_url = strdup(ctx->req->base_url);
	if (ms->base_url == NULL)
		abort();
	ctx->resp->stream.key = "members";
	ctx->resp->stream.produce = produce_members;
	ctx->resp->stream.arg = ms;
	ctx->resp->stream.release = release_members;
	return true;
}

/* Lists carry each group's members in the body (Entra asks lists without
 * them: excludedAttributes=members). */
struct member_list {
	json_t *members;
	const char *base_url;
};

static void list_member(void *arg, const char *id, const char *type, const char *display)
{
	struct member_list *ml = arg;

	json_array_append_new(ml->members, member_json(ml->base_url, id, type, display));
}

static bool decorate_groups(struct request_context *ctx, json_t *resources)
{
	struct member_list ml = { .base_url = ctx->req->base_url };
	json_t *resource;
	size_t i;

	if (!wants_members(ctx))
		return true;
	json_array_foreach(resources, i, resource) {
		json_t *meta = json_incref(json_object_get(resource, "meta"));

		ml.members = json_array();
		if (!store_group_members_each(ctx->store, ctx->tenant.id,
					      json_string_value(json_object_get(resource, "id")),
					      list_member, &ml, &ctx->err)) {
			json_decref(ml.members);
			json_decref(meta);
			return false;
		}
		json_object_del(resource, "meta");
		json_object_set_new(resource, "members", ml.members);
		json_object_set_new(resource, "meta", meta);
	}
	return true;
}

bool groups_list(struct request_context *ctx)
{
	return handler_list(ctx, &resource_type_group, "groups", decorate_groups);
}

bool groups_get(struct request_context *ctx)
{
	struct stored_resource row = { 0 };
	bool ok = true;

	if (!store_group_get(ctx->store, ctx->tenant.id, ctx->resource_id, false, &row, &ctx->err))
		return false;
	if (ctx->req->if_none_match != NULL &&
	    handler_etag_matches(ctx->req->if_none_match, row.version)) {
		ctx->resp->status = 304;
		resource_version_tag(row.version, ctx->resp->etag);
	} else {
		ok = respond_group(ctx, 200, &row);
	}
	stored_resource_clear(&row);
	return ok;
}

/* The members of a POST or PUT body, validated; new reference. */
static json_t *body_members(struct request_context *ctx, const json_t *body)
{
	return resource_normalize_attribute(body, &resource_type_group, "members", &ctx->err);
}

bool groups_create(struct request_context *ctx)
{
	struct stored_resource row = { 0 };
	json_t *body;
	json_t *doc = NULL;
	json_t *members = NULL;
	long long added;
	bool ok = false;

	body = handler_read_body(ctx);
	if (body == NULL)
		return false;
	doc = resource_normalize(body, &resource_type_group, &ctx->err);
	if (doc == NULL)
		goto done;
	members = body_members(ctx, body);
	if (members == NULL)
		goto done;
	if (!store_group_insert(ctx->store, ctx->tenant.id, doc, &row, &ctx->err) ||
	    !store_group_members_add(ctx->store, ctx->tenant.id, row.id, members, &added,
				     &ctx->err))
		goto done;
	log_msg(LOG_INFO, "created group %s with %lld members", row.id, added);
	ok = respond_group(ctx, 201, &row);
done:
	stored_resource_clear(&row);
	json_decref(members);
	json_decref(doc);
	json_decref(body);
	return ok;
}

/*
 * Store `doc` when it differs from the current one; otherwise, when members
 * changed, give the group a new version and lastModified (RFC 7644 3.14: the
 * version changes with the resource, members included). `row` receives the
 * group as it now is.
 */
static bool save_group(struct request_context *ctx, struct stored_resource *current,
		       const json_t *doc, bool members_changed, struct stored_resource *row)
{
	if (!json_equal(doc, current->doc))
		return store_group_update(ctx->store, ctx->tenant.id, current->id, doc, row,
					  &ctx->err);
	if (members_changed)
		return store_group_touch(ctx->store, ctx->tenant.id, current->id, row, &ctx->err);
	*row = *current;
	row->doc = json_incref(current->doc);
	return true;
}

/* Make the members exactly `members` (PUT, PATCH replace): drop the others,
 * add the missing. */
static bool replace_members(struct request_context *ctx, const char *group_id,
			    const json_t *members, long long *changed)
{
	long long removed;
	long long added;

	if (!store_group_members_keep_only(ctx->store, ctx->tenant.id, group_id, members,
					   &removed, &ctx->err) ||
	    !store_group_members_add(ctx->store, ctx->tenant.id, group_id, members, &added,
				     &ctx->err))
		return false;
	*changed += removed + added;
	return true;
}

bool groups_replace(struct request_context *ctx)
{
	struct stored_resource current = { 0 };
	struct stored_resource row = { 0 };
	json_t *body = NULL;
	json_t *doc = NULL;
	json_t *members = NULL;
	long long changed = 0;
	bool ok = false;

	if (!store_group_get(ctx->store, ctx->tenant.id, ctx->resource_id, true, &current,
			     &ctx->err))
		return false;
	if (!handler_check_if_match(ctx, current.version))
		goto done;
	body = handler_read_body(ctx);
	if (body == NULL)
		goto done;
	doc = resource_normalize(body, &resource_type_group, &ctx->err);
	if (doc == NULL)
		goto done;
	members = body_members(ctx, body);
	if (members == NULL || !replace_members(ctx, current.id, members, &changed) ||
	    !save_group(ctx, &current, doc, changed > 0, &row))
		goto done;
	ok = respond_group(ctx, 200, &row);
done:
	stored_resource_clear(&row);
	stored_resource_clear(&current);
	json_decref(members);
	json_decref(doc);
	json_decref(body);
	return ok;
}

/*
 * Okta renames a group with a pathless replace that carries the group's own
 * id: accept it when it is this group's id, refuse it otherwise.
 */
static bool check_patch_ids(struct request_context *ctx, const json_t *body)
{
	const json_t *operations = json_object_get(body, "Operations");
	const json_t *op;
	const char *key;
	json_t *value;
	size_t i;

	json_array_foreach(operations, i, op) {
		if (json_object_get(op, "path") != NULL || !json_is_object(json_object_get(op, "value")))
			continue;
		json_object_foreach(json_object_get(op, "value"), key, value) {
			if (strcasecmp(key, "id") != 0)
				continue;
			if (!json_is_string(value) ||
			    strcasecmp(json_string_value(value), ctx->resource_id) != 0)
				return error_set(&ctx->err, 400, SCIM_MUTABILITY,
						 "Operations[%zu]: id is read-only and cannot be changed", i);
		}
	}
	return true;
}

/* Apply the engine's membership changes in request order. */
static bool apply_member_changes(struct request_context *ctx, const char *group_id,
				 const json_t *changes, long long *changed)
{
	const json_t *change;
	const json_t *values;
	const char *op;
	long long n;
	size_t i;

	json_array_foreach(changes, i, change) {
		op = json_string_value(json_object_get(change, "op"));
		values = json_object_get(change, "values");
		n = 0;
		if (strcmp(op, "add") == 0) {
			if (!store_group_members_add(ctx->store, ctx->tenant.id, group_id, values,
						     &n, &ctx->err))
				return false;
		} else if (strcmp(op, "remove") == 0) {
			if (!store_group_members_remove(ctx->store, ctx->tenant.id, group_id,
							values, &n, &ctx->err))
				return false;
		} else if (strcmp(op, "replace") == 0) {
			if (!replace_members(ctx, group_id, values, &n))
				return false;
		}
		*changed += n;
	}
	return true;
}

bool groups_patch(struct request_context *ctx)
{
	struct stored_resource current = { 0 };
	struct stored_resource row = { 0 };
	struct patch_result result = { 0 };
	const char *attributes = http_query_get(ctx->req, "attributes");
	const char *excluded = http_query_get(ctx->req, "excludedAttributes");
	json_t *body = NULL;
	json_t *doc = NULL;
	long long changed = 0;
	bool ok = false;

	if (!store_group_get(ctx->store, ctx->tenant.id, ctx->resource_id, true, &current,
			     &ctx->err))
		return false;
	if (!handler_check_if_match(ctx, current.version))
		goto done;
	body = handler_read_body(ctx);
	if (body == NULL || !check_patch_ids(ctx, body) ||
	    !patch_apply(current.doc, body, &resource_type_group, &result, &ctx->err))
		goto done;
	doc = resource_normalize(result.doc, &resource_type_group, &ctx->err);
	if (doc == NULL ||
	    !apply_member_changes(ctx, current.id, result.member_changes, &changed) ||
	    !save_group(ctx, &current, doc, changed > 0, &row))
		goto done;
	if (row.version != current.version)
		log_msg(LOG_INFO, "updated group %s to version %lld (%lld membership changes)",
			row.id, row.version, changed);
	/* Entra expects 204; the resource only when the client asks for parts. */
	if ((attributes != NULL && *attributes) || (excluded != NULL && *excluded)) {
		ok = respond_group(ctx, 200, &row);
	} else {
		ctx->resp->status = 204;
		resource_version_tag(row.version, ctx->resp->etag);
		ok = true;
	}
done:
	patch_result_clear(&result);
	stored_resource_clear(&row);
	stored_resource_clear(&current);
	json_decref(doc);
	json_decref(body);
	return ok;
}

bool groups_delete(struct request_context *ctx)
{
	struct stored_resource current = { 0 };
	bool ok;

	if (ctx->req->if_match != NULL) {
		if (!store_group_get(ctx->store, ctx->tenant.id, ctx->resource_id, true,
				     &current, &ctx->err))
			return false;
		ok = handler_check_if_match(ctx, current.version);
		stored_resource_clear(&current);
		if (!ok)
			return false;
	}
	if (!store_group_delete(ctx->store, ctx->tenant.id, ctx->resource_id, &ctx->err))
		return false;
	log_msg(LOG_INFO, "deleted group %s", ctx->resource_id);
	ctx->resp->status = 204;
	return true;
}
