/* GStreamer
 * Copyright (C) 2026 gst-nmf developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */
/* Caps: the separator made for the input's format and the settings in
 * force, the source pads' caps, and the latency it adds. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstnmfcaps.h"
#include "gstnmfstream.h"

#include <string.h>

GST_DEBUG_CATEGORY_EXTERN (gst_nmf_separate_debug);
#define GST_CAT_DEFAULT gst_nmf_separate_debug

GstCaps *
gst_nmf_caps_src (GstNmfSeparate * self)
{
  if (self->output_mode == GST_NMF_OUTPUT_MODE_MASK)
    return gst_caps_new_simple (GST_NMF_MASK_CAPS_NAME,
        "bins", G_TYPE_INT, (gint) nmf_separator_bins (self->separator),
        "hop-size", G_TYPE_INT, (gint) nmf_separator_hop_size (self->separator),
        "rate", G_TYPE_INT, GST_AUDIO_INFO_RATE (&self->info), NULL);
  return gst_audio_info_to_caps (&self->info);
}

/* Whether upstream is live, from the latency query; unknown counts as live,
 * so that no look-ahead is added where latency may matter. */
static gboolean
upstream_is_live (GstNmfSeparate * self)
{
  GstQuery *query = gst_query_new_latency ();
  gboolean live = TRUE;

  if (gst_pad_peer_query (self->sinkpad, query))
    gst_query_parse_latency (query, &live, NULL, NULL);
  else
    GST_DEBUG_OBJECT (self, "upstream did not answer the latency query");
  gst_query_unref (query);
  return live;
}

/* The time the separator in force holds its input (0 without one). */
static GstClockTime
own_latency (GstNmfSeparate * self)
{
  if (!self->have_info)
    return 0;
  const nmf_output_kind kind = self->output_mode == GST_NMF_OUTPUT_MODE_AUDIO
      ? NMF_OUTPUT_AUDIO : NMF_OUTPUT_MASKS;

  return gst_util_uint64_scale_int_ceil (nmf_separator_latency
      (self->separator, kind), GST_SECOND, GST_AUDIO_INFO_RATE (&self->info));
}

static void
set_latency (GstNmfSeparate * self)
{
  GstClockTime latency = own_latency (self), old;

  GST_OBJECT_LOCK (self);
  old = self->latency;
  self->latency = latency;
  GST_OBJECT_UNLOCK (self);
  if (latency != old)
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_latency (GST_OBJECT (self)));
}

static void
log_settings (GstNmfSeparate * self, GstNmfProfile profile)
{
  nmf_separator_config c;

  nmf_separator_get_config (self->separator, &c);
  /* each algorithm's own settings: volmin has no iterations and no
   * look-ahead, kl no regularization */
  if (c.algorithm == NMF_ALGORITHM_KL)
    GST_INFO_OBJECT (self, "separating %d sources from %d channel(s) at %d "
        "Hz (profile %s): kl, fft %d, hop %d, window %d frames, %d "
        "components, %d bands per octave, %d iterations, look-ahead %d "
        "frames, mask exponent %d", c.sources, c.channels,
        GST_AUDIO_INFO_RATE (&self->info),
        profile == GST_NMF_PROFILE_FILE ? "file" : "live", c.fft_size,
        c.hop_size, c.window_frames, c.components, c.bands_per_octave,
        c.iterations, c.lookahead_frames, c.mask_exponent);
  else
    GST_INFO_OBJECT (self, "separating %d sources from %d channel(s) at %d "
        "Hz (profile %s): volmin, fft %d, hop %d, window %d frames, %d "
        "components, %d bands per octave, regularization %g, mask exponent "
        "%d", c.sources, c.channels, GST_AUDIO_INFO_RATE (&self->info),
        profile == GST_NMF_PROFILE_FILE ? "file" : "live", c.fft_size,
        c.hop_size, c.window_frames, c.components, c.bands_per_octave,
        c.regularization, c.mask_exponent);
}

/* A plain WAV of more than two channels (a microphone array) comes from
 * wavparse without a channel-mask, which GstAudioInfo wants above two
 * channels: such channels are taken as unpositioned, as they are. */
static gboolean
audio_info_from_caps (GstAudioInfo * info, GstCaps * caps)
{
  const GstStructure *st;
  gint channels = 0;
  gboolean ok;

  if (gst_audio_info_from_caps (info, caps))
    return TRUE;
  st = gst_caps_get_size (caps) == 1 ? gst_caps_get_structure (caps, 0) : NULL;
  if (!st || gst_structure_has_field (st, "channel-mask")
      || !gst_structure_get_int (st, "channels", &channels) || channels <= 2)
    return FALSE;
  caps = gst_caps_copy (caps);
  gst_caps_set_simple (caps, "channel-mask", GST_TYPE_BITMASK,
      (guint64) 0, NULL);
  ok = gst_audio_info_from_caps (info, caps);
  gst_caps_unref (caps);
  return ok;
}

