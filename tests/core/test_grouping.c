/* Grouping of components into sources (core/grouping.h) and the separator
 * with components > sources: planted templates are grouped as planted,
 * repeated evidence is needed before a component moves, and a stream whose
 * sources alternate and overlap never swaps its outputs. */
#include "check.h"
#include "grouping.h"
#include <nmf/error.h>
#include <nmf/separator.h>

#include <math.h>
#include <string.h>

#define FFT 1024
#define BINS (FFT / 2 + 1)
#define RATE 44100.0

/* A harmonic tone on an fft-point spectrum (fft / 2 + 1 bins) with
 * partials n = 1, 1 + step, 1 + 2 step, ... up to `last`, decaying as 1/n
 * (each amplitude jittered by 0.9 - 1.1 when seed is not NULL): step 1
 * every partial, step 2 the odd ones (clarinet-like). */
static void
template_partials (float *w, int fft, double f0, int step, int last,
    unsigned long long *seed)
{
  const int bins = fft / 2 + 1;
  for (int f = 0; f < bins; f++)
    w[f] = 1e-4f;
  for (int n = 1; n <= last; n += step) {
    double bin = n * f0 * fft / RATE;
    if (bin >= bins - 2)
      break;
    int b = (int) bin;
    double frac = bin - b;
    float amp = (float) ((1.0 / n) * (seed ? 0.9 + 0.2 * test_uniform (seed)
            : 1.0));
    w[b] += amp * (float) (1.0 - frac);
    w[b + 1] += amp * (float) frac;
  }
}

/* Source A: harmonic tones, partials decaying as 1/n (f0 in Hz).  Source B:
 * a noise band with a smooth bump around 5 kHz. */
static void
template_a (float *w, double f0, unsigned long long *seed)
{
  template_partials (w, FFT, f0, 1, 12, seed);
}

static void
template_b (float *w, double centre_hz, unsigned long long *seed)
{
  for (int f = 0; f < BINS; f++) {
    double hz = f * RATE / FFT;
    double x = (hz - centre_hz) / 2000.0;
    w[f] = (float) (exp (-x * x) * (0.8 + 0.4 * test_uniform (seed)) + 1e-4);
  }
}

static void
test_planted (void)
{
  enum { K = 16 };
  static float W[K * BINS];
  int label[K], truth[K];
  unsigned long long seed = 7;
  nmf_grouping_config gc;
  nmf_grouping *g;

  for (int k = 0; k < K; k++) {
    truth[k] = (k * 5) % 2;     /* interleaved */
    if (truth[k] == 0)
      template_a (W + k * BINS, 110.0 * pow (2.0, k / 12.0 * 2), &seed);
    else
      template_b (W + k * BINS, 3500.0 + 300.0 * k, &seed);
  }
  nmf_grouping_config_init (&gc, BINS, K, 2);
  gc.membership_exponent = 0.0; /* hard: each row one-hot off a ramp */
  CHECK_OK (nmf_grouping_create (&g, &gc));
  CHECK_OK (nmf_grouping_cluster_once (g, W, NULL, K, 2, 1, label));
  int agree = 0;
  for (int k = 0; k < K; k++)
    agree += label[k] == (label[0] == truth[0] ? truth[k] : 1 - truth[k]);
  CHECK (agree == K, "planted grouping: %d of %d components as planted",
      agree, K);

  /* streaming: the first update groups, later identical updates move
   * nothing */
  CHECK (nmf_grouping_update (g, W, NULL) == 0, "first grouping moved");
  const int *as = nmf_grouping_assignment (g);
  int same = 0;
  for (int k = 0; k < K; k++)
    same += (as[k] == as[0]) == (truth[k] == truth[0]);
  CHECK (same == K, "streaming grouping: %d of %d as planted", same, K);
  for (int r = 0; r < 10; r++)
    CHECK (nmf_grouping_update (g, W, NULL) == 0, "a stable update moved");

  /* hysteresis: one template looks like the other source for fewer
   * regroupings than the patience: no move; for longer: it moves, through
   * a ramp */
  static float Wx[K * BINS];
  memcpy (Wx, W, sizeof W);
  int victim = 0;
  while (truth[victim] != 0)
    victim++;
  template_b (Wx + victim * BINS, 4200.0, &seed);
  int before = as[victim];
  for (int r = 0; r < gc.patience - 1; r++)
    nmf_grouping_update (g, Wx, NULL);
  nmf_grouping_update (g, W, NULL);
  CHECK (nmf_grouping_assignment (g)[victim] == before,
      "moved on %d regroupings of evidence", gc.patience - 1);
  int moved = 0;
  for (int r = 0; r < gc.patience; r++)
    moved += nmf_grouping_update (g, Wx, NULL);
  CHECK (moved == 1 && nmf_grouping_assignment (g)[victim] != before,
      "did not move after %d regroupings of evidence (moves %d)",
      gc.patience, moved);
  const float *G = nmf_grouping_membership (g);
  CHECK (G[victim * 2 + before] == 1.0f, "ramp jumped at once");
  nmf_grouping_step (g);
  CHECK (G[victim * 2 + before] > 0.0f && G[victim * 2 + before] < 1.0f
      && fabsf (G[victim * 2] + G[victim * 2 + 1] - 1.0f) < 1e-6f,
      "no ramp: %g %g", G[victim * 2], G[victim * 2 + 1]);
  for (int i = 0; i < gc.ramp_frames; i++)
    nmf_grouping_step (g);
  CHECK (G[victim * 2 + before] == 0.0f, "ramp did not finish");
  nmf_grouping_destroy (&g);
}

