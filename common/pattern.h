/* Name patterns used by configs (thresholds, direction, ignore) and by
 * bisect (keywords, paths).  A pattern with a glob character (* ? [) is an
 * fnmatch(3) glob matched against the whole text; any other pattern is a
 * substring.  Both ignore case. */
#ifndef PERF_PATTERN_H
#define PERF_PATTERN_H

#include <stdbool.h>

bool pattern_is_glob(const char *pat);
bool pattern_match(const char *pat, const char *text);

#endif
