/* gst-nmf core: batch KL-NMF in double precision.
 *
 * X (M x N, >= 0) ~ W H^T with W (M x r) >= 0 and H (N x r) >= 0 (H is N x r
 * as in the Fu-Huang-Sidiropoulos letter, not r x N), by the Lee-Seung
 * multiplicative updates for the generalized Kullback-Leibler divergence
 *
 *     D(X || W H^T) = sum_mn x log(x / y) - x + y,   Y = W H^T,  0 log 0 = 0
 *
 *     H <- H * (R^T W) / (1 colsum(W)),   W <- W * (R H) / (1 colsum(H)),
 *     R = X / Y   (elementwise)
 *
 * all products through cblas_dgemm. Each update never increases D.
 *
 * Numerics: Y is floored before division; entries of W and H are floored
 * (W at `floor`, H at `floor` times the mean of X) so no entry is ever
 * exactly zero, zero being absorbing under multiplicative updates. After
 * every iteration the columns of W are scaled to sum to one and the scale
 * moved into H, which leaves W H^T unchanged and stops drift. The floors
 * can raise D by a relative amount of order `floor`; nothing else can.
 *
 * Start: deterministic from `seed` (xoshiro256**, nmf_xrng of
 * factor_metrics.h), W uniform
 * in [0.5, 1.5) column-normalized, H uniform scaled so sum(W H^T) = sum(X).
 *
 * Use: create once for a size, then init + step (or solve) any number of
 * times; nothing is allocated after create. One object per thread. */
#ifndef NMF_KL_BATCH_H
#define NMF_KL_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include <nmf/error.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct nmf_kl_batch nmf_kl_batch;

typedef struct
{
  unsigned max_iterations;      /* default 500 */
  double tolerance;             /* stop when D decreases by less than this
                                 * fraction in an iteration; 0 = never.
                                 * Default 0 (run max_iterations). */
  uint64_t seed;                /* default 0 */
  double floor;                 /* default 1e-12, in (0, 1e-3] */
} nmf_kl_batch_options;

/* Fill with the defaults above. */
void nmf_kl_batch_options_init (nmf_kl_batch_options * opt);

/* m x n data, rank r (1 <= r <= min(m, n)); opt may be NULL (defaults). */
nmf_status nmf_kl_batch_create (size_t m, size_t n, size_t r,
    const nmf_kl_batch_options * opt, nmf_kl_batch ** out);
void nmf_kl_batch_destroy (nmf_kl_batch * s);

/* Copy X (row-major m x n) in and set the deterministic random start.
 * NMF_ERR_NOT_FINITE for NaN/Inf, NMF_ERR_NEGATIVE for entries < 0.
 * If w0 / h0 are non-NULL they are used as the start instead (>= 0,
 * finite; they are floored and normalized like the iterates). */
nmf_status nmf_kl_batch_init (nmf_kl_batch * s, const double *x,
    const double *w0, const double *h0);

/* One iteration (H update then W update); *divergence (may be NULL)
 * receives D after it. */
nmf_status nmf_kl_batch_step (nmf_kl_batch * s, double *divergence);

/* D for the current iterate. */
nmf_status nmf_kl_batch_divergence (nmf_kl_batch * s, double *divergence);

/* Copy the current factors out: w (m x r), h (n x r), row-major. */
nmf_status nmf_kl_batch_get (const nmf_kl_batch * s, double *w, double *h);

/* init + iterate (max_iterations, or until tolerance) + get.
 * *divergence and *iterations may be NULL. */
nmf_status nmf_kl_batch_solve (nmf_kl_batch * s, const double *x, double *w,
    double *h, double *divergence, unsigned *iterations);

#ifdef __cplusplus
}
#endif
#endif /* NMF_KL_BATCH_H */
