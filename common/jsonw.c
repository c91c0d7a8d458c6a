/* The JSON writer: streams a document to a FILE or a strbuf, compact (no
 * spaces at all) or pretty (a newline and two spaces of indentation per
 * level, "key": value).  Strings are escaped per RFC 8259 and invalid UTF-8
 * in them is replaced by U+FFFD, so the output is always valid JSON; numbers
 * get their shortest round-trip form (digits worked out with exact 128-bit
 * integer arithmetic, printf only for the extremes), NaN and infinities
 * become null.  Every document ends with a newline.  Misuse (unbalanced
 * ends, nesting deeper than JSONW_MAX_DEPTH) is an internal error: die().
 * See jsonw.h. */
#include <config.h>

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "json.h"
#include "jsonw.h"
#include "msg.h"

void jw_init(struct jsonw *w, FILE *fp, bool pretty)
{
	memset(w, 0, sizeof *w);
	w->fp = fp;
	w->pretty = pretty;
}

void jw_init_sb(struct jsonw *w, struct strbuf *sb, bool pretty)
{
	memset(w, 0, sizeof *w);
	w->sb = sb;
	w->pretty = pretty;
}

/* Output to a FILE goes through w->buf and out in large writes: stdio's
 * per-call locking costs more than the formatting for big documents. */
#define JSONW_FLUSH_AT ((size_t)64 << 10)

static void flush(struct jsonw *w)
{
	if (w->fp && w->buf.len) {
		fwrite(w->buf.buf, 1, w->buf.len, w->fp);
		sb_reset(&w->buf);
	}
}

/* n <= 16 bytes from s to d in two overlapping fixed-size copies, which
 * compilers turn into a move or two instead of a call to memcpy. */
static inline void copy_short(char *d, const char *s, size_t n)
{
	if (n >= 8) {
		uint64_t a, b;
		memcpy(&a, s, 8);
		memcpy(&b, s + n - 8, 8);
		memcpy(d, &a, 8);
		memcpy(d + n - 8, &b, 8);
	} else if (n >= 4) {
		uint32_t a, b;
		memcpy(&a, s, 4);
		memcpy(&b, s + n - 4, 4);
		memcpy(d, &a, 4);
		memcpy(d + n - 4, &b, 4);
	} else {
		for (size_t i = 0; i < n; i++)
			d[i] = s[i];
	}
}

/* The buffer is grown only when it is short: most puts are a memcpy. */
static inline void put(struct jsonw *w, const char *s, size_t n)
{
	struct strbuf *sb = w->fp ? &w->buf : w->sb;
	if (sb->alloc - sb->len <= n)
		sb_grow(sb, n);
	if (n <= 16)
		copy_short(sb->buf + sb->len, s, n);
	else
		memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
	if (w->fp && sb->len >= JSONW_FLUSH_AT)
		flush(w);
}

static inline void put_char(struct jsonw *w, char c)
{
	struct strbuf *sb = w->fp ? &w->buf : w->sb;
	if (sb->alloc - sb->len <= 1)
		sb_grow(sb, 1);
	sb->buf[sb->len++] = c;
	sb->buf[sb->len] = '\0';
}

static void put_str(struct jsonw *w, const char *s)
{
	put(w, s, strlen(s));
}

#if defined(__SSE2__)
/* Is s[0..n) shorter than 16 bytes and plain ASCII with nothing to escape?
 * Its bytes in block, zeroes after (masked off in the test). */
static inline bool short_plain(const char *s, size_t n, char block[16])
{
	if (n >= 16)
		return false;
	memset(block, 0, 16);
	copy_short(block, s, n);
	__m128i x = _mm_loadu_si128((const __m128i *)(const void *)block);
	__m128i stop = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')),
					       _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'))),
				   _mm_cmpeq_epi8(_mm_max_epu8(x, _mm_set1_epi8(0x1f)),
						  _mm_set1_epi8(0x1f)));
	unsigned m = (unsigned)(_mm_movemask_epi8(stop) | _mm_movemask_epi8(x));
	return !(m & ((1u << n) - 1));
}
#endif

