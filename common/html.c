/* HTML and Markdown escaping and the inline SVG line chart.  See html.h. */
#include <config.h>

#include <math.h>
#include <string.h>

#include "html.h"

#define REPLACEMENT "\xef\xbf\xbd"   /* U+FFFD */

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid.
 * U+FFFE and U+FFFF, which XML forbids, count as invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	if (s[0] < 0x80)
		return 1;
	size_t bad, len = utf8_sequence(s, n, &bad);
	if (len == 3 && s[0] == 0xef && s[1] == 0xbf && (s[2] == 0xbe || s[2] == 0xbf))
		return 0;
	return len;
}

void html_escape(struct strbuf *sb, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		unsigned char c = p[i];
		switch (c) {
		case '&': sb_adds(sb, "&amp;"); i++; continue;
		case '<': sb_adds(sb, "&lt;"); i++; continue;
		case '>': sb_adds(sb, "&gt;"); i++; continue;
		case '"': sb_adds(sb, "&quot;"); i++; continue;
		case '\'': sb_adds(sb, "&#39;"); i++; continue;
		default: break;
		}
		if (c < 0x20 && c != '\t' && c != '\n') {
			sb_adds(sb, REPLACEMENT);
			i++;
			continue;
		}
		if (c == 0x7f) {
			sb_adds(sb, REPLACEMENT);
			i++;
			continue;
		}
		size_t len = utf8_len(p + i, n - i);
		if (!len) {
			sb_adds(sb, REPLACEMENT);
			i++;
			continue;
		}
		sb_add(sb, s + i, len);
		i += len;
	}
}

void html_escapes(struct strbuf *sb, const char *s)
{
	html_escape(sb, s, strlen(s));
}

void md_escapes(struct strbuf *sb, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0;
	while (i < n) {
		unsigned char c = p[i];
		if (c == '<') {
			sb_adds(sb, "&lt;");
		} else if (c == '>') {
			sb_adds(sb, "&gt;");
		} else if (c == '&') {
			sb_adds(sb, "&amp;");
		} else if (c == '\n' || c == '\r' || c == '\t') {
			sb_addc(sb, ' ');
		} else if (c < 0x20 || c == 0x7f) {
			sb_adds(sb, REPLACEMENT);
		} else if (strchr("\\`*_[]#|~", c) && c) {
			sb_addc(sb, '\\');
			sb_addc(sb, (char)c);
		} else {
			size_t len = utf8_len(p + i, n - i);
			if (!len) {
				sb_adds(sb, REPLACEMENT);
			} else {
				sb_add(sb, s + i, len);
				i += len;
				continue;
			}
		}
		i++;
	}
}

/* ---- the chart ---- */

double svg_nice_step(double span, int n)
{
	if (!(span > 0) || !isfinite(span) || n < 1)
		return 1;
	double raw = span / n;
	double mag = pow(10, floor(log10(raw)));
	double f = raw / mag;
	double nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10;
	return nice * mag;
}

/* A tick value without float noise: at most the step's decimals. */
static void add_tick_label(struct strbuf *sb, double v, double step)
{
	int dec = 0;
	while (dec < 6 && fabs(step * pow(10, dec) - round(step * pow(10, dec))) > 1e-9)
		dec++;
	if (fabs(v) < step * 1e-9)
		v = 0;
	sb_addf(sb, "%.*f", dec, v);
}

