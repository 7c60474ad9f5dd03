/* The sliding-window KL-NMF: divergence never increases over iterations,
 * the warm-started window learns a planted model and beats a cold start,
 * silence and tiny values produce no NaN, a pause leaves the window's
 * frames in it, a model poisoned by a loud stretch is replaced, a loud
 * burst leaves no trace once it has left the window, re-fitting the
 * window keeps a planted model. */
#include "check.h"
#include <nmf/error.h>
#include "kl_kernels.h"
#include "online_kl.h"
#include "online_kl_private.h"

#include <string.h>

#define F 257
#define K 3

static void
planted_templates (float *W, unsigned long long *seed)
{
  /* each component: a few harmonic peaks at its own fundamental */
  const int f0[K] = { 11, 17, 29 };
  for (int k = 0; k < K; k++) {
    double sum = 0.0;
    for (int f = 0; f < F; f++) {
      double x = 1e-3 * test_uniform (seed);
      for (int h = 1; h * f0[k] < F; h++)
        x += exp (-0.5 * (f - h * f0[k]) * (f - h * f0[k])) / h;
      W[k * F + f] = (float) x;
      sum += x;
    }
    for (int f = 0; f < F; f++)
      W[k * F + f] /= (float) sum;
  }
}

static void
planted_frame (const float *W, const float *h, float *v)
{
  for (int f = 0; f < F; f++) {
    double x = 0.0;
    for (int k = 0; k < K; k++)
      x += W[k * F + f] * h[k];
    v[f] = (float) x;
  }
}

static void
random_activations (float *h, unsigned long long *seed)
{
  for (int k = 0; k < K; k++)
    h[k] = test_uniform (seed) < 0.4 ? 0.0f : (float) (100.0 * test_uniform (seed));
}

static void
test_divergence_monotone (void)
{
  unsigned long long seed = 7;
  float W[K * F], colsum[K], v[F], h[K], scratch[2 * F + K];

  for (int trial = 0; trial < 20; trial++) {
    for (int k = 0; k < K; k++) {
      colsum[k] = 0.0f;
      for (int f = 0; f < F; f++) {
        W[k * F + f] = (float) (test_uniform (&seed) + 1e-3);
        colsum[k] += W[k * F + f];
      }
      h[k] = (float) (test_uniform (&seed) + 0.1);
    }
    for (int f = 0; f < F; f++)
      v[f] = trial % 4 == 0 && f % 3 ? 0.0f : (float) (10.0 * test_uniform (&seed));
    double prev = nmf_kl_divergence (W, F, K, v, h);
    for (int it = 0; it < 100; it++) {
      nmf_kl_update_activations (W, colsum, F, K, v, h, 1, scratch);
      double d = nmf_kl_divergence (W, F, K, v, h);
      CHECK (d <= prev * (1.0 + 1e-6) + 1e-6,
          "trial %d iteration %d: divergence rose from %.9g to %.9g",
          trial, it, prev, d);
      prev = d;
    }
  }
}

static double
cosine (const float *a, const float *b)
{
  double ab = 0, aa = 0, bb = 0;
  for (int f = 0; f < F; f++) {
    ab += (double) a[f] * b[f];
    aa += (double) a[f] * a[f];
    bb += (double) b[f] * b[f];
  }
  return ab / sqrt (aa * bb);
}

