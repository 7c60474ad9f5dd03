/* Enrolment (<nmf/separator.h>): one stream in which source 0 plays alone,
 * then source 1 alone, then both; each solo part is enrolled, learned
 * (nmf_dictionary_learn and nmf_dictionary_shift, as `nmftool learn`) and
 * installed mid-stream.  Checks:
 *   - the frames kept while enrolling learn exactly the dictionary that
 *     nmf_dictionary_learn_audio learns from the same samples;
 *   - installing dictionaries mid-stream keeps the delay, the sample count
 *     and the sum of the sources (with and without look-ahead);
 *   - on the mixture part the enrolled sources separate about as well as
 *     the same dictionaries given at create (the offline way), and far
 *     better than blind;
 *   - removing a dictionary makes its source blind again. */
#include "check.h"
#include <nmf/dictionary.h>
#include <nmf/separator.h>

#include <string.h>

#define FFT 1024
#define HOP (FFT / 4)
#define BINS (FFT / 2 + 1)
#define RATE 44100.0
#define KS 4                    /* templates learned per source */
#define SHIFTS 1

/* source 0: harmonic notes on a slow melody; source 1: a bright buzz with
 * its own rhythm, partials where source 0 has none */
static void
make_source (int which, float *x, size_t n, size_t offset)
{
  for (size_t i = 0; i < n; i++) {
    double t = (i + offset) / RATE, v = 0.0;
    if (which == 0) {
      double f0 = 220.0 * pow (2.0, ((int) (t * 2) % 4) * 3 / 12.0);
      for (int h = 1; h <= 6; h++)
        v += sin (2 * M_PI * h * f0 * t) / h;
    } else {
      double f0 = 1500.0 * pow (2.0, ((int) (t * 3) % 3) * 2 / 12.0);
      for (int h = 1; h <= 4; h++)
        v += sin (2 * M_PI * h * f0 * t) * 0.5;
      v *= ((int) (t * 5)) % 2 ? 1.0 : 0.3;
    }
    x[i] = (float) (0.2 * v);
  }
}

static double
snr_db (const float *ref, const float *est, size_t n)
{
  double e = 0, s = 0;
  for (size_t i = 0; i < n; i++) {
    s += (double) ref[i] * ref[i];
    e += (double) (ref[i] - est[i]) * (ref[i] - est[i]);
  }
  return 10 * log10 (s / (e + 1e-30));
}

/* Learns and installs source s's dictionary from the frames enrolled. */
static void
enrol (nmf_separator * sep, int s, const float *frames, size_t n,
    float **learned)
{
  char msg[256] = "";
  float *W = malloc (sizeof (float) * BINS * KS);
  float *shifted = malloc (sizeof (float) * BINS * KS * (2 * SHIFTS + 1));

  CHECK_OK (nmf_dictionary_learn (frames, n, BINS, KS, 100, 7, W, msg,
          sizeof msg));
  CHECK_OK (nmf_dictionary_shift (W, BINS, KS, SHIFTS, shifted, msg,
          sizeof msg));
  CHECK (nmf_separator_set_dictionary (sep, s, shifted,
          KS * (2 * SHIFTS + 1), msg, sizeof msg) == NMF_OK, "install: %s",
      msg);
  *learned = W;
  free (shifted);
}

typedef struct
{
  float *out[2];
  size_t done;
} collected;

static void
push (nmf_separator * sep, const float *x, size_t n, collected * c)
{
  float *ptr[2];
  nmf_separator_output o = { ptr, NULL };
  size_t got;

  for (size_t p = 0; p < n; p += 2000) {
    size_t m = n - p < 2000 ? n - p : 2000;
    for (int s = 0; s < 2; s++)
      ptr[s] = c->out[s] + c->done;
    CHECK_OK (nmf_separator_process (sep, x + p, m, &o, &got, NULL));
    c->done += got;
  }
}

static void
drain (nmf_separator * sep, collected * c)
{
  float *ptr[2] = { c->out[0] + c->done, c->out[1] + c->done };
  nmf_separator_output o = { ptr, NULL };
  size_t got;

  CHECK_OK (nmf_separator_drain (sep, &o, &got, NULL));
  c->done += got;
}

/* The whole stream: solo 0, solo 1, mixture; with enrol = 1 each solo part
 * is enrolled; dict (may be NULL) are given at create.  Returns the mean
 * SNR of the sources over the mixture part. */
