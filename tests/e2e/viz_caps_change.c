/* A viz pad requested mid-stream and not linked waits for its link to
 * choose its format, and a SEGMENT meanwhile skips it (it would come
 * before its caps).  A caps change of the input negotiates it by another
 * way, which sent caps and no segment: after a seek then a caps change,
 * the pad's peer got pictures with no segment at all ("Got data flow
 * before segment event").
 *   nmf-e2e-viz-caps-change    (GST_PLUGIN_PATH set to the plugin)
 * Exit status 0 when the viz pad's peer gets stream-start, caps and the
 * seek's segment (5 s) before its first picture. */
#include <gst/gst.h>

#include <string.h>

static GString *events;
static GMutex lock;
static GCond cond;              /* an event recorded */

static gboolean
record_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  (void) pad; (void) parent;
  g_mutex_lock (&lock);
  if (GST_EVENT_TYPE (event) == GST_EVENT_SEGMENT) {
    const GstSegment *s;
    gst_event_parse_segment (event, &s);
    g_string_append_printf (events, "segment(%.1fs) ", s->start / 1e9);
  } else
    g_string_append_printf (events, "%s ", GST_EVENT_TYPE_NAME (event));
  g_cond_broadcast (&cond);
  g_mutex_unlock (&lock);
  gst_event_unref (event);
  return TRUE;
}

static GstFlowReturn
record_buffer (GstPad * pad, GstObject * parent, GstBuffer * b)
{
  (void) pad; (void) parent;
  g_mutex_lock (&lock);
  if (!g_str_has_suffix (events->str, "picture "))
    g_string_append (events, "picture ");
  g_mutex_unlock (&lock);
  gst_buffer_unref (b);
  return GST_FLOW_OK;
}

static GstFlowReturn
drop_buffer (GstPad * pad, GstObject * parent, GstBuffer * b)
{
  (void) pad; (void) parent;
  gst_buffer_unref (b);
  return GST_FLOW_OK;
}

static gboolean
drop_event (GstPad * pad, GstObject * parent, GstEvent * e)
{
  (void) pad; (void) parent;
  gst_event_unref (e);
  return TRUE;
}

/* a sink that takes any format (as fakesink does) */
static gboolean
any_query (GstPad * pad, GstObject * parent, GstQuery * q)
{
  if (GST_QUERY_TYPE (q) == GST_QUERY_CAPS) {
    GstCaps *c = gst_caps_new_any ();
    gst_query_set_caps_result (q, c);
    gst_caps_unref (c);
    return TRUE;
  }
  if (GST_QUERY_TYPE (q) == GST_QUERY_ACCEPT_CAPS) {
    gst_query_set_accept_caps_result (q, TRUE);
    return TRUE;
  }
  return gst_pad_query_default (pad, parent, q);
}

static GstPad *
sink_pad (const gchar * name, GstPadChainFunction chain,
    GstPadEventFunction event)
{
  GstPad *p = gst_pad_new (name, GST_PAD_SINK);
  gst_pad_set_chain_function (p, chain);
  gst_pad_set_event_function (p, event);
  gst_pad_set_query_function (p, any_query);
  gst_pad_set_active (p, TRUE);
  return p;
}

static void
push_caps (GstPad * up, gint rate)
{
  GstCaps *c = gst_caps_new_simple ("audio/x-raw", "format", G_TYPE_STRING,
      "F32LE", "layout", G_TYPE_STRING, "interleaved", "rate", G_TYPE_INT,
      rate, "channels", G_TYPE_INT, 1, NULL);
  gst_pad_push_event (up, gst_event_new_caps (c));
  gst_caps_unref (c);
}

