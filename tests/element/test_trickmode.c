/* GStreamer
 * Copyright (C) 2026 gst-nmf developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* GstHarness tests of nmfseparate in the segments a player's trick modes
 * make (docs/element.md, "Seeks and trick modes"): reverse playback,
 * fast forward without audio. */

#include <gst/gst.h>
#include <gst/audio/audio.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>

#include "harness.h"

/* Checks that h holds one input buffer's stream [from, from + n) as a
 * backward segment wants it: pieces last first, each one's samples in
 * order, each one ending where the one before it starts, the first one
 * DISCONT. */
static void
check_backwards (GstHarness * h, const gchar * props, guint64 from,
    guint64 n)
{
  GPtrArray *bufs = nmf_test_pull_all (h);
  guint64 end = from + n;

  fail_unless (bufs->len > 0, "%s: nothing of [%" G_GUINT64_FORMAT ", %"
      G_GUINT64_FORMAT ") out", props, from, end);
  for (guint i = 0; i < bufs->len; i++) {
    GstBuffer *b = g_ptr_array_index (bufs, i);
    const guint64 size = gst_buffer_get_size (b) / sizeof (float);

    fail_unless (size <= end - from, "%s: more than [%" G_GUINT64_FORMAT
        ", %" G_GUINT64_FORMAT ") out", props, from, from + n);
    end -= size;
    /* a stream of its own: counted from its first sample's timestamp */
    fail_unless_equals_uint64 (GST_BUFFER_PTS (b), nmf_test_time (from,
            RATE) + gst_util_uint64_scale_int (end - from, GST_SECOND,
            RATE));
    fail_unless_equals_uint64 (GST_BUFFER_OFFSET (b), end);
    fail_unless_equals_int (GST_BUFFER_IS_DISCONT (b), i == 0);
  }
  fail_unless_equals_uint64 (end, from);
  g_ptr_array_free (bufs, TRUE);
}

/* Reverse playback (rate -1): the buffers come last first, each one its
 * own stream.  Each must come out as soon as it went in, its pieces last
 * first (as a decoder sends a reverse chunk), and nothing before it may
 * make a sink wait past the time it starts playing: in a backward segment
 * a sink syncs a buffer [s, e) at the running time of e, a GAP at its
 * timestamp (plus duration).  The element held each buffer until the
 * next one came, pushed its pieces first first, and sent before it the
 * preroll GAP at s, which a sink waits for until the buffer has played:
 * in playbin with fakesink sync=true every buffer reached the sink a
 * whole buffer late (24 ms at 1024 samples, 105 ms at 4608; 99 ms early
 * without the element). */
static void
check_reverse_at_once (const gchar * props)
{
  NmfFix f;
  /* more than one output buffer holds (8192 samples) */
  const guint n = 4, size = 10000;
  float *x = nmf_test_two_tones (n * size, 1, RATE);
  GstSegment seg;

  nmf_fix_attach (&f, nmf_test_element ("nmfseparate", props), 2);
  nmf_fix_set_caps (&f, &nmf_mono, NULL);
  gst_segment_init (&seg, GST_FORMAT_TIME);
  seg.rate = -1.0;
  seg.stop = nmf_test_time (n * size, RATE);
  fail_unless (gst_harness_push_event (f.h[0], gst_event_new_segment (&seg)));
  for (guint b = n; b-- > 0;) {
    const GstClockTime start = nmf_test_time (b * size, RATE);
    const GstClockTime end = nmf_test_time ((b + 1) * size, RATE);

    fail_unless_equals_int (gst_harness_push (f.h[0],
            nmf_test_buffer (&nmf_mono, x + b * size, b * size, size,
                TRUE)), GST_FLOW_OK);
    nmf_fix_drain (&f);
    for (guint s = 0; s < 2; s++) {
      GstEvent *ev;

      while ((ev = gst_harness_try_pull_event (f.h[s]))) {
        if (GST_EVENT_TYPE (ev) == GST_EVENT_GAP) {
          GstClockTime ts, duration;
          gst_event_parse_gap (ev, &ts, &duration);
          if (GST_CLOCK_TIME_IS_VALID (duration))
            ts += duration;
          fail_unless (ts >= end, "%s: src_%u: a GAP at %" GST_TIME_FORMAT
              " before the buffer [%" GST_TIME_FORMAT ", %" GST_TIME_FORMAT
              "): a sink waits for it until that buffer has played", props,
              s, GST_TIME_ARGS (ts), GST_TIME_ARGS (start),
              GST_TIME_ARGS (end));
        }
        gst_event_unref (ev);
      }
      check_backwards (f.h[s], props, b * size, size);
    }
  }
  nmf_fix_finish (&f, NULL);
  for (guint s = 0; s < 2; s++) {
    GPtrArray *bufs = nmf_test_pull_all (f.h[s]);
    fail_unless_equals_int (bufs->len, 0);
    g_ptr_array_free (bufs, TRUE);
  }
  g_free (x);
  nmf_fix_teardown (&f);
}

