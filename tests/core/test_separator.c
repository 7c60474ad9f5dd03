/* The streaming separator: exact sample counts, alignment, sum of sources
 * equals input, one source reproduces the input, masks sum to one,
 * silence/NaN handling. */
#include "check.h"
#include "masks.h"
#include "metrics.h"
#include <nmf/error.h>
#include <nmf/separator.h>

#include <limits.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#endif

static float *
make_signal (size_t n, int channels, unsigned long long seed)
{
  float *x = malloc (sizeof (float) * n * channels);
  for (size_t i = 0; i < n; i++)
    for (int c = 0; c < channels; c++) {
      double t = (double) i / 44100.0;
      /* two tones switching on and off, plus a little noise */
      double a = ((i / 11025) % 2) ? sin (2 * M_PI * 440 * t) : 0.0;
      double b = ((i / 16000) % 3) ? 0.5 * sin (2 * M_PI * 1250 * t) : 0.0;
      x[i * channels + c] = (float) (0.4 * a + 0.4 * b + (c + 1) * 0.01
          * (test_uniform (&seed) - 0.5));
    }
  return x;
}

typedef struct
{
  float *audio[NMF_SEPARATOR_MAX_SOURCES];
  float *masks[NMF_SEPARATOR_MAX_SOURCES];
  size_t n_audio, n_masks;
} collected;

/* Push x in odd-sized pieces, drain, and collect every output. */
static void
run_stream (nmf_separator * sep, const nmf_separator_config * cfg,
    const float *x, size_t n, int want_audio, int want_masks, collected * col)
{
  const int S = cfg->sources, C = cfg->channels;
  const int F = nmf_separator_bins (sep);
  size_t max_masks = n / cfg->hop_size + 2;
  unsigned long long seed = 3;
  float *a_ptr[NMF_SEPARATOR_MAX_SOURCES], *m_ptr[NMF_SEPARATOR_MAX_SOURCES];
  nmf_separator_output out = { want_audio ? a_ptr : NULL,
    want_masks ? m_ptr : NULL
  };

  memset (col, 0, sizeof (*col));
  for (int s = 0; s < S; s++) {
    col->audio[s] = calloc ((n + 1) * C, sizeof (float));
    col->masks[s] = calloc (max_masks * F, sizeof (float));
  }
  size_t pos = 0;
  while (pos < n) {
    size_t chunk = 1 + (size_t) (test_uniform (&seed) * 3000);
    if (chunk > n - pos)
      chunk = n - pos;
    size_t expect_a = nmf_separator_pending_audio (sep, chunk);
    size_t expect_m = nmf_separator_pending_masks (sep, chunk);
    size_t got_a, got_m;
    for (int s = 0; s < S; s++) {
      a_ptr[s] = col->audio[s] + col->n_audio * C;
      m_ptr[s] = col->masks[s] + col->n_masks * F;
    }
    CHECK_OK (nmf_separator_process (sep, x + pos * C, chunk, &out, &got_a,
            &got_m));
    CHECK (got_a == (want_audio ? expect_a : 0) || (!want_audio && got_a == 0),
        "pending_audio said %zu, got %zu", expect_a, got_a);
    CHECK (got_m == expect_m, "pending_masks said %zu, got %zu", expect_m,
        got_m);
    col->n_audio += got_a;
    col->n_masks += got_m;
    pos += chunk;
  }
  size_t expect_a = nmf_separator_drain_audio (sep);
  size_t expect_m = nmf_separator_drain_masks (sep);
  size_t got_a, got_m;
  for (int s = 0; s < S; s++) {
    a_ptr[s] = col->audio[s] + col->n_audio * C;
    m_ptr[s] = col->masks[s] + col->n_masks * F;
  }
  CHECK_OK (nmf_separator_drain (sep, &out, &got_a, &got_m));
  if (want_audio)
    CHECK (got_a == expect_a, "drain_audio said %zu, got %zu", expect_a,
        got_a);
  CHECK (got_m == expect_m, "drain_masks said %zu, got %zu", expect_m, got_m);
  col->n_audio += want_audio ? got_a : 0;
  col->n_masks += got_m;
}

static void
free_collected (collected * col, int S)
{
  for (int s = 0; s < S; s++) {
    free (col->audio[s]);
    free (col->masks[s]);
  }
}

/* The two separators of a side-by-side run and what they gave (two
 * sources each). */
static void
free_pair (nmf_separator ** a, nmf_separator ** b, collected * ca,
    collected * cb)
{
  free_collected (ca, 2);
  free_collected (cb, 2);
  nmf_separator_destroy (a);
  nmf_separator_destroy (b);
}

static void
test_one_source_is_identity (void)
{
  nmf_separator_config cfg;
  nmf_separator *sep;
  collected col;
  const size_t n = 100003;

  nmf_separator_config_init (&cfg);
  cfg.sources = cfg.components = 1;
  cfg.channels = 2;
  float *x = make_signal (n, 2, 1);
  CHECK_OK (nmf_separator_create (&sep, &cfg, NULL, 0));
  nmf_separator_get_config (sep, &cfg);
  CHECK (nmf_separator_delay (sep) == 2048 - 512, "delay %zu",
      nmf_separator_delay (sep));
  run_stream (sep, &cfg, x, n, 1, 0, &col);
  CHECK (col.n_audio == n, "one source: %zu samples out for %zu in",
      col.n_audio, n);
  double max_err = 0.0;
  for (size_t i = 0; i < n * 2; i++) {
    double e = fabs ((double) col.audio[0][i] - x[i]);
    max_err = e > max_err ? e : max_err;
  }
  printf ("one source: max |out - in| = %.3g\n", max_err);
  CHECK (max_err < 1e-5, "one source must reproduce the input: %g", max_err);
  free_collected (&col, 1);
  nmf_separator_destroy (&sep);
  free (x);
}

static void
test_sources_sum_to_input (void)
{
  const int configs[][6] = {
    /* channels, sources, fft, hop, components, lookahead frames */
    {1, 2, 2048, 512, 2, 0}, {2, 3, 1024, 256, 3, 0}, {1, 2, 512, 200, 2, 0},
    {8, 2, 256, 64, 2, 0}, {1, 16, 2048, 1024, 16, 0},
    {1, 2, 2048, 512, 2, 37}, {2, 3, 1024, 256, 8, 5}, {1, 2, 512, 200, 2, 1},
    {1, 2, 2048, 512, 2, 200},  /* look-ahead longer than the stream */
  };
  for (size_t c = 0; c < sizeof configs / sizeof configs[0]; c++) {
    nmf_separator_config cfg;
    nmf_separator *sep;
    collected col;
    size_t n = 60000 + c * 77;

    nmf_separator_config_init (&cfg);
    cfg.channels = configs[c][0];
    cfg.sources = configs[c][1];
    cfg.fft_size = configs[c][2];
    cfg.hop_size = configs[c][3];
    cfg.components = configs[c][4];
    cfg.lookahead_frames = configs[c][5];
    cfg.window_frames = 40;
    float *x = make_signal (n, cfg.channels, 11 + c);
    CHECK_OK (nmf_separator_create (&sep, &cfg, NULL, 0));
    nmf_separator_get_config (sep, &cfg);
    CHECK ((int) nmf_separator_delay (sep) == cfg.fft_size - cfg.hop_size
        + cfg.lookahead_frames * cfg.hop_size, "config %zu: delay %zu", c,
        nmf_separator_delay (sep));
    run_stream (sep, &cfg, x, n, 1, 0, &col);
    CHECK (col.n_audio == n, "config %zu: %zu samples out for %zu in", c,
        col.n_audio, n);
    double max_err = 0.0;
    for (size_t i = 0; i < n * cfg.channels; i++) {
      double sum = 0.0;
      for (int s = 0; s < cfg.sources; s++) {
        CHECK (isfinite (col.audio[s][i]), "non-finite output");
        sum += col.audio[s][i];
      }
      double e = fabs (sum - x[i]);
      max_err = e > max_err ? e : max_err;
    }
    printf ("config %zu: max |sum of sources - input| = %.3g\n", c, max_err);
    CHECK (max_err < 1e-5, "config %zu: sources do not add up: %g", c,
        max_err);
    free_collected (&col, cfg.sources);
    nmf_separator_destroy (&sep);
    free (x);
  }
}

