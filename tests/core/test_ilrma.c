/* The demixing per frequency bin (core/ilrma.h) on planted mixes of
 * independent, non-stationary sources, fitted to a block of 4 s:
 *   - instantaneous 2 x 2 and 3 x 3: every source recovered at >= 30 dB
 *     against its image at every channel;
 *   - convolutive 2 x 2 and 3 x 3, short filters (a delay of a few samples
 *     and a reflection 20 - 40 samples later, at every microphone): every
 *     source recovered at >= 20 dB;
 *   - each output the same source in the low and the high bins (no
 *     permutation across frequencies);
 *   - the images sum to the input to float precision;
 *   - the iterations in steps of any size end where whole ones do, bit
 *     for bit, counting the work planned (2 x 2);
 *   - pure delays between the microphones: the delay fit is >= 0.99 and
 *     each source's delay is the planted one; an instantaneous mix has no
 *     delay to find (fit about 0). */
#include "check.h"
#include "ilrma.h"
#include "signals.h"
#include "stft.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define RATE 44100
#define NFFT 2048
#define HOP 512
#define F (NFFT / 2 + 1)
#define SECONDS 4
#define LEN ((size_t) RATE * SECONDS)
#define FRAMES ((int) ((LEN - NFFT) / HOP + 1))
#define ITERATIONS 60
#define MAXS 3
#define MAXTAPS 2

/* a planted mix: source s reaches microphone m through taps (delay in
 * samples, gain) */
typedef struct
{
  int M;
  int delay[MAXS][MAXS][MAXTAPS];       /* [m][s][tap] */
  double gain[MAXS][MAXS][MAXTAPS];
} planted;

static float *src[MAXS];

/* 2 x 2 direct paths: source s reaches microphone m after D[m][s]
 * samples, at gain 1 on its own microphone and `cross` on the other */
static void
plant_direct_paths (planted * p, const int D[2][2], double cross)
{
  for (int m = 0; m < 2; m++)
    for (int s = 0; s < 2; s++) {
      p->delay[m][s][0] = D[m][s];
      p->gain[m][s][0] = m == s ? 1.0 : cross;
    }
}

/* image s at microphone m, time domain */
static void
make_image (const planted * p, int s, int m, float *out)
{
  memset (out, 0, sizeof (float) * LEN);
  for (int k = 0; k < MAXTAPS; k++) {
    const int d = p->delay[m][s][k];
    const double g = p->gain[m][s][k];
    if (g == 0.0)
      continue;
    for (size_t i = (size_t) d; i < LEN; i++)
      out[i] += (float) (g * src[s][i - d]);
  }
}

/* the STFT of signals (M x LEN) into spec (FRAMES x M x 2F) */
static void
stft_all (nmf_stft * stft, float *const *x, int M, float *spec)
{
  for (int t = 0; t < FRAMES; t++)
    for (int m = 0; m < M; m++)
      nmf_stft_forward (stft, x[m] + (size_t) t * HOP,
          spec + ((size_t) t * M + m) * 2 * F);
}

/* SNR of est against ref (both FRAMES x stride, a channel's 2F values at
 * offset) over the bins [f0, f1) */
static double
snr_bins (const float *ref, const float *est, size_t stride_ref,
    size_t stride_est, int f0, int f1)
{
  double p = 0.0, e = 0.0;
  for (int t = 0; t < FRAMES; t++)
    for (int i = 2 * f0; i < 2 * f1; i++) {
      const double r = ref[t * stride_ref + i], x = est[t * stride_est + i];
      p += r * r;
      e += (r - x) * (r - x);
    }
  return 10.0 * log10 (p / (e + 1e-30));
}

/* The iterations in steps (nmf_ilrma_iterate_within) under a credit
 * that cuts them anywhere - at one bin's step of a stage, at an odd
 * share of an iteration - end where whole iterations end, bit for bit;
 * the work they count is nmf_ilrma_fit_work's, and no call outruns its
 * credit by more than one step. */