/* Write s[0..n) as a quoted JSON string. */
static void quote(struct jsonw *w, const char *str, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run = 0;   /* s[run..i) is still to be written as is */

#if defined(__SSE2__)
	/* A short string (keys, names, units) with nothing to escape in one
	 * go. */
	char block[16];
	if (short_plain(str, n, block)) {
		struct strbuf *sb = w->fp ? &w->buf : w->sb;
		if (sb->alloc - sb->len <= 18)
			sb_grow(sb, 18);
		char *o = sb->buf + sb->len;
		o[0] = '"';
		memcpy(o + 1, block, 16);   /* all sixteen: one move */
		o[n + 1] = '"';
		o[n + 2] = '\0';
		sb->len += n + 2;
		if (w->fp && sb->len >= JSONW_FLUSH_AT)
			flush(w);
		return;
	}
#endif
	put_char(w, '"');
	while (i < n) {
#if defined(__SSE2__)
		/* Plain ASCII sixteen bytes at a time. */
		while (n - i >= 16) {
			__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
			__m128i stop = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')),
							       _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'))),
						   _mm_cmpeq_epi8(_mm_max_epu8(x, _mm_set1_epi8(0x1f)),
								  _mm_set1_epi8(0x1f)));
			unsigned m = (unsigned)(_mm_movemask_epi8(stop) | _mm_movemask_epi8(x));
			if (m) {
				i += (size_t)__builtin_ctz(m);
				break;
			}
			i += 16;
		}
		if (i >= n)
			break;
#endif
		unsigned char c = s[i];
		size_t bad = 1;

		if (c >= 0x20 && c != '"' && c != '\\') {
			if (c < 0x80) {
				i++;
				continue;
			}
			size_t k = utf8_sequence(s + i, n - i, &bad);
			if (k) {
				i += k;
				continue;
			}
		}
		put(w, str + run, i - run);
		switch (c) {
		case '"':  put(w, "\\\"", 2); break;
		case '\\': put(w, "\\\\", 2); break;
		case '\b': put(w, "\\b", 2); break;
		case '\f': put(w, "\\f", 2); break;
		case '\n': put(w, "\\n", 2); break;
		case '\r': put(w, "\\r", 2); break;
		case '\t': put(w, "\\t", 2); break;
		default:
			if (c < 0x20) {
				char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
				put(w, u, sizeof u);
			} else {
				put(w, "\xef\xbf\xbd", 3);   /* U+FFFD */
			}
		}
		i += bad;
		run = i;
	}
	put(w, str + run, i - run);
	put_char(w, '"');
}

void json_quote(struct strbuf *sb, const char *s, size_t n)
{
	struct jsonw w;

	jw_init_sb(&w, sb, false);
	quote(&w, s ? s : "", s ? n : 0);
}

static _Noreturn void misuse(const char *what)
{
	die(PERF_EXIT_TROUBLE, "internal error: JSON writer: %s", what);
}

static const char newline_spaces[] = "\n                                                                "
				     "                                                                ";

static void newline_indent(struct jsonw *w)
{
	const char *spaces = newline_spaces;
	size_t n = 1 + 2 * (size_t)w->depth;
	if (n <= sizeof newline_spaces - 1) {
		put(w, spaces, n);
		return;
	}
	put_char(w, '\n');
	for (int i = 0; i < w->depth; i++)
		put(w, "  ", 2);
}

/* Separator and indentation before a value or key. */
static void before_item(struct jsonw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->depth == 0)
		return;
	if (!w->first[w->depth - 1])
		put_char(w, ',');
	w->first[w->depth - 1] = false;
	if (w->pretty)
		newline_indent(w);
}

static void begin(struct jsonw *w, char bracket)
{
	if (w->depth >= JSONW_MAX_DEPTH)
		die(PERF_EXIT_TROUBLE, "internal error: JSON writer: nesting deeper than %d levels",
		    JSONW_MAX_DEPTH);
	before_item(w);
	put_char(w, bracket);
	w->first[w->depth++] = true;
}

static void end(struct jsonw *w, char bracket)
{
	if (w->depth == 0)
		misuse("end of a container that was not begun");
	if (w->after_key)
		misuse("key without a value");
	w->depth--;
	if (w->pretty && !w->first[w->depth])
		newline_indent(w);
	put_char(w, bracket);
	if (w->depth == 0)
		flush(w);
}

void jw_obj_begin(struct jsonw *w)
{
	begin(w, '{');
}

void jw_obj_end(struct jsonw *w)
{
	end(w, '}');
}

void jw_arr_begin(struct jsonw *w)
{
	begin(w, '[');
}

void jw_arr_end(struct jsonw *w)
{
	end(w, ']');
}

