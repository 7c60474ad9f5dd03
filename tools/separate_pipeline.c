/* nmftool separate's GStreamer pipeline (see separate_pipeline.h).  The
 * probes run in streaming threads: what they measure is under p->lock or
 * atomic, and what they refuse is posted as an NMFTOOL_ERROR message for
 * the main loop to report. */
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include <gst/audio/audio.h>

#include "nmftool.h"
#include "progress.h"
#include "separate.h"
#include "separate_pipeline.h"
#include "wav_limit.h"

/* audioconvert, before and after nmfseparate, takes at most 63 channels:
 * GStreamer's channel mixer asserts fewer than 64. */
#define AUDIOCONVERT_MAX_CHANNELS 63

void
separate_pipeline_init (SeparatePipeline * p)
{
  memset (p, 0, sizeof *p);
  p->position = GST_CLOCK_TIME_NONE;
  g_mutex_init (&p->lock);
  gst_segment_init (&p->segment, GST_FORMAT_TIME);
}

void
separate_pipeline_clear (SeparatePipeline * p)
{
  media_decoder_clear (&p->decoder);
  gst_clear_object (&p->pipeline);
  gst_clear_object (&p->sep);
  g_mutex_clear (&p->lock);
}

/* ---- probes (streaming threads) ---------------------------------------- */

/* On the first audioconvert's sink pad, installed by end_stream: EOS in
 * place of the next buffer.  From then on the pad is EOS and refuses
 * buffers, so the decoder stops as well. */
static GstPadProbeReturn
entry_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  SeparatePipeline *p = data;

  (void) info;
  if (g_atomic_int_compare_and_exchange (&p->eos_requested, 1, 2))
    gst_pad_send_event (pad, gst_event_new_eos ());
  return GST_PAD_PROBE_DROP;
}

/* The end of BUF in stream time.  A buffer may end past the segment's
 * stop (the stop is the duration rounded to a nanosecond, a sample lasts
 * a whole period; the element's last buffer, which drains the look-ahead,
 * ends there too), and gst_segment_to_stream_time() refuses a position
 * after the stop: the end is clamped to the segment first. */
static GstClockTime
buffer_end (const GstSegment * segment, GstBuffer * buf)
{
  GstClockTime t = GST_BUFFER_PTS (buf);

  if (!GST_CLOCK_TIME_IS_VALID (t))
    return GST_CLOCK_TIME_NONE;
  if (GST_BUFFER_DURATION_IS_VALID (buf))
    t += GST_BUFFER_DURATION (buf);
  if (GST_CLOCK_TIME_IS_VALID (segment->stop) && t > segment->stop)
    t = segment->stop;
  if (t < segment->start)
    t = segment->start;
  return gst_segment_to_stream_time (segment, GST_FORMAT_TIME, t);
}

/* On nmfseparate's src_0: how far the output has got, and how many sample
 * frames it has sent (what each file holds). */
static GstPadProbeReturn
position_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  SeparatePipeline *p = data;

  (void) pad;
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
    GstClockTime t;
    g_mutex_lock (&p->lock);
    if (p->bpf > 0)
      p->frames += gst_buffer_get_size (buf) / p->bpf;
    t = buffer_end (&p->segment, buf);
    if (GST_CLOCK_TIME_IS_VALID (t))
      p->position = t;
    g_mutex_unlock (&p->lock);
  } else if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    GstEvent *ev = GST_PAD_PROBE_INFO_EVENT (info);
    if (GST_EVENT_TYPE (ev) == GST_EVENT_SEGMENT) {
      const GstSegment *seg;
      gst_event_parse_segment (ev, &seg);
      if (seg->format == GST_FORMAT_TIME) {
        g_mutex_lock (&p->lock);
        gst_segment_copy_into (seg, &p->segment);
        g_mutex_unlock (&p->lock);
      }
    } else if (GST_EVENT_TYPE (ev) == GST_EVENT_CAPS) {
      GstCaps *caps;
      GstAudioInfo ai;
      gst_event_parse_caps (ev, &caps);
      if (gst_audio_info_from_caps (&ai, caps)) {
        g_mutex_lock (&p->lock);
        p->rate = GST_AUDIO_INFO_RATE (&ai);
        p->bpf = GST_AUDIO_INFO_BPF (&ai);
        g_mutex_unlock (&p->lock);
      }
    }
  }
  return GST_PAD_PROBE_OK;
}

static void
post_own_error (SeparatePipeline * p, GstObject * src, const char *fmt, ...)
{
  va_list ap;
  GError *err;

  va_start (ap, fmt);
  err = g_error_new_valist (NMFTOOL_ERROR, 0, fmt, ap);
  va_end (ap);
  gst_element_post_message (p->pipeline, gst_message_new_error (src, err,
          NULL));
  g_error_free (err);
}

