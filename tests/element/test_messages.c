/* nmfseparate's element messages (post-messages) on a bus, as spectrum's
 * tests check its messages, and the viz request pad's pictures. */
#include <gst/gst.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>

#include <math.h>
#include <string.h>

#define RATE 44100
#define CAPS "audio/x-raw, format=F32LE, layout=interleaved, rate=44100, channels=1"

static GstBuffer *
two_tones (guint64 first, guint n)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, n * sizeof (float), NULL);
  GstMapInfo map;

  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  for (guint i = 0; i < n; i++) {
    double t = (double) (first + i) / RATE;
    ((float *) map.data)[i] = (float) (0.3 * sin (2 * G_PI * 330 * t)
        + 0.3 * sin (2 * G_PI * 2500 * t) * (((first + i) / 11025) % 2));
  }
  gst_buffer_unmap (buf, &map);
  GST_BUFFER_PTS (buf) = gst_util_uint64_scale_int (first, GST_SECOND, RATE);
  GST_BUFFER_DURATION (buf) = gst_util_uint64_scale_int (first + n,
      GST_SECOND, RATE) - GST_BUFFER_PTS (buf);
  return buf;
}

/* Pushes `samples` of audio then EOS; pulls (and drops) every output of the
 * source harnesses so that no queue fills up. */
static void
push_stream (GstHarness ** h, guint n_harness, guint64 samples)
{
  for (guint64 pos = 0; pos < samples;) {
    guint n = MIN (samples - pos, 1501);
    fail_unless_equals_int (gst_harness_push (h[0], two_tones (pos, n)),
        GST_FLOW_OK);
    pos += n;
  }
  fail_unless (gst_harness_push_event (h[0], gst_event_new_eos ()));
  for (guint i = 0; i < n_harness; i++) {
    GstEvent *ev;
    gboolean eos = FALSE;
    while (!eos) {
      ev = gst_harness_pull_event (h[i]);
      fail_unless (ev != NULL);
      eos = GST_EVENT_TYPE (ev) == GST_EVENT_EOS;
      gst_event_unref (ev);
    }
  }
}

static GstElement *
make_element (GstBus * bus, gboolean post, guint64 interval, gboolean masks)
{
  GstElement *el = gst_element_factory_make ("nmfseparate", NULL);

  fail_unless (el != NULL);
  g_object_set (el, "post-messages", post, "interval", interval,
      "message-masks", masks, NULL);
  gst_element_set_bus (el, bus);
  return el;
}

GST_START_TEST (test_messages_cover_the_stream)
{
  GstBus *bus = gst_bus_new ();
  GstElement *el = make_element (bus, TRUE, 100 * GST_MSECOND, FALSE);
  GstHarness *h[2];
  GstMessage *msg;
  GstClockTime expect_ts = 0;
  guint count = 0;
  const guint64 samples = 2 * RATE + 777;

  h[0] = gst_harness_new_with_element (el, "sink", "src_0");
  h[1] = gst_harness_new_with_element (el, NULL, "src_1");
  gst_object_unref (el);
  gst_harness_set_src_caps_str (h[0], CAPS);
  push_stream (h, 2, samples);

  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
    const GstStructure *st = gst_message_get_structure (msg);
    GstClockTime ts, duration, stream_time, running_time;
    const GValue *energy;

    fail_unless (gst_structure_has_name (st, "nmfseparate"));
    fail_unless (GST_MESSAGE_SRC (msg) == GST_OBJECT (el));
    fail_unless (gst_structure_get_uint64 (st, "timestamp", &ts));
    fail_unless (gst_structure_get_uint64 (st, "duration", &duration));
    fail_unless (gst_structure_get_uint64 (st, "stream-time", &stream_time));
    fail_unless (gst_structure_get_uint64 (st, "running-time",
            &running_time));
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
  fail_unless_equals_uint64 (expect_ts, gst_util_uint64_scale_int (samples,
          GST_SECOND, RATE));
  fail_unless (count >= 20 && count <= 22, "%u messages", count);

  gst_element_set_bus (h[0]->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h[1]);
  gst_harness_teardown (h[0]);
}

