/* Small things every module needs: allocation that dies on failure, a
 * growable string buffer, whole-file reading and atomic file output. */
#ifndef PERF_UTIL_H
#define PERF_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
/* realloc to n * size bytes, dying on overflow. */
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Grow *arr (of *alloc elements of size elem) to hold at least need. */
void grow_array(void **arr, size_t *alloc, size_t need, size_t elem);
#define GROW(arr, alloc, need) \
	grow_array((void **)&(arr), &(alloc), (need), sizeof(*(arr)))

struct strbuf {
	char *buf;    /* always NUL-terminated once initialised */
	size_t len;
	size_t alloc;
};
#define STRBUF_INIT { NULL, 0, 0 }
void sb_grow(struct strbuf *sb, size_t extra);
void sb_add(struct strbuf *sb, const char *s, size_t n);
void sb_adds(struct strbuf *sb, const char *s);
void sb_addc(struct strbuf *sb, char c);
void sb_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_vaddf(struct strbuf *sb, const char *fmt, va_list ap);
void sb_reset(struct strbuf *sb);
/* Take ownership of the buffer (never NULL); sb is reset. */
char *sb_detach(struct strbuf *sb, size_t *len);
void sb_release(struct strbuf *sb);

/* Big blocks (a megabyte or more) mapped on their own and given back
 * whole when freed; smaller ones come from malloc.  big_free needs the
 * size given to big_alloc.  big_grow is GROW for arrays in such blocks. */
void *big_alloc(size_t n);
void big_free(void *p, size_t n);
void big_grow(void **arr, size_t *alloc, size_t need, size_t elem);
#define BIG_GROW(arr, alloc, need) \
	big_grow((void **)&(arr), &(alloc), (need), sizeof(*(arr)))

/* An arena: many small allocations freed at once (the JMH loader keeps
 * tens of thousands of names and sample arrays).  Its blocks double in
 * size as it fills (big ones from big_alloc); arena_expect says about how
 * much is coming, so that the next block is made that big at once. */
struct arena_block;
struct arena {
	struct arena_block *head;
	size_t next;      /* size of the next block, 0 for the smallest */
};
#define ARENA_INIT { NULL, 0 }
void arena_expect(struct arena *a, size_t n);
void *arena_alloc(struct arena *a, size_t n);   /* 16-byte aligned */
void *arena_memdup(struct arena *a, const void *p, size_t n);
char *arena_strndup(struct arena *a, const char *s, size_t n);
void arena_free(struct arena *a);

/* Read a whole file ("-" is standard input) into a NUL-terminated buffer.
 * Returns 0, or -1 with errno set. max (0 = no limit) caps the size:
 * a larger file fails with EFBIG. */
int read_file(const char *path, char **buf, size_t *len, size_t max);

/* A file written atomically: data goes to a temporary file beside the
 * target, which is renamed into place by out_commit().  With path NULL or
 * "-" the output is stdout and commit only flushes it. */
struct outfile {
	FILE *fp;
	char *path;     /* target, NULL for stdout */
	char *tmp;      /* temporary name */
};
/* Returns 0, or -1 with errno set. */
int out_open(struct outfile *out, const char *path);
/* Flush, fsync and rename.  Returns 0, or -1 with errno set; on failure
 * the temporary file is removed and the target is untouched. */
int out_commit(struct outfile *out);
/* Abandon: remove the temporary file. */
void out_abort(struct outfile *out);

/* Append one whole line (a '\n' is added) with a single write(2) to path,
 * creating it with mode 0644.  Returns 0, or -1 with errno set; a short
 * write is truncated back so the file never holds half a line. */
int append_line(const char *path, const char *line, size_t len);

/* The index of arg among the n keywords names[] (an option's value set),
 * or die with "unknown WHAT 'arg' (expected a, b or c)", status 2. */
size_t opt_keyword(const char *what, const char *arg, const char *const *names, size_t n);

/* Length (2..4) of the valid UTF-8 sequence at s (n bytes left, s[0] >=
 * 0x80), or 0 with *bad set to the length of the maximal invalid subpart
 * (at least 1).  Overlong forms, surrogates and code points above U+10FFFF
 * are invalid.  Shared by the JSON and HTML writers. */
size_t utf8_sequence(const unsigned char *s, size_t n, size_t *bad);

/* True when stdout should get colour: a terminal and NO_COLOR unset. */
bool want_colour(FILE *fp);

/* Case-insensitive substring search. */
const char *strcasestr_ascii(const char *hay, const char *needle);

#endif
