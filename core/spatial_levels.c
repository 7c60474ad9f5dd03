/* What the channels carry besides the sources, for spatial.c: each
 * channel's offset (DC), each band's noise floor and the directions left
 * without it, and the frames' running level that bounds a glitch. */
#include "spatial_private.h"

#include <math.h>
#include <string.h>

/* The channels' covariance without what every direction has alike: each
 * band's covariance in this frame (sp->Cb) less its smallest eigenvalue
 * times the identity, decayed by a as C is.  Noise of its own in each
 * channel (hiss, a converter's floor) is the same in every direction: in
 * C it is a direction more, and a mono recording whose channels each had
 * hiss 40 dB down was demixed into the recording and the hiss (0.5 dB
 * where the factorization gives 3).  Taken out band by band, it leaves of
 * the mono recording one direction; two sources, even 2 % of the pan
 * range apart, keep theirs: each band is dominated by one or the other,
 * and so is its remainder. */
void
nmf_spatial_update_directional (nmf_spatial * sp, double a)
{
  const int M = sp->M, B = sp->B;
  const size_t MM = (size_t) M * M;
  double v[MAXC * MAXC] = { 0 };

  for (int b = 0; b < B; b++) {
    const double *Cb = sp->Cb + (size_t) b * MM;
    for (size_t i = 0; i < MM; i++)
      v[i] += Cb[i];
    for (int m = 0; m < M; m++)
      v[m * M + m] -= sp->band_floor[b];
  }
  for (size_t i = 0; i < MM; i++)
    sp->Cd[i] = a * sp->Cd[i] + (1.0 - a) * v[i] / sp->F;
}

/* a band is the channels' noise while its power is within this many
 * times the noise's (about 5 dB of sound over it with two channels) */
#define NOISE_MARGIN 4.0
/* how fast the noise floor may rise: twice per 400 frames */
#define NOISE_RISE 1.0017

/* Each band's smallest eigenvalue in this frame, and the noise floor. */
void
nmf_spatial_update_floors (nmf_spatial * sp)
{
  const int M = sp->M;
  const size_t MM = (size_t) M * M;

  for (int b = 0; b < sp->B; b++) {
    const double *Cb = sp->Cb + (size_t) b * MM;
    double least;
    if (M == 2) {
      /* in closed form: a LAPACK call per band and frame showed in the
       * stereo benchmark (docs/benchmarks.md, Speed) */
      const double h = 0.5 * (Cb[0] - Cb[3]);
      least = 0.5 * (Cb[0] + Cb[3]) - sqrt (h * h + Cb[1] * Cb[1]);
    } else {
      double e[MAXC * MAXC], w[MAXC];
      memcpy (e, Cb, sizeof (double) * MM);
      least = nmf_spatial_eigen (sp, e, M, w) ? w[0] : 0.0;
    }
    sp->band_floor[b] = least > 0.0 ? least : 0.0;
    sp->noise_floor[b] = fmin (sp->band_floor[b],
        sp->noise_floor[b] * NOISE_RISE);
  }
}

int
nmf_spatial_band_is_noise (const nmf_spatial * sp, const double *Cb, int b)
{
  const int M = sp->M;
  const double *C = Cb + (size_t) b * M * M;
  double trace = 0.0;

  for (int m = 0; m < M; m++)
    trace += C[m * M + m];
  return trace < NOISE_MARGIN * M * sp->noise_floor[b];
}

/* Channel m's offset (DC) as the mean of its bin 0 over the statistics'
 * memory, less what the mean owes to the sources' low frequencies: about
 * the size of bin 0's spread about it, and left (taken out, it was a
 * direction of its own that no source has: a tone gated on and off, pads
 * peaking at 2.3 times the input as the demixing took over).  0 for a
 * channel whose frame is digital silence: it holds no offset (the end of
 * a stream drained, a pause made of zeros), and the offset taken out of it
 * was sound in the offsets' direction. */
