/* settings.c - settings from the environment; see settings.h. */
#include "settings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The value of `name`, NULL when unset or empty. */
static const char *env(const char *name)
{
	const char *text = getenv(name);

	return text != NULL && text[0] != '\0' ? text : NULL;
}

/* An integer setting from `min` to `max`; `fallback` when unset. */
static bool env_long(const char *name, long fallback, long min, long max, const char *unit,
		     long *out, struct scim_error *err)
{
	const char *text = env(name);
	char *end;
	long value;

	*out = fallback;
	if (text == NULL)
		return true;
	value = strtol(text, &end, 10);
	if (*end != '\0' || text[0] == '-' || text[0] == '+' || text[0] == ' ' ||
	    value < min || value > max)
		return error_set(err, 500, NULL, "%s=%.64s: not a number of %s from %ld to %ld",
				 name, text, unit, min, max);
	*out = value;
	return true;
}

/* One of `words` (each with its value), case-insensitively. */
static bool env_word(const char *name, const char *const *words, const int *values,
		     const char *accepted, int fallback, int *out, struct scim_error *err)
{
	const char *text = env(name);
	size_t i;

	*out = fallback;
	if (text == NULL)
		return true;
	for (i = 0; words[i] != NULL; i++) {
		if (strcasecmp(text, words[i]) == 0) {
			*out = values[i];
			return true;
		}
	}
	return error_set(err, 500, NULL, "%s=%.64s: not one of %s", name, text, accepted);
}

bool settings_load(struct settings *s, struct scim_error *err)
{
	static const char *const levels[] = { "error", "warning", "info", "debug", NULL };
	static const int level_values[] = { LOG_ERROR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	static const char *const logs[] = { "writes", "all", NULL };
	static const int log_values[] = { 0, 1 };
	const char *db = getenv("SCIM_DATABASE");
	const char *base_url = env("SCIM_BASE_URL");
	long value;
	int word;

	memset(s, 0, sizeof(*s));
	s->database = db != NULL ? db : "";
	if (base_url != NULL && strncmp(base_url, "http://", 7) != 0 &&
	    strncmp(base_url, "https://", 8) != 0)
		return error_set(err, 500, NULL, "SCIM_BASE_URL=%.64s: not an http:// or https:// "
				 "URL (the public URL of the SCIM base, e.g. "
				 "https://scim.example.com/scim/v2)", base_url);
	if (base_url != NULL && strlen(base_url) >= sizeof(s->base_url))
		return error_set(err, 500, NULL, "SCIM_BASE_URL: longer than %zu bytes",
				 sizeof(s->base_url) - 1);
	snprintf(s->base_url, sizeof(s->base_url), "%s", base_url != NULL ? base_url : "");
	/* Location headers append "/Users/ID" to it. */
	while (strlen(s->base_url) > 0 && s->base_url[strlen(s->base_url) - 1] == '/')
		s->base_url[strlen(s->base_url) - 1] = '\0';
	if (!env_long("SCIM_MAX_BODY", 1024 * 1024, 1024, 256L * 1024 * 1024, "bytes", &value, err))
		return false;
	s->max_body = (size_t)value;
	if (!env_long("SCIM_MAX_RESULTS", 1000, 1, 100000, "resources", &value, err))
		return false;
	s->max_results = (int)value;
	/* Okta pages by 100; a list without count gets at most this many. */
	s->default_count = s->max_results < 100 ? s->max_results : 100;
	if (!env_long("SCIM_TOKEN_CACHE_SECONDS", 60, 0, 3600, "seconds", &value, err))
		return false;
	s->token_cache_seconds = (int)value;
	if (!env_word("SCIM_PROVISIONING_LOG", logs, log_values, "writes, all", 0, &word, err))
		return false;
	s->log_reads = word == 1;
	if (!env_long("SCIM_PROVISIONING_LOG_DAYS", 90, 1, 36500, "days", &value, err))
		return false;
	s->log_days = (int)value;
	if (!env_word("SCIM_LOG_LEVEL", levels, level_values, "error, warning, info, debug",
		      LOG_INFO, &word, err))
		return false;
	s->log_level = (enum log_level)word;
	if (!address_networks_parse(env("SCIM_TRUSTED_PROXIES"), &s->trusted_proxies, err)) {
		char detail[sizeof(err->detail)];

		snprintf(detail, sizeof(detail), "%s", err->detail);
		error_clear(err);
		return error_set(err, 500, NULL, "SCIM_TRUSTED_PROXIES: %s", detail);
	}
	return true;
}
