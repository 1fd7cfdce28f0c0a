/*
 * fuzz_datetime.c - RFC 3339 date-times read by datetime_parse(), as
 * filters compare them (filter_eval.c and filter_sql.c alike).
 *
 * A time read has its nanoseconds in range and equals itself. Without an
 * offset or fraction ("2011-05-13T04:42:34Z"), the seconds it gives map
 * back, through datetime_civil_from_days(), to the date and time written;
 * with an offset, it is the time written less the offset; a fraction gives
 * its first nine digits as nanoseconds.
 */
#include "fuzz.h"

#include <stdio.h>
#include <string.h>

#include "datetime.h"

/* The digits at s as a number. */
static int number(const char *s, int digits)
{
	int v = 0;

	while (digits-- > 0)
		v = v * 10 + (*s++ - '0');
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct datetime t;
	struct datetime base;
	int64_t year;
	int64_t seconds;
	int64_t days;
	int month;
	int day;
	int second;
	int digits = 0;
	int32_t nanos = 0;
	size_t zone;

	if (!datetime_parse(s, size, &t))
		return 0;
	FUZZ_CHECK(t.nanos >= 0 && t.nanos <= 999999999, "nanoseconds %d", t.nanos);
	FUZZ_CHECK(datetime_compare(&t, &t) == 0, "a time differs from itself");
	/* "YYYY-MM-DDThh:mm:ss", then a fraction and a zone. */
	datetime_parse(s, 19, &base);
	zone = 19;
	if (size > 19 && s[19] == '.') {
		for (zone = 20; zone < size && s[zone] >= '0' && s[zone] <= '9'; zone++) {
			if (digits < 9) {
				nanos = nanos * 10 + (s[zone] - '0');
				digits++;
			}
		}
		for (; digits < 9; digits++)
			nanos *= 10;
	}
	FUZZ_CHECK(t.nanos == nanos, "%.*s has %d nanoseconds", (int)size, s, t.nanos);
	if (zone < size && (s[zone] == '+' || s[zone] == '-')) {
		int offset = number(s + zone + 1, 2) * 3600 + number(s + zone + 4, 2) * 60;

		FUZZ_CHECK(base.seconds - t.seconds == (s[zone] == '-' ? -offset : offset),
			   "the offset %.6s is not applied", s + zone);
	} else {
		FUZZ_CHECK(base.seconds == t.seconds, "a time in UTC is not its UTC seconds");
	}
	/* The date and time of day written, from the seconds less the second
	 * written (60 in a leap second); days floor-divided, for times before
	 * 1970. */
	second = number(s + 17, 2);
	seconds = base.seconds - second;
	days = seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400);
	datetime_civil_from_days(days, &year, &month, &day);
	FUZZ_CHECK(year == number(s, 4) && month == number(s + 5, 2) && day == number(s + 8, 2),
		   "%.19s is day %04lld-%02d-%02d", s, (long long)year, month, day);
	FUZZ_CHECK(seconds - days * 86400 == number(s + 11, 2) * 3600 + number(s + 14, 2) * 60 &&
		   second <= 60, "%.19s is %lld seconds into its day", s,
		   (long long)(seconds - days * 86400));
	return 0;
}
