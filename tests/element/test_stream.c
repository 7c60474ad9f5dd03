/* GStreamer
 * Copyright (C) 2026 gst-nmf developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* GstHarness tests of nmfseparate's stream contract (its SECTION doc
 * comment): sample-exact timestamps over ten minutes, exactly as many
 * samples out as in, the sources adding up to the input (mono, stereo, up
 * to 8 channels, the band axis, look-ahead), the profiles' settings; the
 * same with algorithm=volmin. */

#include <gst/gst.h>
#include <gst/audio/audio.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include <nmf/npy.h>

#include "harness.h"

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

  nmf_fix_attach (&f, nmf_test_separator (), 2);
  nmf_fix_set_caps (&f, &nmf_mono, NULL);
  collectors_init (c, 2, &nmf_mono, FALSE);

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
    fail_unless_equals_int (gst_harness_push (f.h[0],
            nmf_test_buffer (&nmf_mono, chunk, pos, n, FALSE)), GST_FLOW_OK);
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
check_counts (const guint * sizes, guint n_sizes, guint n_bufs, guint n_sources)
{
  NmfFix f;
  GstElement *el = nmf_test_separator ();
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

  nmf_fix_attach (&f, nmf_test_separator (), 2);
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
  GstElement *el = nmf_test_separator ();

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

/* bands-per-octave: the model on a log-frequency axis with grouped
 * components, stereo: the same contract (exact count, the sources add up
 * to the input) */
GST_START_TEST (test_sum_bands)
{
  GstElement *el = nmf_test_separator ();
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
    GstElement *el = nmf_test_separator ();
    g_object_set (el, "lookahead-frames", ahead[k], "components", 8,
        "bands-per-octave", 24, NULL);
    check_sum_element (el, 2, 2, RATE * 2 + 333, 0, NULL, FALSE);
  }
}

GST_END_TEST;

/* More than two channels, unpositioned (channel-mask=0): the output caps
 * are exactly the input's. */
GST_START_TEST (test_sum_multichannel)
{
  const gint channels[] = { 4, 8 };

  for (guint k = 0; k < G_N_ELEMENTS (channels); k++)
    check_sum_element (nmf_test_separator (), channels[k], 2, RATE / 2, 0,
        ", channel-mask=(bitmask)0x0", TRUE);
}

GST_END_TEST;

