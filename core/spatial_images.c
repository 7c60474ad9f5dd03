/* The images of spatial.h's demixing (sources <= channels): each source
 * projected back to the channels, what the demixing leaves of the input
 * shared out, and whether the mix holds more directions than sources. */
#include "spatial_private.h"

#include <string.h>

/* Frames whose images hold this many times the input's energy are
 * demixed by a matrix near singular: two huge images cancelling (more
 * channels than sources, just after the second source came, gave +72 dB),
 * or one cancelled by what it leaves of the input.  The energy is the
 * demixing's own images', a_s y_s, before that share: the shared images
 * look sane while the cancellation has cost the sum its precision (a
 * fuzzed 5 x 5 mix, |A| 1e13: the pads summed to the input at -50 dB). */
#define IMAGE_ENERGY_LIMIT 10.0

/* A mix with more sources than the demixing has (three instruments panned
 * in stereo, n-sources 2) is extrapolated: pads louder than the input. Its
 * frames cannot be told from a well-modelled mix's one by one (sources
 * playing related notes partly cancel in the mix: images at up to 2 times
 * the input's energy), but their rate can: the share of frames whose
 * images hold more than OVERSHOOT_RATIO times the input, decayed as the
 * statistics are, stayed at 0.12 and below on every well-modelled panned
 * mix measured and rose to 0.39 - 0.50 on mixes with a source too many.
 * Above UNDER_MODELLED_ON every frame is shared out by energy (bounded:
 * each pad at most the input), below UNDER_MODELLED_OFF the demixing's
 * images come back (a source that stopped). */
#define OVERSHOOT_RATIO 1.3
#define UNDER_MODELLED_ON 0.2
#define UNDER_MODELLED_OFF 0.1

void
nmf_spatial_demix_note_overshoot (nmf_spatial * sp, double ratio,
    double power)
{
  if (!(ratio > 0.0))
    return;                     /* a silent frame says nothing */
  /* nor does one the statistics weigh down (a glitch in one channel: a
   * direction too many for a second, and masks for 4 - 6 s after it) */
  if (power > NMF_SPATIAL_LOUD_FRAME * sp->level)
    return;
  sp->overshoot += (1.0 - sp->alpha) *
      ((ratio > OVERSHOOT_RATIO ? 1.0 : 0.0) - sp->overshoot);
  if (sp->overshoot > UNDER_MODELLED_ON)
    sp->under_modelled = 1;
  else if (sp->overshoot < UNDER_MODELLED_OFF)
    sp->under_modelled = 0;
}

/* Every source's image as the input times the source's share of each
 * bin's energy (e: S x F): bounded, and the images still add up to the
 * input. */
static void
share_out (const nmf_spatial * sp, const float *spectra, const double *e,
    float *images)
{
  const int M = sp->M, S = sp->S, F = sp->F;
  const size_t chan = 2 * (size_t) F, src = (size_t) M * chan;

  for (int m = 0; m < M; m++)
    for (int s = 0; s < S; s++) {
      const float *in = spectra + m * chan;
      const double *es = e + (size_t) s * F;
      float *img = images + s * src + m * chan;
      for (int f = 0; f < F; f++) {
        img[2 * f] = (float) (es[f] * in[2 * f]);
        img[2 * f + 1] = (float) (es[f] * in[2 * f + 1]);
      }
    }
}

/* Each pass below is one loop over a whole frame's bins (the stage's
 * largest cost in stereo when it ran bin by bin over the channels and
 * sources). */
