/* The input of separate and learn: a file or URI, checked, then decoded.
 * Both commands take only its first audio stream, as raw audio. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "media_input.h"
#include "nmftool.h"

/* Installed under a prefix GStreamer does not search (meson's default
 * /usr/local), nmftool would not find the plugin installed with it: the
 * plugin directory relative to nmftool's own, as its run path finds the
 * library.  Only when nmfseparate is not found otherwise, so that
 * GST_PLUGIN_PATH (a build tree) keeps precedence. */
static void
find_own_plugin (void)
{
  GstPluginFeature *found = gst_registry_lookup_feature (gst_registry_get (),
      "nmfseparate");
  gchar *exe, *dir, *plugins;

  if (found) {
    gst_object_unref (found);
    return;
  }
  if (!(exe = g_file_read_link ("/proc/self/exe", NULL)))
    return;
  dir = g_path_get_dirname (exe);
  plugins = g_path_is_absolute (NMF_PLUGIN_DIR_FROM_BINDIR) ?
      g_strdup (NMF_PLUGIN_DIR_FROM_BINDIR) :
      g_build_filename (dir, NMF_PLUGIN_DIR_FROM_BINDIR, NULL);
  if (g_file_test (plugins, G_FILE_TEST_IS_DIR))
    gst_registry_scan_path (gst_registry_get (), plugins);
  g_free (plugins);
  g_free (dir);
  g_free (exe);
}

int
media_init_gstreamer (const char *cmd)
{
  GError *err = NULL;
  int ret;

  if (gst_init_check (NULL, NULL, &err)) {
    find_own_plugin ();
    return 0;
  }
  ret = runtime_error (cmd, "cannot initialize GStreamer: %s",
      err ? err->message : "unknown reason");
  g_clear_error (&err);
  return ret;
}

/* A file name that reads as a URI ("take:1.wav") but whose scheme no
 * source handles: the file, when there is one. */
static gboolean
is_local_name (const char *input)
{
  gchar *scheme = gst_uri_get_protocol (input);
  gboolean local = !gst_uri_protocol_is_supported (GST_URI_SRC, scheme)
      && g_file_test (input, G_FILE_TEST_EXISTS);

  g_free (scheme);
  return local;
}

gchar *
media_input_uri (const char *cmd, const char *input, gchar ** local,
    int *ret)
{
  gchar *uri = NULL, *file = NULL;
  GError *err = NULL;
  struct stat sb;

  *local = NULL;
  if (gst_uri_is_valid (input) && !is_local_name (input)) {
    gchar *scheme = gst_uri_get_protocol (input);
    gboolean handled = gst_uri_protocol_is_supported (GST_URI_SRC, scheme);
    if (!handled)
      *ret = runtime_error (cmd, "%s: no GStreamer source reads %s: URIs "
          "(no plugin installed for them), and there is no such file",
          input, scheme);
    g_free (scheme);
    if (!handled)
      return NULL;
    if (g_str_has_prefix (input, "file:")
        && (file = g_filename_from_uri (input, NULL, &err)) == NULL) {
      *ret = runtime_error (cmd, "%s: %s", input, err->message);
      g_clear_error (&err);
      return NULL;
    }
    uri = g_strdup (input);
  } else
    file = g_strdup (input);
  if (file == NULL)
    return uri;
  if (stat (file, &sb) != 0 || access (file, R_OK) != 0)
    *ret = runtime_error (cmd, "%s: %s", input, g_strerror (errno));
  else if (S_ISDIR (sb.st_mode))
    *ret = runtime_error (cmd, "%s: is a directory, not a media file",
        input);
  else if (uri == NULL && (uri = gst_filename_to_uri (file, &err)) == NULL) {
    *ret = runtime_error (cmd, "%s: %s", input, err->message);
    g_clear_error (&err);
  } else {
    *local = file;
    return uri;
  }
  g_free (file);
  g_free (uri);
  return NULL;
}

