/* A source pad requested by another thread while the element handles a
 * STREAM_START: it joins the stream at the end of the handler, when the
 * sink pad has not stored the event yet (GStreamer stores a sticky event
 * once the handler has returned), and the join read the stream-start from
 * there: none, so the pad's caps, segment and buffers went out without a
 * stream-start ("Got data flow before stream-start event").  Made to
 * happen every time: the request is made from inside the handler, by a
 * debug-log hook on the creation of the element's first stream-start of
 * its own.  Also: each pad's stream-id is upstream's with the pad's name
 * (it was a random one: gst_pad_create_stream_id did not find upstream's).
 *   nmf-e2e-join-at-stream-start    (GST_PLUGIN_PATH set to the plugin)
 * Exit status 0 when both pads got stream-start, caps and segment in
 * that order, then every sample and EOS. */
#include "e2e_pipeline.h"

#include <string.h>

#define UPSTREAM_ID "upstream-stream"
#define BUFFERS 40
#define SAMPLES 512

typedef struct
{
  GstPad *pad;
  GMutex lock;
  GString *events;              /* "stream-start caps segment ... eos " */
  gchar *stream_id;
  gint64 samples;
  gboolean eos;
} Sink;

static GstElement *sep;
static Sink sinks[2];
static GThread *pushing_thread;
static gint armed;
static gboolean requested;

static gboolean
sink_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  Sink *k = gst_pad_get_element_private (pad);

  (void) parent;
  g_mutex_lock (&k->lock);
  g_string_append_printf (k->events, "%s ", GST_EVENT_TYPE_NAME (event));
  if (GST_EVENT_TYPE (event) == GST_EVENT_STREAM_START) {
    const gchar *id;
    gst_event_parse_stream_start (event, &id);
    g_free (k->stream_id);
    k->stream_id = g_strdup (id);
  } else if (GST_EVENT_TYPE (event) == GST_EVENT_EOS)
    k->eos = TRUE;
  g_mutex_unlock (&k->lock);
  gst_event_unref (event);
  return TRUE;
}

static GstFlowReturn
sink_chain (GstPad * pad, GstObject * parent, GstBuffer * buffer)
{
  Sink *k = gst_pad_get_element_private (pad);

  (void) parent;
  g_mutex_lock (&k->lock);
  k->samples += gst_buffer_get_size (buffer) / sizeof (float);
  g_mutex_unlock (&k->lock);
  gst_buffer_unref (buffer);
  return GST_FLOW_OK;
}

static void
sink_init (Sink * k, const gchar * name)
{
  k->pad = gst_pad_new (name, GST_PAD_SINK);
  gst_pad_set_element_private (k->pad, k);
  gst_pad_set_event_function (k->pad, sink_event);
  gst_pad_set_chain_function (k->pad, sink_chain);
  g_mutex_init (&k->lock);
  k->events = g_string_new (NULL);
  gst_pad_set_active (k->pad, TRUE);
}

static gpointer
request_src_1 (gpointer data)
{
  GstPad *src = gst_element_request_pad_simple (sep, "src_1");

  (void) data;
  gst_pad_link (src, sinks[1].pad);
  gst_object_unref (src);
  return NULL;
}

/* In the handler of upstream's STREAM_START (the pushing thread, armed
 * after upstream's event was made), the element makes src_0's own: src_1
 * is requested then, from another thread, and waited for. */
static void
on_log (GstDebugCategory * cat, GstDebugLevel level, const gchar * file,
    const gchar * function, gint line, GObject * object,
    GstDebugMessage * message, gpointer data)
{
  (void) cat; (void) level; (void) file; (void) line; (void) object;
  (void) data;
  if (g_thread_self () != pushing_thread
      || strcmp (function, "gst_event_new_custom") != 0
      || !strstr (gst_debug_message_get (message), "stream-start")
      || !g_atomic_int_compare_and_exchange (&armed, 1, 0))
    return;
  requested = e2e_call_from_another_thread (request_src_1, NULL, 5);
}

static gboolean
check_sink (Sink * k, const gchar * name)
{
  gboolean ok = TRUE;
  gchar *want_id = g_strdup_printf (UPSTREAM_ID "/%s", name);

  g_mutex_lock (&k->lock);
  g_print ("%s: events %s| stream-id %s | %" G_GINT64_FORMAT " samples\n",
      name, k->events->str, k->stream_id ? k->stream_id : "(none)",
      k->samples);
  if (!g_str_has_prefix (k->events->str, "stream-start caps segment ")) {
    g_printerr ("FAIL: %s did not get stream-start, caps and segment "
        "first: %s\n", name, k->events->str);
    ok = FALSE;
  }
  if (g_strcmp0 (k->stream_id, want_id) != 0) {
    g_printerr ("FAIL: %s's stream-id is %s, not %s\n", name,
        k->stream_id ? k->stream_id : "(none)", want_id);
    ok = FALSE;
  }
  if (k->samples != BUFFERS * SAMPLES || !k->eos) {
    g_printerr ("FAIL: %s got %" G_GINT64_FORMAT " of %d samples%s\n", name,
        k->samples, BUFFERS * SAMPLES, k->eos ? "" : ", no EOS");
    ok = FALSE;
  }
  g_mutex_unlock (&k->lock);
  g_free (want_id);
  return ok;
}

