/* gst-nmf core: column-normalized volume minimization - the object and
 * the solves (see <nmf/factorize.h>; the steps live in volmin_linalg.c,
 * volmin_lp.c, volmin_ao.c and volmin_reg.c). */
#include "volmin_private.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "message.h"

void
nmf_volmin_set_msg (nmf_volmin * s, const char *fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  nmf_message_vset (s->message, s->message_size, fmt, ap);
  va_end (ap);
}

void
nmf_volmin_options_init (nmf_volmin_options * opt)
{
  if (opt == NULL)
    return;
  opt->max_sweeps = 100;
  opt->tolerance = 1e-12;
  opt->seed = 0;
  opt->polish = 1;
  opt->lambda = 0.0;
  opt->delta = 1.0;
  opt->reg_iterations = 1000;
  opt->reg_tolerance = 1e-10;
  opt->reg_inner = 20;
}

void
nmf_volmin_destroy (nmf_volmin ** solver)
{
  nmf_volmin *s;

  if (solver == NULL || *solver == NULL)
    return;
  s = *solver;
  free (s->a);
  free (s->xs);
  free (s->wps);
  free (s->sv);
  free (s->uc);
  free (s->vt);
  free (s->svd_work);
  free (s->svd_iwork);
  free (s->v);
  free (s->svec);
  free (s->q);
  free (s->lu);
  free (s->ipiv);
  free (s->p);
  free (s->cand_pos);
  free (s->cand_neg);
  free (s->cand_best);
  free (s->qsave);
  free (s->ortho);
  free (s->hrow);
  free (s->force);
  free (s->bstat);
  free (s->bvalid);
  free (s->ind);
  free (s->val);
  free (s->act);
  free (s->act_s);
  free (s->act_vt);
  free (s->act_work);
  free (s->bmat);
  free (s->gecon_work);
  free (s->gecon_iwork);
  free (s->gram);
  free (s->fmat);
  free (s->amat);
  free (s->eig_work);
  free (s->eig_val);
  free (s->xtw);
  free (s->hx);
  free (s->hxp);
  free (s->hy);
  free (s->hz);
  free (s->hg);
  free (s->sortbuf);
  free (s->colbuf);
  free (s->wbuf);
  free (s->wold);
  free (s->hold);
  free (s->wext);
  free (s->hext);
  free (s->xr);
  free (s->wsub);
  free (s);
  *solver = NULL;
}

/* subspace_only: a solver for nmf_volmin_solve_subspace alone, without the
 * buffers of the data path (the scaled copy of X, the SVD's input, output
 * and workspace: several m x n doubles the element's stream never used);
 * its data and W then have r rows in the coordinates of U, and U^T in vt
 * has r rows. */
