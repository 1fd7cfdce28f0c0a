/* datetime.c - RFC 3339 date-times; see datetime.h. */
#include "datetime.h"

static bool read_digits(const char *s, size_t len, size_t *pos, int count, int *out)
{
	int v = 0;
	int i;

	if (len - *pos < (size_t)count)
		return false;
	for (i = 0; i < count; i++) {
		char c = s[*pos + i];

		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (c - '0');
	}
	*pos += (size_t)count;
	*out = v;
	return true;
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era;
	int64_t yoe;
	int64_t doy;
	int64_t doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The inverse of days_from_civil(). */
void datetime_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era;
	int64_t doe;
	int64_t yoe;
	int64_t doy;
	int64_t mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int days_in_month(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

/*
 * E.g. "2015-10-10T14:38:21.8617979-07:00" (the fraction to nanoseconds,
 * more digits are ignored). Without an offset the time is taken as UTC, as
 * xsd:dateTime (RFC 7643 2.3.5) allows it.
 */
bool datetime_parse(const char *s, size_t len, struct datetime *out)
{
	int year, month, day, hour, minute, second;
	int32_t nanos = 0;
	int offset = 0;
	size_t pos = 0;

	if (!read_digits(s, len, &pos, 4, &year) || pos >= len || s[pos++] != '-' ||
	    !read_digits(s, len, &pos, 2, &month) || pos >= len || s[pos++] != '-' ||
	    !read_digits(s, len, &pos, 2, &day) || pos >= len ||
	    (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' '))
		return false;
	pos++;
	if (!read_digits(s, len, &pos, 2, &hour) || pos >= len || s[pos++] != ':' ||
	    !read_digits(s, len, &pos, 2, &minute) || pos >= len || s[pos++] != ':' ||
	    !read_digits(s, len, &pos, 2, &second))
		return false;
	if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) ||
	    hour > 23 || minute > 59 || second > 60)
		return false;
	if (pos < len && s[pos] == '.') {
		int digits = 0;

		pos++;
		while (pos < len && s[pos] >= '0' && s[pos] <= '9') {
			if (digits < 9) {
				nanos = nanos * 10 + (s[pos] - '0');
				digits++;
			}
			pos++;
		}
		if (digits == 0)
			return false;
		for (; digits < 9; digits++)
			nanos *= 10;
	}
	if (pos < len && (s[pos] == 'Z' || s[pos] == 'z')) {
		pos++;
	} else if (pos < len && (s[pos] == '+' || s[pos] == '-')) {
		int sign = s[pos] == '-' ? -1 : 1;
		int oh, om;

		pos++;
		if (!read_digits(s, len, &pos, 2, &oh) || pos >= len || s[pos++] != ':' ||
		    !read_digits(s, len, &pos, 2, &om) || oh > 23 || om > 59)
			return false;
		offset = sign * (oh * 3600 + om * 60);
	}
	if (pos != len)
		return false;
	out->seconds = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 +
		       second - offset;
	out->nanos = nanos;
	return true;
}

int datetime_compare(const struct datetime *a, const struct datetime *b)
{
	if (a->seconds != b->seconds)
		return a->seconds < b->seconds ? -1 : 1;
	if (a->nanos != b->nanos)
		return a->nanos < b->nanos ? -1 : 1;
	return 0;
}
