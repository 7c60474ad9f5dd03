/* gst-nmf core: column-normalized volume minimization (Fu, Huang,
 * Sidiropoulos, "On identifiability of nonnegative matrix factorization",
 * IEEE SPL 2018; see DESIGN.md).
 *
 *     minimize det(W^T W)  s.t.  X = W H^T,  H^T 1 = 1,  H >= 0
 *
 * X is M x N, W is M x r (any sign), H is N x r (each column sums to one).
 *
 * Exact solver (lambda = 0), as in the letter:
 *   1. Truncated SVD X ~ U S V^T (rank r, LAPACKE dgesdd); Xt = V^T.
 *   2. With H^T = Q Xt the problem is  max |det Q|  s.t.  Q Xt >= 0,
 *      Q Xt 1 = 1.  det Q is linear in each row q_i: det Q = det(Q) p^T q
 *      for p = Q^{-1} e_i (so p^T q_i = 1 and p is orthogonal to the other
 *      rows), hence |p^T q| is exactly the factor by which |det Q| changes
 *      when q_i is replaced by q. Alternating optimization updates one row
 *      at a time by two linear programs (max p^T q and max -p^T q over the
 *      polytope {q : V q >= 0, (V^T 1)^T q = 1}), keeping the larger
 *      |p^T q| when it improves |det Q|. Each LP is handed to GLPK's
 *      simplex as its dual (r rows instead of N + 1: an r x r basis),
 *      warm-started from the basis the same row and sign ended with in the
 *      previous sweep.
 *   3. Stop when |det Q| rises by less than `tolerance` (relative) over a
 *      sweep of all rows.
 *   4. Polish: the optimal rows are vertices where many constraints are
 *      active (H is sparse); each row is recomputed as the null vector of
 *      its active constraints (SVD), which restores full double precision
 *      beyond the simplex tolerances. A polished row is kept only if it is
 *      feasible and does not lower |det Q|.
 *   5. H = V Q^T (tiny negative round-off clipped to 0) and W = U S Q^{-1},
 *      so W H^T = U S V^T: X itself when rank(X) = r.
 *
 * Start: rows chosen greedily, each maximizing |p^T q| for a random p
 * orthogonal to the rows already chosen (an LP with a random objective
 * gives a feasible vertex; the orthogonality makes Q non-singular).
 *
 * Warm start (nmf_volmin_solve_warm, for a sliding window): singular
 * vectors flip and rotate between windows, so Q is not reused. Instead the
 * previous W is projected onto the new subspace: Q0 = (S^{-1} U^T W_prev)^{-1}
 * (the Q for which U S Q0^{-1} is the least-squares projection of W_prev),
 * each row rescaled to satisfy the sum-to-one row. Rows of Q0 that are not
 * feasible are replaced unconditionally in the first sweep; the AO then
 * proceeds as usual. Row i of Q0 stays tied to column i of W_prev, so
 * component order tends to persist from window to window (not guaranteed:
 * check with a matching if it matters). If the projection is singular
 * (W_prev unrelated to the new data) the solver falls back to the cold
 * start and says so in nmf_volmin_info.warm_started.
 *
 * Regularized variant (lambda > 0), for noisy data. Of the two forms in the
 * letter / literature this implements the LOG-DET one:
 *
 *   minimize ||X - W H^T||_F^2 + lam * logdet(W^T W + delta I)
 *            s.t. H^T 1 = 1, H >= 0
 *
 * because det(W^T W) scales as |W|^(2r): with it, the useful lambda would
 * depend on the data scale to the power 2r - 2 and the penalty gradient
 * vanishes or explodes; log-det is additive in scale, and delta > 0 bounds
 * it below so W cannot fall to 0 for an unbounded gain. Scaling (the user's
 * lambda is dimensionless, bounded to [0, 1]):
 *     lam   = lambda * ||X||_F^2 / r
 *     delta = delta_rel * ||W0||_F^2 / r     (W0: the exact solution)
 * With delta_rel = 1, collapsing W to 0 gains at most lambda log(2) ||X||^2
 * and costs ||X||^2, so for lambda <= 1 the solution never collapses
 * entirely; useful values are about 1e-4 .. 1e-2 (larger values merge
 * components, as DESIGN.md observed). Algorithm: start from the exact
 * solution (W0, H0), then alternate a monotone accelerated projected
 * gradient (MFISTA) on H (each column projected onto the simplex) and the
 * majorize-minimize closed form W = X H (H^T H + lam F)^{-1},
 * F = (W^T W + delta I)^{-1} (the tangent of the concave log-det). Each step
 * never increases the objective. Output W H^T then only approximates X.
 *
 * Threads and GLPK: GLPK keeps its environment per thread and its objects
 * must not cross threads. Every GLPK object this solver uses is created
 * and deleted inside one solve call, so a solver object may be used from
 * any thread (one call at a time), e.g. created in a GStreamer state change
 * and used in the streaming thread. During a solve the calling thread's
 * GLPK terminal output is switched off (restored afterwards) and an error
 * hook is installed (removed afterwards); on a GLPK internal error (it
 * would otherwise abort the process, e.g. out of memory inside GLPK) the
 * hook longjmps back, the thread's GLPK environment is freed as GLPK
 * requires, and NMF_ERR_LP is returned. So do not interleave this with
 * other GLPK use in the same thread. A GLPK environment that a solve
 * creates in the calling thread is freed when the solve ends (so threads
 * that die later leak nothing); one the thread had before is kept.
 * nmf_volmin_thread_cleanup() frees the thread's environment outright.
 *
 * Allocation: all solver workspace is allocated at create; GLPK allocates
 * internally during solve (unavoidable). */
