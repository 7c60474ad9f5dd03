/* Request pads while the pipeline is PAUSED, prerolled, the element's
 * output queues full and its streaming thread waiting for room, as an
 * application that adds a branch before pressing play does:
 *   - src_1 requested and linked while PAUSED: the request returns (it
 *     waited for the streaming thread, which waited for the sinks to play:
 *     a deadlock), and the new branch gets every sample from the time it
 *     joined to the end, contiguous;
 *   - paused again mid-stream, src_1's branch stopped and the pad released
 *     (the release waited the same way);
 *   - src_0 gets every sample of the input, and the stream ends (EOS);
 *   - meanwhile, requests of the viz pad (released again before they
 *     join) and sets of enrol-source return at once (the least of 5 each
 *     under 25 ms): the streaming thread, inside its buffer, takes them
 *     after it, and each waited 50 ms for its stream lock first.
 *   nmf-e2e-paused-pads    (GST_PLUGIN_PATH set to the plugin)
 * A step that does not return within 10 s ends the test (exit status 1);
 * exit status 0 when all holds. */
#include "e2e_pipeline.h"

#include <stdlib.h>

#define BUFFERS 300
#define SAMPLES 441
#define RATE 44100

typedef struct
{
  gint64 samples;
  GstClockTime first_pts;
  GstClockTime next_pts;        /* where the next buffer should start */
  gboolean gap;                 /* a buffer did not start there */
} Count;

static Count count0 = { 0, GST_CLOCK_TIME_NONE, GST_CLOCK_TIME_NONE, FALSE };
static Count count1 = { 0, GST_CLOCK_TIME_NONE, GST_CLOCK_TIME_NONE, FALSE };

static GstPadProbeReturn
count_samples (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Count *c = data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  gint64 n = gst_buffer_get_size (buf) / 4;

  (void) pad;
  if (!GST_CLOCK_TIME_IS_VALID (c->first_pts))
    c->first_pts = GST_BUFFER_PTS (buf);
  else if (GST_BUFFER_PTS (buf) != c->next_pts)
    c->gap = TRUE;
  c->samples += n;
  c->next_pts = GST_BUFFER_PTS (buf) + GST_BUFFER_DURATION (buf);
  return GST_PAD_PROBE_OK;
}

/* A step that hangs would hang the test runner until its timeout: this
 * watchdog names the step and ends the process instead. */
static GMutex watch_lock;
static GCond watch_cond;
static const gchar *watched;
static gint64 watch_deadline;

static gpointer
watchdog (gpointer data)
{
  (void) data;
  g_mutex_lock (&watch_lock);
  for (;;) {
    if (watched && g_get_monotonic_time () >= watch_deadline) {
      g_printerr ("FAIL: %s did not return within 10 s (deadlock)\n", watched);
      _Exit (1);
    }
    g_cond_wait_until (&watch_cond, &watch_lock,
        g_get_monotonic_time () + 100 * G_TIME_SPAN_MILLISECOND);
  }
  return NULL;
}

static void
watch (const gchar * step)
{
  g_mutex_lock (&watch_lock);
  watched = step;
  watch_deadline = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;
  g_mutex_unlock (&watch_lock);
}

/* The least time, in ms, that 5 requests of the viz pad (each released
 * again) and 5 sets of enrol-source take, in *request_ms and *set_ms. */
static void
time_requests_and_sets (GstElement * s, gdouble * request_ms,
    gdouble * set_ms)
{
  *request_ms = *set_ms = G_MAXDOUBLE;
  for (gint i = 0; i < 5; i++) {
    gint64 t0 = g_get_monotonic_time ();
    GstPad *viz = gst_element_request_pad_simple (s, "viz");
    gint64 t1 = g_get_monotonic_time ();
    if (viz) {
      gst_element_release_request_pad (s, viz);
      gst_object_unref (viz);
    }
    *request_ms = MIN (*request_ms, viz ? (t1 - t0) / 1000.0 : G_MAXDOUBLE);
    t0 = g_get_monotonic_time ();
    g_object_set (s, "enrol-source", i % 2 ? -1 : 0, NULL);
    *set_ms = MIN (*set_ms, (g_get_monotonic_time () - t0) / 1000.0);
  }
  g_object_set (s, "enrol-source", -1, NULL);
}

static void
paused_and_full (GstElement * pipe)
{
  watch ("going to PAUSED");
  gst_element_set_state (pipe, GST_STATE_PAUSED);
  gst_element_get_state (pipe, NULL, NULL, GST_CLOCK_TIME_NONE);
  /* the streaming thread fills the queues, then waits for room */
  g_usleep (500 * 1000);
}

