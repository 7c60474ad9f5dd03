/* nmfseparate's element messages (post-messages) on a bus, as spectrum's
 * tests check its messages, and the viz request pad's pictures. */
#include <gst/gst.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>

#include <math.h>
#include <string.h>

#include "harness.h"

/* The picture's renderer itself, compiled into this test: its incremental
 * pictures are compared with the whole redraw it keeps as the reference
 * (gst_nmf_viz_set_redraw_all). */
#include "../../plugin/gstnmfviz.c"

static const gchar *const with_viz[] = { "src_0", "src_1", "viz" };

/* nmfseparate posting its messages on bus, with harnesses on src_0, src_1
 * and, with viz, the picture pad. */
static void
attach (NmfFix * f, GstBus * bus, const gchar * props, gboolean viz)
{
  GstElement *el = nmf_test_element ("nmfseparate", props);

  gst_element_set_bus (el, bus);
  nmf_fix_attach_pads (f, el, (const gchar * const *) with_viz, viz ? 3 : 2);
}

/* Pushes `samples` of audio then EOS; the outputs stay in the harnesses. */
static void
push_stream (NmfFix * f, guint64 samples)
{
  float *x = nmf_test_two_tones (samples, 1, RATE);
  NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, 1501, 0);

  nmf_fix_set_caps (f, &nmf_mono, NULL);
  nmf_fix_push (f, &nmf_mono, x, 0, samples, &z, FALSE, NULL);
  nmf_fix_finish (f, NULL);
  g_free (x);
}

static void
check_messages_cover (guint64 samples)
{
  GstBus *bus = gst_bus_new ();
  NmfFix f;
  GstMessage *msg;
  GstClockTime expect_ts = 0;
  guint count = 0;

  attach (&f, bus, "post-messages=true interval=100000000", FALSE);
  push_stream (&f, samples);

  while ((msg = nmf_test_pop_element (bus))) {
    const GstStructure *st = gst_message_get_structure (msg);
    GstClockTime ts, duration, stream_time, running_time;
    const GValue *energy;

    fail_unless (gst_structure_has_name (st, "nmfseparate"));
    fail_unless (GST_MESSAGE_SRC (msg) == GST_OBJECT (f.el));
    fail_unless (gst_structure_get_uint64 (st, "timestamp", &ts));
    fail_unless (gst_structure_get_uint64 (st, "duration", &duration));
    fail_unless (gst_structure_get_uint64 (st, "stream-time", &stream_time));
    fail_unless (gst_structure_get_uint64 (st, "running-time", &running_time));
    /* contiguous intervals from the stream start */
    fail_unless_equals_uint64 (ts, expect_ts);
    fail_unless_equals_uint64 (stream_time, ts);
    fail_unless_equals_uint64 (running_time, ts);
    fail_unless (duration > 0 && duration <= 120 * GST_MSECOND,
        "duration %" GST_TIME_FORMAT, GST_TIME_ARGS (duration));
    expect_ts = ts + duration;
    energy = gst_structure_get_value (st, "energy");
    fail_unless (energy && GST_VALUE_HOLDS_ARRAY (energy));
    fail_unless_equals_int (gst_value_array_get_size (energy), 2);
    for (guint s = 0; s < 2; s++) {
      double e = g_value_get_double (gst_value_array_get_value (energy, s));
      fail_unless (isfinite (e) && e >= 0.0);
    }
    fail_if (gst_structure_has_field (st, "masks"));
    count++;
    gst_message_unref (msg);
  }
  /* the last (partial) interval ends with the input */
  fail_unless_equals_uint64 (expect_ts, nmf_test_time (samples, RATE));
  fail_unless (count >= 19 && count <= 22, "%u messages", count);
  nmf_fix_teardown_bus (&f, bus);
}

GST_START_TEST (test_messages_cover_the_stream)
{
  check_messages_cover (2 * RATE + 777);
  /* the last frame, a partial hop, crosses an interval boundary that the
   * input does not reach: the interval still ends with the input (it
   * ended with the frame, 476 samples after the stream) */
  check_messages_cover (2 * RATE - 100);
}

GST_END_TEST;

/* The element's own fields (enrolment, spatial) in every message, also
 * after the element was stopped and started again (a stop cleared the
 * hook that adds them); post-messages switched off mid-interval and on
 * again: no message spans the pause (the interval in progress is dropped,
 * the next starts where they came back on). */
