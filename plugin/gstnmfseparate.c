/* GStreamer
 * Copyright (C) 2026 gst-nmf developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-nmfseparate
 * @title: nmfseparate
 * @short_description: real-time, training-free audio source separation by
 * sliding-window nonnegative matrix factorization
 *
 * nmfseparate splits an audio stream into #GstNmfSeparate:n-sources parts
 * with no training.  It computes a spectrogram (FFTW), keeps a
 * nonnegative matrix factorization of the last
 * #GstNmfSeparate:window-frames frames up to date as the stream moves, and
 * sends each source out of its own source pad `src_0`, `src_1`, ...: as
 * audio (the mixture filtered by the source's soft mask) or as the masks
 * themselves.  The separation itself is the gst-nmf core library
 * (<nmf/separator.h>); the element is its GStreamer host.
 *
 * The source pads are request pads, `src_0` to `src_N-1` for
 * #GstNmfSeparate:n-sources = N: gst-launch-1.0 requests them when it links
 * `name.src_0`, an application with gst_element_request_pad_simple() (by
 * name, or "src_%u" for the lowest free source).  A source pad that
 * n-sources does not have is refused, so such a link fails at once; a
 * source whose pad was not requested is separated but not sent anywhere.
 * Like deinterleave, an unlinked source pad is not an error as long as
 * another one is linked.  Every output pad pushes from its own thread, so a
 * pipeline needs no queue after the element.
 *
 * ## Audio output (output-mode=audio, the default)
 * Every source pad carries F32 audio with the rate and channels of the
 * input.  Masks are computed from the magnitude spectrum summed over the
 * channels and applied to each channel's spectrum.  Output sample n is the
 * separated version of input sample n and carries its timestamp; at EOS the
 * tail is drained, so every source pad pushes exactly as many samples as
 * came in, and the sources add up to the input (the masks sum to one).
 * The element holds up to #GstNmfSeparate:fft-size samples, plus
 * #GstNmfSeparate:lookahead-frames hops: it answers the latency query with
 * that.
 *
 * ## Mask output (output-mode=mask)
 * Every source pad carries `application/x-nmf-mask, bins=(int)B,
 * hop-size=(int)H, rate=(int)R` with B = fft-size / 2 + 1: one buffer per
 * hop, holding B native-endian float32 values in [0, 1], the soft mask of
 * that source for the STFT frame that ends with the hop.  Buffer j has the
 * timestamp of input sample j * H and lasts H samples (the last one may be
 * shorter, at EOS).  The masks of all sources sum to one in every bin.  The
 * latency is one hop (plus the look-ahead).
 *
 * ## Profiles: live and files
 * #GstNmfSeparate:profile picks the defaults of the quality / latency
 * trade-off for blind kl (without dictionaries; volmin and dictionaries
 * keep the plain defaults), as measured best.  `live`: components=20
 * grouped into the sources, bands-per-octave=24, iterations=4,
 * mask-exponent=1 and window-frames=129, causal: latency fft-size
 * samples.  `file`: the same with window-frames=258 and lookahead-frames
 * = 2 x window-frames (516 frames, 6 s at 44.1 kHz).
 * While the look-ahead fills, the source pads carry an empty GAP event at
 * the stream start, so that their sinks preroll at once.  `auto`, the
 * default, asks upstream with a latency query when the caps arrive: `file`
 * when upstream is not live (a file, a non-live test source), `live` when
 * it is live or does not answer.  A property set explicitly always keeps
 * its value (e.g. `lookahead-frames=86` gives the file settings with 1 s of
 * look-ahead).  The settings in force are logged at INFO when the caps
 * arrive.
 *
 * ## Model
 * #GstNmfSeparate:algorithm `kl` (the default) keeps a warm-started
 * KL-NMF of the window up to date frame by frame; `volmin` re-solves the
 * column-normalized volume-minimization criterion every 16 frames.  With
 * #GstNmfSeparate:components above n-sources the components are grouped
 * into sources by the timbre of their templates, stably as the window
 * slides.  #GstNmfSeparate:dictionaries gives some sources fixed templates
 * learned beforehand (`nmftool learn`); the others stay blind.
 * #GstNmfSeparate:bands-per-octave lets the model see a log-frequency axis
 * instead of every bin.  #GstNmfSeparate:seed makes the whole run
 * deterministic.  #GstNmfSeparate:iterations and
 * #GstNmfSeparate:mask-exponent may change while playing, and follow a
 * control source bound to them.  The element reference (docs/element.md)
 * has the details.
 *
 * ## Messages and picture
 * With #GstNmfSeparate:post-messages the element posts an element message
 * "nmfseparate" every #GstNmfSeparate:interval: `timestamp`, `stream-time`,
 * `running-time`, `duration` (guint64), `energy` (GST_TYPE_ARRAY of
 * gdouble, each source's mean spectral energy over the interval's frames)
 * and, with #GstNmfSeparate:message-masks, `masks` (GST_TYPE_ARRAY of one
 * GST_TYPE_ARRAY of gfloat per source, the interval's last frame), the
 * `spatial` state (a string: unused, listening, active, room or
 * not-diverse) and, when active, `position` (GST_TYPE_ARRAY of gdouble,
 * each source's place along the channels from -1 to +1: for stereo its
 * pan, left to right).  The
 * last partial interval is posted at EOS.  The request pad `viz` produces
 * video/x-raw (RGBA unless downstream asks for RGB, BGRx, BGRA, xRGB or
 * ARGB; 640x360 at 30 fps unless downstream asks otherwise): a spectrogram on a logarithmic frequency axis coloured by
 * the sources' masks, scrolling; with framerate 0/1 one still picture of
 * the whole stream at EOS.
 *
 * ## Bad input and stream events
 * NaN and infinite samples are replaced by silence and reported in the
 * debug log.  A DISCONT buffer, a timestamp discontinuity, or a caps change
 * drains the samples held so far and starts a new stream (the learned
 * templates stay; after a caps change only at the same rate); a flush
 * drops them.  A GAP event is separated as
 * silence of its duration (passed on in a segment that asked for no audio,
 * GST_SEEK_FLAG_TRICKMODE_NO_AUDIO).  Backwards (rate < 0) each buffer is
 * separated alone and comes out at once, its pieces last first.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 filesrc location=mix.wav ! wavparse ! audioconvert ! \
 *   nmfseparate name=s n-sources=2 \
 *   s.src_0 ! audioconvert ! wavenc ! filesink location=source0.wav \
 *   s.src_1 ! audioconvert ! wavenc ! filesink location=source1.wav
 * ]| Splits a recording into two sources, one WAV file each (a file is not
 * live: the file profile).
 * |[
 * gst-launch-1.0 autoaudiosrc ! audioconvert ! audioresample ! \
 *   nmfseparate name=s s.src_0 ! audioconvert ! autoaudiosink s.src_1 ! fakesink
 * ]| Plays one of two sources of the microphone live (causal: the live
 * profile).
 * |[
 * gst-launch-1.0 -m filesrc location=stereo.wav ! wavparse ! audioconvert ! \
 *   nmfseparate name=s n-sources=3 post-messages=true \
 *   s.src_0 ! audioconvert ! wavenc ! filesink location=source0.wav \
 *   s.src_1 ! audioconvert ! wavenc ! filesink location=source1.wav \
 *   s.src_2 ! audioconvert ! wavenc ! filesink location=source2.wav
 * ]| Splits a panned stereo mix into three stereo files by where each source
 * sits (spatial=auto); the messages give each source's `position`.
 * |[
 * gst-launch-1.0 filesrc location=mix.wav ! wavparse ! audioconvert ! \
 *   nmfseparate name=s output-mode=mask s.src_0 ! fakesink s.src_1 ! fakesink
 * ]| Computes the soft masks only.
 * |[
 * gst-launch-1.0 filesrc location=mix.wav ! wavparse ! audioconvert ! \
 *   nmfseparate name=s s.src_0 ! fakesink s.src_1 ! fakesink \
 *   s.viz ! video/x-raw,width=1200,height=400,framerate=0/1 ! videoconvert ! \
 *   pngenc ! filesink location=separation.png async=false
 * ]| Draws the separation of a whole file as one picture.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstnmfseparate.h"
#include "gstnmfpads.h"
#include "gstnmfcaps.h"
#include "gstnmfqueries.h"
#include "gstnmfstream.h"

#include <stdlib.h>
#include <string.h>

GST_DEBUG_CATEGORY (gst_nmf_separate_debug);
#define GST_CAT_DEFAULT gst_nmf_separate_debug

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS (GST_NMF_AUDIO_CAPS));

static GstStaticPadTemplate viz_template = GST_STATIC_PAD_TEMPLATE ("viz",
    GST_PAD_SRC,
    GST_PAD_REQUEST,
    /* RGBA first (the default); BGRx and BGRA are what cairo, and so
     * gtksink, take without a videoconvert */
    GST_STATIC_CAPS ("video/x-raw, format=(string){ RGBA, RGB, BGRx, BGRA, "
        "xRGB, ARGB }, "
        "width=(int)[ 16, 8192 ], height=(int)[ 16, 4096 ], "
        "framerate=(fraction)[ 0/1, 120/1 ]"));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src_%u",
    GST_PAD_SRC,
    GST_PAD_REQUEST,
    GST_STATIC_CAPS (GST_NMF_AUDIO_CAPS "; " GST_NMF_MASK_CAPS));


