/* Stress and fault tests of nmfseparate: several instances in parallel
 * threads (FFTW's planner and GLPK's per-thread state), many state cycles
 * with data flowing, live properties changed from another thread while
 * data flows, unlinked and flushing downstream pads, and an allocation
 * failure inside the core reported as an error. */
#include <gst/gst.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>

#include <math.h>
#include <string.h>

#define RATE 44100
#define CAPS "audio/x-raw, format=F32LE, layout=interleaved, rate=44100, channels=1"

static GstBuffer *
tone_buffer (guint64 first, guint n)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, n * sizeof (float), NULL);
  GstMapInfo map;
  float *x;

  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  x = (float *) map.data;
  for (guint i = 0; i < n; i++) {
    double t = (double) (first + i) / RATE;
    x[i] = (float) (0.3 * sin (2 * G_PI * 440 * t) * (((first + i) / 8000) % 2)
        + 0.3 * sin (2 * G_PI * 1700 * t));
  }
  gst_buffer_unmap (buf, &map);
  GST_BUFFER_PTS (buf) = gst_util_uint64_scale_int (first, GST_SECOND, RATE);
  GST_BUFFER_DURATION (buf) = gst_util_uint64_scale_int (first + n,
      GST_SECOND, RATE) - GST_BUFFER_PTS (buf);
  return buf;
}

/* Pulls every buffer a harness has, returns the samples they hold. */
static guint64
drain_harness (GstHarness * h)
{
  guint64 n = 0;
  GstBuffer *b;

  while ((b = gst_harness_try_pull (h))) {
    n += gst_buffer_get_size (b) / sizeof (float);
    gst_buffer_unref (b);
  }
  return n;
}

/* Waits until the harness saw EOS, pulling as it goes. */
static guint64
pull_to_eos (GstHarness * h)
{
  guint64 n = 0;

  for (;;) {
    GstEvent *ev;
    n += drain_harness (h);
    while ((ev = gst_harness_try_pull_event (h))) {
      gboolean eos = GST_EVENT_TYPE (ev) == GST_EVENT_EOS;
      gst_event_unref (ev);
      if (eos)
        return n + drain_harness (h);
    }
    g_usleep (1000);
  }
}

typedef struct
{
  const gchar *algorithm;
  guint64 samples;
  guint64 out[2];
} Job;

static gpointer
separate_job (gpointer data)
{
  Job *job = data;
  GstElement *el = gst_element_factory_make ("nmfseparate", NULL);
  GstHarness *h[2];
  guint64 pos = 0;

  g_object_set (el, "window-frames", 40, NULL);
  gst_util_set_object_arg (G_OBJECT (el), "algorithm", job->algorithm);
  h[0] = gst_harness_new_with_element (el, "sink", "src_0");
  h[1] = gst_harness_new_with_element (el, NULL, "src_1");
  gst_object_unref (el);
  gst_harness_set_src_caps_str (h[0], CAPS);
  job->out[0] = job->out[1] = 0;
  while (pos < job->samples) {
    guint n = MIN (job->samples - pos, 3001);
    gst_harness_push (h[0], tone_buffer (pos, n));
    pos += n;
    job->out[0] += drain_harness (h[0]);
    job->out[1] += drain_harness (h[1]);
  }
  gst_harness_push_event (h[0], gst_event_new_eos ());
  job->out[0] += pull_to_eos (h[0]);
  job->out[1] += pull_to_eos (h[1]);
  gst_harness_teardown (h[1]);
  gst_harness_teardown (h[0]);
  return NULL;
}

GST_START_TEST (test_parallel_instances)
{
  const gchar *algorithms[] = { "kl", "volmin", "kl", "volmin" };
  Job jobs[4];
  GThread *threads[4];

  /* instances made, run and freed at the same time in four threads */
  for (guint round = 0; round < 3; round++) {
    for (guint i = 0; i < 4; i++) {
      jobs[i].algorithm = algorithms[i];
      jobs[i].samples = 3 * RATE + 97 * i;
      threads[i] = g_thread_new ("job", separate_job, &jobs[i]);
    }
    for (guint i = 0; i < 4; i++) {
      g_thread_join (threads[i]);
      fail_unless_equals_uint64 (jobs[i].out[0], jobs[i].samples);
      fail_unless_equals_uint64 (jobs[i].out[1], jobs[i].samples);
    }
  }
}

GST_END_TEST;

GST_START_TEST (test_state_cycles)
{
  GstElement *el = gst_element_factory_make ("nmfseparate", NULL);
  GstHarness *h[2];

  g_object_set (el, "fft-size", 512, "hop-size", 128, "window-frames", 20,
      NULL);
  h[0] = gst_harness_new_with_element (el, "sink", "src_0");
  h[1] = gst_harness_new_with_element (el, NULL, "src_1");
  for (guint cycle = 0; cycle < 1000; cycle++) {
    guint n = 600 + cycle % 700;
    gst_harness_set_src_caps_str (h[0], CAPS);
    fail_unless_equals_int (gst_harness_push (h[0], tone_buffer (0, n)),
        GST_FLOW_OK);
    gst_harness_push_event (h[0], gst_event_new_eos ());
    fail_unless_equals_uint64 (pull_to_eos (h[0]), n);
    fail_unless_equals_uint64 (pull_to_eos (h[1]), n);
    /* clear the EOS of the harness pads for the next round */
    gst_harness_push_event (h[0], gst_event_new_flush_start ());
    gst_harness_push_event (h[0], gst_event_new_flush_stop (TRUE));
    fail_unless_equals_int (gst_element_set_state (el, GST_STATE_NULL),
        GST_STATE_CHANGE_SUCCESS);
    fail_unless_equals_int (gst_element_set_state (el, GST_STATE_PLAYING),
        GST_STATE_CHANGE_SUCCESS);
    /* the harness pads must start a new stream after the restart */
    gst_harness_play (h[0]);
    gst_harness_play (h[1]);
  }
  gst_object_unref (el);
  gst_harness_teardown (h[1]);
  gst_harness_teardown (h[0]);
}

