/* A YAML reader on libyaml's event API: builds a tree of ynodes with
 * positions, refusing aliases, duplicate and non-scalar keys, a second
 * document and anything beyond the size, depth and node limits.  Also the
 * scalar conversions and ${VAR} expansion the configuration files use. */
#include <config.h>

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libyaml's header has the same name as ours; ours is only on the -iquote
 * path, so <yaml.h> is libyaml's. */
#include <yaml.h>
#ifndef YAML_H
#error "libyaml's yaml.h was not found"
#endif

#include "util.h"
#include "yaml.h"

#define DEFAULT_MAX_BYTES ((size_t)1 << 20)
#define DEFAULT_MAX_DEPTH 32u
#define DEFAULT_MAX_NODES ((size_t)100000)

/* An open collection: the node and the capacity of its items or pairs. */
struct frame {
	struct ynode *node;
	size_t alloc;
};

/* One key of one map in the duplicate-key hash table (map NULL: empty). */
struct keyent {
	const struct ynode *map;
	size_t idx;
};

struct builder {
	const char *name;
	const unsigned char *text;
	size_t len;
	struct yaml_error *err;
	unsigned max_depth;
	size_t max_nodes;
	size_t nodes;
	unsigned docs;
	struct ynode *root;
	struct frame *stack;
	size_t depth, stack_alloc;
	struct keyent *keys;
	size_t keys_cap, keys_used;    /* keys_cap is 0 or a power of two */
};

static const char *display_name(const char *name)
{
	if (!name)
		return "<string>";
	if (!strcmp(name, "-"))
		return "<stdin>";
	return name;
}

