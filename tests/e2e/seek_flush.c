/* End to end: a flushing, accurate seek in a playing file pipeline.
 *
 *   nmf-e2e-seek-flush MIX.wav SECONDS RATE [SEEK_WHEN [PROPERTIES]]
 *
 * Runs
 *   filesrc location=MIX ! wavparse ! audioconvert ! nmfseparate name=s
 *     PROPERTIES s.src_0 ! appsink name=a0 sync=false
 *     s.src_1 ! appsink name=a1 sync=false
 * to PLAYING; when SEEK_WHEN seconds (default 2) of stream time have reached
 * nmfseparate's sink pad - after its latency, so that the sinks have
 * prerolled - seeks the pipeline to 10 s (GST_SEEK_FLAG_FLUSH |
 * GST_SEEK_FLAG_ACCURATE), then runs to EOS.  Checks, after the seek:
 *   - both appsinks get a FLUSH_STOP, then a TIME segment starting at 10 s;
 *   - the first output buffer starts at 10 s (within one sample), and every
 *     output timestamp and duration continues the previous buffer
 *     sample-exactly (PTS = first PTS + n / rate);
 *   - each source pad delivers exactly as many samples as nmfseparate's sink
 *     pad received after the seek (counted by a pad probe), and that is the
 *     10 s to the end of the file: (SECONDS - 10) * RATE;
 *   - EOS on the bus, no error, within a bounded time (60 s).
 * Exit status 0 on success, 1 with a message on failure. */
#include <gst/gst.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SEEK_TARGET (10 * GST_SECOND)
static GstClockTime seek_when = 2 * GST_SECOND;
#define TIMEOUT_S 60

static gint failures = 0;

#define CHECK(cond, ...) \
  do { if (!(cond)) { failures++; g_printerr ("FAIL: " __VA_ARGS__); \
      g_printerr ("\n"); } } while (0)

/* What one pad saw, written from its streaming thread, read by main at
 * the end (or under the lock). */
typedef struct
{
  const gchar *name;
  GMutex lock;
  gint rate, bpf;
  gboolean flushed;             /* a FLUSH_STOP went by */
  gboolean segment_after;       /* a segment after the flush */
  GstSegment segment;
  guint64 before;               /* samples before the flush */
  guint64 after;                /* samples after it */
  GstClockTime first_pts;       /* of the first buffer after the flush */
  guint64 bad_ts;               /* buffers that did not continue the last */
  gchar *first_bad;
  gboolean eos;
} PadLog;

static void
padlog_init (PadLog * l, const gchar * name)
{
  memset (l, 0, sizeof (*l));
  l->name = name;
  g_mutex_init (&l->lock);
  l->first_pts = GST_CLOCK_TIME_NONE;
}

