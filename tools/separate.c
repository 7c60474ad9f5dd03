/* nmftool separate: decode any file GStreamer can read, separate it with
 * the nmfseparate element and write one WAV file per source.
 *
 * This file runs the command: the options (separate_options.c), the files
 * (separate_files.c) and the pipeline (separate_pipeline.c) are put
 * together here, the main loop watches the bus, the progress and the stop
 * signals, and the exit status and the last line are decided.
 *
 * The first Ctrl-C (or SIGTERM, SIGHUP) ends the stream at the pipeline's
 * entry so that nmfseparate drains and wavenc rewrites its header: the
 * partial files are valid and kept.  A second one stops at once and
 * removes the (then incomplete) files. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <gst/gst.h>
#include <gst/pbutils/pbutils.h>

#include "media_input.h"
#include "nmftool.h"
#include "progress.h"
#include "separate.h"
#include "separate_files.h"
#include "separate_options.h"
#include "separate_pipeline.h"
#include "signals.h"

#define PROGRESS_INTERVAL_MS 200

typedef struct
{
  SeparateOptions options;
  OutputFiles files;
  SeparatePipeline pipe;
  Progress progress;
  GMainLoop *loop;
  GstBus *bus;
  guint timer;
  StopSignals signals;          /* kept until the command returns: a
                                 * signal while the files are finalized
                                 * or removed is ignored, not fatal */
  gchar *missing_plugin;        /* description from a missing-plugin msg */
  int interrupts;
  int signal_exit;              /* 128 + the first signal that ended the
                                 * stream (SIGINT, SIGTERM, SIGHUP), or 0 */
  const char *signal_what;      /* "interrupted", "terminated (SIGTERM)"... */
  int exit_code;
  gboolean done;
  /* what the element's spatial stage did with several channels, from its
   * messages: its last decided state (NULL: none yet), and the sources'
   * positions while it demixed */
  gchar *spatial;
  double position[SEPARATE_MAX_SOURCES];
  guint n_position;
} Separate;

/* What the thread that starts the pipeline posts when it could not */
#define START_FAILED "nmftool-start-failed"
/* What it posts when the input is open: the main loop opens the outputs */
#define INPUT_OPEN "nmftool-input-open"

static void open_outputs (Separate * st);

/* An nmfseparate message: its `spatial` state, kept unless it only says
 * the stage is listening (so it is at a stream's end, after its
 * decision), and `position` with it. */
static void
note_spatial (Separate * st, const GstStructure * s)
{
  const gchar *state = gst_structure_get_string (s, "spatial");
  const GValue *position = gst_structure_get_value (s, "position");

  if (state == NULL || (st->spatial && strcmp (state, "listening") == 0))
    return;
  g_free (st->spatial);
  st->spatial = g_strdup (state);
  st->n_position = 0;
  if (position && GST_VALUE_HOLDS_ARRAY (position))
    for (guint i = 0; i < gst_value_array_get_size (position)
        && i < G_N_ELEMENTS (st->position); i++) {
      const GValue *v = gst_value_array_get_value (position, i);
      if (G_VALUE_HOLDS_DOUBLE (v))
        st->position[st->n_position++] = g_value_get_double (v);
    }
}

/* The summary's second line with several channels: what the spatial stage
 * did (split-stereo.sh says the same). */
static void
print_spatial (const Separate * st)
{
  GString *pans;

  if (st->spatial == NULL || strcmp (st->spatial, "unused") == 0)
    return;
  if (strcmp (st->spatial, "active") == 0) {
    pans = g_string_new (NULL);
    for (guint i = 0; i < st->n_position; i++)
      g_string_append_printf (pans, "%s%+.2f", i ? ", " : "",
          st->position[i]);
    fprintf (stderr, "%s %s: demixed by where the sources sit in the "
        "channels; positions (-1 first channel, +1 last) %s\n", prog,
        SEPARATE_CMD, pans->str);
    g_string_free (pans, TRUE);
    return;
  }
  fprintf (stderr, "%s %s: no spatial demixing (%s): separated by timbre, "
      "the channels summed\n", prog, SEPARATE_CMD,
      strcmp (st->spatial, "room") == 0 ? "the channels differ by delays "
      "or reverberation, as in a room" : strcmp (st->spatial, "not-diverse")
      == 0 ? "the channels carry fewer directions than sources" :
      "the input was too short to decide");
}

