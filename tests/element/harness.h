/* The one push/collect harness of the element tests: the element made
 * with its properties, GstHarnesses on its sink pad and source pads, a
 * signal pushed in buffers of chosen sizes, every output buffer collected
 * with sample-exact timestamp checks, and the pull to EOS. */
#ifndef NMF_TEST_HARNESS_H
#define NMF_TEST_HARNESS_H

#include <gst/gst.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>

#define NMF_TEST_MAX_PADS 17    /* 16 sources and the picture */

/* ------------------------------------------------------------------------ */
/* Elements */

/* factory with "prop=value ..." (NULL or empty: none) set; fails the test
 * when the factory is not there. */
GstElement *nmf_test_element (const gchar * factory, const gchar * props);
void nmf_test_set_props (GstElement * el, const gchar * props);
gboolean nmf_test_has_property (GstElement * el, const gchar * name);
/* Fails when a property of el's own class has a flag gst-inspect-1.0 does
 * not name (it prints such bits as a raw number, ", 0x40000000" for
 * G_PARAM_EXPLICIT_NOTIFY). */
void nmf_test_check_inspect_flags (GstElement * el);
/* A "notify" handler counting its calls in the guint at data. */
void nmf_test_count_notify (GObject * object, GParamSpec * pspec,
    gpointer data);

/* Sets el to PAUSED, which must fail with an error on the bus: returns it
 * (g_error_free it), its debug string in *debug if not NULL (g_free it);
 * el is back in NULL. */
GError *nmf_test_expect_start_error (GstElement * el, gchar ** debug);
/* Sets el to PAUSED, which must succeed with no error, then back to
 * NULL. */
void nmf_test_expect_start_ok (GstElement * el);

/* ------------------------------------------------------------------------ */
/* Where a stream's samples sit in time: sample n has the PTS
 * base + n / rate (none if base is GST_CLOCK_TIME_NONE) and the offset
 * off0 + n (none if off0 is GST_BUFFER_OFFSET_NONE). */
typedef struct
{
  gint rate, channels;
  GstClockTime base;
  guint64 off0;
} NmfTimeline;

/* ------------------------------------------------------------------------ */
/* The usual stream of the element tests: 44.1 kHz, the element's default
 * fft-size and hop-size */
#define RATE 44100
#define FFT 2048
#define HOP 512
#define BINS (FFT / 2 + 1)
#define MAX_PADS 16

#define CAPS_MONO_44100 \
  "audio/x-raw, format=(string)F32LE, layout=(string)interleaved, " \
  "rate=(int)44100, channels=(int)1"
#define CAPS_STEREO_44100 \
  "audio/x-raw, format=(string)F32LE, layout=(string)interleaved, " \
  "rate=(int)44100, channels=(int)2"

/* mono at RATE, from 0, offsets from 0 */
extern const NmfTimeline nmf_mono;

GstClockTime nmf_test_time (guint64 sample, gint rate);
/* F32 interleaved audio caps of that rate and channels, extra appended */
gchar *nmf_test_caps_str (gint rate, gint channels, const gchar * extra);

/* Samples [idx, idx + frames) of a stream on timeline t as an input
 * buffer; data points at sample idx. */
GstBuffer *nmf_test_buffer (const NmfTimeline * t, const float *data,
    guint64 idx, gsize frames, gboolean discont);

/* A deterministic signal: two tones per channel, different per channel,
 * the second switching on and off so that the sources differ.  n frames,
 * interleaved; g_free it. */
float *nmf_test_two_tones (gsize n, gint channels, gint rate);
/* The tests' random numbers (a linear congruential generator). */
guint32 nmf_test_lcg (guint32 * state);
/* Three sources that a demixing tells apart (a tone with a tremolo, white
 * noise from `seed`, a pulse wave with vibrato), n frames each (g_free
 * them), added into `stereo` (n interleaved pairs) at the constant-power
 * pans `pans`. */
void nmf_test_three_panned (gint rate, gsize n, guint32 seed,
    const double pans[3], float *src[3], float *stereo);
/* Which of three panned sources each of three stereo pads carries, in
 * two runs of a stream (before and after a stretch in another format):
 * channel 0 of a pad against each source's image there. */
