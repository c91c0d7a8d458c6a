/* perf weekly: the weekly performance report, for people who would rather
 * look than read (cron on Monday morning, CI summaries).
 *
 * Reads the history file for one week and the week before it, seeking to
 * the start by timestamp so that the cost does not grow with the history,
 * and reports the original template's figures (chunk loading, memory,
 * TPS), every metric's change against the previous week, the regression
 * events recorded that week, and recommendations derived from the figures.
 * Formats: html (one self-contained file, inline CSS and SVG), markdown,
 * json (the contract's names).  Exit 1 when the week holds a regression.
 *
 * Stands on: history.c (reading), stats.c (percentiles), html.c (escaping,
 * charts), jsonw.c (json), strmap.c, timeutil.c, util.c, msg.c. */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "applets.h"
#include "history.h"
#include "html.h"
#include "jsonw.h"
#include "msg.h"
#include "stats.h"
#include "strmap.h"
#include "timeutil.h"
#include "util.h"

static const char weekly_usage[] =
"Usage: perf weekly [OPTION]...\n"
"Write the weekly performance report from the history file.\n"
"\n"
"      --history=FILE     the history (JSON Lines; - for standard input);\n"
"                         default $PERF_HISTORY, else perf-history.jsonl\n"
"  -w, --week-start=DATE  the week's first day, YYYY-MM-DD (UTC); default the\n"
"                         last whole Monday-to-Sunday week\n"
"  -f, --format=FORMAT    html (default), markdown or json\n"
"  -o, --output=FILE      write the report to FILE (atomically) instead of stdout\n"
"  -t, --threshold=PCT    a change beyond PCT percent is a regression or an\n"
"                         improvement, else stable (default 5)\n"
"      --title=TEXT       the report's title (default \"Weekly Performance Report\")\n"
"  -q, --quiet            no warnings\n"
"  -v, --verbose          say more about what is read\n"
"  -h, --help             print this help and exit\n"
"\n"
"Exit status: 0 report written, no regression; 1 report written, the week\n"
"holds a regression; 2 trouble (bad option, unreadable history).\n"
"See perf-weekly(1) for the figures and how they are computed.\n";

enum format { FMT_HTML, FMT_MARKDOWN, FMT_JSON };
static const char *const format_names[] = { "html", "markdown", "json" };

#define WEEK (7 * 86400)
#define STABLE_TPS 19.5
#define WINDOW_SECONDS 300

/* The metrics the original template's families stand on. */
#define M_CHUNK "chunk_loading.average_ms"
#define M_HEAP "memory.heap_used_mb"
#define M_PEAK "memory.peak_mb"
#define M_GC "memory.gc_count"
#define M_TPS "tps.average"
static const char *const family_metrics[] = { M_CHUNK, M_HEAP, M_PEAK, M_GC, M_TPS };

enum { PREV, THIS };

struct point {
	time_t t;
	double v;
};

struct series {
	struct point *p;
	size_t n, alloc;
};

struct metric {
	char *name;
	struct series week[2];
	int better;              /* +1 higher is better, -1 lower */
	double mean[2];
};

struct event {
	time_t t;
	char *type, *severity, *issue_url;
	double current, baseline;
};

enum change_type { CH_REGRESSION, CH_IMPROVEMENT, CH_STABLE };
static const char *const change_names[] = { "regression", "improvement", "stable" };

struct change {
	const struct metric *m;   /* NULL for an event */
	const struct event *ev;
	enum change_type type;
	double impact;            /* percent, NAN when undefined */
	char *description;
};

/* The template's figures for one week; NAN where they cannot be had. */
struct figures {
	double cl_avg, cl_p95;
	double heap_avg, peak_max, gc_per_hour;
	double tps_avg, tps_stability, tps_worst;
	time_t tps_worst_at;
	size_t cl_n, heap_n, peak_n, gc_n, tps_n;
};

struct weekly {
	const char *history;
	const char *output;
	const char *title;
	enum format format;
	double threshold;
	time_t start, end, prev_start;
	char start_s[16], end_s[16], prev_s[16];
	struct metric *metrics;
	size_t nmetrics, malloc_;
	struct strmap index;
	struct event *events;
	size_t nevents, ealloc;
	size_t samples[2];
	time_t first[2], last[2];
	struct figures fig[2];
	double cl_wow;
	struct change *changes;
	size_t nchanges;
	size_t count[3];
	char **recs;
	size_t nrecs, ralloc;
};

/* ---- reading ---- */

static struct metric *metric_get(struct weekly *w, const char *name)
{
	size_t i;
	if (strmap_get(&w->index, name, &i))
		return &w->metrics[i];
	GROW(w->metrics, w->malloc_, w->nmetrics + 1);
	struct metric *m = &w->metrics[w->nmetrics];
	memset(m, 0, sizeof *m);
	m->name = xstrdup(name);
	strmap_put(&w->index, m->name, w->nmetrics, NULL);
	w->nmetrics++;
	return m;
}

static void series_add(struct series *s, time_t t, double v)
{
	GROW(s->p, s->alloc, s->n + 1);
	s->p[s->n].t = t;
	s->p[s->n++].v = v;
}

struct sample_ctx {
	struct weekly *w;
	int week;
	time_t t;
};

static void add_metric(const char *name, double v, void *vctx)
{
	struct sample_ctx *c = vctx;
	if (isfinite(v))
		series_add(&metric_get(c->w, name)->week[c->week], c->t, v);
}

static char *str_field(const struct json_doc *doc, const char *key)
{
	int i = json_obj_get(doc, 0, key);
	return i >= 0 ? json_string(doc, i) : NULL;
}

static double num_field(const struct json_doc *doc, const char *key)
{
	double v;
	return history_metric(doc, 0, key, &v) == 0 ? v : NAN;
}

static int take_record(const struct history_record *rec, void *vctx)
{
	struct weekly *w = vctx;
	int week = rec->timestamp >= w->start ? THIS : PREV;
	if (rec->is_event) {
		int e = json_obj_get(rec->doc, 0, "event");
		if (week != THIS || !json_str_eq(rec->doc, e, "regression"))
			return 0;
		GROW(w->events, w->ealloc, w->nevents + 1);
		struct event *ev = &w->events[w->nevents++];
		ev->t = rec->timestamp;
		ev->type = str_field(rec->doc, "type");
		ev->severity = str_field(rec->doc, "severity");
		ev->issue_url = str_field(rec->doc, "issue_url");
		ev->current = num_field(rec->doc, "current");
		ev->baseline = num_field(rec->doc, "baseline");
		return 0;
	}
	if (!w->samples[week] || rec->timestamp < w->first[week])
		w->first[week] = rec->timestamp;
	if (!w->samples[week] || rec->timestamp > w->last[week])
		w->last[week] = rec->timestamp;
	w->samples[week]++;
	struct sample_ctx c = { w, week, rec->timestamp };
	history_each_metric(rec->doc, 0, add_metric, &c);
	return 0;
}