/* "16000 Hz, 1 channel(s)" of raw audio caps, newly allocated */
static gchar *
describe_format (GstCaps * caps)
{
  const GstStructure *st;
  gint rate = 0, channels = 0;

  if (caps == NULL || gst_caps_is_empty (caps))
    return g_strdup ("?");
  st = gst_caps_get_structure (caps, 0);
  gst_structure_get_int (st, "rate", &rate);
  gst_structure_get_int (st, "channels", &channels);
  return g_strdup_printf ("%d Hz, %d channel(s)", rate, channels);
}

static void
on_pad_added (GstElement * decode, GstPad * pad, gpointer data)
{
  MediaDecoder *d = data;
  GstCaps *caps = gst_pad_get_current_caps (pad);

  if (caps == NULL)
    caps = gst_pad_query_caps (pad, NULL);
  if (gst_caps_is_empty (caps) || !g_str_has_prefix (gst_structure_get_name
          (gst_caps_get_structure (caps, 0)), "audio/x-raw")) {
  } else if (g_atomic_int_compare_and_exchange (&d->linked, 0, 1)) {
    if (GST_PAD_LINK_FAILED (gst_pad_link (pad, d->entry)))
      GST_ELEMENT_ERROR (decode, CORE, NEGOTIATION, ("could not link the "
              "decoded audio to audioconvert"), (NULL));
  } else if (g_atomic_int_get (&d->ended)) {
    /* the next chain of a chained Ogg file: decodebin put a new pad in
     * place of the one linked (nothing read it, and the stream failed
     * with "Internal data stream error"); in the same format it goes on
     * as the same stream, in another one the files cannot follow */
    GstCaps *before = gst_pad_get_current_caps (d->entry);
    gchar *a = describe_format (before), *b = describe_format (caps);
    if (strcmp (a, b) == 0) {
      g_atomic_int_set (&d->ended, 0);
      if (GST_PAD_LINK_FAILED (gst_pad_link (pad, d->entry)))
        GST_ELEMENT_ERROR (decode, CORE, NEGOTIATION, ("could not link the "
                "next chain's audio to audioconvert"), (NULL));
    } else
      GST_ELEMENT_ERROR (decode, STREAM, FORMAT, ("the audio format "
              "changes mid-stream (%s, then %s: a chained Ogg file?), "
              "which one WAV file or dictionary cannot follow: cut the "
              "file where it changes", a, b), (NULL));
    g_free (a);
    g_free (b);
    if (before)
      gst_caps_unref (before);
  }
  gst_caps_unref (caps);
}

static void
on_pad_removed (GstElement * decode, GstPad * pad, gpointer data)
{
  MediaDecoder *d = data;

  (void) decode;
  /* unlinked by now: the pad that was linked is the one whose peer was
   * the entry, which has none left */
  if (g_atomic_int_get (&d->linked) && !gst_pad_is_linked (d->entry))
    g_atomic_int_set (&d->ended, 1);
  (void) pad;
}

/* Without this, a file with no decodable audio would leave the pipeline
 * waiting for data that never comes. */
static void
on_no_more_pads (GstElement * decode, gpointer data)
{
  MediaDecoder *d = data;

  if (!g_atomic_int_get (&d->linked))
    GST_ELEMENT_ERROR (decode, STREAM, WRONG_TYPE, ("%s", d->no_audio),
        (NULL));
}

/* A plain WAV of more than two channels (a microphone array) comes from
 * wavparse without a channel-mask, which audioconvert refuses ("invalid
 * caps"): its channels are marked unpositioned, as they are (learn and
 * separate alike). */
