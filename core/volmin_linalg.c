/* gst-nmf core: column-normalized volume minimization - the rank-r
 * subspace of the data and the small linear algebra on Q (see
 * volmin_private.h). */
#include "volmin_private.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include <cblas.h>

/* X has numerical rank below r when s_r <= 10 max(m, n) eps s_1. */
static nmf_status
check_rank (nmf_volmin * s, const double *sv)
{
  size_t m = s->m, n = s->n, r = s->r;

  s->info.singular_ratio = sv[0] > 0.0 ? sv[r - 1] / sv[0] : 0.0;
  if (!(sv[0] > 0.0)
      || sv[r - 1] <= 10.0 * (double) (m > n ? m : n) * DBL_EPSILON * sv[0]) {
    nmf_volmin_set_msg (s, "X has numerical rank below %zu (s_%zu / s_1 = "
        "%.3g)", r, r, s->info.singular_ratio);
    return NMF_ERR_RANK;
  }
  return NMF_OK;
}

/* svec = V^T 1, from v. */
static void
sum_rows (nmf_volmin * s)
{
  size_t n = s->n, r = s->r, i, j;

  for (i = 0; i < r; i++) {
    double t = 0.0;
    for (j = 0; j < n; j++)
      t += s->v[j * r + i];
    s->svec[i] = t;
  }
}

nmf_status
nmf_volmin_svd (nmf_volmin * s, const double *x)
{
  size_t m = s->m, n = s->n, r = s->r, k = s->k, i, j;
  lapack_int info;
  nmf_status st;

  /* Row-major X is X^T in column-major: its SVD V S U^T gives V in uc and
   * U^T in vt directly, with no transposition copies inside LAPACKE. */
  memcpy (s->a, x, m * n * sizeof (double));
  info = LAPACKE_dgesdd_work (LAPACK_COL_MAJOR, 'S', (lapack_int) n,
      (lapack_int) m, s->a, (lapack_int) n, s->sv, s->uc, (lapack_int) n,
      s->vt, (lapack_int) k, s->svd_work, s->svd_lwork, s->svd_iwork);
  if (info != 0) {
    nmf_volmin_set_msg (s, "SVD failed (LAPACK info %d)", (int) info);
    return NMF_ERR_NOT_CONVERGED;
  }
  if ((st = check_rank (s, s->sv)) != NMF_OK)
    return st;
  for (j = 0; j < n; j++)
    for (i = 0; i < r; i++)
      s->v[j * r + i] = s->uc[j + i * n];
  sum_rows (s);
  return NMF_OK;
}

nmf_status
nmf_volmin_load_subspace (nmf_volmin * s, const double *u, const double *sv,
    const double *vt)
{
  size_t m = s->m, n = s->n, r = s->r, k = s->k, i, j;
  nmf_status st;

  if ((st = check_rank (s, sv)) != NMF_OK)
    return st;
  /* The layout nmf_volmin_svd leaves behind: sv, vt (U^T, k x m
   * column-major) for the warm start, v (V, n x r row-major) and svec for
   * the LPs. */
  for (i = 0; i < r; i++)
    s->sv[i] = sv[i];
  for (j = 0; j < m; j++)
    for (i = 0; i < r; i++)
      s->vt[i + k * j] = u[j * r + i];
  for (j = 0; j < n; j++)
    for (i = 0; i < r; i++)
      s->v[j * r + i] = vt[i * n + j];
  sum_rows (s);
  return NMF_OK;
}

/* LU of Q^T (the column-major view of row-major Q) into s->lu; *logdet gets
 * log |det Q|. NMF_ERR_RANK if exactly singular. */
nmf_status
nmf_volmin_factor_q (nmf_volmin * s, double *logdet)
{
  size_t r = s->r, i;
  lapack_int info;
  double ld = 0.0;

  memcpy (s->lu, s->q, r * r * sizeof (double));
  info = LAPACKE_dgetrf_work (LAPACK_COL_MAJOR, (lapack_int) r,
      (lapack_int) r, s->lu, (lapack_int) r, s->ipiv);
  if (info < 0)
    return NMF_ERR_INVALID_ARGUMENT;
  for (i = 0; i < r; i++) {
    double d = fabs (s->lu[i * r + i]);
    if (!(d > 0.0))
      return NMF_ERR_RANK;
    ld += log (d);
  }
  if (logdet != NULL)
    *logdet = ld;
  return NMF_OK;
}

/* p = Q^{-1} e_i: p^T q_i = 1 and p^T q_j = 0 for j != i, so |p^T q| is the
 * factor by which |det Q| changes if row i becomes q. */
void
nmf_volmin_null_dir (nmf_volmin * s, size_t i, double *p)
{
  size_t r = s->r;

  memset (p, 0, r * sizeof (double));
  p[i] = 1.0;
  /* Q p = e_i, i.e. (Q^T)^T p = e_i with the LU of Q^T. */
  LAPACKE_dgetrs_work (LAPACK_COL_MAJOR, 'T', (lapack_int) r, 1, s->lu,
      (lapack_int) r, s->ipiv, p, (lapack_int) r);
}

double
nmf_volmin_dot (const double *a, const double *b, size_t n)
{
  double d = 0.0;
  for (size_t i = 0; i < n; i++)
    d += a[i] * b[i];
  return d;
}

/* h = V q (the H column a row q of Q gives, in RHO scale). */
void
nmf_volmin_row_to_h (const nmf_volmin * s, const double *q, double *h)
{
  cblas_dgemv (CblasRowMajor, CblasNoTrans, (int) s->n, (int) s->r, 1.0,
      s->v, (int) s->r, q, 1, 0.0, h, 1);
}

int
nmf_volmin_row_feasible (nmf_volmin * s, const double *q, double rel_tol)
{
  double mn = INFINITY, mx = 0.0, sum = nmf_volmin_dot (s->svec, q, s->r);
  size_t j;

  nmf_volmin_row_to_h (s, q, s->hrow);
  for (j = 0; j < s->n; j++) {
    if (s->hrow[j] < mn)
      mn = s->hrow[j];
    if (fabs (s->hrow[j]) > mx)
      mx = fabs (s->hrow[j]);
  }
  return mn >= -rel_tol * mx && fabs (sum - s->rho) <= 1e-9 * s->rho;
}

/* ||X - W H^T||_F^2 for X with m rows (s->m, or r in subspace mode). */
double
nmf_volmin_residual_sq (nmf_volmin *s, size_t m, const double *x,
    const double *w, const double *h) {
  size_t len = m * s->n, i;
  double e = 0.0;

  memcpy (s->a, x, len * sizeof (double));
  cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) m,
      (int) s->n, (int) s->r, -1.0, w, (int) s->r, h, (int) s->r, 1.0, s->a,
      (int) s->n);
  for (i = 0; i < len; i++)
    e += s->a[i] * s->a[i];
  return e;
}
