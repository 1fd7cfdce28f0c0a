/* settings.c - settings from scim.conf and the environment; see settings.h. */
#include "settings.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* The names, as in the environment and the file, and how settings_print()
 * shows a default that is not a value of its own. */
static const struct {
	const char *name;
	const char *shown_default;
} defs[SETTING_COUNT] = {
	[SETTING_DATABASE] = { "SCIM_DATABASE", "(libpq's PGHOST, PGDATABASE, PGUSER...)" },
	[SETTING_BASE_URL] = { "SCIM_BASE_URL", "(from each request)" },
	[SETTING_MAX_BODY] = { "SCIM_MAX_BODY", "1048576" },
	[SETTING_MAX_RESULTS] = { "SCIM_MAX_RESULTS", "1000" },
	[SETTING_TRUSTED_PROXIES] = { "SCIM_TRUSTED_PROXIES", "(none)" },
	[SETTING_TOKEN_CACHE_SECONDS] = { "SCIM_TOKEN_CACHE_SECONDS", "60" },
	[SETTING_PROVISIONING_LOG] = { "SCIM_PROVISIONING_LOG", "writes" },
	[SETTING_PROVISIONING_LOG_DAYS] = { "SCIM_PROVISIONING_LOG_DAYS", "90" },
	[SETTING_LOG_LEVEL] = { "SCIM_LOG_LEVEL", "info" },
	[SETTING_METRICS] = { "SCIM_METRICS", "127.0.0.0/8, ::1/128" },
	[SETTING_METRICS_FILE] = { "SCIM_METRICS_FILE", NULL },
	[SETTING_SQL_DIR] = { "SCIM_SQL_DIR", "(see scimctl migrate --help)" },
};

/* Longest value the file may hold. */
#define VALUE_MAX 4096

/* The value of a setting; NULL when neither the file nor the environment
 * sets it (or sets it empty). */
static const char *value(const struct settings *s, enum setting_id id)
{
	const char *text = s->sources[id].text;

	return text != NULL && text[0] != '\0' ? text : NULL;
}

/* Where a bad value came from, to begin the error's line with: the file and
 * line, or nothing for the environment (the variable's name says it). */
static const char *origin(const struct settings *s, enum setting_id id, char *buf, size_t size)
{
	if (s->sources[id].origin != SETTING_FROM_FILE)
		return "";
	snprintf(buf, size, "%s:%d: ", s->file, s->sources[id].line);
	return buf;
}

static void set_source(struct settings *s, enum setting_id id, const char *text,
		       enum setting_origin from, int line)
{
	free(s->sources[id].text);
	s->sources[id].text = strdup(text);
	if (s->sources[id].text == NULL)
		abort();
	s->sources[id].origin = from;
	s->sources[id].line = line;
}

