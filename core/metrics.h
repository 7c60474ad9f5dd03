/* gst-nmf core: separation quality measures used by the tests and tools. */
#ifndef NMF_METRICS_H
#define NMF_METRICS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Scale-invariant signal-to-distortion ratio in dB of `estimate` against
 * `reference` (n samples each, read with the given strides). */
double nmf_si_sdr (const float *reference, size_t reference_stride,
    const float *estimate, size_t estimate_stride, size_t n);

#ifdef __cplusplus
}
#endif
#endif /* NMF_METRICS_H */
