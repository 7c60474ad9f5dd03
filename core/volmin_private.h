/* gst-nmf core (internal): the state of nmf_volmin (<nmf/factorize.h>),
 * shared by its files: volmin.c (the object and the solves),
 * volmin_linalg.c (the subspace and small linear algebra on Q),
 * volmin_lp.c (the GLPK layer and its error hook), volmin_ao.c (the
 * starts, the alternating optimization and the polish) and volmin_reg.c
 * (the log-det regularized solver). */
#ifndef NMF_VOLMIN_PRIVATE_H
#define NMF_VOLMIN_PRIVATE_H

#include <setjmp.h>
#include <stddef.h>

#include <glpk.h>
#include <lapacke.h>

#include "volmin.h"

struct nmf_volmin
{
  size_t m, n, r, k;             /* k: rows of vt, min(m, n) or r */
  int subspace_only;            /* made by nmf_volmin_create_subspace */
  nmf_volmin_options opt;
  /* Feasible rows are scaled so that their H column sums to RHO = n
   * instead of 1: entries of H are then about 1 on average, the scale
   * GLPK's absolute tolerances (1e-7) are meant for.  Divided out at the
   * end. */
  double rho;

  /* SVD of X^T (column-major n x m, which is row-major X as stored). */
  /* The data have m rows, r when subspace_only (then xs, wps, uc and the
   * SVD's workspace are NULL: only nmf_volmin_svd uses them). */
  double *a;                    /* rows*n: SVD input, later residual scratch */
  double *xs;                   /* m*n: X times 2^-e, the scale solved at */
  double *wps;                  /* m*r: W_prev times 2^-e */
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
  double *wbuf, *wold, *wext;   /* rows*r */
  double *hold, *hext;

  /* subspace mode (nmf_volmin_solve_subspace) */
  double *xr;                   /* r x n row-major: S V^T */
  double *wsub;                 /* r x r row-major: U^T W */

  /* GLPK, alive only inside a solve */
  glp_prob *lp;
  glp_smcp smcp;
  int it_lim;                   /* GLPK's pivots per LP, without a limit */
  jmp_buf jb;

  /* the work limit of each solve (nmf_volmin_set_work_limit), 0: none;
   * the work done by the solve under way, and whether it reached the
   * limit (in an LP: limit_reached; with the rows all feasible:
   * stopped_at_limit) */
  double work_limit, work_done;
  int limit_reached, stopped_at_limit;

  /* the host's flag (nmf_volmin_set_cancel), NULL: none */
  const volatile int *cancel;

  nmf_volmin_info info;
  /* the caller's message buffer, during a call */
  char *message;
  size_t message_size;
};

/* volmin.c */

/* One line into the caller's message buffer. */
void nmf_volmin_set_msg (nmf_volmin * s, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));

/* volmin_linalg.c */

/* The rank-r subspace of X (row-major m x n) into sv, vt, v and svec;
 * NMF_ERR_RANK (with the message) when X has numerical rank below r. */
nmf_status nmf_volmin_svd (nmf_volmin * s, const double *x);
/* The same from a subspace given as U (m x r), S (r), V^T (r x n). */
nmf_status nmf_volmin_load_subspace (nmf_volmin * s, const double *u,
    const double *sv, const double *vt);
/* LU of Q into s->lu; *logdet (may be NULL) gets log |det Q|.
 * NMF_ERR_RANK if Q is exactly singular. */
nmf_status nmf_volmin_factor_q (nmf_volmin * s, double *logdet);
/* p = Q^{-1} e_i (after nmf_volmin_factor_q). */
void nmf_volmin_null_dir (nmf_volmin * s, size_t i, double *p);
double nmf_volmin_dot (const double *a, const double *b, size_t n);
/* h = V q: the H column a row q of Q gives (RHO scale). */
void nmf_volmin_row_to_h (const nmf_volmin * s, const double *q, double *h);
/* 1 when row q gives an H column >= -rel_tol max|h| that sums to RHO. */
int nmf_volmin_row_feasible (nmf_volmin * s, const double *q,
    double rel_tol);
/* ||X - W H^T||_F^2 for X with m rows (s->m, or r in subspace mode). */
double nmf_volmin_residual_sq (nmf_volmin * s, size_t m, const double *x,
    const double *w, const double *h);

/* volmin_lp.c */

/* Counts work towards the solve's limit; 0 once the limit is reached
 * (then limit_reached is set).  Always 1 without a limit. */
int nmf_volmin_spend (nmf_volmin * s, double work);
/* 1 once the caller's flag is raised, with the message written. */
int nmf_volmin_cancelled (nmf_volmin * s);

/* max |p^T q| over the feasible rows: both LPs, the better into out;
 * *value = p^T out.  row >= 0 reuses that row's bases. */
nmf_status nmf_volmin_lp_best (nmf_volmin * s, const double *p, int row,
    double *out, double *value);
/* Steps 2-4 (start, AO, polish) inside a GLPK session, on the subspace
 * loaded; w_prev (may be NULL) for the warm start. */
nmf_status nmf_volmin_optimize (nmf_volmin * s, const double *w_prev);

/* volmin_ao.c */

nmf_status nmf_volmin_start_cold (nmf_volmin * s);
/* 0 if W_prev is too far from the new subspace to be used. */
int nmf_volmin_start_warm (nmf_volmin * s, const double *w_prev);
nmf_status nmf_volmin_alternate (nmf_volmin * s);
void nmf_volmin_polish (nmf_volmin * s);

/* volmin_reg.c */

/* The log-det regularized refinement of (w, h), from the exact solution;
 * m: rows of x and w (s->m, or r in subspace mode). */
nmf_status nmf_volmin_regularize (nmf_volmin * s, size_t m, const double *x,
    double *w, double *h);

#endif /* NMF_VOLMIN_PRIVATE_H */