static void
test_window_learns_planted_model (void)
{
  unsigned long long seed = 99;
  float W_true[K * F], v[F], h_true[K], h[K];
  nmf_online_kl *warm, *cold;
  double warm_div = 0.0, cold_div = 0.0, first_div = 0.0, norm = 0.0;
  int frames = 1500, sounding = 0;

  planted_templates (W_true, &seed);
  CHECK_OK (nmf_online_kl_create (&warm, F, K, 200, 15, 1));
  for (int t = 0; t < frames; t++) {
    random_activations (h_true, &seed);
    planted_frame (W_true, h_true, v);
    nmf_online_kl_activate (warm, v, h);
    double d = nmf_kl_divergence (nmf_online_kl_templates (warm), F, K, v, h);
    double mass = 0;
    for (int f = 0; f < F; f++)
      mass += v[f];
    if (t < 50)
      first_div += d / (mass + 1e-9);
    nmf_online_kl_learn (warm, v, h);
    /* the frames with sound: one in 16 has every activation at 0 */
    sounding += mass > 0;
    CHECK (nmf_online_kl_window_fill (warm) == (sounding < 200 ? sounding : 200),
        "window fill %d at frame %d", nmf_online_kl_window_fill (warm), t);
  }

  /* each planted template is found by one learned component */
  const float *W = nmf_online_kl_templates (warm);
  for (int k = 0; k < K; k++) {
    double best = 0.0;
    for (int j = 0; j < K; j++) {
      double c = cosine (W_true + k * F, W + j * F);
      if (c > best)
        best = c;
    }
    printf ("planted template %d: best cosine %.4f\n", k, best);
    CHECK (best > 0.95, "template %d not learned: cosine %.4f", k, best);
  }

  /* warm-started window against a cold start on the same new frames */
  CHECK_OK (nmf_online_kl_create (&cold, F, K, 200, 15, 1));
  for (int t = 0; t < 50; t++) {
    random_activations (h_true, &seed);
    planted_frame (W_true, h_true, v);
    double mass = 0;
    for (int f = 0; f < F; f++)
      mass += v[f];
    nmf_online_kl_activate (warm, v, h);
    warm_div += nmf_kl_divergence (nmf_online_kl_templates (warm), F, K, v, h);
    nmf_online_kl_learn (warm, v, h);
    nmf_online_kl_activate (cold, v, h);
    cold_div += nmf_kl_divergence (nmf_online_kl_templates (cold), F, K, v, h);
    nmf_online_kl_learn (cold, v, h);
    norm += mass;
  }
  printf ("relative divergence: first frames %.4g, warm %.4g, cold %.4g\n",
      first_div / 50, warm_div / norm, cold_div / norm);
  CHECK (warm_div < 0.25 * cold_div, "warm %g not below cold %g", warm_div,
      cold_div);
  CHECK (warm_div / norm < 0.01, "warm relative divergence %g",
      warm_div / norm);

  /* reset keeping templates keeps W; full reset restarts from the seed */
  float saved[K * F];
  memcpy (saved, nmf_online_kl_templates (warm), sizeof saved);
  nmf_online_kl_reset (warm, 1);
  CHECK (memcmp (saved, nmf_online_kl_templates (warm), sizeof saved) == 0,
      "reset(keep) changed the templates");
  CHECK (nmf_online_kl_window_fill (warm) == 0, "reset left frames");
  nmf_online_kl_reset (warm, 0);
  nmf_online_kl_reset (cold, 0);
  CHECK (memcmp (nmf_online_kl_templates (cold),
          nmf_online_kl_templates (warm), sizeof saved) == 0,
      "same seed, different start");
  nmf_online_kl_destroy (&warm);
  nmf_online_kl_destroy (&cold);
  CHECK (warm == NULL && cold == NULL, "destroy must NULL");
}

static int
all_finite (const float *x, int n)
{
  for (int i = 0; i < n; i++)
    if (!isfinite (x[i]))
      return 0;
  return 1;
}

