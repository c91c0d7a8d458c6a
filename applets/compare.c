/* perf compare: baseline vs current JMH results, for CI pipelines.
 *
 * Which benchmarks regressed, improved, stayed stable, went missing or are
 * new.  A benchmark is its name, mode and params; secondary metrics are rows
 * of their own.  Where both sides carry raw samples, a change beyond its
 * threshold counts only when a Mann-Whitney U test finds it significant
 * after Benjamini-Hochberg correction over all rows tested; otherwise the
 * threshold alone decides.  Reports: text, markdown, json, junit, github.
 * Exit 1 on a regression.
 *
 * Big comparisons use a few threads: the two files load at once, and the
 * rows are examined and the JSON report written in contiguous ranges, one
 * per thread, put together in order, so the output never depends on the
 * split (see split_run).
 *
 * Stands on: jmh.c (loading), stats.c (tests), yaml.c (--config),
 * pattern.c (config patterns), jsonw.c (json), strmap.c, util.c, msg.c. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "applets.h"
#include "jmh.h"
#include "jsonw.h"
#include "msg.h"
#include "pattern.h"
#include "stats.h"
#include "strmap.h"
#include "util.h"
#include "yaml.h"

static const char compare_usage[] =
"Usage: perf compare [OPTION]... BASELINE CURRENT\n"
"Compare two JMH result files (-rf json) and report regressions.\n"
"\n"
"  -f, --format=FORMAT    text (default), markdown, json, junit or github\n"
"  -o, --output=FILE      write the report to FILE (atomically) instead of stdout\n"
"  -c, --config=FILE      YAML config: thresholds, default_threshold, direction,\n"
"                         alpha, ignore\n"
"  -l, --level=LEVEL      commit (2%), pr (5%) or release (0%: significance alone)\n"
"  -t, --threshold=PCT    regression threshold in percent (default 5)\n"
"  -a, --alpha=P          significance level, false discovery rate (default 0.05)\n"
"  -F, --filter=REGEX     compare only benchmarks whose label NAME(k=v,...)\n"
"                         matches the extended regular expression\n"
"      --no-secondary     compare primary metrics only\n"
"      --show-stable      list stable benchmarks in the text report too\n"
"      --color=WHEN       colour the text report: auto (default), always, never\n"
"  -q, --quiet            no warnings\n"
"  -v, --verbose          say more about what is compared and why\n"
"  -h, --help             print this help and exit\n"
"\n"
"BASELINE or CURRENT may be - for standard input.\n"
"Exit status: 0 no regression, 1 regression detected, 2 trouble.\n"
"See perf-compare(1) for the statistics and the config file.\n";

enum format { FMT_TEXT, FMT_MARKDOWN, FMT_JSON, FMT_JUNIT, FMT_GITHUB };
static const char *const format_names[] = { "text", "markdown", "json", "junit", "github" };

enum status { ST_REGRESSION, ST_IMPROVEMENT, ST_STABLE, ST_MISSING, ST_NEW, ST_COUNT };
static const char *const status_names[] = { "regression", "improvement", "stable", "missing", "new" };

enum decided { BY_NONE, BY_THRESHOLD, BY_TEST };

#define MAX_THREADS 8   /* for the work after loading */

struct pat_value {
	char *pat;
	char *lower;         /* pat in lowercase, for substring matching */
	double value;        /* threshold percent, or +1/-1 for a direction */
};

struct compare_config {
	const char *path;
	struct pat_value *thresholds;
	size_t nthresholds;
	struct pat_value *directions;
	size_t ndirections;
	char **ignore;
	char **ignore_lower;
	size_t nignore;
	double default_threshold;   /* NAN when unset */
	double alpha;               /* NAN when unset */
};

/* The original design's patterns, after the config's own. */
static const struct { const char *pat; double pct; } builtin_thresholds[] = {
	{ "chunk_loading_time", 5.0 },
	{ "memory_usage", 10.0 },
	{ "cache_hit_ratio", 5.0 },
	{ "tps_stability", 2.0 },
};

struct row {
	const struct jmh_result *base, *cur;   /* either may be NULL */
	const struct jmh_metric *bm, *cm;
	const struct jmh_result *res;          /* cur, or base when missing */
	const char *metric;                    /* "primary" or the secondary's name */
	const char *match_text;                /* what config patterns see */
	const char *match_lower;               /* the same in lowercase */
	int better;                            /* +1 higher is better, -1 lower */
	double baseline, current, change;      /* NAN where none */
	double threshold;
	double p, q;                           /* NAN where untested */
	size_t nb, nc;                         /* samples on each side */
	enum decided decided;
	bool significant;
	bool too_few;                          /* samples too few to ever reach alpha */
	bool nan_score;                        /* a NaN centre: not compared */
	enum status status;
	const char *note;
};

struct compare {
	enum format format;
	const char *output;
	double threshold;        /* --threshold, NAN if not given */
	double level_threshold;  /* from --level, NAN if not given */
	const char *level;
	double alpha;            /* --alpha, NAN if not given */
	double alpha_used;
	bool have_filter;
	regex_t filter;
	bool secondary;
	bool show_stable;
	int colour;              /* -1 auto, 0 never, 1 always */
	struct compare_config cfg;
	unsigned threads;        /* at most this many for the work after loading */
	bool threads_forced;     /* PERF_JOBS: that many, whatever the size */
	struct jmh_file base, cur;
	struct row *rows;
	size_t nrows, rowalloc;
	struct arena names[MAX_THREADS];   /* the rows' match texts, one per thread */
	size_t count[ST_COUNT];
	double geomean_ratio;
	size_t geomean_n;
};

/* ---- options ---- */

static double parse_number(const char *opt, const char *arg, double lo, double hi, bool lo_open)
{
	char *end;
	errno = 0;
	double v = strtod(arg, &end);
	if (end == arg || *end || errno == ERANGE || !isfinite(v) ||
	    v < lo || v > hi || (lo_open && v == lo))
		die(PERF_EXIT_TROUBLE, "invalid %s '%s': expected a number %s %g and at most %g",
		    opt, arg, lo_open ? "above" : "from", lo, hi);
	return v;
}

/* ---- config ---- */

__attribute__((format(printf, 3, 4)))
static _Noreturn void config_die(const struct compare_config *cfg, const struct ynode *n,
				 const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	die(PERF_EXIT_TROUBLE, "%s:%u:%u: %s", cfg->path, n->line, n->col, buf);
}

static void config_expect(const struct compare_config *cfg, const struct ynode *n,
			  enum ynode_type t, const char *what)
{
	if (n->type != t)
		config_die(cfg, n, "%s must be a %s, not a %s", what,
			   t == YNODE_MAP ? "mapping" : t == YNODE_SEQ ? "sequence" : "scalar",
			   ynode_type_name(n));
}

