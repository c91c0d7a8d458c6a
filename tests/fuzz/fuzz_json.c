/* libFuzzer target: the strict JSON reader and the writer.  Every document
 * that parses is walked (strings, numbers), written back with jsonw and
 * must parse again. */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "jsonw.h"

static void rewrite(struct jsonw *w, const struct json_doc *d, int i)
{
	switch (json_type(d, i)) {
	case JSMN_OBJECT:
		jw_obj_begin(w);
		for (int k = json_first(d, i); k >= 0; k = json_next(d, i, k)) {
			char *key = json_string(d, k);
			jw_key(w, key);
			free(key);
			rewrite(w, d, k + 1);
		}
		jw_obj_end(w);
		break;
	case JSMN_ARRAY:
		jw_arr_begin(w);
		for (int k = json_first(d, i); k >= 0; k = json_next(d, i, k))
			rewrite(w, d, k);
		jw_arr_end(w);
		break;
	case JSMN_STRING: {
		char *s = json_string(d, i);
		jw_str(w, s);
		free(s);
		break;
	}
	default: {
		double v;
		bool b;
		if (json_number(d, i, &v) == 0)
			jw_num(w, v);
		else if (json_bool(d, i, &b) == 0)
			jw_bool(w, b);
		else
			jw_null(w);
	}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_doc doc;
	struct json_error err;
	json_init(&doc);
	if (json_parse(&doc, (const char *)data, size, NULL, "fuzz", 0, &err) == 0) {
		struct strbuf sb = STRBUF_INIT;
		struct jsonw w;
		jw_init_sb(&w, &sb, size & 1);
		rewrite(&w, &doc, 0);
		jw_end(&w);
		struct json_doc again;
		json_init(&again);
		if (json_parse(&again, sb.buf, sb.len, NULL, "rewritten", 0, &err) != 0)
			abort();
		json_free(&again);
		sb_release(&sb);
	} else {
		char buf[512];
		json_error_format(&doc, &err, buf, sizeof buf);
	}
	json_free(&doc);
	return 0;
}
