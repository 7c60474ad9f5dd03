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

#include "gstnmfoutqueue.h"

#include <gst/base/gstflowcombiner.h>

GST_DEBUG_CATEGORY_EXTERN (gst_nmf_separate_debug);
#define GST_CAT_DEFAULT gst_nmf_separate_debug

/* Enough to keep every branch busy, small enough to bound memory. */
#define MAX_QUEUED_ITEMS 64
/* and at most this much stream time, as `queue` holds 1 s: bounded in
 * items alone, a pad of large buffers (4608 samples from a decoder) let
 * the element run 6 s ahead of what its sink played, and a player's
 * track switch or seek near the end waited that long */
#define MAX_QUEUED_TIME GST_SECOND

struct _GstNmfOutQueues
{
  GMutex lock;
  GCond cond;
  GPtrArray *pads;              /* in the order they were added */
  GstFlowCombiner *combiner;    /* under lock */
  GstFlowReturn combined;       /* under lock */
  /* under lock: the stream upstream has ended (its EOS came in), so no
   * chain function hands a flow back to it any more; and a fatal combined
   * flow has been said, handed upstream (which posts it) or posted */
  gboolean ended;
  gboolean said;
};

/* A flow that stops the stream and that nobody downstream has posted (as
 * queue judges it): not-negotiated, an error, or not linked anywhere. */
static gboolean
flow_is_fatal (GstFlowReturn ret)
{
  return ret == GST_FLOW_NOT_LINKED || ret < GST_FLOW_EOS;
}

/* Under lock: a fatal combined flow that upstream, having ended, will not
 * be handed and that nobody has said yet: marked said and returned, for
 * the caller to post (GST_FLOW_OK: none). */
static GstFlowReturn
take_unsaid_flow (GstNmfOutQueues * queues)
{
  if (!queues->ended || queues->said || !flow_is_fatal (queues->combined))
    return GST_FLOW_OK;
  queues->said = TRUE;
  return queues->combined;
}

/* The queue between the streaming thread and one pad's task. */
typedef struct
{
  GstNmfOutQueues *owner;
  GQueue items;                 /* GstBuffer and serialized GstEvent */
  gboolean flushing;
  gboolean released;            /* the pad is going: what comes is dropped
                                 * as if it were taken */
  gboolean busy;                /* the task is pushing an item */
  gint joined;                  /* atomic: the pad is in the stream */
  gboolean eos_pending;         /* its EOS did not get through a link to a
                                 * sink not started yet: tried again */
  guint limit;                  /* items it holds at most */
  gsize bytes;                  /* of the buffers it holds */
  GstClockTime time;            /* the durations of the buffers it holds */
  gsize byte_limit;             /* beyond it the oldest buffer goes (0: none) */
  guint64 dropped;              /* buffers dropped for it */
  /* the last buffer pushed (and taken) since the pad last flushed or was
   * activated: where its output stands (NONE: none) */
  GstClockTime pushed_start, pushed_end;
} OutQueue;

static OutQueue *
out_queue (GstPad * pad)
{
  return gst_pad_get_element_private (pad);
}

/* The next item (NULL: none), its bytes no longer counted. */
static GstClockTime
buffer_duration (GstMiniObject * item)
{
  return GST_IS_BUFFER (item)
      && GST_BUFFER_DURATION_IS_VALID (GST_BUFFER_CAST (item)) ?
      GST_BUFFER_DURATION (GST_BUFFER_CAST (item)) : 0;
}

static GstMiniObject *
out_queue_pop (OutQueue * q)
{
  GstMiniObject *item = g_queue_pop_head (&q->items);

  if (item && GST_IS_BUFFER (item)) {
    q->bytes -= gst_buffer_get_size (GST_BUFFER_CAST (item));
    q->time -= buffer_duration (item);
  }
  return item;
}

static void
out_queue_clear (OutQueue * q)
{
  GstMiniObject *item;

  while ((item = out_queue_pop (q)))
    gst_mini_object_unref (item);
}

/* Under lock: the oldest buffer waiting dropped (the events around it
 * stay, in order); FALSE when none waits. */
static gboolean
out_queue_drop_oldest_buffer (OutQueue * q)
{
  for (GList * l = q->items.head; l; l = l->next) {
    if (!GST_IS_BUFFER (l->data))
      continue;
    q->bytes -= gst_buffer_get_size (GST_BUFFER_CAST (l->data));
    q->time -= buffer_duration (l->data);
    q->dropped++;
    gst_mini_object_unref (l->data);
    g_queue_delete_link (&q->items, l);
    return TRUE;
  }
  return FALSE;
}

