/* Two sources in stereo: the demixing started from the pans where the
 * bins' directions gather (the stereo histogram of spatial_directions.c),
 * and replaced from them when it strays. */
#include "spatial_private.h"

#include <math.h>

/* Two sources in stereo: the demixing from the mixing columns (cos, sin)
 * of pan angles theta[0], theta[1] (output s gets theta[s]). */
static void
seed_from_angles (nmf_spatial * sp, const double *theta)
{
  double A0[4];

  A0[0] = cos (theta[0]);
  A0[1] = cos (theta[1]);
  A0[2] = sin (theta[0]);
  A0[3] = sin (theta[1]);
  nmf_spatial_demix_seed (sp, A0);
  sp->stray_frames = 0;
}

/* A pan the demixing may be away from a peak of the histogram, and how
 * high the lower peak must be against the higher to count */
#define STRAY_PAN 0.05
/* how much less correlated the outputs from the peaks must be to replace
 * the demixing in force */
#define BETTER_BY 0.5

/* How correlated the two outputs of the 2 x 2 demixing W are in this
 * frame's bands: sum of their cross-powers squared over the sum of the
 * products of their powers (0: uncorrelated in every band, as
 * independent, non-stationary sources are once apart). */
static double
correlation (const nmf_spatial * sp, const double *W)
{
  double num = 0.0, den = 0.0;

  for (int b = 0; b < sp->B; b++) {
    const double *C = sp->Cb + (size_t) b * 4;
    double p[2][2];
    for (int i = 0; i < 2; i++)
      for (int j = 0; j < 2; j++)
        p[i][j] = W[i * 2] * (C[0] * W[j * 2] + C[1] * W[j * 2 + 1])
            + W[i * 2 + 1] * (C[2] * W[j * 2] + C[3] * W[j * 2 + 1]);
    num += p[0][1] * p[0][1];
    den += p[0][0] * p[1][1];
  }
  return den > 0.0 ? num / den : 0.0;
}

/* Two sources in stereo, once the demixing is in force: when a source's
 * direction has been more than STRAY_PAN away from the histogram's peak
 * that matches it for as long as a decision takes (a source that had not
 * played yet when the stage decided, a stream joined part-way in: the
 * demixing can settle there for good), a demixing from the two peaks is
 * weighed against it over those frames, and replaces it, each output
 * keeping its source (the nearer peak), if its outputs are clearly less
 * correlated.  (Where the sources overlap in most bins the peaks lie off
 * the pans and the demixing in force stays.) */
void
nmf_spatial_pans_follow (nmf_spatial * sp)
{
  double theta[2], height[2], pos[2], pan[2], Wc[4];

  if (nmf_spatial_hist_peaks (sp, theta, height) < 2
      || nmf_spatial_peaks_counted (height, 2, NULL) < 2) {
    sp->stray_frames = 0;
    return;
  }
  nmf_spatial_positions (sp, pos);
  for (int s = 0; s < 2; s++)
    pan[s] = theta[s] * 4.0 / M_PI - 1.0;
  const double straight = fmax (fabs (pos[0] - pan[0]), fabs (pos[1] -
          pan[1]));
  const double crossed = fmax (fabs (pos[0] - pan[1]), fabs (pos[1] -
          pan[0]));
  if (fmin (straight, crossed) <= STRAY_PAN) {
    sp->stray_frames = 0;
    return;
  }
  if (crossed < straight) {
    double t = theta[0];
    theta[0] = theta[1];
    theta[1] = t;
  }
  /* the candidate: rows of the inverse of the columns (cos, sin) */
  const double det = cos (theta[0]) * sin (theta[1]) - cos (theta[1]) *
      sin (theta[0]);
  if (fabs (det) < 1e-6)
    return;
  Wc[0] = sin (theta[1]) / det;
  Wc[1] = -cos (theta[1]) / det;
  Wc[2] = -sin (theta[0]) / det;
  Wc[3] = cos (theta[0]) / det;
  if (sp->stray_frames == 0)
    sp->stray_cost[0] = sp->stray_cost[1] = 0.0;
  sp->stray_cost[0] += correlation (sp, sp->W);
  sp->stray_cost[1] += correlation (sp, Wc);
  if (++sp->stray_frames < (uint64_t) sp->p.decision_frames)
    return;
  if (sp->stray_cost[1] < BETTER_BY * sp->stray_cost[0])
    seed_from_angles (sp, theta);
  sp->stray_frames = 0;
}

void
nmf_spatial_pans_seed (nmf_spatial * sp)
{
  double theta[2];

  if (nmf_spatial_hist_peaks (sp, theta, NULL) == 2)
    seed_from_angles (sp, theta);
}
