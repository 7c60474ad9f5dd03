/* GStreamer
 * Copyright (C) 2026 gst-nmf developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */
#ifndef __GST_NMF_SETTINGS_H__
#define __GST_NMF_SETTINGS_H__

#include <gst/gst.h>

#include <nmf/separator.h>

G_BEGIN_DECLS

/* the media type of the source pads in output-mode=mask */
#define GST_NMF_MASK_CAPS_NAME "application/x-nmf-mask"

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
  GST_NMF_PROFILE_AUTO = NMF_PROFILE_NONE,
  GST_NMF_PROFILE_LIVE = NMF_PROFILE_LIVE,
  GST_NMF_PROFILE_FILE = NMF_PROFILE_FILE,
} GstNmfProfile;

#define GST_TYPE_NMF_PROFILE (gst_nmf_profile_get_type ())
GType gst_nmf_profile_get_type (void);

typedef enum
{
  GST_NMF_SPATIAL_OFF = NMF_SPATIAL_OFF,
  GST_NMF_SPATIAL_AUTO = NMF_SPATIAL_AUTO,
} GstNmfSpatial;

#define GST_TYPE_NMF_SPATIAL (gst_nmf_spatial_get_type ())
GType gst_nmf_spatial_get_type (void);

/* The sets of properties an element ignored (a NULL/READY property set
 * while it runs) are not announced as changes.  GObject notifies every
 * set unless the property has G_PARAM_EXPLICIT_NOTIFY, a flag
 * gst-inspect-1.0 does not name (it printed ", 0x40000000"); the element's
 * dispatch_properties_changed drops them instead.  Under the element's
 * object lock. */
typedef struct
{
  guint64 ignored;              /* bit p: a set of property p was ignored */
  guint64 taken;                /* bit p: one was taken (both: notified) */
} GstNmfIgnoredSets;

/* A set of property prop_id was taken, or ignored (object lock held). */
void gst_nmf_ignored_sets_mark (GstNmfIgnoredSets * sets, guint prop_id,
    gboolean taken);
/* The element's dispatch_properties_changed: chains up to parent_class's
 * with the properties whose sets since the last dispatch were all
 * ignored left out. */
void gst_nmf_ignored_sets_dispatch (GObject * object,
    GstNmfIgnoredSets * sets, GObjectClass * parent_class, guint n_pspecs,
    GParamSpec ** pspecs);

/* The property values, read and written under the element's object lock.
 * What the profile gives (components, bands-per-octave, lookahead-frames,
 * iterations, mask-exponent) is left to the core unless the user set the
 * property. */
typedef struct
{
  GstNmfProfile profile;
  guint64 set_by_user;          /* bit p: property p was set */
  guint64 live_changed;         /* bit p: live-tunable property p was set
                                 * since the core last got its value */
  GstNmfAlgorithm algorithm;
  GstNmfSpatial spatial;
  gdouble regularization;
  guint n_sources;
  guint components;             /* 0: automatic */
  guint fft_size;
  guint hop_size;               /* 0: automatic, fft-size / 4 */
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
  gint enrol_source;            /* -1: none */
  guint enrol_components;
  guint enrol_shifts;
  gboolean in_use;              /* a run (READY to PAUSED until PAUSED to
                                 * READY) was made from these: the
                                 * properties that change sizes are refused */
  GstNmfIgnoredSets sets;       /* not notified when ignored */
} GstNmfSettings;

/* Installs the element's properties on its class. */
void gst_nmf_settings_install_properties (GObjectClass * gobject_class);

void gst_nmf_settings_init (GstNmfSettings * s);
void gst_nmf_settings_clear (GstNmfSettings * s);

/* The GObject property accessors, for the element's set/get_property.  A
 * property that changes sizes is refused (with a warning in the debug log)
 * while a run uses the settings (gst_nmf_settings_start). */
void gst_nmf_settings_set_property (GstElement * element, GstNmfSettings * s,
    guint prop_id, const GValue * value, GParamSpec * pspec);
void gst_nmf_settings_get_property (GstElement * element, GstNmfSettings * s,
    guint prop_id, GValue * value, GParamSpec * pspec);

/* A copy of the settings, owning its string (gst_nmf_settings_clear it),
 * taken under the element's object lock.  with_live: the separator is made
 * from it, so the live-tunable values count as handed to the core. */
void gst_nmf_settings_snapshot (GstElement * element, GstNmfSettings * s,
    GstNmfSettings * copy, gboolean with_live);

/* A run starts (READY to PAUSED): the snapshot it is checked with, taken
 * in the same critical section that marks the settings in use, so that no
 * size can change between the run's checks and its separators (the state
 * still reads READY during READY to PAUSED).  gst_nmf_settings_stop (at
 * PAUSED to READY, or when the start failed) frees them again. */
void gst_nmf_settings_start (GstElement * element, GstNmfSettings * s,
    GstNmfSettings * copy);
void gst_nmf_settings_stop (GstElement * element, GstNmfSettings * s);

/* What may change while the element plays, read between two buffers. */
typedef struct
{
  gboolean iterations_changed;  /* set since the core last got it */
  gint iterations;
  gboolean mask_exponent_changed;
  gint mask_exponent;
  gboolean post_messages;
  guint64 interval;
  gboolean message_masks;
  gint enrol_source;
  guint enrol_components;
  guint enrol_shifts;
} GstNmfLiveSettings;

void gst_nmf_settings_take_live (GstElement * element, GstNmfSettings * s,
    GstNmfLiveSettings * live);

/* Dictionaries read from the files the property names. */
typedef struct
{
  float *templates[NMF_SEPARATOR_MAX_SOURCES];
  size_t components[NMF_SEPARATOR_MAX_SOURCES];
} GstNmfDictionaries;

/* Parses "SOURCE=FILE.npy,..." and loads each file for the fft-size.  On
 * failure posts an error naming the property and returns FALSE. */
gboolean gst_nmf_dictionaries_load (GstNmfDictionaries * d,
    GstElement * element, const GstNmfSettings * s);
void gst_nmf_dictionaries_clear (GstNmfDictionaries * d);

/* The core's configuration: the properties the user did not set
 * NMF_SEPARATOR_AUTO, resolved by the core for `profile`
 * (NMF_PROFILE_NONE: its plain defaults).  d (may be NULL) is referenced,
 * not copied. */
void gst_nmf_settings_to_config (const GstNmfSettings * s, gint channels,
    const GstNmfDictionaries * d, nmf_profile profile,
    nmf_separator_config * cfg);

/* nmf_separator_check_config; a refused configuration is posted as an
 * error naming the property ("hop-size: ..."), and FALSE returned. */
gboolean gst_nmf_settings_check_config (GstElement * element,
    const nmf_separator_config * cfg);

G_END_DECLS
#endif /* __GST_NMF_SETTINGS_H__ */
