/* nmftool separate's pipeline:
 *
 *   uridecodebin ! audioconvert ! audioresample ! nmfseparate name=s
 *     s.src_I ! audioconvert ! capsfilter ! wavenc ! filesink  (one per source)
 *
 * with probes that keep the files to the input's channel count and to the
 * 4 GiB a WAV file holds, measure how far the output has got, count what
 * 16-bit files clip, and end the stream early on request. */
#ifndef NMFTOOL_SEPARATE_PIPELINE_H
#define NMFTOOL_SEPARATE_PIPELINE_H

#include <gst/gst.h>

#include "media_input.h"
#include "separate_files.h"
#include "separate_options.h"

typedef struct SeparatePipeline SeparatePipeline;

/* What the probe on one output's wavenc sees (its streaming thread only). */
typedef struct
{
  SeparatePipeline *p;
  guint index;
  const char *path;             /* the file (the OutputFiles' string) */
  gboolean caps;                /* a format has reached wavenc */
  gboolean segment;             /* a segment has */
  gboolean data;                /* a buffer has */
  gint rate, channels, bpf;     /* of that format */
  guint64 bytes;                /* of samples so far */
} OutputProbe;

struct SeparatePipeline
{
  GstElement *pipeline;
  GstElement *sep;              /* nmfseparate, a reference of its own */
  MediaDecoder decoder;         /* its entry: the first audioconvert */
  gint eos_requested;           /* atomic: 1 the entry probe is to send
                                 * EOS, 2 it has */
  gint in_channels;             /* atomic: channels of the decoded input */
  gint in_rate;                 /* atomic: its rate (before audioresample) */
  gint max_channels;            /* what the pipeline carries unchanged */
  gint refused;                 /* atomic: a caps probe refused the stream */
  gboolean count_clips;          /* also: the files are 16-bit */
  const char *format_label;     /* "32-bit float"... (the options') */
  guint n_outputs;
  GstElement *sinks[SEPARATE_MAX_SOURCES];      /* the filesinks (the
                                                 * pipeline's) */

  GMutex lock;                  /* what the streaming threads measure: */
  GstSegment segment;           /* of src_0 */
  GstClockTime position;        /* stream time reached by src_0 */
  guint64 frames;               /* sample frames out of src_0 */
  gint rate;                    /* of src_0 */
  gint bpf;                     /* bytes per frame of src_0 */
  guint64 clipped;              /* samples beyond full scale */
  guint64 samples;              /* samples out of the element */
  float peak;                   /* largest |sample| */
  OutputProbe outputs[SEPARATE_MAX_SOURCES];
};

void separate_pipeline_init (SeparatePipeline * p);
void separate_pipeline_clear (SeparatePipeline * p);

/* The pipeline around p->sep, reading URI and writing FILES: 0, or the
 * exit status with the error said. */
int separate_pipeline_build (SeparatePipeline * p, const char *uri,
    const SeparateOptions * o, const OutputFiles * files);

gboolean separate_pipeline_linked (SeparatePipeline * p);
/* Ends the stream at the entry as if the input ended there: nmfseparate
 * drains and wavenc finalizes its header, so the files are valid. */
void separate_pipeline_end_stream (SeparatePipeline * p);
/* Takes the filesinks to READY one by one, where each creates or
 * truncates its file, and marks it in FILES (f->opened) as soon as it
 * has: the stop signals' thread only (the main loop's), so that an abort
 * sees every file either opened and marked or not touched.  (A file was
 * marked at the state-changed message, posted in the thread that started
 * the pipeline once the file existed: an abort in between left it
 * behind.)  FALSE at the first that cannot (its error is on the bus; those
 * after it are not opened). */
gboolean separate_pipeline_open_outputs (SeparatePipeline * p,
    OutputFiles * files);
/* The EOS that ended the run was the one end_stream sent. */
gboolean separate_pipeline_ended_early (SeparatePipeline * p);

GstClockTime separate_pipeline_position (SeparatePipeline * p);
/* The length of the files so far, in seconds (from the frames sent, not
 * from timestamps). */
double separate_pipeline_written_seconds (SeparatePipeline * p);
/* The decoded input's rate and the files' (they differ when the input's
 * lies outside the element's 8 - 192 kHz); 0 when not known. */
void separate_pipeline_rates (SeparatePipeline * p, gint * in_rate,
    gint * out_rate);
/* 16-bit files: a warning with how much the conversion clipped, if any. */
void separate_pipeline_warn_clipping (SeparatePipeline * p);

#endif
