/* Enrolment through the element: enrol-source set while a source plays
 * alone, back to -1, the templates learned in the element's own thread and
 * held fixed; the enrolled templates match what `nmftool learn` learns
 * from the same samples (nmf_dictionary_learn_audio and
 * nmf_dictionary_shift, which it runs); the states in the element
 * messages; save-dictionary and load-dictionary; a source beyond
 * n-sources refused and said once; templates of another FFT size not
 * held, and why. */
#include "harness.h"

#include <nmf/dictionary.h>

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#define ENROL_K 4
#define ENROL_SHIFTS 1

/* source 0 alone: a harmonic tone on three notes (the stream's first
 * samples, so that its frames are the frames learn_audio makes) */
static float *
solo_tone (gsize n)
{
  float *x = g_new (float, n);
  for (gsize i = 0; i < n; i++) {
    double t = (double) i / RATE, f0 = 220.0 * (1 + (int) (t * 2) % 3 / 4.0);
    double v = 0.0;
    for (int h = 1; h <= 5; h++)
      v += sin (2 * G_PI * h * f0 * t) / h;
    x[i] = (float) (0.2 * v);
  }
  return x;
}

/* The last "enrolment" field posted, as "state,state". */
static gchar *
last_states (GstBus * bus)
{
  GstMessage *msg;
  gchar *states = NULL;

  while ((msg = nmf_test_pop (bus))) {
    const GstStructure *st = gst_message_get_structure (msg);
    const GValue *a = st ? gst_structure_get_value (st, "enrolment") : NULL;
    if (a && gst_structure_has_name (st, "nmfseparate")) {
      GString *s = g_string_new (NULL);
      for (guint i = 0; i < gst_value_array_get_size (a); i++)
        g_string_append_printf (s, "%s%s", i ? "," : "",
            g_value_get_string (gst_value_array_get_value (a, i)));
      g_free (states);
      states = g_string_free (s, FALSE);
    }
    gst_message_unref (msg);
  }
  return states;
}

/* Pops every element message on bus; the states of the
 * nmfseparate-enrolment ones are appended to said ("a,b,...", may be
 * NULL).  Whether `wanted` was among them. */
static gboolean
take_states (GstBus * bus, GString * said, const gchar * wanted)
{
  GstMessage *msg;
  gboolean seen = FALSE;

  while ((msg = nmf_test_pop (bus))) {
    const GstStructure *st = gst_message_get_structure (msg);
    if (st && gst_structure_has_name (st, "nmfseparate-enrolment")) {
      const gchar *state = gst_structure_get_string (st, "state");
      if (said)
        g_string_append_printf (said, "%s%s", said->len ? "," : "", state);
      seen |= !g_strcmp0 (state, wanted);
    }
    gst_message_unref (msg);
  }
  return seen;
}

/* n buffers of HOP samples of silence from *pos on (moved past them). */
static void
push_silence (NmfFix * f, const float *silence, guint64 * pos, guint n)
{
  for (guint i = 0; i < n; i++, *pos += HOP)
    fail_unless_equals_int (gst_harness_push (f->h[0],
            nmf_test_buffer (&nmf_mono, silence, *pos, HOP, FALSE)),
        GST_FLOW_OK);
}

/* Silence, a buffer at a time (the outputs dropped), until an
 * nmfseparate-enrolment message says `wanted` (the learning runs in the
 * element's thread), 60 s at most; the states said on the way are
 * appended to said (may be NULL).  Whether it came. */
static gboolean
push_until_state (NmfFix * f, GstBus * bus, const float *silence,
    guint64 * pos, const gchar * wanted, GString * said)
{
  gboolean seen = FALSE;

  for (gint64 end = g_get_monotonic_time () + 60 * G_TIME_SPAN_SECOND;
      !seen && g_get_monotonic_time () < end;) {
    push_silence (f, silence, pos, 1);
    for (guint i = 0; i < f->n; i++)
      nmf_test_collect (f->h[i], NULL);
    seen = take_states (bus, said, wanted);
    if (!seen)
      g_usleep (2000);
  }
  return seen;
}

