/* GStreamer
 * Copyright (C) 2026 gst-nmf developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* GstHarness tests of what nmfseparate gives for particular input (its
 * SECTION doc comment): soft masks (output-mode=mask) that sum to one, one
 * per hop; NaN and Inf samples replaced by silence; silence and GAP events
 * giving exact silence; the same with algorithm=volmin. */

#include <gst/gst.h>
#include <gst/audio/audio.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>

#include <math.h>
#include <string.h>

#include "harness.h"
#include "stft.h"

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

  nmf_fix_attach (&f, nmf_test_separator (), 2);
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

/* el (taken) separates x in mask mode, all of it pushed at once: each
 * pad's mask buffers into out[s], as many as want. */
static void
run_masks (NmfFix * f, GstElement * el, guint n_sources,
    const NmfTimeline * t, const float *x, gsize total, NmfSizes * z,
    GPtrArray ** out, guint64 want)
{
  g_object_set (el, "n-sources", n_sources, NULL);
  gst_util_set_object_arg (G_OBJECT (el), "output-mode", "mask");
  nmf_fix_attach (f, el, n_sources);
  nmf_fix_set_caps (f, t, NULL);
  nmf_fix_push (f, t, x, 0, total, z, FALSE, NULL);
  nmf_fix_finish (f, NULL);
  for (guint s = 0; s < n_sources; s++) {
    out[s] = nmf_test_pull_all (f->h[s]);
    fail_unless_equals_uint64 (out[s]->len, want);
  }
}

static void
check_masks (gsize total, guint n_sources, GstClockTime base, gint channels)
{
  NmfFix f;
  GstElement *el = nmf_test_separator ();
  const NmfTimeline t = { RATE, channels, base, 0 };
  NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, 1777, 0);
  float *x = nmf_test_two_tones (total ? total : 1, channels, RATE);
  GPtrArray *bufs[MAX_PADS];
  const guint64 want = (total + HOP - 1) / HOP;

  run_masks (&f, el, n_sources, &t, x, total, &z, bufs, want);
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
          fail ("mask %u frame %" G_GUINT64_FORMAT " bin %u = %g", s, j, k, v);
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
  check_masks (10000, 2, 0, 1); /* ceil: 20, the last one short */
  check_masks (HOP * 10, 2, 0, 1);      /* exact multiple: 10 */
  check_masks (100, 2, 0, 1);   /* less than a hop: 1 */
  check_masks (0, 2, 0, 1);     /* nothing: 0 */
  check_masks (44100, 3, GST_SECOND, 2);
}

GST_END_TEST;

/* A large buffer at a small hop: its mask frames, bins / hop times its
 * size, are made in pieces of at most 1 MiB a source (each mask buffer
 * shares the memory of its piece, so that memory's size is the piece's),
 * every frame there, in order, on its timestamp.  One block held them
 * all: 11 MB a source here, 181 MB for 1 s at fft-size 2048, hop-size 1
 * (peak RSS 725 MB with two sources). */
GST_START_TEST (test_mask_blocks_bounded)
{
  const gsize total = RATE / 2;
  const guint hop = 1, bins = 129;
  const NmfTimeline t = { RATE, 1, 0, 0 };
  GstElement *el = nmf_test_element ("nmfseparate", "profile=live "
      "components=2 fft-size=256 hop-size=1 output-mode=mask");
  NmfSizes whole = NMF_SIZES (NMF_SIZES_FIXED, 0, 0);
  float *x = nmf_test_two_tones (total, 1, RATE);
  gsize largest = 0;
  NmfFix f;

  nmf_fix_attach (&f, el, 2);
  nmf_fix_set_caps (&f, &t, NULL);
  nmf_fix_push (&f, &t, x, 0, total, &whole, FALSE, NULL);
  nmf_fix_finish (&f, NULL);
  for (guint s = 0; s < 2; s++) {
    GPtrArray *bufs = nmf_test_pull_all (f.h[s]);
    fail_unless_equals_uint64 (bufs->len, (total + hop - 1) / hop);
    for (guint j = 0; j < bufs->len; j++) {
      GstBuffer *b = g_ptr_array_index (bufs, j);
      fail_unless_equals_uint64 (gst_buffer_get_size (b), bins * 4);
      fail_unless_equals_uint64 (GST_BUFFER_PTS (b), nmf_test_time (j * hop,
              RATE));
      largest = MAX (largest, gst_buffer_peek_memory (b, 0)->maxsize);
    }
    g_ptr_array_free (bufs, TRUE);
  }
  GST_INFO ("the largest memory a mask buffer shares: %" G_GSIZE_FORMAT
      " bytes", largest);
  fail_unless (largest <= 1 << 20, "mask buffers share a block of %"
      G_GSIZE_FORMAT " bytes (the frames of %" G_GSIZE_FORMAT " samples "
      "take %" G_GSIZE_FORMAT ")", largest, total, total / hop * bins * 4);
  g_free (x);
  nmf_fix_teardown (&f);
}