static void
check_steps (const char *name, nmf_ilrma * whole, int M, const float *spec)
{
  const long long total = nmf_ilrma_fit_work (M, F, FRAMES, 4, ITERATIONS),
      step = nmf_ilrma_step_work (M, FRAMES, 4);
  const long long cuts[] = { 1, nmf_ilrma_iteration_work (M, F, FRAMES,
          4) / 7 + 13 };
  double *want = malloc (sizeof (double) * M * F);
  double *got = malloc (sizeof (double) * M * F);

  nmf_ilrma_image_powers (whole, want);
  for (size_t c = 0; c < sizeof cuts / sizeof cuts[0]; c++) {
    nmf_ilrma *il;
    long long worst = 0;
    int done = 0, calls = 0;
    CHECK_OK (nmf_ilrma_create (&il, M, F, FRAMES, 4, 0));
    for (int t = 0; t < FRAMES; t++)
      nmf_ilrma_add_frame (il, spec + (size_t) t * M * 2 * F);
    while (done < ITERATIONS) {
      long long credit = cuts[c];
      done += nmf_ilrma_iterate_within (il, &credit);
      if (-credit > worst)
        worst = -credit;
      calls++;
    }
    CHECK (nmf_ilrma_work (il) == total, "%s: work %lld counted, %lld "
        "planned", name, nmf_ilrma_work (il), total);
    CHECK (worst <= step, "%s: a call outran its credit by %lld, more "
        "than a step (%lld)", name, worst, step);
    CHECK (nmf_ilrma_finish (il), "%s: a singular bin in steps", name);
    nmf_ilrma_image_powers (il, got);
    CHECK (memcmp (want, got, sizeof (double) * M * F) == 0, "%s: the "
        "iterations in %d steps of %lld end elsewhere", name, calls,
        cuts[c]);
    nmf_ilrma_destroy (&il);
  }
  printf ("%s: the same fit in steps of a bin, and of %lld\n", name,
      cuts[1]);
  free (want);
  free (got);
}

static double
check_planted (const char *name, const planted * p, double min_snr,
    double *fit, double *delays)
{
  const int M = p->M;
  nmf_stft *stft;
  nmf_ilrma *il;
  float *img[MAXS][MAXS], *mix[MAXS];
  float *img_spec[MAXS], *mix_spec, *out_spec, *frame_images;

  CHECK_OK (nmf_stft_create (&stft, NFFT, HOP));
  for (int m = 0; m < M; m++)
    mix[m] = calloc (LEN, sizeof (float));
  for (int s = 0; s < M; s++)
    for (int m = 0; m < M; m++) {
      img[s][m] = malloc (sizeof (float) * LEN);
      make_image (p, s, m, img[s][m]);
      for (size_t i = 0; i < LEN; i++)
        mix[m][i] += img[s][m][i];
    }
  mix_spec = malloc (sizeof (float) * FRAMES * M * 2 * F);
  stft_all (stft, mix, M, mix_spec);
  for (int s = 0; s < M; s++) {
    img_spec[s] = malloc (sizeof (float) * FRAMES * M * 2 * F);
    stft_all (stft, img[s], M, img_spec[s]);
  }

  CHECK_OK (nmf_ilrma_create (&il, M, F, FRAMES, 4, 0));
  for (int t = 0; t < FRAMES; t++)
    nmf_ilrma_add_frame (il, mix_spec + (size_t) t * M * 2 * F);
  CHECK (nmf_ilrma_frames (il) == FRAMES, "%s: %d frames held",
      name, nmf_ilrma_frames (il));
  for (int i = 0; i < ITERATIONS; i++)
    nmf_ilrma_iterate (il);
  CHECK (nmf_ilrma_finish (il), "%s: a singular bin", name);
  if (M == 2)
    check_steps (name, il, M, mix_spec);
  *fit = nmf_ilrma_delay_fit (il, 48.0, delays);

  /* the images of every frame: sum and separation */
  out_spec = malloc (sizeof (float) * FRAMES * M * M * 2 * F);
  frame_images = malloc (sizeof (float) * M * M * 2 * F);
  double worst_sum = 1e9;
  for (int t = 0; t < FRAMES; t++) {
    const float *x = mix_spec + (size_t) t * M * 2 * F;
    nmf_ilrma_images (il, x, frame_images, NULL);
    memcpy (out_spec + (size_t) t * M * M * 2 * F, frame_images,
        sizeof (float) * M * M * 2 * F);
    double e = 0.0, pw = 0.0;
    for (int i = 0; i < M * 2 * F; i++) {
      double sum = 0.0;
      for (int s = 0; s < M; s++)
        sum += frame_images[(size_t) s * M * 2 * F + i];
      e += (sum - x[i]) * (sum - x[i]);
      pw += (double) x[i] * x[i];
    }
    if (pw > 0.0 && 10.0 * log10 (pw / (e + 1e-30)) < worst_sum)
      worst_sum = 10.0 * log10 (pw / (e + 1e-30));
  }
  CHECK (worst_sum > 100.0, "%s: the images sum to the input at only "
      "%.1f dB", name, worst_sum);

  double least = 1e9;
  int used[MAXS] = { 0 };
  for (int o = 0; o < M; o++) {
    /* the source output o carries in the low bins, then in the high */
    int pick[2];
    for (int half = 0; half < 2; half++) {
      const int f0 = half ? F / 8 : 1, f1 = half ? F : F / 8;
      double best = -1e9;
      for (int s = 0; s < M; s++) {
        double v = snr_bins (img_spec[s], out_spec + (size_t) o * M * 2 * F,
            (size_t) M * 2 * F, (size_t) M * M * 2 * F, f0, f1);
        if (v > best) {
          best = v;
          pick[half] = s;
        }
      }
    }
    CHECK (pick[0] == pick[1], "%s: output %d is source %d in the low bins "
        "and %d in the high", name, o, pick[0], pick[1]);
    CHECK (!used[pick[1]], "%s: source %d on two outputs", name, pick[1]);
    used[pick[1]] = 1;
    for (int m = 0; m < M; m++) {
      double v = snr_bins (img_spec[pick[1]] + (size_t) m * 2 * F,
          out_spec + ((size_t) o * M + m) * 2 * F, (size_t) M * 2 * F,
          (size_t) M * M * 2 * F, 1, F);
      CHECK (v >= min_snr, "%s: output %d (source %d) channel %d at %.1f dB",
          name, o, pick[1], m, v);
      if (v < least)
        least = v;
    }
  }
  printf ("%s: worst image %.1f dB, sum %.1f dB, delay fit %.3f\n", name,
      least, worst_sum, *fit);

  nmf_ilrma_destroy (&il);
  nmf_stft_destroy (&stft);
  free (out_spec);
  free (frame_images);
  free (mix_spec);
  for (int s = 0; s < M; s++) {
    free (img_spec[s]);
    for (int m = 0; m < M; m++)
      free (img[s][m]);
  }
  for (int m = 0; m < M; m++)
    free (mix[m]);
  return least;
}

