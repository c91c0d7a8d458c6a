/* perf bisect: which commit is behind a regression, for incident triage.
 *
 * Scan mode (--date): walks the commits whose commit time falls in a
 * window around the date, from HEAD or --rev, merged branches included,
 * and ranks those whose message or changed paths relate to performance by
 * an impact score (keywords, paths, lines changed; --metric weights the
 * words related to the regressed metric).  Exit 0 when a suspect is found,
 * 1 when none.
 *
 * Run mode (--good, --bad, --run): a real bisection.  Each probed commit is
 * checked out by libgit2 into a temporary directory (never the user's
 * working tree or index) and CMD runs there; its exit status says good,
 * bad or skip as with git bisect run, or with --compare its standard output
 * is JMH JSON that "perf compare BASELINE" judges (this very binary, run
 * through /proc/self/exe).  The scan ranking picks the first probes, then
 * halving over the remaining candidates.
 *
 * Stands on: gitscan.c (walk, matching, scoring), libgit2, yaml.c
 * (--config), jmh.c (checking --compare's baseline), timeutil.c,
 * jsonw.c, strmap.c, util.c, msg.c. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <git2.h>

#include "applets.h"
#include "gitscan.h"
#include "jmh.h"
#include "jsonw.h"
#include "msg.h"
#include "strmap.h"
#include "timeutil.h"
#include "util.h"
#include "yaml.h"

static const char bisect_usage[] =
"Usage: perf bisect [--repo DIR] --date DATE [--before DUR] [--after DUR] [OPTION]...\n"
"       perf bisect [--repo DIR] --good REV --bad REV --run CMD [--compare BASELINE] [OPTION]...\n"
"Find the commit behind a performance regression.\n"
"\n"
"Scan mode ranks the commits around DATE that relate to performance:\n"
"  -r, --repo=DIR         the repository (default: the current directory)\n"
"  -d, --date=DATE        when the regression showed: YYYY-MM-DD or RFC 3339\n"
"      --before=DUR       window start before DATE (default 7d)\n"
"      --after=DUR        window end after DATE (default 1d)\n"
"      --rev=REV          walk from REV instead of HEAD\n"
"  -m, --metric=NAME      weight the words related to the metric (memory_usage,\n"
"                         chunk_loading_time, cache_hit_ratio, tps_*, ...)\n"
"  -k, --keywords=LIST    comma-separated message keywords (replace the defaults)\n"
"  -p, --paths=LIST       comma-separated path patterns (replace the defaults)\n"
"  -c, --config=FILE      YAML config with a bisect: section (keywords, paths)\n"
"  -n, --top=N            show the N best suspects (default 10, 0 for all)\n"
"\n"
"Run mode finds the first bad commit by running CMD at candidate commits:\n"
"      --good=REV         a commit known to be good\n"
"      --bad=REV          a commit known to be bad\n"
"      --run=CMD          shell command: exit 0 good, 125 skip, 1-124 bad\n"
"      --compare=BASELINE CMD prints JMH JSON; bad when perf compare finds a\n"
"                         regression against BASELINE\n"
"\n"
"  -f, --format=FORMAT    text (default) or json\n"
"  -o, --output=FILE      write the report to FILE (atomically) instead of stdout\n"
"  -q, --quiet            no warnings or progress\n"
"  -v, --verbose          say more about the walk and the score\n"
"  -h, --help             print this help and exit\n"
"\n"
"Exit status: 0 a suspect (or the first bad commit) was found, 1 none,\n"
"2 trouble, 3 repository access failure.  See perf-bisect(1).\n";

enum format { FMT_TEXT, FMT_JSON };

struct bisect {
	const char *repo_path;
	const char *date_arg;
	const char *before_arg, *after_arg;
	const char *rev;
	const char *metric;
	const char *keywords_arg, *paths_arg;
	const char *config_path;
	long top;
	enum format format;
	const char *output;
	const char *good, *bad, *run, *compare;
	git_repository *repo;
	struct scan_rules rules;
};

/* ---- errors ---- */

/* Repository trouble: a message with libgit2's own text, exit 3. */
__attribute__((format(printf, 1, 2)))
static _Noreturn void die_git(const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	die(PERF_EXIT_EXTERNAL, "%s: %s", buf, gitscan_error());
}

