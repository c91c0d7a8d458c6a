/* The history file: perfsuite's shared time series store.
 *
 * JSON Lines, one object a line, every line with a "timestamp" (RFC 3339,
 * UTC).  Samples hold metrics as nested objects with numeric leaves, named
 * by their dotted path ("chunk_loading.average_ms"); events carry an
 * "event" key ("regression").  `perf alert` appends samples, `perf respond`
 * events; `perf weekly` and `perf bisect` read.
 *
 * Writers append whole lines in one write(2) (history_append).  Readers
 * stream (history_open, history_read): a torn last line and lines that are
 * not a JSON object with a valid timestamp are skipped and counted, and
 * history_close prints one warning with the count, never an error.  The
 * file is appended in time order, so history_seek finds the first line at
 * or after a time by binary search on byte offsets; history_scan adds a
 * margin (HISTORY_SLACK_SECONDS) on both sides so that records appended a
 * little out of order are still found.
 *
 * Stands on: json.c (each line), timeutil.c (timestamps), util.c
 * (append_line), msg.c (the warning). */
#ifndef PERF_HISTORY_H
#define PERF_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "json.h"

#define HISTORY_DEFAULT_PATH "perf-history.jsonl"
/* Disorder tolerated around a time range: records up to this much out of
 * time order are still found by history_scan. */
#define HISTORY_SLACK_SECONDS (6 * 3600)
/* Lines longer than this are unreadable (skipped and counted). */
#define HISTORY_MAX_LINE (1024 * 1024)

/* --history FILE if given (opt non-NULL), else $PERF_HISTORY if set and not
 * empty, else HISTORY_DEFAULT_PATH. */
const char *history_path(const char *opt);

/* Append one record, a JSON object on one line (without the newline), in a
 * single write.  Refuses (EINVAL) a line that holds a newline or is not a
 * JSON object with a "timestamp" string that parses.  Returns 0, or -1 with
 * errno set. */
int history_append(const char *path, const char *json_object_line);

/* One record as read. */
struct history_record {
	const struct json_doc *doc;  /* the line parsed; token 0 is the object */
	const char *line;            /* the line, without "\n" or "\r\n" */
	size_t len;
	time_t timestamp;
	bool is_event;               /* has an "event" key */
	unsigned long lineno;        /* 1-based; 0 when unknown (read after a seek) */
	long long offset;            /* byte offset of the line in the file */
};

/* Called per record: return 0 to go on, anything else to stop (the value
 * is returned by history_read). */
typedef int (*history_fn)(const struct history_record *rec, void *ctx);

struct history_reader {
	const char *path;            /* as given */
	const char *display;         /* for messages: path, or "<stdin>" */
	int fd;
	bool seekable;               /* a regular file: pread, history_seek */
	long long size;              /* at open, for seekable files */
	char *buf;                   /* line buffer */
	size_t cap;
	struct json_doc doc;
	unsigned long skipped;       /* unreadable lines, torn last line included */
	unsigned long first_bad_line;   /* 0 when unknown */
	long long first_bad_offset;
	bool consumed;               /* a pipe already read: cannot read again */
};

/* Open the history ("-" is standard input).  Returns 0, or -1 with errno
 * set (EISDIR for a directory) and a message "cannot read 'FILE': ..." in
 * err. */
int history_open(struct history_reader *r, const char *path, char *err, size_t errsize);

/* The byte offset of the first readable line whose timestamp is at or
 * after t (the file's size when there is none), by binary search: exact
 * when the file is in time order.  0 for a file that cannot seek.
 * Returns -1 with errno set on a read error. */
long long history_seek(struct history_reader *r, time_t t);

/* Read the records from byte offset from (0 for the start; rounded forward
 * to a line start) to the end, calling fn for each readable one.  Returns
 * 0 at the end, fn's nonzero value when it stopped, or -1 with errno set on
 * a read error. */
int history_read(struct history_reader *r, long long from, history_fn fn, void *ctx);

/* Close; prints the one warning when lines were skipped:
 * "FILE: skipped 3 unreadable lines (first at line 17)". */
void history_close(struct history_reader *r);

/* The usual read: records with from <= timestamp < until, in file order.
 * Seeks to from - HISTORY_SLACK_SECONDS and stops at the first record at
 * or after until + HISTORY_SLACK_SECONDS.  Returns like history_read, or -1
 * with a message in err ("cannot read 'FILE': ..."). */
int history_scan(const char *path, time_t from, time_t until,
		 history_fn fn, void *ctx, char *err, size_t errsize);

/* The number at dotted path ("memory.heap_used_mb") in object token obj.
 * Returns 0, or -1 when the path is missing or its value is not a number. */
int history_metric(const struct json_doc *doc, int obj, const char *path, double *out);

/* Call fn for every numeric leaf under object token obj with its dotted
 * name, in document order; "timestamp" and arrays are left out. */
typedef void (*history_metric_fn)(const char *name, double value, void *ctx);
void history_each_metric(const struct json_doc *doc, int obj, history_metric_fn fn, void *ctx);

#endif