/* ---- figures ---- */

static double series_mean(const struct series *s)
{
	if (!s->n)
		return NAN;
	double sum = 0;
	for (size_t i = 0; i < s->n; i++)
		sum += s->p[i].v;
	return sum / (double)s->n;
}

static double *sorted_values(const struct series *s)
{
	double *x = xcalloc(s->n ? s->n : 1, sizeof *x);
	for (size_t i = 0; i < s->n; i++)
		x[i] = s->p[i].v;
	for (size_t i = 1; i < s->n; i++) {   /* sort only when not in order */
		if (x[i] < x[i - 1]) {
			struct wval *wv = xcalloc(s->n, sizeof *wv);
			for (size_t k = 0; k < s->n; k++)
				wv[k] = (struct wval){ x[k], 1 };
			stats_sort(wv, s->n);
			for (size_t k = 0; k < s->n; k++)
				x[k] = wv[k].v;
			free(wv);
			break;
		}
	}
	return x;
}

static double series_percentile(const struct series *s, double pct)
{
	if (!s->n)
		return NAN;
	double *x = sorted_values(s);
	double p = stats_percentile(x, s->n, pct);
	free(x);
	return p;
}

static double series_max(const struct series *s)
{
	double m = NAN;
	for (size_t i = 0; i < s->n; i++)
		if (isnan(m) || s->p[i].v > m)
			m = s->p[i].v;
	return m;
}

static double series_min(const struct series *s)
{
	double m = NAN;
	for (size_t i = 0; i < s->n; i++)
		if (isnan(m) || s->p[i].v < m)
			m = s->p[i].v;
	return m;
}

/* Stable merge sort of points by time (the history is nearly in order,
 * so this is mostly a check). */
static void sort_points(struct point *p, size_t n)
{
	size_t i;
	for (i = 1; i < n && p[i - 1].t <= p[i].t; i++)
		;
	if (i >= n)
		return;
	struct point *tmp = xcalloc(n, sizeof *tmp);
	for (size_t width = 1; width < n; width *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * width) {
			size_t mid = lo + width < n ? lo + width : n;
			size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
			size_t a = lo, b = mid, k = lo;
			while (a < mid && b < hi)
				tmp[k++] = p[b].t < p[a].t ? p[b++] : p[a++];
			while (a < mid)
				tmp[k++] = p[a++];
			while (b < hi)
				tmp[k++] = p[b++];
		}
		memcpy(p, tmp, n * sizeof *p);
	}
	free(tmp);
}

/* The lowest mean over the samples of any window [t, t + 5 min) that
 * starts at a sample; *at gets the window's start. */
static double worst_window(const struct series *s, time_t *at)
{
	struct point *p = xcalloc(s->n ? s->n : 1, sizeof *p);
	memcpy(p, s->p, s->n * sizeof *p);
	sort_points(p, s->n);
	double worst = NAN;
	for (size_t i = 0; i < s->n; i++) {
		double sum = 0;
		size_t j;
		for (j = i; j < s->n && p[j].t < p[i].t + WINDOW_SECONDS; j++)
			sum += p[j].v;
		double mean = sum / (double)(j - i);
		if (isnan(worst) || mean < worst) {
			worst = mean;
			*at = p[i].t;
		}
	}
	free(p);
	return worst;
}

static struct series *series_of(struct weekly *w, const char *name, int week)
{
	size_t i;
	return strmap_get(&w->index, name, &i) ? &w->metrics[i].week[week] : NULL;
}

static void compute_figures(struct weekly *w, int week)
{
	static const struct series none;
	struct figures *f = &w->fig[week];
	struct series *cl = series_of(w, M_CHUNK, week), *heap = series_of(w, M_HEAP, week),
		*peak = series_of(w, M_PEAK, week), *gc = series_of(w, M_GC, week),
		*tps = series_of(w, M_TPS, week);
	const struct series *c = cl ? cl : &none, *h = heap ? heap : &none,
		*p = peak ? peak : &none, *g = gc ? gc : &none;
	f->cl_n = c->n;
	f->cl_avg = series_mean(c);
	f->cl_p95 = series_percentile(c, 95);
	f->heap_n = h->n;
	f->heap_avg = series_mean(h);
	f->peak_n = p->n;
	f->peak_max = series_max(p);
	f->gc_n = g->n;
	f->gc_per_hour = NAN;
	if (g->n && w->last[week] > w->first[week]) {
		double sum = 0;
		for (size_t i = 0; i < g->n; i++)
			sum += g->p[i].v;
		f->gc_per_hour = sum / ((double)(w->last[week] - w->first[week]) / 3600.0);
	}
	f->tps_n = tps ? tps->n : 0;
	f->tps_avg = f->tps_stability = f->tps_worst = NAN;
	if (f->tps_n) {
		f->tps_avg = series_mean(tps);
		size_t above = 0;
		for (size_t i = 0; i < tps->n; i++)
			above += tps->p[i].v > STABLE_TPS;
		f->tps_stability = 100.0 * (double)above / (double)tps->n;
		f->tps_worst = worst_window(tps, &f->tps_worst_at);
	}
}

static double percent_change(double from, double to)
{
	if (!isfinite(from) || !isfinite(to))
		return NAN;
	if (from == 0)
		return to == 0 ? 0 : NAN;
	return (to - from) / fabs(from) * 100.0;
}

/* Which way is better, by perf compare's rules read for history names: a
 * time or size unit suffix on the last part (_ms, _us, _ns, _s, _seconds,
 * _mb, _kb, _gb, _bytes) says lower, as compare's units do; then compare's
 * name keywords (time, duration, latency, memory, alloc) and heap, gc,
 * pause and error say lower; anything else, higher. */
