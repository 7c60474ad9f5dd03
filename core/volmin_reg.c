/* gst-nmf core: column-normalized volume minimization - the log-det
 * regularized refinement (see <nmf/factorize.h> and volmin_private.h). */
#include "volmin_private.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

static int
cmp_desc (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x < y) - (x > y);
}

/* Project each column of h (n x r row-major) onto the probability simplex
 * (sort-based, Held-Wolfe-Crowder / Duchi et al.). */
static void
project_columns (nmf_volmin * s, double *h)
{
  size_t n = s->n, r = s->r, j, c;

  for (c = 0; c < r; c++) {
    double cum = 0.0, tau = 0.0;
    for (j = 0; j < n; j++)
      s->sortbuf[j] = s->colbuf[j] = h[j * r + c];
    qsort (s->sortbuf, n, sizeof (double), cmp_desc);
    for (j = 0; j < n; j++) {
      double t;
      cum += s->sortbuf[j];
      t = (cum - 1.0) / (double) (j + 1);
      if (s->sortbuf[j] - t > 0.0)
        tau = t;
    }
    for (j = 0; j < n; j++) {
      double v = s->colbuf[j] - tau;
      h[j * r + c] = v > 0.0 ? v : 0.0;
    }
  }
}

/* ||X - W H^T||^2 up to the constant ||X||^2, from r x r quantities:
 * -2 <X^T W, H> + <H G, H>, G = W^T W. */
static double
h_objective (nmf_volmin * s, const double *h)
{
  size_t n = s->n, r = s->r, j, a, b;
  double f = 0.0;

  for (j = 0; j < n; j++) {
    const double *hj = h + j * r;
    f -= 2.0 * nmf_volmin_dot (s->xtw + j * r, hj, r);
    for (a = 0; a < r; a++) {
      double t = 0.0;
      for (b = 0; b < r; b++)
        t += s->gram[a * r + b] * hj[b];
      f += hj[a] * t;
    }
  }
  return f;
}

static nmf_status
logdet_spd (nmf_volmin * s, const double *g, double delta, double *ld)
{
  size_t r = s->r, i;
  lapack_int info;

  memcpy (s->fmat, g, r * r * sizeof (double));
  for (i = 0; i < r; i++)
    s->fmat[i * r + i] += delta;
  info = LAPACKE_dpotrf_work (LAPACK_COL_MAJOR, 'U', (lapack_int) r,
      s->fmat, (lapack_int) r);
  if (info != 0)
    return NMF_ERR_NOT_FINITE;
  *ld = 0.0;
  for (i = 0; i < r; i++)
    *ld += 2.0 * log (s->fmat[i * r + i]);
  return NMF_OK;
}

/* ||X - W H^T||_F^2 + lam logdet(W^T W + delta I). */
static nmf_status
reg_objective (nmf_volmin * s, size_t m, const double *x, const double *w,
    const double *h, double lam, double delta, double *f)
{
  double ld;

  cblas_dsyrk (CblasColMajor, CblasUpper, CblasNoTrans, (int) s->r,
      (int) m, 1.0, w, (int) s->r, 0.0, s->amat, (int) s->r);
  if (logdet_spd (s, s->amat, delta, &ld) != NMF_OK) {
    nmf_volmin_set_msg (s, "W^T W + delta I not positive definite");
    return NMF_ERR_NOT_FINITE;
  }
  *f = nmf_volmin_residual_sq (s, m, x, w, h) + lam * ld;
  if (!isfinite (*f)) {
    nmf_volmin_set_msg (s, "regularized objective is not finite");
    return NMF_ERR_NOT_FINITE;
  }
  return NMF_OK;
}

