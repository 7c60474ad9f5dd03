/* nmftool learn: spectral templates (a dictionary) of one source, learned
 * from example audio of it, for nmfseparate's `dictionaries` property. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gst/gst.h>
#include <nmf/dictionary.h>
#include <nmf/error.h>

#include "media_input.h"
#include "nmftool.h"
#include "npy_output.h"
#include "same_file.h"

static const char *const cmd = "learn";

const char nmftool_learn_help[] =
    "nmftool learn: learn a dictionary of one source from example audio\n"
    "\n"
    "  nmftool learn --components K --in EXAMPLE --out DICT.npy\n"
    "                [--fft-size N] [--hop-size H] [--shifts R]\n"
    "                [--iterations I] [--seed S] [--quiet]\n"
    "\n"
    "EXAMPLE is a file name or URI of anything GStreamer can decode, holding\n"
    "only the source to learn (a noise-only clip, one speaker, one\n"
    "instrument). Its magnitude spectrogram (sqrt-Hann STFT, channels summed,\n"
    "as nmfseparate computes it; frames more than 60 dB below the loudest are\n"
    "left out) is factored by batch KL-NMF into K templates, then each\n"
    "template is copied shifted by whole semitones up to R either side along\n"
    "a log-frequency axis (notes the example did not play), and the K (2R+1)\n"
    "templates (at most 1024) are written as a (N/2+1, K (2R+1)) float64 .npy\n"
    "with columns summing to one. Give it to the\n"
    "element as dictionaries=\"SOURCE=DICT.npy\" with the same fft-size (the\n"
    "element refuses a dictionary made for another one) and, for the\n"
    "templates to mean the same frequencies, the same sample rate (rates\n"
    "outside 8-192 kHz are resampled to the nearer bound, as nmfseparate's\n"
    "input is by nmftool separate). An example of more than 8192 STFT\n"
    "frames (95 s at 44.1 kHz and the default hop) is learned from every\n"
    "k-th frame, k the smallest that keeps within 8192, so memory stays\n"
    "bounded but for its samples (4 bytes a sample and channel).\n"
    "\n"
    "  --components K    number of templates, 1..1024. Required.\n"
    "  --in FILE         the example audio. Required.\n"
    "  --out FILE        the dictionary (.npy). Required. Checked before\n"
    "                    the work (a missing directory, a directory);\n"
    "                    written to a temporary file beside it\n"
    "                    (.NAME.XXXXXX) and renamed over it, so a file\n"
    "                    there is replaced whole or, if the write fails,\n"
    "                    kept as it was (/dev/stdout, a pipe, a file with\n"
    "                    hard links, another user's, or in a directory\n"
    "                    that takes no new file: in place).\n"
    "  --fft-size N      even, 32..32768 (default 2048).\n"
    "  --hop-size H      1..N/2 (default N/4, 512 at the default N, as the\n"
    "                    element's hop-size=0).\n"
    "  --shifts R        semitones either side, 0..24 (default 2; 0: the\n"
    "                    learned templates only). On a corpus of GM\n"
    "                    instruments and voices, 32 templates with +-2 gave\n"
    "                    8.4 dB mean SDR against 5.6 dB unshifted.\n"
    "  --iterations I    multiplicative updates (default 200).\n"
    "  --seed S          start of the templates (default 0).\n"
    "  --quiet, -q       no summary line on stderr (errors still print).\n"
    "  --help, -h        this text.\n";

/* How long a wait for decoded audio lasts before the bus is looked at */
#define DECODE_POLL_NS (50 * GST_MSECOND)

typedef struct
{
  const char *in, *out;
  unsigned long components, fft, hop, iterations, shifts;
  unsigned long long seed;
  int quiet;
} LearnOptions;

static const char *const known[] = { "--components", "--fft-size",
  "--hop-size", "--iterations", "--shifts", "--seed", "--in", "--out"
};

/* The option of known[] that the first N characters of ARG name, or
 * NULL. */
