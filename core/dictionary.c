/* gst-nmf core: dictionaries (see <nmf/dictionary.h>). */
#include <nmf/dictionary.h>
#include <nmf/factorize.h>
#include <nmf/npy.h>

#include "kl_kernels.h"         /* NMF_KL_TEMPLATE_FLOOR */
#include "logfreq.h"
#include "message.h"
#include "stft.h"
#include "templates.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* frames quieter than this fraction of the loudest frame's magnitude sum
 * (60 dB) are left out of learning */
#define QUIET_FRAME_REL 1e-3
/* the learned templates have the model's floor */
#define TEMPLATE_FLOOR NMF_KL_TEMPLATE_FLOOR

nmf_status
nmf_templates_check (const float *W, size_t bins, size_t components,
    char *message, size_t message_size)
{
  for (size_t k = 0; k < components; k++) {
    const float *w = W + k * bins;
    double sum = 0.0;
    for (size_t f = 0; f < bins; f++) {
      if (!isfinite (w[f]))
        return nmf_fail (message, message_size, NMF_ERR_NOT_FINITE,
            "template %zu holds a non-finite value at bin %zu", k, f);
      if (w[f] < 0.0f)
        return nmf_fail (message, message_size, NMF_ERR_NEGATIVE,
            "template %zu holds a negative value at bin %zu", k, f);
      sum += w[f];
    }
    if (!(sum > 0.0))
      return nmf_fail (message, message_size, NMF_ERR_INVALID_ARGUMENT,
          "template %zu is all zero", k);
  }
  return NMF_OK;
}

nmf_status
nmf_dictionary_normalise (float *W, size_t bins, size_t components,
    char *message, size_t message_size)
{
  nmf_status ret;

  if (W == NULL && components > 0)
    return nmf_fail (message, message_size, NMF_ERR_INVALID_ARGUMENT,
        "dictionary: W is NULL (%zu templates)", components);
  if ((ret = nmf_templates_check (W, bins, components, message,
              message_size)) != NMF_OK)
    return ret;
  for (size_t k = 0; k < components; k++) {
    float *w = W + k * bins;
    double sum = 0.0;
    for (size_t f = 0; f < bins; f++)
      sum += w[f];
    double after = 0.0;
    for (size_t f = 0; f < bins; f++) {
      float x = (float) (w[f] / sum);
      w[f] = x > TEMPLATE_FLOOR ? x : TEMPLATE_FLOOR;
      after += w[f];
    }
    for (size_t f = 0; f < bins; f++)
      w[f] = (float) (w[f] / after);
  }
  return NMF_OK;
}

/* The magnitude sum of frame t. */
static double
frame_sum (const float *frames, size_t bins, size_t t)
{
  double m = 0.0;
  for (size_t f = 0; f < bins; f++)
    m += frames[t * bins + f];
  return m;
}

nmf_status
nmf_dictionary_learn (const float *frames, size_t n_frames, size_t bins,
    size_t components, int iterations, uint64_t seed, float *W,
    char *message, size_t message_size)
{
  return nmf_dictionary_learn_cancellable (frames, n_frames, bins,
      components, iterations, seed, NULL, W, message, message_size);
}

