/*
 * handlers_groups.c - /Groups (RFC 7644 section 3) with members in their own
 * table: a membership change costs work in proportion to the members named
 * (Entra adds and removes members in batches on every provisioning
 * cycle), and a group's members are streamed into the response as they
 * are read, never held in memory whole (http_send_streamed()).
 */
#include "handlers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "patch.h"
#include "resource.h"

/* Which parts of each member the request wants (attributes /
 * excludedAttributes may name members or its sub-attributes). */
enum member_field {
	MEMBER_VALUE = 1,
	MEMBER_REF = 2,
	MEMBER_TYPE = 4,
	MEMBER_DISPLAY = 8,
};

/* 0 when members are not wanted at all. The projection of a sample group
 * says it, so that members follow exactly the rules of every attribute. */
static unsigned member_fields(const struct request_context *ctx)
{
	json_t *sample = json_pack("{s:[], s:s, s:[{s:s, s:s, s:s, s:s}]}",
				   "schemas", "id", "x", "members",
				   "value", "v", "$ref", "r", "type", "t", "display", "d");
	json_t *member;
	unsigned fields = 0;

	resource_project(sample, ctx->schemas.group, http_query_get(ctx->req, "attributes"),
			 http_query_get(ctx->req, "excludedAttributes"));
	member = json_array_get(json_object_get(sample, "members"), 0);
	if (member != NULL) {
		fields |= json_object_get(member, "value") ? MEMBER_VALUE : 0;
		fields |= json_object_get(member, "$ref") ? MEMBER_REF : 0;
		fields |= json_object_get(member, "type") ? MEMBER_TYPE : 0;
		fields |= json_object_get(member, "display") ? MEMBER_DISPLAY : 0;
	}
	json_decref(sample);
	return fields;
}

/* Members of one group written as a JSON array, row by row: a group of any
 * size costs one row of memory. */
struct member_writer {
	const char *base_url;
	unsigned fields;
	http_write_fn write;
	void *out;
	bool first;
};

/* One member as the request wants it: value, $ref, type, display. */
static json_t *member_object(const struct member_writer *mw, const char *id, const char *type,
			     const char *display)
{
	json_t *member = json_object();
	char ref[1024];

	if (mw->fields & MEMBER_VALUE)
		json_object_set_new(member, "value", json_string(id));
	if (mw->fields & MEMBER_REF) {
		snprintf(ref, sizeof(ref), "%s/%s/%s", mw->base_url,
			 strcmp(type, "Group") == 0 ? "Groups" : "Users", id);
		json_object_set_new(member, "$ref", json_string(ref));
	}
	if (mw->fields & MEMBER_TYPE)
		json_object_set_new(member, "type", json_string(type));
	if ((mw->fields & MEMBER_DISPLAY) && display != NULL)
		json_object_set_new(member, "display", json_string(display));
	return member;
}

static void write_member(void *arg, const char *id, const char *type, const char *display)
{
	struct member_writer *mw = arg;
	json_t *member = member_object(mw, id, type, display);
	char *text = json_dumps(member, JSON_COMPACT);

	if (text != NULL) {
		if (!mw->first)
			mw->write(mw->out, ",", 1);
		mw->write(mw->out, text, strlen(text));
		mw->first = false;
	}
	free(text);
	json_decref(member);
}

/* What a stream needs after the handler has returned. */
struct group_stream {
	struct store *store;
	char tenant_id[37];
	char *base_url;
	unsigned fields;
	char group_id[37]; /* one group: its members */
	json_t *groups;    /* a list: the rendered groups, members to add */
	json_t *before;    /* a list: resources written before the groups */
	struct scim_error err; /* why the members could not be read */
};

static bool write_members(struct group_stream *gs, const char *group_id,
			  http_write_fn write, void *out)
{
	struct member_writer mw = { gs->base_url, gs->fields, write, out, true };

	write(out, "[", 1);
	if (!store_group_members_each(gs->store, gs->tenant_id, group_id, write_member, &mw,
				      &gs->err))
		return false; /* the array stays open: the client sees broken JSON */
	write(out, "]", 1);
	return true;
}

static bool produce_members(void *arg, http_write_fn write, void *out)
{
	struct group_stream *gs = arg;

	return write_members(gs, gs->group_id, write, out);
}

/* A list's Resources: the resources before the groups as they are, then
 * each group's JSON with its members streamed into it. */
