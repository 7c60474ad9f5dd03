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

#include "gstnmftimeline.h"

#include <string.h>

/* jitter up to this is absorbed (timestamps follow the sample count); a
 * larger jump is a discontinuity at once */
#define ALIGNMENT_THRESHOLD (40 * GST_MSECOND)
/* except behind a live upstream, whose timestamps carry the jitter of
 * capture or arrival (do-timestamp): there a jump becomes a discontinuity
 * once it has lasted this long, as audiobasesink's discont-wait makes it,
 * or at once if it is that large */
#define LIVE_DISCONT_WAIT GST_SECOND

void
gst_nmf_timeline_init (GstNmfTimeline * tl)
{
  memset (tl, 0, sizeof (*tl));
  tl->base_time = GST_CLOCK_TIME_NONE;
  tl->resume_time = GST_CLOCK_TIME_NONE;
}

void
gst_nmf_timeline_set_rate (GstNmfTimeline * tl, gint rate, gboolean live)
{
  tl->rate = rate;
  tl->live = live;
  if (tl->align)
    gst_audio_stream_align_free (tl->align);
  tl->align = gst_audio_stream_align_new (rate, ALIGNMENT_THRESHOLD,
      live ? LIVE_DISCONT_WAIT : 0);
}

void
gst_nmf_timeline_clear (GstNmfTimeline * tl)
{
  if (tl->align)
    gst_audio_stream_align_free (tl->align);
  gst_nmf_timeline_init (tl);
}

GstClockTime
gst_nmf_timeline_time (const GstNmfTimeline * tl, guint64 sample)
{
  if (!GST_CLOCK_TIME_IS_VALID (tl->base_time))
    return GST_CLOCK_TIME_NONE;
  return tl->base_time + gst_util_uint64_scale_int (tl->base_samples +
      sample, GST_SECOND, tl->rate);
}

/* The aligner learns that n samples from the stream's sample `first` came
 * without a timestamp, at the time the sample count gives them. */
static void
count_untimed (GstNmfTimeline * tl, guint64 first, gsize n)
{
  GstClockTime t = gst_nmf_timeline_time (tl, first), out;

  if (GST_CLOCK_TIME_IS_VALID (t))
    gst_audio_stream_align_process (tl->align, first == 0, t, n, &out, NULL,
        NULL);
}

gboolean
gst_nmf_timeline_is_new_stream (GstNmfTimeline * tl, GstBuffer * buffer,
    gsize n, guint64 held, GstClockTime * pts)
{
  /* in reverse each buffer comes before the last in time: its own stream
   * (a step back of less than the jitter absorbed was counted forwards) */
  gboolean discont = GST_BUFFER_IS_DISCONT (buffer) || tl->discont_carried
      || tl->reverse;

  tl->discont_carried = FALSE;
  *pts = GST_BUFFER_PTS (buffer);
  if (GST_CLOCK_TIME_IS_VALID (*pts)) {
    if (tl->live && held > 0 && !discont) {
      /* live: a jump of the wait or more is no jitter */
      const GstClockTime here = gst_nmf_timeline_time (tl, held);
      if (GST_CLOCK_TIME_IS_VALID (here)
          && (*pts > here ? *pts - here : here - *pts) >= LIVE_DISCONT_WAIT)
        discont = TRUE;
    }
    discont = gst_audio_stream_align_process (tl->align, discont, *pts, n,
        pts, NULL, NULL);
  } else if (held > 0 && !discont) {
    /* an untimestamped buffer in a stream continues it: the aligner counts
     * its samples at the time the count gives (one buffer without a PTS
     * made the next one look a buffer late: a false discontinuity) */
    count_untimed (tl, held, n);
  }
  return held == 0 || discont;
}

guint64
gst_nmf_timeline_gap_samples (const GstNmfTimeline * tl, GstClockTime ts,
    GstClockTime duration, guint64 held)
{
  if (GST_CLOCK_TIME_IS_VALID (ts) && held > 0 && !tl->discont_carried
      && !tl->reverse && GST_CLOCK_TIME_IS_VALID (tl->base_time)) {
    const GstClockTime here = gst_nmf_timeline_time (tl, held);
    const GstClockTime end = ts + duration;

    if ((ts > here ? ts - here : here - ts) <= ALIGNMENT_THRESHOLD
        && end >= tl->base_time) {
      /* it continues the stream (the aligner takes it there): its end on
       * the stream's grid, which starts at base_time, not at 0 (counted on
       * the grid from 0, a stream that starts between two of its points
       * got one sample too many or too few, and everything after the gap
       * was a sample off its timestamps) */
      guint64 e = gst_util_uint64_scale_round (end - tl->base_time, tl->rate,
          GST_SECOND);
      e = e > tl->base_samples ? e - tl->base_samples : 0;
      return e > held ? e - held : 0;
    }
  }
  /* it starts a stream (at ts, or untimestamped): its length on that
   * stream's grid */
  return gst_util_uint64_scale_round (duration, tl->rate, GST_SECOND);
}

void
gst_nmf_timeline_skip_empty (GstNmfTimeline * tl, GstBuffer * buffer)
{
  if (GST_BUFFER_IS_DISCONT (buffer))
    tl->discont_carried = TRUE;
}

/* Input sample n of the new stream has the timestamp of sample
 * base_samples + n counted from `time`. */
static void
rebase (GstNmfTimeline * tl, GstClockTime time, guint64 base_samples,
    guint64 offset)
{
  tl->base_time = time;
  tl->base_samples = base_samples;
  tl->base_offset = offset;
  tl->discont_pending = TRUE;
}