GST_END_TEST;

/* The drain at EOS makes what the look-ahead holds in parts too: mask
 * frames of at most 1 MiB a source, audio of at most 8192 samples (each
 * buffer shares the memory of its part).  It made them in one block:
 * 10 MB a source of masks here (20000 frames of 129 bins), 410 MB at
 * lookahead-frames 100000 and the default fft-size, 2.1 GB at fft-size
 * 32768 hop-size 1; the audio, 80 kB here, 205 MB at lookahead-frames
 * 100000.  Every frame and sample comes out, in order, on its
 * timestamp. */
static void
check_drain_bounded (const gchar * mode, gsize bound)
{
  const gsize total = 30011;
  const guint bins = 129;
  const gboolean audio = strcmp (mode, "audio") == 0;
  const NmfTimeline t = { RATE, 1, 0, 0 };
  gchar *props = g_strdup_printf ("profile=live components=2 fft-size=256 "
      "hop-size=1 lookahead-frames=20000 output-mode=%s", mode);
  GstElement *el = nmf_test_element ("nmfseparate", props);
  NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, 1000, 0);
  float *x = nmf_test_two_tones (total, 1, RATE);
  gsize largest = 0;
  NmfFix f;

  nmf_fix_attach (&f, el, 2);
  nmf_fix_set_caps (&f, &t, NULL);
  nmf_fix_push (&f, &t, x, 0, total, &z, FALSE, NULL);
  nmf_fix_finish (&f, NULL);
  for (guint s = 0; s < 2; s++) {
    GPtrArray *bufs = nmf_test_pull_all (f.h[s]);
    guint64 n = 0;
    for (guint j = 0; j < bufs->len; j++) {
      GstBuffer *b = g_ptr_array_index (bufs, j);
      gsize size = gst_buffer_get_size (b);
      guint64 k = audio ? size / sizeof (float) : 1;
      fail_unless (audio || size == bins * sizeof (float));
      fail_unless_equals_uint64 (GST_BUFFER_PTS (b), nmf_test_time (n, RATE));
      fail_unless_equals_uint64 (GST_BUFFER_PTS (b) + GST_BUFFER_DURATION (b),
          nmf_test_time (n + k, RATE));
      largest = MAX (largest, gst_buffer_peek_memory (b, 0)->maxsize);
      n += k;
    }
    fail_unless_equals_uint64 (n, total);
    g_ptr_array_free (bufs, TRUE);
  }
  GST_INFO ("%s: the largest memory an output buffer shares: %"
      G_GSIZE_FORMAT " bytes", mode, largest);
  /* (the allocator adds its alignment's few bytes) */
  fail_unless (largest <= bound + 64, "%s: output buffers share a block of %"
      G_GSIZE_FORMAT " bytes, more than %" G_GSIZE_FORMAT, mode, largest,
      bound);
  g_free (x);
  g_free (props);
  nmf_fix_teardown (&f);
}

GST_START_TEST (test_drain_blocks_bounded)
{
  check_drain_bounded ("mask", 1 << 20);
  check_drain_bounded ("audio", 8192 * sizeof (float));
}

GST_END_TEST;

/* The masks are what the audio output is made of (the SECTION doc
 * comment and <nmf/separator.h>): mask frame j, applied to every channel's
 * STFT frame that ends with hop j (input samples [(j + 1) hop - fft-size,
 * (j + 1) hop), zeros before the stream), then inverse STFT and
 * overlap-add, gives the audio mode's output of the same run.  Checked
 * with the factorization's masks (mono) and, with more sources than
 * channels (three panned in stereo), the masks by direction; both causal
 * and with a look-ahead.  The last fft-size samples also need the frames
 * past the end that the drain makes, which have no mask frame. */
