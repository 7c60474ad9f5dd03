/* The viz pad as a GStreamer user drives it: downstream that answers the
 * caps query with ANY, downstream that changes the caps it asks for while
 * the stream plays (a capsfilter's caps set, a sink resized), and still
 * pictures of streams that a flushing seek or a discontinuity starts. */
#include <gst/gst.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>

#include <math.h>
#include <string.h>

#include "harness.h"

static const gchar *const with_viz[] = { "src_0", "viz" };

#define VIZ 1                   /* the harness of the picture pad */

/* A picture with the caps it came with. */
typedef struct
{
  GstBuffer *buf;
  GstVideoInfo info;
} Picture;

/* The pictures the viz harness got, each with the caps in force on its
 * pad when it came: recorded as they come (the harness queues events and
 * buffers apart, so their order is lost once queued). */
static GArray *recorded;
static GMutex recorded_lock;

static void
clear_picture (Picture * p)
{
  gst_buffer_unref (p->buf);
}

static GstPadProbeReturn
record_picture (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  GstCaps *caps = gst_pad_get_current_caps (pad);
  Picture p;

  (void) data;
  p.buf = gst_buffer_ref (GST_PAD_PROBE_INFO_BUFFER (info));
  fail_unless (caps != NULL, "a picture before any caps");
  fail_unless (gst_video_info_from_caps (&p.info, caps));
  gst_caps_unref (caps);
  g_mutex_lock (&recorded_lock);
  g_array_append_val (recorded, p);
  g_mutex_unlock (&recorded_lock);
  return GST_PAD_PROBE_OK;
}

static void
attach (NmfFix * f, const gchar * props)
{
  nmf_fix_attach_pads (f, nmf_test_element ("nmfseparate", props),
      (const gchar * const *) with_viz, 2);
  recorded = g_array_new (FALSE, TRUE, sizeof (Picture));
  gst_pad_add_probe (f->h[VIZ]->sinkpad, GST_PAD_PROBE_TYPE_BUFFER,
      record_picture, NULL, NULL);
}

static void
detach (NmfFix * f)
{
  nmf_fix_teardown (f);
  g_array_set_clear_func (recorded, (GDestroyNotify) clear_picture);
  g_array_unref (recorded);
  recorded = NULL;
}

/* samples [from, from + n) of x, then what every harness holds is left
 * there, the pictures until the element has pushed what it queued */
static void
push (NmfFix * f, const float *x, guint64 from, gsize n)
{
  NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, 1501, 0);

  nmf_fix_push (f, &nmf_mono, x, from, n, &z, FALSE, NULL);
  nmf_fix_drain (f);
}

/* The pictures recorded since the last call, in order (the harness's
 * copies dropped). */
static GArray *
pictures_of (NmfFix * f)
{
  GArray *out;
  GstBuffer *b;

  while ((b = gst_harness_try_pull (f->h[VIZ])))
    gst_buffer_unref (b);
  g_mutex_lock (&recorded_lock);
  out = recorded;
  recorded = g_array_new (FALSE, TRUE, sizeof (Picture));
  g_mutex_unlock (&recorded_lock);
  return out;
}

static void
free_pictures (GArray * pictures)
{
  for (guint i = 0; i < pictures->len; i++)
    gst_buffer_unref (g_array_index (pictures, Picture, i).buf);
  g_array_unref (pictures);
}

/* The caps of the pad's current picture format. */
static void
check_current (NmfFix * f, const gchar * format, gint width, gint height,
    gint fps_n, gint fps_d)
{
  GstCaps *caps = gst_pad_get_current_caps (f->h[VIZ]->sinkpad);
  GstVideoInfo info;

  fail_unless (caps != NULL && gst_video_info_from_caps (&info, caps));
  gst_caps_unref (caps);
  fail_unless_equals_string (gst_video_format_to_string
      (GST_VIDEO_INFO_FORMAT (&info)), format);
  fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&info), width);
  fail_unless_equals_int (GST_VIDEO_INFO_HEIGHT (&info), height);
  fail_unless_equals_int (GST_VIDEO_INFO_FPS_N (&info), fps_n);
  fail_unless_equals_int (GST_VIDEO_INFO_FPS_D (&info), fps_d);
}

/* Downstream asks for another size and format while the stream plays (a
 * capsfilter's caps set: it sends RECONFIGURE upstream): the pictures that
 * follow come in them, each buffer of the new size, every alpha byte 255.
 * The element never looked at RECONFIGURE: the pictures stayed at the
 * first caps to the end of the stream. */
