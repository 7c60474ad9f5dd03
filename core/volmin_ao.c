/* gst-nmf core: column-normalized volume minimization - the starts, the
 * alternating optimization of Q row by row, and the polish (see
 * volmin_private.h). */
#include "volmin_private.h"

#include <math.h>
#include <string.h>

#include <cblas.h>

#include "rng.h"

/* A row replacement must raise |det Q| by more than this relative amount:
 * alternative optimal vertices (ties, common with sparse H) then do not
 * make the AO cycle. */
#define IMPROVE_EPS 1e-13

/* Greedy feasible start: row i maximizes |p^T q| for a random p orthogonal
 * to rows 0..i-1, so it is independent of them. */
nmf_status
nmf_volmin_start_cold (nmf_volmin * s)
{
  size_t r = s->r, i, j, c;
  nmf_xrng g;
  nmf_status st;

  nmf_xrng_seed (&g, s->opt.seed);
  for (i = 0; i < r; i++) {
    double *p = s->p, val, nrm, qn;
    for (c = 0; c < r; c++)
      p[c] = nmf_xrng_normal (&g);
    /* Two Gram-Schmidt passes against the orthonormalized earlier rows. */
    for (int pass = 0; pass < 2; pass++)
      for (j = 0; j < i; j++) {
        double d = nmf_volmin_dot (p, s->ortho + j * r, r);
        for (c = 0; c < r; c++)
          p[c] -= d * s->ortho[j * r + c];
      }
    nrm = cblas_dnrm2 ((int) r, p, 1);
    for (c = 0; c < r; c++)
      p[c] /= nrm;
    st = nmf_volmin_lp_best (s, p, -1, s->q + i * r, &val);
    if (st != NMF_OK)
      return st;
    qn = cblas_dnrm2 ((int) r, s->q + i * r, 1);
    if (!(fabs (val) > 1e-9 * qn)) {
      nmf_volmin_set_msg (s,
          "feasible set is flat: the data admit fewer than %zu "
          "independent nonnegative components",
          r);
      return NMF_ERR_RANK;
    }
    /* Orthonormalize the new row for the next directions. */
    memcpy (s->ortho + i * r, s->q + i * r, r * sizeof (double));
    for (int pass = 0; pass < 2; pass++)
      for (j = 0; j < i; j++) {
        double d = nmf_volmin_dot (s->ortho + i * r, s->ortho + j * r, r);
        for (c = 0; c < r; c++)
          s->ortho[i * r + c] -= d * s->ortho[j * r + c];
      }
    nrm = cblas_dnrm2 ((int) r, s->ortho + i * r, 1);
    for (c = 0; c < r; c++)
      s->ortho[i * r + c] /= nrm;
    s->force[i] = 0;
  }
  return NMF_OK;
}

/* Q0 = (S^{-1} U^T W_prev)^{-1}, rows rescaled to the sum-to-one row.
 * Returns 0 if W_prev is too far from the new subspace to be used. */
int
nmf_volmin_start_warm (nmf_volmin * s, const double *w_prev)
{
  size_t r = s->r, m = s->m, i, j;
  lapack_int info;
  double anorm = 0.0, rcond = 0.0;

  /* bmat (col-major r x r) = U_r^T W_prev; vt holds U^T (k x m, ld k) and
   * row-major W_prev is W_prev^T in column-major. */
  cblas_dgemm (CblasColMajor, CblasNoTrans, CblasTrans, (int) r, (int) r,
      (int) m, 1.0, s->vt, (int) s->k, w_prev, (int) r, 0.0, s->bmat,
      (int) r);
  for (i = 0; i < r; i++)
    for (j = 0; j < r; j++)
      s->bmat[i + j * r] /= s->sv[i];
  for (j = 0; j < r; j++) {
    double cs = 0.0;
    for (i = 0; i < r; i++)
      cs += fabs (s->bmat[i + j * r]);
    if (cs > anorm)
      anorm = cs;
  }
  if (!(anorm > 0.0) || !isfinite (anorm))
    return 0;
  info = LAPACKE_dgetrf_work (LAPACK_COL_MAJOR, (lapack_int) r,
      (lapack_int) r, s->bmat, (lapack_int) r, s->ipiv);
  if (info != 0)
    return 0;
  info = LAPACKE_dgecon_work (LAPACK_COL_MAJOR, '1', (lapack_int) r,
      s->bmat, (lapack_int) r, anorm, &rcond, s->gecon_work,
      s->gecon_iwork);
  if (info != 0 || !(rcond > 1e-12))
    return 0;
  info = LAPACKE_dgetri_work (LAPACK_COL_MAJOR, (lapack_int) r, s->bmat,
      (lapack_int) r, s->ipiv, s->gecon_work, (lapack_int) (4 * r));
  if (info != 0)
    return 0;
  /* Row-major Q[i][j] = (B^{-1})[i][j], stored column-major in bmat. */
  for (i = 0; i < r; i++)
    for (j = 0; j < r; j++)
      s->q[i * r + j] = s->bmat[i + j * r];
  for (i = 0; i < r; i++) {
    double *qi = s->q + i * r;
    double t = nmf_volmin_dot (s->svec, qi, r);
    double scale = cblas_dnrm2 ((int) r, s->svec, 1)
        * cblas_dnrm2 ((int) r, qi, 1);
    if (fabs (t) > 1e-12 * scale)
      for (j = 0; j < r; j++)
        qi[j] *= s->rho / t;
    s->force[i] = !nmf_volmin_row_feasible (s, qi, 1e-7);
  }
  return nmf_volmin_factor_q (s, NULL) == NMF_OK;
}