GST_START_TEST (test_enrol_matches_nmftool_learn)
{
  const gsize n = 3 * RATE / HOP * HOP;
  float *x = solo_tone (n), *silence = g_new0 (float, HOP);
  GstElement *el = nmf_test_element ("nmfseparate", "profile=live "
      "post-messages=true interval=50000000");
  GstBus *bus = gst_bus_new ();
  NmfFix f;
  NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, 1024, 0);
  gchar *states, *path = g_build_filename (g_get_tmp_dir (),
      "nmf-test-enrol.npy", NULL);
  guint64 pos;

  g_object_set (el, "enrol-components", ENROL_K, "enrol-shifts",
      ENROL_SHIFTS, "enrol-source", 0, NULL);
  gst_element_set_bus (el, bus);
  nmf_fix_attach (&f, el, 2);
  nmf_fix_set_caps (&f, &nmf_mono, NULL);
  nmf_fix_push (&f, &nmf_mono, x, 0, n, &z, FALSE, NULL);
  states = last_states (bus);
  fail_unless_equals_string (states, "enrolling,blind");
  g_free (states);

  /* the enrolment ends: learned in the element's thread, installed at a
   * buffer after that */
  g_object_set (f.el, "enrol-source", -1, NULL);
  pos = n;
  fail_unless (push_until_state (&f, bus, silence, &pos, "enrolled", NULL),
      "no \"enrolled\" nmfseparate-enrolment message within 60 s");
  /* one more interval, so that a message with the new state is posted */
  push_silence (&f, silence, &pos, 10);
  states = last_states (bus);
  fail_unless_equals_string (states, "enrolled,blind");
  g_free (states);

  /* the templates held fixed are nmftool learn's on the same samples */
  {
    gboolean saved = FALSE;
    float *mine, *W = g_new (float, BINS * ENROL_K);
    float *want = g_new (float, BINS * ENROL_K * (2 * ENROL_SHIFTS + 1));
    size_t count;
    char msg[256] = "";
    double d = 0.0;

    g_signal_emit_by_name (f.el, "save-dictionary", 0, path, &saved);
    fail_unless (saved);
    fail_unless_equals_int (nmf_dictionary_load_npy (path, BINS, &mine,
            &count, msg, sizeof msg), NMF_OK);
    fail_unless_equals_int (count, ENROL_K * (2 * ENROL_SHIFTS + 1));
    fail_unless_equals_int (nmf_dictionary_learn_audio (x, n, 1, FFT, HOP,
            ENROL_K, NMF_DICTIONARY_DEFAULT_ITERATIONS, 0, W, msg,
            sizeof msg), NMF_OK);
    fail_unless_equals_int (nmf_dictionary_shift (W, BINS, ENROL_K,
            ENROL_SHIFTS, want, msg, sizeof msg), NMF_OK);
    for (size_t i = 0; i < BINS * count; i++)
      d = fmax (d, fabs (mine[i] - want[i]));
    /* float64 on disk, normalised again on loading */
    fail_unless (d < 1e-6, "enrolled templates differ from nmftool "
        "learn's by %g", d);
    free (mine);
    g_free (W);
    g_free (want);
  }

  /* a source with no templates cannot be saved; a file made for another
   * FFT size cannot be loaded; the saved file loads for source 1 */
  {
    gboolean ok = TRUE;
    nmf_test_expect_warning ("source 1 has no templates");
    g_signal_emit_by_name (f.el, "save-dictionary", 1, path, &ok);
    fail_if (ok);
    nmf_test_check_warned (bus);
    nmf_test_expect_warning ("/nonexistent.npy");
    g_signal_emit_by_name (f.el, "load-dictionary", 1, "/nonexistent.npy",
        &ok);
    fail_if (ok);
    nmf_test_check_warned (bus);
    g_signal_emit_by_name (f.el, "load-dictionary", 1, path, &ok);
    fail_unless (ok);
    /* saved before the next buffer installs it (a paused or ended stream):
     * the templates just loaded (it said "no templates") */
    {
      gchar *again = g_strconcat (path, ".again.npy", NULL);
      float *a, *b;
      size_t na, nb;
      char msg[256] = "";
      g_signal_emit_by_name (f.el, "save-dictionary", 1, again, &ok);
      fail_unless (ok, "a source loaded but not installed yet not saved");
      fail_unless_equals_int (nmf_dictionary_load_npy (path, BINS, &a, &na,
              msg, sizeof msg), NMF_OK);
      fail_unless_equals_int (nmf_dictionary_load_npy (again, BINS, &b, &nb,
              msg, sizeof msg), NMF_OK);
      fail_unless_equals_int (na, nb);
      fail_unless (memcmp (a, b, sizeof (float) * BINS * na) == 0);
      free (a);
      free (b);
      g_unlink (again);
      g_free (again);
    }
    push_silence (&f, silence, &pos, 200);
    states = last_states (bus);
    fail_unless_equals_string (states, "enrolled,enrolled");
    g_free (states);
  }

  /* a source beyond n-sources: load-dictionary refuses it and says so (it
   * returned TRUE and kept the templates for nothing); enrol-source beyond
   * n-sources is said once on the bus (it was a debug line per buffer) */
  {
    gboolean ok = TRUE;
    GstMessage *msg;
    guint warnings = 0;
    while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING)))
      gst_message_unref (msg);
    g_signal_emit_by_name (f.el, "load-dictionary", 2, path, &ok);
    fail_if (ok, "load-dictionary for source 2 of 2 accepted");
    msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING);
    fail_unless (msg != NULL, "no warning for source 2 of 2");
    gst_message_unref (msg);
    g_object_set (f.el, "enrol-source", 5, NULL);
    for (guint i = 0; i < 50; i++, pos += HOP) {
      gst_harness_push (f.h[0], nmf_test_buffer (&nmf_mono, silence, pos,
              HOP, FALSE));
      nmf_test_collect (f.h[0], NULL);
      nmf_test_collect (f.h[1], NULL);
    }
    while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING))) {
      GError *err = NULL;
      gst_message_parse_warning (msg, &err, NULL);
      fail_unless (strstr (err->message, "enrol-source=5") != NULL, "%s",
          err->message);
      g_error_free (err);
      gst_message_unref (msg);
      warnings++;
    }
    fail_unless_equals_int (warnings, 1);
    g_object_set (f.el, "enrol-source", -1, NULL);
  }

  g_unlink (path);
  g_free (path);
  nmf_fix_teardown_bus (&f, bus);
  g_free (x);
  g_free (silence);
}

