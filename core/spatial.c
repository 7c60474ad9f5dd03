#include "spatial.h"

#include <nmf/error.h>

#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAXC NMF_SPATIAL_MAX_CHANNELS
#define HIST_BINS 128

struct nmf_spatial
{
  int M, S, F, B;
  nmf_spatial_params p;
  double alpha;
  int *band_of;                 /* F: the variance band of each bin */
  int *band_bins;               /* B */
  double *Cb;                   /* B x M x M: this frame, per band */
  double *V;                    /* S x M x M: weighted statistics */
  double C[MAXC * MAXC];        /* running channel covariance, per bin */
  double E[MAXC * MAXC];        /* S x M: the principal subspace */
  double Wz[MAXC * MAXC];       /* S x S: demixing in the subspace */
  double W[MAXC * MAXC];        /* S x M = Wz E */
  double A[MAXC * MAXC];        /* M x S: projection back */
  double eig_work[3 * MAXC + MAXC * MAXC + MAXC];
  /* more sources than channels: masks by each bin's direction */
  int clustering;
  double *mu;                   /* S x M: the sources' directions (unit) */
  double *N;                    /* S x M: their decayed statistics */
  double *g;                    /* S: scratch, a bin's assignments */
  /* stereo: the directions' decayed histogram over the pan angle, which
   * the sources' directions are found in (its peaks until the demixing
   * takes over, then EM on it) */
  double *hist;                 /* HIST_BINS */
  double *smooth;               /* HIST_BINS, scratch */
  double *R;                    /* F x M x M x 2: complex covariances,
                                 * summed until the decision */
  uint64_t frames;              /* frames with sound */
  uint64_t diverse_frames;      /* of them, the last in a row that span S
                                 * directions */
  nmf_spatial_fit fit;
  double imaginary;
};

void
nmf_spatial_params_init (nmf_spatial_params * p)
{
  /* measured on the spatial corpus (docs/experiments.md, 2026-12-06) */
  p->decision_frames = 43;      /* 0.5 s at 44.1 kHz, hop 512 */
  p->memory_frames = 400.0;
  p->bands = 16;
  p->max_imaginary = 0.15;
  p->min_diversity = 1e-4;
  p->kappa = 100.0;
  p->cluster_power = 0.5;
}

static void
update_demixing (nmf_spatial * sp);

void
nmf_spatial_reset (nmf_spatial * sp)
{
  const int M = sp->M, S = sp->S;

  memset (sp->C, 0, sizeof sp->C);
  memset (sp->V, 0, sizeof (double) * S * M * M);
  memset (sp->R, 0, sizeof (double) * sp->F * M * M * 2);
  sp->frames = 0;
  sp->diverse_frames = 0;
  sp->fit = NMF_SPATIAL_UNDECIDED;
  sp->imaginary = 0.0;
  if (sp->clustering) {
    /* the directions start spread over the channels: for stereo evenly
     * over the pan range, left to right */
    memset (sp->N, 0, sizeof (double) * S * M);
    memset (sp->hist, 0, sizeof (double) * HIST_BINS);
    for (int s = 0; s < S; s++) {
      double *mu = sp->mu + (size_t) s * M, norm = 0.0;
      if (M == 2) {
        double t = (s + 0.5) / S * M_PI / 2.0;
        mu[0] = cos (t);
        mu[1] = sin (t);
        continue;
      }
      for (int m = 0; m < M; m++)
        mu[m] = m == s * M / S ? 1.0 : 0.1;
      for (int m = 0; m < M; m++)
        norm += mu[m] * mu[m];
      for (int m = 0; m < M; m++)
        mu[m] /= sqrt (norm);
    }
    return;
  }
  memset (sp->E, 0, sizeof sp->E);
  memset (sp->Wz, 0, sizeof sp->Wz);
  for (int s = 0; s < S; s++) {
    sp->E[s * M + s] = 1.0;
    sp->Wz[s * S + s] = 1.0;
  }
  update_demixing (sp);
}

