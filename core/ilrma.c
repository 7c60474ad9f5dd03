/* Batch ILRMA over a block of frames (ilrma.h). */
#include "ilrma.h"

#include "rng.h"

#include <nmf/error.h>

#include <complex.h>
#include <lapacke.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAXC NMF_ILRMA_MAX_CHANNELS
/* the reference's floor on variances and powers */
#define EPS 1e-12f

struct nmf_ilrma
{
  int M, F, cap, K, T;
  int powers_fresh;             /* P is the demixing's in force */
  /* the iteration under way (nmf_ilrma_iterate_within): its stage, the
   * source and the next bin, the outputs' power sums; the work done */
  int stage, source, bin;
  double sums[MAXC];
  long long work;
  uint64_t seed;
  float *X;                     /* F x M x 2 x cap: the block, per bin,
                                 * each channel's real and imaginary parts
                                 * a row over the frames (the loops over
                                 * the frames vectorize) */
  float *P;                     /* M x F x cap: the outputs' powers */
  float *Tm;                    /* M x F x K: the factorizations' bases */
  float *Vm;                    /* M x K x cap: and activations */
  float *num, *den;             /* K x cap: the activations' update */
  float *row_inv, *row_q, *row_a;       /* cap: scratch rows */
  double complex *W;            /* F x M x M: demixing, row s source s */
  double complex *A;            /* F x M x M: projection back */
  double *power;                /* M x F: each output's power over the
                                 * block (nmf_ilrma_finish) */
  double *scan_weight, *scan_phase;     /* F: the delay scan's */
  double *proj;                 /* M x M x M x 2 x F: A(:, s) W(s, :) */
  double *image_row;            /* 2 x F: one image, summed in double */
  float *image_energy;          /* M x F: the images' scratch */
};

int
nmf_ilrma_create (nmf_ilrma ** out, int channels, int bins, int frames,
    int bases, uint64_t seed)
{
  nmf_ilrma *il;

  *out = NULL;
  if (channels < 2 || channels > MAXC || bins < 2 || frames < 1
      || bases < 1 || bases > NMF_ILRMA_MAX_BASES)
    return NMF_ERR_INVALID_ARGUMENT;
  if (!(il = calloc (1, sizeof (*il))))
    return NMF_ERR_NO_MEMORY;
  const size_t M = channels, F = bins, T = frames, K = bases;
  il->M = channels;
  il->F = bins;
  il->cap = frames;
  il->K = bases;
  il->seed = seed;
  il->X = malloc (sizeof (float) * F * T * M * 2);
  il->P = malloc (sizeof (float) * M * F * T);
  il->Tm = malloc (sizeof (float) * M * F * K);
  il->Vm = malloc (sizeof (float) * M * K * T);
  il->row_inv = malloc (sizeof (float) * T);
  il->row_q = malloc (sizeof (float) * T);
  il->row_a = malloc (sizeof (float) * T);
  il->num = malloc (sizeof (float) * K * T);
  il->den = malloc (sizeof (float) * K * T);
  il->W = malloc (sizeof (double complex) * F * M * M);
  il->A = malloc (sizeof (double complex) * F * M * M);
  il->power = malloc (sizeof (double) * M * F);
  il->scan_weight = malloc (sizeof (double) * F);
  il->scan_phase = malloc (sizeof (double) * F);
  il->proj = malloc (sizeof (double) * M * M * M * 2 * F);
  il->image_row = malloc (sizeof (double) * 2 * F);
  il->image_energy = malloc (sizeof (float) * M * F);
  if (!il->X || !il->P || !il->row_inv || !il->row_q || !il->row_a
      || !il->Tm || !il->Vm
      || !il->num || !il->den || !il->W || !il->A || !il->power
      || !il->scan_weight || !il->scan_phase || !il->proj
      || !il->image_energy || !il->image_row) {
    nmf_ilrma_destroy (&il);
    return NMF_ERR_NO_MEMORY;
  }
  nmf_ilrma_reset (il);
  *out = il;
  return NMF_OK;
}

void
nmf_ilrma_destroy (nmf_ilrma ** ilp)
{
  nmf_ilrma *il = *ilp;

  if (!il)
    return;
  free (il->X);
  free (il->P);
  free (il->Tm);
  free (il->Vm);
  free (il->row_inv);
  free (il->row_q);
  free (il->row_a);
  free (il->num);
  free (il->den);
  free (il->W);
  free (il->A);
  free (il->power);
  free (il->scan_weight);
  free (il->scan_phase);
  free (il->proj);
  free (il->image_row);
  free (il->image_energy);
  free (il);
  *ilp = NULL;
}