static double
run (int lookahead, int enrol_parts, float *const *dict, float *const *src,
    size_t solo, size_t mixlen, float **learned)
{
  const size_t total = 2 * solo + mixlen;
  float *x = calloc (total, sizeof (float));
  /* each solo part starts after FFT samples of silence, as a source that
   * starts playing alone does: its first frames hold no other sound */
  nmf_separator_config cfg;
  nmf_separator *sep;
  collected c = { {calloc (total, 4), calloc (total, 4)}, 0 };
  char msg[256] = "";

  for (size_t i = FFT; i < solo; i++) {
    x[i] = src[0][i];
    x[solo + i] = src[1][solo + i];
  }
  for (size_t i = 0; i < mixlen; i++)
    x[2 * solo + i] = src[0][2 * solo + i] + src[1][2 * solo + i];

  nmf_separator_config_init (&cfg);
  cfg.fft_size = FFT;
  cfg.hop_size = HOP;
  cfg.window_frames = 120;
  cfg.lookahead_frames = lookahead;
  /* blind: one component a source; every source supervised: none blind */
  cfg.components = dict ? 0 : 2;
  if (dict)
    for (int s = 0; s < 2; s++) {
      cfg.dictionaries[s] = dict[s];
      cfg.dictionary_components[s] = KS * (2 * SHIFTS + 1);
    }
  CHECK (nmf_separator_create (&sep, &cfg, msg, sizeof msg) == NMF_OK,
      "create: %s", msg);
  const size_t delay = nmf_separator_delay (sep);
  for (int part = 0; part < 2; part++) {
    const float *frames;
    size_t n;
    /* the silence, then the source alone, enrolled */
    push (sep, x + part * solo, FFT, &c);
    if (enrol_parts)
      CHECK_OK (nmf_separator_enrol_start (sep, solo / HOP + 8));
    push (sep, x + part * solo + FFT, solo - FFT, &c);
    if (!enrol_parts)
      continue;
    CHECK (nmf_separator_enrol_frames (sep) == (solo - FFT) / HOP, "part "
        "%d: %zu frames kept for %zu", part, nmf_separator_enrol_frames (sep),
        (solo - FFT) / HOP);
    nmf_separator_enrol_stop (sep, &frames, &n);
    CHECK (nmf_separator_enrol_frames (sep) == 0, "still enrolling");
    enrol (sep, part, frames, n, &learned[part]);
    size_t count;
    CHECK (nmf_separator_get_dictionary (sep, part, &count) != NULL
        && count == KS * (2 * SHIFTS + 1), "dictionary %d not in force",
        part);
    CHECK (nmf_separator_delay (sep) == delay, "delay changed");
  }
  push (sep, x + 2 * solo, mixlen, &c);
  drain (sep, &c);
  CHECK (c.done == total, "%zu samples out of %zu", c.done, total);
  double err = 0;
  for (size_t i = 0; i < total; i++)
    err = fmax (err, fabs (c.out[0][i] + c.out[1][i] - x[i]));
  CHECK (err < 1e-4, "sources add up to the input within %g", err);

  double snr = 0;
  for (int s = 0; s < 2; s++)
    snr += 0.5 * snr_db (src[s] + 2 * solo, c.out[s] + 2 * solo, mixlen);

  /* a dictionary removed: that source blind again, the stream goes on */
  if (enrol_parts) {
    CHECK_OK (nmf_separator_set_dictionary (sep, 1, NULL, 0, msg,
            sizeof msg));
    size_t count = 99;
    CHECK (nmf_separator_get_dictionary (sep, 1, &count) == NULL
        && count == 0, "source 1 still has a dictionary");
    c.done = 0;
    push (sep, x + 2 * solo, mixlen, &c);
    drain (sep, &c);
    CHECK (c.done == mixlen, "after removal: %zu of %zu", c.done, mixlen);
  }
  nmf_separator_destroy (&sep);
  free (c.out[0]);
  free (c.out[1]);
  free (x);
  return snr;
}

int
main (void)
{
  const size_t solo = (size_t) (5 * RATE) / HOP * HOP;
  const size_t mixlen = (size_t) (6 * RATE);
  const size_t total = 2 * solo + mixlen;
  float *src[2], *learned[2] = { NULL, NULL }, *learned_la[2] = { NULL,
    NULL
  };
  float *offline[2];
  char msg[256] = "";

  for (int s = 0; s < 2; s++) {
    src[s] = malloc (sizeof (float) * total);
    make_source (s, src[s], total, 0);
    for (size_t i = 0; i < FFT; i++)
      src[s][s * solo + i] = 0.0f;      /* the silence before its solo */
  }

  /* blind, for reference */
  double blind = run (0, 0, NULL, src, solo, mixlen, NULL);
  /* enrolled in the stream, causal and with look-ahead */
  double enrolled = run (0, 1, NULL, src, solo, mixlen, learned);
  double enrolled_la = run (20, 1, NULL, src, solo, mixlen, learned_la);

  /* the frames kept are the frames nmftool learn computes: the same
   * dictionary from the same samples */
  for (int s = 0; s < 2; s++) {
    float *W = malloc (sizeof (float) * BINS * KS);
    CHECK_OK (nmf_dictionary_learn_audio (src[s] + s * solo + FFT,
            solo - FFT, 1, FFT, HOP, KS, 100, 7, W, msg, sizeof msg));
    double d = 0;
    for (int i = 0; i < BINS * KS; i++)
      d = fmax (d, fabs (W[i] - learned[s][i]));
    CHECK (d == 0.0, "source %d: enrolled templates differ from "
        "nmf_dictionary_learn_audio's by %g", s, d);
    offline[s] = malloc (sizeof (float) * BINS * KS * (2 * SHIFTS + 1));
    CHECK_OK (nmf_dictionary_shift (W, BINS, KS, SHIFTS, offline[s], msg,
            sizeof msg));
    free (W);
  }
  /* the same dictionaries given at create: the offline way */
  double given = run (0, 0, offline, src, solo, mixlen, NULL);
  double given_la = run (20, 0, offline, src, solo, mixlen, NULL);
  printf ("given with look-ahead %.2f\n", given_la);

  printf ("mixture part, mean SNR: blind %.2f dB, dictionaries given at "
      "create %.2f dB, enrolled %.2f dB (causal) / %.2f dB (look-ahead)\n",
      blind, given, enrolled, enrolled_la);
  CHECK (enrolled > blind + 6.0, "enrolled %.2f, blind %.2f", enrolled,
      blind);
  CHECK (fabs (enrolled - given) < 1.0, "enrolled %.2f, given at create "
      "%.2f", enrolled, given);
  /* the look-ahead waits for the model, it does not make it worse (a model
   * fed the released frame instead of the entering one lost 15 dB here) */
  CHECK (fabs (enrolled_la - enrolled) < 1.0, "enrolled with look-ahead "
      "%.2f, causal %.2f", enrolled_la, enrolled);

  for (int s = 0; s < 2; s++) {
    free (src[s]);
    free (learned[s]);
    free (learned_la[s]);
    free (offline[s]);
  }
  CHECK_DONE ();
}
