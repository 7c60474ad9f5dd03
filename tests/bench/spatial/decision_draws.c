/* How often the spatial stage decides right, over many draws of planted
 * two-source stereo mixes (docs/experiments.md, "Rooms decided again"):
 *
 *   decision_draws pan P DRAWS SECONDS [-v]    sources panned to -P and +P
 *   decision_draws room D DRAWS SECONDS [-v]   a small array in a room:
 *                                              microphones D metres apart
 *
 * prints how many of the draws the separator (the library's defaults, two
 * sources) holds for instantaneous after SECONDS - demixing, or waiting to
 * - and with -v each draw's state and decision figures.
 *
 * The sources are those of tests/core/test_spatial.c (test_varying_source,
 * tests/support/signals.h).  The room: per source a direction, the direct path
 * 20 - 50 samples late with the delay between the microphones its
 * direction gives, and six reflections 1 - 30 ms later, each from a
 * direction of its own, gain 0.2 - 0.6 either sign. */
#include <nmf/nmf.h>

#include "signals.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RATE 44100
#define SPEED_OF_SOUND 343.0

/* x delayed by `delay` samples (linear interpolation), times g, into
 * channel ch of the interleaved stereo out */
static void
add_delayed (float *out, int ch, const float *x, size_t n, double delay,
    double g)
{
  const size_t d0 = (size_t) floor (delay);
  const double frac = delay - (double) d0;

  for (size_t i = 0; i + d0 + 1 < n; i++) {
    out[2 * (i + d0) + ch] += (float) (g * (1.0 - frac) * x[i]);
    out[2 * (i + d0 + 1) + ch] += (float) (g * frac * x[i]);
  }
}

/* a path arriving from `angle` (radians off broadside), `delay` samples
 * late at the nearer microphone */
static void
add_path (float *mix, const float *x, size_t n, double spacing, double angle,
    double delay, double g)
{
  const double between = spacing * sin (angle) / SPEED_OF_SOUND * RATE;

  add_delayed (mix, 0, x, n, delay + (between > 0 ? between : 0), g);
  add_delayed (mix, 1, x, n, delay + (between < 0 ? -between : 0), g);
}

int
main (int argc, char **argv)
{
  if (argc < 5 || (strcmp (argv[1], "pan") && strcmp (argv[1], "room"))) {
    fprintf (stderr, "usage: %s pan|room P|D DRAWS SECONDS [-v]\n", argv[0]);
    return 2;
  }
  const int room = !strcmp (argv[1], "room");
  const double param = atof (argv[2]), seconds = atof (argv[4]);
  const int draws = atoi (argv[3]), verbose = argc > 5;
  const size_t n = (size_t) (seconds * RATE);
  float *src[2] = { malloc (sizeof (float) * n), malloc (sizeof (float) * n) };
  float *mix = malloc (sizeof (float) * 2 * n);
  int instantaneous = 0;

  for (int d = 1; d <= draws; d++) {
    unsigned long long st = 1234 + (unsigned long long) d * 77;
    memset (mix, 0, sizeof (float) * 2 * n);
    for (int k = 0; k < 2; k++) {
      test_varying_source (k, (unsigned long long) d, RATE, src[k], n);
      if (!room) {
        const double t = ((k ? param : -param) + 1.0) * M_PI / 4.0;
        for (size_t i = 0; i < n; i++) {
          mix[2 * i] += (float) (cos (t) * src[k][i]);
          mix[2 * i + 1] += (float) (sin (t) * src[k][i]);
        }
        continue;
      }
      const double angle = (test_uniform (&st) - 0.5) * M_PI;
      const double direct = 20.0 + 30.0 * test_uniform (&st);
      add_path (mix, src[k], n, param, angle, direct, 1.0);
      for (int r = 0; r < 6; r++) {
        double later = (1.0 + 29.0 * test_uniform (&st)) * 1e-3 * RATE;
        double from = (test_uniform (&st) - 0.5) * 2.0 * M_PI;
        double g = 0.2 + 0.4 * test_uniform (&st);
        if (test_uniform (&st) < 0.5)
          g = -g;
        add_path (mix, src[k], n, param, from, direct + later, g);
      }
    }

    nmf_separator_config c;
    nmf_separator *sep = NULL;
    nmf_separator_spatial info;
    char msg[256] = "";
    size_t got;
    nmf_separator_config_init (&c);
    c.channels = 2;
    c.sources = 2;
    if (nmf_separator_create (&sep, &c, msg, sizeof msg) != NMF_OK) {
      fprintf (stderr, "%s\n", msg);
      return 1;
    }
    for (size_t i = 0; i < n; i += 4410)
      if (nmf_separator_process (sep, mix + 2 * i, i + 4410 <= n ? 4410 :
              n - i, NULL, &got, NULL) != NMF_OK)
        return 1;
    nmf_separator_get_spatial (sep, &info);
    nmf_separator_destroy (&sep);
    const int inst = info.state == NMF_SPATIAL_STATE_ACTIVE
        || info.state == NMF_SPATIAL_STATE_NOT_DIVERSE
        || info.state == NMF_SPATIAL_STATE_LISTENING;
    instantaneous += inst;
    if (verbose)
      printf ("draw %d: %s (imaginary %.3f, shared %.2f)\n", d,
          inst ? "instantaneous" : "room", info.imaginary, info.shared);
  }
  printf ("%s %g, %g s: %d of %d draws instantaneous\n", argv[1], param,
      seconds, instantaneous, draws);
  free (src[0]);
  free (src[1]);
  free (mix);
  return 0;
}