void
nmf_ilrma_reset (nmf_ilrma * il)
{
  const int M = il->M, F = il->F, K = il->K, T = il->cap;
  nmf_xrng g;

  il->T = 0;
  il->powers_fresh = 0;
  il->stage = il->source = il->bin = 0;
  il->work = 0;
  for (int f = 0; f < F; f++)
    for (int i = 0; i < M; i++)
      for (int j = 0; j < M; j++) {
        il->W[((size_t) f * M + i) * M + j] = i == j;
        il->A[((size_t) f * M + i) * M + j] = i == j;
      }
  /* as the reference: every entry uniform in [0.1, 1) */
  nmf_xrng_seed (&g, il->seed);
  for (size_t i = 0; i < (size_t) M * F * K; i++)
    il->Tm[i] = (float) (0.1 + 0.9 * nmf_xrng_uniform (&g));
  for (size_t i = 0; i < (size_t) M * K * T; i++)
    il->Vm[i] = (float) (0.1 + 0.9 * nmf_xrng_uniform (&g));
  memset (il->power, 0, sizeof (double) * M * F);
}

int
nmf_ilrma_add_frame (nmf_ilrma * il, const float *spectra)
{
  const int M = il->M, F = il->F, t = il->T;

  if (t >= il->cap)
    return t;
  for (int m = 0; m < M; m++) {
    const float *x = spectra + (size_t) m * 2 * F;
    for (int f = 0; f < F; f++) {
      float *d = il->X + ((size_t) f * M + m) * 2 * il->cap + t;
      d[0] = x[2 * f];
      d[il->cap] = x[2 * f + 1];
    }
  }
  /* an iteration under way starts again on the frames held */
  il->powers_fresh = 0;
  il->stage = il->source = il->bin = 0;
  return ++il->T;
}

int
nmf_ilrma_frames (const nmf_ilrma * il)
{
  return il->T;
}

int
nmf_ilrma_capacity (const nmf_ilrma * il)
{
  return il->cap;
}

/* re + i im: C11's CMPLX, which clang 14 with glibc does not define (a
 * complex number is an array of its two parts) */
static inline double complex
complex_of (double re, double im)
{
  double complex z;
  double *parts = (double *) &z;
  parts[0] = re;
  parts[1] = im;
  return z;
}

/* Built for AVX2 and for the baseline ISA, chosen at load time, as
 * kl_kernels.c's kernels (no FMA: the products round as before). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define NMF_CLONES __attribute__ ((target_clones ("avx2", "default")))
#else
#define NMF_CLONES
#endif
typedef float v4f __attribute__ ((vector_size (4 * sizeof (float)),
        aligned (4)));
typedef double v4d __attribute__ ((vector_size (4 * sizeof (double))));

/* sum_t a[t] b[t] in four partial sums (one would be a chain of
 * dependent additions), in double: a source silent for a while has
 * weights 1 / R of 10^12 there, which float sums lose the rest to.  Lane
 * j of a vector is partial sum j: the same sums, bit for bit, as one
 * scalar loop, the tail into the first. */
#define SUM_LANES(s) (((s)[0] + (s)[1]) + ((s)[2] + (s)[3]))
#define PRODUCT(a, b, t) __builtin_convertvector (*(const v4f *) ((a) + (t)) \
    * *(const v4f *) ((b) + (t)), v4d)

/* ab = sum_t a[t] b[t] and cb = sum_t c[t] b[t] in one pass */
NMF_CLONES static void
dot2 (const float *a, const float *c, const float *b, int n, double *ab,
    double *cb)
{
  v4d s = { 0 }, u = { 0 };
  int t = 0;
  for (; t + 4 <= n; t += 4) {
    s += PRODUCT (a, b, t);
    u += PRODUCT (c, b, t);
  }
  for (; t < n; t++) {
    s[0] += (double) (a[t] * b[t]);
    u[0] += (double) (c[t] * b[t]);
  }
  *ab = SUM_LANES (s);
  *cb = SUM_LANES (u);
}

/* The cross-term of two channels over the frames, sum_t a conj (y) for
 * a = x_i / R: re = ar.yr + ai.yi, im = ai.yr - ar.yi, its four sums in
 * one pass (im is 0 on the diagonal: only re) */
