/* The push/collect harness of the element tests (harness.h). */
#include "harness.h"

#include <math.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Elements */

void
nmf_test_set_props (GstElement * el, const gchar * props)
{
  gchar **kv;

  if (!props || !*props)
    return;
  kv = g_strsplit (props, " ", -1);
  for (guint i = 0; kv[i]; i++) {
    gchar **p;
    if (!*kv[i])
      continue;
    p = g_strsplit (kv[i], "=", 2);
    fail_unless (p[0] && p[1], "bad property string %s", kv[i]);
    gst_util_set_object_arg (G_OBJECT (el), p[0], p[1]);
    g_strfreev (p);
  }
  g_strfreev (kv);
}

GstElement *
nmf_test_element (const gchar * factory, const gchar * props)
{
  GstElement *el = gst_element_factory_make (factory, NULL);

  fail_unless (el != NULL, "%s not found: check GST_PLUGIN_PATH", factory);
  nmf_test_set_props (el, props);
  return el;
}

gboolean
nmf_test_has_property (GstElement * el, const gchar * name)
{
  return g_object_class_find_property (G_OBJECT_GET_CLASS (el), name) != NULL;
}

/* The flags gst-inspect-1.0 names (its KNOWN_PARAM_FLAGS, 1.22 to 1.26);
 * any other bit it prints as a number. */
#define INSPECT_NAMED_FLAGS \
  (G_PARAM_CONSTRUCT | G_PARAM_CONSTRUCT_ONLY | G_PARAM_LAX_VALIDATION | \
   G_PARAM_STATIC_STRINGS | G_PARAM_READABLE | G_PARAM_WRITABLE | \
   G_PARAM_DEPRECATED | GST_PARAM_CONTROLLABLE | GST_PARAM_MUTABLE_PLAYING | \
   GST_PARAM_MUTABLE_PAUSED | GST_PARAM_MUTABLE_READY)

void
nmf_test_check_inspect_flags (GstElement * el)
{
  guint n = 0;
  GParamSpec **specs =
      g_object_class_list_properties (G_OBJECT_GET_CLASS (el), &n);

  for (guint i = 0; i < n; i++) {
    if (specs[i]->owner_type != G_OBJECT_TYPE (el))
      continue;
    fail_unless ((specs[i]->flags & ~INSPECT_NAMED_FLAGS) == 0,
        "%s: property '%s' has flags 0x%x that gst-inspect-1.0 prints as a "
        "number", G_OBJECT_TYPE_NAME (el), specs[i]->name,
        specs[i]->flags & ~INSPECT_NAMED_FLAGS);
  }
  g_free (specs);
}

void
nmf_test_count_notify (G_GNUC_UNUSED GObject * object,
    G_GNUC_UNUSED GParamSpec * pspec, gpointer data)
{
  (*(guint *) data)++;
}

/* The first error on bus, or NULL. */
static GError *
pop_error (GstBus * bus, gchar ** debug)
{
  GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  GError *err = NULL;

  if (!msg)
    return NULL;
  gst_message_parse_error (msg, &err, debug);
  gst_message_unref (msg);
  return err;
}

/* Sets el to PAUSED with a bus of its own; the state change's result,
 * and the first error posted in *err. */
