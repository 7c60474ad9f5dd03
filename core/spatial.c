/* The spatial stage of spatial.h: the channels' statistics, the decision
 * (an instantaneous mix? every source heard?), and the calls into the
 * demixing (spatial_demix.c, started and followed in stereo from the pans
 * by spatial_pans.c) or the directions (spatial_directions.c). */
#include "spatial_private.h"

#include "hungarian.h"

#include <nmf/error.h>

#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void
nmf_spatial_params_init (nmf_spatial_params * p)
{
  /* measured on the spatial corpus (docs/experiments.md, 2026-12-06) */
  p->decision_frames = 43;      /* 0.5 s at 44.1 kHz, hop 512 */
  /* 2 s: pans of +-0.9 were taken for a room (at 0.5 s) in 18 of 150
   * draws, 0 with this; no room's decision changed (docs/experiments.md) */
  p->recheck_frames = 172;
  p->memory_frames = 400.0;
  p->bands = 16;
  p->max_imaginary = 0.15;
  p->max_shared = 3.0;
  p->min_diversity = 1e-4;
  p->kappa = 100.0;
  p->cluster_power = 0.5;
  p->window_hops = 4;
  /* the file profile's look-ahead holds the block and its iterations
   * (set by the separator); ILRMA's 60 iterations and the delay fit's
   * threshold as measured (docs/experiments.md, 2026-12-07) */
  p->block_frames = 0;
  p->block_iterations = 60;
  p->block_work = 0;
  p->max_delay = 48.0;          /* 1.09 ms at 44.1 kHz: 37 cm apart */
  p->min_delay_fit = 0.99;
}

void
nmf_spatial_params_plan_block (nmf_spatial_params * p, int channels,
    int bins, int fft_size, int hop_size, int lookahead)
{
  const int it = p->block_iterations;

  p->block_frames = 0;
  p->block_work = 0;
  if (it < 1 || channels < 2 || channels > NMF_ILRMA_MAX_CHANNELS)
    return;
  /* the stereo fit's pace at fft / 4 a hop, more in proportion to a
   * longer hop (the time a frame lasts); not less at a shorter one, where
   * stereo always took an iteration a frame (its block unchanged) */
  const long long pace = (nmf_ilrma_fit_work (2, bins,
          NMF_SPATIAL_MAX_BLOCK_FRAMES, 4, it) + it - 1) / it;
  const long long work = 4 * (long long) hop_size <= fft_size ? pace
      : (long long) ((double) pace * 4.0 * hop_size / fft_size);
  if (work < 1)
    return;
  /* the frames a block skips: an abrupt start, the offsets' first
   * estimate (a few windows' worth), which most files begin with: with
   * no margin for them, a demixing that replaces an instantaneous one
   * came one frame after the first had left, too late */
  const int room = lookahead - 4 * p->window_hops;
  for (int T = NMF_SPATIAL_MAX_BLOCK_FRAMES;
      T >= NMF_SPATIAL_MIN_BLOCK_FRAMES; T--) {
    const long long total = nmf_ilrma_fit_work (channels, bins, T, 4, it);
    const long long frames = (total + work - 1) / work;
    if (T + (frames > it ? frames : it) <= room) {
      p->block_frames = T;
      p->block_work = work;
      return;
    }
  }
}

/* Frames of a channel's bin 0 before its offset is told from the
 * sources' low frequencies */
#define OFFSET_MIN_FRAMES 4

/* |cos| between a source's direction before and after for the same mix */
#define SAME_DIRECTION 0.95

/* each source's direction in the channels, unit norm: its mixing column
 * (demixing) or its direction (masks by direction) */
