/* GStreamer
 * Copyright (C) 2026 gst-nmf developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Bad input for nmfseparate (issue 5, "Bad input"), for algorithm=kl and
 * algorithm=volmin alike, always pushed in odd-sized buffers:
 *
 *  - samples: NaN, +Inf, -Inf stretches, denormals (1e-40), full-scale
 *    square waves, values far above 1.0 (1e6, 1e12, 1e20, FLT_MAX: finite
 *    values beyond 1e15 are clamped by the core and the frames that hold
 *    them not learned from, core/separator.h), DC offset, a
 *    single impulse, minutes of digital silence then sound;
 *  - stream: caps changes mid-stream (rate 44100 -> 16000, channels
 *    1 -> 2), EOS right after the first buffer and before any full frame,
 *    EOS with nothing pushed, buffers of 1 sample and of 1,000,000 samples.
 *
 * Every run checks, on both source pads: every output sample finite, output
 * timestamps / durations / offsets sample-exact and contiguous, exactly as
 * many samples out as in after EOS, and the sources adding up to the
 * cleaned input (NaN/Inf -> 0, clamped to +-1e15) within float precision
 * relative to the local signal level.
 *
 * Recovery: a clean two-source mixture of 30 s with a one-second bad
 * stretch at 3 s is separated (window 8.3 s), and over its last 5 s (more
 * than two windows after the stretch ends: a kl model stuck in a poor fit
 * is replaced by a fresh one within two windows, core/online_kl.c
 * "Bounded memory") the outputs must (a) still be a real separation: each
 * source's output has an SI-SDR against the true source no worse than
 * RECOVER_MAX_LOSS dB below the worst of RECOVER_REF_RUNS runs that never
 * saw the stretch (the stretch replaced by silence; the element's seed and
 * the next ones, whose median must reach RECOVER_MIN_SDR dB), both
 * sources carrying energy; and (b) match one
 * of those clean runs' outputs (SI-SDR of the recovered run's output
 * against the clean run's, best permutation, at least RECOVER_MIN_MATCH
 * dB).  The reference is several clean runs, not only the one of the same
 * seed: the stretch moves the model to another local optimum, and on this
 * mixture the clean runs alone range over 7 dB between seeds (README,
 * "Tests and measurements": recovery).
 *
 * Only this build's plugin is loaded (see meson.build). */

#include <gst/gst.h>
#include <gst/audio/audio.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>

#include <float.h>
#include <math.h>
#include <stdio.h>

#include "harness.h"
#include "metrics.h"
#include <string.h>

#define MAX_SAMPLE 1e15f        /* NMF_SEPARATOR_MAX_SAMPLE */

/* clean runs (seeds s, s + 1, ...; s the element's) the recovered run is
 * judged against.  One was not enough: the clean run of the same seed is
 * one draw among local optima (last 5 s of the kl clean runs, file
 * profile, seeds 0 - 7: 7.21 - 14.54 dB), and a stretch that moves the
 * model draws another, so with that single reference the test's verdict
 * turned on the seed (test_recover_huge failed at seeds 1, 4 and 6 of 0 -
 * 7 with nothing wrong: outputs matching at 15.30 and 15.71 dB, a clean
 * run at 7.21). */
#define RECOVER_REF_RUNS 5

/* thresholds of the recovery check (dB).  The match: two clean runs of
 * this mixture whose models start from different seeds agree to 22 - 35
 * dB (last 5 s; `nmftool separate --set seed=S` on it as a WAV file, the
 * file profile), and a recovered run agrees with the closest of five clean
 * runs to 19.3 dB or better (every kind, seeds 0 - 7 as the element's, the
 * file profile; 18.4 live), with the clean run of its own seed to 15.3 -
 * 23 dB (x 1e20 and x FLT_MAX).  A model or grouping that has not
 * recovered gives under 10 (the shift block weighed 4: 9.3 dB at seed 0);
 * one component taking everything gives -17.9 dB against the truth. */
#define RECOVER_MIN_SDR 8.0
#define RECOVER_MAX_LOSS 3.0
#define RECOVER_MIN_MATCH 16.0

static const gchar *const algorithms[] = { "kl", "volmin" };

/* ------------------------------------------------------------------------ */
/* Helpers */

/* nmfseparate with algorithm=alg, the settings of NMF_BAD_INPUT_PROPS, if
 * set (to run these checks at other settings: upstream, the harness, does
 * not answer the latency query, so the element takes its live profile
 * unless told otherwise, e.g. NMF_BAD_INPUT_PROPS=profile=file), then the
 * optional "prop=value ..." settings of the check itself. */
static GstElement *
make_sep (const gchar * alg, const gchar * props)
{
  GstElement *el = nmf_test_element ("nmfseparate",
      g_getenv ("NMF_BAD_INPUT_PROPS"));

  gst_util_set_object_arg (G_OBJECT (el), "algorithm", alg);
  nmf_test_set_props (el, props);
  return el;
}

/* x with NaN/Inf replaced by 0 and finite values clamped to +-1e15, as the
 * core does. */
static float *
cleaned (const float *x, gsize n)
{
  float *c = g_new (float, n);
  for (gsize i = 0; i < n; i++) {
    float v = x[i];
    if (!isfinite (v))
      v = 0.0f;
    else if (fabsf (v) > MAX_SAMPLE)
      v = v > 0 ? MAX_SAMPLE : -MAX_SAMPLE;
    c[i] = v;
  }
  return c;
}

/* The sources add up to the cleaned input: output sample i depends on the
 * input within fft-size samples of it, so the float error allowed scales
 * with the largest input there. */