int
main (int argc, char **argv)
{
  GstPad *up, *src0;
  GstCaps *caps;
  GstSegment segment;
  GstEvent *start;
  gboolean ok = TRUE;
  gint64 until;

  gst_init (&argc, &argv);
  pushing_thread = g_thread_self ();
  sep = gst_element_factory_make ("nmfseparate", NULL);
  if (!sep) {
    g_printerr ("FAIL: no nmfseparate (GST_PLUGIN_PATH?)\n");
    return 1;
  }
  gst_object_ref_sink (sep);
  g_object_set (sep, "profile", 1 /* live */ , "fft-size", 512, NULL);
  sink_init (&sinks[0], "sink0");
  sink_init (&sinks[1], "sink1");
  src0 = gst_element_request_pad_simple (sep, "src_0");
  gst_pad_link (src0, sinks[0].pad);
  gst_object_unref (src0);
  up = gst_pad_new ("up", GST_PAD_SRC);
  gst_pad_set_active (up, TRUE);
  {
    GstPad *in = gst_element_get_static_pad (sep, "sink");
    gst_pad_link (up, in);
    gst_object_unref (in);
  }
  gst_element_set_state (sep, GST_STATE_PLAYING);

  start = gst_event_new_stream_start (UPSTREAM_ID);
  gst_debug_set_threshold_for_name ("GST_EVENT", GST_LEVEL_DEBUG);
  gst_debug_remove_log_function (gst_debug_log_default);
  gst_debug_add_log_function (on_log, NULL, NULL);
  g_atomic_int_set (&armed, 1);
  gst_pad_push_event (up, start);
  gst_debug_remove_log_function (on_log);
  gst_debug_add_log_function (gst_debug_log_default, NULL, NULL);
  gst_debug_set_threshold_for_name ("GST_EVENT", GST_LEVEL_NONE);
  if (g_atomic_int_get (&armed) || !requested) {
    g_printerr ("FAIL: src_1 was not requested inside the handler\n");
    ok = FALSE;
  }

  caps = gst_caps_new_simple ("audio/x-raw", "format", G_TYPE_STRING,
      "F32LE", "layout", G_TYPE_STRING, "interleaved", "rate", G_TYPE_INT,
      16000, "channels", G_TYPE_INT, 1, NULL);
  gst_pad_push_event (up, gst_event_new_caps (caps));
  gst_caps_unref (caps);
  gst_segment_init (&segment, GST_FORMAT_TIME);
  gst_pad_push_event (up, gst_event_new_segment (&segment));
  for (gint i = 0; i < BUFFERS; i++) {
    GstBuffer *b = gst_buffer_new_allocate (NULL, SAMPLES * sizeof (float),
        NULL);
    GstMapInfo map;
    gst_buffer_map (b, &map, GST_MAP_WRITE);
    for (gint n = 0; n < SAMPLES; n++)
      ((float *) map.data)[n] = 0.1f * (float) g_random_double_range (-1, 1);
    gst_buffer_unmap (b, &map);
    GST_BUFFER_PTS (b) = gst_util_uint64_scale (i * SAMPLES, GST_SECOND,
        16000);
    gst_pad_push (up, b);
  }
  gst_pad_push_event (up, gst_event_new_eos ());
  until = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;
  while (g_get_monotonic_time () < until) {
    gboolean both;
    g_mutex_lock (&sinks[0].lock);
    g_mutex_lock (&sinks[1].lock);
    both = sinks[0].eos && sinks[1].eos;
    g_mutex_unlock (&sinks[1].lock);
    g_mutex_unlock (&sinks[0].lock);
    if (both)
      break;
    g_usleep (10 * 1000);
  }
  ok = check_sink (&sinks[0], "src_0") && ok;
  ok = check_sink (&sinks[1], "src_1") && ok;

  gst_element_set_state (sep, GST_STATE_NULL);
  gst_object_unref (sep);
  gst_object_unref (up);
  for (gint i = 0; i < 2; i++) {
    gst_object_unref (sinks[i].pad);
    g_string_free (sinks[i].events, TRUE);
    g_free (sinks[i].stream_id);
  }
  if (ok)
    g_print ("src_1 requested inside the STREAM_START handler: both pads "
        "got stream-start (upstream's id with their names), caps, segment, "
        "every sample and EOS\n");
  return ok ? 0 : 1;
}
