/* router.c - the route table and request dispatch; see router.h. */
#include "router.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "handlers.h"
#include "log.h"
#include "metrics.h"
#include "resource.h"

enum route_flags {
	ROUTE_TENANT = 1, /* needs a bearer token; the handler sees ctx->tenant */
	ROUTE_WRITE = 2,  /* runs in one transaction, rolled back on error, and
			     leaves a row in the provisioning log */
	ROUTE_BULK = 4,   /* its operations are logged as writes; it is logged
			     itself only when it fails as a whole */
	ROUTE_TOKEN_OPTIONAL = 8, /* discovery: with a token, the tenant's own
				     schemas (its extensions); without, the
				     built-in ones */
};

struct route {
	const char *method;
	const char *collection; /* first path segment, e.g. "Users" */
	bool with_id;           /* "/Users/{id}" rather than "/Users" */
	const char *id;         /* the id must be this word, e.g. ".search" */
	int flags;
	route_handler handler;
};

static bool not_implemented(struct request_context *ctx)
{
	return error_set(&ctx->err, 501, NULL, "%s is not supported by this service",
			 ctx->req->path);
}

static const struct route routes[] = {
	/* For load balancers and monitoring: no token, no SCIM. */
	{ "GET", "live", false, NULL, 0, health_live },
	{ "HEAD", "live", false, NULL, 0, health_live },
	{ "GET", "ready", false, NULL, 0, health_ready },
	{ "HEAD", "ready", false, NULL, 0, health_ready },
	{ "GET", "metrics", false, NULL, 0, metrics_get },

	{ "GET", "ServiceProviderConfig", false, NULL, ROUTE_TOKEN_OPTIONAL,
	  service_provider_config_get },
	{ "GET", "ResourceTypes", false, NULL, ROUTE_TOKEN_OPTIONAL, resource_types_list },
	{ "GET", "ResourceTypes", true, NULL, ROUTE_TOKEN_OPTIONAL, resource_types_get },
	{ "GET", "Schemas", false, NULL, ROUTE_TOKEN_OPTIONAL, schemas_list },
	{ "GET", "Schemas", true, NULL, ROUTE_TOKEN_OPTIONAL, schemas_get },

	/* Searches first: ".search" is no id. Reads, so no transaction. */
	{ "POST", "Users", true, ".search", ROUTE_TENANT, users_search },
	{ "POST", "Groups", true, ".search", ROUTE_TENANT, groups_search },
	{ "POST", ".search", false, NULL, ROUTE_TENANT, root_search },

	{ "GET", "Users", false, NULL, ROUTE_TENANT, users_list },
	{ "POST", "Users", false, NULL, ROUTE_TENANT | ROUTE_WRITE, users_create },
	{ "GET", "Users", true, NULL, ROUTE_TENANT, users_get },
	{ "PUT", "Users", true, NULL, ROUTE_TENANT | ROUTE_WRITE, users_replace },
	{ "PATCH", "Users", true, NULL, ROUTE_TENANT | ROUTE_WRITE, users_patch },
	{ "DELETE", "Users", true, NULL, ROUTE_TENANT | ROUTE_WRITE, users_delete },

	{ "GET", "Groups", false, NULL, ROUTE_TENANT, groups_list },
	{ "POST", "Groups", false, NULL, ROUTE_TENANT | ROUTE_WRITE, groups_create },
	{ "GET", "Groups", true, NULL, ROUTE_TENANT, groups_get },
	{ "PUT", "Groups", true, NULL, ROUTE_TENANT | ROUTE_WRITE, groups_replace },
	{ "PATCH", "Groups", true, NULL, ROUTE_TENANT | ROUTE_WRITE, groups_patch },
	{ "DELETE", "Groups", true, NULL, ROUTE_TENANT | ROUTE_WRITE, groups_delete },

	/* Each operation of a bulk request runs in a transaction of its own
	 * (run_operation), as RFC 7644 3.7 has them succeed or fail
	 * one by one. */
	{ "POST", "Bulk", false, NULL, ROUTE_TENANT | ROUTE_BULK, bulk_post },

	/* RFC 7644 3.11: tokens belong to a tenant, not to a user. */
	{ "GET", "Me", false, NULL, ROUTE_TENANT, not_implemented },
};

/*
 * Split "/Users/123" into collection "Users" and id "123". A trailing slash
 * is ignored. False for deeper paths, which no route serves.
 */
