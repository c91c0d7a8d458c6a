/* The history file: path, appends, a streaming reader that skips what it
 * cannot read, a binary-search seek by timestamp, and dotted metric paths.
 * See history.h. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "history.h"
#include "msg.h"
#include "timeutil.h"
#include "util.h"

#define HISTORY_READ_CHUNK (64 * 1024)
/* Below this span the seek scans forward instead of halving again. */
#define HISTORY_SEEK_BLOCK (16 * 1024)

const char *history_path(const char *opt)
{
	if (opt)
		return opt;
	const char *env = getenv("PERF_HISTORY");
	if (env && *env)
		return env;
	return HISTORY_DEFAULT_PATH;
}

/* Is src[0..len) a JSON object with a valid "timestamp"?  Parses into doc.
 * Returns 0, or -1 with a reason in why (and *col, 1-based, when known). */
static int record_parse(struct json_doc *doc, const char *src, size_t len, const char *name,
			time_t *ts, bool *is_event, char *why, size_t whysize, unsigned *col)
{
	struct json_error err;
	*col = 0;
	if (json_parse(doc, src, len, NULL, name, 0, &err) != 0) {
		snprintf(why, whysize, "%s", err.msg);
		*col = err.col;
		return -1;
	}
	if (json_type(doc, 0) != JSMN_OBJECT) {
		snprintf(why, whysize, "not a JSON object");
		*col = 1;
		return -1;
	}
	int t = json_obj_get(doc, 0, "timestamp");
	if (t < 0) {
		snprintf(why, whysize, "no \"timestamp\"");
		*col = 1;
		return -1;
	}
	char *s = json_string(doc, t);
	unsigned line;
	json_tok_position(doc, t, &line, col);
	if (!s) {
		snprintf(why, whysize, "\"timestamp\" is not a string");
		return -1;
	}
	char terr[128];
	int rc = time_parse(s, ts, terr, sizeof terr);
	free(s);
	if (rc != 0) {
		snprintf(why, whysize, "bad \"timestamp\": %s", terr);
		return -1;
	}
	*is_event = json_obj_get(doc, 0, "event") >= 0;
	return 0;
}

int history_append(const char *path, const char *json_object_line)
{
	size_t len = strlen(json_object_line);
	if (memchr(json_object_line, '\n', len) || memchr(json_object_line, '\r', len)) {
		errno = EINVAL;
		return -1;
	}
	struct json_doc doc;
	json_init(&doc);
	time_t ts;
	bool ev;
	char why[256];
	unsigned col;
	int rc = record_parse(&doc, json_object_line, len, path, &ts, &ev, why, sizeof why, &col);
	json_free(&doc);
	if (rc != 0) {
		errno = EINVAL;
		return -1;
	}
	return append_line(path, json_object_line, len);
}

int history_open(struct history_reader *r, const char *path, char *err, size_t errsize)
{
	memset(r, 0, sizeof *r);
	r->path = path;
	r->fd = -1;
	json_init(&r->doc);
	bool is_stdin = !strcmp(path, "-");
	r->display = is_stdin ? "<stdin>" : path;
	int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0)
		goto fail;
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		goto fail;
	}
	r->fd = fd;
	r->seekable = S_ISREG(st.st_mode);
	r->size = r->seekable ? (long long)st.st_size : 0;
	r->cap = HISTORY_READ_CHUNK;
	r->buf = xmalloc(r->cap);
	return 0;
fail:;
	int e = errno;
	if (fd >= 0 && !is_stdin)
		close(fd);
	snprintf(err, errsize, "cannot read '%s': %s", r->display, strerror(e));
	json_free(&r->doc);
	errno = e;
	return -1;
}

void history_close(struct history_reader *r)
{
	if (r->skipped) {
		if (r->first_bad_line)
			warn("%s: skipped %lu unreadable line%s (first at line %lu)", r->display,
			     r->skipped, r->skipped == 1 ? "" : "s", r->first_bad_line);
		else
			warn("%s: skipped %lu unreadable line%s (first at byte offset %lld)", r->display,
			     r->skipped, r->skipped == 1 ? "" : "s", r->first_bad_offset);
	}
	if (r->fd >= 0 && r->fd != STDIN_FILENO)
		close(r->fd);
	r->fd = -1;
	free(r->buf);
	r->buf = NULL;
	json_free(&r->doc);
}

/* ---- lines ---- */

/* A forward walk over the lines of the file from some offset, in r->buf. */
struct line_iter {
	struct history_reader *r;
	long long bufpos;      /* file offset of buf[0] */
	size_t bstart, bend;   /* unread data in buf */
	long long line_off;    /* start of a line being discarded as too long */
	bool discarding;
	bool eof;
};

struct line {
	const char *s;
	size_t len;
	long long off;
	bool complete;         /* ended by a newline */
	bool too_long;
};

static void iter_start(struct line_iter *it, struct history_reader *r, long long off)
{
	memset(it, 0, sizeof *it);
	it->r = r;
	it->bufpos = off;
}

