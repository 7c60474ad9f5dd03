/* nmftool separate: decode any file GStreamer can read, separate it with
 * the nmfseparate element and write one WAV file per source.
 *
 *   uridecodebin ! audioconvert ! audioresample ! nmfseparate name=s
 *     s.src_I ! audioconvert ! capsfilter ! wavenc ! filesink  (one per source)
 *
 * Progress (position, duration, speed, ETA) is drawn on stderr: a bar
 * redrawn in place on a terminal, plain lines (one per 10 %) otherwise.
 * The first Ctrl-C (or SIGTERM, SIGHUP) sends EOS into the pipeline (at
 * the entry of audioconvert, from the streaming thread) so that
 * nmfseparate drains and wavenc rewrites its header: the partial files are
 * valid and kept.  A second one stops at once and removes the (then
 * incomplete) files. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gstdio.h>
#include <gst/audio/audio.h>
#include <gst/gst.h>
#include <gst/pbutils/pbutils.h>

#include "nmftool.h"

#define MAX_SOURCES 16
#define PROGRESS_INTERVAL_MS 200
/* audioconvert, before and after nmfseparate, handles at most 63 channels:
 * GStreamer's channel mixer asserts in_channels < 64 (1.22; seen as a
 * CRITICAL and a crash in uridecodebin ! audioconvert with 64). */
#define AUDIOCONVERT_MAX_CHANNELS 63

const char nmftool_separate_help[] =
    "nmftool separate: split an audio file into one WAV file per source\n"
    "\n"
    "  nmftool separate --sources N [--algorithm kl|volmin] [--components K]\n"
    "                   [--dictionary SRC=FILE.npy ...] [--set PROP=VALUE ...]\n"
    "                   [--profile file|live|auto]\n"
    "                   [--format f32|s16] [--progress auto|bar|lines|none]\n"
    "                   [--quiet] INPUT OUTDIR\n"
    "\n"
    "INPUT is a file name or a URI (file://, http://, ...) of anything\n"
    "GStreamer can decode (uridecodebin: WAV, FLAC, Ogg, MP3, the audio of a\n"
    "video, ...); the first audio stream is used. It goes through\n"
    "audioconvert ! audioresample ! nmfseparate (rates outside 8-192 kHz are\n"
    "resampled, others pass untouched) and source I is written to\n"
    "OUTDIR/sourceI.wav (OUTDIR is created if needed; existing files are\n"
    "overwritten, never an input: an output that is the input or a\n"
    "dictionary is refused), with the channels and rate of the input and\n"
    "exactly as many samples as the input (as the resampled stream, if it\n"
    "was resampled). The sources add up to the input. A summary line on\n"
    "stderr names the files; exit status 0. Inputs with more channels than\n"
    "the element takes (its sink caps; audioconvert: at most 63) are\n"
    "refused with the limit, never downmixed.\n"
    "The nmfseparate plugin is found the usual GStreamer way (installed, or\n"
    "GST_PLUGIN_PATH=<build>/plugin when uninstalled).\n"
    "\n"
    "  --sources N       number of sources, 1..16 (element n-sources). Required.\n"
    "  --algorithm A     kl (default) or volmin (element algorithm).\n"
    "  --components K    NMF rank (element components; 0 = N).\n"
    "  --dictionary SRC=FILE.npy\n"
    "                    fixed templates for source SRC (0..N-1), repeatable;\n"
    "                    passed to the element property 'dictionaries' as\n"
    "                    'SRC=/absolute/FILE.npy' entries. Refused (exit\n"
    "                    status 2) when the element of this build has no\n"
    "                    such property.\n"
    "  --set PROP=VALUE  any other nmfseparate property, repeatable (e.g.\n"
    "                    --set fft-size=4096 --set mask-exponent=1); see\n"
    "                    'gst-inspect-1.0 nmfseparate'.\n"
    "  --profile P       the element's profile property. file (default): for\n"
    "                    blind kl (no --dictionary) the best blind settings\n"
    "                    measured for files, which need no low latency:\n"
    "                    components=20 bands-per-octave=24 iterations=4\n"
    "                    lookahead-frames=516 mask-exponent=1 (--components\n"
    "                    and --set override any of them); live: the same\n"
    "                    without look-ahead (causal); auto: file unless the\n"
    "                    input is live.\n"
    "  --format F        f32: 32-bit float WAV (default, the element's output\n"
    "                    unchanged); s16: 16-bit PCM WAV (samples beyond full\n"
    "                    scale are clipped: a warning gives their count).\n"
    "  --progress P      auto (default): a bar redrawn in place when stderr is\n"
    "                    a terminal, else plain lines; bar; lines (one line per\n"
    "                    10 %, or per minute of audio when the duration is\n"
    "                    unknown); none. Shown: position / duration, speed in\n"
    "                    times real time, estimated time left.\n"
    "  --quiet, -q       no progress and no summary line (errors still print).\n"
    "  --help, -h        this text.\n"
    "\n"
    "Ctrl-C: the first one ends the stream early as if the input ended there\n"
    "(EOS): the partial files are finalized (valid WAV headers), kept, and\n"
    "named on stderr; exit status 130. A second Ctrl-C aborts at once: the\n"
    "incomplete files are removed (said on stderr); exit status 130.\n"
    "SIGTERM (kill, timeout) and SIGHUP are handled the same way, with exit\n"
    "status 143 and 129.\n"
    "On a pipeline error (undecodable input, missing plugin, invalid\n"
    "property combination, write failure) one line names the error and\n"
    "the element, the partial files are removed, exit status 1.\n";