static void config_load(struct compare_config *cfg, const char *path)
{
	struct yaml_error err;
	struct ynode *root = yaml_load_file(path, NULL, &err);
	cfg->path = strcmp(path, "-") ? path : "<stdin>";
	if (!root)
		die(PERF_EXIT_TROUBLE, "%s", err.msg);
	config_expect(cfg, root, YNODE_MAP, "the config");
	for (size_t i = 0; i < root->npairs; i++) {
		const char *key = root->pairs[i].key->str;
		struct ynode *v = root->pairs[i].value;
		if (!strcmp(key, "thresholds")) {
			if (ynode_is_null(v))
				continue;
			config_expect(cfg, v, YNODE_MAP, "thresholds");
			cfg->thresholds = xcalloc(v->npairs + 1, sizeof *cfg->thresholds);
			for (size_t j = 0; j < v->npairs; j++) {
				double pct;
				struct ynode *pv = v->pairs[j].value;
				if (pv->type != YNODE_SCALAR || ynode_double(pv, &pct) != 0 ||
				    !isfinite(pct) || pct < 0)
					config_die(cfg, pv, "threshold for '%s' must be a percentage of 0 or more",
						   v->pairs[j].key->str);
				cfg->thresholds[cfg->nthresholds].pat = xstrdup(v->pairs[j].key->str);
				cfg->thresholds[cfg->nthresholds].lower = pattern_fold(v->pairs[j].key->str);
				cfg->thresholds[cfg->nthresholds++].value = pct;
			}
		} else if (!strcmp(key, "default_threshold")) {
			double pct;
			if (v->type != YNODE_SCALAR || ynode_double(v, &pct) != 0 || !isfinite(pct) || pct < 0)
				config_die(cfg, v, "default_threshold must be a percentage of 0 or more");
			cfg->default_threshold = pct;
		} else if (!strcmp(key, "direction")) {
			if (ynode_is_null(v))
				continue;
			config_expect(cfg, v, YNODE_MAP, "direction");
			cfg->directions = xcalloc(v->npairs + 1, sizeof *cfg->directions);
			for (size_t j = 0; j < v->npairs; j++) {
				struct ynode *dv = v->pairs[j].value;
				double d;
				if (dv->type == YNODE_SCALAR && !strcmp(dv->str, "lower"))
					d = -1;
				else if (dv->type == YNODE_SCALAR && !strcmp(dv->str, "higher"))
					d = 1;
				else
					config_die(cfg, dv, "direction for '%s' must be 'lower' or 'higher'",
						   v->pairs[j].key->str);
				cfg->directions[cfg->ndirections].pat = xstrdup(v->pairs[j].key->str);
				cfg->directions[cfg->ndirections].lower = pattern_fold(v->pairs[j].key->str);
				cfg->directions[cfg->ndirections++].value = d;
			}
		} else if (!strcmp(key, "alpha")) {
			double a;
			if (v->type != YNODE_SCALAR || ynode_double(v, &a) != 0 || !(a > 0 && a < 1))
				config_die(cfg, v, "alpha must be a number above 0 and below 1");
			cfg->alpha = a;
		} else if (!strcmp(key, "ignore")) {
			if (ynode_is_null(v))
				continue;
			config_expect(cfg, v, YNODE_SEQ, "ignore");
			cfg->ignore = xcalloc(v->nitems + 1, sizeof *cfg->ignore);
			cfg->ignore_lower = xcalloc(v->nitems + 1, sizeof *cfg->ignore_lower);
			for (size_t j = 0; j < v->nitems; j++) {
				if (v->items[j]->type != YNODE_SCALAR)
					config_die(cfg, v->items[j], "ignore entries must be patterns (scalars)");
				cfg->ignore_lower[cfg->nignore] = pattern_fold(v->items[j]->str);
				cfg->ignore[cfg->nignore++] = xstrdup(v->items[j]->str);
			}
		} else if (!strcmp(key, "bisect") || !strcmp(key, "alert") ||
			   !strcmp(key, "respond") || !strcmp(key, "weekly")) {
			continue;   /* the other applets' sections of the same file */
		} else {
			config_die(cfg, root->pairs[i].key,
				   "unknown key '%s' (expected thresholds, default_threshold, direction, alpha or ignore)",
				   key);
		}
	}
	ynode_free(root);
}

static void config_free(struct compare_config *cfg)
{
	for (size_t i = 0; i < cfg->nthresholds; i++) {
		free(cfg->thresholds[i].pat);
		free(cfg->thresholds[i].lower);
	}
	for (size_t i = 0; i < cfg->ndirections; i++) {
		free(cfg->directions[i].pat);
		free(cfg->directions[i].lower);
	}
	for (size_t i = 0; i < cfg->nignore; i++) {
		free(cfg->ignore[i]);
		free(cfg->ignore_lower[i]);
	}
	free(cfg->ignore_lower);
	free(cfg->thresholds);
	free(cfg->directions);
	free(cfg->ignore);
}

/* ---- direction and thresholds ---- */

static bool is_time_unit(const char *s, size_t n)
{
	static const char *const units[] = { "ns", "us", "\xc2\xb5s", "\xce\xbcs", "ms", "s",
					     "sec", "min", "m", "hr", "h", "day" };
	for (size_t i = 0; i < ARRAY_SIZE(units); i++)
		if (strlen(units[i]) == n && !strncmp(units[i], s, n))
			return true;
	return false;
}

/* +1 higher is better, -1 lower, 0 unknown from the unit. */
static int direction_from_unit(const char *unit)
{
	if (!strncmp(unit, "ops/", 4) && is_time_unit(unit + 4, strlen(unit + 4)))
		return 1;
	size_t n = strlen(unit);
	if (n > 3 && !strcmp(unit + n - 3, "/op") && is_time_unit(unit, n - 3))
		return -1;
	return 0;
}

static int direction_from_name(const char *name)
{
	static const char *const lower[] = { "time", "duration", "latency", "memory", "alloc" };
	for (size_t i = 0; i < ARRAY_SIZE(lower); i++)
		if (strcasestr_ascii(name, lower[i]))
			return -1;
	return 1;
}

static int row_direction(const struct compare *c, const struct row *r, const struct jmh_metric *m)
{
	for (size_t i = 0; i < c->cfg.ndirections; i++)
		if (pattern_match_folded(c->cfg.directions[i].pat, c->cfg.directions[i].lower,
					 r->match_text, r->match_lower))
			return (int)c->cfg.directions[i].value;
	int d = direction_from_unit(m->unit);
	if (d)
		return d;
	return direction_from_name(strcmp(r->metric, "primary") ? m->key : r->res->benchmark);
}

static double row_threshold(const struct compare *c, const struct row *r)
{
	for (size_t i = 0; i < c->cfg.nthresholds; i++)
		if (pattern_match_folded(c->cfg.thresholds[i].pat, c->cfg.thresholds[i].lower,
					 r->match_text, r->match_lower))
			return c->cfg.thresholds[i].value;
	/* A plain pattern with an underscore (all the built-in ones) is in
	 * no text without one: most names have none, so most rows are spared
	 * the substring searches. */
	bool underscore = strchr(r->match_lower, '_') != NULL;
	for (size_t i = 0; i < ARRAY_SIZE(builtin_thresholds); i++) {
		const char *pat = builtin_thresholds[i].pat;
		if (!underscore && strchr(pat, '_') && !pattern_is_glob(pat))
			continue;
		if (pattern_match_folded(pat, pat, r->match_text, r->match_lower))
			return builtin_thresholds[i].pct;
	}
	if (!isnan(c->level_threshold))
		return c->level_threshold;
	if (!isnan(c->threshold))
		return c->threshold;
	if (!isnan(c->cfg.default_threshold))
		return c->cfg.default_threshold;
	return 5.0;
}

/* ---- threads ---- */

/* Fewer rows than this per thread are not worth a thread. */
#define ROWS_PER_THREAD 2048

/* One contiguous part [from, to) of the rows and who works on it. */
struct split {
	size_t from, to;
	unsigned part;
	void (*fn)(void *arg, const struct split *part);
	void *arg;
	pthread_t thread;
	bool started;
};

static void *split_main(void *arg)
{
	struct split *s = arg;
	s->fn(s->arg, s);
	return NULL;
}

/* How many parts to cut n rows into. */
static unsigned split_count(const struct compare *c, size_t n)
{
	size_t k = c->threads;
	if (!c->threads_forced && n / ROWS_PER_THREAD < k)
		k = n / ROWS_PER_THREAD;
	if (k > n)
		k = n;
	return k ? (unsigned)k : 1;
}

/* Run fn over [0, n) cut into k contiguous parts: part 0 on this thread,
 * the others on threads of their own (or here, after it, if a thread
 * cannot be had).  Each part writes only to what it owns.  Part 0 gets
 * lead/100 times as many items as each of the others. */
