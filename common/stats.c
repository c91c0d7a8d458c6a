/* Statistics: see stats.h.  Everything here is plain C with no state but a
 * cache of exact Mann-Whitney distributions that several threads can use
 * at once (see mw_exact_p). */
#include <config.h>

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "util.h"

static int cmp_wval(const void *pa, const void *pb)
{
	double a = ((const struct wval *)pa)->v, b = ((const struct wval *)pb)->v;
	return (a > b) - (a < b);
}

void stats_sort(struct wval *x, size_t n)
{
	if (n <= 32) {
		/* the usual handful of JMH iterations: insertion sort */
		for (size_t i = 1; i < n; i++) {
			struct wval t = x[i];
			size_t j = i;
			for (; j > 0 && x[j - 1].v > t.v; j--)
				x[j] = x[j - 1];
			x[j] = t;
		}
		return;
	}
	qsort(x, n, sizeof *x, cmp_wval);
}

double stats_weight(const struct wval *x, size_t n)
{
	double w = 0;
	for (size_t i = 0; i < n; i++)
		w += x[i].w;
	return w;
}

double stats_median(const struct wval *x, size_t n)
{
	if (n == 0)
		return NAN;
	double total = stats_weight(x, n), half = total / 2, cum = 0;
	for (size_t i = 0; i < n; i++) {
		cum += x[i].w;
		if (cum > half)
			return x[i].v;
		if (cum == half)
			return i + 1 < n ? (x[i].v + x[i + 1].v) / 2 : x[i].v;
	}
	return x[n - 1].v;
}

double stats_mean(const struct wval *x, size_t n)
{
	double s = 0, w = 0;
	for (size_t i = 0; i < n; i++) {
		s += x[i].v * x[i].w;
		w += x[i].w;
	}
	return w > 0 ? s / w : NAN;
}

size_t stats_trim_outliers(struct wval *x, size_t n)
{
	if (n < 3)
		return n;
	double med = stats_median(x, n);
	struct wval *dev = xmalloc(n * sizeof *dev);
	for (size_t i = 0; i < n; i++) {
		dev[i].v = fabs(x[i].v - med);
		dev[i].w = x[i].w;
	}
	stats_sort(dev, n);
	double mad = stats_median(dev, n);
	free(dev);
	if (!(mad > 0))
		return n;
	double limit = 3.5 * 1.4826 * mad, total = 0, removed = 0;
	for (size_t i = 0; i < n; i++) {
		total += x[i].w;
		if (fabs(x[i].v - med) > limit)
			removed += x[i].w;
	}
	if (removed == 0 || removed > total / 3)
		return n;
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (!(fabs(x[i].v - med) > limit))
			x[k++] = x[i];
	return k;
}

/* Sorted, with finite values only? */
static bool sorted_finite(const struct wval *x, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isfinite(x[i].v) || (i && x[i - 1].v > x[i].v))
			return false;
	return true;
}

/* Merge sorted a and b into out. */
static void merge_sorted(const struct wval *a, size_t na, const struct wval *b, size_t nb,
			 struct wval *out)
{
	size_t i = 0, j = 0, k = 0;
	while (i < na && j < nb)
		out[k++] = b[j].v < a[i].v ? b[j++] : a[i++];
	while (i < na)
		out[k++] = a[i++];
	while (j < nb)
		out[k++] = b[j++];
}

/* The deviations |v - med| of sorted, finite x, sorted, into dev: those
 * below med, read backwards, merged with those from med up. */
static void sorted_deviations(const struct wval *x, size_t n, double med, struct wval *dev)
{
	size_t mid = 0, k = 0;
	while (mid < n && x[mid].v < med)
		mid++;
	size_t lo = mid, hi = mid;   /* next below: x[lo - 1]; next above: x[hi] */
	while (lo > 0 || hi < n) {
		if (hi >= n || (lo > 0 && med - x[lo - 1].v < x[hi].v - med)) {
			lo--;
			dev[k++] = (struct wval){ med - x[lo].v, x[lo].w };
		} else {
			dev[k++] = (struct wval){ x[hi].v - med, x[hi].w };
			hi++;
		}
	}
}