typedef struct
{
  const char *cmd;
  GstElement *pipeline;
  GstElement *sep;
  GstPad *entry;                /* sink pad of the first audioconvert */
  GMainLoop *loop;
  guint n_sources;
  gchar *outdir;
  GPtrArray *created_dirs;      /* directories of OUTDIR made here, outer
                                 * first: removed again (if empty) when
                                 * the run fails */
  gchar *paths[MAX_SOURCES];
  const char *input;
  gchar *input_local;           /* the input's file name, if local */
  const char *format_label;

  gint linked;                  /* atomic: an audio pad of the decoder linked */
  gint eos_requested;           /* atomic: 1 the entry probe must send EOS,
                                 * 2 it has */
  int interrupts;
  int signal_exit;              /* 128 + the first signal that ended the
                                 * stream (SIGINT, SIGTERM, SIGHUP), or 0 */
  const char *signal_what;      /* "interrupted", "terminated (SIGTERM)"... */
  int exit_code;
  gboolean done;

  /* progress */
  GMutex lock;
  GstSegment segment;           /* of src_0, under lock */
  GstClockTime position;        /* stream time reached by src_0, under lock */
  guint64 frames;               /* sample frames out of src_0, under lock */
  gint rate;                    /* of src_0, under lock */
  gint bpf;                     /* bytes per frame of src_0, under lock */
  GstClockTime duration;
  gint64 start_us;
  int mode;                     /* 0 none, 1 lines, 2 bar */
  int last_decile;
  GstClockTime last_line_pos;
  gboolean bar_drawn;
  gchar *missing_plugin;        /* description from a missing-plugin msg */

  /* the signal left as it was */
  gint in_channels;             /* atomic: channels of the decoded input */
  gint max_channels;            /* nmfseparate's sink caps limit, 0: none */
  gint refused;                 /* atomic: a caps probe refused the stream */
  gboolean count_clips;         /* s16 output: count what it clips */
  guint64 clipped;              /* samples beyond full scale, under lock */
  guint64 samples;              /* samples out of the element, under lock */
  float peak;                   /* largest |sample|, under lock */
} Separate;

/* Errors found by nmftool's own checks in the streaming thread, posted as
 * error messages; on_bus prints their text as it is. */
#define NMFTOOL_ERROR (g_quark_from_static_string ("nmftool-error"))

enum
{
  PROGRESS_NONE,
  PROGRESS_LINES,
  PROGRESS_BAR
};

/* ---- helpers ------------------------------------------------------------ */

static void
format_time (char *buf, size_t len, double s)
{
  if (!isfinite (s) || s < 0)
    s = 0;
  if (s >= 3600) {
    long t = (long) s;
    snprintf (buf, len, "%ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
  } else {
    int m = (int) (s / 60);
    double r = s - 60.0 * m;
    if (r >= 59.95) {           /* would print as 60.0 */
      m++;
      r = 0;
    }
    snprintf (buf, len, "%d:%04.1f", m, r);
  }
}

static GstClockTime
get_position (Separate * st)
{
  GstClockTime p;
  g_mutex_lock (&st->lock);
  p = st->position;
  g_mutex_unlock (&st->lock);
  return p;
}

static void
progress_clear (Separate * st)
{
  if (st->bar_drawn) {
    fputs ("\r\033[K", stderr);
    fflush (stderr);
    st->bar_drawn = FALSE;
  }
}

static int
terminal_width (void)
{
  struct winsize ws;
  if (ioctl (STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40)
    return ws.ws_col;
  return 80;
}

static void
progress_update (Separate * st, gboolean final)
{
  GstClockTime pos = get_position (st);
  double p = GST_CLOCK_TIME_IS_VALID (pos) ? pos / (double) GST_SECOND : 0.0;
  double d = GST_CLOCK_TIME_IS_VALID (st->duration)
      ? st->duration / (double) GST_SECOND : -1.0;
  double elapsed = (g_get_monotonic_time () - st->start_us) / 1e6;
  double speed = elapsed > 0.05 && p > 0 ? p / elapsed : 0.0;
  char ps[32], ds[32], es[32], line[512];
  int n;

  if (st->mode == PROGRESS_NONE)
    return;
  if (d > 0 && p > d)
    p = d;
  format_time (ps, sizeof ps, p);
  format_time (ds, sizeof ds, d);
  if (speed > 0 && d > 0)
    format_time (es, sizeof es, (d - p) / speed);
  else
    g_strlcpy (es, "--:--", sizeof es);

  if (st->mode == PROGRESS_BAR) {
    int width = terminal_width ();
    if (d > 0) {
      double frac = p / d;
      int bar = width - 60, fill, i;
      if (bar > 40)
        bar = 40;
      if (bar < 10)
        bar = 10;
      fill = (int) (frac * bar + 0.5);
      n = snprintf (line, sizeof line, "[");
      for (i = 0; i < bar && n < (int) sizeof line - 2; i++)
        line[n++] = i < fill ? '#' : '-';
      snprintf (line + n, sizeof line - n,
          "] %3d%%  %s / %s  %.0fx  ETA %s",
          (int) fmin (100.0, frac * 100.0 + 1e-4), ps, ds, speed, es);
    } else {
      snprintf (line, sizeof line, "%s (duration unknown)  %.0fx", ps, speed);
    }
    if ((int) strlen (line) >= width)
      line[width - 1] = '\0';
    fprintf (stderr, "\r%s\033[K", line);
    if (final) {
      fputc ('\n', stderr);
      st->bar_drawn = FALSE;
    } else
      st->bar_drawn = TRUE;
    fflush (stderr);
    return;
  }

  /* plain lines */
  if (d > 0) {
    /* timestamps are rounded to nanoseconds: the end may fall a hair
     * short of the duration */
    double pct = fmin (100.0, p / d * 100.0 + 1e-4);
    int decile = (int) floor (pct / 10.0);
    if (decile > 10)
      decile = 10;
    if (decile <= st->last_decile)
      return;
    if (final && decile < 10)
      return;                   /* the summary line says where it ended */
    st->last_decile = decile;
    fprintf (stderr, "%s %s: %3d%%  %s / %s  %.0fx real time  ETA %s\n",
        prog, st->cmd, (int) pct, ps, ds, speed, es);
  } else {
    if (!GST_CLOCK_TIME_IS_VALID (pos) || final
        || (GST_CLOCK_TIME_IS_VALID (st->last_line_pos)
            && pos < st->last_line_pos + 60 * GST_SECOND))
      return;
    st->last_line_pos = pos;
    fprintf (stderr, "%s %s: %s (duration unknown)  %.0fx real time\n",
        prog, st->cmd, ps, speed);
  }
  fflush (stderr);
}

static gboolean
on_timer (gpointer data)
{
  Separate *st = data;

  if (!GST_CLOCK_TIME_IS_VALID (st->duration)) {
    gint64 d;
    if (gst_element_query_duration (st->pipeline, GST_FORMAT_TIME, &d)
        && d > 0)
      st->duration = (GstClockTime) d;
  }
  if (g_atomic_int_get (&st->linked) && !st->done && !st->interrupts)
    progress_update (st, FALSE);
  return G_SOURCE_CONTINUE;
}

/* The output files, and the directories made for them if that leaves
 * them empty.  Never an input: outputs naming one are refused before
 * anything is written (check_aliases). */
static void
remove_created_dirs (Separate * st)
{
  if (st->created_dirs)
    for (guint i = st->created_dirs->len; i-- > 0;)
      g_rmdir (g_ptr_array_index (st->created_dirs, i));
}

static void
remove_outputs (Separate * st)
{
  for (guint i = 0; i < st->n_sources; i++)
    if (st->paths[i])
      g_unlink (st->paths[i]);
  remove_created_dirs (st);
}

static gchar *
list_outputs (Separate * st)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < st->n_sources; i++)
    g_string_append_printf (s, "%s%s", i ? ", " : "", st->paths[i]);
  return g_string_free (s, FALSE);
}

