/* Unit tests of core/volmin_stream.c (sliding-window volume
 * minimization). */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "hungarian.h"
#include <nmf/error.h>
#include "volmin_stream.h"

/* ---- planted streams ---------------------------------------------------- */

typedef struct
{
  int F, r;
  double *w0;                   /* F x r column-major, >= 0 */
  double *a;                    /* r: activations of the current frame */
  float *v;                     /* F: the current frame */
  unsigned long long seed;
  double scale;
} planted;

/* Harmonic template: partials of f0 (in bins) with 1/h amplitudes, each a
 * Gaussian bump one bin wide; nonnegative. */
static void
harmonic (double *w, int F, double f0)
{
  for (int f = 0; f < F; f++)
    w[f] = 0.0;
  for (int h = 1; h * f0 < F - 2; h++)
    for (int f = 0; f < F; f++) {
      double d = (f - h * f0) / 1.0;
      w[f] += exp (-0.5 * d * d) / h;
    }
}

static void
planted_init (planted * p, int F, int r, const double *f0,
    unsigned long long seed)
{
  p->F = F;
  p->r = r;
  p->w0 = malloc ((size_t) F * r * sizeof (double));
  p->a = malloc ((size_t) r * sizeof (double));
  p->v = malloc ((size_t) F * sizeof (float));
  p->seed = seed;
  p->scale = 1.0;
  for (int k = 0; k < r; k++)
    harmonic (p->w0 + (size_t) k * F, F, f0[k]);
}

static void
planted_free (planted * p)
{
  free (p->w0);
  free (p->a);
  free (p->v);
}

/* Next frame: each source on with probability 0.6 (on/off pattern),
 * amplitude uniform in [0.2, 1]; never all off. only >= 0 forces a single
 * source (rank-1 stream). */
static void
planted_next (planted * p, int only)
{
  int any = 0;
  for (int k = 0; k < p->r; k++) {
    int on = test_uniform (&p->seed) < 0.6;
    double amp = 0.2 + 0.8 * test_uniform (&p->seed);
    if (only >= 0)
      on = k == only;
    p->a[k] = on ? amp : 0.0;
    any |= on;
  }
  if (!any)
    p->a[(int) (test_uniform (&p->seed) * p->r) % p->r] = 0.5;
  for (int f = 0; f < p->F; f++) {
    double x = 0.0;
    for (int k = 0; k < p->r; k++)
      x += p->w0[(size_t) k * p->F + f] * p->a[k];
    p->v[f] = (float) (x * p->scale);
  }
}

/* Best matching of the stream's templates (F x r, column-major float) to
 * the planted ones by cosine: perm[k] = template matched to source k;
 * returns the smallest matched cosine. */
static double
match_templates (const planted * p, const float *W, size_t *perm)
{
  int F = p->F, r = p->r;
  double cost[64 * 64] = { 0 }, worst = 1.0;

  for (int a = 0; a < r; a++)
    for (int b = 0; b < r; b++) {
      double d = 0.0, na = 0.0, nb = 0.0;
      for (int f = 0; f < F; f++) {
        double x = p->w0[(size_t) a * F + f], y = W[(size_t) b * F + f];
        d += x * y;
        na += x * x;
        nb += y * y;
      }
      cost[a * r + b] = na > 0.0 && nb > 0.0 ? -d / sqrt (na * nb) : 1.0;
    }
  if (nmf_assignment_solve (cost, (size_t) r, perm, NULL) != NMF_OK)
    return -1.0;
  for (int a = 0; a < r; a++)
    if (-cost[a * r + perm[a]] < worst)
      worst = -cost[a * r + perm[a]];
  return worst;
}

static int
spectra_ok (const float *spec, int n)
{
  for (int i = 0; i < n; i++)
    if (!isfinite (spec[i]) || spec[i] < 0.0f)
      return 0;
  return 1;
}

/* ---- tests -------------------------------------------------------------- */

/* Planted stream: recovery, fixed component order across refreshes, each
 * component's spectrum equal to the planted source's share. */
