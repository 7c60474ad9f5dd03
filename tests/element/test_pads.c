/* GStreamer
 * Copyright (C) 2026 gst-nmf developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* GstHarness tests of nmfseparate's interface (plugin/gstnmfseparate.c,
 * its SECTION doc comment): request pads, caps, latency and the profile's
 * choice of it, the settings refused or ignored.
 *
 * The test environment has an empty system plugin path: only this build's
 * plugin is available, so nothing here depends on other plugins (a tiny
 * sink element, nmftestsink, stands in for link and parse tests). */

#include <gst/gst.h>
#include <gst/audio/audio.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <glib/gstdio.h>

#include <math.h>
#include <string.h>

#include <nmf/npy.h>

#include "harness.h"

static gboolean
str_contains (const gchar * s, const gchar * what)
{
  return s && strstr (s, what) != NULL;
}

/* ------------------------------------------------------------------------ */
/* 1. Pads */

static gboolean
has_pad (GstElement * el, const gchar * name)
{
  GstPad *p = gst_element_get_static_pad (el, name);
  if (p)
    gst_object_unref (p);
  return p != NULL;
}

/* Source pads are request pads: none exist until asked for, by name
 * ("src_1") or by template ("src_%u": the lowest free source), and only
 * for the sources n-sources has. */
GST_START_TEST (test_pads_default)
{
  GstElement *el = nmf_test_separator ();
  GstPad *p, *q;
  GstPadTemplate *tmpl;

  fail_unless (has_pad (el, "sink"));
  fail_if (has_pad (el, "src_0"));
  fail_unless_equals_int (el->numsrcpads, 0);
  tmpl = gst_element_get_pad_template (el, "src_%u");
  fail_unless (tmpl != NULL);
  fail_unless_equals_int (GST_PAD_TEMPLATE_PRESENCE (tmpl), GST_PAD_REQUEST);
  tmpl = gst_element_get_pad_template (el, "viz");
  fail_unless (tmpl != NULL);
  fail_unless_equals_int (GST_PAD_TEMPLATE_PRESENCE (tmpl), GST_PAD_REQUEST);

  p = gst_element_request_pad_simple (el, "src_1");
  fail_unless (p != NULL);
  fail_unless_equals_string (GST_PAD_NAME (p), "src_1");
  fail_unless_equals_int (GST_PAD_DIRECTION (p), GST_PAD_SRC);
  fail_unless (gst_pad_get_pad_template (p) != NULL);
  gst_object_unref (gst_pad_get_pad_template (p));
  /* beyond n-sources, or not a source: refused */
  fail_if (gst_element_request_pad_simple (el, "src_2"));
  fail_if (gst_element_request_pad_simple (el, "src_x"));
  /* by template: the lowest free source, then none left */
  q = gst_element_request_pad_simple (el, "src_%u");
  fail_unless (q != NULL);
  fail_unless_equals_string (GST_PAD_NAME (q), "src_0");
  fail_if (gst_element_request_pad_simple (el, "src_%u"));
  fail_unless_equals_int (el->numsrcpads, 2);

  gst_element_release_request_pad (el, p);
  gst_object_unref (p);
  fail_if (has_pad (el, "src_1"));
  p = gst_element_request_pad_simple (el, "src_%u");
  fail_unless_equals_string (GST_PAD_NAME (p), "src_1");
  gst_element_release_request_pad (el, p);
  gst_element_release_request_pad (el, q);
  gst_object_unref (p);
  gst_object_unref (q);
  fail_unless_equals_int (el->numsrcpads, 0);
  gst_object_unref (el);
}

GST_END_TEST;

GST_START_TEST (test_pads_n_sources)
{
  GstElement *el = nmf_test_separator ();
  GstPad *pads[4];
  GError *err;
  gchar *dbg = NULL;
  guint n;

  g_object_set (el, "n-sources", 4, NULL);
  g_object_get (el, "n-sources", &n, NULL);
  fail_unless_equals_int (n, 4);
  for (guint i = 0; i < 4; i++) {
    gchar *name = g_strdup_printf ("src_%u", i);
    pads[i] = gst_element_request_pad_simple (el, name);
    fail_unless (pads[i] != NULL, "missing %s", name);
    g_free (name);
  }
  fail_if (gst_element_request_pad_simple (el, "src_4"));

  /* n-sources lowered below a requested pad: refused before data flows,
   * with an error whose text names the pad (not a debug line under a
   * generic "pad problem") */
  g_object_set (el, "n-sources", 3, NULL);
  err = nmf_test_expect_start_error (el, &dbg);
  fail_unless (str_contains (err->message, "src_3"), "%s", err->message);
  g_clear_error (&err);
  g_free (dbg);
  gst_element_release_request_pad (el, pads[3]);
  nmf_test_expect_start_ok (el);
  for (guint i = 0; i < 4; i++) {
    if (i < 3)
      gst_element_release_request_pad (el, pads[i]);
    gst_object_unref (pads[i]);
  }
  gst_object_unref (el);
}