static bool produce_groups(void *arg, http_write_fn write, void *out)
{
	struct group_stream *gs = arg;
	size_t nbefore = json_array_size(gs->before);
	size_t n = nbefore + json_array_size(gs->groups);
	size_t i;

	write(out, "[", 1);
	for (i = 0; i < n; i++) {
		json_t *resource = i < nbefore ? json_array_get(gs->before, i)
					       : json_array_get(gs->groups, i - nbefore);
		char *text = json_dumps(resource, JSON_COMPACT);
		size_t len;

		if (text == NULL)
			return false;
		len = strlen(text);
		if (i > 0)
			write(out, ",", 1);
		if (i < nbefore) {
			write(out, text, len);
			free(text);
			continue;
		}
		write(out, text, len - 1); /* without its closing brace */
		free(text);
		write(out, ",\"members\":", 11);
		if (!write_members(gs, json_string_value(json_object_get(resource, "id")), write,
				   out))
			return false;
		write(out, "}", 1);
	}
	write(out, "]", 1);
	return true;
}

static void release_stream(void *arg)
{
	struct group_stream *gs = arg;

	json_decref(gs->groups);
	json_decref(gs->before);
	free(gs->base_url);
	free(gs);
}

static struct group_stream *stream_start(struct request_context *ctx, const char *key,
					 bool (*produce)(void *, http_write_fn, void *))
{
	struct group_stream *gs = calloc(1, sizeof(*gs));

	if (gs == NULL)
		abort();
	gs->store = ctx->store;
	snprintf(gs->tenant_id, sizeof(gs->tenant_id), "%s", ctx->tenant.id);
	gs->base_url = strdup(ctx->req->base_url);
	if (gs->base_url == NULL)
		abort();
	gs->fields = member_fields(ctx);
	ctx->resp->stream.key = key;
	ctx->resp->stream.produce = produce;
	ctx->resp->stream.arg = gs;
	ctx->resp->stream.release = release_stream;
	ctx->resp->stream.error = &gs->err;
	return gs;
}

/* Answer with one group; its members follow the body as a stream. */
static bool respond_group(struct request_context *ctx, int status,
			  const struct stored_resource *row)
{
	struct group_stream *gs;

	if (!handler_respond(ctx, ctx->schemas.group, status, row))
		return false;
	if (member_fields(ctx) == 0)
		return true;
	gs = stream_start(ctx, "members", produce_members);
	ctx->resp->stream.after_write = strcmp(ctx->req->method, "GET") != 0;
	snprintf(gs->group_id, sizeof(gs->group_id), "%s", row->id);
	return true;
}

/* Lists stream their Resources when members are wanted (Entra asks for
 * lists without them: excludedAttributes=members). */
bool groups_list(struct request_context *ctx)
{
	struct group_stream *gs;

	if (!handler_list(ctx, ctx->schemas.group))
		return false;
	if (member_fields(ctx) == 0)
		return true;
	gs = stream_start(ctx, "Resources", produce_groups);
	gs->groups = json_incref(json_object_get(ctx->resp->body, "Resources"));
	json_object_del(ctx->resp->body, "Resources");
	return true;
}

bool groups_stream_prepend(struct request_context *ctx, json_t *resources)
{
	struct group_stream *gs = ctx->resp->stream.arg;

	if (ctx->resp->stream.produce != produce_groups)
		return false;
	json_decref(gs->before);
	gs->before = json_incref(resources);
	return true;
}

bool groups_get(struct request_context *ctx)
{
	struct stored_resource row = { 0 };
	bool ok = true;

	if (!store_group_get(ctx->store, ctx->tenant.id, ctx->resource_id, false, &row, &ctx->err))
		return false;
	if (!handler_not_modified(ctx, row.version))
		ok = respond_group(ctx, 200, &row);
	stored_resource_clear(&row);
	return ok;
}

/* The members of a POST or PUT body, validated; new reference. */
static json_t *body_members(struct request_context *ctx, const json_t *body)
{
	return resource_normalize_attribute(body, ctx->schemas.group, "members", &ctx->err);
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
	doc = resource_normalize(body, ctx->schemas.group, &ctx->err);
	if (doc == NULL || !resource_required_extensions(doc, ctx->schemas.group, &ctx->err))
		goto done;
	ctx->ignored = resource_ignored(body, ctx->schemas.group);
	members = body_members(ctx, body);
	if (members == NULL)
		goto done;
	if (!store_group_insert(ctx->store, ctx->tenant.id, doc, &row, &ctx->err) ||
	    !store_group_members_add(ctx->store, ctx->tenant.id, row.id, members, &added,
				     &ctx->err))
		goto done;
	handler_audit(ctx, row.id, NULL, doc, added, 0);
	log_msg(ctx->log, LOG_INFO, "created group %s with %lld members", row.id, added);
	ok = respond_group(ctx, 201, &row);
done:
	stored_resource_clear(&row);
	json_decref(members);
	json_decref(doc);
	json_decref(body);
	return ok;
}

/* Members a write added and removed. */
struct member_counts {
	long long added;
	long long removed;
};

