/*
 * settings.h - the service's settings, read once at start from the
 * environment (the web server passes them to the workers; the admin tool
 * reads the same variables):
 *
 *   SCIM_DATABASE    libpq connection string or URI; empty uses libpq's
 *                    PGHOST, PGPORT, PGDATABASE, PGUSER... variables
 *   SCIM_MAX_BODY    largest request body in bytes (default 1 MiB)
 *   SCIM_MAX_RESULTS largest page a list returns (default 1000)
 *   SCIM_BASE_URL    the public URL of the SCIM base, e.g.
 *                    https://example.com/scim/v2, when the web server's view
 *                    differs (a reverse proxy); default: from the request
 *   SCIM_TRUSTED_PROXIES  networks of the load balancers or reverse
 *                    proxies in front of the web server, e.g. "10.0.0.0/24,
 *                    2001:db8::/64": from them X-Forwarded-For names the
 *                    client (see address.h); default: nobody, the header is
 *                    ignored
 *   SCIM_TOKEN_CACHE_SECONDS  how long a worker keeps a checked token in
 *                    memory at most (default 60; 0: the database is asked
 *                    on every request). A change to tokens is seen by the
 *                    very next request all the same (store.h)
 *   SCIM_PROVISIONING_LOG  writes (default): the provisioning log has a
 *                    row for each write of a client; all: for each read
 *                    and refused authentication too
 *   SCIM_PROVISIONING_LOG_DAYS  how long scimctl log prune keeps its rows
 *                    (default 90)
 *   SCIM_LOG_LEVEL   error, warning, info (default) or debug
 */
#ifndef SCIM_SETTINGS_H
#define SCIM_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

#include "address.h"
#include "error.h"
#include "log.h"

struct settings {
	const char *database;  /* borrowed from the environment; never NULL */
	char base_url[1024];   /* without a trailing slash; "" when unset */
	size_t max_body;
	int max_results;
	int default_count;
	int token_cache_seconds;
	bool log_reads;        /* SCIM_PROVISIONING_LOG=all */
	int log_days;          /* SCIM_PROVISIONING_LOG_DAYS */
	struct address_networks trusted_proxies; /* none when unset */
	enum log_level log_level;
};

/* Fill `s` from the environment, with defaults for what is unset. False
 * when a setting has a value it does not accept: err says which, the
 * value and what is accepted, and the program should not start. */
bool settings_load(struct settings *s, struct scim_error *err);

#endif