GST_END_TEST;

GST_START_TEST (test_pads_link_by_name)
{
  GstElement *bin = gst_pipeline_new (NULL);
  GstElement *el = nmf_test_separator ();
  GstElement *s0 = gst_element_factory_make ("fakesink", NULL);
  GstElement *s1 = g_object_new (nmf_test_sink_get_type (), NULL);
  GstPad *src0, *src1, *peer, *loose;

  /* fakesink only when system plugins happen to be there */
  if (!s0)
    s0 = g_object_new (nmf_test_sink_get_type (), NULL);
  gst_bin_add_many (GST_BIN (bin), el, s0, s1, NULL);
  fail_unless (gst_element_link_pads (el, "src_1", s1, "sink"));
  fail_unless (gst_element_link_pads (el, "src_0", s0, "sink"));

  src1 = gst_element_get_static_pad (el, "src_1");
  peer = gst_pad_get_peer (src1);
  fail_unless (peer != NULL);
  fail_unless (GST_OBJECT_PARENT (peer) == GST_OBJECT (s1));
  gst_object_unref (peer);
  gst_object_unref (src1);

  /* and to a plain pad */
  src0 = gst_element_get_static_pad (el, "src_0");
  gst_element_unlink_pads (el, "src_0", s0, "sink");
  fail_if (gst_pad_is_linked (src0));
  loose = gst_pad_new ("loose", GST_PAD_SINK);
  fail_unless_equals_int (gst_pad_link (src0, loose), GST_PAD_LINK_OK);
  fail_unless (gst_pad_is_linked (src0));
  fail_unless (gst_pad_unlink (src0, loose));
  gst_object_unref (loose);
  gst_object_unref (src0);
  gst_object_unref (bin);
}

GST_END_TEST;

static void
check_parse_links (const gchar * desc, const gchar ** linked, guint n_linked)
{
  GError *err = NULL;
  GstElement *pipe = gst_parse_launch (desc, &err);
  GstElement *s;

  fail_unless (pipe != NULL, "parse of '%s' failed: %s", desc,
      err ? err->message : "?");
  fail_unless (err == NULL, "parse of '%s': %s", desc, err ? err->message : "");
  s = gst_bin_get_by_name (GST_BIN (pipe), "s");
  fail_unless (s != NULL);
  for (guint i = 0; i < n_linked; i++) {
    GstPad *p = gst_element_get_static_pad (s, linked[i]);
    fail_unless (p != NULL, "%s missing in '%s'", linked[i], desc);
    fail_unless (gst_pad_is_linked (p), "%s not linked in '%s'", linked[i],
        desc);
    gst_object_unref (p);
  }
  gst_object_unref (s);
  gst_object_unref (pipe);
}

GST_START_TEST (test_pads_parse_launch)
{
  const gchar *two[] = { "src_0", "src_1" };
  const gchar *third[] = { "src_2" };

  check_parse_links ("nmfseparate name=s s.src_0 ! nmftestsink "
      "s.src_1 ! nmftestsink", two, 2);
  /* properties are set before the pads are requested */
  check_parse_links ("nmfseparate name=s n-sources=3 s.src_2 ! nmftestsink",
      third, 1);
  /* a pad n-sources does not have fails at link time */
  {
    GError *err = NULL;
    GstElement *pipe = gst_parse_launch ("nmfseparate name=s n-sources=1 "
        "s.src_0 ! nmftestsink s.src_1 ! nmftestsink", &err);
    fail_unless (err != NULL, "linked to src_1 with n-sources=1");
    g_clear_error (&err);
    if (pipe)
      gst_object_unref (pipe);
  }

  /* the real pipeline, only when those system plugins are available */
  {
    GstElementFactory *a = gst_element_factory_find ("audiotestsrc");
    GstElementFactory *c = gst_element_factory_find ("audioconvert");
    GstElementFactory *k = gst_element_factory_find ("fakesink");
    if (a && c && k) {
      GstElement *pipe = gst_parse_launch ("audiotestsrc num-buffers=5 ! "
          "audioconvert ! nmfseparate name=s s.src_0 ! fakesink "
          "s.src_1 ! fakesink", NULL);
      GstBus *bus;
      GstMessage *msg;
      fail_unless (pipe != NULL);
      bus = gst_element_get_bus (pipe);
      gst_element_set_state (pipe, GST_STATE_PLAYING);
      msg = gst_bus_timed_pop_filtered (bus, 30 * GST_SECOND,
          GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
      fail_unless (msg != NULL);
      fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_EOS);
      gst_message_unref (msg);
      gst_element_set_state (pipe, GST_STATE_NULL);
      gst_object_unref (bus);
      gst_object_unref (pipe);
    }
    if (a)
      gst_object_unref (a);
    if (c)
      gst_object_unref (c);
    if (k)
      gst_object_unref (k);
  }
}

