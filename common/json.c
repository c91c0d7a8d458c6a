/* The strict JSON reader: jsmn tokenises, then one linear pass over the
 * tokens and the text between them checks everything jsmn lets through
 * (separators, literals, numbers, string escapes, nesting, one top-level
 * value).  See json.h.
 *
 * This is the one translation unit that compiles jsmn's implementation:
 * jsmn.h is included here before json.h, without JSMN_HEADER; json.h then
 * defines JSMN_HEADER and includes it again, which its include guard skips.
 *
 * Choices made here:
 *  - A UTF-8 byte order mark at the start is an error ("byte order mark not
 *    allowed"), as is any other stray byte outside strings.
 *  - "\u0000" is refused at parse time, because every string is handed out
 *    as a C string; the other checks are RFC 8259's.
 *  - Bytes >= 0x80 inside strings are passed through unchecked (no UTF-8
 *    validation): results files carry names in whatever encoding the tool
 *    that wrote them used.
 *  - Numbers too large for a double (1e400, 500-digit integers) are valid
 *    JSON; json_number gives +-HUGE_VAL (infinity) for them, and 0 or a
 *    subnormal for ones too small. */
#include <config.h>

#if !defined(JSMN_PARENT_LINKS) || !defined(JSMN_STRICT)
#error "build with -DJSMN_PARENT_LINKS -DJSMN_STRICT (see Makefile.am)"
#endif
#include <jsmn.h>

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

/* How many tokens jsmn may make between two looks at the nesting depth.
 * jsmn closes a bracket by walking parent links from the last token, which
 * costs as much as the nesting is deep: checking the depth every so often
 * keeps "[[[[...]]]]" from taking quadratic time. */
#define DEPTH_CHECK_TOKENS 1024

/* Our own "jsmn" result: the depth limit was passed while tokenising. */
#define TOKENISE_TOO_DEEP (-100)

/* Longest token text quoted in a message. */
#define SHOWN_MAX 40

void json_init(struct json_doc *doc)
{
	memset(doc, 0, sizeof *doc);
}

void json_free(struct json_doc *doc)
{
	free(doc->tok);
	json_init(doc);
}

/* ---- positions and errors ---- */

/* Line and column (1-based, columns in bytes) of offset off from origin. */
static void locate(const char *origin, size_t off, unsigned *line, unsigned *col)
{
	const char *p = origin, *end = origin + off, *bol = origin;
	unsigned n = 1;
	const char *nl;

	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p)))) {
		n++;
		p = bol = nl + 1;
	}
	*line = n;
	*col = (unsigned)(end - bol) + 1;
}

static size_t origin_offset(const struct json_doc *doc, size_t off)
{
	return (size_t)(doc->src - doc->origin) + off;
}

void json_position(const struct json_doc *doc, size_t off, unsigned *line, unsigned *col)
{
	const char *origin = doc->origin ? doc->origin : doc->src;
	locate(origin, (size_t)(doc->src - origin) + off, line, col);
}

void json_tok_position(const struct json_doc *doc, int i, unsigned *line, unsigned *col)
{
	const jsmntok_t *t = &doc->tok[i];
	size_t off = (size_t)t->start;

	if (t->type == JSMN_STRING && off > 0)
		off--;  /* the opening quote */
	json_position(doc, off, line, col);
}

void json_error_format(const struct json_doc *doc, const struct json_error *err,
		       char *buf, size_t size)
{
	const char *name = doc && doc->name ? doc->name : "<input>";

	snprintf(buf, size, "%s:%u:%u: %s", name, err->line, err->col, err->msg);
}

static void set_error(const struct json_doc *doc, struct json_error *err, size_t off,
		      const char *fmt, va_list ap)
{
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	err->off = origin_offset(doc, off);
	locate(doc->origin, err->off, &err->line, &err->col);
}

