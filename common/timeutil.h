/* Dates, times and durations as perf's users write them: YYYY-MM-DD (00:00
 * UTC), RFC 3339 times, and durations like 7d, 12h, 1d12h, 90m, 30s, 2w. */
#ifndef PERF_TIMEUTIL_H
#define PERF_TIMEUTIL_H

#include <stddef.h>
#include <time.h>

/* Parse YYYY-MM-DD or an RFC 3339 time ("2026-10-29T16:20:11Z",
 * "2026-10-29T18:20:11+02:00", fractional seconds dropped, 't'/'z' and a
 * space for 'T' accepted).  Returns 0, or -1 with a reason in err
 * ("expected YYYY-MM-DD or an RFC 3339 time", "month 13 out of range"). */
int time_parse(const char *s, time_t *out, char *err, size_t errsize);
/* Parse a duration: one or more NUMBER UNIT parts, units w d h m s; a bare
 * number is seconds.  Returns 0, or -1 with a reason in err. */
int time_parse_duration(const char *s, long long *seconds, char *err, size_t errsize);
/* "2026-11-23T00:00:00Z"; buf of at least TIME_RFC3339_LEN bytes. */
#define TIME_RFC3339_LEN 32
void time_format_rfc3339(time_t t, char *buf, size_t size);
/* "2026-11-23" */
void time_format_date(time_t t, char *buf, size_t size);
/* UTC broken-down time to time_t (timegm without the locale). */
time_t time_from_utc(int year, int mon, int day, int hour, int min, int sec);
/* The current time; $PERF_NOW (an RFC 3339 time) overrides it so that
 * reports that default to "last week" are reproducible in tests. */
time_t time_now(void);

#endif