/* Progress of run mode on stderr, unless --quiet. */
__attribute__((format(printf, 1, 2)))
static void step(const char *fmt, ...)
{
	if (msg_verbosity < 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vmsg(NULL, fmt, ap);
	va_end(ap);
}

/* ---- config ---- */

__attribute__((format(printf, 3, 4)))
static _Noreturn void config_die(const char *path, const struct ynode *n, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	die(PERF_EXIT_TROUBLE, "%s:%u:%u: %s", path, n->line, n->col, buf);
}

/* A list given as a sequence of scalars or as one comma-separated scalar. */
static void config_list(const char *path, const struct ynode *v, const char *what,
			char ***list, size_t *n)
{
	if (v->type == YNODE_SCALAR) {
		if (gitscan_list_parse(list, n, v->str) != 0)
			config_die(path, v, "bisect %s must not be empty", what);
		return;
	}
	if (v->type != YNODE_SEQ)
		config_die(path, v, "bisect %s must be a sequence, not a %s", what, ynode_type_name(v));
	for (size_t i = 0; i < v->nitems; i++) {
		const struct ynode *it = v->items[i];
		if (it->type != YNODE_SCALAR || !*it->str)
			config_die(path, it, "bisect %s entries must be non-empty scalars", what);
		gitscan_list_add(list, n, it->str);
	}
	if (!*n)
		config_die(path, v, "bisect %s must not be empty", what);
}

/* The bisect: section of the config perf compare reads; the other
 * top-level keys belong to the other applets. */
static void config_load(struct bisect *b, char ***kw, size_t *nkw, char ***paths, size_t *npaths)
{
	struct yaml_error err;
	struct ynode *root = yaml_load_file(b->config_path, NULL, &err);
	const char *path = strcmp(b->config_path, "-") ? b->config_path : "<stdin>";
	if (!root)
		die(PERF_EXIT_TROUBLE, "%s", err.msg);
	if (root->type != YNODE_MAP)
		config_die(path, root, "the config must be a mapping, not a %s", ynode_type_name(root));
	struct ynode *sec = ynode_get(root, "bisect");
	if (sec && !ynode_is_null(sec)) {
		if (sec->type != YNODE_MAP)
			config_die(path, sec, "bisect must be a mapping, not a %s", ynode_type_name(sec));
		for (size_t i = 0; i < sec->npairs; i++) {
			const char *key = sec->pairs[i].key->str;
			const struct ynode *v = sec->pairs[i].value;
			if (!strcmp(key, "keywords"))
				config_list(path, v, "keywords", kw, nkw);
			else if (!strcmp(key, "paths"))
				config_list(path, v, "paths", paths, npaths);
			else
				config_die(path, sec->pairs[i].key,
					   "unknown key 'bisect.%s' (expected keywords or paths)", key);
		}
	}
	ynode_free(root);
}

static void rules_build(struct bisect *b)
{
	struct scan_rules *r = &b->rules;
	char **ckw = NULL, **cpaths = NULL;
	size_t nckw = 0, ncpaths = 0;
	if (b->config_path)
		config_load(b, &ckw, &nckw, &cpaths, &ncpaths);

	if (b->keywords_arg) {
		if (gitscan_list_parse(&r->keywords, &r->nkeywords, b->keywords_arg) != 0)
			die(PERF_EXIT_TROUBLE, "--keywords '%s' holds no keyword", b->keywords_arg);
	} else if (nckw) {
		for (size_t i = 0; i < nckw; i++)
			gitscan_list_add(&r->keywords, &r->nkeywords, ckw[i]);
	} else {
		for (const char *const *k = gitscan_default_keywords; *k; k++)
			gitscan_list_add(&r->keywords, &r->nkeywords, *k);
	}
	if (b->paths_arg) {
		if (gitscan_list_parse(&r->paths, &r->npaths, b->paths_arg) != 0)
			die(PERF_EXIT_TROUBLE, "--paths '%s' holds no pattern", b->paths_arg);
	} else if (ncpaths) {
		for (size_t i = 0; i < ncpaths; i++)
			gitscan_list_add(&r->paths, &r->npaths, cpaths[i]);
	} else {
		for (const char *const *p = gitscan_default_paths; *p; p++)
			gitscan_list_add(&r->paths, &r->npaths, *p);
	}
	gitscan_list_free(ckw, nckw);
	gitscan_list_free(cpaths, ncpaths);

	if (b->metric) {
		r->metric = b->metric;
		bool known = gitscan_metric_words(b->metric, &r->related, &r->nrelated);
		if (!r->nrelated)
			die(PERF_EXIT_TROUBLE, "--metric '%s' holds no word", b->metric);
		/* The metric's words are searched for too, weighted double. */
		for (size_t i = 0; i < r->nrelated; i++)
			gitscan_list_add(&r->keywords, &r->nkeywords, r->related[i]);
		struct strbuf sb = STRBUF_INIT;
		for (size_t i = 0; i < r->nrelated; i++)
			sb_addf(&sb, "%s%s", i ? ", " : "", r->related[i]);
		info("metric %s%s: related words %s", b->metric,
		     known ? "" : " (not in the table: its own words)", sb.buf);
		sb_release(&sb);
	}
}

/* ---- the repository ---- */

static void repo_open(struct bisect *b)
{
	const char *path = b->repo_path ? b->repo_path : ".";
	struct stat st;
	if (stat(path, &st) != 0)
		die_errno(PERF_EXIT_TROUBLE, "cannot open repository '%s'", path);
	if (!S_ISDIR(st.st_mode))
		die(PERF_EXIT_TROUBLE, "not a git repository: '%s' is not a directory", path);
	int err = git_repository_open_ext(&b->repo, path, 0, NULL);
	if (err == GIT_ENOTFOUND)
		die(PERF_EXIT_TROUBLE, "not a git repository: '%s'", path);
	if (err < 0)
		die_git("cannot open repository '%s'", path);
}

/* A revision to a commit; an unknown one is bad input (exit 2). */
static git_commit *resolve_commit(struct bisect *b, const char *rev, const char *opt)
{
	git_object *obj = NULL, *peeled = NULL;
	int err = git_revparse_single(&obj, b->repo, rev);
	if (err == GIT_ENOTFOUND || err == GIT_EAMBIGUOUS || err == GIT_EINVALIDSPEC ||
	    err == GIT_EUNBORNBRANCH)
		die(PERF_EXIT_TROUBLE, "unknown revision '%s'%s%s: %s", rev, opt ? " for " : "",
		    opt ? opt : "", gitscan_error());
	if (err < 0)
		die_git("cannot resolve '%s'", rev);
	err = git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT);
	git_object_free(obj);
	if (err == GIT_EINVALIDSPEC || err == GIT_ENOTFOUND || err == GIT_EPEEL)
		die(PERF_EXIT_TROUBLE, "'%s'%s%s is not a commit", rev, opt ? " for " : "", opt ? opt : "");
	if (err < 0)
		die_git("cannot read '%s'", rev);
	return (git_commit *)peeled;
}