static void
check_masks_make_the_audio (gint channels, guint n_sources,
    const gchar * props, const float *x, gsize total)
{
  const NmfTimeline t = { RATE, channels, 0, 0 };
  const guint64 n_frames = (total + HOP - 1) / HOP;
  NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, 1000, 0);
  Collector c[MAX_PADS];
  GPtrArray *masks[MAX_PADS];
  GstElement *el;
  NmfFix f;
  nmf_stft *stft = NULL;
  float frame[FFT], spectrum[2 * BINS], masked[2 * BINS], back[FFT];
  float *made[MAX_PADS];
  double worst = 0.0, peak = 0.0;
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;
  gchar *spatial = NULL;

  /* the audio */
  el = nmf_test_element ("nmfseparate", props);
  g_object_set (el, "n-sources", n_sources, "post-messages", TRUE, NULL);
  gst_element_set_bus (el, bus);
  nmf_fix_attach (&f, el, n_sources);
  nmf_fix_run (&f, &t, NULL, x, total, &z, TRUE, c);
  nmf_fix_teardown_bus (&f, NULL);
  /* what the last message said the spatial stage did */
  while ((msg = nmf_test_pop_element (bus))) {
    const GstStructure *st = gst_message_get_structure (msg);
    if (gst_structure_has_name (st, "nmfseparate")) {
      g_free (spatial);
      spatial = g_strdup (gst_structure_get_string (st, "spatial"));
    }
    gst_message_unref (msg);
  }
  gst_object_unref (bus);

  /* the masks, from a run of the same settings */
  el = nmf_test_element ("nmfseparate", props);
  run_masks (&f, el, n_sources, &t, x, total, &z, masks, n_frames);
  for (guint s = 0; s < n_sources; s++)
    made[s] = g_new0 (float, total * channels);
  nmf_fix_teardown (&f);

  fail_unless_equals_int (nmf_stft_create (&stft, FFT, HOP), 0);
  for (guint64 j = 0; j < n_frames; j++) {
    const gint64 first = (gint64) ((j + 1) * HOP) - FFT;
    for (gint ch = 0; ch < channels; ch++) {
      for (gint i = 0; i < FFT; i++) {
        const gint64 at = first + i;
        frame[i] = at >= 0 && at < (gint64) total ?
            x[at * channels + ch] : 0.0f;
      }
      nmf_stft_forward (stft, frame, spectrum);
      for (guint s = 0; s < n_sources; s++) {
        GstMapInfo map;
        GstBuffer *b = g_ptr_array_index (masks[s], j);
        fail_unless (gst_buffer_map (b, &map, GST_MAP_READ));
        for (gint k = 0; k < BINS; k++) {
          const float m = ((const float *) map.data)[k];
          masked[2 * k] = spectrum[2 * k] * m;
          masked[2 * k + 1] = spectrum[2 * k + 1] * m;
        }
        gst_buffer_unmap (b, &map);
        nmf_stft_inverse (stft, masked, back);
        for (gint i = 0; i < FFT; i++) {
          const gint64 at = first + i;
          if (at >= 0 && at < (gint64) total)
            made[s][at * channels + ch] += back[i];
        }
      }
    }
  }
  for (guint s = 0; s < n_sources; s++) {
    fail_unless_equals_uint64 (c[s].n, total);
    for (gsize i = 0; i < (total - FFT) * channels; i++) {
      const double a = g_array_index (c[s].data, float, i);
      worst = MAX (worst, fabs (made[s][i] - a));
      peak = MAX (peak, fabs (a));
    }
  }
  GST_INFO ("%s, %d channel(s), %u sources (spatial: %s): the masks make "
      "the audio to %g (its peak %g)", props, channels, n_sources, spatial,
      worst, peak);
  fail_unless (peak > 0.01);
  fail_unless (worst < 1e-5 * MAX (peak, 1.0), "%s: the masks applied to "
      "the input differ from the audio by %g (peak %g)", props, worst, peak);
  /* with three panned sources in stereo the masks by direction were the
   * ones in force */
  if (channels == 2)
    fail_unless_equals_string (spatial, "active");
  nmf_stft_destroy (&stft);
  for (guint s = 0; s < n_sources; s++) {
    g_ptr_array_free (masks[s], TRUE);
    g_free (made[s]);
  }
  collectors_clear (c, n_sources);
  g_free (spatial);
}