NMF_CLONES static void
cross (const float *ar, const float *ai, const float *yr, const float *yi,
    int n, double *re, double *im)
{
  v4d rr = { 0 }, ii = { 0 }, ir = { 0 }, ri = { 0 };
  int t = 0;
  for (; t + 4 <= n; t += 4) {
    rr += PRODUCT (ar, yr, t);
    ii += PRODUCT (ai, yi, t);
    if (im) {
      ir += PRODUCT (ai, yr, t);
      ri += PRODUCT (ar, yi, t);
    }
  }
  for (; t < n; t++) {
    rr[0] += (double) (ar[t] * yr[t]);
    ii[0] += (double) (ai[t] * yi[t]);
    if (im) {
      ir[0] += (double) (ai[t] * yr[t]);
      ri[0] += (double) (ar[t] * yi[t]);
    }
  }
  *re = SUM_LANES (rr) + SUM_LANES (ii);
  if (im)
    *im = SUM_LANES (ir) - SUM_LANES (ri);
}

/* inv[t] = 1 / max (T_s V_s, EPS) at bin f for every frame, and with P
 * (may be NULL) q[t] = P inv^2: one pass over the frames, eight at a time,
 * each value's operations in the order of one loop per step */
typedef float v8f __attribute__ ((vector_size (8 * sizeof (float)),
        aligned (4)));
typedef int v8i __attribute__ ((vector_size (8 * sizeof (int))));

NMF_CLONES static void
model_row (const nmf_ilrma * il, const float *Tf, const float *Vs,
    const float *P, float *inv, float *q)
{
  const int T = il->T, K = il->K, cap = il->cap;
  const v8f eps = { EPS, EPS, EPS, EPS, EPS, EPS, EPS, EPS };
  int t = 0;

  for (; t + 8 <= T; t += 8) {
    v8f m = Tf[0] * *(const v8f *) (Vs + t);
    for (int k = 1; k < K; k++)
      m += Tf[k] * *(const v8f *) (Vs + (size_t) k * cap + t);
    /* max (m, EPS), EPS for a NaN */
    const v8i above = m > eps;
    m = (v8f) ((above & (v8i) m) | (~above & (v8i) eps));
    const v8f r = 1.0f / m;
    *(v8f *) (inv + t) = r;
    if (P)
      *(v8f *) (q + t) = *(const v8f *) (P + t) * r * r;
  }
  for (; t < T; t++) {
    float m = Tf[0] * Vs[t];
    for (int k = 1; k < K; k++)
      m += Tf[k] * Vs[(size_t) k * cap + t];
    inv[t] = 1.0f / (m > EPS ? m : EPS);
    if (P)
      q[t] = P[t] * inv[t] * inv[t];
  }
}

/* P_s(f, t) = |y_s|^2 at bin f for every source, and with sums (may be
 * NULL) sums[s] += sum_t P_s(f, t): y_s = sum_m w_sm x_m summed in one
 * pass, eight frames at a time, each value's operations in the order of
 * one loop per channel */
static float sum_row (const float *a, int n);

NMF_CLONES static void
powers_bin (nmf_ilrma * il, int f, double *sums)
{
  const int M = il->M, F = il->F, T = il->T, cap = il->cap;
  const double complex *Wf = il->W + (size_t) f * M * M;
  const float *X = il->X + (size_t) f * M * 2 * cap;

  for (int s = 0; s < M; s++) {
    float wr[MAXC], wi[MAXC];
    float *P = il->P + ((size_t) s * F + f) * cap;
    int t = 0;
    for (int m = 0; m < M; m++) {
      wr[m] = (float) creal (Wf[s * M + m]);
      wi[m] = (float) cimag (Wf[s * M + m]);
    }
    for (; t + 8 <= T; t += 8) {
      v8f yr = { 0 }, yi = { 0 };
      for (int m = 0; m < M; m++) {
        const v8f xr = *(const v8f *) (X + (size_t) m * 2 * cap + t);
        const v8f xi = *(const v8f *) (X + (size_t) m * 2 * cap + cap + t);
        yr += wr[m] * xr - wi[m] * xi;
        yi += wr[m] * xi + wi[m] * xr;
      }
      *(v8f *) (P + t) = yr * yr + yi * yi;
    }
    for (; t < T; t++) {
      float yr = 0.0f, yi = 0.0f;
      for (int m = 0; m < M; m++) {
        const float xr = X[(size_t) m * 2 * cap + t];
        const float xi = X[(size_t) m * 2 * cap + cap + t];
        yr += wr[m] * xr - wi[m] * xi;
        yi += wr[m] * xi + wi[m] * xr;
      }
      P[t] = yr * yr + yi * yi;
    }
    if (sums)
      sums[s] += sum_row (P, T);
  }
}

