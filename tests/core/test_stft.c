/* STFT then ISTFT by overlap-add reconstructs the signal (delayed by
 * fft_size - hop_size) with a max error below 1e-5. */
#include "check.h"
#include "stft.h"

#include <string.h>

static double
reconstruction_error (int n_fft, int hop, int n_samples)
{
  nmf_stft *st;
  int bins;
  unsigned long long seed = 12345;
  float *x = calloc (n_samples, sizeof (float));
  float *y = calloc (n_samples + n_fft, sizeof (float));
  float *frame = calloc (n_fft, sizeof (float));
  float *spec, *out;
  double max_err = 0.0;
  int delay = n_fft - hop;

  CHECK_OK (nmf_stft_create (&st, n_fft, hop));
  bins = nmf_stft_bins (st);
  CHECK (bins == n_fft / 2 + 1, "bins %d", bins);
  spec = calloc (2 * bins, sizeof (float));
  out = calloc (n_fft, sizeof (float));
  for (int i = 0; i < n_samples; i++)
    x[i] = (float) (2.0 * test_uniform (&seed) - 1.0);

  /* frame j covers input [(j + 1) hop - n_fft, (j + 1) hop): zero before 0 */
  for (int j = 0; (j + 1) * hop <= n_samples; j++) {
    int start = (j + 1) * hop - n_fft;
    for (int i = 0; i < n_fft; i++)
      frame[i] = start + i >= 0 ? x[start + i] : 0.0f;
    nmf_stft_forward (st, frame, spec);
    nmf_stft_inverse (st, spec, out);
    for (int i = 0; i < n_fft; i++)
      if (start + i >= 0)
        y[start + i] += out[i];
  }
  /* every sample covered by all its frames */
  int complete = (n_samples / hop) * hop - delay;
  for (int i = 0; i < complete; i++) {
    double e = fabs ((double) y[i] - x[i]);
    if (e > max_err)
      max_err = e;
  }
  nmf_stft_destroy (&st);
  CHECK (st == NULL, "destroy must NULL the pointer");
  free (x);
  free (y);
  free (frame);
  free (spec);
  free (out);
  return max_err;
}

int
main (void)
{
  const int cases[][2] = { {2048, 512}, {2048, 1024}, {1024, 256},
  {512, 100}, {4096, 1000}, {32, 16}, {2048, 1}
  };
  for (size_t c = 0; c < sizeof (cases) / sizeof (cases[0]); c++) {
    int n = cases[c][1] == 1 ? 8192 : 44100;
    double err = reconstruction_error (cases[c][0], cases[c][1], n);
    printf ("fft %d hop %d: max error %.3g\n", cases[c][0], cases[c][1], err);
    CHECK (err < 1e-5, "fft %d hop %d: max error %g", cases[c][0],
        cases[c][1], err);
  }

  /* invalid sizes are refused, not crashed on */
  nmf_stft *st = (nmf_stft *) 1;
  CHECK (nmf_stft_create (&st, 2047, 512) != 0, "odd fft size accepted");
  CHECK (st == NULL, "failed create must leave NULL");
  CHECK (nmf_stft_create (&st, 2048, 1025) != 0, "hop > fft/2 accepted");
  CHECK (nmf_stft_create (&st, 2048, 0) != 0, "hop 0 accepted");
  CHECK (nmf_stft_create (&st, 8, 4) != 0, "tiny fft accepted");
  CHECK (nmf_stft_create (NULL, 2048, 512) != 0, "NULL out accepted");
  nmf_stft_destroy (NULL);
  CHECK_DONE ();
}