gboolean
gst_nmf_caps_set (GstNmfSeparate * self, GstCaps * caps)
{
  GstAudioInfo info;
  GstNmfSettings s;
  nmf_separator_config cfg;
  nmf_separator *sep = NULL;
  GstNmfProfile profile;
  gboolean live;
  GstCaps *src_caps;
  GstPad *waiting;
  char message[512] = "";
  int ret;

  if (!audio_info_from_caps (&info, caps)) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL),
        ("invalid caps %" GST_PTR_FORMAT, caps));
    return FALSE;
  }
  if (self->have_info && gst_audio_info_is_equal (&info, &self->info))
    return TRUE;

  gst_nmf_settings_snapshot (GST_ELEMENT (self), &self->settings, &s, TRUE);
  live = upstream_is_live (self);
  profile = s.profile;
  if (profile == GST_NMF_PROFILE_AUTO)
    profile = live ? GST_NMF_PROFILE_LIVE : GST_NMF_PROFILE_FILE;
  gst_nmf_settings_to_config (&s, GST_AUDIO_INFO_CHANNELS (&info),
      &self->dictionaries, (nmf_profile) profile, &cfg);
  /* the stream so far comes out first, whether or not the new format can
   * be taken (as GstAudioEncoder drains before it sets a format): a
   * refused format lost the look-ahead's frames with its error */
  if (self->separator) {
    GST_INFO_OBJECT (self, "caps changed mid-stream to %" GST_PTR_FORMAT, caps);
    gst_nmf_stream_drain (self);
  }
  if (!gst_nmf_settings_check_config (GST_ELEMENT (self), &cfg)) {
    gst_nmf_settings_clear (&s);
    return FALSE;
  }
  /* the separator copies the dictionaries */
  ret = nmf_separator_create (&sep, &cfg, message, sizeof message);
  if (ret != NMF_OK) {
    gst_nmf_settings_clear (&s);
    GST_ELEMENT_ERROR (self, LIBRARY, INIT, (NULL),
        ("could not create the separator: %s (%s)", nmf_strerror (ret),
            message));
    return FALSE;
  }
  if (self->separator) {
    /* what the rate limit held back */
    gst_nmf_stream_report_stats (self, TRUE);
    /* the learned templates (at the same rate: they are frequencies) and
     * the sources' places go on into the new format's separator */
    nmf_separator_continue_from (sep, self->separator,
        GST_AUDIO_INFO_RATE (&info) == GST_AUDIO_INFO_RATE (&self->info));
  }
  nmf_separator_destroy (&self->separator);
  self->separator = sep;
  nmf_separator_set_frame_observer (sep, gst_nmf_stream_on_frame, self);
  nmf_separator_set_cancel (sep, &self->cancel_refresh);
  gst_nmf_enrol_new_separator (&self->enrol, sep, GST_AUDIO_INFO_RATE (&info));
  self->output_mode = s.output_mode;
  self->n_sources = s.n_sources;
  self->info = info;
  self->have_info = TRUE;
  memset (&self->reported, 0, sizeof (self->reported));
  self->bad_input_reported_at = 0;
  self->partial_frame_reported = FALSE;
  gst_nmf_timeline_set_rate (&self->timeline, GST_AUDIO_INFO_RATE (&info),
      live);
  gst_nmf_messages_configure (&self->messages, s.n_sources,
      nmf_separator_bins (sep), nmf_separator_hop_size (sep));
  self->messages.post = s.post_messages;
  self->messages.interval = s.interval;
  self->messages.with_masks = s.message_masks;
  log_settings (self, profile);
  gst_nmf_settings_clear (&s);

  src_caps = gst_nmf_caps_src (self);
  /* the viz pad carries video: the audio caps are not its own */
  gst_nmf_out_queues_push_event (self->queues, gst_event_new_caps (src_caps),
      self->picture.pad);
  gst_caps_unref (src_caps);
  /* a viz pad whose format waited for its link got no segment (it would
   * have come before its caps): it gets the one in force after them */
  waiting = gst_nmf_picture_deferred_pad (&self->picture);
  if (self->picture.pad && !gst_nmf_picture_negotiate (&self->picture,
          GST_ELEMENT (self), self->queues, GST_AUDIO_INFO_RATE (&info),
          nmf_separator_bins (sep), self->n_sources)) {
    /* not negotiated: no buffer is taken until caps that work come */
    nmf_separator_destroy (&self->separator);
    self->have_info = FALSE;
    GST_OBJECT_LOCK (self);
    self->latency = 0;
    GST_OBJECT_UNLOCK (self);
    return FALSE;
  }
  if (waiting) {
    self->picture.pending = FALSE;
    gst_nmf_out_queues_push (self->queues, waiting,
        GST_MINI_OBJECT_CAST (gst_event_new_segment (&self->segment)));
  }
  {
    nmf_separator_config c;
    nmf_separator_get_config (sep, &c);
    self->lookahead = gst_util_uint64_scale_int ((guint64) c.lookahead_frames
        * (guint64) c.hop_size, GST_SECOND, GST_AUDIO_INFO_RATE (&info));
  }
  set_latency (self);
  return TRUE;
}
