/* gst-nmf core (internal): the state behind spatial.h, shared by its
 * files: spatial.c (the channels' statistics, the decision, what the
 * separator calls), spatial_levels.c (the channels' offsets, noise floors
 * and level), spatial_demix.c (the demixing, sources <= channels),
 * spatial_images.c (its images), spatial_pans.c (its start and its
 * replacement from the pans, two sources in stereo) and
 * spatial_directions.c (masks by direction, more sources than channels). */
#ifndef NMF_SPATIAL_PRIVATE_H
#define NMF_SPATIAL_PRIVATE_H

#include "spatial.h"

#include "ilrma.h"

#define MAXC NMF_SPATIAL_MAX_CHANNELS
#define HIST_BINS 128
/* cells of r / (l + r) in [0, 1], each giving the lowest histogram bin a
 * direction in it can fall in (a few times finer than the bins) */
#define HIST_CELLS 1024
/* a histogram peak counts when at least this share of the highest */
#define PEAK_SHARE 0.05
/* demixings kept for the frames before a change of geometry */
#define REPLACED_KEPT 8

/* A frame weighs in the statistics as at most this many times their
 * running level (nmf_spatial.level): a glitch far louder than the stream
 * (one microphone knocked, a fader slip: 1 s at 60 dB over the sound in
 * one channel) was a direction of its own that outweighed the sources
 * for 20 - 30 s, and the pans followed it.  A level that grows for good
 * still takes over, at up to 3 dB a second (the level rises with the
 * frames it lets in). */
#define NMF_SPATIAL_LOUD_FRAME 4.0
/* a frame left out of the block of the demixing per bin: its power over
 * the running level (30 dB) */
#define NMF_SPATIAL_BLOCK_OUTLIER 1000.0

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
  double *band_floor;           /* B: this frame's smallest eigenvalue of
                                 * each band's covariance */
  double *noise_floor;          /* B: its least over time, rising slowly
                                 * (minimum statistics): the noise every
                                 * direction has alike */
  double Cd[MAXC * MAXC];       /* the same less each band's isotropic
                                 * floor, until the demixing is in force:
                                 * the directions the channels carry */
  double E[MAXC * MAXC];        /* S x M: the principal subspace */
  double Wz[MAXC * MAXC];       /* S x S: demixing in the subspace */
  double W[MAXC * MAXC];        /* S x M = Wz E */
  double A[MAXC * MAXC];        /* M x S: projection back */
  /* the challenger: the demixing in force fitted again (batch AuxIVA)
   * to the last window of frames, which replaces it (statistics and all)
   * when its contrast on the next window is clearly lower: a mix whose
   * geometry changes is followed */
  double *ring;                 /* 2 x decision_frames x B x M x M: the
                                 * last two windows' band covariances */
  uint64_t *ring_stamp;         /* 2 x decision_frames: their stamps */
  int ring_pos, ring_count;     /* the next slot; slots in use */
  int ring_frames;              /* frames of the window under way */
  double Wzc[MAXC * MAXC];      /* the challenger */
  double Wc[MAXC * MAXC];       /* S x M: its rows in the channels */
  int have_candidate;
  uint64_t challenge_frames;    /* of the comparison under way */
  double challenge_cost[2];     /* over them: the contrast of the
                                 * demixing in force, and of the
                                 * challenger */
  /* the demixings the challenger replaced, for the frames of the old
   * geometry that are still to be released (look-ahead) */
  uint64_t stamp;               /* frames updated with, ever */
  int replaced;                 /* entries in use */
  struct
  {
    uint64_t until;             /* in force for stamps below this */
    double W[MAXC * MAXC], A[MAXC * MAXC];
  } old[REPLACED_KEPT];
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
  double tan_edge[HIST_BINS - 1];       /* tan of the bins' upper edges */
  unsigned char hist_start[HIST_CELLS]; /* where a bin's search starts */
  double *R;                    /* F x M x M x 2: complex covariances,
                                 * summed until the decision */
  double *Q;                    /* F x M x M: sum of |x_m|^2 |x_n|^2, the
                                 * same frames (what chance gives |R|^2) */
  /* the channels' offsets (DC): not learned from */
  double *dc_leak;              /* F: the spectrum of a constant through
                                 * the STFT's window, over its bin 0 */
  float *offset_free;           /* M x 2F: the frame learned from */
  /* the images' scratch (sources <= channels), whole frames at a time so
   * that each pass is one loop over the bins */
  double *demix_x;              /* M x 2F: the input without the offsets */
  double *demix_y;              /* S x 2F: the demixed outputs */
  double *demix_e;              /* S x F: each output's share of a bin */
  double *demix_total;          /* F: the images' energy in each bin */
  double offset[MAXC];          /* each channel's bin 0, its mean over the
                                 * statistics' memory */
  double offset_sq[MAXC];       /* and the mean of its square */
  uint64_t offset_frames;       /* frames in that mean */
  double prev_input_power;      /* the last frame's, offsets and all */
  int offset_wait;              /* frames whose window still holds an
                                 * abrupt start: not in the mean */
  uint64_t frames;              /* frames with sound */
  uint64_t learned_frames;      /* of them, those learned from */
  double prev_power;            /* the last frame's, sound or not */
  double level;                 /* the frames' running power, as they
                                 * weighed in the statistics */
  int onset_left;               /* frames whose window still holds an
                                 * abrupt start: not learned from */
  int rechecked;                /* the decision is final */
  uint64_t diverse_frames;      /* of them, the last in a row that span S
                                 * directions */
  uint64_t stray_frames;        /* two in stereo: frames in a row the
                                 * demixing has been away from the pans
                                 * where the bins gather */
  double stray_cost[2];         /* over them: the outputs' correlation
                                 * with the demixing in force, and with
                                 * one from those pans */
  nmf_spatial_fit fit;
  double imaginary;
  double shared;
  /* the sources' directions when the stage was last reset while in force
   * (the same mix after a seek or a replay: each source back in its
   * place) */
  double prev_dir[NMF_SPATIAL_MAX_SOURCES * MAXC];
  int have_prev;
  /* more directions in the mix than the demixing has sources: the
   * decayed share of released frames whose images overshoot the input,
   * and whether frames are shared out by energy for it */
  double overshoot;
  int under_modelled;
  /* the demixing per bin of a room (spatial_bins.c): its block and fit */
  nmf_ilrma *bins;
  int bins_iterations;          /* done on the full block */
  long long bins_credit;        /* the work the fit may still take in
                                 * this frame (below 0: its overrun in
                                 * the last) */
  double bins_fit;              /* its delay fit, once fitted */
  double bins_delays[MAXC];     /* and each source's delay */
  /* a mix decided instantaneous, watched until the block is full for a
   * source whose channels differ by a delay (one source at broadside
   * makes a delay mix pass the instantaneous test): per source and bin,
   * its share of the channels' powers and cross-terms */
  double *watch;                /* S x F x (M + 2 * pairs) */
  int bins_suspect;             /* above max_imaginary: fitted too */
  double *profile;              /* S x F: the demixing per bin's image
                                 * powers, to match its sources to the
                                 * instantaneous demixing's */
};