typedef struct
{
  double xy[2][3][3];           /* [run][pad][source] */
  double yy[2][3];              /* [run][pad] */
} NmfPannedPads;
/* Adds `frames` stereo frames of pad `pad`'s output in run `run`, whose
 * first frame is frame `k0` of that run's sources `src`. */
void nmf_test_panned_pads_add (NmfPannedPads * a, int run, int pad,
    const float *stereo, gsize frames, float *const src[3], gsize k0,
    const double pans[3]);
/* The source of each pad in each run into who, failing unless each pad
 * correlates above 0.7 with one; the images' energies are those of run
 * 0's sources `src` over frames [from, to). */
void nmf_test_panned_pads_who (const NmfPannedPads * a, float *const src[3],
    gsize from, gsize to, const double pans[3], int who[2][3]);

/* ------------------------------------------------------------------------ */
/* Buffer sizes a signal is pushed in */

typedef enum
{
  NMF_SIZES_FIXED,              /* n each (0: the whole signal at once) */
  NMF_SIZES_RANDOM,             /* 1 + lcg % n */
  NMF_SIZES_ODD,                /* odd, 1 .. n */
  NMF_SIZES_LIST,               /* list[0 .. n), cycled */
} NmfSizesKind;

typedef struct
{
  NmfSizesKind kind;
  guint n;
  guint32 seed;
  const guint *list;
  guint next;
} NmfSizes;

#define NMF_SIZES(kind_, n_, seed_) { (kind_), (n_), (seed_), NULL, 0 }
#define NMF_SIZES_OF(list_, n_) { NMF_SIZES_LIST, (n_), 0, (list_), 0 }

/* The next size, at most left (at least 1 when left is). */
gsize nmf_sizes_next (NmfSizes * z, gsize left);

/* ------------------------------------------------------------------------ */
/* Checks that each output buffer continues the last one sample-exactly
 * (PTS, DURATION, OFFSET, OFFSET_END on its timeline), that every sample
 * is finite, and keeps the samples if asked. */
typedef struct
{
  NmfTimeline t;
  guint64 n;                    /* samples so far */
  guint nbufs;
  GArray *data;                 /* floats, when kept */
} Collector;

void collector_init (Collector * c, const NmfTimeline * t, gboolean keep);
void collector_clear (Collector * c);
/* Takes the buffer. */
void collector_add (Collector * c, GstBuffer * b);
/* The samples kept, handed over (g_free them); the collector keeps none. */
float *collector_steal (Collector * c);

/* Waits for EOS on a harness (gst_harness_pull_event gives up after 60 s);
 * the caps of the caps events on the way are appended to caps_seen if not
 * NULL.  Its buffers before EOS are then all queued. */
void nmf_test_wait_eos (GstHarness * h, GPtrArray * caps_seen);
/* Every buffer the harness has queued, into c (dropped if c is NULL). */
void nmf_test_collect (GstHarness * h, Collector * c);
/* Every buffer the harness has queued, in order. */
GPtrArray *nmf_test_pull_all (GstHarness * h);
/* Every buffer up to EOS, in order. */
GPtrArray *nmf_test_pull_all_to_eos (GstHarness * h);

/* ------------------------------------------------------------------------ */
/* An element with harnesses: h[0] feeds "sink" and reads pads[0], h[i]
 * reads pads[i]. */
typedef struct
{
  GstElement *el;
  GstHarness *h[NMF_TEST_MAX_PADS];
  guint n;
} NmfFix;

/* Harnesses on src_0 .. src_{n_pads-1}; takes the caller's ref of el. */
void nmf_fix_attach (NmfFix * f, GstElement * el, guint n_pads);
/* The same on the pads named (e.g. "src_0", "src_1", "viz"). */
void nmf_fix_attach_pads (NmfFix * f, GstElement * el,
    const gchar * const *pads, guint n_pads);
void nmf_fix_teardown (NmfFix * f);
/* Takes the test's bus off the element and drops it (bus may be NULL:
 * none was set), then tears down as nmf_fix_teardown. */
void nmf_fix_teardown_bus (NmfFix * f, GstBus * bus);
/* Bus messages. A warning or error on the bus fails the test unless it
 * was announced: nmf_test_expect_warning (text) before the action that
 * causes it (one at a time), nmf_test_check_warned (bus) after it, which
 * pops what waits and fails if no warning holding text came. A filtered
 * pop (gst_bus_pop_filtered) drops the messages of other types unseen. */
