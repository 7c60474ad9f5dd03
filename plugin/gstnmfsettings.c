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

#include "gstnmfsettings.h"

#include <nmf/dictionary.h>

#include <string.h>

GST_DEBUG_CATEGORY_EXTERN (gst_nmf_separate_debug);
#define GST_CAT_DEFAULT gst_nmf_separate_debug

G_DEFINE_ENUM_TYPE (GstNmfOutputMode, gst_nmf_output_mode,
    G_DEFINE_ENUM_VALUE (GST_NMF_OUTPUT_MODE_AUDIO, "audio"),
    G_DEFINE_ENUM_VALUE (GST_NMF_OUTPUT_MODE_MASK, "mask"));
G_DEFINE_ENUM_TYPE (GstNmfAlgorithm, gst_nmf_algorithm,
    G_DEFINE_ENUM_VALUE (GST_NMF_ALGORITHM_KL, "kl"),
    G_DEFINE_ENUM_VALUE (GST_NMF_ALGORITHM_VOLMIN, "volmin"));
G_DEFINE_ENUM_TYPE (GstNmfProfile, gst_nmf_profile,
    G_DEFINE_ENUM_VALUE (GST_NMF_PROFILE_AUTO, "auto"),
    G_DEFINE_ENUM_VALUE (GST_NMF_PROFILE_LIVE, "live"),
    G_DEFINE_ENUM_VALUE (GST_NMF_PROFILE_FILE, "file"));
G_DEFINE_ENUM_TYPE (GstNmfSpatial, gst_nmf_spatial,
    G_DEFINE_ENUM_VALUE (GST_NMF_SPATIAL_OFF, "off"),
    G_DEFINE_ENUM_VALUE (GST_NMF_SPATIAL_AUTO, "auto"));

enum
{
  PROP_0,
  PROP_PROFILE,
  PROP_ALGORITHM,
  PROP_SPATIAL,
  PROP_REGULARIZATION,
  PROP_N_SOURCES,
  PROP_COMPONENTS,
  PROP_FFT_SIZE,
  PROP_HOP_SIZE,
  PROP_WINDOW_FRAMES,
  PROP_BANDS_PER_OCTAVE,
  PROP_LOOKAHEAD_FRAMES,
  PROP_ITERATIONS,
  PROP_OUTPUT_MODE,
  PROP_MASK_EXPONENT,
  PROP_SEED,
  PROP_POST_MESSAGES,
  PROP_INTERVAL,
  PROP_MESSAGE_MASKS,
  PROP_DICTIONARIES,
  PROP_ENROL_SOURCE,
  PROP_ENROL_COMPONENTS,
  PROP_ENROL_SHIFTS,
};

#define DEFAULT_PROFILE GST_NMF_PROFILE_AUTO
#define DEFAULT_ALGORITHM GST_NMF_ALGORITHM_KL
#define DEFAULT_SPATIAL GST_NMF_SPATIAL_AUTO
#define DEFAULT_REGULARIZATION 0.0
#define DEFAULT_N_SOURCES 2
#define DEFAULT_COMPONENTS 0
#define DEFAULT_FFT_SIZE NMF_SEPARATOR_DEFAULT_FFT_SIZE
#define DEFAULT_HOP_SIZE 0
#define DEFAULT_WINDOW_FRAMES NMF_SEPARATOR_DEFAULT_WINDOW_FRAMES
#define DEFAULT_BANDS_PER_OCTAVE 0
#define DEFAULT_LOOKAHEAD_FRAMES 0
#define DEFAULT_ITERATIONS NMF_SEPARATOR_DEFAULT_ITERATIONS
#define DEFAULT_OUTPUT_MODE GST_NMF_OUTPUT_MODE_AUDIO
#define DEFAULT_MASK_EXPONENT NMF_SEPARATOR_DEFAULT_MASK_EXPONENT
#define DEFAULT_SEED NMF_SEPARATOR_DEFAULT_SEED
#define DEFAULT_POST_MESSAGES FALSE
#define DEFAULT_INTERVAL (100 * GST_MSECOND)
#define DEFAULT_MESSAGE_MASKS FALSE
#define DEFAULT_ENROL_SOURCE -1
#define DEFAULT_ENROL_COMPONENTS 32
#define DEFAULT_ENROL_SHIFTS NMF_DICTIONARY_DEFAULT_SHIFTS

