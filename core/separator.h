/* gst-nmf core: the streaming separator.
 *
 * Interleaved float samples in; per source, interleaved float samples (or
 * one soft mask per hop) out.  Internally: an STFT per channel (FFTW), the
 * magnitude summed over channels, a sliding-window KL-NMF of it kept up to
 * date frame by frame (online_kl.h), masks (masks.h) applied to every
 * channel's STFT, inverse STFT and overlap-add.
 *
 * Time alignment: output sample n is the separated version of input sample
 * n.  The output runs nmf_separator_delay() samples behind the input (the
 * STFT's own latency, fft_size - hop_size); nmf_separator_drain() at the
 * end of a stream emits the tail, so that exactly as many samples come out
 * as went in.  Mask frame j is the mask of the STFT frame that ends with
 * input samples [j * hop, (j + 1) * hop): it is emitted as soon as that hop
 * is complete.  Causal: no look-ahead beyond the STFT frame - unless
 * lookahead_frames = L > 0 (kl): then frame j's masks are made when frame
 * j + L has been learned, from the templates in force then (frame j's
 * activations re-fitted with them), and mask frames and audio come out L
 * hops later (nmf_separator_delay() includes L * hop_size).
 *
 * Non-finite samples (NaN, +-Inf) are replaced by 0 (silence) before they
 * reach the STFT, in the model and in the output alike, and counted
 * (nmf_separator_get_stats).  Finite samples beyond +-NMF_SEPARATOR_MAX_SAMPLE
 * (300 dB above full scale: garbage, not audio) are clamped to it, so that
 * no spectrum or model value can overflow float, and counted too; the
 * frames that hold a clamped sample are separated with the model in force
 * but not learned from (kl: the model and the grouping take them as
 * silence, which leaves them as they were; volmin learns them).
 *
 * All memory and FFTW plans are set up by create; process and drain never
 * allocate.  One separator must not be used by two threads at once;
 * separate separators may run in parallel threads. */
#ifndef NMF_SEPARATOR_H
#define NMF_SEPARATOR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NMF_SEPARATOR_MAX_CHANNELS 64
#define NMF_SEPARATOR_MAX_SOURCES 16
#define NMF_SEPARATOR_MAX_SAMPLE 1e15f

typedef enum
{
  NMF_ALGORITHM_KL = 0,         /* warm-started KL-NMF (online_kl.h) */
  NMF_ALGORITHM_VOLMIN = 1,     /* column-normalized volume-min (volmin_stream.h) */
} nmf_algorithm;

typedef struct
{
  int algorithm;                /* nmf_algorithm */
  int channels;                 /* 1..NMF_SEPARATOR_MAX_CHANNELS */
  int sources;                  /* 1..NMF_SEPARATOR_MAX_SOURCES */
  int components;               /* NMF rank, >= sources; with more components
                                 * than sources they are grouped into sources
                                 * by timbre (grouping.h) */
  int fft_size;                 /* even, 32..32768 */
  int hop_size;                 /* 1..fft_size/2 */
  int window_frames;            /* frames in the sliding window, >= 1 */
  int iterations;               /* multiplicative updates per hop, >= 1 */
  int mask_exponent;            /* 1 or 2 */
  uint64_t seed;                /* start of the templates */
  double regularization;        /* volmin: lambda in [0, 1], 0 = exact */
  int refresh_interval;         /* volmin: frames between model refreshes */
  int regroup_interval;         /* components > sources: frames between
                                 * regroupings */
  int update_interval;          /* kl: frames between template updates
                                 * (online_kl.h) */
  int lookahead_frames;         /* kl: frames a frame's masks wait for the
                                 * model (0..NMF_SEPARATOR_MAX_LOOKAHEAD);
                                 * 0: causal */
  int bands_per_octave;         /* 0: the model sees every STFT bin; N > 0:
                                 * it sees a log-frequency axis - bins kept
                                 * where they are already N per octave or
                                 * sparser, summed into bands of 1/N octave
                                 * above - and each band's masks apply to
                                 * all its bins (0 or 6..96) */
  /* Dictionaries (supervised / semi-supervised, kl only): source s's
   * templates, column-major bins x dictionary_components[s] floats (see
   * dictionary.h), held fixed; NULL / 0 for a blind source.  Copied at
   * create.  `components` then counts the blind (learned) components only:
   * the model's rank is components + sum of dictionary_components, the
   * blind components are grouped among the sources without a dictionary,
   * and components may be 0 when every source has one. */
  const float *dictionaries[NMF_SEPARATOR_MAX_SOURCES];
  int dictionary_components[NMF_SEPARATOR_MAX_SOURCES];
} nmf_separator_config;