int
nmf_spatial_create (nmf_spatial ** out, int channels, int sources, int bins,
    const nmf_spatial_params * params)
{
  nmf_spatial *sp;

  *out = NULL;
  if (channels < 2 || channels > MAXC || sources < 2
      || sources > NMF_SPATIAL_MAX_SOURCES || bins < 2 || !params
      || params->bands < 1 || !(params->kappa > 0.0)
      || params->memory_frames < 1.0 || params->decision_frames < 1)
    return NMF_ERR_INVALID_ARGUMENT;
  if (!(sp = calloc (1, sizeof (*sp))))
    return NMF_ERR_NO_MEMORY;
  sp->M = channels;
  sp->S = sources;
  sp->F = bins;
  sp->p = *params;
  sp->B = params->bands < bins ? params->bands : bins;
  sp->alpha = 1.0 - 1.0 / params->memory_frames;
  sp->band_of = calloc (bins, sizeof (int));
  sp->band_bins = calloc (sp->B, sizeof (int));
  sp->Cb = calloc ((size_t) sp->B * channels * channels, sizeof (double));
  sp->V = calloc ((size_t) sources * channels * channels, sizeof (double));
  sp->R = calloc ((size_t) bins * channels * channels * 2, sizeof (double));
  sp->clustering = sources > channels;
  sp->mu = calloc ((size_t) sources * channels, sizeof (double));
  sp->N = calloc ((size_t) sources * channels, sizeof (double));
  sp->g = calloc ((size_t) sources, sizeof (double));
  sp->hist = calloc (HIST_BINS, sizeof (double));
  sp->smooth = calloc (HIST_BINS, sizeof (double));
  if (!sp->band_of || !sp->band_bins || !sp->Cb || !sp->V || !sp->R
      || !sp->mu || !sp->N || !sp->g || !sp->hist || !sp->smooth) {
    nmf_spatial_destroy (&sp);
    return NMF_ERR_NO_MEMORY;
  }
  /* bands of equal width on a log-frequency scale from bin 1 up (bin 0
   * joins the first): the variance model follows the sources' spectral
   * envelopes at a resolution that does not depend on the FFT size */
  for (int f = 0; f < bins; f++) {
    double x = f < 1 ? 0.0 : log ((double) f) / log ((double) (bins - 1));
    int b = (int) (x * sp->B);
    if (b >= sp->B)
      b = sp->B - 1;
    sp->band_of[f] = b;
    sp->band_bins[b]++;
  }
  nmf_spatial_reset (sp);
  *out = sp;
  return NMF_OK;
}

void
nmf_spatial_destroy (nmf_spatial ** spp)
{
  if (!spp || !*spp)
    return;
  free ((*spp)->band_of);
  free ((*spp)->band_bins);
  free ((*spp)->Cb);
  free ((*spp)->V);
  free ((*spp)->R);
  free ((*spp)->mu);
  free ((*spp)->N);
  free ((*spp)->g);
  free ((*spp)->hist);
  free ((*spp)->smooth);
  free (*spp);
  *spp = NULL;
}

/* Eigen-decomposition of the symmetric n x n matrix a (overwritten by the
 * eigenvectors, column j the j-th, ascending eigenvalues in w). */
static int
symmetric_eigen (nmf_spatial * sp, double *a, int n, double *w)
{
  double *work = sp->eig_work;
  return LAPACKE_dsyev_work (LAPACK_COL_MAJOR, 'V', 'U', n, a, n, w, work,
      3 * MAXC) == 0;
}

/* x = G^-1 e_col for the n x n matrix G (destroyed), partial pivoting;
 * returns 0 when G is singular. */
static int
solve_unit (double *G, int n, int col, double *x)
{
  for (int i = 0; i < n; i++)
    x[i] = i == col ? 1.0 : 0.0;
  for (int k = 0; k < n; k++) {
    int piv = k;
    for (int i = k + 1; i < n; i++)
      if (fabs (G[i * n + k]) > fabs (G[piv * n + k]))
        piv = i;
    if (!(fabs (G[piv * n + k]) > 1e-300))
      return 0;
    if (piv != k) {
      for (int j = 0; j < n; j++) {
        double t = G[k * n + j];
        G[k * n + j] = G[piv * n + j];
        G[piv * n + j] = t;
      }
      double t = x[k];
      x[k] = x[piv];
      x[piv] = t;
    }
    for (int i = k + 1; i < n; i++) {
      double l = G[i * n + k] / G[k * n + k];
      for (int j = k; j < n; j++)
        G[i * n + j] -= l * G[k * n + j];
      x[i] -= l * x[k];
    }
  }
  for (int k = n - 1; k >= 0; k--) {
    double v = x[k];
    for (int j = k + 1; j < n; j++)
      v -= G[k * n + j] * x[j];
    x[k] = v / G[k * n + k];
  }
  return 1;
}

