/* GStreamer
 * Copyright (C) 2026 gst-nmf developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-nmfextract
 * @title: nmfextract
 * @short_description: one source of nmfseparate, as a plain audio filter
 *
 * nmfextract is a bin holding an #GstNmfSeparate (named `separator`) whose
 * source pad #GstNmfExtract:source is its only output: one sink pad and one
 * source pad, like any audio filter, so that it fits where one output is
 * expected, playbin's `audio-filter` above all.  The other sources are
 * separated but not sent anywhere.  The separator's properties are set
 * through the bin, `separator::n-sources=3` in gst-launch-1.0 or
 * gst_child_proxy_set() in an application.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 playbin uri=file:///path/to/mix.wav \
 *   audio-filter="nmfextract source=1"
 * ]| Plays the second of two sources of a file.
 * |[
 * gst-launch-1.0 filesrc location=mix.wav ! wavparse ! audioconvert ! \
 *   nmfextract source=2 separator::n-sources=3 ! audioconvert ! wavenc ! \
 *   filesink location=third.wav
 * ]| Writes the third of three sources.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstnmfextract.h"
#include "gstnmfseparate.h"

GST_DEBUG_CATEGORY_STATIC (gst_nmf_extract_debug);
#define GST_CAT_DEFAULT gst_nmf_extract_debug

struct _GstNmfExtract
{
  GstBin parent;

  GstElement *separator;
  GstPad *srcpad;               /* ghost of the separator's chosen pad */
  GstPad *chosen;               /* that request pad, or NULL */
  guint source;                 /* under the object lock */
  /* from the start (READY to PAUSED) back to READY, under the object
   * lock: `source` is not changed then (the pad in use is not) */
  gboolean in_use;
  GstNmfIgnoredSets sets;       /* `source` set while in use: not notified */
};

enum
{
  PROP_0,
  PROP_SOURCE,
};

#define DEFAULT_SOURCE 0

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

#define gst_nmf_extract_parent_class parent_class
G_DEFINE_TYPE (GstNmfExtract, gst_nmf_extract, GST_TYPE_BIN);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (nmfextract, "nmfextract",
    GST_RANK_NONE, GST_TYPE_NMF_EXTRACT,
    GST_DEBUG_CATEGORY_INIT (gst_nmf_extract_debug, "nmfextract", 0,
        "one source of nmfseparate"));

