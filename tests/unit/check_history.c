/* Unit tests for common/history.c: path resolution, appends, the streaming
 * reader (torn, garbage, CRLF, blank, overlong lines, empty and missing
 * files), the binary-search seek and dotted metric paths. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_suites.h"
#include "history.h"
#include "msg.h"
#include "timeutil.h"
#include "util.h"

static char tmpdir[64];
static char path[128];

static void setup_tmp(void)
{
	strcpy(tmpdir, "/tmp/check_history.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(path, sizeof path, "%s/h.jsonl", tmpdir);
	msg_set_applet("weekly");
}

static void teardown_tmp(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

static void write_text(const char *p, const char *s, size_t n)
{
	FILE *fp = fopen(p, "wb");
	ck_assert_ptr_nonnull(fp);
	ck_assert_uint_eq(fwrite(s, 1, n, fp), n);
	ck_assert_int_eq(fclose(fp), 0);
}
#define WRITE(s) write_text(path, s, sizeof(s) - 1)

/* What the reader saw. */
struct seen {
	int n, events;
	time_t ts[64];
	unsigned long lineno[64];
	double tps[64];
	int stop_after;  /* 0: never */
};

static int collect(const struct history_record *rec, void *ctx)
{
	struct seen *s = ctx;
	if (s->n < 64) {
		s->ts[s->n] = rec->timestamp;
		s->lineno[s->n] = rec->lineno;
		if (history_metric(rec->doc, 0, "tps.average", &s->tps[s->n]) != 0)
			s->tps[s->n] = -1;
	}
	s->n++;
	s->events += rec->is_event;
	return s->stop_after && s->n == s->stop_after ? 7 : 0;
}

/* Read the whole of path; the number of lines skipped. */
static unsigned long read_all(struct seen *s)
{
	struct history_reader r;
	char err[256];
	ck_assert_int_eq(history_open(&r, path, err, sizeof err), 0);
	ck_assert_int_eq(history_read(&r, 0, collect, s), s->stop_after ? 7 : 0);
	unsigned long skipped = r.skipped;
	int saved = dup(2);
	int devnull = open("/dev/null", O_WRONLY);
	dup2(devnull, 2);
	history_close(&r);
	dup2(saved, 2);
	close(saved);
	close(devnull);
	return skipped;
}

START_TEST(test_path)
{
	unsetenv("PERF_HISTORY");
	ck_assert_str_eq(history_path(NULL), "perf-history.jsonl");
	setenv("PERF_HISTORY", "", 1);
	ck_assert_str_eq(history_path(NULL), "perf-history.jsonl");
	setenv("PERF_HISTORY", "/var/lib/perf/h.jsonl", 1);
	ck_assert_str_eq(history_path(NULL), "/var/lib/perf/h.jsonl");
	ck_assert_str_eq(history_path("given.jsonl"), "given.jsonl");
	unsetenv("PERF_HISTORY");
}
END_TEST

