/* gst-nmf core: column-normalized volume minimization kept up to date over a
 * sliding window of magnitude frames (the element's algorithm=volmin).
 *
 * The window X (bins x window_frames: the last T frames, stored as float) is
 * factored by the criterion of <nmf/factorize.h>,
 *
 *     minimize det(W^T W)  s.t.  X = W H^T,  H^T 1 = 1,  H >= 0,
 *
 * so component k's template W_k carries its total energy over the window
 * and H_:k its share in each frame (each column of H sums to one).
 *
 * Tracking (every `refresh_interval` frames, once the window holds at least
 * 2 * rank non-silent frames):
 *   1. The rank-r subspace of the window is updated by subspace iteration
 *      warm-started from the previous basis U: with B = U^T X (kept up to
 *      date frame by frame: each new frame's column U^T v is computed when it
 *      enters), Y = X B^T (plus a 1% random combination of the window's
 *      frames, so a direction the old basis is blind to can enter), U' =
 *      orth(Y), and the Rayleigh-Ritz step: the SVD of the small r x T
 *      matrix U'^T X = Ub S V^T (LAPACKE) gives U = U' Ub, S, V^T.
 *      Two products of X with a thin matrix: O(bins T r) per refresh, never
 *      a full SVD of the window. (The first refresh, and any refresh with
 *      no model yet, iterates 3 times from the random start.)
 *   2. If s_r / s_1 < 1e-4 the window has numerical rank below r (e.g. one
 *      source alone, or fewer distinct frames than r): the refresh is
 *      skipped and the model in force is kept.
 *   3. Q is re-solved by the LP alternating optimization of volmin_ao.c on
 *      this subspace (nmf_volmin_solve_subspace), warm-started through the
 *      previous W (singular vectors flip and rotate between windows, so Q
 *      itself is never carried over).
 *   4. The new W's columns are matched to the previous W's by cosine
 *      similarity (Hungarian assignment) and permuted, so a component index
 *      keeps meaning the same source from refresh to refresh.
 *   5. For the frames to come, P = (U^T W)^{-1} U^T is stored: a frame's
 *      coordinates in the subspace are c = S^{-1} U^T v, its activations on
 *      the sum-to-one scale h = Q c = P v, and W h = U U^T v is v's
 *      projection onto the model's subspace.
 * Any solver failure (NMF_ERR_RANK, NMF_ERR_LP, NMF_ERR_NOT_CONVERGED, ...)
 * keeps the previous model; it is counted and its message kept (see
 * nmf_volmin_stream_get_stats), never reported by push, never fatal.
 * The work of a refresh's solve is bounded (about 1 s of one core: the
 * push that refreshes returns within that, so whoever waits for it, a
 * state change of the element, is not held for minutes): a solve that
 * reaches the bound in its sweeps installs the best model found so far
 * (feasible, of smaller volume than its start), as does one that reaches
 * it in its regularized iterations (lambda > 0: the last iterate), both
 * counted in stopped_at_limit; one that reaches it in its start (many
 * components over a long window) fails.  The bound counts work (pivots,
 * flops), not time, so the output does not depend on the machine.
 * A state change need not wait even that long: a flag of the caller's
 * (nmf_volmin_stream_set_cancel) stops a refresh under way between two
 * of its linear programs, leaving everything as it was.
 *
 * Per frame (push): h = P v, spectra_k = max(W_k h_k, 0). W may have
 * negative entries (a small share of its mass on audio), and h_k
 * may be negative for a frame outside the window's cone: each component's
 * spectrum is clipped at zero, the documented choice for masks.
 * Until the first model exists (window with fewer than 2 * rank non-silent
 * frames, or of numerical rank below r, or every solve so far failed) the
 * output is an even split: spectra_k = v / rank.
 *
 * Digital silence: all-zero frames do not enter the window (nor count
 * towards the next refresh), so the model and the window in force survive
 * a silence of any length; a refresh is skipped while the window holds
 * fewer than 2 * rank frames with sound.
 *
 * lambda: 0 = the exact criterion. It is sensitive to noise: each source is
 * pinned by one extreme frame of the window (often a quiet one), so one odd
 * frame can move a template. lambda in (0, 1] selects the log-det
 * regularized form (fit + lambda * volume, scaled to the window's energy),
 * solved on the tracked rank-r subspace: smoother templates that do not
 * reproduce the window exactly; large lambda merges components. It costs
 * far more per refresh than the exact form (an iterative solve after the
 * LPs, here capped at 300 iterations with a relative tolerance of 1e-6;
 * a refresh that does not converge counts as a failure, one stopped by
 * the work limit below, the LPs' and these iterations' together, installs
 * its last iterate).
 *
 * Scale: nothing depends on the absolute level (1e-30 .. 1e20 work); the
 * products that would square the data (X X^T U) are formed with a
 * normalized B.
 *
 * Cost (bins 1025, T 258, rank 2): per frame two thin products with v
 * (O(bins r)); per refresh two passes over the window (O(bins T r)) and the
 * LPs (O(T r) per pivot). OpenBLAS calls are cut into blocks below
 * OpenBLAS's multithreading thresholds, so no product here starts threads.
 * Nothing is allocated after create except what GLPK does inside its LP
 * solves. GLPK: see <nmf/factorize.h> (its per-thread environment is left
 * to the caller's thread; nmf_volmin_thread_cleanup frees it).
 *
 * Layouts: v and each spectra row are `bins` floats; spectra is rank x bins
 * row-major (spectra[k * bins + f]); templates are bins x rank column-major
 * (W[k * bins + f]), all zero until the first model. */