static void
source_directions (const nmf_spatial * sp, double *dir)
{
  const int M = sp->M, S = sp->S;

  for (int s = 0; s < S; s++) {
    double n = 0.0;
    for (int m = 0; m < M; m++) {
      double v = sp->clustering ? sp->mu[(size_t) s * M + m] : sp->A[m * S + s];
      dir[s * M + m] = v;
      n += v * v;
    }
    n = n > 0.0 ? 1.0 / sqrt (n) : 0.0;
    for (int m = 0; m < M; m++)
      dir[s * M + m] *= n;
  }
}

int
nmf_spatial_match_previous (const nmf_spatial * sp, size_t *perm)
{
  const int M = sp->M, S = sp->S;
  double dir[NMF_SPATIAL_MAX_SOURCES * MAXC];
  double cost[NMF_SPATIAL_MAX_SOURCES * NMF_SPATIAL_MAX_SOURCES];
  double work[NMF_ASSIGNMENT_WORK (NMF_SPATIAL_MAX_SOURCES)];

  /* (directions are those of a mix demixed by one matrix) */
  if (!sp->have_prev || sp->fit == NMF_SPATIAL_DELAYS)
    return 0;
  source_directions (sp, dir);
  for (int o = 0; o < S; o++)
    for (int d = 0; d < S; d++) {
      double c = 0.0;
      for (int m = 0; m < M; m++)
        c += sp->prev_dir[o * M + m] * dir[d * M + m];
      cost[o * S + d] = -fabs (c);
    }
  if (nmf_assignment_solve_in (work, cost, (size_t) S, perm, NULL) != NMF_OK)
    return 0;
  /* only the same geometry: another mix is matched by what it sounds
   * like (the factorization's masks) */
  for (int o = 0; o < S; o++)
    if (-cost[o * S + perm[o]] < SAME_DIRECTION)
      return 0;
  return 1;
}

int
nmf_spatial_get_previous (const nmf_spatial * sp, double *dir)
{
  if (sp->have_prev)
    memcpy (dir, sp->prev_dir, sizeof (double) * sp->S * sp->M);
  return sp->have_prev;
}

void
nmf_spatial_set_previous (nmf_spatial * sp, const double *dir)
{
  memcpy (sp->prev_dir, dir, sizeof (double) * sp->S * sp->M);
  sp->have_prev = 1;
}

void
nmf_spatial_forget_previous (nmf_spatial * sp)
{
  sp->have_prev = 0;
}

void
nmf_spatial_window_restarted (nmf_spatial * sp)
{
  sp->prev_power = 0.0;
  sp->level = 0.0;
  sp->onset_left = 0;
  sp->prev_input_power = 0.0;
  sp->offset_wait = 0;
}

