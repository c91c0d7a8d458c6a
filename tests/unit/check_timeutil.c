/* Unit tests for common/timeutil.c. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "check_suites.h"
#include "timeutil.h"

START_TEST(test_parse)
{
	time_t t;
	char err[256];
	ck_assert_int_eq(time_parse("2026-11-01", &t, err, sizeof err), 0);
	ck_assert_int_eq((long long)t, 1793491200LL);
	ck_assert_int_eq(time_parse("2026-10-29T16:20:11Z", &t, err, sizeof err), 0);
	char buf[TIME_RFC3339_LEN];
	time_format_rfc3339(t, buf, sizeof buf);
	ck_assert_str_eq(buf, "2026-10-29T16:20:11Z");
	ck_assert_int_eq(time_parse("2026-10-29T18:20:11.123+02:00", &t, err, sizeof err), 0);
	time_format_rfc3339(t, buf, sizeof buf);
	ck_assert_str_eq(buf, "2026-10-29T16:20:11Z");
	ck_assert_int_eq(time_parse("2024-02-29", &t, err, sizeof err), 0);
	time_format_date(t, buf, sizeof buf);
	ck_assert_str_eq(buf, "2024-02-29");
	ck_assert_int_eq(time_parse("1969-12-31T23:59:59Z", &t, err, sizeof err), 0);
	ck_assert_int_eq((long long)t, -1);
}
END_TEST

START_TEST(test_parse_errors)
{
	time_t t;
	char err[256];
	const char *bad[] = { "", "2026", "2026-1-01", "2026-13-01", "2025-02-29", "2026-11-01T",
			      "2026-11-01T10:00", "2026-11-01T10:00:00", "2026-11-01T25:00:00Z",
			      "2026-11-01T10:00:00+0200", "2026-11-01x", "yesterday", "2026-11-01T10:00:00Zjunk" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(time_parse(bad[i], &t, err, sizeof err) == -1, "%s", bad[i]);
	time_parse("2026-13-01", &t, err, sizeof err);
	ck_assert_str_eq(err, "month 13 out of range in '2026-13-01'");
}
END_TEST

START_TEST(test_duration)
{
	long long s;
	char err[256];
	ck_assert_int_eq(time_parse_duration("7d", &s, err, sizeof err), 0);
	ck_assert_int_eq(s, 7 * 86400);
	ck_assert_int_eq(time_parse_duration("1d12h", &s, err, sizeof err), 0);
	ck_assert_int_eq(s, 36 * 3600);
	ck_assert_int_eq(time_parse_duration("2w", &s, err, sizeof err), 0);
	ck_assert_int_eq(s, 14 * 86400);
	ck_assert_int_eq(time_parse_duration("90", &s, err, sizeof err), 0);
	ck_assert_int_eq(s, 90);
	ck_assert_int_eq(time_parse_duration("30m15s", &s, err, sizeof err), 0);
	ck_assert_int_eq(s, 1815);
	const char *bad[] = { "", "d", "7x", "-1d", "1d30", "99999999999999999999d", "1.5h", " 7d" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(time_parse_duration(bad[i], &s, err, sizeof err) == -1, "%s", bad[i]);
}
END_TEST

START_TEST(test_now)
{
	setenv("PERF_NOW", "2026-11-30T12:00:00Z", 1);
	ck_assert_int_eq((long long)time_now(), (long long)time_from_utc(2026, 11, 30, 12, 0, 0));
	unsetenv("PERF_NOW");
	ck_assert(time_now() > 1700000000);
}
END_TEST

Suite *suite_timeutil(void)
{
	Suite *s = suite_create("timeutil");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_parse);
	tcase_add_test(tc, test_parse_errors);
	tcase_add_test(tc, test_duration);
	tcase_add_test(tc, test_now);
	suite_add_tcase(s, tc);
	return s;
}
