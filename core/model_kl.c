/* The kl model: warm-started KL-NMF of the sliding window (online_kl.h),
 * its components grouped into sources (grouped.h) when there are more of
 * them than sources or when some sources bring a dictionary, and the
 * look-ahead: a frame's source models made L frames after it entered, from
 * the templates in force then, its activations re-fitted. */
#include "grouped.h"
#include "model.h"
#include "online_kl.h"
#include "config.h"

#include <nmf/error.h>

#include <stdlib.h>
#include <string.h>

/* With more blind components than blind sources, each component follows a
 * note or a phoneme and learns better from statistics of the templates in
 * force: the window is re-fitted this many times per window length
 * (docs/experiments.md, window re-fits). */
#define GROUPED_REFRESHES_PER_WINDOW 4

typedef struct
{
  nmf_model parent;
  int sources, model_bins, iterations, lookahead;
  nmf_online_kl *kl;
  int grouped;                  /* a grouping is in use */
  nmf_grouped group;
  float *group_scratch;         /* sources x padded rank, aligned */
  float *activations;           /* rank: of the frame released now */
  float *silence;               /* model_bins zeros: what frames not
                                 * learned from are learned as */
  uint64_t frames;              /* frames since the last reset */
  /* look-ahead: the last L + 1 frames as they entered, and their
   * activations */
  float *ahead_v;               /* (L + 1) x model_bins */
  float *ahead_h;               /* (L + 1) x rank */
  unsigned char *ahead_learn;   /* L + 1: learned from, or not */
  int blind;                    /* learned components (before the
                                 * dictionaries' templates) */
  float *scratch_models;        /* sources x model_bins (adopt) */
} model_kl;

static void
kl_destroy (nmf_model * m)
{
  model_kl *k = (model_kl *) m;

  nmf_online_kl_destroy (&k->kl);
  nmf_grouped_clear (&k->group);
  free (k->group_scratch);
  free (k->activations);
  free (k->silence);
  free (k->ahead_v);
  free (k->ahead_h);
  free (k->ahead_learn);
  free (k->scratch_models);
  free (k);
}

static void
kl_reset (nmf_model * m, int keep)
{
  model_kl *k = (model_kl *) m;

  k->frames = 0;
  nmf_online_kl_reset (k->kl, keep);
  if (k->grouped && !keep)
    nmf_grouped_reset (&k->group);
}

/* Frame v's activations in h.  A frame not learned from leaves the model's
 * state alone, its warm start included: it is fitted with
 * nmf_online_kl_refit, from h as it stands. */
static void
fit_activations (model_kl * k, const float *v, int learn, float *h)
{
  if (learn)
    nmf_online_kl_activate (k->kl, v, h);
  else
    nmf_online_kl_refit (k->kl, v, h, k->iterations);
}

/* Look-ahead: frame v is fitted, learned from (or from silence), and kept
 * in the ring; the frame that entered L frames ago gets its activations
 * re-fitted with the templates in force, in k->activations (zero before
 * that frame exists).  Returns what the grouping's rhythm reads: the
 * stored copy of v, or silence. */
static const float *
look_ahead (model_kl * k, const float *v, int learn)
{
  const int L = k->lookahead, R = k->parent.rank, MB = k->model_bins;
  const size_t slot = k->frames % (uint64_t) (L + 1);
  float *h = k->ahead_h + slot * R;
  const float *learned;

  fit_activations (k, v, learn, h);
  nmf_online_kl_learn (k->kl, learn ? v : k->silence, h);
  memcpy (k->ahead_v + slot * MB, v, sizeof (float) * MB);
  k->ahead_learn[slot] = learn != 0;
  learned = learn ? k->ahead_v + slot * MB : k->silence;
  if (k->frames < (uint64_t) L) {
    memset (k->activations, 0, sizeof (float) * R);
    return learned;
  }
  const size_t then = (k->frames - (uint64_t) L) % (uint64_t) (L + 1);
  memcpy (k->activations, k->ahead_h + then * R, sizeof (float) * R);
  nmf_online_kl_refit (k->kl, k->ahead_v + then * MB, k->activations,
      k->iterations);
  return learned;
}

