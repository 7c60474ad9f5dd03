/* gst-nmf core: batch KL-NMF, multiplicative updates (see
 * <nmf/factorize.h>). */
#include <nmf/factorize.h>

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "message.h"
#include "rng.h"

struct nmf_kl_batch
{
  size_t m, n, r;
  nmf_kl_batch_options opt;
  double *x;                    /* m x n copy of the data */
  double *w;                    /* m x r */
  double *h;                    /* n x r */
  double *y;                    /* m x n: W H^T, valid when y_valid */
  double *ratio;                /* m x n: X / Y */
  double *num_h;                /* n x r */
  double *num_w;                /* m x r */
  double *colsum;               /* r */
  double hfloor;
  /* X = 2^x_exp times the copy in x, whose largest entry is in [0.5, 1):
   * the updates are scale-equivariant, and at that scale neither the sums
   * of X (overflowing near DBL_MAX) nor the floor of Y (all of X near
   * DBL_MIN) depend on the caller's units; H is scaled back on the way
   * out, D too */
  int x_exp;
  int have_init;
  int y_valid;
};

void
nmf_kl_batch_options_init (nmf_kl_batch_options * opt)
{
  if (opt == NULL)
    return;
  opt->max_iterations = 500;
  opt->tolerance = 0.0;
  opt->seed = 0;
  opt->floor = 1e-12;
}

void
nmf_kl_batch_destroy (nmf_kl_batch ** solver)
{
  nmf_kl_batch *s;

  if (solver == NULL || *solver == NULL)
    return;
  s = *solver;
  free (s->x);
  free (s->w);
  free (s->h);
  free (s->y);
  free (s->ratio);
  free (s->num_h);
  free (s->num_w);
  free (s->colsum);
  free (s);
  *solver = NULL;
}

nmf_status
nmf_kl_batch_create (nmf_kl_batch ** out, size_t m, size_t n, size_t r,
    const nmf_kl_batch_options * opt, char *message, size_t message_size)
{
  nmf_kl_batch *s;

  if (out == NULL)
    return nmf_fail (message, message_size, NMF_ERR_INVALID_ARGUMENT,
        "KL-NMF: out (where the solver goes) is NULL");
  *out = NULL;
  /* cblas takes int sizes; refuse anything whose products overflow. */
  if (m == 0 || n == 0 || r == 0 || m > 1u << 24 || n > 1u << 24
      || m * n > (size_t) 1 << 31)
    return nmf_fail (message, message_size, NMF_ERR_INVALID_ARGUMENT,
        "KL-NMF: a %zu x %zu matrix at rank %zu is out of range (1 to 2^24 "
        "rows and columns, 2^31 entries)", m, n, r);
  if (r > m || r > n)
    return nmf_fail (message, message_size, NMF_ERR_RANK,
        "KL-NMF: rank %zu exceeds min(M, N) = %zu", r, m < n ? m : n);
  if (opt != NULL && (opt->max_iterations < 0
          || !(opt->floor > 0.0 && opt->floor <= 1e-3)
          || !(opt->tolerance >= 0.0 && opt->tolerance < 1.0)))
    return nmf_fail (message, message_size, NMF_ERR_INVALID_ARGUMENT,
        "KL-NMF: an option is out of range");

  s = calloc (1, sizeof (*s));
  if (s == NULL)
    return nmf_fail (message, message_size, NMF_ERR_NO_MEMORY,
        "out of memory");
  s->m = m;
  s->n = n;
  s->r = r;
  if (opt != NULL)
    s->opt = *opt;
  else
    nmf_kl_batch_options_init (&s->opt);
  s->x = malloc (m * n * sizeof (double));
  s->w = malloc (m * r * sizeof (double));
  s->h = malloc (n * r * sizeof (double));
  s->y = malloc (m * n * sizeof (double));
  s->ratio = malloc (m * n * sizeof (double));
  s->num_h = malloc (n * r * sizeof (double));
  s->num_w = malloc (m * r * sizeof (double));
  s->colsum = malloc (r * sizeof (double));
  if (!s->x || !s->w || !s->h || !s->y || !s->ratio || !s->num_h
      || !s->num_w || !s->colsum) {
    nmf_kl_batch_destroy (&s);
    return nmf_fail (message, message_size, NMF_ERR_NO_MEMORY,
        "out of memory");
  }
  *out = s;
  return NMF_OK;
}

/* Floor, then scale each column of W to sum one, moving the scale into H
 * (W H^T unchanged), then floor H. */
static void
normalize (nmf_kl_batch * s)
{
  size_t m = s->m, n = s->n, r = s->r, i, k;
  double fl = s->opt.floor;

  for (i = 0; i < m * r; i++)
    if (!(s->w[i] >= fl))
      s->w[i] = fl;
  for (k = 0; k < r; k++)
    s->colsum[k] = 0.0;
  for (i = 0; i < m; i++)
    for (k = 0; k < r; k++)
      s->colsum[k] += s->w[i * r + k];
  for (i = 0; i < m; i++)
    for (k = 0; k < r; k++)
      s->w[i * r + k] /= s->colsum[k];
  for (i = 0; i < n; i++)
    for (k = 0; k < r; k++) {
      double v = s->h[i * r + k] * s->colsum[k];
      s->h[i * r + k] = v >= s->hfloor ? v : s->hfloor;
    }
}

