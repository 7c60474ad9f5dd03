/* How much a WAV file holds: its RIFF and data chunk sizes are 32-bit, so
 * a file stops at 4 GiB; wavenc past that wraps the sizes round (an
 * unreadable file) without an error. */
#ifndef NMFTOOL_WAV_LIMIT_H
#define NMFTOOL_WAV_LIMIT_H

#include <stdint.h>

/* The largest size a chunk or the RIFF form may give: 4 GiB - 1. */
#define WAV_LIMIT_BYTES 0xFFFFFFFFu
/* What the file holds besides the samples: wavenc's header (at most 80
 * bytes: RIFF, an extensible fmt chunk, a fact chunk, the data chunk's
 * header) and the tags it writes after the data; 1 MiB is room enough. */
#define WAV_LIMIT_HEADROOM (1u << 20)

/* The most bytes of samples a WAV file can hold. */
uint64_t wav_limit_data_bytes (void);
/* The most sample frames of BPF bytes each a WAV file can hold (0 for
 * BPF 0). */
uint64_t wav_limit_frames (unsigned bpf);
/* 1 when FRAMES frames of BPF bytes fit in a WAV file, else 0. */
int wav_limit_fits (uint64_t frames, unsigned bpf);

#endif