static void
test_masks (void)
{
  nmf_separator_config cfg;
  nmf_separator *sep;
  collected col;
  const size_t n = 44100 * 3 + 17;

  for (int ahead = 0; ahead <= 40; ahead += 40) {
  nmf_separator_config_init (&cfg);
  cfg.sources = cfg.components = 3;
  cfg.lookahead_frames = ahead;
  float *x = make_signal (n, 1, 2);
  CHECK_OK (nmf_separator_create (&sep, &cfg, NULL, 0));
  nmf_separator_get_config (sep, &cfg);
  int F = nmf_separator_bins (sep);
  run_stream (sep, &cfg, x, n, 0, 1, &col);
  size_t expect = (n + cfg.hop_size - 1) / cfg.hop_size;
  CHECK (col.n_masks == expect, "look-ahead %d: %zu masks for %zu hops",
      ahead, col.n_masks, expect);
  double worst = 0.0;
  for (size_t j = 0; j < col.n_masks; j++)
    for (int f = 0; f < F; f++) {
      double sum = 0.0;
      for (int s = 0; s < 3; s++) {
        float m = col.masks[s][j * F + f];
        CHECK (m >= 0.0f && m <= 1.0f, "mask value %g", m);
        sum += m;
      }
      worst = fabs (sum - 1.0) > worst ? fabs (sum - 1.0) : worst;
    }
  CHECK (worst < 1e-5, "masks sum to one within %g", worst);
  free_collected (&col, 3);
  nmf_separator_destroy (&sep);
  free (x);
  }

  /* the mask function alone, on tiny, huge and zero model values */
  const int bins = 64, K = 4;
  float W[4 * 64], h[4], spectra[4 * 64], masks[4 * 64], scratch[4 * 64];
  const float scales[] = { 0.0f, 1e-38f, 1e-20f, 1.0f, 1e20f, 3e38f };
  unsigned long long seed = 1;
  for (size_t i = 0; i < sizeof scales / sizeof scales[0]; i++)
    for (int p = 1; p <= 2; p++) {
      for (int k = 0; k < K; k++) {
        h[k] = scales[i] * (float) test_uniform (&seed);
        for (int f = 0; f < bins; f++)
          W[k * bins + f] = (float) test_uniform (&seed);
      }
      for (int i = 0; i < K * bins; i++)
        spectra[i] = W[i] * h[i / bins];
      nmf_masks_compute (spectra, bins, K, NULL, K, p, masks, scratch);
      for (int f = 0; f < bins; f++) {
        double sum = 0.0;
        for (int k = 0; k < K; k++) {
          CHECK (isfinite (masks[k * bins + f]), "mask NaN at scale %g",
              scales[i]);
          sum += masks[k * bins + f];
        }
        CHECK (fabs (sum - 1.0) < 1e-5, "scale %g p %d: sum %g", scales[i],
            p, sum);
      }
    }
}

static void
test_silence_and_non_finite (void)
{
  nmf_separator_config cfg;
  nmf_separator *sep;
  collected col;
  const size_t n = 44100 * 4;
  float *x = calloc (n, sizeof (float));

  nmf_separator_config_init (&cfg);
  CHECK_OK (nmf_separator_create (&sep, &cfg, NULL, 0));
  nmf_separator_get_config (sep, &cfg);
  run_stream (sep, &cfg, x, n, 1, 1, &col);
  CHECK (col.n_audio == n, "silence: %zu out", col.n_audio);
  for (size_t i = 0; i < n; i++)
    for (int s = 0; s < 2; s++)
      CHECK (col.audio[s][i] == 0.0f, "silence in, %g out", col.audio[s][i]);
  free_collected (&col, 2);

  /* NaN and Inf stretches: replaced by silence, counted, model recovers */
  float *y = make_signal (n, 1, 4);
  size_t bad = 0;
  for (size_t i = 30000; i < 40000; i++, bad++)
    y[i] = i % 3 == 0 ? NAN : (i % 3 == 1 ? INFINITY : -INFINITY);
  run_stream (sep, &cfg, y, n, 1, 1, &col);
  nmf_separator_stats st;
  nmf_separator_get_stats (sep, &st);
  CHECK (st.non_finite_samples == bad, "counted %llu non-finite, pushed %zu",
      (unsigned long long) st.non_finite_samples, bad);
  double max_err = 0.0;
  for (size_t i = 0; i < n; i++) {
    double ref = (i >= 30000 && i < 40000) ? 0.0 : y[i];
    double sum = col.audio[0][i] + col.audio[1][i];
    CHECK (isfinite (sum), "non-finite output at %zu", i);
    max_err = fabs (sum - ref) > max_err ? fabs (sum - ref) : max_err;
  }
  CHECK (max_err < 1e-5, "sources add to the cleaned input within %g",
      max_err);
  const float *W = nmf_separator_templates (sep);
  for (int i = 0; i < (int) nmf_separator_model_bins (sep) * 2; i++)
    CHECK (isfinite (W[i]) && W[i] > 0.0f, "template %d = %g", i, W[i]);
  free_collected (&col, 2);
  nmf_separator_destroy (&sep);
  free (x);
  free (y);
}