static bool split_path(const char *path, char *collection, size_t csize,
		       const char **id)
{
	const char *start = path;
	size_t len;

	while (*start == '/')
		start++;
	len = strcspn(start, "/");
	if (len == 0 || len >= csize)
		return false;
	memcpy(collection, start, len);
	collection[len] = '\0';
	start += len;
	*id = NULL;
	if (*start == '/' && start[1] != '\0') {
		*id = start + 1;
		len = strcspn(*id, "/");
		/* "/Users/123/" is "/Users/123"; "/Users/123/x" is nothing. */
		if ((*id)[len] != '\0' && strcmp(*id + len, "/") != 0)
			return false;
	}
	return true;
}

/*
 * The route for the request's method and path, with ctx->resource_id set
 * to its {id} (in `id`, of `id_size` bytes); NULL with ctx->err set to 404
 * for an unknown path, 405 for a known path and another method.
 */
static const struct route *find_route(struct request_context *ctx, char *id, size_t id_size)
{
	const struct http_request *req = ctx->req;
	bool path_known = false;
	char collection[64];
	const char *id_start = NULL;
	size_t i;

	if (req->path != NULL && split_path(req->path, collection, sizeof(collection), &id_start)) {
		if (id_start != NULL) {
			size_t len = strcspn(id_start, "/");

			if (len >= id_size)
				len = id_size - 1;
			memcpy(id, id_start, len);
			id[len] = '\0';
			ctx->resource_id = id;
		}
		for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
			if (strcasecmp(routes[i].collection, collection) != 0 ||
			    routes[i].with_id != (id_start != NULL) ||
			    (routes[i].id != NULL && strcmp(routes[i].id, id) != 0))
				continue;
			path_known = true;
			if (strcmp(routes[i].method, req->method) == 0)
				return &routes[i];
		}
	}
	if (path_known)
		error_set(&ctx->err, 405, NULL, "%s is not allowed on %s", req->method, req->path);
	else
		error_set(&ctx->err, 404, NULL, "no SCIM endpoint at %s", req->path ? req->path : "/");
	return NULL;
}

/*
 * Start the request's row of the provisioning log with who asked and what:
 * the action and status a success of its method would have. `collection`
 * names the resource type ("Users"); NULL when the path named none.
 */
static void audit_begin(struct request_context *ctx, const char *collection)
{
	static const struct { const char *method, *action; int status; } by_method[] = {
		{ "POST", "created", 201 }, { "PUT", "replaced", 200 },
		{ "PATCH", "modified", 200 }, { "DELETE", "deleted", 204 },
	};
	struct store_log_entry *a = &ctx->audit;
	size_t i;

	memset(a, 0, sizeof(*a));
	a->tenant_id = ctx->tenant.id;
	a->token_id = ctx->tenant.token_id;
	a->request_id = ctx->req->request_id;
	a->client_address = ctx->req->client_address;
	a->method = ctx->req->method;
	if (collection != NULL && strcasecmp(collection, "Users") == 0)
		a->resource_type = "User";
	else if (collection != NULL && strcasecmp(collection, "Groups") == 0)
		a->resource_type = "Group";
	else if (collection != NULL && strcasecmp(collection, "Bulk") == 0)
		a->resource_type = "Bulk";
	if (ctx->resource_id != NULL && resource_id_valid(ctx->resource_id))
		snprintf(a->resource_id, sizeof(a->resource_id), "%s", ctx->resource_id);
	a->action = "read";
	a->status = 200;
	for (i = 0; i < sizeof(by_method) / sizeof(by_method[0]); i++) {
		if (strcmp(by_method[i].method, ctx->req->method) == 0) {
			a->action = by_method[i].action;
			a->status = by_method[i].status;
		}
	}
}

/* The request's row of the provisioning log, on its own: it failed (after
 * its rollback: nothing of it remains but this), or it read. */
static void audit_write(struct request_context *ctx)
{
	struct store_log_entry *a = &ctx->audit;
	struct scim_error err = { 0 };

	if (error_is_set(&ctx->err)) {
		/* No tenant: the request's token was refused. */
		a->action = ctx->tenant.id[0] != '\0' ? "failed" : "refused";
		a->status = ctx->err.status;
		a->scim_type = ctx->err.scim_type;
		a->detail = ctx->err.detail;
		/* Nothing was changed. */
		json_decref(a->attributes);
		a->attributes = NULL;
		a->members = false;
	} else if (ctx->resp->status != 0) {
		a->status = ctx->resp->status;
	}
	if (!store_log_write(ctx->store, a, &err))
		log_msg(ctx->log, LOG_ERROR, "the provisioning log was not written: %s", err.detail);
	if (strcmp(a->action, "failed") == 0)
		metrics_write(ctx->tenant.name, a->action);
}

