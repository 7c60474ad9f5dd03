/* Unit tests of the volume-min solver (<nmf/factorize.h>, core/volmin*.c)
 * and of the matching and scoring it is checked with, including the Table 2
 * reproduction of Fu, Huang, Sidiropoulos (IEEE SPL 2018). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lapacke.h>

#include "hungarian.h"
#include "planted.h"
#include "volmin.h"

/* the shared assertions; this file counts failures under its own name */
#include "check.h"

/* the message of the last solve */
static char msg[256];
#define failures check_failures

typedef struct
{
  size_t m, n, r;
  double *w0, *h0, *x, *w, *h;
} problem;

static void
problem_alloc (problem * p, size_t m, size_t n, size_t r)
{
  p->m = m;
  p->n = n;
  p->r = r;
  p->w0 = malloc (m * r * sizeof (double));
  p->h0 = malloc (n * r * sizeof (double));
  p->x = malloc (m * n * sizeof (double));
  p->w = malloc (m * r * sizeof (double));
  p->h = malloc (n * r * sizeof (double));
}

static void
problem_free (problem * p)
{
  free (p->w0);
  free (p->h0);
  free (p->x);
  free (p->w);
  free (p->h);
}

/* H >= 0, columns sum to one, and ||X - W H^T|| / ||X|| small. */
static void
check_feasible_exact (const problem * p, double res_tol, const char *what)
{
  size_t i, j, k;
  double mn = 0.0, worst_sum = 0.0, e = 0.0, xx = 0.0;

  for (i = 0; i < p->n * p->r; i++)
    if (p->h[i] < mn)
      mn = p->h[i];
  for (k = 0; k < p->r; k++) {
    double cs = 0.0;
    for (j = 0; j < p->n; j++)
      cs += p->h[j * p->r + k];
    if (fabs (cs - 1.0) > worst_sum)
      worst_sum = fabs (cs - 1.0);
  }
  for (i = 0; i < p->m; i++)
    for (j = 0; j < p->n; j++) {
      double y = 0.0;
      for (k = 0; k < p->r; k++)
        y += p->w[i * p->r + k] * p->h[j * p->r + k];
      e += (p->x[i * p->n + j] - y) * (p->x[i * p->n + j] - y);
      xx += p->x[i * p->n + j] * p->x[i * p->n + j];
    }
  CHECK (mn >= 0.0, "%s: H has negative entry %g", what, mn);
  CHECK (worst_sum < 1e-12, "%s: H column sum off by %g", what, worst_sum);
  CHECK (sqrt (e / xx) < res_tol, "%s: relative residual %g", what,
      sqrt (e / xx));
}

/* ---- assignment --------------------------------------------------------- */

static double
brute_force (const double *c, size_t r, size_t k, int *used, double acc)
{
  double best = INFINITY;
  if (k == r)
    return acc;
  for (size_t j = 0; j < r; j++)
    if (!used[j]) {
      used[j] = 1;
      double v = brute_force (c, r, k + 1, used, acc + c[k * r + j]);
      if (v < best)
        best = v;
      used[j] = 0;
    }
  return best;
}