static void split_run_lead(size_t n, unsigned k, unsigned lead,
			   void (*fn)(void *, const struct split *), void *arg)
{
	struct split parts[MAX_THREADS];
	size_t total = lead + 100 * (k - 1), cut[MAX_THREADS + 1];
	cut[0] = 0;
	cut[k] = n;
	for (unsigned i = 1; i < k; i++) {
		cut[i] = (size_t)((double)n * (lead + 100 * (i - 1)) / total);
		/* none empty when there are at least k items */
		if (cut[i] < cut[i - 1] + 1 && n >= k)
			cut[i] = cut[i - 1] + 1;
		if (n >= k && cut[i] > n - (k - i))
			cut[i] = n - (k - i);
	}
	for (unsigned i = 0; i < k; i++)
		parts[i] = (struct split){ .from = cut[i], .to = cut[i + 1], .part = i,
					   .fn = fn, .arg = arg };
	for (unsigned i = 1; i < k; i++)
		parts[i].started = pthread_create(&parts[i].thread, NULL, split_main, &parts[i]) == 0;
	split_main(&parts[0]);
	for (unsigned i = 1; i < k; i++) {
		if (parts[i].started)
			pthread_join(parts[i].thread, NULL);
		else
			split_main(&parts[i]);
	}
}

static void split_run(size_t n, unsigned k, void (*fn)(void *, const struct split *), void *arg)
{
	split_run_lead(n, k, 100, fn, arg);
}

/* PERF_JOBS, else the processors online.  A value out of range is
 * warned about and ignored: the thread count changes only the speed, never
 * the report. */
static void choose_threads(struct compare *c)
{
	const char *env = getenv("PERF_JOBS");
	if (env && *env) {
		char *end;
		errno = 0;
		long n = strtol(env, &end, 10);
		if (*env >= '0' && *env <= '9' && !*end && !errno && n >= 1 && n <= MAX_THREADS) {
			c->threads = (unsigned)n;
			c->threads_forced = true;
			return;
		}
		warn("ignoring PERF_JOBS='%s' (expected 1 to %d)", env, MAX_THREADS);
	}
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	c->threads = online < 1 ? 1 : online > MAX_THREADS ? MAX_THREADS : (unsigned)online;
}

/* ---- building the rows ---- */

static bool selected(const struct compare *c, const struct jmh_result *r)
{
	if (c->have_filter && regexec(&c->filter, r->label, 0, NULL, 0) != 0)
		return false;
	if (!c->cfg.nignore)
		return true;
	char *lower = pattern_fold(r->label);
	bool keep = true;
	for (size_t i = 0; i < c->cfg.nignore && keep; i++)
		if (pattern_match_folded(c->cfg.ignore[i], c->cfg.ignore_lower[i], r->label, lower))
			keep = false;
	free(lower);
	return keep;
}

/* A row with what it compares; examine_row works out the rest. */
static struct row *add_row(struct compare *c, const struct jmh_result *base,
			   const struct jmh_result *cur, const struct jmh_metric *bm,
			   const struct jmh_metric *cm)
{
	BIG_GROW(c->rows, c->rowalloc, c->nrows + 1);
	struct row *r = &c->rows[c->nrows++];
	memset(r, 0, sizeof *r);
	r->base = base;
	r->cur = cur;
	r->bm = bm;
	r->cm = cm;
	r->res = cur ? cur : base;
	r->metric = (cm ? cm : bm)->name;
	r->baseline = r->current = r->change = r->p = r->q = NAN;
	return r;
}

/* What config patterns see (kept in the arena of the thread that works
 * on the row), the direction and the threshold. */
static void name_row(const struct compare *c, struct row *r, struct arena *arena)
{
	const struct jmh_metric *m = r->cm ? r->cm : r->bm;
	size_t label = strlen(r->res->label), n = label;
	char *text = NULL;
	if (strcmp(m->name, "primary")) {
		size_t key = strlen(m->key);
		n += 1 + key;
		text = arena_alloc(arena, n + 1);
		memcpy(text, r->res->label, label);
		text[label] = ':';
		memcpy(text + label + 1, m->key, key + 1);
	}
	r->match_text = text ? text : r->res->label;
	char *lower = arena_strndup(arena, r->match_text, n);
	pattern_fold_in_place(lower);
	r->match_lower = lower;
	r->better = row_direction(c, r, m);
	r->threshold = row_threshold(c, r);
}

/* Where each baseline result is in the current file, found on several
 * threads: its index there, NO_MATCH, or NOT_COMPARED (a duplicate, or
 * filtered out). */
#define NO_MATCH ((size_t)-1)
#define NOT_COMPARED ((size_t)-2)

struct lookup {
	const struct compare *c;
	size_t *match;
};

/* Two runs of a suite list their results mostly in the same order, so
 * the result after the last one matched is tried first: keys read in
 * file order rather than the hash table's cache misses.  It is the one
 * the index would give when its key is the same and it is not a
 * duplicate (of all results with a key, the index has the one that is
 * not). */
static void lookup_part(void *arg, const struct split *part)
{
	struct lookup *lk = arg;
	const struct compare *c = lk->c;
	size_t next = part->from;   /* the guess */
	for (size_t i = part->from; i < part->to; i++) {
		const struct jmh_result *b = &c->base.results[i];
		size_t j;
		if (b->duplicate || !selected(c, b)) {
			lk->match[i] = NOT_COMPARED;
			continue;
		}
		if (next < c->cur.n && !c->cur.results[next].duplicate &&
		    !strcmp(c->cur.results[next].key, b->key))
			j = next;
		else if (!strmap_get(&c->cur.index, b->key, &j))
			j = NO_MATCH;
		lk->match[i] = j;
		if (j != NO_MATCH)
			next = j + 1;
	}
}

static void build_rows(struct compare *c)
{
	/* as many rows as there can be, so that the array is not moved */
	size_t most = c->cur.n;
	for (size_t i = 0; i < c->base.n; i++)
		most += 1 + c->base.results[i].nsecondary;
	BIG_GROW(c->rows, c->rowalloc, most);
	bool *matched = xcalloc(c->cur.n + 1, sizeof *matched);
	struct lookup lk = { c, xmalloc((c->base.n + 1) * sizeof *lk.match) };
	split_run(c->base.n, split_count(c, c->base.n), lookup_part, &lk);

	for (size_t i = 0; i < c->base.n; i++) {
		const struct jmh_result *b = &c->base.results[i];
		size_t j = lk.match[i];
		if (j == NOT_COMPARED)
			continue;
		if (j == NO_MATCH) {
			add_row(c, b, NULL, &b->primary, NULL)->status = ST_MISSING;
			continue;
		}
		matched[j] = true;
		const struct jmh_result *cu = &c->cur.results[j];
		add_row(c, b, cu, &b->primary, &cu->primary);
		if (!c->secondary)
			continue;
		for (size_t k = 0; k < b->nsecondary; k++) {
			const struct jmh_metric *cm = jmh_secondary(cu, b->secondary[k].key);
			if (cm)
				add_row(c, b, cu, &b->secondary[k], cm);
		}
	}
	for (size_t j = 0; j < c->cur.n; j++) {
		const struct jmh_result *cu = &c->cur.results[j];
		if (!matched[j] && !cu->duplicate && selected(c, cu))
			add_row(c, NULL, cu, NULL, &cu->primary)->status = ST_NEW;
	}
	free(lk.match);
	free(matched);
}

static bool is_primary(const struct row *r)
{
	return !strcmp(r->metric, "primary");
}

static double metric_centre(const struct jmh_metric *m)
{
	return m->nsamples ? stats_median(m->samples, m->nsamples) : m->score;
}

/* The last answer of stats_mw_min_p, kept per thread: nearly all rows
 * have the same sample counts. */
struct min_p_memo {
	double wa, wb, p;
};

static double min_p(struct min_p_memo *memo, double wa, double wb)
{
	if (wa != memo->wa || wb != memo->wb) {
		memo->wa = wa;
		memo->wb = wb;
		memo->p = stats_mw_min_p(wa, wb);
	}
	return memo->p;
}

/* A row's centres, change and p-value.  Runs on any thread: it prints
 * nothing (measure_rows says which scores were NaN). */
