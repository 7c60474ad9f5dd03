/* GStreamer
 * Copyright (C) 2026 gst-nmf developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */
#ifndef __GST_NMF_SEPARATE_H__
#define __GST_NMF_SEPARATE_H__

#include <gst/gst.h>
#include <gst/audio/audio.h>

#include <nmf/error.h>
#include <nmf/separator.h>

#include "gstnmfenrol.h"
#include "gstnmfmessages.h"
#include "gstnmfoutqueue.h"
#include "gstnmfpicture.h"
#include "gstnmfsettings.h"
#include "gstnmftimeline.h"

G_BEGIN_DECLS

#define GST_TYPE_NMF_SEPARATE (gst_nmf_separate_get_type ())
G_DECLARE_FINAL_TYPE (GstNmfSeparate, gst_nmf_separate, GST, NMF_SEPARATE,
    GstElement);

struct _GstNmfSeparate
{
  GstElement parent;

  GstPad *sinkpad;
  /* Request pads as the application sees them, under the object lock:
   * the pads requested, and those waiting to join the stream or to leave
   * it (each holding a reference). */
  GstPad *requested_of[NMF_SEPARATOR_MAX_SOURCES];
  GstPad *requested_viz;
  GList *joining;
  GList *leaving;
  gint pads_changed;            /* atomic: joining or leaving not empty */
  /* The pads the stream goes to: changed only under the sink pad's stream
   * lock (gst_nmf_separate_update_pads), so that the streaming thread never
   * sees them change, and never by a request waiting for that lock: the
   * streaming thread may be waiting for room downstream. */
  GstPad *srcpad_of[NMF_SEPARATOR_MAX_SOURCES]; /* src_%u, NULL if not
                                                 * requested */
  GstNmfOutQueues *queues;      /* every output pad: sources and viz */

  /* the seek upstream was last sent (every sink of a pipeline sends the
   * application's seek, so each output pad gets it): under the object
   * lock */
  guint32 seek_seqnum;
  gboolean seek_seen;
  gboolean seek_result;

  GstNmfSettings settings;      /* under the object lock */
  GstClockTime latency;         /* own latency, under the object lock */
  GstClockTime lookahead;       /* how far the frames leaving are behind
                                 * the input (streaming thread) */

  /* read at READY_TO_PAUSED, kept until PAUSED_TO_READY */
  GstNmfDictionaries dictionaries;

  /* streaming state: touched under the sink pad's stream lock only (the
   * streaming thread; change_state once streaming has stopped, and
   * another thread's pad update, take it) */
  nmf_separator *separator;
  GstEvent *stream_start;       /* upstream's, of the stream under way */
  GstNmfOutputMode output_mode; /* of the separator in force */
  guint n_sources;              /* of the separator in force */
  GstAudioInfo info;
  gboolean have_info;
  gint ended;                   /* atomic: an EOS went out (until a flush or
                                 * a new stream): a pad joining or linked
                                 * now gets one */
  gint cancel_refresh;          /* atomic: a flush or a stop is under way:
                                 * a volmin refresh the streaming thread is
                                 * in ends at once (nmf_separator_set_cancel),
                                 * down again at FLUSH_STOP and once
                                 * streaming has stopped */
  GstNmfTimeline timeline;
  GstSegment segment;
  GstNmfMessages messages;
  GstNmfPicture picture;
  /* the core's counters already in the debug log, and the input sample
   * of the last line about bad input */
  nmf_separator_stats reported;
  guint64 bad_input_reported_at;
  gboolean partial_frame_reported;      /* a buffer of a part sample */
  /* serialized events (tags...) that came while input was held: each
   * waits, with the input sample it came before, for the output to reach
   * it (HeldEvent, streaming thread) */
  GQueue held_events;
  /* backwards (rate < 0): the output of the buffer being separated,
   * collected (BackwardPiece) and pushed last piece first once it is all
   * out (streaming thread; empty between buffers) */
  gboolean collect_backwards;
  GQueue backwards;

  GstNmfEnrol enrol;            /* its own lock */
  /* the streaming thread is inside the element, or enrol-source is being
   * applied (stream lock held): a property set from there (a bus sync
   * handler) is not applied under its feet */
  gboolean streaming;
  gint enrol_changed;           /* atomic: enrol-source set since the
                                 * stream last read it */
  gint in_item;                 /* atomic: the streaming thread is in a
                                 * buffer or serialized event, and looks at
                                 * enrol-source and the pads requested after
                                 * it (cleared before that look) */
};

GST_ELEMENT_REGISTER_DECLARE (nmfseparate);

G_END_DECLS
#endif /* __GST_NMF_SEPARATE_H__ */
