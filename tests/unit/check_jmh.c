/* Unit tests for common/jmh.c: the shapes of real JMH files. */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_suites.h"
#include "jmh.h"

static int parse(const char *text, struct jmh_file *f, char *err, size_t size)
{
	return jmh_parse(text, strlen(text), "t.json", f, err, size);
}

START_TEST(test_minimal)
{
	struct jmh_file f;
	char err[512];
	ck_assert_int_eq(parse("[{\"benchmark\": \"a.B.c\", \"mode\": \"thrpt\", "
			       "\"primaryMetric\": {\"score\": 12.5, \"scoreError\": \"NaN\", \"scoreUnit\": \"ops/s\"}}]",
			       &f, err, sizeof err), 0);
	ck_assert_uint_eq(f.n, 1);
	ck_assert_str_eq(f.results[0].benchmark, "a.B.c");
	ck_assert_str_eq(f.results[0].mode, "thrpt");
	ck_assert_str_eq(f.results[0].label, "a.B.c");
	ck_assert_double_eq(f.results[0].primary.score, 12.5);
	ck_assert(isnan(f.results[0].primary.error));
	ck_assert_str_eq(f.results[0].primary.unit, "ops/s");
	ck_assert_uint_eq(f.results[0].primary.nsamples, 0);
	ck_assert_ptr_null(f.jmh_version);
	jmh_file_free(&f);
}
END_TEST

START_TEST(test_params_identity)
{
	struct jmh_file f;
	char err[512];
	ck_assert_int_eq(parse("[{\"jmhVersion\": \"1.37\", \"benchmark\": \"a.B.c\", \"mode\": \"avgt\", \"params\": {\"z\": \"1\", \"a\": \"x,y\"},"
			       " \"primaryMetric\": {\"score\": 1, \"scoreUnit\": \"us/op\", \"rawData\": [[3, 1], [2]]}},"
			       " {\"benchmark\": \"a.B.c\", \"mode\": \"avgt\", \"params\": {\"a\": \"x,y\", \"z\": \"1\"},"
			       " \"primaryMetric\": {\"score\": 2, \"scoreUnit\": \"us/op\"}},"
			       " {\"benchmark\": \"a.B.c\", \"mode\": \"avgt\", \"params\": {\"a\": \"x,y\", \"z\": \"2\"},"
			       " \"primaryMetric\": {\"score\": 2, \"scoreUnit\": \"us/op\"}}]",
			       &f, err, sizeof err), 0);
	ck_assert_uint_eq(f.n, 3);
	ck_assert_str_eq(f.jmh_version, "1.37");
	ck_assert_str_eq(f.results[0].label, "a.B.c(z=1,a=x,y)");
	ck_assert_str_eq(f.results[0].key, f.results[1].key);
	ck_assert_str_ne(f.results[0].key, f.results[2].key);
	ck_assert(f.results[0].duplicate);
	ck_assert(!f.results[1].duplicate);
	ck_assert_uint_eq(f.results[0].primary.nsamples, 3);
	ck_assert_double_eq(f.results[0].primary.samples[0].v, 1);
	ck_assert_double_eq(f.results[0].primary.samples[2].v, 3);
	jmh_file_free(&f);
}
END_TEST

START_TEST(test_histogram_and_secondary)
{
	struct jmh_file f;
	char err[512];
	ck_assert_int_eq(parse("[{\"benchmark\": \"a.L.get\", \"mode\": \"sample\","
			       " \"primaryMetric\": {\"score\": 1, \"scoreUnit\": \"us/op\","
			       "  \"rawDataHistogram\": [[[[1.0, 3], [2.0, 1]], [[1.0, 2]]]]},"
			       " \"secondaryMetrics\": {\"\\u00b7gc.alloc.rate.norm\": {\"score\": 8, \"scoreUnit\": \"B/op\", \"rawData\": [[8, 8]]},"
			       "  \"gc.count\": {\"score\": \"NaN\", \"scoreUnit\": \"counts\"}}}]",
			       &f, err, sizeof err), 0);
	const struct jmh_metric *p = &f.results[0].primary;
	ck_assert_uint_eq(p->nsamples, 2);        /* merged equal values */
	ck_assert_double_eq(p->samples[0].w, 5);
	ck_assert_double_eq(p->weight, 6);
	ck_assert_uint_eq(f.results[0].nsecondary, 2);
	const struct jmh_metric *s = jmh_secondary(&f.results[0], "gc.alloc.rate.norm");
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->name, "\xc2\xb7gc.alloc.rate.norm");
	ck_assert_uint_eq(s->nsamples, 2);
	ck_assert(isnan(jmh_secondary(&f.results[0], "gc.count")->score));
	jmh_file_free(&f);
}
END_TEST