static void
test_assignment (void)
{
  nmf_xrng g;
  nmf_xrng_seed (&g, 42);
  for (int t = 0; t < 200; t++) {
    size_t r = 1 + (size_t) (nmf_xrng_uniform (&g) * 7);
    double c[49], total;
    size_t perm[7];
    int used[7] = { 0 }, seen[7] = { 0 };
    for (size_t i = 0; i < r * r; i++)
      c[i] = t % 3 == 0 ? floor (nmf_xrng_uniform (&g) * 4) /* ties */
          : nmf_xrng_normal (&g);
    CHECK (nmf_assignment_solve (c, r, perm, &total) == NMF_OK, "solve");
    for (size_t i = 0; i < r; i++)
      seen[perm[i]]++;
    for (size_t i = 0; i < r; i++)
      CHECK (seen[i] == 1, "not a permutation");
    double bf = brute_force (c, r, 0, used, 0.0);
    CHECK (fabs (total - bf) < 1e-12, "trial %d r %zu: hungarian %g brute %g",
        t, r, total, bf);
  }
  {
    double c[4] = { 1, NAN, 0, 1 };
    size_t perm[2];
    CHECK (nmf_assignment_solve (c, 2, perm, NULL) == NMF_ERR_NOT_FINITE,
        "NaN cost");
  }
  /* Matched MSE is invariant to column permutation and positive scaling. */
  {
    double a[6 * 3], b[6 * 3], mse;
    size_t perm[3];
    for (int i = 0; i < 18; i++)
      a[i] = nmf_xrng_uniform (&g);
    for (int i = 0; i < 6; i++) {
      b[i * 3 + 0] = 2.0 * a[i * 3 + 2];
      b[i * 3 + 1] = 0.5 * a[i * 3 + 0];
      b[i * 3 + 2] = 7.0 * a[i * 3 + 1];
    }
    CHECK (nmf_matched_column_mse (a, b, 6, 3, &mse, perm) == NMF_OK, "mse");
    CHECK (mse < 1e-30 && perm[0] == 1 && perm[1] == 2 && perm[2] == 0,
        "mse %g perm %zu %zu %zu", mse, perm[0], perm[1], perm[2]);
  }
}

/* ---- Table 2 ------------------------------------------------------------ */

static void
test_table2 (void)
{
  const size_t m = 200, n = 200;
  const int trials = 6;
  static const char *names[] = { "", "sparse W", "dense W", "Gaussian W" };

  for (int which = 1; which <= 3; which++)
    for (size_t r = 5; r <= 10; r += 5) {
      problem p;
      nmf_volmin *s = NULL;
      nmf_xrng g;
      double worst = 0.0;

      problem_alloc (&p, m, n, r);
      nmf_xrng_seed (&g, 1000u * (unsigned) which + r);
      CHECK (nmf_volmin_create (&s, m, n, r, NULL, NULL, 0) == NMF_OK,
          "create");
      for (int t = 0; t < trials; t++) {
        double mse = 1.0;
        char what[64];
        nmf_status st;
        snprintf (what, sizeof (what), "case %d r %zu trial %d", which, r, t);
        CHECK (nmf_planted_generate ((nmf_planted_case) which, m, n, r, 0.35,
                &g, p.w0, p.h0, p.x) == NMF_OK, "generate");
        st = nmf_volmin_solve (s, p.x, p.w, p.h, msg, sizeof msg);
        CHECK (st == NMF_OK, "%s: status %d: %s", what, st,
            msg);
        if (st != NMF_OK)
          continue;
        CHECK (nmf_matched_column_mse (p.h0, p.h, n, r, &mse, NULL) == NMF_OK,
            "mse");
        CHECK (mse <= 1e-20, "%s: MSE %g", what, mse);
        if (mse > worst)
          worst = mse;
        check_feasible_exact (&p, 1e-12, what);
        /* W is identified too (columns up to positive scale). */
        CHECK (nmf_matched_column_mse (p.w0, p.w, m, r, &mse, NULL) == NMF_OK
            && mse <= 1e-20, "%s: W MSE %g", what, mse);
      }
      printf ("table 2: case %d (%s), r = %zu: worst MSE of H over %d trials "
          "%.3g\n", which, names[which], r, trials, worst);
      nmf_volmin_destroy (&s);
      problem_free (&p);
    }
}

/* ---- shapes, determinism ------------------------------------------------ */

