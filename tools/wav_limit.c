/* How much a WAV file holds (see wav_limit.h). */
#include "wav_limit.h"

uint64_t
wav_limit_data_bytes (void)
{
  return (uint64_t) WAV_LIMIT_BYTES - WAV_LIMIT_HEADROOM;
}

uint64_t
wav_limit_frames (unsigned bpf)
{
  return bpf ? wav_limit_data_bytes () / bpf : 0;
}

int
wav_limit_fits (uint64_t frames, unsigned bpf)
{
  return frames <= wav_limit_frames (bpf);
}
