/* A source pad of nmfseparate released while the pipeline plays, its
 * branch removed as an application does: the other source goes on to EOS
 * with every sample.  (The released pad's queue answered "flushing", which
 * went upstream and stopped the source: no EOS, no error.)
 *   nmf-e2e-release-pad    (GST_PLUGIN_PATH set to the plugin)
 * Exit status 0 when it holds. */
#include <gst/gst.h>

#define BUFFERS 150
#define SAMPLES 441

static gint64 kept;

static GstPadProbeReturn
count_samples (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  (void) pad;
  (void) data;
  kept += gst_buffer_get_size (GST_PAD_PROBE_INFO_BUFFER (info)) / 4;
  return GST_PAD_PROBE_OK;
}

int
main (int argc, char **argv)
{
  GError *err = NULL;
  GstElement *pipe, *s, *k0, *k1;
  GstPad *src1, *sink1, *sink0;
  GstMessage *msg;
  gchar *desc;
  int ok;

  gst_init (&argc, &argv);
  desc = g_strdup_printf ("audiotestsrc num-buffers=%d samplesperbuffer=%d "
      "! audio/x-raw,format=F32LE,rate=44100,channels=1 ! nmfseparate "
      "name=s profile=live s.src_0 ! fakesink name=k0 sync=true s.src_1 ! "
      "fakesink name=k1 sync=true", BUFFERS, SAMPLES);
  pipe = gst_parse_launch (desc, &err);
  g_free (desc);
  if (!pipe || err) {
    g_printerr ("cannot build the pipeline: %s\n", err ? err->message : "?");
    return 1;
  }
  s = gst_bin_get_by_name (GST_BIN (pipe), "s");
  k0 = gst_bin_get_by_name (GST_BIN (pipe), "k0");
  k1 = gst_bin_get_by_name (GST_BIN (pipe), "k1");
  sink0 = gst_element_get_static_pad (k0, "sink");
  gst_pad_add_probe (sink0, GST_PAD_PROBE_TYPE_BUFFER, count_samples, NULL,
      NULL);
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  g_usleep (500 * 1000);

  src1 = gst_element_get_static_pad (s, "src_1");
  sink1 = gst_element_get_static_pad (k1, "sink");
  gst_pad_unlink (src1, sink1);
  gst_element_release_request_pad (s, src1);
  gst_element_set_locked_state (k1, TRUE);
  gst_element_set_state (k1, GST_STATE_NULL);
  gst_bin_remove (GST_BIN (pipe), k1);
  g_print ("src_1 released after 0.5 s; %" G_GINT64_FORMAT " samples on "
      "src_0 so far\n", kept);

  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipe), 20 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  ok = msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS
      && kept == (gint64) BUFFERS * SAMPLES;
  g_print ("%s; %" G_GINT64_FORMAT " of %d samples on src_0\n",
      !msg ? "no EOS within 20 s" : GST_MESSAGE_TYPE (msg) ==
      GST_MESSAGE_EOS ? "EOS" : "an error", kept, BUFFERS * SAMPLES);
  if (msg)
    gst_message_unref (msg);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (src1);
  gst_object_unref (sink1);
  gst_object_unref (sink0);
  gst_object_unref (k1);
  gst_object_unref (k0);
  gst_object_unref (s);
  gst_object_unref (pipe);
  return ok ? 0 : 1;
}
