/* gst-nmf core (internal): the log-frequency axes, built here only.
 *
 * 1. The model's band axis (nmf_band_axis, a partition of the STFT bins):
 *    bin f, frequency f / fft_size cycles per sample, keeps a band of its
 *    own while bins are no denser than `per_octave` per octave, i.e. below
 *    f_split = 1 / (2^(1/N) - 1) bins; above, band b covers
 *    [f_split 2^(b/N), f_split 2^((b+1)/N)).  Bands no bin falls in are
 *    skipped.
 * 2. The timbre axis of the grouping (nmf_triangle_bands): overlapping
 *    triangular bands, N per octave, centred on lowest 2^(b/N) bins, each
 *    reaching to its neighbours' centres (at least one bin either side).
 * 3. Transposition (nmf_logfreq_transpose): a spectrum moved along the
 *    log-frequency axis, i.e. resampled in f. */
#ifndef NMF_LOGFREQ_H
#define NMF_LOGFREQ_H

#ifdef __cplusplus
extern "C" {
#endif

/* The number of bands of the partition of `bins` bins at `per_octave`
 * bands per octave; band_of (bins ints, or NULL) receives each bin's
 * band. */
int nmf_logfreq_partition (int bins, int per_octave, int *band_of);

typedef struct
{
  int bins, bands;
  int *band_of;                 /* bins: the band of each bin */
  float *scale;                 /* bands: 1 / the band's bin count */
} nmf_band_axis;

/* NMF_OK or NMF_ERR_NO_MEMORY; nmf_band_axis_clear frees. */
int nmf_band_axis_init (nmf_band_axis * axis, int bins, int per_octave);
void nmf_band_axis_clear (nmf_band_axis * axis);

/* bins values -> bands values: each band the sum of its bins */
void nmf_band_axis_pool (const nmf_band_axis * axis, const float *bins,
    float *bands);

/* bands values -> bins values: each bin its band's value, or with `share`
 * that value shared evenly among the band's bins */
void nmf_band_axis_spread (const nmf_band_axis * axis, const float *bands,
    float *bins, int share);

typedef struct
{
  int bands;
  int *start;                   /* bands + 1: band b's weights are
                                 * weight[start[b] .. start[b + 1]) */
  int *bin;                     /* the bin of each weight */
  float *weight;                /* each band's weights sum to one */
} nmf_triangle_bands;

/* Bands centred from `lowest` bins up to the top bin (bins - 1).
 * NMF_ERR_NO_MEMORY; nmf_triangle_bands_clear frees. */
int nmf_triangle_bands_init (nmf_triangle_bands * t, int bins,
    int per_octave, double lowest);
void nmf_triangle_bands_clear (nmf_triangle_bands * t);

/* energy[b] = sum of band b's weights times max(x, 0) over its bins. */
void nmf_triangle_bands_apply (const nmf_triangle_bands * t, const float *x,
    double *energy);

/* out(f) = in(f / 2^(steps / per_octave)) for bins f, linear interpolation
 * between bins; a bin that maps above the top bin gets `beyond`; steps = 0
 * copies. */
void nmf_logfreq_transpose (const float *in, int bins, int steps,
    int per_octave, float beyond, float *out);

#ifdef __cplusplus
}
#endif
#endif /* NMF_LOGFREQ_H */
