/* gst-nmf tests: planted factorizations and their scoring, after Table 2 of
 * Fu, Huang, Sidiropoulos, "On identifiability of nonnegative matrix
 * factorization" (IEEE SPL 2018).
 *
 * - nmf_matched_column_mse: the letter's metric,
 *       MSE = min over permutations pi of
 *             (1/r) sum_k || a_k/||a_k|| - b_pi(k)/||b_pi(k)|| ||^2
 *   over the columns of two N x r matrices; the cost is a sum of per-pair
 *   terms, so the best permutation is an assignment problem (solved
 *   exactly, core/hungarian.h).
 * - nmf_planted_generate: the letter's three synthetic cases. */
#ifndef NMF_TEST_PLANTED_H
#define NMF_TEST_PLANTED_H

#include <stddef.h>

#include <nmf/error.h>

#include "rng.h"

/* The permutation-matched MSE of normalized columns of two row-major
 * N x r matrices `ref` and `est`.  perm (may be NULL, length r) receives
 * the column of `est` matched to each column of `ref`.  A column of zero
 * norm is compared as the zero vector (so it costs about 1, not NaN).
 * NMF_ERR_NOT_FINITE if either matrix holds NaN or Inf. */
nmf_status nmf_matched_column_mse (const double *ref, const double *est,
    size_t n, size_t r, double *mse, size_t *perm);

typedef enum
{
  NMF_PLANTED_SPARSE_W = 1,     /* W uniform [0,1], a fraction zeroed */
  NMF_PLANTED_DENSE_W = 2,      /* W uniform [0,1] */
  NMF_PLANTED_GAUSSIAN_W = 3,   /* W i.i.d. standard normal */
} nmf_planted_case;

/* Fill w (m x r), h (n x r) and x = w h^T (m x n), all row-major.  H is
 * uniform [0,1] with exactly round(zero_fraction * n * r) entries, chosen
 * at random, set to zero (the letter uses 0.35); so is W in the sparse
 * case. */
nmf_status nmf_planted_generate (nmf_planted_case which, size_t m, size_t n,
    size_t r, double zero_fraction, nmf_xrng * g, double *w, double *h,
    double *x);

#endif /* NMF_TEST_PLANTED_H */