/* A uniqueness violation of an extension's attribute names the attribute:
 * the store knows its index alone. */
static void name_unique_attribute(struct request_context *ctx)
{
	char attribute[300];

	if (ctx->err.status != 409 || strcmp(ctx->err.detail, STORE_UNIQUE_TAKEN) != 0 ||
	    !tenant_schemas_unique_attribute(&ctx->tenant, store_failed_constraint(ctx->store),
					     attribute, sizeof(attribute)))
		return;
	error_clear(&ctx->err);
	error_set(&ctx->err, 409, SCIM_UNIQUENESS, "%s is already taken", attribute);
}

/* Run the route's handler, in one transaction when it writes; any error
 * becomes the response. */
static void run_route(const struct route *route, struct request_context *ctx)
{
	struct store *store = ctx->store;
	bool ok;

	if (route->flags & (ROUTE_WRITE | ROUTE_BULK) ||
	    (route->flags & ROUTE_TENANT && ctx->settings->log_reads))
		audit_begin(ctx, route->collection);
	if (route->flags & ROUTE_WRITE) {
		ok = store_begin(store, &ctx->err);
		if (ok) {
			store_log_with_commit(store, &ctx->audit);
			ok = route->handler(ctx) && !error_is_set(&ctx->err);
		}
		/* A failed request changes nothing. */
		if (ok) {
			if (ctx->resp->status != 0)
				ctx->audit.status = ctx->resp->status;
			ok = store_commit(store, &ctx->err);
		}
		if (!ok)
			store_rollback(store);
	} else {
		ok = route->handler(ctx);
	}
	if (!ok || error_is_set(&ctx->err)) {
		if (!error_is_set(&ctx->err))
			error_set(&ctx->err, 500, NULL, "the request failed");
		name_unique_attribute(ctx);
		http_response_error(ctx->resp, &ctx->err);
	}
	if (route->flags & ROUTE_WRITE && !error_is_set(&ctx->err))
		metrics_write(ctx->tenant.name, ctx->audit.action);
	/* A write's success was logged with its COMMIT; a bulk request's
	 * operations log themselves. One read with schemas that changed is
	 * served again (router_dispatch): not a failure. */
	if (!store_schemas_changed(store) &&
	    ((route->flags & ROUTE_WRITE && error_is_set(&ctx->err)) ||
	     (route->flags & ROUTE_BULK && error_is_set(&ctx->err)) ||
	     (!(route->flags & (ROUTE_WRITE | ROUTE_BULK)) && route->flags & ROUTE_TENANT &&
	      ctx->settings->log_reads)))
		audit_write(ctx);
	store_log_entry_clear(&ctx->audit);
	json_decref(ctx->ignored);
	ctx->ignored = NULL;
}

/* A bulk operation that failed without running (log_operation_fn). */
static void log_operation(const struct request_context *parent, const char *method,
			  const char *path, const struct scim_error *err)
{
	struct http_request req = *parent->req;
	struct http_response resp = { 0 };
	struct request_context ctx = {
		.req = &req, .resp = &resp, .store = parent->store, .settings = parent->settings,
		.log = parent->log, .tenant = parent->tenant, .schemas = parent->schemas, .err = *err,
	};
	char collection[64];
	const char *id = NULL;

	req.method = (char *)method;
	req.path = (char *)path;
	if (!split_path(path, collection, sizeof(collection), &id))
		collection[0] = '\0';
	audit_begin(&ctx, collection[0] ? collection : NULL);
	if (id != NULL && strcspn(id, "/") < sizeof(ctx.audit.resource_id) &&
	    resource_id_valid(id))
		snprintf(ctx.audit.resource_id, sizeof(ctx.audit.resource_id), "%.36s", id);
	audit_write(&ctx);
	store_log_entry_clear(&ctx.audit);
}

/*
 * One operation of a bulk request (run_operation_fn): routed like a request
 * of its own. Only the routes that write take part (POST, PUT, PATCH,
 * DELETE of Users and Groups).
 */
static void run_operation(const struct request_context *parent, const struct http_request *req,
			  struct http_response *resp)
{
	struct request_context ctx = {
		.req = req, .resp = resp, .store = parent->store, .settings = parent->settings,
		.log = parent->log, .tenant = parent->tenant, .schemas = parent->schemas,
		.run_operation = run_operation, .log_operation = log_operation,
	};
	const struct route *route;
	char id[256];