nmf_status
nmf_dictionary_learn_cancellable (const float *frames, size_t n_frames,
    size_t bins, size_t components, int iterations, uint64_t seed,
    const volatile int *cancel, float *W, char *message, size_t message_size)
{
  double peak = 0.0;
  size_t used = 0;
  double *x = NULL, *w = NULL, *h = NULL;
  nmf_kl_batch *kb = NULL;
  nmf_kl_batch_options opt;
  nmf_status ret;

  if (!frames || !W)
    return nmf_fail (message, message_size, NMF_ERR_INVALID_ARGUMENT,
        "learning: %s is NULL", !frames ? "frames" : "W");
  if (bins < 2 || components < 1 || iterations < 1)
    return nmf_fail (message, message_size, NMF_ERR_INVALID_ARGUMENT,
        "learning: %s out of range (bins %zu: at least 2, components %zu: "
        "at least 1, iterations %d: at least 1)", bins < 2 ? "bins"
        : components < 1 ? "components" : "iterations", bins, components,
        iterations);
  for (size_t t = 0; t < n_frames; t++) {
    for (size_t f = 0; f < bins; f++) {
      float v = frames[t * bins + f];
      if (!isfinite (v))
        return nmf_fail (message, message_size, NMF_ERR_NOT_FINITE,
            "frame %zu holds a non-finite value", t);
      if (v < 0.0f)
        return nmf_fail (message, message_size, NMF_ERR_NEGATIVE,
            "frame %zu holds a negative magnitude", t);
    }
    double m = frame_sum (frames, bins, t);
    if (m > peak)
      peak = m;
  }
  for (size_t t = 0; t < n_frames; t++) {
    double m = frame_sum (frames, bins, t);
    used += peak > 0.0 && m >= QUIET_FRAME_REL * peak;
  }
  if (components > bins)
    return nmf_fail (message, message_size, NMF_ERR_RANK,
        "%zu components asked for, more than the %zu bins of a frame "
        "(a longer FFT has more)", components, bins);
  if (used < components)
    return nmf_fail (message, message_size, NMF_ERR_RANK,
        "%zu frames with sound, fewer than the %zu components asked for",
        used, components);

  /* X: bins x used, row-major */
  x = malloc (sizeof (double) * bins * used);
  w = malloc (sizeof (double) * bins * components);
  h = malloc (sizeof (double) * used * components);
  if (!x || !w || !h) {
    ret = nmf_fail (message, message_size, NMF_ERR_NO_MEMORY,
        "out of memory");
    goto out;
  }
  size_t j = 0;
  for (size_t t = 0; t < n_frames; t++) {
    if (!(frame_sum (frames, bins, t) >= QUIET_FRAME_REL * peak))
      continue;
    for (size_t f = 0; f < bins; f++)
      x[f * used + j] = frames[t * bins + f];
    j++;
  }
  nmf_kl_batch_options_init (&opt);
  opt.max_iterations = iterations;
  opt.seed = seed;
  /* nmf_kl_batch_solve's iterations, one by one, so that a cancel is seen
   * between two of them */
  if ((ret = nmf_kl_batch_create (&kb, bins, used, components, &opt, NULL,
              0)) != NMF_OK
      || (ret = nmf_kl_batch_init (kb, x, NULL, NULL, NULL, 0)) != NMF_OK) {
    nmf_fail (message, message_size, ret, "batch KL-NMF: %s",
        nmf_strerror (ret));
    goto out;
  }
  for (int it = 0; it < iterations; it++) {
    double d;
    /* an atomic read: the flag is written by another thread (a plain read
     * of it is a data race in C11, volatile or not) */
    if (cancel && __atomic_load_n (cancel, __ATOMIC_RELAXED)) {
      ret = nmf_fail (message, message_size, NMF_ERR_CANCELLED,
          "cancelled after %d of %d iterations", it, iterations);
      goto out;
    }
    if ((ret = nmf_kl_batch_step (kb, &d)) != NMF_OK) {
      nmf_fail (message, message_size, ret, "batch KL-NMF: the divergence "
          "is not finite after %d iterations", it + 1);
      goto out;
    }
  }
  if ((ret = nmf_kl_batch_get (kb, w, h)) != NMF_OK) {
    nmf_fail (message, message_size, ret, "batch KL-NMF: %s",
        nmf_strerror (ret));
    goto out;
  }
  for (size_t k = 0; k < components; k++)
    for (size_t f = 0; f < bins; f++)
      W[k * bins + f] = (float) w[f * components + k];
  ret = nmf_dictionary_normalise (W, bins, components, message,
      message_size);
out:
  nmf_kl_batch_destroy (&kb);
  free (x);
  free (w);
  free (h);
  return ret;
}

