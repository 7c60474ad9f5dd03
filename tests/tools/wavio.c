#include "wavio.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t
le32 (const unsigned char *p)
{
  return p[0] | (p[1] << 8) | (p[2] << 16) | ((uint32_t) p[3] << 24);
}

static uint16_t
le16 (const unsigned char *p)
{
  return (uint16_t) (p[0] | (p[1] << 8));
}

int
wav_read (const char *path, wav_data * wav)
{
  FILE *f = fopen (path, "rb");
  unsigned char hdr[12], ck[8], fmt[40];
  int format = 0, bits = 0, have_fmt = 0;

  memset (wav, 0, sizeof (*wav));
  if (!f) {
    perror (path);
    return -1;
  }
  if (fread (hdr, 1, 12, f) != 12 || memcmp (hdr, "RIFF", 4)
      || memcmp (hdr + 8, "WAVE", 4)) {
    fprintf (stderr, "%s: not a RIFF/WAVE file\n", path);
    fclose (f);
    return -1;
  }
  while (fread (ck, 1, 8, f) == 8) {
    uint32_t size = le32 (ck + 4);
    if (!memcmp (ck, "fmt ", 4)) {
      size_t n = size < sizeof fmt ? size : sizeof fmt;
      if (size < 16 || fread (fmt, 1, n, f) != n) {
        fprintf (stderr, "%s: bad fmt chunk\n", path);
        break;
      }
      fseek (f, (long) (size - n + (size & 1)), SEEK_CUR);
      format = le16 (fmt);
      wav->channels = le16 (fmt + 2);
      wav->rate = (int) le32 (fmt + 4);
      bits = le16 (fmt + 14);
      if (format == 0xFFFE && size >= 26)
        format = le16 (fmt + 24);       /* extensible: sub-format GUID */
      have_fmt = 1;
    } else if (!memcmp (ck, "data", 4) && have_fmt) {
      int bytes = bits / 8;
      if (!((format == 1 && bits == 16) || (format == 3 && bits == 32))
          || wav->channels < 1) {
        fprintf (stderr, "%s: unsupported format %d/%d bits\n", path,
            format, bits);
        break;
      }
      unsigned char *raw = malloc (size ? size : 1);
      size_t got = fread (raw, 1, size, f);
      wav->frames = got / (size_t) (bytes * wav->channels);
      wav->samples = malloc (sizeof (float) * (wav->frames * wav->channels
              + 1));
      for (size_t i = 0; i < wav->frames * wav->channels; i++) {
        if (format == 1)
          wav->samples[i] = (int16_t) le16 (raw + 2 * i) / 32768.0f;
        else {
          uint32_t u = le32 (raw + 4 * i);
          memcpy (&wav->samples[i], &u, 4);
        }
      }
      free (raw);
      fclose (f);
      return 0;
    } else {
      fseek (f, (long) (size + (size & 1)), SEEK_CUR);
    }
  }
  fprintf (stderr, "%s: no usable data chunk\n", path);
  fclose (f);
  return -1;
}

static void
put32 (unsigned char *p, uint32_t v)
{
  p[0] = v & 255;
  p[1] = (v >> 8) & 255;
  p[2] = (v >> 16) & 255;
  p[3] = v >> 24;
}

int
wav_write_float (const char *path, const float *samples, size_t frames,
    int channels, int rate)
{
  FILE *f = fopen (path, "wb");
  unsigned char h[44];
  uint32_t data = (uint32_t) (frames * channels * 4);

  if (!f) {
    perror (path);
    return -1;
  }
  memcpy (h, "RIFF", 4);
  put32 (h + 4, 36 + data);
  memcpy (h + 8, "WAVEfmt ", 8);
  put32 (h + 16, 16);
  h[20] = 3;                    /* IEEE float */
  h[21] = 0;
  h[22] = (unsigned char) channels;
  h[23] = 0;
  put32 (h + 24, (uint32_t) rate);
  put32 (h + 28, (uint32_t) rate * channels * 4);
  h[32] = (unsigned char) (channels * 4);
  h[33] = 0;
  h[34] = 32;
  h[35] = 0;
  memcpy (h + 36, "data", 4);
  put32 (h + 40, data);
  int ok = fwrite (h, 1, 44, f) == 44
      && fwrite (samples, 4, frames * channels, f) == frames * channels;
  ok &= fclose (f) == 0;
  if (!ok)
    fprintf (stderr, "%s: write failed\n", path);
  return ok ? 0 : -1;
}

void
wav_free (wav_data * wav)
{
  free (wav->samples);
  wav->samples = NULL;
}
