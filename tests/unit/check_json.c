/* Tests of the JSON reader (common/json.c) and writer (common/jsonw.c):
 * valid documents, exact error messages and positions, hostile input
 * (truncation at every byte, corruption, deep nesting, huge numbers, bad
 * escapes and surrogates), token navigation, number and string decoding,
 * and writer output, escaping and round trips through the reader. */
#include <config.h>

#include <float.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check_suites.h"
#include "json.h"
#include "jsonw.h"
#include "msg.h"
#include "util.h"

/* ---- helpers ---- */

/* Parse s[0..n) from an exact-size heap copy, so that a read past the end
 * is caught by ASan or valgrind.  The copy is kept in *copy for the caller
 * to free (tokens point into it). */
static int parse_copy(struct json_doc *doc, const char *s, size_t n, unsigned max_depth,
		      struct json_error *err, char **copy)
{
	*copy = xmalloc(n ? n : 1);
	memcpy(*copy, s, n);
	return json_parse(doc, *copy, n, NULL, "t.json", max_depth, err);
}

/* Does s[0..n) parse (checked both NUL-terminated in place and as an
 * exact-size copy, which must agree)? */
static bool parses(const char *s, size_t n, unsigned max_depth, struct json_error *err)
{
	struct json_doc doc;
	struct json_error e2;
	char *copy;

	json_init(&doc);
	int a = json_parse(&doc, s, n, NULL, "t.json", max_depth, err);
	int b = parse_copy(&doc, s, n, max_depth, &e2, &copy);
	ck_assert_int_eq(a, b);
	if (a < 0) {
		ck_assert_str_eq(err->msg, e2.msg);
		ck_assert_uint_eq(err->off, e2.off);
	}
	free(copy);
	json_free(&doc);
	return a == 0;
}

static bool same_double(double a, double b)
{
	return memcmp(&a, &b, sizeof a) == 0;
}

/* Count the tokens reachable from token i by json_first/json_next (every
 * one exactly once in a consistent document), without recursion. */
static int count_reachable(const struct json_doc *doc)
{
	int count = 0;

	for (int i = 0; i < doc->ntok; i++) {
		jsmntype_t type = json_type(doc, i);
		if (type != JSMN_ARRAY && type != JSMN_OBJECT)
			continue;
		for (int k = json_first(doc, i); k >= 0; k = json_next(doc, i, k))
			count += type == JSMN_OBJECT ? 2 : 1;
	}
	return count + (doc->ntok > 0);
}

/* A successful parse must give a tree that json_skip and json_next agree on. */
static void check_tree(const struct json_doc *doc)
{
	ck_assert_int_gt(doc->ntok, 0);
	ck_assert_int_eq(json_skip(doc, 0), doc->ntok);
	ck_assert_int_eq(count_reachable(doc), doc->ntok);
}

/* ---- valid documents ---- */

static const char *const valid_docs[] = {
	"{}",
	"[]",
	"0",
	"-0",
	"7",
	"-1.5e-3",
	"1E+2",
	"1e2",
	"0.0",
	"-0.0e-0",
	"123456789012345678901234567890",
	"1e400",
	"true",
	"false",
	"null",
	"\"\"",
	"\"plain\"",
	"\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"",
	"\"\\u00e9\\uD83D\\uDE00\\u20AC\"",
	"\"caf\xc3\xa9 \x7f\"",
	" \t\r\n[ 1 , 2 ]\r\n ",
	"[[],[[]],{}]",
	"{\"a\":{\"b\":{\"c\":[1,{\"d\":null}]}}}",
	"{\"\":0}",
	"{\"a\":1,\"a\":2}",
	"[1e400,-1e400,1e-400,5e-324]",
	"{ \"k\" : [ true , false , null ] }",
	"[\"[[[[\",\"{{{{\",\"]]]]\",\"}}}}\",\",,,,\",\"::::\"]",
	"[0,1,-1,10,0.5,10e10,1.0E-10,-0.000]",
	"\"\\ud83d\\ude00\"",
	"[\"\\u0001\\u001f\"]",
};

START_TEST(test_valid_documents)
{
	const char *s = valid_docs[_i];
	struct json_error err;
	struct json_doc doc;

	if (!parses(s, strlen(s), 0, &err))
		ck_abort_msg("'%s' should parse: %s at %u:%u", s, err.msg, err.line, err.col);
	json_init(&doc);
	ck_assert_int_eq(json_parse(&doc, s, strlen(s), NULL, NULL, 0, NULL), 0);
	check_tree(&doc);
	json_free(&doc);
}
END_TEST

/* A top-level number or literal ending the buffer (jsmn's strict mode
 * calls it partial) is a whole document. */
START_TEST(test_top_level_scalars)
{
	static const char *const scalars[] = { "0", "-12.5e3", "true", "false", "null", "\"s\"" };
	struct json_doc doc;
	char *copy;

	json_init(&doc);
	for (size_t k = 0; k < ARRAY_SIZE(scalars); k++) {
		const char *s = scalars[k];
		ck_assert_int_eq(parse_copy(&doc, s, strlen(s), 0, NULL, &copy), 0);
		ck_assert_int_eq(doc.ntok, 1);
		ck_assert_int_eq(doc.tok[0].start, s[0] == '"' ? 1 : 0);
		ck_assert_int_eq(doc.tok[0].end, (int)strlen(s) - (s[0] == '"'));
		ck_assert_int_eq(doc.tok[0].parent, -1);
		ck_assert_int_eq(json_skip(&doc, 0), 1);
		free(copy);
	}
	double v;
	ck_assert_int_eq(parse_copy(&doc, "-12.5e3", 7, 0, NULL, &copy), 0);
	ck_assert_int_eq(json_number(&doc, 0, &v), 0);
	ck_assert(v == -12500.0);
	free(copy);
	bool b = false;
	ck_assert_int_eq(parse_copy(&doc, "true", 4, 0, NULL, &copy), 0);
	ck_assert_int_eq(json_bool(&doc, 0, &b), 0);
	ck_assert(b);
	free(copy);
	json_free(&doc);
}
END_TEST

/* ---- errors: messages and positions ---- */

struct bad_case {
	const char *text;
	size_t len;           /* 0: strlen(text) */
	const char *msg;
	unsigned line, col;
};

