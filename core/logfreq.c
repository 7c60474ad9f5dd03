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

int
nmf_triangle_bands_init (nmf_triangle_bands * t, int bins, int per_octave,
    double lowest)
{
  const int F = bins;
  const double top = F - 1;
  const double bpo = per_octave;
  const int B = (int) floor (bpo * log2 (top / lowest)) + 1;
  double *centre;
  size_t cap = 0, n = 0;

  memset (t, 0, sizeof (*t));
  if (B < 1)
    return NMF_ERR_INVALID_ARGUMENT;
  t->bands = B;
  centre = malloc (sizeof (double) * (B + 2));
  if (!centre)
    return NMF_ERR_NO_MEMORY;
  for (int b = -1; b <= B; b++)
    centre[b + 1] = lowest * pow (2.0, b / bpo);
  /* count the bins of every triangle first */
  for (int b = 0; b < B; b++) {
    double c = centre[b + 1];
    double lw = fmax (c - centre[b], 1.0), rw = fmax (centre[b + 2] - c, 1.0);
    int lo = (int) ceil (c - lw), hi = (int) floor (c + rw);
    if (lo < 0)
      lo = 0;
    if (hi > F - 1)
      hi = F - 1;
    cap += hi >= lo ? (size_t) (hi - lo + 1) : 1;
  }
  t->start = malloc (sizeof (int) * (B + 1));
  t->bin = malloc (sizeof (int) * cap);
  t->weight = malloc (sizeof (float) * cap);
  if (!t->start || !t->bin || !t->weight) {
    free (centre);
    nmf_triangle_bands_clear (t);
    return NMF_ERR_NO_MEMORY;
  }
  for (int b = 0; b < B; b++) {
    double c = centre[b + 1];
    double lw = fmax (c - centre[b], 1.0), rw = fmax (centre[b + 2] - c, 1.0);
    int lo = (int) ceil (c - lw), hi = (int) floor (c + rw);
    double sum = 0.0;
    size_t first = n;
    if (lo < 0)
      lo = 0;
    if (hi > F - 1)
      hi = F - 1;
    t->start[b] = (int) n;
    for (int f = lo; f <= hi; f++) {
      double w = f <= c ? 1.0 - (c - f) / lw : 1.0 - (f - c) / rw;
      if (w <= 0.0)
        continue;
      t->bin[n] = f;
      t->weight[n] = (float) w;
      sum += w;
      n++;
    }
    if (n == first) {           /* cannot happen with widths >= 1; be safe */
      int f = (int) lround (c);
      t->bin[n] = f < F ? f : F - 1;
      t->weight[n] = 1.0f;
      sum = 1.0;
      n++;
    }
    for (size_t i = first; i < n; i++)
      t->weight[i] = (float) (t->weight[i] / sum);
  }
  t->start[B] = (int) n;
  free (centre);
  return NMF_OK;
}

void
nmf_triangle_bands_clear (nmf_triangle_bands * t)
{
  free (t->start);
  free (t->bin);
  free (t->weight);
  memset (t, 0, sizeof (*t));
}

void
nmf_triangle_bands_apply (const nmf_triangle_bands * t, const float *x,
    double *energy)
{
  for (int b = 0; b < t->bands; b++) {
    double s = 0.0;
    for (int i = t->start[b]; i < t->start[b + 1]; i++) {
      float v = x[t->bin[i]];
      s += t->weight[i] * (v > 0.0f ? v : 0.0f);
    }
    energy[b] = s;
  }
}

void
nmf_logfreq_transpose (const float *in, int bins, int steps, int per_octave,
    float beyond, float *out)
{
  const double inv = pow (2.0, -steps / (double) per_octave);

  for (int f = 0; f < bins; f++) {
    double x = f * inv;
    int i = (int) x;
    if (steps == 0)
      out[f] = in[f];
    else if (i >= bins - 1)
      out[f] = x <= bins - 1 ? in[bins - 1] : beyond;
    else {
      double a = x - i;
      out[f] = (float) ((1.0 - a) * in[i] + a * in[i + 1]);
    }
  }
}