static void
check_sum (const float *x, const float *y0, const float *y1, gsize frames,
    gint channels, guint fft, const gchar * what)
{
  float *clean = cleaned (x, frames * channels);
  gsize nb = frames / fft + 1;
  float *bm = g_new0 (float, nb);
  double worst = 0;

  for (gsize i = 0; i < frames * channels; i++)
    bm[i / channels / fft] = MAX (bm[i / channels / fft], fabsf (clean[i]));
  for (gsize i = 0; i < frames * channels; i++) {
    gsize b = i / channels / fft;
    double m = bm[b], err, tol;
    if (b > 0)
      m = MAX (m, bm[b - 1]);
    if (b + 1 < nb)
      m = MAX (m, bm[b + 1]);
    err = fabs ((double) y0[i] + y1[i] - clean[i]);
    tol = 1e-5 * (1.0 + m);
    if (err / (1.0 + m) > worst)
      worst = err / (1.0 + m);
    if (err > tol)
      fail ("%s: frame %" G_GSIZE_FORMAT " channel %" G_GSIZE_FORMAT
          ": sum of sources %.9g != cleaned input %.9g (local peak %g)", what,
          i / channels, i % channels, (double) y0[i] + y1[i], clean[i], m);
  }
  GST_INFO ("%s: worst |sum - input| / (1 + local peak) = %.3g", what, worst);
  g_free (bm);
  g_free (clean);
}

/* Separates frames x channels samples (x interleaved) with nmfseparate
 * algorithm=alg (and props), pushed in odd-sized buffers of at most
 * max_buf frames (0: all in one buffer; timestamps from `base`, offsets
 * from 0); checks every
 * output sample finite, timestamps and offsets contiguous, both pads
 * giving exactly `frames` samples, and the sum; returns the outputs
 * (g_free them) in y[0], y[1] if y is not NULL. */
static void
separate (const gchar * alg, const gchar * props, gint rate, gint channels,
    const float *x, gsize frames, gsize max_buf, GstClockTime base,
    float **y, const gchar * what)
{
  NmfFix f;
  Collector c[2];
  const NmfTimeline t = { rate, channels, base, 0 };
  NmfSizes z = NMF_SIZES (max_buf ? NMF_SIZES_ODD : NMF_SIZES_FIXED,
      max_buf, 12345);
  guint fft = FFT;
  gchar *desc = g_strdup_printf ("%s, algorithm=%s", what, alg);

  GST_INFO ("%s", desc);
  nmf_fix_attach (&f, make_sep (alg, props), 2);
  nmf_fix_run (&f, &t, NULL, x, frames, &z, TRUE, c);
  g_object_get (f.el, "fft-size", &fft, NULL);
  check_sum (x, (float *) c[0].data->data, (float *) c[1].data->data, frames,
      channels, fft, desc);
  for (guint s = 0; s < 2; s++) {
    if (y)
      y[s] = collector_steal (&c[s]);
    collector_clear (&c[s]);
  }
  nmf_fix_teardown (&f);
  g_free (desc);
}

/* ------------------------------------------------------------------------ */
/* Signals */

/* 1 inside an on-stretch of a periodic pattern, with 20 ms raised-cosine
 * ramps (as tests/tools/make_mixture.c) */
static double
gate (double t, double period, double on_start, double on_end)
{
  const double ramp = 0.02;
  double x = fmod (t, period);
  double edge;
  if (x < on_start || x >= on_end)
    return 0.0;
  edge = MIN (x - on_start, on_end - x);
  return edge >= ramp ? 1.0 : 0.5 - 0.5 * cos (G_PI * edge / ramp);
}

/* The two sources of tests/tools/make_mixture.c (a bright 220 Hz tone and a
 * hollow 1318.5 Hz tone, each switching on and off in its own pattern),
 * each at RMS 0.2; mix = a + b. */
static void
two_sources (gsize n, gint rate, float **a, float **b, float **mix)
{
  double ea = 0, eb = 0, ga, gb;

  *a = g_new (float, n);
  *b = g_new (float, n);
  *mix = g_new (float, n);
  for (gsize i = 0; i < n; i++) {
    double t = (double) i / rate, x = 0, y = 0;
    for (int h = 1; h <= 8; h++)
      x += sin (2 * G_PI * 220.0 * h * t) / h;
    for (int h = 1; h <= 5; h += 2)
      y += sin (2 * G_PI * 1318.5 * h * t + 0.3 * h) / (h * h);
    (*a)[i] = (float) (x * gate (t, 1.6, 0.0, 1.0));
    (*b)[i] = (float) (y * gate (t + 0.4, 2.2, 0.6, 1.7));
    ea += (double) (*a)[i] * (*a)[i];
    eb += (double) (*b)[i] * (*b)[i];
  }
  ga = 0.2 / sqrt (ea / n);
  gb = 0.2 / sqrt (eb / n);
  for (gsize i = 0; i < n; i++) {
    (*a)[i] = (float) ((*a)[i] * ga);
    (*b)[i] = (float) ((*b)[i] * gb);
    (*mix)[i] = (*a)[i] + (*b)[i];
  }
}

static double
energy (const float *x, gsize n)
{
  double e = 0;
  for (gsize i = 0; i < n; i++)
    e += (double) x[i] * x[i];
  return e;
}

/* Best-permutation SI-SDR of est[0..1] against ref[0..1]: the smaller of
 * the two sources' figures (each one in each[], if given). */
static double
pair_sdr (const float *const *ref, const float *const *est, gsize n,
    double *each)
{
  double s00 = nmf_si_sdr (ref[0], 1, est[0], 1, n);
  double s11 = nmf_si_sdr (ref[1], 1, est[1], 1, n);
  double s01 = nmf_si_sdr (ref[0], 1, est[1], 1, n);
  double s10 = nmf_si_sdr (ref[1], 1, est[0], 1, n);
  gboolean swap = MIN (s01, s10) > MIN (s00, s11);
  if (each) {
    each[0] = swap ? s01 : s00;
    each[1] = swap ? s10 : s11;
  }
  return swap ? MIN (s01, s10) : MIN (s00, s11);
}

/* ------------------------------------------------------------------------ */
/* 1. Bad stretches in a mixture, and recovery after them */

