/* A viz pad requested while the stream runs and left unlinked waits for a
 * link to choose its format; a flushing seek meanwhile gave it the new
 * SEGMENT before any caps, and once linked its caps came after it
 * ("Sticky event misordering, got 'segment' before 'caps'").
 *   nmf-e2e-viz-deferred-segment    (GST_PLUGIN_PATH set to the plugin)
 * Exit status 0 when the unlinked pad holds no segment without caps, and
 * once linked its sink gets caps, then the segment of the seek, then
 * pictures. */
#include "e2e_pipeline.h"

static gint pictures;

static GstPadProbeReturn
count_pictures (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  (void) pad; (void) info; (void) data;
  g_atomic_int_inc (&pictures);
  return GST_PAD_PROBE_OK;
}

static gboolean
has_sticky (GstPad * pad, GstEventType type)
{
  GstEvent *ev = gst_pad_get_sticky_event (pad, type, 0);

  if (ev)
    gst_event_unref (ev);
  return ev != NULL;
}

int
main (int argc, char **argv)
{
  GstElement *pipe, *s, *k;
  GstPad *viz, *sink;
  gboolean ok = TRUE;

  gst_init (&argc, &argv);
  pipe = e2e_launch ("audiotestsrc wave=pink-noise samplesperbuffer=441 "
      "! audio/x-raw,format=F32LE,rate=44100,channels=1 ! nmfseparate "
      "name=s profile=live s.src_0 ! fakesink sync=true");
  s = gst_bin_get_by_name (GST_BIN (pipe), "s");
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  gst_element_get_state (pipe, NULL, NULL, 10 * GST_SECOND);
  g_usleep (300 * 1000);
  viz = gst_element_request_pad_simple (s, "viz");      /* not linked */
  g_usleep (200 * 1000);
  gst_element_seek_simple (pipe, GST_FORMAT_TIME, GST_SEEK_FLAG_FLUSH, 0);
  g_usleep (300 * 1000);
  if (has_sticky (viz, GST_EVENT_SEGMENT) && !has_sticky (viz, GST_EVENT_CAPS)) {
    g_printerr ("FAIL: the unlinked viz pad got the seek's segment before "
        "any caps\n");
    ok = FALSE;
  }

  /* a branch for it now: caps first, then the segment */
  k = gst_element_factory_make ("fakesink", NULL);
  g_object_set (k, "async", FALSE, NULL);
  gst_bin_add (GST_BIN (pipe), k);
  sink = gst_element_get_static_pad (k, "sink");
  gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_BUFFER, count_pictures, NULL,
      NULL);
  gst_pad_link (viz, sink);
  gst_element_sync_state_with_parent (k);
  g_usleep (500 * 1000);
  if (!has_sticky (sink, GST_EVENT_CAPS) || !has_sticky (sink,
          GST_EVENT_SEGMENT) || g_atomic_int_get (&pictures) == 0) {
    g_printerr ("FAIL: once linked: caps %d, segment %d, %d pictures\n",
        has_sticky (sink, GST_EVENT_CAPS), has_sticky (sink,
            GST_EVENT_SEGMENT), g_atomic_int_get (&pictures));
    ok = FALSE;
  }
  gst_object_unref (sink);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_element_release_request_pad (s, viz);
  gst_object_unref (viz);
  gst_object_unref (s);
  gst_object_unref (pipe);
  if (ok)
    g_print ("unlinked viz pad: no segment before its caps; linked: caps, "
        "segment, %d pictures\n", pictures);
  return ok ? 0 : 1;
}