static void
print_error (Separate * st, GstMessage * msg)
{
  const char *input = st->options.input;
  GError *err = NULL;
  gchar *dbg = NULL;
  gboolean is_output = FALSE;

  /* an output's filesink failed (a full disk, a write error): the file it
   * writes is the one to name, not the input */
  for (guint i = 0; i < st->pipe.n_outputs; i++)
    if (GST_MESSAGE_SRC (msg) == GST_OBJECT (st->pipe.sinks[i])
        && st->pipe.outputs[i].path != NULL) {
      input = st->pipe.outputs[i].path;
      is_output = TRUE;
    }
  gst_message_parse_error (msg, &err, &dbg);
  if (err->domain == NMFTOOL_ERROR)
    fprintf (stderr, "%s %s: error: %s: %s\n", prog, SEPARATE_CMD, input,
        err->message);
  else if (g_error_matches (err, GST_CORE_ERROR,
          GST_CORE_ERROR_MISSING_PLUGIN) && st->missing_plugin == NULL
      && !separate_pipeline_linked (&st->pipe))
    /* decodebin, restricted to raw audio, found no stream that can
     * become audio: a video-only file, say */
    fprintf (stderr, "%s %s: error: %s: no audio stream that GStreamer "
        "can decode\n", prog, SEPARATE_CMD, input);
  else if (st->missing_plugin)
    fprintf (stderr, "%s %s: error: %s: %s (no GStreamer plugin for %s "
        "is installed)\n", prog, SEPARATE_CMD, input, err->message,
        st->missing_plugin);
  else {
    /* GStreamer's words for a failed write ("Could not write to
     * resource.") leave the reason at the end of the debug text
     * ("... descriptor 7: File too large"): give it */
    const char *why = is_output && dbg ? g_strrstr (dbg, ": ") : NULL;
    gchar *reason = why && !strchr (why, '/') && !strchr (why, '\n')
        ? g_strdup_printf ("%s; ", why + 2) : g_strdup ("");

    fprintf (stderr, "%s %s: error: %s: %s (%sfrom %s)\n", prog,
        SEPARATE_CMD, input, err->message, reason,
        GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)));
    g_free (reason);
  }
  g_clear_error (&err);
  g_free (dbg);
}

/* A warning an element posts (a setting it ignores: enrol-source with
 * volmin) is said, as gst-launch-1.0 says it; the run goes on. */
static void
print_warning (Separate * st, GstMessage * msg)
{
  GError *err = NULL;

  gst_message_parse_warning (msg, &err, NULL);
  progress_clear (&st->progress);
  warning (SEPARATE_CMD, "%s: %s (from %s)", st->options.input,
      err->message, GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)));
  g_clear_error (&err);
}

