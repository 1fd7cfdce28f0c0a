/* log.c - logging to stderr; see log.h. */
#include "log.h"
#include "utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Set once at start, before any request. */
static enum log_level log_threshold = LOG_INFO;

void log_set_threshold(enum log_level level)
{
	log_threshold = level;
}

void log_context_set(struct log_context *lc, const char *request_id, const char *tenant)
{
	snprintf(lc->request_id, sizeof(lc->request_id), "%s", request_id ? request_id : "");
	snprintf(lc->tenant, sizeof(lc->tenant), "%s", tenant ? tenant : "");
}

void log_msg(const struct log_context *lc, enum log_level level, const char *fmt, ...)
{
	static const struct log_context none;
	static const char *const names[] = { "error", "warning", "info", "debug" };
	char line[1024];
	va_list ap;

	if (level > log_threshold)
		return;
	if (lc == NULL)
		lc = &none;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* Lines may quote client text (paths): no control characters, so that
	 * nobody can forge a log line. */
	utf8_sanitize(line);
	/* One fprintf per line, so that workers sharing the log do not interleave. */
	fprintf(stderr, "scim[%d] %s%s%s%s%s: %s\n", (int)getpid(), names[level],
		lc->request_id[0] ? " req=" : "", lc->request_id,
		lc->tenant[0] ? " tenant=" : "", lc->tenant, line);
	fflush(stderr);
}
