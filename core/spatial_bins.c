/* The demixing per bin of spatial.h: a mix the stage decided is not
 * instantaneous (delays, reverberation), as many sources as channels,
 * is fitted once per stream by batch ILRMA (ilrma.h) on its first block of
 * frames with sound, and demixed that way for the rest of the stream when
 * each source's transfer between the microphones is then one delay: spaced
 * microphones with direct paths, where the demixing separates speech by
 * 10 - 30 dB more than the factorization; sparse instruments, whose bins
 * it permutes, and rooms fail the test and stay with the factorization
 * (docs/experiments.md, "Whether a per-frequency demixing worked"). */
#include "spatial_private.h"

void
nmf_spatial_bins_reset (nmf_spatial * sp)
{
  if (!sp->bins)
    return;
  nmf_ilrma_reset (sp->bins);
  sp->bins_iterations = 0;
  sp->bins_fit = 0.0;
  for (int s = 0; s < MAXC; s++)
    sp->bins_delays[s] = 0.0;
}

void
nmf_spatial_bins_update (nmf_spatial * sp, const float *frame)
{
  nmf_ilrma *il = sp->bins;

  /* an instantaneous mix has the demixing shared by every bin */
  if (!il || (sp->fit != NMF_SPATIAL_UNDECIDED
          && sp->fit != NMF_SPATIAL_NOT_INSTANTANEOUS))
    return;
  if (nmf_ilrma_frames (il) < nmf_ilrma_capacity (il)) {
    if (frame)
      nmf_ilrma_add_frame (il, frame);
    return;
  }
  /* the iterations spread over the frames after the block, one each */
  if (sp->fit != NMF_SPATIAL_NOT_INSTANTANEOUS || !sp->rechecked
      || sp->bins_iterations >= sp->p.block_iterations)
    return;
  nmf_ilrma_iterate (il);
  if (++sp->bins_iterations < sp->p.block_iterations)
    return;
  if (!nmf_ilrma_finish (il))
    return;
  sp->bins_fit = nmf_ilrma_delay_fit (il, sp->p.max_delay, sp->bins_delays);
  if (sp->bins_fit >= sp->p.min_delay_fit)
    sp->fit = NMF_SPATIAL_DELAYS;
}