static const char *
known_name (const char *arg, size_t n)
{
  for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
    if (strlen (known[k]) == n && !strncmp (arg, known[k], n))
      return known[k];
  return NULL;
}

/* NMFTOOL_RUN, or the exit status. */
static int
parse_options (LearnOptions * o, int argc, char **argv)
{
  int ret;

  memset (o, 0, sizeof *o);
  o->fft = 2048;
  o->hop = 0;                   /* N / 4 once N is known */
  o->iterations = NMF_DICTIONARY_DEFAULT_ITERATIONS;
  o->shifts = NMF_DICTIONARY_DEFAULT_SHIFTS;
  /* every option but --help and --quiet takes a value, the next
   * argument or after '=' (--components=16), as separate's and
   * factorize's (getopt_long) do */
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i], *eq = NULL, *opt, *val;
    int bad = 0;
    if (!strcmp (arg, "--help") || !strcmp (arg, "-h")) {
      fputs (nmftool_learn_help, stdout);
      return 0;
    }
    if (!strcmp (arg, "--quiet") || !strcmp (arg, "-q")) {
      o->quiet = 1;
      continue;
    }
    if (g_str_has_prefix (arg, "--"))
      eq = strchr (arg, '=');
    opt = known_name (arg, eq ? (size_t) (eq - arg) : strlen (arg));
    if (opt == NULL) {
      gchar *name = g_strndup (arg, eq ? (size_t) (eq - arg) : strlen (arg));
      ret = arg[0] == '-' ? usage_error (cmd, "unknown option '%s'", name)
          : usage_error (cmd, "unexpected argument '%s'", arg);
      g_free (name);
      return ret;
    }
    val = eq ? eq + 1 : ++i < argc ? argv[i] : NULL;
    if (!val)
      return usage_error (cmd, "%s needs a value", opt);
    const char *want = NULL;    /* what the option takes, for the error */
    if (!strcmp (opt, "--components"))
      bad = parse_ulong (val, 1, 1024, &o->components), want = "an integer in 1..1024";
    else if (!strcmp (opt, "--fft-size"))
      bad = parse_ulong (val, 32, 32768, &o->fft) || o->fft % 2,
          want = "an even integer in 32..32768";
    else if (!strcmp (opt, "--hop-size"))
      bad = parse_ulong (val, 1, 16384, &o->hop), want = "an integer in 1..16384";
    else if (!strcmp (opt, "--iterations"))
      bad = parse_ulong (val, 1, 100000, &o->iterations),
          want = "an integer in 1..100000";
    else if (!strcmp (opt, "--shifts"))
      bad = parse_ulong (val, 0, 24, &o->shifts), want = "an integer in 0..24";
    else if (!strcmp (opt, "--seed"))
      bad = parse_u64 (val, &o->seed), want = "an integer in 0..18446744073709551615";
    else if (!strcmp (opt, "--in"))
      o->in = val;
    else if (!strcmp (opt, "--out"))
      o->out = val;
    else
      return usage_error (cmd, "unknown option '%s'", opt);
    if (bad)
      return usage_error (cmd, "%s needs %s, got '%s'", opt, want,
          val);
  }
  if (!o->components || !o->in || !o->out)
    return usage_error (cmd, "--components, --in and --out are required");
  if ((ret = check_name_given (cmd, "--in", o->in))
      || (ret = check_name_given (cmd, "--out", o->out)))
    return ret;
  if (o->hop == 0)
    o->hop = o->fft / 4;        /* --fft-size is at least 32 */
  if (o->hop > o->fft / 2)
    return usage_error (cmd, "--hop-size %lu is more than --fft-size / 2",
        o->hop);
  if (o->components * (2 * o->shifts + 1) > 1024)
    return usage_error (cmd, "--components %lu with --shifts %lu makes %lu "
        "templates; a model holds at most 1024", o->components, o->shifts,
        o->components * (2 * o->shifts + 1));
  return NMFTOOL_RUN;
}

