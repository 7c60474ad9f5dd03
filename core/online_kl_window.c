/* gst-nmf core: KL-NMF over a sliding window - the window statistics
 * and the template update (see online_kl.h). */
#include "online_kl_private.h"

#include <nmf/error.h>

#include <stdlib.h>
#include <string.h>

static void
free_storage (float *block_contrib, float *block_h, float *ring_h,
    float *ring_v)
{
  free (block_contrib);
  free (block_h);
  free (ring_h);
  free (ring_v);
}

void
nmf_online_kl_free_window (nmf_online_kl * kl)
{
  free_storage (kl->block_contrib, kl->block_h, kl->ring_h, kl->ring_v);
  kl->block_contrib = kl->block_h = kl->ring_h = kl->ring_v = NULL;
}

/* (Re)allocate the window storage for update interval m. */
int
nmf_online_kl_alloc_window (nmf_online_kl * kl, int m)
{
  const size_t fk = (size_t) kl->bins * kl->components;
  int blocks = (kl->window_frames + m - 1) / m;
  int cap = blocks * m;
  float *bc = calloc (fk * blocks, sizeof (float));
  float *bh = calloc ((size_t) kl->components * blocks, sizeof (float));
  float *rh = calloc ((size_t) kl->components * cap, sizeof (float));
  float *rv = calloc ((size_t) kl->bins * cap, sizeof (float));

  if (!bc || !bh || !rh || !rv) {
    free_storage (bc, bh, rh, rv);
    return NMF_ERR_NO_MEMORY;
  }
  nmf_online_kl_free_window (kl);
  kl->block_contrib = bc;
  kl->block_h = bh;
  kl->ring_h = rh;
  kl->ring_v = rv;
  kl->update_interval = m;
  kl->blocks = blocks;
  kl->capacity = cap;
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
  if ((ret = nmf_online_kl_alloc_window (kl, frames)) != NMF_OK)
    return ret;
  nmf_online_kl_reset (kl, 1);
  return NMF_OK;
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
int
nmf_online_kl_in_window (const nmf_online_kl * kl, int s)
{
  return s < kl->ring_fill
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
void
nmf_online_kl_contribution (nmf_online_kl * kl, const float *W, const float *v,
    const float *h, float *slot)
{
  const int F = kl->bins, K = kl->components;
  float *wh = kl->scratch;
  float *ratio = kl->scratch + F;

  if (kl->n_fixed == K)
    return;
  nmf_kl_fused_model (W, F, K, h, wh);
  for (int f = 0; f < F; f++)
    ratio[f] = v[f] / (wh[f] > NMF_KL_MODEL_FLOOR ? wh[f] : NMF_KL_MODEL_FLOOR);
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
    if (kl->fixed[k] || !(b > (double) NMF_KL_MODEL_FLOOR))
      continue;
    float *w = kl->W + (size_t) k * F;
    const double *a = kl->A + (size_t) k * F;
    const float *p = pc ? pc + (size_t) k * F : NULL;
    double inv = 1.0 / b;
    for (int f = 0; f < F; f++)
      w[f] = (float) ((a[f] + (p ? p[f] : 0.0f)) * inv);
  }
  nmf_kl_normalise_columns (kl->W, kl->colsum, F, K);
}

/* One batch majorize-minimize step over the whole window (see
 * REFRESH_DIVISOR): every stored frame re-fitted with the current W
 * (iterations updates of its activations), the block statistics
 * recomputed. */
void
nmf_online_kl_refresh_window (nmf_online_kl * kl, int iterations)
{
  const int F = kl->bins, K = kl->components, M = kl->update_interval;
  const size_t fk = (size_t) F * K;

  memset (kl->block_contrib, 0, sizeof (float) * fk * kl->blocks);
  memset (kl->block_h, 0, sizeof (float) * K * kl->blocks);
  for (int s = 0; s < kl->ring_fill; s++) {
    if (!nmf_online_kl_in_window (kl, s))
      continue;
    const float *v = kl->ring_v + (size_t) F * s;
    float *h = kl->ring_h + (size_t) K * s;
    float *bh = kl->block_h + (size_t) K * (s / M);
    nmf_online_kl_fit (kl, kl->W, kl->colsum, v, h, iterations,
        nmf_kl_frame_mass (v, F));
    kl->refitted_frames++;
    nmf_online_kl_contribution (kl, kl->W, v, h,
        kl->block_contrib + fk * (s / M));
    for (int k = 0; k < K; k++)
      bh[k] += h[k];
  }
  resum_window (kl);
  update_templates (kl);
}

void
nmf_online_kl_learn (nmf_online_kl * kl, const float *v, const float *h)
{
  const int F = kl->bins, K = kl->components, M = kl->update_interval;
  const size_t fk = (size_t) F * K;
  const int pos = kl->ring_pos, b = pos / M;
  float *block = kl->block_contrib + fk * b;
  float *block_h = kl->block_h + (size_t) K * b;
  /* Silence says nothing about the sources and takes no place in the
   * window: the window is the last window_frames frames with sound.  Had
   * it taken one, a pause (or the silence the separator's drain feeds a
   * look-ahead at the end of a stream) would push the sounding frames out
   * one by one, re-fitting the templates to fewer and fewer of them, the
   * last ones alone at the end. */
  if (!(nmf_kl_frame_mass (v, F) > NMF_KL_SILENCE_MASS))
    return;

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
    /* The block held more of a component's mass than the rest of the
     * window: what the subtraction left is as much rounding error as
     * statistic (after a burst 1e15 times louder, nothing but error, and
     * the templates learn it), so sum the rest again exactly. */
    if (cancelled)
      resum_window (kl);
  }
  if (kl->ring_fill < kl->capacity)
    kl->ring_fill++;

  /* the frame entering: W * ((v / Wh) h^T) */
  nmf_online_kl_contribution (kl, kl->W, v, h, block);
  for (int k = 0; k < K; k++)
    block_h[k] += h[k];
  memcpy (kl->ring_v + (size_t) F * pos, v, sizeof (float) * F);
  memcpy (kl->ring_h + (size_t) K * pos, h, sizeof (float) * K);
  kl->voiced_seen++;
  kl->ring_pos = (pos + 1) % kl->capacity;
  int complete = pos % M == M - 1;
  if (complete) {
    for (size_t i = 0; i < fk; i++)
      kl->A[i] += block[i];
    for (int k = 0; k < K; k++)
      kl->B[k] += block_h[k];
  }
  if (kl->voiced_seen > kl->window_frames
      && ++kl->voiced_since_challenge >= kl->window_frames) {
    kl->voiced_since_challenge = 0;
    if (nmf_online_kl_challenge (kl))
      return;
  }
  if (kl->voiced_seen <= kl->window_frames) {
    /* the next re-fit t / REFRESH_DIVISOR frames on (re-fitting when t
     * was a multiple of t / REFRESH_DIVISOR did it at every t = 8 k:
     * window_frames^2 / 16 frame-solves, hours at 100000 frames) */
    if (kl->voiced_seen >= kl->next_warm_refresh) {
      const int64_t step = kl->voiced_seen / REFRESH_DIVISOR;
      kl->next_warm_refresh = kl->voiced_seen + (step > 1 ? step : 1);
      nmf_online_kl_refresh_window (kl, REFRESH_ITERATIONS);
      return;
    }
  } else if (kl->refreshes > 0 && kl->n_fixed < K) {
    int interval = kl->window_frames / kl->refreshes;
    if (interval < 1 || kl->voiced_seen % interval == 0) {
      nmf_online_kl_refresh_window (kl, STEADY_REFRESH_ITERATIONS);
      return;
    }
  }
  if (!complete)
    return;
  if ((kl->frames_since_resum += M) >= kl->capacity)
    resum_window (kl);
  update_templates (kl);
}