/* Source 0 of a mono two-tone stream through nmfseparate with props. */
static GArray *
source0_with (const gchar * props, gsize total)
{
  GstElement *el = nmf_test_separator ();
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
 * same with a shorter window and without look-ahead, and the two differ; all add up to the input with
 * exact counts.  components=0 set explicitly means one per source, whatever
 * the profile. */
GST_START_TEST (test_profile_file_settings)
{
  const gsize total = RATE * 8 + 333;
  GArray *file = source0_with ("profile=file", total);
  GArray *spelled = source0_with ("profile=live components=20 "
      "bands-per-octave=24 iterations=4 window-frames=258 "
      "lookahead-frames=516 mask-exponent=1", total);
  GArray *live = source0_with ("profile=live", total);
  GArray *causal_file = source0_with ("profile=file window-frames=129 "
      "lookahead-frames=0", total);
  GArray *two = source0_with ("profile=live components=0", total);
  GArray *two_spelled = source0_with ("profile=live components=2", total);

  fail_unless (same_samples (file, spelled),
      "profile=file is not its documented settings");
  fail_unless (same_samples (live, causal_file),
      "profile=live is not the file settings with window-frames=129 "
      "and without look-ahead");
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

/* A dictionary of three smooth positive templates over 1025 bins (one row
 * per frequency bin) in a new temporary .npy file: its path (g_unlink and
 * g_free it). */
static gchar *
write_test_dictionary (void)
{
  const size_t bins = 1025, templates = 3;
  double *dict = g_new (double, bins * templates);
  gchar *path = NULL;
  gint fd;

  for (size_t f = 0; f < bins; f++)
    for (size_t k = 0; k < templates; k++)
      dict[f * templates + k] = 1e-3 + exp (-0.5 * pow ((f - 10.0 * (k + 1))
              / 3.0, 2.0));
  fd = g_file_open_tmp ("nmf-dict-XXXXXX.npy", &path, NULL);
  fail_unless (fd >= 0);
  g_close (fd, NULL);
  fail_unless (nmf_npy_write (path, dict, bins, templates, NULL, 0) == NMF_OK);
  g_free (dict);
  return path;
}

/* With a dictionary no profile applies: the property defaults stay in
 * force for the whole stream (the live-tunable iterations and mask-exponent
 * too), whatever the profile. */
GST_START_TEST (test_profile_not_with_dictionaries)
{
  const gsize total = RATE * 6 + 77;
  gchar *path = write_test_dictionary (), *props;
  GArray *out[3];

  for (guint i = 0; i < 3; i++) {
    /* run 2: the property defaults, spelled out */
    const gchar *defaults = i == 2 ? " iterations=15 mask-exponent=2 "
        "bands-per-octave=0 lookahead-frames=0" : "";
    props = g_strdup_printf ("dictionaries=0=%s profile=%s%s", path,
        i == 1 ? "file" : "live", defaults);
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
}

GST_END_TEST;

/* Dictionary files are read once, when the element starts
 * (docs/element.md, Properties): removed after the start, the file is not
 * missed, and the stream separates as with the file in place. */
GST_START_TEST (test_dictionaries_read_once)
{
  const gsize total = RATE * 3 + 77;
  gchar *path = write_test_dictionary ();
  gchar *props = g_strdup_printf ("dictionaries=0=%s", path);
  GArray *in_place = source0_with (props, total);
  GstElement *el = nmf_test_separator ();
  GstBus *bus = gst_bus_new ();
  float *x = nmf_test_two_tones (total, 1, RATE);
  NmfSizes z = NMF_SIZES (NMF_SIZES_RANDOM, 3001, 7);
  Collector c[2];
  GstMessage *m;
  NmfFix f;

  nmf_test_set_props (el, props);
  g_object_set (el, "n-sources", 2, NULL);
  gst_element_set_bus (el, bus);
  nmf_fix_attach (&f, el, 2);
  fail_unless (g_unlink (path) == 0);
  nmf_fix_run (&f, &nmf_mono, NULL, x, total, &z, TRUE, c);
  m = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR | GST_MESSAGE_WARNING);
  fail_unless (m == NULL, "the file was missed after the start: %"
      GST_PTR_FORMAT, m);
  fail_unless (same_samples (in_place, c[0].data), "removed after the "
      "start, the dictionary's file changed the separation");
  collectors_clear (c, 2);
  gst_bus_set_flushing (bus, TRUE);
  nmf_fix_teardown_bus (&f, bus);
  g_array_unref (in_place);
  g_free (x);
  g_free (props);
  g_free (path);
}

GST_END_TEST;

/* Three sources, source 0's output kept, with props; with `load` a
 * dictionary file for source 0 is loaded (load-dictionary) before the
 * start, so that it is installed in a stream that began blind. */
static GArray *
source0_of_three (const gchar * props, const gchar * load, gsize total)
{
  GstElement *el = nmf_test_separator ();
  GArray *out;

  nmf_test_set_props (el, props);
  if (load) {
    gboolean ok = FALSE;
    g_signal_emit_by_name (el, "load-dictionary", 0, load, &ok);
    fail_unless (ok, "load-dictionary %s failed", load);
  }
  check_sum_element_keep (el, 1, 3, total, 0, NULL, FALSE, &out);
  fail_unless_equals_int (out->len, total);
  return out;
}

/* A dictionary installed into a stream that began blind resolves the
 * model's settings again as the same file given to `dictionaries` does
 * (docs/element.md, Enrolment): with the timing's settings (window,
 * bands, look-ahead) set, the two separate the same, byte for byte, also
 * with components=0 set, one per source without a dictionary (it kept the
 * blind stream's one per source: 3 blind components instead of 2). */
GST_START_TEST (test_dictionary_installed_as_at_start)
{
  const gsize total = RATE * 4 + 77;
  const gchar *timing = "profile=file window-frames=258 bands-per-octave=0 "
      "lookahead-frames=0";
  const gchar *components[] = { "", " components=0" };
  gchar *path = write_test_dictionary ();

  for (guint i = 0; i < G_N_ELEMENTS (components); i++) {
    gchar *props = g_strdup_printf ("%s%s", timing, components[i]);
    gchar *with_file = g_strdup_printf ("%s dictionaries=0=%s", props, path);
    GArray *at_start = source0_of_three (with_file, NULL, total);
    GArray *installed = source0_of_three (props, path, total);
    GArray *blind = source0_of_three (props, NULL, total);

    fail_unless (same_samples (at_start, installed), "%s: the dictionary "
        "installed in a blind stream separates otherwise than given to "
        "dictionaries", props);
    /* (the dictionary changes the separation at all) */
    fail_unless (!same_samples (blind, installed), "%s: the dictionary "
        "changed nothing", props);
    g_array_unref (at_start);
    g_array_unref (installed);
    g_array_unref (blind);
    g_free (with_file);
    g_free (props);
  }
  g_unlink (path);
  g_free (path);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* The same contract with algorithm=volmin (when the element has it) */

GST_START_TEST (test_volmin_sum)
{
  nmf_test_set_algorithm ("volmin");
  check_sum (1, 2, 2 * RATE, 0, FFT, HOP);
  check_sum (2, 2, RATE, 3 * GST_SECOND + 17, FFT, HOP);
  check_sum (2, 3, RATE, GST_SECOND, 1024, 256);
}

GST_END_TEST;

GST_START_TEST (test_volmin_counts)
{
  const guint one[] = { 1 };
  const guint mixed[] = { 777, 1500, 3, 2049 };
  const guint huge[] = { 300000 };

  nmf_test_set_algorithm ("volmin");
  check_counts (one, 1, 3000, 2);
  check_counts (mixed, 4, 9, 3);
  check_counts (huge, 1, 1, 2);
  check_counts (NULL, 0, 0, 2);
}

GST_END_TEST;

static Suite *
nmfseparate_stream_suite (void)
{
  static const NmfTest tests[] = {
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
    NMF_TEST ("sum", test_dictionaries_read_once),
    NMF_TEST ("sum", test_dictionary_installed_as_at_start),
    NMF_TEST_WITH_TEARDOWN ("volmin", test_volmin_sum,
        nmf_test_reset_algorithm),
    NMF_TEST ("volmin", test_volmin_counts),
  };

  return nmf_test_suite ("nmfseparate-stream", tests, G_N_ELEMENTS (tests), 0);
}

GST_CHECK_MAIN (nmfseparate_stream);