/* The channels a caps event passing a probe announces; 0 for anything
 * else. */
static gint
announced_channels (GstPadProbeInfo * info)
{
  GstEvent *ev;
  GstCaps *caps;
  gint c = 0;

  if (!(info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM))
    return 0;
  ev = GST_PAD_PROBE_INFO_EVENT (info);
  if (GST_EVENT_TYPE (ev) != GST_EVENT_CAPS)
    return 0;
  gst_event_parse_caps (ev, &caps);
  if (caps && !gst_caps_is_empty (caps))
    gst_structure_get_int (gst_caps_get_structure (caps, 0), "channels", &c);
  return c;
}

/* After a refusal no data goes down the pad it came from: a buffer
 * returns not-negotiated upstream (so the decoder stops), and the EOS the
 * decoder sends after its error is dropped (a wavenc would write a header
 * for a stream it has no caps and segment for). Other events pass: a sink
 * pad that lost its segment would warn of data before it. */
static GstPadProbeReturn
refuse_data (GstPadProbeInfo * info)
{
  if (info->type & (GST_PAD_PROBE_TYPE_BUFFER |
          GST_PAD_PROBE_TYPE_BUFFER_LIST)) {
    gst_mini_object_unref (GST_PAD_PROBE_INFO_DATA (info));
    GST_PAD_PROBE_INFO_DATA (info) = NULL;
    GST_PAD_PROBE_INFO_FLOW_RETURN (info) = GST_FLOW_NOT_NEGOTIATED;
    return GST_PAD_PROBE_HANDLED;
  }
  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_EOS
      || GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_CAPS)
    return GST_PAD_PROBE_DROP;
  return GST_PAD_PROBE_OK;
}

/* On the first audioconvert's sink pad: the decoded input's channels.
 * More than nmfseparate takes would be downmixed by that audioconvert
 * without a word; the help promises the input's channels, so refuse. */
static GstPadProbeReturn
input_caps_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  SeparatePipeline *p = data;
  gint c;

  (void) pad;
  if (g_atomic_int_get (&p->refused))
    return refuse_data (info);
  if ((c = announced_channels (info)) <= 0)
    return GST_PAD_PROBE_OK;
  g_atomic_int_set (&p->in_channels, c);
  {
    GstCaps *caps;
    gint rate = 0;
    gst_event_parse_caps (GST_PAD_PROBE_INFO_EVENT (info), &caps);
    if (gst_structure_get_int (gst_caps_get_structure (caps, 0), "rate",
            &rate))
      g_atomic_int_set (&p->in_rate, rate);
  }
  if (p->max_channels > 0 && c > p->max_channels) {
    g_atomic_int_set (&p->refused, 1);
    post_own_error (p, GST_OBJECT (p->sep), "the input has %d channels; "
        "nmftool separate takes 1..%d (%s), and does not downmix: nothing "
        "written", c, p->max_channels,
        p->max_channels < AUDIOCONVERT_MAX_CHANNELS
        ? "the nmfseparate element's limit"
        : "the limit of GStreamer's audioconvert");
    return GST_PAD_PROBE_DROP;
  }
  return GST_PAD_PROBE_OK;
}

/* What to do about a file too large for WAV. */
static const char *
wav_limit_advice (const SeparatePipeline * p, gint channels)
{
  if (p->count_clips)
    return channels > 1 ? "give fewer channels or a shorter input (cut it "
        "into parts)" : "give a shorter input (cut it into parts)";
  return channels > 1 ? "use --format s16 (half the size), fewer channels "
      "or a shorter input (cut it into parts)" : "use --format s16 (half the "
      "size) or a shorter input (cut it into parts)";
}

/* At the format's arrival, before any sample: the input's duration (when
 * upstream knows it) in this format must fit in a WAV file. */
static gboolean
fits_ahead (OutputProbe * o, GstPad * pad)
{
  SeparatePipeline *p = o->p;
  gint64 dur = -1;
  guint64 frames;
  char ts[32];

  if (!gst_pad_peer_query_duration (pad, GST_FORMAT_TIME, &dur) || dur <= 0)
    return TRUE;
  frames = gst_util_uint64_scale_int_ceil ((guint64) dur, o->rate,
      GST_SECOND);
  if (wav_limit_fits (frames, o->bpf))
    return TRUE;
  if (g_atomic_int_compare_and_exchange (&p->refused, 0, 1)) {
    format_time (ts, sizeof ts, dur / (double) GST_SECOND);
    post_own_error (p, GST_OBJECT (GST_PAD_PARENT (pad)), "%s would hold "
        "%" G_GUINT64_FORMAT " bytes of samples (%s of %d channel%s at %d "
        "Hz, %s), more than the 4 GiB a WAV file can hold (%u bytes, its "
        "header included): refused before writing a sample; %s", o->path,
        frames * o->bpf, ts, o->channels, o->channels > 1 ? "s" : "",
        o->rate, p->format_label, WAV_LIMIT_BYTES,
        wav_limit_advice (p, o->channels));
  }
  return FALSE;
}

