#include "separator.h"
#include "grouping.h"
#include "masks.h"
#include "nmf_error.h"
#include "online_kl.h"
#include "stft.h"
#include "volmin_stream.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#define NMF_HAVE_MXCSR 1
#endif

/* kl with more blind components than blind sources (grouped; sources with
 * a dictionary do not count): the window is re-fitted
 * 4 times per window length (nmf_online_kl_set_refreshes), since each
 * component follows a note or a phoneme and learns better from statistics
 * of the templates now in force.  File settings, main / held-out corpus,
 * means over seeds 0 - 2: 2.16 / 2.82 dB without, 2.56 / 3.13 with 4 (2.23
 * / 2.95 with 1, 2.36 / 3.26 with 8); causal 0.14 / 0.84 -> 0.22 / 1.01;
 * about 0.15 more of the speed ratio.  One component per source loses by
 * it (-1.80 / -0.57 -> -2.09 / -0.89): a template that stands for a whole
 * source does better averaged over past models.  README, "Window
 * re-fits". */
#define GROUPED_REFRESHES_PER_WINDOW 4

struct nmf_separator
{
  nmf_separator_config cfg;
  int bins;
  int delay;                    /* fft_size - hop_size */
  nmf_stft *stft;
  nmf_online_kl *model;         /* algorithm kl */
  nmf_volmin_stream *volmin;    /* algorithm volmin */
  nmf_grouping *grouping;       /* components > sources */
  float *source_models;         /* sources x bins: grouped models */
  double *mass;                 /* rank: activation mass (grouping) */
  float *group_scratch;         /* sources x padded rank, aligned */
  int rank;                     /* components + dictionary templates */
  int model_bins;               /* bins, or bands on a log-frequency axis */
  int *band_of;                 /* bins: band of each bin (bands only) */
  float *band_scale;            /* model_bins: 1 / bins in the band */
  float *band_magnitude;        /* model_bins: the frame on the band axis */
  float *band_masks;            /* sources x model_bins */
  float *bin_templates;         /* bins x rank: templates on the bin axis,
                                 * for the grouping's features */

  float *input;                 /* channels x fft_size: the current frame */
  int fill;                     /* new samples in the current hop */
  float *spectra;               /* channels x (2 * bins) */
  float *magnitude;             /* bins */
  float *activations;           /* components */
  float *models;                /* components x bins: each component's model */
  float *masks;                 /* sources x bins */
  float *mask_scratch;          /* sources x bins */
  float *masked;                /* 2 * bins */
  float *frame_out;             /* fft_size */
  float *ola;                   /* sources x channels x fft_size */

  uint64_t frames;              /* frames analysed since reset */
  uint64_t total_frames;        /* frames analysed since create */
  uint64_t sounding_frames;     /* of these, frames that were not silence */
  /* look-ahead (cfg.lookahead_frames = L > 0): the last L + 1 frames as
   * they entered - every channel's spectrum, the summed magnitude, the
   * model's view of it and its activations - so that a frame's masks can
   * be made L frames later, from the model in force then */
  float *ahead_spectra;         /* (L + 1) x channels x (2 * bins) */
  float *ahead_magnitude;       /* (L + 1) x bins */
  float *ahead_v;               /* (L + 1) x model_bins */
  float *ahead_h;               /* (L + 1) x rank */
  uint64_t samples_in;
  uint64_t samples_out;
  uint64_t masks_out;
  uint64_t non_finite;
  uint64_t clamped;
  /* the frame analysed when samples_in reaches this count is the last to
   * hold a clamped sample (-1: none since reset): such frames are
   * separated but not learned from */
  int64_t clamped_frames_end;
  float *silence;               /* model_bins zeros: what they are learned as */

  nmf_separator_frame_func observer;
  void *observer_data;
  double energy[NMF_SEPARATOR_MAX_SOURCES];
};

void
nmf_separator_config_init (nmf_separator_config * c)
{
  c->channels = 1;
  c->sources = 2;
  c->components = 2;
  c->fft_size = NMF_SEPARATOR_DEFAULT_FFT_SIZE;
  c->hop_size = NMF_SEPARATOR_DEFAULT_HOP_SIZE;
  c->window_frames = NMF_SEPARATOR_DEFAULT_WINDOW_FRAMES;
  c->iterations = NMF_SEPARATOR_DEFAULT_ITERATIONS;
  c->mask_exponent = NMF_SEPARATOR_DEFAULT_MASK_EXPONENT;
  c->seed = NMF_SEPARATOR_DEFAULT_SEED;
  c->algorithm = NMF_ALGORITHM_KL;
  c->regularization = 0.0;
  c->refresh_interval = NMF_SEPARATOR_DEFAULT_REFRESH_INTERVAL;
  c->regroup_interval = NMF_SEPARATOR_DEFAULT_REGROUP_INTERVAL;
  c->update_interval = NMF_SEPARATOR_DEFAULT_UPDATE_INTERVAL;
  c->bands_per_octave = NMF_SEPARATOR_DEFAULT_BANDS_PER_OCTAVE;
  c->lookahead_frames = NMF_SEPARATOR_DEFAULT_LOOKAHEAD_FRAMES;
  for (int s = 0; s < NMF_SEPARATOR_MAX_SOURCES; s++) {
    c->dictionaries[s] = NULL;
    c->dictionary_components[s] = 0;
  }
}

