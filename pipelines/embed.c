/* Embedding nmfseparate in a C application (the C twin of embed.py).
 * What it does and how to run it: HELP below (nmf-embed --help).
 *
 * Build: part of the meson build (build/pipelines/nmf-embed), or alone:
 *   cc embed.c -o nmf-embed $(pkg-config --cflags --libs gstreamer-1.0)
 * Run uninstalled with GST_PLUGIN_PATH=<build>/plugin. */
#include <gst/gst.h>
#include <stdio.h>
#include <string.h>

#define USAGE "usage: nmf-embed [INPUT]\n"
#define HELP USAGE "\n\
Builds a pipeline with nmfseparate (from INPUT, any file or URI\n\
GStreamer decodes, or by default a live two-tone mixture of about 1.5 s\n\
made by two audiotestsrc and audiomixer), runs it, and reads its bus:\n\
errors, EOS, and the element messages named \"nmfseparate\" when the\n\
element posts them (post-messages=true, if this build has the property).\n\
When the first separated buffer has come out, it sets two properties\n\
that may change while PLAYING, mask-exponent=2 and iterations=30, once\n\
the pipeline is PLAYING, reads them back, and counts the buffers\n\
separated after the change.  A property set explicitly overrides the\n\
profile (docs/element.md, \"Profiles\"); the profile in force (live for\n\
the default live source, file for a file) has mask-exponent 1 and\n\
iterations 4, so the masks go from ratio to Wiener-like (mask-exponent\n\
1 -> 2) and each frame gets more updates (iterations 4 -> 30).  (Reading\n\
a property that was not set gives its unset default, 2 and 15, not the\n\
profile's value.)  Exit status 0 when the stream\n\
reached EOS, the values read back are the ones set and (default live\n\
source) buffers came out after the change; 1 otherwise; 2 for a bad\n\
command line (-h, --help: this help).\n"

#define NEW_MASK_EXPONENT 2
#define NEW_ITERATIONS 30

typedef struct
{
  GMainLoop *loop;
  GstElement *pipeline, *sep;
  gint first_buffer_posted;     /* atomic */
  gint changed;                 /* atomic: properties changed */
  gint buffers_after;           /* atomic: src_0 buffers after the change */
  int element_messages;
  gboolean playing, first_output, live, eos, error, readback_ok;
} App;

/* On src_0, streaming thread: tell the application the first separated
 * buffer is out (an application message on the bus), count the buffers
 * that come out after the property change. */
static GstPadProbeReturn
on_buffer (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  App *app = data;

  (void) pad;
  (void) info;
  if (g_atomic_int_get (&app->changed))
    g_atomic_int_inc (&app->buffers_after);
  else if (g_atomic_int_compare_and_exchange (&app->first_buffer_posted, 0,
          1))
    gst_element_post_message (app->sep,
        gst_message_new_application (GST_OBJECT (app->sep),
            gst_structure_new_empty ("first-output")));
  return GST_PAD_PROBE_OK;
}

/* Main thread, PLAYING: change the live properties and read them back. */
static void
change_live_properties (App * app)
{
  guint exponent = 0, iterations = 0;
  GstState state;

  gst_element_get_state (app->sep, &state, NULL, 0);
  g_object_set (app->sep, "mask-exponent", NEW_MASK_EXPONENT,
      "iterations", NEW_ITERATIONS, NULL);
  g_atomic_int_set (&app->changed, 1);
  g_object_get (app->sep, "mask-exponent", &exponent, "iterations",
      &iterations, NULL);
  app->readback_ok = exponent == NEW_MASK_EXPONENT
      && iterations == NEW_ITERATIONS;
  printf ("changed in state %s: mask-exponent=%u iterations=%u (read back: "
      "%s)\n", gst_element_state_get_name (state), exponent, iterations,
      app->readback_ok ? "ok" : "MISMATCH");
}

