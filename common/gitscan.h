/* Scanning a git history for commits that may have caused a performance
 * regression: the time window and its walk, keyword and path matching, the
 * diff of a commit against its first parent, and the impact score.
 * Used by perf bisect (scan mode ranks suspects, run mode picks its first
 * probes from the same ranking).  The matching, window and scoring parts
 * are pure functions, unit-tested without a repository. */
#ifndef PERF_GITSCAN_H
#define PERF_GITSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <git2.h>

#include "util.h"

/* ---- words ---- */

/* True when word occurs in text as a whole word, ignoring ASCII case, with
 * an optional plural "s" (or "es") after it.  Words are runs of letters and
 * digits; anything else separates them, and so does a camelCase hump
 * ("RegionCache" is "Region" "Cache", "GCTuner" is "GC" "Tuner").  So "gc"
 * matches "GC", "gc-heavy" and "GcTuner" but not "gcc"; "cache" matches
 * "caches" but not "cached". */
bool gitscan_word_match(const char *text, const char *word);

/* ---- metrics ---- */

/* Append the words related to a metric (the --metric table in
 * perf-bisect(1)) to a string list.  A name outside the table gives its own
 * words (split where gitscan_word_match splits).  Returns true when the
 * name was in the table. */
bool gitscan_metric_words(const char *metric, char ***list, size_t *n);

/* ---- rules ---- */

struct scan_rules {
	char **keywords;        /* whole-word message keywords */
	size_t nkeywords;
	char **paths;           /* path patterns (pattern.h semantics) */
	size_t npaths;
	char **related;         /* the metric's words: weighted double */
	size_t nrelated;
	const char *metric;     /* NULL without --metric */
};

extern const char *const gitscan_default_keywords[];   /* NULL-terminated */
extern const char *const gitscan_default_paths[];

/* Add s to a string list unless it is already there (ignoring case). */
void gitscan_list_add(char ***list, size_t *n, const char *s);
/* Split a comma-separated list, trimming blanks; empty items are skipped.
 * Returns -1 when the list holds no item at all. */
int gitscan_list_parse(char ***list, size_t *n, const char *csv);
void gitscan_list_free(char **list, size_t n);
void gitscan_rules_free(struct scan_rules *r);

bool gitscan_is_related(const struct scan_rules *r, const char *word);
/* A path is related to the metric when one of its words is. */
bool gitscan_path_related(const struct scan_rules *r, const char *path);
bool gitscan_path_matches(const struct scan_rules *r, const char *path);

/* ---- the window ---- */

/* A commit belongs to the window when since <= commit time <= until. */
struct scan_window {
	time_t since, until;
};

/* When to stop walking.  Commits come newest first by commit time, but a
 * commit's recorded time can be earlier than its parent's (clock skew,
 * rebases, imported history), so one old commit proves nothing: the walk
 * stops after GITSCAN_STOP_RUN consecutive commits that are all more than
 * GITSCAN_STOP_MARGIN seconds older than the window start.  (git log
 * --since stops after 5 such commits, with no margin.) */
#define GITSCAN_STOP_RUN 100
#define GITSCAN_STOP_MARGIN 86400

struct walk_limit {
	time_t since;
	unsigned past_run;     /* consecutive commits past since - margin */
};

void walk_limit_init(struct walk_limit *w, time_t since);
/* Feed the next commit's time; true when the walk may stop. */
bool walk_limit_done(struct walk_limit *w, time_t commit_time);

/* ---- suspects ---- */

struct suspect_path {
	char *path;            /* the path after the commit */
	char *old_path;        /* before it, for a rename; else NULL */
	bool related;
	bool binary;
	size_t lines;          /* added + deleted, 0 for binary files */
};

struct suspect {
	git_oid oid;
	char sha[GIT_OID_HEXSZ + 1];
	time_t time;           /* commit time */
	char *author;
	char *summary;
	unsigned nparents;
	bool parent_missing;   /* a shallow clone's boundary: no diff */
	size_t order;          /* position in the walk, for stable ties */
	char **keywords;       /* keywords found in the message */
	size_t nkeywords;
	struct suspect_path *paths;
	size_t npaths;
	size_t lines_changed;  /* over the matching paths */
	double score;
	char **reasons;        /* one line per contribution to the score */
	size_t nreasons;
};

/* Score points (see perf-bisect(1), IMPACT SCORE). */
#define SCORE_KEYWORD 3.0
#define SCORE_PATH 2.0
#define SCORE_MAX_PATHS 5
#define SCORE_RELATED_FACTOR 2.0

/* Keywords of the message into s->keywords. */
void gitscan_match_message(const struct scan_rules *r, const char *message, struct suspect *s);
/* Fill s->score and s->reasons from s->keywords, s->paths and
 * s->lines_changed. */
void gitscan_score(const struct scan_rules *r, struct suspect *s);
/* Best first: higher score, then newer commit time, then walk order. */
int gitscan_cmp_suspects(const void *a, const void *b);
void suspect_free(struct suspect *s);

/* ---- the repository ---- */

/* Could the repository's gitattributes make a path binary for diff?  When
 * not, gitscan_commit can skip their lookup (attrs false). */
bool gitscan_attributes_apply(git_repository *repo);

/* Analyse one commit: message keywords, the diff against its first parent
 * (the empty tree for a root commit), renames found, changed lines counted
 * for matching paths only, with gitattributes applied when attrs is true.
 * Fills s (author, summary, keywords, paths, score).  Returns 0, or a
 * libgit2 error code. */
int gitscan_commit(git_repository *repo, git_commit *commit, const struct scan_rules *r,
		   bool attrs, struct suspect *s);

struct scan_result {
	size_t scanned;            /* commits in the window */
	size_t walked;             /* commits read */
	struct suspect *suspects;  /* ranked, best first */
	size_t nsuspects;
	/* Shallow boundary commits (history cut) reached by the walk and dated
	 * no more than GITSCAN_STOP_MARGIN before the window start: their
	 * missing parents may be in the window. */
	char **shallow_cuts;
	size_t nshallow_cuts;
	size_t graph_walked;       /* commits read through the commit-graph */
	char graph_note[160];      /* why a commit-graph was not used, or "" */
};

/* Walk from start newest first by commit time, merged branches included,
 * analysing the commits in the window and stopping per walk_limit.  A
 * shallow clone's boundary commits are walked but their missing parents are
 * not.  The repository's commit-graph, when there is a usable one, gives
 * the times and parents of the commits outside the window (same walk, same
 * result, fewer objects read).  Returns 0, or a libgit2 error code
 * (git_error_last() says why). */
int gitscan_window(git_repository *repo, const git_oid *start, const struct scan_window *win,
		   const struct scan_rules *r, struct scan_result *out);
void scan_result_free(struct scan_result *res);

/* The libgit2 error text, or "unknown error". */
const char *gitscan_error(void);

#endif
