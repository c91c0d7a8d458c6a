/* The JMH result loader: see jmh.h.
 *
 * The top level of a JMH file is an array of result objects.  Rather than
 * tokenising a 40 MB file at once (tens of MB of tokens), the array is split
 * into its elements by a small scanner and each element is parsed by the
 * strict JSON reader on its own, reusing one token array. */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jmh.h"
#include "json.h"
#include "msg.h"
#include "strmap.h"
#include "util.h"

struct loader {
	const char *text;
	size_t len;
	const char *display;
	struct json_doc doc;
	char *err;
	size_t errsize;
	struct strbuf sb;
	size_t nan_samples;
};

static void position(const char *text, size_t off, unsigned *line, unsigned *col)
{
	unsigned l = 1, c = 1;
	for (size_t i = 0; i < off; i++) {
		if (text[i] == '\n') {
			l++;
			c = 1;
		} else {
			c++;
		}
	}
	*line = l;
	*col = c;
}

__attribute__((format(printf, 3, 0)))
static int vfail_at(struct loader *ld, size_t off, const char *fmt, va_list ap)
{
	unsigned line, col;
	position(ld->text, off, &line, &col);
	int n = snprintf(ld->err, ld->errsize, "%s:%u:%u: ", ld->display, line, col);
	if (n < 0 || (size_t)n >= ld->errsize)
		return -1;
	vsnprintf(ld->err + n, ld->errsize - n, fmt, ap);
	return -1;
}

__attribute__((format(printf, 3, 4)))
static int fail_at(struct loader *ld, size_t off, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail_at(ld, off, fmt, ap);
	va_end(ap);
	return -1;
}

__attribute__((format(printf, 3, 4)))
static int fail_tok(struct loader *ld, int t, const char *fmt, ...)
{
	size_t off = (size_t)(ld->doc.src - ld->text) + (size_t)ld->doc.tok[t].start;
	if (ld->doc.tok[t].type == JSMN_STRING && off > 0)
		off--;   /* point at the opening quote */
	va_list ap;
	va_start(ap, fmt);
	vfail_at(ld, off, fmt, ap);
	va_end(ap);
	return -1;
}

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static size_t skip_ws(const char *s, size_t i, size_t len)
{
	while (i < len && is_ws(s[i]))
		i++;
	return i;
}

/* End of the JSON value starting at i: the offset of the first ',' or ']'
 * outside strings at depth 0 (or len).  Structure inside the value is the
 * JSON reader's business; this only has to find the boundary. */
static size_t value_end(const char *s, size_t i, size_t len)
{
	int depth = 0;
	while (i < len) {
		char c = s[i];
		if (c == '"') {
			for (i++; i < len; i++) {
				if (s[i] == '\\')
					i++;
				else if (s[i] == '"')
					break;
			}
			if (i < len)
				i++;
			continue;
		}
		if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			if (depth == 0)
				return i;
			depth--;
		} else if (c == ',' && depth == 0) {
			return i;
		}
		i++;
	}
	return len;
}

static char *tok_string(struct loader *ld, int t)
{
	return json_string(&ld->doc, t);
}

/* A params value: JMH writes strings; accept numbers and booleans too. */
static char *tok_text(struct loader *ld, int t)
{
	const jsmntok_t *k = &ld->doc.tok[t];
	if (k->type == JSMN_STRING)
		return json_string(&ld->doc, t);
	if (k->type == JSMN_PRIMITIVE)
		return xstrndup(ld->doc.src + k->start, (size_t)(k->end - k->start));
	return NULL;
}

static void add_sample(struct jmh_metric *m, size_t *alloc, double v, double w,
		       struct loader *ld)
{
	if (isnan(v)) {
		m->nan_samples++;
		ld->nan_samples++;
		return;
	}
	GROW(m->samples, *alloc, m->nsamples + 1);
	m->samples[m->nsamples].v = v;
	m->samples[m->nsamples].w = w;
	m->nsamples++;
	m->weight += w;
}

