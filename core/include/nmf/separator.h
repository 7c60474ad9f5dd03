/* gst-nmf core library: the streaming separator.
 *
 * Interleaved float samples in; per source, interleaved float samples (or
 * one soft mask per hop) out.  Inside: an STFT per channel (FFTW), the
 * magnitude summed over channels, a sliding-window factorization of it
 * (warm-started KL-NMF, or column-normalized volume minimization) kept up
 * to date frame by frame, its components grouped into sources, soft masks
 * applied to every channel's STFT, inverse STFT and overlap-add.
 *
 * Time alignment: output sample n is the separated version of input
 * sample n.  The output runs nmf_separator_delay() samples behind the
 * input; nmf_separator_drain() at the end of a stream emits the tail, so
 * that exactly as many samples come out as went in, and the sources add
 * up to the input.  Mask frame j is the mask of the STFT frame that ends
 * with input samples [j * hop, (j + 1) * hop).  With lookahead_frames =
 * L > 0 (kl) frame j's masks are made when frame j + L has been learned,
 * and audio and masks come out L hops later.
 *
 * Non-finite samples (NaN, +-Inf) are replaced by 0 (silence) before they
 * reach the STFT, in the model and in the output alike, and counted
 * (nmf_separator_get_stats).  Finite samples beyond
 * +-NMF_SEPARATOR_MAX_SAMPLE are clamped to it and counted; the frames
 * that hold one are separated with the model in force but not learned
 * from.
 *
 * All memory and FFTW plans are set up by create; process and drain never
 * allocate (tests/core/test_no_alloc.c), but for algorithm volmin, whose
 * linear programs are GLPK's: it allocates as it solves them, at each
 * refresh.  One separator must not be used by two threads at once;
 * separate separators may run in parallel threads. */
#ifndef NMF_SEPARATOR_H
#define NMF_SEPARATOR_H

#include <stddef.h>
#include <stdint.h>

#include <nmf/error.h>

#include <nmf/export.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NMF_SEPARATOR_MAX_CHANNELS 64
#define NMF_SEPARATOR_MAX_SOURCES 16
#define NMF_SEPARATOR_MAX_SAMPLE 1e15f
#define NMF_SEPARATOR_MAX_WINDOW 100000
#define NMF_SEPARATOR_MAX_LOOKAHEAD 100000
/* templates of one source's dictionary, and of the whole model */
#define NMF_SEPARATOR_MAX_DICTIONARY 1024
/* What one separator's buffers may take (1 GiB): larger settings are
 * refused by nmf_separator_check_config. */
#define NMF_SEPARATOR_MAX_MEMORY (1024.0 * 1024.0 * 1024.0)

/* A configuration field left at NMF_SEPARATOR_AUTO takes the value of the
 * profile (nmf_separator_config_apply_profile), or its default. */
#define NMF_SEPARATOR_AUTO (-1)
/* components only: one per source without a dictionary, whatever the
 * profile, counted again when nmf_separator_set_dictionary changes the
 * dictionaries (a fixed count set by the caller is kept there). */
#define NMF_SEPARATOR_PER_BLIND_SOURCE (-2)

typedef enum
{
  NMF_ALGORITHM_KL = 0,         /* warm-started KL-NMF */
  NMF_ALGORITHM_VOLMIN = 1      /* column-normalized volume-min */
} nmf_algorithm;

/* Whether the channels' spatial information is used. */
typedef enum
{
  NMF_SPATIAL_OFF = 0,          /* the channels' magnitudes are summed and
                                 * factorized, as for one channel */
  NMF_SPATIAL_AUTO = 1          /* 2..8 channels and 2 or more sources:
                                 * when the first 43 frames of sound (0.5 s
                                 * at 44.1 kHz with the default hop)
                                 * shows an instantaneous (panned) mix, the
                                 * sources come from an online spatial
                                 * demixing (sources <= channels) or from
                                 * masks by each bin's direction across the
                                 * channels (more sources than channels);
                                 * see nmf_separator_get_spatial.
                                 * Otherwise as OFF (the default) */
} nmf_spatial_mode;

/* The quality / latency trade-off, for blind kl separation (without
 * dictionaries; other configurations take the plain defaults). */
