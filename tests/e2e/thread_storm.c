/* nmfseparate driven from the application's threads while it streams, as
 * applications do, for ThreadSanitizer (the build-tsan of tests/tsan.supp)
 * and, in the normal build, for what can be seen: each scenario must end
 * (EOS or its own stop) without an error, and the properties read back
 * what was last set.
 *   nmf-e2e-thread-storm [SCENARIO...]   (all when none is named)
 * Scenarios:
 *   props   every writable property set and read from another thread
 *           while PLAYING (stereo, messages on, the bus read meanwhile),
 *           positions and latency asked, dictionaries saved and loaded,
 *           enrol-source set from a bus sync handler
 *   pads    source and viz pads requested, linked, unlinked, released,
 *           from another thread and from a bus sync handler
 *   states  READY <-> PAUSED <-> PLAYING over and over while data flows
 *   seeks   a storm of flushing seeks from two threads
 *   enrol   enrol-source set from another thread while the element
 *           starts and stops over and over
 *   extract nmfextract's source set while it starts and stops
 *   two     two instances in one pipeline (mono), and two pipelines in
 *           parallel
 * Exit status 0 when every scenario held. */
#include "e2e_pipeline.h"

#include <glib/gstdio.h>

#include <stdlib.h>
#include <string.h>

#define SOURCE "audiotestsrc name=src is-live=false samplesperbuffer=%d " \
  "wave=pink-noise num-buffers=%d ! audio/x-raw,format=F32LE,rate=16000," \
  "channels=%d"
#define FAST "fft-size=512 window-frames=20"

static gint stop;

/* Every message until EOS or an error, or until `seconds`; the hammer
 * threads stop then.  TRUE for EOS (or a quiet end with eos_needed
 * FALSE). */
static gboolean
read_bus (GstElement * pipe, guint seconds, gboolean eos_needed)
{
  GstBus *bus = gst_element_get_bus (pipe);
  gint64 until = g_get_monotonic_time () + seconds * G_TIME_SPAN_SECOND;
  gboolean ok = !eos_needed;
  guint element_messages = 0;

  while (g_get_monotonic_time () < until) {
    GstMessage *m = gst_bus_timed_pop (bus, 10 * GST_MSECOND);
    if (!m)
      continue;
    if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ELEMENT) {
      /* read the whole structure, as an application's handler would */
      gchar *s = gst_structure_to_string (gst_message_get_structure (m));
      g_free (s);
      element_messages++;
    }
    if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ERROR) {
      GError *err = NULL;
      gst_message_parse_error (m, &err, NULL);
      g_printerr ("error: %s\n", err->message);
      g_error_free (err);
      ok = FALSE;
      gst_message_unref (m);
      break;
    }
    if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_EOS) {
      ok = TRUE;
      gst_message_unref (m);
      break;
    }
    gst_message_unref (m);
  }
  g_atomic_int_set (&stop, 1);
  gst_object_unref (bus);
  g_print ("  %u element messages\n", element_messages);
  return ok;
}

/* ------------------------------------------------------------------------ */

typedef struct
{
  GstElement *pipe, *s;
  guint last_iterations;
  gchar *dictionary;
} Props;

/* A bus sync handler, in the streaming thread that posts: an application
 * that answers the element's messages at once (iterations, enrolment). */
static GstBusSyncReply
answer_at_once (G_GNUC_UNUSED GstBus * bus, GstMessage * m, gpointer data)
{
  Props *p = data;
  static gint n;

  /* (a few hundred answers: one to every message the answer causes
   * would never end) */
  if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ELEMENT
      && GST_MESSAGE_SRC (m) == GST_OBJECT (p->s)
      && g_atomic_int_get (&n) < 300) {
    gint i = g_atomic_int_add (&n, 1);
    g_object_set (p->s, "enrol-source", i % 3 - 1, NULL);
  }
  return GST_BUS_PASS;
}

