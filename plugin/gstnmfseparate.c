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
 * Kullback-Leibler nonnegative matrix factorization of the last
 * #GstNmfSeparate:window-frames frames up to date as the stream moves, and
 * sends each source out of its own source pad `src_0`, `src_1`, ...: as
 * audio (the mixture filtered by the source's soft mask) or as the masks
 * themselves.
 *
 * The source pads are request pads, `src_0` to `src_N-1` for
 * #GstNmfSeparate:n-sources = N: gst-launch-1.0 requests them when it links
 * `name.src_0`, an application with gst_element_request_pad_simple() (by
 * name, or "src_%u" for the lowest free source).  A source pad that
 * n-sources does not have is refused, so such a link fails at once; a
 * source whose pad was not requested is separated but not sent anywhere.
 * Like deinterleave, an unlinked source pad is not an error as long as
 * another one is linked.
 *
 * ## Audio output (output-mode=audio, the default)
 * Every source pad carries F32 audio with the rate and channels of the
 * input.  Masks are computed from the magnitude spectrum summed over the
 * channels and applied to each channel's spectrum.  Output sample n is the
 * separated version of input sample n and carries its timestamp; at EOS the
 * tail is drained, so every source pad pushes exactly as many samples as
 * came in, and the sources add up to the input (the masks sum to one).
 * The element holds up to #GstNmfSeparate:fft-size samples: it reports that
 * as its latency (fft-size - hop-size of STFT delay, plus one hop to
 * complete a frame).  With #GstNmfSeparate:lookahead-frames = L (kl) a
 * frame's masks are made L frames later, from the model that has learned
 * from those frames too, and the latency (audio and mask mode) grows by L
 * hops: causal (0, the property default) for live use, a few seconds for
 * files.
 *
 * ## Profiles: live and files
 * #GstNmfSeparate:profile picks the defaults of the quality / latency
 * trade-off for blind kl (without dictionaries; volmin and dictionaries
 * keep the property defaults), as measured best (README, "Measured
 * quality").  `live`: components=20 grouped into the sources,
 * bands-per-octave=24, iterations=4 and mask-exponent=1, causal: latency
 * fft-size samples.  `file`: the same with lookahead-frames = 2 x
 * window-frames (516 frames, 6 s at 44.1 kHz); it costs about as much CPU
 * as live but holds 6 s.  While the look-ahead fills, the source pads carry
 * an empty GAP event at the stream start, so that their sinks preroll at
 * once: a non-live pipeline that tees the input to nmfseparate and to
 * another sink through a default queue still prerolls.  Its output then
 * comes 6 s after its input: a synchronised sink after it in such a
 * pipeline, which plays in real time, gets it late (use `profile=live`
 * there).  `auto`, the default,
 * asks upstream with a latency query when the caps arrive: `file` when
 * upstream is not live (a file, a non-live test source), `live` when it is
 * live or does not answer.  A property set explicitly always keeps its
 * value (e.g. `lookahead-frames=86` gives the file settings with 1 s of
 * look-ahead).
 * The settings in force are logged at INFO when the caps arrive.
 *
 * ## Mask output (output-mode=mask)
 * Every source pad carries `application/x-nmf-mask, bins=(int)B,
 * hop-size=(int)H, rate=(int)R` with B = fft-size / 2 + 1: one buffer per
 * hop, holding B native-endian float32 values in [0, 1], the soft mask of
 * that source for the STFT frame that ends with the hop.  Buffer j has the
 * timestamp of input sample j * H and lasts H samples (the last one may be
 * shorter, at EOS).  The masks of all sources sum to one in every bin.  The
 * latency is one hop.
 *
 * ## Model
 * For every new frame the activations are solved with the templates fixed
 * (#GstNmfSeparate:iterations multiplicative updates, warm-started from the
 * previous frame); the templates are then refreshed from running
 * statistics of the whole window (a majorize-minimize step of KL-NMF over
 * the window), so the factorization follows the stream at a cost that does
 * not grow with the window.  Causally (lookahead-frames=0) the mask of a
 * frame comes from the model in force when the frame enters: the element
 * never looks ahead beyond one STFT frame.  #GstNmfSeparate:seed makes
 * the start, and so the whole run, deterministic.  Bounded memory: once
 * per window length a fresh factorization of a few frames of the window
 * is compared with the model in force on other frames, and replaces it
 * when it explains them with less than half the divergence (a model broken
 * by a loud broadband stretch, which multiplicative updates cannot leave);
 * so a bad stretch is forgotten at most two windows after it ends
 * (restarts are logged at INFO).
 *
 * ## Volume minimization (algorithm=volmin)
 * The window is factored by the column-normalized volume-minimization
 * criterion (Fu, Huang, Sidiropoulos 2018): minimize det(W^T W) subject to
 * X = W H^T, H^T 1 = 1, H >= 0, with W unconstrained.  Every 16 frames the
 * rank-K subspace of the window is updated by one subspace iteration from
 * the previous one and the criterion re-solved by small linear programs
 * (GLPK), warm-started through the previous templates and matched to them so
 * that a source index keeps its meaning; between refreshes each frame's
 * activations are its coordinates in that model.  W may have negative
 * entries: each component's model of a frame, W_k h_k, is clipped at zero
 * before the masks are formed from it.  Until the window holds a model
 * (at least 2 K sounding frames of rank K) the sources share each bin
 * evenly.  #GstNmfSeparate:regularization selects the log-det regularized
 * form for noisy data.  #GstNmfSeparate:iterations does not apply.
 *
 * ## Many components, dictionaries
 * With #GstNmfSeparate:components above n-sources the components are
 * grouped into sources by the timbre of their templates (cepstral envelope,
 * shift-invariant harmonic pattern, octave energies), regrouped every 16
 * frames from per-source centroids that move slowly (a time constant of
 * about 4 s), so a source index keeps its meaning through pauses; a
 * component that sits between two sources is shared by them
 * (fuzzy memberships, smoothed over regroupings and ramped).
 * #GstNmfSeparate:dictionaries gives some sources fixed templates learned
 * beforehand (`nmftool learn`); the others stay blind.
 * #GstNmfSeparate:bands-per-octave lets the model see a log-frequency axis
 * instead of every bin (153 values per frame instead of 1025 at 24 bands
 * per octave and fft-size 2048), which makes many components several times
 * cheaper; each band's mask applies to its bins.
 *
 * ## Messages
 * With #GstNmfSeparate:post-messages the element posts an element message
 * "nmfseparate" every #GstNmfSeparate:interval: `timestamp`, `stream-time`,
 * `running-time`, `duration` (guint64), `energy` (GST_TYPE_ARRAY of gdouble,
 * each source's mean spectral energy sum |mask X|^2 over the interval's
 * frames) and, with #GstNmfSeparate:message-masks, `masks` (GST_TYPE_ARRAY
 * of one GST_TYPE_ARRAY of gfloat per source, the interval's last frame).
 * The last partial interval is posted at EOS.
 *
 * ## Picture
 * The request pad `viz` produces video/x-raw (RGBA or RGB; 640x360 at 30
 * fps unless downstream asks otherwise): a spectrogram on a logarithmic
 * frequency axis whose every point is coloured by the sources' masks,
 * scrolling with the newest frame at the right edge.  With framerate 0/1 it
 * pushes one still picture of the whole stream at EOS (a file sink after it
 * needs async=false in gst-launch, since the picture comes only at the end).
 *
 * ## Bad input
 * NaN and infinite samples are replaced by silence (in the model and in the
 * output alike) and reported in the debug log (category nmfseparate, level
 * WARNING).  Digital silence gives silence and leaves the model as it was.
 * A DISCONT buffer, a timestamp discontinuity, or a caps change drains the
 * samples held so far and starts a new stream (the learned templates stay);
 * a flush drops them.  A GAP event is separated as silence of its duration.
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

#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_nmf_separate_debug);
#define GST_CAT_DEFAULT gst_nmf_separate_debug

#define MASK_CAPS_NAME "application/x-nmf-mask"

/* F32 in the machine's byte order, which is F32LE on every little-endian
 * host: the core computes on native floats. */
#define AUDIO_CAPS \
  "audio/x-raw, format=(string)" GST_AUDIO_NE (F32) ", " \
  "layout=(string)interleaved, rate=(int)[ 8000, 192000 ], " \
  "channels=(int)[ 1, 64 ]"

#define MASK_CAPS \
  MASK_CAPS_NAME ", bins=(int)[ 17, 16385 ], hop-size=(int)[ 1, 16384 ], " \
  "rate=(int)[ 8000, 192000 ]"

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS (AUDIO_CAPS));

static GstStaticPadTemplate viz_template = GST_STATIC_PAD_TEMPLATE ("viz",
    GST_PAD_SRC,
    GST_PAD_REQUEST,
    GST_STATIC_CAPS ("video/x-raw, format=(string){ RGBA, RGB }, "
        "width=(int)[ 16, 8192 ], height=(int)[ 16, 4096 ], "
        "framerate=(fraction)[ 0/1, 120/1 ]"));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src_%u",
    GST_PAD_SRC,
    GST_PAD_REQUEST,
    GST_STATIC_CAPS (AUDIO_CAPS "; " MASK_CAPS));

enum
{
  PROP_0,
  PROP_PROFILE,
  PROP_ALGORITHM,
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
};

#define DEFAULT_PROFILE GST_NMF_PROFILE_AUTO
#define DEFAULT_ALGORITHM GST_NMF_ALGORITHM_KL
#define DEFAULT_REGULARIZATION 0.0
#define DEFAULT_N_SOURCES 2
#define DEFAULT_COMPONENTS 0
#define DEFAULT_FFT_SIZE NMF_SEPARATOR_DEFAULT_FFT_SIZE
#define DEFAULT_HOP_SIZE 512
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
#define VIZ_DEFAULT_WIDTH 640
#define VIZ_DEFAULT_HEIGHT 360
#define VIZ_DEFAULT_FPS 30

/* a GAP event is separated as silence, this many samples at a time */
#define GAP_CHUNK_SAMPLES 8192

