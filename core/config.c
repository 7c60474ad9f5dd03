#include "config.h"
#include "logfreq.h"
#include "templates.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define AUTO NMF_SEPARATOR_AUTO

void
nmf_separator_config_init (nmf_separator_config * c)
{
  memset (c, 0, sizeof (*c));
  c->algorithm = NMF_ALGORITHM_KL;
  c->channels = 1;
  c->sources = 2;
  c->components = AUTO;
  c->fft_size = NMF_SEPARATOR_DEFAULT_FFT_SIZE;
  c->hop_size = AUTO;
  c->window_frames = AUTO;
  c->iterations = AUTO;
  c->mask_exponent = AUTO;
  c->seed = NMF_SEPARATOR_DEFAULT_SEED;
  c->regularization = 0.0;
  c->refresh_interval = NMF_SEPARATOR_DEFAULT_REFRESH_INTERVAL;
  c->regroup_interval = NMF_SEPARATOR_DEFAULT_REGROUP_INTERVAL;
  c->update_interval = NMF_SEPARATOR_DEFAULT_UPDATE_INTERVAL;
  c->lookahead_frames = AUTO;
  c->bands_per_octave = AUTO;
  c->spatial = NMF_SPATIAL_AUTO;
}

/* Sources with a dictionary, and the templates they bring. */
int
nmf_config_count_dictionaries (const nmf_separator_config * c, int *templates)
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

/* The profiles were measured for blind kl: volmin and dictionaries take
 * the plain defaults. */
static int
profile_applies (const nmf_separator_config * c)
{
  return c->algorithm == NMF_ALGORITHM_KL
      && nmf_config_count_dictionaries (c, NULL) == 0;
}

#define SET_AUTO(field, value) \
  do { if (c->field == AUTO) c->field = (value); } while (0)

void
nmf_separator_config_apply_profile (nmf_separator_config * c,
    nmf_profile profile)
{
  c->profile = profile;
  if (profile != NMF_PROFILE_NONE && profile_applies (c)) {
    /* without look-ahead a frame is masked by templates that have not
     * learned it: a shorter window follows new notes sooner
     * (docs/experiments.md, the live profile's window) */
    SET_AUTO (window_frames, profile == NMF_PROFILE_LIVE ?
        NMF_SEPARATOR_LIVE_WINDOW_FRAMES : NMF_SEPARATOR_DEFAULT_WINDOW_FRAMES);
    /* two windows of look-ahead: the model has learned a whole window
     * past the frame (docs/experiments.md, file profile) */
    long lookahead = profile == NMF_PROFILE_FILE ?
        2L * (c->window_frames > 0 ? c->window_frames : 0) : 0;
    if (lookahead > NMF_SEPARATOR_MAX_LOOKAHEAD)
      lookahead = NMF_SEPARATOR_MAX_LOOKAHEAD;
    SET_AUTO (components, 20);
    SET_AUTO (bands_per_octave, 24);
    SET_AUTO (iterations, 4);
    SET_AUTO (mask_exponent, 1);
    SET_AUTO (lookahead_frames, (int) lookahead);
  }
  SET_AUTO (window_frames, NMF_SEPARATOR_DEFAULT_WINDOW_FRAMES);
  /* one learned component per blind source */
  if (c->components == AUTO || c->components == NMF_SEPARATOR_PER_BLIND_SOURCE)
    c->components = c->sources - nmf_config_count_dictionaries (c, NULL);
  SET_AUTO (hop_size, c->fft_size / 4 > 0 ? c->fft_size / 4 : 1);
  SET_AUTO (bands_per_octave, 0);
  SET_AUTO (iterations, NMF_SEPARATOR_DEFAULT_ITERATIONS);
  SET_AUTO (mask_exponent, NMF_SEPARATOR_DEFAULT_MASK_EXPONENT);
  SET_AUTO (lookahead_frames, 0);
}

#undef SET_AUTO

void
nmf_config_resolved (const nmf_separator_config * c,
    nmf_separator_config * out)
{
  *out = *c;
  nmf_separator_config_apply_profile (out, (nmf_profile) c->profile);
}

