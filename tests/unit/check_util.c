/* Unit tests for common/util.c and common/msg.c, common/strmap.c. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_suites.h"
#include "msg.h"
#include "strmap.h"
#include "util.h"

static char tmpdir[64];

static void setup_tmp(void)
{
	strcpy(tmpdir, "/tmp/check_util.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown_tmp(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(test_strbuf)
{
	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, "abc");
	sb_addc(&sb, '-');
	sb_addf(&sb, "%d/%s", 42, "x");
	ck_assert_str_eq(sb.buf, "abc-42/x");
	ck_assert_uint_eq(sb.len, 8);
	for (int i = 0; i < 1000; i++)
		sb_addf(&sb, "%04d", i);
	ck_assert_uint_eq(sb.len, 8 + 4000);
	sb_reset(&sb);
	ck_assert_str_eq(sb.buf, "");
	size_t len;
	sb_adds(&sb, "kept");
	char *p = sb_detach(&sb, &len);
	ck_assert_str_eq(p, "kept");
	ck_assert_uint_eq(len, 4);
	ck_assert_ptr_null(sb.buf);
	free(p);
	p = sb_detach(&sb, NULL);
	ck_assert_str_eq(p, "");
	free(p);
	char *s = xasprintf("%s=%d", "k", 7);
	ck_assert_str_eq(s, "k=7");
	free(s);
}
END_TEST

START_TEST(test_read_file)
{
	char path[128];
	snprintf(path, sizeof path, "%s/f", tmpdir);
	FILE *fp = fopen(path, "w");
	for (int i = 0; i < 10000; i++)
		fprintf(fp, "line %d\n", i);
	fclose(fp);
	char *buf;
	size_t len;
	ck_assert_int_eq(read_file(path, &buf, &len, 0), 0);
	ck_assert_uint_eq(len, strlen(buf));
	ck_assert(!strncmp(buf, "line 0\nline 1\n", 14));
	free(buf);
	ck_assert_int_eq(read_file(path, &buf, &len, 100), -1);
	ck_assert_int_eq(errno, EFBIG);
	snprintf(path, sizeof path, "%s/missing", tmpdir);
	ck_assert_int_eq(read_file(path, &buf, &len, 0), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(read_file(tmpdir, &buf, &len, 0), -1);
	ck_assert_int_eq(errno, EISDIR);
}
END_TEST

START_TEST(test_outfile)
{
	char path[128], cmd[256];
	snprintf(path, sizeof path, "%s/report", tmpdir);
	FILE *fp = fopen(path, "w");
	fputs("old\n", fp);
	fclose(fp);
	struct outfile out;
	ck_assert_int_eq(out_open(&out, path), 0);
	fputs("new\n", out.fp);
	/* not yet in place */
	char *buf;
	size_t len;
	ck_assert_int_eq(read_file(path, &buf, &len, 0), 0);
	ck_assert_str_eq(buf, "old\n");
	free(buf);
	ck_assert_int_eq(out_commit(&out), 0);
	ck_assert_int_eq(read_file(path, &buf, &len, 0), 0);
	ck_assert_str_eq(buf, "new\n");
	free(buf);
	/* abort leaves the target and no temporary behind */
	ck_assert_int_eq(out_open(&out, path), 0);
	fputs("discarded\n", out.fp);
	out_abort(&out);
	ck_assert_int_eq(read_file(path, &buf, &len, 0), 0);
	ck_assert_str_eq(buf, "new\n");
	free(buf);
	snprintf(cmd, sizeof cmd, "test $(ls -A '%s' | wc -l) -eq 1", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
	/* a directory that does not exist */
	snprintf(path, sizeof path, "%s/nodir/report", tmpdir);
	ck_assert_int_eq(out_open(&out, path), -1);
	ck_assert_int_eq(errno, ENOENT);
	/* stdout passes through */
	ck_assert_int_eq(out_open(&out, "-"), 0);
	ck_assert_ptr_eq(out.fp, stdout);
	ck_assert_int_eq(out_commit(&out), 0);
}
END_TEST

START_TEST(test_append_line)
{
	char path[128];
	snprintf(path, sizeof path, "%s/hist.jsonl", tmpdir);
	ck_assert_int_eq(append_line(path, "{\"a\":1}", 7), 0);
	ck_assert_int_eq(append_line(path, "{\"b\":2}", 7), 0);
	char *buf;
	size_t len;
	ck_assert_int_eq(read_file(path, &buf, &len, 0), 0);
	ck_assert_str_eq(buf, "{\"a\":1}\n{\"b\":2}\n");
	free(buf);
	snprintf(path, sizeof path, "%s/no/such/dir", tmpdir);
	ck_assert_int_eq(append_line(path, "x", 1), -1);
	if (access("/dev/full", W_OK) == 0)
		ck_assert_int_eq(append_line("/dev/full", "x", 1), -1);
}
END_TEST

START_TEST(test_strcasestr)
{
	ck_assert_ptr_nonnull(strcasestr_ascii("org.ChunkLoadingTime", "loadingtime"));
	ck_assert_ptr_null(strcasestr_ascii("abc", "abcd"));
	ck_assert_ptr_nonnull(strcasestr_ascii("abc", ""));
}
END_TEST