void nmf_test_expect_warning (const gchar * text);
void nmf_test_check_warned (GstBus * bus);
/* The next message but the announced warnings (NULL: none waits). */
GstMessage *nmf_test_pop (GstBus * bus);
/* The next element message, the same way (others are dropped). */
GstMessage *nmf_test_pop_element (GstBus * bus);

/* Input caps for a stream on t, extra (may be NULL) appended. */
void nmf_fix_set_caps (NmfFix * f, const NmfTimeline * t,
    const gchar * extra);
/* The caps of t alone, in the segment in force (set_caps starts a new
 * segment at 0 too): a format change mid-stream. */
void nmf_fix_change_caps (NmfFix * f, const NmfTimeline * t);

/* Pushes samples [from, from + frames) of x (interleaved, sample 0 of
 * timeline t) into h[0] in buffers of the sizes z gives, the first one
 * DISCONT if discont, each one GST_FLOW_OK; after each, what every harness
 * holds goes into c[i] (c NULL: left in the harnesses). */
void nmf_fix_push (NmfFix * f, const NmfTimeline * t, const float *x,
    guint64 from, gsize frames, NmfSizes * z, gboolean discont,
    Collector * c);
/* EOS into h[0], then, for every harness, its output up to EOS into c[i]
 * (c NULL: left in the harnesses). */
void nmf_fix_finish (NmfFix * f, Collector * c);
/* The whole run through an attached f: input caps for t (extra
 * appended), samples [0, frames) of x pushed in the sizes z gives and
 * collected into c[0 .. f->n) (samples kept if keep), EOS, and exactly
 * `frames` samples out of every pad.  Clear c after looking. */
void nmf_fix_run (NmfFix * f, const NmfTimeline * t, const gchar * extra,
    const float *x, gsize frames, NmfSizes * z, gboolean keep,
    Collector * c);
/* EOS into h[0]: EOS and no buffer at all out of every harnessed pad. */
void nmf_fix_finish_empty (NmfFix * f);
/* Waits until everything the element has queued has been pushed (the
 * DRAIN query). */
void nmf_fix_drain (NmfFix * f);
/* The current caps of the element's pad name (gst_caps_unref them). */
GstCaps *nmf_fix_caps (NmfFix * f, const gchar * name);

/* ------------------------------------------------------------------------ */
/* A minimal sink element ("nmftestsink" once registered), so that link and
 * parse tests need no system plugin. */
typedef struct
{
  GstElement parent;
  GstPad *sinkpad;
  /* blocking mode: chain waits (like a sink prerolling) until flushed */
  GMutex lock;
  GCond cond;
  gboolean block, flushing, blocked;
  guint buffers;
} NmfTestSink;

typedef struct
{
  GstElementClass parent_class;
} NmfTestSinkClass;

GType nmf_test_sink_get_type (void);

/* Registers "nmftestsink". */
void nmf_test_sink_register (void);

/* ------------------------------------------------------------------------ */
/* nmfseparate with an algorithm chosen for a whole test */

/* nmfseparate, with the algorithm nmf_test_set_algorithm chose (none: the
 * element's default). */
GstElement *nmf_test_separator (void);
/* Fails when the element has no such algorithm. */
void nmf_test_set_algorithm (const gchar * name);
/* Back to the default: the teardown of the tests that choose one. */
void nmf_test_reset_algorithm (void);

/* n collectors on the same timeline */
void collectors_init (Collector * c, guint n, const NmfTimeline * t,
    gboolean keep);
void collectors_clear (Collector * c, guint n);

/* ------------------------------------------------------------------------ */
/* Suites */

/* A test of a suite: its test case (tests are grouped into test cases by
 * this name, in order), its function, and a teardown run after each test
 * of its test case (NULL: none; the first test of a test case gives it). */
typedef struct
{
  const gchar *tcase;
  const gchar *name;
  TFun func;
  SFun teardown;
} NmfTest;

#define NMF_TEST(tcase, func) { (tcase), #func, (func), NULL }
#define NMF_TEST_WITH_TEARDOWN(tcase, func, teardown) \
  { (tcase), #func, (func), (teardown) }

/* The suite of n tests; timeout: seconds per test (0: check's default). */
Suite *nmf_test_suite (const gchar * name, const NmfTest * tests, guint n,
    guint timeout);

#endif