/* The shift-invariant block, on a spectrum that resolves the partials
 * (4096 points, f0 from 196 Hz): a tone transposed by a fifth stays much
 * nearer the same tone than a tone of other partials at the same pitch;
 * and two such instruments playing over the same octave and a half are
 * grouped as planted by this block alone (with the default weights the
 * register block, which follows the pitch, outweighs it on these
 * synthetic tones: 8 of 16 as planted). */
static void
test_shift_invariance (void)
{
  enum { K = 16, RFFT = 4096, RBINS = RFFT / 2 + 1 };
  static float W[K * RBINS], other[RBINS], fa[4096], fb[4096], fc[4096];
  nmf_grouping_config gc;
  nmf_grouping *g;

  nmf_grouping_config_init (&gc, RBINS, K, 2);
  gc.weight_envelope = 0.0;
  gc.weight_descriptors = 0.0;
  CHECK_OK (nmf_grouping_create (&g, &gc));
  const int D = nmf_grouping_feature_dim (g);
  CHECK (D <= 4096, "feature dimension %d", D);
  for (int i = 0; i < 4 && D <= 4096; i++) {
    double f0 = 196.0 * pow (2.0, i / 2.0);
    template_partials (W, RFFT, f0, 1, 15, NULL);
    template_partials (W + RBINS, RFFT, f0 * pow (2.0, 7.0 / 12.0), 1, 15,
        NULL);
    template_partials (other, RFFT, f0, 2, 15, NULL);
    nmf_grouping_features (g, W, fa);
    nmf_grouping_features (g, W + RBINS, fb);
    nmf_grouping_features (g, other, fc);
    double d_shift = 0.0, d_other = 0.0;
    for (int j = 0; j < D; j++) {
      d_shift += (double) (fa[j] - fb[j]) * (fa[j] - fb[j]);
      d_other += (double) (fa[j] - fc[j]) * (fa[j] - fc[j]);
    }
    CHECK (d_shift < 0.5 * d_other, "f0 %.0f Hz: a fifth up at distance "
        "%.4f, odd partials at %.4f", f0, d_shift, d_other);
  }
  nmf_grouping_destroy (&g);

  int label[K], truth[K];
  for (int k = 0; k < K; k++) {
    truth[k] = k % 2;
    template_partials (W + k * RBINS, RFFT,
        220.0 * pow (2.0, (k / 2) * 2.5 / 12.0), truth[k] ? 2 : 1, 15, NULL);
  }
  gc.membership_exponent = 0.0;
  CHECK_OK (nmf_grouping_create (&g, &gc));
  CHECK_OK (nmf_grouping_cluster_once (g, W, NULL, K, 2, 1, label));
  int agree = 0;
  for (int k = 0; k < K; k++)
    agree += (label[k] == label[0]) == (truth[k] == truth[0]);
  CHECK (agree == K, "two timbres over one register: %d of %d components "
      "as planted", agree, K);
  nmf_grouping_destroy (&g);
}

/* Soft memberships (the default): planted components belong mostly to
 * their source, one that mixes both sources is split, and a change of
 * membership goes through a ramp. */
