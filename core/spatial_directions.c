/* The spatial masks of spatial.h, more sources than channels: each bin
 * goes to the sources by its direction across the channels, an online EM
 * of a mixture of directions (stereo: on a histogram of the pan angle). */
#include "spatial_private.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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
 * S-th of the pan range apart, as angles in pan order; returns how many
 * there are (fewer than S: not enough directions yet). */
int
nmf_spatial_hist_peaks (nmf_spatial * sp, double *theta, double *height)
{
  const int S = sp->S, guard = HIST_BINS / (2 * S);
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
      break;
    theta[found] = hist_angle (best);
    if (height)
      height[found] = sp->smooth[best];
    for (int d = -guard; d <= guard; d++)
      if (best + d >= 0 && best + d < HIST_BINS)
        sp->smooth[best + d] = 0.0;
  }
  for (int i = 1; i < found; i++)       /* left to right */
    for (int j = i; j > 0 && theta[j] < theta[j - 1]; j--) {
      double t = theta[j];
      theta[j] = theta[j - 1];
      theta[j - 1] = t;
      if (height) {
        t = height[j];
        height[j] = height[j - 1];
        height[j - 1] = t;
      }
    }
  return found;
}

int
nmf_spatial_peaks_counted (const double *height, int n, int *counted)
{
  double top = 0.0;
  int count = 0;

  for (int i = 0; i < n; i++)
    top = fmax (top, height[i]);
  for (int i = 0; i < n; i++) {
    const int counts = height[i] >= PEAK_SHARE * top;
    if (counted)
      counted[i] = counts;
    count += counts;
  }
  return count;
}

int
nmf_spatial_hist_sources (nmf_spatial * sp)
{
  double theta[NMF_SPATIAL_MAX_SOURCES], height[NMF_SPATIAL_MAX_SOURCES];
  const int n = nmf_spatial_hist_peaks (sp, theta, height);

  return nmf_spatial_peaks_counted (height, n, NULL);
}

/* Stereo, the directions in force: a peak of the histogram that no
 * direction is near, while two directions are on one (a source that began
 * after the take-over, or two directions the EM merged: two pads that
 * were one), takes one of the two. */
static void
hist_split (nmf_spatial * sp)
{
  const int S = sp->S;
  const double near = M_PI / 2.0 / (4 * S);
  double theta[NMF_SPATIAL_MAX_SOURCES], height[NMF_SPATIAL_MAX_SOURCES];
  double ang[NMF_SPATIAL_MAX_SOURCES];
  int counted[NMF_SPATIAL_MAX_SOURCES], lone = -1, merged = -1;

  if (nmf_spatial_hist_peaks (sp, theta, height) < S)
    return;
  nmf_spatial_peaks_counted (height, S, counted);
  for (int s = 0; s < S; s++)
    ang[s] = atan2 (fabs (sp->mu[2 * s + 1]), fabs (sp->mu[2 * s]));
  for (int i = 0; i < S && lone < 0; i++) {
    double d = M_PI;
    for (int s = 0; s < S; s++)
      d = fmin (d, fabs (theta[i] - ang[s]));
    if (d > near && counted[i])
      lone = i;
  }
  for (int s = 0; s < S && merged < 0; s++)
    for (int t = s + 1; t < S; t++)
      if (fabs (ang[s] - ang[t]) < near) {
        merged = t;
        break;
      }
  if (lone < 0 || merged < 0)
    return;
  sp->mu[2 * merged] = cos (theta[lone]);
  sp->mu[2 * merged + 1] = sin (theta[lone]);
}

