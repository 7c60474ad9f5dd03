/* gst-nmf core (internal): streaming grouping of NMF components into
 * sources by timbre.
 *
 * With K components and S < K sources, every component's template W_k
 * (bins values >= 0) is described by timbre features (timbre.h), the
 * components are clustered into S groups by k-means (kmeans.h), each
 * component weighted by its activation mass (a component that has not
 * sounded in the window has an unreliable template and little say), and
 * each group is one source.
 *
 * Streaming stability (a source index means the same source for the whole
 * stream):
 *   - nmf_grouping_update() is meant to be called every N frames, not per
 *     frame; the first call with enough mass makes the initial grouping;
 *   - each later regrouping starts k-means from the per-source centroids
 *     kept so far, matches its clusters to the old sources (Hungarian
 *     assignment on centroid distance), and the centroids are then smoothed
 *     (exponential moving average, slow: they carry the sources' identity);
 *   - memberships, hard (`membership_exponent` q = 0): a component
 *     belongs wholly to one source and moves to another only when that
 *     source's centroid is closer than its own source's by a relative
 *     margin, at `patience` regroupings in a row (hysteresis);
 *   - soft (q > 0, the default), as in fuzzy c-means (Bezdek, "Pattern
 *     recognition with fuzzy objective function algorithms", 1981): blind
 *     source s gets a share of a component in proportion to d_s^-q, d_s
 *     the squared feature distance from the component to s's centroid,
 *     blended into the shares the component is ramping to (weight
 *     `membership_smoothing`), so that a share moves only as far as
 *     repeated evidence takes it.  A component near one centroid stays
 *     almost wholly there; one between two - a template that learned parts
 *     of both sources - is split instead of thrown on one side.  The
 *     hysteresis then only keeps nmf_grouping_assignment(), the source
 *     each component counts as;
 *   - every change of a membership row goes through a linear ramp of
 *     `ramp_frames` frames (nmf_grouping_step() advances it once per
 *     frame), so the masks never jump.
 * Components may be pinned to a source (e.g. templates from a dictionary):
 * they are never regrouped and do not take part in the clustering.
 *
 * Everything is allocated at create; update and step never allocate. */
#ifndef NMF_GROUPING_H
#define NMF_GROUPING_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct nmf_grouping nmf_grouping;

typedef struct
{
  int bins;                     /* fft_size / 2 + 1, >= 16 */
  int components;               /* K, >= sources */
  int sources;                  /* S, >= 1 */
  int patience;                 /* regroupings in a row before a move, >= 1 */
  double margin;                /* relative distance margin of a move, >= 0 */
  double smoothing;             /* centroid EMA weight of a new
                                 * regrouping, (0, 1] */
  double membership_smoothing;  /* share EMA weight of a new regrouping,
                                 * (0, 1] */
  int ramp_frames;              /* frames of a membership ramp, >= 1 */
  int restarts;                 /* extra k-means++ starts per regrouping,
                                 * >= 0 */
  double weight_envelope;       /* weights of the three feature blocks
                                 * (timbre.h), >= 0 */
  double weight_shift;
  double weight_descriptors;
  double membership_exponent;   /* soft memberships, 0..64 (0: hard) */
  uint64_t seed;
} nmf_grouping_config;

#define NMF_GROUPING_DEFAULT_PATIENCE 3
#define NMF_GROUPING_DEFAULT_MARGIN 0.1
/* The centroids are the sources' identities: they move slowly (a time
 * constant of 1 / 0.05 = 20 regroupings), so that a source that pauses,
 * or whose components are re-learned, keeps its index; the shares follow
 * the templates faster (docs/experiments.md#slow-centroids-2026-11-26). */
#define NMF_GROUPING_DEFAULT_SMOOTHING 0.05
#define NMF_GROUPING_DEFAULT_MEMBERSHIP_SMOOTHING 0.3
#define NMF_GROUPING_DEFAULT_RAMP_FRAMES 8
#define NMF_GROUPING_DEFAULT_RESTARTS 4
/* Block weights (shares of the squared distance): the register profile
 * tells sources apart best, and the shift-invariant block is worth as
 * much (docs/experiments.md#grouping-block-weights-2026-11-26,
 * #the-shift-invariant-block-mended-2026-11-26). */
#define NMF_GROUPING_DEFAULT_WEIGHT_ENVELOPE 1.0
#define NMF_GROUPING_DEFAULT_WEIGHT_SHIFT 2.0
#define NMF_GROUPING_DEFAULT_WEIGHT_DESCRIPTORS 2.0
/* Soft memberships, smoothed
 * (docs/experiments.md#soft-memberships-2026-11-26). */
#define NMF_GROUPING_DEFAULT_MEMBERSHIP_EXPONENT 3.0

void nmf_grouping_config_init (nmf_grouping_config * c, int bins,
    int components, int sources);

int nmf_grouping_create (nmf_grouping ** out, const nmf_grouping_config * c);
void nmf_grouping_destroy (nmf_grouping ** g);

/* Forget the grouping (back to the initial round-robin assignment, no
 * centroids); pinned components stay pinned. */
void nmf_grouping_reset (nmf_grouping * g);

/* Pin component k to source s for good (s < 0 unpins it). */
int nmf_grouping_pin (nmf_grouping * g, int k, int s);

/* Sources that take part in blind grouping: the free (unpinned) components
 * are grouped into these only.  mask[s] != 0: source s is blind.  Default:
 * every source.  If exactly one source is blind, every free component
 * belongs to it and no clustering is done. */
int nmf_grouping_set_blind_sources (nmf_grouping * g,
    const unsigned char *mask);

/* A regrouping from the templates in force (column-major bins x components,
 * >= 0; negative entries are read as 0) and each component's activation mass
 * over the model's window (>= 0; NULL: all equal).  Returns the number of
 * components that started to move. */
int nmf_grouping_update (nmf_grouping * g, const float *templates,
    const double *mass);

/* Advance the membership ramps by one frame.  Call once per frame. */
void nmf_grouping_step (nmf_grouping * g);

/* K x S row-major membership matrix in force: each row sums to one; with
 * hard memberships a component off a ramp has a single 1. */
const float *nmf_grouping_membership (const nmf_grouping * g);

/* Source each component belongs to (or is moving to), with the
 * hysteresis; with soft memberships the masks follow the shares instead. */
const int *nmf_grouping_assignment (const nmf_grouping * g);

/* Regroupings done, and component moves started, since the last reset. */
uint64_t nmf_grouping_regroups (const nmf_grouping * g);
uint64_t nmf_grouping_moves (const nmf_grouping * g);

/* Features of one template (for tests and analysis): writes
 * nmf_grouping_feature_dim() values. */
int nmf_grouping_feature_dim (const nmf_grouping * g);
void nmf_grouping_features (nmf_grouping * g, const float *w, float *feat);

/* One-shot clustering of `n` templates (column-major bins x n) into
 * `clusters` groups with the same features and weighted k-means (several
 * k-means++ starts from `seed`, the best kept): label[i] in [0, clusters).
 * No state, for batch use and tests. */
int nmf_grouping_cluster_once (nmf_grouping * g, const float *templates,
    const double *mass, int n, int clusters, uint64_t seed, int *label);

#ifdef __cplusplus
}
#endif
#endif /* NMF_GROUPING_H */