static void
push_buffers (GstPad * up, gint rate, GstClockTime * t, gint n)
{
  for (gint i = 0; i < n; i++) {
    GstBuffer *b = gst_buffer_new_allocate (NULL, 512 * sizeof (float), NULL);
    GstMapInfo m;
    gst_buffer_map (b, &m, GST_MAP_WRITE);
    for (gint k = 0; k < 512; k++)
      ((float *) m.data)[k] = (float) g_random_double_range (-.1, .1);
    gst_buffer_unmap (b, &m);
    GST_BUFFER_PTS (b) = *t;
    GST_BUFFER_DURATION (b) = gst_util_uint64_scale (512, GST_SECOND, rate);
    *t += GST_BUFFER_DURATION (b);
    gst_pad_push (up, b);
  }
}

int
main (int argc, char **argv)
{
  GstElement *sep;
  GstPad *k0, *kv, *s0, *up, *in, *viz;
  GstSegment seg;
  GstClockTime t = 0;
  gboolean ok;
  gint64 deadline;

  gst_init (&argc, &argv);
  events = g_string_new (NULL);
  sep = gst_element_factory_make ("nmfseparate", NULL);
  if (!sep) {
    g_printerr ("FAIL: no nmfseparate (GST_PLUGIN_PATH?)\n");
    return 1;
  }
  gst_object_ref_sink (sep);
  g_object_set (sep, "profile", 1 /* live */ , "fft-size", 512, NULL);
  k0 = sink_pad ("k0", drop_buffer, drop_event);
  kv = sink_pad ("kv", record_buffer, record_event);
  s0 = gst_element_request_pad_simple (sep, "src_0");
  gst_pad_link (s0, k0);
  up = gst_pad_new ("up", GST_PAD_SRC);
  gst_pad_set_active (up, TRUE);
  in = gst_element_get_static_pad (sep, "sink");
  gst_pad_link (up, in);
  gst_element_set_state (sep, GST_STATE_PLAYING);

  gst_pad_push_event (up, gst_event_new_stream_start ("up"));
  push_caps (up, 16000);
  gst_segment_init (&seg, GST_FORMAT_TIME);
  gst_pad_push_event (up, gst_event_new_segment (&seg));
  push_buffers (up, 16000, &t, 20);
  viz = gst_element_request_pad_simple (sep, "viz");    /* unlinked */
  push_buffers (up, 16000, &t, 5);
  /* a new segment, as after a seek, then new caps, then the link */
  gst_segment_init (&seg, GST_FORMAT_TIME);
  seg.start = seg.time = 5 * GST_SECOND;
  t = 5 * GST_SECOND;
  gst_pad_push_event (up, gst_event_new_segment (&seg));
  push_buffers (up, 16000, &t, 5);
  push_caps (up, 22050);
  push_buffers (up, 22050, &t, 20);
  gst_pad_link (viz, kv);
  push_buffers (up, 22050, &t, 40);
  gst_pad_push_event (up, gst_event_new_eos ());

  /* what the viz pad's task pushes, up to the EOS behind it all */
  deadline = g_get_monotonic_time () + 20 * G_TIME_SPAN_SECOND;
  g_mutex_lock (&lock);
  while (!strstr (events->str, "eos "))
    if (!g_cond_wait_until (&cond, &lock, deadline))
      break;
  g_print ("the viz pad's peer got: %s\n", events->str);
  ok = strstr (events->str, "eos ") != NULL;
  if (!ok)
    g_printerr ("FAIL: the viz pad's peer got no EOS in 20 s\n");
  else if (!(ok = g_str_has_prefix (events->str,
              "stream-start caps segment(5.0s) picture ")))
    g_printerr ("FAIL: not stream-start, caps, the seek's segment (5 s), "
        "then pictures\n");
  g_mutex_unlock (&lock);
  gst_element_set_state (sep, GST_STATE_NULL);
  gst_object_unref (viz);
  gst_object_unref (s0);
  gst_object_unref (in);
  gst_object_unref (up);
  gst_object_unref (k0);
  gst_object_unref (kv);
  gst_object_unref (sep);
  g_string_free (events, TRUE);
  return ok ? 0 : 1;
}
