/* gst-nmf core library: batch factorizations of a matrix, as `nmftool
 * factorize` runs them.
 *
 * X is M x N, W is M x r, H is N x r (H is N x r as in the letter of Fu,
 * Huang, Sidiropoulos, not r x N), X ~ W H^T; every matrix is row-major
 * double.  Two solvers:
 *
 * - nmf_kl_batch: KL-NMF, X >= 0, W >= 0, H >= 0, by the Lee-Seung
 *   multiplicative updates for the generalized Kullback-Leibler divergence
 *
 *       D(X || W H^T) = sum_mn x log(x / y) - x + y,   Y = W H^T,  0 log 0 = 0
 *       H <- H * (R^T W) / (1 colsum(W)),   W <- W * (R H) / (1 colsum(H)),
 *       R = X / Y   (elementwise)
 *
 *   Each update never increases D.  Y is floored before division; entries
 *   of W and H are floored (W at `floor`, H at `floor` times the mean of X)
 *   so that none is ever exactly zero, zero being absorbing under
 *   multiplicative updates; after every iteration the columns of W are
 *   scaled to sum to one and the scale moved into H (W H^T unchanged), so
 *   nothing drifts.  The floors can raise D by a relative amount of order
 *   `floor`; nothing else can.
 *
 * - nmf_volmin: column-normalized volume minimization (Fu, Huang,
 *   Sidiropoulos, "On identifiability of nonnegative matrix
 *   factorization", IEEE SPL 2018),
 *
 *       minimize det(W^T W)  s.t.  X = W H^T,  H^T 1 = 1,  H >= 0,
 *
 *   W of any sign, each column of H summing to one; identifiable (up to
 *   permutation) when H is "sufficiently scattered".  Exact solver
 *   (lambda = 0), as in the letter:
 *     1. truncated SVD X ~ U S V^T (rank r); Xt = V^T;
 *     2. with H^T = Q Xt the problem is  max |det Q|  s.t.  Q Xt >= 0,
 *        Q Xt 1 = 1.  det Q is linear in each row q_i: for p = Q^{-1} e_i,
 *        |p^T q| is the factor by which |det Q| changes when q_i becomes
 *        q.  Alternating optimization replaces one row at a time by the
 *        better of two linear programs (max p^T q and max -p^T q over the
 *        feasible polytope), solved by GLPK's simplex on their duals (an
 *        r x r basis) and warm-started from the basis the same row and
 *        sign ended with in the previous sweep;
 *     3. stop when |det Q| rises by less than `tolerance` (relative) over
 *        a sweep;
 *     4. polish: each optimal row is a vertex where many constraints are
 *        active (H is sparse); recomputed as the null vector of its active
 *        constraints it regains full double precision beyond the simplex
 *        tolerances (kept only if feasible and |det Q| does not drop);
 *     5. H = V Q^T (round-off below 0 clipped), W = U S Q^{-1}, so that
 *        W H^T = U S V^T: X itself when rank(X) = r.
 *   Cold start: rows chosen greedily, each maximizing |p^T q| for a random
 *   p orthogonal to the rows already chosen (feasible, and Q
 *   non-singular).  Warm start (nmf_volmin_solve_warm, for a sliding
 *   window): singular vectors flip and rotate between windows, so Q is not
 *   reused; the previous W is projected onto the new subspace instead,
 *   Q0 = (S^{-1} U^T W_prev)^{-1} with each row rescaled to the sum-to-one
 *   row; infeasible rows are replaced unconditionally in the first sweep.
 *   Row i of Q0 stays tied to column i of W_prev, so component order
 *   tends to persist (not guaranteed).  A singular projection (W_prev
 *   unrelated to the data) falls back to the cold start
 *   (nmf_volmin_info.warm_started).
 *
 *   Regularized (lambda in (0, 1]), for noisy data, the log-det form
 *
 *       minimize ||X - W H^T||_F^2 + lam * logdet(W^T W + delta I)
 *                s.t. H^T 1 = 1, H >= 0,
 *
 *   because det(W^T W) scales as |W|^(2r) (the useful lambda would depend
 *   on the data's scale to the power 2r - 2), while log-det is additive in
 *   scale and delta > 0 bounds it below.  The user's lambda is
 *   dimensionless: lam = lambda ||X||_F^2 / r, delta = delta_rel
 *   ||W0||_F^2 / r (W0 the exact solution); with delta_rel = 1,
 *   collapsing W to 0 gains at most lambda log(2) ||X||^2 and costs
 *   ||X||^2, so for lambda <= 1 W never collapses entirely.  Useful values
 *   are about 1e-4 .. 1e-2 (larger ones merge components).  From the exact
 *   solution, a monotone accelerated projected gradient (MFISTA) on H
 *   (columns projected onto the simplex) alternates with the
 *   majorize-minimize closed form W = X H (H^T H + lam F)^{-1},
 *   F = (W^T W + delta I)^{-1}; no step increases the objective.  W H^T
 *   then only approximates X.
 *
 *   Threads and GLPK: GLPK keeps an environment per thread and its objects
 *   must not cross threads.  Every GLPK object a solve uses is created and
 *   deleted inside that call, so a solver may be used from any thread (one
 *   call at a time).  During a solve the calling thread's GLPK terminal
 *   output is off and an error hook installed (both restored afterwards):
 *   on a GLPK internal error (which would otherwise abort the process) the
 *   solve frees the thread's GLPK environment, as GLPK requires, and
 *   returns NMF_ERR_LP; do not interleave it with other GLPK use in the
 *   same thread.  An environment a solve creates is freed when it ends;
 *   one the thread had before is kept (nmf_volmin_thread_cleanup frees it).
 *
 * Both solvers allocate everything at create (GLPK allocates inside its
 * LP solves); one object per thread at a time.  Starts are deterministic
 * from `seed` on every platform. */