START_TEST(test_strmap)
{
	struct strmap m;
	strmap_init(&m, 1);
	char keys[1000][16];
	for (int i = 0; i < 1000; i++) {
		snprintf(keys[i], sizeof keys[i], "key%d", i);
		ck_assert(strmap_put(&m, keys[i], (size_t)i, NULL));
	}
	size_t v, old;
	for (int i = 0; i < 1000; i++) {
		ck_assert(strmap_get(&m, keys[i], &v));
		ck_assert_uint_eq(v, (size_t)i);
	}
	ck_assert(!strmap_get(&m, "nope", &v));
	ck_assert(!strmap_put(&m, "key5", 99, &old));
	ck_assert_uint_eq(old, 5);
	ck_assert(strmap_get(&m, "key5", &v));
	ck_assert_uint_eq(v, 99);
	ck_assert_uint_eq(m.n, 1000);
	strmap_free(&m);
}
END_TEST

START_TEST(test_big_alloc)
{
	/* Below and above the size mapped on its own: all of it writable,
	 * big ones on a page boundary. */
	size_t sizes[] = { 1, 4096, ((size_t)1 << 20) - 1, (size_t)1 << 20, ((size_t)3 << 20) + 5 };
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		unsigned char *p = big_alloc(sizes[i]);
		memset(p, 0xa5, sizes[i]);
		ck_assert_uint_eq(p[sizes[i] - 1], 0xa5);
		if (sizes[i] >= (size_t)1 << 20)
			ck_assert_uint_eq((uintptr_t)p % (uintptr_t)sysconf(_SC_PAGESIZE), 0);
		big_free(p, sizes[i]);
	}
	big_free(NULL, (size_t)1 << 30);

	/* Grown past the malloc'd sizes into mapped ones, contents kept. */
	unsigned *v = NULL;
	size_t alloc = 0;
	for (unsigned i = 0; i < 600000; i++) {
		BIG_GROW(v, alloc, (size_t)i + 1);
		v[i] = i * 7;
	}
	ck_assert_uint_ge(alloc, 600000);
	for (unsigned i = 0; i < 600000; i++)
		ck_assert_uint_eq(v[i], i * 7);
	big_free(v, alloc * sizeof *v);
}
END_TEST

START_TEST(test_arena)
{
	/* Small and one-off allocations, blocks doubling into mapped ones
	 * and a block made as big as expected: every piece its own. */
	for (int expect = 0; expect < 2; expect++) {
		struct arena a = ARENA_INIT;
		if (expect)
			arena_expect(&a, (size_t)5 << 20);
		char *first = arena_strndup(&a, "first", 5);
		char *big = arena_alloc(&a, (size_t)200 << 10);
		memset(big, 'b', (size_t)200 << 10);
		char *last = NULL;
		for (int i = 0; i < 100000; i++) {
			char buf[32];
			int n = snprintf(buf, sizeof buf, "item %d", i);
			char *s = arena_strndup(&a, buf, (size_t)n);
			ck_assert_uint_eq((uintptr_t)s & 15, 0);
			if (i == 99999)
				last = s;
		}
		ck_assert_str_eq(first, "first");
		ck_assert_str_eq(last, "item 99999");
		ck_assert_uint_eq(big[((size_t)200 << 10) - 1], 'b');
		arena_free(&a);
		ck_assert_ptr_null(a.head);
	}
}
END_TEST

static void exit_forked(int status)
{
	_exit(status);
}

START_TEST(test_die_status)
{
	msg_exit = exit_forked;
	msg_set_applet("compare");
	die(PERF_EXIT_TROUBLE, "cannot read '%s'", "x.json");
}
END_TEST

START_TEST(test_prefix)
{
	msg_set_applet("compare");
	ck_assert_str_eq(msg_prefix(), "perf compare");
	msg_set_applet(NULL);
	ck_assert_str_eq(msg_prefix(), "perf");
	unsigned long before = msg_warnings;
	int v = msg_verbosity;
	msg_verbosity = -1;
	warn("quiet %d", 1);
	msg_verbosity = v;
	ck_assert_uint_eq(msg_warnings, before + 1);
}
END_TEST

Suite *suite_util(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup_tmp, teardown_tmp);
	tcase_add_test(tc, test_strbuf);
	tcase_add_test(tc, test_read_file);
	tcase_add_test(tc, test_outfile);
	tcase_add_test(tc, test_append_line);
	tcase_add_test(tc, test_strcasestr);
	tcase_add_test(tc, test_strmap);
	tcase_add_test(tc, test_big_alloc);
	tcase_add_test(tc, test_arena);
	tcase_add_test(tc, test_prefix);
	/* die() ends the process: only where each test runs in a fork of
	 * its own (not under valgrind's CK_FORK=no). */
	const char *fork_mode = getenv("CK_FORK");
	if (!fork_mode || strcmp(fork_mode, "no") != 0)
		tcase_add_exit_test(tc, test_die_status, PERF_EXIT_TROUBLE);
	suite_add_tcase(s, tc);
	return s;
}
