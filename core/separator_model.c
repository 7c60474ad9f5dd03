/* The streaming separator's model from the outside: its templates and
 * their sources, the dictionaries installed or removed mid-stream, and the
 * frames kept for enrolment (nmf/separator.h). */
#include "separator_private.h"

#include "config.h"
#include "message.h"

#include <nmf/error.h>

#include <stdlib.h>
#include <string.h>

size_t
nmf_separator_rank (const nmf_separator * sep)
{
  return (size_t) sep->model->rank;
}

const int *
nmf_separator_assignment (const nmf_separator * sep)
{
  return sep->model->ops->assignment (sep->model);
}

const float *
nmf_separator_templates (const nmf_separator * sep)
{
  return sep->model->ops->templates (sep->model);
}

nmf_status
nmf_separator_enrol_start (nmf_separator * sep, size_t max_frames)
{
  if (!sep || max_frames == 0)
    return NMF_ERR_INVALID_ARGUMENT;
  /* a buffer whose size does not fit a size_t cannot exist (the product
   * wrapped to a few bytes, and process wrote past them) */
  if (max_frames > SIZE_MAX / sizeof (float) / (size_t) sep->bins)
    return NMF_ERR_NO_MEMORY;
  if (max_frames > sep->enrol_capacity) {
    float *frames = malloc (sizeof (float) * max_frames * sep->bins);
    if (!frames)
      return NMF_ERR_NO_MEMORY;
    free (sep->enrol_frames);
    sep->enrol_frames = frames;
    sep->enrol_capacity = max_frames;
  }
  sep->enrol_n = 0;
  sep->enrolling = 1;
  return NMF_OK;
}

void
nmf_separator_enrol_stop (nmf_separator * sep, const float **frames,
    size_t * n_frames)
{
  sep->enrolling = 0;
  if (frames)
    *frames = sep->enrol_frames;
  if (n_frames)
    *n_frames = sep->enrol_n;
}

size_t
nmf_separator_enrol_frames (const nmf_separator * sep)
{
  return sep->enrolling ? sep->enrol_n : 0;
}

const float *
nmf_separator_get_dictionary (const nmf_separator * sep, int source,
    size_t * count)
{
  const int ok = source >= 0 && source < sep->cfg.sources;

  if (count)
    *count = ok ? (size_t) sep->cfg.dictionary_components[source] : 0;
  return ok ? sep->dictionary[source] : NULL;
}

nmf_status
nmf_separator_set_dictionary (nmf_separator * sep, int source,
    const float *templates, size_t count, char *message, size_t size)
{
  nmf_separator_config c, asked, resolved;
  float *copy = NULL;
  nmf_model *model = NULL;
  const nmf_band_axis *axis;
  int ret;

  if (!sep)
    return nmf_fail (message, size, NMF_ERR_INVALID_ARGUMENT,
        "the separator is NULL");
  c = sep->cfg;
  asked = sep->requested;
  axis = sep->use_bands ? &sep->axis : NULL;
  if (c.algorithm != NMF_ALGORITHM_KL)
    return nmf_fail (message, size, NMF_ERR_INVALID_ARGUMENT,
        "dictionaries need algorithm kl");
  if (source < 0 || source >= c.sources)
    return nmf_fail (message, size, NMF_ERR_INVALID_ARGUMENT,
        "source %d is out of range (0 to %d)", source, c.sources - 1);
  if (count > NMF_SEPARATOR_MAX_DICTIONARY)
    return nmf_fail (message, size, NMF_ERR_INVALID_ARGUMENT,
        "%zu templates, more than %d", count, NMF_SEPARATOR_MAX_DICTIONARY);
  if (count > 0 && !templates)
    return nmf_fail (message, size, NMF_ERR_INVALID_ARGUMENT,
        "%zu templates given as NULL", count);
  if (count > 0) {
    const size_t n = count * (size_t) sep->bins;
    if (!(copy = malloc (sizeof (float) * n)))
      return nmf_fail (message, size, NMF_ERR_NO_MEMORY, "out of memory");
    memcpy (copy, templates, sizeof (float) * n);
  }
  c.dictionary_components[source] = (int) count;
  for (int s = 0; s < c.sources; s++)
    c.dictionaries[s] = s == source ? copy : sep->dictionary[s];
  /* The model's fields as the configuration asked for them resolve with
   * these dictionaries (the blind components serve the blind sources, the
   * supervised settings of the profile); what sets the timing and the
   * model's axis (the STFT, the look-ahead, the bands) stays. */
  for (int s = 0; s < NMF_SEPARATOR_MAX_SOURCES; s++) {
    asked.dictionaries[s] = c.dictionaries[s];
    asked.dictionary_components[s] = c.dictionary_components[s];
  }
  nmf_config_resolved (&asked, &resolved);
  /* blind components need a blind source to serve */
  c.components = nmf_config_count_dictionaries (&c, NULL) == c.sources ? 0
      : resolved.components;
  c.iterations = resolved.iterations;
  c.mask_exponent = resolved.mask_exponent;
  if ((ret = nmf_separator_check_config (&c, NULL, message, size)) != NMF_OK) {
    free (copy);
    return ret;
  }
  if ((ret = nmf_model_kl_create (&model, &c, axis)) != NMF_OK) {
    /* the model says only what failed */
    nmf_fail (message, size, ret, "the model with the dictionary: %s",
        nmf_strerror (ret));
    free (copy);
    return ret;
  }
  model->ops->adopt (model, sep->model);
  sep->model->ops->destroy (sep->model);
  sep->model = model;
  free (sep->dictionary[source]);
  sep->dictionary[source] = copy;
  for (int s = 0; s < NMF_SEPARATOR_MAX_SOURCES; s++)
    c.dictionaries[s] = NULL;
  sep->cfg = c;
  sep->requested.dictionary_components[source] = (int) count;
  return NMF_OK;
}