START_TEST(test_append)
{
	ck_assert_int_eq(history_append(path, "{\"timestamp\": \"2026-11-23T00:00:00Z\", \"tps\": {\"average\": 20}}"), 0);
	ck_assert_int_eq(history_append(path, "{\"timestamp\": \"2026-11-23T00:01:00Z\", \"event\": \"regression\"}"), 0);
	errno = 0;
	ck_assert_int_eq(history_append(path, "{\"timestamp\": \"2026-11-23T00:02:00Z\",\n\"x\": 1}"), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(history_append(path, "[1, 2]"), -1);
	ck_assert_int_eq(history_append(path, "{\"x\": 1}"), -1);
	ck_assert_int_eq(history_append(path, "{\"timestamp\": \"yesterday\"}"), -1);
	ck_assert_int_eq(history_append(path, "{\"timestamp\": \"2026-11-23T00:02:00Z\""), -1);
	char *buf;
	size_t len;
	ck_assert_int_eq(read_file(path, &buf, &len, 0), 0);
	ck_assert_str_eq(buf, "{\"timestamp\": \"2026-11-23T00:00:00Z\", \"tps\": {\"average\": 20}}\n"
			 "{\"timestamp\": \"2026-11-23T00:01:00Z\", \"event\": \"regression\"}\n");
	free(buf);
	struct seen s = { 0 };
	ck_assert_uint_eq(read_all(&s), 0);
	ck_assert_int_eq(s.n, 2);
	ck_assert_int_eq(s.events, 1);
	ck_assert_int_eq(s.tps[0], 20);
	ck_assert_int_eq(s.tps[1], -1);
}
END_TEST

START_TEST(test_garbage_and_torn)
{
	WRITE("{\"timestamp\": \"2026-11-23T00:00:00Z\", \"tps\": {\"average\": 1}}\n"
	      "\n"
	      "not json at all\n"
	      "{\"timestamp\": \"2026-11-23T00:02:00Z\", \"tps\": {\"average\": 3}}\r\n"
	      "{\"no\": \"timestamp\"}\n"
	      "[1, 2, 3]\n"
	      "{\"timestamp\": 1700000000}\n"
	      "{\"timestamp\": \"2026-13-01T00:00:00Z\"}\n"
	      "   \t\n"
	      "{\"timestamp\": \"2026-11-23T00:04:00Z\", \"tps\": {\"average\": 5}}\n"
	      "{\"timestamp\": \"2026-11-23T00:05:00Z\", \"tps\": {\"aver");
	struct seen s = { 0 };
	ck_assert_uint_eq(read_all(&s), 6);
	ck_assert_int_eq(s.n, 3);
	ck_assert_int_eq(s.tps[0], 1);
	ck_assert_int_eq(s.tps[1], 3);
	ck_assert_int_eq(s.tps[2], 5);
	ck_assert_uint_eq(s.lineno[0], 1);
	ck_assert_uint_eq(s.lineno[1], 4);
	ck_assert_uint_eq(s.lineno[2], 10);
	ck_assert_int_eq(s.ts[1], time_from_utc(2026, 11, 23, 0, 2, 0));
}
END_TEST

START_TEST(test_last_line_without_newline)
{
	/* A complete object without its newline is a record, not a torn line. */
	WRITE("{\"timestamp\": \"2026-11-23T00:00:00Z\", \"tps\": {\"average\": 1}}\n"
	      "{\"timestamp\": \"2026-11-23T00:01:00Z\", \"tps\": {\"average\": 2}}");
	struct seen s = { 0 };
	ck_assert_uint_eq(read_all(&s), 0);
	ck_assert_int_eq(s.n, 2);
	ck_assert_int_eq(s.tps[1], 2);
}
END_TEST

START_TEST(test_crlf_only)
{
	WRITE("{\"timestamp\": \"2026-11-23T00:00:00Z\", \"a\": 1}\r\n"
	      "{\"timestamp\": \"2026-11-23T00:01:00Z\", \"a\": 2}\r\n");
	struct seen s = { 0 };
	ck_assert_uint_eq(read_all(&s), 0);
	ck_assert_int_eq(s.n, 2);
}
END_TEST

START_TEST(test_empty_and_missing)
{
	WRITE("");
	struct seen s = { 0 };
	ck_assert_uint_eq(read_all(&s), 0);
	ck_assert_int_eq(s.n, 0);

	struct history_reader r;
	char err[256];
	ck_assert_int_eq(history_open(&r, path, err, sizeof err), 0);
	ck_assert_int_eq(history_seek(&r, 0), 0);
	history_close(&r);

	char missing[160];
	snprintf(missing, sizeof missing, "%s/nope.jsonl", tmpdir);
	errno = 0;
	ck_assert_int_eq(history_open(&r, missing, err, sizeof err), -1);
	ck_assert_int_eq(errno, ENOENT);
	char want[300];
	snprintf(want, sizeof want, "cannot read '%s': No such file or directory", missing);
	ck_assert_str_eq(err, want);
	ck_assert_int_eq(history_open(&r, tmpdir, err, sizeof err), -1);
	ck_assert_int_eq(errno, EISDIR);
	ck_assert_int_eq(history_scan(missing, 0, 100, collect, &s, err, sizeof err), -1);
	ck_assert_str_eq(err, want);
}
END_TEST

START_TEST(test_stop)
{
	WRITE("{\"timestamp\": \"2026-11-23T00:00:00Z\"}\n"
	      "{\"timestamp\": \"2026-11-23T00:01:00Z\"}\n"
	      "{\"timestamp\": \"2026-11-23T00:02:00Z\"}\n");
	struct seen s = { .stop_after = 2 };
	read_all(&s);
	ck_assert_int_eq(s.n, 2);
}
END_TEST

START_TEST(test_long_line)
{
	size_t big = HISTORY_MAX_LINE + 5000;
	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, "{\"timestamp\": \"2026-11-23T00:00:00Z\", \"a\": 1}\n");
	sb_adds(&sb, "{\"timestamp\": \"2026-11-23T00:01:00Z\", \"pad\": \"");
	for (size_t i = 0; i < big; i++)
		sb_addc(&sb, 'x');
	sb_adds(&sb, "\"}\n{\"timestamp\": \"2026-11-23T00:02:00Z\", \"a\": 3}\n");
	write_text(path, sb.buf, sb.len);
	sb_release(&sb);
	struct seen s = { 0 };
	ck_assert_uint_eq(read_all(&s), 1);
	ck_assert_int_eq(s.n, 2);
	ck_assert_uint_eq(s.lineno[1], 3);
}
END_TEST