static void
test_config_errors (void)
{
  nmf_separator_config cfg;
  nmf_separator *sep = NULL;
  char msg[256] = "";

  nmf_separator_config_init (&cfg);
  CHECK (nmf_separator_check_config (&cfg, NULL, msg, sizeof msg) == NMF_OK, "defaults: %s",
      msg);
  cfg.components = 1;            /* fewer components than sources */
  CHECK (nmf_separator_check_config (&cfg, NULL, msg, sizeof msg) == NMF_ERR_INVALID_ARGUMENT
      && strstr (msg, "components"), "components < sources accepted");
  CHECK (nmf_separator_create (&sep, &cfg, NULL, 0) == NMF_ERR_INVALID_ARGUMENT
      && sep == NULL, "create accepted a bad config");
  for (int bad = -2; bad <= 97; bad += 99)
    for (int i = 0; i < 2; i++) {
      nmf_separator_config_init (&cfg);
      cfg.bands_per_octave = i ? bad : 5;
      CHECK (nmf_separator_check_config (&cfg, NULL, msg, sizeof msg) != NMF_OK
          && strstr (msg, "bands per octave"), "bands-per-octave %d accepted",
          cfg.bands_per_octave);
    }
  /* volmin's rank is bounded by what the model sees: 15 bands here */
  nmf_separator_config_init (&cfg);
  cfg.lookahead_frames = -2;
  CHECK (nmf_separator_check_config (&cfg, NULL, msg, sizeof msg) != NMF_OK
      && strstr (msg, "look-ahead"), "lookahead-frames -2 accepted");
  cfg.lookahead_frames = 10;
  cfg.algorithm = NMF_ALGORITHM_VOLMIN;
  CHECK (nmf_separator_check_config (&cfg, NULL, msg, sizeof msg) != NMF_OK
      && strstr (msg, "look-ahead"), "volmin with look-ahead accepted");
  cfg.lookahead_frames = 0;
  cfg.fft_size = 32;
  cfg.hop_size = 8;
  cfg.bands_per_octave = 6;
  cfg.components = 16;
  CHECK (nmf_separator_check_config (&cfg, NULL, msg, sizeof msg) != NMF_OK
      && strstr (msg, "components"), "volmin rank above the bands accepted");
  cfg.components = 15;
  CHECK (nmf_separator_check_config (&cfg, NULL, msg, sizeof msg) == NMF_OK, "volmin rank "
      "of 15 on 15 bands refused: %s", msg);
  nmf_separator_config_init (&cfg);
  cfg.hop_size = 2000;
  CHECK (nmf_separator_check_config (&cfg, NULL, msg, sizeof msg) != NMF_OK
      && strstr (msg, "hop size"), "hop-size > fft/2 accepted");
  nmf_separator_config_init (&cfg);
  cfg.mask_exponent = 3;
  CHECK (nmf_separator_check_config (&cfg, NULL, msg, sizeof msg) != NMF_OK
      && strstr (msg, "mask exponent"), "exponent 3 accepted");
  nmf_separator_config_init (&cfg);
  cfg.sources = cfg.components = 17;
  CHECK (nmf_separator_check_config (&cfg, NULL, msg, sizeof msg) != NMF_OK
      && strstr (msg, "sources"), "17 sources accepted");
  nmf_separator_config_init (&cfg);
  CHECK_OK (nmf_separator_create (&sep, &cfg, NULL, 0));
  nmf_separator_get_config (sep, &cfg);
  CHECK (nmf_separator_process (sep, NULL, 10, NULL, NULL, NULL) ==
      NMF_ERR_INVALID_ARGUMENT, "NULL input accepted");
  /* EOS with nothing pushed, and before a full hop */
  size_t a, m;
  CHECK_OK (nmf_separator_drain (sep, NULL, &a, &m));
  CHECK (a == 0 && m == 0, "empty drain produced %zu / %zu", a, m);
  float few[100] = { 0.5f };
  float o0[100], o1[100];
  float *optr[2] = { o0, o1 };
  nmf_separator_output out = { optr, NULL };
  CHECK_OK (nmf_separator_process (sep, few, 100, &out, &a, &m));
  CHECK (a == 0, "output before the first hop");
  CHECK_OK (nmf_separator_drain (sep, &out, &a, &m));
  CHECK (a == 100, "drain after 100 samples gave %zu", a);
  CHECK (fabs (o0[0] + o1[0] - 0.5) < 1e-6, "first sample %g + %g", o0[0],
      o1[0]);
  nmf_separator_destroy (&sep);
}

/* The file settings: a valid configuration whose look-ahead is two
 * windows, within the limit, the other fields untouched. */
static void
test_config_for_files (void)
{
  const int windows[] = { 258, 100, 1, 60000 };
  char msg[256] = "";

  for (size_t i = 0; i < sizeof windows / sizeof windows[0]; i++) {
    nmf_separator_config c;
    long want = 2L * windows[i];
    nmf_separator_config_init (&c);
    c.window_frames = windows[i];
    c.fft_size = 1024;
    nmf_separator_config_apply_profile (&c, NMF_PROFILE_FILE);
    if (want > NMF_SEPARATOR_MAX_LOOKAHEAD)
      want = NMF_SEPARATOR_MAX_LOOKAHEAD;
    CHECK (c.lookahead_frames == want, "window %d: look-ahead %d, not %ld",
        windows[i], c.lookahead_frames, want);
    CHECK (c.components == 20 && c.bands_per_octave == 24
        && c.iterations == 4 && c.mask_exponent == 1, "file settings %d %d "
        "%d %d", c.components, c.bands_per_octave, c.iterations,
        c.mask_exponent);
    CHECK (c.fft_size == 1024 && c.window_frames == windows[i]
        && c.sources == 2, "other fields changed");
    /* valid, but for the longest window more than memory allows */
    if (windows[i] < 10000)
      CHECK_OK (nmf_separator_check_config (&c, NULL, msg, sizeof msg));
    else
      CHECK (nmf_separator_check_config (&c, NULL, msg, sizeof msg) != NMF_OK
          && strstr (msg, "MiB of memory"), "window %d: %s", windows[i], msg);
  }
  /* one component per blind source, whatever the profile */
  {
    nmf_separator_config c;
    static float dict[4 * 1025];
    nmf_separator_config_init (&c);
    c.sources = 3;
    c.components = NMF_SEPARATOR_PER_BLIND_SOURCE;
    nmf_separator_config_apply_profile (&c, NMF_PROFILE_FILE);
    CHECK (c.components == 3, "per blind source, 3 sources, file profile: "
        "%d components", c.components);
    nmf_separator_config_init (&c);
    c.sources = 3;
    c.components = NMF_SEPARATOR_PER_BLIND_SOURCE;
    c.dictionaries[0] = dict;
    c.dictionary_components[0] = 4;
    nmf_separator_config_apply_profile (&c, NMF_PROFILE_FILE);
    CHECK (c.components == 2, "per blind source, one of 3 sources with a "
        "dictionary: %d components", c.components);
  }
  /* a dictionary that takes the memory over the limit is named as such
   * (the refusal blamed the one blind component) */
  {
    nmf_separator_config c;
    static float dict[1000 * 1025];
    for (size_t i = 0; i < sizeof dict / sizeof dict[0]; i++)
      dict[i] = 1.0f;           /* (an all-zero template is refused first) */
    nmf_separator_config_init (&c);
    c.sources = 2;
    c.window_frames = 600;
    c.dictionaries[1] = dict;
    c.dictionary_components[1] = 1000;
    CHECK (nmf_separator_check_config (&c, NULL, msg, sizeof msg) != NMF_OK
        && strstr (msg, "1000 in dictionaries"), "a big dictionary: %s", msg);
  }
}

/* The log-frequency band axis (bands_per_octave): the same output
 * contract (counts, sources adding up to the input, masks summing to one),
 * with kl and volmin, one component per source and grouped components, and
 * it still separates two tones. */
