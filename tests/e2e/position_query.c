/* A POSITION query on a source pad of nmfseparate answers where that pad's
 * output stands, as queue answers upstream's position less what it holds:
 * it was forwarded upstream, which is ahead by all the element holds (the
 * file profile's 6 s look-ahead and the pads' queues: 9 s measured while
 * the sinks were at 0.5 s).
 *   nmf-e2e-position-query    (GST_PLUGIN_PATH set to the plugin)
 * Exit status 0 when, for every buffer src_0 pushes from 1 s on, the pad's
 * position during the push is between the buffer's start and end, and the
 * element's too (an element query goes to a source pad); after EOS the
 * position is the end of the stream; after a flushing seek to 5 s in
 * PAUSED, before a buffer has got through, it is 5 s.  The same in samples
 * (DEFAULT) and bytes, which went upstream as well. */
#include "e2e_pipeline.h"

#include <stdlib.h>

static GstPad *src0;
static GstElement *separator;
static gint checked, wrong;
static GstClockTime worst_ahead;

static GstPadProbeReturn
check_position (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  const GstClockTime start = GST_BUFFER_PTS (buf);
  const GstClockTime end = start + GST_BUFFER_DURATION (buf);
  gint64 pad_pos = -1, element_pos = -1, samples = -1;

  (void) pad; (void) data;
  if (start < GST_SECOND)
    return GST_PAD_PROBE_OK;
  /* (the segment starts at 0: stream time is the buffers' time) */
  if (!gst_pad_query_position (src0, GST_FORMAT_TIME, &pad_pos)
      || !gst_element_query_position (separator, GST_FORMAT_TIME,
          &element_pos)
      || pad_pos < (gint64) start || pad_pos > (gint64) end
      || element_pos < (gint64) start || element_pos > (gint64) end
      || !gst_pad_query_position (src0, GST_FORMAT_DEFAULT, &samples)
      || samples < (gint64) gst_util_uint64_scale (start, 44100, GST_SECOND)
      || samples > (gint64) gst_util_uint64_scale_ceil (end, 44100,
          GST_SECOND)) {
    if (g_atomic_int_add (&wrong, 1) < 3)
      g_printerr ("FAIL: src_0 pushes %" GST_TIME_FORMAT " - %"
          GST_TIME_FORMAT ": its position %" GST_TIME_FORMAT
          ", the element's %" GST_TIME_FORMAT ", in samples %"
          G_GINT64_FORMAT "\n", GST_TIME_ARGS (start), GST_TIME_ARGS (end),
          GST_TIME_ARGS (pad_pos), GST_TIME_ARGS (element_pos), samples);
    if (pad_pos > (gint64) end && (GstClockTime) pad_pos - end > worst_ahead)
      worst_ahead = pad_pos - end;
  }
  g_atomic_int_inc (&checked);
  return GST_PAD_PROBE_OK;
}

int
main (int argc, char **argv)
{
  /* 10 s of audio, the file profile (6 s of look-ahead) */
  GstElement *pipe;
  GstPad *sink;
  GstMessage *msg;
  gint64 end_pos = -1;
  gboolean ok;

  gst_init (&argc, &argv);
  pipe = e2e_launch ("audiotestsrc num-buffers=1000 samplesperbuffer=441 "
      "wave=pink-noise ! audio/x-raw,format=F32LE,rate=44100,channels=1 ! "
      "nmfseparate name=s profile=file s.src_0 ! fakesink name=k0 "
      "sync=false s.src_1 ! fakesink sync=false");
  separator = gst_bin_get_by_name (GST_BIN (pipe), "s");
  src0 = gst_element_get_static_pad (separator, "src_0");
  {
    GstElement *k0 = gst_bin_get_by_name (GST_BIN (pipe), "k0");
    sink = gst_element_get_static_pad (k0, "sink");
    gst_object_unref (k0);
  }
  gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_BUFFER, check_position, NULL,
      NULL);
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipe), 60 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  ok = msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS;
  if (!ok)
    g_printerr ("FAIL: no EOS in 60 s\n");
  if (msg)
    gst_message_unref (msg);
  /* everything is out: the end of the stream */
  if (!gst_pad_query_position (src0, GST_FORMAT_TIME, &end_pos)
      || end_pos != (gint64) (10 * GST_SECOND)) {
    g_printerr ("FAIL: after EOS src_0's position is %" GST_TIME_FORMAT
        ", not 0:00:10\n", GST_TIME_ARGS (end_pos));
    ok = FALSE;
  }
  {
    gint64 samples = -1, bytes = -1;
    if (!gst_pad_query_position (src0, GST_FORMAT_DEFAULT, &samples)
        || samples != 441000
        || !gst_pad_query_position (src0, GST_FORMAT_BYTES, &bytes)
        || bytes != 441000 * 4) {
      g_printerr ("FAIL: after EOS src_0's position is %" G_GINT64_FORMAT
          " samples, %" G_GINT64_FORMAT " bytes, not 441000 and 1764000\n",
          samples, bytes);
      ok = FALSE;
    }
  }
  if (g_atomic_int_get (&checked) < 100) {
    g_printerr ("FAIL: %d buffers checked\n", g_atomic_int_get (&checked));
    ok = FALSE;
  }
  if (g_atomic_int_get (&wrong) > 0) {
    g_printerr ("FAIL: %d of %d positions outside the buffer pushed (at "
        "most %.2f s ahead)\n", g_atomic_int_get (&wrong),
        g_atomic_int_get (&checked), (double) worst_ahead / GST_SECOND);
    ok = FALSE;
  }
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (src0);
  gst_object_unref (separator);
  gst_object_unref (pipe);

  /* a flushing seek while paused: the sinks preroll on the element's gap,
   * no buffer has been taken since the seek (upstream is 6 s and a queue
   * further on) */
  pipe = e2e_launch ("audiotestsrc samplesperbuffer=441 wave=pink-noise ! "
      "audio/x-raw,format=F32LE,rate=44100,channels=1 ! nmfseparate name=s "
      "profile=file s.src_0 ! fakesink sync=true s.src_1 ! fakesink "
      "sync=true");
  separator = gst_bin_get_by_name (GST_BIN (pipe), "s");
  src0 = gst_element_get_static_pad (separator, "src_0");
  gst_element_set_state (pipe, GST_STATE_PAUSED);
  gst_element_get_state (pipe, NULL, NULL, 10 * GST_SECOND);
  gst_element_seek_simple (pipe, GST_FORMAT_TIME, GST_SEEK_FLAG_FLUSH,
      5 * GST_SECOND);
  gst_element_get_state (pipe, NULL, NULL, 10 * GST_SECOND);
  if (!gst_pad_query_position (src0, GST_FORMAT_TIME, &end_pos)
      || end_pos != (gint64) (5 * GST_SECOND)) {
    g_printerr ("FAIL: after a seek to 0:00:05 while paused src_0's position "
        "is %" GST_TIME_FORMAT "\n", GST_TIME_ARGS (end_pos));
    ok = FALSE;
  }
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (src0);
  gst_object_unref (separator);
  gst_object_unref (pipe);
  if (ok)
    g_print ("src_0's position was within the buffer it pushed, %d times; "
        "at EOS 0:00:10\n", checked);
  return ok ? 0 : 1;
}
