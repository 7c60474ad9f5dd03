/* GStreamer
 * Copyright (C) 2026 gst-nmf developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* GstHarness tests of nmfseparate against the contract of its SECTION doc
 * comment (plugin/gstnmfseparate.c): pads, caps, latency, sample-exact
 * timestamps and counts, sum of sources == input, flush/discont, bad input,
 * mask output, invalid settings, silence.
 *
 * The test environment has an empty system plugin path: only this build's
 * plugin is available, so nothing here depends on other plugins (a tiny
 * sink element is registered by the test itself for link/parse tests). */

#include <gst/gst.h>
#include <gst/audio/audio.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>

#include <math.h>

#include "harness.h"
#include <nmf/npy.h>
#include <glib/gstdio.h>
#include <string.h>

#define RATE 44100
#define FFT 2048
#define HOP 512
#define BINS (FFT / 2 + 1)

#define CAPS_MONO_44100 \
  "audio/x-raw, format=(string)F32LE, layout=(string)interleaved, " \
  "rate=(int)44100, channels=(int)1"
#define CAPS_STEREO_44100 \
  "audio/x-raw, format=(string)F32LE, layout=(string)interleaved, " \
  "rate=(int)44100, channels=(int)2"

#define MAX_PADS 16

/* the timeline of most streams here: mono, from 0, offsets from 0 */
static const NmfTimeline mono = { RATE, 1, 0, 0 };

/* ------------------------------------------------------------------------ */
/* A minimal sink element, so that link and parse tests need no system
 * plugin. */

typedef struct
{
  GstElement parent;
  GstPad *sinkpad;
  /* blocking mode: chain waits (like a sink prerolling) until flushed */
  GMutex lock;
  GCond cond;
  gboolean block, flushing, blocked;
  guint buffers;
} NmfTestSink;

typedef struct
{
  GstElementClass parent_class;
} NmfTestSinkClass;

GType nmf_test_sink_get_type (void);
G_DEFINE_TYPE (NmfTestSink, nmf_test_sink, GST_TYPE_ELEMENT);

static GstStaticPadTemplate test_sink_template = GST_STATIC_PAD_TEMPLATE
    ("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

static GstFlowReturn
nmf_test_sink_chain (G_GNUC_UNUSED GstPad * pad, GstObject * parent,
    GstBuffer * buf)
{
  NmfTestSink *self = (NmfTestSink *) parent;
  GstFlowReturn ret = GST_FLOW_OK;

  gst_buffer_unref (buf);
  g_mutex_lock (&self->lock);
  self->buffers++;
  if (self->block) {
    self->blocked = TRUE;
    g_cond_broadcast (&self->cond);
    while (self->block && !self->flushing)
      g_cond_wait (&self->cond, &self->lock);
    self->blocked = FALSE;
    if (self->flushing)
      ret = GST_FLOW_FLUSHING;
  }
  g_mutex_unlock (&self->lock);
  return ret;
}

static gboolean
nmf_test_sink_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  NmfTestSink *self = (NmfTestSink *) parent;

  g_mutex_lock (&self->lock);
  if (GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_START)
    self->flushing = TRUE;
  else if (GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_STOP)
    self->flushing = FALSE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  return gst_pad_event_default (pad, parent, event);
}

static void
nmf_test_sink_finalize (GObject * object)
{
  NmfTestSink *self = (NmfTestSink *) object;
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  G_OBJECT_CLASS (nmf_test_sink_parent_class)->finalize (object);
}

static void
nmf_test_sink_class_init (NmfTestSinkClass * klass)
{
  GstElementClass *ec = GST_ELEMENT_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = nmf_test_sink_finalize;
  gst_element_class_add_static_pad_template (ec, &test_sink_template);
  gst_element_class_set_static_metadata (ec, "nmf test sink", "Sink",
      "Drops everything", "gst-nmf developers");
}

static void
nmf_test_sink_init (NmfTestSink * self)
{
  self->sinkpad = gst_pad_new_from_static_template (&test_sink_template,
      "sink");
  gst_pad_set_chain_function (self->sinkpad, nmf_test_sink_chain);
  gst_pad_set_event_function (self->sinkpad, nmf_test_sink_event);
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);
  GST_OBJECT_FLAG_SET (self, GST_ELEMENT_FLAG_SINK);
}

/* ------------------------------------------------------------------------ */
/* Helpers */

/* algorithm=... for the elements make_sep() makes (NULL: the default) */
static const gchar *test_algorithm = NULL;

static GstElement *
make_sep (void)
{
  GstElement *el = nmf_test_element ("nmfseparate", NULL);
  if (test_algorithm) {
    fail_unless (nmf_test_has_property (el, "algorithm"));
    gst_util_set_object_arg (G_OBJECT (el), "algorithm", test_algorithm);
  }
  return el;
}

static void
reset_algorithm (void)
{
  test_algorithm = NULL;
}

/* TRUE when the element has algorithm=name (skips the test otherwise) */
static gboolean
use_algorithm (const gchar * name)
{
  GstElement *el = nmf_test_element ("nmfseparate", NULL);
  GParamSpec *ps = g_object_class_find_property (G_OBJECT_GET_CLASS (el),
      "algorithm");
  gboolean ok = FALSE;

  if (ps && G_IS_PARAM_SPEC_ENUM (ps)) {
    GEnumClass *ec = G_PARAM_SPEC_ENUM (ps)->enum_class;
    ok = g_enum_get_value_by_nick (ec, name) != NULL;
  }
  gst_object_unref (el);
  test_algorithm = ok ? name : NULL;
  if (!ok)
    GST_WARNING ("no algorithm=%s: skipped", name);
  return ok;
}

static void
collectors_init (Collector * c, guint n, const NmfTimeline * t,
    gboolean keep)
{
  for (guint i = 0; i < n; i++)
    collector_init (&c[i], t, keep);
}