/* m: rows of x and w (s->m, or r in subspace mode). */
nmf_status
nmf_volmin_regularize (nmf_volmin *s, size_t m, const double *x, double *w,
    double *h) {
  size_t n = s->n, r = s->r, i, a;
  double xx = 0.0, wn = 0.0, lam, delta, f, fprev, beta = 0.5;
  int it;
  lapack_int info;

  for (i = 0; i < m * n; i++)
    xx += x[i] * x[i];
  for (i = 0; i < m * r; i++)
    wn += w[i] * w[i];
  lam = s->opt.lambda * xx / (double) r;
  delta = s->opt.delta * wn / (double) r;
  if (!(delta > 0.0) || !isfinite (delta) || !isfinite (lam)) {
    nmf_volmin_set_msg (s, "regularization scale is degenerate");
    return NMF_ERR_NOT_FINITE;
  }

  if (reg_objective (s, m, x, w, h, lam, delta, &fprev) != NMF_OK)
    return NMF_ERR_NOT_FINITE;
  s->info.converged = 0;

  for (it = 0; it < s->opt.reg_iterations; it++) {
    double lmax, fx, fe, t = 1.0;
    int inner;

    /* Under a work limit (nmf_volmin_set_work_limit): an iteration costs
     * about reg_inner products of H (n x r) with r x r and the
     * projections, and four n m r products, at about 4 flops a unit.
     * Every iteration lowers the objective, so where the limit stops them
     * (w, h) is the best point found: a usable result. */
    if (nmf_volmin_cancelled (s))
      return NMF_ERR_CANCELLED;
    if (!nmf_volmin_spend (s, ((double) s->opt.reg_inner * 2.0 * (double) n
                * (double) r * (double) (r + 8)
                + 4.0 * (double) n * (double) m * (double) r) / 4.0)) {
      s->stopped_at_limit = 1;
      break;
    }

    memcpy (s->wold, w, m * r * sizeof (double));
    memcpy (s->hold, h, n * r * sizeof (double));

    /* --- H step: MFISTA on the product of simplices, W fixed. --- */
    /* gram (row-major = col-major, symmetric) = W^T W; xtw = X^T W. */
    cblas_dsyrk (CblasColMajor, CblasUpper, CblasNoTrans, (int) r, (int) m,
        1.0, w, (int) r, 0.0, s->gram, (int) r);
    for (a = 0; a < r; a++)
      for (i = 0; i < a; i++)
        s->gram[a + i * r] = s->gram[i + a * r];
    cblas_dgemm (CblasRowMajor, CblasTrans, CblasNoTrans, (int) n, (int) r,
        (int) m, 1.0, x, (int) n, w, (int) r, 0.0, s->xtw, (int) r);
    memcpy (s->amat, s->gram, r * r * sizeof (double));
    info = LAPACKE_dsyev_work (LAPACK_COL_MAJOR, 'N', 'U', (lapack_int) r,
        s->amat, (lapack_int) r, s->eig_val, s->eig_work, s->eig_lwork);
    if (info != 0) {
      nmf_volmin_set_msg (s, "eigenvalue computation failed");
      return NMF_ERR_NOT_FINITE;
    }
    lmax = 2.0 * s->eig_val[r - 1];
    if (!(lmax > 0.0)) {
      nmf_volmin_set_msg (s, "W collapsed to zero; lower lambda");
      return NMF_ERR_RANK;
    }
    memcpy (s->hx, h, n * r * sizeof (double));
    memcpy (s->hy, h, n * r * sizeof (double));
    fx = h_objective (s, s->hx);
    for (inner = 0; inner < s->opt.reg_inner; inner++) {
      double fz, tn;
      /* gradient at y: 2 (Y G - X^T W) */
      cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) n,
          (int) r, (int) r, 2.0, s->hy, (int) r, s->gram, (int) r, 0.0,
          s->hg, (int) r);
      for (i = 0; i < n * r; i++)
        s->hz[i] = s->hy[i] - (s->hg[i] - 2.0 * s->xtw[i]) / lmax;
      project_columns (s, s->hz);
      fz = h_objective (s, s->hz);
      memcpy (s->hxp, s->hx, n * r * sizeof (double));
      if (fz <= fx) {
        memcpy (s->hx, s->hz, n * r * sizeof (double));
        fx = fz;
      }
      tn = 0.5 * (1.0 + sqrt (1.0 + 4.0 * t * t));
      for (i = 0; i < n * r; i++)
        s->hy[i] = s->hx[i] + (t / tn) * (s->hz[i] - s->hx[i])
            + ((t - 1.0) / tn) * (s->hx[i] - s->hxp[i]);
      t = tn;
    }
    memcpy (h, s->hx, n * r * sizeof (double));

    /* --- W step: majorize log-det by its tangent, solve in closed form:
     * W (H^T H + lam F) = X H, F = (W^T W + delta I)^{-1}. --- */
    memcpy (s->fmat, s->gram, r * r * sizeof (double));
    for (a = 0; a < r; a++)
      s->fmat[a * r + a] += delta;
    info = LAPACKE_dpotrf_work (LAPACK_COL_MAJOR, 'U', (lapack_int) r,
        s->fmat, (lapack_int) r);
    if (info == 0)
      info = LAPACKE_dpotri_work (LAPACK_COL_MAJOR, 'U', (lapack_int) r,
          s->fmat, (lapack_int) r);
    if (info != 0) {
      nmf_volmin_set_msg (s, "W^T W + delta I not positive definite");
      return NMF_ERR_NOT_FINITE;
    }
    /* amat = H^T H + lam F (upper triangle is what dpotrf reads). */
    cblas_dsyrk (CblasColMajor, CblasUpper, CblasNoTrans, (int) r, (int) n,
        1.0, h, (int) r, 0.0, s->amat, (int) r);
    for (a = 0; a < r; a++)
      for (i = 0; i <= a; i++)
        s->amat[i + a * r] += lam * s->fmat[i + a * r];
    info = LAPACKE_dpotrf_work (LAPACK_COL_MAJOR, 'U', (lapack_int) r,
        s->amat, (lapack_int) r);
    if (info != 0) {
      nmf_volmin_set_msg (s, "H^T H + lambda F not positive definite");
      return NMF_ERR_RANK;
    }
    /* X H (row-major m x r) is (X H)^T in column-major; solve in place. */
    cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) m,
        (int) r, (int) n, 1.0, x, (int) n, h, (int) r, 0.0, s->wbuf, (int) r);
    info = LAPACKE_dpotrs_work (LAPACK_COL_MAJOR, 'U', (lapack_int) r,
        (lapack_int) m, s->amat, (lapack_int) r, s->wbuf, (lapack_int) r);
    if (info != 0) {
      nmf_volmin_set_msg (s, "W update failed");
      return NMF_ERR_NOT_FINITE;
    }
    memcpy (w, s->wbuf, m * r * sizeof (double));
    if (reg_objective (s, m, x, w, h, lam, delta, &f) != NMF_OK)
      return NMF_ERR_NOT_FINITE;
    s->info.reg_iterations = it + 1;

    /* Block coordinate descent crawls along the valley of equal fit when
     * lambda is small (thousands of iterations).  Extrapolate
     * both blocks along the last step and keep the result only if it
     * lowers the objective, so the sequence stays monotone; beta grows
     * while extrapolation pays and halves when it does not. */
    for (i = 0; i < m * r; i++)
      s->wext[i] = w[i] + beta * (w[i] - s->wold[i]);
    for (i = 0; i < n * r; i++)
      s->hext[i] = h[i] + beta * (h[i] - s->hold[i]);
    project_columns (s, s->hext);
    if (reg_objective (s, m, x, s->wext, s->hext, lam, delta, &fe) == NMF_OK
        && fe < f) {
      memcpy (w, s->wext, m * r * sizeof (double));
      memcpy (h, s->hext, n * r * sizeof (double));
      f = fe;
      beta = beta * 1.5 < 4.0 ? beta * 1.5 : 4.0;
    } else
      beta = beta * 0.5 > 0.05 ? beta * 0.5 : 0.05;
    nmf_volmin_set_msg (s, "%s", "");

    if (fabs (fprev - f) <= s->opt.reg_tolerance * fabs (fprev)) {
      fprev = f;
      s->info.converged = 1;
      break;
    }
    fprev = f;
  }
  s->info.objective = fprev;
  return NMF_OK;
}