GST_END_TEST;

GST_START_TEST (test_messages_masks_and_off)
{
  GstBus *bus = gst_bus_new ();
  GstElement *el = make_element (bus, TRUE, GST_SECOND, TRUE);
  GstHarness *h[2];
  GstMessage *msg;
  guint count = 0;

  h[0] = gst_harness_new_with_element (el, "sink", "src_0");
  h[1] = gst_harness_new_with_element (el, NULL, "src_1");
  gst_object_unref (el);
  gst_harness_set_src_caps_str (h[0], CAPS);
  push_stream (h, 2, 3 * RATE);
  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
    const GValue *masks = gst_structure_get_value (gst_message_get_structure
        (msg), "masks");
    fail_unless (masks && gst_value_array_get_size (masks) == 2);
    const GValue *m0 = gst_value_array_get_value (masks, 0);
    const GValue *m1 = gst_value_array_get_value (masks, 1);
    fail_unless_equals_int (gst_value_array_get_size (m0), 1025);
    for (guint f = 0; f < 1025; f++) {
      float a = g_value_get_float (gst_value_array_get_value (m0, f));
      float b = g_value_get_float (gst_value_array_get_value (m1, f));
      fail_unless (a >= 0.0f && b >= 0.0f && fabsf (a + b - 1.0f) < 1e-5f);
    }
    count++;
    gst_message_unref (msg);
  }
  fail_unless_equals_int (count, 3);
  gst_element_set_bus (h[0]->element, NULL);
  gst_harness_teardown (h[1]);
  gst_harness_teardown (h[0]);

  /* off by default: nothing on the bus */
  el = gst_element_factory_make ("nmfseparate", NULL);
  gst_element_set_bus (el, bus);
  h[0] = gst_harness_new_with_element (el, "sink", "src_0");
  h[1] = gst_harness_new_with_element (el, NULL, "src_1");
  gst_object_unref (el);
  gst_harness_set_src_caps_str (h[0], CAPS);
  push_stream (h, 2, RATE);
  fail_if (gst_bus_have_pending (bus) &&
      (msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT)) != NULL);
  gst_element_set_bus (h[0]->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h[1]);
  gst_harness_teardown (h[0]);
}

GST_END_TEST;

GST_START_TEST (test_viz_scrolling)
{
  GstElement *el = gst_element_factory_make ("nmfseparate", NULL);
  GstHarness *h[3];
  GstBuffer *b;
  guint frames = 0;
  GstVideoInfo info;
  GstCaps *caps;

  GstPad *viz = gst_element_request_pad_simple (el, "viz");

  fail_unless (viz != NULL);
  h[0] = gst_harness_new_with_element (el, "sink", "src_0");
  h[1] = gst_harness_new_with_element (el, NULL, "src_1");
  h[2] = gst_harness_new_with_element (el, NULL, "viz");
  gst_object_unref (el);
  gst_harness_set_src_caps_str (h[0], CAPS);
  push_stream (h, 3, 2 * RATE);

  caps = gst_pad_get_current_caps (h[2]->sinkpad);
  fail_unless (caps != NULL);
  fail_unless (gst_video_info_from_caps (&info, caps));
  gst_caps_unref (caps);
  fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&info), 640);
  fail_unless_equals_int (GST_VIDEO_INFO_HEIGHT (&info), 360);
  fail_unless_equals_int (GST_VIDEO_INFO_FPS_N (&info), 30);
  fail_unless_equals_int (GST_VIDEO_INFO_FORMAT (&info),
      GST_VIDEO_FORMAT_RGBA);
  while ((b = gst_harness_try_pull (h[2]))) {
    GstClockTime ts = gst_util_uint64_scale (frames, GST_SECOND, 30);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (b), ts);
    fail_unless_equals_uint64 (GST_BUFFER_DURATION (b),
        gst_util_uint64_scale (frames + 1, GST_SECOND, 30) - ts);
    fail_unless_equals_int (gst_buffer_get_size (b), 640 * 360 * 4);
    frames++;
    gst_buffer_unref (b);
  }
  /* one picture per 1/30 s of audio the model has seen */
  fail_unless (frames >= 59 && frames <= 61, "%u pictures", frames);
  gst_element_release_request_pad (h[0]->element, viz);
  gst_object_unref (viz);
  for (guint i = 0; i < 3; i++)
    gst_harness_teardown (h[i]);
}