GST_END_TEST;

/* Templates loaded for fft-size 2048, then the element set to 1024 before
 * it starts: they are not held (they were read past their end) and the
 * warning says why (it said nothing after the colon). */
GST_START_TEST (test_enrol_other_fft_size)
{
  const gsize n = RATE;
  float *x = solo_tone (n);
  float *W = g_new0 (float, BINS * 2);
  gchar *path = g_build_filename (g_get_tmp_dir (), "nmf-test-fft.npy", NULL);
  char msg[256];
  gboolean ok = FALSE, said = FALSE, unused = FALSE;
  GstElement *el = nmf_test_element ("nmfseparate", "profile=live");
  GstBus *bus = gst_bus_new ();
  GstMessage *m;
  NmfFix f;
  NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, 1024, 0);

  for (gsize i = 0; i < BINS * 2; i++)
    W[i] = 1.0f + (float) (i % 7);
  fail_unless_equals_int (nmf_dictionary_save_npy (path, W, BINS, 2, msg,
          sizeof msg), NMF_OK);
  gst_element_set_bus (el, bus);
  g_signal_emit_by_name (el, "load-dictionary", 0, path, &ok);
  fail_unless (ok);
  /* before the start n-sources may still grow: source 3 is taken, and said
   * unused when the stream begins with 2 */
  g_signal_emit_by_name (el, "load-dictionary", 3, path, &ok);
  fail_unless (ok);
  g_object_set (el, "fft-size", 1024, NULL);
  nmf_fix_attach (&f, el, 2);
  nmf_fix_set_caps (&f, &nmf_mono, NULL);
  nmf_fix_push (&f, &nmf_mono, x, 0, n, &z, FALSE, NULL);
  while ((m = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING))) {
    GError *err = NULL;
    gst_message_parse_warning (m, &err, NULL);
    unused |= strstr (err->message, "source 3 are not used") != NULL;
    said |= strstr (err->message, "fft-size 2048") != NULL
        && strstr (err->message, "fft-size 1024") != NULL;
    g_error_free (err);
    gst_message_unref (m);
  }
  fail_unless (said, "no warning naming both FFT sizes");
  fail_unless (unused, "no warning for the templates of source 3 of 2");
  g_unlink (path);
  g_free (path);
  nmf_fix_teardown_bus (&f, bus);
  g_free (x);
  g_free (W);
}

GST_END_TEST;

/* The states of enrolments that end badly, each said on the bus as an
 * nmfseparate-enrolment message: enrolling, learning (never said), learned,
 * and blind when the templates cannot be held (more than 1024 with the
 * shifts: the source said "learning" for ever); then the element stopped
 * while a learning runs: it is cancelled (a learning that posted on the
 * element being finalized crashed; waiting for it took 20 - 50 s). */
