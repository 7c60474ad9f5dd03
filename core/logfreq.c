#include "logfreq.h"

#include <nmf/error.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

int
nmf_logfreq_partition (int bins, int per_octave, int *band_of)
{
  const double split = 1.0 / (pow (2.0, 1.0 / per_octave) - 1.0);
  int n = 0, last = -1;

  for (int f = 0; f < bins; f++) {
    int key = f < split ? f
        : (int) ceil (split) + (int) floor (per_octave * log2 (f / split));
    if (key != last) {
      n++;
      last = key;
    }
    if (band_of)
      band_of[f] = n - 1;
  }
  return n;
}

int
nmf_band_axis_init (nmf_band_axis * a, int bins, int per_octave)
{
  memset (a, 0, sizeof (*a));
  a->bins = bins;
  a->band_of = calloc (bins, sizeof (int));
  if (!a->band_of)
    return NMF_ERR_NO_MEMORY;
  a->bands = nmf_logfreq_partition (bins, per_octave, a->band_of);
  a->scale = calloc (a->bands, sizeof (float));
  if (!a->scale) {
    nmf_band_axis_clear (a);
    return NMF_ERR_NO_MEMORY;
  }
  for (int f = 0; f < bins; f++)
    a->scale[a->band_of[f]] += 1.0f;
  for (int b = 0; b < a->bands; b++)
    a->scale[b] = 1.0f / a->scale[b];
  return NMF_OK;
}

void
nmf_band_axis_clear (nmf_band_axis * a)
{
  free (a->band_of);
  free (a->scale);
  memset (a, 0, sizeof (*a));
}

void
nmf_band_axis_pool (const nmf_band_axis * a, const float *bins, float *bands)
{
  memset (bands, 0, sizeof (float) * a->bands);
  for (int f = 0; f < a->bins; f++)
    bands[a->band_of[f]] += bins[f];
}

void
nmf_band_axis_spread (const nmf_band_axis * a, const float *bands,
    float *bins, int share)
{
  for (int f = 0; f < a->bins; f++) {
    int b = a->band_of[f];
    bins[f] = share ? bands[b] * a->scale[b] : bands[b];
  }
}