GST_START_TEST (test_messages_restart_and_toggle)
{
  GstBus *bus = gst_bus_new ();
  NmfFix f;
  GstMessage *msg;
  float *x = nmf_test_two_tones (4 * RATE, 1, RATE);
  NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, 441, 0);

  attach (&f, bus, "post-messages=true interval=500000000", FALSE);
  for (guint run = 0; run < 2; run++) {
    guint count = 0;
    if (run == 1) {
      gst_element_set_state (f.el, GST_STATE_READY);
      gst_element_set_state (f.el, GST_STATE_PLAYING);
      fail_unless (gst_harness_push_event (f.h[0],
              gst_event_new_stream_start ("again")));
    }
    nmf_fix_set_caps (&f, &nmf_mono, NULL);
    /* 1.25 s, messages off for 1.5 s, on again for the rest */
    nmf_fix_push (&f, &nmf_mono, x, 0, RATE + RATE / 4, &z, FALSE, NULL);
    g_object_set (f.el, "post-messages", FALSE, NULL);
    nmf_fix_push (&f, &nmf_mono, x, RATE + RATE / 4, 3 * RATE / 2, &z, FALSE,
        NULL);
    g_object_set (f.el, "post-messages", TRUE, NULL);
    nmf_fix_push (&f, &nmf_mono, x, 2 * RATE + 3 * RATE / 4, 5 * RATE / 4,
        &z, FALSE, NULL);
    nmf_fix_finish (&f, NULL);
    while ((msg = nmf_test_pop_element (bus))) {
      const GstStructure *st = gst_message_get_structure (msg);
      GstClockTime ts, duration;
      fail_unless (gst_structure_has_field (st, "enrolment"), "run %u: no "
          "enrolment field", run);
      fail_unless (gst_structure_has_field (st, "spatial"));
      fail_unless (gst_structure_get_uint64 (st, "timestamp", &ts));
      fail_unless (gst_structure_get_uint64 (st, "duration", &duration));
      /* none reaches into the pause (1.25 - 2.75 s, a hop's slack) */
      fail_if (ts < nmf_test_time (RATE + RATE / 4, RATE) && ts + duration >
          nmf_test_time (RATE + RATE / 4 + 1024, RATE), "run %u: a message "
          "at %" GST_TIME_FORMAT " for %" GST_TIME_FORMAT, run,
          GST_TIME_ARGS (ts), GST_TIME_ARGS (duration));
      fail_unless (duration <= 520 * GST_MSECOND, "run %u: %" GST_TIME_FORMAT,
          run, GST_TIME_ARGS (duration));
      count++;
      gst_message_unref (msg);
    }
    /* 0.5, 1.0 (before), 3.0, 3.5, 4.0 and the stretch to 3.0 (after) */
    fail_unless (count >= 5 && count <= 7, "run %u: %u messages", run,
        count);
  }
  g_free (x);
  nmf_fix_teardown_bus (&f, bus);
}

GST_END_TEST;

GST_START_TEST (test_messages_masks_and_off)
{
  GstBus *bus = gst_bus_new ();
  NmfFix f;
  GstMessage *msg;
  guint count = 0;

  attach (&f, bus, "post-messages=true interval=1000000000 "
      "message-masks=true", FALSE);
  push_stream (&f, 3 * RATE);
  while ((msg = nmf_test_pop_element (bus))) {
    const GValue *masks = gst_structure_get_value (gst_message_get_structure
        (msg), "masks");
    fail_unless (masks && gst_value_array_get_size (masks) == 2);
    const GValue *m0 = gst_value_array_get_value (masks, 0);
    const GValue *m1 = gst_value_array_get_value (masks, 1);
    fail_unless_equals_int (gst_value_array_get_size (m0), 1025);
    for (guint k = 0; k < 1025; k++) {
      float a = g_value_get_float (gst_value_array_get_value (m0, k));
      float b = g_value_get_float (gst_value_array_get_value (m1, k));
      fail_unless (a >= 0.0f && b >= 0.0f && fabsf (a + b - 1.0f) < 1e-5f);
    }
    count++;
    gst_message_unref (msg);
  }
  fail_unless_equals_int (count, 3);
  nmf_fix_teardown_bus (&f, NULL);

  /* off by default: nothing on the bus */
  attach (&f, bus, NULL, FALSE);
  push_stream (&f, RATE);
  fail_if (gst_bus_have_pending (bus) &&
      (msg = nmf_test_pop_element (bus)) != NULL);
  nmf_fix_teardown_bus (&f, bus);
}

GST_END_TEST;

/* The interval lowered while the stream plays takes effect at once: from
 * 3 s to 100 ms after 1 s, the message in progress ends at the next
 * 100 ms boundary and the rest cover 100 ms each (the boundary already
 * computed from 3 s held: one message for the whole 2 s). */
GST_START_TEST (test_messages_interval_lowered)
{
  GstBus *bus = gst_bus_new ();
  NmfFix f;
  GstMessage *msg;
  float *x = nmf_test_two_tones (2 * RATE, 1, RATE);
  NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, 441, 0);
  GstClockTime first_end = GST_CLOCK_TIME_NONE;
  guint count = 0;

  attach (&f, bus, "profile=live post-messages=true interval=3000000000",
      FALSE);
  nmf_fix_set_caps (&f, &nmf_mono, NULL);
  nmf_fix_push (&f, &nmf_mono, x, 0, RATE, &z, FALSE, NULL);
  g_object_set (f.el, "interval", (guint64) 100 * GST_MSECOND, NULL);
  nmf_fix_push (&f, &nmf_mono, x, RATE, RATE, &z, FALSE, NULL);
  nmf_fix_finish (&f, NULL);
  while ((msg = nmf_test_pop_element (bus))) {
    const GstStructure *st = gst_message_get_structure (msg);
    GstClockTime ts, duration;
    fail_unless (gst_structure_get_uint64 (st, "timestamp", &ts));
    fail_unless (gst_structure_get_uint64 (st, "duration", &duration));
    if (count == 0)
      first_end = ts + duration;
    else
      fail_unless (duration <= 120 * GST_MSECOND, "message %u: %"
          GST_TIME_FORMAT, count, GST_TIME_ARGS (duration));
    count++;
    gst_message_unref (msg);
  }
  fail_unless (first_end <= 1120 * GST_MSECOND, "the first message ends at %"
      GST_TIME_FORMAT, GST_TIME_ARGS (first_end));
  fail_unless (count >= 9, "%u messages", count);
  g_free (x);
  nmf_fix_teardown_bus (&f, bus);
}

GST_END_TEST;

