/* Per-frame cost of the sliding-window volume-min model
 * (core/volmin_stream.c) at the element's sizes: bins 1025 (fft 2048),
 * window 258 frames (3 s at hop 512, 44.1 kHz), rank 2.
 *
 * The stream: 2 synthetic harmonic sources (different f0, vibrato, partial
 * amplitudes that vary from frame to frame, notes switching on and off
 * with different on/off patterns) plus a faint noise floor, so the window
 * is full rank like a real spectrogram ("--exact" drops the variations and
 * the noise: an exactly rank-2 planted stream). Frames are generated
 * before the timing; the time is the process CPU time
 * (CLOCK_PROCESS_CPUTIME_ID, so any OpenBLAS helper thread would be
 * counted) of all pushes, refreshes included, divided by the frames. The
 * split between subspace tracking and the volmin solves (LPs, polish,
 * matching) comes from the model's own per-thread CPU counters. OpenBLAS is
 * left at its default thread count on purpose: the model's products are
 * cut below OpenBLAS's threading thresholds, and process CPU time ~ the
 * calling thread's CPU time ~ wall time shows that no helper thread ran.
 * (OpenBLAS's pthread server spins its idle helper threads for about 0.1 s
 * of CPU after the library is loaded, whatever the calls; the bench waits
 * that out before timing, and says so.)
 *
 * usage: volmin_stream_bench [--frames N] [--bins F] [--window T]
 *            [--rank R] [--lambda L] [--iterations I] [--exact]
 *            [--interval K]...   (default intervals 8 16 32) */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rng.h"
#include "volmin_stream.h"

static double
clock_s (clockid_t id)
{
  struct timespec t;
  clock_gettime (id, &t);
  return (double) t.tv_sec + 1e-9 * (double) t.tv_nsec;
}

/* frames x bins magnitudes. */
static float *
make_stream (int frames, int F, int r, int exact, uint64_t seed)
{
  float *v = malloc ((size_t) frames * F * sizeof (float));
  static const double f0s[] = { 9.3, 13.7, 6.1, 17.9, 11.3, 7.7, 15.1, 5.3 };
  static const double notes[] = { 1.0, 1.122, 1.26, 1.335, 1.498 };
  nmf_xrng g;
  double *amp = calloc ((size_t) r, sizeof (double));
  int *note = calloc ((size_t) r, sizeof (int));

  if (!v || !amp || !note) {
    fprintf (stderr, "out of memory\n");
    exit (1);
  }
  nmf_xrng_seed (&g, seed);
  for (int t = 0; t < frames; t++) {
    float *x = v + (size_t) t * F;
    for (int f = 0; f < F; f++)
      x[f] = exact ? 0.0f
          : (float) (1e-3 * -log (1.0 - nmf_xrng_uniform (&g)));
    for (int k = 0; k < r; k++) {
      /* on/off: source k toggles with a probability per frame that differs
       * per source; a new note (exact: the same note) at each onset */
      double p_toggle = 0.03 + 0.02 * k;
      if (nmf_xrng_uniform (&g) < p_toggle) {
        if (amp[k] > 0.0)
          amp[k] = 0.0;
        else {
          amp[k] = 0.3 + 0.7 * nmf_xrng_uniform (&g);
          note[k] = exact ? 0 : (int) (nmf_xrng_uniform (&g) * 5) % 5;
        }
      }
      if (amp[k] <= 0.0)
        continue;
      {
        double f0 = f0s[k % 8] * notes[note[k]]
            * (exact ? 1.0 : 1.0 + 0.004 * sin (0.7 * t + k));
        double level = amp[k] * (exact ? 1.0 : 0.8 + 0.4
            * nmf_xrng_uniform (&g));
        for (int h = 1; h * f0 < F - 3; h++) {
          double a = level / h * (exact ? 1.0 : 0.7 + 0.6
              * nmf_xrng_uniform (&g));
          int c = (int) (h * f0);
          for (int f = c - 3; f <= c + 4; f++) {
            double d = f - h * f0;
            if (f >= 0 && f < F)
              x[f] += (float) (a * exp (-0.5 * d * d / 0.8));
          }
        }
      }
    }
  }
  free (amp);
  free (note);
  return v;
}

