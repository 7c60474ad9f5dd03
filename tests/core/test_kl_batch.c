/* Unit tests of core/kl_batch.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "planted.h"
#include <nmf/factorize.h>

/* the shared assertions; this file counts failures under its own name */
#include "check.h"
#define failures check_failures

static void
test_monotone_and_fit (void)
{
  const size_t m = 60, n = 80, r = 4;
  double *w0 = malloc (m * r * sizeof (double));
  double *h0 = malloc (n * r * sizeof (double));
  double *x = malloc (m * n * sizeof (double));
  double *w = malloc (m * r * sizeof (double));
  double *h = malloc (n * r * sizeof (double));
  nmf_xrng g;
  nmf_kl_batch *s = NULL;
  nmf_kl_batch_options opt;
  double d0, d, prev, sumx = 0.0, worst_rise = 0.0, mse;
  int zeros = 0;

  nmf_xrng_seed (&g, 7);
  CHECK (nmf_planted_generate (NMF_PLANTED_SPARSE_W, m, n, r, 0.35, &g, w0,
          h0, x) == NMF_OK, "generate");
  for (size_t i = 0; i < m * n; i++)
    sumx += x[i];

  nmf_kl_batch_options_init (&opt);
  opt.seed = 3;
  CHECK (nmf_kl_batch_create (&s, m, n, r, &opt, NULL, 0) == NMF_OK, "create");
  CHECK (nmf_kl_batch_init (s, x, NULL, NULL, NULL, 0) == NMF_OK, "init");
  CHECK (nmf_kl_batch_divergence (s, &d0) == NMF_OK, "divergence");
  prev = d0;
  for (int it = 0; it < 3000; it++) {
    CHECK (nmf_kl_batch_step (s, &d) == NMF_OK, "step %d", it);
    /* Non-increasing up to summation rounding and the 1e-12 floors. */
    if (d - prev > worst_rise)
      worst_rise = d - prev;
    CHECK (d <= prev + 1e-12 * prev, "iteration %d: D rose %.17g -> %.17g",
        it, prev, d);
    prev = d;
  }
  CHECK (d < 1e-3 * d0, "D fell only from %g to %g", d0, d);
  CHECK (d < 1e-3 * sumx, "poor fit: D = %g, sum X = %g", d, sumx);

  CHECK (nmf_kl_batch_get (s, w, h) == NMF_OK, "get");
  for (size_t k = 0; k < r; k++) {
    double cs = 0.0;
    for (size_t i = 0; i < m; i++)
      cs += w[i * r + k];
    CHECK (fabs (cs - 1.0) < 1e-12, "W column %zu sums to %.17g", k, cs);
  }
  for (size_t i = 0; i < m * r; i++)
    zeros += !(w[i] > 0.0);
  for (size_t i = 0; i < n * r; i++)
    zeros += !(h[i] > 0.0);
  CHECK (zeros == 0, "%d entries of W, H not strictly positive", zeros);

  /* Case 1 of Table 2 is the easy case for plain NMF: H roughly found. */
  CHECK (nmf_matched_column_mse (h0, h, n, r, &mse, NULL) == NMF_OK, "mse");
  CHECK (mse < 1e-2, "KL-NMF matched MSE %g", mse);
  printf ("kl_batch: D %g -> %g after 3000 iterations (sum X %g), "
      "worst rise %g, MSE of H %g\n", d0, d, sumx, worst_rise, mse);

  nmf_kl_batch_destroy (&s);
  free (w0);
  free (h0);
  free (x);
  free (w);
  free (h);
}

static void
test_determinism_and_solve (void)
{
  const size_t m = 30, n = 40, r = 3;
  double x[30 * 40], w0[30 * 3], h0[40 * 3];
  double w1[30 * 3], h1[40 * 3], w2[30 * 3], h2[40 * 3], d1, d2;
  size_t it1, it2;
  nmf_xrng g;
  nmf_kl_batch *s;
  nmf_kl_batch_options opt;

  nmf_xrng_seed (&g, 11);
  nmf_planted_generate (NMF_PLANTED_DENSE_W, m, n, r, 0.35, &g, w0, h0, x);
  nmf_kl_batch_options_init (&opt);
  opt.seed = 99;
  opt.max_iterations = 200;
  CHECK (nmf_kl_batch_create (&s, m, n, r, &opt, NULL, 0) == NMF_OK, "create");
  CHECK (nmf_kl_batch_solve (s, x, w1, h1, &d1, &it1, NULL, 0) == NMF_OK,
      "solve 1");
  CHECK (nmf_kl_batch_solve (s, x, w2, h2, &d2, &it2, NULL, 0) == NMF_OK,
      "solve 2");
  CHECK (it1 == 200 && it2 == 200, "iterations %zu %zu", it1, it2);
  CHECK (memcmp (w1, w2, sizeof (w1)) == 0 && memcmp (h1, h2, sizeof (h1))
      == 0 && d1 == d2, "same seed, different result");
  nmf_kl_batch_destroy (&s);

  /* Tolerance stops early. */
  opt.tolerance = 1e-3;
  opt.max_iterations = 100000;
  CHECK (nmf_kl_batch_create (&s, m, n, r, &opt, NULL, 0) == NMF_OK, "create");
  CHECK (nmf_kl_batch_solve (s, x, w1, h1, &d1, &it1, NULL, 0) == NMF_OK,
      "solve");
  CHECK (it1 < 100000 && it1 > 1, "tolerance ignored: %zu iterations", it1);
  nmf_kl_batch_destroy (&s);

  /* A different seed gives a different start. */
  opt.tolerance = 1e-3;
  opt.max_iterations = 1;
  opt.seed = 100;
  CHECK (nmf_kl_batch_create (&s, m, n, r, &opt, NULL, 0) == NMF_OK, "create");
  CHECK (nmf_kl_batch_solve (s, x, w2, h2, &d2, &it2, NULL, 0) == NMF_OK,
      "solve");
  opt.seed = 101;
  nmf_kl_batch_destroy (&s);
  CHECK (nmf_kl_batch_create (&s, m, n, r, &opt, NULL, 0) == NMF_OK, "create");
  CHECK (nmf_kl_batch_solve (s, x, w1, h1, &d1, &it1, NULL, 0) == NMF_OK,
      "solve");
  CHECK (memcmp (w1, w2, sizeof (w1)) != 0, "seed has no effect");
  nmf_kl_batch_destroy (&s);
}

