#include "dictionary.h"
#include <nmf/factorize.h>
#include "npy.h"
#include "stft.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* frames quieter than this fraction of the loudest frame's magnitude sum
 * (60 dB) are left out of learning */
#define QUIET_FRAME_REL 1e-3
/* the floor of the learned templates, as in online_kl.c */
#define TEMPLATE_FLOOR 1e-10f

static int
fail (char *err, size_t errlen, int status, const char *fmt, ...)
{
  if (err && errlen) {
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (err, errlen, fmt, ap);
    va_end (ap);
  }
  return status;
}

int
nmf_dictionary_normalise (float *W, int bins, int components, char *err,
    size_t errlen)
{
  for (int k = 0; k < components; k++) {
    float *w = W + (size_t) k * bins;
    double sum = 0.0;
    for (int f = 0; f < bins; f++) {
      if (!isfinite (w[f]))
        return fail (err, errlen, NMF_ERR_NOT_FINITE,
            "template %d holds a non-finite value at bin %d", k, f);
      if (w[f] < 0.0f)
        return fail (err, errlen, NMF_ERR_NEGATIVE,
            "template %d holds a negative value at bin %d", k, f);
      sum += w[f];
    }
    if (!(sum > 0.0))
      return fail (err, errlen, NMF_ERR_INVALID_ARGUMENT,
          "template %d is all zero", k);
    double after = 0.0;
    for (int f = 0; f < bins; f++) {
      float x = (float) (w[f] / sum);
      w[f] = x > TEMPLATE_FLOOR ? x : TEMPLATE_FLOOR;
      after += w[f];
    }
    for (int f = 0; f < bins; f++)
      w[f] = (float) (w[f] / after);
  }
  return NMF_OK;
}

int
nmf_dictionary_learn (const float *frames, size_t n_frames, int bins,
    int components, int iterations, uint64_t seed, float *W, char *err,
    size_t errlen)
{
  double peak = 0.0;
  size_t used = 0;
  double *x = NULL, *w = NULL, *h = NULL;
  nmf_kl_batch *kb = NULL;
  nmf_kl_batch_options opt;
  int ret;

  if (!frames || !W || bins < 2 || components < 1 || iterations < 1)
    return fail (err, errlen, NMF_ERR_INVALID_ARGUMENT,
        "bad arguments (bins %d, components %d, iterations %d)", bins,
        components, iterations);
  for (size_t t = 0; t < n_frames; t++) {
    double m = 0.0;
    for (int f = 0; f < bins; f++) {
      float v = frames[t * bins + f];
      if (!isfinite (v))
        return fail (err, errlen, NMF_ERR_NOT_FINITE,
            "frame %zu holds a non-finite value", t);
      if (v < 0.0f)
        return fail (err, errlen, NMF_ERR_NEGATIVE,
            "frame %zu holds a negative magnitude", t);
      m += v;
    }
    if (m > peak)
      peak = m;
  }
  for (size_t t = 0; t < n_frames; t++) {
    double m = 0.0;
    for (int f = 0; f < bins; f++)
      m += frames[t * bins + f];
    used += peak > 0.0 && m >= QUIET_FRAME_REL * peak;
  }
  if (used < (size_t) components)
    return fail (err, errlen, NMF_ERR_RANK,
        "%zu frames with sound, fewer than the %d components asked for",
        used, components);

  /* X: bins x used, row-major */
  x = malloc (sizeof (double) * bins * used);
  w = malloc (sizeof (double) * bins * components);
  h = malloc (sizeof (double) * used * components);
  if (!x || !w || !h) {
    ret = fail (err, errlen, NMF_ERR_NO_MEMORY, "out of memory");
    goto out;
  }
  size_t j = 0;
  for (size_t t = 0; t < n_frames; t++) {
    double m = 0.0;
    for (int f = 0; f < bins; f++)
      m += frames[t * bins + f];
    if (!(m >= QUIET_FRAME_REL * peak))
      continue;
    for (int f = 0; f < bins; f++)
      x[(size_t) f * used + j] = frames[t * bins + f];
    j++;
  }
  nmf_kl_batch_options_init (&opt);
  opt.max_iterations = iterations;
  opt.seed = seed;
  if ((ret = nmf_kl_batch_create (&kb, bins, used, components, &opt, NULL,
              0)) != NMF_OK) {
    fail (err, errlen, ret, "batch KL-NMF: %s", nmf_strerror (ret));
    goto out;
  }
  if ((ret = nmf_kl_batch_solve (kb, x, w, h, NULL, NULL, NULL, 0))
      != NMF_OK) {
    fail (err, errlen, ret, "batch KL-NMF: %s", nmf_strerror (ret));
    goto out;
  }
  for (int k = 0; k < components; k++)
    for (int f = 0; f < bins; f++)
      W[(size_t) k * bins + f] = (float) w[(size_t) f * components + k];
  ret = nmf_dictionary_normalise (W, bins, components, err, errlen);
out:
  nmf_kl_batch_destroy (&kb);
  free (x);
  free (w);
  free (h);
  return ret;
}

