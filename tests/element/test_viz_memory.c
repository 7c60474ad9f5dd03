/* The viz pad's pictures come from recycled buffers: a picture is a whole
 * frame of video (0.9 MB at the pad's default 640x360 RGBA), and one
 * allocated afresh for each picture had its pages faulted in and zeroed
 * by the kernel every time (a 60 s file: the process's system time 0.05 s
 * without the pad, 0.35 s with it, in 47 000 more page faults).  Counted
 * by wrapping malloc while a stream flows and its pictures are taken and
 * dropped as they come, as a sink does. */
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

static Suite *
nmfseparate_viz_memory_suite (void)
{
  static const NmfTest tests[] = {
    NMF_TEST ("viz_memory", test_viz_pictures_recycled),
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
