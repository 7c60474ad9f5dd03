/* GStreamer
 * Copyright (C) 2026 gst-nmf developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */
#ifndef __GST_NMF_VIZ_H__
#define __GST_NMF_VIZ_H__

#include <gst/gst.h>
#include <gst/video/video.h>

G_BEGIN_DECLS

/* The picture of the separation: a spectrogram (time left to right, a
 * logarithmic frequency axis bottom to top, brightness from the level in dB)
 * whose every point is coloured by the sources' masks there.  Scrolling
 * (the newest frame at the right edge), or, for a still picture, the whole
 * stream squeezed into the width.  RGB, RGBA or any other packed 24/32-bit
 * RGB format of GstVideoInfo (the bytes besides R, G and B are 255). */
typedef struct _GstNmfViz GstNmfViz;

/* bins: values per frame, fft-size / 2 + 1 */
GstNmfViz *gst_nmf_viz_new (const GstVideoInfo * info, gint rate,
    gint bins, gint sources, gboolean whole);
void gst_nmf_viz_free (GstNmfViz * viz);

/* Back to the picture of no frame at all (a new stream's still picture). */
void gst_nmf_viz_clear (GstNmfViz * viz);

/* A scrolling picture: `columns` frames of nothing (a stretch of time with
 * no audio: a live source's dropout), at most the picture's width. */
void gst_nmf_viz_add_silence (GstNmfViz * viz, guint64 columns);

/* One STFT frame: magnitude (bins) and masks (sources x bins). */
void gst_nmf_viz_add_frame (GstNmfViz * viz, const float *magnitude,
    const float *masks);

/* The current picture into buf (of the video info's size); FALSE if buf
 * cannot be mapped. */
gboolean gst_nmf_viz_render_into (GstNmfViz * viz, GstBuffer * buf);
/* A new buffer holding the current picture. */
GstBuffer *gst_nmf_viz_render (GstNmfViz * viz);

/* Tests: a scrolling picture redrawn whole, every pixel from the stored
 * columns, as the renderer did before it drew only the new columns (the
 * reference its pictures are compared with).  Before the first frame. */
void gst_nmf_viz_set_redraw_all (GstNmfViz * viz, gboolean redraw_all);

G_END_DECLS
#endif
