/* The spatial demixing of spatial.h, sources <= channels: online
 * auxiliary-function IVA with one real demixing matrix for every bin, in
 * the principal subspace when there are fewer sources than channels, and
 * the challenger that follows a mix whose geometry changes.  The
 * projection back is spatial_images.c. */
#include "spatial_private.h"

#include "hungarian.h"

#include <lapacke.h>
#include <math.h>
#include <string.h>

/* The LU of the n x n row-major G in place, by LAPACK (the _work entry
 * points allocate nothing): to LAPACK the rows are G^T's columns, so the
 * factors are G^T's, of the same |det|.  0 when G is singular, a pivot
 * below 1e-300 counting as zero. */
static int
factor (double *G, int n, lapack_int *ipiv)
{
  if (LAPACKE_dgetrf_work (LAPACK_COL_MAJOR, n, n, G, n, ipiv) != 0)
    return 0;
  for (int k = 0; k < n; k++)
    if (!(fabs (G[k * n + k]) > 1e-300))
      return 0;
  return 1;
}

/* Columns first .. first + count - 1 of G^-1 for the n x n row-major G
 * (destroyed), into X column-major (n x count); 0 when G is singular. */
static int
inverse_columns (double *G, int n, int first, int count, double *X)
{
  lapack_int ipiv[MAXC];

  for (int c = 0; c < count; c++)
    for (int i = 0; i < n; i++)
      X[c * n + i] = i == first + c ? 1.0 : 0.0;
  if (!factor (G, n, ipiv))
    return 0;
  /* G^T's factors: the transposed solve is G's; a column at a time, as
   * OpenBLAS (0.3.21) hands a solve of several to its threads, whose
   * wake-up costs far more than the solve */
  for (int c = 0; c < count; c++)
    if (LAPACKE_dgetrs_work (LAPACK_COL_MAJOR, 'T', n, 1, G, n, ipiv,
            X + c * n, n) != 0)
      return 0;
  return 1;
}

/* c (n x m) = a (n x k) times b (k x m), or times b^T when b is m x k
 * (row-major; the matrices here are at most 8 x 8). */
static void
mat_mul (const double *a, const double *b, int b_transposed, double *c,
    int n, int k, int m)
{
  for (int i = 0; i < n; i++)
    for (int j = 0; j < m; j++) {
      double v = 0.0;
      for (int l = 0; l < k; l++)
        v += a[i * k + l] * (b_transposed ? b[j * k + l] : b[l * m + j]);
      c[i * m + j] = v;
    }
}

/* W = Wz E, and A = C W^T (W C W^T)^-1 (W^-1 when S = M). */
static void
update_demixing (nmf_spatial * sp)
{
  const int M = sp->M, S = sp->S;
  double CWt[MAXC * MAXC], G[MAXC * MAXC], Gi[MAXC * MAXC];

  mat_mul (sp->Wz, sp->E, 0, sp->W, S, S, M);
  /* before any sound C is zero: the projection of the start is W^T */
  int have_c = 0;
  for (int m = 0; m < M; m++)
    have_c |= sp->C[m * M + m] > 0.0;
  if (have_c)
    mat_mul (sp->C, sp->W, 1, CWt, M, M, S);
  else
    for (int m = 0; m < M; m++)
      for (int s = 0; s < S; s++)
        CWt[m * S + s] = sp->W[s * M + m];
  mat_mul (sp->W, CWt, 0, G, S, M, S);
  /* A = CWt G^-1 (G is S x S, S <= 8) */
  if (!inverse_columns (G, S, 0, S, Gi))
    return;                     /* keep the projection in force */
  for (int k = 0; k < S; k++) {
    const double *col = Gi + k * S;
    for (int m = 0; m < M; m++) {
      double v = 0.0;
      for (int j = 0; j < S; j++)
        v += CWt[m * S + j] * col[j];
      sp->A[m * S + k] = v;
    }
  }
}