void
nmf_separator_config_for_live (nmf_separator_config * c)
{
  c->components = 20;
  c->bands_per_octave = 24;
  c->iterations = 4;
  c->lookahead_frames = 0;
  c->mask_exponent = 1;
}

void
nmf_separator_config_for_files (nmf_separator_config * c)
{
  /* two windows: the model has learned a whole window past the frame, and
   * (tests/bench/quality) one window of look-ahead does less well, a
   * longer window with the same look-ahead no better */
  long lookahead = 2L * (c->window_frames > 0 ? c->window_frames : 0);

  nmf_separator_config_for_live (c);
  c->lookahead_frames = (int) (lookahead < NMF_SEPARATOR_MAX_LOOKAHEAD ?
      lookahead : NMF_SEPARATOR_MAX_LOOKAHEAD);
}

/* Sources with a dictionary, and the templates they bring. */
static int
count_dictionaries (const nmf_separator_config * c, int *templates)
{
  int n = 0, t = 0;
  for (int s = 0; s < c->sources && s < NMF_SEPARATOR_MAX_SOURCES; s++)
    if (c->dictionary_components[s] > 0) {
      n++;
      t += c->dictionary_components[s];
    }
  if (templates)
    *templates = t;
  return n;
}

/* The log-frequency axis: bin f (frequency f / fft_size in cycles per
 * sample) keeps a band of its own while bins are no denser than
 * bands_per_octave per octave, i.e. below f_split = 1 / (2^(1/N) - 1) bins;
 * above, band b covers [f_split 2^(b/N), f_split 2^((b+1)/N)).  Bands no
 * bin falls in are skipped.  Returns the number of bands, band_of filled
 * (bins entries). */
static int
make_bands (int bins, int per_octave, int *band_of)
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

/* bins values -> model_bins values: each band the sum of its bins */
static void
pool_to_bands (const nmf_separator * sep, const float *bins, float *bands)
{
  memset (bands, 0, sizeof (float) * sep->model_bins);
  for (int f = 0; f < sep->bins; f++)
    bands[sep->band_of[f]] += bins[f];
}

/* model_bins values -> bins values: each bin its band's value, or with
 * `spread` that value shared evenly among the band's bins */
static void
spread_to_bins (const nmf_separator * sep, const float *bands, float *bins,
    int spread)
{
  for (int f = 0; f < sep->bins; f++) {
    int b = sep->band_of[f];
    bins[f] = spread ? bands[b] * sep->band_scale[b] : bands[b];
  }
}

/* Bytes the large buffers of a separator with this (valid) configuration
 * take: the window statistics, the look-ahead ring, the volmin window and
 * its solver, the overlap-add state.  The small fixed-size state is left
 * out. */
static double
memory_estimate (const nmf_separator_config * c)
{
  const double F = c->fft_size / 2 + 1;
  const double MB = c->bands_per_octave > 0 ?
      make_bands (c->fft_size / 2 + 1, c->bands_per_octave, NULL) : F;
  const double C = c->channels, S = c->sources, N = c->fft_size;
  const double W = c->window_frames, L = c->lookahead_frames;
  int dict_templates = 0;
  double R, bytes;

  count_dictionaries (c, &dict_templates);
  R = c->components + dict_templates;
  bytes = 4.0 * (S * C * N + 3.0 * C * N + S * F * 4.0 + R * MB * 6.0);
  if (c->algorithm == NMF_ALGORITHM_KL) {
    /* per block of update_interval frames its statistics, per frame its
     * spectrum and activations */
    double m = c->update_interval, blocks = ceil (W / m);
    bytes += 4.0 * (MB * R * blocks + R * blocks + (R + MB) * blocks * m);
  } else {
    /* the window as floats and doubles, the solver's copies */
    bytes += MB * W * (4.0 + 3.0 * 8.0) + R * W * 8.0 * 8.0;
  }
  bytes += 4.0 * (L + 1.0) * (C * 2.0 * F + F + MB + R);
  return bytes;
}

#define FAIL(...) do { snprintf (message, size, __VA_ARGS__); goto fail; } \
  while (0)

