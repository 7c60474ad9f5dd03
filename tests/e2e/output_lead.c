/* How far the element's input runs ahead of what its sinks have played,
 * in a pipeline played in real time from a non-live source (a media
 * player): the element's latency (its look-ahead, 0 at the live profile)
 * plus what the pads' queues hold, at most 1 s as behind `queue`.
 * Bounded in buffers alone (64), decoders' large buffers made it 6 s: a
 * player's track switch or a seek near a track's end waited that long
 * (hunt-multi: playbin's `current-audio` switch heard 12.6 s later).
 *   nmf-e2e-output-lead    (GST_PLUGIN_PATH set to the plugin)
 * Exit status 0 when, for 3 s of playing at the live profile with 100 ms
 * buffers (4410 samples), the element's input never gets more than 2 s
 * ahead of src_0's sink's position (1.4 s measured, 5.9 s before), and
 * every sample comes out. */
#include "e2e_pipeline.h"

#include <stdlib.h>

static GMutex lock;
static GstClockTime last_in = GST_CLOCK_TIME_NONE;   /* the end of the last
                                                     * buffer into the element */

static GstPadProbeReturn
note_input (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);

  (void) pad; (void) data;
  g_mutex_lock (&lock);
  last_in = GST_BUFFER_PTS (buf) + GST_BUFFER_DURATION (buf);
  g_mutex_unlock (&lock);
  return GST_PAD_PROBE_OK;
}

int
main (int argc, char **argv)
{
  GstElement *pipe, *sep, *sink0;
  GstPad *sinkpad;
  GstClockTime worst = 0;
  gint64 out0 = 0, out1 = 0;
  gboolean ok = TRUE;
  GstMessage *msg;

  gst_init (&argc, &argv);
  /* 6 s of audio in 100 ms buffers, played in time */
  pipe = e2e_launch ("audiotestsrc num-buffers=60 samplesperbuffer=4410 "
      "wave=pink-noise ! audio/x-raw,format=F32LE,rate=44100,channels=1 ! "
      "nmfseparate name=s profile=live s.src_0 ! fakesink name=k0 sync=true "
      "s.src_1 ! fakesink name=k1 sync=true");
  sep = gst_bin_get_by_name (GST_BIN (pipe), "s");
  sink0 = gst_bin_get_by_name (GST_BIN (pipe), "k0");
  sinkpad = gst_element_get_static_pad (sep, "sink");
  gst_pad_add_probe (sinkpad, GST_PAD_PROBE_TYPE_BUFFER, note_input, NULL,
      NULL);
  e2e_count_samples (pipe, "k0", &out0);
  e2e_count_samples (pipe, "k1", &out1);
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  gst_element_get_state (pipe, NULL, NULL, 10 * GST_SECOND);
  for (gint i = 0; i < 30; i++) {
    gint64 played = -1;
    GstClockTime in;
    g_usleep (100000);
    g_mutex_lock (&lock);
    in = last_in;
    g_mutex_unlock (&lock);
    if (!gst_element_query_position (sink0, GST_FORMAT_TIME, &played)
        || played < 0 || !GST_CLOCK_TIME_IS_VALID (in))
      continue;
    if (in > (GstClockTime) played && in - played > worst)
      worst = in - played;
  }
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipe), 30 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  if (!msg || GST_MESSAGE_TYPE (msg) != GST_MESSAGE_EOS) {
    g_printerr ("FAIL: no EOS in 30 s\n");
    ok = FALSE;
  }
  if (msg)
    gst_message_unref (msg);
  gst_element_set_state (pipe, GST_STATE_NULL);
  g_print ("the input ran at most %.2f s ahead of what src_0's sink played; "
      "%" G_GINT64_FORMAT " / %" G_GINT64_FORMAT " samples out of 264600\n",
      (double) worst / GST_SECOND, out0, out1);
  if (worst > 2 * GST_SECOND) {
    g_printerr ("FAIL: the input ran %.2f s ahead of the sound (at most "
        "2 s: 1 s in the pads' queues, the live profile's latency, the "
        "buffers in flight)\n", (double) worst / GST_SECOND);
    ok = FALSE;
  }
  if (out0 != 264600 || out1 != 264600) {
    g_printerr ("FAIL: %" G_GINT64_FORMAT " and %" G_GINT64_FORMAT
        " samples out of 264600\n", out0, out1);
    ok = FALSE;
  }
  gst_object_unref (sinkpad);
  gst_object_unref (sink0);
  gst_object_unref (sep);
  gst_object_unref (pipe);
  return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
