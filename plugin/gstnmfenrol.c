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

#include "gstnmfenrol.h"

#include <nmf/dictionary.h>

#include <string.h>

GST_DEBUG_CATEGORY_EXTERN (gst_nmf_separate_debug);
#define GST_CAT_DEFAULT gst_nmf_separate_debug

/* The most values (frames x bins) an enrolment keeps: 5200 frames at the
 * default fft-size, a minute at 44.1 kHz and hop 512; a source played
 * alone longer than that is learned from its first minute.  Counted in
 * values, not frames: the frames and their learning (some 40 bytes a
 * value) then take the same memory and time at every fft-size (5200
 * frames of 16385 bins were 16 minutes at hop 8192 and some 3.4 GB). */
#define MAX_ENROL_VALUES (5200 * 1025)

/* The frames an enrolment of bins-long frames keeps. */
static size_t
max_enrol_frames (size_t bins)
{
  return MAX (MAX_ENROL_VALUES / bins, 1);
}

/* A learning, handed to the worker thread. */
typedef struct
{
  GstNmfEnrol *enrol;
  guint source;
  float *frames;                /* n x bins */
  size_t n, bins;
  guint components, shifts;
  guint64 seed;
  gint rate;                    /* the frames' */
} Job;

static const gchar *state_names[] = {
  "blind", "enrolling", "learning", "enrolled"
};

/* An element message "nmfseparate-enrolment" saying that source's state
 * changed: "enrolling", "learned" (its templates are ready and go into the
 * separator at the next buffer), "enrolled" (they are in force), "blind"
 * (an enrolment that failed, or templates removed). */
static void
post_state (GstNmfEnrol * e, guint source, const gchar * state,
    guint templates)
{
  gst_element_post_message (e->element,
      gst_message_new_element (GST_OBJECT (e->element),
          gst_structure_new ("nmfseparate-enrolment", "source", G_TYPE_UINT,
              source, "state", G_TYPE_STRING, state, "templates",
              G_TYPE_UINT, templates, NULL)));
}

/* What source s holds when nothing is under way: its dictionary or none
 * (under the lock). */
static GstNmfEnrolState
held_state (const GstNmfEnrol * e, guint s)
{
  return e->dictionary[s] ? GST_NMF_ENROL_ENROLLED : GST_NMF_ENROL_BLIND;
}

/* Source s's state becomes `state` (GST_NMF_ENROL_N: what it holds),
 * if it is `from` (GST_NMF_ENROL_N: whatever it is), said on the bus when
 * it changed.  Called without the lock. */
static void
change_state_from (GstNmfEnrol * e, guint s, GstNmfEnrolState from,
    GstNmfEnrolState state)
{
  gboolean changed;
  guint templates;

  g_mutex_lock (&e->lock);
  if (state == GST_NMF_ENROL_N)
    state = held_state (e, s);
  changed = (from == GST_NMF_ENROL_N || e->state[s] == from)
      && e->state[s] != state;
  if (changed)
    e->state[s] = state;
  templates = state == GST_NMF_ENROL_ENROLLED ? (guint) e->count[s] : 0;
  g_mutex_unlock (&e->lock);
  if (changed)
    post_state (e, s, state_names[state], templates);
}

static void
change_state (GstNmfEnrol * e, guint s, GstNmfEnrolState state)
{
  change_state_from (e, s, GST_NMF_ENROL_N, state);
}

/* Worker thread: the learning of `nmftool learn`, then the templates wait
 * for the streaming thread. */
