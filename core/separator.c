/* The streaming separator: input framing and sanitising, the STFT, the
 * model (model.h) on the model's frequency axis, masks or the spatial
 * stage's images (spatial.h), the look-ahead ring of the frames waiting for
 * their masks, the sources' synthesis, and the sample accounting that makes
 * exactly as many samples come out as go in.  What the model holds (the
 * dictionaries, enrolment): separator_model.c. */
#include "separator_private.h"

#include "config.h"
#include "hungarian.h"
#include "masks.h"
#include "message.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#define NMF_HAVE_MXCSR 1
#endif

nmf_status
nmf_separator_create (nmf_separator ** out, const nmf_separator_config * config,
    char *message, size_t message_size)
{
  nmf_separator *sep;
  nmf_separator_config c;
  int ret;

  if (!out)
    return nmf_fail (message, message_size, NMF_ERR_INVALID_ARGUMENT,
        "out (where the separator goes) is NULL");
  *out = NULL;
  if ((ret = nmf_separator_check_config (config, NULL, message, message_size))
      != NMF_OK)
    return ret;
  nmf_config_resolved (config, &c);

  sep = calloc (1, sizeof (*sep));
  if (!sep)
    return nmf_fail (message, message_size, NMF_ERR_NO_MEMORY,
        "cannot create the separator: %s", nmf_strerror (NMF_ERR_NO_MEMORY));
  sep->cfg = c;
  sep->bins = c.fft_size / 2 + 1;
  sep->requested = *config;
  /* the configuration keeps no pointers to the caller's dictionaries: the
   * separator's own copies, which the model is built from */
  ret = NMF_ERR_NO_MEMORY;
  for (int s = 0; s < NMF_SEPARATOR_MAX_SOURCES; s++) {
    const size_t n = (size_t) sep->bins * c.dictionary_components[s];
    sep->cfg.dictionaries[s] = NULL;
    sep->requested.dictionaries[s] = NULL;
    if (n == 0 || s >= c.sources)
      continue;
    if (!(sep->dictionary[s] = malloc (sizeof (float) * n)))
      goto fail;
    memcpy (sep->dictionary[s], c.dictionaries[s], sizeof (float) * n);
    c.dictionaries[s] = sep->dictionary[s];
  }
  sep->delay = c.fft_size - c.hop_size + c.lookahead_frames * c.hop_size;
  sep->use_bands = c.bands_per_octave > 0;
  sep->model_bins = sep->bins;
  sep->clamped_frames_end = -1;

  const size_t C = c.channels, S = c.sources, N = c.fft_size, F = sep->bins;
  if (sep->use_bands) {
    if ((ret = nmf_band_axis_init (&sep->axis, sep->bins,
                c.bands_per_octave)) != NMF_OK)
      goto fail;
    sep->model_bins = sep->axis.bands;
  }
  const size_t MB = sep->model_bins;
  const nmf_band_axis *axis = sep->use_bands ? &sep->axis : NULL;

  if ((ret = nmf_stft_create (&sep->stft, c.fft_size, c.hop_size)) != NMF_OK
      || (ret = c.algorithm == NMF_ALGORITHM_KL ?
          nmf_model_kl_create (&sep->model, &c, axis) :
          nmf_model_volmin_create (&sep->model, &c, axis)) != NMF_OK
      || (ret = nmf_synthesis_init (&sep->synthesis, c.sources, c.channels,
              c.fft_size, c.hop_size)) != NMF_OK)
    goto fail;
  ret = NMF_ERR_NO_MEMORY;
  if (c.spatial == NMF_SPATIAL_AUTO && c.channels >= 2
      && c.channels <= NMF_SPATIAL_MAX_CHANNELS && c.sources >= 2) {
    nmf_spatial_params sp;
    nmf_spatial_params_init (&sp);
    sp.window_hops = (c.fft_size + c.hop_size - 1) / c.hop_size;
    /* a block of the look-ahead for a demixing per bin, fitted before the
     * first frame it holds is released: the file profile's */
    nmf_spatial_params_plan_block (&sp, c.channels, sep->bins, c.fft_size,
        c.hop_size, c.lookahead_frames);
    if ((ret = nmf_spatial_create (&sep->spatial, c.channels, c.sources,
                sep->bins, &sp)) != NMF_OK)
      goto fail;
    ret = NMF_ERR_NO_MEMORY;
    if (!(sep->images = calloc (S * C * 2 * F, sizeof (float))))
      goto fail;
  }
  ret = NMF_ERR_NO_MEMORY;
  if (c.lookahead_frames > 0) {
    const size_t slots = (size_t) c.lookahead_frames + 1;
    if (!(sep->ahead_spectra = calloc (slots * C * 2 * F, sizeof (float)))
        || !(sep->ahead_magnitude = calloc (slots * F, sizeof (float)))
        || !(sep->ahead_stamp = calloc (slots, sizeof (uint64_t))))
      goto fail;
  }
  if (sep->use_bands
      && (!(sep->band_magnitude = calloc (MB, sizeof (float)))
          || !(sep->model_masks = calloc (S * MB, sizeof (float)))))
    goto fail;
  sep->input = calloc (C * N, sizeof (float));
  sep->spectra = calloc (C * 2 * F, sizeof (float));
  sep->magnitude = calloc (F, sizeof (float));
  sep->source_models = calloc (S * MB, sizeof (float));
  sep->masks = calloc (S * F, sizeof (float));
  sep->mask_scratch = calloc (S * F, sizeof (float));
  if (!sep->input || !sep->spectra || !sep->magnitude || !sep->source_models
      || !sep->masks || !sep->mask_scratch)
    goto fail;
  *out = sep;
  return NMF_OK;

fail:
  nmf_separator_destroy (&sep);
  /* the parts (STFT, model, synthesis, spatial stage) say only what failed */
  return nmf_fail (message, message_size, ret,
      "cannot create the separator: %s", nmf_strerror (ret));
}

