/* playbin with audio-filter="nmfextract source=1" over a gapless playlist
 * (about-to-finish sets the next uri, as players do): at each junction the
 * decoder sends the next file's stream-start, caps and segment without an
 * EOS, so the element must give out the look-ahead it holds of one file
 * (6 s with the file profile) before the next file's stream begins, and
 * start again at the next file's rate and channels.
 *   nmf-e2e-gapless-playlist FILE:FRAMES...
 * Checked: EOS within 60 s, one stream per file at the audio sink, each
 * with exactly the file's FRAMES frames. */
#include <gst/gst.h>

#include <stdlib.h>
#include <string.h>

#define MAX_FILES 16

typedef struct
{
  gchar *uris[MAX_FILES];
  gint64 expected[MAX_FILES];
  gint n_files;
  gint next;                    /* the uri about-to-finish sets next */
  gint64 frames[MAX_FILES + 1]; /* per stream at the sink */
  gint streams;                 /* stream-starts seen at the sink */
} Playlist;

static void
about_to_finish (GstElement * playbin, Playlist * pl)
{
  if (pl->next < pl->n_files)
    g_object_set (playbin, "uri", pl->uris[pl->next++], NULL);
}

static GstPadProbeReturn
count_frames (GstPad * pad, GstPadProbeInfo * info, Playlist * pl)
{
  if (GST_PAD_PROBE_INFO_TYPE (info) & GST_PAD_PROBE_TYPE_BUFFER) {
    GstCaps *caps = gst_pad_get_current_caps (pad);
    gint channels = 1;

    gst_structure_get_int (gst_caps_get_structure (caps, 0), "channels",
        &channels);
    gst_caps_unref (caps);
    if (pl->streams >= 1 && pl->streams <= MAX_FILES)
      pl->frames[pl->streams - 1] +=
          gst_buffer_get_size (GST_PAD_PROBE_INFO_BUFFER (info)) /
          (sizeof (gfloat) * channels);
  } else if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) ==
      GST_EVENT_STREAM_START) {
    pl->streams++;
  }
  return GST_PAD_PROBE_OK;
}

int
main (int argc, char **argv)
{
  Playlist pl = { 0 };
  GstElement *playbin, *filter, *sink;
  GstPad *pad;
  GstMessage *msg;
  GError *err = NULL;
  gboolean ok = TRUE;

  gst_init (&argc, &argv);
  if (argc < 3 || argc - 1 > MAX_FILES) {
    g_printerr ("usage: %s FILE:FRAMES... (2 to %d)\n", argv[0], MAX_FILES);
    return 2;
  }
  for (gint i = 1; i < argc; i++) {
    gchar *colon = strrchr (argv[i], ':');
    if (!colon) {
      g_printerr ("%s: no :FRAMES\n", argv[i]);
      return 2;
    }
    *colon = '\0';
    pl.uris[pl.n_files] = gst_filename_to_uri (argv[i], NULL);
    pl.expected[pl.n_files++] = g_ascii_strtoll (colon + 1, NULL, 10);
  }

  playbin = gst_element_factory_make ("playbin", NULL);
  filter = gst_parse_bin_from_description ("nmfextract source=1", TRUE,
      &err);
  sink = gst_element_factory_make ("fakesink", NULL);
  if (!playbin || !filter || !sink) {
    g_printerr ("cannot make playbin, nmfextract or fakesink: %s\n",
        err ? err->message : "?");
    return 1;
  }
  g_object_set (sink, "sync", FALSE, NULL);
  g_object_set (playbin, "uri", pl.uris[0], "audio-filter", filter,
      "audio-sink", sink, "video-sink", gst_element_factory_make ("fakesink",
          NULL), NULL);
  pl.next = 1;
  g_signal_connect (playbin, "about-to-finish", G_CALLBACK (about_to_finish),
      &pl);
  pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, (GstPadProbeCallback) count_frames,
      &pl, NULL);
  gst_object_unref (pad);

  gst_element_set_state (playbin, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (playbin),
      60 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  if (!msg || GST_MESSAGE_TYPE (msg) != GST_MESSAGE_EOS) {
    if (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
      GError *e = NULL;
      gst_message_parse_error (msg, &e, NULL);
      g_printerr ("error: %s\n", e->message);
      g_clear_error (&e);
    } else {
      g_printerr ("no EOS within 60 s\n");
    }
    ok = FALSE;
  }
  if (msg)
    gst_message_unref (msg);
  gst_element_set_state (playbin, GST_STATE_NULL);

  if (pl.streams != pl.n_files) {
    g_printerr ("%d streams reached the sink, not %d\n", pl.streams,
        pl.n_files);
    ok = FALSE;
  }
  for (gint i = 0; i < pl.n_files; i++) {
    g_print ("%s: %" G_GINT64_FORMAT " frames out of %" G_GINT64_FORMAT "\n",
        pl.uris[i], pl.frames[i], pl.expected[i]);
    if (pl.frames[i] != pl.expected[i])
      ok = FALSE;
    g_free (pl.uris[i]);
  }
  gst_object_unref (playbin);
  g_print ("%s\n", ok ? "PASS" : "FAIL");
  return ok ? 0 : 1;
}