typedef enum
{
  NMF_PROFILE_NONE = 0,         /* the plain defaults below */
  NMF_PROFILE_LIVE = 1,         /* causal, best measured blind quality:
                                 * 20 components grouped into the sources,
                                 * 24 bands per octave, 4 iterations,
                                 * ratio masks, a window of 129 frames */
  NMF_PROFILE_FILE = 2          /* live with the default window (258
                                 * frames), and a look-ahead of two
                                 * windows (516 frames, 6 s at 44.1 kHz) */
} nmf_profile;

typedef struct
{
  int profile;                  /* nmf_profile: what the AUTO fields become
                                 * (at create, and again for the model's
                                 * fields when dictionaries change) */
  int algorithm;                /* nmf_algorithm */
  int channels;                 /* 1..NMF_SEPARATOR_MAX_CHANNELS */
  int sources;                  /* 1..NMF_SEPARATOR_MAX_SOURCES */
  int components;               /* NMF rank, >= sources without a
                                 * dictionary; with more components than
                                 * sources they are grouped into sources by
                                 * timbre.  AUTO: the profile's, or one per
                                 * blind source; PER_BLIND_SOURCE: one per
                                 * blind source */
  int fft_size;                 /* even, 32..32768 */
  int hop_size;                 /* 1..fft_size/2; AUTO: fft_size / 4 */
  int window_frames;            /* frames in the sliding window,
                                 * 1..NMF_SEPARATOR_MAX_WINDOW; AUTO: the
                                 * live profile's, or the default */
  int iterations;               /* multiplicative updates per hop,
                                 * 1..1000; AUTO: the profile's, or 15 */
  int mask_exponent;            /* 1 or 2; AUTO: the profile's, or 2 */
  uint64_t seed;                /* start of the templates */
  double regularization;        /* volmin: lambda in [0, 1], 0 = exact */
  int refresh_interval;         /* volmin: frames between model refreshes */
  int regroup_interval;         /* frames between regroupings of the
                                 * components into sources */
  int update_interval;          /* kl: frames between template updates */
  int lookahead_frames;         /* kl: frames a frame's masks wait for the
                                 * model (0..NMF_SEPARATOR_MAX_LOOKAHEAD),
                                 * 0: causal; AUTO: the profile's, or 0 */
  int bands_per_octave;         /* 0: the model sees every STFT bin; N in
                                 * 6..96: a log-frequency axis, bins kept
                                 * where they are already N per octave or
                                 * sparser, summed into 1/N-octave bands
                                 * above, each band's masks applying to all
                                 * its bins; AUTO: the profile's, or 0 */
  /* Dictionaries (supervised / semi-supervised, kl only): source s's
   * templates, column-major (fft_size / 2 + 1) x dictionary_components[s]
   * floats (nmf/dictionary.h), held fixed; NULL / 0 for a blind source.
   * Each template finite, >= 0 and not all zero (its scale does not
   * matter: it is normalised), or the check refuses it.  Copied at create.  `components` then counts the blind components
   * only (0 when every source has a dictionary). */
  const float *dictionaries[NMF_SEPARATOR_MAX_SOURCES];
  int dictionary_components[NMF_SEPARATOR_MAX_SOURCES];
  int spatial;                  /* nmf_spatial_mode */
} nmf_separator_config;

typedef struct nmf_separator nmf_separator;

#define NMF_SEPARATOR_DEFAULT_FFT_SIZE 2048
#define NMF_SEPARATOR_DEFAULT_WINDOW_FRAMES 258 /* ~3 s at 44.1 kHz, hop 512 */
#define NMF_SEPARATOR_LIVE_WINDOW_FRAMES 129    /* ~1.5 s: the live profile's */
#define NMF_SEPARATOR_DEFAULT_ITERATIONS 15
#define NMF_SEPARATOR_DEFAULT_MASK_EXPONENT 2
#define NMF_SEPARATOR_DEFAULT_SEED 0
#define NMF_SEPARATOR_DEFAULT_REFRESH_INTERVAL 16
#define NMF_SEPARATOR_DEFAULT_REGROUP_INTERVAL 16
#define NMF_SEPARATOR_DEFAULT_UPDATE_INTERVAL 1
#define NMF_SEPARATOR_DEFAULT_VOLUME_WEIGHT 0.01
#define NMF_SEPARATOR_DEFAULT_VOLUME_DELTA 1.0