int
nmf_config_model_bins (const nmf_separator_config * c)
{
  return c->bands_per_octave > 0 ?
      nmf_logfreq_partition (c->fft_size / 2 + 1, c->bands_per_octave, NULL)
      : c->fft_size / 2 + 1;
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
      nmf_logfreq_partition (c->fft_size / 2 + 1, c->bands_per_octave, NULL) : F;
  const double C = c->channels, S = c->sources, N = c->fft_size;
  const double W = c->window_frames, L = c->lookahead_frames;
  int dict_templates = 0;
  double R, bytes;

  nmf_config_count_dictionaries (c, &dict_templates);
  R = c->components + dict_templates;
  bytes = 4.0 * (S * C * N + 3.0 * C * N + S * F * 4.0 + R * MB * 6.0);
  if (c->algorithm == NMF_ALGORITHM_KL) {
    /* per block of update_interval frames its statistics, per frame its
     * spectrum and activations */
    double m = c->update_interval, blocks = ceil (W / m);
    bytes += 4.0 * (MB * R * blocks + R * blocks + (R + MB) * blocks * m);
  } else {
    /* the window as floats and doubles, the solver's copies (the SVD's,
     * its singular vectors, the window at the scale solved at) */
    bytes += MB * W * (4.0 + 4.0 * 8.0) + R * W * 8.0 * 8.0;
  }
  bytes += 4.0 * (L + 1.0) * (C * 2.0 * F + F + MB + R);
  if (c->spatial == NMF_SPATIAL_AUTO && C >= 2 && C <= 8)
    /* the decision's covariances, the images */
    bytes += 8.0 * F * C * C * 2.0 + 4.0 * S * C * 2.0 * F;
  return bytes;
}

#define FAIL(which, ...) do { failed = NMF_CONFIG_FIELD_ ## which; \
    snprintf (message, size, __VA_ARGS__); goto fail; } while (0)

