/* GStreamer
 * Copyright (C) 2026 gst-nmf developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */
#ifndef __GST_NMF_EXTRACT_H__
#define __GST_NMF_EXTRACT_H__

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_NMF_EXTRACT (gst_nmf_extract_get_type ())
G_DECLARE_FINAL_TYPE (GstNmfExtract, gst_nmf_extract, GST, NMF_EXTRACT,
    GstBin);

GST_ELEMENT_REGISTER_DECLARE (nmfextract);

G_END_DECLS
#endif /* __GST_NMF_EXTRACT_H__ */
