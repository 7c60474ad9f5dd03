/* Deterministic test signals (signals.h). */
#include "signals.h"

#include <math.h>

void
test_varying_source (int k, unsigned long long draw, int rate, float *x,
    size_t n)
{
  unsigned long long st = 0x9E3779B97F4A7C15ull * (k + 1) + draw * 7919;
  const double a = k == 0 ? 0.9 : k == 1 ? 0.2 : -0.6;
  const size_t block = (size_t) (rate / 20);
  double y = 0.0, level = 1.0;

  for (size_t i = 0; i < n; i++) {
    if (i % block == 0) {
      double u = test_uniform (&st), v = test_uniform (&st);
      double g = sqrt (-2.0 * log (u + 1e-12)) * cos (2 * M_PI * v);
      level = v < 0.15 ? 0.0 : exp (1.2 * g);
    }
    double w = test_uniform (&st) - 0.5;
    y = a * y + (1.0 - fabs (a)) * w;
    /* the same mean power whatever the filter */
    x[i] = (float) (0.05 * level * y * sqrt (1.0 - a * a) / (1.0 - fabs (a)));
  }
}

void
test_noise_magnitude (float *v, int n, unsigned long long *seed)
{
  for (int f = 0; f < n; f++) {
    double a = test_uniform (seed) - 0.5, b = test_uniform (seed) - 0.5;
    v[f] = (float) sqrt (a * a + b * b);
  }
}
