/*
 * test_bulk.c - POST /Bulk (handlers_bulk.c) without a database: the order
 * its operations run in and their bulkId references, table-driven.
 *
 * The operations run through run_operation() defined here, in place of
 * the router's: a POST gets 201 and a new id, any other operation 200 or
 * 204, and an operation whose data has a "fail" member 400. Each case is a
 * request (JSON with single quotes, unit_json()) and the status of each
 * operation in the answer. An operation that reaches the router with a
 * bulkId reference left in its data fails the case.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "handlers.h"
#include "log.h"
#include "unit.h"

#define POST_USER(id, data) "{'method':'POST','path':'/Users','bulkId':'" id "','data':" data "}"
#define POST_GROUP(id, members) \
	"{'method':'POST','path':'/Groups','bulkId':'" id "','data':{'displayName':'" id \
	"','members':" members "}}"

struct bulk_case {
	const char *name;
	const char *operations; /* the request's Operations */
	const char *statuses;   /* of the answer's operations, in order */
};

static const struct bulk_case cases[] = {
	{ "a reference to a POST before",
	  "[" POST_USER("u", "{'userName':'u'}") ","
	  "{'method':'PATCH','path':'/Users/bulkId:u','data':{'Operations':[]}},"
	  "{'method':'DELETE','path':'/Users/bulkId:u'}]",
	  "201 200 204" },
	{ "a reference to a POST after waits for it",
	  "[" POST_GROUP("g", "[{'value':'bulkId:u'}]") "," POST_USER("u", "{'userName':'u'}") "]",
	  "201 201" },
	{ "groups that are members of each other hold their members back",
	  "[" POST_GROUP("a", "[{'value':'bulkId:b'}]") "," POST_GROUP("b", "[{'value':'bulkId:a'}]") "]",
	  "201 201" },
	{ "a reference to a failed POST fails",
	  "[" POST_USER("u", "{'userName':'u','fail':true}") ","
	  POST_GROUP("g", "[{'value':'bulkId:u'}]") "]",
	  "400 409" },
	/* Only a member's own value can be held back: a reference elsewhere in
	 * a member is data, and a group that waits for itself is a circle. */
	{ "a reference inside a member, not its value, is not held back",
	  "[" POST_GROUP("g", "[{'value':'2819c223-7f76-453a-919d-413861904646',"
			 "'x':{'value':'bulkId:g'}}]") "]",
	  "409" },
	{ "a reference in a member that is no object is data too",
	  "[" POST_GROUP("g", "[[{'value':'bulkId:g'}]]") "]",
	  "409" },
	{ "a reference to no POST",
	  "[{'method':'PUT','path':'/Users/bulkId:nobody','data':{}}]",
	  "400" },
	{ "a reference to no POST, besides one to a POST before",
	  "[" POST_GROUP("a", "[]") "," POST_GROUP("b", "[{'value':'bulkId:a'},{'value':'bulkId:nobody'}]") "]",
	  "201 400" },
	{ "a POST without bulkId that references one before",
	  "[" POST_GROUP("a", "[]") ",{'method':'POST','path':'/Groups','data':{'members':[{'value':'bulkId:a'}]}}]",
	  "201 400" },
};

static const char *case_name;
static int created;

/* A string in a "value" position (where handlers_bulk.c looks for them)
 * that is still a reference? */
static bool unresolved(const json_t *v, bool is_value)
{
	const char *key;
	json_t *item;
	size_t i;

	if (is_value && json_is_string(v) && strncmp(json_string_value(v), "bulkId:", 7) == 0)
		return true;
	json_array_foreach(v, i, item)
		if (unresolved(item, is_value))
			return true;
	if (json_is_object(v))
		json_object_foreach((json_t *)v, key, item)
			if (unresolved(item, strcasecmp(key, "value") == 0))
				return true;
	return false;
}

static void run_operation(const struct request_context *parent, const struct http_request *req,
			  struct http_response *resp)
{
	json_t *body = req->body ? json_loadb(req->body, req->body_len, 0, NULL) : NULL;
	struct scim_error err;

	(void)parent;
	error_clear(&err);
	unit_check(!unresolved(body, false) && strstr(req->path, "bulkId:") == NULL, case_name,
		   "%s %s runs with a reference unresolved: %s", req->method, req->path,
		   req->body ? req->body : "");
	if (json_object_get(body, "fail") != NULL) {
		error_set(&err, 400, SCIM_INVALID_VALUE, "the operation fails");
		http_response_error(resp, &err);
	} else if (strcmp(req->method, "POST") == 0) {
		resp->status = 201;
		resp->body = json_pack("{s:s}", "id", created++ % 2 ?
				       "e9e30dba-f08f-4109-8486-d5c6a331660a" :
				       "2819c223-7f76-453a-919d-413861904646");
	} else {
		resp->status = strcmp(req->method, "DELETE") == 0 ? 204 : 200;
	}
	json_decref(body);
}

static void run_case(const struct bulk_case *c)
{
	struct settings settings = { .database = "", .max_body = 1048576 };
	struct http_request req = {
		.method = "POST", .path = "/Bulk", .base_url = "https://scim.example.com/scim/v2",
	};
	struct http_response resp = { 0 };
	struct request_context ctx = { .req = &req, .resp = &resp, .settings = &settings,
					.run_operation = run_operation };
	json_t *operations = unit_json(c->operations);
	json_t *body = json_pack("{s:o}", "Operations", operations);
	const json_t *result;
	char statuses[256] = "";
	size_t i;

	case_name = c->name;
	created = 0;
	req.body = json_dumps(body, JSON_COMPACT);
	req.body_len = strlen(req.body);
	error_clear(&ctx.err);
	if (unit_check(bulk_post(&ctx), c->name, "refused: %s", ctx.err.detail)) {
		json_array_foreach(json_object_get(resp.body, "Operations"), i, result)
			snprintf(statuses + strlen(statuses), sizeof(statuses) - strlen(statuses),
				 "%s%s", i > 0 ? " " : "",
				 json_string_value(json_object_get(result, "status")));
		unit_check(strcmp(statuses, c->statuses) == 0, c->name, "want %s, got %s",
			   c->statuses, statuses);
	}
	http_response_clear(&resp);
	free(req.body);
	json_decref(body);
}

int main(void)
{
	size_t i;

	log_set_threshold(LOG_ERROR);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
	return unit_finish("bulk");
}
