/* End to end: reverse playback (a seek at rate -1) of a FLAC-in-Matroska
 * file through nmfextract, as a player drives it.
 *
 *   nmf-e2e-reverse-playback
 *
 * Encodes 6 s of audiotestsrc to a temporary .mka, then runs
 *   filesrc ! matroskademux ! flacparse ! flacdec ! audioconvert !
 *     nmfextract name=x source=1 separator::profile=P ! fakesink name=out
 * for P = file and live: PAUSED, a FLUSH | ACCURATE seek at rate -1 over
 * [0, 4 s), PLAYING, EOS.  At the sink, in the backward segment:
 *   - buffers come last first: each one ends where the one before it
 *     starts or earlier (1 ms of slack: Matroska's timestamps are in ms);
 *     the element pushed the pieces of one input buffer first first;
 *   - no GAP makes the sink wait past the next buffer's time: a backward
 *     segment syncs a GAP at its timestamp (plus duration) and a buffer at
 *     its end, and the element put one at each input buffer's start;
 *   - as many samples out as went into the element after the seek.
 * Exit status 0 on success, 1 with a message on failure. */
#include <gst/gst.h>
#include <glib/gstdio.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e2e_pipeline.h"

#define TIMEOUT_S 60
#define SLACK GST_MSECOND

static gint failures = 0;

#define CHECK(cond, ...) \
  do { if (!(cond)) { failures++; g_printerr ("FAIL: " __VA_ARGS__); \
      g_printerr ("\n"); } } while (0)

typedef struct
{
  GMutex lock;
  gboolean backwards;           /* the backward segment came */
  gint64 samples_in, samples_out;
  GstClockTime last_pts;        /* of the buffer before (NONE: none yet) */
  GstClockTime gap_at;          /* a GAP's sync position since it */
  guint out_of_order, gaps_late, buffers;
} Log;

static GstPadProbeReturn
out_probe (G_GNUC_UNUSED GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Log *l = data;

  g_mutex_lock (&l->lock);
  if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    GstEvent *ev = GST_PAD_PROBE_INFO_EVENT (info);
    if (GST_EVENT_TYPE (ev) == GST_EVENT_SEGMENT) {
      const GstSegment *seg;
      gst_event_parse_segment (ev, &seg);
      l->backwards = seg->rate < 0;
      l->last_pts = l->gap_at = GST_CLOCK_TIME_NONE;
    } else if (GST_EVENT_TYPE (ev) == GST_EVENT_GAP && l->backwards) {
      GstClockTime ts, duration;
      gst_event_parse_gap (ev, &ts, &duration);
      l->gap_at = ts + (GST_CLOCK_TIME_IS_VALID (duration) ? duration : 0);
    }
  } else if (l->backwards) {
    GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER (info);
    const gint64 n = gst_buffer_get_size (b) / sizeof (float);
    const GstClockTime pts = GST_BUFFER_PTS (b);
    const GstClockTime end = pts + gst_util_uint64_scale_int (n, GST_SECOND,
        44100);

    l->samples_out += n;
    l->buffers++;
    if (GST_CLOCK_TIME_IS_VALID (l->last_pts) && end > l->last_pts + SLACK) {
      if (l->out_of_order++ == 0)
        g_printerr ("buffer [%" GST_TIME_FORMAT ", %" GST_TIME_FORMAT
            ") after the one at %" GST_TIME_FORMAT "\n", GST_TIME_ARGS (pts),
            GST_TIME_ARGS (end), GST_TIME_ARGS (l->last_pts));
    }
    if (GST_CLOCK_TIME_IS_VALID (l->gap_at) && l->gap_at + SLACK < end) {
      if (l->gaps_late++ == 0)
        g_printerr ("a GAP at %" GST_TIME_FORMAT " before the buffer [%"
            GST_TIME_FORMAT ", %" GST_TIME_FORMAT ")\n",
            GST_TIME_ARGS (l->gap_at), GST_TIME_ARGS (pts),
            GST_TIME_ARGS (end));
    }
    l->last_pts = pts;
    l->gap_at = GST_CLOCK_TIME_NONE;
  }
  g_mutex_unlock (&l->lock);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
in_probe (G_GNUC_UNUSED GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Log *l = data;

  if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    /* counted from the seek's flush on */
    if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) ==
        GST_EVENT_FLUSH_STOP) {
      g_mutex_lock (&l->lock);
      l->samples_in = 0;
      g_mutex_unlock (&l->lock);
    }
  } else {
    g_mutex_lock (&l->lock);
    l->samples_in +=
        gst_buffer_get_size (GST_PAD_PROBE_INFO_BUFFER (info)) / sizeof (float);
    g_mutex_unlock (&l->lock);
  }
  return GST_PAD_PROBE_OK;
}

