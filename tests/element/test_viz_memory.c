/* The viz pad's pictures come from recycled buffers: a picture is a whole
 * frame of video (0.9 MB at the pad's default 640x360 RGBA), and one
 * allocated afresh for each picture had its pages faulted in and zeroed
 * by the kernel every time (a 60 s file: the process's system time 0.05 s
 * without the pad, 0.35 s with it, in 47 000 more page faults).  Counted
 * by wrapping malloc while a stream flows and its pictures are taken and
 * dropped as they come, as a sink does. */
#include <stdio.h>
#include <unistd.h>

#include <gst/gst.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>

#include "harness.h"
#include "malloc_count.h"

#define WIDTH 640
#define HEIGHT 360
#define FPS 30

/* every buffer the harnesses hold, dropped; the pictures counted */
static guint
drop_outputs (NmfFix * f)
{
  GstBuffer *b;
  guint pictures = 0;

  nmf_test_collect (f->h[0], NULL);
  nmf_test_collect (f->h[1], NULL);
  while ((b = gst_harness_try_pull (f->h[2]))) {
    fail_unless_equals_int (gst_buffer_get_size (b), WIDTH * HEIGHT * 4);
    gst_buffer_unref (b);
    pictures++;
  }
  return pictures;
}

GST_START_TEST (test_viz_pictures_recycled)
{
  static const gchar *const pads[] = { "src_0", "src_1", "viz" };
  const gsize picture = (gsize) WIDTH * HEIGHT * 4;
  const guint seconds = 4, counted_from = 2;
  float *x = nmf_test_two_tones ((gsize) seconds * RATE, 1, RATE);
  NmfFix f;
  guint pictures = 0;
  size_t bytes = 0;
  long calls = 0;

  nmf_fix_attach_pads (&f, nmf_test_element ("nmfseparate", NULL),
      (const gchar * const *) pads, 3);
  nmf_fix_set_caps (&f, &nmf_mono, NULL);
  for (guint s = 0; s < seconds; s++) {
    /* the first seconds fill the pool (and the separator's warm-up) */
    if (s == counted_from)
      malloc_count_start ();
    for (guint64 at = (guint64) s * RATE; at < (guint64) (s + 1) * RATE;
        at += 1024) {
      NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, 0, 0);
      gsize n = MIN (1024, (guint64) (s + 1) * RATE - at);
      nmf_fix_push (&f, &nmf_mono, x, at, n, &z, FALSE, NULL);
      /* what this push made has gone out (the DRAIN query): the pictures
       * a sink holds, not how far the pads' threads lag, set how many are
       * out at once (a lag on a loaded machine took more buffers from the
       * pool in the counted seconds than in the first) */
      nmf_fix_drain (&f);
      if (s >= counted_from)
        pictures += drop_outputs (&f);
      else
        drop_outputs (&f);
    }
  }
  malloc_count_stop (&calls, &bytes);
  nmf_fix_finish (&f, NULL);

  GST_INFO ("%u pictures of %" G_GSIZE_FORMAT " bytes: %ld allocations, "
      "%" G_GSIZE_FORMAT " bytes", pictures, picture, calls, (gsize) bytes);
  /* the pictures of those seconds came out (a few may still be queued) */
  fail_unless (pictures >= (seconds - counted_from) * FPS - 5,
      "%u pictures in %u s at %d fps", pictures, seconds - counted_from, FPS);
  /* each allocated afresh would be `pictures` whole pictures; the audio
   * buffers and events of those seconds are about one */
  fail_unless (bytes < 4 * picture, "%" G_GSIZE_FORMAT " bytes allocated "
      "while %u pictures of %" G_GSIZE_FORMAT " came out: not recycled",
      (gsize) bytes, pictures, picture);
  nmf_fix_teardown (&f);
  g_free (x);
}

GST_END_TEST;

