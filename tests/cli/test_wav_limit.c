/* The 4 GiB a WAV file holds (tools/wav_limit.c), on the sizes of the
 * report that found nmftool separate writing past it: 1400 s + 5 samples
 * of 8 channels at 96 kHz is 4.30 GB as 32-bit float (refused) and 2.15 GB
 * as 16-bit (fits); the bound itself, to the frame. */
#include <inttypes.h>
#include <stdio.h>

#include "wav_limit.h"

static int failures;

#define CHECK(cond, ...) do { if (!(cond)) { failures++; \
      fprintf (stderr, "FAIL: " __VA_ARGS__); fputc ('\n', stderr); } \
  } while (0)

int
main (void)
{
  const uint64_t report = 96000ull * 1400 + 5;
  const unsigned bpfs[] = { 1, 2, 4, 8, 12, 24, 32, 252 };

  CHECK (!wav_limit_fits (report, 8 * 4), "8 channels of f32 for 1400 s fit");
  CHECK (wav_limit_fits (report, 8 * 2), "8 channels of s16 for 1400 s do not fit");
  /* stereo float at 44.1 kHz: about 3.4 hours */
  CHECK (wav_limit_fits (44100ull * 3600 * 3, 8), "3 h of stereo f32 do not fit");
  CHECK (!wav_limit_fits (44100ull * 3600 * 4, 8), "4 h of stereo f32 fit");
  CHECK (wav_limit_fits (0, 4), "no samples do not fit");
  for (unsigned i = 0; i < sizeof bpfs / sizeof bpfs[0]; i++) {
    unsigned bpf = bpfs[i];
    uint64_t max = wav_limit_frames (bpf);
    /* the samples and the headroom for the header and tags stay below
     * the 32-bit sizes of RIFF */
    CHECK (max * bpf + WAV_LIMIT_HEADROOM <= WAV_LIMIT_BYTES,
        "%u bytes per frame: %" PRIu64 " frames overflow", bpf, max);
    CHECK (max * bpf + WAV_LIMIT_HEADROOM + bpf > WAV_LIMIT_BYTES,
        "%u bytes per frame: %" PRIu64 " frames is not the most", bpf, max);
    CHECK (wav_limit_fits (max, bpf) && !wav_limit_fits (max + 1, bpf),
        "%u bytes per frame: the bound is not at %" PRIu64, bpf, max);
  }
  CHECK (wav_limit_data_bytes () > 0xFFE00000u
      && wav_limit_data_bytes () < 0xFFFFFFFFu, "data bytes %" PRIu64,
      wav_limit_data_bytes ());
  if (failures) {
    fprintf (stderr, "test_wav_limit: %d failure(s)\n", failures);
    return 1;
  }
  printf ("test_wav_limit: all passed\n");
  return 0;
}
