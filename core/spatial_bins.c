/* The demixing per bin of spatial.h: a mix the stage decided is not
 * instantaneous (delays, reverberation), or is while one source's own
 * coherence between the channels is complex (a source at broadside makes
 * a delay mix pass the instantaneous test), as many sources as channels,
 * is fitted once per stream by batch ILRMA (ilrma.h) on its first block of
 * frames with sound, and demixed that way for the rest of the stream when
 * each source's transfer between the microphones is then one delay: spaced
 * microphones with direct paths, where the demixing separates speech by
 * 10 - 30 dB more than the factorization; sparse instruments, whose bins
 * it permutes, and rooms fail the test and stay with the factorization
 * (docs/experiments.md, "Whether a per-frequency demixing worked"). */
#include "spatial_private.h"

#include "hungarian.h"

#include <nmf/error.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* the watch's values per source and bin: each channel's power, each
 * pair's cross-term (re, im) */
static size_t
watch_size (const nmf_spatial * sp)
{
  return (size_t) sp->S * sp->F * (sp->M + sp->M * (sp->M - 1));
}

/* a source's power at one bin in the watch (wf: its values there), the
 * sum over the channels */
static double
watch_power (const double *wf, int M)
{
  double e = 0.0;

  for (int m = 0; m < M; m++)
    e += wf[m];
  return e;
}

int
nmf_spatial_bins_create (nmf_spatial * sp)
{
  if (nmf_ilrma_create (&sp->bins, sp->M, sp->F, sp->p.block_frames, 4, 0)
      != NMF_OK
      || !(sp->watch = calloc (watch_size (sp), sizeof (double)))
      || !(sp->profile = calloc ((size_t) sp->S * sp->F, sizeof (double))))
    return NMF_ERR_NO_MEMORY;
  return NMF_OK;
}

void
nmf_spatial_bins_destroy (nmf_spatial * sp)
{
  nmf_ilrma_destroy (&sp->bins);
  free (sp->watch);
  free (sp->profile);
  sp->watch = sp->profile = NULL;
}

void
nmf_spatial_bins_reset (nmf_spatial * sp)
{
  if (!sp->bins)
    return;
  nmf_ilrma_reset (sp->bins);
  sp->bins_iterations = 0;
  sp->bins_credit = 0;
  sp->bins_fit = 0.0;
  for (int s = 0; s < MAXC; s++)
    sp->bins_delays[s] = 0.0;
  memset (sp->watch, 0, sizeof (double) * watch_size (sp));
  sp->bins_suspect = 0;
}

/* The watch's verdict once the block is full: each source's mean over
 * the bins that carry it of the |imaginary part| of its channels'
 * coherence (0 for a panned source, 0.3 - 0.6 for a delayed one with the
 * true sources' shares), the largest. */
static void
judge_watch (nmf_spatial * sp)
{
  const int M = sp->M, F = sp->F, W = M + M * (M - 1);
  double worst = 0.0;

  for (int s = 0; s < sp->S; s++) {
    const double *ws = sp->watch + (size_t) s * F * W;
    double emax = 0.0, sum = 0.0;
    int counted = 0;
    for (int f = 0; f < F; f++) {
      const double e = watch_power (ws + (size_t) f * W, M);
      if (e > emax)
        emax = e;
    }
    for (int f = 1; f < F; f++) {
      const double *wf = ws + (size_t) f * W;
      const double e = watch_power (wf, M);
      double im = 0.0;
      int pairs = 0;
      if (!(e > 1e-6 * emax))
        continue;
      for (int m = 0, k = 0; m < M; m++)
        for (int n = m + 1; n < M; n++, k++) {
          const double d = sqrt (wf[m] * wf[n]);
          if (d > 0.0) {
            im += fabs (wf[M + 2 * k + 1]) / d;
            pairs++;
          }
        }
      if (pairs) {
        sum += im / pairs;
        counted++;
      }
    }
    const double v = counted ? sum / counted : 0.0;
    if (v > worst)
      worst = v;
  }
  sp->bins_suspect = worst > sp->p.max_imaginary;
}

void
nmf_spatial_bins_watch (nmf_spatial * sp, const float *spectra)
{
  const int M = sp->M, S = sp->S, F = sp->F, W = M + M * (M - 1);

  double a2[MAXC];

  if (!sp->bins || sp->fit != NMF_SPATIAL_FITS
      || nmf_ilrma_frames (sp->bins) >= nmf_ilrma_capacity (sp->bins))
    return;
  /* each source's mixing column's energy, the same at every bin */
  for (int s = 0; s < S; s++) {
    a2[s] = 0.0;
    for (int m = 0; m < M; m++)
      a2[s] += sp->A[m * S + s] * sp->A[m * S + s];
  }
  for (int f = 0; f < F; f++) {
    double x[2 * MAXC], e[MAXC], total = 0.0;
    for (int m = 0; m < M; m++) {
      x[2 * m] = spectra[(size_t) m * 2 * F + 2 * f];
      x[2 * m + 1] = spectra[(size_t) m * 2 * F + 2 * f + 1];
    }
    /* each source's image energy under the demixing in force */
    for (int s = 0; s < S; s++) {
      double yr = 0.0, yi = 0.0;
      for (int m = 0; m < M; m++) {
        yr += sp->W[s * M + m] * x[2 * m];
        yi += sp->W[s * M + m] * x[2 * m + 1];
      }
      e[s] = (yr * yr + yi * yi) * a2[s];
      total += e[s];
    }
    if (!(total > 0.0))
      continue;
    for (int s = 0; s < S; s++) {
      const double w = e[s] / total;
      double *wf = sp->watch + ((size_t) s * F + f) * W;
      for (int m = 0; m < M; m++)
        wf[m] += w * (x[2 * m] * x[2 * m] + x[2 * m + 1] * x[2 * m + 1]);
      for (int m = 0, k = 0; m < M; m++)
        for (int n = m + 1; n < M; n++, k++) {
          /* x_m conj (x_n) */
          wf[M + 2 * k] += w * (x[2 * m] * x[2 * n]
              + x[2 * m + 1] * x[2 * n + 1]);
          wf[M + 2 * k + 1] += w * (x[2 * m + 1] * x[2 * n]
              - x[2 * m] * x[2 * n + 1]);
        }
    }
  }
}

