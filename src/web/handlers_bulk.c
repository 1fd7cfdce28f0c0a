/*
 * handlers_bulk.c - POST /Bulk (RFC 7644 section 3.7).
 *
 * Each operation runs as a request of its own (ctx->run_operation), in a
 * transaction of its own: a failing operation changes nothing and stops
 * nothing, until failOnErrors operations have failed. The answer lists the
 * operations that ran, in request order, each with its status, location
 * and version, and the SCIM error body when it failed.
 *
 * bulkId references (3.7.2): "bulkId:X" as a "value" (a member's, the
 * manager's, a PATCH operation's) in an operation's data, or as the id in
 * its path, stands for the id of the resource the POST with bulkId X
 * created. Operations run in request order, except that one waits until
 * what it references exists; the references are read once, so the order
 * costs time in proportion to the request. Groups that are members of each
 * other (circular references, 3.7.1) are created without those members,
 * which are added as soon as they exist; if that fails the group is deleted
 * again and its POST fails.
 */
#include "handlers.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "resource.h"

#define BULK_ID_PREFIX "bulkId:"

/* How an operation references a bulkId (bits). */
enum ref_kind {
	REF_MEMBER = 1, /* a member of the group the operation creates */
	REF_DATA = 2,   /* any other value */
	REF_PATH = 4,   /* the resource the operation acts on */
};

enum op_state {
	OP_WAITING,  /* for the resources it references */
	OP_HOLDING,  /* a group created without the members it waits for */
	OP_DONE,
};

/* One operation of the request. */
struct bulk_op {
	char method[8];        /* upper case: POST, PUT, PATCH, DELETE */
	const char *bulk_id;   /* borrowed from the body; NULL when none */
	const char *version;   /* If-Match; NULL when none */
	const char *path;      /* as sent; bulkId references resolved when run */
	json_t *data;          /* own copy; members held back are removed */
	json_t *refs;          /* bulkId -> enum ref_kind bits */
	json_t *held;          /* the members held back (OP_HOLDING) */
	int waiting;           /* references not yet resolved */
	const char *invalid;   /* why it cannot run (400), or NULL */
	const char *invalid_type; /* its scimType */
	enum op_state state;
	bool ok;               /* done with a 2xx status */
	char id[64];           /* the resource the POST created */
	json_t *result;        /* the response's operation once it ran */
};

struct bulk {
	struct request_context *ctx;
	struct bulk_op *ops;
	size_t nops;
	json_t *index;         /* bulkId -> the index of its POST */
	json_t *waiters;       /* bulkId -> [index * 2 + (1 when it needs the
				* resource complete, held members added)] */
	long fail_on_errors;   /* 0: no limit */
	long errors;
};

static bool is_reference(const json_t *v)
{
	return json_is_string(v) &&
	       strncmp(json_string_value(v), BULK_ID_PREFIX, strlen(BULK_ID_PREFIX)) == 0;
}

static const char *ref_name(const char *ref)
{
	return ref + strlen(BULK_ID_PREFIX);
}

/* The operation a bulkId names, or NULL. */
static struct bulk_op *bulk_target(const struct bulk *b, const char *name)
{
	json_t *i = json_object_get(b->index, name);

	return i != NULL ? &b->ops[json_integer_value(i)] : NULL;
}

/* The id segment of a path such as "/Groups/bulkId:x", or NULL. */
static const char *path_reference(const char *path)
{
	const char *slash = strchr(path + (*path == '/'), '/');

	return slash != NULL && strncmp(slash + 1, BULK_ID_PREFIX,
					strlen(BULK_ID_PREFIX)) == 0 ? slash + 1 : NULL;
}

/* Does this request stop here (failOnErrors reached)? */
static bool stopped(const struct bulk *b)
{
	return b->fail_on_errors > 0 && b->errors >= b->fail_on_errors;
}

/* ---- references ---- */

static void add_ref(struct bulk_op *op, const char *name, int kind)
{
	json_t *have = json_object_get(op->refs, name);

	json_object_set_new(op->refs, name,
			    json_integer(kind | (have != NULL ? json_integer_value(have) : 0)));
}