#ifndef NMF_FACTORIZE_H
#define NMF_FACTORIZE_H

#include <stddef.h>
#include <stdint.h>

#include <nmf/error.h>
#include <nmf/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- batch KL-NMF ------------------------------------------------------ */

typedef struct nmf_kl_batch nmf_kl_batch;

typedef struct
{
  int max_iterations;           /* >= 0; default 500 */
  double tolerance;             /* stop when D decreases by less than this
                                 * fraction in an iteration; 0 (the
                                 * default): run max_iterations */
  uint64_t seed;                /* default 0 */
  double floor;                 /* in (0, 1e-3]; default 1e-12 */
} nmf_kl_batch_options;

/* Fills options with the defaults above. */
NMF_API void nmf_kl_batch_options_init (nmf_kl_batch_options * options);

/* A solver for m x n data and rank r (1 <= r <= min(m, n)); options may be
 * NULL (the defaults).  *out is NULL on failure. */
NMF_API nmf_status nmf_kl_batch_create (nmf_kl_batch ** out, size_t m,
    size_t n, size_t r, const nmf_kl_batch_options * options, char *message,
    size_t message_size);
NMF_API void nmf_kl_batch_destroy (nmf_kl_batch ** solver);

/* Copies X in and sets the start: W uniform in [0.5, 1.5) with columns
 * normalized, H uniform scaled so that sum(W H^T) = sum(X); or w0 (m x r)
 * and h0 (n x r) when given (>= 0, finite; floored and normalized like the
 * iterates).  NMF_ERR_NOT_FINITE (NaN/Inf) or NMF_ERR_NEGATIVE for X. */
NMF_API nmf_status nmf_kl_batch_init (nmf_kl_batch * solver, const double *x,
    const double *w0, const double *h0, char *message, size_t message_size);

/* One iteration (H update, then W update); *divergence (may be NULL)
 * receives D after it. */
NMF_API nmf_status nmf_kl_batch_step (nmf_kl_batch * solver,
    double *divergence);

/* D of the current iterate. */
NMF_API nmf_status nmf_kl_batch_divergence (nmf_kl_batch * solver,
    double *divergence);

/* Copies the current factors out: w (m x r), h (n x r). */
NMF_API nmf_status nmf_kl_batch_get (const nmf_kl_batch * solver, double *w,
    double *h);

/* init + iterate (max_iterations, or until tolerance) + get.  divergence
 * and iterations (the iterations done) may be NULL.  Any finite X is
 * factored at its own scale (the solver works on X times a power of two,
 * exactly: X times 2^k gives the same W and H times 2^k), but H carries
 * X's column sums: where one exceeds DBL_MAX, H holds +Inf. */