static void
test_soft (void)
{
  enum { K = 16 };
  static float W[K * BINS], Wx[K * BINS];
  unsigned long long seed = 5;
  nmf_grouping_config gc;
  nmf_grouping *g;

  for (int k = 0; k < K; k++) {
    if (k % 2 == 0)
      template_a (W + k * BINS, 110.0 * pow (2.0, k / 12.0 * 2), &seed);
    else
      template_b (W + k * BINS, 3500.0 + 300.0 * k, &seed);
  }
  nmf_grouping_config_init (&gc, BINS, K, 2);
  CHECK (gc.membership_exponent > 0.0, "memberships are hard by default");
  CHECK_OK (nmf_grouping_create (&g, &gc));
  nmf_grouping_update (g, W, NULL);
  const float *G = nmf_grouping_membership (g);
  const int *as = nmf_grouping_assignment (g);
  for (int k = 0; k < K; k++) {
    CHECK (fabsf (G[k * 2] + G[k * 2 + 1] - 1.0f) < 1e-5f,
        "row %d sums to %g", k, G[k * 2] + G[k * 2 + 1]);
    CHECK (G[k * 2 + as[k]] > 0.6f, "planted component %d: %g of its source",
        k, G[k * 2 + as[k]]);
    CHECK ((as[k] == as[0]) == (k % 2 == 0), "component %d misgrouped", k);
  }

  /* component 0 becomes a tone plus twelve times its energy of noise: its
   * share of its source falls, through a ramp, part of the way on one
   * regrouping and further on repeated evidence, and it is split */
  memcpy (Wx, W, sizeof W);
  float *mix = Wx, tmp[BINS];
  template_b (tmp, 4500.0, &seed);
  double ea = 0.0, eb = 0.0;
  for (int f = 0; f < BINS; f++) {
    ea += mix[f];
    eb += tmp[f];
  }
  for (int f = 0; f < BINS; f++)
    mix[f] = (float) (mix[f] / ea + 12.0 * tmp[f] / eb);
  const int home = as[0];
  const float before = G[home];
  nmf_grouping_update (g, Wx, NULL);
  CHECK (G[home] == before, "membership jumped at once");
  nmf_grouping_step (g);
  CHECK (G[home] < before, "no ramp");
  for (int i = 0; i < gc.ramp_frames; i++)
    nmf_grouping_step (g);
  const float once = G[home];
  CHECK (nmf_grouping_assignment (g)[0] == home,
      "assignment moved on one regrouping");
  for (int r = 0; r < 10; r++) {
    nmf_grouping_update (g, Wx, NULL);
    for (int i = 0; i < gc.ramp_frames; i++)
      nmf_grouping_step (g);
  }
  CHECK (G[home] < once - 0.05f, "no more change on repeated evidence: "
      "%g after one regrouping, %g after 11", once, G[home]);
  CHECK (G[home] > 0.1f && G[home] < 0.9f,
      "a component of both sources not split: %g / %g", G[0], G[1]);
  printf ("mixed component: share of its source %.3f, %.3f after one "
      "regrouping, %.3f after 11\n", before, once, G[home]);
  nmf_grouping_destroy (&g);
}

/* Two sources that alternate and overlap: A (harmonic tones, changing
 * notes) sounds in [0, 2) s, [4, 6) s, ...; B (noise band) in [1, 3) s,
 * [5, 7) s, ...  Every solo stretch of A after the first 4 s must come out
 * mostly on the same output, B's solo stretches on the other. */
