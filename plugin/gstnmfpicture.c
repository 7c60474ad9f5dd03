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

#include "gstnmfpicture.h"

GST_DEBUG_CATEGORY_EXTERN (gst_nmf_separate_debug);
#define GST_CAT_DEFAULT gst_nmf_separate_debug

#define DEFAULT_WIDTH 640
#define DEFAULT_HEIGHT 360
#define DEFAULT_FPS 30
/* The pictures waiting for a sink that is behind hold at most this much:
 * beyond it the oldest is dropped (two of the largest, 8192x4096, wait;
 * 1080p at 30 fps is not bounded by it).  In pictures alone, the queue
 * held 9 GB of them at 8192x4096 and 120 fps. */
#define MAX_QUEUED_PICTURE_BYTES ((gsize) 256 << 20)

static gboolean
is_still (const GstNmfPicture * p)
{
  return GST_VIDEO_INFO_FPS_N (&p->info) == 0;
}

static void
drop_pool (GstNmfPicture * p)
{
  if (!p->pool)
    return;
  gst_buffer_pool_set_active (p->pool, FALSE);
  gst_clear_object (&p->pool);
}

/* The pictures' buffers are recycled: each is a whole picture (1 MB at
 * 768x320), and one freshly allocated per picture had its pages faulted
 * in and zeroed by the kernel every time, which cost more than drawing
 * it.  The pool is the element's own, not asked of downstream: an
 * ALLOCATION query must follow the caps, which wait in the pad's queue.
 * Unbounded (max 0), so that a picture never waits for a buffer that a
 * queue downstream holds; it keeps as many as were ever out at once. */
static void
make_pool (GstNmfPicture * p, GstElement * element, GstCaps * caps)
{
  GstStructure *config;

  drop_pool (p);
  p->pool = gst_video_buffer_pool_new ();
  config = gst_buffer_pool_get_config (p->pool);
  gst_buffer_pool_config_set_params (config, caps,
      (guint) GST_VIDEO_INFO_SIZE (&p->info), 2, 0);
  if (!gst_buffer_pool_set_config (p->pool, config)
      || !gst_buffer_pool_set_active (p->pool, TRUE)) {
    /* then every picture is allocated on its own, as it comes */
    GST_WARNING_OBJECT (element, "viz: no buffer pool for %" GST_PTR_FORMAT,
        caps);
    gst_clear_object (&p->pool);
  }
}

/* The caps downstream takes, fixated: towards `prefer` when given (the
 * format in use, so that a renegotiation changes only what downstream
 * asks to change), else 640x360 RGBA at 30 fps.  NULL, with a
 * not-negotiated error posted, when downstream takes none of the pad's
 * formats. */
static GstCaps *
choose_caps (GstNmfPicture * p, GstElement * element,
    const GstVideoInfo * prefer)
{
  GstCaps *templ = gst_pad_get_pad_template_caps (p->pad);
  GstCaps *peer_caps = gst_pad_peer_query_caps (p->pad, templ);
  /* within the template even when the peer ignores the filter (an ANY
   * answer was fixated into ANY caps, with criticals) */
  GstCaps *caps = gst_caps_intersect_full (peer_caps, templ,
      GST_CAPS_INTERSECT_FIRST);
  GstStructure *st;

  gst_caps_unref (peer_caps);

  if (gst_caps_is_empty (caps)) {
    GstCaps *peer = gst_pad_peer_query_caps (p->pad, NULL);
    GST_ELEMENT_ERROR (element, CORE, NEGOTIATION,
        ("The picture pad 'viz' cannot negotiate a format: downstream takes "
            "none of %" GST_PTR_FORMAT " (put videoconvert, and videoscale "
            "or videorate if needed, between it and the next element)",
            templ), ("downstream takes %" GST_PTR_FORMAT, peer));
    gst_caps_unref (peer);
    gst_caps_unref (templ);
    gst_caps_unref (caps);
    return NULL;
  }
  gst_caps_unref (templ);
  caps = gst_caps_make_writable (gst_caps_truncate (caps));
  st = gst_caps_get_structure (caps, 0);
  gst_structure_fixate_field_nearest_int (st, "width",
      prefer ? GST_VIDEO_INFO_WIDTH (prefer) : DEFAULT_WIDTH);
  gst_structure_fixate_field_nearest_int (st, "height",
      prefer ? GST_VIDEO_INFO_HEIGHT (prefer) : DEFAULT_HEIGHT);
  gst_structure_fixate_field_nearest_fraction (st, "framerate",
      prefer ? GST_VIDEO_INFO_FPS_N (prefer) : DEFAULT_FPS,
      prefer ? GST_VIDEO_INFO_FPS_D (prefer) : 1);
  gst_structure_fixate_field_string (st, "format", prefer ?
      gst_video_format_to_string (GST_VIDEO_INFO_FORMAT (prefer)) : "RGBA");
  return gst_caps_fixate (caps);
}

