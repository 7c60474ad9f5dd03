#include "hungarian.h"

#include <math.h>
#include <stdlib.h>

nmf_status
nmf_assignment_solve (const double *cost, size_t r, size_t *perm,
    double *total)
{
  /* Hungarian algorithm with row/column potentials (Kuhn-Munkres in the
   * O(r^3) shortest augmenting path form), 1-based internally. */
  double *u, *v, *minv;
  size_t *p, *way;
  int *used;
  size_t i, j;
  double sum = 0.0;

  if (cost == NULL || perm == NULL || r == 0)
    return NMF_ERR_INVALID_ARGUMENT;
  for (i = 0; i < r * r; i++)
    if (!isfinite (cost[i]))
      return NMF_ERR_NOT_FINITE;

  u = calloc (3 * (r + 1), sizeof (double));
  p = calloc (2 * (r + 1), sizeof (size_t));
  used = calloc (r + 1, sizeof (int));
  if (!u || !p || !used) {
    free (u);
    free (p);
    free (used);
    return NMF_ERR_NO_MEMORY;
  }
  v = u + (r + 1);
  minv = v + (r + 1);
  way = p + (r + 1);

  for (i = 1; i <= r; i++) {
    size_t j0 = 0;
    p[0] = i;
    for (j = 0; j <= r; j++) {
      minv[j] = INFINITY;
      used[j] = 0;
    }
    do {
      size_t i0 = p[j0], j1 = 0;
      double delta = INFINITY;
      used[j0] = 1;
      for (j = 1; j <= r; j++) {
        if (used[j])
          continue;
        double cur = cost[(i0 - 1) * r + (j - 1)] - u[i0] - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (j = 0; j <= r; j++) {
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else
          minv[j] -= delta;
      }
      j0 = j1;
    } while (p[j0] != 0);
    do {
      size_t j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0 != 0);
  }
  for (j = 1; j <= r; j++)
    perm[p[j] - 1] = j - 1;
  for (i = 0; i < r; i++)
    sum += cost[i * r + perm[i]];
  if (total != NULL)
    *total = sum;

  free (u);
  free (p);
  free (used);
  return NMF_OK;
}
