/* process and drain allocate nothing once a separator is made
 * (<nmf/separator.h>): every allocation the process makes is counted
 * while a stream runs through separators of the configurations an
 * embedding application and the element use - the plain defaults, the
 * live and file profiles (components grouped into sources, at every
 * regrouping), log bands, stereo and 4 channels through the spatial
 * take-over, spaced microphones through the demixing per bin (its block,
 * iterations and take-over), reset and the live setters - after a first second to warm
 * up.  Found by counting: the assignment solver allocated at every
 * regrouping, and FFTW's r2c of the grouping's 218-point DFT (Rader's
 * algorithm) at every template.  volmin is left out: its linear programs
 * are GLPK's, which allocates (documented). */
#include "check.h"
#include "malloc_count.h"
#include <nmf/separator.h>

#include <string.h>

#define RATE 44100
#define SECONDS 4

/* two tones switching on and off, panned apart over the channels, and
 * a little noise */
static float *
make_input (size_t n, int channels)
{
  float *x = malloc (sizeof (float) * n * channels);
  unsigned long long seed = 7;

  for (size_t i = 0; i < n; i++) {
    const double t = (double) i / RATE;
    const double a = ((i / 11025) % 2) ? 0.3 * sin (2 * M_PI * 440 * t) : 0;
    const double b = ((i / 7000) % 3) ? 0.2 * sin (2 * M_PI * 1250 * t) : 0;
    for (int c = 0; c < channels; c++) {
      const double p = channels > 1 ? (double) c / (channels - 1) : 0.5;
      x[i * channels + c] = (float) (a * cos (p * M_PI / 2) + b * sin (p *
              M_PI / 2 + 0.3) + 0.01 * (test_uniform (&seed) - 0.5));
    }
  }
  return x;
}

/* two sources at spaced microphones (each one delay between the two
 * channels): the spatial stage's demixing per bin */
static float *
make_spaced_input (size_t n)
{
  float *x = calloc (n * 2, sizeof (float)), *src = malloc (sizeof (float) * n);

  for (int s = 0; s < 2; s++) {
    test_varying_source (s, 0, RATE, src, n);
    for (size_t i = 16; i < n; i++) {
      x[i * 2 + s] += src[i - 16];
      x[i * 2 + 1 - s] += 0.8f * src[i - 16 + (s ? 5 : -6)];
    }
  }
  free (src);
  return x;
}

static void
check_config_for (const char *name, const nmf_separator_config * config,
    int seconds, int spaced)
{
  const size_t n = (size_t) RATE * seconds, block = 1000;
  const int C = config->channels, S = config->sources;
  nmf_separator *sep = NULL;
  char msg[256] = "";
  float *x = spaced ? make_spaced_input (n) : make_input (n, C);
  float *out[NMF_SEPARATOR_MAX_SOURCES];
  size_t got, masks;
  long during;

  CHECK_OK (nmf_separator_create (&sep, config, msg, sizeof msg));
  for (int s = 0; s < S; s++)
    out[s] = malloc (sizeof (float) * (n + 4096) * C);
  nmf_separator_output o = { out, NULL };
  /* the first second: the model starts, the spatial stage decides */
  CHECK_OK (nmf_separator_process (sep, x, RATE, &o, &got, &masks));
  malloc_count_start ();
  for (size_t pos = RATE; pos < n; pos += block)
    nmf_separator_process (sep, x + pos * C, pos + block <= n ? block :
        n - pos, &o, &got, &masks);
  nmf_separator_set_iterations (sep, 3);
  nmf_separator_set_mask_exponent (sep, 1);
  nmf_separator_spatial info;
  nmf_separator_get_spatial (sep, &info);
  CHECK (!spaced || info.per_frequency, "%s: not demixed per bin (state "
      "%d)", name, info.state);
  nmf_separator_reset (sep, 1);
  nmf_separator_process (sep, x, RATE, &o, &got, &masks);
  nmf_separator_drain (sep, &o, &got, &masks);
  /* and a drain in parts, as the element makes it */
  {
    int more = 1;
    size_t done = 0;
    nmf_separator_process (sep, x, RATE, &o, &got, &masks);
    while (more) {
      float *part[NMF_SEPARATOR_MAX_SOURCES];
      for (int s = 0; s < S; s++)
        part[s] = out[s] + done * C;
      nmf_separator_output po = { part, NULL };
      nmf_separator_drain_part (sep, &po, 8192, SIZE_MAX, &got, &masks,
          &more);
      done += got;
    }
  }
  malloc_count_stop (&during, NULL);
  printf ("%-10s %ld allocations in process, reset and drain (whole, in "
      "parts)\n", name, during);
  CHECK (during == 0, "%s: %ld allocations after create", name, during);
  for (int s = 0; s < S; s++)
    free (out[s]);
  free (x);
  nmf_separator_destroy (&sep);
}

static void
check_config (const char *name, const nmf_separator_config * config)
{
  check_config_for (name, config, SECONDS, 0);
}

int
main (void)
{
  nmf_separator_config c;

  malloc_count_require ();
  nmf_separator_config_init (&c);
  check_config ("defaults", &c);

  nmf_separator_config_init (&c);
  nmf_separator_config_apply_profile (&c, NMF_PROFILE_LIVE);
  check_config ("live", &c);

  nmf_separator_config_init (&c);
  nmf_separator_config_apply_profile (&c, NMF_PROFILE_FILE);
  check_config ("file", &c);

  nmf_separator_config_init (&c);
  c.components = 6;
  c.sources = 3;
  c.bands_per_octave = 24;
  check_config ("bands", &c);

  nmf_separator_config_init (&c);
  c.channels = 2;
  check_config ("stereo", &c);

  nmf_separator_config_init (&c);
  c.channels = 4;
  c.sources = 3;
  check_config ("4 channels", &c);

  /* the block filled, iterated and in force: 516 frames after the first */
  nmf_separator_config_init (&c);
  nmf_separator_config_apply_profile (&c, NMF_PROFILE_FILE);
  c.channels = 2;
  check_config_for ("spaced", &c, 9, 1);
  CHECK_DONE ();
}
