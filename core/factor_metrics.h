/* gst-nmf core: comparing factorizations, and planted test problems.
 *
 * - nmf_assignment_solve: exact minimum-cost assignment (Hungarian
 *   algorithm, O(r^3)), used to match estimated components to true ones.
 * - nmf_matched_column_mse: the metric of Table 2 of Fu, Huang, Sidiropoulos
 *   (IEEE SPL 2018):
 *       MSE = min over permutations pi of
 *             (1/r) sum_k || a_k/||a_k|| - b_pi(k)/||b_pi(k)|| ||^2
 *   over the columns of two N x r matrices. Exact: the cost is a sum of
 *   per-pair terms, so the best permutation is an assignment problem.
 * - nmf_xrng_*: a small deterministic PRNG (xoshiro256**, seeded through
 *   splitmix64), so tests and benchmarks reproduce bit for bit everywhere.
 * - nmf_planted_generate: the three synthetic cases of that Table 2. */
#ifndef NMF_FACTOR_METRICS_H
#define NMF_FACTOR_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include <nmf/error.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct
{
  uint64_t s[4];
} nmf_xrng;

/* Seed (any value, 0 included) and draw. Never fail. */
void nmf_xrng_seed (nmf_xrng * g, uint64_t seed);
uint64_t nmf_xrng_next (nmf_xrng * g);
/* Uniform on [0, 1), 53 random bits. */
double nmf_xrng_uniform (nmf_xrng * g);
/* Standard normal (Box-Muller, one draw per call: stateless apart from g). */
double nmf_xrng_normal (nmf_xrng * g);

/* Minimum-cost perfect assignment for an r x r row-major cost matrix
 * (finite entries): perm[k] is the column given to row k. `total` (may be
 * NULL) receives the sum of the chosen costs. */
nmf_status nmf_assignment_solve (const double *cost, size_t r, size_t *perm,
    double *total);

/* The permutation-matched MSE of normalized columns of two row-major
 * N x r matrices `ref` and `est`. perm (may be NULL, length r) receives the
 * column of `est` matched to each column of `ref`. A column of zero norm is
 * compared as the zero vector (so it costs about 1, not NaN).
 * NMF_ERR_NOT_FINITE if either matrix holds NaN or Inf. */
nmf_status nmf_matched_column_mse (const double *ref, const double *est,
    size_t n, size_t r, double *mse, size_t *perm);

typedef enum
{
  NMF_PLANTED_SPARSE_W = 1,     /* W uniform [0,1], a fraction zeroed */
  NMF_PLANTED_DENSE_W = 2,      /* W uniform [0,1] */
  NMF_PLANTED_GAUSSIAN_W = 3,   /* W i.i.d. standard normal */
} nmf_planted_case;

/* Fill w (m x r), h (n x r) and x = w h^T (m x n), all row-major. H is
 * uniform [0,1] with exactly round(zero_fraction * n * r) entries, chosen
 * at random, set to zero (the letter uses 0.35); so is W in the sparse
 * case. */
nmf_status nmf_planted_generate (nmf_planted_case which, size_t m, size_t n,
    size_t r, double zero_fraction, nmf_xrng * g, double *w, double *h,
    double *x);

#ifdef __cplusplus
}
#endif
#endif /* NMF_FACTOR_METRICS_H */