GST_START_TEST (test_enrol_states_and_teardown)
{
  const gsize n = RATE / HOP * HOP;
  float *x = solo_tone (n), *silence = g_new0 (float, HOP);
  GstElement *el = nmf_test_element ("nmfseparate", "profile=live "
      "post-messages=true interval=50000000");
  GstBus *bus = gst_bus_new ();
  GString *said = g_string_new (NULL);
  NmfFix f;
  NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, 1024, 0);
  guint64 pos;
  gchar *states;

  /* 32 templates, 24 shifts each way: 1568 */
  g_object_set (el, "enrol-components", 32, "enrol-shifts", 24,
      "enrol-source", 0, NULL);
  gst_element_set_bus (el, bus);
  nmf_fix_attach (&f, el, 2);
  nmf_fix_set_caps (&f, &nmf_mono, NULL);
  nmf_fix_push (&f, &nmf_mono, x, 0, n, &z, FALSE, NULL);
  g_object_set (f.el, "enrol-source", -1, NULL);
  pos = n;
  nmf_test_expect_warning ("1568 templates, more than 1024");
  push_until_state (&f, bus, silence, &pos, "blind", said);
  nmf_test_check_warned (bus);
  fail_unless_equals_string (said->str, "enrolling,learning,learned,blind");
  push_silence (&f, silence, &pos, 10);
  states = last_states (bus);
  fail_unless_equals_string (states, "blind,blind");
  g_free (states);

  /* enrolled again (a learning that takes seconds), and the element
   * stopped while it runs: cancelled, the source back to blind, nothing
   * learned (the stop waited for the whole learning: 20 - 50 s). Blind
   * with no warning is the cancellation: a learning that fails warns (512
   * components, more than the 258 frames, had failed at once and passed
   * here without a learning to cancel) */
  g_free (last_states (bus));
  g_string_truncate (said, 0);
  g_object_set (f.el, "enrol-components", 160, "enrol-shifts", 0,
      "enrol-source", 0, NULL);
  for (guint i = 0; i < 3; i++, pos += n) {
    const NmfTimeline later = { RATE, 1, nmf_test_time (pos, RATE), pos };
    nmf_fix_push (&f, &later, x, 0, n, &z, FALSE, NULL);
  }
  g_object_set (f.el, "enrol-source", -1, NULL);
  push_silence (&f, silence, &pos, 1);
  gst_element_set_state (f.el, GST_STATE_READY);
  take_states (bus, said, "blind");
  fail_unless_equals_string (said->str, "enrolling,learning,blind");
  gst_bus_set_flushing (bus, TRUE);
  nmf_fix_teardown (&f);
  gst_object_unref (bus);
  g_string_free (said, TRUE);
  g_free (x);
  g_free (silence);
}

GST_END_TEST;

static gpointer
set_enrol_none (gpointer el)
{
  g_object_set (el, "enrol-source", -1, NULL);
  return NULL;
}

/* At the EOS, before the element has it: enrol-source set back to -1 by
 * another thread while the streaming thread holds the element (as an
 * application that sets it on the EOS message may find it, still handling
 * the EOS). */
static GstPadProbeReturn
set_enrol_none_at_eos (G_GNUC_UNUSED GstPad * pad, GstPadProbeInfo * info,
    gpointer el)
{
  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_EOS)
    g_thread_join (g_thread_new ("setter", set_enrol_none, el));
  return GST_PAD_PROBE_OK;
}

/* A source played alone to the end of the stream, enrol-source set back
 * to -1 after the last buffer (the end of a file, a live source paused),
 * or while the element still handles the EOS: the learning starts and its
 * templates can be saved (it waited for a buffer that never came: the
 * source stayed "enrolling" and save-dictionary had nothing to save). */
static void
enrol_ends_without_a_buffer (gboolean during_eos)
{
  const gsize n = 2 * RATE / HOP * HOP;
  float *x = solo_tone (n);
  GstElement *el = nmf_test_element ("nmfseparate", "profile=live");
  GstBus *bus = gst_bus_new ();
  GString *said = g_string_new (NULL);
  gchar *path = g_build_filename (g_get_tmp_dir (), "nmf-test-enrol-eos.npy",
      NULL);
  gboolean learned = FALSE, saved = FALSE;
  NmfFix f;
  NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, 1024, 0);

  g_object_set (el, "enrol-components", ENROL_K, "enrol-shifts",
      ENROL_SHIFTS, "enrol-source", 0, NULL);
  gst_element_set_bus (el, bus);
  nmf_fix_attach (&f, el, 2);
  nmf_fix_set_caps (&f, &nmf_mono, NULL);
  nmf_fix_push (&f, &nmf_mono, x, 0, n, &z, FALSE, NULL);
  if (during_eos) {
    GstPad *sink = gst_element_get_static_pad (f.el, "sink");
    gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
        set_enrol_none_at_eos, f.el, NULL);
    gst_object_unref (sink);
  }
  fail_unless (gst_harness_push_event (f.h[0], gst_event_new_eos ()));
  nmf_test_wait_eos (f.h[0], NULL);
  nmf_test_wait_eos (f.h[1], NULL);
  take_states (bus, said, "enrolling");
  fail_unless (g_str_has_prefix (said->str, "enrolling"), "%s", said->str);

  /* nothing to save yet, and the warning says why (it said "no
   * templates") */
  if (!during_eos) {
    GstMessage *m;
    GError *err = NULL;
    while ((m = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING)))
      gst_message_unref (m);
    g_signal_emit_by_name (f.el, "save-dictionary", 0, path, &saved);
    fail_if (saved);
    m = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING);
    fail_unless (m != NULL);
    gst_message_parse_warning (m, &err, NULL);
    fail_unless (strstr (err->message, "being enrolled") != NULL, "%s",
        err->message);
    g_error_free (err);
    gst_message_unref (m);
  }

  /* no buffer from here on */
  if (!during_eos)
    g_object_set (f.el, "enrol-source", -1, NULL);
  for (gint64 end = g_get_monotonic_time () + 30 * G_TIME_SPAN_SECOND;
      !learned && g_get_monotonic_time () < end; g_usleep (10000))
    learned = take_states (bus, said, "learned");
  fail_unless (learned, "no \"learned\" after the stream's end (said: %s)",
      said->str);
  g_signal_emit_by_name (f.el, "save-dictionary", 0, path, &saved);
  fail_unless (saved, "the templates learned after the end not saved");

  g_unlink (path);
  g_free (path);
  g_string_free (said, TRUE);
  nmf_fix_teardown_bus (&f, bus);
  g_free (x);
}

