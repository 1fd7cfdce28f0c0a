/*
 * handlers_monitoring.c - what load balancers and monitoring ask, without a
 * token: liveness (/live), readiness (/ready) and the Prometheus metrics
 * (/metrics), beside the SCIM endpoints under the same base.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "log.h"

/* A small JSON answer, sent as application/json: these are not SCIM. */
static bool respond_json(struct request_context *ctx, int status, json_t *body)
{
	char *text = json_dumps(body, JSON_COMPACT);

	json_decref(body);
	if (text == NULL)
		return error_set(&ctx->err, 500, NULL, "the response could not be encoded");
	ctx->resp->status = status;
	ctx->resp->page = text;
	ctx->resp->page_type = "application/json";
	ctx->resp->probe = true;
	return true;
}

/* Live: the worker answers. Nothing else is asked, so that a database
 * outage never makes a supervisor restart healthy workers. */
bool health_live(struct request_context *ctx)
{
	return respond_json(ctx, 200, json_pack("{s:s}", "status", "live"));
}

/*
 * Ready: the database answers and its schema is one this worker can serve.
 * A load balancer sends no traffic to a worker that is not: 503 with the
 * reason. The database's own message goes to the log, not to whoever asks.
 */
bool health_ready(struct request_context *ctx)
{
	struct scim_error err = { 0 };
	int version;

	if (!store_schema_version(ctx->store, &version, &err)) {
		log_msg(ctx->log, LOG_WARNING, "not ready: %s", err.detail);
		return respond_json(ctx, 503, json_pack("{s:s, s:s}", "status", "unavailable",
							"reason", "the database cannot be reached"));
	}
	if (version < STORE_SCHEMA_VERSION) {
		char reason[160];

		snprintf(reason, sizeof(reason), "the database schema is at version %d, this "
			 "worker needs %d: run scimctl migrate", version, STORE_SCHEMA_VERSION);
		log_msg(ctx->log, LOG_WARNING, "not ready: %s", reason);
		return respond_json(ctx, 503, json_pack("{s:s, s:s, s:i, s:i}", "status", "unavailable",
							"reason", reason, "schema", version,
							"needs", STORE_SCHEMA_VERSION));
	}
	return respond_json(ctx, 200, json_pack("{s:s, s:i, s:i}", "status", "ready", "schema",
						version, "needs", STORE_SCHEMA_VERSION));
}
