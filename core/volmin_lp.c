/* gst-nmf core: column-normalized volume minimization - the linear
 * programs, through GLPK, and the GLPK session a solve runs in (see
 * volmin_private.h). */
#include "volmin_private.h"

#include <math.h>
#include <string.h>

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
 * (n + 1) x (n + 1) one, which is faster for the same pivots and
 * precision.  Only the right-hand side p changes between the LPs of one
 * solve. */
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

int
nmf_volmin_spend (nmf_volmin * s, double work)
{
  if (!(s->work_limit > 0.0))
    return 1;
  s->work_done += work;
  if (s->work_done < s->work_limit)
    return 1;
  s->limit_reached = 1;
  return 0;
}

int
nmf_volmin_cancelled (nmf_volmin * s)
{
  /* an atomic read: another thread writes the flag (a plain read of it is
   * a data race in C11, volatile or not) */
  if (s->cancel == NULL || !__atomic_load_n (s->cancel, __ATOMIC_RELAXED))
    return 0;
  nmf_volmin_set_msg (s, "cancelled");
  return 1;
}

static nmf_status
lp_limit_reached (nmf_volmin * s)
{
  s->limit_reached = 1;
  nmf_volmin_set_msg (s, "the linear programs of rank %zu over %zu "
      "columns reached the work limit (%.3g) before a first feasible "
      "point: a lower rank or fewer columns would fit", s->r, s->n,
      s->work_limit);
  return NMF_ERR_NOT_CONVERGED;
}

/* Maximize sign * p^T q over the polytope; the optimum goes to out.
 * slot >= 0 starts from (and then stores) the basis that slot ended with
 * last time: in later sweeps p changes little, so fewer pivots are needed
 * than from whatever basis the previous LP left. */
static nmf_status
lp_solve (nmf_volmin * s, const double *p, double sign, int slot,
    double *out)
{
  glp_prob *lp = s->lp;
  size_t r = s->r, n = s->n, c, j;
  size_t stride = n + 1 + r;
  double pmax = 0.0, pivot_work = (double) (n + 1 + r) * (double) r;
  int ret, status, attempt, it0 = glp_get_it_cnt (lp);

  /* GLPK's simplex cannot be stopped from outside: the flag is seen
   * between two LPs */
  if (nmf_volmin_cancelled (s))
    return NMF_ERR_CANCELLED;
  for (c = 0; c < r; c++)
    if (fabs (p[c]) > pmax)
      pmax = fabs (p[c]);
  if (!(pmax > 0.0) || !isfinite (pmax)) {
    nmf_volmin_set_msg (s, "degenerate objective in the LP");
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
  /* its basis factorized: about r^3 */
  if (!nmf_volmin_spend (s, (double) r * (double) r * (double) r))
    return lp_limit_reached (s);
  /* A basis gone singular or an iteration limit hit on a degenerate
   * problem: retry from an advanced, then the standard basis.  Under a
   * work limit each attempt may pivot only as far as the limit allows. */
  for (attempt = 0;; attempt++) {
    int it_before = glp_get_it_cnt (lp), limited = 0;
    s->smcp.it_lim = s->it_lim;
    if (s->work_limit > 0.0) {
      double left = (s->work_limit - s->work_done) / pivot_work;
      if (left < (double) s->it_lim) {
        s->smcp.it_lim = left >= 1.0 ? (int) left : 1;
        limited = 1;
      }
    }
    ret = glp_simplex (lp, &s->smcp);
    nmf_volmin_spend (s, pivot_work * (glp_get_it_cnt (lp) - it_before));
    if (ret == GLP_EITLIM && limited) {
      s->info.lp_solves++;
      s->info.simplex_iterations += (size_t) (glp_get_it_cnt (lp) - it0);
      return lp_limit_reached (s);
    }
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
  s->info.simplex_iterations += (size_t) (glp_get_it_cnt (lp) - it0);
  if (ret != 0) {
    nmf_volmin_set_msg (s, "GLPK simplex failed (code 0x%02x)", ret);
    return NMF_ERR_LP;
  }
  status = glp_get_status (lp);
  /* The dual is unbounded exactly when the row LP is infeasible. */
  if (status == GLP_UNBND || status == GLP_NOFEAS) {
    nmf_volmin_set_msg (s,
        "LP infeasible: no nonnegative sum-to-one H spans the data's "
        "row space (data do not fit the model)");
    return NMF_ERR_LP;
  }
  if (status != GLP_OPT) {
    nmf_volmin_set_msg (s, "LP not solved to optimality (GLPK status %d)",
        status);
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
nmf_status
nmf_volmin_lp_best (nmf_volmin * s, const double *p, int row, double *out,
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
  vp = nmf_volmin_dot (p, s->cand_pos, s->r);
  vn = nmf_volmin_dot (p, s->cand_neg, s->r);
  if (fabs (vp) >= fabs (vn)) {
    memcpy (out, s->cand_pos, s->r * sizeof (double));
    *value = vp;
  } else {
    memcpy (out, s->cand_neg, s->r * sizeof (double));
    *value = vn;
  }
  return NMF_OK;
}

/* Steps 2-4 (start, AO, polish) on the subspace already in s->sv, s->vt,
 * s->v and s->svec. */
nmf_status
nmf_volmin_optimize (nmf_volmin * s, const double *w_prev)
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
      nmf_volmin_set_msg (s, "GLPK could not initialise its environment");
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
    nmf_volmin_set_msg (s, "GLPK internal error");
    return NMF_ERR_LP;
  }
  glp_error_hook (glpk_error_hook, s);
  lp_build (s);

  st = NMF_OK;
  if (w_prev != NULL)
    s->info.warm_started = nmf_volmin_start_warm (s, w_prev);
  if (!s->info.warm_started)
    st = nmf_volmin_start_cold (s);
  if (st == NMF_OK)
    st = nmf_volmin_alternate (s);
  /* the polish is a refinement: left out once the limit is reached */
  if (st == NMF_OK && s->opt.polish && !s->limit_reached)
    nmf_volmin_polish (s);
  if (st == NMF_OK && nmf_volmin_cancelled (s))
    st = NMF_ERR_CANCELLED;     /* the polish may have stopped half way */

  glp_delete_prob (s->lp);
  s->lp = NULL;
  glp_error_hook (NULL, NULL);
  glp_term_out (old_term);
  if (!env_was_there)
    glp_free_env ();
  return st;
}