GST_START_TEST (test_enrol_ends_without_a_buffer)
{
  enrol_ends_without_a_buffer (FALSE);
  enrol_ends_without_a_buffer (TRUE);
}

GST_END_TEST;

/* A long enrolment at fft-size 32768 (16385 bins): the frames kept are
 * bounded by their values, a minute's worth at hop 8192 as at the
 * default fft-size (it kept 5200 frames whatever their size: 16 minutes,
 * 340 MB of frames and some 3.4 GB for their learning).  1024 templates
 * asked for from fewer frames: the warning says how many were kept. */
GST_START_TEST (test_enrol_bounded_by_values)
{
  const gint fft = 32768, hop = fft / 4;
  const guint bound = 5200 * 1025 / (fft / 2 + 1);      /* 325 */
  const gsize n = (gsize) (bound + 40) * hop;
  float *x = solo_tone (n);
  GstElement *el = nmf_test_element ("nmfseparate", "profile=live "
      "fft-size=32768 enrol-components=1024 enrol-shifts=0");
  GstBus *bus = gst_bus_new ();
  GstMessage *m;
  NmfFix f;
  NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, 8192, 0);
  guint kept = 0;

  g_object_set (el, "enrol-source", 0, NULL);
  gst_element_set_bus (el, bus);
  nmf_fix_attach (&f, el, 2);
  nmf_fix_set_caps (&f, &nmf_mono, NULL);
  nmf_fix_push (&f, &nmf_mono, x, 0, n, &z, FALSE, NULL);
  g_object_set (f.el, "enrol-source", -1, NULL);
  for (gint64 end = g_get_monotonic_time () + 30 * G_TIME_SPAN_SECOND;
      kept == 0 && g_get_monotonic_time () < end; g_usleep (10000)) {
    while ((m = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING))) {
      GError *err = NULL;
      const gchar *said;
      gst_message_parse_warning (m, &err, NULL);
      said = strstr (err->message, "source 0: ");
      fail_unless (said != NULL, "%s", err->message);
      kept = (guint) g_ascii_strtoull (said + strlen ("source 0: "), NULL,
          10);
      g_error_free (err);
      gst_message_unref (m);
    }
  }
  fail_unless (kept > 0, "no warning naming the frames kept");
  fail_unless (kept <= bound && kept + 8 > bound, "%u frames kept at "
      "fft-size %d, the bound %u", kept, fft, bound);
  nmf_fix_teardown_bus (&f, bus);
  g_free (x);
}

GST_END_TEST;

/* Templates enrolled at 44.1 kHz, then the stream goes on at 22.05 kHz:
 * their bins are other frequencies there, so they are dropped and said
 * (they stayed "enrolled", held at twice the frequencies, silently); a
 * loaded dictionary (the file does not say its rate) stays, as the
 * dictionaries property does. */