int
nmf_separator_check_config (const nmf_separator_config * c, char *message,
    size_t size)
{
  char scratch[2];
  int dict_templates = 0, n_dict = 0, bad_dict = 0;

  if (!message || size == 0) {
    message = scratch;
    size = sizeof scratch;
  }
  message[0] = '\0';
  if (!c)
    FAIL ("no configuration");
  for (int s = 0; s < NMF_SEPARATOR_MAX_SOURCES; s++)
    if (c->dictionary_components[s] < 0
        || c->dictionary_components[s] > 1024
        || (c->dictionary_components[s] > 0) != (c->dictionaries[s] != NULL)
        || (s >= c->sources && c->dictionary_components[s] > 0))
      bad_dict = 1;
  n_dict = count_dictionaries (c, &dict_templates);

  if (c->channels < 1 || c->channels > NMF_SEPARATOR_MAX_CHANNELS)
    FAIL ("channels (%d) must be between 1 and %d", c->channels,
        NMF_SEPARATOR_MAX_CHANNELS);
  if (c->sources < 1 || c->sources > NMF_SEPARATOR_MAX_SOURCES)
    FAIL ("n-sources (%d) must be between 1 and %d", c->sources,
        NMF_SEPARATOR_MAX_SOURCES);
  if (bad_dict)
    FAIL ("dictionaries: each source needs 0 to 1024 templates, with the "
        "templates given exactly when their count is not 0");
  if (n_dict == 0 && c->components < c->sources)
    FAIL ("components (%d) must be at least n-sources (%d)", c->components,
        c->sources);
  if (n_dict > 0 && c->components < c->sources - n_dict)
    FAIL ("components (%d) must be at least the number of sources without "
        "a dictionary (%d)", c->components, c->sources - n_dict);
  if (n_dict > 0 && c->algorithm != NMF_ALGORITHM_KL)
    FAIL ("dictionaries need algorithm kl");
  if (c->components + dict_templates > 1024)
    FAIL ("components (%d, with the dictionaries' templates) must be at "
        "most 1024", c->components + dict_templates);
  if (c->fft_size < 32 || c->fft_size > 32768 || c->fft_size % 2)
    FAIL ("fft-size (%d) must be even and between 32 and 32768",
        c->fft_size);
  if (c->hop_size < 1 || c->hop_size > c->fft_size / 2)
    FAIL ("hop-size (%d) must be between 1 and fft-size / 2 (%d): with "
        "fft-size %d set hop-size too, e.g. to fft-size / 4 (%d)",
        c->hop_size, c->fft_size / 2, c->fft_size,
        c->fft_size / 4 > 0 ? c->fft_size / 4 : 1);
  if (c->window_frames < 1 || c->window_frames > NMF_SEPARATOR_MAX_WINDOW)
    FAIL ("window-frames (%d) must be between 1 and %d", c->window_frames,
        NMF_SEPARATOR_MAX_WINDOW);
  if (c->update_interval < 1 || c->update_interval > c->window_frames)
    FAIL ("update-interval (%d) must be between 1 and window-frames (%d)",
        c->update_interval, c->window_frames);
  if (c->iterations < 1 || c->iterations > 1000)
    FAIL ("iterations (%d) must be between 1 and 1000", c->iterations);
  if (c->mask_exponent != 1 && c->mask_exponent != 2)
    FAIL ("mask-exponent (%d) must be 1 or 2", c->mask_exponent);
  if (c->algorithm != NMF_ALGORITHM_KL && c->algorithm != NMF_ALGORITHM_VOLMIN)
    FAIL ("algorithm must be kl or volmin");
  if (c->algorithm == NMF_ALGORITHM_VOLMIN
      && c->window_frames < 2 * c->components)
    FAIL ("window-frames (%d) must be at least 2 * components (%d) for "
        "volmin", c->window_frames, 2 * c->components);
  if (!(c->regularization >= 0.0 && c->regularization <= 1.0))
    FAIL ("regularization (%g) must be between 0 and 1", c->regularization);
  if (c->refresh_interval < 1 || c->refresh_interval > 100000)
    FAIL ("refresh-interval (%d) must be between 1 and 100000",
        c->refresh_interval);
  if (c->regroup_interval < 1 || c->regroup_interval > 100000)
    FAIL ("regroup-interval (%d) must be between 1 and 100000",
        c->regroup_interval);
  if (c->lookahead_frames < 0
      || c->lookahead_frames > NMF_SEPARATOR_MAX_LOOKAHEAD)
    FAIL ("lookahead-frames (%d) must be between 0 and %d",
        c->lookahead_frames, NMF_SEPARATOR_MAX_LOOKAHEAD);
  if (c->lookahead_frames > 0 && c->algorithm != NMF_ALGORITHM_KL)
    FAIL ("lookahead-frames needs algorithm=kl");
  if (c->bands_per_octave != 0
      && (c->bands_per_octave < 6 || c->bands_per_octave > 96))
    FAIL ("bands-per-octave (%d) must be 0 or between 6 and 96",
        c->bands_per_octave);
  if (c->algorithm == NMF_ALGORITHM_VOLMIN) {
    int model_bins = c->bands_per_octave > 0 ?
        make_bands (c->fft_size / 2 + 1, c->bands_per_octave, NULL) :
        c->fft_size / 2 + 1;
    if (c->components > model_bins)
      FAIL ("components (%d) must be at most the number of frequency bins "
          "(bands with bands-per-octave: %d) for volmin", c->components,
          model_bins);
  }
  double bytes = memory_estimate (c);
  if (bytes > NMF_SEPARATOR_MAX_MEMORY)
    FAIL ("these settings need about %.0f MiB of memory, more than the "
        "limit of %.0f MiB: lower window-frames (%d), lookahead-frames (%d) "
        "or components (%d), or use fewer channels (%d)",
        bytes / 1048576.0, NMF_SEPARATOR_MAX_MEMORY / 1048576.0,
        c->window_frames, c->lookahead_frames, c->components, c->channels);
  return NMF_OK;

fail:
  return NMF_ERR_INVALID_ARGUMENT;
}

