/*
 * main.c - scim-fcgi, the FastCGI worker. The web server starts a pool of
 * these; each keeps one database connection and serves requests one at a
 * time until the web server stops it.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "fcgi_front.h"
#include "log.h"
#include "settings.h"
#include "store.h"

static int usage(void)
{
	printf("scim-fcgi - the SCIM 2.0 endpoint's worker, a FastCGI (or CGI) program that a web\n"
	       "server starts: lighttpd, Apache with mod_fcgid, nginx with spawn-fcgi. It takes no\n"
	       "arguments; its settings come from the environment (SCIM_DATABASE, SCIM_BASE_URL,\n"
	       "SCIM_LOG_LEVEL, ...; see the README). A setting with a value it does not accept\n"
	       "stops it at start, with a line naming the setting.\n"
	       "  scim-fcgi --version\n");
	return 0;
}

int main(int argc, char **argv)
{
	struct settings settings;
	struct scim_error err = { 0 };
	struct store *store;
	int status;

	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("scim-fcgi (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
		return 0;
	}
	if (argc > 1)
		return usage();
	/* A client that hangs up mid-response must not kill the worker. */
	signal(SIGPIPE, SIG_IGN);
	if (!settings_load(&settings, &err)) {
		/* Never a silent default: the web server's log says why. */
		log_msg(NULL, LOG_ERROR, "%s; not starting", err.detail);
		return 1;
	}
	log_set_threshold(settings.log_level);
	store = store_new(settings.database);
	if (store == NULL)
		return 1;
	store_set_token_cache(store, settings.token_cache_seconds);
	status = fcgi_front_run(store, &settings);
	store_free(store);
	return status;
}