#define gst_nmf_separate_parent_class parent_class
G_DEFINE_TYPE (GstNmfSeparate, gst_nmf_separate, GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (nmfseparate, "nmfseparate",
    GST_RANK_NONE, GST_TYPE_NMF_SEPARATE,
    GST_DEBUG_CATEGORY_INIT (gst_nmf_separate_debug, "nmfseparate", 0,
        "NMF audio source separation"));

GType
gst_nmf_output_mode_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_NMF_OUTPUT_MODE_AUDIO, "Separated audio, one source per pad",
        "audio"},
    {GST_NMF_OUTPUT_MODE_MASK,
        "Soft masks (" MASK_CAPS_NAME "), one buffer per hop", "mask"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstNmfOutputMode", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

GType
gst_nmf_algorithm_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_NMF_ALGORITHM_KL, "Warm-started KL-NMF (nonnegative templates)",
        "kl"},
    {GST_NMF_ALGORITHM_VOLMIN,
          "Column-normalized volume minimization (identifiable; templates "
          "may be negative, clipped at zero for the masks)", "volmin"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstNmfAlgorithm", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

GType
gst_nmf_profile_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_NMF_PROFILE_AUTO, "file when upstream is not live (the latency "
          "query says so), live otherwise", "auto"},
    {GST_NMF_PROFILE_LIVE, "Causal, latency of fft-size samples: for "
          "blind kl, components=20 bands-per-octave=24 iterations=4 "
          "mask-exponent=1 unless set", "live"},
    {GST_NMF_PROFILE_FILE, "Best measured quality, 6 s of latency: the "
          "live settings and lookahead-frames=2*window-frames unless set",
        "file"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstNmfProfile", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

static void gst_nmf_separate_finalize (GObject * object);
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
static gboolean gst_nmf_separate_src_query (GstPad * pad, GstObject * parent,
    GstQuery * query);
static gboolean gst_nmf_separate_sink_query (GstPad * pad, GstObject * parent,
    GstQuery * query);

static void
gst_nmf_separate_class_init (GstNmfSeparateClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;

  gobject_class->finalize = gst_nmf_separate_finalize;
  gobject_class->set_property = gst_nmf_separate_set_property;
  gobject_class->get_property = gst_nmf_separate_get_property;

  g_object_class_install_property (gobject_class, PROP_PROFILE,
      g_param_spec_enum ("profile", "Profile",
          "Defaults for the quality / latency trade-off, for blind kl (no "
          "dictionaries; volmin and dictionaries keep the property defaults "
          "below). live: components=20 grouped into the sources, "
          "bands-per-octave=24, iterations=4, mask-exponent=1, causal "
          "(latency of fft-size samples). file: the same with "
          "lookahead-frames=2 x window-frames (516 = 6 s at 44.1 kHz) - the "
          "best measured blind quality, at 6 s of latency. auto: file when "
          "upstream answers the latency query as not live, live otherwise. "
          "A property set explicitly always wins over the profile",
          GST_TYPE_NMF_PROFILE, DEFAULT_PROFILE,
          rw | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_ALGORITHM,
      g_param_spec_enum ("algorithm", "Algorithm",
          "Factorization kept up to date over the sliding window",
          GST_TYPE_NMF_ALGORITHM, DEFAULT_ALGORITHM,
          rw | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_REGULARIZATION,
      g_param_spec_double ("regularization", "Regularization",
          "volmin only: lambda of the log-det regularized criterion "
          "||X - W H^T||^2 + lambda * scale * logdet(W^T W + delta I), for "
          "noisy data; 0 solves the exact criterion (useful values about "
          "1e-4 to 1e-2; larger values merge components)",
          0.0, 1.0, DEFAULT_REGULARIZATION, rw | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_N_SOURCES,
      g_param_spec_uint ("n-sources", "Number of sources",
          "Number of sources to separate: one source pad src_%u each "
          "(pads are re-created when this is set in NULL or READY)",
          1, NMF_SEPARATOR_MAX_SOURCES, DEFAULT_N_SOURCES,
          rw | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_COMPONENTS,
      g_param_spec_uint ("components", "Components",
          "NMF rank K (spectral templates); 0 means as many as n-sources. "
          "With K = n-sources each component is a source; with more, the "
          "components are grouped into sources by the timbre of their "
          "templates, stably as the window slides",
          0, 256, DEFAULT_COMPONENTS, rw | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_FFT_SIZE,
      g_param_spec_uint ("fft-size", "FFT size",
          "STFT frame length in samples (even)", 32, 32768, DEFAULT_FFT_SIZE,
          rw | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_HOP_SIZE,
      g_param_spec_uint ("hop-size", "Hop size",
          "Samples between STFT frames (at most fft-size / 2)", 1, 16384,
          DEFAULT_HOP_SIZE, rw | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_WINDOW_FRAMES,
      g_param_spec_uint ("window-frames", "Window length",
          "Length of the sliding window the factorization covers, in frames "
          "(the default is about 3 s at 44.1 kHz with hop-size 512). "
          "Settings whose buffers would take more than 1 GiB (long windows "
          "and look-ahead, many components and channels) are refused with "
          "an error", 1, NMF_SEPARATOR_MAX_WINDOW, DEFAULT_WINDOW_FRAMES,
          rw | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_BANDS_PER_OCTAVE,
      g_param_spec_uint ("bands-per-octave", "Bands per octave",
          "0: the factorization sees every STFT bin; N (6 to 96): it sees a "
          "log-frequency axis of N bands per octave (bins kept below the "
          "frequency where they are that dense, summed into bands above; "
          "each band's mask applies to all its bins), which makes many "
          "components several times cheaper (kl and volmin)",
          0, 96, DEFAULT_BANDS_PER_OCTAVE, rw | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_LOOKAHEAD_FRAMES,
      g_param_spec_uint ("lookahead-frames", "Look-ahead",
          "kl: frames a frame's masks wait for the model, which meanwhile "
          "learns from the frames that follow; adds that many hops to the "
          "latency. 0: causal, for live use; a few seconds' worth (e.g. "
          "516 = 6 s at 44.1 kHz, hop-size 512) separates files better. "
          "Counts towards the 1 GiB bound of window-frames",
          0, NMF_SEPARATOR_MAX_LOOKAHEAD, DEFAULT_LOOKAHEAD_FRAMES,
          rw | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_ITERATIONS,
      g_param_spec_uint ("iterations", "Iterations per hop",
          "Multiplicative updates of the new frame's activations per hop",
          1, 1000, DEFAULT_ITERATIONS,
          rw | GST_PARAM_MUTABLE_PLAYING | GST_PARAM_CONTROLLABLE));
  g_object_class_install_property (gobject_class, PROP_OUTPUT_MODE,
      g_param_spec_enum ("output-mode", "Output mode",
          "What the source pads carry: separated audio, or each source's "
          "soft mask per hop (" MASK_CAPS_NAME ")", GST_TYPE_NMF_OUTPUT_MODE,
          DEFAULT_OUTPUT_MODE, rw | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_MASK_EXPONENT,
      g_param_spec_uint ("mask-exponent", "Mask exponent",
          "p in mask_s = P_s^p / sum_r P_r^p: 1 for ratio masks, 2 for "
          "Wiener-like masks", 1, 2, DEFAULT_MASK_EXPONENT,
          rw | GST_PARAM_MUTABLE_PLAYING | GST_PARAM_CONTROLLABLE));
  g_object_class_install_property (gobject_class, PROP_SEED,
      g_param_spec_uint64 ("seed", "Seed",
          "Seed of the templates' random start: the same seed and input "
          "give the same output", 0, G_MAXUINT64, DEFAULT_SEED,
          rw | GST_PARAM_MUTABLE_READY));

  g_object_class_install_property (gobject_class, PROP_POST_MESSAGES,
      g_param_spec_boolean ("post-messages", "Post messages",
          "Post an element message \"nmfseparate\" on the bus every "
          "interval, with each source's energy", DEFAULT_POST_MESSAGES,
          rw | GST_PARAM_MUTABLE_PLAYING | GST_PARAM_CONTROLLABLE));
  g_object_class_install_property (gobject_class, PROP_INTERVAL,
      g_param_spec_uint64 ("interval", "Interval",
          "Time covered by each element message, in nanoseconds",
          GST_MSECOND, G_MAXUINT64, DEFAULT_INTERVAL,
          rw | GST_PARAM_MUTABLE_PLAYING | GST_PARAM_CONTROLLABLE));
  g_object_class_install_property (gobject_class, PROP_MESSAGE_MASKS,
      g_param_spec_boolean ("message-masks", "Masks in messages",
          "Add the sources' masks of the interval's last frame to each "
          "message (field \"masks\")", DEFAULT_MESSAGE_MASKS,
          rw | GST_PARAM_MUTABLE_PLAYING));

  g_object_class_install_property (gobject_class, PROP_DICTIONARIES,
      g_param_spec_string ("dictionaries", "Dictionaries",
          "Fixed templates for some sources: comma-separated SOURCE=FILE.npy "
          "entries (e.g. \"1=noise.npy\"), each a (fft-size/2+1) x K "
          "float .npy made by 'nmftool learn'; the other sources stay blind "
          "(kl only)", NULL, rw | GST_PARAM_MUTABLE_READY));

  gst_element_class_add_static_pad_template (element_class, &viz_template);
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "NMF source separator", "Filter/Audio",
      "Separates audio sources in real time, without training, by a "
      "sliding-window nonnegative matrix factorization of the spectrogram",
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

  gst_type_mark_as_plugin_api (GST_TYPE_NMF_OUTPUT_MODE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_NMF_ALGORITHM, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_NMF_PROFILE, 0);
}

/* Output pads: the requested source pads and the viz pad, in the order
 * they were requested.  All of them push from their own task through a
 * queue. */
static guint
n_out_pads (GstNmfSeparate * self)
{
  return self->outpads->len;
}

static GstPad *
out_pad (GstNmfSeparate * self, guint i)
{
  return g_ptr_array_index (self->outpads, i);
}

/* The queue between the streaming thread and one source pad's task. */
typedef struct
{
  GQueue items;                 /* GstBuffer and serialized GstEvent */
  gboolean flushing;
  gboolean busy;                /* the task is pushing an item */
} SrcQueue;

/* Enough to keep every branch busy, small enough to bound memory. */
#define MAX_QUEUED_ITEMS 64

static void
src_queue_clear (SrcQueue * q)
{
  GstMiniObject *item;

  while ((item = g_queue_pop_head (&q->items)))
    gst_mini_object_unref (item);
}

static void
src_queue_free (gpointer data)
{
  SrcQueue *q = data;

  src_queue_clear (q);
  g_free (q);
}

static SrcQueue *
pad_queue (GstPad * pad)
{
  return gst_pad_get_element_private (pad);
}

/* Hands an item to a source pad's task; blocks while its queue is full.
 * Returns FALSE (and drops the item) when the pad is flushing. */
static gboolean
gst_nmf_separate_enqueue (GstNmfSeparate * self, GstPad * pad,
    GstMiniObject * item)
{
  SrcQueue *q = pad_queue (pad);

  g_mutex_lock (&self->queue_lock);
  while (q->items.length >= MAX_QUEUED_ITEMS && !q->flushing)
    g_cond_wait (&self->queue_cond, &self->queue_lock);
  if (q->flushing) {
    g_mutex_unlock (&self->queue_lock);
    gst_mini_object_unref (item);
    return FALSE;
  }
  g_queue_push_tail (&q->items, item);
  g_cond_broadcast (&self->queue_cond);
  g_mutex_unlock (&self->queue_lock);
  return TRUE;
}

static void
gst_nmf_separate_src_loop (GstPad * pad)
{
  GstNmfSeparate *self = GST_NMF_SEPARATE (gst_pad_get_parent (pad));
  SrcQueue *q = pad_queue (pad);
  GstMiniObject *item;

  if (!self) {
    gst_pad_pause_task (pad);
    return;
  }
  g_mutex_lock (&self->queue_lock);
  while (g_queue_is_empty (&q->items) && !q->flushing)
    g_cond_wait (&self->queue_cond, &self->queue_lock);
  if (q->flushing) {
    g_mutex_unlock (&self->queue_lock);
    gst_pad_pause_task (pad);
    gst_object_unref (self);
    return;
  }
  item = g_queue_pop_head (&q->items);
  q->busy = TRUE;
  g_cond_broadcast (&self->queue_cond);
  g_mutex_unlock (&self->queue_lock);

  if (GST_IS_BUFFER (item)) {
    GstFlowReturn ret = gst_pad_push (pad, GST_BUFFER_CAST (item));
    g_mutex_lock (&self->queue_lock);
    self->combined_flow =
        gst_flow_combiner_update_pad_flow (self->flow_combiner, pad, ret);
    g_mutex_unlock (&self->queue_lock);
    if (ret != GST_FLOW_OK)
      GST_LOG_OBJECT (pad, "push returned %s", gst_flow_get_name (ret));
  } else {
    gst_pad_push_event (pad, GST_EVENT_CAST (item));
  }

  g_mutex_lock (&self->queue_lock);
  q->busy = FALSE;
  g_cond_broadcast (&self->queue_cond);
  g_mutex_unlock (&self->queue_lock);
  gst_object_unref (self);
}

static void
gst_nmf_separate_set_flushing (GstNmfSeparate * self, GstPad * pad,
    gboolean flushing)
{
  SrcQueue *q = pad_queue (pad);

  g_mutex_lock (&self->queue_lock);
  q->flushing = flushing;
  if (flushing)
    src_queue_clear (q);
  g_cond_broadcast (&self->queue_cond);
  g_mutex_unlock (&self->queue_lock);
}

static gboolean
gst_nmf_separate_src_activate_mode (GstPad * pad, GstObject * parent,
    GstPadMode mode, gboolean active)
{
  GstNmfSeparate *self = GST_NMF_SEPARATE (parent);

  if (mode != GST_PAD_MODE_PUSH)
    return FALSE;
  if (active) {
    gst_nmf_separate_set_flushing (self, pad, FALSE);
    return gst_pad_start_task (pad,
        (GstTaskFunction) gst_nmf_separate_src_loop, pad, NULL);
  }
  gst_nmf_separate_set_flushing (self, pad, TRUE);
  return gst_pad_stop_task (pad);
}

/* Waits until every queue is empty and every task idle (DRAIN query). */
static void
gst_nmf_separate_wait_queues_empty (GstNmfSeparate * self)
{
  g_mutex_lock (&self->queue_lock);
  for (guint i = 0; i < n_out_pads (self); i++) {
    SrcQueue *q = pad_queue (out_pad (self, i));
    while ((!g_queue_is_empty (&q->items) || q->busy) && !q->flushing)
      g_cond_wait (&self->queue_cond, &self->queue_lock);
  }
  g_mutex_unlock (&self->queue_lock);
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
      GST_DEBUG_FUNCPTR (gst_nmf_separate_sink_query));
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);

  self->settings.profile = DEFAULT_PROFILE;
  self->settings.algorithm = DEFAULT_ALGORITHM;
  self->settings.regularization = DEFAULT_REGULARIZATION;
  self->settings.n_sources = DEFAULT_N_SOURCES;
  self->settings.components = DEFAULT_COMPONENTS;
  self->settings.fft_size = DEFAULT_FFT_SIZE;
  self->settings.hop_size = DEFAULT_HOP_SIZE;
  self->settings.window_frames = DEFAULT_WINDOW_FRAMES;
  self->settings.bands_per_octave = DEFAULT_BANDS_PER_OCTAVE;
  self->settings.lookahead_frames = DEFAULT_LOOKAHEAD_FRAMES;
  self->settings.iterations = DEFAULT_ITERATIONS;
  self->settings.output_mode = DEFAULT_OUTPUT_MODE;
  self->settings.mask_exponent = DEFAULT_MASK_EXPONENT;
  self->settings.seed = DEFAULT_SEED;
  self->settings.post_messages = DEFAULT_POST_MESSAGES;
  self->settings.interval = DEFAULT_INTERVAL;
  self->settings.message_masks = DEFAULT_MESSAGE_MASKS;
  gst_segment_init (&self->segment, GST_FORMAT_TIME);

  self->outpads = g_ptr_array_new ();
  g_mutex_init (&self->queue_lock);
  g_cond_init (&self->queue_cond);
  self->flow_combiner = gst_flow_combiner_new ();
  self->combined_flow = GST_FLOW_OK;
}

static void
gst_nmf_separate_finalize (GObject * object)
{
  GstNmfSeparate *self = GST_NMF_SEPARATE (object);

  nmf_separator_destroy (&self->separator);
  if (self->align)
    gst_audio_stream_align_free (self->align);
  gst_nmf_viz_free (self->viz);
  g_free (self->msg_masks);
  g_free (self->settings.dictionaries);
  g_free (self->active.dictionaries);
  gst_flow_combiner_free (self->flow_combiner);
  g_ptr_array_free (self->outpads, TRUE);
  g_mutex_clear (&self->queue_lock);
  g_cond_clear (&self->queue_cond);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

/* Size-changing properties may only change in NULL or READY: the streaming
 * thread's separator was built from them. */
static gboolean
gst_nmf_separate_settable (GstNmfSeparate * self, GParamSpec * pspec)
{
  GstState state;

  GST_OBJECT_LOCK (self);
  state = GST_STATE (self);
  GST_OBJECT_UNLOCK (self);
  if ((pspec->flags & GST_PARAM_MUTABLE_PLAYING) || state <= GST_STATE_READY)
    return TRUE;
  GST_WARNING_OBJECT (self, "property '%s' can only be changed in the NULL "
      "or READY state; ignoring the new value", pspec->name);
  return FALSE;
}

static void
gst_nmf_separate_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstNmfSeparate *self = GST_NMF_SEPARATE (object);
  GstNmfSeparateSettings *s = &self->settings;

  if (!gst_nmf_separate_settable (self, pspec))
    return;

  GST_OBJECT_LOCK (self);
  s->explicit_props |= G_GUINT64_CONSTANT (1) << prop_id;
  switch (prop_id) {
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
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_nmf_separate_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstNmfSeparate *self = GST_NMF_SEPARATE (object);
  GstNmfSeparateSettings *s = &self->settings;

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_N_SOURCES:
      g_value_set_uint (value, s->n_sources);
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
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* A copy of the settings that owns its string, taken under the lock. */
static void
gst_nmf_separate_get_settings (GstNmfSeparate * self,
    GstNmfSeparateSettings * s)
{
  GST_OBJECT_LOCK (self);
  *s = self->settings;
  s->dictionaries = g_strdup (self->settings.dictionaries);
  GST_OBJECT_UNLOCK (self);
}

/* Dictionaries read from the files the property names. */
typedef struct
{
  float *templates[NMF_SEPARATOR_MAX_SOURCES];
  int components[NMF_SEPARATOR_MAX_SOURCES];
} Dictionaries;

static void
dictionaries_clear (Dictionaries * d)
{
  for (guint i = 0; i < NMF_SEPARATOR_MAX_SOURCES; i++)
    free (d->templates[i]);
  memset (d, 0, sizeof (*d));
}

/* Parses "SOURCE=FILE.npy,..." and loads each file for fft_size.  On
 * failure returns FALSE with *message (g_free it). */
static gboolean
dictionaries_load (const GstNmfSeparateSettings * s, Dictionaries * d,
    gchar ** message)
{
  gchar **entries;
  gboolean ok = TRUE;

  memset (d, 0, sizeof (*d));
  if (!s->dictionaries || !*s->dictionaries)
    return TRUE;
  entries = g_strsplit (s->dictionaries, ",", -1);
  for (guint i = 0; ok && entries[i]; i++) {
    gchar *entry = g_strstrip (entries[i]), *eq = strchr (entry, '='), *end;
    char err[256] = "";
    guint64 source;

    if (!*entry)
      continue;
    if (!eq || eq == entry || !eq[1]) {
      *message = g_strdup_printf ("dictionaries: '%s' is not SOURCE=FILE.npy",
          entry);
      ok = FALSE;
      break;
    }
    *eq = '\0';
    source = g_ascii_strtoull (entry, &end, 10);
    if (*end || source >= s->n_sources) {
      *message = g_strdup_printf ("dictionaries: source '%s' is not one of "
          "0..%u (n-sources)", entry, s->n_sources - 1);
      ok = FALSE;
    } else if (d->templates[source]) {
      *message = g_strdup_printf ("dictionaries: source %s is given twice",
          entry);
      ok = FALSE;
    } else if (nmf_dictionary_load_npy (eq + 1, s->fft_size / 2 + 1,
            &d->templates[source], &d->components[source], err,
            sizeof err) != NMF_OK) {
      *message = g_strdup_printf ("dictionaries: %s: %s", eq + 1, err);
      ok = FALSE;
    }
  }
  g_strfreev (entries);
  if (!ok)
    dictionaries_clear (d);
  return ok;
}

/* Whether upstream is live, from the latency query; unknown counts as live,
 * so that no look-ahead is added where latency may matter. */
static gboolean
gst_nmf_separate_upstream_is_live (GstNmfSeparate * self)
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

/* The profiles were measured for blind kl; volmin (which has no
 * look-ahead) and dictionaries keep the property defaults. */
static gboolean
profile_applies (const GstNmfSeparateSettings * s)
{
  return s->algorithm == GST_NMF_ALGORITHM_KL
      && !(s->dictionaries && *s->dictionaries);
}

/* The profile these settings ask for, auto resolved: file when upstream
 * answers the latency query as not live, live otherwise. */
static GstNmfProfile
gst_nmf_separate_resolve_profile (GstNmfSeparate * self,
    const GstNmfSeparateSettings * s)
{
  if (s->profile != GST_NMF_PROFILE_AUTO)
    return s->profile;
  if (!profile_applies (s))
    return GST_NMF_PROFILE_LIVE;        /* no need to ask */
  return gst_nmf_separate_upstream_is_live (self) ? GST_NMF_PROFILE_LIVE
      : GST_NMF_PROFILE_FILE;
}

/* The core's settings of profile (live or file) replace the property
 * defaults; a property set explicitly keeps its value. */
static void
apply_profile (GstNmfSeparateSettings * s, GstNmfProfile profile)
{
  nmf_separator_config p;

  nmf_separator_config_init (&p);
  p.window_frames = (int) s->window_frames;
  nmf_separator_config_apply_profile (&p, profile == GST_NMF_PROFILE_FILE ?
      NMF_PROFILE_FILE : NMF_PROFILE_LIVE);
#define FROM_PROFILE(prop, field) \
  if (!(s->explicit_props & (G_GUINT64_CONSTANT (1) << (prop)))) \
    s->field = p.field
  FROM_PROFILE (PROP_COMPONENTS, components);
  FROM_PROFILE (PROP_BANDS_PER_OCTAVE, bands_per_octave);
  FROM_PROFILE (PROP_ITERATIONS, iterations);
  FROM_PROFILE (PROP_LOOKAHEAD_FRAMES, lookahead_frames);
  FROM_PROFILE (PROP_MASK_EXPONENT, mask_exponent);
#undef FROM_PROFILE
}

static void
settings_to_config (const GstNmfSeparateSettings * s, int channels,
    const Dictionaries * d, nmf_separator_config * cfg)
{
  guint blind = 0;

  nmf_separator_config_init (cfg);
  for (guint i = 0; i < s->n_sources && i < NMF_SEPARATOR_MAX_SOURCES; i++) {
    cfg->dictionaries[i] = d->templates[i];
    cfg->dictionary_components[i] = d->components[i];
    blind += d->templates[i] == NULL;
  }
  cfg->channels = channels;
  cfg->sources = s->n_sources;
  /* 0: one learned component per blind source */
  cfg->components = s->components ? s->components : blind;
  cfg->fft_size = s->fft_size;
  cfg->hop_size = s->hop_size;
  cfg->window_frames = s->window_frames;
  cfg->bands_per_octave = s->bands_per_octave;
  cfg->lookahead_frames = (int) s->lookahead_frames;
  cfg->iterations = s->iterations;
  cfg->mask_exponent = s->mask_exponent;
  cfg->seed = s->seed;
  cfg->algorithm = s->algorithm;
  cfg->regularization = s->regularization;
}

/* The core's configuration for these settings, dictionaries loaded; an
 * invalid combination is refused with an error naming the property.
 * Returns FALSE after posting the error. */
static gboolean
gst_nmf_separate_make_config (GstNmfSeparate * self,
    const GstNmfSeparateSettings * s, int channels, Dictionaries * d,
    nmf_separator_config * cfg)
{
  char message[256];
  gchar *dict_message = NULL;

  if (!dictionaries_load (s, d, &dict_message)) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("Invalid property settings: %s", dict_message),
        ("dictionaries=\"%s\" fft-size=%u", s->dictionaries, s->fft_size));
    g_free (dict_message);
    return FALSE;
  }
  settings_to_config (s, channels, d, cfg);
  if (nmf_separator_check_config (cfg, NULL, message, sizeof message) == NMF_OK)
    return TRUE;
  dictionaries_clear (d);
  GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS,
      ("Invalid property settings: %s", message),
      ("algorithm=%d n-sources=%u components=%u fft-size=%u hop-size=%u "
          "window-frames=%u bands-per-octave=%u lookahead-frames=%u "
          "iterations=%u mask-exponent=%u "
          "regularization=%g, %d channel(s)", s->algorithm, s->n_sources,
          s->components, s->fft_size, s->hop_size, s->window_frames,
          s->bands_per_octave, s->lookahead_frames, s->iterations,
          s->mask_exponent, s->regularization, channels));
  return FALSE;
}

static GstClockTime
gst_nmf_separate_own_latency (GstNmfSeparate * self)
{
  guint samples;

  if (!self->have_info)
    return 0;
  /* audio: fft-size - hop-size of STFT delay plus one hop to fill a frame;
   * masks: the hop that completes the frame; both wait lookahead-frames
   * hops more for the model */
  samples = self->active.output_mode == GST_NMF_OUTPUT_MODE_AUDIO ?
      self->active.fft_size : self->active.hop_size;
  samples += self->active.lookahead_frames * self->active.hop_size;
  return gst_util_uint64_scale_int_ceil (samples, GST_SECOND,
      GST_AUDIO_INFO_RATE (&self->info));
}

static GstCaps *
gst_nmf_separate_src_caps (GstNmfSeparate * self)
{
  if (self->active.output_mode == GST_NMF_OUTPUT_MODE_MASK)
    return gst_caps_new_simple (MASK_CAPS_NAME,
        "bins", G_TYPE_INT, (gint) self->active.fft_size / 2 + 1,
        "hop-size", G_TYPE_INT, (gint) self->active.hop_size,
        "rate", G_TYPE_INT, GST_AUDIO_INFO_RATE (&self->info), NULL);
  return gst_audio_info_to_caps (&self->info);
}

/* Serialized events travel through the queues, in order with the data;
 * the others go out at once. */
static gboolean
gst_nmf_separate_push_event_to_srcs (GstNmfSeparate * self, GstEvent * event)
{
  gboolean ok = TRUE;

  for (guint i = 0; i < n_out_pads (self); i++) {
    GstPad *pad = out_pad (self, i);
    /* the viz pad carries video: the audio caps are not its own */
    if (pad == self->vizpad && GST_EVENT_TYPE (event) == GST_EVENT_CAPS)
      continue;
    if (GST_EVENT_IS_SERIALIZED (event))
      ok &= gst_nmf_separate_enqueue (self, pad,
          GST_MINI_OBJECT_CAST (gst_event_ref (event)));
    else
      ok &= gst_pad_push_event (pad, gst_event_ref (event));
  }
  gst_event_unref (event);
  return ok;
}

static GstClockTime
sample_time (GstNmfSeparate * self, guint64 sample)
{
  if (!GST_CLOCK_TIME_IS_VALID (self->base_time))
    return GST_CLOCK_TIME_NONE;
  return self->base_time + gst_util_uint64_scale_int (self->base_samples +
      sample, GST_SECOND, GST_AUDIO_INFO_RATE (&self->info));
}

/* Start a new stream timeline: input sample n of the new stream has the
 * timestamp of sample base_samples + n counted from `time`. */
static void
gst_nmf_separate_rebase (GstNmfSeparate * self, GstClockTime time,
    guint64 base_samples, guint64 offset)
{
  self->base_time = time;
  self->base_samples = base_samples;
  self->base_offset = offset;
  self->discont_pending = TRUE;
  self->msg_frames = 0;
  self->msg_next_boundary = 0;
  self->viz_next = 0;
  if (self->active.lookahead_frames > 0 && GST_CLOCK_TIME_IS_VALID (time)) {
    /* The output comes seconds after the input: let the sinks preroll on
     * an empty gap meanwhile.  Otherwise a non-live pipeline that tees the
     * input to another, prerolled sink never prerolls: that branch's queue
     * fills and blocks the tee before enough input has come here. */
    GstClockTime start = sample_time (self, 0);
    for (guint s = 0; s < NMF_SEPARATOR_MAX_SOURCES; s++)
      if (self->srcpad_of[s])
        gst_nmf_separate_enqueue (self, self->srcpad_of[s],
            GST_MINI_OBJECT_CAST (gst_event_new_gap (start, 0)));
  }
  if (self->viz && GST_VIDEO_INFO_FPS_N (&self->viz_info) == 0
      && GST_CLOCK_TIME_IS_VALID (time))
    /* the still picture comes at the end: let its sink preroll meanwhile */
    gst_nmf_separate_enqueue (self, self->vizpad,
        GST_MINI_OBJECT_CAST (gst_event_new_gap (time, GST_CLOCK_TIME_NONE)));
}

static void
stamp (GstNmfSeparate * self, GstBuffer * buf, guint64 first, guint64 end)
{
  GstClockTime t0 = sample_time (self, first), t1 = sample_time (self, end);

  GST_BUFFER_PTS (buf) = t0;
  GST_BUFFER_DTS (buf) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_DURATION (buf) = GST_CLOCK_TIME_IS_VALID (t0) ? t1 - t0 :
      GST_CLOCK_TIME_NONE;
  if (self->active.output_mode == GST_NMF_OUTPUT_MODE_AUDIO) {
    GST_BUFFER_OFFSET (buf) = self->base_offset + first;
    GST_BUFFER_OFFSET_END (buf) = self->base_offset + end;
  } else {
    GST_BUFFER_OFFSET (buf) = GST_BUFFER_OFFSET_NONE;
    GST_BUFFER_OFFSET_END (buf) = GST_BUFFER_OFFSET_NONE;
  }
}

/* Output of one core call: per source one buffer (audio) or one buffer
 * holding every mask frame (masks), mapped for the core to write into. */
typedef struct
{
  guint n_sources;
  GstBuffer *buffers[NMF_SEPARATOR_MAX_SOURCES];
  GstMapInfo maps[NMF_SEPARATOR_MAX_SOURCES];
  float *ptrs[NMF_SEPARATOR_MAX_SOURCES];
  nmf_separator_output out;
} OutputBlock;

static void
output_block_alloc (GstNmfSeparate * self, OutputBlock * blk, gsize n_audio,
    gsize n_masks)
{
  gboolean audio = self->active.output_mode == GST_NMF_OUTPUT_MODE_AUDIO;
  gsize size = audio ? n_audio * GST_AUDIO_INFO_BPF (&self->info) :
      n_masks * (gsize) nmf_separator_bins (self->separator) * sizeof (float);

  memset (blk, 0, sizeof (*blk));
  blk->n_sources = self->active.n_sources;
  for (guint s = 0; s < blk->n_sources; s++) {
    blk->buffers[s] = gst_buffer_new_allocate (NULL, MAX (size, 1), NULL);
    gst_buffer_map (blk->buffers[s], &blk->maps[s], GST_MAP_WRITE);
    blk->ptrs[s] = (float *) blk->maps[s].data;
  }
  blk->out.audio = audio ? blk->ptrs : NULL;
  blk->out.masks = audio ? NULL : blk->ptrs;
}

static void
output_block_unmap (OutputBlock * blk)
{
  for (guint s = 0; s < blk->n_sources; s++)
    gst_buffer_unmap (blk->buffers[s], &blk->maps[s]);
}

/* Queues a buffer for a source pad.  Returns the flow combined over all
 * source pads from their latest pushes (FLUSHING when the pad flushes). */
static GstFlowReturn
gst_nmf_separate_push (GstNmfSeparate * self, guint source, GstBuffer * buf)
{
  GstFlowReturn ret;

  if (!self->srcpad_of[source]) {
    /* no pad was requested for this source */
    gst_buffer_unref (buf);
    return GST_FLOW_OK;
  }
  if (self->discont_pending)
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DISCONT);
  if (!gst_nmf_separate_enqueue (self, self->srcpad_of[source],
          GST_MINI_OBJECT_CAST (buf)))
    return GST_FLOW_FLUSHING;
  g_mutex_lock (&self->queue_lock);
  ret = self->combined_flow;
  g_mutex_unlock (&self->queue_lock);
  return ret;
}

/* Pushes what a core call wrote: audio samples [audio_first, +n_audio), or
 * mask frames [mask_first, +n_masks) whose hops end at most at input sample
 * `limit`. */
static GstFlowReturn
gst_nmf_separate_push_block (GstNmfSeparate * self, OutputBlock * blk,
    guint64 audio_first, gsize n_audio, guint64 mask_first, gsize n_masks,
    guint64 limit)
{
  GstFlowReturn ret = GST_FLOW_OK;
  const guint64 hop = self->active.hop_size;
  const gsize mask_bytes = (gsize) nmf_separator_bins (self->separator)
      * sizeof (float);
  gboolean audio = self->active.output_mode == GST_NMF_OUTPUT_MODE_AUDIO;

  output_block_unmap (blk);
  if (audio) {
    for (guint s = 0; s < blk->n_sources; s++) {
      if (n_audio == 0) {
        gst_buffer_unref (blk->buffers[s]);
        continue;
      }
      gst_buffer_set_size (blk->buffers[s],
          n_audio * GST_AUDIO_INFO_BPF (&self->info));
      stamp (self, blk->buffers[s], audio_first, audio_first + n_audio);
      ret = gst_nmf_separate_push (self, s, blk->buffers[s]);
    }
  } else {
    /* frame by frame across the pads, so that no pad waits for another's
     * whole block */
    for (gsize j = 0; j < n_masks; j++) {
      guint64 frame = mask_first + j;
      for (guint s = 0; s < blk->n_sources; s++) {
        GstBuffer *one = gst_buffer_copy_region (blk->buffers[s],
            GST_BUFFER_COPY_MEMORY, j * mask_bytes, mask_bytes);
        stamp (self, one, frame * hop, MIN ((frame + 1) * hop, limit));
        ret = gst_nmf_separate_push (self, s, one);
      }
    }
    for (guint s = 0; s < blk->n_sources; s++)
      gst_buffer_unref (blk->buffers[s]);
  }
  if ((audio && n_audio > 0) || (!audio && n_masks > 0))
    self->discont_pending = FALSE;
  return ret;
}

/* The debug log: dropped and clamped samples (WARNING), model refreshes
 * (DEBUG), restarts (INFO) and failed refreshes (WARNING), once per buffer
 * at most. */
static void
gst_nmf_separate_report_stats (GstNmfSeparate * self)
{
  nmf_separator_stats st;

  nmf_separator_get_stats (self->separator, &st);
  if (st.non_finite_samples > self->non_finite_reported) {
    GST_WARNING_OBJECT (self, "replaced %" G_GUINT64_FORMAT " NaN/Inf input "
        "samples by silence (%" G_GUINT64_FORMAT " so far)",
        st.non_finite_samples - self->non_finite_reported,
        st.non_finite_samples);
    self->non_finite_reported = st.non_finite_samples;
  }
  if (st.clamped_samples > self->clamped_reported) {
    GST_WARNING_OBJECT (self, "clamped %" G_GUINT64_FORMAT " samples beyond "
        "+-%g (%" G_GUINT64_FORMAT " so far); their frames are not learned "
        "from",
        st.clamped_samples - self->clamped_reported,
        (double) NMF_SEPARATOR_MAX_SAMPLE, st.clamped_samples);
    self->clamped_reported = st.clamped_samples;
  }
  if (st.model_refreshes > self->refreshes_reported) {
    GST_DEBUG_OBJECT (self, "model refreshed %" G_GUINT64_FORMAT " time(s) "
        "(%" G_GUINT64_FORMAT " so far)",
        st.model_refreshes - self->refreshes_reported, st.model_refreshes);
    self->refreshes_reported = st.model_refreshes;
  }
  if (st.model_restarts > self->restarts_reported) {
    GST_INFO_OBJECT (self, "model restarted: a fresh factorization explains "
        "the window much better than the model in force (%" G_GUINT64_FORMAT
        " restart(s) so far)", st.model_restarts);
    self->restarts_reported = st.model_restarts;
  }
  if (st.model_failures > self->failures_reported) {
    GST_WARNING_OBJECT (self, "%" G_GUINT64_FORMAT " model refresh(es) "
        "failed, the previous model is kept: %s",
        st.model_failures - self->failures_reported, st.model_error);
    self->failures_reported = st.model_failures;
  }
  GST_LOG_OBJECT (self, "%" G_GUINT64_FORMAT " samples in, %"
      G_GUINT64_FORMAT " out, %" G_GUINT64_FORMAT " frames", st.samples_in,
      st.samples_out, st.frames);
}

/* Element messages, as spectrum and level post them: one per interval of
 * the stream, the interval boundaries on the sample timeline so that they
 * never drift; the last partial interval at EOS. */
static void
gst_nmf_separate_post_message (GstNmfSeparate * self, guint64 end_sample)
{
  const guint S = self->active.n_sources;
  const guint bins = self->active.fft_size / 2 + 1;
  GstClockTime ts = sample_time (self, self->msg_first_frame *
      self->active.hop_size), end = sample_time (self, end_sample);
  GstStructure *st;
  GValue energy = G_VALUE_INIT;

  if (self->msg_frames == 0)
    return;
  st = gst_structure_new ("nmfseparate",
      "timestamp", G_TYPE_UINT64, ts,
      "stream-time", G_TYPE_UINT64, gst_segment_to_stream_time (&self->segment,
          GST_FORMAT_TIME, ts),
      "running-time", G_TYPE_UINT64,
      gst_segment_to_running_time (&self->segment, GST_FORMAT_TIME, ts),
      "duration", G_TYPE_UINT64, GST_CLOCK_TIME_IS_VALID (ts) ? end - ts :
      GST_CLOCK_TIME_NONE, NULL);
  g_value_init (&energy, GST_TYPE_ARRAY);
  for (guint s = 0; s < S; s++) {
    GValue v = G_VALUE_INIT;
    g_value_init (&v, G_TYPE_DOUBLE);
    g_value_set_double (&v, self->msg_energy[s] / self->msg_frames);
    gst_value_array_append_and_take_value (&energy, &v);
  }
  gst_structure_take_value (st, "energy", &energy);
  if (self->active.message_masks && self->msg_masks) {
    GValue masks = G_VALUE_INIT;
    g_value_init (&masks, GST_TYPE_ARRAY);
    for (guint s = 0; s < S; s++) {
      GValue one = G_VALUE_INIT;
      g_value_init (&one, GST_TYPE_ARRAY);
      for (guint f = 0; f < bins; f++) {
        GValue v = G_VALUE_INIT;
        g_value_init (&v, G_TYPE_FLOAT);
        g_value_set_float (&v, self->msg_masks[(gsize) s * bins + f]);
        gst_value_array_append_and_take_value (&one, &v);
      }
      gst_value_array_append_and_take_value (&masks, &one);
    }
    gst_structure_take_value (st, "masks", &masks);
  }
  self->msg_frames = 0;
  memset (self->msg_energy, 0, sizeof (self->msg_energy));
  /* called from the streaming thread, never under the object lock */
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), st));
}

static void
gst_nmf_separate_push_viz (GstNmfSeparate * self, GstClockTime ts,
    GstClockTime duration)
{
  GstBuffer *buf = gst_nmf_viz_render (self->viz);

  GST_BUFFER_PTS (buf) = ts;
  GST_BUFFER_DURATION (buf) = duration;
  /* its flow reaches upstream through the combiner, like the sources' */
  gst_nmf_separate_enqueue (self, self->vizpad, GST_MINI_OBJECT_CAST (buf));
}

/* The separator calls this for every frame (streaming thread). */
static void
gst_nmf_separate_on_frame (void *user_data, uint64_t frame,
    const float *magnitude, const float *masks, const double *energy)
{
  GstNmfSeparate *self = user_data;
  const guint64 hop = self->active.hop_size;
  const gint rate = GST_AUDIO_INFO_RATE (&self->info);
  const guint64 frame_end = (frame + 1) * hop;

  if (self->active.post_messages) {
    guint64 interval = MAX (1, gst_util_uint64_scale (self->active.interval,
            rate, GST_SECOND));
    if (self->msg_frames == 0) {
      self->msg_first_frame = frame;
      if (self->msg_next_boundary <= frame * hop)
        self->msg_next_boundary = (frame * hop / interval + 1) * interval;
    }
    for (guint s = 0; s < self->active.n_sources; s++)
      self->msg_energy[s] += energy[s];
    self->msg_frames++;
    if (self->active.message_masks && self->msg_masks)
      memcpy (self->msg_masks, masks, sizeof (float) *
          self->active.n_sources * (self->active.fft_size / 2 + 1));
    if (frame_end >= self->msg_next_boundary) {
      gst_nmf_separate_post_message (self, frame_end);
      self->msg_next_boundary += interval;
    }
  }

  if (self->viz) {
    gint fps_n = GST_VIDEO_INFO_FPS_N (&self->viz_info);
    gint fps_d = GST_VIDEO_INFO_FPS_D (&self->viz_info);
    gst_nmf_viz_add_frame (self->viz, magnitude, masks);
    /* a scrolling picture: every video frame whose time the audio has
     * reached shows the spectrogram up to there */
    while (fps_n > 0 && gst_util_uint64_scale (self->viz_next,
            (guint64) fps_d * rate, fps_n) <= frame_end) {
      GstClockTime t0 = sample_time (self, 0);
      GstClockTime ts = t0 + gst_util_uint64_scale (self->viz_next,
          (guint64) fps_d * GST_SECOND, fps_n);
      GstClockTime te = t0 + gst_util_uint64_scale (self->viz_next + 1,
          (guint64) fps_d * GST_SECOND, fps_n);
      gst_nmf_separate_push_viz (self, ts, te - ts);
      self->viz_next++;
    }
  }
}

/* Picks the viz pad's format from what downstream takes (640x360 RGBA at
 * 30 fps unless told otherwise; framerate 0/1 means one still picture of the
 * whole stream, at EOS) and makes the renderer.  When downstream takes none
 * of the pad's formats, posts a not-negotiated error (a pipeline would
 * otherwise wait for a picture that never comes) and returns FALSE. */
static gboolean
gst_nmf_separate_viz_negotiate (GstNmfSeparate * self)
{
  GstCaps *templ = gst_pad_get_pad_template_caps (self->vizpad);
  GstCaps *caps = gst_pad_peer_query_caps (self->vizpad, templ);
  GstStructure *st;

  if (gst_caps_is_empty (caps)) {
    GstCaps *peer = gst_pad_peer_query_caps (self->vizpad, NULL);
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
        ("The picture pad 'viz' cannot negotiate a format: downstream takes "
            "none of %" GST_PTR_FORMAT " (put videoconvert, and videoscale "
            "or videorate if needed, between it and the next element)",
            templ), ("downstream takes %" GST_PTR_FORMAT, peer));
    gst_caps_unref (peer);
    gst_caps_unref (templ);
    gst_caps_unref (caps);
    return FALSE;
  }
  gst_caps_unref (templ);
  caps = gst_caps_make_writable (gst_caps_truncate (caps));
  st = gst_caps_get_structure (caps, 0);
  gst_structure_fixate_field_nearest_int (st, "width", VIZ_DEFAULT_WIDTH);
  gst_structure_fixate_field_nearest_int (st, "height", VIZ_DEFAULT_HEIGHT);
  gst_structure_fixate_field_nearest_fraction (st, "framerate",
      VIZ_DEFAULT_FPS, 1);
  gst_structure_fixate_field_string (st, "format", "RGBA");
  caps = gst_caps_fixate (caps);
  if (!gst_video_info_from_caps (&self->viz_info, caps)) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL),
        ("viz: cannot use the caps %" GST_PTR_FORMAT, caps));
    gst_caps_unref (caps);
    return FALSE;
  }
  gst_nmf_viz_free (self->viz);
  self->viz = gst_nmf_viz_new (&self->viz_info,
      GST_AUDIO_INFO_RATE (&self->info), self->active.fft_size,
      self->active.n_sources, GST_VIDEO_INFO_FPS_N (&self->viz_info) == 0);
  GST_INFO_OBJECT (self, "viz: %" GST_PTR_FORMAT, caps);
  gst_nmf_separate_enqueue (self, self->vizpad,
      GST_MINI_OBJECT_CAST (gst_event_new_caps (caps)));
  gst_caps_unref (caps);
  return TRUE;
}

/* A still picture (framerate 0/1) of the stream, at its end. */
static void
gst_nmf_separate_push_still (GstNmfSeparate * self, guint64 samples)
{
  if (!self->viz || GST_VIDEO_INFO_FPS_N (&self->viz_info) != 0)
    return;
  gst_nmf_separate_push_viz (self, sample_time (self, 0),
      sample_time (self, samples) - sample_time (self, 0));
}

/* Emits every sample held so far, then starts a new stream (the templates
 * stay). */
static GstFlowReturn
gst_nmf_separate_drain (GstNmfSeparate * self)
{
  OutputBlock blk;
  nmf_separator_stats st;
  size_t n_audio = 0, n_masks = 0;
  GstFlowReturn ret;

  if (!self->separator)
    return GST_FLOW_OK;
  nmf_separator_get_stats (self->separator, &st);
  if (st.samples_in == 0)
    return GST_FLOW_OK;
  GST_DEBUG_OBJECT (self, "draining %" G_GUINT64_FORMAT " samples",
      (guint64) nmf_separator_drain_audio (self->separator));
  output_block_alloc (self, &blk, nmf_separator_drain_audio (self->separator),
      nmf_separator_drain_masks (self->separator));
  nmf_separator_drain (self->separator, &blk.out, &n_audio, &n_masks);
  ret = gst_nmf_separate_push_block (self, &blk, st.samples_out, n_audio,
      st.masks_out, n_masks, st.samples_in);
  /* the last partial interval of messages, and the still picture */
  gst_nmf_separate_post_message (self, st.samples_in);
  gst_nmf_separate_push_still (self, st.samples_in);
  return ret;
}

static GstFlowReturn
gst_nmf_separate_process (GstNmfSeparate * self, const float *data, gsize n)
{
  OutputBlock blk;
  nmf_separator_stats st;
  size_t n_audio = 0, n_masks = 0;
  int ret;

  nmf_separator_get_stats (self->separator, &st);
  output_block_alloc (self, &blk,
      nmf_separator_pending_audio (self->separator, n),
      nmf_separator_pending_masks (self->separator, n));
  ret = nmf_separator_process (self->separator, data, n, &blk.out, &n_audio,
      &n_masks);
  if (ret != NMF_OK) {
    output_block_unmap (&blk);
    for (guint s = 0; s < blk.n_sources; s++)
      gst_buffer_unref (blk.buffers[s]);
    GST_ELEMENT_ERROR (self, STREAM, FAILED, (NULL),
        ("separator failed: %s", nmf_strerror (ret)));
    return GST_FLOW_ERROR;
  }
  gst_nmf_separate_report_stats (self);
  return gst_nmf_separate_push_block (self, &blk, st.samples_out, n_audio,
      st.masks_out, n_masks, G_MAXUINT64);
}

/* Live-tunable settings reach the core between two buffers. */
static void
gst_nmf_separate_apply_live_settings (GstNmfSeparate * self)
{
  GstNmfSeparateSettings s;

  GST_OBJECT_LOCK (self);
  s = self->settings;
  s.dictionaries = NULL;        /* not ours; not needed here */
  self->active.post_messages = self->settings.post_messages;
  self->active.interval = self->settings.interval;
  self->active.message_masks = self->settings.message_masks;
  GST_OBJECT_UNLOCK (self);
  /* the profile resolves these two as it did at caps time (active holds
   * the algorithm and dictionaries of then) */
  if (profile_applies (&self->active))
    apply_profile (&s, self->profile_in_force);
  if (s.iterations != self->active.iterations) {
    nmf_separator_set_iterations (self->separator, s.iterations);
    self->active.iterations = s.iterations;
  }
  if (s.mask_exponent != self->active.mask_exponent) {
    nmf_separator_set_mask_exponent (self->separator, s.mask_exponent);
    self->active.mask_exponent = s.mask_exponent;
  }
}

static GstFlowReturn
gst_nmf_separate_chain (G_GNUC_UNUSED GstPad * pad, GstObject * parent,
    GstBuffer * buffer)
{
  GstNmfSeparate *self = GST_NMF_SEPARATE (parent);
  GstFlowReturn ret = GST_FLOW_OK;
  GstMapInfo map;
  gsize n;
  gboolean discont;
  GstClockTime pts = GST_BUFFER_PTS (buffer);
  nmf_separator_stats st;

  if (G_UNLIKELY (!self->separator)) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL),
        ("received a buffer before caps"));
    gst_buffer_unref (buffer);
    return GST_FLOW_NOT_NEGOTIATED;
  }
  gst_nmf_separate_apply_live_settings (self);

  n = gst_buffer_get_size (buffer) / GST_AUDIO_INFO_BPF (&self->info);
  discont = GST_BUFFER_IS_DISCONT (buffer);
  if (GST_CLOCK_TIME_IS_VALID (pts))
    discont = gst_audio_stream_align_process (self->align, discont, pts, n,
        &pts, NULL, NULL);

  nmf_separator_get_stats (self->separator, &st);
  if (st.samples_in == 0 || discont) {
    if (st.samples_in > 0) {
      GST_DEBUG_OBJECT (self, "discontinuity at %" GST_TIME_FORMAT
          ": draining and starting a new stream", GST_TIME_ARGS (pts));
      ret = gst_nmf_separate_drain (self);
    }
    if (GST_CLOCK_TIME_IS_VALID (pts)) {
      guint64 offset = GST_BUFFER_OFFSET_IS_VALID (buffer) ?
          GST_BUFFER_OFFSET (buffer) : gst_util_uint64_scale_round (pts,
          GST_AUDIO_INFO_RATE (&self->info), GST_SECOND);
      gst_nmf_separate_rebase (self, pts, 0, offset);
    } else if (st.samples_in > 0) {
      /* no timestamps: the new stream goes on where the last one ended,
       * counted in samples from the same origin */
      gst_nmf_separate_rebase (self, self->base_time,
          self->base_samples + st.samples_in,
          self->base_offset + st.samples_in);
    } else {
      gst_nmf_separate_rebase (self, self->segment_time, 0,
          GST_BUFFER_OFFSET_IS_VALID (buffer) ? GST_BUFFER_OFFSET (buffer) :
          0);
    }
  }

  if (ret == GST_FLOW_OK || ret == GST_FLOW_NOT_LINKED) {
    gst_buffer_map (buffer, &map, GST_MAP_READ);
    ret = gst_nmf_separate_process (self, (const float *) map.data, n);
    gst_buffer_unmap (buffer, &map);
  }
  gst_buffer_unref (buffer);
  return ret;
}

