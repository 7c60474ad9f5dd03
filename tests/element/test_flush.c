/* GStreamer
 * Copyright (C) 2026 gst-nmf developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* GstHarness tests of nmfseparate's stream events (its SECTION doc
 * comment): a flush drops what is held, a discontinuity (DISCONT flag,
 * timestamp jump) or a caps change drains it and starts a new stream,
 * untimestamped streams keep one timeline, and a flush releases a
 * streaming thread blocked by a branch that does not take its buffers. */

#include <gst/gst.h>
#include <gst/audio/audio.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "harness.h"

/* ------------------------------------------------------------------------ */
/* 7. Flush and discont */

GST_START_TEST (test_flush)
{
  NmfFix f;
  const guint64 n1 = 10000, n2 = 7000;
  const NmfTimeline t2 = { RATE, 1, 5 * GST_SECOND + 12345, 5 * RATE };
  NmfSizes z1 = NMF_SIZES (NMF_SIZES_FIXED, 1000, 0);
  NmfSizes z2 = NMF_SIZES (NMF_SIZES_FIXED, 700, 0);
  float *x = nmf_test_two_tones (n1 + n2, 1, RATE);
  Collector c[2];
  GstSegment seg;

  nmf_fix_attach (&f, nmf_test_separator (), 2);
  nmf_fix_set_caps (&f, &nmf_mono, NULL);
  collectors_init (c, 2, &nmf_mono, FALSE);
  nmf_fix_push (&f, &nmf_mono, x, 0, n1, &z1, FALSE, NULL);
  nmf_fix_drain (&f);
  for (guint s = 0; s < 2; s++) {
    nmf_test_collect (f.h[s], &c[s]);
    /* the element holds at most fft-size samples */
    fail_unless (c[s].n <= n1);
    fail_unless (c[s].n + FFT >= n1, "only %" G_GUINT64_FORMAT " out", c[s].n);
  }

  fail_unless (gst_harness_push_event (f.h[0], gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (f.h[0],
          gst_event_new_flush_stop (TRUE)));
  gst_segment_init (&seg, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (f.h[0], gst_event_new_segment (&seg)));

  /* the held samples are gone: what comes now starts at the new PTS */
  collectors_init (c, 2, &t2, FALSE);
  nmf_fix_push (&f, &t2, x + n1, 0, n2, &z2, FALSE, NULL);
  fail_unless (gst_harness_push_event (f.h[0], gst_event_new_eos ()));
  for (guint s = 0; s < 2; s++) {
    GstEvent *ev;
    gboolean saw_start = FALSE, saw_stop = FALSE;
    GstBuffer *b;

    /* flush events went through to every pad */
    while ((ev = gst_harness_pull_event (f.h[s]))) {
      GstEventType type = GST_EVENT_TYPE (ev);
      gst_event_unref (ev);
      if (type == GST_EVENT_FLUSH_START)
        saw_start = TRUE;
      else if (type == GST_EVENT_FLUSH_STOP)
        saw_stop = TRUE;
      else if (type == GST_EVENT_EOS)
        break;
    }
    fail_unless (saw_start && saw_stop);
    b = gst_harness_try_pull (f.h[s]);
    fail_unless (b != NULL);
    fail_unless (GST_BUFFER_IS_DISCONT (b));
    collector_add (&c[s], b);
    nmf_test_collect (f.h[s], &c[s]);
    fail_unless_equals_uint64 (c[s].n, n2);
  }
  collectors_clear (c, 2);
  g_free (x);
  nmf_fix_teardown (&f);
}

GST_END_TEST;

/* Checks that bufs hold exactly samples [from, from + n) of the stream
 * on t from *i on, only the first one DISCONT (if first_discont). */
static void
check_stream_part_from (GPtrArray * bufs, guint * i, const NmfTimeline * t,
    guint64 from, guint64 n, gboolean first_discont)
{
  Collector c;

  collector_init (&c, t, FALSE);
  c.n = from;
  n += from;
  fail_unless (*i < bufs->len, "nothing of the stream at %" GST_TIME_FORMAT,
      GST_TIME_ARGS (t->base));
  while (*i < bufs->len && c.n < n) {
    GstBuffer *buf = g_ptr_array_index (bufs, (*i)++);
    /* (`from`: fail_unless_equals_int declares `first`) */
    fail_unless_equals_int (GST_BUFFER_IS_DISCONT (buf), c.n == from
        && first_discont);
    collector_add (&c, gst_buffer_ref (buf));
  }
  fail_unless_equals_uint64 (c.n, n);
}

/* Checks that bufs hold exactly the stream of `n` samples on t from *i on,
 * only the first one DISCONT (if first_discont). */
static void
check_stream_part (GPtrArray * bufs, guint * i, const NmfTimeline * t,
    guint64 n, gboolean first_discont)
{
  check_stream_part_from (bufs, i, t, 0, n, first_discont);
}

/* Checks that each of bufs starts where the one before ends and that the
 * last ends at `end`, to the nanosecond. */
static void
check_contiguous_to (GPtrArray * bufs, GstClockTime end, const gchar * what)
{
  GstClockTime at = GST_CLOCK_TIME_NONE;

  fail_unless (bufs->len > 0);
  for (guint i = 0; i < bufs->len; i++) {
    GstBuffer *buf = g_ptr_array_index (bufs, i);
    fail_unless (i == 0 || GST_BUFFER_PTS (buf) == at, "%s: buffer %u at %"
        G_GUINT64_FORMAT " ns, the one before ended at %" G_GUINT64_FORMAT,
        what, i, GST_BUFFER_PTS (buf), at);
    at = GST_BUFFER_PTS (buf) + GST_BUFFER_DURATION (buf);
  }
  fail_unless (at == end, "%s: the output ends at %" G_GUINT64_FORMAT
      " ns, the input at %" G_GUINT64_FORMAT, what, at, end);
}

/* kind: 0 = DISCONT flag + PTS jump, 1 = PTS jump only, 2 = DISCONT flag
 * with contiguous PTS: the upstream's count goes on, and so do the
 * output's timestamps (counted again from the DISCONT buffer's PTS, they
 * were up to 1 ns early, the end 1 ns short of the input's) */
static void
check_discont (gint kind)
{
  NmfFix f;
  const guint64 n1 = 7777, n2 = 5555;
  const NmfTimeline jump = { RATE, 1, 10 * GST_SECOND, 10 * RATE };
  const NmfTimeline *t2 = kind == 2 ? &nmf_mono : &jump;
  const guint64 first2 = kind == 2 ? n1 : 0;
  NmfSizes z1 = NMF_SIZES (NMF_SIZES_FIXED, 1111, 0);
  NmfSizes z2 = NMF_SIZES (NMF_SIZES_FIXED, 999, 0);
  float *x = nmf_test_two_tones (n1 + n2, 1, RATE);

  nmf_fix_attach (&f, nmf_test_separator (), 2);
  nmf_fix_set_caps (&f, &nmf_mono, NULL);
  nmf_fix_push (&f, &nmf_mono, x, 0, n1, &z1, FALSE, NULL);
  nmf_fix_push (&f, t2, x + n1 - first2, first2, n2, &z2, kind != 1, NULL);
  nmf_fix_finish (&f, NULL);

  for (guint s = 0; s < 2; s++) {
    GPtrArray *bufs = nmf_test_pull_all (f.h[s]);
    guint i = 0, j;
    guint64 before = 0;

    /* stream 1: drained exactly before stream 2 starts, i.e. the first
     * DISCONT buffer after the start comes after exactly n1 samples */
    for (j = 0; j < bufs->len; j++) {
      GstBuffer *buf = g_ptr_array_index (bufs, j);
      if (j > 0 && GST_BUFFER_IS_DISCONT (buf))
        break;
      before += gst_buffer_get_size (buf) / sizeof (float);
    }
    fail_unless (j < bufs->len && before == n1, "%s: the element did not "
        "start a new stream after exactly %" G_GUINT64_FORMAT " samples "
        "(%s after %" G_GUINT64_FORMAT ")", kind == 0 ? "DISCONT + PTS jump"
        : kind == 1 ? "PTS jump of 10 s without DISCONT flag" :
        "DISCONT flag", n1, j < bufs->len ? "new stream" : "no new stream",
        before);
    check_stream_part (bufs, &i, &nmf_mono, n1, TRUE);
    check_stream_part_from (bufs, &i, t2, first2, n2, TRUE);
    fail_unless_equals_int (i, bufs->len);
    g_ptr_array_free (bufs, TRUE);
  }
  g_free (x);
  nmf_fix_teardown (&f);
}

GST_START_TEST (test_discont_flag_and_jump)
{
  check_discont (0);
}

GST_END_TEST;

GST_START_TEST (test_discont_pts_jump)
{
  check_discont (1);
}

GST_END_TEST;

GST_START_TEST (test_discont_flag_only)
{
  check_discont (2);
}

GST_END_TEST;

/* One buffer without a PTS in a stream timestamped exactly continues it:
 * one stream, only its first buffer DISCONT (the aligner did not count
 * the untimestamped samples, and the next buffer looked late by them: a
 * new stream).  untimed: which buffer (of 1000 samples) has no PTS. */
static void
check_one_untimed (guint untimed)
{
  NmfFix f;
  const guint n = 20, size = 1000;
  float *x = nmf_test_two_tones (n * size, 1, RATE);

  nmf_fix_attach (&f, nmf_test_separator (), 2);
  nmf_fix_set_caps (&f, &nmf_mono, NULL);
  for (guint b = 0; b < n; b++) {
    GstBuffer *buf = nmf_test_buffer (&nmf_mono, x + b * size, b * size,
        size, FALSE);
    if (b == untimed)
      GST_BUFFER_PTS (buf) = GST_CLOCK_TIME_NONE;
    fail_unless_equals_int (gst_harness_push (f.h[0], buf), GST_FLOW_OK);
  }
  nmf_fix_finish (&f, NULL);
  for (guint s = 0; s < 2; s++) {
    GPtrArray *bufs = nmf_test_pull_all (f.h[s]);
    guint i = 0;
    check_stream_part (bufs, &i, &nmf_mono, n * size, TRUE);
    fail_unless_equals_int (i, bufs->len);
    g_ptr_array_free (bufs, TRUE);
  }
  g_free (x);
  nmf_fix_teardown (&f);
}

GST_START_TEST (test_one_untimed_buffer)
{
  check_one_untimed (8);
  check_one_untimed (0);
}

GST_END_TEST;

/* A buffer with no whole sample is no part of the timeline: one far from
 * the stream's time, or one without a PTS, cuts nothing (one at 5 s
 * drained and restarted the stream, twice: there, and at the next
 * buffer), and the DISCONT flag of one goes to the next buffer.  Each
 * empty buffer comes after `size` samples; the one at empty_discont is
 * DISCONT. */
GST_START_TEST (test_empty_buffers)
{
  NmfFix f;
  const guint n = 12, size = 1000, empty_discont = 7;
  float *x = nmf_test_two_tones (n * size, 1, RATE);

  nmf_fix_attach (&f, nmf_test_separator (), 2);
  nmf_fix_set_caps (&f, &nmf_mono, NULL);
  for (guint b = 0; b < n; b++) {
    GstBuffer *empty = gst_buffer_new ();
    fail_unless_equals_int (gst_harness_push (f.h[0],
            nmf_test_buffer (&nmf_mono, x + b * size, b * size, size, FALSE)),
        GST_FLOW_OK);
    if (b % 3 == 0)
      GST_BUFFER_PTS (empty) = 5 * GST_SECOND;
    else if (b % 3 == 1)
      GST_BUFFER_PTS (empty) = nmf_test_time ((b + 1) * size, RATE);
    if (b == empty_discont)
      GST_BUFFER_FLAG_SET (empty, GST_BUFFER_FLAG_DISCONT);
    fail_unless_equals_int (gst_harness_push (f.h[0], empty), GST_FLOW_OK);
  }
  nmf_fix_finish (&f, NULL);
  for (guint s = 0; s < 2; s++) {
    GPtrArray *bufs = nmf_test_pull_all (f.h[s]);
    guint i = 0;
    /* the second stream goes on with the input's count (it did not: its
     * timestamps were counted again from its first, up to 1 ns early) */
    check_stream_part (bufs, &i, &nmf_mono, (empty_discont + 1) * size, TRUE);
    check_stream_part_from (bufs, &i, &nmf_mono, (empty_discont + 1) * size,
        (n - empty_discont - 1) * size, TRUE);
    fail_unless_equals_int (i, bufs->len);
    g_ptr_array_free (bufs, TRUE);
  }
  g_free (x);
  nmf_fix_teardown (&f);
}

GST_END_TEST;

/* Reverse playback: the buffers come last first, each one's samples in
 * order, and only the first is DISCONT (a decoder's reverse chunk).  Each
 * buffer is a stream of its own with its own timestamps: 10 ms buffers
 * step back 20 ms, which the aligner took for jitter and stamped every
 * second buffer 20 ms after the one before (its input 10 ms before). */
GST_START_TEST (test_reverse_playback)
{
  NmfFix f;
  const guint n = 10, size = RATE / 100;
  float *x = nmf_test_two_tones (n * size, 1, RATE);
  GstSegment seg;

  nmf_fix_attach (&f, nmf_test_separator (), 2);
  nmf_fix_set_caps (&f, &nmf_mono, NULL);
  gst_segment_init (&seg, GST_FORMAT_TIME);
  seg.rate = -1.0;
  seg.stop = nmf_test_time (n * size, RATE);
  fail_unless (gst_harness_push_event (f.h[0], gst_event_new_segment (&seg)));
  for (guint b = n; b-- > 0;)
    fail_unless_equals_int (gst_harness_push (f.h[0],
            nmf_test_buffer (&nmf_mono, x + b * size, b * size, size,
                b == n - 1)), GST_FLOW_OK);
  nmf_fix_finish (&f, NULL);
  for (guint s = 0; s < 2; s++) {
    GPtrArray *bufs = nmf_test_pull_all (f.h[s]);
    guint i = 0;
    for (guint b = n; b-- > 0;) {
      const NmfTimeline tb = { RATE, 1, nmf_test_time (b * size, RATE),
        b * size
      };
      check_stream_part (bufs, &i, &tb, size, TRUE);
    }
    fail_unless_equals_int (i, bufs->len);
    g_ptr_array_free (bufs, TRUE);
  }
  g_free (x);
  nmf_fix_teardown (&f);
}

GST_END_TEST;

/* A segment that maps time as the one in force (sent again, or with only
 * its position moved) is no new segment: the stream goes on, one stream
 * with one timeline, and the events go on to every pad.  Untimestamped,
 * each such segment started the stream again at the segment's start (the
 * timestamps went back to 0); timestamped, it drained and restarted it. */
static void
check_segment_sent_again (gboolean stamped)
{
  NmfFix f;
  const guint n = 3, size = 10000;
  const NmfTimeline none = { RATE, 1, GST_CLOCK_TIME_NONE,
    GST_BUFFER_OFFSET_NONE
  };
  const NmfTimeline *in = stamped ? &nmf_mono : &none;
  NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, 1000, 0);
  float *x = nmf_test_two_tones (n * size, 1, RATE);
  GstSegment seg;

  nmf_fix_attach (&f, nmf_test_separator (), 2);
  nmf_fix_set_caps (&f, in, NULL);
  for (guint b = 0; b < n; b++) {
    if (b > 0) {
      gst_segment_init (&seg, GST_FORMAT_TIME);
      if (b == 2)
        seg.position = nmf_test_time (b * size, RATE);
      fail_unless (gst_harness_push_event (f.h[0],
              gst_event_new_segment (&seg)));
    }
    nmf_fix_push (&f, in, x, b * size, size, &z, FALSE, NULL);
  }
  fail_unless (gst_harness_push_event (f.h[0], gst_event_new_eos ()));
  for (guint s = 0; s < 2; s++) {
    GPtrArray *bufs;
    GstEvent *ev;
    guint i = 0, segments = 0;

    while ((ev = gst_harness_pull_event (f.h[s]))) {
      gboolean eos = GST_EVENT_TYPE (ev) == GST_EVENT_EOS;
      segments += GST_EVENT_TYPE (ev) == GST_EVENT_SEGMENT;
      gst_event_unref (ev);
      if (eos)
        break;
    }
    fail_unless_equals_int (segments, n);
    bufs = nmf_test_pull_all (f.h[s]);
    check_stream_part (bufs, &i, &nmf_mono, n * size, TRUE);
    fail_unless_equals_int (i, bufs->len);
    g_ptr_array_free (bufs, TRUE);
  }
  g_free (x);
  nmf_fix_teardown (&f);
}

