/* Scanning a git history for performance suspects: see gitscan.h.
 *
 * The walk is perf's own priority queue on commit time rather than
 * git_revwalk with GIT_SORT_TIME: it yields the same order (newest commit
 * time first, parents queued as their children are read, merged branches
 * included), but libgit2 1.5's revwalk fails outright on a shallow clone
 * (it parses the boundary commits' missing parents before returning the
 * first commit, and its hide callback is consulted too late to avoid
 * that), and owning the queue lets the walk stop by walk_limit.  When
 * the repository has a commit-graph the queue takes commit times and
 * parents from it and reads a commit object only for the commits in the
 * window (checking them against the graph: on any disagreement the walk
 * is done again on the objects alone); commits the graph does not hold
 * (newer than it) are read as objects.
 *
 * Stands on libgit2 (objects, diff, patch), commitgraph.c, pattern.c
 * (path patterns), util.c. */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "commitgraph.h"
#include "gitscan.h"
#include "msg.h"
#include "pattern.h"

const char *const gitscan_default_keywords[] = {
	"chunk", "memory", "cache", "performance", "optimization",
	"loading", "allocation", "gc", "heap", NULL
};
const char *const gitscan_default_paths[] = {
	"chunk", "cache", "memory", "performance", NULL
};

const char *gitscan_error(void)
{
	const git_error *e = git_error_last();
	return e && e->message ? e->message : "unknown error";
}

/* ---- words ---- */

static bool is_word_char(char c)
{
	return isalnum((unsigned char)c);
}

static bool is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

static bool is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

/* Is there a word boundary between text[i - 1] and text[i]?  start is the
 * beginning of text. */
static bool boundary_at(const char *start, const char *p)
{
	if (p == start || !*p)
		return true;
	char prev = p[-1], cur = p[0];
	if (!is_word_char(prev) || !is_word_char(cur))
		return true;
	if (is_lower(prev) && is_upper(cur))
		return true;          /* regionCache */
	if (is_upper(prev) && is_upper(cur) && is_lower(p[1]))
		return true;          /* GCTuner */
	return false;
}

static bool prefix_casecmp(const char *text, const char *word, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!text[i])
			return false;
		if (tolower((unsigned char)text[i]) != tolower((unsigned char)word[i]))
			return false;
	}
	return true;
}

bool gitscan_word_match(const char *text, const char *word)
{
	size_t n = strlen(word);
	if (!n)
		return false;
	for (const char *p = text; *p; p++) {
		if (!boundary_at(text, p) || !prefix_casecmp(p, word, n))
			continue;
		const char *e = p + n;
		if (boundary_at(text, e))
			return true;
		/* A plural: "caches", "boxes". */
		if ((*e == 's' || *e == 'S') && boundary_at(text, e + 1))
			return true;
		if ((*e == 'e' || *e == 'E') && (e[1] == 's' || e[1] == 'S') && boundary_at(text, e + 2))
			return true;
	}
	return false;
}

/* ---- lists ---- */

void gitscan_list_add(char ***list, size_t *n, const char *s)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcasecmp((*list)[i], s))
			return;
	*list = xreallocarray(*list, *n + 2, sizeof **list);
	(*list)[(*n)++] = xstrdup(s);
	(*list)[*n] = NULL;
}

int gitscan_list_parse(char ***list, size_t *n, const char *csv)
{
	size_t before = *n;
	const char *p = csv;
	while (*p) {
		const char *comma = strchr(p, ',');
		const char *end = comma ? comma : p + strlen(p);
		const char *a = p, *b = end;
		while (a < b && isspace((unsigned char)*a))
			a++;
		while (b > a && isspace((unsigned char)b[-1]))
			b--;
		if (b > a) {
			char *item = xstrndup(a, (size_t)(b - a));
			gitscan_list_add(list, n, item);
			free(item);
		}
		if (!comma)
			break;
		p = comma + 1;
	}
	return *n > before ? 0 : -1;
}

