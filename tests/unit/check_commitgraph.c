/* Unit tests for common/commitgraph.c: graphs encoded here byte by byte as
 * git's format describes them (ids, trees, parents with an octopus merge in
 * EDGE, 34-bit times), read back, and every structural check refused on a
 * damaged copy.  (Graphs written by git itself are read end to end by
 * tests/cli/t2003-bisect-commit-graph.sh.) */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_suites.h"
#include "commitgraph.h"
#include "util.h"

#define NONE 0x70000000u

struct test_commit {
	unsigned char id[20];
	unsigned char tree[20];
	int nparents;
	uint32_t parents[4];   /* positions in the sorted graph */
	int64_t time;
};

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static void put64(unsigned char *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

/* Encode commits (already sorted by id) as a commit-graph file with the
 * chunks OIDF, OIDL, CDAT and, for octopus merges, EDGE.  Returns a
 * malloc'd buffer of *len bytes. */
static unsigned char *encode(const struct test_commit *c, uint32_t n, size_t *len)
{
	uint32_t nedges = 0;
	for (uint32_t i = 0; i < n; i++)
		if (c[i].nparents > 2)
			nedges += (uint32_t)c[i].nparents - 1;
	unsigned nchunks = nedges ? 4 : 3;
	size_t table = 8 + (nchunks + 1) * 12;
	size_t oidf = table, oidl = oidf + 1024, cdat = oidl + 20 * (size_t)n;
	size_t edge = cdat + 36 * (size_t)n, end = edge + 4 * (size_t)nedges;
	*len = end + 20;
	unsigned char *b = xcalloc(*len, 1);
	memcpy(b, "CGPH", 4);
	b[4] = 1;
	b[5] = 1;
	b[6] = (unsigned char)nchunks;
	b[7] = 0;
	const char *ids[] = { "OIDF", "OIDL", "CDAT", "EDGE" };
	size_t offs[] = { oidf, oidl, cdat, edge };
	for (unsigned i = 0; i < nchunks; i++) {
		memcpy(b + 8 + 12 * i, ids[i], 4);
		put64(b + 8 + 12 * i + 4, offs[i]);
	}
	put64(b + 8 + 12 * nchunks + 4, end);
	for (unsigned bucket = 0; bucket < 256; bucket++) {
		uint32_t count = 0;
		for (uint32_t i = 0; i < n; i++)
			if (c[i].id[0] <= bucket)
				count++;
		put32(b + oidf + 4 * bucket, count);
	}
	uint32_t e = 0;
	for (uint32_t i = 0; i < n; i++) {
		memcpy(b + oidl + 20 * i, c[i].id, 20);
		unsigned char *d = b + cdat + 36 * i;
		memcpy(d, c[i].tree, 20);
		put32(d + 20, c[i].nparents > 0 ? c[i].parents[0] : NONE);
		if (c[i].nparents > 2) {
			put32(d + 24, 0x80000000u | e);
			for (int k = 1; k < c[i].nparents; k++, e++)
				put32(b + edge + 4 * e, c[i].parents[k] | (k == c[i].nparents - 1 ? 0x80000000u : 0));
		} else {
			put32(d + 24, c[i].nparents > 1 ? c[i].parents[1] : NONE);
		}
		uint64_t t = (uint64_t)c[i].time;
		put32(d + 28, (uint32_t)(7u << 2) | (uint32_t)((t >> 32) & 3));
		put32(d + 32, (uint32_t)t);
	}
	return b;
}

/* Five commits: a root, two children of it, an octopus merge of the root
 * and both children, and a commit after 2106 (a time above 32 bits). */
static void sample(struct test_commit c[5])
{
	memset(c, 0, 5 * sizeof *c);
	const unsigned char first[5] = { 0x00, 0x10, 0x10, 0x7f, 0xff };
	for (int i = 0; i < 5; i++) {
		c[i].id[0] = first[i];
		c[i].id[19] = (unsigned char)i;
		memset(c[i].tree, 0xa0 + i, 20);
		c[i].time = 1700000000 + i;
	}
	c[0].nparents = 0;
	c[1].nparents = 1, c[1].parents[0] = 0;
	c[2].nparents = 1, c[2].parents[0] = 0;
	c[3].nparents = 3, c[3].parents[0] = 0, c[3].parents[1] = 1, c[3].parents[2] = 2;
	c[4].nparents = 2, c[4].parents[0] = 3, c[4].parents[1] = 1;
	c[4].time = ((int64_t)1 << 33) + 5;
}

START_TEST(test_read)
{
	struct test_commit c[5];
	sample(c);
	size_t len;
	unsigned char *b = encode(c, 5, &len);
	struct commit_graph g;
	char err[128] = "";
	ck_assert_msg(commit_graph_parse(&g, b, len, err, sizeof err) == 0, "%s", err);
	ck_assert_uint_eq(g.n, 5);
	uint32_t *par = NULL;
	size_t alloc = 0;
	for (uint32_t i = 0; i < 5; i++) {
		uint32_t pos = 99;
		ck_assert(commit_graph_find(&g, c[i].id, &pos));
		ck_assert_uint_eq(pos, i);
		ck_assert(!memcmp(commit_graph_id(&g, i), c[i].id, 20));
		ck_assert(!memcmp(commit_graph_tree(&g, i), c[i].tree, 20));
		ck_assert_int_eq(commit_graph_time(&g, i), c[i].time);
		size_t np = commit_graph_parents(&g, i, &par, &alloc);
		ck_assert_uint_eq(np, (size_t)c[i].nparents);
		for (size_t k = 0; k < np; k++)
			ck_assert_uint_eq(par[k], c[i].parents[k]);
	}
	unsigned char other[20] = { 0x10 };
	other[19] = 9;
	uint32_t pos;
	ck_assert(!commit_graph_find(&g, other, &pos));
	other[0] = 0x80;
	ck_assert(!commit_graph_find(&g, other, &pos));
	free(par);
	free(b);
}
END_TEST

START_TEST(test_bad_parents)
{
	struct test_commit c[5];
	sample(c);
	size_t len;
	unsigned char *b = encode(c, 5, &len);
	struct commit_graph g;
	uint32_t *par = NULL;
	size_t alloc = 0;
	/* CDAT at 8 + 5 * 12 + 1024 + 5 * 20; commit 1's first parent. */
	size_t cdat = 8 + 5 * 12 + 1024 + 5 * 20;
	put32(b + cdat + 36 + 20, 5);
	ck_assert_int_eq(commit_graph_parse(&g, b, len, NULL, 0), 0);
	ck_assert_uint_eq(commit_graph_parents(&g, 1, &par, &alloc), COMMIT_GRAPH_BAD);
	/* A root with a second parent only. */
	put32(b + cdat + 20, NONE);
	put32(b + cdat + 24, 1);
	ck_assert_uint_eq(commit_graph_parents(&g, 0, &par, &alloc), COMMIT_GRAPH_BAD);
	/* The octopus pointing past the EDGE list (two entries). */
	put32(b + cdat + 3 * 36 + 24, 0x80000000u | 2);
	ck_assert_uint_eq(commit_graph_parents(&g, 3, &par, &alloc), COMMIT_GRAPH_BAD);
	/* An EDGE list without its last flag runs off the end. */
	put32(b + cdat + 3 * 36 + 24, 0x80000000u);
	size_t edge = cdat + 5 * 36;
	put32(b + edge + 4, 2);
	ck_assert_uint_eq(commit_graph_parents(&g, 3, &par, &alloc), COMMIT_GRAPH_BAD);
	free(par);
	free(b);
}
END_TEST

/* Parse a damaged copy; expect refusal with reason. */
static void refused(const unsigned char *b, size_t len, const char *reason)
{
	struct commit_graph g;
	char err[128] = "";
	ck_assert_int_eq(commit_graph_parse(&g, b, len, err, sizeof err), -1);
	ck_assert_msg(strstr(err, reason), "expected '%s', got '%s'", reason, err);
}

START_TEST(test_refused)
{
	struct test_commit c[5];
	sample(c);
	size_t len;
	unsigned char *good = encode(c, 5, &len);
	unsigned char *b = xmalloc(len);
	size_t table = 8, oidf = 8 + 5 * 12, oidl = oidf + 1024, cdat = oidl + 100;

#define DAMAGE(what) do { memcpy(b, good, len); what; } while (0)
	DAMAGE(b[0] = 'X');
	refused(b, len, "no CGPH signature");
	DAMAGE(b[4] = 2);
	refused(b, len, "unknown version 2");
	DAMAGE(b[5] = 2);
	refused(b, len, "hash version 2");
	DAMAGE(b[7] = 1);
	refused(b, len, "split graph");
	refused(good, 30, "too short");
	DAMAGE(b[6] = 200);
	refused(b, len, "chunk table runs past the end");
	DAMAGE(put64(b + table + 12 + 4, len));
	refused(b, len, "chunk 0 lies outside the file");
	DAMAGE(put64(b + table + 4, 4));
	refused(b, len, "chunk 0 lies outside the file");
	DAMAGE(memset(b + table + 12, 0, 4));
	refused(b, len, "chunk 1 has id 0");
	DAMAGE(memcpy(b + table + 4 * 12, "XXXX", 4));
	refused(b, len, "no terminating entry");
	DAMAGE(put64(b + table + 4 * 12 + 4, len - 21));
	refused(b, len, "does not end at the checksum");
	DAMAGE(memcpy(b + table + 2 * 12, "ZZZZ", 4));
	refused(b, len, "missing CDAT chunk");
	DAMAGE(memcpy(b + table, "ZZZZ", 4));
	refused(b, len, "missing OIDF chunk");
	DAMAGE(put32(b + oidf + 4 * 0x20, 1));
	refused(b, len, "OIDF fanout decreases at 32");
	DAMAGE(put32(b + oidf + 4 * 255, 3));
	refused(b, len, "OIDF fanout decreases at 255");
	DAMAGE(put32(b + oidf + 4 * 255, 4));
	refused(b, len, "OIDL chunk of 100 bytes for 4 commits");
	/* Swap two ids: out of order. */
	DAMAGE(memcpy(b + oidl + 20, good + oidl + 40, 20); memcpy(b + oidl + 40, good + oidl + 20, 20));
	refused(b, len, "OIDL ids out of order at 2");
	/* An id in the wrong bucket: the first one claims 0x01. */
	DAMAGE(b[oidl] = 0x01);
	refused(b, len, "outside its fanout bucket");
	/* The commit count says 6 in every bucket from 0xff. */
	DAMAGE(put32(b + oidf + 4 * 255, 6));
	refused(b, len, "OIDL chunk of 100 bytes for 6 commits");
	/* CDAT one byte short: move the EDGE chunk's start. */
	DAMAGE(put64(b + table + 3 * 12 + 4, cdat + 5 * 36 - 1));
	refused(b, len, "CDAT chunk of 179 bytes");
	DAMAGE(put64(b + table + 3 * 12 + 4, cdat + 5 * 36 + 1));
	refused(b, len, "CDAT chunk of 181 bytes");
	/* EDGE one byte short: the checksum starts a byte earlier. */
	DAMAGE(put64(b + table + 4 * 12 + 4, len - 21));
	refused(b, len - 1, "EDGE chunk of 7 bytes");
#undef DAMAGE
	free(b);
	free(good);
}
END_TEST

START_TEST(test_open)
{
	char dir[] = "/tmp/check_commitgraph.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char path[128];
	struct commit_graph g;
	char err[128] = "";
	snprintf(path, sizeof path, "%s/missing", dir);
	ck_assert_int_eq(commit_graph_open(&g, path, err, sizeof err), 1);
	ck_assert_int_eq(commit_graph_open(&g, dir, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "not a commit-graph file"), "%s", err);

	struct test_commit c[5];
	sample(c);
	size_t len;
	unsigned char *b = encode(c, 5, &len);
	snprintf(path, sizeof path, "%s/commit-graph", dir);
	FILE *fp = fopen(path, "wb");
	ck_assert_ptr_nonnull(fp);
	ck_assert_uint_eq(fwrite(b, 1, len, fp), len);
	ck_assert_int_eq(fclose(fp), 0);
	ck_assert_msg(commit_graph_open(&g, path, err, sizeof err) == 0, "%s", err);
	ck_assert_uint_eq(g.n, 5);
	ck_assert_int_eq(commit_graph_time(&g, 4), ((int64_t)1 << 33) + 5);
	commit_graph_close(&g);
	ck_assert_uint_eq(g.n, 0);

	b[0] = 'X';
	fp = fopen(path, "wb");
	ck_assert_uint_eq(fwrite(b, 1, len, fp), len);
	ck_assert_int_eq(fclose(fp), 0);
	ck_assert_int_eq(commit_graph_open(&g, path, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "no CGPH signature"), "%s", err);
	unlink(path);
	rmdir(dir);
	free(b);
}
END_TEST

Suite *suite_commitgraph(void)
{
	Suite *s = suite_create("commitgraph");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_read);
	tcase_add_test(tc, test_bad_parents);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_open);
	suite_add_tcase(s, tc);
	return s;
}
