/* Unit tests for common/gitscan.c: word matching, metric words, the walk's
 * stopping rule and the impact score.  (The repository parts are tested
 * end to end by tests/cli/t2001-*.) */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "check_suites.h"
#include "gitscan.h"

START_TEST(test_word_match)
{
	ck_assert(gitscan_word_match("Reduce GC pressure", "gc"));
	ck_assert(gitscan_word_match("gc-heavy loop", "gc"));
	ck_assert(gitscan_word_match("tune GcTuner", "gc"));
	ck_assert(gitscan_word_match("the GCTuner class", "gc"));
	ck_assert(!gitscan_word_match("build with gcc 12", "gc"));
	ck_assert(!gitscan_word_match("GCC flags", "gc"));
	ck_assert(!gitscan_word_match("gc2 mode", "gc"));
	ck_assert(gitscan_word_match("drop the caches", "cache"));
	ck_assert(gitscan_word_match("Cache: warm up", "CACHE"));
	ck_assert(!gitscan_word_match("cached values", "cache"));
	ck_assert(!gitscan_word_match("precache", "cache"));
	ck_assert(gitscan_word_match("src/world/RegionCache.java", "cache"));
	ck_assert(gitscan_word_match("ChunkLoader rewrite", "chunk"));
	ck_assert(!gitscan_word_match("Chunkloader", "chunk"));
	ck_assert(gitscan_word_match("chunk_loading_time", "loading"));
	ck_assert(gitscan_word_match("fix boxes", "box"));
	ck_assert(gitscan_word_match("end with gc", "gc"));
	ck_assert(!gitscan_word_match("", "gc"));
	ck_assert(!gitscan_word_match("gc", ""));
	ck_assert(gitscan_word_match("memory leak fixed", "memory leak"));
}
END_TEST

START_TEST(test_lists)
{
	char **l = NULL;
	size_t n = 0;
	ck_assert_int_eq(gitscan_list_parse(&l, &n, " heap, GC ,,heap,gc"), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(l[0], "heap");
	ck_assert_str_eq(l[1], "GC");
	ck_assert_int_eq(gitscan_list_parse(&l, &n, " , ,"), -1);
	ck_assert_uint_eq(n, 2);
	gitscan_list_free(l, n);
}
END_TEST

static char *joined(char **l, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < n; i++)
		sb_addf(&sb, "%s%s", i ? "," : "", l[i]);
	return sb_detach(&sb, NULL);
}

START_TEST(test_metric_words)
{
	static const struct { const char *metric, *words; bool known; } cases[] = {
		{ "memory_usage", "memory,heap,gc,allocation", true },
		{ "chunk_loading_time", "chunk,loading", true },
		{ "cache_hit_ratio", "cache", true },
		{ "tps_stability", "tick,tps,performance", true },
		{ "TPS_average", "tick,tps,performance", true },
		{ "network_latency", "network,latency", false },
		{ "diskIOWait", "disk,io,wait", false },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char **l = NULL;
		size_t n = 0;
		bool known = gitscan_metric_words(cases[i].metric, &l, &n);
		char *j = joined(l, n);
		ck_assert_msg(!strcmp(j, cases[i].words), "%s: %s", cases[i].metric, j);
		ck_assert_int_eq(known, cases[i].known);
		free(j);
		gitscan_list_free(l, n);
	}
}
END_TEST

START_TEST(test_walk_limit)
{
	struct walk_limit w;
	time_t since = 1000000;
	walk_limit_init(&w, since);
	/* In the window and within the margin: never stops. */
	for (int i = 0; i < 500; i++)
		ck_assert(!walk_limit_done(&w, since + 10));
	for (int i = 0; i < 500; i++)
		ck_assert(!walk_limit_done(&w, since - GITSCAN_STOP_MARGIN));
	/* Past the margin: stops at the GITSCAN_STOP_RUN-th in a row. */
	for (int i = 1; i < GITSCAN_STOP_RUN; i++)
		ck_assert(!walk_limit_done(&w, since - GITSCAN_STOP_MARGIN - 1));
	/* A commit dated back in the window (clock skew) starts over. */
	ck_assert(!walk_limit_done(&w, since + 5));
	for (int i = 1; i < GITSCAN_STOP_RUN; i++)
		ck_assert(!walk_limit_done(&w, since - 10 * GITSCAN_STOP_MARGIN));
	ck_assert(walk_limit_done(&w, since - 10 * GITSCAN_STOP_MARGIN));
}
END_TEST

static struct scan_rules rules(const char *kw, const char *paths, const char *metric)
{
	struct scan_rules r = { 0 };
	gitscan_list_parse(&r.keywords, &r.nkeywords, kw);
	gitscan_list_parse(&r.paths, &r.npaths, paths);
	if (metric) {
		r.metric = metric;
		gitscan_metric_words(metric, &r.related, &r.nrelated);
		for (size_t i = 0; i < r.nrelated; i++)
			gitscan_list_add(&r.keywords, &r.nkeywords, r.related[i]);
	}
	return r;
}