#define gst_nmf_separate_parent_class parent_class
G_DEFINE_TYPE (GstNmfSeparate, gst_nmf_separate, GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (nmfseparate, "nmfseparate",
    GST_RANK_NONE, GST_TYPE_NMF_SEPARATE,
    GST_DEBUG_CATEGORY_INIT (gst_nmf_separate_debug, "nmfseparate", 0,
        "NMF audio source separation"));

static void gst_nmf_separate_finalize (GObject * object);
static void gst_nmf_separate_dispatch_properties_changed (GObject * object,
    guint n_pspecs, GParamSpec ** pspecs);
static void gst_nmf_separate_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
static void gst_nmf_separate_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);
static GstStateChangeReturn gst_nmf_separate_change_state (GstElement *
    element, GstStateChange transition);
static GstPad *gst_nmf_separate_request_new_pad (GstElement * element,
    GstPadTemplate * templ, const gchar * name, const GstCaps * caps);
static void gst_nmf_separate_release_pad (GstElement * element, GstPad * pad);
static GstFlowReturn gst_nmf_separate_chain (GstPad * pad, GstObject * parent,
    GstBuffer * buffer);
static gboolean gst_nmf_separate_sink_event (GstPad * pad, GstObject * parent,
    GstEvent * event);

static gboolean
gst_nmf_separate_save_dictionary (GstNmfSeparate * self, guint source,
    const gchar * path)
{
  return gst_nmf_enrol_save (&self->enrol, source, path);
}