int
nmf_dictionary_learn_audio (const float *samples, size_t n_samples,
    int channels, int fft_size, int hop_size, int components, int iterations,
    uint64_t seed, float *W, char *err, size_t errlen)
{
  nmf_stft *st = NULL;
  float *frame = NULL, *spec = NULL, *mag = NULL;
  int ret;

  if (!samples || channels < 1 || fft_size < 32 || fft_size > 32768
      || fft_size % 2 || hop_size < 1 || hop_size > fft_size / 2)
    return fail (err, errlen, NMF_ERR_INVALID_ARGUMENT,
        "bad STFT settings (fft-size %d, hop-size %d, channels %d)",
        fft_size, hop_size, channels);
  const int bins = fft_size / 2 + 1;
  /* frames as the separator sees them: the first ends with the first hop */
  size_t n_frames = (n_samples + hop_size - 1) / hop_size;
  if (n_frames == 0)
    return fail (err, errlen, NMF_ERR_RANK, "no audio");
  if ((ret = nmf_stft_create (&st, fft_size, hop_size)) != NMF_OK)
    return fail (err, errlen, ret, "STFT: %s", nmf_strerror (ret));
  frame = malloc (sizeof (float) * fft_size);
  spec = malloc (sizeof (float) * 2 * bins);
  mag = calloc ((size_t) n_frames * bins, sizeof (float));
  if (!frame || !spec || !mag) {
    ret = fail (err, errlen, NMF_ERR_NO_MEMORY, "out of memory");
    goto out;
  }
  for (size_t t = 0; t < n_frames; t++) {
    /* frame t ends with sample (t + 1) * hop - 1 */
    long long end = (long long) (t + 1) * hop_size;
    for (int c = 0; c < channels; c++) {
      for (int i = 0; i < fft_size; i++) {
        long long s = end - fft_size + i;
        float v = s >= 0 && (size_t) s < n_samples
            ? samples[(size_t) s * channels + c] : 0.0f;
        frame[i] = isfinite (v) ? v : 0.0f;
      }
      nmf_stft_forward (st, frame, spec);
      for (int f = 0; f < bins; f++)
        mag[t * bins + f] += sqrtf (spec[2 * f] * spec[2 * f]
            + spec[2 * f + 1] * spec[2 * f + 1]);
    }
  }
  ret = nmf_dictionary_learn (mag, n_frames, bins, components, iterations,
      seed, W, err, errlen);
out:
  nmf_stft_destroy (&st);
  free (frame);
  free (spec);
  free (mag);
  return ret;
}

