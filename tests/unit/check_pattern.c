/* Unit tests for common/pattern.c. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

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

START_TEST(test_fold)
{
	/* Every byte but NUL, in strings of every length up to 70 from every
	 * start in a block: A-Z lowered, all else as it was. */
	char text[300], want[300];
	for (size_t len = 0; len <= 70; len++) {
		for (size_t start = 0; start < 16; start++) {
			for (size_t i = 0; i < len; i++)
				text[i] = (char)(1 + (start * 37 + i * 11 + len) % 255);
			text[len] = '\0';
			for (size_t i = 0; i <= len; i++) {
				char c = text[i];
				want[i] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
			}
			char *folded = pattern_fold(text);
			ck_assert_mem_eq(folded, want, len + 1);
			free(folded);
		}
	}
	char mixed[] = "Org.Ex.ChunkLoading_TIME(size=1000,Impl=ÄÖ)[AVGT]@Zz";
	pattern_fold_in_place(mixed);
	ck_assert_str_eq(mixed, "org.ex.chunkloading_time(size=1000,impl=ÄÖ)[avgt]@zz");
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
	tcase_add_test(tc, test_fold);
	suite_add_tcase(s, tc);
	return s;
}
