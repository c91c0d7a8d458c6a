/* Tests for common/yaml.c: tree shape and positions, libyaml's and our own
 * errors with their line:column, the limits, files and stdin, the scalar
 * conversions and ${VAR} expansion. */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check_suites.h"
#include "util.h"
#include "yaml.h"

/* The original alert rules, as the scripts this replaces read them. */
static const char alerts_yml[] =
	"# alerts/performance_alerts.yml\n"
	"alert_rules:\n"
	"  chunk_loading_regression:\n"
	"    metric: \"chunk_loading_time_ms\"\n"
	"    threshold_percent: 10\n"
	"    severity: \"high\"\n"
	"    notification_channels: [\"slack\", \"email\"]\n"
	"\n"
	"  memory_usage_increase:\n"
	"    metric: \"memory_usage_mb\"\n"
	"    threshold_percent: 15\n"
	"    severity: \"medium\"\n"
	"    notification_channels: [\"slack\"]\n"
	"\n"
	"  tps_degradation:\n"
	"    metric: \"tps_average\"\n"
	"    threshold_value: 18.0\n"
	"    comparison: \"less_than\"\n"
	"    severity: \"critical\"\n"
	"    notification_channels: [\"slack\", \"email\", \"pagerduty\"]\n"
	"\n"
	"  cache_efficiency_drop:\n"
	"    metric: \"cache_hit_ratio\"\n"
	"    threshold_percent: -10\n"
	"    severity: \"medium\"\n"
	"    notification_channels: [\"slack\"]\n"
	"\n"
	"notification_channels:\n"
	"  slack:\n"
	"    webhook_url: \"${SLACK_WEBHOOK_URL}\"\n"
	"    channel: \"#performance-alerts\"\n"
	"\n"
	"  email:\n"
	"    smtp_server: \"smtp.company.com\"\n"
	"    recipients: [\"qa-team@company.com\", \"devops@company.com\"]\n"
	"\n"
	"  pagerduty:\n"
	"    integration_key: \"${PAGERDUTY_INTEGRATION_KEY}\"\n";

#define CHECK_POS(n, l, c) do { \
	const struct ynode *n_ = (n); \
	ck_assert_ptr_nonnull(n_); \
	ck_assert_uint_eq(n_->line, (l)); \
	ck_assert_uint_eq(n_->col, (c)); \
} while (0)

#define CHECK_SCALAR(n, s, isplain) do { \
	const struct ynode *s_ = (n); \
	ck_assert_ptr_nonnull(s_); \
	ck_assert_int_eq(s_->type, YNODE_SCALAR); \
	ck_assert_str_eq(s_->str, (s)); \
	ck_assert_uint_eq(s_->len, strlen(s)); \
	ck_assert_int_eq(s_->plain, (isplain)); \
} while (0)

static struct ynode *load(const char *text)
{
	struct yaml_error err;
	struct ynode *n = yaml_load_string(text, strlen(text), "t.yml", NULL, &err);
	ck_assert_msg(n != NULL, "unexpected error: %s", err.msg);
	return n;
}

/* Loading text[0..len) must fail with exactly msg at line:col. */
static void expect_error_n(const char *text, size_t len,
			   const struct yaml_limits *lim, const char *msg,
			   unsigned line, unsigned col)
{
	struct yaml_error err;
	struct ynode *n = yaml_load_string(text, len, "t.yml", lim, &err);
	if (n)
		ynode_free(n);
	ck_assert_msg(n == NULL, "loaded, expected \"%s\"", msg);
	ck_assert_str_eq(err.msg, msg);
	ck_assert_uint_eq(err.line, line);
	ck_assert_uint_eq(err.col, col);
}

static void expect_error(const char *text, const struct yaml_limits *lim,
			 const char *msg, unsigned line, unsigned col)
{
	expect_error_n(text, strlen(text), lim, msg, line, col);
}

/* A scalar node for the conversion tests. */
static struct ynode scalar(const char *s, bool plain)
{
	struct ynode n;
	memset(&n, 0, sizeof n);
	n.type = YNODE_SCALAR;
	n.str = (char *)s;
	n.len = strlen(s);
	n.plain = plain;
	n.line = n.col = 1;
	return n;
}

/* --- files: one temporary directory per test case, made and removed by
 * the (unchecked) fixture */

static char tmpdir[PATH_MAX];

static void tmpdir_setup(void)
{
	const char *base = getenv("TMPDIR");
	snprintf(tmpdir, sizeof tmpdir, "%s/check_yaml.XXXXXX",
		 base && *base ? base : "/tmp");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		abort();
	}
}

static void tmpdir_teardown(void)
{
	DIR *d = opendir(tmpdir);
	if (d) {
		struct dirent *de;
		while ((de = readdir(d))) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			char *p = xasprintf("%s/%s", tmpdir, de->d_name);
			if (unlink(p) != 0)
				rmdir(p);
			free(p);
		}
		closedir(d);
	}
	rmdir(tmpdir);
}

/* Write data to name in tmpdir; returns the path (malloc'd). */
static char *write_tmp(const char *name, const char *data, size_t len)
{
	char *path = xasprintf("%s/%s", tmpdir, name);
	FILE *fp = fopen(path, "wb");
	ck_assert_ptr_nonnull(fp);
	ck_assert_uint_eq(fwrite(data, 1, len, fp), len);
	ck_assert_int_eq(fclose(fp), 0);
	return path;
}

/* Write a string literal (which may hold NULs) to name in tmpdir. */
#define WRITE_LIT(name, lit) write_tmp((name), (lit), sizeof(lit) - 1)

/* --- the tree */