void
nmf_separator_destroy (nmf_separator ** sepp)
{
  nmf_separator *sep;

  if (!sepp || !*sepp)
    return;
  sep = *sepp;
  nmf_stft_destroy (&sep->stft);
  if (sep->model)
    sep->model->ops->destroy (sep->model);
  nmf_band_axis_clear (&sep->axis);
  nmf_synthesis_clear (&sep->synthesis);
  nmf_spatial_destroy (&sep->spatial);
  free (sep->images);
  for (int s = 0; s < NMF_SEPARATOR_MAX_SOURCES; s++)
    free (sep->dictionary[s]);
  free (sep->enrol_frames);
  free (sep->band_magnitude);
  free (sep->source_models);
  free (sep->model_masks);
  free (sep->masks);
  free (sep->mask_scratch);
  free (sep->input);
  free (sep->spectra);
  free (sep->magnitude);
  free (sep->ahead_spectra);
  free (sep->ahead_magnitude);
  free (sep->ahead_stamp);
  free (sep);
  *sepp = NULL;
}

void
nmf_separator_get_config (const nmf_separator * sep,
    nmf_separator_config * config)
{
  *config = sep->cfg;
}

/* a new stream may be another mix: decide again */
static void
forget_spatial (nmf_separator * sep)
{
  if (sep->spatial)
    nmf_spatial_reset (sep->spatial);
  sep->took_over = 0;
  sep->spatial_ended = 0;
}

/* A drained stream's spatial stage is forgotten once what follows is
 * known to be another stream (its first sample, or the next separator
 * taking its directions), not at the drain: a flushing seek after the end
 * (a player seeking back into a file it played to the end) is the same
 * mix, and keeps it as a seek before the end does. */
void
nmf_separator_settle_spatial (nmf_separator * sep)
{
  if (sep->spatial_ended)
    forget_spatial (sep);
}

void
nmf_separator_reset (nmf_separator * sep, int keep_model)
{
  memset (sep->input, 0,
      sizeof (float) * sep->cfg.channels * sep->cfg.fft_size);
  nmf_synthesis_reset (&sep->synthesis);
  sep->fill = 0;
  sep->frames = 0;
  sep->samples_in = 0;
  sep->samples_out = 0;
  sep->masks_out = 0;
  sep->draining = 0;
  sep->clamped_frames_end = -1;
  sep->model->ops->reset (sep->model, keep_model);
  /* a seek within the stream (keep_model) leaves the channels' geometry
   * as it was: the spatial stage keeps its model and its sources' places
   * (deciding again would match them to the factorization's masks of
   * before the take-over, which may have had them the other way round) */
  if (!keep_model) {
    forget_spatial (sep);
    /* as a new separator: no places remembered from the mix before (the
     * demixing would put its sources where that mix had them, where a
     * new separator matches them to the factorization's) */
    if (sep->spatial)
      nmf_spatial_forget_previous (sep->spatial);
    sep->carried_channels = 0;
  } else {
    /* (also into a stream that was drained: the same mix) */
    sep->spatial_ended = 0;
    if (sep->spatial)
      nmf_spatial_window_restarted (sep->spatial);
  }
}