/* c (n x m) = a (n x k) times b (k x m), or times b^T when b is m x k
 * (row-major; the matrices here are at most 8 x 8). */
static void
mat_mul (const double *a, const double *b, int b_transposed, double *c,
    int n, int k, int m)
{
  for (int i = 0; i < n; i++)
    for (int j = 0; j < m; j++) {
      double v = 0.0;
      for (int l = 0; l < k; l++)
        v += a[i * k + l] * (b_transposed ? b[j * k + l] : b[l * m + j]);
      c[i * m + j] = v;
    }
}

/* W = Wz E, and A = C W^T (W C W^T)^-1 (W^-1 when S = M). */
static void
update_demixing (nmf_spatial * sp)
{
  const int M = sp->M, S = sp->S;
  double CWt[MAXC * MAXC], G[MAXC * MAXC], Gc[MAXC * MAXC], col[MAXC];

  mat_mul (sp->Wz, sp->E, 0, sp->W, S, S, M);
  /* before any sound C is zero: the projection of the start is W^T */
  int have_c = 0;
  for (int m = 0; m < M; m++)
    have_c |= sp->C[m * M + m] > 0.0;
  if (have_c)
    mat_mul (sp->C, sp->W, 1, CWt, M, M, S);
  else
    for (int m = 0; m < M; m++)
      for (int s = 0; s < S; s++)
        CWt[m * S + s] = sp->W[s * M + m];
  mat_mul (sp->W, CWt, 0, G, S, M, S);
  /* A = CWt G^-1: column k of G^-1 by a solve (G is S x S, S <= 8) */
  for (int k = 0; k < S; k++) {
    memcpy (Gc, G, sizeof (double) * S * S);
    if (!solve_unit (Gc, S, k, col))
      return;                   /* keep the projection in force */
    for (int m = 0; m < M; m++) {
      double v = 0.0;
      for (int j = 0; j < S; j++)
        v += CWt[m * S + j] * col[j];
      sp->A[m * S + k] = v;
    }
  }
}

/* The principal S-dimensional subspace of C, each vector's sign kept
 * from the previous one so that Wz keeps its meaning. */
static void
update_subspace (nmf_spatial * sp)
{
  const int M = sp->M, S = sp->S;
  double a[MAXC * MAXC], w[MAXC];

  memcpy (a, sp->C, sizeof (double) * M * M);
  if (!symmetric_eigen (sp, a, M, w))
    return;
  for (int s = 0; s < S; s++) {
    const double *v = a + (size_t) (M - 1 - s) * M;
    double dot = 0.0;
    for (int m = 0; m < M; m++)
      dot += v[m] * sp->E[s * M + m];
    for (int m = 0; m < M; m++)
      sp->E[s * M + m] = dot < 0.0 ? -v[m] : v[m];
  }
}

/* lambda_S / lambda_1 of the channel covariance: do the channels carry
 * S directions? */
static double
diversity (nmf_spatial * sp)
{
  const int M = sp->M, D = sp->S < M ? sp->S : M;
  double a[MAXC * MAXC], w[MAXC];

  memcpy (a, sp->C, sizeof (double) * M * M);
  return symmetric_eigen (sp, a, M, w) && w[M - 1] > 0.0 ?
      w[M - D] / w[M - 1] : 0.0;
}

static void
decide (nmf_spatial * sp)
{
  const int M = sp->M, F = sp->F;
  const double *R = sp->R;
  double emax = 0.0, sum = 0.0;
  int counted = 0;

  for (int f = 0; f < F; f++) {
    double e = 0.0;
    for (int m = 0; m < M; m++)
      e += R[(((size_t) f * M + m) * M + m) * 2];
    if (e > emax)
      emax = e;
  }
  for (int f = 0; f < F; f++) {
    const double *Rf = R + (size_t) f * M * M * 2;
    double e = 0.0, im = 0.0;
    for (int m = 0; m < M; m++)
      e += Rf[(m * M + m) * 2];
    if (!(e > 1e-6 * emax))
      continue;
    for (int m = 0; m < M; m++)
      for (int n = m + 1; n < M; n++) {
        double d = sqrt (Rf[(m * M + m) * 2] * Rf[(n * M + n) * 2]);
        if (d > 0.0)
          im += fabs (Rf[(m * M + n) * 2 + 1]) / d;
      }
    sum += im / (M * (M - 1) / 2);
    counted++;
  }
  sp->imaginary = counted ? sum / counted : 0.0;
  /* a panned mix whose sources have all been heard is demixed at once;
   * one still waiting for a source, see nmf_spatial_update */
  if (sp->imaginary > sp->p.max_imaginary)
    sp->fit = NMF_SPATIAL_NOT_INSTANTANEOUS;
  else if (diversity (sp) >= sp->p.min_diversity)
    sp->fit = NMF_SPATIAL_FITS;
  else
    sp->fit = NMF_SPATIAL_NOT_DIVERSE;
}