static void
update_powers (nmf_ilrma * il)
{
  for (int f = 0; f < il->F; f++)
    powers_bin (il, f, NULL);
}

/* sum_t a[t], in eight partial sums */
static float
sum_row (const float *a, int n)
{
  float part[8] = { 0 };
  int t = 0;
  for (; t + 8 <= n; t += 8)
    for (int j = 0; j < 8; j++)
      part[j] += a[t + j];
  for (; t < n; t++)
    part[0] += a[t];
  return ((part[0] + part[1]) + (part[2] + part[3]))
      + ((part[4] + part[5]) + (part[6] + part[7]));
}

/* The IS multiplicative updates of source s's bases, then activations,
 * x *= sqrt (num / den) as the reference (the factorizations are rank 4: a
 * matrix product library gains nothing, and its threads spin).  At bin f
 * (fact_bin, the bins in order): its bases, with the model computed on
 * the way, then its terms of the activations' update; once every bin's
 * are in, the activations (fact_end). */
NMF_CLONES static void
fact_bin (nmf_ilrma * il, int s, int f)
{
  const int F = il->F, T = il->T, K = il->K, cap = il->cap;
  float *Tf = il->Tm + ((size_t) s * F + f) * K;
  const float *Vs = il->Vm + (size_t) s * K * cap;
  const float *P = il->P + ((size_t) s * F + f) * cap;
  float *inv = il->row_inv, *q = il->row_q;

  if (f == 0) {
    memset (il->num, 0, sizeof (float) * K * T);
    memset (il->den, 0, sizeof (float) * K * T);
  }
  model_row (il, Tf, Vs, P, inv, q);
  for (int k = 0; k < K; k++) {
    double qv, iv;
    dot2 (q, inv, Vs + (size_t) k * cap, T, &qv, &iv);
    const float v = Tf[k] * sqrtf (qv / iv);
    Tf[k] = v > EPS ? v : EPS;
  }
  model_row (il, Tf, Vs, P, inv, q);
  for (int k = 0; k < K; k++) {
    float *nk = il->num + (size_t) k * T, *dk = il->den + (size_t) k * T;
    const float tk = Tf[k];
    for (int t = 0; t < T; t++) {
      nk[t] += q[t] * tk;
      dk[t] += inv[t] * tk;
    }
  }
}

static void
fact_end (nmf_ilrma * il, int s)
{
  const int T = il->T, K = il->K, cap = il->cap;
  float *Vs = il->Vm + (size_t) s * K * cap;
  const float *num = il->num, *den = il->den;

  for (int k = 0; k < K; k++)
    for (int t = 0; t < T; t++) {
      float v = Vs[(size_t) k * cap + t]
          * sqrtf (num[(size_t) k * T + t] / den[(size_t) k * T + t]);
      Vs[(size_t) k * cap + t] = v > EPS ? v : EPS;
    }
}

/* B = G^-1 B for the n x n complex G (row-major, destroyed) and B
 * column-major n x nrhs, by LAPACK's LU (the _work entry points allocate
 * nothing): to LAPACK the rows are G^T's columns, hence the transposed
 * solve.  0 when singular, a pivot below 1e-300 counting as zero. */
static int
solve (double complex *G, int n, double complex *B, int nrhs)
{
  lapack_int ipiv[MAXC];

  if (LAPACKE_zgetrf_work (LAPACK_COL_MAJOR, n, n, G, n, ipiv) != 0)
    return 0;
  for (int k = 0; k < n; k++)
    if (!(cabs (G[k * n + k]) > 1e-300))
      return 0;
  /* a column at a time: OpenBLAS (0.3.21) hands a solve of several to its
   * threads, whose wake-up costs far more than the solve */
  for (int c = 0; c < nrhs; c++)
    if (LAPACKE_zgetrs_work (LAPACK_COL_MAJOR, 'T', n, 1, G, n, ipiv,
            B + (size_t) c * n, n) != 0)
      return 0;
  return 1;
}

/* Iterative projection of row s at bin f: U = mean_t x x^H / R,
 * w = (W U)^-1 e_s scaled to w^H U w = 1, W[s, :] = w^H. */
