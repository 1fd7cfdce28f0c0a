/*
 * log.h - one line per event on stderr, which the web server writes to its
 * error log. A line names what it is about, as pgbouncer's lines name their
 * client: the request id and tenant of the log context given (NULL: none,
 * for lines about the worker itself). Callers never pass tokens or
 * passwords.
 */
#ifndef SCIM_LOG_H
#define SCIM_LOG_H

enum log_level { LOG_OFF = -1, LOG_ERROR, LOG_WARNING, LOG_INFO, LOG_DEBUG };

/* What a request's lines start with; empty members are left out. */
struct log_context {
	char request_id[40];
	char tenant[64];
};

/* Lines above `level` are dropped (LOG_OFF: every line); set once, at
 * start (the setting SCIM_LOG_LEVEL). */
void log_set_threshold(enum log_level level);

/* Fill `lc`; NULL leaves a member empty. */
void log_context_set(struct log_context *lc, const char *request_id, const char *tenant);

void log_msg(const struct log_context *lc, enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