static void set_error(struct yaml_error *err, const char *name,
		      unsigned line, unsigned col, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void set_error(struct yaml_error *err, const char *name,
		      unsigned line, unsigned col, const char *fmt, ...)
{
	size_t size = sizeof err->msg;
	int n;
	va_list ap;

	err->line = line;
	err->col = col;
	if (line)
		n = snprintf(err->msg, size, "%s:%u:%u: ", name, line, col);
	else
		n = snprintf(err->msg, size, "%s: ", name);
	if (n < 0 || (size_t)n >= size)
		return;
	va_start(ap, fmt);
	vsnprintf(err->msg + n, size - (size_t)n, fmt, ap);
	va_end(ap);
}

static void resolve_limits(const struct yaml_limits *lim, size_t *bytes,
			   unsigned *depth, size_t *nodes)
{
	*bytes = lim && lim->max_bytes ? lim->max_bytes : DEFAULT_MAX_BYTES;
	*depth = lim && lim->max_depth ? lim->max_depth : DEFAULT_MAX_DEPTH;
	*nodes = lim && lim->max_nodes ? lim->max_nodes : DEFAULT_MAX_NODES;
}

void ynode_free(struct ynode *n)
{
	if (!n)
		return;
	switch (n->type) {
	case YNODE_SCALAR:
		free(n->str);
		break;
	case YNODE_SEQ:
		for (size_t i = 0; i < n->nitems; i++)
			ynode_free(n->items[i]);
		free(n->items);
		break;
	case YNODE_MAP:
		for (size_t i = 0; i < n->npairs; i++) {
			ynode_free(n->pairs[i].key);
			ynode_free(n->pairs[i].value);
		}
		free(n->pairs);
		break;
	}
	free(n);
}

static struct ynode *new_node(enum ynode_type type, const yaml_mark_t *m)
{
	struct ynode *n = xcalloc(1, sizeof *n);
	n->type = type;
	n->line = (unsigned)m->line + 1;
	n->col = (unsigned)m->column + 1;
	return n;
}

/* --- duplicate keys: one open-addressing table for the whole document */

static size_t key_hash(const struct ynode *map, const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
	h ^= (uint64_t)(uintptr_t)map * 0x9e3779b97f4a7c15ull;
	h ^= h >> 29;
	return (size_t)h;
}

static struct keyent *key_slot(struct builder *b, const struct ynode *map,
			       const char *s, size_t len)
{
	size_t mask = b->keys_cap - 1;
	size_t i = key_hash(map, s, len) & mask;
	for (;;) {
		struct keyent *e = &b->keys[i];
		if (!e->map)
			return e;
		if (e->map == map) {
			const struct ynode *k = map->pairs[e->idx].key;
			if (k->len == len && !memcmp(k->str, s, len))
				return e;
		}
		i = (i + 1) & mask;
	}
}

static void keys_grow(struct builder *b)
{
	struct keyent *old = b->keys;
	size_t oldcap = b->keys_cap;
	b->keys_cap = oldcap ? oldcap * 2 : 64;
	b->keys = xcalloc(b->keys_cap, sizeof *b->keys);
	for (size_t i = 0; i < oldcap; i++) {
		if (!old[i].map)
			continue;
		const struct ynode *k = old[i].map->pairs[old[i].idx].key;
		*key_slot(b, old[i].map, k->str, k->len) = old[i];
	}
	free(old);
}

/* The key's first occurrence in map, or NULL after recording this one
 * (which will be pair idx). */
static const struct ynode *key_seen(struct builder *b, const struct ynode *map,
				    const struct ynode *key, size_t idx)
{
	if ((b->keys_used + 1) * 2 > b->keys_cap)
		keys_grow(b);
	struct keyent *e = key_slot(b, map, key->str, key->len);
	if (e->map)
		return map->pairs[e->idx].key;
	e->map = map;
	e->idx = idx;
	b->keys_used++;
	return NULL;
}

/* A key for a message: at most 60 bytes, not cut inside a UTF-8 sequence. */
static int key_shown_len(const struct ynode *key)
{
	size_t n = strnlen(key->str, key->len);
	if (n > 60) {
		n = 60;
		while (n && ((unsigned char)key->str[n] & 0xc0) == 0x80)
			n--;
	}
	return (int)n;
}

/* --- building */

static bool map_wants_key(const struct ynode *map)
{
	return !map->npairs || map->pairs[map->npairs - 1].value;
}

/* Checks before a node at m is made; type is what it will be. */
static int check_node(struct builder *b, enum ynode_type type,
		      const yaml_mark_t *m)
{
	unsigned line = (unsigned)m->line + 1, col = (unsigned)m->column + 1;
	if (type != YNODE_SCALAR && b->depth) {
		const struct ynode *top = b->stack[b->depth - 1].node;
		if (top->type == YNODE_MAP && map_wants_key(top)) {
			set_error(b->err, b->name, line, col,
				  "mapping keys must be scalars");
			return -1;
		}
	}
	if (b->nodes >= b->max_nodes) {
		set_error(b->err, b->name, line, col, "more than %zu nodes",
			  b->max_nodes);
		return -1;
	}
	if (type != YNODE_SCALAR && b->depth >= b->max_depth) {
		set_error(b->err, b->name, line, col,
			  "nesting deeper than %u levels", b->max_depth);
		return -1;
	}
	return 0;
}

/* Attach n to the open collection (or make it the root).  On failure n has
 * been freed. */
static int attach(struct builder *b, struct ynode *n)
{
	b->nodes++;
	if (!b->depth) {
		b->root = n;
		return 0;
	}
	struct frame *f = &b->stack[b->depth - 1];
	struct ynode *top = f->node;
	if (top->type == YNODE_SEQ) {
		GROW(top->items, f->alloc, top->nitems + 1);
		top->items[top->nitems++] = n;
		return 0;
	}
	if (!map_wants_key(top)) {
		top->pairs[top->npairs - 1].value = n;
		return 0;
	}
	const struct ynode *first = key_seen(b, top, n, top->npairs);
	if (first) {
		set_error(b->err, b->name, n->line, n->col,
			  "duplicate key '%.*s' (first at line %u)",
			  key_shown_len(n), n->str, first->line);
		ynode_free(n);
		return -1;
	}
	GROW(top->pairs, f->alloc, top->npairs + 1);
	top->pairs[top->npairs].key = n;
	top->pairs[top->npairs].value = NULL;
	top->npairs++;
	return 0;
}

static int open_collection(struct builder *b, enum ynode_type type,
			   const yaml_mark_t *m)
{
	if (check_node(b, type, m))
		return -1;
	struct ynode *n = new_node(type, m);
	if (attach(b, n))
		return -1;
	GROW(b->stack, b->stack_alloc, b->depth + 1);
	b->stack[b->depth].node = n;
	b->stack[b->depth].alloc = 0;
	b->depth++;
	return 0;
}

static int add_scalar(struct builder *b, const yaml_event_t *ev)
{
	if (check_node(b, YNODE_SCALAR, &ev->start_mark))
		return -1;
	struct ynode *n = new_node(YNODE_SCALAR, &ev->start_mark);
	n->len = ev->data.scalar.length;
	n->str = xstrndup((const char *)ev->data.scalar.value, n->len);
	/* A tagged scalar ("!!str null") is never a null. */
	n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
		   !ev->data.scalar.tag;
	return attach(b, n);
}

/* Line and column (1-based, in characters) of byte offset off, counted as
 * libyaml does: for reader errors, which carry only an offset. */
static void offset_position(const struct builder *b, size_t off,
			    unsigned *line, unsigned *col)
{
	const unsigned char *s = b->text;
	size_t i = 0;
	unsigned l = 1, c = 1;
	if (off > b->len)
		off = b->len;
	if (off >= 3 && s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf)
		i = 3;
	for (; i < off; i++) {
		if (s[i] == '\n' || (s[i] == '\r' && (i + 1 >= b->len || s[i + 1] != '\n'))) {
			l++;
			c = 1;
		} else if ((s[i] & 0xc0) != 0x80 && s[i] != '\r') {
			c++;
		}
	}
	*line = l;
	*col = c;
}

/* The byte at line:col (as libyaml counts characters), or 0. */
static int text_at(const struct builder *b, unsigned line, unsigned col)
{
	const unsigned char *s = b->text, *end = b->text + b->len;
	if (!s)
		return 0;
	if (b->len >= 3 && s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf)
		s += 3;
	while (--line && s < end) {
		const unsigned char *nl = memchr(s, '\n', (size_t)(end - s));
		s = nl ? nl + 1 : end;
	}
	for (; s < end && --col; s++)
		while (s + 1 < end && (s[1] & 0xc0) == 0x80)
			s++;
	return s < end ? *s : 0;
}

static void libyaml_error(struct builder *b, const yaml_parser_t *p)
{
	const char *problem = p->problem ? p->problem : "invalid YAML";
	unsigned line, col;
	char extra[160] = "";

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		set_error(b->err, b->name, 0, 0, "out of memory parsing YAML");
		return;
	case YAML_READER_ERROR:
		offset_position(b, p->problem_offset, &line, &col);
		if (p->problem_value >= 0 && strstr(problem, "octet"))
			snprintf(extra, sizeof extra, " (byte 0x%02x)",
				 (unsigned)p->problem_value);
		else if (p->problem_value >= 0)
			snprintf(extra, sizeof extra, " (U+%04X)",
				 (unsigned)p->problem_value);
		break;
	default:
		line = (unsigned)p->problem_mark.line + 1;
		col = (unsigned)p->problem_mark.column + 1;
		if (text_at(b, line, col) == '\t')
			snprintf(extra, sizeof extra,
				 " (a tab: indent with spaces)");
		else if (p->context && (p->context_mark.line != p->problem_mark.line ||
					p->context_mark.column != p->problem_mark.column))
			snprintf(extra, sizeof extra,
				 " (%s at line %u, column %u)", p->context,
				 (unsigned)p->context_mark.line + 1,
				 (unsigned)p->context_mark.column + 1);
		break;
	}
	set_error(b->err, b->name, line, col, "%s%s", problem, extra);
}

