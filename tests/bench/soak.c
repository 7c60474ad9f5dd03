/* Soak: long audio through nmfseparate, generated faster than real time.
 *
 *   nmf-soak [--minutes M] [--algorithm kl|volmin] [--max-growth-kb K]
 *
 * Pushes M minutes of 44.1 kHz mono audio (audiotestsrc: pink noise with a
 * tone switching on and off, in buffers of 1013 samples) through
 * nmfseparate with both source pads counted by pad probes, and checks:
 * every source pad received exactly as many samples as were produced; the
 * last output buffer ends exactly where the input ends; resident memory after
 * warm-up does not grow (more than --max-growth-kb). Prints, per minute of
 * audio, the resident memory and the processing speed (x real time), so that
 * a denormal slowdown or a leak shows as a trend.  Exit 0 when all holds. */
#include <gst/gst.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RATE 44100
#define SAMPLES_PER_BUFFER 1013

typedef struct
{
  guint64 samples;
  GstClockTime end;             /* PTS + DURATION of the last buffer */
} Count;

static Count in_count, out_count[2];

static GstPadProbeReturn
count_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  Count *c = user_data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  (void) pad;

  c->samples += gst_buffer_get_size (buf) / sizeof (float);
  if (GST_BUFFER_PTS_IS_VALID (buf) && GST_BUFFER_DURATION_IS_VALID (buf))
    c->end = GST_BUFFER_PTS (buf) + GST_BUFFER_DURATION (buf);
  return GST_PAD_PROBE_OK;
}

static long
rss_kb (void)
{
  FILE *f = fopen ("/proc/self/status", "r");
  char line[256];
  long kb = -1;

  while (f && fgets (line, sizeof line, f))
    if (sscanf (line, "VmRSS: %ld", &kb) == 1)
      break;
  if (f)
    fclose (f);
  return kb;
}

static double
cpu_seconds (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int
main (int argc, char **argv)
{
  double minutes = 60;
  long max_growth_kb = 4096;
  const char *algorithm = "kl";
  GError *err = NULL;

  gst_init (&argc, &argv);
  for (int i = 1; i < argc; i++) {
    if (!strcmp (argv[i], "--minutes") && i + 1 < argc)
      minutes = atof (argv[++i]);
    else if (!strcmp (argv[i], "--algorithm") && i + 1 < argc)
      algorithm = argv[++i];
    else if (!strcmp (argv[i], "--max-growth-kb") && i + 1 < argc)
      max_growth_kb = atol (argv[++i]);
    else {
      fprintf (stderr, "usage: %s [--minutes M] [--algorithm kl|volmin] "
          "[--max-growth-kb K]\n", argv[0]);
      return 2;
    }
  }
  guint64 buffers = (guint64) (minutes * 60 * RATE / SAMPLES_PER_BUFFER);
  gchar *desc = g_strdup_printf ("audiotestsrc name=src wave=pink-noise "
      "samplesperbuffer=%d num-buffers=%" G_GUINT64_FORMAT " is-live=false ! "
      "audio/x-raw,format=F32LE,rate=%d,channels=1 ! "
      "nmfseparate name=s algorithm=%s "
      "s.src_0 ! fakesink name=f0 sync=false "
      "s.src_1 ! fakesink name=f1 sync=false", SAMPLES_PER_BUFFER, buffers,
      RATE, algorithm);
  GstElement *pipe = gst_parse_launch (desc, &err);
  g_free (desc);
  if (!pipe) {
    fprintf (stderr, "pipeline: %s\n", err->message);
    return 1;
  }
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipe), "src");
  GstElement *sep = gst_bin_get_by_name (GST_BIN (pipe), "s");
  GstPad *pad = gst_element_get_static_pad (sep, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, count_probe, &in_count,
      NULL);
  gst_object_unref (pad);
  for (int s = 0; s < 2; s++) {
    gchar *name = g_strdup_printf ("f%d", s);
    GstElement *sink = gst_bin_get_by_name (GST_BIN (pipe), name);
    pad = gst_element_get_static_pad (sink, "sink");
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, count_probe,
        &out_count[s], NULL);
    gst_object_unref (pad);
    gst_object_unref (sink);
    g_free (name);
  }

  GstBus *bus = gst_element_get_bus (pipe);
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  printf ("minute  rss_kB  speed_x_realtime\n");
  int failed = 0, minute = 0;
  long rss_warm = -1, rss_last = -1, rss_max = 0;
  double cpu_prev = cpu_seconds ();
  for (;;) {
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, 20 * GST_MSECOND,
        GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
    /* report each minute of audio that went through */
    while (in_count.samples >= (guint64) (minute + 1) * 60 * RATE) {
      double cpu = cpu_seconds ();
      long rss = rss_kb ();
      minute++;
      printf ("%6d  %6ld  %8.0f\n", minute, rss, 60.0 / (cpu - cpu_prev));
      fflush (stdout);
      cpu_prev = cpu;
      if (minute == 2)
        rss_warm = rss;
      rss_last = rss;
      if (rss > rss_max)
        rss_max = rss;
    }
    if (!msg)
      continue;
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
      GError *e;
      gst_message_parse_error (msg, &e, NULL);
      fprintf (stderr, "error: %s\n", e->message);
      g_error_free (e);
      failed = 1;
    }
    gst_message_unref (msg);
    break;
  }
  gst_element_set_state (pipe, GST_STATE_NULL);

  printf ("input: %" G_GUINT64_FORMAT " samples, ends at %" GST_TIME_FORMAT
      "\n", in_count.samples, GST_TIME_ARGS (in_count.end));
  for (int s = 0; s < 2; s++) {
    gint64 drift = (gint64) out_count[s].samples - (gint64) in_count.samples;
    printf ("src_%d: %" G_GUINT64_FORMAT " samples (drift %" G_GINT64_FORMAT
        "), ends at %" GST_TIME_FORMAT "\n", s, out_count[s].samples, drift,
        GST_TIME_ARGS (out_count[s].end));
    if (drift != 0 || out_count[s].end != in_count.end)
      failed = 1;
  }
  if (rss_warm > 0) {
    printf ("resident memory: %ld kB after warm-up (minute 2), %ld kB at the "
        "end, %ld kB at most: growth %ld kB\n", rss_warm, rss_last, rss_max,
        rss_max - rss_warm);
    if (rss_max - rss_warm > max_growth_kb)
      failed = 1;
  }
  printf ("%s\n", failed ? "SOAK FAILED" : "soak passed");
  gst_object_unref (bus);
  gst_object_unref (src);
  gst_object_unref (sep);
  gst_object_unref (pipe);
  return failed;
}