/* ---- reports: scan mode ---- */

static void write_suspect_json(struct jsonw *w, const struct suspect *s)
{
	char date[TIME_RFC3339_LEN];
	time_format_rfc3339(s->time, date, sizeof date);
	jw_obj_begin(w);
	jw_key(w, "commit");
	jw_str(w, s->sha);
	jw_key(w, "date");
	jw_str(w, date);
	jw_key(w, "author");
	jw_str(w, s->author);
	jw_key(w, "summary");
	jw_str(w, s->summary);
	jw_key(w, "score");
	jw_num(w, s->score);
	jw_key(w, "keywords");
	jw_arr_begin(w);
	for (size_t i = 0; i < s->nkeywords; i++)
		jw_str(w, s->keywords[i]);
	jw_arr_end(w);
	jw_key(w, "paths");
	jw_arr_begin(w);
	for (size_t i = 0; i < s->npaths; i++)
		jw_str(w, s->paths[i].path);
	jw_arr_end(w);
	jw_key(w, "lines_changed");
	jw_int(w, (long long)s->lines_changed);
	jw_key(w, "reasons");
	jw_arr_begin(w);
	for (size_t i = 0; i < s->nreasons; i++)
		jw_str(w, s->reasons[i]);
	jw_arr_end(w);
	jw_obj_end(w);
}

static size_t shown(const struct bisect *b, size_t n)
{
	return b->top > 0 && (size_t)b->top < n ? (size_t)b->top : n;
}

static void report_scan_json(FILE *fp, const struct bisect *b, const struct scan_window *win,
			     const struct scan_result *res)
{
	char since[TIME_RFC3339_LEN], until[TIME_RFC3339_LEN];
	time_format_rfc3339(win->since, since, sizeof since);
	time_format_rfc3339(win->until, until, sizeof until);
	struct jsonw w;
	jw_init(&w, fp, true);
	jw_obj_begin(&w);
	jw_key(&w, "window");
	jw_obj_begin(&w);
	jw_key(&w, "since");
	jw_str(&w, since);
	jw_key(&w, "until");
	jw_str(&w, until);
	jw_obj_end(&w);
	jw_key(&w, "scanned");
	jw_int(&w, (long long)res->scanned);
	jw_key(&w, "most_likely");
	jw_str(&w, res->nsuspects ? res->suspects[0].sha : NULL);
	jw_key(&w, "suspects");
	jw_arr_begin(&w);
	for (size_t i = 0; i < shown(b, res->nsuspects); i++)
		write_suspect_json(&w, &res->suspects[i]);
	jw_arr_end(&w);
	jw_obj_end(&w);
	jw_end(&w);
}

static void report_scan_text(FILE *fp, const struct bisect *b, const struct scan_window *win,
			     const struct scan_result *res)
{
	char since[TIME_RFC3339_LEN], until[TIME_RFC3339_LEN];
	time_format_rfc3339(win->since, since, sizeof since);
	time_format_rfc3339(win->until, until, sizeof until);
	fprintf(fp, "Window %s to %s: %zu commit%s scanned, %zu suspect%s\n", since, until,
		res->scanned, res->scanned == 1 ? "" : "s", res->nsuspects, res->nsuspects == 1 ? "" : "s");
	if (!res->nsuspects) {
		fprintf(fp, "No suspect: no commit in the window relates to performance\n");
		return;
	}
	fprintf(fp, "Most likely: %.7s %s\n", res->suspects[0].sha, res->suspects[0].summary);
	for (size_t i = 0; i < shown(b, res->nsuspects); i++) {
		const struct suspect *s = &res->suspects[i];
		char date[TIME_RFC3339_LEN];
		time_format_rfc3339(s->time, date, sizeof date);
		fprintf(fp, "\n%zu. %.7s  score %.1f  %s\n", i + 1, s->sha, s->score, s->summary);
		fprintf(fp, "   %s  %s  %s\n", s->sha, date, s->author);
		for (size_t k = 0; k < s->nreasons; k++)
			fprintf(fp, "   - %s\n", s->reasons[k]);
	}
	if (shown(b, res->nsuspects) < res->nsuspects)
		fprintf(fp, "\n(%zu more suspect%s; see --top)\n", res->nsuspects - shown(b, res->nsuspects),
			res->nsuspects - shown(b, res->nsuspects) == 1 ? "" : "s");
}

