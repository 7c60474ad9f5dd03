/* gst-nmf core: column-normalized volume minimization (see volmin.h). */
#include "volmin.h"

#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <glpk.h>
#include <lapacke.h>

#include "rng.h"

/* Feasible rows are scaled so their H column sums to RHO = n instead of 1:
 * entries of H are then about 1 on average, which is the scale GLPK's
 * absolute tolerances (1e-7) are meant for. Divided out at the end. */

/* A row replacement must raise |det Q| by more than this relative amount:
 * alternative optimal vertices (ties, common with sparse H) then do not
 * make the AO cycle. */
#define IMPROVE_EPS 1e-13

struct nmf_volmin
{
  size_t m, n, r, k;
  nmf_volmin_options opt;
  double rho;

  /* SVD of X^T (column-major n x m, which is row-major X as stored). */
  double *a;                    /* m*n: SVD input, later residual scratch */
  double *sv;                   /* k singular values */
  double *uc;                   /* n x k col-major: right singular vectors V */
  double *vt;                   /* k x m col-major: U^T */
  double *svd_work;
  lapack_int svd_lwork;
  lapack_int *svd_iwork;

  double *v;                    /* n x r row-major: first r columns of V */
  double *svec;                 /* r: V^T 1 */

  /* AO state. Q is row-major r x r; its column-major view is Q^T. */
  double *q;
  double *lu;                   /* LU of Q^T */
  lapack_int *ipiv;
  double *p, *cand_pos, *cand_neg, *cand_best, *qsave, *ortho, *hrow;
  int *force;
  int *bstat;                   /* basis cache: 2 r slots of n + 1 + r */
  int *bvalid;
  int *ind;
  double *val;

  /* polish */
  double *act;                  /* n x r col-major */
  double *act_s, *act_vt, *act_work;
  lapack_int act_lwork;

  /* warm start */
  double *bmat, *gecon_work;
  lapack_int *gecon_iwork;

  /* regularized */
  double *gram, *fmat, *amat, *eig_work, *eig_val;
  lapack_int eig_lwork;
  double *xtw, *hx, *hxp, *hy, *hz, *hg, *sortbuf, *colbuf;
  double *wbuf, *wold, *hold, *wext, *hext;

  /* subspace mode (nmf_volmin_solve_subspace) */
  double *xr;                   /* r x n row-major: S V^T */
  double *wsub;                 /* r x r row-major: U^T W */

  /* GLPK, alive only inside a solve */
  glp_prob *lp;
  glp_smcp smcp;
  jmp_buf jb;

  nmf_volmin_info info;
  char msg[256];
};