static void
test_no_swap (void)
{
  const double secs = 24.0;
  const size_t n = (size_t) (secs * RATE);
  float *x = calloc (n, sizeof (float));
  unsigned long long seed = 11;
  double phase[12] = { 0 };
  /* a smooth noise band: sum of random sinusoids between 3 and 7 kHz */
  enum { NB = 60 };
  double bf[NB], bp[NB];
  for (int i = 0; i < NB; i++) {
    bf[i] = 3000.0 + 4000.0 * test_uniform (&seed);
    bp[i] = 2 * M_PI * test_uniform (&seed);
  }
  for (size_t i = 0; i < n; i++) {
    double t = i / RATE;
    int seg = (int) t;
    double a = 0.0, b = 0.0;
    if (seg % 4 < 2) {
      double f0 = 110.0 * pow (2.0, ((seg * 7 + (int) (t * 4)) % 12) / 12.0);
      for (int h = 1; h <= 8; h++) {
        phase[h] += 2 * M_PI * h * f0 / RATE;
        a += sin (phase[h]) / h;
      }
    }
    if ((seg + 3) % 4 < 2)
      for (int k = 0; k < NB; k++)
        b += sin (2 * M_PI * bf[k] * t + bp[k]) / NB * 4.0;
    x[i] = (float) (0.2 * a + 0.2 * b);
  }

  nmf_separator_config cfg;
  nmf_separator_config_init (&cfg);
  cfg.sources = 2;
  cfg.components = 8;
  cfg.iterations = 4;
  cfg.update_interval = 4;
  nmf_separator *sep;
  CHECK_OK (nmf_separator_create (&sep, &cfg, NULL, 0));
  nmf_separator_get_config (sep, &cfg);
  float *out0 = calloc (n + FFT * 4, sizeof (float));
  float *out1 = calloc (n + FFT * 4, sizeof (float));
  float *ptr[2];
  nmf_separator_output o = { ptr, NULL };
  size_t done = 0, got;
  for (size_t p = 0; p < n; p += 4096) {
    size_t chunk = n - p < 4096 ? n - p : 4096;
    ptr[0] = out0 + done;
    ptr[1] = out1 + done;
    CHECK_OK (nmf_separator_process (sep, x + p, chunk, &o, &got, NULL));
    done += got;
  }
  ptr[0] = out0 + done;
  ptr[1] = out1 + done;
  CHECK_OK (nmf_separator_drain (sep, &o, &got, NULL));
  done += got;
  CHECK (done == n, "%zu samples out of %zu", done, n);

  /* solo stretches: A alone in [4k, 4k+1), B alone in [4k+2, 4k+3) */
  int a_out = -1, b_out = -1, swaps = 0;
  for (int k = 1; k < (int) (secs / 4); k++) {
    for (int which = 0; which < 2; which++) {
      size_t s0 = (size_t) ((4 * k + 2 * which) * RATE) + 4096;
      size_t s1 = (size_t) ((4 * k + 2 * which + 1) * RATE) - 4096;
      double e0 = 0, e1 = 0;
      for (size_t i = s0; i < s1; i++) {
        e0 += (double) out0[i] * out0[i];
        e1 += (double) out1[i] * out1[i];
      }
      int win = e0 > e1 ? 0 : 1;
      int *o_ = which == 0 ? &a_out : &b_out;
      if (*o_ < 0)
        *o_ = win;
      else if (*o_ != win)
        swaps++;
      double share = (win ? e1 : e0) / (e0 + e1);
      printf ("segment %d %s: output %d, energy share %.2f\n", k,
          which ? "B" : "A", win, share);
    }
  }
  CHECK (swaps == 0, "%d solo stretches came out on the other output", swaps);
  CHECK (a_out != b_out, "A and B came out on the same output");
  nmf_separator_destroy (&sep);
  free (x);
  free (out0);
  free (out1);
}

/* The defaults make a grouping; each setting out of its range is
 * refused, the two smoothing weights each on its own. */
static void
test_config (void)
{
  nmf_grouping_config c;
  nmf_grouping *g = NULL;

  nmf_grouping_config_init (&c, BINS, 16, 2);
  CHECK_OK (nmf_grouping_create (&g, &c));
  nmf_grouping_destroy (&g);
  CHECK (g == NULL, "destroy did not clear the pointer");
  const double bad_weights[] = { 0.0, -0.1, 1.5, NAN };
  for (size_t i = 0; i < sizeof bad_weights / sizeof bad_weights[0]; i++) {
    nmf_grouping_config_init (&c, BINS, 16, 2);
    c.smoothing = bad_weights[i];
    CHECK (nmf_grouping_create (&g, &c) == NMF_ERR_INVALID_ARGUMENT && !g,
        "centroid weight %g accepted", bad_weights[i]);
    nmf_grouping_config_init (&c, BINS, 16, 2);
    c.membership_smoothing = bad_weights[i];
    CHECK (nmf_grouping_create (&g, &c) == NMF_ERR_INVALID_ARGUMENT && !g,
        "share weight %g accepted", bad_weights[i]);
  }
  nmf_grouping_config_init (&c, BINS, 16, 2);
  c.smoothing = 1.0;
  c.membership_smoothing = 1.0;
  CHECK_OK (nmf_grouping_create (&g, &c));
  nmf_grouping_destroy (&g);
  nmf_grouping_config_init (&c, BINS, 1, 2);
  CHECK (nmf_grouping_create (&g, &c) == NMF_ERR_INVALID_ARGUMENT && !g,
      "fewer components than sources accepted");
  /* the membership exponent: 0 (hard) to 64 */
  const double exponents[] = { 0.0, 64.0, -0.5, 64.5, NAN, INFINITY };
  for (size_t i = 0; i < sizeof exponents / sizeof exponents[0]; i++) {
    nmf_grouping_config_init (&c, BINS, 16, 2);
    c.membership_exponent = exponents[i];
    int ret = nmf_grouping_create (&g, &c);
    if (i < 2)
      CHECK (ret == NMF_OK && g, "membership exponent %g refused",
          exponents[i]);
    else
      CHECK (ret == NMF_ERR_INVALID_ARGUMENT && !g,
          "membership exponent %g accepted", exponents[i]);
    nmf_grouping_destroy (&g);
  }
}

int
main (void)
{
  test_config ();
  test_planted ();
  test_shift_invariance ();
  test_soft ();
  test_no_swap ();
  CHECK_DONE ();
}