/* ---- streaming-thread callbacks ----------------------------------------- */

/* On the first audioconvert's sink pad, installed by the first Ctrl-C:
 * send EOS in place of the next buffer.  From then on the pad is EOS and
 * refuses buffers, so the decoder stops as well. */
static GstPadProbeReturn
entry_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Separate *st = data;

  (void) info;
  if (g_atomic_int_compare_and_exchange (&st->eos_requested, 1, 2))
    gst_pad_send_event (pad, gst_event_new_eos ());
  return GST_PAD_PROBE_DROP;
}

/* On nmfseparate's src_0: how far the output has got (stream time), and
 * how many sample frames it has sent (what each file holds).
 * A decoder's last buffer may end past the segment's stop: the stop is
 * the stream's duration rounded to a nanosecond while the last sample
 * starts before it and lasts a whole sample (vorbisdec, clipping with
 * rounding up, keeps 169 samples where 168.000008 reach the stop), and
 * the element's last buffer, which drains the look-ahead (seconds long
 * with the file profile), ends there too.  gst_segment_to_stream_time()
 * refuses a position after the stop, so the end of such a buffer is
 * clamped to the segment first. */
static GstPadProbeReturn
position_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Separate *st = data;

  (void) pad;
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
    GstClockTime t = GST_BUFFER_PTS (buf);
    g_mutex_lock (&st->lock);
    if (st->bpf > 0)
      st->frames += gst_buffer_get_size (buf) / st->bpf;
    if (GST_CLOCK_TIME_IS_VALID (t)) {
      if (GST_BUFFER_DURATION_IS_VALID (buf))
        t += GST_BUFFER_DURATION (buf);
      if (GST_CLOCK_TIME_IS_VALID (st->segment.stop) && t > st->segment.stop)
        t = st->segment.stop;
      if (t < st->segment.start)
        t = st->segment.start;
      t = gst_segment_to_stream_time (&st->segment, GST_FORMAT_TIME, t);
      if (GST_CLOCK_TIME_IS_VALID (t))
        st->position = t;
    }
    g_mutex_unlock (&st->lock);
  } else if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    GstEvent *ev = GST_PAD_PROBE_INFO_EVENT (info);
    if (GST_EVENT_TYPE (ev) == GST_EVENT_SEGMENT) {
      const GstSegment *seg;
      gst_event_parse_segment (ev, &seg);
      if (seg->format == GST_FORMAT_TIME) {
        g_mutex_lock (&st->lock);
        gst_segment_copy_into (seg, &st->segment);
        g_mutex_unlock (&st->lock);
      }
    } else if (GST_EVENT_TYPE (ev) == GST_EVENT_CAPS) {
      GstCaps *caps;
      GstAudioInfo ai;
      gst_event_parse_caps (ev, &caps);
      if (gst_audio_info_from_caps (&ai, caps)) {
        g_mutex_lock (&st->lock);
        st->rate = GST_AUDIO_INFO_RATE (&ai);
        st->bpf = GST_AUDIO_INFO_BPF (&ai);
        g_mutex_unlock (&st->lock);
      }
    }
  }
  return GST_PAD_PROBE_OK;
}

/* The length of the output files so far, in seconds (from the frames
 * sent, not from timestamps). */
static double
written_seconds (Separate * st)
{
  double s = 0.0;
  g_mutex_lock (&st->lock);
  if (st->rate > 0)
    s = (double) st->frames / st->rate;
  g_mutex_unlock (&st->lock);
  return s;
}

static void
post_own_error (Separate * st, GstObject * src, const char *fmt, ...)
{
  va_list ap;
  GError *err;

  va_start (ap, fmt);
  err = g_error_new_valist (NMFTOOL_ERROR, 0, fmt, ap);
  va_end (ap);
  gst_element_post_message (st->pipeline, gst_message_new_error (src, err,
          NULL));
  g_error_free (err);
}

static gint
caps_channels (GstEvent * ev)
{
  GstCaps *caps;
  gint c = 0;

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
  Separate *st = data;
  GstEvent *ev;
  gint c;

  if (g_atomic_int_get (&st->refused))
    return refuse_data (info);
  if (!(info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM))
    return GST_PAD_PROBE_OK;
  ev = GST_PAD_PROBE_INFO_EVENT (info);
  if (GST_EVENT_TYPE (ev) != GST_EVENT_CAPS || (c = caps_channels (ev)) <= 0)
    return GST_PAD_PROBE_OK;
  g_atomic_int_set (&st->in_channels, c);
  if (st->max_channels > 0 && c > st->max_channels) {
    g_atomic_int_set (&st->refused, 1);
    post_own_error (st, GST_OBJECT (st->sep), "the input has %d channels; "
        "nmftool separate takes 1..%d (%s), and does not downmix: nothing "
        "written", c, st->max_channels,
        st->max_channels < AUDIOCONVERT_MAX_CHANNELS
        ? "the nmfseparate element's limit"
        : "the limit of GStreamer's audioconvert");
    return GST_PAD_PROBE_DROP;
  }
  (void) pad;
  return GST_PAD_PROBE_OK;
}

