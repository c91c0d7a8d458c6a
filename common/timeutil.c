/* Dates, times and durations: see timeutil.h. */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "timeutil.h"

static int days_in_month(int year, int mon)
{
	static const int d[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (mon == 2 && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0))
		return 29;
	return d[mon - 1];
}

time_t time_from_utc(int year, int mon, int day, int hour, int min, int sec)
{
	/* Days from civil (Howard Hinnant's algorithm), no timezone involved. */
	long long y = year - (mon <= 2);
	long long era = (y >= 0 ? y : y - 399) / 400;
	long long yoe = y - era * 400;
	long long doy = (153 * (mon + (mon > 2 ? -3 : 9)) + 2) / 5 + day - 1;
	long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	long long days = era * 146097 + doe - 719468;
	return (time_t)(days * 86400 + hour * 3600 + min * 60 + sec);
}

static int digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)**p))
			return -1;
		v = v * 10 + (**p - '0');
		(*p)++;
	}
	*out = v;
	return 0;
}

int time_parse(const char *s, time_t *out, char *err, size_t errsize)
{
	const char *p = s;
	int year, mon, day, hour = 0, min = 0, sec = 0, off = 0;
	if (digits(&p, 4, &year) || *p++ != '-' || digits(&p, 2, &mon) || *p++ != '-' ||
	    digits(&p, 2, &day))
		goto bad;
	if (mon < 1 || mon > 12) {
		snprintf(err, errsize, "month %d out of range in '%s'", mon, s);
		return -1;
	}
	if (day < 1 || day > days_in_month(year, mon)) {
		snprintf(err, errsize, "day %d out of range in '%s'", day, s);
		return -1;
	}
	if (*p) {
		if (*p != 'T' && *p != 't' && *p != ' ')
			goto bad;
		p++;
		if (digits(&p, 2, &hour) || *p++ != ':' || digits(&p, 2, &min) || *p++ != ':' ||
		    digits(&p, 2, &sec))
			goto bad;
		if (hour > 23 || min > 59 || sec > 60) {
			snprintf(err, errsize, "time of day out of range in '%s'", s);
			return -1;
		}
		if (sec == 60)
			sec = 59;   /* a leap second: the instant before is close enough */
		if (*p == '.') {
			p++;
			if (!isdigit((unsigned char)*p))
				goto bad;
			while (isdigit((unsigned char)*p))
				p++;
		}
		if (*p == 'Z' || *p == 'z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			int sign = *p++ == '-' ? -1 : 1, oh, om;
			if (digits(&p, 2, &oh) || *p++ != ':' || digits(&p, 2, &om) || oh > 23 || om > 59)
				goto bad;
			off = sign * (oh * 3600 + om * 60);
		} else {
			goto bad;
		}
		if (*p)
			goto bad;
	}
	*out = time_from_utc(year, mon, day, hour, min, sec) - off;
	return 0;
bad:
	snprintf(err, errsize, "invalid time '%s': expected YYYY-MM-DD or an RFC 3339 time like 2026-11-23T00:00:00Z", s);
	return -1;
}

int time_parse_duration(const char *s, long long *seconds, char *err, size_t errsize)
{
	const char *p = s;
	long long total = 0;
	if (!*p)
		goto bad;
	while (*p) {
		if (!isdigit((unsigned char)*p))
			goto bad;
		errno = 0;
		char *end;
		long long n = strtoll(p, &end, 10);
		if (errno == ERANGE)
			goto range;
		p = end;
		long long unit;
		switch (*p) {
		case 'w': unit = 7 * 86400; p++; break;
		case 'd': unit = 86400; p++; break;
		case 'h': unit = 3600; p++; break;
		case 'm': unit = 60; p++; break;
		case 's': unit = 1; p++; break;
		case '\0':
			if (p != end || total)
				goto bad;   /* "1d30" is ambiguous */
			unit = 1;
			break;
		default: goto bad;
		}
		if (n > (LLONG_MAX / unit) || total > LLONG_MAX - n * unit)
			goto range;
		total += n * unit;
	}
	*seconds = total;
	return 0;
range:
	snprintf(err, errsize, "duration '%s' is too long", s);
	return -1;
bad:
	snprintf(err, errsize, "invalid duration '%s': expected e.g. 7d, 12h, 1d12h, 30m, 45s or 2w", s);
	return -1;
}

/* snprintf rather than strftime: %Y does not pad years below 1000. */
void time_format_rfc3339(time_t t, char *buf, size_t size)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void time_format_date(time_t t, char *buf, size_t size)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	snprintf(buf, size, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

time_t time_now(void)
{
	const char *fake = getenv("PERF_NOW");
	if (fake && *fake) {
		time_t t;
		char err[256];
		if (time_parse(fake, &t, err, sizeof err) == 0)
			return t;
		warn("ignoring PERF_NOW: %s", err);
	}
	return time(NULL);
}