START_TEST(test_nested_positions)
{
	struct ynode *root = load(
		"a:\n"
		"  b: 1\n"
		"  c: [x, \"y\"]\n"
		"d:\n"
		"- 1\n"
		"- {e: f}\n"
		"g:\n"
		"    - h\n"
		"    -   i: j\n");
	ck_assert_int_eq(root->type, YNODE_MAP);
	CHECK_POS(root, 1, 1);
	ck_assert_uint_eq(root->npairs, 3);

	CHECK_SCALAR(root->pairs[0].key, "a", true);
	CHECK_POS(root->pairs[0].key, 1, 1);
	struct ynode *a = root->pairs[0].value;
	ck_assert_int_eq(a->type, YNODE_MAP);
	CHECK_POS(a, 2, 3);
	ck_assert_uint_eq(a->npairs, 2);
	CHECK_POS(a->pairs[0].key, 2, 3);
	CHECK_SCALAR(a->pairs[0].value, "1", true);
	CHECK_POS(a->pairs[0].value, 2, 6);
	struct ynode *c = ynode_get(a, "c");
	ck_assert_int_eq(c->type, YNODE_SEQ);
	CHECK_POS(c, 3, 6);
	ck_assert_uint_eq(c->nitems, 2);
	CHECK_SCALAR(c->items[0], "x", true);
	CHECK_POS(c->items[0], 3, 7);
	CHECK_SCALAR(c->items[1], "y", false);
	CHECK_POS(c->items[1], 3, 10);

	struct ynode *d = ynode_get(root, "d");
	CHECK_POS(root->pairs[1].key, 4, 1);
	ck_assert_int_eq(d->type, YNODE_SEQ);
	CHECK_POS(d, 5, 1);
	ck_assert_uint_eq(d->nitems, 2);
	CHECK_POS(d->items[0], 5, 3);
	struct ynode *e = d->items[1];
	ck_assert_int_eq(e->type, YNODE_MAP);
	CHECK_POS(e, 6, 3);
	CHECK_POS(e->pairs[0].key, 6, 4);
	CHECK_SCALAR(ynode_get(e, "e"), "f", true);
	CHECK_POS(ynode_get(e, "e"), 6, 7);

	struct ynode *g = ynode_get(root, "g");
	ck_assert_int_eq(g->type, YNODE_SEQ);
	CHECK_POS(g, 8, 5);
	CHECK_POS(g->items[0], 8, 7);
	ck_assert_int_eq(g->items[1]->type, YNODE_MAP);
	CHECK_POS(g->items[1], 9, 9);
	CHECK_POS(ynode_get(g->items[1], "i"), 9, 12);
	ynode_free(root);
}
END_TEST

START_TEST(test_flow_style)
{
	struct ynode *root = load("{a: 1, b: [1, 2], c: {}, d: []}\n");
	ck_assert_int_eq(root->type, YNODE_MAP);
	CHECK_POS(root, 1, 1);
	ck_assert_uint_eq(root->npairs, 4);
	CHECK_POS(root->pairs[0].key, 1, 2);
	CHECK_SCALAR(ynode_get(root, "a"), "1", true);
	CHECK_POS(ynode_get(root, "a"), 1, 5);
	CHECK_POS(root->pairs[1].key, 1, 8);
	struct ynode *b = ynode_get(root, "b");
	ck_assert_int_eq(b->type, YNODE_SEQ);
	CHECK_POS(b, 1, 11);
	ck_assert_uint_eq(b->nitems, 2);
	CHECK_SCALAR(b->items[0], "1", true);
	CHECK_POS(b->items[0], 1, 12);
	CHECK_SCALAR(b->items[1], "2", true);
	CHECK_POS(b->items[1], 1, 15);
	ck_assert_int_eq(ynode_get(root, "c")->type, YNODE_MAP);
	ck_assert_uint_eq(ynode_get(root, "c")->npairs, 0);
	ck_assert_int_eq(ynode_get(root, "d")->type, YNODE_SEQ);
	ck_assert_uint_eq(ynode_get(root, "d")->nitems, 0);
	ynode_free(root);

	/* A top-level sequence, and flow across lines with CRLF. */
	root = load("a: 1\r\nb: [1,\r\n  2]\r\n");
	CHECK_POS(ynode_get(root, "b")->items[1], 3, 3);
	ynode_free(root);
	root = load("[1, [2, [3]]]");
	ck_assert_int_eq(root->type, YNODE_SEQ);
	CHECK_POS(root->items[1]->items[1], 1, 9);
	CHECK_SCALAR(root->items[1]->items[1]->items[0], "3", true);
	ynode_free(root);
}
END_TEST

START_TEST(test_quoted_plain)
{
	struct ynode *root = load(
		"a: x\n"
		"b: 'x'\n"
		"c: \"x\\ty\"\n"
		"d: 'it''s'\n"
		"e: \"\\u00e9\"\n"
		"f: one\n"
		"  two\n"
		"g: \"null\"\n"
		"h: !!str null\n"
		"i: 'a # b'\n"
		"j: a # comment\n"
		"\"k\": 1\n");
	CHECK_SCALAR(ynode_get(root, "a"), "x", true);
	CHECK_SCALAR(ynode_get(root, "b"), "x", false);
	CHECK_SCALAR(ynode_get(root, "c"), "x\ty", false);
	CHECK_SCALAR(ynode_get(root, "d"), "it's", false);
	CHECK_SCALAR(ynode_get(root, "e"), "\xc3\xa9", false);
	CHECK_SCALAR(ynode_get(root, "f"), "one two", true);
	CHECK_POS(ynode_get(root, "f"), 6, 4);
	CHECK_SCALAR(ynode_get(root, "g"), "null", false);
	ck_assert(!ynode_is_null(ynode_get(root, "g")));
	/* A tag makes it a string, not a null. */
	CHECK_SCALAR(ynode_get(root, "h"), "null", false);
	ck_assert(!ynode_is_null(ynode_get(root, "h")));
	CHECK_SCALAR(ynode_get(root, "i"), "a # b", false);
	CHECK_SCALAR(ynode_get(root, "j"), "a", true);
	CHECK_SCALAR(root->pairs[10].key, "k", false);
	CHECK_SCALAR(ynode_get(root, "k"), "1", true);
	ynode_free(root);

	/* An escaped NUL stays in the value, with its length. */
	root = load("a: \"x\\0y\"\n");
	struct ynode *a = ynode_get(root, "a");
	ck_assert_uint_eq(a->len, 3);
	ck_assert(!memcmp(a->str, "x\0y", 4));
	double d;
	long l;
	bool b;
	ck_assert_int_eq(ynode_double(a, &d), -1);
	ck_assert_int_eq(ynode_long(a, &l), -1);
	ck_assert_int_eq(ynode_bool(a, &b), -1);
	ynode_free(root);
}
END_TEST

START_TEST(test_block_scalars)
{
	struct ynode *root = load(
		"lit: |\n"
		"  line1\n"
		"   line2\n"
		"fold: >\n"
		"  one\n"
		"  two\n"
		"\n"
		"  three\n"
		"strip: |-\n"
		"  s\n"
		"keep: |+\n"
		"  k\n"
		"\n"
		"last: end\n");
	CHECK_SCALAR(ynode_get(root, "lit"), "line1\n line2\n", false);
	CHECK_POS(ynode_get(root, "lit"), 1, 6);
	CHECK_SCALAR(ynode_get(root, "fold"), "one two\nthree\n", false);
	CHECK_POS(ynode_get(root, "fold"), 4, 7);
	CHECK_SCALAR(ynode_get(root, "strip"), "s", false);
	CHECK_SCALAR(ynode_get(root, "keep"), "k\n\n", false);
	CHECK_SCALAR(ynode_get(root, "last"), "end", true);
	CHECK_POS(root->pairs[4].key, 14, 1);
	ynode_free(root);
}
END_TEST

