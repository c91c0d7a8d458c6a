/* Name patterns: see pattern.h. */
#include <config.h>

#include <fnmatch.h>
#include <string.h>

#include "pattern.h"
#include "util.h"

bool pattern_is_glob(const char *pat)
{
	return strpbrk(pat, "*?[") != NULL;
}

bool pattern_match(const char *pat, const char *text)
{
	if (pattern_is_glob(pat))
		return fnmatch(pat, text, FNM_CASEFOLD) == 0;
	return strcasestr_ascii(text, pat) != NULL;
}