void
nmf_spatial_reset (nmf_spatial * sp)
{
  const int M = sp->M, S = sp->S;

  if (sp->fit == NMF_SPATIAL_FITS) {
    source_directions (sp, sp->prev_dir);
    sp->have_prev = 1;
  }

  memset (sp->C, 0, sizeof sp->C);
  memset (sp->Cd, 0, sizeof sp->Cd);
  for (int b = 0; b < sp->B; b++)
    sp->noise_floor[b] = INFINITY;
  memset (sp->V, 0, sizeof (double) * S * M * M);
  memset (sp->R, 0, sizeof (double) * sp->F * M * M * 2);
  memset (sp->Q, 0, sizeof (double) * sp->F * M * M);
  memset (sp->hist, 0, sizeof (double) * HIST_BINS);
  sp->frames = 0;
  sp->learned_frames = 0;
  sp->diverse_frames = 0;
  sp->stray_frames = 0;
  nmf_spatial_window_restarted (sp);
  sp->fit = NMF_SPATIAL_UNDECIDED;
  sp->rechecked = 0;
  sp->imaginary = 0.0;
  sp->shared = 0.0;
  memset (sp->offset, 0, sizeof sp->offset);
  memset (sp->offset_sq, 0, sizeof sp->offset_sq);
  sp->offset_frames = 0;
  nmf_spatial_bins_reset (sp);
  if (sp->clustering)
    nmf_spatial_directions_reset (sp);
  else
    nmf_spatial_demix_reset (sp);
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
      || params->memory_frames < 1.0 || params->decision_frames < 1
      || params->block_frames < 0 || params->block_work < 0
      || (params->block_frames > 0 && params->block_iterations < 1))
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
  sp->band_floor = calloc (sp->B, sizeof (double));
  sp->noise_floor = calloc (sp->B, sizeof (double));
  sp->Cb = calloc ((size_t) sp->B * channels * channels, sizeof (double));
  sp->V = calloc ((size_t) sources * channels * channels, sizeof (double));
  sp->ring = calloc ((size_t) 2 * params->decision_frames * params->bands
      * channels * channels, sizeof (double));
  sp->ring_stamp = calloc ((size_t) 2 * params->decision_frames,
      sizeof (uint64_t));
  sp->R = calloc ((size_t) bins * channels * channels * 2, sizeof (double));
  sp->Q = calloc ((size_t) bins * channels * channels, sizeof (double));
  sp->dc_leak = calloc ((size_t) bins, sizeof (double));
  sp->offset_free = calloc ((size_t) channels * 2 * bins, sizeof (float));
  sp->clustering = sources > channels;
  if (params->block_frames > 0 && sources == channels
      && nmf_spatial_bins_create (sp) != NMF_OK) {
    nmf_spatial_destroy (&sp);
    return NMF_ERR_NO_MEMORY;
  }
  if (!sp->clustering) {
    sp->demix_x = calloc ((size_t) channels * 2 * bins, sizeof (double));
    sp->demix_y = calloc ((size_t) sources * 2 * bins, sizeof (double));
    sp->demix_e = calloc ((size_t) sources * bins, sizeof (double));
    sp->demix_total = calloc ((size_t) bins, sizeof (double));
  }
  sp->mu = calloc ((size_t) sources * channels, sizeof (double));
  sp->N = calloc ((size_t) sources * channels, sizeof (double));
  sp->g = calloc ((size_t) sources, sizeof (double));
  sp->hist = calloc (HIST_BINS, sizeof (double));
  sp->smooth = calloc (HIST_BINS, sizeof (double));
  for (int b = 0; b + 1 < HIST_BINS; b++)
    sp->tan_edge[b] = tan ((b + 1) * M_PI / 2.0 / HIST_BINS);
  /* the angle at a cell's lower end, atan (t / (1 - t)), in bins, less
   * two for rounding: a lower bound of the bin of every point in it */
  for (int c = 0; c < HIST_CELLS; c++) {
    double t = (double) c / HIST_CELLS;
    int b = (int) floor (atan2 (t, 1.0 - t) / (M_PI / 2.0) * HIST_BINS) - 2;
    sp->hist_start[c] = (unsigned char) (b < 0 ? 0 : b);
  }
  if (!sp->band_of || !sp->band_bins || !sp->band_floor || !sp->noise_floor
      || !sp->Cb || !sp->V || !sp->ring
      || !sp->ring_stamp || !sp->R || !sp->Q || !sp->dc_leak
      || !sp->offset_free || !sp->mu || !sp->N || !sp->g || !sp->hist
      || !sp->smooth || (!sp->clustering && (!sp->demix_x || !sp->demix_y
              || !sp->demix_e || !sp->demix_total))) {
    nmf_spatial_destroy (&sp);
    return NMF_ERR_NO_MEMORY;
  }
  /* A constant through the STFT's periodic sqrt-Hann window, w(i) =
   * sin (pi i / N): its transform is real, W(k) = (cot (pi (1 - 2k) / 2N)
   * + cot (pi (1 + 2k) / 2N)) / 2, about W(0) / (1 - 4k^2) - a channel's
   * offset leaks into every bin, falling off only as 1 / k^2. */
  {
    const double N = 2.0 * (bins - 1);
    const double w0 = 1.0 / tan (M_PI / (2.0 * N));
    for (int k = 0; k < bins; k++)
      sp->dc_leak[k] = 0.5 * (1.0 / tan (M_PI * (1.0 - 2.0 * k) / (2.0 * N))
          + 1.0 / tan (M_PI * (1.0 + 2.0 * k) / (2.0 * N))) / w0;
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
  /* with few bins (FFTs below about 700 points) low bands hold none: the
   * bands that do are renumbered, so that every band has a bin */
  int *index = calloc (sp->B, sizeof (int)), kept = 0;
  if (!index) {
    nmf_spatial_destroy (&sp);
    return NMF_ERR_NO_MEMORY;
  }
  for (int b = 0; b < sp->B; b++) {
    index[b] = kept;
    if (sp->band_bins[b] > 0)
      sp->band_bins[kept++] = sp->band_bins[b];
  }
  for (int f = 0; f < bins; f++)
    sp->band_of[f] = index[sp->band_of[f]];
  free (index);
  sp->B = kept;
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
  free ((*spp)->band_floor);
  free ((*spp)->noise_floor);
  free ((*spp)->Cb);
  free ((*spp)->V);
  free ((*spp)->ring);
  free ((*spp)->ring_stamp);
  free ((*spp)->R);
  free ((*spp)->Q);
  free ((*spp)->dc_leak);
  free ((*spp)->offset_free);
  free ((*spp)->demix_x);
  free ((*spp)->demix_y);
  free ((*spp)->demix_e);
  free ((*spp)->demix_total);
  free ((*spp)->mu);
  free ((*spp)->N);
  free ((*spp)->g);
  free ((*spp)->hist);
  free ((*spp)->smooth);
  nmf_spatial_bins_destroy (*spp);
  free (*spp);
  *spp = NULL;
}

