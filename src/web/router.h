/*
 * router.h - the route table and the per-request context handlers receive.
 *
 * router_dispatch() finds the route for method and path (JSON 404 for an
 * unknown path, 405 for a known path with another method), authenticates
 * the bearer token when the route needs a tenant, runs the handler inside
 * one database transaction when the route writes (rolled back on any error,
 * so a failed request changes nothing), and renders any error once.
 */
#ifndef SCIM_ROUTER_H
#define SCIM_ROUTER_H

#include <stdbool.h>

#include "error.h"
#include "http.h"
#include "settings.h"
#include "store.h"

struct request_context {
	const struct http_request *req;
	struct http_response *resp;
	struct store *store;
	const struct settings *settings;
	struct tenant tenant;      /* set for routes that need a tenant */
	const char *resource_id;   /* the {id} segment of the path, or NULL */
	struct scim_error err;     /* set by a handler that fails */
};

/* A handler fills ctx->resp, or sets ctx->err and returns false. */
typedef bool (*route_handler)(struct request_context *ctx);

/* Handle one request completely; resp is always filled on return. */
void router_dispatch(const struct http_request *req, struct http_response *resp,
		     struct store *store, const struct settings *settings);

/*
 * One operation of a bulk request (RFC 7644 3.7): `req` routed like a
 * request of its own for the tenant of `parent`, in a transaction of its
 * own. Only the routes that write take part (POST, PUT, PATCH, DELETE of
 * Users and Groups); resp is always filled on return.
 */
void router_run_operation(const struct request_context *parent, const struct http_request *req,
			  struct http_response *resp);

#endif
