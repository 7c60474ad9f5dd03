/* GStreamer
 * Copyright (C) 2026 gst-nmf developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstnmfstream.h"

#include <string.h>

GST_DEBUG_CATEGORY_EXTERN (gst_nmf_separate_debug);
#define GST_CAT_DEFAULT gst_nmf_separate_debug

/* a GAP event is separated as silence, this many samples at a time */
#define GAP_CHUNK_SAMPLES 8192

/* ------------------------------------------------------------------------ */
/* The separator's output as buffers on the source pads */

/* Output of one core call: per source one buffer (audio) or one buffer
 * holding every mask frame (masks), mapped for the core to write into. */
typedef struct
{
  guint n_sources;
  GstBuffer *buffers[NMF_SEPARATOR_MAX_SOURCES];
  GstMapInfo maps[NMF_SEPARATOR_MAX_SOURCES];
  float *ptrs[NMF_SEPARATOR_MAX_SOURCES];
  nmf_separator_output out;
} OutputBlock;

static gboolean
audio_out (GstNmfSeparate * self)
{
  return self->output_mode == GST_NMF_OUTPUT_MODE_AUDIO;
}

static gsize
mask_bytes (GstNmfSeparate * self)
{
  return nmf_separator_bins (self->separator) * sizeof (float);
}

static void
output_block_alloc (GstNmfSeparate * self, OutputBlock * blk, gsize n_audio,
    gsize n_masks)
{
  gboolean audio = audio_out (self);
  gsize size = audio ? n_audio * GST_AUDIO_INFO_BPF (&self->info) :
      n_masks * mask_bytes (self);

  memset (blk, 0, sizeof (*blk));
  blk->n_sources = self->n_sources;
  for (guint s = 0; s < blk->n_sources; s++) {
    blk->buffers[s] = gst_buffer_new_allocate (NULL, MAX (size, 1), NULL);
    gst_buffer_map (blk->buffers[s], &blk->maps[s], GST_MAP_WRITE);
    blk->ptrs[s] = (float *) blk->maps[s].data;
  }
  blk->out.audio = audio ? blk->ptrs : NULL;
  blk->out.masks = audio ? NULL : blk->ptrs;
}

static void
output_block_unmap (OutputBlock * blk)
{
  for (guint s = 0; s < blk->n_sources; s++)
    gst_buffer_unmap (blk->buffers[s], &blk->maps[s]);
}

static void
output_block_free (OutputBlock * blk)
{
  for (guint s = 0; s < blk->n_sources; s++)
    gst_clear_buffer (&blk->buffers[s]);
}

/* An output buffer of a backward segment, held until its input buffer is
 * all out (push_backwards). */
typedef struct
{
  guint source;
  GstBuffer *buffer;
} BackwardPiece;

/* Queues a buffer for the pad of `source` (backwards: holds it).  Returns
 * the flow combined over all output pads from their latest pushes
 * (FLUSHING when the pad flushes). */
static GstFlowReturn
push_source (GstNmfSeparate * self, guint source, GstBuffer * buf)
{
  if (!self->srcpad_of[source]) {
    /* no pad was requested for this source */
    gst_buffer_unref (buf);
    return GST_FLOW_OK;
  }
  if (self->collect_backwards) {
    BackwardPiece *piece = g_new (BackwardPiece, 1);
    piece->source = source;
    piece->buffer = buf;
    g_queue_push_tail (&self->backwards, piece);
    return GST_FLOW_OK;
  }
  return gst_nmf_out_queues_push_buffer (self->queues,
      self->srcpad_of[source], buf);
}

/* The output of a buffer of a backward segment, last piece first, as a
 * decoder sends a reverse chunk (first piece first, each piece after the
 * one a sink had just played: audio sinks skip such late samples): each
 * ends where the one pushed before it starts, so only the first pushed of
 * each source is DISCONT.  Dropped if the flow so far stops the stream. */
static GstFlowReturn
push_backwards (GstNmfSeparate * self, GstFlowReturn ret)
{
  guint32 pushed = 0;           /* sources with a piece out */
  BackwardPiece *piece;

  self->collect_backwards = FALSE;
  while ((piece = g_queue_pop_tail (&self->backwards))) {
    if (ret == GST_FLOW_OK || ret == GST_FLOW_NOT_LINKED) {
      if (pushed & (1u << piece->source))
        GST_BUFFER_FLAG_UNSET (piece->buffer, GST_BUFFER_FLAG_DISCONT);
      else
        GST_BUFFER_FLAG_SET (piece->buffer, GST_BUFFER_FLAG_DISCONT);
      pushed |= 1u << piece->source;
      ret = push_source (self, piece->source, piece->buffer);
    } else {
      gst_buffer_unref (piece->buffer);
    }
    g_free (piece);
  }
  return ret;
}