int
nmf_separator_check_config (const nmf_separator_config * config,
    nmf_config_field * field, char *message, size_t size)
{
  char scratch[2];
  int dict_templates = 0, n_dict = 0, bad_dict = 0;
  nmf_config_field failed = NMF_CONFIG_FIELD_NONE;
  nmf_separator_config resolved;
  const nmf_separator_config *c = &resolved;

  if (!message || size == 0) {
    message = scratch;
    size = sizeof scratch;
  }
  message[0] = '\0';
  if (!config)
    FAIL (NONE, "no configuration");
  nmf_config_resolved (config, &resolved);
  for (int s = 0; s < NMF_SEPARATOR_MAX_SOURCES; s++)
    if (c->dictionary_components[s] < 0
        || c->dictionary_components[s] > NMF_SEPARATOR_MAX_DICTIONARY
        || (c->dictionary_components[s] > 0) != (c->dictionaries[s] != NULL)
        || (s >= c->sources && c->dictionary_components[s] > 0))
      bad_dict = 1;
  n_dict = nmf_config_count_dictionaries (c, &dict_templates);

  if (c->channels < 1 || c->channels > NMF_SEPARATOR_MAX_CHANNELS)
    FAIL (CHANNELS, "channels (%d) must be between 1 and %d", c->channels,
        NMF_SEPARATOR_MAX_CHANNELS);
  if (c->sources < 1 || c->sources > NMF_SEPARATOR_MAX_SOURCES)
    FAIL (SOURCES, "sources (%d) must be between 1 and %d", c->sources,
        NMF_SEPARATOR_MAX_SOURCES);
  if (bad_dict)
    FAIL (DICTIONARIES, "dictionaries: each source needs 0 to 1024 templates, with the "
        "templates given exactly when their count is not 0");
  if (n_dict == 0 && c->components < c->sources)
    FAIL (COMPONENTS, "components (%d) must be at least the number of sources (%d)", c->components,
        c->sources);
  if (n_dict > 0 && c->components < c->sources - n_dict)
    FAIL (COMPONENTS, "components (%d) must be at least the number of sources without "
        "a dictionary (%d)", c->components, c->sources - n_dict);
  if (n_dict > 0 && c->algorithm != NMF_ALGORITHM_KL)
    FAIL (DICTIONARIES, "dictionaries need algorithm kl");
  /* (in 64 bits: components near INT_MAX wrapped the sum negative) */
  if ((long long) c->components + dict_templates > NMF_SEPARATOR_MAX_DICTIONARY)
    FAIL (COMPONENTS, "components (%d) and the dictionaries' templates (%d) must "
        "add up to at most 1024", c->components, dict_templates);
  if (c->fft_size < 32 || c->fft_size > 32768 || c->fft_size % 2)
    FAIL (FFT_SIZE, "FFT size (%d) must be even and between 32 and 32768",
        c->fft_size);
  for (int s = 0; s < c->sources; s++) {
    /* the values too, once the bins are known (a NaN or a negative one
     * was refused later, by create, without a word; an all-zero template
     * became a flat one at the model's floor, not summing to one), as the
     * dictionary file checks them */
    char why[160];
    if (nmf_templates_check (c->dictionaries[s], (size_t) (c->fft_size / 2
                + 1), (size_t) c->dictionary_components[s], why,
            sizeof why) != NMF_OK)
      FAIL (DICTIONARIES, "dictionary of source %d: %s", s, why);
  }
  if (c->hop_size < 1 || c->hop_size > c->fft_size / 2)
    FAIL (HOP_SIZE, "hop size (%d) must be between 1 and half the FFT size (%d)",
        c->hop_size, c->fft_size / 2);
  if (c->window_frames < 1 || c->window_frames > NMF_SEPARATOR_MAX_WINDOW)
    FAIL (WINDOW_FRAMES, "window (%d frames) must be between 1 and %d frames", c->window_frames,
        NMF_SEPARATOR_MAX_WINDOW);
  if (c->update_interval < 1 || c->update_interval > c->window_frames)
    FAIL (UPDATE_INTERVAL, "update interval (%d) must be between 1 and the window (%d frames)",
        c->update_interval, c->window_frames);
  if (c->iterations < 1 || c->iterations > 1000)
    FAIL (ITERATIONS, "iterations (%d) must be between 1 and 1000", c->iterations);
  if (c->mask_exponent != 1 && c->mask_exponent != 2)
    FAIL (MASK_EXPONENT, "mask exponent (%d) must be 1 or 2", c->mask_exponent);
  if (c->algorithm != NMF_ALGORITHM_KL && c->algorithm != NMF_ALGORITHM_VOLMIN)
    FAIL (ALGORITHM, "algorithm must be kl or volmin");
  if (c->profile != NMF_PROFILE_NONE && c->profile != NMF_PROFILE_LIVE
      && c->profile != NMF_PROFILE_FILE)
    FAIL (PROFILE, "profile (%d) must be none (%d), live (%d) or file (%d)",
        c->profile, NMF_PROFILE_NONE, NMF_PROFILE_LIVE, NMF_PROFILE_FILE);
  if (c->spatial != NMF_SPATIAL_OFF && c->spatial != NMF_SPATIAL_AUTO)
    FAIL (SPATIAL, "spatial (%d) must be off (%d) or auto (%d)", c->spatial,
        NMF_SPATIAL_OFF, NMF_SPATIAL_AUTO);
  if (c->algorithm == NMF_ALGORITHM_VOLMIN
      && c->window_frames < 2 * c->components)
    FAIL (WINDOW_FRAMES, "window (%d frames) must be at least twice the components (%d) "
        "for volmin", c->window_frames, 2 * c->components);
  if (!(c->regularization >= 0.0 && c->regularization <= 1.0))
    FAIL (REGULARIZATION, "regularization (%g) must be between 0 and 1", c->regularization);
  if (c->refresh_interval < 1 || c->refresh_interval > 100000)
    FAIL (REFRESH_INTERVAL, "refresh interval (%d) must be between 1 and 100000",
        c->refresh_interval);
  if (c->regroup_interval < 1 || c->regroup_interval > 100000)
    FAIL (REGROUP_INTERVAL, "regroup interval (%d) must be between 1 and 100000",
        c->regroup_interval);
  if (c->lookahead_frames < 0
      || c->lookahead_frames > NMF_SEPARATOR_MAX_LOOKAHEAD)
    FAIL (LOOKAHEAD_FRAMES, "look-ahead (%d frames) must be between 0 and %d frames",
        c->lookahead_frames, NMF_SEPARATOR_MAX_LOOKAHEAD);
  if (c->lookahead_frames > 0 && c->algorithm != NMF_ALGORITHM_KL)
    FAIL (LOOKAHEAD_FRAMES, "look-ahead needs algorithm kl");
  if (c->bands_per_octave != 0
      && (c->bands_per_octave < 6 || c->bands_per_octave > 96))
    FAIL (BANDS_PER_OCTAVE, "bands per octave (%d) must be 0 or between 6 and 96",
        c->bands_per_octave);
  if (c->algorithm == NMF_ALGORITHM_VOLMIN) {
    int model_bins = c->bands_per_octave > 0 ?
        nmf_logfreq_partition (c->fft_size / 2 + 1, c->bands_per_octave, NULL) :
        c->fft_size / 2 + 1;
    if (c->components > model_bins)
      FAIL (COMPONENTS, "components (%d) must be at most the number of frequency bins "
          "(or bands: %d) for volmin", c->components,
          model_bins);
  }
  double bytes = memory_estimate (c);
  if (bytes > NMF_SEPARATOR_MAX_MEMORY) {
    /* name what grows the model: the dictionaries' templates count as
     * components do (a large learned dictionary was blamed on the one
     * blind component) */
    int templates = 0;
    nmf_config_count_dictionaries (c, &templates);
    FAIL (WINDOW_FRAMES, "these settings need about %.0f MiB of memory, more than the "
        "limit of %.0f MiB: shorten the window (%d frames) or the look-ahead "
        "(%d frames), or use fewer templates (%d components + %d in "
        "dictionaries) or channels (%d)",
        bytes / 1048576.0, NMF_SEPARATOR_MAX_MEMORY / 1048576.0,
        c->window_frames, c->lookahead_frames, c->components, templates,
        c->channels);
  }
  if (field)
    *field = NMF_CONFIG_FIELD_NONE;
  return NMF_OK;

fail:
  if (field)
    *field = failed;
  return NMF_ERR_INVALID_ARGUMENT;
}

#undef FAIL