/* Band b of a frame's band covariances Cb (B x M x M) holds no more than
 * the channels' own noise (sp->noise_floor): it tells nothing of the
 * sources' directions. */
int nmf_spatial_band_is_noise (const nmf_spatial * sp, const double *Cb,
    int b);

/* A frame this many times louder than the one before holds an abrupt
 * start (30 dB in a hop) */
#define NMF_SPATIAL_ONSET_JUMP 1000.0

/* spatial_levels.c: what the channels carry besides the sources.  Each
 * band's least eigenvalue this frame and the noise floors (from sp->Cb);
 * the channels' covariance less those floors, decayed by a (sp->Cd);
 * channel m's offset in this frame (0 for digital silence); the frame less
 * the offsets into sp->offset_free, returning its power; that frame scaled
 * to weigh at most NMF_SPATIAL_LOUD_FRAME times the running level, and the
 * level updated. */
void nmf_spatial_update_floors (nmf_spatial * sp);
void nmf_spatial_update_directional (nmf_spatial * sp, double a);
double nmf_spatial_channel_offset (const nmf_spatial * sp,
    const float *spectra, int m);
double nmf_spatial_remove_offsets (nmf_spatial * sp, const float *spectra,
    double input_power);
void nmf_spatial_weigh_frame (nmf_spatial * sp, double frame_power);

/* Eigen-decomposition of the symmetric n x n matrix a (overwritten by the
 * eigenvectors, column j the j-th, ascending eigenvalues in w); 0 when it
 * fails. */
int nmf_spatial_eigen (nmf_spatial * sp, double *a, int n, double *w);

/* The demixing (sources <= channels): its start, one frame's update with
 * the band covariances in sp->Cb and the decay a, the images, a
 * reordering of its outputs. */
