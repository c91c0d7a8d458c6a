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

bool pattern_match_folded(const char *pat, const char *pat_lower,
			  const char *text, const char *text_lower)
{
	if (pattern_is_glob(pat))
		return fnmatch(pat, text, FNM_CASEFOLD) == 0;
	return strstr(text_lower, pat_lower) != NULL;
}

void pattern_fold_in_place(char *s)
{
	for (char *p = s; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p + 32);
}

char *pattern_fold(const char *s)
{
	char *r = xstrdup(s);
	pattern_fold_in_place(r);
	return r;
}