static void
test_silence_and_tiny_values (void)
{
  unsigned long long seed = 5;
  float W_true[K * F], v[F], h_true[K], h[K], before[K * F];
  nmf_online_kl *kl;

  planted_templates (W_true, &seed);
  CHECK_OK (nmf_online_kl_create (&kl, F, K, 50, 15, 3));
  /* silence from the start */
  memset (v, 0, sizeof v);
  for (int t = 0; t < 120; t++) {
    nmf_online_kl_activate (kl, v, h);
    CHECK (all_finite (h, K), "NaN activations on silence");
    nmf_online_kl_learn (kl, v, h);
  }
  CHECK (all_finite (nmf_online_kl_templates (kl), K * F), "NaN templates");
  /* sound, then a window's worth of silence: the model is kept */
  for (int t = 0; t < 200; t++) {
    random_activations (h_true, &seed);
    planted_frame (W_true, h_true, v);
    nmf_online_kl_activate (kl, v, h);
    nmf_online_kl_learn (kl, v, h);
  }
  memcpy (before, nmf_online_kl_templates (kl), sizeof before);
  memset (v, 0, sizeof v);
  for (int t = 0; t < 120; t++) {
    nmf_online_kl_activate (kl, v, h);
    nmf_online_kl_learn (kl, v, h);
  }
  const float *W = nmf_online_kl_templates (kl);
  CHECK (all_finite (W, K * F), "NaN templates after silence");
  double worst = 1.0;
  for (int k = 0; k < K; k++) {
    double c = cosine (before + k * F, W + k * F);
    worst = c < worst ? c : worst;
  }
  CHECK (worst > 0.999, "silence changed the model: cosine %g", worst);
  /* tiny, huge and sparse magnitudes */
  const float scales[] = { 1e-30f, 1e-20f, 1e-12f, 1e12f, 1e30f };
  for (size_t i = 0; i < sizeof scales / sizeof scales[0]; i++) {
    for (int t = 0; t < 60; t++) {
      random_activations (h_true, &seed);
      planted_frame (W_true, h_true, v);
      for (int f = 0; f < F; f++)
        v[f] *= scales[i] * (f % 7 == 0 ? 0.0f : 1.0f);
      nmf_online_kl_activate (kl, v, h);
      CHECK (all_finite (h, K), "NaN activations at scale %g", scales[i]);
      nmf_online_kl_learn (kl, v, h);
      CHECK (all_finite (nmf_online_kl_templates (kl), K * F),
          "NaN templates at scale %g", scales[i]);
    }
  }
  nmf_online_kl_destroy (&kl);
}

/* 8 windows of planted frames, the second window replaced by `loud`
 * (unless NULL); the activations must stay finite throughout */
static void
feed_poisoned (nmf_online_kl * kl, const float *W_true, const float *loud,
    int window, unsigned long long *seed)
{
  float v[F], h_true[K], h[K];

  for (int t = 0; t < 8 * window; t++) {
    random_activations (h_true, seed);
    planted_frame (W_true, h_true, v);
    if (loud && t >= window && t < 2 * window)
      memcpy (v, loud, sizeof v);
    nmf_online_kl_activate (kl, v, h);
    CHECK (all_finite (h, K), "NaN activations at frame %d", t);
    nmf_online_kl_learn (kl, v, h);
  }
}

/* Bounded memory: a model taken over by a loud stretch unlike the sources
 * (one broadband spectrum, for a whole window) is replaced by a fresh fit
 * once the stretch has left the window, and finds the planted templates
 * again; on a clean stream the model in force is never replaced. */
/* Silence does not enter the window: a pause, or the silence a
 * look-ahead's drain feeds at the end of a stream, leaves the window's
 * sounding frames where they are.  Before, each silent frame pushed one out
 * and the templates were re-estimated from those left, the last ones alone
 * at the end; here the last frames before the pause hold only component 0,
 * so templates 1 and 2 were re-fitted to what little of them those frames
 * showed (found at the end of a file with the file profile: the last
 * window's frames, released during the drain, separated 5 dB worse). */
static void
test_silence_keeps_window (void)
{
  unsigned long long seed = 9;
  const int window = 50;
  float W_true[K * F], v[F], h_true[K], h[K], before[K * F];
  nmf_online_kl *kl;

  planted_templates (W_true, &seed);
  CHECK_OK (nmf_online_kl_create (&kl, F, K, window, 15, 3));
  for (int t = 0; t < 200; t++) {
    random_activations (h_true, &seed);
    if (t >= 195)               /* the last frames: component 0 alone */
      h_true[0] = 100.0f, h_true[1] = h_true[2] = 0.0f;
    planted_frame (W_true, h_true, v);
    nmf_online_kl_activate (kl, v, h);
    nmf_online_kl_learn (kl, v, h);
  }
  memcpy (before, nmf_online_kl_templates (kl), sizeof before);
  memset (v, 0, sizeof v);
  for (int t = 0; t < 2 * window; t++) {
    nmf_online_kl_activate (kl, v, h);
    nmf_online_kl_learn (kl, v, h);
  }
  const float *W = nmf_online_kl_templates (kl);
  double worst = 1.0;
  for (int k = 0; k < K; k++) {
    double c = cosine (before + k * F, W + k * F);
    printf ("template %d after the pause: cosine %.6f to before it\n", k, c);
    worst = c < worst ? c : worst;
  }
  CHECK (worst > 0.999, "a pause changed the model: cosine %g", worst);
  nmf_online_kl_destroy (&kl);
}

