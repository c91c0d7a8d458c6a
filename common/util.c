/* Allocation, string buffers, file reading and atomic output: see util.h. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "msg.h"
#include "util.h"

static _Noreturn void oom(size_t n)
{
	die(PERF_EXIT_TROUBLE, "out of memory allocating %zu bytes", n);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		oom(n * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

void *xreallocarray(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		die(PERF_EXIT_TROUBLE, "size overflow allocating %zu elements of %zu bytes", n, size);
	return xrealloc(p, n * size);
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	return sb_detach(&sb, NULL);
}

void grow_array(void **arr, size_t *alloc, size_t need, size_t elem)
{
	if (need <= *alloc)
		return;
	size_t n = *alloc ? *alloc : 8;
	while (n < need) {
		if (n > SIZE_MAX / 2)
			die(PERF_EXIT_TROUBLE, "size overflow growing an array to %zu elements", need);
		n *= 2;
	}
	*arr = xreallocarray(*arr, n, elem);
	*alloc = n;
}

void sb_grow(struct strbuf *sb, size_t extra)
{
	if (extra > SIZE_MAX - sb->len - 1)
		die(PERF_EXIT_TROUBLE, "size overflow growing a string");
	size_t need = sb->len + extra + 1;
	if (need > sb->alloc) {
		size_t n = sb->alloc ? sb->alloc : 64;
		while (n < need)
			n = n > SIZE_MAX / 2 ? need : n * 2;
		sb->buf = xrealloc(sb->buf, n);
		sb->alloc = n;
	}
}

void sb_add(struct strbuf *sb, const char *s, size_t n)
{
	sb_grow(sb, n);
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void sb_adds(struct strbuf *sb, const char *s)
{
	sb_add(sb, s, strlen(s));
}

void sb_addc(struct strbuf *sb, char c)
{
	sb_grow(sb, 1);
	sb->buf[sb->len++] = c;
	sb->buf[sb->len] = '\0';
}

void sb_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	sb_grow(sb, 64);
	int n = vsnprintf(sb->buf + sb->len, sb->alloc - sb->len, fmt, cp);
	va_end(cp);
	if (n < 0)
		die(PERF_EXIT_TROUBLE, "formatting error");
	if ((size_t)n >= sb->alloc - sb->len) {
		sb_grow(sb, (size_t)n);
		vsnprintf(sb->buf + sb->len, sb->alloc - sb->len, fmt, ap);
	}
	sb->len += (size_t)n;
}

void sb_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sb_vaddf(sb, fmt, ap);
	va_end(ap);
}

void sb_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}

char *sb_detach(struct strbuf *sb, size_t *len)
{
	if (!sb->buf)
		sb_grow(sb, 0), sb->buf[0] = '\0';
	char *p = sb->buf;
	if (len)
		*len = sb->len;
	sb->buf = NULL;
	sb->len = sb->alloc = 0;
	return p;
}

void sb_release(struct strbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->alloc = 0;
}

#define BIG_MIN ((size_t)1 << 20)

/* Transparent huge pages were tried here (a fault every 2 MiB instead of
 * every 4 KiB, 8% less CPU on its own), but on the 2-core VM the bench
 * runs on, a run right after another process had freed a lot of memory
 * stalled in the huge-page faults: every other run took 1.7 times as
 * long.  So plain pages, and blocks sized so as not to be copied. */
void *big_alloc(size_t n)
{
	if (n < BIG_MIN)
		return xmalloc(n);
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		oom(n);
	return p;
}

void big_free(void *p, size_t n)
{
	if (!p)
		return;
	if (n < BIG_MIN)
		free(p);
	else
		munmap(p, n);
}

void big_grow(void **arr, size_t *alloc, size_t need, size_t elem)
{
	if (need <= *alloc)
		return;
	size_t n = *alloc ? *alloc : 16;
	while (n < need) {
		if (n > SIZE_MAX / 2 / elem)
			die(PERF_EXIT_TROUBLE, "size overflow growing an array to %zu elements", need);
		n *= 2;
	}
	if (n > SIZE_MAX / elem)
		die(PERF_EXIT_TROUBLE, "size overflow growing an array to %zu elements", need);
	void *grown = big_alloc(n * elem);
	if (*alloc) {
		memcpy(grown, *arr, *alloc * elem);
		big_free(*arr, *alloc * elem);
	}
	*arr = grown;
	*alloc = n;
}