START_TEST(test_anchors_alone)
{
	struct ynode *root = load("a: &x 1\nb: &y [1, 2]\nc: &z {d: e}\n&k f: g\n");
	CHECK_SCALAR(ynode_get(root, "a"), "1", true);
	ck_assert_uint_eq(ynode_get(root, "b")->nitems, 2);
	CHECK_SCALAR(ynode_get(ynode_get(root, "c"), "d"), "e", true);
	CHECK_SCALAR(ynode_get(root, "f"), "g", true);
	ynode_free(root);
}
END_TEST

START_TEST(test_empty)
{
	static const char *const texts[] = {
		"", "\n\n", "# only a comment\n", "# one\n\n   # two", "---\n",
		"--- # c\n...\n", "%YAML 1.1\n---\n",
	};
	for (size_t i = 0; i < ARRAY_SIZE(texts); i++) {
		struct ynode *n = load(texts[i]);
		ck_assert_int_eq(n->type, YNODE_MAP);
		ck_assert_uint_eq(n->npairs, 0);
		ck_assert_ptr_null(ynode_get(n, "a"));
		ck_assert_uint_ge(n->line, 1);
		ck_assert_uint_ge(n->col, 1);
		ynode_free(n);
	}
	/* No text at all, not even a pointer. */
	struct yaml_error err;
	struct ynode *n = yaml_load_string(NULL, 0, "t.yml", NULL, &err);
	ck_assert_ptr_nonnull(n);
	ck_assert_int_eq(n->type, YNODE_MAP);
	ck_assert_uint_eq(n->npairs, 0);
	CHECK_POS(n, 1, 1);
	ynode_free(n);

	/* An explicit null or a scalar is not turned into a map. */
	n = load("~\n");
	ck_assert_int_eq(n->type, YNODE_SCALAR);
	ck_assert(ynode_is_null(n));
	ynode_free(n);
	n = load("hello");
	CHECK_SCALAR(n, "hello", true);
	ynode_free(n);

	/* One document with its markers is fine. */
	n = load("---\na: 1\n...\n");
	CHECK_SCALAR(ynode_get(n, "a"), "1", true);
	ynode_free(n);
}
END_TEST

START_TEST(test_alerts_rules)
{
	struct ynode *root = load(alerts_yml);
	ck_assert_int_eq(root->type, YNODE_MAP);
	CHECK_POS(root, 2, 1);
	ck_assert_uint_eq(root->npairs, 2);

	struct ynode *rules = ynode_get(root, "alert_rules");
	ck_assert_int_eq(rules->type, YNODE_MAP);
	ck_assert_uint_eq(rules->npairs, 4);
	static const char *const names[] = { "chunk_loading_regression",
		"memory_usage_increase", "tps_degradation", "cache_efficiency_drop" };
	static const unsigned lines[] = { 3, 9, 15, 22 };
	for (size_t i = 0; i < 4; i++) {
		CHECK_SCALAR(rules->pairs[i].key, names[i], true);
		CHECK_POS(rules->pairs[i].key, lines[i], 3);
		CHECK_POS(rules->pairs[i].value, lines[i] + 1, 5);
	}

	struct ynode *r = ynode_get(rules, "chunk_loading_regression");
	long l;
	double d;
	CHECK_SCALAR(ynode_get(r, "metric"), "chunk_loading_time_ms", false);
	ck_assert_int_eq(ynode_long(ynode_get(r, "threshold_percent"), &l), 0);
	ck_assert_int_eq(l, 10);
	struct ynode *ch = ynode_get(r, "notification_channels");
	ck_assert_int_eq(ch->type, YNODE_SEQ);
	ck_assert_uint_eq(ch->nitems, 2);
	CHECK_SCALAR(ch->items[0], "slack", false);
	CHECK_SCALAR(ch->items[1], "email", false);
	CHECK_POS(ch->items[1], 7, 38);

	r = ynode_get(rules, "tps_degradation");
	ck_assert_ptr_null(ynode_get(r, "threshold_percent"));
	ck_assert_int_eq(ynode_double(ynode_get(r, "threshold_value"), &d), 0);
	ck_assert_double_eq(d, 18.0);
	ck_assert_int_eq(ynode_long(ynode_get(r, "threshold_value"), &l), -1);
	CHECK_POS(ynode_get(r, "threshold_value"), 17, 22);
	ck_assert_uint_eq(ynode_get(r, "notification_channels")->nitems, 3);

	r = ynode_get(rules, "cache_efficiency_drop");
	ck_assert_int_eq(ynode_long(ynode_get(r, "threshold_percent"), &l), 0);
	ck_assert_int_eq(l, -10);
	ck_assert_int_eq(ynode_double(ynode_get(r, "threshold_percent"), &d), 0);
	ck_assert_double_eq(d, -10.0);

	struct ynode *chans = ynode_get(root, "notification_channels");
	ck_assert_uint_eq(chans->npairs, 3);
	CHECK_POS(chans, 29, 3);
	struct ynode *hook = ynode_get(ynode_get(chans, "slack"), "webhook_url");
	CHECK_SCALAR(hook, "${SLACK_WEBHOOK_URL}", false);
	CHECK_POS(hook, 30, 18);
	CHECK_SCALAR(ynode_get(ynode_get(chans, "slack"), "channel"),
		     "#performance-alerts", false);
	ck_assert_uint_eq(ynode_get(ynode_get(chans, "email"), "recipients")->nitems, 2);

	char *missing;
	setenv("SLACK_WEBHOOK_URL", "https://hooks.example/T0", 1);
	char *url = yaml_expand_env(hook->str, &missing);
	ck_assert_str_eq(url, "https://hooks.example/T0");
	ck_assert_ptr_null(missing);
	free(url);
	unsetenv("PAGERDUTY_INTEGRATION_KEY");
	struct ynode *key = ynode_get(ynode_get(chans, "pagerduty"), "integration_key");
	char *v = yaml_expand_env(key->str, &missing);
	ck_assert_str_eq(v, "");
	ck_assert_str_eq(missing, "PAGERDUTY_INTEGRATION_KEY");
	free(v);
	free(missing);
	unsetenv("SLACK_WEBHOOK_URL");
	ynode_free(root);
}
END_TEST

/* --- errors from libyaml, with the position it gives */

START_TEST(test_err_tab_indent)
{
	expect_error("a:\n\tb: 1\n", NULL,
		     "t.yml:2:1: found character that cannot start any token"
		     " (a tab: indent with spaces)", 2, 1);
	expect_error("a: 1\nb:\n\t- x\n", NULL,
		     "t.yml:3:1: found character that cannot start any token"
		     " (a tab: indent with spaces)", 3, 1);
	/* A tab that is not indentation is fine. */
	struct ynode *n = load("a:\t1\n");
	CHECK_SCALAR(ynode_get(n, "a"), "1", true);
	ynode_free(n);
}
END_TEST