NMF_CLONES static void
demix_bin (nmf_ilrma * il, int s, int f)
{
  const int M = il->M, F = il->F, T = il->T, K = il->K, cap = il->cap;
  double complex U[MAXC * MAXC], G[MAXC * MAXC], w[MAXC];
  double ur[MAXC * MAXC], ui[MAXC * MAXC];
  const float *Tf = il->Tm + ((size_t) s * F + f) * K;
  const float *Vs = il->Vm + (size_t) s * K * cap;
  const float *X = il->X + (size_t) f * M * 2 * cap;
  float *q = il->row_inv, *ar = il->row_q, *ai = il->row_a;
  model_row (il, Tf, Vs, NULL, q, NULL);
  for (int i = 0; i < M; i++) {
    const float *xr = X + (size_t) i * 2 * cap, *xi = xr + cap;
    for (int t = 0; t < T; t++) {
      ar[t] = xr[t] * q[t];
      ai[t] = xi[t] * q[t];
    }
    for (int j = i; j < M; j++) {
      /* sum_t x_i conj (x_j) / R */
      const float *yr = X + (size_t) j * 2 * cap, *yi = yr + cap;
      cross (ar, ai, yr, yi, T, ur + i * M + j, j > i ? ui + i * M + j
          : NULL);
    }
  }
  for (int i = 0; i < M; i++) {
    U[i * M + i] = ur[i * M + i] / T;
    for (int j = i + 1; j < M; j++) {
      U[i * M + j] = complex_of (ur[i * M + j] / T, ui[i * M + j] / T);
      U[j * M + i] = conj (U[i * M + j]);
    }
  }
  double complex *Wf = il->W + (size_t) f * M * M;
  for (int i = 0; i < M; i++)
    for (int j = 0; j < M; j++) {
      double complex v = 0.0;
      for (int k = 0; k < M; k++)
        v += Wf[i * M + k] * U[k * M + j];
      G[i * M + j] = v;
    }
  for (int i = 0; i < M; i++)
    w[i] = i == s;
  if (!solve (G, M, w, 1))
    return;                   /* a silent bin: W as it was */
  double den = 0.0;
  for (int i = 0; i < M; i++)
    for (int j = 0; j < M; j++)
      den += creal (conj (w[i]) * U[i * M + j] * w[j]);
  if (!(den > 1e-12))
    return;
  const double scale = 1.0 / sqrt (den);
  for (int m = 0; m < M; m++)
    Wf[s * M + m] = conj (w[m]) * scale;
}

/* The work of one bin's step of each stage, in passes over the block's
 * frames (a row of T values each: loads, products, sums), as the loops
 * above make them */
static long long
rows_fact (int K)
{
  /* two model rows (K + 2 each), the bases' sums (2 K), the terms (K) */
  return 2 * (K + 2) + 2 * K + K;
}

static long long
rows_demix (int M, int K)
{
  /* the model's row (K + 1), x_i / R (M), the pairs' four sums and the
   * diagonal's two */
  return K + 1 + M + 2 * (long long) M * (M - 1) + 2 * M;
}

static long long
rows_powers (int M, int summed)
{
  /* each output: M products and its power, and its sum */
  return (long long) M * (M + 1 + summed);
}

long long
nmf_ilrma_iteration_work (int channels, int bins, int frames, int bases)
{
  const long long M = channels, F = bins, T = frames, K = bases;

  /* each source's factorization (and its activations) and demixing
   * row, then the powers summed and the scale */
  return T * (F * (M * (rows_fact (K) + rows_demix (M, K))
          + rows_powers (M, 1) + M) + M * K);
}

long long
nmf_ilrma_step_work (int channels, int frames, int bases)
{
  const long long a = rows_demix (channels, bases), b = rows_fact (bases)
      + bases, c = rows_powers (channels, 1);
  return frames * (a > b ? (a > c ? a : c) : (b > c ? b : c));
}

long long
nmf_ilrma_fit_work (int channels, int bins, int frames, int bases,
    int iterations)
{
  /* and the powers of the first */
  return iterations * nmf_ilrma_iteration_work (channels, bins, frames,
      bases) + (long long) frames * bins * rows_powers (channels, 0);
}

/* The stages of an iteration, in order: the powers where the frames held
 * changed; for each source, its factorization over the bins then its
 * demixing row over the bins; the outputs' powers and their sums over
 * the bins; the scale over the bins. */
enum
{
  STAGE_POWERS_FIRST, STAGE_FACT, STAGE_DEMIX, STAGE_POWERS, STAGE_SCALE
};

