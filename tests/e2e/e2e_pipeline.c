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