GST_START_TEST (test_segment_sent_again)
{
  check_segment_sent_again (FALSE);
  check_segment_sent_again (TRUE);
}

GST_END_TEST;

/* A segment sent again while audio is held goes out after that audio, to
 * the pads there then: a picture pad requested meanwhile, whose format
 * waits for its link, gets no segment before its caps (it got the held
 * one, and its link then stored caps after it: "Sticky event misordering,
 * got 'segment' before 'caps'"). */
GST_START_TEST (test_segment_sent_again_viz_waits)
{
  NmfFix f;
  GstElement *el = nmf_test_separator ();
  const guint size = RATE;
  NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, 4410, 0);
  float *x = nmf_test_two_tones (3 * size, 1, RATE);
  GstSegment seg;
  GstPad *viz;
  GstEvent *ev;

  g_object_set (el, "lookahead-frames", 40, NULL);
  nmf_fix_attach (&f, el, 2);
  nmf_fix_set_caps (&f, &nmf_mono, NULL);
  nmf_fix_push (&f, &nmf_mono, x, 0, size, &z, FALSE, NULL);
  gst_segment_init (&seg, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (f.h[0], gst_event_new_segment (&seg)));
  viz = gst_element_request_pad_simple (f.el, "viz");
  nmf_fix_push (&f, &nmf_mono, x, size, 2 * size, &z, FALSE, NULL);
  nmf_fix_drain (&f);
  ev = gst_pad_get_sticky_event (viz, GST_EVENT_SEGMENT, 0);
  fail_unless (ev == NULL, "the waiting picture pad got a segment before "
      "its caps");
  if (ev)
    gst_event_unref (ev);
  gst_element_release_request_pad (f.el, viz);
  gst_object_unref (viz);
  g_free (x);
  nmf_fix_teardown (&f);
}