static void
test_bands (void)
{
  const int configs[][7] = {
    /* channels, sources, components, fft, hop, bands/octave, algorithm */
    {1, 2, 2, 2048, 512, 24, NMF_ALGORITHM_KL},
    {2, 3, 8, 1024, 256, 12, NMF_ALGORITHM_KL},
    {1, 2, 2, 256, 64, 96, NMF_ALGORITHM_KL},
    {1, 2, 2, 2048, 512, 6, NMF_ALGORITHM_VOLMIN},
    {1, 2, 6, 2048, 512, 24, NMF_ALGORITHM_VOLMIN},
  };
  for (size_t c = 0; c < sizeof configs / sizeof configs[0]; c++) {
    nmf_separator_config cfg;
    nmf_separator *sep;
    collected col, masks;
    const size_t n = 44100 * 3 + 5 * c;

    nmf_separator_config_init (&cfg);
    cfg.channels = configs[c][0];
    cfg.sources = configs[c][1];
    cfg.components = configs[c][2];
    cfg.fft_size = configs[c][3];
    cfg.hop_size = configs[c][4];
    cfg.bands_per_octave = configs[c][5];
    cfg.algorithm = configs[c][6];
    cfg.window_frames = 60;
    float *x = make_signal (n, cfg.channels, 31 + c);
    CHECK_OK (nmf_separator_create (&sep, &cfg, NULL, 0));
    nmf_separator_get_config (sep, &cfg);
    {
      /* below f_split = 1 / (2^(1/N) - 1) bins every bin is a band, above
       * there are N per octave up to the last bin */
      const int bins = cfg.fft_size / 2 + 1, N = cfg.bands_per_octave;
      const double split = 1.0 / (pow (2.0, 1.0 / N) - 1.0);
      const int expect = split >= bins ? bins
          : (int) ceil (split) + (int) floor (N * log2 ((bins - 1) / split)) + 1;
      const int got = (int) nmf_separator_model_bins (sep);
      printf ("bands config %zu: %d bins -> %d bands (expected %d)\n", c,
          bins, got, expect);
      CHECK (abs (got - expect) <= 1,
          "bands config %zu: %d bands, expected about %d", c, got, expect);
    }
    run_stream (sep, &cfg, x, n, 1, 0, &col);
    CHECK (col.n_audio == n, "bands config %zu: %zu samples out for %zu in",
        c, col.n_audio, n);
    double max_err = 0.0;
    for (size_t i = 0; i < n * cfg.channels; i++) {
      double sum = 0.0;
      for (int s = 0; s < cfg.sources; s++)
        sum += col.audio[s][i];
      max_err = fabs (sum - x[i]) > max_err ? fabs (sum - x[i]) : max_err;
    }
    CHECK (max_err < 1e-5, "bands config %zu: sources do not add up: %g", c,
        max_err);
    nmf_separator_reset (sep, 0);
    run_stream (sep, &cfg, x, n, 0, 1, &masks);
    const int F = nmf_separator_bins (sep);
    double worst = 0.0;
    for (size_t j = 0; j < masks.n_masks; j++)
      for (int f = 0; f < F; f++) {
        double sum = 0.0;
        for (int s = 0; s < cfg.sources; s++) {
          float m = masks.masks[s][j * F + f];
          CHECK (m >= 0.0f && m <= 1.0f, "bands config %zu: mask %g", c, m);
          sum += m;
        }
        worst = fabs (sum - 1.0) > worst ? fabs (sum - 1.0) : worst;
      }
    CHECK (worst < 1e-5, "bands config %zu: masks sum to one within %g", c,
        worst);
    printf ("bands config %zu: max |sum - input| %.3g, masks %.3g\n", c,
        max_err, worst);
    free_collected (&col, cfg.sources);
    free_collected (&masks, cfg.sources);
    nmf_separator_destroy (&sep);
    free (x);
  }

  /* two harmonic tones, 24 bands per octave: separated.  The second tone
   * starts 1.07 s after the first: when both start together, one component
   * per source ends with one template on both tones and the other on the
   * broadband clicks of the hard gates, with or without bands: a limit of
   * K = n-sources this test does not cover. */
  const size_t n = 44100 * 12;
  float *a = malloc (sizeof (float) * n), *b = malloc (sizeof (float) * n);
  float *x = malloc (sizeof (float) * n);
  for (size_t i = 0; i < n; i++) {
    double t = (double) i / 44100.0, u = 0.0, v = 0.0;
    for (int h = 1; h <= 6; h++) {
      u += sin (2 * M_PI * 220.0 * h * t) / h;
      v += sin (2 * M_PI * 1318.5 * h * t) / (h * h);
    }
    a[i] = (float) (0.2 * u * (((i / 30000) % 3) != 2));
    b[i] = (float) (0.2 * v * (((i / 47000) % 2) == 1));
    x[i] = a[i] + b[i];
  }
  /* runs: bands per octave, look-ahead frames */
  const int runs[][2] = { {0, 0}, {24, 0}, {24, 86} };
  for (size_t r = 0; r < sizeof runs / sizeof runs[0]; r++) {
    const int bands = runs[r][0];
    nmf_separator_config cfg;
    nmf_separator *sep;
    collected col;
    nmf_separator_config_init (&cfg);
    cfg.bands_per_octave = bands;
    cfg.lookahead_frames = runs[r][1];
    CHECK_OK (nmf_separator_create (&sep, &cfg, NULL, 0));
    nmf_separator_get_config (sep, &cfg);
    run_stream (sep, &cfg, x, n, 1, 0, &col);
    const size_t h = n / 2;
    double s00 = nmf_si_sdr (a + h, 1, col.audio[0] + h, 1, n - h);
    double s11 = nmf_si_sdr (b + h, 1, col.audio[1] + h, 1, n - h);
    double s01 = nmf_si_sdr (a + h, 1, col.audio[1] + h, 1, n - h);
    double s10 = nmf_si_sdr (b + h, 1, col.audio[0] + h, 1, n - h);
    double sdr = fmax (fmin (s00, s11), fmin (s01, s10));
    printf ("two tones, bands-per-octave %d, look-ahead %d: SI-SDR %.2f dB "
        "(second half; %.2f %.2f %.2f %.2f)\n", bands, runs[r][1], sdr, s00,
        s11, s01, s10);
    CHECK (sdr > 12.0, "bands-per-octave %d: two tones not separated: %.2f "
        "dB", bands, sdr);
    free_collected (&col, 2);
    nmf_separator_destroy (&sep);
  }
  free (a);
  free (b);
  free (x);
}

/* Digital silence leaves the state as it was: a stream that starts with
 * a long silence (a whole number of hops) separates what follows exactly as
 * a stream without it - the model, and with components > sources the
 * grouping (its regrouping rhythm and mask ramps count frames of sound). */
static void
test_silence_leaves_state (void)
{
  const size_t n = 44100 * 6, quiet = 512 * 700;
  float *x = make_signal (n, 1, 77);
  float *y = calloc (quiet + n, sizeof (float));
  memcpy (y + quiet, x, n * sizeof (float));
  const int configs[][3] = {
    /* algorithm, components, bands_per_octave */
    {NMF_ALGORITHM_KL, 2, 0},
    {NMF_ALGORITHM_KL, 8, 0},
    {NMF_ALGORITHM_KL, 16, 24},
  };
  for (size_t c = 0; c < sizeof (configs) / sizeof (configs[0]); c++) {
    nmf_separator_config cfg;
    nmf_separator *a, *b;
    collected ca, cb;
    nmf_separator_config_init (&cfg);
    cfg.algorithm = configs[c][0];
    cfg.components = configs[c][1];
    cfg.bands_per_octave = configs[c][2];
    cfg.window_frames = 100;
    CHECK_OK (nmf_separator_create (&a, &cfg, NULL, 0));
    nmf_separator_get_config (a, &cfg);
    CHECK_OK (nmf_separator_create (&b, &cfg, NULL, 0));
    nmf_separator_get_config (b, &cfg);
    run_stream (a, &cfg, x, n, 1, 0, &ca);
    run_stream (b, &cfg, y, quiet + n, 1, 0, &cb);
    double worst = 0.0;
    for (int s = 0; s < 2; s++)
      for (size_t i = 0; i < n; i++) {
        double d = fabs (ca.audio[s][i] - cb.audio[s][quiet + i]);
        worst = d > worst ? d : worst;
      }
    for (size_t i = 0; i + 2048 < quiet; i++)
      CHECK (cb.audio[0][i] == 0.0f && cb.audio[1][i] == 0.0f,
          "config %zu: output in the silence at %zu", c, i);
    printf ("silence first, config %zu: max |difference| %.3g\n", c, worst);
    CHECK (worst < 1e-6, "config %zu: %zu samples of silence changed what "
        "follows by up to %g", c, quiet, worst);
    free_pair (&a, &b, &ca, &cb);
  }
  free (x);
  free (y);
}

/* A pause leaves the state as it was too: sound, a pause of 5 hops (no
 * frame holds both sides) or of 7 windows, then sound again separates the
 * sound after the pause alike, with or without a look-ahead.  Silence once
 * took places in the model's window: over the long pause the frames before
 * it left one by one and the templates were re-fitted to fewer and fewer
 * of them; at the end of a stream the drain's silence did that to the
 * last window of a look-ahead's frames (found by the element at the file
 * profile: the last 3 s of a file 5 dB worse than the rest). */
