/*
 * handlers_bulk.c - POST /Bulk (RFC 7644 section 3.7).
 *
 * Each operation runs as a request of its own (router_run_operation), in a
 * transaction of its own: a failing operation changes nothing and stops
 * nothing, until failOnErrors operations have failed. The answer lists the
 * operations that ran, in request order, each with its status, location
 * and version, and the SCIM error body when it failed.
 *
 * bulkId references (3.7.2): "bulkId:X" as a string anywhere in an
 * operation's data, or as the id in its path, stands for the id of the
 * resource the POST with bulkId X created. Operations run in request order,
 * except that one waits until the resources it references exist. Groups
 * that are members of each other (circular references, 3.7.1) are created
 * without those members first; the members are added once all exist.
 */
#include "handlers.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "resource.h"

#define BULK_ID_PREFIX "bulkId:"

/* One operation of the request. */
struct bulk_op {
	char method[8];        /* upper case: POST, PUT, PATCH, DELETE */
	const char *bulk_id;   /* borrowed from the body; NULL when none */
	const char *version;   /* If-Match; NULL when none */
	const char *path;      /* as sent; bulkId references resolved when run */
	json_t *data;          /* own copy; members held back are removed */
	json_t *held;          /* group members held back to break a cycle */
	char id[64];           /* the resource the POST created */
	json_t *result;        /* the response's operation once it ran */
	bool done;             /* ran (or failed before it could) */
	bool ok;               /* ran with a 2xx status */
};

struct bulk {
	struct request_context *ctx;
	struct bulk_op *ops;
	size_t nops;
	json_t *index;         /* bulkId -> the index of its POST (integer) */
	long fail_on_errors;   /* 0: no limit */
	long errors;
};

/* The operation a bulkId names, or NULL. */
static struct bulk_op *bulk_target(const struct bulk *b, const char *ref)
{
	json_t *i = json_object_get(b->index, ref + strlen(BULK_ID_PREFIX));

	return i != NULL ? &b->ops[json_integer_value(i)] : NULL;
}

static bool is_reference(const char *s)
{
	return strncmp(s, BULK_ID_PREFIX, strlen(BULK_ID_PREFIX)) == 0;
}

/* The id segment of a path such as "/Groups/bulkId:x", or NULL. */
static const char *path_reference(const char *path)
{
	const char *slash = strchr(path + (*path == '/'), '/');

	return slash != NULL && is_reference(slash + 1) ? slash + 1 : NULL;
}

/* What stands in the way of a reference, worst last. */
enum ref_state {
	REF_RESOLVED,
	REF_PENDING,  /* its POST has not run yet */
	REF_FAILED,   /* its POST failed */
	REF_UNKNOWN,  /* no POST of the request has that bulkId */
};

static enum ref_state ref_state(const struct bulk *b, const char *ref)
{
	const struct bulk_op *target = bulk_target(b, ref);

	if (target == NULL)
		return REF_UNKNOWN;
	return target->ok ? REF_RESOLVED : target->done ? REF_FAILED : REF_PENDING;
}

/* The worst reference in `v` (the first of its kind), in *ref. */
static enum ref_state worst_reference(const struct bulk *b, const json_t *v, const char **ref)
{
	enum ref_state worst = REF_RESOLVED;
	enum ref_state state;
	const char *key;
	const char *r = NULL;
	json_t *item;
	size_t i;

	*ref = NULL;
	if (json_is_string(v) && is_reference(json_string_value(v))) {
		worst = ref_state(b, json_string_value(v));
		if (worst != REF_RESOLVED)
			*ref = json_string_value(v);
		return worst;
	}
	if (json_is_array(v)) {
		json_array_foreach(v, i, item) {
			state = worst_reference(b, item, &r);
			if (state > worst) {
				worst = state;
				*ref = r;
			}
		}
	} else if (json_is_object(v)) {
		json_object_foreach((json_t *)v, key, item) {
			state = worst_reference(b, item, &r);
			if (state > worst) {
				worst = state;
				*ref = r;
			}
		}
	}
	return worst;
}

/* The worst reference of an operation: in its path or its data. */
static enum ref_state op_references(const struct bulk *b, const struct bulk_op *op,
				    const char **ref)
{
	const char *path_ref = path_reference(op->path);
	enum ref_state worst = worst_reference(b, op->data, ref);
	enum ref_state state;

	if (path_ref != NULL && (state = ref_state(b, path_ref)) > worst) {
		worst = state;
		*ref = path_ref;
	}
	return worst;
}

/* The id a value stands for when it is a resolved reference, else NULL. */
static const char *resolved_id(const struct bulk *b, const json_t *v)
{
	const struct bulk_op *target;

	if (!json_is_string(v) || !is_reference(json_string_value(v)))
		return NULL;
	target = bulk_target(b, json_string_value(v));
	return target != NULL && target->ok ? target->id : NULL;
}

