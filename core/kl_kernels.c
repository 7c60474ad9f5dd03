/* gst-nmf core: the per-frame KL-NMF kernels (see kl_kernels.h). */
#include "kl_kernels.h"

#include <cblas.h>
#include <math.h>

double
nmf_kl_frame_mass (const float *v, int bins)
{
  double mass = 0.0;
  for (int f = 0; f < bins; f++)
    mass += v[f];
  return mass;
}

void
nmf_kl_normalise_columns (float *W, float *colsum, int bins, int components)
{
  for (int k = 0; k < components; k++) {
    float *w = W + (size_t) k * bins;
    double sum = 0.0;
    for (int f = 0; f < bins; f++)
      sum += w[f];
    float scale = sum > 0.0 ? (float) (1.0 / sum) : 1.0f;
    double after = 0.0;
    for (int f = 0; f < bins; f++) {
      float x = w[f] * scale;
      /* also catches NaN: a comparison with NaN is false */
      if (!(x >= NMF_KL_TEMPLATE_FLOOR))
        x = NMF_KL_TEMPLATE_FLOOR;
      w[f] = x;
      after += x;
    }
    colsum[k] = (float) after;
  }
}

/* The fused kernels work on the column-major templates 8 bins at a time:
 * m = W h on the block (an axpy per component), r = v / max(m, floor), and
 * grad_k += W_k . r kept as one 8-lane partial sum per component (reduced
 * once at the end).  One pass over W per multiplicative update instead of
 * two matrix-vector products, no horizontal sum per bin, and
 * single-threaded by construction (OpenBLAS threads its gemv above a size
 * and its idle threads spin).  Built for AVX2 and for the baseline ISA,
 * chosen at load time. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define NMF_CLONES __attribute__ ((target_clones ("avx2", "default")))
#else
#define NMF_CLONES
#endif
typedef float nmf_vf8u __attribute__ ((vector_size (NMF_KL_LANES
            * sizeof (float)), aligned (4)));

NMF_CLONES static void
fused_ratio_grad (const float *restrict W, int F, int K,
    const float *restrict v, const float *restrict h, float *restrict grad,
    float *restrict wh, nmf_vf8 * restrict acc)
{
  const int Fb = F / NMF_KL_LANES * NMF_KL_LANES;

  for (int k = 0; k < K; k++)
    acc[k] = (nmf_vf8) { 0 };
  for (int f = 0; f < Fb; f += NMF_KL_LANES) {
    nmf_vf8 m = (nmf_vf8) { 0 };
    for (int k = 0; k < K; k++)
      m += h[k] * *(const nmf_vf8u *) (W + (size_t) k * F + f);
    if (wh)
      *(nmf_vf8u *) (wh + f) = m;
    nmf_vf8 vv = *(const nmf_vf8u *) (v + f);
    for (int i = 0; i < NMF_KL_LANES; i++)
      m[i] = m[i] > NMF_KL_MODEL_FLOOR ? m[i] : NMF_KL_MODEL_FLOOR;
    nmf_vf8 r = vv / m;
    for (int k = 0; k < K; k++)
      acc[k] += r * *(const nmf_vf8u *) (W + (size_t) k * F + f);
  }
  for (int k = 0; k < K; k++) {
    nmf_vf8 a = acc[k];
    grad[k] = ((a[0] + a[4]) + (a[1] + a[5])) + ((a[2] + a[6]) + (a[3] + a[7]));
  }
  for (int f = Fb; f < F; f++) {
    float m = 0.0f;
    for (int k = 0; k < K; k++)
      m += h[k] * W[(size_t) k * F + f];
    if (wh)
      wh[f] = m;
    float r = v[f] / (m > NMF_KL_MODEL_FLOOR ? m : NMF_KL_MODEL_FLOOR);
    for (int k = 0; k < K; k++)
      grad[k] += r * W[(size_t) k * F + f];
  }
}

/* wh = W h. */
NMF_CLONES static void
fused_model (const float *restrict W, int F, int K,
    const float *restrict h, float *restrict wh)
{
  const int Fb = F / NMF_KL_LANES * NMF_KL_LANES;

  for (int f = 0; f < Fb; f += NMF_KL_LANES) {
    nmf_vf8 m = (nmf_vf8) { 0 };
    for (int k = 0; k < K; k++)
      m += h[k] * *(const nmf_vf8u *) (W + (size_t) k * F + f);
    *(nmf_vf8u *) (wh + f) = m;
  }
  for (int f = Fb; f < F; f++) {
    float m = 0.0f;
    for (int k = 0; k < K; k++)
      m += h[k] * W[(size_t) k * F + f];
    wh[f] = m;
  }
}

/* The clones stay static: an ifunc ignores -fvisibility=hidden, and the
 * kernels are no part of the shared library's interface. */
void
nmf_kl_fused_ratio_grad (const float *restrict W, int F, int K,
    const float *restrict v, const float *restrict h, float *restrict grad,
    float *restrict wh, nmf_vf8 * restrict acc)
{
  fused_ratio_grad (W, F, K, v, h, grad, wh, acc);
}

void
nmf_kl_fused_model (const float *restrict W, int F, int K,
    const float *restrict h, float *restrict wh)
{
  fused_model (W, F, K, h, wh);
}

/* ratio = v / max(W h, floor); returns nothing, fills wh and ratio */
static void
model_ratio (const float *W, int bins, int components, const float *v,
    const float *h, float *wh, float *ratio)
{
  cblas_sgemv (CblasColMajor, CblasNoTrans, bins, components, 1.0f, W, bins,
      h, 1, 0.0f, wh, 1);
  for (int f = 0; f < bins; f++) {
    float m = wh[f] > NMF_KL_MODEL_FLOOR ? wh[f] : NMF_KL_MODEL_FLOOR;
    ratio[f] = v[f] / m;
  }
}

void
nmf_kl_update_activations (const float *W, const float *colsum, int bins,
    int components, const float *v, float *h, int iterations, float *scratch)
{
  float *wh = scratch;
  float *ratio = scratch + bins;
  float *grad = scratch + 2 * (size_t) bins;
  float floor_h = (float) (nmf_kl_frame_mass (v, bins) / bins)
      * NMF_KL_ACTIVATION_FLOOR;

  if (!(floor_h > NMF_KL_MODEL_FLOOR))
    floor_h = NMF_KL_MODEL_FLOOR;
  for (int it = 0; it < iterations; it++) {
    model_ratio (W, bins, components, v, h, wh, ratio);
    /* grad = W^T (v / Wh); h <- h * grad / (W^T 1) */
    cblas_sgemv (CblasColMajor, CblasTrans, bins, components, 1.0f, W, bins,
        ratio, 1, 0.0f, grad, 1);
    for (int k = 0; k < components; k++) {
      float x = h[k] * grad[k] / colsum[k];
      h[k] = x > floor_h ? x : floor_h;
    }
  }
}

double
nmf_kl_divergence (const float *W, int bins, int components, const float *v,
    const float *h)
{
  double d = 0.0;

  for (int f = 0; f < bins; f++) {
    double m = 0.0;
    for (int k = 0; k < components; k++)
      m += (double) W[(size_t) k * bins + f] * h[k];
    if (v[f] > 0.0f)
      d += v[f] * log (v[f] / m) - v[f] + m;
    else
      d += m;
  }
  return d;
}
