/* GStreamer
 * Copyright (C) 2026 gst-nmf developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */
#ifndef __GST_NMF_QUERIES_H__
#define __GST_NMF_QUERIES_H__

#include "gstnmfseparate.h"

G_BEGIN_DECLS

/* F32 in the machine's byte order, which is F32LE on every little-endian
 * host: the core computes on native floats. */
#define GST_NMF_AUDIO_CAPS \
  "audio/x-raw, format=(string)" GST_AUDIO_NE (F32) ", " \
  "layout=(string)interleaved, rate=(int)[ 8000, 192000 ], " \
  "channels=(int)[ 1, 64 ]"

#define GST_NMF_MASK_CAPS \
  GST_NMF_MASK_CAPS_NAME ", bins=(int)[ 17, 16385 ], " \
  "hop-size=(int)[ 1, 16384 ], rate=(int)[ 8000, 192000 ]"

/* What nmfseparate's pads answer: the sink pad's queries (caps, latency),
 * the source pads' (caps, position, duration, latency) and the events
 * that go upstream from them (a seek, once). */
gboolean gst_nmf_queries_sink (GstPad * pad, GstObject * parent,
    GstQuery * query);
gboolean gst_nmf_queries_src (GstPad * pad, GstObject * parent,
    GstQuery * query);
gboolean gst_nmf_queries_src_event (GstPad * pad, GstObject * parent,
    GstEvent * event);

G_END_DECLS
#endif /* __GST_NMF_QUERIES_H__ */