#define NMF_SEPARATOR_DEFAULT_FFT_SIZE 2048
#define NMF_SEPARATOR_DEFAULT_HOP_SIZE 512
#define NMF_SEPARATOR_DEFAULT_WINDOW_FRAMES 258 /* ~3 s at 44.1 kHz, hop 512 */
#define NMF_SEPARATOR_DEFAULT_ITERATIONS 15
#define NMF_SEPARATOR_DEFAULT_MASK_EXPONENT 2
#define NMF_SEPARATOR_DEFAULT_SEED 0
#define NMF_SEPARATOR_DEFAULT_REFRESH_INTERVAL 16
#define NMF_SEPARATOR_DEFAULT_REGROUP_INTERVAL 16
#define NMF_SEPARATOR_DEFAULT_UPDATE_INTERVAL 1
#define NMF_SEPARATOR_DEFAULT_BANDS_PER_OCTAVE 0
#define NMF_SEPARATOR_DEFAULT_LOOKAHEAD_FRAMES 0
#define NMF_SEPARATOR_MAX_LOOKAHEAD 100000
#define NMF_SEPARATOR_MAX_WINDOW 100000
/* what one separator's buffers may take (1 GiB) */
#define NMF_SEPARATOR_MAX_MEMORY (1024.0 * 1024.0 * 1024.0)

typedef struct
{
  float *const *audio;          /* sources buffers of interleaved samples, or NULL */
  float *const *masks;          /* sources buffers of bins floats per mask, or NULL */
} nmf_separator_output;

typedef struct
{
  uint64_t samples_in;          /* per channel, since the last reset */
  uint64_t samples_out;         /* per channel and source */
  uint64_t masks_out;           /* mask frames, per source */
  uint64_t frames;              /* STFT frames analysed */
  uint64_t non_finite_samples;  /* NaN / Inf input samples replaced by 0 */
  uint64_t clamped_samples;     /* samples beyond +-NMF_SEPARATOR_MAX_SAMPLE */
  uint64_t model_refreshes;     /* volmin: refreshes that installed a model */
  uint64_t model_failures;      /* volmin: refreshes whose solve failed (the
                                 * model in force was kept) */
  uint64_t model_restarts;      /* kl: times a fresh fit of the window
                                 * replaced a model stuck in a poor fit
                                 * (online_kl.h) */
  const char *model_error;      /* the last failure's message, "" if none;
                                 * valid until the next process/drain */
} nmf_separator_stats;

typedef struct nmf_separator nmf_separator;

void nmf_separator_config_init (nmf_separator_config * config);

/* The settings measured best for blind kl separation with no latency to
 * spare (live): 20 components grouped into the sources, a log-frequency
 * axis of 24 bands per octave, 4 updates per hop, ratio masks, causal
 * (README, "Live").  Sets those five fields of config and leaves the
 * others. */
void nmf_separator_config_for_live (nmf_separator_config * config);

/* The settings measured best for blind kl separation when latency does not
 * matter (files): the live settings with a look-ahead of two windows (516
 * frames, 6 s at 44.1 kHz with the default window; README, "Files:
 * look-ahead").  Sets the same five fields of config, from its
 * window_frames, and leaves the others. */
void nmf_separator_config_for_files (nmf_separator_config * config);