static int scan_mode(struct bisect *b)
{
	time_t date;
	long long before = 7 * 86400LL, after = 86400LL;
	char err[256];
	if (time_parse(b->date_arg, &date, err, sizeof err) != 0)
		die(PERF_EXIT_TROUBLE, "invalid --date '%s': %s", b->date_arg, err);
	if (b->before_arg && time_parse_duration(b->before_arg, &before, err, sizeof err) != 0)
		die(PERF_EXIT_TROUBLE, "invalid --before '%s': %s", b->before_arg, err);
	if (b->after_arg && time_parse_duration(b->after_arg, &after, err, sizeof err) != 0)
		die(PERF_EXIT_TROUBLE, "invalid --after '%s': %s", b->after_arg, err);
	struct scan_window win = { (time_t)(date - before), (time_t)(date + after) };

	repo_open(b);
	struct scan_result res = { 0 };
	git_commit *start = NULL;
	if (!b->rev && git_repository_head_unborn(b->repo) == 1) {
		warn("the repository has no commits yet");
	} else {
		start = resolve_commit(b, b->rev ? b->rev : "HEAD", b->rev ? "--rev" : NULL);
		if (gitscan_window(b->repo, git_commit_id(start), &win, &b->rules, &res) < 0)
			die_git("cannot read the history of '%s'", b->rev ? b->rev : "HEAD");
	}
	info("walked %zu commits, %zu in the window", res.walked, res.scanned);
	if (res.graph_walked)
		info("%zu of them through the commit-graph", res.graph_walked);
	if (res.graph_note[0])
		info("commit-graph not used: %s", res.graph_note);
	for (size_t i = 0; i < res.nshallow_cuts; i++) {
		git_commit *c = NULL;
		git_oid id;
		char date_s[TIME_RFC3339_LEN] = "?";
		if (git_oid_fromstr(&id, res.shallow_cuts[i]) == 0 &&
		    git_commit_lookup(&c, b->repo, &id) == 0)
			time_format_rfc3339(git_commit_time(c), date_s, sizeof date_s);
		git_commit_free(c);
		warn("shallow clone: history is cut at %.7s (%s) inside the window or near it; older commits are not scanned (git fetch --unshallow)",
		     res.shallow_cuts[i], date_s);
	}

	struct outfile out;
	if (out_open(&out, b->output) != 0)
		die_errno(PERF_EXIT_TROUBLE, "cannot create '%s'", b->output);
	if (b->format == FMT_JSON)
		report_scan_json(out.fp, b, &win, &res);
	else
		report_scan_text(out.fp, b, &win, &res);
	if (out_commit(&out) != 0 && b->output)
		die_errno(PERF_EXIT_TROUBLE, "cannot write '%s'", b->output);
	int status = res.nsuspects ? PERF_EXIT_OK : PERF_EXIT_FOUND;
	scan_result_free(&res);
	git_commit_free(start);
	return status;
}

/* ---- run mode ---- */

enum verdict { V_UNTESTED, V_GOOD, V_BAD, V_SKIP };
static const char *const verdict_names[] = { "untested", "good", "bad", "skip" };

struct candidate {
	git_oid oid;
	char sha[GIT_OID_HEXSZ + 1];
	char *summary;
	size_t *parents;       /* indices of the parents among the candidates */
	size_t nparents;
	git_oid first_parent;  /* for the "parent of a bad suspect" probe */
	bool has_first_parent;
	bool alive;            /* may still be the first bad commit */
	enum verdict verdict;
};

struct probe_step {
	size_t cand;
	enum verdict verdict;
	int status;            /* CMD's exit status */
	const char *why;       /* "top suspect", "parent of a bad suspect", "halving" */
	double score;
};

struct run {
	struct bisect *b;
	struct candidate *c;
	size_t n;
	struct strmap index;   /* sha -> candidate index */
	size_t bad;            /* the current bad commit */
	size_t *hints;         /* probes chosen from the scan ranking, in order */
	double *hint_scores;
	size_t nhints, hint_next;
	struct probe_step *steps;
	size_t nsteps, stepalloc;
	char *tmpdir;
	char *self;            /* this binary, for --compare */
	git_index *empty_index;
};

static char *cleanup_dir;

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	if (flag == FTW_DP)
		chmod(path, 0700);
	remove(path);
	return 0;
}

static void remove_tree(const char *dir)
{
	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void cleanup_tmpdir(void)
{
	if (cleanup_dir) {
		remove_tree(cleanup_dir);
		free(cleanup_dir);
		cleanup_dir = NULL;
	}
}

/* Candidates: the commits reachable from bad and not from good, as git
 * bisect has them, children before parents. */
static void collect_candidates(struct run *r, git_commit *good, git_commit *bad)
{
	git_revwalk *walk;
	if (git_revwalk_new(&walk, r->b->repo) < 0)
		die_git("cannot walk the history");
	git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME);
	if (git_revwalk_push(walk, git_commit_id(bad)) < 0 ||
	    git_revwalk_hide(walk, git_commit_id(good)) < 0)
		die_git("cannot walk the history");
	size_t alloc = 0;
	git_oid id;
	int err;
	while ((err = git_revwalk_next(&id, walk)) == 0) {
		GROW(r->c, alloc, r->n + 1);
		struct candidate *c = &r->c[r->n++];
		memset(c, 0, sizeof *c);
		git_oid_cpy(&c->oid, &id);
		git_oid_tostr(c->sha, sizeof c->sha, &id);
		c->alive = true;
	}
	if (err != GIT_ITEROVER)
		die_git("cannot walk from %s to %s", r->b->good, r->b->bad);
	git_revwalk_free(walk);

	strmap_init(&r->index, r->n);
	for (size_t i = 0; i < r->n; i++)
		strmap_put(&r->index, r->c[i].sha, i, NULL);
	for (size_t i = 0; i < r->n; i++) {
		struct candidate *c = &r->c[i];
		git_commit *commit;
		if (git_commit_lookup(&commit, r->b->repo, &c->oid) < 0)
			die_git("cannot read commit %s", c->sha);
		const char *sum = git_commit_summary(commit);
		c->summary = xstrdup(sum ? sum : "");
		unsigned np = git_commit_parentcount(commit);
		c->parents = xcalloc(np + 1, sizeof *c->parents);
		for (unsigned k = 0; k < np; k++) {
			char sha[GIT_OID_HEXSZ + 1];
			size_t idx;
			git_oid_tostr(sha, sizeof sha, git_commit_parent_id(commit, k));
			if (strmap_get(&r->index, sha, &idx))
				c->parents[c->nparents++] = idx;
			if (k == 0) {
				git_oid_cpy(&c->first_parent, git_commit_parent_id(commit, 0));
				c->has_first_parent = true;
			}
		}
		git_commit_free(commit);
	}
}

