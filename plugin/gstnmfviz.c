/* GStreamer
 * Copyright (C) 2026 gst-nmf developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstnmfviz.h"

#include <math.h>
#include <string.h>

#define LOWEST_HZ 40.0
#define RANGE_DB 70.0
/* the reference level follows the loudest frame, falling back slowly */
#define PEAK_FALL_DB_PER_FRAME 0.02

struct _GstNmfViz
{
  GstVideoInfo info;
  gint sources;
  gint bins;
  gboolean whole;
  gint *row_bin;                /* height: the bin each row shows */
  guint8 palette[16][3];
  double peak_db;

  /* columns of RGB, height * 3 bytes each */
  guint8 *columns;
  gint capacity;                /* columns the store holds */
  gint count;                   /* columns stored */
  gint head;                    /* scrolling: the next column to write */
  /* still picture: each stored column averages `span` frames */
  gint span;
  gint pending;
  float *acc;                   /* height * 3: the column being averaged */
};

static void
make_palette (GstNmfViz * viz)
{
  /* hues a golden angle apart: neighbours always differ */
  for (gint s = 0; s < 16; s++) {
    double h = fmod (s * 0.381966, 1.0) * 6.0, x = 1.0 - fabs (fmod (h, 2.0)
        - 1.0);
    double r = 0, g = 0, b = 0;
    switch ((gint) h) {
      case 0:
        r = 1, g = x;
        break;
      case 1:
        r = x, g = 1;
        break;
      case 2:
        g = 1, b = x;
        break;
      case 3:
        g = x, b = 1;
        break;
      case 4:
        r = x, b = 1;
        break;
      default:
        r = 1, b = x;
        break;
    }
    viz->palette[s][0] = (guint8) (255 * r);
    viz->palette[s][1] = (guint8) (255 * g);
    viz->palette[s][2] = (guint8) (255 * b);
  }
}

GstNmfViz *
gst_nmf_viz_new (const GstVideoInfo * info, gint rate, gint bins,
    gint sources, gboolean whole)
{
  GstNmfViz *viz = g_new0 (GstNmfViz, 1);
  gint width = GST_VIDEO_INFO_WIDTH (info), height =
      GST_VIDEO_INFO_HEIGHT (info);
  double nyquist = rate / 2.0, low = MIN (LOWEST_HZ, nyquist / 4);
  gint fft_size = 2 * (bins - 1);

  viz->info = *info;
  viz->sources = MIN (sources, 16);
  viz->bins = bins;
  viz->whole = whole;
  viz->row_bin = g_new (gint, height);
  for (gint y = 0; y < height; y++) {
    /* row 0 at the top: the highest frequency */
    double frac = height > 1 ? 1.0 - (double) y / (height - 1) : 0.0;
    double hz = low * pow (nyquist / low, frac);
    viz->row_bin[y] = CLAMP ((gint) lround (hz * fft_size / rate), 0,
        viz->bins - 1);
  }
  make_palette (viz);
  viz->peak_db = -200.0;
  viz->capacity = whole ? 4 * width : width;
  viz->columns = g_malloc0 ((gsize) viz->capacity * height * 3);
  viz->acc = g_new0 (float, (gsize) height * 3);
  viz->span = 1;
  return viz;
}

void
gst_nmf_viz_free (GstNmfViz * viz)
{
  if (!viz)
    return;
  g_free (viz->row_bin);
  g_free (viz->columns);
  g_free (viz->acc);
  g_free (viz);
}

/* still picture: halve the store by averaging neighbouring columns */
static void
halve (GstNmfViz * viz)
{
  gint height = GST_VIDEO_INFO_HEIGHT (&viz->info);
  gsize col = (gsize) height * 3;

  for (gint i = 0; i < viz->count / 2; i++) {
    guint8 *a = viz->columns + 2 * i * col, *b = a + col;
    guint8 *dst = viz->columns + i * col;
    for (gsize k = 0; k < col; k++)
      dst[k] = (guint8) ((a[k] + b[k] + 1) / 2);
  }
  viz->count /= 2;
  viz->span *= 2;
}

