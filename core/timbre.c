/* gst-nmf core: timbre features of a spectral template (see timbre.h). */
#include "timbre.h"

#include <nmf/error.h>

#include "logfreq.h"

#include <fftw3.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* lowest band centre, in bins: below it a bin spans more than a semitone
 * many times over and says little about timbre */
#define LOWEST_BAND_BIN 2.0
/* log-energy floor, relative to the template's largest band: 60 dB */
#define LOG_FLOOR_REL 1e-3

struct nmf_timbre
{
  double weight_envelope, weight_shift, weight_descriptors;
  nmf_triangle_bands bands;
  int D, octaves, shift_coefs;
  double *cos_tab;              /* CEPS x bands */
  int pad_n;                    /* >= 2 bands, of factors 2, 3, 5, 7 */
  float *pad;                   /* pad_n: band energies, zero-padded */
  fftwf_complex *pad_dft;       /* pad_n / 2 + 1 */
  fftwf_plan pad_plan;
  double *band;                 /* bands scratch */
  double *logband;              /* bands scratch */
};

/* n has no prime factor above 7 (FFTW's codelets) */
static int
smooth_length (int n)
{
  static const int primes[] = { 2, 3, 5, 7 };

  for (int i = 0; i < 4; i++)
    while (n % primes[i] == 0)
      n /= primes[i];
  return n == 1;
}

int
nmf_timbre_create (nmf_timbre ** out, int bins, double weight_envelope,
    double weight_shift, double weight_descriptors)
{
  nmf_timbre *g;
  int ret, B;

  *out = NULL;
  g = calloc (1, sizeof (*g));
  if (!g)
    return NMF_ERR_NO_MEMORY;
  g->weight_envelope = weight_envelope;
  g->weight_shift = weight_shift;
  g->weight_descriptors = weight_descriptors;
  ret = nmf_triangle_bands_init (&g->bands, bins,
      NMF_TIMBRE_BANDS_PER_OCTAVE, LOWEST_BAND_BIN);
  if (ret == NMF_OK && g->bands.bands < 8)
    ret = NMF_ERR_INVALID_ARGUMENT;
  if (ret != NMF_OK) {
    nmf_timbre_destroy (&g);
    return ret;
  }
  B = g->bands.bands;
  g->octaves = (B + NMF_TIMBRE_BANDS_PER_OCTAVE - 1)
      / NMF_TIMBRE_BANDS_PER_OCTAVE;
  g->shift_coefs = B + 1;
  g->D = NMF_TIMBRE_CEPS + g->shift_coefs + g->octaves + 1;
  g->cos_tab = malloc (sizeof (double) * NMF_TIMBRE_CEPS * B);
  /* zero-padded to at least twice the bands (a transposition is then a
   * shift, not a rotation), to a length of small factors: at exactly 2 B
   * (218 = 2 x 109) FFTW runs Rader's algorithm, which allocates in every
   * execute, or a generic O(n^2) one - 6 to 12 times slower */
  g->pad_n = 2 * B;
  while (!smooth_length (g->pad_n))
    g->pad_n++;
  g->pad = fftwf_malloc (sizeof (float) * g->pad_n);
  g->pad_dft = fftwf_malloc (sizeof (fftwf_complex) * (g->pad_n / 2 + 1));
  g->band = malloc (sizeof (double) * B);
  g->logband = malloc (sizeof (double) * B);
  if (!g->cos_tab || !g->pad || !g->pad_dft || !g->band || !g->logband) {
    nmf_timbre_destroy (&g);
    return NMF_ERR_NO_MEMORY;
  }
  for (int i = 0; i < NMF_TIMBRE_CEPS; i++)
    for (int b = 0; b < B; b++)
      g->cos_tab[(size_t) i * B + b] = cos (M_PI * (i + 1) * (b + 0.5) / B);
  memset (g->pad, 0, sizeof (float) * g->pad_n);
  g->pad_plan = fftwf_plan_dft_r2c_1d (g->pad_n, g->pad, g->pad_dft,
      FFTW_ESTIMATE);
  if (!g->pad_plan) {
    nmf_timbre_destroy (&g);
    return NMF_ERR_FFT_PLAN;
  }
  *out = g;
  return NMF_OK;
}

