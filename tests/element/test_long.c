/* GStreamer
 * Copyright (C) 2026 gst-nmf developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* nmfseparate far out on the timeline: streams that start hours, days or
 * centuries in (a seek into a long recording, a live source's running
 * time), at the rates users have; sample counts past 2^31 and 2^32 reached
 * by the timestamps rather than by hours of audio. */

#include <gst/gst.h>
#include <gst/audio/audio.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>

#include <math.h>
#include <string.h>

#include "harness.h"

/* The messages' accumulator, compiled into this test, to reach frame
 * counts that take days of audio */
#include "../../plugin/gstnmfmessages.c"
#include "../../plugin/gstnmftimeline.c"

static const gchar *const with_viz[] = { "src_0", "src_1", "viz" };

/* A new TIME segment from `start` (its stream time the same). */
static void
push_segment_at (GstHarness * h, GstClockTime start)
{
  GstSegment seg;

  gst_segment_init (&seg, GST_FORMAT_TIME);
  seg.start = start;
  seg.time = start;
  seg.position = start;
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&seg)));
}

/* The pictures the viz pad has out: contiguous from base. */
static void
check_pictures (GstHarness * h, GstClockTime base, GstClockTime * end,
    guint * count)
{
  GstBuffer *pic;

  while ((pic = gst_harness_try_pull (h))) {
    fail_unless (GST_BUFFER_PTS_IS_VALID (pic));
    fail_unless (GST_BUFFER_PTS (pic) == (*count ? *end : base),
        "base %" GST_TIME_FORMAT ": picture %u at %" GST_TIME_FORMAT
        ", expected %" GST_TIME_FORMAT, GST_TIME_ARGS (base), *count,
        GST_TIME_ARGS (GST_BUFFER_PTS (pic)),
        GST_TIME_ARGS (*count ? *end : base));
    *end = GST_BUFFER_PTS (pic) + GST_BUFFER_DURATION (pic);
    (*count)++;
    gst_buffer_unref (pic);
  }
}

/* `seconds` of a stream at `rate` whose sample 0 has the PTS base
 * (offsets: that PTS in samples, as a parser gives them), in a segment
 * from seg_start, in buffers of `bufsize`: every output sample at the
 * PTS of its input sample, as many out as in, the sources adding up to
 * the input, the messages' times on the same timeline, the pictures
 * contiguous from the stream's start. */
