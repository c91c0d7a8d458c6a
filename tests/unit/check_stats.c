/* Unit tests for common/stats.c. */
#include <config.h>

#include <math.h>
#include <pthread.h>
#include <stdlib.h>

#include "check_suites.h"
#include "stats.h"

static void fill(struct wval *x, const double *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		x[i].v = v[i];
		x[i].w = 1;
	}
	stats_sort(x, n);
}

START_TEST(test_median)
{
	struct wval x[4];
	fill(x, (double[]){ 4, 1, 3, 2 }, 4);
	ck_assert_double_eq_tol(stats_median(x, 4), 2.5, 1e-12);
	ck_assert_double_eq_tol(stats_median(x, 3), 2, 1e-12);
	ck_assert(isnan(stats_median(x, 0)));
	struct wval w[2] = { { 1, 3 }, { 10, 1 } };
	ck_assert_double_eq_tol(stats_median(w, 2), 1, 1e-12);
	struct wval h[2] = { { 1, 2 }, { 3, 2 } };
	ck_assert_double_eq_tol(stats_median(h, 2), 2, 1e-12);
	ck_assert_double_eq_tol(stats_mean(h, 2), 2, 1e-12);
}
END_TEST

START_TEST(test_trim)
{
	struct wval x[10];
	fill(x, (double[]){ 100, 101, 99, 100.5, 99.5, 100.2, 99.8, 100.1, 99.9, 130 }, 10);
	size_t n = stats_trim_outliers(x, 10);
	ck_assert_uint_eq(n, 9);
	ck_assert_double_eq_tol(x[8].v, 101, 1e-12);
	/* MAD 0: nothing removed */
	struct wval y[5];
	fill(y, (double[]){ 1, 1, 1, 1, 5 }, 5);
	ck_assert_uint_eq(stats_trim_outliers(y, 5), 5);
	/* two modes: more than a third would go, so nothing does */
	struct wval z[9];
	fill(z, (double[]){ 10, 10.1, 10.2, 10.1, 10, 20, 20.1, 20.2, 20 }, 9);
	ck_assert_uint_eq(stats_trim_outliers(z, 9), 9);
}
END_TEST

START_TEST(test_trim_pooled)
{
	struct wval a[5], b[5];
	fill(a, (double[]){ 100, 100.5, 99.5, 100.2, 130 }, 5);
	fill(b, (double[]){ 103, 103.4, 102.6, 103.1, 102.9 }, 5);
	size_t na = 5, nb = 5;
	ck_assert_uint_eq(stats_trim_outliers_pooled(a, &na, b, &nb), 1);
	ck_assert_uint_eq(na, 4);
	ck_assert_uint_eq(nb, 5);
	ck_assert_double_eq_tol(a[3].v, 100.5, 1e-12);
	/* a clean shift is not trimmed away */
	fill(a, (double[]){ 100, 100.5, 99.5, 100.2, 99.8 }, 5);
	na = 5;
	ck_assert_uint_eq(stats_trim_outliers_pooled(a, &na, b, &nb), 0);
	ck_assert_uint_eq(na + nb, 10);
	/* too few in all */
	na = 1;
	nb = 1;
	ck_assert_uint_eq(stats_trim_outliers_pooled(a, &na, b, &nb), 0);
}
END_TEST

START_TEST(test_mann_whitney_exact)
{
	struct wval a[5], b[5];
	fill(a, (double[]){ 1, 2, 3, 4, 5 }, 5);
	fill(b, (double[]){ 6, 7, 8, 9, 10 }, 5);
	double u;
	/* scipy.stats.mannwhitneyu(..., method="exact"): 0.007936507936507936 */
	ck_assert_double_eq_tol(stats_mann_whitney(a, 5, b, 5, &u), 2.0 / 252, 1e-12);
	ck_assert_double_eq_tol(u, 0, 1e-12);
	ck_assert_double_eq_tol(stats_mann_whitney(b, 5, a, 5, &u), 2.0 / 252, 1e-12);
	ck_assert_double_eq_tol(u, 25, 1e-12);
	ck_assert_double_eq_tol(stats_mann_whitney(a, 3, b, 3, NULL), 0.1, 1e-12);
	/* interleaved: 1 3 5 7 9 vs 2 4 6 8 10 -> U = 10, p = 0.6904761904761905 */
	fill(a, (double[]){ 1, 3, 5, 7, 9 }, 5);
	fill(b, (double[]){ 2, 4, 6, 8, 10 }, 5);
	ck_assert_double_eq_tol(stats_mann_whitney(a, 5, b, 5, &u), 0.6904761904761905, 1e-12);
	ck_assert_double_eq_tol(u, 10, 1e-12);
	ck_assert(isnan(stats_mann_whitney(a, 0, b, 5, NULL)));
}
END_TEST

