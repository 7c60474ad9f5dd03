/* The viz pad as a GStreamer user drives it: downstream that answers the
 * caps query with ANY. */
#include <gst/gst.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>

#include <string.h>

#include "harness.h"

/* A sink pad answering the caps query with ANY whatever the filter (as
 * some elements do), counting the pictures it gets. */
static gboolean
any_caps_query (GstPad * pad, GstObject * parent, GstQuery * query)
{
  if (GST_QUERY_TYPE (query) == GST_QUERY_CAPS) {
    GstCaps *any = gst_caps_new_any ();
    gst_query_set_caps_result (query, any);
    gst_caps_unref (any);
    return TRUE;
  }
  return gst_pad_query_default (pad, parent, query);
}

static GstFlowReturn
count_picture (GstPad * pad, GstObject * parent, GstBuffer * buf)
{
  guint *pictures = g_object_get_data (G_OBJECT (pad), "pictures");

  (void) parent;
  g_atomic_int_inc (pictures);
  gst_buffer_unref (buf);
  return GST_FLOW_OK;
}

/* Downstream answering ANY: the pad's default format, 640x360 RGBA at
 * 30 fps, within its template.  The answer was fixated as it came: ANY
 * caps, with criticals from every fixating call. */
GST_START_TEST (test_viz_peer_answers_any)
{
  static const gchar *const src_only[] = { "src_0" };
  float *x = nmf_test_two_tones (RATE, 1, RATE);
  NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, 1501, 0);
  GstPad *viz, *sink = gst_pad_new ("any", GST_PAD_SINK);
  guint pictures = 0;
  GstCaps *caps;
  GstVideoInfo info;
  NmfFix f;

  g_object_set_data (G_OBJECT (sink), "pictures", &pictures);
  gst_pad_set_query_function (sink, any_caps_query);
  gst_pad_set_chain_function (sink, count_picture);
  gst_pad_set_active (sink, TRUE);
  nmf_fix_attach_pads (&f, nmf_test_element ("nmfseparate", NULL),
      (const gchar * const *) src_only, 1);
  viz = gst_element_request_pad_simple (f.el, "viz");
  fail_unless_equals_int (gst_pad_link (viz, sink), GST_PAD_LINK_OK);
  nmf_fix_set_caps (&f, &nmf_mono, NULL);
  nmf_fix_push (&f, &nmf_mono, x, 0, RATE, &z, FALSE, NULL);
  nmf_fix_finish (&f, NULL);
  nmf_fix_drain (&f);

  caps = gst_pad_get_current_caps (sink);
  fail_unless (caps != NULL && gst_video_info_from_caps (&info, caps));
  gst_caps_unref (caps);
  fail_unless_equals_int (GST_VIDEO_INFO_FORMAT (&info),
      GST_VIDEO_FORMAT_RGBA);
  fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&info), 640);
  fail_unless_equals_int (GST_VIDEO_INFO_HEIGHT (&info), 360);
  fail_unless_equals_int (GST_VIDEO_INFO_FPS_N (&info), 30);
  fail_unless_equals_int (g_atomic_int_get (&pictures), 30);

  gst_pad_unlink (viz, sink);
  gst_element_release_request_pad (f.el, viz);
  gst_object_unref (viz);
  gst_object_unref (sink);
  g_free (x);
  nmf_fix_teardown (&f);
}

GST_END_TEST;

static Suite *
nmfseparate_viz_suite (void)
{
  static const NmfTest tests[] = {
    NMF_TEST ("viz", test_viz_peer_answers_any),
  };

  return nmf_test_suite ("nmfseparate-viz", tests, G_N_ELEMENTS (tests), 0);
}

GST_CHECK_MAIN (nmfseparate_viz);