/* Replace every resolved reference in `v` by the id it stands for. */
static void resolve(const struct bulk *b, json_t *v)
{
	const char *key;
	const char *id;
	json_t *item;
	size_t i;

	if (json_is_array(v)) {
		json_array_foreach(v, i, item)
			if ((id = resolved_id(b, item)) != NULL)
				json_array_set_new(v, i, json_string(id));
			else
				resolve(b, item);
	} else if (json_is_object(v)) {
		json_object_foreach(v, key, item)
			if ((id = resolved_id(b, item)) != NULL)
				json_object_set_new(v, key, json_string(id));
			else
				resolve(b, item);
	}
}

/* Record the outcome of `op`: its entry in the response. */
static void op_finish(struct bulk *b, struct bulk_op *op, int status, const char *location,
		      const char *version, json_t *error_body)
{
	char text[8];

	snprintf(text, sizeof(text), "%d", status);
	json_decref(op->result);
	op->result = json_pack("{s:s}", "method", op->method);
	if (op->bulk_id != NULL)
		json_object_set_new(op->result, "bulkId", json_string(op->bulk_id));
	if (version != NULL && *version != '\0')
		json_object_set_new(op->result, "version", json_string(version));
	if (location != NULL)
		json_object_set_new(op->result, "location", json_string(location));
	/* RFC 7644 3.7.3 writes the status as a string. */
	json_object_set_new(op->result, "status", json_string(text));
	if (error_body != NULL)
		json_object_set(op->result, "response", error_body);
	if (!op->done && status >= 400)
		b->errors++;
	op->done = true;
	op->ok = status < 300;
}

/* An operation that cannot run: its error as the response would give it. */
static void op_fail(struct bulk *b, struct bulk_op *op, int status, const char *scim_type,
		    const char *detail)
{
	struct scim_error err;
	json_t *body;

	error_clear(&err);
	error_set(&err, status, scim_type, "Operations[%td]: %s", op - b->ops, detail);
	body = error_to_json(&err);
	op_finish(b, op, status, NULL, NULL, body);
	json_decref(body);
}

/* Run `method path data` for op (data may be NULL) and record it. */
static void op_run(struct bulk *b, struct bulk_op *op, const char *method, json_t *data)
{
	const struct request_context *ctx = b->ctx;
	struct http_request req = *ctx->req;
	struct http_response resp = { 0 };
	const char *ref = path_reference(op->path);
	char path[512];
	char *body = NULL;
	char *location = NULL;

	if (ref != NULL)
		snprintf(path, sizeof(path), "%.*s%s", (int)(ref - op->path), op->path,
			 bulk_target(b, ref)->id);
	else
		snprintf(path, sizeof(path), "%s", op->path);
	if (data != NULL) {
		resolve(b, data);
		body = json_dumps(data, JSON_COMPACT);
		if (body == NULL)
			abort();
	}
	/* The operation as a request of its own: no query, no conditions but
	 * its version. */
	req.method = (char *)method;
	req.path = path;
	req.body = body;
	req.body_len = body != NULL ? strlen(body) : 0;
	req.body_too_large = false;
	req.if_match = (char *)op->version;
	req.if_none_match = NULL;
	req.query = NULL;
	req.nquery = 0;
	req.query_invalid = false;
	router_run_operation(ctx, &req, &resp);

	if (resp.location != NULL)
		location = strdup(resp.location);
	else if (strcmp(op->method, "POST") != 0 && asprintf(&location, "%s%s", ctx->req->base_url,
							     path) < 0)
		location = NULL;
	if (strcmp(method, "POST") == 0 && resp.status == 201)
		snprintf(op->id, sizeof(op->id), "%s",
			 json_string_value(json_object_get(resp.body, "id")));
	op_finish(b, op, resp.status, location, resp.etag,
		  resp.status >= 400 ? resp.body : NULL);
	free(location);
	free(body);
	http_response_clear(&resp);
}

/*
 * Break a cycle: the first waiting POST of a group whose only waiting
 * references are among its members' values holds those members back and
 * can run. False when no operation can.
 */
