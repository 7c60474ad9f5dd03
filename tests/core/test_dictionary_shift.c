/* Shift-tolerant dictionaries (<nmf/dictionary.h>, nmf_dictionary_shift):
 * layout and normalisation of the shifted copies, the partials moving by
 * the right ratio, argument checks, and the point of it: a dictionary
 * learned from some notes, shifted, fits other notes (a transposition by a
 * whole tone) far better than the dictionary as learned. */
#include "check.h"
#include <nmf/dictionary.h>
#include <nmf/error.h>
#include "kl_kernels.h"
#include "online_kl.h"

#include <string.h>

#define FFT 2048
#define BINS (FFT / 2 + 1)
#define RATE 44100.0
#define HOP 512

static int
argmax (const float *x, int n)
{
  int b = 0;
  for (int i = 1; i < n; i++)
    if (x[i] > x[b])
      b = i;
  return b;
}

/* a harmonic tone whose pitch steps through `notes` (semitones above A3) */
static void
tone (float *x, size_t n, const int *notes, int n_notes, int offset)
{
  double phase[11] = { 0 };
  for (size_t i = 0; i < n; i++) {
    double t = i / RATE, v = 0.0;
    int note = notes[(int) (t * 4) % n_notes] + offset;
    double f0 = 220.0 * pow (2.0, note / 12.0);
    for (int h = 1; h <= 10; h++) {
      phase[h] += 2 * M_PI * h * f0 / RATE;
      v += sin (phase[h]) / h;
    }
    x[i] = (float) (0.2 * v);
  }
}

/* magnitude of one sqrt-Hann frame of x starting at `start` (a plain DFT
 * of the bins up to `bins`: slow, but the test needs few frames) */
static void
frame_magnitude (const float *x, size_t start, float *mag)
{
  for (int f = 0; f < BINS; f++) {
    double re = 0, im = 0;
    for (int i = 0; i < FFT; i++) {
      double w = sqrt (0.5 - 0.5 * cos (2 * M_PI * i / FFT));
      double a = -2 * M_PI * (double) f * i / FFT;
      re += w * x[start + i] * cos (a);
      im += w * x[start + i] * sin (a);
    }
    mag[f] = (float) sqrt (re * re + im * im);
  }
}

static double
fit (const float *W, int K, const float *v)
{
  float *colsum = malloc (sizeof (float) * K);
  float *h = malloc (sizeof (float) * K);
  float *scratch = malloc (sizeof (float) * (2 * BINS + K));
  double vs = 0;
  for (int f = 0; f < BINS; f++)
    vs += v[f];
  for (int k = 0; k < K; k++) {
    double c = 0;
    for (int f = 0; f < BINS; f++)
      c += W[(size_t) k * BINS + f];
    colsum[k] = (float) c;
    h[k] = (float) (vs / K);
  }
  nmf_kl_update_activations (W, colsum, BINS, K, v, h, 300, scratch);
  double d = nmf_kl_divergence (W, BINS, K, v, h);
  free (colsum);
  free (h);
  free (scratch);
  return d / vs;                /* per unit of magnitude */
}