static void
test_pause_leaves_state (void)
{
  const size_t before = 512 * 300, after = 512 * 400;
  const size_t pause[2] = { 512 * 5, 512 * 700 };
  const int configs[][4] = {
    /* algorithm, components, bands_per_octave, lookahead_frames */
    {NMF_ALGORITHM_KL, 2, 0, 0},
    {NMF_ALGORITHM_KL, 16, 24, 0},
    {NMF_ALGORITHM_KL, 16, 24, 200},
    {NMF_ALGORITHM_VOLMIN, 2, 0, 0},
  };
  float *x1 = make_signal (before, 1, 77), *x2 = make_signal (after, 1, 78);
  float *y[2];

  for (int p = 0; p < 2; p++) {
    y[p] = calloc (before + pause[p] + after, sizeof (float));
    memcpy (y[p], x1, before * sizeof (float));
    memcpy (y[p] + before + pause[p], x2, after * sizeof (float));
  }
  for (size_t c = 0; c < sizeof (configs) / sizeof (configs[0]); c++) {
    nmf_separator_config cfg;
    nmf_separator *sep[2];
    collected col[2];
    nmf_separator_config_init (&cfg);
    cfg.algorithm = configs[c][0];
    cfg.components = configs[c][1];
    cfg.bands_per_octave = configs[c][2];
    cfg.lookahead_frames = configs[c][3];
    cfg.window_frames = 100;
    for (int p = 0; p < 2; p++) {
      CHECK_OK (nmf_separator_create (&sep[p], &cfg, NULL, 0));
      nmf_separator_config resolved;
      nmf_separator_get_config (sep[p], &resolved);
      run_stream (sep[p], &resolved, y[p], before + pause[p] + after, 1, 0,
          &col[p]);
    }
    double worst = 0.0, peak = 0.0;
    for (int s = 0; s < 2; s++)
      for (size_t i = 0; i < after; i++) {
        double a = col[0].audio[s][before + pause[0] + i];
        double d = fabs (a - col[1].audio[s][before + pause[1] + i]);
        worst = d > worst ? d : worst;
        peak = fabs (a) > peak ? fabs (a) : peak;
      }
    printf ("a pause of %zu or %zu samples, config %zu: max |difference| "
        "after it %.3g (peak %.3g)\n", pause[0], pause[1], c, worst, peak);
    CHECK (worst < 1e-6, "config %zu: a pause of %zu samples instead of %zu "
        "changed what follows by up to %g", c, pause[1], pause[0], worst);
    free_pair (&sep[0], &sep[1], &col[0], &col[1]);
  }
  free (x1);
  free (x2);
  free (y[0]);
  free (y[1]);
}

/* A new format (here mono to stereo, the same rate): the new separator goes
 * on from the drained one with its learned templates
 * (nmf_separator_continue_from); at another rate, or with other model
 * settings, it starts from the seed. */
static void
test_continue_from (void)
{
  const size_t n = 44100 * 3;
  float *x = make_signal (n, 1, 91);
  nmf_separator_config cfg, stereo_cfg;
  nmf_separator *a, *b, *fresh;
  collected ca;

  nmf_separator_config_init (&cfg);
  cfg.window_frames = 100;
  CHECK_OK (nmf_separator_create (&a, &cfg, NULL, 0));
  nmf_separator_get_config (a, &cfg);
  run_stream (a, &cfg, x, n, 1, 0, &ca);
  stereo_cfg = cfg;
  stereo_cfg.channels = 2;
  CHECK_OK (nmf_separator_create (&b, &stereo_cfg, NULL, 0));
  CHECK_OK (nmf_separator_create (&fresh, &stereo_cfg, NULL, 0));
  const size_t count = nmf_separator_model_bins (a) * (size_t) (cfg.components
      > 0 ? cfg.components : cfg.sources);
  /* a learned model differs from the seed's start */
  CHECK (memcmp (nmf_separator_templates (a), nmf_separator_templates (b),
          sizeof (float) * count) != 0, "the model learned nothing");
  CHECK_OK (nmf_separator_continue_from (b, a, 1));
  CHECK (memcmp (nmf_separator_templates (a), nmf_separator_templates (b),
          sizeof (float) * count) == 0, "the templates did not carry over");
  /* another rate: the seed's start */
  CHECK_OK (nmf_separator_continue_from (fresh, a, 0));
  nmf_separator *seeded;
  CHECK_OK (nmf_separator_create (&seeded, &stereo_cfg, NULL, 0));
  CHECK (memcmp (nmf_separator_templates (fresh), nmf_separator_templates
          (seeded), sizeof (float) * count) == 0, "another rate carried the "
      "templates");
  /* other model settings: nothing carried either */
  nmf_separator_config other = stereo_cfg;
  nmf_separator *c, *c_seeded;
  other.seed = 5;
  CHECK_OK (nmf_separator_create (&c, &other, NULL, 0));
  CHECK_OK (nmf_separator_create (&c_seeded, &other, NULL, 0));
  CHECK_OK (nmf_separator_continue_from (c, a, 1));
  CHECK (memcmp (nmf_separator_templates (c), nmf_separator_templates
          (c_seeded), sizeof (float) * count) == 0, "another seed carried "
      "the templates");
  /* a separator that met no sound (caps followed by other caps) hands on
   * nothing: taken as learned, its random start skipped the new one's
   * seeding from its first sound, and the output differed from a fresh
   * separator's */
  {
    nmf_separator *unused, *after, *plain;
    collected c_after, c_plain;
    CHECK_OK (nmf_separator_create (&unused, &cfg, NULL, 0));
    CHECK_OK (nmf_separator_create (&after, &cfg, NULL, 0));
    CHECK_OK (nmf_separator_create (&plain, &cfg, NULL, 0));
    CHECK_OK (nmf_separator_continue_from (after, unused, 1));
    run_stream (after, &cfg, x, n, 1, 0, &c_after);
    run_stream (plain, &cfg, x, n, 1, 0, &c_plain);
    CHECK (c_after.n_audio == c_plain.n_audio
        && memcmp (c_after.audio[0], c_plain.audio[0],
            sizeof (float) * c_plain.n_audio) == 0
        && memcmp (c_after.audio[1], c_plain.audio[1],
            sizeof (float) * c_plain.n_audio) == 0,
        "going on from a separator that met no sound changed the output");
    free_pair (&after, &plain, &c_after, &c_plain);
    nmf_separator_destroy (&unused);
  }
  printf ("continue_from: templates carried to the same model at the same "
      "rate only, and only once learned\n");
  nmf_separator_destroy (&c);
  nmf_separator_destroy (&c_seeded);
  nmf_separator_destroy (&seeded);
  nmf_separator_destroy (&fresh);
  nmf_separator_destroy (&b);
  nmf_separator_destroy (&a);
  for (int s = 0; s < NMF_SEPARATOR_MAX_SOURCES; s++) {
    free (ca.audio[s]);
    free (ca.masks[s]);
  }
  free (x);
}

/* A stretch of samples beyond NMF_SEPARATOR_MAX_SAMPLE (clamped: garbage,
 * not audio) is not learned from: what it held makes no difference to the
 * model, so two streams that differ only in what their clamped stretch
 * held (the sound x 1e20, clipped; noise x 1e30) come out of it with the
 * same templates and, once no frame overlaps it, the same output, bit for
 * bit.  A model that learned such a burst could come back from it with
 * templates that mixed the sources
 * (docs/experiments.md#recovery-after-loud-stretches). */