static ssize_t iter_fill(struct line_iter *it)
{
	struct history_reader *r = it->r;
	ssize_t n;
	do {
		if (r->seekable)
			n = pread(r->fd, r->buf + it->bend, r->cap - it->bend,
				  (off_t)(it->bufpos + (long long)it->bend));
		else
			n = read(r->fd, r->buf + it->bend, r->cap - it->bend);
	} while (n < 0 && errno == EINTR);
	return n;
}

/* The next line: 1, 0 at the end, -1 with errno on a read error. */
static int iter_next(struct line_iter *it, struct line *ln)
{
	struct history_reader *r = it->r;
	for (;;) {
		char *nl = it->bend > it->bstart
			? memchr(r->buf + it->bstart, '\n', it->bend - it->bstart) : NULL;
		if (nl || (it->eof && (it->bend > it->bstart || it->discarding))) {
			size_t end = nl ? (size_t)(nl - r->buf) : it->bend;
			ln->s = r->buf + it->bstart;
			ln->len = end - it->bstart;
			ln->off = it->discarding ? it->line_off : it->bufpos + (long long)it->bstart;
			ln->complete = nl != NULL;
			ln->too_long = it->discarding || ln->len > HISTORY_MAX_LINE;
			it->discarding = false;
			it->bstart = nl ? end + 1 : end;
			if (ln->len && ln->s[ln->len - 1] == '\r')
				ln->len--;
			return 1;
		}
		if (it->eof)
			return 0;
		if (it->discarding) {
			it->bufpos += (long long)it->bend;
			it->bstart = it->bend = 0;
		} else if (it->bstart > 0) {
			memmove(r->buf, r->buf + it->bstart, it->bend - it->bstart);
			it->bufpos += (long long)it->bstart;
			it->bend -= it->bstart;
			it->bstart = 0;
		}
		if (it->bend == r->cap) {
			if (r->cap > HISTORY_MAX_LINE + 2) {
				it->discarding = true;
				it->line_off = it->bufpos;
				it->bufpos += (long long)it->bend;
				it->bstart = it->bend = 0;
			} else {
				r->cap *= 2;
				r->buf = xrealloc(r->buf, r->cap);
			}
		}
		ssize_t n = iter_fill(it);
		if (n < 0)
			return -1;
		if (n == 0)
			it->eof = true;
		it->bend += (size_t)n;
	}
}

static bool blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

/* ---- seek ---- */

/* The first readable line starting at or after p and before limit: its
 * start, the start of the line after it, and its timestamp.  1 found, 0
 * none, -1 read error. */
static int probe(struct history_reader *r, long long p, long long limit,
		 long long *start, long long *next, time_t *ts)
{
	struct line_iter it;
	struct line ln;
	int rc;
	char why[256];
	unsigned col;
	bool ev;
	iter_start(&it, r, p > 0 ? p - 1 : 0);
	if (p > 0) {
		/* The rest of the line that p - 1 lies in. */
		if ((rc = iter_next(&it, &ln)) <= 0)
			return rc;
	}
	while ((rc = iter_next(&it, &ln)) > 0) {
		if (ln.off >= limit)
			return 0;
		if (ln.too_long || blank(ln.s, ln.len))
			continue;
		if (record_parse(&r->doc, ln.s, ln.len, r->display, ts, &ev, why, sizeof why, &col) == 0) {
			*start = ln.off;
			*next = it.bufpos + (long long)it.bstart;
			return 1;
		}
	}
	return rc;
}

long long history_seek(struct history_reader *r, time_t t)
{
	if (!r->seekable)
		return 0;
	long long lo = 0, hi = r->size;
	/* Invariant (for a file in time order): every readable line starting
	 * before lo is older than t; the first readable line starting at or
	 * after hi is not older than t, or there is none. */
	while (hi - lo > HISTORY_SEEK_BLOCK) {
		long long mid = lo + (hi - lo) / 2, start, next;
		time_t ts;
		int rc = probe(r, mid, hi, &start, &next, &ts);
		if (rc < 0)
			return -1;
		if (rc == 0)
			hi = mid;
		else if (ts < t)
			lo = next;
		else
			hi = start;
	}
	long long start, next;
	time_t ts;
	for (;;) {
		int rc = probe(r, lo, r->size + 1, &start, &next, &ts);
		if (rc < 0)
			return -1;
		if (rc == 0)
			return r->size;
		if (ts >= t)
			return start;
		lo = next;
	}
}

/* ---- reading ---- */

static void note_bad(struct history_reader *r, unsigned long lineno, long long off,
		     unsigned col, const char *why)
{
	if (!r->skipped++) {
		r->first_bad_line = lineno;
		r->first_bad_offset = off;
	}
	if (lineno && col)
		info("%s:%lu:%u: skipped: %s", r->display, lineno, col, why);
	else if (lineno)
		info("%s:%lu: skipped: %s", r->display, lineno, why);
	else
		info("%s: byte offset %lld: skipped: %s", r->display, off, why);
}