/* The released frame's sources come from the spatial demixing. */
static int
spatial_active (const nmf_separator * sep)
{
  return sep->spatial
      && (nmf_spatial_get_fit (sep->spatial) == NMF_SPATIAL_FITS
      || nmf_spatial_get_fit (sep->spatial) == NMF_SPATIAL_DELAYS);
}

void
nmf_separator_get_spatial (const nmf_separator * sep,
    nmf_separator_spatial * info)
{
  memset (info, 0, sizeof (*info));
  if (!sep->spatial)
    return;
  /* drained: a next stream decides again (a seek back keeps it) */
  if (sep->spatial_ended) {
    info->state = NMF_SPATIAL_STATE_LISTENING;
    return;
  }
  info->imaginary = nmf_spatial_imaginary (sep->spatial);
  info->shared = nmf_spatial_shared (sep->spatial);
  switch (nmf_spatial_get_fit (sep->spatial)) {
    case NMF_SPATIAL_UNDECIDED:
      info->state = NMF_SPATIAL_STATE_LISTENING;
      break;
    case NMF_SPATIAL_FITS:
    case NMF_SPATIAL_DELAYS:
      /* decided, but the frames leaving are still the factorization's
       * until a released frame with sound lets the demixing take over */
      if (!sep->took_over) {
        info->state = NMF_SPATIAL_STATE_LISTENING;
        break;
      }
      info->state = NMF_SPATIAL_STATE_ACTIVE;
      nmf_spatial_positions (sep->spatial, info->position);
      info->per_frequency = nmf_spatial_delays (sep->spatial, info->delay);
      break;
    case NMF_SPATIAL_NOT_INSTANTANEOUS:
      info->state = NMF_SPATIAL_STATE_NOT_INSTANTANEOUS;
      break;
    case NMF_SPATIAL_NOT_DIVERSE:
      info->state = NMF_SPATIAL_STATE_NOT_DIVERSE;
      break;
  }
}

size_t
nmf_separator_bins (const nmf_separator * sep)
{
  return (size_t) sep->bins;
}

size_t
nmf_separator_model_bins (const nmf_separator * sep)
{
  return (size_t) sep->model_bins;
}

size_t
nmf_separator_hop_size (const nmf_separator * sep)
{
  return (size_t) sep->cfg.hop_size;
}

size_t
nmf_separator_delay (const nmf_separator * sep)
{
  return (size_t) sep->delay;
}

size_t
nmf_separator_latency (const nmf_separator * sep, nmf_output_kind kind)
{
  const size_t hop = (size_t) sep->cfg.hop_size;

  return kind == NMF_OUTPUT_MASKS ?
      hop * ((size_t) sep->cfg.lookahead_frames + 1) :
      (size_t) sep->delay + hop;
}

/* Audio samples complete once `frames` frames have been analysed: frame j
 * ends with input sample (j + 1) * hop - 1, and output runs `delay` behind. */
static uint64_t
audio_complete (const nmf_separator * sep, uint64_t frames)
{
  uint64_t done = frames * (uint64_t) sep->cfg.hop_size;
  return done > (uint64_t) sep->delay ? done - sep->delay : 0;
}

size_t
nmf_separator_pending_audio (const nmf_separator * sep, size_t n_in)
{
  uint64_t frames = sep->frames + (sep->fill + (uint64_t) n_in)
      / sep->cfg.hop_size;
  return (size_t) (audio_complete (sep, frames) - sep->samples_out);
}

/* Mask frames complete once `frames` frames have been analysed: with
 * look-ahead, the first L frames complete none. */
static uint64_t
masks_complete (const nmf_separator * sep, uint64_t frames)
{
  uint64_t L = (uint64_t) sep->cfg.lookahead_frames;
  return frames > L ? frames - L : 0;
}

size_t
nmf_separator_pending_masks (const nmf_separator * sep, size_t n_in)
{
  uint64_t frames = sep->frames + (sep->fill + (uint64_t) n_in)
      / sep->cfg.hop_size;
  return (size_t) (masks_complete (sep, frames)
      - masks_complete (sep, sep->frames));
}

