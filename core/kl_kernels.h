/* gst-nmf core (internal): the per-frame KL-NMF kernels, stateless.
 *
 * Templates W are column-major bins x components (component k's template
 * is W[k * bins + f]), columns summing to one; activations h hold the
 * frame's scale. */
#ifndef NMF_KL_KERNELS_H
#define NMF_KL_KERNELS_H

/* Guards.  A frame whose total magnitude is below NMF_KL_SILENCE_MASS is
 * digital silence: it carries no information about the sources.
 * Activations never fall below NMF_KL_ACTIVATION_FLOOR times the frame's
 * mean magnitude, templates never below NMF_KL_TEMPLATE_FLOOR, so no entry
 * is ever exactly zero (zero is absorbing under multiplicative updates) and
 * a component silent for a while can come back. */
#define NMF_KL_SILENCE_MASS 1e-20f
#define NMF_KL_ACTIVATION_FLOOR 1e-9f
#define NMF_KL_TEMPLATE_FLOOR 1e-10f
#define NMF_KL_MODEL_FLOOR 1e-30f

/* Lanes of the fused kernels' vectors: bins 8 at a time, activation
 * buffers padded to a multiple of this. */
#define NMF_KL_LANES 8
typedef float nmf_vf8 __attribute__ ((vector_size (NMF_KL_LANES
            * sizeof (float))));

/* The sum of the frame's bins values (in double). */
double nmf_kl_frame_mass (const float *v, int bins);

/* Columns of W scaled to sum to one, floored at NMF_KL_TEMPLATE_FLOOR (a
 * NaN too); colsum receives the column sums after the floor. */
void nmf_kl_normalise_columns (float *W, float *colsum, int bins,
    int components);

/* The fused kernel of one multiplicative update of h: wh = W h (wh may be
 * NULL), r = v / max(wh, floor), grad = W^T r, in one pass over W.  h and
 * grad are padded to a multiple of NMF_KL_LANES; acc: components vectors
 * of scratch, aligned. */
void nmf_kl_fused_ratio_grad (const float *restrict W, int F, int K,
    const float *restrict v, const float *restrict h, float *restrict grad,
    float *restrict wh, nmf_vf8 * restrict acc);

/* wh = W h (bins values). */
void nmf_kl_fused_model (const float *restrict W, int F, int K,
    const float *restrict h, float *restrict wh);

/* `iterations` multiplicative updates of h for D(v || W h), W fixed
 * (column sums colsum), through BLAS: the reference the fused kernels are
 * checked and timed against.  scratch holds 2 * bins + components
 * floats. */
void nmf_kl_update_activations (const float *W, const float *colsum,
    int bins, int components, const float *v, float *h, int iterations,
    float *scratch);

/* D(v || W h) = sum v log(v / Wh) - v + Wh, in double. */
double nmf_kl_divergence (const float *W, int bins, int components,
    const float *v, const float *h);

#endif /* NMF_KL_KERNELS_H */