int
nmf_dictionary_shift_steps (const float *W, int bins, int components,
    int shifts, int steps, float *out, char *err, size_t errlen)
{
  if (!W || !out || bins < 2 || components < 1 || shifts < 0
      || shifts > NMF_DICTIONARY_MAX_SHIFTS || steps < 1
      || steps > NMF_DICTIONARY_MAX_SHIFT_STEPS)
    return fail (err, errlen, NMF_ERR_INVALID_ARGUMENT,
        "bad arguments (bins %d, components %d, shifts %d: 0 to %d, steps "
        "%d: 1 to %d)", bins, components, shifts, NMF_DICTIONARY_MAX_SHIFTS,
        steps, NMF_DICTIONARY_MAX_SHIFT_STEPS);
  const int n = shifts * steps;
  for (int s = -n; s <= n; s++) {
    /* out(f) = w(f / ratio), ratio = 2^(s / (12 steps)) */
    const double inv = pow (2.0, -s / (12.0 * steps));
    for (int k = 0; k < components; k++) {
      const float *w = W + (size_t) k * bins;
      float *o = out + ((size_t) (s + n) * components + k) * bins;
      for (int f = 0; f < bins; f++) {
        double x = f * inv;
        int i = (int) x;
        if (s == 0)
          o[f] = w[f];
        else if (i >= bins - 1)
          o[f] = x <= bins - 1 ? w[bins - 1] : TEMPLATE_FLOOR;
        else {
          double a = x - i;
          o[f] = (float) ((1.0 - a) * w[i] + a * w[i + 1]);
        }
      }
    }
  }
  return nmf_dictionary_normalise (out, bins, components * (2 * n + 1), err,
      errlen);
}

int
nmf_dictionary_shift (const float *W, int bins, int components, int shifts,
    float *out, char *err, size_t errlen)
{
  return nmf_dictionary_shift_steps (W, bins, components, shifts, 1, out,
      err, errlen);
}

int
nmf_dictionary_load_npy (const char *path, int bins, float **W,
    int *components, char *err, size_t errlen)
{
  double *data = NULL;
  size_t rows = 0, cols = 0;
  char npy_err[256] = "";
  int ret;

  if (!path || !W || !components || bins < 2)
    return fail (err, errlen, NMF_ERR_INVALID_ARGUMENT, "bad arguments");
  *W = NULL;
  *components = 0;
  ret = nmf_npy_read (path, &data, &rows, &cols, npy_err, sizeof npy_err);
  if (ret != NMF_OK)
    return fail (err, errlen, ret, "dictionary %s: %s", path, npy_err);
  if (rows != (size_t) bins) {
    free (data);
    if (cols == (size_t) bins)
      return fail (err, errlen, NMF_ERR_FORMAT,
          "dictionary %s has shape (%zu, %zu): expected (%d, K), one row per "
          "frequency bin; it looks transposed", path, rows, cols, bins);
    return fail (err, errlen, NMF_ERR_FORMAT,
        "dictionary %s has %zu frequency bins (rows), made for fft-size %zu; "
        "this fft-size %d needs %d bins", path, rows,
        rows >= 2 ? 2 * (rows - 1) : 0, 2 * (bins - 1), bins);
  }
  if (cols < 1 || cols > 1024) {
    free (data);
    return fail (err, errlen, NMF_ERR_FORMAT,
        "dictionary %s has %zu templates (columns): 1 to 1024 allowed", path,
        cols);
  }
  float *w = malloc (sizeof (float) * rows * cols);
  if (!w) {
    free (data);
    return fail (err, errlen, NMF_ERR_NO_MEMORY, "out of memory");
  }
  for (size_t f = 0; f < rows; f++)
    for (size_t k = 0; k < cols; k++)
      w[k * rows + f] = (float) data[f * cols + k];
  free (data);
  char why[200] = "";
  if ((ret = nmf_dictionary_normalise (w, bins, (int) cols, why,
              sizeof why)) != NMF_OK) {
    free (w);
    return fail (err, errlen, ret, "dictionary %s: %s", path, why);
  }
  *W = w;
  *components = (int) cols;
  return NMF_OK;
}

int
nmf_dictionary_save_npy (const char *path, const float *W, int bins,
    int components, char *err, size_t errlen)
{
  if (!path || !W || bins < 2 || components < 1)
    return fail (err, errlen, NMF_ERR_INVALID_ARGUMENT, "bad arguments");
  double *d = malloc (sizeof (double) * bins * components);
  if (!d)
    return fail (err, errlen, NMF_ERR_NO_MEMORY, "out of memory");
  for (int f = 0; f < bins; f++)
    for (int k = 0; k < components; k++)
      d[(size_t) f * components + k] = W[(size_t) k * bins + f];
  int ret = nmf_npy_write (path, d, bins, components, err, errlen);
  free (d);
  return ret;
}
