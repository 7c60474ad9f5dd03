#include "hungarian.h"

#include <math.h>
#include <stdlib.h>

nmf_status
nmf_assignment_solve (const double *cost, size_t r, size_t *perm,
    double *total)
{
  double *work;
  nmf_status ret;

  if (r == 0)
    return NMF_ERR_INVALID_ARGUMENT;
  if (!(work = malloc (sizeof (double) * NMF_ASSIGNMENT_WORK (r))))
    return NMF_ERR_NO_MEMORY;
  ret = nmf_assignment_solve_in (work, cost, r, perm, total);
  free (work);
  return ret;
}

_Static_assert (sizeof (size_t) <= sizeof (double),
    "the workspace keeps indices in slots of a double's size");

nmf_status
nmf_assignment_solve_in (double *work, const double *cost, size_t r,
    size_t *perm, double *total)
{
  /* Hungarian algorithm with row/column potentials (Kuhn-Munkres in the
   * O(r^3) shortest augmenting path form), 1-based internally. */
  double *u, *v, *minv;
  size_t *p, *way, *used;
  size_t i, j;
  double sum = 0.0;

  if (work == NULL || cost == NULL || perm == NULL || r == 0)
    return NMF_ERR_INVALID_ARGUMENT;
  for (i = 0; i < r * r; i++)
    if (!isfinite (cost[i]))
      return NMF_ERR_NOT_FINITE;

  /* u, v, minv, then p, way, used in slots of a double's size */
  u = work;
  v = u + (r + 1);
  minv = v + (r + 1);
  p = (size_t *) (minv + (r + 1));
  way = p + (r + 1);
  used = way + (r + 1);
  for (j = 0; j <= r; j++)
    u[j] = v[j] = 0.0, p[j] = way[j] = 0;

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
  return NMF_OK;
}
