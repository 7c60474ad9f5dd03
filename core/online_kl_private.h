/* gst-nmf core (internal): the state of nmf_online_kl, shared by its files:
 * online_kl.c (the object and the per-frame activations),
 * online_kl_window.c (the window statistics and the template update) and
 * online_kl_restart.c (the check that replaces a model stuck in a poor
 * fit). */
#ifndef NMF_ONLINE_KL_PRIVATE_H
#define NMF_ONLINE_KL_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

#include "kl_kernels.h"
#include "online_kl.h"

/* While the first window fills, the model is far from the data and the
 * statistics stored with an early W go stale fast.  During that warm-up,
 * at voiced frame 1 and then max(1, t / REFRESH_DIVISOR) frames after a
 * re-fit at frame t, every frame of the window is re-fitted with the
 * current W
 * (REFRESH_ITERATIONS updates of its activations, its contribution
 * recomputed): one batch majorize-minimize step over the window.  Often at
 * first, ever more rarely: about REFRESH_DIVISOR * window_frames
 * frame-solves in all, paid once per stream, not per hop. */
#ifndef REFRESH_DIVISOR
#define REFRESH_DIVISOR 8
#endif
#ifndef REFRESH_ITERATIONS
#define REFRESH_ITERATIONS 3
#endif
/* After the warm-up the statistics go stale too, only more slowly: each
 * frame's contribution was computed with the templates in force when it
 * entered, so the templates are a fixed point of an average over past
 * models, not of the window.  With nmf_online_kl_set_refreshes(kl, n) the
 * window is re-fitted in the same way every window_frames / n voiced
 * frames, with STEADY_REFRESH_ITERATIONS updates of each frame's
 * activations (from where they are); never when every template is held
 * fixed (nothing to learn). */
#ifndef STEADY_REFRESH_ITERATIONS
#define STEADY_REFRESH_ITERATIONS 1
#endif

/* Bounded memory.  Multiplicative updates cannot leave a poor local
 * optimum: after a loud broadband stretch one component may explain
 * everything and the others sit on templates nothing else matches, long
 * after the stretch has left the window (and a bad start is as lasting).
 * So once per window turnover (every window_frames voiced frames after the
 * warm-up) a fresh model - the cold start, a new random draw - is fitted by
 * batch KL-NMF (CHALLENGE_ITERATIONS majorize-minimize steps) to
 * CHALLENGE_FRAMES voiced frames spread over the window, and judged against
 * the model in force on as many other frames of the window (activations
 * re-fitted alike for each model: CHALLENGE_EVAL_ITERATIONS updates from an
 * even split; no challenge while the window holds fewer than
 * CHALLENGE_MIN_FRAMES voiced frames).  The fresh model replaces
 * the one in force, its components matched to the old ones so indices keep
 * their meaning, only when its held-out divergence is below
 * CHALLENGE_MARGIN times the incumbent's: a model that tracks its window
 * well is never replaced by a fit to a few frames. */
#ifndef CHALLENGE_FRAMES
#define CHALLENGE_FRAMES 16
#endif
#ifndef CHALLENGE_ITERATIONS
#define CHALLENGE_ITERATIONS 15
#endif
#ifndef CHALLENGE_EVAL_ITERATIONS
#define CHALLENGE_EVAL_ITERATIONS 8
#endif
#ifndef CHALLENGE_REBUILD_PASSES
#define CHALLENGE_REBUILD_PASSES 4
#endif
#ifndef CHALLENGE_MIN_FRAMES
#define CHALLENGE_MIN_FRAMES 16
#endif
#ifndef CHALLENGE_MARGIN
#define CHALLENGE_MARGIN 0.45
#endif


struct nmf_online_kl
{
  int bins, components, window_frames, iterations;
  int kpad;                     /* components rounded up to NMF_KL_LANES */
  int update_interval;          /* M: frames per block of statistics */
  int refreshes;                /* window re-fits per window_frames, >= 0 */
  int blocks;                   /* ceil(window_frames / M) */
  int capacity;                 /* blocks * M frames */
  uint64_t seed;

