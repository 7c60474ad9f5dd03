/* The work limit of volmin's solves (core/volmin_lp.c) and of the stream's
 * refreshes (core/volmin_stream.c): a refresh runs in the element's
 * streaming thread, and a state change or a flushing seek waits for it.
 * At 64 components over the window of fft-size 256 a refresh took 10 s
 * of CPU (35 s on a loaded machine), the next one 11 s to fail at its
 * 100th sweep; the stream also refused ranks above 64, which the
 * separator's configuration accepts (up to 256 components in the
 * element): "invalid argument" when the element started. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include <nmf/error.h>
#include <nmf/factorize.h>
#include "volmin.h"
#include "volmin_stream.h"

static double
cpu_seconds (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
}

/* Every push returns within a bounded time, and the refreshes that
 * reached the limit installed a model (the best found, not nothing).
 * lambda > 0 adds the regularized iterations to the refresh: at 64
 * components 8.8 s of CPU a refresh with lambda 0.01, beyond the limit of
 * the LPs. */
static void
check_refresh_bounded (double lambda)
{
  const int F = 129, K = 64, T = 258, frames = 176;
  nmf_volmin_stream *s = NULL;
  nmf_volmin_stream_stats st;
  float *v = malloc (F * sizeof (float));
  float *spectra = malloc ((size_t) F * K * sizeof (float));
  unsigned long long seed = 7;
  double worst = 0.0;

  CHECK_OK (nmf_volmin_stream_create (&s, F, K, T, 16, lambda, 1));
  for (int t = 0; t < frames; t++) {
    double t0;
    test_noise_magnitude (v, F, &seed);
    t0 = cpu_seconds ();
    CHECK_OK (nmf_volmin_stream_push (s, v, spectra));
    if (cpu_seconds () - t0 > worst)
      worst = cpu_seconds () - t0;
    for (int i = 0; i < F * K; i++)
      if (!isfinite (spectra[i]) || spectra[i] < 0.0f) {
        CHECK (0, "frame %d: spectra[%d] = %g", t, i, spectra[i]);
        break;
      }
  }
  CHECK_OK (nmf_volmin_stream_get_stats (s, &st));
  printf ("rank %d over %d frames, lambda %g: longest push %.2f s of CPU; "
      "%llu refreshes (%llu stopped at the limit), %llu failures, %llu "
      "LPs\n", K, T, lambda, worst, (unsigned long long) st.refreshes,
      (unsigned long long) st.stopped_at_limit,
      (unsigned long long) st.failures, (unsigned long long) st.lp_solves);
  /* about 1 s at the limit (GLPK, most of it, is not instrumented under
   * a sanitizer); 10 s without it */
  CHECK (worst < 4.0, "a push took %.2f s of CPU", worst);
  CHECK (st.has_model, "no model after %d frames: %s", frames,
      st.last_error);
  CHECK (st.refreshes >= 2, "%llu refreshes installed",
      (unsigned long long) st.refreshes);
  CHECK (st.stopped_at_limit >= 1 && st.stopped_at_limit <= st.refreshes,
      "%llu refreshes stopped at the limit of %llu",
      (unsigned long long) st.stopped_at_limit,
      (unsigned long long) st.refreshes);
  nmf_volmin_stream_destroy (&s);
  free (v);
  free (spectra);
}

/* The limit counts work, not time: the same frames and seed give the
 * same templates. */
static void
check_deterministic (void)
{
  const int F = 129, K = 64, T = 258, frames = 160;
  nmf_volmin_stream *s[2] = { NULL, NULL };
  float *v = malloc (F * sizeof (float));
  float *spectra = malloc ((size_t) F * K * sizeof (float));

  for (int run = 0; run < 2; run++) {
    unsigned long long seed = 11;
    CHECK_OK (nmf_volmin_stream_create (&s[run], F, K, T, 16, 0.0, 3));
    for (int t = 0; t < frames; t++) {
      test_noise_magnitude (v, F, &seed);
      CHECK_OK (nmf_volmin_stream_push (s[run], v, spectra));
    }
  }
  CHECK (memcmp (nmf_volmin_stream_templates (s[0]),
          nmf_volmin_stream_templates (s[1]),
          (size_t) F * K * sizeof (float)) == 0,
      "two runs of the same frames differ");
  nmf_volmin_stream_destroy (&s[0]);
  nmf_volmin_stream_destroy (&s[1]);
  free (v);
  free (spectra);
}

