/* gst-nmf core (internal): the sources' audio from masked spectra (or
 * from each source's own spectra) - inverse STFT,
 * weighted overlap-add, one hop of samples out per frame. */
#ifndef NMF_SYNTHESIS_H
#define NMF_SYNTHESIS_H

#include <stddef.h>

#include "stft.h"

typedef struct
{
  int sources, channels, fft_size, hop_size, bins;
  float *ola;                   /* sources x channels x fft_size */
  float *masked;                /* 2 * bins */
  float *frame_out;             /* fft_size */
} nmf_synthesis;

int nmf_synthesis_init (nmf_synthesis * syn, int sources, int channels,
    int fft_size, int hop_size);
void nmf_synthesis_clear (nmf_synthesis * syn);
void nmf_synthesis_reset (nmf_synthesis * syn);

/* One frame: spectra (channels x 2 * bins), masks (sources x bins).  The
 * hop the frame completes leaves the overlap-add; its samples [first,
 * last) go to dst[s] + offset * channels, interleaved. */
void nmf_synthesis_frame (nmf_synthesis * syn, nmf_stft * stft,
    const float *spectra, const float *masks, float *const *dst,
    size_t offset, int first, int last);

/* The same from each source's own spectrum at every channel (images:
 * sources x channels x 2 * bins), e.g. a spatial demixing's images. */
void nmf_synthesis_frame_images (nmf_synthesis * syn, nmf_stft * stft,
    const float *images, float *const *dst, size_t offset, int first,
    int last);

#endif /* NMF_SYNTHESIS_H */