GST_START_TEST (test_enrol_other_rate)
{
  const gsize n = 2 * RATE / HOP * HOP;
  float *x = solo_tone (n), *silence = g_new0 (float, HOP);
  GstElement *el = nmf_test_element ("nmfseparate", "profile=live");
  GstBus *bus = gst_bus_new ();
  GString *said = g_string_new (NULL);
  GstMessage *m;
  NmfFix f;
  NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, 1024, 0);
  gchar *path = g_build_filename (g_get_tmp_dir (), "nmf-test-rate.npy",
      NULL);
  gboolean ok = FALSE, warned = FALSE;
  guint64 pos = n;

  g_object_set (el, "n-sources", 3, "enrol-components", ENROL_K,
      "enrol-shifts", ENROL_SHIFTS, "enrol-source", 0, NULL);
  gst_element_set_bus (el, bus);
  nmf_fix_attach (&f, el, 3);
  nmf_fix_set_caps (&f, &nmf_mono, NULL);
  nmf_fix_push (&f, &nmf_mono, x, 0, n, &z, FALSE, NULL);
  g_object_set (f.el, "enrol-source", -1, NULL);
  fail_unless (push_until_state (&f, bus, silence, &pos, "enrolled", NULL));
  g_signal_emit_by_name (f.el, "save-dictionary", 0, path, &ok);
  fail_unless (ok);
  g_signal_emit_by_name (f.el, "load-dictionary", 2, path, &ok);
  fail_unless (ok);
  push_silence (&f, silence, &pos, 2);
  take_states (bus, said, NULL);
  while ((m = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING)))
    gst_message_unref (m);
  g_string_truncate (said, 0);

  {
    const NmfTimeline half = { RATE / 2, 1, nmf_test_time (pos, RATE),
      GST_BUFFER_OFFSET_NONE
    };
    nmf_fix_change_caps (&f, &half);
    nmf_fix_push (&f, &half, x, 0, RATE / 2, &z, FALSE, NULL);
  }
  /* (gst_bus_pop_filtered drops the messages of other types) */
  while ((m = gst_bus_pop (bus))) {
    const GstStructure *st = gst_message_get_structure (m);
    if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_WARNING) {
      GError *err = NULL;
      gst_message_parse_warning (m, &err, NULL);
      fail_unless (strstr (err->message, "Source 0's") != NULL
          && strstr (err->message, "another sample rate") != NULL, "%s",
          err->message);
      warned = TRUE;
      g_error_free (err);
    } else if (st && gst_structure_has_name (st, "nmfseparate-enrolment"))
      g_string_append_printf (said, "%s%u:%s", said->len ? "," : "",
          g_value_get_uint (gst_structure_get_value (st, "source")),
          gst_structure_get_string (st, "state"));
    gst_message_unref (m);
  }
  fail_unless_equals_string (said->str, "0:blind");
  fail_unless (warned, "no warning for templates learned at another rate");
  g_signal_emit_by_name (f.el, "save-dictionary", 0, path, &ok);
  fail_if (ok, "templates learned at 44.1 kHz still held at 22.05 kHz");
  g_signal_emit_by_name (f.el, "save-dictionary", 2, path, &ok);
  fail_unless (ok, "a loaded dictionary dropped at another rate");

  g_unlink (path);
  g_free (path);
  g_string_free (said, TRUE);
  gst_bus_set_flushing (bus, TRUE);
  nmf_fix_teardown_bus (&f, bus);
  g_free (x);
  g_free (silence);
}

GST_END_TEST;

/* More templates than an FFT frame has bins (the default 32 at fft-size
 * 32: 17 bins): refused when enrol-source is set, with the sizes that
 * would do; it was taken, and only after the source stopped and the whole
 * learning ran came "rank larger than the data allows". */
GST_START_TEST (test_enrol_more_templates_than_bins)
{
  const gsize n = RATE / 2;
  float *x = solo_tone (n);
  GstElement *el = nmf_test_element ("nmfseparate", "profile=live "
      "fft-size=32 post-messages=true interval=50000000");
  GstBus *bus = gst_bus_new ();
  GString *said = g_string_new (NULL);
  gboolean refused = FALSE;
  GstMessage *m;
  NmfFix f;
  NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, 1024, 0);

  g_object_set (el, "enrol-source", 0, NULL);
  gst_element_set_bus (el, bus);
  nmf_fix_attach (&f, el, 2);
  nmf_fix_set_caps (&f, &nmf_mono, NULL);
  nmf_fix_push (&f, &nmf_mono, x, 0, n, &z, FALSE, NULL);
  /* while it is still set */
  while ((m = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING))) {
    GError *err = NULL;
    gst_message_parse_warning (m, &err, NULL);
    refused |= strstr (err->message, "enrol-source=0 ignored") != NULL
        && strstr (err->message, "fft-size 32 has 17") != NULL
        && strstr (err->message, "fft-size to 62 or more") != NULL;
    g_error_free (err);
    gst_message_unref (m);
  }
  take_states (bus, said, "enrolling");
  fail_unless (refused, "no warning naming the bins while enrol-source=0");
  fail_if (strstr (said->str, "enrolling") != NULL, "states said: %s",
      said->str);
  nmf_fix_teardown_bus (&f, bus);
  g_string_free (said, TRUE);
  g_free (x);
}

GST_END_TEST;

/* Pops every message on bus: the states of the nmfseparate-enrolment
 * ones appended to states ("a,b,..."), the warnings' texts to warnings
 * (joined by " | "). */
static void
take_states_and_warnings (GstBus * bus, GString * states, GString * warnings)
{
  GstMessage *m;

  while ((m = gst_bus_pop (bus))) {
    const GstStructure *st = gst_message_get_structure (m);
    if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_WARNING) {
      GError *err = NULL;
      gst_message_parse_warning (m, &err, NULL);
      g_string_append_printf (warnings, "%s%s", warnings->len ? " | " : "",
          err->message);
      g_error_free (err);
    } else if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ELEMENT
        && gst_structure_has_name (st, "nmfseparate-enrolment")) {
      g_string_append_printf (states, "%s%s", states->len ? "," : "",
          gst_structure_get_string (st, "state"));
    }
    gst_message_unref (m);
  }
}

/* enrol-components is read when the enrolment ends: raised past the bins
 * while a source is enrolled, and lowered again before it ends, the
 * enrolment goes on and learns; left too high, its end says so with the
 * sizes, once, and the source goes back to what it held.  The raise cut
 * the enrolment short ("enrol-source=0 ignored" while it had been
 * enrolled for 0.5 s) and handed its frames to a learning that failed. */