static void
learn (gpointer data, G_GNUC_UNUSED gpointer user_data)
{
  Job *job = data;
  GstNmfEnrol *e = job->enrol;
  const size_t K = job->components, copies = 2 * job->shifts + 1;
  float *W = g_new (float, job->bins * K);
  float *shifted = g_new (float, job->bins * K * copies);
  char message[256] = "";
  nmf_status ret;

  g_mutex_lock (&e->lock);
  e->learning_thread = g_thread_self ();
  g_mutex_unlock (&e->lock);
  /* a stop cancels it between two iterations (it waited for a learning
   * that takes seconds) */
  ret = nmf_dictionary_learn_cancellable (job->frames, job->n, job->bins, K,
      NMF_DICTIONARY_DEFAULT_ITERATIONS, job->seed, &e->cancel, W, message,
      sizeof message);
  if (ret == NMF_OK)
    ret = nmf_dictionary_shift (W, job->bins, K, (int) job->shifts, shifted,
        message, sizeof message);
  g_free (W);
  /* said before the templates are handed over: once they are, the
   * streaming thread may install them and say "enrolled" first (the
   * last state said was then "learned" for an enrolled source) */
  if (ret == NMF_OK)
    post_state (e, job->source, "learned", (guint) (K * copies));
  g_mutex_lock (&e->lock);
  if (ret == NMF_OK) {
    g_free (e->waiting[job->source]);
    e->waiting[job->source] = shifted;
    e->waiting_count[job->source] = K * copies;
    e->waiting_bins[job->source] = job->bins;
    e->waiting_rate[job->source] = job->rate;
    e->has_waiting[job->source] = TRUE;
  } else {
    g_free (shifted);
  }
  g_mutex_unlock (&e->lock);
  if (ret == NMF_ERR_CANCELLED) {
    GST_INFO_OBJECT (e->element, "source %u's learning cancelled: the "
        "element stops", job->source);
    change_state_from (e, job->source, GST_NMF_ENROL_LEARNING,
        GST_NMF_ENROL_N);
  } else if (ret != NMF_OK) {
    GST_ELEMENT_WARNING (e->element, STREAM, FAILED,
        ("Could not enrol source %u: %s", job->source, message),
        ("%zu frames kept while it played alone, %u templates asked for",
            job->n, job->components));
    /* (a source enrolled again meanwhile stays "enrolling") */
    change_state_from (e, job->source, GST_NMF_ENROL_LEARNING,
        GST_NMF_ENROL_N);
  } else {
    GST_INFO_OBJECT (e->element, "source %u learned: %zu templates from %zu "
        "frames", job->source, K * copies, job->n);
  }
  g_free (job->frames);
  g_free (job);
  /* the last touch of e: a stop may be waiting for this */
  g_mutex_lock (&e->lock);
  e->learning_thread = NULL;
  if (--e->jobs == 0)
    g_cond_broadcast (&e->idle);
  g_mutex_unlock (&e->lock);
}

void
gst_nmf_enrol_init (GstNmfEnrol * e, GstElement * element)
{
  memset (e, 0, sizeof (*e));
  e->element = element;
  e->enrolling = -1;
  e->refused = -1;
  g_mutex_init (&e->lock);
  g_cond_init (&e->idle);
  e->pool = g_thread_pool_new (learn, NULL, 1, FALSE, NULL);
}

void
gst_nmf_enrol_clear (GstNmfEnrol * e)
{
  /* no learning runs here (gst_nmf_enrol_stop waited for it): one that
   * posted on the element being finalized crashed */
  g_thread_pool_free (e->pool, FALSE, TRUE);
  for (guint s = 0; s < NMF_SEPARATOR_MAX_SOURCES; s++) {
    g_free (e->dictionary[s]);
    g_free (e->waiting[s]);
  }
  g_cond_clear (&e->idle);
  g_mutex_clear (&e->lock);
}

/* Why enrol-components templates cannot be learned from frames of `bins`
 * values, with the sizes that would do (g_free it). */
static gchar *
too_many_components (guint components, size_t bins)
{
  return g_strdup_printf ("enrol-components=%u templates need as many "
      "frequency bins, and fft-size %zu has %zu: set fft-size to %u or "
      "more, or enrol-components to %zu or fewer", components,
      2 * (bins - 1), bins, 2 * (components - 1), bins);
}

/* Ends the enrolment in progress; learn = TRUE hands its frames to the
 * worker. */
