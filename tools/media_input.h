/* The media file or URI a subcommand reads through GStreamer (separate,
 * learn): checked up front, then decoded by a uridecodebin whose first
 * audio stream is linked on to the rest of the pipeline. */
#ifndef NMFTOOL_MEDIA_INPUT_H
#define NMFTOOL_MEDIA_INPUT_H

#include <gst/gst.h>

/* gst_init_check, its failure one line: 0 or EXIT_RUNTIME. */
int media_init_gstreamer (const char *cmd);

/* INPUT (a file name or a URI) as a URI, or NULL with the error said and
 * *ret set to the exit status.  A local file (a name or a file: URI) must
 * be readable and not a directory, so that a missing file is one plain
 * line rather than a pipeline error; its file name goes to *local (NULL
 * for other URIs), newly allocated.  A URI whose scheme no source element
 * handles is a file name if there is such a file ("take:1.wav"), else
 * refused the same way (decodebin said "no audio stream"). */
gchar *media_input_uri (const char *cmd, const char *input, gchar ** local,
    int *ret);

typedef struct
{
  GstPad *entry;                /* where the decoded audio goes (owned) */
  gint linked;                  /* atomic: a decoded audio pad is linked */
  gint ended;                   /* atomic: that pad was removed (the end
                                 * of a chain of a chained Ogg file) */
  gchar *no_audio;              /* the error when the input has no audio
                                 * stream (owned) */
  GstElement *decode;           /* the uridecodebin (not owned) */
  gboolean regular_file;        /* the URI is a local regular file */
  gint64 started;               /* monotonic time of the setup, us */
  gboolean stall_reported;
  gchar *fifo;                  /* the input is this local FIFO (owned) */
  int fd;                       /* its descriptor, or -1 */
} MediaDecoder;

/* A regular file whose audio stream has not appeared this long after the
 * setup is taken as undecodable (media_decoder_check_stall). */
#define MEDIA_DECODER_STALL_SECONDS 10

/* Makes DECODE (a uridecodebin) read URI as raw audio and link its first
 * audio stream to d->entry, set by the caller before the pipeline starts;
 * an input without one ends in an error naming d->no_audio, and one whose
 * audio stream is replaced by another of another format (a chained Ogg
 * file: decodebin then removes the pad and adds one) in an error saying
 * so. */
void media_decoder_setup (MediaDecoder * d, GstElement * decode,
    const char *uri);
/* Opens an input that is a local FIFO, once, and has the uridecodebin
 * read that descriptor (fd://): filesrc opened and closed its file for
 * each scheduling query before it started (uridecodebin's, typefind's),
 * and a writer that wrote, or was blocked on a full pipe, while no one
 * had the FIFO open died of SIGPIPE (the run then waited for data that
 * never came, or ended early with what was in the pipe).  Blocks until the FIFO has a writer, so it is
 * called where that may wait, before the pipeline leaves NULL; FALSE with
 * an error posted on the pipeline's bus if the open failed.  Nothing to
 * do for other inputs. */
gboolean media_decoder_open (MediaDecoder * d);
gboolean media_decoder_linked (MediaDecoder * d);
/* Called now and then while the caller waits: decodebin (GStreamer 1.22)
 * drops the error of an element it is still plugging in when that element
 * fails at once (a damaged Ogg file whose demuxer finds no chain: its
 * errors come from its own task while decodebin still filters them, and
 * are discarded once its state change succeeds), and then nothing comes -
 * no audio pad, no error, no EOS.  Until an audio stream is linked, this
 * posts the no-audio error on the pipeline's bus (once), so that the
 * caller's usual error path ends the run: at once when an element inside
 * the decoder has stopped without output (its sink pad's task paused, no
 * source pad: what the dropped error leaves), and for a regular file that
 * has shown no audio stream after MEDIA_DECODER_STALL_SECONDS in any case.
 * A pipe or a network stream may otherwise take as long as it likes. */
void media_decoder_check_stall (MediaDecoder * d);
void media_decoder_clear (MediaDecoder * d);

#endif