GST_START_TEST (test_enrol_components_raised_while_enrolling)
{
  const gsize n = RATE / 2;
  float *x = solo_tone (3 * n), *silence = g_new0 (float, HOP);
  GstElement *el = nmf_test_element ("nmfseparate", "profile=live "
      "fft-size=256 enrol-components=4 enrol-shifts=0");
  GstBus *bus = gst_bus_new ();
  GString *said = g_string_new (NULL), *warnings = g_string_new (NULL);
  NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, 1024, 0);
  guint64 pos;
  NmfFix f;

  g_object_set (el, "enrol-source", 0, NULL);
  gst_element_set_bus (el, bus);
  nmf_fix_attach (&f, el, 2);
  nmf_fix_set_caps (&f, &nmf_mono, NULL);
  nmf_fix_push (&f, &nmf_mono, x, 0, n, &z, FALSE, NULL);
  /* 200 templates, 129 bins; back to 4 before the source stops */
  g_object_set (f.el, "enrol-components", 200, NULL);
  nmf_fix_push (&f, &nmf_mono, x, n, n, &z, FALSE, NULL);
  take_states_and_warnings (bus, said, warnings);
  fail_unless_equals_string (warnings->str, "");
  fail_unless_equals_string (said->str, "enrolling");
  g_object_set (f.el, "enrol-components", 4, NULL);
  nmf_fix_push (&f, &nmf_mono, x, 2 * n, n, &z, FALSE, NULL);
  g_object_set (f.el, "enrol-source", -1, NULL);
  pos = 3 * n;
  fail_unless (push_until_state (&f, bus, silence, &pos, "enrolled", said),
      "states said: %s", said->str);
  fail_unless_equals_string (said->str, "enrolling,learning,learned,"
      "enrolled");
  take_states_and_warnings (bus, said, warnings);
  fail_unless_equals_string (warnings->str, "");

  /* left at 200 when the source stops: said once, with the sizes; no
   * learning, the source keeps its templates */
  g_string_truncate (said, 0);
  g_object_set (f.el, "enrol-source", 0, NULL);
  push_silence (&f, silence, &pos, 1);
  g_object_set (f.el, "enrol-components", 200, NULL);
  {
    const NmfTimeline later = { RATE, 1, nmf_test_time (pos, RATE), pos };
    nmf_fix_push (&f, &later, x, 0, n, &z, FALSE, NULL);
    pos += n;
  }
  g_object_set (f.el, "enrol-source", -1, NULL);
  push_silence (&f, silence, &pos, 1);
  take_states_and_warnings (bus, said, warnings);
  fail_unless_equals_string (said->str, "enrolling,enrolled");
  fail_unless (strstr (warnings->str, "Could not enrol source 0: "
          "enrol-components=200 templates need as many frequency bins, and "
          "fft-size 256 has 129") != NULL && !strstr (warnings->str, " | "),
      "warnings: %s", warnings->str);

  g_string_free (warnings, TRUE);
  nmf_fix_teardown_bus (&f, bus);
  g_string_free (said, TRUE);
  g_free (silence);
  g_free (x);
}

GST_END_TEST;

/* An application that answers the element's messages in a bus sync
 * handler: when source 0's learning starts (enrol-source moved on to
 * source 1), it stops enrolling altogether.  The handler runs inside the
 * element's application of the first set (in the thread that set it), so
 * the second set came in the middle of the first: applied there, the
 * first then went on to start source 1's enrolment, which nothing
 * stopped (the property read -1, source 1 stayed "enrolling" until a
 * buffer came, at the end of a stream never).  Found with the TSan
 * storm (tests/e2e/thread_storm.c), where a handler answering every
 * message recursed until the stack overflowed. */
typedef struct
{
  GstElement *el;
  gboolean answered;
  gchar *last_state[2];
} Answer;

static GstBusSyncReply
stop_enrolling_when_learning (G_GNUC_UNUSED GstBus * bus, GstMessage * msg,
    gpointer data)
{
  Answer *a = data;
  const GstStructure *st = gst_message_get_structure (msg);
  guint source;

  if (st && gst_structure_has_name (st, "nmfseparate-enrolment")
      && gst_structure_get_uint (st, "source", &source) && source < 2) {
    const gchar *state = gst_structure_get_string (st, "state");
    g_free (a->last_state[source]);
    a->last_state[source] = g_strdup (state);
    if (source == 0 && !g_strcmp0 (state, "learning") && !a->answered) {
      a->answered = TRUE;
      g_object_set (a->el, "enrol-source", -1, NULL);
    }
  }
  return GST_BUS_PASS;
}

