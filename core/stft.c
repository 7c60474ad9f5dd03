#include "stft.h"
#include <nmf/error.h>

#include <fftw3.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct nmf_stft
{
  int fft_size;
  int hop_size;
  int bins;
  float *analysis_window;
  float *synthesis_window;      /* includes FFTW's 1/fft_size */
  float *time_buf;              /* fftwf_malloc'd, fft_size */
  fftwf_complex *freq_buf;      /* fftwf_malloc'd, bins */
  fftwf_plan forward_plan;
  fftwf_plan inverse_plan;
};

/* FFTW's planner (making and destroying plans) is not thread-safe.  FFTW's
 * own lock around every planner call in the process, installed when this
 * library loads: it covers the element's instances in their threads and
 * any other library planning with FFTW beside us (a lock of our own covered
 * only our calls), and no planner call can be under way unlocked while it
 * is installed (installed at the first plan, it was not: a plan already
 * under way in another thread ran on outside it). */
static void __attribute__ ((constructor))
fftw_planner_thread_safe (void)
{
  fftwf_make_planner_thread_safe ();
}

static void
make_windows (nmf_stft * st)
{
  const int n = st->fft_size;
  const int hop = st->hop_size;

  for (int i = 0; i < n; i++) {
    /* periodic Hann: sums to a constant under shifts that divide n */
    double hann = 0.5 - 0.5 * cos (2.0 * M_PI * i / n);
    st->analysis_window[i] = (float) sqrt (hann);
  }
  for (int i = 0; i < n; i++) {
    /* sum of squared analysis windows of every frame covering sample i */
    double norm = 0.0;
    for (int j = i % hop; j < n; j += hop) {
      double w = st->analysis_window[j];
      norm += w * w;
    }
    st->synthesis_window[i] =
        (float) (norm > 0.0 ? st->analysis_window[i] / (norm * n) : 0.0);
  }
}

int
nmf_stft_create (nmf_stft ** out, int fft_size, int hop_size)
{
  nmf_stft *st;

  if (!out)
    return NMF_ERR_INVALID_ARGUMENT;
  *out = NULL;
  if (fft_size < NMF_STFT_MIN_FFT_SIZE || fft_size > NMF_STFT_MAX_FFT_SIZE
      || fft_size % 2 != 0 || hop_size < 1 || hop_size > fft_size / 2)
    return NMF_ERR_INVALID_ARGUMENT;

  st = calloc (1, sizeof (*st));
  if (!st)
    return NMF_ERR_NO_MEMORY;
  st->fft_size = fft_size;
  st->hop_size = hop_size;
  st->bins = fft_size / 2 + 1;
  st->analysis_window = malloc (sizeof (float) * fft_size);
  st->synthesis_window = malloc (sizeof (float) * fft_size);
  st->time_buf = fftwf_malloc (sizeof (float) * fft_size);
  st->freq_buf = fftwf_malloc (sizeof (fftwf_complex) * st->bins);
  if (!st->analysis_window || !st->synthesis_window || !st->time_buf
      || !st->freq_buf) {
    nmf_stft_destroy (&st);
    return NMF_ERR_NO_MEMORY;
  }

  st->forward_plan = fftwf_plan_dft_r2c_1d (fft_size, st->time_buf,
      st->freq_buf, FFTW_ESTIMATE);
  st->inverse_plan = fftwf_plan_dft_c2r_1d (fft_size, st->freq_buf,
      st->time_buf, FFTW_ESTIMATE);
  if (!st->forward_plan || !st->inverse_plan) {
    nmf_stft_destroy (&st);
    return NMF_ERR_FFT_PLAN;
  }

  make_windows (st);
  *out = st;
  return NMF_OK;
}

void
nmf_stft_destroy (nmf_stft ** stft)
{
  nmf_stft *st;

  if (!stft || !*stft)
    return;
  st = *stft;
  if (st->forward_plan)
    fftwf_destroy_plan (st->forward_plan);
  if (st->inverse_plan)
    fftwf_destroy_plan (st->inverse_plan);
  fftwf_free (st->time_buf);
  fftwf_free (st->freq_buf);
  free (st->analysis_window);
  free (st->synthesis_window);
  free (st);
  *stft = NULL;
}

int
nmf_stft_bins (const nmf_stft * stft)
{
  return stft->bins;
}

void
nmf_stft_forward (nmf_stft * st, const float *frame, float *spectrum)
{
  for (int i = 0; i < st->fft_size; i++)
    st->time_buf[i] = frame[i] * st->analysis_window[i];
  fftwf_execute (st->forward_plan);
  memcpy (spectrum, st->freq_buf, sizeof (fftwf_complex) * st->bins);
}

void
nmf_stft_inverse (nmf_stft * st, const float *spectrum, float *frame)
{
  /* c2r destroys its input, hence the copy into the plan's own buffer */
  memcpy (st->freq_buf, spectrum, sizeof (fftwf_complex) * st->bins);
  fftwf_execute (st->inverse_plan);
  for (int i = 0; i < st->fft_size; i++)
    frame[i] = st->time_buf[i] * st->synthesis_window[i];
}

void
nmf_stft_add_magnitude (const float *spectrum, int bins, float *magnitude)
{
  for (int f = 0; f < bins; f++) {
    double re = spectrum[2 * f], im = spectrum[2 * f + 1];
    magnitude[f] += (float) sqrt (re * re + im * im);
  }
}