/* Mark i and its ancestors among the living candidates: keep (true) or
 * drop (false) them.  Ancestors of a dropped commit are all dropped
 * already, so the walk needs to go through living commits only. */
static void mark_ancestors(struct run *r, size_t from, bool *mark)
{
	size_t *stack = xmalloc((r->n + 1) * sizeof *stack), top = 0;
	stack[top++] = from;
	mark[from] = true;
	while (top) {
		size_t i = stack[--top];
		for (size_t k = 0; k < r->c[i].nparents; k++) {
			size_t p = r->c[i].parents[k];
			if (!mark[p] && r->c[p].alive) {
				mark[p] = true;
				stack[top++] = p;
			}
		}
	}
	free(stack);
}

static size_t alive_count(const struct run *r)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n; i++)
		n += r->c[i].alive;
	return n;
}

static void apply_verdict(struct run *r, size_t i, enum verdict v)
{
	r->c[i].verdict = v;
	if (v == V_SKIP)
		return;
	bool *anc = xcalloc(r->n + 1, sizeof *anc);
	mark_ancestors(r, i, anc);
	for (size_t k = 0; k < r->n; k++) {
		if (v == V_GOOD && anc[k])
			r->c[k].alive = false;     /* good, and so are its ancestors */
		else if (v == V_BAD && !anc[k])
			r->c[k].alive = false;     /* the first bad is at or before i */
	}
	if (v == V_BAD)
		r->bad = i;
	free(anc);
}

static bool probe_open(const struct run *r, size_t i)
{
	return r->c[i].alive && r->c[i].verdict == V_UNTESTED && i != r->bad;
}

/* The ranking of the candidates by the scan's impact score: the best three
 * suspects become the first probes. */
static void rank_candidates(struct run *r)
{
	struct suspect *s = xcalloc(r->n + 1, sizeof *s);
	size_t ns = 0;
	bool attrs = gitscan_attributes_apply(r->b->repo);
	for (size_t i = 0; i < r->n; i++) {
		git_commit *commit;
		if (git_commit_lookup(&commit, r->b->repo, &r->c[i].oid) < 0)
			die_git("cannot read commit %s", r->c[i].sha);
		s[ns].order = i;
		if (gitscan_commit(r->b->repo, commit, &r->b->rules, attrs, &s[ns]) < 0)
			die_git("cannot diff commit %s", r->c[i].sha);
		git_commit_free(commit);
		if (s[ns].nkeywords || s[ns].npaths)
			ns++;
		else
			suspect_free(&s[ns]);
	}
	if (ns > 1)
		qsort(s, ns, sizeof *s, gitscan_cmp_suspects);
	r->hints = xcalloc(2 * 3 + 2, sizeof *r->hints);
	r->hint_scores = xcalloc(2 * 3 + 2, sizeof *r->hint_scores);
	for (size_t i = 0; i < ns; i++) {
		if (r->nhints < 3) {
			size_t idx;
			strmap_get(&r->index, s[i].sha, &idx);
			r->hint_scores[r->nhints] = s[i].score;
			r->hints[r->nhints++] = idx;
			info("suspect %.7s score %.1f %s", s[i].sha, s[i].score, s[i].summary);
		}
		suspect_free(&s[i]);
	}
	free(s);
}

/* The next commit to test, and why. */
static bool choose_probe(struct run *r, size_t *out, const char **why, double *score)
{
	while (r->hint_next < r->nhints) {
		size_t h = r->hint_next++;
		if (probe_open(r, r->hints[h])) {
			*out = r->hints[h];
			*score = r->hint_scores[h];
			*why = r->hint_scores[h] < 0 ? "parent of a bad suspect" : "top suspect";
			return true;
		}
	}
	/* Halving: the middle of the open candidates, in topological order. */
	size_t open = 0;
	for (size_t i = 0; i < r->n; i++)
		open += probe_open(r, i);
	if (!open)
		return false;
	size_t want = open / 2, seen = 0;
	for (size_t i = 0; i < r->n; i++) {
		if (!probe_open(r, i))
			continue;
		if (seen++ == want) {
			*out = i;
			*why = "halving";
			*score = 0;
			return true;
		}
	}
	return false;
}

/* After a bad suspect, its first parent is the next probe: good there
 * means the suspect is the first bad commit. */
static void hint_parent(struct run *r, size_t i)
{
	char sha[GIT_OID_HEXSZ + 1];
	size_t idx;
	if (!r->c[i].has_first_parent)
		return;
	git_oid_tostr(sha, sizeof sha, &r->c[i].first_parent);
	if (!strmap_get(&r->index, sha, &idx) || !probe_open(r, idx))
		return;
	/* Insert before the remaining hints. */
	memmove(&r->hints[r->hint_next + 1], &r->hints[r->hint_next],
		(r->nhints - r->hint_next) * sizeof *r->hints);
	memmove(&r->hint_scores[r->hint_next + 1], &r->hint_scores[r->hint_next],
		(r->nhints - r->hint_next) * sizeof *r->hint_scores);
	r->hints[r->hint_next] = idx;
	r->hint_scores[r->hint_next] = -1;
	r->nhints++;
}