typedef enum
{
  BAD_NAN,
  BAD_POS_INF,
  BAD_NEG_INF,
  BAD_MIXED_NON_FINITE,
  BAD_DENORMAL,
  BAD_SQUARE,
  BAD_HUGE_1E6,
  BAD_HUGE_1E12,
  BAD_HUGE_1E20,
  BAD_FLT_MAX,
  BAD_DC,
  BAD_IMPULSE,
  BAD_N
} BadKind;

static const gchar *const bad_names[BAD_N] = {
  "NaN", "+Inf", "-Inf", "NaN/+-Inf mixed", "denormals (+-1e-40)",
  "full-scale square wave", "x 1e6", "x 1e12 (below the clamp: learned)",
  "x 1e20 (clamped)", "x FLT_MAX (clamped)", "DC offset +0.9",
  "single impulse in silence",
};

/* Overwrites x[first, first + n) with a bad stretch of the given kind. */
static void
make_bad (float *x, gsize first, gsize n, gint rate, BadKind kind)
{
  guint32 seed = 777;

  for (gsize i = first; i < first + n; i++) {
    double t = (double) i / rate;
    float v = x[i];
    switch (kind) {
      case BAD_NAN:
        v = NAN;
        break;
      case BAD_POS_INF:
        v = INFINITY;
        break;
      case BAD_NEG_INF:
        v = -INFINITY;
        break;
      case BAD_MIXED_NON_FINITE:
        /* runs of each, and scattered ones inside sound */
        switch (nmf_test_lcg (&seed) % 4) {
          case 0:
            v = NAN;
            break;
          case 1:
            v = INFINITY;
            break;
          case 2:
            v = -INFINITY;
            break;
          default:
            break;
        }
        break;
      case BAD_DENORMAL:
        v = (nmf_test_lcg (&seed) & 1) ? 1e-40f : -1e-40f;
        break;
      case BAD_SQUARE:
        /* two full-scale square waves, 110 Hz and 1 kHz: -1, 0, +1 */
        v = 0.5f * ((fmod (t * 110.0, 1.0) < 0.5 ? 1.0f : -1.0f)
            + (fmod (t * 1000.0, 1.0) < 0.5 ? 1.0f : -1.0f));
        break;
      case BAD_HUGE_1E6:
        v = (float) ((double) x[i] * 1e6);
        break;
      case BAD_HUGE_1E12:
        v = (float) ((double) x[i] * 1e12);
        break;
      case BAD_HUGE_1E20:
        v = (float) ((double) x[i] * 1e20);
        break;
      case BAD_FLT_MAX:
        /* |mix| < 1.25 here: FLT_MAX / 1.25 * mix stays finite */
        v = (float) ((double) x[i] * (FLT_MAX / 1.25));
        break;
      case BAD_DC:
        v = x[i] + 0.9f;
        break;
      case BAD_IMPULSE:
        v = i == first + n / 2 + 1 ? 1.0f : 0.0f;
        break;
      default:
        g_assert_not_reached ();
    }
    x[i] = v;
  }
}

#define REC_RATE 16000
#define REC_SECONDS 30
#define REC_BAD_START (3 * REC_RATE)
#define REC_BAD_LEN (1 * REC_RATE)
#define REC_EVAL (5 * REC_RATE)

/* The seed nmfseparate runs with in these checks (NMF_BAD_INPUT_PROPS may
 * set it). */
static guint64
configured_seed (void)
{
  GstElement *el = nmf_test_element ("nmfseparate",
      g_getenv ("NMF_BAD_INPUT_PROPS"));
  guint64 seed;

  g_object_get (el, "seed", &seed, NULL);
  gst_object_unref (el);
  return seed;
}

static void
check_recovery (const gchar * alg, BadKind kind, const float *const *truth,
    const float *mix, float *const ref_out[][2], double worst_ref_sdr,
    GString * failures)
{
  const gsize n = REC_SECONDS * REC_RATE, e0 = n - REC_EVAL;
  float *x = g_memdup2 (mix, n * sizeof (float));
  float *y[2];
  const float *last[2], *truth_last[2] = { truth[0] + e0, truth[1] + e0 };
  double each[2], sdr, match = -G_MAXDOUBLE, emix = energy (mix + e0,
      REC_EVAL);
  guint closest = 0;
  gchar *what = g_strdup_printf ("bad stretch %s", bad_names[kind]);

  make_bad (x, REC_BAD_START, REC_BAD_LEN, REC_RATE, kind);
  separate (alg, NULL, REC_RATE, 1, x, n, 4097, 0, y, what);

  /* the bad stretch itself: where the input was non-finite, silence */
  if (kind <= BAD_NEG_INF)
    for (gsize i = REC_BAD_START + FFT; i < REC_BAD_START + REC_BAD_LEN - FFT;
        i++)
      fail_unless (y[0][i] == 0.0f && y[1][i] == 0.0f,
          "%s, algorithm=%s: output %g / %g inside the bad stretch", what,
          alg, y[0][i], y[1][i]);

  last[0] = y[0] + e0;
  last[1] = y[1] + e0;
  sdr = pair_sdr (truth_last, last, REC_EVAL, each);
  for (guint r = 0; r < RECOVER_REF_RUNS; r++) {
    const float *ref_last[2] = { ref_out[r][0] + e0, ref_out[r][1] + e0 };
    double m = pair_sdr (ref_last, last, REC_EVAL, NULL);
    if (m > match) {
      match = m;
      closest = r;
    }
  }
  GST_INFO ("algorithm=%s %s: last 5 s SI-SDR vs truth %.2f / %.2f dB "
      "(clean runs: worst %.2f), vs the closest clean run's outputs (seed "
      "+%u) %.2f dB", alg, what, each[0], each[1], worst_ref_sdr, closest,
      match);
  /* every kind is tried before the test fails: the failures are listed */
  for (guint s = 0; s < 2; s++)
    if (!(energy (last[s], REC_EVAL) > 0.05 * emix))
      g_string_append_printf (failures, "\n  algorithm=%s %s: source %u "
          "silent after the stretch (energy %g of the mixture's %g)", alg,
          what, s, energy (last[s], REC_EVAL), emix);
  if (!(sdr >= worst_ref_sdr - RECOVER_MAX_LOSS))
    g_string_append_printf (failures, "\n  algorithm=%s %s: not recovered: "
        "last 5 s SI-SDR vs truth %.2f / %.2f dB, worst clean run %.2f dB",
        alg, what, each[0], each[1], worst_ref_sdr);
  if (!(match >= RECOVER_MIN_MATCH))
    g_string_append_printf (failures, "\n  algorithm=%s %s: last 5 s differ "
        "from every run without the stretch: SI-SDR %.2f dB < %.1f", alg,
        what, match, RECOVER_MIN_MATCH);
  g_free (y[0]);
  g_free (y[1]);
  g_free (x);
  g_free (what);
}

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