GST_END_TEST;

/* A caps change drains the old stream, then the new one starts where it
 * ended, at its own rate; also when the buffers have no timestamps and only
 * the caps change, in the same segment (the second stream started again
 * at the segment's start: timestamps went backwards).  At the same rate
 * (the channels change) the new stream goes on with the input's count:
 * counted again from its first timestamp, its buffers were up to 1 ns
 * early and its end 1 ns short of the input's.  Either way the output is
 * contiguous across the change and ends where the input does, to the
 * nanosecond. */
static void
check_caps_change (gboolean stamped, gint rate2, gint ch2)
{
  NmfFix f;
  /* 3338 and 4447 samples at 44.1 kHz: their fractions of a nanosecond
   * add up to more than one */
  const guint64 n1 = 3338, n2 = 4447;
  const gboolean same_rate = rate2 == RATE;
  const NmfTimeline none1 = { RATE, 1, GST_CLOCK_TIME_NONE,
    GST_BUFFER_OFFSET_NONE
  };
  const NmfTimeline none2 = { rate2, ch2, GST_CLOCK_TIME_NONE,
    GST_BUFFER_OFFSET_NONE
  };
  /* at the same rate stream 2 is samples n1.. of the count from 0 */
  const NmfTimeline t2 = { rate2, ch2, same_rate ? 0 :
        nmf_test_time (n1, RATE), same_rate ? 0 : GST_BUFFER_OFFSET_NONE
  };
  const guint64 first2 = same_rate ? n1 : 0;
  const NmfTimeline *in1 = stamped ? &nmf_mono : &none1;
  const NmfTimeline *in2 = stamped ? &t2 : &none2;
  NmfSizes z1 = NMF_SIZES (NMF_SIZES_FIXED, 0, 0);
  NmfSizes z2 = NMF_SIZES (NMF_SIZES_FIXED, 1000, 0);
  float *x1 = nmf_test_two_tones (n1, 1, RATE);
  float *x2 = nmf_test_two_tones (n2, ch2, rate2);
  gchar *what = g_strdup_printf ("%s, 44100 Hz mono -> %d Hz %d ch",
      stamped ? "timestamped" : "untimestamped", rate2, ch2);

  nmf_fix_attach (&f, nmf_test_separator (), 2);
  nmf_fix_set_caps (&f, in1, NULL);
  nmf_fix_push (&f, in1, x1, 0, n1, &z1, FALSE, NULL);
  if (stamped)
    nmf_fix_set_caps (&f, in2, NULL);
  else
    nmf_fix_change_caps (&f, in2);
  nmf_fix_push (&f, in2, x2 - first2 * ch2, first2, n2, &z2, FALSE, NULL);
  nmf_fix_finish (&f, NULL);
  for (guint s = 0; s < 2; s++) {
    GPtrArray *bufs = nmf_test_pull_all (f.h[s]);
    GstCaps *caps = nmf_fix_caps (&f, s ? "src_1" : "src_0");
    GstStructure *st = gst_caps_get_structure (caps, 0);
    guint i = 0;
    gint rate;

    check_stream_part (bufs, &i, &nmf_mono, n1, TRUE);
    check_stream_part_from (bufs, &i, &t2, first2, n2, TRUE);
    fail_unless_equals_int (i, bufs->len);
    check_contiguous_to (bufs, t2.base + nmf_test_time (first2 + n2, rate2),
        what);
    g_ptr_array_free (bufs, TRUE);
    fail_unless (gst_structure_get_int (st, "rate", &rate));
    fail_unless_equals_int (rate, rate2);
    gst_caps_unref (caps);
  }
  g_free (what);
  g_free (x1);
  g_free (x2);
  nmf_fix_teardown (&f);
}

