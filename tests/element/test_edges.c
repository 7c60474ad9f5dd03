/* GStreamer
 * Copyright (C) 2026 gst-nmf developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* GstHarness tests of nmfseparate at the edges of its streams: across
 * each boundary (a DISCONT, a jump, a caps change, a GAP, a segment seek's
 * SEGMENT_DONE, a flushing seek) every source pad pushes exactly the
 * input's samples, each buffer starting where the one before ended, the
 * last ending where the input does, to the nanosecond.  The input is
 * stamped as a source that counts its samples from one origin stamps it:
 * sample n at origin + n / rate, rounded down. */

#include <gst/gst.h>
#include <gst/audio/audio.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>

#include <string.h>

#include "harness.h"

/* Every buffer the two source pads pushed up to EOS, checked against the
 * input: `n` samples in all, each buffer on its input samples' timestamps
 * (t, counted from sample `from`), contiguous to the nanosecond, the last
 * ending at `end`. */
static void
check_pads (NmfFix * f, const NmfTimeline * t, guint64 from, guint64 n,
    GstClockTime end, const gchar * what)
{
  for (guint s = 0; s < 2; s++) {
    GPtrArray *bufs = nmf_test_pull_all (f->h[s]);
    Collector c;
    GstClockTime at = GST_CLOCK_TIME_NONE;

    collector_init (&c, t, FALSE);
    c.n = from;
    for (guint i = 0; i < bufs->len; i++) {
      GstBuffer *b = g_ptr_array_index (bufs, i);
      fail_unless (i == 0 || GST_BUFFER_PTS (b) == at, "%s: pad %u: buffer "
          "%u at %" G_GUINT64_FORMAT " ns, the one before ended at %"
          G_GUINT64_FORMAT, what, s, i, GST_BUFFER_PTS (b), at);
      at = GST_BUFFER_PTS (b) + GST_BUFFER_DURATION (b);
      collector_add (&c, gst_buffer_ref (b));
    }
    fail_unless (c.n - from == n, "%s: pad %u: %" G_GUINT64_FORMAT
        " samples out of %" G_GUINT64_FORMAT, what, s, c.n - from, n);
    fail_unless (at == end, "%s: pad %u ends at %" G_GUINT64_FORMAT " ns, "
        "the input at %" G_GUINT64_FORMAT, what, s, at, end);
    g_ptr_array_free (bufs, TRUE);
  }
}

/* 3338 and 4447 samples at 44.1 kHz: fractions of a nanosecond that add
 * up to more than one */
#define N1 3338
#define N2 4447

/* A DISCONT buffer that jumps by whole samples of the input's count (a
 * source that dropped some): the output keeps to that count.  Counted
 * again from the DISCONT buffer's timestamp, it was up to 1 ns early and
 * ended 1 ns short of the input. */
GST_START_TEST (test_discont_jump_on_the_count)
{
  const guint64 skips[] = { 0, 1, 7, 441, 44100 };

  for (guint k = 0; k < G_N_ELEMENTS (skips); k++) {
    const guint64 skip = skips[k];
    float *x = nmf_test_two_tones (N1 + skip + N2, 1, RATE);
    NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, 1000, 0);
    gchar *what = g_strdup_printf ("a DISCONT after %d samples, %"
        G_GUINT64_FORMAT " skipped", N1, skip);
    NmfFix f;

    nmf_fix_attach (&f, nmf_test_separator (), 2);
    nmf_fix_set_caps (&f, &nmf_mono, NULL);
    nmf_fix_push (&f, &nmf_mono, x, 0, N1, &z, FALSE, NULL);
    nmf_fix_push (&f, &nmf_mono, x, N1 + skip, N2, &z, TRUE, NULL);
    nmf_fix_finish (&f, NULL);
    if (skip == 0) {
      check_pads (&f, &nmf_mono, 0, N1 + N2, nmf_test_time (N1 + N2, RATE),
          what);
    } else {
      /* two stretches of the one count: the second checked from its first
       * sample (check_pads takes contiguous output) */
      for (guint s = 0; s < 2; s++) {
        GPtrArray *bufs = nmf_test_pull_all (f.h[s]);
        Collector c;
        guint i = 0;
        collector_init (&c, &nmf_mono, FALSE);
        while (i < bufs->len && c.n < N1)
          collector_add (&c, gst_buffer_ref (g_ptr_array_index (bufs, i++)));
        fail_unless_equals_uint64 (c.n, N1);
        c.n += skip;
        while (i < bufs->len)
          collector_add (&c, gst_buffer_ref (g_ptr_array_index (bufs, i++)));
        fail_unless (c.n == N1 + skip + N2, "%s: %" G_GUINT64_FORMAT
            " samples", what, c.n - skip);
        g_ptr_array_free (bufs, TRUE);
      }
    }
    nmf_fix_teardown (&f);
    g_free (what);
    g_free (x);
  }
}

GST_END_TEST;

/* A segment seek's segments, each ended by SEGMENT_DONE (the element
 * drains there): each comes out whole, on its own count from the
 * segment's start, the last ending where the input does. */