START_TEST(test_mann_whitney_large_exact)
{
	/* 50 vs 50 fully separated: p = 2 / C(100, 50) */
	struct wval a[50], b[50];
	for (int i = 0; i < 50; i++) {
		a[i].v = i;
		a[i].w = 1;
		b[i].v = 100 + i;
		b[i].w = 1;
	}
	double p = stats_mann_whitney(a, 50, b, 50, NULL);
	ck_assert_double_eq_tol(p / 1.9823306042836678e-29, 1.0, 1e-9);
	ck_assert_double_eq_tol(stats_mw_min_p(50, 50), p, p * 1e-9);
}
END_TEST

START_TEST(test_mann_whitney_ties)
{
	/* With ties: normal approximation with tie and continuity correction,
	 * checked against the formula worked by hand. */
	struct wval a[5], b[5];
	fill(a, (double[]){ 1, 1, 2, 2, 3 }, 5);
	fill(b, (double[]){ 2, 3, 3, 4, 4 }, 5);
	double u, p = stats_mann_whitney(a, 5, b, 5, &u);
	ck_assert_double_eq_tol(u, 3, 1e-12);
	/* mu 12.5; ties: {1:2, 2:3, 3:3, 4:2} -> sum t^3-t = 6+24+24+6 = 60,
	 * var = 25/12 * (11 - 60/90), U = 18 - 15 = 3, z = (9.5 - 0.5)/sd */
	ck_assert_double_eq_tol(p, 2 * stats_norm_sf((9.5 - 0.5) / sqrt(25.0 / 12 * (11 - 60.0 / 90))), 1e-12);
	/* Weighted (histogram) samples go the same way */
	struct wval ha[3] = { { 1, 2 }, { 2, 2 }, { 3, 1 } };
	struct wval hb[3] = { { 2, 1 }, { 3, 2 }, { 4, 2 } };
	ck_assert_double_eq_tol(stats_mann_whitney(ha, 3, hb, 3, &u), p, 1e-12);
	ck_assert_double_eq_tol(u, 3, 1e-12);
	/* all equal: no evidence at all */
	fill(a, (double[]){ 5, 5, 5, 5, 5 }, 5);
	fill(b, (double[]){ 5, 5, 5, 5, 5 }, 5);
	ck_assert_double_eq_tol(stats_mann_whitney(a, 5, b, 5, NULL), 1, 1e-12);
}
END_TEST

START_TEST(test_mann_whitney_normal_big)
{
	/* 200 vs 200 shifted: normal approximation, tiny p; unshifted
	 * interleaved: p near 1. */
	struct wval *a = malloc(200 * sizeof *a), *b = malloc(200 * sizeof *b);
	for (int i = 0; i < 200; i++) {
		a[i].v = i;
		a[i].w = 1;
		b[i].v = i + 0.5;
		b[i].w = 1;
	}
	double p = stats_mann_whitney(a, 200, b, 200, NULL);
	ck_assert(p > 0.9);
	for (int i = 0; i < 200; i++)
		b[i].v = i + 150;
	p = stats_mann_whitney(a, 200, b, 200, NULL);
	ck_assert(p < 1e-50);
	free(a);
	free(b);
}
END_TEST

