/* GStreamer
 * Copyright (C) 2026 gst-nmf developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */
#ifndef __GST_NMF_ENROL_H__
#define __GST_NMF_ENROL_H__

#include <gst/gst.h>

#include <nmf/separator.h>

G_BEGIN_DECLS

typedef enum
{
  GST_NMF_ENROL_BLIND,
  GST_NMF_ENROL_ENROLLING,      /* its frames are being kept */
  GST_NMF_ENROL_LEARNING,       /* its templates are being learned */
  GST_NMF_ENROL_ENROLLED,       /* it has templates, held fixed */
  GST_NMF_ENROL_N               /* (not a state: "what it holds") */
} GstNmfEnrolState;

/* Enrolment: the frames of a source playing alone are kept by the core,
 * its templates learned in a thread of their own (as nmftool learn does,
 * so the separation is not held up), then installed in the core between
 * two buffers.  The enrolled dictionaries outlive the separator (a caps
 * change, a restart) and are installed again in the next one. */
typedef struct
{
  GstElement *element;
  GMutex lock;                  /* everything below but `enrolling` */
  GThreadPool *pool;            /* one thread: the learning */
  gint enrolling;               /* streaming thread: the source whose
                                 * frames the core keeps, or -1 */
  gint refused;                 /* streaming thread: the enrol-source
                                 * value last refused (said once), or -1 */
  guint64 seed;
  gint rate;                    /* streaming thread: the stream's rate */
  GstNmfEnrolState state[NMF_SEPARATOR_MAX_SOURCES];
  /* per source: the dictionary in force (bins x count), and one waiting
   * to be installed by the streaming thread (count 0: remove) */
  float *dictionary[NMF_SEPARATOR_MAX_SOURCES];
  size_t count[NMF_SEPARATOR_MAX_SOURCES];
  size_t bins[NMF_SEPARATOR_MAX_SOURCES];
  /* the rate templates were learned at (their bins are frequencies at
   * that rate), 0 for loaded ones (the file does not say) */
  gint rates[NMF_SEPARATOR_MAX_SOURCES];
  gint waiting_rate[NMF_SEPARATOR_MAX_SOURCES];
  float *waiting[NMF_SEPARATOR_MAX_SOURCES];
  size_t waiting_count[NMF_SEPARATOR_MAX_SOURCES];
  size_t waiting_bins[NMF_SEPARATOR_MAX_SOURCES];
  gboolean has_waiting[NMF_SEPARATOR_MAX_SOURCES];
  /* taken from waiting, being installed (a new model: 0.2 s), so that a
   * save meanwhile finds them (it found nothing) */
  const float *installing[NMF_SEPARATOR_MAX_SOURCES];
  guint jobs;                   /* learnings pushed and not ended */
  GCond idle;                   /* jobs fell to 0 */
  GThread *learning_thread;     /* running a learning, or NULL */
  volatile gint cancel;         /* a stop: the learnings end at once */
  size_t installing_count[NMF_SEPARATOR_MAX_SOURCES];
  size_t installing_bins[NMF_SEPARATOR_MAX_SOURCES];
} GstNmfEnrol;

void gst_nmf_enrol_init (GstNmfEnrol * e, GstElement * element);
/* Frees what it holds (a learning has ended: gst_nmf_enrol_stop). */
void gst_nmf_enrol_clear (GstNmfEnrol * e);

/* Streaming thread, between two buffers: follows the enrol-source
 * property (wanted, -1: none), starts the learning of a source whose
 * enrolment ended, and installs what is waiting.  components, shifts:
 * the enrol-components and enrol-shifts properties; the learning's seed
 * is the separator's. */
void gst_nmf_enrol_apply (GstNmfEnrol * e, nmf_separator * separator,
    gint wanted, guint components, guint shifts);

/* A new separator: the enrolled dictionaries go into it (those made for
 * another FFT size are dropped, with a warning). */
void gst_nmf_enrol_new_separator (GstNmfEnrol * e, nmf_separator * separator,
    gint rate);

/* The separator goes away (PAUSED to READY): an enrolment in progress
 * ends without learning, and a learning under way is cancelled (it ends
 * within an iteration, its source back to what it held). */
void gst_nmf_enrol_stop (GstNmfEnrol * e);

/* The state of each of n sources, as an array of strings ("blind",
 * "enrolling", "learning", "enrolled") for element messages. */
void gst_nmf_enrol_describe (GstNmfEnrol * e, guint n, GValue * array);

/* The action signals: the dictionary of `source` to / from a .npy file
 * (the format of nmftool learn).  A loaded dictionary is installed at the
 * next buffer; bins is the separator's (0 when there is none yet: the
 * dictionary is checked when it is installed). */
gboolean gst_nmf_enrol_save (GstNmfEnrol * e, guint source,
    const gchar * path);
gboolean gst_nmf_enrol_load (GstNmfEnrol * e, guint source,
    const gchar * path, size_t bins);

G_END_DECLS
#endif /* __GST_NMF_ENROL_H__ */
