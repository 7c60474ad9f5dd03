/* gst-nmf tests: separation quality of an estimate against the truth. */
#ifndef NMF_TEST_METRICS_H
#define NMF_TEST_METRICS_H

#include <stddef.h>

/* Scale-invariant signal-to-distortion ratio in dB of `estimate` against
 * `reference` (n samples each, read with the given strides). */
double nmf_si_sdr (const float *reference, size_t reference_stride,
    const float *estimate, size_t estimate_stride, size_t n);

#endif /* NMF_TEST_METRICS_H */