static GstStateChangeReturn
start_on_bus (GstElement * el, GError ** err, gchar ** debug)
{
  GstBus *bus = gst_bus_new ();
  GstStateChangeReturn ret;

  gst_element_set_bus (el, bus);
  ret = gst_element_set_state (el, GST_STATE_PAUSED);
  *err = pop_error (bus, debug);
  fail_unless_equals_int (gst_element_set_state (el, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_element_set_bus (el, NULL);
  gst_bus_set_flushing (bus, TRUE);
  gst_object_unref (bus);
  return ret;
}

GError *
nmf_test_expect_start_error (GstElement * el, gchar ** debug)
{
  GError *err = NULL;

  fail_unless_equals_int (start_on_bus (el, &err, debug),
      GST_STATE_CHANGE_FAILURE);
  fail_unless (err != NULL, "no error message on the bus");
  GST_INFO ("error: %s", err->message);
  return err;
}

void
nmf_test_expect_start_ok (GstElement * el)
{
  GError *err = NULL;

  fail_unless_equals_int (start_on_bus (el, &err, NULL),
      GST_STATE_CHANGE_SUCCESS);
  fail_unless (err == NULL, "error: %s", err ? err->message : "");
}

/* ------------------------------------------------------------------------ */
/* Streams */

const NmfTimeline nmf_mono = { RATE, 1, 0, 0 };

GstClockTime
nmf_test_time (guint64 sample, gint rate)
{
  return gst_util_uint64_scale_int (sample, GST_SECOND, rate);
}

gchar *
nmf_test_caps_str (gint rate, gint channels, const gchar * extra)
{
  return g_strdup_printf ("audio/x-raw, format=(string)F32LE, "
      "layout=(string)interleaved, rate=(int)%d, channels=(int)%d%s", rate,
      channels, extra ? extra : "");
}

GstBuffer *
nmf_test_buffer (const NmfTimeline * t, const float *data, guint64 idx,
    gsize frames, gboolean discont)
{
  gsize bytes = frames * t->channels * sizeof (float);
  GstBuffer *b = gst_buffer_new_allocate (NULL, bytes, NULL);
  GstClockTime t0 = t->base + nmf_test_time (idx, t->rate);

  if (bytes)
    gst_buffer_fill (b, 0, data, bytes);
  if (GST_CLOCK_TIME_IS_VALID (t->base)) {
    GST_BUFFER_PTS (b) = t0;
    GST_BUFFER_DURATION (b) = t->base + nmf_test_time (idx + frames,
        t->rate) - t0;
  }
  if (t->off0 != GST_BUFFER_OFFSET_NONE) {
    GST_BUFFER_OFFSET (b) = t->off0 + idx;
    GST_BUFFER_OFFSET_END (b) = t->off0 + idx + frames;
  }
  if (discont)
    GST_BUFFER_FLAG_SET (b, GST_BUFFER_FLAG_DISCONT);
  return b;
}

void
nmf_test_three_panned (gint rate, gsize n, guint32 seed, const double pans[3],
    float *src[3], float *stereo)
{
  guint32 st = seed;
  double ph = 0.0;

  for (int k = 0; k < 3; k++)
    src[k] = g_new (float, n);
  for (gsize i = 0; i < n; i++) {
    const double t = (double) i / rate;
    src[0][i] = (float) (0.3 * sin (2 * G_PI * 440 * t) * (1 + 0.5 *
            sin (2 * G_PI * 1.3 * t)));
    src[1][i] = (float) (0.1 * (nmf_test_lcg (&st) / 16777216.0 - 0.5) *
        3.46);
    ph += 2 * G_PI * 150 * (1 + 0.05 * sin (2 * G_PI * 5 * t)) / rate;
    src[2][i] = (float) (0.15 * (sin (ph) >= 0 ? 1 : -1) * (0.6 + 0.4 *
            sin (2 * G_PI * 0.7 * t)));
  }
  for (int k = 0; k < 3; k++) {
    const double t = (pans[k] + 1.0) * G_PI / 4.0;
    for (gsize i = 0; i < n; i++) {
      stereo[2 * i] += (float) (cos (t) * src[k][i]);
      stereo[2 * i + 1] += (float) (sin (t) * src[k][i]);
    }
  }
}

/* The source whose image correlates best with a pad: xy the pad's inner
 * products with each source's image, yy its energy, ss the images'
 * energies; returns the correlation, the source in *who. */
static double
best_source (const double xy[3], double yy, const double ss[3], int *who)
{
  double best = -1.0;

  for (int s = 0; s < 3; s++) {
    const double c = xy[s] / sqrt (yy * ss[s] + 1e-30);
    if (c > best) {
      best = c;
      *who = s;
    }
  }
  return best;
}

void
nmf_test_panned_pads_add (NmfPannedPads * a, int run, int pad,
    const float *stereo, gsize frames, float *const src[3], gsize k0,
    const double pans[3])
{
  for (gsize i = 0; i < frames; i++) {
    for (int s = 0; s < 3; s++)
      a->xy[run][pad][s] += stereo[2 * i] * (double) src[s][k0 + i] *
          cos ((pans[s] + 1.0) * G_PI / 4.0);
    a->yy[run][pad] += (double) stereo[2 * i] * stereo[2 * i];
  }
}

void
nmf_test_panned_pads_who (const NmfPannedPads * a, float *const src[3],
    gsize from, gsize to, const double pans[3], int who[2][3])
{
  double ss[3] = { 0 };

  for (int s = 0; s < 3; s++)
    for (gsize i = from; i < to; i++) {
      const double g = cos ((pans[s] + 1.0) * G_PI / 4.0) * src[s][i];
      ss[s] += g * g;
    }
  for (int run = 0; run < 2; run++)
    for (int p = 0; p < 3; p++) {
      double best = best_source (a->xy[run][p], a->yy[run][p], ss,
          &who[run][p]);
      fail_unless (best > 0.7, "run %d pad %d: correlation %.2f", run, p,
          best);
    }
}

float *
nmf_test_two_tones (gsize n, gint channels, gint rate)
{
  float *x = g_new (float, n * channels);

  for (gsize i = 0; i < n; i++)
    for (gint c = 0; c < channels; c++) {
      double t = (double) i / rate;
      double f1 = 440.0 * (c + 1), f2 = 2750.0 + 500.0 * c;
      double on = ((i / 8000) % 2) ? 1.0 : 0.0;
      x[i * channels + c] = (float) (0.5 * sin (2 * M_PI * f1 * t)
          + 0.3 * on * sin (2 * M_PI * f2 * t));
    }
  return x;
}

guint32
nmf_test_lcg (guint32 * state)
{
  *state = *state * 1664525u + 1013904223u;
  return *state >> 8;
}

gsize
nmf_sizes_next (NmfSizes * z, gsize left)
{
  gsize n = left;

  switch (z->kind) {
    case NMF_SIZES_FIXED:
      n = z->n ? z->n : left;
      break;
    case NMF_SIZES_RANDOM:
      n = 1 + nmf_test_lcg (&z->seed) % z->n;
      break;
    case NMF_SIZES_ODD:
      n = 1 + 2 * (nmf_test_lcg (&z->seed) % MAX (1, z->n / 2));
      break;
    case NMF_SIZES_LIST:
      n = z->list[z->next++ % z->n];
      break;
  }
  return MIN (n, left);
}

/* ------------------------------------------------------------------------ */
/* Collecting */

void
collector_init (Collector * c, const NmfTimeline * t, gboolean keep)
{
  memset (c, 0, sizeof (*c));
  c->t = *t;
  if (keep)
    c->data = g_array_new (FALSE, FALSE, sizeof (float));
}

void
collector_clear (Collector * c)
{
  if (c->data)
    g_array_free (c->data, TRUE);
  c->data = NULL;
}

float *
collector_steal (Collector * c)
{
  float *x = (float *) g_array_free (c->data, FALSE);

  c->data = NULL;
  return x;
}

void
collector_add (Collector * c, GstBuffer * b)
{
  const NmfTimeline *t = &c->t;
  gsize size = gst_buffer_get_size (b);
  gsize bpf = sizeof (float) * t->channels;
  gsize frames;
  GstClockTime t0, t1;
  GstMapInfo map;
  const float *v;

  fail_unless (size % bpf == 0, "size %" G_GSIZE_FORMAT " not whole frames",
      size);
  frames = size / bpf;
  fail_unless (frames > 0, "empty output buffer");
  /* the element cuts long output (a drain of the look-ahead) into pieces */
  fail_unless (frames <= 8192, "an output buffer of %" G_GSIZE_FORMAT
      " samples", frames);
  t0 = t->base + nmf_test_time (c->n, t->rate);
  t1 = t->base + nmf_test_time (c->n + frames, t->rate);
  fail_unless_equals_uint64 (GST_BUFFER_PTS (b), t0);
  fail_unless_equals_uint64 (GST_BUFFER_DURATION (b), t1 - t0);
  if (t->off0 != GST_BUFFER_OFFSET_NONE) {
    fail_unless_equals_uint64 (GST_BUFFER_OFFSET (b), t->off0 + c->n);
    fail_unless_equals_uint64 (GST_BUFFER_OFFSET_END (b),
        t->off0 + c->n + frames);
  }
  fail_unless (gst_buffer_map (b, &map, GST_MAP_READ));
  v = (const float *) map.data;
  for (gsize i = 0; i < frames * t->channels; i++)
    if (!isfinite (v[i]))
      fail ("non-finite output sample %g at %" G_GUINT64_FORMAT, v[i],
          c->n + i / t->channels);
  if (c->data)
    g_array_append_vals (c->data, map.data, frames * t->channels);
  gst_buffer_unmap (b, &map);
  c->n += frames;
  c->nbufs++;
  gst_buffer_unref (b);
}

void
nmf_test_wait_eos (GstHarness * h, GPtrArray * caps_seen)
{
  GstEvent *ev;

  while ((ev = gst_harness_pull_event (h))) {
    gboolean eos = GST_EVENT_TYPE (ev) == GST_EVENT_EOS;
    if (caps_seen && GST_EVENT_TYPE (ev) == GST_EVENT_CAPS) {
      GstCaps *caps;
      gst_event_parse_caps (ev, &caps);
      g_ptr_array_add (caps_seen, gst_caps_ref (caps));
    }
    gst_event_unref (ev);
    if (eos)
      return;
  }
  fail ("no EOS within 60 s");
}

void
nmf_test_collect (GstHarness * h, Collector * c)
{
  GstBuffer *b;

  while ((b = gst_harness_try_pull (h))) {
    if (c)
      collector_add (c, b);
    else
      gst_buffer_unref (b);
  }
}

GPtrArray *
nmf_test_pull_all (GstHarness * h)
{
  GPtrArray *arr = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_buffer_unref);
  GstBuffer *b;

  while ((b = gst_harness_try_pull (h)))
    g_ptr_array_add (arr, b);
  return arr;
}

GPtrArray *
nmf_test_pull_all_to_eos (GstHarness * h)
{
  nmf_test_wait_eos (h, NULL);
  return nmf_test_pull_all (h);
}

/* ------------------------------------------------------------------------ */
/* An element with harnesses */

void
nmf_fix_attach_pads (NmfFix * f, GstElement * el, const gchar * const *pads,
    guint n_pads)
{
  fail_unless (n_pads >= 1 && n_pads <= NMF_TEST_MAX_PADS);
  memset (f, 0, sizeof (*f));
  f->el = el;
  f->n = n_pads;
  for (guint i = 0; i < n_pads; i++)
    f->h[i] = gst_harness_new_with_element (el, i ? NULL : "sink", pads[i]);
  gst_object_unref (el);        /* the harnesses hold it now */
}

void
nmf_fix_attach (NmfFix * f, GstElement * el, guint n_pads)
{
  gchar *names[NMF_TEST_MAX_PADS];

  fail_unless (n_pads >= 1 && n_pads <= NMF_TEST_MAX_PADS);
  for (guint i = 0; i < n_pads; i++)
    names[i] = g_strdup_printf ("src_%u", i);
  nmf_fix_attach_pads (f, el, (const gchar * const *) names, n_pads);
  for (guint i = 0; i < n_pads; i++)
    g_free (names[i]);
}

void
nmf_fix_teardown (NmfFix * f)
{
  for (gint i = f->n - 1; i >= 0; i--)
    gst_harness_teardown (f->h[i]);
  memset (f, 0, sizeof (*f));
}

void
nmf_fix_teardown_bus (NmfFix * f, GstBus * bus)
{
  GstMessage *msg;

  gst_element_set_bus (f->el, NULL);
  if (bus) {
    while ((msg = nmf_test_pop (bus)))
      gst_message_unref (msg);
    gst_object_unref (bus);
  }
  nmf_fix_teardown (f);
}

static struct
{
  const gchar *text;
  guint seen;
} expected_warning;

void
nmf_test_expect_warning (const gchar * text)
{
  expected_warning.text = text;
  expected_warning.seen = 0;
}

void
nmf_test_check_warned (GstBus * bus)
{
  GstMessage *msg;

  while ((msg = nmf_test_pop (bus)))
    gst_message_unref (msg);
  fail_unless (expected_warning.seen > 0, "no warning saying \"%s\"",
      expected_warning.text);
  expected_warning.text = NULL;
}

GstMessage *
nmf_test_pop (GstBus * bus)
{
  GstMessage *msg;

  while ((msg = gst_bus_pop (bus)) && (GST_MESSAGE_TYPE (msg) ==
          GST_MESSAGE_WARNING || GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)) {
    gboolean warning = GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING;
    GError *err = NULL;
    gchar *dbg = NULL;

    if (warning)
      gst_message_parse_warning (msg, &err, &dbg);
    else
      gst_message_parse_error (msg, &err, &dbg);
    if (warning && expected_warning.text
        && strstr (err->message, expected_warning.text))
      expected_warning.seen++;
    else
      fail ("unexpected %s: %s (%s)", GST_MESSAGE_TYPE_NAME (msg),
          err->message, GST_STR_NULL (dbg));
    g_error_free (err);
    g_free (dbg);
    gst_message_unref (msg);
  }
  return msg;
}

GstMessage *
nmf_test_pop_element (GstBus * bus)
{
  GstMessage *msg;

  while ((msg = nmf_test_pop (bus)) && GST_MESSAGE_TYPE (msg) !=
      GST_MESSAGE_ELEMENT)
    gst_message_unref (msg);
  return msg;
}

void
nmf_fix_set_caps (NmfFix * f, const NmfTimeline * t, const gchar * extra)
{
  gchar *caps = nmf_test_caps_str (t->rate, t->channels, extra);

  gst_harness_set_src_caps_str (f->h[0], caps);
  g_free (caps);
}

void
nmf_fix_change_caps (NmfFix * f, const NmfTimeline * t)
{
  gchar *str = nmf_test_caps_str (t->rate, t->channels, NULL);
  GstCaps *caps = gst_caps_from_string (str);

  fail_unless (gst_pad_push_event (f->h[0]->srcpad,
          gst_event_new_caps (caps)));
  gst_caps_unref (caps);
  g_free (str);
}

void
nmf_fix_push (NmfFix * f, const NmfTimeline * t, const float *x,
    guint64 from, gsize frames, NmfSizes * z, gboolean discont, Collector * c)
{
  guint64 pos = from, end = from + frames;

  while (pos < end) {
    gsize n = nmf_sizes_next (z, end - pos);
    /* (not inside fail_unless_equals_int: it declares `first`) */
    GstBuffer *b = nmf_test_buffer (t, x + pos * t->channels, pos, n,
        discont && pos == from);
    fail_unless_equals_int (gst_harness_push (f->h[0], b), GST_FLOW_OK);
    pos += n;
    for (guint i = 0; c && i < f->n; i++)
      nmf_test_collect (f->h[i], &c[i]);
  }
}

void
nmf_fix_finish (NmfFix * f, Collector * c)
{
  fail_unless (gst_harness_push_event (f->h[0], gst_event_new_eos ()));
  for (guint i = 0; i < f->n; i++) {
    nmf_test_wait_eos (f->h[i], NULL);
    if (c)
      nmf_test_collect (f->h[i], &c[i]);
  }
}

void
nmf_fix_run (NmfFix * f, const NmfTimeline * t, const gchar * extra,
    const float *x, gsize frames, NmfSizes * z, gboolean keep, Collector * c)
{
  nmf_fix_set_caps (f, t, extra);
  for (guint i = 0; i < f->n; i++)
    collector_init (&c[i], t, keep);
  nmf_fix_push (f, t, x, 0, frames, z, FALSE, c);
  nmf_fix_finish (f, c);
  for (guint i = 0; i < f->n; i++)
    fail_unless (c[i].n == frames, "pad %u gave %" G_GUINT64_FORMAT
        " samples for %" G_GSIZE_FORMAT, i, c[i].n, frames);
}

void
nmf_fix_finish_empty (NmfFix * f)
{
  nmf_fix_finish (f, NULL);
  for (guint i = 0; i < f->n; i++)
    fail_unless_equals_int (gst_harness_buffers_received (f->h[i]), 0);
}

void
nmf_fix_drain (NmfFix * f)
{
  GstQuery *q = gst_query_new_drain ();

  fail_unless (gst_pad_peer_query (f->h[0]->srcpad, q));
  gst_query_unref (q);
}

GstCaps *
nmf_fix_caps (NmfFix * f, const gchar * name)
{
  GstPad *p = gst_element_get_static_pad (f->el, name);
  GstCaps *caps;

  fail_unless (p != NULL, "no pad %s", name);
  caps = gst_pad_get_current_caps (p);
  gst_object_unref (p);
  return caps;
}

/* ------------------------------------------------------------------------ */
/* Suites */

Suite *
nmf_test_suite (const gchar * name, const NmfTest * tests, guint n,
    guint timeout)
{
  Suite *s = suite_create (name);
  TCase *tc = NULL;

  for (guint i = 0; i < n; i++) {
    if (!tc || (i > 0 && strcmp (tests[i].tcase, tests[i - 1].tcase) != 0)) {
      tc = tcase_create (tests[i].tcase);
      if (timeout)
        tcase_set_timeout (tc, timeout);
      if (tests[i].teardown)
        tcase_add_checked_fixture (tc, NULL, tests[i].teardown);
      suite_add_tcase (s, tc);
    }
    /* by name, so that GST_CHECKS picks tests as usual */
    _tcase_add_test (tc, tests[i].func, tests[i].name, 0, 0, 0, 1);
  }
  return s;
}

/* ------------------------------------------------------------------------ */
/* A minimal sink element */

G_DEFINE_TYPE (NmfTestSink, nmf_test_sink, GST_TYPE_ELEMENT);

static GstStaticPadTemplate test_sink_template = GST_STATIC_PAD_TEMPLATE
    ("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

static GstFlowReturn
nmf_test_sink_chain (G_GNUC_UNUSED GstPad * pad, GstObject * parent,
    GstBuffer * buf)
{
  NmfTestSink *self = (NmfTestSink *) parent;
  GstFlowReturn ret = GST_FLOW_OK;

  gst_buffer_unref (buf);
  g_mutex_lock (&self->lock);
  self->buffers++;
  if (self->block) {
    self->blocked = TRUE;
    g_cond_broadcast (&self->cond);
    while (self->block && !self->flushing)
      g_cond_wait (&self->cond, &self->lock);
    self->blocked = FALSE;
    if (self->flushing)
      ret = GST_FLOW_FLUSHING;
  }
  g_mutex_unlock (&self->lock);
  return ret;
}

static gboolean
nmf_test_sink_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  NmfTestSink *self = (NmfTestSink *) parent;

  g_mutex_lock (&self->lock);
  if (GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_START)
    self->flushing = TRUE;
  else if (GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_STOP)
    self->flushing = FALSE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  return gst_pad_event_default (pad, parent, event);
}

static void
nmf_test_sink_finalize (GObject * object)
{
  NmfTestSink *self = (NmfTestSink *) object;
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  G_OBJECT_CLASS (nmf_test_sink_parent_class)->finalize (object);
}

static void
nmf_test_sink_class_init (NmfTestSinkClass * klass)
{
  GstElementClass *ec = GST_ELEMENT_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = nmf_test_sink_finalize;
  gst_element_class_add_static_pad_template (ec, &test_sink_template);
  gst_element_class_set_static_metadata (ec, "nmf test sink", "Sink",
      "Drops everything", "gst-nmf developers");
}

static void
nmf_test_sink_init (NmfTestSink * self)
{
  self->sinkpad = gst_pad_new_from_static_template (&test_sink_template,
      "sink");
  gst_pad_set_chain_function (self->sinkpad, nmf_test_sink_chain);
  gst_pad_set_event_function (self->sinkpad, nmf_test_sink_event);
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);
  GST_OBJECT_FLAG_SET (self, GST_ELEMENT_FLAG_SINK);
}