size_t stats_trim_outliers_pooled(struct wval *a, size_t *na, struct wval *b, size_t *nb)
{
	size_t n = *na + *nb;
	if (n < 3)
		return 0;
	/* The usual sorted samples: merges instead of sorts, and no
	 * allocation for a few dozen.  Medians do not depend on the order
	 * of equal values, so both ways give the same. */
	struct wval few[2][64];
	struct wval *all = n <= 64 ? few[0] : xmalloc(n * sizeof *all);
	double med, mad;
	if (sorted_finite(a, *na) && sorted_finite(b, *nb)) {
		struct wval *dev = n <= 64 ? few[1] : xmalloc(n * sizeof *dev);
		merge_sorted(a, *na, b, *nb, all);
		med = stats_median(all, n);
		sorted_deviations(all, n, med, dev);
		mad = stats_median(dev, n);
		if (dev != few[1])
			free(dev);
	} else {
		memcpy(all, a, *na * sizeof *a);
		memcpy(all + *na, b, *nb * sizeof *b);
		stats_sort(all, n);
		med = stats_median(all, n);
		for (size_t i = 0; i < n; i++)
			all[i].v = fabs(all[i].v - med);
		stats_sort(all, n);
		mad = stats_median(all, n);
	}
	if (all != few[0])
		free(all);
	if (!(mad > 0))
		return 0;
	double limit = 3.5 * 1.4826 * mad, total = 0, removed = 0;
	for (size_t i = 0; i < *na; i++) {
		total += a[i].w;
		removed += fabs(a[i].v - med) > limit ? a[i].w : 0;
	}
	for (size_t i = 0; i < *nb; i++) {
		total += b[i].w;
		removed += fabs(b[i].v - med) > limit ? b[i].w : 0;
	}
	if (removed == 0 || removed > total / 3)
		return 0;
	size_t k = 0, dropped = 0;
	for (size_t i = 0; i < *na; i++)
		if (!(fabs(a[i].v - med) > limit))
			a[k++] = a[i];
	dropped += *na - k;
	*na = k;
	k = 0;
	for (size_t i = 0; i < *nb; i++)
		if (!(fabs(b[i].v - med) > limit))
			b[k++] = b[i];
	dropped += *nb - k;
	*nb = k;
	return dropped;
}

double stats_norm_sf(double z)
{
	return 0.5 * erfc(z / sqrt(2.0));
}

/* Exact null distribution of U for sample sizes m and n (no ties): the
 * coefficients of the Gaussian binomial [m+n choose m]_q, built as
 * prod_{i=1..m} (1 - q^(n+i)) / (1 - q^i), then turned into the cumulative
 * probabilities P(U <= u) (m*n + 1 of them, malloc'd). */
static long double *mw_make(unsigned m, unsigned n)
{
	size_t len = (size_t)m * n + 1;
	long double *c = xcalloc(len, sizeof *c);
	c[0] = 1;
	for (size_t i = 1; i <= m; i++) {
		/* Before this step c holds [n+i-1 choose i-1], of degree (i-1)n. */
		size_t k = n + i, top = (i - 1) * n + k;
		if (top > len - 1)
			top = len - 1;
		for (size_t d = top; d >= k && d <= top; d--)    /* * (1 - q^k) */
			c[d] -= c[d - k];
		for (size_t d = i; d <= top; d++)                /* / (1 - q^i) */
			c[d] += c[d - i];
		for (size_t d = i * n + 1; d <= top; d++)        /* exact zeros */
			c[d] = 0;
	}
	long double total = 0;
	for (size_t d = 0; d < len; d++)
		total += c[d];
	long double cum = 0;
	for (size_t d = 0; d < len; d++) {
		cum += c[d];
		c[d] = cum / total;
	}
	return c;
}

/* The distributions made so far, by sample sizes, kept for the run: a run
 * compares many benchmarks of a few sample sizes (trimming makes a dozen
 * or two of them).  Each is made once, under mw_lock, then published with
 * a release store and never changed or freed, so that looking one up
 * takes no lock and several threads can test at once.  At most
 * MW_KEEP_MAX are kept (a few megabytes at worst); past that, a test of
 * yet other sizes makes its distribution for itself. */
