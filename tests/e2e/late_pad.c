/* A branch added after the element has had its EOS, as an application
 * adds one in the last seconds of a file (found by exploratory testing):
 * the new pad must end too, or the pipeline never does.  src_1 (or viz) is
 * requested at once when the EOS enters the element (while it drains) and
 * linked to a sink started after the link; the pipeline must post EOS.
 *   nmf-e2e-late-pad    (GST_PLUGIN_PATH set to the plugin)
 * Exit status 0 when every case ends. */
#include "e2e_pipeline.h"

static gint eos_in;

static GstPadProbeReturn
on_event (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  (void) pad;
  (void) data;
  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_EOS)
    g_atomic_int_set (&eos_in, 1);
  return GST_PAD_PROBE_OK;
}

static gboolean
run (const gchar * profile, const gchar * pad_name)
{
  GstElement *pipe = e2e_launch ("audiotestsrc num-buffers=200 "
      "samplesperbuffer=441 wave=pink-noise ! audio/x-raw,format=F32LE,"
      "rate=44100,channels=1 ! nmfseparate name=s profile=%s n-sources=2 "
      "s.src_0 ! fakesink sync=true", profile), *s, *k;
  GstPad *sink, *pad, *ksink;
  GstMessage *msg;
  gboolean ended;

  s = gst_bin_get_by_name (GST_BIN (pipe), "s");
  sink = gst_element_get_static_pad (s, "sink");
  g_atomic_int_set (&eos_in, 0);
  gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_event,
      NULL, NULL);
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  while (!g_atomic_int_get (&eos_in))
    g_usleep (1000);
  k = gst_element_factory_make ("fakesink", NULL);
  g_object_set (k, "async", FALSE, NULL);
  gst_bin_add (GST_BIN (pipe), k);
  pad = gst_element_request_pad_simple (s, pad_name);
  ksink = gst_element_get_static_pad (k, "sink");
  gst_pad_link (pad, ksink);
  gst_element_sync_state_with_parent (k);
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipe), 15 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  ended = msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS;
  g_print ("%s, %s requested as the EOS came in: %s\n", profile, pad_name,
      ended ? "the pipeline ended" : "no EOS within 15 s (2 s of audio)");
  if (msg)
    gst_message_unref (msg);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_element_release_request_pad (s, pad);
  gst_object_unref (pad);
  gst_object_unref (ksink);
  gst_object_unref (sink);
  gst_object_unref (s);
  gst_object_unref (pipe);
  return ended;
}

int
main (int argc, char **argv)
{
  gboolean ok = TRUE;

  gst_init (&argc, &argv);
  ok &= run ("live", "src_1");
  ok &= run ("file", "src_1");
  ok &= run ("live", "viz");
  ok &= run ("file", "viz");
  g_print ("%s\n", ok ? "PASS" : "FAIL");
  return ok ? 0 : 1;
}
