/* nmfextract: one source of nmfseparate through a single src pad, sample
 * for sample what nmfseparate's pad of that source gives. */
#include <gst/gst.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>

#include <math.h>
#include <string.h>

#include "collector.h"

#define RATE 44100
#define CAPS "audio/x-raw, format=F32LE, layout=interleaved, rate=44100, " \
  "channels=1"
#define SAMPLES (2 * RATE + 333)

static float *
two_tones (void)
{
  float *x = g_new (float, SAMPLES);
  for (guint i = 0; i < SAMPLES; i++)
    x[i] = (float) (0.3 * sin (2 * G_PI * 330.0 * i / RATE)
        + 0.3 * sin (2 * G_PI * 2500.0 * i / RATE) * ((i / 11025) % 2));
  return x;
}

/* Pushes the tones into h[0] in buffers of 1000 samples, then EOS, and
 * collects what the harness of `out` gets. */
static void
run (GstHarness * in, GstHarness ** drain, guint n_drain, GstHarness * out,
    Collector * c)
{
  float *x = two_tones ();

  gst_harness_set_src_caps_str (in, CAPS);
  for (guint pos = 0; pos < SAMPLES; pos += 1000) {
    guint n = MIN (1000, SAMPLES - pos);
    fail_unless_equals_int (gst_harness_push (in, make_buf (x + pos, n, 1,
                RATE, 0, pos, 0, FALSE)), GST_FLOW_OK);
    for (guint i = 0; i < n_drain; i++)
      gst_harness_events_received (drain[i]);
  }
  fail_unless (gst_harness_push_event (in, gst_event_new_eos ()));
  for (;;) {
    GstEvent *ev = gst_harness_pull_event (out);
    gboolean eos = GST_EVENT_TYPE (ev) == GST_EVENT_EOS;
    gst_event_unref (ev);
    if (eos)
      break;
  }
  collect_available (c, out);
  g_free (x);
}

GST_START_TEST (test_extract_is_one_source)
{
  GstElement *sep = gst_element_factory_make ("nmfseparate", NULL);
  GstElement *ext = gst_element_factory_make ("nmfextract", NULL);
  GstHarness *h[2], *e;
  Collector want, got;

  g_object_set (sep, "profile", 1 /* live */ , NULL);
  h[0] = gst_harness_new_with_element (sep, "sink", "src_0");
  h[1] = gst_harness_new_with_element (sep, NULL, "src_1");
  gst_object_unref (sep);
  collector_init (&want, RATE, 1, 0, 0, TRUE);
  run (h[0], h, 2, h[1], &want);

  gst_child_proxy_set (GST_CHILD_PROXY (ext), "separator::profile", 1, NULL);
  g_object_set (ext, "source", 1, NULL);
  e = gst_harness_new_with_element (ext, "sink", "src");
  gst_object_unref (ext);
  collector_init (&got, RATE, 1, 0, 0, TRUE);
  run (e, &e, 1, e, &got);

  fail_unless_equals_uint64 (want.n, SAMPLES);
  fail_unless_equals_uint64 (got.n, SAMPLES);
  fail_unless (memcmp (want.data->data, got.data->data,
          SAMPLES * sizeof (float)) == 0, "nmfextract source=1 differs from "
      "nmfseparate's src_1");
  collector_clear (&want);
  collector_clear (&got);
  gst_harness_teardown (e);
  gst_harness_teardown (h[1]);
  gst_harness_teardown (h[0]);
}

GST_END_TEST;

GST_START_TEST (test_extract_source_beyond_n_sources)
{
  GstElement *ext = gst_element_factory_make ("nmfextract", NULL);
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;

  g_object_set (ext, "source", 3, NULL);
  gst_element_set_bus (ext, bus);
  fail_unless_equals_int (gst_element_set_state (ext, GST_STATE_PAUSED),
      GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  gst_message_unref (msg);
  gst_child_proxy_set (GST_CHILD_PROXY (ext), "separator::n-sources", 4,
      NULL);
  fail_unless_equals_int (gst_element_set_state (ext, GST_STATE_PAUSED),
      GST_STATE_CHANGE_SUCCESS);
  gst_element_set_state (ext, GST_STATE_NULL);
  gst_element_set_bus (ext, NULL);
  gst_object_unref (bus);
  gst_object_unref (ext);
}

GST_END_TEST;

static Suite *
nmfextract_suite (void)
{
  Suite *s = suite_create ("nmfextract");
  TCase *tc = tcase_create ("extract");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_extract_is_one_source);
  tcase_add_test (tc, test_extract_source_beyond_n_sources);
  return s;
}

GST_CHECK_MAIN (nmfextract);