int
main (int argc, char **argv)
{
  int frames = 4000, F = 1025, T = 258, r = 2, iterations = 1, exact = 0;
  int intervals[16], n_int = 0;
  double lambda = 0.0;
  float *stream, *spec;

  for (int i = 1; i < argc; i++) {
    if (!strcmp (argv[i], "--frames") && i + 1 < argc)
      frames = atoi (argv[++i]);
    else if (!strcmp (argv[i], "--bins") && i + 1 < argc)
      F = atoi (argv[++i]);
    else if (!strcmp (argv[i], "--window") && i + 1 < argc)
      T = atoi (argv[++i]);
    else if (!strcmp (argv[i], "--rank") && i + 1 < argc)
      r = atoi (argv[++i]);
    else if (!strcmp (argv[i], "--lambda") && i + 1 < argc)
      lambda = atof (argv[++i]);
    else if (!strcmp (argv[i], "--iterations") && i + 1 < argc)
      iterations = atoi (argv[++i]);
    else if (!strcmp (argv[i], "--interval") && i + 1 < argc && n_int < 16)
      intervals[n_int++] = atoi (argv[++i]);
    else if (!strcmp (argv[i], "--exact"))
      exact = 1;
    else {
      fprintf (stderr, "usage: %s [--frames N] [--bins F] [--window T] "
          "[--rank R] [--lambda L] [--iterations I] [--exact] "
          "[--interval K]...\n", argv[0]);
      return 2;
    }
  }
  if (n_int == 0) {
    intervals[0] = 8;
    intervals[1] = 16;
    intervals[2] = 32;
    n_int = 3;
  }
  if (frames < 1 || F < 2 || r < 1 || r > 8 || T < 2 * r) {
    fprintf (stderr, "bad sizes\n");
    return 2;
  }
  stream = make_stream (frames, F, r, exact, 2024);
  spec = malloc ((size_t) F * r * sizeof (float));
  {
    /* let OpenBLAS's helper threads finish their start-up spin: sleep in
     * steps of 100 ms until the process uses no CPU while asleep */
    struct timespec ts = { 0, 100000000 };
    double spun = 0.0, d = 1.0;
    for (int i = 0; i < 50 && d > 1e-3; i++) {
      double c0 = clock_s (CLOCK_PROCESS_CPUTIME_ID);
      nanosleep (&ts, NULL);
      d = clock_s (CLOCK_PROCESS_CPUTIME_ID) - c0;
      spun += d;
    }
    printf ("(OpenBLAS helper threads' start-up spin waited out before "
        "timing: %.0f ms CPU while the main thread slept)\n", 1e3 * spun);
  }

  printf ("volmin_stream: bins %d, window %d, rank %d, lambda %g, %s stream "
      "of %d frames, subspace iterations %d\n", F, T, r, lambda,
      exact ? "exact rank-r" : "full-rank (varying partials, noise)",
      frames, iterations);
  printf ("%8s %10s %10s %10s %9s %9s %9s %8s %8s %9s %6s\n", "interval",
      "us/frame", "thread us", "wall us", "subspace", "solves", "other",
      "refresh", "failed", "us/refr", "swaps");
  for (int i = 0; i < n_int; i++) {
    nmf_volmin_stream *s = NULL;
    nmf_volmin_stream_stats st;
    double c0, w0, t0, cpu, wall, thr, other;
    int ret, bad = 0;

    ret = nmf_volmin_stream_create (&s, F, r, T, intervals[i], lambda, 1);
    if (ret != 0) {
      fprintf (stderr, "create failed: %d\n", ret);
      return 1;
    }
    nmf_volmin_stream_set_subspace_iterations (s, iterations);
    c0 = clock_s (CLOCK_PROCESS_CPUTIME_ID);
    w0 = clock_s (CLOCK_MONOTONIC);
    t0 = clock_s (CLOCK_THREAD_CPUTIME_ID);
    for (int t = 0; t < frames; t++) {
      if (nmf_volmin_stream_push (s, stream + (size_t) t * F, spec) != 0)
        bad++;
    }
    cpu = clock_s (CLOCK_PROCESS_CPUTIME_ID) - c0;
    wall = clock_s (CLOCK_MONOTONIC) - w0;
    thr = clock_s (CLOCK_THREAD_CPUTIME_ID) - t0;
    for (int j = 0; j < F * r; j++)
      if (!isfinite (spec[j]) || spec[j] < 0.0f)
        bad++;
    nmf_volmin_stream_get_stats (s, &st);
    other = cpu - st.subspace_seconds - st.solve_seconds;
    printf ("%8d %10.1f %10.1f %10.1f %8.1f%% %8.1f%% %8.1f%% %8llu %8llu "
        "%9.0f %6llu\n", intervals[i], 1e6 * cpu / frames, 1e6 * thr / frames,
        1e6 * wall / frames,
        100.0 * st.subspace_seconds / cpu, 100.0 * st.solve_seconds / cpu,
        100.0 * other / cpu, (unsigned long long) st.refreshes,
        (unsigned long long) st.failures,
        1e6 * (st.subspace_seconds + st.solve_seconds)
        / (double) (st.refreshes + st.failures + st.skipped_rank
            ? st.refreshes + st.failures + st.skipped_rank : 1),
        (unsigned long long) st.swaps);
    if (st.failures)
      printf ("         last failure: %s\n", st.last_error);
    if (bad)
      printf ("         %d bad frames!\n", bad);
    nmf_volmin_stream_destroy (&s);
  }
  printf ("subspace = subspace tracking (products with the window, QR, "
      "small SVD); solves = LP alternating optimization, polish, matching, "
      "projection; other = per-frame work; us/refr = CPU per refresh "
      "attempt; swaps = refreshes whose cosine matching reordered W.\n");
  free (stream);
  free (spec);
  return 0;
}