#undef FAIL

int
nmf_separator_create (nmf_separator ** out, const nmf_separator_config * cfg)
{
  nmf_separator *sep;
  int ret;
  size_t C, S, N, F;

  if (!out)
    return NMF_ERR_INVALID_ARGUMENT;
  *out = NULL;
  if ((ret = nmf_separator_check_config (cfg, NULL, 0)) != NMF_OK)
    return ret;

  sep = calloc (1, sizeof (*sep));
  if (!sep)
    return NMF_ERR_NO_MEMORY;
  sep->cfg = *cfg;
  sep->bins = cfg->fft_size / 2 + 1;
  sep->delay = cfg->fft_size - cfg->hop_size
      + cfg->lookahead_frames * cfg->hop_size;
  C = cfg->channels;
  S = cfg->sources;
  N = cfg->fft_size;
  F = sep->bins;
  int dict_templates = 0;
  int n_dict = count_dictionaries (cfg, &dict_templates);
  sep->rank = cfg->components + dict_templates;
  const int R = sep->rank;
  /* the configuration keeps no pointers to the caller's dictionaries */
  for (int s = 0; s < NMF_SEPARATOR_MAX_SOURCES; s++)
    sep->cfg.dictionaries[s] = NULL;

  sep->model_bins = sep->bins;
  if (cfg->bands_per_octave > 0) {
    sep->band_of = calloc (F, sizeof (int));
    if (!sep->band_of) {
      nmf_separator_destroy (&sep);
      return NMF_ERR_NO_MEMORY;
    }
    sep->model_bins = make_bands (sep->bins, cfg->bands_per_octave,
        sep->band_of);
    sep->band_scale = calloc (sep->model_bins, sizeof (float));
    sep->band_magnitude = calloc (sep->model_bins, sizeof (float));
    sep->band_masks = calloc (S * sep->model_bins, sizeof (float));
    if (!sep->band_scale || !sep->band_magnitude || !sep->band_masks) {
      nmf_separator_destroy (&sep);
      return NMF_ERR_NO_MEMORY;
    }
    for (size_t f = 0; f < F; f++)
      sep->band_scale[sep->band_of[f]] += 1.0f;
    for (int b = 0; b < sep->model_bins; b++)
      sep->band_scale[b] = 1.0f / sep->band_scale[b];
  }
  const int MB = sep->model_bins;

  if ((ret = nmf_stft_create (&sep->stft, cfg->fft_size, cfg->hop_size))
      != NMF_OK
      || (cfg->algorithm == NMF_ALGORITHM_KL
          && (ret = nmf_online_kl_create (&sep->model, MB,
                  R, cfg->window_frames, cfg->iterations,
                  cfg->seed)) != NMF_OK)
      || (sep->model
          && (ret = nmf_online_kl_set_update_interval (sep->model,
                  cfg->update_interval)) != NMF_OK)
      || (sep->model && cfg->components > cfg->sources - n_dict
          && (ret = nmf_online_kl_set_refreshes (sep->model,
                  GROUPED_REFRESHES_PER_WINDOW)) != NMF_OK)
      || (cfg->algorithm == NMF_ALGORITHM_VOLMIN
          && (ret = nmf_volmin_stream_create (&sep->volmin, MB,
                  cfg->components, cfg->window_frames, cfg->refresh_interval,
                  cfg->regularization, cfg->seed)) != NMF_OK)) {
    nmf_separator_destroy (&sep);
    return ret;
  }
  /* dictionaries: after the blind components, source by source, fixed */
  for (int s = 0, first = cfg->components; s < cfg->sources; s++) {
    int ks = cfg->dictionary_components[s];
    if (ks <= 0)
      continue;
    const float *dict = cfg->dictionaries[s];
    float *pooled = NULL;
    if (sep->band_of) {
      /* the templates on the band axis: sums over each band's bins */
      pooled = calloc ((size_t) MB * ks, sizeof (float));
      if (!pooled) {
        nmf_separator_destroy (&sep);
        return NMF_ERR_NO_MEMORY;
      }
      for (int k = 0; k < ks; k++)
        pool_to_bands (sep, dict + (size_t) k * F, pooled + (size_t) k * MB);
      dict = pooled;
    }
    ret = nmf_online_kl_set_templates (sep->model, first, ks, dict, 1);
    free (pooled);
    if (ret != NMF_OK) {
      nmf_separator_destroy (&sep);
      return ret;
    }
    first += ks;
  }
  if (R > cfg->sources || n_dict > 0) {
    nmf_grouping_config gc;
    nmf_grouping_config_init (&gc, sep->bins, R, cfg->sources);
    gc.seed = cfg->seed;
    if ((ret = nmf_grouping_create (&sep->grouping, &gc)) != NMF_OK) {
      nmf_separator_destroy (&sep);
      return ret;
    }
    if (n_dict > 0) {
      unsigned char blind[NMF_SEPARATOR_MAX_SOURCES];
      for (int s = 0, first = cfg->components; s < cfg->sources; s++) {
        int ks = cfg->dictionary_components[s];
        blind[s] = ks == 0;
        for (int k = first; k < first + ks; k++)
          nmf_grouping_pin (sep->grouping, k, s);
        first += ks;
      }
      nmf_grouping_set_blind_sources (sep->grouping, blind);
    }
    sep->source_models = calloc (S * MB, sizeof (float));
    sep->mass = calloc (R, sizeof (double));
    if (sep->band_of && !(sep->bin_templates = calloc (F * R, sizeof (float)))) {
      nmf_separator_destroy (&sep);
      return NMF_ERR_NO_MEMORY;
    }
    int kp = sep->model ? nmf_online_kl_padded_components (sep->model) : R;
    sep->group_scratch = aligned_alloc (32,
        (sizeof (float) * S * kp + 31) / 32 * 32);
    if (!sep->source_models || !sep->mass || !sep->group_scratch) {
      nmf_separator_destroy (&sep);
      return NMF_ERR_NO_MEMORY;
    }
  }
  if (cfg->lookahead_frames > 0) {
    const size_t slots = (size_t) cfg->lookahead_frames + 1;
    sep->ahead_spectra = calloc (slots * C * 2 * F, sizeof (float));
    sep->ahead_magnitude = calloc (slots * F, sizeof (float));
    sep->ahead_v = calloc (slots * MB, sizeof (float));
    sep->ahead_h = calloc (slots * R, sizeof (float));
    if (!sep->ahead_spectra || !sep->ahead_magnitude || !sep->ahead_v
        || !sep->ahead_h) {
      nmf_separator_destroy (&sep);
      return NMF_ERR_NO_MEMORY;
    }
  }
  sep->input = calloc (C * N, sizeof (float));
  sep->spectra = calloc (C * 2 * F, sizeof (float));
  sep->magnitude = calloc (F, sizeof (float));
  sep->activations = calloc (R, sizeof (float));
  sep->models = calloc ((size_t) R * MB, sizeof (float));
  sep->masks = calloc (S * F, sizeof (float));
  sep->mask_scratch = calloc (S * (F > (size_t) MB ? F : (size_t) MB),
      sizeof (float));
  sep->masked = calloc (2 * F, sizeof (float));
  sep->frame_out = calloc (N, sizeof (float));
  sep->ola = calloc (S * C * N, sizeof (float));
  sep->silence = calloc (MB, sizeof (float));
  sep->clamped_frames_end = -1;
  if (!sep->input || !sep->spectra || !sep->magnitude || !sep->activations
      || !sep->models || !sep->masks || !sep->mask_scratch || !sep->masked || !sep->frame_out
      || !sep->ola || !sep->silence) {
    nmf_separator_destroy (&sep);
    return NMF_ERR_NO_MEMORY;
  }
  *out = sep;
  return NMF_OK;
}