/* Each buffer on its way to wavenc: the file must stay within the limit
 * (the input's duration may not have been known). */
static gboolean
fits_so_far (OutputProbe * o, GstPad * pad, GstPadProbeInfo * info)
{
  SeparatePipeline *p = o->p;
  gsize size = (info->type & GST_PAD_PROBE_TYPE_BUFFER)
      ? gst_buffer_get_size (GST_PAD_PROBE_INFO_BUFFER (info))
      : gst_buffer_list_calculate_size (GST_PAD_PROBE_INFO_BUFFER_LIST (info));
  char ts[32];

  if (o->bytes + size <= wav_limit_data_bytes ()) {
    o->bytes += size;
    return TRUE;
  }
  if (g_atomic_int_compare_and_exchange (&p->refused, 0, 1)) {
    format_time (ts, sizeof ts, o->bpf > 0 && o->rate > 0
        ? o->bytes / (double) o->bpf / o->rate : 0.0);
    post_own_error (p, GST_OBJECT (GST_PAD_PARENT (pad)), "%s reached the "
        "4 GiB a WAV file can hold (%u bytes, its header included) after %s "
        "of %d channel%s at %d Hz (%s): stopped, the files removed; %s",
        o->path, WAV_LIMIT_BYTES, ts, o->channels,
        o->channels > 1 ? "s" : "", o->rate, p->format_label,
        wav_limit_advice (p, o->channels));
  }
  return FALSE;
}

/* On each wavenc's sink pad: the file gets the input's channels, or the
 * run stops (whatever changed the count on the way); it stays within the
 * 4 GiB of a WAV file, or the run stops (before writing when the input's
 * duration is known); and a file that gets no sample at all (an empty
 * input, a stop signal before the first buffer) still gets a valid
 * header. */
static GstPadProbeReturn
output_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  OutputProbe *o = data;
  SeparatePipeline *p = o->p;
  GstAudioInfo ai;
  GstCaps *caps;
  gint c, in;

  if (g_atomic_int_get (&p->refused))
    return refuse_data (info);
  if (info->type & (GST_PAD_PROBE_TYPE_BUFFER |
          GST_PAD_PROBE_TYPE_BUFFER_LIST)) {
    if (!fits_so_far (o, pad, info))
      return refuse_data (info);
    o->data = TRUE;
    return GST_PAD_PROBE_OK;
  }
  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_EOS) {
    /* wavenc counts the data from its first buffer on: at an EOS before
     * any, it rewrites its placeholder header (data size 0x7fff0000, an
     * invalid 44-byte file).  An empty buffer first makes it write a
     * header saying 0 samples, as many as the stream had. */
    if (o->caps && !o->data) {
      if (!o->segment) {        /* data needs one before it */
        GstSegment seg;
        gst_segment_init (&seg, GST_FORMAT_TIME);
        gst_pad_send_event (pad, gst_event_new_segment (&seg));
      }
      gst_pad_chain (pad, gst_buffer_new ());
    }
    return GST_PAD_PROBE_OK;
  }
  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_SEGMENT)
    o->segment = TRUE;
  if ((c = announced_channels (info)) <= 0)
    return GST_PAD_PROBE_OK;
  in = g_atomic_int_get (&p->in_channels);
  if (in > 0 && c != in) {
    g_atomic_int_set (&p->refused, 1);
    post_own_error (p, GST_OBJECT (GST_PAD_PARENT (pad)), "the input has "
        "%d channels but the output would have %d; nmftool does not change "
        "the channel count: nothing written", in, c);
    return GST_PAD_PROBE_DROP;
  }
  gst_event_parse_caps (GST_PAD_PROBE_INFO_EVENT (info), &caps);
  if (gst_audio_info_from_caps (&ai, caps)) {
    o->rate = GST_AUDIO_INFO_RATE (&ai);
    o->channels = GST_AUDIO_INFO_CHANNELS (&ai);
    o->bpf = GST_AUDIO_INFO_BPF (&ai);
    if (!fits_ahead (o, pad))
      return GST_PAD_PROBE_DROP;
  }
  o->caps = TRUE;
  return GST_PAD_PROBE_OK;
}