static void
test_poisoned_model_restarts (void)
{
  const int window = 100;
  unsigned long long seed = 21;
  float W_true[K * F], loud[F];
  nmf_online_kl *kl, *clean;

  planted_templates (W_true, &seed);
  /* a square wave's spectrum: odd harmonics of bin 3 on a broadband floor */
  for (int f = 0; f < F; f++) {
    loud[f] = 1e-2f;
    if (f % 6 == 3)
      loud[f] += 1e4f / f;
  }
  CHECK_OK (nmf_online_kl_create (&kl, F, K, window, 15, 4));
  CHECK_OK (nmf_online_kl_create (&clean, F, K, window, 15, 4));
  feed_poisoned (kl, W_true, loud, window, &seed);
  feed_poisoned (clean, W_true, NULL, window, &seed);
  printf ("restarts: after a loud stretch %llu, clean stream %llu\n",
      (unsigned long long) nmf_online_kl_restarts (kl),
      (unsigned long long) nmf_online_kl_restarts (clean));
  CHECK (nmf_online_kl_restarts (kl) >= 1, "the poisoned model was kept");
  CHECK (nmf_online_kl_restarts (clean) == 0, "a clean model was replaced "
      "%llu times", (unsigned long long) nmf_online_kl_restarts (clean));
  const float *W = nmf_online_kl_templates (kl);
  for (int k = 0; k < K; k++) {
    double best = 0.0;
    for (int j = 0; j < K; j++) {
      double c = cosine (W_true + k * F, W + j * F);
      best = c > best ? c : best;
    }
    printf ("after the loud stretch, planted template %d: cosine %.4f\n", k,
        best);
    CHECK (best > 0.95, "template %d not recovered: cosine %.4f", k, best);
  }
  nmf_online_kl_destroy (&kl);
  nmf_online_kl_destroy (&clean);

  /* the same with the statistics kept in blocks of 3 frames: the frames of
   * the previous pass still in the block being filled are not the window's
   * and must not come back with the restart */
  CHECK_OK (nmf_online_kl_create (&kl, F, K, window, 15, 4));
  CHECK_OK (nmf_online_kl_set_update_interval (kl, 3));
  feed_poisoned (kl, W_true, loud, window, &seed);
  W = nmf_online_kl_templates (kl);
  for (int k = 0; k < K; k++) {
    double best = 0.0;
    for (int j = 0; j < K; j++)
      best = fmax (best, cosine (W_true + k * F, W + j * F));
    CHECK (best > 0.95, "update interval 3: template %d not recovered: "
        "cosine %.4f (restarts %llu)", k, best,
        (unsigned long long) nmf_online_kl_restarts (kl));
  }
  nmf_online_kl_destroy (&kl);

  /* the same with template 0 held fixed (a dictionary): a restart keeps it
   * exactly where it is and restarts only the free ones */
  float fixed0[F];
  CHECK_OK (nmf_online_kl_create (&kl, F, K, window, 15, 4));
  CHECK_OK (nmf_online_kl_set_templates (kl, 0, 1, W_true, 1));
  memcpy (fixed0, nmf_online_kl_templates (kl), sizeof fixed0);
  feed_poisoned (kl, W_true, loud, window, &seed);
  W = nmf_online_kl_templates (kl);
  printf ("with a fixed template: restarts %llu, cosines %.4f %.4f\n",
      (unsigned long long) nmf_online_kl_restarts (kl),
      fmax (cosine (W_true + F, W + F), cosine (W_true + F, W + 2 * F)),
      fmax (cosine (W_true + 2 * F, W + F), cosine (W_true + 2 * F, W + 2 * F)));
  CHECK (memcmp (fixed0, W, sizeof fixed0) == 0, "the fixed template moved");
  CHECK (fmax (cosine (W_true + F, W + F), cosine (W_true + F, W + 2 * F))
      > 0.95 && fmax (cosine (W_true + 2 * F, W + F),
          cosine (W_true + 2 * F, W + 2 * F)) > 0.95,
      "free templates not recovered next to a fixed one");
  nmf_online_kl_destroy (&kl);
}