/* The principal S-dimensional subspace of C, each vector's sign kept
 * from the previous one so that Wz keeps its meaning. */
static void
update_subspace (nmf_spatial * sp)
{
  const int M = sp->M, S = sp->S;
  double a[MAXC * MAXC], w[MAXC];

  memcpy (a, sp->C, sizeof (double) * M * M);
  if (!nmf_spatial_eigen (sp, a, M, w))
    return;
  for (int s = 0; s < S; s++) {
    const double *v = a + (size_t) (M - 1 - s) * M;
    double dot = 0.0;
    for (int m = 0; m < M; m++)
      dot += v[m] * sp->E[s * M + m];
    for (int m = 0; m < M; m++)
      sp->E[s * M + m] = dot < 0.0 ? -v[m] : v[m];
  }
}

/* The challenger is fitted again from the demixing in force, and the
 * comparison starts afresh. */
static void
sync_challenger (nmf_spatial * sp)
{
  sp->have_candidate = 0;
  sp->challenge_frames = 0;
  memset (sp->challenge_cost, 0, sizeof sp->challenge_cost);
}

void
nmf_spatial_demix_reset (nmf_spatial * sp)
{
  const int M = sp->M, S = sp->S;

  memset (sp->E, 0, sizeof sp->E);
  memset (sp->Wz, 0, sizeof sp->Wz);
  for (int s = 0; s < S; s++) {
    sp->E[s * M + s] = 1.0;
    sp->Wz[s * S + s] = 1.0;
  }
  update_demixing (sp);
  sp->ring_frames = 0;
  sp->ring_pos = 0;
  sp->ring_count = 0;
  sync_challenger (sp);
  sp->replaced = 0;
  sp->overshoot = 0.0;
  sp->under_modelled = 0;
}

/* A source's variance is floored at this share of its output's power
 * over the statistics' memory: a frame where the source is silent then
 * weighs up to a million times a frame where it plays, which is what
 * makes the demixing exact (and what makes it slow to leave a geometry
 * it has learned). */
#define FLOOR_SHARE 1e-6

/* One sweep of iterative projection in the subspace with the weighted
 * covariances V (S x M x M). */
static void
ip_sweep (nmf_spatial * sp, const double *V_all, double *Wz)
{
  const int M = sp->M, S = sp->S;
  const size_t MM = (size_t) M * M;

  for (int s = 0; s < S; s++) {
    const double *V = V_all + (size_t) s * MM;
    double Vz[MAXC * MAXC], EV[MAXC * MAXC], G[MAXC * MAXC], u[MAXC];
    mat_mul (sp->E, V, 0, EV, S, M, M);
    mat_mul (EV, sp->E, 1, Vz, S, M, S);
    double trace = 0.0;
    for (int k = 0; k < S; k++)
      trace += Vz[k * S + k];
    /* a little diagonal loading keeps a source that has not played yet
     * from making the system singular */
    for (int k = 0; k < S; k++)
      Vz[k * S + k] += 1e-9 * trace / S + 1e-300;
    mat_mul (Wz, Vz, 0, G, S, S, S);
    if (!inverse_columns (G, S, s, 1, u))
      continue;
    double q = 0.0;
    for (int i = 0; i < S; i++)
      for (int j = 0; j < S; j++)
        q += u[i] * Vz[i * S + j] * u[j];
    if (!(q > 0.0) || !isfinite (q))
      continue;
    q = 1.0 / sqrt (q);
    for (int k = 0; k < S; k++)
      Wz[s * S + k] = u[k] * q;
  }
}

/* The floor of a source's variance for the demixing row w: FLOOR_SHARE
 * of its output's power over the channels' covariance C. */
static double
variance_floor (const nmf_spatial * sp, const double *w)
{
  const int M = sp->M;
  double p = 0.0;

  for (int m = 0; m < M; m++)
    for (int n = 0; n < M; n++)
      p += w[m] * sp->C[m * M + n] * w[n];
  return FLOOR_SHARE * p + 1e-30;
}