void svg_line_chart(struct strbuf *sb, const struct svg_chart *c)
{
	const double left = 64, right = 16, top = 16, bottom = 56;
	double w = c->width, h = c->height;
	double pw = w - left - right, ph = h - top - bottom;
	double lo = INFINITY, hi = -INFINITY;
	for (size_t s = 0; s < c->nseries; s++)
		for (size_t i = 0; i < c->nx; i++) {
			double y = c->series[s].y[i];
			if (isfinite(y)) {
				lo = y < lo ? y : lo;
				hi = y > hi ? y : hi;
			}
		}
	sb_addf(sb, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"", c->width, c->height, c->width, c->height);
	html_escapes(sb, c->title);
	sb_adds(sb, "\"><title>");
	html_escapes(sb, c->title);
	sb_adds(sb, "</title>\n");
	sb_addf(sb, "<rect x=\"%g\" y=\"%g\" width=\"%g\" height=\"%g\" fill=\"#fafafa\" stroke=\"#ccc\"/>\n",
		left, top, pw, ph);
	if (!isfinite(lo)) {
		sb_addf(sb, "<text x=\"%g\" y=\"%g\" text-anchor=\"middle\" fill=\"#666\">no data</text>\n</svg>\n",
			left + pw / 2, top + ph / 2);
		return;
	}
	if (hi == lo) {
		double pad = lo == 0 ? 1 : fabs(lo) * 0.05;
		lo -= pad;
		hi += pad;
	}
	double step = svg_nice_step(hi - lo, 5);
	double ylo = floor(lo / step) * step, yhi = ceil(hi / step) * step;
	if (yhi <= ylo)
		yhi = ylo + step;
#define XPOS(i) (left + (c->nx > 1 ? pw * (double)(i) / (double)(c->nx - 1) : pw / 2))
#define YPOS(v) (top + ph - ph * ((v) - ylo) / (yhi - ylo))
	for (int k = 0; k <= 50; k++) {
		double v = ylo + step * k;
		if (v > yhi + step * 1e-9)
			break;
		double y = YPOS(v);
		sb_addf(sb, "<line x1=\"%g\" y1=\"%.1f\" x2=\"%g\" y2=\"%.1f\" stroke=\"#e3e3e3\"/>"
			"<text x=\"%g\" y=\"%.1f\" text-anchor=\"end\" font-size=\"11\" fill=\"#444\">",
			left, y, left + pw, y, left - 6, y + 4);
		add_tick_label(sb, v, step);
		sb_adds(sb, "</text>\n");
	}
	if (c->y_label) {
		sb_addf(sb, "<text x=\"12\" y=\"%g\" font-size=\"11\" fill=\"#444\" "
			"transform=\"rotate(-90 12 %g)\" text-anchor=\"middle\">", top + ph / 2, top + ph / 2);
		html_escapes(sb, c->y_label);
		sb_adds(sb, "</text>\n");
	}
	for (size_t i = 0; c->x_labels && i < c->nx; i++) {
		if (!c->x_labels[i])
			continue;
		double x = XPOS(i);
		sb_addf(sb, "<line x1=\"%.1f\" y1=\"%g\" x2=\"%.1f\" y2=\"%g\" stroke=\"#999\"/>"
			"<text x=\"%.1f\" y=\"%g\" font-size=\"11\" fill=\"#444\">", x, top + ph, x,
			top + ph + 4, x + 2, top + ph + 16);
		html_escapes(sb, c->x_labels[i]);
		sb_adds(sb, "</text>\n");
	}
	for (size_t s = 0; s < c->nseries; s++) {
		const struct svg_series *se = &c->series[s];
		struct strbuf d = STRBUF_INIT;
		for (size_t i = 0; i < c->nx; i++) {
			double y = se->y[i];
			if (!isfinite(y))
				continue;
			bool prev = i > 0 && isfinite(se->y[i - 1]);
			bool next = i + 1 < c->nx && isfinite(se->y[i + 1]);
			if (!prev && !next) {
				sb_addf(sb, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"", XPOS(i), YPOS(y));
				html_escapes(sb, se->colour);
				sb_adds(sb, "\"/>\n");
				continue;
			}
			sb_addf(&d, "%s%.1f %.1f", prev ? " L" : (d.len ? " M" : "M"), XPOS(i), YPOS(y));
		}
		if (d.len) {
			sb_addf(sb, "<path d=\"%s\" fill=\"none\" stroke-width=\"1.5\" stroke=\"", d.buf);
			html_escapes(sb, se->colour);
			sb_addf(sb, "\"%s/>\n", se->dashed ? " stroke-dasharray=\"5 3\"" : "");
		}
		sb_release(&d);
		double lx = left + 8 + 170 * (double)s, ly = h - 14;
		sb_addf(sb, "<line x1=\"%g\" y1=\"%g\" x2=\"%g\" y2=\"%g\" stroke-width=\"2\" stroke=\"",
			lx, ly - 4, lx + 24, ly - 4);
		html_escapes(sb, se->colour);
		sb_addf(sb, "\"%s/><text x=\"%g\" y=\"%g\" font-size=\"12\" fill=\"#222\">",
			se->dashed ? " stroke-dasharray=\"5 3\"" : "", lx + 30, ly);
		html_escapes(sb, se->label);
		sb_adds(sb, "</text>\n");
	}
#undef XPOS
#undef YPOS
	sb_adds(sb, "</svg>\n");
}
