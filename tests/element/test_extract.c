/* nmfextract: one source of nmfseparate through a single src pad, sample
 * for sample what nmfseparate's pad of that source gives. */
#include <gst/gst.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>

#include <string.h>

#include "harness.h"

#define SAMPLES (2 * RATE + 333)

/* Pushes two tones into el in buffers of 1000 samples, then EOS, and
 * collects what each of its source pads `pads` gives. */
static void
run (NmfFix * f, GstElement * el, const gchar * const *pads, guint n_pads,
    Collector * c)
{
  float *x = nmf_test_two_tones (SAMPLES, 1, RATE);
  NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, 1000, 0);

  nmf_fix_attach_pads (f, el, pads, n_pads);
  nmf_fix_run (f, &nmf_mono, NULL, x, SAMPLES, &z, TRUE, c);
  g_free (x);
}

GST_START_TEST (test_extract_is_one_source)
{
  const gchar *sources[] = { "src_0", "src_1" }, *src[] = { "src" };
  NmfFix sep, ext;
  GstElement *el = nmf_test_element ("nmfextract", "source=1");
  Collector want[2], got;

  run (&sep, nmf_test_element ("nmfseparate", "profile=live"), sources, 2,
      want);
  gst_child_proxy_set (GST_CHILD_PROXY (el), "separator::profile", 1, NULL);
  run (&ext, el, src, 1, &got);

  fail_unless (memcmp (want[1].data->data, got.data->data,
          SAMPLES * sizeof (float)) == 0, "nmfextract source=1 differs from "
      "nmfseparate's src_1");
  collector_clear (&want[0]);
  collector_clear (&want[1]);
  collector_clear (&got);
  nmf_fix_teardown (&ext);
  nmf_fix_teardown (&sep);
}

GST_END_TEST;

GST_START_TEST (test_extract_source_beyond_n_sources)
{
  GstElement *ext = nmf_test_element ("nmfextract", "source=3");

  g_error_free (nmf_test_expect_start_error (ext, NULL));
  gst_child_proxy_set (GST_CHILD_PROXY (ext), "separator::n-sources", 4, NULL);
  nmf_test_expect_start_ok (ext);
  gst_object_unref (ext);
}

GST_END_TEST;

/* n-sources lowered below `source` after a start: the bin's own error,
 * as at the first start (the pad taken then was kept, and the separator
 * refused it instead: "source pad src_1 was requested, but n-sources is
 * 1"). */
GST_START_TEST (test_extract_n_sources_lowered)
{
  GstElement *ext = nmf_test_element ("nmfextract", "source=1");
  GError *err;

  nmf_test_expect_start_ok (ext);
  gst_child_proxy_set (GST_CHILD_PROXY (ext), "separator::n-sources", 1, NULL);
  err = nmf_test_expect_start_error (ext, NULL);
  fail_unless (g_str_has_prefix (err->message, "source 1 does not exist: "
          "separator::n-sources is 1"), "error: %s", err->message);
  g_error_free (err);
  gst_child_proxy_set (GST_CHILD_PROXY (ext), "separator::n-sources", 2, NULL);
  nmf_test_expect_start_ok (ext);
  gst_object_unref (ext);
}

GST_END_TEST;

/* `source` set while the bin runs is ignored, as nmfseparate's NULL/READY
 * properties are (it read back the new value while the old source went on
 * playing), without a notify; back in READY it is taken, and notified. */
GST_START_TEST (test_extract_source_set_while_running)
{
  GstElement *ext = nmf_test_element ("nmfextract", "source=1");
  guint source, notified = 0;

  g_signal_connect (ext, "notify::source",
      G_CALLBACK (nmf_test_count_notify), &notified);
  fail_unless (gst_element_set_state (ext, GST_STATE_PAUSED)
      != GST_STATE_CHANGE_FAILURE);
  g_object_set (ext, "source", 0, NULL);
  g_object_get (ext, "source", &source, NULL);
  fail_unless_equals_int (source, 1);
  /* ignored: not announced as a change */
  fail_unless_equals_int (notified, 0);
  fail_unless_equals_int (gst_element_set_state (ext, GST_STATE_READY),
      GST_STATE_CHANGE_SUCCESS);
  g_object_set (ext, "source", 0, NULL);
  g_object_get (ext, "source", &source, NULL);
  fail_unless_equals_int (source, 0);
  fail_unless_equals_int (notified, 1);
  fail_unless_equals_int (gst_element_set_state (ext, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (ext);
}

GST_END_TEST;

/* gst-inspect-1.0 nmfextract names every flag of `source` (it printed
 * ", 0x40000000": G_PARAM_EXPLICIT_NOTIFY) */
GST_START_TEST (test_extract_inspect_flags)
{
  GstElement *ext = nmf_test_element ("nmfextract", NULL);

  nmf_test_check_inspect_flags (ext);
  gst_object_unref (ext);
}

GST_END_TEST;

static Suite *
nmfextract_suite (void)
{
  static const NmfTest tests[] = {
    NMF_TEST ("extract", test_extract_is_one_source),
    NMF_TEST ("extract", test_extract_source_beyond_n_sources),
    NMF_TEST ("extract", test_extract_n_sources_lowered),
    NMF_TEST ("extract", test_extract_source_set_while_running),
    NMF_TEST ("extract", test_extract_inspect_flags),
  };

  return nmf_test_suite ("nmfextract", tests, G_N_ELEMENTS (tests), 0);
}

GST_CHECK_MAIN (nmfextract);
