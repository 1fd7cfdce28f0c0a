/*
 * unit.h - the unit test harness: table-driven cases, each named, each
 * counted. A test program calls unit_check() per case and returns
 * unit_finish(), which prints "N passed, N failed" and returns the exit code.
 */
#ifndef SCIM_UNIT_H
#define SCIM_UNIT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

static int unit_passed;
static int unit_failed;

/* Record one case; on failure print its name and the printf-style reason. */
static inline __attribute__((format(printf, 3, 4))) bool
unit_check(bool ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		unit_passed++;
		return true;
	}
	unit_failed++;
	printf("FAIL %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	return false;
}

static inline int unit_finish(const char *suite)
{
	printf("%s: %d passed, %d failed\n", suite, unit_passed, unit_failed);
	return unit_failed == 0 ? 0 : 1;
}

#endif