/* Bin f's direction u = |x| / ||x|| (M values) and its energy ||x||^2;
 * returns 0 for a silent bin. */
static int
bin_direction (const nmf_spatial * sp, const float *spectra, int f,
    double *u, double *energy)
{
  const int M = sp->M, F = sp->F;
  double e = 0.0;

  for (int m = 0; m < M; m++) {
    const double xr = spectra[(size_t) m * 2 * F + 2 * f];
    const double xi = spectra[(size_t) m * 2 * F + 2 * f + 1];
    u[m] = sqrt (xr * xr + xi * xi);
    e += u[m] * u[m];
  }
  if (!(e > 1e-30))
    return 0;
  const double norm = sqrt (e);
  for (int m = 0; m < M; m++)
    u[m] /= norm;
  *energy = e;
  return 1;
}

/* The soft assignment of direction u to the sources: a softmax of
 * kappa u . mu_s (a mixture of von Mises-Fisher directions of one
 * concentration), into sp->g. */
static void
assign (nmf_spatial * sp, const double *u)
{
  const int M = sp->M, S = sp->S;
  double top = -1e300, total = 0.0;

  for (int s = 0; s < S; s++) {
    double d = 0.0;
    for (int m = 0; m < M; m++)
      d += sp->mu[(size_t) s * M + m] * u[m];
    sp->g[s] = sp->p.kappa * d;
    if (sp->g[s] > top)
      top = sp->g[s];
  }
  for (int s = 0; s < S; s++)
    total += (sp->g[s] = exp (sp->g[s] - top));
  for (int s = 0; s < S; s++)
    sp->g[s] /= total;
}

static double
hist_angle (int b)
{
  return (b + 0.5) / HIST_BINS * M_PI / 2.0;
}

/* Stereo: the S highest peaks of the (smoothed) histogram, at least a
 * S-th of the pan range apart, as the sources' directions, in pan order. */
static void
hist_peaks (nmf_spatial * sp)
{
  const int S = sp->S, guard = HIST_BINS / (2 * S);
  double theta[NMF_SPATIAL_MAX_SOURCES];
  int found = 0;

  for (int b = 0; b < HIST_BINS; b++) {
    double v = 0.0;
    for (int d = -2; d <= 2; d++)
      if (b + d >= 0 && b + d < HIST_BINS)
        v += sp->hist[b + d] * (3 - abs (d));
    sp->smooth[b] = v;
  }
  for (; found < S; found++) {
    int best = -1;
    for (int b = 0; b < HIST_BINS; b++)
      if (sp->smooth[b] > 0.0 && (best < 0 || sp->smooth[b] > sp->smooth[best]))
        best = b;
    if (best < 0)
      return;                   /* not enough directions yet: keep them */
    theta[found] = hist_angle (best);
    for (int d = -guard; d <= guard; d++)
      if (best + d >= 0 && best + d < HIST_BINS)
        sp->smooth[best + d] = 0.0;
  }
  for (int i = 1; i < S; i++)   /* left to right */
    for (int j = i; j > 0 && theta[j] < theta[j - 1]; j--) {
      double t = theta[j];
      theta[j] = theta[j - 1];
      theta[j - 1] = t;
    }
  for (int s = 0; s < S; s++) {
    sp->mu[2 * s] = cos (theta[s]);
    sp->mu[2 * s + 1] = sin (theta[s]);
  }
}