GST_END_TEST;

/* Only src_0 linked: an unlinked source pad is not an error. */
GST_START_TEST (test_pads_one_unlinked)
{
  NmfFix f;
  NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, 1000, 0);
  float *x = nmf_test_two_tones (5000, 1, RATE);
  Collector c;

  nmf_fix_attach (&f, nmf_test_separator (), 1);
  nmf_fix_set_caps (&f, &nmf_mono, NULL);
  collector_init (&c, &nmf_mono, FALSE);
  nmf_fix_push (&f, &nmf_mono, x, 0, 5000, &z, FALSE, &c);
  nmf_fix_finish (&f, &c);
  fail_unless_equals_uint64 (c.n, 5000);
  collector_clear (&c);
  g_free (x);
  nmf_fix_teardown (&f);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* 2. Caps */

static void
check_audio_caps (const gchar * in_str, gboolean exact)
{
  NmfFix f;
  GstCaps *in = gst_caps_from_string (in_str);
  GstAudioInfo in_info, out_info;

  nmf_fix_attach (&f, nmf_test_separator (), 2);
  gst_harness_set_src_caps_str (f.h[0], in_str);
  nmf_fix_drain (&f);
  fail_unless (gst_audio_info_from_caps (&in_info, in));
  for (guint i = 0; i < 2; i++) {
    gchar *name = g_strdup_printf ("src_%u", i);
    GstCaps *out = nmf_fix_caps (&f, name);
    fail_unless (out != NULL, "no caps on %s", name);
    GST_INFO ("%s: %" GST_PTR_FORMAT, name, out);
    if (exact)
      fail_unless (gst_caps_is_equal (out, in), "%s caps %" GST_PTR_FORMAT
          " != input %" GST_PTR_FORMAT, name, out, in);
    /* the same format in any case: nothing differs from the input */
    fail_unless (gst_caps_is_subset (out, in), "%s caps %" GST_PTR_FORMAT
        " not within input %" GST_PTR_FORMAT, name, out, in);
    fail_unless (gst_audio_info_from_caps (&out_info, out));
    fail_unless (gst_audio_info_is_equal (&out_info, &in_info));
    gst_caps_unref (out);
    g_free (name);
  }
  gst_caps_unref (in);
  nmf_fix_teardown (&f);
}

/* A source pad requested after the stream started but before its caps
 * gets the stream-start first (it got caps and segment only: "data flow
 * before stream-start"). */
GST_START_TEST (test_pads_requested_before_caps)
{
  GstElement *el = nmf_test_element ("nmfseparate", "profile=live");
  GstHarness *h0 = gst_harness_new_with_element (el, "sink", "src_0"), *h1;
  float x[4096] = { 0 };
  GstEvent *ev;

  gst_object_unref (el);
  fail_unless (gst_harness_push_event (h0,
          gst_event_new_stream_start ("before-caps")));
  h1 = gst_harness_new_with_element (h0->element, NULL, "src_1");
  gst_harness_set_src_caps_str (h0, "audio/x-raw, format=(string)"
      GST_AUDIO_NE (F32) ", layout=(string)interleaved, rate=(int)44100, "
      "channels=(int)1");
  fail_unless_equals_int (gst_harness_push (h0, nmf_test_buffer (&nmf_mono,
              x, 0, 4096, FALSE)), GST_FLOW_OK);
  fail_unless (gst_harness_push_event (h0, gst_event_new_eos ()));
  ev = gst_harness_pull_event (h1);
  fail_unless (ev != NULL);
  fail_unless_equals_string (GST_EVENT_TYPE_NAME (ev), "stream-start");
  gst_event_unref (ev);
  gst_harness_teardown (h1);
  gst_harness_teardown (h0);
}

GST_END_TEST;

GST_START_TEST (test_caps_audio)
{
  /* as in the brief: no channel-mask upstream; the element's caps are the
   * same format (it spells out the default stereo mask) */
  check_audio_caps (CAPS_STEREO_44100, FALSE);
  /* fully specified input: caps equal exactly */
  check_audio_caps (CAPS_STEREO_44100 ", channel-mask=(bitmask)0x3", TRUE);
  check_audio_caps (CAPS_MONO_44100, TRUE);
  check_audio_caps ("audio/x-raw, format=(string)F32LE, "
      "layout=(string)interleaved, rate=(int)48000, channels=(int)1", TRUE);
}

GST_END_TEST;

/* Mask caps: bins and hop from the separator; hop-size 0 (the default) is
 * fft-size / 4. */
