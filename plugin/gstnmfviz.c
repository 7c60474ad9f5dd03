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

/* How a picture is made.
 *
 * Still (framerate 0/1): the stored columns (RGB, `height` * 3 bytes each)
 * are averaged in pairs as the stream grows, and the one picture at the end
 * is drawn from them, every pixel.
 *
 * Scrolling: each new column is drawn once, in the pad's pixel format, into
 * a ring of `width` columns kept row by row (`ring`: height rows of width
 * pixels; column i of the ring at x = i of every row); `head` is where the
 * next one goes, so the oldest shown column is at head.  A picture is then
 * two memcpy per row (head .. width - 1, then 0 .. head - 1) instead of a
 * pixel-by-pixel redraw: at 768x320, 30 pictures a second, the redraw was
 * the largest single cost of a desk showing the picture.
 *
 * Both give exactly the pixels of the former renderer, which redrew every
 * pixel of every picture from the stored columns; it stays here as the
 * reference the element tests compare with (gst_nmf_viz_set_redraw_all). */
struct _GstNmfViz
{
  GstVideoInfo info;
  gint width;
  gint height;
  gint bpp;                     /* bytes per pixel: 3 or 4 */
  gint off[3];                  /* where R, G and B are in a pixel */
  guint8 blank[4];              /* a black pixel: alpha (or padding) 255 */
  gint sources;
  gint bins;
  gboolean whole;
  gboolean redraw_all;          /* scrolling redrawn whole (the reference) */
  gint *row_bin;                /* height: the bin each row shows */
  double peak_db;

  /* columns of RGB, height * 3 bytes each (still picture, or scrolling
   * redrawn whole) */
  guint8 *columns;
  gint capacity;                /* columns the store holds */
  gint count;                   /* columns stored */
  gint head;                    /* scrolling: the next column to write */
  /* still picture: each stored column averages `span` frames */
  gint span;
  gint pending;
  float *acc;                   /* height * 3: the column being averaged */

  /* scrolling: the picture's columns in the pad's format, a ring */
  guint8 *ring;                 /* height rows of width * bpp bytes */
  guint8 *column;               /* height * 3: the newest column, RGB */
};

/* The colour of each source (sRGB).  Sources 0 to 5 are hues a golden
 * angle apart, as all 16 were until those bunched up in green (sources 6
 * and 14 were 1.4 apart in CIEDE2000, where about 1 is the least one sees
 * side by side); 6 to 15 are each in turn the colour farthest from all
 * before it among the bright ones (brightest channel 204 or more,
 * saturation 0.45 or more, channels in steps of 17).  The nearest pair is
 * now 16.7 apart (5 and 15), the nearest of the first 8 sources 26.8, of
 * the first 11 22.2.  The desk mirrors the table
 * (tools/desk/nmfdesk/picture.py). */
static const guint8 source_colours[16][3] = {
  {0xff, 0x00, 0x00}, {0x00, 0xff, 0x4a}, {0x94, 0x00, 0xff},
  {0xff, 0xdf, 0x00}, {0x00, 0xd4, 0xff}, {0xff, 0x00, 0x89},
  {0x00, 0x77, 0xcc}, {0xdd, 0x88, 0x11}, {0xcc, 0x88, 0xff},
  {0x00, 0xcc, 0xaa}, {0xff, 0x99, 0x88}, {0x88, 0xaa, 0xff},
  {0x00, 0x44, 0xcc}, {0xaa, 0xcc, 0x44}, {0xff, 0xcc, 0x88},
  {0xcc, 0x22, 0x44},
};

/* a pixel's layout: where R, G, B go; any other byte (alpha, padding) is
 * 255 */