static GstPadProbeReturn
unpositioned_channels (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  GstEvent *ev = GST_PAD_PROBE_INFO_EVENT (info);
  GstCaps *caps;
  const GstStructure *st;
  gint c = 0;

  (void) pad;
  (void) data;
  if (GST_EVENT_TYPE (ev) != GST_EVENT_CAPS)
    return GST_PAD_PROBE_OK;
  gst_event_parse_caps (ev, &caps);
  if (!caps || gst_caps_is_empty (caps))
    return GST_PAD_PROBE_OK;
  st = gst_caps_get_structure (caps, 0);
  if (gst_structure_has_field (st, "channel-mask")
      || !gst_structure_get_int (st, "channels", &c) || c <= 2
      || !gst_structure_has_name (st, "audio/x-raw"))
    return GST_PAD_PROBE_OK;
  caps = gst_caps_copy (caps);
  gst_caps_set_simple (caps, "channel-mask", GST_TYPE_BITMASK, (guint64) 0,
      NULL);
  GST_PAD_PROBE_INFO_DATA (info) = gst_event_new_caps (caps);
  gst_caps_unref (caps);
  gst_event_unref (ev);
  return GST_PAD_PROBE_OK;
}

/* wavparse (GStreamer 1.22) reads a file it pulls from as nothing at all
 * when the data chunk has an odd size and its pad byte ends the file (8-bit
 * mono or 24-bit mono of an odd frame count, as sox and ffmpeg write
 * them): it looks for a chunk header at the odd offset after the data,
 * finds 1 byte of the 8, and ends the stream before its first sample
 * without an error (separate wrote files of no samples, exit 0).  Pushed
 * the file, it reads it right, so it is offered push mode only: the
 * decoder reads the input from start to end either way. */
static GstPadProbeReturn
push_mode_only (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  GstQuery *q = GST_PAD_PROBE_INFO_QUERY (info);

  (void) pad;
  (void) data;
  if (GST_QUERY_TYPE (q) != GST_QUERY_SCHEDULING)
    return GST_PAD_PROBE_OK;
  gst_query_set_scheduling (q, GST_SCHEDULING_FLAG_SEEKABLE, 1, -1, 0);
  gst_query_add_scheduling_mode (q, GST_PAD_MODE_PUSH);
  return GST_PAD_PROBE_HANDLED;
}

static void
on_element_added (GstBin * bin, GstBin * sub, GstElement * e, gpointer data)
{
  GstElementFactory *f = gst_element_get_factory (e);
  GstPad *sink;

  (void) bin;
  (void) sub;
  (void) data;
  if (f == NULL || strcmp (GST_OBJECT_NAME (f), "wavparse") != 0
      || (sink = gst_element_get_static_pad (e, "sink")) == NULL)
    return;
  gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_QUERY_UPSTREAM, push_mode_only,
      NULL, NULL);
  gst_object_unref (sink);
}

void
media_decoder_setup (MediaDecoder * d, GstElement * decode, const char *uri)
{
  GstCaps *raw = gst_caps_from_string ("audio/x-raw");

  g_object_set (decode, "uri", uri, "caps", raw, "expose-all-streams", FALSE,
      NULL);
  gst_caps_unref (raw);
  g_signal_connect (decode, "pad-added", G_CALLBACK (on_pad_added), d);
  g_signal_connect (decode, "no-more-pads", G_CALLBACK (on_no_more_pads), d);
  g_signal_connect (decode, "pad-removed", G_CALLBACK (on_pad_removed), d);
  g_signal_connect (decode, "deep-element-added",
      G_CALLBACK (on_element_added), NULL);
  gst_pad_add_probe (d->entry, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
      unpositioned_channels, NULL, NULL);

  gchar *file = g_str_has_prefix (uri, "file:") ?
      g_filename_from_uri (uri, NULL, NULL) : NULL;
  struct stat sb;
  d->regular_file = file && stat (file, &sb) == 0 && S_ISREG (sb.st_mode);
  d->fd = -1;
  if (file && !d->regular_file && stat (file, &sb) == 0
      && S_ISFIFO (sb.st_mode))
    d->fifo = file;
  else
    g_free (file);
  d->decode = decode;
  d->started = g_get_monotonic_time ();
  d->stall_reported = FALSE;
}

/* An element that stopped before it gave anything: no source pad, and a
 * sink pad whose streaming task has paused (on its error, or at the end).
 * Nothing starts such a task again but a seek, and nothing seeks here, so
 * no audio will come from it.  (Its source pads are counted before and
 * after the task: they are only added meanwhile, so none after means none
 * while the task ran.) */