static gboolean
gst_nmf_separate_load_dictionary (GstNmfSeparate * self, guint source,
    const gchar * path)
{
  guint fft_size, sources, limit;
  GstState state;

  g_object_get (self, "fft-size", &fft_size, "n-sources", &sources, NULL);
  /* GStreamer writes the state under the object lock; this action signal
   * may run in any thread */
  GST_OBJECT_LOCK (self);
  state = GST_STATE (self);
  GST_OBJECT_UNLOCK (self);
  /* n-sources may still change before the element starts: then a source
   * beyond it is said when the stream begins (gst_nmf_enrol_apply) */
  limit = state < GST_STATE_PAUSED ? NMF_SEPARATOR_MAX_SOURCES : sources;
  if (source >= limit) {
    gchar *why = limit == sources ?
        g_strdup ("there is no such source (n-sources)") :
        g_strdup_printf ("sources are 0 to %d", NMF_SEPARATOR_MAX_SOURCES - 1);
    GST_ELEMENT_WARNING (self, RESOURCE, READ,
        ("Could not load source %u's templates from %s: %s", source, path,
            why), ("n-sources=%u", sources));
    g_free (why);
    return FALSE;
  }
  return gst_nmf_enrol_load (&self->enrol, source, path, fft_size / 2 + 1);
}

