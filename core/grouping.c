/* gst-nmf core: streaming grouping of components into sources (see
 * grouping.h). */
#include "grouping.h"

#include <nmf/error.h>

#include "hungarian.h"
#include "kmeans.h"
#include "rng.h"
#include "timbre.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct nmf_grouping
{
  nmf_grouping_config cfg;
  int K, S, D;
  nmf_timbre *timbre;

  int *pinned;                  /* K: source or -1 */
  unsigned char *blind;         /* S */
  int *assign;                  /* K */
  int *candidate, *count;       /* K */
  int *ramp_pos;                /* K: ramp_pos == ramp_frames: no ramp */
  float *G;                     /* K x S: membership in force */
  float *ramp_from, *target;    /* K x S: a ramp goes from one to the other */
  float *row;                   /* S scratch */
  double *dist;                 /* S scratch */

  int have_centroids;
  double *centroid;             /* S x D (indexed by source) */
  float *feat;                  /* K x D */
  double *wmass;                /* K */
  int *idx;                     /* K: free components */
  nmf_kmeans km;                /* on feat, idx, wmass */
  double *cost;                 /* S x S */
  double *assign_work;          /* NMF_ASSIGNMENT_WORK (S) */
  size_t *perm;                 /* S */
  int *bsrc;                    /* S: blind sources */
  nmf_xrng rng;
  uint64_t regroups, moves;
};

void
nmf_grouping_config_init (nmf_grouping_config * c, int bins, int components,
    int sources)
{
  c->bins = bins;
  c->components = components;
  c->sources = sources;
  c->patience = NMF_GROUPING_DEFAULT_PATIENCE;
  c->margin = NMF_GROUPING_DEFAULT_MARGIN;
  c->smoothing = NMF_GROUPING_DEFAULT_SMOOTHING;
  c->membership_smoothing = NMF_GROUPING_DEFAULT_MEMBERSHIP_SMOOTHING;
  c->ramp_frames = NMF_GROUPING_DEFAULT_RAMP_FRAMES;
  c->restarts = NMF_GROUPING_DEFAULT_RESTARTS;
  c->seed = 0;
  c->weight_envelope = NMF_GROUPING_DEFAULT_WEIGHT_ENVELOPE;
  c->weight_shift = NMF_GROUPING_DEFAULT_WEIGHT_SHIFT;
  c->weight_descriptors = NMF_GROUPING_DEFAULT_WEIGHT_DESCRIPTORS;
  c->membership_exponent = NMF_GROUPING_DEFAULT_MEMBERSHIP_EXPONENT;
}

int
nmf_grouping_feature_dim (const nmf_grouping * g)
{
  return g->D;
}

void
nmf_grouping_features (nmf_grouping * g, const float *w, float *feat)
{
  nmf_timbre_features (g->timbre, w, feat);
}

int
nmf_grouping_create (nmf_grouping ** out, const nmf_grouping_config * c)
{
  nmf_grouping *g;
  int ret;

  if (!out)
    return NMF_ERR_INVALID_ARGUMENT;
  *out = NULL;
  if (!c || c->bins < 16 || c->sources < 1 || c->components < c->sources
      || c->components > 4096 || c->patience < 1 || !(c->margin >= 0.0)
      || !(c->smoothing > 0.0 && c->smoothing <= 1.0)
      || !(c->membership_smoothing > 0.0 && c->membership_smoothing <= 1.0)
      || c->ramp_frames < 1
      || c->restarts < 0 || c->restarts > 100
      || !(c->membership_exponent >= 0.0 && c->membership_exponent <= 64.0))
    return NMF_ERR_INVALID_ARGUMENT;
  g = calloc (1, sizeof (*g));
  if (!g)
    return NMF_ERR_NO_MEMORY;
  g->cfg = *c;
  g->K = c->components;
  g->S = c->sources;
  if ((ret = nmf_timbre_create (&g->timbre, c->bins, c->weight_envelope,
              c->weight_shift, c->weight_descriptors)) != NMF_OK) {
    nmf_grouping_destroy (&g);
    return ret;
  }
  const int K = g->K, S = g->S;
  g->D = nmf_timbre_dim (g->timbre);
  g->pinned = malloc (sizeof (int) * K);
  g->blind = malloc (S);
  g->assign = malloc (sizeof (int) * K);
  g->candidate = malloc (sizeof (int) * K);
  g->count = malloc (sizeof (int) * K);
  g->ramp_pos = malloc (sizeof (int) * K);
  g->G = malloc (sizeof (float) * K * S);
  g->ramp_from = malloc (sizeof (float) * K * S);
  g->target = malloc (sizeof (float) * K * S);
  g->row = malloc (sizeof (float) * S);
  g->dist = malloc (sizeof (double) * S);
  g->centroid = malloc (sizeof (double) * S * g->D);
  g->feat = malloc (sizeof (float) * K * g->D);
  g->wmass = malloc (sizeof (double) * K);
  g->idx = malloc (sizeof (int) * K);
  g->cost = malloc (sizeof (double) * S * S);
  g->assign_work = malloc (sizeof (double) * NMF_ASSIGNMENT_WORK (S));
  g->perm = malloc (sizeof (size_t) * S);
  g->bsrc = malloc (sizeof (int) * S);
  if (!g->pinned || !g->blind || !g->assign || !g->candidate || !g->count
      || !g->ramp_pos || !g->G || !g->ramp_from || !g->target || !g->row
      || !g->dist || !g->centroid || !g->feat || !g->wmass || !g->idx
      || !g->cost || !g->assign_work || !g->perm || !g->bsrc
      || nmf_kmeans_init (&g->km, K, S, g->D) != NMF_OK) {
    nmf_grouping_destroy (&g);
    return NMF_ERR_NO_MEMORY;
  }
  g->km.feat = g->feat;
  g->km.idx = g->idx;
  g->km.weight = g->wmass;
  g->km.rng = &g->rng;
  for (int k = 0; k < K; k++)
    g->pinned[k] = -1;
  memset (g->blind, 1, S);
  nmf_grouping_reset (g);
  *out = g;
  return NMF_OK;
}

