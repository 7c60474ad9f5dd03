/* Dictionaries (<nmf/dictionary.h>): .npy round trip (templates of any
 * finite scale; NaN, Inf and negative entries named), a clear error for a
 * dictionary made for another FFT size, learning from audio, and the
 * separator with every source supervised and with one source blind. */
#include "check.h"
#include <nmf/dictionary.h>
#include <nmf/error.h>
#include <nmf/npy.h>
#include <nmf/separator.h>

#include <stdio.h>
#include <unistd.h>
#include <string.h>

#define FFT 1024
#define BINS (FFT / 2 + 1)
#define RATE 44100.0

/* source 0: harmonic tones on a few notes; source 1: a noise band */
static void
make_source (int which, float *x, size_t n, unsigned long long seed)
{
  double phase[9] = { 0 };
  double bf[40], bp[40];
  for (int i = 0; i < 40; i++) {
    bf[i] = 3000.0 + 4000.0 * test_uniform (&seed);
    bp[i] = 2 * M_PI * test_uniform (&seed);
  }
  for (size_t i = 0; i < n; i++) {
    double t = i / RATE, v = 0.0;
    if (which == 0) {
      double f0 = 196.0 * pow (2.0, ((int) (t * 3) % 5) * 2 / 12.0);
      for (int h = 1; h <= 8; h++) {
        phase[h] += 2 * M_PI * h * f0 / RATE;
        v += sin (phase[h]) / h;
      }
    } else {
      for (int k = 0; k < 40; k++)
        v += sin (2 * M_PI * bf[k] * t + bp[k]) / 10.0;
    }
    /* on and off, so the two overlap only part of the time */
    double gate = ((int) (t * (which ? 1.3 : 0.9))) % 3 ? 1.0 : 0.1;
    x[i] = (float) (0.2 * v * gate);
  }
}

static double
snr (const float *ref, const float *est, size_t n)
{
  double e = 0, s = 0;
  for (size_t i = 0; i < n; i++) {
    s += (double) ref[i] * ref[i];
    e += (double) (ref[i] - est[i]) * (ref[i] - est[i]);
  }
  return 10 * log10 (s / (e + 1e-30));
}

static double
separate (const float *mix, size_t n, const float *const *ref,
    nmf_separator_config * cfg, double *snrs)
{
  nmf_separator *sep;
  float *out[2], *ptr[2];
  nmf_separator_output o = { ptr, NULL };
  size_t done = 0, got;
  char msg[256] = "";

  CHECK (nmf_separator_check_config (cfg, NULL, msg, sizeof msg) == NMF_OK, "config: %s",
      msg);
  CHECK_OK (nmf_separator_create (&sep, cfg, NULL, 0));
  for (int s = 0; s < 2; s++)
    out[s] = calloc (n + FFT, sizeof (float));
  for (size_t p = 0; p < n; p += 3000) {
    size_t c = n - p < 3000 ? n - p : 3000;
    for (int s = 0; s < 2; s++)
      ptr[s] = out[s] + done;
    CHECK_OK (nmf_separator_process (sep, mix + p, c, &o, &got, NULL));
    done += got;
  }
  for (int s = 0; s < 2; s++)
    ptr[s] = out[s] + done;
  CHECK_OK (nmf_separator_drain (sep, &o, &got, NULL));
  for (int s = 0; s < 2; s++) {
    snrs[s] = snr (ref[s], out[s], n);
    free (out[s]);
  }
  nmf_separator_destroy (&sep);
  return 0.5 * (snrs[0] + snrs[1]);
}