static const struct bad_case bad_cases[] = {
	{ "", 0, "empty document", 1, 1 },
	{ " \n\t ", 0, "empty document", 2, 3 },
	{ "[1,]", 0, "trailing comma in array", 1, 3 },
	{ "{\"a\":1,}", 0, "trailing comma in object", 1, 7 },
	{ "[1,,2]", 0, "expected a value but found ','", 1, 4 },
	{ "[,1]", 0, "expected a value but found ','", 1, 2 },
	{ "[1 2]", 0, "expected ',' or ']' after array element", 1, 4 },
	{ "[1}", 0, "expected ',' or ']' after array element", 1, 3 },
	{ "[\"a\" : 1]", 0, "expected ',' or ']' after array element", 1, 6 },
	{ "{\"a\" 1}", 0, "expected ':' after object key", 1, 6 },
	{ "{\"a\"}", 0, "expected ':' after object key", 1, 5 },
	{ "{\"a\":1,\"a\"}", 0, "expected ':' after object key", 1, 11 },
	{ "{\"a\":1 \"b\":2}", 0, "expected ',' or '}' after object member", 1, 8 },
	{ "{\"a\":1]", 0, "expected ',' or '}' after object member", 1, 7 },
	{ "{a:1}", 0, "expected string key or '}' in object", 1, 2 },
	{ "{1:2}", 0, "expected string key or '}' in object", 1, 2 },
	{ "{]", 0, "expected string key or '}' in object", 1, 2 },
	{ "{{}:1}", 0, "expected string key or '}' in object", 1, 2 },
	{ "{\"a\":1,2:3}", 0, "expected string key in object", 1, 8 },
	{ "{\"a\":1,[]:3}", 0, "expected string key in object", 1, 8 },
	{ "{\"a\":}", 0, "expected a value but found '}'", 1, 6 },
	{ "{\"a\"::1}", 0, "expected a value but found ':'", 1, 6 },
	{ "[}", 0, "expected a value but found '}'", 1, 2 },
	{ "]", 0, "expected a value but found ']'", 1, 1 },
	{ "1 2", 0, "trailing characters after the JSON value", 1, 3 },
	{ "{}{}", 0, "trailing characters after the JSON value", 1, 3 },
	{ "[] x", 0, "trailing characters after the JSON value", 1, 4 },
	{ "[]]", 0, "trailing characters after the JSON value", 1, 3 },
	{ "\"a\" \"b\"", 0, "trailing characters after the JSON value", 1, 5 },
	{ "[1]\x80", 0, "trailing characters after the JSON value", 1, 4 },
	{ "tru", 0, "invalid literal 'tru'", 1, 1 },
	{ "nul", 0, "invalid literal 'nul'", 1, 1 },
	{ "[nulL]", 0, "invalid literal 'nulL'", 1, 2 },
	{ "[truefalse]", 0, "invalid literal 'truefalse'", 1, 2 },
	{ "[True]", 0, "invalid literal 'True'", 1, 2 },
	{ "NaN", 0, "invalid literal 'NaN'", 1, 1 },
	{ "[1, NaN]", 0, "invalid literal 'NaN'", 1, 5 },
	{ "-Infinity", 0, "invalid number '-Infinity'", 1, 1 },
	{ "-", 0, "invalid number '-'", 1, 1 },
	{ "[-]", 0, "invalid number '-'", 1, 2 },
	{ "1.", 0, "invalid number '1.'", 1, 1 },
	{ ".5", 0, "invalid number '.5'", 1, 1 },
	{ "+1", 0, "invalid number '+1'", 1, 1 },
	{ "01", 0, "invalid number '01'", 1, 1 },
	{ "[-01]", 0, "invalid number '-01'", 1, 2 },
	{ "00", 0, "invalid number '00'", 1, 1 },
	{ "1e", 0, "invalid number '1e'", 1, 1 },
	{ "1e+", 0, "invalid number '1e+'", 1, 1 },
	{ "1.e5", 0, "invalid number '1.e5'", 1, 1 },
	{ "0x10", 0, "invalid number '0x10'", 1, 1 },
	{ "1.5.3", 0, "invalid number '1.5.3'", 1, 1 },
	{ "--1", 0, "invalid number '--1'", 1, 1 },
	{ "[1e5x]", 0, "invalid number '1e5x'", 1, 2 },
	{ "[1:2]", 0, "invalid number '1:2'", 1, 2 },
	{ "[1\x01]", 0, "expected ',' or ']' after array element", 1, 3 },
	{ "[1,2", 0, "unexpected end of input", 1, 5 },
	{ "[1,2,", 0, "unexpected end of input", 1, 6 },
	{ "{\"a\":", 0, "unexpected end of input", 1, 6 },
	{ "{\"a\"", 0, "unexpected end of input", 1, 5 },
	{ "{", 0, "unexpected end of input", 1, 2 },
	{ "[", 0, "unexpected end of input", 1, 2 },
	{ "[[[", 0, "unexpected end of input", 1, 4 },
	{ "\"abc", 0, "unterminated string", 1, 1 },
	{ "[\"a\\", 0, "unterminated string", 1, 2 },
	{ "[\"\\u", 0, "unterminated string", 1, 2 },
	{ "\"\\u12", 0, "unterminated string", 1, 1 },
	{ "\"\\ud800", 0, "unterminated string", 1, 1 },
	{ "\"\\ud800\\", 0, "unterminated string", 1, 1 },
	{ "\"\\ud800\\u", 0, "unterminated string", 1, 1 },
	{ "\"\\ud800\\udc", 0, "unterminated string", 1, 1 },
	{ "{\"k\":\"v", 0, "unterminated string", 1, 6 },
	{ "\"\\x\"", 0, "invalid escape '\\x' in string", 1, 2 },
	{ "\"ab\\'\"", 0, "invalid escape '\\'' in string", 1, 4 },
	{ "\"\\U0041\"", 0, "invalid escape '\\U' in string", 1, 2 },
	{ "\"\\\x01\"", 0, "invalid escape: byte 0x01 after '\\' in string", 1, 2 },
	{ "\"\\u12g4\"", 0, "invalid \\u escape in string (expected 4 hex digits)", 1, 2 },
	{ "\"\\u12\"", 0, "invalid \\u escape in string (expected 4 hex digits)", 1, 2 },
	{ "\"\\ud800\\uzzzz\"", 0, "invalid \\u escape in string (expected 4 hex digits)", 1, 8 },
	{ "\"\\ud800\"", 0, "lone surrogate \\ud800 in string", 1, 2 },
	{ "\"\\uDBFF x\"", 0, "lone surrogate \\udbff in string", 1, 2 },
	{ "\"\\udc00\"", 0, "lone surrogate \\udc00 in string", 1, 2 },
	{ "\"\\udc00\\ud800\"", 0, "lone surrogate \\udc00 in string", 1, 2 },
	{ "\"\\ude00\\ud83d\"", 0, "lone surrogate \\ude00 in string", 1, 2 },
	{ "\"ab\\ud800\\u0041\"", 0, "lone surrogate \\ud800 in string", 1, 4 },
	{ "\"\\ud800\\ud800\"", 0, "lone surrogate \\ud800 in string", 1, 2 },
	{ "\"\\ud800\\n\"", 0, "lone surrogate \\ud800 in string", 1, 2 },
	{ "\"a\\u0000b\"", 0, "\\u0000 not allowed in string", 1, 3 },
	{ "\"a\nb\"", 0, "unescaped control character 0x0a in string", 1, 3 },
	{ "\"\t\"", 0, "unescaped control character 0x09 in string", 1, 2 },
	{ "[\"\x01\"]", 0, "unescaped control character 0x01 in string", 1, 3 },
	{ "\"\x1f\"", 0, "unescaped control character 0x1f in string", 1, 2 },
	{ "\"a\0b\"", 5, "unescaped control character 0x00 in string", 1, 3 },
	{ "[1,\0]", 5, "unexpected byte 0x00", 1, 4 },
	{ "[1]\0", 4, "trailing characters after the JSON value", 1, 4 },
	{ "1\0", 2, "trailing characters after the JSON value", 1, 2 },
	{ "\xef\xbb\xbf{}", 0, "byte order mark not allowed", 1, 1 },
	{ "\xef\xbb\xbf", 0, "byte order mark not allowed", 1, 1 },
	{ "[\xef\xbb\xbf]", 0, "unexpected byte 0xef", 1, 2 },
	{ "[\x80]", 0, "unexpected byte 0x80", 1, 2 },
	{ "'a'", 0, "unexpected character '''", 1, 1 },
	{ "/* c */ 1", 0, "unexpected character '/'", 1, 1 },
	{ "[1,\n2,\n3 4]", 0, "expected ',' or ']' after array element", 3, 3 },
	{ "{\n\t\"a\": 1,\n\t\"b\": tru\n}", 0, "invalid literal 'tru'", 3, 7 },
	{ "[1,\r\n2,\r\n  x]", 0, "invalid literal 'x'", 3, 3 },
	{ "[\n\n\"abc\ndef\"]", 0, "unescaped control character 0x0a in string", 3, 5 },
	{ "[1,\n 2,\n  \"\\q\"]", 0, "invalid escape '\\q' in string", 3, 4 },
	{ "[\"\xc3\xa9\xc3\xa9\", \"\\ud800\"]", 0, "lone surrogate \\ud800 in string", 1, 11 },
	{ "[aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]", 0,
	  "invalid literal 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...'", 1, 2 },
};

START_TEST(test_bad_documents)
{
	const struct bad_case *c = &bad_cases[_i];
	size_t n = c->len ? c->len : strlen(c->text);
	struct json_error err;

	if (parses(c->text, n, 0, &err))
		ck_abort_msg("case %d should fail", _i);
	ck_assert_msg(!strcmp(err.msg, c->msg), "case %d: message '%s', expected '%s'",
		      _i, err.msg, c->msg);
	ck_assert_msg(err.line == c->line && err.col == c->col,
		      "case %d (%s): at %u:%u, expected %u:%u", _i, c->msg,
		      err.line, err.col, c->line, c->col);
	ck_assert_uint_le(err.off, n);
}
END_TEST

START_TEST(test_error_format)
{
	static const char text[] = "{\n  \"a\": [1, 2],\n  \"b\": {\"c\" 3}\n}";
	struct json_doc doc;
	struct json_error err;
	char buf[300];

	json_init(&doc);
	ck_assert_int_eq(json_parse(&doc, text, strlen(text), NULL, "results.json", 0, &err), -1);
	ck_assert_uint_eq(err.line, 3);
	ck_assert_uint_eq(err.col, 13);
	ck_assert_uint_eq(err.off, (size_t)(strstr(text, "3}") - text));
	json_error_format(&doc, &err, buf, sizeof buf);
	ck_assert_str_eq(buf, "results.json:3:13: expected ':' after object key");
	ck_assert_int_eq(doc.ntok, 0);

	ck_assert_int_eq(json_parse(&doc, "[", 1, NULL, NULL, 0, &err), -1);
	json_error_format(&doc, &err, buf, sizeof buf);
	ck_assert_str_eq(buf, "<input>:1:2: unexpected end of input");

	/* A short buffer truncates without overrunning. */
	json_error_format(&doc, &err, buf, 8);
	ck_assert_str_eq(buf, "<input>");
	json_free(&doc);
}
END_TEST

/* A slice of a bigger file is parsed with origin at the file's start:
 * positions are the file's. */
START_TEST(test_error_in_slice)
{
	static const char file[] =
		"{\n"
		"  \"x\": 1,\n"
		"  \"slice\": [1, 2,\n"
		"      3 x],\n"
		"  \"y\": 2\n"
		"}\n";
	const char *slice = strchr(file, '[');
	size_t n = (size_t)(strchr(slice, ']') + 1 - slice);
	struct json_doc doc;
	struct json_error err;
	unsigned line, col;
	char buf[300];

	json_init(&doc);
	ck_assert_int_eq(json_parse(&doc, slice, n, file, "f.json", 0, &err), -1);
	ck_assert_str_eq(err.msg, "expected ',' or ']' after array element");
	ck_assert_uint_eq(err.line, 4);
	ck_assert_uint_eq(err.col, 9);
	ck_assert_uint_eq(err.off, (size_t)(strstr(file, "x]") - file));
	json_error_format(&doc, &err, buf, sizeof buf);
	ck_assert_str_eq(buf, "f.json:4:9: expected ',' or ']' after array element");

	/* The same slice, valid up to its second element. */
	size_t good = (size_t)(strstr(slice, ",\n") - slice);
	char *part = xmalloc(good + 1);
	memcpy(part, slice, good);
	part[good] = ']';
	ck_assert_int_eq(json_parse(&doc, part, good + 1, NULL, "p", 0, &err), 0);
	free(part);

	/* Positions of tokens in a valid slice, against the whole file. */
	static const char file2[] = "line one\nline two {\"q\": [10, \"s\"]} tail\n";
	const char *start = strchr(file2, '{');
	size_t len2 = (size_t)(strchr(start, '}') + 1 - start);
	ck_assert_int_eq(json_parse(&doc, start, len2, file2, "g", 0, &err), 0);
	ck_assert_int_eq(doc.ntok, 5);
	json_tok_position(&doc, 0, &line, &col);
	ck_assert_uint_eq(line, 2);
	ck_assert_uint_eq(col, 10);
	json_tok_position(&doc, 1, &line, &col);      /* "q": at its quote */
	ck_assert_uint_eq(col, 11);
	json_tok_position(&doc, 3, &line, &col);      /* 10 */
	ck_assert_uint_eq(col, 17);
	json_tok_position(&doc, 4, &line, &col);      /* "s" */
	ck_assert_uint_eq(col, 21);
	json_position(&doc, 0, &line, &col);
	ck_assert_uint_eq(line, 2);
	ck_assert_uint_eq(col, 10);

	/* And an error in it, with a slice that starts on line 3. */
	static const char file3[] = "a\nb\nxx[1,\n\n  2,,3]";
	start = strchr(file3, '[');
	ck_assert_int_eq(json_parse(&doc, start, strlen(start), file3, "h", 0, &err), -1);
	ck_assert_str_eq(err.msg, "expected a value but found ','");
	ck_assert_uint_eq(err.line, 5);
	ck_assert_uint_eq(err.col, 5);
	ck_assert_uint_eq(err.off, strlen(file3) - 3);
	json_free(&doc);
}
END_TEST

/* ---- hostile input ---- */

static const char sample[] =
	"{\"name\":\"caf\\u00e9 \\ud83d\\ude00\",\"n\":[0,-1.5e+3,2E-2,1e400,123],"
	"\"t\":true,\"f\":false,\"z\":null,\"o\":{\"a\":[],\"b\":{\"c\":[[1],[2]]}},"
	"\"s\":\"a\\\"b\\\\c\\/\\n\"}";

static const char sample_pretty[] =
	"[\n"
	"  {\n"
	"    \"benchmark\": \"org.example.Bench.run\",\n"
	"    \"mode\": \"thrpt\",\n"
	"    \"primaryMetric\": {\n"
	"      \"score\": 1234.5678,\n"
	"      \"scoreError\": \"NaN\",\n"
	"      \"rawData\": [[1.5, 2.5], [3.25e-1, -4]]\n"
	"    },\n"
	"    \"params\": {\"size\": \"10\", \"flag\": true}\n"
	"  }\n"
	"]";