START_TEST(test_errors)
{
	static const struct { const char *text, *msg; } cases[] = {
		{ "", "t.json:1:1: not JMH output: the file is empty" },
		{ "  \n ", "t.json:2:2: not JMH output: the file is empty" },
		{ "{}", "t.json:1:1: not JMH output: expected an array of benchmark results" },
		{ "[1]", "t.json:1:2: not JMH output: expected a benchmark result object" },
		{ "[{}]", "t.json:1:2: not JMH output: result has no \"benchmark\" name" },
		{ "[{\"benchmark\": \"a\"}]", "t.json:1:2: not JMH output: result has no \"mode\"" },
		{ "[{\"benchmark\": \"a\", \"mode\": \"ss\", \"primaryMetric\": {\"score\": 1}},\n]", "t.json:2:1: trailing comma in the result array" },
		{ "[{\"benchmark\": \"a\", \"mode\": \"ss\", \"primaryMetric\": {\"score\": 1}}", "t.json:1:65: unexpected end of input: the result array is not closed" },
		{ "[{\"benchmark\": \"a\", \"mode\": \"ss\", \"primaryMetric\": {\"score\": 1}}] x",
		  "t.json:1:67: trailing characters after the result array" },
		{ "[{\"benchmark\": \"a\", \"mode\": \"ss\", \"primaryMetric\": {\"score\": 1, \"rawData\": [1]}}]",
		  "t.json:1:77: not JMH output: \"rawData\" must be an array of arrays of numbers" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct jmh_file f;
		char err[512];
		ck_assert_int_eq(parse(cases[i].text, &f, err, sizeof err), -1);
		ck_assert_str_eq(err, cases[i].msg);
	}
}
END_TEST

START_TEST(test_real_files)
{
	static const struct { const char *file; size_t n; const char *mode; } files[] = {
		{ "blake3-intel.json", 24, "avgt" },
		{ "template-jdk8.json", 54, "thrpt" },
		{ "collections-linux.json", 666, "ss" },
		{ "java-benchmarks-all.json", 232, "thrpt" },
		{ "arraycopy.json", 196, "avgt" },
		{ "fs2.json", 9, "thrpt" },
	};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char path[1024], err[512];
		snprintf(path, sizeof path, "%s/jmh/%s", FIXTURES, files[i].file);
		struct jmh_file f;
		ck_assert_msg(jmh_load(path, &f, err, sizeof err) == 0, "%s", err);
		ck_assert_uint_eq(f.n, files[i].n);
		ck_assert_str_eq(f.results[0].mode, files[i].mode);
		ck_assert(f.results[0].primary.nsamples > 0);
		for (size_t k = 0; k < f.n; k++)
			ck_assert(!f.results[k].duplicate);
		jmh_file_free(&f);
	}
	struct jmh_file f;
	char err[512];
	ck_assert_int_eq(jmh_load(FIXTURES "/nope.json", &f, err, sizeof err), -1);
	ck_assert(strstr(err, "cannot read") != NULL);
}
END_TEST

/* Scores and samples in every spelling: the one-pass number reader must
 * give strtod's value, and the same message as the checked path for a bad
 * number, at the end of the buffer too. */
START_TEST(test_number_forms)
{
	static const char *const good[] = {
		"0", "-0", "7", "-7", "0.5", "482340.0548100743", "477418.79462718975",
		"0.0035739431599574245", "5.736009262976685E-5", "5.736009262976685e+5",
		"1e22", "1E-300", "-2.5e-3", "123456789012345678", "12345678901234567890",
		"1234567890123456789012345", "0.000000000000000000000000001234",
		"9007199254740993", "18446744073709551615", "18446744073709551616",
		"1.7976931348623157e308", "4.9e-324", "1e400", "-1e-400", "0.30000000000000004",
		"99999999.999999999", "12345678.12345678", "1.00000000000000011102230246251565404236316680908203125",
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		char text[512];
		snprintf(text, sizeof text,
			 "[{\"benchmark\": \"a\", \"mode\": \"ss\", \"primaryMetric\": {\"score\": %s, "
			 "\"rawData\": [[%s, %s]]}}]", good[i], good[i], good[i]);
		struct jmh_file f;
		char err[512];
		ck_assert_msg(parse(text, &f, err, sizeof err) == 0, "%s: %s", good[i], err);
		double want = strtod(good[i], NULL);
		ck_assert_msg(f.results[0].primary.score == want, "%s read as %a, not %a", good[i],
			      f.results[0].primary.score, want);
		ck_assert_uint_eq(f.results[0].primary.nsamples, 2);
		ck_assert(f.results[0].primary.samples[0].v == want);
		jmh_file_free(&f);
	}
	static const struct { const char *num, *msg; } bad[] = {
		{ "01", "t.json:1:66: invalid number '01'" },
		{ "1.", "t.json:1:66: invalid number '1.'" },
		{ "-", "t.json:1:66: invalid number '-'" },
		{ "1e", "t.json:1:66: invalid number '1e'" },
		{ "1e+", "t.json:1:66: invalid number '1e+'" },
		{ "2.5x", "t.json:1:66: invalid number '2.5x'" },
		{ ".5", "t.json:1:66: not JMH output: \"rawData\" holds a value that is not a number" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char text[512], want[512];
		snprintf(text, sizeof text,
			 "[{\"benchmark\": \"a\", \"mode\": \"ss\", \"primaryMetric\": {\"rawData\": [[%s]]}}]",
			 bad[i].num);
		struct jmh_file f;
		char err[512];
		ck_assert_int_eq(parse(text, &f, err, sizeof err), -1);
		snprintf(want, sizeof want, "%s", bad[i].msg);
		ck_assert_str_eq(err, want);
	}
	/* A number that ends the buffer, read through an exact-size heap copy
	 * (ASan and valgrind catch a read past it). */
	static const char doc[] = "[{\"benchmark\": \"a\", \"mode\": \"ss\", \"primaryMetric\": {\"score\": 12345678.5}}]";
	size_t n = strlen(doc) - 3;
	char *copy = malloc(n);
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, doc, n);
	struct jmh_file f;
	char err[512];
	ck_assert_int_eq(jmh_parse(copy, n, "t.json", &f, err, sizeof err), -1);
	ck_assert_str_eq(err, "t.json:1:72: unexpected end of input, expected ',' or '}'");
	free(copy);
}
END_TEST

Suite *suite_jmh(void)
{
	Suite *s = suite_create("jmh");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_minimal);
	tcase_add_test(tc, test_params_identity);
	tcase_add_test(tc, test_histogram_and_secondary);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_number_forms);
	tcase_add_test(tc, test_real_files);
	suite_add_tcase(s, tc);
	return s;
}