static void
check_bad_kinds (const BadKind * kinds, guint n_kinds)
{
  const gsize n = REC_SECONDS * REC_RATE, e0 = n - REC_EVAL;
  const guint64 seed = configured_seed ();
  float *a, *b, *mix;
  GString *failures = g_string_new (NULL);

  two_sources (n, REC_RATE, &a, &b, &mix);
  for (guint k = 0; k < G_N_ELEMENTS (algorithms); k++) {
    const gchar *alg = algorithms[k];
    const float *truth[2] = { a, b };
    const float *truth_last[2] = { a + e0, b + e0 };
    float *ref[RECOVER_REF_RUNS][2], *x = g_memdup2 (mix, n * sizeof (float));
    double clean_sdr[RECOVER_REF_RUNS], each[2];

    /* the clean runs: the stretch is silence */
    memset (x + REC_BAD_START, 0, REC_BAD_LEN * sizeof (float));
    for (guint r = 0; r < RECOVER_REF_RUNS; r++) {
      gchar *props = g_strdup_printf ("seed=%" G_GUINT64_FORMAT, seed + r);
      gchar *what = g_strdup_printf ("clean run, %s", props);
      const float *ref_last[2];

      separate (alg, props, REC_RATE, 1, x, n, 4097, 0, ref[r], what);
      ref_last[0] = ref[r][0] + e0;
      ref_last[1] = ref[r][1] + e0;
      clean_sdr[r] = pair_sdr (truth_last, ref_last, REC_EVAL, each);
      GST_INFO ("algorithm=%s %s: last 5 s SI-SDR %.2f / %.2f dB", alg, what,
          each[0], each[1]);
      g_free (what);
      g_free (props);
    }
    /* sorted: the worst first, the median in the middle */
    qsort (clean_sdr, RECOVER_REF_RUNS, sizeof (double), compare_doubles);
    fail_unless (clean_sdr[RECOVER_REF_RUNS / 2] >= RECOVER_MIN_SDR,
        "algorithm=%s does not separate the clean mixture: median last 5 s "
        "SI-SDR %.2f dB over seeds %" G_GUINT64_FORMAT " - %" G_GUINT64_FORMAT,
        alg, clean_sdr[RECOVER_REF_RUNS / 2], seed,
        seed + RECOVER_REF_RUNS - 1);
    for (guint i = 0; i < n_kinds; i++)
      check_recovery (alg, kinds[i], truth, mix, ref, clean_sdr[0], failures);
    for (guint r = 0; r < RECOVER_REF_RUNS; r++) {
      g_free (ref[r][0]);
      g_free (ref[r][1]);
    }
    g_free (x);
  }
  g_free (a);
  g_free (b);
  g_free (mix);
  if (failures->len)
    fail ("the factorization did not recover (stretch at 3-4 s, window "
        "%.1f s, last 5 s of %d s judged):%s", 258 * 512.0 / REC_RATE,
        REC_SECONDS, failures->str);
  g_string_free (failures, TRUE);
}

GST_START_TEST (test_recover_non_finite)
{
  const BadKind kinds[] = { BAD_NAN, BAD_POS_INF, BAD_NEG_INF,
    BAD_MIXED_NON_FINITE
  };
  check_bad_kinds (kinds, G_N_ELEMENTS (kinds));
}

GST_END_TEST;

GST_START_TEST (test_recover_huge)
{
  const BadKind kinds[] = { BAD_HUGE_1E6, BAD_HUGE_1E12, BAD_HUGE_1E20,
    BAD_FLT_MAX
  };
  check_bad_kinds (kinds, G_N_ELEMENTS (kinds));
}

GST_END_TEST;