static int metric_direction(const char *name)
{
	static const char *const lower_suffix[] = {
		"_ms", "_us", "_ns", "_s", "_sec", "_seconds", "_millis", "_mb", "_kb", "_gb", "_bytes",
	};
	static const char *const lower_words[] = {
		"time", "duration", "latency", "memory", "alloc", "heap", "gc", "pause", "error",
	};
	const char *last = strrchr(name, '.');
	last = last ? last + 1 : name;
	size_t n = strlen(last);
	for (size_t i = 0; i < ARRAY_SIZE(lower_suffix); i++) {
		size_t k = strlen(lower_suffix[i]);
		if (n > k && !strcasecmp(last + n - k, lower_suffix[i]))
			return -1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(lower_words); i++)
		if (strcasestr_ascii(name, lower_words[i]))
			return -1;
	return 1;
}

static void fmt_value(struct strbuf *sb, double v)
{
	if (!isfinite(v)) {
		sb_adds(sb, "n/a");
		return;
	}
	double a = fabs(v);
	sb_addf(sb, "%.*f", a >= 1000 ? 0 : a >= 100 ? 1 : a >= 1 ? 2 : 4, v);
}

static void fmt_pct(struct strbuf *sb, double v)
{
	if (!isfinite(v))
		sb_adds(sb, "n/a");
	else
		sb_addf(sb, "%+.1f%%", v);
}

static void fmt_time(struct strbuf *sb, time_t t)
{
	char buf[TIME_RFC3339_LEN];
	time_format_rfc3339(t, buf, sizeof buf);
	sb_adds(sb, buf);
}

static int change_rank_cmp(const void *pa, const void *pb)
{
	const struct change *a = pa, *b = pb;
	if ((a->ev != NULL) != (b->ev != NULL))
		return a->ev ? 1 : -1;
	if (a->ev)
		return a->ev->t < b->ev->t ? -1 : a->ev->t > b->ev->t;
	if (a->type != b->type)
		return (int)a->type - (int)b->type;
	double ia = isfinite(a->impact) ? fabs(a->impact) : INFINITY;
	double ib = isfinite(b->impact) ? fabs(b->impact) : INFINITY;
	if (ia != ib)
		return ia > ib ? -1 : 1;
	return strcmp(a->m->name, b->m->name);
}

static void compute_changes(struct weekly *w)
{
	w->changes = xcalloc(w->nmetrics + w->nevents + 1, sizeof *w->changes);
	for (size_t i = 0; i < w->nmetrics; i++) {
		struct metric *m = &w->metrics[i];
		m->better = metric_direction(m->name);
		m->mean[PREV] = series_mean(&m->week[PREV]);
		m->mean[THIS] = series_mean(&m->week[THIS]);
		if (!m->week[PREV].n || !m->week[THIS].n)
			continue;
		struct change *c = &w->changes[w->nchanges++];
		c->m = m;
		c->impact = percent_change(m->mean[PREV], m->mean[THIS]);
		double worse = m->mean[THIS] - m->mean[PREV];
		if (m->better > 0)
			worse = -worse;
		if (m->mean[THIS] == m->mean[PREV] ||
		    (isfinite(c->impact) && fabs(c->impact) <= w->threshold))
			c->type = CH_STABLE;
		else
			c->type = worse > 0 ? CH_REGRESSION : CH_IMPROVEMENT;
		struct strbuf d = STRBUF_INIT;
		sb_addf(&d, "mean %s from ", c->type == CH_STABLE ? "stable" :
			m->mean[THIS] > m->mean[PREV] ? "rose" : "fell");
		fmt_value(&d, m->mean[PREV]);
		sb_adds(&d, " to ");
		fmt_value(&d, m->mean[THIS]);
		sb_adds(&d, " (");
		fmt_pct(&d, c->impact);
		sb_addf(&d, ", %s is better, threshold %g%%)", m->better > 0 ? "higher" : "lower",
			w->threshold);
		c->description = sb_detach(&d, NULL);
		w->count[c->type]++;
	}
	for (size_t i = 0; i < w->nevents; i++) {
		struct event *ev = &w->events[i];
		struct change *c = &w->changes[w->nchanges++];
		c->ev = ev;
		c->type = CH_REGRESSION;
		c->impact = percent_change(ev->baseline, ev->current);
		struct strbuf d = STRBUF_INIT;
		sb_adds(&d, "regression event");
		if (ev->severity)
			sb_addf(&d, " (%s)", ev->severity);
		sb_adds(&d, " recorded ");
		fmt_time(&d, ev->t);
		if (isfinite(ev->current) || isfinite(ev->baseline)) {
			sb_adds(&d, ": ");
			fmt_value(&d, ev->current);
			sb_adds(&d, " against baseline ");
			fmt_value(&d, ev->baseline);
		}
		if (ev->issue_url)
			sb_addf(&d, "; issue %s", ev->issue_url);
		c->description = sb_detach(&d, NULL);
		w->count[CH_REGRESSION]++;
	}
	if (w->nchanges > 1)
		qsort(w->changes, w->nchanges, sizeof *w->changes, change_rank_cmp);
}

__attribute__((format(printf, 2, 3)))
static void recommend(struct weekly *w, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	GROW(w->recs, w->ralloc, w->nrecs + 1);
	w->recs[w->nrecs++] = sb_detach(&sb, NULL);
}