/* Handle one event: 0 to go on, 1 at the end of the stream, -1 on error. */
static int handle_event(struct builder *b, const yaml_event_t *ev)
{
	const yaml_mark_t *m = &ev->start_mark;

	switch (ev->type) {
	case YAML_STREAM_END_EVENT:
		return 1;
	case YAML_DOCUMENT_START_EVENT:
		if (++b->docs > 1) {
			set_error(b->err, b->name, (unsigned)m->line + 1,
				  (unsigned)m->column + 1, "more than one document");
			return -1;
		}
		return 0;
	case YAML_ALIAS_EVENT:
		set_error(b->err, b->name, (unsigned)m->line + 1,
			  (unsigned)m->column + 1, "aliases are not allowed");
		return -1;
	case YAML_SCALAR_EVENT:
		return add_scalar(b, ev);
	case YAML_SEQUENCE_START_EVENT:
		return open_collection(b, YNODE_SEQ, m);
	case YAML_MAPPING_START_EVENT:
		return open_collection(b, YNODE_MAP, m);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		if (b->depth)
			b->depth--;
		return 0;
	default:
		return 0;
	}
}

static struct ynode *build(struct builder *b)
{
	yaml_parser_t parser;
	int rc = 0;

	if (!yaml_parser_initialize(&parser)) {
		set_error(b->err, b->name, 0, 0, "out of memory parsing YAML");
		return NULL;
	}
	yaml_parser_set_input_string(&parser, b->len ? b->text : (const unsigned char *)"",
				     b->len);
	while (rc == 0) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&parser, &ev)) {
			libyaml_error(b, &parser);
			rc = -1;
			break;
		}
		rc = handle_event(b, &ev);
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	free(b->stack);
	free(b->keys);
	if (rc < 0) {
		ynode_free(b->root);
		return NULL;
	}

	struct ynode *root = b->root;
	if (!root) {
		/* No document at all: empty, or only comments. */
		root = xcalloc(1, sizeof *root);
		root->type = YNODE_MAP;
		root->line = root->col = 1;
	} else if (root->type == YNODE_SCALAR && root->plain && !root->len) {
		/* "---" and nothing else. */
		free(root->str);
		root->str = NULL;
		root->plain = false;
		root->type = YNODE_MAP;
	}
	return root;
}