void
nmf_grouping_destroy (nmf_grouping ** gp)
{
  nmf_grouping *g;

  if (!gp || !*gp)
    return;
  g = *gp;
  nmf_timbre_destroy (&g->timbre);
  free (g->pinned);
  free (g->blind);
  free (g->assign);
  free (g->candidate);
  free (g->count);
  free (g->ramp_pos);
  free (g->G);
  free (g->ramp_from);
  free (g->target);
  free (g->row);
  free (g->dist);
  free (g->centroid);
  free (g->feat);
  free (g->wmass);
  free (g->idx);
  nmf_kmeans_clear (&g->km);
  free (g->cost);
  free (g->assign_work);
  free (g->perm);
  free (g->bsrc);
  free (g);
  *gp = NULL;
}

static int
blind_sources (const nmf_grouping * g, int *list)
{
  int n = 0;
  for (int s = 0; s < g->S; s++)
    if (g->blind[s])
      list[n++] = s;
  return n;
}

/* Component k's membership becomes `row` at once. */
static void
set_row (nmf_grouping * g, int k, const float *row)
{
  const size_t S = (size_t) g->S;
  memcpy (g->G + k * S, row, sizeof (float) * S);
  memcpy (g->ramp_from + k * S, row, sizeof (float) * S);
  memcpy (g->target + k * S, row, sizeof (float) * S);
  g->ramp_pos[k] = g->cfg.ramp_frames;
}

/* Component k's membership ramps from where it is to `row` (no new ramp
 * if that is already its target). */
static void
ramp_to (nmf_grouping * g, int k, const float *row)
{
  const size_t S = (size_t) g->S;
  float *t = g->target + k * S;
  if (!memcmp (t, row, sizeof (float) * S))
    return;
  memcpy (g->ramp_from + k * S, g->G + k * S, sizeof (float) * S);
  memcpy (t, row, sizeof (float) * S);
  g->ramp_pos[k] = 0;
}

static void
set_member (nmf_grouping * g, int k, int s)
{
  float *row = g->row;
  for (int r = 0; r < g->S; r++)
    row[r] = r == s ? 1.0f : 0.0f;
  set_row (g, k, row);
  g->assign[k] = s;
  g->count[k] = 0;
  g->candidate[k] = s;
}

void
nmf_grouping_reset (nmf_grouping * g)
{
  int nb = blind_sources (g, g->bsrc), j = 0;

  for (int k = 0; k < g->K; k++) {
    if (g->pinned[k] >= 0)
      set_member (g, k, g->pinned[k]);
    else if (nb > 0)
      set_member (g, k, g->bsrc[j++ % nb]);
    else
      set_member (g, k, 0);
  }
  g->have_centroids = 0;
  g->regroups = 0;
  g->moves = 0;
  nmf_xrng_seed (&g->rng, g->cfg.seed);
}

int
nmf_grouping_pin (nmf_grouping * g, int k, int s)
{
  if (!g || k < 0 || k >= g->K || s >= g->S)
    return NMF_ERR_INVALID_ARGUMENT;
  g->pinned[k] = s < 0 ? -1 : s;
  nmf_grouping_reset (g);
  return NMF_OK;
}

int
nmf_grouping_set_blind_sources (nmf_grouping * g, const unsigned char *mask)
{
  if (!g || !mask)
    return NMF_ERR_INVALID_ARGUMENT;
  for (int s = 0; s < g->S; s++)
    g->blind[s] = mask[s] ? 1 : 0;
  nmf_grouping_reset (g);
  return NMF_OK;
}

