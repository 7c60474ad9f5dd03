/* gst-nmf core: KL-NMF over a sliding window - the object and the
 * per-frame activations (see online_kl.h). */
#include "online_kl_private.h"
#include "hungarian.h"

#include <nmf/error.h>

#include "rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Share of a uniform split mixed into the warm start, so that a component
 * that was off in the previous frame can be switched on within a few
 * multiplicative updates. */
#define WARM_START_UNIFORM_SHARE 0.1f

/* Free templates of W drawn from *state: positive, away from zero,
 * different per component; templates held fixed are left as they are (the
 * random draws are made all the same, so the free templates do not depend
 * on which are fixed). */
void
nmf_online_kl_draw_templates (const nmf_online_kl * kl, float *W,
    float *colsum, uint64_t * state)
{
  const int F = kl->bins;

  for (int k = 0; k < kl->components; k++)
    for (int f = 0; f < F; f++) {
      float x = (float) (0.5 + nmf_splitmix64_uniform (state));
      if (!kl->fixed[k])
        W[(size_t) k * F + f] = x;
    }
  nmf_kl_normalise_columns (W, colsum, kl->bins, kl->components);
}

static void
init_templates (nmf_online_kl * kl)
{
  uint64_t state = kl->seed;

  nmf_online_kl_draw_templates (kl, kl->W, kl->colsum, &state);
  kl->cold = kl->n_fixed < kl->components;
}

/* A cold model meets its first sound: the first component starts from that
 * frame's spectrum, the others stay random, so the sound is explained by
 * one component at once instead of being split evenly among symmetric
 * random templates (which costs about the first second of a stream). */
void
nmf_online_kl_seed_first_free (const nmf_online_kl * kl, float *W,
    float *colsum, const float *v, double mass)
{
  int first = 0;

  /* the first free template */
  while (first < kl->components && kl->fixed[first])
    first++;
  if (first < kl->components) {
    float *w = W + (size_t) first * kl->bins;
    for (int f = 0; f < kl->bins; f++)
      w[f] = (float) (0.9 * v[f] / mass + 0.1 * w[f]);
    nmf_kl_normalise_columns (W, colsum, kl->bins, kl->components);
  }
}

static void
seed_from_first_frame (nmf_online_kl * kl, const float *v, double mass)
{
  nmf_online_kl_seed_first_free (kl, kl->W, kl->colsum, v, mass);
  kl->cold = 0;
}

int
nmf_online_kl_create (nmf_online_kl ** out, int bins, int components,
    int window_frames, int iterations, uint64_t seed)
{
  return nmf_online_kl_create_with_interval (out, bins, components,
      window_frames, 1, iterations, seed);
}

int
nmf_online_kl_create_with_interval (nmf_online_kl ** out, int bins,
    int components, int window_frames, int update_interval, int iterations,
    uint64_t seed)
{
  nmf_online_kl *kl;
  size_t fk;

  if (!out)
    return NMF_ERR_INVALID_ARGUMENT;
  *out = NULL;
  if (bins < 2 || components < 1 || components > 1024 || window_frames < 1
      || update_interval < 1 || update_interval > window_frames
      || iterations < 1 || iterations > 10000)
    return NMF_ERR_INVALID_ARGUMENT;

  kl = calloc (1, sizeof (*kl));
  if (!kl)
    return NMF_ERR_NO_MEMORY;
  kl->bins = bins;
  kl->components = components;
  kl->window_frames = window_frames;
  kl->iterations = iterations;
  kl->seed = seed;
  kl->kpad = (components + NMF_KL_LANES - 1) / NMF_KL_LANES * NMF_KL_LANES;
  fk = (size_t) bins * components;
  kl->W = malloc (sizeof (float) * fk);
  kl->acc = aligned_alloc (sizeof (nmf_vf8), sizeof (nmf_vf8) * components);
  kl->colsum = malloc (sizeof (float) * components);
  kl->fixed = calloc (components, 1);
  kl->A = calloc (fk, sizeof (double));
  kl->B = calloc (components, sizeof (double));
  kl->h_prev = calloc (components, sizeof (float));
  kl->hpad = aligned_alloc (sizeof (nmf_vf8), sizeof (float) * kl->kpad);
  kl->gpad = aligned_alloc (sizeof (nmf_vf8), sizeof (float) * kl->kpad);
  kl->scratch = malloc (sizeof (float) * (2 * (size_t) bins + components));
  kl->ch_W = malloc (sizeof (float) * fk);
  kl->ch_colsum = malloc (sizeof (float) * components);
  kl->ch_num = malloc (sizeof (float) * fk);
  kl->ch_den = malloc (sizeof (double) * components);
  kl->ch_h = malloc (sizeof (float) * 2 * CHALLENGE_FRAMES * components);
  kl->ch_slots = malloc (sizeof (int) * 2 * CHALLENGE_FRAMES);
  kl->ch_mass = malloc (sizeof (double) * 2 * CHALLENGE_FRAMES);
  kl->ch_cost = malloc (sizeof (double) * components * components);
  kl->ch_work = malloc (sizeof (double) * NMF_ASSIGNMENT_WORK (components));
  kl->ch_perm = malloc (sizeof (size_t) * components);
  if (!kl->W || !kl->acc || !kl->colsum || !kl->fixed || !kl->A || !kl->B
      || !kl->h_prev || !kl->hpad || !kl->gpad || !kl->scratch
      || !kl->ch_W || !kl->ch_colsum || !kl->ch_num || !kl->ch_den
      || !kl->ch_h || !kl->ch_slots || !kl->ch_mass || !kl->ch_cost || !kl->ch_work
      || !kl->ch_perm
      || nmf_online_kl_alloc_window (kl, update_interval) != NMF_OK) {
    nmf_online_kl_destroy (&kl);
    return NMF_ERR_NO_MEMORY;
  }
  init_templates (kl);
  *out = kl;
  return NMF_OK;
}