size_t
nmf_dictionary_learn_stride (size_t n_samples, int hop_size, size_t *frames)
{
  /* frames as the separator sees them: the first ends with the first hop
   * (rounded up without n + hop - 1, which wraps near SIZE_MAX) */
  const size_t all_frames = hop_size > 0 ? n_samples / (size_t) hop_size
      + (n_samples % (size_t) hop_size != 0) : 0;
  if (frames)
    *frames = all_frames;
  /* a long example is learned from every k-th frame: the spectrogram and
   * the factorization grow with the frames (some 40 bytes per frame and
   * bin: 1.5 GB for 20 minutes at 16 kHz), the samples only a twentieth */
  if (all_frames <= NMF_DICTIONARY_MAX_LEARN_FRAMES)
    return 1;
  return all_frames / NMF_DICTIONARY_MAX_LEARN_FRAMES
      + (all_frames % NMF_DICTIONARY_MAX_LEARN_FRAMES != 0);
}

nmf_status
nmf_dictionary_learn_audio (const float *samples, size_t n_samples,
    size_t channels, int fft_size, int hop_size, size_t components,
    int iterations, uint64_t seed, float *W, char *message,
    size_t message_size)
{
  nmf_stft *st = NULL;
  float *frame = NULL, *spec = NULL, *mag = NULL;
  nmf_status ret;

  if (!samples || !W)
    return nmf_fail (message, message_size, NMF_ERR_INVALID_ARGUMENT,
        "learning: %s is NULL", !samples ? "samples" : "W");
  if (components < 1 || iterations < 1)
    return nmf_fail (message, message_size, NMF_ERR_INVALID_ARGUMENT,
        "learning: %s out of range (components %zu: at least 1, "
        "iterations %d: at least 1)", components < 1 ? "components"
        : "iterations", components, iterations);
  if (channels < 1 || fft_size < 32 || fft_size > 32768
      || fft_size % 2 || hop_size < 1 || hop_size > fft_size / 2)
    return nmf_fail (message, message_size, NMF_ERR_INVALID_ARGUMENT,
        "bad STFT settings: %s (FFT size %d: even, 32 to 32768; hop size "
        "%d: 1 to half the FFT size; channels %zu: at least 1)",
        channels < 1 ? "channels" : fft_size < 32 || fft_size > 32768
        || fft_size % 2 ? "FFT size" : "hop size", fft_size, hop_size,
        channels);
  const size_t bins = (size_t) fft_size / 2 + 1;
  size_t all_frames;
  const size_t stride = nmf_dictionary_learn_stride (n_samples, hop_size,
      &all_frames);
  if (all_frames == 0)
    return nmf_fail (message, message_size, NMF_ERR_RANK, "no audio");
  size_t n_frames = (all_frames + stride - 1) / stride;
  if ((ret = nmf_stft_create (&st, fft_size, hop_size)) != NMF_OK)
    return nmf_fail (message, message_size, ret, "STFT: %s",
        nmf_strerror (ret));
  frame = malloc (sizeof (float) * fft_size);
  spec = malloc (sizeof (float) * 2 * bins);
  mag = calloc (n_frames * bins, sizeof (float));
  if (!frame || !spec || !mag) {
    ret = nmf_fail (message, message_size, NMF_ERR_NO_MEMORY,
        "out of memory");
    goto out;
  }
  for (size_t t = 0; t < n_frames; t++) {
    /* frame t * stride ends with sample (t * stride + 1) * hop - 1 */
    long long end = (long long) (t * stride + 1) * hop_size;
    for (size_t c = 0; c < channels; c++) {
      for (int i = 0; i < fft_size; i++) {
        long long s = end - fft_size + i;
        float v = s >= 0 && (size_t) s < n_samples
            ? samples[(size_t) s * channels + c] : 0.0f;
        frame[i] = isfinite (v) ? v : 0.0f;
      }
      nmf_stft_forward (st, frame, spec);
      nmf_stft_add_magnitude (spec, (int) bins, mag + t * bins);
    }
  }
  ret = nmf_dictionary_learn (mag, n_frames, bins, components, iterations,
      seed, W, message, message_size);
out:
  nmf_stft_destroy (&st);
  free (frame);
  free (spec);
  free (mag);
  return ret;
}