static GstPadProbeReturn
log_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  PadLog *l = user_data;

  g_mutex_lock (&l->lock);
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER (info);
    guint64 n;
    if (l->bpf == 0) {
      GstCaps *caps = gst_pad_get_current_caps (pad);
      GstStructure *st = gst_caps_get_structure (caps, 0);
      gint ch = 1;
      gst_structure_get_int (st, "rate", &l->rate);
      gst_structure_get_int (st, "channels", &ch);
      l->bpf = 4 * ch;          /* F32 */
      gst_caps_unref (caps);
    }
    n = gst_buffer_get_size (b) / l->bpf;
    if (!l->flushed) {
      l->before += n;
    } else {
      GstClockTime pts = GST_BUFFER_PTS (b), want, end;
      if (!GST_CLOCK_TIME_IS_VALID (l->first_pts))
        l->first_pts = pts;
      want = l->first_pts + gst_util_uint64_scale_int (l->after, GST_SECOND,
          l->rate);
      end = l->first_pts + gst_util_uint64_scale_int (l->after + n,
          GST_SECOND, l->rate);
      if (pts != want || (GST_BUFFER_DURATION_IS_VALID (b)
              && GST_BUFFER_DURATION (b) != end - want)) {
        if (!l->first_bad)
          l->first_bad = g_strdup_printf ("%s: buffer after %" G_GUINT64_FORMAT
              " samples: PTS %" GST_TIME_FORMAT " duration %" GST_TIME_FORMAT
              ", expected %" GST_TIME_FORMAT " / %" GST_TIME_FORMAT, l->name,
              l->after, GST_TIME_ARGS (pts),
              GST_TIME_ARGS (GST_BUFFER_DURATION (b)), GST_TIME_ARGS (want),
              GST_TIME_ARGS (end - want));
        l->bad_ts++;
      }
      l->after += n;
    }
  } else if (info->type & (GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM |
          GST_PAD_PROBE_TYPE_EVENT_FLUSH)) {
    GstEvent *ev = GST_PAD_PROBE_INFO_EVENT (info);
    switch (GST_EVENT_TYPE (ev)) {
      case GST_EVENT_FLUSH_STOP:
        l->flushed = TRUE;
        l->segment_after = FALSE;
        l->after = 0;
        l->first_pts = GST_CLOCK_TIME_NONE;
        break;
      case GST_EVENT_SEGMENT:
        if (l->flushed) {
          const GstSegment *seg;
          gst_event_parse_segment (ev, &seg);
          gst_segment_copy_into (seg, &l->segment);
          l->segment_after = TRUE;
        }
        break;
      case GST_EVENT_EOS:
        l->eos = TRUE;
        break;
      default:
        break;
    }
  }
  g_mutex_unlock (&l->lock);
  return GST_PAD_PROBE_OK;
}

/* The seek trigger: nmfseparate's sink pad holds the buffer that reaches
 * seek_when until the seek's FLUSH_START comes by, so that the seek happens
 * while data flows, at a known place, even though sync=false runs the file
 * much faster than real time. */
static GMutex trig_lock;
static GCond trig_cond;
static gboolean triggered, flush_started;

static GstPadProbeReturn
trigger_probe (G_GNUC_UNUSED GstPad * pad, GstPadProbeInfo * info,
    G_GNUC_UNUSED gpointer user_data)
{
  GstPadProbeReturn ret = GST_PAD_PROBE_OK;

  g_mutex_lock (&trig_lock);
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER (info);
    if (!triggered && GST_BUFFER_PTS_IS_VALID (b)
        && GST_BUFFER_PTS (b) >= seek_when) {
      gint64 end = g_get_monotonic_time () + 20 * G_TIME_SPAN_SECOND;
      triggered = TRUE;
      g_cond_broadcast (&trig_cond);
      while (!flush_started)
        if (!g_cond_wait_until (&trig_cond, &trig_lock, end))
          break;
      /* the pad is flushing now: this buffer is dropped like the others
       * the flush discards */
      ret = GST_PAD_PROBE_DROP;
    }
  } else {
    GstEvent *ev = GST_PAD_PROBE_INFO_EVENT (info);
    if (GST_EVENT_TYPE (ev) == GST_EVENT_FLUSH_START) {
      flush_started = TRUE;
      g_cond_broadcast (&trig_cond);
    }
  }
  g_mutex_unlock (&trig_lock);
  return ret;
}