GST_START_TEST (test_viz_reconfigure_size_and_format)
{
  NmfFix f;
  float *x = nmf_test_two_tones (2 * RATE, 1, RATE);
  GArray *before, *after;
  guint lit = 0, renegotiated = 0;

  attach (&f, NULL);
  gst_harness_set_sink_caps_str (f.h[VIZ], "video/x-raw, format=RGBA, "
      "width=64, height=32, framerate=30/1");
  nmf_fix_set_caps (&f, &nmf_mono, NULL);
  push (&f, x, 0, RATE);
  check_current (&f, "RGBA", 64, 32, 30, 1);
  before = pictures_of (&f);
  fail_unless (before->len >= 28, "%u pictures in the first second",
      before->len);

  /* the harness's new caps come with a RECONFIGURE event upstream */
  gst_harness_set_sink_caps_str (f.h[VIZ], "video/x-raw, format=ARGB, "
      "width=96, height=48, framerate=30/1");
  push (&f, x, RATE, RATE);
  nmf_fix_finish (&f, NULL);
  check_current (&f, "ARGB", 96, 48, 30, 1);
  after = pictures_of (&f);
  /* the pictures of the second second, in the new caps but for those
   * queued before the change came */
  for (guint i = 0; i < after->len; i++) {
    Picture *p = &g_array_index (after, Picture, i);
    GstMapInfo map;
    if (GST_VIDEO_INFO_FORMAT (&p->info) != GST_VIDEO_FORMAT_ARGB)
      continue;
    renegotiated++;
    fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&p->info), 96);
    fail_unless_equals_int (gst_buffer_get_size (p->buf), 96 * 48 * 4);
    gst_buffer_map (p->buf, &map, GST_MAP_READ);
    for (gsize px = 0; px < map.size; px += 4) {
      fail_unless_equals_int (map.data[px], 255);
      lit += map.data[px + 1] | map.data[px + 2] | map.data[px + 3] ? 1 : 0;
    }
    gst_buffer_unmap (p->buf, &map);
  }
  fail_unless (renegotiated >= 28, "%u of the %u pictures of the second "
      "second in the new caps", renegotiated, after->len);
  /* the tones are drawn in the new picture */
  fail_unless (lit > 0, "every picture after the change is black");
  /* the two seconds' pictures, one per 1/30 s, timestamps going on */
  fail_unless_equals_int (before->len + after->len, 60);
  for (guint i = 0; i < after->len; i++) {
    GstBuffer *b = g_array_index (after, Picture, i).buf;
    guint n = before->len + i;
    fail_unless_equals_uint64 (GST_BUFFER_PTS (b),
        gst_util_uint64_scale (n, GST_SECOND, 30));
  }
  free_pictures (before);
  free_pictures (after);
  g_free (x);
  detach (&f);
}

GST_END_TEST;

/* Whether any pixel of column x of an RGBA picture is lit. */
static gboolean
column_lit (GstBuffer * b, const GstVideoInfo * info, gint x)
{
  GstVideoFrame frame;
  gboolean lit = FALSE;

  fail_unless (gst_video_frame_map (&frame, info, b, GST_MAP_READ));
  for (gint y = 0; y < GST_VIDEO_INFO_HEIGHT (info) && !lit; y++) {
    const guint8 *px = (const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&frame,
        0) + (gsize) y * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0) + 4 * x;
    lit = px[0] | px[1] | px[2];
  }
  gst_video_frame_unmap (&frame);
  return lit;
}

/* A new framerate mid-stream (30 to 60 fps, then 25000/1001): the
 * pictures after the change last one new period each, start no earlier
 * than the last one before it ended, cover the audio to its end, and
 * scroll on from the picture before (the size and format are the same). */