nmf_status
nmf_dictionary_shift_steps (const float *W, size_t bins, size_t components,
    int shifts, int steps, float *out, char *message, size_t message_size)
{
  if (!W || !out)
    return nmf_fail (message, message_size, NMF_ERR_INVALID_ARGUMENT,
        "shifting: %s is NULL", !W ? "W" : "out");
  if (bins < 2 || bins > INT32_MAX || components < 1
      || shifts < 0 || shifts > NMF_DICTIONARY_MAX_SHIFTS || steps < 1
      || steps > NMF_DICTIONARY_MAX_SHIFT_STEPS)
    return nmf_fail (message, message_size, NMF_ERR_INVALID_ARGUMENT,
        "shifting: %s out of range (bins %zu: 2 to %d, components %zu: at "
        "least 1, shifts %d: 0 to %d, steps %d: 1 to %d)",
        bins < 2 || bins > INT32_MAX ? "bins" : components < 1
        ? "components" : shifts < 0 || shifts > NMF_DICTIONARY_MAX_SHIFTS
        ? "shifts" : "steps", bins, INT32_MAX, components, shifts,
        NMF_DICTIONARY_MAX_SHIFTS, steps, NMF_DICTIONARY_MAX_SHIFT_STEPS);
  const int n = shifts * steps;
  for (int s = -n; s <= n; s++)
    for (size_t k = 0; k < components; k++)
      nmf_logfreq_transpose (W + k * bins, (int) bins, s, 12 * steps,
          TEMPLATE_FLOOR, out + ((size_t) (s + n) * components + k) * bins);
  return nmf_dictionary_normalise (out, bins,
      components * (size_t) (2 * n + 1), message, message_size);
}

nmf_status
nmf_dictionary_shift (const float *W, size_t bins, size_t components,
    int shifts, float *out, char *message, size_t message_size)
{
  return nmf_dictionary_shift_steps (W, bins, components, shifts, 1, out,
      message, message_size);
}

