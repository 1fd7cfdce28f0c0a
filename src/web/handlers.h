/*
 * handlers.h - one function per SCIM operation, named resource_verb. Each
 * fills ctx->resp (status, body, Location, ETag) or sets ctx->err and
 * returns false; the router does authentication, transactions and error
 * rendering around them. Handlers see the request context (context.h), not
 * the router.
 *
 * Ownership: what a handler puts in ctx->resp belongs to the response;
 * functions returning json_t * return a new reference; other arguments are
 * borrowed.
 */
#ifndef SCIM_HANDLERS_H
#define SCIM_HANDLERS_H

#include <stdbool.h>

#include "context.h"
#include "resource.h"

/* Monitoring, without a token (handlers_monitoring.c): liveness,
 * readiness (the database answers, its schema is recent enough), metrics. */
bool health_live(struct request_context *ctx);
bool health_ready(struct request_context *ctx);
bool metrics_get(struct request_context *ctx);

/* Discovery (RFC 7644 section 4). */
bool service_provider_config_get(struct request_context *ctx);
bool resource_types_list(struct request_context *ctx);
bool resource_types_get(struct request_context *ctx);
bool schemas_list(struct request_context *ctx);
bool schemas_get(struct request_context *ctx);

/* Users (RFC 7644 section 3). */
bool users_create(struct request_context *ctx);
bool users_get(struct request_context *ctx);
bool users_list(struct request_context *ctx);
bool users_replace(struct request_context *ctx);
bool users_patch(struct request_context *ctx);
bool users_delete(struct request_context *ctx);

/* Groups (RFC 7644 section 3), memberships in their own table. */
bool groups_create(struct request_context *ctx);
bool groups_get(struct request_context *ctx);
bool groups_list(struct request_context *ctx);
bool groups_replace(struct request_context *ctx);
bool groups_patch(struct request_context *ctx);
bool groups_delete(struct request_context *ctx);

/* Answer with one resource: rendered (with a user's groups, which the store
 * reads with the user), projected per the request's
 * attributes/excludedAttributes, with ETag, and Location on 201. */
bool handler_respond(struct request_context *ctx, const struct resource_type_def *rt,
		     int status, const struct stored_resource *row);

/* GET on a collection: filter, sortBy, sortOrder, startIndex or cursor,
 * count, as a ListResponse. */
bool handler_list(struct request_context *ctx, const struct resource_type_def *rt);

/* Query parameter `name` as an integer; `fallback` when absent; 400
 * invalidValue when it is not an integer. */
bool handler_query_integer(struct request_context *ctx, const char *name, long fallback,
			   long *out);

/* POST .search (RFC 7644 3.4.3): the SearchRequest body run as the same
 * query string on /Users or /Groups, and on the root across both. */
bool users_search(struct request_context *ctx);
bool groups_search(struct request_context *ctx);
bool root_search(struct request_context *ctx);
/* After groups_list(): when the groups' members stream (ctx->resp has no
 * Resources then), write `resources` before the groups; for POST /.search,
 * which puts the users first. False when nothing streams. */
bool groups_stream_prepend(struct request_context *ctx, json_t *resources);

/* If-Match / If-None-Match against a version (RFC 7644 3.14): "*", lists,
 * weak and strong forms. check_if_match sets 412 on a mismatch. */
bool handler_etag_matches(const char *header, long long version);
bool handler_check_if_match(struct request_context *ctx, long long version);

/* GET with If-None-Match (RFC 7644 3.14): true when it matches `version`,
 * the answer then set to 304 with the ETag and no body. */
bool handler_not_modified(struct request_context *ctx, long long version);

/* The store's functions for one resource type (store_user_get, ...). */
typedef bool (*handler_store_get_fn)(struct store *store, const char *tenant_id,
				     const char *id, bool for_update,
				     struct stored_resource *out, struct scim_error *err);
typedef bool (*handler_store_delete_fn)(struct store *store, const char *tenant_id,
					const char *id, char **name, struct scim_error *err);

/* DELETE of ctx->resource_id: with If-Match, the resource is read locked
 * (404) and its version checked (412) first; then deleted (404 when not
 * there), logged as "deleted <noun> <id>", 204. */
bool handler_delete(struct request_context *ctx, handler_store_get_fn get,
		    handler_store_delete_fn delete, const char *noun);

/* The opening of PUT and PATCH on ctx->resource_id: the resource read
 * locked into `current` (404), its version checked against If-Match (412),
 * then the body read. Returns the body (new reference), or NULL with
 * ctx->err set. The caller clears `current` either way. */
json_t *handler_begin_write(struct request_context *ctx, handler_store_get_fn get,
			    struct stored_resource *current);

/*
 * What the write did, into the request's row of the provisioning log
 * (ctx->audit), before its last statement: the resource `id`, its name
 * (userName or displayName) in `after` (in `before` for a delete: after
 * NULL), the attributes that differ, and for a group the members added and
 * removed (-1 for a user). The action becomes unchanged when nothing
 * changed, disabled or enabled when active did.
 */
void handler_audit(struct request_context *ctx, const char *id, const json_t *before,
		   const json_t *after, long long added, long long removed);

/* POST /Bulk (RFC 7644 3.7), at most BULK_MAX_OPERATIONS operations. */
#define BULK_MAX_OPERATIONS 1000
bool bulk_post(struct request_context *ctx);

/* Shared by the handlers: the parsed JSON body of the request, or NULL with
 * ctx->err set (400 invalidSyntax; 413 when too large). New reference. */
json_t *handler_read_body(struct request_context *ctx);

#endif