typedef struct
{
  GstEvent *event;
  guint64 position;             /* the input sample it came before */
} HeldEvent;

/* How far the output has come, in input samples. */
static guint64
output_position (GstNmfSeparate * self)
{
  nmf_separator_stats st;

  nmf_separator_get_stats (self->separator, &st);
  return audio_out (self) ? st.samples_out :
      st.masks_out * nmf_separator_hop_size (self->separator);
}

/* An event that waited for audio, or needed not wait, to every output pad
 * there now; a segment not to a picture pad whose format waits for its
 * link (it gets the segment in force after its caps). */
static void
push_held_event (GstNmfSeparate * self, GstEvent * event)
{
  gst_nmf_out_queues_push_event (self->queues, event,
      GST_EVENT_TYPE (event) == GST_EVENT_SEGMENT ?
      gst_nmf_picture_deferred_pad (&self->picture) : NULL);
}

/* The held events whose input sample the output has reached (`upto`;
 * G_MAXUINT64: every one) go on, in order, after the buffers before
 * them. */
static void
release_events_upto (GstNmfSeparate * self, guint64 upto)
{
  HeldEvent *h;

  while ((h = g_queue_peek_head (&self->held_events)) && h->position <= upto) {
    g_queue_pop_head (&self->held_events);
    push_held_event (self, h->event);
    g_free (h);
  }
}

/* The held events leave with the audio they waited for: dropped, but the
 * sticky ones (tags, a TOC) go on if keep_sticky (they still hold after a
 * flush). */
static void
drop_events (GstNmfSeparate * self, gboolean keep_sticky)
{
  HeldEvent *h;

  while ((h = g_queue_pop_head (&self->held_events))) {
    if (keep_sticky && GST_EVENT_IS_STICKY (h->event))
      push_held_event (self, h->event);
    else
      gst_event_unref (h->event);
    g_free (h);
  }
}

void
gst_nmf_stream_release_sticky (GstNmfSeparate * self)
{
  drop_events (self, TRUE);
}

void
gst_nmf_stream_queue_event (GstNmfSeparate * self, GstEvent * event)
{
  nmf_separator_stats st;
  HeldEvent *h;

  if (self->separator)
    nmf_separator_get_stats (self->separator, &st);
  if (!self->separator || (g_queue_is_empty (&self->held_events)
          && output_position (self) >= st.samples_in)) {
    push_held_event (self, event);
    return;
  }
  h = g_new (HeldEvent, 1);
  h->event = event;
  h->position = st.samples_in;
  g_queue_push_tail (&self->held_events, h);
}

/* Pushes what a core call wrote: audio samples [audio_first, +n_audio), or
 * mask frames [mask_first, +n_masks) whose hops end at most at input sample
 * `limit`. */
/* Output buffers hold at most this many samples (186 ms at 44.1 kHz). */
#define MAX_BUFFER_SAMPLES 8192