/* KL-NMF is scale-equivariant: X times 2^k gives the same W and H times
 * 2^k, bit for bit, however large or small the (finite) scale.  X near
 * DBL_MAX was refused as "not finite" (its sum overflowed, and the floor of
 * H with it), X near DBL_MIN lost its H to the floor of Y. */
static void
test_scale (void)
{
  const size_t m = 30, n = 40, r = 3;
  static double x[30 * 40], xs[30 * 40], w0[30 * 3], h0[40 * 3];
  double w1[30 * 3], h1[40 * 3], w2[30 * 3], h2[40 * 3], d1, d2;
  const int shifts[] = { 1000, 1016, -1000 };
  nmf_xrng g;
  nmf_kl_batch *s;
  nmf_kl_batch_options opt;
  char msg[256];

  nmf_xrng_seed (&g, 12);
  nmf_planted_generate (NMF_PLANTED_DENSE_W, m, n, r, 0.35, &g, w0, h0, x);
  nmf_kl_batch_options_init (&opt);
  opt.max_iterations = 50;
  CHECK (nmf_kl_batch_create (&s, m, n, r, &opt, NULL, 0) == NMF_OK, "create");
  CHECK (nmf_kl_batch_solve (s, x, w1, h1, &d1, NULL, NULL, 0) == NMF_OK,
      "solve");
  for (size_t t = 0; t < sizeof shifts / sizeof shifts[0]; t++) {
    const int k = shifts[t];
    for (size_t i = 0; i < m * n; i++)
      xs[i] = ldexp (x[i], k);
    msg[0] = '\0';
    nmf_status st = nmf_kl_batch_solve (s, xs, w2, h2, &d2, NULL, msg,
        sizeof msg);
    CHECK (st == NMF_OK, "X times 2^%d: status %d (%s)", k, st, msg);
    if (st != NMF_OK)
      continue;
    int same = memcmp (w1, w2, sizeof w1) == 0 && d2 == ldexp (d1, k);
    for (size_t i = 0; i < n * r; i++)
      same = same && h2[i] == ldexp (h1[i], k);
    CHECK (same, "X times 2^%d: not the factors times 2^%d (D %g, %g)", k, k,
        d2, ldexp (d1, k));
  }
  nmf_kl_batch_destroy (&s);
}

/* The tolerance stop is scale-equivariant too: X whose every entry is
 * subnormal (integers times 2^-1074, exact) stops after the iterations X
 * itself does, with the same factors.  The stop compared the divergence
 * scaled back to X's units, subnormal there with a few bits left: two
 * iterates rounded to the same value and the solve stopped at once. */
