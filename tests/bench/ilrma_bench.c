/* The cost of one iteration of the demixing per bin (core/ilrma.h) on a
 * block of the size the file profile fits (440 frames), per channel count
 * and FFT size: CPU time of the iteration, and the fit it ends at after
 * 60 (its delay fit and the images' power, to compare builds: the same
 * figures, bit for bit or to float noise).  The block is a planted mix of as many
 * sources (tests/support/signals.h) as channels, each reaching each
 * microphone through a delay, hop fft / 4.
 *   build/tests/ilrma_bench [CHANNELS [FFT [FRAMES [ITERATIONS]]]] */
#include "bench_clock.h"
#include "ilrma.h"
#include "signals.h"
#include "stft.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int
main (int argc, char **argv)
{
  const int M = argc > 1 ? atoi (argv[1]) : 2;
  const int N = argc > 2 ? atoi (argv[2]) : 2048;
  const int T = argc > 3 ? atoi (argv[3]) : 440;
  const int iterations = argc > 4 ? atoi (argv[4]) : 60;
  const int F = N / 2 + 1, hop = N / 4;
  const size_t n = (size_t) T * hop + N;
  float *mix = calloc (n * M, sizeof (float)), *src = malloc (sizeof (float)
      * n), *frame = malloc (sizeof (float) * N);
  float *spectra = malloc (sizeof (float) * M * 2 * F);
  nmf_stft *stft;
  nmf_ilrma *il;

  if (nmf_ilrma_create (&il, M, F, T, 4, 0) != 0
      || nmf_stft_create (&stft, N, hop) != 0)
    return 1;
  /* source s reaches microphone m 3 |m - s| + s samples after the first */
  for (int s = 0; s < M; s++) {
    test_varying_source (s, 0, 44100, src, n);
    for (int m = 0; m < M; m++) {
      const size_t d = 3 * (size_t) abs (m - s) + s;
      for (size_t i = d; i < n; i++)
        mix[i * M + m] += src[i - d];
    }
  }
  for (int t = 0; t < T; t++) {
    for (int m = 0; m < M; m++) {
      for (int i = 0; i < N; i++)
        frame[i] = mix[((size_t) t * hop + i) * M + m];
      nmf_stft_forward (stft, frame, spectra + (size_t) m * 2 * F);
    }
    nmf_ilrma_add_frame (il, spectra);
  }
  const double t0 = bench_cpu_seconds ();
  for (int i = 0; i < iterations; i++)
    nmf_ilrma_iterate (il);
  const double t1 = bench_cpu_seconds ();
  const int ok = nmf_ilrma_finish (il);
  double delays[NMF_ILRMA_MAX_CHANNELS];
  double *power = malloc (sizeof (double) * M * F);
  const double fit = nmf_ilrma_delay_fit (il, 40.0, delays);
  nmf_ilrma_image_powers (il, power);
  double sum = 0.0;
  unsigned long long hash = 14695981039346656037ULL;
  for (int i = 0; i < M * F; i++) {
    const unsigned char *b = (const unsigned char *) (power + i);
    sum += power[i];
    for (size_t j = 0; j < sizeof (double); j++)
      hash = (hash ^ b[j]) * 1099511628211ULL;
  }
  printf ("channels %d fft %d frames %d: %.2f ms per iteration (CPU), "
      "finish %d, delay fit %.6f, delays", M, N, T,
      (t1 - t0) * 1e3 / iterations, ok, fit);
  for (int s = 0; s < M; s++)
    printf (" %.2f", delays[s]);
  printf (", image power %.9e (bits %016llx)\n", sum, hash);
  nmf_ilrma_destroy (&il);
  nmf_stft_destroy (&stft);
  free (power);
  free (mix);
  free (src);
  free (frame);
  free (spectra);
  return 0;
}