void nmf_spatial_demix_reset (nmf_spatial * sp);
void nmf_spatial_demix_update (nmf_spatial * sp, double a);
/* The challenger's frame (before nmf_spatial_demix_update, so that both
 * are judged on a frame they have not learned from): is compared, may
 * take over, learns. */
void nmf_spatial_demix_challenge (nmf_spatial * sp);
/* offset: each channel's offset (DC), demixed with no source but shared
 * out with what the images leave of the input (sp->dc_leak times it in
 * each bin).  Returns the images' energy over the input's, both without
 * the offsets (0 for a silent frame); *power: the input's. */
double nmf_spatial_demix_images (nmf_spatial * sp, const double *W,
    const double *A, const double *offset, const float *spectra,
    float *images, float *shares, double *power);
/* A released frame's ratio from nmf_spatial_demix_images and its power,
 * into the decision whether the mix holds more directions than sources. */
void nmf_spatial_demix_note_overshoot (nmf_spatial * sp, double ratio,
    double power);
void nmf_spatial_demix_permute (nmf_spatial * sp, const size_t *perm);

/* Two sources in stereo (spatial_pans.c): the demixing seeded from the
 * histogram's two peaks when the stage decides for it; once in force,
 * replaced from them when a source has strayed from its peak for a
 * decision's frames and the peaks' outputs are clearly less correlated. */
void nmf_spatial_pans_seed (nmf_spatial * sp);
void nmf_spatial_pans_follow (nmf_spatial * sp);

/* Stereo: one frame into the decayed histogram of the bins' pan angles
 * (weighted by energy^cluster_power); its S highest peaks, a S-th of the
 * range apart, as angles left to right, with their heights if height is
 * not NULL (returns how many: fewer than S when there are not enough
 * directions yet). */
void nmf_spatial_hist_update (nmf_spatial * sp, const float *spectra,
    double a);
int nmf_spatial_hist_peaks (nmf_spatial * sp, double *theta,
    double *height);
/* Of n peaks' heights, which count (at least PEAK_SHARE of the highest):
 * counted[i] 1 or 0 if counted is not NULL; returns how many. */
int nmf_spatial_peaks_counted (const double *height, int n, int *counted);
/* Of the histogram's peaks, how many count. */
int nmf_spatial_hist_sources (nmf_spatial * sp);
/* The demixing started from mixing columns A0 (M x S, S = M): W = A0^-1. */
void nmf_spatial_demix_seed (nmf_spatial * sp, const double *A0);

/* The directions (more sources than channels): the same. */
void nmf_spatial_directions_reset (nmf_spatial * sp);
void nmf_spatial_directions_update (nmf_spatial * sp, const float *spectra,
    double a);
void nmf_spatial_directions_images (nmf_spatial * sp, const float *spectra,
    float *images, float *shares);
void nmf_spatial_directions_permute (nmf_spatial * sp, const size_t *perm);

/* The demixing per bin (spatial_bins.c, sources == channels), every
 * frame: a frame with sound as the stage learns it (NULL: none) into the
 * block, or once it is full and the mix decided a room (or an
 * instantaneous mix with a source that looks delayed), one iteration,
 * and at the last the verdict (sp->fit = NMF_SPATIAL_DELAYS when the fit
 * is of delays); the stage's reset. */
void nmf_spatial_bins_update (nmf_spatial * sp, const float *frame);
/* A frame (without the offsets) of a mix decided instantaneous, into the
 * watch, with each source's share from the demixing in force. */
void nmf_spatial_bins_watch (nmf_spatial * sp, const float *spectra);
/* Its images of a frame: of the frame less the channels' offsets (offset:
 * nmf_spatial_channel_offset's), which each source's share evenly; a
 * frame whose images hold more than 10 times its energy shared out by
 * energy (spatial_images.c). */
void nmf_spatial_bins_images (nmf_spatial * sp, const double *offset,
    const float *spectra, float *images, float *shares);
/* Its state (sp->M, S, F, p set), freed by destroy (also after a create
 * that failed); the stage's reset. */
int nmf_spatial_bins_create (nmf_spatial * sp);
void nmf_spatial_bins_destroy (nmf_spatial * sp);
void nmf_spatial_bins_reset (nmf_spatial * sp);
/* Output o becomes the source output perm[o] was (its delay with it). */
void nmf_spatial_bins_permute (nmf_spatial * sp, const size_t *perm);

#endif /* NMF_SPATIAL_PRIVATE_H */
