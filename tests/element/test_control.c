/* Controllable properties follow a control source: a
 * GstInterpolationControlSource bound to mask-exponent (a step from 2 to 1,
 * no interpolation) changes the output from the buffer whose stream time
 * reaches the step on, as a run at a fixed mask-exponent of 1 gives it;
 * before it the output is the fixed-2 run's, sample for sample. */
#include <gst/gst.h>
#include <gst/check/gstcheck.h>
#include <gst/controller/gstdirectcontrolbinding.h>
#include <gst/controller/gstinterpolationcontrolsource.h>

#include <math.h>

#include "harness.h"

#define BUF 1024
#define SAMPLES (4 * RATE)
/* the step, on a buffer boundary: the buffers from it on see 1 */
#define STEP_SAMPLE (64 * BUF)

/* the runs' settings besides the profile: "" (causal) or a look-ahead */
static const gchar *base_props = "";
/* the property the step is bound to, and its values before and after */
static const gchar *stepped_property = "mask-exponent";
static gdouble step_from = 2.0, step_to = 1.0;

/* Source 0 of two tones through nmfseparate (causal, one component per
 * source, so that only the masks depend on the exponent), with props and,
 * if step, mask-exponent bound to a control source stepping from 2 to 1
 * at STEP_SAMPLE. */
static float *
separate (const gchar * props, gboolean step)
{
  GstElement *el = nmf_test_element ("nmfseparate", "profile=live "
      "components=2");

  nmf_test_set_props (el, base_props);
  float *x = nmf_test_two_tones (SAMPLES, 1, RATE);
  NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, BUF, 0);
  Collector c[2];
  NmfFix f;
  float *y;

  nmf_test_set_props (el, props);
  if (step) {
    GstControlSource *cs = gst_interpolation_control_source_new ();
    GstTimedValueControlSource *tv = GST_TIMED_VALUE_CONTROL_SOURCE (cs);
    g_object_set (cs, "mode", GST_INTERPOLATION_MODE_NONE, NULL);
    fail_unless (gst_object_add_control_binding (GST_OBJECT (el),
            gst_direct_control_binding_new_absolute (GST_OBJECT (el),
                stepped_property, cs)));
    fail_unless (gst_timed_value_control_source_set (tv, 0, step_from));
    fail_unless (gst_timed_value_control_source_set (tv,
            nmf_test_time (STEP_SAMPLE, RATE), step_to));
    gst_object_unref (cs);
  }
  nmf_fix_attach (&f, el, 2);
  nmf_fix_run (&f, &nmf_mono, NULL, x, SAMPLES, &z, TRUE, c);
  if (step) {
    guint value;
    g_object_get (f.el, stepped_property, &value, NULL);
    fail_unless_equals_int (value, (guint) step_to);
  }
  y = collector_steal (&c[0]);
  collector_clear (&c[1]);
  nmf_fix_teardown (&f);
  g_free (x);
  return y;
}

/* The largest |a - b| over [first, end), relative to the largest |b|. */
static double
difference (const float *a, const float *b, gsize first, gsize end)
{
  double d = 0, peak = 1e-30;

  for (gsize i = first; i < end; i++) {
    d = MAX (d, fabs ((double) a[i] - b[i]));
    peak = MAX (peak, fabs ((double) b[i]));
  }
  return d / peak;
}

static void
check_step (void)
{
  float *two = separate ("mask-exponent=2", FALSE);
  float *one = separate ("mask-exponent=1", FALSE);
  float *stepped = separate (NULL, TRUE);
  /* output sample n comes from the frames that hold input sample n: those
   * that end before the step, up to an fft-size before it, are all made
   * with exponent 2, those that end after it with 1 */
  const gsize before = STEP_SAMPLE - FFT, after = STEP_SAMPLE + FFT;
  double d2 = difference (stepped, two, 0, before);
  double d1 = difference (stepped, one, after, SAMPLES);
  double d12 = difference (two, one, after, SAMPLES);

  GST_INFO ("before the step: %g from the fixed-2 run; after it: %g from "
      "the fixed-1 run, %g between the fixed runs", d2, d1, d12);
  fail_unless (d2 == 0.0, "before the step the output differs from the "
      "mask-exponent=2 run (%g)", d2);
  fail_unless (d12 > 1e-3, "the two exponents give the same output (%g)", d12);
  fail_unless (d1 < 1e-4, "after the step the output is not the "
      "mask-exponent=1 run's (%g; the fixed runs differ by %g)", d1, d12);
  g_free (two);
  g_free (one);
  g_free (stepped);
}

GST_START_TEST (test_control_source_mask_exponent)
{
  base_props = "";
  check_step ();
}

GST_END_TEST;

/* With a look-ahead (100 frames, 1.16 s) the step is where the output's
 * time reaches it, as without (it came 1.16 s early: the values followed
 * the input's time, the masks the released frames'). */
GST_START_TEST (test_control_source_with_lookahead)
{
  base_props = "lookahead-frames=100";
  check_step ();
  base_props = "";
}

GST_END_TEST;

/* iterations act on the frame entering, not on those a look-ahead
 * releases: with 100 frames of look-ahead, a step from 1 to 30 updates
 * at STEP_SAMPLE changes the model from the frame that enters there, and
 * so the output released from a look-ahead before it (the curve was read
 * at the output's time: the model changed 1.16 s late, and the output up
 * to the step was the 1-update run's). */
