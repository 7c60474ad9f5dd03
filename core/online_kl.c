#include "online_kl.h"
#include <nmf/error.h>
#include "rng.h"
#include "hungarian.h"

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
/* After the warm-up the statistics go stale too, only more slowly: each
 * frame's contribution was computed with the templates in force when it
 * entered, so the templates are a fixed point of an average over past
 * models, not of the window.  With nmf_online_kl_set_refreshes(kl, n) the
 * window is re-fitted in the same way every window_frames / n voiced
 * frames, with STEADY_REFRESH_ITERATIONS updates of each frame's
 * activations (from where they are); never when every template is held
 * fixed (nothing to learn). */
#ifndef STEADY_REFRESH_ITERATIONS
#define STEADY_REFRESH_ITERATIONS 1
#endif

/* Bounded memory.  Multiplicative updates cannot leave a poor local
 * optimum: after a loud broadband stretch one component may explain
 * everything and the others sit on templates nothing else matches, long
 * after the stretch has left the window (and a bad start is as lasting).
 * So once per window turnover (every window_frames voiced frames after the
 * warm-up) a fresh model - the cold start, a new random draw - is fitted by
 * batch KL-NMF (CHALLENGE_ITERATIONS majorize-minimize steps) to
 * CHALLENGE_FRAMES voiced frames spread over the window, and judged against
 * the model in force on as many other frames of the window (activations
 * re-fitted alike for each model: CHALLENGE_EVAL_ITERATIONS updates from an
 * even split; no challenge while the window holds fewer than
 * CHALLENGE_MIN_FRAMES voiced frames).  The fresh model replaces
 * the one in force, its components matched to the old ones so indices keep
 * their meaning, only when its held-out divergence is below
 * CHALLENGE_MARGIN times the incumbent's: a model that tracks its window
 * well is never replaced by a fit to a few frames. */
#ifndef CHALLENGE_FRAMES
#define CHALLENGE_FRAMES 16
#endif
#ifndef CHALLENGE_ITERATIONS
#define CHALLENGE_ITERATIONS 15
#endif
#ifndef CHALLENGE_EVAL_ITERATIONS
#define CHALLENGE_EVAL_ITERATIONS 8
#endif
#ifndef CHALLENGE_REBUILD_PASSES
#define CHALLENGE_REBUILD_PASSES 4
#endif
#ifndef CHALLENGE_MIN_FRAMES
#define CHALLENGE_MIN_FRAMES 16
#endif
#ifndef CHALLENGE_MARGIN
#define CHALLENGE_MARGIN 0.45
#endif

/* Lanes of the fused kernel's vectors: bins 8 at a time, activation
 * buffers padded to a multiple of this. */
#define LANES 8
typedef float vf8 __attribute__ ((vector_size (LANES * sizeof (float))));

struct nmf_online_kl
{
  int bins, components, window_frames, iterations;
  int kpad;                     /* components rounded up to LANES */
  int update_interval;          /* M: frames per block of statistics */
  int refreshes;                /* window re-fits per window_frames, >= 0 */
  int blocks;                   /* ceil(window_frames / M) */
  int capacity;                 /* blocks * M frames */
  uint64_t seed;

  float *W;                     /* bins x components, column-major */
  vf8 *acc;                     /* components: kernel partial sums */
  float *colsum;                /* column sums of W */
  unsigned char *fixed;         /* components: template held fixed */
  int n_fixed;
  double *A;                    /* statistic of the complete blocks, like W */
  double *B;                    /* statistic of the complete blocks */
  float *block_contrib;         /* blocks x (bins x components) */
  float *block_h;               /* blocks x components */
  int *block_voiced;            /* blocks */
  float *ring_h;                /* capacity x components */
  float *ring_v;                /* capacity x bins: the frames */
  int64_t voiced_seen;          /* voiced frames since the last reset */
  int ring_pos;                 /* slot the next frame goes to */
  int ring_fill;
  int ring_voiced;              /* frames in the window that are not silence */
  unsigned char *ring_is_voiced;
  int frames_since_resum;
  float *hpad;                  /* kpad */
  float *gpad;                  /* kpad */

