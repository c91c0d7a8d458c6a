/* A JSON writer: streams a document to a FILE, escaping strings, writing
 * numbers in their shortest round-trip form and NaN/infinity as null. */
#ifndef PERF_JSONW_H
#define PERF_JSONW_H

#include <stdbool.h>
#include <string.h>
#include <stdio.h>

#include "util.h"

#define JSONW_MAX_DEPTH 64

struct jsonw {
	FILE *fp;            /* output, or NULL to write into sb */
	struct strbuf *sb;
	bool pretty;         /* newlines and two-space indentation */
	int depth;
	bool first[JSONW_MAX_DEPTH];  /* no element yet at this depth */
	bool after_key;
	struct strbuf buf;   /* pending output to fp, written out in large blocks */
};

void jw_init(struct jsonw *w, FILE *fp, bool pretty);
void jw_init_sb(struct jsonw *w, struct strbuf *sb, bool pretty);
void jw_obj_begin(struct jsonw *w);
void jw_obj_end(struct jsonw *w);
void jw_arr_begin(struct jsonw *w);
void jw_arr_end(struct jsonw *w);
void jw_keyn(struct jsonw *w, const char *key, size_t n);
void jw_strn(struct jsonw *w, const char *s, size_t n);   /* NULL writes null */
/* Inline, so that the length of a literal is known when compiling. */
static inline void jw_key(struct jsonw *w, const char *key)
{
	jw_keyn(w, key, strlen(key));
}
static inline void jw_str(struct jsonw *w, const char *s)   /* NULL writes null */
{
	jw_strn(w, s, s ? strlen(s) : 0);
}
void jw_num(struct jsonw *w, double v);        /* non-finite writes null */
void jw_int(struct jsonw *w, long long v);
void jw_bool(struct jsonw *w, bool v);
void jw_null(struct jsonw *w);
struct json_doc;
/* Write token tok of a parsed document (and its subtree) as a value. */
void jw_value(struct jsonw *w, const struct json_doc *doc, int tok);
/* One document written by several threads: a fork writes into sb what w
 * would write next, inside the same containers; more says whether the
 * innermost container will already hold an element where the fork's
 * output goes (so the fork starts with a comma).  jw_join appends a fork's
 * output to w and takes over its state: join the forks in the order their
 * pieces belong, each with its containers closed as they were opened. */
void jw_fork(struct jsonw *fork, struct strbuf *sb, const struct jsonw *w, bool more);
void jw_join(struct jsonw *w, const struct jsonw *fork);
/* Ends the document: a newline (in both modes).  Output to a FILE is
 * buffered and written when the outermost container closes and here. */
void jw_end(struct jsonw *w);

/* Shortest "%.*g" form of v that reads back exactly; buf >= 32 bytes.
 * Integral values print without exponent up to 1e17; -0 prints as "0",
 * NaN and infinities as "null". */
void json_format_double(char *buf, size_t size, double v);
/* Append s escaped as a JSON string (with quotes) to sb. */
void json_quote(struct strbuf *sb, const char *s, size_t n);

#endif