/* Applies new caps: drains the stream made with the old ones, then builds
 * the separator for the new format. */
static gboolean
gst_nmf_separate_set_caps (GstNmfSeparate * self, GstCaps * caps)
{
  GstAudioInfo info;
  GstNmfSeparateSettings s;
  nmf_separator_config cfg;
  nmf_separator *sep = NULL;
  GstClockTime old_latency;
  GstCaps *src_caps;
  Dictionaries dicts;
  GstNmfProfile profile;
  gboolean profile_applied;
  int ret;

  if (!gst_audio_info_from_caps (&info, caps)) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL),
        ("invalid caps %" GST_PTR_FORMAT, caps));
    return FALSE;
  }
  if (self->have_info && gst_audio_info_is_equal (&info, &self->info))
    return TRUE;

  gst_nmf_separate_get_settings (self, &s);
  profile = gst_nmf_separate_resolve_profile (self, &s);
  profile_applied = profile_applies (&s);
  if (profile_applied)
    apply_profile (&s, profile);
  if (!gst_nmf_separate_make_config (self, &s,
          GST_AUDIO_INFO_CHANNELS (&info), &dicts, &cfg)) {
    g_free (s.dictionaries);
    return FALSE;
  }

  old_latency = gst_nmf_separate_own_latency (self);
  if (self->separator) {
    GST_INFO_OBJECT (self, "caps changed mid-stream to %" GST_PTR_FORMAT,
        caps);
    gst_nmf_separate_drain (self);
  }

  /* the separator copies the dictionaries */
  ret = nmf_separator_create (&sep, &cfg, NULL, 0);
  dictionaries_clear (&dicts);
  if (ret != NMF_OK) {
    g_free (s.dictionaries);
    GST_ELEMENT_ERROR (self, LIBRARY, INIT, (NULL),
        ("could not create the separator: %s", nmf_strerror (ret)));
    return FALSE;
  }
  nmf_separator_destroy (&self->separator);
  self->separator = sep;
  self->profile_in_force = profile;
  g_free (self->active.dictionaries);
  self->active = s;
  nmf_separator_set_frame_observer (sep, gst_nmf_separate_on_frame, self);
  g_free (self->msg_masks);
  self->msg_masks = g_new0 (gfloat, (gsize) s.n_sources *
      (s.fft_size / 2 + 1));
  self->info = info;
  self->have_info = TRUE;
  self->non_finite_reported = 0;
  self->clamped_reported = 0;
  self->refreshes_reported = 0;
  self->failures_reported = 0;
  self->restarts_reported = 0;
  if (self->align)
    gst_audio_stream_align_free (self->align);
  /* jitter up to 40 ms is absorbed (timestamps follow the sample count);
   * a larger jump is a discontinuity at once */
  self->align = gst_audio_stream_align_new (GST_AUDIO_INFO_RATE (&info),
      40 * GST_MSECOND, 0);
  GST_INFO_OBJECT (self, "separating %u sources from %d channel(s) at %d Hz "
      "with the %s settings: fft %u, hop %u, window %u frames, %u "
      "components, %u bands per octave, %u iterations, look-ahead %u frames, "
      "mask exponent %u", s.n_sources, GST_AUDIO_INFO_CHANNELS (&info),
      GST_AUDIO_INFO_RATE (&info), !profile_applied ? "property"
      : profile == GST_NMF_PROFILE_FILE ? "file" : "live",
      s.fft_size, s.hop_size, s.window_frames, cfg.components,
      s.bands_per_octave, s.iterations, s.lookahead_frames, s.mask_exponent);

  src_caps = gst_nmf_separate_src_caps (self);
  gst_nmf_separate_push_event_to_srcs (self, gst_event_new_caps (src_caps));
  gst_caps_unref (src_caps);
  if (self->vizpad && !gst_nmf_separate_viz_negotiate (self)) {
    /* not negotiated: no buffer is taken until caps that work come */
    nmf_separator_destroy (&self->separator);
    self->have_info = FALSE;
    return FALSE;
  }
  if (old_latency != gst_nmf_separate_own_latency (self))
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_latency (GST_OBJECT (self)));
  return TRUE;
}

