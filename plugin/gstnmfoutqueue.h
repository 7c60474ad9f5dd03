/* GStreamer
 * Copyright (C) 2026 gst-nmf developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */
#ifndef __GST_NMF_OUT_QUEUE_H__
#define __GST_NMF_OUT_QUEUE_H__

#include <gst/gst.h>

G_BEGIN_DECLS

/* The output pads of an element, each pushing from its own task fed by a
 * bounded queue, so that one blocked branch (a sink waiting for preroll)
 * cannot stall the others and the pipeline needs no queue element after
 * them.  The flows of the pads' pushes are combined as deinterleave
 * combines them (NOT_LINKED only when every pad is unlinked).
 *
 * A pad is attached (its queue and task) by the application thread that
 * requests it, and added to the set, or removed from it, only by a thread
 * holding the sink pad's stream lock (the streaming thread, between
 * items), so that the streaming thread never sees the set change while it
 * goes through it.  What reads the set from another thread (FLUSH_START
 * from the thread that seeks, an event that is not serialized) copies it
 * under the set's lock. */
typedef struct _GstNmfOutQueues GstNmfOutQueues;

GstNmfOutQueues *gst_nmf_out_queues_new (void);
void gst_nmf_out_queues_free (GstNmfOutQueues * queues);

/* Gives pad its queue: its activate-mode function starts and stops its
 * task.  Call before adding the pad to its element. */
void gst_nmf_out_queues_attach (GstNmfOutQueues * queues, GstPad * pad);
/* At most `items` (at least 1; 64 by default) wait in the pad's queue,
 * and buffers of at most 1 s of stream time in all (one at least). */
void gst_nmf_out_queues_set_limit (GstNmfOutQueues * queues, GstPad * pad,
    guint items);
/* The buffers waiting in the pad's queue hold at most `bytes` (0, the
 * default: no bound but the items'): a buffer that would take them beyond
 * drops the oldest waiting buffer (or more) instead of waiting for room, as
 * queue leaky=downstream does; one waits at least.  For a pad whose newest
 * buffer stands for those before it (the pictures), never for audio. */
void gst_nmf_out_queues_set_byte_limit (GstNmfOutQueues * queues,
    GstPad * pad, gsize bytes);
/* Takes an attached pad into the set (stream lock held). */
void gst_nmf_out_queues_add_pad (GstNmfOutQueues * queues, GstPad * pad);
void gst_nmf_out_queues_set_flushing (GstNmfOutQueues * queues, GstPad * pad,
    gboolean flushing);
/* The pad is going (any thread): its queue is emptied and closed for good,
 * a streaming thread waiting for room there goes on, and what comes for it
 * from now on is dropped as if it had been taken; its flow no longer
 * counts, and events skip it.  Then deactivate it (its task stops), and
 * remove it from the set (stream lock held). */
void gst_nmf_out_queues_release (GstNmfOutQueues * queues, GstPad * pad);
/* Out of the set (stream lock held); the flow is combined again over the
 * pads left. */
void gst_nmf_out_queues_remove_pad (GstNmfOutQueues * queues, GstPad * pad);

/* Whether the pad has joined the stream (set by whoever admits it). */
void gst_nmf_out_queues_set_joined (GstPad * pad);
gboolean gst_nmf_out_queues_joined (GstPad * pad);

/* The timestamps of the last buffer the pad pushed and its peer took
 * (end: start plus duration) since it last flushed or was activated;
 * FALSE when none. */
gboolean gst_nmf_out_queues_pushed (GstNmfOutQueues * queues, GstPad * pad,
    GstClockTime * start, GstClockTime * end);

guint gst_nmf_out_queues_n_pads (GstNmfOutQueues * queues);
GstPad *gst_nmf_out_queues_pad (GstNmfOutQueues * queues, guint i);

/* Hands a buffer or a serialized event to the pad's task; blocks while its
 * queue is full (with a byte limit, a buffer first drops the oldest ones
 * beyond it).  FALSE (the item dropped) when the pad is flushing. */
gboolean gst_nmf_out_queues_push (GstNmfOutQueues * queues, GstPad * pad,
    GstMiniObject * item);
/* Queues a buffer; the flow combined over every pad's latest push, or
 * FLUSHING when this pad flushes. */
GstFlowReturn gst_nmf_out_queues_push_buffer (GstNmfOutQueues * queues,
    GstPad * pad, GstBuffer * buffer);

/* An event for every pad (except skip, if not NULL): serialized events in
 * order with the data, the others at once.  Takes the event. */
gboolean gst_nmf_out_queues_push_event (GstNmfOutQueues * queues,
    GstEvent * event, GstPad * skip);

/* FLUSH_START: sent downstream first, then every queue emptied and every
 * task paused, which releases a streaming thread waiting for room.
 * FLUSH_STOP: the flows forgotten, the queues open again, the event sent
 * downstream, the tasks restarted.  Both take the event. */
void gst_nmf_out_queues_flush_start (GstNmfOutQueues * queues,
    GstEvent * event);
void gst_nmf_out_queues_flush_stop (GstNmfOutQueues * queues,
    GstEvent * event);

/* Forgets the flows of earlier pushes (a new run of the element, a
 * flush). */
void gst_nmf_out_queues_reset_flow (GstNmfOutQueues * queues);
/* The stream upstream has ended (EOS in; FALSE: a new one started): from
 * now on no chain function hands the pads' flows back upstream, so a
 * fatal one (not-negotiated, an error, not linked anywhere) met by a
 * pad's task is posted by that task as an error, once.  Returns such a
 * flow met before and never handed upstream (GST_FLOW_OK if none), for
 * the caller to post. */
GstFlowReturn gst_nmf_out_queues_set_ended (GstNmfOutQueues * queues,
    gboolean ended);

/* Returns once every queue is empty and every task idle (DRAIN). */
void gst_nmf_out_queues_wait_empty (GstNmfOutQueues * queues);

G_END_DECLS
#endif /* __GST_NMF_OUT_QUEUE_H__ */