static void checkout(struct run *r, size_t i, const char *dir)
{
	git_commit *commit;
	if (git_commit_lookup(&commit, r->b->repo, &r->c[i].oid) < 0)
		die_git("cannot read commit %s", r->c[i].sha);
	git_checkout_options co;
	git_checkout_options_init(&co, GIT_CHECKOUT_OPTIONS_VERSION);
	/* Into dir only: the repository's index is neither updated nor
	 * written, and the baseline is an empty index so that every file is
	 * written into the empty directory. */
	co.checkout_strategy = GIT_CHECKOUT_FORCE | GIT_CHECKOUT_DONT_UPDATE_INDEX |
			       GIT_CHECKOUT_DONT_WRITE_INDEX;
	co.target_directory = dir;
	co.baseline_index = r->empty_index;
	if (git_checkout_tree(r->b->repo, (git_object *)commit, &co) < 0)
		die_git("cannot check out %s into '%s'", r->c[i].sha, dir);
	git_commit_free(commit);
}

/* Run CMD in dir; returns its exit status (128 + N for signal N). */
static int run_cmd(struct run *r, size_t i, const char *dir, const char *stdout_path)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		die_errno(PERF_EXIT_TROUBLE, "cannot fork to run '%s'", r->b->run);
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY);
		if (in >= 0) {
			dup2(in, 0);
			close(in);
		}
		if (stdout_path) {
			int fd = open(stdout_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
			if (fd < 0)
				_exit(127);
			dup2(fd, 1);
			close(fd);
		} else {
			dup2(2, 1);   /* our stdout is for the report */
		}
		if (chdir(dir) != 0)
			_exit(127);
		setenv("PERF_BISECT_COMMIT", r->c[i].sha, 1);
		execl("/bin/sh", "sh", "-c", r->b->run, (char *)NULL);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			die_errno(PERF_EXIT_TROUBLE, "cannot wait for '%s'", r->b->run);
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return 255;
}

/* perf compare BASELINE CURRENT by this binary: 0 no regression, 1
 * regression, 2 CURRENT is not JMH output. */
static int run_compare(struct run *r, const char *current)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		die_errno(PERF_EXIT_TROUBLE, "cannot fork to run perf compare");
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 0);
			if (msg_verbosity < 1)
				dup2(null, 1);
			else
				dup2(2, 1);
			close(null);
		}
		if (r->b->config_path)
			execl(r->self, "perf", "compare", "-q", "--config", r->b->config_path, "--",
			      r->b->compare, current, (char *)NULL);
		else
			execl(r->self, "perf", "compare", "-q", "--", r->b->compare, current, (char *)NULL);
		_exit(126);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			die_errno(PERF_EXIT_TROUBLE, "cannot wait for perf compare");
	if (!WIFEXITED(st) || WEXITSTATUS(st) == 126)
		die(PERF_EXIT_TROUBLE, "cannot run perf compare (%s)", r->self);
	return WEXITSTATUS(st);
}

static enum verdict probe(struct run *r, size_t i, int *status)
{
	char *dir = xasprintf("%s/%.12s", r->tmpdir, r->c[i].sha);
	char *outp = r->b->compare ? xasprintf("%s/current-%.12s.json", r->tmpdir, r->c[i].sha) : NULL;
	checkout(r, i, dir);
	int st = run_cmd(r, i, dir, outp);
	*status = st;
	enum verdict v;
	if (st == 126 || st == 127)
		die(PERF_EXIT_TROUBLE, "cannot run '%s' at %.7s: exit status %d (%s)", r->b->run,
		    r->c[i].sha, st, st == 127 ? "command not found" : "not executable");
	if (st >= 128)
		die(PERF_EXIT_TROUBLE, "'%s' at %.7s exited with status %d; bisection stopped",
		    r->b->run, r->c[i].sha, st);
	if (st == 125) {
		v = V_SKIP;
	} else if (!r->b->compare) {
		v = st == 0 ? V_GOOD : V_BAD;
	} else if (st != 0) {
		warn("'%s' failed at %.7s (exit status %d): no benchmark results, skipped",
		     r->b->run, r->c[i].sha, st);
		v = V_SKIP;
	} else {
		int cs = run_compare(r, outp);
		if (cs == 0) {
			v = V_GOOD;
		} else if (cs == 1) {
			v = V_BAD;
		} else {
			warn("the output of '%s' at %.7s is not JMH JSON: skipped", r->b->run, r->c[i].sha);
			v = V_SKIP;
		}
	}
	remove_tree(dir);
	if (outp)
		unlink(outp);
	free(dir);
	free(outp);
	return v;
}

