/* Statistics for honest comparisons: medians, outlier trimming, the
 * Mann-Whitney U test (exact for small samples), Benjamini-Hochberg false
 * discovery rate control, percentiles and geometric means.
 *
 * Samples are (value, weight) pairs so that JMH's sample-mode histograms
 * (value, count) and plain raw data (weight 1) go through the same code. */
#ifndef PERF_STATS_H
#define PERF_STATS_H

#include <stdbool.h>
#include <stddef.h>

struct wval {
	double v;
	double w;   /* weight (count), > 0 */
};

/* Sort by value, ascending. */
void stats_sort(struct wval *x, size_t n);
/* Total weight. */
double stats_weight(const struct wval *x, size_t n);
/* Weighted median of sorted x (mean of the two middle values when the
 * weight splits exactly in half).  NAN for n == 0. */
double stats_median(const struct wval *x, size_t n);
/* Weighted mean. */
double stats_mean(const struct wval *x, size_t n);

/* Remove outliers from sorted x in place by the modified z-score rule
 * (Iglewicz and Hoaglin): |x - median| > 3.5 * 1.4826 * MAD.  Nothing is
 * removed when MAD is 0 or when the rule would remove more than a third of
 * the weight (then the "outliers" are a mode of their own).  Returns the new
 * count. */
size_t stats_trim_outliers(struct wval *x, size_t n);

/* The same rule with the median and MAD of both samples pooled, applied to
 * each: trimming that does not look at which side a value is on, so the
 * rank test on what is left stays exact under the null hypothesis.
 * Returns how many values were dropped; *na and *nb are updated. */
size_t stats_trim_outliers_pooled(struct wval *a, size_t *na, struct wval *b, size_t *nb);

/* Two-sided Mann-Whitney U test of sorted samples a and b.  Exact
 * distribution when both have unit weights, at most STATS_MW_EXACT_MAX
 * samples and no ties; otherwise the normal approximation with tie and
 * continuity correction.  Returns the p-value (NAN when a side is empty);
 * *u (may be NULL) receives U for a. */
#define STATS_MW_EXACT_MAX 50
double stats_mann_whitney(const struct wval *a, size_t na,
			  const struct wval *b, size_t nb, double *u);
/* The smallest two-sided p-value the test can give for sample weights na and
 * nb (no ties): 2 / C(na + nb, na), at most 1.  When it exceeds alpha the
 * test can never reject and the decision must rest on the threshold. */
double stats_mw_min_p(double na, double nb);

/* Benjamini-Hochberg adjusted p-values (q-values) of p[0..n) into q.
 * NAN entries are left out of the family and stay NAN. */
void stats_bh_adjust(const double *p, size_t n, double *q);

/* Percentile pct (0..100) of sorted plain values, linear interpolation
 * between closest ranks (numpy's default).  NAN for n == 0. */
double stats_percentile(const double *sorted, size_t n, double pct);

/* Standard normal survival function, 1 - Phi(z). */
double stats_norm_sf(double z);

#endif
