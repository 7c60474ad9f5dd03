/* gst-nmf core library: dictionaries, i.e. spectral templates of one
 * source learned beforehand from example audio, for supervised and
 * semi-supervised separation (nmf_separator_config.dictionaries: the
 * templates given for a source are held fixed in the model; sources
 * without one stay blind).
 *
 * In memory a dictionary of K templates is a column-major bins x K float
 * matrix (template k is W[k * bins .. (k + 1) * bins)), each column >= 0
 * and summing to one, bins = fft_size / 2 + 1.  On disk it is a NumPy .npy
 * array of shape (bins, K): one row per frequency bin, one column per
 * template (what `nmftool learn` writes; float64 or float32, C or Fortran
 * order are all read).
 *
 * Learning is batch KL-NMF (<nmf/factorize.h>) of the example's magnitude
 * spectrogram, made with the separator's own STFT (sqrt-Hann analysis
 * window, fft_size, hop), channels summed as the separator sums them.
 * Frames more than 60 dB below the loudest frame of the example (silence,
 * fades) are left out. */
#ifndef NMF_DICTIONARY_H
#define NMF_DICTIONARY_H

#include <stddef.h>
#include <stdint.h>

#include <nmf/error.h>
#include <nmf/export.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NMF_DICTIONARY_DEFAULT_ITERATIONS 200
/* The most templates a dictionary file holds. */
#define NMF_DICTIONARY_MAX_COMPONENTS 1024

/* Learns `components` templates from n_frames magnitude frames (row-major
 * n_frames x bins, >= 0, finite) by `iterations` multiplicative KL-NMF
 * updates from a start given by `seed`.  W: bins x components,
 * column-major, caller-allocated.  NMF_ERR_RANK if fewer frames with sound
 * than components, NMF_ERR_NOT_FINITE / NMF_ERR_NEGATIVE for bad input. */
NMF_API nmf_status nmf_dictionary_learn (const float *frames,
    size_t n_frames, size_t bins, size_t components, int iterations,
    uint64_t seed, float *W, char *message, size_t message_size);
/* The same, stopped between two iterations once *cancel (another thread's
 * flag, written atomically, e.g. with __atomic_store_n or g_atomic_int_set;
 * may be NULL) is not 0: NMF_ERR_CANCELLED, W untouched.  A host
 * that learns in a thread of its own can then stop without waiting for a
 * learning that takes seconds. */
NMF_API nmf_status nmf_dictionary_learn_cancellable (const float *frames,
    size_t n_frames, size_t bins, size_t components, int iterations,
    uint64_t seed, const volatile int *cancel, float *W, char *message,
    size_t message_size);

/* The most STFT frames nmf_dictionary_learn_audio learns from (95 s at
 * 44.1 kHz with a hop of 512; more than the element's enrolment keeps). */
#define NMF_DICTIONARY_MAX_LEARN_FRAMES 8192

/* The same from audio: n_samples interleaved frames of `channels` samples
 * (float, any rate), an STFT of fft_size (even, 32..32768) and hop_size
 * (1..fft_size / 2); W: (fft_size / 2 + 1) x components.  Audio of more
 * than NMF_DICTIONARY_MAX_LEARN_FRAMES frames is learned from every k-th
 * frame, k the smallest that keeps within that many (frames evenly spread
 * over it), so that memory and time stay bounded however long it is. */
NMF_API nmf_status nmf_dictionary_learn_audio (const float *samples,
    size_t n_samples, size_t channels, int fft_size, int hop_size,
    size_t components, int iterations, uint64_t seed, float *W,
    char *message, size_t message_size);

/* Which frames nmf_dictionary_learn_audio learns from, for n_samples
 * frames of audio and hop_size >= 1: returns k (it takes every k-th STFT
 * frame) and, when frames is not NULL, sets it to the STFT frames of the
 * whole audio (the first ends with the first hop). */
NMF_API size_t nmf_dictionary_learn_stride (size_t n_samples, int hop_size,
    size_t *frames);