static void
end_enrolment (GstNmfEnrol * e, nmf_separator * sep, gboolean learn,
    guint components, guint shifts)
{
  const guint s = (guint) e->enrolling;
  const size_t bins = nmf_separator_bins (sep);
  const float *frames = NULL;
  size_t n = 0;

  nmf_separator_enrol_stop (sep, &frames, &n);
  e->enrolling = -1;
  if (learn && n > 0 && components > bins) {
    /* enrol-components raised past the bins while the source was
     * enrolled: said with the sizes that would do, not handed to a
     * learning that can only fail */
    gchar *why = too_many_components (components, bins);
    GST_ELEMENT_WARNING (e->element, STREAM, FAILED,
        ("Could not enrol source %u: %s", s, why), (NULL));
    g_free (why);
    learn = FALSE;
  }
  if (!learn || n == 0) {
    if (learn)
      GST_ELEMENT_WARNING (e->element, STREAM, FAILED,
          ("Could not enrol source %u: no frame came while it was enrolled",
              s), (NULL));
    change_state (e, s, GST_NMF_ENROL_N);
    return;
  }
  Job *job = g_new0 (Job, 1);
  job->enrol = e;
  job->source = s;
  job->bins = bins;
  job->n = n;
  job->frames = g_memdup2 (frames, sizeof (float) * n * job->bins);
  job->components = components;
  job->shifts = shifts;
  job->seed = e->seed;
  job->rate = e->rate;
  /* said before the worker can say how it ended */
  change_state (e, s, GST_NMF_ENROL_LEARNING);
  g_mutex_lock (&e->lock);
  e->jobs++;
  g_thread_pool_push (e->pool, job, NULL);
  g_mutex_unlock (&e->lock);
}

/* Installs source s's dictionary (count 0: removes it), learned at rate
 * (0: unknown). */
static void
install (GstNmfEnrol * e, nmf_separator * sep, guint s, float *templates,
    size_t count, gint rate)
{
  char message[256] = "";
  const size_t bins = nmf_separator_bins (sep);

  g_mutex_lock (&e->lock);
  e->installing[s] = templates;
  e->installing_count[s] = count;
  e->installing_bins[s] = bins;
  g_mutex_unlock (&e->lock);
  if (nmf_separator_set_dictionary (sep, (int) s, templates, count, message,
          sizeof message) != NMF_OK) {
    g_mutex_lock (&e->lock);
    e->installing[s] = NULL;
    g_mutex_unlock (&e->lock);
    GST_ELEMENT_WARNING (e->element, STREAM, FAILED,
        ("Could not hold source %u's templates fixed: %s", s, message),
        (NULL));
    g_free (templates);
    /* (it stayed "learning" for ever) */
    if (e->enrolling != (gint) s)
      change_state (e, s, GST_NMF_ENROL_N);
    return;
  }
  g_mutex_lock (&e->lock);
  e->installing[s] = NULL;
  g_free (e->dictionary[s]);
  e->dictionary[s] = count > 0 ? templates : NULL;
  e->count[s] = count;
  e->bins[s] = bins;
  e->rates[s] = rate;
  g_mutex_unlock (&e->lock);
  {
    /* the settings the log gave at the start changed: the model's were
     * resolved again with the templates, its timing was kept */
    nmf_separator_config cfg;
    nmf_separator_get_config (sep, &cfg);
    GST_INFO_OBJECT (e->element, "source %u holds %" G_GSIZE_FORMAT
        " templates: now %d blind components, %d iterations, mask exponent "
        "%d; window %d frames, %d bands per octave, look-ahead %d frames "
        "as before", s, count, cfg.components, cfg.iterations,
        cfg.mask_exponent, cfg.window_frames, cfg.bands_per_octave,
        cfg.lookahead_frames);
  }
  if (count == 0)
    g_free (templates);
  /* a learning installed while the source is enrolled again: it stays
   * "enrolling" (it said "enrolled" while frames were still kept) */
  if (e->enrolling != (gint) s)
    change_state (e, s, GST_NMF_ENROL_N);
}

