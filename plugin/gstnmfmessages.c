/* GStreamer
 * Copyright (C) 2026 gst-nmf developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstnmfmessages.h"

#include <string.h>

void
gst_nmf_messages_init (GstNmfMessages * m)
{
  memset (m, 0, sizeof (*m));
}

void
gst_nmf_messages_clear (GstNmfMessages * m)
{
  /* the element's fields hook is the element's, set once at init: it
   * outlives a stop (a restart lost the enrolment field) */
  void (*add_fields) (gpointer data, GstStructure * st) = m->add_fields;
  gpointer add_fields_data = m->add_fields_data;

  g_free (m->masks);
  gst_nmf_messages_init (m);
  m->add_fields = add_fields;
  m->add_fields_data = add_fields_data;
}

void
gst_nmf_messages_configure (GstNmfMessages * m, guint n_sources, gsize bins,
    guint64 hop)
{
  g_free (m->masks);
  m->masks = g_new0 (gfloat, n_sources * bins);
  m->n_sources = n_sources;
  m->bins = bins;
  m->hop = hop;
}

void
gst_nmf_messages_restart (GstNmfMessages * m)
{
  m->frames = 0;
  m->next_boundary = 0;
  /* the boundaries are laid from the stream's start again */
  m->boundary_anchor = 0;
  m->boundary_interval = 0;
  memset (m->energy, 0, sizeof (m->energy));
}

static GValue
double_value (gdouble v)
{
  GValue value = G_VALUE_INIT;

  g_value_init (&value, G_TYPE_DOUBLE);
  g_value_set_double (&value, v);
  return value;
}

/* GST_TYPE_ARRAY of n floats */
static GValue
float_array (const gfloat * v, gsize n)
{
  GValue array = G_VALUE_INIT;

  g_value_init (&array, GST_TYPE_ARRAY);
  for (gsize i = 0; i < n; i++) {
    GValue one = G_VALUE_INIT;
    g_value_init (&one, G_TYPE_FLOAT);
    g_value_set_float (&one, v[i]);
    gst_value_array_append_and_take_value (&array, &one);
  }
  return array;
}

/* `spatial` (the state) and, when the demixing is in force, `position`
 * (each source's, -1 to +1), and with a demixing per frequency `delay`
 * (each source's from the first channel to the second, seconds). */
static void
add_spatial (const GstNmfMessages * m, GstStructure * st, gint rate)
{
  static const gchar *const states[] = {
    [NMF_SPATIAL_STATE_UNUSED] = "unused",
    [NMF_SPATIAL_STATE_LISTENING] = "listening",
    [NMF_SPATIAL_STATE_ACTIVE] = "active",
    [NMF_SPATIAL_STATE_NOT_INSTANTANEOUS] = "room",
    [NMF_SPATIAL_STATE_NOT_DIVERSE] = "not-diverse",
  };
  const nmf_separator_spatial *info = &m->spatial;

  gst_structure_set (st, "spatial", G_TYPE_STRING, states[info->state], NULL);
  if (info->state == NMF_SPATIAL_STATE_ACTIVE) {
    GValue position = G_VALUE_INIT;
    g_value_init (&position, GST_TYPE_ARRAY);
    for (guint s = 0; s < m->n_sources; s++) {
      GValue v = double_value (info->position[s]);
      gst_value_array_append_and_take_value (&position, &v);
    }
    gst_structure_take_value (st, "position", &position);
  }
  if (info->state == NMF_SPATIAL_STATE_ACTIVE && info->per_frequency
      && rate > 0) {
    GValue delay = G_VALUE_INIT;
    g_value_init (&delay, GST_TYPE_ARRAY);
    for (guint s = 0; s < m->n_sources; s++) {
      GValue v = double_value (info->delay[s] / rate);
      gst_value_array_append_and_take_value (&delay, &v);
    }
    gst_structure_take_value (st, "delay", &delay);
  }
}

