/* The JMH result loader: reads `-rf json` files in all their shapes (every
 * mode, rawData and sample mode's rawDataHistogram, params, secondary
 * metrics in both spellings, files without jmhVersion, "NaN"/"+INF"
 * strings) into flat structs, in one strict pass over a mapped file.
 * Loading is thread-safe: nothing is printed (see jmh_flush_warnings). */
#ifndef PERF_JMH_H
#define PERF_JMH_H

#include <stdbool.h>
#include <stddef.h>

#include "stats.h"
#include "strmap.h"
#include "util.h"

struct jmh_metric {
	char *name;          /* as written: "·gc.alloc.rate.norm"; "primary" for the primary */
	const char *key;     /* name without the old "·" prefix (points into name) */
	char *unit;          /* scoreUnit, "" when absent */
	double score;        /* NAN when "NaN" */
	double error;        /* scoreError, NAN when absent */
	struct wval *samples;/* sorted raw samples (histogram counts as weights) */
	size_t nsamples;
	double weight;       /* total weight of the samples */
	size_t nan_samples;  /* NaN samples dropped */
};

struct jmh_param {
	char *key;
	char *value;
};

struct jmh_result {
	char *benchmark;
	char *mode;          /* "thrpt", "avgt", "sample", "ss", ... */
	struct jmh_param *params;  /* in file order */
	size_t nparams;
	char *label;         /* NAME or NAME(k=v,k=v), params in file order */
	char *key;           /* identity: name, mode and params sorted by key */
	struct jmh_metric primary;
	struct jmh_metric *secondary;
	size_t nsecondary;
	size_t offset;       /* where the result starts in the file */
	bool duplicate;      /* a later result in the file has the same key */
};

struct jmh_file {
	char *path;          /* as given; "-" for stdin */
	const char *display; /* path, or "<stdin>" */
	struct jmh_result *results;
	size_t n;
	size_t results_alloc; /* of results, a big_alloc block */
	struct strmap index;  /* key -> the last result with it, the one not duplicate */
	char *jmh_version;   /* of the first result, NULL when absent */
	struct arena arena;  /* names, units and samples of all results */
	struct strbuf warnings; /* lines to show, kept so two files can load at once */
};

/* Load path ("-" = stdin).  Returns 0, or -1 with a message "FILE:LINE:COL:
 * what is wrong" (or "cannot read 'FILE': reason") in err. */
int jmh_load(const char *path, struct jmh_file *out, char *err, size_t errsize);
/* Parse an in-memory document (text must be NUL-terminated at len). */
int jmh_parse(const char *text, size_t len, const char *path,
	      struct jmh_file *out, char *err, size_t errsize);
void jmh_file_free(struct jmh_file *f);
/* Print the warnings loading gathered (duplicates, NaN samples) with warn(). */
void jmh_flush_warnings(struct jmh_file *f);

/* Look up a secondary metric by key (the name without "·"); NULL if none. */
const struct jmh_metric *jmh_secondary(const struct jmh_result *r, const char *key);

#endif