static GstFlowReturn
push_block (GstNmfSeparate * self, OutputBlock * blk, guint64 audio_first,
    gsize n_audio, guint64 mask_first, gsize n_masks, guint64 limit)
{
  GstFlowReturn ret = GST_FLOW_OK;
  const guint64 hop = nmf_separator_hop_size (self->separator);
  const gsize bytes = mask_bytes (self);
  gboolean audio = audio_out (self);

  output_block_unmap (blk);
  if (audio) {
    /* in pieces of at most MAX_BUFFER_SAMPLES (a drain holds the whole
     * look-ahead, 6 s at the file profile, too much for one buffer), cut
     * where a held event goes between them; piece by piece across the
     * pads, so that an event comes after the same samples on every pad */
    const gsize bpf = GST_AUDIO_INFO_BPF (&self->info);
    gsize first = 0;
    for (guint s = 0; s < blk->n_sources && n_audio > 0; s++)
      gst_buffer_set_size (blk->buffers[s], n_audio * bpf);
    while (first < n_audio) {
      gsize n = MIN (MAX_BUFFER_SAMPLES, n_audio - first);
      HeldEvent *h = g_queue_peek_head (&self->held_events);
      if (h && h->position > audio_first + first
          && h->position < audio_first + first + n)
        n = h->position - (audio_first + first);
      for (guint s = 0; s < blk->n_sources; s++) {
        GstBuffer *piece;
        if (n == n_audio) {
          /* the whole block: its buffer itself */
          piece = blk->buffers[s];
          blk->buffers[s] = NULL;
        } else {
          piece = gst_buffer_copy_region (blk->buffers[s],
              GST_BUFFER_COPY_MEMORY, first * bpf, n * bpf);
        }
        gst_nmf_timeline_stamp (&self->timeline, piece, audio_first + first,
            audio_first + first + n, TRUE);
        ret = push_source (self, s, piece);
      }
      first += n;
      release_events_upto (self, audio_first + first);
    }
    output_block_free (blk);
  } else {
    /* frame by frame across the pads, so that no pad waits for another's
     * whole block */
    for (gsize j = 0; j < n_masks; j++) {
      guint64 frame = mask_first + j;
      for (guint s = 0; s < blk->n_sources; s++) {
        GstBuffer *one = gst_buffer_copy_region (blk->buffers[s],
            GST_BUFFER_COPY_MEMORY, j * bytes, bytes);
        gst_nmf_timeline_stamp (&self->timeline, one, frame * hop,
            MIN ((frame + 1) * hop, limit), FALSE);
        ret = push_source (self, s, one);
      }
      release_events_upto (self, MIN ((frame + 1) * hop, limit));
    }
    output_block_free (blk);
  }
  if ((audio && n_audio > 0) || (!audio && n_masks > 0))
    self->timeline.discont_pending = FALSE;
  return ret;
}

/* The debug log: dropped and clamped samples (WARNING: at most one line
 * of each a second of input, with everything since the last one, and what
 * is left at the end of the stream - a loud stretch made one line per
 * buffer; the first of each kind also on the bus, once until the caps
 * change: in the debug log alone, a gst-launch-1.0 or nmftool user never
 * heard of it), model refreshes (DEBUG), restarts (INFO) and failed
 * refreshes (WARNING), once per buffer at most. */
void
gst_nmf_stream_report_stats (GstNmfSeparate * self, gboolean end)
{
  nmf_separator_stats st;
  nmf_separator_stats *done = &self->reported;
  const guint64 second = (guint64) GST_AUDIO_INFO_RATE (&self->info);

  nmf_separator_get_stats (self->separator, &st);
  if (st.samples_in < self->bad_input_reported_at)
    self->bad_input_reported_at = 0;    /* a seek started the count again */
  if (end || st.samples_in >= self->bad_input_reported_at + second) {
    if (st.non_finite_samples > 0 && done->non_finite_samples == 0)
      GST_ELEMENT_WARNING (self, STREAM, FORMAT, ("The input holds NaN or "
              "infinite samples: they are separated as silence"),
          ("said once until the caps change; counted in the debug log"));
    if (st.clamped_samples > 0 && done->clamped_samples == 0)
      GST_ELEMENT_WARNING (self, STREAM, FORMAT, ("The input holds samples "
              "beyond +-%g (300 dB over full scale): they are clamped to it, "
              "and their frames are not learned from",
              (double) NMF_SEPARATOR_MAX_SAMPLE),
          ("said once until the caps change; counted in the debug log"));
    if (st.non_finite_samples > done->non_finite_samples)
      GST_WARNING_OBJECT (self, "replaced %" G_GUINT64_FORMAT " NaN/Inf "
          "input samples by silence (%" G_GUINT64_FORMAT " so far)",
          st.non_finite_samples - done->non_finite_samples,
          st.non_finite_samples);
    if (st.clamped_samples > done->clamped_samples)
      GST_WARNING_OBJECT (self, "clamped %" G_GUINT64_FORMAT " samples "
          "beyond +-%g (%" G_GUINT64_FORMAT " so far); their frames are not "
          "learned from", st.clamped_samples - done->clamped_samples,
          (double) NMF_SEPARATOR_MAX_SAMPLE, st.clamped_samples);
    if (st.non_finite_samples > done->non_finite_samples
        || st.clamped_samples > done->clamped_samples)
      self->bad_input_reported_at = st.samples_in;
  } else {
    /* not said yet: counted in the next line */
    st.non_finite_samples = done->non_finite_samples;
    st.clamped_samples = done->clamped_samples;
  }
  if (st.model_refreshes > done->model_refreshes)
    GST_DEBUG_OBJECT (self, "model refreshed %" G_GUINT64_FORMAT " time(s) "
        "(%" G_GUINT64_FORMAT " so far)",
        st.model_refreshes - done->model_refreshes, st.model_refreshes);
  if (st.model_restarts > done->model_restarts)
    GST_INFO_OBJECT (self, "model restarted: a fresh factorization explains "
        "the window much better than the model in force (%" G_GUINT64_FORMAT
        " restart(s) so far)", st.model_restarts);
  if (st.model_failures > done->model_failures)
    GST_WARNING_OBJECT (self, "%" G_GUINT64_FORMAT " model refresh(es) "
        "failed, the previous model is kept: %s",
        st.model_failures - done->model_failures, st.model_error);
  /* with no model ever the sources share every bin evenly: a setting too
   * large for the solver (volmin's many components), said once */
  if (st.model_failures > 0 && done->model_failures == 0
      && st.model_refreshes == 0)
    GST_ELEMENT_WARNING (self, LIBRARY, SETTINGS,
        ("No model could be fitted: the sources share every frequency "
            "evenly until one is (fewer components or a shorter window "
            "would fit)"), ("%s", st.model_error));
  GST_LOG_OBJECT (self, "%" G_GUINT64_FORMAT " samples in, %"
      G_GUINT64_FORMAT " out, %" G_GUINT64_FORMAT " frames", st.samples_in,
      st.samples_out, st.frames);
  /* counters only: model_error is valid until the next core call */
  st.model_error = NULL;
  *done = st;
}

