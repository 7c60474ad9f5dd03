/* gst-nmf core (internal): the volume-min solver of <nmf/factorize.h> on a
 * subspace the caller already tracks (volmin_stream.c). */
#ifndef NMF_VOLMIN_H
#define NMF_VOLMIN_H

#include <nmf/factorize.h>

/* The largest rank a solver takes: the separator's limit on its templates
 * (components), so that every configuration it accepts can be made. */
#define NMF_VOLMIN_MAX_RANK 1024

/* nmf_volmin_create for nmf_volmin_solve_subspace alone: none of the
 * buffers of the solves from X (several m x n doubles: its scaled copy,
 * the SVD's input, vectors and workspace), which refuse such a solver
 * (NMF_ERR_INVALID_ARGUMENT). */
nmf_status nmf_volmin_create_subspace (nmf_volmin ** out, size_t m, size_t n,
    size_t r, const nmf_volmin_options * options, char *message,
    size_t message_size);

/* nmf_volmin_solve from a rank-r subspace instead of the SVD of X:
 *   u   m x r row-major, orthonormal columns (the left singular vectors),
 *   sv  r values, finite, >= 0, non-increasing,
 *   vt  r x n row-major, orthonormal rows (the right singular vectors),
 * so that X ~ U S V^T.  w_prev (m x r) may be NULL: cold start; otherwise
 * the warm start of nmf_volmin_solve_warm.  Steps 2-5 then run unchanged
 * on this subspace; W = U (U^T W) lies in span(U), and info.residual is
 * taken against U S V^T.  With lambda > 0 the log-det form is solved for
 * the rank-r data U S V^T in the r coordinates of U (the optimal W has no
 * component outside span(U)), so its cost does not depend on m; lam is
 * scaled by ||S||^2 = ||U S V^T||_F^2.  Errors as nmf_volmin_solve
 * (NMF_ERR_RANK when s_r is at round-off level relative to s_1;
 * NMF_ERR_INVALID_ARGUMENT for unsorted or negative singular values).
 * Cost: the LPs (O(n r) per pivot) plus O((m + n) r^2), no m x n work. */
nmf_status nmf_volmin_solve_subspace (nmf_volmin * solver, const double *u,
    const double *sv, const double *vt, const double *w_prev, double *w,
    double *h, char *message, size_t message_size);

/* A bound on the work of each solve that follows, in units of about 2 ns
 * of one core (1.5 - 2.6 ns measured on x86-64 at ranks 32 - 256): the
 * simplex pivots times the size of the LP's tableau ((n + 1 + r) r) plus
 * r^3 per LP (its basis factorized), and the regularized iterations
 * (lambda > 0) at 4 flops a unit; the polish, left out once the limit
 * is reached, is not counted.  0 (the default): none.  A solve that
 * reaches it stops its sweeps with the rows found so far (every one
 * feasible: the best model found, of smaller volume than the start), or
 * its regularized iterations at the last iterate (each one lowers the
 * objective), and returns NMF_ERR_NOT_CONVERGED with W and H filled and
 * nmf_volmin_stopped_at_limit () 1; one that reaches it before it has a
 * feasible point (in the start) fails with NMF_ERR_NOT_CONVERGED and
 * nmf_volmin_stopped_at_limit () 0.  The work counted depends on the data
 * only, so the result is the same on every machine. */
void nmf_volmin_set_work_limit (nmf_volmin * solver, double limit);

/* 1 when the last solve stopped at the work limit with a usable result
 * (see nmf_volmin_set_work_limit). */
int nmf_volmin_stopped_at_limit (const nmf_volmin * solver);

/* A flag of the caller's (may be NULL: none) that stops each solve that
 * follows once it is not 0: between two linear programs, or two
 * regularized iterations, the solve returns NMF_ERR_CANCELLED, W and H
 * not to be used.  Another thread writes it atomically (__atomic_store_n,
 * g_atomic_int_set); it is read the same way.  A solve then ends within
 * one LP (about a millisecond at rank 64 over 258 columns) instead of at
 * its work limit. */
void nmf_volmin_set_cancel (nmf_volmin * solver, const volatile int *cancel);

#endif /* NMF_VOLMIN_H */
