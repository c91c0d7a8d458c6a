/* Name patterns: see pattern.h. */
#include <config.h>

#include <fnmatch.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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
	char *p = s;
#if defined(__SSE2__)
	/* Sixteen bytes at a time while no NUL is among them: A-Z are the
	 * bytes that, less 'A' (wrapping), are below 26. */
	size_t n = strlen(s);
	const __m128i a = _mm_set1_epi8('A'), top = _mm_set1_epi8(25), bit = _mm_set1_epi8(32);
	for (; n >= 16; n -= 16, p += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
		__m128i d = _mm_sub_epi8(x, a);
		__m128i upper = _mm_cmpeq_epi8(_mm_min_epu8(d, top), d);
		_mm_storeu_si128((__m128i *)(void *)p, _mm_or_si128(x, _mm_and_si128(upper, bit)));
	}
#endif
	for (; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p + 32);
}

char *pattern_fold(const char *s)
{
	char *r = xstrdup(s);
	pattern_fold_in_place(r);
	return r;
}
