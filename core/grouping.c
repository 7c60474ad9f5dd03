#include "grouping.h"
#include "hungarian.h"
#include "rng.h"
#include <nmf/error.h>
#include "stft.h"

#include <fftw3.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* lowest band centre, in bins: below it a bin spans more than a semitone
 * many times over and says little about timbre */
#define LOWEST_BAND_BIN 2.0
/* log-energy floor, relative to the template's largest band: 60 dB */
#define LOG_FLOOR_REL 1e-3
#define KMEANS_MAX_ITER 50

struct nmf_grouping
{
  nmf_grouping_config cfg;
  int K, S, B, D, octaves, shift_coefs;
  /* band b: weights band_w[band_start[b] .. band_start[b + 1]) on bins
   * band_bin[...] */
  int *band_start, *band_bin;
  float *band_w;
  int *band_octave;
  double *cos_tab;              /* CEPS x B */
  float *pad;                   /* 2B: band energies, zero-padded */
  fftwf_complex *pad_dft;       /* B + 1 = shift_coefs */
  fftwf_plan pad_plan;
  double *band;                 /* B scratch */
  double *logband;              /* B scratch */

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
  int *label, *label_best;      /* K */
  double *cent_a, *cent_b;      /* S x D: k-means scratch */
  double *cmass;                /* S */
  double *cost;                 /* S x S */
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

static int
build_bands (nmf_grouping * g)
{
  const int F = g->cfg.bins;
  const double top = F - 1;
  const double bpo = NMF_GROUPING_BANDS_PER_OCTAVE;
  int B = (int) floor (bpo * log2 (top / LOWEST_BAND_BIN)) + 1;
  double *centre;
  size_t cap = 0;

  if (B < 8)
    return NMF_ERR_INVALID_ARGUMENT;
  g->B = B;
  g->octaves = (B + NMF_GROUPING_BANDS_PER_OCTAVE - 1)
      / NMF_GROUPING_BANDS_PER_OCTAVE;
  centre = malloc (sizeof (double) * (B + 2));
  if (!centre)
    return NMF_ERR_NO_MEMORY;
  for (int b = -1; b <= B; b++)
    centre[b + 1] = LOWEST_BAND_BIN * pow (2.0, b / bpo);
  /* count the bins of every triangle first */
  for (int b = 0; b < B; b++) {
    double c = centre[b + 1];
    double lw = fmax (c - centre[b], 1.0), rw = fmax (centre[b + 2] - c, 1.0);
    int lo = (int) ceil (c - lw), hi = (int) floor (c + rw);
    if (lo < 0)
      lo = 0;
    if (hi > F - 1)
      hi = F - 1;
    cap += hi >= lo ? (size_t) (hi - lo + 1) : 1;
  }
  g->band_start = malloc (sizeof (int) * (B + 1));
  g->band_bin = malloc (sizeof (int) * cap);
  g->band_w = malloc (sizeof (float) * cap);
  g->band_octave = malloc (sizeof (int) * B);
  if (!g->band_start || !g->band_bin || !g->band_w || !g->band_octave) {
    free (centre);
    return NMF_ERR_NO_MEMORY;
  }
  size_t n = 0;
  for (int b = 0; b < B; b++) {
    double c = centre[b + 1];
    double lw = fmax (c - centre[b], 1.0), rw = fmax (centre[b + 2] - c, 1.0);
    int lo = (int) ceil (c - lw), hi = (int) floor (c + rw);
    double sum = 0.0;
    size_t first = n;
    if (lo < 0)
      lo = 0;
    if (hi > F - 1)
      hi = F - 1;
    g->band_start[b] = (int) n;
    for (int f = lo; f <= hi; f++) {
      double w = f <= c ? 1.0 - (c - f) / lw : 1.0 - (f - c) / rw;
      if (w <= 0.0)
        continue;
      g->band_bin[n] = f;
      g->band_w[n] = (float) w;
      sum += w;
      n++;
    }
    if (n == first) {           /* cannot happen with widths >= 1; be safe */
      int f = (int) lround (c);
      g->band_bin[n] = f < F ? f : F - 1;
      g->band_w[n] = 1.0f;
      sum = 1.0;
      n++;
    }
    for (size_t i = first; i < n; i++)
      g->band_w[i] = (float) (g->band_w[i] / sum);
    g->band_octave[b] = b / NMF_GROUPING_BANDS_PER_OCTAVE;
  }
  g->band_start[B] = (int) n;
  free (centre);
  return NMF_OK;
}

int
nmf_grouping_feature_dim (const nmf_grouping * g)
{
  return g->D;
}

void
nmf_grouping_features (nmf_grouping * g, const float *w, float *feat)
{
  const int B = g->B;
  double *e = g->band, *L = g->logband;
  double peak = 0.0, total = 0.0, norm;
  float *out;

  for (int b = 0; b < B; b++) {
    double s = 0.0;
    for (int i = g->band_start[b]; i < g->band_start[b + 1]; i++) {
      float x = w[g->band_bin[i]];
      s += g->band_w[i] * (x > 0.0f ? x : 0.0f);
    }
    e[b] = s;
    total += s;
    if (s > peak)
      peak = s;
  }
  double fl = peak > 0.0 ? peak * LOG_FLOOR_REL : 1e-30;
  for (int b = 0; b < B; b++)
    L[b] = log (e[b] + fl);

  /* 1. cepstral envelope */
  out = feat;
  norm = 0.0;
  for (int i = 0; i < NMF_GROUPING_CEPS; i++) {
    double c = 0.0;
    const double *t = g->cos_tab + (size_t) i * B;
    for (int b = 0; b < B; b++)
      c += t[b] * L[b];
    out[i] = (float) c;
    norm += c * c;
  }
  norm = norm > 0.0 ? 1.0 / sqrt (norm) : 0.0;
  for (int i = 0; i < NMF_GROUPING_CEPS; i++)
    out[i] = (float) (out[i] * norm);

  /* 2. shift-invariant pattern: |DFT| of the band energies, zero-padded
   * so that a transposition is a shift, not a rotation */
  out = feat + NMF_GROUPING_CEPS;
  for (int b = 0; b < B; b++)
    g->pad[b] = (float) e[b];
  fftwf_execute (g->pad_plan);
  norm = 0.0;
  for (int j = 0; j < g->shift_coefs; j++) {
    double m = hypot (g->pad_dft[j][0], g->pad_dft[j][1]);
    out[j] = (float) m;
    norm += m * m;
  }
  norm = norm > 0.0 ? 1.0 / sqrt (norm) : 0.0;
  for (int j = 0; j < g->shift_coefs; j++)
    out[j] = (float) (out[j] * norm);

  /* 3. descriptors: sqrt of the octave energy shares (a unit vector) and
   * the flatness */
  out = feat + NMF_GROUPING_CEPS + g->shift_coefs;
  for (int o = 0; o < g->octaves; o++)
    out[o] = 0.0f;
  for (int b = 0; b < B; b++)
    out[g->band_octave[b]] += (float) e[b];
  double geo = 0.0;
  for (int b = 0; b < B; b++)
    geo += L[b];
  double flat = total > 0.0 ? exp (geo / B) / (total / B) : 1.0;
  if (flat > 1.0)
    flat = 1.0;
  norm = 0.0;
  for (int o = 0; o < g->octaves; o++) {
    out[o] = total > 0.0 ? (float) sqrt (out[o] / total) : 0.0f;
    norm += (double) out[o] * out[o];
  }
  out[g->octaves] = (float) flat;
  norm += flat * flat;
  norm = norm > 0.0 ? 1.0 / sqrt (norm) : 0.0;
  for (int o = 0; o <= g->octaves; o++)
    out[o] = (float) (out[o] * norm);

  /* block weights */
  const double w1 = sqrt (g->cfg.weight_envelope), w2 =
      sqrt (g->cfg.weight_shift), w3 = sqrt (g->cfg.weight_descriptors);
  for (int i = 0; i < g->D; i++) {
    double wt = i < NMF_GROUPING_CEPS ? w1
        : i < NMF_GROUPING_CEPS + g->shift_coefs ? w2 : w3;
    feat[i] = (float) (feat[i] * wt);
  }
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
  if ((ret = build_bands (g)) != NMF_OK) {
    nmf_grouping_destroy (&g);
    return ret;
  }
  const int K = g->K, S = g->S, B = g->B;
  g->shift_coefs = B + 1;
  g->D = NMF_GROUPING_CEPS + g->shift_coefs + g->octaves + 1;
  g->cos_tab = malloc (sizeof (double) * NMF_GROUPING_CEPS * B);
  g->pad = fftwf_malloc (sizeof (float) * 2 * B);
  g->pad_dft = fftwf_malloc (sizeof (fftwf_complex) * g->shift_coefs);
  g->band = malloc (sizeof (double) * B);
  g->logband = malloc (sizeof (double) * B);
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
  g->label = malloc (sizeof (int) * K);
  g->label_best = malloc (sizeof (int) * K);
  g->cent_a = malloc (sizeof (double) * S * g->D);
  g->cent_b = malloc (sizeof (double) * S * g->D);
  g->cmass = malloc (sizeof (double) * S);
  g->cost = malloc (sizeof (double) * S * S);
  g->perm = malloc (sizeof (size_t) * S);
  g->bsrc = malloc (sizeof (int) * S);
  if (!g->cos_tab || !g->pad || !g->pad_dft || !g->band || !g->logband
      || !g->pinned || !g->blind || !g->assign || !g->candidate || !g->count
      || !g->ramp_pos || !g->G || !g->ramp_from || !g->target || !g->row
      || !g->dist || !g->centroid || !g->feat || !g->wmass || !g->idx
      || !g->label || !g->label_best || !g->cent_a || !g->cent_b
      || !g->cmass || !g->cost || !g->perm || !g->bsrc) {
    nmf_grouping_destroy (&g);
    return NMF_ERR_NO_MEMORY;
  }
  for (int i = 0; i < NMF_GROUPING_CEPS; i++)
    for (int b = 0; b < B; b++)
      g->cos_tab[(size_t) i * B + b] = cos (M_PI * (i + 1) * (b + 0.5) / B);
  memset (g->pad, 0, sizeof (float) * 2 * B);
  nmf_fftw_plan_lock ();
  g->pad_plan = fftwf_plan_dft_r2c_1d (2 * B, g->pad, g->pad_dft,
      FFTW_ESTIMATE);
  nmf_fftw_plan_unlock ();
  if (!g->pad_plan) {
    nmf_grouping_destroy (&g);
    return NMF_ERR_FFT_PLAN;
  }
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
  free (g->band_start);
  free (g->band_bin);
  free (g->band_w);
  free (g->band_octave);
  free (g->cos_tab);
  if (g->pad_plan) {
    nmf_fftw_plan_lock ();
    fftwf_destroy_plan (g->pad_plan);
    nmf_fftw_plan_unlock ();
  }
  fftwf_free (g->pad);
  fftwf_free (g->pad_dft);
  free (g->band);
  free (g->logband);
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
  free (g->label);
  free (g->label_best);
  free (g->cent_a);
  free (g->cent_b);
  free (g->cmass);
  free (g->cost);
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

static double
dist2 (const float *x, const double *c, int D)
{
  double d = 0.0;
  for (int i = 0; i < D; i++) {
    double t = x[i] - c[i];
    d += t * t;
  }
  return d;
}

/* The centre of cent[0..m) nearest to x (the first on ties); its squared
 * distance in *dist. */
static int
nearest (const float *x, const double *cent, int m, int D, double *dist)
{
  int best = 0;
  double bd = INFINITY;
  for (int j = 0; j < m; j++) {
    double d = dist2 (x, cent + (size_t) j * D, D);
    if (d < bd) {
      bd = d;
      best = j;
    }
  }
  *dist = bd;
  return best;
}

/* Weighted k-means of n points (feat rows idx[0..n)) into m clusters from
 * the centres in cent; labels in lab.  Returns the weighted cost. */
static double
kmeans (nmf_grouping * g, int n, int m, double *cent, int *lab)
{
  const int D = g->D;
  double cost = 0.0;

  for (int i = 0; i < n; i++)
    lab[i] = -1;
  for (int it = 0; it < KMEANS_MAX_ITER; it++) {
    int changed = 0;
    cost = 0.0;
    for (int i = 0; i < n; i++) {
      const float *x = g->feat + (size_t) g->idx[i] * D;
      double bd;
      int best = nearest (x, cent, m, D, &bd);
      if (best != lab[i])
        changed = 1;
      lab[i] = best;
      cost += g->wmass[i] * bd;
    }
    if (!changed && it > 0)
      break;
    /* centres */
    for (int j = 0; j < m; j++) {
      g->cmass[j] = 0.0;
      for (int d = 0; d < D; d++)
        cent[(size_t) j * D + d] = 0.0;
    }
    for (int i = 0; i < n; i++) {
      const float *x = g->feat + (size_t) g->idx[i] * D;
      double *c = cent + (size_t) lab[i] * D;
      g->cmass[lab[i]] += g->wmass[i];
      for (int d = 0; d < D; d++)
        c[d] += g->wmass[i] * x[d];
    }
    for (int j = 0; j < m; j++) {
      double *c = cent + (size_t) j * D;
      if (g->cmass[j] > 0.0) {
        for (int d = 0; d < D; d++)
          c[d] /= g->cmass[j];
      } else {
        /* empty cluster: take the point worst served by its centre */
        int worst = 0;
        double wd = -1.0;
        for (int i = 0; i < n; i++) {
          const float *x = g->feat + (size_t) g->idx[i] * D;
          double d = g->wmass[i] * dist2 (x, cent + (size_t) lab[i] * D, D);
          if (d > wd) {
            wd = d;
            worst = i;
          }
        }
        const float *x = g->feat + (size_t) g->idx[worst] * D;
        for (int d = 0; d < D; d++)
          c[d] = x[d];
      }
    }
  }
  return cost;
}

/* Weighted k-means++ seeding. */
static void
kmeanspp (nmf_grouping * g, int n, int m, double *cent)
{
  const int D = g->D;
  double total = 0.0;

  for (int i = 0; i < n; i++)
    total += g->wmass[i];
  double r = nmf_xrng_uniform (&g->rng) * total;
  int first = n - 1;
  for (int i = 0; i < n; i++) {
    r -= g->wmass[i];
    if (r <= 0.0) {
      first = i;
      break;
    }
  }
  for (int d = 0; d < D; d++)
    cent[d] = g->feat[(size_t) g->idx[first] * D + d];
  for (int j = 1; j < m; j++) {
    double sum = 0.0;
    for (int i = 0; i < n; i++) {
      double bd;
      nearest (g->feat + (size_t) g->idx[i] * D, cent, j, D, &bd);
      sum += g->wmass[i] * bd;
    }
    double t = nmf_xrng_uniform (&g->rng) * sum;
    int pick = n - 1;
    for (int i = 0; i < n; i++) {
      double bd;
      nearest (g->feat + (size_t) g->idx[i] * D, cent, j, D, &bd);
      t -= g->wmass[i] * bd;
      if (t <= 0.0 && bd > 0.0) {
        pick = i;
        break;
      }
    }
    for (int d = 0; d < D; d++)
      cent[(size_t) j * D + d] = g->feat[(size_t) g->idx[pick] * D + d];
  }
}

/* Best of `starts` k-means++ runs: labels in label_best, centres in cent_b,
 * returns the cost. */
static double
kmeans_restarts (nmf_grouping * g, int n, int m, int starts)
{
  double best = INFINITY;
  for (int r = 0; r < starts; r++) {
    kmeanspp (g, n, m, g->cent_a);
    double c = kmeans (g, n, m, g->cent_a, g->label);
    if (c < best) {
      best = c;
      memcpy (g->label_best, g->label, sizeof (int) * n);
      memcpy (g->cent_b, g->cent_a, sizeof (double) * m * g->D);
    }
  }
  return best;
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
  kmeans_restarts (g, n, clusters, 1 + g->cfg.restarts);
  memcpy (label, g->label_best, sizeof (int) * n);
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
    g->dist[j] = dist2 (x, g->centroid + (size_t) g->bsrc[j] * g->D, g->D)
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
    kmeans_restarts (g, n, nb, 1 + g->cfg.restarts);
    for (int j = 0; j < nb; j++)
      memcpy (g->centroid + (size_t) g->bsrc[j] * D,
          g->cent_b + (size_t) j * D, sizeof (double) * D);
    g->have_centroids = 1;
    for (int i = 0; i < n; i++) {
      set_member (g, g->idx[i], g->bsrc[g->label_best[i]]);
      set_row (g, g->idx[i], membership_row (g, g->idx[i], nb, 0));
    }
    return 0;
  }

  /* k-means from the kept centroids, and fresh starts: a fresh solution
   * replaces it only if clearly better */
  for (int j = 0; j < nb; j++)
    memcpy (g->cent_a + (size_t) j * D,
        g->centroid + (size_t) g->bsrc[j] * D, sizeof (double) * D);
  double cost_warm = kmeans (g, n, nb, g->cent_a, g->label);
  memcpy (g->label_best, g->label, sizeof (int) * n);
  memcpy (g->cent_b, g->cent_a, sizeof (double) * nb * D);
  if (g->cfg.restarts > 0) {
    double best = cost_warm;
    for (int r = 0; r < g->cfg.restarts; r++) {
      kmeanspp (g, n, nb, g->cent_a);
      double c = kmeans (g, n, nb, g->cent_a, g->label);
      if (c < (1.0 - g->cfg.margin) * best) {
        best = c;
        memcpy (g->label_best, g->label, sizeof (int) * n);
        memcpy (g->cent_b, g->cent_a, sizeof (double) * nb * D);
      }
    }
  }

  /* match the new clusters to the old sources */
  for (int j = 0; j < nb; j++)
    for (int s = 0; s < nb; s++) {
      const double *a = g->cent_b + (size_t) j * D;
      const double *b = g->centroid + (size_t) g->bsrc[s] * D;
      double d = 0.0;
      for (int i = 0; i < D; i++)
        d += (a[i] - b[i]) * (a[i] - b[i]);
      g->cost[(size_t) j * nb + s] = d;
    }
  if (nmf_assignment_solve (g->cost, (size_t) nb, g->perm, NULL) != NMF_OK)
    for (int j = 0; j < nb; j++)
      g->perm[j] = (size_t) j;

  /* smooth the centroids */
  const double a = g->cfg.smoothing;
  for (int j = 0; j < nb; j++) {
    double *c = g->centroid + (size_t) g->bsrc[g->perm[j]] * D;
    const double *x = g->cent_b + (size_t) j * D;
    for (int i = 0; i < D; i++)
      c[i] = (1.0 - a) * c[i] + a * x[i];
  }

  /* hysteresis */
  for (int i = 0; i < n; i++) {
    int k = g->idx[i];
    int to = g->bsrc[g->perm[g->label_best[i]]];
    if (to == g->assign[k]) {
      g->count[k] = 0;
      continue;
    }
    const float *x = g->feat + (size_t) k * D;
    double d_cur = dist2 (x, g->centroid + (size_t) g->assign[k] * D, D);
    double d_new = dist2 (x, g->centroid + (size_t) to * D, D);
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