struct arena_block {
	struct arena_block *next;
	size_t used, cap;
	_Alignas(16) unsigned char data[];
};

#define ARENA_BLOCK ((size_t)64 << 10)
#define ARENA_BLOCK_MAX ((size_t)8 << 20)

void arena_expect(struct arena *a, size_t n)
{
	if (n > a->next)
		a->next = n;
}

void *arena_alloc(struct arena *a, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	struct arena_block *b = a->head;
	if (!b || b->cap - b->used < n) {
		size_t block = a->next > ARENA_BLOCK ? a->next : ARENA_BLOCK;
		bool one_off = n > block / 4;
		size_t cap = one_off ? n : block;
		if (cap > SIZE_MAX - sizeof *b)
			die(PERF_EXIT_TROUBLE, "size overflow allocating %zu bytes", n);
		struct arena_block *nb = big_alloc(sizeof *nb + cap);
		nb->used = 0;
		nb->cap = cap;
		if (!one_off || !b) {
			nb->next = b;
			a->head = nb;
		} else {
			/* a big one-off: keep filling the current block */
			nb->next = b->next;
			b->next = nb;
		}
		if (!one_off)
			a->next = block < ARENA_BLOCK_MAX ? 2 * block : block;
		b = nb;
	}
	void *p = b->data + b->used;
	b->used += n;
	return p;
}

void *arena_memdup(struct arena *a, const void *p, size_t n)
{
	void *q = arena_alloc(a, n ? n : 1);
	if (n)
		memcpy(q, p, n);
	return q;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *q = arena_alloc(a, n + 1);
	memcpy(q, s, n);
	q[n] = '\0';
	return q;
}

void arena_free(struct arena *a)
{
	struct arena_block *b = a->head;
	while (b) {
		struct arena_block *next = b->next;
		big_free(b, sizeof *b + b->cap);
		b = next;
	}
	a->head = NULL;
	a->next = 0;
}

int read_file(const char *path, char **bufp, size_t *lenp, size_t max)
{
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		if (fd != STDIN_FILENO)
			close(fd);
		errno = EISDIR;
		return -1;
	}
	size_t alloc = 0, len = 0;
	if (S_ISREG(st.st_mode) && st.st_size > 0)
		alloc = (size_t)st.st_size + 1;
	if (max && alloc > max + 1)
		alloc = max + 1;
	if (alloc < 4096)
		alloc = 4096;
	char *buf = xmalloc(alloc);
	for (;;) {
		if (len + 1 >= alloc) {
			if (alloc > SIZE_MAX / 2)
				die(PERF_EXIT_TROUBLE, "file too large: %s", path);
			alloc *= 2;
			buf = xrealloc(buf, alloc);
		}
		ssize_t n = read(fd, buf + len, alloc - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			free(buf);
			if (fd != STDIN_FILENO)
				close(fd);
			errno = e;
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (max && len > max) {
			free(buf);
			if (fd != STDIN_FILENO)
				close(fd);
			errno = EFBIG;
			return -1;
		}
	}
	if (fd != STDIN_FILENO)
		close(fd);
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	return 0;
}

int out_open(struct outfile *out, const char *path)
{
	memset(out, 0, sizeof *out);
	if (!path || !strcmp(path, "-")) {
		out->fp = stdout;
		return 0;
	}
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	out->tmp = xasprintf("%.*s.%s.tmpXXXXXX", (int)(base - path), path, base);
	int fd = mkstemp(out->tmp);
	if (fd < 0) {
		free(out->tmp);
		out->tmp = NULL;
		return -1;
	}
	/* mkstemp makes 0600; reports are ordinary files. */
	mode_t um = umask(0);
	umask(um);
	fchmod(fd, 0666 & ~um);
	out->fp = fdopen(fd, "w");
	if (!out->fp) {
		int e = errno;
		close(fd);
		unlink(out->tmp);
		free(out->tmp);
		out->tmp = NULL;
		errno = e;
		return -1;
	}
	out->path = xstrdup(path);
	return 0;
}