/* Eigen-decomposition of the symmetric n x n matrix a (overwritten by the
 * eigenvectors, column j the j-th, ascending eigenvalues in w). */
int
nmf_spatial_eigen (nmf_spatial * sp, double *a, int n, double *w)
{
  double *work = sp->eig_work;
  return LAPACKE_dsyev_work (LAPACK_COL_MAJOR, 'V', 'U', n, a, n, w, work,
      3 * MAXC) == 0;
}

/* lambda_S / lambda_1 of the channels' covariance less its isotropic
 * floor (update_directional): do the channels carry S directions? */
static double
diversity (nmf_spatial * sp)
{
  const int M = sp->M, D = sp->S < M ? sp->S : M;
  double a[MAXC * MAXC], w[MAXC];

  memcpy (a, sp->Cd, sizeof (double) * M * M);
  return nmf_spatial_eigen (sp, a, M, w) && w[M - 1] > 0.0 ?
      w[M - D] / w[M - 1] : 0.0;
}

/* Do the channels carry S directions?  With more sources than the two
 * channels of stereo, the covariance cannot count them: its peaks of
 * pan do. */
static int
spans_sources (nmf_spatial * sp)
{
  if (diversity (sp) < sp->p.min_diversity)
    return 0;
  return !(sp->clustering && sp->M == 2)
      || nmf_spatial_hist_sources (sp) >= sp->S;
}