/* Stereo: two EM iterations of the directions on the histogram. */
static void
hist_em (nmf_spatial * sp)
{
  const int S = sp->S;
  double c[NMF_SPATIAL_MAX_SOURCES], sn[NMF_SPATIAL_MAX_SOURCES];

  for (int it = 0; it < 2; it++) {
    memset (c, 0, sizeof c);
    memset (sn, 0, sizeof sn);
    for (int b = 0; b < HIST_BINS; b++) {
      if (!(sp->hist[b] > 0.0))
        continue;
      const double t = hist_angle (b), u[2] = { cos (t), sin (t) };
      assign (sp, u);
      for (int s = 0; s < S; s++) {
        c[s] += sp->hist[b] * sp->g[s] * u[0];
        sn[s] += sp->hist[b] * sp->g[s] * u[1];
      }
    }
    for (int s = 0; s < S; s++) {
      double norm = sqrt (c[s] * c[s] + sn[s] * sn[s]);
      if (norm > 0.0) {
        sp->mu[2 * s] = c[s] / norm;
        sp->mu[2 * s + 1] = sn[s] / norm;
      }
    }
  }
}

/* One frame of the online EM of the directions: statistics decayed by a,
 * each bin's direction weighted by its energy^power and its assignment
 * (stereo: into the histogram of directions). */
static void
cluster_update (nmf_spatial * sp, const float *spectra, double a)
{
  const int M = sp->M, S = sp->S, F = sp->F;
  double u[MAXC], e;

  if (M == 2) {
    for (int b = 0; b < HIST_BINS; b++)
      sp->hist[b] *= a;
    for (int f = 0; f < F; f++) {
      if (!bin_direction (sp, spectra, f, u, &e))
        continue;
      int b = (int) (atan2 (u[1], u[0]) / (M_PI / 2.0) * HIST_BINS);
      b = b < 0 ? 0 : b >= HIST_BINS ? HIST_BINS - 1 : b;
      sp->hist[b] += (1.0 - a) * pow (e, sp->p.cluster_power) / F;
    }
    if (sp->fit != NMF_SPATIAL_FITS)
      hist_peaks (sp);
    hist_em (sp);
    return;
  }

  for (int i = 0; i < S * M; i++)
    sp->N[i] *= a;
  for (int f = 0; f < F; f++) {
    if (!bin_direction (sp, spectra, f, u, &e))
      continue;
    assign (sp, u);
    const double w = (1.0 - a) * pow (e, sp->p.cluster_power) / F;
    for (int s = 0; s < S; s++)
      for (int m = 0; m < M; m++)
        sp->N[(size_t) s * M + m] += w * sp->g[s] * u[m];
  }
  for (int s = 0; s < S; s++) {
    double norm = 0.0;
    for (int m = 0; m < M; m++)
      norm += sp->N[(size_t) s * M + m] * sp->N[(size_t) s * M + m];
    if (norm > 0.0)
      for (int m = 0; m < M; m++)
        sp->mu[(size_t) s * M + m] = sp->N[(size_t) s * M + m] / sqrt (norm);
  }
}