void
gst_nmf_enrol_apply (GstNmfEnrol * e, nmf_separator * sep, gint wanted,
    guint components, guint shifts)
{
  nmf_separator_config cfg;

  nmf_separator_get_config (sep, &cfg);
  e->seed = cfg.seed;
  const size_t bins = nmf_separator_bins (sep);
  /* (too many templates for the bins refuse an enrolment that would
   * start, not the one under way: enrol-components is read when it ends,
   * and raised meanwhile it cut the enrolment short, "enrol-source=0
   * ignored", and its frames went to a learning that could only fail) */
  if (wanted >= cfg.sources || cfg.algorithm != NMF_ALGORITHM_KL
      || (components > bins && wanted != e->enrolling)) {
    /* said once on the bus, where the application that set it can see it
     * (it was a debug warning on every buffer); too few bins for the
     * templates was said only when the source stopped, after the learning,
     * as the learning's "rank larger than the data allows" */
    if (wanted >= 0 && wanted != e->refused) {
      gchar *why = wanted >= cfg.sources ?
          g_strdup ("there is no such source (n-sources)") :
          cfg.algorithm != NMF_ALGORITHM_KL ?
          g_strdup ("enrolment needs algorithm kl") :
          too_many_components (components, bins);
      GST_ELEMENT_WARNING (e->element, LIBRARY, SETTINGS,
          ("enrol-source=%d ignored: %s", wanted, why), (NULL));
      g_free (why);
    }
    e->refused = wanted;
    wanted = -1;
  } else
    e->refused = -1;
  if (wanted != e->enrolling) {
    if (e->enrolling >= 0)
      end_enrolment (e, sep, TRUE, components, shifts);
    if (wanted >= 0) {
      if (nmf_separator_enrol_start (sep,
              max_enrol_frames (nmf_separator_bins (sep))) == NMF_OK) {
        e->enrolling = wanted;
        change_state (e, (guint) wanted, GST_NMF_ENROL_ENROLLING);
      } else {
        GST_ELEMENT_WARNING (e->element, RESOURCE, NO_SPACE_LEFT,
            ("Could not enrol source %d: out of memory", wanted), (NULL));
      }
    }
  }

  for (guint s = 0; s < NMF_SEPARATOR_MAX_SOURCES; s++) {
    float *templates;
    size_t count, made_for;
    gint rate;
    g_mutex_lock (&e->lock);
    if (!e->has_waiting[s]) {
      g_mutex_unlock (&e->lock);
      continue;
    }
    templates = e->waiting[s];
    count = e->waiting_count[s];
    made_for = e->waiting_bins[s];
    rate = e->waiting_rate[s];
    e->waiting[s] = NULL;
    e->has_waiting[s] = FALSE;
    g_mutex_unlock (&e->lock);
    /* loaded for a source the stream does not have (n-sources set lower
     * after the load): said and dropped, not kept for ever */
    if (s >= (guint) cfg.sources) {
      GST_ELEMENT_WARNING (e->element, STREAM, FAILED,
          ("Templates loaded for source %u are not used: there are %d "
              "sources (n-sources)", s, cfg.sources), (NULL));
      g_free (templates);
      continue;
    }
    /* templates of another FFT size (fft-size changed after the load or
     * the enrolment) cannot be held: they would be read past their end;
     * nor those learned at another rate (the format changed while they
     * were learned): their bins are other frequencies */
    if (count > 0 && (made_for != nmf_separator_bins (sep)
            || (rate > 0 && rate != e->rate))) {
      guint held;
      gchar *why = made_for != nmf_separator_bins (sep) ?
          g_strdup_printf ("they have %" G_GSIZE_FORMAT " bins (fft-size %"
          G_GSIZE_FORMAT "), the element %" G_GSIZE_FORMAT " (fft-size %"
          G_GSIZE_FORMAT ")", made_for, 2 * (made_for - 1),
          nmf_separator_bins (sep), 2 * (nmf_separator_bins (sep) - 1)) :
          g_strdup_printf ("they were learned at %d Hz, the stream is now "
          "%d Hz", rate, e->rate);
      g_mutex_lock (&e->lock);
      /* a learning that ends here ends unused: the state says what is
       * held (it stayed "learning") */
      held = e->dictionary[s] ? (guint) e->count[s] : 0;
      e->state[s] = held ? GST_NMF_ENROL_ENROLLED : GST_NMF_ENROL_BLIND;
      g_mutex_unlock (&e->lock);
      post_state (e, s, held ? "enrolled" : "blind", held);
      GST_ELEMENT_WARNING (e->element, STREAM, FAILED,
          ("Could not hold source %u's templates fixed: %s", s, why), (NULL));
      g_free (why);
      g_free (templates);
      continue;
    }
    install (e, sep, s, templates, count, rate);
  }
}