/* The variance of row w's output in band b of a frame's band covariances
 * Cb (B x M x M), per bin, floored. */
static double
band_variance (const nmf_spatial * sp, const double *Cb, int b,
    const double *w, double floor_power)
{
  const int M = sp->M;
  const double *C = Cb + (size_t) b * M * M;
  double r = 0.0;

  for (int m = 0; m < M; m++)
    for (int n = 0; n < M; n++)
      r += w[m] * C[m * M + n] * w[n];
  r = r / sp->band_bins[b];
  return r < floor_power ? floor_power : r;
}

/* V += sum over the bands of a frame's covariances Cb, each weighted by
 * num / (its variance for row w x bins x frames): the auxiliary
 * function's statistics of one frame in an average over frames. */
static void
add_weighted_frame (const nmf_spatial * sp, const double *Cb,
    const double *w, double floor_power, double num, double frames,
    double *V)
{
  const size_t MM = (size_t) sp->M * sp->M;

  for (int b = 0; b < sp->B; b++) {
    if (nmf_spatial_band_is_noise (sp, Cb, b))
      continue;
    const double g = num / (band_variance (sp, Cb, b, w, floor_power)
        * sp->F * frames);
    for (size_t i = 0; i < MM; i++)
      V[i] += g * Cb[b * MM + i];
  }
}

/* One frame of online AuxIVA on statistics V with the demixing Wz (in
 * the subspace E; W = Wz E on return): each source's variance per band
 * from its output, the weighted covariances decayed by a and updated, one
 * sweep of iterative projection. */
static void
iva_step (nmf_spatial * sp, double *V_all, double *Wz, double *W, double a)
{
  const int M = sp->M, S = sp->S;
  const size_t MM = (size_t) M * M;

  for (int s = 0; s < S; s++) {
    const double *w = W + (size_t) s * M;
    double *V = V_all + (size_t) s * MM;
    for (size_t i = 0; i < MM; i++)
      V[i] *= a;
    add_weighted_frame (sp, sp->Cb, w, variance_floor (sp, w), 1.0 - a,
        1.0, V);
  }

  ip_sweep (sp, V_all, Wz);
  mat_mul (Wz, sp->E, 0, W, S, S, M);
}

void
nmf_spatial_demix_update (nmf_spatial * sp, double a)
{
  if (sp->S < sp->M)
    update_subspace (sp);
  iva_step (sp, sp->V, sp->Wz, sp->W, a);
  update_demixing (sp);
}

/* The demixing's contrast on this frame (lower: a better fit): the
 * negative log-likelihood of the model it is learned by - each output a
 * Gaussian whose variance per band is its power there - per bin,
 * (1 / F) sum_s sum_b bins_b log r_s(b) - 2 log |det Wz|, which no scaling
 * of an output changes.  A frame where a source is silent counts as much
 * as any: how far its output is from silence is what tells a demixing
 * that leaks from one that does not. */
static double
contrast (nmf_spatial * sp, const double *Cb, const double *W,
    const double *Wz)
{
  const int M = sp->M, S = sp->S;
  double cost = 0.0, G[MAXC * MAXC];
  int bins = 0;

  for (int b = 0; b < sp->B; b++)
    if (!nmf_spatial_band_is_noise (sp, Cb, b))
      bins += sp->band_bins[b];
  if (!bins)
    return 0.0;
  for (int s = 0; s < S; s++) {
    const double *w = W + (size_t) s * M;
    const double floor_power = variance_floor (sp, w);
    for (int b = 0; b < sp->B; b++)
      if (!nmf_spatial_band_is_noise (sp, Cb, b))
        cost += sp->band_bins[b] * log (band_variance (sp, Cb, b, w,
                floor_power));
  }
  /* log |det Wz|: from the diagonal of U in its LU */
  lapack_int ipiv[MAXC];
  memcpy (G, Wz, sizeof (double) * S * S);
  if (!factor (G, S, ipiv))
    return INFINITY;
  double logdet = 0.0;
  for (int k = 0; k < S; k++)
    logdet += log (fabs (G[k * S + k]));
  return (cost - 2.0 * logdet * bins) / sp->F;
}