GST_START_TEST (test_viz_reconfigure_framerate)
{
  static const struct
  {
    gint n, d;
  } rates[] = { {30, 1}, {60, 1}, {25000, 1001} };
  NmfFix f;
  float *x = nmf_test_two_tones (3 * RATE, 1, RATE);
  GstClockTime end = 0;
  guint total = 0;

  attach (&f, NULL);
  for (guint r = 0; r < G_N_ELEMENTS (rates); r++) {
    gchar *caps = g_strdup_printf ("video/x-raw, format=RGBA, width=32, "
        "height=16, framerate=%d/%d", rates[r].n, rates[r].d);
    GArray *pics;
    gst_harness_set_sink_caps_str (f.h[VIZ], caps);
    g_free (caps);
    if (r == 0)
      nmf_fix_set_caps (&f, &nmf_mono, NULL);
    push (&f, x, (guint64) r * RATE, RATE);
    if (r == G_N_ELEMENTS (rates) - 1)
      nmf_fix_finish (&f, NULL);
    check_current (&f, "RGBA", 32, 16, rates[r].n, rates[r].d);
    pics = pictures_of (&f);
    for (guint i = 0, first_new = 1; i < pics->len; i++) {
      Picture *p = &g_array_index (pics, Picture, i);
      GstClockTime ts = GST_BUFFER_PTS (p->buf);
      if (r > 0 && first_new && GST_VIDEO_INFO_FPS_N (&p->info) == rates[r].n) {
        /* the columns drawn before the change are still there: the
         * picture's left edge shows the tone that plays throughout */
        fail_unless (column_lit (p->buf, &p->info, 0), "the first picture "
            "at %d/%d fps starts afresh", rates[r].n, rates[r].d);
        first_new = 0;
      }
      GstClockTime period = gst_util_uint64_scale (GST_SECOND,
          GST_VIDEO_INFO_FPS_D (&p->info), GST_VIDEO_INFO_FPS_N (&p->info));
      fail_unless (ts >= end, "picture %u at %" GST_TIME_FORMAT " before "
          "the end of the last, %" GST_TIME_FORMAT, total + i,
          GST_TIME_ARGS (ts), GST_TIME_ARGS (end));
      /* a period, within the rounding of the frame grid */
      fail_unless (GST_BUFFER_DURATION (p->buf) + 1 >= period
          && GST_BUFFER_DURATION (p->buf) <= period + 1,
          "picture %u lasts %" G_GUINT64_FORMAT " ns at %d/%d fps",
          total + i, GST_BUFFER_DURATION (p->buf),
          GST_VIDEO_INFO_FPS_N (&p->info), GST_VIDEO_INFO_FPS_D (&p->info));
      /* with no gap of a new period or more before it */
      fail_unless (ts < end + period, "picture %u at %" GST_TIME_FORMAT
          " after a gap from %" GST_TIME_FORMAT, total + i,
          GST_TIME_ARGS (ts), GST_TIME_ARGS (end));
      end = ts + GST_BUFFER_DURATION (p->buf);
    }
    total += pics->len;
    free_pictures (pics);
  }
  /* the last picture holds the audio's end */
  fail_unless (end >= 3 * GST_SECOND && end < 3 * GST_SECOND + GST_SECOND
      / 25, "the pictures end at %" GST_TIME_FORMAT, GST_TIME_ARGS (end));
  g_free (x);
  detach (&f);
}

GST_END_TEST;

/* Counts the lit pixels (any of R, G, B not 0) of an RGB picture. */
static guint
lit_pixels (GstBuffer * b, const GstVideoInfo * info)
{
  GstVideoFrame frame;
  guint lit = 0;

  fail_unless (gst_video_frame_map (&frame, info, b, GST_MAP_READ));
  for (gint y = 0; y < GST_VIDEO_INFO_HEIGHT (info); y++) {
    const guint8 *row = (const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&frame,
        0) + (gsize) y * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0);
    for (gint px = 0; px < GST_VIDEO_INFO_WIDTH (info); px++)
      lit += row[3 * px] | row[3 * px + 1] | row[3 * px + 2] ? 1 : 0;
  }
  gst_video_frame_unmap (&frame);
  return lit;
}

