/* settings.c - settings from the environment; see settings.h. */
#include "settings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static long env_long(const char *name, long fallback, long min, long max)
{
	const char *text = getenv(name);
	char *end;
	long value;

	if (text == NULL || *text == '\0')
		return fallback;
	value = strtol(text, &end, 10);
	if (*end != '\0' || value < min || value > max)
		return fallback;
	return value;
}

void settings_load(struct settings *s)
{
	const char *db = getenv("SCIM_DATABASE");
	const char *base_url = getenv("SCIM_BASE_URL");
	struct scim_error err = { 0 };

	s->database = db != NULL ? db : "";
	snprintf(s->base_url, sizeof(s->base_url), "%s", base_url != NULL ? base_url : "");
	/* Location headers append "/Users/ID" to it. */
	while (strlen(s->base_url) > 0 && s->base_url[strlen(s->base_url) - 1] == '/')
		s->base_url[strlen(s->base_url) - 1] = '\0';
	s->max_body = (size_t)env_long("SCIM_MAX_BODY", 1024 * 1024, 1024, 256L * 1024 * 1024);
	s->max_results = (int)env_long("SCIM_MAX_RESULTS", 1000, 1, 100000);
	/* Okta pages by 100; a list without count gets at most this many. */
	s->default_count = s->max_results < 100 ? s->max_results : 100;
	s->token_cache_seconds = (int)env_long("SCIM_TOKEN_CACHE_SECONDS", 60, 0, 3600);
	s->log_reads = getenv("SCIM_PROVISIONING_LOG") != NULL &&
		       strcmp(getenv("SCIM_PROVISIONING_LOG"), "all") == 0;
	s->log_days = (int)env_long("SCIM_PROVISIONING_LOG_DAYS", 90, 1, 36500);
	if (!address_networks_parse(getenv("SCIM_TRUSTED_PROXIES"), &s->trusted_proxies, &err))
		log_msg(NULL, LOG_ERROR, "SCIM_TRUSTED_PROXIES: %s; no proxy is trusted", err.detail);
}
