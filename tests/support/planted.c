/* gst-nmf tests: planted factorizations and their scoring (see planted.h). */
#include "planted.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "hungarian.h"

/* ---- matched MSE -------------------------------------------------------- */

nmf_status
nmf_matched_column_mse (const double *ref, const double *est, size_t n,
    size_t r, double *mse, size_t *perm)
{
  double *na, *nb, *cost;
  size_t *pm;
  size_t i, j, k;
  double total = 0.0;
  nmf_status st;

  if (ref == NULL || est == NULL || mse == NULL || n == 0 || r == 0)
    return NMF_ERR_INVALID_ARGUMENT;
  for (i = 0; i < n * r; i++)
    if (!isfinite (ref[i]) || !isfinite (est[i]))
      return NMF_ERR_NOT_FINITE;

  na = malloc (r * sizeof (double));
  nb = malloc (r * sizeof (double));
  cost = malloc (r * r * sizeof (double));
  pm = malloc (r * sizeof (size_t));
  if (!na || !nb || !cost || !pm) {
    free (na);
    free (nb);
    free (cost);
    free (pm);
    return NMF_ERR_NO_MEMORY;
  }
  for (k = 0; k < r; k++) {
    double a = cblas_dnrm2 ((int) n, ref + k, (int) r);
    double b = cblas_dnrm2 ((int) n, est + k, (int) r);
    na[k] = a > 0.0 ? 1.0 / a : 0.0;
    nb[k] = b > 0.0 ? 1.0 / b : 0.0;
  }
  /* Differences taken entry by entry, not as 2 - 2 cos: the latter cancels
   * catastrophically and could not show an MSE below about 1e-16. */
  for (i = 0; i < r; i++)
    for (j = 0; j < r; j++) {
      double c = 0.0;
      for (k = 0; k < n; k++) {
        double d = ref[k * r + i] * na[i] - est[k * r + j] * nb[j];
        c += d * d;
      }
      cost[i * r + j] = c;
    }
  st = nmf_assignment_solve (cost, r, pm, &total);
  if (st == NMF_OK) {
    *mse = total / (double) r;
    if (perm != NULL)
      memcpy (perm, pm, r * sizeof (size_t));
  }
  free (na);
  free (nb);
  free (cost);
  free (pm);
  return st;
}

/* ---- planted problems --------------------------------------------------- */

/* Zero exactly `count` random entries of a[0..len) (partial Fisher-Yates
 * over an index table). */
static nmf_status
zero_random (double *a, size_t len, size_t count, nmf_xrng * g)
{
  size_t *idx = malloc (len * sizeof (size_t));
  size_t i;

  if (idx == NULL)
    return NMF_ERR_NO_MEMORY;
  for (i = 0; i < len; i++)
    idx[i] = i;
  for (i = 0; i < count; i++) {
    size_t j = i + (size_t) (nmf_xrng_uniform (g) * (double) (len - i));
    size_t t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
    a[idx[i]] = 0.0;
  }
  free (idx);
  return NMF_OK;
}

nmf_status
nmf_planted_generate (nmf_planted_case which, size_t m, size_t n, size_t r,
    double zero_fraction, nmf_xrng * g, double *w, double *h, double *x)
{
  size_t i;
  nmf_status st;

  if (g == NULL || w == NULL || h == NULL || x == NULL || m == 0 || n == 0
      || r == 0 || !(zero_fraction >= 0.0 && zero_fraction < 1.0)
      || which < NMF_PLANTED_SPARSE_W || which > NMF_PLANTED_GAUSSIAN_W)
    return NMF_ERR_INVALID_ARGUMENT;

  for (i = 0; i < m * r; i++)
    w[i] = which == NMF_PLANTED_GAUSSIAN_W ? nmf_xrng_normal (g)
        : nmf_xrng_uniform (g);
  if (which == NMF_PLANTED_SPARSE_W) {
    st = zero_random (w, m * r, (size_t) llround (zero_fraction * (double) (m
                * r)), g);
    if (st != NMF_OK)
      return st;
  }
  for (i = 0; i < n * r; i++)
    h[i] = nmf_xrng_uniform (g);
  st = zero_random (h, n * r, (size_t) llround (zero_fraction * (double) (n
              * r)), g);
  if (st != NMF_OK)
    return st;
  cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) m, (int) n,
      (int) r, 1.0, w, (int) r, h, (int) r, 0.0, x, (int) n);
  return NMF_OK;
}