/*
 * Collect the references in `v`: strings that are a "value" (or in an
 * array that is one); `kind` says where v is.
 */
static void collect_refs(struct bulk_op *op, const json_t *v, bool is_value, int kind)
{
	const char *key;
	json_t *item;
	size_t i;

	if (is_value && is_reference(v)) {
		add_ref(op, ref_name(json_string_value(v)), kind);
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, item)
			collect_refs(op, item, is_value, kind);
	} else if (json_is_object(v)) {
		json_object_foreach((json_t *)v, key, item)
			collect_refs(op, item, strcasecmp(key, "value") == 0, kind);
	}
}

/* The members of a group's POST, where waiting references can be held
 * back; NULL for other operations. */
static json_t *post_members(const struct bulk_op *op, const char **key_out)
{
	const char *key;
	json_t *members;

	if (strcmp(op->method, "POST") != 0 || strncasecmp(op->path, "/Groups", 7) != 0 ||
	    (op->path[7] != '\0' && strcmp(op->path + 7, "/") != 0))
		return NULL;
	json_object_foreach(op->data, key, members) {
		if (strcasecmp(key, "members") == 0 && json_is_array(members)) {
			if (key_out != NULL)
				*key_out = key;
			return members;
		}
	}
	return NULL;
}

static void op_refs(struct bulk_op *op)
{
	json_t *members = post_members(op, NULL);
	const char *path_ref = path_reference(op->path);
	const char *key;
	json_t *member;
	json_t *item;
	size_t i;

	op->refs = json_object();
	if (path_ref != NULL)
		add_ref(op, ref_name(path_ref), REF_PATH);
	json_object_foreach(op->data, key, item)
		if (item != members)
			collect_refs(op, item, strcasecmp(key, "value") == 0, REF_DATA);
	/* A member's own value can be held back (hold_back_members()); a
	 * reference anywhere else in a member is data, which cannot. */
	json_array_foreach(members, i, member) {
		const json_t *value = resource_get_ci(member, "value");

		if (!json_is_object(member))
			collect_refs(op, member, false, REF_DATA);
		json_object_foreach(member, key, item) {
			if (item == value && is_reference(item))
				add_ref(op, ref_name(json_string_value(item)), REF_MEMBER);
			else
				collect_refs(op, item, strcasecmp(key, "value") == 0, REF_DATA);
		}
	}
}

/* The id a reference stands for once its resource exists, else NULL. */
static const char *created_id(const struct bulk *b, const json_t *v)
{
	const struct bulk_op *t = is_reference(v) ?
		bulk_target(b, ref_name(json_string_value(v))) : NULL;

	return t != NULL && t->id[0] != '\0' ? t->id : NULL;
}

/* Replace every reference to a created resource in `v` (where
 * collect_refs() finds them) by its id. */
static void resolve(const struct bulk *b, json_t *v, bool is_value)
{
	const char *key;
	const char *id;
	json_t *item;
	size_t i;

	if (json_is_array(v)) {
		json_array_foreach(v, i, item)
			if (is_value && (id = created_id(b, item)) != NULL)
				json_array_set_new(v, i, json_string(id));
			else
				resolve(b, item, is_value);
	} else if (json_is_object(v)) {
		json_object_foreach(v, key, item) {
			bool value = strcasecmp(key, "value") == 0;

			if (value && (id = created_id(b, item)) != NULL)
				json_object_set_new(v, key, json_string(id));
			else
				resolve(b, item, value);
		}
	}
}

/* ---- outcomes ---- */

/* What became of an operation others wait for. */
enum news {
	NEWS_CREATED,  /* its resource exists */
	NEWS_COMPLETE, /* with all its members */
	NEWS_FAILED,
};

static void notify(struct bulk *b, const struct bulk_op *target, enum news news);
static void abandon_for_members(struct bulk *b, struct bulk_op *op);

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
	op->state = OP_DONE;
	op->ok = status < 300;
	if (!op->ok) {
		b->errors++;
		notify(b, op, NEWS_FAILED);
	}
}