static void report_run_json(FILE *fp, const struct run *r, long first, const char *author,
			    time_t when)
{
	struct jsonw w;
	jw_init(&w, fp, true);
	jw_obj_begin(&w);
	jw_key(&w, "first_bad");
	jw_str(&w, first >= 0 ? r->c[first].sha : NULL);
	jw_key(&w, "summary");
	jw_str(&w, first >= 0 ? r->c[first].summary : NULL);
	jw_key(&w, "author");
	jw_str(&w, first >= 0 ? author : NULL);
	jw_key(&w, "date");
	if (first >= 0) {
		char date[TIME_RFC3339_LEN];
		time_format_rfc3339(when, date, sizeof date);
		jw_str(&w, date);
	} else {
		jw_null(&w);
	}
	jw_key(&w, "runs");
	jw_int(&w, (long long)r->nsteps);
	jw_key(&w, "candidates");
	jw_int(&w, (long long)r->n);
	jw_key(&w, "possible");
	jw_arr_begin(&w);
	if (first < 0)
		for (size_t i = 0; i < r->n; i++)
			if (r->c[i].alive)
				jw_str(&w, r->c[i].sha);
	jw_arr_end(&w);
	jw_key(&w, "steps");
	jw_arr_begin(&w);
	for (size_t k = 0; k < r->nsteps; k++) {
		const struct probe_step *s = &r->steps[k];
		jw_obj_begin(&w);
		jw_key(&w, "commit");
		jw_str(&w, r->c[s->cand].sha);
		jw_key(&w, "summary");
		jw_str(&w, r->c[s->cand].summary);
		jw_key(&w, "why");
		jw_str(&w, s->why);
		jw_key(&w, "exit_status");
		jw_int(&w, s->status);
		jw_key(&w, "result");
		jw_str(&w, verdict_names[s->verdict]);
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	jw_obj_end(&w);
	jw_end(&w);
}

static void report_run_text(FILE *fp, const struct run *r, long first, const char *author,
			    time_t when)
{
	if (first >= 0) {
		char date[TIME_RFC3339_LEN];
		time_format_rfc3339(when, date, sizeof date);
		fprintf(fp, "First bad commit: %s\n", r->c[first].sha);
		fprintf(fp, "Summary: %s\n", r->c[first].summary);
		fprintf(fp, "Author: %s\n", author);
		fprintf(fp, "Date: %s\n", date);
	} else {
		fprintf(fp, "The first bad commit could not be determined (skipped commits); it is one of:\n");
		for (size_t i = 0; i < r->n; i++)
			if (r->c[i].alive)
				fprintf(fp, "  %s %s\n", r->c[i].sha, r->c[i].summary);
	}
	fprintf(fp, "Runs: %zu (of %zu candidate%s)\n", r->nsteps, r->n, r->n == 1 ? "" : "s");
}

static char *self_path(void)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
	if (n <= 0)
		die_errno(PERF_EXIT_TROUBLE, "cannot find this program for --compare (/proc/self/exe)");
	buf[n] = '\0';
	return xstrdup(buf);
}