GST_START_TEST (test_masks_make_the_audio)
{
  const gsize total = 3 * RATE;
  const double pans[3] = { -0.7, 0.1, 0.8 };
  float *mono = nmf_test_two_tones (total, 1, RATE);
  float *stereo = g_new0 (float, 2 * total), *src[3];

  check_masks_make_the_audio (1, 2, "profile=live", mono, total);
  check_masks_make_the_audio (1, 2, "profile=live lookahead-frames=40",
      mono, total);
  nmf_test_three_panned (RATE, total, 7, pans, src, stereo);
  check_masks_make_the_audio (2, 3, "profile=live", stereo, total);
  check_masks_make_the_audio (2, 3, "profile=live lookahead-frames=40",
      stereo, total);
  for (guint i = 0; i < 3; i++)
    g_free (src[i]);
  g_free (stereo);
  g_free (mono);
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

  check_all_silent (nmf_test_separator (), &t, zeros, 3 * RATE, 4999);
  g_free (zeros);
}

GST_END_TEST;

/* A GAP is separated as silence of its duration. */
GST_START_TEST (test_gap_is_silence)
{
  NmfFix f;
  Collector c[2];
  const NmfTimeline t = { RATE, 1, 2 * GST_SECOND, GST_BUFFER_OFFSET_NONE };

  nmf_fix_attach (&f, nmf_test_separator (), 2);
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

/* Gaps that are not a whole number of samples long (10 ms at 11025 Hz:
 * 110.25) tile the time they cover: their silence was rounded gap by gap,
 * so 17.7 s of them fell 40 ms behind their timestamps and the element cut
 * the stream there (a drain, a DISCONT, 40 ms missing). */
GST_START_TEST (test_gaps_keep_the_timeline)
{
  NmfFix f;
  const gint rate = 11025;
  const guint n_gaps = 2000, n = 1000;
  const NmfTimeline t = { rate, 1, 0, 0 };
  const guint64 gap_samples = (guint64) n_gaps * rate / 100;
  NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, 500, 0);
  /* the whole timeline (nmf_fix_push reads sample `from` of x): n samples
   * of x read 880 kB past its end after the gaps */
  float *x = nmf_test_two_tones (2 * n + gap_samples, 1, rate);
  Collector c[2];
  GstClockTime ts = nmf_test_time (n, rate);

  nmf_fix_attach (&f, nmf_test_separator (), 2);
  nmf_fix_set_caps (&f, &t, NULL);
  collectors_init (c, 2, &t, FALSE);
  nmf_fix_push (&f, &t, x, 0, n, &z, FALSE, NULL);
  for (guint i = 0; i < n_gaps; i++, ts += 10 * GST_MSECOND)
    fail_unless (gst_harness_push_event (f.h[0], gst_event_new_gap (ts,
                10 * GST_MSECOND)));
  fail_unless_equals_uint64 (ts, nmf_test_time (n + gap_samples, rate));
  nmf_fix_push (&f, &t, x, n + gap_samples, n, &z, FALSE, NULL);
  fail_unless (gst_harness_push_event (f.h[0], gst_event_new_eos ()));
  for (guint s = 0; s < 2; s++) {
    GPtrArray *bufs = nmf_test_pull_all_to_eos (f.h[s]);
    /* one stream: no restart on the way */
    for (guint i = 0; i < bufs->len; i++) {
      GstBuffer *b = g_ptr_array_index (bufs, i);
      fail_unless_equals_int (GST_BUFFER_IS_DISCONT (b), i == 0);
      collector_add (&c[s], gst_buffer_ref (b));
    }
    fail_unless_equals_uint64 (c[s].n, 2 * n + gap_samples);
    g_ptr_array_unref (bufs);
  }
  collectors_clear (c, 2);
  g_free (x);
  nmf_fix_teardown (&f);
}

GST_END_TEST;

/* A gap in a stream that starts between two points of the grid from 0
 * (10 h and 45352 ns at 11025 Hz: half a sample and a hair past one) is
 * counted on the stream's own grid: a gap over g samples of the stream is g
 * samples of silence.  Counted on the grid from 0, some were g - 1 or
 * g + 1, and every sample after the gap came out a sample off its
 * timestamp. */
