/* gst-nmf core (internal): the log-frequency axes.
 *
 * The model's band axis (a partition of the STFT bins): bin f, frequency
 * f / fft_size cycles per sample, keeps a band of its own while bins are
 * no denser than `per_octave` per octave, i.e. below
 * f_split = 1 / (2^(1/N) - 1) bins; above, band b covers
 * [f_split 2^(b/N), f_split 2^((b+1)/N)).  Bands no bin falls in are
 * skipped. */
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

#ifdef __cplusplus
}
#endif
#endif /* NMF_LOGFREQ_H */