void
nmf_separator_destroy (nmf_separator ** sepp)
{
  nmf_separator *sep;

  if (!sepp || !*sepp)
    return;
  sep = *sepp;
  nmf_stft_destroy (&sep->stft);
  nmf_online_kl_destroy (&sep->model);
  nmf_volmin_stream_destroy (&sep->volmin);
  nmf_grouping_destroy (&sep->grouping);
  free (sep->source_models);
  free (sep->band_of);
  free (sep->band_scale);
  free (sep->band_magnitude);
  free (sep->band_masks);
  free (sep->bin_templates);
  free (sep->mass);
  free (sep->group_scratch);
  free (sep->input);
  free (sep->spectra);
  free (sep->ahead_spectra);
  free (sep->ahead_magnitude);
  free (sep->ahead_v);
  free (sep->ahead_h);
  free (sep->magnitude);
  free (sep->activations);
  free (sep->models);
  free (sep->masks);
  free (sep->mask_scratch);
  free (sep->masked);
  free (sep->frame_out);
  free (sep->ola);
  free (sep->silence);
  free (sep);
  *sepp = NULL;
}

void
nmf_separator_reset (nmf_separator * sep, int keep_model)
{
  const nmf_separator_config *c = &sep->cfg;

  memset (sep->input, 0, sizeof (float) * c->channels * c->fft_size);
  memset (sep->ola, 0,
      sizeof (float) * c->sources * c->channels * c->fft_size);
  sep->fill = 0;
  sep->frames = 0;
  sep->samples_in = 0;
  sep->samples_out = 0;
  sep->masks_out = 0;
  sep->clamped_frames_end = -1;
  if (sep->model)
    nmf_online_kl_reset (sep->model, keep_model);
  if (sep->volmin)
    nmf_volmin_stream_reset (sep->volmin, keep_model);
  if (sep->grouping && !keep_model)
    nmf_grouping_reset (sep->grouping);
}

int
nmf_separator_bins (const nmf_separator * sep)
{
  return sep->bins;
}

int
nmf_separator_model_bins (const nmf_separator * sep)
{
  return sep->model_bins;
}

