#include "e2e_pipeline.h"

#include <stdlib.h>

GstElement *
e2e_launch (const gchar * format, ...)
{
  GError *err = NULL;
  GstElement *pipe;
  gchar *desc;
  va_list args;

  va_start (args, format);
  desc = g_strdup_vprintf (format, args);
  va_end (args);
  pipe = gst_parse_launch (desc, &err);
  g_free (desc);
  if (!pipe || err) {
    g_printerr ("cannot build the pipeline: %s\n", err ? err->message : "?");
    exit (1);
  }
  return pipe;
}

static GstPadProbeReturn
count_samples (G_GNUC_UNUSED GstPad * pad, GstPadProbeInfo * info,
    gpointer counter)
{
  *(gint64 *) counter +=
      gst_buffer_get_size (GST_PAD_PROBE_INFO_BUFFER (info)) / 4;
  return GST_PAD_PROBE_OK;
}

void
e2e_count_samples (GstElement * pipe, const gchar * name, gint64 * counter)
{
  GstElement *el = gst_bin_get_by_name (GST_BIN (pipe), name);
  GstPad *sink = gst_element_get_static_pad (el, "sink");

  gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_BUFFER, count_samples, counter,
      NULL);
  gst_object_unref (sink);
  gst_object_unref (el);
}

typedef struct
{
  GThreadFunc func;
  gpointer data;
  GMutex lock;
  GCond cond;
  gboolean returned;
  gint refs;                    /* the caller's and the thread's */
} Call;

static void
call_unref (Call * c)
{
  if (g_atomic_int_dec_and_test (&c->refs)) {
    g_mutex_clear (&c->lock);
    g_cond_clear (&c->cond);
    g_free (c);
  }
}

static gpointer
call_run (gpointer data)
{
  Call *c = data;

  c->func (c->data);
  g_mutex_lock (&c->lock);
  c->returned = TRUE;
  g_cond_signal (&c->cond);
  g_mutex_unlock (&c->lock);
  call_unref (c);
  return NULL;
}

gboolean
e2e_call_from_another_thread (GThreadFunc func, gpointer data, guint seconds)
{
  Call *c = g_new0 (Call, 1);
  gint64 until = g_get_monotonic_time () + seconds * G_TIME_SPAN_SECOND;
  gboolean returned;

  c->func = func;
  c->data = data;
  c->refs = 2;
  g_mutex_init (&c->lock);
  g_cond_init (&c->cond);
  g_thread_unref (g_thread_new ("e2e-call", call_run, c));
  g_mutex_lock (&c->lock);
  while (!c->returned && g_cond_wait_until (&c->cond, &c->lock, until));
  returned = c->returned;
  g_mutex_unlock (&c->lock);
  call_unref (c);
  return returned;
}

static GstPadProbeReturn
strip_timestamps (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  GstBuffer *buf = gst_buffer_make_writable (GST_PAD_PROBE_INFO_BUFFER (info));

  (void) pad;
  GST_PAD_PROBE_INFO_DATA (info) = buf;
  GST_BUFFER_PTS (buf) = GST_BUFFER_DTS (buf) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_DURATION (buf) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_OFFSET (buf) = GST_BUFFER_OFFSET_END (buf) =
      GST_BUFFER_OFFSET_NONE;
  if (data)
    g_atomic_int_inc ((gint *) data);
  return GST_PAD_PROBE_OK;
}

void
e2e_strip_timestamps (GstElement * pipe, const gchar * name, gint * buffers)
{
  GstElement *e = gst_bin_get_by_name (GST_BIN (pipe), name);
  GstPad *sink;

  g_assert (e != NULL);
  sink = gst_element_get_static_pad (e, "sink");
  gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_BUFFER, strip_timestamps,
      buffers, NULL);
  gst_object_unref (sink);
  gst_object_unref (e);
}