/* rawData: [[v, v, ...], ...] one list per fork. */
static int load_raw(struct loader *ld, struct jmh_metric *m, size_t *alloc, int t)
{
	struct json_doc *d = &ld->doc;
	if (json_type(d, t) != JSMN_ARRAY)
		return fail_tok(ld, t, "not JMH output: %s must be an array of arrays of numbers", "\"rawData\"");
	for (int f = json_first(d, t); f >= 0; f = json_next(d, t, f)) {
		if (json_type(d, f) != JSMN_ARRAY)
			return fail_tok(ld, f, "not JMH output: %s must be an array of arrays of numbers", "\"rawData\"");
		for (int v = json_first(d, f); v >= 0; v = json_next(d, f, v)) {
			double x;
			if (json_number(d, v, &x) != 0)
				return fail_tok(ld, v, "not JMH output: %s holds a value that is not a number", "\"rawData\"");
			add_sample(m, alloc, x, 1, ld);
		}
	}
	return 0;
}

/* rawDataHistogram: [[[[v, count], ...] per iteration] per fork]. */
static int load_histogram(struct loader *ld, struct jmh_metric *m, size_t *alloc, int t)
{
#define HIST_SHAPE "not JMH output: %s must be arrays of [value, count] pairs per iteration per fork"
	struct json_doc *d = &ld->doc;
	if (json_type(d, t) != JSMN_ARRAY)
		return fail_tok(ld, t, HIST_SHAPE, "\"rawDataHistogram\"");
	for (int f = json_first(d, t); f >= 0; f = json_next(d, t, f)) {
		if (json_type(d, f) != JSMN_ARRAY)
			return fail_tok(ld, f, HIST_SHAPE, "\"rawDataHistogram\"");
		for (int it = json_first(d, f); it >= 0; it = json_next(d, f, it)) {
			if (json_type(d, it) != JSMN_ARRAY)
				return fail_tok(ld, it, HIST_SHAPE, "\"rawDataHistogram\"");
			for (int p = json_first(d, it); p >= 0; p = json_next(d, it, p)) {
				double v, c;
				if (json_type(d, p) != JSMN_ARRAY || json_size(d, p) != 2 ||
				    json_number(d, p + 1, &v) != 0 ||
				    json_number(d, json_skip(d, p + 1), &c) != 0)
					return fail_tok(ld, p, HIST_SHAPE, "\"rawDataHistogram\"");
				if (!(c >= 0) || isinf(c))
					return fail_tok(ld, p, "not JMH output: %s has a negative or non-finite count", "\"rawDataHistogram\"");
				if (c > 0)
					add_sample(m, alloc, v, c, ld);
			}
		}
	}
	return 0;
}

/* Sort and merge equal values (histograms repeat values per iteration). */
static void finish_samples(struct jmh_metric *m)
{
	stats_sort(m->samples, m->nsamples);
	size_t k = 0;
	bool weighted = false;
	for (size_t i = 0; i < m->nsamples; i++)
		if (m->samples[i].w != 1)
			weighted = true;
	if (!weighted)
		return;   /* plain raw data: keep ties as separate samples */
	for (size_t i = 0; i < m->nsamples; i++) {
		if (k && m->samples[k - 1].v == m->samples[i].v)
			m->samples[k - 1].w += m->samples[i].w;
		else
			m->samples[k++] = m->samples[i];
	}
	m->nsamples = k;
}