/* The renderer, pool and queue bound for `caps`, which are queued.
 * keep_scrolling: the stream's shape is the renderer's (a renegotiation,
 * not a new format of the audio), so that a scrolling picture keeps its
 * columns through a new framerate. */
static gboolean
use_caps (GstNmfPicture * p, GstElement * element, GstNmfOutQueues * queues,
    GstCaps * caps, gint rate, gsize bins, guint n_sources,
    gboolean keep_scrolling)
{
  GstVideoInfo old = p->info;

  if (!gst_video_info_from_caps (&p->info, caps)) {
    GST_ELEMENT_ERROR (element, CORE, NEGOTIATION, (NULL),
        ("viz: cannot use the caps %" GST_PTR_FORMAT, caps));
    return FALSE;
  }
  /* its columns are drawn for a size, a format and the audio's rate and
   * bins, not for a framerate */
  if (!keep_scrolling || !p->viz || is_still (p)
      || GST_VIDEO_INFO_FPS_N (&old) == 0
      || GST_VIDEO_INFO_FORMAT (&old) != GST_VIDEO_INFO_FORMAT (&p->info)
      || GST_VIDEO_INFO_WIDTH (&old) != GST_VIDEO_INFO_WIDTH (&p->info)
      || GST_VIDEO_INFO_HEIGHT (&old) != GST_VIDEO_INFO_HEIGHT (&p->info)) {
    gst_nmf_viz_free (p->viz);
    p->viz = gst_nmf_viz_new (&p->info, rate, (gint) bins, (gint) n_sources,
        is_still (p));
  }
  make_pool (p, element, caps);
  /* the pictures of half a second wait at most (at least 4), beyond those
   * of the STFT's delay, by which the audio comes out after its pictures
   * (sinks preroll on the audio: with fewer, an fft-size of 8192 at 8 kHz
   * filled the picture queue first and the pipeline never prerolled); 64
   * full pictures waited before, as the audio's buffers (2 GB at 4K) */
  {
    const guint64 delay_ms = 500 + gst_util_uint64_scale_ceil (2 * (bins - 1),
        1000, (guint64) MAX (1, rate));
    /* (and room for the events that go the same way: caps, segment) */
    gst_nmf_out_queues_set_limit (queues, p->pad, 4 + MAX (4, (guint)
            gst_util_uint64_scale_ceil (delay_ms, GST_VIDEO_INFO_FPS_N
                (&p->info), 1000 * (guint64) MAX (1,
                    GST_VIDEO_INFO_FPS_D (&p->info)))));
  }
  /* and in bytes: a sink that is behind loses the oldest pictures rather
   * than hold up the audio, or have gigabytes wait for it (each picture
   * shows all the one before it showed, scrolled) */
  gst_nmf_out_queues_set_byte_limit (queues, p->pad,
      MAX_QUEUED_PICTURE_BYTES);
  GST_INFO_OBJECT (element, "viz: %" GST_PTR_FORMAT, caps);
  gst_nmf_out_queues_push (queues, p->pad,
      GST_MINI_OBJECT_CAST (gst_event_new_caps (caps)));
  return TRUE;
}

gboolean
gst_nmf_picture_negotiate (GstNmfPicture * p, GstElement * element,
    GstNmfOutQueues * queues, gint rate, gsize bins, guint n_sources)
{
  GstCaps *caps;
  gboolean ok;

  p->pending = FALSE;
  /* what downstream asks now is what is read here: a RECONFIGURE from
   * before (the link sends one) needs no second look */
  gst_pad_check_reconfigure (p->pad);
  if (!(caps = choose_caps (p, element, NULL)))
    return FALSE;
  ok = use_caps (p, element, queues, caps, rate, bins, n_sources, FALSE);
  if (ok) {
    p->element = element;
    p->rate = rate;
    p->bins = bins;
    p->n_sources = n_sources;
  }
  gst_caps_unref (caps);
  return ok;
}

/* No renderer and no pool: nothing is drawn until the pad negotiates. */
static void
forget_renderer (GstNmfPicture * p)
{
  gst_nmf_viz_free (p->viz);
  p->viz = NULL;
  drop_pool (p);
}