void
gst_nmf_stream_on_frame (void *user_data, uint64_t frame,
    const float *magnitude, const float *masks, const double *energy)
{
  GstNmfSeparate *self = user_data;
  guint64 frame_end = (frame + 1) * nmf_separator_hop_size (self->separator);
  nmf_separator_stats st;

  /* the last frame of a stream covers a partial hop: the interval and the
   * pictures end with the stream's last sample, not the frame's */
  nmf_separator_get_stats (self->separator, &st);
  frame_end = MIN (frame_end, st.samples_in);
  gst_nmf_messages_add_frame (&self->messages, GST_ELEMENT (self),
      &self->timeline, &self->segment, self->separator, frame, frame_end,
      masks, energy);
  gst_nmf_picture_add_frame (&self->picture, self->queues, &self->timeline,
      MIN (frame * nmf_separator_hop_size (self->separator), frame_end),
      frame_end, magnitude, masks);
}

/* The most bytes the mask frames of one core call take, per source: the
 * input is separated in pieces that keep to it.  A buffer's mask frames,
 * one block for all, took bins / hop times the input's size: 181 MB a
 * source for a 1 s buffer at hop-size 1 (peak RSS 725 MB with two
 * sources; GStreamer's allocator aborts when it cannot have it). */
#define MAX_MASK_BLOCK_BYTES (1 << 20)

static GstFlowReturn
process_piece (GstNmfSeparate * self, const float *data, gsize n)
{
  OutputBlock blk;
  nmf_separator_stats st;
  size_t n_audio = 0, n_masks = 0;
  int ret;

  nmf_separator_get_stats (self->separator, &st);
  output_block_alloc (self, &blk,
      nmf_separator_pending_audio (self->separator, n),
      nmf_separator_pending_masks (self->separator, n));
  ret = nmf_separator_process (self->separator, data, n, &blk.out, &n_audio,
      &n_masks);
  if (ret != NMF_OK) {
    output_block_unmap (&blk);
    output_block_free (&blk);
    GST_ELEMENT_ERROR (self, STREAM, FAILED, (NULL),
        ("separator failed: %s", nmf_strerror (ret)));
    return GST_FLOW_ERROR;
  }
  gst_nmf_stream_report_stats (self, FALSE);
  return push_block (self, &blk, st.samples_out, n_audio, st.masks_out,
      n_masks, G_MAXUINT64);
}