void
nmf_spatial_update (nmf_spatial * sp, const float *spectra)
{
  const int M = sp->M, S = sp->S, F = sp->F, B = sp->B;
  const size_t MM = (size_t) M * M;

  if (sp->fit == NMF_SPATIAL_NOT_INSTANTANEOUS)
    return;

  /* this frame's covariance per band (upper triangle), and until the
   * decision every bin's complex one, x_m conj (x_n) */
  const int deciding = sp->fit == NMF_SPATIAL_UNDECIDED;
  memset (sp->Cb, 0, sizeof (double) * B * MM);
  for (int f = 0; f < F; f++) {
    double *Cb = sp->Cb + (size_t) sp->band_of[f] * MM;
    double *Rf = sp->R + (size_t) f * MM * 2;
    for (int m = 0; m < M; m++) {
      const double xr = spectra[(size_t) m * 2 * F + 2 * f];
      const double xi = spectra[(size_t) m * 2 * F + 2 * f + 1];
      for (int n = m; n < M; n++) {
        const double yr = spectra[(size_t) n * 2 * F + 2 * f];
        const double yi = spectra[(size_t) n * 2 * F + 2 * f + 1];
        const double re = xr * yr + xi * yi;
        Cb[m * M + n] += re;
        if (deciding) {
          Rf[(m * M + n) * 2] += re;
          Rf[(m * M + n) * 2 + 1] += xi * yr - xr * yi;
        }
      }
    }
  }
  double power = 0.0;
  for (int b = 0; b < B; b++)
    for (int m = 0; m < M; m++)
      power += sp->Cb[b * MM + m * M + m];
  if (!(power > 1e-20) || !isfinite (power))
    return;                     /* silence teaches nothing */
  for (int b = 0; b < B; b++)
    for (int m = 0; m < M; m++)
      for (int n = 0; n < m; n++)
        sp->Cb[b * MM + m * M + n] = sp->Cb[b * MM + n * M + m];

  /* a growing window first, then exponential forgetting */
  sp->frames++;
  double a = 1.0 - 1.0 / (double) sp->frames;
  if (a > sp->alpha)
    a = sp->alpha;
  for (size_t i = 0; i < MM; i++) {
    double v = 0.0;
    for (int b = 0; b < B; b++)
      v += sp->Cb[b * MM + i];
    sp->C[i] = a * sp->C[i] + (1.0 - a) * v / F;
  }

  if (deciding && sp->frames >= (uint64_t) sp->p.decision_frames)
    decide (sp);
  /* an instantaneous mix waits for its S directions (a source that has
   * not played yet) */
  if (sp->fit == NMF_SPATIAL_NOT_DIVERSE) {
    /* and lets the demixing learn them for as long as the decision took
     * before it takes over (a demixing that has just met a new direction
     * can be near singular there) */
    sp->diverse_frames = diversity (sp) >= sp->p.min_diversity ?
        sp->diverse_frames + 1 : 0;
    if (sp->diverse_frames >= (uint64_t) sp->p.decision_frames)
      sp->fit = NMF_SPATIAL_FITS;
  }

  if (sp->clustering) {
    cluster_update (sp, spectra, a);
    return;
  }
  if (S < M)
    update_subspace (sp);
  for (int s = 0; s < S; s++) {
    const double *w = sp->W + (size_t) s * M;
    double floor_power = 0.0;
    for (int m = 0; m < M; m++)
      for (int n = 0; n < M; n++)
        floor_power += w[m] * sp->C[m * M + n] * w[n];
    floor_power = 1e-6 * floor_power + 1e-30;
    double *V = sp->V + (size_t) s * MM;
    for (size_t i = 0; i < MM; i++)
      V[i] *= a;
    for (int b = 0; b < B; b++) {
      const double *Cb = sp->Cb + (size_t) b * MM;
      double r = 0.0;
      for (int m = 0; m < M; m++)
        for (int n = 0; n < M; n++)
          r += w[m] * Cb[m * M + n] * w[n];
      r = r / sp->band_bins[b];
      if (r < floor_power)
        r = floor_power;
      const double g = (1.0 - a) / (r * F);
      for (size_t i = 0; i < MM; i++)
        V[i] += g * Cb[i];
    }
  }

  /* one sweep of iterative projection in the subspace */
  for (int s = 0; s < S; s++) {
    const double *V = sp->V + (size_t) s * MM;
    double Vz[MAXC * MAXC], EV[MAXC * MAXC], G[MAXC * MAXC], u[MAXC];
    mat_mul (sp->E, V, 0, EV, S, M, M);
    mat_mul (EV, sp->E, 1, Vz, S, M, S);
    double trace = 0.0;
    for (int k = 0; k < S; k++)
      trace += Vz[k * S + k];
    /* a little diagonal loading keeps a source that has not played yet
     * from making the system singular */
    for (int k = 0; k < S; k++)
      Vz[k * S + k] += 1e-9 * trace / S + 1e-300;
    mat_mul (sp->Wz, Vz, 0, G, S, S, S);
    if (!solve_unit (G, S, s, u))
      continue;
    double q = 0.0;
    for (int i = 0; i < S; i++)
      for (int j = 0; j < S; j++)
        q += u[i] * Vz[i * S + j] * u[j];
    if (!(q > 0.0) || !isfinite (q))
      continue;
    q = 1.0 / sqrt (q);
    for (int k = 0; k < S; k++)
      sp->Wz[s * S + k] = u[k] * q;
  }
  update_demixing (sp);
}