/* Fills config with the defaults: 1 channel, 2 sources, fft_size 2048,
 * kl, spatial AUTO, no profile, and the profile-dependent fields (hop_size,
 * window_frames, components, iterations, mask_exponent,
 * lookahead_frames, bands_per_octave) AUTO: without a profile the window
 * becomes 258 frames. */
NMF_API void nmf_separator_config_init (nmf_separator_config * config);

/* Sets config->profile, and every field of config still at
 * NMF_SEPARATOR_AUTO to the value `profile` gives it (NMF_PROFILE_NONE, or a
 * configuration the profiles do not apply to - the exact volmin,
 * dictionaries - : the plain defaults); fields the caller set keep their
 * values.  Needs the fields the profile reads (algorithm, sources,
 * fft_size, dictionaries, window_frames unless AUTO) set first.  A caller may instead
 * set config->profile and leave the fields AUTO: nmf_separator_create
 * resolves them, and resolves the model's (components, iterations, mask
 * exponent) again when nmf_separator_set_dictionary changes the
 * dictionaries. */
NMF_API void nmf_separator_config_apply_profile (nmf_separator_config * config,
    nmf_profile profile);

/* The fields of nmf_separator_config, for a host to name the setting a
 * check refused in its own terms (a property, an option). */
typedef enum
{
  NMF_CONFIG_FIELD_NONE = 0,
  NMF_CONFIG_FIELD_ALGORITHM,
  NMF_CONFIG_FIELD_CHANNELS,
  NMF_CONFIG_FIELD_SOURCES,
  NMF_CONFIG_FIELD_COMPONENTS,
  NMF_CONFIG_FIELD_FFT_SIZE,
  NMF_CONFIG_FIELD_HOP_SIZE,
  NMF_CONFIG_FIELD_WINDOW_FRAMES,
  NMF_CONFIG_FIELD_ITERATIONS,
  NMF_CONFIG_FIELD_MASK_EXPONENT,
  NMF_CONFIG_FIELD_REGULARIZATION,
  NMF_CONFIG_FIELD_REFRESH_INTERVAL,
  NMF_CONFIG_FIELD_REGROUP_INTERVAL,
  NMF_CONFIG_FIELD_UPDATE_INTERVAL,
  NMF_CONFIG_FIELD_LOOKAHEAD_FRAMES,
  NMF_CONFIG_FIELD_BANDS_PER_OCTAVE,
  NMF_CONFIG_FIELD_DICTIONARIES,
  NMF_CONFIG_FIELD_SPATIAL,
  NMF_CONFIG_FIELD_PROFILE
} nmf_config_field;

/* NMF_OK, or NMF_ERR_INVALID_ARGUMENT with the offending field in *field
 * (may be NULL) and a message naming the setting and its value (settings
 * refused together name the one to change first).  Settings whose buffers
 * would take more than NMF_SEPARATOR_MAX_MEMORY bytes are refused too
 * (field: the window).  AUTO fields are checked as nmf_separator_create
 * would resolve them.  The message is "" on success. */
NMF_API nmf_status nmf_separator_check_config (const nmf_separator_config * config,
    nmf_config_field * field, char *message, size_t message_size);

/* *out is NULL on failure.  The configuration is checked as by
 * nmf_separator_check_config (the reason in message; "" on success); a
 * failure after the check (memory, an FFT plan) is named in message too. */
NMF_API nmf_status nmf_separator_create (nmf_separator ** out,
    const nmf_separator_config * config, char *message, size_t message_size);
NMF_API void nmf_separator_destroy (nmf_separator ** separator);

/* The configuration in force, every AUTO field resolved; its
 * dictionaries are NULL (the separator holds its own copies), their
 * template counts as given. */
NMF_API void nmf_separator_get_config (const nmf_separator * separator,
    nmf_separator_config * config);