GST_START_TEST (test_gap_on_stream_grid)
{
  const gint rate = 11025;
  const NmfTimeline t = { rate, 1, 36000 * GST_SECOND + 45352,
    GST_BUFFER_OFFSET_NONE
  };
  const guint64 m = 3000;
  float *x = nmf_test_two_tones (3040 + 120 + m, 1, rate);

  for (guint64 n = 3000; n < 3040; n += 3) {
    const guint64 g = 110 + n % 7;
    const GstClockTime ts = t.base + nmf_test_time (n, rate);
    const GstClockTime end = t.base + nmf_test_time (n + g, rate);
    NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, 1000, 0);
    NmfFix f;
    Collector c[2];

    nmf_fix_attach (&f, nmf_test_element ("nmfseparate", "profile=live"), 2);
    nmf_fix_set_caps (&f, &t, NULL);
    collectors_init (c, 2, &t, FALSE);
    nmf_fix_push (&f, &t, x, 0, n, &z, FALSE, c);
    fail_unless (gst_harness_push_event (f.h[0], gst_event_new_gap (ts,
                end - ts)));
    /* the audio after the gap at its own timestamps: the collectors check
     * that every output sample carries the timestamp of its input sample */
    nmf_fix_push (&f, &t, x, n + g, m, &z, FALSE, c);
    nmf_fix_finish (&f, c);
    for (guint s = 0; s < 2; s++)
      fail_unless (c[s].n == n + g + m, "gap of %" G_GUINT64_FORMAT
          " samples after %" G_GUINT64_FORMAT ": %" G_GUINT64_FORMAT
          " samples out for %" G_GUINT64_FORMAT, g, n, c[s].n, n + g + m);
    collectors_clear (c, 2);
    nmf_fix_teardown (&f);
  }
  g_free (x);
}

GST_END_TEST;

/* A gap of no length (what an element with a look-ahead sends so that its
 * sinks can preroll) goes on to every source pad (it was swallowed, and a
 * second nmfseparate after the first never prerolled). */
GST_START_TEST (test_gap_without_length_forwarded)
{
  NmfFix f;
  const NmfTimeline t = { RATE, 1, 0, GST_BUFFER_OFFSET_NONE };
  float *x = nmf_test_two_tones (4096, 1, RATE);
  NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, 4096, 0);

  nmf_fix_attach (&f, nmf_test_separator (), 2);
  nmf_fix_set_caps (&f, &t, NULL);
  nmf_fix_push (&f, &t, x, 0, 4096, &z, FALSE, NULL);
  fail_unless (gst_harness_push_event (f.h[0], gst_event_new_gap (4096 *
              GST_SECOND / RATE, 0)));
  fail_unless (gst_harness_push_event (f.h[0], gst_event_new_eos ()));
  for (guint s = 0; s < 2; s++) {
    GstEvent *ev;
    guint gaps = 0;
    while ((ev = gst_harness_pull_event (f.h[s]))) {
      gboolean eos = GST_EVENT_TYPE (ev) == GST_EVENT_EOS;
      if (GST_EVENT_TYPE (ev) == GST_EVENT_GAP) {
        GstClockTime ts, duration;
        gst_event_parse_gap (ev, &ts, &duration);
        fail_unless_equals_uint64 (duration, 0);
        gaps++;
      }
      gst_event_unref (ev);
      if (eos)
        break;
    }
    fail_unless_equals_int (gaps, 1);
  }
  g_free (x);
  nmf_fix_teardown (&f);
}

GST_END_TEST;

static GstPadProbeReturn
count_until_tag (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  /* [0] samples so far, [1] at the tag, [2] stream-starts, [3] samples
   * at the second, [4] at a gap of no length, [5] tags */
  gint64 *seen = data;

  (void) pad;
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER)
    seen[0] += gst_buffer_get_size (GST_PAD_PROBE_INFO_BUFFER (info)) / 4;
  else if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_TAG)
    seen[1] = seen[0], seen[5]++;
  else if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_GAP)
    seen[4] = seen[0];
  else if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) ==
      GST_EVENT_STREAM_START && ++seen[2] == 2)
    seen[3] = seen[0];
  return GST_PAD_PROBE_OK;
}