void
gst_nmf_messages_post (GstNmfMessages * m, GstElement * element,
    const GstNmfTimeline * tl, const GstSegment * segment, guint64 end_sample)
{
  GstClockTime ts = gst_nmf_timeline_time (tl, m->first_frame * m->hop);
  GstClockTime end = gst_nmf_timeline_time (tl, end_sample);
  GstStructure *st;
  GValue energy = G_VALUE_INIT;

  /* a segment in bytes or samples (raw audio without a parser) has no
   * stream or running time to give */
  const gboolean timed = segment->format == GST_FORMAT_TIME;

  if (m->frames == 0)
    return;
  st = gst_structure_new ("nmfseparate",
      "timestamp", G_TYPE_UINT64, ts,
      "stream-time", G_TYPE_UINT64, timed ?
      gst_segment_to_stream_time (segment, GST_FORMAT_TIME, ts) :
      GST_CLOCK_TIME_NONE,
      "running-time", G_TYPE_UINT64, timed ?
      gst_segment_to_running_time (segment, GST_FORMAT_TIME, ts) :
      GST_CLOCK_TIME_NONE,
      "duration", G_TYPE_UINT64, GST_CLOCK_TIME_IS_VALID (ts) ? end - ts :
      GST_CLOCK_TIME_NONE, NULL);
  g_value_init (&energy, GST_TYPE_ARRAY);
  for (guint s = 0; s < m->n_sources; s++) {
    GValue v = double_value (m->energy[s] / m->frames);
    gst_value_array_append_and_take_value (&energy, &v);
  }
  gst_structure_take_value (st, "energy", &energy);
  if (m->with_masks && m->masks) {
    GValue masks = G_VALUE_INIT;
    g_value_init (&masks, GST_TYPE_ARRAY);
    for (guint s = 0; s < m->n_sources; s++) {
      GValue one = float_array (m->masks + (gsize) s * m->bins, m->bins);
      gst_value_array_append_and_take_value (&masks, &one);
    }
    gst_structure_take_value (st, "masks", &masks);
  }
  add_spatial (m, st, tl->rate);
  if (m->add_fields)
    m->add_fields (m->add_fields_data, st);
  m->frames = 0;
  memset (m->energy, 0, sizeof (m->energy));
  /* called from the streaming thread, never under the object lock */
  gst_element_post_message (element,
      gst_message_new_element (GST_OBJECT (element), st));
}

/* Boundary k: the sample k intervals after the anchor (rounded down; the
 * end of the range past it).  Whole intervals of time, not of samples:
 * 1 ms at 44.1 kHz is 44.1 samples, and 44 each gave 1003 messages a
 * second. */
static guint64
boundary_sample (guint64 anchor, guint64 k, guint64 interval, gint rate)
{
  guint64 after;

  if (k > G_MAXUINT64 / interval)
    return G_MAXUINT64;
  after = gst_util_uint64_scale (k * interval, rate, GST_SECOND);
  return after > G_MAXUINT64 - anchor ? G_MAXUINT64 : anchor + after;
}

void
gst_nmf_messages_add_frame (GstNmfMessages * m, GstElement * element,
    const GstNmfTimeline * tl, const GstSegment * segment,
    const nmf_separator * separator, guint64 frame, guint64 frame_end,
    const float *masks, const double *energy)
{
  const guint64 interval = MAX (1, m->interval);

  if (!m->post) {
    /* the interval in progress is dropped: the first message when they
     * are on again starts there, not before the pause */
    gst_nmf_messages_restart (m);
    return;
  }
  if (m->frames == 0)
    m->first_frame = frame;
  /* boundaries are whole intervals from the stream's start, on its
   * samples.  A new interval moves the next one at once (lowered from
   * 10 s, no message came for up to 10 s), counted from the start of the
   * message under way: laid again from the stream's start, the new grid
   * moved by as many small changes as intervals had passed, so that a
   * control curve, which changes the interval at every buffer, made
   * messages of one hop where it asked for 250 ms. */
  if (interval != m->boundary_interval
      || (m->frames == 0 && m->next_boundary <= frame * m->hop)) {
    const guint64 start = m->first_frame * m->hop;
    guint64 k;
    if (m->boundary_interval != 0 && interval != m->boundary_interval)
      m->boundary_anchor = start;
    else if (m->boundary_anchor > start)
      m->boundary_anchor = 0;   /* (a stream counted from 0 again) */
    k = gst_util_uint64_scale (start - m->boundary_anchor, GST_SECOND,
        tl->rate) / interval + 1;
    while (boundary_sample (m->boundary_anchor, k, interval, tl->rate)
        <= start)
      k++;
    while (k > 1 && boundary_sample (m->boundary_anchor, k - 1, interval,
            tl->rate) > start)
      k--;
    m->boundary_k = k;
    m->next_boundary = boundary_sample (m->boundary_anchor, k, interval,
        tl->rate);
    m->boundary_interval = interval;
  }
  for (guint s = 0; s < m->n_sources; s++)
    m->energy[s] += energy[s];
  m->frames++;
  nmf_separator_get_spatial (separator, &m->spatial);
  if (m->with_masks && m->masks)
    memcpy (m->masks, masks, sizeof (float) * m->n_sources * m->bins);
  if (frame_end >= m->next_boundary) {
    gst_nmf_messages_post (m, element, tl, segment, frame_end);
    m->next_boundary = boundary_sample (m->boundary_anchor, ++m->boundary_k,
        interval, tl->rate);
  }
}
