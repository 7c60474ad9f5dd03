/* gst-nmf core: sliding-window volume minimization (see volmin_stream.h). */
#include "volmin_stream.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cblas.h>
#include <lapacke.h>

#include "hungarian.h"
#include "rng.h"
#include "volmin.h"

/* OpenBLAS (0.3.x, interface/gemm.c and gemv.c) runs a product on one
 * thread when m n k <= 65536 * GEMM_MULTITHREAD_THRESHOLD (default 4) for
 * gemm and m n < 2304 * 4 for gemv. Products are cut into blocks at half
 * those sizes, so none of them wakes the thread pool (whose threads would
 * otherwise spin on the other core after every call). */
#define GEMM_BLOCK_MNK 131072.0
#define GEMV_BLOCK_MN 4096.0

/* s_r / s_1 below which the window counts as rank deficient. The products
 * run in float (relative round-off about 1e-7 times a few), so a window of
 * rank below r shows s_r / s_1 of 1e-6 at most; real mixtures are far
 * above 1e-4. */
#define RANK_TOL 1e-4

/* Weight of the random combination of the window's frames mixed into each
 * subspace iteration, relative to the normalized B. */
#define MIX_ETA 1e-2

/* Iterations from a random basis (no model yet). */
#define COLD_ITERATIONS 3

/* The work limit of a refresh's solve (nmf_volmin_set_work_limit): about
 * 1 s of one core on x86-64 (2 ns a unit).  A refresh runs in the
 * streaming thread, and a state change or a flushing seek waits for it:
 * unbounded, one took 35 s at 64 components and fft-size 256 (10624
 * LPs), and then a second one 28 s to fail at its 100th sweep.  The
 * element's defaults use a few thousand units, 32 components at fft-size
 * 256 1.2e8 - 1.8e8. */
#define REFRESH_WORK_LIMIT 5e8

/* A refresh that fails before there is any model (settings too large for
 * the limit: 128 components over the default window) would fail again at
 * every interval, each at the limit's cost (9 s of noise took 41 s of
 * CPU): the interval doubles after each such failure, up to this many
 * times, and is back to itself once a model is in. */
#define MAX_BACKOFF 64

struct nmf_volmin_stream
{
  int F, T, r, interval, iterations, min_active;
  double lambda;
  uint64_t seed;
  nmf_volmin *solver;
  nmf_xrng rng;
  const volatile int *cancel;   /* the caller's flag, or NULL */

  /* window */
  float *X;                     /* F x T column-major ring of frames */
  float *B;                     /* r x T column-major: U^T X, current U */
  int pos, fill, since_refresh;  /* fill: frames with sound (silence
                                 * takes no place in the window) */
  int backoff;                  /* refresh every interval x backoff frames */

  /* per frame: proj = [U | P^T], F x 2r column-major */
  float *proj;
  float *out;                   /* 2r: U^T v, then h = P v */

  /* model */
  float *W;                     /* F x r column-major (templates) */
  double *Wd;                   /* F x r row-major, for the warm start */
  int has_model;

  /* refresh workspace */
  float *M;                     /* r x T column-major */
  float *Y;                     /* F x r column-major */
  double *Yd;                   /* F x r column-major, orthonormalized */
  double *Ud;                   /* F x r row-major */
  double *Bd;                   /* r x T column-major */
  double *sv;                   /* r */
  double *Ub;                   /* r x r column-major */
  double *vtc;                  /* r x T column-major (LAPACK) */
  double *Vt;                   /* r x T row-major (solver) */
  double *svd_work;
  lapack_int svd_lwork;
  lapack_int *svd_iwork;
  double *Wn;                   /* F x r row-major: new W */
  double *Wp;                   /* F x r row-major: new W, permuted */
  double *Hn;                   /* T x r row-major */
  double *A;                    /* r x r */
  double *A_work;
  lapack_int *ipiv;
  double *cost;
  double *assign_work;          /* NMF_ASSIGNMENT_WORK (r) */
  size_t *perm;
  /* what the subspace tracking changes, as it was before the refresh:
   * put back when the refresh is cancelled */
  float *U_kept;                /* F x r: proj's first r columns */
  float *B_kept;                /* r x T */
  nmf_xrng rng_kept;

