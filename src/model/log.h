/*
 * log.h - one line per event on stderr, which the web server writes to its
 * error log. Lines carry the request id and tenant when known; callers never
 * pass tokens or passwords.
 */
#ifndef SCIM_LOG_H
#define SCIM_LOG_H

enum log_level { LOG_ERROR, LOG_WARNING, LOG_INFO, LOG_DEBUG };

/* Read SCIM_LOG_LEVEL once. */
void log_init(void);

/* The context printed in front of every line until log_set_context(NULL, NULL). */
void log_set_context(const char *request_id, const char *tenant);

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
