#include "masks.h"

#include <math.h>
#include <string.h>

void
nmf_masks_compute (const float *spectra, int bins, int components,
    const int *source_of, int sources, int exponent, float *masks,
    float *scratch)
{
  float *power = scratch;       /* sources x bins: P_s */

  memset (power, 0, sizeof (float) * (size_t) sources * bins);
  for (int k = 0; k < components; k++) {
    int s = source_of ? source_of[k] : k;
    const float *c = spectra + (size_t) k * bins;
    float *p = power + (size_t) s * bins;
    for (int f = 0; f < bins; f++)
      p[f] += c[f];
  }

  for (int f = 0; f < bins; f++) {
    float peak = 0.0f;
    for (int s = 0; s < sources; s++) {
      float p = power[(size_t) s * bins + f];
      if (p > peak)
        peak = p;
    }
    if (!(peak > 0.0f) || !isfinite (peak)) {
      for (int s = 0; s < sources; s++)
        masks[(size_t) s * bins + f] = 1.0f / sources;
      continue;
    }
    double total = 0.0;
    for (int s = 0; s < sources; s++) {
      /* a division, not a multiplication by 1 / peak: that overflows for a
       * denormal peak */
      float r = power[(size_t) s * bins + f] / peak;
      if (exponent == 2)
        r *= r;
      masks[(size_t) s * bins + f] = r;
      total += r;
    }
    /* total >= 1: the peak source contributes exactly 1 */
    float inv_total = (float) (1.0 / total);
    for (int s = 0; s < sources; s++)
      masks[(size_t) s * bins + f] *= inv_total;
  }
}