  nmf_volmin_stream_stats st;
  char msg[256];
};

static double
cpu_now (void)
{
  struct timespec ts;
  if (clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
    return 0.0;
  return (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
}

/* ---- blocked thin products --------------------------------------------- */

/* Y (F x r, ld F) = X (F x T, ld F) M^T, M r x T (ld r). */
static void
prod_x_mt (const nmf_volmin_stream * s, const float *M, float *Y)
{
  int F = s->F, T = s->T, r = s->r;
  int rb = (int) (GEMM_BLOCK_MNK / ((double) r * (double) T));
  if (rb < 1)
    rb = 1;
  for (int f0 = 0; f0 < F; f0 += rb) {
    int fb = F - f0 < rb ? F - f0 : rb;
    cblas_sgemm (CblasColMajor, CblasNoTrans, CblasTrans, fb, r, T, 1.0f,
        s->X + f0, F, M, r, 0.0f, Y + f0, F);
  }
}

/* B (r x T, ld r) = U^T X, U the first r columns of proj (ld F). */
static void
prod_ut_x (const nmf_volmin_stream * s, float *B)
{
  int F = s->F, T = s->T, r = s->r;
  int cb = (int) (GEMM_BLOCK_MNK / ((double) r * (double) F));
  if (cb < 1)
    cb = 1;
  for (int t0 = 0; t0 < T; t0 += cb) {
    int tb = T - t0 < cb ? T - t0 : cb;
    cblas_sgemm (CblasColMajor, CblasTrans, CblasNoTrans, r, tb, F, 1.0f,
        s->proj, F, s->X + (size_t) t0 * F, F, 0.0f, B + (size_t) t0 * r, r);
  }
}

/* out (2r) = proj^T v, in row blocks accumulated. */
static void
prod_proj_v (nmf_volmin_stream * s, const float *v)
{
  int F = s->F, n = 2 * s->r;
  int rb = (int) (GEMV_BLOCK_MN / (double) n);
  if (rb < 1)
    rb = 1;
  for (int f0 = 0; f0 < F; f0 += rb) {
    int fb = F - f0 < rb ? F - f0 : rb;
    cblas_sgemv (CblasColMajor, CblasTrans, fb, n, 1.0f, s->proj + f0, F,
        v + f0, 1, f0 == 0 ? 0.0f : 1.0f, s->out, 1);
  }
}

/* ---- small helpers ------------------------------------------------------ */

static void
set_msg (nmf_volmin_stream * s, const char *fmt, const char *detail)
{
  snprintf (s->msg, sizeof (s->msg), fmt, detail);
}

/* Orthonormalize the r columns of Yd (F x r, column-major) by classical
 * Gram-Schmidt applied twice; a column that vanishes (data of rank < r) is
 * replaced by a random direction orthogonal to the others. */
static void
orthonormalize (nmf_volmin_stream * s, double *Y)
{
  int F = s->F, r = s->r;

  for (int k = 0; k < r; k++) {
    double *y = Y + (size_t) k * F;
    for (int attempt = 0; attempt < 4; attempt++) {
      double n0 = 0.0, n1;
      for (int f = 0; f < F; f++)
        n0 += y[f] * y[f];
      n0 = sqrt (n0);
      if (n0 > 0.0 && isfinite (n0))
        for (int f = 0; f < F; f++)
          y[f] /= n0;           /* scale first: data may be 1e-30 or 1e20 */
      for (int pass = 0; pass < 2; pass++)
        for (int j = 0; j < k; j++) {
          const double *q = Y + (size_t) j * F;
          double d = 0.0;
          for (int f = 0; f < F; f++)
            d += q[f] * y[f];
          for (int f = 0; f < F; f++)
            y[f] -= d * q[f];
        }
      n1 = 0.0;
      for (int f = 0; f < F; f++)
        n1 += y[f] * y[f];
      n1 = sqrt (n1);
      if (n0 > 0.0 && isfinite (n0) && n1 > 1e-8) {
        for (int f = 0; f < F; f++)
          y[f] /= n1;
        break;
      }
      for (int f = 0; f < F; f++)
        y[f] = nmf_xrng_normal (&s->rng);
    }
  }
}

/* A random orthonormal basis into proj's first r columns; B = 0. */
static void
random_basis (nmf_volmin_stream * s)
{
  int F = s->F, r = s->r;
  for (size_t i = 0; i < (size_t) F * r; i++)
    s->Yd[i] = nmf_xrng_normal (&s->rng);
  orthonormalize (s, s->Yd);
  for (size_t i = 0; i < (size_t) F * r; i++)
    s->proj[i] = (float) s->Yd[i];
}

/* ---- create / destroy / reset ------------------------------------------ */

void
nmf_volmin_stream_destroy (nmf_volmin_stream ** ps)
{
  nmf_volmin_stream *s;

  if (ps == NULL || *ps == NULL)
    return;
  s = *ps;
  nmf_volmin_destroy (&s->solver);
  free (s->X);
  free (s->B);
  free (s->proj);
  free (s->out);
  free (s->W);
  free (s->Wd);
  free (s->M);
  free (s->Y);
  free (s->Yd);
  free (s->Ud);
  free (s->Bd);
  free (s->sv);
  free (s->Ub);
  free (s->vtc);
  free (s->Vt);
  free (s->svd_work);
  free (s->svd_iwork);
  free (s->Wn);
  free (s->Wp);
  free (s->Hn);
  free (s->A);
  free (s->A_work);
  free (s->ipiv);
  free (s->cost);
  free (s->assign_work);
  free (s->perm);
  free (s->U_kept);
  free (s->B_kept);
  free (s);
  *ps = NULL;
}

static void
forget_model (nmf_volmin_stream * s)
{
  size_t F = (size_t) s->F, r = (size_t) s->r;

  s->has_model = 0;
  memset (s->W, 0, F * r * sizeof (float));
  memset (s->Wd, 0, F * r * sizeof (double));
  memset (s->proj + F * r, 0, F * r * sizeof (float));    /* P^T */
  nmf_xrng_seed (&s->rng, s->seed);
  random_basis (s);
}

void
nmf_volmin_stream_reset (nmf_volmin_stream * s, int keep_model)
{
  if (s == NULL)
    return;
  memset (s->X, 0, (size_t) s->F * s->T * sizeof (float));
  memset (s->B, 0, (size_t) s->r * s->T * sizeof (float));
  s->pos = s->fill = s->since_refresh = 0;
  s->backoff = 1;
  s->msg[0] = '\0';
  if (!keep_model)
    forget_model (s);
}

int
nmf_volmin_stream_create (nmf_volmin_stream ** out, int bins, int rank,
    int window_frames, int refresh_interval, double lambda, uint64_t seed)
{
  nmf_volmin_stream *s;
  nmf_volmin_options opt;
  size_t F, T, r;
  double wq = 0.0;
  lapack_int info;
  int ret;

  if (out == NULL)
    return NMF_ERR_INVALID_ARGUMENT;
  *out = NULL;
  if (bins < 2 || bins > (1 << 20) || rank < 1 || rank > NMF_VOLMIN_MAX_RANK
      || rank > bins
      || window_frames < 2 * rank || window_frames > 100000
      || (double) bins * (double) window_frames > (double) (1 << 30)
      || refresh_interval < 1 || refresh_interval > 1000000
      || !isfinite (lambda) || lambda < 0.0 || lambda > 1.0)
    return NMF_ERR_INVALID_ARGUMENT;

  s = calloc (1, sizeof (*s));
  if (s == NULL)
    return NMF_ERR_NO_MEMORY;
  s->F = bins;
  s->T = window_frames;
  s->r = rank;
  s->interval = refresh_interval;
  s->iterations = 1;
  s->min_active = 2 * rank;
  s->lambda = lambda;
  s->seed = seed;
  F = (size_t) bins;
  T = (size_t) window_frames;
  r = (size_t) rank;

  nmf_volmin_options_init (&opt);
  opt.seed = seed;
  opt.lambda = lambda;
  opt.reg_iterations = 300;
  opt.reg_tolerance = 1e-6;
  ret = nmf_volmin_create_subspace (&s->solver, F, T, r, &opt, NULL, 0);
  if (ret != NMF_OK) {
    nmf_volmin_stream_destroy (&s);
    return ret;
  }
  nmf_volmin_set_work_limit (s->solver, REFRESH_WORK_LIMIT);

#define ALLOC(field, count, type) \
  do { \
    s->field = calloc ((count) > 0 ? (count) : 1, sizeof (type)); \
    if (s->field == NULL) \
      goto oom; \
  } while (0)

  ALLOC (X, F * T, float);
  ALLOC (B, r * T, float);
  ALLOC (proj, F * 2 * r, float);
  ALLOC (out, 2 * r, float);
  ALLOC (W, F * r, float);
  ALLOC (Wd, F * r, double);
  ALLOC (M, r * T, float);
  ALLOC (Y, F * r, float);
  ALLOC (Yd, F * r, double);
  ALLOC (Ud, F * r, double);
  ALLOC (Bd, r * T, double);
  ALLOC (sv, r, double);
  ALLOC (Ub, r * r, double);
  ALLOC (vtc, r * T, double);
  ALLOC (Vt, r * T, double);
  ALLOC (svd_iwork, 8 * r, lapack_int);
  ALLOC (Wn, F * r, double);
  ALLOC (Wp, F * r, double);
  ALLOC (Hn, T * r, double);
  ALLOC (A, r * r, double);
  ALLOC (A_work, 64 * r, double);
  ALLOC (ipiv, r, lapack_int);
  ALLOC (cost, r * r, double);
  ALLOC (assign_work, NMF_ASSIGNMENT_WORK (r), double);
  ALLOC (perm, r, size_t);
  ALLOC (U_kept, F * r, float);
  ALLOC (B_kept, r * T, float);

  info = LAPACKE_dgesdd_work (LAPACK_COL_MAJOR, 'S', (lapack_int) r,
      (lapack_int) T, s->Bd, (lapack_int) r, s->sv, s->Ub, (lapack_int) r,
      s->vtc, (lapack_int) r, &wq, -1, s->svd_iwork);
  if (info != 0)
    goto oom;
  s->svd_lwork = (lapack_int) wq + 1;
  ALLOC (svd_work, (size_t) s->svd_lwork, double);
#undef ALLOC

  forget_model (s);
  nmf_volmin_stream_reset (s, 1);
  s->st.last_error = s->msg;
  *out = s;
  return NMF_OK;

oom:
  nmf_volmin_stream_destroy (&s);
  return NMF_ERR_NO_MEMORY;
}

void
nmf_volmin_stream_set_cancel (nmf_volmin_stream * s,
    const volatile int *cancel)
{
  if (s == NULL)
    return;
  s->cancel = cancel;
  nmf_volmin_set_cancel (s->solver, cancel);
}

int
nmf_volmin_stream_set_subspace_iterations (nmf_volmin_stream * s,
    int iterations)
{
  if (s == NULL || iterations < 1 || iterations > 4)
    return NMF_ERR_INVALID_ARGUMENT;
  s->iterations = iterations;
  return NMF_OK;
}

const float *
nmf_volmin_stream_templates (const nmf_volmin_stream * s)
{
  return s != NULL ? s->W : NULL;
}

int
nmf_volmin_stream_get_stats (const nmf_volmin_stream * s,
    nmf_volmin_stream_stats * st)
{
  if (s == NULL || st == NULL)
    return NMF_ERR_INVALID_ARGUMENT;
  *st = s->st;
  st->has_model = s->has_model;
  st->last_error = s->msg;
  return NMF_OK;
}

/* ---- refresh ------------------------------------------------------------- */

/* Subspace iteration warm-started from the current U, then Rayleigh-Ritz.
 * On return proj's first r columns hold U, Ud (row-major) the same in
 * double, sv / Vt the small SVD, and B = S V^T = U^T X. */
static void
track_subspace (nmf_volmin_stream * s, int iterations)
{
  int F = s->F, T = s->T, r = s->r;
  size_t nb = (size_t) r * T;
  lapack_int info;

  for (int it = 0; it < iterations; it++) {
    double bb = 0.0, gg = 0.0, eta, bscale;

    for (size_t i = 0; i < nb; i++)
      bb += (double) s->B[i] * (double) s->B[i];
    /* A random combination of the frames, so directions the old basis does
     * not see can enter; alone when B is zero (basis blind to the data). */
    for (size_t i = 0; i < nb; i++) {
      double g = 2.0 * nmf_xrng_uniform (&s->rng) - 1.0;
      s->Bd[i] = g;             /* Bd as scratch */
      gg += g * g;
    }
    bscale = bb > 0.0 && isfinite (bb) ? 1.0 / sqrt (bb) : 0.0;
    eta = (bscale > 0.0 ? MIX_ETA : 1.0) / sqrt (gg);
    for (size_t i = 0; i < nb; i++)
      s->M[i] = (float) (bscale * (double) s->B[i] + eta * s->Bd[i]);
    prod_x_mt (s, s->M, s->Y);
    for (size_t i = 0; i < (size_t) F * r; i++)
      s->Yd[i] = s->Y[i];
    orthonormalize (s, s->Yd);
    for (size_t i = 0; i < (size_t) F * r; i++)
      s->proj[i] = (float) s->Yd[i];
    prod_ut_x (s, s->B);
  }

  /* Rayleigh-Ritz: U'^T X = Ub S V^T. */
  for (size_t i = 0; i < nb; i++)
    s->Bd[i] = s->B[i];
  info = LAPACKE_dgesdd_work (LAPACK_COL_MAJOR, 'S', (lapack_int) r,
      (lapack_int) T, s->Bd, (lapack_int) r, s->sv, s->Ub, (lapack_int) r,
      s->vtc, (lapack_int) r, s->svd_work, s->svd_lwork, s->svd_iwork);
  if (info != 0) {
    /* Keep U' (already consistent with B); report rank 0 to the caller. */
    for (int k = 0; k < r; k++)
      s->sv[k] = 0.0;
    return;
  }
  /* U = U' Ub: Ud row-major F x r, proj column-major. */
  for (int f = 0; f < F; f++)
    for (int k = 0; k < r; k++) {
      double t = 0.0;
      for (int l = 0; l < r; l++)
        t += s->Yd[f + (size_t) F * l] * s->Ub[l + r * k];
      s->Ud[(size_t) f * r + k] = t;
      s->proj[f + (size_t) F * k] = (float) t;
    }
  for (int t = 0; t < T; t++)
    for (int k = 0; k < r; k++) {
      double v = s->vtc[k + (size_t) r * t];
      s->Vt[(size_t) k * T + t] = v;
      s->B[k + (size_t) r * t] = (float) (s->sv[k] * v);
    }
}

/* Install Wn as the model: match to the previous W, compute P. */
static int
install_model (nmf_volmin_stream * s)
{
  int F = s->F, r = s->r;
  size_t Fr = (size_t) F * r;
  lapack_int info;
  int swapped = 0;

  for (size_t i = 0; i < Fr; i++)
    if (!isfinite (s->Wn[i]) || fabs (s->Wn[i]) > FLT_MAX) {
      set_msg (s, "%s", "new W is not finite in float");
      return NMF_ERR_NOT_FINITE;
    }
  for (int k = 0; k < r; k++)
    s->perm[k] = (size_t) k;
  if (s->has_model && r > 1) {
    /* cost[a][b] = -cos(W_old_a, W_new_b) */
    for (int a = 0; a < r; a++)
      for (int b = 0; b < r; b++) {
        double d = 0.0, na = 0.0, nb = 0.0;
        for (int f = 0; f < F; f++) {
          double x = s->Wd[(size_t) f * r + a], y = s->Wn[(size_t) f * r + b];
          d += x * y;
          na += x * x;
          nb += y * y;
        }
        s->cost[a * r + b] = na > 0.0 && nb > 0.0 ? -d / sqrt (na * nb) : 0.0;
      }
    if (nmf_assignment_solve_in (s->assign_work, s->cost, (size_t) r, s->perm,
            NULL) != NMF_OK)
      for (int k = 0; k < r; k++)
        s->perm[k] = (size_t) k;
  }
  for (int a = 0; a < r; a++) {
    if (s->perm[a] != (size_t) a)
      swapped = 1;
    for (int f = 0; f < F; f++)
      s->Wp[(size_t) f * r + a] = s->Wn[(size_t) f * r + s->perm[a]];
  }

  /* A = U^T W (r x r, row-major), then P^T = U A^{-T}. */
  cblas_dgemm (CblasRowMajor, CblasTrans, CblasNoTrans, r, r, F, 1.0, s->Ud,
      r, s->Wp, r, 0.0, s->A, r);
  {
    double anorm = 0.0, rcond = 0.0;
    for (int a = 0; a < r; a++) {
      double cs = 0.0;
      for (int b = 0; b < r; b++)
        cs += fabs (s->A[b * r + a]);
      if (cs > anorm)
        anorm = cs;
    }
    /* Row-major A is A^T column-major; inverting it gives A^{-T}. */
    info = LAPACKE_dgetrf_work (LAPACK_COL_MAJOR, r, r, s->A, r, s->ipiv);
    if (info == 0)
      info = LAPACKE_dgecon_work (LAPACK_COL_MAJOR, '1', r, s->A, r, anorm,
          &rcond, s->A_work, s->svd_iwork);
    if (info != 0 || !(rcond > 1e-12)) {
      set_msg (s, "%s", "U^T W is singular");
      return NMF_ERR_RANK;
    }
    info = LAPACKE_dgetri_work (LAPACK_COL_MAJOR, r, s->A, r, s->ipiv,
        s->A_work, 64 * r);
    if (info != 0) {
      set_msg (s, "%s", "U^T W could not be inverted");
      return NMF_ERR_RANK;
    }
  }
  /* s->A column-major now holds (A^T)^{-1} = A^{-T}: element (l, k) at
   * [l + r k].  P[k][f] = sum_l A^{-1}[k][l] U[f][l]
   * = sum_l A^{-T}[l][k] U[f][l]. */
  for (int f = 0; f < F; f++)
    for (int k = 0; k < r; k++) {
      double t = 0.0;
      for (int l = 0; l < r; l++)
        t += s->A[l + r * k] * s->Ud[(size_t) f * r + l];
      if (!isfinite (t) || fabs (t) > FLT_MAX) {
        set_msg (s, "%s", "projection onto the model overflows");
        return NMF_ERR_NOT_FINITE;
      }
      s->Yd[f + (size_t) F * k] = t;    /* staged: commit only when all ok */
    }
  for (int k = 0; k < r; k++)
    for (int f = 0; f < F; f++) {
      s->proj[Fr + (size_t) F * k + f] = (float) s->Yd[f + (size_t) F * k];
      s->W[(size_t) F * k + f] = (float) s->Wp[(size_t) f * r + k];
    }
  memcpy (s->Wd, s->Wp, Fr * sizeof (double));
  if (swapped && s->has_model)
    s->st.swaps++;
  s->has_model = 1;
  return NMF_OK;
}

/* A refresh the caller's flag stops: counted, nothing else changes. */
static int
cancelled (nmf_volmin_stream * s)
{
  s->st.cancelled++;
  s->st.last_status = NMF_ERR_CANCELLED;
  return NMF_ERR_CANCELLED;
}

/* NMF_ERR_CANCELLED when the caller's flag stopped it (the stream as it
 * was before), else NMF_OK, whatever became of the model. */
static int
refresh (nmf_volmin_stream * s)
{
  double t0, t1, t2;
  nmf_volmin_info info;
  char why[sizeof (s->msg)] = "";
  int ret;

  if (s->cancel && __atomic_load_n (s->cancel, __ATOMIC_RELAXED))
    return cancelled (s);
  if (s->fill < s->min_active) {
    s->st.skipped_silent++;
    return NMF_OK;
  }
  memcpy (s->U_kept, s->proj, (size_t) s->F * s->r * sizeof (float));
  memcpy (s->B_kept, s->B, (size_t) s->r * s->T * sizeof (float));
  s->rng_kept = s->rng;
  t0 = cpu_now ();
  track_subspace (s, s->has_model ? s->iterations : COLD_ITERATIONS);
  t1 = cpu_now ();
  s->st.subspace_seconds += t1 - t0;
  s->st.singular_ratio = s->sv[0] > 0.0 ? s->sv[s->r - 1] / s->sv[0] : 0.0;
  if (!(s->sv[0] > 0.0) || !isfinite (s->sv[0])
      || !(s->st.singular_ratio >= RANK_TOL)) {
    s->st.skipped_rank++;
    return NMF_OK;
  }

  ret = nmf_volmin_solve_subspace (s->solver, s->Ud, s->sv, s->Vt,
      s->has_model ? s->Wd : NULL, s->Wn, s->Hn, why, sizeof why);
  if (nmf_volmin_get_info (s->solver, &info) == NMF_OK)
    s->st.lp_solves += info.lp_solves;
  if (ret == NMF_ERR_CANCELLED) {
    memcpy (s->proj, s->U_kept, (size_t) s->F * s->r * sizeof (float));
    memcpy (s->B, s->B_kept, (size_t) s->r * s->T * sizeof (float));
    s->rng = s->rng_kept;
    s->st.solve_seconds += cpu_now () - t1;
    return cancelled (s);
  }
  /* stopped at the work limit: the best model found, feasible and of
   * smaller volume than the one in force (counted in stopped_at_limit) */
  if (ret == NMF_ERR_NOT_CONVERGED
      && nmf_volmin_stopped_at_limit (s->solver)) {
    s->st.stopped_at_limit++;
    ret = NMF_OK;
  }
  if (ret != NMF_OK)
    set_msg (s, "%s", why);
  else
    ret = install_model (s);
  s->st.last_status = ret;
  if (ret != NMF_OK) {
    s->st.failures++;
    if (s->msg[0] == '\0')
      set_msg (s, "%s", nmf_strerror (ret));
    if (!s->has_model && s->backoff < MAX_BACKOFF)
      s->backoff *= 2;
  } else {
    s->st.refreshes++;
    s->backoff = 1;
  }
  t2 = cpu_now ();
  s->st.solve_seconds += t2 - t1;
  return NMF_OK;
}

/* ---- per frame ---------------------------------------------------------- */

int
nmf_volmin_stream_push (nmf_volmin_stream * s, const float *v, float *spectra)
{
  int F, r, slot, nonzero = 0;
  float *x;

  if (s == NULL || v == NULL || spectra == NULL)
    return NMF_ERR_INVALID_ARGUMENT;
  F = s->F;
  r = s->r;
  for (int f = 0; f < F; f++) {
    float a = v[f];
    if (!isfinite (a) || a < 0.0f) {
      memset (spectra, 0, (size_t) F * r * sizeof (float));
      return isfinite (a) ? NMF_ERR_NEGATIVE : NMF_ERR_NOT_FINITE;
    }
    nonzero |= a > 0.0f;
  }

  /* [U | P^T]^T v: the frame's B column and its activations. */
  prod_proj_v (s, v);
  if (s->has_model) {
    for (int k = 0; k < r; k++) {
      float h = s->out[r + k];
      const float *w = s->W + (size_t) F * k;
      float *o = spectra + (size_t) F * k;
      if (!isfinite (h))
        h = 0.0f;
      for (int f = 0; f < F; f++) {
        float y = w[f] * h;
        o[f] = y > 0.0f && y <= FLT_MAX ? y : 0.0f;
      }
    }
  } else {
    float share = 1.0f / (float) r;
    for (int k = 0; k < r; k++)
      for (int f = 0; f < F; f++)
        spectra[(size_t) F * k + f] = v[f] * share;
  }

  s->st.frames++;
  /* Digital silence takes no place in the window: over a pause the frames
   * with sound before it would leave one by one, each refresh fitting the
   * model to fewer of them (the first 0.5 s after a pause came out at 0 -
   * 6 dB instead of 8 - 23). */
  if (!nonzero)
    return NMF_OK;

  /* Into the window (the oldest frame leaves when full). */
  slot = s->pos;
  x = s->X + (size_t) slot * F;
  memcpy (x, v, (size_t) F * sizeof (float));
  for (int k = 0; k < r; k++)
    s->B[(size_t) slot * r + k] = isfinite (s->out[k]) ? s->out[k] : 0.0f;
  s->pos = slot + 1 == s->T ? 0 : slot + 1;
  if (s->fill < s->T)
    s->fill++;

  /* a cancelled refresh stays due, for the first push after the flag */
  if (++s->since_refresh >= s->interval * s->backoff)
    s->since_refresh = refresh (s) == NMF_ERR_CANCELLED
        ? s->since_refresh - 1 : 0;
  return NMF_OK;
}