/* Intervals that are not a whole number of samples do not drift: 1 ms at
 * 44.1 kHz over 1 s is 1000 messages (44 samples each gave 1003). */
GST_START_TEST (test_messages_no_drift)
{
  GstBus *bus = gst_bus_new ();
  NmfFix f;
  GstMessage *msg;
  float *x = nmf_test_two_tones (RATE, 1, RATE);
  NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, 441, 0);
  guint count = 0;

  attach (&f, bus, "profile=live fft-size=32 hop-size=1 post-messages=true "
      "interval=1000000", FALSE);
  nmf_fix_set_caps (&f, &nmf_mono, NULL);
  nmf_fix_push (&f, &nmf_mono, x, 0, RATE, &z, FALSE, NULL);
  nmf_fix_finish (&f, NULL);
  while ((msg = nmf_test_pop_element (bus))) {
    count++;
    gst_message_unref (msg);
  }
  fail_unless (count == 1000 || count == 1001, "%u messages in 1 s of 1 ms "
      "intervals", count);
  g_free (x);
  nmf_fix_teardown_bus (&f, bus);
}

GST_END_TEST;

/* Raw audio without a parser comes in a segment of bytes: the messages
 * have no stream or running time to give (GST_CLOCK_TIME_NONE), and no
 * critical (a conversion in TIME asserted the segment's format). */
GST_START_TEST (test_messages_bytes_segment)
{
  GstBus *bus = gst_bus_new ();
  NmfFix f;
  GstMessage *msg;
  GstSegment segment;
  const NmfTimeline untimed = { RATE, 1, GST_CLOCK_TIME_NONE,
    GST_BUFFER_OFFSET_NONE
  };
  float *x = nmf_test_two_tones (RATE, 1, RATE);
  NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, 4096, 0);
  guint count = 0;

  attach (&f, bus, "profile=live post-messages=true interval=100000000",
      FALSE);
  nmf_fix_set_caps (&f, &nmf_mono, NULL);
  gst_segment_init (&segment, GST_FORMAT_BYTES);
  fail_unless (gst_harness_push_event (f.h[0],
          gst_event_new_segment (&segment)));
  nmf_fix_push (&f, &untimed, x, 0, RATE, &z, FALSE, NULL);
  nmf_fix_finish (&f, NULL);
  while ((msg = nmf_test_pop_element (bus))) {
    const GstStructure *st = gst_message_get_structure (msg);
    GstClockTime ts, stream_time, running_time;
    fail_unless (gst_structure_get_uint64 (st, "timestamp", &ts));
    fail_unless (gst_structure_get_uint64 (st, "stream-time", &stream_time));
    fail_unless (gst_structure_get_uint64 (st, "running-time",
            &running_time));
    fail_unless (GST_CLOCK_TIME_IS_VALID (ts));
    fail_if (GST_CLOCK_TIME_IS_VALID (stream_time));
    fail_if (GST_CLOCK_TIME_IS_VALID (running_time));
    count++;
    gst_message_unref (msg);
  }
  fail_unless (count >= 9, "%u messages", count);
  g_free (x);
  nmf_fix_teardown_bus (&f, bus);
}

GST_END_TEST;

/* By how many columns picture b is picture a scrolled left (the columns
 * that stay are the same pixels): the smallest such shift, or -1. */
static gint
scroll_of (GstBuffer * a, GstBuffer * b, gint width, gint height, gint bpp)
{
  GstMapInfo ma, mb;
  gsize stride = (gsize) width * bpp;
  gint found = -1;

  gst_buffer_map (a, &ma, GST_MAP_READ);
  gst_buffer_map (b, &mb, GST_MAP_READ);
  for (gint n = 0; n <= width && found < 0; n++) {
    gint y = 0;
    while (y < height && memcmp (mb.data + y * stride,
            ma.data + y * stride + (gsize) n * bpp,
            (gsize) (width - n) * bpp) == 0)
      y++;
    if (y == height)
      found = n;
  }
  gst_buffer_unmap (a, &ma);
  gst_buffer_unmap (b, &mb);
  return found;
}

GST_START_TEST (test_viz_scrolling)
{
  NmfFix f;
  GstBuffer *b, *prev = NULL;
  guint frames = 0;
  GstVideoInfo info;
  GstCaps *caps;

  attach (&f, NULL, NULL, TRUE);
  push_stream (&f, 2 * RATE);

  caps = gst_pad_get_current_caps (f.h[2]->sinkpad);
  fail_unless (caps != NULL);
  fail_unless (gst_video_info_from_caps (&info, caps));
  gst_caps_unref (caps);
  fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&info), 640);
  fail_unless_equals_int (GST_VIDEO_INFO_HEIGHT (&info), 360);
  fail_unless_equals_int (GST_VIDEO_INFO_FPS_N (&info), 30);
  fail_unless_equals_int (GST_VIDEO_INFO_FORMAT (&info), GST_VIDEO_FORMAT_RGBA);
  while ((b = gst_harness_try_pull (f.h[2]))) {
    GstClockTime ts = gst_util_uint64_scale (frames, GST_SECOND, 30);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (b), ts);
    fail_unless_equals_uint64 (GST_BUFFER_DURATION (b),
        gst_util_uint64_scale (frames + 1, GST_SECOND, 30) - ts);
    fail_unless_equals_int (gst_buffer_get_size (b), 640 * 360 * 4);
    if (prev) {
      /* a scroll: the previous picture moved left by the columns of the
       * new STFT frames (2 or 3 at 30 fps), the rest unchanged */
      gint shift = scroll_of (prev, b, 640, 360, 4);
      fail_unless (shift >= 2 && shift <= 3, "picture %u: scrolled by %d",
          frames, shift);
      gst_buffer_unref (prev);
    }
    prev = b;
    frames++;
  }
  gst_clear_buffer (&prev);
  /* one picture per 1/30 s of audio, none starting where it ends (a
   * 61st, at 2.000 s, had the next stream's first picture's time) */
  fail_unless_equals_int (frames, 60);
  nmf_fix_teardown_bus (&f, NULL);
}