#define MW_KEEP_MAX 64
static long double *mw_kept[STATS_MW_EXACT_MAX + 1][STATS_MW_EXACT_MAX + 1];
static unsigned mw_nkept;
static pthread_mutex_t mw_lock = PTHREAD_MUTEX_INITIALIZER;

/* The exact test's p-value for U = u: P(U <= u) or P(U >= u), the
 * smaller, doubled. */
static double mw_exact_p(size_t na, size_t nb, double u)
{
	size_t ui = (size_t)llround(u);
	long double *cdf = __atomic_load_n(&mw_kept[na][nb], __ATOMIC_ACQUIRE), *own = NULL;
	if (!cdf) {
		pthread_mutex_lock(&mw_lock);
		cdf = mw_kept[na][nb];
		if (!cdf) {
			cdf = mw_make((unsigned)na, (unsigned)nb);
			if (mw_nkept < MW_KEEP_MAX) {
				mw_nkept++;
				__atomic_store_n(&mw_kept[na][nb], cdf, __ATOMIC_RELEASE);
			} else {
				own = cdf;
			}
		}
		pthread_mutex_unlock(&mw_lock);
	}
	long double lo = cdf[ui];                       /* P(U <= u) */
	/* P(U >= u) = P(U <= mn - u) by symmetry, without cancellation */
	long double hi = cdf[na * nb - ui];
	free(own);
	long double p = 2 * (lo < hi ? lo : hi);
	return p < 1 ? (double)p : 1.0;
}

double stats_mw_min_p(double na, double nb)
{
	if (!(na >= 1 && nb >= 1))
		return 1;
	/* log C(na+nb, na) */
	int sign;   /* (lgamma_r: lgamma's sign variable is shared by all threads) */
	double lc = lgamma_r(na + nb + 1, &sign) - lgamma_r(na + 1, &sign) - lgamma_r(nb + 1, &sign);
	double p = 2 * exp(-lc);
	return p < 1 ? p : 1;
}

static bool unit_weights(const struct wval *x, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (x[i].w != 1)
			return false;
	return true;
}

/* U for sorted a when a and b have unit weights and no two values alike,
 * counted in one merge (the pairs with b below a); false, to leave it to
 * the ranks, when that is not so. */
static bool mw_u_untied(const struct wval *a, size_t na, const struct wval *b, size_t nb,
			double *u)
{
	size_t i = 0, j = 0;
	uint64_t pairs = 0;
	double last = 0;
	bool any = false;
	while (i < na || j < nb) {
		bool from_b = i >= na || (j < nb && b[j].v < a[i].v);
		const struct wval *x = from_b ? &b[j++] : &a[i++];
		/* sorted input has equal values side by side in the merge */
		if (x->w != 1 || (any && !(x->v > last)))
			return false;
		if (!from_b)
			pairs += j;
		last = x->v;
		any = true;
	}
	*u = (double)pairs;
	return true;
}

double stats_mann_whitney(const struct wval *a, size_t na,
			  const struct wval *b, size_t nb, double *u_out)
{
	if (na == 0 || nb == 0)
		return NAN;
	double u0;
	if (na <= STATS_MW_EXACT_MAX && nb <= STATS_MW_EXACT_MAX && mw_u_untied(a, na, b, nb, &u0)) {
		if (u_out)
			*u_out = u0;
		return mw_exact_p(na, nb, u0);
	}
	/* Mid-ranks over the merged samples, in one pass over both. */
	double wa = 0, wb = 0, ra = 0, tie_sum = 0, rank = 0;
	bool ties = false;
	size_t i = 0, j = 0;
	while (i < na || j < nb) {
		double v;
		if (j >= nb || (i < na && a[i].v <= b[j].v))
			v = a[i].v;
		else
			v = b[j].v;
		double ta = 0, tb = 0;
		while (i < na && a[i].v == v)
			ta += a[i++].w;
		while (j < nb && b[j].v == v)
			tb += b[j++].w;
		double t = ta + tb;
		if (t > 1)
			ties = true;
		ra += ta * (rank + (t + 1) / 2);
		rank += t;
		tie_sum += t * t * t - t;
		wa += ta;
		wb += tb;
	}
	double u = ra - wa * (wa + 1) / 2;
	if (u_out)
		*u_out = u;
	if (!ties && na <= STATS_MW_EXACT_MAX && nb <= STATS_MW_EXACT_MAX &&
	    unit_weights(a, na) && unit_weights(b, nb)) {
		return mw_exact_p(na, nb, u);
	}
	double nn = wa + wb;
	double mu = wa * wb / 2;
	double var = wa * wb / 12 * ((nn + 1) - tie_sum / (nn * (nn - 1)));
	if (!(var > 0))
		return 1;
	double z = (fabs(u - mu) - 0.5) / sqrt(var);
	if (z < 0)
		z = 0;
	double p = 2 * stats_norm_sf(z);
	return p < 1 ? p : 1;
}