GST_START_TEST (test_caps_change_drains)
{
  check_caps_change (TRUE, 48000, 1);
}

GST_END_TEST;

GST_START_TEST (test_caps_change_channels_goes_on)
{
  check_caps_change (TRUE, RATE, 2);
  check_caps_change (FALSE, RATE, 2);
}

GST_END_TEST;

GST_START_TEST (test_untimestamped_caps_change)
{
  check_caps_change (FALSE, 48000, 1);
}

GST_END_TEST;

/* Buffers without timestamps: the output starts at the segment start and
 * runs on sample by sample; a DISCONT buffer among them drains the first
 * stream and the second one continues where it ended. */
GST_START_TEST (test_untimestamped)
{
  NmfFix f;
  const guint64 n1 = 6001, n2 = 4321;
  const NmfTimeline none = { RATE, 1, GST_CLOCK_TIME_NONE,
    GST_BUFFER_OFFSET_NONE
  };
  const NmfTimeline out = { RATE, 1, 2 * GST_SECOND, GST_BUFFER_OFFSET_NONE };
  NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, 1000, 0);
  float *x = nmf_test_two_tones (n1 + n2, 1, RATE);
  GstSegment seg;

  nmf_fix_attach (&f, nmf_test_separator (), 2);
  nmf_fix_set_caps (&f, &none, NULL);
  gst_segment_init (&seg, GST_FORMAT_TIME);
  seg.start = seg.time = seg.position = out.base;
  fail_unless (gst_harness_push_event (f.h[0], gst_event_new_segment (&seg)));
  nmf_fix_push (&f, &none, x, 0, n1, &z, FALSE, NULL);
  nmf_fix_push (&f, &none, x, n1, n2, &z, TRUE, NULL);
  nmf_fix_finish (&f, NULL);
  for (guint s = 0; s < 2; s++) {
    GPtrArray *bufs = nmf_test_pull_all (f.h[s]);
    Collector c;
    guint i = 0;

    collector_init (&c, &out, FALSE);
    while (i < bufs->len && c.n < n1)
      collector_add (&c, gst_buffer_ref (g_ptr_array_index (bufs, i++)));
    fail_unless_equals_uint64 (c.n, n1);
    fail_unless (i < bufs->len);
    fail_unless (GST_BUFFER_IS_DISCONT (g_ptr_array_index (bufs, i)));
    /* the new stream goes on where the last one ended, on the same
     * timeline: sample n1 + k has the timestamp start + (n1 + k) / rate */
    for (; i < bufs->len; i++)
      collector_add (&c, gst_buffer_ref (g_ptr_array_index (bufs, i)));
    fail_unless_equals_uint64 (c.n, n1 + n2);
    g_ptr_array_free (bufs, TRUE);
  }
  g_free (x);
  nmf_fix_teardown (&f);
}