GST_END_TEST;

/* A picture rate above the hop rate (120 fps, 86 hops a second at 44.1
 * kHz), or a hop longer than a picture (fft-size 8192 at 30 fps): the
 * pictures still start at the stream's start, one per 1/fps of audio (the
 * first STFT frame's audio spans more than one picture, and the pictures
 * started with the one holding its last sample: 0 missing at 120 fps,
 * 0 missing at fft-size 8192). */
GST_START_TEST (test_viz_first_picture)
{
  static const struct
  {
    const gchar *props;
    gint fps;
  } cases[] = {
    {"profile=live", 120},
    {"profile=live fft-size=8192", 30},
    {"profile=live fft-size=32768", 60},
  };

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++) {
    gchar *caps = g_strdup_printf ("video/x-raw, format=RGBA, width=32, "
        "height=16, framerate=%d/1", cases[c].fps);
    guint frames = 0;
    GstBuffer *b;
    NmfFix f;

    attach (&f, NULL, cases[c].props, TRUE);
    gst_harness_set_sink_caps_str (f.h[2], caps);
    push_stream (&f, RATE);
    while ((b = gst_harness_try_pull (f.h[2]))) {
      GstClockTime ts = gst_util_uint64_scale (frames, GST_SECOND,
          cases[c].fps);
      fail_unless_equals_uint64 (GST_BUFFER_PTS (b), ts);
      frames++;
      gst_buffer_unref (b);
    }
    fail_unless_equals_int (frames, cases[c].fps);
    nmf_fix_teardown_bus (&f, NULL);
    g_free (caps);
  }
}

GST_END_TEST;

/* The picture pad requested 3 s into a stream starts with the picture the
 * audio is in: it rendered the 90 pictures since the stream's start at
 * once (108 000 an hour in). */
GST_START_TEST (test_viz_joins_late)
{
  NmfFix f;
  GstBuffer *b;
  float *x = nmf_test_two_tones (4 * RATE, 1, RATE);
  NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, 441, 0);
  guint frames = 0;
  GstClockTime first = GST_CLOCK_TIME_NONE;

  attach (&f, NULL, "profile=live", FALSE);
  nmf_fix_set_caps (&f, &nmf_mono, NULL);
  nmf_fix_push (&f, &nmf_mono, x, 0, 3 * RATE, &z, FALSE, NULL);
  f.h[f.n++] = gst_harness_new_with_element (f.el, NULL, "viz");
  nmf_fix_push (&f, &nmf_mono, x, 3 * RATE, RATE, &z, FALSE, NULL);
  nmf_fix_finish (&f, NULL);
  while ((b = gst_harness_try_pull (f.h[2]))) {
    if (frames++ == 0)
      first = GST_BUFFER_PTS (b);
    gst_buffer_unref (b);
  }
  /* the live profile's delay is 46 ms: the first picture the one of the
   * audio at 3 s less that, give or take a picture */
  fail_unless (GST_CLOCK_TIME_IS_VALID (first) && first >= 2900 * GST_MSECOND,
      "the first picture is at %" GST_TIME_FORMAT, GST_TIME_ARGS (first));
  fail_unless (frames >= 29 && frames <= 33, "%u pictures for the last "
      "second", frames);
  g_free (x);
  nmf_fix_teardown_bus (&f, NULL);
}

GST_END_TEST;

typedef struct
{
  NmfFix *f;
  const float *x;
  gsize n;
  gint done;
} Pusher;

static gpointer
push_thread (gpointer data)
{
  Pusher *p = data;
  NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, 441, 0);

  nmf_fix_push (p->f, &nmf_mono, p->x, 0, p->n, &z, FALSE, NULL);
  g_atomic_int_set (&p->done, 1);
  return NULL;
}

/* Pictures waiting for a picture sink that holds the first one wait in a
 * queue of half a second of pictures: the element stops there, its audio
 * out no further than that ahead (64 pictures waited, as the audio's
 * buffers: 2 GB at 4K, and 2 s of audio ran ahead). */
GST_START_TEST (test_viz_queue_bounded)
{
  NmfFix f;
  float *x = nmf_test_two_tones (4 * RATE, 1, RATE);
  Pusher p = { &f, x, 4 * RATE, 0 };
  GThread *thread;
  gsize out = 0, before = G_MAXSIZE;
  GstBuffer *b;

  attach (&f, NULL, "profile=live", TRUE);
  gst_harness_set_blocking_push_mode (f.h[2]);
  nmf_fix_set_caps (&f, &nmf_mono, NULL);
  thread = g_thread_new ("pusher", push_thread, &p);
  /* until the audio out stops growing: the element waits for room */
  while (out != before) {
    before = out;
    g_usleep (300 * 1000);
    while ((b = gst_harness_try_pull (f.h[0]))) {
      out += gst_buffer_get_size (b) / sizeof (float);
      gst_buffer_unref (b);
    }
  }
  /* half a second of pictures and the STFT's delay (17 at 30/s), 4 places
   * for events, one held by the sink: about 0.65 s of audio */
  fail_unless (out < RATE * 3 / 4, "%" G_GSIZE_FORMAT " samples out while "
      "the picture sink held its first picture", out);
  /* the rest flows once the sink takes the pictures */
  while (!g_atomic_int_get (&p.done)) {
    GstBuffer *pic = gst_harness_try_pull (f.h[2]);
    if (pic)
      gst_buffer_unref (pic);
    else
      g_usleep (1000);
  }
  g_thread_join (thread);
  g_free (x);
  nmf_fix_teardown_bus (&f, NULL);
}

