/* GStreamer
 * Copyright (C) 2026 gst-nmf developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */
#ifndef __GST_NMF_CAPS_H__
#define __GST_NMF_CAPS_H__

#include "gstnmfseparate.h"

G_BEGIN_DECLS

/* New caps: drains the stream of the old ones, then makes the separator
 * for the new format and the settings in force.  FALSE after posting an
 * error. */
gboolean gst_nmf_caps_set (GstNmfSeparate * self, GstCaps * caps);
/* The caps of the source pads for the separator in force. */
GstCaps *gst_nmf_caps_src (GstNmfSeparate * self);

G_END_DECLS
#endif /* __GST_NMF_CAPS_H__ */