static void
gst_nmf_separate_push_stream_start (GstNmfSeparate * self, GstEvent * event)
{
  guint group_id;
  gboolean have_group = gst_event_parse_group_id (event, &group_id);
  GstStreamFlags flags;

  gst_event_parse_stream_flags (event, &flags);
  for (guint i = 0; i < n_out_pads (self); i++) {
    GstPad *pad = out_pad (self, i);
    gchar *name = gst_pad_get_name (pad);
    gchar *id = gst_pad_create_stream_id (pad, GST_ELEMENT (self), name);
    GstEvent *ev = gst_event_new_stream_start (id);
    if (have_group)
      gst_event_set_group_id (ev, group_id);
    gst_event_set_stream_flags (ev, flags);
    gst_nmf_separate_enqueue (self, pad, GST_MINI_OBJECT_CAST (ev));
    g_free (id);
    g_free (name);
  }
  gst_event_unref (event);
}

/* A gap is separated as silence of its duration, so that timestamps,
 * sample counts and the model's view of time stay continuous. */
static void
gst_nmf_separate_fill_gap (GstNmfSeparate * self, GstEvent * event)
{
  GstClockTime ts, duration;
  guint64 samples;
  gsize bpf = GST_AUDIO_INFO_BPF (&self->info);

  gst_event_parse_gap (event, &ts, &duration);
  if (!GST_CLOCK_TIME_IS_VALID (duration))
    return;
  samples = gst_util_uint64_scale_round (duration,
      GST_AUDIO_INFO_RATE (&self->info), GST_SECOND);
  while (samples > 0) {
    guint64 n = MIN (samples, GAP_CHUNK_SAMPLES);
    GstBuffer *silence = gst_buffer_new_allocate (NULL, n * bpf, NULL);
    gst_buffer_memset (silence, 0, 0, n * bpf);
    GST_BUFFER_PTS (silence) = ts;
    if (GST_CLOCK_TIME_IS_VALID (ts))
      ts += gst_util_uint64_scale_int (n, GST_SECOND,
          GST_AUDIO_INFO_RATE (&self->info));
    if (gst_nmf_separate_chain (self->sinkpad, GST_OBJECT (self), silence)
        != GST_FLOW_OK)
      break;
    samples -= n;
  }
}