START_TEST(test_min_p)
{
	ck_assert_double_eq_tol(stats_mw_min_p(3, 3), 0.1, 1e-12);
	ck_assert_double_eq_tol(stats_mw_min_p(1, 1), 1, 1e-12);
	ck_assert_double_eq_tol(stats_mw_min_p(5, 5), 2.0 / 252, 1e-12);
	ck_assert_double_eq_tol(stats_mw_min_p(0, 5), 1, 1e-12);
	ck_assert(stats_mw_min_p(10, 10) < 1.1e-5);
}
END_TEST

START_TEST(test_bh)
{
	double p[5] = { 0.01, 0.04, 0.03, 0.005, NAN }, q[5];
	stats_bh_adjust(p, 5, q);
	ck_assert_double_eq_tol(q[0], 0.02, 1e-12);
	ck_assert_double_eq_tol(q[1], 0.04, 1e-12);
	ck_assert_double_eq_tol(q[2], 0.04, 1e-12);
	ck_assert_double_eq_tol(q[3], 0.02, 1e-12);
	ck_assert(isnan(q[4]));
	double one[1] = { 0.3 }, q1[1];
	stats_bh_adjust(one, 1, q1);
	ck_assert_double_eq_tol(q1[0], 0.3, 1e-12);
	stats_bh_adjust(NULL, 0, NULL);
	double big[2] = { 0.9, 0.8 }, qb[2];
	stats_bh_adjust(big, 2, qb);
	ck_assert_double_eq_tol(qb[0], 0.9, 1e-12);
	ck_assert_double_eq_tol(qb[1], 0.9, 1e-12);
}
END_TEST

/* Benjamini-Hochberg the plain way: O(n^2), each q the least of
 * p_j * m / rank_j over the p_j >= p_i. */
static void bh_reference(const double *p, size_t n, double *q)
{
	size_t m = 0;
	double *v = malloc(n * sizeof *v);
	ck_assert_ptr_nonnull(v);
	for (size_t i = 0; i < n; i++)
		m += !isnan(p[i]);
	for (size_t j = 0; j < n; j++) {
		size_t rank = 0;   /* the last position p[j] can have */
		for (size_t k = 0; k < n; k++)
			rank += !isnan(p[k]) && p[k] <= p[j];
		v[j] = isnan(p[j]) ? NAN : p[j] * (double)m / (double)rank;
	}
	for (size_t i = 0; i < n; i++) {
		q[i] = NAN;
		if (isnan(p[i]))
			continue;
		double best = 1;
		for (size_t j = 0; j < n; j++)
			if (!isnan(p[j]) && p[j] >= p[i] && v[j] < best)
				best = v[j];
		q[i] = best;
	}
	free(v);
}

START_TEST(test_bh_big)
{
	/* Past the size sorted by radix: ties, zeros of both signs, values
	 * of every magnitude, NaNs; the same q-values as the plain way. */
	enum { N = 1500 };
	static double p[N], q[N], want[N];
	unsigned long long x = 88172645463325252ULL;
	for (size_t i = 0; i < N; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		switch (x % 7) {
		case 0: p[i] = (double)(x % 20) / 20; break;         /* ties */
		case 1: p[i] = (x >> 8) % 2 ? 0.0 : -0.0; break;
		case 2: p[i] = NAN; break;
		case 3: p[i] = ldexp((double)(x >> 11), -53 - (int)(x % 900)); break;
		default: p[i] = (double)(x >> 11) / 9007199254740992.0;
		}
	}
	for (int round = 0; round < 4; round++) {
		if (round >= 2) {
			/* all close together: the order only in the lowest
			 * bits, or the middle ones */
			for (size_t i = 0; i < N; i++)
				p[i] = 0.001 * (1 + ldexp((double)((i * 7919) % N), round == 2 ? -50 : -30));
		} else if (round == 1) {
			/* p * m / rank rising with the rank, so that every
			 * q-value is its own p's and any slip in the order
			 * shows; spread over 20 binades, shuffled. */
			for (size_t i = 0; i < N; i++)
				p[i] = ldexp((double)(i + 1) * (double)(i + 1) + 0.37 * (double)i, -40);
			for (size_t i = N - 1; i > 0; i--) {
				x ^= x << 13;
				x ^= x >> 7;
				x ^= x << 17;
				size_t j = (size_t)(x % (i + 1));
				double t = p[i];
				p[i] = p[j];
				p[j] = t;
			}
		}
		stats_bh_adjust(p, N, q);
		bh_reference(p, N, want);
		for (size_t i = 0; i < N; i++) {
			if (isnan(want[i]))
				ck_assert(isnan(q[i]));
			else
				ck_assert_msg(q[i] == want[i], "q[%zu] = %.17g, expected %.17g (p %.17g)",
					      i, q[i], want[i], p[i]);
		}
	}
}
END_TEST