/* What a flushing seek to `to` sends down: the flush and a new segment. */
static void
flushing_seek (NmfFix * f, GstClockTime to)
{
  GstSegment seg;

  fail_unless (gst_harness_push_event (f->h[0], gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (f->h[0],
          gst_event_new_flush_stop (TRUE)));
  gst_segment_init (&seg, GST_FORMAT_TIME);
  seg.start = seg.time = seg.position = to;
  fail_unless (gst_harness_push_event (f->h[0], gst_event_new_segment (&seg)));
}

/* A flushing seek, then silence to EOS: the still picture is of the
 * stream after the seek (its timestamp and duration say so), all black.
 * It held the tones of the audio flushed before the seek, squeezed into
 * its left part. */
GST_START_TEST (test_viz_still_after_flush)
{
  NmfFix f;
  float *x = nmf_test_two_tones (2 * RATE, 1, RATE);
  float *silence = g_new0 (float, RATE);
  const NmfTimeline after = { RATE, 1, 10 * GST_SECOND, 10 * (guint64) RATE };
  NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, 1501, 0);
  GArray *pics;
  Picture *p;

  attach (&f, NULL);
  gst_harness_set_sink_caps_str (f.h[VIZ], "video/x-raw, format=RGB, "
      "width=64, height=32, framerate=0/1");
  nmf_fix_set_caps (&f, &nmf_mono, NULL);
  push (&f, x, 0, 2 * RATE);

  flushing_seek (&f, 10 * GST_SECOND);
  nmf_fix_push (&f, &after, silence, 0, RATE, &z, TRUE, NULL);
  nmf_fix_finish (&f, NULL);

  pics = pictures_of (&f);
  fail_unless_equals_int (pics->len, 1);
  p = &g_array_index (pics, Picture, 0);
  fail_unless_equals_uint64 (GST_BUFFER_PTS (p->buf), 10 * GST_SECOND);
  fail_unless_equals_uint64 (GST_BUFFER_DURATION (p->buf), GST_SECOND);
  fail_unless_equals_int (lit_pixels (p->buf, &p->info), 0);
  free_pictures (pics);
  g_free (silence);
  g_free (x);
  detach (&f);
}

GST_END_TEST;

/* A discontinuity ends a stream (drained, its still picture pushed) and
 * starts the next: the next still picture shows its own audio only (here
 * silence: black), as its timestamp and duration say, not the stream
 * before squeezed in with it. */
GST_START_TEST (test_viz_still_per_stream)
{
  NmfFix f;
  float *x = nmf_test_two_tones (RATE, 1, RATE);
  float *silence = g_new0 (float, RATE);
  const NmfTimeline later = { RATE, 1, 5 * GST_SECOND, 5 * (guint64) RATE };
  NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, 1501, 0);
  GArray *pics;
  Picture *p;

  attach (&f, NULL);
  gst_harness_set_sink_caps_str (f.h[VIZ], "video/x-raw, format=RGB, "
      "width=64, height=32, framerate=0/1");
  nmf_fix_set_caps (&f, &nmf_mono, NULL);
  push (&f, x, 0, RATE);
  nmf_fix_push (&f, &later, silence, 0, RATE, &z, TRUE, NULL);
  nmf_fix_finish (&f, NULL);

  pics = pictures_of (&f);
  fail_unless_equals_int (pics->len, 2);
  p = &g_array_index (pics, Picture, 0);
  fail_unless_equals_uint64 (GST_BUFFER_PTS (p->buf), 0);
  fail_unless (lit_pixels (p->buf, &p->info) > 0, "the tones are not drawn");
  p = &g_array_index (pics, Picture, 1);
  fail_unless_equals_uint64 (GST_BUFFER_PTS (p->buf), 5 * GST_SECOND);
  fail_unless_equals_uint64 (GST_BUFFER_DURATION (p->buf), GST_SECOND);
  fail_unless_equals_int (lit_pixels (p->buf, &p->info), 0);
  free_pictures (pics);
  g_free (silence);
  g_free (x);
  detach (&f);
}

GST_END_TEST;

/* A scrolling pad turned still mid-stream (framerate 30/1, then 0/1):
 * its one picture comes at the end, after the scrolling ones (it was
 * stamped from the stream's start, before them), and lasts to the end. */
