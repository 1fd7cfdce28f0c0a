/*
 * main.c - scim-fcgi, the FastCGI worker. The web server starts a pool of
 * these; each keeps one database connection and serves requests one at a
 * time until the web server stops it.
 */
#include <signal.h>

#include "fcgi_front.h"
#include "log.h"
#include "settings.h"
#include "store.h"

int main(void)
{
	struct settings settings;
	struct scim_error err = { 0 };
	struct store *store;
	int status;

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