static nmf_status
create (nmf_volmin ** out, size_t m, size_t n, size_t r,
    const nmf_volmin_options * opt, int subspace_only, char *message,
    size_t message_size)
{
  nmf_volmin *s;
  size_t k, rows;
  double wq;
  lapack_int info;

  if (out == NULL)
    return nmf_fail (message, message_size, NMF_ERR_INVALID_ARGUMENT,
        "volmin: out (where the solver goes) is NULL");
  *out = NULL;
  /* LAPACK/BLAS/GLPK take int sizes. */
  if (m == 0 || n == 0 || r == 0 || m > 1u << 20 || n > 1u << 20
      || m * n > (size_t) 1 << 30 || r > NMF_VOLMIN_MAX_RANK)
    return nmf_fail (message, message_size, NMF_ERR_INVALID_ARGUMENT,
        "volmin: a %zu x %zu matrix at rank %zu is out of range (1 to 2^20 "
        "rows and columns, 2^30 entries, rank %d)", m, n, r,
        NMF_VOLMIN_MAX_RANK);
  if (r > m || r > n)
    return nmf_fail (message, message_size, NMF_ERR_RANK,
        "volmin: rank %zu exceeds min(M, N) = %zu", r, m < n ? m : n);
  if (opt != NULL && (opt->max_sweeps < 1 || !(opt->tolerance >= 0.0)
          || !(opt->tolerance < 1.0) || !(opt->lambda >= 0.0)
          || !(opt->lambda <= 1.0) || !(opt->delta > 0.0)
          || !(opt->delta <= 1e6) || opt->reg_iterations < 0
          || !(opt->reg_tolerance >= 0.0) || opt->reg_inner < 1))
    return nmf_fail (message, message_size, NMF_ERR_INVALID_ARGUMENT,
        "volmin: an option is out of range");

  s = calloc (1, sizeof (*s));
  if (s == NULL)
    return nmf_fail (message, message_size, NMF_ERR_NO_MEMORY,
        "out of memory");
  s->m = m;
  s->n = n;
  s->r = r;
  s->k = k = subspace_only ? r : m < n ? m : n;
  s->subspace_only = subspace_only;
  rows = subspace_only ? r : m;
  if (opt != NULL)
    s->opt = *opt;
  else
    nmf_volmin_options_init (&s->opt);
  s->rho = (double) n;

#define ALLOC(field, count, type) \
  do { \
    s->field = calloc ((count) > 0 ? (count) : 1, sizeof (type)); \
    if (s->field == NULL) \
      goto oom; \
  } while (0)

  ALLOC (a, rows * n, double);
  if (!subspace_only) {
    ALLOC (xs, m * n, double);
    ALLOC (wps, m * r, double);
    ALLOC (uc, n * k, double);
    ALLOC (svd_iwork, 8 * k, lapack_int);
  }
  ALLOC (sv, k, double);
  ALLOC (vt, k * m, double);
  ALLOC (v, n * r, double);
  ALLOC (svec, r, double);
  ALLOC (q, r * r, double);
  ALLOC (lu, r * r, double);
  ALLOC (ipiv, r, lapack_int);
  ALLOC (p, r, double);
  ALLOC (cand_pos, r, double);
  ALLOC (cand_neg, r, double);
  ALLOC (cand_best, r, double);
  ALLOC (qsave, r, double);
  ALLOC (ortho, r * r, double);
  ALLOC (hrow, n, double);
  ALLOC (force, r, int);
  ALLOC (bstat, 2 * r * (n + 1 + r), int);
  ALLOC (bvalid, 2 * r, int);
  ALLOC (ind, r + 1, int);
  ALLOC (val, r + 1, double);
  ALLOC (act, n * r, double);
  ALLOC (act_s, r, double);
  ALLOC (act_vt, r * r, double);
  ALLOC (bmat, r * r, double);
  ALLOC (gecon_work, 4 * r, double);
  ALLOC (gecon_iwork, r, lapack_int);
  ALLOC (gram, r * r, double);
  ALLOC (fmat, r * r, double);
  ALLOC (amat, r * r, double);
  ALLOC (eig_val, r, double);
  ALLOC (xtw, n * r, double);
  ALLOC (hx, n * r, double);
  ALLOC (hxp, n * r, double);
  ALLOC (hy, n * r, double);
  ALLOC (hz, n * r, double);
  ALLOC (hg, n * r, double);
  ALLOC (sortbuf, n, double);
  ALLOC (colbuf, n, double);
  ALLOC (wbuf, rows * r, double);
  ALLOC (wold, rows * r, double);
  ALLOC (hold, n * r, double);
  ALLOC (wext, rows * r, double);
  ALLOC (hext, n * r, double);
  ALLOC (xr, r * n, double);
  ALLOC (wsub, r * r, double);

  /* Workspace queries, so that solve allocates nothing of ours. */
  if (!subspace_only) {
    info = LAPACKE_dgesdd_work (LAPACK_COL_MAJOR, 'S', (lapack_int) n,
        (lapack_int) m, s->a, (lapack_int) n, s->sv, s->uc, (lapack_int) n,
        s->vt, (lapack_int) k, &wq, -1, s->svd_iwork);
    if (info != 0)
      goto oom;
    s->svd_lwork = (lapack_int) wq + 1;
    ALLOC (svd_work, (size_t) s->svd_lwork, double);
  }
  {
    double q1 = 0.0, q2 = 0.0;
    info = LAPACKE_dgesvd_work (LAPACK_COL_MAJOR, 'N', 'A', (lapack_int) n,
        (lapack_int) r, s->act, (lapack_int) n, s->act_s, NULL, 1,
        s->act_vt, (lapack_int) r, &q1, -1);
    if (info != 0)
      goto oom;
    info = LAPACKE_dgesvd_work (LAPACK_COL_MAJOR, 'N', 'A', (lapack_int) r,
        (lapack_int) r, s->act, (lapack_int) n, s->act_s, NULL, 1,
        s->act_vt, (lapack_int) r, &q2, -1);
    if (info != 0)
      goto oom;
    /* Row counts between r - 1 and n occur; the formula bounds them all. */
    s->act_lwork = (lapack_int) (q1 > q2 ? q1 : q2) + 5 * (lapack_int) r
        + (lapack_int) n + 64;
    ALLOC (act_work, (size_t) s->act_lwork, double);
  }
  info = LAPACKE_dsyev_work (LAPACK_COL_MAJOR, 'N', 'U', (lapack_int) r,
      s->amat, (lapack_int) r, s->eig_val, &wq, -1);
  if (info != 0)
    goto oom;
  s->eig_lwork = (lapack_int) wq + 1;
  ALLOC (eig_work, (size_t) s->eig_lwork, double);
#undef ALLOC

  glp_init_smcp (&s->smcp);
  s->smcp.msg_lev = GLP_MSG_OFF;
  /* The presolver would discard the previous basis, which is what makes
   * the dozens of LPs of one solve cheap (each starts from a vertex).
   * The primal simplex is the faster one here. */
  s->smcp.presolve = GLP_OFF;
  s->it_lim = (int) (50 * (n + r + 1) + 1000);
  s->smcp.it_lim = s->it_lim;

  *out = s;
  return NMF_OK;

oom:
  nmf_volmin_destroy (&s);
  return nmf_fail (message, message_size, NMF_ERR_NO_MEMORY, "out of memory");
}