static void measure_row(const struct compare *c, struct row *r, struct min_p_memo *memo)
{
	if (r->status == ST_MISSING) {
		r->baseline = metric_centre(r->bm);
		r->nb = r->bm->nsamples;
		return;
	}
	if (r->status == ST_NEW) {
		r->current = metric_centre(r->cm);
		r->nc = r->cm->nsamples;
		return;
	}
	bool both_raw = r->bm->nsamples && r->cm->nsamples;
	/* Without raw samples on both sides, compare the JMH scores;
	 * with them, the medians (robust to the odd GC pause). */
	r->baseline = both_raw ? metric_centre(r->bm) : r->bm->score;
	r->current = both_raw ? metric_centre(r->cm) : r->cm->score;
	r->nb = r->bm->nsamples;
	r->nc = r->cm->nsamples;
	if (isnan(r->baseline) || isnan(r->current)) {
		r->status = ST_STABLE;
		r->decided = BY_NONE;
		r->note = "score is NaN";
		r->nan_score = true;
		return;
	}
	if (r->baseline != 0 && isfinite(r->baseline))
		r->change = (r->current - r->baseline) / fabs(r->baseline) * 100.0;
	if (!both_raw) {
		r->decided = BY_THRESHOLD;
		return;
	}
	size_t na = r->bm->nsamples, nc = r->cm->nsamples;
	/* copies to trim: on the stack for the usual few dozen samples */
	struct wval few[2][64];
	struct wval *a = na <= 64 ? few[0] : xmalloc(na * sizeof *a);
	struct wval *b = nc <= 64 ? few[1] : xmalloc(nc * sizeof *b);
	memcpy(a, r->bm->samples, na * sizeof *a);
	memcpy(b, r->cm->samples, nc * sizeof *b);
	stats_trim_outliers_pooled(a, &na, b, &nc);
	r->p = stats_mann_whitney(a, na, b, nc, NULL);
	/* (a relative tolerance, so that 2/C(40,1) is not "above" 0.05) */
	if (min_p(memo, stats_weight(a, na), stats_weight(b, nc)) > c->alpha_used * (1 + 1e-9)) {
		r->too_few = true;
		r->decided = BY_THRESHOLD;
		r->note = "too few samples for the test to reach alpha";
	} else {
		r->decided = BY_TEST;
	}
	if (a != few[0])
		free(a);
	if (b != few[1])
		free(b);
}

static void examine_part(void *arg, const struct split *part)
{
	struct compare *c = arg;
	struct min_p_memo memo = { NAN, NAN, NAN };
	for (size_t i = part->from; i < part->to; i++) {
		name_row(c, &c->rows[i], &c->names[part->part]);
		measure_row(c, &c->rows[i], &memo);
	}
}

/* Names, directions, thresholds, centres, changes and p-values of all
 * rows (on several threads), then the q-values. */
static void measure_rows(struct compare *c)
{
	split_run(c->nrows, split_count(c, c->nrows), examine_part, c);
	for (size_t i = 0; i < c->nrows; i++) {
		const struct row *r = &c->rows[i];
		if (r->nan_score)
			warn("%s%s%s: %s score is NaN; not compared", r->res->label,
			     strcmp(r->metric, "primary") ? " " : "",
			     strcmp(r->metric, "primary") ? r->metric : "",
			     isnan(r->baseline) ? "baseline" : "current");
	}

	/* Benjamini-Hochberg over the rows the test decides: one family for
	 * the benchmarks (primary metrics), one for the secondary metrics, so
	 * that a profiler's dozen gc.* rows per benchmark do not dilute the
	 * power on the benchmarks themselves. */
	double *p = xmalloc((c->nrows + 1) * sizeof *p), *q = xmalloc((c->nrows + 1) * sizeof *q);
	size_t secondary = 0;   /* tested rows of the second family */
	for (int family = 0; family < 2; family++) {
		if (family == 1 && !secondary)
			break;
		for (size_t i = 0; i < c->nrows; i++) {
			const struct row *r = &c->rows[i];
			bool tested = r->decided == BY_TEST, primary = tested && is_primary(r);
			secondary += tested && !primary;
			bool in = tested && primary == (family == 0);
			p[i] = in ? r->p : NAN;
		}
		stats_bh_adjust(p, c->nrows, q);
		for (size_t i = 0; i < c->nrows; i++) {
			if (isnan(p[i]))
				continue;
			c->rows[i].q = q[i];
			c->rows[i].significant = q[i] <= c->alpha_used;
		}
	}
	free(p);
	free(q);
}

static void classify_rows(struct compare *c)
{
	double logsum = 0;
	size_t too_few = 0, zero = 0;
	for (size_t i = 0; i < c->nrows; i++) {
		struct row *r = &c->rows[i];
		if (r->status == ST_MISSING || r->status == ST_NEW || r->decided == BY_NONE) {
			c->count[r->status]++;
			continue;
		}
		if (r->too_few)
			too_few++;
		double diff = r->current - r->baseline;
		bool moved;
		if (isnan(r->change)) {
			/* A zero (or infinite) baseline: no percentage, so only
			 * the test can say. */
			if (r->baseline == 0 && r->current != 0) {
				zero++;
				r->note = "baseline is 0: no percentage change";
			}
			moved = r->decided == BY_TEST && r->significant && diff != 0;
		} else {
			moved = fabs(r->change) > r->threshold &&
				(r->decided == BY_THRESHOLD || r->significant);
		}
		if (!moved || diff == 0)
			r->status = ST_STABLE;
		else if ((diff > 0) == (r->better > 0))
			r->status = ST_IMPROVEMENT;
		else
			r->status = ST_REGRESSION;
		c->count[r->status]++;
		if (!strcmp(r->metric, "primary") && r->baseline > 0 && r->current > 0 &&
		    isfinite(r->baseline) && isfinite(r->current)) {
			logsum += log(r->current / r->baseline);
			c->geomean_n++;
		}
	}
	c->geomean_ratio = c->geomean_n ? exp(logsum / (double)c->geomean_n) : NAN;
	if (too_few)
		warn("%zu comparison%s had too few raw samples for the test ever to reach alpha %g; decided on the threshold alone",
		     too_few, too_few == 1 ? "" : "s", c->alpha_used);
	if (zero)
		warn("%zu comparison%s had a baseline of 0; no percentage change for them",
		     zero, zero == 1 ? "" : "s");
	if (c->count[ST_MISSING])
		warn("%zu benchmark%s in %s missing from %s", c->count[ST_MISSING],
		     c->count[ST_MISSING] == 1 ? "" : "s", c->base.display, c->cur.display);
}

/* ---- report helpers ---- */

/* How much worse (positive) or better (negative) a row got, in percent. */
static double worseness(const struct row *r)
{
	if (isnan(r->change))
		return 0;
	return r->better > 0 ? -r->change : r->change;
}

static int status_rank(enum status s)
{
	static const int rank[ST_COUNT] = { 0, 1, 4, 2, 3 };
	return rank[s];
}

static int cmp_worst_first(const void *pa, const void *pb)
{
	const struct row *a = *(const struct row *const *)pa, *b = *(const struct row *const *)pb;
	int ra = status_rank(a->status), rb = status_rank(b->status);
	if (ra != rb)
		return ra - rb;
	double wa = worseness(a), wb = worseness(b);
	if (a->status == ST_IMPROVEMENT)
		wa = -wa, wb = -wb;   /* the biggest improvement first */
	if (wa != wb)
		return wa > wb ? -1 : 1;
	return a < b ? -1 : a > b;
}

static const struct row **sorted_rows(const struct compare *c)
{
	const struct row **v = xmalloc((c->nrows + 1) * sizeof *v);
	for (size_t i = 0; i < c->nrows; i++)
		v[i] = &c->rows[i];
	qsort(v, c->nrows, sizeof *v, cmp_worst_first);
	return v;
}

static const char *row_unit(const struct row *r)
{
	const struct jmh_metric *m = r->cm ? r->cm : r->bm;
	return m->unit;
}