/* Whether `pts` is a sample's time on the count of the last stream of the
 * segment, at or after its end (*k: that sample, counted as resume_samples
 * is).  Such a stream goes on with that count: its samples keep the
 * timestamps the upstream's count gives them (counted again from pts, a
 * stream after a caps change of the channels or a DISCONT that went on
 * where the last one ended had its timestamps up to 1 ns early, its end
 * 1 ns short of the input's). */
static gboolean
on_resume_grid (const GstNmfTimeline * tl, GstClockTime pts, guint64 * k)
{
  if (!GST_CLOCK_TIME_IS_VALID (tl->resume_time) || tl->resume_rate != tl->rate
      || tl->reverse || pts < tl->resume_time)
    return FALSE;
  /* the first sample at or after pts: pts itself if it is on the count */
  *k = gst_util_uint64_scale_ceil (pts - tl->resume_base_time, tl->rate,
      GST_SECOND);
  return *k >= tl->resume_samples && tl->resume_base_time +
      gst_util_uint64_scale_int (*k, GST_SECOND, tl->rate) == pts;
}

GstClockTime
gst_nmf_timeline_start (GstNmfTimeline * tl, GstBuffer * buffer, gsize n,
    GstClockTime pts, GstClockTime arrival)
{
  guint64 k;

  if (GST_CLOCK_TIME_IS_VALID (pts)) {
    guint64 offset = GST_BUFFER_OFFSET_IS_VALID (buffer) ?
        GST_BUFFER_OFFSET (buffer) : gst_util_uint64_scale_round (pts,
        tl->rate, GST_SECOND);
    if (on_resume_grid (tl, pts, &k))
      rebase (tl, tl->resume_base_time, k, offset);
    else
      rebase (tl, pts, 0, offset);
  } else if (GST_CLOCK_TIME_IS_VALID (tl->resume_time)) {
    /* no timestamps: the new stream goes on where the last one ended, on
     * the same sample count at the same rate, from its time at another */
    if (tl->resume_rate == tl->rate)
      rebase (tl, tl->resume_base_time, tl->resume_samples,
          tl->resume_offset);
    else
      rebase (tl, tl->resume_time, 0, gst_util_uint64_scale_round
          (tl->resume_time, tl->rate, GST_SECOND));
  } else if (GST_CLOCK_TIME_IS_VALID (arrival)) {
    /* live: where the pipeline is when the stream comes (counted from the
     * segment's start instead, it was as late as the pipeline had played
     * before it, and sinks that sync dropped it all) */
    rebase (tl, arrival, 0, GST_BUFFER_OFFSET_IS_VALID (buffer) ?
        GST_BUFFER_OFFSET (buffer) : 0);
  } else {
    rebase (tl, tl->segment_time, 0, GST_BUFFER_OFFSET_IS_VALID (buffer) ?
        GST_BUFFER_OFFSET (buffer) : 0);
  }
  /* untimestamped, the stream's first samples are where it starts: a
   * timestamp that follows them continues it */
  if (!GST_CLOCK_TIME_IS_VALID (pts))
    count_untimed (tl, 0, n);
  /* (not base_time: a stream that goes on with the last one's count
   * starts base_samples after it) */
  return gst_nmf_timeline_time (tl, 0);
}

void
gst_nmf_timeline_end_stream (GstNmfTimeline * tl, guint64 samples)
{
  tl->resume_time = gst_nmf_timeline_time (tl, samples);
  tl->resume_rate = tl->rate;
  tl->resume_base_time = tl->base_time;
  tl->resume_samples = tl->base_samples + samples;
  tl->resume_offset = tl->base_offset + samples;
}

void
gst_nmf_timeline_new_segment (GstNmfTimeline * tl, GstClockTime time,
    gboolean reverse)
{
  tl->segment_time = time;
  tl->reverse = reverse;
  tl->resume_time = GST_CLOCK_TIME_NONE;
}

void
gst_nmf_timeline_mark_discont (GstNmfTimeline * tl)
{
  /* a flush: what follows does not continue what went before */
  tl->resume_time = GST_CLOCK_TIME_NONE;
  if (tl->align)
    gst_audio_stream_align_mark_discont (tl->align);
}

void
gst_nmf_timeline_stamp (GstNmfTimeline * tl, GstBuffer * buffer,
    guint64 first, guint64 end, gboolean offsets)
{
  GstClockTime t0 = gst_nmf_timeline_time (tl, first);
  GstClockTime t1 = gst_nmf_timeline_time (tl, end);

  GST_BUFFER_PTS (buffer) = t0;
  GST_BUFFER_DTS (buffer) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_DURATION (buffer) = GST_CLOCK_TIME_IS_VALID (t0) ? t1 - t0 :
      GST_CLOCK_TIME_NONE;
  if (offsets) {
    GST_BUFFER_OFFSET (buffer) = tl->base_offset + first;
    GST_BUFFER_OFFSET_END (buffer) = tl->base_offset + end;
  } else {
    GST_BUFFER_OFFSET (buffer) = GST_BUFFER_OFFSET_NONE;
    GST_BUFFER_OFFSET_END (buffer) = GST_BUFFER_OFFSET_NONE;
  }
  /* a new stream's first buffer on each pad, not the pieces after it */
  if (tl->discont_pending && first == 0)
    GST_BUFFER_FLAG_SET (buffer, GST_BUFFER_FLAG_DISCONT);
}
