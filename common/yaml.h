/* A YAML reader on libyaml: loads a file into a small tree of maps,
 * sequences and scalars, each node with its line and column.
 * Refuses aliases (no "billion laughs"), duplicate keys, documents deeper
 * or larger than the limits, and more than one document. */
#ifndef PERF_YAML_H
#define PERF_YAML_H

#include <stdbool.h>
#include <stddef.h>

enum ynode_type { YNODE_SCALAR, YNODE_SEQ, YNODE_MAP };

struct ynode;
struct ypair {
	struct ynode *key;   /* always a scalar */
	struct ynode *value;
};

struct ynode {
	enum ynode_type type;
	unsigned line, col;  /* 1-based, of the node's start */
	/* scalar */
	char *str;           /* NUL-terminated value */
	size_t len;
	bool plain;          /* unquoted (so "null", "~" and "" mean null) */
	/* sequence */
	struct ynode **items;
	size_t nitems;
	/* map, in document order */
	struct ypair *pairs;
	size_t npairs;
};

struct yaml_limits {
	size_t max_bytes;    /* 0: 1 MiB */
	unsigned max_depth;  /* 0: 32 */
	size_t max_nodes;    /* 0: 100000 */
};

struct yaml_error {
	char msg[512];       /* "FILE:LINE:COL: what is wrong" */
	unsigned line, col;
};

/* Load the first and only document of path ("-" is stdin), or of a string.
 * An empty document gives an empty map.  Returns NULL with *err filled. */
struct ynode *yaml_load_file(const char *path, const struct yaml_limits *lim,
			     struct yaml_error *err);
struct ynode *yaml_load_string(const char *text, size_t len, const char *name,
			       const struct yaml_limits *lim, struct yaml_error *err);
void ynode_free(struct ynode *n);

/* For a map: the value of key, or NULL. */
struct ynode *ynode_get(const struct ynode *map, const char *key);
bool ynode_is_null(const struct ynode *n);
/* Scalar conversions: 0, or -1 when the scalar is not of that kind. */
int ynode_double(const struct ynode *n, double *out);  /* also .inf/.nan */
int ynode_long(const struct ynode *n, long *out);
int ynode_bool(const struct ynode *n, bool *out);      /* true/false/yes/no/on/off */
/* A human name for the type: "mapping", "sequence", "scalar". */
const char *ynode_type_name(const struct ynode *n);

/* Replace ${VAR} (and ${VAR:-default}) in s with the environment's value.
 * Returns a malloc'd string; *missing (may be NULL) is set to the first
 * unset variable's name (malloc'd) when one is unset and has no default,
 * which is then replaced by the empty string. */
char *yaml_expand_env(const char *s, char **missing);

#endif
