/*
 * fuzz_bulk.c - POST /Bulk (handlers_bulk.c) on a request body: reading the
 * operations, the graph of bulkId references, cycles broken by holding back
 * members, failOnErrors.
 *
 * The operations run through run_operation() defined here, given to the
 * handler in place of the router's and the database: a store of ids
 * in memory that creates, replaces, patches and deletes Users and Groups.
 * An operation fails with 400 when its data has a "fail" member, or names a
 * member that does not exist; so the input decides what fails.
 *
 * Checked: the request answers 200, or 400 or 413 with an error; no
 * operation reaches the router with a bulkId reference left in its path or
 * in a "value" of its data (a reference is resolved before it runs, or the
 * operation fails); each answer has a method and a status; and every
 * resource left in the store was created by a POST answered 201: a group
 * that could not get its held-back members is deleted again.
 */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "handlers.h"
#include "log.h"
#include "resource.h"

#define BULK_ID_PREFIX "bulkId:"
#define MAX_RESOURCES (BULK_MAX_OPERATIONS * 2)

int LLVMFuzzerInitialize(int *argc, char ***argv);

/* The resources created while one input runs. */
static struct {
	char id[MAX_RESOURCES][37];
	bool group[MAX_RESOURCES];
	bool alive[MAX_RESOURCES];
	int count;
} store;

static int store_find(const char *id, bool group)
{
	int i;

	for (i = 0; i < store.count; i++)
		if (store.alive[i] && store.group[i] == group && strcmp(store.id[i], id) == 0)
			return i;
	return -1;
}

/* No string in a "value" position (as handlers_bulk.c finds references)
 * is still a reference. */
static void check_resolved(const json_t *v, bool is_value, const char *path)
{
	const char *key;
	json_t *item;
	size_t i;

	if (is_value && json_is_string(v))
		FUZZ_CHECK(strncmp(json_string_value(v), BULK_ID_PREFIX,
				   strlen(BULK_ID_PREFIX)) != 0,
			   "%s runs with the reference \"%s\" unresolved", path, json_string_value(v));
	json_array_foreach(v, i, item)
		check_resolved(item, is_value, path);
	if (json_is_object(v))
		json_object_foreach((json_t *)v, key, item)
			check_resolved(item, strcasecmp(key, "value") == 0, path);
}

/* Does each member of `list` (an array of members, or one) exist? */
static bool members_exist(const json_t *list)
{
	const json_t *member;
	const char *id;
	size_t i;

	if (json_is_object(list)) {
		id = json_string_value(json_object_get(list, "value"));
		return id == NULL || store_find(id, false) >= 0 || store_find(id, true) >= 0;
	}
	json_array_foreach(list, i, member)
		if (!json_is_object(member) || !members_exist(member))
			return false;
	return true;
}

/* The members a group's body names: its "members", or the value of a
 * PATCH operation on members. */
static bool group_members_exist(const json_t *body)
{
	const json_t *operations = resource_get_ci(body, "Operations");
	const json_t *operation;
	size_t i;

	if (!members_exist(resource_get_ci(body, "members")))
		return false;
	json_array_foreach(operations, i, operation) {
		const char *path = json_string_value(resource_get_ci(operation, "path"));

		if (path != NULL && strcasecmp(path, "members") == 0 &&
		    !members_exist(resource_get_ci(operation, "value")))
			return false;
	}
	return true;
}

static void respond_error(struct http_response *resp, int status, const char *detail)
{
	struct scim_error err;

	error_clear(&err);
	error_set(&err, status, status == 400 ? SCIM_INVALID_VALUE : NULL, "%s", detail);
	http_response_error(resp, &err);
}

static void run_operation(const struct request_context *parent, const struct http_request *req,
			  struct http_response *resp)
{
	const char *path = req->path;
	const char *id = NULL;
	json_t *body = NULL;
	bool group;
	int at;