static void
out_queue_free (gpointer data)
{
  OutQueue *q = data;

  out_queue_clear (q);
  g_free (q);
}

static gboolean
is_released (GstNmfOutQueues * queues, GstPad * pad)
{
  gboolean released;

  g_mutex_lock (&queues->lock);
  released = out_queue (pad)->released;
  g_mutex_unlock (&queues->lock);
  return released;
}

GstNmfOutQueues *
gst_nmf_out_queues_new (void)
{
  GstNmfOutQueues *queues = g_new0 (GstNmfOutQueues, 1);

  g_mutex_init (&queues->lock);
  g_cond_init (&queues->cond);
  queues->pads = g_ptr_array_new ();
  queues->combiner = gst_flow_combiner_new ();
  queues->combined = GST_FLOW_OK;
  return queues;
}

void
gst_nmf_out_queues_free (GstNmfOutQueues * queues)
{
  gst_flow_combiner_free (queues->combiner);
  g_ptr_array_free (queues->pads, TRUE);
  g_mutex_clear (&queues->lock);
  g_cond_clear (&queues->cond);
  g_free (queues);
}

guint
gst_nmf_out_queues_n_pads (GstNmfOutQueues * queues)
{
  return queues->pads->len;
}

GstPad *
gst_nmf_out_queues_pad (GstNmfOutQueues * queues, guint i)
{
  return g_ptr_array_index (queues->pads, i);
}

gboolean
gst_nmf_out_queues_push (GstNmfOutQueues * queues, GstPad * pad,
    GstMiniObject * item)
{
  OutQueue *q = out_queue (pad);
  const gsize size = GST_IS_BUFFER (item) ?
      gst_buffer_get_size (GST_BUFFER_CAST (item)) : 0;

  g_mutex_lock (&queues->lock);
  /* bounded in bytes: the oldest buffers make room, so that the streaming
   * thread does not wait for a sink that takes none (one at least waits,
   * however big) */
  while (q->byte_limit > 0 && size > 0 && q->bytes + size > q->byte_limit
      && out_queue_drop_oldest_buffer (q))
    GST_LOG_OBJECT (pad, "%" G_GSIZE_FORMAT " bytes waiting: the oldest "
        "buffer dropped (%" G_GUINT64_FORMAT " so far)", q->bytes,
        q->dropped);
  while ((q->items.length >= q->limit || q->time >= MAX_QUEUED_TIME)
      && !q->flushing)
    g_cond_wait (&queues->cond, &queues->lock);
  if (q->flushing) {
    const gboolean released = q->released;
    g_mutex_unlock (&queues->lock);
    gst_mini_object_unref (item);
    /* a pad being released is not a flush of the stream: the other pads
     * go on (upstream stopped, "flushing", when one was released) */
    return released;
  }
  g_queue_push_tail (&q->items, item);
  q->bytes += size;
  q->time += buffer_duration (item);
  g_cond_broadcast (&queues->cond);
  g_mutex_unlock (&queues->lock);
  return TRUE;
}

GstFlowReturn
gst_nmf_out_queues_push_buffer (GstNmfOutQueues * queues, GstPad * pad,
    GstBuffer * buffer)
{
  GstFlowReturn ret;

  if (!gst_nmf_out_queues_push (queues, pad, GST_MINI_OBJECT_CAST (buffer)))
    return GST_FLOW_FLUSHING;
  g_mutex_lock (&queues->lock);
  ret = queues->combined;
  /* (a chain function returns it; a drain at EOS returns to nobody) */
  if (!queues->ended && flow_is_fatal (ret))
    queues->said = TRUE;
  g_mutex_unlock (&queues->lock);
  return ret;
}

/* The set as it is now, each pad held (a thread other than the streaming
 * thread may go through it while a request changes it). */
static GPtrArray *
snapshot (GstNmfOutQueues * queues)
{
  GPtrArray *pads = g_ptr_array_new_with_free_func (gst_object_unref);

  g_mutex_lock (&queues->lock);
  for (guint i = 0; i < queues->pads->len; i++)
    g_ptr_array_add (pads, gst_object_ref (g_ptr_array_index (queues->pads,
                i)));
  g_mutex_unlock (&queues->lock);
  return pads;
}

