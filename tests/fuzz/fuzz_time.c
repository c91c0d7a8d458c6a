/* libFuzzer target: the date and duration parsers.  A parsed time must
 * format and parse back to the same instant. */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "timeutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 64)
		return 0;
	char s[65], err[256], buf[TIME_RFC3339_LEN];
	memcpy(s, data, size);
	s[size] = '\0';
	time_t t, back;
	if (time_parse(s, &t, err, sizeof err) == 0) {
		time_format_rfc3339(t, buf, sizeof buf);
		if (time_parse(buf, &back, err, sizeof err) != 0 || back != t)
			abort();
	}
	long long secs;
	if (time_parse_duration(s, &secs, err, sizeof err) == 0 && secs < 0)
		abort();
	return 0;
}
