/* GStreamer
 * Copyright (C) 2026 gst-nmf developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* GstHarness tests of nmfseparate algorithm=volmin: the components the
 * element documents (up to 256) start, a state change or a flushing seek
 * during a refresh returns at once, and input hard on the linear programs (silence,
 * DC, a sine, full-scale noise and square waves, 1e-30, NaN/Inf, a source
 * that leaves and returns) gives exact sample counts and sources that are
 * finite and sum to the input. */

#include <gst/gst.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>

#include <math.h>
#include <string.h>

#include "harness.h"

/* the sources of c[0 .. n) sum to x (NaN/Inf counted as silence) */
static void
check_sum (const float *x, gsize total, Collector * c, guint n,
    const gchar * what)
{
  double worst = 0.0, peak = 0.0;
  gsize at = 0;

  for (gsize i = 0; i < total; i++) {
    double in = isfinite (x[i]) ? x[i] : 0.0, sum = 0.0;
    for (guint s = 0; s < n; s++) {
      float y = g_array_index (c[s].data, float, i);
      fail_unless (isfinite (y), "%s: source %u sample %" G_GSIZE_FORMAT
          " is %g", what, s, i, y);
      sum += y;
    }
    if (fabs (sum - in) > worst) {
      worst = fabs (sum - in);
      at = i;
    }
    peak = MAX (peak, fabs (in));
  }
  fail_unless (worst <= 1e-5 * MAX (peak, 1e-30) + 1e-35, "%s: the sources "
      "miss the input by %g at sample %" G_GSIZE_FORMAT " (peak %g)", what,
      worst, at, peak);
}

static void
run_volmin (const gchar * props, const float *x, gsize total, guint n,
    const gchar * what)
{
  GstElement *el = nmf_test_element ("nmfseparate", props);
  NmfSizes z = NMF_SIZES (NMF_SIZES_RANDOM, 3000, 17);
  Collector c[MAX_PADS];
  NmfFix f;

  nmf_fix_attach (&f, el, n);
  /* exactly `total` samples out of every pad, timestamps sample-exact */
  nmf_fix_run (&f, &nmf_mono, NULL, x, total, &z, TRUE, c);
  check_sum (x, total, c, n, what);
  collectors_clear (c, n);
  nmf_fix_teardown (&f);
}

/* White noise in [-amp, amp) */
static float *
noise (gsize n, double amp, guint32 seed)
{
  float *x = g_new (float, n);
  for (gsize i = 0; i < n; i++)
    x[i] = (float) (amp * (2.0 * (nmf_test_lcg (&seed) / 16777216.0) -
            1.0));
  return x;
}

/* components 65 - 256 are in the property's range and pass the settings
 * check, but the volmin stream took at most 64: "could not create the
 * separator: invalid argument" when the caps came */
GST_START_TEST (test_many_components)
{
  const gsize total = 6000;
  float *x = nmf_test_two_tones (total, 1, RATE);

  run_volmin ("algorithm=volmin n-sources=2 components=65 fft-size=256 "
      "window-frames=200", x, total, 2, "65 components");
  run_volmin ("algorithm=volmin n-sources=3 components=256 fft-size=1024 "
      "window-frames=512", x, total, 3, "256 components");
  g_free (x);
}

GST_END_TEST;

/* More components than a refresh can fit within its work limit (128 over
 * the default window): the sources share every bin evenly, which went
 * without a word on the bus (the debug log only); now one warning says
 * so, and the output is still whole. */
GST_START_TEST (test_no_model_said)
{
  const gsize total = 4 * RATE;
  float *x = noise (total, 0.5, 7);
  GstElement *el = nmf_test_element ("nmfseparate", "algorithm=volmin "
      "n-sources=2 components=128");
  GstBus *bus = gst_bus_new ();
  NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, 4096, 0);
  Collector c[MAX_PADS];
  GstMessage *msg;
  guint warnings = 0;
  NmfFix f;

  gst_element_set_bus (el, bus);
  nmf_fix_attach (&f, el, 2);
  nmf_fix_run (&f, &nmf_mono, NULL, x, total, &z, TRUE, c);
  check_sum (x, total, c, 2, "128 components");
  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING))) {
    GError *err = NULL;
    gst_message_parse_warning (msg, &err, NULL);
    fail_unless (strstr (err->message, "No model") != NULL, "%s",
        err->message);
    g_error_free (err);
    gst_message_unref (msg);
    warnings++;
  }
  fail_unless_equals_int (warnings, 1);
  collectors_clear (c, 2);
  nmf_fix_teardown_bus (&f, bus);
  g_free (x);
}

GST_END_TEST;

typedef struct
{
  GstHarness *h;
  const float *x;
  guint n_bufs, buf, pushed;
  GstFlowReturn last;
  gboolean done;
  GMutex lock;
  GCond cond;
} Pusher;

