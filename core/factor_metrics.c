/* gst-nmf core: factor matching metric, PRNG, planted problems. */
#include "factor_metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

/* ---- PRNG --------------------------------------------------------------- */

static uint64_t
splitmix64 (uint64_t * x)
{
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static inline uint64_t
rotl (uint64_t x, int k)
{
  return (x << k) | (x >> (64 - k));
}

void
nmf_xrng_seed (nmf_xrng * g, uint64_t seed)
{
  /* splitmix64 never yields an all-zero xoshiro state from any seed. */
  for (int k = 0; k < 4; k++)
    g->s[k] = splitmix64 (&seed);
}

uint64_t
nmf_xrng_next (nmf_xrng * g)
{
  uint64_t *s = g->s;
  uint64_t result = rotl (s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;

  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl (s[3], 45);
  return result;
}

double
nmf_xrng_uniform (nmf_xrng * g)
{
  return (double) (nmf_xrng_next (g) >> 11) * 0x1.0p-53;
}

double
nmf_xrng_normal (nmf_xrng * g)
{
  /* 1 - u lies in (0, 1], so the log is finite. */
  double u1 = 1.0 - nmf_xrng_uniform (g);
  double u2 = nmf_xrng_uniform (g);
  return sqrt (-2.0 * log (u1)) * cos (2.0 * M_PI * u2);
}

/* ---- assignment --------------------------------------------------------- */

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

  u = calloc (r + 1, sizeof (double));
  v = calloc (r + 1, sizeof (double));
  minv = calloc (r + 1, sizeof (double));
  p = calloc (r + 1, sizeof (size_t));
  way = calloc (r + 1, sizeof (size_t));
  used = calloc (r + 1, sizeof (int));
  if (!u || !v || !minv || !p || !way || !used) {
    free (u);
    free (v);
    free (minv);
    free (p);
    free (way);
    free (used);
    return NMF_ERR_NO_MEMORY;
  }

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
  free (v);
  free (minv);
  free (p);
  free (way);
  free (used);
  return NMF_OK;
}

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