static uint64_t
ceil_div (uint64_t a, uint64_t b)
{
  return (a + b - 1) / b;
}

size_t
nmf_separator_drain_audio (const nmf_separator * sep)
{
  return (size_t) (sep->samples_in - sep->samples_out);
}

size_t
nmf_separator_drain_masks (const nmf_separator * sep)
{
  return (size_t) (ceil_div (sep->samples_in, sep->cfg.hop_size)
      - sep->masks_out);
}

#ifdef NMF_HAVE_MXCSR
/* Flush denormals to zero inside the separator only: decaying overlap-add
 * tails and multiplicative updates would otherwise crawl through denormal
 * arithmetic.  The caller's floating-point mode is restored on return, and
 * is the one the frame observer runs in. */
#define DENORMALS_OFF(sep) do { (sep)->caller_fp_mode = _mm_getcsr (); \
    DENORMALS_RESUME (sep); } while (0)
#define DENORMALS_RESUME(sep) _mm_setcsr ((sep)->caller_fp_mode | 0x8040)
#define DENORMALS_RESTORE(sep) _mm_setcsr ((sep)->caller_fp_mode)
#else
#define DENORMALS_OFF(sep) (void) 0
#define DENORMALS_RESUME(sep) (void) 0
#define DENORMALS_RESTORE(sep) (void) 0
#endif

/* Each source's energy in the frame, sum over channels and bins of
 * |M_s X_c|^2 (in the units of the forward FFT), and the observer's call. */
static void
notify_observer (nmf_separator * sep)
{
  const int C = sep->cfg.channels, S = sep->cfg.sources, F = sep->bins;

  for (int s = 0; s < S; s++) {
    const float *mask = sep->masks + (size_t) s * F;
    double e = 0.0;
    if (sep->took_over) {
      const float *img = sep->images + (size_t) s * C * 2 * F;
      for (int i = 0; i < C * 2 * F; i++)
        e += (double) img[i] * img[i];
      sep->energy[s] = e;
      continue;
    }
    for (int ch = 0; ch < C; ch++) {
      const float *spec = sep->spectra + (size_t) ch * 2 * F;
      for (int f = 0; f < F; f++) {
        double re = spec[2 * f], im = spec[2 * f + 1];
        e += (re * re + im * im) * mask[f] * mask[f];
      }
    }
    sep->energy[s] = e;
  }
  DENORMALS_RESTORE (sep);
  sep->observer (sep->observer_data, sep->masks_out, sep->magnitude,
      sep->masks, sep->energy);
  DENORMALS_RESUME (sep);
}

/* Look-ahead: the frame now in sep->spectra / sep->magnitude joins the
 * ring, and the frame that entered L frames ago takes its place (silence
 * before it exists). */
static void
swap_in_released_frame (nmf_separator * sep)
{
  const int L = sep->cfg.lookahead_frames;
  const size_t spec = (size_t) sep->cfg.channels * 2 * sep->bins;
  const size_t F = sep->bins;
  const size_t slot = sep->frames % (uint64_t) (L + 1);

  memcpy (sep->ahead_spectra + slot * spec, sep->spectra,
      sizeof (float) * spec);
  memcpy (sep->ahead_magnitude + slot * F, sep->magnitude, sizeof (float) * F);
  if (sep->spatial)
    sep->ahead_stamp[slot] = nmf_spatial_stamp (sep->spatial);
  if (sep->frames < (uint64_t) L) {
    memset (sep->spectra, 0, sizeof (float) * spec);
    memset (sep->magnitude, 0, sizeof (float) * F);
    return;
  }
  const size_t then = (sep->frames - (uint64_t) L) % (uint64_t) (L + 1);
  memcpy (sep->spectra, sep->ahead_spectra + then * spec,
      sizeof (float) * spec);
  memcpy (sep->magnitude, sep->ahead_magnitude + then * F, sizeof (float) * F);
  sep->released_stamp = sep->ahead_stamp[then];
}

/* The demixing takes over: when it was in force before (the stream ended
 * or started again), each source takes the place of the one in the same
 * direction then; otherwise its outputs are put in the places of the
 * factorization's sources they overlap most in the released frame (masks
 * against the demixing's energy shares, weighted by the magnitude), so
 * that a source that was already separated keeps its output.  Once per
 * stream. */
