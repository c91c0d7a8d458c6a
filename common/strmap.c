/* String-keyed hash map: see strmap.h. */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"
#include "util.h"

/* Eight bytes a step (keys are often long names with long common
 * prefixes), each step a multiply and a shift, then a final mix. */
static unsigned long hash_str(const char *s)
{
	size_t n = strlen(s);
	uint64_t h = UINT64_C(0x9e3779b97f4a7c15) ^ n, w;
	for (; n >= 8; n -= 8, s += 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * UINT64_C(0xff51afd7ed558ccd);
		h ^= h >> 32;
	}
	w = 0;
	memcpy(&w, s, n);
	h = (h ^ w) * UINT64_C(0xc4ceb9fe1a85ec53);
	h ^= h >> 29;
	h *= UINT64_C(0xff51afd7ed558ccd);
	h ^= h >> 32;
	return (unsigned long)h;
}

void strmap_init(struct strmap *m, size_t expected)
{
	size_t cap = 16;
	while (cap < expected * 2)
		cap *= 2;
	/* Zeroes written rather than calloc'd: a big calloc gets fresh pages
	 * that the first probe maps to the shared zero page and the first
	 * insert then copies, a second fault per page that, when other
	 * threads run, also costs a TLB shootdown on every other CPU. */
	m->slots = big_alloc(cap * sizeof *m->slots);
	memset(m->slots, 0, cap * sizeof *m->slots);
	m->cap = cap;
	m->n = 0;
}

void strmap_free(struct strmap *m)
{
	big_free(m->slots, m->cap * sizeof *m->slots);
	memset(m, 0, sizeof *m);
}

static struct strmap_slot *find(const struct strmap *m, const char *key, unsigned long h)
{
	size_t i = h & (m->cap - 1);
	for (;;) {
		struct strmap_slot *s = &m->slots[i];
		if (!s->key || (s->hash == h && !strcmp(s->key, key)))
			return s;
		i = (i + 1) & (m->cap - 1);
	}
}

bool strmap_put(struct strmap *m, const char *key, size_t value, size_t *old)
{
	if ((m->n + 1) * 2 > m->cap) {
		struct strmap grown;
		strmap_init(&grown, m->cap);
		for (size_t i = 0; i < m->cap; i++)
			if (m->slots[i].key)
				*find(&grown, m->slots[i].key, m->slots[i].hash) = m->slots[i];
		grown.n = m->n;
		big_free(m->slots, m->cap * sizeof *m->slots);
		*m = grown;
	}
	unsigned long h = hash_str(key);
	struct strmap_slot *s = find(m, key, h);
	if (s->key) {
		if (old)
			*old = s->value;
		s->value = value;
		return false;
	}
	s->key = key;
	s->hash = h;
	s->value = value;
	m->n++;
	return true;
}

bool strmap_get(const struct strmap *m, const char *key, size_t *value)
{
	if (!m->cap)
		return false;
	struct strmap_slot *s = find(m, key, hash_str(key));
	if (!s->key)
		return false;
	*value = s->value;
	return true;
}
