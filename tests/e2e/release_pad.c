/* Request pads while the pipeline plays, as an application adds and
 * removes branches:
 *   - the viz pad requested, then linked to a branch that asks for 160x90:
 *     the pictures come at 160x90 (its format was fixed at the request,
 *     before the link, 640x360, and the link failed);
 *   - a source pad released, its branch removed: the other source goes on
 *     to EOS with every sample (the released pad's queue answered
 *     "flushing", which went upstream and stopped the source).
 *   nmf-e2e-release-pad    (GST_PLUGIN_PATH set to the plugin)
 * Exit status 0 when both hold. */
#include "e2e_pipeline.h"

#define BUFFERS 150
#define SAMPLES 441

static gint pictures, picture_width, picture_height;

static GstPadProbeReturn
count_pictures (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  GstCaps *caps;

  (void) data;
  if ((caps = gst_pad_get_current_caps (pad))) {
    GstStructure *st = gst_caps_get_structure (caps, 0);
    gst_structure_get_int (st, "width", &picture_width);
    gst_structure_get_int (st, "height", &picture_height);
    gst_caps_unref (caps);
  }
  (void) info;
  g_atomic_int_inc (&pictures);
  return GST_PAD_PROBE_OK;
}

int
main (int argc, char **argv)
{
  GError *err = NULL;
  GstElement *pipe, *s, *k1;
  GstPad *src1, *sink1;
  GstMessage *msg;
  gint64 kept = 0;
  int ok;

  gst_init (&argc, &argv);

  pipe = e2e_launch ("audiotestsrc num-buffers=%d samplesperbuffer=%d "
      "! audio/x-raw,format=F32LE,rate=44100,channels=1 ! nmfseparate "
      "name=s profile=live s.src_0 ! fakesink name=k0 sync=true s.src_1 ! "
      "fakesink name=k1 sync=true", BUFFERS, SAMPLES);
  s = gst_bin_get_by_name (GST_BIN (pipe), "s");
  k1 = gst_bin_get_by_name (GST_BIN (pipe), "k1");
  e2e_count_samples (pipe, "k0", &kept);
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  g_usleep (300 * 1000);

  /* the picture, requested first and linked after */
  {
    GstPad *viz = gst_element_request_pad_simple (s, "viz"), *in, *vsink;
    GstElement *branch = gst_parse_bin_from_description ("videoconvert ! "
        "video/x-raw,width=160,height=90 ! fakesink name=kv sync=false",
        TRUE, &err);
    if (!viz || !branch) {
      g_printerr ("no viz pad or branch: %s\n", err ? err->message : "?");
      return 1;
    }
    gst_bin_add (GST_BIN (pipe), branch);
    gst_element_sync_state_with_parent (branch);
    in = gst_element_get_static_pad (branch, "sink");
    if (gst_pad_link (viz, in) != GST_PAD_LINK_OK) {
      g_printerr ("viz requested while playing: the link to 160x90 failed\n");
      return 1;
    }
    {
      GstElement *kv = gst_bin_get_by_name (GST_BIN (branch), "kv");
      vsink = gst_element_get_static_pad (kv, "sink");
      gst_object_unref (kv);
    }
    gst_pad_add_probe (vsink, GST_PAD_PROBE_TYPE_BUFFER, count_pictures,
        NULL, NULL);
    /* the first pictures (a loaded machine may take a while) */
    for (gint i = 0; i < 100 && g_atomic_int_get (&pictures) < 3; i++)
      g_usleep (20 * 1000);
    g_print ("viz requested while playing: %d pictures at %dx%d (%"
        G_GINT64_FORMAT " audio samples so far)\n", pictures, picture_width,
        picture_height, kept);
    if (pictures < 1 || picture_width != 160 || picture_height != 90)
      return 1;
    gst_object_unref (in);
    gst_object_unref (vsink);
    gst_object_unref (viz);
  }

  src1 = gst_element_get_static_pad (s, "src_1");
  sink1 = gst_element_get_static_pad (k1, "sink");
  gst_pad_unlink (src1, sink1);
  gst_element_release_request_pad (s, src1);
  gst_element_set_locked_state (k1, TRUE);
  gst_element_set_state (k1, GST_STATE_NULL);
  gst_bin_remove (GST_BIN (pipe), k1);
  g_print ("src_1 released after 0.6 s; %" G_GINT64_FORMAT " samples on "
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
  gst_object_unref (k1);
  gst_object_unref (s);
  gst_object_unref (pipe);
  return ok ? 0 : 1;
}