#ifndef NMF_VOLMIN_STREAM_H
#define NMF_VOLMIN_STREAM_H

#include <stdint.h>

#include <nmf/error.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct nmf_volmin_stream nmf_volmin_stream;

/* bins >= 2, 1 <= rank <= min(bins, 1024), 2 * rank <= window_frames
 * <= 100000, 1 <= refresh_interval <= 1000000, 0 <= lambda <= 1 (finite).
 * NMF_ERR_INVALID_ARGUMENT otherwise (and *out = NULL). */
int nmf_volmin_stream_create (nmf_volmin_stream ** out, int bins, int rank,
    int window_frames, int refresh_interval, double lambda, uint64_t seed);

/* Frees everything and sets *s to NULL. NULL and *s == NULL are fine. */
void nmf_volmin_stream_destroy (nmf_volmin_stream ** s);

/* Empties the window. keep_model = 1 keeps the templates (and the subspace)
 * in force; keep_model = 0 forgets them and restarts from the seed (even
 * split until a new model exists). Statistics are not reset. */
void nmf_volmin_stream_reset (nmf_volmin_stream * s, int keep_model);

/* v: bins magnitudes >= 0 of the new frame. Writes spectra (rank x bins,
 * row-major): component k's share of this frame, from the model in force
 * when the frame enters (causal); then adds v to the window and refreshes
 * the model when due. NMF_ERR_NOT_FINITE (NaN/Inf in v) or NMF_ERR_NEGATIVE
 * (a negative magnitude): spectra are set to 0 and the frame is not added. */
int nmf_volmin_stream_push (nmf_volmin_stream * s, const float *v,
    float *spectra);

/* bins x rank, column-major, may be negative; all zero before the first
 * model. Valid until the next push or reset. */
const float *nmf_volmin_stream_templates (const nmf_volmin_stream * s);

typedef struct
{
  uint64_t frames;              /* frames pushed (accepted) */
  uint64_t refreshes;           /* refreshes that installed a new model */
  uint64_t failures;            /* solver failures (previous model kept) */
  uint64_t skipped_silent;      /* due refreshes skipped: < 2 rank
                                 * non-silent frames */
  uint64_t skipped_rank;        /* due refreshes skipped: numerical rank < r */
  uint64_t swaps;               /* refreshes whose matching permuted W's
                                 * columns */
  uint64_t stopped_at_limit;    /* refreshes that installed the model their
                                 * solve had found at its work limit */
  uint64_t cancelled;           /* refreshes stopped by the caller's flag
                                 * (nmf_volmin_stream_set_cancel) */
  int has_model;                /* 0: output is the even split */
  int last_status;              /* nmf_status of the last refresh attempt */
  const char *last_error;       /* message of the last failure ("" if none);
                                 * valid until the next push or reset */
  double singular_ratio;        /* s_r / s_1 at the last subspace update */
  double subspace_seconds;      /* CPU (thread) time in subspace tracking */
  double solve_seconds;         /* CPU (thread) time in the volmin solves
                                 * (LPs, polish, matching, P) */
  uint64_t lp_solves;           /* LPs solved in total */
} nmf_volmin_stream_stats;

int nmf_volmin_stream_get_stats (const nmf_volmin_stream * s,
    nmf_volmin_stream_stats * st);

/* A flag of the caller's (may be NULL: none), written atomically by
 * another thread: while it is not 0 a refresh stops between two of its
 * linear programs (within about a millisecond, where the work limit
 * allows a second) and changes nothing - the subspace, the window's
 * coordinates and the model stay as they were, last_status is
 * NMF_ERR_CANCELLED, counted in `cancelled`, not in failures - and it
 * stays due: the first push after the flag is cleared makes it.  A state
 * change of the element raises it so as not to wait for a refresh. */
void nmf_volmin_stream_set_cancel (nmf_volmin_stream * s,
    const volatile int *cancel);

/* Subspace iterations per refresh once a model exists (1..4, default 1). */
int nmf_volmin_stream_set_subspace_iterations (nmf_volmin_stream * s,
    int iterations);

#ifdef __cplusplus
}
#endif
#endif /* NMF_VOLMIN_STREAM_H */