/* An operation that cannot run: its error as a request would get it. */
static void __attribute__((format(printf, 5, 6)))
op_fail(struct bulk *b, struct bulk_op *op, int status, const char *scim_type,
	const char *fmt, ...)
{
	struct scim_error err;
	char detail[300];
	json_t *body;
	va_list ap;

	if (stopped(b))
		return; /* not processed: left out of the response */
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	error_clear(&err);
	error_set(&err, status, scim_type, "Operations[%td]: %s", op - b->ops, detail);
	body = error_to_json(&err);
	if (b->ctx->log_operation != NULL)
		b->ctx->log_operation(b->ctx, op->method, op->path ? op->path : "", &err);
	op->id[0] = '\0';
	op_finish(b, op, status, NULL, NULL, body);
	json_decref(body);
}

/* Tell the operations waiting for `target` what became of it. */
static void notify(struct bulk *b, const struct bulk_op *target, enum news news)
{
	json_t *waiters = target->bulk_id != NULL ? json_object_get(b->waiters, target->bulk_id)
						   : NULL;
	json_t *w;
	size_t i;

	json_array_foreach(waiters, i, w) {
		struct bulk_op *op = &b->ops[json_integer_value(w) / 2];
		bool needs_complete = (json_integer_value(w) & 1) != 0;

		if (op->state == OP_DONE)
			continue;
		if (news != NEWS_FAILED) {
			if (needs_complete == (news == NEWS_COMPLETE))
				op->waiting--;
		} else if (op->state == OP_HOLDING) {
			abandon_for_members(b, op);
		} else {
			op_fail(b, op, 409, NULL, "\"bulkId:%.200s\" was not created: its operation failed",
				target->bulk_id);
		}
	}
}

/* ---- running ---- */

/* Run `method path data` for op (data may be NULL), If-Match `version`,
 * and record it. */