/* Runs pipe to EOS (or an error, or the timeout): TRUE on EOS. */
static gboolean
run_to_eos (GstElement * pipe)
{
  GstBus *bus = gst_element_get_bus (pipe);
  GstMessage *msg = gst_bus_timed_pop_filtered (bus, TIMEOUT_S * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  gboolean eos = msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS;

  if (!msg)
    g_printerr ("no EOS within %d s\n", TIMEOUT_S);
  else if (!eos) {
    GError *err;
    gchar *dbg;
    gst_message_parse_error (msg, &err, &dbg);
    g_printerr ("error from %s: %s (%s)\n", GST_MESSAGE_SRC_NAME (msg),
        err->message, dbg);
    g_error_free (err);
    g_free (dbg);
  }
  if (msg)
    gst_message_unref (msg);
  gst_object_unref (bus);
  return eos;
}

static void
play_backwards (const gchar * file, const gchar * profile)
{
  GstElement *pipe = e2e_launch ("filesrc location=%s ! matroskademux ! "
      "flacparse ! flacdec ! audioconvert ! nmfextract name=x source=1 "
      "separator::profile=%s ! fakesink name=out sync=false", file, profile);
  GstElement *x = gst_bin_get_by_name (GST_BIN (pipe), "x");
  GstElement *out = gst_bin_get_by_name (GST_BIN (pipe), "out");
  GstPad *xsink = gst_element_get_static_pad (x, "sink");
  GstPad *osink = gst_element_get_static_pad (out, "sink");
  Log l;

  memset (&l, 0, sizeof (l));
  g_mutex_init (&l.lock);
  l.last_pts = l.gap_at = GST_CLOCK_TIME_NONE;
  gst_pad_add_probe (xsink, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM | GST_PAD_PROBE_TYPE_EVENT_FLUSH,
      in_probe, &l, NULL);
  gst_pad_add_probe (osink, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, out_probe, &l, NULL);

  g_print ("== profile=%s\n", profile);
  CHECK (gst_element_set_state (pipe, GST_STATE_PAUSED) !=
      GST_STATE_CHANGE_FAILURE, "cannot pause");
  CHECK (gst_element_get_state (pipe, NULL, NULL, TIMEOUT_S * GST_SECOND) ==
      GST_STATE_CHANGE_SUCCESS, "no preroll");
  CHECK (gst_element_seek (pipe, -1.0, GST_FORMAT_TIME,
          GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_ACCURATE, GST_SEEK_TYPE_SET, 0,
          GST_SEEK_TYPE_SET, 4 * GST_SECOND), "the reverse seek failed");
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  CHECK (run_to_eos (pipe), "profile=%s: no EOS", profile);
  gst_element_set_state (pipe, GST_STATE_NULL);

  g_print ("%u buffers, %" G_GINT64_FORMAT " samples in, %" G_GINT64_FORMAT
      " out\n", l.buffers, l.samples_in, l.samples_out);
  CHECK (l.buffers > 0, "profile=%s: nothing played backwards", profile);
  CHECK (l.out_of_order == 0, "profile=%s: %u buffer(s) after one that "
      "starts before their end: the pieces of an input buffer must come "
      "last first", profile, l.out_of_order);
  CHECK (l.gaps_late == 0, "profile=%s: %u GAP(s) past the next buffer's "
      "time (a sink waits for them until it has played)", profile,
      l.gaps_late);
  CHECK (l.samples_in == l.samples_out, "profile=%s: %" G_GINT64_FORMAT
      " samples in, %" G_GINT64_FORMAT " out", profile, l.samples_in,
      l.samples_out);

  gst_object_unref (xsink);
  gst_object_unref (osink);
  gst_object_unref (x);
  gst_object_unref (out);
  gst_object_unref (pipe);
  g_mutex_clear (&l.lock);
}

int
main (int argc, char **argv)
{
  gchar *dir, *file;
  GstElement *enc;

  gst_init (&argc, &argv);
  dir = g_dir_make_tmp ("nmf-reverse-XXXXXX", NULL);
  file = g_build_filename (dir, "mix.mka", NULL);
  /* flacenc's blocks of 4608 samples: buffers the file profile does not
   * cut (its output pieces hold 8192), the live one does */
  enc = e2e_launch ("audiotestsrc wave=pink-noise num-buffers=258 "
      "samplesperbuffer=1024 ! audio/x-raw,rate=44100,channels=1 ! "
      "audioconvert ! flacenc ! matroskamux ! filesink location=%s", file);
  gst_element_set_state (enc, GST_STATE_PLAYING);
  if (!run_to_eos (enc))
    return 1;
  gst_element_set_state (enc, GST_STATE_NULL);
  gst_object_unref (enc);

  play_backwards (file, "file");
  play_backwards (file, "live");

  g_unlink (file);
  g_rmdir (dir);
  g_free (file);
  g_free (dir);
  if (failures) {
    g_printerr ("%d failure(s)\n", failures);
    return 1;
  }
  g_print ("OK\n");
  return 0;
}