/* On each of nmfseparate's source pads when the files are 16-bit: how
 * many float samples lie beyond full scale (|x| > 1), which the
 * conversion to S16 clips, and the largest magnitude. */
static GstPadProbeReturn
clip_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  SeparatePipeline *p = data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstMapInfo map;
  guint64 clipped = 0;
  float peak = 0.0f;
  gsize n;

  (void) pad;
  if (!gst_buffer_map (buf, &map, GST_MAP_READ))
    return GST_PAD_PROBE_OK;
  n = map.size / sizeof (float);
  for (gsize i = 0; i < n; i++) {
    float x;
    memcpy (&x, map.data + i * sizeof (float), sizeof x);
    x = fabsf (x);
    if (x > 1.0f)
      clipped++;
    if (x > peak)
      peak = x;
  }
  gst_buffer_unmap (buf, &map);
  g_mutex_lock (&p->lock);
  p->clipped += clipped;
  p->samples += n;
  if (peak > p->peak)
    p->peak = peak;
  g_mutex_unlock (&p->lock);
  return GST_PAD_PROBE_OK;
}

/* ---- building ----------------------------------------------------------- */

/* The most channels this pipeline carries unchanged: the limit of
 * nmfseparate's sink pad template, and audioconvert's. */
static gint
element_max_channels (GstElement * sep)
{
  GstPad *sink = gst_element_get_static_pad (sep, "sink");
  GstCaps *caps;
  gint max = 0;

  if (sink == NULL)
    return 0;
  caps = gst_pad_get_pad_template_caps (sink);
  for (guint i = 0; i < gst_caps_get_size (caps); i++) {
    const GValue *v = gst_structure_get_value (gst_caps_get_structure (caps,
            i), "channels");
    gint m = 0;
    if (v && GST_VALUE_HOLDS_INT_RANGE (v))
      m = gst_value_get_int_range_max (v);
    else if (v && G_VALUE_HOLDS_INT (v))
      m = g_value_get_int (v);
    if (m > max)
      max = m;
  }
  gst_caps_unref (caps);
  gst_object_unref (sink);
  return max > 0 && max < AUDIOCONVERT_MAX_CHANNELS ? max
      : AUDIOCONVERT_MAX_CHANNELS;
}

static GstElement *
make (const char *factory, const char *name, const char *pkg)
{
  GstElement *e = gst_element_factory_make (factory, name);
  if (e == NULL)
    runtime_error (SEPARATE_CMD, "GStreamer element '%s' not found "
        "(install %s)", factory, pkg);
  return e;
}

/* uridecodebin ! audioconvert ! audioresample ! nmfseparate */
static int
build_input (SeparatePipeline * p, const char *uri, const char *input)
{
  GstElement *decode, *convert, *resample;

  decode = make ("uridecodebin", "decode", "gstreamer1.0-plugins-base");
  convert = make ("audioconvert", "convert", "gstreamer1.0-plugins-base");
  resample = make ("audioresample", "resample", "gstreamer1.0-plugins-base");
  if (!decode || !convert || !resample)
    return EXIT_RUNTIME;
  gst_bin_add_many (GST_BIN (p->pipeline), decode, convert, resample,
      p->sep, NULL);
  if (!gst_element_link_many (convert, resample, p->sep, NULL))
    return runtime_error (SEPARATE_CMD, "cannot link audioconvert ! "
        "audioresample ! nmfseparate");
  p->decoder.entry = gst_element_get_static_pad (convert, "sink");
  p->decoder.no_audio = g_strdup_printf ("%s has no audio stream", input);
  p->max_channels = element_max_channels (p->sep);
  gst_pad_add_probe (p->decoder.entry, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM
      | GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
      input_caps_probe, p, NULL);
  media_decoder_setup (&p->decoder, decode, uri);
  return 0;
}