static gboolean
gst_nmf_separate_sink_event (G_GNUC_UNUSED GstPad * pad, GstObject * parent,
    GstEvent * event)
{
  GstNmfSeparate *self = GST_NMF_SEPARATE (parent);

  GST_LOG_OBJECT (self, "sink event %" GST_PTR_FORMAT, event);
  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_STREAM_START:
      gst_nmf_separate_push_stream_start (self, event);
      return TRUE;
    case GST_EVENT_CAPS:{
      GstCaps *caps;
      gboolean ok;
      gst_event_parse_caps (event, &caps);
      ok = gst_nmf_separate_set_caps (self, caps);
      gst_event_unref (event);
      return ok;
    }
    case GST_EVENT_SEGMENT:{
      const GstSegment *segment;
      /* what is held belongs to the segment that ends here */
      gst_nmf_separate_drain (self);
      gst_event_parse_segment (event, &segment);
      gst_segment_copy_into (segment, &self->segment);
      self->segment_time = segment->format == GST_FORMAT_TIME ?
          segment->start : 0;
      break;
    }
    case GST_EVENT_FLUSH_START:
      /* unblock downstream first, then our tasks and the streaming thread */
      for (guint i = 0; i < n_out_pads (self); i++) {
        GstPad *src = out_pad (self, i);
        gst_pad_push_event (src, gst_event_ref (event));
        gst_nmf_separate_set_flushing (self, src, TRUE);
        gst_pad_pause_task (src);
      }
      gst_event_unref (event);
      return TRUE;
    case GST_EVENT_FLUSH_STOP:
      if (self->separator)
        nmf_separator_reset (self->separator, 1);
      if (self->align)
        gst_audio_stream_align_mark_discont (self->align);
      g_mutex_lock (&self->queue_lock);
      gst_flow_combiner_reset (self->flow_combiner);
      self->combined_flow = GST_FLOW_OK;
      g_mutex_unlock (&self->queue_lock);
      for (guint i = 0; i < n_out_pads (self); i++) {
        GstPad *src = out_pad (self, i);
        gst_nmf_separate_set_flushing (self, src, FALSE);
        gst_pad_push_event (src, gst_event_ref (event));
        gst_pad_start_task (src, (GstTaskFunction) gst_nmf_separate_src_loop,
            src, NULL);
      }
      gst_event_unref (event);
      return TRUE;
    case GST_EVENT_EOS:
    case GST_EVENT_SEGMENT_DONE:
      /* the end of the stream or of a segment seek's segment: everything
       * held comes out before the event */
      gst_nmf_separate_drain (self);
      break;
    case GST_EVENT_GAP:
      if (self->separator) {
        gst_nmf_separate_fill_gap (self, event);
        gst_event_unref (event);
        return TRUE;
      }
      break;
    default:
      break;
  }
  return gst_nmf_separate_push_event_to_srcs (self, event);
}