GST_END_TEST;

GST_START_TEST (test_viz_still_picture)
{
  NmfFix f;
  GstBuffer *b;
  GstMapInfo map;
  guint lit = 0;

  attach (&f, NULL, NULL, TRUE);
  gst_harness_set_caps_str (f.h[2], "video/x-raw, format=RGB, width=300, "
      "height=100, framerate=0/1", "video/x-raw, format=RGB, width=300, "
      "height=100, framerate=0/1");
  push_stream (&f, 3 * RATE);

  /* exactly one picture, of the whole stream, at its end */
  fail_unless_equals_int (gst_harness_buffers_in_queue (f.h[2]), 1);
  b = gst_harness_pull (f.h[2]);
  fail_unless_equals_uint64 (GST_BUFFER_PTS (b), 0);
  fail_unless_equals_uint64 (GST_BUFFER_DURATION (b), 3 * GST_SECOND);
  gst_buffer_map (b, &map, GST_MAP_READ);
  fail_unless_equals_int (map.size, 300 * 100 * 3);
  for (gsize i = 0; i < map.size; i++)
    lit += map.data[i] > 0;
  gst_buffer_unmap (b, &map);
  gst_buffer_unref (b);
  /* the tones are drawn: a good part of the picture is lit */
  fail_unless (lit > map.size / 20, "%u of %" G_GSIZE_FORMAT " lit", lit,
      map.size);
  nmf_fix_teardown_bus (&f, NULL);
}

GST_END_TEST;

/* One STFT frame of made-up spectra: a level that wanders over 100 dB
 * (the reference level follows it, and quiet frames go dark), spectral
 * peaks, and masks that sum to one over the sources. */
static void
random_frame (GRand * rand, gint bins, gint sources, gint frame,
    float *magnitude, float *masks)
{
  double level = pow (10, (-60 + 50 * sin (frame * 0.037)
          + g_rand_double_range (rand, -10, 10)) / 20);

  for (gint k = 0; k < bins; k++) {
    double sum = 0;
    magnitude[k] = (float) (level * pow (g_rand_double (rand), 4)
        * (k % 37 == frame % 37 ? 30 : 1));
    for (gint s = 0; s < sources; s++)
      sum += masks[(gsize) s * bins + k] = (float) g_rand_double (rand);
    for (gint s = 0; s < sources; s++)
      masks[(gsize) s * bins + k] /= (float) sum;
  }
}

/* The visible bytes of two pictures (not the rows' padding) are the same. */
static void
assert_same_picture (const GstVideoInfo * info, GstBuffer * a, GstBuffer * b,
    const gchar * what, guint picture)
{
  GstVideoFrame fa, fb;
  gsize row = (gsize) GST_VIDEO_INFO_WIDTH (info)
      * GST_VIDEO_INFO_COMP_PSTRIDE (info, 0);

  fail_unless (gst_video_frame_map (&fa, info, a, GST_MAP_READ));
  fail_unless (gst_video_frame_map (&fb, info, b, GST_MAP_READ));
  for (gint y = 0; y < GST_VIDEO_INFO_HEIGHT (info); y++) {
    const guint8 *ra = (const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&fa, 0)
        + (gsize) y * GST_VIDEO_FRAME_PLANE_STRIDE (&fa, 0);
    const guint8 *rb = (const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&fb, 0)
        + (gsize) y * GST_VIDEO_FRAME_PLANE_STRIDE (&fb, 0);
    if (memcmp (ra, rb, row) != 0) {
      gsize x = 0;
      while (ra[x] == rb[x])
        x++;
      fail ("%s, picture %u: row %d differs at byte %" G_GSIZE_FORMAT
          " (%u, redrawn whole %u)", what, picture, y, x, ra[x], rb[x]);
    }
  }
  gst_video_frame_unmap (&fa);
  gst_video_frame_unmap (&fb);
}

/* Feeds the same frames to an incremental renderer and to one redrawing
 * every pixel (the renderer before it drew only new columns) and compares
 * their `count` pictures, pixel for pixel.  Between pictures 0 to 4 frames
 * arrive, now and then more than the picture is wide; the incremental
 * renderer draws into one reused buffer first filled with junk, as a buffer
 * pool gives it back.  A still picture (fps 0) is drawn now and then as the
 * stream grows (its store halves, and a picture in the middle of averaging
 * a column stores it), `count` times in all. */