GST_START_TEST (test_recover_other)
{
  const BadKind kinds[] = { BAD_DENORMAL, BAD_SQUARE, BAD_DC, BAD_IMPULSE };
  check_bad_kinds (kinds, G_N_ELEMENTS (kinds));
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* 2. Whole streams of unusual but finite signals */

GST_START_TEST (test_whole_stream_signals)
{
  const gint rate = 44100;
  const gsize n = 3 * rate;
  float *x = g_new (float, n * 2);
  float *y[2];

  for (guint k = 0; k < G_N_ELEMENTS (algorithms); k++) {
    const gchar *alg = algorithms[k];

    /* stereo full-scale square waves: exactly +-1.0, different per
     * channel */
    for (gsize i = 0; i < n; i++) {
      x[2 * i] = ((i / 100) & 1) ? 1.0f : -1.0f;
      x[2 * i + 1] = ((i / 37) & 1) ? 1.0f : -1.0f;
    }
    separate (alg, NULL, rate, 2, x, n, 3001, 0, NULL, "full-scale squares");

    /* constant DC at full scale, then a DC offset under a tone */
    for (gsize i = 0; i < n; i++)
      x[i] = i < n / 2 ? 1.0f : (float) (0.5 + 0.3 * sin (2 * G_PI * 440.0 *
              i / rate));
    separate (alg, NULL, rate, 1, x, n, 3001, 0, NULL, "DC");

    /* denormals all the way (+-1e-40 and the smallest one) */
    for (gsize i = 0; i < n; i++)
      x[i] = (i % 3) ? ((i & 1) ? 1e-40f : -1e-40f) : 1.4e-45f;
    separate (alg, NULL, rate, 1, x, n, 3001, 0, y, "denormals");
    for (gsize i = 0; i < n; i++)
      fail_unless (fabsf (y[0][i]) < 1e-30f && fabsf (y[1][i]) < 1e-30f);
    g_free (y[0]);
    g_free (y[1]);

    /* values far above 1.0 for the whole stream: 1e6 tone, then clamped
     * ones (1e20, FLT_MAX, -FLT_MAX) */
    for (gsize i = 0; i < n; i++) {
      double s = sin (2 * G_PI * 440.0 * i / rate);
      x[i] = i < n / 3 ? (float) (1e6 * s) : i < 2 * n / 3 ?
          (float) (1e20 * s) : (s >= 0 ? FLT_MAX : -FLT_MAX);
    }
    separate (alg, NULL, rate, 1, x, n, 3001, 0, NULL, "huge values");
  }
  g_free (x);
}

GST_END_TEST;

/* A single impulse in silence: the output is silent farther than one
 * fft-size from it, and the sources add up to it. */
GST_START_TEST (test_single_impulse)
{
  const gint rate = 44100;
  const gsize n = 2 * rate, at = rate + 333;
  float *x = g_new0 (float, n);
  float *y[2];

  x[at] = 1.0f;
  for (guint k = 0; k < G_N_ELEMENTS (algorithms); k++) {
    separate (algorithms[k], NULL, rate, 1, x, n, 2001, GST_SECOND, y,
        "single impulse");
    for (gsize i = 0; i < n; i++)
      if (i + FFT < at || i > at + FFT)
        fail_unless (y[0][i] == 0.0f && y[1][i] == 0.0f,
            "algorithm=%s: output %g / %g at %" G_GSIZE_FORMAT ", far from "
            "the impulse at %" G_GSIZE_FORMAT, algorithms[k], y[0][i],
            y[1][i], i, at);
    g_free (y[0]);
    g_free (y[1]);
  }
  g_free (x);
}

GST_END_TEST;

/* Three minutes of digital silence (8 kHz), then sound: silence gives
 * exact silence, and the sound that follows is separated as well as by a
 * run that never saw the silence. */
GST_START_TEST (test_minutes_of_silence_then_sound)
{
  const gint rate = 8000;
  const gsize quiet = 3 * 60 * rate, sound = 20 * rate, n = quiet + sound;
  const gsize ev = 5 * rate;
  float *a, *b, *mix, *x = g_new0 (float, n);
  float *y[2], *r[2];

  two_sources (sound, rate, &a, &b, &mix);
  memcpy (x + quiet, mix, sound * sizeof (float));
  for (guint k = 0; k < G_N_ELEMENTS (algorithms); k++) {
    const gchar *alg = algorithms[k];
    const float *truth[2] = { a + sound - ev, b + sound - ev };
    const float *got[2], *ref[2];
    double each[2], reach[2], sdr, rsdr, match;

    separate (alg, NULL, rate, 1, x, n, 4999, 0, y, "3 min silence, sound");
    for (gsize i = 0; i + FFT < quiet; i++)
      fail_unless (y[0][i] == 0.0f && y[1][i] == 0.0f,
          "algorithm=%s: output %g / %g in the silence at %" G_GSIZE_FORMAT,
          alg, y[0][i], y[1][i], i);
    separate (alg, NULL, rate, 1, mix, sound, 4999, 0, r, "sound only");
    got[0] = y[0] + n - ev;
    got[1] = y[1] + n - ev;
    ref[0] = r[0] + sound - ev;
    ref[1] = r[1] + sound - ev;
    sdr = pair_sdr (truth, got, ev, each);
    rsdr = pair_sdr (truth, ref, ev, reach);
    match = pair_sdr (ref, got, ev, NULL);
    GST_INFO ("algorithm=%s after 3 min of silence: SI-SDR %.2f / %.2f dB; "
        "without: %.2f / %.2f dB; outputs match to %.2f dB", alg, each[0],
        each[1], reach[0], reach[1], match);
    fail_unless (sdr >= RECOVER_MIN_SDR && sdr >= rsdr - RECOVER_MAX_LOSS,
        "algorithm=%s: after 3 min of silence SI-SDR %.2f / %.2f dB, "
        "without the silence %.2f / %.2f dB", alg, each[0], each[1],
        reach[0], reach[1]);
    fail_unless (match >= RECOVER_MIN_MATCH, "algorithm=%s: the silence "
        "changed the separation of what follows (match %.2f dB)", alg, match);
    for (guint s = 0; s < 2; s++) {
      g_free (y[s]);
      g_free (r[s]);
    }
  }
  g_free (a);
  g_free (b);
  g_free (mix);
  g_free (x);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* 3. Stream-level bad input */

/* Caps change mid-stream: 44100 mono -> 16000 mono -> 16000 stereo ->
 * 44100 mono.  Every segment comes out with exactly its sample count, its
 * own sample-exact timestamps, its caps in order, and the sum. */
GST_START_TEST (test_caps_changes_rate_and_channels)
{
  const gint rates[] = { 44100, 16000, 16000, 44100 };
  const gint chans[] = { 1, 1, 2, 1 };
  const gsize counts[] = { 30011, 20011, 15013, 9001 };
  const guint nseg = G_N_ELEMENTS (rates);

  for (guint k = 0; k < G_N_ELEMENTS (algorithms); k++) {
    NmfFix f;
    NmfTimeline in[4];
    float *x[4];
    NmfSizes z = NMF_SIZES (NMF_SIZES_ODD, 3001, 4242);
    GPtrArray *bufs[2], *caps_seen[2];
    GstClockTime start = 0;

    nmf_fix_attach (&f, make_sep (algorithms[k], NULL), 2);
    for (guint g = 0; g < nseg; g++) {
      float *tone = g_new (float, counts[g] * chans[g]);
      for (gsize i = 0; i < counts[g]; i++)
        for (gint c = 0; c < chans[g]; c++)
          tone[i * chans[g] + c] = (float) (0.4 * sin (2 * G_PI * (300.0 +
                      200 * c) * i / rates[g]) + 0.3 * ((i / 3000) & 1) *
              sin (2 * G_PI * 2500.0 * i / rates[g]));
      x[g] = tone;
      in[g].rate = rates[g];
      in[g].channels = chans[g];
      in[g].base = start;
      in[g].off0 = GST_BUFFER_OFFSET_NONE;
      start += nmf_test_time (counts[g], rates[g]);
    }
    for (guint g = 0; g < nseg; g++) {
      nmf_fix_set_caps (&f, &in[g], NULL);
      nmf_fix_push (&f, &in[g], x[g], 0, counts[g], &z, FALSE, NULL);
    }
    fail_unless (gst_harness_push_event (f.h[0], gst_event_new_eos ()));
    for (guint s = 0; s < 2; s++) {
      caps_seen[s] = g_ptr_array_new_with_free_func ((GDestroyNotify)
          gst_caps_unref);
      nmf_test_wait_eos (f.h[s], caps_seen[s]);
      bufs[s] = nmf_test_pull_all (f.h[s]);
      /* one caps event per segment, in order */
      fail_unless_equals_int (caps_seen[s]->len, nseg);
      for (guint g = 0; g < nseg; g++) {
        GstAudioInfo info;
        fail_unless (gst_audio_info_from_caps (&info,
                g_ptr_array_index (caps_seen[s], g)));
        fail_unless_equals_int (GST_AUDIO_INFO_RATE (&info), rates[g]);
        fail_unless_equals_int (GST_AUDIO_INFO_CHANNELS (&info), chans[g]);
      }
    }
    /* split the output by segment: a buffer straddling two segments would
     * overshoot a count or break the frame size */
    {
      guint i[2] = { 0, 0 };
      for (guint g = 0; g < nseg; g++) {
        Collector c[2];
        /* a new stream: its offsets start from its first timestamp */
        NmfTimeline out = in[g];
        gchar *what = g_strdup_printf ("caps segment %u (%d Hz, %d ch)", g,
            rates[g], chans[g]);
        out.off0 = gst_util_uint64_scale_round (out.base, rates[g], GST_SECOND);
        for (guint s = 0; s < 2; s++) {
          collector_init (&c[s], &out, TRUE);
          while (i[s] < bufs[s]->len && c[s].n < counts[g])
            collector_add (&c[s], gst_buffer_ref (g_ptr_array_index (bufs[s],
                        i[s]++)));
          fail_unless (c[s].n == counts[g], "algorithm=%s %s: pad %u gave %"
              G_GUINT64_FORMAT " samples for %" G_GSIZE_FORMAT,
              algorithms[k], what, s, c[s].n, counts[g]);
        }
        check_sum (x[g], (float *) c[0].data->data, (float *) c[1].data->data,
            counts[g], chans[g], FFT, what);
        collector_clear (&c[0]);
        collector_clear (&c[1]);
        g_free (what);
      }
      for (guint s = 0; s < 2; s++) {
        fail_unless_equals_int (i[s], bufs[s]->len);
        g_ptr_array_free (bufs[s], TRUE);
        g_ptr_array_free (caps_seen[s], TRUE);
      }
    }
    for (guint g = 0; g < nseg; g++)
      g_free (x[g]);
    nmf_fix_teardown (&f);
  }
}

GST_END_TEST;

/* EOS right after the first buffer, before any full frame (less than a
 * hop, and between a hop and an fft-size), and EOS with nothing pushed. */
GST_START_TEST (test_eos_before_a_frame)
{
  const gsize sizes[] = { 1, 3, 511, 513, 1501, 2047 };
  const gint rate = 44100;
  float x[2048];

  for (gsize i = 0; i < G_N_ELEMENTS (x); i++)
    x[i] = (float) (0.7 * sin (2 * G_PI * 1000.0 * i / rate));
  for (guint k = 0; k < G_N_ELEMENTS (algorithms); k++) {
    for (guint j = 0; j < G_N_ELEMENTS (sizes); j++) {
      /* one buffer (max_buf = size: the first and only one) */
      separate (algorithms[k], NULL, rate, 1, x, sizes[j], 0, 7 * GST_SECOND,
          NULL, "EOS after the first buffer");
    }
    /* caps and segment, no buffer, EOS: EOS and nothing else */
    {
      NmfFix f;
      const NmfTimeline t = { rate, 1, 0, 0 };
      nmf_fix_attach (&f, make_sep (algorithms[k], NULL), 2);
      nmf_fix_set_caps (&f, &t, NULL);
      nmf_fix_finish_empty (&f);
      nmf_fix_teardown (&f);
    }
  }
}

GST_END_TEST;

/* The debug log of a loud stretch: the "clamped" warning at most once a
 * second of input (with everything since the last one) and what is left
 * at the end of the stream, the counts adding up to every clamped sample
 * (it was one line per buffer: 250 for 2.5 s in 10 ms buffers). */
static guint clamp_lines;
static guint64 clamp_count;

static void
count_clamp_lines (GstDebugCategory * category, GstDebugLevel level,
    const gchar * file, const gchar * function, gint line, GObject * object,
    GstDebugMessage * message, gpointer user_data)
{
  const gchar *text = gst_debug_message_get (message);
  guint64 n;

  (void) file;
  (void) function;
  (void) line;
  (void) object;
  (void) user_data;
  if (level == GST_LEVEL_WARNING
      && !g_strcmp0 (gst_debug_category_get_name (category), "nmfseparate")
      && sscanf (text, "clamped %" G_GUINT64_FORMAT " samples", &n) == 1) {
    clamp_lines++;
    clamp_count += n;
  }
}

/* NaN/Inf and clamped samples are said on the bus too, once each until
 * the caps change (with the first line of the debug log): until
 * 2026-12-07 they were in the debug log only, so gst-launch-1.0 and
 * nmftool said nothing of a file whose samples were replaced or clamped.
 * Two NaN stretches, an Inf and a 1e20 stretch in 3 s: one warning of
 * each kind; the same stream without them: none. */
GST_START_TEST (test_bad_samples_said_on_bus)
{
  const gint rate = 44100;
  const gsize n = 3 * (gsize) rate;
  const NmfTimeline t = { rate, 1, 0, 0 };

  for (guint clean = 0; clean < 2; clean++) {
    float *x = nmf_test_two_tones (n, 1, rate);
    GstElement *el = make_sep ("kl", NULL);
    GstBus *bus = gst_bus_new ();
    NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, rate / 100, 0);
    GstMessage *msg;
    NmfFix f;
    guint non_finite = 0, clamped = 0, other = 0;

    if (!clean) {
      for (gsize i = rate / 2; i < rate / 2 + 100; i++)
        x[i] = NAN;
      x[rate] = INFINITY;
      for (gsize i = 6 * rate / 5; i < 13 * rate / 10; i++)
        x[i] *= 1e20f;
      for (gsize i = 2 * rate; i < 2 * rate + 100; i++)
        x[i] = NAN;
    }
    gst_element_set_bus (el, bus);
    nmf_fix_attach (&f, el, 2);
    nmf_fix_set_caps (&f, &t, NULL);
    nmf_fix_push (&f, &t, x, 0, n, &z, FALSE, NULL);
    nmf_fix_finish (&f, NULL);
    while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING))) {
      GError *err = NULL;
      gst_message_parse_warning (msg, &err, NULL);
      GST_INFO ("warning: %s", err->message);
      if (strstr (err->message, "NaN or infinite samples"))
        non_finite++;
      else if (strstr (err->message, "clamped"))
        clamped++;
      else
        other++;
      g_error_free (err);
      gst_message_unref (msg);
    }
    fail_unless_equals_int (non_finite, clean ? 0 : 1);
    fail_unless_equals_int (clamped, clean ? 0 : 1);
    fail_unless_equals_int (other, 0);
    nmf_fix_teardown_bus (&f, bus);
    g_free (x);
  }
}

