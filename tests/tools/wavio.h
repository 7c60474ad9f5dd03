/* Minimal WAV reading and writing for the test tools: 16-bit PCM and
 * 32-bit IEEE float, any channel count. */
#ifndef NMF_TEST_WAVIO_H
#define NMF_TEST_WAVIO_H

#include <stddef.h>

typedef struct
{
  int rate;
  int channels;
  size_t frames;
  float *samples;               /* interleaved, frames * channels */
} wav_data;

/* 0 on success; prints the reason to stderr otherwise. */
int wav_read (const char *path, wav_data * wav);
int wav_write_float (const char *path, const float *samples, size_t frames,
    int channels, int rate);
void wav_free (wav_data * wav);

#endif