nmf_status
nmf_dictionary_load_npy (const char *path, size_t bins, float **W,
    size_t *components, char *message, size_t message_size)
{
  double *data = NULL;
  size_t rows = 0, cols = 0;
  char why[256] = "";
  nmf_status ret;

  if (!path || !W || !components)
    return nmf_fail (message, message_size, NMF_ERR_INVALID_ARGUMENT,
        "dictionary: %s is NULL", !path ? "path" : !W ? "W" : "components");
  if (bins < 2)
    return nmf_fail (message, message_size, NMF_ERR_INVALID_ARGUMENT,
        "dictionary %s: bins %zu out of range (at least 2)", path, bins);
  *W = NULL;
  *components = 0;
  ret = nmf_npy_read (path, &data, &rows, &cols, why, sizeof why);
  if (ret != NMF_OK)
    return nmf_fail (message, message_size, ret, "dictionary %s: %s", path,
        why);
  if (rows != bins) {
    free (data);
    if (cols == bins)
      return nmf_fail (message, message_size, NMF_ERR_FORMAT,
          "dictionary %s has shape (%zu, %zu): expected (%zu, K), one row "
          "per frequency bin; it looks transposed", path, rows, cols, bins);
    return nmf_fail (message, message_size, NMF_ERR_FORMAT,
        "dictionary %s has %zu frequency bins (rows), made for FFT size "
        "%zu; this FFT size %zu needs %zu bins", path, rows,
        rows >= 2 ? 2 * (rows - 1) : 0, 2 * (bins - 1), bins);
  }
  if (cols < 1 || cols > NMF_DICTIONARY_MAX_COMPONENTS) {
    free (data);
    return nmf_fail (message, message_size, NMF_ERR_FORMAT,
        "dictionary %s has %zu templates (columns): 1 to %d allowed", path,
        cols, NMF_DICTIONARY_MAX_COMPONENTS);
  }
  float *w = malloc (sizeof (float) * rows * cols);
  if (!w) {
    free (data);
    return nmf_fail (message, message_size, NMF_ERR_NO_MEMORY,
        "out of memory");
  }
  /* a template's scale is not its meaning (it is normalised): each is
   * scaled by the power of two that brings its largest entry to [0.5, 1)
   * while still in double precision, so that finite entries beyond the
   * range of float (1e39) or below it (1e-320) are read as what they
   * are, not as Inf or all zero; a power of two, so that the normalised
   * result is bit for bit that of the entries unscaled (a saved
   * dictionary loads as it was saved) */
  for (size_t k = 0; k < cols; k++) {
    double peak = 0.0;
    for (size_t f = 0; f < rows; f++) {
      double v = data[f * cols + k];
      if (!isfinite (v) || v < 0.0) {
        free (data);
        free (w);
        return nmf_fail (message, message_size, isfinite (v)
            ? NMF_ERR_NEGATIVE : NMF_ERR_NOT_FINITE, "dictionary %s "
            "holds %s at row %zu, column %zu (bin %zu of template %zu)",
            path, isnan (v) ? "NaN" : isinf (v) ? (v > 0 ? "+Inf" : "-Inf")
            : "a negative value", f, k, f, k);
      }
      if (v > peak)
        peak = v;
    }
    int e = 0;
    frexp (peak, &e);
    for (size_t f = 0; f < rows; f++)
      w[k * rows + f] = (float) ldexp (data[f * cols + k], -e);
  }
  free (data);
  if ((ret = nmf_dictionary_normalise (w, bins, cols, why,
              sizeof why)) != NMF_OK) {
    free (w);
    return nmf_fail (message, message_size, ret, "dictionary %s: %s", path,
        why);
  }
  *W = w;
  *components = cols;
  return NMF_OK;
}

nmf_status
nmf_dictionary_save_npy (const char *path, const float *W, size_t bins,
    size_t components, char *message, size_t message_size)
{
  if (!path || !W)
    return nmf_fail (message, message_size, NMF_ERR_INVALID_ARGUMENT,
        "dictionary: %s is NULL", !path ? "path" : "W");
  if (bins < 2 || components < 1)
    return nmf_fail (message, message_size, NMF_ERR_INVALID_ARGUMENT,
        "dictionary %s: %s out of range (bins %zu: at least 2, components "
        "%zu: at least 1)", path, bins < 2 ? "bins" : "components", bins,
        components);
  /* what the loader refuses is not written: a file that cannot be read
   * back, which would replace one that could */
  if (components > NMF_DICTIONARY_MAX_COMPONENTS)
    return nmf_fail (message, message_size, NMF_ERR_INVALID_ARGUMENT,
        "dictionary %s: %zu templates, more than the %d a dictionary file "
        "holds", path, components, NMF_DICTIONARY_MAX_COMPONENTS);
  char why[256];
  nmf_status ret = nmf_templates_check (W, bins, components, why, sizeof why);
  if (ret != NMF_OK)
    return nmf_fail (message, message_size, ret, "dictionary %s: %s", path,
        why);
  double *d = malloc (sizeof (double) * bins * components);
  if (!d)
    return nmf_fail (message, message_size, NMF_ERR_NO_MEMORY,
        "out of memory");
  for (size_t f = 0; f < bins; f++)
    for (size_t k = 0; k < components; k++)
      d[f * components + k] = W[k * bins + f];
  ret = nmf_npy_write (path, d, bins, components, message, message_size);
  free (d);
  return ret;
}