static GstFlowReturn
process (GstNmfSeparate * self, const float *data, gsize n)
{
  const gsize channels = GST_AUDIO_INFO_CHANNELS (&self->info);
  const gsize step = audio_out (self) ? n :
      MAX (1, MAX_MASK_BLOCK_BYTES / mask_bytes (self)) *
      nmf_separator_hop_size (self->separator);
  GstFlowReturn ret = GST_FLOW_OK;

  for (gsize done = 0; done < n && ret != GST_FLOW_ERROR; done += step)
    ret = process_piece (self, data + done * channels, MIN (step, n - done));
  return ret;
}

gboolean
gst_nmf_stream_holds_input (GstNmfSeparate * self)
{
  nmf_separator_stats st;

  if (!self->separator)
    return FALSE;
  nmf_separator_get_stats (self->separator, &st);
  return st.samples_in > 0;
}

GstFlowReturn
gst_nmf_stream_drain (GstNmfSeparate * self)
{
  OutputBlock blk;
  nmf_separator_stats st;
  size_t n_audio = 0, n_masks = 0, max_audio, max_masks;
  guint64 audio_first, mask_first;
  GstFlowReturn ret = GST_FLOW_OK;
  int more = 1;

  if (!self->separator)
    return GST_FLOW_OK;
  nmf_separator_get_stats (self->separator, &st);
  if (st.samples_in == 0) {
    /* nothing to push, but the end of a stream all the same (after a seek
     * to the end, say): the core forgets what ends with it */
    release_events_upto (self, G_MAXUINT64);
    gst_nmf_stream_report_stats (self, TRUE);
    nmf_separator_drain (self->separator, NULL, NULL, NULL);
    return GST_FLOW_OK;
  }
  GST_DEBUG_OBJECT (self, "draining %" G_GUINT64_FORMAT " samples",
      (guint64) nmf_separator_drain_audio (self->separator));
  gst_nmf_timeline_end_stream (&self->timeline, st.samples_in);
  gst_nmf_stream_report_stats (self, TRUE);
  /* in parts of at most a buffer's samples, or of the masks a core call
   * may make while separating (process): in one block the look-ahead's
   * masks took 410 MB a source at lookahead-frames 100000, 2.1 GB at
   * fft-size 32768 hop-size 1, and its audio 205 MB */
  if (audio_out (self)) {
    max_audio = MAX (MAX_BUFFER_SAMPLES,
        nmf_separator_hop_size (self->separator));
    max_masks = G_MAXSIZE;
  } else {
    max_audio = G_MAXSIZE;
    max_masks = MAX (1, MAX_MASK_BLOCK_BYTES / mask_bytes (self));
  }
  audio_first = st.samples_out;
  mask_first = st.masks_out;
  while (more) {
    output_block_alloc (self, &blk, MIN (max_audio,
            nmf_separator_drain_audio (self->separator)), MIN (max_masks,
            nmf_separator_drain_masks (self->separator)));
    nmf_separator_drain_part (self->separator, &blk.out, max_audio,
        max_masks, &n_audio, &n_masks, &more);
    /* (every part, whatever the flow: the core's stream ends with the
     * last) */
    ret = push_block (self, &blk, audio_first, n_audio, mask_first, n_masks,
        st.samples_in);
    audio_first += n_audio;
    mask_first += n_masks;
  }
  release_events_upto (self, G_MAXUINT64);
  /* the last partial interval of messages, and the still picture */
  gst_nmf_messages_post (&self->messages, GST_ELEMENT (self),
      &self->timeline, &self->segment, st.samples_in);
  gst_nmf_picture_push_still (&self->picture, self->queues, &self->timeline,
      st.samples_in);
  return ret;
}

/* ------------------------------------------------------------------------ */
/* Input */

/* The segment's time now, for an untimestamped buffer from a live
 * upstream: the running time it came at, as GstBaseSrc's do-timestamp
 * stamps (a live pipeline's sinks sync on the running time); NONE
 * otherwise. */
static GstClockTime
live_arrival (GstNmfSeparate * self)
{
  GstClockTime now = GST_CLOCK_TIME_NONE, base = 0, position;
  GstClock *clock = NULL;

  GST_OBJECT_LOCK (self);
  if (GST_STATE (self) == GST_STATE_PLAYING && GST_ELEMENT_CLOCK (self)) {
    clock = gst_object_ref (GST_ELEMENT_CLOCK (self));
    base = GST_ELEMENT_CAST (self)->base_time;
  }
  GST_OBJECT_UNLOCK (self);
  if (!clock)
    return GST_CLOCK_TIME_NONE;
  if (self->segment.format == GST_FORMAT_TIME && self->timeline.live)
    now = gst_clock_get_time (clock);
  gst_object_unref (clock);
  if (!GST_CLOCK_TIME_IS_VALID (now))
    return GST_CLOCK_TIME_NONE;
  position = gst_segment_position_from_running_time (&self->segment,
      GST_FORMAT_TIME, now > base ? now - base : 0);
  return GST_CLOCK_TIME_IS_VALID (position) ? position : self->segment.start;
}