/* The first error message on the bus, as text (NULL if none). */
static gchar *
bus_error (GstBus * bus)
{
  GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  GError *err = NULL;
  gchar *text;

  if (msg == NULL)
    return NULL;
  gst_message_parse_error (msg, &err, NULL);
  if (g_error_matches (err, GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN))
    text = g_strdup ("no audio stream that GStreamer can decode");
  else
    text = g_strdup (err->message);
  g_error_free (err);
  gst_message_unref (msg);
  return text;
}

/* Decodes `uri` to interleaved float samples.  The appsink is polled with
 * a timeout and the bus looked at in between, so an error anywhere in the
 * pipeline (undecodable data, no audio stream, a read error) ends the wait;
 * the end of the stream is the appsink's EOS. */
static int
decode (const char *uri, GArray * samples, int *channels, int *rate,
    gchar ** error)
{
  GstElement *pipe = gst_pipeline_new ("nmftool-learn");
  GstElement *dec = gst_element_factory_make ("uridecodebin", NULL);
  GstElement *conv = gst_element_factory_make ("audioconvert", NULL);
  GstElement *resample = gst_element_factory_make ("audioresample", NULL);
  GstElement *filter = gst_element_factory_make ("capsfilter", NULL);
  GstElement *sink = gst_element_factory_make ("appsink", NULL);
  GstBus *bus = gst_element_get_bus (pipe);
  MediaDecoder d = {
    .no_audio = g_strdup ("no audio stream that GStreamer can decode")
  };
  GstCaps *caps;
  gboolean eos = FALSE;
  int ok = 0;

  if (!dec || !conv || !resample || !filter || !sink) {
    *error = g_strdup_printf ("GStreamer element '%s' not found",
        !dec ? "uridecodebin" : !conv ? "audioconvert" : !resample
        ? "audioresample" : !filter ? "capsfilter" : "appsink");
    gst_clear_object (&dec);
    gst_clear_object (&conv);
    gst_clear_object (&resample);
    gst_clear_object (&filter);
    gst_clear_object (&sink);
    goto out;
  }
  /* the rates nmfseparate takes: a dictionary learned at 4 kHz would be
   * used at the 8 kHz that nmftool separate resamples that file to */
  caps = gst_caps_from_string ("audio/x-raw,format=F32LE,"
      "layout=interleaved,rate=(int)[8000,192000]");
  g_object_set (filter, "caps", caps, NULL);
  gst_caps_unref (caps);
  g_object_set (sink, "sync", FALSE, NULL);
  gst_bin_add_many (GST_BIN (pipe), dec, conv, resample, filter, sink, NULL);
  if (!gst_element_link_many (conv, resample, filter, sink, NULL)) {
    *error = g_strdup ("cannot link audioconvert ! audioresample ! appsink");
    goto out;
  }
  d.entry = gst_element_get_static_pad (conv, "sink");
  media_decoder_setup (&d, dec, uri);

  if (!media_decoder_open (&d) || gst_element_set_state (pipe,
          GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    *error = bus_error (bus);
    if (*error == NULL)
      *error = g_strdup ("the pipeline could not start");
    goto out;
  }
  while (!eos) {
    GstSample *sample = NULL;

    g_signal_emit_by_name (sink, "try-pull-sample", DECODE_POLL_NS, &sample);
    if (sample != NULL) {
      GstBuffer *buf = gst_sample_get_buffer (sample);
      GstStructure *st =
          gst_caps_get_structure (gst_sample_get_caps (sample), 0);
      GstMapInfo map;

      gst_structure_get_int (st, "channels", channels);
      gst_structure_get_int (st, "rate", rate);
      if (gst_buffer_map (buf, &map, GST_MAP_READ)) {
        g_array_append_vals (samples, map.data, map.size / sizeof (float));
        gst_buffer_unmap (buf, &map);
      }
      gst_sample_unref (sample);
    } else {
      /* nothing within the poll interval: the end, or an error, or only
       * a slow source, or a decoder that stopped without a word */
      g_object_get (sink, "eos", &eos, NULL);
      media_decoder_check_stall (&d);
    }
    if ((*error = bus_error (bus)) != NULL)
      goto out;
  }
  if (samples->len == 0)
    *error = g_strdup ("no audio decoded (the stream is empty)");
  else
    ok = 1;

out:
  gst_element_set_state (pipe, GST_STATE_NULL);
  media_decoder_clear (&d);
  gst_object_unref (bus);
  gst_object_unref (pipe);
  return ok;
}

/* The dictionary of the decoded example: learned, shifted, written. */
static int
learn_and_save (const LearnOptions * o, GArray * samples, int channels,
    int rate)
{
  const int bins = (int) o->fft / 2 + 1;
  const int total = (int) (o->components * (2 * o->shifts + 1));
  float *shifted = malloc (sizeof (float) * bins * total);
  float *W = malloc (sizeof (float) * bins * o->components);
  char err[512] = "";
  int ret;

  if (W == NULL || shifted == NULL) {
    snprintf (err, sizeof err, "out of memory");
    ret = NMF_ERR_NO_MEMORY;
  } else
    ret = nmf_dictionary_learn_audio ((const float *) samples->data,
        samples->len / channels, channels, (int) o->fft, (int) o->hop,
        (int) o->components, (int) o->iterations, o->seed, W, err,
        sizeof err);
  if (ret == NMF_OK)
    ret = nmf_dictionary_shift (W, bins, (int) o->components,
        (int) o->shifts, shifted, err, sizeof err);
  if (ret != NMF_OK)
    ret = runtime_error (cmd, "%s: %s", o->in, err[0] ? err
        : nmf_strerror (ret));
  /* written whole or not at all (a file there is kept if it fails) */
  else if (nmf_dictionary_save_npy (o->out, shifted, bins, total, err,
          sizeof err) != NMF_OK)
    ret = runtime_error (cmd, "%s", err);
  if (ret == 0 && !o->quiet) {
    size_t frames;
    size_t stride = nmf_dictionary_learn_stride (samples->len / channels,
        o->hop, &frames);
    gchar *every = stride > 1 ? g_strdup_printf (" (one frame in %zu of "
        "its %zu)", stride, frames) : g_strdup ("");

    fprintf (stderr, "%s %s: %lu templates of %d bins learned from %.1f s "
        "(%d Hz, %d channel(s))%s, %d with the shifts of +-%lu semitones, "
        "written to %s\n", prog, cmd, o->components, bins,
        (double) samples->len / channels / rate, rate, channels, every,
        total, o->shifts, o->out);
    g_free (every);
  }
  free (W);
  free (shifted);
  return ret;
}

int
nmftool_cmd_learn (int argc, char **argv)
{
  LearnOptions o;
  int channels = 1, rate = 0, ret;
  gchar *error = NULL, *uri, *local;
  GArray *samples;

  if ((ret = parse_options (&o, argc, argv)) != NMFTOOL_RUN)
    return ret;
  if ((ret = media_init_gstreamer (cmd)))
    return ret;
  if ((uri = media_input_uri (cmd, o.in, &local, &ret)) == NULL)
    return ret;
  /* the dictionary is never written over the audio it is learned from */
  if (local != NULL && same_file (local, o.out)) {
    ret = runtime_error (cmd, "--out %s is the input file %s: refusing "
        "to write over it", o.out, o.in);
    g_free (local);
    g_free (uri);
    return ret;
  }
  g_free (local);
  /* the dictionary's file is checked before the work: written whole, in
   * place of the file there, at the end (learn_and_save) */
  if ((ret = npy_output_check (cmd, o.out)) != 0) {
    g_free (uri);
    return ret;
  }
  samples = g_array_new (FALSE, FALSE, sizeof (float));
  if (decode (uri, samples, &channels, &rate, &error))
    ret = learn_and_save (&o, samples, channels, rate);
  else {
    ret = runtime_error (cmd, "%s: %s", o.in, error);
    g_free (error);
  }
  g_free (uri);
  g_array_free (samples, TRUE);
  return ret;
}
