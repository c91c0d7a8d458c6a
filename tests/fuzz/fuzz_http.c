/* libFuzzer target: our part of HTTP response handling: header lookup in
 * raw header blocks, Retry-After (seconds and HTTP dates), URL redaction. */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_response resp;
	memset(&resp, 0, sizeof resp);
	sb_add(&resp.headers, (const char *)data, size);
	static const char *const names[] = { "Retry-After", "retry-after", "Link",
					     "x-ratelimit-remaining", "x-ratelimit-reset", "" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		char *v = http_header(&resp, names[i]);
		if (v) {
			http_parse_retry_after(v, 1793491200LL);
			free(v);
		}
	}
	char *s = strndup((const char *)data, size);
	if (s) {
		long ms = http_parse_retry_after(s, 1793491200LL);
		if (ms < -1)
			abort();
		char *r = http_redact_url(s);
		if (r && strlen(r) > strlen(s) + 16)
			abort();
		free(r);
		free(s);
	}
	http_response_free(&resp);
	return 0;
}