static gpointer
hammer_props (gpointer data)
{
  Props *p = data;
  guint i = 0;

  while (!g_atomic_int_get (&stop)) {
    guint n, it;
    gchar *dict = NULL;
    /* the live-tunable ones, taken */
    g_object_set (p->s, "iterations", 1 + i % 7, "mask-exponent", 1 + i % 2,
        "post-messages", i % 3 != 0, "interval", (guint64) (10 + i % 5) *
        GST_MSECOND, "message-masks", i % 2 == 0, "enrol-source",
        (gint) (i % 4) - 1, "enrol-components", 4 + i % 4, "enrol-shifts",
        i % 2, NULL);
    p->last_iterations = 1 + i % 7;
    /* the size ones, refused while a run uses them */
    g_object_set (p->s, "n-sources", 1 + i % 3, "algorithm", i % 2,
        "profile", i % 3, "spatial", i % 2, "output-mode", i % 2,
        "dictionaries", i % 2 ? "0=/nonexistent.npy" : NULL,
        "fft-size", 1024, "hop-size", 0, "window-frames", 30 + i % 3,
        "components", i % 4, "bands-per-octave", i % 2 ? 12 : 0,
        "lookahead-frames", i % 3, "regularization", 0.001 * (i % 2),
        "seed", (guint64) i, NULL);
    g_object_get (p->s, "n-sources", &n, "iterations", &it, "dictionaries",
        &dict, NULL);
    g_free (dict);
    /* what an application's position display and its latency asks */
    {
      gint64 pos;
      GstQuery *q = gst_query_new_latency ();
      gst_element_query_position (p->pipe, GST_FORMAT_TIME, &pos);
      gst_element_query (p->pipe, q);
      gst_query_unref (q);
    }
    if (i % 16 == 0) {
      gboolean saved, loaded;
      g_signal_emit_by_name (p->s, "save-dictionary", i % 2, p->dictionary,
          &saved);
      g_signal_emit_by_name (p->s, "load-dictionary", i % 2, p->dictionary,
          &loaded);
    }
    i++;
  }
  return NULL;
}

static gboolean
scenario_props (void)
{
  GstElement *pipe = e2e_launch (SOURCE " ! nmfseparate name=s " FAST
      " post-messages=true interval=20000000 s.src_0 ! fakesink sync=false "
      "s.src_1 ! fakesink sync=false", 256, 600, 2);
  GstElement *s = gst_bin_get_by_name (GST_BIN (pipe), "s");
  Props p = { pipe, s, 0, NULL };
  GstBus *bus = gst_element_get_bus (pipe);
  GThread *t;
  gboolean ok;
  guint n, it;

  p.dictionary = g_build_filename (g_get_tmp_dir (), "nmf-storm-XXXXXX.npy",
      NULL);
  g_close (g_mkstemp (p.dictionary), NULL);
  gst_bus_set_sync_handler (bus, answer_at_once, &p, NULL);
  gst_object_unref (bus);
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  t = g_thread_new ("props", hammer_props, &p);
  ok = read_bus (pipe, 120, TRUE);
  g_thread_join (t);
  g_object_get (s, "n-sources", &n, "iterations", &it, NULL);
  /* sizes refused while it ran, the last live value kept */
  if (n != 2 || it != p.last_iterations) {
    g_printerr ("n-sources %u (2 expected), iterations %u (%u set last)\n",
        n, it, p.last_iterations);
    ok = FALSE;
  }
  gst_element_set_state (pipe, GST_STATE_NULL);
  g_unlink (p.dictionary);
  g_free (p.dictionary);
  gst_object_unref (s);
  gst_object_unref (pipe);
  return ok;
}

/* ------------------------------------------------------------------------ */

typedef struct
{
  GstElement *pipe, *s;
} Pads;

static gpointer
hammer_pads (gpointer data)
{
  Pads *p = data;
  GstElement *sink = gst_element_factory_make ("fakesink", NULL);
  GstPad *sinkpad;
  guint i = 0;

  g_object_set (sink, "sync", FALSE, "async", FALSE, NULL);
  gst_bin_add (GST_BIN (p->pipe), sink);
  gst_element_sync_state_with_parent (sink);
  sinkpad = gst_element_get_static_pad (sink, "sink");
  while (!g_atomic_int_get (&stop)) {
    GstPad *viz = gst_element_request_pad_simple (p->s, "viz");
    GstPad *src2 = gst_element_request_pad_simple (p->s, "src_%u");
    if (viz) {
      if (i % 2 == 0 && gst_pad_link (viz, sinkpad) == GST_PAD_LINK_OK) {
        g_usleep (2000);
        gst_pad_unlink (viz, sinkpad);
      }
      gst_element_release_request_pad (p->s, viz);
      gst_object_unref (viz);
    }
    if (src2) {
      gst_element_release_request_pad (p->s, src2);
      gst_object_unref (src2);
    }
    i++;
  }
  gst_object_unref (sinkpad);
  return NULL;
}

/* A sync handler, in the streaming thread in the middle of a buffer (the
 * messages are posted frame by frame): a pad requested and released
 * there. */
