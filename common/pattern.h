/* Name patterns used by configs (thresholds, direction, ignore) and by
 * bisect (keywords, paths).  A pattern with a glob character (* ? [) is an
 * fnmatch(3) glob matched against the whole text; any other pattern is a
 * substring.  Both ignore case. */
#ifndef PERF_PATTERN_H
#define PERF_PATTERN_H

#include <stdbool.h>

bool pattern_is_glob(const char *pat);
bool pattern_match(const char *pat, const char *text);
/* The same with lowercase copies of both at hand (ASCII case folding),
 * for callers that match many patterns against the same text. */
bool pattern_match_folded(const char *pat, const char *pat_lower,
			  const char *text, const char *text_lower);
/* A malloc'd ASCII-lowercase copy. */
char *pattern_fold(const char *s);
/* The same folding in place. */
void pattern_fold_in_place(char *s);

#endif
