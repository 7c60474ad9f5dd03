/* What the e2e test programs share: a pipeline from a printf-style
 * description (the program ends, saying why, when it does not parse) and a
 * count of the F32 mono samples reaching an element's sink pad. */
#ifndef E2E_PIPELINE_H
#define E2E_PIPELINE_H

#include <gst/gst.h>

GstElement *e2e_launch (const gchar * format, ...) G_GNUC_PRINTF (1, 2);
/* Adds *counter the samples of every buffer reaching the sink pad of the
 * element named `name` in `pipe`. */
void e2e_count_samples (GstElement * pipe, const gchar * name,
    gint64 * counter);
/* Calls func (data) in a thread of its own, as another thread of an
 * application would, and waits for it at most `seconds`: TRUE when it
 * returned by then (the thread is left running otherwise). */
gboolean e2e_call_from_another_thread (GThreadFunc func, gpointer data,
    guint seconds);
/* Adds to the sink pad of the element named `name` in `pipe` a probe that
 * takes every buffer's timestamps, duration and offsets away, as an
 * untimestamped (live) source gives them; buffers (may be NULL) counts
 * them, atomically. */
void e2e_strip_timestamps (GstElement * pipe, const gchar * name,
    gint * buffers);

#endif