static void
test_shapes (void)
{
  static const size_t dims[][3] = {
    {50, 300, 4}, {300, 40, 6}, {30, 30, 1}, {12, 40, 3}, {200, 200, 12},
  };
  for (size_t d = 0; d < sizeof (dims) / sizeof (dims[0]); d++) {
    problem p;
    nmf_volmin *s = NULL;
    nmf_xrng g;
    double mse = 1.0;
    char what[64];
    nmf_status st;

    problem_alloc (&p, dims[d][0], dims[d][1], dims[d][2]);
    snprintf (what, sizeof (what), "%zu x %zu r %zu", p.m, p.n, p.r);
    nmf_xrng_seed (&g, 77 + d);
    nmf_planted_generate (NMF_PLANTED_GAUSSIAN_W, p.m, p.n, p.r, 0.35, &g,
        p.w0, p.h0, p.x);
    CHECK (nmf_volmin_create (&s, p.m, p.n, p.r, NULL, NULL, 0) == NMF_OK,
        "create");
    st = nmf_volmin_solve (s, p.x, p.w, p.h, msg, sizeof msg);
    CHECK (st == NMF_OK, "%s: %d %s", what, st, msg);
    if (st == NMF_OK) {
      nmf_matched_column_mse (p.h0, p.h, p.n, p.r, &mse, NULL);
      /* With few columns (n = 40) H may not be sufficiently scattered;
       * feasibility and exact fit must hold regardless. */
      if (p.n >= 200)
        CHECK (mse <= 1e-20, "%s: MSE %g", what, mse);
      check_feasible_exact (&p, 1e-11, what);
    }
    nmf_volmin_destroy (&s);
    problem_free (&p);
  }

  /* Same input, same options: bit-identical output. */
  {
    problem p;
    nmf_volmin *s;
    nmf_xrng g;
    double *w2 = malloc (60 * 5 * sizeof (double));
    double *h2 = malloc (80 * 5 * sizeof (double));
    problem_alloc (&p, 60, 80, 5);
    nmf_xrng_seed (&g, 5);
    nmf_planted_generate (NMF_PLANTED_DENSE_W, 60, 80, 5, 0.35, &g, p.w0,
        p.h0, p.x);
    nmf_volmin_create (&s, 60, 80, 5, NULL, NULL, 0);
    CHECK (nmf_volmin_solve (s, p.x, p.w, p.h, msg, sizeof msg) == NMF_OK,
        "solve 1");
    CHECK (nmf_volmin_solve (s, p.x, w2, h2, msg, sizeof msg) == NMF_OK,
        "solve 2");
    CHECK (memcmp (p.w, w2, 60 * 5 * sizeof (double)) == 0
            && memcmp (p.h, h2, 80 * 5 * sizeof (double)) == 0,
        "not deterministic");
    nmf_volmin_destroy (&s);
    problem_free (&p);
    free (w2);
    free (h2);
  }
}

/* ---- errors ------------------------------------------------------------- */

