/* GStreamer
 * Copyright (C) 2026 gst-nmf developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */
#ifndef __GST_NMF_MESSAGES_H__
#define __GST_NMF_MESSAGES_H__

#include <gst/gst.h>

#include <nmf/separator.h>

#include "gstnmftimeline.h"

G_BEGIN_DECLS

/* The element messages "nmfseparate", posted as spectrum and level post
 * theirs: one per interval of the stream, the interval boundaries on the
 * sample timeline so that they never drift, the last partial interval at
 * the end of the stream.  Streaming thread only. */
typedef struct
{
  /* the properties, read between two buffers */
  gboolean post;
  guint64 interval;             /* ns */
  gboolean with_masks;

  /* the separator's shape */
  guint n_sources;
  gsize bins;
  guint64 hop;

  /* the interval being accumulated */
  guint64 first_frame;
  guint64 frames;               /* (hop-size=1 makes 2^32 in 27 h) */
  guint64 next_boundary;        /* sample where the interval ends */
  guint64 boundary_anchor;      /* sample the boundaries count from: the
                                 * stream's start, or where the interval
                                 * last changed */
  guint64 boundary_k;           /* it is the k-th interval's end */
  guint64 boundary_interval;    /* the interval (ns) it was set by, 0
                                 * before the first */
  gdouble energy[NMF_SEPARATOR_MAX_SOURCES];
  gfloat *masks;                /* sources x bins: the last frame's masks */
  nmf_separator_spatial spatial;        /* the last frame's spatial state */

  /* the element's own fields (enrolment, position), added to every
   * message posted */
  void (*add_fields) (gpointer data, GstStructure * st);
  gpointer add_fields_data;
} GstNmfMessages;

void gst_nmf_messages_init (GstNmfMessages * m);
void gst_nmf_messages_clear (GstNmfMessages * m);

/* A new separator: n_sources masks of `bins` values per frame of `hop`
 * samples. */
void gst_nmf_messages_configure (GstNmfMessages * m, guint n_sources,
    gsize bins, guint64 hop);
/* A new stream: no interval under way. */
void gst_nmf_messages_restart (GstNmfMessages * m);

/* One frame of the separator (its frame observer): accumulated, and the
 * interval posted when the frame reaches its end.  The separator's spatial
 * state is read with the frame, so that the interval's message describes
 * it even when posted after the end of the stream reset the separator. */
void gst_nmf_messages_add_frame (GstNmfMessages * m, GstElement * element,
    const GstNmfTimeline * tl, const GstSegment * segment,
    const nmf_separator * separator, guint64 frame, guint64 frame_end,
    const float *masks, const double *energy);
/* Posts the interval under way, ending at input sample end_sample (the end
 * of the stream). */
void gst_nmf_messages_post (GstNmfMessages * m, GstElement * element,
    const GstNmfTimeline * tl, const GstSegment * segment,
    guint64 end_sample);

G_END_DECLS
#endif /* __GST_NMF_MESSAGES_H__ */
