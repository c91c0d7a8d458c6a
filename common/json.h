/* A JSON reader on jsmn.
 *
 * jsmn tokenises; this module makes that a strict, safe reader: the text
 * between tokens is checked (commas, colons, nothing stray), primitives must
 * be true/false/null or RFC 8259 numbers, strings must have valid escapes
 * (\uXXXX with surrogate pairs; \u0000 is refused, strings being C strings)
 * and no raw control characters, nesting is limited, and there is exactly
 * one top-level value (a UTF-8 byte order mark before it is an error).
 * Errors carry the file name, line and column.
 *
 * Token indices are ints (jsmn's); tok[i].start/end are offsets into src,
 * for strings without the quotes.  Build with -DJSMN_PARENT_LINKS
 * -DJSMN_STRICT (Makefile.am does). */
#ifndef PERF_JSON_H
#define PERF_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef JSMN_HEADER
#define JSMN_HEADER
#endif
#include <jsmn.h>

#include "util.h"

#define JSON_MAX_DEPTH_DEFAULT 64

struct json_doc {
	const char *src;     /* the text parsed (not owned) */
	size_t len;
	jsmntok_t *tok;      /* owned, reused by the next json_parse on this doc */
	int ntok;
	size_t tokalloc;
	const char *name;    /* file name for messages (not owned) */
	const char *origin;  /* start of the whole file, for line:column; src by default */
};

struct json_error {
	char msg[256];       /* what is wrong, e.g. "expected ',' or ']'" */
	size_t off;          /* offset from origin */
	unsigned line, col;  /* 1-based */
};

/* Initialise an empty doc (no tokens).  json_parse may be called on the same
 * doc repeatedly (the token array is reused); json_free releases it. */
void json_init(struct json_doc *doc);
void json_free(struct json_doc *doc);

/* Parse src[0..len) as one JSON value.  origin (may be NULL = src) is the
 * start of the file src lies in, so that positions are reported against the
 * whole file.  max_depth 0 means JSON_MAX_DEPTH_DEFAULT.
 * Returns 0, or -1 with *err filled in. */
int json_parse(struct json_doc *doc, const char *src, size_t len,
	       const char *origin, const char *name, unsigned max_depth,
	       struct json_error *err);

/* Format "NAME:LINE:COL: MSG" from an error into buf. */
void json_error_format(const struct json_doc *doc, const struct json_error *err,
		       char *buf, size_t size);

/* Line and column (1-based) of src offset off (relative to doc->src). */
void json_position(const struct json_doc *doc, size_t off, unsigned *line, unsigned *col);
/* The same for token i (its opening character). */
void json_tok_position(const struct json_doc *doc, int i, unsigned *line, unsigned *col);

/* The index just past token i's subtree (its next sibling, if any). */
int json_skip(const struct json_doc *doc, int i);

static inline jsmntype_t json_type(const struct json_doc *doc, int i)
{
	return doc->tok[i].type;
}
bool json_is_null(const struct json_doc *doc, int i);
/* Number of children: elements of an array, keys of an object. */
static inline int json_size(const struct json_doc *doc, int i)
{
	return doc->tok[i].size;
}

/* For an object token: the value token of key, or -1. */
int json_obj_get(const struct json_doc *doc, int obj, const char *key);
/* Iterate: for (int k = json_first(doc, obj); k >= 0; k = json_next(doc, obj, k))
 * over an array's elements, or an object's keys (value at k + 1). */
int json_first(const struct json_doc *doc, int container);
int json_next(const struct json_doc *doc, int container, int child);

/* Does string token i equal s (after unescaping)? */
bool json_str_eq(const struct json_doc *doc, int i, const char *s);
/* The unescaped value of string token i, malloc'd; NULL if i is not a string. */
char *json_string(const struct json_doc *doc, int i);
/* Append the unescaped value of string token i to sb; -1 if not a string. */
int json_string_sb(const struct json_doc *doc, int i, struct strbuf *sb);
/* A number: a JSON number, or JMH's strings "NaN", "+INF", "-INF" (also
 * "Infinity", "-Infinity", "INF").  Returns 0, or -1 if i is neither.
 * Numbers beyond a double's range (1e400) give +-HUGE_VAL (infinity), ones
 * too small 0 or a subnormal; the result is always strtod's. */
int json_number(const struct json_doc *doc, int i, double *out);
/* A boolean token: 0, or -1. */
int json_bool(const struct json_doc *doc, int i, bool *out);

/* The value of the text of a valid JSON number s[0..n) (need not be
 * NUL-terminated), correctly rounded.  Returns 0, or -1 if it is not one. */
int json_number_text(const char *s, size_t n, double *out);
/* The same for text already checked to be RFC 8259 number syntax. */
int json_number_checked(const char *s, size_t n, double *out);
/* mant * 10^scale, negated if neg, correctly rounded, for scanners that
 * gather the digits themselves; false when it takes strtod (then use
 * json_number_checked on the text). */
bool json_decimal_value(uint64_t mant, int scale, bool neg, double *out);
/* 5^0 .. 5^27, every power of five that fits 64 bits: for exact decimal
 * conversions both ways (the reader's and the writer's). */
#define JSON_POW5_COUNT 28
extern const uint64_t json_pow5[JSON_POW5_COUNT];
/* JMH's non-finite number strings (the body, without quotes): "NaN",
 * "+INF", "-INF", "INF", "Infinity", "+Infinity", "-Infinity".  0, or -1. */
int json_special_number(const char *s, size_t n, double *out);

/* Unescape the JSON string body s[0..n) into sb.  Returns 0, or -1 with
 * *bad set to the offset of the faulty escape. */
int json_unescape(const char *s, size_t n, struct strbuf *sb, size_t *bad);

#endif
