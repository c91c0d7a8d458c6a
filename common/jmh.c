/* The JMH result loader: see jmh.h.
 *
 * A JMH file is an array of result objects, often tens of megabytes of
 * pretty-printed numbers of which a comparison needs a few per result.  So
 * this is a dedicated single-pass reader rather than the general JSON
 * reader (json.c, on jsmn): it checks the whole document as strictly as
 * json.c does (RFC 8259 syntax, escapes, nesting), but only builds what it
 * needs (names, modes, params, scores, units, raw samples) and merely
 * validates the rest.  The file is mapped and the pages already read are
 * given back as it goes, so memory stays near the size of what is kept, and
 * two files can be loaded at once by two threads.  Positions in messages
 * are worked out only when there is something to say. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__SSE2__) && !defined(JMH_NO_SIMD)
#include <emmintrin.h>
#endif

#include "jmh.h"
#include "json.h"
#include "msg.h"
#include "strmap.h"
#include "util.h"

#define MAX_DEPTH 64
/* Give back the pages of the mapping behind us every so often. */
#define RELEASE_CHUNK ((size_t)8 << 20)

struct scan {
	const char *text;      /* the whole document */
	const char *p;         /* where we are */
	const char *end;
	const char *display;
	char *err;
	size_t errsize;
	bool failed;
	struct strbuf sb;      /* scratch for unescaping */
	size_t nan_samples;
	const char *released;  /* mapping given back up to here */
	const char *prefetched;/* text asked into the cache up to here */
	bool mapped;
	struct jmh_file *out;
	struct arena *arena;   /* out's: everything kept lives here */
	/* scratch, reused from result to result */
	struct wval *samples;
	size_t samples_alloc;
	struct jmh_param *params;
	size_t params_alloc;
	struct jmh_metric *secondary;
	size_t secondary_alloc;
};

static void position(const char *text, size_t off, unsigned *line, unsigned *col)
{
	unsigned l = 1;
	const char *last = text - 1, *p = text, *stop = text + off;
	while ((p = memchr(p, '\n', (size_t)(stop - p))) != NULL) {
		l++;
		last = p++;
	}
	*line = l;
	*col = (unsigned)(stop - last);
}

__attribute__((format(printf, 3, 0)))
static int vfail_at(struct scan *sc, const char *at, const char *fmt, va_list ap)
{
	if (sc->failed)
		return -1;
	sc->failed = true;
	unsigned line, col;
	position(sc->text, (size_t)(at - sc->text), &line, &col);
	int n = snprintf(sc->err, sc->errsize, "%s:%u:%u: ", sc->display, line, col);
	if (n >= 0 && (size_t)n < sc->errsize)
		vsnprintf(sc->err + n, sc->errsize - (size_t)n, fmt, ap);
	return -1;
}

__attribute__((format(printf, 3, 4)))
static int fail_at(struct scan *sc, const char *at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail_at(sc, at, fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- lexical level ---- */

static inline bool is_ws(char c)
{
	unsigned char u = (unsigned char)c;
	return u <= ' ' && ((UINT64_C(1) << u) & (UINT64_C(1) << ' ' | UINT64_C(1) << '\n' |
						  UINT64_C(1) << '\r' | UINT64_C(1) << '\t'));
}

/* A run of whitespace from p on.  JMH indents with a newline and a run of
 * spaces: those sixteen bytes at a time, with one comparison. */
static void skip_ws_run(struct scan *sc, const char *p)
{
	const char *end = sc->end;
	for (;;) {
#if defined(__SSE2__) && !defined(JMH_NO_SIMD)
		while (end - p >= 16) {
			__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
			unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8(' ')));
			if (m != 0xffff) {
				p += __builtin_ctz(~m);
				break;
			}
			p += 16;
		}
#endif
		while (p < end && *p == ' ')
			p++;
		if (p >= end || !is_ws(*p))
			break;
		p++;   /* a newline, CR or tab: on to the next run */
	}
	sc->p = p;
}

static inline void skip_ws(struct scan *sc)
{
	const char *p = sc->p, *end = sc->end;
	if (p >= end || !is_ws(*p))
		return;
	/* Most runs are the single spaces around a colon. */
	if (p + 1 >= end || !is_ws(p[1]))
		sc->p = p + 1;
	else
		skip_ws_run(sc, p + 1);
}

static int fail_unexpected(struct scan *sc, const char *what)
{
	if (sc->p >= sc->end)
		return fail_at(sc, sc->p, "unexpected end of input, expected %s", what);
	unsigned char c = (unsigned char)*sc->p;
	if (c == 0)
		return fail_at(sc, sc->p, "not JMH output: the file holds a NUL byte");
	if (c >= 0x20 && c < 0x7f)
		return fail_at(sc, sc->p, "unexpected character '%c', expected %s", c, what);
	return fail_at(sc, sc->p, "unexpected byte 0x%02x, expected %s", c, what);
}

static inline bool expect(struct scan *sc, char c, const char *what)
{
	skip_ws(sc);
	if (sc->p < sc->end && *sc->p == c) {
		sc->p++;
		return true;
	}
	fail_unexpected(sc, what);
	return false;
}

/* The separators of pretty-printed JSON, taken in one step when they are
 * exactly what JMH writes; anything else (other whitespace, a trailing
 * comma, the end near) is left to the general code, which also gives the
 * messages.
 *
 * pretty_comma: at ",\n" and a run of spaces, where the next item
 * starts (neither whitespace nor close), else NULL. */
static inline const char *pretty_comma(const char *p, const char *end, char close)
{
#if defined(__SSE2__) && !defined(JMH_NO_SIMD)
	if (end - p < 2 + 64 || p[0] != ',' || p[1] != '\n')
		return NULL;
	p += 2;
	for (int i = 0; i < 4; i++, p += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8(' ')));
		if (m != 0xffff) {
			p += __builtin_ctz(~m);
			return is_ws(*p) || *p == close ? NULL : p;
		}
	}