	error_clear(&ctx.err);
	route = find_route(&ctx, id, sizeof(id));
	if (route != NULL && !(route->flags & ROUTE_WRITE)) {
		error_set(&ctx.err, 400, SCIM_INVALID_VALUE,
			  "%s %s is not an operation a bulk request can hold", req->method, req->path);
		route = NULL;
	}
	if (route == NULL) {
		http_response_error(resp, &ctx.err);
		return;
	}
	run_route(route, &ctx);
}

/*
 * Who is asking: the token's tenant and its schemas, or a refusal as the
 * response (false).
 */
static bool authenticate(const struct route *route, struct request_context *ctx)
{
	const struct http_request *req = ctx->req;
	bool ok = auth_authenticate(ctx->store, req->authorization, req->client_address,
				    &ctx->tenant, &ctx->err);

	/* A Bulk request's operations must all see the same schemas; a
	 * discovery request runs no statement that would check a kept token
	 * (a revoked one, a change of schemas) along the way. */
	if (ok && route->flags & (ROUTE_BULK | ROUTE_TOKEN_OPTIONAL) &&
	    !store_token_confirm(ctx->store, &ctx->err)) {
		ok = false;
		if (store_schemas_changed(ctx->store)) {
			error_clear(&ctx->err);
			ok = auth_authenticate(ctx->store, req->authorization, req->client_address,
					       &ctx->tenant, &ctx->err);
		}
	}
	if (!ok) {
		http_response_error(ctx->resp, &ctx->err);
		if (ctx->settings->log_reads) {
			memset(&ctx->tenant, 0, sizeof(ctx->tenant));
			audit_begin(ctx, route->collection);
			audit_write(ctx);
		}
		return false;
	}
	log_context_set(ctx->log, req->request_id, ctx->tenant.name);
	log_context_set_provider(ctx->log, ctx->tenant.token_id, ctx->tenant.title);
	ok = tenant_schemas_get(ctx->store, &ctx->tenant, &ctx->schemas, &ctx->err);
	/* Reading them was the request's first statement, and learned that
	 * they changed: once more, with the tenant as it now is. */
	if (!ok && store_schemas_changed(ctx->store)) {
		error_clear(&ctx->err);
		ok = auth_authenticate(ctx->store, req->authorization, req->client_address,
				       &ctx->tenant, &ctx->err) &&
		     tenant_schemas_get(ctx->store, &ctx->tenant, &ctx->schemas, &ctx->err);
	}
	if (!ok) {
		log_msg(ctx->log, LOG_ERROR, "%s", ctx->err.detail);
		http_response_error(ctx->resp, &ctx->err);
		return false;
	}
	return true;
}

void router_dispatch(const struct http_request *req, struct http_response *resp,
		     struct store *store, const struct settings *settings,
		     struct log_context *log)
{
	struct request_context ctx = {
		.req = req, .resp = resp, .store = store, .settings = settings, .log = log,
		.run_operation = run_operation, .log_operation = log_operation,
	};
	const struct route *route;
	char id[256];

	error_clear(&ctx.err);
	tenant_schemas_builtin(&ctx.schemas);
	route = find_route(&ctx, id, sizeof(id));
	if (route == NULL) {
		http_response_error(resp, &ctx.err);
		return;
	}
	if (req->query_invalid) {
		if (req->query_invalid_name != NULL && strcmp(req->query_invalid_name, "filter") == 0)
			error_set(&ctx.err, 400, SCIM_INVALID_FILTER, "the filter contains a NUL character");
		else
			error_set(&ctx.err, 400, SCIM_INVALID_VALUE, "the query string cannot be decoded");
		http_response_error(resp, &ctx.err);
		return;
	}

	/* nginx passes an absent Authorization header on as an empty one. */
	if (!(route->flags & ROUTE_TENANT) &&
	    !(route->flags & ROUTE_TOKEN_OPTIONAL && req->authorization != NULL &&
	      req->authorization[0] != '\0')) {
		run_route(route, &ctx);
		return;
	}
	if (!authenticate(route, &ctx))
		return;
	run_route(route, &ctx);
	/* Read with schemas that changed meanwhile, it ran nothing: again,
	 * with the tenant's new ones (once). */
	if (store_schemas_changed(store)) {
		log_msg(log, LOG_INFO, "the tenant's schemas changed: serving the request again");
		http_response_clear(resp);
		error_clear(&ctx.err);
		if (authenticate(route, &ctx))
			run_route(route, &ctx);
	}
}

