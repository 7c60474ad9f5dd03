/* The demixing per bin's fit (core/spatial_bins.c) within what a stream
 * played in real time can give it, through the separator with the file
 * profile's look-ahead:
 *   - its work in any one frame (nmf_ilrma_work: passes of the loops over
 *     the block's frames) is at most a stereo fit's of the full block (440
 *     frames, fft 2048, hop 512) spread over its 60 frames, per 512
 *     samples of hop, and one step of it: with 4 spaced microphones one
 *     iteration a frame was 3.3 times that (49 ms a frame at 11.6 ms a
 *     hop), and the element stalled;
 *   - with 4 channels the fit still ends in time: the sources are demixed
 *     per bin;
 *   - where the look-ahead cannot hold a block and its fit at that pace
 *     (8 channels: 16 times a stereo iteration's work), the fit is not
 *     attempted and its block is not taken (29 MB at fft 2048, 200 MB at
 *     8192, allocated for every such element, the fit never run on a
 *     panned mix);
 *   - stereo keeps its block of 440 frames, and at a hop shorter than
 *     fft / 4 the look-ahead less 60 frames and 4 windows, as it had. */
#include "check.h"
#include "ilrma.h"
#include "malloc_count.h"
#include "separator_private.h"
#include "spatial_private.h"

#include <string.h>

#define RATE 44100
#define MAXM 8

static nmf_separator *
create_file (int M, int fft, int hop, size_t *bytes)
{
  nmf_separator_config c;
  nmf_separator *sep = NULL;
  char msg[256] = "";

  nmf_separator_config_init (&c);
  nmf_separator_config_apply_profile (&c, NMF_PROFILE_FILE);
  c.channels = M;
  c.sources = M;
  c.fft_size = fft;
  c.hop_size = hop;
  malloc_count_start ();
  CHECK_OK (nmf_separator_create (&sep, &c, msg, sizeof msg));
  malloc_count_stop (NULL, bytes);
  return sep;
}

/* the work per frame the fit may take at this hop */
static long long
budget (int hop)
{
  return (nmf_ilrma_fit_work (2, 1025, 440, 4, 60) + 59) / 60 * hop / 512;
}

/* M sources at M microphones along a line, source s reaching microphone
 * m 7 |m - s| + s samples after the first, the separator fed a hop at
 * a time: the fit's most work in a frame */
static void
check_spaced (int M)
{
  const size_t n = (size_t) RATE * 9;
  float *mix = calloc (n * M, sizeof (float)), *src = malloc (sizeof (float)
      * n), *out[MAXM];
  size_t bytes, got;
  nmf_separator *sep = create_file (M, 2048, 512, &bytes);
  nmf_separator_output o = { out, NULL };
  const nmf_ilrma *il = sep->spatial->bins;
  long long most = 0, before = 0;
  int frames = 0;

  CHECK (il != NULL, "%d channels: no block", M);
  for (int s = 0; s < M; s++) {
    test_varying_source (s, 0, RATE, src, n);
    for (int m = 0; m < M; m++) {
      const size_t d = 16 + 7 * (size_t) abs (m - s) + (size_t) s;
      for (size_t i = d; i < n; i++)
        mix[i * M + m] += src[i - d];
    }
  }
  for (int s = 0; s < M; s++)
    out[s] = malloc (sizeof (float) * 4096 * M);
  for (size_t pos = 0; pos + 512 <= n; pos += 512) {
    CHECK_OK (nmf_separator_process (sep, mix + pos * M, 512, &o, &got,
            NULL));
    const long long w = nmf_ilrma_work (il);
    if (w - before > most)
      most = w - before;
    frames += w > before;
    before = w;
  }
  nmf_separator_spatial info;
  nmf_separator_get_spatial (sep, &info);
  printf ("%d channels, fft 2048: block %d frames, the fit's work %lld in "
      "%d frames, at most %lld in one (%.2f of the budget), delay fit "
      "%.3f, %s\n", M,
      nmf_ilrma_capacity (il), before, frames, most,
      (double) most / budget (512), sep->spatial->bins_fit,
      info.per_frequency ? "demixed per bin"
      : "not demixed per bin");
  CHECK (most <= budget (512) + nmf_ilrma_step_work (M,
          nmf_ilrma_capacity (il), 4), "%d channels: the fit took %lld in a "
      "frame, %.2f times the budget", M, most, (double) most / budget (512));
  CHECK (info.per_frequency, "%d channels: not demixed per bin", M);
  for (int s = 0; s < M; s++)
    free (out[s]);
  free (mix);
  free (src);
  nmf_separator_destroy (&sep);
}

int
main (void)
{
  const int ffts[] = { 2048, 8192 };

  malloc_count_require ();
  for (int i = 0; i < 2; i++) {
    size_t bytes;
    nmf_separator *sep = create_file (2, ffts[i], ffts[i] / 4, &bytes);
    const nmf_ilrma *il = sep->spatial->bins;
    CHECK (il && nmf_ilrma_capacity (il) == 440, "stereo, fft %d: block %d",
        ffts[i], il ? nmf_ilrma_capacity (il) : 0);
    nmf_separator_destroy (&sep);
    sep = create_file (8, ffts[i], ffts[i] / 4, &bytes);
    il = sep->spatial->bins;
    printf ("8 channels, fft %d: create took %.1f MB, block %d frames\n",
        ffts[i], bytes / 1e6, il ? nmf_ilrma_capacity (il) : 0);
    CHECK (!il, "8 channels, fft %d: a block of %d frames, an iteration "
        "%.1f times the work a frame may take", ffts[i],
        nmf_ilrma_capacity (il), (double) nmf_ilrma_iteration_work (8,
            ffts[i] / 2 + 1, nmf_ilrma_capacity (il), 4)
        / budget (ffts[i] / 4));
    nmf_separator_destroy (&sep);
  }
  /* a shorter hop than fft / 4 leaves stereo as it was: the look-ahead
   * less 60 frames and 4 windows (16 hops) */
  size_t bytes;
  nmf_separator *sep = create_file (2, 2048, 128, &bytes);
  const nmf_ilrma *il = sep->spatial->bins;
  CHECK (il && nmf_ilrma_capacity (il) == 516 - 60 - 4 * 16, "stereo, hop "
      "128: block %d", il ? nmf_ilrma_capacity (il) : 0);
  nmf_separator_destroy (&sep);
  check_spaced (4);
  CHECK_DONE ();
}
