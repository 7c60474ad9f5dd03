#include "online_kl.h"
#include "nmf_error.h"
#include "rng.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Guards.  A frame whose total magnitude is below SILENCE_MASS is digital
 * silence: it carries no information about the sources.  Activations never
 * fall below ACTIVATION_FLOOR times the frame's mean magnitude, templates
 * never below TEMPLATE_FLOOR (their columns sum to one), so no entry is
 * ever exactly zero and a component silent for a while can come back. */
#define SILENCE_MASS 1e-20f
#define ACTIVATION_FLOOR 1e-9f
#define TEMPLATE_FLOOR 1e-10f
#define MODEL_FLOOR 1e-30f
/* Share of a uniform split mixed into the warm start, so that a component
 * that was off in the previous frame can be switched on within a few
 * multiplicative updates. */
#define WARM_START_UNIFORM_SHARE 0.1f
/* While the first window fills, the model is far from the data and the
 * statistics stored with an early W go stale fast.  During that warm-up,
 * after voiced frame t when t is a multiple of max(1, t / REFRESH_DIVISOR),
 * every frame of the window is re-fitted with the current W
 * (REFRESH_ITERATIONS updates of its activations, its contribution
 * recomputed): one batch majorize-minimize step over the window.  Often at
 * first, ever more rarely: about REFRESH_DIVISOR * window_frames
 * frame-solves in all, paid once per stream, not per hop. */
#ifndef REFRESH_DIVISOR
#define REFRESH_DIVISOR 8
#endif
#ifndef REFRESH_ITERATIONS
#define REFRESH_ITERATIONS 3
#endif

struct nmf_online_kl
{
  int bins, components, window_frames, iterations;
  uint64_t seed;

  float *W;                     /* bins x components, column-major */
  float *colsum;                /* column sums of W */
  double *A;                    /* window statistic, like W */
  double *B;                    /* window statistic, components */
  float *ring_contrib;          /* window_frames x (bins x components) */
  float *ring_h;                /* window_frames x components */
  float *ring_v;                /* window_frames x bins: the frames */
  int voiced_seen;              /* voiced frames since the last reset */
  int ring_pos;                 /* slot the next frame goes to */
  int ring_fill;
  int ring_voiced;              /* frames in the window that are not silence */
  unsigned char *ring_is_voiced;
  int frames_since_resum;

  float *h_prev;
  int have_prev;
  int cold;                     /* templates still at their random start */
  float *scratch;               /* 2 * bins + components */
};

static void
normalise_columns (float *W, float *colsum, int bins, int components)
{
  for (int k = 0; k < components; k++) {
    float *w = W + (size_t) k * bins;
    double sum = 0.0;
    for (int f = 0; f < bins; f++)
      sum += w[f];
    float scale = sum > 0.0 ? (float) (1.0 / sum) : 1.0f;
    double after = 0.0;
    for (int f = 0; f < bins; f++) {
      float x = w[f] * scale;
      /* also catches NaN: a comparison with NaN is false */
      if (!(x >= TEMPLATE_FLOOR))
        x = TEMPLATE_FLOOR;
      w[f] = x;
      after += x;
    }
    colsum[k] = (float) after;
  }
}

static void
init_templates (nmf_online_kl * kl)
{
  uint64_t state = kl->seed;
  size_t n = (size_t) kl->bins * kl->components;

  /* positive, away from zero, different per component */
  for (size_t i = 0; i < n; i++)
    kl->W[i] = (float) (0.5 + nmf_rng_uniform (&state));
  normalise_columns (kl->W, kl->colsum, kl->bins, kl->components);
  kl->cold = 1;
}

/* A cold model meets its first sound: the first component starts from that
 * frame's spectrum, the others stay random, so the sound is explained by
 * one component at once instead of being split evenly among symmetric
 * random templates (which costs about the first second of a stream). */
static void
seed_from_first_frame (nmf_online_kl * kl, const float *v, double mass)
{
  float *w = kl->W;

  for (int f = 0; f < kl->bins; f++)
    w[f] = (float) (0.9 * v[f] / mass + 0.1 * w[f]);
  normalise_columns (kl->W, kl->colsum, kl->bins, kl->components);
  kl->cold = 0;
}

