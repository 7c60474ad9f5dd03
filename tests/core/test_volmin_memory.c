/* What the element's algorithm=volmin allocates (core/volmin_stream.c):
 * its window of F x T floats and buffers of (F + T) x rank scale, no
 * F x T buffer of doubles.  Found by reading: the stream's solver was made
 * by nmf_volmin_create, which sized every buffer for the solves from X
 * (its scaled copy, the SVD's input, vectors and workspace, about 9 MB at
 * the element's defaults), all unused by the subspace solves the stream
 * makes.  Counted by wrapping malloc during create; a subspace-only solver
 * must still refuse the solves from X, and the stream must still refresh
 * its model (both by result). */
#include "check.h"
#include "malloc_count.h"
#include <nmf/error.h>
#include <nmf/factorize.h>
#include "volmin.h"
#include "volmin_stream.h"

#include <string.h>

/* the element's defaults: fft-size 2048, window-frames 258, two sources */
#define F 1025
#define T 258
#define RANK 2

static void
check_stream_size (void)
{
  nmf_volmin_stream *s = NULL;
  nmf_volmin_stream_stats st;
  const size_t window = (size_t) F * T * sizeof (float);
  /* less than half an F x T buffer of doubles beside the window: none */
  const size_t bound = window + (size_t) F * T * sizeof (double) / 2;
  float *v = malloc (F * sizeof (float)), *spec =
      malloc ((size_t) RANK * F * sizeof (float));
  unsigned long long seed = 3;
  size_t bytes;

  malloc_count_start ();
  CHECK_OK (nmf_volmin_stream_create (&s, F, RANK, T, 16, 0.0, 1));
  malloc_count_stop (NULL, &bytes);
  printf ("volmin stream %d x %d, rank %d: create allocated %zu bytes "
      "(window %zu)\n", F, T, RANK, (size_t) bytes, window);
  CHECK (bytes < bound, "create allocated %zu bytes: more than the window "
      "(%zu) and half an F x T buffer of doubles (bound %zu)",
      (size_t) bytes, window, bound);

  /* two sources with distinct spectra, mixed at random: the model must
   * come, from the subspace solver so made */
  for (int t = 0; t < 3 * T; t++) {
    double a = test_uniform (&seed), b = test_uniform (&seed);
    for (int f = 0; f < F; f++)
      v[f] = (float) (a * exp (-0.5 * (f - 100) * (f - 100) / 400.0)
          + b * exp (-0.5 * (f - 600) * (f - 600) / 900.0));
    CHECK_OK (nmf_volmin_stream_push (s, v, spec));
  }
  CHECK_OK (nmf_volmin_stream_get_stats (s, &st));
  CHECK (st.has_model && st.refreshes > 0, "no model after %d frames "
      "(%llu refreshes, %llu failures: %s)", 3 * T,
      (unsigned long long) st.refreshes,
      (unsigned long long) st.failures, st.last_error);
  nmf_volmin_stream_destroy (&s);
  free (v);
  free (spec);
}

/* a solver made for subspace solves refuses X (it has no room for it),
 * with a reason, and solves from a subspace */
static void
check_subspace_only (void)
{
  const size_t m = 6, n = 8, r = 2;
  nmf_volmin *s = NULL;
  double x[6 * 8], w[6 * 2], h[8 * 2];
  /* U (orthonormal columns e1, e2), S, V^T (orthonormal rows) of a
   * rank-2 matrix whose columns are convex mixes of two vertices */
  double u[6 * 2] = { 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0 };
  double sv[2] = { 2.0, 1.0 }, vt[2 * 8];
  char msg[256] = "";
  int ret;

  for (size_t i = 0; i < m * n; i++)
    x[i] = 1.0;
  for (size_t j = 0; j < n; j++) {
    vt[j] = 1.0 / sqrt ((double) n);
    vt[n + j] = (j % 2 ? 1.0 : -1.0) / sqrt ((double) n);
  }
  CHECK_OK (nmf_volmin_create_subspace (&s, m, n, r, NULL, NULL, 0));
  ret = nmf_volmin_solve (s, x, w, h, msg, sizeof msg);
  CHECK (ret == NMF_ERR_INVALID_ARGUMENT && strstr (msg, "subspace"),
      "nmf_volmin_solve on a subspace-only solver: %d (%s)", ret, msg);
  ret = nmf_volmin_solve_warm (s, x, w, w, h, msg, sizeof msg);
  CHECK (ret == NMF_ERR_INVALID_ARGUMENT && strstr (msg, "subspace"),
      "nmf_volmin_solve_warm on a subspace-only solver: %d (%s)", ret, msg);
  ret = nmf_volmin_solve_subspace (s, u, sv, vt, NULL, w, h, msg,
      sizeof msg);
  CHECK (ret == NMF_OK, "nmf_volmin_solve_subspace: %d (%s)", ret, msg);
  nmf_volmin_destroy (&s);
  nmf_volmin_thread_cleanup ();
}

int
main (void)
{
  malloc_count_require ();
  check_stream_size ();
  check_subspace_only ();
  CHECK_DONE ();
}
