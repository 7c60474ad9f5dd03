/* Shared by the element tests: element properties from a string, input
 * buffers, sample-exact checks of output buffers. */
#ifndef NMF_TEST_COLLECTOR_H
#define NMF_TEST_COLLECTOR_H

#include <gst/gst.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>

#include <math.h>

/* "prop=value ..." (NULL or empty: nothing) on el */
G_GNUC_UNUSED static void
set_props (GstElement * el, const gchar * props)
{
  gchar **kv;

  if (!props || !*props)
    return;
  kv = g_strsplit (props, " ", -1);
  for (guint i = 0; kv[i]; i++) {
    gchar **p = g_strsplit (kv[i], "=", 2);
    fail_unless (p[0] && p[1], "bad property string %s", kv[i]);
    gst_util_set_object_arg (G_OBJECT (el), p[0], p[1]);
    g_strfreev (p);
  }
  g_strfreev (kv);
}

static GstClockTime
stime (guint64 sample, gint rate)
{
  return gst_util_uint64_scale_int (sample, GST_SECOND, rate);
}

/* An input buffer of `frames` interleaved samples from data, stamped as
 * sample idx of a stream starting at base (offsets from off0 unless NONE). */
static GstBuffer *
make_buf (const float *data, gsize frames, gint channels, gint rate,
    GstClockTime base, guint64 idx, guint64 off0, gboolean discont)
{
  gsize bytes = frames * channels * sizeof (float);
  GstBuffer *b = gst_buffer_new_allocate (NULL, bytes, NULL);
  GstClockTime t0 = base + stime (idx, rate);

  if (bytes)
    gst_buffer_fill (b, 0, data, bytes);
  GST_BUFFER_PTS (b) = t0;
  GST_BUFFER_DURATION (b) = base + stime (idx + frames, rate) - t0;
  if (off0 != GST_BUFFER_OFFSET_NONE) {
    GST_BUFFER_OFFSET (b) = off0 + idx;
    GST_BUFFER_OFFSET_END (b) = off0 + idx + frames;
  }
  if (discont)
    GST_BUFFER_FLAG_SET (b, GST_BUFFER_FLAG_DISCONT);
  return b;
}

/* Checks that each output buffer continues the last one sample-exactly. */
typedef struct
{
  gint rate, channels;
  GstClockTime base;            /* PTS of output sample 0 */
  guint64 off0;                 /* OFFSET of output sample 0, or NONE */
  guint64 n;                    /* samples so far */
  guint nbufs;
  GArray *data;                 /* floats, when kept */
  gboolean check_finite;
} Collector;

static void
collector_init (Collector * c, gint rate, gint channels, GstClockTime base,
    guint64 off0, gboolean keep)
{
  memset (c, 0, sizeof (*c));
  c->rate = rate;
  c->channels = channels;
  c->base = base;
  c->off0 = off0;
  c->check_finite = TRUE;
  if (keep)
    c->data = g_array_new (FALSE, FALSE, sizeof (float));
}

static void
collector_clear (Collector * c)
{
  if (c->data)
    g_array_free (c->data, TRUE);
  c->data = NULL;
}

static void
collector_add (Collector * c, GstBuffer * b)
{
  gsize size = gst_buffer_get_size (b);
  gsize bpf = sizeof (float) * c->channels;
  gsize frames;
  GstClockTime t0, t1;
  GstMapInfo map;

  fail_unless (size % bpf == 0, "size %" G_GSIZE_FORMAT " not whole frames",
      size);
  frames = size / bpf;
  fail_unless (frames > 0, "empty output buffer");
  t0 = c->base + stime (c->n, c->rate);
  t1 = c->base + stime (c->n + frames, c->rate);
  fail_unless_equals_uint64 (GST_BUFFER_PTS (b), t0);
  fail_unless_equals_uint64 (GST_BUFFER_DURATION (b), t1 - t0);
  if (c->off0 != GST_BUFFER_OFFSET_NONE) {
    fail_unless_equals_uint64 (GST_BUFFER_OFFSET (b), c->off0 + c->n);
    fail_unless_equals_uint64 (GST_BUFFER_OFFSET_END (b),
        c->off0 + c->n + frames);
  }
  fail_unless (gst_buffer_map (b, &map, GST_MAP_READ));
  if (c->check_finite) {
    const float *v = (const float *) map.data;
    for (gsize i = 0; i < frames * c->channels; i++)
      if (!isfinite (v[i]))
        fail ("non-finite output sample %g at %" G_GUINT64_FORMAT, v[i],
            c->n + i / c->channels);
  }
  if (c->data)
    g_array_append_vals (c->data, map.data, frames * c->channels);
  gst_buffer_unmap (b, &map);
  c->n += frames;
  c->nbufs++;
  gst_buffer_unref (b);
}

static void
collect_available (Collector * c, GstHarness * h)
{
  GstBuffer *b;
  while ((b = gst_harness_try_pull (h)))
    collector_add (c, b);
}

#endif