/* A value for people: enough digits to see a few-percent change. */
static void fmt_value(char *buf, size_t size, double v)
{
	double a = fabs(v);
	if (isnan(v))
		snprintf(buf, size, "-");
	else if (isinf(v))
		snprintf(buf, size, "%sinf", v < 0 ? "-" : "");
	else if (a == 0)
		snprintf(buf, size, "0");
	else if (a >= 1e9 || a < 1e-3)
		snprintf(buf, size, "%.4g", v);
	else if (a >= 1000)
		snprintf(buf, size, "%.1f", v);
	else
		snprintf(buf, size, "%.3f", v);
}

static void fmt_change(char *buf, size_t size, double change)
{
	if (isnan(change))
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%+.2f%%", change);
}

static void fmt_p(char *buf, size_t size, const struct row *r)
{
	if (isnan(r->p))
		snprintf(buf, size, "-");
	else if (r->p < 0.0001)
		snprintf(buf, size, "<0.0001");
	else
		snprintf(buf, size, "%.4f", r->p);
}

static void fmt_geomean(char *buf, size_t size, const struct compare *c)
{
	if (!c->geomean_n)
		snprintf(buf, size, "geomean: no comparable benchmarks");
	else
		snprintf(buf, size, "geomean of current/baseline: %.4f (%+.2f%%) over %zu benchmark%s",
			 c->geomean_ratio, (c->geomean_ratio - 1) * 100, c->geomean_n,
			 c->geomean_n == 1 ? "" : "s");
}

static const char *row_name(const struct row *r, struct strbuf *sb)
{
	sb_reset(sb);
	sb_adds(sb, r->res->label);
	sb_addf(sb, " [%s]", r->res->mode);
	if (!is_primary(r))
		sb_addf(sb, " %s", r->metric);
	return sb->buf;
}

/* ---- text ---- */

struct col {
	const char *head;
	size_t width;
	bool right;
};

static size_t utf8_width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

static void put_cell(FILE *fp, const char *s, size_t width, bool right, bool last)
{
	size_t w = utf8_width(s);
	size_t pad = width > w ? width - w : 0;
	if (right)
		fprintf(fp, "%*s%s", (int)pad, "", s);
	else if (last)
		fputs(s, fp);
	else
		fprintf(fp, "%s%*s", s, (int)pad, "");
}

#define NCOLS 6
static void text_section(FILE *fp, const struct compare *c, const struct row **v, size_t n,
			 enum status st, const char *title, const char *colour, bool use_colour)
{
	size_t count = 0;
	for (size_t i = 0; i < n; i++)
		if (v[i]->status == st)
			count++;
	if (!count)
		return;
	struct strbuf sb = STRBUF_INIT;
	struct col cols[NCOLS] = {
		{ "benchmark", 0, false }, { "baseline", 0, true }, { "current", 0, true },
		{ "change", 0, true }, { "p", 0, true }, { "unit", 0, false },
	};
	char (*cells)[NCOLS][64] = xmalloc(count * sizeof *cells);
	char **names = xmalloc(count * sizeof *names);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const struct row *r = v[i];
		if (r->status != st)
			continue;
		names[k] = xstrdup(row_name(r, &sb));
		fmt_value(cells[k][1], 64, r->baseline);
		fmt_value(cells[k][2], 64, r->current);
		fmt_change(cells[k][3], 64, r->change);
		fmt_p(cells[k][4], 64, r);
		snprintf(cells[k][5], 64, "%s", row_unit(r));
		k++;
	}
	for (int j = 0; j < NCOLS; j++)
		cols[j].width = utf8_width(cols[j].head);
	for (size_t i = 0; i < count; i++) {
		size_t w = utf8_width(names[i]);
		if (w > cols[0].width)
			cols[0].width = w;
		for (int j = 1; j < NCOLS; j++) {
			w = utf8_width(cells[i][j]);
			if (w > cols[j].width)
				cols[j].width = w;
		}
	}
	if (use_colour)
		fprintf(fp, "\033[1;%sm%s (%zu)\033[0m\n", colour, title, count);
	else
		fprintf(fp, "%s (%zu)\n", title, count);
	fputs("  ", fp);
	for (int j = 0; j < NCOLS; j++) {
		put_cell(fp, cols[j].head, cols[j].width, cols[j].right, j == NCOLS - 1);
		fputs(j == NCOLS - 1 ? "\n" : "  ", fp);
	}
	for (size_t i = 0; i < count; i++) {
		fputs("  ", fp);
		if (use_colour)
			fprintf(fp, "\033[%sm", colour);
		put_cell(fp, names[i], cols[0].width, false, false);
		for (int j = 1; j < NCOLS; j++) {
			fputs("  ", fp);
			put_cell(fp, cells[i][j], cols[j].width, cols[j].right, j == NCOLS - 1);
		}
		if (use_colour)
			fputs("\033[0m", fp);
		fputc('\n', fp);
		free(names[i]);
	}
	fputc('\n', fp);
	free(names);
	free(cells);
	sb_release(&sb);
}

static void report_text(FILE *fp, const struct compare *c)
{
	bool colour = c->colour == 1 || (c->colour == -1 && !c->output && want_colour(fp));
	const struct row **v = sorted_rows(c);
	size_t compared = c->count[ST_REGRESSION] + c->count[ST_IMPROVEMENT] + c->count[ST_STABLE];
	char gm[160];
	fmt_geomean(gm, sizeof gm, c);

	fprintf(fp, "=== PERFORMANCE REGRESSION ANALYSIS ===\n");
	fprintf(fp, "baseline: %s (%zu results)\ncurrent:  %s (%zu results)\n\n",
		c->base.display, c->base.n, c->cur.display, c->cur.n);
	fprintf(fp, "SUMMARY: %zu compared: %zu regression%s, %zu improvement%s, %zu stable; %zu missing, %zu new\n",
		compared, c->count[ST_REGRESSION], c->count[ST_REGRESSION] == 1 ? "" : "s",
		c->count[ST_IMPROVEMENT], c->count[ST_IMPROVEMENT] == 1 ? "" : "s",
		c->count[ST_STABLE], c->count[ST_MISSING], c->count[ST_NEW]);
	fprintf(fp, "%s\n\n", gm);
	text_section(fp, c, v, c->nrows, ST_REGRESSION, "REGRESSIONS", "31", colour);
	text_section(fp, c, v, c->nrows, ST_IMPROVEMENT, "IMPROVEMENTS", "32", colour);
	text_section(fp, c, v, c->nrows, ST_MISSING, "MISSING (in baseline, not in current)", "33", colour);
	text_section(fp, c, v, c->nrows, ST_NEW, "NEW (in current, not in baseline)", "36", colour);
	if (c->show_stable)
		text_section(fp, c, v, c->nrows, ST_STABLE, "STABLE", "0", colour);
	fprintf(fp, "Changes count when beyond their threshold and, with raw samples on both sides,\n"
		    "significant (Mann-Whitney U, Benjamini-Hochberg FDR %g).\n", c->alpha_used);
	if (c->count[ST_REGRESSION]) {
		if (colour)
			fputs("\033[1;31m", fp);
		fputs("RESULT: REGRESSION DETECTED", fp);
		if (colour)
			fputs("\033[0m", fp);
	} else {
		if (colour)
			fputs("\033[1;32m", fp);
		fputs("RESULT: NO REGRESSIONS DETECTED", fp);
		if (colour)
			fputs("\033[0m", fp);
	}
	fputc('\n', fp);
	free(v);
}

/* ---- markdown ---- */

/* Escape text from the data for a GitHub markdown table cell. */
static void md_escape(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': sb_adds(sb, "&lt;"); break;
		case '>': sb_adds(sb, "&gt;"); break;
		case '&': sb_adds(sb, "&amp;"); break;
		case '|': sb_adds(sb, "\\|"); break;
		case '\n': case '\r': sb_addc(sb, ' '); break;
		case '\\': case '`': case '*': case '_': case '[': case ']':
		case '#': case '~': case '!': case '$':
			sb_addc(sb, '\\');
			sb_addc(sb, *s);
			break;
		default:
			sb_addc(sb, *s);
		}
	}
}

