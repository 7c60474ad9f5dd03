/* gst-nmf core (internal): a demixing per frequency bin fitted to a block
 * of frames - batch independent low-rank matrix analysis (ILRMA: Kitamura,
 * Ono, Sawada, Kameoka, Saruwatari, IEEE/ACM TASLP 2016), as many sources
 * as channels.
 *
 * Model: x(f,t) = A(f) y(f,t), A(f) complex M x M at each bin (delays and
 * short filters between the microphones), each source y_s(f,t) a zero-mean
 * complex Gaussian whose variance is a rank-K nonnegative factorization
 * T_s V_s (Itakura-Saito NMF: the Gaussian's own divergence).  The
 * demixing W(f) = A(f)^-1 is updated by iterative projection, the
 * factorizations by the multiplicative IS updates, as the reference
 * (tests/bench/spatial/reference.py, ilrma).  The low-rank model ties each
 * source's bins together, which is what keeps a source in one output
 * across frequencies; whether it did is what nmf_ilrma_delay_fit measures.
 *
 * Frames are the STFT's of stft.h (channels x 2 * bins, interleaved
 * re/im).  All memory is taken at create. */
#ifndef NMF_ILRMA_H
#define NMF_ILRMA_H

#include <stddef.h>
#include <stdint.h>

typedef struct nmf_ilrma nmf_ilrma;

#define NMF_ILRMA_MAX_CHANNELS 8
#define NMF_ILRMA_MAX_BASES 16

/* 2 <= channels <= NMF_ILRMA_MAX_CHANNELS sources, a block of at most
 * `frames` frames, `bases` (<= NMF_ILRMA_MAX_BASES) components per
 * source; seed starts the
 * factorizations. */
int nmf_ilrma_create (nmf_ilrma ** out, int channels, int bins, int frames,
    int bases, uint64_t seed);
void nmf_ilrma_destroy (nmf_ilrma ** ilrma);
/* An empty block and the identity demixing. */
void nmf_ilrma_reset (nmf_ilrma * ilrma);

/* Appends a frame to the block (ignored when it is full); returns the
 * frames held. */
int nmf_ilrma_add_frame (nmf_ilrma * ilrma, const float *spectra);
int nmf_ilrma_frames (const nmf_ilrma * ilrma);
int nmf_ilrma_capacity (const nmf_ilrma * ilrma);

/* One iteration over the frames held (at least one): each source's
 * factorization and demixing row in turn, then the outputs' scale. */
void nmf_ilrma_iterate (nmf_ilrma * ilrma);
/* The same iteration in steps of a bin of one of its stages, while
 * *credit (in nmf_ilrma_fit_work's units) is positive, each step's work
 * taken from it (the last may take it below 0 by one step's work, at most
 * nmf_ilrma_step_work); the iteration under way continues at the next
 * call (nmf_ilrma_add_frame starts it again).  Returns 1 when it ended an
 * iteration (then it does no more), else 0: the steps of one iteration,
 * however the credit is cut, leave what nmf_ilrma_iterate does, bit for
 * bit. */
int nmf_ilrma_iterate_within (nmf_ilrma * ilrma, long long *credit);
/* The work of one iteration over a block of `frames` frames, and of
 * `iterations` from the start (the first computes the outputs' powers
 * too), counted in passes of the loops over the frames times the frames:
 * about (2 M^3 + 2 M^2 + 32 M) bins frames for M channels and 4 bases. */
long long nmf_ilrma_iteration_work (int channels, int bins, int frames,
    int bases);
long long nmf_ilrma_fit_work (int channels, int bins, int frames, int bases,
    int iterations);
/* The most one step of nmf_ilrma_iterate_within takes. */
long long nmf_ilrma_step_work (int channels, int frames, int bases);
/* The work nmf_ilrma_iterate_within counted since the reset. */
long long nmf_ilrma_work (const nmf_ilrma * ilrma);
/* After the iterations: the projection back A(f) = W(f)^-1 and each
 * output's power per bin over the block.  Returns 0 when a bin's W is
 * singular (then the demixing is not usable). */
int nmf_ilrma_finish (nmf_ilrma * ilrma);

/* How far each source's transfer from channel 0 to each other channel,
 * A_ms(f) / A_0s(f), is one delay (a source reaching the microphones by a
 * direct path), after nmf_ilrma_finish: c(tau), the power-weighted mean
 * over bins of cos (arg (A_ms / A_0s) + 2 pi k tau / N), at its best tau
 * within +-max_delay samples, as the share of the gap from no delay to a
 * perfect fit that tau closes, (c(tau) - c(0)) / (1 - c(0)) (small
 * phases - close microphones, low bins - fit any delay about as well as
 * none); for a source within a sample of no delay, c(tau) itself.
 * Returns the least over sources and channels, or 0 when no source has
 * a delay of a sample or more, or when two sources are within a sample
 * of one delay to every channel (one direction: a source that did not
 * play in the block); delays (sources,
 * may be NULL) gets each source's delay from channel 0 to channel 1 in
 * samples (positive: it reaches channel 1 later). */
double nmf_ilrma_delay_fit (nmf_ilrma * ilrma, double max_delay,
    double *delays);

/* The images of a frame: images (sources x channels x 2 * bins), image_s
 * = A(:, s) (W x)_s at each bin, summing to the frame (to rounding: the
 * last source is what the others leave), and each source's share of each
 * bin's energy in shares (sources x bins, may be NULL).  Returns the
 * images' energy. */
double nmf_ilrma_images (nmf_ilrma * ilrma, const float *spectra,
    float *images, float *shares);
/* Each source's energy centroid over the channels, as
 * nmf_spatial_positions: -1 (all in channel 0) to +1 (all in the last). */
void nmf_ilrma_positions (const nmf_ilrma * ilrma, double *positions);
/* Each output's image power per bin over the block, after
 * nmf_ilrma_finish: power (sources x bins) = sum_t |y_s|^2 sum_m |A_ms|^2. */
void nmf_ilrma_image_powers (const nmf_ilrma * ilrma, double *power);
/* Output o becomes the source output perm[o] was. */
void nmf_ilrma_permute (nmf_ilrma * ilrma, const size_t *perm);

#endif /* NMF_ILRMA_H */