static void
set_msg (nmf_volmin * s, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (s->msg, sizeof (s->msg), fmt, ap);
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
nmf_volmin_destroy (nmf_volmin * s)
{
  if (s == NULL)
    return;
  free (s->a);
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
}

nmf_status
nmf_volmin_create (size_t m, size_t n, size_t r,
    const nmf_volmin_options * opt, nmf_volmin ** out)
{
  nmf_volmin *s;
  size_t k;
  double wq;
  lapack_int info;

  if (out == NULL)
    return NMF_ERR_INVALID_ARGUMENT;
  *out = NULL;
  if (m == 0 || n == 0 || r == 0)
    return NMF_ERR_INVALID_ARGUMENT;
  /* LAPACK/BLAS/GLPK take int sizes. */
  if (m > 1u << 20 || n > 1u << 20 || m * n > (size_t) 1 << 30 || r > 1000)
    return NMF_ERR_INVALID_ARGUMENT;
  if (r > m || r > n)
    return NMF_ERR_RANK;
  if (opt != NULL) {
    if (opt->max_sweeps == 0 || !(opt->tolerance >= 0.0)
        || !(opt->tolerance < 1.0) || !(opt->lambda >= 0.0)
        || !(opt->lambda <= 1.0) || !(opt->delta > 0.0)
        || !(opt->delta <= 1e6) || !(opt->reg_tolerance >= 0.0)
        || opt->reg_inner == 0)
      return NMF_ERR_INVALID_ARGUMENT;
  }

  s = calloc (1, sizeof (*s));
  if (s == NULL)
    return NMF_ERR_NO_MEMORY;
  s->m = m;
  s->n = n;
  s->r = r;
  s->k = k = m < n ? m : n;
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

  ALLOC (a, m * n, double);
  ALLOC (sv, k, double);
  ALLOC (uc, n * k, double);
  ALLOC (vt, k * m, double);
  ALLOC (svd_iwork, 8 * k, lapack_int);
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
  ALLOC (wbuf, m * r, double);
  ALLOC (wold, m * r, double);
  ALLOC (hold, n * r, double);
  ALLOC (wext, m * r, double);
  ALLOC (hext, n * r, double);
  ALLOC (xr, r * n, double);
  ALLOC (wsub, r * r, double);

  /* Workspace queries, so that solve allocates nothing of ours. */
  info = LAPACKE_dgesdd_work (LAPACK_COL_MAJOR, 'S', (lapack_int) n,
      (lapack_int) m, s->a, (lapack_int) n, s->sv, s->uc, (lapack_int) n,
      s->vt, (lapack_int) k, &wq, -1, s->svd_iwork);
  if (info != 0)
    goto oom;
  s->svd_lwork = (lapack_int) wq + 1;
  ALLOC (svd_work, (size_t) s->svd_lwork, double);
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
   * Primal simplex measured faster here than GLP_DUALP (10 vs 11.5 ms). */
  s->smcp.presolve = GLP_OFF;
  s->smcp.it_lim = (int) (50 * (n + r + 1) + 1000);

  *out = s;
  return NMF_OK;

oom:
  nmf_volmin_destroy (s);
  return NMF_ERR_NO_MEMORY;
}

nmf_status
nmf_volmin_get_info (const nmf_volmin * s, nmf_volmin_info * info)
{
  if (s == NULL || info == NULL)
    return NMF_ERR_INVALID_ARGUMENT;
  *info = s->info;
  return NMF_OK;
}

const char *
nmf_volmin_last_error (const nmf_volmin * s)
{
  return s != NULL ? s->msg : "no solver";
}

void
nmf_volmin_thread_cleanup (void)
{
  glp_free_env ();
}

/* ---- small linear algebra on Q ----------------------------------------- */

/* LU of Q^T (the column-major view of row-major Q) into s->lu; *logdet gets
 * log |det Q|. NMF_ERR_RANK if exactly singular. */
static nmf_status
factor_q (nmf_volmin * s, double *logdet)
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
 * factor by which |det Q| changes if row i becomes q. Needs factor_q. */
static void
null_dir (nmf_volmin * s, size_t i, double *p)
{
  size_t r = s->r;

  memset (p, 0, r * sizeof (double));
  p[i] = 1.0;
  /* Q p = e_i, i.e. (Q^T)^T p = e_i with the LU of Q^T. */
  LAPACKE_dgetrs_work (LAPACK_COL_MAJOR, 'T', (lapack_int) r, 1, s->lu,
      (lapack_int) r, s->ipiv, p, (lapack_int) r);
}

static double
dot (const double *a, const double *b, size_t n)
{
  double d = 0.0;
  for (size_t i = 0; i < n; i++)
    d += a[i] * b[i];
  return d;
}

/* h = V q (the H column a row q of Q gives, in RHO scale). */
static void
row_to_h (const nmf_volmin * s, const double *q, double *h)
{
  cblas_dgemv (CblasRowMajor, CblasNoTrans, (int) s->n, (int) s->r, 1.0,
      s->v, (int) s->r, q, 1, 0.0, h, 1);
}

static int
row_feasible (nmf_volmin * s, const double *q, double rel_tol)
{
  double mn = INFINITY, mx = 0.0, sum = dot (s->svec, q, s->r);
  size_t j;

  row_to_h (s, q, s->hrow);
  for (j = 0; j < s->n; j++) {
    if (s->hrow[j] < mn)
      mn = s->hrow[j];
    if (fabs (s->hrow[j]) > mx)
      mx = fabs (s->hrow[j]);
  }
  return mn >= -rel_tol * mx && fabs (sum - s->rho) <= 1e-9 * s->rho;
}

/* ---- LPs ---------------------------------------------------------------- */

static void
glpk_error_hook (void *info)
{
  nmf_volmin *s = info;
  longjmp (s->jb, 1);
}

/* The row LP  max p^T q  s.t.  V q >= 0, s^T q = RHO  (n + 1 rows, r free
 * columns) is solved through its LP dual
 *
 *     min RHO t  s.t.  t s - V^T y = p,  y >= 0,  t free
 *
 * (r equality rows, n + 1 columns): the optimal q is the vector of row
 * duals, and GLPK then works with an r x r basis instead of an
 * (n + 1) x (n + 1) one. Measured at n = 200, r = 10: about 1.7 times
 * faster than the primal form, same pivots, same precision. Only the
 * right-hand side p changes between the LPs of one solve. */
static void
lp_build (nmf_volmin * s)
{
  size_t n = s->n, r = s->r, j, c;
  glp_prob *lp = glp_create_prob ();
  int *ind = s->ind;
  double *val = s->val;

  s->lp = lp;
  glp_set_obj_dir (lp, GLP_MIN);
  glp_add_rows (lp, (int) r);
  glp_add_cols (lp, (int) n + 1);
  for (c = 0; c < r; c++)
    glp_set_row_bnds (lp, (int) c + 1, GLP_FX, 0.0, 0.0);
  glp_set_col_bnds (lp, 1, GLP_FR, 0.0, 0.0);
  glp_set_obj_coef (lp, 1, s->rho);
  {
    int cnt = 0;
    for (c = 0; c < r; c++)
      if (s->svec[c] != 0.0) {
        cnt++;
        ind[cnt] = (int) c + 1;
        val[cnt] = s->svec[c];
      }
    glp_set_mat_col (lp, 1, cnt, ind, val);
  }
  for (j = 0; j < n; j++) {
    int cnt = 0;
    for (c = 0; c < r; c++) {
      double v = s->v[j * r + c];
      if (v != 0.0) {
        cnt++;
        ind[cnt] = (int) c + 1;
        val[cnt] = -v;
      }
    }
    glp_set_col_bnds (lp, (int) j + 2, GLP_LO, 0.0, 0.0);
    glp_set_mat_col (lp, (int) j + 2, cnt, ind, val);
  }
  memset (s->bvalid, 0, 2 * r * sizeof (int));
}

/* Maximize sign * p^T q over the polytope; the optimum goes to out.
 * slot >= 0 starts from (and then stores) the basis that slot ended with
 * last time: in later sweeps p changes little, so few pivots are needed
 * (measured: about 25% less time per solve at r = 10 than continuing from
 * whatever basis the previous LP left). */
static nmf_status
lp_solve (nmf_volmin * s, const double *p, double sign, int slot,
    double *out)
{
  glp_prob *lp = s->lp;
  size_t r = s->r, n = s->n, c, j;
  size_t stride = n + 1 + r;
  double pmax = 0.0;
  int ret, status, attempt, it0 = glp_get_it_cnt (lp);

  for (c = 0; c < r; c++)
    if (fabs (p[c]) > pmax)
      pmax = fabs (p[c]);
  if (!(pmax > 0.0) || !isfinite (pmax)) {
    set_msg (s, "degenerate objective in the LP");
    return NMF_ERR_LP;
  }
  for (c = 0; c < r; c++) {
    double b = sign * p[c] / pmax;
    glp_set_row_bnds (lp, (int) c + 1, GLP_FX, b, b);
  }
  if (slot >= 0 && s->bvalid[slot]) {
    const int *st = s->bstat + (size_t) slot * stride;
    for (c = 0; c < r; c++)
      glp_set_row_stat (lp, (int) c + 1, st[c]);
    for (j = 0; j < n + 1; j++)
      glp_set_col_stat (lp, (int) j + 1, st[r + j]);
  }
  /* A basis gone singular or an iteration limit hit on a degenerate
   * problem: retry from an advanced, then the standard basis. */
  for (attempt = 0;; attempt++) {
    ret = glp_simplex (lp, &s->smcp);
    if (ret == 0 || attempt == 2)
      break;
    if (ret != GLP_EBADB && ret != GLP_ESING && ret != GLP_ECOND
        && ret != GLP_EITLIM)
      break;
    if (attempt == 0)
      glp_adv_basis (lp, 0);
    else
      glp_std_basis (lp);
  }
  s->info.lp_solves++;
  s->info.simplex_iterations += (unsigned long) (glp_get_it_cnt (lp) - it0);
  if (ret != 0) {
    set_msg (s, "GLPK simplex failed (code 0x%02x)", ret);
    return NMF_ERR_LP;
  }
  status = glp_get_status (lp);
  /* The dual is unbounded exactly when the row LP is infeasible. */
  if (status == GLP_UNBND || status == GLP_NOFEAS) {
    set_msg (s, "LP infeasible: no nonnegative sum-to-one H spans the data's "
        "row space (data do not fit the model)");
    return NMF_ERR_LP;
  }
  if (status != GLP_OPT) {
    set_msg (s, "LP not solved to optimality (GLPK status %d)", status);
    return NMF_ERR_LP;
  }
  for (c = 0; c < r; c++)
    out[c] = glp_get_row_dual (lp, (int) c + 1);
  if (slot >= 0) {
    int *st = s->bstat + (size_t) slot * stride;
    for (c = 0; c < r; c++)
      st[c] = glp_get_row_stat (lp, (int) c + 1);
    for (j = 0; j < n + 1; j++)
      st[r + j] = glp_get_col_stat (lp, (int) j + 1);
    s->bvalid[slot] = 1;
  }
  return NMF_OK;
}

/* max |p^T q|: both LPs, the better of the two into out; *value = p^T out. */
static nmf_status
lp_best (nmf_volmin * s, const double *p, int row, double *out,
    double *value)
{
  nmf_status st;
  double vp, vn;

  st = lp_solve (s, p, 1.0, row >= 0 ? 2 * row : -1, s->cand_pos);
  if (st != NMF_OK)
    return st;
  st = lp_solve (s, p, -1.0, row >= 0 ? 2 * row + 1 : -1, s->cand_neg);
  if (st != NMF_OK)
    return st;
  vp = dot (p, s->cand_pos, s->r);
  vn = dot (p, s->cand_neg, s->r);
  if (fabs (vp) >= fabs (vn)) {
    memcpy (out, s->cand_pos, s->r * sizeof (double));
    *value = vp;
  } else {
    memcpy (out, s->cand_neg, s->r * sizeof (double));
    *value = vn;
  }
  return NMF_OK;
}

/* ---- starts ------------------------------------------------------------- */

/* Greedy feasible start: row i maximizes |p^T q| for a random p orthogonal
 * to rows 0..i-1, so it is independent of them. */
static nmf_status
start_cold (nmf_volmin * s)
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
        double d = dot (p, s->ortho + j * r, r);
        for (c = 0; c < r; c++)
          p[c] -= d * s->ortho[j * r + c];
      }
    nrm = cblas_dnrm2 ((int) r, p, 1);
    for (c = 0; c < r; c++)
      p[c] /= nrm;
    st = lp_best (s, p, -1, s->q + i * r, &val);
    if (st != NMF_OK)
      return st;
    qn = cblas_dnrm2 ((int) r, s->q + i * r, 1);
    if (!(fabs (val) > 1e-9 * qn)) {
      set_msg (s, "feasible set is flat: the data admit fewer than %zu "
          "independent nonnegative components", r);
      return NMF_ERR_RANK;
    }
    /* Orthonormalize the new row for the next directions. */
    memcpy (s->ortho + i * r, s->q + i * r, r * sizeof (double));
    for (int pass = 0; pass < 2; pass++)
      for (j = 0; j < i; j++) {
        double d = dot (s->ortho + i * r, s->ortho + j * r, r);
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
static int
start_warm (nmf_volmin * s, const double *w_prev)
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
    double t = dot (s->svec, qi, r);
    double scale = cblas_dnrm2 ((int) r, s->svec, 1)
        * cblas_dnrm2 ((int) r, qi, 1);
    if (fabs (t) > 1e-12 * scale)
      for (j = 0; j < r; j++)
        qi[j] *= s->rho / t;
    s->force[i] = !row_feasible (s, qi, 1e-7);
  }
  return factor_q (s, NULL) == NMF_OK;
}