double
nmf_spatial_channel_offset (const nmf_spatial * sp, const float *spectra,
    int m)
{
  const int F = sp->F;
  const float *x = spectra + (size_t) m * 2 * F;
  int silent = 1;

  for (int i = 0; i < 2 * F && silent; i++)
    silent = x[i] == 0.0f;
  if (silent)
    return 0.0;
  const double n = fmin ((double) sp->offset_frames, sp->p.memory_frames);
  const double mean2 = sp->offset[m] * sp->offset[m];
  const double spread = n > 1.0 ?
      fmax (0.0, sp->offset_sq[m] - mean2) * n / (n - 1.0) : 0.0;
  return mean2 > spread ? sp->offset[m] * (1.0 - spread / mean2) : 0.0;
}

/* The frame without the channels' offsets, into sp->offset_free: each
 * channel's offset (nmf_spatial_channel_offset) and its leak through the
 * window taken out.  An offset is not a source, yet it is the loudest thing
 * in the low bins: with fewer sources than channels it took one of the
 * principal directions the demixing works in (two sources in 4 channels,
 * each channel offset by about the sources' level: one source's position was
 * the offsets', and that source came out at 1.5 dB).  (Each frame's own bin
 * 0 taken out instead is most of the sound below a few bins: at fft-size 64
 * the demixing learned from what was left made pads up to 3.7 times as loud
 * as the input over 50 ms.)  Returns the power of what is left. */
double
nmf_spatial_remove_offsets (nmf_spatial * sp, const float *spectra,
    double input_power)
{
  const int M = sp->M, F = sp->F;
  double power = 0.0;

  /* a window that cuts into an offset (the stream's start, sound after
   * digital silence) holds a step, not a constant: its bin 0 biased the
   * mean for hundreds of frames (an offset twice the sources' level: a
   * position off by 0.05 to 0.2) */
  if (input_power > NMF_SPATIAL_ONSET_JUMP * sp->prev_input_power)
    sp->offset_wait = sp->p.window_hops;
  sp->prev_input_power = input_power;
  const int take = sp->offset_wait == 0 && input_power > 1e-20
      && isfinite (input_power);
  if (sp->offset_wait > 0)
    sp->offset_wait--;
  /* a growing window first, then the statistics' memory */
  if (take)
    sp->offset_frames++;
  const double n = fmin ((double) sp->offset_frames, sp->p.memory_frames);
  const double a = 1.0 / fmax (1.0, n);
  for (int m = 0; m < M; m++) {
    const float *x = spectra + (size_t) m * 2 * F;
    float *y = sp->offset_free + (size_t) m * 2 * F;
    if (take) {
      sp->offset[m] += a * (x[0] - sp->offset[m]);
      sp->offset_sq[m] += a * ((double) x[0] * x[0] - sp->offset_sq[m]);
    }
    const double offset = nmf_spatial_channel_offset (sp, spectra, m);
    for (int f = 0; f < F; f++) {
      y[2 * f] = (float) (x[2 * f] - offset * sp->dc_leak[f]);
      y[2 * f + 1] = x[2 * f + 1];
      power += (double) y[2 * f] * y[2 * f] + (double) y[2 * f + 1] * y[2 * f
          + 1];
    }
  }
  return power;
}

/* The frame learned from (sp->offset_free, of power frame_power) scaled
 * down to weigh as at most NMF_SPATIAL_LOUD_FRAME times the running level,
 * and the level updated, as the statistics are (a growing window, then
 * their memory). */
void
nmf_spatial_weigh_frame (nmf_spatial * sp, double frame_power)
{
  double weighed = frame_power;

  if (sp->level > 0.0 && frame_power > NMF_SPATIAL_LOUD_FRAME * sp->level) {
    weighed = NMF_SPATIAL_LOUD_FRAME * sp->level;
    const float g = (float) sqrt (weighed / frame_power);
    for (size_t i = 0; i < (size_t) sp->M * 2 * sp->F; i++)
      sp->offset_free[i] *= g;
  }
  const double n = (double) sp->learned_frames + 1.0;
  const double a = fmin (1.0 - 1.0 / n, sp->alpha);
  sp->level = sp->level > 0.0 ? a * sp->level + (1.0 - a) * weighed
      : weighed;
}