static void
make_layout (GstNmfViz * viz)
{
  viz->bpp = GST_VIDEO_INFO_COMP_PSTRIDE (&viz->info, 0);
  memset (viz->blank, 255, sizeof (viz->blank));
  for (gint c = 0; c < 3; c++) {
    viz->off[c] = GST_VIDEO_INFO_COMP_POFFSET (&viz->info, c);
    viz->blank[viz->off[c]] = 0;
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
  viz->width = width;
  viz->height = height;
  make_layout (viz);
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
  viz->capacity = whole ? 4 * width : width;
  if (whole) {
    viz->columns = g_malloc0 ((gsize) viz->capacity * height * 3);
  } else {
    viz->ring = g_malloc ((gsize) width * height * viz->bpp);
    viz->column = g_malloc ((gsize) height * 3);
  }
  viz->acc = g_new0 (float, (gsize) height * 3);
  gst_nmf_viz_clear (viz);
  return viz;
}

void
gst_nmf_viz_clear (GstNmfViz * viz)
{
  gsize n = (gsize) viz->width * viz->height;

  viz->peak_db = -200.0;
  viz->count = viz->head = viz->pending = 0;
  viz->span = 1;
  memset (viz->acc, 0, sizeof (float) * viz->height * 3);
  if (viz->ring)
    for (gsize i = 0; i < n; i++)
      memcpy (viz->ring + i * viz->bpp, viz->blank, viz->bpp);
}

void
gst_nmf_viz_set_redraw_all (GstNmfViz * viz, gboolean redraw_all)
{
  g_return_if_fail (viz->count == 0 && viz->pending == 0);
  if (viz->whole || viz->redraw_all == redraw_all)
    return;
  viz->redraw_all = redraw_all;
  g_clear_pointer (&viz->columns, g_free);
  if (redraw_all)
    viz->columns = g_malloc0 ((gsize) viz->capacity * viz->height * 3);
}

void
gst_nmf_viz_free (GstNmfViz * viz)
{
  if (!viz)
    return;
  g_free (viz->row_bin);
  g_free (viz->columns);
  g_free (viz->ring);
  g_free (viz->column);
  g_free (viz->acc);
  g_free (viz);
}

/* still picture: halve the store by averaging neighbouring columns */
static void
halve (GstNmfViz * viz)
{
  gsize col = (gsize) viz->height * 3;

  for (gint i = 0; i < viz->count / 2; i++) {
    guint8 *a = viz->columns + 2 * i * col, *b = a + col;
    guint8 *dst = viz->columns + i * col;
    for (gsize k = 0; k < col; k++)
      dst[k] = (guint8) ((a[k] + b[k] + 1) / 2);
  }
  viz->count /= 2;
  viz->span *= 2;
}

/* scrolling: the new column into the ring, in the pad's format */
static void
draw_column (GstNmfViz * viz, const guint8 * rgb)
{
  gsize stride = (gsize) viz->width * viz->bpp;
  guint8 *dst = viz->ring + (gsize) viz->head * viz->bpp;

  for (gint y = 0; y < viz->height; y++, dst += stride, rgb += 3) {
    memcpy (dst, viz->blank, viz->bpp);
    dst[viz->off[0]] = rgb[0];
    dst[viz->off[1]] = rgb[1];
    dst[viz->off[2]] = rgb[2];
  }
}

static void
store_column (GstNmfViz * viz, const float *rgb)
{
  gsize col = (gsize) viz->height * 3;
  guint8 *dst;

  if (viz->whole) {
    if (viz->count == viz->capacity)
      halve (viz);
    dst = viz->columns + viz->count++ * col;
  } else if (viz->redraw_all) {
    dst = viz->columns + viz->head * col;
  } else {
    dst = viz->column;
  }
  for (gsize k = 0; k < col; k++)
    dst[k] = (guint8) CLAMP (lround (rgb[k]), 0, 255);
  if (!viz->whole) {
    if (!viz->redraw_all)
      draw_column (viz, dst);
    viz->head = (viz->head + 1) % viz->capacity;
    viz->count = MIN (viz->count + 1, viz->capacity);
  }
}

void
gst_nmf_viz_add_silence (GstNmfViz * viz, guint64 columns)
{
  if (viz->whole)
    return;
  memset (viz->acc, 0, sizeof (float) * viz->height * 3);
  for (guint64 i = 0; i < MIN (columns, (guint64) viz->capacity); i++)
    store_column (viz, viz->acc);
}

void
gst_nmf_viz_add_frame (GstNmfViz * viz, const float *magnitude,
    const float *masks)
{
  gint height = viz->height;
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
        rgb[y * 3 + c] += (float) (w * source_colours[s][c] / viz->span);
    }
  }
  if (viz->whole) {
    if (++viz->pending < viz->span)
      return;
    viz->pending = 0;
  }
  store_column (viz, rgb);
}

/* every pixel from the stored columns: the still picture, and the
 * reference redraw of a scrolling one */
static void
redraw (GstNmfViz * viz, GstVideoFrame * frame)
{
  gint width = viz->width, height = viz->height, bpp = viz->bpp;
  gsize col = (gsize) height * 3;

  for (gint y = 0; y < height; y++) {
    guint8 *row = (guint8 *) GST_VIDEO_FRAME_PLANE_DATA (frame, 0)
        + (gsize) y * GST_VIDEO_FRAME_PLANE_STRIDE (frame, 0);
    memset (row, 0, GST_VIDEO_FRAME_PLANE_STRIDE (frame, 0));
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
      memcpy (px, viz->blank, bpp);
      if (src) {
        px[viz->off[0]] = src[y * 3];
        px[viz->off[1]] = src[y * 3 + 1];
        px[viz->off[2]] = src[y * 3 + 2];
      }
    }
  }
}

/* scrolling: the ring from its oldest column (head) on */
static void
compose (GstNmfViz * viz, GstVideoFrame * frame)
{
  gsize row_bytes = (gsize) viz->width * viz->bpp;
  gsize older = (gsize) (viz->width - viz->head) * viz->bpp;
  gint stride = GST_VIDEO_FRAME_PLANE_STRIDE (frame, 0);
  guint8 *dst = GST_VIDEO_FRAME_PLANE_DATA (frame, 0);
  const guint8 *src = viz->ring;

  for (gint y = 0; y < viz->height; y++, dst += stride, src += row_bytes) {
    memcpy (dst, src + row_bytes - older, older);
    memcpy (dst + older, src, row_bytes - older);
    if ((gsize) stride > row_bytes)
      memset (dst + row_bytes, 0, stride - row_bytes);
  }
}

gboolean
gst_nmf_viz_render_into (GstNmfViz * viz, GstBuffer * buf)
{
  GstVideoFrame frame;
  gsize col = (gsize) viz->height * 3;

  if (viz->whole && viz->pending > 0) {
    /* the partly averaged last column counts, at its weight so far */
    for (gsize k = 0; k < col; k++)
      viz->acc[k] *= (float) viz->span / viz->pending;
    viz->pending = viz->span;
    store_column (viz, viz->acc);
    viz->pending = 0;
  }

  if (!gst_video_frame_map (&frame, &viz->info, buf, GST_MAP_WRITE))
    return FALSE;
  if (viz->whole || viz->redraw_all)
    redraw (viz, &frame);
  else
    compose (viz, &frame);
  gst_video_frame_unmap (&frame);
  return TRUE;
}

GstBuffer *
gst_nmf_viz_render (GstNmfViz * viz)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL,
      GST_VIDEO_INFO_SIZE (&viz->info), NULL);

  gst_nmf_viz_render_into (viz, buf);
  return buf;
}