static int
take_over_sources (nmf_separator * sep)
{
  const int S = sep->cfg.sources, F = sep->bins;
  double cost[NMF_SEPARATOR_MAX_SOURCES * NMF_SEPARATOR_MAX_SOURCES];
  double overlap = 0.0;
  size_t perm[NMF_SEPARATOR_MAX_SOURCES];

  nmf_spatial_images (sep->spatial, sep->spectra, sep->images,
      sep->mask_scratch);
  /* the same mix again (a replay after the end, a new stream of the same
   * geometry): each source where the one in its direction was */
  if (nmf_spatial_match_previous (sep->spatial, perm)) {
    nmf_spatial_permute (sep->spatial, perm);
    return 1;
  }
  for (int o = 0; o < S; o++)
    for (int d = 0; d < S; d++) {
      double v = 0.0;
      for (int f = 0; f < F; f++)
        v += (double) sep->masks[(size_t) o * F + f]
            * sep->mask_scratch[(size_t) d * F + f] * sep->magnitude[f];
      cost[o * S + d] = -v;
      overlap += v;
    }
  /* a silent released frame (before the first input with look-ahead, or
   * a pause) says nothing about who is who: wait for one with sound */
  if (!(overlap > 0.0))
    return 0;
  /* source o takes demixing output perm[o] */
  double work[NMF_ASSIGNMENT_WORK (NMF_SEPARATOR_MAX_SOURCES)];
  if (nmf_assignment_solve_in (work, cost, (size_t) S, perm, NULL) == NMF_OK)
    nmf_spatial_permute (sep->spatial, perm);
  return 1;
}

/* Analyse the frame now in sep->input, emit the mask of the frame it
 * releases - itself, or with look-ahead the frame L before it - if that
 * frame's index is below `mask_limit`, and the hop of audio it completes
 * (samples at or after the stream start, before `audio_limit`). */
static void
process_frame (nmf_separator * sep, const nmf_separator_output * out,
    int64_t audio_limit, uint64_t mask_limit, size_t * n_audio,
    size_t * n_masks)
{
  const nmf_separator_config *c = &sep->cfg;
  const int C = c->channels, S = c->sources, N = c->fft_size, H =
      c->hop_size, F = sep->bins, MB = sep->model_bins;

  /* magnitude summed over channels */
  memset (sep->magnitude, 0, sizeof (float) * F);
  for (int ch = 0; ch < C; ch++) {
    float *spec = sep->spectra + (size_t) ch * 2 * F;
    nmf_stft_forward (sep->stft, sep->input + (size_t) ch * N, spec);
    nmf_stft_add_magnitude (spec, F, sep->magnitude);
  }

  /* the frame as the model sees it: every bin, or summed into bands.  A
   * frame holding a clamped sample - garbage, not audio - is not learned
   * from (after a clipped burst 1e15 times louder than the sound, a model
   * that learned it could come back with templates that mix the sources). */
  const float *v = sep->magnitude;
  if (sep->use_bands) {
    nmf_band_axis_pool (&sep->axis, sep->magnitude, sep->band_magnitude);
    v = sep->band_magnitude;
  }
  const int learn = (int64_t) sep->samples_in > sep->clamped_frames_end;
  if (sep->enrolling && learn && sep->enrol_n < sep->enrol_capacity)
    memcpy (sep->enrol_frames + sep->enrol_n++ * (size_t) F, sep->magnitude,
        sizeof (float) * F);
  const int was_spatial = sep->took_over;
  if (sep->spatial && learn)
    nmf_spatial_update (sep->spatial, sep->spectra);
  if (sep->spatial)
    sep->released_stamp = nmf_spatial_stamp (sep->spatial);
  /* once the demixing is in force the factorization is not needed (it
   * resumes from where it stopped if a new stream is not a panned mix);
   * the frame where it takes over still has the factorization's masks, for
   * the demixing's outputs to take the sources' places */
  int spatial = spatial_active (sep);
  const int switching = spatial && !was_spatial;
  if (!spatial || switching)
    sep->model->ops->process (sep->model, v, learn, sep->source_models);
  /* after the model has read the entering frame (v may be sep->magnitude) */
  if (c->lookahead_frames > 0)
    swap_in_released_frame (sep);

  if (!spatial || switching) {
    float *model_masks = sep->use_bands ? sep->model_masks : sep->masks;
    nmf_masks_compute (sep->source_models, MB, S, NULL, S, c->mask_exponent,
        model_masks, sep->mask_scratch);
    if (sep->use_bands)
      for (int s = 0; s < S; s++)
        nmf_band_axis_spread (&sep->axis, model_masks + (size_t) s * MB,
            sep->masks + (size_t) s * F, 0);
  }
  if (switching && !(sep->took_over = take_over_sources (sep)))
    spatial = 0;                /* the factorization's masks this frame */
  if (spatial)
    /* the images of the released frame; its "masks" are each source's
     * share of the bin's energy */
    nmf_spatial_images_at (sep->spatial, sep->released_stamp,
        sep->spectra, sep->images, sep->masks);

  const uint64_t L = (uint64_t) c->lookahead_frames;
  const int emit_mask = sep->frames >= L && sep->frames - L < mask_limit;
  if (sep->observer && emit_mask)
    notify_observer (sep);
  if (out && out->masks && emit_mask)
    for (int s = 0; s < S; s++)
      memcpy (out->masks[s] + (size_t) (*n_masks) * F,
          sep->masks + (size_t) s * F, sizeof (float) * F);
  if (emit_mask) {
    (*n_masks)++;
    sep->masks_out++;
  }

  if (out && out->audio) {
    /* this frame completes output samples [t0, t0 + hop) */
    int64_t t0 = (int64_t) sep->frames * H - sep->delay;
    int first = t0 < 0 ? (int) -t0 : 0;
    int last = H;
    if (t0 + H > audio_limit)
      last = (int) (audio_limit - t0);
    if (last < first)
      last = first;
    if (spatial)
      nmf_synthesis_frame_images (&sep->synthesis, sep->stft, sep->images,
          out->audio, *n_audio, first, last);
    else
      nmf_synthesis_frame (&sep->synthesis, sep->stft, sep->spectra,
          sep->masks, out->audio, *n_audio, first, last);
    *n_audio += last - first;
    sep->samples_out += last - first;
  } else {
    /* keep the sample count honest even when audio is not computed */
    uint64_t done = audio_complete (sep, sep->frames + 1);
    if ((int64_t) done > audio_limit)
      done = audio_limit;
    if (done > sep->samples_out)
      sep->samples_out = done;
  }

  sep->frames++;
  /* slide the frame by one hop */
  for (int ch = 0; ch < C; ch++) {
    float *in = sep->input + (size_t) ch * N;
    memmove (in, in + H, sizeof (float) * (N - H));
  }
  sep->fill = 0;
}