GST_END_TEST;

typedef struct
{
  GstHarness *h;
  const float *x;
  guint n_bufs, pushed;
  GstFlowReturn last;
  GMutex lock;
  GCond cond;
  gboolean done;
  pid_t tid;                    /* the pusher thread's, for its state */
} Pusher;

static gpointer
pusher_thread (gpointer data)
{
  Pusher *p = data;
  GstFlowReturn ret = GST_FLOW_OK;

  g_mutex_lock (&p->lock);
  p->tid = (pid_t) syscall (SYS_gettid);
  g_cond_broadcast (&p->cond);
  g_mutex_unlock (&p->lock);
  for (guint i = 0; i < p->n_bufs && ret == GST_FLOW_OK; i++) {
    ret = gst_harness_push (p->h, nmf_test_buffer (&nmf_mono, p->x + i * HOP,
            (guint64) i * HOP, HOP, FALSE));
    g_mutex_lock (&p->lock);
    p->pushed++;
    g_mutex_unlock (&p->lock);
  }
  g_mutex_lock (&p->lock);
  p->last = ret;
  p->done = TRUE;
  g_cond_broadcast (&p->cond);
  g_mutex_unlock (&p->lock);
  return NULL;
}

/* The state letter of thread TID of this process (/proc: 'S' asleep in a
 * wait, 'R' running or runnable), '?' when unknown. */
