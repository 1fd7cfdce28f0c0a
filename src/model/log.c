/* log.c - logging to stderr in logfmt; see log.h. */
#include "log.h"
#include "utf8.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Set once at start, before any request. */
static enum log_level log_threshold = LOG_INFO;

void log_set_threshold(enum log_level level)
{
	log_threshold = level;
}

int log_enabled(enum log_level level)
{
	return level <= log_threshold;
}

void log_context_set(struct log_context *lc, const char *request_id, const char *tenant)
{
	snprintf(lc->request_id, sizeof(lc->request_id), "%s", request_id ? request_id : "");
	snprintf(lc->tenant, sizeof(lc->tenant), "%s", tenant ? tenant : "");
	lc->token_id = 0;
	lc->provider[0] = '\0';
}

void log_context_set_provider(struct log_context *lc, long long token_id, const char *title)
{
	lc->token_id = token_id;
	snprintf(lc->provider, sizeof(lc->provider), "%s", title ? title : "");
}

static void append(struct log_line *line, const char *text, size_t len)
{
	if (len > sizeof(line->text) - 1 - line->len)
		len = sizeof(line->text) - 1 - line->len;
	memcpy(line->text + line->len, text, len);
	line->len += len;
	line->text[line->len] = '\0';
}

/* key=value, the value quoted when it must be. */
static void append_pair(struct log_line *line, const char *key, char *value)
{
	const char *p;
	bool quote;

	/* No control character or broken UTF-8 from a client reaches the log. */
	utf8_sanitize(value);
	quote = value[0] == '\0' || strpbrk(value, " \"=\\") != NULL;
	append(line, " ", 1);
	append(line, key, strlen(key));
	append(line, quote ? "=\"" : "=", quote ? 2 : 1);
	if (!quote) {
		append(line, value, strlen(value));
		return;
	}
	for (p = value; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			append(line, "\\", 1);
		append(line, p, 1);
	}
	append(line, "\"", 1);
}

void log_line_start(struct log_line *line, const struct log_context *lc, enum log_level level)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };
	struct timespec now;
	struct tm tm;
	char head[96];

	line->level = level;
	line->len = 0;
	line->text[0] = '\0';
	if (!log_enabled(level))
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	snprintf(head, sizeof(head), "time=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=%s pid=%d",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 now.tv_nsec / 1000000, names[level], (int)getpid());
	append(line, head, strlen(head));
	if (lc == NULL)
		return;
	if (lc->request_id[0])
		log_line_add(line, "req", "%s", lc->request_id);
	if (lc->tenant[0])
		log_line_add(line, "tenant", "%s", lc->tenant);
	if (lc->token_id > 0)
		log_line_add(line, "token", "%lld", lc->token_id);
	if (lc->provider[0])
		log_line_add(line, "provider", "%s", lc->provider);
}

void log_line_add(struct log_line *line, const char *key, const char *fmt, ...)
{
	char value[1024];
	va_list ap;

	if (!log_enabled(line->level))
		return;
	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	append_pair(line, key, value);
}

void log_line_end(struct log_line *line)
{
	if (!log_enabled(line->level))
		return;
	/* One write per line, so that workers sharing the log do not
	 * interleave. */
	fprintf(stderr, "%s\n", line->text);
	fflush(stderr);
}

void log_msg(const struct log_context *lc, enum log_level level, const char *fmt, ...)
{
	struct log_line line;
	char message[1024];
	va_list ap;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	log_line_start(&line, lc, level);
	append_pair(&line, "msg", message);
	log_line_end(&line);
}
