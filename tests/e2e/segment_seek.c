/* End to end: a segment seek (GST_SEEK_FLAG_SEGMENT) in a file pipeline.
 *
 *   nmf-e2e-segment-seek MIX.wav START STOP [PROPERTIES]
 *
 * Runs
 *   filesrc location=MIX ! wavparse ! audioconvert ! nmfseparate name=s
 *     PROPERTIES s.src_0 ! appsink name=a0 sync=false
 *     s.src_1 ! appsink name=a1 sync=false
 * to PAUSED, seeks it with FLUSH | SEGMENT | ACCURATE to [START, STOP)
 * seconds, sets it PLAYING and waits for the SEGMENT_DONE event on both
 * source pads.  Checks, after the flush:
 *   - each source pad delivers exactly the segment's samples,
 *     (STOP - START) * rate (audio; masks: buffers whose durations add up
 *     to that), before its SEGMENT_DONE event (the element
 *     drains what it holds - STFT tail, look-ahead - at the segment's end,
 *     as at EOS);
 *   - the first buffer starts at START and every buffer continues the
 *     previous one sample-exactly;
 *   - SEGMENT_DONE on the bus, no error, within a bounded time (60 s).
 * Exit status 0 on success, 1 with a message on failure. */
#include <gst/gst.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TIMEOUT_S 60

static gint failures = 0;

#define CHECK(cond, ...) \
  do { if (!(cond)) { failures++; g_printerr ("FAIL: " __VA_ARGS__); \
      g_printerr ("\n"); } } while (0)

typedef struct
{
  const gchar *name;
  GMutex lock;
  gint rate, bpf;                /* bpf 0: masks, counted by duration */
  gboolean have_caps;
  gboolean flushed;
  guint64 samples;              /* after the flush, before SEGMENT_DONE */
  guint64 late;                 /* after SEGMENT_DONE */
  GstClockTime first_pts;
  guint64 bad_ts;
  gboolean segment_done;
} PadLog;

static GstPadProbeReturn
log_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  PadLog *l = user_data;

  g_mutex_lock (&l->lock);
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER (info);
    if (!l->have_caps) {
      GstCaps *caps = gst_pad_get_current_caps (pad);
      GstStructure *st = gst_caps_get_structure (caps, 0);
      gint ch = 1;
      gst_structure_get_int (st, "rate", &l->rate);
      gst_structure_get_int (st, "channels", &ch);
      l->bpf = gst_structure_has_name (st, "audio/x-raw") ? 4 * ch : 0;
      l->have_caps = TRUE;
      gst_caps_unref (caps);
    }
    if (l->flushed) {
      /* audio: samples; masks: the input samples their hops cover */
      guint64 n = l->bpf ? gst_buffer_get_size (b) / l->bpf :
          gst_util_uint64_scale_round (GST_BUFFER_DURATION (b), l->rate,
          GST_SECOND);
      if (l->segment_done) {
        l->late += n;
      } else {
        GstClockTime pts = GST_BUFFER_PTS (b);
        if (!GST_CLOCK_TIME_IS_VALID (l->first_pts))
          l->first_pts = pts;
        if (pts != l->first_pts + gst_util_uint64_scale_int (l->samples,
                GST_SECOND, l->rate))
          l->bad_ts++;
        l->samples += n;
      }
    }
  } else {
    GstEvent *ev = GST_PAD_PROBE_INFO_EVENT (info);
    if (GST_EVENT_TYPE (ev) == GST_EVENT_FLUSH_STOP) {
      l->flushed = TRUE;
      l->samples = l->late = l->bad_ts = 0;
      l->segment_done = FALSE;
      l->first_pts = GST_CLOCK_TIME_NONE;
    } else if (GST_EVENT_TYPE (ev) == GST_EVENT_SEGMENT_DONE && l->flushed) {
      l->segment_done = TRUE;
    }
  }
  g_mutex_unlock (&l->lock);
  return GST_PAD_PROBE_OK;
}

static gboolean
all_done (PadLog * logs, guint n)
{
  gboolean done = TRUE;
  for (guint i = 0; i < n; i++) {
    g_mutex_lock (&logs[i].lock);
    done &= logs[i].segment_done;
    g_mutex_unlock (&logs[i].lock);
  }
  return done;
}

