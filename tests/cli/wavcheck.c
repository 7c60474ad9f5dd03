/* wavcheck FILE...: strict check that each file is a complete RIFF/WAVE
 * file (the RIFF size matches the file size, the chunks tile the file
 * exactly, fmt precedes data, the data size is a whole number of frames),
 * as a finalized wavenc output is and an unfinalized one is not.  Prints
 * "FRAMES CHANNELS RATE FORMAT BITS" per file (FORMAT 1 = PCM, 3 = float);
 * exit status 1 at the first bad file. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static uint32_t
le32 (const unsigned char *p)
{
  return p[0] | (p[1] << 8) | (p[2] << 16) | ((uint32_t) p[3] << 24);
}

static int
check (const char *path)
{
  FILE *f = fopen (path, "rb");
  unsigned char h[12], ck[8], fmt[16];
  struct stat sb;
  long pos = 12;
  uint32_t data_size = 0;
  int have_fmt = 0, have_data = 0, channels = 0, format = 0, bits = 0;
  uint32_t rate = 0, align = 0;

  if (f == NULL || fstat (fileno (f), &sb) != 0) {
    perror (path);
    return 1;
  }
  if (fread (h, 1, 12, f) != 12 || memcmp (h, "RIFF", 4)
      || memcmp (h + 8, "WAVE", 4)) {
    fprintf (stderr, "%s: not a RIFF/WAVE file\n", path);
    goto bad;
  }
  if ((long long) le32 (h + 4) + 8 != (long long) sb.st_size) {
    fprintf (stderr, "%s: RIFF size %u + 8 != file size %lld (not "
        "finalized)\n", path, le32 (h + 4), (long long) sb.st_size);
    goto bad;
  }
  while (pos < sb.st_size) {
    uint32_t size;
    if (fseek (f, pos, SEEK_SET) != 0 || fread (ck, 1, 8, f) != 8) {
      fprintf (stderr, "%s: truncated chunk header at %ld\n", path, pos);
      goto bad;
    }
    size = le32 (ck + 4);
    if (pos + 8 + (long long) size > sb.st_size) {
      fprintf (stderr, "%s: chunk '%.4s' of %u bytes at %ld runs past the "
          "end of the file\n", path, (const char *) ck, size, pos);
      goto bad;
    }
    if (!memcmp (ck, "fmt ", 4)) {
      if (size < 16 || fread (fmt, 1, 16, f) != 16) {
        fprintf (stderr, "%s: bad fmt chunk\n", path);
        goto bad;
      }
      format = fmt[0] | (fmt[1] << 8);
      channels = fmt[2] | (fmt[3] << 8);
      rate = le32 (fmt + 4);
      align = fmt[12] | (fmt[13] << 8);
      bits = fmt[14] | (fmt[15] << 8);
      have_fmt = 1;
    } else if (!memcmp (ck, "data", 4)) {
      if (!have_fmt || align == 0) {
        fprintf (stderr, "%s: data before fmt\n", path);
        goto bad;
      }
      if (size % align) {
        fprintf (stderr, "%s: data size %u is not a whole number of "
            "%u-byte frames\n", path, size, align);
        goto bad;
      }
      data_size = size;
      have_data = 1;
    }
    pos += 8 + (long) size + (size & 1);
  }
  if (pos != sb.st_size || !have_data) {
    fprintf (stderr, "%s: %s\n", path, have_data ? "chunks do not end at "
        "the end of the file" : "no data chunk");
    goto bad;
  }
  fclose (f);
  printf ("%u %d %u %d %d\n", data_size / align, channels, rate, format,
      bits);
  return 0;
bad:
  fclose (f);
  return 1;
}

int
main (int argc, char **argv)
{
  if (argc < 2) {
    fprintf (stderr, "usage: %s FILE.wav...\n", argv[0]);
    return 2;
  }
  for (int i = 1; i < argc; i++)
    if (check (argv[i]))
      return 1;
  return 0;
}