static void
test_planted (int F, int r, int T, int interval, double scale)
{
  static const double f0s[] = { 7.3, 11.1, 17.7, 5.2 };
  nmf_volmin_stream *s = NULL;
  nmf_volmin_stream_stats st;
  planted p;
  float *spec = malloc ((size_t) F * r * sizeof (float));
  size_t perm[8], perm0[8];
  int checked = 0, order_changes = 0, bad_spectra = 0, have_perm = 0;
  double worst_cos = 1.0, worst_share = 0.0;
  uint64_t last_refreshes = 0;
  int frames = T + 30 * interval;

  planted_init (&p, F, r, f0s, 1234 + r);
  p.scale = scale;
  CHECK_OK (nmf_volmin_stream_create (&s, F, r, T, interval, 0.0, 7));
  for (int t = 0; t < frames; t++) {
    planted_next (&p, -1);
    CHECK_OK (nmf_volmin_stream_push (s, p.v, spec));
    if (!spectra_ok (spec, F * r))
      bad_spectra++;
    CHECK_OK (nmf_volmin_stream_get_stats (s, &st));
    /* Once the model stands on a full window, each component's spectrum is
     * the planted source's contribution W0_k a_k (the frame lies in the
     * cone of the templates). */
    if (have_perm) {
      double err = 0.0, nrm = 0.0;
      for (int k = 0; k < r; k++)
        for (int f = 0; f < F; f++) {
          double want = p.w0[(size_t) k * F + f] * p.a[k] * scale;
          double got = spec[(size_t) perm0[k] * F + f];
          err += (got - want) * (got - want);
          nrm += want * want;
        }
      if (sqrt (err / nrm) > worst_share)
        worst_share = sqrt (err / nrm);
    }
    if (t >= T && st.refreshes > last_refreshes) {
      double c = match_templates (&p, nmf_volmin_stream_templates (s), perm);
      if (c < worst_cos)
        worst_cos = c;
      if (!have_perm) {
        memcpy (perm0, perm, sizeof (perm));
        have_perm = 1;
      } else if (memcmp (perm0, perm, (size_t) r * sizeof (size_t)) != 0)
        order_changes++;
      checked++;
    }
    last_refreshes = st.refreshes;
  }
  CHECK_OK (nmf_volmin_stream_get_stats (s, &st));
  printf ("planted F=%d r=%d T=%d interval=%d scale=%g: %d refreshes "
      "checked, worst cosine %.9f, order changes %d, worst share error "
      "%.2e, failures %llu, swaps %llu, lp solves %llu\n", F, r, T, interval,
      scale, checked, worst_cos, order_changes, worst_share,
      (unsigned long long) st.failures, (unsigned long long) st.swaps,
      (unsigned long long) st.lp_solves);
  CHECK (checked >= 20, "only %d refreshes after the window filled", checked);
  CHECK (worst_cos > 0.99, "templates not recovered: cosine %g", worst_cos);
  CHECK (worst_cos > 0.9999, "planted recovery not exact: cosine %g",
      worst_cos);
  CHECK (order_changes == 0, "component order changed %d times",
      order_changes);
  CHECK (bad_spectra == 0, "%d frames with negative or non-finite spectra",
      bad_spectra);
  CHECK (worst_share < 1e-3, "component spectra off the planted shares by "
      "%g", worst_share);
  CHECK (st.failures == 0, "%llu solver failures: %s",
      (unsigned long long) st.failures, st.last_error);
  CHECK (st.has_model, "no model");
  nmf_volmin_stream_destroy (&s);
  CHECK (s == NULL, "destroy did not clear the pointer");
  planted_free (&p);
  free (spec);
}

/* Before the model exists the output is the even split v / r. */
static void
test_even_split (void)
{
  const int F = 129, r = 2, T = 32;
  static const double f0s[] = { 6.1, 9.7 };
  nmf_volmin_stream *s = NULL;
  nmf_volmin_stream_stats st;
  planted p;
  float spec[2 * 129];
  int bad = 0;

  planted_init (&p, F, r, f0s, 99);
  CHECK_OK (nmf_volmin_stream_create (&s, F, r, T, 8, 0.0, 1));
  for (int t = 0; t < 7; t++) {
    planted_next (&p, -1);
    CHECK_OK (nmf_volmin_stream_push (s, p.v, spec));
    for (int k = 0; k < r; k++)
      for (int f = 0; f < F; f++)
        if (spec[k * F + f] != p.v[f] / (float) r)
          bad++;
  }
  CHECK (bad == 0, "%d entries differ from the even split", bad);
  CHECK_OK (nmf_volmin_stream_get_stats (s, &st));
  CHECK (!st.has_model, "a model before the first refresh");
  CHECK (st.refreshes == 0, "refreshes before the interval");
  {
    const float *W = nmf_volmin_stream_templates (s);
    int nz = 0;
    for (int i = 0; i < F * r; i++)
      nz += W[i] != 0.0f;
    CHECK (nz == 0, "templates not zero before the first model");
  }
  nmf_volmin_stream_destroy (&s);
  planted_free (&p);
}

