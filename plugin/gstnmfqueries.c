/* GStreamer
 * Copyright (C) 2026 gst-nmf developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */
/* What nmfseparate's pads answer: queries on both sides, and the events
 * that go upstream from the source pads. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstnmfqueries.h"

#include <gst/video/video.h>

GST_DEBUG_CATEGORY_EXTERN (gst_nmf_separate_debug);
#define GST_CAT_DEFAULT gst_nmf_separate_debug

/* what a source pad carries in each output-mode (the template has both) */
static GstStaticCaps audio_caps = GST_STATIC_CAPS (GST_NMF_AUDIO_CAPS);
static GstStaticCaps mask_caps = GST_STATIC_CAPS (GST_NMF_MASK_CAPS);

/* The sink's caps in audio mode: the template's, narrowed by what every
 * source pad's peer takes (each carries the input's caps), as tee does, so
 * that a converter before the element serves a restriction after it.  In
 * mask mode the sources' caps are masks: the template alone. */
static GstCaps *
sink_caps (GstNmfSeparate * self, GstPad * pad,
    GstCaps * filter)
{
  GstCaps *caps = gst_pad_get_pad_template_caps (pad);
  GstPad *srcpads[NMF_SEPARATOR_MAX_SOURCES];
  guint n = 0;

  if (filter) {
    GstCaps *tmp = gst_caps_intersect_full (filter, caps,
        GST_CAPS_INTERSECT_FIRST);
    gst_caps_unref (caps);
    caps = tmp;
  }
  GST_OBJECT_LOCK (self);
  if (self->settings.output_mode == GST_NMF_OUTPUT_MODE_AUDIO)
    for (guint s = 0; s < NMF_SEPARATOR_MAX_SOURCES; s++)
      if (self->requested_of[s])
        srcpads[n++] = gst_object_ref (self->requested_of[s]);
  GST_OBJECT_UNLOCK (self);
  for (guint i = 0; i < n; i++) {
    GstCaps *peer = gst_pad_peer_query_caps (srcpads[i], caps);
    GstCaps *tmp = gst_caps_intersect (caps, peer);
    gst_caps_unref (peer);
    gst_caps_unref (caps);
    caps = tmp;
    gst_object_unref (srcpads[i]);
  }
  return caps;
}

gboolean
gst_nmf_queries_sink (GstPad * pad, GstObject * parent, GstQuery * query)
{
  GstNmfSeparate *self = GST_NMF_SEPARATE (parent);

  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_CAPS:{
      GstCaps *filter, *caps;
      gst_query_parse_caps (query, &filter);
      caps = sink_caps (self, pad, filter);
      gst_query_set_caps_result (query, caps);
      gst_caps_unref (caps);
      return TRUE;
    }
    case GST_QUERY_ACCEPT_CAPS:{
      GstCaps *offered, *caps;
      gst_query_parse_accept_caps (query, &offered);
      caps = sink_caps (self, pad, NULL);
      /* a subset, as the default handler: caps offered are fixed */
      gst_query_set_accept_caps_result (query,
          gst_caps_is_subset (offered, caps));
      gst_caps_unref (caps);
      return TRUE;
    }
    case GST_QUERY_DRAIN:
      /* everything handed to the tasks has been pushed */
      gst_nmf_out_queues_wait_empty (self->queues);
      return TRUE;
    case GST_QUERY_ALLOCATION:
      /* output buffers are our own: nothing to propose upstream */
      return FALSE;
    default:
      return gst_pad_query_default (pad, parent, query);
  }
}

/* A seek goes upstream once: the same seek (seqnum) from the other output
 * pads is answered as the first was (each copy sent on made a flushing
 * seek flush as many times as there are pads, and a non-flushing one
 * replay the audio between them). */
gboolean
gst_nmf_queries_src_event (GstPad * pad, GstObject * parent,
    GstEvent * event)
{
  GstNmfSeparate *self = GST_NMF_SEPARATE (parent);
  guint32 seqnum;
  gboolean again, result;

  if (GST_EVENT_TYPE (event) != GST_EVENT_SEEK)
    return gst_pad_event_default (pad, parent, event);
  seqnum = gst_event_get_seqnum (event);
  GST_OBJECT_LOCK (self);
  again = self->seek_seen && self->seek_seqnum == seqnum;
  result = self->seek_result;
  if (!again) {
    self->seek_seen = TRUE;
    self->seek_seqnum = seqnum;
    /* a copy that comes while this one is on its way counts it done */
    self->seek_result = TRUE;
  }
  GST_OBJECT_UNLOCK (self);
  if (again) {
    GST_DEBUG_OBJECT (pad, "seek %u already sent upstream", seqnum);
    gst_event_unref (event);
    return result;
  }
  result = gst_pad_push_event (self->sinkpad, event);
  GST_OBJECT_LOCK (self);
  if (self->seek_seqnum == seqnum)
    self->seek_result = result;
  GST_OBJECT_UNLOCK (self);
  return result;
}

/* A source pad's caps: those it carries, or before a stream the
 * output-mode's part of the template, so that a mask pad linked to an
 * audio element (or an audio pad to a mask consumer) fails at link time,
 * not as not-negotiated once data flows. */