static void
decide (nmf_spatial * sp)
{
  const int M = sp->M, F = sp->F;
  const double *R = sp->R;
  double emax = 0.0, sum = 0.0, shared = 0.0;
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
    int pairs = 0;
    double sh = 0.0;
    for (int m = 0; m < M; m++)
      for (int n = m + 1; n < M; n++) {
        /* pairs where both channels carry the bin: a silent channel (a
         * 5.1 stream holding stereo) says nothing about delays */
        double d = sqrt (Rf[(m * M + m) * 2] * Rf[(n * M + n) * 2]);
        if (d > 1e-6 * e) {
          const double re = Rf[(m * M + n) * 2], imv = Rf[(m * M + n) * 2 + 1];
          const double q = sp->Q[(size_t) f * M * M + m * M + n];
          im += fabs (imv) / d;
          sh += q > 0.0 ? (re * re + imv * imv) / q : 0.0;
          pairs++;
        }
      }
    if (!pairs)
      continue;
    sum += im / pairs;
    shared += sh / pairs;
    counted++;
  }
  sp->imaginary = counted ? sum / counted : 0.0;
  sp->shared = counted ? shared / counted : 0.0;
  /* a panned mix whose sources have all been heard is demixed at once;
   * one still waiting for a source, see nmf_spatial_update.  Channels
   * that share no more than chance does (sources panned hard apart) are
   * instantaneous whatever the phases of their cross-terms, which are
   * then noise alone: large, over 43 frames, where the sources' levels
   * vary (hard pans were taken for a room 9 times in 40) */
  if (sp->imaginary > sp->p.max_imaginary
      && !(sp->shared <= sp->p.max_shared))
    sp->fit = NMF_SPATIAL_NOT_INSTANTANEOUS;
  else if (spans_sources (sp))
    sp->fit = NMF_SPATIAL_FITS;
  else
    sp->fit = NMF_SPATIAL_NOT_DIVERSE;
}