/* A stream of one source only: numerical rank 1 < r, no model, even split,
 * counted as skipped. */
static void
test_rank_deficient (void)
{
  const int F = 129, r = 2, T = 32;
  static const double f0s[] = { 6.1, 9.7 };
  nmf_volmin_stream *s = NULL;
  nmf_volmin_stream_stats st;
  planted p;
  float spec[2 * 129];
  int bad = 0;

  planted_init (&p, F, r, f0s, 5);
  CHECK_OK (nmf_volmin_stream_create (&s, F, r, T, 4, 0.0, 1));
  for (int t = 0; t < 3 * T; t++) {
    planted_next (&p, 0);
    CHECK_OK (nmf_volmin_stream_push (s, p.v, spec));
    for (int k = 0; k < r; k++)
      for (int f = 0; f < F; f++)
        if (spec[k * F + f] != p.v[f] / (float) r)
          bad++;
  }
  CHECK_OK (nmf_volmin_stream_get_stats (s, &st));
  printf ("rank deficient: skipped_rank %llu, failures %llu, s2/s1 %.3g\n",
      (unsigned long long) st.skipped_rank, (unsigned long long) st.failures,
      st.singular_ratio);
  CHECK (!st.has_model, "a model from rank-1 data");
  CHECK (st.skipped_rank > 0, "rank deficiency not detected");
  CHECK (bad == 0, "%d entries differ from the even split", bad);
  nmf_volmin_stream_destroy (&s);
  planted_free (&p);
}

/* Sound, digital silence longer than the window, sound again (first the
 * same sources, then different ones): no NaN, model and templates kept
 * through the silence, then recovered / adapted. */