int
nmf_ilrma_iterate_within (nmf_ilrma * il, long long *credit)
{
  const int M = il->M, F = il->F, T = il->T, K = il->K, cap = il->cap;

  if (T < 1)
    return 0;
  if (il->stage == STAGE_POWERS_FIRST && il->bin == 0 && il->powers_fresh)
    il->stage = STAGE_FACT;
  while (*credit > 0) {
    const int f = il->bin;
    long long rows;
    switch (il->stage) {
      case STAGE_POWERS_FIRST:
        powers_bin (il, f, NULL);
        rows = rows_powers (M, 0);
        break;
      case STAGE_FACT:
        fact_bin (il, il->source, f);
        rows = rows_fact (K);
        break;
      case STAGE_DEMIX:
        demix_bin (il, il->source, f);
        rows = rows_demix (M, K);
        break;
      case STAGE_POWERS:
        if (f == 0)
          for (int s = 0; s < M; s++)
            il->sums[s] = 0.0;
        powers_bin (il, f, il->sums);
        rows = rows_powers (M, 1);
        break;
      default:
        /* each output at unit mean power, its model alike: the scale the
         * demixing leaves free, held where the updates are well
         * conditioned */
        for (int s = 0; s < M; s++) {
          const double lam = sqrt (fmax (il->sums[s] / ((double) F * T),
                  1e-12));
          const float inv2 = (float) (1.0 / (lam * lam));
          float *P = il->P + ((size_t) s * F + f) * cap;
          float *Tf = il->Tm + ((size_t) s * F + f) * K;
          for (int m = 0; m < M; m++)
            il->W[((size_t) f * M + s) * M + m] /= lam;
          for (int t = 0; t < T; t++)
            P[t] *= inv2;
          for (int k = 0; k < K; k++)
            Tf[k] *= inv2;
        }
        rows = M;
        break;
    }
    *credit -= rows * T;
    il->work += rows * T;
    if (++il->bin < F)
      continue;
    /* the stage's last bin */
    il->bin = 0;
    switch (il->stage) {
      case STAGE_POWERS_FIRST:
        il->stage = STAGE_FACT;
        break;
      case STAGE_FACT:
        fact_end (il, il->source);
        *credit -= (long long) K * T;
        il->work += (long long) K * T;
        il->stage = STAGE_DEMIX;
        break;
      case STAGE_DEMIX:
        il->stage = ++il->source < M ? STAGE_FACT : STAGE_POWERS;
        break;
      case STAGE_POWERS:
        il->stage = STAGE_SCALE;
        break;
      default:
        il->powers_fresh = 1;
        il->source = 0;
        il->stage = STAGE_POWERS_FIRST;
        return 1;
    }
  }
  return 0;
}

void
nmf_ilrma_iterate (nmf_ilrma * il)
{
  long long credit = LLONG_MAX;

  nmf_ilrma_iterate_within (il, &credit);
}

long long
nmf_ilrma_work (const nmf_ilrma * il)
{
  return il->work;
}

static void update_projections (nmf_ilrma * il);

int
nmf_ilrma_finish (nmf_ilrma * il)
{
  const int M = il->M, F = il->F, T = il->T, cap = il->cap;
  int ok = 1;

  for (int f = 0; f < F; f++) {
    const double complex *Wf = il->W + (size_t) f * M * M;
    double complex *Af = il->A + (size_t) f * M * M;
    /* A = W^-1: the identity's columns solved for at once */
    double complex G[MAXC * MAXC], inv[MAXC * MAXC];
    memcpy (G, Wf, sizeof (double complex) * M * M);
    for (int c = 0; c < M; c++)
      for (int i = 0; i < M; i++)
        inv[c * M + i] = i == c;
    if (!solve (G, M, inv, M)) {
      ok = 0;
      continue;
    }
    for (int c = 0; c < M; c++)
      for (int i = 0; i < M; i++)
        Af[i * M + c] = inv[c * M + i];
  }
  update_powers (il);
  for (int s = 0; s < M; s++)
    for (int f = 0; f < F; f++) {
      const float *P = il->P + ((size_t) s * F + f) * cap;
      double sum = 0.0;
      for (int t = 0; t < T; t++)
        sum += P[t];
      il->power[(size_t) s * F + f] = sum;
    }
  update_projections (il);
  return ok;
}

/* steps of the delay scan per sample of delay */
#define DELAY_STEPS_PER_SAMPLE 4