static void op_run(struct bulk *b, struct bulk_op *op, const char *method, const char *path,
		   json_t *data, const char *version)
{
	const struct request_context *ctx = b->ctx;
	struct http_request req = *ctx->req;
	struct http_response resp = { 0 };
	const char *ref = path_reference(path);
	char resolved[512];
	char *body = NULL;
	char *location = NULL;

	if (ref != NULL)
		snprintf(resolved, sizeof(resolved), "%.*s%s", (int)(ref - path), path,
			 bulk_target(b, ref_name(ref))->id);
	else
		snprintf(resolved, sizeof(resolved), "%s", path);
	if (data != NULL) {
		resolve(b, data, false);
		body = json_dumps(data, JSON_COMPACT);
		if (body == NULL)
			abort();
	}
	/* The operation as a request of its own: no query, no conditions but
	 * its version. */
	req.method = (char *)method;
	req.path = resolved;
	req.body = body;
	req.body_len = body != NULL ? strlen(body) : 0;
	req.body_too_large = false;
	req.if_match = (char *)version;
	req.if_none_match = NULL;
	req.query = NULL;
	req.nquery = 0;
	req.query_invalid = false;
	ctx->run_operation(ctx, &req, &resp);

	if (resp.location != NULL)
		location = strdup(resp.location);
	else if (strcmp(method, "POST") != 0 &&
		 asprintf(&location, "%s%s", ctx->req->base_url, resolved) < 0)
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

/* Run a ready operation; a created group that holds members back waits
 * for them. */
static void op_start(struct bulk *b, struct bulk_op *op)
{
	if (op->invalid != NULL) {
		op_fail(b, op, 400, op->invalid_type, "%s", op->invalid);
		return;
	}
	op_run(b, op, op->method, op->path, op->data, op->version);
	if (!op->ok)
		return;
	/* Before the news: a group may wait for itself. */
	if (op->held != NULL)
		op->state = OP_HOLDING;
	if (strcmp(op->method, "POST") == 0)
		notify(b, op, NEWS_CREATED);
	if (op->held == NULL)
		notify(b, op, NEWS_COMPLETE);
}

/*
 * A group created without members it held back cannot have them: delete
 * it again, and its POST fails with `error` (a SCIM error body, stolen).
 */
static void abandon_group(struct bulk *b, struct bulk_op *op, json_t *error)
{
	const char *status = json_string_value(json_object_get(error, "status"));
	char path[128];

	snprintf(path, sizeof(path), "/Groups/%s", op->id);
	op_run(b, op, "DELETE", path, NULL, NULL);
	op->id[0] = '\0';
	json_decref(op->result);
	op->result = json_pack("{s:s, s:s, s:s, s:o}", "method", "POST", "bulkId", op->bulk_id,
			       "status", status != NULL ? status : "409", "response", error);
	if (op->ok) {
		op->ok = false;
		b->errors++;
		notify(b, op, NEWS_FAILED);
	}
	json_decref(op->held);
	op->held = NULL;
}

/* A group's held-back members failed to be created. */
static void abandon_for_members(struct bulk *b, struct bulk_op *op)
{
	struct scim_error err;

	error_clear(&err);
	error_set(&err, 409, NULL, "Operations[%td]: a member it references by bulkId could "
		  "not be created", op - b->ops);
	abandon_group(b, op, error_to_json(&err));
}

/* The members a group held back all exist: add them. If that fails, the
 * group goes again and its POST fails with the reason. */
static void add_held_members(struct bulk *b, struct bulk_op *op)
{
	json_t *patch = json_pack("{s:[s], s:[{s:s, s:s, s:O}]}",
				  "schemas", SCHEMA_URN_PATCH_OP,
				  "Operations", "op", "add", "path", "members", "value", op->held);
	json_t *created = op->result;
	char path[128];

	snprintf(path, sizeof(path), "/Groups/%s", op->id);
	op->result = NULL;
	op_run(b, op, "PATCH", path, patch, NULL);
	if (op->ok) {
		/* It answers for the POST: created, at its location, now this version. */
		json_object_set(created, "version", json_object_get(op->result, "version"));
		json_decref(op->result);
		op->result = created;
		json_decref(op->held);
		op->held = NULL;
		notify(b, op, NEWS_COMPLETE);
	} else {
		b->errors--; /* the POST's failure is counted once, by abandon_group */
		op->ok = true;
		abandon_group(b, op, json_incref(json_object_get(op->result, "response")));
		json_decref(created);
	}
	json_decref(patch);
}

/*
 * Break a cycle: the first waiting POST of a group whose waiting
 * references are all in its members' values holds those members back, so
 * that it can run. False when no operation can.
 */
static bool hold_back_members(struct bulk *b)
{
	size_t i;

	for (i = 0; i < b->nops; i++) {
		struct bulk_op *op = &b->ops[i];
		const char *key = NULL;
		const char *name;
		json_t *members;
		json_t *kept;
		json_t *member;
		json_t *kind;
		bool member_only = true;
		size_t j;

		if (op->state != OP_WAITING || op->waiting == 0 ||
		    (members = post_members(op, &key)) == NULL)
			continue;
		json_object_foreach(op->refs, name, kind) {
			const struct bulk_op *t = bulk_target(b, name);

			if (t->id[0] == '\0' && json_integer_value(kind) != REF_MEMBER)
				member_only = false;
		}
		if (!member_only)
			continue;
		kept = json_array();
		op->held = json_array();
		json_array_foreach(members, j, member) {
			const json_t *value = resource_get_ci(member, "value");
			const struct bulk_op *t = is_reference(value) ?
				bulk_target(b, ref_name(json_string_value(value))) : NULL;

			json_array_append(t != NULL && t->id[0] == '\0' ? op->held : kept, member);
		}
		json_object_set_new(op->data, key, kept);
		op_start(b, op);
		return true;
	}
	return false;
}

/* ---- the request ---- */

/* Read and check the operations; false with ctx->err set. */
static bool bulk_read(struct bulk *b, const json_t *body)
{
	struct request_context *ctx = b->ctx;
	const json_t *operations = resource_get_ci(body, "Operations");
	const json_t *fail_on = resource_get_ci(body, "failOnErrors");
	const json_t *item;
	const char *name;
	json_t *kind;
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
	b->waiters = json_object();
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
		if (data != NULL && !json_is_null(data) && !json_is_object(data))
			return error_set(&ctx->err, 400, SCIM_INVALID_SYNTAX,
					 "Operations[%zu]: \"data\" must be an object", i);
		op->data = json_is_object(data) ? json_deep_copy(data) : NULL;
		if (bulk_id != NULL && !json_is_null(bulk_id)) {
			if (!json_is_string(bulk_id) || json_string_length(bulk_id) == 0)
				return error_set(&ctx->err, 400, SCIM_INVALID_SYNTAX,
						 "Operations[%zu]: \"bulkId\" must be a non-empty string", i);
			op->bulk_id = json_string_value(bulk_id);
			if (json_object_get(b->index, op->bulk_id) != NULL)
				return error_set(&ctx->err, 400, SCIM_INVALID_VALUE,
						 "Operations[%zu]: bulkId \"%s\" is already used by "
						 "Operations[%" JSON_INTEGER_FORMAT "]", i, op->bulk_id,
						 json_integer_value(json_object_get(b->index, op->bulk_id)));
			json_object_set_new(b->index, op->bulk_id, json_integer((json_int_t)i));
		} else if (strcmp(op->method, "POST") == 0) {
			op->invalid = "a POST needs a \"bulkId\" (RFC 7644 3.7)";
			op->invalid_type = SCIM_INVALID_SYNTAX;
		}
		op_refs(op);
	}
	/* Who waits for whom; references to no POST make their operation fail. */
	for (i = 0; i < b->nops; i++) {
		struct bulk_op *op = &b->ops[i];

		json_object_foreach(op->refs, name, kind) {
			const struct bulk_op *t = bulk_target(b, name);

			if ((t == NULL || strcmp(t->method, "POST") != 0) && op->invalid == NULL) {
				op->invalid = "a \"bulkId:\" reference names no POST of this request";
				op->invalid_type = SCIM_INVALID_VALUE;
			}
		}
		/* It fails as soon as its turn comes, and waits for nothing: news
		 * of what it references must not count its waiting down. */
		if (op->invalid != NULL)
			continue;
		json_object_foreach(op->refs, name, kind) {
			json_t *list = json_object_get(b->waiters, name);

			if (list == NULL)
				json_object_set_new(b->waiters, name, list = json_array());
			json_array_append_new(list, json_integer(
				(json_int_t)i * 2 + ((json_integer_value(kind) & REF_PATH) != 0)));
			op->waiting++;
		}
	}
	return true;
}