static GstBusSyncReply
churn_at_once (G_GNUC_UNUSED GstBus * bus, GstMessage * m, gpointer data)
{
  Pads *p = data;

  if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ELEMENT
      && GST_MESSAGE_SRC (m) == GST_OBJECT (p->s)) {
    GstPad *pad = gst_element_request_pad_simple (p->s, "src_2");
    if (pad) {
      gst_element_release_request_pad (p->s, pad);
      gst_object_unref (pad);
    }
  }
  return GST_BUS_PASS;
}

static gboolean
scenario_pads (void)
{
  GstElement *pipe = e2e_launch (SOURCE " ! nmfseparate name=s " FAST
      " n-sources=3 post-messages=true interval=10000000 s.src_0 ! "
      "fakesink sync=false", 256, 800, 2);
  GstElement *s = gst_bin_get_by_name (GST_BIN (pipe), "s");
  Pads p = { pipe, s };
  GstBus *bus = gst_element_get_bus (pipe);
  GThread *t;
  gboolean ok;

  gst_bus_set_sync_handler (bus, churn_at_once, &p, NULL);
  gst_object_unref (bus);
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  t = g_thread_new ("pads", hammer_pads, &p);
  ok = read_bus (pipe, 120, TRUE);
  g_thread_join (t);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (s);
  gst_object_unref (pipe);
  return ok;
}

/* ------------------------------------------------------------------------ */

/* pipe set to target and waited for (10 s at most); said when not reached,
 * as the i-th change */
static gboolean
reach_state (GstElement * pipe, GstState target, guint i)
{
  if (gst_element_set_state (pipe, target) == GST_STATE_CHANGE_FAILURE
      || gst_element_get_state (pipe, NULL, NULL, 10 * GST_SECOND)
      != GST_STATE_CHANGE_SUCCESS) {
    g_printerr ("state change %u to %s failed\n", i,
        gst_element_state_get_name (target));
    return FALSE;
  }
  return TRUE;
}

static gboolean
scenario_states (void)
{
  GstElement *pipe = e2e_launch (SOURCE " ! nmfseparate name=s " FAST
      " s.src_0 ! fakesink sync=false s.src_1 ! fakesink sync=false",
      256, -1, 1);
  gboolean ok = TRUE;

  for (guint i = 0; i < 40 && ok; i++) {
    const GstState states[] = { GST_STATE_PLAYING, GST_STATE_PAUSED,
      GST_STATE_READY, GST_STATE_PLAYING, GST_STATE_READY
    };
    GstState target = states[i % G_N_ELEMENTS (states)];
    ok = reach_state (pipe, target, i);
    g_usleep (20 * 1000);
  }
  g_atomic_int_set (&stop, 0);
  if (ok)
    ok = read_bus (pipe, 1, FALSE);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (pipe);
  return ok;
}

/* ------------------------------------------------------------------------ */

static gpointer
hammer_enrol (gpointer data)
{
  GstElement *s = data;
  guint i = 0;

  while (!g_atomic_int_get (&stop)) {
    g_object_set (s, "enrol-source", (gint) (i % 3) - 1, NULL);
    g_usleep (500);
    i++;
  }
  return NULL;
}

/* The pipeline `launch` started and stopped `cycles` times while `hammer`
 * works on its element `name` from another thread.  Whether every state
 * change was reached. */
static gboolean
cycle_states_while (const gchar * launch, const gchar * name,
    GThreadFunc hammer, guint cycles)
{
  GstElement *pipe = e2e_launch (launch, 256, -1, 1);
  GstElement *el = gst_bin_get_by_name (GST_BIN (pipe), name);
  GThread *t = g_thread_new (name, hammer, el);
  gboolean ok = TRUE;

  for (guint i = 0; i < cycles && ok; i++) {
    GstState target = i % 2 ? GST_STATE_READY : GST_STATE_PLAYING;
    ok = reach_state (pipe, target, i);
    g_usleep ((20 + i % 7 * 10) * 1000);
  }
  g_atomic_int_set (&stop, 1);
  g_thread_join (t);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (el);
  gst_object_unref (pipe);
  return ok;
}

/* enrol-source set from another thread while the element starts and
 * stops: the enrolment is ended by the stop while a set applies it */
static gboolean
scenario_enrol (void)
{
  return cycle_states_while (SOURCE " ! nmfseparate name=s " FAST
      " enrol-components=2 s.src_0 ! fakesink sync=false s.src_1 ! fakesink "
      "sync=false", "s", hammer_enrol, 60);
}

/* ------------------------------------------------------------------------ */