void
nmf_online_kl_destroy (nmf_online_kl ** klp)
{
  nmf_online_kl *kl;

  if (!klp || !*klp)
    return;
  kl = *klp;
  free (kl->W);
  free (kl->acc);
  free (kl->colsum);
  free (kl->fixed);
  free (kl->A);
  free (kl->B);
  nmf_online_kl_free_window (kl);
  free (kl->h_prev);
  free (kl->hpad);
  free (kl->gpad);
  free (kl->scratch);
  free (kl->ch_W);
  free (kl->ch_colsum);
  free (kl->ch_num);
  free (kl->ch_den);
  free (kl->ch_h);
  free (kl->ch_slots);
  free (kl->ch_mass);
  free (kl->ch_cost);
  free (kl->ch_work);
  free (kl->ch_perm);
  free (kl);
  *klp = NULL;
}

void
nmf_online_kl_reset (nmf_online_kl * kl, int keep_templates)
{
  size_t fk = (size_t) kl->bins * kl->components;

  memset (kl->A, 0, sizeof (double) * fk);
  memset (kl->B, 0, sizeof (double) * kl->components);
  memset (kl->block_contrib, 0, sizeof (float) * fk * kl->blocks);
  memset (kl->block_h, 0, sizeof (float) * kl->components * kl->blocks);
  memset (kl->ring_h, 0, sizeof (float) * kl->components * kl->capacity);
  memset (kl->ring_v, 0, sizeof (float) * kl->bins * kl->capacity);
  kl->voiced_seen = 0;
  kl->next_warm_refresh = 0;
  kl->ring_pos = 0;
  kl->ring_fill = 0;
  kl->frames_since_resum = 0;
  kl->have_prev = 0;
  kl->voiced_since_challenge = 0;
  if (!keep_templates) {
    init_templates (kl);
    kl->challenges = 0;         /* the same challengers as a new model */
  }
}

void
nmf_online_kl_spectra (const nmf_online_kl * kl, const float *h,
    float *spectra)
{
  const size_t fk = (size_t) kl->bins * kl->components;

  /* W is column-major, so component k's template is contiguous */
  for (size_t i = 0; i < fk; i++)
    spectra[i] = kl->W[i] * h[i / kl->bins];
}

int
nmf_online_kl_group_spectra (nmf_online_kl * kl, const float *h,
    const float *membership, int sources, float *spectra, float *scratch)
{
  const int K = kl->components;
  float *hg = scratch;

  for (int s = 0; s < sources; s++) {
    for (int k = 0; k < K; k++)
      hg[k] = h[k] * membership[(size_t) k * sources + s];
    nmf_kl_fused_model (kl->W, kl->bins, K, hg,
        spectra + (size_t) s * kl->bins);
  }
  return NMF_OK;
}

int
nmf_online_kl_padded_components (const nmf_online_kl * kl)
{
  return kl->kpad;
}

int
nmf_online_kl_set_iterations (nmf_online_kl * kl, int iterations)
{
  if (iterations < 1 || iterations > 10000)
    return NMF_ERR_INVALID_ARGUMENT;
  kl->iterations = iterations;
  return NMF_OK;
}

int
nmf_online_kl_set_refreshes (nmf_online_kl * kl, int per_window)
{
  if (!kl || per_window < 0)
    return NMF_ERR_INVALID_ARGUMENT;
  kl->refreshes = per_window;
  return NMF_OK;
}

