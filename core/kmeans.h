/* gst-nmf core (internal): weighted k-means with k-means++ starts, on
 * feature rows that the caller owns (the grouping's timbre features). */
#ifndef NMF_KMEANS_H
#define NMF_KMEANS_H

#include "rng.h"

typedef struct
{
  int D;                        /* values per feature row */
  /* the points: rows idx[0..n) of feat (D floats each), weights weight[] */
  const float *feat;
  const int *idx;
  const double *weight;
  nmf_xrng *rng;                /* the starts' random draws */
  /* workspace, for up to `points` points and `clusters` clusters */
  double *cmass;                /* clusters */
  int *label, *label_best;      /* points */
  double *cent_a, *cent_b;      /* clusters x D */
} nmf_kmeans;

/* Allocates the workspace (NMF_ERR_NO_MEMORY); the caller sets feat, idx,
 * weight and rng. */
int nmf_kmeans_init (nmf_kmeans * km, int points, int clusters, int D);
void nmf_kmeans_clear (nmf_kmeans * km);

/* The squared distance of a feature row to a centre. */
double nmf_kmeans_dist2 (const float *x, const double *c, int D);

/* k-means of the n points into m clusters from the centres in cent (m x
 * D, updated); labels in lab.  Returns the weighted cost. */
double nmf_kmeans_run (nmf_kmeans * km, int n, int m, double *cent,
    int *lab);

/* Weighted k-means++ seeding of m centres into cent. */
void nmf_kmeans_seed (nmf_kmeans * km, int n, int m, double *cent);

/* The best of `starts` k-means++ runs: labels in label_best, centres in
 * cent_b; returns its cost. */
double nmf_kmeans_best (nmf_kmeans * km, int n, int m, int starts);

#endif /* NMF_KMEANS_H */