static void add_path(struct suspect *s, const struct scan_rules *r, const char *path,
		     size_t lines, bool binary)
{
	s->paths = realloc(s->paths, (s->npaths + 1) * sizeof *s->paths);
	struct suspect_path *p = &s->paths[s->npaths++];
	memset(p, 0, sizeof *p);
	p->path = strdup(path);
	p->related = gitscan_path_related(r, path);
	p->binary = binary;
	p->lines = lines;
	s->lines_changed += lines;
}

START_TEST(test_score)
{
	struct scan_rules r = rules("chunk,memory,cache,performance,optimization,loading,allocation,gc,heap",
				    "chunk,cache,memory,performance", NULL);
	struct suspect s = { 0 };
	gitscan_match_message(&r, "Keep region files in a memory cache\n\nBuilt with gcc.", &s);
	ck_assert_uint_eq(s.nkeywords, 2);
	ck_assert_str_eq(s.keywords[0], "memory");
	ck_assert_str_eq(s.keywords[1], "cache");
	ck_assert(gitscan_path_matches(&r, "src/main/java/world/RegionCache.java"));
	ck_assert(!gitscan_path_matches(&r, "README.md"));
	add_path(&s, &r, "src/main/java/world/RegionCache.java", 96, false);
	gitscan_score(&r, &s);
	/* 3 + 3 keywords, 2 for the path, log2(97) = 6.6 for the lines. */
	ck_assert_double_eq_tol(s.score, 14.6, 1e-9);
	ck_assert_uint_eq(s.nreasons, 4);
	ck_assert_str_eq(s.reasons[0], "keyword 'memory' in the message: +3.0");
	ck_assert_str_eq(s.reasons[2], "path src/main/java/world/RegionCache.java: +2.0");
	ck_assert_str_eq(s.reasons[3], "96 lines changed in matching paths: +6.6");
	suspect_free(&s);
	gitscan_rules_free(&r);
}
END_TEST

START_TEST(test_score_metric)
{
	struct scan_rules r = rules("chunk,memory,cache", "chunk,cache,memory", "memory_usage");
	struct suspect s = { 0 };
	gitscan_match_message(&r, "Smaller heap for the chunk cache", &s);
	ck_assert_uint_eq(s.nkeywords, 3);   /* chunk, cache, heap */
	add_path(&s, &r, "src/ChunkCache.java", 0, false);
	add_path(&s, &r, "src/MemoryPool.java", 1, false);
	add_path(&s, &r, "assets/cache.bin", 0, true);
	gitscan_score(&r, &s);
	/* chunk 3, cache 3, heap 6 (related); MemoryPool 4 (related, counted
	 * first), ChunkCache 2, cache.bin 2; log2(2) = 1. */
	ck_assert_double_eq_tol(s.score, 21.0, 1e-9);
	ck_assert_str_eq(s.reasons[2], "keyword 'heap' in the message, related to memory_usage: +6.0");
	ck_assert_str_eq(s.reasons[3], "path src/MemoryPool.java, related to memory_usage: +4.0");
	ck_assert_str_eq(s.reasons[6], "binary file assets/cache.bin: no lines counted");
	suspect_free(&s);
	gitscan_rules_free(&r);
}
END_TEST

START_TEST(test_score_path_cap_and_order)
{
	struct scan_rules r = rules("gc", "*.java", NULL);
	struct suspect s = { 0 };
	for (int i = 0; i < 7; i++) {
		char p[32];
		snprintf(p, sizeof p, "src/F%d.java", i);
		add_path(&s, &r, p, 0, false);
	}
	gitscan_score(&r, &s);
	ck_assert_double_eq_tol(s.score, 10.0, 1e-9);   /* 5 paths of 2 */
	ck_assert_str_eq(s.reasons[5], "2 more matching paths (at most 5 count): +0.0");
	suspect_free(&s);

	struct suspect a = { .score = 5, .time = 10, .order = 1 }, b = { .score = 5, .time = 20, .order = 2 },
		       c = { .score = 7, .time = 1, .order = 3 }, d = { .score = 5, .time = 20, .order = 0 };
	struct suspect v[] = { a, b, c, d };
	qsort(v, 4, sizeof v[0], gitscan_cmp_suspects);
	ck_assert_uint_eq(v[0].order, 3);
	ck_assert_uint_eq(v[1].order, 0);
	ck_assert_uint_eq(v[2].order, 2);
	ck_assert_uint_eq(v[3].order, 1);
	gitscan_rules_free(&r);
}
END_TEST

Suite *suite_bisect(void)
{
	Suite *s = suite_create("bisect");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_word_match);
	tcase_add_test(tc, test_lists);
	tcase_add_test(tc, test_metric_words);
	tcase_add_test(tc, test_walk_limit);
	tcase_add_test(tc, test_score);
	tcase_add_test(tc, test_score_metric);
	tcase_add_test(tc, test_score_path_cap_and_order);
	suite_add_tcase(s, tc);
	return s;
}