int
nmf_online_kl_create (nmf_online_kl ** out, int bins, int components,
    int window_frames, int iterations, uint64_t seed)
{
  nmf_online_kl *kl;
  size_t fk;

  if (!out)
    return NMF_ERR_INVALID_ARGUMENT;
  *out = NULL;
  if (bins < 2 || components < 1 || components > 1024 || window_frames < 1
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
  fk = (size_t) bins * components;
  kl->W = malloc (sizeof (float) * fk);
  kl->colsum = malloc (sizeof (float) * components);
  kl->A = calloc (fk, sizeof (double));
  kl->B = calloc (components, sizeof (double));
  kl->ring_contrib = calloc (fk * window_frames, sizeof (float));
  kl->ring_h = calloc ((size_t) components * window_frames, sizeof (float));
  kl->ring_v = calloc ((size_t) bins * window_frames, sizeof (float));
  kl->ring_is_voiced = calloc (window_frames, 1);
  kl->h_prev = calloc (components, sizeof (float));
  kl->scratch = malloc (sizeof (float) * (2 * (size_t) bins + components));
  if (!kl->W || !kl->colsum || !kl->A || !kl->B || !kl->ring_contrib
      || !kl->ring_h || !kl->ring_v || !kl->ring_is_voiced || !kl->h_prev || !kl->scratch) {
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
  free (kl->colsum);
  free (kl->A);
  free (kl->B);
  free (kl->ring_contrib);
  free (kl->ring_h);
  free (kl->ring_v);
  free (kl->ring_is_voiced);
  free (kl->h_prev);
  free (kl->scratch);
  free (kl);
  *klp = NULL;
}

void
nmf_online_kl_reset (nmf_online_kl * kl, int keep_templates)
{
  size_t fk = (size_t) kl->bins * kl->components;

  memset (kl->A, 0, sizeof (double) * fk);
  memset (kl->B, 0, sizeof (double) * kl->components);
  memset (kl->ring_contrib, 0, sizeof (float) * fk * kl->window_frames);
  memset (kl->ring_h, 0, sizeof (float) * kl->components * kl->window_frames);
  memset (kl->ring_v, 0, sizeof (float) * kl->bins * kl->window_frames);
  kl->voiced_seen = 0;
  kl->ring_pos = 0;
  kl->ring_fill = 0;
  kl->ring_voiced = 0;
  memset (kl->ring_is_voiced, 0, kl->window_frames);
  kl->frames_since_resum = 0;
  kl->have_prev = 0;
  if (!keep_templates)
    init_templates (kl);
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
nmf_online_kl_set_iterations (nmf_online_kl * kl, int iterations)
{
  if (iterations < 1 || iterations > 10000)
    return NMF_ERR_INVALID_ARGUMENT;
  kl->iterations = iterations;
  return NMF_OK;
}

const float *
nmf_online_kl_templates (const nmf_online_kl * kl)
{
  return kl->W;
}

int
nmf_online_kl_window_fill (const nmf_online_kl * kl)
{
  return kl->ring_fill;
}

static double
frame_mass (const float *v, int bins)
{
  double mass = 0.0;
  for (int f = 0; f < bins; f++)
    mass += v[f];
  return mass;
}

/* ratio = v / max(W h, floor); returns nothing, fills wh and ratio */
static void
model_ratio (const float *W, int bins, int components, const float *v,
    const float *h, float *wh, float *ratio)
{
  cblas_sgemv (CblasColMajor, CblasNoTrans, bins, components, 1.0f, W, bins,
      h, 1, 0.0f, wh, 1);
  for (int f = 0; f < bins; f++) {
    float m = wh[f] > MODEL_FLOOR ? wh[f] : MODEL_FLOOR;
    ratio[f] = v[f] / m;
  }
}

void
nmf_kl_update_activations (const float *W, const float *colsum, int bins,
    int components, const float *v, float *h, int iterations, float *scratch)
{
  float *wh = scratch;
  float *ratio = scratch + bins;
  float *grad = scratch + 2 * (size_t) bins;
  float floor_h = (float) (frame_mass (v, bins) / bins) * ACTIVATION_FLOOR;

  if (!(floor_h > MODEL_FLOOR))
    floor_h = MODEL_FLOOR;
  for (int it = 0; it < iterations; it++) {
    model_ratio (W, bins, components, v, h, wh, ratio);
    /* grad = W^T (v / Wh); h <- h * grad / (W^T 1) */
    cblas_sgemv (CblasColMajor, CblasTrans, bins, components, 1.0f, W, bins,
        ratio, 1, 0.0f, grad, 1);
    for (int k = 0; k < components; k++) {
      float x = h[k] * grad[k] / colsum[k];
      h[k] = x > floor_h ? x : floor_h;
    }
  }
}

double
nmf_kl_divergence (const float *W, int bins, int components, const float *v,
    const float *h)
{
  double d = 0.0;

  for (int f = 0; f < bins; f++) {
    double m = 0.0;
    for (int k = 0; k < components; k++)
      m += (double) W[(size_t) k * bins + f] * h[k];
    if (v[f] > 0.0f)
      d += v[f] * log (v[f] / m) - v[f] + m;
    else
      d += m;
  }
  return d;
}

void
nmf_online_kl_activate (nmf_online_kl * kl, const float *v, float *h)
{
  const int K = kl->components;
  double mass = frame_mass (v, kl->bins);

  if (!(mass > SILENCE_MASS)) {
    /* silence: nothing to explain; keep the warm start for the next frame */
    for (int k = 0; k < K; k++)
      h[k] = MODEL_FLOOR;
    return;
  }

  if (kl->cold && kl->components > 1)
    seed_from_first_frame (kl, v, mass);

  /* warm start: the previous frame's activations, rescaled to this frame's
   * mass (columns of W sum to one, so sum(h) ~ sum(v)), blended with a
   * uniform split */
  double prev_mass = 0.0;
  if (kl->have_prev)
    for (int k = 0; k < K; k++)
      prev_mass += kl->h_prev[k];
  for (int k = 0; k < K; k++) {
    float uniform = (float) (mass / K);
    if (prev_mass > 0.0) {
      float warm = (float) (kl->h_prev[k] * (mass / prev_mass));
      h[k] = (1.0f - WARM_START_UNIFORM_SHARE) * warm
          + WARM_START_UNIFORM_SHARE * uniform;
    } else {
      h[k] = uniform;
    }
  }
  nmf_kl_update_activations (kl->W, kl->colsum, kl->bins, K, v, h,
      kl->iterations, kl->scratch);
  memcpy (kl->h_prev, h, sizeof (float) * K);
  kl->have_prev = 1;
}

/* Exact re-summation of the window, so that rounding in the running
 * add/subtract cannot accumulate over hours of audio. */
static void
resum_window (nmf_online_kl * kl)
{
  const size_t fk = (size_t) kl->bins * kl->components;

  memset (kl->A, 0, sizeof (double) * fk);
  memset (kl->B, 0, sizeof (double) * kl->components);
  for (int s = 0; s < kl->ring_fill; s++) {
    const float *c = kl->ring_contrib + fk * s;
    const float *hs = kl->ring_h + (size_t) kl->components * s;
    for (size_t i = 0; i < fk; i++)
      kl->A[i] += c[i];
    for (int k = 0; k < kl->components; k++)
      kl->B[k] += hs[k];
  }
  kl->frames_since_resum = 0;
}

/* slot = W * ((v / Wh) h^T), with the W in force now */
static void
frame_contribution (nmf_online_kl * kl, const float *v, const float *h,
    float *slot)
{
  const int F = kl->bins, K = kl->components;
  float *wh = kl->scratch;
  float *ratio = kl->scratch + F;

  model_ratio (kl->W, F, K, v, h, wh, ratio);
  for (int k = 0; k < K; k++) {
    const float *w = kl->W + (size_t) k * F;
    float *c = slot + (size_t) k * F;
    for (int f = 0; f < F; f++)
      c[f] = w[f] * ratio[f] * h[k];
  }
}

/* W = A / (1 B^T); a component with no mass in the window keeps its
 * template */
static void
update_templates (nmf_online_kl * kl)
{
  const int F = kl->bins, K = kl->components;

  for (int k = 0; k < K; k++) {
    if (!(kl->B[k] > (double) MODEL_FLOOR))
      continue;
    float *w = kl->W + (size_t) k * F;
    const double *a = kl->A + (size_t) k * F;
    double inv = 1.0 / kl->B[k];
    for (int f = 0; f < F; f++)
      w[f] = (float) (a[f] * inv);
  }
  normalise_columns (kl->W, kl->colsum, F, K);
}

/* One batch majorize-minimize step over the whole window (see
 * REFRESH_INTERVAL). */
static void
refresh_window (nmf_online_kl * kl)
{
  const int F = kl->bins, K = kl->components;
  const size_t fk = (size_t) F * K;

  for (int s = 0; s < kl->ring_fill; s++) {
    if (!kl->ring_is_voiced[s])
      continue;
    const float *v = kl->ring_v + (size_t) F * s;
    float *h = kl->ring_h + (size_t) K * s;
    nmf_kl_update_activations (kl->W, kl->colsum, F, K, v, h,
        REFRESH_ITERATIONS, kl->scratch);
    frame_contribution (kl, v, h, kl->ring_contrib + fk * s);
  }
  resum_window (kl);
  update_templates (kl);
}

void
nmf_online_kl_learn (nmf_online_kl * kl, const float *v, const float *h)
{
  const int F = kl->bins, K = kl->components;
  const size_t fk = (size_t) F * K;
  float *slot = kl->ring_contrib + fk * kl->ring_pos;
  float *slot_h = kl->ring_h + (size_t) K * kl->ring_pos;
  int silent = !(frame_mass (v, F) > SILENCE_MASS);

  /* the frame leaving the window */
  if (kl->ring_fill == kl->window_frames) {
    for (size_t i = 0; i < fk; i++)
      kl->A[i] -= slot[i];
    for (int k = 0; k < K; k++)
      kl->B[k] -= slot_h[k];
    kl->ring_voiced -= kl->ring_is_voiced[kl->ring_pos];
  } else {
    kl->ring_fill++;
  }

  /* the frame entering it: W * ((v / Wh) h^T); silence contributes nothing */
  if (silent) {
    memset (slot, 0, sizeof (float) * fk);
    memset (slot_h, 0, sizeof (float) * K);
  } else {
    frame_contribution (kl, v, h, slot);
    for (size_t i = 0; i < fk; i++)
      kl->A[i] += slot[i];
    for (int k = 0; k < K; k++) {
      slot_h[k] = h[k];
      kl->B[k] += h[k];
    }
    memcpy (kl->ring_v + (size_t) F * kl->ring_pos, v, sizeof (float) * F);
    kl->voiced_seen++;
  }
  kl->ring_is_voiced[kl->ring_pos] = !silent;
  kl->ring_voiced += !silent;
  kl->ring_pos = (kl->ring_pos + 1) % kl->window_frames;
  if (kl->ring_voiced == 0) {
    /* an all-silent window: the statistics are exactly empty, keep W */
    memset (kl->A, 0, sizeof (double) * fk);
    memset (kl->B, 0, sizeof (double) * K);
    kl->frames_since_resum = 0;
    return;
  }
  if (!silent && kl->voiced_seen <= kl->window_frames) {
    int interval = kl->voiced_seen / REFRESH_DIVISOR;
    if (interval < 1 || kl->voiced_seen % interval == 0) {
      refresh_window (kl);
      return;
    }
  }
  if (0) {
    refresh_window (kl);
    return;
  }
  if (++kl->frames_since_resum >= kl->window_frames)
    resum_window (kl);
  update_templates (kl);
}