/* On each wavenc's sink pad: the file gets the input's channels, or the
 * run stops (whatever changed the count on the way). */
static GstPadProbeReturn
output_caps_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Separate *st = data;
  GstEvent *ev;
  gint c, in;

  if (g_atomic_int_get (&st->refused))
    return refuse_data (info);
  if (!(info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM))
    return GST_PAD_PROBE_OK;
  ev = GST_PAD_PROBE_INFO_EVENT (info);
  if (GST_EVENT_TYPE (ev) != GST_EVENT_CAPS || (c = caps_channels (ev)) <= 0)
    return GST_PAD_PROBE_OK;
  in = g_atomic_int_get (&st->in_channels);
  if (in > 0 && c != in) {
    g_atomic_int_set (&st->refused, 1);
    post_own_error (st, GST_OBJECT (GST_PAD_PARENT (pad)), "the input has "
        "%d channels but the output would have %d; nmftool does not change "
        "the channel count: nothing written", in, c);
    return GST_PAD_PROBE_DROP;
  }
  return GST_PAD_PROBE_OK;
}

/* On each of nmfseparate's source pads when the files are 16-bit: how
 * many float samples lie beyond full scale (|x| > 1), which the
 * conversion to S16 clips, and the largest magnitude. */
static GstPadProbeReturn
clip_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Separate *st = data;
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
  g_mutex_lock (&st->lock);
  st->clipped += clipped;
  st->samples += n;
  if (peak > st->peak)
    st->peak = peak;
  g_mutex_unlock (&st->lock);
  return GST_PAD_PROBE_OK;
}

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

static void
on_pad_added (GstElement * decode, GstPad * pad, gpointer data)
{
  Separate *st = data;
  GstCaps *caps = gst_pad_get_current_caps (pad);
  const gchar *name;

  (void) decode;
  if (caps == NULL)
    caps = gst_pad_query_caps (pad, NULL);
  name = gst_structure_get_name (gst_caps_get_structure (caps, 0));
  if (g_str_has_prefix (name, "audio/x-raw")
      && g_atomic_int_compare_and_exchange (&st->linked, 0, 1)) {
    if (GST_PAD_LINK_FAILED (gst_pad_link (pad, st->entry)))
      GST_ELEMENT_ERROR (decode, CORE, NEGOTIATION, ("could not link the "
              "decoded audio to audioconvert"), (NULL));
  }
  gst_caps_unref (caps);
}

static void
on_no_more_pads (GstElement * decode, gpointer data)
{
  Separate *st = data;

  if (!g_atomic_int_get (&st->linked))
    GST_ELEMENT_ERROR (decode, STREAM, WRONG_TYPE,
        ("%s has no audio stream", st->input), (NULL));
}

/* ---- main-loop callbacks ------------------------------------------------ */

static gboolean
on_bus (GstBus * bus, GstMessage * msg, gpointer data)
{
  Separate *st = data;

  (void) bus;
  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_ERROR:{
      GError *err = NULL;
      gchar *dbg = NULL;
      gst_message_parse_error (msg, &err, &dbg);
      progress_clear (st);
      if (err->domain == NMFTOOL_ERROR)
        fprintf (stderr, "%s %s: error: %s: %s\n", prog, st->cmd, st->input,
            err->message);
      else if (g_error_matches (err, GST_CORE_ERROR,
              GST_CORE_ERROR_MISSING_PLUGIN) && st->missing_plugin == NULL
          && !g_atomic_int_get (&st->linked))
        /* decodebin, restricted to raw audio, found no stream that can
         * become audio: a video-only file, say */
        fprintf (stderr, "%s %s: error: %s: no audio stream that GStreamer "
            "can decode\n", prog, st->cmd, st->input);
      else if (st->missing_plugin)
        fprintf (stderr, "%s %s: error: %s: %s (no GStreamer plugin for %s "
            "is installed)\n", prog, st->cmd, st->input, err->message,
            st->missing_plugin);
      else
        fprintf (stderr, "%s %s: error: %s: %s (from %s)\n", prog, st->cmd,
            st->input, err->message, GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)));
      g_clear_error (&err);
      g_free (dbg);
      st->exit_code = EXIT_RUNTIME;
      st->done = TRUE;
      g_main_loop_quit (st->loop);
      break;
    }
    case GST_MESSAGE_ELEMENT:
      if (gst_is_missing_plugin_message (msg) && st->missing_plugin == NULL)
        st->missing_plugin =
            gst_missing_plugin_message_get_description (msg);
      break;
    case GST_MESSAGE_EOS:
      st->done = TRUE;
      /* EOS we sent, or the input ended by itself before the probe saw
       * another buffer (then the files are complete: success) */
      st->exit_code = g_atomic_int_get (&st->eos_requested) == 2
          ? st->signal_exit : 0;
      g_main_loop_quit (st->loop);
      break;
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

/* SIGINT (Ctrl-C), SIGTERM (kill, a service manager, timeout) and SIGHUP
 * (the terminal closed) all mean "stop": the first one ends the stream
 * there and the files are finalized, a second one aborts. */
static gboolean
on_signal (Separate * st, int signum)
{
  st->interrupts++;
  progress_clear (st);
  if (st->interrupts == 1 && g_atomic_int_get (&st->linked)) {
    st->signal_exit = 128 + signum;
    st->signal_what = signum == SIGINT ? "interrupted"
        : signum == SIGTERM ? "terminated (SIGTERM)" : "hung up (SIGHUP)";
    fprintf (stderr, "%s %s: %s: ending the stream here and "
        "finalizing the files (%s again to abort)\n", prog, st->cmd,
        st->signal_what, signum == SIGINT ? "Ctrl-C" : "the signal");
    g_atomic_int_set (&st->eos_requested, 1);
    gst_pad_add_probe (st->entry, GST_PAD_PROBE_TYPE_BUFFER
        | GST_PAD_PROBE_TYPE_BUFFER_LIST, entry_probe, st, NULL);
    return G_SOURCE_CONTINUE;
  }
  /* Second signal, or nothing decoded yet: stop now.  Not through the
   * NULL state: a source blocked in a read (a stalled network stream, a
   * pipe) could hold that up, and an abort must not wait. */
  {
    gchar *list = list_outputs (st);
    remove_outputs (st);
    fprintf (stderr, "%s %s: aborted: removed the incomplete files %s\n",
        prog, st->cmd, list);
    fflush (stderr);
    g_free (list);
    _exit (128 + signum);
  }
  return G_SOURCE_REMOVE;
}