/* Append up to one hop's worth of input; returns how many frames were
 * taken.  NaN / Inf become silence, samples beyond the bound are clamped
 * (and their frames not learned from). */
static size_t
take_input (nmf_separator * sep, const float *in, size_t n)
{
  const int C = sep->cfg.channels, N = sep->cfg.fft_size, H =
      sep->cfg.hop_size;
  size_t take = (size_t) (H - sep->fill);
  if (take > n)
    take = n;

  for (int ch = 0; ch < C; ch++) {
    float *dst = sep->input + (size_t) ch * N + (N - H) + sep->fill;
    if (in) {
      for (size_t i = 0; i < take; i++) {
        float x = in[i * C + ch];
        if (!isfinite (x)) {
          x = 0.0f;
          sep->non_finite++;
        } else if (fabsf (x) > NMF_SEPARATOR_MAX_SAMPLE) {
          x = x > 0.0f ? NMF_SEPARATOR_MAX_SAMPLE : -NMF_SEPARATOR_MAX_SAMPLE;
          sep->clamped++;
          /* the frames ending within fft_size samples after it hold it */
          sep->clamped_frames_end = (int64_t) (sep->samples_in + i) + N;
        }
        dst[i] = x;
      }
    } else {
      memset (dst, 0, sizeof (float) * take);
    }
  }
  sep->fill += (int) take;
  return take;
}

nmf_status
nmf_separator_process (nmf_separator * sep, const float *in, size_t n_in,
    const nmf_separator_output * out, size_t * n_audio, size_t * n_masks)
{
  size_t audio = 0, masks = 0;

  /* (nor input into a stream a drain in parts has padded with silence) */
  if (!sep || (!in && n_in > 0) || (sep->draining && n_in > 0))
    return NMF_ERR_INVALID_ARGUMENT;

  if (n_in > 0)
    nmf_separator_settle_spatial (sep);
  DENORMALS_OFF (sep);
  while (n_in > 0) {
    size_t took = take_input (sep, in, n_in);
    in += took * sep->cfg.channels;
    n_in -= took;
    sep->samples_in += took;
    if (sep->fill == sep->cfg.hop_size)
      process_frame (sep, out, INT64_MAX, UINT64_MAX, &audio, &masks);
  }
  DENORMALS_RESTORE (sep);

  if (n_audio)
    *n_audio = audio;
  if (n_masks)
    *n_masks = masks;
  return NMF_OK;
}