NMF_API nmf_status nmf_kl_batch_solve (nmf_kl_batch * solver,
    const double *x, double *w, double *h, double *divergence,
    size_t * iterations, char *message, size_t message_size);

/* ---- column-normalized volume minimization ----------------------------- */

typedef struct nmf_volmin nmf_volmin;

typedef struct
{
  int max_sweeps;               /* AO sweeps (all r rows), >= 1; 100 */
  double tolerance;             /* relative |det Q| rise per sweep below
                                 * which the AO stops, in [0, 1); 1e-12 */
  uint64_t seed;                /* random objectives of the start; 0 */
  int polish;                   /* active-set refinement; 1 */
  double lambda;                /* 0 (default): exact; (0, 1]: log-det
                                 * regularized */
  double delta;                 /* delta_rel of the log-det, (0, 1e6]; 1 */
  int reg_iterations;           /* outer iterations, regularized, >= 0;
                                 * 1000 */
  double reg_tolerance;         /* relative objective decrease below which
                                 * the regularized solver stops; 1e-10 */
  int reg_inner;                /* MFISTA iterations per H step, >= 1; 20 */
} nmf_volmin_options;

typedef struct
{
  size_t sweeps;                /* AO sweeps done */
  size_t lp_solves;             /* linear programs solved */
  size_t simplex_iterations;    /* GLPK pivots in total */
  size_t polished_rows;         /* rows replaced by the polish */
  int converged;                /* the AO (and regularized loop) converged */
  int warm_started;             /* 1 if the warm start was used */
  double abs_det_q;             /* |det Q| at the end (exact solution) */
  double singular_ratio;        /* s_r / s_1 of X */
  double residual;              /* ||X - W H^T||_F / ||X||_F */
  double objective;             /* regularized: final objective */
  size_t reg_iterations;        /* regularized: outer iterations done */
} nmf_volmin_info;

/* Fills options with the defaults above. */
NMF_API void nmf_volmin_options_init (nmf_volmin_options * options);

/* A solver for m x n data and rank r; NMF_ERR_RANK if r > min(m, n).
 * options may be NULL (the defaults).  *out is NULL on failure. */
NMF_API nmf_status nmf_volmin_create (nmf_volmin ** out, size_t m, size_t n,
    size_t r, const nmf_volmin_options * options, char *message,
    size_t message_size);
NMF_API void nmf_volmin_destroy (nmf_volmin ** solver);

/* Factors X (m x n) into w (m x r) and h (n x r).  Any finite X is
 * factored at its own scale (the solver works on X times a power of two,
 * exactly: X times 2^k gives the same H and W times 2^k).
 * NMF_ERR_NOT_FINITE: X holds NaN/Inf, or W overflows (X near DBL_MAX).  NMF_ERR_RANK: X has numerical rank below r
 * (s_r <= 10 max(m, n) eps s_1; all-zero X included).  NMF_ERR_LP: an LP
 * failed or is infeasible (possible only for data with negative entries
 * that no sum-to-one nonnegative H explains).  On NMF_ERR_NOT_CONVERGED w
 * and h hold the last iterate.  The message is emptied when the solve
 * begins, so that it is "" on success and the reason on failure (a NULL
 * solver, x, w or h: NMF_ERR_INVALID_ARGUMENT, named). */
NMF_API nmf_status nmf_volmin_solve (nmf_volmin * solver, const double *x,
    double *w, double *h, char *message, size_t message_size);

/* The same, started from a previous W (m x r, not NULL), see above. */
NMF_API nmf_status nmf_volmin_solve_warm (nmf_volmin * solver,
    const double *x, const double *w_prev, double *w, double *h,
    char *message, size_t message_size);

/* Statistics of the last solve. */
NMF_API nmf_status nmf_volmin_get_info (const nmf_volmin * solver,
    nmf_volmin_info * info);

/* Frees the calling thread's GLPK environment (see above). */
NMF_API void nmf_volmin_thread_cleanup (void);

#ifdef __cplusplus
}
#endif
#endif /* NMF_FACTORIZE_H */