void
nmf_timbre_destroy (nmf_timbre ** tp)
{
  nmf_timbre *g;

  if (!tp || !*tp)
    return;
  g = *tp;
  nmf_triangle_bands_clear (&g->bands);
  free (g->cos_tab);
  if (g->pad_plan)
    fftwf_destroy_plan (g->pad_plan);
  fftwf_free (g->pad);
  fftwf_free (g->pad_dft);
  free (g->band);
  free (g->logband);
  free (g);
  *tp = NULL;
}

int
nmf_timbre_dim (const nmf_timbre * t)
{
  return t->D;
}

void
nmf_timbre_features (nmf_timbre * g, const float *w, float *feat)
{
  const int B = g->bands.bands;
  double *e = g->band, *L = g->logband;
  double peak = 0.0, total = 0.0, norm;
  float *out;

  nmf_triangle_bands_apply (&g->bands, w, e);
  for (int b = 0; b < B; b++) {
    total += e[b];
    if (e[b] > peak)
      peak = e[b];
  }
  double fl = peak > 0.0 ? peak * LOG_FLOOR_REL : 1e-30;
  for (int b = 0; b < B; b++)
    L[b] = log (e[b] + fl);

  /* 1. cepstral envelope */
  out = feat;
  norm = 0.0;
  for (int i = 0; i < NMF_TIMBRE_CEPS; i++) {
    double c = 0.0;
    const double *t = g->cos_tab + (size_t) i * B;
    for (int b = 0; b < B; b++)
      c += t[b] * L[b];
    out[i] = (float) c;
    norm += c * c;
  }
  norm = norm > 0.0 ? 1.0 / sqrt (norm) : 0.0;
  for (int i = 0; i < NMF_TIMBRE_CEPS; i++)
    out[i] = (float) (out[i] * norm);

  /* 2. shift-invariant pattern: |DFT| of the band energies, zero-padded
   * so that a transposition is a shift, not a rotation */
  out = feat + NMF_TIMBRE_CEPS;
  for (int b = 0; b < B; b++)
    g->pad[b] = (float) e[b];
  fftwf_execute (g->pad_plan);
  norm = 0.0;
  for (int j = 0; j < g->shift_coefs; j++) {
    double m = hypot (g->pad_dft[j][0], g->pad_dft[j][1]);
    out[j] = (float) m;
    norm += m * m;
  }
  norm = norm > 0.0 ? 1.0 / sqrt (norm) : 0.0;
  for (int j = 0; j < g->shift_coefs; j++)
    out[j] = (float) (out[j] * norm);

  /* 3. descriptors: sqrt of the octave energy shares (a unit vector) and
   * the flatness */
  out = feat + NMF_TIMBRE_CEPS + g->shift_coefs;
  for (int o = 0; o < g->octaves; o++)
    out[o] = 0.0f;
  for (int b = 0; b < B; b++)
    out[b / NMF_TIMBRE_BANDS_PER_OCTAVE] += (float) e[b];
  double geo = 0.0;
  for (int b = 0; b < B; b++)
    geo += L[b];
  double flat = total > 0.0 ? exp (geo / B) / (total / B) : 1.0;
  if (flat > 1.0)
    flat = 1.0;
  norm = 0.0;
  for (int o = 0; o < g->octaves; o++) {
    out[o] = total > 0.0 ? (float) sqrt (out[o] / total) : 0.0f;
    norm += (double) out[o] * out[o];
  }
  out[g->octaves] = (float) flat;
  norm += flat * flat;
  norm = norm > 0.0 ? 1.0 / sqrt (norm) : 0.0;
  for (int o = 0; o <= g->octaves; o++)
    out[o] = (float) (out[o] * norm);

  /* block weights */
  const double w1 = sqrt (g->weight_envelope), w2 =
      sqrt (g->weight_shift), w3 = sqrt (g->weight_descriptors);
  for (int i = 0; i < g->D; i++) {
    double wt = i < NMF_TIMBRE_CEPS ? w1
        : i < NMF_TIMBRE_CEPS + g->shift_coefs ? w2 : w3;
    feat[i] = (float) (feat[i] * wt);
  }
}