struct ynode *yaml_load_string(const char *text, size_t len, const char *name,
			       const struct yaml_limits *lim, struct yaml_error *err)
{
	struct yaml_error dummy;
	struct builder b;
	size_t max_bytes;

	if (!err)
		err = &dummy;
	memset(err, 0, sizeof *err);
	memset(&b, 0, sizeof b);
	b.name = display_name(name);
	b.err = err;
	resolve_limits(lim, &max_bytes, &b.max_depth, &b.max_nodes);
	if (len > max_bytes) {
		set_error(err, b.name, 0, 0, "file is larger than %zu bytes",
			  max_bytes);
		return NULL;
	}
	b.text = (const unsigned char *)text;
	b.len = text ? len : 0;
	return build(&b);
}

struct ynode *yaml_load_file(const char *path, const struct yaml_limits *lim,
			     struct yaml_error *err)
{
	struct yaml_error dummy;
	size_t max_bytes, nodes, len;
	unsigned depth;
	char *buf;

	if (!err)
		err = &dummy;
	memset(err, 0, sizeof *err);
	resolve_limits(lim, &max_bytes, &depth, &nodes);
	if (read_file(path, &buf, &len, max_bytes) != 0) {
		if (errno == EFBIG)
			set_error(err, display_name(path), 0, 0,
				  "file is larger than %zu bytes", max_bytes);
		else
			snprintf(err->msg, sizeof err->msg, "cannot read '%s': %s",
				 display_name(path), strerror(errno));
		return NULL;
	}
	struct ynode *root = yaml_load_string(buf, len, path, lim, err);
	free(buf);
	return root;
}

/* --- lookups and conversions */

static bool scalar_is(const struct ynode *n, const char *s)
{
	size_t len = strlen(s);
	return n->len == len && !memcmp(n->str, s, len);
}

struct ynode *ynode_get(const struct ynode *map, const char *key)
{
	if (!map || map->type != YNODE_MAP || !key)
		return NULL;
	for (size_t i = 0; i < map->npairs; i++)
		if (scalar_is(map->pairs[i].key, key))
			return map->pairs[i].value;
	return NULL;
}

bool ynode_is_null(const struct ynode *n)
{
	if (!n)
		return true;
	if (n->type != YNODE_SCALAR || !n->plain)
		return false;
	return !n->len || scalar_is(n, "~") || scalar_is(n, "null") ||
	       scalar_is(n, "Null") || scalar_is(n, "NULL");
}

/* A scalar as a C string without embedded NULs, or NULL. */
static const char *scalar_text(const struct ynode *n)
{
	if (!n || n->type != YNODE_SCALAR || !n->str || !n->len)
		return NULL;
	if (strlen(n->str) != n->len)
		return NULL;
	return n->str;
}

static bool one_of(const char *s, const char *const *words)
{
	for (; *words; words++)
		if (!strcmp(s, *words))
			return true;
	return false;
}

/* strtod in the C locale, whatever LC_NUMERIC the program chose. */
static double c_strtod(const char *s, char **end)
{
	static locale_t c_loc;
	if (!c_loc)
		c_loc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
	if (c_loc)
		return strtod_l(s, end, c_loc);
	return strtod(s, end);
}

/* Numbers are YAML's decimal floats and integers: [-+]digits[.digits][e[-+]digits]
 * (strtod's hex floats, "inf" and "nan" are not YAML), plus .inf and .nan.
 * An overflow ("1e999") is refused rather than read as infinity: write
 * .inf for that.  An underflow gives the nearest value. */