static GstCaps *
source_pad_caps (GstNmfSeparate * self, GstPad * pad,
    GstCaps * filter)
{
  GstCaps *caps = gst_pad_get_current_caps (pad);

  if (!caps) {
    gboolean audio;
    GST_OBJECT_LOCK (self);
    audio = self->settings.output_mode == GST_NMF_OUTPUT_MODE_AUDIO;
    GST_OBJECT_UNLOCK (self);
    caps = gst_static_caps_get (audio ? &audio_caps : &mask_caps);
  }
  if (filter) {
    GstCaps *tmp = gst_caps_intersect_full (filter, caps,
        GST_CAPS_INTERSECT_FIRST);
    gst_caps_unref (caps);
    caps = tmp;
  }
  return caps;
}

/* Where a source pad's output stands, in stream time: the end of the last
 * buffer it pushed (in reverse its start) in the segment it pushed, or
 * that segment's start before any.  Upstream's position is ahead of it by
 * all the element holds (the look-ahead, the pad's queue: 9 s with the
 * file profile), so it is not forwarded; queue likewise answers upstream's
 * less what it holds.  Samples and bytes (frames and bytes on the picture
 * pad) are that time in the pad's caps; other formats are refused.
 * Before the pad has a segment (the stream has not started, or a flush
 * left nothing), upstream's, as before. */
static gboolean
src_position (GstNmfSeparate * self, GstPad * pad,
    GstQuery * query)
{
  GstEvent *event = gst_pad_get_sticky_event (pad, GST_EVENT_SEGMENT, 0);
  const GstSegment *segment;
  GstClockTime start, end, reached;
  guint64 stream_time;
  GstFormat format;
  gint64 position;
  gboolean converted = FALSE;
  GstCaps *caps;

  if (!event)
    return gst_pad_query_default (pad, GST_OBJECT_CAST (self), query);
  gst_event_parse_segment (event, &segment);
  if (segment->format != GST_FORMAT_TIME) {
    gst_event_unref (event);
    return FALSE;
  }
  if (gst_nmf_out_queues_pushed (self->queues, pad, &start, &end))
    reached = segment->rate < 0 ? start : end;
  else
    reached = segment->rate < 0 ? segment->stop : segment->start;
  stream_time = gst_segment_to_stream_time (segment, GST_FORMAT_TIME,
      reached);
  gst_event_unref (event);
  if (!GST_CLOCK_TIME_IS_VALID (stream_time))
    return FALSE;
  gst_query_parse_position (query, &format, NULL);
  if (format == GST_FORMAT_TIME) {
    gst_query_set_position (query, format, (gint64) stream_time);
    return TRUE;
  }
  if ((format != GST_FORMAT_DEFAULT && format != GST_FORMAT_BYTES)
      || !(caps = gst_pad_get_current_caps (pad)))
    return FALSE;
  if (g_str_has_prefix (GST_PAD_NAME (pad), "src_")) {
    GstAudioInfo info;
    converted = gst_audio_info_from_caps (&info, caps)
        && gst_audio_info_convert (&info, GST_FORMAT_TIME,
        (gint64) stream_time, format, &position);
  } else {
    GstVideoInfo info;
    converted = gst_video_info_from_caps (&info, caps)
        && gst_video_info_convert (&info, GST_FORMAT_TIME,
        (gint64) stream_time, format, &position);
  }
  gst_caps_unref (caps);
  if (converted)
    gst_query_set_position (query, format, position);
  return converted;
}

gboolean
gst_nmf_queries_src (GstPad * pad, GstObject * parent, GstQuery * query)
{
  GstNmfSeparate *self = GST_NMF_SEPARATE (parent);

  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_CAPS:{
      GstCaps *filter, *caps;
      /* (the picture pad negotiates as its template says) */
      if (!g_str_has_prefix (GST_PAD_NAME (pad), "src_"))
        return gst_pad_query_default (pad, parent, query);
      gst_query_parse_caps (query, &filter);
      caps = source_pad_caps (self, pad, filter);
      gst_query_set_caps_result (query, caps);
      gst_caps_unref (caps);
      return TRUE;
    }
    case GST_QUERY_POSITION:
      return src_position (self, pad, query);
    case GST_QUERY_LATENCY:{
      gboolean live;
      GstClockTime min, max, own;
      if (!gst_pad_peer_query (self->sinkpad, query))
        return FALSE;
      gst_query_parse_latency (query, &live, &min, &max);
      GST_OBJECT_LOCK (self);
      own = self->latency;
      GST_OBJECT_UNLOCK (self);
      GST_DEBUG_OBJECT (self, "upstream latency %" GST_TIME_FORMAT
          ", own %" GST_TIME_FORMAT, GST_TIME_ARGS (min), GST_TIME_ARGS (own));
      min += own;
      if (GST_CLOCK_TIME_IS_VALID (max))
        max += own;
      gst_query_set_latency (query, live, min, max);
      return TRUE;
    }
    default:
      return gst_pad_query_default (pad, parent, query);
  }
}