static gchar
thread_state (pid_t tid)
{
  gchar path[64], buf[512], *close_paren;
  FILE *f;
  size_t n;

  g_snprintf (path, sizeof path, "/proc/self/task/%d/stat", (gint) tid);
  if (!(f = fopen (path, "r")))
    return '?';
  n = fread (buf, 1, sizeof buf - 1, f);
  fclose (f);
  buf[n] = '\0';
  /* "tid (name) S ...": the name may hold anything but ends at the last ')' */
  close_paren = strrchr (buf, ')');
  return close_paren && close_paren[1] == ' ' ? close_paren[2] : '?';
}

/* Waits (until DEADLINE) for the pusher to be held in a push: asleep, with
 * no push done, for 20 looks in a row 10 ms apart (a thread preempted
 * while it pushes is runnable, not asleep); or for it to have pushed
 * everything. FALSE: neither by DEADLINE. */
static gboolean
wait_pusher_held (Pusher * p, gint64 deadline)
{
  guint last = G_MAXUINT, still = 0;

  while (g_get_monotonic_time () < deadline) {
    guint pushed;
    gboolean done;
    pid_t tid;

    g_mutex_lock (&p->lock);
    while (!p->tid)
      if (!g_cond_wait_until (&p->cond, &p->lock, deadline))
        break;
    pushed = p->pushed;
    done = p->done;
    tid = p->tid;
    g_mutex_unlock (&p->lock);
    if (done)
      return TRUE;
    still = tid && pushed == last && thread_state (tid) == 'S' ? still + 1 : 0;
    if (still >= 20)
      return TRUE;
    last = pushed;
    g_usleep (10 * 1000);
  }
  return FALSE;
}