static gboolean
stopped_without_output (GstElement * e)
{
  gboolean paused = FALSE;
  guint16 src_pads;
  GstIterator *it;
  GValue v = G_VALUE_INIT;

  GST_OBJECT_LOCK (e);
  src_pads = e->numsrcpads;
  GST_OBJECT_UNLOCK (e);
  if (src_pads > 0)
    return FALSE;
  it = gst_element_iterate_sink_pads (e);
  while (!paused && gst_iterator_next (it, &v) == GST_ITERATOR_OK) {
    paused = gst_pad_get_task_state (g_value_get_object (&v))
        == GST_TASK_PAUSED;
    g_value_reset (&v);
  }
  g_value_unset (&v);
  gst_iterator_free (it);
  GST_OBJECT_LOCK (e);
  src_pads = e->numsrcpads;
  GST_OBJECT_UNLOCK (e);
  return paused && src_pads == 0;
}

/* The element inside the decoder that stopped before it gave anything
 * (a new reference), or NULL. */
static GstElement *
find_stopped_element (GstElement * decode)
{
  GstIterator *it = gst_bin_iterate_recurse (GST_BIN (decode));
  GValue v = G_VALUE_INIT;
  GstElement *found = NULL;
  gboolean done = FALSE;

  while (!done && found == NULL) {
    switch (gst_iterator_next (it, &v)) {
      case GST_ITERATOR_OK:
        if (stopped_without_output (g_value_get_object (&v)))
          found = g_value_dup_object (&v);
        g_value_reset (&v);
        break;
      case GST_ITERATOR_RESYNC:
        gst_iterator_resync (it);
        break;
      default:
        done = TRUE;
        break;
    }
  }
  g_value_unset (&v);
  gst_iterator_free (it);
  return found;
}

void
media_decoder_check_stall (MediaDecoder * d)
{
  GstElement *stopped;

  if (d->stall_reported || media_decoder_linked (d))
    return;
  /* the dropped error's trace, at once: the element that failed stopped
   * with nothing to show (any input: a task stopped is no slow source) */
  if ((stopped = find_stopped_element (d->decode)) != NULL) {
    d->stall_reported = TRUE;
    GST_ELEMENT_ERROR (d->decode, STREAM, DEMUX, ("%s (%s stopped without "
            "an error and without output: a damaged file?)", d->no_audio,
            GST_OBJECT_NAME (stopped)), (NULL));
    gst_object_unref (stopped);
    return;
  }
  if (!d->regular_file || g_get_monotonic_time () - d->started
      < (gint64) MEDIA_DECODER_STALL_SECONDS * G_USEC_PER_SEC)
    return;
  d->stall_reported = TRUE;
  GST_ELEMENT_ERROR (d->decode, STREAM, DECODE, ("%s (the decoder stopped "
          "without an error: a damaged file?)", d->no_audio), (NULL));
}

gboolean
media_decoder_open (MediaDecoder * d)
{
  gchar *uri;

  if (d->fifo == NULL || d->fd >= 0)
    return TRUE;
  do
    d->fd = open (d->fifo, O_RDONLY | O_CLOEXEC);
  while (d->fd < 0 && errno == EINTR);
  if (d->fd < 0) {
    GST_ELEMENT_ERROR (d->decode, RESOURCE, OPEN_READ, ("%s: %s", d->fifo,
            g_strerror (errno)), (NULL));
    return FALSE;
  }
  uri = g_strdup_printf ("fd://%d", d->fd);
  g_object_set (d->decode, "uri", uri, NULL);
  g_free (uri);
  return TRUE;
}

gboolean
media_decoder_linked (MediaDecoder * d)
{
  return g_atomic_int_get (&d->linked);
}

void
media_decoder_clear (MediaDecoder * d)
{
  gst_clear_object (&d->entry);
  g_clear_pointer (&d->no_audio, g_free);
  /* fd means something only with fifo (a zeroed decoder has fd 0) */
  if (d->fifo != NULL && d->fd >= 0)
    close (d->fd);
  d->fd = -1;
  g_clear_pointer (&d->fifo, g_free);
}