/* The element's own fields in each element message. */
static void
gst_nmf_separate_add_message_fields (gpointer data, GstStructure * st)
{
  GstNmfSeparate *self = data;
  GValue enrolment = G_VALUE_INIT;

  gst_nmf_enrol_describe (&self->enrol, self->n_sources, &enrolment);
  gst_structure_take_value (st, "enrolment", &enrolment);
}

static void
gst_nmf_separate_class_init (GstNmfSeparateClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gobject_class->finalize = gst_nmf_separate_finalize;
  gobject_class->set_property = gst_nmf_separate_set_property;
  gobject_class->get_property = gst_nmf_separate_get_property;
  gobject_class->dispatch_properties_changed =
      gst_nmf_separate_dispatch_properties_changed;
  gst_nmf_settings_install_properties (gobject_class);

  /**
   * GstNmfSeparate::save-dictionary:
   * @nmfseparate: the element
   * @source: a source with templates (enrolled, or loaded)
   * @path: the .npy file to write, in the format of `nmftool learn`
   *
   * Saves the templates held fixed for @source (the newest: ones loaded
   * or learned that wait for the next buffer to be installed count).
   * Returns %FALSE, with a
   * warning on the bus saying why, when the source has none or the file
   * cannot be written.
   */
  g_signal_new_class_handler ("save-dictionary", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_nmf_separate_save_dictionary), NULL, NULL, NULL,
      G_TYPE_BOOLEAN, 2, G_TYPE_UINT, G_TYPE_STRING);
  /**
   * GstNmfSeparate::load-dictionary:
   * @nmfseparate: the element
   * @source: the source the templates are for
   * @path: a .npy file made by `nmftool learn` or save-dictionary, for
   *   this fft-size
   *
   * Holds the templates of @path fixed for @source from the next buffer on
   * (an enrolled source, as if enrolled now).  Returns %FALSE, with a
   * warning on the bus saying why, when the file cannot be read or was
   * made for another fft-size.
   */
  g_signal_new_class_handler ("load-dictionary", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_nmf_separate_load_dictionary), NULL, NULL, NULL,
      G_TYPE_BOOLEAN, 2, G_TYPE_UINT, G_TYPE_STRING);

  /* an unnamed link takes the first template that fits: the sources
   * before the picture (`nmfseparate ! fakesink` got the viz pad) */
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_add_static_pad_template (element_class, &viz_template);
  gst_element_class_set_static_metadata (element_class,
      "NMF source separator", "Filter/Audio",
      "Separates audio sources in real time, without training: a panned "
      "multichannel mix by where each source sits (online spatial "
      "demixing; spaced microphones on a file, per frequency), otherwise "
      "by a sliding-window nonnegative matrix factorization of the "
      "spectrogram",
      "gst-nmf developers");
  /* shown by gst-inspect-1.0 with the factory details */
  gst_element_class_add_static_metadata (element_class, "example-launch-line",
      "gst-launch-1.0 filesrc location=mix.wav ! wavparse ! audioconvert ! "
      "nmfseparate name=s n-sources=2 s.src_0 ! audioconvert ! wavenc ! "
      "filesink location=source0.wav s.src_1 ! audioconvert ! wavenc ! "
      "filesink location=source1.wav");
  gst_element_class_add_static_metadata (element_class, "example-masks",
      "... ! nmfseparate name=s output-mode=mask s.src_0 ! fakesink "
      "s.src_1 ! fakesink (application/x-nmf-mask: one buffer of "
      "fft-size/2+1 float32 per hop and source, summing to one per bin)");
  gst_element_class_add_static_metadata (element_class, "example-picture",
      "... ! nmfseparate name=s s.src_0 ! fakesink s.src_1 ! fakesink s.viz ! "
      "videoconvert ! autovideosink (request pad viz: the spectrogram "
      "coloured by source; framerate=0/1 for one picture at EOS)");

  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_nmf_separate_change_state);
  element_class->request_new_pad =
      GST_DEBUG_FUNCPTR (gst_nmf_separate_request_new_pad);
  element_class->release_pad = GST_DEBUG_FUNCPTR (gst_nmf_separate_release_pad);
}