/* An event pushed into a harness from a thread of its own, so that a push
 * that never returns (a flush that releases nothing waits for a pad's task
 * for ever) fails the test instead of hanging it. */
typedef struct
{
  GstHarness *h;
  GstEvent *event;
  GMutex lock;
  GCond cond;
  gboolean returned, result;
} EventPush;

static gpointer
event_push_thread (gpointer data)
{
  EventPush *e = data;
  gboolean result = gst_harness_push_event (e->h, e->event);

  g_mutex_lock (&e->lock);
  e->result = result;
  e->returned = TRUE;
  g_cond_broadcast (&e->cond);
  g_mutex_unlock (&e->lock);
  return NULL;
}

/* Pushes event (taken) into h; fails unless the push returns TRUE within
 * `seconds`.  A push still under way then is left to the test's process,
 * which the failure ends (check forks a process per test). */
static void
push_event_within (GstHarness * h, GstEvent * event, gint seconds)
{
  const gchar *name = GST_EVENT_TYPE_NAME (event);
  const gint64 deadline = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;
  EventPush *e = g_new0 (EventPush, 1);
  GThread *thread;
  gboolean returned, result;

  e->h = h;
  e->event = event;
  g_mutex_init (&e->lock);
  g_cond_init (&e->cond);
  thread = g_thread_new ("event-push", event_push_thread, e);
  g_mutex_lock (&e->lock);
  while (!e->returned)
    if (!g_cond_wait_until (&e->cond, &e->lock, deadline))
      break;
  returned = e->returned;
  result = e->result;
  g_mutex_unlock (&e->lock);
  fail_unless (returned, "pushing %s did not return in %d s: a thread it "
      "waits for was not released", name, seconds);
  g_thread_join (thread);
  fail_unless (result, "%s was refused", name);
  g_mutex_clear (&e->lock);
  g_cond_clear (&e->cond);
  g_free (e);
}

/* src_1 goes to a sink that blocks (like one waiting for preroll): once
 * its queue is full the streaming thread waits; a flush must release
 * everything, and the stream must start afresh after it. */