void
nmf_spatial_update (nmf_spatial * sp, const float *input)
{
  const int M = sp->M, F = sp->F, B = sp->B;
  const size_t MM = (size_t) M * M;

  sp->stamp++;
  /* decided for good: only the block of the demixing per bin, if any,
   * has frames to take */
  const int decided = sp->fit == NMF_SPATIAL_DELAYS
      || (sp->fit == NMF_SPATIAL_NOT_INSTANTANEOUS && sp->rechecked);
  if (decided && !sp->bins)
    return;

  const nmf_spatial_fit fit_before = sp->fit;
  /* A window that cuts into sound starting at full level (a file or a
   * stream joined without a fade-in) spreads it over every bin: bins where
   * the sources have nothing then carry one frame's cross-terms, which
   * looked like a room's phases (the decision called a panned mix a room)
   * and pulled the first updates of the demixing to a wrong solution it
   * kept.  Until the stage has heard enough to decide, such frames teach
   * nothing; later the statistics outweigh them.  They count towards the
   * decision's frames all the same: a take-over put off by them cost a
   * speech mixture 4 dB, live, where the factorization's frames before it
   * weigh most. */
  /* (in four partial sums: one is a chain of dependent additions; this
   * power is only compared with thresholds) */
  double part[4] = { 0.0 };
  const size_t n_in = (size_t) M * 2 * F;
  for (size_t i = 0; i + 4 <= n_in; i += 4)
    for (int j = 0; j < 4; j++)
      part[j] += (double) input[i + j] * input[i + j];
  for (size_t i = n_in & ~(size_t) 3; i < n_in; i++)
    part[0] += (double) input[i] * input[i];
  const double input_power = (part[0] + part[1]) + (part[2] + part[3]);
  const double frame_power = nmf_spatial_remove_offsets (sp, input,
      input_power);
  const float *spectra = sp->offset_free;
  /* (an offset alone leaves the float FFT's rounding: not sound) */
  const int sound = frame_power > 1e-20 && isfinite (frame_power)
      && frame_power > 1e-10 * input_power;
  const double before = sp->prev_power;
  sp->prev_power = frame_power;
  if (frame_power > NMF_SPATIAL_ONSET_JUMP * before
      && sp->frames < (uint64_t) sp->p.decision_frames)
    sp->onset_left = sp->p.window_hops;
  /* and until the offsets' mean and spread are known (taken out or not
   * on a frame or two, they swung the first frames' statistics: with an
   * offset, the growing window kept it for hundreds of frames) */
  if (sp->onset_left > 0 || sp->offset_frames < OFFSET_MIN_FRAMES) {
    if (sp->onset_left > 0)
      sp->onset_left--;
    if (sound && !decided)
      sp->frames++;
    nmf_spatial_bins_update (sp, NULL);
    return;
  }
  const double level = sp->level;
  if (sound)
    nmf_spatial_weigh_frame (sp, frame_power);
  /* the block takes the frames as the stage learns from them: without
   * the offsets (an offset of 0.05 cost its sources 16 dB), past an
   * abrupt start; and not a frame far louder than the sound (a click at
   * 1e6 times it in one channel, weighed down, was still a source too
   * many in the high bins, and the block's fit failed) */
  nmf_spatial_bins_update (sp, sound && !(level > 0.0
          && frame_power > NMF_SPATIAL_BLOCK_OUTLIER * level) ?
      sp->offset_free : NULL);
  if (decided)
    return;
  /* this frame's covariance per band (upper triangle), and until the
   * decision every bin's complex one, x_m conj (x_n) */
  const int deciding = sp->fit == NMF_SPATIAL_UNDECIDED
      || sp->fit == NMF_SPATIAL_NOT_INSTANTANEOUS;
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
          sp->Q[(size_t) f * MM + m * M + n] +=
              (xr * xr + xi * xi) * (yr * yr + yi * yi);
        }
      }
    }
  }
  if (!sound)
    return;                     /* silence teaches nothing */
  for (int b = 0; b < B; b++)
    for (int m = 0; m < M; m++)
      for (int n = 0; n < m; n++)
        sp->Cb[b * MM + m * M + n] = sp->Cb[b * MM + n * M + m];

  /* a growing window first, then exponential forgetting */
  sp->frames++;
  sp->learned_frames++;
  double a = 1.0 - 1.0 / (double) sp->learned_frames;
  if (a > sp->alpha)
    a = sp->alpha;
  for (size_t i = 0; i < MM; i++) {
    double v = 0.0;
    for (int b = 0; b < B; b++)
      v += sp->Cb[b * MM + i];
    sp->C[i] = a * sp->C[i] + (1.0 - a) * v / F;
  }
  nmf_spatial_update_floors (sp);
  /* until the demixing is in force: the same less each band's isotropic
   * floor, for the count of directions */
  if (sp->fit != NMF_SPATIAL_FITS)
    nmf_spatial_update_directional (sp, a);

  /* (and on what it learned: half the frames at least; clicks in silence,
   * every one an abrupt start, made it decide on nothing, and a room was
   * taken for a panned mix) */
  if (deciding && sp->frames >= (uint64_t) (sp->fit == NMF_SPATIAL_UNDECIDED
          ? sp->p.decision_frames : sp->p.recheck_frames)
      && 2 * sp->learned_frames >= (uint64_t) sp->p.decision_frames) {
    const int again = sp->fit == NMF_SPATIAL_NOT_INSTANTANEOUS;
    decide (sp);
    if (again || sp->p.recheck_frames <= sp->p.decision_frames)
      sp->rechecked = 1;
  }
  /* an instantaneous mix waits for its S directions (a source that has
   * not played yet) */
  if (sp->fit == NMF_SPATIAL_NOT_DIVERSE) {
    /* and lets the demixing learn them for as long as the decision took
     * before it takes over (a demixing that has just met a new direction
     * can be near singular there) */
    sp->diverse_frames = spans_sources (sp) ? sp->diverse_frames + 1 : 0;
    if (sp->diverse_frames >= (uint64_t) sp->p.decision_frames)
      sp->fit = NMF_SPATIAL_FITS;
  }

  if (sp->clustering)
    nmf_spatial_directions_update (sp, spectra, a);
  else {
    if (sp->M == 2 && sp->S == 2) {
      /* two sources in stereo: the demixing starts, when the stage
       * decides for it, from the pans where the bins' directions gather
       * (the inverse of those gains); from the identity it could settle
       * on a near-singular demixing for good, depending on where the
       * stream began */
      nmf_spatial_hist_update (sp, spectra, a);
      if (fit_before != NMF_SPATIAL_FITS && sp->fit == NMF_SPATIAL_FITS)
        nmf_spatial_pans_seed (sp);
      else if (sp->fit == NMF_SPATIAL_FITS)
        nmf_spatial_pans_follow (sp);
    }
    if (sp->fit == NMF_SPATIAL_FITS)
      nmf_spatial_demix_challenge (sp);
    nmf_spatial_demix_update (sp, a);
    nmf_spatial_bins_watch (sp, spectra);
  }
}