static void
gst_nmf_separate_init (GstNmfSeparate * self)
{
  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_nmf_separate_chain));
  gst_pad_set_event_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_nmf_separate_sink_event));
  gst_pad_set_query_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_nmf_queries_sink));
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);

  self->queues = gst_nmf_out_queues_new ();
  gst_nmf_settings_init (&self->settings);
  gst_nmf_timeline_init (&self->timeline);
  g_queue_init (&self->held_events);
  g_queue_init (&self->backwards);
  gst_segment_init (&self->segment, GST_FORMAT_TIME);
  gst_nmf_messages_init (&self->messages);
  self->messages.add_fields = gst_nmf_separate_add_message_fields;
  self->messages.add_fields_data = self;
  gst_nmf_enrol_init (&self->enrol, GST_ELEMENT (self));
}

static void
gst_nmf_separate_finalize (GObject * object)
{
  GstNmfSeparate *self = GST_NMF_SEPARATE (object);

  gst_nmf_stream_stop (self);
  g_list_free_full (self->joining, gst_object_unref);
  g_list_free_full (self->leaving, gst_object_unref);
  gst_nmf_enrol_clear (&self->enrol);
  gst_nmf_dictionaries_clear (&self->dictionaries);
  gst_nmf_settings_clear (&self->settings);
  gst_nmf_out_queues_free (self->queues);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

/* enrol-source set since the stream last read it, to the enrolment (stream
 * lock held): not from inside the streaming thread's work (a bus sync
 * handler; it applies the value after its item), nor once the element stops
 * (the sink pad is deactivated under the stream lock, before
 * gst_nmf_enrol_stop).  The application is such work too: a sync handler
 * of the enrolment messages it posts, setting enrol-source again, came
 * back here in the same thread and applied its value in the middle of
 * the first (which then went on with the old one; a handler answering
 * every message recursed without end); that value is applied after it.
 * Without a separator (no caps yet) it waits for the one the caps make. */
static void
gst_nmf_separate_update_enrol (GstNmfSeparate * self)
{
  while (g_atomic_int_get (&self->enrol_changed) && !self->streaming
      && GST_PAD_IS_ACTIVE (self->sinkpad) && self->separator) {
    self->streaming = TRUE;
    gst_nmf_stream_apply_enrol (self);
    self->streaming = FALSE;
  }
}

/* a NULL/READY property set while the element runs was ignored: not
 * announced as a change */
static void
gst_nmf_separate_dispatch_properties_changed (GObject * object,
    guint n_pspecs, GParamSpec ** pspecs)
{
  gst_nmf_ignored_sets_dispatch (object,
      &GST_NMF_SEPARATE (object)->settings.sets, parent_class, n_pspecs,
      pspecs);
}

static void
gst_nmf_separate_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstNmfSeparate *self = GST_NMF_SEPARATE (object);

  gst_nmf_settings_set_property (GST_ELEMENT (self), &self->settings,
      prop_id, value, pspec);
  /* enrol-source acts between two buffers; when none is coming (after the
   * stream's last one, a live source paused) it acts now: the learning of
   * a source played alone to the end of a file never started.  A streaming
   * thread at work applies it after its item; a few tries cover the moment
   * between its last look and its letting go of the lock. */
  if (g_strcmp0 (pspec->name, "enrol-source") == 0) {
    g_atomic_int_set (&self->enrol_changed, 1);
    for (gint i = 0; i < 50 && g_atomic_int_get (&self->enrol_changed); i++) {
      if (GST_PAD_STREAM_TRYLOCK (self->sinkpad)) {
        gst_nmf_separate_update_enrol (self);
        GST_PAD_STREAM_UNLOCK (self->sinkpad);
        break;
      }
      /* inside an item it looks after it (the flag is cleared before that
       * look, and read here after the value was marked): waiting could
       * not make it sooner, and every set cost the setting thread 50 ms
       * while a file played in real time (the streaming thread waiting
       * for room in the queues) */
      if (g_atomic_int_get (&self->in_item))
        break;
      g_usleep (1000);
    }
  }
}