/* Forget the stream (buffered input, overlap-add tail, the stream's
 * counters: samples, frames, mask frames; the counts of non-finite and
 * clamped samples and the model's go on from create).
 * keep_model = 1 (a seek within the stream, or back into the stream
 * nmf_separator_drain just ended) keeps the learned templates
 * and the spatial stage's model with its sources' places; 0 starts again
 * as a new separator of the same configuration would: the templates from
 * the seed, the spatial stage deciding again with no places remembered
 * from the mix before (nor from nmf_separator_continue_from), so that the
 * same input then gives the same output, sample for sample. */
NMF_API void nmf_separator_reset (nmf_separator * separator, int keep_model);

/* Values per mask frame: fft_size / 2 + 1. */
NMF_API size_t nmf_separator_bins (const nmf_separator * separator);
/* Input samples per frame. */
NMF_API size_t nmf_separator_hop_size (const nmf_separator * separator);
/* Samples the audio output runs behind the input: fft_size - hop_size,
 * plus lookahead_frames * hop_size. */
NMF_API size_t nmf_separator_delay (const nmf_separator * separator);

typedef enum
{
  NMF_OUTPUT_AUDIO = 0,
  NMF_OUTPUT_MASKS = 1
} nmf_output_kind;

/* The most input samples that go in before the output they complete comes
 * out (the latency a host reports): audio, the delay plus the hop that
 * completes a frame (fft_size + L * hop); masks, (L + 1) * hop. */
NMF_API size_t nmf_separator_latency (const nmf_separator * separator,
    nmf_output_kind kind);

typedef struct
{
  /* per source, a buffer of interleaved samples; NULL skips computing
   * the audio (the inverse STFT), for a whole stream (until drain or
   * reset): the overlap-add is not kept up meanwhile, so audio asked for
   * again mid-stream has its first fft_size - hop_size samples without
   * the share of the frames skipped (they fade in; counts and alignment
   * stay exact) */
  float *const *audio;
  /* per source, a buffer of bins floats per mask frame; NULL skips them */
  float *const *masks;
} nmf_separator_output;

/* Exactly how many samples (per channel and source) and mask frames the
 * next nmf_separator_process() of n_in samples will write. */
NMF_API size_t nmf_separator_pending_audio (const nmf_separator * separator,
    size_t n_in);
NMF_API size_t nmf_separator_pending_masks (const nmf_separator * separator,
    size_t n_in);

/* in: n_in interleaved frames of `channels` samples.  Writes the samples
 * and masks that become complete; their counts in *n_audio, *n_masks
 * (either pointer may be NULL). */
NMF_API nmf_status nmf_separator_process (nmf_separator * separator, const float *in,
    size_t n_in, const nmf_separator_output * out, size_t * n_audio,
    size_t * n_masks);

/* What nmf_separator_drain() will write. */
NMF_API size_t nmf_separator_drain_audio (const nmf_separator * separator);
NMF_API size_t nmf_separator_drain_masks (const nmf_separator * separator);

/* End of stream: pads the input with silence until every input sample has
 * come out, writes the rest (the last mask frame may cover a partial hop),
 * then resets the stream, keeping the factorization's model (the spatial
 * stage decides again when the next stream's first sample comes: it may
 * be another mix; a nmf_separator_reset with keep_model = 1 before it, a
 * seek back into the stream that ended, keeps it). */
NMF_API nmf_status nmf_separator_drain (nmf_separator * separator,
    const nmf_separator_output * out, size_t * n_audio, size_t * n_masks);

/* The same drain in parts, for a host that bounds its buffers (the
 * look-ahead's masks at hop_size 1 are gigabytes): each call writes at
 * most max_audio samples (at least hop_size) and at most max_masks mask
 * frames (at least 1; both limits count whether or not out asks for
 * them), the next of what nmf_separator_drain() writes, and sets *more
 * (may be NULL) to 1 while some is left.  The call that writes the last
 * ends the stream as nmf_separator_drain() does.  Until then every call
 * gives the same kind of output (audio or not), input is refused
 * (NMF_ERR_INVALID_ARGUMENT) and nmf_separator_drain_audio() /
 * nmf_separator_drain_masks() say what is left; nmf_separator_reset()
 * gives up what is left.  The parts together are what one drain writes,
 * sample for sample. */
NMF_API nmf_status nmf_separator_drain_part (nmf_separator * separator,
    const nmf_separator_output * out, size_t max_audio, size_t max_masks,
    size_t * n_audio, size_t * n_masks, int *more);