START_TEST(test_err_unclosed_quote)
{
	expect_error("a: \"abc\nb: 1\n", NULL,
		     "t.yml:3:1: found unexpected end of stream"
		     " (while scanning a quoted scalar at line 1, column 4)", 3, 1);
	expect_error("a: 'abc", NULL,
		     "t.yml:1:8: found unexpected end of stream"
		     " (while scanning a quoted scalar at line 1, column 4)", 1, 8);
}
END_TEST

START_TEST(test_err_bad_indent)
{
	expect_error("a:\n  b: 1\n c: 2\n", NULL,
		     "t.yml:3:2: did not find expected key"
		     " (while parsing a block mapping at line 1, column 1)", 3, 2);
	expect_error("- a\nb: c\n", NULL,
		     "t.yml:2:1: did not find expected '-' indicator"
		     " (while parsing a block collection at line 1, column 1)", 2, 1);
}
END_TEST

START_TEST(test_err_syntax)
{
	expect_error("a: 1\nb:\n  c d: e: f\n", NULL,
		     "t.yml:3:9: mapping values are not allowed in this context",
		     3, 9);
	expect_error("a: b\n  c: d\n", NULL,
		     "t.yml:2:4: mapping values are not allowed in this context",
		     2, 4);
	expect_error("[a, b\n", NULL,
		     "t.yml:2:1: did not find expected ',' or ']'"
		     " (while parsing a flow sequence at line 1, column 1)", 2, 1);
	expect_error("a: @x\n", NULL,
		     "t.yml:1:4: found character that cannot start any token", 1, 4);
	expect_error("a: \"\\q\"\n", NULL,
		     "t.yml:1:5: found unknown escape character"
		     " (while parsing a quoted scalar at line 1, column 4)", 1, 5);

	/* The name: NULL is "<string>", "-" is "<stdin>". */
	struct yaml_error err;
	ck_assert_ptr_null(yaml_load_string("a: @", 4, NULL, NULL, &err));
	ck_assert_str_eq(err.msg, "<string>:1:4: found character that cannot start any token");
	ck_assert_ptr_null(yaml_load_string("a: @", 4, "-", NULL, &err));
	ck_assert_str_eq(err.msg, "<stdin>:1:4: found character that cannot start any token");
	/* err may be NULL. */
	ck_assert_ptr_null(yaml_load_string("a: @", 4, "x", NULL, NULL));
}
END_TEST

START_TEST(test_err_invalid_utf8)
{
	expect_error("a: \xff\n", NULL,
		     "t.yml:1:4: invalid leading UTF-8 octet (byte 0xff)", 1, 4);
	expect_error("a: 1\nb: \"x\xe2\x82\"\n", NULL,
		     "t.yml:2:7: invalid trailing UTF-8 octet (byte 0x22)", 2, 7);
	expect_error("a: \xc3", NULL,
		     "t.yml:1:4: incomplete UTF-8 octet sequence", 1, 4);
	/* Columns count characters, as libyaml's do. */
	expect_error("\xc3\xa9t\xc3\xa9: \xfe\n", NULL,
		     "t.yml:1:6: invalid leading UTF-8 octet (byte 0xfe)", 1, 6);
	/* An overlong encoding ("/" in two bytes). */
	expect_error("a: \xc0\xaf\n", NULL,
		     "t.yml:1:4: invalid length of a UTF-8 sequence", 1, 4);
	/* Surrogates are not characters. */
	expect_error("a: \xed\xa0\x80\n", NULL,
		     "t.yml:1:4: invalid Unicode character (U+D800)", 1, 4);
	/* A byte order mark is skipped and not counted. */
	expect_error("\xef\xbb\xbf" "a: 1\nb: \xff\n", NULL,
		     "t.yml:2:4: invalid leading UTF-8 octet (byte 0xff)", 2, 4);
	struct ynode *n = load("\xef\xbb\xbf" "a: \xc3\xa9\n");
	CHECK_SCALAR(ynode_get(n, "a"), "\xc3\xa9", true);
	CHECK_POS(n, 1, 1);
	ynode_free(n);
}
END_TEST

START_TEST(test_err_nul_byte)
{
	static const char text[] = "a: b\0c\nd: e\n";
	expect_error_n(text, sizeof text - 1, NULL,
		       "t.yml:1:5: control characters are not allowed (U+0000)", 1, 5);
	static const char text2[] = "a: 1\n\0";
	expect_error_n(text2, sizeof text2 - 1, NULL,
		       "t.yml:2:1: control characters are not allowed (U+0000)", 2, 1);
	expect_error("a: \x01\n", NULL,
		     "t.yml:1:4: control characters are not allowed (U+0001)", 1, 4);
}
END_TEST

/* --- our own refusals */

START_TEST(test_alias_refused)
{
	expect_error("a: &x 1\nb: *x\n", NULL,
		     "t.yml:2:4: aliases are not allowed", 2, 4);
	expect_error("[&a 1, *a]\n", NULL,
		     "t.yml:1:8: aliases are not allowed", 1, 8);
	expect_error("a: &x 1\n*x : 2\n", NULL,
		     "t.yml:2:1: aliases are not allowed", 2, 1);
	/* An alias to nothing is refused the same way. */
	expect_error("a: *nowhere\n", NULL,
		     "t.yml:1:4: aliases are not allowed", 1, 4);
}
END_TEST