int
main (void)
{
  const size_t n = (size_t) (8 * RATE), ntrain = (size_t) (6 * RATE);
  float *src[2], *train[2], *mix = calloc (n, sizeof (float));
  float *dict[2];
  char err[512];
  enum { KS = 6 };

  for (int s = 0; s < 2; s++) {
    src[s] = malloc (sizeof (float) * n);
    train[s] = malloc (sizeof (float) * ntrain);
    make_source (s, src[s], n, 100 + s);
    make_source (s, train[s], ntrain, 200 + s);  /* other noise, same notes */
    for (size_t i = 0; i < n; i++)
      mix[i] += src[s][i];
    dict[s] = malloc (sizeof (float) * BINS * KS);
    CHECK_OK (nmf_dictionary_learn_audio (train[s], ntrain, 1, FFT, FFT / 4,
            KS, 100, 1, dict[s], err, sizeof err));
    double sum = 0;
    for (int f = 0; f < BINS; f++)
      sum += dict[s][f];
    CHECK (fabs (sum - 1.0) < 1e-4, "template not normalised: %g", sum);
  }

  /* .npy round trip and the FFT size check */
  char path[] = "/tmp/nmf-test-dict-XXXXXX";
  int fd = mkstemp (path);
  CHECK (fd >= 0, "mkstemp");
  close (fd);
  CHECK_OK (nmf_dictionary_save_npy (path, dict[0], BINS, KS, err,
          sizeof err));
  float *back;
  size_t kb;
  CHECK_OK (nmf_dictionary_load_npy (path, BINS, &back, &kb, err,
          sizeof err));
  CHECK (kb == KS, "read %zu templates", kb);
  double dmax = 0;
  for (int i = 0; i < BINS * KS; i++)
    dmax = fmax (dmax, fabs (back[i] - dict[0][i]));
  CHECK (dmax < 1e-6, "round trip differs by %g", dmax);
  free (back);
  int ret = nmf_dictionary_load_npy (path, 2048 / 2 + 1, &back, &kb, err,
      sizeof err);
  CHECK (ret == NMF_ERR_FORMAT && back == NULL && strstr (err, "FFT size")
      && strstr (err, "1024") && strstr (err, "2048"),
      "wrong FFT size: %d, '%s'", ret, err);
  printf ("wrong FFT size: %s\n", err);
  ret = nmf_dictionary_load_npy ("/nonexistent/dict.npy", BINS, &back, &kb,
      err, sizeof err);
  CHECK (ret == NMF_ERR_IO, "missing file: %d", ret);

  /* a template's scale is not its meaning: finite doubles beyond the range
   * of float (1e300, 1e39) or below it (1e-300) read as the same templates
   * (they were refused as "non-finite" or "all zero" once made float);
   * a NaN, an Inf or a negative entry is named by its row and column */
  {
    const double scales[] = { 1e300, 1e39, 1e-300 };
    double *d = malloc (sizeof (double) * BINS * KS);
    for (size_t i = 0; i < sizeof scales / sizeof scales[0]; i++) {
      for (int f = 0; f < BINS; f++)
        for (int k = 0; k < KS; k++)
          d[f * KS + k] = dict[0][k * BINS + f] * scales[i];
      CHECK_OK (nmf_npy_write (path, d, BINS, KS, err, sizeof err));
      CHECK_OK (nmf_dictionary_load_npy (path, BINS, &back, &kb, err,
              sizeof err));
      dmax = 0;
      for (int j = 0; j < BINS * KS; j++)
        dmax = fmax (dmax, fabs (back[j] - dict[0][j]) / dict[0][j]);
      CHECK (dmax < 1e-5, "scaled by %g: relative difference %g", scales[i],
          dmax);
      free (back);
    }
    const double bad[] = { NAN, -INFINITY, -1.0 };
    const char *said[] = { "NaN at row 7, column 2",
      "-Inf at row 7, column 2", "a negative value at row 7, column 2"
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
      for (int j = 0; j < BINS * KS; j++)
        d[j] = 1.0;
      d[7 * KS + 2] = bad[i];
      CHECK_OK (nmf_npy_write (path, d, BINS, KS, err, sizeof err));
      ret = nmf_dictionary_load_npy (path, BINS, &back, &kb, err, sizeof err);
      CHECK (ret != NMF_OK && back == NULL && strstr (err, said[i])
          && strstr (err, path), "entry %g: %d, '%s'", bad[i], ret, err);
      printf ("entry %g: %s\n", bad[i], err);
    }
    free (d);
  }

  /* what the loader refuses is not saved: more templates than a
   * dictionary file holds, a NaN, a negative entry, an all-zero template
   * are refused with the loader's codes, and the file already at the path
   * (here: dict[0]) is left as it was (they were written, and a
   * dictionary that could be read back was lost to one that cannot) */
  {
    const size_t many = NMF_DICTIONARY_MAX_COMPONENTS + 1;
    float *w = malloc (sizeof (float) * BINS * many);
    for (size_t i = 0; i < BINS * many; i++)
      w[i] = 1.0f;
    const struct
    {
      size_t components, at;
      float value;
      nmf_status want;
      const char *said;
    } refused[] = {
      { many, 0, 1.0f, NMF_ERR_INVALID_ARGUMENT, "1025 templates" },
      { KS, BINS + 3, NAN, NMF_ERR_NOT_FINITE, "template 1" },
      { KS, 3, -1.0f, NMF_ERR_NEGATIVE, "template 0" },
      { KS, 0, 0.0f, NMF_ERR_INVALID_ARGUMENT, "template 2 is all zero" },
    };
    float *before;
    size_t kbefore;
    CHECK_OK (nmf_dictionary_save_npy (path, dict[0], BINS, KS, err,
            sizeof err));
    CHECK_OK (nmf_dictionary_load_npy (path, BINS, &before, &kbefore, err,
            sizeof err));
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
      for (size_t j = 0; j < BINS * KS; j++)
        w[j] = 1.0f;
      if (i == 3)               /* template 2 all zero */
        memset (w + 2 * BINS, 0, sizeof (float) * BINS);
      else
        w[refused[i].at] = refused[i].value;
      ret = nmf_dictionary_save_npy (path, w, BINS, refused[i].components,
          err, sizeof err);
      CHECK (ret == refused[i].want && strstr (err, refused[i].said),
          "saving what cannot be loaded (%s): %d, '%s'", refused[i].said,
          ret, err);
      printf ("not saved: %s\n", err);
      CHECK_OK (nmf_dictionary_load_npy (path, BINS, &back, &kb, err,
              sizeof err));
      CHECK (kb == kbefore && memcmp (back, before, sizeof (float) * BINS
              * kbefore) == 0, "the file saved before was changed by a "
          "refused save");
      free (back);
    }
    free (before);
    free (w);
  }
  remove (path);

  /* a long example is learned from every k-th frame, so memory and time
   * stay bounded (it took some 40 bytes per frame and bin: 1.5 GB for 20
   * minutes at 16 kHz).  With an FFT of 64 and a hop of 32, 3 x
   * NMF_DICTIONARY_MAX_LEARN_FRAMES - 1 frames are learned from every 3rd
   * (frames 0, 3, 6...), which spans hop blocks 3m - 1 and 3m: a tone at
   * bin 8 only in blocks 3m + 1 is never seen, one at bin 20 elsewhere
   * is (phase-continuous, so the frames seen hold it alone). */
  {
    const int lf = 64, lh = 32;
    const size_t frames = 3 * (size_t) NMF_DICTIONARY_MAX_LEARN_FRAMES - 1;
    const size_t len = frames * lh;
    float *x = malloc (sizeof (float) * len), w1[64 / 2 + 1];
    for (size_t i = 0; i < len; i++)
      x[i] = (float) ((i / lh) % 3 == 1 ? sin (2 * M_PI * 8 * i / lf)
          : sin (2 * M_PI * 20 * i / lf));
    CHECK_OK (nmf_dictionary_learn_audio (x, len, 1, lf, lh, 1, 50, 1, w1,
            err, sizeof err));
    printf ("long example, every 3rd frame: bin 8 / bin 20 = %g\n",
        w1[8] / w1[20]);
    CHECK (w1[8] < 0.01 * w1[20], "frames between the 3rd ones learned "
        "from: bin 8 / bin 20 = %g", w1[8] / w1[20]);
    free (x);
    /* the stride the call above used, as nmftool learn reports it */
    size_t n;
    CHECK (nmf_dictionary_learn_stride (len, lh, &n) == 3 && n == frames,
        "stride of %zu frames: %zu (frames %zu)", frames,
        nmf_dictionary_learn_stride (len, lh, NULL), n);
    /* the first frame ends with the first hop; k only above the limit */
    const size_t most = NMF_DICTIONARY_MAX_LEARN_FRAMES;
    CHECK (nmf_dictionary_learn_stride (most * lh, lh, &n) == 1 && n == most,
        "%zu frames: stride %zu", n, nmf_dictionary_learn_stride (most * lh,
            lh, NULL));
    CHECK (nmf_dictionary_learn_stride (most * lh + 1, lh, &n) == 2
        && n == most + 1, "%zu frames: stride %zu", n,
        nmf_dictionary_learn_stride (most * lh + 1, lh, NULL));
    CHECK (nmf_dictionary_learn_stride (0, lh, &n) == 1 && n == 0,
        "no samples: %zu frames", n);
    /* the largest counts a size_t holds (a host sizing a long stream):
     * the rounding up wrapped, to 0 frames for SIZE_MAX samples at any hop
     * and a stride of 0 at a hop of 1 */
    const size_t top = SIZE_MAX / most + (SIZE_MAX % most != 0);
    size_t k = nmf_dictionary_learn_stride (SIZE_MAX, 1, &n);
    CHECK (n == SIZE_MAX && k == top, "SIZE_MAX samples, hop 1: %zu frames, "
        "stride %zu (want %zu, %zu)", n, k, SIZE_MAX, top);
    k = nmf_dictionary_learn_stride (SIZE_MAX, 512, &n);
    CHECK (n == SIZE_MAX / 512 + 1 && k == (n + most - 1) / most,
        "SIZE_MAX samples, hop 512: %zu frames, stride %zu", n, k);
  }

  /* learning needs sound */
  float *silence = calloc (ntrain, sizeof (float));
  ret = nmf_dictionary_learn_audio (silence, ntrain, 1, FFT, FFT / 4, KS,
      10, 1, dict[1] + 0, err, sizeof err);
  CHECK (ret == NMF_ERR_RANK, "learned from silence: %d", ret);
  free (silence);
  /* that call must not have touched dict[1] on failure: relearn anyway */
  CHECK_OK (nmf_dictionary_learn_audio (train[1], ntrain, 1, FFT, FFT / 4,
          KS, 100, 1, dict[1], err, sizeof err));

  nmf_separator_config cfg;
  double snrs[2];
  const float *refs[2] = { src[0], src[1] };

  /* blind, one component per source: the reference point */
  nmf_separator_config_init (&cfg);
  cfg.fft_size = FFT;
  cfg.hop_size = FFT / 4;
  cfg.window_frames = 200;
  double blind = separate (mix, n, refs, &cfg, snrs);
  printf ("blind K = 2: SNR %.2f dB\n", blind);

  /* both sources supervised */
  cfg.components = 0;
  for (int s = 0; s < 2; s++) {
    cfg.dictionaries[s] = dict[s];
    cfg.dictionary_components[s] = KS;
  }
  double sup = separate (mix, n, refs, &cfg, snrs);
  printf ("supervised: SNR %.2f / %.2f dB\n", snrs[0], snrs[1]);
  CHECK (snrs[0] > 6.0 && snrs[1] > 6.0, "supervised SNR %.2f / %.2f",
      snrs[0], snrs[1]);
  CHECK (sup > blind, "supervised no better than blind");

  /* semi-supervised: the notes from their dictionary (learned from other
   * renditions of the same notes), the noise band blind.  (The other way
   * round is weak by construction: the noise dictionary was learned from
   * sinusoids at other frequencies, so free components explain the noise's
   * own peaks better than it does and take some of the notes with them.) */
  cfg.components = 4;
  cfg.dictionaries[1] = NULL;
  cfg.dictionary_components[1] = 0;
  double semi = separate (mix, n, refs, &cfg, snrs);
  printf ("semi-supervised: SNR %.2f / %.2f dB\n", snrs[0], snrs[1]);
  CHECK (snrs[0] > 20.0 && snrs[1] > 20.0, "semi-supervised SNR %.2f / %.2f",
      snrs[0], snrs[1]);
  CHECK (semi > blind + 10.0, "semi-supervised SNR %.2f, blind %.2f", semi,
      blind);

  /* configuration errors */
  char msg[256] = "";
  cfg.algorithm = NMF_ALGORITHM_VOLMIN;
  CHECK (nmf_separator_check_config (&cfg, NULL, msg, sizeof msg) != NMF_OK
      && strstr (msg, "kl"), "dictionary with volmin accepted");
  cfg.algorithm = NMF_ALGORITHM_KL;
  cfg.dictionaries[1] = dict[1];
  cfg.dictionary_components[1] = 0;     /* templates but no count */
  CHECK (nmf_separator_check_config (&cfg, NULL, msg, sizeof msg) != NMF_OK
      && strstr (msg, "dictionar"), "dangling dictionary accepted");

  for (int s = 0; s < 2; s++) {
    free (src[s]);
    free (train[s]);
    free (dict[s]);
  }
  free (mix);
  CHECK_DONE ();
}