double
nmf_ilrma_delay_fit (nmf_ilrma * il, double max_delay, double *delays)
{
  const int M = il->M, F = il->F;
  const double N = 2.0 * (F - 1);
  const int half = (int) ceil (max_delay * DELAY_STEPS_PER_SAMPLE);
  double least = 1.0, tau_of[MAXC][MAXC];
  int delayed = 0;

  for (int s = 0; s < M; s++)
    for (int m = 1; m < M; m++) {
      double best = -INFINITY, best_tau = 0.0, c0 = 0.0, total = 0.0;
      /* each bin's weight and phase */
      double *w = il->scan_weight, *phase = il->scan_phase;
      for (int f = 1; f < F; f++) {
        const double complex *Af = il->A + (size_t) f * M * M;
        const double complex a0 = Af[s], am = Af[m * M + s];
        w[f] = il->power[(size_t) s * F + f]
            * (creal (a0) * creal (a0) + cimag (a0) * cimag (a0));
        phase[f] = atan2 (cimag (am) * creal (a0) - creal (am) * cimag (a0),
            creal (am) * creal (a0) + cimag (am) * cimag (a0));
        total += w[f];
      }
      if (!(total > 0.0))
        return 0.0;             /* a silent output: nothing to judge */
      for (int step = -half; step <= half; step++) {
        const double tau = (double) step / DELAY_STEPS_PER_SAMPLE;
        double c = 0.0;
        for (int f = 1; f < F; f++)
          c += w[f] * cos (phase[f] + 2.0 * M_PI * f * tau / N);
        c /= total;
        if (step == 0)
          c0 = c;
        if (c > best) {
          best = c;
          best_tau = tau;
        }
      }
      /* a source within a sample of no delay (at broadside) has no
       * delay to fit: its phases must be flat, c(tau) itself */
      const double fit = fabs (best_tau) < 1.0 ? best
          : (best - c0) / fmax (1.0 - c0, 1e-12);
      if (fit < least)
        least = fit;
      if (fabs (best_tau) >= 1.0)
        delayed = 1;
      tau_of[s][m] = best_tau;
      if (m == 1 && delays)
        delays[s] = best_tau;
    }
  /* two sources within a sample of one delay to every channel are one
   * direction, which the demixing cannot split: a source silent through
   * the block leaves its output the other's remainder, at the other's
   * delay, and its images and the other's, nearly parallel, cancel each
   * other at many times the input once it plays */
  for (int s = 0; s < M; s++)
    for (int r = s + 1; r < M; r++) {
      int apart = 0;
      for (int m = 1; m < M; m++)
        apart |= fabs (tau_of[s][m] - tau_of[r][m]) >= 1.0;
      if (!apart)
        return 0.0;
    }
  /* no source with a delay: nothing says the demixing found direct paths
   * (flat phases fit a room's close microphones nearly as well: 0.98) */
  return delayed ? least : 0.0;
}

/* proj = A(:, s) W(s, :) at every bin, planar over the bins (the
 * images' loops run over the bins, which vectorize); in double: where the
 * sources' delays differ little (the lowest bins) A is near singular and
 * the products large, cancelling, and float cost a pad 0.3 dB */
static void
update_projections (nmf_ilrma * il)
{
  const int M = il->M, F = il->F;

  for (int s = 0; s < M; s++)
    for (int m = 0; m < M; m++)
      for (int k = 0; k < M; k++) {
        double *pr = il->proj + ((((size_t) s * M + m) * M + k) * 2) * F;
        double *pi = pr + F;
        for (int f = 0; f < F; f++) {
          const double complex a = il->A[((size_t) f * M + m) * M + s];
          const double complex w = il->W[((size_t) f * M + s) * M + k];
          pr[f] = creal (a) * creal (w) - cimag (a) * cimag (w);
          pi[f] = creal (a) * cimag (w) + cimag (a) * creal (w);
        }
      }
}