GST_END_TEST;

static volatile gint hammering;

static gpointer
hammer (gpointer data)
{
  GstElement *el = data;
  guint i = 0;

  while (g_atomic_int_get (&hammering)) {
    g_object_set (el, "iterations", 1 + i % 30, "mask-exponent", 1 + i % 2,
        NULL);
    /* size properties must be refused while PLAYING, not break anything */
    g_object_set (el, "fft-size", 1024, NULL);
    i++;
  }
  return NULL;
}

GST_START_TEST (test_live_properties_from_another_thread)
{
  GstElement *el = gst_element_factory_make ("nmfseparate", NULL);
  GstHarness *h[2];
  GThread *thread;
  guint64 pos = 0, total = 20 * RATE, out[2] = { 0, 0 };
  guint fft;

  h[0] = gst_harness_new_with_element (el, "sink", "src_0");
  h[1] = gst_harness_new_with_element (el, NULL, "src_1");
  gst_harness_set_src_caps_str (h[0], CAPS);
  g_atomic_int_set (&hammering, 1);
  thread = g_thread_new ("hammer", hammer, el);
  while (pos < total) {
    guint n = MIN (total - pos, 1999);
    fail_unless_equals_int (gst_harness_push (h[0], tone_buffer (pos, n)),
        GST_FLOW_OK);
    pos += n;
    out[0] += drain_harness (h[0]);
    out[1] += drain_harness (h[1]);
  }
  g_atomic_int_set (&hammering, 0);
  g_thread_join (thread);
  gst_harness_push_event (h[0], gst_event_new_eos ());
  out[0] += pull_to_eos (h[0]);
  out[1] += pull_to_eos (h[1]);
  fail_unless_equals_uint64 (out[0], total);
  fail_unless_equals_uint64 (out[1], total);
  g_object_get (el, "fft-size", &fft, NULL);
  fail_unless_equals_int (fft, 2048);
  gst_object_unref (el);
  gst_harness_teardown (h[1]);
  gst_harness_teardown (h[0]);
}

GST_END_TEST;

GST_START_TEST (test_downstream_not_linked_and_flushing)
{
  GstElement *el = gst_element_factory_make ("nmfseparate", NULL);
  GstHarness *h = gst_harness_new_with_element (el, "sink", "src_0");
  GstPad *src1 = gst_element_request_pad_simple (el, "src_1");
  GstPad *peer = gst_pad_new ("peer", GST_PAD_SINK);
  GstFlowReturn ret = GST_FLOW_OK;
  guint64 pos = 0;

  /* src_1 unlinked: not an error while src_0 is linked */
  gst_harness_set_src_caps_str (h, CAPS);
  for (guint i = 0; i < 20; i++, pos += 2048)
    fail_unless_equals_int (gst_harness_push (h, tone_buffer (pos, 2048)),
        GST_FLOW_OK);
  fail_unless (drain_harness (h) > 0);

  /* src_1 linked to a pad that is flushing (inactive): FLUSHING comes
   * back upstream, and nothing hangs */
  fail_unless_equals_int (gst_pad_link (src1, peer), GST_PAD_LINK_OK);
  for (guint i = 0; i < 200 && ret == GST_FLOW_OK; i++, pos += 2048) {
    ret = gst_harness_push (h, tone_buffer (pos, 2048));
    drain_harness (h);
  }
  fail_unless_equals_int (ret, GST_FLOW_FLUSHING);
  gst_pad_unlink (src1, peer);
  gst_object_unref (peer);
  gst_element_release_request_pad (el, src1);
  gst_object_unref (src1);
  gst_object_unref (el);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Settings whose buffers would not fit are refused with an error before
 * anything is allocated: a window of 100000 frames of 16385 bins for 16
 * components would need about 100 GB. */
GST_START_TEST (test_too_much_memory_is_an_error)
{
  GstElement *el = gst_element_factory_make ("nmfseparate", NULL);
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;
  GError *err = NULL;

  g_object_set (el, "fft-size", 32768, "hop-size", 16384, "window-frames",
      100000, "n-sources", 16, "bands-per-octave", 0, NULL);
  gst_element_set_bus (el, bus);
  fail_unless_equals_int (gst_element_set_state (el, GST_STATE_PAUSED),
      GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  gst_message_parse_error (msg, &err, NULL);
  GST_INFO ("error: %s", err->message);
  fail_unless (err->domain == GST_LIBRARY_ERROR);
  fail_unless (strstr (err->message, "MiB of memory") != NULL, "%s",
      err->message);
  g_error_free (err);
  gst_message_unref (msg);
  gst_element_set_state (el, GST_STATE_NULL);
  gst_element_set_bus (el, NULL);
  gst_object_unref (bus);
  gst_object_unref (el);
}

GST_END_TEST;

static Suite *
nmfseparate_stress_suite (void)
{
  Suite *s = suite_create ("nmfseparate-stress");
  TCase *tc = tcase_create ("stress");

  tcase_set_timeout (tc, 300);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_parallel_instances);
  tcase_add_test (tc, test_state_cycles);
  tcase_add_test (tc, test_live_properties_from_another_thread);
  tcase_add_test (tc, test_downstream_not_linked_and_flushing);
  tcase_add_test (tc, test_too_much_memory_is_an_error);
  return s;
}

GST_CHECK_MAIN (nmfseparate_stress);