/* Ranks the separator accepts (256 components in the element, 1024
 * templates in the core) make a stream; beyond them they are refused. */
static void
check_ranks (void)
{
  nmf_volmin_stream *s = NULL;
  int ranks[] = { 65, 256 };

  for (size_t i = 0; i < sizeof ranks / sizeof ranks[0]; i++) {
    int r = ranks[i];
    int ret = nmf_volmin_stream_create (&s, 2 * r, r, 2 * r, 16, 0.0, 1);
    CHECK (ret == NMF_OK && s != NULL, "rank %d: create returned %d", r,
        ret);
    nmf_volmin_stream_destroy (&s);
  }
  CHECK (nmf_volmin_stream_create (&s, 4096, NMF_VOLMIN_MAX_RANK + 1,
          4096, 16, 0.0, 1) == NMF_ERR_INVALID_ARGUMENT && s == NULL,
      "rank %d accepted", NMF_VOLMIN_MAX_RANK + 1);
}

/* The solver under a limit: stopped in its sweeps, W and H are a feasible
 * factorization (H >= 0, columns summing to one, X = W H^T); stopped in
 * its start, a failure that names the limit.  Without a limit (batch,
 * nmftool factorize) nothing changes. */
static void
check_solver (void)
{
  const size_t m = 40, n = 120, r = 12;
  double *x = malloc (m * n * sizeof (double));
  double *w = malloc (m * r * sizeof (double));
  double *h = malloc (n * r * sizeof (double));
  unsigned long long seed = 5;
  char msg[256];
  nmf_volmin *s = NULL;
  nmf_volmin_info info;
  nmf_status ret;

  /* planted: X = W0 H0^T, H0's rows on the simplex, r of them pure */
  {
    double *w0 = malloc (m * r * sizeof (double));
    for (size_t i = 0; i < m * r; i++)
      w0[i] = test_uniform (&seed);
    for (size_t j = 0; j < n; j++) {
      double sum = 0.0;
      for (size_t k = 0; k < r; k++) {
        double u = test_uniform (&seed);
        h[j * r + k] = j < r ? (double) (j == k) : u * u * u;
        sum += h[j * r + k];
      }
      for (size_t k = 0; k < r; k++)
        h[j * r + k] /= sum;
    }
    for (size_t i = 0; i < m; i++)
      for (size_t j = 0; j < n; j++) {
        double t = 0.0;
        for (size_t k = 0; k < r; k++)
          t += w0[i * r + k] * h[j * r + k];
        x[i * n + j] = t;
      }
    free (w0);
  }
  CHECK_OK (nmf_volmin_create (&s, m, n, r, NULL, msg, sizeof msg));

  ret = nmf_volmin_solve (s, x, w, h, msg, sizeof msg);
  CHECK (ret == NMF_OK, "no limit: %d (%s)", ret, msg);
  CHECK (!nmf_volmin_stopped_at_limit (s), "no limit, yet stopped at it");
  nmf_volmin_get_info (s, &info);
  {
    /* a limit just short of the work done: reached in the last sweep,
     * past the start */
    double full = (double) info.simplex_iterations * (double) (n + 1 + r)
        * (double) r + (double) info.lp_solves * (double) (r * r * r);
    nmf_volmin_set_work_limit (s, full - 1.0);
    printf ("rank %zu: %zu LPs, %zu pivots without a limit (work %.3g)\n",
        r, info.lp_solves, info.simplex_iterations, full);
  }
  ret = nmf_volmin_solve (s, x, w, h, msg, sizeof msg);
  nmf_volmin_get_info (s, &info);
  printf ("just short of it: status %d, %zu sweeps, %zu LPs (%s)\n", ret,
      info.sweeps, info.lp_solves, msg);
  CHECK (ret == NMF_ERR_NOT_CONVERGED && nmf_volmin_stopped_at_limit (s),
      "short of the work: status %d, stopped %d (%s)", ret,
      nmf_volmin_stopped_at_limit (s), msg);
  CHECK (strstr (msg, "work limit") != NULL, "message: %s", msg);
  CHECK (info.residual < 1e-6, "W H^T off X by %g", info.residual);
  /* H^T 1 = 1: each component's shares over the columns sum to one */
  for (size_t k = 0; k < r; k++) {
    double sum = 0.0;
    for (size_t j = 0; j < n; j++) {
      CHECK (h[j * r + k] >= 0.0, "H[%zu][%zu] = %g", j, k, h[j * r + k]);
      sum += h[j * r + k];
    }
    CHECK (fabs (sum - 1.0) < 1e-6, "H column %zu sums to %.9f", k, sum);
  }

  nmf_volmin_set_work_limit (s, 1000.0);
  ret = nmf_volmin_solve (s, x, w, h, msg, sizeof msg);
  CHECK (ret == NMF_ERR_NOT_CONVERGED && !nmf_volmin_stopped_at_limit (s),
      "a limit inside the start: status %d, stopped %d", ret,
      nmf_volmin_stopped_at_limit (s));
  CHECK (strstr (msg, "work limit") != NULL, "message: %s", msg);

  nmf_volmin_set_work_limit (s, 0.0);
  ret = nmf_volmin_solve (s, x, w, h, msg, sizeof msg);
  CHECK (ret == NMF_OK, "the limit lifted: %d (%s)", ret, msg);
  nmf_volmin_destroy (&s);

  /* regularized: a limit just past the LPs stops the iterations at once,
   * with the exact solution as the result */
  {
    nmf_volmin_options opt;
    double lp_work;
    nmf_volmin_options_init (&opt);
    opt.lambda = 0.01;
    CHECK_OK (nmf_volmin_create (&s, m, n, r, &opt, msg, sizeof msg));
    ret = nmf_volmin_solve (s, x, w, h, msg, sizeof msg);
    nmf_volmin_get_info (s, &info);
    CHECK (info.reg_iterations > 1, "regularized: %zu iterations (%s)",
        info.reg_iterations, msg);
    lp_work = (double) info.simplex_iterations * (double) (n + 1 + r)
        * (double) r + (double) info.lp_solves * (double) (r * r * r);
    nmf_volmin_set_work_limit (s, lp_work + 1.0);
    ret = nmf_volmin_solve (s, x, w, h, msg, sizeof msg);
    nmf_volmin_get_info (s, &info);
    CHECK (ret == NMF_ERR_NOT_CONVERGED && nmf_volmin_stopped_at_limit (s)
        && info.reg_iterations == 0, "regularized, limited: status %d, "
        "stopped %d, %zu iterations (%s)", ret,
        nmf_volmin_stopped_at_limit (s), info.reg_iterations, msg);
    CHECK (info.residual < 1e-6, "W H^T off X by %g", info.residual);
    for (size_t k = 0; k < r; k++) {
      double sum = 0.0;
      for (size_t j = 0; j < n; j++)
        sum += h[j * r + k];
      CHECK (fabs (sum - 1.0) < 1e-6, "H column %zu sums to %.9f", k, sum);
    }
    nmf_volmin_destroy (&s);
  }
  free (x);
  free (w);
  free (h);
}