/* Stereo: the sources' directions at the histogram's peaks. */
static void
hist_peaks (nmf_spatial * sp)
{
  double theta[NMF_SPATIAL_MAX_SOURCES];

  if (nmf_spatial_hist_peaks (sp, theta, NULL) < sp->S)
    return;                     /* not enough directions yet: keep them */
  for (int s = 0; s < sp->S; s++) {
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

/* Per frame and bin, so without atan2 or pow (they doubled the stereo
 * stage's CPU): the bin of the angle atan (|x1| / |x0|) is the first edge
 * whose tangent is above |x1| / |x0|, searched upwards from a lower bound
 * read from a table of |x1| / (|x0| + |x1|) (a binary search's unpredictable
 * branches took a tenth of the stereo path), and energy^0.5 a square
 * root. */
void
nmf_spatial_hist_update (nmf_spatial * sp, const float *spectra, double a)
{
  const int F = sp->F;
  const size_t chan = 2 * (size_t) F;
  const double power = sp->p.cluster_power, scale = (1.0 - a) / F;

  for (int b = 0; b < HIST_BINS; b++)
    sp->hist[b] *= a;
  for (int f = 0; f < F; f++) {
    const double l2 = (double) spectra[2 * f] * spectra[2 * f]
        + (double) spectra[2 * f + 1] * spectra[2 * f + 1];
    const double r2 = (double) spectra[chan + 2 * f] * spectra[chan + 2 * f]
        + (double) spectra[chan + 2 * f + 1] * spectra[chan + 2 * f + 1];
    const double e = l2 + r2, l = sqrt (l2), r = sqrt (r2);
    if (!(e > 1e-30))
      continue;
    /* the first edge whose tangent is above r / l (l = 0: the last bin) */
    const double t = r / (l + r);
    int lo = 0;
    /* (an infinite magnitude makes t NaN: searched from the first bin, as
     * the binary search did) */
    if (t >= 0.0)
      lo = sp->hist_start[t < 1.0 ? (int) (t * HIST_CELLS) : HIST_CELLS - 1];
    while (lo < HIST_BINS - 1 && r > sp->tan_edge[lo] * l)
      lo++;
    sp->hist[lo] += scale * (power == 0.5 ? sqrt (e) : pow (e, power));
  }
}

void
nmf_spatial_directions_reset (nmf_spatial * sp)
{
  const int M = sp->M, S = sp->S;

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
    /* every source a different start (with S > M, s * M / S gave two
     * sources the same one, and EM never tells them apart) */
    const int primary = s % M, round = s / M;
    for (int m = 0; m < M; m++)
      mu[m] = m == primary ? 1.0 : 0.1;
    if (round > 0)
      mu[(primary + round) % M] += 0.5 * round;
    for (int m = 0; m < M; m++)
      norm += mu[m] * mu[m];
    for (int m = 0; m < M; m++)
      mu[m] /= sqrt (norm);
  }
}

/* One frame of the online EM of the directions: statistics decayed by a,
 * each bin's direction weighted by its energy^power and its assignment
 * (stereo: into the histogram of directions). */
void
nmf_spatial_directions_update (nmf_spatial * sp, const float *spectra,
    double a)
{
  const int M = sp->M, S = sp->S, F = sp->F;
  double u[MAXC], e;

  if (M == 2) {
    nmf_spatial_hist_update (sp, spectra, a);
    if (sp->fit != NMF_SPATIAL_FITS)
      hist_peaks (sp);
    else
      hist_split (sp);
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
nmf_spatial_directions_permute (nmf_spatial * sp, const size_t *perm)
{
  const int M = sp->M, S = sp->S;
  double mu[NMF_SPATIAL_MAX_SOURCES * MAXC], N[NMF_SPATIAL_MAX_SOURCES * MAXC];
  memcpy (mu, sp->mu, sizeof (double) * S * M);
  memcpy (N, sp->N, sizeof (double) * S * M);
  for (int o = 0; o < S; o++) {
    memcpy (sp->mu + (size_t) o * M, mu + perm[o] * M, sizeof (double) * M);
    memcpy (sp->N + (size_t) o * M, N + perm[o] * M, sizeof (double) * M);
  }
}

void
nmf_spatial_directions_images (nmf_spatial * sp, const float *spectra,
    float *images, float *shares)
{
  const int M = sp->M, S = sp->S, F = sp->F;
  const size_t chan = 2 * (size_t) F, src = (size_t) M * chan;
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
}