static void
kl_process (nmf_model * m, const float *v, int learn, float *source_models)
{
  model_kl *k = (model_kl *) m;
  const float *learned = learn ? v : k->silence;

  /* causal: the frame is released with the model in force when it enters,
   * then joins the window; with look-ahead it joins first, and an earlier
   * frame is released */
  if (k->lookahead > 0)
    learned = look_ahead (k, v, learn);
  else
    fit_activations (k, v, learn, k->activations);

  if (!k->grouped) {
    nmf_online_kl_spectra (k->kl, k->activations, source_models);
  } else {
    if (nmf_grouped_begin_frame (&k->group, learned)) {
      nmf_online_kl_activation_mass (k->kl, k->group.mass);
      nmf_grouped_regroup (&k->group, nmf_online_kl_templates (k->kl));
    }
    nmf_online_kl_group_spectra (k->kl, k->activations,
        nmf_grouped_end_frame (&k->group), k->sources, source_models,
        k->group_scratch);
  }
  if (k->lookahead == 0)
    nmf_online_kl_learn (k->kl, learned, k->activations);
  k->frames++;
}

static int
kl_set_iterations (nmf_model * m, int iterations)
{
  model_kl *k = (model_kl *) m;
  int ret = nmf_online_kl_set_iterations (k->kl, iterations);

  if (ret == NMF_OK)
    k->iterations = iterations;
  return ret;
}

static const float *
kl_templates (const nmf_model * m)
{
  return nmf_online_kl_templates (((const model_kl *) m)->kl);
}

static const int *
kl_assignment (const nmf_model * m)
{
  const model_kl *k = (const model_kl *) m;

  return k->grouped ? nmf_grouping_assignment (k->group.grouping) : NULL;
}

static void
kl_stats (const nmf_model * m, nmf_separator_stats * st)
{
  st->model_refreshes = 0;
  st->model_failures = 0;
  st->model_restarts = nmf_online_kl_restarts (((const model_kl *) m)->kl);
  st->model_error = "";
}

static void
kl_adopt (nmf_model * m, nmf_model * previous)
{
  model_kl *k = (model_kl *) m, *old = (model_kl *) previous;
  const int blind = k->blind < old->blind ? k->blind : old->blind;

  /* a model that has met no sound (caps followed by other caps) has
   * nothing to hand on: taken as learned, its random start skipped the
   * new model's seeding from its first sound */
  if (blind > 0 && nmf_online_kl_is_warm (old->kl)) {
    nmf_online_kl_set_templates (k->kl, 0, blind,
        nmf_online_kl_templates (old->kl), 0);
    nmf_online_kl_set_warm (k->kl);
  }
  if (k->lookahead == 0)
    return;
  /* the frames still waiting, oldest first, into this model's ring at the
   * same places */
  const int L = k->lookahead, MB = k->model_bins;
  const uint64_t n = old->frames < (uint64_t) (L + 1) ? old->frames
      : (uint64_t) (L + 1);
  k->frames = old->frames - n;
  for (uint64_t i = old->frames - n; i < old->frames; i++) {
    const size_t slot = i % (uint64_t) (L + 1);
    kl_process (m, old->ahead_v + slot * MB, old->ahead_learn[slot],
        k->scratch_models);
  }
}

static const nmf_model_ops kl_ops = {
  kl_destroy, kl_reset, kl_process, kl_set_iterations, kl_templates,
  kl_assignment, kl_stats, kl_adopt,
};

/* Dictionaries: after the blind components, source by source, fixed, on
 * the model's axis; their components pinned to their source. */