static void compute_recommendations(struct weekly *w)
{
	const struct figures *f = &w->fig[THIS], *p = &w->fig[PREV];
	double t = w->threshold;
	if (!w->samples[THIS]) {
		recommend(w, "The history has no samples for %s to %s (samples: 0): check that "
			  "perf alert is running and appending to %s", w->start_s, w->end_s, w->history);
		return;
	}
	if (!f->cl_n)
		recommend(w, "No %s samples this week: record chunk loading times to get its figures", M_CHUNK);
	if (!f->heap_n && !f->peak_n && !f->gc_n)
		recommend(w, "No memory samples this week (%s, %s, %s): record them to get the memory figures",
			  M_HEAP, M_PEAK, M_GC);
	if (!f->tps_n)
		recommend(w, "No %s samples this week: record TPS to get its figures", M_TPS);
	if (isfinite(w->cl_wow) && w->cl_wow > t)
		recommend(w, "Chunk loading average rose %.1f%% week over week (%.2f ms against %.2f ms, "
			  "week_over_week_change above %g%%): look for the cause among the week's commits "
			  "with perf bisect --date %s --before 7d", w->cl_wow, f->cl_avg, p->cl_avg, t, w->start_s);
	if (isfinite(f->cl_p95) && f->cl_avg > 0 && f->cl_p95 > 2.5 * f->cl_avg)
		recommend(w, "Chunk loading p95 (%.2f ms) is %.1f times the average (%.2f ms): the slow "
			  "tail dominates; look at the slowest loads (cold caches, disk I/O, generation)",
			  f->cl_p95, f->cl_p95 / f->cl_avg, f->cl_avg);
	if (isfinite(f->peak_max) && f->heap_avg > 0 && f->peak_max > 1.5 * f->heap_avg)
		recommend(w, "Peak memory (%.0f MB) is %.1f times the average heap (%.0f MB): look for "
			  "allocation spikes", f->peak_max, f->peak_max / f->heap_avg, f->heap_avg);
	double heap_wow = percent_change(p->heap_avg, f->heap_avg);
	if (isfinite(heap_wow) && heap_wow > t)
		recommend(w, "Average heap grew %.1f%% week over week (%.0f MB against %.0f MB): check for "
			  "leaks or caches without bounds", heap_wow, f->heap_avg, p->heap_avg);
	double gc_wow = percent_change(p->gc_per_hour, f->gc_per_hour);
	if (isfinite(gc_wow) && gc_wow > t)
		recommend(w, "GC ran %.1f times an hour against %.1f the week before (gc_per_hour %+.1f%%): "
			  "look at allocation rates", f->gc_per_hour, p->gc_per_hour, gc_wow);
	else if (isfinite(f->gc_per_hour) && f->gc_per_hour > 60)
		recommend(w, "GC ran %.1f times an hour (gc_per_hour above 60, more than once a minute): "
			  "look at allocation rates and heap sizing", f->gc_per_hour);
	if (isfinite(f->tps_stability) && f->tps_stability < 95)
		recommend(w, "TPS was above %.1f in only %.1f%% of samples (stability_percent below 95%%): "
			  "find what loads the server at those times", STABLE_TPS, f->tps_stability);
	if (isfinite(f->tps_worst) && f->tps_worst < 18) {
		char at[TIME_RFC3339_LEN];
		time_format_rfc3339(f->tps_worst_at, at, sizeof at);
		recommend(w, "The worst 5-minute TPS average was %.2f (worst_5min below 18), in the window "
			  "from %s: look at what ran then", f->tps_worst, at);
	}
	size_t shown = 0, more = 0;
	for (size_t i = 0; i < w->nchanges; i++) {
		const struct change *c = &w->changes[i];
		if (c->type != CH_REGRESSION)
			continue;
		if (c->ev) {
			if (!c->ev->issue_url)
				recommend(w, "The %s regression event of %s has no issue_url: open an issue "
					  "with perf respond", c->ev->type ? c->ev->type : "untyped",
					  w->start_s);
			continue;
		}
		if (shown == 5) {
			more++;
			continue;
		}
		shown++;
		struct strbuf sb = STRBUF_INIT;
		fmt_value(&sb, c->m->mean[PREV]);
		sb_adds(&sb, " to ");
		fmt_value(&sb, c->m->mean[THIS]);
		recommend(w, "%s regressed %.1f%% against the previous week (mean %s, %s is better): "
			  "investigate", c->m->name, fabs(c->impact), sb.buf,
			  c->m->better > 0 ? "higher" : "lower");
		sb_release(&sb);
	}
	if (more)
		recommend(w, "%zu more metrics regressed beyond %g%%: see the performance changes", more, t);
	if (!w->nrecs)
		recommend(w, "No action needed: no metric moved beyond %g%% against the previous week and "
			  "the figures are within their limits (stability_percent %.1f, worst_5min %.2f)",
			  t, f->tps_stability, f->tps_worst);
}

static bool is_family_metric(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(family_metrics); i++)
		if (!strcmp(name, family_metrics[i]))
			return true;
	return false;
}

static int metric_name_cmp(const void *a, const void *b)
{
	return strcmp((*(const struct metric *const *)a)->name, (*(const struct metric *const *)b)->name);
}

/* The metrics outside the template's families, by name. */
static const struct metric **other_metrics(const struct weekly *w, size_t *n)
{
	const struct metric **v = xcalloc(w->nmetrics + 1, sizeof *v);
	*n = 0;
	for (size_t i = 0; i < w->nmetrics; i++)
		if (!is_family_metric(w->metrics[i].name))
			v[(*n)++] = &w->metrics[i];
	if (*n > 1)
		qsort(v, *n, sizeof *v, metric_name_cmp);
	return v;
}

/* ---- json ---- */

static void jw_keynum(struct jsonw *j, const char *key, double v)
{
	jw_key(j, key);
	jw_num(j, v);
}