GST_START_TEST (test_viz_reconfigure_to_still)
{
  NmfFix f;
  float *x = nmf_test_two_tones (2 * RATE, 1, RATE);
  GArray *pics;
  GstClockTime end = 0;
  Picture *still;

  attach (&f, NULL);
  gst_harness_set_sink_caps_str (f.h[VIZ], "video/x-raw, format=RGBA, "
      "width=32, height=16, framerate=30/1");
  nmf_fix_set_caps (&f, &nmf_mono, NULL);
  push (&f, x, 0, RATE);
  gst_harness_set_sink_caps_str (f.h[VIZ], "video/x-raw, format=RGBA, "
      "width=32, height=16, framerate=0/1");
  push (&f, x, RATE, RATE);
  nmf_fix_finish (&f, NULL);
  check_current (&f, "RGBA", 32, 16, 0, 1);

  pics = pictures_of (&f);
  fail_unless (pics->len >= 31, "%u pictures", pics->len);
  for (guint i = 0; i + 1 < pics->len; i++) {
    Picture *p = &g_array_index (pics, Picture, i);
    fail_unless_equals_int (GST_VIDEO_INFO_FPS_N (&p->info), 30);
    end = GST_BUFFER_PTS (p->buf) + GST_BUFFER_DURATION (p->buf);
  }
  still = &g_array_index (pics, Picture, pics->len - 1);
  fail_unless_equals_int (GST_VIDEO_INFO_FPS_N (&still->info), 0);
  fail_unless (GST_BUFFER_PTS (still->buf) >= end - GST_SECOND / 30,
      "the still picture at %" GST_TIME_FORMAT ", the scrolling ones "
      "reached %" GST_TIME_FORMAT, GST_TIME_ARGS (GST_BUFFER_PTS
          (still->buf)), GST_TIME_ARGS (end));
  fail_unless_equals_uint64 (GST_BUFFER_PTS (still->buf) +
      GST_BUFFER_DURATION (still->buf), 2 * GST_SECOND);
  free_pictures (pics);
  g_free (x);
  detach (&f);
}

GST_END_TEST;

/* A RECONFIGURE that asks for nothing new (elements send them on their
 * own: a queue's, a converter's) leaves the picture as it is: a still
 * picture still holds the tones from before it. */
GST_START_TEST (test_viz_reconfigure_same_caps)
{
  NmfFix f;
  float *x = nmf_test_two_tones (RATE, 1, RATE);
  /* silence after the tones' second */
  float *silence = g_new0 (float, 2 * RATE);
  GArray *pics;
  Picture *p;

  attach (&f, NULL);
  gst_harness_set_sink_caps_str (f.h[VIZ], "video/x-raw, format=RGB, "
      "width=64, height=32, framerate=0/1");
  nmf_fix_set_caps (&f, &nmf_mono, NULL);
  push (&f, x, 0, RATE);
  fail_unless (gst_pad_push_event (f.h[VIZ]->sinkpad,
          gst_event_new_reconfigure ()));
  push (&f, silence, RATE, RATE);
  nmf_fix_finish (&f, NULL);

  pics = pictures_of (&f);
  fail_unless_equals_int (pics->len, 1);
  p = &g_array_index (pics, Picture, 0);
  fail_unless_equals_uint64 (GST_BUFFER_PTS (p->buf), 0);
  fail_unless_equals_uint64 (GST_BUFFER_DURATION (p->buf), 2 * GST_SECOND);
  /* the tones' half of the picture */
  fail_unless (lit_pixels (p->buf, &p->info) > 64 * 32 / 8, "%u pixels lit",
      lit_pixels (p->buf, &p->info));
  free_pictures (pics);
  g_free (silence);
  g_free (x);
  detach (&f);
}

GST_END_TEST;

/* Whether no pixel of an RGBA picture is lit. */
static gboolean
all_black (GstBuffer * b, const GstVideoInfo * info)
{
  for (gint x = 0; x < GST_VIDEO_INFO_WIDTH (info); x++)
    if (column_lit (b, info, x))
      return FALSE;
  return TRUE;
}

/* A scrolling picture after a flushing seek (to 10 s, then silence) shows
 * the audio from the seek on: black.  Its left part showed the tones
 * played before the seek, as if they had just played before 10 s. */
GST_START_TEST (test_viz_scrolling_after_flush)
{
  NmfFix f;
  float *x = nmf_test_two_tones (2 * RATE, 1, RATE);
  float *silence = g_new0 (float, RATE);
  const NmfTimeline after = { RATE, 1, 10 * GST_SECOND, 10 * (guint64) RATE };
  NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, 1501, 0);
  GArray *pics;

  attach (&f, NULL);
  gst_harness_set_sink_caps_str (f.h[VIZ], "video/x-raw, format=RGBA, "
      "width=32, height=16, framerate=30/1");
  nmf_fix_set_caps (&f, &nmf_mono, NULL);
  push (&f, x, 0, 2 * RATE);
  pics = pictures_of (&f);
  fail_unless (pics->len > 0 && !all_black (g_array_index (pics, Picture,
              pics->len - 1).buf, &g_array_index (pics, Picture,
              pics->len - 1).info), "the tones are not drawn");
  free_pictures (pics);

  flushing_seek (&f, 10 * GST_SECOND);
  nmf_fix_push (&f, &after, silence, 0, RATE, &z, TRUE, NULL);
  nmf_fix_finish (&f, NULL);

  pics = pictures_of (&f);
  fail_unless (pics->len >= 29, "%u pictures after the seek", pics->len);
  for (guint i = 0; i < pics->len; i++) {
    Picture *p = &g_array_index (pics, Picture, i);
    fail_unless (GST_BUFFER_PTS (p->buf) >= 10 * GST_SECOND);
    fail_unless (all_black (p->buf, &p->info), "picture %u after the seek "
        "shows audio from before it", i);
  }
  free_pictures (pics);
  g_free (silence);
  g_free (x);
  detach (&f);
}