static void
test_errors (void)
{
  nmf_volmin *s = NULL;
  nmf_volmin_options opt;
  problem p;
  nmf_xrng g;
  nmf_status st;

  /* sizes and options refused at create */
  const struct
  {
    size_t m, n, r;
    double lambda;
    nmf_status want;
    const char *what;
  } refused[] = {
    {10, 5, 6, 0.0, NMF_ERR_RANK, "r > n"},
    {4, 50, 5, 0.0, NMF_ERR_RANK, "r > m"},
    {0, 5, 1, 0.0, NMF_ERR_INVALID_ARGUMENT, "m = 0"},
    {10, 10, 2, 1.5, NMF_ERR_INVALID_ARGUMENT, "lambda > 1"},
    {10, 10, 2, -1e-3, NMF_ERR_INVALID_ARGUMENT, "lambda < 0"},
    {10, 10, 2, NAN, NMF_ERR_INVALID_ARGUMENT, "lambda NaN"},
  };
  for (size_t i = 0; i < sizeof (refused) / sizeof (refused[0]); i++) {
    nmf_volmin_options_init (&opt);
    opt.lambda = refused[i].lambda;
    st = nmf_volmin_create (&s, refused[i].m, refused[i].n, refused[i].r,
        &opt, msg, sizeof msg);
    CHECK (st == refused[i].want && !s && msg[0], "%s: %d", refused[i].what,
        st);
  }

  problem_alloc (&p, 40, 60, 4);
  nmf_xrng_seed (&g, 9);
  nmf_planted_generate (NMF_PLANTED_DENSE_W, 40, 60, 4, 0.35, &g, p.w0, p.h0,
      p.x);
  CHECK (nmf_volmin_create (&s, 40, 60, 4, NULL, NULL, 0) == NMF_OK, "create");

  p.x[123] = NAN;
  st = nmf_volmin_solve (s, p.x, p.w, p.h, msg, sizeof msg);
  CHECK (st == NMF_ERR_NOT_FINITE && strstr (msg, "NaN"),
      "NaN: %d %s", st, msg);
  p.x[123] = -INFINITY;
  CHECK (nmf_volmin_solve (s, p.x, p.w, p.h, msg, sizeof msg)
          == NMF_ERR_NOT_FINITE,
      "Inf");

  /* Rank 3 data, rank 4 requested. */
  {
    problem q;
    problem_alloc (&q, 40, 60, 3);
    nmf_planted_generate (NMF_PLANTED_DENSE_W, 40, 60, 3, 0.35, &g, q.w0,
        q.h0, q.x);
    st = nmf_volmin_solve (s, q.x, p.w, p.h, msg, sizeof msg);
    CHECK (st == NMF_ERR_RANK, "rank-deficient: %d %s", st,
        msg);
    problem_free (&q);
  }
  /* Digital silence. */
  memset (p.x, 0, 40 * 60 * sizeof (double));
  CHECK (nmf_volmin_solve (s, p.x, p.w, p.h, msg, sizeof msg) == NMF_ERR_RANK,
      "zero X");
  CHECK (nmf_volmin_solve (s, NULL, p.w, p.h, msg, sizeof msg)
          == NMF_ERR_INVALID_ARGUMENT,
      "NULL X");
  CHECK (nmf_volmin_solve_warm (s, p.x, NULL, p.w, p.h, msg, sizeof msg)
      == NMF_ERR_INVALID_ARGUMENT, "NULL W_prev");
  nmf_volmin_destroy (&s);
  problem_free (&p);

  /* Row space with no nonnegative vector: every LP infeasible. H columns
   * are +-1 patterns on disjoint supports, W Gaussian. */
  {
    const size_t m = 30, n = 20, r = 2;
    double x[30 * 20], w0[30 * 2], h0[20 * 2], w[30 * 2], h[20 * 2];
    memset (h0, 0, sizeof (h0));
    for (size_t j = 0; j < 10; j++)
      h0[j * r + 0] = (j % 2) ? -1.0 : 1.0;
    for (size_t j = 10; j < 20; j++)
      h0[j * r + 1] = (j % 2) ? -1.0 : 1.0;
    for (size_t i = 0; i < m * r; i++)
      w0[i] = nmf_xrng_normal (&g);
    for (size_t i = 0; i < m; i++)
      for (size_t j = 0; j < n; j++)
        x[i * n + j] = w0[i * r] * h0[j * r] + w0[i * r + 1] * h0[j * r + 1];
    CHECK (nmf_volmin_create (&s, m, n, r, NULL, NULL, 0) == NMF_OK, "create");
    st = nmf_volmin_solve (s, x, w, h, msg, sizeof msg);
    CHECK (st == NMF_ERR_LP && strstr (msg,
            "infeasible"), "infeasible: %d %s", st, msg);
    nmf_volmin_destroy (&s);
  }
}

/* ---- warm start --------------------------------------------------------- */

