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

#include "harness.h"


static volatile gint hammering;

/* Pushes `samples` of two tones through nmfseparate with props in buffers
 * of `size`, then EOS, and checks that every source pad gives exactly as
 * many samples back, sample-exactly stamped; with hammer, from a thread
 * that changes its properties meanwhile. */
static void
check_separates (const gchar * props, gsize samples, guint size,
    GThreadFunc hammer)
{
  NmfFix f;
  GThread *thread = NULL;
  float *x = nmf_test_two_tones (samples, 1, RATE);
  NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, size, 0);
  Collector c[2];

  nmf_fix_attach (&f, nmf_test_element ("nmfseparate", props), 2);
  g_atomic_int_set (&hammering, 1);
  if (hammer)
    thread = g_thread_new ("hammer", hammer, f.el);
  nmf_fix_run (&f, &nmf_mono, NULL, x, samples, &z, FALSE, c);
  g_atomic_int_set (&hammering, 0);
  if (thread)
    g_thread_join (thread);
  nmf_fix_teardown (&f);
  g_free (x);
}

typedef struct
{
  const gchar *algorithm;
  guint64 samples;
} Job;

static gpointer
separate_job (gpointer data)
{
  Job *job = data;
  gchar *props = g_strdup_printf ("window-frames=40 algorithm=%s",
      job->algorithm);

  check_separates (props, job->samples, 3001, NULL);
  g_free (props);
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
    for (guint i = 0; i < 4; i++)
      g_thread_join (threads[i]);
  }
}

GST_END_TEST;

GST_START_TEST (test_state_cycles)
{
  NmfFix f;
  float *x = nmf_test_two_tones (1300, 1, RATE);

  nmf_fix_attach (&f, nmf_test_element ("nmfseparate",
          "fft-size=512 hop-size=128 window-frames=20"), 2);
  for (guint cycle = 0; cycle < 1000; cycle++) {
    const guint n = 600 + cycle % 700;
    NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, 0, 0);
    Collector c[2];
    nmf_fix_set_caps (&f, &nmf_mono, NULL);
    for (guint s = 0; s < 2; s++)
      collector_init (&c[s], &nmf_mono, FALSE);
    nmf_fix_push (&f, &nmf_mono, x, 0, n, &z, FALSE, c);
    nmf_fix_finish (&f, c);
    fail_unless_equals_uint64 (c[0].n, n);
    fail_unless_equals_uint64 (c[1].n, n);
    /* clear the EOS of the harness pads for the next round */
    gst_harness_push_event (f.h[0], gst_event_new_flush_start ());
    gst_harness_push_event (f.h[0], gst_event_new_flush_stop (TRUE));
    fail_unless_equals_int (gst_element_set_state (f.el, GST_STATE_NULL),
        GST_STATE_CHANGE_SUCCESS);
    fail_unless_equals_int (gst_element_set_state (f.el, GST_STATE_PLAYING),
        GST_STATE_CHANGE_SUCCESS);
    /* the harness pads must start a new stream after the restart */
    gst_harness_play (f.h[0]);
    gst_harness_play (f.h[1]);
  }
  nmf_fix_teardown (&f);
  g_free (x);
}

GST_END_TEST;

/* Sets the live properties, and a size property that must be refused
 * while PLAYING without breaking anything, as fast as it can while data
 * flows; then checks that fft-size was never taken. */
static gpointer
hammer (gpointer data)
{
  GstElement *el = data;
  guint i = 0, fft;

  while (g_atomic_int_get (&hammering)) {
    g_object_set (el, "iterations", 1 + i % 30, "mask-exponent", 1 + i % 2,
        NULL);
    g_object_set (el, "fft-size", 1024, NULL);
    i++;
  }
  g_object_get (el, "fft-size", &fft, NULL);
  fail_unless_equals_int (fft, 2048);
  return NULL;
}

GST_START_TEST (test_live_properties_from_another_thread)
{
  check_separates (NULL, 20 * RATE, 1999, hammer);
}

GST_END_TEST;

GST_START_TEST (test_downstream_not_linked_and_flushing)
{
  const gchar *src0[] = { "src_0" };
  const guint n_bufs = 220, size = 2048;
  float *x = nmf_test_two_tones (n_bufs * size, 1, RATE);
  GstElement *el = nmf_test_element ("nmfseparate", NULL);
  GstPad *src1 = gst_element_request_pad_simple (el, "src_1");
  GstPad *peer = gst_pad_new ("peer", GST_PAD_SINK);
  GstFlowReturn ret = GST_FLOW_OK;
  GstBuffer *out;
  guint i = 0;
  NmfFix f;

  /* src_1 unlinked: not an error while src_0 is linked */
  nmf_fix_attach_pads (&f, el, src0, 1);
  nmf_fix_set_caps (&f, &nmf_mono, NULL);
  for (; i < 20; i++)
    fail_unless_equals_int (gst_harness_push (f.h[0],
            nmf_test_buffer (&nmf_mono, x + i * size, i * size, size, FALSE)),
        GST_FLOW_OK);
  /* (src_0's task pushes: waited for, up to the harness's 60 s; counting
   * the queue right away failed under load) */
  out = gst_harness_pull (f.h[0]);
  fail_unless (out != NULL, "src_0 gave nothing while src_1 was unlinked");
  gst_buffer_unref (out);
  nmf_test_collect (f.h[0], NULL);

  /* src_1 linked to a pad that is flushing (inactive): FLUSHING comes
   * back upstream, and nothing hangs */
  fail_unless_equals_int (gst_pad_link (src1, peer), GST_PAD_LINK_OK);
  for (; i < n_bufs && ret == GST_FLOW_OK; i++) {
    ret = gst_harness_push (f.h[0], nmf_test_buffer (&nmf_mono, x + i * size,
            i * size, size, FALSE));
    nmf_test_collect (f.h[0], NULL);
  }
  fail_unless_equals_int (ret, GST_FLOW_FLUSHING);
  gst_pad_unlink (src1, peer);
  gst_object_unref (peer);
  gst_element_release_request_pad (f.el, src1);
  gst_object_unref (src1);
  nmf_fix_teardown (&f);
  g_free (x);
}

GST_END_TEST;

/* Settings whose buffers would not fit are refused with an error before
 * anything is allocated: a window of 100000 frames of 16385 bins for 16
 * components would need about 100 GB. */
GST_START_TEST (test_too_much_memory_is_an_error)
{
  GstElement *el = nmf_test_element ("nmfseparate", "fft-size=32768 "
      "hop-size=16384 window-frames=100000 n-sources=16 bands-per-octave=0");
  GError *err = nmf_test_expect_start_error (el, NULL);

  fail_unless (err->domain == GST_LIBRARY_ERROR);
  fail_unless (strstr (err->message, "MiB of memory") != NULL, "%s",
      err->message);
  g_error_free (err);
  gst_object_unref (el);
}

GST_END_TEST;

static Suite *
nmfseparate_stress_suite (void)
{
  static const NmfTest tests[] = {
    NMF_TEST ("stress", test_parallel_instances),
    NMF_TEST ("stress", test_state_cycles),
    NMF_TEST ("stress", test_live_properties_from_another_thread),
    NMF_TEST ("stress", test_downstream_not_linked_and_flushing),
    NMF_TEST ("stress", test_too_much_memory_is_an_error),
  };

  return nmf_test_suite ("nmfseparate-stress", tests, G_N_ELEMENTS (tests),
      300);
}

GST_CHECK_MAIN (nmfseparate_stress);