/*
 * Store `doc` when it differs from the current one; otherwise, when members
 * changed, give the group a new version and lastModified (RFC 7644 3.14: the
 * version changes with the resource, members included). `row` receives the
 * group as it now is.
 */
static bool save_group(struct request_context *ctx, struct stored_resource *current,
		       json_t *doc, const struct member_counts *counts,
		       struct stored_resource *row)
{
	if (!resource_keep_immutable(current->doc, doc, ctx->schemas.group, &ctx->err))
		return false;
	handler_audit(ctx, current->id, current->doc, doc, counts->added, counts->removed);
	/* The group's write is the last statement: COMMIT goes with it. */
	store_commit_with_next(ctx->store);
	if (!json_equal(doc, current->doc))
		return store_group_update(ctx->store, ctx->tenant.id, current->id, doc, row,
					  &ctx->err);
	if (counts->added + counts->removed > 0)
		return store_group_touch(ctx->store, ctx->tenant.id, current->id, row, &ctx->err);
	*row = *current;
	row->doc = json_incref(current->doc);
	row->sort_key = NULL;
	return true;
}

/* Make the members exactly `members` (PUT, PATCH replace): drop the others,
 * add the missing. */
static bool replace_members(struct request_context *ctx, const char *group_id,
			    const json_t *members, struct member_counts *counts)
{
	long long removed;
	long long added;

	if (!store_group_members_keep_only(ctx->store, ctx->tenant.id, group_id, members,
					   &removed, &ctx->err) ||
	    !store_group_members_add(ctx->store, ctx->tenant.id, group_id, members, &added,
				     &ctx->err))
		return false;
	counts->added += added;
	counts->removed += removed;
	return true;
}

bool groups_replace(struct request_context *ctx)
{
	struct stored_resource current = { 0 };
	struct stored_resource row = { 0 };
	json_t *body = NULL;
	json_t *doc = NULL;
	json_t *members = NULL;
	struct member_counts counts = { 0 };
	bool ok = false;

	body = handler_begin_write(ctx, store_group_get, &current);
	if (body == NULL)
		goto done;
	doc = resource_normalize(body, ctx->schemas.group, &ctx->err);
	if (doc == NULL || !resource_required_extensions(doc, ctx->schemas.group, &ctx->err))
		goto done;
	ctx->ignored = resource_ignored(body, ctx->schemas.group);
	members = body_members(ctx, body);
	if (members == NULL || !replace_members(ctx, current.id, members, &counts) ||
	    !save_group(ctx, &current, doc, &counts, &row))
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
	const json_t *operations = NULL;
	const json_t *op;
	const char *key;
	json_t *value;
	size_t i;

	json_object_foreach((json_t *)body, key, value)
		if (strcasecmp(key, "Operations") == 0)
			operations = value;
	json_array_foreach(operations, i, op) {
		const json_t *path = NULL;
		const json_t *op_value = NULL;
		const char *k;
		json_t *v;

		json_object_foreach((json_t *)op, k, v) {
			if (strcasecmp(k, "path") == 0)
				path = v;
			else if (strcasecmp(k, "value") == 0)
				op_value = v;
		}
		/* A null or empty path is no path (Okta). */
		if ((json_is_string(path) && json_string_length(path) > 0) ||
		    !json_is_object(op_value))
			continue;
		json_object_foreach((json_t *)op_value, key, value) {
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
				 const json_t *changes, struct member_counts *counts)
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
			counts->added += n;
		} else if (strcmp(op, "remove") == 0) {
			if (!store_group_members_remove(ctx->store, ctx->tenant.id, group_id,
							values, &n, &ctx->err))
				return false;
			counts->removed += n;
		} else if (strcmp(op, "replace") == 0) {
			if (!replace_members(ctx, group_id, values, counts))
				return false;
		}
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
	struct member_counts counts = { 0 };
	bool ok = false;

	body = handler_begin_write(ctx, store_group_get, &current);
	if (body == NULL || !check_patch_ids(ctx, body) ||
	    !patch_apply(current.doc, body, ctx->schemas.group, &result, &ctx->err))
		goto done;
	doc = resource_normalize(result.doc, ctx->schemas.group, &ctx->err);
	ctx->ignored = json_incref(result.ignored);
	if (doc == NULL ||
	    !apply_member_changes(ctx, current.id, result.member_changes, &counts))
		goto done;
	/* Entra expects 204; the resource only when the client asks for parts. */
	if ((attributes == NULL || !*attributes) && (excluded == NULL || !*excluded))
		ctx->audit.status = 204;
	if (!save_group(ctx, &current, doc, &counts, &row))
		goto done;
	if (row.version != current.version)
		log_msg(ctx->log, LOG_INFO, "updated group %s to version %lld (%lld membership changes)",
			row.id, row.version, counts.added + counts.removed);
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
	return handler_delete(ctx, store_group_get, store_group_delete, "group");
}