/* Shift tolerance.  Templates learned from some notes of an instrument (or
 * some sentences of a voice) cover other notes poorly: a harmonic template
 * is a comb of partials at multiples of one pitch.  Over a few semitones an
 * instrument's timbre changes little and a transposition is, to first
 * order, a shift of the spectrum along a log-frequency axis (the view of
 * shift-invariant NMF: FitzGerald et al., "Shifted non-negative matrix
 * factorisation for sound source separation", 2005; Jaiswal et al.,
 * ICASSP 2011).  nmf_dictionary_shift() therefore adds, for every template
 * w and every whole semitone k in -shifts..shifts, k != 0, the copy
 *     w_k(f) = w(f / 2^(k/12))
 * (the magnitude spectrum resampled, linear interpolation between bins;
 * bins that map beyond the top of the spectrum get the template floor),
 * normalised to sum to one.  The partials move, and the width of each
 * spectral peak stretches by the same ratio (at most 2^(shifts/12)), which
 * a KL fit tolerates for small shifts.  The dictionary grows to
 * components * (2 * shifts + 1) templates, and the model's cost per frame
 * with it.
 *
 * Learning never shifts: shifting is a separate step on the learned
 * dictionary, so that a tool can save either.  The default, a whole tone
 * either side, reaches every semitone between the learned notes from two
 * of them and a whole tone beyond their range, while the spectral envelope
 * barely moves; larger shifts carry the training notes' envelope to where
 * it no longer holds and make the sources' dictionaries overlap
 * (docs/experiments.md#dictionaries-sizes-shifts-and-fitting). */
#define NMF_DICTIONARY_DEFAULT_SHIFTS 2
#define NMF_DICTIONARY_MAX_SHIFTS 24

/* W: bins x components (column-major, as learned); out: bins x
 * (components * (2 * shifts + 1)), column-major, caller-allocated, not
 * overlapping W.  Template k shifted by s semitones (s in
 * -shifts..shifts) is column (s + shifts) * components + k of out, so the
 * unshifted dictionary is the middle block, unchanged apart from
 * normalisation.  shifts in 0..NMF_DICTIONARY_MAX_SHIFTS. */
NMF_API nmf_status nmf_dictionary_shift (const float *W, size_t bins,
    size_t components, int shifts, float *out, char *message,
    size_t message_size);

/* The same on a finer grid: `steps` shifts per semitone (1 is
 * nmf_dictionary_shift), shifts of s / steps semitones for s in
 * -shifts * steps .. shifts * steps; out holds components *
 * (2 * shifts * steps + 1) templates, shift s / steps in block
 * s + shifts * steps.  steps in 1..NMF_DICTIONARY_MAX_SHIFT_STEPS. */
#define NMF_DICTIONARY_MAX_SHIFT_STEPS 8
NMF_API nmf_status nmf_dictionary_shift_steps (const float *W, size_t bins,
    size_t components, int shifts, int steps, float *out, char *message,
    size_t message_size);

/* Reads a dictionary from a .npy file of shape (bins, K): *W (malloc()ed,
 * free() it; column-major bins x K, columns normalised to sum to one) and
 * *components.  A row count other than `bins` (= fft_size / 2 + 1) is
 * refused with NMF_ERR_FORMAT and a message naming both counts and the FFT
 * size they correspond to; negative or non-finite entries (named by row
 * and column), all-zero columns and more than
 * NMF_DICTIONARY_MAX_COMPONENTS templates are refused too.  A template's
 * scale does not matter: each is scaled in double precision by the power
 * of two that brings its largest entry to [0.5, 1), so any finite doubles
 * read (1e300 or 1e-300 as well), and a saved dictionary loads bit for
 * bit as it was. */
NMF_API nmf_status nmf_dictionary_load_npy (const char *path, size_t bins,
    float **W, size_t * components, char *message, size_t message_size);

/* Writes a column-major bins x K dictionary as a (bins, K) float64 .npy.
 * What nmf_dictionary_load_npy would refuse to read back is refused,
 * nothing written (a file already at path stays as it was): more than
 * NMF_DICTIONARY_MAX_COMPONENTS templates or an all-zero template
 * (NMF_ERR_INVALID_ARGUMENT), a non-finite entry (NMF_ERR_NOT_FINITE), a
 * negative one (NMF_ERR_NEGATIVE). */
NMF_API nmf_status nmf_dictionary_save_npy (const char *path, const float *W,
    size_t bins, size_t components, char *message, size_t message_size);

/* Checks and normalises a column-major bins x K dictionary in place
 * (columns scaled to sum to one).  NMF_ERR_NEGATIVE, NMF_ERR_NOT_FINITE,
 * or NMF_ERR_INVALID_ARGUMENT for an all-zero column, W then untouched
 * (every column is checked before any is scaled). */
NMF_API nmf_status nmf_dictionary_normalise (float *W, size_t bins,
    size_t components, char *message, size_t message_size);

#ifdef __cplusplus
}
#endif
#endif /* NMF_DICTIONARY_H */