static gboolean
gst_nmf_separate_sink_query (GstPad * pad, GstObject * parent,
    GstQuery * query)
{
  GstNmfSeparate *self = GST_NMF_SEPARATE (parent);

  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_DRAIN:
      /* everything handed to the tasks has been pushed */
      gst_nmf_separate_wait_queues_empty (self);
      return TRUE;
    case GST_QUERY_ALLOCATION:
      /* output buffers are our own: nothing to propose upstream */
      return FALSE;
    default:
      return gst_pad_query_default (pad, parent, query);
  }
}

static gboolean
gst_nmf_separate_src_query (GstPad * pad, GstObject * parent,
    GstQuery * query)
{
  GstNmfSeparate *self = GST_NMF_SEPARATE (parent);

  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_LATENCY:{
      gboolean live;
      GstClockTime min, max, own;
      if (!gst_pad_peer_query (self->sinkpad, query))
        return FALSE;
      gst_query_parse_latency (query, &live, &min, &max);
      own = gst_nmf_separate_own_latency (self);
      GST_DEBUG_OBJECT (self, "upstream latency %" GST_TIME_FORMAT
          ", own %" GST_TIME_FORMAT, GST_TIME_ARGS (min), GST_TIME_ARGS (own));
      min += own;
      if (GST_CLOCK_TIME_IS_VALID (max))
        max += own;
      gst_query_set_latency (query, live, min, max);
      return TRUE;
    }
    default:
      return gst_pad_query_default (pad, parent, query);
  }
}

