/*
 * log.h - one line per event on stderr, which the web server writes to its
 * error log (or the journal). Every line is key=value pairs (logfmt), so
 * that an operator can grep and parse it:
 *
 *   time=2026-12-05T19:04:11.123Z level=info pid=1234 req=5f0c2a9b1e7d4c3a
 *     tenant=contoso token=3 provider="Entra production" client=192.0.2.7
 *     method=PATCH path=/Users/2819c223-... status=200 ms=3.1
 *   time=... level=warning pid=1234 req=... msg="token 3 refused from ..."
 *
 * time is UTC, to the millisecond; req, tenant, token and provider come
 * from the log context (NULL: none, for lines about the worker itself) and
 * are left out while unknown; a value with a space, a quote or an equals
 * sign is quoted, with \" and \\ inside. Callers never pass tokens or
 * passwords; control characters are replaced, so that nobody can forge a
 * line.
 */
#ifndef SCIM_LOG_H
#define SCIM_LOG_H

#include <stddef.h>

enum log_level { LOG_OFF = -1, LOG_ERROR, LOG_WARNING, LOG_INFO, LOG_DEBUG };

/* What a request's lines start with; empty members are left out. */
struct log_context {
	char request_id[40];
	char tenant[64];
	long long token_id;	/* 0: none */
	char provider[64];	/* the token's title */
};

/* Lines above `level` are dropped (LOG_OFF: every line); set once, at
 * start (the setting SCIM_LOG_LEVEL). */
void log_set_threshold(enum log_level level);

/* Whether a line of `level` would be written. */
int log_enabled(enum log_level level);

/* Fill `lc`; NULL leaves a member empty. */
void log_context_set(struct log_context *lc, const char *request_id, const char *tenant);
void log_context_set_provider(struct log_context *lc, long long token_id, const char *title);

/* A line with msg="..." after the context. */
void log_msg(const struct log_context *lc, enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A line of pairs: log_line_start(), log_line_add() for each, log_line_end(). */
struct log_line {
	enum log_level level;
	char text[2048];
	size_t len;
};
void log_line_start(struct log_line *line, const struct log_context *lc, enum log_level level);
void log_line_add(struct log_line *line, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void log_line_end(struct log_line *line);

#endif