void gitscan_list_free(char **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

void gitscan_rules_free(struct scan_rules *r)
{
	gitscan_list_free(r->keywords, r->nkeywords);
	gitscan_list_free(r->paths, r->npaths);
	gitscan_list_free(r->related, r->nrelated);
	memset(r, 0, sizeof *r);
}

/* ---- metrics ---- */

static const struct {
	const char *pattern;        /* fnmatch(3), ignoring case */
	const char *words[5];
} metric_table[] = {
	{ "memory_usage", { "memory", "heap", "gc", "allocation", NULL } },
	{ "chunk_loading_time", { "chunk", "loading", NULL } },
	{ "cache_hit_ratio", { "cache", NULL } },
	{ "tps_*", { "tick", "tps", "performance", NULL } },
};

bool gitscan_metric_words(const char *metric, char ***list, size_t *n)
{
	for (size_t i = 0; i < ARRAY_SIZE(metric_table); i++) {
		if (fnmatch(metric_table[i].pattern, metric, FNM_CASEFOLD) != 0)
			continue;
		for (const char *const *w = metric_table[i].words; *w; w++)
			gitscan_list_add(list, n, *w);
		return true;
	}
	/* Not in the table: the name's own words. */
	for (const char *p = metric; *p;) {
		if (!is_word_char(*p)) {
			p++;
			continue;
		}
		const char *end = p + 1;
		while (*end && !boundary_at(metric, end))
			end++;
		char *w = xstrndup(p, (size_t)(end - p));
		for (char *c = w; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		gitscan_list_add(list, n, w);
		free(w);
		p = end;
	}
	return false;
}

bool gitscan_is_related(const struct scan_rules *r, const char *word)
{
	for (size_t i = 0; i < r->nrelated; i++)
		if (!strcasecmp(r->related[i], word))
			return true;
	return false;
}

bool gitscan_path_related(const struct scan_rules *r, const char *path)
{
	for (size_t i = 0; i < r->nrelated; i++)
		if (gitscan_word_match(path, r->related[i]))
			return true;
	return false;
}

bool gitscan_path_matches(const struct scan_rules *r, const char *path)
{
	for (size_t i = 0; i < r->npaths; i++)
		if (pattern_match(r->paths[i], path))
			return true;
	return false;
}

/* ---- the window ---- */

void walk_limit_init(struct walk_limit *w, time_t since)
{
	w->since = since;
	w->past_run = 0;
}

bool walk_limit_done(struct walk_limit *w, time_t commit_time)
{
	if (commit_time < w->since - GITSCAN_STOP_MARGIN)
		w->past_run++;
	else
		w->past_run = 0;
	return w->past_run >= GITSCAN_STOP_RUN;
}

/* ---- scoring ---- */

static void add_reason(struct suspect *s, long tenths, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void add_reason(struct suspect *s, long tenths, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	if (tenths >= 0)
		sb_addf(&sb, ": +%ld.%ld", tenths / 10, tenths % 10);
	s->reasons = xreallocarray(s->reasons, s->nreasons + 1, sizeof *s->reasons);
	s->reasons[s->nreasons++] = sb_detach(&sb, NULL);
}

void gitscan_match_message(const struct scan_rules *r, const char *message, struct suspect *s)
{
	for (size_t i = 0; i < r->nkeywords; i++)
		if (gitscan_word_match(message, r->keywords[i]))
			gitscan_list_add(&s->keywords, &s->nkeywords, r->keywords[i]);
}

/* Points in tenths, so that scores add up exactly and print the same
 * everywhere. */
void gitscan_score(const struct scan_rules *r, struct suspect *s)
{
	long total = 0;
	long kw = lround(SCORE_KEYWORD * 10), kw_rel = lround(SCORE_KEYWORD * SCORE_RELATED_FACTOR * 10);
	long pa = lround(SCORE_PATH * 10), pa_rel = lround(SCORE_PATH * SCORE_RELATED_FACTOR * 10);

	for (size_t i = 0; i < s->nreasons; i++)
		free(s->reasons[i]);
	free(s->reasons);
	s->reasons = NULL;
	s->nreasons = 0;

	for (size_t i = 0; i < s->nkeywords; i++) {
		bool rel = gitscan_is_related(r, s->keywords[i]);
		total += rel ? kw_rel : kw;
		if (rel)
			add_reason(s, kw_rel, "keyword '%s' in the message, related to %s", s->keywords[i], r->metric);
		else
			add_reason(s, kw, "keyword '%s' in the message", s->keywords[i]);
	}
	/* Paths related to the metric count first, then the others, in diff
	 * order, up to SCORE_MAX_PATHS. */
	size_t counted = 0;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < s->npaths; i++) {
			const struct suspect_path *p = &s->paths[i];
			if (p->related != (pass == 0) || counted >= SCORE_MAX_PATHS)
				continue;
			counted++;
			total += p->related ? pa_rel : pa;
			struct strbuf what = STRBUF_INIT;
			if (p->old_path)
				sb_addf(&what, "path %s (renamed from %s)", p->path, p->old_path);
			else
				sb_addf(&what, "path %s", p->path);
			if (p->related)
				sb_addf(&what, ", related to %s", r->metric);
			add_reason(s, p->related ? pa_rel : pa, "%s", what.buf);
			sb_release(&what);
		}
	}
	if (s->npaths > counted)
		add_reason(s, 0, "%zu more matching path%s (at most %d count)", s->npaths - counted,
			   s->npaths - counted == 1 ? "" : "s", SCORE_MAX_PATHS);
	for (size_t i = 0; i < s->npaths; i++)
		if (s->paths[i].binary)
			add_reason(s, -1, "binary file %s: no lines counted", s->paths[i].path);
	if (s->lines_changed) {
		long lines = lround(10.0 * log2(1.0 + (double)s->lines_changed));
		total += lines;
		add_reason(s, lines, "%zu line%s changed in matching paths", s->lines_changed,
			   s->lines_changed == 1 ? "" : "s");
	}
	if (s->parent_missing)
		add_reason(s, -1, "first parent missing (shallow clone): no diff");
	if (s->nparents > 1)
		add_reason(s, -1, "merge commit: its diff against the first parent includes the merged branch");
	s->score = (double)total / 10.0;
}

int gitscan_cmp_suspects(const void *pa, const void *pb)
{
	const struct suspect *a = pa, *b = pb;
	if (a->score != b->score)
		return a->score > b->score ? -1 : 1;
	if (a->time != b->time)
		return a->time > b->time ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

void suspect_free(struct suspect *s)
{
	free(s->author);
	free(s->summary);
	gitscan_list_free(s->keywords, s->nkeywords);
	for (size_t i = 0; i < s->npaths; i++) {
		free(s->paths[i].path);
		free(s->paths[i].old_path);
	}
	free(s->paths);
	gitscan_list_free(s->reasons, s->nreasons);
	memset(s, 0, sizeof *s);
}

/* ---- one commit ---- */

/* The paths a diff of two trees can report, found by comparing the trees
 * entry by entry and descending only into subtrees whose ids differ: an
 * unchanged directory costs one id comparison.  A libgit2 tree diff reads
 * every subtree of both sides; given these paths as a literal pathspec it
 * reads only the changed ones and reports the same deltas. */
struct path_list {
	char **v;
	struct blob_pair {         /* the blobs of an in-place change, else zero */
		git_oid old_id, new_id;
	} *blobs;
	size_t n, alloc, blobs_alloc;
	size_t others;             /* paths added, deleted or changing kind or mode */
};

static void path_list_free(struct path_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	free(l->blobs);
	memset(l, 0, sizeof *l);
}

static bool entry_is_file(const git_tree_entry *e)
{
	git_filemode_t m = git_tree_entry_filemode(e);
	return m == GIT_FILEMODE_BLOB || m == GIT_FILEMODE_BLOB_EXECUTABLE;
}

static bool entry_is_tree(const git_tree_entry *e)
{
	return git_tree_entry_type(e) == GIT_OBJECT_TREE;
}

/* Tree order: names compared bytewise, a subtree's name as if it ended
 * in '/' (git's base_name_compare). */
static int entry_cmp(const git_tree_entry *x, const git_tree_entry *y)
{
	const char *a = git_tree_entry_name(x), *b = git_tree_entry_name(y);
	size_t la = strlen(a), lb = strlen(b), l = la < lb ? la : lb;
	int c = memcmp(a, b, l);
	if (c)
		return c;
	unsigned char ca = la > l ? (unsigned char)a[l] : entry_is_tree(x) ? '/' : 0;
	unsigned char cb = lb > l ? (unsigned char)b[l] : entry_is_tree(y) ? '/' : 0;
	return (int)ca - (int)cb;
}

static int changed_paths(git_repository *repo, const git_tree *a, const git_tree *b,
			 struct strbuf *prefix, struct path_list *out);

/* One side's entry e (the other side has no entry of that name and kind),
 * or both sides' entries when they differ. */
static int changed_entry(git_repository *repo, const git_tree_entry *ea, const git_tree_entry *eb,
			 struct strbuf *prefix, struct path_list *out)
{
	const git_tree_entry *e = ea ? ea : eb;
	size_t keep = prefix->len;
	sb_adds(prefix, git_tree_entry_name(e));
	int err = 0;
	if ((!ea || entry_is_tree(ea)) && (!eb || entry_is_tree(eb))) {
		git_tree *ta = NULL, *tb = NULL;
		if (ea && (err = git_tree_lookup(&ta, repo, git_tree_entry_id(ea))) < 0)
			goto out;
		if (eb && (err = git_tree_lookup(&tb, repo, git_tree_entry_id(eb))) < 0) {
			git_tree_free(ta);
			goto out;
		}
		sb_addc(prefix, '/');
		err = changed_paths(repo, ta, tb, prefix, out);
		git_tree_free(ta);
		git_tree_free(tb);
	} else {
		GROW(out->v, out->alloc, out->n + 1);
		GROW(out->blobs, out->blobs_alloc, out->n + 1);
		struct blob_pair *b = &out->blobs[out->n];
		memset(b, 0, sizeof *b);
		if (ea && eb && entry_is_file(ea) &&
		    git_tree_entry_filemode_raw(ea) == git_tree_entry_filemode_raw(eb)) {
			git_oid_cpy(&b->old_id, git_tree_entry_id(ea));
			git_oid_cpy(&b->new_id, git_tree_entry_id(eb));
		} else {
			out->others++;
		}
		out->v[out->n++] = xstrdup(prefix->buf);
	}
out:
	prefix->len = keep;
	prefix->buf[keep] = '\0';
	return err;
}

static int changed_paths(git_repository *repo, const git_tree *a, const git_tree *b,
			 struct strbuf *prefix, struct path_list *out)
{
	size_t na = a ? git_tree_entrycount(a) : 0, nb = b ? git_tree_entrycount(b) : 0;
	size_t i = 0, j = 0;
	int err = 0;
	while (!err && (i < na || j < nb)) {
		const git_tree_entry *ea = i < na ? git_tree_entry_byindex(a, i) : NULL;
		const git_tree_entry *eb = j < nb ? git_tree_entry_byindex(b, j) : NULL;
		int c = !ea ? 1 : !eb ? -1 : entry_cmp(ea, eb);
		if (c < 0) {
			err = changed_entry(repo, ea, NULL, prefix, out);
			i++;
		} else if (c > 0) {
			err = changed_entry(repo, NULL, eb, prefix, out);
			j++;
		} else {
			if (!git_oid_equal(git_tree_entry_id(ea), git_tree_entry_id(eb)) ||
			    git_tree_entry_filemode_raw(ea) != git_tree_entry_filemode_raw(eb))
				err = changed_entry(repo, ea, eb, prefix, out);
			i++;
			j++;
		}
	}
	return err;
}

/* Lines added and deleted in one file, as git_patch_line_stats counts
 * them, and whether libgit2 found it binary. */
struct line_count {
	size_t lines;
	bool binary;
};

static int count_file_cb(const git_diff_delta *d, float progress, void *payload)
{
	(void)progress;
	struct line_count *lc = payload;
	lc->binary = (d->flags & GIT_DIFF_FLAG_BINARY) != 0;
	return 0;
}

static int count_line_cb(const git_diff_delta *d, const git_diff_hunk *h, const git_diff_line *l,
			 void *payload)
{
	(void)d;
	(void)h;
	struct line_count *lc = payload;
	if (l->origin == GIT_DIFF_LINE_ADDITION || l->origin == GIT_DIFF_LINE_DELETION)
		lc->lines++;
	return 0;
}

static void add_path(struct suspect *s, const struct scan_rules *r, const char *path,
		     const char *old_path, bool binary, size_t lines)
{
	s->paths = xreallocarray(s->paths, s->npaths + 1, sizeof *s->paths);
	struct suspect_path *p = &s->paths[s->npaths++];
	memset(p, 0, sizeof *p);
	p->path = xstrdup(path);
	p->old_path = old_path ? xstrdup(old_path) : NULL;
	p->related = gitscan_path_related(r, path) || (old_path && gitscan_path_related(r, old_path));
	p->binary = binary;
	p->lines = binary ? 0 : lines;
	s->lines_changed += p->lines;
}

/* Could a gitattributes file give some path a diff attribute (binary,
 * -diff, diff=driver)?  libgit2 reads them from the system and global
 * files, the repository's info/attributes and, with a working tree, the
 * .gitattributes files in it and in the index.  Most repositories have
 * none, and then a blob diff need not look them up for every path (the
 * lookup costs several system calls a path, more than the diff itself).
 * A .gitattributes in a subdirectory of the working tree that is not in
 * the index is not seen; on any doubt the answer is yes. */
static bool file_exists(const char *dir, const char *name)
{
	char *path = xasprintf("%s%s%s", dir, *dir && dir[strlen(dir) - 1] != '/' ? "/" : "", name);
	bool yes = access(path, F_OK) == 0;
	free(path);
	return yes;
}

static bool search_path_has(int level, const char *name)
{
	git_buf dirs = { 0 };
	bool yes = false;
	if (git_libgit2_opts(GIT_OPT_GET_SEARCH_PATH, level, &dirs) < 0) {
		git_error_clear();
		return true;
	}
	for (char *d = dirs.ptr; d && *d && !yes;) {
		char *sep = strchr(d, GIT_PATH_LIST_SEPARATOR);
		if (sep)
			*sep = '\0';
		if (*d)
			yes = file_exists(d, name);
		d = sep ? sep + 1 : NULL;
	}
	git_buf_dispose(&dirs);
	return yes;
}

bool gitscan_attributes_apply(git_repository *repo)
{
	if (search_path_has(GIT_CONFIG_LEVEL_SYSTEM, "gitattributes") ||
	    file_exists(git_repository_commondir(repo), "info/attributes"))
		return true;
	git_config *cfg;
	if (git_repository_config_snapshot(&cfg, repo) < 0) {
		git_error_clear();
		return true;
	}
	git_buf global = { 0 };
	int err = git_config_get_path(&global, cfg, "core.attributesfile");
	git_config_free(cfg);
	bool yes;
	if (err == 0)
		yes = access(global.ptr, F_OK) == 0;
	else
		yes = err != GIT_ENOTFOUND || search_path_has(GIT_CONFIG_LEVEL_XDG, "attributes");
	git_buf_dispose(&global);
	git_error_clear();
	if (yes || git_repository_is_bare(repo))
		return yes;
	if (file_exists(git_repository_workdir(repo), ".gitattributes"))
		return true;
	git_index *index;
	if (git_repository_index(&index, repo) < 0) {
		git_error_clear();
		return true;
	}
	size_t n = git_index_entrycount(index);
	for (size_t i = 0; i < n && !yes; i++) {
		const char *path = git_index_get_byindex(index, i)->path;
		const char *base = strrchr(path, '/');
		yes = !strcmp(base ? base + 1 : path, ".gitattributes");
	}
	git_index_free(index);
	return yes;
}

/* Lines added and deleted between two blobs, and whether libgit2 finds
 * them binary.  libgit2 looks the path's gitattributes up for each blob
 * diff (its diff driver); with attrs false the path is given as "", which
 * libgit2 takes as "no attributes" and judges the blobs by content alone.
 * Returns 0 or a libgit2 error code. */
static int count_blob_lines(const git_blob *ob, const git_blob *nb, const char *path,
			    bool attrs, struct line_count *lc)
{
	git_diff_options opts;
	git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
	opts.context_lines = 0;    /* only the changed lines are wanted */
	opts.interhunk_lines = 0;
	if (!attrs)
		path = "";
	return git_diff_blobs(ob, path, nb, path, &opts, count_file_cb, NULL, NULL,
			      count_line_cb, lc);
}

/* The diff when every changed path is a regular file changed in place
 * (no file added, deleted, renamed or changing kind or mode): no rename
 * can be found, the deltas are the changed paths in tree order, and each
 * matching one is the diff of its two blobs, without a tree diff. */
static int diff_in_place(git_repository *repo, const struct path_list *changed,
			 const struct scan_rules *r, bool attrs, struct suspect *s)
{
	for (size_t i = 0; i < changed->n; i++) {
		const char *path = changed->v[i];
		if (!gitscan_path_matches(r, path))
			continue;
		git_blob *ob = NULL, *nb = NULL;
		struct line_count lc = { 0, false };
		int err = git_blob_lookup(&ob, repo, &changed->blobs[i].old_id);
		if (!err)
			err = git_blob_lookup(&nb, repo, &changed->blobs[i].new_id);
		if (!err)
			err = count_blob_lines(ob, nb, path, attrs, &lc);
		git_blob_free(ob);
		git_blob_free(nb);
		if (err < 0)
			return err;
		add_path(s, r, path, NULL, lc.binary, lc.lines);
	}
	return 0;
}

static int diff_paths(git_repository *repo, git_commit *commit, const struct scan_rules *r,
		      bool attrs, struct suspect *s)
{
	git_tree *tree = NULL, *ptree = NULL;
	git_commit *parent = NULL;
	git_diff *diff = NULL;
	struct path_list changed = { 0 };
	int err;

	if (s->nparents > 0) {
		err = git_commit_parent(&parent, commit, 0);
		if (err == GIT_ENOTFOUND) {
			/* A shallow clone's boundary: nothing to diff against. */
			git_error_clear();
			s->parent_missing = true;
			return 0;
		}
		if (err < 0)
			return err;
		if ((err = git_commit_tree(&ptree, parent)) < 0)
			goto out;
	}
	if ((err = git_commit_tree(&tree, commit)) < 0)
		goto out;
	git_diff_options opts;
	git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
	if (ptree) {
		struct strbuf prefix = STRBUF_INIT;
		sb_adds(&prefix, "");
		err = changed_paths(repo, ptree, tree, &prefix, &changed);
		sb_release(&prefix);
		if (err < 0)
			goto out;
		if (!changed.n)
			goto out;       /* the same tree: no delta */
		if (!changed.others) {
			err = diff_in_place(repo, &changed, r, attrs, s);
			goto out;
		}
		opts.pathspec.strings = changed.v;
		opts.pathspec.count = changed.n;
		opts.flags |= GIT_DIFF_DISABLE_PATHSPEC_MATCH;
	}
	if ((err = git_diff_tree_to_tree(&diff, repo, ptree, tree, &opts)) < 0)
		goto out;
	git_diff_find_options fopts;
	git_diff_find_options_init(&fopts, GIT_DIFF_FIND_OPTIONS_VERSION);
	fopts.flags = GIT_DIFF_FIND_RENAMES;
	if ((err = git_diff_find_similar(diff, &fopts)) < 0)
		goto out;

	size_t n = git_diff_num_deltas(diff);
	for (size_t i = 0; i < n; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		const char *newp = d->new_file.path, *oldp = d->old_file.path;
		bool renamed = d->status == GIT_DELTA_RENAMED && strcmp(oldp, newp);
		if (!gitscan_path_matches(r, newp) && !(renamed && gitscan_path_matches(r, oldp)))
			continue;
		/* Only now the expensive part: the patch of this one file. */
		git_patch *patch = NULL;
		if ((err = git_patch_from_diff(&patch, diff, i)) < 0)
			goto out;
		const git_diff_delta *pd = patch ? git_patch_get_delta(patch) : d;
		bool binary = pd->flags & GIT_DIFF_FLAG_BINARY;
		size_t adds = 0, dels = 0;
		if (!binary && patch)
			git_patch_line_stats(NULL, &adds, &dels, patch);
		add_path(s, r, newp, renamed ? oldp : NULL, binary, adds + dels);
		git_patch_free(patch);
	}
	err = 0;
out:
	path_list_free(&changed);
	git_diff_free(diff);
	git_tree_free(tree);
	git_tree_free(ptree);
	git_commit_free(parent);
	return err;
}

int gitscan_commit(git_repository *repo, git_commit *commit, const struct scan_rules *r,
		   bool attrs, struct suspect *s)
{
	git_oid_cpy(&s->oid, git_commit_id(commit));
	git_oid_tostr(s->sha, sizeof s->sha, &s->oid);
	s->time = git_commit_time(commit);
	const git_signature *au = git_commit_author(commit);
	s->author = xstrdup(au && au->name ? au->name : "");
	const char *summary = git_commit_summary(commit);
	s->summary = xstrdup(summary ? summary : "");
	s->nparents = git_commit_parentcount(commit);
	const char *msg = git_commit_message(commit);
	gitscan_match_message(r, msg ? msg : "", s);
	int err = diff_paths(repo, commit, r, attrs, s);
	if (err < 0)
		return err;
	gitscan_score(r, s);
	return 0;
}

/* ---- the walk ---- */

/* A set of object ids: open addressing on the id's first bytes. */
struct oidset {
	git_oid *ids;
	bool *used;
	size_t cap, n;
};

static size_t oid_hash(const git_oid *id)
{
	size_t h;
	memcpy(&h, id->id, sizeof h);
	return h;
}

static bool oidset_has(const struct oidset *s, const git_oid *id)
{
	if (!s->cap)
		return false;
	for (size_t i = oid_hash(id) & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
		if (!s->used[i])
			return false;
		if (git_oid_equal(&s->ids[i], id))
			return true;
	}
}

/* Returns true when id was new. */
static bool oidset_add(struct oidset *s, const git_oid *id)
{
	if (oidset_has(s, id))
		return false;
	if ((s->n + 1) * 2 > s->cap) {
		struct oidset bigger = { NULL, NULL, s->cap ? s->cap * 2 : 64, 0 };
		bigger.ids = xcalloc(bigger.cap, sizeof *bigger.ids);
		bigger.used = xcalloc(bigger.cap, sizeof *bigger.used);
		for (size_t i = 0; i < s->cap; i++)
			if (s->used[i])
				oidset_add(&bigger, &s->ids[i]);
		free(s->ids);
		free(s->used);
		*s = bigger;
	}
	size_t i = oid_hash(id) & (s->cap - 1);
	while (s->used[i])
		i = (i + 1) & (s->cap - 1);
	s->used[i] = true;
	git_oid_cpy(&s->ids[i], id);
	s->n++;
	return true;
}

static void oidset_free(struct oidset *s)
{
	free(s->ids);
	free(s->used);
	memset(s, 0, sizeof *s);
}

/* A max-heap of commits on commit time; equal times come out in the order
 * they were queued.  A commit held by the commit-graph is queued by its
 * position there (commit NULL) and read only if it falls in the window;
 * any other commit is queued as the object itself. */
#define NO_POS UINT32_MAX

struct queued {
	git_commit *commit;
	uint32_t pos;
	time_t time;
	size_t seq;
};

struct commit_queue {
	struct queued *v;
	size_t n, alloc, seq;
};

static bool queued_before(const struct queued *a, const struct queued *b)
{
	return a->time != b->time ? a->time > b->time : a->seq < b->seq;
}

static void queue_push(struct commit_queue *q, git_commit *c, uint32_t pos, time_t t)
{
	GROW(q->v, q->alloc, q->n + 1);
	size_t i = q->n++;
	struct queued item = { c, pos, t, q->seq++ };
	while (i > 0 && queued_before(&item, &q->v[(i - 1) / 2])) {
		q->v[i] = q->v[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	q->v[i] = item;
}

static bool queue_pop(struct commit_queue *q, struct queued *top)
{
	if (!q->n)
		return false;
	*top = q->v[0];
	struct queued last = q->v[--q->n];
	size_t i = 0;
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, best = i;
		const struct queued *bv = &last;
		if (l < q->n && queued_before(&q->v[l], bv))
			best = l, bv = &q->v[l];
		if (r < q->n && queued_before(&q->v[r], bv))
			best = r;
		if (best == i)
			break;
		q->v[i] = q->v[best];
		i = best;
	}
	if (q->n)
		q->v[i] = last;
	return true;
}

static void queue_free(struct commit_queue *q)
{
	for (size_t i = 0; i < q->n; i++)
		git_commit_free(q->v[i].commit);
	free(q->v);
}

/* The shallow clone's boundary commits, from the repository's "shallow"
 * file (absent in a complete clone). */
static int read_shallow(git_repository *repo, struct oidset *set)
{
	if (!git_repository_is_shallow(repo))
		return 0;
	char *path = xasprintf("%sshallow", git_repository_commondir(repo));
	char *buf;
	size_t len;
	if (read_file(path, &buf, &len, 0) != 0) {
		int e = errno;
		free(path);
		if (e == ENOENT)
			return 0;
		git_error_set_str(GIT_ERROR_OS, strerror(e));
		return -1;
	}
	free(path);
	for (char *line = buf; *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		git_oid id;
		if (strlen(line) == GIT_OID_HEXSZ && git_oid_fromstr(&id, line) == 0)
			oidset_add(set, &id);
		if (!nl)
			break;
		line = nl + 1;
	}
	free(buf);
	return 0;
}

/* The repository's commit-graph, when git would use it too: core.commitGraph
 * not false and not a shallow clone (git writes no graph there and ignores
 * an old one).  Returns true with g set up. */
static bool open_graph(git_repository *repo, struct commit_graph *g, char *note, size_t notelen)
{
	if (git_repository_is_shallow(repo))
		return false;
	git_config *cfg;
	if (git_repository_config_snapshot(&cfg, repo) == 0) {
		int on = 1;
		if (git_config_get_bool(&on, cfg, "core.commitgraph") < 0)
			on = 1;
		git_config_free(cfg);
		git_error_clear();
		if (!on)
			return false;
	} else {
		git_error_clear();
	}
	char *path = xasprintf("%sobjects/info/commit-graph", git_repository_commondir(repo));
	char err[128];
	int rc = commit_graph_open(g, path, err, sizeof err);
	if (rc < 0)
		snprintf(note, notelen, "%s: %s", path, err);
	free(path);
	return rc == 0;
}

/* A window walk returns this when the commit-graph turns out not to agree
 * with the commit objects: the walk is then done again without it. */
#define WALK_GRAPH_STALE 1

struct walk {
	git_repository *repo;
	const struct commit_graph *graph;   /* NULL: objects only */
	unsigned char *graph_seen;          /* per graph position */
	struct oidset seen;                 /* commits outside the graph */
	struct oidset shallow;
	struct commit_queue q;
	uint32_t *parents;
	size_t parents_alloc;
};

/* Queue a commit unless it was queued before. */
static int walk_push(struct walk *w, const git_oid *id)
{
	uint32_t pos;
	if (w->graph && commit_graph_find(w->graph, id->id, &pos)) {
		if (!w->graph_seen[pos]) {
			w->graph_seen[pos] = 1;
			queue_push(&w->q, NULL, pos, (time_t)commit_graph_time(w->graph, pos));
		}
		return 0;
	}
	if (!oidset_add(&w->seen, id))
		return 0;
	git_commit *c;
	int err = git_commit_lookup(&c, w->repo, id);
	if (err < 0)
		return err;
	queue_push(&w->q, c, NO_POS, git_commit_time(c));
	return 0;
}

/* Does the commit object say what the graph says of it?  (*parents is the
 * caller's scratch space.) */
static bool graph_agrees(const struct commit_graph *g, uint32_t pos, git_commit *c,
			 uint32_t **parents, size_t *parents_alloc)
{
	if (git_commit_time(c) != commit_graph_time(g, pos) ||
	    memcmp(git_commit_tree_id(c)->id, commit_graph_tree(g, pos), GIT_OID_RAWSZ))
		return false;
	size_t np = commit_graph_parents(g, pos, parents, parents_alloc);
	if (np == COMMIT_GRAPH_BAD || np != git_commit_parentcount(c))
		return false;
	for (size_t i = 0; i < np; i++)
		if (memcmp(git_commit_parent_id(c, (unsigned)i)->id,
			   commit_graph_id(g, (*parents)[i]), GIT_OID_RAWSZ))
			return false;
	return true;
}

/* ---- analysing the window's commits in several processes ----
 *
 * The walk only orders commits; the cost is in analysing those in the
 * window (the tree diffs, the blobs of the matching paths), each
 * independently of the others.  Threads do not help: libgit2 serialises
 * the readers of a pack file on the pack's locks, and two threads took as
 * long as one.  So forked helper processes share the work, each reading
 * the repository through its own copy of libgit2's state.  They take the
 * commits in short runs from a counter in shared memory (neighbours share
 * trees, which a process then reads once) and send what they found back
 * through a pipe when they are done.  What a helper did not deliver (it
 * failed, crashed, or met a commit that disagrees with the commit-graph)
 * the parent analyses itself afterwards, in walk order, so a failure and
 * its message are the parent's as they would be without helpers, and the
 * result does not depend on which process analysed what. */
#define GITSCAN_MAX_JOBS 8
#define GITSCAN_JOBS_MIN_COMMITS 32   /* fewer: not worth a process */

struct window_commit {
	git_oid id;
	uint32_t pos;                 /* commit-graph position, or NO_POS */
	struct suspect *s;            /* the analysis, once done */
};

struct window_list {
	struct window_commit *v;
	size_t n, alloc;
};

struct analysis {
	git_repository *repo;
	const struct commit_graph *graph;
	const struct scan_rules *rules;
	bool attrs;                   /* gitscan_attributes_apply() */
	uint32_t *parents;            /* scratch for graph_agrees */
	size_t parents_alloc;
	char note[160];               /* why the graph was found stale */
};

/* Analyse commit i of the window.  Returns 0 with *out set, a libgit2
 * error code, or WALK_GRAPH_STALE (a->note says why). */
static int analyse_commit(struct analysis *a, const struct window_commit *wc, size_t i,
			  struct suspect **out)
{
	git_commit *c;
	int err = git_commit_lookup(&c, a->repo, &wc->id);
	if (err < 0)
		return err;
	if (wc->pos != NO_POS &&
	    !graph_agrees(a->graph, wc->pos, c, &a->parents, &a->parents_alloc)) {
		snprintf(a->note, sizeof a->note, "commit %s does not agree with it",
			 git_oid_tostr_s(&wc->id));
		git_commit_free(c);
		return WALK_GRAPH_STALE;
	}
	struct suspect *s = xcalloc(1, sizeof *s);
	s->order = i;
	err = gitscan_commit(a->repo, c, a->rules, a->attrs, s);
	git_commit_free(c);
	if (err < 0) {
		suspect_free(s);
		free(s);
		return err;
	}
	*out = s;
	return 0;
}

/* How many processes analyse a window of n commits: PERF_JOBS when set
 * (1 to GITSCAN_MAX_JOBS), else one per online processor, at most
 * GITSCAN_MAX_JOBS, for a window of at least GITSCAN_JOBS_MIN_COMMITS. */
static size_t scan_jobs(size_t n)
{
	const char *env = getenv("PERF_JOBS");
	long jobs;
	if (env && *env) {
		char *end;
		errno = 0;
		jobs = strtol(env, &end, 10);
		if (errno || *end || jobs < 1 || jobs > GITSCAN_MAX_JOBS) {
			warn("ignoring PERF_JOBS='%s' (expected 1 to %d)", env, GITSCAN_MAX_JOBS);
			jobs = 1;
		}
	} else {
		jobs = n < GITSCAN_JOBS_MIN_COMMITS ? 1 : sysconf(_SC_NPROCESSORS_ONLN);
		if (jobs < 1)
			jobs = 1;
		if (jobs > GITSCAN_MAX_JOBS)
			jobs = GITSCAN_MAX_JOBS;
	}
	return (size_t)jobs < n ? (size_t)jobs : n ? n : 1;
}

/* The next run of commits to analyse, [*i, *end); false when none is left. */
static bool take_run(atomic_size_t *next, size_t run, size_t n, size_t *i, size_t *end)
{
	*i = atomic_fetch_add(next, run);
	if (*i >= n)
		return false;
	*end = *i + run < n ? *i + run : n;
	return true;
}

/* A helper's results: per commit its index and what gitscan_commit found
 * before scoring (the parent scores). */
static void put_u64(struct strbuf *b, uint64_t v)
{
	sb_add(b, (const char *)&v, sizeof v);
}

static void put_str(struct strbuf *b, const char *str)
{
	if (!str) {
		put_u64(b, UINT64_MAX);
		return;
	}
	size_t n = strlen(str);
	put_u64(b, n);
	sb_add(b, str, n);
}

static void put_suspect(struct strbuf *b, size_t i, const struct suspect *s)
{
	put_u64(b, i);
	put_u64(b, (uint64_t)s->time);
	put_str(b, s->author);
	put_str(b, s->summary);
	put_u64(b, s->nparents);
	put_u64(b, s->parent_missing);
	put_u64(b, s->nkeywords);
	for (size_t k = 0; k < s->nkeywords; k++)
		put_str(b, s->keywords[k]);
	put_u64(b, s->npaths);
	for (size_t k = 0; k < s->npaths; k++) {
		const struct suspect_path *sp = &s->paths[k];
		put_str(b, sp->path);
		put_str(b, sp->old_path);
		put_u64(b, (uint64_t)sp->related | (uint64_t)sp->binary << 1);
		put_u64(b, sp->lines);
	}
	put_u64(b, s->lines_changed);
}

struct reader {
	const char *p, *end;
	bool bad;
};

static uint64_t get_u64(struct reader *r)
{
	uint64_t v = 0;
	if ((size_t)(r->end - r->p) < sizeof v) {
		r->bad = true;
		r->p = r->end;
		return 0;
	}
	memcpy(&v, r->p, sizeof v);
	r->p += sizeof v;
	return v;
}

static char *get_str(struct reader *r)
{
	uint64_t n = get_u64(r);
	if (r->bad || n == UINT64_MAX)
		return NULL;
	if (n > (uint64_t)(r->end - r->p)) {
		r->bad = true;
		r->p = r->end;
		return NULL;
	}
	char *str = xmalloc(n + 1);
	memcpy(str, r->p, n);
	str[n] = '\0';
	r->p += n;
	return str;
}

/* Count n of things each at least min bytes long: more than the bytes
 * left means a damaged stream. */
static size_t get_count(struct reader *r, size_t min)
{
	uint64_t n = get_u64(r);
	if (n > (uint64_t)(r->end - r->p) / min) {
		r->bad = true;
		r->p = r->end;
		return 0;
	}
	return (size_t)n;
}

/* One result from a helper into the window (a damaged one is dropped:
 * the parent then analyses that commit itself). */
static bool get_suspect(struct reader *r, struct window_list *w, const struct scan_rules *rules)
{
	uint64_t i = get_u64(r);
	struct suspect *s = xcalloc(1, sizeof *s);
	s->time = (time_t)get_u64(r);
	s->author = get_str(r);
	s->summary = get_str(r);
	s->nparents = (unsigned)get_u64(r);
	s->parent_missing = get_u64(r) != 0;
	s->nkeywords = get_count(r, sizeof(uint64_t));
	s->keywords = xcalloc(s->nkeywords ? s->nkeywords : 1, sizeof *s->keywords);
	for (size_t k = 0; k < s->nkeywords; k++)
		s->keywords[k] = get_str(r);
	s->npaths = get_count(r, 4 * sizeof(uint64_t));
	s->paths = xcalloc(s->npaths ? s->npaths : 1, sizeof *s->paths);
	for (size_t k = 0; k < s->npaths; k++) {
		struct suspect_path *sp = &s->paths[k];
		sp->path = get_str(r);
		sp->old_path = get_str(r);
		uint64_t flags = get_u64(r);
		sp->related = flags & 1;
		sp->binary = flags & 2;
		sp->lines = (size_t)get_u64(r);
	}
	s->lines_changed = (size_t)get_u64(r);
	bool ok = !r->bad && i < w->n && !w->v[i].s && s->author && s->summary;
	for (size_t k = 0; ok && k < s->nkeywords; k++)
		ok = s->keywords[k] != NULL;
	for (size_t k = 0; ok && k < s->npaths; k++)
		ok = s->paths[k].path != NULL;
	if (!ok) {
		suspect_free(s);
		free(s);
		return false;
	}
	git_oid_cpy(&s->oid, &w->v[i].id);
	git_oid_tostr(s->sha, sizeof s->sha, &s->oid);
	s->order = (size_t)i;
	gitscan_score(rules, s);
	w->v[i].s = s;
	return true;
}

static bool write_all(int fd, const char *buf, size_t n)
{
	while (n) {
		ssize_t k = write(fd, buf, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return false;
		buf += k;
		n -= (size_t)k;
	}
	return true;
}

/* A helper process: analyse runs of commits until none is left or one
 * fails, then send the results and end. */
static _Noreturn void helper_run(struct analysis *a, struct window_list *w, atomic_size_t *next,
				 size_t run, int fd)
{
	struct strbuf out = STRBUF_INIT;
	size_t i, end;
	bool failed = false;
	while (!failed && take_run(next, run, w->n, &i, &end)) {
		for (; i < end; i++) {
			struct suspect *s;
			if (analyse_commit(a, &w->v[i], i, &s) != 0) {
				failed = true;
				break;
			}
			put_suspect(&out, i, s);
			suspect_free(s);
			free(s);
		}
	}
	int status = write_all(fd, out.buf, out.len) ? 0 : 1;
	sb_release(&out);
	_exit(status);
}

static void read_all(int fd, struct strbuf *b)
{
	for (;;) {
		sb_grow(b, 65536);
		ssize_t k = read(fd, b->buf + b->len, 65536);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		b->len += (size_t)k;
	}
}

/* Analyse every commit of the window into w->v[i].s.  Returns 0, a
 * libgit2 error code (the error is set) or WALK_GRAPH_STALE (a->note). */
static int analyse_window(struct analysis *a, struct window_list *w)
{
	size_t jobs = scan_jobs(w->n);
	size_t run = w->n / (8 * jobs);
	run = run < 1 ? 1 : run > 16 ? 16 : run;
	atomic_size_t *next = MAP_FAILED;
	pid_t pids[GITSCAN_MAX_JOBS];
	int fds[GITSCAN_MAX_JOBS];
	size_t nhelpers = 0;

	if (jobs > 1) {
		next = mmap(NULL, sizeof *next, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			    -1, 0);
		if (next != MAP_FAILED) {
			atomic_init(next, 0);
			fflush(NULL);  /* a helper must not write the parent's buffers */
		}
	}
	while (next != MAP_FAILED && nhelpers + 1 < jobs) {
		int pfd[2];
		if (pipe(pfd) < 0)
			break;
		pid_t pid = fork();
		if (pid == 0) {
			close(pfd[0]);
			for (size_t h = 0; h < nhelpers; h++)
				close(fds[h]);
			helper_run(a, w, next, run, pfd[1]);
		}
		close(pfd[1]);
		if (pid < 0) {
			close(pfd[0]);
			break;
		}
		pids[nhelpers] = pid;
		fds[nhelpers++] = pfd[0];
	}

	/* The parent's share: runs until none is left; a failure leaves the
	 * rest to the pass below. */
	if (next != MAP_FAILED) {
		size_t i, end;
		bool failed = false;
		while (!failed && take_run(next, run, w->n, &i, &end))
			for (; i < end && !failed; i++)
				failed = analyse_commit(a, &w->v[i], i, &w->v[i].s) != 0;
	}
	struct strbuf b = STRBUF_INIT;
	for (size_t h = 0; h < nhelpers; h++) {
		b.len = 0;
		read_all(fds[h], &b);
		close(fds[h]);
		while (waitpid(pids[h], NULL, 0) < 0 && errno == EINTR)
			;
		struct reader r = { b.buf, b.buf + b.len, false };
		while (r.p < r.end && get_suspect(&r, w, a->rules))
			;
	}
	sb_release(&b);
	if (next != MAP_FAILED)
		munmap(next, sizeof *next);

	/* Whatever is missing, in walk order. */
	for (size_t i = 0; i < w->n; i++) {
		if (w->v[i].s)
			continue;
		int err = analyse_commit(a, &w->v[i], i, &w->v[i].s);
		if (err)
			return err;
	}
	return 0;
}

static void window_list_free(struct window_list *w)
{
	for (size_t i = 0; i < w->n; i++) {
		if (w->v[i].s) {
			suspect_free(w->v[i].s);
			free(w->v[i].s);
		}
	}
	free(w->v);
}

static int walk_window(git_repository *repo, const struct commit_graph *graph, const git_oid *start,
		       const struct scan_window *win, const struct scan_rules *r, bool attrs,
		       struct scan_result *out)
{
	struct walk w = { .repo = repo, .graph = graph };
	struct walk_limit lim;
	struct window_list win_commits = { 0 };
	struct analysis an = { .repo = repo, .graph = graph, .rules = r,
			       .attrs = attrs };
	size_t alloc = 0;
	int err;

	memset(out, 0, sizeof *out);
	walk_limit_init(&lim, win->since);
	if (graph)
		w.graph_seen = xcalloc(graph->n ? graph->n : 1, 1);
	if ((err = read_shallow(repo, &w.shallow)) < 0)
		goto out;
	if ((err = walk_push(&w, start)) < 0)
		goto out;

	struct queued it;
	while (queue_pop(&w.q, &it)) {
		git_commit *c = it.commit;
		time_t t = it.time;
		git_oid id;
		if (c)
			git_oid_cpy(&id, git_commit_id(c));
		else
			git_oid_fromraw(&id, commit_graph_id(graph, it.pos));
		out->walked++;
		if (!c)
			out->graph_walked++;
		if (t >= win->since && t <= win->until) {
			GROW(win_commits.v, win_commits.alloc, win_commits.n + 1);
			struct window_commit *wc = &win_commits.v[win_commits.n++];
			git_oid_cpy(&wc->id, &id);
			wc->pos = it.pos;
			wc->s = NULL;
			out->scanned++;
		}
		bool cut = oidset_has(&w.shallow, &id);
		if (cut && t >= win->since - GITSCAN_STOP_MARGIN) {
			char sha[GIT_OID_HEXSZ + 1];
			git_oid_tostr(sha, sizeof sha, &id);
			gitscan_list_add(&out->shallow_cuts, &out->nshallow_cuts, sha);
		}
		if (walk_limit_done(&lim, t)) {
			git_commit_free(c);
			break;
		}
		if (it.pos != NO_POS && !cut) {
			/* Parents of a graph commit are in the graph. */
			size_t np = commit_graph_parents(graph, it.pos, &w.parents, &w.parents_alloc);
			if (np == COMMIT_GRAPH_BAD) {
				snprintf(out->graph_note, sizeof out->graph_note,
					 "the parents of commit %s lie outside it", git_oid_tostr_s(&id));
				git_commit_free(c);
				err = WALK_GRAPH_STALE;
				goto out;
			}
			for (size_t i = 0; i < np; i++) {
				uint32_t p = w.parents[i];
				if (w.graph_seen[p])
					continue;
				w.graph_seen[p] = 1;
				queue_push(&w.q, NULL, p, (time_t)commit_graph_time(graph, p));
			}
		} else if (!cut) {
			unsigned np = git_commit_parentcount(c);
			for (unsigned i = 0; i < np; i++) {
				if ((err = walk_push(&w, git_commit_parent_id(c, i))) < 0) {
					git_commit_free(c);
					goto out;
				}
			}
		}
		git_commit_free(c);
	}
	if ((err = analyse_window(&an, &win_commits)) != 0) {
		if (err == WALK_GRAPH_STALE)
			memcpy(out->graph_note, an.note, sizeof out->graph_note);
		goto out;
	}
	/* The suspects in walk order, then ranked. */
	for (size_t i = 0; i < win_commits.n; i++) {
		struct suspect *s = win_commits.v[i].s;
		if (!s->nkeywords && !s->npaths)
			continue;
		GROW(out->suspects, alloc, out->nsuspects + 1);
		out->suspects[out->nsuspects++] = *s;
		free(s);
		win_commits.v[i].s = NULL;
	}
	if (out->nsuspects > 1)
		qsort(out->suspects, out->nsuspects, sizeof *out->suspects, gitscan_cmp_suspects);
	err = 0;
out:
	window_list_free(&win_commits);
	free(an.parents);
	queue_free(&w.q);
	oidset_free(&w.seen);
	oidset_free(&w.shallow);
	free(w.graph_seen);
	free(w.parents);
	return err;
}

int gitscan_window(git_repository *repo, const git_oid *start, const struct scan_window *win,
		   const struct scan_rules *r, struct scan_result *out)
{
	struct commit_graph graph;
	char note[sizeof out->graph_note] = "";
	bool attrs = gitscan_attributes_apply(repo);   /* once, for either walk */
	int err;
	if (open_graph(repo, &graph, note, sizeof note)) {
		err = walk_window(repo, &graph, start, win, r, attrs, out);
		commit_graph_close(&graph);
		if (err != WALK_GRAPH_STALE)
			return err;
		memcpy(note, out->graph_note, sizeof note);
		scan_result_free(out);
	}
	err = walk_window(repo, NULL, start, win, r, attrs, out);
	memcpy(out->graph_note, note, sizeof note);
	return err;
}

void scan_result_free(struct scan_result *res)
{
	for (size_t i = 0; i < res->nsuspects; i++)
		suspect_free(&res->suspects[i]);
	free(res->suspects);
	gitscan_list_free(res->shallow_cuts, res->nshallow_cuts);
	memset(res, 0, sizeof *res);
}
