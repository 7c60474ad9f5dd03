/* A property that changes sizes set by another thread while the element
 * starts (READY to PAUSED): the element's state reads READY for the whole
 * transition, so the value was taken after the start had read the
 * dictionaries and checked the pads for the old one, and the separator
 * was made at the caps with the new one: a dictionary made for fft-size
 * 512 read as if for 4096 (a heap over-read), or n-sources lowered under
 * a requested src_1 that then never got data (preroll hung).  Made to
 * happen every time: the set is made from inside the start, by a
 * debug-log hook on the activation of the element's sink pad.
 *   nmf-e2e-set-during-start    (GST_PLUGIN_PATH set to the plugin)
 * Exit status 0 when both values were refused (fft-size and n-sources
 * read back as before) and the pipeline prerolled with both pads. */
#include "e2e_pipeline.h"

#include <string.h>

static GstElement *sep;
static gint armed = 1;

static void
on_log (GstDebugCategory * cat, GstDebugLevel level, const gchar * file,
    const gchar * function, gint line, GObject * object,
    GstDebugMessage * message, gpointer data)
{
  (void) cat; (void) level; (void) file; (void) line; (void) message;
  (void) data;
  /* the sink pad activated: the start has made its checks, the state is
   * still READY */
  if (object && GST_IS_PAD (object)
      && GST_OBJECT_PARENT (object) == GST_OBJECT (sep)
      && strcmp (GST_OBJECT_NAME (object), "sink") == 0
      && strcmp (function, "gst_pad_set_active") == 0
      && g_atomic_int_compare_and_exchange (&armed, 1, 0))
    g_object_set (sep, "fft-size", 4096, "n-sources", 1, NULL);
}

int
main (int argc, char **argv)
{
  GstElement *pipe;
  GstStateChangeReturn ret;
  guint fft_size, n_sources;
  gint64 samples0 = 0, samples1 = 0;
  gboolean ok = TRUE;

  gst_init (&argc, &argv);
  pipe = e2e_launch ("audiotestsrc wave=pink-noise num-buffers=100 "
      "samplesperbuffer=512 ! audio/x-raw,format=F32LE,rate=16000,channels=1 "
      "! nmfseparate name=s profile=live n-sources=2 fft-size=512 "
      "s.src_0 ! fakesink name=k0 s.src_1 ! fakesink name=k1");
  sep = gst_bin_get_by_name (GST_BIN (pipe), "s");
  e2e_count_samples (pipe, "k0", &samples0);
  e2e_count_samples (pipe, "k1", &samples1);

  gst_debug_set_threshold_for_name ("GST_PADS", GST_LEVEL_DEBUG);
  gst_debug_remove_log_function (gst_debug_log_default);
  gst_debug_add_log_function (on_log, NULL, NULL);
  gst_element_set_state (pipe, GST_STATE_PAUSED);
  ret = gst_element_get_state (pipe, NULL, NULL, 10 * GST_SECOND);
  gst_debug_remove_log_function (on_log);
  gst_debug_add_log_function (gst_debug_log_default, NULL, NULL);
  gst_debug_set_threshold_for_name ("GST_PADS", GST_LEVEL_NONE);

  g_object_get (sep, "fft-size", &fft_size, "n-sources", &n_sources, NULL);
  if (g_atomic_int_get (&armed)) {
    g_printerr ("FAIL: the hook never ran (no sink pad activation logged)\n");
    ok = FALSE;
  }
  if (fft_size != 512 || n_sources != 2) {
    g_printerr ("FAIL: set during the start and taken: fft-size %u, "
        "n-sources %u (the run was checked with 512 and 2)\n", fft_size,
        n_sources);
    ok = FALSE;
  }
  if (ret != GST_STATE_CHANGE_SUCCESS) {
    g_printerr ("FAIL: no preroll within 10 s (%s)\n",
        gst_element_state_change_return_get_name (ret));
    ok = FALSE;
  }
  if (ok) {
    GstBus *bus = gst_element_get_bus (pipe);
    GstMessage *msg;
    gst_element_set_state (pipe, GST_STATE_PLAYING);
    msg = gst_bus_timed_pop_filtered (bus, 20 * GST_SECOND,
        GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
    if (!msg || GST_MESSAGE_TYPE (msg) != GST_MESSAGE_EOS) {
      g_printerr ("FAIL: the stream did not end normally\n");
      ok = FALSE;
    } else if (samples0 != 100 * 512 || samples1 != 100 * 512) {
      g_printerr ("FAIL: %" G_GINT64_FORMAT " and %" G_GINT64_FORMAT
          " samples out, %d in\n", samples0, samples1, 100 * 512);
      ok = FALSE;
    }
    if (msg)
      gst_message_unref (msg);
    gst_object_unref (bus);
  }
  gst_element_set_state (pipe, GST_STATE_NULL);
  /* refused during the run, taken once it is over */
  g_object_set (sep, "fft-size", 4096, NULL);
  g_object_get (sep, "fft-size", &fft_size, NULL);
  if (fft_size != 4096) {
    g_printerr ("FAIL: fft-size refused in NULL after the run\n");
    ok = FALSE;
  }
  gst_object_unref (sep);
  gst_object_unref (pipe);
  if (ok)
    g_print ("fft-size and n-sources set during the start: refused; both "
        "pads got every sample; taken again in NULL\n");
  return ok ? 0 : 1;
}