static gboolean
on_sigint (gpointer data)
{
  return on_signal (data, SIGINT);
}

static gboolean
on_sigterm (gpointer data)
{
  return on_signal (data, SIGTERM);
}

static gboolean
on_sighup (gpointer data)
{
  return on_signal (data, SIGHUP);
}

/* ---- setup -------------------------------------------------------------- */

static GstElement *
make (Separate * st, const char *factory, const char *name, const char *pkg)
{
  GstElement *e = gst_element_factory_make (factory, name);
  if (e == NULL)
    runtime_error (st->cmd, "GStreamer element '%s' not found (install %s)",
        factory, pkg);
  return e;
}

/* Set a property from its string form, checked: the property must exist
 * and be writable, the value parse and lie in range. */
static int
set_property (Separate * st, GstElement * e, const char *name,
    const char *value, const char *option)
{
  GParamSpec *ps = g_object_class_find_property (G_OBJECT_GET_CLASS (e),
      name);
  GValue v = G_VALUE_INIT;

  if (ps == NULL || !(ps->flags & G_PARAM_WRITABLE))
    return usage_error (st->cmd, "%s: nmfseparate has no property '%s'",
        option, name);
  g_value_init (&v, ps->value_type);
  if (!gst_value_deserialize_with_pspec (&v, value, ps)) {
    g_value_unset (&v);
    return usage_error (st->cmd, "%s: '%s' is not a valid %s for property "
        "'%s'", option, value, g_type_name (ps->value_type), name);
  }
  if (g_param_value_validate (ps, &v)) {
    g_value_unset (&v);
    return usage_error (st->cmd, "%s: %s=%s is out of range (see "
        "'gst-inspect-1.0 nmfseparate')", option, name, value);
  }
  g_object_set_property (G_OBJECT (e), name, &v);
  g_value_unset (&v);
  return 0;
}

/* --dictionary SRC=FILE entries, checked, absolute paths, handed to the
 * element's 'dictionaries' property in the form its type calls for. */
static int
set_dictionaries (Separate * st, GPtrArray * dicts)
{
  GParamSpec *ps = g_object_class_find_property (G_OBJECT_GET_CLASS
      (st->sep), "dictionaries");
  GPtrArray *entries;
  int ret = 0;

  if (ps == NULL || !(ps->flags & G_PARAM_WRITABLE))
    return usage_error (st->cmd, "--dictionary: dictionaries are not "
        "supported by this build (the nmfseparate element has no "
        "'dictionaries' property)");
  entries = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < dicts->len; i++) {
    const char *arg = g_ptr_array_index (dicts, i);
    const char *eq = strchr (arg, '=');
    unsigned long src;
    gchar *num, *abs;

    if (eq == NULL || eq[1] == '\0') {
      ret = usage_error (st->cmd, "--dictionary needs SRC=FILE.npy, got "
          "'%s'", arg);
      goto out;
    }
    num = g_strndup (arg, eq - arg);
    if (parse_ulong (num, 0, st->n_sources - 1, &src) < 0) {
      ret = usage_error (st->cmd, "--dictionary %s: source '%s' is not in "
          "0..%u", arg, num, st->n_sources - 1);
      g_free (num);
      goto out;
    }
    g_free (num);
    if (access (eq + 1, R_OK) != 0) {
      ret = runtime_error (st->cmd, "%s: %s", eq + 1, g_strerror (errno));
      goto out;
    }
    abs = g_canonicalize_filename (eq + 1, NULL);
    g_ptr_array_add (entries, g_strdup_printf ("%lu=%s", src, abs));
    g_free (abs);
  }

  if (ps->value_type == G_TYPE_STRV) {
    g_ptr_array_add (entries, NULL);
    g_object_set (st->sep, "dictionaries", (gchar **) entries->pdata, NULL);
  } else if (ps->value_type == G_TYPE_STRING) {
    gchar *joined;
    g_ptr_array_add (entries, NULL);
    joined = g_strjoinv (",", (gchar **) entries->pdata);
    g_object_set (st->sep, "dictionaries", joined, NULL);
    g_free (joined);
  } else if (ps->value_type == GST_TYPE_ARRAY
      || ps->value_type == GST_TYPE_LIST) {
    GValue arr = G_VALUE_INIT, s = G_VALUE_INIT;
    g_value_init (&arr, ps->value_type);
    for (guint i = 0; i < entries->len; i++) {
      g_value_init (&s, G_TYPE_STRING);
      g_value_set_string (&s, g_ptr_array_index (entries, i));
      if (ps->value_type == GST_TYPE_ARRAY)
        gst_value_array_append_and_take_value (&arr, &s);
      else
        gst_value_list_append_and_take_value (&arr, &s);
      memset (&s, 0, sizeof s);
    }
    g_object_set_property (G_OBJECT (st->sep), "dictionaries", &arr);
    g_value_unset (&arr);
  } else {
    ret = usage_error (st->cmd, "--dictionary: the element's "
        "'dictionaries' property has type %s, which this nmftool cannot set",
        g_type_name (ps->value_type));
  }
out:
  g_ptr_array_unref (entries);
  return ret;
}

/* Input as a URI; for local files, check they can be read first so that a
 * missing file is one plain line. */