static void
test_silence (void)
{
  const int F = 257, r = 2, T = 48, interval = 8;
  static const double f0a[] = { 7.3, 11.1 }, f0b[] = { 5.2, 13.9 };
  nmf_volmin_stream *s = NULL;
  nmf_volmin_stream_stats st;
  planted p, q;
  float *spec = malloc ((size_t) F * r * sizeof (float));
  float *zero = calloc ((size_t) F, sizeof (float));
  float *Wkeep = malloc ((size_t) F * r * sizeof (float));
  size_t perm[8];
  int bad = 0, nonzero_out = 0;
  uint64_t refreshes_before;
  double c;

  planted_init (&p, F, r, f0a, 11);
  planted_init (&q, F, r, f0b, 12);
  CHECK_OK (nmf_volmin_stream_create (&s, F, r, T, interval, 0.0, 3));
  /* silence first: nothing to learn */
  for (int t = 0; t < 2 * T; t++) {
    CHECK_OK (nmf_volmin_stream_push (s, zero, spec));
    bad += !spectra_ok (spec, F * r);
  }
  CHECK_OK (nmf_volmin_stream_get_stats (s, &st));
  CHECK (!st.has_model && st.failures == 0,
      "silence at start: model %d failures %llu", st.has_model,
      (unsigned long long) st.failures);
  for (int t = 0; t < T + 4 * interval; t++) {
    planted_next (&p, -1);
    CHECK_OK (nmf_volmin_stream_push (s, p.v, spec));
    bad += !spectra_ok (spec, F * r);
  }
  c = match_templates (&p, nmf_volmin_stream_templates (s), perm);
  CHECK (c > 0.99, "before silence: cosine %g", c);
  memcpy (Wkeep, nmf_volmin_stream_templates (s), (size_t) F * r *
      sizeof (float));
  CHECK_OK (nmf_volmin_stream_get_stats (s, &st));
  refreshes_before = st.refreshes;

  for (int t = 0; t < 3 * T; t++) {
    CHECK_OK (nmf_volmin_stream_push (s, zero, spec));
    bad += !spectra_ok (spec, F * r);
    for (int i = 0; i < F * r; i++)
      nonzero_out += spec[i] != 0.0f;
  }
  CHECK_OK (nmf_volmin_stream_get_stats (s, &st));
  CHECK (st.has_model, "model lost in silence");
  CHECK (nonzero_out == 0, "%d nonzero outputs for silent frames",
      nonzero_out);
  CHECK (st.failures == 0, "silence caused %llu failures: %s",
      (unsigned long long) st.failures, st.last_error);
  /* Silence takes no place in the window: no refresh, the templates as
   * they were (until 2026-12-07 the sound frames left one by one and the
   * model was refitted to those left). */
  c = match_templates (&p, nmf_volmin_stream_templates (s), perm);
  CHECK (c > 0.99, "after silence: cosine %g", c);
  CHECK (st.refreshes == refreshes_before, "%llu refreshes in the silence",
      (unsigned long long) (st.refreshes - refreshes_before));
  CHECK (memcmp (Wkeep, nmf_volmin_stream_templates (s),
          (size_t) F * r * sizeof (float)) == 0,
      "the silence changed the templates");

  /* sound again, same sources */
  for (int t = 0; t < T + 2 * interval; t++) {
    planted_next (&p, -1);
    CHECK_OK (nmf_volmin_stream_push (s, p.v, spec));
    bad += !spectra_ok (spec, F * r);
  }
  c = match_templates (&p, nmf_volmin_stream_templates (s), perm);
  CHECK (c > 0.99, "recovery: cosine %g", c);

  /* silence, then different sources: the model adapts */
  for (int t = 0; t < 2 * T; t++) {
    CHECK_OK (nmf_volmin_stream_push (s, zero, spec));
    bad += !spectra_ok (spec, F * r);
  }
  for (int t = 0; t < T + 2 * interval; t++) {
    planted_next (&q, -1);
    CHECK_OK (nmf_volmin_stream_push (s, q.v, spec));
    bad += !spectra_ok (spec, F * r);
  }
  c = match_templates (&q, nmf_volmin_stream_templates (s), perm);
  CHECK (c > 0.99, "new sources after silence: cosine %g", c);
  CHECK (bad == 0, "%d frames with bad spectra", bad);
  CHECK_OK (nmf_volmin_stream_get_stats (s, &st));
  printf ("silence: refreshes %llu failures %llu skipped_silent %llu\n",
      (unsigned long long) st.refreshes, (unsigned long long) st.failures,
      (unsigned long long) st.skipped_silent);
  nmf_volmin_stream_destroy (&s);
  planted_free (&p);
  planted_free (&q);
  free (spec);
  free (zero);
  free (Wkeep);
}

/* Sources whose templates share no bins (orthogonal spectra) swapping in
 * and out: the tracked subspace must not get stuck on the old pair. */
static void
test_source_change (void)
{
  const int F = 257, r = 2, T = 40, interval = 8;
  static const double f0a[] = { 10.0, 10.0 }, f0b[] = { 10.0, 10.0 };
  nmf_volmin_stream *s = NULL;
  planted p, q;
  float *spec = malloc ((size_t) F * r * sizeof (float));
  size_t perm[8];
  double c;

  planted_init (&p, F, r, f0a, 21);
  planted_init (&q, F, r, f0b, 22);
  /* p: bumps in bins [10, 60) and [60, 110); q: [130, 180) and [180, 230) */
  for (int k = 0; k < r; k++)
    for (int f = 0; f < F; f++) {
      p.w0[(size_t) k * F + f] = (f >= 10 + 50 * k && f < 60 + 50 * k)
          ? 1.0 + 0.5 * sin (0.3 * f) : 0.0;
      q.w0[(size_t) k * F + f] = (f >= 130 + 50 * k && f < 180 + 50 * k)
          ? 1.0 + 0.5 * cos (0.2 * f) : 0.0;
    }
  CHECK_OK (nmf_volmin_stream_create (&s, F, r, T, interval, 0.0, 9));
  for (int t = 0; t < 2 * T; t++) {
    planted_next (&p, -1);
    CHECK_OK (nmf_volmin_stream_push (s, p.v, spec));
  }
  c = match_templates (&p, nmf_volmin_stream_templates (s), perm);
  CHECK (c > 0.99, "first pair: cosine %g", c);
  for (int t = 0; t < 3 * T; t++) {
    planted_next (&q, -1);
    CHECK_OK (nmf_volmin_stream_push (s, q.v, spec));
    CHECK (spectra_ok (spec, F * r), "bad spectra");
  }
  c = match_templates (&q, nmf_volmin_stream_templates (s), perm);
  printf ("orthogonal source change: cosine %.6f\n", c);
  CHECK (c > 0.99, "second (orthogonal) pair: cosine %g", c);
  nmf_volmin_stream_destroy (&s);
  planted_free (&p);
  planted_free (&q);
  free (spec);
}