GST_END_TEST;

/* A jump forward in time (a live source's dropout: a DISCONT buffer 0.2 s
 * after where the audio ended) scrolls on with the missing time drawn as
 * silence: the picture after it shows the tones before the gap at its
 * left, a black stretch, and the tones after it.  It was cleared (the
 * picture blanked at every dropout). */
GST_START_TEST (test_viz_scrolling_across_dropout)
{
  NmfFix f;
  float *x = nmf_test_two_tones (2 * RATE + RATE / 10, 1, RATE);
  /* the same samples, 0.2 s later in time */
  const NmfTimeline later = { RATE, 1, GST_SECOND / 5, 0 };
  NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, 1501, 0);
  GArray *pics;
  Picture *last;
  gint w, black = 0;

  attach (&f, NULL);
  /* 64 columns of 512 samples: 0.74 s of audio across */
  gst_harness_set_sink_caps_str (f.h[VIZ], "video/x-raw, format=RGBA, "
      "width=64, height=16, framerate=30/1");
  nmf_fix_set_caps (&f, &nmf_mono, NULL);
  push (&f, x, 0, 2 * RATE);
  free_pictures (pictures_of (&f));
  nmf_fix_push (&f, &later, x, 2 * RATE, RATE / 10, &z, TRUE, NULL);
  nmf_fix_finish (&f, NULL);

  pics = pictures_of (&f);
  fail_unless (pics->len >= 3, "%u pictures", pics->len);
  last = &g_array_index (pics, Picture, pics->len - 1);
  w = GST_VIDEO_INFO_WIDTH (&last->info);
  fail_unless (column_lit (last->buf, &last->info, 0),
      "the tones before the dropout are gone");
  fail_unless (column_lit (last->buf, &last->info, w - 1),
      "the tones after the dropout are not drawn");
  for (gint c = 0; c < w; c++)
    black += !column_lit (last->buf, &last->info, c);
  /* 0.2 s is 17 columns; the STFT's edges at the jump darken a few more */
  fail_unless (black >= 15 && black <= 30, "%d black columns for 0.2 s",
      black);
  free_pictures (pics);
  g_free (x);
  detach (&f);
}

GST_END_TEST;

/* A stream that goes on where the last ended (a DISCONT flag, no jump in
 * time; a caps change) scrolls on: the picture after it still shows the
 * tones before it. */
GST_START_TEST (test_viz_scrolling_continues)
{
  NmfFix f;
  float *x = nmf_test_two_tones (2 * RATE, 1, RATE);
  /* silence after the tones' two seconds */
  float *silence = g_new0 (float, 2 * RATE + RATE / 10);
  NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, 1501, 0);
  GArray *pics;

  attach (&f, NULL);
  gst_harness_set_sink_caps_str (f.h[VIZ], "video/x-raw, format=RGBA, "
      "width=32, height=16, framerate=30/1");
  nmf_fix_set_caps (&f, &nmf_mono, NULL);
  push (&f, x, 0, 2 * RATE);
  free_pictures (pictures_of (&f));
  /* a tenth of a second of silence, flagged DISCONT at the time it has */
  nmf_fix_push (&f, &nmf_mono, silence, 2 * RATE, RATE / 10, &z, TRUE,
      NULL);
  nmf_fix_finish (&f, NULL);

  pics = pictures_of (&f);
  fail_unless (pics->len >= 3, "%u pictures", pics->len);
  fail_unless (column_lit (g_array_index (pics, Picture, pics->len - 1).buf,
          &g_array_index (pics, Picture, pics->len - 1).info, 0),
      "the picture started afresh");
  free_pictures (pics);
  g_free (silence);
  g_free (x);
  detach (&f);
}

GST_END_TEST;

