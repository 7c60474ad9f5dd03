#include "synthesis.h"

#include <nmf/error.h>

#include <stdlib.h>
#include <string.h>

int
nmf_synthesis_init (nmf_synthesis * syn, int sources, int channels,
    int fft_size, int hop_size)
{
  memset (syn, 0, sizeof (*syn));
  syn->sources = sources;
  syn->channels = channels;
  syn->fft_size = fft_size;
  syn->hop_size = hop_size;
  syn->bins = fft_size / 2 + 1;
  syn->ola = calloc ((size_t) sources * channels * fft_size, sizeof (float));
  syn->masked = calloc (2 * (size_t) syn->bins, sizeof (float));
  syn->frame_out = calloc (fft_size, sizeof (float));
  if (!syn->ola || !syn->masked || !syn->frame_out) {
    nmf_synthesis_clear (syn);
    return NMF_ERR_NO_MEMORY;
  }
  return NMF_OK;
}

void
nmf_synthesis_clear (nmf_synthesis * syn)
{
  free (syn->ola);
  free (syn->masked);
  free (syn->frame_out);
  memset (syn, 0, sizeof (*syn));
}

void
nmf_synthesis_reset (nmf_synthesis * syn)
{
  memset (syn->ola, 0, sizeof (float) * syn->sources * syn->channels
      * syn->fft_size);
}

/* Source s, channel ch: the frame's spectrum through the inverse STFT into
 * the overlap-add, and the hop it completes out. */
static void
overlap_add (nmf_synthesis * syn, nmf_stft * stft, int s, int ch,
    const float *spectrum, float *const *dst, size_t offset, int first,
    int last)
{
  const int C = syn->channels, N = syn->fft_size, H = syn->hop_size;
  float *out = dst[s] + offset * C;
  float *ola = syn->ola + ((size_t) s * C + ch) * N;

  nmf_stft_inverse (stft, spectrum, syn->frame_out);
  for (int i = 0; i < N; i++)
    ola[i] += syn->frame_out[i];
  for (int i = first; i < last; i++)
    out[(size_t) (i - first) * C + ch] = ola[i];
  memmove (ola, ola + H, sizeof (float) * (N - H));
  memset (ola + N - H, 0, sizeof (float) * H);
}

void
nmf_synthesis_frame (nmf_synthesis * syn, nmf_stft * stft,
    const float *spectra, const float *masks, float *const *dst,
    size_t offset, int first, int last)
{
  const int C = syn->channels, F = syn->bins;

  for (int s = 0; s < syn->sources; s++) {
    const float *mask = masks + (size_t) s * F;
    for (int ch = 0; ch < C; ch++) {
      const float *spec = spectra + (size_t) ch * 2 * F;
      for (int f = 0; f < F; f++) {
        syn->masked[2 * f] = spec[2 * f] * mask[f];
        syn->masked[2 * f + 1] = spec[2 * f + 1] * mask[f];
      }
      overlap_add (syn, stft, s, ch, syn->masked, dst, offset, first, last);
    }
  }
}

void
nmf_synthesis_frame_images (nmf_synthesis * syn, nmf_stft * stft,
    const float *images, float *const *dst, size_t offset, int first,
    int last)
{
  const int C = syn->channels, F = syn->bins;

  for (int s = 0; s < syn->sources; s++)
    for (int ch = 0; ch < C; ch++)
      overlap_add (syn, stft, s, ch, images + ((size_t) s * C + ch) * 2 * F,
          dst, offset, first, last);
}
