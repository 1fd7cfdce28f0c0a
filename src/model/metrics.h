/*
 * metrics.h - the counters behind /metrics, kept for a whole pool of
 * workers. A scrape reaches one worker, so the counts live where every
 * worker of the pool adds to them: a file (SCIM_METRICS_FILE) that each maps
 * into memory and adds to with atomic operations. No lock, no system call
 * and no database write per request.
 *
 * The file is created by the first worker, readable by its user alone; a
 * file of another layout (an upgrade) is started again from zero, as
 * Prometheus expects of a restart. When it cannot be opened the worker
 * serves all the same, counting nothing, and /metrics says why.
 *
 * The functions below do nothing until metrics_open() succeeded. State is
 * the process's: one mapping, one slot in the table of workers.
 */
#ifndef SCIM_METRICS_H
#define SCIM_METRICS_H

#include <stdbool.h>

#include "error.h"

/* What a request asked for: the first segment of its path. */
enum metrics_resource {
	METRICS_USERS,
	METRICS_GROUPS,
	METRICS_BULK,
	METRICS_SEARCH,
	METRICS_ME,
	METRICS_SERVICE_PROVIDER_CONFIG,
	METRICS_RESOURCE_TYPES,
	METRICS_SCHEMAS,
	METRICS_LIVE,
	METRICS_READY,
	METRICS_METRICS,
	METRICS_CONSOLE,
	METRICS_OTHER,
	METRICS_RESOURCES
};

enum metrics_database_error {
	METRICS_DB_UNREACHABLE, /* a connection could not be opened */
	METRICS_DB_LOST,        /* an open connection broke */
	METRICS_DB_BUSY,        /* a serialization failure, a deadlock, a timeout */
	METRICS_DB_INTERNAL,    /* any other error that is not the client's */
	METRICS_DB_ERROR_KINDS
};

/* Map the pool's file at `path` and take a slot in its table of workers;
 * "" counts nothing (SCIM_METRICS_FILE=none). */
bool metrics_open(const char *path, struct scim_error *err);
/* Give the slot back and unmap (at a worker's exit). */
void metrics_close(void);
/* Why metrics_open() failed; "" when it did not. */
const char *metrics_failure(void);

/* The resource of a request path relative to the SCIM base ("/Users/1"),
 * or the console's. */
enum metrics_resource metrics_resource_of(const char *path, bool console);

/* A request answered: its resource, method, status and duration. */
void metrics_request(enum metrics_resource resource, const char *method, int status,
		     double seconds);

void metrics_database_error(enum metrics_database_error kind);
/* This worker's connection opened (true) or went (false). */
void metrics_database_connected(bool connected);
/* A connection opened again after one was lost or failed. */
void metrics_database_reconnect(void);

/* A write of the provisioning log's: the tenant's name and the action
 * (created, replaced, modified, disabled, enabled, unchanged, deleted,
 * failed). */
void metrics_write(const char *tenant, const char *action);

/*
 * The users and groups per tenant are counted by one scrape at most every
 * `max_age` seconds, and kept here for the others. True when this caller
 * is to count them now: then metrics_tenant_count() for each tenant and
 * metrics_counts_done() at the end, whatever the outcome.
 */
bool metrics_counts_due(int max_age);
void metrics_tenant_count(const char *tenant, long long users, long long groups);
void metrics_counts_done(bool counted);

/* The Prometheus text exposition of everything; malloc'd. NULL when
 * metrics_open() failed. */
char *metrics_render(void);

#endif