static void
gst_nmf_extract_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstNmfExtract *self = GST_NMF_EXTRACT (object);

  switch (prop_id) {
    case PROP_SOURCE:
      GST_OBJECT_LOCK (self);
      if (self->in_use) {
        /* as nmfseparate's NULL/READY properties: it read back the new
         * value while the old source went on playing */
        gst_nmf_ignored_sets_mark (&self->sets, prop_id, FALSE);
        GST_OBJECT_UNLOCK (self);
        GST_WARNING_OBJECT (self, "property 'source' can only be changed in "
            "the NULL or READY state, not while the element starts or runs; "
            "ignoring the new value");
        break;
      }
      self->source = g_value_get_uint (value);
      gst_nmf_ignored_sets_mark (&self->sets, prop_id, TRUE);
      GST_OBJECT_UNLOCK (self);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

/* a `source` set while the element runs was ignored: not announced as a
 * change */
static void
gst_nmf_extract_dispatch_properties_changed (GObject * object,
    guint n_pspecs, GParamSpec ** pspecs)
{
  gst_nmf_ignored_sets_dispatch (object, &GST_NMF_EXTRACT (object)->sets,
      parent_class, n_pspecs, pspecs);
}

static void
gst_nmf_extract_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstNmfExtract *self = GST_NMF_EXTRACT (object);

  switch (prop_id) {
    case PROP_SOURCE:
      GST_OBJECT_LOCK (self);
      g_value_set_uint (value, self->source);
      GST_OBJECT_UNLOCK (self);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

/* Points the ghost source pad at the separator's pad of the chosen
 * source, requesting it: done when the bin starts, when n-sources and
 * source have their final values. */
static gboolean
gst_nmf_extract_choose (GstNmfExtract * self)
{
  gchar name[32];
  guint source, n_sources;

  GST_OBJECT_LOCK (self);
  source = self->source;
  GST_OBJECT_UNLOCK (self);
  g_object_get (self->separator, "n-sources", &n_sources, NULL);
  g_snprintf (name, sizeof name, "src_%u", source);
  /* (before the pad taken at a previous start is kept: n-sources may
   * have been lowered since) */
  if (source >= n_sources) {
    GST_ELEMENT_ERROR (self, CORE, PAD,
        ("source %u does not exist: separator::n-sources is %u", source,
            n_sources), (NULL));
    return FALSE;
  }
  if (self->chosen && g_strcmp0 (GST_PAD_NAME (self->chosen), name) == 0)
    return TRUE;
  gst_ghost_pad_set_target (GST_GHOST_PAD (self->srcpad), NULL);
  if (self->chosen) {
    gst_element_release_request_pad (self->separator, self->chosen);
    gst_object_unref (self->chosen);
  }
  self->chosen = gst_element_request_pad_simple (self->separator, name);
  if (!self->chosen
      || !gst_ghost_pad_set_target (GST_GHOST_PAD (self->srcpad),
          self->chosen)) {
    GST_ELEMENT_ERROR (self, CORE, PAD,
        ("could not take the separator's pad %s", name), (NULL));
    return FALSE;
  }
  return TRUE;
}

static GstStateChangeReturn
gst_nmf_extract_change_state (GstElement * element, GstStateChange transition)
{
  GstNmfExtract *self = GST_NMF_EXTRACT (element);
  GstStateChangeReturn ret;

  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) {
    GST_OBJECT_LOCK (self);
    self->in_use = TRUE;
    GST_OBJECT_UNLOCK (self);
    if (!gst_nmf_extract_choose (self)) {
      GST_OBJECT_LOCK (self);
      self->in_use = FALSE;
      GST_OBJECT_UNLOCK (self);
      return GST_STATE_CHANGE_FAILURE;
    }
  }
  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY
      || (transition == GST_STATE_CHANGE_READY_TO_PAUSED
          && ret == GST_STATE_CHANGE_FAILURE)) {
    GST_OBJECT_LOCK (self);
    self->in_use = FALSE;
    GST_OBJECT_UNLOCK (self);
  }
  return ret;
}

static void
gst_nmf_extract_dispose (GObject * object)
{
  GstNmfExtract *self = GST_NMF_EXTRACT (object);

  if (self->chosen) {
    gst_element_release_request_pad (self->separator, self->chosen);
    gst_clear_object (&self->chosen);
  }
  G_OBJECT_CLASS (parent_class)->dispose (object);
}

static void
gst_nmf_extract_class_init (GstNmfExtractClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gobject_class->set_property = gst_nmf_extract_set_property;
  gobject_class->get_property = gst_nmf_extract_get_property;
  gobject_class->dispose = gst_nmf_extract_dispose;
  gobject_class->dispatch_properties_changed =
      gst_nmf_extract_dispatch_properties_changed;

  g_object_class_install_property (gobject_class, PROP_SOURCE,
      g_param_spec_uint ("source", "Source",
          "The source that leaves through the src pad, 0 to "
          "separator::n-sources - 1 (default 0); read when the element "
          "starts. Changeable in NULL and READY only.",
          0, NMF_SEPARATOR_MAX_SOURCES - 1, DEFAULT_SOURCE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "NMF source extractor", "Filter/Audio",
      "One source of nmfseparate, as an audio filter with one output "
      "(e.g. for playbin's audio-filter)", "gst-nmf developers");
  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_nmf_extract_change_state);
}

static void
gst_nmf_extract_init (GstNmfExtract * self)
{
  GstPad *sink;

  self->source = DEFAULT_SOURCE;
  self->separator = gst_element_factory_make ("nmfseparate", "separator");
  gst_bin_add (GST_BIN (self), self->separator);
  sink = gst_element_get_static_pad (self->separator, "sink");
  gst_element_add_pad (GST_ELEMENT (self),
      gst_ghost_pad_new_from_template ("sink", sink,
          gst_element_class_get_pad_template (GST_ELEMENT_GET_CLASS (self),
              "sink")));
  gst_object_unref (sink);
  self->srcpad = gst_ghost_pad_new_no_target_from_template ("src",
      gst_element_class_get_pad_template (GST_ELEMENT_GET_CLASS (self),
          "src"));
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);
}
