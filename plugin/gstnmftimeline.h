/* GStreamer
 * Copyright (C) 2026 gst-nmf developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */
#ifndef __GST_NMF_TIMELINE_H__
#define __GST_NMF_TIMELINE_H__

#include <gst/gst.h>
#include <gst/audio/audio.h>

G_BEGIN_DECLS

/* The sample timeline of the stream being separated: input sample n (and
 * so output sample n, and the mask frame that ends at it) has the
 * timestamp base_time + (base_samples + n) / rate, derived from the sample
 * count, never from summed durations. */
typedef struct
{
  gint rate;
  gboolean live;                /* upstream is live: its timestamps jitter */
  GstClockTime base_time;       /* timestamps count samples from here */
  guint64 base_samples;         /* samples from base_time to the stream start */
  guint64 base_offset;          /* sample offset of input sample 0 */
  GstClockTime segment_time;    /* where untimestamped streams start */
  /* where the last stream of this segment ended (NONE: none yet): the
   * next one, untimestamped, goes on from there, on the same sample count
   * at the same rate */
  GstClockTime resume_time;
  gint resume_rate;
  GstClockTime resume_base_time;
  guint64 resume_samples;       /* from resume_base_time */
  guint64 resume_offset;
  GstAudioStreamAlign *align;   /* jitter and discontinuities of the input */
  gboolean discont_pending;     /* the next output buffer is DISCONT */
  gboolean discont_carried;     /* an empty input buffer was DISCONT */
  gboolean reverse;             /* the segment plays backwards */
} GstNmfTimeline;

void gst_nmf_timeline_init (GstNmfTimeline * tl);
/* A new format: timestamps follow the sample count at `rate`; live: the
 * upstream is live (a jump of less than 1 s is a discontinuity only once
 * it has lasted 1 s: capture and arrival jitter). */
void gst_nmf_timeline_set_rate (GstNmfTimeline * tl, gint rate,
    gboolean live);
/* Back to no stream at all (the element stops). */
void gst_nmf_timeline_clear (GstNmfTimeline * tl);

GstClockTime gst_nmf_timeline_time (const GstNmfTimeline * tl,
    guint64 sample);

/* Whether buffer (n samples), coming after `held` samples of the stream,
 * starts a new stream: the first buffer, a DISCONT flag, or a timestamp
 * jump beyond the jitter absorbed (40 ms; live: one that lasted 1 s, or
 * of 1 s or more).  *pts gets its timestamp on the timeline of the
 * input. */
gboolean gst_nmf_timeline_is_new_stream (GstNmfTimeline * tl,
    GstBuffer * buffer, gsize n, guint64 held, GstClockTime * pts);
/* How many samples of silence a GAP [ts, ts + duration) is, after `held`
 * samples of the stream: up to its end on the stream's sample grid when it
 * continues the stream, else its duration on the grid of the stream it
 * starts (at ts). */
guint64 gst_nmf_timeline_gap_samples (const GstNmfTimeline * tl,
    GstClockTime ts, GstClockTime duration, guint64 held);
/* A buffer of no whole sample: it neither starts nor continues a stream,
 * whatever its PTS; its DISCONT flag goes to the next buffer. */
void gst_nmf_timeline_skip_empty (GstNmfTimeline * tl, GstBuffer * buffer);
/* Starts the new stream that `buffer` opens (timestamped at pts): at pts,
 * or, untimestamped, where the last one of the segment ended (whatever
 * ended it: a discontinuity, a caps change, a drain), else at `arrival`
 * when valid (behind a live upstream: the segment's time the buffer came
 * at), else at the segment's start.  Returns the time its sample 0 has. */
GstClockTime gst_nmf_timeline_start (GstNmfTimeline * tl, GstBuffer * buffer,
    gsize n, GstClockTime pts, GstClockTime arrival);
/* The stream ends after `samples` input samples (drained). */
void gst_nmf_timeline_end_stream (GstNmfTimeline * tl, guint64 samples);
/* A new segment starts at `time` (untimestamped streams start there);
 * reverse: it plays backwards, every buffer a new stream. */
void gst_nmf_timeline_new_segment (GstNmfTimeline * tl, GstClockTime time,
    gboolean reverse);
/* A flush: the next buffer is a discontinuity. */
void gst_nmf_timeline_mark_discont (GstNmfTimeline * tl);

/* PTS, DURATION (and OFFSET / OFFSET_END when offsets) of an output buffer
 * holding samples [first, end); DISCONT if it is the first of a stream. */
void gst_nmf_timeline_stamp (GstNmfTimeline * tl, GstBuffer * buffer,
    guint64 first, guint64 end, gboolean offsets);

G_END_DECLS
#endif /* __GST_NMF_TIMELINE_H__ */