static void
test_clamped_not_learned (void)
{
  const size_t n = 44100 * 8, start = 44100 * 2, len = 44100;
  float *x = make_signal (n, 1, 91);
  float *y = malloc (n * sizeof (float));
  unsigned long long seed = 5;
  const int configs[][3] = {
    /* components, bands_per_octave, look-ahead (1: the file profile) */
    {2, 0, 0},
    {8, 0, 0},
    {16, 24, 0},
    {16, 24, 1},
  };
  memcpy (y, x, n * sizeof (float));
  for (size_t i = start; i < start + len; i++) {
    x[i] *= 1e20f;
    y[i] = (float) ((test_uniform (&seed) - 0.5) * 1e30);
  }
  for (size_t c = 0; c < sizeof (configs) / sizeof (configs[0]); c++) {
    nmf_separator_config cfg;
    nmf_separator *a, *b;
    collected ca, cb;
    nmf_separator_stats st;
    nmf_separator_config_init (&cfg);
    cfg.window_frames = 100;
    if (configs[c][2])
      nmf_separator_config_apply_profile (&cfg, NMF_PROFILE_FILE);
    cfg.components = configs[c][0];
    cfg.bands_per_octave = configs[c][1];
    CHECK_OK (nmf_separator_create (&a, &cfg, NULL, 0));
    nmf_separator_get_config (a, &cfg);
    CHECK_OK (nmf_separator_create (&b, &cfg, NULL, 0));
    nmf_separator_get_config (b, &cfg);
    run_stream (a, &cfg, x, n, 1, 0, &ca);
    run_stream (b, &cfg, y, n, 1, 0, &cb);
    nmf_separator_get_stats (a, &st);
    CHECK (st.clamped_samples > 0, "config %zu: nothing clamped", c);
    const int R = nmf_separator_rank (a), MB = nmf_separator_model_bins (a);
    CHECK (memcmp (nmf_separator_templates (a), nmf_separator_templates (b),
            sizeof (float) * (size_t) R * MB) == 0,
        "config %zu: what the clamped stretch held changed the model", c);
    /* the output, from where no frame overlapping the stretch is heard */
    size_t differ = 0;
    for (int s = 0; s < 2; s++)
      for (size_t i = start + len + 2 * cfg.fft_size; i < n; i++)
        differ += ca.audio[s][i] != cb.audio[s][i];
    printf ("clamped stretch, config %zu: %zu samples differ after it\n", c,
        differ);
    CHECK (differ == 0, "config %zu: what the clamped stretch held changed "
        "%zu output samples after it", c, differ);
    free_pair (&a, &b, &ca, &cb);
  }
  free (x);
  free (y);
}

/* What an embedding application can get wrong is refused with a message,
 * never taken on: a profile that does not exist; components near INT_MAX
 * beside a dictionary (the sum wrapped negative and passed); a dictionary
 * holding a NaN or a negative value (create failed without a word); a
 * dictionary installed in a volmin separator (a kl model was built over
 * the volmin one: a read past its end); an enrolment buffer whose size
 * does not fit a size_t (it wrapped to 4 KB, and process wrote past it); a
 * separator continuing from itself (the look-ahead's replay never ended). */
static void
test_api_misuse (void)
{
  nmf_separator_config cfg;
  nmf_separator *sep = NULL;
  nmf_config_field field;
  char msg[256] = "";
  const int bins = 1025;
  float *dict = calloc (bins, sizeof (float));
  float x[4096];

  for (int i = 0; i < bins; i++)
    dict[i] = 1.0f / bins;
  for (int i = 0; i < 4096; i++)
    x[i] = (float) (0.3 * sin (2 * M_PI * 440 * i / 44100.0));

  nmf_separator_config_init (&cfg);
  cfg.profile = 7;
  CHECK (nmf_separator_check_config (&cfg, &field, msg, sizeof msg) ==
      NMF_ERR_INVALID_ARGUMENT && field == NMF_CONFIG_FIELD_PROFILE
      && strstr (msg, "profile"), "profile 7: %s", msg);

  nmf_separator_config_init (&cfg);
  cfg.components = INT_MAX;
  cfg.dictionaries[0] = dict;
  cfg.dictionary_components[0] = 1;
  CHECK (nmf_separator_check_config (&cfg, &field, msg, sizeof msg) ==
      NMF_ERR_INVALID_ARGUMENT && field == NMF_CONFIG_FIELD_COMPONENTS,
      "components INT_MAX with a dictionary: %s", msg);

  for (int bad = 0; bad < 2; bad++) {
    nmf_separator_config_init (&cfg);
    cfg.dictionaries[0] = dict;
    cfg.dictionary_components[0] = 1;
    dict[3] = bad ? -0.5f : NAN;
    CHECK (nmf_separator_check_config (&cfg, &field, msg, sizeof msg) ==
        NMF_ERR_INVALID_ARGUMENT && field == NMF_CONFIG_FIELD_DICTIONARIES
        && strstr (msg, "dictionary of source 0"), "%s in a dictionary: "
        "'%s'", bad ? "-0.5" : "NaN", msg);
    msg[0] = '\0';
    CHECK (nmf_separator_create (&sep, &cfg, msg, sizeof msg) ==
        NMF_ERR_INVALID_ARGUMENT && sep == NULL && msg[0] != '\0',
        "create: '%s'", msg);
    dict[3] = 1.0f / bins;
  }

  nmf_separator_config_init (&cfg);
  cfg.algorithm = NMF_ALGORITHM_VOLMIN;
  CHECK_OK (nmf_separator_create (&sep, &cfg, NULL, 0));
  size_t a, m;
  CHECK_OK (nmf_separator_process (sep, x, 4096, NULL, &a, &m));
  for (size_t count = 0; count < 2; count++) {
    msg[0] = '\0';
    CHECK (nmf_separator_set_dictionary (sep, 0, count ? dict : NULL, count,
            msg, sizeof msg) == NMF_ERR_INVALID_ARGUMENT
        && strstr (msg, "kl"), "volmin took a dictionary (%zu): '%s'", count,
        msg);
  }
  nmf_separator_get_config (sep, &cfg);
  CHECK (cfg.algorithm == NMF_ALGORITHM_VOLMIN, "the algorithm changed");
  CHECK_OK (nmf_separator_process (sep, x, 4096, NULL, &a, &m));
  CHECK (nmf_separator_enrol_start (sep, SIZE_MAX / sizeof (float) / bins
          + 1) == NMF_ERR_NO_MEMORY, "an enrolment buffer of more than "
      "SIZE_MAX bytes accepted");
  CHECK (nmf_separator_enrol_frames (sep) == 0, "enrolling after a refusal");
  CHECK_OK (nmf_separator_process (sep, x, 4096, NULL, &a, &m));
  nmf_separator_destroy (&sep);

  /* each refusal of set_dictionary names its own reason (one message
   * "no source 0, or 3 templates (0 to 1024)" covered a source out of
   * range, too many templates and templates NULL with a count) */
  {
    static const struct
    {
      int source;
      int null_templates;
      size_t count;
      const char *want;
    } bad[] = {
      {-1, 0, 1, "source -1 is out of range (0 to 1"},
      {2, 0, 1, "source 2 is out of range (0 to 1"},
      {0, 1, 3, "3 templates given as NULL"},
      {0, 0, 1025, "1025 templates, more than 1024"},
    };
    nmf_separator_config_init (&cfg);
    CHECK_OK (nmf_separator_create (&sep, &cfg, NULL, 0));
    for (size_t t = 0; t < sizeof bad / sizeof bad[0]; t++) {
      float *many = calloc ((size_t) bins * bad[t].count + 1, sizeof (float));
      snprintf (msg, sizeof msg, "stale");
      CHECK (nmf_separator_set_dictionary (sep, bad[t].source,
              bad[t].null_templates ? NULL : many, bad[t].count, msg,
              sizeof msg) == NMF_ERR_INVALID_ARGUMENT
          && strstr (msg, bad[t].want), "set_dictionary (%d, %s, %zu): '%s', "
          "want '%s'", bad[t].source, bad[t].null_templates ? "NULL" : "W",
          bad[t].count, msg, bad[t].want);
      free (many);
    }
    nmf_separator_destroy (&sep);
  }

  nmf_separator_config_init (&cfg);
  nmf_separator_config_apply_profile (&cfg, NMF_PROFILE_FILE);
  CHECK_OK (nmf_separator_create (&sep, &cfg, NULL, 0));
  for (int i = 0; i < 4; i++)
    CHECK_OK (nmf_separator_process (sep, x, 4096, NULL, &a, &m));
  CHECK (nmf_separator_continue_from (sep, sep, 1) ==
      NMF_ERR_INVALID_ARGUMENT, "continued from itself");
  nmf_separator_destroy (&sep);
  free (dict);
}

