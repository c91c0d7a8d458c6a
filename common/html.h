/* Writing reports as HTML (XHTML-compatible, so XML tools can read it)
 * and Markdown: escaping of text that comes from data, and a small inline
 * SVG line chart that needs no script and no network.
 *
 * Stands on: util.c (strbuf). */
#ifndef PERF_HTML_H
#define PERF_HTML_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

/* Append s[0..n) as HTML/XML text or attribute value: & < > " ' escaped,
 * characters XML forbids (controls other than tab and newline) and
 * invalid UTF-8 replaced by U+FFFD. */
void html_escape(struct strbuf *sb, const char *s, size_t n);
void html_escapes(struct strbuf *sb, const char *s);

/* Append s as Markdown inline text safe in a table cell: Markdown's
 * punctuation backslash-escaped, | escaped, < > & as entities (GitHub
 * renders inline HTML), newlines as spaces, invalid UTF-8 replaced. */
void md_escapes(struct strbuf *sb, const char *s);

/* A line chart: series of y values at x = 0..nx-1, NaN for a gap. */
struct svg_series {
	const char *label;
	const double *y;        /* nx values */
	const char *colour;     /* CSS colour, e.g. "#1f77b4" */
	bool dashed;
};

struct svg_chart {
	const char *title;      /* the chart's accessible name */
	const char *y_label;    /* e.g. "ms" */
	int width, height;      /* in px */
	size_t nx;
	const char *const *x_labels;   /* nx entries; NULL entries are not labelled */
	const struct svg_series *series;
	size_t nseries;
};

/* Append an <svg> element (with xmlns) drawing the chart: axes, five "nice"
 * y ticks, the x labels, a polyline per series broken at gaps (a dot for an
 * isolated point) and a legend.  A chart without any finite value says
 * "no data". */
void svg_line_chart(struct strbuf *sb, const struct svg_chart *c);

/* Round "nice" tick step for a range spanning span with about n ticks. */
double svg_nice_step(double span, int n);

#endif
