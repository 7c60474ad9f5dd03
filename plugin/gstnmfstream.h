/* GStreamer
 * Copyright (C) 2026 gst-nmf developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */
#ifndef __GST_NMF_STREAM_H__
#define __GST_NMF_STREAM_H__

#include "gstnmfseparate.h"

G_BEGIN_DECLS

/* The stream through nmfseparate's separator, in its streaming thread:
 * caps make the separator, buffers go through it, what it gives back goes
 * out of the source pads stamped on the sample timeline, and the end of a
 * stream drains it. */

/* (The separator itself is made for new caps by gstnmfcaps.h.) */

/* One input buffer (taken): the controlled properties synced to its
 * stream time, the live-tunable settings handed to the core if they
 * changed, a discontinuity drained, the buffer separated. */
GstFlowReturn gst_nmf_stream_chain (GstNmfSeparate * self, GstBuffer * buffer);
/* A GAP event, separated as silence of its duration. */
void gst_nmf_stream_fill_gap (GstNmfSeparate * self, GstEvent * event);
/* Emits everything held so far (the end of a stream or a segment), then
 * starts a new stream; the learned templates stay. */
/* Whether input of the current stream is held (a segment that follows a
 * flush finds none). */
gboolean gst_nmf_stream_holds_input (GstNmfSeparate * self);
/* After a flush: the held sticky events (tags, a TOC) go on, the others
 * (a gap) are dropped with the audio they went with. */
void gst_nmf_stream_release_sticky (GstNmfSeparate * self);
/* An event that describes the stream (a tag, a TOC): it goes on once the output
 * has reached the input sample it came before (at once when nothing is
 * held).  Takes the event. */
void gst_nmf_stream_queue_event (GstNmfSeparate * self, GstEvent * event);
GstFlowReturn gst_nmf_stream_drain (GstNmfSeparate * self);
/* A flush: what is held is dropped. */
void gst_nmf_stream_flush (GstNmfSeparate * self);
/* enrol-source as it is now, to the enrolment (stream lock held). */
void gst_nmf_stream_apply_enrol (GstNmfSeparate * self);
/* The element stops: no separator, no stream. */
void gst_nmf_stream_stop (GstNmfSeparate * self);

/* STREAM_START (taken): one of its own for each output pad. */
/* A source pad's stream-start for the stream that `upstream` (the
 * sink pad's) starts: its own id, upstream's group and flags. */
GstEvent *gst_nmf_stream_pad_stream_start (GstNmfSeparate * self,
    GstPad * pad, GstEvent * upstream);
void gst_nmf_stream_push_stream_start (GstNmfSeparate * self,
    GstEvent * event);

/* The counters of the separator in force said on the bus and in the log
 * (at most once a second of input; end: everything left). */
void gst_nmf_stream_report_stats (GstNmfSeparate * self, gboolean end);
/* The separator's frame observer (streaming thread): each frame to the
 * messages and the picture. */
void gst_nmf_stream_on_frame (void *user_data, uint64_t frame,
    const float *magnitude, const float *masks, const double *energy);

G_END_DECLS
#endif /* __GST_NMF_STREAM_H__ */