/* Downstream sent RECONFIGURE (a capsfilter's caps set, a sink resized):
 * the caps it takes now, if they differ, with a new renderer for a new
 * size or format (the picture starts afresh: its columns are drawn for
 * one size and format).  A new framerate goes on from the end of the last
 * picture pushed, or from the picture the audio is in when there was none
 * (a still picture's pad); a pad turned still draws from input sample
 * `from` on, and its picture starts there.  FALSE: downstream takes none
 * of the pad's formats any more (an error is posted; the pad pushes no
 * more pictures). */
static gboolean
renegotiate (GstNmfPicture * p, GstNmfOutQueues * queues, guint64 from)
{
  GstVideoInfo old = p->info, asked;
  GstCaps *caps;
  gboolean same;

  if (!p->viz || !p->pad || !gst_pad_check_reconfigure (p->pad))
    return TRUE;
  if (!(caps = choose_caps (p, p->element, &old))) {
    forget_renderer (p);
    return FALSE;
  }
  /* (a RECONFIGURE that changes nothing, as many do, keeps the picture) */
  same = gst_video_info_from_caps (&asked, caps)
      && gst_video_info_is_equal (&asked, &old);
  if (!same) {
    GST_DEBUG_OBJECT (p->pad, "renegotiating: %" GST_PTR_FORMAT, caps);
    if (!use_caps (p, p->element, queues, caps, p->rate, p->bins,
            p->n_sources, TRUE)) {
      forget_renderer (p);
      gst_caps_unref (caps);
      return FALSE;
    }
    if (GST_VIDEO_INFO_FPS_N (&old) != GST_VIDEO_INFO_FPS_N (&p->info)
        || GST_VIDEO_INFO_FPS_D (&old) != GST_VIDEO_INFO_FPS_D (&p->info)) {
      /* the pictures so far end here, from the stream's start */
      GstClockTime done = GST_VIDEO_INFO_FPS_N (&old) > 0 ?
          gst_util_uint64_scale (p->next,
          (guint64) GST_VIDEO_INFO_FPS_D (&old) * GST_SECOND,
          GST_VIDEO_INFO_FPS_N (&old)) : 0;
      p->next = is_still (p) ? 0 : gst_util_uint64_scale_ceil (done,
          GST_VIDEO_INFO_FPS_N (&p->info),
          (guint64) GST_VIDEO_INFO_FPS_D (&p->info) * GST_SECOND);
      p->joined = TRUE;
    }
    if (is_still (p) && GST_VIDEO_INFO_FPS_N (&old) > 0) {
      /* after the scrolling pictures, not over them */
      p->still_from = from;
    }
  }
  gst_caps_unref (caps);
  return TRUE;
}

void
gst_nmf_picture_defer (GstNmfPicture * p, GstElement * element,
    const GstSegment * segment, gint rate, gsize bins, guint n_sources)
{
  p->pending = TRUE;
  p->element = element;
  p->segment = segment;
  p->rate = rate;
  p->bins = bins;
  p->n_sources = n_sources;
}

GstPad *
gst_nmf_picture_deferred_pad (const GstNmfPicture * p)
{
  return p->pending && !p->viz ? p->pad : NULL;
}

void
gst_nmf_picture_joined (GstNmfPicture * p)
{
  p->joined = TRUE;
}

void
gst_nmf_picture_reset (GstNmfPicture * p)
{
  forget_renderer (p);
  p->pending = FALSE;
  p->drawn_end = GST_CLOCK_TIME_NONE;
}

void
gst_nmf_picture_flush (GstNmfPicture * p)
{
  p->drawn_end = GST_CLOCK_TIME_NONE;
  if (p->viz)
    gst_nmf_viz_clear (p->viz);
}

void
gst_nmf_picture_restart (GstNmfPicture * p, GstNmfOutQueues * queues,
    GstClockTime start, guint hop)
{
  GstClockTime drawn_end = p->drawn_end;

  p->next = 0;
  p->still_from = 0;
  p->drawn_end = GST_CLOCK_TIME_NONE;
  if (!p->viz)
    return;
  if (!is_still (p)) {
    /* the scrolling picture is a time axis: it goes on through a stream
     * that starts where the last ended (a DISCONT flag, a caps change),
     * and across a jump forward (a dropout: the time missing drawn as
     * silence, so the audio before it does not show as what played just
     * before what follows); a jump back (a segment played again) starts
     * it afresh.  A flushing seek has cleared it already
     * (gst_nmf_picture_flush).  Not backwards, where every buffer is a
     * stream of its own. */
    GstClockTime period;

    if (p->reverse || !GST_CLOCK_TIME_IS_VALID (start)
        || !GST_CLOCK_TIME_IS_VALID (drawn_end))
      return;
    period = gst_util_uint64_scale (GST_SECOND,
        GST_VIDEO_INFO_FPS_D (&p->info), GST_VIDEO_INFO_FPS_N (&p->info));
    if (start + period < drawn_end)
      gst_nmf_viz_clear (p->viz);
    else if (start > drawn_end + period && hop > 0 && p->rate > 0)
      gst_nmf_viz_add_silence (p->viz, gst_util_uint64_scale (start -
              drawn_end, p->rate, GST_SECOND * hop));
    return;
  }
  /* a still picture is of its stream alone, as its timestamp and duration
   * say: not of audio flushed by a seek, nor of the stream before a
   * discontinuity (that one had its own picture) */
  gst_nmf_viz_clear (p->viz);
  if (GST_CLOCK_TIME_IS_VALID (start))
    /* the still picture comes at the end: let its sink preroll meanwhile */
    gst_nmf_out_queues_push (queues, p->pad,
        GST_MINI_OBJECT_CAST (gst_event_new_gap (start, GST_CLOCK_TIME_NONE)));
}