static int load_metric(struct loader *ld, int t, const char *name, struct jmh_metric *m)
{
	struct json_doc *d = &ld->doc;
	memset(m, 0, sizeof *m);
	m->score = NAN;
	m->error = NAN;
	m->name = xstrdup(name);
	m->key = m->name;
	if (!strncmp(m->key, "\xc2\xb7", 2))   /* the older "·gc..." spelling */
		m->key += 2;
	if (json_type(d, t) != JSMN_OBJECT)
		return fail_tok(ld, t, "not JMH output: metric '%s' is not an object", name);
	int s = json_obj_get(d, t, "score");
	if (s < 0)
		return fail_tok(ld, t, "not JMH output: metric '%s' has no \"score\"", name);
	if (json_number(d, s, &m->score) != 0)
		return fail_tok(ld, s, "not JMH output: the score of '%s' is not a number", name);
	int e = json_obj_get(d, t, "scoreError");
	if (e >= 0 && json_number(d, e, &m->error) != 0)
		m->error = NAN;
	int u = json_obj_get(d, t, "scoreUnit");
	if (u >= 0 && json_type(d, u) == JSMN_STRING)
		m->unit = tok_string(ld, u);
	else
		m->unit = xstrdup("");
	size_t alloc = 0;
	int h = json_obj_get(d, t, "rawDataHistogram");
	int r = json_obj_get(d, t, "rawData");
	if (h >= 0 && !json_is_null(d, h)) {
		if (load_histogram(ld, m, &alloc, h) != 0)
			return -1;
	} else if (r >= 0 && !json_is_null(d, r)) {
		if (load_raw(ld, m, &alloc, r) != 0)
			return -1;
	}
	finish_samples(m);
	return 0;
}

static void metric_free(struct jmh_metric *m)
{
	free(m->name);
	free(m->unit);
	free(m->samples);
}

static void result_free(struct jmh_result *r)
{
	free(r->benchmark);
	free(r->mode);
	for (size_t i = 0; i < r->nparams; i++) {
		free(r->params[i].key);
		free(r->params[i].value);
	}
	free(r->params);
	free(r->label);
	free(r->key);
	metric_free(&r->primary);
	for (size_t i = 0; i < r->nsecondary; i++)
		metric_free(&r->secondary[i]);
	free(r->secondary);
}

static int cmp_param(const void *a, const void *b)
{
	const struct jmh_param *const *pa = a, *const *pb = b;
	return strcmp((*pa)->key, (*pb)->key);
}

static void make_identity(struct jmh_result *r)
{
	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, r->benchmark);
	if (r->nparams) {
		sb_addc(&sb, '(');
		for (size_t i = 0; i < r->nparams; i++) {
			if (i)
				sb_addc(&sb, ',');
			sb_addf(&sb, "%s=%s", r->params[i].key, r->params[i].value);
		}
		sb_addc(&sb, ')');
	}
	r->label = sb_detach(&sb, NULL);

	/* The key: name, mode and params sorted by key, joined by separators
	 * that cannot occur in JSON-decoded C strings' ordinary text. */
	const struct jmh_param **sorted = xmalloc((r->nparams + 1) * sizeof *sorted);
	for (size_t i = 0; i < r->nparams; i++)
		sorted[i] = &r->params[i];
	qsort(sorted, r->nparams, sizeof *sorted, cmp_param);
	sb_adds(&sb, r->benchmark);
	sb_addc(&sb, '\x1f');
	sb_adds(&sb, r->mode);
	for (size_t i = 0; i < r->nparams; i++) {
		sb_addc(&sb, '\x1f');
		sb_adds(&sb, sorted[i]->key);
		sb_addc(&sb, '\x1e');
		sb_adds(&sb, sorted[i]->value);
	}
	free(sorted);
	r->key = sb_detach(&sb, NULL);
}