nmf_status
nmf_separator_drain_part (nmf_separator * sep,
    const nmf_separator_output * out, size_t max_audio, size_t max_masks,
    size_t * n_audio, size_t * n_masks, int *more)
{
  size_t audio = 0, masks = 0;

  if (!sep || max_audio < (size_t) sep->cfg.hop_size || max_masks < 1)
    return NMF_ERR_INVALID_ARGUMENT;

  const int H = sep->cfg.hop_size;
  uint64_t total = sep->samples_in;
  /* frames needed: every input sample out, and a mask for every hop that
   * holds input (none at all for a stream without input: the end still
   * resets it) */
  uint64_t need_audio = out && out->audio ? ceil_div (total + sep->delay, H)
      : 0;
  uint64_t need_masks = ceil_div (total, H);
  uint64_t need = total == 0 ? 0 :
      need_masks + (uint64_t) sep->cfg.lookahead_frames;
  if (need_audio > need)
    need = need_audio;

  DENORMALS_OFF (sep);
  /* a frame writes at most a hop of audio and one mask frame */
  while (sep->frames < need && audio + (size_t) H <= max_audio
      && masks < max_masks) {
    take_input (sep, NULL, (size_t) (H - sep->fill));
    process_frame (sep, out, (int64_t) total, need_masks, &audio, &masks);
  }
  DENORMALS_RESTORE (sep);
  sep->draining = sep->frames < need;
  if (!sep->draining) {
    nmf_separator_reset (sep, 1);
    /* the next stream may be another mix: decided again at its first
     * sample (settle_spatial) */
    sep->spatial_ended = 1;
  }

  if (n_audio)
    *n_audio = audio;
  if (n_masks)
    *n_masks = masks;
  if (more)
    *more = sep->draining;
  return NMF_OK;
}

nmf_status
nmf_separator_drain (nmf_separator * sep, const nmf_separator_output * out,
    size_t * n_audio, size_t * n_masks)
{
  return nmf_separator_drain_part (sep, out, SIZE_MAX, SIZE_MAX, n_audio,
      n_masks, NULL);
}

nmf_status
nmf_separator_set_iterations (nmf_separator * sep, int iterations)
{
  int ret;

  if (!sep || iterations < 1 || iterations > 1000)
    return NMF_ERR_INVALID_ARGUMENT;
  if ((ret = sep->model->ops->set_iterations (sep->model, iterations))
      != NMF_OK)
    return ret;
  sep->cfg.iterations = iterations;
  sep->requested.iterations = iterations;
  return NMF_OK;
}

nmf_status
nmf_separator_set_mask_exponent (nmf_separator * sep, int exponent)
{
  if (!sep || (exponent != 1 && exponent != 2))
    return NMF_ERR_INVALID_ARGUMENT;
  sep->cfg.mask_exponent = exponent;
  sep->requested.mask_exponent = exponent;
  return NMF_OK;
}

void
nmf_separator_set_cancel (nmf_separator * sep, const volatile int *cancel)
{
  /* kl's work per frame is bounded by its iterations: nothing to stop */
  if (sep->cfg.algorithm == NMF_ALGORITHM_VOLMIN)
    nmf_model_volmin_set_cancel (sep->model, cancel);
}

void
nmf_separator_set_frame_observer (nmf_separator * sep,
    nmf_separator_frame_func func, void *user_data)
{
  sep->observer = func;
  sep->observer_data = user_data;
}

void
nmf_separator_get_stats (const nmf_separator * sep,
    nmf_separator_stats * stats)
{
  stats->samples_in = sep->samples_in;
  stats->samples_out = sep->samples_out;
  stats->masks_out = sep->masks_out;
  stats->frames = sep->frames;
  stats->non_finite_samples = sep->non_finite;
  stats->clamped_samples = sep->clamped;
  sep->model->ops->stats (sep->model, stats);
}

