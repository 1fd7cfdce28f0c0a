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
	struct store *store;
	int status;

	/* A client that hangs up mid-response must not kill the worker. */
	signal(SIGPIPE, SIG_IGN);
	settings_load(&settings);
	log_init();
	store = store_new(settings.database);
	if (store == NULL)
		return 1;
	store_set_token_cache(store, settings.token_cache_seconds);
	status = fcgi_front_run(store, &settings);
	store_free(store);
	return status;
}
