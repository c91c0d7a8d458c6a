/* A reader of git's commit-graph file (objects/info/commit-graph, format
 * version 1, SHA-1; see git's Documentation/gitformat-commit-graph.txt):
 * for each commit of the graph its id, tree id, parents and commit time,
 * without inflating the commit.  perf bisect walks the history by commit
 * time through it and reads commit objects only inside its window.
 * Only the single-file graph is read; a split graph (commit-graphs/) or a
 * file that fails the checks below is refused, and the caller walks the
 * commit objects instead.  Plain bytes: no libgit2 here. */
#ifndef PERF_COMMITGRAPH_H
#define PERF_COMMITGRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define COMMIT_GRAPH_HASHSZ 20
/* commit_graph_parents: no such parent / the entry is corrupt. */
#define COMMIT_GRAPH_BAD ((size_t)-1)

struct commit_graph {
	const unsigned char *data;   /* the whole file */
	size_t len;
	bool mapped;                 /* data is an mmap of len bytes */
	uint32_t n;                  /* commits */
	const unsigned char *fanout; /* OIDF: 256 cumulative counts */
	const unsigned char *oids;   /* OIDL: n sorted ids */
	const unsigned char *cdat;   /* CDAT: n entries of id + 16 bytes */
	const unsigned char *edges;  /* EDGE: the extra parents of octopus merges */
	size_t nedges;
};

/* Check a commit-graph held in memory (buf must outlive g) and set g up
 * to read it: the signature, version 1 with SHA-1, no base graphs, a
 * chunk table inside the file with increasing offsets and the trailing
 * checksum after the last chunk, OIDF, OIDL and CDAT present with the
 * sizes the commit count asks for, the ids strictly increasing and in
 * their fanout buckets.  Returns 0, or -1 with the reason in err. */
int commit_graph_parse(struct commit_graph *g, const unsigned char *buf, size_t len,
		       char *err, size_t errlen);

/* Map and parse the file at path.  Returns 0; 1 when there is no such
 * file; -1 when it cannot be read or fails the checks (reason in err). */
int commit_graph_open(struct commit_graph *g, const char *path, char *err, size_t errlen);
void commit_graph_close(struct commit_graph *g);

/* The position of a commit id in the graph, by the fanout and a binary
 * search; false when the graph does not hold it. */
bool commit_graph_find(const struct commit_graph *g, const unsigned char *id, uint32_t *pos);

const unsigned char *commit_graph_id(const struct commit_graph *g, uint32_t pos);
const unsigned char *commit_graph_tree(const struct commit_graph *g, uint32_t pos);
/* The commit (committer) time: 34 bits, seconds since the epoch. */
int64_t commit_graph_time(const struct commit_graph *g, uint32_t pos);

/* The positions of the commit's parents, in order, into *out (grown with
 * *alloc as needed).  Returns their count, or COMMIT_GRAPH_BAD when the
 * entry points outside the graph or its EDGE list. */
size_t commit_graph_parents(const struct commit_graph *g, uint32_t pos, uint32_t **out,
			    size_t *alloc);

#endif