GST_END_TEST;

GST_START_TEST (test_clamp_warnings_rate_limited)
{
  const gint rate = 44100;
  /* 2.5 s: half a second is left for the end of the stream to say */
  const gsize n = 5 * (gsize) rate / 2;
  float *x = g_new (float, n);
  NmfFix f;
  const NmfTimeline t = { rate, 1, 0, 0 };
  NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, rate / 100, 0);

  for (gsize i = 0; i < n; i++)
    x[i] = (float) (1e20 * sin (2 * G_PI * 440.0 * i / rate));
  clamp_lines = 0;
  clamp_count = 0;
  gst_debug_set_threshold_for_name ("nmfseparate", GST_LEVEL_WARNING);
  gst_debug_add_log_function (count_clamp_lines, NULL, NULL);
  nmf_fix_attach (&f, make_sep ("kl", NULL), 2);
  nmf_fix_set_caps (&f, &t, NULL);
  nmf_fix_push (&f, &t, x, 0, n, &z, FALSE, NULL);
  nmf_fix_finish (&f, NULL);
  nmf_fix_teardown (&f);
  gst_debug_remove_log_function (count_clamp_lines);
  gst_debug_unset_threshold_for_name ("nmfseparate");
  fail_unless (clamp_lines >= 1 && clamp_lines <= 4, "%u clamp lines for "
      "2.5 s", clamp_lines);
  fail_unless (clamp_count > 0.99 * n && clamp_count <= n, "the lines count %"
      G_GUINT64_FORMAT " clamped samples of %" G_GSIZE_FORMAT, clamp_count, n);
  g_free (x);
}