static void
gst_nmf_separate_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstNmfSeparate *self = GST_NMF_SEPARATE (object);

  gst_nmf_settings_get_property (GST_ELEMENT (self), &self->settings,
      prop_id, value, pspec);
}

static GstFlowReturn
gst_nmf_separate_chain (G_GNUC_UNUSED GstPad * pad, GstObject * parent,
    GstBuffer * buffer)
{
  GstNmfSeparate *self = GST_NMF_SEPARATE (parent);
  GstFlowReturn ret;

  g_atomic_int_set (&self->in_item, 1);
  gst_nmf_pads_update (self, FALSE);
  self->streaming = TRUE;
  ret = gst_nmf_stream_chain (self, buffer);
  self->streaming = FALSE;
  g_atomic_int_set (&self->in_item, 0);
  gst_nmf_separate_update_enrol (self);
  /* and after it: a request made while this buffer was separated need not
   * wait for the next (which, at the end of a stream, never comes) */
  gst_nmf_pads_update (self, FALSE);
  return ret;
}

static gboolean gst_nmf_separate_handle_event (GstNmfSeparate * self,
    GstEvent * event);

static gboolean
gst_nmf_separate_sink_event (G_GNUC_UNUSED GstPad * pad, GstObject * parent,
    GstEvent * event)
{
  GstNmfSeparate *self = GST_NMF_SEPARATE (parent);
  const gboolean serialized = GST_EVENT_IS_SERIALIZED (event);
  gboolean ok;

  GST_LOG_OBJECT (self, "sink event %" GST_PTR_FORMAT, event);
  /* serialized events come with the stream lock held: pads requested
   * meanwhile join before and after (the EOS may be the last item) */
  if (serialized) {
    g_atomic_int_set (&self->in_item, 1);
    gst_nmf_pads_update (self, FALSE);
    self->streaming = TRUE;
  }
  ok = gst_nmf_separate_handle_event (self, event);
  if (serialized) {
    self->streaming = FALSE;
    g_atomic_int_set (&self->in_item, 0);
    gst_nmf_separate_update_enrol (self);
    gst_nmf_pads_update (self, FALSE);
  }
  return ok;
}

/* Whether segment b maps time as a does: every field but the position
 * and the duration the same. */
static gboolean
segment_goes_on (const GstSegment * a, const GstSegment * b)
{
  return a->format == b->format && a->flags == b->flags
      && a->rate == b->rate && a->applied_rate == b->applied_rate
      && a->base == b->base && a->offset == b->offset
      && a->start == b->start && a->stop == b->stop && a->time == b->time;
}