	(void)parent;
	if (strncasecmp(path, "/Users", 6) == 0 && (path[6] == '\0' || path[6] == '/')) {
		group = false;
	} else if (strncasecmp(path, "/Groups", 7) == 0 && (path[7] == '\0' || path[7] == '/')) {
		group = true;
	} else {
		respond_error(resp, 404, "no such path");
		return;
	}
	id = strchr(path + 1, '/');
	if (id != NULL && *++id == '\0')
		id = NULL;
	FUZZ_CHECK(id == NULL || strncmp(id, BULK_ID_PREFIX, strlen(BULK_ID_PREFIX)) != 0,
		   "%s %s runs with its reference unresolved", req->method, path);
	if (req->body != NULL) {
		body = json_loadb(req->body, req->body_len, 0, NULL);
		FUZZ_CHECK(json_is_object(body), "%s %s gets the body %s", req->method, path,
			   req->body);
		check_resolved(body, false, path);
	}
	if (body != NULL && (json_object_get(body, "fail") != NULL ||
			     (group && !group_members_exist(body)))) {
		respond_error(resp, 400, "the operation fails");
	} else if (strcmp(req->method, "POST") == 0 && id == NULL) {
		FUZZ_CHECK(store.count < MAX_RESOURCES, "more resources than operations");
		at = store.count++;
		snprintf(store.id[at], sizeof(store.id[at]), "%08x-0000-4000-8000-000000000000",
			 (unsigned)at);
		store.group[at] = group;
		store.alive[at] = true;
		resp->status = 201;
		resp->body = json_pack("{s:s}", "id", store.id[at]);
		if (asprintf(&resp->location, "%s%s/%s", req->base_url, group ? "/Groups" : "/Users",
			     store.id[at]) < 0)
			abort();
		snprintf(resp->etag, sizeof(resp->etag), "W/\"1\"");
	} else if (id == NULL || (strcmp(req->method, "PUT") != 0 &&
				  strcmp(req->method, "PATCH") != 0 &&
				  strcmp(req->method, "DELETE") != 0)) {
		respond_error(resp, 405, "no such operation");
	} else if ((at = store_find(id, group)) < 0) {
		respond_error(resp, 404, "no such resource");
	} else if (strcmp(req->method, "DELETE") == 0) {
		store.alive[at] = false;
		resp->status = 204;
	} else {
		resp->status = 200;
		resp->body = json_pack("{s:s}", "id", id);
		snprintf(resp->etag, sizeof(resp->etag), "W/\"2\"");
	}
	json_decref(body);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_set_threshold(LOG_ERROR);
	return 0;
}

/* Every resource alive was created by a POST answered 201. */
static void check_store(const json_t *results)
{
	const json_t *result;
	size_t i;
	int at;

	for (at = 0; at < store.count; at++) {
		bool answered = false;

		if (!store.alive[at])
			continue;
		json_array_foreach(results, i, result) {
			const char *location = json_string_value(json_object_get(result, "location"));
			const char *status = json_string_value(json_object_get(result, "status"));
			const char *method = json_string_value(json_object_get(result, "method"));

			if (location != NULL && strlen(location) > 36 && status != NULL &&
			    method != NULL && strcmp(method, "POST") == 0 &&
			    strcmp(status, "201") == 0 &&
			    strcmp(location + strlen(location) - 36, store.id[at]) == 0)
				answered = true;
		}
		FUZZ_CHECK(answered, "%s %s is left, but no POST answered 201 for it",
			   store.group[at] ? "group" : "user", store.id[at]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct settings settings = { .database = "", .max_body = 1048576 };
	struct http_request req = {
		.method = "POST", .path = "/Bulk", .base_url = "https://scim.example.com/scim/v2",
	};
	struct http_response resp = { 0 };
	struct request_context ctx = { .req = &req, .resp = &resp, .settings = &settings,
					.run_operation = run_operation };
	const json_t *results;
	const json_t *result;
	size_t i;

	memset(&store, 0, sizeof(store));
	req.body = fuzz_text(data, size);
	req.body_len = size;
	error_clear(&ctx.err);
	if (!bulk_post(&ctx)) {
		fuzz_check_error(&ctx.err, "bulk");
		FUZZ_CHECK(ctx.err.status == 400 || ctx.err.status == 413, "bulk failed with %d %s",
			   ctx.err.status, ctx.err.detail);
		FUZZ_CHECK(store.count == 0, "a refused bulk request ran operations");
		goto done;
	}
	results = json_object_get(resp.body, "Operations");
	FUZZ_CHECK(resp.status == 200 && json_is_array(results), "bulk answered %d", resp.status);
	json_array_foreach(results, i, result) {
		const char *status = json_string_value(json_object_get(result, "status"));

		FUZZ_CHECK(json_is_string(json_object_get(result, "method")) && status != NULL &&
			   strlen(status) == 3, "answer %zu has no method or status", i);
	}
	check_store(results);
done:
	http_response_clear(&resp);
	free(req.body);
	return 0;
}