static void
compute_y (nmf_kl_batch * s)
{
  cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) s->m,
      (int) s->n, (int) s->r, 1.0, s->w, (int) s->r, s->h, (int) s->r, 0.0,
      s->y, (int) s->n);
  s->y_valid = 1;
}

static void
compute_ratio (nmf_kl_batch * s)
{
  size_t i, len = s->m * s->n;

  for (i = 0; i < len; i++) {
    double y = s->y[i] > DBL_MIN ? s->y[i] : DBL_MIN;
    s->ratio[i] = s->x[i] / y;
  }
}

nmf_status
nmf_kl_batch_init (nmf_kl_batch * s, const double *x, const double *w0,
    const double *h0, char *message, size_t message_size)
{
  size_t m, n, r, i;
  double sum = 0.0;
  nmf_xrng g;

  if (s == NULL || x == NULL)
    return nmf_fail (message, message_size, NMF_ERR_INVALID_ARGUMENT,
        "KL-NMF: %s is NULL", s == NULL ? "the solver" : "x");
  m = s->m;
  n = s->n;
  r = s->r;
  for (i = 0; i < m * n; i++)
    if (!isfinite (x[i]))
      return nmf_fail (message, message_size, NMF_ERR_NOT_FINITE,
          "X holds NaN or Inf (row %zu, column %zu)", i / n, i % n);
  for (i = 0; i < m * n; i++)
    if (x[i] < 0.0)
      return nmf_fail (message, message_size, NMF_ERR_NEGATIVE,
          "X has negative entries (row %zu, column %zu); KL-NMF needs "
          "X >= 0", i / n, i % n);
  if (w0 != NULL)
    for (i = 0; i < m * r; i++)
      if (!isfinite (w0[i]) || w0[i] < 0.0)
        return nmf_fail (message, message_size, NMF_ERR_INVALID_ARGUMENT,
            "the start W must be finite and >= 0");
  if (h0 != NULL)
    for (i = 0; i < n * r; i++)
      if (!isfinite (h0[i]) || h0[i] < 0.0)
        return nmf_fail (message, message_size, NMF_ERR_INVALID_ARGUMENT,
            "the start H must be finite and >= 0");

  double xmax = 0.0;
  for (i = 0; i < m * n; i++)
    xmax = x[i] > xmax ? x[i] : xmax;
  s->x_exp = 0;
  if (xmax > 0.0)
    frexp (xmax, &s->x_exp);
  for (i = 0; i < m * n; i++) {
    s->x[i] = ldexp (x[i], -s->x_exp);
    sum += s->x[i];
  }
  /* H carries the data scale, so its floor follows the data. */
  s->hfloor = s->opt.floor * (sum > 0.0 ? sum / (double) (m * n) : 1.0);

  nmf_xrng_seed (&g, s->opt.seed);
  if (w0 != NULL)
    memcpy (s->w, w0, m * r * sizeof (double));
  else {
    size_t k;
    for (i = 0; i < m * r; i++)
      s->w[i] = 0.5 + nmf_xrng_uniform (&g);
    /* Columns to sum one now, so normalize() below moves no scale into
     * the random H. */
    for (k = 0; k < r; k++) {
      double cs = 0.0;
      for (i = 0; i < m; i++)
        cs += s->w[i * r + k];
      for (i = 0; i < m; i++)
        s->w[i * r + k] /= cs;
    }
  }
  if (h0 != NULL)
    for (i = 0; i < n * r; i++)
      s->h[i] = ldexp (h0[i], -s->x_exp);
  else {
    /* With W columns summing to one, sum(W H^T) = sum(H): match sum(X). */
    double hs = 0.0, scale;
    for (i = 0; i < n * r; i++) {
      s->h[i] = 0.5 + nmf_xrng_uniform (&g);
      hs += s->h[i];
    }
    scale = sum > 0.0 ? sum / hs : 1.0;
    for (i = 0; i < n * r; i++)
      s->h[i] *= scale;
  }
  normalize (s);
  s->y_valid = 0;
  s->have_init = 1;
  return NMF_OK;
}

static double
divergence_of_y (const nmf_kl_batch * s)
{
  size_t i, len = s->m * s->n;
  double d = 0.0;

  for (i = 0; i < len; i++) {
    double x = s->x[i], y = s->y[i] > DBL_MIN ? s->y[i] : DBL_MIN;
    d += x > 0.0 ? x * log (x / y) - x + y : y;
  }
  return d;
}

/* The divergence at the solver's scale (that of the copy of X in s->x). */
static double
scaled_divergence (nmf_kl_batch * s)
{
  if (!s->y_valid)
    compute_y (s);
  return divergence_of_y (s);
}

