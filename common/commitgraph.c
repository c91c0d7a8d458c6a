/* Reading git's commit-graph file: see commitgraph.h.
 *
 * The file: an 8-byte header ("CGPH", version, hash version, chunk count,
 * base graph count), a table of (chunk count + 1) entries of a 4-byte id
 * and an 8-byte offset, all big-endian, the last entry's id zero and its
 * offset the end of the last chunk, then the chunks and a checksum of
 * everything before it.  The trailing checksum is not recomputed (git does
 * not either when it reads the graph); the structure is checked instead,
 * and every parent position is checked as it is read.
 *
 * Stands on util.c (xmalloc, GROW) and mmap(2). */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commitgraph.h"
#include "util.h"

#define H COMMIT_GRAPH_HASHSZ
#define CDAT_ENTRY (H + 16)
#define HEADER_LEN 8
#define TABLE_ENTRY 12
#define ID_OIDF 0x4f494446u
#define ID_OIDL 0x4f49444cu
#define ID_CDAT 0x43444154u
#define ID_EDGE 0x45444745u
#define PARENT_NONE 0x70000000u
#define PARENT_OCTOPUS 0x80000000u
#define EDGE_LAST 0x80000000u

static uint32_t get_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get_be64(const unsigned char *p)
{
	return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	if (errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

int commit_graph_parse(struct commit_graph *g, const unsigned char *buf, size_t len,
		       char *err, size_t errlen)
{
	memset(g, 0, sizeof *g);
	if (len < HEADER_LEN + TABLE_ENTRY + H)
		return fail(err, errlen, "too short (%zu bytes)", len);
	if (memcmp(buf, "CGPH", 4))
		return fail(err, errlen, "no CGPH signature");
	if (buf[4] != 1)
		return fail(err, errlen, "unknown version %u", buf[4]);
	if (buf[5] != 1)
		return fail(err, errlen, "hash version %u is not SHA-1", buf[5]);
	if (buf[7] != 0)
		return fail(err, errlen, "%u base graphs (a split graph)", buf[7]);

	unsigned nchunks = buf[6];
	size_t table_end = HEADER_LEN + (size_t)(nchunks + 1) * TABLE_ENTRY;
	size_t data_end = len - H;
	if (table_end > data_end)
		return fail(err, errlen, "chunk table runs past the end");
	const unsigned char *oidf = NULL, *oidl = NULL, *cdat = NULL, *edge = NULL;
	size_t oidf_len = 0, oidl_len = 0, cdat_len = 0, edge_len = 0;
	for (unsigned i = 0; i < nchunks; i++) {
		const unsigned char *e = buf + HEADER_LEN + (size_t)i * TABLE_ENTRY;
		uint32_t id = get_be32(e);
		uint64_t off = get_be64(e + 4), next = get_be64(e + TABLE_ENTRY + 4);
		if (id == 0)
			return fail(err, errlen, "chunk %u has id 0", i);
		if (off < table_end || next < off || next > data_end)
			return fail(err, errlen, "chunk %u lies outside the file", i);
		const unsigned char *p = buf + off;
		size_t n = (size_t)(next - off);
		/* The first of duplicate chunks counts, as in git. */
		if (id == ID_OIDF && !oidf)
			oidf = p, oidf_len = n;
		else if (id == ID_OIDL && !oidl)
			oidl = p, oidl_len = n;
		else if (id == ID_CDAT && !cdat)
			cdat = p, cdat_len = n;
		else if (id == ID_EDGE && !edge)
			edge = p, edge_len = n;
	}
	const unsigned char *term = buf + HEADER_LEN + (size_t)nchunks * TABLE_ENTRY;
	if (get_be32(term) != 0)
		return fail(err, errlen, "chunk table has no terminating entry");
	if (get_be64(term + 4) != data_end)
		return fail(err, errlen, "the last chunk does not end at the checksum");
	if (!oidf || !oidl || !cdat)
		return fail(err, errlen, "missing %s chunk", !oidf ? "OIDF" : !oidl ? "OIDL" : "CDAT");
	if (oidf_len != 256 * 4)
		return fail(err, errlen, "OIDF chunk of %zu bytes", oidf_len);
	uint32_t prev = 0;
	for (unsigned b = 0; b < 256; b++) {
		uint32_t f = get_be32(oidf + 4 * b);
		if (f < prev)
			return fail(err, errlen, "OIDF fanout decreases at %u", b);
		prev = f;
	}
	uint32_t n = prev;
	if (oidl_len != (size_t)n * H)
		return fail(err, errlen, "OIDL chunk of %zu bytes for %u commits", oidl_len, n);
	if (cdat_len != (size_t)n * CDAT_ENTRY)
		return fail(err, errlen, "CDAT chunk of %zu bytes for %u commits", cdat_len, n);
	if (edge_len % 4)
		return fail(err, errlen, "EDGE chunk of %zu bytes", edge_len);
	for (uint32_t i = 0; i < n; i++) {
		const unsigned char *id = oidl + (size_t)i * H;
		if (i && memcmp(id - H, id, H) >= 0)
			return fail(err, errlen, "OIDL ids out of order at %u", i);
		uint32_t lo = id[0] ? get_be32(oidf + 4 * (id[0] - 1)) : 0;
		uint32_t hi = get_be32(oidf + 4 * id[0]);
		if (i < lo || i >= hi)
			return fail(err, errlen, "OIDL id %u outside its fanout bucket", i);
	}
	g->data = buf;
	g->len = len;
	g->n = n;
	g->fanout = oidf;
	g->oids = oidl;
	g->cdat = cdat;
	g->edges = edge;
	g->nedges = edge_len / 4;
	return 0;
}

int commit_graph_open(struct commit_graph *g, const char *path, char *err, size_t errlen)
{
	memset(g, 0, sizeof *g);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 1;
		return fail(err, errlen, "%s", strerror(errno));
	}
	struct stat st;
	if (fstat(fd, &st) != 0) {
		int e = errno;
		close(fd);
		return fail(err, errlen, "%s", strerror(e));
	}
	if (!S_ISREG(st.st_mode) || st.st_size < HEADER_LEN + TABLE_ENTRY + H) {
		close(fd);
		return fail(err, errlen, "not a commit-graph file (%lld bytes)", (long long)st.st_size);
	}
	size_t len = (size_t)st.st_size;
	void *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	int e = errno;
	close(fd);
	if (map == MAP_FAILED)
		return fail(err, errlen, "%s", strerror(e));
	if (commit_graph_parse(g, map, len, err, errlen) != 0) {
		munmap(map, len);
		return -1;
	}
	g->mapped = true;
	return 0;
}

void commit_graph_close(struct commit_graph *g)
{
	if (g->mapped)
		munmap((void *)g->data, g->len);
	memset(g, 0, sizeof *g);
}

bool commit_graph_find(const struct commit_graph *g, const unsigned char *id, uint32_t *pos)
{
	if (!g->n)
		return false;
	uint32_t lo = id[0] ? get_be32(g->fanout + 4 * (id[0] - 1)) : 0;
	uint32_t hi = get_be32(g->fanout + 4 * id[0]);
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int c = memcmp(g->oids + (size_t)mid * H, id, H);
		if (!c) {
			*pos = mid;
			return true;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

const unsigned char *commit_graph_id(const struct commit_graph *g, uint32_t pos)
{
	return g->oids + (size_t)pos * H;
}

const unsigned char *commit_graph_tree(const struct commit_graph *g, uint32_t pos)
{
	return g->cdat + (size_t)pos * CDAT_ENTRY;
}

int64_t commit_graph_time(const struct commit_graph *g, uint32_t pos)
{
	const unsigned char *e = g->cdat + (size_t)pos * CDAT_ENTRY + H + 8;
	return (int64_t)((uint64_t)(get_be32(e) & 3) << 32 | get_be32(e + 4));
}

static bool add_parent(const struct commit_graph *g, uint32_t p, uint32_t **out, size_t *alloc,
		       size_t *count)
{
	if (p >= g->n)
		return false;
	GROW(*out, *alloc, *count + 1);
	(*out)[(*count)++] = p;
	return true;
}

size_t commit_graph_parents(const struct commit_graph *g, uint32_t pos, uint32_t **out,
			    size_t *alloc)
{
	const unsigned char *e = g->cdat + (size_t)pos * CDAT_ENTRY + H;
	uint32_t p1 = get_be32(e), p2 = get_be32(e + 4);
	size_t count = 0;
	if (p1 == PARENT_NONE)
		return p2 == PARENT_NONE ? 0 : COMMIT_GRAPH_BAD;
	if (!add_parent(g, p1, out, alloc, &count))
		return COMMIT_GRAPH_BAD;
	if (p2 == PARENT_NONE)
		return count;
	if (!(p2 & PARENT_OCTOPUS))
		return add_parent(g, p2, out, alloc, &count) ? count : COMMIT_GRAPH_BAD;
	/* An octopus merge: its second and later parents are listed in EDGE
	 * from this index on, the last one flagged. */
	for (size_t i = p2 & ~PARENT_OCTOPUS;; i++) {
		if (i >= g->nedges)
			return COMMIT_GRAPH_BAD;
		uint32_t v = get_be32(g->edges + 4 * i);
		if (!add_parent(g, v & ~EDGE_LAST, out, alloc, &count))
			return COMMIT_GRAPH_BAD;
		if (v & EDGE_LAST)
			return count;
	}
}