/* A new stream begins with `buffer` (n samples, timestamped pts). */
static void
start_stream (GstNmfSeparate * self, GstBuffer * buffer, gsize n,
    GstClockTime pts)
{
  GstClockTime time = gst_nmf_timeline_start (&self->timeline, buffer, n,
      pts, GST_CLOCK_TIME_IS_VALID (pts) ? GST_CLOCK_TIME_NONE :
      live_arrival (self));
  nmf_separator_config cfg;

  gst_nmf_messages_restart (&self->messages);
  nmf_separator_get_config (self->separator, &cfg);
  if (cfg.lookahead_frames > 0 && GST_CLOCK_TIME_IS_VALID (time)
      && !self->timeline.reverse) {
    /* The output comes seconds after the input: let the sinks preroll on
     * an empty gap meanwhile.  Otherwise a non-live pipeline that tees the
     * input to another, prerolled sink never prerolls: that branch's queue
     * fills and blocks the tee before enough input has come here.  (Not
     * backwards: there the stream comes out with the buffer that starts
     * it, and a sink syncs a gap at its start when that buffer has
     * played.) */
    GstClockTime start = gst_nmf_timeline_time (&self->timeline, 0);
    for (guint s = 0; s < NMF_SEPARATOR_MAX_SOURCES; s++)
      if (self->srcpad_of[s])
        gst_nmf_out_queues_push (self->queues, self->srcpad_of[s],
            GST_MINI_OBJECT_CAST (gst_event_new_gap (start, 0)));
  }
  gst_nmf_picture_restart (&self->picture, self->queues, time,
      (guint) cfg.hop_size);
}

/* Controlled properties follow their control sources (as GstBaseTransform
 * makes them), and what may change while playing reaches the core only
 * when it did change. */
static void
apply_live_settings (GstNmfSeparate * self, GstClockTime pts)
{
  GstNmfLiveSettings live;

  if (self->segment.format == GST_FORMAT_TIME) {
    /* the time of the frames this buffer releases: with a look-ahead the
     * values apply to output that much older (a curve lined up with the
     * input moved the output's change 6 s early with the file profile) */
    GstClockTime released = pts, stream_time;
    if (GST_CLOCK_TIME_IS_VALID (pts))
      released = pts > self->lookahead + self->segment.start ?
          pts - self->lookahead : self->segment.start;
    stream_time = gst_segment_to_stream_time (&self->segment,
        GST_FORMAT_TIME, released);
    if (GST_CLOCK_TIME_IS_VALID (stream_time))
      gst_object_sync_values (GST_OBJECT (self), stream_time);
    /* but iterations act on the frames entering: their curve is read at
     * the buffer's own time (it changed the model a look-ahead late) */
    if (self->lookahead > 0 && released != pts) {
      GstControlBinding *entering =
          gst_object_get_control_binding (GST_OBJECT (self), "iterations");
      stream_time = gst_segment_to_stream_time (&self->segment,
          GST_FORMAT_TIME, pts);
      if (entering && !gst_control_binding_is_disabled (entering)
          && GST_CLOCK_TIME_IS_VALID (stream_time))
        gst_control_binding_sync_values (entering, GST_OBJECT (self),
            stream_time, GST_CLOCK_TIME_NONE);
      gst_clear_object (&entering);
    }
  }
  /* (cleared before it is read: a value set meanwhile is applied after) */
  g_atomic_int_set (&self->enrol_changed, 0);
  gst_nmf_settings_take_live (GST_ELEMENT (self), &self->settings, &live);
  self->messages.post = live.post_messages;
  self->messages.interval = live.interval;
  self->messages.with_masks = live.message_masks;
  if (live.iterations_changed)
    nmf_separator_set_iterations (self->separator, live.iterations);
  if (live.mask_exponent_changed)
    nmf_separator_set_mask_exponent (self->separator, live.mask_exponent);
  gst_nmf_enrol_apply (&self->enrol, self->separator, live.enrol_source,
      live.enrol_components, live.enrol_shifts);
}