/* The same without timestamps: the stream after the DISCONT goes on with
 * the sample count, and so does the picture.  It started afresh: the
 * stream's start was taken to be the count's origin, the segment's
 * start, seconds back. */
GST_START_TEST (test_viz_scrolling_continues_untimed)
{
  NmfFix f;
  const NmfTimeline untimed = { RATE, 1, GST_CLOCK_TIME_NONE,
    GST_BUFFER_OFFSET_NONE
  };
  float *x = nmf_test_two_tones (2 * RATE, 1, RATE);
  float *silence = g_new0 (float, 2 * RATE + RATE / 10);
  NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, 1501, 0);
  GArray *pics;

  attach (&f, NULL);
  gst_harness_set_sink_caps_str (f.h[VIZ], "video/x-raw, format=RGBA, "
      "width=32, height=16, framerate=30/1");
  nmf_fix_set_caps (&f, &untimed, NULL);
  nmf_fix_push (&f, &untimed, x, 0, 2 * RATE, &z, FALSE, NULL);
  free_pictures (pictures_of (&f));
  nmf_fix_push (&f, &untimed, silence, 2 * RATE, RATE / 10, &z, TRUE, NULL);
  nmf_fix_finish (&f, NULL);

  pics = pictures_of (&f);
  fail_unless (pics->len >= 3, "%u pictures", pics->len);
  fail_unless (column_lit (g_array_index (pics, Picture, pics->len - 1).buf,
          &g_array_index (pics, Picture, pics->len - 1).info, 0),
      "the picture started afresh");
  free_pictures (pics);
  g_free (silence);
  g_free (x);
  detach (&f);
}

GST_END_TEST;

/* A 1 kHz sine of n samples at rate. */
static float *
sine (gsize n, gint rate)
{
  float *x = g_new (float, n);

  for (gsize i = 0; i < n; i++)
    x[i] = (float) (0.5 * sin (2 * G_PI * 1000.0 * i / rate));
  return x;
}

/* The brightest row of column x of an RGBA picture. */
static gint
brightest_row (GstBuffer * b, const GstVideoInfo * info, gint x)
{
  GstVideoFrame frame;
  gint best = -1, best_sum = -1;

  fail_unless (gst_video_frame_map (&frame, info, b, GST_MAP_READ));
  for (gint y = 0; y < GST_VIDEO_INFO_HEIGHT (info); y++) {
    const guint8 *px = (const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&frame,
        0) + (gsize) y * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0) + 4 * x;
    if (px[0] + px[1] + px[2] > best_sum) {
      best_sum = px[0] + px[1] + px[2];
      best = y;
    }
  }
  gst_video_frame_unmap (&frame);
  return best;
}

/* The audio's rate changes (44.1 to 8 kHz): the frequency axis is that
 * of the new rate, a 1 kHz tone drawn at the row docs/element.md gives
 * (row 30 of 101 at 8 kHz; 49 at 44.1 kHz).  A renderer kept through the
 * audio's new caps as through a new framerate drew it at the old rate's
 * rows. */
GST_START_TEST (test_viz_audio_rate_change)
{
  const gint height = 101, low_rate = 8000;
  const NmfTimeline t2 = { low_rate, 1, GST_SECOND, GST_BUFFER_OFFSET_NONE };
  float *x1 = sine (RATE, RATE), *x2 = sine (low_rate, low_rate);
  NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, 1000, 0);
  double low = 40, nyquist = low_rate / 2.0;
  gint expect = (gint) lround ((1 - log (1000 / low) / log (nyquist / low))
      * (height - 1));
  GArray *pics;
  Picture *last;
  NmfFix f;

  attach (&f, NULL);
  gst_harness_set_sink_caps_str (f.h[VIZ], "video/x-raw, format=RGBA, "
      "width=32, height=101, framerate=30/1");
  nmf_fix_set_caps (&f, &nmf_mono, NULL);
  push (&f, x1, 0, RATE);
  nmf_fix_set_caps (&f, &t2, NULL);
  nmf_fix_push (&f, &t2, x2, 0, low_rate, &z, FALSE, NULL);
  nmf_fix_finish (&f, NULL);

  pics = pictures_of (&f);
  fail_unless (pics->len >= 59, "%u pictures", pics->len);
  last = &g_array_index (pics, Picture, pics->len - 1);
  {
    gint row = brightest_row (last->buf, &last->info, 31);
    fail_unless (ABS (row - expect) <= 1, "the tone at row %d, not %d",
        row, expect);
  }
  free_pictures (pics);
  g_free (x1);
  g_free (x2);
  detach (&f);
}