/* Settings that may change between two calls, mid-stream. */
NMF_API nmf_status nmf_separator_set_iterations (nmf_separator * separator,
    int iterations);
NMF_API nmf_status nmf_separator_set_mask_exponent (nmf_separator * separator,
    int exponent);

/* A flag of the host's (may be NULL: none) for a host that stops a
 * stream from another thread (a state change, a flushing seek): while
 * *cancel is not 0 (written atomically, e.g. with g_atomic_int_set or
 * __atomic_store_n) a volmin refresh under way in process or drain stops
 * between two of its linear programs, within milliseconds instead of the
 * second its work limit allows, and changes nothing: the model in force
 * stays, no failure is counted, and process / drain go on with it and
 * return NMF_OK, their output complete.  The refresh stays due and is
 * made once the flag is 0 again, which the host sees to before the
 * stream goes on.  kl has nothing to stop (its work per frame is
 * bounded). */
NMF_API void nmf_separator_set_cancel (nmf_separator * separator,
    const volatile int *cancel);

/* Called from process/drain once per mask frame (the frames that carry
 * input, as nmf_separator_pending_masks counts them), after its masks are
 * known: frame index since the stream start, the magnitude summed over
 * channels (bins), the masks (sources x bins), and each source's energy
 * in the frame, sum over channels and bins of |M_s X|^2 (forward-FFT
 * units).  NULL removes it.  The pointers are valid during the call,
 * which runs in the caller's floating-point mode (the separator flushes
 * denormals to zero only in its own arithmetic). */
typedef void (*nmf_separator_frame_func) (void *user_data, uint64_t frame,
    const float *magnitude, const float *masks, const double *energy);
NMF_API void nmf_separator_set_frame_observer (nmf_separator * separator,
    nmf_separator_frame_func func, void *user_data);

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
                                 * replaced a model stuck in a poor fit */
  const char *model_error;      /* the last failure's message, "" if none;
                                 * valid until the next process/drain */
} nmf_separator_stats;

NMF_API void nmf_separator_get_stats (const nmf_separator * separator,
    nmf_separator_stats * stats);

/* Enrolment: a source's dictionary learned from the stream while that
 * source plays alone.  From nmf_separator_enrol_start on, the magnitude of
 * every frame that enters (bins values, summed over channels, as
 * nmf_dictionary_learn takes them; frames holding a clamped sample are left
 * out) is kept, up to max_frames (at least 1; the buffer is allocated
 * here: an allocation at the caller's command, never in process;
 * NMF_ERR_INVALID_ARGUMENT for 0, NMF_ERR_NO_MEMORY when it cannot be
 * had).  The model is not
 * changed.  nmf_separator_enrol_stop ends the collection and hands back the
 * frames (row-major n_frames x bins, valid until the next enrol_start or
 * destroy) for the caller to learn from - nmf_dictionary_learn and
 * nmf_dictionary_shift, as `nmftool learn` does, in any thread - and to
 * install with nmf_separator_set_dictionary. */
NMF_API nmf_status nmf_separator_enrol_start (nmf_separator * separator,
    size_t max_frames);
NMF_API void nmf_separator_enrol_stop (nmf_separator * separator,
    const float **frames, size_t * n_frames);
/* Frames kept since enrol_start (0 when not enrolling). */
NMF_API size_t nmf_separator_enrol_frames (const nmf_separator * separator);

/* Installs (count > 0) or removes (count = 0) the dictionary of `source`
 * mid-stream: templates, column-major bins x count (copied), held fixed
 * from the next frame on, the other sources' learned templates kept.  The
 * delay and latency do not change.  kl only.  Rebuilds the model (an
 * allocation).  The configuration it makes is checked as by
 * nmf_separator_check_config: the message is "" on success, the reason
 * on failure. */
NMF_API nmf_status nmf_separator_set_dictionary (nmf_separator * separator,
    int source, const float *templates, size_t count, char *message,
    size_t message_size);
/* A separator made for a stream's new format goes on from the drained
 * `previous` one where the two agree: the model's learned blind templates
 * when the sample rate is the same (same_rate: the templates are
 * frequencies) and every setting of the model is the same (the channel
 * count may differ: the model sees their magnitudes summed), the grouping
 * of components into sources being made again; and the spatial sources'
 * directions, for the next separator with as many channels (the same mix,
 * demixed again, takes each source back to its place).  Call it before
 * the first frame.  NMF_OK, also when nothing could be carried over. */