double
nmf_ilrma_images (nmf_ilrma * il, const float *spectra, float *images,
    float *shares)
{
  const int M = il->M, F = il->F;
  const size_t K = 2 * (size_t) F;
  float *e = il->image_energy;
  double part[4] = { 0.0 };

  /* every source but the last: A(:, s) W(s, :) x; the last is what they
   * leave of x, so that the images sum to it exactly (to float rounding,
   * however large the demixing's entries) */
  for (int s = 0; s < M; s++)
    for (int m = 0; m < M; m++) {
      float *d = images + ((size_t) s * M + m) * K;
      if (s == M - 1) {
        memcpy (d, spectra + (size_t) m * K, sizeof (float) * K);
        for (int r = 0; r < M - 1; r++) {
          const float *o = images + ((size_t) r * M + m) * K;
          for (size_t i = 0; i < K; i++)
            d[i] -= o[i];
        }
        continue;
      }
      double *row = il->image_row;
      for (int k = 0; k < M; k++) {
        const double *pr =
            il->proj + ((((size_t) s * M + m) * M + k) * 2) * F;
        const double *pi = pr + F;
        const float *x = spectra + (size_t) k * K;
        if (k == 0)
          for (int f = 0; f < F; f++) {
            row[2 * f] = pr[f] * x[2 * f] - pi[f] * x[2 * f + 1];
            row[2 * f + 1] = pr[f] * x[2 * f + 1] + pi[f] * x[2 * f];
          }
        else
          for (int f = 0; f < F; f++) {
            row[2 * f] += pr[f] * x[2 * f] - pi[f] * x[2 * f + 1];
            row[2 * f + 1] += pr[f] * x[2 * f + 1] + pi[f] * x[2 * f];
          }
      }
      for (size_t i = 0; i < K; i++)
        d[i] = (float) row[i];
    }
  /* each source's energy per bin, their total, the shares */
  for (int s = 0; s < M; s++) {
    float *es = e + (size_t) s * F;
    for (int m = 0; m < M; m++) {
      const float *d = images + ((size_t) s * M + m) * K;
      if (m == 0)
        for (int f = 0; f < F; f++)
          es[f] = d[2 * f] * d[2 * f] + d[2 * f + 1] * d[2 * f + 1];
      else
        for (int f = 0; f < F; f++)
          es[f] += d[2 * f] * d[2 * f] + d[2 * f + 1] * d[2 * f + 1];
    }
    int f = 0;
    for (; f + 4 <= F; f += 4)
      for (int j = 0; j < 4; j++)
        part[j] += es[f + j];
    for (; f < F; f++)
      part[0] += es[f];
  }
  if (shares)
    for (int f = 0; f < F; f++) {
      float total = 0.0f;
      for (int s = 0; s < M; s++)
        total += e[(size_t) s * F + f];
      for (int s = 0; s < M; s++)
        shares[(size_t) s * F + f] = total > 0.0f ?
            e[(size_t) s * F + f] / total : 1.0f / M;
    }
  return (part[0] + part[1]) + (part[2] + part[3]);
}

void
nmf_ilrma_positions (const nmf_ilrma * il, double *positions)
{
  const int M = il->M, F = il->F;

  for (int s = 0; s < M; s++) {
    double num = 0.0, den = 0.0;
    for (int f = 0; f < F; f++)
      for (int m = 0; m < M; m++) {
        const double complex a = il->A[((size_t) f * M + m) * M + s];
        const double e = il->power[(size_t) s * F + f]
            * creal (a * conj (a));
        num += e * (2.0 * m / (M - 1) - 1.0);
        den += e;
      }
    const double c = den > 0.0 ? num / den : 0.0;
    positions[s] = asin (c < -1.0 ? -1.0 : c > 1.0 ? 1.0 : c) * 2.0 / M_PI;
  }
}

void
nmf_ilrma_image_powers (const nmf_ilrma * il, double *power)
{
  const int M = il->M, F = il->F;

  for (int s = 0; s < M; s++)
    for (int f = 0; f < F; f++) {
      double a = 0.0;
      for (int m = 0; m < M; m++) {
        const double complex v = il->A[((size_t) f * M + m) * M + s];
        a += creal (v) * creal (v) + cimag (v) * cimag (v);
      }
      power[(size_t) s * F + f] = il->power[(size_t) s * F + f] * a;
    }
}

void
nmf_ilrma_permute (nmf_ilrma * il, const size_t *perm)
{
  const int M = il->M, F = il->F;
  double complex Wo[MAXC * MAXC], Ao[MAXC * MAXC];
  double p[MAXC];

  for (int f = 0; f < F; f++) {
    double complex *Wf = il->W + (size_t) f * M * M;
    double complex *Af = il->A + (size_t) f * M * M;
    memcpy (Wo, Wf, sizeof Wo[0] * M * M);
    memcpy (Ao, Af, sizeof Ao[0] * M * M);
    for (int o = 0; o < M; o++)
      for (int m = 0; m < M; m++) {
        Wf[o * M + m] = Wo[perm[o] * M + m];
        Af[m * M + o] = Ao[m * M + perm[o]];
      }
    for (int o = 0; o < M; o++)
      p[o] = il->power[(size_t) perm[o] * F + f];
    for (int o = 0; o < M; o++)
      il->power[(size_t) o * F + f] = p[o];
  }
  update_projections (il);
}