static void
check_far_stream (const gchar * props, gint rate, GstClockTime base,
    GstClockTime seg_start, gboolean offsets, gdouble seconds, gsize bufsize)
{
  const guint64 total = (guint64) (seconds * rate);
  const NmfTimeline t = { rate, 1, base, offsets ?
        gst_util_uint64_scale_round (base, rate, GST_SECOND) :
        GST_BUFFER_OFFSET_NONE
  };
  GstBus *bus = gst_bus_new ();
  GstElement *el = nmf_test_element ("nmfseparate", props);
  float *x = nmf_test_two_tones (total, 1, rate);
  NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, bufsize, 0);
  Collector c[2];
  NmfFix f;
  GstMessage *msg;
  GstClockTime expect_ts = base, pic_end = GST_CLOCK_TIME_NONE;
  guint messages = 0, pictures = 0;

  gst_element_set_bus (el, bus);
  nmf_fix_attach_pads (&f, el, (const gchar * const *) with_viz, 3);
  nmf_fix_set_caps (&f, &t, NULL);
  push_segment_at (f.h[0], seg_start);
  collectors_init (c, 2, &t, TRUE);
  for (guint64 pos = 0; pos < total;) {
    const gsize n = nmf_sizes_next (&z, total - pos);
    fail_unless_equals_int (gst_harness_push (f.h[0], nmf_test_buffer (&t,
                x + pos, pos, n, FALSE)), GST_FLOW_OK);
    pos += n;
    for (guint s = 0; s < 2; s++)
      nmf_test_collect (f.h[s], &c[s]);
    check_pictures (f.h[2], base, &pic_end, &pictures);
  }
  fail_unless (gst_harness_push_event (f.h[0], gst_event_new_eos ()));
  for (guint i = 0; i < 3; i++) {
    nmf_test_wait_eos (f.h[i], NULL);
    if (i < 2)
      nmf_test_collect (f.h[i], &c[i]);
  }
  check_pictures (f.h[2], base, &pic_end, &pictures);
  for (guint s = 0; s < 2; s++)
    fail_unless (c[s].n == total, "rate %d base %" GST_TIME_FORMAT ": %"
        G_GUINT64_FORMAT " samples out for %" G_GUINT64_FORMAT, rate,
        GST_TIME_ARGS (base), c[s].n, total);
  for (guint64 i = 0; i < total; i++) {
    const double sum = g_array_index (c[0].data, float, i) +
        g_array_index (c[1].data, float, i);
    if (fabs (sum - x[i]) > 1e-5)
      fail ("rate %d base %" GST_TIME_FORMAT ": sample %" G_GUINT64_FORMAT
          ": sum of sources %.8f != input %.8f", rate, GST_TIME_ARGS (base),
          i, sum, x[i]);
  }
  while ((msg = nmf_test_pop_element (bus))) {
    const GstStructure *st = gst_message_get_structure (msg);
    GstClockTime ts, duration, stream_time, running_time;

    fail_unless (gst_structure_get_uint64 (st, "timestamp", &ts));
    fail_unless (gst_structure_get_uint64 (st, "duration", &duration));
    fail_unless (gst_structure_get_uint64 (st, "stream-time", &stream_time));
    fail_unless (gst_structure_get_uint64 (st, "running-time",
            &running_time));
    fail_unless (ts == expect_ts, "rate %d base %" GST_TIME_FORMAT
        ": message %u at %" GST_TIME_FORMAT ", expected %" GST_TIME_FORMAT,
        rate, GST_TIME_ARGS (base), messages, GST_TIME_ARGS (ts),
        GST_TIME_ARGS (expect_ts));
    fail_unless_equals_uint64 (stream_time, ts);
    fail_unless_equals_uint64 (running_time, ts - seg_start);
    fail_unless (duration > 0 && duration <= 200 * GST_MSECOND,
        "duration %" GST_TIME_FORMAT, GST_TIME_ARGS (duration));
    expect_ts = ts + duration;
    messages++;
    gst_message_unref (msg);
  }
  fail_unless_equals_uint64 (expect_ts, base + nmf_test_time (total, rate));
  fail_unless (messages >= seconds * 10 - 1, "%u messages", messages);
  fail_unless (pictures >= seconds * 30 - 1, "%u pictures", pictures);
  /* the position of a source pad: where its output ends */
  {
    GstPad *pad = gst_element_get_static_pad (f.el, "src_0");
    GstQuery *q = gst_query_new_position (GST_FORMAT_TIME);
    gint64 position = -1;
    fail_unless (gst_pad_query (pad, q));
    gst_query_parse_position (q, NULL, &position);
    fail_unless_equals_uint64 ((guint64) position, base +
        nmf_test_time (total, rate));
    gst_query_unref (q);
    gst_object_unref (pad);
  }
  collectors_clear (c, 2);
  g_free (x);
  nmf_fix_teardown_bus (&f, bus);
}

static const gint rates[] = { 48000, 44100, 96000, 11025 };

/* 10 h, 13.6 h (sample 2^31 at 44.1 kHz), 27.1 h (2^32), 100 days, and
 * half the clock's range; odd nanoseconds, between two samples */
static const GstClockTime bases[] = {
  36000 * GST_SECOND,
  48960 * GST_SECOND + 7,
  97560 * GST_SECOND + 123457,
  100 * 24 * 3600 * GST_SECOND + 999,
  G_MAXINT64 / 2,
};

GST_START_TEST (test_far_start_live)
{
  for (guint r = 0; r < G_N_ELEMENTS (rates); r++)
    for (guint b = 0; b < G_N_ELEMENTS (bases); b++)
      check_far_stream ("profile=live post-messages=true interval=100000000",
          rates[r], bases[b], 0, b % 2, 1.5, 1024);
}

GST_END_TEST;