static int load_result(struct loader *ld, struct jmh_result *r, size_t start)
{
	struct json_doc *d = &ld->doc;
	memset(r, 0, sizeof *r);
	r->offset = start;
	if (json_type(d, 0) != JSMN_OBJECT)
		return fail_at(ld, start, "not JMH output: expected a benchmark result object");
	int b = json_obj_get(d, 0, "benchmark");
	if (b < 0 || json_type(d, b) != JSMN_STRING)
		return fail_at(ld, start, "not JMH output: result has no \"benchmark\" name");
	r->benchmark = tok_string(ld, b);
	int m = json_obj_get(d, 0, "mode");
	if (m < 0 || json_type(d, m) != JSMN_STRING)
		return fail_at(ld, start, "not JMH output: result has no \"mode\"");
	r->mode = tok_string(ld, m);
	int p = json_obj_get(d, 0, "params");
	if (p >= 0 && !json_is_null(d, p)) {
		if (json_type(d, p) != JSMN_OBJECT)
			return fail_tok(ld, p, "not JMH output: %s must be an object", "\"params\"");
		r->params = xcalloc((size_t)json_size(d, p) + 1, sizeof *r->params);
		for (int k = json_first(d, p); k >= 0; k = json_next(d, p, k)) {
			char *val = tok_text(ld, k + 1);
			if (!val) {
				char *key = tok_string(ld, k);
				fail_tok(ld, k + 1, "not JMH output: parameter '%s' is not a string", key);
				free(key);
				return -1;
			}
			r->params[r->nparams].key = tok_string(ld, k);
			r->params[r->nparams].value = val;
			r->nparams++;
		}
	}
	int pm = json_obj_get(d, 0, "primaryMetric");
	if (pm < 0)
		return fail_at(ld, start, "not JMH output: result has no \"primaryMetric\"");
	if (load_metric(ld, pm, "primary", &r->primary) != 0)
		return -1;
	int sm = json_obj_get(d, 0, "secondaryMetrics");
	if (sm >= 0 && !json_is_null(d, sm)) {
		if (json_type(d, sm) != JSMN_OBJECT)
			return fail_tok(ld, sm, "not JMH output: %s must be an object", "\"secondaryMetrics\"");
		r->secondary = xcalloc((size_t)json_size(d, sm) + 1, sizeof *r->secondary);
		for (int k = json_first(d, sm); k >= 0; k = json_next(d, sm, k)) {
			sb_reset(&ld->sb);
			json_string_sb(d, k, &ld->sb);
			if (load_metric(ld, k + 1, ld->sb.buf, &r->secondary[r->nsecondary]) != 0) {
				r->nsecondary++;
				return -1;
			}
			r->nsecondary++;
		}
	}
	make_identity(r);
	return 0;
}

/* Results with the same identity: all but the last are marked duplicate
 * (JMH appends when a run is repeated, so the last is the newest). */
static void mark_duplicates(struct loader *ld, struct jmh_file *f)
{
	struct strmap seen;
	strmap_init(&seen, f->n);
	for (size_t i = 0; i < f->n; i++) {
		size_t prev;
		if (!strmap_put(&seen, f->results[i].key, i, &prev)) {
			struct jmh_result *a = &f->results[prev], *b = &f->results[i];
			unsigned l1, c1, l2, c2;
			a->duplicate = true;
			position(ld->text, a->offset, &l1, &c1);
			position(ld->text, b->offset, &l2, &c2);
			warn("%s:%u:%u: duplicate result for %s [%s] (again at line %u); using the later one",
			     ld->display, l1, c1, a->label, a->mode, l2);
		}
	}
	strmap_free(&seen);
}

int jmh_parse(const char *text, size_t len, const char *path,
	      struct jmh_file *out, char *err, size_t errsize)
{
	struct loader ld = { .text = text, .len = len, .err = err, .errsize = errsize };
	memset(out, 0, sizeof *out);
	out->path = xstrdup(path);
	out->display = strcmp(path, "-") ? out->path : "<stdin>";
	ld.display = out->display;
	json_init(&ld.doc);
	size_t alloc = 0;
	int rc = -1;