static void report_json(FILE *fp, struct weekly *w)
{
	struct jsonw j;
	const struct figures *f = &w->fig[THIS];
	jw_init(&j, fp, true);
	jw_obj_begin(&j);
	jw_key(&j, "week_start");
	jw_str(&j, w->start_s);
	jw_key(&j, "week_end");
	jw_str(&j, w->end_s);
	jw_key(&j, "metrics_summary");
	jw_obj_begin(&j);
	jw_key(&j, "chunk_loading");
	jw_obj_begin(&j);
	jw_keynum(&j, "average_ms", f->cl_avg);
	jw_keynum(&j, "p95_ms", f->cl_p95);
	jw_keynum(&j, "week_over_week_change", w->cl_wow);
	jw_obj_end(&j);
	jw_key(&j, "memory");
	jw_obj_begin(&j);
	jw_keynum(&j, "average_heap_mb", f->heap_avg);
	jw_keynum(&j, "peak_mb", f->peak_max);
	jw_keynum(&j, "gc_per_hour", f->gc_per_hour);
	jw_obj_end(&j);
	jw_key(&j, "tps");
	jw_obj_begin(&j);
	jw_keynum(&j, "average", f->tps_avg);
	jw_keynum(&j, "stability_percent", f->tps_stability);
	jw_keynum(&j, "worst_5min", f->tps_worst);
	jw_obj_end(&j);
	jw_obj_end(&j);
	jw_key(&j, "performance_changes");
	jw_arr_begin(&j);
	for (size_t i = 0; i < w->nchanges; i++) {
		const struct change *c = &w->changes[i];
		jw_obj_begin(&j);
		jw_key(&j, "metric");
		jw_str(&j, c->m ? c->m->name : c->ev->type);
		jw_key(&j, "type");
		jw_str(&j, change_names[c->type]);
		jw_key(&j, "description");
		jw_str(&j, c->description);
		jw_keynum(&j, "impact_percent", c->impact);
		if (c->ev) {
			char ts[TIME_RFC3339_LEN];
			time_format_rfc3339(c->ev->t, ts, sizeof ts);
			jw_key(&j, "event");
			jw_str(&j, "regression");
			jw_key(&j, "timestamp");
			jw_str(&j, ts);
			jw_key(&j, "severity");
			jw_str(&j, c->ev->severity);
			jw_keynum(&j, "current", c->ev->current);
			jw_keynum(&j, "baseline", c->ev->baseline);
			jw_key(&j, "issue_url");
			jw_str(&j, c->ev->issue_url);
		} else {
			jw_keynum(&j, "previous", c->m->mean[PREV]);
			jw_keynum(&j, "current", c->m->mean[THIS]);
			jw_key(&j, "better");
			jw_str(&j, c->m->better > 0 ? "higher" : "lower");
		}
		jw_obj_end(&j);
	}
	jw_arr_end(&j);
	jw_key(&j, "recommendations");
	jw_arr_begin(&j);
	for (size_t i = 0; i < w->nrecs; i++)
		jw_str(&j, w->recs[i]);
	jw_arr_end(&j);
	jw_key(&j, "samples");
	jw_obj_begin(&j);
	jw_key(&j, "week");
	jw_int(&j, (long long)w->samples[THIS]);
	jw_key(&j, "previous_week");
	jw_int(&j, (long long)w->samples[PREV]);
	jw_obj_end(&j);
	jw_key(&j, "missing");
	jw_arr_begin(&j);
	if (!f->cl_n)
		jw_str(&j, "chunk_loading");
	if (!f->heap_n && !f->peak_n && !f->gc_n)
		jw_str(&j, "memory");
	if (!f->tps_n)
		jw_str(&j, "tps");
	jw_arr_end(&j);
	size_t n;
	const struct metric **v = other_metrics(w, &n);
	jw_key(&j, "other_metrics");
	jw_arr_begin(&j);
	for (size_t i = 0; i < n; i++) {
		const struct series *s = &v[i]->week[THIS];
		jw_obj_begin(&j);
		jw_key(&j, "metric");
		jw_str(&j, v[i]->name);
		jw_key(&j, "samples");
		jw_int(&j, (long long)s->n);
		jw_keynum(&j, "mean", v[i]->mean[THIS]);
		jw_keynum(&j, "p95", series_percentile(s, 95));
		jw_keynum(&j, "min", series_min(s));
		jw_keynum(&j, "max", series_max(s));
		jw_keynum(&j, "week_over_week_change", percent_change(v[i]->mean[PREV], v[i]->mean[THIS]));
		jw_obj_end(&j);
	}
	jw_arr_end(&j);
	free(v);
	jw_obj_end(&j);
	jw_end(&j);
}

/* ---- markdown ---- */

/* One summary row: label, this week, previous week, unit. */
struct figure_row {
	const char *id, *label, *unit;
	double now, before;
	int pct;    /* a percentage figure */
};

static size_t figure_rows(const struct weekly *w, struct figure_row *r)
{
	const struct figures *f = &w->fig[THIS], *p = &w->fig[PREV];
	size_t n = 0;
	r[n++] = (struct figure_row){ "chunk-average", "Chunk loading average", "ms", f->cl_avg, p->cl_avg, 0 };
	r[n++] = (struct figure_row){ "chunk-p95", "Chunk loading 95th percentile", "ms", f->cl_p95, p->cl_p95, 0 };
	r[n++] = (struct figure_row){ "memory-heap", "Average heap usage", "MB", f->heap_avg, p->heap_avg, 0 };
	r[n++] = (struct figure_row){ "memory-peak", "Peak memory", "MB", f->peak_max, p->peak_max, 0 };
	r[n++] = (struct figure_row){ "memory-gc", "GC frequency", "/hour", f->gc_per_hour, p->gc_per_hour, 0 };
	r[n++] = (struct figure_row){ "tps-average", "Average TPS", "", f->tps_avg, p->tps_avg, 0 };
	r[n++] = (struct figure_row){ "tps-stability", "Time above 19.5 TPS", "%", f->tps_stability, p->tps_stability, 1 };
	r[n++] = (struct figure_row){ "tps-worst", "Worst 5-minute average", "", f->tps_worst, p->tps_worst, 0 };
	return n;
}

static void add_figure(struct strbuf *sb, double v, const char *unit)
{
	fmt_value(sb, v);
	if (isfinite(v) && *unit)
		sb_addf(sb, "%s%s", unit[0] == '/' || unit[0] == '%' ? "" : " ", unit);
}

static void report_markdown(struct strbuf *sb, struct weekly *w)
{
	sb_adds(sb, "# ");
	md_escapes(sb, w->title);
	sb_addf(sb, "\n\n**Period:** %s to %s (UTC) · %zu samples (previous week %zu)\n\n",
		w->start_s, w->end_s, w->samples[THIS], w->samples[PREV]);
	if (!w->samples[THIS])
		sb_adds(sb, "> **No samples this week**: every figure below is n/a.\n\n");
	const struct figures *f = &w->fig[THIS];
	if (w->samples[THIS] && (!f->cl_n || (!f->heap_n && !f->peak_n && !f->gc_n) || !f->tps_n)) {
		sb_adds(sb, "> Missing this week:");
		if (!f->cl_n)
			sb_adds(sb, " chunk loading (`" M_CHUNK "`)");
		if (!f->heap_n && !f->peak_n && !f->gc_n)
			sb_adds(sb, " memory (`memory.*`)");
		if (!f->tps_n)
			sb_adds(sb, " TPS (`" M_TPS "`)");
		sb_adds(sb, ".\n\n");
	}
	sb_adds(sb, "## Summary\n\n| Figure | This week | Previous week | Change |\n|---|---:|---:|---:|\n");
	struct figure_row rows[8];
	size_t n = figure_rows(w, rows);
	for (size_t i = 0; i < n; i++) {
		sb_addf(sb, "| %s | ", rows[i].label);
		add_figure(sb, rows[i].now, rows[i].unit);
		sb_adds(sb, " | ");
		add_figure(sb, rows[i].before, rows[i].unit);
		sb_adds(sb, " | ");
		fmt_pct(sb, percent_change(rows[i].before, rows[i].now));
		sb_adds(sb, " |\n");
	}
	sb_addf(sb, "\n## Performance changes\n\n%zu regressions, %zu improvements, %zu stable "
		"(threshold %g%%).\n\n", w->count[CH_REGRESSION], w->count[CH_IMPROVEMENT],
		w->count[CH_STABLE], w->threshold);
	if (w->nchanges) {
		sb_adds(sb, "| Metric | Type | Impact | Description |\n|---|---|---:|---|\n");
		for (size_t i = 0; i < w->nchanges; i++) {
			const struct change *c = &w->changes[i];
			sb_adds(sb, "| ");
			md_escapes(sb, c->m ? c->m->name : c->ev->type ? c->ev->type : "(event)");
			sb_addf(sb, " | %s | ", change_names[c->type]);
			fmt_pct(sb, c->impact);
			sb_adds(sb, " | ");
			md_escapes(sb, c->description);
			sb_adds(sb, " |\n");
		}
	}
	size_t no;
	const struct metric **v = other_metrics(w, &no);
	if (no) {
		sb_adds(sb, "\n## Other metrics\n\n| Metric | Samples | Mean | p95 | Min | Max | Week over week |\n"
			"|---|---:|---:|---:|---:|---:|---:|\n");
		for (size_t i = 0; i < no; i++) {
			const struct series *s = &v[i]->week[THIS];
			sb_adds(sb, "| ");
			md_escapes(sb, v[i]->name);
			sb_addf(sb, " | %zu | ", s->n);
			fmt_value(sb, v[i]->mean[THIS]);
			sb_adds(sb, " | ");
			fmt_value(sb, series_percentile(s, 95));
			sb_adds(sb, " | ");
			fmt_value(sb, series_min(s));
			sb_adds(sb, " | ");
			fmt_value(sb, series_max(s));
			sb_adds(sb, " | ");
			fmt_pct(sb, percent_change(v[i]->mean[PREV], v[i]->mean[THIS]));
			sb_adds(sb, " |\n");
		}
	}
	free(v);
	sb_adds(sb, "\n## Recommendations\n\n");
	for (size_t i = 0; i < w->nrecs; i++) {
		sb_adds(sb, "- ");
		md_escapes(sb, w->recs[i]);
		sb_addc(sb, '\n');
	}
}