static void
prepare_points (nmf_grouping * g, const float *templates, const double *mass,
    int n_all, int only_free)
{
  const int F = g->cfg.bins;
  int n = 0;
  double total = 0.0;

  for (int k = 0; k < n_all; k++) {
    if (only_free && g->pinned[k] >= 0)
      continue;
    g->idx[n] = k;
    nmf_grouping_features (g, templates + (size_t) k * F,
        g->feat + (size_t) k * g->D);
    double m = mass ? mass[k] : 1.0;
    g->wmass[n] = m > 0.0 && isfinite (m) ? m : 0.0;
    total += g->wmass[n];
    n++;
  }
  /* normalise; a floor so a silent component still gets a label */
  for (int i = 0; i < n; i++)
    g->wmass[i] = (total > 0.0 ? g->wmass[i] / total : 1.0 / n) + 1e-3 / n;
}

int
nmf_grouping_cluster_once (nmf_grouping * g, const float *templates,
    const double *mass, int n, int clusters, uint64_t seed, int *label)
{
  if (!g || !templates || n < 1 || n > g->K || clusters < 1
      || clusters > g->S || clusters > n || !label)
    return NMF_ERR_INVALID_ARGUMENT;
  nmf_xrng_seed (&g->rng, seed);
  prepare_points (g, templates, mass, n, 0);
  nmf_kmeans_best (&g->km, n, clusters, 1 + g->cfg.restarts);
  memcpy (label, g->km.label_best, sizeof (int) * n);
  return NMF_OK;
}

static void
start_move (nmf_grouping * g, int k, int to)
{
  g->assign[k] = to;
  g->count[k] = 0;
  g->moves++;
}

/* The membership row of free component k (features in g->feat, from this
 * regrouping), in g->row.  Hard: all of it in its assigned source.  Soft
 * (membership_exponent q > 0, fuzzy c-means): blind source s gets a share
 * in proportion to d_s^-q, d_s the squared feature distance to the
 * source's smoothed centroid; with `smooth`, those shares are blended into
 * the row the component is ramping to, its target (weight
 * cfg.membership_smoothing; the target, not the row in force mid-ramp, so a
 * ramp is never blended into itself), and a share moves only as far as
 * repeated evidence takes it. */
static const float *
membership_row (nmf_grouping * g, int k, int nb, int smooth)
{
  float *row = g->row;
  const double q = g->cfg.membership_exponent;

  for (int s = 0; s < g->S; s++)
    row[s] = 0.0f;
  if (!(q > 0.0) || nb < 2 || !g->have_centroids) {
    row[g->assign[k]] = 1.0f;
    return row;
  }
  const float *x = g->feat + (size_t) k * g->D;
  double dmin = INFINITY, sum = 0.0;
  for (int j = 0; j < nb; j++) {
    g->dist[j]
        = nmf_kmeans_dist2 (x, g->centroid + (size_t)g->bsrc[j] * g->D, g->D)
        + 1e-12;
    if (g->dist[j] < dmin)
      dmin = g->dist[j];
  }
  for (int j = 0; j < nb; j++) {
    g->dist[j] = pow (dmin / g->dist[j], q);    /* in (0, 1]: no overflow */
    sum += g->dist[j];
  }
  const double a = smooth ? g->cfg.membership_smoothing : 1.0;
  const float *now = g->target + (size_t) k * g->S;
  for (int j = 0; j < nb; j++) {
    const int s = g->bsrc[j];
    row[s] = (float) ((1.0 - a) * now[s] + a * g->dist[j] / sum);
  }
  return row;
}

