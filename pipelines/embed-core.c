/* Separation in an application without GStreamer: the core library alone.
 *
 *   nmf-embed-core [--sources N] [--channels C] [--profile live|file]
 *                  OUT_PREFIX < input.f32
 *   nmf-embed-core --help
 *
 * Reads interleaved 32-bit float samples (native byte order, C channels)
 * from standard input, a block at a time as an audio callback would get
 * them, separates them with the streaming separator of libnmfcore, and
 * writes source k to OUT_PREFIX<k>.f32 in the same format: exactly as many
 * samples as came in, source k's sample n the separated input sample n,
 * the sources adding up to the input (an input that ends with part of a
 * frame: the whole frames are separated, and the exit status is 1).  The
 * sample rate does not matter to the separator (its settings are in
 * samples).  Exit status 0; 1 on a failure, said on standard error (a
 * setting out of range, an output that cannot be written); 2 for a bad
 * command line.
 *
 * Build against the installed library:
 *   cc embed-core.c -o nmf-embed-core $(pkg-config --cflags --libs nmfcore)
 * Raw samples from any file, and back:
 *   gst-launch-1.0 filesrc location=mix.wav ! wavparse ! audioconvert ! \
 *     audio/x-raw,format=F32LE ! filesink location=mix.f32
 *   ./nmf-embed-core --channels 1 out < mix.f32
 *   gst-launch-1.0 filesrc location=out0.f32 ! rawaudioparse \
 *     format=pcm pcm-format=f32le sample-rate=44100 num-channels=1 ! \
 *     audioconvert ! wavenc ! filesink location=source0.wav */
#include <nmf/nmf.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK 4096              /* samples per channel per read */

#define USAGE "usage: nmf-embed-core [--sources N] [--channels C] " \
  "[--profile live|file] OUT_PREFIX < input.f32\n"

static int
usage (void)
{
  fputs (USAGE, stderr);
  return 2;
}

/* An option's integer: the whole argument (atoi took "abc" for 0 and "2x"
 * for 2); its range is the library's to check. */
static int
parse_int (const char *text, int *value)
{
  char *end;
  long v;

  errno = 0;
  v = strtol (text, &end, 10);
  if (end == text || *end != '\0' || errno != 0 || v < INT_MIN || v > INT_MAX)
    return -1;
  *value = (int) v;
  return 0;
}

/* Writes n interleaved frames of every source to its file; a failure (a
 * full disk) is said, with the file's name: it ended the run silently. */
static int
write_sources (FILE ** files, float **buffers, int sources, int channels,
    size_t n, const char *prefix)
{
  for (int s = 0; s < sources; s++)
    if (fwrite (buffers[s], sizeof (float) * channels, n, files[s]) != n) {
      fprintf (stderr, "nmf-embed-core: %s%d.f32: %s\n", prefix, s,
          strerror (errno));
      return -1;
    }
  return 0;
}

