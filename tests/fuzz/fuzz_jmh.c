/* libFuzzer target: the JMH loader (the single-pass reader of jmh.c). */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jmh.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* jmh_parse wants the text NUL-terminated at len, as read_file does. */
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	struct jmh_file f;
	char err[512];
	if (jmh_parse(text, size, "fuzz.json", &f, err, sizeof err) == 0) {
		for (size_t i = 0; i < f.n; i++) {
			const struct jmh_result *r = &f.results[i];
			if (!r->benchmark || !r->mode || !r->label || !r->key)
				abort();
			for (size_t k = 0; k + 1 < r->primary.nsamples; k++)
				if (r->primary.samples[k].v > r->primary.samples[k + 1].v)
					abort();
		}
		sb_release(&f.warnings);
		jmh_file_free(&f);
	} else if (strncmp(err, "fuzz.json:", 10) != 0) {
		abort();   /* every error names the file and the place */
	}
	free(text);
	return 0;
}
