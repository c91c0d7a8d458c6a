/* A string-keyed hash map to size_t values (open addressing, FNV-1a).
 * Keys are not copied: they must outlive the map. */
#ifndef PERF_STRMAP_H
#define PERF_STRMAP_H

#include <stdbool.h>
#include <stddef.h>

struct strmap_slot {
	const char *key;
	size_t value;
	unsigned long hash;
};

struct strmap {
	struct strmap_slot *slots;
	size_t cap;   /* power of two */
	size_t n;
};

void strmap_init(struct strmap *m, size_t expected);
void strmap_free(struct strmap *m);
/* Insert or replace; returns true if the key was new, else false with
 * *old (may be NULL) receiving the value replaced. */
bool strmap_put(struct strmap *m, const char *key, size_t value, size_t *old);
/* Returns true and sets *value when present. */
bool strmap_get(const struct strmap *m, const char *key, size_t *value);

#endif