void jw_keyn(struct jsonw *w, const char *key, size_t n)
{
	if (w->after_key)
		misuse("key after a key");
	if (w->depth == 0)
		misuse("key outside an object");
#if defined(__SSE2__)
	/* The usual short plain key, pretty: separator, indentation, key and
	 * colon in one go (what before_item, quote and put would write). */
	char block[16];
	size_t indent = 1 + 2 * (size_t)w->depth;
	if (w->pretty && indent <= 64 && short_plain(key, n, block)) {
		struct strbuf *sb = w->fp ? &w->buf : w->sb;
		if (sb->alloc - sb->len <= 1 + 64 + 1 + 16 + 3)
			sb_grow(sb, 1 + 64 + 1 + 16 + 3);
		char *o = sb->buf + sb->len;
		if (!w->first[w->depth - 1])
			*o++ = ',';
		w->first[w->depth - 1] = false;
		memcpy(o, newline_spaces, 64);   /* all 64: a few moves */
		o += indent;
		*o++ = '"';
		memcpy(o, block, 16);
		o += n;
		memcpy(o, "\": ", 4);
		o += 3;
		sb->len = (size_t)(o - sb->buf);
		w->after_key = true;
		if (w->fp && sb->len >= JSONW_FLUSH_AT)
			flush(w);
		return;
	}
#endif
	before_item(w);
	quote(w, key, n);
	if (w->pretty)
		put(w, ": ", 2);
	else
		put_char(w, ':');
	w->after_key = true;
}

void jw_strn(struct jsonw *w, const char *s, size_t n)
{
	if (!s) {
		jw_null(w);
		return;
	}
	before_item(w);
	quote(w, s, n);
}

/* Write digits d[0..n) with decimal exponent x (value d[0].d[1..] * 10^x)
 * the way printf's %.{prec}g would. */
static void format_g(char *buf, size_t size, bool neg, const char *d, int n, int x, int prec)
{
	char out[400];
	size_t o = 0;
	while (n > 1 && d[n - 1] == '0')
		n--;
	if (neg)
		out[o++] = '-';
	if (x < -4 || x >= prec) {
		out[o++] = d[0];
		if (n > 1) {
			out[o++] = '.';
			for (int i = 1; i < n; i++)
				out[o++] = d[i];
		}
		int ax = x < 0 ? -x : x;
		out[o++] = 'e';
		out[o++] = x < 0 ? '-' : '+';
		if (ax >= 100)
			out[o++] = (char)('0' + ax / 100);
		out[o++] = (char)('0' + ax / 10 % 10);
		out[o++] = (char)('0' + ax % 10);
	} else if (x < 0) {
		out[o++] = '0';
		out[o++] = '.';
		for (int i = -1; i > x; i--)
			out[o++] = '0';
		for (int i = 0; i < n; i++)
			out[o++] = d[i];
	} else {
		for (int i = 0; i <= x; i++)
			out[o++] = i < n ? d[i] : '0';
		if (n > x + 1) {
			out[o++] = '.';
			for (int i = x + 1; i < n; i++)
				out[o++] = d[i];
		}
	}
	out[o] = '\0';
	if (o >= size)
		o = size - 1;
	memcpy(buf, out, o);
	buf[o] = '\0';
}

/* The eight decimal digits of v < 10^8, as byte values 0-9, the first in
 * the lowest byte: v split into halves of four digits, those into pairs,
 * those into digits, all lanes of one 64-bit word at once (the divisions
 * by 100 and 10 as multiplications, exact for the lanes' ranges). */
static inline uint64_t eight_digits(uint32_t v)
{
	uint64_t x = (uint64_t)(v / 10000) | (uint64_t)(v % 10000) << 32;
	uint64_t hundreds = ((x * 10486) >> 20) & UINT64_C(0x0000007f0000007f);
	uint64_t pairs = hundreds | (x - hundreds * 100) << 16;
	uint64_t tens = ((pairs * 103) >> 10) & UINT64_C(0x000f000f000f000f);
	return tens | (pairs - tens * 10) << 8;
}

/* Decimal digits of n (below 10^20) at buf, not terminated; returns how
 * many.  Eight digits a step. */
static size_t format_u64(char *buf, uint64_t n)
{
	const uint64_t zeros = UINT64_C(0x3030303030303030);
	if (n < 10) {
		buf[0] = (char)('0' + n);
		return 1;
	}
	char tmp[24];
	size_t k = 0;
	uint64_t top = n / 10000000000000000ull, rest = n % 10000000000000000ull;
	uint64_t hi = eight_digits((uint32_t)(rest / 100000000)), lo = eight_digits((uint32_t)(rest % 100000000));
	if (top) {
		/* 17 to 20 digits: the top few one by one, then all sixteen */
		char t[4];
		int nt = 0;
		do {
			t[nt++] = (char)('0' + top % 10);
			top /= 10;
		} while (top);
		while (nt)
			tmp[k++] = t[--nt];
		hi += zeros;
		lo += zeros;
		memcpy(tmp + k, &hi, 8);
		memcpy(tmp + k + 8, &lo, 8);
		k += 16;
		memcpy(buf, tmp, k);
		return k;
	}
	/* up to sixteen: skip the leading zero digits (zero bytes, lowest first) */
	size_t skip;
	if (hi)
		skip = (size_t)__builtin_ctzll(hi) / 8;
	else
		skip = 8 + (size_t)__builtin_ctzll(lo) / 8;
	hi += zeros;
	lo += zeros;
	memcpy(tmp, &hi, 8);
	memcpy(tmp + 8, &lo, 8);
	memcpy(buf, tmp + skip, 16 - skip);
	return 16 - skip;
}