static gboolean
on_bus (GstBus * bus, GstMessage * msg, gpointer data)
{
  Separate *st = data;

  (void) bus;
  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_ERROR:
      progress_clear (&st->progress);
      print_error (st, msg);
      st->exit_code = EXIT_RUNTIME;
      st->done = TRUE;
      g_main_loop_quit (st->loop);
      break;
    case GST_MESSAGE_WARNING:
      print_warning (st, msg);
      break;
    case GST_MESSAGE_APPLICATION:
      if (!st->done && gst_message_has_name (msg, INPUT_OPEN))
        open_outputs (st);
      else if (!st->done && gst_message_has_name (msg, START_FAILED)) {
        progress_clear (&st->progress);
        runtime_error (SEPARATE_CMD, "%s: the pipeline could not start",
            st->options.input);
        st->exit_code = EXIT_RUNTIME;
        st->done = TRUE;
        g_main_loop_quit (st->loop);
      }
      break;
    case GST_MESSAGE_ELEMENT:
      if (gst_is_missing_plugin_message (msg) && st->missing_plugin == NULL)
        st->missing_plugin =
            gst_missing_plugin_message_get_description (msg);
      else if (GST_MESSAGE_SRC (msg) == GST_OBJECT (st->pipe.sep)
          && gst_message_has_name (msg, "nmfseparate"))
        note_spatial (st, gst_message_get_structure (msg));
      break;
    case GST_MESSAGE_EOS:
      st->done = TRUE;
      /* EOS we sent, or the input ended by itself before the probe saw
       * another buffer (then the files are complete: success) */
      st->exit_code = separate_pipeline_ended_early (&st->pipe)
          ? st->signal_exit : 0;
      g_main_loop_quit (st->loop);
      break;
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

/* Parsers of some formats (MP3) answer the duration query only after
 * some frames: asked until known. */
static void
learn_duration (Separate * st)
{
  gint64 d;

  if (!GST_CLOCK_TIME_IS_VALID (st->progress.duration)
      && gst_element_query_duration (st->pipe.pipeline, GST_FORMAT_TIME, &d)
      && d > 0)
    st->progress.duration = (GstClockTime) d;
}

static gboolean
on_timer (gpointer data)
{
  Separate *st = data;

  learn_duration (st);
  media_decoder_check_stall (&st->pipe.decoder);
  if (separate_pipeline_linked (&st->pipe) && !st->done && !st->interrupts)
    progress_update (&st->progress,
        separate_pipeline_position (&st->pipe), FALSE);
  return G_SOURCE_CONTINUE;
}

/* The first signal ends the stream there and the files are finalized; a
 * second one, or one before anything was decoded, aborts. */
static void
on_stop_signal (int signum, gpointer data)
{
  Separate *st = data;
  gchar *list;

  st->interrupts++;
  progress_clear (&st->progress);
  if (st->interrupts == 1 && separate_pipeline_linked (&st->pipe)) {
    st->signal_exit = 128 + signum;
    st->signal_what = stop_signal_what (signum);
    fprintf (stderr, "%s %s: %s: ending the stream here and "
        "finalizing the files (%s again to abort)\n", prog, SEPARATE_CMD,
        st->signal_what, stop_signal_again (signum));
    separate_pipeline_end_stream (&st->pipe);
    return;
  }
  /* Not through the NULL state: a source blocked in a read (a stalled
   * network stream, a pipe) could hold that up, and an abort must not
   * wait.  The files marked as opened are all those opened: they are
   * opened in this thread (open_outputs). */
  list = output_files_remove (&st->files);
  if (*list)
    fprintf (stderr, "%s %s: aborted: removed the incomplete files %s\n",
        prog, SEPARATE_CMD, list);
  else
    fprintf (stderr, "%s %s: aborted before any file was written\n", prog,
        SEPARATE_CMD);
  fflush (stderr);
  g_free (list);
  _exit (128 + signum);
}

/* Whatever can be refused is refused before a file is touched: the
 * element's settings, the input, outputs that would overwrite an input;
 * then OUTDIR is made and the pipeline built. */
static int
prepare (Separate * st)
{
  int ret = 0;
  gchar *uri, *local;
  GPtrArray *dictionaries;

  if ((ret = media_init_gstreamer (SEPARATE_CMD)))
    return ret;
  if ((st->pipe.sep = separate_element_new (&st->options, &ret)) == NULL)
    return ret;
  uri = media_input_uri (SEPARATE_CMD, st->options.input, &local, &ret);
  if (uri == NULL)
    return ret;
  output_files_init (&st->files, st->options.outdir, st->options.n_sources);
  dictionaries = separate_element_dictionary_files (st->pipe.sep);
  ret = output_files_check_aliases (&st->files, st->options.input, local,
      dictionaries);
  g_ptr_array_unref (dictionaries);
  if (ret == 0)
    ret = output_files_check_writable (&st->files);
  if (ret == 0)
    ret = output_files_make_dir (&st->files);
  if (ret == 0 && (ret = separate_pipeline_build (&st->pipe, uri,
              &st->options, &st->files)) != 0)
    output_files_remove_dirs (&st->files);
  g_free (local);
  g_free (uri);
  return ret;
}

/* To the main loop (on_bus), from the threads that start the pipeline */
static void
post_to_main_loop (GstElement * pipeline, const gchar * name)
{
  gst_element_post_message (pipeline,
      gst_message_new_application (GST_OBJECT (pipeline),
          gst_structure_new_empty (name)));
}

/* In a thread of GStreamer's, not the main loop's: a FIFO without a writer
 * holds the input's open() until one comes, when Ctrl-C must still stop
 * the run (the stop signals are handled in the main loop).  The outputs
 * are opened after it, so that such a wait has not touched them. */
static void
open_input (GstElement * pipeline, gpointer data)
{
  MediaDecoder *decoder = data;

  /* the reason is (almost always) an error message on the bus, ahead of
   * this one */
  post_to_main_loop (pipeline, media_decoder_open (decoder) ? INPUT_OPEN
      : START_FAILED);
}

/* In a thread of GStreamer's too: the input's source may block on the way
 * to PAUSED (a stalled network stream). */
static void
play (GstElement * pipeline, gpointer data)
{
  (void) data;
  if (gst_element_set_state (pipeline, GST_STATE_PLAYING)
      == GST_STATE_CHANGE_FAILURE)
    post_to_main_loop (pipeline, START_FAILED);
}

/* In the main loop, where the stop signals are handled: filesink creates
 * or truncates its file inside its NULL->READY, and each file is marked
 * as this run's the moment it is, with no abort in between.  The
 * pipeline's own NULL->READY finds the sinks there already. */
static void
open_outputs (Separate * st)
{
  if (!separate_pipeline_open_outputs (&st->pipe, &st->files))
    post_to_main_loop (st->pipe.pipeline, START_FAILED);
  else
    gst_element_call_async (st->pipe.pipeline, play, NULL, NULL);
}

/* Runs the built pipeline to its end: the exit status. */
static int
run (Separate * st)
{
  GstBus *bus = gst_element_get_bus (st->pipe.pipeline);

  st->bus = bus;
  st->loop = g_main_loop_new (NULL, FALSE);
  gst_bus_add_watch (bus, on_bus, st);
  stop_signals_watch (&st->signals, on_stop_signal, st);
  st->timer = g_timeout_add (PROGRESS_INTERVAL_MS, on_timer, st);
  progress_start (&st->progress);
  st->exit_code = EXIT_RUNTIME;
  gst_element_call_async (st->pipe.pipeline, open_input, &st->pipe.decoder,
      NULL);
  g_main_loop_run (st->loop);

  on_timer (st);                /* the duration, if it was not known yet */
  /* also the sinks opened while the pipeline was still in NULL (a bin
   * takes its children to NULL from NULL too) */
  gst_element_set_state (st->pipe.pipeline, GST_STATE_NULL);
  return st->exit_code;
}

/* The last word of a run: the summary of the files written, those kept
 * after a stop signal, or none left after a failure. */
static void
finish (Separate * st, int ret)
{
  char ps[32], ds[32], speed[16], resampled[96] = "";
  double written, elapsed;
  gint in_rate, out_rate;
  gchar *list;

  if (ret == 0 || (st->signal_exit && ret == st->signal_exit))
    separate_pipeline_warn_clipping (&st->pipe);
  if (ret == 0) {
    GstClockTime end = separate_pipeline_position (&st->pipe);
    /* the input was read to its end: it lasted as long as what was read
     * (an MP3 parser's duration is an estimate from the bitrate, and a
     * run shorter than the timer's period never asked) */
    if (GST_CLOCK_TIME_IS_VALID (end))
      st->progress.duration = end;
    progress_update (&st->progress, end, TRUE);
    if (st->options.quiet)
      return;
    written = separate_pipeline_written_seconds (&st->pipe);
    elapsed = progress_elapsed_seconds (&st->progress);
    list = output_files_list (&st->files);
    format_time (ps, sizeof ps, written);
    format_speed (speed, sizeof speed, elapsed > 0 ? written / elapsed : 0.0);
    separate_pipeline_rates (&st->pipe, &in_rate, &out_rate);
    /* the files' rate is not the input's: said, not left to be found */
    if (in_rate > 0 && out_rate > 0 && in_rate != out_rate)
      g_snprintf (resampled, sizeof resampled, ", resampled from %d Hz to "
          "%d Hz, the nearest rate nmfseparate takes", in_rate, out_rate);
    fprintf (stderr, "%s %s: wrote %s (%u source%s, %s each, %s WAV%s) in "
        "%.1f s, %sx real time\n", prog, SEPARATE_CMD, list,
        st->files.n, st->files.n > 1 ? "s" : "", ps,
        st->options.format_label, resampled, elapsed, speed);
    g_free (list);
    print_spatial (st);
  } else if (st->signal_exit && ret == st->signal_exit) {
    /* the stream was ended early and EOS went through: the files are
     * finalized */
    list = output_files_list (&st->files);
    progress_clear (&st->progress);
    format_time (ps, sizeof ps, separate_pipeline_written_seconds
        (&st->pipe));
    if (GST_CLOCK_TIME_IS_VALID (st->progress.duration))
      format_time (ds, sizeof ds,
          st->progress.duration / (double) GST_SECOND);
    else
      g_strlcpy (ds, "?", sizeof ds);
    fprintf (stderr, "%s %s: %s at %s of %s: finalized the partial files "
        "%s (valid WAV, %s each)\n", prog, SEPARATE_CMD, st->signal_what,
        ps, ds, list, ps);
    g_free (list);
  } else {
    progress_clear (&st->progress);
    g_free (output_files_remove (&st->files));
  }
}

int
nmftool_cmd_separate (int argc, char **argv)
{
  Separate st;
  int ret;

  memset (&st, 0, sizeof st);
  separate_pipeline_init (&st.pipe);
  if ((ret = separate_options_parse (&st.options, argc, argv))
      == NMFTOOL_RUN) {
    progress_init (&st.progress, SEPARATE_CMD, st.options.progress);
    if ((ret = prepare (&st)) == 0) {
      ret = run (&st);
      finish (&st, ret);
    }
  }
  if (st.timer)
    g_source_remove (st.timer);
  stop_signals_unwatch (&st.signals);
  if (st.bus) {
    gst_bus_remove_watch (st.bus);
    gst_object_unref (st.bus);
  }
  if (st.loop)
    g_main_loop_unref (st.loop);
  g_free (st.missing_plugin);
  g_free (st.spatial);
  separate_pipeline_clear (&st.pipe);
  output_files_clear (&st.files);
  separate_options_clear (&st.options);
  return ret;
}