/* NMF_OK, or NMF_ERR_INVALID_ARGUMENT with a message (written to message,
 * size bytes; either may be NULL / 0) naming the offending setting and its
 * value, the way the element's properties are named.  Settings whose
 * buffers would take more than NMF_SEPARATOR_MAX_MEMORY bytes are refused
 * too: a clear error rather than an out-of-memory kill. */
int nmf_separator_check_config (const nmf_separator_config * config,
    char *message, size_t size);

int nmf_separator_create (nmf_separator ** out,
    const nmf_separator_config * config);
void nmf_separator_destroy (nmf_separator ** sep);

/* Forget the stream (buffered input, overlap-add tail, counters).
 * keep_model = 1 keeps the learned templates, 0 restarts them from the
 * seed. */
void nmf_separator_reset (nmf_separator * sep, int keep_model);

int nmf_separator_bins (const nmf_separator * sep);
/* Samples the output runs behind the input: fft_size - hop_size, plus
 * lookahead_frames * hop_size. */
int nmf_separator_delay (const nmf_separator * sep);

/* Exactly how many samples (per channel and source) and mask frames the
 * next nmf_separator_process() of n_in samples will write. */
size_t nmf_separator_pending_audio (const nmf_separator * sep, size_t n_in);
size_t nmf_separator_pending_masks (const nmf_separator * sep, size_t n_in);

/* in: n_in interleaved frames of `channels` samples.  Writes the samples
 * and masks that become complete; their counts in *n_audio, *n_masks (either
 * pointer may be NULL).  Buffers of `out` that are NULL are not computed
 * (audio = NULL skips the inverse STFT). */
int nmf_separator_process (nmf_separator * sep, const float *in, size_t n_in,
    const nmf_separator_output * out, size_t * n_audio, size_t * n_masks);

/* What nmf_separator_drain() will write. */
size_t nmf_separator_drain_audio (const nmf_separator * sep);
size_t nmf_separator_drain_masks (const nmf_separator * sep);

/* End of stream: pads the input with silence until every input sample has
 * come out, writes the rest (the last mask frame may cover a partial hop),
 * then resets the stream, keeping the model. */
int nmf_separator_drain (nmf_separator * sep, const nmf_separator_output * out,
    size_t * n_audio, size_t * n_masks);

/* Settings that may change between two calls, mid-stream. */
int nmf_separator_set_iterations (nmf_separator * sep, int iterations);
int nmf_separator_set_mask_exponent (nmf_separator * sep, int exponent);

/* Called from process/drain once per mask frame (the frames that carry
 * input, as nmf_separator_pending_masks counts them), after its masks are
 * known: frame index since the stream start, the magnitude summed over
 * channels (bins), the masks (sources x bins), and each source's energy
 * in the frame, sum over channels and bins of |M_s X|^2 (forward-FFT
 * units).  NULL removes it.  The pointers are valid during the call. */
typedef void (*nmf_separator_frame_func) (void *user_data, uint64_t frame,
    const float *magnitude, const float *masks, const double *energy);
void nmf_separator_set_frame_observer (nmf_separator * sep,
    nmf_separator_frame_func func, void *user_data);

void nmf_separator_get_stats (const nmf_separator * sep,
    nmf_separator_stats * stats);

/* Model rank: components + the dictionaries' templates. */
int nmf_separator_rank (const nmf_separator * sep);

/* Source of each of the rank components now (the dictionaries' components
 * come after the blind ones, source by source); NULL when components ==
 * sources and there are no dictionaries (component k is source k). */
const int *nmf_separator_assignment (const nmf_separator * sep);

/* Column-major model_bins x rank templates in force now. */
const float *nmf_separator_templates (const nmf_separator * sep);

/* Values per frame the model sees: the bins (fft_size / 2 + 1), or the
 * bands of the log-frequency axis when bands_per_octave > 0. */
int nmf_separator_model_bins (const nmf_separator * sep);

#ifdef __cplusplus
}
#endif
#endif /* NMF_SEPARATOR_H */