/* Two tones panned apart (one left, one right) and a little
 * noise: a mix the spatial stage demixes. */
static float *
make_panned (size_t n, unsigned long long seed)
{
  float *x = malloc (sizeof (float) * n * 2);
  for (size_t i = 0; i < n; i++) {
    double t = (double) i / 44100.0;
    double a = ((i / 11025) % 2) ? sin (2 * M_PI * 440 * t) : 0.0;
    double b = ((i / 16000) % 3) ? 0.5 * sin (2 * M_PI * 1250 * t) : 0.0;
    for (int c = 0; c < 2; c++)
      x[i * 2 + c] = (float) (0.4 * a * (c ? 0.0 : 1.0)
          + 0.4 * b * (c ? 1.0 : 0.0) + 0.01 * (test_uniform (&seed) - 0.5));
  }
  return x;
}

/* reset without keeping the model gives a fresh separator: the same input
 * after it comes out as from a new separator of the same seed, also when
 * components are grouped into sources (the regroupings' count went on, so
 * they fell on other frames: outputs up to 0.4 apart), and when the
 * spatial stage demixed the stream before the reset (it kept that mix's
 * directions and put the sources in their places, not where a new
 * separator puts them: the sources swapped, outputs 0.4 apart). */
static void
test_reset_is_fresh (void)
{
  const size_t n = 44100 * 2;
  float *x = make_signal (n, 1, 17), *xs = make_panned (n, 17);
  const nmf_profile profiles[] = { NMF_PROFILE_NONE, NMF_PROFILE_LIVE,
    NMF_PROFILE_LIVE
  };

  for (size_t p = 0; p < 3; p++) {
    nmf_separator_config cfg;
    nmf_separator *used, *fresh;
    collected cu, cf;
    const int C = p == 2 ? 2 : 1;
    const float *in = p == 2 ? xs : x;

    nmf_separator_config_init (&cfg);
    if (p == 0)
      cfg.components = 5;
    cfg.channels = C;
    nmf_separator_config_apply_profile (&cfg, profiles[p]);
    CHECK_OK (nmf_separator_create (&used, &cfg, NULL, 0));
    CHECK_OK (nmf_separator_create (&fresh, &cfg, NULL, 0));
    nmf_separator_get_config (used, &cfg);
    run_stream (used, &cfg, in + n / 2 * C, n / 2, 1, 0, &cu);
    free_collected (&cu, 2);
    nmf_separator_reset (used, 0);
    run_stream (used, &cfg, in, n, 1, 0, &cu);
    run_stream (fresh, &cfg, in, n, 1, 0, &cf);
    CHECK (cu.n_audio == n && cf.n_audio == n, "%zu / %zu samples",
        cu.n_audio, cf.n_audio);
    double worst = 0.0;
    for (int s = 0; s < 2; s++)
      for (size_t i = 0; i < n * C; i++)
        worst = fmax (worst, fabs (cu.audio[s][i] - cf.audio[s][i]));
    CHECK (worst == 0.0, "case %zu (profile %d, %d channel(s)): after "
        "reset(0) the output differs from a fresh separator's by up to %g",
        p, (int) profiles[p], C, worst);
    free_pair (&used, &fresh, &cu, &cf);
  }
  free (x);
  free (xs);
}

typedef struct
{
  uint64_t calls, next;
  int out_of_order;
  unsigned int flush_bits;      /* FTZ / DAZ seen inside the callback */
} observed;

static void
observe (void *user_data, uint64_t frame, const float *magnitude,
    const float *masks, const double *energy)
{
  observed *o = user_data;
  (void) magnitude;
  (void) masks;
  (void) energy;
  if (frame != o->next)
    o->out_of_order++;
  o->next = frame + 1;
  o->calls++;
#if defined(__SSE__) || defined(__x86_64__)
  o->flush_bits |= _mm_getcsr () & 0x8040;
#endif
}

/* The frame observer: once per mask frame, in order from 0, and in the
 * caller's floating-point mode (it ran with the separator's denormals
 * flushed to zero, which the separator keeps to itself). */
static void
test_frame_observer (void)
{
  nmf_separator_config cfg;
  nmf_separator *sep;
  observed o = { 0, 0, 0, 0 };
  collected col;
  const size_t n = 44100;
  float *x = make_signal (n, 1, 5);

  nmf_separator_config_init (&cfg);
  cfg.lookahead_frames = 3;
  CHECK_OK (nmf_separator_create (&sep, &cfg, NULL, 0));
  nmf_separator_get_config (sep, &cfg);
  nmf_separator_set_frame_observer (sep, observe, &o);
  run_stream (sep, &cfg, x, n, 1, 1, &col);
  CHECK (o.calls == col.n_masks && o.out_of_order == 0, "%llu calls for "
      "%zu mask frames, %d out of order", (unsigned long long) o.calls,
      col.n_masks, o.out_of_order);
  CHECK (o.flush_bits == 0, "the observer ran with denormals flushed "
      "(MXCSR bits 0x%x)", o.flush_bits);
  free_collected (&col, 2);
  nmf_separator_destroy (&sep);
  free (x);
}

/* The drain in parts (nmf_separator_drain_part) writes what one drain
 * writes, byte for byte, audio and masks, whatever the parts' sizes; each
 * part keeps to its limits; input is refused while parts are left; the
 * stream after it comes out as after one drain; a reset gives up what is
 * left.  (In one drain the look-ahead's masks took one block of 410 MB
 * a source at lookahead_frames 100000: the element drains in parts.) */
