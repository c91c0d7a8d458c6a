/* libFuzzer target: the strict JSON reader and the writer.  Every document
 * that parses is written back with jw_value (walking every string and
 * number) and must parse again. */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "jsonw.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_doc doc;
	struct json_error err;
	json_init(&doc);
	if (json_parse(&doc, (const char *)data, size, NULL, "fuzz", 0, &err) == 0) {
		struct strbuf sb = STRBUF_INIT;
		struct jsonw w;
		jw_init_sb(&w, &sb, size & 1);
		jw_value(&w, &doc, 0);
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
