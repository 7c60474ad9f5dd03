/* GStreamer
 * Copyright (C) 2026 gst-nmf developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */
/* nmfseparate's request pads (see gstnmfpads.h). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstnmfpads.h"
#include "gstnmfcaps.h"
#include "gstnmfstream.h"

#include <stdlib.h>
#include <string.h>

/* The source index a request for a source pad names (the lowest free one
 * for "src_%u"), or -1 with why there is none in *why.  Object lock held. */
static gint
pick_source (GstNmfSeparate * self, const gchar * name,
    guint n_sources, gchar ** why)
{
  gchar *end = NULL;
  guint64 idx;

  if (!name || strcmp (name, "src_%u") == 0) {
    for (guint s = 0; s < n_sources; s++)
      if (!self->requested_of[s])
        return (gint) s;
    *why = g_strdup_printf ("all %u source pads (n-sources) were requested "
        "already", n_sources);
    return -1;
  }
  idx = g_ascii_strtoull (name + (g_str_has_prefix (name, "src_") ? 4 : 0),
      &end, 10);
  if (!g_str_has_prefix (name, "src_") || end == name + 4 || *end
      || idx >= n_sources) {
    *why = g_strdup_printf ("no source pad '%s': n-sources is %u, so the "
        "source pads are src_0 to src_%u", name, n_sources, n_sources - 1);
    return -1;
  }
  if (self->requested_of[idx]) {
    *why = g_strdup_printf ("source pad '%s' was requested already", name);
    return -1;
  }
  return (gint) idx;
}

/* A pad that joins a started stream gets the sticky events it needs: its
 * stream-start, once negotiated its caps and the segment, and the EOS of a
 * stream that has ended (as tee gives a late pad). */
static void
join_stream (GstNmfSeparate * self, GstPad * pad)
{
  gst_nmf_out_queues_set_joined (pad);
  /* no stream yet: its stream-start will come to every pad */
  if (!self->stream_start)
    return;
  gst_nmf_out_queues_push (self->queues, pad,
      GST_MINI_OBJECT_CAST (gst_nmf_stream_pad_stream_start (self, pad,
              self->stream_start)));
  /* not negotiated yet: caps and segment come to every pad with the
   * stream */
  if (!self->have_info) {
  } else if (pad == self->picture.pad && !gst_pad_is_linked (pad)) {
    /* not linked yet (as when it is requested while the stream runs): its
     * format waits for downstream, with the segment after the caps */
    gst_nmf_picture_defer (&self->picture, GST_ELEMENT (self),
        &self->segment, GST_AUDIO_INFO_RATE (&self->info),
        nmf_separator_bins (self->separator), self->n_sources);
  } else {
    if (pad == self->picture.pad) {
      gst_nmf_picture_negotiate (&self->picture, GST_ELEMENT (self),
          self->queues, GST_AUDIO_INFO_RATE (&self->info),
          nmf_separator_bins (self->separator), self->n_sources);
    } else {
      GstCaps *src_caps = gst_nmf_caps_src (self);
      gst_nmf_out_queues_push (self->queues, pad,
          GST_MINI_OBJECT_CAST (gst_event_new_caps (src_caps)));
      gst_caps_unref (src_caps);
    }
    gst_nmf_out_queues_push (self->queues, pad,
        GST_MINI_OBJECT_CAST (gst_event_new_segment (&self->segment)));
  }
  /* an EOS pushed on a pad not linked yet would end it before its peer got
   * anything (the sticky events go with the next event, and a pad at EOS
   * takes none): then the link gives it */
  if (g_atomic_int_get (&self->ended) && gst_pad_is_linked (pad))
    gst_nmf_out_queues_push (self->queues, pad,
        GST_MINI_OBJECT_CAST (gst_event_new_eos ()));
}

/* Which source a requested pad carries (-1: the picture). */
static gint
source_of_pad (GstPad * pad)
{
  const gchar *name = GST_PAD_NAME (pad);

  return g_str_has_prefix (name, "src_") ? atoi (name + 4) : -1;
}

void
gst_nmf_pads_update (GstNmfSeparate * self, gboolean try)
{
  GList *joining, *leaving;

  if (!g_atomic_int_get (&self->pads_changed))
    return;
  if (try) {
    if (!GST_PAD_STREAM_TRYLOCK (self->sinkpad))
      return;
  } else {
    GST_PAD_STREAM_LOCK (self->sinkpad);
  }
  GST_OBJECT_LOCK (self);
  joining = self->joining;
  leaving = self->leaving;
  self->joining = self->leaving = NULL;
  g_atomic_int_set (&self->pads_changed, 0);
  GST_OBJECT_UNLOCK (self);

  for (GList * l = leaving; l; l = l->next) {
    GstPad *pad = l->data;
    gint source = source_of_pad (pad);
    gst_nmf_out_queues_remove_pad (self->queues, pad);
    if (source < 0) {
      self->picture.pad = NULL;
      gst_nmf_picture_reset (&self->picture);
    } else if (self->srcpad_of[source] == pad) {
      self->srcpad_of[source] = NULL;
    }
  }
  for (GList * l = joining; l; l = l->next) {
    GstPad *pad = l->data;
    gint source = source_of_pad (pad);
    gst_nmf_out_queues_add_pad (self->queues, pad);
    if (source < 0) {
      self->picture.pad = pad;
      gst_nmf_picture_joined (&self->picture);
    } else
      self->srcpad_of[source] = pad;
    join_stream (self, pad);
  }
  GST_PAD_STREAM_UNLOCK (self->sinkpad);
  g_list_free_full (joining, gst_object_unref);
  g_list_free_full (leaving, gst_object_unref);
}