struct pidx {
	double p;
	size_t i;
};

/* The order of p as a 64-bit key: IEEE bits with negatives flipped, -0
 * as +0 (they compare equal). */
static inline uint64_t pidx_key(double p)
{
	uint64_t b;
	if (p == 0)
		p = 0;
	memcpy(&b, &p, sizeof b);
	return b >> 63 ? ~b : b | UINT64_C(1) << 63;
}

/* Stable LSD radix sort on pidx_key, eleven bits a pass (passes where
 * all keys share the digit skipped). */
#define RADIX_BITS 11
#define RADIX_PASSES 6
static void radix_pidx(struct pidx *s, size_t n)
{
	const size_t buckets = (size_t)1 << RADIX_BITS, mask = buckets - 1;
	uint32_t *count = xcalloc(RADIX_PASSES * buckets, sizeof *count);
	for (size_t j = 0; j < n; j++) {
		uint64_t k = pidx_key(s[j].p);
		for (int d = 0; d < RADIX_PASSES; d++)
			count[(size_t)d * buckets + ((k >> (d * RADIX_BITS)) & mask)]++;
	}
	struct pidx *tmp = xmalloc(n * sizeof *tmp), *from = s, *to = tmp;
	for (int d = 0; d < RADIX_PASSES; d++) {
		uint32_t *c = count + (size_t)d * buckets;
		int shift = d * RADIX_BITS;
		if (c[(pidx_key(from[0].p) >> shift) & mask] == n)
			continue;
		uint32_t sum = 0;
		for (size_t b = 0; b < buckets; b++) {
			uint32_t t = c[b];
			c[b] = sum;
			sum += t;
		}
		for (size_t j = 0; j < n; j++)
			to[c[(pidx_key(from[j].p) >> shift) & mask]++] = from[j];
		struct pidx *t = from;
		from = to;
		to = t;
	}
	if (from != s)
		memcpy(s, from, n * sizeof *s);
	free(tmp);
	free(count);
}

static int cmp_pidx(const void *pa, const void *pb)
{
	const struct pidx *a = pa, *b = pb;
	return (a->p > b->p) - (a->p < b->p);
}

/* Sort by p (no NaNs): big arrays by radix (several times quicker than
 * qsort's calls), small ones by qsort.  The order of equal p-values does
 * not matter to the q-values. */
static void sort_pidx(struct pidx *s, size_t n)
{
	if (n >= 256 && n <= UINT32_MAX)
		radix_pidx(s, n);
	else if (n > 1)
		qsort(s, n, sizeof *s, cmp_pidx);
}

void stats_bh_adjust(const double *p, size_t n, double *q)
{
	struct pidx *s = xmalloc((n ? n : 1) * sizeof *s);
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		q[i] = NAN;
		if (!isnan(p[i])) {
			s[m].p = p[i];
			s[m].i = i;
			m++;
		}
	}
	sort_pidx(s, m);
	double run = 1;
	for (size_t k = m; k-- > 0;) {
		double v = s[k].p * (double)m / (double)(k + 1);
		if (v < run)
			run = v;
		q[s[k].i] = run;
	}
	free(s);
}

double stats_percentile(const double *x, size_t n, double pct)
{
	if (n == 0)
		return NAN;
	if (n == 1)
		return x[0];
	double h = (double)(n - 1) * pct / 100.0;
	if (h <= 0)
		return x[0];
	if (h >= (double)(n - 1))
		return x[n - 1];
	size_t lo = (size_t)floor(h);
	return x[lo] + (h - (double)lo) * (x[lo + 1] - x[lo]);
}
