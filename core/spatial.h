/* gst-nmf core (internal): spatial demixing of an instantaneous
 * (panned) multichannel mix, kept up to date frame by frame.
 *
 * Model: x(f,t) = A y(f,t), A real M x S (channels x sources), the same at
 * every frequency - a studio pan, a coincident pair, an amplitude-panned
 * mix.  The demixing W (S x M) is online auxiliary-function IVA (Ono 2011;
 * Taniguchi et al. 2014, decaying statistics) with W shared by every bin:
 * each source's variance is modelled per frame and per band (a Gaussian
 * with time- and band-varying variance), the weighted covariances
 *
 *     V_s = sum_t alpha^(T-t) sum_b C_b(t) / r_s(b,t),
 *     C_b(t) = sum_{f in band b} Re(x_f x_f^H),
 *
 * are updated each frame and W by one sweep of iterative projection.
 * With fewer sources than channels the data are first reduced to their
 * principal S-dimensional subspace.  Since W is shared by every bin there
 * is no frequency permutation to solve.
 *
 * More sources than channels cannot be demixed: then each bin goes to the
 * sources by its direction u = |x| / ||x|| (for a panned mix, the pan of
 * the source that dominates the bin), an online EM of a mixture of S
 * directions mu_s with soft assignments softmax (kappa u . mu_s), the
 * statistics weighted by the bin's energy^power and decayed like the
 * demixing's; the images are the assignments times x.
 *
 * The images: y = W x, image_s = a_s y_s with A = C W^T (W C W^T)^-1 (C
 * the running channel covariance; A = W^-1 when S = M), and the residual
 * x - sum_s image_s (zero when S = M, to rounding) shared out by each
 * source's share of the bin's energy, so that the images sum to x.
 *
 * Whether the model fits is decided once per stream from the first
 * `decision_frames` frames that carry sound: an instantaneous mix has real
 * channel covariances at every frequency (the imaginary part of the
 * inter-channel coherence averages out), a room does not (delays and
 * reverberation).  An instantaneous mix is then demixed as soon as the
 * channels span S directions (every source has been heard; not one signal
 * copied to every channel).  No allocation after create. */
#ifndef NMF_SPATIAL_H
#define NMF_SPATIAL_H

#include <stddef.h>
#include <stdint.h>

typedef struct nmf_spatial nmf_spatial;

typedef enum
{
  NMF_SPATIAL_UNDECIDED = 0,    /* still listening */
  NMF_SPATIAL_FITS = 1,         /* instantaneous and diverse: demixing */
  NMF_SPATIAL_NOT_INSTANTANEOUS = 2,    /* delays / reverberation */
  NMF_SPATIAL_NOT_DIVERSE = 3,  /* instantaneous, but the channels carry
                                 * fewer than S directions so far (a source
                                 * has not played yet, or one signal is
                                 * copied to every channel): checked again
                                 * every frame */
  NMF_SPATIAL_DELAYS = 4,       /* not instantaneous, but the demixing
                                 * per bin fitted to the first block of
                                 * frames is one of direct paths (each
                                 * source one delay between the
                                 * microphones): demixed per bin, for the
                                 * rest of the stream */
} nmf_spatial_fit;

typedef struct
{
  int decision_frames;          /* frames with sound before deciding */
  int recheck_frames;           /* a mix decided not instantaneous is
                                 * decided once more, final, after this
                                 * many (more frames, less noise in the
                                 * phases); <= decision_frames: never */
  double memory_frames;         /* time constant of the statistics */
  int bands;                    /* bands of the variance model (1: flat) */
  double max_imaginary;         /* the instantaneous test's threshold */
  double max_shared;            /* channels sharing no more than this
                                 * (nmf_spatial_shared) are instantaneous
                                 * whatever the phases say */
  double min_diversity;         /* lambda_min(S,M) / lambda_1 of the
                                 * channel covariance */
  double kappa;                 /* S > M: concentration of the directions */
  double cluster_power;         /* S > M: a bin weighs energy^power */
  int window_hops;              /* frames a sample is in (fft / hop) */
  /* sources == channels, a mix decided not instantaneous: a demixing per
   * bin (ilrma.h) fitted to the first block_frames frames with sound (0:
   * never), block_iterations iterations over the frames after the block,
   * at most block_work of their work (nmf_ilrma_fit_work's units) in a
   * frame and one step more (0: one iteration a frame), kept when its
   * delay fit (nmf_ilrma_delay_fit, delays within +-max_delay samples) is
   * at least min_delay_fit */
  int block_frames;
  int block_iterations;
  long long block_work;
  /* (the separator's choice of block, nmf_spatial_params_plan_block: at
   * least 3 s, at most 5.1 s, at 44.1 kHz and hop 512 - 11 MB in
   * stereo) */
#define NMF_SPATIAL_MIN_BLOCK_FRAMES 256
#define NMF_SPATIAL_MAX_BLOCK_FRAMES 440
  double max_delay;
  double min_delay_fit;
} nmf_spatial_params;

void nmf_spatial_params_init (nmf_spatial_params * p);