static gpointer
pusher_thread (gpointer data)
{
  Pusher *p = data;
  GstFlowReturn ret = GST_FLOW_OK;

  for (guint i = 0; i < p->n_bufs && ret == GST_FLOW_OK; i++) {
    ret = gst_harness_push (p->h, nmf_test_buffer (&nmf_mono,
            p->x + (gsize) i * p->buf, (guint64) i * p->buf, p->buf, FALSE));
    g_mutex_lock (&p->lock);
    p->pushed++;
    g_cond_broadcast (&p->cond);
    g_mutex_unlock (&p->lock);
  }
  g_mutex_lock (&p->lock);
  p->last = ret;
  p->done = TRUE;
  g_cond_broadcast (&p->cond);
  g_mutex_unlock (&p->lock);
  return NULL;
}

/* "model refreshed" lines of nmfseparate's debug log (report_stats) */
static volatile gint refresh_lines;

static void
count_refresh_lines (GstDebugCategory * category, GstDebugLevel level,
    const gchar * file, const gchar * function, gint line, GObject * object,
    GstDebugMessage * message, gpointer user_data)
{
  (void) level;
  (void) file;
  (void) function;
  (void) line;
  (void) object;
  (void) user_data;
  if (!g_strcmp0 (gst_debug_category_get_name (category), "nmfseparate")
      && g_str_has_prefix (gst_debug_message_get (message), "model refreshed"))
    g_atomic_int_inc (&refresh_lines);
}

typedef enum
{
  STOP_NULL,
  STOP_READY,
  STOP_FLUSH
} Stop;

/* A state change or a flushing seek waits for the refresh under way in
 * the streaming thread.  At 64 components and fft-size 256 a refresh took
 * 6 - 11 s of CPU (35 s on a loaded machine); its linear programs then
 * stopped at a work limit of about 1 s, and going to READY / NULL or a
 * flushing seek waited up to that (1.0 - 1.1 s here); now they stop the
 * refresh at once.  The flag that stops it is down again when the stream
 * goes on: refreshes are made after the flush, and after a restart. */
static void
stop_during_refresh (Stop how)
{
  static const gchar *const names[] = { "NULL", "READY", "a flushing seek" };
  /* hop 64: the first refresh comes with frame 128 (2 x 64 sounding
   * frames), in the 32nd buffer of 256 samples; the second one, warm
   * started (it ran its 100 sweeps, 10 s, without the limit), 4 buffers
   * later */
  const guint buf = 256, n_bufs = 400, second_refresh_buf = 36;
  GstElement *el = nmf_test_element ("nmfseparate",
      "algorithm=volmin n-sources=2 components=64 fft-size=256");
  float *x = noise ((gsize) buf * n_bufs, 0.5, 3);
  Pusher p = { 0 };
  GThread *thread;
  gint64 deadline, t0;
  guint before;
  gdouble waited;
  NmfFix f;

  nmf_fix_attach (&f, el, 2);
  nmf_fix_set_caps (&f, &nmf_mono, NULL);
  p.h = f.h[0];
  p.x = x;
  p.buf = buf;
  p.n_bufs = n_bufs;
  g_mutex_init (&p.lock);
  g_cond_init (&p.cond);
  thread = g_thread_new ("pusher", pusher_thread, &p);

  /* wait until the pusher is inside the push of the second refresh: past
   * the first one, and the same push under way for 100 ms (a push without
   * a refresh takes well under a millisecond) */
  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  for (guint still = 0, last = G_MAXUINT; still < 10;) {
    fail_unless (g_get_monotonic_time () < deadline, "no refresh began in "
        "60 s");
    g_usleep (10 * 1000);
    g_mutex_lock (&p.lock);
    before = p.pushed;
    fail_if (p.done, "all %u buffers pushed, none held", before);
    g_mutex_unlock (&p.lock);
    still = before >= second_refresh_buf - 2 && before == last ? still + 1 : 0;
    last = before;
  }

  t0 = g_get_monotonic_time ();
  if (how == STOP_FLUSH) {
    /* as a seek does: FLUSH_START, then FLUSH_STOP, which waits for the
     * streaming thread to leave the element */
    fail_unless (gst_harness_push_event (f.h[0],
            gst_event_new_flush_start ()));
    fail_unless (gst_harness_push_event (f.h[0],
            gst_event_new_flush_stop (TRUE)));
  } else {
    fail_unless_equals_int (gst_element_set_state (el, how == STOP_NULL ?
            GST_STATE_NULL : GST_STATE_READY), GST_STATE_CHANGE_SUCCESS);
  }
  waited = (g_get_monotonic_time () - t0) / 1e6;
  g_print ("%s during a refresh took %.3f s, %u buffers pushed before\n",
      names[how], waited, before);
  /* milliseconds; a generous bound for a loaded machine, well under the
   * refresh's work limit (about 1 s of one core) */
  fail_unless (waited < 0.3, "%s took %.2f s", names[how], waited);

  g_thread_join (thread);
  fail_unless (p.done);
  fail_if (p.last == GST_FLOW_OK && p.pushed < n_bufs,
      "the pusher stopped without an error");

  if (how != STOP_NULL) {
    const NmfTimeline again = { RATE, 1, 0, 0 };
    NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, buf, 0);
    gint lines;
    GstSegment seg;

    g_atomic_int_set (&refresh_lines, 0);
    gst_debug_set_threshold_for_name ("nmfseparate", GST_LEVEL_DEBUG);
    gst_debug_add_log_function (count_refresh_lines, NULL, NULL);
    if (how == STOP_FLUSH) {
      /* the model is kept, the window starts empty: 2 x 64 frames again */
      gst_segment_init (&seg, GST_FORMAT_TIME);
      fail_unless (gst_harness_push_event (f.h[0],
              gst_event_new_segment (&seg)));
      nmf_fix_push (&f, &again, x, 0, (gsize) buf * (second_refresh_buf - 4),
          &z, FALSE, NULL);
    } else {
      /* a cheap model in the next run */
      g_object_set (el, "components", 4, NULL);
      fail_unless_equals_int (gst_element_set_state (el, GST_STATE_PLAYING),
          GST_STATE_CHANGE_SUCCESS);
      fail_unless (gst_harness_push_event (f.h[0],
              gst_event_new_stream_start ("again")));
      nmf_fix_set_caps (&f, &nmf_mono, NULL);
      nmf_fix_push (&f, &again, x, 0, (gsize) buf * 16, &z, FALSE, NULL);
    }
    lines = g_atomic_int_get (&refresh_lines);
    gst_debug_remove_log_function (count_refresh_lines);
    gst_debug_unset_threshold_for_name ("nmfseparate");
    fail_unless (lines >= 1, "no refresh after %s", names[how]);
  }

  g_mutex_clear (&p.lock);
  g_cond_clear (&p.cond);
  nmf_fix_teardown (&f);
  g_free (x);
}