#else
	(void)p, (void)end, (void)close;
#endif
	return NULL;
}

/* At " : " before a value (no more whitespace): the value, else NULL. */
static inline const char *pretty_colon(const char *p, const char *end)
{
	if (end - p < 4 || p[0] != ' ' || p[1] != ':' || p[2] != ' ' || is_ws(p[3]))
		return NULL;
	return p + 3;
}

/* A string at sc->p (the opening quote).  On success *s and *n are its raw
 * body and *escaped tells whether it holds backslashes; escapes are checked
 * here, so unescaping later cannot fail. */
static int scan_string_long(struct scan *sc, const char **s, size_t *n, bool *escaped)
{
	const char *p = sc->p + 1, *end = sc->end, *body = p;
	bool esc = false;
	for (;;) {
#if defined(__SSE2__) && !defined(JMH_NO_SIMD)
		while (end - p >= 16) {
			__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
			__m128i stop = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')),
							       _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'))),
						   _mm_cmpeq_epi8(_mm_max_epu8(x, _mm_set1_epi8(0x1f)),
								  _mm_set1_epi8(0x1f)));
			unsigned m = (unsigned)_mm_movemask_epi8(stop);
			if (m) {
				p += __builtin_ctz(m);
				break;
			}
			p += 16;
		}
#endif
		while (p < end && *p != '"' && *p != '\\' && (unsigned char)*p >= 0x20)
			p++;
		if (p >= end)
			return fail_at(sc, sc->p, "unterminated string");
		if (*p == '"')
			break;
		if (*p == '\\') {
			esc = true;
			p += 2;
			if (p > end)
				return fail_at(sc, sc->p, "unterminated string");
			continue;
		}
		if (*p == '\0')
			return fail_at(sc, p, "not JMH output: the file holds a NUL byte");
		return fail_at(sc, p, "control character 0x%02x in a string", (unsigned char)*p);
	}
	if (esc) {
		size_t bad;
		sb_reset(&sc->sb);
		if (json_unescape(body, (size_t)(p - body), &sc->sb, &bad) != 0)
			return fail_at(sc, body + bad, "invalid escape in a string");
	}
	*s = body;
	*n = (size_t)(p - body);
	*escaped = esc;
	sc->p = p + 1;
	return 0;
}

#if defined(__SSE2__) && !defined(JMH_NO_SIMD)
/* Where a quote, backslash or control character is among the sixteen
 * bytes at p: a bit each. */
static inline unsigned string_stops(const char *p)
{
	__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i stop = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')),
					       _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'))),
				   _mm_cmpeq_epi8(_mm_max_epu8(x, _mm_set1_epi8(0x1f)),
						  _mm_set1_epi8(0x1f)));
	return (unsigned)_mm_movemask_epi8(stop);
}
#endif

/* The same, with the usual short string (its closing quote among the
 * 32 bytes after the opening one, before any backslash or control
 * character) done inline. */
static inline int scan_string(struct scan *sc, const char **s, size_t *n, bool *escaped)
{
#if defined(__SSE2__) && !defined(JMH_NO_SIMD)
	const char *body = sc->p + 1;
	if (sc->end - body >= 32) {
		unsigned m = string_stops(body);
		if (!m)
			m = string_stops(body + 16) << 16;
		if (m) {
			unsigned k = (unsigned)__builtin_ctz(m);
			if (body[k] == '"') {
				*s = body;
				*n = k;
				*escaped = false;
				sc->p = body + k + 1;
				return 0;
			}
		}
	}
#endif
	return scan_string_long(sc, s, n, escaped);
}

/* The string's value, malloc'd (after scan_string). */
static char *string_value(struct scan *sc, const char *s, size_t n, bool escaped)
{
	if (escaped)
		return arena_strndup(sc->arena, sc->sb.buf, sc->sb.len);
	return arena_strndup(sc->arena, s, n);
}

static inline bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* After the digit run at p: where it ends. */
static inline const char *skip_digits(const char *p, const char *end)
{
#if defined(__SSE2__) && !defined(JMH_NO_SIMD)
	while (end - p >= 16) {
		__m128i x = _mm_sub_epi8(_mm_loadu_si128((const __m128i *)(const void *)p),
					 _mm_set1_epi8('0'));
		__m128i digit = _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(9)), x);
		unsigned m = (unsigned)_mm_movemask_epi8(digit);
		if (m != 0xffff)
			return p + __builtin_ctz(~m);
		p += 16;
	}
#endif
	while (p < end && is_digit(*p))
		p++;
	return p;
}