static void
test_scale_tolerance (void)
{
  const size_t m = 30, n = 40, r = 3;
  static double x[30 * 40], xs[30 * 40], w0[30 * 3], h0[40 * 3];
  double w1[30 * 3], h1[40 * 3], w2[30 * 3], h2[40 * 3], d1, d2;
  size_t it1 = 0, it2 = 0;
  nmf_xrng g;
  nmf_kl_batch *s;
  nmf_kl_batch_options opt;
  char msg[256] = "";

  nmf_xrng_seed (&g, 12);
  nmf_planted_generate (NMF_PLANTED_DENSE_W, m, n, r, 0.35, &g, w0, h0, x);
  for (size_t i = 0; i < m * n; i++) {
    x[i] = round (x[i] * 64.0);
    xs[i] = ldexp (x[i], -1074);
    CHECK (ldexp (xs[i], 1074) == x[i], "entry %zu not exact", i);
  }
  nmf_kl_batch_options_init (&opt);
  opt.max_iterations = 5000;
  opt.tolerance = 1e-3;
  CHECK (nmf_kl_batch_create (&s, m, n, r, &opt, NULL, 0) == NMF_OK, "create");
  CHECK (nmf_kl_batch_solve (s, x, w1, h1, &d1, &it1, NULL, 0) == NMF_OK,
      "solve");
  CHECK (nmf_kl_batch_solve (s, xs, w2, h2, &d2, &it2, msg, sizeof msg)
      == NMF_OK, "solve of X times 2^-1074: %s", msg);
  CHECK (it1 > 2 && it1 < 5000, "X stopped after %zu iterations (the "
      "tolerance should end it)", it1);
  CHECK (it2 == it1, "X times 2^-1074 stopped after %zu iterations, X after "
      "%zu", it2, it1);
  CHECK (memcmp (w1, w2, sizeof w1) == 0, "X times 2^-1074: another W");
  int same = d2 == ldexp (d1, -1074);
  for (size_t i = 0; i < n * r; i++)
    same = same && h2[i] == ldexp (h1[i], -1074);
  CHECK (same, "X times 2^-1074: not H and D times 2^-1074");
  nmf_kl_batch_destroy (&s);
}

static void
test_errors (void)
{
  double x[4 * 5], w[4 * 2], h[5 * 2], d;
  nmf_kl_batch *s = NULL;
  nmf_kl_batch_options opt;

  for (int i = 0; i < 20; i++)
    x[i] = 1.0 + i;
  /* sizes and options refused at create */
  const struct
  {
    size_t m, n, r;
    double floor;
    nmf_status want;
    const char *what;
  } refused[] = {
    {4, 5, 5, 1e-12, NMF_ERR_RANK, "rank > min(m,n)"},
    {0, 5, 1, 1e-12, NMF_ERR_INVALID_ARGUMENT, "empty"},
    {4, 5, 0, 1e-12, NMF_ERR_INVALID_ARGUMENT, "rank 0"},
    {4, 5, 2, 0.0, NMF_ERR_INVALID_ARGUMENT, "floor 0"},
  };
  for (size_t i = 0; i < sizeof (refused) / sizeof (refused[0]); i++) {
    char msg[256] = "";
    nmf_kl_batch_options_init (&opt);
    opt.floor = refused[i].floor;
    CHECK (nmf_kl_batch_create (&s, refused[i].m, refused[i].n, refused[i].r,
            &opt, msg, sizeof msg) == refused[i].want && !s && msg[0],
        "%s", refused[i].what);
  }
  CHECK (nmf_kl_batch_create (&s, 4, 5, 2, NULL, NULL, 0) == NMF_OK, "create");
  CHECK (nmf_kl_batch_step (s, &d) == NMF_ERR_INVALID_ARGUMENT,
      "step before init");
  x[7] = -1e-300;
  CHECK (nmf_kl_batch_solve (s, x, w, h, &d, NULL, NULL, 0) == NMF_ERR_NEGATIVE,
      "negative X");
  x[7] = NAN;
  CHECK (nmf_kl_batch_solve (s, x, w, h, &d, NULL, NULL, 0)
          == NMF_ERR_NOT_FINITE,
      "NaN X");
  x[7] = INFINITY;
  CHECK (nmf_kl_batch_solve (s, x, w, h, &d, NULL, NULL, 0)
          == NMF_ERR_NOT_FINITE,
      "Inf X");

  /* All-zero X (digital silence): finite, tiny, no NaN. */
  memset (x, 0, sizeof (x));
  CHECK (nmf_kl_batch_solve (s, x, w, h, &d, NULL, NULL, 0) == NMF_OK,
      "zero X");
  CHECK (isfinite (d) && d < 1e-9, "zero X divergence %g", d);
  for (int i = 0; i < 8; i++)
    CHECK (w[i] > 0.0 && isfinite (w[i]), "zero X: W[%d] = %g", i, w[i]);
  for (int i = 0; i < 10; i++)
    CHECK (h[i] > 0.0 && isfinite (h[i]), "zero X: H[%d] = %g", i, h[i]);

  /* Explicit start: refused if negative. */
  for (int i = 0; i < 20; i++)
    x[i] = 1.0;
  for (int i = 0; i < 8; i++)
    w[i] = 1.0;
  for (int i = 0; i < 10; i++)
    h[i] = 1.0;
  CHECK (nmf_kl_batch_init (s, x, w, h, NULL, 0) == NMF_OK, "init with start");
  h[3] = -1.0;
  CHECK (nmf_kl_batch_init (s, x, w, h, NULL, 0) == NMF_ERR_INVALID_ARGUMENT,
      "negative start");
  nmf_kl_batch_destroy (&s);
  nmf_kl_batch_destroy (NULL);
}

int
main (void)
{
  test_monotone_and_fit ();
  test_determinism_and_solve ();
  test_scale ();
  test_scale_tolerance ();
  test_errors ();
  if (failures) {
    fprintf (stderr, "test_kl_batch: %d failure(s)\n", failures);
    return 1;
  }
  printf ("test_kl_batch: all passed\n");
  return 0;
}