GST_END_TEST;

/* 1-sample buffers, a 1,000,000-sample buffer, and the two mixed. */
/* Buffers that end in part of a sample (stereo: 8 bytes a sample, 3 over)
 * drop the part and say so once, on the bus: the whole samples come out,
 * exactly (the bytes went without a word). */
GST_START_TEST (test_partial_sample_buffers)
{
  const NmfTimeline t = { RATE, 2, GST_CLOCK_TIME_NONE,
    GST_BUFFER_OFFSET_NONE
  };
  GstElement *el = make_sep ("kl", NULL);
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;
  NmfFix f;
  guint warnings = 0;
  float *x = nmf_test_two_tones (1000, 2, RATE);

  gst_element_set_bus (el, bus);
  nmf_fix_attach (&f, el, 2);
  nmf_fix_set_caps (&f, &t, NULL);
  for (guint i = 0; i < 3; i++) {
    GstBuffer *b = gst_buffer_new_allocate (NULL, 8 * 300 + 3, NULL);
    gst_buffer_fill (b, 0, x + i * 600, 8 * 300);
    gst_buffer_memset (b, 8 * 300, 0, 3);
    fail_unless_equals_int (gst_harness_push (f.h[0], b), GST_FLOW_OK);
  }
  nmf_fix_finish (&f, NULL);
  for (guint s = 0; s < 2; s++) {
    GPtrArray *bufs = nmf_test_pull_all (f.h[s]);
    gsize bytes = 0;
    for (guint i = 0; i < bufs->len; i++)
      bytes += gst_buffer_get_size (g_ptr_array_index (bufs, i));
    fail_unless_equals_uint64 (bytes, 8 * 900);
    g_ptr_array_free (bufs, TRUE);
  }
  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING))) {
    GError *err = NULL;
    gst_message_parse_warning (msg, &err, NULL);
    fail_unless (strstr (err->message, "last 3 bytes") != NULL, "%s",
        err->message);
    g_error_free (err);
    gst_message_unref (msg);
    warnings++;
  }
  fail_unless_equals_int (warnings, 1);
  nmf_fix_teardown_bus (&f, bus);
  g_free (x);
}

GST_END_TEST;

/* A caps change the element must refuse (with 63 channels its settings
 * would take more than 1 GiB) comes after the stream so far: every sample
 * pushed before it comes out, as GstAudioEncoder drains before it takes a
 * new format (the look-ahead's frames were lost with the error). */