/* The work limit reached in a sweep: Q as it is, when every row is
 * feasible (the volume only fell since the start), is the result. */
static nmf_status
stop_at_limit (nmf_volmin * s, int sweep)
{
  for (size_t i = 0; i < s->r; i++)
    if (s->force[i])
      return NMF_ERR_NOT_CONVERGED;     /* the message is lp_best's */
  s->info.sweeps = (size_t) sweep;
  s->stopped_at_limit = 1;
  return NMF_OK;
}

nmf_status
nmf_volmin_alternate (nmf_volmin * s)
{
  size_t r = s->r, i;
  double logdet, before;
  nmf_status st;
  int sweep;

  st = nmf_volmin_factor_q (s, &logdet);
  if (st != NMF_OK) {
    nmf_volmin_set_msg (s, "start point is singular");
    return NMF_ERR_RANK;
  }
  s->info.converged = 0;
  for (sweep = 0; sweep < s->opt.max_sweeps; sweep++) {
    int forced = 0;
    before = logdet;
    for (i = 0; i < r; i++) {
      double val;
      nmf_volmin_null_dir (s, i, s->p);
      st = nmf_volmin_lp_best (s, s->p, (int) i, s->cand_best, &val);
      if (st == NMF_ERR_CANCELLED)
        return st;
      if (st != NMF_OK && s->limit_reached)
        return stop_at_limit (s, sweep);
      if (st != NMF_OK)
        return st;
      if (s->force[i] || fabs (val) > 1.0 + IMPROVE_EPS) {
        double *keep = s->q + i * r;
        memcpy (s->qsave, keep, r * sizeof (double));
        memcpy (keep, s->cand_best, r * sizeof (double));
        st = nmf_volmin_factor_q (s, &logdet);
        if (st != NMF_OK) {
          /* Forced replacement of an infeasible warm row produced a
           * singular Q: keep the old row, try again next sweep. */
          memcpy (keep, s->qsave, r * sizeof (double));
          if (nmf_volmin_factor_q (s, &logdet) != NMF_OK) {
            nmf_volmin_set_msg (s, "Q became singular");
            return NMF_ERR_RANK;
          }
          continue;
        }
        if (s->force[i])
          forced = 1;
        s->force[i] = 0;
      }
    }
    s->info.sweeps = sweep + 1;
    if (!forced && logdet - before <= log1p (s->opt.tolerance)) {
      s->info.converged = 1;
      break;
    }
  }
  return NMF_OK;
}

/* Replace each row by the null vector of its active constraints. */
void
nmf_volmin_polish (nmf_volmin * s)
{
  size_t n = s->n, r = s->r, i, j, c;

  if (r < 2)
    return;                     /* r = 1: q is fixed by the equality row */
  for (i = 0; i < r; i++) {
    double *qi = s->q + i * r, hmax = 0.0, t, val;
    size_t na = 0;
    lapack_int info;

    /* an SVD a row: at rank 64 the rows take a tenth of a second */
    if (nmf_volmin_cancelled (s))
      return;
    nmf_volmin_row_to_h (s, qi, s->hrow);
    for (j = 0; j < n; j++)
      if (fabs (s->hrow[j]) > hmax)
        hmax = fabs (s->hrow[j]);
    /* Active: h_j at zero up to simplex round-off; each row normalized so
     * every constraint counts equally in the least-squares null vector. */
    for (j = 0; j < n; j++)
      if (s->hrow[j] <= 1e-9 * hmax) {
        double nrm = cblas_dnrm2 ((int) r, s->v + j * r, 1);
        if (!(nrm > 0.0))
          continue;             /* an all-zero data column constrains nothing */
        for (c = 0; c < r; c++)
          s->act[na + c * n] = s->v[j * r + c] / nrm;
        na++;
      }
    if (na < r - 1)
      continue;
    info = LAPACKE_dgesvd_work (LAPACK_COL_MAJOR, 'N', 'A', (lapack_int) na,
        (lapack_int) r, s->act, (lapack_int) n, s->act_s, NULL, 1,
        s->act_vt, (lapack_int) r, s->act_work, s->act_lwork);
    if (info != 0)
      continue;
    /* Require a one-dimensional null space: the r-1 largest singular values
     * clearly nonzero and (if na >= r) the last one at round-off level. */
    if (!(s->act_s[r - 2] > 1e-6 * s->act_s[0]))
      continue;
    if (na >= r && !(s->act_s[r - 1] < 1e-8 * s->act_s[0]))
      continue;
    /* The null vector is the last row of VT (column-major r x r). */
    for (c = 0; c < r; c++)
      s->p[c] = s->act_vt[(r - 1) + c * r];
    t = nmf_volmin_dot (s->svec, s->p, r);
    if (!(fabs (t) > 1e-12 * cblas_dnrm2 ((int) r, s->svec, 1)))
      continue;
    for (c = 0; c < r; c++)
      s->cand_neg[c] = s->p[c] * s->rho / t;
    if (!nmf_volmin_row_feasible (s, s->cand_neg, 1e-9))
      continue;
    /* Never trade volume for precision. */
    if (nmf_volmin_factor_q (s, NULL) != NMF_OK)
      return;
    nmf_volmin_null_dir (s, i, s->p);
    val = fabs (nmf_volmin_dot (s->p, s->cand_neg, r));
    if (!(val >= 1.0 - 1e-9))
      continue;
    memcpy (qi, s->cand_neg, r * sizeof (double));
    s->info.polished_rows++;
  }
}