static void md_row(struct strbuf *sb, const struct row *r, bool icon)
{
	static const char *const icons[ST_COUNT] = { "\xf0\x9f\x94\xb4", "\xf0\x9f\x9f\xa2", "\xe2\x9a\xaa",
						     "\xe2\x9a\xa0\xef\xb8\x8f", "\xf0\x9f\x86\x95" };
	char b[64], cu[64], ch[64], p[64];
	fmt_value(b, sizeof b, r->baseline);
	fmt_value(cu, sizeof cu, r->current);
	fmt_change(ch, sizeof ch, r->change);
	fmt_p(p, sizeof p, r);
	sb_adds(sb, "| ");
	if (icon) {
		sb_adds(sb, icons[r->status]);
		sb_adds(sb, " | ");
	}
	md_escape(sb, r->res->label);
	sb_adds(sb, " | ");
	md_escape(sb, r->res->mode);
	sb_adds(sb, " | ");
	md_escape(sb, r->metric);
	sb_addf(sb, " | %s | %s | ", b, cu);
	md_escape(sb, row_unit(r));
	sb_addf(sb, " | %s | %s |\n", ch, p);
}

static void markdown_build(struct strbuf *sb, const struct compare *c)
{
	const struct row **v = sorted_rows(c);
	size_t changed = c->nrows - c->count[ST_STABLE];
	char gm[160];
	fmt_geomean(gm, sizeof gm, c);
	if (c->count[ST_REGRESSION])
		sb_addf(sb, "### \xe2\x9d\x8c Performance: %zu regression%s detected\n\n",
			c->count[ST_REGRESSION], c->count[ST_REGRESSION] == 1 ? "" : "s");
	else
		sb_adds(sb, "### \xe2\x9c\x85 Performance: no regressions detected\n\n");
	sb_addf(sb, "**%zu** regression%s, **%zu** improvement%s, **%zu** stable, **%zu** missing, **%zu** new. %s.\n\n",
		c->count[ST_REGRESSION], c->count[ST_REGRESSION] == 1 ? "" : "s",
		c->count[ST_IMPROVEMENT], c->count[ST_IMPROVEMENT] == 1 ? "" : "s",
		c->count[ST_STABLE], c->count[ST_MISSING], c->count[ST_NEW], gm);
	static const char head[] = "| benchmark | mode | metric | baseline | current | unit | change | p |\n"
				   "|---|---|---|---:|---:|---|---:|---:|\n";
	if (changed) {
		sb_adds(sb, "| | benchmark | mode | metric | baseline | current | unit | change | p |\n"
			    "|---|---|---|---|---:|---:|---|---:|---:|\n");
		for (size_t i = 0; i < c->nrows; i++)
			if (v[i]->status != ST_STABLE)
				md_row(sb, v[i], true);
		sb_addc(sb, '\n');
	}
	if (c->count[ST_STABLE]) {
		sb_addf(sb, "<details><summary>%zu stable</summary>\n\n%s", c->count[ST_STABLE], head);
		for (size_t i = 0; i < c->nrows; i++)
			if (v[i]->status == ST_STABLE)
				md_row(sb, v[i], false);
		sb_adds(sb, "\n</details>\n\n");
	}
	sb_addf(sb, "<sub>perf compare: medians of raw samples where both sides have them, "
		    "Mann-Whitney U test with Benjamini-Hochberg FDR %g; baseline ", c->alpha_used);
	md_escape(sb, c->base.display);
	sb_adds(sb, ", current ");
	md_escape(sb, c->cur.display);
	sb_adds(sb, ".</sub>\n");
	free(v);
}

/* ---- json ---- */

static void json_row(struct jsonw *w, const struct row *r)
{
	jw_obj_begin(w);
	jw_key(w, "benchmark");
	jw_str(w, r->res->benchmark);
	jw_key(w, "mode");
	jw_str(w, r->res->mode);
	jw_key(w, "params");
	jw_obj_begin(w);
	for (size_t k = 0; k < r->res->nparams; k++) {
		jw_key(w, r->res->params[k].key);
		jw_str(w, r->res->params[k].value);
	}
	jw_obj_end(w);
	jw_key(w, "metric");
	jw_str(w, r->metric);
	jw_key(w, "unit");
	jw_str(w, row_unit(r));
	jw_key(w, "better");
	jw_str(w, r->better > 0 ? "higher" : "lower");
	jw_key(w, "baseline");
	jw_num(w, r->baseline);
	jw_key(w, "current");
	jw_num(w, r->current);
	jw_key(w, "change_percent");
	jw_num(w, r->change);
	jw_key(w, "threshold_percent");
	if (r->status == ST_MISSING || r->status == ST_NEW)
		jw_null(w);
	else
		jw_num(w, r->threshold);
	jw_key(w, "p_value");
	jw_num(w, r->p);
	jw_key(w, "q_value");
	jw_num(w, r->q);
	jw_key(w, "significant");
	if (r->decided == BY_TEST)
		jw_bool(w, r->significant);
	else
		jw_null(w);
	jw_key(w, "decided_by");
	jw_str(w, r->decided == BY_TEST ? "test" : r->decided == BY_THRESHOLD ? "threshold" : NULL);
	jw_key(w, "samples");
	jw_arr_begin(w);
	jw_int(w, (long long)r->nb);
	jw_int(w, (long long)r->nc);
	jw_arr_end(w);
	jw_key(w, "status");
	jw_str(w, status_names[r->status]);
	if (r->note) {
		jw_key(w, "note");
		jw_str(w, r->note);
	}
	jw_obj_end(w);
}

/* The "benchmarks" array in pieces of JSON_PIECE rows, which the threads
 * (this one among them) take in turn and write into a ring of buffers;
 * this thread writes the finished pieces out in order, and a buffer takes
 * a new piece once its last one is out.  So a few buffers are filled again
 * and again, their pages faulted in once, rather than one the size of the
 * report; and no thread waits for a share fixed beforehand. */
#define JSON_PIECE 256
#define JSON_SLOTS_PER_THREAD 2

struct json_slot {
	struct strbuf sb;
	struct jsonw w;        /* a fork writing into sb */
	bool ready;            /* its piece is written, not yet out */
};

struct json_pipe {
	const struct compare *c;
	struct jsonw *out;     /* the report's writer: this thread only */
	struct jsonw at;       /* its state inside the array, to fork from */
	size_t pieces;
	size_t next;           /* the next piece to take */
	size_t done;           /* pieces written out */
	unsigned nslots;
	struct json_slot slot[JSON_SLOTS_PER_THREAD * MAX_THREADS];
	pthread_mutex_t lock;
	pthread_cond_t change; /* a piece taken, finished or out */
};

/* Out with the finished pieces that are next in order (lock held). */
static void json_drain(struct json_pipe *jp)
{
	while (jp->done < jp->pieces) {
		struct json_slot *s = &jp->slot[jp->done % jp->nslots];
		if (!s->ready)
			return;
		pthread_mutex_unlock(&jp->lock);
		jw_join(jp->out, &s->w);
		pthread_mutex_lock(&jp->lock);
		s->ready = false;
		jp->done++;
		pthread_cond_broadcast(&jp->change);
	}
}

/* Take pieces and write them until none is left; the writer (this thread)
 * also writes them out, and stays until all are out.  Progress: piece
 * `done` has a free buffer, so whoever took it is writing it, not
 * waiting. */
static void json_work(struct json_pipe *jp, bool writer)
{
	pthread_mutex_lock(&jp->lock);
	for (;;) {
		if (writer)
			json_drain(jp);
		size_t i = jp->next;
		if (i >= jp->pieces) {
			if (!writer || jp->done == jp->pieces)
				break;
			pthread_cond_wait(&jp->change, &jp->lock);
			continue;
		}
		if (i >= jp->done + jp->nslots) {   /* its buffer is still full */
			pthread_cond_wait(&jp->change, &jp->lock);
			continue;
		}
		jp->next++;
		pthread_mutex_unlock(&jp->lock);
		struct json_slot *s = &jp->slot[i % jp->nslots];
		sb_reset(&s->sb);
		jw_fork(&s->w, &s->sb, &jp->at, i > 0);
		size_t from = i * JSON_PIECE, to = from + JSON_PIECE;
		if (to > jp->c->nrows)
			to = jp->c->nrows;
		for (size_t r = from; r < to; r++)
			json_row(&s->w, &jp->c->rows[r]);
		pthread_mutex_lock(&jp->lock);
		s->ready = true;
		pthread_cond_broadcast(&jp->change);
	}
	pthread_mutex_unlock(&jp->lock);
}