static gboolean
on_bus (GstBus * bus, GstMessage * msg, gpointer data)
{
  App *app = data;

  (void) bus;
  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_ERROR:{
      GError *err = NULL;
      gchar *dbg = NULL;
      gst_message_parse_error (msg, &err, &dbg);
      fprintf (stderr, "error from %s: %s\n",
          GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)), err->message);
      if (dbg)
        fprintf (stderr, "  (%s)\n", dbg);
      g_clear_error (&err);
      g_free (dbg);
      app->error = TRUE;
      g_main_loop_quit (app->loop);
      break;
    }
    case GST_MESSAGE_EOS:
      printf ("EOS\n");
      app->eos = TRUE;
      g_main_loop_quit (app->loop);
      break;
    case GST_MESSAGE_STATE_CHANGED:
      if (GST_MESSAGE_SRC (msg) == GST_OBJECT (app->pipeline)) {
        GstState old, new_state;
        gst_message_parse_state_changed (msg, &old, &new_state, NULL);
        if (new_state == GST_STATE_PLAYING && !app->playing) {
          app->playing = TRUE;
          if (app->first_output)
            change_live_properties (app);
        }
      }
      break;
    case GST_MESSAGE_APPLICATION:
      /* a file prerolls its first buffers in PAUSED: wait for PLAYING */
      if (gst_message_has_name (msg, "first-output")) {
        app->first_output = TRUE;
        if (app->playing)
          change_live_properties (app);
      }
      break;
    case GST_MESSAGE_ELEMENT:
      if (gst_message_has_name (msg, "nmfseparate")) {
        if (app->element_messages++ == 0) {
          gchar *s = gst_structure_to_string (gst_message_get_structure
              (msg));
          printf ("first element message: %.300s\n", s);
          g_free (s);
        }
      }
      break;
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