static void
compare_renderers (GstVideoFormat format, gint width, gint height, gint fps,
    gint sources, guint count, guint32 seed)
{
  const gint rate = 44100, bins = 513;
  GstVideoInfo info;
  GstNmfViz *inc, *ref;
  GRand *rand = g_rand_new_with_seed (seed);
  float *magnitude = g_new (float, bins);
  float *masks = g_new (float, (gsize) sources * bins);
  GstBuffer *reused;
  gchar *what;
  guint frame = 0;

  gst_video_info_set_format (&info, format, width, height);
  GST_VIDEO_INFO_FPS_N (&info) = fps;
  what = g_strdup_printf ("%s %dx%d fps %d", gst_video_format_to_string
      (format), width, height, fps);
  inc = gst_nmf_viz_new (&info, rate, bins, sources, fps == 0);
  ref = gst_nmf_viz_new (&info, rate, bins, sources, fps == 0);
  gst_nmf_viz_set_redraw_all (ref, TRUE);
  reused = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&info), NULL);

  for (guint picture = 0; picture < count; picture++) {
    guint n = g_rand_int_range (rand, 0, 5);
    GstBuffer *expect;

    if (fps == 0)
      n = g_rand_int_range (rand, 1, 4 * width);
    else if (g_rand_int_range (rand, 0, 60) == 0)
      n = width + g_rand_int_range (rand, 0, 3);  /* a jump: all new */
    for (guint i = 0; i < n; i++, frame++) {
      random_frame (rand, bins, sources, frame, magnitude, masks);
      gst_nmf_viz_add_frame (inc, magnitude, masks);
      gst_nmf_viz_add_frame (ref, magnitude, masks);
    }
    gst_buffer_memset (reused, 0, 0xa5, GST_VIDEO_INFO_SIZE (&info));
    fail_unless (gst_nmf_viz_render_into (inc, reused));
    expect = gst_nmf_viz_render (ref);
    assert_same_picture (&info, reused, expect, what, picture);
    gst_buffer_unref (expect);
  }

  gst_buffer_unref (reused);
  gst_nmf_viz_free (inc);
  gst_nmf_viz_free (ref);
  g_free (magnitude);
  g_free (masks);
  g_free (what);
  g_rand_free (rand);
}

/* CIE L*a*b* (D65) of an sRGB colour. */
static void
srgb_to_lab (const guint8 rgb[3], double lab[3])
{
  static const double white[3] = { 0.95047, 1.0, 1.08883 };
  static const double m[3][3] = {
    {0.4124564, 0.3575761, 0.1804375},
    {0.2126729, 0.7151522, 0.0721750},
    {0.0193339, 0.1191920, 0.9503041},
  };
  double lin[3], f[3];

  for (gint c = 0; c < 3; c++) {
    double v = rgb[c] / 255.0;
    lin[c] = v <= 0.04045 ? v / 12.92 : pow ((v + 0.055) / 1.055, 2.4);
  }
  for (gint i = 0; i < 3; i++) {
    double t = (m[i][0] * lin[0] + m[i][1] * lin[1] + m[i][2] * lin[2])
        / white[i];
    f[i] = t > 216.0 / 24389 ? cbrt (t) : t * 24389 / 27 / 116 + 16.0 / 116;
  }
  lab[0] = 116 * f[1] - 16;
  lab[1] = 500 * (f[0] - f[1]);
  lab[2] = 200 * (f[1] - f[2]);
}

/* The CIEDE2000 colour difference (Sharma, Wu and Dalal's formulation):
 * about 1 is the least a viewer notices side by side. */
static double
ciede2000 (const double l1[3], const double l2[3])
{
  const double rad = G_PI / 180;
  double c1 = hypot (l1[1], l1[2]), c2 = hypot (l2[1], l2[2]);
  double cb7 = pow ((c1 + c2) / 2, 7);
  double g = 0.5 * (1 - sqrt (cb7 / (cb7 + pow (25, 7))));
  double a1 = (1 + g) * l1[1], a2 = (1 + g) * l2[1];
  double cp1 = hypot (a1, l1[2]), cp2 = hypot (a2, l2[2]);
  double hp1 = cp1 > 0 ? fmod (atan2 (l1[2], a1) / rad + 360, 360) : 0;
  double hp2 = cp2 > 0 ? fmod (atan2 (l2[2], a2) / rad + 360, 360) : 0;
  double dl = l2[0] - l1[0], dc = cp2 - cp1, dh = 0, hb = hp1 + hp2;
  double lb, cb, t, dtheta, rc, sl, sc, sh, rt, cbp7;

  if (cp1 * cp2 > 0) {
    dh = hp2 - hp1;
    if (dh > 180)
      dh -= 360;
    else if (dh < -180)
      dh += 360;
    if (fabs (hp1 - hp2) <= 180)
      hb = (hp1 + hp2) / 2;
    else
      hb = (hp1 + hp2 + (hp1 + hp2 < 360 ? 360 : -360)) / 2;
  }
  dh = 2 * sqrt (cp1 * cp2) * sin (dh / 2 * rad);
  lb = (l1[0] + l2[0]) / 2;
  cb = (cp1 + cp2) / 2;
  t = 1 - 0.17 * cos ((hb - 30) * rad) + 0.24 * cos (2 * hb * rad)
      + 0.32 * cos ((3 * hb + 6) * rad) - 0.20 * cos ((4 * hb - 63) * rad);
  dtheta = 30 * exp (-pow ((hb - 275) / 25, 2));
  cbp7 = pow (cb, 7);
  rc = 2 * sqrt (cbp7 / (cbp7 + pow (25, 7)));
  sl = 1 + 0.015 * pow (lb - 50, 2) / sqrt (20 + pow (lb - 50, 2));
  sc = 1 + 0.045 * cb;
  sh = 1 + 0.015 * cb * t;
  rt = -sin (2 * dtheta * rad) * rc;
  return sqrt (pow (dl / sl, 2) + pow (dc / sc, 2) + pow (dh / sh, 2)
      + rt * (dc / sc) * (dh / sh));
}