/* A sorted history with garbage between the records and lines of varying
 * length; the seek must agree with a linear scan everywhere. */
START_TEST(test_seek)
{
	const time_t t0 = time_from_utc(2026, 1, 1, 0, 0, 0);
	struct strbuf sb = STRBUF_INIT;
	enum { N = 6000 };
	long long *offs = xcalloc(N, sizeof *offs);
	time_t *tss = xcalloc(N, sizeof *tss);
	int n = 0;
	char pad[201];
	memset(pad, 'x', 200);
	pad[200] = '\0';
	for (int i = 0; i < N; i++) {
		char ts[TIME_RFC3339_LEN];
		/* Runs of equal timestamps every 50 lines. */
		time_t t = t0 + (time_t)(i - (i % 50 < 3 ? i % 50 : 0)) * 60;
		time_format_rfc3339(t, ts, sizeof ts);
		if (i % 97 == 5)
			sb_adds(&sb, "garbage {\n");
		if (i % 131 == 7)
			sb_adds(&sb, "{\"timestamp\": \"bad\"}\n");
		offs[n] = (long long)sb.len;
		tss[n++] = t;
		sb_addf(&sb, "{\"timestamp\": \"%s\", \"i\": %d, \"pad\": \"%.*s\"}%s\n", ts, i,
			(i * 7919) % 200, pad,
			i % 2 ? "\r" : "");
	}
	write_text(path, sb.buf, sb.len);
	struct history_reader r;
	char err[256];
	ck_assert_int_eq(history_open(&r, path, err, sizeof err), 0);
	ck_assert_int_eq(history_seek(&r, t0 - 3600), offs[0]);
	ck_assert_int_eq(history_seek(&r, t0), offs[0]);
	ck_assert_int_eq(history_seek(&r, t0 + (time_t)N * 60 * 2), (long long)sb.len);
	for (time_t t = t0 - 30; t < t0 + (time_t)N * 60 + 120; t += 977) {
		int want = 0;
		while (want < n && tss[want] < t)
			want++;
		long long expect = want < n ? offs[want] : (long long)sb.len;
		ck_assert_int_eq(history_seek(&r, t), expect);
	}
	for (int i = 0; i < n; i += 49) {
		int want = 0;
		while (want < n && tss[want] < tss[i])
			want++;
		ck_assert_int_eq(history_seek(&r, tss[i]), offs[want]);
	}
	/* Reading from a seek lands on whole records. */
	struct seen s = { 0 };
	long long off = history_seek(&r, t0 + 5990 * 60);
	ck_assert_int_eq(history_read(&r, off, collect, &s), 0);
	ck_assert_int_eq(s.n, 10);
	ck_assert_int_eq(s.ts[0], t0 + 5990 * 60);
	ck_assert_uint_eq(s.lineno[0], 0);
	/* From the middle of a line: the next whole line. */
	struct seen s2 = { 0 };
	ck_assert_int_eq(history_read(&r, off + 3, collect, &s2), 0);
	ck_assert_int_eq(s2.n, 9);
	ck_assert_uint_eq(r.skipped, 0);
	history_close(&r);
	sb_release(&sb);
	free(offs);
	free(tss);
}
END_TEST

static int count_only(const struct history_record *rec, void *ctx)
{
	(*(int *)ctx)++;
	return 0;
}

START_TEST(test_scan_disorder)
{
	/* Minute samples for two days, with one record written an hour late
	 * (out of order) just after the range starts. */
	const time_t t0 = time_from_utc(2026, 11, 23, 0, 0, 0);
	struct strbuf sb = STRBUF_INIT;
	for (int i = 0; i < 2 * 1440; i++) {
		char ts[TIME_RFC3339_LEN];
		time_t t = t0 + (time_t)i * 60;
		if (i == 1440 + 60)
			t = t0 + 86400 - 1;    /* belongs before the range, written late */
		time_format_rfc3339(t, ts, sizeof ts);
		sb_addf(&sb, "{\"timestamp\": \"%s\", \"i\": %d}\n", ts, i);
	}
	write_text(path, sb.buf, sb.len);
	sb_release(&sb);
	char err[256];
	int n = 0;
	ck_assert_int_eq(history_scan(path, t0 + 86400, t0 + 2 * 86400, count_only, &n, err, sizeof err), 0);
	ck_assert_int_eq(n, 1439);
	n = 0;
	ck_assert_int_eq(history_scan(path, t0, t0 + 86400, count_only, &n, err, sizeof err), 0);
	ck_assert_int_eq(n, 1441);
	n = 0;
	ck_assert_int_eq(history_scan(path, t0 + 3 * 86400, t0 + 4 * 86400, count_only, &n, err, sizeof err), 0);
	ck_assert_int_eq(n, 0);
}
END_TEST

