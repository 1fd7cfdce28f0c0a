/*
 * datetime.h - RFC 3339 date-times (xsd:dateTime, RFC 7643 2.3.5) as read
 * by the filter evaluator (filter_eval.c) and its SQL translation
 * (filter_sql.c), which must read them alike: the differential test holds
 * the two to the same answers.
 *
 * What is read: "YYYY-MM-DD" then 'T', 't' or ' ', then "hh:mm:ss", an
 * optional fraction of one or more digits (to nanoseconds, further digits
 * ignored), then 'Z', 'z', "+hh:mm", "-hh:mm" or nothing (UTC). Month,
 * day (leap years included), hour, minute and offset are range-checked;
 * second 60 (a leap second) is allowed. Proleptic Gregorian calendar.
 *
 * Ownership: nothing is allocated; arguments are borrowed.
 * Errors: datetime_parse() returns false on any text that is not such a
 * date-time, and then leaves *out untouched.
 */
#ifndef SCIM_DATETIME_H
#define SCIM_DATETIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct datetime {
	int64_t seconds; /* since 1970-01-01T00:00:00Z */
	int32_t nanos;   /* 0 to 999,999,999 */
};

/* Read the `len` bytes at s, exactly: trailing bytes make it fail. */
bool datetime_parse(const char *s, size_t len, struct datetime *out);

/* -1, 0 or 1 as a is before, the same as, or after b. */
int datetime_compare(const struct datetime *a, const struct datetime *b);

/* The proleptic Gregorian date of a day counted from 1970-01-01 (day 0);
 * years before 1 are 0, -1, ... (astronomical numbering). */
void datetime_civil_from_days(int64_t days, int64_t *year, int *month, int *day);

#endif