/* ---- html ---- */

static const char html_css[] =
"body { font-family: Arial, Helvetica, sans-serif; margin: 40px; color: #222; }\n"
"h1 { margin-bottom: 0.2em; }\n"
"h2 { font-weight: normal; color: #444; margin-top: 0; }\n"
".cards { display: flex; flex-wrap: wrap; gap: 16px; }\n"
".metric { background: #f5f5f5; padding: 15px; margin: 10px 0; border-radius: 5px; }\n"
".cards .metric { flex: 1 1 260px; }\n"
".metric h4 { margin: 0 0 8px 0; }\n"
".metric p { margin: 4px 0; }\n"
".figure { font-weight: bold; }\n"
".prev { color: #666; font-size: 0.9em; }\n"
".improvement { border-left: 5px solid #4CAF50; }\n"
".regression { border-left: 5px solid #f44336; }\n"
".stable { border-left: 5px solid #2196F3; }\n"
".missing { border-left: 5px solid #9e9e9e; color: #555; }\n"
".notice { background: #fff3cd; border: 1px solid #e0c36a; padding: 10px 15px; border-radius: 5px; }\n"
".chart { display: block; margin: 8px 0 24px 0; max-width: 100%; height: auto; }\n"
"table { border-collapse: collapse; width: 100%; }\n"
"th, td { border: 1px solid #ddd; padding: 8px 12px; text-align: left; }\n"
"td.num { text-align: right; font-variant-numeric: tabular-nums; }\n"
"th { background-color: #f2f2f2; }\n"
"footer { margin-top: 32px; color: #777; font-size: 0.85em; }\n"
"@media print {\n"
"  body { margin: 12mm; font-size: 11pt; }\n"
"  .metric, .chart, tr { break-inside: avoid; page-break-inside: avoid; }\n"
"  h3 { break-after: avoid; page-break-after: avoid; }\n"
"  a { color: #000; text-decoration: none; }\n"
"  .notice { border-color: #000; }\n"
"}\n";

static void html_figure(struct strbuf *sb, const struct figure_row *r)
{
	sb_addf(sb, "<p>%s: <span class=\"figure\" id=\"%s\">", r->label, r->id);
	struct strbuf v = STRBUF_INIT;
	add_figure(&v, r->now, r->unit);
	html_escapes(sb, v.buf);
	sb_adds(sb, "</span> <span class=\"prev\">(previous week ");
	sb_reset(&v);
	add_figure(&v, r->before, r->unit);
	html_escapes(sb, v.buf);
	sb_adds(sb, ")</span></p>\n");
	sb_release(&v);
}

/* A summary card, left open for more lines. */
static void html_card(struct strbuf *sb, const char *title, const struct figure_row *rows,
		      size_t n, bool missing, const char *what)
{
	sb_addf(sb, "<div class=\"metric%s\">\n<h4>%s</h4>\n", missing ? " missing" : "", title);
	if (missing)
		sb_addf(sb, "<p>No samples this week (%s).</p>\n", what);
	for (size_t i = 0; i < n; i++)
		html_figure(sb, &rows[i]);
}

/* Hourly means of a metric over a week starting at start, NAN for hours
 * without samples. */
static void hourly(const struct series *s, time_t start, double *y)
{
	double sum[168] = { 0 };
	size_t n[168] = { 0 };
	for (size_t i = 0; s && i < s->n; i++) {
		long long h = (long long)(s->p[i].t - start) / 3600;
		if (h >= 0 && h < 168) {
			sum[h] += s->p[i].v;
			n[h]++;
		}
	}
	for (int h = 0; h < 168; h++)
		y[h] = n[h] ? sum[h] / (double)n[h] : NAN;
}

static void html_chart(struct strbuf *sb, struct weekly *w, const char *metric,
		       const char *title, const char *unit)
{
	double now[168], before[168];
	hourly(series_of(w, metric, THIS), w->start, now);
	hourly(series_of(w, metric, PREV), w->prev_start, before);
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	char labels[7][32];
	const char *xl[168] = { 0 };
	for (int d = 0; d < 7; d++) {
		time_t t = w->start + (time_t)d * 86400;
		struct tm tm;
		gmtime_r(&t, &tm);
		snprintf(labels[d], sizeof labels[d], "%s %02d", days[tm.tm_wday], tm.tm_mday);
		xl[d * 24] = labels[d];
	}
	struct svg_series series[2] = {
		{ "this week (hourly mean)", now, "#1565c0", false },
		{ "previous week", before, "#9e9e9e", true },
	};
	char full[160];
	snprintf(full, sizeof full, "%s (%s), this week against the previous, by hour", title, metric);
	struct svg_chart c = {
		.title = full, .y_label = unit, .width = 900, .height = 260, .nx = 168,
		.x_labels = xl, .series = series, .nseries = 2,
	};
	sb_addf(sb, "<h4>%s</h4>\n", title);
	svg_line_chart(sb, &c);
}