static int
set_dictionaries (model_kl * k, const nmf_separator_config * c,
    const nmf_band_axis * axis)
{
  const int F = c->fft_size / 2 + 1, MB = k->model_bins;
  unsigned char blind[NMF_SEPARATOR_MAX_SOURCES];

  for (int s = 0, first = c->components; s < c->sources; s++) {
    const int ks = c->dictionary_components[s];
    const float *dict = c->dictionaries[s];
    float *pooled = NULL;
    int ret;

    blind[s] = ks == 0;
    if (ks <= 0)
      continue;
    if (axis) {
      /* the templates on the band axis: sums over each band's bins */
      pooled = calloc ((size_t) MB * ks, sizeof (float));
      if (!pooled)
        return NMF_ERR_NO_MEMORY;
      for (int j = 0; j < ks; j++)
        nmf_band_axis_pool (axis, dict + (size_t) j * F,
            pooled + (size_t) j * MB);
      dict = pooled;
    }
    ret = nmf_online_kl_set_templates (k->kl, first, ks, dict, 1);
    free (pooled);
    if (ret != NMF_OK)
      return ret;
    if (k->grouped)
      for (int j = first; j < first + ks; j++)
        nmf_grouping_pin (k->group.grouping, j, s);
    first += ks;
  }
  if (k->grouped)
    nmf_grouping_set_blind_sources (k->group.grouping, blind);
  return NMF_OK;
}

int
nmf_model_kl_create (nmf_model ** out, const nmf_separator_config * c,
    const nmf_band_axis * axis)
{
  model_kl *k;
  int dict_templates = 0, ret;
  const int n_dict = nmf_config_count_dictionaries (c, &dict_templates);
  const int R = c->components + dict_templates;

  *out = NULL;
  k = calloc (1, sizeof (*k));
  if (!k)
    return NMF_ERR_NO_MEMORY;
  k->parent.ops = &kl_ops;
  k->parent.rank = R;
  k->sources = c->sources;
  k->model_bins = axis ? axis->bands : c->fft_size / 2 + 1;
  k->iterations = c->iterations;
  k->lookahead = c->lookahead_frames;
  k->grouped = R > c->sources || n_dict > 0;
  k->blind = c->components;
  const int MB = k->model_bins;

  if ((ret = nmf_online_kl_create_with_interval (&k->kl, MB, R,
              c->window_frames, c->update_interval, c->iterations,
              c->seed)) != NMF_OK
      || (c->components > c->sources - n_dict
          && (ret = nmf_online_kl_set_refreshes (k->kl,
                  GROUPED_REFRESHES_PER_WINDOW)) != NMF_OK)
      || (k->grouped
          && (ret = nmf_grouped_init (&k->group, c, R, axis)) != NMF_OK)
      || (ret = set_dictionaries (k, c, axis)) != NMF_OK) {
    kl_destroy (&k->parent);
    return ret;
  }
  if (k->grouped) {
    int kp = nmf_online_kl_padded_components (k->kl);
    k->group_scratch = aligned_alloc (32,
        (sizeof (float) * c->sources * kp + 31) / 32 * 32);
  }
  k->activations = calloc (R, sizeof (float));
  k->silence = calloc (MB, sizeof (float));
  if (k->lookahead > 0) {
    const size_t slots = (size_t) k->lookahead + 1;
    k->ahead_v = calloc (slots * MB, sizeof (float));
    k->ahead_h = calloc (slots * R, sizeof (float));
    k->ahead_learn = calloc (slots, 1);
    k->scratch_models = calloc ((size_t) c->sources * MB, sizeof (float));
  }
  if ((k->grouped && !k->group_scratch) || !k->activations || !k->silence
      || (k->lookahead > 0 && (!k->ahead_v || !k->ahead_h
              || !k->ahead_learn || !k->scratch_models))) {
    kl_destroy (&k->parent);
    return NMF_ERR_NO_MEMORY;
  }
  *out = &k->parent;
  return NMF_OK;
}