/* A pad that joined the stream unlinked after it ended: its EOS comes
 * with the link (and what it holds - stream-start, caps, segment, kept on
 * the pad - goes to the peer before it).  A second EOS, when the join saw
 * the link too, is dropped by a pad at EOS. */
static void
pad_linked (GstPad * pad, G_GNUC_UNUSED GstPad * peer,
    GstNmfSeparate * self)
{
  if (gst_nmf_out_queues_joined (pad) && g_atomic_int_get (&self->ended))
    gst_nmf_out_queues_push (self->queues, pad,
        GST_MINI_OBJECT_CAST (gst_event_new_eos ()));
}

/* Pads of a source, or the picture, are requested by name ("src_1",
 * "viz") or by template ("src_%u": the lowest free source).  A source index
 * that n-sources does not have is refused, so that a pipeline linking to it
 * fails at link time instead of waiting for a pad that will never exist.
 * The pad joins the stream at once if the streaming thread is idle, else
 * before its next item: a request never waits for the streaming thread,
 * which may be waiting for room downstream (PAUSED, the queues full). */
GstPad *
gst_nmf_pads_request (GstNmfSeparate * self, GstPadTemplate * templ,
    const gchar * name, GstPadQueryFunction query, GstPadEventFunction event)
{
  gboolean is_viz =
      g_strcmp0 (GST_PAD_TEMPLATE_NAME_TEMPLATE (templ), "viz") == 0;
  gint source = -1;
  gchar *why = NULL, *pad_name;
  GstPad *pad;

  GST_OBJECT_LOCK (self);
  if (is_viz && self->requested_viz)
    why = g_strdup ("there is one viz pad already: the picture pad can be "
        "requested once");
  else if (!is_viz)
    source = pick_source (self, name,
        self->settings.n_sources, &why);
  if (why) {
    GST_OBJECT_UNLOCK (self);
    GST_ELEMENT_WARNING (self, CORE, PAD, ("%s", why), (NULL));
    g_free (why);
    return NULL;
  }
  pad_name = is_viz ? g_strdup ("viz") : g_strdup_printf ("src_%d", source);
  pad = gst_pad_new_from_template (templ, pad_name);
  g_free (pad_name);
  if (is_viz)
    self->requested_viz = pad;
  else
    self->requested_of[source] = pad;
  GST_OBJECT_UNLOCK (self);

  /* the picture comes as late as the sources (a live pipeline with only
   * the picture synced showed every picture late by the look-ahead) */
  gst_pad_set_query_function (pad, query);
  gst_pad_set_event_function (pad, event);
  gst_pad_use_fixed_caps (pad);
  g_signal_connect (pad, "linked", G_CALLBACK (pad_linked),
      self);
  gst_nmf_out_queues_attach (self->queues, pad);
  /* activates it (and starts its task) if the element is running */
  gst_element_add_pad (GST_ELEMENT (self), pad);
  /* only now, with its queue and its task, may the stream see it */
  GST_OBJECT_LOCK (self);
  self->joining = g_list_append (self->joining, gst_object_ref (pad));
  g_atomic_int_set (&self->pads_changed, 1);
  GST_OBJECT_UNLOCK (self);
  /* the streaming thread admits it after its item; a few tries cover the
   * moment between that and its letting go of the lock (after the last
   * item of a stream nobody else would); one waiting for room downstream
   * admits it when it gets there */
  for (gint i = 0; i < 50 && g_atomic_int_get (&self->pads_changed); i++) {
    gst_nmf_pads_update (self, TRUE);
    /* (inside an item it admits it after the item: no use waiting, which
     * cost every request 50 ms while the stream waited for room) */
    if (g_atomic_int_get (&self->pads_changed)
        && !g_atomic_int_get (&self->in_item))
      g_usleep (1000);
    else
      break;
  }
  return pad;
}

void
gst_nmf_pads_release (GstNmfSeparate * self, GstPad * pad)
{
  GList *waiting;

  /* first releases a streaming thread waiting for room in its queue; what
   * it pushes there from now on is dropped, not a flushing flow */
  gst_nmf_out_queues_release (self->queues, pad);
  GST_OBJECT_LOCK (self);
  if (pad == self->requested_viz)
    self->requested_viz = NULL;
  for (guint s = 0; s < NMF_SEPARATOR_MAX_SOURCES; s++)
    if (self->requested_of[s] == pad)
      self->requested_of[s] = NULL;
  if ((waiting = g_list_find (self->joining, pad))) {
    /* it never joined */
    self->joining = g_list_delete_link (self->joining, waiting);
    gst_object_unref (pad);
  } else {
    self->leaving = g_list_append (self->leaving, gst_object_ref (pad));
    g_atomic_int_set (&self->pads_changed, 1);
  }
  GST_OBJECT_UNLOCK (self);
  /* its task stops */
  gst_pad_set_active (pad, FALSE);
  gst_nmf_pads_update (self, TRUE);
  gst_element_remove_pad (GST_ELEMENT (self), pad);
}
