/* gst-nmf core (internal): the streaming separator's state, shared by
 * separator.c (framing, the STFT, the model, masks or the spatial images,
 * synthesis, the sample accounting) and separator_model.c (what the model
 * holds: its templates, the dictionaries, enrolment). */
#ifndef NMF_SEPARATOR_PRIVATE_H
#define NMF_SEPARATOR_PRIVATE_H

#include <nmf/separator.h>

#include "logfreq.h"
#include "model.h"
#include "spatial.h"
#include "stft.h"
#include "synthesis.h"

struct nmf_separator
{
  nmf_separator_config cfg;     /* resolved: no AUTO field */
  int bins;
  int delay;                    /* fft_size - hop_size + L * hop_size */
  nmf_stft *stft;
  nmf_model *model;
  int use_bands;
  nmf_band_axis axis;           /* bands_per_octave > 0 */
  int model_bins;               /* bins, or bands */
  float *band_magnitude;        /* model_bins: the frame on the band axis */
  float *source_models;         /* sources x model_bins */
  float *model_masks;           /* sources x model_bins (bands only) */
  float *masks;                 /* sources x bins */
  float *mask_scratch;          /* sources x bins */
  nmf_synthesis synthesis;
  /* spatial = auto on a multichannel input it can serve (else NULL): the
   * demixing, and the released frame's images when it is in force */
  nmf_spatial *spatial;
  /* the directions of the last mix a spatial stage demixed, carried
   * through separators without one (a mono stretch) or with a stage for
   * other channels (a 5.1 stretch) to the next with as many channels
   * (carried_channels 0: none) */
  double carried_dir[NMF_SPATIAL_MAX_SOURCES * NMF_SPATIAL_MAX_CHANNELS];
  int carried_channels;
  float *images;                /* sources x channels x (2 * bins) */
  int took_over;                /* the demixing's outputs have their pads:
                                 * the released frames are its images (set
                                 * once per stream, only when it fits) */
  int spatial_ended;            /* a drain ended the stream: the spatial
                                 * stage decides again at the next stream's
                                 * first sample, unless a seek back into
                                 * the stream (reset, keep_model) comes
                                 * first */

  float *input;                 /* channels x fft_size: the current frame */
  int fill;                     /* new samples in the current hop */
  float *spectra;               /* channels x (2 * bins) */
  float *magnitude;             /* bins */
  /* look-ahead (L = lookahead_frames > 0): the last L + 1 frames as they
   * entered, every channel's spectrum and the summed magnitude, so that a
   * frame's masks and audio can be made L frames later */
  float *ahead_spectra;         /* (L + 1) x channels x (2 * bins) */
  float *ahead_magnitude;       /* (L + 1) x bins */
  uint64_t *ahead_stamp;        /* L + 1: the spatial stage's stamps */
  uint64_t released_stamp;      /* the released frame's */

  uint64_t frames;              /* frames analysed since reset */
  int draining;                 /* a drain in parts is under way */
  uint64_t samples_in;
  uint64_t samples_out;
  uint64_t masks_out;
  uint64_t non_finite;
  uint64_t clamped;
  /* the frame analysed when samples_in reaches this count is the last to
   * hold a clamped sample (-1: none since reset): such frames are
   * separated but not learned from */
  int64_t clamped_frames_end;

  nmf_separator_frame_func observer;
  void *observer_data;
  unsigned int caller_fp_mode;  /* the caller's MXCSR, for the observer */
  double energy[NMF_SEPARATOR_MAX_SOURCES];

  /* the dictionaries in force (copies; the model is rebuilt from them) */
  float *dictionary[NMF_SEPARATOR_MAX_SOURCES];
  /* the configuration as asked for, AUTO fields and all (no dictionary
   * pointers): the model's fields are resolved again from it when the
   * dictionaries change */
  nmf_separator_config requested;
  /* enrolment: the frames that entered since enrol_start */
  int enrolling;
  float *enrol_frames;          /* enrol_capacity x bins */
  size_t enrol_capacity, enrol_n;
};

/* The spatial stage of a drained stream is forgotten now (spatial_ended),
 * its directions kept as the previous mix's. */
void nmf_separator_settle_spatial (nmf_separator * sep);

#endif /* NMF_SEPARATOR_PRIVATE_H */