GstFlowReturn
gst_nmf_stream_chain (GstNmfSeparate * self, GstBuffer * buffer)
{
  GstFlowReturn ret = GST_FLOW_OK;
  nmf_separator_stats st;
  GstClockTime pts;
  GstMapInfo map;
  gsize n, size, bpf;

  if (G_UNLIKELY (!self->separator)) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL),
        ("received a buffer before caps"));
    gst_buffer_unref (buffer);
    return GST_FLOW_NOT_NEGOTIATED;
  }
  /* an untimestamped buffer: the time its sample count gives it, known
   * here when it continues a stream (without it no control source was
   * ever applied to such a stream) */
  pts = GST_BUFFER_PTS (buffer);
  if (!GST_CLOCK_TIME_IS_VALID (pts)) {
    nmf_separator_get_stats (self->separator, &st);
    if (st.samples_in > 0)
      pts = gst_nmf_timeline_time (&self->timeline, st.samples_in);
  }
  apply_live_settings (self, pts);

  size = gst_buffer_get_size (buffer);
  bpf = GST_AUDIO_INFO_BPF (&self->info);
  n = size / bpf;
  if (G_UNLIKELY (size % bpf) && !self->partial_frame_reported) {
    /* no sample can be made of the bytes left over: said once per format
     * (they went without a word) */
    GST_ELEMENT_WARNING (self, STREAM, FORMAT, ("A buffer of %" G_GSIZE_FORMAT
            " bytes is not a whole number of %" G_GSIZE_FORMAT "-byte "
            "samples: its last %" G_GSIZE_FORMAT " bytes are dropped", size,
            bpf, size % bpf), ("said once until the caps change"));
    self->partial_frame_reported = TRUE;
  }
  if (n == 0) {
    /* no sample: no place on the timeline (one stamped far off cut the
     * stream twice), but a DISCONT holds for what follows */
    gst_nmf_timeline_skip_empty (&self->timeline, buffer);
    gst_buffer_unref (buffer);
    return GST_FLOW_OK;
  }
  nmf_separator_get_stats (self->separator, &st);
  self->collect_backwards = self->timeline.reverse;
  if (gst_nmf_timeline_is_new_stream (&self->timeline, buffer, n,
          st.samples_in, &pts)) {
    if (st.samples_in > 0) {
      GST_DEBUG_OBJECT (self, "discontinuity at %" GST_TIME_FORMAT
          ": draining and starting a new stream", GST_TIME_ARGS (pts));
      ret = gst_nmf_stream_drain (self);
    }
    start_stream (self, buffer, n, pts);
    /* an untimestamped one that starts a stream: its time is known now */
    if (!GST_BUFFER_PTS_IS_VALID (buffer))
      apply_live_settings (self, gst_nmf_timeline_time (&self->timeline, 0));
  }

  if (ret == GST_FLOW_OK || ret == GST_FLOW_NOT_LINKED) {
    gst_buffer_map (buffer, &map, GST_MAP_READ);
    ret = process (self, (const float *) map.data, n);
    gst_buffer_unmap (buffer, &map);
  }
  /* backwards each buffer is a stream of its own: out at once (held until
   * the next one came, every buffer reached the sink as late as its own
   * duration), last piece first */
  if (self->collect_backwards) {
    if (ret == GST_FLOW_OK || ret == GST_FLOW_NOT_LINKED)
      ret = gst_nmf_stream_drain (self);
    ret = push_backwards (self, ret);
  }
  gst_buffer_unref (buffer);
  return ret;
}