/* Every proper prefix fails cleanly; the whole text parses. */
static void check_prefixes(const char *text)
{
	size_t n = strlen(text);
	struct json_doc doc;
	struct json_error err;
	char *copy;

	json_init(&doc);
	for (size_t k = 0; k < n; k++) {
		int rc = parse_copy(&doc, text, k, 0, &err, &copy);
		free(copy);
		ck_assert_msg(rc == -1, "prefix of %zu bytes parsed", k);
		ck_assert_int_eq(doc.ntok, 0);
		ck_assert(err.msg[0] != '\0');
		ck_assert_uint_le(err.off, k);
		ck_assert_uint_ge(err.line, 1);
		ck_assert_uint_ge(err.col, 1);
	}
	ck_assert_int_eq(parse_copy(&doc, text, n, 0, &err, &copy), 0);
	check_tree(&doc);
	free(copy);
	json_free(&doc);
}

START_TEST(test_truncation)
{
	check_prefixes(sample);
	check_prefixes(sample_pretty);
}
END_TEST

/* Replace every byte by each of a set of troublemakers: must never crash,
 * and whatever parses must be a consistent tree. */
START_TEST(test_corruption)
{
	static const char bytes[] = "\"\\{}[],:0-.ex \n\x01\x80\xff";
	size_t n = strlen(sample);
	char *buf = xmalloc(n);
	struct json_doc doc;
	struct json_error err;
	unsigned ok = 0;

	json_init(&doc);
	for (size_t k = 0; k < n; k++) {
		for (size_t b = 0; b < sizeof bytes; b++) {   /* includes NUL */
			memcpy(buf, sample, n);
			buf[k] = bytes[b];
			if (json_parse(&doc, buf, n, NULL, "c", 0, &err) == 0) {
				check_tree(&doc);
				ok++;
			} else {
				ck_assert_uint_le(err.off, n);
			}
		}
	}
	ck_assert_uint_gt(ok, 0);
	free(buf);
	json_free(&doc);
}
END_TEST

/* Random JSON-ish noise. */
START_TEST(test_random_noise)
{
	static const char alphabet[] = "{}[],:\"\\ \n0123456789-+.eEtrufalsn\x01\x80u";
	struct json_doc doc;
	struct json_error err;
	char buf[64];
	unsigned seed = 12345;

	json_init(&doc);
	for (int round = 0; round < 20000; round++) {
		size_t n = 1 + (size_t)(rand_r(&seed) % (int)sizeof buf);
		for (size_t k = 0; k < n; k++)
			buf[k] = alphabet[rand_r(&seed) % (int)(sizeof alphabet - 1)];
		if (json_parse(&doc, buf, n, NULL, "r", 4, &err) == 0)
			check_tree(&doc);
		else
			ck_assert_uint_le(err.off, n);
	}
	json_free(&doc);
}
END_TEST

static char *repeat(const char *open, const char *mid, const char *close, size_t times, size_t *len)
{
	struct strbuf sb = STRBUF_INIT;

	for (size_t k = 0; k < times; k++)
		sb_adds(&sb, open);
	sb_adds(&sb, mid);
	for (size_t k = 0; k < times; k++)
		sb_adds(&sb, close);
	return sb_detach(&sb, len);
}

START_TEST(test_depth)
{
	struct json_error err;
	size_t n;
	char *s;

	s = repeat("[", "1", "]", 5, &n);
	ck_assert(parses(s, n, 5, &err));
	free(s);
	s = repeat("[", "1", "]", 6, &n);
	ck_assert(!parses(s, n, 5, &err));
	ck_assert_str_eq(err.msg, "nesting deeper than 5 levels");
	ck_assert_uint_eq(err.col, 6);
	free(s);

	s = repeat("{\"k\":", "{}", "}", 4, &n);      /* five levels */
	ck_assert(parses(s, n, 5, &err));
	free(s);
	s = repeat("{\"k\":", "{}", "}", 5, &n);
	ck_assert(!parses(s, n, 5, &err));
	ck_assert_str_eq(err.msg, "nesting deeper than 5 levels");
	ck_assert_uint_eq(err.col, 26);
	free(s);

	/* The default limit. */
	s = repeat("[", "", "]", JSON_MAX_DEPTH_DEFAULT, &n);
	ck_assert(parses(s, n, 0, &err));
	free(s);
	s = repeat("[", "", "]", JSON_MAX_DEPTH_DEFAULT + 1, &n);
	ck_assert(!parses(s, n, 0, &err));
	ck_assert_str_eq(err.msg, "nesting deeper than 64 levels");
	ck_assert_uint_eq(err.col, JSON_MAX_DEPTH_DEFAULT + 1);
	free(s);

	/* Brackets in strings are not nesting. */
	ck_assert(parses("[\"[[[[{{{{\"]", 12, 1, &err));

	/* A larger limit. */
	s = repeat("[{\"a\":", "0", "}]", 500, &n);
	ck_assert(parses(s, n, 1000, &err));
	ck_assert(!parses(s, n, 999, &err));
	free(s);
}
END_TEST

/* Very deep nesting neither recurses nor takes long, closed or not. */
START_TEST(test_deep_nesting_hostile)
{
	static const size_t sizes[] = { 100000, 1000000 };
	struct json_error err;
	clock_t begin = clock();

	for (size_t k = 0; k < ARRAY_SIZE(sizes); k++) {
		size_t n = sizes[k];
		char *s = xmalloc(2 * n);
		memset(s, '[', n);
		ck_assert(!parses(s, n, 0, &err));
		ck_assert_str_eq(err.msg, "nesting deeper than 64 levels");
		ck_assert_uint_eq(err.col, 65);
		memset(s + n, ']', n);
		ck_assert(!parses(s, 2 * n, 0, &err));
		ck_assert_str_eq(err.msg, "nesting deeper than 64 levels");
		for (size_t j = 0; j < n; j++)
			s[j] = j % 2 ? '[' : '{';
		ck_assert(!parses(s, n, 0, &err));
		ck_assert_str_eq(err.msg, "expected string key or '}' in object");
		free(s);
	}
	ck_assert_msg((double)(clock() - begin) / CLOCKS_PER_SEC < 5.0, "deep nesting is slow");
}
END_TEST

/* A big flat document makes the token array grow many times. */
START_TEST(test_large_document)
{
	struct strbuf sb = STRBUF_INIT;
	struct json_doc doc;
	struct json_error err;
	const int count = 200000;

	sb_addc(&sb, '[');
	for (int k = 0; k < count; k++)
		sb_addf(&sb, "%s{\"i\":%d,\"s\":\"x%d\"}", k ? "," : "", k, k);
	sb_addc(&sb, ']');
	json_init(&doc);
	ck_assert_int_eq(json_parse(&doc, sb.buf, sb.len, NULL, "big", 0, &err), 0);
	ck_assert_int_eq(doc.ntok, 1 + count * 5);
	ck_assert_int_eq(json_size(&doc, 0), count);
	int k = 0;
	for (int e = json_first(&doc, 0); e >= 0; e = json_next(&doc, 0, e), k++) {
		double v;
		ck_assert_int_eq(json_number(&doc, json_obj_get(&doc, e, "i"), &v), 0);
		ck_assert(v == k);
	}
	ck_assert_int_eq(k, count);
	json_free(&doc);
	sb_release(&sb);
}
END_TEST

/* The token array is reused across parses; a failed parse leaves no tokens. */
START_TEST(test_reuse)
{
	struct json_doc doc;
	struct json_error err;

	json_init(&doc);
	ck_assert_int_eq(json_parse(&doc, "[1,2,3]", 7, NULL, "a", 0, &err), 0);
	ck_assert_int_eq(doc.ntok, 4);
	jsmntok_t *tok = doc.tok;
	size_t alloc = doc.tokalloc;
	ck_assert_int_eq(json_parse(&doc, "{\"a\":", 5, NULL, "b", 0, &err), -1);
	ck_assert_int_eq(doc.ntok, 0);
	ck_assert_int_eq(json_first(&doc, 0), -1);
	ck_assert_int_eq(json_obj_get(&doc, 0, "a"), -1);
	ck_assert_int_eq(json_parse(&doc, "[true]", 6, NULL, "c", 0, &err), 0);
	ck_assert_ptr_eq(doc.tok, tok);
	ck_assert_uint_eq(doc.tokalloc, alloc);
	ck_assert_str_eq(doc.name, "c");
	ck_assert_ptr_eq(doc.origin, doc.src);
	ck_assert_int_eq(doc.ntok, 2);
	json_free(&doc);
	ck_assert_ptr_null(doc.tok);
	ck_assert_int_eq(doc.ntok, 0);
	json_free(&doc);
}
END_TEST

/* ---- navigation ---- */

