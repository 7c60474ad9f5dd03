#include "metrics.h"

#include <math.h>

double
nmf_si_sdr (const float *ref, size_t ref_stride, const float *est,
    size_t est_stride, size_t n)
{
  double dot = 0.0, ref_energy = 0.0;

  for (size_t i = 0; i < n; i++) {
    double r = ref[i * ref_stride], e = est[i * est_stride];
    dot += r * e;
    ref_energy += r * r;
  }
  if (!(ref_energy > 0.0))
    return -INFINITY;
  /* project the estimate onto the reference: target = alpha * ref */
  double alpha = dot / ref_energy;
  double target = 0.0, noise = 0.0;
  for (size_t i = 0; i < n; i++) {
    double t = alpha * ref[i * ref_stride];
    double d = est[i * est_stride] - t;
    target += t * t;
    noise += d * d;
  }
  if (!(noise > 0.0))
    return INFINITY;
  if (!(target > 0.0))
    return -INFINITY;
  return 10.0 * log10 (target / noise);
}