static inline bool is_number_tail(char c)
{
	return is_digit(c) || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-' ||
	       (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int bad_number(struct scan *sc, const char *start, const char *p)
{
	while (p < sc->end && is_number_tail(*p))
		p++;
	return fail_at(sc, start, "invalid number '%.*s'", (int)(p - start > 40 ? 40 : p - start), start);
}

/* A number at sc->p: checked against RFC 8259; its text in *s, *n. */
static int scan_number(struct scan *sc, const char **s, size_t *n)
{
	const char *p = sc->p, *end = sc->end, *start = p;
	if (p < end && *p == '-')
		p++;
	if (p >= end || !is_digit(*p))
		return bad_number(sc, start, p);
	if (*p == '0') {
		p++;
		if (p < end && is_digit(*p))
			return bad_number(sc, start, p);
	} else {
		p = skip_digits(p, end);
	}
	if (p < end && *p == '.') {
		p++;
		if (p >= end || !is_digit(*p))
			return bad_number(sc, start, p);
		p = skip_digits(p, end);
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (p >= end || !is_digit(*p))
			return bad_number(sc, start, p);
		p = skip_digits(p, end);
	}
	if (p < end && is_number_tail(*p))
		return bad_number(sc, start, p);
	*s = start;
	*n = (size_t)(p - start);
	sc->p = p;
	return 0;
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && !defined(JMH_NO_SIMD)
/* How many of the eight bytes of w (little-endian: the first byte lowest)
 * are digits before the first that is not.  A byte is a digit when its
 * high nibble is 3 both as it is and plus 6; the addition's carry out of a
 * byte of 0xfa or more spoils only the bytes after that non-digit. */
static inline int leading_digits(uint64_t w)
{
	uint64_t hi = UINT64_C(0xf0f0f0f0f0f0f0f0), threes = UINT64_C(0x3030303030303030);
	uint64_t bad = ((w & hi) ^ threes) | (((w + UINT64_C(0x0606060606060606)) & hi) ^ threes);
	return bad ? __builtin_ctzll(bad) >> 3 : 8;
}

/* The value of eight digits 0-9 held one a byte, the first the most
 * significant. */
static inline uint64_t eight_digits_value(uint64_t w)
{
	w = w * 10 + (w >> 8);   /* pairs */
	w = ((w & UINT64_C(0x000000ff000000ff)) * (100 + (UINT64_C(1000000) << 32)) +
	     ((w >> 16) & UINT64_C(0x000000ff000000ff)) * (1 + (UINT64_C(10000) << 32))) >> 32;
	return (uint32_t)w;
}
#define HAVE_EIGHT_DIGITS 1
#endif

/* The digit run at p into *mant (nd digits so far, at most 19 kept
 * exactly: beyond that *nd still counts but *mant is of no use). */
static inline const char *gather_digits(const char *p, const char *end, uint64_t *mant, int *nd)
{
	uint64_t m = *mant;
	int k = *nd;
#ifdef HAVE_EIGHT_DIGITS
	static const uint64_t pow10[9] = { 1, 10, 100, 1000, 10000, 100000, 1000000,
					   10000000, 100000000 };
	/* Up to eight digits a step: the digits' values shifted up to the
	 * top bytes read as leading zeros. */
	while (end - p >= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		int n = leading_digits(w);
		if (n == 0)
			break;
		w -= UINT64_C(0x3030303030303030);
		m = m * pow10[n] + eight_digits_value(w << (8 * (8 - n)));
		k += n;
		p += n;
		if (n < 8) {
			*mant = m;
			*nd = k;
			return p;
		}
	}
#endif
	for (; p < end && is_digit(*p); p++, k++)
		m = m * 10 + (uint64_t)(*p - '0');
	*mant = m;
	*nd = k;
	return p;
}

/* A number at sc->p and its value.  The digits are gathered as they are
 * checked; anything out of the ordinary (a syntax error, more than 19
 * significant digits, a huge exponent) goes the long way, scan_number and
 * json_number_checked, for the same value and the same messages. */
static int scan_number_value(struct scan *sc, double *out)
{
	const char *p = sc->p, *end = sc->end;
	bool neg = p < end && *p == '-';
	uint64_t mant = 0;
	int nd = 0, scale = 0;
	p += neg;
	if (p >= end || !is_digit(*p))
		goto long_way;
	if (*p == '0') {
		p++;
		nd = 1;
		if (p < end && is_digit(*p))
			goto long_way;
	} else {
		p = gather_digits(p, end, &mant, &nd);
	}
	if (p < end && *p == '.') {
		p++;
		if (p >= end || !is_digit(*p))
			goto long_way;
		const char *frac = p;
		if (mant == 0)   /* leading zeros are no digits of the mantissa */
			while (p < end && *p == '0')
				p++;
		p = gather_digits(p, end, &mant, &nd);
		scale = -(int)(p - frac);
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		bool eneg = p < end && *p == '-';
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (p >= end || !is_digit(*p))
			goto long_way;
		int e = 0;
		for (; p < end && is_digit(*p); p++) {
			if (e > 10000)
				goto long_way;
			e = e * 10 + (*p - '0');
		}
		scale += eneg ? -e : e;
	}
	if (nd > 19 || (p < end && is_number_tail(*p)))
		goto long_way;
	if (!json_decimal_value(mant, scale, neg, out))
		goto long_way;
	sc->p = p;
	return 0;
long_way:;
	const char *s;
	size_t n;
	if (scan_number(sc, &s, &n) != 0)
		return -1;
	if (json_number_checked(s, n, out) != 0)
		return fail_at(sc, s, "invalid number '%.*s'", (int)(n > 40 ? 40 : n), s);
	return 0;
}

static int scan_literal(struct scan *sc)
{
	static const char *const words[] = { "true", "false", "null" };
	for (size_t i = 0; i < 3; i++) {
		size_t n = strlen(words[i]);
		if ((size_t)(sc->end - sc->p) >= n && !memcmp(sc->p, words[i], n)) {
			const char *after = sc->p + n;
			if (after < sc->end && ((*after >= 'a' && *after <= 'z') || (*after >= 'A' && *after <= 'Z') ||
						is_digit(*after) || *after == '_'))
				break;
			sc->p = after;
			return 0;
		}
	}
	const char *q = sc->p;
	while (q < sc->end && q - sc->p < 40 && ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
						 is_digit(*q) || *q == '_'))
		q++;
	if (q == sc->p)
		return fail_unexpected(sc, "a value");
	return fail_at(sc, sc->p, "invalid literal '%.*s'", (int)(q - sc->p), sc->p);
}

/* Check any value and step over it. */
static int skip_value(struct scan *sc, int depth)
{
	skip_ws(sc);
	if (sc->p >= sc->end)
		return fail_unexpected(sc, "a value");
	const char *s;
	size_t n;
	bool esc;
	switch (*sc->p) {
	case '"':
		return scan_string(sc, &s, &n, &esc);
	case '{':
	case '[': {
		bool obj = *sc->p == '{';
		char close = obj ? '}' : ']';
		if (depth >= MAX_DEPTH)
			return fail_at(sc, sc->p, "nesting deeper than %d levels", MAX_DEPTH);
		sc->p++;
		skip_ws(sc);
		if (sc->p < sc->end && *sc->p == close) {
			sc->p++;
			return 0;
		}
		for (;;) {
			if (obj) {
				skip_ws(sc);
				if (sc->p >= sc->end || *sc->p != '"')
					return fail_unexpected(sc, "a string key");
				if (scan_string(sc, &s, &n, &esc) != 0)
					return -1;
				const char *value = pretty_colon(sc->p, sc->end);
				if (value)
					sc->p = value;
				else if (!expect(sc, ':', "':' after an object key"))
					return -1;
			}
			/* A number straight after the separator (the bulk of what
			 * is skipped: percentiles, confidence intervals) without
			 * the recursion; anything else the general way. */
			if (sc->p < sc->end && (is_digit(*sc->p) || *sc->p == '-')) {
				if (scan_number(sc, &s, &n) != 0)
					return -1;
			} else if (skip_value(sc, depth + 1) != 0) {
				return -1;
			}
			const char *next = pretty_comma(sc->p, sc->end, close);
			if (next && (!obj || *next == '"')) {
				sc->p = next;
				continue;
			}
			skip_ws(sc);
			if (sc->p < sc->end && *sc->p == ',') {
				sc->p++;
				skip_ws(sc);
				if (sc->p < sc->end && *sc->p == close)
					return fail_at(sc, sc->p, "trailing comma before '%c'", close);
				continue;
			}
			if (sc->p < sc->end && *sc->p == close) {
				sc->p++;
				return 0;
			}
			return fail_unexpected(sc, obj ? "',' or '}'" : "',' or ']'");
		}
	}
	case '-': case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		return scan_number(sc, &s, &n);
	default:
		return scan_literal(sc);
	}
}

/* ---- the JMH level ---- */

/* Iterate an object: call with *first true; returns 1 with sc->p at the
 * value of the next key (key in *k, *kn, unescaped in sc->sb if *kesc),
 * 0 at the end, -1 on error. */
static int next_member(struct scan *sc, bool *first, const char **k, size_t *kn, bool *kesc)
{
	const char *q = *first ? NULL : pretty_comma(sc->p, sc->end, '}');
	if (q && *q == '"') {
		sc->p = q;
		if (scan_string(sc, k, kn, kesc) != 0)
			return -1;
		if ((q = pretty_colon(sc->p, sc->end)) != NULL) {
			sc->p = q;
			return 1;
		}
		goto colon;
	}
	skip_ws(sc);
	if (*first) {
		*first = false;
		if (sc->p < sc->end && *sc->p == '}') {
			sc->p++;
			return 0;
		}
	} else {
		if (sc->p < sc->end && *sc->p == '}') {
			sc->p++;
			return 0;
		}
		if (sc->p >= sc->end || *sc->p != ',')
			return fail_unexpected(sc, "',' or '}'");
		sc->p++;
		skip_ws(sc);
		if (sc->p < sc->end && *sc->p == '}')
			return fail_at(sc, sc->p, "trailing comma before '}'");
	}
	if (sc->p >= sc->end || *sc->p != '"')
		return fail_unexpected(sc, "a string key");
	if (scan_string(sc, k, kn, kesc) != 0)
		return -1;
colon:
	if (!expect(sc, ':', "':' after an object key"))
		return -1;
	skip_ws(sc);
	return 1;
}

/* The same for an array: returns 1 with sc->p at the next element. */
static int next_element(struct scan *sc, bool *first)
{
	const char *q = *first ? NULL : pretty_comma(sc->p, sc->end, ']');
	if (q) {
		sc->p = q;
		return 1;
	}
	skip_ws(sc);
	if (sc->p < sc->end && *sc->p == ']') {
		if (!*first && sc->p[-1] == ',')
			return fail_at(sc, sc->p, "trailing comma before ']'");
		sc->p++;
		return 0;
	}
	if (!*first) {
		if (sc->p >= sc->end || *sc->p != ',')
			return fail_unexpected(sc, "',' or ']'");
		sc->p++;
		skip_ws(sc);
		if (sc->p < sc->end && *sc->p == ']')
			return fail_at(sc, sc->p, "trailing comma before ']'");
	}
	*first = false;
	return 1;
}

static bool key_eq(const char *k, size_t kn, bool kesc, const struct scan *sc,
		   const char *want, size_t wn)
{
	if (kesc)
		return sc->sb.len == wn && !memcmp(sc->sb.buf, want, wn);
	return kn == wn && !memcmp(k, want, wn);
}
#define key_is(k, kn, kesc, sc, want) key_eq(k, kn, kesc, sc, want, sizeof(want) - 1)

/* A number, or JMH's "NaN" / "+INF" / "-INF" strings.  Returns 0, 1 when
 * the value is something else (not consumed), -1 on a syntax error. */
static int scan_jmh_number(struct scan *sc, double *out)
{
	const char *s;
	size_t n;
	bool esc;
	if (sc->p < sc->end && (*sc->p == '-' || is_digit(*sc->p)))
		return scan_number_value(sc, out);
	if (sc->p < sc->end && *sc->p == '"') {
		const char *save = sc->p;
		if (scan_string(sc, &s, &n, &esc) != 0)
			return -1;
		if (!esc && json_special_number(s, n, out) == 0)
			return 0;
		sc->p = save;
	}
	return 1;
}

/* Samples gather in sc->samples; scan_metric keeps them in the arena. */
static void add_sample(struct scan *sc, struct jmh_metric *m, double v, double w)
{
	if (isnan(v)) {
		m->nan_samples++;
		sc->nan_samples++;
		return;
	}
	if (m->nsamples == sc->samples_alloc)
		GROW(sc->samples, sc->samples_alloc, m->nsamples + 1);
	sc->samples[m->nsamples].v = v;
	sc->samples[m->nsamples].w = w;
	m->nsamples++;
	m->weight += w;
}

/* rawData: [[v, v, ...], ...] one list per fork. */
static int scan_raw(struct scan *sc, struct jmh_metric *m)
{
	static const char shape[] = "not JMH output: \"rawData\" must be an array of arrays of numbers";
	if (*sc->p != '[')
		return fail_at(sc, sc->p, "%s", shape);
	sc->p++;
	bool first = true;
	int r;
	while ((r = next_element(sc, &first)) == 1) {
		if (*sc->p != '[')
			return sc->p < sc->end ? fail_at(sc, sc->p, "%s", shape) : fail_unexpected(sc, "'['");
		sc->p++;
		bool f2 = true;
		int r2;
		while ((r2 = next_element(sc, &f2)) == 1) {
			double v;
			int k = scan_jmh_number(sc, &v);
			if (k < 0)
				return -1;
			if (k > 0) {
				if (sc->p >= sc->end)
					return fail_unexpected(sc, "a number");
				return fail_at(sc, sc->p, "not JMH output: \"rawData\" holds a value that is not a number");
			}
			add_sample(sc, m, v, 1);
		}
		if (r2 < 0)
			return -1;
	}
	return r;
}

/* rawDataHistogram: [[[[v, count], ...] per iteration] per fork]. */
static int scan_histogram(struct scan *sc, struct jmh_metric *m)
{
	static const char shape[] =
		"not JMH output: \"rawDataHistogram\" must be arrays of [value, count] pairs per iteration per fork";
	if (*sc->p != '[')
		return fail_at(sc, sc->p, "%s", shape);
	sc->p++;
	bool f1 = true;
	int r1;
	while ((r1 = next_element(sc, &f1)) == 1) {
		if (*sc->p != '[')
			return fail_at(sc, sc->p, "%s", shape);
		sc->p++;
		bool f2 = true;
		int r2;
		while ((r2 = next_element(sc, &f2)) == 1) {
			if (*sc->p != '[')
				return fail_at(sc, sc->p, "%s", shape);
			sc->p++;
			bool f3 = true;
			int r3;
			while ((r3 = next_element(sc, &f3)) == 1) {
				const char *pair = sc->p;
				double v, c;
				if (*sc->p != '[')
					return fail_at(sc, pair, "%s", shape);
				sc->p++;
				skip_ws(sc);
				int k = scan_jmh_number(sc, &v);
				if (k)
					return k < 0 ? -1 : fail_at(sc, pair, "%s", shape);
				if (!expect(sc, ',', "','"))
					return -1;
				skip_ws(sc);
				k = scan_jmh_number(sc, &c);
				if (k)
					return k < 0 ? -1 : fail_at(sc, pair, "%s", shape);
				skip_ws(sc);
				if (sc->p >= sc->end || *sc->p != ']')
					return sc->p < sc->end && *sc->p == ',' ? fail_at(sc, pair, "%s", shape)
										: fail_unexpected(sc, "']'");
				sc->p++;
				if (!(c >= 0) || isinf(c))
					return fail_at(sc, pair, "not JMH output: \"rawDataHistogram\" has a negative or non-finite count");
				if (c > 0)
					add_sample(sc, m, v, c);
			}
			if (r3 < 0)
				return -1;
		}
		if (r2 < 0)
			return -1;
	}
	return r1;
}

/* Sort and, for histograms, merge equal values; then keep them in the
 * arena. */
static void finish_samples(struct scan *sc, struct jmh_metric *m)
{
	struct wval *x = sc->samples;
	size_t n = m->nsamples;
	stats_sort(x, n);
	bool weighted = false;
	for (size_t i = 0; i < n; i++)
		if (x[i].w != 1)
			weighted = true;
	if (weighted) {
		size_t k = 0;
		for (size_t i = 0; i < n; i++) {
			if (k && x[k - 1].v == x[i].v)
				x[k - 1].w += x[i].w;
			else
				x[k++] = x[i];
		}
		n = k;
	}
	m->nsamples = n;
	m->samples = n ? arena_memdup(sc->arena, x, n * sizeof *x) : NULL;
}

/* Append s to *o and step past it. */
static inline void put_text(char **o, const char *s, size_t n)
{
	memcpy(*o, s, n);
	*o += n;
}

static void make_identity(struct scan *sc, struct jmh_result *r)
{
	size_t nb = strlen(r->benchmark), nm = strlen(r->mode), np = r->nparams;
	size_t kv = 0, few_len[2][16], *len[2] = { few_len[0], few_len[1] };
	if (np > 16) {
		len[0] = xmalloc(np * sizeof *len[0]);
		len[1] = xmalloc(np * sizeof *len[1]);
	}
	for (size_t i = 0; i < np; i++) {
		len[0][i] = strlen(r->params[i].key);
		len[1][i] = strlen(r->params[i].value);
		kv += len[0][i] + len[1][i] + 2;
	}

	/* The label: NAME or NAME(k=v,k=v), params in file order. */
	char *label = arena_alloc(sc->arena, nb + kv + 2), *o = label;
	put_text(&o, r->benchmark, nb);
	for (size_t i = 0; i < np; i++) {
		*o++ = i ? ',' : '(';
		put_text(&o, r->params[i].key, len[0][i]);
		*o++ = '=';
		put_text(&o, r->params[i].value, len[1][i]);
	}
	if (np)
		*o++ = ')';
	*o = '\0';
	r->label = label;

	/* The key: name, mode and params sorted by key (stably), joined by
	 * control characters that do not occur in names. */
	size_t few[16], *order = np <= 16 ? few : xmalloc(np * sizeof *order);
	for (size_t i = 0; i < np; i++) {
		size_t j = i;
		for (; j > 0 && strcmp(r->params[order[j - 1]].key, r->params[i].key) > 0; j--)
			order[j] = order[j - 1];
		order[j] = i;
	}
	char *key = arena_alloc(sc->arena, nb + nm + kv + 2);
	o = key;
	put_text(&o, r->benchmark, nb);
	*o++ = '\x1f';
	put_text(&o, r->mode, nm);
	for (size_t i = 0; i < np; i++) {
		size_t k = order[i];
		*o++ = '\x1f';
		put_text(&o, r->params[k].key, len[0][k]);
		*o++ = '\x1e';
		put_text(&o, r->params[k].value, len[1][k]);
	}
	*o = '\0';
	r->key = key;
	if (order != few)
		free(order);
	if (np > 16) {
		free(len[0]);
		free(len[1]);
	}
}

static int scan_metric(struct scan *sc, const char *name, struct jmh_metric *m)
{
	const char *start = sc->p;
	memset(m, 0, sizeof *m);
	m->score = NAN;
	m->error = NAN;
	m->name = arena_strndup(sc->arena, name, strlen(name));
	m->key = m->name;
	if (!strncmp(m->key, "\xc2\xb7", 2))   /* the older "·gc..." spelling */
		m->key += 2;
	if (sc->p >= sc->end || *sc->p != '{') {
		if (sc->p < sc->end && skip_value(sc, 2) != 0)
			return -1;
		return fail_at(sc, start, "not JMH output: metric '%s' is not an object", name);
	}
	sc->p++;
	bool first = true, have_score = false, have_hist = false;
	const char *k;
	size_t kn;
	bool kesc;
	int r;
	while ((r = next_member(sc, &first, &k, &kn, &kesc)) == 1) {
		if (key_is(k, kn, kesc, sc, "score")) {
			const char *at = sc->p;
			int e = scan_jmh_number(sc, &m->score);
			if (e < 0)
				return -1;
			if (e > 0) {
				if (skip_value(sc, 3) != 0)
					return -1;
				return fail_at(sc, at, "not JMH output: the score of '%s' is not a number", name);
			}
			have_score = true;
		} else if (key_is(k, kn, kesc, sc, "scoreError")) {
			int e = scan_jmh_number(sc, &m->error);
			if (e < 0)
				return -1;
			if (e > 0 && skip_value(sc, 3) != 0)
				return -1;
		} else if (key_is(k, kn, kesc, sc, "scoreUnit") && sc->p < sc->end && *sc->p == '"') {
			const char *s;
			size_t n;
			bool esc;
			if (scan_string(sc, &s, &n, &esc) != 0)
				return -1;
			m->unit = string_value(sc, s, n, esc);
		} else if (key_is(k, kn, kesc, sc, "rawDataHistogram") && sc->p < sc->end && *sc->p != 'n') {
			/* Histograms win over rawData: sample mode has both. */
			if (!have_hist) {
				m->nsamples = 0;
				m->weight = 0;
			}
			have_hist = true;
			if (scan_histogram(sc, m) != 0)
				return -1;
		} else if (key_is(k, kn, kesc, sc, "rawData") && sc->p < sc->end && *sc->p != 'n' && !have_hist) {
			if (scan_raw(sc, m) != 0)
				return -1;
		} else if (skip_value(sc, 3) != 0) {
			return -1;
		}
	}
	if (r < 0)
		return -1;
	if (!m->unit)
		m->unit = arena_strndup(sc->arena, "", 0);
	if (!have_score)
		return fail_at(sc, start, "not JMH output: metric '%s' has no \"score\"", name);
	finish_samples(sc, m);
	return 0;
}

/* The start of an optional object member ("params", "secondaryMetrics"):
 * 1 with sc->p inside the object, 0 for null (consumed), -1 on error. */
static int open_object(struct scan *sc, const char *what)
{
	const char *start = sc->p;
	if (sc->p < sc->end && *sc->p == 'n')
		return scan_literal(sc) == 0 ? 0 : -1;
	if (sc->p >= sc->end || *sc->p != '{') {
		if (skip_value(sc, 2) != 0)
			return -1;
		return fail_at(sc, start, "not JMH output: \"%s\" must be an object", what);
	}
	sc->p++;
	return 1;
}

static int scan_params(struct scan *sc, struct jmh_result *r)
{
	int open = open_object(sc, "params");
	if (open <= 0)
		return open;
	bool first = true;
	const char *k;
	size_t kn;
	bool kesc;
	int rc;
	size_t n = 0;
	while ((rc = next_member(sc, &first, &k, &kn, &kesc)) == 1) {
		char *key = string_value(sc, k, kn, kesc);
		const char *vs;
		size_t vn;
		bool vesc;
		char *val;
		const char *at = sc->p;
		if (sc->p < sc->end && *sc->p == '"') {
			if (scan_string(sc, &vs, &vn, &vesc) != 0)
				return -1;
			val = string_value(sc, vs, vn, vesc);
		} else if (sc->p < sc->end && (*sc->p == '-' || is_digit(*sc->p) || *sc->p == 't' || *sc->p == 'f')) {
			if (skip_value(sc, 3) != 0)
				return -1;
			val = arena_strndup(sc->arena, at, (size_t)(sc->p - at));
		} else {
			return fail_at(sc, at, "not JMH output: parameter '%s' is not a string", key);
		}
		GROW(sc->params, sc->params_alloc, n + 1);
		sc->params[n].key = key;
		sc->params[n].value = val;
		n++;
	}
	if (rc == 0 && n) {
		r->params = arena_memdup(sc->arena, sc->params, n * sizeof *sc->params);
		r->nparams = n;
	}
	return rc;
}

static int scan_secondary(struct scan *sc, struct jmh_result *r)
{
	int open = open_object(sc, "secondaryMetrics");
	if (open <= 0)
		return open;
	bool first = true;
	const char *k;
	size_t kn;
	bool kesc;
	int rc;
	size_t n = 0;
	while ((rc = next_member(sc, &first, &k, &kn, &kesc)) == 1) {
		char *name = string_value(sc, k, kn, kesc);
		GROW(sc->secondary, sc->secondary_alloc, n + 1);
		if (scan_metric(sc, name, &sc->secondary[n]) != 0)
			return -1;
		n++;
	}
	if (rc == 0 && n) {
		r->secondary = arena_memdup(sc->arena, sc->secondary, n * sizeof *sc->secondary);
		r->nsecondary = n;
	}
	return rc;
}

static int scan_result(struct scan *sc, struct jmh_result *r)
{
	const char *start = sc->p;
	memset(r, 0, sizeof *r);
	r->offset = (size_t)(start - sc->text);
	if (*sc->p != '{') {
		if (skip_value(sc, 1) != 0)
			return -1;
		return fail_at(sc, start, "not JMH output: expected a benchmark result object");
	}
	sc->p++;
	bool first = true, have_primary = false;
	const char *k;
	size_t kn;
	bool kesc;
	int rc;
	while ((rc = next_member(sc, &first, &k, &kn, &kesc)) == 1) {
		const char *s;
		size_t n;
		bool esc;
		if (key_is(k, kn, kesc, sc, "benchmark") && *sc->p == '"') {
			if (scan_string(sc, &s, &n, &esc) != 0)
				return -1;
			r->benchmark = string_value(sc, s, n, esc);
		} else if (key_is(k, kn, kesc, sc, "mode") && *sc->p == '"') {
			if (scan_string(sc, &s, &n, &esc) != 0)
				return -1;
			r->mode = string_value(sc, s, n, esc);
		} else if (key_is(k, kn, kesc, sc, "jmhVersion") && *sc->p == '"' && !sc->out->jmh_version &&
			   sc->out->n == 1) {
			if (scan_string(sc, &s, &n, &esc) != 0)
				return -1;
			sc->out->jmh_version = string_value(sc, s, n, esc);
		} else if (key_is(k, kn, kesc, sc, "params")) {
			if (r->nparams)
				return fail_at(sc, sc->p, "not JMH output: \"params\" appears twice");
			if (scan_params(sc, r) != 0)
				return -1;
		} else if (key_is(k, kn, kesc, sc, "primaryMetric")) {
			if (have_primary)
				return fail_at(sc, sc->p, "not JMH output: \"primaryMetric\" appears twice");
			if (scan_metric(sc, "primary", &r->primary) != 0)
				return -1;
			have_primary = true;
		} else if (key_is(k, kn, kesc, sc, "secondaryMetrics")) {
			if (r->nsecondary)
				return fail_at(sc, sc->p, "not JMH output: \"secondaryMetrics\" appears twice");
			if (scan_secondary(sc, r) != 0)
				return -1;
		} else if (skip_value(sc, 2) != 0) {
			return -1;
		}
	}
	if (rc < 0)
		return -1;
	if (!r->benchmark)
		return fail_at(sc, start, "not JMH output: result has no \"benchmark\" name");
	if (!r->mode)
		return fail_at(sc, start, "not JMH output: result has no \"mode\"");
	if (!have_primary)
		return fail_at(sc, start, "not JMH output: result has no \"primaryMetric\"");
	make_identity(sc, r);
	return 0;
}

/* Results with the same identity: all but the last are marked duplicate
 * (JMH appends when a run is repeated, so the last is the newest).  The
 * map made on the way is kept as the file's index. */
static void mark_duplicates(struct scan *sc, struct jmh_file *f)
{
	struct strmap *seen = &f->index;
	strmap_init(seen, f->n);
	for (size_t i = 0; i < f->n; i++) {
		size_t prev;
		if (!strmap_put(seen, f->results[i].key, i, &prev)) {
			struct jmh_result *a = &f->results[prev], *b = &f->results[i];
			unsigned l1, c1, l2, c2;
			a->duplicate = true;
			position(sc->text, a->offset, &l1, &c1);
			position(sc->text, b->offset, &l2, &c2);
			sb_addf(&f->warnings, "%s:%u:%u: duplicate result for %s [%s] (again at line %u); using the later one\n",
				sc->display, l1, c1, a->label, a->mode, l2);
		}
	}
}

/* Ask for the text some way ahead into the cache, a line at a time: the
 * processor's own prefetching stops at the end of each 4 KiB page, and
 * the page cache's pages lie anywhere, so each new page would otherwise
 * begin with a wait for memory. */
#define PREFETCH_AHEAD 4096
static void prefetch_ahead(struct scan *sc)
{
	const char *to = sc->end - sc->p > PREFETCH_AHEAD ? sc->p + PREFETCH_AHEAD : sc->end;
	const char *q = sc->prefetched > sc->p ? sc->prefetched : sc->p;
	for (; q < to; q += 64)
		__builtin_prefetch(q);
	sc->prefetched = q;
}

static void release_behind(struct scan *sc)
{
	if (!sc->mapped || sc->p - sc->released < (ptrdiff_t)RELEASE_CHUNK)
		return;
	long page = sysconf(_SC_PAGESIZE);
	uintptr_t upto = (uintptr_t)sc->p & ~(uintptr_t)(page - 1);
	if (upto > (uintptr_t)sc->released) {
		madvise((void *)sc->released, upto - (uintptr_t)sc->released, MADV_DONTNEED);
		sc->released = (const char *)upto;
	}
}

static int scan_document(struct scan *sc, struct jmh_file *out)
{
	skip_ws(sc);
	if (sc->p >= sc->end)
		return fail_at(sc, sc->p, "not JMH output: the file is empty");
	if (*sc->p != '[') {
		/* Say whether it is JSON at all before saying it is not JMH. */
		const char *start = sc->p;
		if (skip_value(sc, 0) != 0)
			return -1;
		skip_ws(sc);
		if (sc->p < sc->end)
			return fail_at(sc, sc->p, "trailing characters after the JSON value");
		return fail_at(sc, start, "not JMH output: expected an array of benchmark results");
	}
	sc->p++;
	bool first = true;
	for (;;) {
		skip_ws(sc);
		if (sc->p >= sc->end) {
			if (first)
				return fail_at(sc, sc->p, "unexpected end of input in the result array");
			return fail_at(sc, sc->p, "unexpected end of input: the result array is not closed");
		}
		if (*sc->p == ']') {
			if (!first)
				return fail_at(sc, sc->p, "trailing comma in the result array");
			sc->p++;
			break;
		}
		BIG_GROW(out->results, out->results_alloc, out->n + 1);
		struct jmh_result *r = &out->results[out->n++];
		if (scan_result(sc, r) != 0)
			return -1;
		if (out->n == 1) {
			/* Results are much alike in size: room for as many as
			 * the first says there are, and a few more. */
			size_t each = (size_t)(sc->p - sc->text) + 1;
			size_t guess = (size_t)(sc->end - sc->text) / each;
			BIG_GROW(out->results, out->results_alloc, guess + guess / 8 + 1);
		}
		release_behind(sc);
		prefetch_ahead(sc);
		first = false;
		skip_ws(sc);
		if (sc->p >= sc->end)
			return fail_at(sc, sc->p, "unexpected end of input: the result array is not closed");
		if (*sc->p == ']') {
			sc->p++;
			break;
		}
		if (*sc->p != ',')
			return fail_unexpected(sc, "',' or ']' after a benchmark result");
		sc->p++;
		skip_ws(sc);
		if (sc->p < sc->end && *sc->p == ']')
			return fail_at(sc, sc->p, "trailing comma in the result array");
	}
	skip_ws(sc);
	if (sc->p != sc->end)
		return fail_at(sc, sc->p, "trailing characters after the result array");
	return 0;
}

static int parse_text(const char *text, size_t len, bool mapped, const char *path,
		      struct jmh_file *out, char *err, size_t errsize)
{
	struct scan sc = {
		.text = text, .p = text, .end = text + len, .err = err, .errsize = errsize,
		.released = text, .mapped = mapped, .out = out,
	};
	memset(out, 0, sizeof *out);
	sc.arena = &out->arena;
	/* What is kept is about a quarter of the text (names, samples). */
	arena_expect(sc.arena, len / 4);
	out->path = xstrdup(path);
	out->display = strcmp(path, "-") ? out->path : "<stdin>";
	sc.display = out->display;
	int rc = scan_document(&sc, out);
	sb_release(&sc.sb);
	free(sc.samples);
	free(sc.params);
	free(sc.secondary);
	if (rc != 0) {
		jmh_file_free(out);
		return -1;
	}
	mark_duplicates(&sc, out);
	if (sc.nan_samples)
		sb_addf(&out->warnings, "%s: ignored %zu NaN raw sample%s\n", out->display,
			sc.nan_samples, sc.nan_samples == 1 ? "" : "s");
	return 0;
}

int jmh_parse(const char *text, size_t len, const char *path,
	      struct jmh_file *out, char *err, size_t errsize)
{
	return parse_text(text, len, false, path, out, err, errsize);
}

int jmh_load(const char *path, struct jmh_file *out, char *err, size_t errsize)
{
	const char *display = strcmp(path, "-") ? path : "<stdin>";
	memset(out, 0, sizeof *out);
	if (strcmp(path, "-")) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		struct stat st;
		if (fd < 0 || fstat(fd, &st) != 0) {
			snprintf(err, errsize, "cannot read '%s': %s", display, strerror(errno));
			if (fd >= 0)
				close(fd);
			return -1;
		}
		if (S_ISDIR(st.st_mode)) {
			close(fd);
			snprintf(err, errsize, "cannot read '%s': %s", display, strerror(EISDIR));
			return -1;
		}
		if (S_ISREG(st.st_mode) && st.st_size > 0) {
			void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
			if (map != MAP_FAILED) {
				close(fd);
				madvise(map, (size_t)st.st_size, MADV_SEQUENTIAL);
				int rc = parse_text(map, (size_t)st.st_size, true, path, out, err, errsize);
				munmap(map, (size_t)st.st_size);
				return rc;
			}
		}
		close(fd);
	}
	char *text;
	size_t len;
	if (read_file(path, &text, &len, 0) != 0) {
		snprintf(err, errsize, "cannot read '%s': %s", display, strerror(errno));
		return -1;
	}
	int rc = parse_text(text, len, false, path, out, err, errsize);
	free(text);
	return rc;
}

void jmh_flush_warnings(struct jmh_file *f)
{
	char *line = f->warnings.buf;
	while (line && *line) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		warn("%s", line);
		if (!nl)
			break;
		line = nl + 1;
	}
	sb_release(&f->warnings);
}

void jmh_file_free(struct jmh_file *f)
{
	big_free(f->results, f->results_alloc * sizeof *f->results);
	strmap_free(&f->index);
	free(f->path);
	arena_free(&f->arena);
	sb_release(&f->warnings);
	memset(f, 0, sizeof *f);
}

const struct jmh_metric *jmh_secondary(const struct jmh_result *r, const char *key)
{
	for (size_t i = 0; i < r->nsecondary; i++)
		if (!strcmp(r->secondary[i].key, key))
			return &r->secondary[i];
	return NULL;
}