/* The demixing in force stays for the frames stamped below `until`; the
 * entry with the oldest such frames goes when all are in use. */
static void
keep_replaced (nmf_spatial * sp, uint64_t until)
{
  int k = 0;

  if (sp->replaced < REPLACED_KEPT)
    k = sp->replaced++;
  else
    for (int i = 1; i < REPLACED_KEPT; i++)
      if (sp->old[i].until < sp->old[k].until)
        k = i;
  sp->old[k].until = until;
  memcpy (sp->old[k].W, sp->W, sizeof sp->W);
  memcpy (sp->old[k].A, sp->A, sizeof sp->A);
}

/* how much lower the challenger's contrast must be, per frame over a
 * comparison, to take over */
#define CHALLENGER_GAIN 0.05
/* passes of AuxIVA over the window */
#define CHALLENGER_PASSES 10

/* The ring of the last two windows' band covariances: the slot of the
 * k-th frame back (1: the newest), and a slot's covariances (B x M x M). */
static int
ring_slot (const nmf_spatial * sp, int k)
{
  const int R = 2 * sp->p.decision_frames;
  return (sp->ring_pos - k + R) % R;
}

static double *
ring_at (const nmf_spatial * sp, int slot)
{
  return sp->ring + (size_t) slot * sp->B * sp->M * sp->M;
}

/* One pass of batch AuxIVA over the frames of the ring with the demixing
 * Wz (in the subspace E): the weighted covariances averaged over the
 * frames with the weights of Wz's outputs, into V, then one sweep of
 * iterative projection. */
static void
ring_pass (nmf_spatial * sp, double *Wz, double *V_all)
{
  const int M = sp->M, S = sp->S, K = sp->p.decision_frames;
  const size_t MM = (size_t) M * M;
  double W[MAXC * MAXC];

  mat_mul (Wz, sp->E, 0, W, S, S, M);
  memset (V_all, 0, sizeof (double) * S * MM);
  for (int s = 0; s < S; s++) {
    const double *w = W + (size_t) s * M;
    const double floor_power = variance_floor (sp, w);
    double *V = V_all + (size_t) s * MM;
    for (int k = 1; k <= K; k++)
      add_weighted_frame (sp, ring_at (sp, ring_slot (sp, k)), w,
          floor_power, 1.0, (double) K, V);
  }
  ip_sweep (sp, V_all, Wz);
}

/* The challenger's demixing becomes the one in force, with statistics
 * from the window it was fitted on, each of its outputs in the place of
 * the source in force whose direction (mixing column) it is nearest: a
 * source that did not move keeps its column, and its pad.  (Not the
 * demixing's rows: a row answers to every other source's column, so when
 * one source moves the rows of those that did not move change, and with
 * 3 sources in 8 channels two of them changed pads.) */