static char *trim(char *text)
{
	char *end = text + strlen(text);

	while (isspace((unsigned char)*text))
		text++;
	while (end > text && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return text;
}

static int find_setting(const char *name)
{
	int id;

	for (id = 0; id < SETTING_COUNT; id++)
		if (strcasecmp(defs[id].name, name) == 0)
			return id;
	return -1;
}

/* One "NAME = value" line of the file (comments and blank lines are no
 * concern of this). */
static bool read_line(struct settings *s, char *line, int number, struct scim_error *err)
{
	char *equals = strchr(line, '=');
	char *name;
	char *text;
	size_t len;
	int id;

	if (equals == NULL)
		return error_set(err, 500, NULL, "%s:%d: not a NAME = value line", s->file, number);
	*equals = '\0';
	name = trim(line);
	text = trim(equals + 1);
	id = find_setting(name);
	if (id < 0)
		return error_set(err, 500, NULL, "%s:%d: %.64s: not a setting (scim.conf(5) lists "
				 "them)", s->file, number, name);
	if (s->sources[id].origin == SETTING_FROM_FILE)
		return error_set(err, 500, NULL, "%s:%d: %s: set again (first on line %d)", s->file,
				 number, defs[id].name, s->sources[id].line);
	len = strlen(text);
	if (len > VALUE_MAX)
		return error_set(err, 500, NULL, "%s:%d: %s: longer than %d bytes", s->file, number,
				 defs[id].name, VALUE_MAX);
	/* "value" keeps spaces at its ends; nothing else is unquoted. */
	if (len >= 2 && text[0] == '"' && text[len - 1] == '"') {
		text[len - 1] = '\0';
		text++;
	}
	set_source(s, (enum setting_id)id, text, SETTING_FROM_FILE, number);
	return true;
}

/* Read the configuration file: the one named (it must exist), else the
 * default one if there is one. */
static bool read_file(struct settings *s, const char *named, struct scim_error *err)
{
	const char *path = named != NULL ? named : SETTINGS_DEFAULT_FILE;
	char *line = NULL;
	size_t cap = 0;
	int number = 0;
	bool ok = true;
	FILE *f;

	if (strlen(path) >= sizeof(s->file))
		return error_set(err, 500, NULL, "%.64s...: the configuration file's name is too long",
				 path);
	f = fopen(path, "re");
	if (f == NULL) {
		if (named == NULL && errno == ENOENT)
			return true;
		/* It may hold a database password: mode 640, group of the workers. */
		if (errno == EACCES)
			return error_set(err, 500, NULL, "%s: the configuration file cannot be read: %s "
					 "(as root, or a member of its group)", path, strerror(errno));
		return error_set(err, 500, NULL, "%s: the configuration file cannot be read: %s", path,
				 strerror(errno));
	}
	snprintf(s->file, sizeof(s->file), "%s", path);
	while (ok && getline(&line, &cap, f) >= 0) {
		char *text = trim(line);

		number++;
		if (*text == '\0' || *text == '#')
			continue;
		ok = read_line(s, text, number, err);
	}
	if (ok && ferror(f))
		ok = error_set(err, 500, NULL, "%s: the configuration file cannot be read: %s", path,
			       strerror(errno));
	free(line);
	fclose(f);
	return ok;
}

/* An integer setting from `min` to `max`; `fallback` when unset. */
static bool read_long(const struct settings *s, enum setting_id id, long fallback, long min,
		      long max, const char *unit, long *out, struct scim_error *err)
{
	const char *text = value(s, id);
	char where[600];
	char *end;
	long number;

	*out = fallback;
	if (text == NULL)
		return true;
	errno = 0;
	number = strtol(text, &end, 10);
	if (*end != '\0' || text[0] == '-' || text[0] == '+' || isspace((unsigned char)text[0]) ||
	    errno != 0 || number < min || number > max)
		return error_set(err, 500, NULL, "%s%s=%.64s: not a number of %s from %ld to %ld",
				 origin(s, id, where, sizeof(where)), defs[id].name, text, unit,
				 min, max);
	*out = number;
	return true;
}

/* One of `words` (each with its value), case-insensitively. */
static bool read_word(const struct settings *s, enum setting_id id, const char *const *words,
		      const int *values, int fallback, int *out, struct scim_error *err)
{
	const char *text = value(s, id);
	char accepted[128] = "";
	char where[600];
	size_t i;

	*out = fallback;
	if (text == NULL)
		return true;
	for (i = 0; words[i] != NULL; i++) {
		if (strcasecmp(text, words[i]) == 0) {
			*out = values[i];
			return true;
		}
		snprintf(accepted + strlen(accepted), sizeof(accepted) - strlen(accepted), "%s%s",
			 i > 0 ? ", " : "", words[i]);
	}
	return error_set(err, 500, NULL, "%s%s=%.64s: not one of %s",
			 origin(s, id, where, sizeof(where)), defs[id].name, text, accepted);
}

/* Networks separated by commas or spaces; `fallback` when unset. */
static bool read_networks(const struct settings *s, enum setting_id id, const char *fallback,
			  struct address_networks *out, struct scim_error *err)
{
	const char *text = value(s, id);
	char detail[sizeof(err->detail)];
	char where[600];

	if (text == NULL)
		text = fallback;
	if (text != NULL && strcasecmp(text, "none") == 0)
		text = NULL;
	if (address_networks_parse(text, out, err))
		return true;
	snprintf(detail, sizeof(detail), "%s", err->detail);
	error_clear(err);
	return error_set(err, 500, NULL, "%s%s: %s", origin(s, id, where, sizeof(where)),
			 defs[id].name, detail);
}

/* A path of at most size - 1 bytes; `fallback` when unset. */
static bool read_path(const struct settings *s, enum setting_id id, const char *fallback,
		      char *out, size_t size, struct scim_error *err)
{
	const char *text = value(s, id);
	char where[600];

	if (text == NULL)
		text = fallback;
	if (strlen(text) >= size)
		return error_set(err, 500, NULL, "%s%s: longer than %zu bytes",
				 origin(s, id, where, sizeof(where)), defs[id].name, size - 1);
	snprintf(out, size, "%s", text);
	return true;
}

static bool read_base_url(struct settings *s, struct scim_error *err)
{
	const char *text = value(s, SETTING_BASE_URL);
	char where[600];
	size_t len;

	if (text != NULL && strncmp(text, "http://", 7) != 0 && strncmp(text, "https://", 8) != 0)
		return error_set(err, 500, NULL, "%sSCIM_BASE_URL=%.64s: not an http:// or https:// "
				 "URL (the public URL of the SCIM base, e.g. "
				 "https://scim.example.com/scim/v2)",
				 origin(s, SETTING_BASE_URL, where, sizeof(where)), text);
	if (!read_path(s, SETTING_BASE_URL, "", s->base_url, sizeof(s->base_url), err))
		return false;
	/* Location headers append "/Users/ID" to it. */
	len = strlen(s->base_url);
	while (len > 0 && s->base_url[len - 1] == '/')
		s->base_url[--len] = '\0';
	return true;
}

static void default_metrics_file(char *out, size_t size)
{
	snprintf(out, size, "/tmp/scim-metrics-%u", (unsigned)geteuid());
}

bool settings_load(struct settings *s, const char *file, struct scim_error *err)
{
	static const char *const levels[] = { "error", "warning", "info", "debug", NULL };
	static const int level_values[] = { LOG_ERROR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	static const char *const logs[] = { "writes", "all", NULL };
	static const int log_values[] = { 0, 1 };
	char metrics_file[sizeof(s->metrics_file)];
	const char *named = file;
	long number;
	int word;
	int id;

	memset(s, 0, sizeof(*s));
	s->database = "";
	if (named == NULL && getenv("SCIM_CONFIG") != NULL && getenv("SCIM_CONFIG")[0] != '\0')
		named = getenv("SCIM_CONFIG");
	if (!read_file(s, named, err))
		return false;
	/* The environment overrides the file; set empty, it sets nothing. */
	for (id = 0; id < SETTING_COUNT; id++) {
		const char *text = getenv(defs[id].name);

		if (text != NULL && text[0] != '\0')
			set_source(s, (enum setting_id)id, text, SETTING_FROM_ENVIRONMENT, 0);
	}

	if (value(s, SETTING_DATABASE) != NULL)
		s->database = value(s, SETTING_DATABASE);
	if (!read_base_url(s, err))
		return false;
	if (!read_long(s, SETTING_MAX_BODY, 1024 * 1024, 1024, 256L * 1024 * 1024, "bytes",
		       &number, err))
		return false;
	s->max_body = (size_t)number;
	if (!read_long(s, SETTING_MAX_RESULTS, 1000, 1, 100000, "resources", &number, err))
		return false;
	s->max_results = (int)number;
	/* Okta pages by 100; a list without count gets at most this many. */
	s->default_count = s->max_results < 100 ? s->max_results : 100;
	if (!read_long(s, SETTING_TOKEN_CACHE_SECONDS, 60, 0, 3600, "seconds", &number, err))
		return false;
	s->token_cache_seconds = (int)number;
	if (!read_word(s, SETTING_PROVISIONING_LOG, logs, log_values, 0, &word, err))
		return false;
	s->log_reads = word == 1;
	if (!read_long(s, SETTING_PROVISIONING_LOG_DAYS, 90, 1, 36500, "days", &number, err))
		return false;
	s->log_days = (int)number;
	if (!read_word(s, SETTING_LOG_LEVEL, levels, level_values, LOG_INFO, &word, err))
		return false;
	s->log_level = (enum log_level)word;
	if (!read_networks(s, SETTING_TRUSTED_PROXIES, NULL, &s->trusted_proxies, err) ||
	    !read_networks(s, SETTING_METRICS, defs[SETTING_METRICS].shown_default,
			   &s->metrics_networks, err))
		return false;
	default_metrics_file(metrics_file, sizeof(metrics_file));
	if (!read_path(s, SETTING_METRICS_FILE, metrics_file, s->metrics_file,
		       sizeof(s->metrics_file), err))
		return false;
	if (strcasecmp(s->metrics_file, "none") == 0)
		s->metrics_file[0] = '\0';
	s->sql_dir = value(s, SETTING_SQL_DIR);
	return true;
}

void settings_clear(struct settings *s)
{
	int id;

	for (id = 0; id < SETTING_COUNT; id++) {
		free(s->sources[id].text);
		s->sources[id].text = NULL;
	}
	s->database = "";
	s->sql_dir = NULL;
}

/* The end of a password in a connection string's keyword form: a quoted
 * value ends at its closing quote ('' and \' inside), another at a space. */
static const char *password_end(const char *start)
{
	const char *p = start;

	if (*p != '\'') {
		while (*p != '\0' && !isspace((unsigned char)*p))
			p++;
		return p;
	}
	for (p++; *p != '\0' && *p != '\''; p++)
		if (*p == '\\' && p[1] != '\0')
			p++;
	return *p == '\'' ? p + 1 : p;
}

const char *settings_mask_password(const char *conninfo, char *out, size_t size)
{
	size_t len = 0;
	const char *p = conninfo;

	out[0] = '\0';
	if (strncmp(p, "postgresql://", 13) == 0 || strncmp(p, "postgres://", 11) == 0) {
		/* postgresql://user:password@host/db?password=...: the part
		 * between ':' and '@' of the user info, and any password
		 * parameter. */
		const char *authority = strstr(p, "://") + 3;
		const char *at = strchr(authority, '@');
		const char *colon = strchr(authority, ':');
		const char *slash = authority + strcspn(authority, "/?");

		if (at != NULL && at < slash && colon != NULL && colon < at) {
			len += (size_t)snprintf(out, size, "%.*s****", (int)(colon + 1 - p), p);
			p = at;
		}
		/* Every parameter named password or sslpassword, wherever. */
		while (len < size && *p != '\0') {
			size_t key = strcspn(p, "=&");

			if (p[key] == '=' && ((key == 8 && strncmp(p, "password", 8) == 0) ||
					      (key == 11 && strncmp(p, "sslpassword", 11) == 0))) {
				len += (size_t)snprintf(out + len, size - len, "%.*s=****", (int)key, p);
				p += key + 1 + strcspn(p + key + 1, "&");
				continue;
			}
			/* Up to and with the next separator. */
			key = strcspn(p, "?&");
			len += (size_t)snprintf(out + len, size - len, "%.*s%s", (int)key, p,
						p[key] != '\0' ? (p[key] == '?' ? "?" : "&") : "");
			p += key + (p[key] != '\0');
		}
		return out;
	}
	while (len < size && *p != '\0') {
		const char *key = strstr(p, "password");
		const char *q;

		/* A keyword of its own: at the start or after a space. */
		if (key == NULL) {
			snprintf(out + len, size - len, "%s", p);
			break;
		}
		q = key + 8;
		while (isspace((unsigned char)*q))
			q++;
		if ((key != conninfo && !isspace((unsigned char)key[-1])) || *q != '=') {
			len += (size_t)snprintf(out + len, size - len, "%.*s", (int)(q - p), p);
			p = q;
			continue;
		}
		q++;
		while (isspace((unsigned char)*q))
			q++;
		len += (size_t)snprintf(out + len, size - len, "%.*s****", (int)(q - p), p);
		p = password_end(q);
	}
	return out;
}

void settings_print(const struct settings *s, FILE *out)
{
	int id;

	if (s->file[0] != '\0')
		fprintf(out, "# configuration file: %s\n", s->file);
	else
		fprintf(out, "# configuration file: none (%s does not exist)\n",
			SETTINGS_DEFAULT_FILE);
	for (id = 0; id < SETTING_COUNT; id++) {
		const struct setting_source *src = &s->sources[id];
		char shown[VALUE_MAX + 64];
		char from[600];

		if (value(s, (enum setting_id)id) == NULL) {
			snprintf(from, sizeof(from), "default");
			if (id == SETTING_METRICS_FILE)
				default_metrics_file(shown, sizeof(shown));
			else
				snprintf(shown, sizeof(shown), "%s", defs[id].shown_default);
		} else {
			if (src->origin == SETTING_FROM_FILE)
				snprintf(from, sizeof(from), "%s:%d", s->file, src->line);
			else
				snprintf(from, sizeof(from), "environment");
			if (id == SETTING_DATABASE)
				settings_mask_password(src->text, shown, sizeof(shown));
			else
				snprintf(shown, sizeof(shown), "%s", src->text);
		}
		fprintf(out, "%-27s %-28s %s\n", defs[id].name, from, shown);
	}
}