static void html_link_or_text(struct strbuf *sb, const char *url)
{
	if (!strncmp(url, "https://", 8) || !strncmp(url, "http://", 7)) {
		sb_adds(sb, "<a href=\"");
		html_escapes(sb, url);
		sb_adds(sb, "\">");
		html_escapes(sb, url);
		sb_adds(sb, "</a>");
	} else {
		html_escapes(sb, url);
	}
}

static void html_td_num(struct strbuf *sb, double v)
{
	struct strbuf t = STRBUF_INIT;
	fmt_value(&t, v);
	sb_addf(sb, "<td class=\"num\">%s</td>", t.buf);
	sb_release(&t);
}

static void report_html(struct strbuf *sb, struct weekly *w)
{
	const struct figures *f = &w->fig[THIS];
	struct figure_row rows[8];
	figure_rows(w, rows);
	sb_adds(sb, "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n"
		"<meta charset=\"utf-8\"/>\n"
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
		"<meta name=\"generator\" content=\"perf weekly (" PACKAGE_STRING ")\"/>\n<title>");
	html_escapes(sb, w->title);
	sb_addf(sb, " - %s to %s</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>", w->start_s,
		w->end_s, html_css);
	html_escapes(sb, w->title);
	sb_addf(sb, "</h1>\n<h2>Period: <span id=\"week-start\">%s</span> to <span id=\"week-end\">%s</span>"
		" (UTC)</h2>\n<p>Samples: <span id=\"samples\">%zu</span> (previous week %zu); history ",
		w->start_s, w->end_s, w->samples[THIS], w->samples[PREV]);
	html_escapes(sb, w->history);
	sb_adds(sb, ".</p>\n");
	if (!w->samples[THIS])
		sb_adds(sb, "<p class=\"notice\" id=\"no-samples\">No samples this week: every figure is n/a.</p>\n");

	sb_adds(sb, "<h3>Performance Metrics Summary</h3>\n<div class=\"cards\">\n");
	html_card(sb, "Chunk Loading Performance", rows, 2, !f->cl_n, M_CHUNK);
	struct strbuf wow = STRBUF_INIT;
	fmt_pct(&wow, w->cl_wow);
	sb_addf(sb, "<p>Change from previous week: <span class=\"figure\" id=\"chunk-wow\">%s</span></p>\n</div>\n",
		wow.buf);
	sb_release(&wow);
	html_card(sb, "Memory Usage", rows + 2, 3, !f->heap_n && !f->peak_n && !f->gc_n,
		  M_HEAP ", " M_PEAK ", " M_GC);
	sb_adds(sb, "</div>\n");
	html_card(sb, "TPS Performance", rows + 5, 3, !f->tps_n, M_TPS);
	sb_adds(sb, "</div>\n</div>\n");

	sb_adds(sb, "<h3>Trends</h3>\n");
	html_chart(sb, w, M_CHUNK, "Chunk loading average", "ms");
	html_chart(sb, w, M_HEAP, "Heap usage", "MB");
	html_chart(sb, w, M_TPS, "TPS", "tps");

	sb_addf(sb, "<h3>Performance Changes</h3>\n<p>%zu regressions, %zu improvements, %zu stable "
		"(threshold %g%%).</p>\n", w->count[CH_REGRESSION], w->count[CH_IMPROVEMENT],
		w->count[CH_STABLE], w->threshold);
	for (size_t i = 0; i < w->nchanges; i++) {
		const struct change *c = &w->changes[i];
		sb_addf(sb, "<div class=\"metric %s\">\n<h4>", change_names[c->type]);
		html_escapes(sb, c->m ? c->m->name : c->ev->type ? c->ev->type : "(event)");
		sb_adds(sb, "</h4>\n<p>");
		if (c->ev) {
			sb_adds(sb, "Regression event");
			if (c->ev->severity) {
				sb_adds(sb, " (");
				html_escapes(sb, c->ev->severity);
				sb_adds(sb, ")");
			}
			sb_adds(sb, " recorded ");
			fmt_time(sb, c->ev->t);
			if (isfinite(c->ev->current) || isfinite(c->ev->baseline)) {
				sb_adds(sb, ": ");
				fmt_value(sb, c->ev->current);
				sb_adds(sb, " against baseline ");
				fmt_value(sb, c->ev->baseline);
			}
			if (c->ev->issue_url) {
				sb_adds(sb, "; issue ");
				html_link_or_text(sb, c->ev->issue_url);
			}
		} else {
			html_escapes(sb, c->description);
		}
		sb_adds(sb, "</p>\n<p>Impact: ");
		struct strbuf v = STRBUF_INIT;
		fmt_pct(&v, c->impact);
		html_escapes(sb, v.buf);
		sb_release(&v);
		sb_adds(sb, "</p>\n</div>\n");
	}

	size_t no;
	const struct metric **om = other_metrics(w, &no);
	if (no) {
		sb_adds(sb, "<h3>Other Metrics</h3>\n<table>\n<thead><tr><th>Metric</th><th>Samples</th>"
			"<th>Mean</th><th>p95</th><th>Min</th><th>Max</th><th>Week over week</th></tr></thead>\n<tbody>\n");
		for (size_t i = 0; i < no; i++) {
			const struct series *s = &om[i]->week[THIS];
			sb_adds(sb, "<tr><td>");
			html_escapes(sb, om[i]->name);
			sb_addf(sb, "</td><td class=\"num\">%zu</td>", s->n);
			html_td_num(sb, om[i]->mean[THIS]);
			html_td_num(sb, series_percentile(s, 95));
			html_td_num(sb, series_min(s));
			html_td_num(sb, series_max(s));
			struct strbuf v = STRBUF_INIT;
			fmt_pct(&v, percent_change(om[i]->mean[PREV], om[i]->mean[THIS]));
			sb_addf(sb, "<td class=\"num\">%s</td></tr>\n", v.buf);
			sb_release(&v);
		}
		sb_adds(sb, "</tbody>\n</table>\n");
	}
	free(om);

	sb_adds(sb, "<h3>Recommendations</h3>\n<ul id=\"recommendations\">\n");
	for (size_t i = 0; i < w->nrecs; i++) {
		sb_adds(sb, "<li>");
		html_escapes(sb, w->recs[i]);
		sb_adds(sb, "</li>\n");
	}
	sb_adds(sb, "</ul>\n<footer>Generated by perf weekly (" PACKAGE_STRING ") at ");
	fmt_time(sb, time_now());
	sb_adds(sb, ".</footer>\n</body>\n</html>\n");
}