static void
drain_parts_into (nmf_separator * sep, const nmf_separator_config * cfg,
    int want_audio, size_t max_audio, size_t max_masks, collected * col)
{
  const int S = cfg->sources, C = cfg->channels;
  const int F = nmf_separator_bins (sep);
  float *a_ptr[NMF_SEPARATOR_MAX_SOURCES], *m_ptr[NMF_SEPARATOR_MAX_SOURCES];
  nmf_separator_output out = { want_audio ? a_ptr : NULL, m_ptr };
  int more = 1, parts = 0;

  while (more) {
    size_t left_a = nmf_separator_drain_audio (sep);
    size_t left_m = nmf_separator_drain_masks (sep);
    size_t got_a, got_m;
    for (int s = 0; s < S; s++) {
      a_ptr[s] = col->audio[s] + col->n_audio * C;
      m_ptr[s] = col->masks[s] + col->n_masks * F;
    }
    CHECK_OK (nmf_separator_drain_part (sep, &out, max_audio, max_masks,
            &got_a, &got_m, &more));
    CHECK (got_a <= max_audio && got_m <= max_masks, "a part of %zu samples "
        "and %zu masks for limits %zu and %zu", got_a, got_m, max_audio,
        max_masks);
    CHECK (got_m <= left_m && (!want_audio || got_a <= left_a),
        "a part wrote more than was left");
    if (more) {
      float y[8] = { 0 };
      CHECK (nmf_separator_process (sep, y, 1, NULL, NULL, NULL) ==
          NMF_ERR_INVALID_ARGUMENT, "input taken while a drain was under way");
      CHECK (nmf_separator_drain_masks (sep) == left_m - got_m,
          "drain_masks said %zu left after a part, not %zu",
          nmf_separator_drain_masks (sep), left_m - got_m);
      if (want_audio)
        CHECK (nmf_separator_drain_audio (sep) == left_a - got_a,
            "drain_audio said %zu left after a part, not %zu",
            nmf_separator_drain_audio (sep), left_a - got_a);
    }
    col->n_audio += want_audio ? got_a : 0;
    col->n_masks += got_m;
    parts++;
  }
  CHECK (nmf_separator_drain_audio (sep) == 0
      && nmf_separator_drain_masks (sep) == 0, "a stream left after the last "
      "part");
  (void) parts;
}

static void
feed_all (nmf_separator * sep, const nmf_separator_config * cfg,
    const float *x, size_t n, int want_audio, collected * col)
{
  const int S = cfg->sources, C = cfg->channels;
  const int F = nmf_separator_bins (sep);
  float *a_ptr[NMF_SEPARATOR_MAX_SOURCES], *m_ptr[NMF_SEPARATOR_MAX_SOURCES];
  nmf_separator_output out = { want_audio ? a_ptr : NULL, m_ptr };
  size_t got_a, got_m;

  for (int s = 0; s < S; s++) {
    a_ptr[s] = col->audio[s] + col->n_audio * C;
    m_ptr[s] = col->masks[s] + col->n_masks * F;
  }
  CHECK_OK (nmf_separator_process (sep, x, n, &out, &got_a, &got_m));
  col->n_audio += want_audio ? got_a : 0;
  col->n_masks += got_m;
}

static void
test_drain_in_parts (void)
{
  const size_t n = 20011;
  float *x = make_signal (n, 2, 29);
  nmf_separator_config cfg;
  /* limits in samples (0: one drain) and in mask frames */
  const size_t limits[][2] = { {0, 0}, {256, 1}, {256 * 3 + 7, 5},
  {SIZE_MAX, 2}, {8192, SIZE_MAX}
  };

  nmf_separator_config_init (&cfg);
  cfg.sources = 2;
  cfg.channels = 2;
  cfg.fft_size = 1024;
  cfg.hop_size = 256;
  cfg.lookahead_frames = 40;
  for (int want_audio = 0; want_audio < 2; want_audio++) {
    collected ref;
    memset (&ref, 0, sizeof ref);
    for (size_t l = 0; l < sizeof limits / sizeof limits[0]; l++) {
      nmf_separator *sep;
      collected col;
      const size_t cap = 2 * (n + cfg.hop_size * (cfg.lookahead_frames + 8));
      CHECK_OK (nmf_separator_create (&sep, &cfg, NULL, 0));
      memset (&col, 0, sizeof col);
      for (int s = 0; s < cfg.sources; s++) {
        col.audio[s] = calloc (cap * cfg.channels, sizeof (float));
        col.masks[s] = calloc (cap / cfg.hop_size * 513, sizeof (float));
      }
      /* two streams: the second after the drain, as the first */
      for (int stream = 0; stream < 2; stream++) {
        feed_all (sep, &cfg, x, n, want_audio, &col);
        if (limits[l][0] == 0) {
          float *a_ptr[2], *m_ptr[2];
          nmf_separator_output out = { want_audio ? a_ptr : NULL, m_ptr };
          size_t got_a, got_m;
          for (int s = 0; s < cfg.sources; s++) {
            a_ptr[s] = col.audio[s] + col.n_audio * cfg.channels;
            m_ptr[s] = col.masks[s] + col.n_masks * 513;
          }
          CHECK_OK (nmf_separator_drain (sep, &out, &got_a, &got_m));
          col.n_audio += want_audio ? got_a : 0;
          col.n_masks += got_m;
        } else {
          drain_parts_into (sep, &cfg, want_audio, limits[l][0],
              limits[l][1], &col);
        }
      }
      if (want_audio)
        CHECK (col.n_audio == 2 * n, "%zu samples out of %zu",
            col.n_audio, 2 * n);
      CHECK (col.n_masks == 2 * ((n + 255) / 256), "%zu masks out of %zu",
          col.n_masks, 2 * ((n + 255) / 256));
      if (l == 0) {
        ref = col;
      } else {
        for (int s = 0; s < cfg.sources; s++) {
          CHECK (col.n_audio == ref.n_audio && !memcmp (col.audio[s],
                  ref.audio[s], col.n_audio * cfg.channels * sizeof (float)),
              "audio %d: the drain in parts of %zu / %zu differs from one "
              "drain", want_audio, limits[l][0], limits[l][1]);
          CHECK (col.n_masks == ref.n_masks && !memcmp (col.masks[s],
                  ref.masks[s], col.n_masks * 513 * sizeof (float)),
              "masks (audio %d): the drain in parts of %zu / %zu differs "
              "from one drain", want_audio, limits[l][0], limits[l][1]);
        }
        free_collected (&col, cfg.sources);
      }
      nmf_separator_destroy (&sep);
    }
    free_collected (&ref, cfg.sources);
  }

  /* limits below a hop of audio or one mask: refused, nothing done */
  {
    nmf_separator *sep;
    size_t a = 7, m = 7;
    int more = 7;
    CHECK_OK (nmf_separator_create (&sep, &cfg, NULL, 0));
    CHECK_OK (nmf_separator_process (sep, x, 5000, NULL, &a, &m));
    CHECK (nmf_separator_drain_part (sep, NULL, 255, 1, &a, &m, &more) ==
        NMF_ERR_INVALID_ARGUMENT, "a part of less than a hop taken");
    CHECK (nmf_separator_drain_part (sep, NULL, 256, 0, &a, &m, &more) ==
        NMF_ERR_INVALID_ARGUMENT, "a part of no mask taken");
    CHECK (nmf_separator_drain_part (NULL, NULL, 256, 1, &a, &m, &more) ==
        NMF_ERR_INVALID_ARGUMENT, "no separator taken");
    /* a reset gives up what a drain in parts left */
    CHECK_OK (nmf_separator_drain_part (sep, NULL, 256, 1, &a, &m, &more));
    CHECK (more == 1 && m == 1, "one mask of many: %zu, more %d", m, more);
    nmf_separator_reset (sep, 1);
    CHECK (nmf_separator_drain_masks (sep) == 0, "masks left after a reset");
    CHECK_OK (nmf_separator_process (sep, x, 5000, NULL, &a, &m));
    nmf_separator_destroy (&sep);
  }
  free (x);
}

int
main (void)
{
  test_one_source_is_identity ();
  test_sources_sum_to_input ();
  test_masks ();
  test_silence_and_non_finite ();
  test_config_errors ();
  test_config_for_files ();
  test_bands ();
  test_silence_leaves_state ();
  test_pause_leaves_state ();
  test_clamped_not_learned ();
  test_continue_from ();
  test_api_misuse ();
  test_reset_is_fresh ();
  test_frame_observer ();
  test_drain_in_parts ();
  CHECK_DONE ();
}