START_TEST(test_navigation)
{
	static const char text[] =
		"{\"a\": [1, {\"b\": null}], \"c\": \"d\", \"e\": {}, \"f\": [[], [[3]]]}";
	struct json_doc doc;
	struct json_error err;

	json_init(&doc);
	ck_assert_int_eq(json_parse(&doc, text, strlen(text), NULL, "n", 0, &err), 0);
	ck_assert_int_eq(doc.ntok, 17);
	ck_assert_int_eq(json_type(&doc, 0), JSMN_OBJECT);
	ck_assert_int_eq(json_size(&doc, 0), 4);
	ck_assert_int_eq(json_skip(&doc, 0), 17);
	ck_assert_int_eq(json_skip(&doc, 1), 7);    /* key "a" with its value */
	ck_assert_int_eq(json_skip(&doc, 2), 7);
	ck_assert_int_eq(json_skip(&doc, 3), 4);
	ck_assert_int_eq(json_skip(&doc, 4), 7);
	ck_assert_int_eq(json_skip(&doc, 10), 11);
	ck_assert_int_eq(json_skip(&doc, 12), 17);

	ck_assert_int_eq(json_obj_get(&doc, 0, "a"), 2);
	ck_assert_int_eq(json_obj_get(&doc, 0, "c"), 8);
	ck_assert_int_eq(json_obj_get(&doc, 0, "e"), 10);
	ck_assert_int_eq(json_obj_get(&doc, 0, "f"), 12);
	ck_assert_int_eq(json_obj_get(&doc, 0, "b"), -1);    /* not at this level */
	ck_assert_int_eq(json_obj_get(&doc, 0, "d"), -1);    /* a value, not a key */
	ck_assert_int_eq(json_obj_get(&doc, 0, ""), -1);
	ck_assert_int_eq(json_obj_get(&doc, 2, "a"), -1);    /* an array */
	ck_assert_int_eq(json_obj_get(&doc, 10, "a"), -1);   /* empty */
	ck_assert_int_eq(json_obj_get(&doc, 4, "b"), 6);
	ck_assert(json_is_null(&doc, 6));
	ck_assert(!json_is_null(&doc, 3));
	ck_assert(!json_is_null(&doc, 99));

	int keys[4], n = 0;
	for (int k = json_first(&doc, 0); k >= 0; k = json_next(&doc, 0, k)) {
		ck_assert_int_lt(n, 4);
		keys[n++] = k;
	}
	ck_assert_int_eq(n, 4);
	ck_assert_int_eq(keys[0], 1);
	ck_assert_int_eq(keys[1], 7);
	ck_assert_int_eq(keys[2], 9);
	ck_assert_int_eq(keys[3], 11);
	ck_assert(json_str_eq(&doc, keys[3], "f"));

	ck_assert_int_eq(json_first(&doc, 2), 3);
	ck_assert_int_eq(json_next(&doc, 2, 3), 4);
	ck_assert_int_eq(json_next(&doc, 2, 4), -1);
	ck_assert_int_eq(json_first(&doc, 10), -1);
	ck_assert_int_eq(json_first(&doc, 3), -1);           /* a number */
	ck_assert_int_eq(json_first(&doc, 12), 13);
	ck_assert_int_eq(json_first(&doc, 13), -1);          /* [] */
	ck_assert_int_eq(json_next(&doc, 12, 13), 14);
	ck_assert_int_eq(json_next(&doc, 12, 14), -1);
	ck_assert_int_eq(json_first(&doc, 15), 16);
	ck_assert_int_eq(json_next(&doc, 15, 16), -1);
	ck_assert_int_eq(json_next(&doc, 0, 11), -1);        /* the last key */
	ck_assert_int_eq(json_next(&doc, 14, 15), -1);       /* the last token's parent */

	char *d = json_string(&doc, 8);
	ck_assert_str_eq(d, "d");
	free(d);
	ck_assert_ptr_null(json_string(&doc, 3));
	ck_assert_ptr_null(json_string(&doc, -1));
	json_free(&doc);
}
END_TEST

START_TEST(test_keys_with_escapes)
{
	static const char text[] =
		"{\"a\\u0062\": 1, \"x\\\"y\": 2, \"\\u00e9\": 3, \"\\ud83d\\ude00\": 4, \"ab\": 5,"
		" \"t\\tab\": 6, \"caf\xc3\xa9\": 7}";
	struct json_doc doc;
	struct json_error err;
	double v;

	json_init(&doc);
	ck_assert_int_eq(json_parse(&doc, text, strlen(text), NULL, "k", 0, &err), 0);
	ck_assert_int_eq(json_number(&doc, json_obj_get(&doc, 0, "ab"), &v), 0);
	ck_assert(v == 1);      /* the first of the duplicate keys */
	ck_assert_int_eq(json_number(&doc, json_obj_get(&doc, 0, "x\"y"), &v), 0);
	ck_assert(v == 2);
	ck_assert_int_eq(json_number(&doc, json_obj_get(&doc, 0, "\xc3\xa9"), &v), 0);
	ck_assert(v == 3);
	ck_assert_int_eq(json_number(&doc, json_obj_get(&doc, 0, "\xf0\x9f\x98\x80"), &v), 0);
	ck_assert(v == 4);
	ck_assert_int_eq(json_number(&doc, json_obj_get(&doc, 0, "t\tab"), &v), 0);
	ck_assert(v == 6);
	ck_assert_int_eq(json_number(&doc, json_obj_get(&doc, 0, "caf\xc3\xa9"), &v), 0);
	ck_assert(v == 7);
	ck_assert_int_eq(json_obj_get(&doc, 0, "a"), -1);
	ck_assert_int_eq(json_obj_get(&doc, 0, "abc"), -1);
	ck_assert_int_eq(json_obj_get(&doc, 0, "x"), -1);
	ck_assert_int_eq(json_obj_get(&doc, 0, "\xc3"), -1);
	ck_assert(!json_str_eq(&doc, 0, ""));     /* not a string */
	ck_assert(json_str_eq(&doc, 1, "ab"));
	ck_assert(!json_str_eq(&doc, 1, "a\\u0062"));
	json_free(&doc);
}
END_TEST

/* ---- strings ---- */

struct unescape_case {
	const char *in;
	const char *out;
};

static const struct unescape_case unescape_cases[] = {
	{ "", "" },
	{ "plain", "plain" },
	{ "a\\nb", "a\nb" },
	{ "\\\"\\\\\\/\\b\\f\\n\\r\\t", "\"\\/\b\f\n\r\t" },
	{ "\\u0041", "A" },
	{ "\\u007f", "\x7f" },
	{ "\\u0080", "\xc2\x80" },
	{ "\\u00e9", "\xc3\xa9" },
	{ "\\u07FF", "\xdf\xbf" },
	{ "\\u0800", "\xe0\xa0\x80" },
	{ "\\u20ac", "\xe2\x82\xac" },
	{ "\\ud7ff", "\xed\x9f\xbf" },
	{ "\\ue000", "\xee\x80\x80" },
	{ "\\uffff", "\xef\xbf\xbf" },
	{ "\\ud83d\\ude00", "\xf0\x9f\x98\x80" },
	{ "\\uD83D\\uDE00!", "\xf0\x9f\x98\x80!" },
	{ "\\ud800\\udc00", "\xf0\x90\x80\x80" },
	{ "\\udbff\\udfff", "\xf4\x8f\xbf\xbf" },
	{ "x\\u0001y", "x\x01y" },
	{ "caf\xc3\xa9", "caf\xc3\xa9" },
};

START_TEST(test_unescape)
{
	struct strbuf sb = STRBUF_INIT;
	size_t bad = 99;

	for (size_t k = 0; k < ARRAY_SIZE(unescape_cases); k++) {
		const struct unescape_case *c = &unescape_cases[k];
		sb_reset(&sb);
		sb_adds(&sb, ">");
		ck_assert_int_eq(json_unescape(c->in, strlen(c->in), &sb, &bad), 0);
		ck_assert_str_eq(sb.buf + 1, c->out);
		ck_assert_uint_eq(sb.len, 1 + strlen(c->out));
	}
	sb_release(&sb);
}
END_TEST

struct unescape_bad {
	const char *in;
	size_t bad;
};

static const struct unescape_bad unescape_bads[] = {
	{ "ab\\u0000", 2 },
	{ "\\x", 0 },
	{ "x\\u12", 1 },
	{ "x\\u12g4", 1 },
	{ "\\ud800", 0 },
	{ "\\ud800x", 0 },
	{ "\\ud800\\u0041", 0 },
	{ "\\ud800\\n", 0 },
	{ "\\udc00", 0 },
	{ "ok\\udc00\\ud800", 2 },
	{ "abc\\", 3 },
	{ "\\ud800\\uzzzz", 6 },
	{ "\\ud800\\udc0", 0 },
};

START_TEST(test_unescape_errors)
{
	struct strbuf sb = STRBUF_INIT;

	for (size_t k = 0; k < ARRAY_SIZE(unescape_bads); k++) {
		const struct unescape_bad *c = &unescape_bads[k];
		size_t bad = 99;
		sb_reset(&sb);
		sb_adds(&sb, "keep");
		ck_assert_int_eq(json_unescape(c->in, strlen(c->in), &sb, &bad), -1);
		ck_assert_msg(bad == c->bad, "'%s': bad at %zu, expected %zu", c->in, bad, c->bad);
		ck_assert_str_eq(sb.buf, "keep");      /* untouched on failure */
		ck_assert_uint_eq(sb.len, 4);
	}
	/* bad may be NULL. */
	ck_assert_int_eq(json_unescape("\\q", 2, &sb, NULL), -1);
	sb_release(&sb);
}
END_TEST

START_TEST(test_strings)
{
	static const char text[] =
		"[\"\\ud83d\\ude00\", \"tab\\there\", \"\", \"caf\\u00e9\", \"raw \xc3\xa9\", 1, \"\\/\"]";
	struct json_doc doc;
	struct json_error err;
	struct strbuf sb = STRBUF_INIT;
	char *s;

	json_init(&doc);
	ck_assert_int_eq(json_parse(&doc, text, strlen(text), NULL, "s", 0, &err), 0);
	s = json_string(&doc, 1);
	ck_assert_uint_eq(strlen(s), 4);
	ck_assert_mem_eq(s, "\xf0\x9f\x98\x80", 4);
	free(s);
	s = json_string(&doc, 2);
	ck_assert_str_eq(s, "tab\there");
	free(s);
	s = json_string(&doc, 3);
	ck_assert_str_eq(s, "");
	free(s);
	ck_assert_int_eq(json_string_sb(&doc, 4, &sb), 0);
	ck_assert_int_eq(json_string_sb(&doc, 5, &sb), 0);
	ck_assert_str_eq(sb.buf, "caf\xc3\xa9raw \xc3\xa9");
	ck_assert_int_eq(json_string_sb(&doc, 6, &sb), -1);
	ck_assert_int_eq(json_string_sb(&doc, 0, &sb), -1);
	ck_assert_int_eq(json_string_sb(&doc, 7, &sb), 0);
	ck_assert_str_eq(sb.buf, "caf\xc3\xa9raw \xc3\xa9/");
	ck_assert(json_str_eq(&doc, 3, ""));
	ck_assert(json_str_eq(&doc, 4, "caf\xc3\xa9"));
	ck_assert(!json_str_eq(&doc, 4, "cafe"));
	ck_assert(json_str_eq(&doc, 7, "/"));

	/* Control characters pass through escapes, not raw. */
	ck_assert_int_eq(json_parse(&doc, "\"\\u001f\\u0001\"", 14, NULL, "s", 0, &err), 0);
	s = json_string(&doc, 0);
	ck_assert_str_eq(s, "\x1f\x01");
	free(s);
	sb_release(&sb);
	json_free(&doc);
}
END_TEST

/* ---- numbers ---- */