static gchar *
input_uri (Separate * st, const char *input, int *ret)
{
  gchar *uri, *local = NULL;
  GError *err = NULL;
  struct stat sb;

  if (gst_uri_is_valid (input)) {
    if (g_str_has_prefix (input, "file:")) {
      local = g_filename_from_uri (input, NULL, &err);
      if (local == NULL) {
        *ret = runtime_error (st->cmd, "%s: %s", input, err->message);
        g_clear_error (&err);
        return NULL;
      }
    }
    uri = g_strdup (input);
  } else {
    local = g_strdup (input);
    uri = NULL;
  }
  if (local != NULL) {
    if (stat (local, &sb) != 0 || access (local, R_OK) != 0) {
      *ret = runtime_error (st->cmd, "%s: %s", input, g_strerror (errno));
      goto fail;
    }
    if (S_ISDIR (sb.st_mode)) {
      *ret = runtime_error (st->cmd, "%s: is a directory, not a media "
          "file", input);
      goto fail;
    }
    if (uri == NULL) {
      uri = gst_filename_to_uri (local, &err);
      if (uri == NULL) {
        *ret = runtime_error (st->cmd, "%s: %s", input, err->message);
        g_clear_error (&err);
        goto fail;
      }
    }
  }
  st->input_local = local;
  return uri;
fail:
  g_free (local);
  g_free (uri);
  return NULL;
}

/* Refuse, before anything is written, an output that is one of the files
 * read: the input or a dictionary (the same file by device and inode, so
 * links count; filesink would truncate it, a failure remove it). */
static int
check_aliases (Separate * st, GPtrArray * dicts)
{
  for (guint i = 0; i < st->n_sources; i++) {
    if (st->input_local && same_file (st->paths[i], st->input_local))
      return runtime_error (st->cmd, "the output %s is the input file %s: "
          "refusing to write over it (choose another OUTDIR)", st->paths[i],
          st->input);
    for (guint j = 0; j < dicts->len; j++) {
      const char *eq = strchr (g_ptr_array_index (dicts, j), '=');
      if (eq && same_file (st->paths[i], eq + 1))
        return runtime_error (st->cmd, "the output %s is the dictionary %s: "
            "refusing to write over it (choose another OUTDIR)",
            st->paths[i], eq + 1);
    }
  }
  return 0;
}

/* OUTDIR and its missing parents, each directory made here remembered so
 * that a failed run can take it away again. */
static int
make_outdir (Separate * st)
{
  GPtrArray *missing = g_ptr_array_new_with_free_func (g_free);
  gchar *path = g_strdup (st->outdir);
  int ret = 0, err = 0;

  while (!g_file_test (path, G_FILE_TEST_EXISTS)) {
    gchar *parent = g_path_get_dirname (path);
    g_ptr_array_add (missing, path);    /* innermost first */
    if (strcmp (parent, path) == 0) {
      g_free (parent);
      path = NULL;
      break;
    }
    path = parent;
  }
  g_free (path);
  st->created_dirs = g_ptr_array_new_with_free_func (g_free);
  for (guint i = missing->len; i-- > 0;) {
    const gchar *dir = g_ptr_array_index (missing, i);
    if (g_mkdir (dir, 0777) == 0)
      g_ptr_array_add (st->created_dirs, g_strdup (dir));
    else if (errno != EEXIST) {
      err = errno;
      break;
    }
  }
  if (!g_file_test (st->outdir, G_FILE_TEST_IS_DIR)) {
    ret = runtime_error (st->cmd, "cannot create the output directory %s: "
        "%s", st->outdir, err ? g_strerror (err)
        : "it exists and is not a directory");
    remove_created_dirs (st);
  }
  g_ptr_array_unref (missing);
  return ret;
}

static int
build_pipeline (Separate * st, const char *uri, const char *format)
{
  GstElement *decode, *convert, *resample;
  GstCaps *raw;

  st->pipeline = gst_pipeline_new ("nmftool-separate");
  decode = make (st, "uridecodebin", "decode", "gstreamer1.0-plugins-base");
  convert = make (st, "audioconvert", "convert", "gstreamer1.0-plugins-base");
  resample = make (st, "audioresample", "resample",
      "gstreamer1.0-plugins-base");
  if (!decode || !convert || !resample)
    return EXIT_RUNTIME;
  raw = gst_caps_from_string ("audio/x-raw");
  g_object_set (decode, "uri", uri, "caps", raw, "expose-all-streams", FALSE,
      NULL);
  gst_caps_unref (raw);
  gst_bin_add_many (GST_BIN (st->pipeline), decode, convert, resample,
      st->sep, NULL);
  if (!gst_element_link_many (convert, resample, st->sep, NULL))
    return runtime_error (st->cmd, "cannot link audioconvert ! "
        "audioresample ! nmfseparate");
  st->entry = gst_element_get_static_pad (convert, "sink");
  st->max_channels = element_max_channels (st->sep);
  gst_pad_add_probe (st->entry, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM
      | GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
      input_caps_probe, st, NULL);
  g_signal_connect (decode, "pad-added", G_CALLBACK (on_pad_added), st);
  g_signal_connect (decode, "no-more-pads", G_CALLBACK (on_no_more_pads),
      st);

  for (guint i = 0; i < st->n_sources; i++) {
    gchar *padname = g_strdup_printf ("src_%u", i);
    gchar *capsstr = g_strdup_printf ("audio/x-raw, format=%s", format);
    GstElement *c = make (st, "audioconvert", NULL,
        "gstreamer1.0-plugins-base");
    GstElement *f = make (st, "capsfilter", NULL, "gstreamer1.0 core");
    GstElement *w = make (st, "wavenc", NULL, "gstreamer1.0-plugins-good");
    GstElement *s = make (st, "filesink", NULL, "gstreamer1.0 core");
    GstPad *srcpad;
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
    g_object_set (s, "location", st->paths[i], NULL);
    gst_bin_add_many (GST_BIN (st->pipeline), c, f, w, s, NULL);
    ok = gst_element_link_pads (st->sep, padname, c, "sink")
        && gst_element_link_many (c, f, w, s, NULL);
    if (ok) {
      GstPad *wsink = gst_element_get_static_pad (w, "sink");
      gst_pad_add_probe (wsink, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM
          | GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
          output_caps_probe, st, NULL);
      gst_object_unref (wsink);
      srcpad = gst_element_get_static_pad (st->sep, padname);
      if (i == 0)
        gst_pad_add_probe (srcpad, GST_PAD_PROBE_TYPE_BUFFER
            | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, position_probe, st, NULL);
      if (st->count_clips)
        gst_pad_add_probe (srcpad, GST_PAD_PROBE_TYPE_BUFFER, clip_probe, st,
            NULL);
      gst_object_unref (srcpad);
    }
    g_free (padname);
    g_free (capsstr);
    if (!ok)
      return runtime_error (st->cmd, "cannot link nmfseparate's src_%u to "
          "wavenc", i);
  }
  return 0;
}

