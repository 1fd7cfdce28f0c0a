/*
 * context.h - what a handler is given: one request, its response, the
 * worker's store and settings, and who is asking. A context lives on the
 * stack of the request it serves; nothing about a request is kept at file
 * scope, so nothing leaks from one request to the next.
 *
 * Ownership: everything a context points to is borrowed from its caller,
 * except what a handler puts in `resp` (the response owns it) and `err`.
 */
#ifndef SCIM_CONTEXT_H
#define SCIM_CONTEXT_H

#include <stdbool.h>

#include "error.h"
#include "http.h"
#include "log.h"
#include "settings.h"
#include "store.h"
#include "tenant_schemas.h"

struct request_context;

/*
 * Run one operation of a bulk request (RFC 7644 3.7): `req` as a request of
 * its own for the tenant of `parent`, in a transaction of its own. resp is
 * always filled on return. The router provides it; a test may provide its
 * own.
 */
typedef void (*run_operation_fn)(const struct request_context *parent,
				 const struct http_request *req, struct http_response *resp);

/* An operation of a bulk request that failed without running (a bulkId it
 * refers to failed, or it cannot be read): its row of the provisioning
 * log, as run_operation_fn writes one for those that run. May be NULL. */
typedef void (*log_operation_fn)(const struct request_context *parent, const char *method,
				 const char *path, const struct scim_error *err);

struct request_context {
	const struct http_request *req;
	struct http_response *resp;
	struct store *store;
	const struct settings *settings;
	struct log_context *log;   /* this request's log lines; the tenant is
				      added once it is known */
	struct tenant tenant;      /* set for routes that need a tenant */
	/* The resource types and schemas of the tenant (with its extensions),
	 * or the built-in ones; set by the router before the handler runs. */
	struct tenant_schemas schemas;
	const char *resource_id;   /* the {id} segment of the path, or NULL */
	run_operation_fn run_operation;
	log_operation_fn log_operation;
	struct scim_error err;     /* set by a handler that fails */
	/* A write's row of the provisioning log: the router fills in who and
	 * what was asked, the handler what it did, before its last statement
	 * (the row goes with COMMIT: store_log_with_commit()). */
	struct store_log_entry audit;
	/* Attributes of the body no schema of the tenant knows, ignored
	 * (resource_ignored()): handler_audit() names them in the log's row. */
	json_t *ignored;
};

#endif