GST_END_TEST;

/* A sink pad answering the caps query with ANY whatever the filter (as
 * some elements do), counting the pictures it gets. */
static gboolean
any_caps_query (GstPad * pad, GstObject * parent, GstQuery * query)
{
  if (GST_QUERY_TYPE (query) == GST_QUERY_CAPS) {
    GstCaps *any = gst_caps_new_any ();
    gst_query_set_caps_result (query, any);
    gst_caps_unref (any);
    return TRUE;
  }
  return gst_pad_query_default (pad, parent, query);
}

static GstFlowReturn
count_picture (GstPad * pad, GstObject * parent, GstBuffer * buf)
{
  guint *pictures = g_object_get_data (G_OBJECT (pad), "pictures");

  (void) parent;
  g_atomic_int_inc (pictures);
  gst_buffer_unref (buf);
  return GST_FLOW_OK;
}

/* Downstream answering ANY: the pad's default format, 640x360 RGBA at
 * 30 fps, within its template.  The answer was fixated as it came: ANY
 * caps, with criticals from every fixating call. */
GST_START_TEST (test_viz_peer_answers_any)
{
  static const gchar *const src_only[] = { "src_0" };
  float *x = nmf_test_two_tones (RATE, 1, RATE);
  NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, 1501, 0);
  GstPad *viz, *sink = gst_pad_new ("any", GST_PAD_SINK);
  guint pictures = 0;
  GstCaps *caps;
  GstVideoInfo info;
  NmfFix f;

  g_object_set_data (G_OBJECT (sink), "pictures", &pictures);
  gst_pad_set_query_function (sink, any_caps_query);
  gst_pad_set_chain_function (sink, count_picture);
  gst_pad_set_active (sink, TRUE);
  nmf_fix_attach_pads (&f, nmf_test_element ("nmfseparate", NULL),
      (const gchar * const *) src_only, 1);
  viz = gst_element_request_pad_simple (f.el, "viz");
  fail_unless_equals_int (gst_pad_link (viz, sink), GST_PAD_LINK_OK);
  nmf_fix_set_caps (&f, &nmf_mono, NULL);
  nmf_fix_push (&f, &nmf_mono, x, 0, RATE, &z, FALSE, NULL);
  nmf_fix_finish (&f, NULL);
  nmf_fix_drain (&f);

  caps = gst_pad_get_current_caps (sink);
  fail_unless (caps != NULL && gst_video_info_from_caps (&info, caps));
  gst_caps_unref (caps);
  fail_unless_equals_int (GST_VIDEO_INFO_FORMAT (&info),
      GST_VIDEO_FORMAT_RGBA);
  fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&info), 640);
  fail_unless_equals_int (GST_VIDEO_INFO_HEIGHT (&info), 360);
  fail_unless_equals_int (GST_VIDEO_INFO_FPS_N (&info), 30);
  fail_unless_equals_int (g_atomic_int_get (&pictures), 30);

  gst_pad_unlink (viz, sink);
  gst_element_release_request_pad (f.el, viz);
  gst_object_unref (viz);
  gst_object_unref (sink);
  g_free (x);
  nmf_fix_teardown (&f);
}

GST_END_TEST;

static Suite *
nmfseparate_viz_suite (void)
{
  static const NmfTest tests[] = {
    NMF_TEST ("viz", test_viz_reconfigure_size_and_format),
    NMF_TEST ("viz", test_viz_reconfigure_framerate),
    NMF_TEST ("viz", test_viz_reconfigure_to_still),
    NMF_TEST ("viz", test_viz_reconfigure_same_caps),
    NMF_TEST ("viz", test_viz_audio_rate_change),
    NMF_TEST ("viz", test_viz_still_after_flush),
    NMF_TEST ("viz", test_viz_still_per_stream),
    NMF_TEST ("viz", test_viz_scrolling_after_flush),
    NMF_TEST ("viz", test_viz_scrolling_continues),
    NMF_TEST ("viz", test_viz_scrolling_continues_untimed),
    NMF_TEST ("viz", test_viz_scrolling_across_dropout),
    NMF_TEST ("viz", test_viz_peer_answers_any),
  };

  return nmf_test_suite ("nmfseparate-viz", tests, G_N_ELEMENTS (tests), 0);
}

GST_CHECK_MAIN (nmfseparate_viz);