int
main (void)
{
  double fit, delays[MAXS];

  for (int k = 0; k < MAXS; k++) {
    src[k] = malloc (sizeof (float) * LEN);
    test_varying_source (k, 3, RATE, src[k], LEN);
  }

  /* instantaneous */
  {
    planted p = {.M = 2 };
    const double A[2][2] = { {0.9, 0.5}, {0.4, 1.0} };
    for (int m = 0; m < 2; m++)
      for (int s = 0; s < 2; s++)
        p.gain[m][s][0] = A[m][s];
    check_planted ("2 x 2 instantaneous", &p, 30.0, &fit, delays);
    CHECK (fit < 0.5, "2 x 2 instantaneous: a delay fit of %.3f", fit);
  }
  {
    planted p = {.M = 3 };
    const double A[3][3] = { {1.0, 0.3, 0.6}, {0.5, 0.9, 0.2},
    {0.2, 0.6, 1.0}
    };
    for (int m = 0; m < 3; m++)
      for (int s = 0; s < 3; s++)
        p.gain[m][s][0] = A[m][s];
    check_planted ("3 x 3 instantaneous", &p, 30.0, &fit, delays);
  }

  /* pure delays: spaced microphones in free field */
  {
    planted p = {.M = 2 };
    const int D[2][2] = { {0, 6}, {5, 0} };
    plant_direct_paths (&p, D, 0.8);
    check_planted ("2 x 2 delays", &p, 30.0, &fit, delays);
    CHECK (fit >= 0.99, "2 x 2 delays: a delay fit of %.3f", fit);
    for (int s = 0; s < 2; s++)
      CHECK (fabs (delays[s] - (D[1][s] - D[0][s])) <= 0.25,
          "2 x 2 delays: source %d at %.2f samples, planted %d", s,
          delays[s], D[1][s] - D[0][s]);
  }

  /* short filters: a delay and a reflection */
  {
    planted p = {.M = 2 };
    const int D[2][2] = { {0, 6}, {5, 0} };
    plant_direct_paths (&p, D, 0.8);
    for (int m = 0; m < 2; m++)
      for (int s = 0; s < 2; s++) {
        p.delay[m][s][1] = D[m][s] + 20 + 7 * m + 11 * s;
        p.gain[m][s][1] = s ? -0.3 : 0.35;
      }
    check_planted ("2 x 2 convolutive", &p, 20.0, &fit, delays);
  }
  {
    planted p = {.M = 3 };
    const int D[3][3] = { {0, 4, 9}, {3, 0, 4}, {7, 3, 0} };
    for (int m = 0; m < 3; m++)
      for (int s = 0; s < 3; s++) {
        p.delay[m][s][0] = D[m][s];
        p.gain[m][s][0] = m == s ? 1.0 : 0.7;
        p.delay[m][s][1] = D[m][s] + 25 + 5 * m + 3 * s;
        p.gain[m][s][1] = (m + s) % 2 ? -0.25 : 0.3;
      }
    check_planted ("3 x 3 convolutive", &p, 20.0, &fit, delays);
  }

  for (int k = 0; k < MAXS; k++)
    free (src[k]);
  CHECK_DONE ();
}