double
nmf_spatial_demix_images (nmf_spatial * sp, const double *W, const double *A,
    const double *offset, const float *spectra, float *images, float *shares,
    double *power)
{
  const int M = sp->M, S = sp->S, F = sp->F;
  const size_t K = 2 * (size_t) F, src = (size_t) M * K;
  double *x = sp->demix_x, *y = sp->demix_y, *e = sp->demix_e;
  double a2[MAXC];

  /* each source's mixing column's energy, the same at every bin */
  for (int s = 0; s < S; s++) {
    a2[s] = 0.0;
    for (int m = 0; m < M; m++)
      a2[s] += A[m * S + s] * A[m * S + s];
  }
  /* the sound without the offsets, and its demixed outputs */
  for (int m = 0; m < M; m++) {
    const float *in = spectra + m * K;
    double *xm = x + m * K;
    for (int f = 0; f < F; f++) {
      xm[2 * f] = in[2 * f] - offset[m] * sp->dc_leak[f];
      xm[2 * f + 1] = in[2 * f + 1];
    }
  }
  for (int s = 0; s < S; s++) {
    double *ys = y + s * K;
    for (size_t k = 0; k < K; k++)
      ys[k] = 0.0;
    for (int m = 0; m < M; m++) {
      const double w = W[s * M + m], *xm = x + m * K;
      for (size_t k = 0; k < K; k++)
        ys[k] += w * xm[k];
    }
  }
  /* each output's share of the bin's energy, weighted by its mixing
   * column's energy (total: the images' energy in the bin, sum_s a2_s
   * |y_s|^2 = sum_m sum_s |A_ms y_s|^2) */
  double *total = sp->demix_total;
  for (int f = 0; f < F; f++)
    total[f] = 0.0;
  for (int s = 0; s < S; s++) {
    const double *ys = y + s * K;
    double *es = e + (size_t) s * F;
    for (int f = 0; f < F; f++) {
      es[f] = a2[s] * (ys[2 * f] * ys[2 * f] + ys[2 * f + 1] * ys[2 * f + 1]);
      total[f] += es[f];
    }
  }
  for (int s = 0; s < S; s++) {
    double *es = e + (size_t) s * F;
    for (int f = 0; f < F; f++)
      es[f] = total[f] > 0.0 ? es[f] / total[f] : 1.0 / S;
  }
  /* the energies of the sound and of its images, in four partial sums
   * (one running sum is a chain of dependent additions) */
  double in4[4] = { 0.0 }, im4[4] = { 0.0 };
  for (int m = 0; m < M; m++) {
    const double *xm = x + m * K;
    for (size_t k = 0; k + 4 <= K; k += 4)
      for (int j = 0; j < 4; j++)
        in4[j] += xm[k + j] * xm[k + j];
    for (size_t k = K & ~(size_t) 3; k < K; k++)
      in4[0] += xm[k] * xm[k];
  }
  for (int f = 0; f + 4 <= F; f += 4)
    for (int j = 0; j < 4; j++)
      im4[j] += total[f + j];
  for (int f = F & ~3; f < F; f++)
    im4[0] += total[f];
  const double input = (in4[0] + in4[1]) + (in4[2] + in4[3]);
  const double imaged = (im4[0] + im4[1]) + (im4[2] + im4[3]);
  if (shares)
    for (int s = 0; s < S; s++)
      for (int f = 0; f < F; f++)
        shares[(size_t) s * F + f] = (float) e[(size_t) s * F + f];
  *power = input;
  const double ratio = input > 0.0 ? imaged / input : 0.0;

  /* a mix with a source too many: every frame shared out, at once; and
   * a frame whose images hold too much, by the outputs' energies */
  if (sp->under_modelled || imaged > IMAGE_ENERGY_LIMIT * input) {
    share_out (sp, spectra, e, images);
    return ratio;
  }
  /* the images of the sound, and the offsets shared out evenly: each pad
   * the same share of them in every frame, never more than the input has
   * (shared out by the sound's shares they swayed with it; demixed, they
   * were amplified as the sound is where the sources are close: pads at
   * 20 times the input's offsets, above full scale).  What the images
   * leave of the sound (x, from here on) goes by the shares. */
  for (int m = 0; m < M; m++) {
    double *rm = x + m * K;
    for (int s = 0; s < S; s++) {
      const double am = A[m * S + s], *ys = y + s * K;
      for (size_t k = 0; k < K; k++)
        rm[k] -= am * ys[k];
    }
    for (int s = 0; s < S; s++) {
      const double am = A[m * S + s], *ys = y + s * K;
      const double *es = e + (size_t) s * F;
      float *img = images + s * src + m * K;
      for (int f = 0; f < F; f++) {
        const double ro = offset[m] * sp->dc_leak[f] / S;
        img[2 * f] = (float) (am * ys[2 * f] + es[f] * rm[2 * f] + ro);
        img[2 * f + 1] = (float) (am * ys[2 * f + 1] + es[f] * rm[2 * f + 1]);
      }
    }
  }
  return ratio;
}

void
nmf_spatial_bins_images (nmf_spatial * sp, const double *offset,
    const float *spectra, float *images, float *shares)
{
  const int M = sp->M, S = sp->S, F = sp->F;
  const size_t K = 2 * (size_t) F, src = (size_t) M * K;
  float *x = sp->offset_free;   /* (free between updates) */
  double part[4] = { 0.0 };

  /* (in four partial sums: one is a chain of dependent additions) */
  for (int m = 0; m < M; m++) {
    float *xm = x + m * K;
    const float *in = spectra + m * K;
    memcpy (xm, in, sizeof (float) * K);
    for (int f = 0; f < F; f++)
      xm[2 * f] = (float) (in[2 * f] - offset[m] * sp->dc_leak[f]);
    size_t k = 0;
    for (; k + 4 <= K; k += 4)
      for (int j = 0; j < 4; j++)
        part[j] += (double) xm[k + j] * xm[k + j];
    for (; k < K; k++)
      part[0] += (double) xm[k] * xm[k];
  }
  const double input = (part[0] + part[1]) + (part[2] + part[3]);
  const double imaged = nmf_ilrma_images (sp->bins, x, images, shares);
  /* a frame with a direction the demixing does not know (a click in one
   * channel) comes out of every source, cancelling: both pads carried a
   * click at 1e6 times the sound in the channel without it.  Shared out
   * by the images' energies instead, as for the panned demixing. */
  if (imaged > IMAGE_ENERGY_LIMIT * input) {
    double *e = sp->demix_e, *total = sp->demix_total;
    for (int f = 0; f < F; f++)
      total[f] = 0.0;
    for (int s = 0; s < S; s++)
      for (int f = 0; f < F; f++) {
        double v = 0.0;
        for (int m = 0; m < M; m++) {
          const float *img = images + s * src + m * K + 2 * f;
          v += (double) img[0] * img[0] + (double) img[1] * img[1];
        }
        e[(size_t) s * F + f] = v;
        total[f] += v;
      }
    for (int s = 0; s < S; s++)
      for (int f = 0; f < F; f++) {
        double *es = e + (size_t) s * F + f;
        *es = total[f] > 0.0 ? *es / total[f] : 1.0 / S;
        if (shares)
          shares[(size_t) s * F + f] = (float) *es;
      }
    share_out (sp, spectra, e, images);
    return;
  }
  /* the offsets, no source's, shared out evenly */
  for (int s = 0; s < S; s++)
    for (int m = 0; m < M; m++) {
      float *img = images + s * src + m * K;
      for (int f = 0; f < F; f++)
        img[2 * f] += (float) (offset[m] * sp->dc_leak[f] / S);
    }
}
