/* Unit tests for common/pattern.c. */
#include <config.h>

#include "check_suites.h"
#include "pattern.h"

START_TEST(test_substring)
{
	ck_assert(pattern_match("chunk_loading_time", "org.ex.Bench.chunk_loading_time(size=1)"));
	ck_assert(pattern_match("CHUNK", "org.ex.chunkLoad"));
	ck_assert(!pattern_match("memory_usage", "org.ex.chunkLoad"));
	ck_assert(pattern_match("", "anything"));
}
END_TEST

START_TEST(test_glob)
{
	ck_assert(pattern_is_glob("org.*"));
	ck_assert(!pattern_is_glob("org.ex"));
	ck_assert(pattern_match("org.ex.*", "org.ex.Bench.run"));
	ck_assert(pattern_match("*.RUN", "org.ex.Bench.run"));
	ck_assert(!pattern_match("ex.*", "org.ex.Bench.run"));   /* anchored */
	ck_assert(pattern_match("*size=1[0-9]*", "a.b(size=10)"));
	ck_assert(!pattern_match("*size=1[0-9]*", "a.b(size=1)"));
	ck_assert(pattern_match("a?c", "abc"));
}
END_TEST

Suite *suite_pattern(void)
{
	Suite *s = suite_create("pattern");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_substring);
	tcase_add_test(tc, test_glob);
	suite_add_tcase(s, tc);
	return s;
}