static void
test_warm_start (void)
{
  /* A sliding window: X_t = W H_t^T with H_t rows t .. t + n - 1 of a long
   * activation matrix. Warm starts keep the component order. */
  const size_t m = 120, n = 150, r = 6, hop = 15, total = 150 + 4 * 15;
  double *w0 = malloc (m * r * sizeof (double));
  double *hl = malloc (total * r * sizeof (double));
  double *x = malloc (m * n * sizeof (double));
  double *w = malloc (m * r * sizeof (double));
  double *h = malloc (n * r * sizeof (double));
  double *wprev = malloc (m * r * sizeof (double));
  double *dummy = malloc (m * total * sizeof (double));
  nmf_xrng g;
  nmf_volmin *s;
  nmf_volmin_info info;
  size_t perm0[6], perm[6];

  nmf_xrng_seed (&g, 31);
  nmf_planted_generate (NMF_PLANTED_GAUSSIAN_W, m, total, r, 0.35, &g, w0,
      hl, dummy);
  CHECK (nmf_volmin_create (&s, m, n, r, NULL, NULL, 0) == NMF_OK, "create");
  for (size_t win = 0; win < 5; win++) {
    const double *hw = hl + win * hop * r;
    double mse;
    nmf_status st;
    for (size_t i = 0; i < m; i++)
      for (size_t j = 0; j < n; j++) {
        double v = 0.0;
        for (size_t k = 0; k < r; k++)
          v += w0[i * r + k] * hw[j * r + k];
        x[i * n + j] = v;
      }
    if (win == 0)
      st = nmf_volmin_solve (s, x, w, h, msg, sizeof msg);
    else
      st = nmf_volmin_solve_warm (s, x, wprev, w, h, msg, sizeof msg);
    CHECK (st == NMF_OK, "window %zu: %d %s", win, st,
        msg);
    nmf_volmin_get_info (s, &info);
    CHECK (win == 0 || info.warm_started, "window %zu: warm start not used",
        win);
    CHECK (nmf_matched_column_mse (hw, h, n, r, &mse, perm) == NMF_OK
        && mse <= 1e-20, "window %zu: MSE %g", win, mse);
    if (win == 0)
      memcpy (perm0, perm, sizeof (perm));
    else
      CHECK (memcmp (perm0, perm, sizeof (perm)) == 0,
          "window %zu: component order changed", win);
    memcpy (wprev, w, m * r * sizeof (double));
  }

  /* An unrelated W_prev: still the exact answer (warm or cold). */
  {
    double mse;
    for (size_t i = 0; i < m * r; i++)
      wprev[i] = nmf_xrng_normal (&g);
    CHECK (nmf_volmin_solve_warm (s, x, wprev, w, h, msg, sizeof msg)
            == NMF_OK,
        "random warm");
    CHECK (nmf_matched_column_mse (hl + 4 * hop * r, h, n, r, &mse, NULL)
        == NMF_OK && mse <= 1e-20, "random warm: MSE %g", mse);
    /* A rank-deficient W_prev cannot be used: falls back to cold. */
    memset (wprev, 0, m * r * sizeof (double));
    CHECK (nmf_volmin_solve_warm (s, x, wprev, w, h, msg, sizeof msg)
            == NMF_OK,
        "zero warm");
    nmf_volmin_get_info (s, &info);
    CHECK (!info.warm_started, "zero W_prev used as warm start");
  }
  nmf_volmin_destroy (&s);
  free (w0);
  free (hl);
  free (x);
  free (w);
  free (h);
  free (wprev);
  free (dummy);
}

/* ---- regularized -------------------------------------------------------- */

