/* Live timestamps that jitter (found by exploratory testing): a live
 * source whose buffers are stamped as they arrive (appsrc do-timestamp,
 * a network source) is late by 0 - 60 ms from one buffer to the next.
 * The element made every step beyond 40 ms a discontinuity at once: 94
 * drains in 5 s, each output stream cut, flagged DISCONT and restamped on
 * the jitter (an audio sink resyncs on each: clicks), and output up to 48
 * ms past its time at a sink that syncs.  Behind a live upstream a jump
 * now becomes a discontinuity once it has lasted 1 s (audiobasesink's
 * discont-wait), or at once when it is 1 s or more.
 *   - audiotestsrc is-live=true, 441 samples a buffer, each PTS moved
 *     later by 0 - 60 ms (a fixed pseudo-random sequence), and from buffer
 *     150 on by 1.5 s more (a real jump);
 *   - src_0 carries exactly two streams (two DISCONT buffers), the first
 *     of 150 x 441 samples; every sample comes out, each buffer where the
 *     last ended within a stream; a fakesink that syncs (max-lateness 20
 *     ms) renders at least 90 % of them.
 *   nmf-e2e-live-jitter    (GST_PLUGIN_PATH set to the plugin)
 * Exit status 0 when all holds. */
#include "e2e_pipeline.h"

#define SAMPLES 441
#define BUFFERS 300
#define JUMP_AT 150
#define JUMP (1500 * GST_MSECOND)

static GRand *jitter;
static gint buffers_in;

static GstPadProbeReturn
jitter_timestamps (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  GstBuffer *buf = gst_buffer_make_writable (GST_PAD_PROBE_INFO_BUFFER (info));
  gint n = g_atomic_int_add (&buffers_in, 1);

  (void) pad;
  (void) data;
  GST_PAD_PROBE_INFO_DATA (info) = buf;
  GST_BUFFER_PTS (buf) += g_rand_int_range (jitter, 0, 61) * GST_MSECOND;
  if (n >= JUMP_AT)
    GST_BUFFER_PTS (buf) += JUMP;
  return GST_PAD_PROBE_OK;
}

typedef struct
{
  gint64 samples;               /* all of them */
  gint64 before_second;         /* before the second stream */
  guint streams;                /* DISCONT buffers */
  gboolean gap;                 /* a buffer not where the last ended */
  GstClockTime next;
  gint64 rendered;
} Out;

static GstPadProbeReturn
count_output (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Out *o = data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  gint64 n = gst_buffer_get_size (buf) / sizeof (float);

  (void) pad;
  if (GST_BUFFER_IS_DISCONT (buf))
    o->streams++;
  else if (GST_BUFFER_PTS (buf) != o->next)
    o->gap = TRUE;
  if (o->streams < 2)
    o->before_second += n;
  o->samples += n;
  o->next = GST_BUFFER_PTS (buf) + GST_BUFFER_DURATION (buf);
  return GST_PAD_PROBE_OK;
}

static void
on_handoff (GstElement * sink, GstBuffer * buf, GstPad * pad, Out * o)
{
  (void) sink;
  (void) pad;
  o->rendered += gst_buffer_get_size (buf) / sizeof (float);
}

int
main (int argc, char **argv)
{
  GstElement *pipe, *s, *k0;
  GstPad *sink, *k0_sink;
  GstMessage *msg;
  Out out = { 0, 0, 0, FALSE, GST_CLOCK_TIME_NONE, 0 };
  const gint64 total = (gint64) BUFFERS * SAMPLES;
  gboolean ok;

  gst_init (&argc, &argv);
  jitter = g_rand_new_with_seed (7);
  pipe = e2e_launch ("audiotestsrc is-live=true num-buffers=%d "
      "samplesperbuffer=%d wave=pink-noise ! audio/x-raw,format=F32LE,"
      "rate=44100,channels=1 ! nmfseparate name=s profile=live n-sources=2 "
      "s.src_0 ! fakesink name=k0 sync=true qos=true max-lateness=20000000 "
      "signal-handoffs=true s.src_1 ! fakesink sync=true", BUFFERS, SAMPLES);
  s = gst_bin_get_by_name (GST_BIN (pipe), "s");
  k0 = gst_bin_get_by_name (GST_BIN (pipe), "k0");
  sink = gst_element_get_static_pad (s, "sink");
  gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_BUFFER, jitter_timestamps,
      NULL, NULL);
  k0_sink = gst_element_get_static_pad (k0, "sink");
  gst_pad_add_probe (k0_sink, GST_PAD_PROBE_TYPE_BUFFER, count_output, &out,
      NULL);
  g_signal_connect (k0, "handoff", G_CALLBACK (on_handoff), &out);

  gst_element_set_state (pipe, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipe), 30 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  gst_element_set_state (pipe, GST_STATE_NULL);

  g_print ("%s; src_0: %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT
      " samples, %u streams (DISCONT buffers), the first of %" G_GINT64_FORMAT
      " samples (the jump after %d)%s; %" G_GINT64_FORMAT " rendered\n",
      !msg ? "no EOS within 30 s" : GST_MESSAGE_TYPE (msg) ==
      GST_MESSAGE_EOS ? "EOS" : "an error", out.samples, total, out.streams,
      out.before_second, JUMP_AT * SAMPLES,
      out.gap ? ", not contiguous within a stream" : "", out.rendered);
  ok = msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS
      && out.samples == total && out.streams == 2
      && out.before_second == (gint64) JUMP_AT * SAMPLES && !out.gap
      && out.rendered >= total * 9 / 10;

  if (msg)
    gst_message_unref (msg);
  gst_object_unref (k0_sink);
  gst_object_unref (sink);
  gst_object_unref (k0);
  gst_object_unref (s);
  gst_object_unref (pipe);
  g_rand_free (jitter);
  g_print ("%s\n", ok ? "PASS" : "FAIL");
  return ok ? 0 : 1;
}
