/*
 * settings.h - the service's settings, read once at start from a
 * configuration file and the environment. The file (scim.conf(5)) has
 * "NAME = value" lines with the names below; a variable of the environment
 * of the same name overrides the file (the web server passes them to the
 * workers; the admin tool reads the same ones). The file is the one named by
 * --config or SCIM_CONFIG, else SETTINGS_DEFAULT_FILE if it exists.
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
 *   SCIM_METRICS     networks allowed to read /metrics (default loopback:
 *                    127.0.0.0/8 and ::1); "none": nobody
 *   SCIM_METRICS_FILE  the file the workers of a pool keep their counters
 *                    in, shared (metrics.h); default /tmp/scim-metrics-UID;
 *                    none: nothing is counted
 *   SCIM_SQL_DIR     where scimctl migrate finds the migrations
 */
#ifndef SCIM_SETTINGS_H
#define SCIM_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "address.h"
#include "error.h"
#include "log.h"

#ifndef SETTINGS_DEFAULT_FILE
#define SETTINGS_DEFAULT_FILE "/etc/scim/scim.conf"
#endif

/* Every setting, by the index of its value in struct settings. */
enum setting_id {
	SETTING_DATABASE,
	SETTING_BASE_URL,
	SETTING_MAX_BODY,
	SETTING_MAX_RESULTS,
	SETTING_TRUSTED_PROXIES,
	SETTING_TOKEN_CACHE_SECONDS,
	SETTING_PROVISIONING_LOG,
	SETTING_PROVISIONING_LOG_DAYS,
	SETTING_LOG_LEVEL,
	SETTING_METRICS,
	SETTING_METRICS_FILE,
	SETTING_SQL_DIR,
	SETTING_COUNT
};

enum setting_origin { SETTING_FROM_DEFAULT, SETTING_FROM_FILE, SETTING_FROM_ENVIRONMENT };

/* Where a setting's value came from: its text (owned; NULL for a default)
 * and, from the file, its line. */
struct setting_source {
	char *text;
	enum setting_origin origin;
	int line;
};

struct settings {
	const char *database;  /* never NULL; "" for libpq's defaults */
	char base_url[1024];   /* without a trailing slash; "" when unset */
	size_t max_body;
	int max_results;
	int default_count;
	int token_cache_seconds;
	bool log_reads;        /* SCIM_PROVISIONING_LOG=all */
	int log_days;          /* SCIM_PROVISIONING_LOG_DAYS */
	struct address_networks trusted_proxies; /* none when unset */
	enum log_level log_level;
	struct address_networks metrics_networks; /* who may read /metrics */
	char metrics_file[512];  /* "" for none */
	const char *sql_dir;   /* NULL when unset */
	char file[512];        /* the configuration file read; "" for none */
	struct setting_source sources[SETTING_COUNT];
};

/*
 * Fill `s` from the configuration file `file` (NULL: SCIM_CONFIG, else the
 * default file if there is one) and the environment, with defaults for what
 * neither sets. False when the file cannot be read or names an unknown
 * setting, or a setting has a value it does not accept: err's detail is one
 * line that names the file and line (or the environment), the setting, its
 * value and what is accepted, and the program should not start. Call
 * settings_clear() when done, whatever the outcome.
 */
bool settings_load(struct settings *s, const char *file, struct scim_error *err);
void settings_clear(struct settings *s);

/* Print every setting's effective value and where it came from, one per
 * line; a database password is masked. */
void settings_print(const struct settings *s, FILE *out);

/* `conninfo` (a libpq connection string or URI) with its password replaced
 * by "****", in `out`; returns out. */
const char *settings_mask_password(const char *conninfo, char *out, size_t size);

#endif