#ifdef __SIZEOF_INT128__
typedef unsigned __int128 u128;

/* The 17 significant digits printf's "%.16e" gives for a > 0, as the
 * integer *digits in [10^16, 10^17) and the decimal exponent *exp10 (a is
 * about digits * 10^(exp10 - 16)), worked out with exact integer
 * arithmetic and rounded the way glibc does (to nearest, ties to an even
 * last digit).  False when a is outside what 128 bits cover exactly
 * (below about 1e-11 or above about 1e38): printf does those. */
static bool digits17(double a, uint64_t *digits, int *exp10)
{
	const uint64_t lo = UINT64_C(10000000000000000), hi = UINT64_C(100000000000000000);
	uint64_t bits;
	memcpy(&bits, &a, sizeof bits);
	int biased = (int)(bits >> 52 & 0x7ff);
	if (biased == 0 || biased == 0x7ff)
		return false;
	uint64_t m = (bits & ((UINT64_C(1) << 52) - 1)) | (UINT64_C(1) << 52);
	int e = biased - 1075;   /* a = m * 2^e */
	int x = (int)floor(log10(a));

	/* log10 may be off by one next to powers of ten: try its neighbours. */
	for (int tries = 0; tries < 3; tries++) {
		int k = 16 - x;   /* digits = a * 10^k, rounded */
		u128 q;
		int half;         /* the part cut off: <0 below a half, 0 a half, >0 above */
		if (k >= 0) {
			if (k >= JSON_POW5_COUNT)
				return false;
			u128 scaled = (u128)m * json_pow5[k];   /* below 2^116 */
			int s = e + k;
			if (s >= 0) {
				if (s >= 64 || (scaled >> (64 - s)) != 0) {
					x++;
					continue;
				}
				q = scaled << s;
				half = -1;
			} else {
				int sh = -s;
				if (sh >= 127)
					return false;
				q = scaled >> sh;
				u128 rest = scaled & (((u128)1 << sh) - 1), h = (u128)1 << (sh - 1);
				half = rest < h ? -1 : rest > h;
			}
		} else {
			if (e > 74 || -k > 38)
				return false;
			u128 num = (u128)m << e, den = 1;
			for (int i = 0; i < -k; i++)
				den *= 10;
			q = num / den;
			u128 rest = num % den;
			half = 2 * rest < den ? -1 : 2 * rest > den;
		}
		if (q < lo) {
			x--;
			continue;
		}
		if (q >= hi) {
			x++;
			continue;
		}
		uint64_t d = (uint64_t)q;
		if (half > 0 || (half == 0 && (d & 1)))
			d++;
		if (d == hi) {
			d = lo;
			x++;
		}
		*digits = d;
		*exp10 = x;
		return true;
	}
	return false;
}
#endif