static void
check_mask_caps (const gchar * props, const gchar * want_str)
{
  NmfFix f;
  GstElement *el = nmf_test_separator ();
  GstCaps *want = gst_caps_from_string (want_str);

  gst_util_set_object_arg (G_OBJECT (el), "output-mode", "mask");
  nmf_test_set_props (el, props);
  nmf_fix_attach (&f, el, 2);
  gst_harness_set_src_caps_str (f.h[0], CAPS_STEREO_44100);
  nmf_fix_drain (&f);
  for (guint i = 0; i < 2; i++) {
    GstCaps *out = nmf_fix_caps (&f, i ? "src_1" : "src_0");
    fail_unless (out != NULL);
    fail_unless (gst_caps_is_equal (out, want), "caps %" GST_PTR_FORMAT, out);
    gst_caps_unref (out);
  }
  gst_caps_unref (want);
  nmf_fix_teardown (&f);
}

GST_START_TEST (test_caps_mask)
{
  check_mask_caps (NULL, "application/x-nmf-mask, bins=(int)1025, "
      "hop-size=(int)512, rate=(int)44100");
  check_mask_caps ("fft-size=1024", "application/x-nmf-mask, "
      "bins=(int)513, hop-size=(int)256, rate=(int)44100");
  check_mask_caps ("fft-size=1024 hop-size=500", "application/x-nmf-mask, "
      "bins=(int)513, hop-size=(int)500, rate=(int)44100");
}

GST_END_TEST;

static void
check_caps_refused (const gchar * str)
{
  NmfFix f;
  GstCaps *caps = gst_caps_from_string (str);
  GstPad *sink;
  float zeros[256] = { 0 };

  nmf_fix_attach (&f, nmf_test_separator (), 2);
  sink = gst_element_get_static_pad (f.el, "sink");
  fail_if (gst_pad_query_accept_caps (sink, caps), "accepted %s", str);
  /* sent to the element directly, the caps event is refused ... */
  fail_if (gst_pad_send_event (sink, gst_event_new_caps (caps)),
      "caps event %s handled", str);
  gst_object_unref (sink);
  /* ... and pushed from upstream (where a failed sticky event still
   * returns TRUE), data flow then fails with not-negotiated */
  gst_harness_push_event (f.h[0], gst_event_new_caps (caps));
  {
    GstSegment seg;
    gst_segment_init (&seg, GST_FORMAT_TIME);
    gst_harness_push_event (f.h[0], gst_event_new_segment (&seg));
  }
  fail_unless_equals_int (gst_harness_push (f.h[0], nmf_test_buffer (&nmf_mono,
              zeros, 0, 128, FALSE)), GST_FLOW_NOT_NEGOTIATED);
  fail_unless_equals_int (gst_harness_buffers_received (f.h[0]), 0);
  gst_caps_unref (caps);
  nmf_fix_teardown (&f);
}

GST_START_TEST (test_caps_refused)
{
  check_caps_refused ("audio/x-raw, format=(string)F32LE, "
      "layout=(string)interleaved, rate=(int)44100, channels=(int)65");
  check_caps_refused ("audio/x-raw, format=(string)S16LE, "
      "layout=(string)interleaved, rate=(int)44100, channels=(int)2");
  check_caps_refused ("audio/x-raw, format=(string)F32LE, "
      "layout=(string)non-interleaved, rate=(int)44100, channels=(int)2");
  check_caps_refused ("audio/x-raw, format=(string)F32LE, "
      "layout=(string)interleaved, rate=(int)4000, channels=(int)1");
}

GST_END_TEST;

/* In audio mode every source pad carries the input's caps, so the sink
 * pad takes only what the source pads' peers take (as tee does: a
 * converter before the element then serves a restriction after it); in
 * mask mode the template. */
static void
check_caps_proxied (const gchar * mode)
{
  NmfFix f;
  GstElement *el = nmf_test_separator ();
  GstCaps *caps, *c48, *c44;
  GstPad *sink;
  const gboolean audio = strcmp (mode, "audio") == 0;

  gst_util_set_object_arg (G_OBJECT (el), "output-mode", mode);
  nmf_fix_attach (&f, el, 2);
  gst_harness_set_sink_caps_str (f.h[1], "audio/x-raw, rate=(int)48000, "
      "channels=(int)2");
  sink = gst_element_get_static_pad (f.el, "sink");
  caps = gst_pad_query_caps (sink, NULL);
  c48 = gst_caps_from_string ("audio/x-raw, format=(string)F32LE, "
      "layout=(string)interleaved, rate=(int)48000, channels=(int)2");
  c44 = gst_caps_from_string (CAPS_STEREO_44100);
  {
    gchar *str = gst_caps_to_string (caps);
    fail_unless (gst_caps_is_subset (caps, c48) == audio, "%s: %s", mode,
        str);
    g_free (str);
  }
  fail_unless (gst_pad_query_accept_caps (sink, c48));
  fail_unless (gst_pad_query_accept_caps (sink, c44) == !audio);
  gst_caps_unref (caps);
  gst_caps_unref (c48);
  gst_caps_unref (c44);
  gst_object_unref (sink);
  nmf_fix_teardown (&f);
}