/* A viz sink that takes no picture (blocked: a sink waiting, a stalled
 * encoder) while the audio goes on.  The pictures waiting for it were
 * bounded in pictures only, half a second of them and the STFT's delay:
 * 70 at 120 fps, 2.3 GB at 4096x2048 (9 GB at 8192x4096), and then the
 * audio waited as well.  What waits is bounded in bytes too (256 MiB,
 * docs/element.md), the oldest picture dropped beyond: the process grows
 * by that and the few pictures outside the queue (the one the sink holds,
 * the one drawn, the renderer's ring), and every sample of the audio
 * comes out while the sink still takes nothing. */
#define BIG_WIDTH 4096
#define BIG_HEIGHT 2048
#define BIG_FPS 120
#define VIZ_QUEUE_BYTES ((gsize) 256 << 20)

typedef struct
{
  GMutex lock;
  GCond cond;
  gboolean blocked;             /* the viz sink takes nothing */
  gboolean done;                /* the audio is all in: the watch ends */
  gsize base, peak;             /* resident bytes: before, at most since */
  gsize bound;                  /* beyond base + bound the sink is let go */
  guint pictures;               /* taken once let go */
  GstClockTime last_pts;
} VizBlock;

static gsize
resident_bytes (void)
{
  unsigned long size = 0, resident = 0;
  FILE *statm = fopen ("/proc/self/statm", "r");

  fail_unless (statm != NULL);
  fail_unless_equals_int (fscanf (statm, "%lu %lu", &size, &resident), 2);
  fclose (statm);
  return (gsize) resident * (gsize) sysconf (_SC_PAGESIZE);
}

/* The viz sink: waits while blocked, then counts each picture and drops
 * it (a harness would keep every one). */
static GstPadProbeReturn
viz_sink (G_GNUC_UNUSED GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  VizBlock *b = data;
  GstClockTime pts = GST_BUFFER_PTS (GST_PAD_PROBE_INFO_BUFFER (info));

  g_mutex_lock (&b->lock);
  while (b->blocked)
    g_cond_wait (&b->cond, &b->lock);
  b->pictures++;
  /* (a picture dropped leaves a gap, never a step back) */
  if (GST_CLOCK_TIME_IS_VALID (b->last_pts) && pts <= b->last_pts)
    b->pictures = G_MAXUINT / 2;
  b->last_pts = pts;
  g_mutex_unlock (&b->lock);
  return GST_PAD_PROBE_DROP;
}

/* Samples the process's size while the audio goes in; lets the sink go
 * when it passes the bound (the pushes waited for the sink before: they
 * would never end) or after a minute. */
static gpointer
watch_resident (gpointer data)
{
  VizBlock *b = data;
  const gint64 deadline = g_get_monotonic_time () + 60 * G_TIME_SPAN_SECOND;

  g_mutex_lock (&b->lock);
  while (!b->done) {
    gsize now = resident_bytes ();
    b->peak = MAX (b->peak, now);
    if (now > b->base + b->bound || g_get_monotonic_time () > deadline) {
      b->blocked = FALSE;
      g_cond_broadcast (&b->cond);
    }
    g_cond_wait_until (&b->cond, &b->lock,
        g_get_monotonic_time () + 5 * G_TIME_SPAN_MILLISECOND);
  }
  g_mutex_unlock (&b->lock);
  return NULL;
}

