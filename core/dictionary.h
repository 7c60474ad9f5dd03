/* gst-nmf core: dictionaries, i.e. spectral templates of one source learned
 * beforehand from example audio, for supervised and semi-supervised
 * separation (nmf_separator_config.dictionaries: templates given for a
 * source are held fixed in the model; sources without one stay blind).
 *
 * In memory a dictionary of K templates is a column-major bins x K float
 * matrix (template k is W[k * bins .. (k + 1) * bins)), each column >= 0
 * and summing to one, like the templates of online_kl.h.  On disk it is a
 * NumPy .npy array of shape (fft_size / 2 + 1, K): one row per frequency
 * bin, one column per template (what `nmftool learn` writes; float64 or
 * float32, C or Fortran order are all read).
 *
 * Learning is batch KL-NMF (kl_batch.h) of the example's magnitude
 * spectrogram, made with the separator's own STFT (sqrt-Hann analysis
 * window, fft_size, hop), channels summed as the separator sums them.
 * Frames more than 60 dB below the loudest frame of the example (silence,
 * fades) are left out.
 *
 * Every call takes an optional caller buffer `err` (errlen bytes) for a
 * one-line reason on failure. */
#ifndef NMF_DICTIONARY_H
#define NMF_DICTIONARY_H

#include <stddef.h>
#include <stdint.h>

#include "nmf_error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NMF_DICTIONARY_DEFAULT_ITERATIONS 200

/* Learn `components` templates from `frames` magnitude frames (row-major
 * n_frames x bins, >= 0, finite) by `iterations` multiplicative KL-NMF
 * updates from a start given by `seed`.  W: bins x components, column-major,
 * caller-allocated.  NMF_ERR_RANK if fewer usable frames than components,
 * NMF_ERR_NOT_FINITE / NMF_ERR_NEGATIVE for bad input. */
int nmf_dictionary_learn (const float *frames, size_t n_frames, int bins,
    int components, int iterations, uint64_t seed, float *W, char *err,
    size_t errlen);

/* The same from audio: n_samples interleaved frames of `channels` samples
 * (float, any rate), STFT of fft_size (even, 32..32768) and hop_size
 * (1..fft_size / 2); W: (fft_size / 2 + 1) x components. */
int nmf_dictionary_learn_audio (const float *samples, size_t n_samples,
    int channels, int fft_size, int hop_size, int components, int iterations,
    uint64_t seed, float *W, char *err, size_t errlen);

/* Read a dictionary from a .npy file of shape (bins, K).  *W (malloc()ed,
 * free() it; column-major bins x K float, columns normalised to sum to one)
 * and *components are set on success.  A row count other than `bins`
 * (= fft_size / 2 + 1) is refused with NMF_ERR_FORMAT and a message naming
 * both counts and the fft-size they correspond to; negative or non-finite
 * entries and all-zero columns are refused too. */
int nmf_dictionary_load_npy (const char *path, int bins, float **W,
    int *components, char *err, size_t errlen);

/* Write a column-major bins x K dictionary as a (bins, K) float64 .npy. */
int nmf_dictionary_save_npy (const char *path, const float *W, int bins,
    int components, char *err, size_t errlen);

/* Check and normalise a column-major bins x K dictionary in place (columns
 * scaled to sum to one).  NMF_ERR_NEGATIVE, NMF_ERR_NOT_FINITE, or
 * NMF_ERR_INVALID_ARGUMENT for an all-zero column. */
int nmf_dictionary_normalise (float *W, int bins, int components, char *err,
    size_t errlen);

#ifdef __cplusplus
}
#endif
#endif /* NMF_DICTIONARY_H */
