/* GStreamer
 * Copyright (C) 2026 gst-nmf developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */
#ifndef __GST_NMF_PICTURE_H__
#define __GST_NMF_PICTURE_H__

#include <gst/gst.h>
#include <gst/video/video.h>

#include "gstnmfoutqueue.h"
#include "gstnmftimeline.h"
#include "gstnmfviz.h"

G_BEGIN_DECLS

/* The picture request pad `viz`: its format, its renderer, its video
 * timeline.  Scrolling at the negotiated framerate, or with framerate
 * 0/1 one still picture of the whole stream at its end. */
typedef struct
{
  GstPad *pad;                  /* the request pad, or NULL */
  GstNmfViz *viz;               /* NULL until negotiated */
  GstBufferPool *pool;          /* the pictures' buffers, with viz */
  GstVideoInfo info;
  guint64 next;                 /* next video frame of this stream */
  guint64 still_from;           /* the input sample a still picture starts
                                 * at: 0, or where the pad turned still */
  /* where the audio drawn so far ends (NONE: nothing drawn), and whether
   * it played backwards: a new stream that does not go on from there
   * starts a scrolling picture afresh */
  GstClockTime drawn_end;
  gboolean reverse;
  gboolean joined;              /* the pad joined the stream: its first
                                 * picture is the one the audio is in */
  /* requested mid-stream before it was linked: its format is chosen when
   * it is linked, from what is downstream then */
  gboolean pending;
  const GstSegment *segment;
  /* the stream's shape, for that choice and for a renegotiation when
   * downstream sends RECONFIGURE */
  GstElement *element;
  gint rate;
  gsize bins;
  guint n_sources;
} GstNmfPicture;

/* Picks the format from what downstream takes (640x360 RGBA at 30 fps
 * unless told otherwise), makes the renderer for the separator's shape and
 * queues the caps.  A RECONFIGURE from downstream later picks it again
 * before the next frame is drawn (gst_nmf_picture_add_frame).  When
 * downstream takes none of the pad's formats, posts a not-negotiated error
 * (a pipeline would otherwise wait for a picture that never comes) and
 * returns FALSE. */
gboolean gst_nmf_picture_negotiate (GstNmfPicture * p, GstElement * element,
    GstNmfOutQueues * queues, gint rate, gsize bins, guint n_sources);
/* The pad joins a stream under way but is not linked yet: the format is
 * chosen (and the caps and segment queued) at the first frame after it is
 * linked, by gst_nmf_picture_add_frame. */
/* The deferred pad, until its caps are queued (NULL otherwise): a
 * segment meanwhile is not for it (it would come before its caps; its
 * negotiation queues the segment then in force). */
GstPad *gst_nmf_picture_deferred_pad (const GstNmfPicture * p);
void gst_nmf_picture_defer (GstNmfPicture * p, GstElement * element,
    const GstSegment * segment, gint rate, gsize bins, guint n_sources);
/* The pad joined the stream (at its start or under way, linked or not):
 * its first picture is the one the next frame's audio is in, not every
 * picture since the stream's start. */
void gst_nmf_picture_joined (GstNmfPicture * p);
/* Forgets the renderer (the stream ends, the pad goes). */
void gst_nmf_picture_reset (GstNmfPicture * p);

/* A flush: what is drawn is of a timeline that is no more (a flushing
 * seek), so the picture starts afresh. */
void gst_nmf_picture_flush (GstNmfPicture * p);
/* A new stream starting at `start`: video frames count from it; a still
 * picture starts afresh (its sink is let preroll with a gap meanwhile); a
 * scrolling one goes on, across a jump forward (a live source's dropout) with
 * the missing time drawn as silence (a column every `hop` input samples),
 * and starts afresh at a jump back. */
void gst_nmf_picture_restart (GstNmfPicture * p, GstNmfOutQueues * queues,
    GstClockTime start, guint hop);
/* One frame of the separator, adding the input samples frame_start to
 * frame_end: drawn, and every video frame whose time the audio has
 * reached pushed. */
void gst_nmf_picture_add_frame (GstNmfPicture * p, GstNmfOutQueues * queues,
    const GstNmfTimeline * tl, guint64 frame_start, guint64 frame_end,
    const float *magnitude, const float *masks);
/* The end of a stream of `samples`: the still picture, if that is what the
 * pad gives (of that stream alone: gst_nmf_picture_restart clears it). */
void gst_nmf_picture_push_still (GstNmfPicture * p, GstNmfOutQueues * queues,
    const GstNmfTimeline * tl, guint64 samples);

G_END_DECLS
#endif /* __GST_NMF_PICTURE_H__ */