START_TEST(test_billion_laughs)
{
	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
	for (char c = 'b'; c <= 'i'; c++) {
		sb_addf(&sb, "%c: &%c [", c, c);
		for (int i = 0; i < 9; i++)
			sb_addf(&sb, "%s*%c", i ? "," : "", c - 1);
		sb_adds(&sb, "]\n");
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	expect_error_n(sb.buf, sb.len, NULL, "t.yml:2:8: aliases are not allowed", 2, 8);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
		    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	ck_assert_msg(ms < 1000, "took %.0f ms", ms);
	sb_release(&sb);
}
END_TEST

START_TEST(test_duplicate_keys)
{
	expect_error("a: 1\nb: 2\na: 3\n", NULL,
		     "t.yml:3:1: duplicate key 'a' (first at line 1)", 3, 1);
	/* Quoting does not make a different key. */
	expect_error("\"a\": 1\n'a': 2\n", NULL,
		     "t.yml:2:1: duplicate key 'a' (first at line 1)", 2, 1);
	expect_error("{a: 1, a: 2}\n", NULL,
		     "t.yml:1:8: duplicate key 'a' (first at line 1)", 1, 8);
	expect_error("x:\n  y: 1\n  z:\n    q: 1\n  y: 2\n", NULL,
		     "t.yml:5:3: duplicate key 'y' (first at line 2)", 5, 3);
	expect_error("? \n: 1\n? \n: 2\n", NULL,
		     "t.yml:3:2: duplicate key '' (first at line 1)", 3, 2);
	/* A long key is shortened in the message. */
	static const char k80[] =
		"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk";
	char text[256], want[256];
	snprintf(text, sizeof text, "%s: 1\n%s: 2\n", k80, k80);
	snprintf(want, sizeof want, "t.yml:2:1: duplicate key '%s' (first at line 1)",
		 "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk");
	expect_error(text, NULL, want, 2, 1);

	/* The same key in different maps, and keys that only look alike. */
	struct ynode *n = load("a: {x: 1}\nb: {x: 2}\nc: [{x: 1}, {x: 2}]\n"
			       "d: {1: a, 01: b, \"1 \": c, X: d}\n");
	ck_assert_uint_eq(ynode_get(n, "d")->npairs, 4);
	CHECK_SCALAR(ynode_get(ynode_get(n, "d"), "01"), "b", true);
	ynode_free(n);

	/* Many keys: the duplicate is found at the end of a large map. */
	struct strbuf sb = STRBUF_INIT;
	for (int i = 0; i < 20000; i++)
		sb_addf(&sb, "key%d: %d\n", i, i);
	n = load(sb.buf);
	ck_assert_uint_eq(n->npairs, 20000);
	CHECK_SCALAR(ynode_get(n, "key19999"), "19999", true);
	ynode_free(n);
	sb_adds(&sb, "key123: again\n");
	expect_error_n(sb.buf, sb.len, NULL,
		       "t.yml:20001:1: duplicate key 'key123' (first at line 124)",
		       20001, 1);
	sb_release(&sb);
}
END_TEST

START_TEST(test_nonscalar_keys)
{
	expect_error("? [a]\n: 1\n", NULL,
		     "t.yml:1:3: mapping keys must be scalars", 1, 3);
	expect_error("{[a]: 1}\n", NULL,
		     "t.yml:1:2: mapping keys must be scalars", 1, 2);
	expect_error("? {x: 1}\n: 2\n", NULL,
		     "t.yml:1:3: mapping keys must be scalars", 1, 3);
	expect_error("a:\n  ok: 1\n  ? - x\n  : 1\n", NULL,
		     "t.yml:3:5: mapping keys must be scalars", 3, 5);
}
END_TEST

START_TEST(test_two_documents)
{
	expect_error("a: 1\n---\nb: 2\n", NULL,
		     "t.yml:2:1: more than one document", 2, 1);
	expect_error("--- a\n--- b\n", NULL,
		     "t.yml:2:1: more than one document", 2, 1);
	expect_error("a: 1\n...\n---\n", NULL,
		     "t.yml:3:1: more than one document", 3, 1);
	/* A second document is refused before its errors are seen. */
	expect_error("a: 1\n---\n*x\n", NULL,
		     "t.yml:2:1: more than one document", 2, 1);
}
END_TEST

/* --- limits */

START_TEST(test_depth_limit)
{
	struct yaml_limits lim = { .max_depth = 3 };
	struct yaml_error err;
	const char *ok = "a: {b: {c: 1}}\n";
	struct ynode *n = yaml_load_string(ok, strlen(ok), "t.yml", &lim, &err);
	ck_assert_ptr_nonnull(n);
	ynode_free(n);
	expect_error("a: {b: {c: [1]}}\n", &lim,
		     "t.yml:1:12: nesting deeper than 3 levels", 1, 12);
	expect_error("- - - - x\n", &lim,
		     "t.yml:1:7: nesting deeper than 3 levels", 1, 7);
	expect_error("a:\n  b:\n    c:\n      d: 1\n", &lim,
		     "t.yml:4:7: nesting deeper than 3 levels", 4, 7);

	/* The default is 32 levels. */
	char deep[80];
	memset(deep, 0, sizeof deep);
	memset(deep, '[', 32);
	memset(deep + 32, ']', 32);
	n = load(deep);
	ck_assert_int_eq(n->type, YNODE_SEQ);
	ynode_free(n);
	memset(deep, '[', 33);
	memset(deep + 33, ']', 33);
	expect_error(deep, NULL, "t.yml:1:33: nesting deeper than 32 levels", 1, 33);

	/* Very deep input fails at the limit, without trouble. */
	struct strbuf sb = STRBUF_INIT;
	for (int i = 0; i < 100000; i++)
		sb_addc(&sb, '[');
	expect_error_n(sb.buf, sb.len, NULL,
		       "t.yml:1:33: nesting deeper than 32 levels", 1, 33);
	sb_release(&sb);
}
END_TEST

START_TEST(test_node_limit)
{
	/* map, a, seq, 1, 2: five nodes. */
	const char *text = "a: [1, 2]\n";
	struct yaml_limits lim = { .max_nodes = 5 };
	struct yaml_error err;
	struct ynode *n = yaml_load_string(text, strlen(text), "t.yml", &lim, &err);
	ck_assert_ptr_nonnull(n);
	ynode_free(n);
	lim.max_nodes = 4;
	expect_error(text, &lim, "t.yml:1:8: more than 4 nodes", 1, 8);
	lim.max_nodes = 1;
	expect_error(text, &lim, "t.yml:1:1: more than 1 nodes", 1, 1);

	/* The default is 100000. */
	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, "[");
	for (int i = 0; i < 99999; i++)
		sb_adds(&sb, "1,");
	sb_adds(&sb, "]");
	n = load(sb.buf);
	ck_assert_uint_eq(n->nitems, 99999);
	ynode_free(n);
	sb.buf[sb.len - 1] = '2';
	sb_adds(&sb, "]");
	expect_error_n(sb.buf, sb.len, NULL, "t.yml:1:200000: more than 100000 nodes",
		       1, 200000);
	sb_release(&sb);
}
END_TEST

START_TEST(test_size_limit)
{
	struct yaml_limits lim = { .max_bytes = 10 };
	struct yaml_error err;
	struct ynode *n = yaml_load_string("a: 123456\n", 10, "t.yml", &lim, &err);
	ck_assert_ptr_nonnull(n);
	ynode_free(n);
	expect_error("a: 1234567\n", &lim, "t.yml: file is larger than 10 bytes", 0, 0);

	char *path = WRITE_LIT("big.yml", "a: 1234567\n");
	ck_assert_ptr_null(yaml_load_file(path, &lim, &err));
	char *want = xasprintf("%s: file is larger than 10 bytes", path);
	ck_assert_str_eq(err.msg, want);
	ck_assert_uint_eq(err.line, 0);
	ck_assert_uint_eq(err.col, 0);
	free(want);
	lim.max_bytes = 11;
	n = yaml_load_file(path, &lim, &err);
	ck_assert_ptr_nonnull(n);
	ynode_free(n);
	free(path);

	/* The default is 1 MiB. */
	size_t len = (size_t)1 << 20;
	char *big = xmalloc(len + 2);
	memset(big, ' ', len + 1);
	big[0] = '#';
	big[len + 1] = '\0';
	expect_error_n(big, len + 1, NULL, "t.yml: file is larger than 1048576 bytes", 0, 0);
	n = yaml_load_string(big, len, "t.yml", NULL, &err);
	ck_assert_ptr_nonnull(n);
	ynode_free(n);
	free(big);
}
END_TEST