START_TEST(test_percentile)
{
	double x[4] = { 1, 2, 3, 4 };
	ck_assert_double_eq_tol(stats_percentile(x, 4, 95), 3.85, 1e-12);
	ck_assert_double_eq_tol(stats_percentile(x, 4, 50), 2.5, 1e-12);
	ck_assert_double_eq_tol(stats_percentile(x, 4, 0), 1, 1e-12);
	ck_assert_double_eq_tol(stats_percentile(x, 4, 100), 4, 1e-12);
	ck_assert_double_eq_tol(stats_percentile(x, 1, 95), 1, 1e-12);
	ck_assert(isnan(stats_percentile(x, 0, 50)));
}
END_TEST

START_TEST(test_norm_sf)
{
	ck_assert_double_eq_tol(stats_norm_sf(0), 0.5, 1e-15);
	ck_assert_double_eq_tol(stats_norm_sf(1.959963984540054), 0.025, 1e-12);
	ck_assert(stats_norm_sf(40) < 1e-300);
}
END_TEST

/* Exact tests on two threads at once, over more pairs of sample sizes
 * than the distribution cache keeps (the others are made for each test):
 * the same p-values as on one thread. */
#define MW_SIZES 100
static double mw_expected[MW_SIZES];

static double mw_case(int k)
{
	struct wval a[40], b[40];
	int na = 2 + k % 10, nb = 2 + k / 10;
	for (int i = 0; i < na; i++)
		a[i] = (struct wval){ 10.0 + 2 * i, 1 };
	for (int i = 0; i < nb; i++)
		b[i] = (struct wval){ 13.5 + 1.5 * i, 1 };
	return stats_mann_whitney(a, (size_t)na, b, (size_t)nb, NULL);
}

static void *mw_worker(void *arg)
{
	int start = *(const int *)arg;
	for (int round = 0; round < 200; round++) {
		int k = (start + round * 7) % MW_SIZES;
		if (mw_case(k) != mw_expected[k])
			return (void *)1;
	}
	return NULL;
}

START_TEST(test_mann_whitney_threads)
{
	for (int k = 0; k < MW_SIZES; k++) {
		mw_expected[k] = mw_case(k);
		ck_assert(mw_expected[k] > 0 && mw_expected[k] <= 1);
	}
	pthread_t th[2];
	int start[2] = { 0, 5 };
	void *bad[2];
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, mw_worker, &start[i]), 0);
	for (int i = 0; i < 2; i++) {
		pthread_join(th[i], &bad[i]);
		ck_assert_ptr_null(bad[i]);
	}
}
END_TEST

Suite *suite_stats(void)
{
	Suite *s = suite_create("stats");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_median);
	tcase_add_test(tc, test_bh_big);
	tcase_add_test(tc, test_trim);
	tcase_add_test(tc, test_trim_pooled);
	tcase_add_test(tc, test_mann_whitney_exact);
	tcase_add_test(tc, test_mann_whitney_large_exact);
	tcase_add_test(tc, test_mann_whitney_ties);
	tcase_add_test(tc, test_mann_whitney_normal_big);
	tcase_add_test(tc, test_mann_whitney_threads);
	tcase_add_test(tc, test_min_p);
	tcase_add_test(tc, test_bh);
	tcase_add_test(tc, test_percentile);
	tcase_add_test(tc, test_norm_sf);
	suite_add_tcase(s, tc);
	return s;
}