GST_START_TEST (test_caps_proxied)
{
  check_caps_proxied ("audio");
  check_caps_proxied ("mask");
}

GST_END_TEST;

/* A source pad answers the caps query with what it will carry in the
 * element's output-mode (audio, or masks), not both: a mask pad linked to
 * an audio converter (or an audio pad to a mask consumer) then fails at
 * link time, where gst-launch-1.0 names the link, instead of a
 * not-negotiated from the source once data flows.  Before any stream: the
 * mode's part of the template; filtered by the query's filter. */
static void
check_source_pad_caps (const gchar * mode)
{
  GstElement *el = nmf_test_separator ();
  GstPad *pad;
  GstCaps *caps, *audio, *mask, *filter;
  const gboolean is_audio = strcmp (mode, "audio") == 0;
  gchar *str;

  gst_util_set_object_arg (G_OBJECT (el), "output-mode", mode);
  pad = gst_element_request_pad_simple (el, "src_0");
  audio = gst_caps_from_string ("audio/x-raw");
  mask = gst_caps_from_string ("application/x-nmf-mask");
  caps = gst_pad_query_caps (pad, NULL);
  str = gst_caps_to_string (caps);
  fail_if (gst_caps_is_empty (caps), "%s: no caps", mode);
  fail_unless (gst_caps_can_intersect (caps, audio) == is_audio, "%s: %s",
      mode, str);
  fail_unless (gst_caps_can_intersect (caps, mask) == !is_audio, "%s: %s",
      mode, str);
  g_free (str);
  gst_caps_unref (caps);
  /* the other mode's caps as a filter leave nothing */
  filter = is_audio ? mask : audio;
  caps = gst_pad_query_caps (pad, filter);
  fail_unless (gst_caps_is_empty (caps), "%s: filtered", mode);
  gst_caps_unref (caps);
  gst_caps_unref (audio);
  gst_caps_unref (mask);
  gst_element_release_request_pad (el, pad);
  gst_object_unref (pad);
  gst_object_unref (el);
}

GST_START_TEST (test_caps_of_source_pads)
{
  check_source_pad_caps ("audio");
  check_source_pad_caps ("mask");
}

GST_END_TEST;

/* A pipeline's seek reaches the element through every sink, so through
 * every output pad: it goes upstream once (each copy made a flushing seek
 * flush once per pad, and a non-flushing one replay the audio). */
/* The seeks among the upstream events h has received since last asked. */
static guint
seeks_upstream (GstHarness * h)
{
  GstEvent *event;
  guint seeks = 0;

  while ((event = gst_harness_try_pull_upstream_event (h))) {
    seeks += GST_EVENT_TYPE (event) == GST_EVENT_SEEK;
    gst_event_unref (event);
  }
  return seeks;
}

