/* What one nmf_online_kl_learn() call costs in the streaming thread, the
 * fresh-model check included (core/online_kl_restart.c): random
 * nonnegative frames of 1025 bins made from 8 planted templates, window 258,
 * 15 updates per frame, K = 2 and 16 components; six windows, the first one
 * (the warm-up) left out.  Prints the mean and the worst learn() call: the
 * worst is a window's check.  Wall-clock per call, one thread.
 *   build/tests/learn_bench */
#include "online_kl.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double
now (void)
{
  struct timespec t;
  clock_gettime (CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

static unsigned long long
next (unsigned long long *s)
{
  *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
  return *s >> 33;
}

int
main (void)
{
  const int F = 1025, window = 258, frames = 6 * 258, ks[] = { 2, 16 };
  unsigned long long s = 1;
  float *planted = malloc (sizeof (float) * F * 8), v[1025], h[16];

  for (int i = 0; i < F * 8; i++)
    planted[i] = (float) (next (&s) % 1000) / 1000.0f
        * (next (&s) % 3 ? 0.01f : 1.0f);
  for (size_t c = 0; c < sizeof ks / sizeof ks[0]; c++) {
    nmf_online_kl *kl;
    double sum = 0.0, worst = 0.0;
    if (nmf_online_kl_create (&kl, F, ks[c], window, 15, 0) != 0)
      return 1;
    for (int t = 0; t < frames; t++) {
      for (int f = 0; f < F; f++) {
        double x = 0.0;
        for (int j = 0; j < 8; j++)
          x += planted[j * F + f] * (next (&s) % 100) / 10.0;
        v[f] = (float) x;
      }
      nmf_online_kl_activate (kl, v, h);
      double t0 = now ();
      nmf_online_kl_learn (kl, v, h);
      double d = now () - t0;
      if (t >= window) {
        sum += d;
        worst = d > worst ? d : worst;
      }
    }
    printf ("K = %2d: learn() mean %.3f ms, worst %.2f ms (restarts %llu)\n",
        ks[c], 1e3 * sum / (frames - window), 1e3 * worst,
        (unsigned long long) nmf_online_kl_restarts (kl));
    nmf_online_kl_destroy (&kl);
  }
  free (planted);
  return 0;
}