static void
take_challenger (nmf_spatial * sp)
{
  const int M = sp->M, S = sp->S;
  const size_t MM = (size_t) M * M;
  double cost[MAXC * MAXC], work[NMF_ASSIGNMENT_WORK (MAXC)], Wz[MAXC * MAXC];
  double A_old[MAXC * MAXC], V[MAXC * MAXC * MAXC];
  size_t perm[MAXC];

  memcpy (A_old, sp->A, sizeof A_old);
  memcpy (Wz, sp->Wzc, sizeof (double) * S * S);
  if (S < M) {
    /* the channels' covariance of the old geometry would keep the old
     * subspace, and the projection back of the old mix: both from the
     * window too, and the challenger fitted again in the new subspace
     * (from its rows as they are in the channels) */
    const int K = sp->p.decision_frames, B = sp->B;
    double W[MAXC * MAXC];
    mat_mul (Wz, sp->E, 0, W, S, S, M);
    memset (sp->C, 0, sizeof sp->C);
    for (int k = 1; k <= K; k++) {
      const double *Cb = ring_at (sp, ring_slot (sp, k));
      for (int b = 0; b < B; b++)
        for (size_t i = 0; i < MM; i++)
          sp->C[i] += Cb[b * MM + i] / ((double) sp->F * K);
    }
    update_subspace (sp);
    mat_mul (W, sp->E, 1, Wz, S, M, S);
    for (int i = 0; i < CHALLENGER_PASSES; i++)
      ring_pass (sp, Wz, sp->V);
  }
  /* the statistics of the old geometry would pull the demixing back */
  ring_pass (sp, Wz, sp->V);
  memcpy (sp->Wz, Wz, sizeof (double) * S * S);
  update_demixing (sp);

  for (int o = 0; o < S; o++)
    for (int d = 0; d < S; d++) {
      double uv = 0.0, uu = 0.0, vv = 0.0;
      for (int m = 0; m < M; m++) {
        const double u = A_old[m * S + o], v = sp->A[m * S + d];
        uv += u * v;
        uu += u * u;
        vv += v * v;
      }
      /* the square root of the angle: still a distance, and one large
       * move costs less than two smaller ones (with the angles, or their
       * cosines, a source that moved across the arc of another's place
       * tied with the two that stayed swapping: all gains positive, as
       * microphones give) */
      const double c = uu > 0.0 && vv > 0.0 ? fabs (uv) / sqrt (uu * vv)
          : 0.0;
      cost[o * S + d] = sqrt (acos (c < 1.0 ? c : 1.0));
    }
  if (nmf_assignment_solve_in (work, cost, (size_t) S, perm, NULL) != NMF_OK)
    return;
  memcpy (V, sp->V, sizeof (double) * S * MM);
  for (int o = 0; o < S; o++) {
    memcpy (sp->Wz + (size_t) o * S, Wz + perm[o] * S, sizeof (double) * S);
    memcpy (sp->V + o * MM, V + perm[o] * MM, sizeof (double) * MM);
  }
  update_demixing (sp);
}

/* Where in the ring (the last two windows) the geometry changed: the
 * frame from which on the challenger fits better than the demixing in
 * force, by the most over the frames after it (the split that maximizes
 * the summed difference of their contrasts); its stamp. */
static uint64_t
change_stamp (nmf_spatial * sp)
{
  const int M = sp->M, S = sp->S;
  double Wc[MAXC * MAXC], sum = 0.0, best = 0.0;
  uint64_t stamp = sp->stamp;

  mat_mul (sp->Wzc, sp->E, 0, Wc, S, S, M);
  for (int k = 1; k <= sp->ring_count; k++) {
    const int t = ring_slot (sp, k);
    const double *Cb = ring_at (sp, t);
    sum += contrast (sp, Cb, sp->W, sp->Wz) - contrast (sp, Cb, Wc, sp->Wzc);
    if (sum > best) {
      best = sum;
      stamp = sp->ring_stamp[t];
    }
  }
  return stamp;
}