void
nmf_spatial_permute (nmf_spatial * sp, const size_t *perm)
{
  const int M = sp->M, S = sp->S;
  const size_t MM = (size_t) M * M;
  double Wz[MAXC * MAXC], V[MAXC * MAXC * MAXC];

  if (sp->clustering) {
    double mu[NMF_SPATIAL_MAX_SOURCES * MAXC], N[NMF_SPATIAL_MAX_SOURCES * MAXC];
    memcpy (mu, sp->mu, sizeof (double) * S * M);
    memcpy (N, sp->N, sizeof (double) * S * M);
    for (int o = 0; o < S; o++) {
      memcpy (sp->mu + (size_t) o * M, mu + perm[o] * M, sizeof (double) * M);
      memcpy (sp->N + (size_t) o * M, N + perm[o] * M, sizeof (double) * M);
    }
    return;
  }
  memcpy (Wz, sp->Wz, sizeof (double) * S * S);
  memcpy (V, sp->V, sizeof (double) * S * MM);
  for (int o = 0; o < S; o++) {
    memcpy (sp->Wz + (size_t) o * S, Wz + perm[o] * S, sizeof (double) * S);
    memcpy (sp->V + o * MM, V + perm[o] * MM, sizeof (double) * MM);
  }
  update_demixing (sp);
}

nmf_spatial_fit
nmf_spatial_get_fit (const nmf_spatial * sp)
{
  return sp->fit;
}

double
nmf_spatial_imaginary (const nmf_spatial * sp)
{
  return sp->imaginary;
}

const double *
nmf_spatial_demixing (const nmf_spatial * sp)
{
  return sp->W;
}

void
nmf_spatial_images (nmf_spatial * sp, const float *spectra, float *images,
    float *shares)
{
  const int M = sp->M, S = sp->S, F = sp->F;
  const size_t chan = 2 * (size_t) F, src = (size_t) M * chan;

  if (sp->clustering) {
    double u[MAXC], e;
    for (int f = 0; f < F; f++) {
      if (bin_direction (sp, spectra, f, u, &e))
        assign (sp, u);
      else
        for (int s = 0; s < S; s++)
          sp->g[s] = 1.0 / S;
      for (int s = 0; s < S; s++) {
        const float g = (float) sp->g[s];
        for (int m = 0; m < M; m++) {
          float *img = images + s * src + m * chan;
          img[2 * f] = g * spectra[m * chan + 2 * f];
          img[2 * f + 1] = g * spectra[m * chan + 2 * f + 1];
        }
        if (shares)
          shares[(size_t) s * F + f] = g;
      }
    }
    return;
  }
  for (int f = 0; f < F; f++) {
    double yr[MAXC], yi[MAXC], e[MAXC], total = 0.0;
    for (int s = 0; s < S; s++) {
      double r = 0.0, i = 0.0;
      for (int m = 0; m < M; m++) {
        r += sp->W[s * M + m] * spectra[m * chan + 2 * f];
        i += sp->W[s * M + m] * spectra[m * chan + 2 * f + 1];
      }
      yr[s] = r;
      yi[s] = i;
      double a2 = 0.0;
      for (int m = 0; m < M; m++)
        a2 += sp->A[m * S + s] * sp->A[m * S + s];
      e[s] = a2 * (r * r + i * i);
      total += e[s];
    }
    for (int s = 0; s < S; s++)
      e[s] = total > 0.0 ? e[s] / total : 1.0 / S;
    for (int m = 0; m < M; m++) {
      double rr = spectra[m * chan + 2 * f], ri = spectra[m * chan + 2 * f + 1];
      for (int s = 0; s < S; s++) {
        rr -= sp->A[m * S + s] * yr[s];
        ri -= sp->A[m * S + s] * yi[s];
      }
      for (int s = 0; s < S; s++) {
        float *img = images + s * src + m * chan;
        img[2 * f] = (float) (sp->A[m * S + s] * yr[s] + e[s] * rr);
        img[2 * f + 1] = (float) (sp->A[m * S + s] * yi[s] + e[s] * ri);
      }
    }
    if (shares)
      for (int s = 0; s < S; s++)
        shares[(size_t) s * F + f] = (float) e[s];
  }
}

void
nmf_spatial_positions (const nmf_spatial * sp, double *positions)
{
  const int M = sp->M, S = sp->S;

  for (int s = 0; s < S; s++) {
    double num = 0.0, den = 0.0;
    for (int m = 0; m < M; m++) {
      double a = sp->clustering ? sp->mu[(size_t) s * M + m] : sp->A[m * S + s];
      double e = a * a;
      num += e * (2.0 * m / (M - 1) - 1.0);
      den += e;
    }
    /* asin maps a stereo centroid sin (p pi / 2) back to the pan p */
    double c = den > 0.0 ? num / den : 0.0;
    positions[s] = asin (c < -1.0 ? -1.0 : c > 1.0 ? 1.0 : c) * 2.0 / M_PI;
  }
}