int
main (int argc, char **argv)
{
  GstElement *pipe, *sep, *sinks[2];
  GstPad *sinkpad, *pads[2];
  PadLog in, out[2];
  GstBus *bus;
  GError *err = NULL;
  gchar *desc;
  gboolean done = FALSE, seeked = FALSE;
  gint64 deadline;
  guint64 expected;
  gdouble seconds;
  gint rate;

  gst_init (&argc, &argv);
  if (argc < 4 || argc > 6) {
    g_printerr ("usage: %s MIX.wav SECONDS RATE [SEEK_WHEN [PROPERTIES]]\n",
        argv[0]);
    return 2;
  }
  seconds = g_ascii_strtod (argv[2], NULL);
  rate = atoi (argv[3]);
  if (argc > 4)
    seek_when = (GstClockTime) (g_ascii_strtod (argv[4], NULL) * GST_SECOND);
  expected = (guint64) (seconds * rate + 0.5) - 10 * (guint64) rate;
  /* a watchdog: a hang anywhere (even inside a GStreamer call) fails */
  alarm (TIMEOUT_S + 30);

  desc = g_strdup_printf ("filesrc location=\"%s\" ! wavparse ! audioconvert "
      "! nmfseparate name=s %s s.src_0 ! appsink name=a0 sync=false "
      "s.src_1 ! appsink name=a1 sync=false", argv[1], argc > 5 ? argv[5] : "");
  pipe = gst_parse_launch (desc, &err);
  g_free (desc);
  /* a missing element gives a partial pipeline and an error */
  if (!pipe || err || !GST_IS_PIPELINE (pipe)) {
    g_printerr ("FAIL: pipeline: %s\n", err ? err->message : "not a pipeline");
    return 1;
  }
  sep = gst_bin_get_by_name (GST_BIN (pipe), "s");
  sinks[0] = gst_bin_get_by_name (GST_BIN (pipe), "a0");
  sinks[1] = gst_bin_get_by_name (GST_BIN (pipe), "a1");

  padlog_init (&in, "nmfseparate sink");
  padlog_init (&out[0], "a0");
  padlog_init (&out[1], "a1");
  sinkpad = gst_element_get_static_pad (sep, "sink");
  gst_pad_add_probe (sinkpad, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_EVENT_FLUSH, trigger_probe, NULL, NULL);
  /* added after the trigger: sees only the buffers the trigger lets by */
  gst_pad_add_probe (sinkpad, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM | GST_PAD_PROBE_TYPE_EVENT_FLUSH,
      log_probe, &in, NULL);
  for (guint i = 0; i < 2; i++) {
    pads[i] = gst_element_get_static_pad (sinks[i], "sink");
    gst_pad_add_probe (pads[i], GST_PAD_PROBE_TYPE_BUFFER |
        GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM | GST_PAD_PROBE_TYPE_EVENT_FLUSH,
        log_probe, &out[i], NULL);
    /* the probes keep the figures: the appsinks keep nothing, and post
     * EOS without waiting for the application to pull what they hold */
    g_object_set (sinks[i], "max-buffers", 1, "drop", TRUE, "wait-on-eos",
        FALSE, NULL);
  }

  bus = gst_element_get_bus (pipe);
  if (gst_element_set_state (pipe, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    g_printerr ("FAIL: could not set the pipeline to PLAYING\n");
    return 1;
  }
  deadline = g_get_monotonic_time () + TIMEOUT_S * G_TIME_SPAN_SECOND;
  while (!done) {
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, 20 * GST_MSECOND,
        GST_MESSAGE_ERROR | GST_MESSAGE_EOS | GST_MESSAGE_WARNING);
    if (msg) {
      switch (GST_MESSAGE_TYPE (msg)) {
        case GST_MESSAGE_ERROR:{
          gchar *dbg = NULL;
          gst_message_parse_error (msg, &err, &dbg);
          CHECK (FALSE, "error from %s: %s (%s)", GST_OBJECT_NAME
              (GST_MESSAGE_SRC (msg)), err->message, dbg ? dbg : "");
          g_clear_error (&err);
          g_free (dbg);
          done = TRUE;
          break;
        }
        case GST_MESSAGE_WARNING:{
          gchar *dbg = NULL;
          gst_message_parse_warning (msg, &err, &dbg);
          g_printerr ("warning from %s: %s\n",
              GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)), err->message);
          g_clear_error (&err);
          g_free (dbg);
          break;
        }
        case GST_MESSAGE_EOS:
          CHECK (seeked, "EOS before the seek");
          done = TRUE;
          break;
        default:
          break;
      }
      gst_message_unref (msg);
    }
    if (!seeked) {
      gboolean go;
      g_mutex_lock (&trig_lock);
      go = triggered;
      g_mutex_unlock (&trig_lock);
      if (go) {
        GstState state;
        /* the sinks prerolled before 2 s of input could go by */
        gst_element_get_state (pipe, &state, NULL, 5 * GST_SECOND);
        CHECK (state == GST_STATE_PLAYING, "state %s at the seek",
            gst_element_state_get_name (state));
        CHECK (gst_element_seek_simple (pipe, GST_FORMAT_TIME,
                GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_ACCURATE, SEEK_TARGET),
            "the seek was refused");
        seeked = TRUE;
      }
    }
    if (g_get_monotonic_time () > deadline) {
      CHECK (FALSE, "no EOS within %d s (seeked: %d)", TIMEOUT_S, seeked);
      done = TRUE;
    }
  }
  gst_element_set_state (pipe, GST_STATE_NULL);

  printf ("input: %" G_GUINT64_FORMAT " samples before the seek, %"
      G_GUINT64_FORMAT " after (expected %" G_GUINT64_FORMAT "), first PTS "
      "after %" GST_TIME_FORMAT "\n", in.before, in.after, expected,
      GST_TIME_ARGS (in.first_pts));
  CHECK (in.flushed, "nmfseparate's sink pad saw no flush");
  CHECK (in.after == expected, "nmfseparate received %" G_GUINT64_FORMAT
      " samples after the seek, the file has %" G_GUINT64_FORMAT " after 10 s",
      in.after, expected);
  for (guint i = 0; i < 2; i++) {
    PadLog *l = &out[i];
    GstClockTime one = gst_util_uint64_scale_int_ceil (1, GST_SECOND,
        MAX (l->rate, 1));
    printf ("%s: %" G_GUINT64_FORMAT " samples before the seek, %"
        G_GUINT64_FORMAT " after, first PTS after %" GST_TIME_FORMAT
        ", segment start %" GST_TIME_FORMAT ", %" G_GUINT64_FORMAT
        " discontinuous buffers, EOS %d\n", l->name, l->before, l->after,
        GST_TIME_ARGS (l->first_pts), GST_TIME_ARGS (l->segment.start),
        l->bad_ts, l->eos);
    CHECK (l->flushed, "%s: no FLUSH_STOP", l->name);
    CHECK (l->segment_after, "%s: no segment after the flush", l->name);
    CHECK (l->segment.format == GST_FORMAT_TIME
        && l->segment.start == SEEK_TARGET, "%s: segment after the seek "
        "starts at %" GST_TIME_FORMAT ", not 10 s", l->name,
        GST_TIME_ARGS (l->segment.start));
    CHECK (GST_CLOCK_TIME_IS_VALID (l->first_pts)
        && l->first_pts + one >= SEEK_TARGET
        && l->first_pts <= SEEK_TARGET + one, "%s: first PTS after the seek "
        "%" GST_TIME_FORMAT ", not within one sample of 10 s", l->name,
        GST_TIME_ARGS (l->first_pts));
    CHECK (l->first_pts == in.first_pts, "%s: first PTS after the seek %"
        GST_TIME_FORMAT " != the input's %" GST_TIME_FORMAT, l->name,
        GST_TIME_ARGS (l->first_pts), GST_TIME_ARGS (in.first_pts));
    CHECK (l->bad_ts == 0, "%s: %" G_GUINT64_FORMAT " buffers not contiguous "
        "after the seek; first: %s", l->name, l->bad_ts, l->first_bad);
    CHECK (l->after == in.after, "%s: %" G_GUINT64_FORMAT " samples after the "
        "seek for %" G_GUINT64_FORMAT " in", l->name, l->after, in.after);
    CHECK (l->eos, "%s: no EOS", l->name);
    g_free (l->first_bad);
    gst_object_unref (pads[i]);
    gst_object_unref (sinks[i]);
  }
  CHECK (in.before > 0 && in.before < expected, "the seek did not happen "
      "while data flowed (%" G_GUINT64_FORMAT " samples before it)",
      in.before);
  gst_object_unref (sinkpad);
  gst_object_unref (sep);
  gst_object_unref (bus);
  gst_object_unref (pipe);
  if (failures)
    g_printerr ("%d check(s) failed\n", failures);
  else
    printf ("seek with flush: all checks passed\n");
  return failures ? 1 : 0;
}