void
nmf_spatial_demix_challenge (nmf_spatial * sp)
{
  const int M = sp->M, S = sp->S, B = sp->B, K = sp->p.decision_frames;
  const size_t MM = (size_t) M * M;

  /* the challenger's rows as they were in the channels when it was
   * fitted, in the subspace as it is now (the subspace follows the
   * channels' covariance frame by frame, more so after a change: Wzc
   * held still in it would be another demixing each frame) */
  if (sp->have_candidate && S < M)
    mat_mul (sp->Wc, sp->E, 1, sp->Wzc, S, M, S);
  /* both judged on a frame neither has learned from */
  if (sp->have_candidate) {
    double Wc[MAXC * MAXC];
    mat_mul (sp->Wzc, sp->E, 0, Wc, S, S, M);
    sp->challenge_cost[0] += contrast (sp, sp->Cb, sp->W, sp->Wz);
    sp->challenge_cost[1] += contrast (sp, sp->Cb, Wc, sp->Wzc);
    sp->challenge_frames++;
  }
  memcpy (ring_at (sp, sp->ring_pos), sp->Cb, sizeof (double) * B * MM);
  sp->ring_stamp[sp->ring_pos] = sp->stamp;
  sp->ring_pos = (sp->ring_pos + 1) % (2 * K);
  if (sp->ring_count < 2 * K)
    sp->ring_count++;
  if (++sp->ring_frames < K)
    return;
  if (sp->have_candidate) {
    const double gain = (sp->challenge_cost[0] - sp->challenge_cost[1])
        / (double) sp->challenge_frames;
    if (gain > CHALLENGER_GAIN) {
      /* the geometry has changed: the frames still to be released from
       * before the change were mixed the old way */
      keep_replaced (sp, change_stamp (sp));
      take_challenger (sp);
    }
  }
  /* the next challenger: the demixing in force fitted to this window */
  double V[MAXC * MAXC * MAXC];
  memcpy (sp->Wzc, sp->Wz, sizeof (double) * S * S);
  for (int i = 0; i < CHALLENGER_PASSES; i++)
    ring_pass (sp, sp->Wzc, V);
  mat_mul (sp->Wzc, sp->E, 0, sp->Wc, S, S, M);
  sp->have_candidate = 1;
  sp->ring_frames = 0;
  sp->challenge_frames = 0;
  memset (sp->challenge_cost, 0, sizeof sp->challenge_cost);
}

void
nmf_spatial_demix_seed (nmf_spatial * sp, const double *A0)
{
  const int M = sp->M, S = sp->S;
  double G[MAXC * MAXC], Gi[MAXC * MAXC];

  /* rows of A0^-1: the columns of the inverse of A0^T */
  for (int i = 0; i < S; i++)
    for (int j = 0; j < S; j++)
      G[i * S + j] = A0[j * S + i];
  if (!inverse_columns (G, S, 0, S, Gi))
    return;
  for (int k = 0; k < S; k++) {
    const double *col = Gi + k * S;
    double p = 0.0;
    for (int m = 0; m < M; m++)
      for (int n = 0; n < M; n++)
        p += col[m] * sp->C[m * M + n] * col[n];
    p = p > 0.0 ? 1.0 / sqrt (p) : 1.0;
    for (int j = 0; j < S; j++)
      sp->Wz[k * S + j] = col[j] * p;
  }
  update_demixing (sp);
  sync_challenger (sp);
}

void
nmf_spatial_demix_permute (nmf_spatial * sp, const size_t *perm)
{
  const int M = sp->M, S = sp->S;
  const size_t MM = (size_t) M * M;
  double Wz[MAXC * MAXC], V[MAXC * MAXC * MAXC];

  memcpy (Wz, sp->Wz, sizeof (double) * S * S);
  memcpy (V, sp->V, sizeof (double) * S * MM);
  for (int o = 0; o < S; o++) {
    memcpy (sp->Wz + (size_t) o * S, Wz + perm[o] * S, sizeof (double) * S);
    memcpy (sp->V + o * MM, V + perm[o] * MM, sizeof (double) * MM);
  }
  update_demixing (sp);
  sync_challenger (sp);
  for (int k = 0; k < sp->replaced; k++) {
    double W[MAXC * MAXC], A[MAXC * MAXC];
    memcpy (W, sp->old[k].W, sizeof W);
    memcpy (A, sp->old[k].A, sizeof A);
    for (int o = 0; o < S; o++) {
      memcpy (sp->old[k].W + (size_t) o * M, W + perm[o] * M,
          sizeof (double) * M);
      for (int m = 0; m < M; m++)
        sp->old[k].A[m * S + o] = A[m * S + perm[o]];
    }
  }
}