int
nmf_online_kl_set_templates (nmf_online_kl * kl, int first, int count,
    const float *templates, int fixed)
{
  const int F = kl->bins;

  if (first < 0 || count < 1 || first + count > kl->components || !templates)
    return NMF_ERR_INVALID_ARGUMENT;
  for (size_t i = 0; i < (size_t) count * F; i++)
    if (!(templates[i] >= 0.0f) || !isfinite (templates[i]))
      return NMF_ERR_INVALID_ARGUMENT;
  memcpy (kl->W + (size_t) first * F, templates,
      sizeof (float) * (size_t) count * F);
  for (int k = first; k < first + count; k++) {
    kl->n_fixed += (fixed != 0) - kl->fixed[k];
    kl->fixed[k] = fixed != 0;
  }
  nmf_kl_normalise_columns (kl->W, kl->colsum, F, kl->components);
  if (kl->n_fixed == kl->components)
    kl->cold = 0;
  return NMF_OK;
}

const float *
nmf_online_kl_templates (const nmf_online_kl * kl)
{
  return kl->W;
}

int
nmf_online_kl_is_silence (const float *v, int bins)
{
  return !(nmf_kl_frame_mass (v, bins) > NMF_KL_SILENCE_MASS);
}

/* The same updates with the fused kernel, on templates W (column sums
 * colsum): the model's own or a challenger's. */
void
nmf_online_kl_fit (nmf_online_kl * kl, const float *W, const float *colsum,
    const float *v, float *h, int iterations, double mass)
{
  const int K = kl->components, kp = kl->kpad;
  float *hp = kl->hpad, *gp = kl->gpad;
  float floor_h = (float) (mass / kl->bins) * NMF_KL_ACTIVATION_FLOOR;

  if (!(floor_h > NMF_KL_MODEL_FLOOR))
    floor_h = NMF_KL_MODEL_FLOOR;
  memcpy (hp, h, sizeof (float) * K);
  for (int k = K; k < kp; k++)
    hp[k] = 0.0f;
  for (int it = 0; it < iterations; it++) {
    nmf_kl_fused_ratio_grad (W, kl->bins, K, v, hp, gp, NULL, kl->acc);
    for (int k = 0; k < K; k++) {
      float x = hp[k] * gp[k] / colsum[k];
      hp[k] = x > floor_h ? x : floor_h;
    }
  }
  memcpy (h, hp, sizeof (float) * K);
}

/* Warm start of a frame of total magnitude `mass`: activations `from` (K
 * values; may be h itself) rescaled to that mass (columns of W sum to one,
 * so sum(h) ~ sum(v)) and blended with a uniform split; the uniform split
 * alone when from is NULL or sums to zero. */
static void
warm_start (const float *from, int K, double mass, float *h)
{
  double from_mass = 0.0;

  if (from)
    for (int k = 0; k < K; k++)
      from_mass += from[k];
  for (int k = 0; k < K; k++) {
    float uniform = (float) (mass / K);
    if (from_mass > 0.0) {
      float warm = (float) (from[k] * (mass / from_mass));
      h[k] = (1.0f - WARM_START_UNIFORM_SHARE) * warm
          + WARM_START_UNIFORM_SHARE * uniform;
    } else {
      h[k] = uniform;
    }
  }
}

/* Frame v's total magnitude in *mass; for silence (nothing to explain)
 * h gets the floor and 1 is returned. */
static int
floor_if_silent (const nmf_online_kl * kl, const float *v, float *h,
    double *mass)
{
  *mass = nmf_kl_frame_mass (v, kl->bins);
  if (*mass > NMF_KL_SILENCE_MASS)
    return 0;
  for (int k = 0; k < kl->components; k++)
    h[k] = NMF_KL_MODEL_FLOOR;
  return 1;
}

void
nmf_online_kl_activate (nmf_online_kl * kl, const float *v, float *h)
{
  const int K = kl->components;
  double mass;

  /* silence keeps the warm start for the next frame */
  if (floor_if_silent (kl, v, h, &mass))
    return;

  if (kl->cold && kl->components > 1)
    seed_from_first_frame (kl, v, mass);

  /* warm start from the previous frame's activations */
  warm_start (kl->have_prev ? kl->h_prev : NULL, K, mass, h);
  nmf_online_kl_fit (kl, kl->W, kl->colsum, v, h, kl->iterations, mass);
  memcpy (kl->h_prev, h, sizeof (float) * K);
  kl->have_prev = 1;
}

void
nmf_online_kl_refit (nmf_online_kl * kl, const float *v, float *h,
    int iterations)
{
  double mass;

  if (floor_if_silent (kl, v, h, &mass))
    return;
  warm_start (h, kl->components, mass, h);
  nmf_online_kl_fit (kl, kl->W, kl->colsum, v, h, iterations, mass);
}

void
nmf_online_kl_set_warm (nmf_online_kl * kl)
{
  kl->cold = 0;
}

int
nmf_online_kl_is_warm (const nmf_online_kl * kl)
{
  return !kl->cold;
}