/* A realistic 1 MiB file loads quickly (well under 100 ms in an optimised
 * build; the bound here leaves room for sanitizers and valgrind). */
START_TEST(test_large_file)
{
	struct strbuf sb = STRBUF_INIT;
	int i;
	for (i = 0; sb.len < ((size_t)1 << 20) - 200; i++)
		sb_addf(&sb, "bench_%d:\n  metric: \"chunk_loading_time_ms_of_"
			"the_world_generation_benchmark_%d\"\n  threshold: %d.5\n",
			i, i, i);
	char *path = write_tmp("large.yml", sb.buf, sb.len);
	struct timespec t0, t1;
	struct yaml_error err;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct ynode *n = yaml_load_file(path, NULL, &err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ck_assert_msg(n != NULL, "%s", err.msg);
	double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
		    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	ck_assert_msg(ms < 20000, "took %.0f ms", ms);
	ck_assert_uint_eq(n->npairs, (size_t)i);
	double d;
	char key[32];
	snprintf(key, sizeof key, "bench_%d", i - 1);
	ck_assert_int_eq(ynode_double(ynode_get(ynode_get(n, key), "threshold"), &d), 0);
	ck_assert_double_eq(d, i - 1 + 0.5);
	CHECK_POS(n->pairs[i - 1].key, (unsigned)(3 * (i - 1) + 1), 1);
	ynode_free(n);
	free(path);
	sb_release(&sb);
}
END_TEST

/* --- files and stdin */

START_TEST(test_load_file)
{
	char *path = write_tmp("alerts.yml", alerts_yml, strlen(alerts_yml));
	struct yaml_error err;
	struct ynode *n = yaml_load_file(path, NULL, &err);
	ck_assert_msg(n != NULL, "%s", err.msg);
	ck_assert_uint_eq(ynode_get(n, "alert_rules")->npairs, 4);
	ynode_free(n);
	free(path);

	/* Errors name the file. */
	path = WRITE_LIT("bad.yml", "a: 1\nb:\n  c d: e: f\n");
	ck_assert_ptr_null(yaml_load_file(path, NULL, &err));
	char *want = xasprintf("%s:3:9: mapping values are not allowed in this context", path);
	ck_assert_str_eq(err.msg, want);
	ck_assert_uint_eq(err.line, 3);
	ck_assert_uint_eq(err.col, 9);
	free(want);
	free(path);

	path = WRITE_LIT("empty.yml", "");
	n = yaml_load_file(path, NULL, &err);
	ck_assert_ptr_nonnull(n);
	ck_assert_int_eq(n->type, YNODE_MAP);
	ck_assert_uint_eq(n->npairs, 0);
	ynode_free(n);
	free(path);

	path = WRITE_LIT("comments.yml", "# nothing\n# here\n");
	n = yaml_load_file(path, NULL, &err);
	ck_assert_ptr_nonnull(n);
	ck_assert_int_eq(n->type, YNODE_MAP);
	ck_assert_uint_eq(n->npairs, 0);
	ynode_free(n);
	free(path);

	path = WRITE_LIT("nul.yml", "a: b\0c\n");
	ck_assert_ptr_null(yaml_load_file(path, NULL, &err));
	want = xasprintf("%s:1:5: control characters are not allowed (U+0000)", path);
	ck_assert_str_eq(err.msg, want);
	free(want);
	free(path);
}
END_TEST

START_TEST(test_missing_file)
{
	struct yaml_error err;
	char *path = xasprintf("%s/no-such.yml", tmpdir);
	err.line = err.col = 7;
	ck_assert_ptr_null(yaml_load_file(path, NULL, &err));
	char *want = xasprintf("cannot read '%s': %s", path, strerror(ENOENT));
	ck_assert_str_eq(err.msg, want);
	ck_assert_str_eq(strrchr(err.msg, ':'), ": No such file or directory");
	ck_assert_uint_eq(err.line, 0);
	ck_assert_uint_eq(err.col, 0);
	free(want);
	free(path);

	ck_assert_ptr_null(yaml_load_file(tmpdir, NULL, &err));
	want = xasprintf("cannot read '%s': %s", tmpdir, strerror(EISDIR));
	ck_assert_str_eq(err.msg, want);
	free(want);
}
END_TEST

/* Load "-" with the file at path as standard input. */
static struct ynode *load_stdin(const char *path, struct yaml_error *err)
{
	int saved = dup(STDIN_FILENO);
	int fd = open(path, O_RDONLY);
	ck_assert_int_ge(saved, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(dup2(fd, STDIN_FILENO), STDIN_FILENO);
	close(fd);
	struct ynode *n = yaml_load_file("-", NULL, err);
	ck_assert_int_eq(dup2(saved, STDIN_FILENO), STDIN_FILENO);
	close(saved);
	return n;
}

START_TEST(test_stdin)
{
	struct yaml_error err;
	char *path = WRITE_LIT("in.yml", "a: [1]\n");
	struct ynode *n = load_stdin(path, &err);
	ck_assert_msg(n != NULL, "%s", err.msg);
	CHECK_SCALAR(ynode_get(n, "a")->items[0], "1", true);
	ynode_free(n);
	free(path);

	path = WRITE_LIT("in-bad.yml", "a: 1\na: 2\n");
	ck_assert_ptr_null(load_stdin(path, &err));
	ck_assert_str_eq(err.msg, "<stdin>:2:1: duplicate key 'a' (first at line 1)");
	free(path);
}
END_TEST

/* --- lookups and conversions */

START_TEST(test_get)
{
	struct ynode *n = load("a: 1\nb:\nc: [x]\n\"d e\": 2\n");
	CHECK_SCALAR(ynode_get(n, "a"), "1", true);
	/* A key with no value has an empty plain scalar, which is null. */
	struct ynode *b = ynode_get(n, "b");
	CHECK_SCALAR(b, "", true);
	ck_assert(ynode_is_null(b));
	CHECK_SCALAR(ynode_get(n, "d e"), "2", true);
	ck_assert_ptr_null(ynode_get(n, "z"));
	ck_assert_ptr_null(ynode_get(n, ""));
	ck_assert_ptr_null(ynode_get(n, "A"));
	ck_assert_ptr_null(ynode_get(n, NULL));
	ck_assert_ptr_null(ynode_get(NULL, "a"));
	/* Not a map. */
	ck_assert_ptr_null(ynode_get(ynode_get(n, "c"), "x"));
	ck_assert_ptr_null(ynode_get(ynode_get(n, "a"), "1"));

	ck_assert_str_eq(ynode_type_name(n), "mapping");
	ck_assert_str_eq(ynode_type_name(ynode_get(n, "c")), "sequence");
	ck_assert_str_eq(ynode_type_name(ynode_get(n, "a")), "scalar");
	ck_assert_str_eq(ynode_type_name(NULL), "nothing");
	ynode_free(n);
	ynode_free(NULL);
}
END_TEST

START_TEST(test_is_null)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };
	static const char *const not_nulls[] = { "nULL", "nil", "none", "0", " ", "~~" };
	ck_assert(ynode_is_null(NULL));
	for (size_t i = 0; i < ARRAY_SIZE(nulls); i++) {
		struct ynode n = scalar(nulls[i], true);
		ck_assert_msg(ynode_is_null(&n), "'%s'", nulls[i]);
		n.plain = false;
		ck_assert_msg(!ynode_is_null(&n), "quoted '%s'", nulls[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(not_nulls); i++) {
		struct ynode n = scalar(not_nulls[i], true);
		ck_assert_msg(!ynode_is_null(&n), "'%s'", not_nulls[i]);
	}
	struct ynode *n = load("a: ~\nb: null\nc: ''\nd: {}\ne: []\nf:\n");
	ck_assert(ynode_is_null(ynode_get(n, "a")));
	ck_assert(ynode_is_null(ynode_get(n, "b")));
	ck_assert(!ynode_is_null(ynode_get(n, "c")));
	ck_assert(!ynode_is_null(ynode_get(n, "d")));
	ck_assert(!ynode_is_null(ynode_get(n, "e")));
	ck_assert(ynode_is_null(ynode_get(n, "f")));
	ck_assert(ynode_is_null(ynode_get(n, "missing")));
	ynode_free(n);
}
END_TEST

START_TEST(test_double)
{
	static const struct { const char *s; double v; } ok[] = {
		{ "5", 5 }, { "0", 0 }, { "-0", 0 }, { "+2", 2 }, { "-1.5", -1.5 },
		{ "18.0", 18 }, { ".5", 0.5 }, { "5.", 5 }, { "1e3", 1000 },
		{ "1E-3", 0.001 }, { "-2.5e+2", -250 }, { "007", 7 },
		{ "1e-999", 0 },   /* underflow: the nearest value */
	};
	static const char *const bad[] = {
		"", "5x", "x", "-", "+", ".", "e5", "1e", "1.2.3", "1,5", "1_000",
		" 5", "5 ", "inf", "nan", "Infinity", "0x10", "0x1p3", "..inf", ".infx",
		"+.nan", "-.nan", ".iNf", "1e999", "-1e999", "~", "true",
	};
	double d;
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		struct ynode n = scalar(ok[i].s, true);
		d = -42;
		ck_assert_msg(ynode_double(&n, &d) == 0, "'%s'", ok[i].s);
		ck_assert_double_eq_tol(d, ok[i].v, 1e-12);
		/* Quoted numbers are numbers too. */
		n.plain = false;
		ck_assert_msg(ynode_double(&n, &d) == 0, "quoted '%s'", ok[i].s);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct ynode n = scalar(bad[i], true);
		d = -42;
		ck_assert_msg(ynode_double(&n, &d) == -1, "'%s'", bad[i]);
		ck_assert_double_eq(d, -42);
	}
	static const char *const pinf[] = { ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF" };
	static const char *const ninf[] = { "-.inf", "-.Inf", "-.INF" };
	static const char *const nans[] = { ".nan", ".NaN", ".NAN" };
	for (size_t i = 0; i < ARRAY_SIZE(pinf); i++) {
		struct ynode n = scalar(pinf[i], true);
		ck_assert_int_eq(ynode_double(&n, &d), 0);
		ck_assert(isinf(d) && d > 0);
	}
	for (size_t i = 0; i < ARRAY_SIZE(ninf); i++) {
		struct ynode n = scalar(ninf[i], true);
		ck_assert_int_eq(ynode_double(&n, &d), 0);
		ck_assert(isinf(d) && d < 0);
	}
	for (size_t i = 0; i < ARRAY_SIZE(nans); i++) {
		struct ynode n = scalar(nans[i], false);
		ck_assert_int_eq(ynode_double(&n, &d), 0);
		ck_assert(isnan(d));
	}
	ck_assert_int_eq(ynode_double(NULL, &d), -1);
	struct ynode *m = load("a: {b: 1}\nc: [1]\nd: \"2.5\"\ne: '-3'\n");
	ck_assert_int_eq(ynode_double(ynode_get(m, "a"), &d), -1);
	ck_assert_int_eq(ynode_double(ynode_get(m, "c"), &d), -1);
	ck_assert_int_eq(ynode_double(ynode_get(m, "d"), &d), 0);
	ck_assert_double_eq(d, 2.5);
	ck_assert_int_eq(ynode_double(ynode_get(m, "e"), &d), 0);
	ck_assert_double_eq(d, -3);
	ynode_free(m);
}
END_TEST

START_TEST(test_long)
{
	static const struct { const char *s; long v; } ok[] = {
		{ "42", 42 }, { "0", 0 }, { "-7", -7 }, { "+3", 3 }, { "007", 7 },
		{ "9223372036854775807", LONG_MAX },
		{ "-9223372036854775808", LONG_MIN },
	};
	static const char *const bad[] = {
		"", "-", "+", "5x", "1.0", "1e3", "0x10", " 1", "1 ", "1_000", "~",
		"--1", "9223372036854775808", "-9223372036854775809",
		"99999999999999999999999", ".inf",
	};
	long l;
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		struct ynode n = scalar(ok[i].s, true);
		ck_assert_msg(ynode_long(&n, &l) == 0, "'%s'", ok[i].s);
		ck_assert_int_eq(l, ok[i].v);
		n.plain = false;
		ck_assert_msg(ynode_long(&n, &l) == 0, "quoted '%s'", ok[i].s);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct ynode n = scalar(bad[i], true);
		l = -42;
		ck_assert_msg(ynode_long(&n, &l) == -1, "'%s'", bad[i]);
		ck_assert_int_eq(l, -42);
	}
	ck_assert_int_eq(ynode_long(NULL, &l), -1);
	struct ynode *m = load("a: [1]\n");
	ck_assert_int_eq(ynode_long(ynode_get(m, "a"), &l), -1);
	ynode_free(m);
}
END_TEST

START_TEST(test_bool)
{
	static const char *const yes[] = { "true", "True", "TRUE", "yes", "Yes",
		"YES", "on", "On", "ON" };
	static const char *const no[] = { "false", "False", "FALSE", "no", "No",
		"NO", "off", "Off", "OFF" };
	static const char *const bad[] = { "", "1", "0", "y", "n", "tRUE", "TRue",
		"oN", "yes ", "truee", "~", "null" };
	bool b;
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		struct ynode n = scalar(yes[i], true);
		b = false;
		ck_assert_msg(ynode_bool(&n, &b) == 0 && b, "'%s'", yes[i]);
		n.plain = false;
		ck_assert_msg(ynode_bool(&n, &b) == 0 && b, "quoted '%s'", yes[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(no); i++) {
		struct ynode n = scalar(no[i], true);
		b = true;
		ck_assert_msg(ynode_bool(&n, &b) == 0 && !b, "'%s'", no[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct ynode n = scalar(bad[i], true);
		ck_assert_msg(ynode_bool(&n, &b) == -1, "'%s'", bad[i]);
	}
	ck_assert_int_eq(ynode_bool(NULL, &b), -1);
	struct ynode *m = load("a: {x: true}\n");
	ck_assert_int_eq(ynode_bool(ynode_get(m, "a"), &b), -1);
	ynode_free(m);
}
END_TEST

/* --- ${VAR} expansion */

static void expect_expand(const char *in, const char *out, const char *missing)
{
	char *m = (char *)"untouched";
	char *s = yaml_expand_env(in, &m);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s, out);
	if (missing) {
		ck_assert_ptr_nonnull(m);
		ck_assert_str_eq(m, missing);
	} else {
		ck_assert_ptr_null(m);
	}
	free(s);
	free(m);
	/* missing may be NULL. */
	s = yaml_expand_env(in, NULL);
	ck_assert_str_eq(s, out);
	free(s);
}

START_TEST(test_expand_env)
{
	setenv("PERF_YT_SET", "val", 1);
	setenv("PERF_YT_EMPTY", "", 1);
	setenv("PERF_YT_META", "${PERF_YT_SET}", 1);
	unsetenv("PERF_YT_UNSET");
	unsetenv("PERF_YT_U2");

	expect_expand("", "", NULL);
	expect_expand("plain text", "plain text", NULL);
	expect_expand("${PERF_YT_SET}", "val", NULL);
	expect_expand("x${PERF_YT_SET}y${PERF_YT_SET}", "xvalyval", NULL);
	expect_expand("${PERF_YT_UNSET}", "", "PERF_YT_UNSET");
	expect_expand("a${PERF_YT_UNSET}b${PERF_YT_U2}c", "abc", "PERF_YT_UNSET");
	expect_expand("${PERF_YT_EMPTY}", "", NULL);
	/* Defaults: for unset or empty, as in the shell; taken literally. */
	expect_expand("${PERF_YT_UNSET:-dflt}", "dflt", NULL);
	expect_expand("${PERF_YT_SET:-dflt}", "val", NULL);
	expect_expand("${PERF_YT_EMPTY:-dflt}", "dflt", NULL);
	expect_expand("${PERF_YT_UNSET:-}", "", NULL);
	expect_expand("${PERF_YT_UNSET:-a b:c-$d}", "a b:c-$d", NULL);
	expect_expand("http://${PERF_YT_UNSET:-localhost}:${PERF_YT_UNSET:-80}/",
		      "http://localhost:80/", NULL);
	/* Values are not expanded again. */
	expect_expand("${PERF_YT_META}", "${PERF_YT_SET}", NULL);
	/* "$$" is nothing special, nor is $VAR without braces. */
	expect_expand("$$", "$$", NULL);
	expect_expand("$${PERF_YT_SET}", "$val", NULL);
	expect_expand("$PERF_YT_SET", "$PERF_YT_SET", NULL);
	expect_expand("cost: $5", "cost: $5", NULL);
	/* Unterminated or not a name: left as is. */
	expect_expand("${PERF_YT_SET", "${PERF_YT_SET", NULL);
	expect_expand("abc ${", "abc ${", NULL);
	expect_expand("${", "${", NULL);
	expect_expand("$", "$", NULL);
	expect_expand("${PERF_YT_UNSET:-dflt", "${PERF_YT_UNSET:-dflt", NULL);
	expect_expand("${}", "${}", NULL);
	expect_expand("${1X}", "${1X}", NULL);
	expect_expand("${A B}", "${A B}", NULL);
	expect_expand("${PERF_YT_SET-x}", "${PERF_YT_SET-x}", NULL);
	expect_expand("${PERF_YT_SET:x}", "${PERF_YT_SET:x}", NULL);
	expect_expand("${PERF_YT_UNCLOSED ${PERF_YT_SET}", "${PERF_YT_UNCLOSED val", NULL);
	expect_expand("${${PERF_YT_SET}}", "${val}", NULL);
	expect_expand("${_under_9}", "", "_under_9");

	char *m = (char *)"untouched";
	ck_assert_ptr_null(yaml_expand_env(NULL, &m));
	ck_assert_ptr_null(m);

	unsetenv("PERF_YT_SET");
	unsetenv("PERF_YT_EMPTY");
	unsetenv("PERF_YT_META");
}
END_TEST

Suite *suite_yaml(void)
{
	Suite *s = suite_create("yaml");

	TCase *tc = tcase_create("tree");
	tcase_add_test(tc, test_nested_positions);
	tcase_add_test(tc, test_flow_style);
	tcase_add_test(tc, test_quoted_plain);
	tcase_add_test(tc, test_block_scalars);
	tcase_add_test(tc, test_anchors_alone);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_alerts_rules);
	suite_add_tcase(s, tc);

	tc = tcase_create("syntax");
	tcase_add_test(tc, test_err_tab_indent);
	tcase_add_test(tc, test_err_unclosed_quote);
	tcase_add_test(tc, test_err_bad_indent);
	tcase_add_test(tc, test_err_syntax);
	tcase_add_test(tc, test_err_invalid_utf8);
	tcase_add_test(tc, test_err_nul_byte);
	suite_add_tcase(s, tc);

	tc = tcase_create("refused");
	tcase_add_test(tc, test_alias_refused);
	tcase_add_test(tc, test_billion_laughs);
	tcase_add_test(tc, test_duplicate_keys);
	tcase_add_test(tc, test_nonscalar_keys);
	tcase_add_test(tc, test_two_documents);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_unchecked_fixture(tc, tmpdir_setup, tmpdir_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_depth_limit);
	tcase_add_test(tc, test_node_limit);
	tcase_add_test(tc, test_size_limit);
	tcase_add_test(tc, test_large_file);
	suite_add_tcase(s, tc);

	tc = tcase_create("files");
	tcase_add_unchecked_fixture(tc, tmpdir_setup, tmpdir_teardown);
	tcase_add_test(tc, test_load_file);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_stdin);
	suite_add_tcase(s, tc);

	tc = tcase_create("convert");
	tcase_add_test(tc, test_get);
	tcase_add_test(tc, test_is_null);
	tcase_add_test(tc, test_double);
	tcase_add_test(tc, test_long);
	tcase_add_test(tc, test_bool);
	tcase_add_test(tc, test_expand_env);
	suite_add_tcase(s, tc);

	return s;
}