#define BIT(prop) (G_GUINT64_CONSTANT (1) << (prop))
#define LIVE_TUNED (BIT (PROP_ITERATIONS) | BIT (PROP_MASK_EXPONENT))

/* The blurbs end with when a property may change: */
#define READY_ONLY " Changeable in NULL and READY only."
#define ANY_STATE " Changeable in any state."
#define CONTROLLED " Changeable in any state; controllable."

void
gst_nmf_settings_install_properties (GObjectClass * gobject_class)
{
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;
  /* notified when the value is taken, not when it is ignored because a run
   * uses it (GstNmfIgnoredSets) */
  const GParamFlags ready = rw | GST_PARAM_MUTABLE_READY;
  const GParamFlags controlled = rw | GST_PARAM_MUTABLE_PLAYING |
      GST_PARAM_CONTROLLABLE;

  g_object_class_install_property (gobject_class, PROP_PROFILE,
      g_param_spec_enum ("profile", "Profile",
          "Defaults for the quality / latency trade-off, for blind kl (no "
          "dictionaries; volmin and dictionaries keep the plain defaults). "
          "live: causal, latency of fft-size samples: components=20 grouped "
          "into the sources, bands-per-octave=24, iterations=4, "
          "mask-exponent=1, window-frames=129. file: the best measured blind "
          "quality, at 6 s of latency at 44.1 kHz: the live settings with "
          "window-frames=258 and lookahead-frames=2 x window-frames (516 "
          "hops; 33 s at 8 kHz). auto (default): file "
          "when upstream answers the latency query as not live, live "
          "otherwise. A "
          "property set explicitly always wins over the profile." READY_ONLY,
          GST_TYPE_NMF_PROFILE, DEFAULT_PROFILE, ready));
  g_object_class_install_property (gobject_class, PROP_SPATIAL,
      g_param_spec_enum ("spatial", "Spatial",
          "Use where the sources are in the channels. auto (default): with 2 "
          "to 8 channels the element listens to the first 43 frames of sound "
          "(0.5 s at 44.1 kHz with the default hop-size; a room is checked once more at 2 s); when it is an instantaneous (panned) mix - every source a "
          "fixed gain per channel, as a studio pan or a coincident pair "
          "gives - the sources come from an online spatial demixing "
          "(independent vector analysis, one real demixing matrix for every "
          "frequency) when n-sources <= channels, or from masks by each "
          "time-frequency point's direction across the channels when there "
          "are more sources than channels; each source pad carries that "
          "source as every channel has it (the pads still sum to the input) "
          "and the messages give each source's position. Spaced "
          "microphones (n-sources = channels, the file profile): a mix "
          "with delays between the channels is also fitted once, on its "
          "first 5 s of sound, by a demixing per frequency (ILRMA), kept "
          "when each source then reaches the microphones by one delay (a "
          "direct path), which the messages give. A room (reverberation) or "
          "channels that are one signal copied are "
          "separated as with off. off: the channels' magnitudes are summed "
          "and factorized, as for one channel. The demixing takes over once "
          "every source has been heard, and follows a mix whose geometry "
          "changes (a source that moves, the next track) 1 - 2 s "
          "after the change; the masks by direction follow as their memory "
          "of 400 frames forgets."
          READY_ONLY,
          GST_TYPE_NMF_SPATIAL, DEFAULT_SPATIAL, ready));
  g_object_class_install_property (gobject_class, PROP_ALGORITHM,
      g_param_spec_enum ("algorithm", "Algorithm",
          "Factorization kept up to date over the sliding window. kl "
          "(default): warm-started KL-NMF, nonnegative templates. volmin: "
          "column-normalized volume minimization (identifiable; templates "
          "may be negative, clipped at zero for the masks)." READY_ONLY,
          GST_TYPE_NMF_ALGORITHM, DEFAULT_ALGORITHM, ready));
  g_object_class_install_property (gobject_class, PROP_REGULARIZATION,
      g_param_spec_double ("regularization", "Regularization",
          "volmin only: lambda of the log-det regularized criterion "
          "||X - W H^T||^2 + lambda * scale * logdet(W^T W + delta I), for "
          "noisy data, 0 to 1; 0 (default) solves the exact criterion "
          "(useful values about 1e-4 to 1e-2; larger values merge "
          "components)." READY_ONLY, 0.0, 1.0, DEFAULT_REGULARIZATION, ready));
  g_object_class_install_property (gobject_class, PROP_N_SOURCES,
      g_param_spec_uint ("n-sources", "Number of sources",
          "Number of sources to separate, 1 to 16 (default 2): one request "
          "pad src_%u each." READY_ONLY,
          1, NMF_SEPARATOR_MAX_SOURCES, DEFAULT_N_SOURCES, ready));
  g_object_class_install_property (gobject_class, PROP_COMPONENTS,
      g_param_spec_uint ("components", "Components",
          "NMF rank K (spectral templates), 0 to 256. With K = n-sources "
          "each component is a source; with more, the components are "
          "grouped into sources by the timbre of their templates, stably as "
          "the window slides. 0 (default): the profile's (20) unless set, "
          "otherwise one per source without a dictionary." READY_ONLY,
          0, 256, DEFAULT_COMPONENTS, ready));
  g_object_class_install_property (gobject_class, PROP_FFT_SIZE,
      g_param_spec_uint ("fft-size", "FFT size",
          "STFT frame length in samples, even, 32 to 32768 (default 2048)."
          READY_ONLY, 32, 32768, DEFAULT_FFT_SIZE, ready));
  g_object_class_install_property (gobject_class, PROP_HOP_SIZE,
      g_param_spec_uint ("hop-size", "Hop size",
          "Samples between STFT frames, 1 to fft-size / 2; 0 (default): "
          "fft-size / 4 (512 at fft-size 2048)." READY_ONLY,
          0, 16384, DEFAULT_HOP_SIZE, ready));
  g_object_class_install_property (gobject_class, PROP_WINDOW_FRAMES,
      g_param_spec_uint ("window-frames", "Window length",
          "Length of the sliding window the factorization covers, in "
          "frames, 1 to 100000 (default 258: about 3 s at 44.1 kHz with "
          "hop-size 512; the live profile's 129 unless set). Settings whose buffers would take more than 1 GiB "
          "(long windows and look-ahead, many components and channels) are "
          "refused with an error." READY_ONLY,
          1, NMF_SEPARATOR_MAX_WINDOW, DEFAULT_WINDOW_FRAMES, ready));
  g_object_class_install_property (gobject_class, PROP_BANDS_PER_OCTAVE,
      g_param_spec_uint ("bands-per-octave", "Bands per octave",
          "0 (default unless the profile gives 24): the factorization sees "
          "every STFT bin; N (6 to 96): it sees a log-frequency axis of N "
          "bands per octave (bins kept below the frequency where they are "
          "that dense, summed into bands above; each band's mask applies to "
          "all its bins), which makes many components several times "
          "cheaper (kl and volmin)." READY_ONLY,
          0, 96, DEFAULT_BANDS_PER_OCTAVE, ready));
  g_object_class_install_property (gobject_class, PROP_LOOKAHEAD_FRAMES,
      g_param_spec_uint ("lookahead-frames", "Look-ahead",
          "kl: frames a frame's masks wait for the model, which meanwhile "
          "learns from the frames that follow, 0 to 100000; adds that many "
          "hops to the latency. 0 (default unless the profile file gives 2 "
          "x window-frames): causal, for live use; a few seconds' worth "
          "(e.g. 516 = 6 s at 44.1 kHz, hop-size 512) separates files "
          "better. Counts towards the 1 GiB bound of window-frames."
          READY_ONLY, 0, NMF_SEPARATOR_MAX_LOOKAHEAD,
          DEFAULT_LOOKAHEAD_FRAMES, ready));
  g_object_class_install_property (gobject_class, PROP_ITERATIONS,
      g_param_spec_uint ("iterations", "Iterations per hop",
          "Multiplicative updates of the new frame's activations per hop "
          "(kl), 1 to 1000 (default 15 unless the profile gives 4)."
          CONTROLLED, 1, 1000, DEFAULT_ITERATIONS, controlled));
  g_object_class_install_property (gobject_class, PROP_OUTPUT_MODE,
      g_param_spec_enum ("output-mode", "Output mode",
          "What the source pads carry. audio (default): separated audio, "
          "one source per pad. mask: each source's soft mask, one buffer "
          "per hop (" GST_NMF_MASK_CAPS_NAME "); with the spatial "
          "demixing in force, each source's share of the bin's energy in "
          "the demixed images, which approximates the demixing when "
          "applied to the input." READY_ONLY,
          GST_TYPE_NMF_OUTPUT_MODE, DEFAULT_OUTPUT_MODE, ready));
  g_object_class_install_property (gobject_class, PROP_MASK_EXPONENT,
      g_param_spec_uint ("mask-exponent", "Mask exponent",
          "p in mask_s = P_s^p / sum_r P_r^p, 1 or 2: 1 for ratio masks, 2 "
          "(default unless the profile gives 1) for Wiener-like masks."
          CONTROLLED, 1, 2, DEFAULT_MASK_EXPONENT, controlled));
  g_object_class_install_property (gobject_class, PROP_SEED,
      g_param_spec_uint64 ("seed", "Seed",
          "Seed of the templates' random start, 0 to 2^64-1 (default 0): "
          "the same seed and input give the same output." READY_ONLY,
          0, G_MAXUINT64, DEFAULT_SEED, ready));
  g_object_class_install_property (gobject_class, PROP_POST_MESSAGES,
      g_param_spec_boolean ("post-messages", "Post messages",
          "Post an element message \"nmfseparate\" on the bus every "
          "interval, with each source's energy, the spatial stage's state "
          "(spatial), each source's position (-1 left .. +1 right, while "
          "the demixing is in force) and its enrolment state (default "
          "false)." CONTROLLED,
          DEFAULT_POST_MESSAGES, controlled));
  g_object_class_install_property (gobject_class, PROP_INTERVAL,
      g_param_spec_uint64 ("interval", "Interval",
          "Time covered by each element message, in nanoseconds, 1 ms to "
          "2^64-1 (default 100 ms)." CONTROLLED,
          GST_MSECOND, G_MAXUINT64, DEFAULT_INTERVAL, controlled));
  g_object_class_install_property (gobject_class, PROP_MESSAGE_MASKS,
      g_param_spec_boolean ("message-masks", "Masks in messages",
          "Add the sources' masks of the interval's last frame to each "
          "message, field \"masks\" (default false)." ANY_STATE,
          DEFAULT_MESSAGE_MASKS, rw | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_DICTIONARIES,
      g_param_spec_string ("dictionaries", "Dictionaries",
          "Fixed templates for some sources: comma-separated SOURCE=FILE.npy "
          "entries (e.g. \"1=noise.npy\"), each a (fft-size/2+1) x K float "
          ".npy made by 'nmftool learn'; the other sources stay blind (kl "
          "only). Default none; read when the element starts." READY_ONLY,
          NULL, ready));
  g_object_class_install_property (gobject_class, PROP_ENROL_SOURCE,
      g_param_spec_int ("enrol-source", "Enrol source",
          "Enrolment: set it to a source (0 to n-sources - 1) while that "
          "source plays alone, back to -1 when it stops: the element learns "
          "the source's templates from those frames (as 'nmftool learn' "
          "does, enrol-components templates shifted by enrol-shifts "
          "semitones, in a thread of its own while the separation goes on) "
          "and from then on holds them fixed like a dictionary; the other "
          "sources stay blind. Setting another source ends one enrolment and "
          "starts the next. Each element message says each source's state "
          "(field \"enrolment\"); the signals save-dictionary and "
          "load-dictionary keep enrolled sources in .npy files. kl only. "
          "Default -1 (none)." ANY_STATE, -1, NMF_SEPARATOR_MAX_SOURCES - 1,
          DEFAULT_ENROL_SOURCE, rw | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_ENROL_COMPONENTS,
      g_param_spec_uint ("enrol-components", "Enrolment templates",
          "Templates learned for an enrolled source, before the shifted "
          "copies (1 to 1024, default 32)." ANY_STATE, 1,
          NMF_DICTIONARY_MAX_COMPONENTS, DEFAULT_ENROL_COMPONENTS,
          rw | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_ENROL_SHIFTS,
      g_param_spec_uint ("enrol-shifts", "Enrolment shifts",
          "Semitones either side every learned template is copied to, as "
          "'nmftool learn --shifts' (0 to 24, default 2: 5 copies)."
          ANY_STATE, 0, NMF_DICTIONARY_MAX_SHIFTS, DEFAULT_ENROL_SHIFTS,
          rw | GST_PARAM_MUTABLE_PLAYING));

  gst_type_mark_as_plugin_api (GST_TYPE_NMF_OUTPUT_MODE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_NMF_ALGORITHM, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_NMF_PROFILE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_NMF_SPATIAL, 0);
}

void
gst_nmf_settings_init (GstNmfSettings * s)
{
  memset (s, 0, sizeof (*s));
  s->profile = DEFAULT_PROFILE;
  s->algorithm = DEFAULT_ALGORITHM;
  s->spatial = DEFAULT_SPATIAL;
  s->regularization = DEFAULT_REGULARIZATION;
  s->n_sources = DEFAULT_N_SOURCES;
  s->components = DEFAULT_COMPONENTS;
  s->fft_size = DEFAULT_FFT_SIZE;
  s->hop_size = DEFAULT_HOP_SIZE;
  s->window_frames = DEFAULT_WINDOW_FRAMES;
  s->bands_per_octave = DEFAULT_BANDS_PER_OCTAVE;
  s->lookahead_frames = DEFAULT_LOOKAHEAD_FRAMES;
  s->iterations = DEFAULT_ITERATIONS;
  s->output_mode = DEFAULT_OUTPUT_MODE;
  s->mask_exponent = DEFAULT_MASK_EXPONENT;
  s->seed = DEFAULT_SEED;
  s->post_messages = DEFAULT_POST_MESSAGES;
  s->interval = DEFAULT_INTERVAL;
  s->message_masks = DEFAULT_MESSAGE_MASKS;
  s->enrol_source = DEFAULT_ENROL_SOURCE;
  s->enrol_components = DEFAULT_ENROL_COMPONENTS;
  s->enrol_shifts = DEFAULT_ENROL_SHIFTS;
}

void
gst_nmf_settings_clear (GstNmfSettings * s)
{
  g_clear_pointer (&s->dictionaries, g_free);
}

/* Size-changing properties may only change while no run uses them: the
 * run's checks, its dictionaries and its separators were made from them.
 * Decided in the critical section that writes (a check apart from the
 * write let a value in between; the element's state reads READY for the
 * whole of READY to PAUSED). */
void
gst_nmf_settings_set_property (GstElement * element, GstNmfSettings * s,
    guint prop_id, const GValue * value, GParamSpec * pspec)
{
  GST_OBJECT_LOCK (element);
  if (s->in_use && !(pspec->flags & GST_PARAM_MUTABLE_PLAYING)) {
    gst_nmf_ignored_sets_mark (&s->sets, prop_id, FALSE);
    GST_OBJECT_UNLOCK (element);
    GST_WARNING_OBJECT (element, "property '%s' can only be changed in the "
        "NULL or READY state, not while the element starts or runs; "
        "ignoring the new value", pspec->name);
    return;
  }
  gst_nmf_ignored_sets_mark (&s->sets, prop_id, TRUE);
  s->set_by_user |= BIT (prop_id);
  s->live_changed |= BIT (prop_id) & LIVE_TUNED;
  switch (prop_id) {
    case PROP_SPATIAL:
      s->spatial = g_value_get_enum (value);
      break;
    case PROP_PROFILE:
      s->profile = g_value_get_enum (value);
      break;
    case PROP_N_SOURCES:
      s->n_sources = g_value_get_uint (value);
      break;
    case PROP_ALGORITHM:
      s->algorithm = g_value_get_enum (value);
      break;
    case PROP_REGULARIZATION:
      s->regularization = g_value_get_double (value);
      break;
    case PROP_COMPONENTS:
      s->components = g_value_get_uint (value);
      break;
    case PROP_FFT_SIZE:
      s->fft_size = g_value_get_uint (value);
      break;
    case PROP_HOP_SIZE:
      s->hop_size = g_value_get_uint (value);
      break;
    case PROP_WINDOW_FRAMES:
      s->window_frames = g_value_get_uint (value);
      break;
    case PROP_BANDS_PER_OCTAVE:
      s->bands_per_octave = g_value_get_uint (value);
      break;
    case PROP_LOOKAHEAD_FRAMES:
      s->lookahead_frames = g_value_get_uint (value);
      break;
    case PROP_ITERATIONS:
      s->iterations = g_value_get_uint (value);
      break;
    case PROP_OUTPUT_MODE:
      s->output_mode = g_value_get_enum (value);
      break;
    case PROP_MASK_EXPONENT:
      s->mask_exponent = g_value_get_uint (value);
      break;
    case PROP_SEED:
      s->seed = g_value_get_uint64 (value);
      break;
    case PROP_POST_MESSAGES:
      s->post_messages = g_value_get_boolean (value);
      break;
    case PROP_INTERVAL:
      s->interval = g_value_get_uint64 (value);
      break;
    case PROP_MESSAGE_MASKS:
      s->message_masks = g_value_get_boolean (value);
      break;
    case PROP_DICTIONARIES:
      g_free (s->dictionaries);
      s->dictionaries = g_value_dup_string (value);
      break;
    case PROP_ENROL_SOURCE:
      s->enrol_source = g_value_get_int (value);
      break;
    case PROP_ENROL_COMPONENTS:
      s->enrol_components = g_value_get_uint (value);
      break;
    case PROP_ENROL_SHIFTS:
      s->enrol_shifts = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (element, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (element);
}

void
gst_nmf_ignored_sets_mark (GstNmfIgnoredSets * sets, guint prop_id,
    gboolean taken)
{
  if (prop_id >= 64)
    return;
  if (taken)
    sets->taken |= BIT (prop_id);
  else
    sets->ignored |= BIT (prop_id);
}

void
gst_nmf_ignored_sets_dispatch (GObject * object, GstNmfIgnoredSets * sets,
    GObjectClass * parent_class, guint n_pspecs, GParamSpec ** pspecs)
{
  GParamSpec **kept = g_newa (GParamSpec *, n_pspecs + 1);
  guint n_kept = 0;

  GST_OBJECT_LOCK (object);
  for (guint i = 0; i < n_pspecs; i++) {
    const guint id = pspecs[i]->param_id;
    if (pspecs[i]->owner_type == G_OBJECT_TYPE (object) && id < 64) {
      /* (taken and ignored within one freeze: the value did change) */
      const gboolean ignored = (sets->ignored & ~sets->taken & BIT (id)) != 0;
      sets->ignored &= ~BIT (id);
      sets->taken &= ~BIT (id);
      if (ignored)
        continue;
    }
    kept[n_kept++] = pspecs[i];
  }
  GST_OBJECT_UNLOCK (object);
  if (n_kept > 0)
    parent_class->dispatch_properties_changed (object, n_kept, kept);
}

void
gst_nmf_settings_get_property (GstElement * element, GstNmfSettings * s,
    guint prop_id, GValue * value, GParamSpec * pspec)
{
  GST_OBJECT_LOCK (element);
  switch (prop_id) {
    case PROP_N_SOURCES:
      g_value_set_uint (value, s->n_sources);
      break;
    case PROP_SPATIAL:
      g_value_set_enum (value, s->spatial);
      break;
    case PROP_PROFILE:
      g_value_set_enum (value, s->profile);
      break;
    case PROP_ALGORITHM:
      g_value_set_enum (value, s->algorithm);
      break;
    case PROP_REGULARIZATION:
      g_value_set_double (value, s->regularization);
      break;
    case PROP_COMPONENTS:
      g_value_set_uint (value, s->components);
      break;
    case PROP_FFT_SIZE:
      g_value_set_uint (value, s->fft_size);
      break;
    case PROP_HOP_SIZE:
      g_value_set_uint (value, s->hop_size);
      break;
    case PROP_WINDOW_FRAMES:
      g_value_set_uint (value, s->window_frames);
      break;
    case PROP_BANDS_PER_OCTAVE:
      g_value_set_uint (value, s->bands_per_octave);
      break;
    case PROP_LOOKAHEAD_FRAMES:
      g_value_set_uint (value, s->lookahead_frames);
      break;
    case PROP_ITERATIONS:
      g_value_set_uint (value, s->iterations);
      break;
    case PROP_OUTPUT_MODE:
      g_value_set_enum (value, s->output_mode);
      break;
    case PROP_MASK_EXPONENT:
      g_value_set_uint (value, s->mask_exponent);
      break;
    case PROP_SEED:
      g_value_set_uint64 (value, s->seed);
      break;
    case PROP_POST_MESSAGES:
      g_value_set_boolean (value, s->post_messages);
      break;
    case PROP_INTERVAL:
      g_value_set_uint64 (value, s->interval);
      break;
    case PROP_MESSAGE_MASKS:
      g_value_set_boolean (value, s->message_masks);
      break;
    case PROP_DICTIONARIES:
      g_value_set_string (value, s->dictionaries);
      break;
    case PROP_ENROL_SOURCE:
      g_value_set_int (value, s->enrol_source);
      break;
    case PROP_ENROL_COMPONENTS:
      g_value_set_uint (value, s->enrol_components);
      break;
    case PROP_ENROL_SHIFTS:
      g_value_set_uint (value, s->enrol_shifts);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (element, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (element);
}

void
gst_nmf_settings_snapshot (GstElement * element, GstNmfSettings * s,
    GstNmfSettings * copy, gboolean with_live)
{
  GST_OBJECT_LOCK (element);
  *copy = *s;
  copy->dictionaries = g_strdup (s->dictionaries);
  if (with_live)
    s->live_changed = 0;
  GST_OBJECT_UNLOCK (element);
}

void
gst_nmf_settings_start (GstElement * element, GstNmfSettings * s,
    GstNmfSettings * copy)
{
  GST_OBJECT_LOCK (element);
  s->in_use = TRUE;
  *copy = *s;
  copy->dictionaries = g_strdup (s->dictionaries);
  GST_OBJECT_UNLOCK (element);
}

void
gst_nmf_settings_stop (GstElement * element, GstNmfSettings * s)
{
  GST_OBJECT_LOCK (element);
  s->in_use = FALSE;
  GST_OBJECT_UNLOCK (element);
}

void
gst_nmf_settings_take_live (GstElement * element, GstNmfSettings * s,
    GstNmfLiveSettings * live)
{
  GST_OBJECT_LOCK (element);
  live->iterations_changed = (s->live_changed & BIT (PROP_ITERATIONS)) != 0;
  live->iterations = (gint) s->iterations;
  live->mask_exponent_changed =
      (s->live_changed & BIT (PROP_MASK_EXPONENT)) != 0;
  live->mask_exponent = (gint) s->mask_exponent;
  live->post_messages = s->post_messages;
  live->interval = s->interval;
  live->message_masks = s->message_masks;
  live->enrol_source = s->enrol_source;
  live->enrol_components = s->enrol_components;
  live->enrol_shifts = s->enrol_shifts;
  s->live_changed = 0;
  GST_OBJECT_UNLOCK (element);
}

gboolean
gst_nmf_dictionaries_load (GstNmfDictionaries * d, GstElement * element,
    const GstNmfSettings * s)
{
  gchar **entries, *message = NULL;

  memset (d, 0, sizeof (*d));
  if (!s->dictionaries || !*s->dictionaries)
    return TRUE;
  entries = g_strsplit (s->dictionaries, ",", -1);
  for (guint i = 0; !message && entries[i]; i++) {
    gchar *entry = g_strstrip (entries[i]), *eq = strchr (entry, '='), *end;
    char err[256] = "";
    guint64 source;

    if (!*entry)
      continue;
    if (!eq || eq == entry || !eq[1]) {
      message = g_strdup_printf ("dictionaries: '%s' is not SOURCE=FILE.npy",
          entry);
      break;
    }
    *eq = '\0';
    /* white space around the '=' too (" 1 = f.npy" named source '1 ') */
    g_strstrip (entry);
    g_strchug (eq + 1);
    source = g_ascii_strtoull (entry, &end, 10);
    if (!*entry || *end || source >= s->n_sources)
      message = g_strdup_printf ("dictionaries: source '%s' is not one of "
          "0..%u (n-sources)", entry, s->n_sources - 1);
    else if (d->templates[source])
      message = g_strdup_printf ("dictionaries: source %s is given twice",
          entry);
    /* a dictionary holds one value per bin of an fft-size frame */
    else if (nmf_dictionary_load_npy (eq + 1, s->fft_size / 2 + 1,
            &d->templates[source], &d->components[source], err,
            sizeof err) != NMF_OK)
      /* (the core's message names the file, and the FFT sizes when they
       * differ) */
      message = g_strdup_printf ("dictionaries: source %s: %s", entry, err);
  }
  g_strfreev (entries);
  if (!message)
    return TRUE;
  gst_nmf_dictionaries_clear (d);
  GST_ELEMENT_ERROR (element, RESOURCE, SETTINGS,
      ("Invalid property settings: %s", message),
      ("dictionaries=\"%s\" fft-size=%u", s->dictionaries, s->fft_size));
  g_free (message);
  return FALSE;
}

void
gst_nmf_dictionaries_clear (GstNmfDictionaries * d)
{
  for (guint i = 0; i < NMF_SEPARATOR_MAX_SOURCES; i++)
    free (d->templates[i]);
  memset (d, 0, sizeof (*d));
}

/* The property's value, or AUTO when the user did not set it. */
static int
set_or_auto (const GstNmfSettings * s, guint prop_id, guint value)
{
  return (s->set_by_user & BIT (prop_id)) ? (int) value : NMF_SEPARATOR_AUTO;
}

void
gst_nmf_settings_to_config (const GstNmfSettings * s, gint channels,
    const GstNmfDictionaries * d, nmf_profile profile,
    nmf_separator_config * cfg)
{
  nmf_separator_config_init (cfg);
  for (guint i = 0; d && i < s->n_sources && i < NMF_SEPARATOR_MAX_SOURCES; i++) {
    cfg->dictionaries[i] = d->templates[i];
    cfg->dictionary_components[i] = (int) d->components[i];
  }
  cfg->algorithm = s->algorithm;
  cfg->spatial = s->spatial;
  cfg->regularization = s->regularization;
  cfg->channels = channels;
  cfg->sources = (int) s->n_sources;
  cfg->fft_size = (int) s->fft_size;
  cfg->hop_size = s->hop_size ? (int) s->hop_size : NMF_SEPARATOR_AUTO;
  cfg->window_frames = set_or_auto (s, PROP_WINDOW_FRAMES, s->window_frames);
  cfg->seed = s->seed;
  cfg->bands_per_octave = set_or_auto (s, PROP_BANDS_PER_OCTAVE,
      s->bands_per_octave);
  cfg->lookahead_frames = set_or_auto (s, PROP_LOOKAHEAD_FRAMES,
      s->lookahead_frames);
  cfg->iterations = set_or_auto (s, PROP_ITERATIONS, s->iterations);
  cfg->mask_exponent = set_or_auto (s, PROP_MASK_EXPONENT, s->mask_exponent);
  /* components=0 set by the user: one per source without a dictionary,
   * whatever the profile, and counted again by the core when a dictionary
   * is loaded or enrolled mid-stream (a count resolved here kept the
   * blind stream's one per source) */
  cfg->components = s->components ? (int) s->components :
      (s->set_by_user & BIT (PROP_COMPONENTS)) ?
      NMF_SEPARATOR_PER_BLIND_SOURCE : NMF_SEPARATOR_AUTO;
  /* the core resolves what is left AUTO, now and when dictionaries come */
  cfg->profile = profile;
}

/* The property behind each field of the core's configuration. */
static const gchar *
property_of (nmf_config_field field)
{
  switch (field) {
    case NMF_CONFIG_FIELD_ALGORITHM:
      return "algorithm";
    case NMF_CONFIG_FIELD_SPATIAL:
      return "spatial";
    case NMF_CONFIG_FIELD_PROFILE:
      return "profile";
    case NMF_CONFIG_FIELD_SOURCES:
      return "n-sources";
    case NMF_CONFIG_FIELD_COMPONENTS:
      return "components";
    case NMF_CONFIG_FIELD_FFT_SIZE:
      return "fft-size";
    case NMF_CONFIG_FIELD_HOP_SIZE:
      return "hop-size";
    case NMF_CONFIG_FIELD_WINDOW_FRAMES:
      return "window-frames";
    case NMF_CONFIG_FIELD_ITERATIONS:
      return "iterations";
    case NMF_CONFIG_FIELD_MASK_EXPONENT:
      return "mask-exponent";
    case NMF_CONFIG_FIELD_REGULARIZATION:
      return "regularization";
    case NMF_CONFIG_FIELD_LOOKAHEAD_FRAMES:
      return "lookahead-frames";
    case NMF_CONFIG_FIELD_BANDS_PER_OCTAVE:
      return "bands-per-octave";
    case NMF_CONFIG_FIELD_DICTIONARIES:
      return "dictionaries";
    default:
      /* channels come from the caps; the rest is no property */
      return NULL;
  }
}

gboolean
gst_nmf_settings_check_config (GstElement * element,
    const nmf_separator_config * cfg)
{
  nmf_config_field field = NMF_CONFIG_FIELD_NONE;
  char message[512];
  const gchar *property;

  if (nmf_separator_check_config (cfg, &field, message, sizeof message)
      == NMF_OK)
    return TRUE;
  property = property_of (field);
  GST_ELEMENT_ERROR (element, LIBRARY, SETTINGS,
      ("Invalid property settings: %s%s%s", property ? property : "",
          property ? ": " : "", message),
      ("algorithm=%d n-sources=%d components=%d fft-size=%d hop-size=%d "
          "window-frames=%d bands-per-octave=%d lookahead-frames=%d "
          "iterations=%d mask-exponent=%d regularization=%g, %d channel(s)",
          cfg->algorithm, cfg->sources, cfg->components, cfg->fft_size,
          cfg->hop_size, cfg->window_frames, cfg->bands_per_octave,
          cfg->lookahead_frames, cfg->iterations, cfg->mask_exponent,
          cfg->regularization, cfg->channels));
  return FALSE;
}
