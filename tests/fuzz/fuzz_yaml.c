/* libFuzzer target: the YAML reader (limits, aliases, positions) and the
 * scalar conversions. */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>

#include "yaml.h"

static void walk(const struct ynode *n)
{
	double d;
	long l;
	bool b;
	switch (n->type) {
	case YNODE_SCALAR:
		ynode_double(n, &d);
		ynode_long(n, &l);
		ynode_bool(n, &b);
		free(yaml_expand_env(n->str, NULL));
		break;
	case YNODE_SEQ:
		for (size_t i = 0; i < n->nitems; i++)
			walk(n->items[i]);
		break;
	case YNODE_MAP:
		for (size_t i = 0; i < n->npairs; i++) {
			walk(n->pairs[i].key);
			walk(n->pairs[i].value);
		}
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct yaml_error err;
	struct yaml_limits lim = { .max_bytes = 1 << 16, .max_depth = 32, .max_nodes = 10000 };
	struct ynode *root = yaml_load_string((const char *)data, size, "fuzz.yml", &lim, &err);
	if (root) {
		walk(root);
		ynode_free(root);
	}
	return 0;
}