  float *W;                     /* bins x components, column-major */
  nmf_vf8 *acc;                     /* components: kernel partial sums */
  float *colsum;                /* column sums of W */
  unsigned char *fixed;         /* components: template held fixed */
  int n_fixed;
  double *A;                    /* statistic of the complete blocks, like W */
  double *B;                    /* statistic of the complete blocks */
  float *block_contrib;         /* blocks x (bins x components) */
  float *block_h;               /* blocks x components */
  float *ring_h;                /* capacity x components */
  float *ring_v;                /* capacity x bins: the frames */
  int64_t voiced_seen;          /* voiced frames since the last reset */
  int64_t next_warm_refresh;    /* the warm-up's next re-fit, in voiced
                                 * frames (see REFRESH_DIVISOR) */
  uint64_t refitted_frames;     /* frames the re-fits have fitted, ever */
  int ring_pos;                 /* slot the next frame goes to */
  int ring_fill;
  int frames_since_resum;
  float *hpad;                  /* kpad */
  float *gpad;                  /* kpad */

  float *h_prev;
  int have_prev;
  int cold;                     /* templates still at their random start */
  float *scratch;               /* 2 * bins + components */

  /* the fresh model of a challenge (see CHALLENGE_FRAMES) */
  int voiced_since_challenge;
  uint64_t challenges;          /* challenges run (each draws anew) */
  uint64_t restarts;            /* challenges won */
  float *ch_W;                  /* bins x components */
  float *ch_colsum;             /* components */
  float *ch_num;                /* bins x components: MM numerator */
  double *ch_den;               /* components */
  float *ch_h;                  /* 2 * CHALLENGE_FRAMES x components */
  int *ch_slots;                /* 2 * CHALLENGE_FRAMES ring slots */
  double *ch_mass;              /* their frames' total magnitudes */
  double *ch_cost;              /* components^2 */
  double *ch_work;              /* NMF_ASSIGNMENT_WORK (components) */
  size_t *ch_perm;              /* components */
};

/* online_kl.c */

/* Free templates of W drawn from *state (positive, away from zero,
 * different per component); templates held fixed are left as they are. */
void nmf_online_kl_draw_templates (const nmf_online_kl * kl, float *W,
    float *colsum, uint64_t * state);
/* A cold model's first free template starts from frame v (total magnitude
 * mass). */
void nmf_online_kl_seed_first_free (const nmf_online_kl * kl, float *W,
    float *colsum, const float *v, double mass);
/* `iterations` multiplicative updates of frame v's activations h (total
 * magnitude mass) with templates W (column sums colsum): the model's own
 * or a challenger's. */
void nmf_online_kl_fit (nmf_online_kl * kl, const float *W,
    const float *colsum, const float *v, float *h, int iterations,
    double mass);

/* online_kl_window.c */

/* (Re)allocates the window storage for update interval m; frees it. */
int nmf_online_kl_alloc_window (nmf_online_kl * kl, int m);
void nmf_online_kl_free_window (nmf_online_kl * kl);
/* 1 when ring slot s holds a voiced frame of the window. */
int nmf_online_kl_in_window (const nmf_online_kl * kl, int s);
/* slot += W * ((v / Wh) h^T) for the free templates of W. */
void nmf_online_kl_contribution (nmf_online_kl * kl, const float *W,
    const float *v, const float *h, float *slot);
/* Every frame of the window re-fitted with the templates in force
 * (`iterations` updates of its activations), the statistics recomputed,
 * the templates updated. */
void nmf_online_kl_refresh_window (nmf_online_kl * kl, int iterations);

/* online_kl_restart.c */

/* 1 when a fresh model fitted to the window replaced the one in force. */
int nmf_online_kl_challenge (nmf_online_kl * kl);

#endif /* NMF_ONLINE_KL_PRIVATE_H */