static gboolean
gst_nmf_separate_handle_event (GstNmfSeparate * self, GstEvent * event)
{
  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_STREAM_START:
      g_atomic_int_set (&self->ended, FALSE);
      gst_nmf_out_queues_set_ended (self->queues, FALSE);
      /* a new stream: the last one's held samples come out first */
      if (gst_nmf_stream_holds_input (self))
        gst_nmf_stream_drain (self);
      gst_nmf_stream_push_stream_start (self, event);
      return TRUE;
    case GST_EVENT_CAPS:{
      GstCaps *caps;
      gboolean ok;
      gst_event_parse_caps (event, &caps);
      ok = gst_nmf_caps_set (self, caps);
      gst_event_unref (event);
      return ok;
    }
    case GST_EVENT_SEGMENT:{
      const GstSegment *segment;
      gst_event_parse_segment (event, &segment);
      if (segment_goes_on (&self->segment, segment)) {
        /* the same mapping of time (sent again, a position update): the
         * stream goes on (it was drained, and untimestamped started again
         * at the segment's start), the event after the samples before it */
        gst_segment_copy_into (segment, &self->segment);
        gst_nmf_stream_queue_event (self, event);
        return TRUE;
      }
      /* what is held belongs to the segment that ends here; the segment
       * of a flushing seek finds nothing held and ends no stream (a drain
       * would make the spatial stage decide again: the sources' places
       * are kept across a seek) */
      if (gst_nmf_stream_holds_input (self))
        gst_nmf_stream_drain (self);
      gst_segment_copy_into (segment, &self->segment);
      gst_nmf_timeline_new_segment (&self->timeline,
          segment->format == GST_FORMAT_TIME ? segment->start : 0,
          segment->rate < 0);
      return gst_nmf_out_queues_push_event (self->queues, event,
          gst_nmf_picture_deferred_pad (&self->picture));
    }
    case GST_EVENT_FLUSH_START:
      /* the flush waits for the streaming thread, which may be in a volmin
       * refresh (up to a second of work): it ends at once, changing
       * nothing, since what it would learn from is flushed */
      g_atomic_int_set (&self->cancel_refresh, 1);
      gst_nmf_out_queues_flush_start (self->queues, event);
      return TRUE;
    case GST_EVENT_FLUSH_STOP:
      g_atomic_int_set (&self->cancel_refresh, 0);
      g_atomic_int_set (&self->ended, FALSE);
      gst_nmf_stream_flush (self);
      gst_nmf_out_queues_flush_stop (self->queues, event);
      /* the tags that waited for flushed audio still hold (sticky) */
      gst_nmf_stream_release_sticky (self);
      return TRUE;
    case GST_EVENT_EOS:
    case GST_EVENT_SEGMENT_DONE:
      /* after an EOS no chain function hands upstream a flow the pads
       * meet: one that stops the stream is posted here (what the drain
       * meets, by the pads' tasks), as queue does */
      if (GST_EVENT_TYPE (event) == GST_EVENT_EOS) {
        GstFlowReturn unsaid = gst_nmf_out_queues_set_ended (self->queues,
            TRUE);
        if (unsaid != GST_FLOW_OK)
          GST_ELEMENT_FLOW_ERROR (self, unsaid);
      }
      /* the end of the stream or of a segment seek's segment: everything
       * held comes out before the event */
      gst_nmf_stream_drain (self);
      if (GST_EVENT_TYPE (event) == GST_EVENT_EOS)
        g_atomic_int_set (&self->ended, TRUE);
      break;
    case GST_EVENT_GAP:{
      GstClockTime ts, duration;
      gst_event_parse_gap (event, &ts, &duration);
      /* a gap that says how long is separated as silence of that length;
       * one of no (or unknown) length, which a sink may be waiting for to
       * preroll (an element before this one sends such a gap while its
       * look-ahead fills), goes on downstream, as does every gap of a
       * segment that asked for no audio (a fast forward: separated, the
       * gaps made seconds of silence a second, at a cost that grows with
       * the rate) */
      if (self->separator && GST_CLOCK_TIME_IS_VALID (duration)
          && duration > 0 && !(self->segment.flags &
              GST_SEGMENT_FLAG_TRICKMODE_NO_AUDIO)) {
        gst_nmf_stream_fill_gap (self, event);
        gst_event_unref (event);
        return TRUE;
      }
      /* (after what is held: a stream that starts further on while this
       * one's tail is held would otherwise go out first) */
      if (self->separator) {
        gst_nmf_stream_queue_event (self, event);
        return TRUE;
      }
      break;
    }
    case GST_EVENT_TAG:
    case GST_EVENT_TOC:
      /* what describes the audio goes out with the audio it came with
       * (other events keep going on at once: a stream-group-done held
       * with the audio stalled nmf-desk, whose file end feeds silence in
       * place of the EOS) */
      gst_nmf_stream_queue_event (self, event);
      return TRUE;
    default:
      break;
  }
  return gst_nmf_out_queues_push_event (self->queues, event, NULL);
}

/* Source pads requested before n-sources was lowered name sources that do
 * not exist: refused before any data flows. */