GST_START_TEST (test_reverse_out_at_once_live)
{
  check_reverse_at_once ("profile=live");
}

GST_END_TEST;

GST_START_TEST (test_reverse_out_at_once_file)
{
  check_reverse_at_once ("profile=file");
}

GST_END_TEST;

/* A segment with GST_SEGMENT_FLAG_TRICKMODE_NO_AUDIO (a player's fast
 * forward: "skip the audio"): the demuxer or decoder sends GAPs in place
 * of audio, and the element passes them on, after the samples it holds,
 * as decoders and filters (basetransform) do.  It separated each as
 * silence of its length: in playbin at rate 8 it made 16 s of silence
 * buffers in 2 s (without the element the sink gets only GAPs), output
 * the application had asked not to have, at a cost that grows with the
 * rate. */
GST_START_TEST (test_no_audio_gaps_pass)
{
  NmfFix f;
  const guint64 n = 5000;
  float *x = nmf_test_two_tones (n, 1, RATE);
  NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, 1000, 0);
  const GstClockTime gap_at = nmf_test_time (n, RATE);
  GstSegment seg;

  nmf_fix_attach (&f, nmf_test_separator (), 2);
  nmf_fix_set_caps (&f, &nmf_mono, NULL);
  gst_segment_init (&seg, GST_FORMAT_TIME);
  seg.rate = 4.0;
  seg.flags = GST_SEGMENT_FLAG_TRICKMODE | GST_SEGMENT_FLAG_TRICKMODE_NO_AUDIO;
  fail_unless (gst_harness_push_event (f.h[0], gst_event_new_segment (&seg)));
  nmf_fix_push (&f, &nmf_mono, x, 0, n, &z, TRUE, NULL);
  fail_unless (gst_harness_push_event (f.h[0], gst_event_new_gap (gap_at,
              GST_SECOND)));
  fail_unless (gst_harness_push_event (f.h[0], gst_event_new_eos ()));
  for (guint s = 0; s < 2; s++) {
    GPtrArray *bufs;
    GstEvent *ev;
    guint64 out = 0;
    gboolean gap = FALSE, eos = FALSE;

    /* (gst_harness_pull_event gives up after 60 s) */
    while (!eos && (ev = gst_harness_pull_event (f.h[s]))) {
      if (GST_EVENT_TYPE (ev) == GST_EVENT_GAP) {
        GstClockTime ts, duration;
        gst_event_parse_gap (ev, &ts, &duration);
        if (ts == gap_at && duration == GST_SECOND)
          gap = TRUE;
      }
      eos = GST_EVENT_TYPE (ev) == GST_EVENT_EOS;
      gst_event_unref (ev);
    }
    fail_unless (eos, "src_%u: no EOS", s);
    fail_unless (gap, "src_%u: the GAP was not passed on", s);
    bufs = nmf_test_pull_all (f.h[s]);
    for (guint i = 0; i < bufs->len; i++)
      out += gst_buffer_get_size (g_ptr_array_index (bufs, i)) /
          sizeof (float);
    fail_unless_equals_uint64 (out, n);
    g_ptr_array_free (bufs, TRUE);
  }
  g_free (x);
  nmf_fix_teardown (&f);
}

GST_END_TEST;

static Suite *
nmfseparate_trickmode_suite (void)
{
  static const NmfTest tests[] = {
    NMF_TEST ("reverse", test_reverse_out_at_once_live),
    NMF_TEST ("reverse", test_reverse_out_at_once_file),
    NMF_TEST ("no_audio", test_no_audio_gaps_pass),
  };

  return nmf_test_suite ("nmfseparate-trickmode", tests,
      G_N_ELEMENTS (tests), 0);
}

GST_CHECK_MAIN (nmfseparate_trickmode);
