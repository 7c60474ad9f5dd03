/* Soak: long audio through nmfseparate, generated faster than real time.
 *
 *   nmf-soak [--minutes M] [--algorithm kl|volmin] [--channels 1|2]
 *            [--max-growth-kb K]
 *
 * Pushes M minutes of 44.1 kHz audio through nmfseparate: pink noise and a
 * 660 Hz tone switching on and off every half second (audiotestsrc, buffers
 * of 1013 samples), mixed by audiomixer; with --channels 2 the two are
 * panned apart (-0.6 and +0.7), so that the spatial stage (spatial=auto)
 * demixes them for most of the hour. Both source pads are counted by pad
 * probes, and it checks: every source pad received exactly as many frames as
 * went in; the last output buffer ends exactly where the input ends;
 * resident memory after warm-up does not grow (more than --max-growth-kb);
 * with two channels, the element's last message says the spatial stage is
 * `active` (else the hour did not soak it). Prints, per minute of audio, the
 * resident memory and the processing speed (x real time), so that a
 * denormal slowdown or a leak shows as a trend.  Exit 0 when all holds. */
#include "bench_clock.h"

#include <gst/gst.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RATE 44100
#define SAMPLES_PER_BUFFER 1013

typedef struct
{
  guint64 frames;
  GstClockTime end;             /* PTS + DURATION of the last buffer */
} Count;

static Count in_count, out_count[2];
static int channels = 1;

static GstPadProbeReturn
count_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  Count *c = user_data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  (void) pad;

  c->frames += gst_buffer_get_size (buf) / (sizeof (float) * channels);
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
    else if (!strcmp (argv[i], "--channels") && i + 1 < argc)
      channels = atoi (argv[++i]);
    else if (!strcmp (argv[i], "--max-growth-kb") && i + 1 < argc)
      max_growth_kb = atol (argv[++i]);
    else {
      fprintf (stderr, "usage: %s [--minutes M] [--algorithm kl|volmin] "
          "[--channels 1|2] [--max-growth-kb K]\n", argv[0]);
      return 2;
    }
  }
  if (channels != 1 && channels != 2) {
    fprintf (stderr, "--channels: 1 or 2\n");
    return 2;
  }
  guint64 buffers = (guint64) (minutes * 60 * RATE / SAMPLES_PER_BUFFER);
  /* the tone: 330 periods of 660 Hz (0.5 s) at the start of every second */
  const char *pan_noise = channels == 2 ? "audiopanorama panorama=-0.6 ! " : "";
  const char *pan_tone = channels == 2 ? "audiopanorama panorama=0.7 ! " : "";
  gchar *desc = g_strdup_printf ("audiotestsrc name=src wave=pink-noise "
      "volume=0.3 samplesperbuffer=%d num-buffers=%" G_GUINT64_FORMAT " ! "
      "audio/x-raw,format=F32LE,rate=%d,channels=1 ! %s mix. "
      "audiotestsrc wave=ticks freq=660 sine-periods-per-tick=330 "
      "tick-interval=1000000000 volume=0.5 samplesperbuffer=%d "
      "num-buffers=%" G_GUINT64_FORMAT " ! "
      "audio/x-raw,format=F32LE,rate=%d,channels=1 ! %s mix. "
      "audiomixer name=mix ! audio/x-raw,format=F32LE,rate=%d,channels=%d ! "
      "nmfseparate name=s algorithm=%s post-messages=true interval=1000000000 "
      "s.src_0 ! fakesink name=f0 sync=false "
      "s.src_1 ! fakesink name=f1 sync=false", SAMPLES_PER_BUFFER, buffers,
      RATE, pan_noise, SAMPLES_PER_BUFFER, buffers, RATE, pan_tone, RATE,
      channels, algorithm);
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

  gchar *spatial = NULL;         /* the last message's spatial state */
  GstBus *bus = gst_element_get_bus (pipe);
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  printf ("minute  rss_kB  speed_x_realtime\n");
  int failed = 0, minute = 0;
  long rss_warm = -1, rss_last = -1, rss_max = 0;
  double cpu_prev = bench_cpu_seconds ();
  for (;;) {
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, 20 * GST_MSECOND,
        GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_ELEMENT);
    /* report each minute of audio that went through */
    while (in_count.frames >= (guint64) (minute + 1) * 60 * RATE) {
      double cpu = bench_cpu_seconds ();
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
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ELEMENT) {
      const GstStructure *st = gst_message_get_structure (msg);
      if (gst_structure_has_name (st, "nmfseparate")
          && gst_structure_has_field (st, "spatial")) {
        g_free (spatial);
        spatial = g_strdup (gst_structure_get_string (st, "spatial"));
      }
      gst_message_unref (msg);
      continue;
    }
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

  printf ("input: %" G_GUINT64_FORMAT " frames, ends at %" GST_TIME_FORMAT
      "\n", in_count.frames, GST_TIME_ARGS (in_count.end));
  for (int s = 0; s < 2; s++) {
    gint64 drift = (gint64) out_count[s].frames - (gint64) in_count.frames;
    printf ("src_%d: %" G_GUINT64_FORMAT " frames (drift %" G_GINT64_FORMAT
        "), ends at %" GST_TIME_FORMAT "\n", s, out_count[s].frames, drift,
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
  printf ("spatial stage at the end: %s\n", spatial ? spatial : "(no message)");
  if (channels == 2 && g_strcmp0 (spatial, "active") != 0)
    failed = 1;
  g_free (spatial);
  printf ("%s\n", failed ? "SOAK FAILED" : "soak passed");
  gst_object_unref (bus);
  gst_object_unref (src);
  gst_object_unref (sep);
  gst_object_unref (pipe);
  return failed;
}