GST_START_TEST (test_enrol_set_from_sync_handler)
{
  const gsize n = RATE;
  float *x = solo_tone (n);
  GstElement *el = nmf_test_element ("nmfseparate", "profile=live "
      "enrol-components=4 enrol-shifts=0");
  GstBus *bus = gst_bus_new ();
  Answer a = { el, FALSE, {NULL, NULL} };
  NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, 1024, 0);
  NmfFix f;
  gint source;

  g_object_set (el, "enrol-source", 0, NULL);
  gst_element_set_bus (el, bus);
  gst_bus_set_sync_handler (bus, stop_enrolling_when_learning, &a, NULL);
  nmf_fix_attach (&f, el, 2);
  nmf_fix_set_caps (&f, &nmf_mono, NULL);
  nmf_fix_push (&f, &nmf_mono, x, 0, n, &z, FALSE, NULL);
  fail_unless_equals_string (a.last_state[0], "enrolling");

  /* no buffer follows: the sets act at once (source 1, set back to -1
   * before a frame came, has nothing to learn, and says so) */
  nmf_test_expect_warning ("no frame came while it was enrolled");
  g_object_set (f.el, "enrol-source", 1, NULL);
  nmf_test_check_warned (bus);
  fail_unless (a.answered, "source 0's learning was not said");
  g_object_get (f.el, "enrol-source", &source, NULL);
  fail_unless_equals_int (source, -1);
  fail_if (!g_strcmp0 (a.last_state[1], "enrolling"),
      "source 1 is being enrolled after enrol-source was set to -1");

  gst_bus_set_sync_handler (bus, NULL, NULL, NULL);
  nmf_fix_teardown_bus (&f, bus);
  g_free (a.last_state[0]);
  g_free (a.last_state[1]);
  g_free (x);
}

GST_END_TEST;

/* A sync handler that holds the learning thread 200 ms in its post of
 * "learned", as a busy machine may: the element's states must still come
 * in their order, "enrolled" last (the templates were handed to the
 * streaming thread before "learned" was said, which then installed them
 * and said "enrolled" first: an application showing the last state said
 * showed "learned" for an enrolled source). */
static GstBusSyncReply
slow_learned (G_GNUC_UNUSED GstBus * bus, GstMessage * msg,
    G_GNUC_UNUSED gpointer data)
{
  const GstStructure *st = gst_message_get_structure (msg);

  if (st && gst_structure_has_name (st, "nmfseparate-enrolment")
      && !g_strcmp0 (gst_structure_get_string (st, "state"), "learned"))
    g_usleep (200 * 1000);
  return GST_BUS_PASS;
}

GST_START_TEST (test_enrol_states_in_order)
{
  const gsize n = RATE / HOP * HOP;
  float *x = solo_tone (n), *silence = g_new0 (float, HOP);
  GstElement *el = nmf_test_element ("nmfseparate", "profile=live "
      "enrol-components=4 enrol-shifts=0");
  GstBus *bus = gst_bus_new ();
  GString *said = g_string_new (NULL);
  NmfSizes z = NMF_SIZES (NMF_SIZES_FIXED, 1024, 0);
  guint64 pos = n;
  NmfFix f;

  g_object_set (el, "enrol-source", 0, NULL);
  gst_element_set_bus (el, bus);
  gst_bus_set_sync_handler (bus, slow_learned, NULL, NULL);
  nmf_fix_attach (&f, el, 2);
  nmf_fix_set_caps (&f, &nmf_mono, NULL);
  nmf_fix_push (&f, &nmf_mono, x, 0, n, &z, FALSE, NULL);
  g_object_set (f.el, "enrol-source", -1, NULL);
  fail_unless (push_until_state (&f, bus, silence, &pos, "enrolled", said),
      "states said: %s", said->str);
  fail_unless_equals_string (said->str, "enrolling,learning,learned,"
      "enrolled");
  gst_bus_set_sync_handler (bus, NULL, NULL, NULL);
  nmf_fix_teardown_bus (&f, bus);
  g_string_free (said, TRUE);
  g_free (x);
  g_free (silence);
}

GST_END_TEST;

static Suite *
nmfseparate_enrol_suite (void)
{
  Suite *s = suite_create ("nmfseparate-enrol");
  TCase *tc = tcase_create ("enrol");

  tcase_set_timeout (tc, 120);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_enrol_matches_nmftool_learn);
  tcase_add_test (tc, test_enrol_other_fft_size);
  tcase_add_test (tc, test_enrol_states_and_teardown);
  tcase_add_test (tc, test_enrol_ends_without_a_buffer);
  tcase_add_test (tc, test_enrol_bounded_by_values);
  tcase_add_test (tc, test_enrol_other_rate);
  tcase_add_test (tc, test_enrol_more_templates_than_bins);
  tcase_add_test (tc, test_enrol_components_raised_while_enrolling);
  tcase_add_test (tc, test_enrol_set_from_sync_handler);
  tcase_add_test (tc, test_enrol_states_in_order);
  return s;
}

GST_CHECK_MAIN (nmfseparate_enrol);
