/*
 * router.h - the route table and the dispatch of a request to its handler,
 * given a request context (context.h).
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

#include "context.h"

/* A handler fills ctx->resp, or sets ctx->err and returns false. */
typedef bool (*route_handler)(struct request_context *ctx);

/* Handle one request completely; resp is always filled on return. Lines
 * logged about it go with `log`, to which the tenant is added once known. */
void router_dispatch(const struct http_request *req, struct http_response *resp,
		     struct store *store, const struct settings *settings,
		     struct log_context *log);

#endif