int
nmf_grouping_update (nmf_grouping * g, const float *templates,
    const double *mass)
{
  const int D = g->D;
  int nb = blind_sources (g, g->bsrc);
  int started = 0;

  if (nb == 0)
    return 0;
  if (nb == 1) {
    for (int k = 0; k < g->K; k++)
      if (g->pinned[k] < 0 && g->assign[k] != g->bsrc[0]) {
        start_move (g, k, g->bsrc[0]);
        ramp_to (g, k, membership_row (g, k, 1, 0));
        started++;
      }
    return started;
  }
  prepare_points (g, templates, mass, g->K, 1);
  int n = 0;
  for (int k = 0; k < g->K; k++)
    n += g->pinned[k] < 0;
  if (n < nb)
    return 0;
  g->regroups++;

  if (!g->have_centroids) {
    /* first grouping: the best of several starts; cluster j is blind
     * source j; no ramp (nothing meaningful was separated yet) */
    nmf_kmeans_best (&g->km, n, nb, 1 + g->cfg.restarts);
    for (int j = 0; j < nb; j++)
      memcpy (g->centroid + (size_t) g->bsrc[j] * D,
          g->km.cent_b + (size_t) j * D, sizeof (double) * D);
    g->have_centroids = 1;
    for (int i = 0; i < n; i++) {
      set_member (g, g->idx[i], g->bsrc[g->km.label_best[i]]);
      set_row (g, g->idx[i], membership_row (g, g->idx[i], nb, 0));
    }
    return 0;
  }

  /* k-means from the kept centroids, and fresh starts: a fresh solution
   * replaces it only if clearly better */
  for (int j = 0; j < nb; j++)
    memcpy (g->km.cent_a + (size_t) j * D,
        g->centroid + (size_t) g->bsrc[j] * D, sizeof (double) * D);
  double cost_warm = nmf_kmeans_run (&g->km, n, nb, g->km.cent_a, g->km.label);
  memcpy (g->km.label_best, g->km.label, sizeof (int) * n);
  memcpy (g->km.cent_b, g->km.cent_a, sizeof (double) * nb * D);
  if (g->cfg.restarts > 0) {
    double best = cost_warm;
    for (int r = 0; r < g->cfg.restarts; r++) {
      nmf_kmeans_seed (&g->km, n, nb, g->km.cent_a);
      double c = nmf_kmeans_run (&g->km, n, nb, g->km.cent_a, g->km.label);
      if (c < (1.0 - g->cfg.margin) * best) {
        best = c;
        memcpy (g->km.label_best, g->km.label, sizeof (int) * n);
        memcpy (g->km.cent_b, g->km.cent_a, sizeof (double) * nb * D);
      }
    }
  }

  /* match the new clusters to the old sources */
  for (int j = 0; j < nb; j++)
    for (int s = 0; s < nb; s++) {
      const double *a = g->km.cent_b + (size_t) j * D;
      const double *b = g->centroid + (size_t) g->bsrc[s] * D;
      double d = 0.0;
      for (int i = 0; i < D; i++)
        d += (a[i] - b[i]) * (a[i] - b[i]);
      g->cost[(size_t) j * nb + s] = d;
    }
  if (nmf_assignment_solve_in (g->assign_work, g->cost, (size_t) nb, g->perm,
          NULL) != NMF_OK)
    for (int j = 0; j < nb; j++)
      g->perm[j] = (size_t) j;

  /* smooth the centroids */
  const double a = g->cfg.smoothing;
  for (int j = 0; j < nb; j++) {
    double *c = g->centroid + (size_t) g->bsrc[g->perm[j]] * D;
    const double *x = g->km.cent_b + (size_t) j * D;
    for (int i = 0; i < D; i++)
      c[i] = (1.0 - a) * c[i] + a * x[i];
  }

  /* hysteresis */
  for (int i = 0; i < n; i++) {
    int k = g->idx[i];
    int to = g->bsrc[g->perm[g->km.label_best[i]]];
    if (to == g->assign[k]) {
      g->count[k] = 0;
      continue;
    }
    const float *x = g->feat + (size_t) k * D;
    double d_cur
        = nmf_kmeans_dist2 (x, g->centroid + (size_t)g->assign[k] * D, D);
    double d_new = nmf_kmeans_dist2 (x, g->centroid + (size_t) to * D, D);
    if (!(d_new < (1.0 - g->cfg.margin) * d_cur)) {
      g->count[k] = 0;
      continue;
    }
    if (g->candidate[k] == to)
      g->count[k]++;
    else {
      g->candidate[k] = to;
      g->count[k] = 1;
    }
    if (g->count[k] >= g->cfg.patience) {
      start_move (g, k, to);
      started++;
    }
  }
  for (int i = 0; i < n; i++)
    ramp_to (g, g->idx[i], membership_row (g, g->idx[i], nb, 1));
  return started;
}

void
nmf_grouping_step (nmf_grouping * g)
{
  const int S = g->S, R = g->cfg.ramp_frames;
  for (int k = 0; k < g->K; k++) {
    if (g->ramp_pos[k] >= R)
      continue;
    g->ramp_pos[k]++;
    float *row = g->G + (size_t) k * S;
    const float *from = g->ramp_from + (size_t) k * S;
    const float *to = g->target + (size_t) k * S;
    const float t = (float) g->ramp_pos[k] / R;
    for (int s = 0; s < S; s++)
      row[s] = g->ramp_pos[k] >= R ? to[s] : from[s] + t * (to[s] - from[s]);
  }
}

const float *
nmf_grouping_membership (const nmf_grouping * g)
{
  return g->G;
}

const int *
nmf_grouping_assignment (const nmf_grouping * g)
{
  return g->assign;
}

uint64_t
nmf_grouping_regroups (const nmf_grouping * g)
{
  return g->regroups;
}

uint64_t
nmf_grouping_moves (const nmf_grouping * g)
{
  return g->moves;
}