GST_START_TEST (test_far_start_file)
{
  for (guint r = 0; r < G_N_ELEMENTS (rates); r++)
    for (guint b = 0; b < G_N_ELEMENTS (bases); b++)
      check_far_stream ("profile=file post-messages=true interval=100000000",
          rates[r], bases[b], bases[b] - 1000, b % 2 == 0, 4.0, 1024);
}

GST_END_TEST;

/* An interval of more than 2^32 frames: at hop-size=1 that is 27 h at
 * 44.1 kHz (interval up to 2^64 - 1 ns allows it; one summary message at
 * the end of the stream).  The interval's frame count wrapped to 0: the
 * message of the interval was lost at the end (or, with a frame after the
 * wrap, started there with the mean energy of the frames after it).  The
 * count is set here to where 2^32 - 1 frames have left it. */
GST_START_TEST (test_interval_of_more_than_2_32_frames)
{
  const guint64 frames = G_GUINT64_CONSTANT (1) << 32;
  GstElement *bin = gst_bin_new (NULL);
  GstBus *bus = gst_bus_new ();
  GstNmfMessages m;
  GstNmfTimeline tl;
  GstSegment segment;
  nmf_separator *sep = NULL;
  nmf_separator_config cfg;
  const float masks[2] = { 0.25f, 0.75f };
  const double energy[2] = { 2.0, 6.0 };
  GstMessage *msg;
  GstClockTime ts, duration;
  const GValue *e;

  nmf_separator_config_init (&cfg);
  fail_unless_equals_int (nmf_separator_create (&sep, &cfg, NULL, 0), NMF_OK);
  gst_element_set_bus (bin, bus);
  gst_segment_init (&segment, GST_FORMAT_TIME);
  gst_nmf_timeline_init (&tl);
  gst_nmf_timeline_set_rate (&tl, RATE, FALSE);
  tl.base_time = 0;
  gst_nmf_messages_init (&m);
  gst_nmf_messages_configure (&m, 2, 1, 1);
  m.post = TRUE;
  m.interval = G_MAXUINT64;
  gst_nmf_messages_add_frame (&m, bin, &tl, &segment, sep, 0, 1, masks,
      energy);
  fail_unless (gst_bus_pop (bus) == NULL);
  /* frames 1 .. 2^32 - 2 of the same energy, then the last one */
  m.frames = frames - 1;
  for (guint s = 0; s < 2; s++)
    m.energy[s] = energy[s] * (frames - 1);
  gst_nmf_messages_add_frame (&m, bin, &tl, &segment, sep, frames - 1,
      frames, masks, energy);
  /* the end of the stream */
  gst_nmf_messages_post (&m, bin, &tl, &segment, frames);
  msg = nmf_test_pop_element (bus);
  fail_unless (msg != NULL, "no message for the interval");
  fail_unless (gst_structure_get_uint64 (gst_message_get_structure (msg),
          "timestamp", &ts));
  fail_unless (gst_structure_get_uint64 (gst_message_get_structure (msg),
          "duration", &duration));
  fail_unless_equals_uint64 (ts, 0);
  fail_unless_equals_uint64 (duration, nmf_test_time (frames, RATE));
  e = gst_structure_get_value (gst_message_get_structure (msg), "energy");
  for (guint s = 0; s < 2; s++)
    fail_unless (fabs (g_value_get_double (gst_value_array_get_value (e,
                    s)) - energy[s]) < 1e-9 * energy[s]);
  gst_message_unref (msg);
  fail_unless (gst_bus_pop (bus) == NULL);

  gst_nmf_messages_clear (&m);
  gst_nmf_timeline_clear (&tl);
  nmf_separator_destroy (&sep);
  gst_element_set_bus (bin, NULL);
  gst_object_unref (bus);
  gst_object_unref (bin);
}

GST_END_TEST;

static Suite *
nmfseparate_long_suite (void)
{
  static const NmfTest tests[] = {
    NMF_TEST ("far", test_far_start_live),
    NMF_TEST ("far", test_far_start_file),
    NMF_TEST ("counts", test_interval_of_more_than_2_32_frames),
  };

  return nmf_test_suite ("nmfseparate-long", tests, G_N_ELEMENTS (tests), 0);
}

GST_CHECK_MAIN (nmfseparate_long);