int
main (int argc, char **argv)
{
  App app;
  GError *err = NULL;
  gchar *desc, *uri = NULL;
  GstBus *bus;
  GstPad *pad;
  gboolean posts;

  gst_init (&argc, &argv);     /* takes GStreamer's own options (--gst-*) */
  if (argc > 1 && (!strcmp (argv[1], "--help") || !strcmp (argv[1], "-h"))) {
    fputs (HELP, stdout);
    return 0;
  }
  if (argc > 1 && !strcmp (argv[1], "--")) {    /* INPUT may start with - */
    argv[1] = argv[0];
    argc--;
    argv++;
  } else if (argc > 1 && argv[1][0] == '-' && argv[1][1] != '\0') {
    fprintf (stderr, "nmf-embed: unknown option %s\n" USAGE
        "(nmf-embed --help: the help)\n", argv[1]);
    return 2;
  }
  if (argc > 2) {
    fprintf (stderr, "nmf-embed: one INPUT at most\n" USAGE
        "(nmf-embed --help: the help)\n");
    return 2;
  }
  /* the commonest failure first, with what to do about it (parsing the
   * pipeline said only 'no element "nmfseparate"') */
  GstElementFactory *factory = gst_element_factory_find ("nmfseparate");
  if (factory == NULL) {
    fprintf (stderr, "FAILED: the GStreamer element nmfseparate was not "
        "found (set GST_PLUGIN_PATH to <build>/plugin, or install gst-nmf)\n");
    return 1;
  }
  gst_object_unref (factory);
  memset (&app, 0, sizeof app);
  if (argc > 1) {
    /* an existing file is a file, whatever its name (take:1.wav is also a
     * valid URI, of the scheme "take") */
    uri = gst_uri_is_valid (argv[1])
        && !g_file_test (argv[1], G_FILE_TEST_EXISTS) ? g_strdup (argv[1])
        : gst_filename_to_uri (argv[1], NULL);
    if (uri == NULL) {
      fprintf (stderr, "cannot make a URI of %s\n", argv[1]);
      return 1;
    }
    printf ("input: %s\n", uri);
    /* the URI is set as a property below, not written into the
     * description, whose syntax a quote in it would break */
    desc = g_strdup ("uridecodebin name=dec ! audioconvert ! "
        "audioresample ! nmfseparate name=sep n-sources=2 "
        "sep.src_0 ! fakesink sep.src_1 ! fakesink");
  } else {
    app.live = TRUE;
    /* 64 buffers of 1024 samples at 44.1 kHz: about 1.5 s, in real time */
    desc = g_strdup ("audiotestsrc is-live=true wave=sine freq=220 "
        "num-buffers=64 ! mix. "
        "audiotestsrc is-live=true wave=square freq=1318.5 volume=0.3 "
        "num-buffers=64 ! mix. "
        "audiomixer name=mix ! audioconvert ! nmfseparate name=sep "
        "n-sources=2 sep.src_0 ! fakesink sep.src_1 ! fakesink");
  }
  printf ("pipeline: %s\n", desc);
  app.pipeline = gst_parse_launch (desc, &err);
  g_free (desc);
  if (app.pipeline == NULL) {
    fprintf (stderr, "cannot build the pipeline: %s\n", err->message);
    g_clear_error (&err);
    g_free (uri);
    return 1;
  }
  if (err) {                    /* recoverable: a missing element of a chain */
    fprintf (stderr, "cannot build the pipeline: %s\n", err->message);
    g_clear_error (&err);
    gst_object_unref (app.pipeline);
    g_free (uri);
    return 1;
  }
  if (uri) {
    GstElement *dec = gst_bin_get_by_name (GST_BIN (app.pipeline), "dec");
    g_object_set (dec, "uri", uri, NULL);
    gst_object_unref (dec);
    g_free (uri);
  }
  app.sep = gst_bin_get_by_name (GST_BIN (app.pipeline), "sep");

  /* element messages, when this build of the element can post them */
  posts = g_object_class_find_property (G_OBJECT_GET_CLASS (app.sep),
      "post-messages") != NULL;
  if (posts)
    g_object_set (app.sep, "post-messages", TRUE, NULL);

  pad = gst_element_get_static_pad (app.sep, "src_0");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, on_buffer, &app, NULL);
  gst_object_unref (pad);

  app.loop = g_main_loop_new (NULL, FALSE);
  bus = gst_element_get_bus (app.pipeline);
  gst_bus_add_watch (bus, on_bus, &app);
  if (gst_element_set_state (app.pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    GstMessage *m = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
    if (m) {
      on_bus (bus, m, &app);
      gst_message_unref (m);
    } else
      fprintf (stderr, "the pipeline could not start\n");
    app.error = TRUE;
  } else
    g_main_loop_run (app.loop);
  gst_element_set_state (app.pipeline, GST_STATE_NULL);

  printf ("buffers separated after the change: %d\n",
      g_atomic_int_get (&app.buffers_after));
  if (posts)
    printf ("element messages named nmfseparate: %d\n",
        app.element_messages);
  else
    printf ("element messages: not posted by this build (nmfseparate has "
        "no post-messages property)\n");

  gst_bus_remove_watch (bus);
  gst_object_unref (bus);
  gst_object_unref (app.sep);
  gst_object_unref (app.pipeline);
  g_main_loop_unref (app.loop);

  if (app.error || !app.eos) {
    fprintf (stderr, "FAILED: the stream did not end normally\n");
    return 1;
  }
  /* a file may be separated to the end (much faster than real time)
   * before the change: buffers after it are only required of the live
   * default source */
  if (!app.readback_ok || (app.live
          && g_atomic_int_get (&app.buffers_after) == 0)) {
    fprintf (stderr, "FAILED: the live property change %s\n",
        app.readback_ok ? "was not followed by any output" :
        g_atomic_int_get (&app.changed) ? "did not read back" :
        "never happened");
    return 1;
  }
  printf ("ok\n");
  return 0;
}