static int run_mode(struct bisect *b)
{
	if (b->compare) {
		struct jmh_file base;
		char err[1024];
		if (jmh_load(b->compare, &base, err, sizeof err) != 0)
			die(PERF_EXIT_TROUBLE, "%s", err);
		jmh_file_free(&base);
	}
	repo_open(b);
	git_commit *good = resolve_commit(b, b->good, "--good");
	git_commit *bad = resolve_commit(b, b->bad, "--bad");
	if (git_oid_equal(git_commit_id(good), git_commit_id(bad)))
		die(PERF_EXIT_TROUBLE, "--good and --bad are the same commit %.7s", git_oid_tostr_s(git_commit_id(bad)));
	int d = git_graph_descendant_of(b->repo, git_commit_id(bad), git_commit_id(good));
	if (d < 0)
		die_git("cannot relate %s and %s", b->good, b->bad);
	if (!d)
		die(PERF_EXIT_TROUBLE, "--good %s is not an ancestor of --bad %s", b->good, b->bad);

	struct run r = { .b = b };
	collect_candidates(&r, good, bad);
	r.bad = 0;   /* the bad commit comes first in topological order */
	step("%zu candidate%s between %s and %s", r.n, r.n == 1 ? "" : "s", b->good, b->bad);
	rank_candidates(&r);

	char *base = getenv("TMPDIR");
	r.tmpdir = xasprintf("%s/perf-bisect.XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(r.tmpdir))
		die_errno(PERF_EXIT_TROUBLE, "cannot create a temporary directory '%s'", r.tmpdir);
	cleanup_dir = xstrdup(r.tmpdir);
	atexit(cleanup_tmpdir);
	if (git_index_new(&r.empty_index) < 0)
		die_git("cannot create an index");
	if (b->compare)
		r.self = self_path();

	size_t i;
	const char *why;
	double score;
	while (choose_probe(&r, &i, &why, &score)) {
		size_t left = alive_count(&r);
		if (!strcmp(why, "top suspect"))
			step("run %zu: %.7s %s (%s, score %.1f; %zu candidates left)", r.nsteps + 1,
			     r.c[i].sha, r.c[i].summary, why, score, left);
		else
			step("run %zu: %.7s %s (%s; %zu candidates left)", r.nsteps + 1,
			     r.c[i].sha, r.c[i].summary, why, left);
		int status;
		enum verdict v = probe(&r, i, &status);
		GROW(r.steps, r.stepalloc, r.nsteps + 1);
		r.steps[r.nsteps++] = (struct probe_step){ i, v, status, why, score };
		apply_verdict(&r, i, v);
		step("%.7s is %s (exit status %d)", r.c[i].sha, verdict_names[v], status);
		if (v == V_BAD && !strcmp(why, "top suspect"))
			hint_parent(&r, i);
	}

	/* Only the bad commit and skipped ones are left. */
	long first = alive_count(&r) == 1 ? (long)r.bad : -1;
	char *author = NULL;
	time_t when = 0;
	if (first >= 0) {
		git_commit *c;
		if (git_commit_lookup(&c, b->repo, &r.c[first].oid) < 0)
			die_git("cannot read commit %s", r.c[first].sha);
		const git_signature *au = git_commit_author(c);
		author = xstrdup(au && au->name ? au->name : "");
		when = git_commit_time(c);
		git_commit_free(c);
		step("first bad commit: %.7s %s after %zu run%s", r.c[first].sha, r.c[first].summary,
		     r.nsteps, r.nsteps == 1 ? "" : "s");
	} else {
		step("the first bad commit could not be determined: %zu candidates left after skips",
		     alive_count(&r));
	}

	struct outfile out;
	if (out_open(&out, b->output) != 0)
		die_errno(PERF_EXIT_TROUBLE, "cannot create '%s'", b->output);
	if (b->format == FMT_JSON)
		report_run_json(out.fp, &r, first, author, when);
	else
		report_run_text(out.fp, &r, first, author, when);
	if (out_commit(&out) != 0 && b->output)
		die_errno(PERF_EXIT_TROUBLE, "cannot write '%s'", b->output);

	cleanup_tmpdir();
	free(author);
	for (size_t k = 0; k < r.n; k++) {
		free(r.c[k].summary);
		free(r.c[k].parents);
	}
	free(r.c);
	strmap_free(&r.index);
	free(r.hints);
	free(r.hint_scores);
	free(r.steps);
	free(r.tmpdir);
	free(r.self);
	git_index_free(r.empty_index);
	git_commit_free(good);
	git_commit_free(bad);
	return first >= 0 ? PERF_EXIT_OK : PERF_EXIT_FOUND;
}

/* ---- main ---- */

int cmd_bisect(int argc, char **argv)
{
	enum { OPT_BEFORE = 256, OPT_AFTER, OPT_REV, OPT_GOOD, OPT_BAD, OPT_RUN, OPT_COMPARE };
	static const struct option longopts[] = {
		{ "repo", required_argument, NULL, 'r' },
		{ "date", required_argument, NULL, 'd' },
		{ "before", required_argument, NULL, OPT_BEFORE },
		{ "after", required_argument, NULL, OPT_AFTER },
		{ "rev", required_argument, NULL, OPT_REV },
		{ "metric", required_argument, NULL, 'm' },
		{ "keywords", required_argument, NULL, 'k' },
		{ "paths", required_argument, NULL, 'p' },
		{ "config", required_argument, NULL, 'c' },
		{ "top", required_argument, NULL, 'n' },
		{ "good", required_argument, NULL, OPT_GOOD },
		{ "bad", required_argument, NULL, OPT_BAD },
		{ "run", required_argument, NULL, OPT_RUN },
		{ "compare", required_argument, NULL, OPT_COMPARE },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct bisect b = { .top = 10, .format = FMT_TEXT };
	int opt;
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, ":r:d:m:k:p:c:n:f:o:qvh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'r': b.repo_path = optarg; break;
		case 'd': b.date_arg = optarg; break;
		case OPT_BEFORE: b.before_arg = optarg; break;
		case OPT_AFTER: b.after_arg = optarg; break;
		case OPT_REV: b.rev = optarg; break;
		case 'm': b.metric = optarg; break;
		case 'k': b.keywords_arg = optarg; break;
		case 'p': b.paths_arg = optarg; break;
		case 'c': b.config_path = optarg; break;
		case 'n': {
			char *end;
			errno = 0;
			long v = strtol(optarg, &end, 10);
			if (end == optarg || *end || errno || v < 0 || v > 1000000)
				die(PERF_EXIT_TROUBLE, "invalid --top '%s': expected a whole number from 0 to 1000000", optarg);
			b.top = v;
			break;
		}
		case OPT_GOOD: b.good = optarg; break;
		case OPT_BAD: b.bad = optarg; break;
		case OPT_RUN: b.run = optarg; break;
		case OPT_COMPARE: b.compare = optarg; break;
		case 'f': {
			static const char *const formats[] = { "text", "json" };   /* enum format */
			b.format = (enum format)opt_keyword("format", optarg, formats, ARRAY_SIZE(formats));
			break;
		}
		case 'o': b.output = optarg; break;
		case 'q': msg_verbosity = -1; break;
		case 'v': msg_verbosity++; break;
		case 'h':
			fputs(bisect_usage, stdout);
			return PERF_EXIT_OK;
		case ':':
			die(PERF_EXIT_TROUBLE, "option '%s' needs a value; see 'perf bisect --help'", argv[optind - 1]);
		default:
			if (optopt)
				die(PERF_EXIT_TROUBLE, "unknown option '-%c'; see 'perf bisect --help'", optopt);
			die(PERF_EXIT_TROUBLE, "unknown option '%s'; see 'perf bisect --help'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		die(PERF_EXIT_TROUBLE, "unexpected argument '%s'; see 'perf bisect --help'", argv[optind]);

	bool run_wanted = b.good || b.bad || b.run || b.compare;
	if (run_wanted) {
		if (!b.good || !b.bad || !b.run)
			die(PERF_EXIT_TROUBLE, "run mode needs --good, --bad and --run; see 'perf bisect --help'");
		if (!*b.run)
			die(PERF_EXIT_TROUBLE, "--run needs a command");
		const char *scan_only = b.date_arg ? "--date" : b.before_arg ? "--before" :
					b.after_arg ? "--after" : b.rev ? "--rev" : NULL;
		if (scan_only)
			die(PERF_EXIT_TROUBLE, "%s is for scan mode; run mode takes --good and --bad", scan_only);
	} else if (!b.date_arg) {
		die(PERF_EXIT_TROUBLE, "--date is required (or --good, --bad and --run); see 'perf bisect --help'");
	}

	rules_build(&b);
	git_libgit2_init();
	/* libgit2 rehashes every object it reads; git does not, and the scan
	 * reads thousands of objects (a corrupt pack still fails on its CRC
	 * and zlib checks). */
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
	int status = run_wanted ? run_mode(&b) : scan_mode(&b);
	git_repository_free(b.repo);
	gitscan_rules_free(&b.rules);
	git_libgit2_shutdown();
	return status;
}