/* A burst far louder than the rest (30 frames of a broadband spectrum at
 * 1e18 times the planted frames' level) leaves the window: what it added to
 * the running statistics must leave with it, not the rounding error of
 * subtracting it (which would be larger than all the other frames' sum).
 * With statistics updated every frame (the separator's default) every
 * planted template is matched from one window after the burst on.  When a
 * challenge was won during the burst (more likely with blocks of several
 * frames, which update the templates less often), a template of the burst
 * can outlive it until a later challenge replaces the model: a planted
 * template lost for up to two more windows (seeds 3 and 6 here); from
 * three windows after the burst on, every one is matched. */
static double
burst_worst_cosine (int update_interval, unsigned long long first_seed,
    int from_windows)
{
  enum { KM = 8 };
  const int window = 100, burst = 2 * window, burst_frames = 30;
  /* silent frames (every activation 0) take no place in the window: the
   * windows after the burst are counted in frames with sound */
  const int check_after = from_windows * window;
  int after = 0, checked = 0;
  unsigned long long seed = first_seed;
  float W_true[K * F], loud[F], v[F], h_true[K], h[KM];
  double worst = 1.0;
  nmf_online_kl *kl;

  planted_templates (W_true, &seed);
  for (int f = 0; f < F; f++)
    loud[f] = 1e18f * (f % 6 == 3 ? 100.0f / f : 0.1f);
  CHECK_OK (nmf_online_kl_create (&kl, F, KM, window, 4, 4));
  CHECK_OK (nmf_online_kl_set_update_interval (kl, update_interval));
  for (int t = 0; checked < 2 * window; t++) {
    random_activations (h_true, &seed);
    planted_frame (W_true, h_true, v);
    if (t >= burst && t < burst + burst_frames)
      memcpy (v, loud, sizeof v);
    nmf_online_kl_activate (kl, v, h);
    CHECK (all_finite (h, KM), "NaN activations at frame %d", t);
    nmf_online_kl_learn (kl, v, h);
    if (t >= burst + burst_frames && h_true[0] + h_true[1] + h_true[2] > 0)
      after++;
    if (after <= check_after)
      continue;
    checked++;
    const float *W = nmf_online_kl_templates (kl);
    for (int k = 0; k < K; k++) {
      double best = 0.0;
      for (int j = 0; j < KM; j++)
        best = fmax (best, cosine (W_true + k * F, W + j * F));
      worst = fmin (worst, best);
    }
  }
  printf ("a loud burst, statistics every %d frames, seed %llu: from %d "
      "window(s) after it on, worst cosine of a planted template %.4f "
      "(restarts %llu)\n", update_interval, first_seed, from_windows,
      worst, (unsigned long long) nmf_online_kl_restarts (kl));
  nmf_online_kl_destroy (&kl);
  return worst;
}

static void
test_loud_burst_leaves_no_trace (void)
{
  /* statistics every 1 or 4 frames, seeds 33, 3, 6: three windows after
   * the burst; and one at the default (every frame) when no challenge won
   * during the burst (seed 1; seed 33's won one once the warm-up re-fitted
   * the window on its schedule) */
  static const struct
  {
    int update_interval;
    unsigned long long seed;
    int from_windows;
  } cases[] = {
    {1, 1, 1}, {1, 33, 3}, {1, 3, 3}, {1, 6, 3},
    {4, 33, 3}, {4, 3, 3}, {4, 6, 3},
  };

  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    double worst = burst_worst_cosine (cases[i].update_interval,
        cases[i].seed, cases[i].from_windows);
    CHECK (worst > 0.95, "a loud burst left a trace %d window(s) later "
        "(statistics every %d frames, seed %llu): cosine %.4f",
        cases[i].from_windows, cases[i].update_interval, cases[i].seed,
        worst);
  }
}

/* Re-fitting the window (nmf_online_kl_set_refreshes; what it gains on
 * real mixtures: docs/experiments.md#window-re-fits-2026-11-26): a model
 * that re-fits its window 4 times per window length still learns the
 * planted templates and fits the frames closely (relative divergence below
 * 1 %), and it is a different model from one that does not (the re-fits
 * run).  Negative counts are refused. */