nmf_status
nmf_volmin_create (nmf_volmin ** out, size_t m, size_t n, size_t r,
    const nmf_volmin_options * opt, char *message, size_t message_size)
{
  return create (out, m, n, r, opt, 0, message, message_size);
}

nmf_status
nmf_volmin_create_subspace (nmf_volmin ** out, size_t m, size_t n, size_t r,
    const nmf_volmin_options * opt, char *message, size_t message_size)
{
  return create (out, m, n, r, opt, 1, message, message_size);
}

nmf_status
nmf_volmin_get_info (const nmf_volmin * s, nmf_volmin_info * info)
{
  if (s == NULL || info == NULL)
    return NMF_ERR_INVALID_ARGUMENT;
  *info = s->info;
  return NMF_OK;
}

void
nmf_volmin_set_work_limit (nmf_volmin * s, double limit)
{
  if (s != NULL)
    s->work_limit = limit > 0.0 && isfinite (limit) ? limit : 0.0;
}

void
nmf_volmin_set_cancel (nmf_volmin * s, const volatile int *cancel)
{
  if (s != NULL)
    s->cancel = cancel;
}

int
nmf_volmin_stopped_at_limit (const nmf_volmin * s)
{
  return s != NULL && s->stopped_at_limit;
}

void
nmf_volmin_thread_cleanup (void)
{
  glp_free_env ();
}

/* H = V Q^T / RHO, clipped at 0, from the final Q; leaves Q's LU factors
 * in s->lu for the W that follows. */
static nmf_status
outputs_h (nmf_volmin * s, double *h)
{
  size_t n = s->n, r = s->r, i;
  double logdet;

  if (nmf_volmin_factor_q (s, &logdet) != NMF_OK) {
    nmf_volmin_set_msg (s, "final Q is singular");
    return NMF_ERR_RANK;
  }
  s->info.abs_det_q = exp (logdet - (double) r * log (s->rho));
  cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) n, (int) r,
      (int) r, 1.0 / s->rho, s->v, (int) r, s->q, (int) r, 0.0, h, (int) r);
  for (i = 0; i < n * r; i++)
    if (h[i] < 0.0)
      h[i] = 0.0;
  return NMF_OK;
}