/* The colour each of the 16 sources is drawn in, as the renderer draws
 * a bin that one source owns whole at full level: no two of them alike.
 * The palette was hues a golden angle apart at full saturation, and 16
 * such hues bunch up in green, which the eye tells apart least: sources 6
 * and 14 were 1.4 apart (CIEDE2000), 1 and 14 2.9.  Sources 0 to 5 keep
 * their colours (pictures of up to six sources are unchanged). */
GST_START_TEST (test_viz_palette_distinct)
{
  const gint rate = 44100, bins = 9, sources = 16;
  const double least = 15;
  float magnitude[9], masks[16 * 9];
  double lab[16][3], nearest = G_MAXDOUBLE;
  gint pair[2] = { -1, -1 };
  GstVideoInfo info;

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_RGB, 16, 16);
  GST_VIDEO_INFO_FPS_N (&info) = 30;
  for (gint f = 0; f < bins; f++)
    magnitude[f] = 1.0f;
  for (gint s = 0; s < sources; s++) {
    GstNmfViz *viz = gst_nmf_viz_new (&info, rate, bins, sources, FALSE);
    GstBuffer *b;
    GstVideoFrame frame;
    const guint8 *px;

    for (gint i = 0; i < sources * bins; i++)
      masks[i] = i / bins == s ? 1.0f : 0.0f;
    gst_nmf_viz_add_frame (viz, magnitude, masks);
    b = gst_nmf_viz_render (viz);
    fail_unless (gst_video_frame_map (&frame, &info, b, GST_MAP_READ));
    /* the newest column, at the right edge */
    px = (const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&frame, 0)
        + 8 * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0) + 15 * 3;
    GST_INFO ("source %2d: #%02x%02x%02x", s, px[0], px[1], px[2]);
    fail_unless (px[0] | px[1] | px[2], "source %d drawn black", s);
    srgb_to_lab (px, lab[s]);
    gst_video_frame_unmap (&frame);
    gst_buffer_unref (b);
    gst_nmf_viz_free (viz);
  }
  for (gint i = 0; i < sources; i++)
    for (gint j = i + 1; j < sources; j++) {
      double d = ciede2000 (lab[i], lab[j]);
      if (d < nearest)
        nearest = d, pair[0] = i, pair[1] = j;
    }
  GST_INFO ("nearest: sources %d and %d, %.1f apart", pair[0], pair[1],
      nearest);
  fail_unless (nearest >= least, "sources %d and %d are drawn in colours "
      "%.1f apart (CIEDE2000; at least %.0f wanted)", pair[0], pair[1],
      nearest, least);
}

GST_END_TEST;

GST_START_TEST (test_viz_incremental_equals_redraw)
{
  static const struct
  {
    GstVideoFormat format;
    gint width, height, fps, sources;
    guint pictures;
  } cases[] = {
    /* the desk's picture, the pad's default size, odd sizes (RGB rows with
     * padding), the smallest the pad allows, one source and sixteen */
    {GST_VIDEO_FORMAT_RGB, 768, 320, 30, 2, 400},
    {GST_VIDEO_FORMAT_RGBA, 768, 320, 30, 2, 400},
    {GST_VIDEO_FORMAT_RGBA, 640, 360, 30, 3, 300},
    {GST_VIDEO_FORMAT_RGB, 333, 77, 25, 5, 500},
    {GST_VIDEO_FORMAT_RGBA, 101, 250, 12, 16, 300},
    {GST_VIDEO_FORMAT_RGB, 16, 16, 60, 1, 500},
    {GST_VIDEO_FORMAT_RGBA, 17, 23, 120, 2, 500},
    /* what a GTK or cairo sink takes as it is */
    {GST_VIDEO_FORMAT_BGRx, 768, 320, 25, 2, 300},
    {GST_VIDEO_FORMAT_xRGB, 333, 77, 20, 3, 300},
    /* still pictures: stretched at first, then the stream squeezed */
    {GST_VIDEO_FORMAT_RGB, 300, 100, 0, 2, 12},
    {GST_VIDEO_FORMAT_RGBA, 1200, 400, 0, 3, 6},
    {GST_VIDEO_FORMAT_RGB, 17, 19, 0, 2, 30},
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    compare_renderers (cases[i].format, cases[i].width, cases[i].height,
        cases[i].fps, cases[i].sources, cases[i].pictures, 1000 + i);
}

GST_END_TEST;

/* The pictures asked in the formats a GTK or cairo sink takes as they are
 * (BGRx, BGRA: no videoconvert before gtksink) hold the pixels of RGBA,
 * the bytes in their order. */
static GPtrArray *
viz_pictures (const gchar * format)
{
  GPtrArray *pictures = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_buffer_unref);
  gchar *caps = g_strdup_printf ("video/x-raw, format=%s, width=64, "
      "height=48, framerate=30/1", format);
  GstVideoInfo info;
  GstCaps *got;
  GstBuffer *b;
  NmfFix f;

  attach (&f, NULL, NULL, TRUE);
  gst_harness_set_sink_caps_str (f.h[2], caps);
  push_stream (&f, RATE);
  got = gst_pad_get_current_caps (f.h[2]->sinkpad);
  fail_unless (got != NULL && gst_video_info_from_caps (&info, got));
  fail_unless_equals_string (gst_video_format_to_string
      (GST_VIDEO_INFO_FORMAT (&info)), format);
  gst_caps_unref (got);
  while ((b = gst_harness_try_pull (f.h[2])))
    g_ptr_array_add (pictures, b);
  nmf_fix_teardown_bus (&f, NULL);
  g_free (caps);
  return pictures;
}

