/* libFuzzer target: the history line reader (torn lines, garbage, seeks)
 * and the dotted metric lookup, on a file holding the input. */
#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "history.h"
#include "msg.h"

static int each(const struct history_record *rec, void *ctx)
{
	double v;
	(void)ctx;
	history_metric(rec->doc, 0, "chunk_loading.average_ms", &v);
	history_metric(rec->doc, 0, "tps", &v);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	if (!path[0]) {
		snprintf(path, sizeof path, "/tmp/fuzz-history-%d.jsonl", (int)getpid());
		msg_verbosity = -1;
	}
	FILE *fp = fopen(path, "w");
	if (!fp)
		return 0;
	fwrite(data, 1, size, fp);
	fclose(fp);
	char err[512];
	/* a week in the middle of 2026, and everything */
	history_scan(path, 1793491200, 1793491200 + 7 * 86400, each, NULL, err, sizeof err);
	history_scan(path, 0, (time_t)1 << 40, each, NULL, err, sizeof err);
	unlink(path);
	return 0;
}
