/* gst-nmf core: one STFT frame at a time, with perfect reconstruction.
 *
 * Analysis window: square root of the periodic Hann window.  Synthesis
 * window: the analysis window divided by the sum of the squared analysis
 * windows over all hop shifts (the least-squares synthesis window of Griffin
 * and Lim), so that windowed overlap-add of unmodified frames reconstructs
 * the signal exactly for any hop size up to fft_size / 2.  FFTW plans are
 * made once, at create time (FFTW's planner is made thread-safe when the
 * library loads: stft.c). */
#ifndef NMF_STFT_H
#define NMF_STFT_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct nmf_stft nmf_stft;

#define NMF_STFT_MIN_FFT_SIZE 16
#define NMF_STFT_MAX_FFT_SIZE 65536

/* fft_size: even, 16..65536; hop_size: 1..fft_size/2. */
int nmf_stft_create (nmf_stft ** out, int fft_size, int hop_size);
void nmf_stft_destroy (nmf_stft ** stft);

int nmf_stft_bins (const nmf_stft * stft);      /* fft_size / 2 + 1 */

/* frame: fft_size time samples, oldest first.  spectrum: bins complex
 * values as interleaved (re, im) floats, of the analysis-windowed frame. */
void nmf_stft_forward (nmf_stft * stft, const float *frame, float *spectrum);

/* spectrum (bins interleaved complex) -> fft_size samples, already
 * multiplied by the synthesis window and normalised: add them into the
 * overlap-add accumulator as they are. */
void nmf_stft_inverse (nmf_stft * stft, const float *spectrum, float *frame);

/* magnitude[f] += |spectrum[f]| for bins values: the magnitude summed
 * over channels that the separator's model and a dictionary's learning
 * both see, computed the same way in both. */
void nmf_stft_add_magnitude (const float *spectrum, int bins,
    float *magnitude);

#ifdef __cplusplus
}
#endif
#endif /* NMF_STFT_H */