	size_t i = skip_ws(text, 0, len);
	if (i == len) {
		fail_at(&ld, i, "not JMH output: the file is empty");
		goto done;
	}
	if (text[i] != '[') {
		/* Say whether it is JSON at all before saying it is not JMH. */
		struct json_error je;
		if (json_parse(&ld.doc, text, len, text, out->display, 0, &je) != 0)
			fail_at(&ld, je.off, "%s", je.msg);
		else
			fail_at(&ld, i, "not JMH output: expected an array of benchmark results");
		goto done;
	}
	i = skip_ws(text, i + 1, len);
	if (i < len && text[i] == ']') {
		i++;
	} else {
		for (;;) {
			if (i >= len) {
				fail_at(&ld, i, "unexpected end of input in the result array");
				goto done;
			}
			size_t end = value_end(text, i, len);
			size_t vend = end;
			while (vend > i && is_ws(text[vend - 1]))
				vend--;
			struct json_error je;
			if (vend == i) {
				fail_at(&ld, i, "expected a value in the result array");
				goto done;
			}
			if (json_parse(&ld.doc, text + i, vend - i, text, out->display, 0, &je) != 0) {
				fail_at(&ld, je.off, "%s", je.msg);
				goto done;
			}
			GROW(out->results, alloc, out->n + 1);
			struct jmh_result *r = &out->results[out->n++];
			if (load_result(&ld, r, i) != 0)
				goto done;
			if (out->n == 1) {
				int v = json_obj_get(&ld.doc, 0, "jmhVersion");
				if (v >= 0)
					out->jmh_version = json_string(&ld.doc, v);
			}
			if (end >= len) {
				fail_at(&ld, end, "unexpected end of input: the result array is not closed");
				goto done;
			}
			if (text[end] == ']') {
				i = end + 1;
				break;
			}
			if (text[end] != ',') {
				fail_at(&ld, end, "expected ',' or ']' after a benchmark result");
				goto done;
			}
			i = skip_ws(text, end + 1, len);
			if (i < len && text[i] == ']') {
				fail_at(&ld, i, "trailing comma in the result array");
				goto done;
			}
		}
	}
	i = skip_ws(text, i, len);
	if (i != len) {
		fail_at(&ld, i, "trailing characters after the result array");
		goto done;
	}
	rc = 0;
	mark_duplicates(&ld, out);
done:
	json_free(&ld.doc);
	sb_release(&ld.sb);
	if (rc != 0) {
		jmh_file_free(out);
	} else if (ld.nan_samples) {
		warn("%s: ignored %zu NaN raw sample%s", out->display, ld.nan_samples,
		     ld.nan_samples == 1 ? "" : "s");
	}
	return rc;
}

int jmh_load(const char *path, struct jmh_file *out, char *err, size_t errsize)
{
	char *text;
	size_t len;
	memset(out, 0, sizeof *out);
	if (read_file(path, &text, &len, 0) != 0) {
		snprintf(err, errsize, "cannot read '%s': %s",
			 strcmp(path, "-") ? path : "<stdin>", strerror(errno));
		return -1;
	}
	if (memchr(text, '\0', len)) {
		size_t off = (size_t)((char *)memchr(text, '\0', len) - text);
		unsigned line, col;
		position(text, off, &line, &col);
		snprintf(err, errsize, "%s:%u:%u: not JMH output: the file holds a NUL byte",
			 strcmp(path, "-") ? path : "<stdin>", line, col);
		free(text);
		return -1;
	}
	int rc = jmh_parse(text, len, path, out, err, errsize);
	free(text);
	return rc;
}

void jmh_file_free(struct jmh_file *f)
{
	for (size_t i = 0; i < f->n; i++)
		result_free(&f->results[i]);
	free(f->results);
	free(f->path);
	free(f->jmh_version);
	memset(f, 0, sizeof *f);
}

const struct jmh_metric *jmh_secondary(const struct jmh_result *r, const char *key)
{
	for (size_t i = 0; i < r->nsecondary; i++)
		if (!strcmp(r->secondary[i].key, key))
			return &r->secondary[i];
	return NULL;
}
