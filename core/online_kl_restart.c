/* gst-nmf core: KL-NMF over a sliding window - the bounded-memory check
 * (see CHALLENGE_FRAMES in online_kl_private.h). */
#include "online_kl_private.h"

#include <nmf/error.h>

#include "hungarian.h"

#include <math.h>
#include <string.h>

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
    nmf_online_kl_fit (kl, W, colsum, v, h, CHALLENGE_EVAL_ITERATIONS, mass[i]);
    d += nmf_kl_divergence (W, F, K, v, h);
  }
  return d;
}

/* The challenge of CHALLENGE_FRAMES: returns 1 when the fresh model won
 * and is now in force (its window statistics rebuilt). */
int
nmf_online_kl_challenge (nmf_online_kl * kl)
{
  const int F = kl->bins, K = kl->components;
  const size_t fk = (size_t) F * K;
  const int oldest = kl->ring_fill == kl->capacity ? kl->ring_pos : 0;
  int voiced = 0;
  for (int s = 0; s < kl->ring_fill; s++)
    voiced += nmf_online_kl_in_window (kl, s);
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
    if (!nmf_online_kl_in_window (kl, slot))
      continue;
    if (seen++ != (int) (((double) picked + 0.5) * voiced / want))
      continue;
    double mass = nmf_kl_frame_mass (kl->ring_v + (size_t) F * slot, F);
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
  nmf_online_kl_draw_templates (kl, kl->ch_W, kl->ch_colsum, &state);
  nmf_online_kl_seed_first_free (kl, kl->ch_W, kl->ch_colsum,
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
      nmf_online_kl_fit (kl, kl->ch_W, kl->ch_colsum, v, h, 1, train_mass[i]);
      nmf_online_kl_contribution (kl, kl->ch_W, v, h, kl->ch_num);
      for (int k = 0; k < K; k++)
        kl->ch_den[k] += h[k];
    }
    for (int k = 0; k < K; k++) {
      if (kl->fixed[k] || !(kl->ch_den[k] > (double) NMF_KL_MODEL_FLOOR))
        continue;
      float *w = kl->ch_W + (size_t) k * F;
      const float *a = kl->ch_num + (size_t) k * F;
      float inv = (float) (1.0 / kl->ch_den[k]);
      for (int f = 0; f < F; f++)
        w[f] = a[f] * inv;
    }
    nmf_kl_normalise_columns (kl->ch_W, kl->ch_colsum, F, K);
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
  if (nmf_assignment_solve_in (kl->ch_work, kl->ch_cost, (size_t) K,
          kl->ch_perm, NULL)
      != NMF_OK)
    for (int k = 0; k < K; k++)
      kl->ch_perm[k] = (size_t) k;
  for (int k = 0; k < K; k++)
    memcpy (kl->W + (size_t) k * F, kl->ch_W + (size_t) kl->ch_perm[k] * F,
        sizeof (float) * F);
  nmf_kl_normalise_columns (kl->W, kl->colsum, F, K);

  /* the window's activations and statistics, rebuilt for the new model */
  for (int s = 0; s < kl->ring_fill; s++) {
    if (!nmf_online_kl_in_window (kl, s))
      continue;
    double mass = nmf_kl_frame_mass (kl->ring_v + (size_t) F * s, F);
    for (int k = 0; k < K; k++)
      kl->ring_h[(size_t) K * s + k] = (float) (mass / K);
  }
  for (int r = 0; r < CHALLENGE_REBUILD_PASSES; r++)
    nmf_online_kl_refresh_window (kl, REFRESH_ITERATIONS);
  kl->have_prev = 0;
  kl->restarts++;
  return 1;
}

uint64_t
nmf_online_kl_restarts (const nmf_online_kl * kl)
{
  return kl->restarts;
}