/* The operations in request order, each as soon as what it references
 * exists, cycles broken. */
static void bulk_run(struct bulk *b)
{
	size_t i;

	while (!stopped(b)) {
		struct bulk_op *ready = NULL;

		for (i = 0; i < b->nops && ready == NULL; i++)
			if (b->ops[i].state != OP_DONE && b->ops[i].waiting == 0)
				ready = &b->ops[i];
		if (ready != NULL && ready->state == OP_HOLDING)
			add_held_members(b, ready);
		else if (ready != NULL)
			op_start(b, ready);
		else if (!hold_back_members(b))
			break;
	}
	/* What still waits does so in a circle that members cannot break
	 * (RFC 7644 3.7.1 allows 409), or failOnErrors stopped the run: a
	 * group created without some members gets them, or goes again. */
	for (i = 0; i < b->nops; i++) {
		struct bulk_op *op = &b->ops[i];

		if (op->state == OP_WAITING)
			op_fail(b, op, 409, NULL, "%s", "its bulkId references form a circle");
		else if (op->state == OP_HOLDING && op->waiting == 0)
			add_held_members(b, op); /* failOnErrors stopped the run first */
		else if (op->state == OP_HOLDING)
			abandon_for_members(b, op);
	}
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
	log_msg(ctx->log, LOG_INFO, "bulk: %zu operations, %zu run, %ld failed", b.nops,
		json_array_size(results), failed);
	ctx->resp->status = 200;
	ctx->resp->body = json_pack("{s:[s], s:o}",
				    "schemas", "urn:ietf:params:scim:api:messages:2.0:BulkResponse",
				    "Operations", results);
	ok = true;
done:
	for (i = 0; i < b.nops; i++) {
		json_decref(b.ops[i].data);
		json_decref(b.ops[i].refs);
		json_decref(b.ops[i].held);
		json_decref(b.ops[i].result);
	}
	free(b.ops);
	json_decref(b.index);
	json_decref(b.waiters);
	json_decref(body);
	return ok;
}
