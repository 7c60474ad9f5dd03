/* gst-nmf core: KL-NMF kept up to date over a sliding window of frames.
 *
 * For each new magnitude frame v (bins values >= 0):
 *   1. nmf_online_kl_activate(): its activations h (components values) with
 *      the templates W fixed, by multiplicative updates warm-started from the
 *      previous frame's activations;
 *   2. nmf_online_kl_learn(): the frame joins the window statistics
 *        A = sum_s W_s * ((v_s / (W_s h_s)) h_s^T),   B = sum_s h_s
 *      (W_s the templates in force when frame s entered), the frame that
 *      leaves the window is subtracted, and W = A / (1 B^T) with columns
 *      normalised to sum to one (the scale lives in h).
 * This is the majorize-minimize W update of KL-NMF over the window, at
 * O(bins x components) per frame instead of re-running full-window updates.
 *
 * W is stored column-major: component k's template is W[k * bins + f].
 * Entries never become exactly zero (zero is absorbing under multiplicative
 * updates), and frames of digital silence leave the model as it was. */
#ifndef NMF_ONLINE_KL_H
#define NMF_ONLINE_KL_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct nmf_online_kl nmf_online_kl;

/* 1 when frame v (bins magnitudes) is digital silence: the frames that
 * leave the model as it was. */
int nmf_online_kl_is_silence (const float *v, int bins);

/* Re-fit frame v's activations h (in: a start, e.g. those it had when it
 * entered; out: the fit) with the templates in force now. */
void nmf_online_kl_refit (nmf_online_kl * kl, const float *v, float *h,
    int iterations);

int nmf_online_kl_create (nmf_online_kl ** out, int bins, int components,
    int window_frames, int iterations, uint64_t seed);
/* The same, the window statistics kept per block of update_interval
 * frames from the start (as nmf_online_kl_set_update_interval keeps them),
 * so that they are never allocated per frame: that took update_interval
 * times the memory, for a moment, at every create. */
int nmf_online_kl_create_with_interval (nmf_online_kl ** out, int bins,
    int components, int window_frames, int update_interval, int iterations,
    uint64_t seed);
void nmf_online_kl_destroy (nmf_online_kl ** kl);

/* Empties the window.  keep_templates = 0 also restarts W from the seed. */
void nmf_online_kl_reset (nmf_online_kl * kl, int keep_templates);

/* h (components values): activations of v with W fixed. */
void nmf_online_kl_activate (nmf_online_kl * kl, const float *v, float *h);

/* Adds (v, h) to the window, drops the oldest frame when full, refreshes W.
 * A frame of silence (total below NMF_KL_SILENCE_MASS) changes nothing: it
 * does not enter the window. */
void nmf_online_kl_learn (nmf_online_kl * kl, const float *v, const float *h);

/* spectra (components x bins, row-major) = W_k h_k: each component's model
 * of the frame whose activations are h. */
void nmf_online_kl_spectra (const nmf_online_kl * kl, const float *h,
    float *spectra);

/* Per-source model spectra (sources x bins, row-major):
 *   spectra_s = sum_k membership[k * sources + s] W_k h_k,
 * membership a components x sources row-major matrix (grouping.h).
 * scratch: sources * nmf_online_kl_padded_components() floats, aligned to
 * 32 bytes (NMF_ERR_INVALID_ARGUMENT otherwise). */
int nmf_online_kl_group_spectra (nmf_online_kl * kl, const float *h,
    const float *membership, int sources, float *spectra, float *scratch);
int nmf_online_kl_padded_components (const nmf_online_kl * kl);

/* Multiplicative updates per frame from now on (1..10000). */
int nmf_online_kl_set_iterations (nmf_online_kl * kl, int iterations);

/* Update W every `frames` frames (1..window_frames) instead of every
 * frame: the window statistics are kept per block of `frames` frames (a
 * block leaves the window whole, so the window spans between
 * ceil(window_frames / frames) * frames - frames + 1 and that many frames),
 * which divides the per-frame cost of learning by about 3 and the memory of
 * the statistics by `frames`.  1 (the default) is the per-frame update
 * described above.  Empties the window (keeps the templates). */
int nmf_online_kl_set_update_interval (nmf_online_kl * kl, int frames);

/* After the warm-up, re-fit the whole window - every frame's activations
 * (one update from where they are) and its share of the statistics, which
 * was computed with the templates in force when the frame entered - every
 * window_frames / per_window voiced frames: a batch majorize-minimize step
 * over the window, costing per frame about per_window activation updates
 * and contributions (against the frame's own `iterations` updates and one
 * contribution).  0 (the default): never. */
int nmf_online_kl_set_refreshes (nmf_online_kl * kl, int per_window);

/* Set templates first .. first + count - 1 (column-major bins x count, >= 0,
 * finite; normalised here to sum to one).  fixed != 0: they are held fixed
 * (a dictionary): never updated, never reset by nmf_online_kl_reset, and
 * they cost nothing in the learning step; the other templates stay free.
 * A cold model seeds its first free template from its first sound. */
int nmf_online_kl_set_templates (nmf_online_kl * kl, int first, int count,
    const float *templates, int fixed);

/* The templates in force are a learned model's, not a random start: the
 * first sound does not seed a template (a model taking over another's). */
void nmf_online_kl_set_warm (nmf_online_kl * kl);
/* Whether the free templates have met sound (or were set warm). */
int nmf_online_kl_is_warm (const nmf_online_kl * kl);

/* Column-major bins x components templates in force now. */
const float *nmf_online_kl_templates (const nmf_online_kl * kl);

/* Each component's activation mass over the window (sum of its h over the
 * frames in the window): components values. */
void nmf_online_kl_activation_mass (const nmf_online_kl * kl, double *mass);

/* Times a fresh model fitted to the window replaced the one in force (see
 * CHALLENGE_FRAMES in online_kl_private.h): a model stuck in a poor fit, e.g.
 * after a loud broadband stretch, is replaced at most two window lengths
 * after the stretch ends. */
uint64_t nmf_online_kl_restarts (const nmf_online_kl * kl);

/* Frames currently in the window (<= window_frames). */
int nmf_online_kl_window_fill (const nmf_online_kl * kl);

#ifdef __cplusplus
}
#endif
#endif /* NMF_ONLINE_KL_H */