/* Source pads requested before n-sources was lowered name sources that do
 * not exist: refused before any data flows. */
static gboolean
gst_nmf_separate_check_pads (GstNmfSeparate * self)
{
  guint n_sources;

  GST_OBJECT_LOCK (self);
  n_sources = self->settings.n_sources;
  GST_OBJECT_UNLOCK (self);
  for (guint s = n_sources; s < NMF_SEPARATOR_MAX_SOURCES; s++)
    if (self->srcpad_of[s]) {
      GST_ELEMENT_ERROR (self, CORE, PAD, (NULL),
          ("source pad src_%u was requested, but n-sources is %u: release "
              "the pad or raise n-sources", s, n_sources));
      return FALSE;
    }
  return TRUE;
}

static GstStateChangeReturn
gst_nmf_separate_change_state (GstElement * element, GstStateChange transition)
{
  GstNmfSeparate *self = GST_NMF_SEPARATE (element);
  GstStateChangeReturn ret;

  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) {
    GstNmfSeparateSettings s;
    nmf_separator_config cfg;
    Dictionaries dicts;
    gboolean ok;
    /* catch invalid combinations (and unreadable dictionaries) before any
     * data flows */
    gst_nmf_separate_get_settings (self, &s);
    ok = gst_nmf_separate_make_config (self, &s, 1, &dicts, &cfg);
    dictionaries_clear (&dicts);
    g_free (s.dictionaries);
    if (!ok || !gst_nmf_separate_check_pads (self))
      return GST_STATE_CHANGE_FAILURE;
    g_mutex_lock (&self->queue_lock);
    gst_flow_combiner_reset (self->flow_combiner);
    self->combined_flow = GST_FLOW_OK;
    g_mutex_unlock (&self->queue_lock);
  }

  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  if (ret == GST_STATE_CHANGE_FAILURE)
    return ret;

  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
    /* streaming has stopped: the pads are deactivated */
    nmf_separator_destroy (&self->separator);
    if (self->align) {
      gst_audio_stream_align_free (self->align);
      self->align = NULL;
    }
    self->have_info = FALSE;
    self->base_time = GST_CLOCK_TIME_NONE;
    self->segment_time = 0;
    gst_segment_init (&self->segment, GST_FORMAT_TIME);
    gst_nmf_viz_free (self->viz);
    self->viz = NULL;
  }
  return ret;
}