/* H = V Q^T / RHO (clipped at 0), W = RHO U S Q^{-1}. */
static nmf_status
exact_outputs (nmf_volmin * s, double *w, double *h)
{
  size_t m = s->m, r = s->r, k = s->k, i, j;
  nmf_status st;

  if ((st = outputs_h (s, h)) != NMF_OK)
    return st;
  /* W^T (column-major r x m = row-major W) solves Q^T W^T = RHO S U^T. */
  for (j = 0; j < m; j++)
    for (i = 0; i < r; i++)
      w[i + r * j] = s->rho * s->sv[i] * s->vt[i + k * j];
  LAPACKE_dgetrs_work (LAPACK_COL_MAJOR, 'N', (lapack_int) r,
      (lapack_int) m, s->lu, (lapack_int) r, s->ipiv, w, (lapack_int) r);
  return NMF_OK;
}

/* A solve begins: its messages go to the caller's buffer, emptied; the
 * statistics of the last one are forgotten. */
static void
begin (nmf_volmin * s, char *message, size_t message_size)
{
  s->message = message;
  s->message_size = message_size;
  nmf_volmin_set_msg (s, "%s", "");
  memset (&s->info, 0, sizeof (s->info));
  s->work_done = 0.0;
  s->limit_reached = s->stopped_at_limit = 0;
}

/* A solve ends: every failure leaves a reason in the buffer (begin emptied
 * it; the steps that fail write their own), never the empty line. */
static nmf_status
end (nmf_volmin * s, nmf_status status)
{
  if (status != NMF_OK && s->message != NULL && s->message_size > 0
      && s->message[0] == '\0')
    nmf_volmin_set_msg (s, "volmin: %s", nmf_strerror (status));
  s->message = NULL;
  s->message_size = 0;
  return status;
}

static nmf_status
check_w_prev (nmf_volmin * s, const double *w_prev)
{
  if (w_prev != NULL)
    for (size_t i = 0; i < s->m * s->r; i++)
      if (!isfinite (w_prev[i])) {
        nmf_volmin_set_msg (s, "previous W holds NaN or Inf");
        return NMF_ERR_NOT_FINITE;
      }
  return NMF_OK;
}

/* With lambda > 0, the regularized refinement of the exact solution (w, h)
 * of x (m rows); converged when both solvers did. */
static nmf_status
refine (nmf_volmin * s, size_t m, const double *x, double *w, double *h)
{
  int ao_converged = s->info.converged;
  nmf_status st;

  if (!(s->opt.lambda > 0.0))
    return NMF_OK;
  st = nmf_volmin_regularize (s, m, x, w, h);
  if (st != NMF_OK)
    return st;
  s->info.converged = s->info.converged && ao_converged;
  return NMF_OK;
}

/* The solves work on the data times 2^-e, e the exponent of its largest
 * entry, so that its squared norm (the SVD's rank test, the residual, the
 * regularized scale) neither overflows nor underflows: the criterion is
 * scale-equivariant (W scales with X, H does not, the regularized lambda
 * and delta are relative) and a power of two scales exactly.  The scale
 * of the data of largest |entry| amax. */
static int
data_exponent (double amax)
{
  return amax > 0.0 ? ilogb (amax) : 0;
}

/* W (m x r) and the statistics back to the data's scale 2^e; xx is the
 * scaled data's squared norm, amax its largest |entry| unscaled.
 * NMF_ERR_NOT_FINITE if W overflows. */
static nmf_status
unscale (nmf_volmin * s, size_t m, double *w, int e, double xx, double amax)
{
  if (e == 0)
    return NMF_OK;
  /* f(2^e X) = 4^e (f(X) + lambda ||X||^2 e log 4): log-det adds r log 4^e
   * times lam = lambda ||X||^2 / r */
  if (s->opt.lambda > 0.0)
    s->info.objective = ldexp (s->info.objective
        + s->opt.lambda * xx * (double) e * log (4.0), 2 * e);
  for (size_t i = 0; i < m * s->r; i++)
    w[i] = ldexp (w[i], e);
  for (size_t i = 0; i < m * s->r; i++)
    if (!isfinite (w[i])) {
      nmf_volmin_set_msg (s, "W overflows double precision (X's largest "
          "|entry| is %.3g): scale X down", amax);
      return NMF_ERR_NOT_FINITE;
    }
  return NMF_OK;
}