/* 16-bit files: say how much the conversion clipped, if anything. */
static void
report_clipping (Separate * st)
{
  if (!st->count_clips || st->clipped == 0)
    return;
  warning (st->cmd, "%" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
      " samples (%.2g %%) were beyond 16-bit full scale (peak %+.1f dBFS) "
      "and are clipped in the files; --format f32 keeps them", st->clipped,
      st->samples, 100.0 * st->clipped / (double) st->samples,
      20.0 * log10 (st->peak));
}

/* ---- the command -------------------------------------------------------- */

int
nmftool_cmd_separate (int argc, char **argv)
{
  static const struct option longopts[] = {
    {"sources", required_argument, NULL, 'n'},
    {"algorithm", required_argument, NULL, 'a'},
    {"components", required_argument, NULL, 'k'},
    {"dictionary", required_argument, NULL, 'd'},
    {"set", required_argument, NULL, 'S'},
    {"profile", required_argument, NULL, 'P'},
    {"format", required_argument, NULL, 'f'},
    {"progress", required_argument, NULL, 'p'},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0}
  };
  Separate st0, *st = &st0;
  const char *algorithm = NULL, *components = NULL, *format = "F32LE";
  const char *progress = "auto";
  const char *profile = "file";
  GPtrArray *dicts = g_ptr_array_new ();
  GPtrArray *sets = g_ptr_array_new ();
  unsigned long n = 0;
  int c, ret = 0, quiet = 0;
  gchar *uri = NULL;
  GError *err = NULL;
  GstBus *bus = NULL;
  guint timer = 0, sigint = 0, sigterm = 0, sighup = 0;
  GstStateChangeReturn scr;

  memset (st, 0, sizeof *st);
  st->cmd = "separate";
  st->duration = GST_CLOCK_TIME_NONE;
  st->position = GST_CLOCK_TIME_NONE;
  st->last_line_pos = GST_CLOCK_TIME_NONE;
  st->format_label = "32-bit float";
  g_mutex_init (&st->lock);
  gst_segment_init (&st->segment, GST_FORMAT_TIME);

  optind = 1;
  opterr = 0;
  while ((c = getopt_long (argc, argv, ":qh", longopts, NULL)) != -1) {
    switch (c) {
      case 'n':
        if (parse_ulong (optarg, 1, MAX_SOURCES, &n) < 0) {
          ret = usage_error (st->cmd, "--sources needs an integer in 1..%d, "
              "got '%s'", MAX_SOURCES, optarg);
          goto out;
        }
        break;
      case 'a':
        if (strcmp (optarg, "kl") != 0 && strcmp (optarg, "volmin") != 0) {
          ret = usage_error (st->cmd, "unknown algorithm '%s' (kl or volmin)",
              optarg);
          goto out;
        }
        algorithm = optarg;
        break;
      case 'k':
        components = optarg;
        break;
      case 'd':
        g_ptr_array_add (dicts, optarg);
        break;
      case 'P':
        profile = optarg;
        break;
      case 'S':
        if (strchr (optarg, '=') == NULL || optarg[0] == '=') {
          ret = usage_error (st->cmd, "--set needs PROP=VALUE, got '%s'",
              optarg);
          goto out;
        }
        g_ptr_array_add (sets, optarg);
        break;
      case 'f':
        if (strcmp (optarg, "f32") == 0) {
          format = "F32LE";
          st->format_label = "32-bit float";
          st->count_clips = FALSE;
        } else if (strcmp (optarg, "s16") == 0) {
          format = "S16LE";
          st->format_label = "16-bit PCM";
          st->count_clips = TRUE;
        } else {
          ret = usage_error (st->cmd, "unknown format '%s' (f32 or s16)",
              optarg);
          goto out;
        }
        break;
      case 'p':
        if (strcmp (optarg, "auto") && strcmp (optarg, "bar")
            && strcmp (optarg, "lines") && strcmp (optarg, "none")) {
          ret = usage_error (st->cmd, "unknown progress mode '%s' (auto, "
              "bar, lines or none)", optarg);
          goto out;
        }
        progress = optarg;
        break;
      case 'q':
        quiet = 1;
        break;
      case 'h':
        fputs (nmftool_separate_help, stdout);
        goto out;
      case ':':
        ret = usage_error (st->cmd, "option '%s' needs an argument",
            argv[optind - 1]);
        goto out;
      default:
        ret = usage_error (st->cmd, "unknown option '%s'", argv[optind - 1]);
        goto out;
    }
  }
  if (n == 0) {
    ret = usage_error (st->cmd, "--sources is required");
    goto out;
  }
  if (argc - optind != 2) {
    ret = usage_error (st->cmd, argc - optind < 2 ? "INPUT and OUTDIR are "
        "required" : "too many arguments: expected INPUT OUTDIR");
    goto out;
  }
  st->n_sources = (guint) n;
  st->input = argv[optind];
  st->outdir = g_strdup (argv[optind + 1]);
  if (quiet || strcmp (progress, "none") == 0)
    st->mode = PROGRESS_NONE;
  else if (strcmp (progress, "bar") == 0)
    st->mode = PROGRESS_BAR;
  else if (strcmp (progress, "lines") == 0)
    st->mode = PROGRESS_LINES;
  else
    st->mode = isatty (STDERR_FILENO) ? PROGRESS_BAR : PROGRESS_LINES;

  if (!gst_init_check (NULL, NULL, &err)) {
    ret = runtime_error (st->cmd, "cannot initialize GStreamer: %s",
        err ? err->message : "unknown reason");
    g_clear_error (&err);
    goto out;
  }

  /* the element and its options first: they are command-line errors */
  st->sep = gst_element_factory_make ("nmfseparate", "separate");
  if (st->sep == NULL) {
    ret = runtime_error (st->cmd, "the GStreamer element nmfseparate was "
        "not found: install gst-nmf, or set GST_PLUGIN_PATH to the "
        "directory holding libgstnmf.so (<build>/plugin)");
    goto out;
  }
  gst_object_ref_sink (st->sep);
  {
    char nbuf[16];
    snprintf (nbuf, sizeof nbuf, "%lu", n);
    if ((ret = set_property (st, st->sep, "n-sources", nbuf, "--sources")))
      goto out;
  }
  if (algorithm && (ret = set_property (st, st->sep, "algorithm", algorithm,
              "--algorithm")))
    goto out;
  if (components && (ret = set_property (st, st->sep, "components",
              components, "--components")))
    goto out;
  /* the element applies the profile to what is not set explicitly */
  if ((ret = set_property (st, st->sep, "profile", profile, "--profile")))
    goto out;
  for (guint i = 0; i < sets->len; i++) {
    gchar **kv = g_strsplit (g_ptr_array_index (sets, i), "=", 2);
    if (strcmp (kv[0], "n-sources") == 0 || strcmp (kv[0], "name") == 0
        || strcmp (kv[0], "output-mode") == 0) {
      ret = usage_error (st->cmd, "--set %s: not settable here (use "
          "--sources for n-sources; output-mode must stay audio)", kv[0]);
    } else
      ret = set_property (st, st->sep, kv[0], kv[1], "--set");
    g_strfreev (kv);
    if (ret)
      goto out;
  }
  if (dicts->len > 0 && (ret = set_dictionaries (st, dicts)))
    goto out;

  uri = input_uri (st, st->input, &ret);
  if (uri == NULL)
    goto out;
  for (guint i = 0; i < st->n_sources; i++)
    st->paths[i] = g_strdup_printf ("%s%ssource%u.wav", st->outdir,
        g_str_has_suffix (st->outdir, "/") ? "" : "/", i);
  if ((ret = check_aliases (st, dicts)) || (ret = make_outdir (st)))
    goto out;

  if ((ret = build_pipeline (st, uri, format))) {
    remove_created_dirs (st);
    goto out;
  }

  st->loop = g_main_loop_new (NULL, FALSE);
  bus = gst_element_get_bus (st->pipeline);
  gst_bus_add_watch (bus, on_bus, st);
  sigint = g_unix_signal_add (SIGINT, on_sigint, st);
  sigterm = g_unix_signal_add (SIGTERM, on_sigterm, st);
  sighup = g_unix_signal_add (SIGHUP, on_sighup, st);
  timer = g_timeout_add (PROGRESS_INTERVAL_MS, on_timer, st);
  st->start_us = g_get_monotonic_time ();
  st->exit_code = EXIT_RUNTIME;
  scr = gst_element_set_state (st->pipeline, GST_STATE_PLAYING);
  if (scr == GST_STATE_CHANGE_FAILURE) {
    /* the reason is (almost always) an error message on the bus */
    GstMessage *m = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
    if (m) {
      on_bus (bus, m, st);
      gst_message_unref (m);
    } else {
      runtime_error (st->cmd, "%s: the pipeline could not start",
          st->input);
      st->done = TRUE;
    }
  } else
    g_main_loop_run (st->loop);

  on_timer (st);                /* the duration, if it was not known yet */
  gst_element_set_state (st->pipeline, GST_STATE_NULL);
  ret = st->exit_code;

  if (ret == 0 || (st->signal_exit && ret == st->signal_exit))
    report_clipping (st);
  if (ret == 0) {
    progress_update (st, TRUE);
    if (!quiet) {
      double p = written_seconds (st);
      double el = (g_get_monotonic_time () - st->start_us) / 1e6;
      char ps[32];
      gchar *list = list_outputs (st);
      format_time (ps, sizeof ps, p);
      fprintf (stderr, "%s %s: wrote %s (%u source%s, %s each, %s WAV) in "
          "%.1f s, %.0fx real time\n", prog, st->cmd, list, st->n_sources,
          st->n_sources > 1 ? "s" : "", ps, st->format_label, el,
          el > 0 ? p / el : 0.0);
      g_free (list);
    }
  } else if (st->signal_exit && ret == st->signal_exit) {
    /* first Ctrl-C (or SIGTERM, SIGHUP), EOS went through: the files are
     * finalized */
    char ps[32], ds[32];
    gchar *list = list_outputs (st);
    progress_clear (st);
    format_time (ps, sizeof ps, written_seconds (st));
    if (GST_CLOCK_TIME_IS_VALID (st->duration))
      format_time (ds, sizeof ds, st->duration / (double) GST_SECOND);
    else
      g_strlcpy (ds, "?", sizeof ds);
    fprintf (stderr, "%s %s: %s at %s of %s: finalized the partial files "
        "%s (valid WAV, %s each)\n", prog, st->cmd, st->signal_what, ps, ds,
        list, ps);
    g_free (list);
  } else {
    progress_clear (st);
    remove_outputs (st);
  }

out:
  if (timer)
    g_source_remove (timer);
  if (sigint)
    g_source_remove (sigint);
  if (sigterm)
    g_source_remove (sigterm);
  if (sighup)
    g_source_remove (sighup);
  if (bus) {
    gst_bus_remove_watch (bus);
    gst_object_unref (bus);
  }
  if (st->entry)
    gst_object_unref (st->entry);
  if (st->pipeline)
    gst_object_unref (st->pipeline);
  if (st->sep)
    gst_object_unref (st->sep);
  if (st->loop)
    g_main_loop_unref (st->loop);
  for (guint i = 0; i < MAX_SOURCES; i++)
    g_free (st->paths[i]);
  g_free (st->outdir);
  g_free (st->input_local);
  if (st->created_dirs)
    g_ptr_array_unref (st->created_dirs);
  g_free (st->missing_plugin);
  g_free (uri);
  g_ptr_array_unref (dicts);
  g_ptr_array_unref (sets);
  g_mutex_clear (&st->lock);
  return ret;
}