void json_format_double(char *buf, size_t size, double v)
{
	static const uint64_t pow10[18] = {
		1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull,
		100000000ull, 1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull,
		10000000000000ull, 100000000000000ull, 1000000000000000ull,
		10000000000000000ull, 100000000000000000ull,
	};
	if (!isfinite(v)) {
		snprintf(buf, size, "null");
		return;
	}
	if (v == 0) {
		snprintf(buf, size, "0");   /* -0 too */
		return;
	}
	if (fabs(v) < 1e17 && v == trunc(v)) {
		char tmp[24];
		size_t n = 0;
		if (v < 0)
			tmp[n++] = '-';
		n += format_u64(tmp + n, (uint64_t)fabs(v));
		if (n >= size)
			n = size - 1;
		memcpy(buf, tmp, n);
		buf[n] = '\0';
		return;
	}
	/* The 17 significant digits of "%.16e" (always enough to read back
	 * exactly), then the shortest rounding (half up) of those digits to 15
	 * or 16 that reads back to v, checked with the exact parser: as short
	 * as %.15g/%.16g would be, for the price of one conversion instead of
	 * several. */
	bool neg = v < 0;
	double a = fabs(v);
	uint64_t digits;   /* 17 of them */
	int x;
#ifdef __SIZEOF_INT128__
	if (!digits17(a, &digits, &x))
#endif
	{
		char sci[48];
		snprintf(sci, sizeof sci, "%.16e", a);
		digits = (uint64_t)(sci[0] - '0');
		for (int i = 2; i < 18; i++)
			digits = digits * 10 + (uint64_t)(sci[i] - '0');
		x = atoi(sci + 19);
	}
	char d[24];
	for (int prec = a < DBL_MIN ? 1 : 15; prec < 17; prec++) {
		uint64_t unit = pow10[17 - prec], c = digits / unit;
		int dx = x;
		if (digits % unit >= unit / 2) {
			c++;
			if (c == pow10[prec]) {
				c = pow10[prec - 1];
				dx++;
			}
		}
		int scale = dx - (prec - 1);   /* the candidate is c * 10^scale */
		double back;
		if (!json_decimal_value(c, scale, false, &back)) {
			char cand[48];
			size_t n = format_u64(cand, c);
			cand[n++] = 'e';
			if (scale < 0)
				cand[n++] = '-';
			n += format_u64(cand + n, (uint64_t)(scale < 0 ? -scale : scale));
			if (json_number_checked(cand, n, &back) != 0)
				continue;
		}
		if (back == a) {
			format_u64(d, c);
			format_g(buf, size, neg, d, prec, dx, prec);
			return;
		}
	}
	format_u64(d, digits);
	format_g(buf, size, neg, d, 17, x, 17);
}

void jw_num(struct jsonw *w, double v)
{
	char buf[32];

	json_format_double(buf, sizeof buf, v);
	before_item(w);
	put_str(w, buf);
}

void jw_int(struct jsonw *w, long long v)
{
	char buf[24];
	size_t n = 0;

	if (v < 0)
		buf[n++] = '-';
	n += format_u64(buf + n, v < 0 ? 0 - (unsigned long long)v : (unsigned long long)v);
	before_item(w);
	put(w, buf, n);
}

void jw_bool(struct jsonw *w, bool v)
{
	before_item(w);
	put_str(w, v ? "true" : "false");
}

void jw_null(struct jsonw *w)
{
	before_item(w);
	put(w, "null", 4);
}

void jw_fork(struct jsonw *fork, struct strbuf *sb, const struct jsonw *w, bool more)
{
	if (w->after_key)
		misuse("fork after a key");
	jw_init_sb(fork, sb, w->pretty);
	fork->depth = w->depth;
	memcpy(fork->first, w->first, sizeof fork->first);
	if (fork->depth)
		fork->first[fork->depth - 1] = !more;
}

void jw_join(struct jsonw *w, const struct jsonw *fork)
{
	if (fork->depth != w->depth || fork->after_key || w->after_key)
		misuse("join of a fork that is not where it began");
	const struct strbuf *sb = fork->sb;
	if (sb->len && w->fp) {
		/* Straight out: no need to copy a big piece into the buffer. */
		flush(w);
		fwrite(sb->buf, 1, sb->len, w->fp);
	} else if (sb->len) {
		put(w, sb->buf, sb->len);
	}
	if (w->depth)
		w->first[w->depth - 1] = fork->first[w->depth - 1];
}

void jw_end(struct jsonw *w)
{
	if (w->depth != 0)
		misuse("document ended inside a container");
	if (w->after_key)
		misuse("key without a value");
	put_char(w, '\n');
	flush(w);
	sb_release(&w->buf);
}

void jw_value(struct jsonw *w, const struct json_doc *doc, int tok)
{
	switch (json_type(doc, tok)) {
	case JSMN_OBJECT:
		jw_obj_begin(w);
		for (int k = json_first(doc, tok); k >= 0; k = json_next(doc, tok, k)) {
			char *key = json_string(doc, k);
			jw_key(w, key);
			free(key);
			jw_value(w, doc, k + 1);
		}
		jw_obj_end(w);
		break;
	case JSMN_ARRAY:
		jw_arr_begin(w);
		for (int k = json_first(doc, tok); k >= 0; k = json_next(doc, tok, k))
			jw_value(w, doc, k);
		jw_arr_end(w);
		break;
	case JSMN_STRING: {
		char *s = json_string(doc, tok);
		jw_str(w, s);
		free(s);
		break;
	}
	default: {
		double v;
		bool b;
		if (json_bool(doc, tok, &b) == 0)
			jw_bool(w, b);
		else if (json_number(doc, tok, &v) == 0)
			jw_num(w, v);
		else
			jw_null(w);
	}
	}
}
