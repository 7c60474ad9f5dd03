/* libFuzzer target: the streaming separator fed arbitrary parameters and
 * sample buffers (NaN, Inf, denormals, huge values included).  Invariants
 * checked on every input: create either succeeds or refuses the config;
 * process writes exactly what pending_* announced; every output sample and
 * mask value is finite, masks lie in [0, 1]; the drain brings the output
 * count to exactly the input count. */
#include <nmf/error.h>
#include <nmf/separator.h>

#include "fuzz_input.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PUSH 4096

static void
check_finite (const float *x, size_t n, int is_mask)
{
  for (size_t i = 0; i < n; i++) {
    if (!isfinite (x[i]))
      abort ();
    if (is_mask && (x[i] < 0.0f || x[i] > 1.0f + 1e-6f))
      abort ();
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  static const int ffts[] = { 32, 64, 100, 256, 512 };
  nmf_separator_config cfg;
  nmf_separator *sep = NULL;
  float *audio[4], *masks[4];
  uint64_t total_in = 0, total_out = 0;

  nmf_separator_config_init (&cfg);
  cfg.algorithm = take (&data, &size) % 2;
  cfg.channels = 1 + take (&data, &size) % 3;
  cfg.sources = cfg.components = 1 + take (&data, &size) % 4;
  cfg.fft_size = ffts[take (&data, &size) % 5];
  cfg.hop_size = 1 + take (&data, &size) % (cfg.fft_size / 2 + 2);
  cfg.window_frames = 1 + take (&data, &size) % 40;
  cfg.iterations = 1 + take (&data, &size) % 4;
  cfg.mask_exponent = 1 + take (&data, &size) % 2;
  cfg.refresh_interval = 1 + take (&data, &size) % 8;
  int audio_on = take (&data, &size) % 4 != 0;
  /* look-ahead (kl only; volmin must be refused with it, so try that too) */
  cfg.lookahead_frames = take (&data, &size) % 16;
  if (cfg.algorithm != NMF_ALGORITHM_KL && cfg.lookahead_frames > 1)
    cfg.lookahead_frames = 0;

  if (nmf_separator_create (&sep, &cfg, NULL, 0) != NMF_OK)
    return 0;                   /* refused: fine, as long as it said so */
  nmf_separator_get_config (sep, &cfg);
  const int F = (int) nmf_separator_bins (sep), C = cfg.channels;
  const size_t max_frames = MAX_PUSH / cfg.hop_size + 8
      + (size_t) cfg.lookahead_frames;
  for (int s = 0; s < cfg.sources; s++) {
    audio[s] = malloc (sizeof (float) * (MAX_PUSH + cfg.fft_size
            + (size_t) cfg.lookahead_frames * cfg.hop_size) * C);
    masks[s] = malloc (sizeof (float) * max_frames * F);
  }
  nmf_separator_output out = { audio_on ? audio : NULL, masks };

  while (size > 0) {
    size_t frames = 1 + take (&data, &size) * 16 % MAX_PUSH;
    size_t avail = size / (sizeof (float) * C);
    if (frames > avail)
      frames = avail;
    if (frames == 0)
      break;
    float *in = malloc (sizeof (float) * frames * C);
    memcpy (in, data, sizeof (float) * frames * C);
    data += sizeof (float) * frames * C;
    size -= sizeof (float) * frames * C;

    size_t want_a = nmf_separator_pending_audio (sep, frames);
    size_t want_m = nmf_separator_pending_masks (sep, frames);
    size_t got_a, got_m;
    if (nmf_separator_process (sep, in, frames, &out, &got_a, &got_m)
        != NMF_OK || got_m != want_m || (audio_on && got_a != want_a))
      abort ();
    for (int s = 0; s < cfg.sources; s++) {
      if (audio_on)
        check_finite (audio[s], got_a * C, 0);
      check_finite (masks[s], got_m * F, 1);
    }
    total_in += frames;
    total_out += audio_on ? got_a : want_a;
    free (in);
  }

  size_t want_a = nmf_separator_drain_audio (sep), got_a, got_m;
  if (want_a + total_out != total_in)
    abort ();
  if (want_a <= MAX_PUSH + (size_t) cfg.fft_size
      + (size_t) cfg.lookahead_frames * cfg.hop_size) {
    if (nmf_separator_drain (sep, &out, &got_a, &got_m) != NMF_OK
        || (audio_on && got_a != want_a))
      abort ();
    for (int s = 0; s < cfg.sources && audio_on; s++)
      check_finite (audio[s], got_a * C, 0);
  }

  for (int s = 0; s < cfg.sources; s++) {
    free (audio[s]);
    free (masks[s]);
  }
  nmf_separator_destroy (&sep);
  return 0;
}
