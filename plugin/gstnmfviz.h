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
 * stream squeezed into the width. */
typedef struct _GstNmfViz GstNmfViz;

/* bins: values per frame, fft-size / 2 + 1 */
GstNmfViz *gst_nmf_viz_new (const GstVideoInfo * info, gint rate,
    gint bins, gint sources, gboolean whole);
void gst_nmf_viz_free (GstNmfViz * viz);

/* One STFT frame: magnitude (bins) and masks (sources x bins). */
void gst_nmf_viz_add_frame (GstNmfViz * viz, const float *magnitude,
    const float *masks);

/* A new buffer holding the current picture. */
GstBuffer *gst_nmf_viz_render (GstNmfViz * viz);

G_END_DECLS
#endif