int out_commit(struct outfile *out)
{
	if (!out->path) {
		if (fflush(out->fp) != 0 || ferror(out->fp))
			return -1;
		return 0;
	}
	int e = 0;
	if (fflush(out->fp) != 0 || ferror(out->fp))
		e = errno ? errno : EIO;
	if (!e && fsync(fileno(out->fp)) != 0 && errno != EINVAL)
		e = errno;
	if (fclose(out->fp) != 0 && !e)
		e = errno;
	out->fp = NULL;
	if (!e && rename(out->tmp, out->path) != 0)
		e = errno;
	if (e)
		unlink(out->tmp);
	free(out->tmp);
	free(out->path);
	out->tmp = out->path = NULL;
	errno = e;
	return e ? -1 : 0;
}

void out_abort(struct outfile *out)
{
	if (out->path) {
		if (out->fp)
			fclose(out->fp);
		unlink(out->tmp);
		free(out->tmp);
		free(out->path);
	}
	memset(out, 0, sizeof *out);
}

int append_line(const char *path, const char *line, size_t len)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	char *buf = xmalloc(len + 1);
	memcpy(buf, line, len);
	buf[len] = '\n';
	struct stat st;
	off_t before = fstat(fd, &st) == 0 ? st.st_size : -1;
	ssize_t n;
	do
		n = write(fd, buf, len + 1);
	while (n < 0 && errno == EINTR);
	int e = n < 0 ? errno : 0;
	free(buf);
	if (n >= 0 && (size_t)n != len + 1) {
		/* A short write (disk full): take the partial line back. */
		if (before >= 0 && ftruncate(fd, before) != 0) {
			/* Leave it: readers skip a torn line with a warning. */
		}
		e = ENOSPC;
	}
	if (close(fd) != 0 && !e)
		e = errno;
	errno = e;
	return e ? -1 : 0;
}

size_t opt_keyword(const char *what, const char *arg, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(arg, names[i]))
			return i;
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < n; i++) {
		if (i)
			sb_adds(&sb, i + 1 == n ? " or " : ", ");
		sb_adds(&sb, names[i]);
	}
	die(PERF_EXIT_TROUBLE, "unknown %s '%s' (expected %s)", what, arg, sb.buf);
}

/* Length (2..4) of the valid UTF-8 sequence starting with the byte
 * s[0] >= 0x80, or 0 with *bad set to the length of the maximal invalid
 * subpart (at least 1), which gets one U+FFFD (Unicode's recommended
 * practice).  Overlong forms, surrogates and code points above U+10FFFF are
 * invalid. */
size_t utf8_sequence(const unsigned char *s, size_t n, size_t *bad)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t need, k;

	if (c >= 0xc2 && c <= 0xdf) {
		need = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else {
		*bad = 1;
		return 0;
	}
	for (k = 1; k < need && k < n; k++) {
		unsigned char d = s[k];
		if (k == 1 ? d < lo || d > hi : d < 0x80 || d > 0xbf)
			break;
	}
	if (k == need)
		return need;
	*bad = k;
	return 0;
}

bool want_colour(FILE *fp)
{
	/* CONTRACTS.md: colour only while NO_COLOR is unset (any value, even
	 * an empty one, turns it off). */
	if (getenv("NO_COLOR"))
		return false;
	return isatty(fileno(fp));
}

const char *strcasestr_ascii(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	if (!n)
		return hay;
	for (; *hay; hay++) {
		size_t i = 0;
		while (i < n && hay[i]) {
			char a = hay[i], b = needle[i];
			if (a >= 'A' && a <= 'Z') a += 32;
			if (b >= 'A' && b <= 'Z') b += 32;
			if (a != b)
				break;
			i++;
		}
		if (i == n)
			return hay;
	}
	return NULL;
}