int
main (int argc, char **argv)
{
  nmf_separator_config config;
  nmf_separator *sep = NULL;
  nmf_profile profile = NMF_PROFILE_FILE;
  char message[256];
  const char *prefix = NULL;
  int sources = 2, channels = 1, status = 1;

  for (int i = 1; i < argc; i++) {
    if (!strcmp (argv[i], "--help") || !strcmp (argv[i], "-h")) {
      fputs (USAGE, stdout);
      return 0;
    }
    if (!strcmp (argv[i], "--sources") && i + 1 < argc) {
      if (parse_int (argv[++i], &sources) != 0)
        return usage ();
    } else if (!strcmp (argv[i], "--channels") && i + 1 < argc) {
      if (parse_int (argv[++i], &channels) != 0)
        return usage ();
    }
    else if (!strcmp (argv[i], "--profile") && i + 1 < argc) {
      i++;
      if (!strcmp (argv[i], "live"))
        profile = NMF_PROFILE_LIVE;
      else if (!strcmp (argv[i], "file"))
        profile = NMF_PROFILE_FILE;
      else
        return usage ();
    }
    else if (argv[i][0] == '-' || prefix)
      return usage ();
    else
      prefix = argv[i];
  }
  if (!prefix)
    return usage ();

  /* the settings the element's profiles use, for this stream's shape */
  nmf_separator_config_init (&config);
  config.sources = sources;
  config.channels = channels;
  nmf_separator_config_apply_profile (&config, profile);
  if (nmf_separator_create (&sep, &config, message, sizeof message)
      != NMF_OK) {
    fprintf (stderr, "nmf-embed-core: %s\n", message);
    return 1;
  }

  /* Output buffers sized once: a block of input completes at most
   * nmf_separator_pending_audio() samples, the drain at most what is
   * held (the delay and one hop). */
  const size_t cap = BLOCK + nmf_separator_delay (sep)
      + nmf_separator_hop_size (sep);
  const size_t frame_bytes = sizeof (float) * channels;
  const size_t block_bytes = frame_bytes * BLOCK;
  float *in = malloc (block_bytes);
  float *buffers[NMF_SEPARATOR_MAX_SOURCES] = { NULL };
  FILE *files[NMF_SEPARATOR_MAX_SOURCES] = { NULL };
  nmf_separator_output out = { buffers, NULL };
  size_t got, held = 0, n_audio, total_in = 0, total_out = 0;
  nmf_status err;

  if (!in) {
    perror ("nmf-embed-core");
    goto done;
  }
  for (int s = 0; s < sources; s++) {
    char path[4096];
    snprintf (path, sizeof path, "%s%d.f32", prefix, s);
    buffers[s] = malloc (sizeof (float) * cap * channels);
    files[s] = fopen (path, "wb");
    if (!buffers[s] || !files[s]) {
      perror (path);
      goto done;
    }
  }
  /* read in bytes: a frame split across reads (a pipe) is carried to the
   * next, and a part frame at the end is reported, not dropped unseen */
  while ((got = fread ((char *) in + held, 1, block_bytes - held, stdin)) > 0) {
    size_t frames = (held + got) / frame_bytes;
    held = held + got - frames * frame_bytes;
    if (frames == 0)
      continue;
    err = nmf_separator_process (sep, in, frames, &out, &n_audio, NULL);
    if (err != NMF_OK) {
      fprintf (stderr, "nmf-embed-core: %s\n", nmf_strerror (err));
      goto done;
    }
    if (write_sources (files, buffers, sources, channels, n_audio,
            prefix) != 0)
      goto done;
    memmove (in, (char *) in + frames * frame_bytes, held);
    total_in += frames;
    total_out += n_audio;
  }
  if (ferror (stdin)) {
    perror ("nmf-embed-core: standard input");
    goto done;
  }
  /* the end of the stream: what the separator still holds */
  err = nmf_separator_drain (sep, &out, &n_audio, NULL);
  if (err != NMF_OK) {
    fprintf (stderr, "nmf-embed-core: %s\n", nmf_strerror (err));
    goto done;
  }
  if (write_sources (files, buffers, sources, channels, n_audio, prefix) != 0)
    goto done;
  total_out += n_audio;
  fprintf (stderr, "nmf-embed-core: %zu samples in, %zu out per source, "
      "%d sources\n", total_in, total_out, sources);
  status = total_out == total_in ? 0 : 1;
  if (held) {
    fprintf (stderr, "nmf-embed-core: the input ends with %zu byte%s of a "
        "%zu-byte frame (%d channel%s of 32-bit float), not separated\n",
        held, held > 1 ? "s" : "", frame_bytes, channels,
        channels > 1 ? "s" : "");
    status = 1;
  }

done:
  for (int s = 0; s < sources; s++) {
    if (files[s] && fclose (files[s]) != 0) {
      /* (the last block is written here: a full disk may show only now) */
      fprintf (stderr, "nmf-embed-core: %s%d.f32: %s\n", prefix, s,
          strerror (errno));
      status = 1;
    }
    free (buffers[s]);
  }
  free (in);
  nmf_separator_destroy (&sep);
  return status;
}