GST_START_TEST (test_flush_blocked_branch)
{
  NmfFix f;
  GstElement *el = nmf_test_separator ();
  NmfTestSink *sink = g_object_new (nmf_test_sink_get_type (), NULL);
  const gchar *src0[] = { "src_0" };
  const NmfTimeline t2 = { RATE, 1, 7 * GST_SECOND, 0 };
  NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, 1000, 0);
  GstPad *src1;
  float *x = nmf_test_two_tones (400 * HOP, 1, RATE);
  Pusher p = { 0 };
  GThread *thread;
  gint64 deadline;
  GstSegment seg;
  Collector c;

  gst_object_ref_sink (sink);
  sink->block = TRUE;
  src1 = gst_element_request_pad_simple (el, "src_1");
  fail_unless_equals_int (gst_pad_link (src1, sink->sinkpad), GST_PAD_LINK_OK);
  gst_pad_set_active (sink->sinkpad, TRUE);
  nmf_fix_attach_pads (&f, el, src0, 1);
  nmf_fix_set_caps (&f, &nmf_mono, NULL);

  p.h = f.h[0];
  p.x = x;
  p.n_bufs = 400;
  g_mutex_init (&p.lock);
  g_cond_init (&p.cond);
  thread = g_thread_new ("pusher", pusher_thread, &p);

  /* the sink blocks on its first buffer, then the pusher gets stuck:
   * src_1 holds 64 items at most */
  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  g_mutex_lock (&sink->lock);
  while (!sink->blocked)
    if (!g_cond_wait_until (&sink->cond, &sink->lock, deadline))
      break;
  fail_unless (sink->blocked, "src_1's sink got no buffer in 20 s");
  g_mutex_unlock (&sink->lock);
  fail_unless (wait_pusher_held (&p, deadline),
      "the pusher neither finished nor was held in a push in 20 s");
  g_mutex_lock (&p.lock);
  fail_if (p.done, "all pushed although src_1 is blocked");
  g_mutex_unlock (&p.lock);

  /* flush from another thread than the streaming one, as a seek would;
   * within a bound: a flush that releases nothing blocked the push itself
   * (pausing a task that waits for its queue), and the suite hung */
  push_event_within (f.h[0], gst_event_new_flush_start (), 20);
  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  g_mutex_lock (&p.lock);
  while (!p.done)
    if (!g_cond_wait_until (&p.cond, &p.lock, deadline))
      break;
  fail_unless (p.done, "streaming thread still blocked after flush-start");
  fail_unless_equals_int (p.last, GST_FLOW_FLUSHING);
  g_mutex_unlock (&p.lock);
  g_thread_join (thread);

  g_mutex_lock (&sink->lock);
  sink->block = FALSE;
  g_cond_broadcast (&sink->cond);
  g_mutex_unlock (&sink->lock);
  push_event_within (f.h[0], gst_event_new_flush_stop (TRUE), 20);
  gst_segment_init (&seg, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (f.h[0], gst_event_new_segment (&seg)));

  /* drop what src_0 got before the flush */
  nmf_test_collect (f.h[0], NULL);
  collector_init (&c, &t2, FALSE);
  nmf_fix_push (&f, &t2, x, 0, 10000, &z, FALSE, NULL);
  nmf_fix_finish (&f, &c);
  fail_unless_equals_uint64 (c.n, 10000);

  nmf_fix_teardown (&f);
  gst_pad_set_active (sink->sinkpad, FALSE);
  gst_object_unref (src1);
  gst_object_unref (sink);
  g_mutex_clear (&p.lock);
  g_cond_clear (&p.cond);
  g_free (x);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */

static Suite *
nmfseparate_flush_suite (void)
{
  static const NmfTest tests[] = {
    NMF_TEST ("flush_discont", test_flush),
    NMF_TEST ("flush_discont", test_discont_flag_and_jump),
    NMF_TEST ("flush_discont", test_discont_pts_jump),
    NMF_TEST ("flush_discont", test_discont_flag_only),
    NMF_TEST ("flush_discont", test_caps_change_drains),
    NMF_TEST ("flush_discont", test_untimestamped),
    NMF_TEST ("flush_discont", test_one_untimed_buffer),
    NMF_TEST ("flush_discont", test_empty_buffers),
    NMF_TEST ("flush_discont", test_reverse_playback),
    NMF_TEST ("flush_discont", test_segment_sent_again),
    NMF_TEST ("flush_discont", test_segment_sent_again_viz_waits),
    NMF_TEST ("flush_discont", test_untimestamped_caps_change),
    NMF_TEST ("flush_discont", test_caps_change_channels_goes_on),
    NMF_TEST ("flush_discont", test_flush_blocked_branch),
  };

  nmf_test_sink_register ();
  return nmf_test_suite ("nmfseparate-flush", tests, G_N_ELEMENTS (tests), 0);
}

GST_CHECK_MAIN (nmfseparate_flush);
