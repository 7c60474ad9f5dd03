/* gst-nmf core: weighted k-means (see kmeans.h). */
#include "kmeans.h"

#include <nmf/error.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define KMEANS_MAX_ITER 50

int
nmf_kmeans_init (nmf_kmeans * km, int points, int clusters, int D)
{
  memset (km, 0, sizeof (*km));
  km->D = D;
  km->cmass = malloc (sizeof (double) * clusters);
  km->label = malloc (sizeof (int) * points);
  km->label_best = malloc (sizeof (int) * points);
  km->cent_a = malloc (sizeof (double) * clusters * D);
  km->cent_b = malloc (sizeof (double) * clusters * D);
  if (!km->cmass || !km->label || !km->label_best || !km->cent_a
      || !km->cent_b) {
    nmf_kmeans_clear (km);
    return NMF_ERR_NO_MEMORY;
  }
  return NMF_OK;
}

void
nmf_kmeans_clear (nmf_kmeans * km)
{
  free (km->cmass);
  free (km->label);
  free (km->label_best);
  free (km->cent_a);
  free (km->cent_b);
  memset (km, 0, sizeof (*km));
}

double
nmf_kmeans_dist2 (const float *x, const double *c, int D)
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
    double d = nmf_kmeans_dist2 (x, cent + (size_t) j * D, D);
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
double
nmf_kmeans_run (nmf_kmeans * km, int n, int m, double *cent, int *lab)
{
  const int D = km->D;
  double cost = 0.0;

  for (int i = 0; i < n; i++)
    lab[i] = -1;
  for (int it = 0; it < KMEANS_MAX_ITER; it++) {
    int changed = 0;
    cost = 0.0;
    for (int i = 0; i < n; i++) {
      const float *x = km->feat + (size_t) km->idx[i] * D;
      double bd;
      int best = nearest (x, cent, m, D, &bd);
      if (best != lab[i])
        changed = 1;
      lab[i] = best;
      cost += km->weight[i] * bd;
    }
    if (!changed && it > 0)
      break;
    /* centres */
    for (int j = 0; j < m; j++) {
      km->cmass[j] = 0.0;
      for (int d = 0; d < D; d++)
        cent[(size_t) j * D + d] = 0.0;
    }
    for (int i = 0; i < n; i++) {
      const float *x = km->feat + (size_t) km->idx[i] * D;
      double *c = cent + (size_t) lab[i] * D;
      km->cmass[lab[i]] += km->weight[i];
      for (int d = 0; d < D; d++)
        c[d] += km->weight[i] * x[d];
    }
    for (int j = 0; j < m; j++) {
      double *c = cent + (size_t) j * D;
      if (km->cmass[j] > 0.0) {
        for (int d = 0; d < D; d++)
          c[d] /= km->cmass[j];
      } else {
        /* empty cluster: take the point worst served by its centre */
        int worst = 0;
        double wd = -1.0;
        for (int i = 0; i < n; i++) {
          const float *x = km->feat + (size_t) km->idx[i] * D;
          double d = km->weight[i]
              * nmf_kmeans_dist2 (x, cent + (size_t)lab[i] * D, D);
          if (d > wd) {
            wd = d;
            worst = i;
          }
        }
        const float *x = km->feat + (size_t) km->idx[worst] * D;
        for (int d = 0; d < D; d++)
          c[d] = x[d];
      }
    }
  }
  return cost;
}

/* Weighted k-means++ seeding. */
void
nmf_kmeans_seed (nmf_kmeans * km, int n, int m, double *cent)
{
  const int D = km->D;
  double total = 0.0;

  for (int i = 0; i < n; i++)
    total += km->weight[i];
  double r = nmf_xrng_uniform (km->rng) * total;
  int first = n - 1;
  for (int i = 0; i < n; i++) {
    r -= km->weight[i];
    if (r <= 0.0) {
      first = i;
      break;
    }
  }
  for (int d = 0; d < D; d++)
    cent[d] = km->feat[(size_t) km->idx[first] * D + d];
  for (int j = 1; j < m; j++) {
    double sum = 0.0;
    for (int i = 0; i < n; i++) {
      double bd;
      nearest (km->feat + (size_t) km->idx[i] * D, cent, j, D, &bd);
      sum += km->weight[i] * bd;
    }
    double t = nmf_xrng_uniform (km->rng) * sum;
    int pick = n - 1;
    for (int i = 0; i < n; i++) {
      double bd;
      nearest (km->feat + (size_t) km->idx[i] * D, cent, j, D, &bd);
      t -= km->weight[i] * bd;
      if (t <= 0.0 && bd > 0.0) {
        pick = i;
        break;
      }
    }
    for (int d = 0; d < D; d++)
      cent[(size_t) j * D + d] = km->feat[(size_t) km->idx[pick] * D + d];
  }
}

/* Best of `starts` k-means++ runs: labels in label_best, centres in cent_b,
 * returns the cost. */
double
nmf_kmeans_best (nmf_kmeans * km, int n, int m, int starts)
{
  double best = INFINITY;
  for (int r = 0; r < starts; r++) {
    nmf_kmeans_seed (km, n, m, km->cent_a);
    double c = nmf_kmeans_run (km, n, m, km->cent_a, km->label);
    if (c < best) {
      best = c;
      memcpy (km->label_best, km->label, sizeof (int) * n);
      memcpy (km->cent_b, km->cent_a, sizeof (double) * m * km->D);
    }
  }
  return best;
}

