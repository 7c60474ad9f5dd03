/* Writes a synthetic two-source mixture for the demo and the end-to-end
 * test: two harmonic tones with distinct spectra that switch on and off in
 * different patterns (each alone at times, sometimes together).
 *
 *   nmf-make-mixture OUTDIR [SECONDS [RATE]]
 * writes OUTDIR/mix.wav, OUTDIR/source_0.wav, OUTDIR/source_1.wav (mono,
 * 32-bit float). */
#include "wavio.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* 1 inside an on-stretch of a periodic pattern, with 20 ms raised-cosine
 * ramps so that switching makes no click */
static double
gate (double t, double period, double on_start, double on_end)
{
  const double ramp = 0.02;
  double x = fmod (t, period);
  if (x < on_start || x >= on_end)
    return 0.0;
  double edge = fmin (x - on_start, on_end - x);
  return edge >= ramp ? 1.0 : 0.5 - 0.5 * cos (M_PI * edge / ramp);
}

int
main (int argc, char **argv)
{
  if (argc < 2) {
    fprintf (stderr, "usage: %s OUTDIR [SECONDS [RATE]]\n", argv[0]);
    return 2;
  }
  const char *dir = argv[1];
  double seconds = argc > 2 ? atof (argv[2]) : 20.0;
  int rate = argc > 3 ? atoi (argv[3]) : 44100;
  size_t n = (size_t) (seconds * rate);
  float *a = malloc (sizeof (float) * n), *b = malloc (sizeof (float) * n),
      *mix = malloc (sizeof (float) * n);
  double ea = 0, eb = 0, peak = 0;
  char path[4096];

  if (seconds <= 0 || rate < 8000 || !a || !b || !mix) {
    fprintf (stderr, "bad arguments\n");
    return 2;
  }
  for (size_t i = 0; i < n; i++) {
    double t = (double) i / rate, x = 0, y = 0;
    /* source 0: 220 Hz, all harmonics falling as 1/h (a bright, low tone) */
    for (int h = 1; h <= 8; h++)
      x += sin (2 * M_PI * 220.0 * h * t) / h;
    /* source 1: 1318.5 Hz, odd harmonics (a hollow, high tone) */
    for (int h = 1; h <= 5; h += 2)
      y += sin (2 * M_PI * 1318.5 * h * t + 0.3 * h) / (h * h);
    a[i] = (float) (x * gate (t, 1.6, 0.0, 1.0));
    b[i] = (float) (y * gate (t + 0.4, 2.2, 0.6, 1.7));
    ea += (double) a[i] * a[i];
    eb += (double) b[i] * b[i];
  }
  /* equal energy, then the mixture peaks at 0.8 */
  double gb = sqrt (ea / eb);
  for (size_t i = 0; i < n; i++) {
    b[i] = (float) (b[i] * gb);
    peak = fmax (peak, fabs ((double) a[i] + b[i]));
  }
  double g = 0.8 / peak;
  for (size_t i = 0; i < n; i++) {
    a[i] = (float) (a[i] * g);
    b[i] = (float) (b[i] * g);
    mix[i] = a[i] + b[i];
  }
  snprintf (path, sizeof path, "%s/mix.wav", dir);
  if (wav_write_float (path, mix, n, 1, rate))
    return 1;
  snprintf (path, sizeof path, "%s/source_0.wav", dir);
  if (wav_write_float (path, a, n, 1, rate))
    return 1;
  snprintf (path, sizeof path, "%s/source_1.wav", dir);
  if (wav_write_float (path, b, n, 1, rate))
    return 1;
  printf ("wrote %s/{mix,source_0,source_1}.wav: %.1f s at %d Hz\n", dir,
      seconds, rate);
  free (a);
  free (b);
  free (mix);
  return 0;
}