static bool hold_back_members(struct bulk *b)
{
	size_t i;

	for (i = 0; i < b->nops; i++) {
		struct bulk_op *op = &b->ops[i];
		const char *key = NULL;
		json_t *members = NULL;
		json_t *kept;
		json_t *member;
		const char *ref;
		size_t j;

		json_object_foreach(op->data, key, members)
			if (strcasecmp(key, "members") == 0)
				break;

		if (op->done || strcmp(op->method, "POST") != 0 || !json_is_array(members) ||
		    strncasecmp(op->path, "/Groups", 7) != 0)
			continue;
		kept = json_array();
		op->held = json_array();
		json_array_foreach(members, j, member)
			json_array_append(worst_reference(b, member, &ref) == REF_PENDING
					  ? op->held : kept, member);
		json_object_set(op->data, key, kept);
		if (op_references(b, op, &ref) == REF_RESOLVED) {
			json_decref(kept);
			return true;
		}
		/* Its other attributes wait too: give the members back. */
		json_array_extend(kept, op->held);
		json_decref(kept);
		json_decref(op->held);
		op->held = NULL;
	}
	return false;
}

/* Add the members a group's POST held back, now that they exist. */
static void add_held_members(struct bulk *b, struct bulk_op *op)
{
	const char *created = json_string_value(json_object_get(op->result, "location"));
	char *location = created != NULL ? strdup(created) : NULL;
	const char *saved_path = op->path;
	char path[128];
	const char *ref;
	json_t *patch;

	snprintf(path, sizeof(path), "/Groups/%s", op->id);
	if (worst_reference(b, op->held, &ref) != REF_RESOLVED) {
		/* A member's own POST failed: the group stays without it. */
		op_fail(b, op, 409, NULL, "the group was created, but a member it references by "
			"bulkId could not be created");
		json_object_set_new(op->result, "location", json_string(location));
		free(location);
		return;
	}
	patch = json_pack("{s:[s], s:[{s:s, s:s, s:O}]}",
			  "schemas", SCHEMA_URN_PATCH_OP,
			  "Operations", "op", "add", "path", "members", "value", op->held);
	op->path = path;
	op->done = false;
	op_run(b, op, "PATCH", patch);
	op->path = saved_path;
	/* It answers for the POST: created, at its location, now this version. */
	if (op->ok) {
		json_object_set_new(op->result, "method", json_string("POST"));
		json_object_set_new(op->result, "status", json_string("201"));
	}
	json_object_set_new(op->result, "location", json_string(location));
	free(location);
	json_decref(patch);
}

/* Read and check the operations; false with ctx->err set. */
static bool bulk_read(struct bulk *b, const json_t *body)
{
	struct request_context *ctx = b->ctx;
	const json_t *operations = resource_get_ci(body, "Operations");
	const json_t *fail_on = resource_get_ci(body, "failOnErrors");
	const json_t *item;
	size_t i;

	if (!json_is_array(operations))
		return error_set(&ctx->err, 400, SCIM_INVALID_SYNTAX,
				 "a bulk request needs an \"Operations\" array");
	/* RFC 7644 3.7.4: past the advertised limit, 413. */
	if (json_array_size(operations) > BULK_MAX_OPERATIONS)
		return error_set(&ctx->err, 413, NULL,
				 "the bulk request has %zu operations; at most %d are accepted",
				 json_array_size(operations), BULK_MAX_OPERATIONS);
	if (fail_on != NULL && !json_is_null(fail_on)) {
		if (!json_is_integer(fail_on) || json_integer_value(fail_on) < 1)
			return error_set(&ctx->err, 400, SCIM_INVALID_VALUE,
					 "failOnErrors must be a positive integer");
		b->fail_on_errors = json_integer_value(fail_on) > BULK_MAX_OPERATIONS ?
				    BULK_MAX_OPERATIONS : (long)json_integer_value(fail_on);
	}
	b->nops = json_array_size(operations);
	b->ops = calloc(b->nops + 1, sizeof(*b->ops));
	if (b->ops == NULL)
		abort();
	b->index = json_object();
	json_array_foreach(operations, i, item) {
		struct bulk_op *op = &b->ops[i];
		const json_t *method = resource_get_ci(item, "method");
		const json_t *path = resource_get_ci(item, "path");
		const json_t *bulk_id = resource_get_ci(item, "bulkId");
		const json_t *version = resource_get_ci(item, "version");
		const json_t *data = resource_get_ci(item, "data");
		size_t k;

		if (!json_is_object(item))
			return error_set(&ctx->err, 400, SCIM_INVALID_SYNTAX,
					 "Operations[%zu] is not an object", i);
		if (!json_is_string(method) || json_string_length(method) >= sizeof(op->method))
			return error_set(&ctx->err, 400, SCIM_INVALID_SYNTAX,
					 "Operations[%zu] needs a \"method\"", i);
		for (k = 0; k < json_string_length(method); k++)
			op->method[k] = (char)toupper((unsigned char)json_string_value(method)[k]);
		if (!json_is_string(path) || json_string_value(path)[0] != '/' ||
		    json_string_length(path) > 300)
			return error_set(&ctx->err, 400, SCIM_INVALID_SYNTAX,
					 "Operations[%zu] needs a \"path\" such as \"/Users\"", i);
		op->path = json_string_value(path);
		if (version != NULL && !json_is_null(version) && !json_is_string(version))
			return error_set(&ctx->err, 400, SCIM_INVALID_SYNTAX,
					 "Operations[%zu]: \"version\" must be a string", i);
		op->version = json_string_value(version);
		if (data != NULL && !json_is_null(data)) {
			if (!json_is_object(data))
				return error_set(&ctx->err, 400, SCIM_INVALID_SYNTAX,
						 "Operations[%zu]: \"data\" must be an object", i);
			op->data = json_deep_copy(data);
		}
		if (bulk_id == NULL || json_is_null(bulk_id))
			continue;
		if (!json_is_string(bulk_id) || json_string_length(bulk_id) == 0)
			return error_set(&ctx->err, 400, SCIM_INVALID_SYNTAX,
					 "Operations[%zu]: \"bulkId\" must be a non-empty string", i);
		op->bulk_id = json_string_value(bulk_id);
		if (json_object_get(b->index, op->bulk_id) != NULL)
			return error_set(&ctx->err, 400, SCIM_INVALID_VALUE,
					 "Operations[%zu]: bulkId \"%s\" is already used by "
					 "Operations[%" JSON_INTEGER_FORMAT "]", i, op->bulk_id,
					 json_integer_value(json_object_get(b->index, op->bulk_id)));
		/* Only a POST creates what a bulkId can stand for. */
		if (strcmp(op->method, "POST") == 0)
			json_object_set_new(b->index, op->bulk_id, json_integer((json_int_t)i));
	}
	return true;
}