void
gst_nmf_enrol_new_separator (GstNmfEnrol * e, nmf_separator * sep,
    gint rate)
{
  const size_t bins = nmf_separator_bins (sep);
  nmf_separator_config cfg;

  nmf_separator_get_config (sep, &cfg);
  e->enrolling = -1;
  e->refused = -1;              /* a refused value is said again */
  e->rate = rate;
  for (guint s = 0; s < NMF_SEPARATOR_MAX_SOURCES; s++) {
    float *copy = NULL;
    size_t count, held_bins;
    gint learned_at;
    const gchar *dropped = NULL;
    gboolean was_enrolling;
    g_mutex_lock (&e->lock);
    count = e->count[s];
    held_bins = e->bins[s];
    learned_at = e->rates[s];
    if (!e->dictionary[s]) {
    } else if (e->bins[s] != bins)
      dropped = "another FFT size";
    else if (s >= (guint) cfg.sources)
      dropped = "fewer sources";
    else if (cfg.algorithm != NMF_ALGORITHM_KL)
      dropped = "algorithm volmin";
    /* learned at another rate: their bins are other frequencies (the
     * core drops its learned templates there too) */
    else if (learned_at > 0 && learned_at != rate)
      dropped = "another sample rate";
    if (dropped) {
      g_clear_pointer (&e->dictionary[s], g_free);
    } else if (e->dictionary[s]) {
      copy = g_memdup2 (e->dictionary[s], sizeof (float) * bins * count);
    }
    was_enrolling = e->state[s] == GST_NMF_ENROL_ENROLLING;
    g_mutex_unlock (&e->lock);
    /* (said outside the lock: a bus handler may save or load) */
    if (dropped)
      GST_ELEMENT_WARNING (e->element, STREAM, FAILED,
          ("Source %u's enrolled templates no longer apply (%s): it is "
              "blind again", s, dropped), ("learned at %d Hz, %"
              G_GSIZE_FORMAT " bins; the stream %d Hz, %" G_GSIZE_FORMAT
              " bins", learned_at, held_bins, rate, bins));
    if (dropped || was_enrolling)
      change_state (e, s, GST_NMF_ENROL_N);
    if (copy)
      install (e, sep, s, copy, count, learned_at);
  }
}

void
gst_nmf_enrol_stop (GstNmfEnrol * e)
{
  const gint s = e->enrolling;

  e->enrolling = -1;
  e->refused = -1;
  if (s >= 0)
    change_state (e, (guint) s, GST_NMF_ENROL_N);
  /* a learning under way is cancelled and waited for (one that ended after
   * the element was gone posted on it); not from the learning's own
   * thread (a bus sync handler of its message that stops the pipeline:
   * it would wait for itself) */
  g_mutex_lock (&e->lock);
  if (e->learning_thread != g_thread_self ()) {
    g_atomic_int_set (&e->cancel, 1);
    while (e->jobs > 0)
      g_cond_wait (&e->idle, &e->lock);
    g_atomic_int_set (&e->cancel, 0);
  }
  g_mutex_unlock (&e->lock);
}