  float *h_prev;
  int have_prev;
  int cold;                     /* templates still at their random start */
  float *scratch;               /* 2 * bins + components */

  /* the fresh model of a challenge (see CHALLENGE_FRAMES) */
  int voiced_since_challenge;
  uint64_t challenges;          /* challenges run (each draws anew) */
  uint64_t restarts;            /* challenges won */
  float *ch_W;                  /* bins x components */
  float *ch_colsum;             /* components */
  float *ch_num;                /* bins x components: MM numerator */
  double *ch_den;               /* components */
  float *ch_h;                  /* 2 * CHALLENGE_FRAMES x components */
  int *ch_slots;                /* 2 * CHALLENGE_FRAMES ring slots */
  double *ch_mass;              /* their frames' total magnitudes */
  double *ch_cost;              /* components^2 */
  size_t *ch_perm;              /* components */
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

/* Free templates of W drawn from *state: positive, away from zero,
 * different per component; templates held fixed are left as they are (the
 * random draws are made all the same, so the free templates do not depend
 * on which are fixed). */
static void
draw_templates (const nmf_online_kl * kl, float *W, float *colsum,
    uint64_t * state)
{
  const int F = kl->bins;

  for (int k = 0; k < kl->components; k++)
    for (int f = 0; f < F; f++) {
      float x = (float) (0.5 + nmf_splitmix64_uniform (state));
      if (!kl->fixed[k])
        W[(size_t) k * F + f] = x;
    }
  normalise_columns (W, colsum, kl->bins, kl->components);
}

static void
init_templates (nmf_online_kl * kl)
{
  uint64_t state = kl->seed;

  draw_templates (kl, kl->W, kl->colsum, &state);
  kl->cold = kl->n_fixed < kl->components;
}

/* A cold model meets its first sound: the first component starts from that
 * frame's spectrum, the others stay random, so the sound is explained by
 * one component at once instead of being split evenly among symmetric
 * random templates (which costs about the first second of a stream). */
static void
seed_first_free (const nmf_online_kl * kl, float *W, float *colsum,
    const float *v, double mass)
{
  int first = 0;

  /* the first free template */
  while (first < kl->components && kl->fixed[first])
    first++;
  if (first < kl->components) {
    float *w = W + (size_t) first * kl->bins;
    for (int f = 0; f < kl->bins; f++)
      w[f] = (float) (0.9 * v[f] / mass + 0.1 * w[f]);
    normalise_columns (W, colsum, kl->bins, kl->components);
  }
}

static void
seed_from_first_frame (nmf_online_kl * kl, const float *v, double mass)
{
  seed_first_free (kl, kl->W, kl->colsum, v, mass);
  kl->cold = 0;
}

/* (Re)allocate the window storage for update interval m. */
static int
alloc_window (nmf_online_kl * kl, int m)
{
  const size_t fk = (size_t) kl->bins * kl->components;
  int blocks = (kl->window_frames + m - 1) / m;
  int cap = blocks * m;
  float *bc = calloc (fk * blocks, sizeof (float));
  float *bh = calloc ((size_t) kl->components * blocks, sizeof (float));
  int *bv = calloc (blocks, sizeof (int));
  float *rh = calloc ((size_t) kl->components * cap, sizeof (float));
  float *rv = calloc ((size_t) kl->bins * cap, sizeof (float));
  unsigned char *ri = calloc (cap, 1);

  if (!bc || !bh || !bv || !rh || !rv || !ri) {
    free (bc);
    free (bh);
    free (bv);
    free (rh);
    free (rv);
    free (ri);
    return NMF_ERR_NO_MEMORY;
  }
  free (kl->block_contrib);
  free (kl->block_h);
  free (kl->block_voiced);
  free (kl->ring_h);
  free (kl->ring_v);
  free (kl->ring_is_voiced);
  kl->block_contrib = bc;
  kl->block_h = bh;
  kl->block_voiced = bv;
  kl->ring_h = rh;
  kl->ring_v = rv;
  kl->ring_is_voiced = ri;
  kl->update_interval = m;
  kl->blocks = blocks;
  kl->capacity = cap;
  return NMF_OK;
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
  kl->kpad = (components + LANES - 1) / LANES * LANES;
  fk = (size_t) bins * components;
  kl->W = malloc (sizeof (float) * fk);
  kl->acc = aligned_alloc (sizeof (vf8), sizeof (vf8) * components);
  kl->colsum = malloc (sizeof (float) * components);
  kl->fixed = calloc (components, 1);
  kl->A = calloc (fk, sizeof (double));
  kl->B = calloc (components, sizeof (double));
  kl->h_prev = calloc (components, sizeof (float));
  kl->hpad = aligned_alloc (sizeof (vf8), sizeof (float) * kl->kpad);
  kl->gpad = aligned_alloc (sizeof (vf8), sizeof (float) * kl->kpad);
  kl->scratch = malloc (sizeof (float) * (2 * (size_t) bins + components));
  kl->ch_W = malloc (sizeof (float) * fk);
  kl->ch_colsum = malloc (sizeof (float) * components);
  kl->ch_num = malloc (sizeof (float) * fk);
  kl->ch_den = malloc (sizeof (double) * components);
  kl->ch_h = malloc (sizeof (float) * 2 * CHALLENGE_FRAMES * components);
  kl->ch_slots = malloc (sizeof (int) * 2 * CHALLENGE_FRAMES);
  kl->ch_mass = malloc (sizeof (double) * 2 * CHALLENGE_FRAMES);
  kl->ch_cost = malloc (sizeof (double) * components * components);
  kl->ch_perm = malloc (sizeof (size_t) * components);
  if (!kl->W || !kl->acc || !kl->colsum || !kl->fixed || !kl->A || !kl->B
      || !kl->h_prev || !kl->hpad || !kl->gpad || !kl->scratch
      || !kl->ch_W || !kl->ch_colsum || !kl->ch_num || !kl->ch_den
      || !kl->ch_h || !kl->ch_slots || !kl->ch_mass || !kl->ch_cost
      || !kl->ch_perm
      || alloc_window (kl, 1) != NMF_OK) {
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
  free (kl->block_contrib);
  free (kl->block_h);
  free (kl->block_voiced);
  free (kl->ring_h);
  free (kl->ring_v);
  free (kl->ring_is_voiced);
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
  memset (kl->block_voiced, 0, sizeof (int) * kl->blocks);
  memset (kl->ring_h, 0, sizeof (float) * kl->components * kl->capacity);
  memset (kl->ring_v, 0, sizeof (float) * kl->bins * kl->capacity);
  kl->voiced_seen = 0;
  kl->ring_pos = 0;
  kl->ring_fill = 0;
  kl->ring_voiced = 0;
  memset (kl->ring_is_voiced, 0, kl->capacity);
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

/* The fused per-frame kernel on the column-major templates, 8 bins at a
 * time: m = W h on the block (an axpy per component), r = v / max(m, floor),
 * and grad_k += W_k . r kept as one 8-lane partial sum per component
 * (reduced once at the end).  One pass over W per multiplicative update
 * instead of two matrix-vector products, no horizontal sum per bin, and
 * single-threaded by construction (OpenBLAS threads its gemv above a size
 * and its idle threads spin).  Built for AVX2 and for the baseline ISA,
 * chosen at load time.  acc: components vf8 of scratch (aligned). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define NMF_CLONES __attribute__ ((target_clones ("avx2", "default")))
#else
#define NMF_CLONES
#endif
typedef float vf8u __attribute__ ((vector_size (LANES * sizeof (float)),
        aligned (4)));

NMF_CLONES static void
fused_ratio_grad (const float *restrict W, int F, int K,
    const float *restrict v, const float *restrict h, float *restrict grad,
    float *restrict wh, vf8 * restrict acc)
{
  const int Fb = F / LANES * LANES;

  for (int k = 0; k < K; k++)
    acc[k] = (vf8) { 0 };
  for (int f = 0; f < Fb; f += LANES) {
    vf8 m = (vf8) { 0 };
    for (int k = 0; k < K; k++)
      m += h[k] * *(const vf8u *) (W + (size_t) k * F + f);
    if (wh)
      *(vf8u *) (wh + f) = m;
    vf8 vv = *(const vf8u *) (v + f);
    for (int i = 0; i < LANES; i++)
      m[i] = m[i] > MODEL_FLOOR ? m[i] : MODEL_FLOOR;
    vf8 r = vv / m;
    for (int k = 0; k < K; k++)
      acc[k] += r * *(const vf8u *) (W + (size_t) k * F + f);
  }
  for (int k = 0; k < K; k++) {
    vf8 a = acc[k];
    grad[k] = ((a[0] + a[4]) + (a[1] + a[5])) + ((a[2] + a[6]) + (a[3] + a[7]));
  }
  for (int f = Fb; f < F; f++) {
    float m = 0.0f;
    for (int k = 0; k < K; k++)
      m += h[k] * W[(size_t) k * F + f];
    if (wh)
      wh[f] = m;
    float r = v[f] / (m > MODEL_FLOOR ? m : MODEL_FLOOR);
    for (int k = 0; k < K; k++)
      grad[k] += r * W[(size_t) k * F + f];
  }
}

/* wh = W h. */
NMF_CLONES static void
fused_model (const float *restrict W, int F, int K, const float *restrict h,
    float *restrict wh)
{
  const int Fb = F / LANES * LANES;

  for (int f = 0; f < Fb; f += LANES) {
    vf8 m = (vf8) { 0 };
    for (int k = 0; k < K; k++)
      m += h[k] * *(const vf8u *) (W + (size_t) k * F + f);
    *(vf8u *) (wh + f) = m;
  }
  for (int f = Fb; f < F; f++) {
    float m = 0.0f;
    for (int k = 0; k < K; k++)
      m += h[k] * W[(size_t) k * F + f];
    wh[f] = m;
  }
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
    fused_model (kl->W, kl->bins, K, hg, spectra + (size_t) s * kl->bins);
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
nmf_online_kl_set_update_interval (nmf_online_kl * kl, int frames)
{
  int ret;

  if (frames < 1 || frames > kl->window_frames)
    return NMF_ERR_INVALID_ARGUMENT;
  if (frames == kl->update_interval)
    return NMF_OK;
  if ((ret = alloc_window (kl, frames)) != NMF_OK)
    return ret;
  nmf_online_kl_reset (kl, 1);
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
  normalise_columns (kl->W, kl->colsum, F, kl->components);
  if (kl->n_fixed == kl->components)
    kl->cold = 0;
  return NMF_OK;
}

const float *
nmf_online_kl_templates (const nmf_online_kl * kl)
{
  return kl->W;
}

void
nmf_online_kl_activation_mass (const nmf_online_kl * kl, double *mass)
{
  const int K = kl->components;
  /* complete blocks and the block being filled */
  const float *part = kl->block_h
      + (size_t) K * (kl->ring_pos / kl->update_interval);
  int partial = kl->ring_pos % kl->update_interval != 0;
  for (int k = 0; k < K; k++) {
    double m = kl->B[k] + (partial ? part[k] : 0.0);
    mass[k] = m > 0.0 ? m : 0.0;
  }
}

int
nmf_online_kl_window_fill (const nmf_online_kl * kl)
{
  return kl->ring_fill < kl->window_frames ? kl->ring_fill
      : kl->window_frames;
}

static double
frame_mass (const float *v, int bins)
{
  double mass = 0.0;
  for (int f = 0; f < bins; f++)
    mass += v[f];
  return mass;
}

int
nmf_online_kl_is_silence (const float *v, int bins)
{
  return !(frame_mass (v, bins) > SILENCE_MASS);
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

/* The same updates with the fused kernel, on templates W (column sums
 * colsum): the model's own or a challenger's. */
static void
activations_of (nmf_online_kl * kl, const float *W, const float *colsum,
    const float *v, float *h, int iterations, double mass)
{
  const int K = kl->components, kp = kl->kpad;
  float *hp = kl->hpad, *gp = kl->gpad;
  float floor_h = (float) (mass / kl->bins) * ACTIVATION_FLOOR;

  if (!(floor_h > MODEL_FLOOR))
    floor_h = MODEL_FLOOR;
  memcpy (hp, h, sizeof (float) * K);
  for (int k = K; k < kp; k++)
    hp[k] = 0.0f;
  for (int it = 0; it < iterations; it++) {
    fused_ratio_grad (W, kl->bins, K, v, hp, gp, NULL, kl->acc);
    for (int k = 0; k < K; k++) {
      float x = hp[k] * gp[k] / colsum[k];
      hp[k] = x > floor_h ? x : floor_h;
    }
  }
  memcpy (h, hp, sizeof (float) * K);
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
  *mass = frame_mass (v, kl->bins);
  if (*mass > SILENCE_MASS)
    return 0;
  for (int k = 0; k < kl->components; k++)
    h[k] = MODEL_FLOOR;
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
  activations_of (kl, kl->W, kl->colsum, v, h, kl->iterations, mass);
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
  activations_of (kl, kl->W, kl->colsum, v, h, iterations, mass);
}

/* The block being filled holds frames when ring_pos is inside it. */
static int
partial_block (const nmf_online_kl * kl)
{
  return kl->ring_pos % kl->update_interval != 0
      ? kl->ring_pos / kl->update_interval : -1;
}

/* Slot s holds a frame of the window: written, and not a frame of the
 * previous pass left in the block being filled (that block left the
 * statistics whole when it started, update_interval > 1). */
static int
in_window (const nmf_online_kl * kl, int s)
{
  return s < kl->ring_fill && kl->ring_is_voiced[s]
      && !(s >= kl->ring_pos && s / kl->update_interval == partial_block (kl));
}

/* Exact re-summation of the complete blocks, so that rounding in the
 * running add/subtract cannot accumulate over hours of audio, nor be all
 * that is left when a block that held most of the sum leaves. */
static void
resum_window (nmf_online_kl * kl)
{
  const size_t fk = (size_t) kl->bins * kl->components;
  const int part = partial_block (kl);
  const int used = kl->ring_fill == kl->capacity ? kl->blocks
      : (kl->ring_fill + kl->update_interval - 1) / kl->update_interval;

  memset (kl->A, 0, sizeof (double) * fk);
  memset (kl->B, 0, sizeof (double) * kl->components);
  for (int b = 0; b < used; b++) {
    if (b == part)
      continue;
    const float *c = kl->block_contrib + fk * b;
    const float *hs = kl->block_h + (size_t) kl->components * b;
    for (size_t i = 0; i < fk; i++)
      kl->A[i] += c[i];
    for (int k = 0; k < kl->components; k++)
      kl->B[k] += hs[k];
  }
  kl->frames_since_resum = 0;
}

/* slot += W * ((v / Wh) h^T) for templates W (the model's or a
 * challenger's); templates held fixed get nothing (they never use it) */
static void
contribution_of (nmf_online_kl * kl, const float *W, const float *v,
    const float *h, float *slot)
{
  const int F = kl->bins, K = kl->components;
  float *wh = kl->scratch;
  float *ratio = kl->scratch + F;

  if (kl->n_fixed == K)
    return;
  fused_model (W, F, K, h, wh);
  for (int f = 0; f < F; f++)
    ratio[f] = v[f] / (wh[f] > MODEL_FLOOR ? wh[f] : MODEL_FLOOR);
  for (int k = 0; k < K; k++) {
    if (kl->fixed[k])
      continue;
    const float *w = W + (size_t) k * F;
    float *c = slot + (size_t) k * F;
    const float hk = h[k];
    for (int f = 0; f < F; f++)
      c[f] += w[f] * ratio[f] * hk;
  }
}

/* W = (A + partial block) / (1 (B + partial)^T); a component with no mass
 * in the window, or held fixed, keeps its template */
static void
update_templates (nmf_online_kl * kl)
{
  const int F = kl->bins, K = kl->components;
  const int part = partial_block (kl);
  const size_t fk = (size_t) F * K;
  const float *pc = part >= 0 ? kl->block_contrib + fk * part : NULL;
  const float *ph = part >= 0 ? kl->block_h + (size_t) K * part : NULL;

  if (kl->n_fixed == K)
    return;
  for (int k = 0; k < K; k++) {
    double b = kl->B[k] + (ph ? ph[k] : 0.0);
    if (kl->fixed[k] || !(b > (double) MODEL_FLOOR))
      continue;
    float *w = kl->W + (size_t) k * F;
    const double *a = kl->A + (size_t) k * F;
    const float *p = pc ? pc + (size_t) k * F : NULL;
    double inv = 1.0 / b;
    for (int f = 0; f < F; f++)
      w[f] = (float) ((a[f] + (p ? p[f] : 0.0f)) * inv);
  }
  normalise_columns (kl->W, kl->colsum, F, K);
}

/* One batch majorize-minimize step over the whole window (see
 * REFRESH_DIVISOR): every stored frame re-fitted with the current W
 * (iterations updates of its activations), the block statistics
 * recomputed. */
static void
refresh_window (nmf_online_kl * kl, int iterations)
{
  const int F = kl->bins, K = kl->components, M = kl->update_interval;
  const size_t fk = (size_t) F * K;

  memset (kl->block_contrib, 0, sizeof (float) * fk * kl->blocks);
  memset (kl->block_h, 0, sizeof (float) * K * kl->blocks);
  for (int s = 0; s < kl->ring_fill; s++) {
    if (!in_window (kl, s))
      continue;
    const float *v = kl->ring_v + (size_t) F * s;
    float *h = kl->ring_h + (size_t) K * s;
    float *bh = kl->block_h + (size_t) K * (s / M);
    activations_of (kl, kl->W, kl->colsum, v, h, iterations,
        frame_mass (v, F));
    contribution_of (kl, kl->W, v, h, kl->block_contrib + fk * (s / M));
    for (int k = 0; k < K; k++)
      bh[k] += h[k];
  }
  resum_window (kl);
  update_templates (kl);
}

/* Held-out divergence of templates W over the frames in slots: activations
 * from an even split, CHALLENGE_EVAL_ITERATIONS updates, the same for any
 * W so that two models are judged alike. */
static double
held_out_divergence (nmf_online_kl * kl, const float *W, const float *colsum,
    const int *slots, const double *mass, int n, float *h)
{
  const int F = kl->bins, K = kl->components;
  double d = 0.0;

  for (int i = 0; i < n; i++) {
    const float *v = kl->ring_v + (size_t) F * slots[i];
    for (int k = 0; k < K; k++)
      h[k] = (float) (mass[i] / K);
    activations_of (kl, W, colsum, v, h, CHALLENGE_EVAL_ITERATIONS, mass[i]);
    d += nmf_kl_divergence (W, F, K, v, h);
  }
  return d;
}

/* The challenge of CHALLENGE_FRAMES: returns 1 when the fresh model won
 * and is now in force (its window statistics rebuilt). */
static int
challenge (nmf_online_kl * kl)
{
  const int F = kl->bins, K = kl->components;
  const size_t fk = (size_t) F * K;
  const int oldest = kl->ring_fill == kl->capacity ? kl->ring_pos : 0;
  int voiced = 0;
  for (int s = 0; s < kl->ring_fill; s++)
    voiced += in_window (kl, s);
  int want = voiced < 2 * CHALLENGE_FRAMES ? voiced : 2 * CHALLENGE_FRAMES;
  int *train = kl->ch_slots, *eval = kl->ch_slots + CHALLENGE_FRAMES;
  double *train_mass = kl->ch_mass;
  double *eval_mass = kl->ch_mass + CHALLENGE_FRAMES;
  int n_train = 0, n_eval = 0, picked = 0, seen = 0;
  float *h_train = kl->ch_h, *h_eval = kl->ch_h + (size_t) CHALLENGE_FRAMES * K;
  double d_new, d_old;
  uint64_t state;

  /* a fit to a handful of frames judged on a handful says nothing */
  if (kl->n_fixed == K || want < CHALLENGE_MIN_FRAMES)
    return 0;
  /* voiced frames spread evenly over the window, alternately for fitting
   * and for judging */
  for (int i = 0; i < kl->ring_fill && picked < want; i++) {
    int slot = (oldest + i) % kl->capacity;
    if (!in_window (kl, slot))
      continue;
    if (seen++ != (int) (((double) picked + 0.5) * voiced / want))
      continue;
    double mass = frame_mass (kl->ring_v + (size_t) F * slot, F);
    if (picked++ % 2 == 0) {
      train_mass[n_train] = mass;
      train[n_train++] = slot;
    } else {
      eval_mass[n_eval] = mass;
      eval[n_eval++] = slot;
    }
  }
  if (n_train < 2 || n_eval < 2)
    return 0;

  /* the fresh model: a cold start with a new draw, then batch KL-NMF */
  state = kl->seed ^ (0x9E3779B97F4A7C15ull * ++kl->challenges);
  memcpy (kl->ch_W, kl->W, sizeof (float) * fk);
  draw_templates (kl, kl->ch_W, kl->ch_colsum, &state);
  seed_first_free (kl, kl->ch_W, kl->ch_colsum,
      kl->ring_v + (size_t) F * train[0], train_mass[0]);
  for (int i = 0; i < n_train; i++)
    for (int k = 0; k < K; k++)
      h_train[(size_t) K * i + k] = (float) (train_mass[i] / K);
  for (int it = 0; it < CHALLENGE_ITERATIONS; it++) {
    memset (kl->ch_num, 0, sizeof (float) * fk);
    memset (kl->ch_den, 0, sizeof (double) * K);
    for (int i = 0; i < n_train; i++) {
      const float *v = kl->ring_v + (size_t) F * train[i];
      float *h = h_train + (size_t) K * i;
      activations_of (kl, kl->ch_W, kl->ch_colsum, v, h, 1, train_mass[i]);
      contribution_of (kl, kl->ch_W, v, h, kl->ch_num);
      for (int k = 0; k < K; k++)
        kl->ch_den[k] += h[k];
    }
    for (int k = 0; k < K; k++) {
      if (kl->fixed[k] || !(kl->ch_den[k] > (double) MODEL_FLOOR))
        continue;
      float *w = kl->ch_W + (size_t) k * F;
      const float *a = kl->ch_num + (size_t) k * F;
      float inv = (float) (1.0 / kl->ch_den[k]);
      for (int f = 0; f < F; f++)
        w[f] = a[f] * inv;
    }
    normalise_columns (kl->ch_W, kl->ch_colsum, F, K);
  }

  d_new = held_out_divergence (kl, kl->ch_W, kl->ch_colsum, eval, eval_mass,
      n_eval, h_eval);
  d_old = held_out_divergence (kl, kl->W, kl->colsum, eval, eval_mass, n_eval,
      h_eval);
  if (!(d_new < CHALLENGE_MARGIN * d_old))
    return 0;

  /* the fresh model takes over: each old component's index goes to the new
   * template closest to it (cosine), templates held fixed stay where they
   * are */
  for (int i = 0; i < K; i++)
    for (int j = 0; j < K; j++) {
      double c;
      if (kl->fixed[i] || kl->fixed[j])
        c = i == j ? -2.0 : 2.0;
      else {
        const float *a = kl->W + (size_t) i * F, *b = kl->ch_W + (size_t) j * F;
        double ab = 0.0, aa = 0.0, bb = 0.0;
        for (int f = 0; f < F; f++) {
          ab += (double) a[f] * b[f];
          aa += (double) a[f] * a[f];
          bb += (double) b[f] * b[f];
        }
        c = -ab / sqrt (aa * bb + 1e-300);
      }
      kl->ch_cost[(size_t) i * K + j] = c;
    }
  if (nmf_assignment_solve (kl->ch_cost, (size_t) K, kl->ch_perm, NULL)
      != NMF_OK)
    for (int k = 0; k < K; k++)
      kl->ch_perm[k] = (size_t) k;
  for (int k = 0; k < K; k++)
    memcpy (kl->W + (size_t) k * F, kl->ch_W + (size_t) kl->ch_perm[k] * F,
        sizeof (float) * F);
  normalise_columns (kl->W, kl->colsum, F, K);

  /* the window's activations and statistics, rebuilt for the new model */
  for (int s = 0; s < kl->ring_fill; s++) {
    if (!in_window (kl, s))
      continue;
    double mass = frame_mass (kl->ring_v + (size_t) F * s, F);
    for (int k = 0; k < K; k++)
      kl->ring_h[(size_t) K * s + k] = (float) (mass / K);
  }
  for (int r = 0; r < CHALLENGE_REBUILD_PASSES; r++)
    refresh_window (kl, REFRESH_ITERATIONS);
  kl->have_prev = 0;
  kl->restarts++;
  return 1;
}

void
nmf_online_kl_learn (nmf_online_kl * kl, const float *v, const float *h)
{
  const int F = kl->bins, K = kl->components, M = kl->update_interval;
  const size_t fk = (size_t) F * K;
  const int pos = kl->ring_pos, b = pos / M;
  float *block = kl->block_contrib + fk * b;
  float *block_h = kl->block_h + (size_t) K * b;
  int silent = !(frame_mass (v, F) > SILENCE_MASS);

  /* a new block starts: the block it replaces leaves the window */
  if (pos % M == 0) {
    int cancelled = 0;
    if (kl->ring_fill == kl->capacity) {
      for (size_t i = 0; i < fk; i++)
        kl->A[i] -= block[i];
      for (int k = 0; k < K; k++) {
        kl->B[k] -= block_h[k];
        cancelled |= block_h[k] > kl->B[k];
      }
    }
    memset (block, 0, sizeof (float) * fk);
    memset (block_h, 0, sizeof (float) * K);
    kl->block_voiced[b] = 0;
    /* The block held more of a component's mass than the rest of the
     * window: what the subtraction left is as much rounding error as
     * statistic (after a burst 1e15 times louder, nothing but error, and
     * the templates learn it), so sum the rest again exactly. */
    if (cancelled)
      resum_window (kl);
  }
  if (kl->ring_fill == kl->capacity)
    kl->ring_voiced -= kl->ring_is_voiced[pos];
  else
    kl->ring_fill++;

  /* the frame entering: W * ((v / Wh) h^T); silence contributes nothing */
  if (!silent) {
    contribution_of (kl, kl->W, v, h, block);
    for (int k = 0; k < K; k++)
      block_h[k] += h[k];
    memcpy (kl->ring_v + (size_t) F * pos, v, sizeof (float) * F);
    memcpy (kl->ring_h + (size_t) K * pos, h, sizeof (float) * K);
    kl->block_voiced[b]++;
    kl->voiced_seen++;
  }
  kl->ring_is_voiced[pos] = !silent;
  kl->ring_voiced += !silent;
  kl->ring_pos = (pos + 1) % kl->capacity;
  int complete = pos % M == M - 1;
  if (complete) {
    for (size_t i = 0; i < fk; i++)
      kl->A[i] += block[i];
    for (int k = 0; k < K; k++)
      kl->B[k] += block_h[k];
  }
  if (kl->ring_voiced == 0) {
    /* an all-silent window: the statistics are exactly empty, keep W */
    memset (kl->A, 0, sizeof (double) * fk);
    memset (kl->B, 0, sizeof (double) * K);
    kl->frames_since_resum = 0;
    return;
  }
  if (!silent && kl->voiced_seen > kl->window_frames
      && ++kl->voiced_since_challenge >= kl->window_frames) {
    kl->voiced_since_challenge = 0;
    if (challenge (kl))
      return;
  }
  if (!silent && kl->voiced_seen <= kl->window_frames) {
    int64_t interval = kl->voiced_seen / REFRESH_DIVISOR;
    if (interval < 1 || kl->voiced_seen % interval == 0) {
      refresh_window (kl, REFRESH_ITERATIONS);
      return;
    }
  } else if (!silent && kl->refreshes > 0 && kl->n_fixed < K) {
    int interval = kl->window_frames / kl->refreshes;
    if (interval < 1 || kl->voiced_seen % interval == 0) {
      refresh_window (kl, STEADY_REFRESH_ITERATIONS);
      return;
    }
  }
  if (!complete)
    return;
  if ((kl->frames_since_resum += M) >= kl->capacity)
    resum_window (kl);
  update_templates (kl);
}

uint64_t
nmf_online_kl_restarts (const nmf_online_kl * kl)
{
  return kl->restarts;
}