static void
store_column (GstNmfViz * viz, const float *rgb)
{
  gint height = GST_VIDEO_INFO_HEIGHT (&viz->info);
  gsize col = (gsize) height * 3;
  guint8 *dst;

  if (viz->whole) {
    if (viz->count == viz->capacity)
      halve (viz);
    dst = viz->columns + viz->count++ * col;
  } else {
    dst = viz->columns + viz->head * col;
    viz->head = (viz->head + 1) % viz->capacity;
    viz->count = MIN (viz->count + 1, viz->capacity);
  }
  for (gsize k = 0; k < col; k++)
    dst[k] = (guint8) CLAMP (lround (rgb[k]), 0, 255);
}

void
gst_nmf_viz_add_frame (GstNmfViz * viz, const float *magnitude,
    const float *masks)
{
  gint height = GST_VIDEO_INFO_HEIGHT (&viz->info);
  double frame_peak = 1e-30;
  float *rgb = viz->acc;

  for (gint f = 0; f < viz->bins; f++)
    frame_peak = MAX (frame_peak, magnitude[f]);
  viz->peak_db = MAX (20 * log10 (frame_peak),
      viz->peak_db - PEAK_FALL_DB_PER_FRAME);

  if (!viz->whole || viz->pending == 0)
    memset (rgb, 0, sizeof (float) * height * 3);
  for (gint y = 0; y < height; y++) {
    gint bin = viz->row_bin[y];
    double db = 20 * log10 (magnitude[bin] + 1e-30);
    double light = CLAMP ((db - (viz->peak_db - RANGE_DB)) / RANGE_DB, 0, 1);
    for (gint s = 0; s < viz->sources; s++) {
      double w = light * masks[(gsize) s * viz->bins + bin];
      for (gint c = 0; c < 3; c++)
        rgb[y * 3 + c] += (float) (w * viz->palette[s][c] / viz->span);
    }
  }
  if (viz->whole) {
    if (++viz->pending < viz->span)
      return;
    viz->pending = 0;
  }
  store_column (viz, rgb);
}

GstBuffer *
gst_nmf_viz_render (GstNmfViz * viz)
{
  const GstVideoInfo *info = &viz->info;
  gint width = GST_VIDEO_INFO_WIDTH (info), height =
      GST_VIDEO_INFO_HEIGHT (info);
  gint bpp = GST_VIDEO_INFO_COMP_PSTRIDE (info, 0);
  gsize col = (gsize) height * 3;
  GstBuffer *buf = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (info),
      NULL);
  GstVideoFrame frame;

  if (viz->whole && viz->pending > 0) {
    /* the partly averaged last column counts, at its weight so far */
    for (gsize k = 0; k < col; k++)
      viz->acc[k] *= (float) viz->span / viz->pending;
    viz->pending = viz->span;
    store_column (viz, viz->acc);
    viz->pending = 0;
  }

  gst_video_frame_map (&frame, info, buf, GST_MAP_WRITE);
  for (gint y = 0; y < height; y++) {
    guint8 *row = (guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&frame, 0)
        + (gsize) y * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0);
    memset (row, 0, (gsize) width * bpp);
    for (gint x = 0; x < width; x++) {
      const guint8 *src = NULL;
      if (viz->whole) {
        /* the whole stream squeezed (or stretched) into the width */
        if (viz->count > 0)
          src = viz->columns + (gsize) MIN ((gint64) x * viz->count / width,
              viz->count - 1) * col;
      } else {
        /* scrolling: the newest column at the right edge */
        gint age = width - 1 - x;
        if (age < viz->count)
          src = viz->columns + (gsize) ((viz->head - 1 - age + 2 *
                  viz->capacity) % viz->capacity) * col;
      }
      guint8 *px = row + (gsize) x * bpp;
      if (src)
        memcpy (px, src + y * 3, 3);
      if (bpp == 4)
        px[3] = 255;
    }
  }
  gst_video_frame_unmap (&frame);
  return buf;
}