#ifndef NMF_VOLMIN_H
#define NMF_VOLMIN_H

#include <stddef.h>
#include <stdint.h>

#include <nmf/error.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct nmf_volmin nmf_volmin;

typedef struct
{
  unsigned max_sweeps;          /* AO sweeps (all r rows); default 100 */
  double tolerance;             /* relative |det Q| rise per sweep below
                                 * which the AO stops; default 1e-12 */
  uint64_t seed;                /* random objectives of the start; default 0 */
  int polish;                   /* active-set refinement; default 1 */
  double lambda;                /* 0 (default): exact; (0, 1]: log-det
                                 * regularized, see above */
  double delta;                 /* delta_rel of the log-det; default 1 */
  unsigned reg_iterations;      /* outer iterations, regularized; 1000 */
  double reg_tolerance;         /* relative objective decrease below which
                                 * the regularized solver stops; 1e-10 */
  unsigned reg_inner;           /* MFISTA iterations per H step; default 20 */
} nmf_volmin_options;

typedef struct
{
  unsigned sweeps;              /* AO sweeps done */
  unsigned lp_solves;           /* linear programs solved */
  unsigned long simplex_iterations;     /* GLPK pivots in total */
  unsigned polished_rows;       /* rows replaced by the polish step */
  int converged;                /* AO (and regularized loop) converged */
  int warm_started;             /* 1 if the warm start was used */
  double abs_det_q;             /* |det Q| at the end (exact solution) */
  double singular_ratio;        /* s_r / s_1 of X */
  double residual;              /* ||X - W H^T||_F / ||X||_F */
  double objective;             /* regularized: final objective */
  unsigned reg_iterations;      /* regularized: outer iterations done */
} nmf_volmin_info;

void nmf_volmin_options_init (nmf_volmin_options * opt);

/* Solver for m x n data and rank r. NMF_ERR_RANK if r > min(m, n).
 * opt may be NULL (defaults). */
nmf_status nmf_volmin_create (size_t m, size_t n, size_t r,
    const nmf_volmin_options * opt, nmf_volmin ** out);
void nmf_volmin_destroy (nmf_volmin * s);

/* Factor X (row-major m x n) into w (m x r) and h (n x r), row-major.
 * NMF_ERR_NOT_FINITE: X holds NaN/Inf. NMF_ERR_RANK: X has numerical rank
 * below r (s_r <= 10 max(m,n) eps s_1; all-zero X included). NMF_ERR_LP:
 * an LP failed or is infeasible (possible only for data with negative
 * entries that no sum-to-one nonnegative H explains). On
 * NMF_ERR_NOT_CONVERGED w and h hold the last iterate. */
nmf_status nmf_volmin_solve (nmf_volmin * s, const double *x, double *w,
    double *h);

/* The same, started from a previous W (m x r), see above. */
nmf_status nmf_volmin_solve_warm (nmf_volmin * s, const double *x,
    const double *w_prev, double *w, double *h);

/* The same, from a rank-r subspace the caller already has (e.g. tracked
 * across a sliding window, see volmin_stream.h) instead of the SVD of X:
 *   u   m x r row-major, orthonormal columns (the left singular vectors),
 *   sv  r values, finite, >= 0, non-increasing,
 *   vt  r x n row-major, orthonormal rows (the right singular vectors),
 * so that X ~ U S V^T. w_prev (m x r row-major) may be NULL: cold start;
 * otherwise the warm start of nmf_volmin_solve_warm. Steps 2-5 above then
 * run unchanged on this subspace; W = U (U^T W) lies in span(U), and
 * info.residual is measured against U S V^T. With lambda > 0 the log-det
 * form is solved for the rank-r data U S V^T in the r-dimensional
 * coordinates of U (the optimal W has no component outside span(U)), so its
 * cost does not depend on m; lam is scaled by ||S||^2 = ||U S V^T||_F^2.
 * Same errors as nmf_volmin_solve (NMF_ERR_RANK when s_r is at round-off
 * level relative to s_1; NMF_ERR_INVALID_ARGUMENT for unsorted or negative
 * singular values). Nothing here depends on m x n work: the cost is the LPs
 * (O(n r) per pivot) plus O((m + n) r^2). */
nmf_status nmf_volmin_solve_subspace (nmf_volmin * s, const double *u,
    const double *sv, const double *vt, const double *w_prev, double *w,
    double *h);

/* Statistics of the last solve. */
nmf_status nmf_volmin_get_info (const nmf_volmin * s, nmf_volmin_info * info);

/* One line saying what went wrong in the last failed solve ("" if none). */
const char *nmf_volmin_last_error (const nmf_volmin * s);

/* Free the calling thread's GLPK environment (see above). */
void nmf_volmin_thread_cleanup (void);

#ifdef __cplusplus
}
#endif
#endif /* NMF_VOLMIN_H */