static int doc_fail(const struct json_doc *doc, struct json_error *err, size_t off,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int doc_fail(const struct json_doc *doc, struct json_error *err, size_t off,
		    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_error(doc, err, off, fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- escapes ---- */

enum escape_result {
	ESCAPE_OK,
	ESCAPE_TRUNCATED,    /* the text ends inside the escape */
	ESCAPE_BAD,          /* not one of \" \\ \/ \b \f \n \r \t \u */
	ESCAPE_BAD_HEX,      /* \u without four hex digits */
	ESCAPE_LONE,         /* unpaired surrogate */
	ESCAPE_NUL           /* \u0000 */
};

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The four hex digits at s[q..q+4) of s[0..n): 0..0xffff, -1 if one is not
 * a hex digit, -2 if the text ends first. */
static long hex4(const char *s, size_t n, size_t q)
{
	long v = 0;

	for (size_t k = 0; k < 4; k++) {
		if (q + k >= n)
			return -2;
		int h = hex_value(s[q + k]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/* Decode the escape whose backslash is at s[p] in s[0..n): *cp is the code
 * point, *next the offset just past the escape.  On failure *at is the
 * offset of the faulty escape and *cp the offending code unit for
 * ESCAPE_LONE (or the byte after the backslash for ESCAPE_BAD). */
static enum escape_result decode_escape(const char *s, size_t n, size_t p,
					uint32_t *cp, size_t *next, size_t *at)
{
	*at = p;
	if (p + 1 >= n)
		return ESCAPE_TRUNCATED;
	switch (s[p + 1]) {
	case '"':  *cp = '"'; break;
	case '\\': *cp = '\\'; break;
	case '/':  *cp = '/'; break;
	case 'b':  *cp = '\b'; break;
	case 'f':  *cp = '\f'; break;
	case 'n':  *cp = '\n'; break;
	case 'r':  *cp = '\r'; break;
	case 't':  *cp = '\t'; break;
	case 'u': {
		long hi = hex4(s, n, p + 2);
		if (hi == -2)
			return ESCAPE_TRUNCATED;
		if (hi < 0)
			return ESCAPE_BAD_HEX;
		*cp = (uint32_t)hi;
		if (hi == 0)
			return ESCAPE_NUL;
		if (hi >= 0xdc00 && hi <= 0xdfff)
			return ESCAPE_LONE;
		if (hi < 0xd800 || hi > 0xdbff) {
			*next = p + 6;
			return ESCAPE_OK;
		}
		/* A high surrogate: a low one must follow at once. */
		if (p + 6 >= n)
			return ESCAPE_TRUNCATED;
		if (s[p + 6] != '\\')
			return ESCAPE_LONE;
		if (p + 7 >= n)
			return ESCAPE_TRUNCATED;
		if (s[p + 7] != 'u')
			return ESCAPE_LONE;
		long lo = hex4(s, n, p + 8);
		if (lo == -2)
			return ESCAPE_TRUNCATED;
		if (lo < 0) {
			*at = p + 6;
			return ESCAPE_BAD_HEX;
		}
		if (lo < 0xdc00 || lo > 0xdfff)
			return ESCAPE_LONE;
		*cp = 0x10000 + (((uint32_t)hi - 0xd800) << 10) + ((uint32_t)lo - 0xdc00);
		*next = p + 12;
		return ESCAPE_OK;
	}
	default:
		*cp = (unsigned char)s[p + 1];
		return ESCAPE_BAD;
	}
	*next = p + 2;
	return ESCAPE_OK;
}

/* UTF-8 for code point cp (no surrogates) into buf; returns the length. */
static size_t utf8_encode(uint32_t cp, char *buf)
{
	if (cp < 0x80) {
		buf[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		buf[0] = (char)(0xc0 | (cp >> 6));
		buf[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		buf[0] = (char)(0xe0 | (cp >> 12));
		buf[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		buf[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	buf[0] = (char)(0xf0 | (cp >> 18));
	buf[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	buf[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	buf[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

int json_unescape(const char *s, size_t n, struct strbuf *sb, size_t *bad)
{
	size_t p = 0, before = sb->len;

	sb_grow(sb, n);  /* escapes only shrink */
	while (p < n) {
		const char *bs = memchr(s + p, '\\', n - p);
		if (!bs) {
			sb_add(sb, s + p, n - p);
			break;
		}
		sb_add(sb, s + p, (size_t)(bs - (s + p)));
		p = (size_t)(bs - s);

		uint32_t cp;
		size_t next, at;
		char utf8[4];
		if (decode_escape(s, n, p, &cp, &next, &at) != ESCAPE_OK) {
			if (bad)
				*bad = at;
			sb->len = before;
			if (sb->buf)
				sb->buf[before] = '\0';
			return -1;
		}
		sb_add(sb, utf8, utf8_encode(cp, utf8));
		p = next;
	}
	return 0;
}

/* ---- the checking pass ---- */

struct walker {
	struct json_doc *doc;
	const char *s;
	size_t len;
	int ntok;            /* jsmn's tokens, plus any added on the error path */
	unsigned max_depth;
	struct json_error *err;
};

static int fail(struct walker *w, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct walker *w, size_t off, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_error(w->doc, w->err, off, fmt, ap);
	va_end(ap);
	return -1;
}

static inline bool is_ws(char c)
{
	return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/* A byte jsmn takes as part of an unquoted word (strict mode). */
static inline bool is_word_byte(unsigned char c)
{
	return c > ' ' && c < 0x7f && c != ',' && c != ']' && c != '}';
}

static size_t word_end(const char *s, size_t len, size_t pos)
{
	while (pos < len && is_word_byte((unsigned char)s[pos]))
		pos++;
	return pos;
}

static int fail_word(struct walker *w, size_t start, size_t end, const char *what)
{
	size_t n = end - start;

	if (n > SHOWN_MAX)
		return fail(w, start, "invalid %s '%.*s...'", what, SHOWN_MAX, w->s + start);
	return fail(w, start, "invalid %s '%.*s'", what, (int)n, w->s + start);
}

/* What an unexpected byte c (-1 at the end) at pos is. */
static int fail_unexpected(struct walker *w, size_t pos, int c)
{
	if (c < 0)
		return fail(w, pos, "unexpected end of input");
	if (c > ' ' && c < 0x7f)
		return fail(w, pos, "unexpected character '%c'", c);
	return fail(w, pos, "unexpected byte 0x%02x", (unsigned)c);
}

static inline bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* RFC 8259: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool valid_number(const char *s, size_t n)
{
	size_t i = 0;

	if (i < n && s[i] == '-')
		i++;
	if (i >= n)
		return false;
	if (s[i] == '0') {
		i++;
	} else if (s[i] >= '1' && s[i] <= '9') {
		while (i < n && is_digit(s[i]))
			i++;
	} else {
		return false;
	}
	if (i < n && s[i] == '.') {
		i++;
		if (i >= n || !is_digit(s[i]))
			return false;
		while (i < n && is_digit(s[i]))
			i++;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= n || !is_digit(s[i]))
			return false;
		while (i < n && is_digit(s[i]))
			i++;
	}
	return i == n;
}

static int check_primitive(struct walker *w, size_t start, size_t end)
{
	const char *p = w->s + start;
	size_t n = end - start;

	switch (p[0]) {
	case 't':
		if (n == 4 && !memcmp(p, "true", 4))
			return 0;
		break;
	case 'f':
		if (n == 5 && !memcmp(p, "false", 5))
			return 0;
		break;
	case 'n':
		if (n == 4 && !memcmp(p, "null", 4))
			return 0;
		break;
	default:
		if (valid_number(p, n))
			return 0;
		return fail_word(w, start, end, "number");
	}
	return fail_word(w, start, end, "literal");
}

/* Check the string whose body starts at body (just past the opening quote).
 * Returns the offset of the closing quote, or SIZE_MAX with the error set. */
static size_t check_string(struct walker *w, size_t body)
{
	const unsigned char *s = (const unsigned char *)w->s;
	size_t n = w->len, p = body;

	for (;;) {
		while (p < n && s[p] >= 0x20 && s[p] != '"' && s[p] != '\\')
			p++;
		if (p >= n)
			break;
		if (s[p] == '"')
			return p;
		if (s[p] != '\\') {
			fail(w, p, "unescaped control character 0x%02x in string", s[p]);
			return SIZE_MAX;
		}

		uint32_t cp;
		size_t next, at;
		switch (decode_escape(w->s, n, p, &cp, &next, &at)) {
		case ESCAPE_OK:
			p = next;
			continue;
		case ESCAPE_TRUNCATED:
			break;
		case ESCAPE_BAD:
			if (cp > ' ' && cp < 0x7f)
				fail(w, at, "invalid escape '\\%c' in string", (char)cp);
			else
				fail(w, at, "invalid escape: byte 0x%02x after '\\' in string",
				     (unsigned)cp);
			return SIZE_MAX;
		case ESCAPE_BAD_HEX:
			fail(w, at, "invalid \\u escape in string (expected 4 hex digits)");
			return SIZE_MAX;
		case ESCAPE_LONE:
			fail(w, at, "lone surrogate \\u%04x in string", (unsigned)cp);
			return SIZE_MAX;
		case ESCAPE_NUL:
			fail(w, at, "\\u0000 not allowed in string");
			return SIZE_MAX;
		}
		break;
	}
	fail(w, body - 1, "unterminated string");
	return SIZE_MAX;
}

/* On the error path jsmn stopped before the end: the walk goes on past its
 * last token by lexing the text itself and adding tokens, so that the first
 * error in the text is the one reported (and a lone top-level number at the
 * very end of the input, which jsmn's strict mode calls partial, is read). */
static void add_token(struct walker *w, jsmntype_t type, size_t start, size_t end, int parent)
{
	struct json_doc *doc = w->doc;

	GROW(doc->tok, doc->tokalloc, (size_t)w->ntok + 1);
	jsmntok_t *t = &doc->tok[w->ntok++];
	t->type = type;
	t->start = (int)start;
	t->end = (int)end;
	t->size = 0;
	t->parent = parent;
}

/* Token t should be the string whose quote is at pos.  Returns the offset
 * just past the closing quote, or 0 on error. */
static size_t take_string(struct walker *w, int t, size_t pos, int parent)
{
	const jsmntok_t *tok = &w->doc->tok[t];
	bool have = t < w->ntok;

	if (have && (tok->type != JSMN_STRING || (size_t)tok->start != pos + 1)) {
		fail_unexpected(w, pos, '"');
		return 0;
	}
	size_t q = check_string(w, pos + 1);
	if (q == SIZE_MAX)
		return 0;
	if (!have) {
		add_token(w, JSMN_STRING, pos + 1, q, parent);
	} else if ((size_t)tok->end != q) {
		fail_unexpected(w, pos, '"');
		return 0;
	}
	return q + 1;
}

/* The same for a primitive (number, true, false, null) starting at pos:
 * returns the offset just past it, or 0. */
static size_t take_primitive(struct walker *w, int t, size_t pos, int parent)
{
	const jsmntok_t *tok = &w->doc->tok[t];
	size_t end;

	if (t < w->ntok) {
		if (tok->type != JSMN_PRIMITIVE || (size_t)tok->start != pos) {
			fail_unexpected(w, pos, (unsigned char)w->s[pos]);
			return 0;
		}
		end = (size_t)tok->end;
	} else {
		end = word_end(w->s, w->len, pos);
	}
	if (check_primitive(w, pos, end) < 0)
		return 0;
	if (t >= w->ntok)
		add_token(w, JSMN_PRIMITIVE, pos, end, parent);
	return end;
}

/* c at pos cannot start a value. */
static int fail_value(struct walker *w, size_t pos, int c)
{
	if (c == '+' || c == '.')
		return fail_word(w, pos, word_end(w->s, w->len, pos), "number");
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return fail_word(w, pos, word_end(w->s, w->len, pos), "literal");
	if (c == ',' || c == ':' || c == ']' || c == '}')
		return fail(w, pos, "expected a value but found '%c'", c);
	return fail_unexpected(w, pos, c);
}

/* The container around the value cur: jsmn links an object's values to
 * their keys. */
static int enclosing(const jsmntok_t *tok, int cur)
{
	int p = tok[cur].parent;

	if (p >= 0 && tok[p].type == JSMN_STRING)
		p = tok[p].parent;
	return p;
}

enum expect {
	WANT_VALUE,        /* the top-level value, or an object member's */
	WANT_FIRST_ELEM,   /* after '[' */
	WANT_ELEM,         /* after ',' in an array */
	WANT_FIRST_KEY,    /* after '{' */
	WANT_KEY,          /* after ',' in an object */
	WANT_COLON,        /* after a key */
	WANT_NEXT          /* after a value */
};

/* The checking pass: a pushdown automaton over the text that steps over
 * strings and primitives using jsmn's tokens (which must line up with it),
 * keeping its stack in the tokens' parent links.  Linear in the input. */
static int walk(struct walker *w)
{
	const char *s = w->s;
	const size_t len = w->len;
	size_t pos = 0, comma = 0, end;
	int t = 0, cur = -1;
	unsigned depth = 0;
	enum expect want = WANT_VALUE;
	bool array = false;   /* cur is an array */

	for (;;) {
		while (pos < len && is_ws(s[pos]))
			pos++;
		int c = pos < len ? (unsigned char)s[pos] : -1;

		switch (want) {
		case WANT_VALUE:
			if (c < 0 && cur < 0)
				return fail(w, pos, "empty document");
			break;
		case WANT_FIRST_ELEM:
			if (c == ']')
				goto close;
			break;
		case WANT_ELEM:
			if (c == ']')
				return fail(w, comma, "trailing comma in array");
			break;
		case WANT_FIRST_KEY:
			if (c == '}')
				goto close;
			if (c != '"')
				return c < 0 ? fail_unexpected(w, pos, c)
					: fail(w, pos, "expected string key or '}' in object");
			goto key;
		case WANT_KEY:
			if (c == '}')
				return fail(w, comma, "trailing comma in object");
			if (c != '"')
				return c < 0 ? fail_unexpected(w, pos, c)
					: fail(w, pos, "expected string key in object");
			goto key;
		case WANT_COLON:
			if (c != ':')
				return c < 0 ? fail_unexpected(w, pos, c)
					: fail(w, pos, "expected ':' after object key");
			pos++;
			want = WANT_VALUE;
			continue;
		case WANT_NEXT:
			if (cur < 0) {
				if (c >= 0)
					return fail(w, pos, "trailing characters after the JSON value");
				if (t != w->ntok)
					return fail_unexpected(w, pos, c);
				return 0;
			}
			if (c == ',') {
				comma = pos++;
				want = array ? WANT_ELEM : WANT_KEY;
				continue;
			}
			if (c == (array ? ']' : '}'))
				goto close;
			if (c < 0)
				return fail_unexpected(w, pos, c);
			return fail(w, pos, array ? "expected ',' or ']' after array element"
					: "expected ',' or '}' after object member");
		}

		/* A value. */
		switch (c) {
		case '[':
		case '{':
			if (++depth > w->max_depth)
				return fail(w, pos, "nesting deeper than %u levels", w->max_depth);
			array = c == '[';
			if (t >= w->ntok || (size_t)w->doc->tok[t].start != pos ||
			    w->doc->tok[t].type != (array ? JSMN_ARRAY : JSMN_OBJECT))
				return fail_unexpected(w, pos, c);
			cur = t++;
			pos++;
			want = array ? WANT_FIRST_ELEM : WANT_FIRST_KEY;
			continue;
		case '"':
			end = take_string(w, t, pos, cur);
			break;
		case '-': case '0': case '1': case '2': case '3': case '4':
		case '5': case '6': case '7': case '8': case '9':
		case 't': case 'f': case 'n':
			end = take_primitive(w, t, pos, cur);
			break;
		default:
			if (c < 0)
				return fail_unexpected(w, pos, c);
			return fail_value(w, pos, c);
		}
		if (!end)
			return -1;
		t++;
		pos = end;
		want = WANT_NEXT;
		continue;

	key:
		end = take_string(w, t, pos, cur);
		if (!end)
			return -1;
		t++;
		pos = end;
		want = WANT_COLON;
		continue;

	close:
		if (w->doc->tok[cur].end < 0 || (size_t)w->doc->tok[cur].end != pos + 1)
			return fail_unexpected(w, pos, c);
		pos++;
		depth--;
		cur = enclosing(w->doc->tok, cur);
		array = cur >= 0 && w->doc->tok[cur].type == JSMN_ARRAY;
		want = WANT_NEXT;
	}
}

/* ---- tokenising ---- */

/* Is jsmn's current container nested deeper than max_depth? */
static bool nested_deeper(const struct json_doc *doc, const jsmn_parser *p, unsigned max_depth)
{
	unsigned long long steps = 0, limit = 2ULL * max_depth + 2;
	unsigned depth = 0;

	for (int i = p->toksuper; i >= 0 && steps <= limit; i = doc->tok[i].parent, steps++) {
		jsmntype_t type = doc->tok[i].type;
		if ((type == JSMN_ARRAY || type == JSMN_OBJECT) && ++depth > max_depth)
			return true;
	}
	return false;
}

/* Run jsmn over the whole text, growing the token array as it asks
 * (jsmn resumes where it stopped).  Returns jsmn's result or
 * TOKENISE_TOO_DEEP. */
static int tokenise(struct json_doc *doc, jsmn_parser *p, unsigned max_depth)
{
	jsmn_init(p);
	if (!doc->tokalloc)
		GROW(doc->tok, doc->tokalloc, doc->len / 8 + 64);
	for (;;) {
		size_t limit = doc->tokalloc;
		if (limit - p->toknext > DEPTH_CHECK_TOKENS)
			limit = p->toknext + DEPTH_CHECK_TOKENS;
		int r = jsmn_parse(p, doc->src, doc->len, doc->tok, (unsigned)limit);
		if (r != JSMN_ERROR_NOMEM)
			return r;
		if (nested_deeper(doc, p, max_depth))
			return TOKENISE_TOO_DEEP;
		if (p->toknext >= doc->tokalloc)
			GROW(doc->tok, doc->tokalloc, doc->tokalloc + 1);
	}
}

int json_parse(struct json_doc *doc, const char *src, size_t len,
	       const char *origin, const char *name, unsigned max_depth,
	       struct json_error *err)
{
	struct json_error scratch;

	if (!err)
		err = &scratch;
	memset(err, 0, sizeof *err);
	doc->src = src;
	doc->len = len;
	doc->name = name;
	doc->origin = origin ? origin : src;
	doc->ntok = 0;
	if (!max_depth)
		max_depth = JSON_MAX_DEPTH_DEFAULT;

	/* jsmn keeps offsets in ints. */
	if (len >= INT_MAX)
		return doc_fail(doc, err, 0, "document too large (%zu bytes, the limit is %d)",
				len, INT_MAX - 1);
	if (len >= 3 && !memcmp(src, "\xef\xbb\xbf", 3))
		return doc_fail(doc, err, 0, "byte order mark not allowed");

	jsmn_parser parser;
	int r = tokenise(doc, &parser, max_depth);
	struct walker w = {
		.doc = doc,
		.s = src,
		.len = len,
		.ntok = (int)parser.toknext,
		.max_depth = max_depth,
		.err = err,
	};
	if (walk(&w) < 0)
		return -1;
	/* The walk finds whatever jsmn objected to (with a better message and
	 * position), and reads on where jsmn stopped.  The one valid text jsmn
	 * rejects is a top-level number or literal running to the end of the
	 * input (its strict mode wants a delimiter after it), which the walk
	 * added as a token; anything else would be a disagreement between the
	 * two, refused rather than trusted. */
	if (r < 0 && !(r == JSMN_ERROR_PART && w.ntok > (int)parser.toknext))
		return doc_fail(doc, err, parser.pos, r == JSMN_ERROR_PART ?
				"unexpected end of input" : "invalid JSON text");
	doc->ntok = w.ntok;
	return 0;
}

/* ---- reading the tokens ---- */

int json_skip(const struct json_doc *doc, int i)
{
	/* Pre-order with sizes: an object's size counts its keys and each
	 * key's size (1) its value. */
	long pending = 1;

	while (pending > 0 && i < doc->ntok) {
		pending += doc->tok[i].size - 1;
		i++;
	}
	return i;
}

static inline bool valid_index(const struct json_doc *doc, int i)
{
	return i >= 0 && i < doc->ntok;
}

bool json_is_null(const struct json_doc *doc, int i)
{
	return valid_index(doc, i) && doc->tok[i].type == JSMN_PRIMITIVE &&
		doc->src[doc->tok[i].start] == 'n';
}

int json_bool(const struct json_doc *doc, int i, bool *out)
{
	if (!valid_index(doc, i) || doc->tok[i].type != JSMN_PRIMITIVE)
		return -1;
	switch (doc->src[doc->tok[i].start]) {
	case 't':
		*out = true;
		return 0;
	case 'f':
		*out = false;
		return 0;
	}
	return -1;
}

int json_first(const struct json_doc *doc, int container)
{
	if (!valid_index(doc, container))
		return -1;
	const jsmntok_t *t = &doc->tok[container];
	if ((t->type != JSMN_ARRAY && t->type != JSMN_OBJECT) || t->size == 0)
		return -1;
	return container + 1 < doc->ntok ? container + 1 : -1;
}

int json_next(const struct json_doc *doc, int container, int child)
{
	if (!valid_index(doc, child))
		return -1;
	int n = json_skip(doc, child);
	if (n >= doc->ntok || doc->tok[n].parent != container)
		return -1;
	return n;
}

bool json_str_eq(const struct json_doc *doc, int i, const char *str)
{
	if (!valid_index(doc, i) || doc->tok[i].type != JSMN_STRING)
		return false;
	const char *raw = doc->src + doc->tok[i].start;
	size_t n = (size_t)(doc->tok[i].end - doc->tok[i].start), p = 0;
	const unsigned char *k = (const unsigned char *)str;

	while (p < n) {
		if (raw[p] != '\\') {
			if (*k != (unsigned char)raw[p])
				return false;
			k++;
			p++;
			continue;
		}
		uint32_t cp;
		size_t next, at;
		char utf8[4];
		if (decode_escape(raw, n, p, &cp, &next, &at) != ESCAPE_OK)
			return false;
		size_t m = utf8_encode(cp, utf8);
		for (size_t j = 0; j < m; j++, k++)
			if (*k != (unsigned char)utf8[j])
				return false;
		p = next;
	}
	return *k == '\0';
}

int json_obj_get(const struct json_doc *doc, int obj, const char *key)
{
	if (!valid_index(doc, obj) || doc->tok[obj].type != JSMN_OBJECT)
		return -1;
	for (int k = json_first(doc, obj); k >= 0; k = json_next(doc, obj, k))
		if (json_str_eq(doc, k, key))
			return k + 1 < doc->ntok ? k + 1 : -1;
	return -1;
}

int json_string_sb(const struct json_doc *doc, int i, struct strbuf *sb)
{
	if (!valid_index(doc, i) || doc->tok[i].type != JSMN_STRING)
		return -1;
	const char *raw = doc->src + doc->tok[i].start;
	size_t n = (size_t)(doc->tok[i].end - doc->tok[i].start);

	if (!memchr(raw, '\\', n)) {
		sb_add(sb, raw, n);
		return 0;
	}
	return json_unescape(raw, n, sb, NULL);
}

char *json_string(const struct json_doc *doc, int i)
{
	struct strbuf sb = STRBUF_INIT;

	if (json_string_sb(doc, i, &sb) < 0) {
		sb_release(&sb);
		return NULL;
	}
	return sb_detach(&sb, NULL);
}

/* Accumulate the run of digits at *pp (before end) into mant. */
static inline void add_digits(const char **pp, const char *end, uint64_t *mant)
{
	const char *p = *pp;
	uint64_t m = *mant;

	for (; p < end && is_digit(*p); p++)
		m = m * 10 + (uint64_t)(*p - '0');
	*pp = p;
	*mant = m;
}

/* A JSON number (already checked) as mant * 10^scale: false if it has more
 * than 19 digits (leading zeros included: "0.000..." is rare) or an absurd
 * exponent. */
static bool number_decimal(const char *s, size_t n, uint64_t *mantp, int *scalep, bool *negp)
{
	const char *p = s, *end = s + n, *digits;
	uint64_t mant = 0;
	int scale = 0;

	*negp = *p == '-';
	if (*negp)
		p++;
	digits = p;
	add_digits(&p, end, &mant);
	if (p < end && *p == '.') {
		const char *frac = ++p;
		add_digits(&p, end, &mant);
		scale = -(int)(p - frac);
		if (p - digits - 1 > 19)
			return false;
	} else if (p - digits > 19) {
		return false;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		bool eneg = false;
		int e = 0;
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			eneg = *p++ == '-';
		for (; p < end && is_digit(*p); p++) {
			if (e > 10000)
				return false;
			e = e * 10 + (*p - '0');
		}
		scale += eneg ? -e : e;
	}
	*mantp = mant;
	*scalep = scale;
	return p == end;
}

#ifdef __SIZEOF_INT128__
__extension__ typedef unsigned __int128 u128;

static int bit_length(u128 v)
{
	uint64_t hi = (uint64_t)(v >> 64);

	if (hi)
		return 128 - __builtin_clzll(hi);
	return v ? 64 - __builtin_clzll((uint64_t)v) : 0;
}

/* mant * 10^scale for 0 < mant < 2^64 and |scale| <= 27 (so that 5^|scale|
 * fits 64 bits), correctly rounded with integer arithmetic only: the exact
 * product w * 5^k, or a 64-bit quotient (w << s) / 5^k and its remainder,
 * rounded half to even to 53 bits, times a power of two. */
const uint64_t json_pow5[JSON_POW5_COUNT] = {
	1ull, 5ull, 25ull, 125ull, 625ull, 3125ull, 15625ull, 78125ull, 390625ull,
	1953125ull, 9765625ull, 48828125ull, 244140625ull, 1220703125ull,
	6103515625ull, 30517578125ull, 152587890625ull, 762939453125ull,
	3814697265625ull, 19073486328125ull, 95367431640625ull, 476837158203125ull,
	2384185791015625ull, 11920928955078125ull, 59604644775390625ull,
	298023223876953125ull, 1490116119384765625ull, 7450580596923828125ull,
};

/* q * 2^e2 for q <= 2^53: the bits put together directly when the result
 * is a normal double (always, for what decimal_exact makes), ldexp else. */
static double make_double(uint64_t q, int e2)
{
	if (q == 0)
		return 0;
	int shift = __builtin_clzll(q) - 11;   /* to put the top bit at bit 52 */
	if (shift < 0) {                       /* q == 2^53 */
		q >>= 1;
		e2++;
		shift = 0;
	}
	q <<= shift;
	e2 -= shift;
	int biased = e2 + 1075;                /* q * 2^e2 = 1.f * 2^(e2 + 52) */
	if (biased < 1 || biased > 2046)
		return ldexp((double)q, e2);
	uint64_t bits = (uint64_t)biased << 52 | (q & ((UINT64_C(1) << 52) - 1));
	double v;
	memcpy(&v, &bits, sizeof v);
	return v;
}

static double decimal_exact(uint64_t mant, int scale)
{
	int k = scale < 0 ? -scale : scale, e2;
	uint64_t pow5 = json_pow5[k];
	u128 q;
	bool inexact = false;   /* a non-zero remainder below q */

	if (scale >= 0) {
		q = (u128)mant * pow5;
		e2 = scale;
	} else {
		/* The shift makes the quotient 63 or 64 bits long and keeps
		 * the dividend's high half below the divisor. */
		int s = 63 + bit_length(pow5) - bit_length(mant);
		u128 num = (u128)mant << s;
#if defined(__x86_64__) && defined(__GNUC__)
		/* So the quotient fits 64 bits: one divq, where the compiler
		 * would call its general 128-bit division. */
		uint64_t quot, rem;
		__asm__("divq %[d]" : "=a"(quot), "=d"(rem)
			: [d] "r"(pow5), "a"((uint64_t)num), "d"((uint64_t)(num >> 64)));
		q = quot;
		inexact = rem != 0;
#else
		q = num / pow5;
		inexact = (uint64_t)num - (uint64_t)q * pow5 != 0;
#endif
		e2 = -s - k;
	}
	int len = bit_length(q);
	if (len > 53) {
		int shift = len - 53;
		u128 tail = q & (((u128)1 << shift) - 1), half = (u128)1 << (shift - 1);
		q >>= shift;
		e2 += shift;
		if (tail > half || (tail == half && (inexact || (q & 1))))
			q++;     /* may reach 2^53: still exact as a double */
	}
	return make_double((uint64_t)q, e2);
}
#endif

/* Powers of ten that are exact doubles. */
#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD == 0
#define CLINGER_FAST_PATH 1
static const double exact_pow10[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};
#endif

/* Numbers without strtod when that is exact, which is nearly always: JMH and
 * most writers print at most 17 significant digits.  Clinger's fast path
 * first (mant <= 2^53 and 10^|scale| <= 10^22 are exact doubles, so one
 * multiplication or division rounds correctly; it needs plain double
 * arithmetic, no x87 excess precision), then exact integer arithmetic.
 * Returns false to leave the number to strtod. */
bool json_decimal_value(uint64_t mant, int scale, bool negative, double *out)
{
	double v;

	if (mant == 0) {
		v = 0;
#ifdef CLINGER_FAST_PATH
	} else if (mant <= (UINT64_C(1) << 53) && scale >= -22 && scale <= 22) {
		v = (double)mant;
		if (scale > 0)
			v *= exact_pow10[scale];
		else if (scale < 0)
			v /= exact_pow10[-scale];
#endif
#ifdef __SIZEOF_INT128__
	} else if (scale >= -27 && scale <= 27) {
		v = decimal_exact(mant, scale);
#endif
	} else {
		return false;
	}
	*out = negative ? -v : v;
	return true;
}

/* The same for the text of a checked number. */
static bool number_fast(const char *s, size_t n, double *out)
{
	uint64_t mant;
	int scale;
	bool negative;

	if (!number_decimal(s, n, &mant, &scale, &negative))
		return false;
	return json_decimal_value(mant, scale, negative, out);
}

/* strtod on a number token.  In a checked document a number is followed by
 * a delimiter (whitespace , ] }) unless it ends the buffer, so strtod may
 * read it in place; at the end of the buffer it gets a NUL-terminated
 * copy, since the buffer need not be terminated. */
static int number_strtod(const struct json_doc *doc, const char *s, size_t n, double *out)
{
	char small[64];
	char *copy = NULL, *endp;
	const char *from = s;

	if ((size_t)(s - doc->src) + n >= doc->len) {
		copy = n < sizeof small ? small : xmalloc(n + 1);
		memcpy(copy, s, n);
		copy[n] = '\0';
		from = copy;
	}
	double v = strtod(from, &endp);
	bool whole = endp == from + n;
	if (copy != small)
		free(copy);
	if (!whole)
		return -1;
	*out = v;
	return 0;
}

int json_number(const struct json_doc *doc, int i, double *out)
{
	if (!valid_index(doc, i))
		return -1;
	const jsmntok_t *t = &doc->tok[i];
	const char *s = doc->src + t->start;
	size_t n = (size_t)(t->end - t->start);

	if (t->type == JSMN_PRIMITIVE) {
		if (n == 0 || (s[0] != '-' && !is_digit(s[0])))
			return -1;
		if (number_fast(s, n, out))
			return 0;
		return number_strtod(doc, s, n, out);
	}
	/* JMH writes non-finite scores as strings. */
	if (t->type == JSMN_STRING)
		return json_special_number(s, n, out);
	return -1;
}

int json_number_text(const char *s, size_t n, double *out)
{
	/* number_fast trusts its input to be RFC 8259 syntax ("4." would pass). */
	if (!valid_number(s, n))
		return -1;
	return json_number_checked(s, n, out);
}

int json_number_checked(const char *s, size_t n, double *out)
{
	if (number_fast(s, n, out))
		return 0;
	char small[64], *copy = n < sizeof small ? small : xmalloc(n + 1), *endp;
	memcpy(copy, s, n);
	copy[n] = '\0';
	double v = strtod(copy, &endp);
	bool whole = endp == copy + n;
	if (copy != small)
		free(copy);
	if (!whole)
		return -1;
	*out = v;
	return 0;
}

int json_special_number(const char *s, size_t n, double *out)
{
	static const struct {
		const char *text;
		int sign;   /* 0: NaN */
	} special[] = {
		{ "NaN", 0 },
		{ "INF", 1 }, { "+INF", 1 }, { "-INF", -1 },
		{ "Infinity", 1 }, { "+Infinity", 1 }, { "-Infinity", -1 },
	};
	for (size_t k = 0; k < ARRAY_SIZE(special); k++) {
		if (strlen(special[k].text) == n && !memcmp(s, special[k].text, n)) {
			*out = special[k].sign == 0 ? NAN : special[k].sign > 0 ? INFINITY : -INFINITY;
			return 0;
		}
	}
	return -1;
}