static void
test_refreshes (void)
{
  const int window = 100;
  unsigned long long seed = 5;
  float W_true[K * F], v[F], h_true[K], h[K];
  double div[2] = { 0.0, 0.0 }, mass_sum = 0.0;
  nmf_online_kl *kl[2];

  planted_templates (W_true, &seed);
  for (int i = 0; i < 2; i++) {
    CHECK_OK (nmf_online_kl_create (&kl[i], F, K, window, 15, 3));
    CHECK_OK (nmf_online_kl_set_refreshes (kl[i], i == 0 ? 0 : 4));
  }
  CHECK (nmf_online_kl_set_refreshes (kl[0], -1) == NMF_ERR_INVALID_ARGUMENT,
      "a negative refresh count accepted");
  for (int t = 0; t < 8 * window; t++) {
    random_activations (h_true, &seed);
    planted_frame (W_true, h_true, v);
    for (int i = 0; i < 2; i++) {
      nmf_online_kl_activate (kl[i], v, h);
      if (t >= 7 * window)
        div[i] += nmf_kl_divergence (nmf_online_kl_templates (kl[i]), F, K,
            v, h);
      nmf_online_kl_learn (kl[i], v, h);
    }
    for (int f = 0; t >= 7 * window && f < F; f++)
      mass_sum += v[f];
  }
  const float *W = nmf_online_kl_templates (kl[1]);
  for (int k = 0; k < K; k++) {
    double best = 0.0;
    for (int j = 0; j < K; j++)
      best = fmax (best, cosine (W_true + k * F, W + j * F));
    CHECK (best > 0.95, "with re-fits, template %d not learned: cosine %.4f",
        k, best);
  }
  printf ("last window's relative divergence: %.3g without re-fits, %.3g "
      "with 4 per window\n", div[0] / mass_sum, div[1] / mass_sum);
  CHECK (div[1] / mass_sum < 0.01, "with re-fits the fit is poor: %g",
      div[1] / mass_sum);
  CHECK (memcmp (nmf_online_kl_templates (kl[0]), W, sizeof W_true) != 0,
      "the re-fits changed nothing");
  for (int i = 0; i < 2; i++)
    nmf_online_kl_destroy (&kl[i]);
}

/* The warm-up's re-fits of the window cost about REFRESH_DIVISOR *
 * window_frames frame-solves in all (online_kl_private.h): one every t /
 * REFRESH_DIVISOR frames at voiced frame t.  They came every
 * REFRESH_DIVISOR frames instead (t was tested against a multiple of
 * t / REFRESH_DIVISOR, which every t = 8 k is): window_frames^2 / 16
 * frame-solves, so that the element at window-frames=8000 ran at twice
 * real time for its first 90 s, and at the documented 100000 it would
 * take hours over its first 20 minutes. */
static void
test_warm_up_cost (void)
{
  const int window = 2000;
  unsigned long long seed = 17;
  float W_true[K * F], v[F], h_true[K], h[K];
  nmf_online_kl *kl;
  int voiced = 0;

  planted_templates (W_true, &seed);
  CHECK_OK (nmf_online_kl_create (&kl, F, K, window, 15, 1));
  while (voiced < window) {
    double mass = 0.0;
    random_activations (h_true, &seed);
    planted_frame (W_true, h_true, v);
    for (int f = 0; f < F; f++)
      mass += v[f];
    nmf_online_kl_activate (kl, v, h);
    nmf_online_kl_learn (kl, v, h);
    voiced += mass > NMF_KL_SILENCE_MASS;
  }
  printf ("warm-up of %d frames: %llu frames re-fitted\n", window,
      (unsigned long long) kl->refitted_frames);
  CHECK (kl->refitted_frames <= (uint64_t) (REFRESH_DIVISOR + 2) * window,
      "the warm-up re-fitted %llu frames for a window of %d",
      (unsigned long long) kl->refitted_frames, window);
  /* and it re-fits at all (every frame at first) */
  CHECK (kl->refitted_frames >= (uint64_t) window, "%llu frames re-fitted",
      (unsigned long long) kl->refitted_frames);
  nmf_online_kl_destroy (&kl);
}

int
main (void)
{
  test_divergence_monotone ();
  test_window_learns_planted_model ();
  test_silence_and_tiny_values ();
  test_silence_keeps_window ();
  test_poisoned_model_restarts ();
  test_loud_burst_leaves_no_trace ();
  test_refreshes ();
  test_warm_up_cost ();
  CHECK_DONE ();
}