gboolean
gst_nmf_out_queues_push_event (GstNmfOutQueues * queues, GstEvent * event,
    GstPad * skip)
{
  GPtrArray *pads = snapshot (queues);
  gboolean ok = TRUE;

  for (guint i = 0; i < pads->len; i++) {
    GstPad *pad = g_ptr_array_index (pads, i);
    if (pad == skip || is_released (queues, pad))
      continue;
    if (GST_EVENT_IS_SERIALIZED (event))
      ok &= gst_nmf_out_queues_push (queues, pad,
          GST_MINI_OBJECT_CAST (gst_event_ref (event)));
    else
      ok &= gst_pad_push_event (pad, gst_event_ref (event));
  }
  g_ptr_array_unref (pads);
  gst_event_unref (event);
  return ok;
}

static gboolean
send_to_peer (GstPad * pad, GstEvent ** event, gpointer peer)
{
  (void) pad;
  return gst_pad_send_event (GST_PAD (peer), gst_event_ref (*event));
}

/* The pad is at EOS (its sticky EOS stored when the push failed, so it
 * takes no event any more): what it holds, stream-start to EOS, sent to
 * its peer as the pad would have on the next event; TRUE when all got
 * through. */
static gboolean
resend_sticky (GstPad * pad)
{
  GstPad *peer = gst_pad_get_peer (pad);
  gboolean sent = FALSE;

  if (peer) {
    gst_pad_sticky_events_foreach (pad, (GstPadStickyEventsForeachFunction)
        send_to_peer, peer);
    /* (foreach stops at the first event refused: the EOS last) */
    sent = GST_PAD_IS_EOS (peer);
    gst_object_unref (peer);
  }
  return sent;
}

/* A pad's task: pushes the items of its queue, one per iteration. */
static void
gst_nmf_out_queues_loop (GstPad * pad)
{
  /* the parent is kept alive while an item is pushed */
  GstObject *parent = gst_pad_get_parent (pad);
  OutQueue *q = out_queue (pad);
  GstNmfOutQueues *queues = q->owner;
  GstMiniObject *item;

  if (!parent) {
    gst_pad_pause_task (pad);
    return;
  }
  g_mutex_lock (&queues->lock);
  while (g_queue_is_empty (&q->items) && !q->flushing) {
    if (!q->eos_pending) {
      g_cond_wait (&queues->cond, &queues->lock);
      continue;
    }
    /* the peer of a pad linked after the stream ended may start a moment
     * after the link (gst_element_sync_state_with_parent after
     * gst_pad_link): the EOS, and the sticky events before it, go again
     * every 100 ms until they get through */
    if (!g_cond_wait_until (&queues->cond, &queues->lock,
            g_get_monotonic_time () + 100 * G_TIME_SPAN_MILLISECOND)
        && g_queue_is_empty (&q->items) && !q->flushing) {
      g_mutex_unlock (&queues->lock);
      const gboolean sent = resend_sticky (pad);
      g_mutex_lock (&queues->lock);
      q->eos_pending = !sent && gst_pad_is_linked (pad);
    }
  }
  if (q->flushing) {
    g_mutex_unlock (&queues->lock);
    gst_pad_pause_task (pad);
    gst_object_unref (parent);
    return;
  }
  item = out_queue_pop (q);
  q->busy = TRUE;
  g_cond_broadcast (&queues->cond);
  g_mutex_unlock (&queues->lock);

  if (GST_IS_BUFFER (item)) {
    const GstClockTime start = GST_BUFFER_PTS (item);
    const GstClockTime end = GST_CLOCK_TIME_IS_VALID (start)
        && GST_BUFFER_DURATION_IS_VALID (item) ?
        start + GST_BUFFER_DURATION (item) : start;
    GstFlowReturn ret = gst_pad_push (pad, GST_BUFFER_CAST (item));
    /* the branch was taken down during the push (unlinked, its sink shut,
     * as for a pad about to be released while PAUSED): not a flush of the
     * stream, which would stop upstream */
    if (ret == GST_FLOW_FLUSHING && !gst_pad_is_linked (pad))
      ret = GST_FLOW_NOT_LINKED;
    GstFlowReturn unsaid;
    g_mutex_lock (&queues->lock);
    /* a pad being released no longer counts (its branch is being taken
     * down: "flushing" there is not the stream's) */
    if (!q->released)
      queues->combined =
          gst_flow_combiner_update_pad_flow (queues->combiner, pad, ret);
    if (ret == GST_FLOW_OK && GST_CLOCK_TIME_IS_VALID (start)
        && !q->flushing) {
      q->pushed_start = start;
      q->pushed_end = end;
    }
    unsaid = take_unsaid_flow (queues);
    g_mutex_unlock (&queues->lock);
    if (ret != GST_FLOW_OK)
      GST_LOG_OBJECT (pad, "push returned %s", gst_flow_get_name (ret));
    /* upstream has ended and will not hear of it: said here, as queue
     * does after its EOS (the EOS queued behind still goes out) */
    if (unsaid != GST_FLOW_OK)
      GST_ELEMENT_FLOW_ERROR (GST_ELEMENT_CAST (parent), unsaid);
  } else {
    const gboolean eos = GST_EVENT_TYPE (item) == GST_EVENT_EOS;
    const gboolean sent = gst_pad_push_event (pad, GST_EVENT_CAST (item));
    g_mutex_lock (&queues->lock);
    q->eos_pending = eos && !sent && gst_pad_is_linked (pad);
    g_mutex_unlock (&queues->lock);
  }

  g_mutex_lock (&queues->lock);
  q->busy = FALSE;
  g_cond_broadcast (&queues->cond);
  g_mutex_unlock (&queues->lock);
  gst_object_unref (parent);
}

