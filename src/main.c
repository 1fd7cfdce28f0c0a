/*
 * main.c - scim-fcgi, the FastCGI worker. The web server starts a pool of
 * these; each keeps one database connection and serves requests one at a
 * time until the web server stops it. --check-config prints its settings.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "fcgi_front.h"
#include "log.h"
#include "metrics.h"
#include "settings.h"
#include "store.h"

static int usage(FILE *out, int status)
{
	fprintf(out,
		"scim-fcgi - the SCIM 2.0 endpoint's worker, a FastCGI (or CGI) program that a web\n"
		"server starts: lighttpd, Apache with mod_fcgid, nginx with spawn-fcgi. Its settings\n"
		"come from the configuration file (default %s, or SCIM_CONFIG) and the\n"
		"environment, which overrides it; see scim.conf(5). A setting it does not accept\n"
		"stops it at start, with a line naming the file and line, the setting and what is\n"
		"accepted.\n"
		"  scim-fcgi [--config FILE]                 serve (as the web server starts it)\n"
		"  scim-fcgi [--config FILE] --check-config  print the settings and where each came\n"
		"                                            from; exit 1 when one is wrong\n"
		"  scim-fcgi --version\n", SETTINGS_DEFAULT_FILE);
	return status;
}

int main(int argc, char **argv)
{
	struct settings settings;
	struct scim_error err = { 0 };
	const char *config = NULL;
	bool check = false;
	struct store *store;
	int status;
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--version") == 0) {
			printf("scim-fcgi (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
			return 0;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			return usage(stdout, 0);
		} else if (strcmp(argv[i], "--check-config") == 0) {
			check = true;
		} else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
			config = argv[++i];
		} else {
			fprintf(stderr, "scim-fcgi: unknown argument '%s'\n", argv[i]);
			return usage(stderr, 2);
		}
	}
	/* A client that hangs up mid-response must not kill the worker. */
	signal(SIGPIPE, SIG_IGN);
	if (!settings_load(&settings, config, &err)) {
		/* Never a silent default: the web server's log says why. */
		if (check)
			fprintf(stderr, "scim-fcgi: %s\n", err.detail);
		else
			log_msg(NULL, LOG_ERROR, "%s; not starting", err.detail);
		settings_clear(&settings);
		return 1;
	}
	if (check) {
		settings_print(&settings, stdout);
		settings_clear(&settings);
		return 0;
	}
	log_set_threshold(settings.log_level);
	/* Without its counters the worker still serves; /metrics says why. */
	if (!metrics_open(settings.metrics_file, &err)) {
		log_msg(NULL, LOG_WARNING, "%s: /metrics answers 503", err.detail);
		error_clear(&err);
	}
	store = store_new(settings.database);
	if (store == NULL)
		return 1;
	store_set_token_cache(store, settings.token_cache_seconds);
	status = fcgi_front_run(store, &settings);
	store_free(store);
	metrics_close();
	settings_clear(&settings);
	return status;
}