void
gst_nmf_stream_fill_gap (GstNmfSeparate * self, GstEvent * event)
{
  GstClockTime ts, duration;
  guint64 samples, done = 0;
  gint rate = GST_AUDIO_INFO_RATE (&self->info);
  gsize bpf = GST_AUDIO_INFO_BPF (&self->info);

  gst_event_parse_gap (event, &ts, &duration);
  if (!GST_CLOCK_TIME_IS_VALID (duration))
    return;
  /* up to the gap's end on the stream's sample grid, not its length
   * rounded: gaps of a fractional number of samples (10 ms at 11025 Hz)
   * then tile their time instead of drifting from their timestamps */
  if (self->separator) {
    nmf_separator_stats st;
    nmf_separator_get_stats (self->separator, &st);
    samples = gst_nmf_timeline_gap_samples (&self->timeline, ts, duration,
        st.samples_in);
  } else {
    samples = gst_util_uint64_scale_round (duration, rate, GST_SECOND);
  }
  while (done < samples) {
    guint64 n = MIN (samples - done, GAP_CHUNK_SAMPLES);
    GstBuffer *silence = gst_buffer_new_allocate (NULL, n * bpf, NULL);
    gst_buffer_memset (silence, 0, 0, n * bpf);
    GST_BUFFER_PTS (silence) = GST_CLOCK_TIME_IS_VALID (ts) ?
        ts + gst_util_uint64_scale_int (done, GST_SECOND, rate) :
        GST_CLOCK_TIME_NONE;
    if (gst_nmf_stream_chain (self, silence) != GST_FLOW_OK)
      break;
    done += n;
  }
}

void
gst_nmf_stream_apply_enrol (GstNmfSeparate * self)
{
  gint source;
  guint components, shifts;

  if (!self->separator)
    return;
  g_atomic_int_set (&self->enrol_changed, 0);
  GST_OBJECT_LOCK (self);
  source = self->settings.enrol_source;
  components = self->settings.enrol_components;
  shifts = self->settings.enrol_shifts;
  GST_OBJECT_UNLOCK (self);
  gst_nmf_enrol_apply (&self->enrol, self->separator, source, components,
      shifts);
}

void
gst_nmf_stream_flush (GstNmfSeparate * self)
{
  if (self->separator)
    nmf_separator_reset (self->separator, 1);
  gst_nmf_timeline_mark_discont (&self->timeline);
  gst_nmf_picture_flush (&self->picture);
}

/* The pad's stream-id is upstream's with the pad's name, as
 * gst_pad_create_stream_id makes it; that function reads upstream's from
 * the sink pad's sticky event, which is not stored yet while the event is
 * handled (it made a random one for every pad). */
GstEvent *
gst_nmf_stream_pad_stream_start (GstNmfSeparate * self, GstPad * pad,
    GstEvent * upstream)
{
  guint group_id;
  GstStreamFlags flags;
  const gchar *upstream_id = NULL;
  gchar *id;
  GstEvent *ev;

  gst_event_parse_stream_start (upstream, &upstream_id);
  id = upstream_id ? g_strdup_printf ("%s/%s", upstream_id,
      GST_PAD_NAME (pad)) : gst_pad_create_stream_id (pad, GST_ELEMENT (self),
      GST_PAD_NAME (pad));
  ev = gst_event_new_stream_start (id);

  g_free (id);
  if (gst_event_parse_group_id (upstream, &group_id))
    gst_event_set_group_id (ev, group_id);
  gst_event_parse_stream_flags (upstream, &flags);
  gst_event_set_stream_flags (ev, flags);
  return ev;
}

void
gst_nmf_stream_push_stream_start (GstNmfSeparate * self, GstEvent * event)
{
  for (guint i = 0; i < gst_nmf_out_queues_n_pads (self->queues); i++) {
    GstPad *pad = gst_nmf_out_queues_pad (self->queues, i);
    gst_nmf_out_queues_push (self->queues, pad,
        GST_MINI_OBJECT_CAST (gst_nmf_stream_pad_stream_start (self, pad,
                event)));
  }
  /* kept for the pads that join this stream later (the sink pad stores it
   * only once the handler has returned) */
  gst_event_replace (&self->stream_start, event);
  gst_event_unref (event);
}

void
gst_nmf_stream_stop (GstNmfSeparate * self)
{
  if (self->separator)         /* what the rate limit held back */
    gst_nmf_stream_report_stats (self, TRUE);
  nmf_separator_destroy (&self->separator);
  self->have_info = FALSE;
  g_atomic_int_set (&self->ended, FALSE);
  GST_OBJECT_LOCK (self);
  self->latency = 0;
  GST_OBJECT_UNLOCK (self);
  gst_nmf_timeline_clear (&self->timeline);
  gst_segment_init (&self->segment, GST_FORMAT_TIME);
  gst_nmf_messages_clear (&self->messages);
  gst_nmf_picture_reset (&self->picture);
  gst_event_replace (&self->stream_start, NULL);
  drop_events (self, FALSE);
}