void
gst_nmf_out_queues_set_flushing (GstNmfOutQueues * queues, GstPad * pad,
    gboolean flushing)
{
  OutQueue *q = out_queue (pad);

  g_mutex_lock (&queues->lock);
  /* a released pad's queue stays closed */
  q->flushing = flushing || q->released;
  q->eos_pending = FALSE;
  /* the stream starts again from the next buffer (a seek's) */
  q->pushed_start = q->pushed_end = GST_CLOCK_TIME_NONE;
  if (q->flushing && !q->released) {
    /* the sticky events among what is dropped (a tag) still hold: kept on
     * the pad, they go out before its next data, as a queue does */
    GstMiniObject *item;
    while ((item = out_queue_pop (q))) {
      if (GST_IS_EVENT (item) && GST_EVENT_IS_STICKY (item)
          && GST_EVENT_TYPE (item) != GST_EVENT_SEGMENT
          && GST_EVENT_TYPE (item) != GST_EVENT_EOS)
        gst_pad_store_sticky_event (pad, GST_EVENT_CAST (item));
      gst_mini_object_unref (item);
    }
  } else if (q->flushing) {
    out_queue_clear (q);
  }
  g_cond_broadcast (&queues->cond);
  g_mutex_unlock (&queues->lock);
}

static gboolean
gst_nmf_out_queues_start_task (GstPad * pad)
{
  return gst_pad_start_task (pad, (GstTaskFunction) gst_nmf_out_queues_loop,
      pad, NULL);
}

static gboolean
gst_nmf_out_queues_activate_mode (GstPad * pad,
    G_GNUC_UNUSED GstObject * parent, GstPadMode mode, gboolean active)
{
  GstNmfOutQueues *queues = out_queue (pad)->owner;

  if (mode != GST_PAD_MODE_PUSH)
    return FALSE;
  if (active) {
    gst_nmf_out_queues_set_flushing (queues, pad, FALSE);
    return gst_nmf_out_queues_start_task (pad);
  }
  gst_nmf_out_queues_set_flushing (queues, pad, TRUE);
  return gst_pad_stop_task (pad);
}

void
gst_nmf_out_queues_attach (GstNmfOutQueues * queues, GstPad * pad)
{
  OutQueue *q = g_new0 (OutQueue, 1);

  q->owner = queues;
  q->limit = MAX_QUEUED_ITEMS;
  gst_pad_set_activatemode_function (pad,
      GST_DEBUG_FUNCPTR (gst_nmf_out_queues_activate_mode));
  gst_pad_set_element_private (pad, q);
  g_object_set_data_full (G_OBJECT (pad), "nmf-queue", q, out_queue_free);
}

void
gst_nmf_out_queues_set_limit (GstNmfOutQueues * queues, GstPad * pad,
    guint items)
{
  g_mutex_lock (&queues->lock);
  out_queue (pad)->limit = MAX (items, 1);
  g_cond_broadcast (&queues->cond);
  g_mutex_unlock (&queues->lock);
}

void
gst_nmf_out_queues_set_byte_limit (GstNmfOutQueues * queues, GstPad * pad,
    gsize bytes)
{
  g_mutex_lock (&queues->lock);
  out_queue (pad)->byte_limit = bytes;
  g_mutex_unlock (&queues->lock);
}

void
gst_nmf_out_queues_add_pad (GstNmfOutQueues * queues, GstPad * pad)
{
  g_mutex_lock (&queues->lock);
  /* (released meanwhile: in the set until it is removed, never in the
   * flows) */
  if (!out_queue (pad)->released)
    gst_flow_combiner_add_pad (queues->combiner, pad);
  g_ptr_array_add (queues->pads, pad);
  g_mutex_unlock (&queues->lock);
}