/* The block of a demixing per bin in a look-ahead of `lookahead` frames
 * (p's block_frames, 0 for none, and block_work), `channels` channels and
 * as many sources, `bins` bins, the STFT's fft and hop sizes: the fit
 * takes in a frame at most what a stereo fit of the largest block takes
 * when spread over its block_iterations frames (one stereo iteration,
 * the pace stereo always had), more in proportion to a hop longer than
 * fft / 4; the largest block whose fit at that pace ends before its first
 * frame leaves the look-ahead (block_iterations frames or more after it,
 * and 4 windows for the frames a block skips).  None when not even the
 * smallest's does: 8 channels (an iteration 16 times a stereo one's
 * work), whatever the FFT. */
void nmf_spatial_params_plan_block (nmf_spatial_params * p, int channels,
    int bins, int fft_size, int hop_size, int lookahead);

/* 2 <= channels <= NMF_SPATIAL_MAX_CHANNELS, 2 <= sources <=
 * NMF_SPATIAL_MAX_SOURCES. */
#define NMF_SPATIAL_MAX_CHANNELS 8
#define NMF_SPATIAL_MAX_SOURCES 16
int nmf_spatial_create (nmf_spatial ** out, int channels, int sources,
    int bins, const nmf_spatial_params * params);
void nmf_spatial_destroy (nmf_spatial ** sp);
/* Forget everything (a new stream): W back to the start, undecided. */
void nmf_spatial_reset (nmf_spatial * sp);
/* The STFT starts again from zeros (a new stream, a seek): its first
 * frames' windows may cut into sound. */
void nmf_spatial_window_restarted (nmf_spatial * sp);

/* One frame (channels x 2 * bins, interleaved re/im per channel, from
 * the STFT of stft.h: its periodic sqrt-Hann window) is learned from -
 * without the channels' offsets (DC): a channel's mean bin 0, where it
 * stands clear of its spread, and its leak through the window are not. */
void nmf_spatial_update (nmf_spatial * sp, const float *input);

nmf_spatial_fit nmf_spatial_get_fit (const nmf_spatial * sp);
/* The mean |imaginary part| of the inter-channel coherence measured for
 * the decision (or so far). */
double nmf_spatial_imaginary (const nmf_spatial * sp);
/* How much the channels share, measured for the decision: the mean over
 * bins and channel pairs of |sum_t x_m conj (x_n)|^2 / sum_t |x_m|^2
 * |x_n|^2, about 1 (what chance gives) when each channel carries other
 * signals (sources panned hard apart), far more when they share sound. */
double nmf_spatial_shared (const nmf_spatial * sp);

/* The images of a frame with the demixing in force: images (sources x
 * channels x 2 * bins) summing to spectra, and each source's share of each
 * bin's energy in shares (sources x bins, may be NULL). */
void nmf_spatial_images (nmf_spatial * sp, const float *spectra,
    float *images, float *shares);

/* Frames are stamped by how many updates the stage has had when they
 * enter: a frame released later (look-ahead) is demixed by
 * nmf_spatial_images_at with the demixing in force for its stamp - the one
 * before a change of the mix's geometry that came after it (sources <=
 * channels; otherwise, and for the current stamp, as nmf_spatial_images). */
uint64_t nmf_spatial_stamp (const nmf_spatial * sp);
void nmf_spatial_images_at (nmf_spatial * sp, uint64_t stamp,
    const float *spectra, float *images, float *shares);

/* Each source's position along the channels, -1 to +1: c, the centroid
 * of its mixing column's energy (channel 0 at -1, the last at +1), as
 * p = asin (c) * 2 / pi - for stereo exactly the pan p of the
 * constant-power law (gL, gR) = (cos t, sin t), t = (p + 1) pi / 4. */
void nmf_spatial_positions (const nmf_spatial * sp, double *positions);
/* NMF_SPATIAL_DELAYS: each source's delay from channel 0 to channel 1 in
 * samples (positive: it reaches channel 1 later), and 1; else 0. */
int nmf_spatial_delays (const nmf_spatial * sp, double *delays);
/* The block's delay fit once the demixing per bin has been fitted (0
 * before, or when it was not). */
double nmf_spatial_delay_fit (const nmf_spatial * sp);

/* Output o becomes the source output perm[o] was (perm: a permutation of
 * 0 .. sources - 1). */
void nmf_spatial_permute (nmf_spatial * sp, const size_t *perm);

/* When the stage was in force before its last reset and every source now
 * has one of the directions then (|cos| >= 0.95: the same mix again): the
 * permutation that puts each source where the one in its direction was
 * (for nmf_spatial_permute), and 1; else 0. */
int nmf_spatial_match_previous (const nmf_spatial * sp, size_t *perm);
/* The directions remembered of the last mix demixed (S x M, unit), for a
 * replay to be matched against: get returns 0 when there are none; set
 * makes them sp's, as if sp had demixed that mix itself. */
int nmf_spatial_get_previous (const nmf_spatial * sp, double *dir);
void nmf_spatial_set_previous (nmf_spatial * sp, const double *dir);
/* Forgets them (after a reset that starts a separator afresh). */
void nmf_spatial_forget_previous (nmf_spatial * sp);


#endif /* NMF_SPATIAL_H */
