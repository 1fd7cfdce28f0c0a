/*
 * handlers_monitoring.c - what load balancers and monitoring ask, without a
 * token: liveness (/live), readiness (/ready) and the Prometheus metrics
 * (/metrics, for the networks of SCIM_METRICS), beside the SCIM endpoints
 * under the same base.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "handlers.h"
#include "log.h"
#include "metrics.h"
#include "store_admin.h"

/* Answer with `text` (malloc'd, the response's now) of `type`: these are
 * not SCIM, and a probe's line is logged at debug level only. */
static bool respond_probe(struct request_context *ctx, int status, char *text, const char *type)
{
	ctx->resp->status = status;
	ctx->resp->page = text;
	ctx->resp->page_type = type;
	ctx->resp->probe = true;
	return true;
}

/* A small JSON answer, sent as application/json. */
static bool respond_json(struct request_context *ctx, int status, json_t *body)
{
	char *text = json_dumps(body, JSON_COMPACT);

	json_decref(body);
	if (text == NULL)
		return error_set(&ctx->err, 500, NULL, "the response could not be encoded");
	return respond_probe(ctx, status, text, "application/json");
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

/* How old the users and groups per tenant may be: counting them reads
 * every row's index entry, so not on every scrape. */
#define COUNTS_MAX_AGE 60

/* Count the users and groups of every tenant, unless another scrape of the
 * pool did so within the minute. A failure leaves the last counts. */
static void count_resources(struct request_context *ctx)
{
	struct store_tenant_row *rows = NULL;
	struct scim_error err = { 0 };
	int nrows = 0;
	int i;

	if (!metrics_counts_due(COUNTS_MAX_AGE))
		return;
	if (!store_tenant_list(ctx->store, &rows, &nrows, &err)) {
		log_msg(ctx->log, LOG_WARNING, "metrics: users and groups not counted: %s", err.detail);
		metrics_counts_done(false);
		return;
	}
	for (i = 0; i < nrows; i++)
		metrics_tenant_count(rows[i].name, rows[i].users, rows[i].groups);
	free(rows);
	metrics_counts_done(true);
}

/*
 * The pool's counters in Prometheus's text format, for the networks of
 * SCIM_METRICS alone (loopback unless set): they name tenants. The client
 * is the address the web server names, or X-Forwarded-For's from a trusted
 * proxy, as for tokens.
 */
bool metrics_get(struct request_context *ctx)
{
	const char *client = ctx->req->client_address;
	struct address addr;
	char *text;

	if (client == NULL || !address_parse(client, strlen(client), &addr) ||
	    !address_networks_contain(&ctx->settings->metrics_networks, &addr))
		return error_set(&ctx->err, 403, NULL, "the metrics are not shown to %s "
				 "(SCIM_METRICS names who may read them)", client ? client : "this client");
	count_resources(ctx);
	text = metrics_render();
	if (text == NULL)
		return error_set(&ctx->err, 503, NULL, "no metrics: %s", metrics_failure());
	return respond_probe(ctx, 200, text, "text/plain; version=0.0.4; charset=utf-8");
}