GST_START_TEST (test_seek_once)
{
  static const gchar *const pads[] = { "src_0", "src_1", "viz" };
  NmfFix f;
  GstEvent *seek = gst_event_new_seek (1.0, GST_FORMAT_TIME,
      GST_SEEK_FLAG_FLUSH, GST_SEEK_TYPE_SET, GST_SECOND,
      GST_SEEK_TYPE_NONE, GST_CLOCK_TIME_NONE);
  GstEvent *other = gst_event_copy (seek);

  gst_event_set_seqnum (other, gst_util_seqnum_next ());
  nmf_fix_attach_pads (&f, nmf_test_separator (), pads, 3);
  nmf_fix_set_caps (&f, &nmf_mono, NULL);
  for (guint i = 0; i < 3; i++)
    fail_unless (gst_harness_push_upstream_event (f.h[i],
            gst_event_ref (seek)));
  fail_unless_equals_int (seeks_upstream (f.h[0]), 1);
  /* another seek goes on */
  fail_unless (gst_harness_push_upstream_event (f.h[1], other));
  fail_unless_equals_int (seeks_upstream (f.h[0]), 1);
  gst_event_unref (seek);
  nmf_fix_teardown (&f);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* 3. Latency */

static void
check_latency (guint fft, guint hop, gint rate, const gchar * mode, guint ahead)
{
  NmfFix f;
  GstElement *el = nmf_test_separator ();
  const GstClockTime upstream = 10 * GST_MSECOND;
  /* hop-size 0: fft-size / 4 */
  const guint h = hop ? hop : fft / 4;
  GstClockTime own, want;
  NmfTimeline t = { rate, 1, 0, 0 };
  GstQuery *q;
  gboolean live;
  GstClockTime min, max;

  g_object_set (el, "fft-size", fft, "hop-size", hop, "lookahead-frames",
      ahead, NULL);
  gst_util_set_object_arg (G_OBJECT (el), "output-mode", mode);
  static const gchar *const pads[] = { "src_0", "src_1", "viz" };

  nmf_fix_attach_pads (&f, el, pads, 3);
  gst_harness_set_upstream_latency (f.h[0], upstream);
  nmf_fix_set_caps (&f, &t, NULL);

  own = gst_util_uint64_scale_int_ceil ((strcmp (mode, "mask") ? fft : h)
      + ahead * h, GST_SECOND, rate);
  want = upstream + own;
  /* the picture too: it comes as late as the sources (it answered
   * upstream's latency alone) */
  for (guint i = 0; i < 3; i++) {
    GstClockTime got = gst_harness_query_latency (f.h[i]);
    fail_unless_equals_uint64 (got, want);
  }
  /* live flag and max pass through */
  q = gst_query_new_latency ();
  fail_unless (gst_pad_peer_query (f.h[1]->sinkpad, q));
  gst_query_parse_latency (q, &live, &min, &max);
  fail_unless (live);
  fail_unless_equals_uint64 (min, want);
  fail_unless_equals_uint64 (max, GST_CLOCK_TIME_NONE);
  gst_query_unref (q);
  nmf_fix_teardown (&f);
}

GST_START_TEST (test_latency)
{
  check_latency (2048, 512, 44100, "audio", 0);
  check_latency (1024, 256, 48000, "audio", 0);
  check_latency (2048, 512, 44100, "mask", 0);
  check_latency (1024, 256, 48000, "mask", 0);
  check_latency (1000, 441, 44100, "audio", 0); /* not a whole ns: ceil */
  check_latency (1000, 441, 44100, "mask", 0);
  /* look-ahead: that many hops more */
  check_latency (2048, 512, 44100, "audio", 516);
  check_latency (1000, 441, 44100, "mask", 7);
  /* hop-size 0: fft-size / 4 */
  check_latency (1024, 0, 48000, "mask", 3);
}

GST_END_TEST;

/* Upstream's answer to the latency query: live or not (user_data), 10 ms. */
static GstPadProbeReturn
answer_latency (G_GNUC_UNUSED GstPad * pad, GstPadProbeInfo * info,
    gpointer live)
{
  GstQuery *q = GST_PAD_PROBE_INFO_QUERY (info);

  if (GST_QUERY_TYPE (q) != GST_QUERY_LATENCY)
    return GST_PAD_PROBE_OK;
  gst_query_set_latency (q, GPOINTER_TO_INT (live), 10 * GST_MSECOND,
      GST_CLOCK_TIME_NONE);
  return GST_PAD_PROBE_HANDLED;
}

/* nmfseparate's own latency, with PROPS ("name=value ..."), once caps have
 * made its separator, behind an upstream that is live or not: the latency
 * downstream of it less upstream's. */
static GstClockTime
own_latency_with_upstream (gboolean live, const gchar * props)
{
  GstElement *el = nmf_test_separator ();
  GstClockTime got;
  NmfFix f;

  nmf_test_set_props (el, props);
  nmf_fix_attach (&f, el, 2);
  gst_pad_add_probe (f.h[0]->srcpad, GST_PAD_PROBE_TYPE_QUERY_UPSTREAM,
      answer_latency, GINT_TO_POINTER (live), NULL);
  nmf_fix_set_caps (&f, &nmf_mono, NULL);
  got = gst_harness_query_latency (f.h[1]);
  nmf_fix_teardown (&f);
  fail_unless (GST_CLOCK_TIME_IS_VALID (got) && got >= 10 * GST_MSECOND);
  return got - 10 * GST_MSECOND;
}

static GstClockTime
latency_of (guint samples)
{
  return gst_util_uint64_scale_int_ceil (samples, GST_SECOND, 44100);
}

/* profile=auto (the default) takes the file settings - 6 s of look-ahead -
 * only when upstream is not live; explicit properties win over a profile;
 * the file settings are for blind kl only. */
GST_START_TEST (test_profile_auto)
{
  /* default window 258: look-ahead 2 x 258 frames of 512 */
  fail_unless_equals_uint64 (own_latency_with_upstream (FALSE, ""),
      latency_of (2048 + 516 * 512));
  fail_unless_equals_uint64 (own_latency_with_upstream (TRUE, ""),
      latency_of (2048));
  fail_unless_equals_uint64 (own_latency_with_upstream (FALSE, "profile=live"),
      latency_of (2048));
  fail_unless_equals_uint64 (own_latency_with_upstream (TRUE, "profile=file"),
      latency_of (2048 + 516 * 512));
  fail_unless_equals_uint64 (own_latency_with_upstream (TRUE,
          "profile=file lookahead-frames=43"), latency_of (2048 + 43 * 512));
  fail_unless_equals_uint64 (own_latency_with_upstream (FALSE,
          "window-frames=100"), latency_of (2048 + 200 * 512));
  fail_unless_equals_uint64 (own_latency_with_upstream (FALSE,
          "algorithm=volmin"), latency_of (2048));
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* 10. Invalid settings */

/* The settings props are refused when the element starts, with a library
 * error whose message names prop_name; valid again, it starts. */
static void
check_invalid (const gchar * prop_name, const gchar * props)
{
  GstElement *el = nmf_test_separator ();
  GError *err;
  gchar *dbg = NULL;

  nmf_test_set_props (el, props);
  err = nmf_test_expect_start_error (el, &dbg);
  GST_INFO ("error: %s (%s)", err->message, dbg);
  fail_unless (g_error_matches (err, GST_LIBRARY_ERROR,
          GST_LIBRARY_ERROR_SETTINGS), "error %s", err->message);
  fail_unless (str_contains (err->message, prop_name),
      "error message '%s' does not name %s", err->message, prop_name);
  g_error_free (err);
  g_free (dbg);

  /* valid again: the state change now succeeds */
  g_object_set (el, "components", 0, "fft-size", FFT, "hop-size", HOP,
      "bands-per-octave", 0, NULL);
  nmf_test_expect_start_ok (el);
  gst_object_unref (el);
}

GST_START_TEST (test_invalid_settings)
{
  check_invalid ("components", "components=1 n-sources=2");
  check_invalid ("hop-size: ", "fft-size=2048 hop-size=1025");
  check_invalid ("hop-size: ", "fft-size=64 hop-size=512");
  check_invalid ("fft-size: ", "fft-size=2047");
  check_invalid ("bands-per-octave: ", "bands-per-octave=3");
}

GST_END_TEST;

/* A dictionaries entry may have spaces around its '=': " 0 = FILE" names
 * source 0 and FILE (it named source '0 ', "not one of 0..1"), and the
 * error names the file once. */
GST_START_TEST (test_dictionaries_entry_spaces)
{
  GstElement *el = nmf_test_separator ();
  GError *err;
  gchar *dbg = NULL;

  g_object_set (el, "dictionaries", " 0 = /nonexistent/d.npy ", NULL);
  err = nmf_test_expect_start_error (el, &dbg);
  fail_unless (strstr (err->message, "source 0: dictionary /nonexistent/d.npy")
      != NULL, "%s", err->message);
  fail_if (strstr (err->message, "not one of") != NULL, "%s", err->message);
  g_error_free (err);
  g_free (dbg);
  gst_object_unref (el);
}

GST_END_TEST;

/* A dictionary made for another FFT size: the error says what it was made
 * for and what this fft-size needs, and names the fft-size once (the
 * element appended "(fft-size 2048)" to every dictionary error, after the
 * core's "this FFT size 2048 needs 1025 bins", and to errors unrelated to
 * the size, such as a missing file). */
GST_START_TEST (test_dictionary_of_another_fft_size)
{
  const size_t bins = 513, templates = 2;
  double *dict = g_new0 (double, bins * templates);
  GstElement *el = nmf_test_separator ();
  gchar *path = NULL, *props, *dbg = NULL;
  const gchar *at;
  GError *err;
  gint fd;

  for (size_t i = 0; i < bins * templates; i++)
    dict[i] = 1.0 + i % 7;
  fd = g_file_open_tmp ("nmf-dict-XXXXXX.npy", &path, NULL);
  fail_unless (fd >= 0);
  g_close (fd, NULL);
  fail_unless (nmf_npy_write (path, dict, bins, templates, NULL, 0) == NMF_OK);
  props = g_strdup_printf ("0=%s", path);
  g_object_set (el, "dictionaries", props, NULL);
  err = nmf_test_expect_start_error (el, &dbg);
  fail_unless (strstr (err->message, "made for FFT size 1024") != NULL, "%s",
      err->message);
  at = strstr (err->message, "2048");
  fail_unless (at != NULL && strstr (at + 4, "2048") == NULL, "%s",
      err->message);
  g_error_free (err);
  g_free (dbg);
  gst_object_unref (el);
  g_unlink (path);
  g_free (path);
  g_free (props);
  g_free (dict);
}

GST_END_TEST;

/* gst-inspect-1.0 nmfseparate names every flag of every property (the
 * NULL/READY ones printed ", 0x40000000": G_PARAM_EXPLICIT_NOTIFY, which
 * it does not name) */
GST_START_TEST (test_settings_inspect_flags)
{
  GstElement *el = nmf_test_element ("nmfseparate", NULL);

  nmf_test_check_inspect_flags (el);
  gst_object_unref (el);
}

GST_END_TEST;

GST_START_TEST (test_settings_ignored_in_playing)
{
  NmfFix f;
  guint notified_ready = 0, notified_live = 0;
  NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, 0, 0);
  float *x = nmf_test_two_tones (3000, 1, RATE);
  Collector c[2];
  guint fft, hop, n, comp, win, it, exp_;
  guint64 seed;
  gint mode;

  nmf_fix_attach (&f, nmf_test_separator (), 2);
  gst_harness_set_upstream_latency (f.h[0], 0);
  nmf_fix_set_caps (&f, &nmf_mono, NULL);
  fail_unless_equals_int (GST_STATE (f.el), GST_STATE_PLAYING);

  /* an ignored value is not announced as a change: nothing to notify */
  g_signal_connect (f.el, "notify::n-sources",
      G_CALLBACK (nmf_test_count_notify), &notified_ready);
  g_signal_connect (f.el, "notify::fft-size",
      G_CALLBACK (nmf_test_count_notify), &notified_ready);
  g_signal_connect (f.el, "notify::iterations",
      G_CALLBACK (nmf_test_count_notify), &notified_live);
  g_object_set (f.el, "fft-size", 1024, "hop-size", 128, "n-sources", 3,
      "components", 3, "window-frames", 10, "seed", (guint64) 99, NULL);
  gst_util_set_object_arg (G_OBJECT (f.el), "output-mode", "mask");
  /* live-tunable ones do change */
  g_object_set (f.el, "iterations", 3, "mask-exponent", 1, NULL);

  g_object_get (f.el, "fft-size", &fft, "hop-size", &hop, "n-sources", &n,
      "components", &comp, "window-frames", &win, "seed", &seed,
      "output-mode", &mode, "iterations", &it, "mask-exponent", &exp_, NULL);
  fail_unless_equals_int (fft, FFT);
  fail_unless_equals_int (hop, 0);      /* the default: fft-size / 4 */
  fail_unless_equals_int (n, 2);
  fail_unless_equals_int (comp, 0);
  fail_unless_equals_int (win, 258);
  fail_unless_equals_uint64 (seed, 0);
  fail_unless_equals_int (mode, 0);
  fail_unless_equals_int (it, 3);
  fail_unless_equals_int (exp_, 1);
  fail_unless_equals_int (notified_ready, 0);
  fail_unless_equals_int (notified_live, 1);
  fail_unless_equals_int (f.el->numsrcpads, 2);
  if (nmf_test_has_property (f.el, "algorithm")) {
    gint algo;
    gdouble reg;
    gst_util_set_object_arg (G_OBJECT (f.el), "algorithm", "volmin");
    g_object_set (f.el, "regularization", 0.5, NULL);
    g_object_get (f.el, "algorithm", &algo, "regularization", &reg, NULL);
    fail_unless_equals_int (algo, 0);
    fail_unless (reg == 0.0);
  }
  fail_unless_equals_uint64 (gst_harness_query_latency (f.h[1]),
      gst_util_uint64_scale_int_ceil (FFT, GST_SECOND, RATE));

  /* and data still flows with the old sizes */
  collectors_init (c, 2, &nmf_mono, FALSE);
  nmf_fix_push (&f, &nmf_mono, x, 0, 3000, &z, FALSE, NULL);
  nmf_fix_finish (&f, c);
  for (guint s = 0; s < 2; s++)
    fail_unless_equals_uint64 (c[s].n, 3000);
  g_free (x);
  nmf_fix_teardown (&f);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */

static Suite *
nmfseparate_pads_suite (void)
{
  static const NmfTest tests[] = {
    NMF_TEST ("pads", test_pads_default),
    NMF_TEST ("pads", test_pads_n_sources),
    NMF_TEST ("pads", test_pads_link_by_name),
    NMF_TEST ("pads", test_pads_parse_launch),
    NMF_TEST ("pads", test_pads_one_unlinked),
    NMF_TEST ("pads", test_pads_requested_before_caps),
    NMF_TEST ("caps", test_caps_audio),
    NMF_TEST ("caps", test_caps_mask),
    NMF_TEST ("caps", test_caps_refused),
    NMF_TEST ("caps", test_caps_proxied),
    NMF_TEST ("caps", test_caps_of_source_pads),
    NMF_TEST ("caps", test_seek_once),
    NMF_TEST ("caps", test_dictionaries_entry_spaces),
    NMF_TEST ("caps", test_dictionary_of_another_fft_size),
    NMF_TEST ("latency", test_latency),
    NMF_TEST ("latency", test_profile_auto),
    NMF_TEST ("settings", test_invalid_settings),
    NMF_TEST ("settings", test_settings_inspect_flags),
    NMF_TEST ("settings", test_settings_ignored_in_playing),
  };

  nmf_test_sink_register ();
  return nmf_test_suite ("nmfseparate-pads", tests, G_N_ELEMENTS (tests), 0);
}

GST_CHECK_MAIN (nmfseparate_pads);