GST_START_TEST (test_control_source_iterations_with_lookahead)
{
  const gsize ahead = 100 * HOP;
  float *one, *stepped;
  double before, between;

  base_props = "lookahead-frames=100";
  stepped_property = "iterations";
  step_from = 1.0;
  step_to = 30.0;
  one = separate ("iterations=1", FALSE);
  stepped = separate (NULL, TRUE);
  before = difference (stepped, one, 0, STEP_SAMPLE - ahead - 2 * FFT);
  between = difference (stepped, one, STEP_SAMPLE - ahead + 2 * FFT,
      STEP_SAMPLE - 2 * FFT);
  GST_INFO ("from the 1-update run: %g before the look-ahead's reach, %g "
      "between it and the step", before, between);
  fail_unless (before == 0.0, "the output changed before the frames that "
      "see the step (%g)", before);
  fail_unless (between > 1e-5, "the output released before the step does "
      "not see the model its entering frames made (%g)", between);
  g_free (one);
  g_free (stepped);
  base_props = "";
  stepped_property = "mask-exponent";
  step_from = 2.0;
  step_to = 1.0;
}

GST_END_TEST;

/* interval bound to a linear ramp: every message covers the interval in
 * force when it ends (to a hop and the ramp's change over one input
 * buffer), whichever way the ramp goes.  Each buffer sets a new interval;
 * the boundaries were laid again on whole new intervals from the stream's
 * start, which a change of 0.5 ms moved by up to 40 ms: messages of one
 * hop (11.6 ms) where 250 ms was asked for, and 35 ms at 100 ms. */
static void
check_interval_ramp (gdouble from_ms, gdouble to_ms)
{
  const gsize samples = 4 * RATE;
  const GstClockTime ramp_end = nmf_test_time (samples, RATE);
  GstElement *el = nmf_test_element ("nmfseparate", "profile=live "
      "post-messages=true");
  GstControlSource *cs = gst_interpolation_control_source_new ();
  GstTimedValueControlSource *tv = GST_TIMED_VALUE_CONTROL_SOURCE (cs);
  float *x = nmf_test_two_tones (samples, 1, RATE);
  NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, 441, 0);
  GstBus *bus = gst_bus_new ();
  GstClockTime expect_ts = 0;
  GstMessage *msg;
  guint count = 0;
  NmfFix f;

  g_object_set (cs, "mode", GST_INTERPOLATION_MODE_LINEAR, NULL);
  fail_unless (gst_object_add_control_binding (GST_OBJECT (el),
          gst_direct_control_binding_new_absolute (GST_OBJECT (el),
              "interval", cs)));
  fail_unless (gst_timed_value_control_source_set (tv, 0,
          from_ms * GST_MSECOND));
  fail_unless (gst_timed_value_control_source_set (tv, ramp_end,
          to_ms * GST_MSECOND));
  gst_object_unref (cs);
  gst_element_set_bus (el, bus);
  nmf_fix_attach (&f, el, 2);
  nmf_fix_set_caps (&f, &nmf_mono, NULL);
  nmf_fix_push (&f, &nmf_mono, x, 0, samples, &z, FALSE, NULL);
  nmf_fix_finish (&f, NULL);

  while ((msg = nmf_test_pop_element (bus))) {
    const GstStructure *st = gst_message_get_structure (msg);
    GstClockTime ts, duration, end;
    gdouble asked_ms;
    fail_unless (gst_structure_get_uint64 (st, "timestamp", &ts));
    fail_unless (gst_structure_get_uint64 (st, "duration", &duration));
    fail_unless_equals_uint64 (ts, expect_ts);
    end = expect_ts = ts + duration;
    asked_ms = from_ms + (to_ms - from_ms) * end / ramp_end;
    /* (the last one ends with the stream) */
    if (end < ramp_end)
      fail_unless (fabs (duration / (gdouble) GST_MSECOND - asked_ms)
          <= 1000.0 * (HOP + 441) / RATE, "the message at %" GST_TIME_FORMAT
          " covers %" GST_TIME_FORMAT ", the interval in force is %.1f ms",
          GST_TIME_ARGS (ts), GST_TIME_ARGS (duration), asked_ms);
    count++;
    gst_message_unref (msg);
  }
  fail_unless_equals_uint64 (expect_ts, ramp_end);
  GST_INFO ("%.0f to %.0f ms: %u messages", from_ms, to_ms, count);
  g_free (x);
  nmf_fix_teardown_bus (&f, bus);
}

GST_START_TEST (test_control_source_interval)
{
  check_interval_ramp (100, 300);
  check_interval_ramp (300, 100);
}

GST_END_TEST;

static Suite *
nmfseparate_control_suite (void)
{
  static const NmfTest tests[] = {
    NMF_TEST ("control", test_control_source_mask_exponent),
    NMF_TEST ("control", test_control_source_with_lookahead),
    NMF_TEST ("control", test_control_source_iterations_with_lookahead),
    NMF_TEST ("control", test_control_source_interval),
  };

  return nmf_test_suite ("nmfseparate-control", tests, G_N_ELEMENTS (tests), 0);
}

GST_CHECK_MAIN (nmfseparate_control);