int
nmf_separator_delay (const nmf_separator * sep)
{
  return sep->delay;
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

/* Components > sources: regroup every regroup_interval frames of sound
 * (from the templates and activation mass in force), advance the mask
 * ramps, and sum the component models into per-source models through the
 * membership matrix.  `learned` is the frame the model learns from now:
 * silence, as it leaves the model as it was, leaves the grouping as it was
 * too, so what follows is grouped as if it had not been. */
static void
group_models (nmf_separator * sep, const float *learned)
{
  const nmf_separator_config *c = &sep->cfg;
  const int K = sep->rank, S = c->sources, F = sep->model_bins;
  const int sounding = !nmf_online_kl_is_silence (learned, F);

  if (sounding && ++sep->sounding_frames % (uint64_t) c->regroup_interval == 0) {
    const float *W;
    if (sep->model) {
      W = nmf_online_kl_templates (sep->model);
      nmf_online_kl_activation_mass (sep->model, sep->mass);
    } else {
      /* volmin: W_k carries component k's energy over the window */
      W = nmf_volmin_stream_templates (sep->volmin);
      for (int k = 0; k < K; k++) {
        double m = 0.0;
        for (int f = 0; f < F; f++)
          m += W[(size_t) k * F + f] > 0.0f ? W[(size_t) k * F + f] : 0.0f;
        sep->mass[k] = m;
      }
    }
    double total = 0.0;
    for (int k = 0; k < K; k++)
      total += sep->mass[k];
    if (total > 0.0) {
      if (sep->band_of) {
        /* the grouping's features read templates on the bin axis */
        for (int k = 0; k < K; k++)
          spread_to_bins (sep, W + (size_t) k * F,
              sep->bin_templates + (size_t) k * sep->bins, 1);
        W = sep->bin_templates;
      }
      nmf_grouping_update (sep->grouping, W, sep->mass);
    }
  }
  if (sounding)
    nmf_grouping_step (sep->grouping);

  const float *G = nmf_grouping_membership (sep->grouping);
  if (sep->model) {
    nmf_online_kl_group_spectra (sep->model, sep->activations, G, S,
        sep->source_models, sep->group_scratch);
    return;
  }
  memset (sep->source_models, 0, sizeof (float) * (size_t) S * F);
  for (int k = 0; k < K; k++) {
    const float *m = sep->models + (size_t) k * F;
    for (int s = 0; s < S; s++) {
      float g = G[(size_t) k * S + s];
      if (g == 0.0f)
        continue;
      float *p = sep->source_models + (size_t) s * F;
      for (int f = 0; f < F; f++)
        p[f] += g * m[f];
    }
  }
}

/* Each source's energy in the frame, sum over channels and bins of
 * |M_s X_c|^2 (in the units of the forward FFT), and the observer's call. */
static void
notify_observer (nmf_separator * sep)
{
  const int C = sep->cfg.channels, S = sep->cfg.sources, F = sep->bins;

  for (int s = 0; s < S; s++) {
    const float *mask = sep->masks + (size_t) s * F;
    double e = 0.0;
    for (int ch = 0; ch < C; ch++) {
      const float *spec = sep->spectra + (size_t) ch * 2 * F;
      for (int f = 0; f < F; f++) {
        double re = spec[2 * f], im = spec[2 * f + 1];
        e += (re * re + im * im) * mask[f] * mask[f];
      }
    }
    sep->energy[s] = e;
  }
  sep->observer (sep->observer_data, sep->masks_out, sep->magnitude,
      sep->masks, sep->energy);
}

/* Frame v's activations in h.  A frame learned as silence (`learned` is
 * not v) leaves the model's state alone, its warm start included: it is
 * fitted with nmf_online_kl_refit, from h as it stands. */
static void
fit_activations (nmf_separator * sep, const float *v, const float *learned,
    float *h)
{
  if (learned == v)
    nmf_online_kl_activate (sep->model, v, h);
  else
    nmf_online_kl_refit (sep->model, v, h, sep->cfg.iterations);
}

/* Look-ahead (lookahead_frames = L > 0): frame v (the model's view of the
 * frame now in sep->spectra / sep->magnitude) is kept in the ring, and
 * *learned (v, or silence for a frame not learned from) joins the window;
 * the frame that entered L frames ago is put in its place - spectra,
 * magnitude, activations re-fitted with the templates in force - and its
 * model view returned (before that frame exists, silence).  *learned is
 * then the stored copy of v (or stays silence), for the grouping's
 * rhythm. */
static const float *
look_ahead (nmf_separator * sep, const float *v, const float **learned)
{
  const int L = sep->cfg.lookahead_frames, R = sep->rank;
  const int C = sep->cfg.channels, F = sep->bins, MB = sep->model_bins;
  const size_t spec = (size_t) C * 2 * F;
  const size_t slot = sep->frames % (uint64_t) (L + 1);
  float *h = sep->ahead_h + slot * R;

  fit_activations (sep, v, *learned, h);
  nmf_online_kl_learn (sep->model, *learned, h);
  memcpy (sep->ahead_spectra + slot * spec, sep->spectra,
      sizeof (float) * spec);
  memcpy (sep->ahead_magnitude + slot * F, sep->magnitude,
      sizeof (float) * F);
  memcpy (sep->ahead_v + slot * MB, v, sizeof (float) * MB);
  if (*learned == v)
    *learned = sep->ahead_v + slot * MB;
  if (sep->frames < (uint64_t) L) {
    memset (sep->spectra, 0, sizeof (float) * spec);
    memset (sep->magnitude, 0, sizeof (float) * F);
    memset (sep->activations, 0, sizeof (float) * R);
    return sep->magnitude;      /* silence (model_bins <= bins) */
  }
  const size_t then = (sep->frames - (uint64_t) L) % (uint64_t) (L + 1);
  memcpy (sep->spectra, sep->ahead_spectra + then * spec,
      sizeof (float) * spec);
  memcpy (sep->magnitude, sep->ahead_magnitude + then * F,
      sizeof (float) * F);
  memcpy (sep->activations, sep->ahead_h + then * R, sizeof (float) * R);
  nmf_online_kl_refit (sep->model, sep->ahead_v + then * MB,
      sep->activations, sep->cfg.iterations);
  return sep->ahead_v + then * MB;
}

/* Analyse the frame now in sep->input, emit the mask of the frame it
 * completes - itself, or with look-ahead the frame L before it - if that
 * frame's index is below `mask_limit`, and the hop of audio it completes
 * (samples at or after the stream start, before `audio_limit`). */
static void
process_frame (nmf_separator * sep, const nmf_separator_output * out,
    int64_t audio_limit, uint64_t mask_limit, size_t * n_audio,
    size_t * n_masks)
{
  const nmf_separator_config *c = &sep->cfg;
  const int C = c->channels, S = c->sources, N = c->fft_size, H =
      c->hop_size, F = sep->bins;

  /* magnitude summed over channels */
  memset (sep->magnitude, 0, sizeof (float) * F);
  for (int ch = 0; ch < C; ch++) {
    float *spec = sep->spectra + (size_t) ch * 2 * F;
    nmf_stft_forward (sep->stft, sep->input + (size_t) ch * N, spec);
    for (int f = 0; f < F; f++) {
      double re = spec[2 * f], im = spec[2 * f + 1];
      sep->magnitude[f] += (float) sqrt (re * re + im * im);
    }
  }

  /* the frame as the model sees it: every bin, or summed into bands */
  const int MB = sep->model_bins;
  const float *v = sep->magnitude;
  float *model_masks = sep->masks;
  if (sep->band_of) {
    pool_to_bands (sep, sep->magnitude, sep->band_magnitude);
    v = sep->band_magnitude;
    model_masks = sep->band_masks;
  }

  if (sep->model) {
    /* causal: the mask comes from the model in force when the frame
     * enters, then the frame joins the window; with look-ahead the frame
     * joins the window first and the mask is that of an earlier frame.  A
     * frame holding a clamped sample - garbage, not audio - joins it as
     * silence, so that it leaves the model and the grouping as they were
     * (after a clipped burst 1e15 times louder than the sound, a model that
     * learned it could come back with templates that mix the sources). */
    const float *learned =
        (int64_t) sep->samples_in <= sep->clamped_frames_end ? sep->silence : v;
    if (c->lookahead_frames > 0)
      v = look_ahead (sep, v, &learned);
    else
      fit_activations (sep, v, learned, sep->activations);
    if (!sep->grouping)
      nmf_online_kl_spectra (sep->model, sep->activations, sep->models);
    else
      group_models (sep, learned);
    if (c->lookahead_frames == 0)
      nmf_online_kl_learn (sep->model, learned, sep->activations);
  } else {
    /* a frame the model cannot take (magnitudes overflowing to Inf) comes
     * back with zero spectra: an even split for that frame */
    nmf_volmin_stream_push (sep->volmin, v, sep->models);
  }
  if (sep->grouping) {
    if (!sep->model)
      group_models (sep, v);
    nmf_masks_compute (sep->source_models, MB, S, NULL, S,
        c->mask_exponent, model_masks, sep->mask_scratch);
  } else {
    nmf_masks_compute (sep->models, MB, c->components, NULL, S,
        c->mask_exponent, model_masks, sep->mask_scratch);
  }
  if (sep->band_of)
    for (int s = 0; s < S; s++)
      spread_to_bins (sep, sep->band_masks + (size_t) s * MB,
          sep->masks + (size_t) s * F, 0);

  const uint64_t L = (uint64_t) c->lookahead_frames;
  const int emit_mask = sep->frames >= L && sep->frames - L < mask_limit;
  if (sep->observer && emit_mask)
    notify_observer (sep);

  if (out && out->masks && emit_mask) {
    for (int s = 0; s < S; s++)
      memcpy (out->masks[s] + (size_t) (*n_masks) * F,
          sep->masks + (size_t) s * F, sizeof (float) * F);
  }
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

    for (int s = 0; s < S; s++) {
      const float *mask = sep->masks + (size_t) s * F;
      float *dst = out->audio[s] + (size_t) (*n_audio) * C;
      for (int ch = 0; ch < C; ch++) {
        const float *spec = sep->spectra + (size_t) ch * 2 * F;
        float *ola = sep->ola + ((size_t) s * C + ch) * N;
        for (int f = 0; f < F; f++) {
          sep->masked[2 * f] = spec[2 * f] * mask[f];
          sep->masked[2 * f + 1] = spec[2 * f + 1] * mask[f];
        }
        nmf_stft_inverse (sep->stft, sep->masked, sep->frame_out);
        for (int i = 0; i < N; i++)
          ola[i] += sep->frame_out[i];
        for (int i = first; i < last; i++)
          dst[(size_t) (i - first) * C + ch] = ola[i];
        memmove (ola, ola + H, sizeof (float) * (N - H));
        memset (ola + N - H, 0, sizeof (float) * H);
      }
    }
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
  sep->total_frames++;
  /* slide the frame by one hop */
  for (int ch = 0; ch < C; ch++) {
    float *in = sep->input + (size_t) ch * N;
    memmove (in, in + H, sizeof (float) * (N - H));
  }
  sep->fill = 0;
}

/* Append up to one hop's worth of input; returns how many frames were taken */
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

#ifdef NMF_HAVE_MXCSR
/* Flush denormals to zero inside the separator only: decaying overlap-add
 * tails and multiplicative updates would otherwise crawl through denormal
 * arithmetic.  The caller's floating-point mode is restored on return. */
#define DENORMALS_OFF(saved) \
  unsigned int saved = _mm_getcsr (); _mm_setcsr (saved | 0x8040)
#define DENORMALS_RESTORE(saved) _mm_setcsr (saved)
#else
#define DENORMALS_OFF(saved) (void) 0
#define DENORMALS_RESTORE(saved) (void) 0
#endif

int
nmf_separator_process (nmf_separator * sep, const float *in, size_t n_in,
    const nmf_separator_output * out, size_t * n_audio, size_t * n_masks)
{
  size_t audio = 0, masks = 0;

  if (!sep || (!in && n_in > 0))
    return NMF_ERR_INVALID_ARGUMENT;

  DENORMALS_OFF (saved);
  while (n_in > 0) {
    size_t took = take_input (sep, in, n_in);
    in += took * sep->cfg.channels;
    n_in -= took;
    sep->samples_in += took;
    if (sep->fill == sep->cfg.hop_size)
      process_frame (sep, out, INT64_MAX, UINT64_MAX, &audio, &masks);
  }
  DENORMALS_RESTORE (saved);

  if (n_audio)
    *n_audio = audio;
  if (n_masks)
    *n_masks = masks;
  return NMF_OK;
}

int
nmf_separator_drain (nmf_separator * sep, const nmf_separator_output * out,
    size_t * n_audio, size_t * n_masks)
{
  size_t audio = 0, masks = 0;

  if (!sep)
    return NMF_ERR_INVALID_ARGUMENT;

  const int H = sep->cfg.hop_size;
  uint64_t total = sep->samples_in;
  /* frames needed: every input sample out, and a mask for every hop that
   * holds input */
  uint64_t need_audio = out && out->audio ? ceil_div (total + sep->delay, H)
      : 0;
  uint64_t need_masks = ceil_div (total, H);
  uint64_t need = need_masks + (uint64_t) sep->cfg.lookahead_frames;
  if (need_audio > need)
    need = need_audio;

  DENORMALS_OFF (saved);
  while (sep->frames < need) {
    take_input (sep, NULL, (size_t) (H - sep->fill));
    process_frame (sep, out, (int64_t) total, need_masks, &audio, &masks);
  }
  DENORMALS_RESTORE (saved);
  nmf_separator_reset (sep, 1);

  if (n_audio)
    *n_audio = audio;
  if (n_masks)
    *n_masks = masks;
  return NMF_OK;
}

int
nmf_separator_set_iterations (nmf_separator * sep, int iterations)
{
  int ret;

  if (iterations < 1 || iterations > 1000)
    return NMF_ERR_INVALID_ARGUMENT;
  if (sep->model
      && (ret = nmf_online_kl_set_iterations (sep->model, iterations))
      != NMF_OK)
    return ret;
  sep->cfg.iterations = iterations;
  return NMF_OK;
}

int
nmf_separator_set_mask_exponent (nmf_separator * sep, int exponent)
{
  if (exponent != 1 && exponent != 2)
    return NMF_ERR_INVALID_ARGUMENT;
  sep->cfg.mask_exponent = exponent;
  return NMF_OK;
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
  stats->model_refreshes = 0;
  stats->model_failures = 0;
  stats->model_restarts = sep->model ? nmf_online_kl_restarts (sep->model) : 0;
  stats->model_error = "";
  if (sep->volmin) {
    nmf_volmin_stream_stats vs;
    if (nmf_volmin_stream_get_stats (sep->volmin, &vs) == NMF_OK) {
      stats->model_refreshes = vs.refreshes;
      stats->model_failures = vs.failures;
      stats->model_error = vs.last_error ? vs.last_error : "";
    }
  }
}

int
nmf_separator_rank (const nmf_separator * sep)
{
  return sep->rank;
}

const int *
nmf_separator_assignment (const nmf_separator * sep)
{
  return sep->grouping ? nmf_grouping_assignment (sep->grouping) : NULL;
}

const float *
nmf_separator_templates (const nmf_separator * sep)
{
  return sep->model ? nmf_online_kl_templates (sep->model) :
      nmf_volmin_stream_templates (sep->volmin);
}