/* ---- main ---- */

static double parse_threshold(const char *arg)
{
	char *end;
	errno = 0;
	double v = strtod(arg, &end);
	if (end == arg || *end || errno == ERANGE || !isfinite(v) || v < 0 || v > 1e6)
		die(PERF_EXIT_TROUBLE, "invalid threshold '%s': expected a number from 0 to 1000000", arg);
	return v;
}

/* The last whole Monday-to-Sunday week before now. */
static time_t default_week_start(time_t now)
{
	time_t day = now - (now % 86400 + 86400) % 86400;
	struct tm tm;
	gmtime_r(&day, &tm);
	int since_monday = (tm.tm_wday + 6) % 7;
	return day - (time_t)since_monday * 86400 - WEEK;
}

static void weekly_free(struct weekly *w)
{
	for (size_t i = 0; i < w->nmetrics; i++) {
		free(w->metrics[i].name);
		free(w->metrics[i].week[PREV].p);
		free(w->metrics[i].week[THIS].p);
	}
	free(w->metrics);
	strmap_free(&w->index);
	for (size_t i = 0; i < w->nevents; i++) {
		free(w->events[i].type);
		free(w->events[i].severity);
		free(w->events[i].issue_url);
	}
	free(w->events);
	for (size_t i = 0; i < w->nchanges; i++)
		free(w->changes[i].description);
	free(w->changes);
	for (size_t i = 0; i < w->nrecs; i++)
		free(w->recs[i]);
	free(w->recs);
}

int cmd_weekly(int argc, char **argv)
{
	enum { OPT_HISTORY = 256, OPT_TITLE };
	static const struct option longopts[] = {
		{ "history", required_argument, NULL, OPT_HISTORY },
		{ "week-start", required_argument, NULL, 'w' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "threshold", required_argument, NULL, 't' },
		{ "title", required_argument, NULL, OPT_TITLE },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct weekly w = { .format = FMT_HTML, .threshold = 5, .title = "Weekly Performance Report" };
	const char *history_opt = NULL, *week_start = NULL;
	int opt;
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, ":w:f:o:t:qvh", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_HISTORY: history_opt = optarg; break;
		case 'w': week_start = optarg; break;
		case 'f':
			w.format = (enum format)opt_keyword("format", optarg, format_names, ARRAY_SIZE(format_names));
			break;
		case 'o': w.output = optarg; break;
		case 't': w.threshold = parse_threshold(optarg); break;
		case OPT_TITLE: w.title = optarg; break;
		case 'q': msg_verbosity = -1; break;
		case 'v': msg_verbosity++; break;
		case 'h':
			fputs(weekly_usage, stdout);
			return PERF_EXIT_OK;
		case ':':
			die(PERF_EXIT_TROUBLE, "option '%s' needs a value; see 'perf weekly --help'", argv[optind - 1]);
		default:
			if (optopt)
				die(PERF_EXIT_TROUBLE, "unknown option '-%c'; see 'perf weekly --help'", optopt);
			die(PERF_EXIT_TROUBLE, "unknown option '%s'; see 'perf weekly --help'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		die(PERF_EXIT_TROUBLE, "unexpected argument '%s'; see 'perf weekly --help'", argv[optind]);
	w.history = history_path(history_opt);
	if (week_start) {
		char err[256];
		bool shape = strlen(week_start) == 10 && week_start[4] == '-' && week_start[7] == '-';
		for (size_t i = 0; shape && i < 10; i++)
			if (i != 4 && i != 7 && (week_start[i] < '0' || week_start[i] > '9'))
				shape = false;
		if (!shape)
			die(PERF_EXIT_TROUBLE, "invalid --week-start '%s': expected a date YYYY-MM-DD", week_start);
		if (time_parse(week_start, &w.start, err, sizeof err) != 0)
			die(PERF_EXIT_TROUBLE, "invalid --week-start '%s': %s", week_start, err);
	} else {
		w.start = default_week_start(time_now());
	}
	w.end = w.start + WEEK;
	w.prev_start = w.start - WEEK;
	time_format_date(w.start, w.start_s, sizeof w.start_s);
	time_format_date(w.end, w.end_s, sizeof w.end_s);
	time_format_date(w.prev_start, w.prev_s, sizeof w.prev_s);
	info("week %s to %s, previous week from %s; reading %s", w.start_s, w.end_s, w.prev_s, w.history);

	strmap_init(&w.index, 64);
	char err[1024];
	if (history_scan(w.history, w.prev_start, w.end, take_record, &w, err, sizeof err) < 0)
		die(PERF_EXIT_TROUBLE, "%s", err);
	info("%zu samples this week, %zu the week before, %zu metrics, %zu regression events",
	     w.samples[THIS], w.samples[PREV], w.nmetrics, w.nevents);
	if (!w.samples[THIS])
		warn("%s: no samples between %s and %s", strcmp(w.history, "-") ? w.history : "<stdin>",
		     w.start_s, w.end_s);

	compute_figures(&w, PREV);
	compute_figures(&w, THIS);
	w.cl_wow = w.fig[PREV].cl_n ? percent_change(w.fig[PREV].cl_avg, w.fig[THIS].cl_avg) : NAN;
	compute_changes(&w);
	compute_recommendations(&w);

	struct outfile out;
	if (out_open(&out, w.output) != 0)
		die_errno(PERF_EXIT_TROUBLE, "cannot create '%s'", w.output);
	struct strbuf sb = STRBUF_INIT;
	switch (w.format) {
	case FMT_JSON: report_json(out.fp, &w); break;
	case FMT_MARKDOWN: report_markdown(&sb, &w); break;
	case FMT_HTML: report_html(&sb, &w); break;
	}
	if (sb.len)
		fwrite(sb.buf, 1, sb.len, out.fp);
	sb_release(&sb);
	if (out_commit(&out) != 0 && w.output)
		die_errno(PERF_EXIT_TROUBLE, "cannot write '%s'", w.output);
	int status = w.count[CH_REGRESSION] ? PERF_EXIT_FOUND : PERF_EXIT_OK;
	weekly_free(&w);
	return status;
}