/* A tag (any serialized event the element does not act on) comes out with
 * the audio it came with: after as many samples on every pad as came in
 * before it, with the look-ahead of the file profile too (it came out at
 * once, up to 6 s early); a second stream's stream-start after every
 * sample of the first. */
GST_START_TEST (test_events_keep_their_place)
{
  const gchar *profiles[] = { "profile=live", "lookahead-frames=100" };

  for (guint p = 0; p < G_N_ELEMENTS (profiles); p++) {
    NmfFix f;
    const NmfTimeline t = { RATE, 1, 0, GST_BUFFER_OFFSET_NONE };
    const gsize n1 = 3 * RATE + 123, n2 = RATE;
    float *x = nmf_test_two_tones (n1 + n2, 1, RATE);
    NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, 1000, 0);
    gint64 seen[2][6] = { {0, -1, 0, -1, -1, 0}, {0, -1, 0, -1, -1, 0} };
    GstTagList *tags = gst_tag_list_new (GST_TAG_TITLE, "second part", NULL);

    nmf_fix_attach (&f, nmf_test_element ("nmfseparate", profiles[p]), 2);
    for (guint s = 0; s < 2; s++) {
      GstPad *src = gst_element_get_static_pad (f.el, s ? "src_1" : "src_0");
      gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER |
          GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, count_until_tag, seen[s], NULL);
      gst_object_unref (src);
    }
    nmf_fix_set_caps (&f, &t, NULL);
    nmf_fix_push (&f, &t, x, 0, n1, &z, FALSE, NULL);
    fail_unless (gst_harness_push_event (f.h[0], gst_event_new_tag (tags)));
    nmf_fix_push (&f, &t, x, n1, n2, &z, FALSE, NULL);
    /* a gap of no length (a stream further on announcing itself) after
     * what is held */
    fail_unless (gst_harness_push_event (f.h[0], gst_event_new_gap (13 *
                GST_SECOND, 0)));
    fail_unless (gst_harness_push_event (f.h[0],
            gst_event_new_stream_start ("second")));
    nmf_fix_finish (&f, NULL);
    for (guint s = 0; s < 2; s++) {
      fail_unless_equals_int64 (seen[s][1], (gint64) n1);
      fail_unless_equals_int64 (seen[s][4], (gint64) (n1 + n2));
      fail_unless_equals_int64 (seen[s][3], (gint64) (n1 + n2));
      fail_unless_equals_int64 (seen[s][0], (gint64) (n1 + n2));
    }
    nmf_fix_teardown (&f);
    g_free (x);
  }
}

GST_END_TEST;

/* A tag held with the audio of the look-ahead when a flushing seek drops
 * that audio still goes out (tags are sticky: it was lost for good). */