NMF_API nmf_status nmf_separator_continue_from (nmf_separator * separator,
    nmf_separator * previous, int same_rate);

/* The dictionary of `source` in force (bins x *count, column-major), or
 * NULL with *count 0 for a blind source. */
NMF_API const float *nmf_separator_get_dictionary (const nmf_separator *
    separator, int source, size_t * count);

/* What the spatial demixing is doing. */
typedef enum
{
  NMF_SPATIAL_STATE_UNUSED = 0, /* spatial off, one channel or source, or
                                 * more than 8 channels */
  NMF_SPATIAL_STATE_LISTENING = 1,      /* deciding (the first 43 frames
                                         * of sound, 0.5 s at 44.1 kHz with
                                         * the default hop), or decided and
                                         * waiting to take over: the sources
                                         * come from the factorization
                                         * meanwhile */
  NMF_SPATIAL_STATE_ACTIVE = 2, /* the sources are the demixed images (or,
                                 * with more sources than channels, the
                                 * input masked by direction) */
  NMF_SPATIAL_STATE_NOT_INSTANTANEOUS = 3,      /* the channels differ by
                                                 * delays or reverberation
                                                 * (a room): factorization */
  NMF_SPATIAL_STATE_NOT_DIVERSE = 4     /* a panned mix, but the
                                         * channels carry fewer directions
                                         * than sources so far (a source
                                         * has not played yet, or one
                                         * signal is copied to both):
                                         * factorization until they do */
} nmf_spatial_state;

typedef struct
{
  int state;                    /* nmf_spatial_state */
  /* the instantaneous test's figure: the mean |imaginary part| of the
   * inter-channel coherence over the bins (0 for a panned mix, 0.25 and
   * more in a room; above 0.15 is a room) */
  double imaginary;
  /* how much the channels share over those frames: about 1 (chance) when
   * each carries other sources (panned hard apart), far more otherwise; at
   * most 3 is instantaneous whatever the imaginary part says */
  double shared;
  /* ACTIVE: each source's position along the channels, -1 (all in the
   * first channel) to +1 (all in the last): for stereo its pan p, left to
   * right, as the constant-power pan law (gL, gR) = (cos t, sin t),
   * t = (p + 1) pi / 4 places it (in general asin (c) * 2 / pi, c the
   * energy centroid of its mixing column over the channels) */
  double position[NMF_SEPARATOR_MAX_SOURCES];
  /* ACTIVE: 1 when the demixing is one per frequency bin (spaced
   * microphones, as many sources as channels: each source one delay
   * between the microphones), 0 for one matrix for every bin (a panned
   * mix) or masks by direction */
  int per_frequency;
  /* per_frequency: each source's delay from the first channel to the
   * second, in samples (positive: it reaches the second channel later) */
  double delay[NMF_SEPARATOR_MAX_SOURCES];
} nmf_separator_spatial;

/* Once per stream (after create, reset or drain) the demixing may take
 * over from the factorization: each demixed source takes the output of the
 * factorization's source it overlaps most, and keeps it, also when a mix
 * whose geometry changes is followed (each source on the output whose
 * direction is nearest its own). */
NMF_API void nmf_separator_get_spatial (const nmf_separator * separator,
    nmf_separator_spatial * spatial);

/* Model rank: components + the dictionaries' templates. */
NMF_API size_t nmf_separator_rank (const nmf_separator * separator);

/* Source of each of the rank components now (the dictionaries' components
 * come after the blind ones, source by source); NULL when every component
 * is its own source. */
NMF_API const int *nmf_separator_assignment (const nmf_separator * separator);

/* Values per frame the model sees: the bins, or the bands of the
 * log-frequency axis when bands_per_octave > 0. */
NMF_API size_t nmf_separator_model_bins (const nmf_separator * separator);

/* Column-major model_bins x rank templates in force now. */
NMF_API const float *nmf_separator_templates (const nmf_separator * separator);

#ifdef __cplusplus
}
#endif
#endif /* NMF_SEPARATOR_H */
