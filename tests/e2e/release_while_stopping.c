/* A pad released by an application thread while another thread stops the
 * pipeline (PAUSED to READY), at the moment the element frees its
 * streaming state: the viz pad's picture renderer was freed by both (the
 * release's pad update took the sink pad's stream lock, free once
 * streaming had stopped, and the stop did not take it): a double free when
 * the two overlapped (about 1 in 700 stops, ThreadSanitizer found it).
 * Made to meet every time: from inside the stop (a debug-log hook on the
 * last statistics it logs) another thread tries the stream lock, which
 * the stop must hold, then releases the viz pad, which must return.
 *   nmf-e2e-release-while-stopping    (GST_PLUGIN_PATH set to the plugin)
 * Exit status 0 when the stop held the stream lock, the release returned
 * within 5 s and the element starts again without the pad. */
#include "e2e_pipeline.h"

static GstElement *sep;
static GstPad *viz;
static GThread *stopping_thread;
static gboolean hooked, released, lock_free;

static gpointer
release_viz (gpointer data)
{
  GstPad *sinkpad = gst_element_get_static_pad (sep, "sink");

  (void) data;
  if (GST_PAD_STREAM_TRYLOCK (sinkpad)) {
    lock_free = TRUE;
    GST_PAD_STREAM_UNLOCK (sinkpad);
  }
  gst_object_unref (sinkpad);
  gst_element_release_request_pad (sep, viz);
  return NULL;
}

/* The stop logs the stream's last statistics
 * (gst_nmf_stream_report_stats) while it frees the streaming state: the
 * release is made then, from another thread, and waited for. */
static void
on_log (GstDebugCategory * cat, GstDebugLevel level, const gchar * file,
    const gchar * function, gint line, GObject * object,
    GstDebugMessage * message, gpointer data)
{
  (void) cat; (void) level; (void) file; (void) line; (void) object;
  (void) message; (void) data;
  if (hooked || g_thread_self () != stopping_thread
      || !g_str_equal (function, "gst_nmf_stream_report_stats"))
    return;
  hooked = TRUE;
  released = e2e_call_from_another_thread (release_viz, NULL, 5);
}

int
main (int argc, char **argv)
{
  GstElement *pipe, *vs;
  GstPad *sink;
  gboolean ok = TRUE;

  gst_init (&argc, &argv);
  stopping_thread = g_thread_self ();
  pipe = e2e_launch ("audiotestsrc is-live=true wave=pink-noise "
      "samplesperbuffer=256 ! audio/x-raw,format=F32LE,rate=16000,channels=1 "
      "! nmfseparate name=s profile=live fft-size=512 s.src_0 ! "
      "fakesink async=false fakesink name=vs async=false sync=false");
  sep = gst_bin_get_by_name (GST_BIN (pipe), "s");
  vs = gst_bin_get_by_name (GST_BIN (pipe), "vs");
  viz = gst_element_request_pad_simple (sep, "viz");
  sink = gst_element_get_static_pad (vs, "sink");
  gst_pad_link (viz, sink);
  gst_object_unref (sink);

  gst_element_set_state (pipe, GST_STATE_PLAYING);
  gst_element_get_state (pipe, NULL, NULL, GST_SECOND);
  g_usleep (300 * 1000);        /* pictures made: the renderer exists */

  gst_debug_set_threshold_for_name ("nmfseparate", GST_LEVEL_LOG);
  gst_debug_remove_log_function (gst_debug_log_default);
  gst_debug_add_log_function (on_log, NULL, NULL);
  gst_element_set_state (pipe, GST_STATE_READY);
  gst_debug_remove_log_function (on_log);
  gst_debug_add_log_function (gst_debug_log_default, NULL, NULL);
  gst_debug_set_threshold_for_name ("nmfseparate", GST_LEVEL_NONE);

  if (!hooked) {
    g_printerr ("FAIL: the stop logged no statistics (the hook never ran)\n");
    ok = FALSE;
  }
  if (lock_free) {
    g_printerr ("FAIL: the stop freed the streaming state without the sink "
        "pad's stream lock: a pad update from another thread could run "
        "with it (the viz renderer was freed twice)\n");
    ok = FALSE;
  }
  if (hooked && !released) {
    g_printerr ("FAIL: the release did not return within 5 s of the stop\n");
    ok = FALSE;
  }

  /* the element starts again without the released pad */
  if (ok && gst_element_set_state (pipe, GST_STATE_PLAYING)
      == GST_STATE_CHANGE_FAILURE) {
    g_printerr ("FAIL: the element does not start again\n");
    ok = FALSE;
  }
  if (ok && gst_element_get_static_pad (sep, "viz")) {
    g_printerr ("FAIL: the released viz pad is still there\n");
    ok = FALSE;
  }
  g_usleep (100 * 1000);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (viz);
  gst_object_unref (vs);
  gst_object_unref (sep);
  gst_object_unref (pipe);
  if (ok)
    g_print ("viz released during the stop: released once, started again\n");
  return ok ? 0 : 1;
}