/* The demixing per bin replaces an instantaneous one, whose sources may
 * be on the pads already: each of its sources takes the output of the
 * instantaneous demixing's source whose spectrum over the block (the
 * watch's share-weighted powers) is most like its own (the assignment of
 * largest summed Bhattacharyya coefficient of the normalized spectra). */
static void
take_places (nmf_spatial * sp)
{
  const int M = sp->M, S = sp->S, F = sp->F, W = M + M * (M - 1);
  double cost[NMF_SPATIAL_MAX_SOURCES * NMF_SPATIAL_MAX_SOURCES];
  double work[NMF_ASSIGNMENT_WORK (NMF_SPATIAL_MAX_SOURCES)];
  double norm_i[MAXC], norm_d[MAXC], b[MAXC];
  size_t perm[NMF_SPATIAL_MAX_SOURCES];

  nmf_ilrma_image_powers (sp->bins, sp->profile);
  for (int d = 0; d < S; d++) {
    norm_d[d] = 0.0;
    for (int f = 0; f < F; f++)
      norm_d[d] += sp->profile[(size_t) d * F + f];
  }
  for (int o = 0; o < S; o++) {
    norm_i[o] = 0.0;
    for (int d = 0; d < S; d++)
      b[d] = 0.0;
    for (int f = 0; f < F; f++) {
      const double p = watch_power (sp->watch + ((size_t) o * F + f) * W,
          M);
      norm_i[o] += p;
      for (int d = 0; d < S; d++)
        b[d] += sqrt (p * sp->profile[(size_t) d * F + f]);
    }
    for (int d = 0; d < S; d++)
      cost[o * S + d] = norm_i[o] > 0.0 && norm_d[d] > 0.0 ?
          -b[d] / sqrt (norm_i[o] * norm_d[d]) : 0.0;
  }
  if (nmf_assignment_solve_in (work, cost, (size_t) S, perm, NULL) == NMF_OK)
    nmf_spatial_bins_permute (sp, perm);
}

void
nmf_spatial_bins_permute (nmf_spatial * sp, const size_t *perm)
{
  double d[MAXC];

  nmf_ilrma_permute (sp->bins, perm);
  for (int o = 0; o < sp->S; o++)
    d[o] = sp->bins_delays[perm[o]];
  for (int o = 0; o < sp->S; o++)
    sp->bins_delays[o] = d[o];
}

void
nmf_spatial_bins_update (nmf_spatial * sp, const float *frame)
{
  nmf_ilrma *il = sp->bins;

  /* a mix waiting for its directions is instantaneous */
  if (!il || sp->fit == NMF_SPATIAL_NOT_DIVERSE
      || sp->fit == NMF_SPATIAL_DELAYS)
    return;
  if (nmf_ilrma_frames (il) < nmf_ilrma_capacity (il)) {
    if (frame && nmf_ilrma_add_frame (il, frame) == nmf_ilrma_capacity (il)
        && sp->fit == NMF_SPATIAL_FITS)
      judge_watch (sp);
    return;
  }
  /* the iterations spread over the frames after the block, block_work
   * of their work a frame (an overrun taken from the next): a room's, or
   * an instantaneous mix's with a source that looks delayed, while the
   * demixing per bin can still take its place */
  const int room = sp->fit == NMF_SPATIAL_NOT_INSTANTANEOUS && sp->rechecked;
  const int suspect = sp->fit == NMF_SPATIAL_FITS && sp->bins_suspect;
  if (!(room || suspect) || sp->bins_iterations >= sp->p.block_iterations)
    return;
  if (sp->p.block_work > 0) {
    sp->bins_credit = (sp->bins_credit < 0 ? sp->bins_credit : 0)
        + sp->p.block_work;
    while (sp->bins_credit > 0
        && sp->bins_iterations < sp->p.block_iterations)
      sp->bins_iterations += nmf_ilrma_iterate_within (il, &sp->bins_credit);
  } else {
    nmf_ilrma_iterate (il);
    sp->bins_iterations++;
  }
  if (sp->bins_iterations < sp->p.block_iterations)
    return;
  if (!nmf_ilrma_finish (il))
    return;
  sp->bins_fit = nmf_ilrma_delay_fit (il, sp->p.max_delay, sp->bins_delays);
  if (!(sp->bins_fit >= sp->p.min_delay_fit))
    return;
  if (suspect)
    take_places (sp);
  sp->fit = NMF_SPATIAL_DELAYS;
}