static void *json_worker(void *arg)
{
	json_work(arg, false);
	return NULL;
}

static void json_rows(struct jsonw *w, const struct compare *c)
{
	struct json_pipe *jp = xcalloc(1, sizeof *jp);
	unsigned k = split_count(c, c->nrows);
	jp->c = c;
	jp->out = w;
	jp->at = *w;
	jp->pieces = (c->nrows + JSON_PIECE - 1) / JSON_PIECE;
	jp->nslots = JSON_SLOTS_PER_THREAD * k;
	pthread_mutex_init(&jp->lock, NULL);
	pthread_cond_init(&jp->change, NULL);
	pthread_t th[MAX_THREADS];
	bool started[MAX_THREADS] = { false };
	for (unsigned i = 1; i < k; i++)
		started[i] = pthread_create(&th[i], NULL, json_worker, jp) == 0;
	json_work(jp, true);
	for (unsigned i = 1; i < k; i++)
		if (started[i])
			pthread_join(th[i], NULL);
	for (unsigned i = 0; i < jp->nslots; i++)
		sb_release(&jp->slot[i].sb);
	pthread_cond_destroy(&jp->change);
	pthread_mutex_destroy(&jp->lock);
	free(jp);
}

static void report_json(FILE *fp, const struct compare *c)
{
	struct jsonw w;
	jw_init(&w, fp, true);
	jw_obj_begin(&w);
	jw_key(&w, "result");
	jw_str(&w, c->count[ST_REGRESSION] ? "regression" : "ok");
	jw_key(&w, "summary");
	jw_obj_begin(&w);
	jw_key(&w, "regressions");
	jw_int(&w, (long long)c->count[ST_REGRESSION]);
	jw_key(&w, "improvements");
	jw_int(&w, (long long)c->count[ST_IMPROVEMENT]);
	jw_key(&w, "stable");
	jw_int(&w, (long long)c->count[ST_STABLE]);
	jw_key(&w, "missing");
	jw_int(&w, (long long)c->count[ST_MISSING]);
	jw_key(&w, "new");
	jw_int(&w, (long long)c->count[ST_NEW]);
	jw_obj_end(&w);
	jw_key(&w, "geomean_ratio");
	jw_num(&w, c->geomean_ratio);
	jw_key(&w, "alpha");
	jw_num(&w, c->alpha_used);
	jw_key(&w, "benchmarks");
	jw_arr_begin(&w);
	json_rows(&w, c);
	jw_arr_end(&w);
	jw_obj_end(&w);
	jw_end(&w);
}

/* ---- junit ---- */

static void xml_escape(FILE *fp, const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		switch (ch) {
		case '&': fputs("&amp;", fp); break;
		case '<': fputs("&lt;", fp); break;
		case '>': fputs("&gt;", fp); break;
		case '"': fputs("&quot;", fp); break;
		case '\'': fputs("&apos;", fp); break;
		default:
			/* XML 1.0 allows no other control characters. */
			if (ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r')
				fputc('?', fp);
			else
				fputc(ch, fp);
		}
	}
}

static void row_detail(char *buf, size_t size, const struct row *r)
{
	char b[64], cu[64], ch[64], p[64];
	fmt_value(b, sizeof b, r->baseline);
	fmt_value(cu, sizeof cu, r->current);
	fmt_change(ch, sizeof ch, r->change);
	fmt_p(p, sizeof p, r);
	snprintf(buf, size, "%s (%s -> %s %s, threshold %g%%, p %s, %s is better)",
		 ch, b, cu, row_unit(r), r->threshold, p, r->better > 0 ? "higher" : "lower");
}

static void report_junit(FILE *fp, const struct compare *c)
{
	size_t failures = c->count[ST_REGRESSION], skipped = c->count[ST_MISSING];
	fprintf(fp, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(fp, "<testsuites name=\"perf compare\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\">\n",
		c->nrows, failures, skipped);
	fprintf(fp, "  <testsuite name=\"perf compare\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\" time=\"0\">\n",
		c->nrows, failures, skipped);
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < c->nrows; i++) {
		const struct row *r = &c->rows[i];
		const char *name = r->res->benchmark, *dot = strrchr(name, '.');
		char detail[512];
		row_detail(detail, sizeof detail, r);
		fputs("    <testcase classname=\"", fp);
		if (dot) {
			char *cls = xstrndup(name, (size_t)(dot - name));
			xml_escape(fp, cls);
			free(cls);
			name = dot + 1;
		} else {
			xml_escape(fp, "jmh");
		}
		fputs("\" name=\"", fp);
		sb_reset(&sb);
		sb_adds(&sb, name);
		sb_adds(&sb, r->res->label + strlen(r->res->benchmark));
		sb_addf(&sb, " [%s]", r->res->mode);
		if (!is_primary(r))
			sb_addf(&sb, " %s", r->metric);
		xml_escape(fp, sb.buf);
		fputs("\" time=\"0\">", fp);
		switch (r->status) {
		case ST_REGRESSION:
			fputs("\n      <failure type=\"regression\" message=\"regression ", fp);
			xml_escape(fp, detail);
			fputs("\">", fp);
			xml_escape(fp, detail);
			fputs("</failure>\n    ", fp);
			break;
		case ST_MISSING:
			fputs("\n      <skipped message=\"missing from the current results\"/>\n    ", fp);
			break;
		case ST_NEW:
			fputs("\n      <system-out>new benchmark, no baseline</system-out>\n    ", fp);
			break;
		default:
			fputs("\n      <system-out>", fp);
			fputs(status_names[r->status], fp);
			fputs(" ", fp);
			xml_escape(fp, detail);
			fputs("</system-out>\n    ", fp);
		}
		fputs("</testcase>\n", fp);
	}
	fputs("  </testsuite>\n</testsuites>\n", fp);
	sb_release(&sb);
}

/* ---- github ---- */

/* Workflow-command data: %, CR and LF are escaped; properties also : and ,. */
static void gh_escape(FILE *fp, const char *s, bool property)
{
	for (; *s; s++) {
		switch (*s) {
		case '%': fputs("%25", fp); break;
		case '\r': fputs("%0D", fp); break;
		case '\n': fputs("%0A", fp); break;
		case ':': fputs(property ? "%3A" : ":", fp); break;
		case ',': fputs(property ? "%2C" : ",", fp); break;
		default: fputc(*s, fp);
		}
	}
}

static int report_github(FILE *fp, const struct compare *c)
{
	const struct row **v = sorted_rows(c);
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < c->nrows; i++) {
		const struct row *r = v[i];
		const char *cmd, *title;
		switch (r->status) {
		case ST_REGRESSION: cmd = "error"; title = "Performance regression"; break;
		case ST_IMPROVEMENT: cmd = "notice"; title = "Performance improvement"; break;
		case ST_MISSING: cmd = "warning"; title = "Benchmark missing"; break;
		default: continue;
		}
		char detail[512];
		row_detail(detail, sizeof detail, r);
		fprintf(fp, "::%s title=", cmd);
		gh_escape(fp, title, true);
		fputs("::", fp);
		gh_escape(fp, row_name(r, &sb), false);
		if (r->status == ST_MISSING) {
			fputs(" is in the baseline but not in the current results", fp);
		} else {
			fputs(": ", fp);
			gh_escape(fp, detail, false);
		}
		fputc('\n', fp);
	}
	fprintf(fp, "::notice title=perf compare::%zu regression%s, %zu improvement%s, %zu stable, %zu missing, %zu new\n",
		c->count[ST_REGRESSION], c->count[ST_REGRESSION] == 1 ? "" : "s",
		c->count[ST_IMPROVEMENT], c->count[ST_IMPROVEMENT] == 1 ? "" : "s",
		c->count[ST_STABLE], c->count[ST_MISSING], c->count[ST_NEW]);
	free(v);
	int rc = 0;
	const char *summary = getenv("GITHUB_STEP_SUMMARY");
	if (summary && *summary) {
		sb_reset(&sb);
		markdown_build(&sb, c);
		/* One write, so a concurrent step never interleaves with it. */
		if (append_line(summary, sb.buf, sb.len) != 0) {
			error("cannot append to GITHUB_STEP_SUMMARY '%s': %s", summary, strerror(errno));
			rc = -1;
		}
	}
	sb_release(&sb);
	return rc;
}