GST_START_TEST (test_tag_survives_flush)
{
  NmfFix f;
  const NmfTimeline t = { RATE, 1, 0, GST_BUFFER_OFFSET_NONE };
  float *x = nmf_test_two_tones (2 * RATE, 1, RATE);
  NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, 1000, 0);
  gint64 seen[6] = { 0, -1, 0, -1, -1, 0 };
  GstSegment seg;
  GstPad *src;

  nmf_fix_attach (&f, nmf_test_element ("nmfseparate",
          "lookahead-frames=100"), 2);
  src = gst_element_get_static_pad (f.el, "src_0");
  gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, count_until_tag, seen, NULL);
  gst_object_unref (src);
  nmf_fix_set_caps (&f, &t, NULL);
  nmf_fix_push (&f, &t, x, 0, RATE / 2, &z, FALSE, NULL);
  fail_unless (gst_harness_push_event (f.h[0], gst_event_new_tag
          (gst_tag_list_new (GST_TAG_TITLE, "held", NULL))));
  nmf_fix_push (&f, &t, x, RATE / 2, RATE / 2, &z, FALSE, NULL);
  fail_unless (gst_harness_push_event (f.h[0], gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (f.h[0],
          gst_event_new_flush_stop (TRUE)));
  gst_segment_init (&seg, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (f.h[0], gst_event_new_segment (&seg)));
  nmf_fix_push (&f, &t, x, 0, RATE, &z, FALSE, NULL);
  nmf_fix_finish (&f, NULL);
  fail_unless_equals_int64 (seen[5], 1);
  nmf_fix_teardown (&f);
  g_free (x);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* The same with algorithm=volmin */

GST_START_TEST (test_volmin_masks)
{
  nmf_test_set_algorithm ("volmin");
  check_masks (10000, 2, 0, 1);
  check_masks (44100, 3, GST_SECOND, 2);
}

GST_END_TEST;

GST_START_TEST (test_volmin_silence_and_nan)
{
  const gsize total = RATE;
  float *x = g_new0 (float, total);

  nmf_test_set_algorithm ("volmin");
  /* silence, then NaN/Inf: all of it is silence for the element */
  for (gsize i = total / 2; i < total; i++)
    x[i] = (i % 3) ? NAN : ((i & 1) ? INFINITY : -INFINITY);
  check_all_silent (nmf_test_separator (), &nmf_mono, x, total, 3333);
  g_free (x);
}

GST_END_TEST;

/* The settings in force are logged at INFO: for volmin its regularization,
 * not the iterations and look-ahead it does not use (the line gave kl's) */
static gchar *settings_line;

static void
keep_settings_line (GstDebugCategory * category, GstDebugLevel level,
    const gchar * file, const gchar * function, gint line, GObject * object,
    GstDebugMessage * message, gpointer user_data)
{
  const gchar *text = gst_debug_message_get (message);

  (void) file;
  (void) function;
  (void) line;
  (void) object;
  (void) user_data;
  if (level == GST_LEVEL_INFO
      && !g_strcmp0 (gst_debug_category_get_name (category), "nmfseparate")
      && g_str_has_prefix (text, "separating ")) {
    g_free (settings_line);
    settings_line = g_strdup (text);
  }
}

GST_START_TEST (test_volmin_settings_logged)
{
  const gsize total = 4096;
  float *x = nmf_test_two_tones (total, 1, RATE);
  GstElement *el = nmf_test_separator ();
  NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, 1000, 0);
  NmfFix f;

  gst_util_set_object_arg (G_OBJECT (el), "algorithm", "volmin");
  gst_util_set_object_arg (G_OBJECT (el), "regularization", "0.25");
  gst_debug_set_threshold_for_name ("nmfseparate", GST_LEVEL_INFO);
  gst_debug_add_log_function (keep_settings_line, NULL, NULL);
  nmf_fix_attach (&f, el, 2);
  nmf_fix_set_caps (&f, &nmf_mono, NULL);
  nmf_fix_push (&f, &nmf_mono, x, 0, total, &z, FALSE, NULL);
  nmf_fix_finish (&f, NULL);
  nmf_fix_teardown (&f);
  gst_debug_remove_log_function (keep_settings_line);
  gst_debug_unset_threshold_for_name ("nmfseparate");
  fail_unless (settings_line != NULL, "no settings line at INFO");
  fail_unless (strstr (settings_line, ": volmin, ")
      && strstr (settings_line, "regularization 0.25")
      && !strstr (settings_line, "iterations")
      && !strstr (settings_line, "look-ahead"), "%s", settings_line);
  g_clear_pointer (&settings_line, g_free);
  g_free (x);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */

static Suite *
nmfseparate_output_suite (void)
{
  static const NmfTest tests[] = {
    NMF_TEST ("bad_input", test_non_finite_input),
    NMF_TEST ("mask", test_mask_output),
    NMF_TEST ("mask", test_masks_make_the_audio),
    NMF_TEST ("mask", test_mask_blocks_bounded),
    NMF_TEST ("mask", test_drain_blocks_bounded),
    NMF_TEST ("silence", test_silence),
    NMF_TEST ("silence", test_gap_is_silence),
    NMF_TEST ("silence", test_gaps_keep_the_timeline),
    NMF_TEST ("silence", test_gap_on_stream_grid),
    NMF_TEST ("silence", test_gap_without_length_forwarded),
    NMF_TEST ("silence", test_events_keep_their_place),
    NMF_TEST ("silence", test_tag_survives_flush),
    NMF_TEST_WITH_TEARDOWN ("volmin", test_volmin_masks,
        nmf_test_reset_algorithm),
    NMF_TEST ("volmin", test_volmin_silence_and_nan),
    NMF_TEST ("volmin", test_volmin_settings_logged),
  };

  return nmf_test_suite ("nmfseparate-output", tests, G_N_ELEMENTS (tests), 0);
}

GST_CHECK_MAIN (nmfseparate_output);