static void
collectors_clear (Collector * c, guint n)
{
  for (guint i = 0; i < n; i++)
    collector_clear (&c[i]);
}

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
  GstElement *el = make_sep ();
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
  GstElement *el = make_sep ();
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
   * with an error naming the pad */
  g_object_set (el, "n-sources", 3, NULL);
  err = nmf_test_expect_start_error (el, &dbg);
  fail_unless (str_contains (dbg, "src_3"), "%s", dbg);
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
  GstElement *el = make_sep ();
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
  fail_unless (err == NULL, "parse of '%s': %s", desc, err ? err->message :
      "");
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

  nmf_fix_attach (&f, make_sep (), 1);
  nmf_fix_set_caps (&f, &mono, NULL);
  collector_init (&c, &mono, FALSE);
  nmf_fix_push (&f, &mono, x, 0, 5000, &z, FALSE, &c);
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

  nmf_fix_attach (&f, make_sep (), 2);
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
  GstElement *el = make_sep ();
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

  nmf_fix_attach (&f, make_sep (), 2);
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
  fail_unless_equals_int (gst_harness_push (f.h[0], nmf_test_buffer (&mono,
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

/* ------------------------------------------------------------------------ */
/* 3. Latency */

static void
check_latency (guint fft, guint hop, gint rate, const gchar * mode,
    guint ahead)
{
  NmfFix f;
  GstElement *el = make_sep ();
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
  nmf_fix_attach (&f, el, 2);
  gst_harness_set_upstream_latency (f.h[0], upstream);
  nmf_fix_set_caps (&f, &t, NULL);

  own = gst_util_uint64_scale_int_ceil ((strcmp (mode, "mask") ? fft : h)
      + ahead * h, GST_SECOND, rate);
  want = upstream + own;
  for (guint i = 0; i < 2; i++) {
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

/* ------------------------------------------------------------------------ */
/* 4. Ten minutes of contiguous, sample-aligned output */

GST_START_TEST (test_long_stream_timestamps)
{
  NmfFix f;
  const guint64 total = (guint64) RATE * 600;   /* 10 minutes */
  Collector c[2];
  float *chunk = g_new (float, 5000);
  guint64 pos = 0;
  guint32 seed = 12345;
  gint64 t_start = g_get_monotonic_time ();

  nmf_fix_attach (&f, make_sep (), 2);
  nmf_fix_set_caps (&f, &mono, NULL);
  collectors_init (c, 2, &mono, FALSE);

  /* the signal is made as it goes: 10 minutes would take 100 MB */
  while (pos < total) {
    guint64 n = 1 + nmf_test_lcg (&seed) % 4999;
    if (n > total - pos)
      n = total - pos;
    for (guint64 k = 0; k < n; k++) {
      guint64 i = pos + k;
      /* cheap deterministic signal: two square-ish tones and noise */
      chunk[k] = 0.3f * (((i / 50) & 1) ? 1.f : -1.f)
          + 0.2f * (((i / 37) % 3) == 0 ? 1.f : -0.5f)
          + 0.05f * ((nmf_test_lcg (&seed) & 0xffff) / 32768.f - 1.f);
    }
    fail_unless_equals_int (gst_harness_push (f.h[0], nmf_test_buffer (&mono,
                chunk, pos, n, FALSE)), GST_FLOW_OK);
    pos += n;
    for (guint i = 0; i < 2; i++)
      nmf_test_collect (f.h[i], &c[i]);
  }
  nmf_fix_finish (&f, c);
  for (guint i = 0; i < 2; i++) {
    fail_unless_equals_uint64 (c[i].n, total);
    GST_INFO ("pad %u: %u buffers", i, c[i].nbufs);
  }
  collectors_clear (c, 2);
  GST_INFO ("10 min of audio in %.1f s",
      (g_get_monotonic_time () - t_start) / 1e6);
  g_free (chunk);
  nmf_fix_teardown (&f);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* 5. Exact counts after EOS */

/* Pushes n_bufs buffers of the given sizes (cycled), EOS, and checks that
 * every pad gets exactly the same number of samples, contiguous. */
static void
check_counts (const guint * sizes, guint n_sizes, guint n_bufs,
    guint n_sources)
{
  NmfFix f;
  GstElement *el = make_sep ();
  const NmfTimeline t = { RATE, 1, GST_SECOND, 1000 };
  NmfSizes z = NMF_SIZES_OF (sizes, n_sizes);
  Collector c[MAX_PADS];
  guint64 total = 0;
  float *x;

  for (guint i = 0; i < n_bufs; i++)
    total += sizes[i % n_sizes];
  x = nmf_test_two_tones (total ? total : 1, 1, RATE);
  g_object_set (el, "n-sources", n_sources, NULL);
  nmf_fix_attach (&f, el, n_sources);
  nmf_fix_run (&f, &t, NULL, x, total, &z, FALSE, c);
  for (guint s = 0; s < n_sources; s++)
    if (total == 0)
      fail_unless_equals_int (gst_harness_buffers_received (f.h[s]), 0);
  collectors_clear (c, n_sources);
  g_free (x);
  nmf_fix_teardown (&f);
}

GST_START_TEST (test_counts_less_than_hop)
{
  const guint one[] = { 100 };
  const guint hop_minus[] = { HOP - 1 };
  check_counts (one, 1, 1, 2);
  check_counts (hop_minus, 1, 1, 2);
  check_counts (one, 1, 1, 1);
}

GST_END_TEST;

GST_START_TEST (test_counts_nothing)
{
  check_counts (NULL, 0, 0, 2);
}

GST_END_TEST;

/* EOS without even caps: EOS goes out on every pad, no buffer, no error */
GST_START_TEST (test_counts_eos_without_caps)
{
  NmfFix f;

  nmf_fix_attach (&f, make_sep (), 2);
  nmf_fix_finish_empty (&f);
  nmf_fix_teardown (&f);
}

GST_END_TEST;

GST_START_TEST (test_counts_mid_frame)
{
  const guint a[] = { 1000 };
  const guint b[] = { 777, 1500, 3, 2049 };
  const guint hop_exact[] = { HOP };
  const guint fft_exact[] = { FFT };
  check_counts (a, 1, 3, 2);    /* 3000: mid-frame */
  check_counts (b, 4, 9, 3);
  check_counts (hop_exact, 1, 1, 2);
  check_counts (fft_exact, 1, 1, 2);
  check_counts (fft_exact, 1, 3, 2);
}

GST_END_TEST;

GST_START_TEST (test_counts_one_sample_buffers)
{
  const guint one[] = { 1 };
  check_counts (one, 1, 5000, 2);
}

GST_END_TEST;

GST_START_TEST (test_counts_huge_buffer)
{
  const guint huge[] = { 1000000 };
  check_counts (huge, 1, 1, 2);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* 6. Sum of sources == input, sample by sample and timestamp by timestamp */

/* Pushes a two-tone signal through `el` (its settings made by the caller)
 * in random-sized buffers and checks every source pad: exactly as many
 * samples out as in, the PTS of each (the collector), the sources adding up
 * to the input, none of them silent.  caps_extra is appended to the input
 * caps; with caps_exact the output caps must equal them (read after each
 * pad's EOS: each source pad pushes from its own task).  Hands back source
 * 0's samples in *source0 (g_array_unref them) when source0 is not NULL. */
static void
check_sum_element_keep (GstElement * el, gint channels, guint n_sources,
    gsize total, GstClockTime base, const gchar * caps_extra,
    gboolean caps_exact, GArray ** source0)
{
  NmfFix f;
  Collector c[MAX_PADS];
  const NmfTimeline t = { RATE, channels, base, GST_BUFFER_OFFSET_NONE };
  NmfSizes z = NMF_SIZES (NMF_SIZES_RANDOM, 3001, 7);
  float *x = nmf_test_two_tones (total, channels, RATE);
  gchar *caps = nmf_test_caps_str (RATE, channels, caps_extra);
  GstCaps *in = gst_caps_from_string (caps);
  double worst = 0;

  g_free (caps);
  g_object_set (el, "n-sources", n_sources, NULL);
  /* timestamps: the collectors check output sample n has the PTS of input
   * sample n (base + n / rate) */
  nmf_fix_attach (&f, el, n_sources);
  nmf_fix_run (&f, &t, caps_extra, x, total, &z, TRUE, c);
  for (guint s = 0; s < n_sources && caps_exact; s++) {
    gchar *name = g_strdup_printf ("src_%u", s);
    GstCaps *out = nmf_fix_caps (&f, name);
    fail_unless (out != NULL && gst_caps_is_equal (out, in),
        "%s caps %" GST_PTR_FORMAT, name, out);
    gst_caps_unref (out);
    g_free (name);
  }
  for (gsize i = 0; i < total * channels; i++) {
    double sum = 0;
    for (guint s = 0; s < n_sources; s++)
      sum += g_array_index (c[s].data, float, i);
    double err = fabs (sum - x[i]);
    if (err > worst)
      worst = err;
    if (err > 1e-5)
      fail ("sample %" G_GSIZE_FORMAT " ch %" G_GSIZE_FORMAT
          ": sum of sources %.8f != input %.8f", i / channels, i % channels,
          sum, x[i]);
  }
  GST_INFO ("channels %d sources %u: worst |sum - input| %g", channels,
      n_sources, worst);
  /* and the sources are not trivially the input and silence */
  for (guint s = 0; s < MIN (n_sources, 2); s++) {
    double e = 0;
    for (gsize i = 0; i < total * channels; i++)
      e += (double) g_array_index (c[s].data, float, i) *
          g_array_index (c[s].data, float, i);
    fail_unless (e > 0, "source %u silent", s);
  }
  if (source0)
    *source0 = g_array_copy (c[0].data);
  collectors_clear (c, n_sources);
  gst_caps_unref (in);
  g_free (x);
  nmf_fix_teardown (&f);
}

static void
check_sum_element (GstElement * el, gint channels, guint n_sources,
    gsize total, GstClockTime base, const gchar * caps_extra,
    gboolean caps_exact)
{
  check_sum_element_keep (el, channels, n_sources, total, base, caps_extra,
      caps_exact, NULL);
}

static void
check_sum (gint channels, guint n_sources, gsize total, GstClockTime base,
    guint fft, guint hop)
{
  GstElement *el = make_sep ();

  g_object_set (el, "fft-size", fft, "hop-size", hop, NULL);
  check_sum_element (el, channels, n_sources, total, base, NULL, FALSE);
}

GST_START_TEST (test_sum_mono)
{
  check_sum (1, 2, 2 * RATE, 0, FFT, HOP);
}

GST_END_TEST;

GST_START_TEST (test_sum_stereo)
{
  check_sum (2, 2, 2 * RATE, 3 * GST_SECOND + 17, FFT, HOP);
}

GST_END_TEST;

GST_START_TEST (test_sum_other_configs)
{
  check_sum (2, 3, RATE, GST_SECOND, 1024, 256);
  check_sum (1, 1, RATE / 2, 0, 512, 128);
  check_sum (1, 2, RATE / 2, 0, 1000, 300);
  check_sum (1, 2, RATE / 2, 0, 1000, 0);       /* hop-size 0: 250 */
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* 7. Flush and discont */

GST_START_TEST (test_flush)
{
  NmfFix f;
  const guint64 n1 = 10000, n2 = 7000;
  const NmfTimeline t2 = { RATE, 1, 5 * GST_SECOND + 12345, 5 * RATE };
  NmfSizes z1 = NMF_SIZES (NMF_SIZES_FIXED, 1000, 0);
  NmfSizes z2 = NMF_SIZES (NMF_SIZES_FIXED, 700, 0);
  float *x = nmf_test_two_tones (n1 + n2, 1, RATE);
  Collector c[2];
  GstSegment seg;

  nmf_fix_attach (&f, make_sep (), 2);
  nmf_fix_set_caps (&f, &mono, NULL);
  collectors_init (c, 2, &mono, FALSE);
  nmf_fix_push (&f, &mono, x, 0, n1, &z1, FALSE, NULL);
  nmf_fix_drain (&f);
  for (guint s = 0; s < 2; s++) {
    nmf_test_collect (f.h[s], &c[s]);
    /* the element holds at most fft-size samples */
    fail_unless (c[s].n <= n1);
    fail_unless (c[s].n + FFT >= n1, "only %" G_GUINT64_FORMAT " out",
        c[s].n);
  }

  fail_unless (gst_harness_push_event (f.h[0], gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (f.h[0],
          gst_event_new_flush_stop (TRUE)));
  gst_segment_init (&seg, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (f.h[0], gst_event_new_segment (&seg)));

  /* the held samples are gone: what comes now starts at the new PTS */
  collectors_init (c, 2, &t2, FALSE);
  nmf_fix_push (&f, &t2, x + n1, 0, n2, &z2, FALSE, NULL);
  fail_unless (gst_harness_push_event (f.h[0], gst_event_new_eos ()));
  for (guint s = 0; s < 2; s++) {
    GstEvent *ev;
    gboolean saw_start = FALSE, saw_stop = FALSE;
    GstBuffer *b;

    /* flush events went through to every pad */
    while ((ev = gst_harness_pull_event (f.h[s]))) {
      GstEventType type = GST_EVENT_TYPE (ev);
      gst_event_unref (ev);
      if (type == GST_EVENT_FLUSH_START)
        saw_start = TRUE;
      else if (type == GST_EVENT_FLUSH_STOP)
        saw_stop = TRUE;
      else if (type == GST_EVENT_EOS)
        break;
    }
    fail_unless (saw_start && saw_stop);
    b = gst_harness_try_pull (f.h[s]);
    fail_unless (b != NULL);
    fail_unless (GST_BUFFER_IS_DISCONT (b));
    collector_add (&c[s], b);
    nmf_test_collect (f.h[s], &c[s]);
    fail_unless_equals_uint64 (c[s].n, n2);
  }
  collectors_clear (c, 2);
  g_free (x);
  nmf_fix_teardown (&f);
}

GST_END_TEST;

/* Checks that bufs hold exactly the stream of `n` samples on t from *i on,
 * only the first one DISCONT (if first_discont). */
static void
check_stream_part (GPtrArray * bufs, guint * i, const NmfTimeline * t,
    guint64 n, gboolean first_discont)
{
  Collector c;

  collector_init (&c, t, FALSE);
  fail_unless (*i < bufs->len, "nothing of the stream at %" GST_TIME_FORMAT,
      GST_TIME_ARGS (t->base));
  while (*i < bufs->len && c.n < n) {
    GstBuffer *buf = g_ptr_array_index (bufs, (*i)++);
    fail_unless_equals_int (GST_BUFFER_IS_DISCONT (buf), c.n == 0
        && first_discont);
    collector_add (&c, gst_buffer_ref (buf));
  }
  fail_unless_equals_uint64 (c.n, n);
}

/* kind: 0 = DISCONT flag + PTS jump, 1 = PTS jump only, 2 = DISCONT flag
 * with contiguous PTS */
static void
check_discont (gint kind)
{
  NmfFix f;
  const guint64 n1 = 7777, n2 = 5555;
  const NmfTimeline t2 = { RATE, 1, kind == 2 ? nmf_test_time (n1, RATE) :
    10 * GST_SECOND, kind == 2 ? n1 : 10 * RATE
  };
  NmfSizes z1 = NMF_SIZES (NMF_SIZES_FIXED, 1111, 0);
  NmfSizes z2 = NMF_SIZES (NMF_SIZES_FIXED, 999, 0);
  float *x = nmf_test_two_tones (n1 + n2, 1, RATE);

  nmf_fix_attach (&f, make_sep (), 2);
  nmf_fix_set_caps (&f, &mono, NULL);
  nmf_fix_push (&f, &mono, x, 0, n1, &z1, FALSE, NULL);
  nmf_fix_push (&f, &t2, x + n1, 0, n2, &z2, kind != 1, NULL);
  nmf_fix_finish (&f, NULL);

  for (guint s = 0; s < 2; s++) {
    GPtrArray *bufs = nmf_test_pull_all (f.h[s]);
    guint i = 0, j;
    guint64 before = 0;

    /* stream 1: drained exactly before stream 2 starts, i.e. the first
     * DISCONT buffer after the start comes after exactly n1 samples */
    for (j = 0; j < bufs->len; j++) {
      GstBuffer *buf = g_ptr_array_index (bufs, j);
      if (j > 0 && GST_BUFFER_IS_DISCONT (buf))
        break;
      before += gst_buffer_get_size (buf) / sizeof (float);
    }
    fail_unless (j < bufs->len && before == n1, "%s: the element did not "
        "start a new stream after exactly %" G_GUINT64_FORMAT " samples "
        "(%s after %" G_GUINT64_FORMAT ")", kind == 0 ? "DISCONT + PTS jump"
        : kind == 1 ? "PTS jump of 10 s without DISCONT flag" :
        "DISCONT flag", n1, j < bufs->len ? "new stream" : "no new stream",
        before);
    check_stream_part (bufs, &i, &mono, n1, TRUE);
    check_stream_part (bufs, &i, &t2, n2, TRUE);
    fail_unless_equals_int (i, bufs->len);
    g_ptr_array_free (bufs, TRUE);
  }
  g_free (x);
  nmf_fix_teardown (&f);
}

GST_START_TEST (test_discont_flag_and_jump)
{
  check_discont (0);
}

GST_END_TEST;

GST_START_TEST (test_discont_pts_jump)
{
  check_discont (1);
}

GST_END_TEST;

GST_START_TEST (test_discont_flag_only)
{
  check_discont (2);
}

GST_END_TEST;

/* A caps change drains the old stream, then the new one starts. */
GST_START_TEST (test_caps_change_drains)
{
  NmfFix f;
  const guint64 n1 = 3333, n2 = 4444;
  const NmfTimeline t2 = { 48000, 1, nmf_test_time (n1, RATE),
    GST_BUFFER_OFFSET_NONE
  };
  NmfSizes z1 = NMF_SIZES (NMF_SIZES_FIXED, 0, 0);
  NmfSizes z2 = NMF_SIZES (NMF_SIZES_FIXED, 0, 0);
  float *x = nmf_test_two_tones (n1 + n2, 1, 48000);

  nmf_fix_attach (&f, make_sep (), 2);
  nmf_fix_set_caps (&f, &mono, NULL);
  nmf_fix_push (&f, &mono, x, 0, n1, &z1, FALSE, NULL);
  nmf_fix_set_caps (&f, &t2, NULL);
  nmf_fix_push (&f, &t2, x + n1, 0, n2, &z2, FALSE, NULL);
  nmf_fix_finish (&f, NULL);
  for (guint s = 0; s < 2; s++) {
    GPtrArray *bufs = nmf_test_pull_all (f.h[s]);
    GstCaps *caps = nmf_fix_caps (&f, s ? "src_1" : "src_0");
    GstStructure *st = gst_caps_get_structure (caps, 0);
    guint i = 0;
    gint rate;

    check_stream_part (bufs, &i, &mono, n1, TRUE);
    check_stream_part (bufs, &i, &t2, n2, TRUE);
    g_ptr_array_free (bufs, TRUE);
    fail_unless (gst_structure_get_int (st, "rate", &rate));
    fail_unless_equals_int (rate, 48000);
    gst_caps_unref (caps);
  }
  g_free (x);
  nmf_fix_teardown (&f);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* 8. NaN / Inf input */

GST_START_TEST (test_non_finite_input)
{
  NmfFix f;
  const gsize total = 40000;
  const NmfTimeline t = { RATE, 2, 0, 0 };
  NmfSizes before = NMF_SIZES (NMF_SIZES_FIXED, 1234, 0);
  NmfSizes whole = NMF_SIZES (NMF_SIZES_FIXED, 0, 0);
  NmfSizes after = NMF_SIZES (NMF_SIZES_FIXED, 2345, 0);
  float *x = nmf_test_two_tones (total, 2, RATE);
  float *clean;
  Collector c[2];

  /* scattered bad samples, a run of them, and a whole buffer of NaN */
  for (gsize i = 0; i < total * 2; i += 97)
    x[i] = NAN;
  for (gsize i = 5; i < total * 2; i += 1013)
    x[i] = INFINITY;
  for (gsize i = 11; i < total * 2; i += 1543)
    x[i] = -INFINITY;
  for (gsize i = 20000; i < 20600; i++)
    x[i] = (i & 1) ? NAN : -INFINITY;
  for (gsize i = 30000 * 2; i < 31000 * 2; i++)
    x[i] = NAN;
  clean = g_memdup2 (x, total * 2 * sizeof (float));
  for (gsize i = 0; i < total * 2; i++)
    if (!isfinite (clean[i]))
      clean[i] = 0.f;

  nmf_fix_attach (&f, make_sep (), 2);
  nmf_fix_set_caps (&f, &t, NULL);
  collectors_init (c, 2, &t, TRUE);
  /* one buffer is exactly [30000, 31000): all NaN */
  nmf_fix_push (&f, &t, x, 0, 30000, &before, FALSE, c);
  nmf_fix_push (&f, &t, x, 30000, 1000, &whole, FALSE, c);
  nmf_fix_push (&f, &t, x, 31000, total - 31000, &after, FALSE, c);
  nmf_fix_finish (&f, c);       /* the collectors check every sample is
                                 * finite */
  for (guint s = 0; s < 2; s++)
    fail_unless_equals_uint64 (c[s].n, total);
  for (gsize i = 0; i < total * 2; i++) {
    double sum = (double) g_array_index (c[0].data, float, i)
        + g_array_index (c[1].data, float, i);
    if (fabs (sum - clean[i]) > 1e-5)
      fail ("sample %" G_GSIZE_FORMAT ": sum %.8f != cleaned input %.8f",
          i / 2, sum, clean[i]);
  }
  collectors_clear (c, 2);
  g_free (clean);
  g_free (x);
  nmf_fix_teardown (&f);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* 9. Mask output */

static void
check_masks (gsize total, guint n_sources, GstClockTime base, gint channels)
{
  NmfFix f;
  GstElement *el = make_sep ();
  const NmfTimeline t = { RATE, channels, base, 0 };
  NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, 1777, 0);
  float *x = nmf_test_two_tones (total ? total : 1, channels, RATE);
  GPtrArray *bufs[MAX_PADS];
  const guint64 want = (total + HOP - 1) / HOP;

  g_object_set (el, "n-sources", n_sources, NULL);
  gst_util_set_object_arg (G_OBJECT (el), "output-mode", "mask");
  nmf_fix_attach (&f, el, n_sources);
  nmf_fix_set_caps (&f, &t, NULL);
  nmf_fix_push (&f, &t, x, 0, total, &z, FALSE, NULL);
  nmf_fix_finish (&f, NULL);
  for (guint s = 0; s < n_sources; s++) {
    bufs[s] = nmf_test_pull_all (f.h[s]);
    fail_unless_equals_uint64 (bufs[s]->len, want);
  }
  for (guint64 j = 0; j < want; j++) {
    GstMapInfo maps[MAX_PADS];
    GstClockTime t0 = base + nmf_test_time (j * HOP, RATE);
    GstClockTime t1 = base + nmf_test_time (MIN ((j + 1) * HOP, total), RATE);
    for (guint s = 0; s < n_sources; s++) {
      GstBuffer *b = g_ptr_array_index (bufs[s], j);
      fail_unless_equals_uint64 (gst_buffer_get_size (b), BINS * 4);
      fail_unless_equals_uint64 (GST_BUFFER_PTS (b), t0);
      fail_unless_equals_uint64 (GST_BUFFER_DURATION (b), t1 - t0);
      fail_unless (gst_buffer_map (b, &maps[s], GST_MAP_READ));
    }
    for (guint k = 0; k < BINS; k++) {
      double sum = 0;
      for (guint s = 0; s < n_sources; s++) {
        float v = ((const float *) maps[s].data)[k];
        if (!(v >= 0.f && v <= 1.f))
          fail ("mask %u frame %" G_GUINT64_FORMAT " bin %u = %g", s, j, k,
              v);
        sum += v;
      }
      if (fabs (sum - 1.0) > 1e-5)
        fail ("frame %" G_GUINT64_FORMAT " bin %u: masks sum to %.8f", j, k,
            sum);
    }
    for (guint s = 0; s < n_sources; s++)
      gst_buffer_unmap (g_ptr_array_index (bufs[s], j), &maps[s]);
  }
  for (guint s = 0; s < n_sources; s++)
    g_ptr_array_free (bufs[s], TRUE);
  g_free (x);
  nmf_fix_teardown (&f);
}

GST_START_TEST (test_mask_output)
{
  check_masks (10000, 2, 0, 1);         /* ceil: 20, the last one short */
  check_masks (HOP * 10, 2, 0, 1);      /* exact multiple: 10 */
  check_masks (100, 2, 0, 1);   /* less than a hop: 1 */
  check_masks (0, 2, 0, 1);     /* nothing: 0 */
  check_masks (44100, 3, GST_SECOND, 2);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* 10. Invalid settings */

/* The settings props are refused when the element starts, with a library
 * error whose message names prop_name; valid again, it starts. */
static void
check_invalid (const gchar * prop_name, const gchar * props)
{
  GstElement *el = make_sep ();
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

GST_START_TEST (test_settings_ignored_in_playing)
{
  NmfFix f;
  NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, 0, 0);
  float *x = nmf_test_two_tones (3000, 1, RATE);
  Collector c[2];
  guint fft, hop, n, comp, win, it, exp_;
  guint64 seed;
  gint mode;

  nmf_fix_attach (&f, make_sep (), 2);
  gst_harness_set_upstream_latency (f.h[0], 0);
  nmf_fix_set_caps (&f, &mono, NULL);
  fail_unless_equals_int (GST_STATE (f.el), GST_STATE_PLAYING);

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
  collectors_init (c, 2, &mono, FALSE);
  nmf_fix_push (&f, &mono, x, 0, 3000, &z, FALSE, NULL);
  nmf_fix_finish (&f, c);
  for (guint s = 0; s < 2; s++)
    fail_unless_equals_uint64 (c[s].n, 3000);
  g_free (x);
  nmf_fix_teardown (&f);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* 11. Silence */

/* Pushes `total` samples of x on t through el in random-sized buffers and
 * checks that every one of the two source pads gives exactly that many
 * samples, all of them zero. */
static void
check_all_silent (GstElement * el, const NmfTimeline * t, const float *x,
    gsize total, guint max_buf)
{
  NmfFix f;
  NmfSizes z = NMF_SIZES (NMF_SIZES_RANDOM, max_buf, 99);
  Collector c[2];

  nmf_fix_attach (&f, el, 2);
  nmf_fix_run (&f, t, NULL, x, total, &z, TRUE, c);
  for (guint s = 0; s < 2; s++) {
    for (gsize i = 0; i < total * t->channels; i++)
      if (g_array_index (c[s].data, float, i) != 0.0f)
        fail ("pad %u sample %" G_GSIZE_FORMAT " = %g, not 0", s,
            i / t->channels, g_array_index (c[s].data, float, i));
  }
  collectors_clear (c, 2);
  nmf_fix_teardown (&f);
}

GST_START_TEST (test_silence)
{
  const NmfTimeline t = { RATE, 2, 0, 0 };
  float *zeros = g_new0 (float, 3 * RATE * 2);

  check_all_silent (make_sep (), &t, zeros, 3 * RATE, 4999);
  g_free (zeros);
}

GST_END_TEST;

/* A GAP is separated as silence of its duration. */
GST_START_TEST (test_gap_is_silence)
{
  NmfFix f;
  Collector c[2];
  const NmfTimeline t = { RATE, 1, 2 * GST_SECOND, GST_BUFFER_OFFSET_NONE };

  nmf_fix_attach (&f, make_sep (), 2);
  nmf_fix_set_caps (&f, &t, NULL);
  collectors_init (c, 2, &t, TRUE);
  fail_unless (gst_harness_push_event (f.h[0], gst_event_new_gap (t.base,
              100 * GST_MSECOND)));
  nmf_fix_finish (&f, c);
  for (guint s = 0; s < 2; s++) {
    fail_unless_equals_uint64 (c[s].n, 4410);
    for (guint i = 0; i < 4410; i++)
      fail_unless (g_array_index (c[s].data, float, i) == 0.0f);
  }
  collectors_clear (c, 2);
  nmf_fix_teardown (&f);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* More: multichannel, untimestamped input, flush with a blocked branch */

/* bands-per-octave: the model on a log-frequency axis with grouped
 * components, stereo: the same contract (exact count, the sources add up
 * to the input) */
GST_START_TEST (test_sum_bands)
{
  GstElement *el = make_sep ();
  guint bands;

  g_object_set (el, "bands-per-octave", 24, "components", 8, NULL);
  g_object_get (el, "bands-per-octave", &bands, NULL);
  fail_unless_equals_int (bands, 24);
  check_sum_element (el, 2, 2, RATE * 2 + 333, 0, NULL, FALSE);
}

GST_END_TEST;

/* With look-ahead (longer than the stream, too): exactly as many samples
 * out as in, with their timestamps, adding up to the input. */
GST_START_TEST (test_sum_lookahead)
{
  const guint ahead[] = { 43, 516 };

  for (guint k = 0; k < G_N_ELEMENTS (ahead); k++) {
    GstElement *el = make_sep ();
    g_object_set (el, "lookahead-frames", ahead[k], "components", 8,
        "bands-per-octave", 24, NULL);
    check_sum_element (el, 2, 2, RATE * 2 + 333, 0, NULL, FALSE);
  }
}

GST_END_TEST;

/* Source 0 of a mono two-tone stream through nmfseparate with props. */
static GArray *
source0_with (const gchar * props, gsize total)
{
  GstElement *el = make_sep ();
  GArray *out;

  nmf_test_set_props (el, props);
  check_sum_element_keep (el, 1, 2, total, 0, NULL, FALSE, &out);
  fail_unless_equals_int (out->len, total);
  return out;
}

static gboolean
same_samples (GArray * a, GArray * b)
{
  return a->len == b->len && memcmp (a->data, b->data,
      a->len * sizeof (float)) == 0;
}

/* profile=file is exactly its documented settings, for the whole stream
 * (the live-tunable iterations and mask-exponent too), profile=live the
 * same without look-ahead, and the two differ; all add up to the input with
 * exact counts.  components=0 set explicitly means one per source, whatever
 * the profile. */
GST_START_TEST (test_profile_file_settings)
{
  const gsize total = RATE * 8 + 333;
  GArray *file = source0_with ("profile=file", total);
  GArray *spelled = source0_with ("profile=live components=20 "
      "bands-per-octave=24 iterations=4 lookahead-frames=516 mask-exponent=1",
      total);
  GArray *live = source0_with ("profile=live", total);
  GArray *causal_file = source0_with ("profile=file lookahead-frames=0",
      total);
  GArray *two = source0_with ("profile=live components=0", total);
  GArray *two_spelled = source0_with ("profile=live components=2", total);

  fail_unless (same_samples (file, spelled),
      "profile=file is not its documented settings");
  fail_unless (same_samples (live, causal_file),
      "profile=live is not the file settings without look-ahead");
  fail_unless (!same_samples (file, live),
      "profile=file and profile=live gave the same output");
  fail_unless (same_samples (two, two_spelled),
      "components=0 set under a profile is not one per source");
  g_array_unref (file);
  g_array_unref (spelled);
  g_array_unref (live);
  g_array_unref (causal_file);
  g_array_unref (two);
  g_array_unref (two_spelled);
}

GST_END_TEST;

/* With a dictionary no profile applies: the property defaults stay in
 * force for the whole stream (the live-tunable iterations and mask-exponent
 * too), whatever the profile. */
GST_START_TEST (test_profile_not_with_dictionaries)
{
  const gsize total = RATE * 6 + 77;
  const size_t bins = 1025, templates = 3;
  double *dict = g_new (double, bins * templates);
  gchar *path = NULL, *props;
  GArray *out[3];
  gint fd;

  /* three smooth positive templates, one row per frequency bin */
  for (size_t f = 0; f < bins; f++)
    for (size_t k = 0; k < templates; k++)
      dict[f * templates + k] = 1e-3 + exp (-0.5 * pow ((f - 10.0 * (k + 1))
              / 3.0, 2.0));
  fd = g_file_open_tmp ("nmf-dict-XXXXXX.npy", &path, NULL);
  fail_unless (fd >= 0);
  g_close (fd, NULL);
  fail_unless (nmf_npy_write (path, dict, bins, templates, NULL, 0) == NMF_OK);

  for (guint i = 0; i < 3; i++) {
    props = g_strdup_printf ("dictionaries=0=%s profile=%s%s", path,
        i == 1 ? "file" : "live", i == 2 ? /* the property defaults */
        " iterations=15 mask-exponent=2 bands-per-octave=0 "
        "lookahead-frames=0" : "");
    out[i] = source0_with (props, total);
    g_free (props);
  }
  for (guint i = 1; i < 3; i++)
    fail_unless (same_samples (out[0], out[i]),
        "with a dictionary, run %u differs from profile=live", i);
  for (guint i = 0; i < 3; i++)
    g_array_unref (out[i]);
  g_unlink (path);
  g_free (path);
  g_free (dict);
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
  GstElement *el = make_sep ();
  GstClockTime got;
  NmfFix f;

  nmf_test_set_props (el, props);
  nmf_fix_attach (&f, el, 2);
  gst_pad_add_probe (f.h[0]->srcpad, GST_PAD_PROBE_TYPE_QUERY_UPSTREAM,
      answer_latency, GINT_TO_POINTER (live), NULL);
  nmf_fix_set_caps (&f, &mono, NULL);
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

/* More than two channels, unpositioned (channel-mask=0): the output caps
 * are exactly the input's. */
GST_START_TEST (test_sum_multichannel)
{
  const gint channels[] = { 4, 8 };

  for (guint k = 0; k < G_N_ELEMENTS (channels); k++)
    check_sum_element (make_sep (), channels[k], 2, RATE / 2, 0,
        ", channel-mask=(bitmask)0x0", TRUE);
}

GST_END_TEST;

/* Buffers without timestamps: the output starts at the segment start and
 * runs on sample by sample; a DISCONT buffer among them drains the first
 * stream and the second one continues where it ended. */
GST_START_TEST (test_untimestamped)
{
  NmfFix f;
  const guint64 n1 = 6001, n2 = 4321;
  const NmfTimeline none = { RATE, 1, GST_CLOCK_TIME_NONE,
    GST_BUFFER_OFFSET_NONE
  };
  const NmfTimeline out = { RATE, 1, 2 * GST_SECOND, GST_BUFFER_OFFSET_NONE };
  NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, 1000, 0);
  float *x = nmf_test_two_tones (n1 + n2, 1, RATE);
  GstSegment seg;

  nmf_fix_attach (&f, make_sep (), 2);
  nmf_fix_set_caps (&f, &none, NULL);
  gst_segment_init (&seg, GST_FORMAT_TIME);
  seg.start = seg.time = seg.position = out.base;
  fail_unless (gst_harness_push_event (f.h[0], gst_event_new_segment (&seg)));
  nmf_fix_push (&f, &none, x, 0, n1, &z, FALSE, NULL);
  nmf_fix_push (&f, &none, x, n1, n2, &z, TRUE, NULL);
  nmf_fix_finish (&f, NULL);
  for (guint s = 0; s < 2; s++) {
    GPtrArray *bufs = nmf_test_pull_all (f.h[s]);
    Collector c;
    guint i = 0;

    collector_init (&c, &out, FALSE);
    while (i < bufs->len && c.n < n1)
      collector_add (&c, gst_buffer_ref (g_ptr_array_index (bufs, i++)));
    fail_unless_equals_uint64 (c.n, n1);
    fail_unless (i < bufs->len);
    fail_unless (GST_BUFFER_IS_DISCONT (g_ptr_array_index (bufs, i)));
    /* the new stream goes on where the last one ended, on the same
     * timeline: sample n1 + k has the timestamp start + (n1 + k) / rate */
    for (; i < bufs->len; i++)
      collector_add (&c, gst_buffer_ref (g_ptr_array_index (bufs, i)));
    fail_unless_equals_uint64 (c.n, n1 + n2);
    g_ptr_array_free (bufs, TRUE);
  }
  g_free (x);
  nmf_fix_teardown (&f);
}

GST_END_TEST;

typedef struct
{
  GstHarness *h;
  const float *x;
  guint n_bufs, pushed;
  GstFlowReturn last;
  GMutex lock;
  GCond cond;
  gboolean done;
} Pusher;

static gpointer
pusher_thread (gpointer data)
{
  Pusher *p = data;
  GstFlowReturn ret = GST_FLOW_OK;

  for (guint i = 0; i < p->n_bufs && ret == GST_FLOW_OK; i++) {
    ret = gst_harness_push (p->h, nmf_test_buffer (&mono, p->x + i * HOP,
            (guint64) i * HOP, HOP, FALSE));
    g_mutex_lock (&p->lock);
    p->pushed++;
    g_mutex_unlock (&p->lock);
  }
  g_mutex_lock (&p->lock);
  p->last = ret;
  p->done = TRUE;
  g_cond_broadcast (&p->cond);
  g_mutex_unlock (&p->lock);
  return NULL;
}

/* src_1 goes to a sink that blocks (like one waiting for preroll): once
 * its queue is full the streaming thread waits; a flush must release
 * everything, and the stream must start afresh after it. */
GST_START_TEST (test_flush_blocked_branch)
{
  NmfFix f;
  GstElement *el = make_sep ();
  NmfTestSink *sink = g_object_new (nmf_test_sink_get_type (), NULL);
  const gchar *src0[] = { "src_0" };
  const NmfTimeline t2 = { RATE, 1, 7 * GST_SECOND, 0 };
  NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, 1000, 0);
  GstPad *src1;
  float *x = nmf_test_two_tones (400 * HOP, 1, RATE);
  Pusher p = { 0 };
  GThread *thread;
  gint64 deadline;
  GstSegment seg;
  Collector c;

  gst_object_ref_sink (sink);
  sink->block = TRUE;
  src1 = gst_element_request_pad_simple (el, "src_1");
  fail_unless_equals_int (gst_pad_link (src1, sink->sinkpad),
      GST_PAD_LINK_OK);
  gst_pad_set_active (sink->sinkpad, TRUE);
  nmf_fix_attach_pads (&f, el, src0, 1);
  nmf_fix_set_caps (&f, &mono, NULL);

  p.h = f.h[0];
  p.x = x;
  p.n_bufs = 400;
  g_mutex_init (&p.lock);
  g_cond_init (&p.cond);
  thread = g_thread_new ("pusher", pusher_thread, &p);

  /* the pusher gets stuck: src_1 holds 64 items at most */
  g_usleep (G_USEC_PER_SEC / 2);
  g_mutex_lock (&p.lock);
  fail_if (p.done, "all pushed although src_1 is blocked");
  g_mutex_unlock (&p.lock);
  g_mutex_lock (&sink->lock);
  fail_unless (sink->blocked);
  g_mutex_unlock (&sink->lock);

  /* flush from this thread, as a seek would */
  fail_unless (gst_harness_push_event (f.h[0],
          gst_event_new_flush_start ()));
  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  g_mutex_lock (&p.lock);
  while (!p.done)
    if (!g_cond_wait_until (&p.cond, &p.lock, deadline))
      break;
  fail_unless (p.done, "streaming thread still blocked after flush-start");
  fail_unless_equals_int (p.last, GST_FLOW_FLUSHING);
  g_mutex_unlock (&p.lock);
  g_thread_join (thread);

  g_mutex_lock (&sink->lock);
  sink->block = FALSE;
  g_cond_broadcast (&sink->cond);
  g_mutex_unlock (&sink->lock);
  fail_unless (gst_harness_push_event (f.h[0],
          gst_event_new_flush_stop (TRUE)));
  gst_segment_init (&seg, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (f.h[0], gst_event_new_segment (&seg)));

  /* drop what src_0 got before the flush */
  nmf_test_collect (f.h[0], NULL);
  collector_init (&c, &t2, FALSE);
  nmf_fix_push (&f, &t2, x, 0, 10000, &z, FALSE, NULL);
  nmf_fix_finish (&f, &c);
  fail_unless_equals_uint64 (c.n, 10000);

  nmf_fix_teardown (&f);
  gst_pad_set_active (sink->sinkpad, FALSE);
  gst_object_unref (src1);
  gst_object_unref (sink);
  g_mutex_clear (&p.lock);
  g_cond_clear (&p.cond);
  g_free (x);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* The same contract with algorithm=volmin (when the element has it) */

GST_START_TEST (test_volmin_sum)
{
  if (!use_algorithm ("volmin"))
    return;
  check_sum (1, 2, 2 * RATE, 0, FFT, HOP);
  check_sum (2, 2, RATE, 3 * GST_SECOND + 17, FFT, HOP);
  check_sum (2, 3, RATE, GST_SECOND, 1024, 256);
  test_algorithm = NULL;
}

GST_END_TEST;

GST_START_TEST (test_volmin_counts)
{
  const guint one[] = { 1 };
  const guint mixed[] = { 777, 1500, 3, 2049 };
  const guint huge[] = { 300000 };

  if (!use_algorithm ("volmin"))
    return;
  check_counts (one, 1, 3000, 2);
  check_counts (mixed, 4, 9, 3);
  check_counts (huge, 1, 1, 2);
  check_counts (NULL, 0, 0, 2);
  test_algorithm = NULL;
}

GST_END_TEST;

GST_START_TEST (test_volmin_masks)
{
  if (!use_algorithm ("volmin"))
    return;
  check_masks (10000, 2, 0, 1);
  check_masks (44100, 3, GST_SECOND, 2);
  test_algorithm = NULL;
}

GST_END_TEST;

GST_START_TEST (test_volmin_silence_and_nan)
{
  const gsize total = RATE;
  float *x = g_new0 (float, total);

  if (!use_algorithm ("volmin"))
    return;
  /* silence, then NaN/Inf: all of it is silence for the element */
  for (gsize i = total / 2; i < total; i++)
    x[i] = (i % 3) ? NAN : ((i & 1) ? INFINITY : -INFINITY);
  check_all_silent (make_sep (), &mono, x, total, 3333);
  g_free (x);
  test_algorithm = NULL;
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */

static Suite *
nmfseparate_suite (void)
{
  static const NmfTest tests[] = {
    NMF_TEST ("pads", test_pads_default),
    NMF_TEST ("pads", test_pads_n_sources),
    NMF_TEST ("pads", test_pads_link_by_name),
    NMF_TEST ("pads", test_pads_parse_launch),
    NMF_TEST ("pads", test_pads_one_unlinked),
    NMF_TEST ("caps", test_caps_audio),
    NMF_TEST ("caps", test_caps_mask),
    NMF_TEST ("caps", test_caps_refused),
    NMF_TEST ("latency", test_latency),
    NMF_TEST ("latency", test_profile_auto),
    NMF_TEST ("timestamps", test_long_stream_timestamps),
    NMF_TEST ("counts", test_counts_less_than_hop),
    NMF_TEST ("counts", test_counts_nothing),
    NMF_TEST ("counts", test_counts_eos_without_caps),
    NMF_TEST ("counts", test_counts_mid_frame),
    NMF_TEST ("counts", test_counts_one_sample_buffers),
    NMF_TEST ("counts", test_counts_huge_buffer),
    NMF_TEST ("sum", test_sum_mono),
    NMF_TEST ("sum", test_sum_stereo),
    NMF_TEST ("sum", test_sum_other_configs),
    NMF_TEST ("sum", test_sum_multichannel),
    NMF_TEST ("sum", test_sum_bands),
    NMF_TEST ("sum", test_sum_lookahead),
    NMF_TEST ("sum", test_profile_file_settings),
    NMF_TEST ("sum", test_profile_not_with_dictionaries),
    NMF_TEST ("flush_discont", test_flush),
    NMF_TEST ("flush_discont", test_discont_flag_and_jump),
    NMF_TEST ("flush_discont", test_discont_pts_jump),
    NMF_TEST ("flush_discont", test_discont_flag_only),
    NMF_TEST ("flush_discont", test_caps_change_drains),
    NMF_TEST ("flush_discont", test_untimestamped),
    NMF_TEST ("flush_discont", test_flush_blocked_branch),
    NMF_TEST ("bad_input", test_non_finite_input),
    NMF_TEST ("mask", test_mask_output),
    NMF_TEST ("settings", test_invalid_settings),
    NMF_TEST ("settings", test_settings_ignored_in_playing),
    NMF_TEST_WITH_TEARDOWN ("volmin", test_volmin_sum, reset_algorithm),
    NMF_TEST ("volmin", test_volmin_counts),
    NMF_TEST ("volmin", test_volmin_masks),
    NMF_TEST ("volmin", test_volmin_silence_and_nan),
    NMF_TEST ("silence", test_silence),
    NMF_TEST ("silence", test_gap_is_silence),
  };

  gst_element_register (NULL, "nmftestsink", GST_RANK_NONE,
      nmf_test_sink_get_type ());
  return nmf_test_suite ("nmfseparate", tests, G_N_ELEMENTS (tests), 0);
}

GST_CHECK_MAIN (nmfseparate);
