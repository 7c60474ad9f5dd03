/* STFT then ISTFT by overlap-add reconstructs the signal (delayed by
 * fft_size - hop_size) with a max error below 1e-5; STFTs are made and
 * destroyed while another library plans with FFTW in another thread. */
#include "check.h"
#include "stft.h"

#include <fftw3.h>
#include <pthread.h>
#include <string.h>

static volatile int other_stop;

/* Another library in the process (a media application's), planning with
 * FFTW directly: FFTW's planner is one per process. */
static void *
other_library_plans (void *data)
{
  float *in = fftwf_malloc (sizeof (float) * 8192);
  fftwf_complex *out = fftwf_malloc (sizeof (fftwf_complex) * 4097);
  long *plans = data;

  while (!other_stop) {
    fftwf_plan p = fftwf_plan_dft_r2c_1d (64 + (int) (*plans % 97) * 62, in,
        out, FFTW_ESTIMATE);
    fftwf_destroy_plan (p);
    (*plans)++;
  }
  fftwf_free (in);
  fftwf_free (out);
  return NULL;
}

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

  /* with a lock of our own only, this aborted in FFTW's planner or in
   * free() within a few hundred plans (3 runs of 3) */
  {
    pthread_t t;
    long plans = 0;
    int made = 0;
    CHECK (pthread_create (&t, NULL, other_library_plans, &plans) == 0,
        "pthread_create");
    for (int i = 0; i < 5000; i++) {
      int size = 64 + 2 * (i % 101) * 17;
      nmf_stft *s = NULL;
      made += nmf_stft_create (&s, size, size / 4) == 0;
      nmf_stft_destroy (&s);
    }
    other_stop = 1;
    pthread_join (t, NULL);
    printf ("5000 STFTs made while another thread made %ld plans\n", plans);
    CHECK (made == 5000, "%d of 5000 STFTs made", made);
  }
  CHECK_DONE ();
}
