/* log.c - logging to stderr; see log.h. */
#include "log.h"
#include "utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static enum log_level log_threshold = LOG_INFO;
static char log_request_id[40];
static char log_tenant[64];

void log_init(void)
{
	const char *level = getenv("SCIM_LOG_LEVEL");

	if (level == NULL)
		return;
	if (strcmp(level, "error") == 0)
		log_threshold = LOG_ERROR;
	else if (strcmp(level, "warning") == 0)
		log_threshold = LOG_WARNING;
	else if (strcmp(level, "debug") == 0)
		log_threshold = LOG_DEBUG;
}

void log_set_context(const char *request_id, const char *tenant)
{
	snprintf(log_request_id, sizeof(log_request_id), "%s", request_id ? request_id : "");
	snprintf(log_tenant, sizeof(log_tenant), "%s", tenant ? tenant : "");
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };
	char line[1024];
	va_list ap;

	if (level > log_threshold)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* Lines may quote client text (paths): no control characters, so that
	 * nobody can forge a log line. */
	utf8_sanitize(line);
	/* One fprintf per line, so that workers sharing the log do not interleave. */
	fprintf(stderr, "scim[%d] %s%s%s%s%s: %s\n", (int)getpid(), names[level],
		log_request_id[0] ? " req=" : "", log_request_id,
		log_tenant[0] ? " tenant=" : "", log_tenant, line);
	fflush(stderr);
}