/* Every setting the model is made from, the channels and the spatial
 * stage aside. */
static int
same_model (const nmf_separator * a, const nmf_separator * b)
{
  const nmf_separator_config *x = &a->cfg, *y = &b->cfg;

  if (x->algorithm != y->algorithm || x->sources != y->sources
      || x->components != y->components || x->fft_size != y->fft_size
      || x->hop_size != y->hop_size || x->window_frames != y->window_frames
      || x->iterations != y->iterations
      || x->mask_exponent != y->mask_exponent || x->seed != y->seed
      || x->regularization != y->regularization
      || x->refresh_interval != y->refresh_interval
      || x->regroup_interval != y->regroup_interval
      || x->update_interval != y->update_interval
      || x->lookahead_frames != y->lookahead_frames
      || x->bands_per_octave != y->bands_per_octave || a->bins != b->bins)
    return 0;
  for (int s = 0; s < x->sources; s++) {
    if (x->dictionary_components[s] != y->dictionary_components[s])
      return 0;
    if (x->dictionary_components[s] > 0 && memcmp (a->dictionary[s],
            b->dictionary[s], sizeof (float) * (size_t) a->bins *
            (size_t) x->dictionary_components[s]) != 0)
      return 0;
  }
  return 1;
}

nmf_status
nmf_separator_continue_from (nmf_separator * sep, nmf_separator * previous,
    int same_rate)
{
  /* (itself: the model would replay its own look-ahead into itself for
   * ever) */
  if (!sep || !previous || sep == previous)
    return NMF_ERR_INVALID_ARGUMENT;
  /* a drained one's spatial stage ends here: its directions are kept */
  nmf_separator_settle_spatial (previous);
  if (same_rate && same_model (sep, previous))
    sep->model->ops->adopt (sep->model, previous->model);
  /* The directions known: those the previous stage demixed, and those it
   * carried for another layout.  The ones with the new channels go to its
   * stage; another layout's are carried on, through a stretch with a
   * stage of its own too (stereo, 5.1 at another rate, stereo: carried
   * through separators without a stage only, they were lost in the 5.1
   * one, and the stereo sources came back on other pads). */
  double known[2][NMF_SPATIAL_MAX_SOURCES * NMF_SPATIAL_MAX_CHANNELS];
  int known_channels[2] = { 0, 0 }, n_known = 0;
  if (previous->spatial
      && nmf_spatial_get_previous (previous->spatial, known[n_known]))
    known_channels[n_known++] = previous->cfg.channels;
  if (previous->carried_channels > 0) {
    memcpy (known[n_known], previous->carried_dir, sizeof known[0]);
    known_channels[n_known++] = previous->carried_channels;
  }
  if (sep->cfg.sources != previous->cfg.sources)
    return NMF_OK;
  for (int k = 0; k < n_known; k++) {
    if (sep->spatial && sep->cfg.channels == known_channels[k]) {
      nmf_spatial_set_previous (sep->spatial, known[k]);
    } else if (sep->carried_channels == 0) {
      /* the most recent other layout (listed first) */
      memcpy (sep->carried_dir, known[k], sizeof known[0]);
      sep->carried_channels = known_channels[k];
    }
  }
  return NMF_OK;
}
