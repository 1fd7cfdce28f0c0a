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
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

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

/* JSON of a test table, written with single quotes: each becomes a double
 * quote (so \' is \"). NULL, after saying why, when it does not parse. */
static inline json_t *unit_json(const char *text)
{
	char *s = strdup(text);
	json_error_t jerr;
	json_t *v;
	char *p;

	for (p = s; *p; p++)
		if (*p == '\'')
			*p = '"';
	v = json_loads(s, JSON_DECODE_ANY, &jerr);
	if (v == NULL)
		printf("bad JSON in test: %s: %s\n", jerr.text, s);
	free(s);
	return v;
}

/* Compact JSON with sorted keys, for messages; "(null)" for NULL. Freed
 * by the caller. */
static inline char *unit_json_dump(const json_t *v)
{
	return v ? json_dumps(v, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY)
		 : strdup("(null)");
}

static inline int unit_finish(const char *suite)
{
	printf("%s: %d passed, %d failed\n", suite, unit_passed, unit_failed);
	return unit_failed == 0 ? 0 : 1;
}

#endif
