/* gst-nmf core: soft masks from a factorization.
 *
 * With K components grouped into S sources, source s's share of bin f is
 *   M_s(f) = P_s(f)^p / sum_r P_r(f)^p,   P_s = sum_{k in s} (W_k h_k),
 * p = 1 or 2 (Wiener-like).  Masks lie in [0, 1] and sum to one in every bin,
 * so the masked sources add back up to the mixture.  Computed with the
 * largest P of the bin factored out, so neither tiny nor huge magnitudes
 * overflow or underflow into 0/0; a bin with no model energy at all is
 * split evenly. */
#ifndef NMF_MASKS_H
#define NMF_MASKS_H

#ifdef __cplusplus
extern "C" {
#endif

/* spectra: components x bins, row-major, >= 0: each component's model of
 * the frame (W_k h_k for KL-NMF).  source_of: the source of each component
 * (NULL: component k is source k, components == sources).  masks: sources x
 * bins, row-major.  scratch: sources * bins floats. */
void nmf_masks_compute (const float *spectra, int bins, int components,
    const int *source_of, int sources, int exponent, float *masks,
    float *scratch);

#ifdef __cplusplus
}
#endif
#endif /* NMF_MASKS_H */
