/* A viz pad requested while the stream runs and left unlinked waits for a
 * link to choose its format; a flushing seek meanwhile gave it the new
 * SEGMENT before any caps, and once linked its caps came after it
 * ("Sticky event misordering, got 'segment' before 'caps'").
 *   nmf-e2e-viz-deferred-segment    (GST_PLUGIN_PATH set to the plugin)
 * Exit status 0 when the unlinked pad pushed no segment before caps up to
 * a marker event sent after nmfseparate handled the seek's segment (what
 * the element hands a pad goes out in order: had the segment been given
 * to the viz pad, it would have gone out before the marker), and once
 * linked its sink gets caps, then the segment of the seek, then pictures. */
#include "e2e_pipeline.h"

#include <stdlib.h>

static gint pictures;
/* src_0's sink: its buffers, and those since its last flush-stop */
static gint buffers, since_flush;

static GstPadProbeReturn
count_pictures (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  (void) pad; (void) info; (void) data;
  g_atomic_int_inc (&pictures);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
count_buffers (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  (void) pad; (void) data;
  if (GST_IS_EVENT (info->data)) {
    if (GST_EVENT_TYPE (info->data) == GST_EVENT_FLUSH_STOP)
      g_atomic_int_set (&since_flush, 0);
  } else {
    g_atomic_int_inc (&buffers);
    g_atomic_int_inc (&since_flush);
  }
  return GST_PAD_PROBE_OK;
}

/* Waits (20 s at most) until *counter reaches target; ends the program,
 * saying what did not come, when it does not. */
static void
wait_for (gint * counter, gint target, const gchar * what)
{
  const gint64 deadline = g_get_monotonic_time () + 20 * G_TIME_SPAN_SECOND;

  while (g_atomic_int_get (counter) < target) {
    if (g_get_monotonic_time () >= deadline) {
      g_printerr ("FAIL: %s: %d of %d in 20 s\n", what,
          g_atomic_int_get (counter), target);
      exit (1);
    }
    g_usleep (10 * 1000);
  }
}

/* nmfseparate's sink pad: a flush went by, then the seek's segment, then
 * a buffer (by then the element has handled the segment, in the same
 * streaming thread) */
static gint flushed, seek_segment_seen, seek_segment_handled;
/* the viz pad: caps pushed, a segment pushed before any caps, the
 * marker */
static gint viz_caps, viz_segment_before_caps, viz_marker;

#define MARKER "nmf-e2e-marker"

static GstPadProbeReturn
watch_separator_input (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  (void) pad; (void) data;
  if (GST_IS_EVENT (info->data)) {
    GstEvent *ev = info->data;
    if (GST_EVENT_TYPE (ev) == GST_EVENT_FLUSH_STOP)
      g_atomic_int_set (&flushed, 1);
    else if (GST_EVENT_TYPE (ev) == GST_EVENT_SEGMENT
        && g_atomic_int_get (&flushed))
      g_atomic_int_set (&seek_segment_seen, 1);
  } else if (g_atomic_int_get (&seek_segment_seen)) {
    g_atomic_int_set (&seek_segment_handled, 1);
  }
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
watch_viz (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  GstEvent *ev = info->data;

  (void) pad; (void) data;
  if (GST_EVENT_TYPE (ev) == GST_EVENT_CAPS)
    g_atomic_int_set (&viz_caps, 1);
  else if (GST_EVENT_TYPE (ev) == GST_EVENT_SEGMENT
      && !g_atomic_int_get (&viz_caps))
    g_atomic_int_set (&viz_segment_before_caps, 1);
  else if (GST_EVENT_TYPE (ev) == GST_EVENT_CUSTOM_DOWNSTREAM
      && gst_event_has_name (ev, MARKER))
    g_atomic_int_set (&viz_marker, 1);
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
  GstElement *pipe, *s, *k, *k0;
  GstPad *viz, *sink, *sink0, *input;
  gboolean ok = TRUE;

  gst_init (&argc, &argv);
  pipe = e2e_launch ("audiotestsrc wave=pink-noise samplesperbuffer=441 "
      "! audio/x-raw,format=F32LE,rate=44100,channels=1 ! nmfseparate "
      "name=s profile=live s.src_0 ! fakesink name=k0 sync=true");
  s = gst_bin_get_by_name (GST_BIN (pipe), "s");
  k0 = gst_bin_get_by_name (GST_BIN (pipe), "k0");
  sink0 = gst_element_get_static_pad (k0, "sink");
  gst_pad_add_probe (sink0, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_EVENT_FLUSH, count_buffers, NULL, NULL);
  input = gst_element_get_static_pad (s, "sink");
  gst_pad_add_probe (input, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM | GST_PAD_PROBE_TYPE_EVENT_FLUSH,
      watch_separator_input, NULL, NULL);
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  gst_element_get_state (pipe, NULL, NULL, 10 * GST_SECOND);
  /* the stream runs (negotiated: src_0 gives audio) */
  wait_for (&buffers, 5, "src_0's buffers before the viz pad");
  viz = gst_element_request_pad_simple (s, "viz");      /* not linked */
  /* (a pad probe sees what the pad pushes, linked or not) */
  gst_pad_add_probe (viz, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, watch_viz,
      NULL, NULL);
  /* and goes on with the pad there */
  wait_for (&buffers, g_atomic_int_get (&buffers) + 5,
      "src_0's buffers after the viz pad came");
  g_atomic_int_set (&since_flush, -1000000);
  gst_element_seek_simple (pipe, GST_FORMAT_TIME, GST_SEEK_FLAG_FLUSH, 0);
  /* the element has handled the seek's segment; a marker sent after it
   * goes out of every pad after anything handed to them before (the
   * check rested on src_0's getting 5 buffers, which said nothing of the
   * viz pad's own thread) */
  wait_for (&seek_segment_handled, 1, "a buffer after the seek's segment");
  gst_pad_send_event (input, gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM,
          gst_structure_new_empty (MARKER)));
  wait_for (&viz_marker, 1, "the marker out of the unlinked viz pad");
  if (g_atomic_int_get (&viz_segment_before_caps)
      || (has_sticky (viz, GST_EVENT_SEGMENT)
          && !has_sticky (viz, GST_EVENT_CAPS))) {
    g_printerr ("FAIL: the unlinked viz pad got the seek's segment before "
        "any caps\n");
    ok = FALSE;
  }
  /* and the stream goes on after the seek */
  wait_for (&since_flush, 5, "src_0's buffers after the seek");

  /* a branch for it now: caps first, then the segment */
  k = gst_element_factory_make ("fakesink", NULL);
  g_object_set (k, "async", FALSE, NULL);
  gst_bin_add (GST_BIN (pipe), k);
  sink = gst_element_get_static_pad (k, "sink");
  gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_BUFFER, count_pictures, NULL,
      NULL);
  gst_pad_link (viz, sink);
  gst_element_sync_state_with_parent (k);
  wait_for (&pictures, 1, "pictures on the viz pad once linked");
  if (!has_sticky (sink, GST_EVENT_CAPS) || !has_sticky (sink,
          GST_EVENT_SEGMENT) || g_atomic_int_get (&pictures) == 0) {
    g_printerr ("FAIL: once linked: caps %d, segment %d, %d pictures\n",
        has_sticky (sink, GST_EVENT_CAPS), has_sticky (sink,
            GST_EVENT_SEGMENT), g_atomic_int_get (&pictures));
    ok = FALSE;
  }
  gst_object_unref (sink);
  gst_object_unref (sink0);
  gst_object_unref (input);
  gst_object_unref (k0);
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