void
gst_nmf_out_queues_release (GstNmfOutQueues * queues, GstPad * pad)
{
  OutQueue *q = out_queue (pad);

  g_mutex_lock (&queues->lock);
  q->released = TRUE;
  /* its flow stops counting now: deactivated, its last flow reads
   * "flushing", and the set loses it only at the streaming thread's next
   * item (meanwhile any other pad's flow would combine to "flushing" and
   * stop upstream) */
  gst_flow_combiner_remove_pad (queues->combiner, pad);
  queues->combined = gst_flow_combiner_update_flow (queues->combiner,
      GST_FLOW_OK);
  g_mutex_unlock (&queues->lock);
  gst_nmf_out_queues_set_flushing (queues, pad, TRUE);
}

void
gst_nmf_out_queues_remove_pad (GstNmfOutQueues * queues, GstPad * pad)
{
  g_mutex_lock (&queues->lock);
  if (g_ptr_array_remove (queues->pads, pad)) {
    gst_flow_combiner_remove_pad (queues->combiner, pad);
    /* the flow combined again over the pads that are left */
    queues->combined = gst_flow_combiner_update_flow (queues->combiner,
        GST_FLOW_OK);
  }
  g_mutex_unlock (&queues->lock);
}

void
gst_nmf_out_queues_flush_start (GstNmfOutQueues * queues, GstEvent * event)
{
  /* from the thread that seeks, not the streaming thread */
  GPtrArray *pads = snapshot (queues);

  /* unblock downstream first, then the tasks and the streaming thread */
  for (guint i = 0; i < pads->len; i++) {
    GstPad *pad = g_ptr_array_index (pads, i);
    if (is_released (queues, pad))
      continue;
    gst_pad_push_event (pad, gst_event_ref (event));
    gst_nmf_out_queues_set_flushing (queues, pad, TRUE);
    gst_pad_pause_task (pad);
  }
  g_ptr_array_unref (pads);
  gst_event_unref (event);
}

void
gst_nmf_out_queues_reset_flow (GstNmfOutQueues * queues)
{
  g_mutex_lock (&queues->lock);
  gst_flow_combiner_reset (queues->combiner);
  queues->combined = GST_FLOW_OK;
  queues->ended = queues->said = FALSE;
  g_mutex_unlock (&queues->lock);
}

GstFlowReturn
gst_nmf_out_queues_set_ended (GstNmfOutQueues * queues, gboolean ended)
{
  GstFlowReturn unsaid;

  g_mutex_lock (&queues->lock);
  queues->ended = ended;
  unsaid = take_unsaid_flow (queues);
  g_mutex_unlock (&queues->lock);
  return unsaid;
}

void
gst_nmf_out_queues_flush_stop (GstNmfOutQueues * queues, GstEvent * event)
{
  gst_nmf_out_queues_reset_flow (queues);
  for (guint i = 0; i < queues->pads->len; i++) {
    GstPad *pad = g_ptr_array_index (queues->pads, i);
    if (is_released (queues, pad))
      continue;
    gst_nmf_out_queues_set_flushing (queues, pad, FALSE);
    gst_pad_push_event (pad, gst_event_ref (event));
    gst_nmf_out_queues_start_task (pad);
  }
  gst_event_unref (event);
}

gboolean
gst_nmf_out_queues_pushed (GstNmfOutQueues * queues, GstPad * pad,
    GstClockTime * start, GstClockTime * end)
{
  OutQueue *q = out_queue (pad);
  gboolean pushed;

  g_mutex_lock (&queues->lock);
  pushed = GST_CLOCK_TIME_IS_VALID (q->pushed_start);
  *start = q->pushed_start;
  *end = q->pushed_end;
  g_mutex_unlock (&queues->lock);
  return pushed;
}

void
gst_nmf_out_queues_wait_empty (GstNmfOutQueues * queues)
{
  g_mutex_lock (&queues->lock);
  for (guint i = 0; i < queues->pads->len; i++) {
    OutQueue *q = out_queue (g_ptr_array_index (queues->pads, i));
    while ((!g_queue_is_empty (&q->items) || q->busy) && !q->flushing)
      g_cond_wait (&queues->cond, &queues->lock);
  }
  g_mutex_unlock (&queues->lock);
}

void
gst_nmf_out_queues_set_joined (GstPad * pad)
{
  g_atomic_int_set (&out_queue (pad)->joined, 1);
}

gboolean
gst_nmf_out_queues_joined (GstPad * pad)
{
  return g_atomic_int_get (&out_queue (pad)->joined);
}