nmf_status
nmf_kl_batch_divergence (nmf_kl_batch * s, double *divergence)
{
  if (s == NULL || divergence == NULL || !s->have_init)
    return NMF_ERR_INVALID_ARGUMENT;
  *divergence = ldexp (scaled_divergence (s), s->x_exp);
  return NMF_OK;
}

/* One iteration; the divergence (if asked) at the solver's scale, that of
 * the copy of X in s->x: the one solve's tolerance compares (in X's units
 * it may be subnormal, a few bits left). */
static nmf_status
step (nmf_kl_batch * s, double *divergence)
{
  size_t m, n, r, i, k;
  double d;

  m = s->m;
  n = s->n;
  r = s->r;

  /* H <- H * (R^T W) / colsum(W) */
  if (!s->y_valid)
    compute_y (s);
  compute_ratio (s);
  cblas_dgemm (CblasRowMajor, CblasTrans, CblasNoTrans, (int) n, (int) r,
      (int) m, 1.0, s->ratio, (int) n, s->w, (int) r, 0.0, s->num_h, (int) r);
  for (k = 0; k < r; k++)
    s->colsum[k] = 0.0;
  for (i = 0; i < m; i++)
    for (k = 0; k < r; k++)
      s->colsum[k] += s->w[i * r + k];
  for (i = 0; i < n; i++)
    for (k = 0; k < r; k++) {
      double v = s->h[i * r + k] * s->num_h[i * r + k] / s->colsum[k];
      s->h[i * r + k] = v >= s->hfloor ? v : s->hfloor;
    }

  /* W <- W * (R H) / colsum(H) */
  compute_y (s);
  compute_ratio (s);
  cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) m, (int) r,
      (int) n, 1.0, s->ratio, (int) n, s->h, (int) r, 0.0, s->num_w, (int) r);
  for (k = 0; k < r; k++)
    s->colsum[k] = 0.0;
  for (i = 0; i < n; i++)
    for (k = 0; k < r; k++)
      s->colsum[k] += s->h[i * r + k];
  for (i = 0; i < m; i++)
    for (k = 0; k < r; k++)
      s->w[i * r + k] *= s->num_w[i * r + k] / s->colsum[k];

  normalize (s);
  s->y_valid = 0;

  if (divergence != NULL) {
    compute_y (s);
    d = divergence_of_y (s);
    if (!isfinite (d))
      return NMF_ERR_NOT_FINITE;
    *divergence = d;
  }
  return NMF_OK;
}

nmf_status
nmf_kl_batch_step (nmf_kl_batch * s, double *divergence)
{
  double d;
  nmf_status st;

  if (s == NULL || !s->have_init)
    return NMF_ERR_INVALID_ARGUMENT;
  st = step (s, divergence != NULL ? &d : NULL);
  if (st == NMF_OK && divergence != NULL)
    *divergence = ldexp (d, s->x_exp);
  return st;
}

nmf_status
nmf_kl_batch_get (const nmf_kl_batch * s, double *w, double *h)
{
  if (s == NULL || !s->have_init)
    return NMF_ERR_INVALID_ARGUMENT;
  if (w != NULL)
    memcpy (w, s->w, s->m * s->r * sizeof (double));
  if (h != NULL)
    for (size_t i = 0; i < s->n * s->r; i++)
      h[i] = ldexp (s->h[i], s->x_exp);
  return NMF_OK;
}

nmf_status
nmf_kl_batch_solve (nmf_kl_batch * s, const double *x, double *w, double *h,
    double *divergence, size_t * iterations, char *message,
    size_t message_size)
{
  nmf_status st;
  int it;
  double d = 0.0, prev;

  if (s == NULL || x == NULL || w == NULL || h == NULL)
    return nmf_fail (message, message_size, NMF_ERR_INVALID_ARGUMENT,
        "KL-NMF: %s is NULL", s == NULL ? "the solver" : x == NULL ? "x"
        : w == NULL ? "w" : "h");
  st = nmf_kl_batch_init (s, x, NULL, NULL, message, message_size);
  if (st != NMF_OK)
    return st;
  /* the divergences at the solver's scale: scaled back to X's they may
   * be subnormal, where two iterates rounded alike stopped the solve */
  prev = scaled_divergence (s);
  d = prev;
  for (it = 0; it < s->opt.max_iterations; it++) {
    st = step (s, &d);
    if (st != NMF_OK)
      return nmf_fail (message, message_size, st,
          "the divergence is not finite after %d iterations", it + 1);
    if (s->opt.tolerance > 0.0 && prev - d <= s->opt.tolerance * prev) {
      it++;
      break;
    }
    prev = d;
  }
  if (divergence != NULL)
    *divergence = ldexp (d, s->x_exp);
  if (iterations != NULL)
    *iterations = (size_t) it;
  st = nmf_kl_batch_get (s, w, h);
  if (st != NMF_OK)
    return nmf_fail (message, message_size, st, "KL-NMF: the factors: %s",
        nmf_strerror (st));
  return NMF_OK;
}