static void
push_picture (GstNmfPicture * p, GstNmfOutQueues * queues, GstClockTime ts,
    GstClockTime duration)
{
  GstBuffer *buf = NULL;

  if (!p->pool || gst_buffer_pool_acquire_buffer (p->pool, &buf,
          NULL) != GST_FLOW_OK)
    buf = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&p->info), NULL);
  gst_nmf_viz_render_into (p->viz, buf);
  GST_BUFFER_PTS (buf) = ts;
  GST_BUFFER_DURATION (buf) = duration;
  /* its flow reaches upstream through the combiner, like the sources' */
  gst_nmf_out_queues_push (queues, p->pad, GST_MINI_OBJECT_CAST (buf));
}

void
gst_nmf_picture_add_frame (GstNmfPicture * p, GstNmfOutQueues * queues,
    const GstNmfTimeline * tl, guint64 frame_start, guint64 frame_end,
    const float *magnitude, const float *masks)
{
  gint fps_n, fps_d;

  if (!p->viz && p->pending && p->pad && gst_pad_is_linked (p->pad)) {
    p->pending = FALSE;
    if (gst_nmf_picture_negotiate (p, p->element, queues, p->rate, p->bins,
            p->n_sources))
      gst_nmf_out_queues_push (queues, p->pad,
          GST_MINI_OBJECT_CAST (gst_event_new_segment (p->segment)));
  }
  if (!renegotiate (p, queues, frame_start) || !p->viz)
    return;
  fps_n = GST_VIDEO_INFO_FPS_N (&p->info);
  fps_d = GST_VIDEO_INFO_FPS_D (&p->info);
  if (p->joined) {
    /* a pad that joined a stream under way starts with the picture the
     * audio is in (it rendered every picture since the stream's start at
     * once: 108 000 an hour in): the one holding the first sample this
     * frame adds, so at the stream's start picture 0 (the frame's last
     * sample skipped the pictures before it when a hop spans more than
     * one picture: 120 fps, or fft-size 8192 at 30 fps) */
    p->joined = FALSE;
    if (fps_n > 0)
      p->next = MAX (p->next, gst_util_uint64_scale (frame_start, fps_n,
              (guint64) fps_d * tl->rate));
  }
  gst_nmf_viz_add_frame (p->viz, magnitude, masks);
  p->drawn_end = gst_nmf_timeline_time (tl, frame_end);
  p->reverse = tl->reverse;
  /* a scrolling picture: every video frame that starts within the audio
   * seen shows the spectrogram up to there (one that would start where
   * the audio ends is the next stream's frame 0) */
  while (fps_n > 0 && gst_util_uint64_scale (p->next,
          (guint64) fps_d * tl->rate, fps_n) < frame_end) {
    GstClockTime t0 = gst_nmf_timeline_time (tl, 0);
    GstClockTime ts = t0 + gst_util_uint64_scale (p->next,
        (guint64) fps_d * GST_SECOND, fps_n);
    GstClockTime te = t0 + gst_util_uint64_scale (p->next + 1,
        (guint64) fps_d * GST_SECOND, fps_n);
    push_picture (p, queues, ts, te - ts);
    p->next++;
  }
}

void
gst_nmf_picture_push_still (GstNmfPicture * p, GstNmfOutQueues * queues,
    const GstNmfTimeline * tl, guint64 samples)
{
  GstClockTime start;

  if (!renegotiate (p, queues, samples) || !p->viz || !is_still (p))
    return;
  start = gst_nmf_timeline_time (tl, MIN (p->still_from, samples));
  push_picture (p, queues, start, gst_nmf_timeline_time (tl, samples) - start);
}