/* The operations in request order, waiting ones later, cycles broken. */
static void bulk_run(struct bulk *b)
{
	bool progress = true;
	size_t i;

	while (progress && (b->fail_on_errors == 0 || b->errors < b->fail_on_errors)) {
		progress = false;
		for (i = 0; i < b->nops; i++) {
			struct bulk_op *op = &b->ops[i];
			enum ref_state state;
			const char *ref;
			char detail[400];

			if (op->done)
				continue;
			if (b->fail_on_errors > 0 && b->errors >= b->fail_on_errors)
				break;
			state = op_references(b, op, &ref);
			if (state == REF_PENDING)
				continue; /* it waits for the resource it references */
			progress = true;
			if (state == REF_RESOLVED) {
				op_run(b, op, op->method, op->data);
			} else if (state == REF_UNKNOWN) {
				snprintf(detail, sizeof(detail),
					 "\"%.200s\" names no POST of this request", ref);
				op_fail(b, op, 400, SCIM_INVALID_VALUE, detail);
			} else {
				snprintf(detail, sizeof(detail),
					 "\"%.200s\" was not created: its operation failed", ref);
				op_fail(b, op, 409, NULL, detail);
			}
		}
		if (!progress)
			progress = hold_back_members(b);
	}
	/* What still waits references itself in a circle that members cannot
	 * break (RFC 7644 3.7.1 allows 409). */
	for (i = 0; i < b->nops; i++) {
		struct bulk_op *op = &b->ops[i];

		if (!op->done && (b->fail_on_errors == 0 || b->errors < b->fail_on_errors))
			op_fail(b, op, 409, NULL, "its bulkId references form a circle");
	}
	for (i = 0; i < b->nops; i++)
		if (b->ops[i].held != NULL && b->ops[i].ok)
			add_held_members(b, &b->ops[i]);
}

bool bulk_post(struct request_context *ctx)
{
	struct bulk b = { .ctx = ctx };
	json_t *body = handler_read_body(ctx);
	json_t *results;
	long failed = 0;
	size_t i;
	bool ok = false;

	if (body == NULL)
		return false;
	if (!bulk_read(&b, body))
		goto done;
	bulk_run(&b);
	results = json_array();
	for (i = 0; i < b.nops; i++) {
		if (b.ops[i].result == NULL)
			continue; /* not run: failOnErrors was reached */
		json_array_append(results, b.ops[i].result);
		failed += !b.ops[i].ok;
	}
	log_msg(LOG_INFO, "bulk: %zu operations, %zu run, %ld failed", b.nops,
		json_array_size(results), failed);
	ctx->resp->status = 200;
	ctx->resp->body = json_pack("{s:[s], s:o}",
				    "schemas", "urn:ietf:params:scim:api:messages:2.0:BulkResponse",
				    "Operations", results);
	ok = true;
done:
	for (i = 0; i < b.nops; i++) {
		json_decref(b.ops[i].data);
		json_decref(b.ops[i].held);
		json_decref(b.ops[i].result);
	}
	free(b.ops);
	json_decref(b.index);
	json_decref(body);
	return ok;
}