void
gst_nmf_enrol_describe (GstNmfEnrol * e, guint n, GValue * array)
{
  g_value_init (array, GST_TYPE_ARRAY);
  g_mutex_lock (&e->lock);
  for (guint s = 0; s < n; s++) {
    GValue v = G_VALUE_INIT;
    g_value_init (&v, G_TYPE_STRING);
    g_value_set_static_string (&v, state_names[e->state[s]]);
    gst_value_array_append_and_take_value (array, &v);
  }
  g_mutex_unlock (&e->lock);
}

gboolean
gst_nmf_enrol_save (GstNmfEnrol * e, guint source, const gchar * path)
{
  char message[256] = "";
  nmf_status ret = NMF_ERR_INVALID_ARGUMENT;

  const float *held = NULL;
  float *copy = NULL;
  size_t count = 0, bins = 0;

  g_mutex_lock (&e->lock);
  /* the newest: one loaded or learned but not installed yet (that waits
   * for the next buffer, which may never come: a paused or ended stream),
   * one being installed, then the one in force */
  if (source >= NMF_SEPARATOR_MAX_SOURCES) {
  } else if (e->has_waiting[source]) {
    held = e->waiting[source];
    count = e->waiting_count[source];
    bins = e->waiting_bins[source];
  } else if (e->installing[source]) {
    held = e->installing[source];
    count = e->installing_count[source];
    bins = e->installing_bins[source];
  } else if (e->dictionary[source]) {
    held = e->dictionary[source];
    count = e->count[source];
    bins = e->bins[source];
  }
  if (held && count > 0)
    copy = g_memdup2 (held, sizeof (float) * bins * count);
  else if (source < NMF_SEPARATOR_MAX_SOURCES
      && e->state[source] == GST_NMF_ENROL_ENROLLING)
    /* (it said "no templates", as if the enrolment had not counted) */
    g_snprintf (message, sizeof message, "source %u is being enrolled: its "
        "templates are learned once enrol-source leaves it", source);
  else if (source < NMF_SEPARATOR_MAX_SOURCES
      && e->state[source] == GST_NMF_ENROL_LEARNING)
    g_snprintf (message, sizeof message, "source %u's templates are still "
        "being learned (an nmfseparate-enrolment message says \"learned\" "
        "when they are ready)", source);
  g_mutex_unlock (&e->lock);
  /* written outside the lock, which the streaming thread takes at every
   * buffer (a file that blocked stopped the audio) */
  if (copy)
    ret = nmf_dictionary_save_npy (path, copy, bins, count, message,
        sizeof message);
  g_free (copy);
  if (ret != NMF_OK && !message[0])
    g_snprintf (message, sizeof message, "source %u has no templates", source);
  if (ret != NMF_OK)
    GST_ELEMENT_WARNING (e->element, RESOURCE, WRITE,
        ("Could not save source %u's templates to %s: %s", source, path,
            message), (NULL));
  return ret == NMF_OK;
}

gboolean
gst_nmf_enrol_load (GstNmfEnrol * e, guint source, const gchar * path,
    size_t bins)
{
  char message[256] = "";
  float *W = NULL;
  size_t count = 0;
  nmf_status ret = NMF_ERR_INVALID_ARGUMENT;

  if (source < NMF_SEPARATOR_MAX_SOURCES)
    ret = nmf_dictionary_load_npy (path, bins, &W, &count, message,
        sizeof message);
  else
    g_snprintf (message, sizeof message, "no source %u", source);
  if (ret != NMF_OK) {
    GST_ELEMENT_WARNING (e->element, RESOURCE, READ,
        ("Could not load source %u's templates from %s: %s", source, path,
            message), (NULL));
    return FALSE;
  }
  g_mutex_lock (&e->lock);
  g_free (e->waiting[source]);
  /* the core copies it: keep glib's allocator on our side */
  e->waiting[source] = g_memdup2 (W, sizeof (float) * bins * count);
  e->waiting_count[source] = count;
  e->waiting_bins[source] = bins;
  e->waiting_rate[source] = 0;  /* the file does not say */
  e->has_waiting[source] = TRUE;
  g_mutex_unlock (&e->lock);
  free (W);
  return TRUE;
}