GST_START_TEST (test_viz_blocked_sink_bounded)
{
  static const gchar *const pads[] = { "src_0", "src_1", "viz" };
  const gsize picture = (gsize) BIG_WIDTH * BIG_HEIGHT * 4;
  const gsize frames = 3 * RATE / 2;
  float *x = nmf_test_two_tones (frames, 1, RATE);
  VizBlock b = {.blocked = TRUE,.last_pts = GST_CLOCK_TIME_NONE };
  NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, 1024, 0);
  Collector c[2];
  GThread *watch;
  GstPad *viz;
  gboolean blocked;
  gchar *caps;
  NmfFix f;

  g_mutex_init (&b.lock);
  g_cond_init (&b.cond);
  nmf_fix_attach_pads (&f, nmf_test_element ("nmfseparate", NULL),
      (const gchar * const *) pads, 3);
  caps = g_strdup_printf ("video/x-raw, format=RGBA, width=%d, height=%d, "
      "framerate=%d/1", BIG_WIDTH, BIG_HEIGHT, BIG_FPS);
  gst_harness_set_sink_caps_str (f.h[2], caps);
  g_free (caps);
  viz = gst_element_get_static_pad (f.el, "viz");
  gst_pad_add_probe (viz, GST_PAD_PROBE_TYPE_BUFFER, viz_sink, &b, NULL);
  collectors_init (c, 2, &nmf_mono, FALSE);
  nmf_fix_set_caps (&f, &nmf_mono, NULL);

  /* the queue's bytes, and the sink's picture, the one drawn, the ring */
  b.bound = VIZ_QUEUE_BYTES + 4 * picture;
  b.base = b.peak = resident_bytes ();
  watch = g_thread_new ("watch", watch_resident, &b);
  for (gsize at = 0; at < frames; at += 1024) {
    const gsize n = MIN (1024, frames - at);
    nmf_fix_push (&f, &nmf_mono, x, at, n, &z, FALSE, NULL);
    nmf_test_collect (f.h[0], &c[0]);
    nmf_test_collect (f.h[1], &c[1]);
  }
  g_mutex_lock (&b.lock);
  blocked = b.blocked;
  b.done = TRUE;
  b.blocked = FALSE;
  g_cond_broadcast (&b.cond);
  g_mutex_unlock (&b.lock);
  g_thread_join (watch);

  nmf_fix_finish (&f, NULL);
  nmf_test_collect (f.h[0], &c[0]);
  nmf_test_collect (f.h[1], &c[1]);
  GST_INFO ("resident %" G_GSIZE_FORMAT " MiB at most, %" G_GSIZE_FORMAT
      " MiB before; %u pictures taken after", b.peak >> 20, b.base >> 20,
      b.pictures);
  fail_unless (blocked, "the audio went in only once the viz sink was let "
      "go (the process had grown by %" G_GSIZE_FORMAT " MiB: pictures of %"
      G_GSIZE_FORMAT " MiB)", (b.peak - b.base) >> 20, picture >> 20);
  fail_unless (b.peak - b.base <= b.bound, "the process grew by %"
      G_GSIZE_FORMAT " MiB with the viz sink blocked (bound %" G_GSIZE_FORMAT
      " MiB)", (b.peak - b.base) >> 20, b.bound >> 20);
  /* no audio lost for the pictures' sake */
  fail_unless_equals_uint64 (c[0].n, frames);
  fail_unless_equals_uint64 (c[1].n, frames);
  /* the sink, let go, got the newest pictures, in order */
  fail_unless (b.pictures >= 2 && b.pictures < G_MAXUINT / 2,
      "%u pictures after the sink was let go", b.pictures);

  collectors_clear (c, 2);
  gst_object_unref (viz);
  nmf_fix_teardown (&f);
  g_mutex_clear (&b.lock);
  g_cond_clear (&b.cond);
  g_free (x);
}

GST_END_TEST;

static Suite *
nmfseparate_viz_memory_suite (void)
{
  static const NmfTest tests[] = {
    NMF_TEST ("viz_memory", test_viz_pictures_recycled),
    NMF_TEST ("viz_memory", test_viz_blocked_sink_bounded),
  };

  return nmf_test_suite ("nmfseparate-viz-memory", tests,
      G_N_ELEMENTS (tests), 0);
}

/* as GST_CHECK_MAIN, after skipping where malloc is not ours to count */
int
main (int argc, char **argv)
{
  Suite *s;

  malloc_count_require ();
  gst_check_init (&argc, &argv);
  s = nmfseparate_viz_memory_suite ();
  return gst_check_run_suite (s, "nmfseparate_viz_memory", __FILE__);
}