GST_START_TEST (test_null_during_refresh)
{
  stop_during_refresh (STOP_NULL);
}

GST_END_TEST;

GST_START_TEST (test_ready_during_refresh)
{
  stop_during_refresh (STOP_READY);
}

GST_END_TEST;

GST_START_TEST (test_flush_during_refresh)
{
  stop_during_refresh (STOP_FLUSH);
}

GST_END_TEST;

/* input hard on the linear programs: 1.5 s of each */
GST_START_TEST (test_pathological_input)
{
  const gsize total = 66150;
  float *x = g_new (float, total);
  struct
  {
    const gchar *name;
    guint sources;
  } cases[] = {
    {"silence", 2}, {"dc", 2}, {"sine", 2}, {"noise", 3}, {"square", 2},
    {"quiet", 2}, {"nan", 2}, {"vanishing", 2}, {"noise", 16},
  };

  for (guint k = 0; k < G_N_ELEMENTS (cases); k++) {
    const gchar *name = cases[k].name;
    gchar *props;
    guint32 seed = 5 + k;

    for (gsize i = 0; i < total; i++) {
      double t = (double) i / RATE, v = 0.0;
      double r = 2.0 * (nmf_test_lcg (&seed) / 16777216.0) - 1.0;
      if (!strcmp (name, "dc"))
        v = 0.5;
      else if (!strcmp (name, "sine"))
        v = 0.5 * sin (2 * G_PI * 440 * t);
      else if (!strcmp (name, "noise"))
        v = r;                  /* full scale */
      else if (!strcmp (name, "square"))
        v = (i / 50) % 2 ? 1.0 : -1.0;  /* clipping */
      else if (!strcmp (name, "quiet"))
        v = 1e-30 * (sin (2 * G_PI * 440 * t) + r);
      else if (!strcmp (name, "nan"))
        v = i % 1000 == 0 ? NAN : i % 1777 == 0 ? INFINITY
            : 0.3 * sin (2 * G_PI * 300 * t);
      else if (!strcmp (name, "vanishing"))
        /* the second source leaves for 0.5 s and returns */
        v = 0.4 * sin (2 * G_PI * 440 * t) + (t < 0.5 || t > 1.0 ?
            0.4 * sin (2 * G_PI * 1320 * t) : 0.0);
      x[i] = (float) v;
    }
    props = g_strdup_printf ("algorithm=volmin n-sources=%u",
        cases[k].sources);
    run_volmin (props, x, total, cases[k].sources, name);
    g_free (props);
  }
  g_free (x);
}

GST_END_TEST;

static Suite *
nmfseparate_volmin_suite (void)
{
  static const NmfTest tests[] = {
    NMF_TEST ("components", test_many_components),
    NMF_TEST ("components", test_no_model_said),
    NMF_TEST ("state", test_null_during_refresh),
    NMF_TEST ("state", test_ready_during_refresh),
    NMF_TEST ("state", test_flush_during_refresh),
    NMF_TEST ("input", test_pathological_input),
  };

  return nmf_test_suite ("nmfseparate-volmin", tests, G_N_ELEMENTS (tests),
      0);
}

GST_CHECK_MAIN (nmfseparate_volmin);