void
nmf_test_sink_register (void)
{
  gst_element_register (NULL, "nmftestsink", GST_RANK_NONE,
      nmf_test_sink_get_type ());
}

/* ------------------------------------------------------------------------ */
/* nmfseparate with an algorithm chosen for a whole test */

static const gchar *test_algorithm = NULL;

GstElement *
nmf_test_separator (void)
{
  GstElement *el = nmf_test_element ("nmfseparate", NULL);

  if (test_algorithm)
    gst_util_set_object_arg (G_OBJECT (el), "algorithm", test_algorithm);
  return el;
}

void
nmf_test_set_algorithm (const gchar * name)
{
  GstElement *el = nmf_test_element ("nmfseparate", NULL);
  GParamSpec *ps = g_object_class_find_property (G_OBJECT_GET_CLASS (el),
      "algorithm");

  fail_unless (ps && G_IS_PARAM_SPEC_ENUM (ps)
      && g_enum_get_value_by_nick (G_PARAM_SPEC_ENUM (ps)->enum_class,
          name), "nmfseparate has no algorithm=%s", name);
  gst_object_unref (el);
  test_algorithm = name;
}

void
nmf_test_reset_algorithm (void)
{
  test_algorithm = NULL;
}

void
collectors_init (Collector * c, guint n, const NmfTimeline * t, gboolean keep)
{
  for (guint i = 0; i < n; i++)
    collector_init (&c[i], t, keep);
}

void
collectors_clear (Collector * c, guint n)
{
  for (guint i = 0; i < n; i++)
    collector_clear (&c[i]);
}