START_TEST(test_numbers)
{
	static const char text[] =
		"[0, -0, 1, -1, 0.5, 1e400, -1e400, 1e-400, 5e-324, 2.2250738585072014e-308,"
		" 1.7976931348623157e308, 123456789012345678901234567890, 9007199254740993,"
		" 0.1, 1E2, 1e+2, 1e-2, 3.14159265358979323846264338327950288, 1e22, 1e23,"
		" 4.35, 0.000001, 100000000000000000000000000000000000000000000000000.5]";
	static const char *const expect[] = {
		"0", "-0", "1", "-1", "0.5", "1e400", "-1e400", "1e-400", "5e-324",
		"2.2250738585072014e-308", "1.7976931348623157e308",
		"123456789012345678901234567890", "9007199254740993", "0.1", "1E2",
		"1e+2", "1e-2", "3.14159265358979323846264338327950288", "1e22", "1e23",
		"4.35", "0.000001", "100000000000000000000000000000000000000000000000000.5",
	};
	struct json_doc doc;
	struct json_error err;
	double v;

	json_init(&doc);
	ck_assert_int_eq(json_parse(&doc, text, strlen(text), NULL, "num", 0, &err), 0);
	ck_assert_int_eq(json_size(&doc, 0), (int)ARRAY_SIZE(expect));
	for (int k = 0; k < (int)ARRAY_SIZE(expect); k++) {
		ck_assert_int_eq(json_number(&doc, k + 1, &v), 0);
		ck_assert_msg(same_double(v, strtod(expect[k], NULL)), "%s read as %.17g",
			      expect[k], v);
	}
	ck_assert(signbit(strtod("-0", NULL)));
	ck_assert_int_eq(json_number(&doc, 2, &v), 0);
	ck_assert(v == 0 && signbit(v));
	ck_assert_int_eq(json_number(&doc, 6, &v), 0);
	ck_assert(isinf(v) && v > 0);
	ck_assert_int_eq(json_number(&doc, 7, &v), 0);
	ck_assert(isinf(v) && v < 0);
	ck_assert_int_eq(json_number(&doc, 8, &v), 0);
	ck_assert(v == 0);
	ck_assert_int_eq(json_number(&doc, 9, &v), 0);
	ck_assert(v > 0 && v < DBL_MIN);
	ck_assert_int_eq(json_number(&doc, 12, &v), 0);
	ck_assert(v == 1.2345678901234568e29);
	ck_assert_int_eq(json_number(&doc, 0, &v), -1);     /* the array */
	ck_assert_int_eq(json_number(&doc, -1, &v), -1);
	ck_assert_int_eq(json_number(&doc, doc.ntok, &v), -1);
	json_free(&doc);
}
END_TEST

START_TEST(test_huge_integers)
{
	struct strbuf sb = STRBUF_INIT;
	struct json_doc doc;
	struct json_error err;
	char *copy;
	double v;

	/* 500 digits: valid JSON, too big for a double. */
	sb_adds(&sb, "1");
	for (int k = 0; k < 499; k++)
		sb_addc(&sb, (char)('0' + k % 10));
	json_init(&doc);
	ck_assert_int_eq(parse_copy(&doc, sb.buf, sb.len, 0, &err, &copy), 0);
	ck_assert_int_eq(json_number(&doc, 0, &v), 0);
	ck_assert(isinf(v));
	free(copy);
	sb_reset(&sb);
	sb_adds(&sb, "-");
	for (int k = 0; k < 500; k++)
		sb_addc(&sb, (char)('1' + k % 9));
	sb_adds(&sb, ".5e-300");
	ck_assert_int_eq(parse_copy(&doc, sb.buf, sb.len, 0, &err, &copy), 0);
	ck_assert_int_eq(json_number(&doc, 0, &v), 0);
	ck_assert(same_double(v, strtod(sb.buf, NULL)));
	ck_assert(isfinite(v) && v < 0);
	free(copy);

	/* 300 digits in an array: finite, read in place. */
	sb_reset(&sb);
	sb_adds(&sb, "[");
	for (int k = 0; k < 300; k++)
		sb_addc(&sb, (char)('9' - k % 9));
	sb_adds(&sb, "]");
	ck_assert_int_eq(parse_copy(&doc, sb.buf, sb.len, 0, &err, &copy), 0);
	ck_assert_int_eq(json_number(&doc, 1, &v), 0);
	ck_assert(isfinite(v));
	ck_assert(same_double(v, strtod(sb.buf + 1, NULL)));
	free(copy);
	json_free(&doc);
	sb_release(&sb);
}
END_TEST

/* json_number agrees bit for bit with strtod, on its fast path and off it,
 * in place and at the very end of the buffer. */
START_TEST(test_numbers_match_strtod)
{
	struct strbuf sb = STRBUF_INIT;
	struct json_doc doc;
	struct json_error err;
	char num[400];
	unsigned seed = 777;
	double v;
	char *copy;

	json_init(&doc);
	sb_addc(&sb, '[');
	for (int k = 0; k < 3000; k++) {
		uint64_t bits = ((uint64_t)rand_r(&seed) << 42) ^ ((uint64_t)rand_r(&seed) << 21) ^
			(uint64_t)rand_r(&seed);
		double d;
		memcpy(&d, &bits, sizeof d);
		if (!isfinite(d))
			continue;
		if (k % 3 == 0)
			d = (double)(rand_r(&seed) % 100000) / 1000.0 * (k % 2 ? 1 : -1);
		for (int f = 0; f < 6; f++) {
			int n = f == 0 ? snprintf(num, sizeof num, "%.17g", d)
				: f == 1 ? snprintf(num, sizeof num, "%.15g", d)
				: f == 2 ? snprintf(num, sizeof num, "%.6g", d)
				: f == 3 ? snprintf(num, sizeof num, "%g", d)
				: f == 4 ? snprintf(num, sizeof num, "%.3f", d)
				: snprintf(num, sizeof num, "%.20e", d);
			ck_assert_int_lt(n, (int)sizeof num);
			if (sb.len > 1)
				sb_addc(&sb, ',');
			sb_adds(&sb, num);

			/* Alone, ending the buffer. */
			ck_assert_int_eq(parse_copy(&doc, num, (size_t)n, 0, &err, &copy), 0);
			ck_assert_int_eq(json_number(&doc, 0, &v), 0);
			ck_assert_msg(same_double(v, strtod(num, NULL)), "%s read as %.17g", num, v);
			free(copy);
		}
	}
	sb_addc(&sb, ']');
	ck_assert_int_eq(json_parse(&doc, sb.buf, sb.len, NULL, "m", 0, &err), 0);
	for (int k = json_first(&doc, 0); k >= 0; k = json_next(&doc, 0, k)) {
		const char *s = doc.src + doc.tok[k].start;
		ck_assert_int_eq(json_number(&doc, k, &v), 0);
		ck_assert(same_double(v, strtod(s, NULL)));
	}
	json_free(&doc);
	sb_release(&sb);
}
END_TEST

/* Random decimals of up to 19 significant digits with exponents around the
 * exact-arithmetic range, and exact halfway cases above 2^53. */
START_TEST(test_numbers_exact_paths)
{
	struct json_doc doc;
	struct json_error err;
	char num[64], digits[24];
	unsigned seed = 99;
	double v;

	json_init(&doc);
	for (int k = 0; k < 30000; k++) {
		int n = 1 + rand_r(&seed) % 19, scale = rand_r(&seed) % 61 - 30;
		digits[0] = (char)('1' + rand_r(&seed) % 9);
		for (int j = 1; j < n; j++)
			digits[j] = (char)('0' + rand_r(&seed) % 10);
		digits[n] = '\0';
		int point = rand_r(&seed) % n;
		if (k % 2)
			snprintf(num, sizeof num, "%.*s.%se%d", point + 1, digits, digits + point + 1,
				 scale);
		else
			snprintf(num, sizeof num, "-%se%d", digits, scale);
		if (num[strlen(num) - 1] == '.' || strstr(num, ".e"))
			continue;
		ck_assert_msg(json_parse(&doc, num, strlen(num), NULL, "x", 0, &err) == 0, "%s", num);
		ck_assert_int_eq(json_number(&doc, 0, &v), 0);
		ck_assert_msg(same_double(v, strtod(num, NULL)), "%s read as %.17g", num, v);

		/* 2^53 + odd: halfway between two doubles; ties go to even. */
		unsigned long long half = (1ULL << 53) + (((unsigned long long)rand_r(&seed) << 20) |
							  (unsigned)rand_r(&seed)) % (1ULL << 53);
		half |= 1;
		snprintf(num, sizeof num, k % 2 ? "%llu" : "%llue-7", half);
		ck_assert_int_eq(json_parse(&doc, num, strlen(num), NULL, "x", 0, &err), 0);
		ck_assert_int_eq(json_number(&doc, 0, &v), 0);
		ck_assert_msg(same_double(v, strtod(num, NULL)), "%s read as %.17g", num, v);
	}
	json_free(&doc);
}
END_TEST

START_TEST(test_jmh_special_numbers)
{
	static const char text[] =
		"[\"NaN\", \"+INF\", \"-INF\", \"INF\", \"Infinity\", \"+Infinity\", \"-Infinity\","
		" \"nan\", \"inf\", \"1.5\", \"\", true, null, {}, \"NaN \"]";
	struct json_doc doc;
	struct json_error err;
	double v;

	json_init(&doc);
	ck_assert_int_eq(json_parse(&doc, text, strlen(text), NULL, "jmh", 0, &err), 0);
	ck_assert_int_eq(json_number(&doc, 1, &v), 0);
	ck_assert(isnan(v));
	ck_assert_int_eq(json_number(&doc, 2, &v), 0);
	ck_assert(isinf(v) && v > 0);
	ck_assert_int_eq(json_number(&doc, 3, &v), 0);
	ck_assert(isinf(v) && v < 0);
	ck_assert_int_eq(json_number(&doc, 4, &v), 0);
	ck_assert(isinf(v) && v > 0);
	ck_assert_int_eq(json_number(&doc, 5, &v), 0);
	ck_assert(isinf(v) && v > 0);
	ck_assert_int_eq(json_number(&doc, 6, &v), 0);
	ck_assert(isinf(v) && v > 0);
	ck_assert_int_eq(json_number(&doc, 7, &v), 0);
	ck_assert(isinf(v) && v < 0);
	v = 42;
	for (int k = 8; k <= 15; k++)
		ck_assert_msg(json_number(&doc, k, &v) == -1, "token %d is not a number", k);
	ck_assert(v == 42);
	json_free(&doc);
}
END_TEST