struct names {
	struct strbuf sb;
	double sum;
};

static void add_name(const char *name, double v, void *ctx)
{
	struct names *nm = ctx;
	sb_addf(&nm->sb, "%s;", name);
	nm->sum += v;
}

START_TEST(test_metrics)
{
	const char *src = "{\"timestamp\": \"2026-11-23T00:00:00Z\", \"chunk_loading\": "
		"{\"average_ms\": 12.5, \"p95_ms\": 31}, \"memory\": {\"heap_used_mb\": 2150, "
		"\"deep\": {\"x\": -1e2}}, \"flag\": true, \"none\": null, \"name\": \"s\", "
		"\"list\": [1, 2], \"tps\": 19.5, \"a\\u002eb\": 4}";
	struct json_doc doc;
	struct json_error err;
	json_init(&doc);
	ck_assert_int_eq(json_parse(&doc, src, strlen(src), NULL, "t", 0, &err), 0);
	double v;
	ck_assert_int_eq(history_metric(&doc, 0, "chunk_loading.average_ms", &v), 0);
	ck_assert(v == 12.5);
	ck_assert_int_eq(history_metric(&doc, 0, "memory.deep.x", &v), 0);
	ck_assert(v == -100);
	ck_assert_int_eq(history_metric(&doc, 0, "tps", &v), 0);
	ck_assert(v == 19.5);
	ck_assert_int_eq(history_metric(&doc, 0, "tps.average", &v), -1);
	ck_assert_int_eq(history_metric(&doc, 0, "memory", &v), -1);
	ck_assert_int_eq(history_metric(&doc, 0, "memory.nope", &v), -1);
	ck_assert_int_eq(history_metric(&doc, 0, "flag", &v), -1);
	ck_assert_int_eq(history_metric(&doc, 0, "none", &v), -1);
	ck_assert_int_eq(history_metric(&doc, 0, "name", &v), -1);
	ck_assert_int_eq(history_metric(&doc, 0, "list", &v), -1);
	ck_assert_int_eq(history_metric(&doc, 0, "", &v), -1);
	ck_assert_int_eq(history_metric(&doc, 0, "memory.", &v), -1);
	struct names nm = { STRBUF_INIT, 0 };
	history_each_metric(&doc, 0, add_name, &nm);
	ck_assert_str_eq(nm.sb.buf, "chunk_loading.average_ms;chunk_loading.p95_ms;"
			 "memory.heap_used_mb;memory.deep.x;tps;a.b;");
	ck_assert(nm.sum == 12.5 + 31 + 2150 - 100 + 19.5 + 4);
	sb_release(&nm.sb);
	json_free(&doc);
}
END_TEST

START_TEST(test_warning_text)
{
	WRITE("{\"timestamp\": \"2026-11-23T00:00:00Z\"}\n"
	      "oops\n"
	      "{\"timestamp\": \"2026-11-23T00:02:00Z\"}\n"
	      "oops again\n"
	      "{\"timestamp\": \"2026-11-23T00:0");
	char errpath[160];
	snprintf(errpath, sizeof errpath, "%s/stderr", tmpdir);
	int fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int saved = dup(2);
	dup2(fd, 2);
	close(fd);
	struct history_reader r;
	char err[256];
	struct seen s = { 0 };
	ck_assert_int_eq(history_open(&r, path, err, sizeof err), 0);
	ck_assert_int_eq(history_read(&r, 0, collect, &s), 0);
	history_close(&r);
	dup2(saved, 2);
	close(saved);
	char *buf;
	size_t len;
	ck_assert_int_eq(read_file(errpath, &buf, &len, 0), 0);
	char want[300];
	snprintf(want, sizeof want,
		 "perf weekly: warning: %s: skipped 3 unreadable lines (first at line 2)\n", path);
	ck_assert_str_eq(buf, want);
	free(buf);
}
END_TEST

Suite *suite_history(void)
{
	Suite *s = suite_create("history");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, setup_tmp, teardown_tmp);
	tcase_add_test(tc, test_path);
	tcase_add_test(tc, test_append);
	tcase_add_test(tc, test_garbage_and_torn);
	tcase_add_test(tc, test_last_line_without_newline);
	tcase_add_test(tc, test_crlf_only);
	tcase_add_test(tc, test_empty_and_missing);
	tcase_add_test(tc, test_stop);
	tcase_add_test(tc, test_long_line);
	tcase_add_test(tc, test_seek);
	tcase_add_test(tc, test_scan_disorder);
	tcase_add_test(tc, test_metrics);
	tcase_add_test(tc, test_warning_text);
	suite_add_tcase(s, tc);
	return s;
}