static gpointer
hammer_seeks (gpointer data)
{
  GstElement *pipe = data;
  guint i = 0;

  while (!g_atomic_int_get (&stop) && i < 300) {
    gst_element_seek_simple (pipe, GST_FORMAT_TIME, GST_SEEK_FLAG_FLUSH,
        (i * 37 % 50) * GST_SECOND / 10);
    g_usleep (3000);
    i++;
  }
  return NULL;
}

static gboolean
scenario_seeks (void)
{
  GstElement *pipe = e2e_launch (SOURCE " ! nmfseparate name=s " FAST
      " s.src_0 ! fakesink sync=false s.src_1 ! fakesink sync=false",
      256, 400, 2);
  GThread *t[2];
  gboolean ok;

  gst_element_set_state (pipe, GST_STATE_PAUSED);
  gst_element_get_state (pipe, NULL, NULL, 10 * GST_SECOND);
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  t[0] = g_thread_new ("seek0", hammer_seeks, pipe);
  t[1] = g_thread_new ("seek1", hammer_seeks, pipe);
  g_thread_join (t[0]);
  g_thread_join (t[1]);
  /* after the storm the stream must still get to its end */
  ok = read_bus (pipe, 120, TRUE);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (pipe);
  return ok;
}

/* ------------------------------------------------------------------------ */

static gpointer
hammer_extract (gpointer data)
{
  GstElement *x = data;
  guint i = 0, source;

  while (!g_atomic_int_get (&stop)) {
    g_object_set (x, "source", i % 2, NULL);
    g_object_get (x, "source", &source, NULL);
    gst_child_proxy_set (GST_CHILD_PROXY (x), "separator::iterations",
        1 + i % 5, NULL);
    i++;
  }
  return NULL;
}

/* nmfextract: its source set from another thread while it starts and
 * stops (taken only in NULL and READY) */
static gboolean
scenario_extract (void)
{
  return cycle_states_while (SOURCE " ! nmfextract name=x "
      "separator::fft-size=512 separator::window-frames=20 ! fakesink "
      "sync=false", "x", hammer_extract, 30);
}

/* ------------------------------------------------------------------------ */

static gpointer
run_pair (gpointer data)
{
  GstElement *pipe = data;

  gst_element_set_state (pipe, GST_STATE_PLAYING);
  return GINT_TO_POINTER (read_bus (pipe, 120, TRUE));
}

static gboolean
scenario_two (void)
{
  /* two instances in one pipeline, a tee before them */
  GstElement *one = e2e_launch (SOURCE " ! tee name=t "
      "t. ! queue ! nmfseparate name=a " FAST " post-messages=true "
      "a.src_0 ! fakesink sync=false a.src_1 ! fakesink sync=false "
      "t. ! queue ! nmfseparate name=b " FAST " algorithm=volmin "
      "b.src_0 ! fakesink sync=false b.viz ! fakesink sync=false",
      256, 400, 1);
  GstElement *two = e2e_launch (SOURCE " ! nmfseparate " FAST
      " post-messages=true name=c c.src_0 ! fakesink sync=false "
      "c.src_1 ! fakesink sync=false", 256, 400, 2);
  GThread *t1 = g_thread_new ("one", run_pair, one);
  GThread *t2 = g_thread_new ("two", run_pair, two);
  gboolean ok1 = GPOINTER_TO_INT (g_thread_join (t1));
  gboolean ok2 = GPOINTER_TO_INT (g_thread_join (t2));

  gst_element_set_state (one, GST_STATE_NULL);
  gst_element_set_state (two, GST_STATE_NULL);
  gst_object_unref (one);
  gst_object_unref (two);
  return ok1 && ok2;
}

int
main (int argc, char **argv)
{
  static const struct
  {
    const gchar *name;
    gboolean (*run) (void);
  } scenarios[] = {
    {"props", scenario_props},
    {"pads", scenario_pads},
    {"states", scenario_states},
    {"seeks", scenario_seeks},
    {"enrol", scenario_enrol},
    {"extract", scenario_extract},
    {"two", scenario_two},
  };
  gboolean all = TRUE;

  gst_init (&argc, &argv);
  for (guint i = 0; i < G_N_ELEMENTS (scenarios); i++) {
    gboolean named = argc < 2, ok;
    for (gint a = 1; a < argc; a++)
      named |= strcmp (argv[a], scenarios[i].name) == 0;
    if (!named)
      continue;
    g_atomic_int_set (&stop, 0);
    g_print ("%s\n", scenarios[i].name);
    ok = scenarios[i].run ();
    g_print ("  %s\n", ok ? "ok" : "FAIL");
    all &= ok;
  }
  g_print ("%s\n", all ? "PASS" : "FAIL");
  return all ? 0 : 1;
}