/* ---- alternating optimization and polish -------------------------------- */

static nmf_status
alternate (nmf_volmin * s)
{
  size_t r = s->r, i;
  double logdet, before;
  nmf_status st;
  unsigned sweep;

  st = factor_q (s, &logdet);
  if (st != NMF_OK) {
    set_msg (s, "start point is singular");
    return NMF_ERR_RANK;
  }
  s->info.converged = 0;
  for (sweep = 0; sweep < s->opt.max_sweeps; sweep++) {
    int forced = 0;
    before = logdet;
    for (i = 0; i < r; i++) {
      double val;
      null_dir (s, i, s->p);
      st = lp_best (s, s->p, (int) i, s->cand_best, &val);
      if (st != NMF_OK)
        return st;
      if (s->force[i] || fabs (val) > 1.0 + IMPROVE_EPS) {
        double *keep = s->q + i * r;
        memcpy (s->qsave, keep, r * sizeof (double));
        memcpy (keep, s->cand_best, r * sizeof (double));
        st = factor_q (s, &logdet);
        if (st != NMF_OK) {
          /* Forced replacement of an infeasible warm row produced a
           * singular Q: keep the old row, try again next sweep. */
          memcpy (keep, s->qsave, r * sizeof (double));
          if (factor_q (s, &logdet) != NMF_OK) {
            set_msg (s, "Q became singular");
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
static void
polish (nmf_volmin * s)
{
  size_t n = s->n, r = s->r, i, j, c;

  if (r < 2)
    return;                     /* r = 1: q is fixed by the equality row */
  for (i = 0; i < r; i++) {
    double *qi = s->q + i * r, hmax = 0.0, t, val;
    size_t na = 0;
    lapack_int info;

    row_to_h (s, qi, s->hrow);
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
    t = dot (s->svec, s->p, r);
    if (!(fabs (t) > 1e-12 * cblas_dnrm2 ((int) r, s->svec, 1)))
      continue;
    for (c = 0; c < r; c++)
      s->cand_neg[c] = s->p[c] * s->rho / t;
    if (!row_feasible (s, s->cand_neg, 1e-9))
      continue;
    /* Never trade volume for precision. */
    if (factor_q (s, NULL) != NMF_OK)
      return;
    null_dir (s, i, s->p);
    val = fabs (dot (s->p, s->cand_neg, r));
    if (!(val >= 1.0 - 1e-9))
      continue;
    memcpy (qi, s->cand_neg, r * sizeof (double));
    s->info.polished_rows++;
  }
}

/* ---- outputs ------------------------------------------------------------ */

/* H = V Q^T / RHO, clipped at 0, from the final Q; leaves Q's LU factors
 * in s->lu for the W that follows. */
static nmf_status
outputs_h (nmf_volmin * s, double *h)
{
  size_t n = s->n, r = s->r, i;
  double logdet;

  if (factor_q (s, &logdet) != NMF_OK) {
    set_msg (s, "final Q is singular");
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

/* ||X - W H^T||_F^2 for X with m rows (s->m, or r in subspace mode). */
static double
residual_sq (nmf_volmin * s, size_t m, const double *x, const double *w,
    const double *h)
{
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

/* ---- regularized (log-det) refinement ----------------------------------- */

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
    f -= 2.0 * dot (s->xtw + j * r, hj, r);
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
    set_msg (s, "W^T W + delta I not positive definite");
    return NMF_ERR_NOT_FINITE;
  }
  *f = residual_sq (s, m, x, w, h) + lam * ld;
  if (!isfinite (*f)) {
    set_msg (s, "regularized objective is not finite");
    return NMF_ERR_NOT_FINITE;
  }
  return NMF_OK;
}

/* m: rows of x and w (s->m, or r in subspace mode). */
static nmf_status
regularize (nmf_volmin * s, size_t m, const double *x, double *w, double *h)
{
  size_t n = s->n, r = s->r, i, a;
  double xx = 0.0, wn = 0.0, lam, delta, f, fprev, beta = 0.5;
  unsigned it;
  lapack_int info;

  for (i = 0; i < m * n; i++)
    xx += x[i] * x[i];
  for (i = 0; i < m * r; i++)
    wn += w[i] * w[i];
  lam = s->opt.lambda * xx / (double) r;
  delta = s->opt.delta * wn / (double) r;
  if (!(delta > 0.0) || !isfinite (delta) || !isfinite (lam)) {
    set_msg (s, "regularization scale is degenerate");
    return NMF_ERR_NOT_FINITE;
  }

  if (reg_objective (s, m, x, w, h, lam, delta, &fprev) != NMF_OK)
    return NMF_ERR_NOT_FINITE;
  s->info.converged = 0;

  for (it = 0; it < s->opt.reg_iterations; it++) {
    double lmax, fx, fe, t = 1.0;
    unsigned inner;

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
      set_msg (s, "eigenvalue computation failed");
      return NMF_ERR_NOT_FINITE;
    }
    lmax = 2.0 * s->eig_val[r - 1];
    if (!(lmax > 0.0)) {
      set_msg (s, "W collapsed to zero; lower lambda");
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
      set_msg (s, "W^T W + delta I not positive definite");
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
      set_msg (s, "H^T H + lambda F not positive definite");
      return NMF_ERR_RANK;
    }
    /* X H (row-major m x r) is (X H)^T in column-major; solve in place. */
    cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) m,
        (int) r, (int) n, 1.0, x, (int) n, h, (int) r, 0.0, s->wbuf, (int) r);
    info = LAPACKE_dpotrs_work (LAPACK_COL_MAJOR, 'U', (lapack_int) r,
        (lapack_int) m, s->amat, (lapack_int) r, s->wbuf, (lapack_int) r);
    if (info != 0) {
      set_msg (s, "W update failed");
      return NMF_ERR_NOT_FINITE;
    }
    memcpy (w, s->wbuf, m * r * sizeof (double));
    if (reg_objective (s, m, x, w, h, lam, delta, &f) != NMF_OK)
      return NMF_ERR_NOT_FINITE;
    s->info.reg_iterations = it + 1;

    /* Block coordinate descent crawls along the valley of equal fit when
     * lambda is small (measured: thousands of iterations). Extrapolate
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
    s->msg[0] = '\0';

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

/* ---- solve -------------------------------------------------------------- */

/* Steps 2-4 (start, AO, polish) on the subspace already in s->sv, s->vt,
 * s->v and s->svec. */
static nmf_status
run_ao (nmf_volmin * s, const double *w_prev)
{
  nmf_status st;
  int old_term, env_was_there;

  /* GLPK keeps an environment per thread.  One this solve creates is freed
   * at its end, so a streaming thread that dies later leaks nothing; one
   * the thread already had (the host uses GLPK) is left alone. */
  switch (glp_init_env ()) {
    case 0:
      env_was_there = 0;
      break;
    case 1:
      env_was_there = 1;
      break;
    default:
      set_msg (s, "GLPK could not initialise its environment");
      return NMF_ERR_LP;
  }

  /* Everything GLPK sees is finite and well formed by now; the hook only
   * catches GLPK's own internal failures (e.g. out of memory). */
  s->lp = NULL;
  old_term = glp_term_out (GLP_OFF);
  if (setjmp (s->jb) != 0) {
    /* GLPK requires its environment freed after an error; that frees
     * s->lp too. */
    glp_free_env ();
    s->lp = NULL;
    set_msg (s, "GLPK internal error");
    return NMF_ERR_LP;
  }
  glp_error_hook (glpk_error_hook, s);
  lp_build (s);

  st = NMF_OK;
  if (w_prev != NULL)
    s->info.warm_started = start_warm (s, w_prev);
  if (!s->info.warm_started)
    st = start_cold (s);
  if (st == NMF_OK)
    st = alternate (s);
  if (st == NMF_OK && s->opt.polish)
    polish (s);

  glp_delete_prob (s->lp);
  s->lp = NULL;
  glp_error_hook (NULL, NULL);
  glp_term_out (old_term);
  if (!env_was_there)
    glp_free_env ();
  return st;
}

static nmf_status
solve_common (nmf_volmin * s, const double *x, const double *w_prev,
    double *w, double *h)
{
  size_t m, n, r, k, i, j;
  lapack_int info;
  nmf_status st;
  double xx;

  if (s == NULL)
    return NMF_ERR_INVALID_ARGUMENT;
  s->msg[0] = '\0';
  memset (&s->info, 0, sizeof (s->info));
  if (x == NULL || w == NULL || h == NULL) {
    set_msg (s, "invalid argument");
    return NMF_ERR_INVALID_ARGUMENT;
  }
  m = s->m;
  n = s->n;
  r = s->r;
  k = s->k;
  xx = 0.0;
  for (i = 0; i < m * n; i++) {
    if (!isfinite (x[i])) {
      set_msg (s, "X holds NaN or Inf (row %zu, column %zu)", i / n, i % n);
      return NMF_ERR_NOT_FINITE;
    }
    xx += x[i] * x[i];
  }
  if (w_prev != NULL)
    for (i = 0; i < m * r; i++)
      if (!isfinite (w_prev[i])) {
        set_msg (s, "previous W holds NaN or Inf");
        return NMF_ERR_NOT_FINITE;
      }

  /* Row-major X is X^T in column-major: its SVD V S U^T gives V in uc and
   * U^T in vt directly, with no transposition copies inside LAPACKE. */
  memcpy (s->a, x, m * n * sizeof (double));
  info = LAPACKE_dgesdd_work (LAPACK_COL_MAJOR, 'S', (lapack_int) n,
      (lapack_int) m, s->a, (lapack_int) n, s->sv, s->uc, (lapack_int) n,
      s->vt, (lapack_int) k, s->svd_work, s->svd_lwork, s->svd_iwork);
  if (info != 0) {
    set_msg (s, "SVD failed (LAPACK info %d)", (int) info);
    return NMF_ERR_NOT_CONVERGED;
  }
  s->info.singular_ratio = s->sv[0] > 0.0 ? s->sv[r - 1] / s->sv[0] : 0.0;
  if (!(s->sv[0] > 0.0)
      || s->sv[r - 1] <= 10.0 * (double) (m > n ? m : n) * DBL_EPSILON
      * s->sv[0]) {
    set_msg (s, "X has numerical rank below %zu (s_%zu / s_1 = %.3g)", r, r,
        s->info.singular_ratio);
    return NMF_ERR_RANK;
  }
  for (j = 0; j < n; j++)
    for (i = 0; i < r; i++)
      s->v[j * r + i] = s->uc[j + i * n];
  for (i = 0; i < r; i++) {
    double t = 0.0;
    for (j = 0; j < n; j++)
      t += s->v[j * r + i];
    s->svec[i] = t;
  }

  st = run_ao (s, w_prev);
  if (st != NMF_OK)
    return st;

  st = exact_outputs (s, w, h);
  if (st != NMF_OK)
    return st;
  if (s->opt.lambda > 0.0) {
    int ao_converged = s->info.converged;
    st = regularize (s, s->m, x, w, h);
    if (st != NMF_OK)
      return st;
    s->info.converged = s->info.converged && ao_converged;
  }
  s->info.residual = xx > 0.0 ? sqrt (residual_sq (s, s->m, x, w, h) / xx)
      : 0.0;
  if (!s->info.converged) {
    set_msg (s, "stopped after %u sweeps / %u regularized iterations "
        "without converging", s->info.sweeps, s->info.reg_iterations);
    return NMF_ERR_NOT_CONVERGED;
  }
  return NMF_OK;
}

nmf_status
nmf_volmin_solve (nmf_volmin * s, const double *x, double *w, double *h)
{
  return solve_common (s, x, NULL, w, h);
}

nmf_status
nmf_volmin_solve_warm (nmf_volmin * s, const double *x, const double *w_prev,
    double *w, double *h)
{
  if (w_prev == NULL) {
    if (s != NULL)
      set_msg (s, "invalid argument: no previous W");
    return NMF_ERR_INVALID_ARGUMENT;
  }
  return solve_common (s, x, w_prev, w, h);
}

/* ---- subspace mode ------------------------------------------------------- */

nmf_status
nmf_volmin_solve_subspace (nmf_volmin * s, const double *u, const double *sv,
    const double *vt, const double *w_prev, double *w, double *h)
{
  size_t m, n, r, k, i, j;
  nmf_status st;
  double ss;

  if (s == NULL)
    return NMF_ERR_INVALID_ARGUMENT;
  s->msg[0] = '\0';
  memset (&s->info, 0, sizeof (s->info));
  if (u == NULL || sv == NULL || vt == NULL || w == NULL || h == NULL) {
    set_msg (s, "invalid argument");
    return NMF_ERR_INVALID_ARGUMENT;
  }
  m = s->m;
  n = s->n;
  r = s->r;
  k = s->k;
  for (i = 0; i < m * r; i++)
    if (!isfinite (u[i])) {
      set_msg (s, "U holds NaN or Inf");
      return NMF_ERR_NOT_FINITE;
    }
  for (i = 0; i < r * n; i++)
    if (!isfinite (vt[i])) {
      set_msg (s, "V^T holds NaN or Inf");
      return NMF_ERR_NOT_FINITE;
    }
  for (i = 0; i < r; i++)
    if (!isfinite (sv[i]) || sv[i] < 0.0 || (i > 0 && sv[i] > sv[i - 1])) {
      set_msg (s, "singular values must be finite, >= 0 and non-increasing");
      return NMF_ERR_INVALID_ARGUMENT;
    }
  if (w_prev != NULL)
    for (i = 0; i < m * r; i++)
      if (!isfinite (w_prev[i])) {
        set_msg (s, "previous W holds NaN or Inf");
        return NMF_ERR_NOT_FINITE;
      }
  s->info.singular_ratio = sv[0] > 0.0 ? sv[r - 1] / sv[0] : 0.0;
  if (!(sv[0] > 0.0)
      || sv[r - 1] <= 10.0 * (double) (m > n ? m : n) * DBL_EPSILON * sv[0]) {
    set_msg (s, "X has numerical rank below %zu (s_%zu / s_1 = %.3g)", r, r,
        s->info.singular_ratio);
    return NMF_ERR_RANK;
  }

  /* The layout solve_common leaves behind: sv, vt (U^T, k x m column-major)
   * for the warm start, v (V, n x r row-major) and svec for the LPs. */
  for (i = 0; i < r; i++)
    s->sv[i] = sv[i];
  for (j = 0; j < m; j++)
    for (i = 0; i < r; i++)
      s->vt[i + k * j] = u[j * r + i];
  for (j = 0; j < n; j++)
    for (i = 0; i < r; i++)
      s->v[j * r + i] = vt[i * n + j];
  for (i = 0; i < r; i++) {
    double t = 0.0;
    for (j = 0; j < n; j++)
      t += vt[i * n + j];
    s->svec[i] = t;
  }

  st = run_ao (s, w_prev);
  if (st != NMF_OK)
    return st;

  /* H = V Q^T / RHO clipped at 0; in the coordinates of U, the data are
   * xr = S V^T and W = U wsub with wsub = RHO S Q^{-1}. */
  if ((st = outputs_h (s, h)) != NMF_OK)
    return st;
  /* Q^T wsub^T = RHO S, with wsub^T column-major = wsub row-major. One
   * right-hand side per call: OpenBLAS 0.3.21 hands dgetrs with several
   * right-hand sides to its thread pool whatever the size (measured: the
   * helper threads then spin on the other core). */
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
  if (s->opt.lambda > 0.0) {
    int ao_converged = s->info.converged;
    st = regularize (s, r, s->xr, s->wsub, h);
    if (st != NMF_OK)
      return st;
    s->info.converged = s->info.converged && ao_converged;
  }
  /* W = U wsub (m x r row-major). */
  cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) m, (int) r,
      (int) r, 1.0, u, (int) r, s->wsub, (int) r, 0.0, w, (int) r);
  /* W lies in the span of U (orthonormal), so the residual against
   * U S V^T is the residual of the r x n coordinates. */
  s->info.residual = ss > 0.0
      ? sqrt (residual_sq (s, r, s->xr, s->wsub, h) / ss) : 0.0;
  if (!s->info.converged) {
    set_msg (s, "stopped after %u sweeps / %u regularized iterations "
        "without converging", s->info.sweeps, s->info.reg_iterations);
    return NMF_ERR_NOT_CONVERGED;
  }
  return NMF_OK;
}