static void
test_regularized (void)
{
  const size_t m = 100, n = 150, r = 4;
  problem p;
  nmf_xrng g;
  nmf_volmin *s;
  nmf_volmin_options opt;
  nmf_volmin_info info;
  double rms = 0.0, mse_exact = 1.0, mse_reg = 1.0, prev = INFINITY;
  nmf_status st;

  problem_alloc (&p, m, n, r);
  nmf_xrng_seed (&g, 123);
  nmf_planted_generate (NMF_PLANTED_SPARSE_W, m, n, r, 0.35, &g, p.w0, p.h0,
      p.x);
  for (size_t i = 0; i < m * n; i++)
    rms += p.x[i] * p.x[i];
  rms = sqrt (rms / (double) (m * n));
  for (size_t i = 0; i < m * n; i++)
    p.x[i] += 0.01 * rms * nmf_xrng_normal (&g);

  CHECK (nmf_volmin_create (&s, m, n, r, NULL, NULL, 0) == NMF_OK, "create");
  CHECK (nmf_volmin_solve (s, p.x, p.w, p.h, msg, sizeof msg) == NMF_OK,
      "exact on noisy");
  nmf_matched_column_mse (p.h0, p.h, n, r, &mse_exact, NULL);
  nmf_volmin_destroy (&s);

  nmf_volmin_options_init (&opt);
  opt.lambda = 1e-2;
  CHECK (nmf_volmin_create (&s, m, n, r, &opt, NULL, 0) == NMF_OK,
      "create reg");
  st = nmf_volmin_solve (s, p.x, p.w, p.h, msg, sizeof msg);
  CHECK (st == NMF_OK, "regularized: %d %s", st, msg);
  nmf_volmin_get_info (s, &info);
  nmf_matched_column_mse (p.h0, p.h, n, r, &mse_reg, NULL);
  check_feasible_exact (&p, 0.05, "regularized");
  CHECK (mse_reg < 0.1 * mse_exact, "regularized MSE %g vs exact %g",
      mse_reg, mse_exact);
  printf ("regularized (lambda 1e-2, 1%% noise): MSE of H %.3g (exact "
      "criterion %.3g), %zu iterations, residual %.3g\n", mse_reg, mse_exact,
      info.reg_iterations, info.residual);
  nmf_volmin_destroy (&s);

  /* The objective never increases with the iteration count. */
  opt.reg_tolerance = 0.0;
  for (int k = 1; k <= 12; k++) {
    opt.reg_iterations = k;
    CHECK (nmf_volmin_create (&s, m, n, r, &opt, NULL, 0) == NMF_OK, "create");
    st = nmf_volmin_solve (s, p.x, p.w, p.h, msg, sizeof msg);
    CHECK (st == NMF_OK || st == NMF_ERR_NOT_CONVERGED, "k %d: %d", k, st);
    nmf_volmin_get_info (s, &info);
    CHECK (info.objective <= prev * (1.0 + 1e-12), "k %d: objective rose "
        "%.17g -> %.17g", k, prev, info.objective);
    prev = info.objective;
    nmf_volmin_destroy (&s);
  }

  /* The largest lambda allowed does not blow up. */
  opt.lambda = 1.0;
  opt.reg_iterations = 1000;
  opt.reg_tolerance = 1e-10;
  CHECK (nmf_volmin_create (&s, m, n, r, &opt, NULL, 0) == NMF_OK, "create");
  st = nmf_volmin_solve (s, p.x, p.w, p.h, msg, sizeof msg);
  CHECK (st == NMF_OK || st == NMF_ERR_NOT_CONVERGED, "lambda 1: %d %s", st,
      msg);
  for (size_t i = 0; i < m * r; i++)
    CHECK (isfinite (p.w[i]), "lambda 1: W not finite");
  nmf_volmin_destroy (&s);
  problem_free (&p);
}