int history_read(struct history_reader *r, long long from, history_fn fn, void *ctx)
{
	struct line_iter it;
	struct line ln;
	int rc;
	if (!r->seekable) {
		if (r->consumed)
			return 0;
		r->consumed = true;
		from = 0;
	}
	unsigned long lineno = 0;
	bool numbered = from <= 0;
	iter_start(&it, r, from > 0 ? from - 1 : 0);
	if (from > 0 && (rc = iter_next(&it, &ln)) <= 0)
		return rc;
	while ((rc = iter_next(&it, &ln)) > 0) {
		lineno++;
		unsigned long no = numbered ? lineno : 0;
		if (ln.too_long) {
			note_bad(r, no, ln.off, 0, "line longer than 1 MiB");
			continue;
		}
		if (blank(ln.s, ln.len))
			continue;
		struct history_record rec = {
			.doc = &r->doc, .line = ln.s, .len = ln.len, .lineno = no, .offset = ln.off,
		};
		char why[256];
		unsigned col;
		if (record_parse(&r->doc, ln.s, ln.len, r->display, &rec.timestamp, &rec.is_event,
				 why, sizeof why, &col) != 0) {
			if (!ln.complete)
				note_bad(r, no, ln.off, 0, "torn last line (no newline)");
			else
				note_bad(r, no, ln.off, col, why);
			continue;
		}
		int stop = fn(&rec, ctx);
		if (stop)
			return stop;
	}
	return rc;
}

struct scan_ctx {
	time_t from, until, stop_at;
	history_fn fn;
	void *ctx;
	bool past;
};

static int scan_one(const struct history_record *rec, void *vctx)
{
	struct scan_ctx *s = vctx;
	if (rec->timestamp >= s->stop_at) {
		s->past = true;
		return 1;
	}
	if (rec->timestamp < s->from || rec->timestamp >= s->until)
		return 0;
	return s->fn(rec, s->ctx);
}

int history_scan(const char *path, time_t from, time_t until,
		 history_fn fn, void *ctx, char *err, size_t errsize)
{
	struct history_reader r;
	if (history_open(&r, path, err, errsize) != 0)
		return -1;
	struct scan_ctx s = {
		.from = from, .until = until, .stop_at = until + HISTORY_SLACK_SECONDS,
		.fn = fn, .ctx = ctx,
	};
	long long off = history_seek(&r, from - HISTORY_SLACK_SECONDS);
	if (off >= 0 && r.seekable)
		info("%s: reading from byte offset %lld of %lld", r.display, off, r.size);
	int rc = off < 0 ? -1 : history_read(&r, off, scan_one, &s);
	if (rc < 0)
		snprintf(err, errsize, "cannot read '%s': %s", r.display, strerror(errno));
	else if (s.past)
		rc = 0;
	int e = errno;
	history_close(&r);
	errno = e;
	return rc;
}

/* ---- metrics ---- */

int history_metric(const struct json_doc *doc, int obj, const char *path, double *out)
{
	char key[256];
	int cur = obj;
	const char *p = path;
	for (;;) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		if (n == 0 || n >= sizeof key || json_type(doc, cur) != JSMN_OBJECT)
			return -1;
		memcpy(key, p, n);
		key[n] = '\0';
		cur = json_obj_get(doc, cur, key);
		if (cur < 0)
			return -1;
		if (!dot)
			break;
		p = dot + 1;
	}
	if (json_type(doc, cur) != JSMN_PRIMITIVE || json_is_null(doc, cur))
		return -1;
	char c = doc->src[doc->tok[cur].start];
	if (c == 't' || c == 'f')
		return -1;
	return json_number(doc, cur, out);
}

static void each_metric(const struct json_doc *doc, int obj, struct strbuf *name,
			bool top, history_metric_fn fn, void *ctx)
{
	for (int k = json_first(doc, obj); k >= 0; k = json_next(doc, obj, k)) {
		int v = k + 1;
		size_t keep = name->len;
		if (top && json_str_eq(doc, k, "timestamp"))
			continue;
		if (name->len)
			sb_addc(name, '.');
		json_string_sb(doc, k, name);
		if (json_type(doc, v) == JSMN_OBJECT) {
			each_metric(doc, v, name, false, fn, ctx);
		} else if (json_type(doc, v) == JSMN_PRIMITIVE && !json_is_null(doc, v)) {
			char c = doc->src[doc->tok[v].start];
			double d;
			if (c != 't' && c != 'f' && json_number(doc, v, &d) == 0)
				fn(name->buf, d, ctx);
		}
		name->len = keep;
		if (name->buf)
			name->buf[keep] = '\0';
	}
}

void history_each_metric(const struct json_doc *doc, int obj, history_metric_fn fn, void *ctx)
{
	struct strbuf name = STRBUF_INIT;
	if (json_type(doc, obj) == JSMN_OBJECT)
		each_metric(doc, obj, &name, true, fn, ctx);
	sb_release(&name);
}
