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

#include <nmf/error.h>

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

/* Shift tolerance.  Templates learned from some notes of an instrument (or
 * some sentences of a voice) cover other notes poorly: a harmonic template
 * is a comb of partials at multiples of one pitch.  Over a few semitones an
 * instrument's timbre changes little and a transposition is, to first
 * order, a shift of the spectrum along a log-frequency axis (the view of
 * shift-invariant NMF: FitzGerald et al., "Shifted non-negative matrix
 * factorisation for sound source separation", 2005; Jaiswal et al., ICASSP
 * 2011).  nmf_dictionary_shift() therefore adds, for every template w and
 * every whole semitone k in -shifts..shifts, k != 0, the copy
 *     w_k(f) = w(f / 2^(k/12))
 * (the magnitude spectrum resampled, linear interpolation between bins;
 * bins that map beyond the top of the spectrum get the template floor),
 * normalised to sum to one.  The partials move, the width of each spectral
 * peak stretches by the same ratio (at most 2^(shifts/12)), which a KL fit
 * tolerates for small shifts.  The dictionary grows to
 * components * (2 * shifts + 1) templates, and the model's cost per frame
 * with it.
 *
 * The learning functions above never shift (their behaviour is unchanged):
 * shifting is a separate step on the learned dictionary, so a tool can save
 * either.  NMF_DICTIONARY_DEFAULT_SHIFTS = 2 (a whole tone either side, 5
 * copies of every template) is the range recommended for `nmftool learn`,
 * for these reasons:
 *   - adjacent notes of a diatonic tune are at most 2 semitones apart:
 *     +-1 already reaches every semitone inside the learned notes' range,
 *     +-2 reaches most of them from two or more learned notes (the
 *     neighbours below and above) and extends the coverage a whole tone
 *     beyond that range;
 *   - over a whole tone the spectral envelope (timbre) of an instrument or
 *     a voice barely moves, and the peaks stretch by at most 12 %, while
 *     larger shifts carry the training notes' envelope to where it no longer
 *     holds and make the sources' dictionaries overlap (less separation);
 *   - cost: the model grows 5-fold, 2R + 1 in general.
 * Measured on the quality corpus (tests/bench/quality/core_eval.py, every
 * source supervised, mixtures in other keys than the training clips), mean
 * SDR with 16 templates: 5.60 dB unshifted, 7.21 (+-1), 7.81 (+-2), 7.82
 * (+-3); with 32 templates: 5.53 unshifted, 8.44 (+-2; 8.50 with another
 * learning seed), 8.55 (+-3, at 7/5 of the cost of +-2); with 8 templates
 * +-2: 7.17.  Half-semitone steps (nmf_dictionary_shift_steps, 16 templates,
 * +-2) 7.58, below whole semitones.
 * Mind the limits: at most 1024 templates per dictionary file and per model
 * (nmf_separator_config), i.e. 32 learned templates shifted +-2 (160) for up
 * to 6 supervised sources. */
#define NMF_DICTIONARY_DEFAULT_SHIFTS 2
#define NMF_DICTIONARY_MAX_SHIFTS 24

/* W: bins x components (column-major, as learned); out: bins x
 * (components * (2 * shifts + 1)), column-major, caller-allocated, may not
 * overlap W.  Template k shifted by s semitones (s in -shifts..shifts) is
 * column (s + shifts) * components + k of out, so the unshifted dictionary
 * is the middle block, unchanged apart from normalisation.  shifts in
 * 0..NMF_DICTIONARY_MAX_SHIFTS. */
int nmf_dictionary_shift (const float *W, int bins, int components,
    int shifts, float *out, char *err, size_t errlen);

/* The same on a finer grid: `steps` shifts per semitone (1 is
 * nmf_dictionary_shift), shifts of s / steps semitones for s in
 * -shifts * steps .. shifts * steps; out holds components *
 * (2 * shifts * steps + 1) templates, shift s / steps in block
 * s + shifts * steps.  steps in 1..NMF_DICTIONARY_MAX_SHIFT_STEPS. */
#define NMF_DICTIONARY_MAX_SHIFT_STEPS 8
int nmf_dictionary_shift_steps (const float *W, int bins, int components,
    int shifts, int steps, float *out, char *err, size_t errlen);

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