int ynode_double(const struct ynode *n, double *out)
{
	static const char *const pinf[] = { ".inf", ".Inf", ".INF",
		"+.inf", "+.Inf", "+.INF", NULL };
	static const char *const ninf[] = { "-.inf", "-.Inf", "-.INF", NULL };
	static const char *const nan_[] = { ".nan", ".NaN", ".NAN", NULL };
	const char *s = scalar_text(n);
	if (!s)
		return -1;
	if (one_of(s, pinf)) {
		*out = HUGE_VAL;
		return 0;
	}
	if (one_of(s, ninf)) {
		*out = -HUGE_VAL;
		return 0;
	}
	if (one_of(s, nan_)) {
		*out = (double)NAN;
		return 0;
	}
	bool digit = false;
	for (const char *p = s; *p; p++) {
		if (*p >= '0' && *p <= '9')
			digit = true;
		else if (!strchr("+-.eE", *p))
			return -1;
	}
	if (!digit)
		return -1;
	char *end;
	errno = 0;
	double v = c_strtod(s, &end);
	if (end != s + n->len)
		return -1;
	if (errno == ERANGE && isinf(v))
		return -1;
	*out = v;
	return 0;
}

int ynode_long(const struct ynode *n, long *out)
{
	const char *s = scalar_text(n);
	if (!s)
		return -1;
	const char *p = s + (*s == '-' || *s == '+');
	if (!*p)
		return -1;
	for (const char *q = p; *q; q++)
		if (*q < '0' || *q > '9')
			return -1;
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno == ERANGE || end != s + n->len)
		return -1;
	*out = v;
	return 0;
}

int ynode_bool(const struct ynode *n, bool *out)
{
	static const char *const yes[] = { "true", "True", "TRUE", "yes", "Yes",
		"YES", "on", "On", "ON", NULL };
	static const char *const no[] = { "false", "False", "FALSE", "no", "No",
		"NO", "off", "Off", "OFF", NULL };
	const char *s = scalar_text(n);
	if (!s)
		return -1;
	if (one_of(s, yes)) {
		*out = true;
		return 0;
	}
	if (one_of(s, no)) {
		*out = false;
		return 0;
	}
	return -1;
}

const char *ynode_type_name(const struct ynode *n)
{
	if (!n)
		return "nothing";
	switch (n->type) {
	case YNODE_MAP:
		return "mapping";
	case YNODE_SEQ:
		return "sequence";
	case YNODE_SCALAR:
		break;
	}
	return "scalar";
}

/* --- ${VAR} expansion */

static bool name_start(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool name_char(char c)
{
	return name_start(c) || (c >= '0' && c <= '9');
}

/* ${VAR} is the variable's value, ${VAR:-default} the value unless unset or
 * empty (as in the shell); the default is taken literally.  Anything else
 * after a '$', including a "${" that is not closed, is copied as is. */
char *yaml_expand_env(const char *s, char **missing)
{
	struct strbuf sb = STRBUF_INIT;

	if (missing)
		*missing = NULL;
	if (!s)
		return NULL;
	sb_grow(&sb, strlen(s));
	sb.buf[0] = '\0';
	while (*s) {
		const char *dollar = strstr(s, "${");
		if (!dollar) {
			sb_adds(&sb, s);
			break;
		}
		sb_add(&sb, s, (size_t)(dollar - s));
		const char *name = dollar + 2, *p = name;
		if (name_start(*p))
			while (name_char(*++p))
				;
		const char *def = NULL, *close = NULL;
		if (p > name && *p == '}') {
			close = p;
		} else if (p > name && p[0] == ':' && p[1] == '-') {
			def = p + 2;
			close = strchr(def, '}');
		}
		if (!close) {
			/* Not a reference: keep the "${" and go on after it. */
			sb_add(&sb, dollar, 2);
			s = dollar + 2;
			continue;
		}
		char *var = xstrndup(name, (size_t)(p - name));
		const char *val = getenv(var);
		if (def && (!val || !*val))
			sb_add(&sb, def, (size_t)(close - def));
		else if (val)
			sb_adds(&sb, val);
		else if (missing && !*missing) {
			*missing = var;
			var = NULL;
		}
		free(var);
		s = close + 1;
	}
	return sb_detach(&sb, NULL);
}