/* The same conversions on bare text (not NUL-terminated). */
START_TEST(test_number_text)
{
	static const char *const good[] = {
		"0", "-0", "1.5", "9560.342718892494", "1e400", "123456789012345678901234567890",
		"5e-324", "-2.5E-3",
	};
	static const char unterminated[] = { '4', '.', '2', '5' };
	char *exact = xmalloc(sizeof unterminated);
	double v;

	for (size_t k = 0; k < ARRAY_SIZE(good); k++) {
		ck_assert_int_eq(json_number_text(good[k], strlen(good[k]), &v), 0);
		ck_assert(same_double(v, strtod(good[k], NULL)));
	}
	memcpy(exact, unterminated, sizeof unterminated);
	ck_assert_int_eq(json_number_text(exact, sizeof unterminated, &v), 0);
	ck_assert(v == 4.25);
	ck_assert_int_eq(json_number_text(exact, 2, &v), -1);     /* "4." */
	free(exact);
	ck_assert_int_eq(json_number_text("", 0, &v), -1);
	ck_assert_int_eq(json_number_text("x1", 2, &v), -1);
	ck_assert_int_eq(json_number_text("12", 1, &v), 0);
	ck_assert(v == 1);

	ck_assert_int_eq(json_special_number("NaN", 3, &v), 0);
	ck_assert(isnan(v));
	ck_assert_int_eq(json_special_number("-INF", 4, &v), 0);
	ck_assert(isinf(v) && v < 0);
	ck_assert_int_eq(json_special_number("+Infinity", 9, &v), 0);
	ck_assert(isinf(v) && v > 0);
	ck_assert_int_eq(json_special_number("NaNx", 3, &v), 0);   /* length counts */
	ck_assert_int_eq(json_special_number("NaNx", 4, &v), -1);
	ck_assert_int_eq(json_special_number("1.5", 3, &v), -1);
}
END_TEST

START_TEST(test_literals)
{
	static const char text[] = "[true, false, null, 0, \"true\"]";
	struct json_doc doc;
	struct json_error err;
	bool b;

	json_init(&doc);
	ck_assert_int_eq(json_parse(&doc, text, strlen(text), NULL, "l", 0, &err), 0);
	ck_assert_int_eq(json_bool(&doc, 1, &b), 0);
	ck_assert(b);
	ck_assert_int_eq(json_bool(&doc, 2, &b), 0);
	ck_assert(!b);
	ck_assert_int_eq(json_bool(&doc, 3, &b), -1);
	ck_assert_int_eq(json_bool(&doc, 4, &b), -1);
	ck_assert_int_eq(json_bool(&doc, 5, &b), -1);
	ck_assert_int_eq(json_bool(&doc, 0, &b), -1);
	ck_assert(json_is_null(&doc, 3));
	ck_assert(!json_is_null(&doc, 5));
	ck_assert_int_eq(json_type(&doc, 5), JSMN_STRING);
	json_free(&doc);
}
END_TEST

/* ---- the writer ---- */

/* The sample document; other_nulls writes its two nulls another way
 * (an infinity, a NULL string with a length): the text is the same. */
static void write_doc(struct jsonw *w, bool other_nulls)
{
	jw_obj_begin(w);
	jw_key(w, "name");
	jw_str(w, "bench");
	jw_key(w, "score");
	jw_num(w, 1.5);
	jw_key(w, "list");
	jw_arr_begin(w);
	jw_int(w, 1);
	jw_str(w, "two");
	jw_arr_begin(w);
	jw_arr_end(w);
	jw_obj_begin(w);
	jw_key(w, "k");
	jw_null(w);
	jw_obj_end(w);
	jw_arr_end(w);
	jw_key(w, "empty");
	jw_obj_begin(w);
	jw_obj_end(w);
	jw_key(w, "flags");
	jw_arr_begin(w);
	jw_bool(w, true);
	jw_bool(w, false);
	jw_num(w, other_nulls ? INFINITY : NAN);
	if (other_nulls)
		jw_strn(w, NULL, 3);
	else
		jw_str(w, NULL);
	jw_arr_end(w);
	jw_obj_end(w);
}

static char *write_sample(bool pretty)
{
	struct strbuf sb = STRBUF_INIT;
	struct jsonw w;

	jw_init_sb(&w, &sb, pretty);
	write_doc(&w, false);
	jw_end(&w);
	return sb_detach(&sb, NULL);
}

START_TEST(test_writer_compact)
{
	char *s = write_sample(false);

	ck_assert_str_eq(s, "{\"name\":\"bench\",\"score\":1.5,\"list\":[1,\"two\",[],{\"k\":null}],"
			 "\"empty\":{},\"flags\":[true,false,null,null]}\n");
	free(s);
}
END_TEST

START_TEST(test_writer_pretty)
{
	char *s = write_sample(true);

	ck_assert_str_eq(s,
			 "{\n"
			 "  \"name\": \"bench\",\n"
			 "  \"score\": 1.5,\n"
			 "  \"list\": [\n"
			 "    1,\n"
			 "    \"two\",\n"
			 "    [],\n"
			 "    {\n"
			 "      \"k\": null\n"
			 "    }\n"
			 "  ],\n"
			 "  \"empty\": {},\n"
			 "  \"flags\": [\n"
			 "    true,\n"
			 "    false,\n"
			 "    null,\n"
			 "    null\n"
			 "  ]\n"
			 "}\n");
	free(s);
}
END_TEST

START_TEST(test_writer_scalars)
{
	struct strbuf sb = STRBUF_INIT;
	struct jsonw w;

	jw_init_sb(&w, &sb, true);
	jw_num(&w, 100);
	jw_end(&w);
	jw_int(&w, LLONG_MIN);
	jw_end(&w);
	jw_str(&w, "x");
	jw_end(&w);
	ck_assert_str_eq(sb.buf, "100\n-9223372036854775808\n\"x\"\n");
	sb_release(&sb);
}
END_TEST

START_TEST(test_writer_file)
{
	FILE *fp = tmpfile();
	struct jsonw w;
	char buf[512];
	char *expect = write_sample(true);

	ck_assert_ptr_nonnull(fp);
	jw_init(&w, fp, true);
	write_doc(&w, true);
	jw_end(&w);
	ck_assert(!ferror(fp));
	rewind(fp);
	size_t n = fread(buf, 1, sizeof buf - 1, fp);
	buf[n] = '\0';
	ck_assert_str_eq(buf, expect);
	fclose(fp);
	free(expect);
}
END_TEST

struct quote_case {
	const char *in;
	size_t len;     /* 0: strlen */
	const char *out;
};