/* Pads of source `source` (or the picture, source = -1) are requested by
 * name ("src_1", "viz") or by template ("src_%u": the lowest free source).
 * A source index that n-sources does not have is refused, so that a
 * pipeline linking to it fails at link time instead of waiting for a pad
 * that will never exist.  The sink pad's stream lock keeps the streaming
 * thread out while pads come and go. */
static GstPad *
gst_nmf_separate_request_new_pad (GstElement * element,
    GstPadTemplate * templ, const gchar * name,
    G_GNUC_UNUSED const GstCaps * caps)
{
  GstNmfSeparate *self = GST_NMF_SEPARATE (element);
  gboolean is_viz =
      g_strcmp0 (GST_PAD_TEMPLATE_NAME_TEMPLATE (templ), "viz") == 0;
  gint source = -1;
  guint n_sources;
  gchar *pad_name;
  GstPad *pad;

  GST_OBJECT_LOCK (self);
  n_sources = self->settings.n_sources;
  GST_OBJECT_UNLOCK (self);

  GST_PAD_STREAM_LOCK (self->sinkpad);
  if (is_viz) {
    if (self->vizpad) {
      GST_PAD_STREAM_UNLOCK (self->sinkpad);
      GST_ELEMENT_WARNING (self, CORE, PAD, (NULL),
          ("there is one viz pad already: the picture pad can be requested "
              "once"));
      return NULL;
    }
  } else if (name && strcmp (name, "src_%u") != 0) {
    gchar *end = NULL;
    guint64 idx = g_ascii_strtoull (name + (g_str_has_prefix (name,
                "src_") ? 4 : 0), &end, 10);
    if (!g_str_has_prefix (name, "src_") || end == name + 4 || *end
        || idx >= n_sources) {
      GST_PAD_STREAM_UNLOCK (self->sinkpad);
      GST_ELEMENT_WARNING (self, CORE, PAD, (NULL),
          ("no source pad '%s': n-sources is %u, so the source pads are "
              "src_0 to src_%u", name, n_sources, n_sources - 1));
      return NULL;
    }
    source = (gint) idx;
    if (self->srcpad_of[source]) {
      GST_PAD_STREAM_UNLOCK (self->sinkpad);
      GST_ELEMENT_WARNING (self, CORE, PAD, (NULL),
          ("source pad '%s' was requested already", name));
      return NULL;
    }
  } else {
    for (guint s = 0; s < n_sources && source < 0; s++)
      if (!self->srcpad_of[s])
        source = (gint) s;
    if (source < 0) {
      GST_PAD_STREAM_UNLOCK (self->sinkpad);
      GST_ELEMENT_WARNING (self, CORE, PAD, (NULL),
          ("all %u source pads (n-sources) were requested already",
              n_sources));
      return NULL;
    }
  }

  pad_name = is_viz ? g_strdup ("viz") : g_strdup_printf ("src_%d", source);
  pad = gst_pad_new_from_template (templ, pad_name);
  g_free (pad_name);
  if (!is_viz)
    gst_pad_set_query_function (pad,
        GST_DEBUG_FUNCPTR (gst_nmf_separate_src_query));
  gst_pad_set_activatemode_function (pad,
      GST_DEBUG_FUNCPTR (gst_nmf_separate_src_activate_mode));
  gst_pad_set_element_private (pad, g_new0 (SrcQueue, 1));
  g_object_set_data_full (G_OBJECT (pad), "nmf-queue",
      gst_pad_get_element_private (pad), src_queue_free);
  gst_pad_use_fixed_caps (pad);
  g_mutex_lock (&self->queue_lock);
  gst_flow_combiner_add_pad (self->flow_combiner, pad);
  g_mutex_unlock (&self->queue_lock);
  if (is_viz)
    self->vizpad = pad;
  else
    self->srcpad_of[source] = pad;
  g_ptr_array_add (self->outpads, pad);
  /* activates it (and starts its task) if the element is running */
  gst_element_add_pad (element, pad);
  if (self->have_info) {
    /* joining a running stream: the sticky events a new pad needs */
    gchar *id = gst_pad_create_stream_id (pad, element, GST_PAD_NAME (pad));
    gst_nmf_separate_enqueue (self, pad,
        GST_MINI_OBJECT_CAST (gst_event_new_stream_start (id)));
    g_free (id);
    if (is_viz) {
      gst_nmf_separate_viz_negotiate (self);
    } else {
      GstCaps *src_caps = gst_nmf_separate_src_caps (self);
      gst_nmf_separate_enqueue (self, pad,
          GST_MINI_OBJECT_CAST (gst_event_new_caps (src_caps)));
      gst_caps_unref (src_caps);
    }
    gst_nmf_separate_enqueue (self, pad,
        GST_MINI_OBJECT_CAST (gst_event_new_segment (&self->segment)));
  }
  GST_PAD_STREAM_UNLOCK (self->sinkpad);
  return pad;
}

static void
gst_nmf_separate_release_pad (GstElement * element, GstPad * pad)
{
  GstNmfSeparate *self = GST_NMF_SEPARATE (element);

  gst_nmf_separate_set_flushing (self, pad, TRUE);
  GST_PAD_STREAM_LOCK (self->sinkpad);
  gst_pad_set_active (pad, FALSE);
  g_mutex_lock (&self->queue_lock);
  gst_flow_combiner_remove_pad (self->flow_combiner, pad);
  g_mutex_unlock (&self->queue_lock);
  g_ptr_array_remove (self->outpads, pad);
  if (pad == self->vizpad) {
    self->vizpad = NULL;
    gst_nmf_viz_free (self->viz);
    self->viz = NULL;
  }
  for (guint s = 0; s < NMF_SEPARATOR_MAX_SOURCES; s++)
    if (self->srcpad_of[s] == pad)
      self->srcpad_of[s] = NULL;
  GST_PAD_STREAM_UNLOCK (self->sinkpad);
  gst_element_remove_pad (element, pad);
}
