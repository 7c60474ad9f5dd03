/* A downstream refusal met while the element drains at EOS (found by
 * exploratory testing: a mask pad linked to a branch that takes only
 * audio, on a stream shorter than the look-ahead): upstream has ended, so
 * no chain function returns that flow to it and nobody posts it; the
 * pipeline ended with EOS as if every branch had its output.  The element
 * must post the error itself, as queue does for a flow error after its
 * EOS.  Each case runs a pipeline and waits for its first ERROR or EOS.
 *   nmf-e2e-flow-error-after-eos    (GST_PLUGIN_PATH set to the plugin)
 * Exit status 0 when every case ends as it should. */
#include "e2e_pipeline.h"

#include <string.h>

/* The first ERROR or EOS of the pipeline: TRUE for an ERROR whose debug
 * text holds `reason` (a flow name), FALSE otherwise (said why). */
static gboolean
ends_with_error (GstElement * pipe, const gchar * reason)
{
  GstMessage *msg;
  gboolean error = FALSE;

  gst_element_set_state (pipe, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipe), 30 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  if (!msg) {
    g_print ("  neither EOS nor ERROR within 30 s\n");
  } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS) {
    g_print ("  EOS: the refusal was not said\n");
  } else {
    GError *err = NULL;
    gchar *debug = NULL;
    gst_message_parse_error (msg, &err, &debug);
    error = debug && strstr (debug, reason);
    g_print ("  ERROR from %s: %s (%s)\n", GST_OBJECT_NAME (msg->src),
        err->message, debug ? debug : "");
    g_clear_error (&err);
    g_free (debug);
  }
  if (msg)
    gst_message_unref (msg);
  gst_element_set_state (pipe, GST_STATE_NULL);
  return error;
}

/* Masks to a branch that takes only audio: not-negotiated.  `buffers` of
 * 1024 samples at 44.1 kHz; with the file profile (6 s of look-ahead) or
 * the live profile's fft-size, a short stream comes out only at EOS.  (The
 * capsfilter takes the masks when it is linked and refuses them from
 * the start: a mask pad does not link to audio caps.) */
static gboolean
not_negotiated (const gchar * profile, guint buffers)
{
  GstElement *pipe = e2e_launch ("audiotestsrc num-buffers=%u "
      "samplesperbuffer=1024 wave=pink-noise ! audio/x-raw,format=F32LE,"
      "rate=44100,channels=1 ! nmfseparate name=s profile=%s "
      "output-mode=mask s.src_0 ! capsfilter name=only_audio ! fakesink "
      "s.src_1 ! fakesink", buffers, profile);
  GstElement *filter = gst_bin_get_by_name (GST_BIN (pipe), "only_audio");
  GstCaps *audio = gst_caps_from_string ("audio/x-raw");
  gboolean ok;

  g_object_set (filter, "caps", audio, NULL);
  gst_caps_unref (audio);
  gst_object_unref (filter);

  g_print ("%s profile, %u buffers, masks to an audio-only branch:\n",
      profile, buffers);
  ok = ends_with_error (pipe, "not-negotiated");
  gst_object_unref (pipe);
  return ok;
}

/* The only source pad requested and linked to nothing: not-linked (one
 * unlinked pad among linked ones is not an error; every one is). */
static gboolean
not_linked (void)
{
  GstElement *pipe = e2e_launch ("audiotestsrc num-buffers=20 "
      "samplesperbuffer=1024 wave=pink-noise ! audio/x-raw,format=F32LE,"
      "rate=44100,channels=1 ! nmfseparate name=s profile=file");
  GstElement *s = gst_bin_get_by_name (GST_BIN (pipe), "s");
  GstPad *pad = gst_element_request_pad_simple (s, "src_0");
  gboolean ok;

  g_print ("file profile, 20 buffers, src_0 linked to nothing:\n");
  ok = ends_with_error (pipe, "not-linked");
  gst_element_release_request_pad (s, pad);
  gst_object_unref (pad);
  gst_object_unref (s);
  gst_object_unref (pipe);
  return ok;
}

int
main (int argc, char **argv)
{
  gboolean ok = TRUE;

  gst_init (&argc, &argv);
  ok &= not_negotiated ("file", 50);
  ok &= not_negotiated ("live", 1);
  /* a stream long enough that a chain function returns the flow: its
   * source posts the error (the element must not hide it) */
  ok &= not_negotiated ("live", 200);
  ok &= not_linked ();
  g_print ("%s\n", ok ? "PASS" : "FAIL");
  return ok ? 0 : 1;
}