int
main (int argc, char **argv)
{
  GstElement *pipe, *s, *k0, *k1;
  GstPad *src1, *sink0, *sink1;
  GstMessage *msg;
  gint64 joined_at, released_at;
  gdouble request_ms, set_ms;
  int ok = 1;

  gst_init (&argc, &argv);
  g_thread_new ("watchdog", watchdog, NULL);

  pipe = e2e_launch ("audiotestsrc num-buffers=%d samplesperbuffer=%d "
      "wave=pink-noise ! audio/x-raw,format=F32LE,rate=%d,channels=1 ! "
      "nmfseparate name=s profile=live n-sources=2 s.src_0 ! fakesink "
      "name=k0 sync=true", BUFFERS, SAMPLES, RATE);
  s = gst_bin_get_by_name (GST_BIN (pipe), "s");
  k0 = gst_bin_get_by_name (GST_BIN (pipe), "k0");
  sink0 = gst_element_get_static_pad (k0, "sink");
  gst_pad_add_probe (sink0, GST_PAD_PROBE_TYPE_BUFFER, count_samples,
      &count0, NULL);

  paused_and_full (pipe);
  watch ("requesting viz and setting enrol-source while PAUSED");
  time_requests_and_sets (s, &request_ms, &set_ms);
  g_print ("while PAUSED, the queues full: a request of viz takes %.1f ms, "
      "a set of enrol-source %.1f ms (the least of 5)\n", request_ms,
      set_ms);
  if (request_ms >= 25.0 || set_ms >= 25.0)
    ok = 0;
  watch ("requesting src_1 while PAUSED");
  src1 = gst_element_request_pad_simple (s, "src_1");
  if (!src1) {
    g_printerr ("FAIL: no src_1\n");
    return 1;
  }
  k1 = gst_element_factory_make ("fakesink", "k1");
  /* as for a branch added to a tee while PAUSED: the new sink cannot
   * preroll before the stream flows again, and the pipeline would wait for
   * it before playing */
  g_object_set (k1, "sync", TRUE, "async", FALSE, NULL);
  gst_bin_add (GST_BIN (pipe), k1);
  sink1 = gst_element_get_static_pad (k1, "sink");
  gst_pad_add_probe (sink1, GST_PAD_PROBE_TYPE_BUFFER, count_samples,
      &count1, NULL);
  if (gst_pad_link (src1, sink1) != GST_PAD_LINK_OK) {
    g_printerr ("FAIL: src_1 does not link\n");
    return 1;
  }
  gst_element_sync_state_with_parent (k1);
  g_print ("src_1 requested and linked while PAUSED\n");

  watch ("playing");
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  g_usleep (1000 * 1000);
  g_print ("after a second of playing: src_0 %" G_GINT64_FORMAT
      " samples, src_1 %" G_GINT64_FORMAT "\n", count0.samples,
      count1.samples);
  paused_and_full (pipe);

  watch ("releasing src_1 while PAUSED");
  /* the branch taken down first: its sink holds src_1's task waiting for
   * PLAYING, and the pad's task must stop before the pad goes */
  gst_pad_unlink (src1, sink1);
  gst_element_set_locked_state (k1, TRUE);
  gst_element_set_state (k1, GST_STATE_NULL);
  gst_element_release_request_pad (s, src1);
  gst_bin_remove (GST_BIN (pipe), k1);
  g_print ("src_1 released while PAUSED\n");

  watch ("playing to the end");
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipe), 20 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  watch (NULL);

  joined_at = GST_CLOCK_TIME_IS_VALID (count1.first_pts) ?
      (gint64) gst_util_uint64_scale_round (count1.first_pts, RATE,
      GST_SECOND) : -1;
  released_at = joined_at + count1.samples;
  g_print ("%s; src_0: %" G_GINT64_FORMAT " of %d samples%s; src_1: %"
      G_GINT64_FORMAT " samples, from sample %" G_GINT64_FORMAT " to %"
      G_GINT64_FORMAT "%s\n",
      !msg ? "no EOS within 20 s" : GST_MESSAGE_TYPE (msg) ==
      GST_MESSAGE_EOS ? "EOS" : "an error", count0.samples,
      BUFFERS * SAMPLES, count0.gap ? " (not contiguous)" : "",
      count1.samples, joined_at, released_at,
      count1.gap ? " (not contiguous)" : "");
  if (!msg || GST_MESSAGE_TYPE (msg) != GST_MESSAGE_EOS)
    ok = 0;
  if (count0.samples != (gint64) BUFFERS * SAMPLES || count0.gap
      || count0.first_pts != 0)
    ok = 0;
  /* src_1 joined while the stream was held in PAUSED (within its first
   * second: the queues hold 0.64 s) and played until it was released */
  if (count1.gap || count1.samples < SAMPLES || joined_at < 0
      || joined_at > RATE)
    ok = 0;
  if (msg)
    gst_message_unref (msg);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (src1);
  gst_object_unref (sink1);
  gst_object_unref (sink0);
  gst_object_unref (k0);
  gst_object_unref (s);
  gst_object_unref (pipe);
  g_print ("%s\n", ok ? "PASS" : "FAIL");
  return ok ? 0 : 1;
}