/* The residual against x (m rows, squared norm xx), and the verdict. */
static nmf_status
verdict (nmf_volmin * s, size_t m, const double *x, const double *w,
    const double *h, double xx)
{
  s->info.residual = xx > 0.0
      ? sqrt (nmf_volmin_residual_sq (s, m, x, w, h) / xx) : 0.0;
  if (s->stopped_at_limit) {
    nmf_volmin_set_msg (s, "stopped at the work limit after %zu sweeps "
        "(the best point found so far)", s->info.sweeps);
    return NMF_ERR_NOT_CONVERGED;
  }
  if (!s->info.converged) {
    nmf_volmin_set_msg (s, "stopped after %zu sweeps / %zu regularized "
        "iterations without converging", s->info.sweeps,
        s->info.reg_iterations);
    return NMF_ERR_NOT_CONVERGED;
  }
  return NMF_OK;
}

static nmf_status
solve_data (nmf_volmin * s, const double *x, const double *w_prev,
    double *w, double *h)
{
  nmf_status st;
  double xx = 0.0, amax = 0.0;
  int e;

  if (x == NULL || w == NULL || h == NULL) {
    nmf_volmin_set_msg (s, "volmin: %s is NULL", x == NULL ? "x"
        : w == NULL ? "w" : "h");
    return NMF_ERR_INVALID_ARGUMENT;
  }
  if (s->subspace_only) {
    nmf_volmin_set_msg (s, "volmin: this solver was made for subspace "
        "solves only (nmf_volmin_create_subspace): it has no room for X");
    return NMF_ERR_INVALID_ARGUMENT;
  }
  for (size_t i = 0; i < s->m * s->n; i++) {
    if (!isfinite (x[i])) {
      nmf_volmin_set_msg (s, "X holds NaN or Inf (row %zu, column %zu)",
          i / s->n, i % s->n);
      return NMF_ERR_NOT_FINITE;
    }
    if (fabs (x[i]) > amax)
      amax = fabs (x[i]);
  }
  e = data_exponent (amax);
  for (size_t i = 0; i < s->m * s->n; i++) {
    s->xs[i] = ldexp (x[i], -e);
    xx += s->xs[i] * s->xs[i];
  }
  if ((st = check_w_prev (s, w_prev)) != NMF_OK)
    return st;
  /* W_prev, at the scale of W, joins the data's */
  if (w_prev != NULL) {
    for (size_t i = 0; i < s->m * s->r; i++)
      s->wps[i] = ldexp (w_prev[i], -e);
    w_prev = s->wps;
  }
  if ((st = nmf_volmin_svd (s, s->xs)) != NMF_OK
      || (st = nmf_volmin_optimize (s, w_prev)) != NMF_OK
      || (st = exact_outputs (s, w, h)) != NMF_OK
      || (st = refine (s, s->m, s->xs, w, h)) != NMF_OK)
    return st;
  st = verdict (s, s->m, s->xs, w, h, xx);
  if (st != NMF_OK && st != NMF_ERR_NOT_CONVERGED)
    return st;
  {
    nmf_status su = unscale (s, s->m, w, e, xx, amax);
    return su != NMF_OK ? su : st;
  }
}

nmf_status
nmf_volmin_solve (nmf_volmin * s, const double *x, double *w, double *h,
    char *message, size_t message_size)
{
  if (s == NULL)
    return nmf_fail (message, message_size, NMF_ERR_INVALID_ARGUMENT,
        "volmin: the solver is NULL");
  begin (s, message, message_size);
  return end (s, solve_data (s, x, NULL, w, h));
}

