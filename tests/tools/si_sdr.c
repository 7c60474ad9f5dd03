/* Scores separated sources against the true ones.
 *
 *   nmf-si-sdr [--min DB] REF_0.wav ... REF_n.wav -- EST_0.wav ... EST_n.wav
 *
 * Checks that every estimate has exactly the length of the references,
 * matches estimates to references by the permutation with the best mean
 * SI-SDR, prints each source's SI-SDR, and exits 1 if any is below --min. */
#include "metrics.h"
#include "wavio.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SOURCES 8

static double score[MAX_SOURCES][MAX_SOURCES];
static int best_perm[MAX_SOURCES], perm[MAX_SOURCES];
static double best_mean = -INFINITY;

static void
search (int k, int n, unsigned used, double sum)
{
  if (k == n) {
    if (sum / n > best_mean) {
      best_mean = sum / n;
      memcpy (best_perm, perm, sizeof perm);
    }
    return;
  }
  for (int j = 0; j < n; j++)
    if (!(used & (1u << j))) {
      perm[k] = j;
      search (k + 1, n, used | (1u << j), sum + score[k][j]);
    }
}

int
main (int argc, char **argv)
{
  double min_db = -INFINITY;
  const char *refs[MAX_SOURCES], *ests[MAX_SOURCES];
  int n_ref = 0, n_est = 0, after = 0;
  wav_data ref[MAX_SOURCES], est[MAX_SOURCES];

  for (int i = 1; i < argc; i++) {
    if (!strcmp (argv[i], "--min") && i + 1 < argc)
      min_db = atof (argv[++i]);
    else if (!strcmp (argv[i], "--"))
      after = 1;
    else if (after && n_est < MAX_SOURCES)
      ests[n_est++] = argv[i];
    else if (!after && n_ref < MAX_SOURCES)
      refs[n_ref++] = argv[i];
  }
  if (n_ref == 0 || n_ref != n_est) {
    fprintf (stderr, "usage: %s [--min DB] REF... -- EST...\n", argv[0]);
    return 2;
  }
  for (int i = 0; i < n_ref; i++) {
    if (wav_read (refs[i], &ref[i]) || wav_read (ests[i], &est[i]))
      return 2;
    if (est[i].frames != ref[i].frames || est[i].channels != ref[i].channels) {
      fprintf (stderr, "%s: %zu frames x %d channels, reference has %zu x %d\n",
          ests[i], est[i].frames, est[i].channels, ref[i].frames,
          ref[i].channels);
      return 1;
    }
  }
  for (int i = 0; i < n_ref; i++)
    for (int j = 0; j < n_est; j++)
      score[i][j] = nmf_si_sdr (ref[i].samples, 1, est[j].samples, 1,
          ref[i].frames * ref[i].channels);
  search (0, n_ref, 0, 0.0);

  int failed = 0;
  for (int i = 0; i < n_ref; i++) {
    double s = score[i][best_perm[i]];
    printf ("%s <- %s: SI-SDR %.2f dB\n", refs[i], ests[best_perm[i]], s);
    if (!(s >= min_db))
      failed = 1;
  }
  printf ("mean SI-SDR %.2f dB%s\n", best_mean,
      failed ? " (below the required minimum)" : "");
  for (int i = 0; i < n_ref; i++) {
    wav_free (&ref[i]);
    wav_free (&est[i]);
  }
  return failed;
}
