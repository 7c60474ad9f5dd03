/* A live source whose buffers carry no timestamps (an appsrc is-live=true
 * fed from a callback without do-timestamp, a capture that does not stamp)
 * that starts after the pipeline has been playing a while, as an
 * application starts feeding audio when it arrives (found by exploratory
 * testing): the separated audio must play, on time.  The element counted
 * such a stream from the segment's start, so its output was stamped as
 * long before the pipeline's running time as the pipeline had played
 * before the first buffer, and a sink that syncs dropped all of it (sinks
 * play untimestamped buffers at once; audioresample leaves them so).
 *   - audiotestsrc is-live=true, its buffers' timestamps taken off, held
 *     back by a valve until the running time is 1 s, then 1 s of audio;
 *   - src_0's first buffer must be stamped no earlier than the running
 *     time at which the valve opened, and a fakesink with max-lateness
 *     20 ms must render (handoff) at least 90 % of the samples.
 *   nmf-e2e-live-untimestamped    (GST_PLUGIN_PATH set to the plugin)
 * Exit status 0 when all holds. */
#include "e2e_pipeline.h"

#include <stdlib.h>

#define RATE 44100
#define SAMPLES 441
#define BUFFERS 100             /* 1 s let through the valve */
#define HELD_BACK (1 * GST_SECOND)

static gint buffers_in;
static gint64 samples_rendered;
static GstClockTime first_out_pts = GST_CLOCK_TIME_NONE;

static GstPadProbeReturn
first_output (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  (void) pad;
  (void) data;
  if (!GST_CLOCK_TIME_IS_VALID (first_out_pts))
    first_out_pts = GST_BUFFER_PTS (GST_PAD_PROBE_INFO_BUFFER (info));
  return GST_PAD_PROBE_OK;
}

static void
on_handoff (GstElement * sink, GstBuffer * buf, GstPad * pad, gpointer data)
{
  (void) sink;
  (void) pad;
  (void) data;
  samples_rendered += gst_buffer_get_size (buf) / sizeof (float);
}

int
main (int argc, char **argv)
{
  GstElement *pipe, *s, *valve, *k0;
  GstPad *k0_sink;
  GstClock *clock;
  GstClockID at;
  GstMessage *msg;
  gint64 deadline;
  gboolean ended, on_time, rendered;

  gst_init (&argc, &argv);
  pipe = e2e_launch ("audiotestsrc is-live=true samplesperbuffer=%d "
      "wave=pink-noise ! audio/x-raw,format=F32LE,rate=%d,channels=1 ! "
      "valve name=v drop=true ! nmfseparate name=s profile=live "
      "n-sources=2 s.src_0 ! fakesink name=k0 sync=true qos=true "
      "max-lateness=20000000 signal-handoffs=true s.src_1 ! fakesink "
      "sync=true", SAMPLES, RATE);
  s = gst_bin_get_by_name (GST_BIN (pipe), "s");
  valve = gst_bin_get_by_name (GST_BIN (pipe), "v");
  k0 = gst_bin_get_by_name (GST_BIN (pipe), "k0");
  /* the input as an unstamped live source gives it */
  e2e_strip_timestamps (pipe, "s", &buffers_in);
  k0_sink = gst_element_get_static_pad (k0, "sink");
  gst_pad_add_probe (k0_sink, GST_PAD_PROBE_TYPE_BUFFER, first_output,
      NULL, NULL);
  g_signal_connect (k0, "handoff", G_CALLBACK (on_handoff), NULL);

  /* (live: the pipeline plays, and has its base time, once this returns;
   * its sinks preroll only when the audio comes) */
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  /* the audio starts once the pipeline has played for HELD_BACK */
  clock = gst_pipeline_get_clock (GST_PIPELINE (pipe));
  at = gst_clock_new_single_shot_id (clock,
      gst_element_get_base_time (pipe) + HELD_BACK);
  gst_clock_id_wait (at, NULL);
  gst_clock_id_unref (at);
  g_object_set (valve, "drop", FALSE, NULL);

  deadline = g_get_monotonic_time () + 20 * G_TIME_SPAN_SECOND;
  while (g_atomic_int_get (&buffers_in) < BUFFERS
      && g_get_monotonic_time () < deadline)
    g_usleep (1000);
  gst_element_send_event (pipe, gst_event_new_eos ());
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipe), 20 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  ended = msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS;
  gst_element_set_state (pipe, GST_STATE_NULL);

  on_time = GST_CLOCK_TIME_IS_VALID (first_out_pts)
      && first_out_pts >= HELD_BACK;
  rendered = samples_rendered >=
      (gint64) g_atomic_int_get (&buffers_in) * SAMPLES * 9 / 10;
  g_print ("%s; %d buffers in; src_0's first buffer at %" GST_TIME_FORMAT
      " (the audio came in after %" GST_TIME_FORMAT "); %" G_GINT64_FORMAT
      " samples rendered of %d\n", ended ? "EOS" : "no EOS within 20 s",
      g_atomic_int_get (&buffers_in), GST_TIME_ARGS (first_out_pts),
      GST_TIME_ARGS (HELD_BACK), samples_rendered,
      g_atomic_int_get (&buffers_in) * SAMPLES);

  if (msg)
    gst_message_unref (msg);
  gst_object_unref (clock);
  gst_object_unref (k0_sink);
  gst_object_unref (k0);
  gst_object_unref (valve);
  gst_object_unref (s);
  gst_object_unref (pipe);
  g_print ("%s\n", ended && on_time && rendered ? "PASS" : "FAIL");
  return ended && on_time && rendered ? 0 : 1;
}