void
nmf_spatial_permute (nmf_spatial * sp, const size_t *perm)
{
  if (sp->fit == NMF_SPATIAL_DELAYS)
    nmf_spatial_bins_permute (sp, perm);
  else if (sp->clustering)
    nmf_spatial_directions_permute (sp, perm);
  else
    nmf_spatial_demix_permute (sp, perm);
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

double
nmf_spatial_shared (const nmf_spatial * sp)
{
  return sp->shared;
}

/* The images of a frame demixed with the demixing in force for `stamp`;
 * the images' energy over the input's (0 for masks by direction). */
static double
images_for (nmf_spatial * sp, uint64_t stamp, const float *spectra,
    float *images, float *shares, double *power)
{
  const double *W = sp->W, *A = sp->A;
  uint64_t until = UINT64_MAX;

  *power = 0.0;
  if (sp->fit == NMF_SPATIAL_DELAYS) {
    double offset[MAXC];
    for (int m = 0; m < sp->M; m++)
      offset[m] = nmf_spatial_channel_offset (sp, spectra, m);
    nmf_spatial_bins_images (sp, offset, spectra, images, shares);
    return 0.0;
  }
  if (sp->clustering) {
    nmf_spatial_directions_images (sp, spectra, images, shares);
    return 0.0;
  }
  /* the first demixing replaced after the frame */
  for (int k = 0; k < sp->replaced; k++)
    if (stamp < sp->old[k].until && sp->old[k].until < until) {
      until = sp->old[k].until;
      W = sp->old[k].W;
      A = sp->old[k].A;
    }
  /* the offsets are no source's: demixed, their images (which cancel)
   * held twice the input's energy in quiet frames, and the stage took a
   * panned mix for one with a source too many (masks: 10 - 19 dB where
   * the demixing gives 90) */
  double offset[MAXC];
  for (int m = 0; m < sp->M; m++)
    offset[m] = nmf_spatial_channel_offset (sp, spectra, m);
  return nmf_spatial_demix_images (sp, W, A, offset, spectra, images,
      shares, power);
}

void
nmf_spatial_images (nmf_spatial * sp, const float *spectra, float *images,
    float *shares)
{
  double power;
  images_for (sp, sp->stamp, spectra, images, shares, &power);
}

uint64_t
nmf_spatial_stamp (const nmf_spatial * sp)
{
  return sp->stamp;
}

void
nmf_spatial_images_at (nmf_spatial * sp, uint64_t stamp,
    const float *spectra, float *images, float *shares)
{
  /* each released frame once: whether the mix holds a direction too many
   * (masks by direction give 0, which says nothing) */
  double power;
  const double ratio = images_for (sp, stamp, spectra, images, shares,
      &power);
  nmf_spatial_demix_note_overshoot (sp, ratio, power);
}

void
nmf_spatial_positions (const nmf_spatial * sp, double *positions)
{
  const int M = sp->M, S = sp->S;

  if (sp->fit == NMF_SPATIAL_DELAYS) {
    nmf_ilrma_positions (sp->bins, positions);
    return;
  }
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

int
nmf_spatial_delays (const nmf_spatial * sp, double *delays)
{
  for (int s = 0; s < sp->S; s++)
    delays[s] = sp->fit == NMF_SPATIAL_DELAYS ? sp->bins_delays[s] : 0.0;
  return sp->fit == NMF_SPATIAL_DELAYS;
}

double
nmf_spatial_delay_fit (const nmf_spatial * sp)
{
  return sp->bins_fit;
}