static const struct quote_case quote_cases[] = {
	{ "", 0, "\"\"" },
	{ "plain", 0, "\"plain\"" },
	{ "\"q\" \\ /", 0, "\"\\\"q\\\" \\\\ /\"" },
	{ "\b\f\n\r\t", 0, "\"\\b\\f\\n\\r\\t\"" },
	{ "\x01\x02\x1f\x7f", 0, "\"\\u0001\\u0002\\u001f\x7f\"" },
	{ "a\0b", 3, "\"a\\u0000b\"" },
	{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 0,
	  "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"" },
	{ "\xef\xbf\xbf\xf4\x8f\xbf\xbf", 0, "\"\xef\xbf\xbf\xf4\x8f\xbf\xbf\"" },
	/* Invalid UTF-8: each maximal invalid subpart becomes U+FFFD. */
	{ "a\xff" "b", 0, "\"a\xef\xbf\xbd" "b\"" },
	{ "\xc3", 0, "\"\xef\xbf\xbd\"" },
	{ "\xc3x", 0, "\"\xef\xbf\xbdx\"" },
	{ "\xe2\x82", 0, "\"\xef\xbf\xbd\"" },
	{ "\xe2\x82x", 0, "\"\xef\xbf\xbdx\"" },
	{ "\xf0\x9f\x98", 0, "\"\xef\xbf\xbd\"" },
	{ "\x80\xbf", 0, "\"\xef\xbf\xbd\xef\xbf\xbd\"" },
	{ "\xc0\xaf", 0, "\"\xef\xbf\xbd\xef\xbf\xbd\"" },                      /* overlong */
	{ "\xe0\x80\xaf", 0, "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"" },      /* overlong */
	{ "\xed\xa0\x80", 0, "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"" },      /* surrogate */
	{ "\xf4\x90\x80\x80", 0,
	  "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"" },              /* > U+10FFFF */
	{ "\xf5\x80", 0, "\"\xef\xbf\xbd\xef\xbf\xbd\"" },
	{ "\xc3\"", 0, "\"\xef\xbf\xbd\\\"\"" },
};

START_TEST(test_quote)
{
	struct strbuf sb = STRBUF_INIT;
	struct json_doc doc;
	struct json_error err;

	json_init(&doc);
	for (size_t k = 0; k < ARRAY_SIZE(quote_cases); k++) {
		const struct quote_case *c = &quote_cases[k];
		size_t n = c->len ? c->len : strlen(c->in);
		sb_reset(&sb);
		json_quote(&sb, c->in, n);
		ck_assert_msg(!strcmp(sb.buf, c->out), "case %zu: got %s", k, sb.buf);
		/* Always valid JSON (\u0000 aside, which the reader refuses). */
		if (!memchr(c->in, '\0', n))
			ck_assert_msg(json_parse(&doc, sb.buf, sb.len, NULL, "q", 0, &err) == 0,
				      "case %zu: %s", k, err.msg);
	}
	/* json_quote appends. */
	sb_reset(&sb);
	sb_adds(&sb, "x=");
	json_quote(&sb, "y", 1);
	ck_assert_str_eq(sb.buf, "x=\"y\"");
	sb_release(&sb);
	json_free(&doc);
}
END_TEST

struct double_case {
	double v;
	const char *text;
};

START_TEST(test_format_double)
{
	const struct double_case cases[] = {
		{ 0.1, "0.1" },
		{ 100, "100" },
		{ 8, "8" },
		{ 0.0002, "0.0002" },
		{ 0, "0" },
		{ -0.0, "0" },
		{ -2.5, "-2.5" },
		{ 1.5e-7, "1.5e-07" },
		{ 1e21, "1e+21" },
		{ 1e17, "1e+17" },
		{ 1e16, "10000000000000000" },
		{ -99999999999999984.0, "-99999999999999984" },
		{ 9007199254740992.0, "9007199254740992" },
		{ 123456789.123, "123456789.123" },
		{ 0.1 + 0.2, "0.30000000000000004" },
		{ 1.0 / 3, "0.3333333333333333" },
		{ 2.0 / 3, "0.6666666666666666" },
		{ 5e-324, "5e-324" },
		{ 1e-310, "1e-310" },
		{ DBL_MIN, "2.2250738585072014e-308" },
		{ DBL_MAX, "1.7976931348623157e+308" },
		{ 1234.5678, "1234.5678" },
		{ NAN, "null" },
		{ INFINITY, "null" },
		{ -INFINITY, "null" },
	};
	char buf[32];

	for (size_t k = 0; k < ARRAY_SIZE(cases); k++) {
		json_format_double(buf, sizeof buf, cases[k].v);
		ck_assert_msg(!strcmp(buf, cases[k].text), "%.17g formatted as %s, expected %s",
			      cases[k].v, buf, cases[k].text);
	}
}
END_TEST

/* Random doubles: the text reads back exactly, is no longer than %.17g's,
 * and is a valid JSON number. */
START_TEST(test_format_double_random)
{
	struct json_doc doc;
	struct json_error err;
	unsigned seed = 4242;
	char buf[32], longest[40];
	double v;

	json_init(&doc);
	for (int k = 0; k < 20000; k++) {
		uint64_t bits = ((uint64_t)rand_r(&seed) << 42) ^ ((uint64_t)rand_r(&seed) << 21) ^
			(uint64_t)rand_r(&seed);
		double d;
		memcpy(&d, &bits, sizeof d);
		if (k % 4 == 0)
			d = (double)rand_r(&seed) / 1000.0;
		if (!isfinite(d))
			continue;
		json_format_double(buf, sizeof buf, d);
		snprintf(longest, sizeof longest, "%.17g", d);
		ck_assert_msg(strtod(buf, NULL) == d, "%s does not read back", buf);
		if (fabs(d) >= 1e17 || d != trunc(d))
			ck_assert_uint_le(strlen(buf), strlen(longest));
		ck_assert_int_eq(json_parse(&doc, buf, strlen(buf), NULL, "d", 0, &err), 0);
		ck_assert_int_eq(json_number(&doc, 0, &v), 0);
		ck_assert(v == d);
	}
	json_free(&doc);
}
END_TEST

/* The formatter json_format_double had before it made its digits itself:
 * printf's "%.16e" for 17 correctly rounded digits, then the shortest of
 * their roundings to 15 and 16 digits (1 and up for subnormals) that
 * strtod reads back, laid out as %g would.  The reference for the test
 * below. */
static void reference_format_double(char *buf, size_t size, double v)
{
	if (!isfinite(v)) {
		snprintf(buf, size, "null");
		return;
	}
	if (v == 0) {
		snprintf(buf, size, "0");
		return;
	}
	if (fabs(v) < 1e17 && v == trunc(v)) {
		snprintf(buf, size, "%lld", (long long)v);
		return;
	}
	char sci[48], d[18], cand[48];
	snprintf(sci, sizeof sci, "%.16e", v);
	bool neg = sci[0] == '-';
	const char *p = sci + neg;
	char d17[18];
	d17[0] = p[0];
	memcpy(d17 + 1, p + 2, 16);
	d17[17] = '\0';
	int x = atoi(p + 19), prec, dx = x;
	for (prec = fabs(v) < DBL_MIN ? 1 : 15; prec < 17; prec++) {
		dx = x;
		memcpy(d, d17, (size_t)prec);
		if (d17[prec] >= '5') {
			int i = prec - 1;
			while (i >= 0 && d[i] == '9')
				d[i--] = '0';
			if (i >= 0) {
				d[i]++;
			} else {
				memmove(d + 1, d, (size_t)prec - 1);
				d[0] = '1';
				dx++;
			}
		}
		d[prec] = '\0';
		snprintf(cand, sizeof cand, "%s%c.%se%d", neg ? "-" : "", d[0], d + 1, dx);
		if (strtod(cand, NULL) == v)
			break;
	}
	if (prec == 17)
		memcpy(d, d17, 18);
	int n = prec;
	while (n > 1 && d[n - 1] == '0')
		n--;
	d[n] = '\0';
	char *o = buf;
	if (neg)
		*o++ = '-';
	if (dx < -4 || dx >= prec) {
		sprintf(o, "%c%s%s%se%c%02d", d[0], n > 1 ? "." : "", d + 1, "", dx < 0 ? '-' : '+',
			dx < 0 ? -dx : dx);
	} else if (dx < 0) {
		o += sprintf(o, "0.");
		for (int i = -1; i > dx; i--)
			*o++ = '0';
		strcpy(o, d);
	} else {
		for (int i = 0; i <= dx; i++)
			*o++ = i < n ? d[i] : '0';
		*o = '\0';
		if (n > dx + 1)
			sprintf(o, ".%s", d + dx + 1);
	}
}

/* A million doubles of every kind (random bit patterns, subnormals,
 * integers around 2^53 and 1e17, powers of ten and their neighbours, the
 * extremes, typical benchmark scores and p-values): the same text as the
 * printf-based reference, and it reads back exactly through strtod. */
START_TEST(test_format_double_reference)
{
	uint64_t state = UINT64_C(0x9e3779b97f4a7c15);
	char got[32], want[32];
	size_t checked = 0;

	for (int k = 0; k < 1000000; k++) {
		/* xorshift64* */
		state ^= state >> 12;
		state ^= state << 25;
		state ^= state >> 27;
		uint64_t r = state * UINT64_C(2685821657736338717);
		double d;
		switch (k % 8) {
		case 0:
		case 1:
			memcpy(&d, &r, sizeof d);   /* any bit pattern */
			break;
		case 2:
			r &= UINT64_C(0x800fffffffffffff);   /* subnormal */
			memcpy(&d, &r, sizeof d);
			break;
		case 3:
			d = (double)(r >> 11) * 0x1p-53 * 1e6;   /* a score */
			break;
		case 4:
			d = (double)(r >> 11) * 0x1p-53;   /* a p-value */
			break;
		case 5: {
			/* a power of ten, nudged a few ulps */
			double p10 = pow(10, (double)((int)(r % 617) - 308));
			int steps = (int)(r >> 40 & 7) - 3;
			d = p10;
			for (int i = 0; i < abs(steps); i++)
				d = nextafter(d, steps < 0 ? 0 : INFINITY);
			break;
		}
		case 6:
			/* integers and halves near 2^53 and 1e17, the boundaries of
			 * the integer form, and numbers near 1e-11 and 1e38 */
			switch (r % 4) {
			case 0: d = 9007199254740992.0 + (double)(int64_t)(r >> 40 & 0xfff) - 2048; break;
			case 1: d = 1e17 + (double)(int64_t)(r >> 40 & 0xfff) * 16 - 32768; break;
			case 2: d = 1e-11 * (1 + (double)(r >> 11) * 0x1p-53 * 1e-3); break;
			default: d = 1.7e38 * (1 + ((double)(r >> 11) * 0x1p-53 - 0.5)); break;
			}
			d += (double)(r >> 63) * 0.5;
			break;
		default:
			d = ldexp((double)(r >> 11), (int)(r % 2100) - 1100);   /* any exponent */
			break;
		}
		if (r & 1 && k % 8 >= 3)
			d = -d;
		json_format_double(got, sizeof got, d);
		reference_format_double(want, sizeof want, d);
		ck_assert_msg(!strcmp(got, want), "%a formatted as %s, the reference says %s", d, got, want);
		if (isfinite(d)) {
			ck_assert_msg(strtod(got, NULL) == d, "%s does not read back as %a", got, d);
			checked++;
		}
	}
	ck_assert_uint_gt(checked, 990000);
	const double extremes[] = { DBL_MAX, -DBL_MAX, DBL_MIN, 5e-324, 1e-11, 1e38, 1.5e38, 3.4e38,
				    0.5, 0.25, 0.125, 1.00000000000000005, 999999999999999.9,
				    99999999999999999.0, 1e23, 8.41e21, 5e-324 * 3, nextafter(DBL_MIN, 0) };
	for (size_t k = 0; k < ARRAY_SIZE(extremes); k++) {
		json_format_double(got, sizeof got, extremes[k]);
		reference_format_double(want, sizeof want, extremes[k]);
		ck_assert_msg(!strcmp(got, want), "%a formatted as %s, the reference says %s",
			      extremes[k], got, want);
	}
}
END_TEST

/* Write with jsonw, read back with json.c. */
static void roundtrip(bool pretty)
{
	static const char *const strings[] = {
		"", "plain", "\"quoted\"", "back\\slash", "tab\tnew\nline\r",
		("\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17"
		 "\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\x7f"),
		"caf\xc3\xa9 \xf0\x9f\x98\x80", "/slash/", "{\"not\": [json]}",
	};
	double numbers[] = {
		0, 1, -1, 0.1, 1e21, 5e-324, 100, 1.0 / 3, DBL_MAX, -DBL_MIN, 123456789012345678.0,
		3.14159, -0.000123, 1e-7, 4.35, 2.5e+300
	};
	struct strbuf sb = STRBUF_INIT;
	struct json_doc doc;
	struct json_error err;
	struct jsonw w;
	char key[16];

	jw_init_sb(&w, &sb, pretty);
	jw_obj_begin(&w);
	jw_key(&w, "strings");
	jw_arr_begin(&w);
	for (size_t k = 0; k < ARRAY_SIZE(strings); k++)
		jw_str(&w, strings[k]);
	jw_arr_end(&w);
	jw_key(&w, "numbers");
	jw_obj_begin(&w);
	for (size_t k = 0; k < ARRAY_SIZE(numbers); k++) {
		snprintf(key, sizeof key, "n%zu", k);
		jw_key(&w, key);
		jw_num(&w, numbers[k]);
	}
	jw_obj_end(&w);
	jw_key(&w, "ints");
	jw_arr_begin(&w);
	jw_int(&w, 0);
	jw_int(&w, -42);
	jw_int(&w, LLONG_MAX);
	jw_arr_end(&w);
	jw_key(&w, "nested");
	for (int k = 0; k < JSONW_MAX_DEPTH - 1; k++)
		jw_arr_begin(&w);
	jw_bool(&w, true);
	for (int k = 0; k < JSONW_MAX_DEPTH - 1; k++)
		jw_arr_end(&w);
	jw_key(&w, "\x01key\"\n");
	jw_null(&w);
	jw_obj_end(&w);
	jw_end(&w);

	json_init(&doc);
	ck_assert_msg(json_parse(&doc, sb.buf, sb.len, NULL, "rt", JSONW_MAX_DEPTH, &err) == 0,
		      "%s at %u:%u", err.msg, err.line, err.col);
	check_tree(&doc);
	int arr = json_obj_get(&doc, 0, "strings");
	ck_assert_int_eq(json_size(&doc, arr), (int)ARRAY_SIZE(strings));
	size_t k = 0;
	for (int e = json_first(&doc, arr); e >= 0; e = json_next(&doc, arr, e), k++) {
		char *s = json_string(&doc, e);
		ck_assert_str_eq(s, strings[k]);
		ck_assert(json_str_eq(&doc, e, strings[k]));
		free(s);
	}
	int obj = json_obj_get(&doc, 0, "numbers");
	for (k = 0; k < ARRAY_SIZE(numbers); k++) {
		double v;
		snprintf(key, sizeof key, "n%zu", k);
		ck_assert_int_eq(json_number(&doc, json_obj_get(&doc, obj, key), &v), 0);
		ck_assert_msg(v == numbers[k], "%.17g came back as %.17g", numbers[k], v);
	}
	int ints = json_obj_get(&doc, 0, "ints");
	double v;
	ck_assert_int_eq(json_number(&doc, ints + 3, &v), 0);
	ck_assert(v == (double)LLONG_MAX);
	ck_assert(json_is_null(&doc, json_obj_get(&doc, 0, "\x01key\"\n")));
	ck_assert_int_eq(sb.buf[sb.len - 1], '\n');
	/* Compact output is one line (newlines in strings are escaped). */
	if (!pretty)
		ck_assert_ptr_null(memchr(sb.buf, '\n', sb.len - 1));
	json_free(&doc);
	sb_release(&sb);
}

START_TEST(test_roundtrip_compact)
{
	roundtrip(false);
}
END_TEST

START_TEST(test_roundtrip_pretty)
{
	roundtrip(true);
}
END_TEST

/* Misuse of the writer is an internal error: die(PERF_EXIT_TROUBLE).  die()
 * is caught by pointing msg_exit at a longjmp, which works forked or not. */
static jmp_buf die_jump;
static volatile int die_status;

static _Noreturn void catch_exit(int status)
{
	die_status = status;
	longjmp(die_jump, 1);
}

enum misuse {
	MISUSE_TOO_DEEP,
	MISUSE_END_UNBEGUN,
	MISUSE_END_IN_CONTAINER,
	MISUSE_KEY_OUTSIDE,
	MISUSE_KEY_AFTER_KEY,
	MISUSE_END_AFTER_KEY,
	MISUSE_JOIN_ELSEWHERE,
	MISUSE_COUNT
};

static void misuse_writer(struct jsonw *w, enum misuse what)
{
	switch (what) {
	case MISUSE_TOO_DEEP:
		for (int k = 0; k <= JSONW_MAX_DEPTH; k++)
			jw_arr_begin(w);
		break;
	case MISUSE_END_UNBEGUN:
		jw_arr_end(w);
		break;
	case MISUSE_END_IN_CONTAINER:
		jw_obj_begin(w);
		jw_end(w);
		break;
	case MISUSE_KEY_OUTSIDE:
		jw_key(w, "k");
		break;
	case MISUSE_KEY_AFTER_KEY:
		jw_obj_begin(w);
		jw_key(w, "a");
		jw_key(w, "b");
		break;
	case MISUSE_END_AFTER_KEY:
		jw_obj_begin(w);
		jw_key(w, "a");
		jw_obj_end(w);
		break;
	case MISUSE_JOIN_ELSEWHERE: {
		static struct strbuf fsb = STRBUF_INIT;
		static struct jsonw fork;
		jw_arr_begin(w);
		jw_fork(&fork, &fsb, w, false);
		jw_arr_begin(w);
		jw_join(w, &fork);
		break;
	}
	case MISUSE_COUNT:
		break;
	}
}

START_TEST(test_writer_misuse)
{
	static struct strbuf sb = STRBUF_INIT;
	static struct jsonw w;
	void (*saved)(int) = msg_exit;

	die_status = -1;
	msg_exit = catch_exit;
	if (setjmp(die_jump) == 0) {
		jw_init_sb(&w, &sb, _i % 2);
		misuse_writer(&w, (enum misuse)_i);
		msg_exit = saved;
		sb_release(&sb);
		ck_abort_msg("misuse %d did not die", _i);
	}
	msg_exit = saved;
	sb_release(&sb);
	ck_assert_int_eq(die_status, PERF_EXIT_TROUBLE);
}
END_TEST

/* Integers of every length, as printf writes them. */
START_TEST(test_writer_integers)
{
	long long v[200];
	size_t n = 0;
	v[n++] = LLONG_MIN;
	v[n++] = LLONG_MAX;
	v[n++] = 0;
	for (long long p = 1; p <= LLONG_MAX / 10; p *= 10) {
		v[n++] = p;
		v[n++] = p - 1;
		v[n++] = p + 1;
		v[n++] = -p;
		v[n++] = p * 9 + (p - 1) / 3;
	}
	unsigned seed = 5;
	while (n < ARRAY_SIZE(v)) {
		uint64_t r = (uint64_t)rand_r(&seed) << 33 ^ (uint64_t)rand_r(&seed) << 11 ^
			     (uint64_t)rand_r(&seed);
		long long x = (long long)(r >> (1 + rand_r(&seed) % 60));
		v[n++] = rand_r(&seed) % 2 ? x : -x;
	}
	for (size_t i = 0; i < n; i++) {
		struct strbuf sb = STRBUF_INIT;
		struct jsonw w;
		char want[32];
		jw_init_sb(&w, &sb, false);
		jw_int(&w, v[i]);
		jw_end(&w);
		snprintf(want, sizeof want, "%lld\n", v[i]);
		ck_assert_str_eq(sb.buf, want);
		sb_release(&sb);
	}
}
END_TEST

/* A document with a list of items from..to, written in one go or with the
 * items split into forks at the given cut points (joined in order). */
static void fork_items(struct jsonw *w, int from, int to)
{
	for (int i = from; i < to; i++) {
		jw_obj_begin(w);
		jw_key(w, "item");
		jw_int(w, i);
		jw_key(w, "tags");
		jw_arr_begin(w);
		jw_str(w, i % 2 ? "odd" : "even");
		jw_arr_end(w);
		jw_obj_end(w);
	}
}

static void fork_document(struct jsonw *w, int n, const int *cuts, int ncuts)
{
	jw_obj_begin(w);
	jw_key(w, "head");
	jw_num(w, 0.25);
	jw_key(w, "items");
	jw_arr_begin(w);
	if (!ncuts) {
		fork_items(w, 0, n);
	} else {
		/* the part before the first cut on w itself, the others forked
		 * before any of them is written, as threads would */
		struct jsonw forks[8];
		struct strbuf bufs[8];
		for (int k = 0; k < ncuts; k++) {
			bufs[k] = (struct strbuf)STRBUF_INIT;
			jw_fork(&forks[k], &bufs[k], w, cuts[k] > 0);
		}
		for (int k = ncuts - 1; k >= 0; k--)
			fork_items(&forks[k], cuts[k], k + 1 < ncuts ? cuts[k + 1] : n);
		fork_items(w, 0, cuts[0]);
		for (int k = 0; k < ncuts; k++) {
			jw_join(w, &forks[k]);
			sb_release(&bufs[k]);
		}
	}
	jw_arr_end(w);
	jw_key(w, "tail");
	jw_bool(w, true);
	jw_obj_end(w);
	jw_end(w);
}

START_TEST(test_writer_forks)
{
	static const struct {
		int n, ncuts, cuts[3];
	} cases[] = {
		{ 10, 1, { 5 } }, { 10, 3, { 2, 5, 9 } }, { 10, 1, { 0 } }, { 3, 2, { 0, 1 } },
		{ 4, 1, { 4 } }, { 1, 1, { 0 } },
	};
	for (int pretty = 0; pretty < 2; pretty++) {
		for (size_t c = 0; c < ARRAY_SIZE(cases); c++) {
			struct strbuf one = STRBUF_INIT, split = STRBUF_INIT;
			struct jsonw w;
			jw_init_sb(&w, &one, pretty);
			fork_document(&w, cases[c].n, NULL, 0);
			jw_init_sb(&w, &split, pretty);
			fork_document(&w, cases[c].n, cases[c].cuts, cases[c].ncuts);
			ck_assert_str_eq(split.buf, one.buf);

			/* the same into a FILE, where joins go straight out */
			char buf[4096];
			FILE *fp = tmpfile();
			ck_assert_ptr_nonnull(fp);
			jw_init(&w, fp, pretty);
			fork_document(&w, cases[c].n, cases[c].cuts, cases[c].ncuts);
			rewind(fp);
			size_t got = fread(buf, 1, sizeof buf - 1, fp);
			buf[got] = '\0';
			fclose(fp);
			ck_assert_str_eq(buf, one.buf);
			sb_release(&one);
			sb_release(&split);
		}
	}
}
END_TEST

/* At the depth limit itself the writer is fine. */
START_TEST(test_writer_max_depth)
{
	struct strbuf sb = STRBUF_INIT;
	struct jsonw w;

	jw_init_sb(&w, &sb, false);
	for (int k = 0; k < JSONW_MAX_DEPTH; k++)
		jw_arr_begin(&w);
	for (int k = 0; k < JSONW_MAX_DEPTH; k++)
		jw_arr_end(&w);
	jw_end(&w);
	ck_assert_uint_eq(sb.len, 2 * JSONW_MAX_DEPTH + 1);
	ck_assert(parses(sb.buf, sb.len, JSONW_MAX_DEPTH, &(struct json_error){ 0 }));
	sb_release(&sb);
}
END_TEST

Suite *suite_json(void)
{
	Suite *s = suite_create("json");
	TCase *tc;

	tc = tcase_create("valid");
	tcase_add_loop_test(tc, test_valid_documents, 0, (int)ARRAY_SIZE(valid_docs));
	tcase_add_test(tc, test_top_level_scalars);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_loop_test(tc, test_bad_documents, 0, (int)ARRAY_SIZE(bad_cases));
	tcase_add_test(tc, test_error_format);
	tcase_add_test(tc, test_error_in_slice);
	suite_add_tcase(s, tc);

	tc = tcase_create("hostile");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_truncation);
	tcase_add_test(tc, test_corruption);
	tcase_add_test(tc, test_random_noise);
	tcase_add_test(tc, test_depth);
	tcase_add_test(tc, test_deep_nesting_hostile);
	tcase_add_test(tc, test_large_document);
	tcase_add_test(tc, test_reuse);
	suite_add_tcase(s, tc);

	tc = tcase_create("access");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_navigation);
	tcase_add_test(tc, test_keys_with_escapes);
	tcase_add_test(tc, test_unescape);
	tcase_add_test(tc, test_unescape_errors);
	tcase_add_test(tc, test_strings);
	tcase_add_test(tc, test_numbers);
	tcase_add_test(tc, test_huge_integers);
	tcase_add_test(tc, test_numbers_match_strtod);
	tcase_add_test(tc, test_numbers_exact_paths);
	tcase_add_test(tc, test_jmh_special_numbers);
	tcase_add_test(tc, test_number_text);
	tcase_add_test(tc, test_literals);
	suite_add_tcase(s, tc);

	tc = tcase_create("writer");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_writer_compact);
	tcase_add_test(tc, test_writer_pretty);
	tcase_add_test(tc, test_writer_scalars);
	tcase_add_test(tc, test_writer_file);
	tcase_add_test(tc, test_writer_forks);
	tcase_add_test(tc, test_writer_integers);
	tcase_add_test(tc, test_quote);
	tcase_add_test(tc, test_format_double);
	tcase_add_test(tc, test_format_double_random);
	tcase_add_test(tc, test_format_double_reference);
	tcase_add_test(tc, test_roundtrip_compact);
	tcase_add_test(tc, test_roundtrip_pretty);
	tcase_add_loop_test(tc, test_writer_misuse, 0, MISUSE_COUNT);
	tcase_add_test(tc, test_writer_max_depth);
	suite_add_tcase(s, tc);

	return s;
}