/* reset(1) keeps the templates, reset(0) forgets them. */
static void
test_reset (void)
{
  const int F = 129, r = 2, T = 32;
  static const double f0s[] = { 6.1, 9.7 };
  nmf_volmin_stream *s = NULL;
  nmf_volmin_stream_stats st;
  planted p;
  float spec[2 * 129], spec2[2 * 129], *W = malloc (F * r * sizeof (float));
  size_t perm[8];
  int nz = 0, even = 1;

  planted_init (&p, F, r, f0s, 77);
  CHECK_OK (nmf_volmin_stream_create (&s, F, r, T, 8, 0.0, 1));
  for (int t = 0; t < 2 * T; t++) {
    planted_next (&p, -1);
    CHECK_OK (nmf_volmin_stream_push (s, p.v, spec));
  }
  CHECK (match_templates (&p, nmf_volmin_stream_templates (s), perm) > 0.99,
      "no model before reset");
  memcpy (W, nmf_volmin_stream_templates (s), F * r * sizeof (float));
  planted_next (&p, -1);
  /* the same frame pushed right after reset(1) gives the same spectra */
  nmf_volmin_stream_reset (s, 1);
  CHECK (memcmp (W, nmf_volmin_stream_templates (s),
          F * r * sizeof (float)) == 0, "reset(1) changed the templates");
  CHECK_OK (nmf_volmin_stream_get_stats (s, &st));
  CHECK (st.has_model, "reset(1) dropped the model");
  CHECK_OK (nmf_volmin_stream_push (s, p.v, spec));
  for (int k = 0; k < r; k++)
    for (int f = 0; f < F; f++)
      if (spec[k * F + f] != p.v[f] / (float) r)
        even = 0;
  CHECK (!even, "reset(1): output is the even split");
  nmf_volmin_stream_reset (s, 1);
  CHECK_OK (nmf_volmin_stream_push (s, p.v, spec2));
  CHECK (memcmp (spec, spec2, sizeof (spec)) == 0,
      "reset(1): the same frame gives different spectra");

  nmf_volmin_stream_reset (s, 0);
  for (int i = 0; i < F * r; i++)
    nz += nmf_volmin_stream_templates (s)[i] != 0.0f;
  CHECK (nz == 0, "reset(0) kept %d template entries", nz);
  CHECK_OK (nmf_volmin_stream_get_stats (s, &st));
  CHECK (!st.has_model, "reset(0) kept the model");
  CHECK_OK (nmf_volmin_stream_push (s, p.v, spec));
  even = 1;
  for (int k = 0; k < r; k++)
    for (int f = 0; f < F; f++)
      if (spec[k * F + f] != p.v[f] / (float) r)
        even = 0;
  CHECK (even, "reset(0): output is not the even split");
  /* and it learns again */
  for (int t = 0; t < 2 * T; t++) {
    planted_next (&p, -1);
    CHECK_OK (nmf_volmin_stream_push (s, p.v, spec));
  }
  CHECK (match_templates (&p, nmf_volmin_stream_templates (s), perm) > 0.99,
      "no model after reset(0) and a new window");
  nmf_volmin_stream_destroy (&s);
  planted_free (&p);
  free (W);
}