nmf_status
nmf_volmin_solve_warm (nmf_volmin * s, const double *x, const double *w_prev,
    double *w, double *h, char *message, size_t message_size)
{
  if (s == NULL)
    return nmf_fail (message, message_size, NMF_ERR_INVALID_ARGUMENT,
        "volmin: the solver is NULL");
  begin (s, message, message_size);
  if (w_prev == NULL) {
    nmf_volmin_set_msg (s, "volmin: w_prev (the previous W) is NULL");
    return end (s, NMF_ERR_INVALID_ARGUMENT);
  }
  return end (s, solve_data (s, x, w_prev, w, h));
}

static nmf_status
solve_subspace (nmf_volmin * s, const double *u, const double *sv,
    const double *vt, const double *w_prev, double *w, double *h)
{
  size_t m = s->m, n = s->n, r = s->r, i, j;
  nmf_status st;
  double ss;

  if (u == NULL || sv == NULL || vt == NULL || w == NULL || h == NULL) {
    nmf_volmin_set_msg (s, "volmin: %s is NULL", u == NULL ? "u"
        : sv == NULL ? "sv" : vt == NULL ? "vt" : w == NULL ? "w" : "h");
    return NMF_ERR_INVALID_ARGUMENT;
  }
  for (i = 0; i < m * r; i++)
    if (!isfinite (u[i])) {
      nmf_volmin_set_msg (s, "U holds NaN or Inf");
      return NMF_ERR_NOT_FINITE;
    }
  for (i = 0; i < r * n; i++)
    if (!isfinite (vt[i])) {
      nmf_volmin_set_msg (s, "V^T holds NaN or Inf");
      return NMF_ERR_NOT_FINITE;
    }
  for (i = 0; i < r; i++)
    if (!isfinite (sv[i]) || sv[i] < 0.0 || (i > 0 && sv[i] > sv[i - 1])) {
      nmf_volmin_set_msg (s, "singular values must be finite, >= 0 and "
          "non-increasing");
      return NMF_ERR_INVALID_ARGUMENT;
    }
  /* H = V Q^T / RHO clipped at 0; in the coordinates of U, the data are
   * xr = S V^T and W = U wsub with wsub = RHO S Q^{-1}. */
  if ((st = check_w_prev (s, w_prev)) != NMF_OK
      || (st = nmf_volmin_load_subspace (s, u, sv, vt)) != NMF_OK
      || (st = nmf_volmin_optimize (s, w_prev)) != NMF_OK
      || (st = outputs_h (s, h)) != NMF_OK)
    return st;
  /* Q^T wsub^T = RHO S, with wsub^T column-major = wsub row-major.  One
   * right-hand side per call: OpenBLAS 0.3.21 hands dgetrs with several
   * right-hand sides to its thread pool whatever the size, and the helper
   * threads then spin on the other core. */
  memset (s->wsub, 0, r * r * sizeof (double));
  for (i = 0; i < r; i++) {
    s->wsub[i + r * i] = s->rho * sv[i];
    LAPACKE_dgetrs_work (LAPACK_COL_MAJOR, 'N', (lapack_int) r, 1, s->lu,
        (lapack_int) r, s->ipiv, s->wsub + r * i, (lapack_int) r);
  }
  ss = 0.0;
  for (i = 0; i < r; i++) {
    for (j = 0; j < n; j++)
      s->xr[i * n + j] = sv[i] * vt[i * n + j];
    ss += sv[i] * sv[i];
  }
  if ((st = refine (s, r, s->xr, s->wsub, h)) != NMF_OK)
    return st;
  /* W = U wsub (m x r row-major). */
  cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) m, (int) r,
      (int) r, 1.0, u, (int) r, s->wsub, (int) r, 0.0, w, (int) r);
  /* W lies in the span of U (orthonormal), so the residual against
   * U S V^T is the residual of the r x n coordinates. */
  return verdict (s, r, s->xr, s->wsub, h, ss);
}

nmf_status
nmf_volmin_solve_subspace (nmf_volmin * s, const double *u, const double *sv,
    const double *vt, const double *w_prev, double *w, double *h,
    char *message, size_t message_size)
{
  if (s == NULL)
    return nmf_fail (message, message_size, NMF_ERR_INVALID_ARGUMENT,
        "volmin: the solver is NULL");
  begin (s, message, message_size);
  return end (s, solve_subspace (s, u, sv, vt, w_prev, w, h));
}
