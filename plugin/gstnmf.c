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

#include <gst/gst.h>

#include "gstnmfextract.h"
#include "gstnmfseparate.h"

static gboolean
plugin_init (GstPlugin * plugin)
{
  return GST_ELEMENT_REGISTER (nmfseparate, plugin)
      && GST_ELEMENT_REGISTER (nmfextract, plugin);
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, nmf,
    "Real-time, training-free audio source separation by nonnegative "
    "matrix factorization", plugin_init, PACKAGE_VERSION, "LGPL",
    "gst-nmf", "https://example.invalid/gst-nmf")