static void
test_invalid (void)
{
  nmf_volmin_stream *s = (nmf_volmin_stream *) &s;      /* not NULL */
  float v[16] = { 0 }, spec[32];

  CHECK (nmf_volmin_stream_create (NULL, 16, 2, 8, 4, 0.0, 0)
      == NMF_ERR_INVALID_ARGUMENT, "NULL out");
#define BAD(...) \
  do { \
    s = (nmf_volmin_stream *)&s; \
    CHECK (nmf_volmin_stream_create (&s, __VA_ARGS__) \
                == NMF_ERR_INVALID_ARGUMENT \
            && s == NULL, \
        "accepted: %s", #__VA_ARGS__); \
  } while (0)
  BAD (0, 2, 8, 4, 0.0, 0);
  BAD (1, 1, 8, 4, 0.0, 0);
  BAD (16, 0, 8, 4, 0.0, 0);
  BAD (16, -1, 8, 4, 0.0, 0);
  BAD (16, 17, 40, 4, 0.0, 0);
  BAD (16, 2, 3, 4, 0.0, 0);
  BAD (16, 2, 0, 4, 0.0, 0);
  BAD (16, 2, 8, 0, 0.0, 0);
  BAD (16, 2, 8, -3, 0.0, 0);
  BAD (16, 2, 8, 4, -0.1, 0);
  BAD (16, 2, 8, 4, 1.5, 0);
  BAD (16, 2, 8, 4, NAN, 0);
  BAD (16, 2, 8, 4, INFINITY, 0);
#undef BAD
  s = NULL;
  CHECK_OK (nmf_volmin_stream_create (&s, 16, 2, 8, 4, 0.0, 0));
  CHECK (nmf_volmin_stream_push (NULL, v, spec) == NMF_ERR_INVALID_ARGUMENT,
      "push NULL stream");
  CHECK (nmf_volmin_stream_push (s, NULL, spec) == NMF_ERR_INVALID_ARGUMENT,
      "push NULL v");
  CHECK (nmf_volmin_stream_push (s, v, NULL) == NMF_ERR_INVALID_ARGUMENT,
      "push NULL spectra");
  v[3] = NAN;
  CHECK (nmf_volmin_stream_push (s, v, spec) == NMF_ERR_NOT_FINITE, "NaN");
  v[3] = INFINITY;
  CHECK (nmf_volmin_stream_push (s, v, spec) == NMF_ERR_NOT_FINITE, "Inf");
  v[3] = -1.0f;
  CHECK (nmf_volmin_stream_push (s, v, spec) == NMF_ERR_NEGATIVE, "negative");
  {
    nmf_volmin_stream_stats st;
    CHECK_OK (nmf_volmin_stream_get_stats (s, &st));
    CHECK (st.frames == 0, "rejected frames were counted");
    CHECK (nmf_volmin_stream_get_stats (s, NULL) == NMF_ERR_INVALID_ARGUMENT,
        "stats NULL");
  }
  CHECK (nmf_volmin_stream_set_subspace_iterations (s, 0)
      == NMF_ERR_INVALID_ARGUMENT, "0 iterations");
  CHECK (nmf_volmin_stream_set_subspace_iterations (s, 2) == NMF_OK,
      "2 iterations");
  nmf_volmin_stream_reset (NULL, 0);
  CHECK (nmf_volmin_stream_templates (NULL) == NULL, "templates of NULL");
  nmf_volmin_stream_destroy (&s);
  CHECK (s == NULL, "destroy did not clear");
  nmf_volmin_stream_destroy (&s);
  nmf_volmin_stream_destroy (NULL);
}

/* Regularized mode: runs, no NaN, templates close to the planted ones for
 * a small lambda. */
static void
test_lambda (double lambda)
{
  const int F = 257, r = 2, T = 48, interval = 16;
  static const double f0s[] = { 7.3, 11.1 };
  nmf_volmin_stream *s = NULL;
  nmf_volmin_stream_stats st;
  planted p;
  float *spec = malloc ((size_t) F * r * sizeof (float));
  size_t perm[8];
  int bad = 0;
  double c;

  planted_init (&p, F, r, f0s, 31);
  CHECK_OK (nmf_volmin_stream_create (&s, F, r, T, interval, lambda, 2));
  for (int t = 0; t < 3 * T; t++) {
    planted_next (&p, -1);
    CHECK_OK (nmf_volmin_stream_push (s, p.v, spec));
    bad += !spectra_ok (spec, F * r);
  }
  CHECK_OK (nmf_volmin_stream_get_stats (s, &st));
  c = match_templates (&p, nmf_volmin_stream_templates (s), perm);
  printf ("lambda %g: refreshes %llu failures %llu (%s), cosine %.6f, "
      "solve %.1f ms per refresh\n", lambda,
      (unsigned long long) st.refreshes, (unsigned long long) st.failures,
      st.last_error, c, 1e3 * st.solve_seconds
      / (double) (st.refreshes + st.failures ? st.refreshes + st.failures : 1));
  CHECK (bad == 0, "%d frames with bad spectra", bad);
  CHECK (st.has_model, "no model with lambda %g", lambda);
  CHECK (c > 0.95, "lambda %g: cosine %g", lambda, c);
  nmf_volmin_stream_destroy (&s);
  planted_free (&p);
  free (spec);
}

/* Planted stream plus a faint noise floor (the window is then full rank):
 * the exact criterion still finds the sources, no solver failures. */
static void
test_noisy (double noise, double lambda, double min_cos)
{
  const int F = 257, r = 2, T = 64, interval = 8;
  static const double f0s[] = { 7.3, 11.1 };
  nmf_volmin_stream *s = NULL;
  nmf_volmin_stream_stats st;
  planted p;
  float *spec = malloc ((size_t) F * r * sizeof (float));
  size_t perm[8], perm0[8];
  int bad = 0, checked = 0, changes = 0;
  double worst = 1.0;
  uint64_t last = 0;

  planted_init (&p, F, r, f0s, 41);
  CHECK_OK (nmf_volmin_stream_create (&s, F, r, T, interval, lambda, 4));
  for (int t = 0; t < T + 30 * interval; t++) {
    planted_next (&p, -1);
    for (int f = 0; f < F; f++)
      p.v[f] += (float) (noise * test_uniform (&p.seed));
    CHECK_OK (nmf_volmin_stream_push (s, p.v, spec));
    bad += !spectra_ok (spec, F * r);
    CHECK_OK (nmf_volmin_stream_get_stats (s, &st));
    if (t >= T && st.refreshes > last) {
      double c = match_templates (&p, nmf_volmin_stream_templates (s), perm);
      if (c < worst)
        worst = c;
      if (checked++ == 0)
        memcpy (perm0, perm, sizeof (perm));
      else if (memcmp (perm0, perm, (size_t) r * sizeof (size_t)) != 0)
        changes++;
    }
    last = st.refreshes;
  }
  printf ("noise %g lambda %g: %d refreshes checked, worst cosine %.6f, "
      "order changes %d, failures %llu, swaps %llu\n", noise, lambda,
      checked, worst, changes,
      (unsigned long long) st.failures, (unsigned long long) st.swaps);
  CHECK (bad == 0, "%d frames with bad spectra", bad);
  CHECK (checked >= 20, "only %d refreshes", checked);
  CHECK (worst > min_cos, "noise %g: cosine %g", noise, worst);
  CHECK (changes == 0, "noise %g: order changed %d times", noise, changes);
  CHECK (st.failures == 0, "noise %g: %llu failures (%s)", noise,
      (unsigned long long) st.failures, st.last_error);
  nmf_volmin_stream_destroy (&s);
  planted_free (&p);
  free (spec);
}

int
main (void)
{
  test_invalid ();
  test_even_split ();
  test_rank_deficient ();
  test_planted (257, 2, 64, 8, 1.0);
  test_planted (257, 3, 64, 8, 1.0);
  test_planted (513, 3, 100, 16, 1.0);
  test_planted (257, 2, 64, 8, 1e-30);
  test_planted (257, 3, 64, 8, 1e20);
  test_silence ();
  test_source_change ();
  test_reset ();
  test_noisy (1e-3, 0.0, 0.999);
  test_noisy (1e-2, 0.0, 0.99);
  test_noisy (5e-2, 0.0, 0.95);
  test_noisy (5e-2, 1e-2, 0.95);
  test_lambda (1e-3);
  test_lambda (1e-2);
  CHECK_DONE ();
}
