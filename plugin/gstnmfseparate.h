/* GStreamer
 * Copyright (C) 2026 gst-nmf developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */
#ifndef __GST_NMF_SEPARATE_H__
#define __GST_NMF_SEPARATE_H__

#include <gst/gst.h>
#include <gst/audio/audio.h>
#include <gst/base/gstflowcombiner.h>

#include "gstnmfviz.h"
#include "dictionary.h"
#include "nmf_error.h"
#include "separator.h"

G_BEGIN_DECLS

#define GST_TYPE_NMF_SEPARATE (gst_nmf_separate_get_type ())
G_DECLARE_FINAL_TYPE (GstNmfSeparate, gst_nmf_separate, GST, NMF_SEPARATE,
    GstElement);

typedef enum
{
  GST_NMF_OUTPUT_MODE_AUDIO,
  GST_NMF_OUTPUT_MODE_MASK,
} GstNmfOutputMode;

#define GST_TYPE_NMF_OUTPUT_MODE (gst_nmf_output_mode_get_type ())
GType gst_nmf_output_mode_get_type (void);

typedef enum
{
  GST_NMF_ALGORITHM_KL = NMF_ALGORITHM_KL,
  GST_NMF_ALGORITHM_VOLMIN = NMF_ALGORITHM_VOLMIN,
} GstNmfAlgorithm;

#define GST_TYPE_NMF_ALGORITHM (gst_nmf_algorithm_get_type ())
GType gst_nmf_algorithm_get_type (void);

typedef enum
{
  GST_NMF_PROFILE_AUTO,
  GST_NMF_PROFILE_LIVE,
  GST_NMF_PROFILE_FILE,
} GstNmfProfile;

#define GST_TYPE_NMF_PROFILE (gst_nmf_profile_get_type ())
GType gst_nmf_profile_get_type (void);

/* Property values, read and written under the object lock. */
typedef struct
{
  GstNmfProfile profile;
  guint64 explicit_props;       /* bit p: property p was set by the user */
  GstNmfAlgorithm algorithm;
  gdouble regularization;
  guint n_sources;
  guint components;             /* 0: as many as n_sources */
  guint fft_size;
  guint hop_size;
  guint window_frames;
  guint bands_per_octave;       /* 0: every bin */
  guint lookahead_frames;       /* 0: causal */
  guint iterations;
  GstNmfOutputMode output_mode;
  guint mask_exponent;
  guint64 seed;
  gboolean post_messages;
  guint64 interval;
  gboolean message_masks;
  gchar *dictionaries;          /* "SOURCE=FILE.npy,..." or NULL */
} GstNmfSeparateSettings;

struct _GstNmfSeparate
{
  GstElement parent;

  GstPad *sinkpad;
  /* Request pads.  Changed by the application thread under the sink pad's
   * stream lock, so that the streaming thread never sees them change. */
  GstPad *srcpad_of[NMF_SEPARATOR_MAX_SOURCES]; /* src_%u, NULL if not
                                                 * requested */
  GPtrArray *outpads;           /* every output pad: sources and viz */

  /* Each source pad pushes from its own task, fed by a bounded queue, so
   * that one blocked branch (a sink waiting for preroll) cannot stall the
   * others: the pipelines need no queue element after the source pads. */
  GMutex queue_lock;
  GCond queue_cond;
  GstFlowCombiner *flow_combiner;       /* under queue_lock */
  GstFlowReturn combined_flow;  /* under queue_lock */

  GstNmfSeparateSettings settings;

  /* streaming state: touched by the streaming thread only, and by
   * change_state once streaming has stopped */
  nmf_separator *separator;
  GstNmfSeparateSettings active;        /* settings the separator was made with */
  GstNmfProfile profile_in_force;       /* auto resolved, at caps time */
  GstAudioInfo info;
  gboolean have_info;
  GstAudioStreamAlign *align;
  GstClockTime base_time;       /* timestamps count samples from here */
  guint64 base_samples;         /* samples from base_time to the stream start */
  guint64 base_offset;          /* sample offset of input sample 0 */
  GstClockTime segment_time;    /* where untimestamped streams start */
  GstSegment segment;

  /* element messages: the interval being accumulated */
  guint64 msg_first_frame;
  guint msg_frames;
  guint64 msg_next_boundary;    /* sample where the interval ends */
  gdouble msg_energy[NMF_SEPARATOR_MAX_SOURCES];
  gfloat *msg_masks;            /* sources x bins: the last frame's masks */

  /* the picture: a request pad, its renderer and video timeline */
  GstPad *vizpad;
  GstNmfViz *viz;
  GstVideoInfo viz_info;
  guint64 viz_next;             /* next video frame of this stream */
  gboolean discont_pending;
  guint64 non_finite_reported;
  guint64 clamped_reported;
  guint64 refreshes_reported;
  guint64 failures_reported;
  guint64 restarts_reported;
};

GST_ELEMENT_REGISTER_DECLARE (nmfseparate);

G_END_DECLS
#endif /* __GST_NMF_SEPARATE_H__ */
