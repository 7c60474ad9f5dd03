/* Pads requested and released over and over while the stream flows (an
 * application adding and removing a branch), found by review:
 *   - a pad released while another is unlinked: the released pad's last
 *     flow ("flushing" once deactivated) counted until the streaming
 *     thread's next item, and with the unlinked pad's flow combined to
 *     "flushing": upstream stopped, no EOS, no error;
 *   - a pad requested: it joined the stream before it had its queue (a
 *     crash when the streaming thread admitted it in that gap).
 * src_0 linked, src_1 unlinked, src_2 requested and released 300 times
 * with a millisecond between, then 3000 times back to back; the stream
 * must end (EOS) with every sample on src_0.
 *   nmf-e2e-pad-churn    (GST_PLUGIN_PATH set to the plugin)
 * Exit status 0 when that holds. */
#include "e2e_pipeline.h"

#define BUFFERS 20000
#define SAMPLES 441

int
main (int argc, char **argv)
{
  GstElement *pipe, *s;
  GstPad *src1;
  GstMessage *msg;
  gint64 kept = 0;
  int ok;

  gst_init (&argc, &argv);
  pipe = e2e_launch ("audiotestsrc num-buffers=%d samplesperbuffer=%d "
      "wave=pink-noise ! audio/x-raw,format=F32LE,rate=44100,channels=1 ! "
      "nmfseparate name=s profile=live n-sources=3 s.src_0 ! fakesink "
      "name=k0 sync=false", BUFFERS, SAMPLES);
  s = gst_bin_get_by_name (GST_BIN (pipe), "s");
  e2e_count_samples (pipe, "k0", &kept);
  src1 = gst_element_request_pad_simple (s, "src_1");
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  g_usleep (100 * 1000);
  for (gint i = 0; i < 3300; i++) {
    GstPad *p = gst_element_request_pad_simple (s, "src_2");
    if (!p) {
      g_printerr ("FAIL: request %d of src_2 refused\n", i);
      return 1;
    }
    if (i < 300)
      g_usleep (1000);
    gst_element_release_request_pad (s, p);
    gst_object_unref (p);
  }
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipe), 30 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  ok = msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS
      && kept == (gint64) BUFFERS * SAMPLES;
  g_print ("%s; %" G_GINT64_FORMAT " of %d samples on src_0\n",
      !msg ? "STALLED: no EOS or error in 30 s" :
      GST_MESSAGE_TYPE_NAME (msg), kept, BUFFERS * SAMPLES);
  if (msg)
    gst_message_unref (msg);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_element_release_request_pad (s, src1);
  gst_object_unref (src1);
  gst_object_unref (s);
  gst_object_unref (pipe);
  g_print ("%s\n", ok ? "PASS" : "FAIL");
  return ok ? 0 : 1;
}