int
main (int argc, char **argv)
{
  GstElement *pipe, *sinks[2];
  GstPad *pads[2];
  PadLog out[2];
  GstBus *bus;
  GError *err = NULL;
  gchar *desc;
  gboolean bus_done = FALSE, failed = FALSE;
  gint64 deadline;
  gdouble start, stop;

  gst_init (&argc, &argv);
  if (argc < 4 || argc > 5) {
    g_printerr ("usage: %s MIX.wav START STOP [PROPERTIES]\n", argv[0]);
    return 2;
  }
  start = g_ascii_strtod (argv[2], NULL);
  stop = g_ascii_strtod (argv[3], NULL);
  alarm (TIMEOUT_S + 30);

  desc = g_strdup_printf ("filesrc location=\"%s\" ! wavparse ! audioconvert "
      "! nmfseparate name=s %s s.src_0 ! appsink name=a0 sync=false "
      "s.src_1 ! appsink name=a1 sync=false", argv[1], argc > 4 ? argv[4] : "");
  pipe = gst_parse_launch (desc, &err);
  g_free (desc);
  if (!pipe || err || !GST_IS_PIPELINE (pipe)) {
    g_printerr ("FAIL: pipeline: %s\n", err ? err->message : "not a pipeline");
    return 1;
  }
  for (guint i = 0; i < 2; i++) {
    memset (&out[i], 0, sizeof (out[i]));
    g_mutex_init (&out[i].lock);
    out[i].name = i ? "a1" : "a0";
    out[i].first_pts = GST_CLOCK_TIME_NONE;
    sinks[i] = gst_bin_get_by_name (GST_BIN (pipe), out[i].name);
    pads[i] = gst_element_get_static_pad (sinks[i], "sink");
    gst_pad_add_probe (pads[i], GST_PAD_PROBE_TYPE_BUFFER |
        GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM | GST_PAD_PROBE_TYPE_EVENT_FLUSH,
        log_probe, &out[i], NULL);
    g_object_set (sinks[i], "max-buffers", 1, "drop", TRUE, "wait-on-eos",
        FALSE, NULL);
  }

  bus = gst_element_get_bus (pipe);
  if (gst_element_set_state (pipe, GST_STATE_PAUSED) ==
      GST_STATE_CHANGE_FAILURE
      || gst_element_get_state (pipe, NULL, NULL, 30 * GST_SECOND) !=
      GST_STATE_CHANGE_SUCCESS) {
    g_printerr ("FAIL: the pipeline did not preroll\n");
    return 1;
  }
  if (!gst_element_seek (pipe, 1.0, GST_FORMAT_TIME, GST_SEEK_FLAG_FLUSH |
          GST_SEEK_FLAG_SEGMENT | GST_SEEK_FLAG_ACCURATE, GST_SEEK_TYPE_SET,
          (GstClockTime) (start * GST_SECOND), GST_SEEK_TYPE_SET,
          (GstClockTime) (stop * GST_SECOND))) {
    g_printerr ("FAIL: the segment seek was refused\n");
    return 1;
  }
  gst_element_set_state (pipe, GST_STATE_PLAYING);

  deadline = g_get_monotonic_time () + TIMEOUT_S * G_TIME_SPAN_SECOND;
  while (!(bus_done && all_done (out, 2)) && !failed) {
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, 20 * GST_MSECOND,
        GST_MESSAGE_ERROR | GST_MESSAGE_SEGMENT_DONE | GST_MESSAGE_EOS);
    if (msg) {
      if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
        gchar *dbg = NULL;
        gst_message_parse_error (msg, &err, &dbg);
        CHECK (FALSE, "error from %s: %s (%s)", GST_OBJECT_NAME
            (GST_MESSAGE_SRC (msg)), err->message, dbg ? dbg : "");
        g_clear_error (&err);
        g_free (dbg);
        failed = TRUE;
      } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS) {
        CHECK (FALSE, "EOS instead of SEGMENT_DONE");
        failed = TRUE;
      } else {
        bus_done = TRUE;
      }
      gst_message_unref (msg);
    }
    if (g_get_monotonic_time () > deadline) {
      CHECK (FALSE, "no SEGMENT_DONE on both pads within %d s (bus: %d)",
          TIMEOUT_S, bus_done);
      failed = TRUE;
    }
  }
  /* anything pushed after SEGMENT_DONE would show up meanwhile */
  g_usleep (200 * 1000);
  gst_element_set_state (pipe, GST_STATE_NULL);

  for (guint i = 0; i < 2; i++) {
    PadLog *l = &out[i];
    guint64 want = (guint64) (stop * l->rate + 0.5) -
        (guint64) (start * l->rate + 0.5);
    GstClockTime one = gst_util_uint64_scale_int_ceil (1, GST_SECOND,
        MAX (l->rate, 1));
    GstClockTime t0 = (GstClockTime) (start * GST_SECOND);
    printf ("%s: %" G_GUINT64_FORMAT " samples in the segment (expected %"
        G_GUINT64_FORMAT "), %" G_GUINT64_FORMAT " after SEGMENT_DONE, first "
        "PTS %" GST_TIME_FORMAT "\n", l->name, l->samples, want, l->late,
        GST_TIME_ARGS (l->first_pts));
    CHECK (l->flushed, "%s: no FLUSH_STOP", l->name);
    CHECK (l->segment_done, "%s: no SEGMENT_DONE event", l->name);
    CHECK (l->samples == want, "%s: %" G_GUINT64_FORMAT " samples before "
        "SEGMENT_DONE, the segment has %" G_GUINT64_FORMAT, l->name,
        l->samples, want);
    CHECK (l->late == 0, "%s: %" G_GUINT64_FORMAT " samples after "
        "SEGMENT_DONE", l->name, l->late);
    CHECK (GST_CLOCK_TIME_IS_VALID (l->first_pts) && l->first_pts + one >= t0
        && l->first_pts <= t0 + one, "%s: first PTS %" GST_TIME_FORMAT
        ", not the segment's start", l->name, GST_TIME_ARGS (l->first_pts));
    CHECK (l->bad_ts == 0, "%s: %" G_GUINT64_FORMAT " buffers not contiguous",
        l->name, l->bad_ts);
    gst_object_unref (pads[i]);
    gst_object_unref (sinks[i]);
  }
  gst_object_unref (bus);
  gst_object_unref (pipe);
  if (failures)
    g_printerr ("%d check(s) failed\n", failures);
  else
    printf ("segment seek: all checks passed\n");
  return failures ? 1 : 0;
}