GST_END_TEST;

GST_START_TEST (test_viz_still_picture)
{
  GstElement *el = gst_element_factory_make ("nmfseparate", NULL);
  GstHarness *h[3];
  GstBuffer *b;
  GstMapInfo map;
  guint lit = 0;

  GstPad *viz = gst_element_request_pad_simple (el, "viz");

  h[0] = gst_harness_new_with_element (el, "sink", "src_0");
  h[1] = gst_harness_new_with_element (el, NULL, "src_1");
  h[2] = gst_harness_new_with_element (el, NULL, "viz");
  gst_object_unref (el);
  gst_object_unref (viz);
  gst_harness_set_caps_str (h[2], "video/x-raw, format=RGB, width=300, "
      "height=100, framerate=0/1", "video/x-raw, format=RGB, width=300, "
      "height=100, framerate=0/1");
  gst_harness_set_src_caps_str (h[0], CAPS);
  push_stream (h, 3, 3 * RATE);

  /* exactly one picture, of the whole stream, at its end */
  fail_unless_equals_int (gst_harness_buffers_in_queue (h[2]), 1);
  b = gst_harness_pull (h[2]);
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
  for (guint i = 0; i < 3; i++)
    gst_harness_teardown (h[i]);
}

GST_END_TEST;

/* Downstream of the picture pad takes none of its formats (a common
 * mistake: an encoder with no videoconvert before it): a not-negotiated
 * error on the bus, and the audio refused, instead of a pipeline waiting
 * for ever for a picture. */
GST_START_TEST (test_viz_not_negotiated)
{
  GstBus *bus = gst_bus_new ();
  GstElement *el = make_element (bus, FALSE, GST_SECOND, FALSE);
  GstHarness *h[3];
  GstMessage *msg;
  GError *err = NULL;
  gchar *dbg = NULL;

  h[0] = gst_harness_new_with_element (el, "sink", "src_0");
  h[1] = gst_harness_new_with_element (el, NULL, "src_1");
  h[2] = gst_harness_new_with_element (el, NULL, "viz");
  gst_object_unref (el);
  /* linked already; narrower than the pad's 16..8192 pixels */
  gst_harness_set_sink_caps_str (h[2], "video/x-raw, format=RGBA, "
      "width=15, height=100, framerate=30/1");
  gst_harness_set_src_caps_str (h[0], CAPS);
  fail_unless_equals_int (gst_harness_push (h[0], two_tones (0, 4096)),
      GST_FLOW_NOT_NEGOTIATED);
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
  gst_element_set_bus (h[0]->element, NULL);
  gst_object_unref (bus);
  for (guint i = 0; i < 3; i++)
    gst_harness_teardown (h[i]);
}

GST_END_TEST;

static Suite *
nmfseparate_messages_suite (void)
{
  Suite *s = suite_create ("nmfseparate-messages");
  TCase *tc = tcase_create ("messages");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_messages_cover_the_stream);
  tcase_add_test (tc, test_messages_masks_and_off);
  tcase_add_test (tc, test_viz_scrolling);
  tcase_add_test (tc, test_viz_still_picture);
  tcase_add_test (tc, test_viz_not_negotiated);
  return s;
}

GST_CHECK_MAIN (nmfseparate_messages);
