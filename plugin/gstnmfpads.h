/* GStreamer
 * Copyright (C) 2026 gst-nmf developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */
#ifndef __GST_NMF_PADS_H__
#define __GST_NMF_PADS_H__

#include "gstnmfseparate.h"

G_BEGIN_DECLS

/* nmfseparate's request pads: which source a request names, and how a
 * pad joins a stream that has started (the sticky events a late pad
 * needs, as tee gives them) or leaves it, without waiting for the
 * streaming thread. */

/* A pad of a source ("src_1", or "src_%u": the lowest free one) or the
 * picture ("viz"), with the element's source-pad query and event
 * functions; NULL, after a warning saying why, for one that n-sources
 * does not have or that was requested already. */
GstPad *gst_nmf_pads_request (GstNmfSeparate * self, GstPadTemplate * templ,
    const gchar * name, GstPadQueryFunction query, GstPadEventFunction event);
void gst_nmf_pads_release (GstNmfSeparate * self, GstPad * pad);

/* Pads requested or released since: into or out of the stream.  The
 * streaming thread calls it before each item (it holds the stream lock);
 * another thread only if the stream lock is free (try). */
void gst_nmf_pads_update (GstNmfSeparate * self, gboolean try);

G_END_DECLS
#endif /* __GST_NMF_PADS_H__ */