/* nmf_volmin_solve_subspace against nmf_volmin_solve on planted data. */
static void
test_solve_subspace (void)
{
  const size_t m = 60, n = 50, r = 4;
  nmf_xrng g;
  double *w0 = malloc (m * r * sizeof (double)), *h0 =
      malloc (n * r * sizeof (double)), *x = malloc (m * n * sizeof (double));
  double *w1 = malloc (m * r * sizeof (double)), *h1 =
      malloc (n * r * sizeof (double));
  double *w2 = malloc (m * r * sizeof (double)), *h2 =
      malloc (n * r * sizeof (double));
  double *a = malloc (m * n * sizeof (double)),
         *sv = malloc (n * sizeof (double));
  double *uu = malloc (m * n * sizeof (double)),
         *vt = malloc (n * n * sizeof (double));
  double *u = malloc (m * r * sizeof (double)),
         *vtr = malloc (r * n * sizeof (double));
  double mse1, mse2, mse3;
  nmf_volmin *s;
  nmf_volmin_info info;
  int ret;

  nmf_xrng_seed (&g, 42);
  CHECK_OK (nmf_planted_generate (NMF_PLANTED_DENSE_W, m, n, r, 0.35, &g, w0,
          h0, x));
  CHECK_OK (nmf_volmin_create (&s, m, n, r, NULL, NULL, 0));
  CHECK_OK (nmf_volmin_solve (s, x, w1, h1, msg, sizeof msg));
  /* SVD of X (row-major m x n) */
  memcpy (a, x, m * n * sizeof (double));
  {
    double *superb = malloc (n * sizeof (double));
    CHECK_OK (LAPACKE_dgesvd (LAPACK_ROW_MAJOR, 'S', 'S', (int) m, (int) n, a,
            (int) n, sv, uu, (int) n, vt, (int) n, superb));
    free (superb);
  }
  for (size_t i = 0; i < m; i++)
    for (size_t k = 0; k < r; k++)
      u[i * r + k] = uu[i * n + k];
  memcpy (vtr, vt, r * n * sizeof (double));
  ret = nmf_volmin_solve_subspace (s, u, sv, vtr, NULL, w2, h2, msg,
      sizeof msg);
  CHECK (ret == NMF_OK, "solve_subspace: %s", msg);
  CHECK_OK (nmf_volmin_get_info (s, &info));
  CHECK (info.residual < 1e-10, "subspace residual %g", info.residual);
  CHECK_OK (nmf_matched_column_mse (h0, h1, n, r, &mse1, NULL));
  CHECK_OK (nmf_matched_column_mse (h0, h2, n, r, &mse2, NULL));
  CHECK_OK (nmf_matched_column_mse (w0, w2, m, r, &mse3, NULL));
  printf ("solve_subspace: H mse %.3g (full solve %.3g), W mse %.3g\n", mse2,
      mse1, mse3);
  CHECK (mse2 < 1e-20, "H mse %g", mse2);
  CHECK (mse3 < 1e-20, "W mse %g", mse3);
  /* warm start from the planted W */
  ret = nmf_volmin_solve_subspace (s, u, sv, vtr, w0, w2, h2, msg, sizeof msg);
  CHECK (ret == NMF_OK, "warm solve_subspace: %s", msg);
  CHECK_OK (nmf_volmin_get_info (s, &info));
  CHECK (info.warm_started, "warm start not used");
  CHECK_OK (nmf_matched_column_mse (h0, h2, n, r, &mse2, NULL));
  CHECK (mse2 < 1e-20, "warm H mse %g", mse2);
  /* unsorted singular values and zero data are rejected */
  {
    double bad_sv[4] = { 1.0, 2.0, 0.5, 0.1 }, zero_sv[4] = { 0 };
    CHECK (nmf_volmin_solve_subspace (s, u, bad_sv, vtr, NULL, w2, h2, msg,
               sizeof msg)
            == NMF_ERR_INVALID_ARGUMENT,
        "unsorted singular values accepted");
    CHECK (nmf_volmin_solve_subspace (s, u, zero_sv, vtr, NULL, w2, h2, msg,
               sizeof msg)
            == NMF_ERR_RANK,
        "zero singular values accepted");
    CHECK (nmf_volmin_solve_subspace (s, NULL, sv, vtr, NULL, w2, h2, msg,
               sizeof msg)
            == NMF_ERR_INVALID_ARGUMENT,
        "NULL U accepted");
  }
  nmf_volmin_destroy (&s);
  free (w0);
  free (h0);
  free (x);
  free (w1);
  free (h1);
  free (w2);
  free (h2);
  free (a);
  free (sv);
  free (uu);
  free (vt);
  free (u);
  free (vtr);
}

/* ---- scale -------------------------------------------------------------- */

