/* Why the streaming model's per-frame products are a fused kernel and not
 * two cblas_sgemv calls: both solve the same activations (15 multiplicative
 * updates of h for D(v || W h), W fixed, 1025 bins) for K components,
 * timed side by side in one process, CPU time of the whole process (OpenBLAS
 * threads included: from m n >= 9216 it runs sgemv on its thread pool, whose
 * idle threads spin).
 *   build/tests/kernel_bench [FRAMES] */
#include "bench_clock.h"
#include "kl_kernels.h"
#include "online_kl.h"

#include <stdio.h>
#include <stdlib.h>

int
main (int argc, char **argv)
{
  const int F = 1025, iterations = 15, ks[] = { 2, 4, 8, 16, 32 };
  int frames = argc > 1 ? atoi (argv[1]) : 4000;
  unsigned long long s = 1;
  float *v = malloc (sizeof (float) * F * 64);

  for (int i = 0; i < F * 64; i++) {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    v[i] = (float) ((s >> 40) / 16777216.0);
  }
  printf ("K   cblas_sgemv us/frame   fused us/frame   ratio\n");
  for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++) {
    int K = ks[i];
    nmf_online_kl *kl;
    float h[32], colsum[32], *scratch = malloc (sizeof (float) * (2 * F + K));
    nmf_online_kl_create (&kl, F, K, 258, iterations, 1);
    const float *W = nmf_online_kl_templates (kl);
    for (int k = 0; k < K; k++) {
      colsum[k] = 0;
      for (int f = 0; f < F; f++)
        colsum[k] += W[k * F + f];
    }
    /* the library: two matrix-vector products per update */
    double t0 = bench_cpu_seconds ();
    for (int n = 0; n < frames; n++) {
      for (int k = 0; k < K; k++)
        h[k] = 1.0f;
      nmf_kl_update_activations (W, colsum, F, K, v + F * (n % 64), h,
          iterations, scratch);
    }
    double t_blas = (bench_cpu_seconds () - t0) / frames * 1e6;
    /* the model's fused kernel (W fixed: activate does not learn) */
    t0 = bench_cpu_seconds ();
    for (int n = 0; n < frames; n++)
      nmf_online_kl_activate (kl, v + F * (n % 64), h);
    double t_fused = (bench_cpu_seconds () - t0) / frames * 1e6;
    printf ("%-3d %21.1f %16.1f %7.2f\n", K, t_blas, t_fused,
        t_blas / t_fused);
    nmf_online_kl_destroy (&kl);
    free (scratch);
  }
  free (v);
  return 0;
}
