/* Unit tests for common/html.c: HTML and Markdown escaping, the SVG chart. */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check_suites.h"
#include "html.h"
#include "util.h"

static char *esc(const char *s, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	html_escape(&sb, s, n);
	return sb_detach(&sb, NULL);
}

START_TEST(test_html_escape)
{
	char *s = esc("<script>alert(1)</script>", 25);
	ck_assert_str_eq(s, "&lt;script&gt;alert(1)&lt;/script&gt;");
	free(s);
	s = esc("a&b \"q\" 'x'", 11);
	ck_assert_str_eq(s, "a&amp;b &quot;q&quot; &#39;x&#39;");
	free(s);
	/* UTF-8 kept; controls, NUL, bad bytes, surrogates, U+FFFF replaced. */
	s = esc("caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x98\x80", 14);
	ck_assert_str_eq(s, "caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x98\x80");
	free(s);
	s = esc("a\x01" "b\0c\x7f", 6);
	ck_assert_str_eq(s, "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\xef\xbf\xbd");
	free(s);
	s = esc("\xff\xc3(\xed\xa0\x80\xef\xbf\xbf\xc0\xaf", 11);
	ck_assert_str_eq(s, "\xef\xbf\xbd\xef\xbf\xbd(\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
			 "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	free(s);
	s = esc("tab\tnl\n", 7);
	ck_assert_str_eq(s, "tab\tnl\n");
	free(s);
	s = esc("\xe2\x82", 2);   /* truncated sequence */
	ck_assert_str_eq(s, "\xef\xbf\xbd\xef\xbf\xbd");
	free(s);
}
END_TEST

START_TEST(test_md_escape)
{
	struct strbuf sb = STRBUF_INIT;
	md_escapes(&sb, "<script>alert(1)</script> a|b *x* _y_ `z` [l](u) #1\nnext & done");
	ck_assert_str_eq(sb.buf, "&lt;script&gt;alert(1)&lt;/script&gt; a\\|b \\*x\\* \\_y\\_ "
			 "\\`z\\` \\[l\\](u) \\#1 next &amp; done");
	sb_reset(&sb);
	md_escapes(&sb, "chunk_loading.average_ms \xc3\xa9\xff");
	ck_assert_str_eq(sb.buf, "chunk\\_loading.average\\_ms \xc3\xa9\xef\xbf\xbd");
	sb_release(&sb);
}
END_TEST

START_TEST(test_nice_step)
{
	ck_assert(svg_nice_step(10, 5) == 2);
	ck_assert(svg_nice_step(1, 5) == 0.2);
	ck_assert(svg_nice_step(12, 5) == 2.5);
	ck_assert(svg_nice_step(3000, 5) == 1000);
	ck_assert(svg_nice_step(0.03, 5) == 0.01);
	ck_assert(svg_nice_step(0, 5) == 1);
	ck_assert(svg_nice_step(NAN, 5) == 1);
}
END_TEST

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

START_TEST(test_chart)
{
	double a[6] = { 1, 2, NAN, 4, NAN, 3 };
	double b[6] = { NAN, 2, 2.5, 3, 3.5, 4 };
	const char *labels[6] = { "Mon", NULL, "<b>", NULL, NULL, NULL };
	struct svg_series series[2] = {
		{ "this week", a, "#1f77b4", false },
		{ "last <week>", b, "#999", true },
	};
	struct svg_chart c = {
		.title = "TPS & co", .y_label = "tps", .width = 600, .height = 240,
		.nx = 6, .x_labels = labels, .series = series, .nseries = 2,
	};
	struct strbuf sb = STRBUF_INIT;
	svg_line_chart(&sb, &c);
	ck_assert(strncmp(sb.buf, "<svg xmlns=\"http://www.w3.org/2000/svg\"", 39) == 0);
	ck_assert_ptr_nonnull(strstr(sb.buf, "<title>TPS &amp; co</title>"));
	ck_assert_ptr_nonnull(strstr(sb.buf, "&lt;b&gt;"));
	ck_assert_ptr_nonnull(strstr(sb.buf, "last &lt;week&gt;"));
	ck_assert_ptr_null(strstr(sb.buf, "<b>"));
	/* a: a segment 1-2, isolated dots at 4 and 3; b: one path. */
	ck_assert_uint_eq(count(sb.buf, "<path "), 2);
	ck_assert_uint_eq(count(sb.buf, "<circle "), 2);
	ck_assert_uint_eq(count(sb.buf, "stroke-dasharray"), 2);
	ck_assert_ptr_null(strstr(sb.buf, "nan"));
	ck_assert(strcmp(sb.buf + sb.len - 7, "</svg>\n") == 0);
	sb_reset(&sb);
	double none[3] = { NAN, NAN, NAN };
	struct svg_series empty = { "x", none, "#000", false };
	c.nx = 3;
	c.x_labels = NULL;
	c.series = &empty;
	c.nseries = 1;
	svg_line_chart(&sb, &c);
	ck_assert_ptr_nonnull(strstr(sb.buf, ">no data</text>"));
	sb_reset(&sb);
	double flat[3] = { 5, 5, 5 };
	struct svg_series one = { "x", flat, "#000", false };
	c.series = &one;
	svg_line_chart(&sb, &c);
	ck_assert_uint_eq(count(sb.buf, "<path "), 1);
	ck_assert_ptr_null(strstr(sb.buf, "nan"));
	ck_assert_ptr_null(strstr(sb.buf, "inf"));
	sb_release(&sb);
}
END_TEST

Suite *suite_html(void)
{
	Suite *s = suite_create("html");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_html_escape);
	tcase_add_test(tc, test_md_escape);
	tcase_add_test(tc, test_nice_step);
	tcase_add_test(tc, test_chart);
	suite_add_tcase(s, tc);
	return s;
}