/* The criterion is scale-equivariant (X times c: W times c, H the same,
 * the regularized form too, its lambda and delta being relative), and the
 * solver works on X times a power of two: X scaled by 2^k, from the
 * smallest doubles to the largest, gives bit for bit the same H and W
 * times 2^k (it gave a wrong "rank below r" for X near 1e307, whose
 * squared norm overflows). */
static void
test_scale (void)
{
  const size_t m = 40, n = 60, r = 4;
  /* the last: W's largest entry just below 2^1024 (X's about 1e307) */
  int exps[] = { -1000, -700, 0, 600, 1010, 0 };
  problem p;
  nmf_xrng g;
  double *x = malloc (m * n * sizeof (double));
  double *w = malloc (m * r * sizeof (double));
  double *h = malloc (n * r * sizeof (double));
  double lambdas[] = { 0.0, 1e-2 };

  problem_alloc (&p, m, n, r);
  nmf_xrng_seed (&g, 17);
  nmf_planted_generate (NMF_PLANTED_DENSE_W, m, n, r, 0.35, &g, p.w0, p.h0,
      p.x);
  for (size_t l = 0; l < 2; l++) {
    nmf_volmin_options opt;
    nmf_volmin_info info0, info;
    nmf_volmin *s;

    nmf_volmin_options_init (&opt);
    opt.lambda = lambdas[l];
    CHECK_OK (nmf_volmin_create (&s, m, n, r, &opt, NULL, 0));
    CHECK_OK (nmf_volmin_solve (s, p.x, p.w, p.h, msg, sizeof msg));
    nmf_volmin_get_info (s, &info0);
    {
      double wmax = 0.0;
      for (size_t i = 0; i < m * r; i++)
        wmax = fmax (wmax, fabs (p.w[i]));
      exps[5] = 1023 - ilogb (wmax);
    }
    for (size_t e = 0; e < sizeof (exps) / sizeof (exps[0]); e++) {
      int k = exps[e], w_same = 1;
      nmf_status st;

      for (size_t i = 0; i < m * n; i++)
        x[i] = ldexp (p.x[i], k);
      st = nmf_volmin_solve (s, x, w, h, msg, sizeof msg);
      CHECK (st == NMF_OK, "lambda %g, X times 2^%d: %d %s", lambdas[l], k,
          st, msg);
      if (st != NMF_OK)
        continue;
      nmf_volmin_get_info (s, &info);
      /* W's entries that stay normal doubles scale exactly */
      for (size_t i = 0; i < m * r; i++)
        if (fabs (p.w[i]) * ldexp (1.0, k) >= 0x1p-1022
            && w[i] != ldexp (p.w[i], k))
          w_same = 0;
      CHECK (memcmp (h, p.h, n * r * sizeof (double)) == 0,
          "lambda %g, X times 2^%d: H differs", lambdas[l], k);
      CHECK (w_same, "lambda %g, X times 2^%d: W is not W times 2^%d",
          lambdas[l], k, k);
      CHECK (info.residual == info0.residual, "lambda %g, X times 2^%d: "
          "residual %g, not %g", lambdas[l], k, info.residual,
          info0.residual);
    }
    /* one power more: W does not fit, said so */
    for (size_t i = 0; i < m * n; i++)
      x[i] = ldexp (p.x[i], exps[5] + 1);
    CHECK (nmf_volmin_solve (s, x, w, h, msg, sizeof msg)
        == NMF_ERR_NOT_FINITE && strstr (msg, "W overflows"),
        "lambda %g, W beyond DBL_MAX: %s", lambdas[l], msg);
    nmf_volmin_destroy (&s);
  }
  problem_free (&p);
  free (x);
  free (w);
  free (h);
}

int
main (void)
{
  test_assignment ();
  test_table2 ();
  test_shapes ();
  test_errors ();
  test_warm_start ();
  test_regularized ();
  test_solve_subspace ();
  test_scale ();
  nmf_volmin_thread_cleanup ();
  if (failures) {
    fprintf (stderr, "test_volmin: %d failure(s)\n", failures);
    return 1;
  }
  printf ("test_volmin: all passed\n");
  return 0;
}