GST_START_TEST (test_caps_refused_after_drain)
{
  const NmfTimeline mono = { RATE, 1, 0, GST_BUFFER_OFFSET_NONE };
  const gsize n = 30000;
  GstElement *el = make_sep ("kl", "lookahead-frames=2100");
  GstBus *bus = gst_bus_new ();
  float *x = nmf_test_two_tones (n, 1, RATE);
  NmfSizes z = NMF_SIZES (NMF_SIZES_ODD, 3001, 7);
  gchar *str = nmf_test_caps_str (RATE, 63, ", channel-mask=(bitmask)0x0");
  GstCaps *caps = gst_caps_from_string (str);
  GstMessage *msg;
  GError *err = NULL;
  NmfFix f;

  gst_element_set_bus (el, bus);
  nmf_fix_attach (&f, el, 2);
  nmf_fix_set_caps (&f, &mono, NULL);
  nmf_fix_push (&f, &mono, x, 0, n, &z, FALSE, NULL);
  /* (refused by its handler, the sticky event is still stored: the push's
   * result does not say) */
  gst_pad_push_event (f.h[0]->srcpad, gst_event_new_caps (caps));
  gst_caps_unref (caps);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "no error for the refused caps");
  gst_message_parse_error (msg, &err, NULL);
  fail_unless (strstr (err->message, "1024 MiB") != NULL, "%s", err->message);
  g_error_free (err);
  gst_message_unref (msg);
  for (guint s = 0; s < 2; s++) {
    const gint64 end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
    gsize got = 0;
    while (got < n && g_get_monotonic_time () < end) {
      GstBuffer *b = gst_harness_try_pull (f.h[s]);
      if (!b) {
        g_usleep (10000);
        continue;
      }
      got += gst_buffer_get_size (b) / sizeof (float);
      gst_buffer_unref (b);
    }
    fail_unless (got == n, "pad %u: %" G_GSIZE_FORMAT " of the %"
        G_GSIZE_FORMAT " samples before the refused caps came out", s, got, n);
  }
  nmf_fix_teardown_bus (&f, bus);
  g_free (str);
  g_free (x);
}

GST_END_TEST;

GST_START_TEST (test_tiny_and_huge_buffers)
{
  const gint rate = 44100;
  const gsize n_small = 6000, n_huge = 1000000, n_mix = n_huge + 4097;
  float *a, *b, *mix;

  two_sources (n_mix, rate, &a, &b, &mix);
  for (guint k = 0; k < G_N_ELEMENTS (algorithms); k++) {
    const gchar *alg = algorithms[k];
    NmfFix f;
    Collector c[2];
    const NmfTimeline t = { rate, 1, 0, 0 };
    NmfSizes whole = NMF_SIZES (NMF_SIZES_FIXED, 0, 0);
    NmfSizes ones = NMF_SIZES (NMF_SIZES_FIXED, 1, 0);

    /* every buffer one sample: max_buf 1 */
    separate (alg, NULL, rate, 1, mix, n_small, 1, 0, NULL, "1-sample buffers");

    /* one buffer of a million samples, then one-sample buffers */
    nmf_fix_attach (&f, make_sep (alg, NULL), 2);
    nmf_fix_set_caps (&f, &t, NULL);
    for (guint s = 0; s < 2; s++)
      collector_init (&c[s], &t, TRUE);
    nmf_fix_push (&f, &t, mix, 0, n_huge, &whole, FALSE, c);
    nmf_fix_push (&f, &t, mix, n_huge, n_mix - n_huge, &ones, FALSE, c);
    nmf_fix_finish (&f, c);
    for (guint s = 0; s < 2; s++)
      fail_unless_equals_uint64 (c[s].n, n_mix);
    check_sum (mix, (float *) c[0].data->data, (float *) c[1].data->data,
        n_mix, 1, FFT, "1,000,000-sample buffer then 1-sample buffers");
    {
      /* and it separates: the last 5 s against the truth */
      const gsize ev = 5 * rate;
      const float *truth[2] = { a + n_mix - ev, b + n_mix - ev };
      const float *got[2] = { (float *) c[0].data->data + n_mix - ev,
        (float *) c[1].data->data + n_mix - ev
      };
      double each[2], sdr = pair_sdr (truth, got, ev, each);
      GST_INFO ("algorithm=%s 1M-sample buffer: last 5 s SI-SDR %.2f / %.2f",
          alg, each[0], each[1]);
      fail_unless (sdr >= RECOVER_MIN_SDR, "algorithm=%s: 1M-sample buffer "
          "separated at %.2f / %.2f dB", alg, each[0], each[1]);
    }
    collector_clear (&c[0]);
    collector_clear (&c[1]);
    nmf_fix_teardown (&f);
  }
  g_free (a);
  g_free (b);
  g_free (mix);
}

GST_END_TEST;

static Suite *
nmfseparate_bad_input_suite (void)
{
  static const NmfTest tests[] = {
    NMF_TEST ("bad_input", test_recover_non_finite),
    NMF_TEST ("bad_input", test_recover_huge),
    NMF_TEST ("bad_input", test_recover_other),
    NMF_TEST ("bad_input", test_whole_stream_signals),
    NMF_TEST ("bad_input", test_single_impulse),
    NMF_TEST ("bad_input", test_minutes_of_silence_then_sound),
    NMF_TEST ("bad_input", test_caps_changes_rate_and_channels),
    NMF_TEST ("bad_input", test_caps_refused_after_drain),
    NMF_TEST ("bad_input", test_eos_before_a_frame),
    NMF_TEST ("bad_input", test_tiny_and_huge_buffers),
    NMF_TEST ("bad_input", test_partial_sample_buffers),
    NMF_TEST ("bad_input", test_clamp_warnings_rate_limited),
    NMF_TEST ("bad_input", test_bad_samples_said_on_bus),
  };

  return nmf_test_suite ("nmfseparate-bad-input", tests,
      G_N_ELEMENTS (tests), 120);
}

GST_CHECK_MAIN (nmfseparate_bad_input);