GST_START_TEST (test_viz_sink_formats)
{
  static const struct
  {
    const gchar *format;
    gint r, g, b, x;            /* byte of R, G, B, and of alpha/padding */
  } cases[] = {
    {"BGRx", 2, 1, 0, 3},
    {"BGRA", 2, 1, 0, 3},
    {"xRGB", 1, 2, 3, 0},
  };
  GPtrArray *rgba = viz_pictures ("RGBA");

  fail_unless (rgba->len >= 29, "%u pictures", rgba->len);
  for (guint c = 0; c < G_N_ELEMENTS (cases); c++) {
    GPtrArray *other = viz_pictures (cases[c].format);
    fail_unless_equals_int (other->len, rgba->len);
    for (guint i = 0; i < rgba->len; i++) {
      GstMapInfo a, o;
      guint lit = 0;
      gst_buffer_map (g_ptr_array_index (rgba, i), &a, GST_MAP_READ);
      gst_buffer_map (g_ptr_array_index (other, i), &o, GST_MAP_READ);
      fail_unless_equals_int (o.size, a.size);
      for (gsize p = 0; p < a.size; p += 4) {
        fail_unless (o.data[p + cases[c].r] == a.data[p]
            && o.data[p + cases[c].g] == a.data[p + 1]
            && o.data[p + cases[c].b] == a.data[p + 2]
            && o.data[p + cases[c].x] == 255, "%s picture %u pixel %u",
            cases[c].format, i, (guint) (p / 4));
        lit += a.data[p] | a.data[p + 1] | a.data[p + 2] ? 1 : 0;
      }
      gst_buffer_unmap (g_ptr_array_index (rgba, i), &a);
      gst_buffer_unmap (g_ptr_array_index (other, i), &o);
      /* the comparison is of pictures that show something */
      if (i == rgba->len - 1)
        fail_unless (lit > 0, "the last picture is black");
    }
    g_ptr_array_unref (other);
  }
  g_ptr_array_unref (rgba);
}

GST_END_TEST;

/* Downstream of the picture pad takes none of its formats (a common
 * mistake: an encoder with no videoconvert before it): a not-negotiated
 * error on the bus, and the audio refused, instead of a pipeline waiting
 * for ever for a picture. */
GST_START_TEST (test_viz_not_negotiated)
{
  GstBus *bus = gst_bus_new ();
  float x[4096] = { 0 };
  NmfFix f;
  GstMessage *msg;
  GError *err = NULL;
  gchar *dbg = NULL;

  attach (&f, bus, NULL, TRUE);
  /* linked already; narrower than the pad's 16..8192 pixels */
  gst_harness_set_sink_caps_str (f.h[2], "video/x-raw, format=RGBA, "
      "width=15, height=100, framerate=30/1");
  nmf_fix_set_caps (&f, &nmf_mono, NULL);
  fail_unless_equals_int (gst_harness_push (f.h[0], nmf_test_buffer (&nmf_mono,
              x, 0, 4096, FALSE)), GST_FLOW_NOT_NEGOTIATED);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "no error on the bus");
  gst_message_parse_error (msg, &err, &dbg);
  fail_unless (g_error_matches (err, GST_CORE_ERROR,
          GST_CORE_ERROR_NEGOTIATION), "%s", err->message);
  fail_unless (strstr (err->message, "viz") != NULL, "%s", err->message);
  fail_unless (strstr (dbg, "width=(int)15") != NULL, "%s", dbg);
  g_clear_error (&err);
  g_free (dbg);
  gst_message_unref (msg);
  /* the caps event is sticky: each later push tries it again, and says
   * so again (a source's task stops at the first not-negotiated) */
  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR))) {
    gst_message_parse_error (msg, &err, NULL);
    fail_unless (g_error_matches (err, GST_CORE_ERROR,
            GST_CORE_ERROR_NEGOTIATION), "%s", err->message);
    g_clear_error (&err);
    gst_message_unref (msg);
  }
  nmf_fix_teardown_bus (&f, bus);
}

GST_END_TEST;

static Suite *
nmfseparate_messages_suite (void)
{
  static const NmfTest tests[] = {
    NMF_TEST ("messages", test_messages_cover_the_stream),
    NMF_TEST ("messages", test_messages_masks_and_off),
    NMF_TEST ("messages", test_messages_restart_and_toggle),
    NMF_TEST ("messages", test_messages_interval_lowered),
    NMF_TEST ("messages", test_messages_bytes_segment),
    NMF_TEST ("messages", test_messages_no_drift),
    NMF_TEST ("messages", test_viz_scrolling),
    NMF_TEST ("messages", test_viz_still_picture),
    NMF_TEST ("messages", test_viz_joins_late),
    NMF_TEST ("messages", test_viz_first_picture),
    NMF_TEST ("messages", test_viz_queue_bounded),
    NMF_TEST ("messages", test_viz_incremental_equals_redraw),
    NMF_TEST ("messages", test_viz_palette_distinct),
    NMF_TEST ("messages", test_viz_sink_formats),
    NMF_TEST ("messages", test_viz_not_negotiated),
  };

  return nmf_test_suite ("nmfseparate-messages", tests,
      G_N_ELEMENTS (tests), 0);
}

GST_CHECK_MAIN (nmfseparate_messages);