/* A rank too large for a first model within the limit: every refresh
 * fails at the limit's cost.  Each one came at the interval (16 frames),
 * so the stream ran at a fraction of real time for as long as it lasted;
 * now the interval doubles after each failure while there is no model. */
static void
check_backoff_without_model (void)
{
  const int F = 513, K = 128, T = 258, frames = 600;
  nmf_volmin_stream *s = NULL;
  nmf_volmin_stream_stats st;
  float *v = malloc (F * sizeof (float));
  float *spectra = malloc ((size_t) F * K * sizeof (float));
  unsigned long long seed = 11;

  CHECK_OK (nmf_volmin_stream_create (&s, F, K, T, 16, 0.0, 1));
  for (int t = 0; t < frames; t++) {
    test_noise_magnitude (v, F, &seed);
    CHECK_OK (nmf_volmin_stream_push (s, v, spectra));
  }
  CHECK_OK (nmf_volmin_stream_get_stats (s, &st));
  printf ("rank %d over %d frames: %llu refreshes, %llu failures\n", K,
      frames, (unsigned long long) st.refreshes,
      (unsigned long long) st.failures);
  CHECK (st.refreshes == 0, "rank %d fitted a model: the test needs one "
      "that cannot", K);
  /* attempts at frames 16, 48, 112, 240, 496 at most (22 failed at the
   * fixed interval) */
  CHECK (st.failures >= 1 && st.failures <= 5, "%llu failed refreshes in "
      "%d frames", (unsigned long long) st.failures, frames);
  nmf_volmin_stream_destroy (&s);
  free (spectra);
  free (v);
}

int
main (void)
{
  check_backoff_without_model ();
  check_ranks ();
  check_solver ();
  check_refresh_bounded (0.0);
  check_refresh_bounded (0.01);
  check_deterministic ();
  CHECK_DONE ();
}