/* ---- main ---- */

struct load_job {
	const char *path;
	struct jmh_file *file;
	int rc;
	char err[1024];
};

static void *load_job_run(void *arg)
{
	struct load_job *job = arg;
	job->rc = jmh_load(job->path, job->file, job->err, sizeof job->err);
	return NULL;
}

/* Load both files, the current one on a second thread if threaded
 * (jmh_load prints nothing), then report in a fixed order: baseline
 * first, as if they had been loaded one after the other. */
static void load_both(const char *base_path, struct jmh_file *base,
		      const char *cur_path, struct jmh_file *cur, bool threaded)
{
	struct load_job jobs[2] = { { .path = base_path, .file = base },
				    { .path = cur_path, .file = cur } };
	pthread_t th;
	if (threaded)
		threaded = pthread_create(&th, NULL, load_job_run, &jobs[1]) == 0;
	load_job_run(&jobs[0]);
	if (threaded)
		pthread_join(th, NULL);
	else
		load_job_run(&jobs[1]);
	for (int i = 0; i < 2; i++) {
		if (jobs[i].rc != 0)
			die(PERF_EXIT_TROUBLE, "%s", jobs[i].err);
		jmh_flush_warnings(jobs[i].file);
		if (jobs[i].file->n == 0)
			warn("%s: no benchmark results", jobs[i].file->display);
	}
}

static void compare_free(struct compare *c)
{
	for (unsigned i = 0; i < MAX_THREADS; i++)
		arena_free(&c->names[i]);
	big_free(c->rows, c->rowalloc * sizeof *c->rows);
	jmh_file_free(&c->base);
	jmh_file_free(&c->cur);
	config_free(&c->cfg);
	if (c->have_filter)
		regfree(&c->filter);
}

int cmd_compare(int argc, char **argv)
{
	enum { OPT_NO_SECONDARY = 256, OPT_SHOW_STABLE, OPT_COLOR };
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "config", required_argument, NULL, 'c' },
		{ "level", required_argument, NULL, 'l' },
		{ "threshold", required_argument, NULL, 't' },
		{ "alpha", required_argument, NULL, 'a' },
		{ "filter", required_argument, NULL, 'F' },
		{ "no-secondary", no_argument, NULL, OPT_NO_SECONDARY },
		{ "show-stable", no_argument, NULL, OPT_SHOW_STABLE },
		{ "color", required_argument, NULL, OPT_COLOR },
		{ "colour", required_argument, NULL, OPT_COLOR },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct compare c = {
		.format = FMT_TEXT, .threshold = NAN, .level_threshold = NAN, .alpha = NAN,
		.secondary = true, .colour = -1,
		.cfg = { .default_threshold = NAN, .alpha = NAN },
	};
	const char *config_path = NULL, *filter = NULL;
	int opt;
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, ":f:o:c:l:t:a:F:qvh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			c.format = (enum format)opt_keyword("format", optarg, format_names, ARRAY_SIZE(format_names));
			break;
		case 'o': c.output = optarg; break;
		case 'c': config_path = optarg; break;
		case 'l': {
			static const char *const levels[] = { "commit", "pr", "release" };
			static const double level_pct[] = { 2, 5, 0 };
			c.level_threshold = level_pct[opt_keyword("level", optarg, levels, ARRAY_SIZE(levels))];
			c.level = optarg;
			break;
		}
		case 't': c.threshold = parse_number("threshold", optarg, 0, 1e6, false); break;
		case 'a': c.alpha = parse_number("alpha", optarg, 0, 0.5, true); break;
		case 'F': filter = optarg; break;
		case OPT_NO_SECONDARY: c.secondary = false; break;
		case OPT_SHOW_STABLE: c.show_stable = true; break;
		case OPT_COLOR: {
			static const char *const whens[] = { "auto", "always", "never" };
			static const int colour[] = { -1, 1, 0 };
			c.colour = colour[opt_keyword("--color value", optarg, whens, ARRAY_SIZE(whens))];
			break;
		}
		case 'q': msg_verbosity = -1; break;
		case 'v': msg_verbosity++; break;
		case 'h':
			fputs(compare_usage, stdout);
			return PERF_EXIT_OK;
		case ':':
			die(PERF_EXIT_TROUBLE, "option '%s' needs a value; see 'perf compare --help'", argv[optind - 1]);
		default:
			if (optopt)
				die(PERF_EXIT_TROUBLE, "unknown option '-%c'; see 'perf compare --help'", optopt);
			die(PERF_EXIT_TROUBLE, "unknown option '%s'; see 'perf compare --help'", argv[optind - 1]);
		}
	}
	if (argc - optind != 2)
		die(PERF_EXIT_TROUBLE, "expected BASELINE and CURRENT files, got %d argument%s; see 'perf compare --help'",
		    argc - optind, argc - optind == 1 ? "" : "s");
	const char *base_path = argv[optind], *cur_path = argv[optind + 1];
	int stdin_users = !strcmp(base_path, "-") + !strcmp(cur_path, "-") +
			  (config_path && !strcmp(config_path, "-"));
	if (stdin_users > 1)
		die(PERF_EXIT_TROUBLE, "only one of BASELINE, CURRENT and --config can be standard input");

	if (filter) {
		int e = regcomp(&c.filter, filter, REG_EXTENDED | REG_NOSUB);
		if (e) {
			char buf[256];
			regerror(e, &c.filter, buf, sizeof buf);
			die(PERF_EXIT_TROUBLE, "invalid --filter regular expression '%s': %s", filter, buf);
		}
		c.have_filter = true;
	}
	if (config_path)
		config_load(&c.cfg, config_path);
	c.alpha_used = !isnan(c.alpha) ? c.alpha : !isnan(c.cfg.alpha) ? c.cfg.alpha : 0.05;

	choose_threads(&c);
	load_both(base_path, &c.base, cur_path, &c.cur, c.threads > 1);
	info("loaded %zu results from %s and %zu from %s", c.base.n, c.base.display,
	     c.cur.n, c.cur.display);

	build_rows(&c);
	measure_rows(&c);
	classify_rows(&c);

	struct outfile out;
	if (out_open(&out, c.output) != 0)
		die_errno(PERF_EXIT_TROUBLE, "cannot create '%s'", c.output);
	int rc = 0;
	switch (c.format) {
	case FMT_TEXT: report_text(out.fp, &c); break;
	case FMT_MARKDOWN: {
		struct strbuf sb = STRBUF_INIT;
		markdown_build(&sb, &c);
		fwrite(sb.buf, 1, sb.len, out.fp);
		sb_release(&sb);
		break;
	}
	case FMT_JSON: report_json(out.fp, &c); break;
	case FMT_JUNIT: report_junit(out.fp, &c); break;
	case FMT_GITHUB: rc = report_github(out.fp, &c); break;
	}
	if (out_commit(&out) != 0) {
		if (c.output)
			die_errno(PERF_EXIT_TROUBLE, "cannot write '%s'", c.output);
		/* stdout: main() reports the write error. */
	}
	int status = rc ? PERF_EXIT_TROUBLE : c.count[ST_REGRESSION] ? PERF_EXIT_FOUND : PERF_EXIT_OK;
	compare_free(&c);
	return status;
}