GST_START_TEST (test_segment_seek_loops)
{
  const guint loops = 3;
  const GstClockTime start = 2 * GST_SECOND + 7;
  const NmfTimeline t = { RATE, 1, start, GST_BUFFER_OFFSET_NONE };
  float *x = nmf_test_two_tones (N1 + N2, 1, RATE);
  NmfFix f;

  nmf_fix_attach (&f, nmf_test_separator (), 2);
  nmf_fix_set_caps (&f, &t, NULL);
  for (guint l = 0; l < loops; l++) {
    NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, 1000, 0);
    GstSegment seg;
    gchar *what = g_strdup_printf ("segment %u of a segment seek", l);
    gst_segment_init (&seg, GST_FORMAT_TIME);
    seg.flags = GST_SEGMENT_FLAG_SEGMENT;
    seg.start = seg.time = seg.position = start;
    seg.stop = start + nmf_test_time (N1 + N2, RATE);
    seg.base = l * (seg.stop - seg.start);
    fail_unless (gst_harness_push_event (f.h[0],
            gst_event_new_segment (&seg)));
    nmf_fix_push (&f, &t, x, 0, N1 + N2, &z, l > 0, NULL);
    fail_unless (gst_harness_push_event (f.h[0],
            gst_event_new_segment_done (GST_FORMAT_TIME, seg.stop)));
    nmf_fix_drain (&f);
    check_pads (&f, &t, 0, N1 + N2, seg.stop, what);
    g_free (what);
  }
  nmf_fix_finish (&f, NULL);
  for (guint s = 0; s < 2; s++)
    fail_unless (gst_harness_try_pull (f.h[s]) == NULL, "output after the "
        "last segment's end");
  nmf_fix_teardown (&f);
  g_free (x);
}

GST_END_TEST;

/* A GAP that starts the stream after a DISCONT where the input's count
 * went on: the silence and the audio after it keep to that count. */
GST_START_TEST (test_gap_after_discont_on_the_count)
{
  const guint64 g = 1000;
  float *x = nmf_test_two_tones (N1 + g + N2, 1, RATE);
  NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, 1000, 0);
  const GstClockTime ts = nmf_test_time (N1, RATE);
  NmfFix f;
  GstBuffer *empty = gst_buffer_new ();

  nmf_fix_attach (&f, nmf_test_separator (), 2);
  nmf_fix_set_caps (&f, &nmf_mono, NULL);
  nmf_fix_push (&f, &nmf_mono, x, 0, N1, &z, FALSE, NULL);
  /* the DISCONT on an empty buffer: it holds for the gap's silence */
  GST_BUFFER_FLAG_SET (empty, GST_BUFFER_FLAG_DISCONT);
  fail_unless_equals_int (gst_harness_push (f.h[0], empty), GST_FLOW_OK);
  fail_unless (gst_harness_push_event (f.h[0], gst_event_new_gap (ts,
              nmf_test_time (N1 + g, RATE) - ts)));
  nmf_fix_push (&f, &nmf_mono, x, N1 + g, N2, &z, FALSE, NULL);
  nmf_fix_finish (&f, NULL);
  check_pads (&f, &nmf_mono, 0, N1 + g + N2, nmf_test_time (N1 + g + N2,
          RATE), "a GAP after a DISCONT");
  nmf_fix_teardown (&f);
  g_free (x);
}

GST_END_TEST;

/* A flushing seek into the stream: what comes after it is counted from
 * its first timestamp (the seek's position), the last buffer ending where
 * the input does. */
GST_START_TEST (test_flushing_seek_ends_exactly)
{
  const GstClockTime to = 3 * GST_SECOND + 123457;
  const NmfTimeline t2 = { RATE, 1, to, GST_BUFFER_OFFSET_NONE };
  float *x = nmf_test_two_tones (N1 + N2, 1, RATE);
  NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, 1000, 0);
  GstSegment seg;
  NmfFix f;

  nmf_fix_attach (&f, nmf_test_separator (), 2);
  nmf_fix_set_caps (&f, &nmf_mono, NULL);
  nmf_fix_push (&f, &nmf_mono, x, 0, N1, &z, FALSE, NULL);
  fail_unless (gst_harness_push_event (f.h[0], gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (f.h[0],
          gst_event_new_flush_stop (TRUE)));
  for (guint s = 0; s < 2; s++)
    nmf_test_collect (f.h[s], NULL);
  gst_segment_init (&seg, GST_FORMAT_TIME);
  seg.start = seg.time = seg.position = to;
  fail_unless (gst_harness_push_event (f.h[0], gst_event_new_segment (&seg)));
  nmf_fix_push (&f, &t2, x, 0, N2, &z, TRUE, NULL);
  nmf_fix_finish (&f, NULL);
  check_pads (&f, &t2, 0, N2, to + nmf_test_time (N2, RATE),
      "after a flushing seek");
  nmf_fix_teardown (&f);
  g_free (x);
}

GST_END_TEST;

static Suite *
nmfseparate_edges_suite (void)
{
  static const NmfTest tests[] = {
    NMF_TEST ("edges", test_discont_jump_on_the_count),
    NMF_TEST ("edges", test_segment_seek_loops),
    NMF_TEST ("edges", test_gap_after_discont_on_the_count),
    NMF_TEST ("edges", test_flushing_seek_ends_exactly),
  };

  return nmf_test_suite ("nmfseparate-edges", tests, G_N_ELEMENTS (tests),
      0);
}

GST_CHECK_MAIN (nmfseparate_edges);