static gboolean
gst_nmf_separate_check_pads (GstNmfSeparate * self)
{
  guint n_sources, s;

  GST_OBJECT_LOCK (self);
  n_sources = self->settings.n_sources;
  for (s = n_sources; s < NMF_SEPARATOR_MAX_SOURCES; s++)
    if (self->requested_of[s])
      break;
  GST_OBJECT_UNLOCK (self);
  if (s < NMF_SEPARATOR_MAX_SOURCES) {
    GST_ELEMENT_ERROR (self, CORE, PAD,
        ("source pad src_%u was requested, but n-sources is %u: release "
            "the pad or raise n-sources", s, n_sources), (NULL));
    return FALSE;
  }
  return TRUE;
}

/* READY_TO_PAUSED: the dictionaries are read, and invalid combinations of
 * settings refused, before any data flows.  The profile is not known yet
 * (auto asks upstream when the caps come): the settings are checked with
 * the plain defaults for what the user did not set. */
static gboolean
gst_nmf_separate_start (GstNmfSeparate * self)
{
  GstNmfSettings s;
  nmf_separator_config cfg;
  gboolean ok;

  gst_nmf_settings_start (GST_ELEMENT (self), &self->settings, &s);
  ok = gst_nmf_dictionaries_load (&self->dictionaries, GST_ELEMENT (self), &s);
  if (ok) {
    gst_nmf_settings_to_config (&s, 1, &self->dictionaries, NMF_PROFILE_NONE,
        &cfg);
    ok = gst_nmf_settings_check_config (GST_ELEMENT (self), &cfg);
  }
  gst_nmf_settings_clear (&s);
  if (ok)
    ok = gst_nmf_separate_check_pads (self);
  if (!ok) {
    gst_nmf_dictionaries_clear (&self->dictionaries);
    gst_nmf_settings_stop (GST_ELEMENT (self), &self->settings);
    return FALSE;
  }
  gst_nmf_out_queues_reset_flow (self->queues);
  return TRUE;
}

static GstStateChangeReturn
gst_nmf_separate_change_state (GstElement * element, GstStateChange transition)
{
  GstNmfSeparate *self = GST_NMF_SEPARATE (element);
  GstStateChangeReturn ret;

  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED
      && !gst_nmf_separate_start (self))
    return GST_STATE_CHANGE_FAILURE;

  /* the pads' deactivation waits for the streaming thread, which may be in
   * a volmin refresh: it ends at once; down again once streaming has
   * stopped (or goes on, if the change failed) */
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY)
    g_atomic_int_set (&self->cancel_refresh, 1);
  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY)
    g_atomic_int_set (&self->cancel_refresh, 0);
  if (ret == GST_STATE_CHANGE_FAILURE) {
    if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) {
      gst_nmf_dictionaries_clear (&self->dictionaries);
      gst_nmf_settings_stop (element, &self->settings);
    }
    return ret;
  }

  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
    /* streaming has stopped (the pads are deactivated), but an application
     * thread may still request or release a pad: the streaming state is
     * changed under the stream lock, as everywhere (a viz pad released
     * here was freed twice).  The learning is waited for outside it. */
    gst_nmf_enrol_stop (&self->enrol);
    GST_PAD_STREAM_LOCK (self->sinkpad);
    gst_nmf_pads_update (self, FALSE);
    gst_nmf_stream_stop (self);
    GST_PAD_STREAM_UNLOCK (self->sinkpad);
    gst_nmf_dictionaries_clear (&self->dictionaries);
    gst_nmf_settings_stop (element, &self->settings);
    /* a seek event sent again in the next run goes upstream */
    GST_OBJECT_LOCK (self);
    self->seek_seen = FALSE;
    GST_OBJECT_UNLOCK (self);
  }
  return ret;
}

static GstPad *
gst_nmf_separate_request_new_pad (GstElement * element,
    GstPadTemplate * templ, const gchar * name,
    G_GNUC_UNUSED const GstCaps * caps)
{
  return gst_nmf_pads_request (GST_NMF_SEPARATE (element), templ, name,
      GST_DEBUG_FUNCPTR (gst_nmf_queries_src),
      GST_DEBUG_FUNCPTR (gst_nmf_queries_src_event));
}

static void
gst_nmf_separate_release_pad (GstElement * element, GstPad * pad)
{
  gst_nmf_pads_release (GST_NMF_SEPARATE (element), pad);
}