/* nmfseparate's src_I ! audioconvert ! capsfilter ! wavenc ! filesink */
static int
build_output (SeparatePipeline * p, guint i, const char *format,
    const char *path)
{
  gchar *padname = g_strdup_printf ("src_%u", i);
  gchar *capsstr = g_strdup_printf ("audio/x-raw, format=%s", format);
  GstElement *c = make ("audioconvert", NULL, "gstreamer1.0-plugins-base");
  GstElement *f = make ("capsfilter", NULL, "gstreamer1.0 core");
  GstElement *w = make ("wavenc", NULL, "gstreamer1.0-plugins-good");
  GstElement *s = make ("filesink", NULL, "gstreamer1.0 core");
  GstPad *srcpad, *wsink;
  GstCaps *caps;
  int ok;

  if (!c || !f || !w || !s) {
    g_free (padname);
    g_free (capsstr);
    return EXIT_RUNTIME;
  }
  caps = gst_caps_from_string (capsstr);
  g_object_set (f, "caps", caps, NULL);
  gst_caps_unref (caps);
  g_object_set (s, "location", path, NULL);
  gst_bin_add_many (GST_BIN (p->pipeline), c, f, w, s, NULL);
  p->sinks[i] = s;
  p->n_outputs = i + 1;
  ok = gst_element_link_pads (p->sep, padname, c, "sink")
      && gst_element_link_many (c, f, w, s, NULL);
  if (ok) {
    wsink = gst_element_get_static_pad (w, "sink");
    p->outputs[i].p = p;
    p->outputs[i].index = i;
    p->outputs[i].path = path;
    gst_pad_add_probe (wsink, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM
        | GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
        output_probe, &p->outputs[i], NULL);
    gst_object_unref (wsink);
    srcpad = gst_element_get_static_pad (p->sep, padname);
    if (i == 0)
      gst_pad_add_probe (srcpad, GST_PAD_PROBE_TYPE_BUFFER
          | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, position_probe, p, NULL);
    if (p->count_clips)
      gst_pad_add_probe (srcpad, GST_PAD_PROBE_TYPE_BUFFER, clip_probe, p,
          NULL);
    gst_object_unref (srcpad);
  }
  g_free (padname);
  g_free (capsstr);
  if (!ok)
    return runtime_error (SEPARATE_CMD, "cannot link nmfseparate's src_%u "
        "to wavenc", i);
  return 0;
}

int
separate_pipeline_build (SeparatePipeline * p, const char *uri,
    const SeparateOptions * o, const OutputFiles * files)
{
  int ret;

  p->pipeline = gst_pipeline_new ("nmftool-separate");
  p->count_clips = o->count_clips;
  p->format_label = o->format_label;
  if ((ret = build_input (p, uri, o->input)))
    return ret;
  for (guint i = 0; i < files->n; i++)
    if ((ret = build_output (p, i, o->format, files->paths[i])))
      return ret;
  return 0;
}

/* ---- the run, from the main loop ---------------------------------------- */

gboolean
separate_pipeline_linked (SeparatePipeline * p)
{
  return media_decoder_linked (&p->decoder);
}

void
separate_pipeline_end_stream (SeparatePipeline * p)
{
  g_atomic_int_set (&p->eos_requested, 1);
  gst_pad_add_probe (p->decoder.entry, GST_PAD_PROBE_TYPE_BUFFER
      | GST_PAD_PROBE_TYPE_BUFFER_LIST, entry_probe, p, NULL);
}

gboolean
separate_pipeline_open_outputs (SeparatePipeline * p, OutputFiles * files)
{
  for (guint i = 0; i < p->n_outputs && i < files->n; i++) {
    if (gst_element_set_state (p->sinks[i], GST_STATE_READY)
        == GST_STATE_CHANGE_FAILURE)
      return FALSE;             /* its open() failed: the file untouched */
    files->opened[i] = TRUE;
  }
  return TRUE;
}

gboolean
separate_pipeline_ended_early (SeparatePipeline * p)
{
  return g_atomic_int_get (&p->eos_requested) == 2;
}

GstClockTime
separate_pipeline_position (SeparatePipeline * p)
{
  GstClockTime t;
  g_mutex_lock (&p->lock);
  t = p->position;
  g_mutex_unlock (&p->lock);
  return t;
}

double
separate_pipeline_written_seconds (SeparatePipeline * p)
{
  double s = 0.0;
  g_mutex_lock (&p->lock);
  if (p->rate > 0)
    s = (double) p->frames / p->rate;
  g_mutex_unlock (&p->lock);
  return s;
}

void
separate_pipeline_rates (SeparatePipeline * p, gint * in_rate,
    gint * out_rate)
{
  *in_rate = g_atomic_int_get (&p->in_rate);
  g_mutex_lock (&p->lock);
  *out_rate = p->rate;
  g_mutex_unlock (&p->lock);
}

void
separate_pipeline_warn_clipping (SeparatePipeline * p)
{
  if (!p->count_clips || p->clipped == 0)
    return;
  warning (SEPARATE_CMD, "%" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
      " samples (%.2g %%) were beyond 16-bit full scale (peak %+.1f dBFS) "
      "and are clipped in the files; --format f32 keeps them", p->clipped,
      p->samples, 100.0 * p->clipped / (double) p->samples,
      20.0 * log10 (p->peak));
}