int
main (void)
{
  char err[256];

  /* one peak at bin 100: shifts of +-12 semitones move it to 200 and 50 */
  {
    enum { K = 2, R = 12, TOT = K * (2 * R + 1) };
    float *W = calloc ((size_t) BINS * K, sizeof (float));
    float *out = malloc (sizeof (float) * BINS * TOT);
    for (int f = 0; f < BINS; f++) {
      W[f] = (float) exp (-0.5 * (f - 100.0) * (f - 100.0) / 4.0);
      W[BINS + f] = (float) exp (-0.5 * (f - 300.0) * (f - 300.0) / 4.0);
    }
    CHECK_OK (nmf_dictionary_shift (W, BINS, K, R, out, err, sizeof err));
    for (int c = 0; c < TOT; c++) {
      double sum = 0;
      int ok = 1;
      for (int f = 0; f < BINS; f++) {
        float x = out[(size_t) c * BINS + f];
        ok &= isfinite (x) && x > 0.0f;
        sum += x;
      }
      CHECK (ok && fabs (sum - 1.0) < 1e-4, "column %d: sum %g", c, sum);
    }
    /* column (s + R) * K + k: template k shifted by s semitones */
    CHECK (argmax (out + (size_t) (R * K + 0) * BINS, BINS) == 100,
        "unshifted peak at %d", argmax (out + (size_t) (R * K) * BINS, BINS));
    CHECK (argmax (out + (size_t) (2 * R * K + 0) * BINS, BINS) == 200,
        "+12 peak at %d", argmax (out + (size_t) (2 * R * K) * BINS, BINS));
    CHECK (argmax (out + (size_t) 0 * BINS, BINS) == 50,
        "-12 peak at %d", argmax (out, BINS));
    CHECK (argmax (out + (size_t) (2 * R * K + 1) * BINS, BINS) == 600,
        "+12 second template at %d",
        argmax (out + (size_t) (2 * R * K + 1) * BINS, BINS));
    int p7 = argmax (out + (size_t) ((R + 7) * K) * BINS, BINS);
    CHECK (abs (p7 - 150) <= 1, "+7 peak at %d (100 * 2^(7/12) = 149.8)",
        p7);
    /* the middle block is the input, normalised */
    float *norm = malloc (sizeof (float) * BINS * K);
    memcpy (norm, W, sizeof (float) * BINS * K);
    CHECK_OK (nmf_dictionary_normalise (norm, BINS, K, err, sizeof err));
    double dmax = 0;
    for (int i = 0; i < BINS * K; i++)
      dmax = fmax (dmax, fabs (norm[i] - out[(size_t) R * K * BINS + i]));
    CHECK (dmax < 1e-7, "unshifted block differs by %g", dmax);
    /* shifts = 0 is the dictionary as given */
    CHECK_OK (nmf_dictionary_shift (W, BINS, K, 0, out, err, sizeof err));
    dmax = 0;
    for (int i = 0; i < BINS * K; i++)
      dmax = fmax (dmax, fabs (norm[i] - out[i]));
    CHECK (dmax < 1e-7, "shifts 0 differs by %g", dmax);
    /* half-semitone steps: 2 * 12 * 2 + 1 copies, block 2 * 12 + 1 is
     * +0.5 semitone, the last block +12 semitones */
    float *fine = malloc (sizeof (float) * BINS * K * (4 * R + 1));
    CHECK_OK (nmf_dictionary_shift_steps (W, BINS, K, R, 2, fine, err,
            sizeof err));
    int ph = argmax (fine + (size_t) ((2 * R + 1) * K) * BINS, BINS);
    CHECK (ph == 103, "+0.5 peak at %d (100 * 2^(1/24) = 102.9)", ph);
    CHECK (argmax (fine + (size_t) (4 * R * K) * BINS, BINS) == 200,
        "fine +12 peak at %d", argmax (fine + (size_t) (4 * R * K) * BINS,
            BINS));
    dmax = 0;
    for (int i = 0; i < BINS * K; i++)
      dmax = fmax (dmax, fabs (norm[i] - fine[(size_t) 2 * R * K * BINS
                  + i]));
    CHECK (dmax < 1e-7, "fine unshifted block differs by %g", dmax);
    CHECK (nmf_dictionary_shift_steps (W, BINS, K, 1, 0, fine, err,
            sizeof err) == NMF_ERR_INVALID_ARGUMENT, "0 steps accepted");
    free (fine);
    /* bad arguments */
    CHECK (nmf_dictionary_shift (W, BINS, K, -1, out, err, sizeof err)
        == NMF_ERR_INVALID_ARGUMENT, "negative shifts accepted");
    CHECK (nmf_dictionary_shift (W, BINS, K, NMF_DICTIONARY_MAX_SHIFTS + 1,
            out, err, sizeof err) == NMF_ERR_INVALID_ARGUMENT,
        "too many shifts accepted");
    CHECK (nmf_dictionary_shift (NULL, BINS, K, 1, out, err, sizeof err)
        == NMF_ERR_INVALID_ARGUMENT, "NULL accepted");
    free (norm);
    free (W);
    free (out);
  }

  /* learned from some notes, tested on the same tune a whole tone up */
  {
    enum { KS = 5, R = 2, TOT = KS * (2 * R + 1) };
    const int notes[KS] = { 0, 3, 5, 7, 10 };
    const size_t n = (size_t) (5 * RATE);
    float *train = malloc (sizeof (float) * n);
    float *test = malloc (sizeof (float) * n);
    float *W = malloc (sizeof (float) * BINS * KS);
    float *Ws = malloc (sizeof (float) * BINS * TOT);
    float *v = malloc (sizeof (float) * BINS);
    tone (train, n, notes, KS, 0);
    tone (test, n, notes, KS, 2);
    CHECK_OK (nmf_dictionary_learn_audio (train, n, 1, FFT, HOP, KS, 200, 1,
            W, err, sizeof err));
    CHECK_OK (nmf_dictionary_shift (W, BINS, KS, R, Ws, err, sizeof err));
    double same = 0, plain = 0, shifted = 0;
    for (int j = 0; j < KS; j++) {
      /* the middle of note j's quarter second */
      size_t start = (size_t) ((j + 0.5) * RATE / 4) - FFT / 2;
      frame_magnitude (train, start, v);
      same += fit (W, KS, v) / KS;
      frame_magnitude (test, start, v);
      plain += fit (W, KS, v) / KS;
      shifted += fit (Ws, TOT, v) / KS;
    }
    printf ("KL per unit magnitude: learned notes %.4f, a whole tone up "
        "%.4f, with shifts %.4f\n", same, plain, shifted);
    CHECK (shifted < 0.5 * plain, "shifted dictionary fits %.4f, plain %.4f",
        shifted, plain);
    CHECK (shifted < 2.0 * same + 0.05, "shifted fit %.4f far from the "
        "learned notes' %.4f", shifted, same);
    free (train);
    free (test);
    free (W);
    free (Ws);
    free (v);
  }
  CHECK_DONE ();
}
