/* A volmin refresh stopped by the caller's flag (nmf_separator_set_cancel,
 * nmf_volmin_stream_set_cancel).  A refresh runs in the element's
 * streaming thread, and a state change to READY / NULL or a flushing seek
 * waits for it: with the work limit alone (core/volmin_stream.c, about
 * 1 s of one core) that was up to a second here, more on a slower
 * machine.  Raised from another thread during a refresh of 64 components
 * (one that runs to the limit), the flag must end it within a small
 * fraction of that, and the refresh must change nothing: the model, the
 * tracked subspace and the random stream stay as they were, so that once
 * the flag is down the stream goes on exactly as one whose refresh was
 * cancelled before it began. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include <nmf/error.h>
#include <nmf/separator.h>
#include "volmin_stream.h"

/* a refresh at this size takes the whole work limit (1 s of one core) */
#define F 129
#define K 64
#define T 258
#define INTERVAL 16
/* the flag goes up once the refresh's call has spent this much CPU (its
 * subspace tracking takes milliseconds: it is in its linear programs
 * then), whatever the load of the machine */
#define RAISE_AFTER_CPU 0.05
/* what a cancelled refresh may take after it: a tenth of the limit */
#define CANCEL_BOUND 0.1

static double
cpu_of (clockid_t clock)
{
  struct timespec ts;
  clock_gettime (clock, &ts);
  return (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
}

static double
wall_now (void)
{
  return cpu_of (CLOCK_MONOTONIC);
}

/* Raises *flag once the calling thread has spent RAISE_AFTER_CPU, unless
 * the call it waits for has returned by then; notes the calling thread's
 * CPU time then. */
typedef struct
{
  clockid_t caller_clock;
  double caller_start;
  int *flag;
  int returned;                 /* atomic: the call is over */
  int raised;
  double raised_cpu, raised_wall;
} Raiser;

static void *
raise_later (void *data)
{
  Raiser *r = data;
  struct timespec d = { 0, 1000000L };

  while (cpu_of (r->caller_clock) - r->caller_start < RAISE_AFTER_CPU) {
    if (__atomic_load_n (&r->returned, __ATOMIC_SEQ_CST))
      return NULL;
    nanosleep (&d, NULL);
  }
  r->raised_cpu = cpu_of (r->caller_clock);
  r->raised_wall = wall_now ();
  r->raised = 1;
  __atomic_store_n (r->flag, 1, __ATOMIC_SEQ_CST);
  return NULL;
}

static void
raiser_start (Raiser * r, pthread_t * thread, int *flag)
{
  memset (r, 0, sizeof (*r));
  r->flag = flag;
  CHECK_OK (pthread_getcpuclockid (pthread_self (), &r->caller_clock));
  r->caller_start = cpu_of (r->caller_clock);
  CHECK_OK (pthread_create (thread, NULL, raise_later, r));
}

/* The call is over: how long it went on after the flag went up (CPU
 * time of the calling thread, which the load of the machine does not
 * stretch; the wall time in *wall). */
static double
raiser_finish (Raiser * r, pthread_t thread, double *wall)
{
  double cpu = cpu_of (r->caller_clock), now = wall_now ();

  __atomic_store_n (&r->returned, 1, __ATOMIC_SEQ_CST);
  pthread_join (thread, NULL);
  CHECK (r->raised, "the call returned within %g s of CPU: no refresh was "
      "under way when the flag was to go up", RAISE_AFTER_CPU);
  *wall = r->raised ? now - r->raised_wall : 0.0;
  return r->raised ? cpu - r->raised_cpu : 0.0;
}

/* Two streams of the same frames: A's second refresh is cancelled from
 * another thread in the middle of its linear programs, B's by a flag up
 * before it began.  Both keep their first model; with the flags down the
 * next push makes the refresh, and from there on A and B are the same,
 * bit for bit. */
static void
check_stream (void)
{
  nmf_volmin_stream *s[2] = { NULL, NULL };
  nmf_volmin_stream_stats st, before;
  float *v = malloc (F * sizeof (float));
  float *spectra[2], *W_before = malloc ((size_t) F * K * sizeof (float));
  int flag[2] = { 0, 0 };
  /* the first refresh comes with frame 2K (enough sounding frames), the
   * second INTERVAL frames later */
  const int second = 2 * K + INTERVAL, frames = second + INTERVAL + 8;
  unsigned long long seed = 5;
  double cpu = 0.0, wall = 0.0;

  spectra[0] = malloc ((size_t) F * K * sizeof (float));
  spectra[1] = malloc ((size_t) F * K * sizeof (float));
  for (int i = 0; i < 2; i++) {
    CHECK_OK (nmf_volmin_stream_create (&s[i], F, K, T, INTERVAL, 0.0, 1));
    nmf_volmin_stream_set_cancel (s[i], &flag[i]);
  }
  for (int t = 0; t < frames; t++) {
    test_noise_magnitude (v, F, &seed);
    if (t == second - 1) {
      Raiser r;
      pthread_t thread;

      CHECK_OK (nmf_volmin_stream_get_stats (s[0], &before));
      CHECK (before.refreshes == 1, "%llu refreshes before the second",
          (unsigned long long) before.refreshes);
      memcpy (W_before, nmf_volmin_stream_templates (s[0]),
          (size_t) F * K * sizeof (float));
      raiser_start (&r, &thread, &flag[0]);
      CHECK_OK (nmf_volmin_stream_push (s[0], v, spectra[0]));
      cpu = raiser_finish (&r, thread, &wall);
      flag[1] = 1;
      CHECK_OK (nmf_volmin_stream_push (s[1], v, spectra[1]));

      CHECK_OK (nmf_volmin_stream_get_stats (s[0], &st));
      printf ("rank %d over %d frames: refresh cancelled %.1f ms of CPU "
          "(%.1f ms wall) after the flag, %llu LPs into it\n", K, T,
          1e3 * cpu, 1e3 * wall,
          (unsigned long long) (st.lp_solves - before.lp_solves));
      CHECK (st.last_status == NMF_ERR_CANCELLED, "the refresh returned "
          "%d (%s)", st.last_status, nmf_strerror (st.last_status));
      CHECK (st.cancelled == 1 && st.refreshes == 1 && st.failures == 0
          && st.stopped_at_limit == before.stopped_at_limit,
          "cancelled %llu, refreshes %llu, failures %llu",
          (unsigned long long) st.cancelled,
          (unsigned long long) st.refreshes,
          (unsigned long long) st.failures);
      /* stopped inside its linear programs, where the state is half
       * changed, not before them */
      CHECK (st.lp_solves > before.lp_solves, "no LP solved before the "
          "flag");
      CHECK (cpu < CANCEL_BOUND, "the refresh went on for %.3f s of CPU "
          "after the flag (work limit: about 1 s)", cpu);
      CHECK (memcmp (W_before, nmf_volmin_stream_templates (s[0]),
              (size_t) F * K * sizeof (float)) == 0,
          "the cancelled refresh changed the templates");
      CHECK_OK (nmf_volmin_stream_get_stats (s[1], &st));
      CHECK (st.last_status == NMF_ERR_CANCELLED && st.cancelled == 1
          && st.refreshes == 1, "B: status %d, cancelled %llu",
          st.last_status, (unsigned long long) st.cancelled);
      flag[0] = flag[1] = 0;
    } else {
      for (int i = 0; i < 2; i++)
        CHECK_OK (nmf_volmin_stream_push (s[i], v, spectra[i]));
    }
    if (memcmp (spectra[0], spectra[1], (size_t) F * K * sizeof (float))) {
      CHECK (0, "frame %d: the streams' spectra differ", t);
      break;
    }
  }
  for (int i = 0; i < 2; i++) {
    CHECK_OK (nmf_volmin_stream_get_stats (s[i], &st));
    /* the cancelled one made with the next push, then one more */
    CHECK (st.refreshes == 3 && st.cancelled == 1, "stream %d: %llu "
        "refreshes after the flag went down", i,
        (unsigned long long) st.refreshes);
  }
  CHECK (memcmp (nmf_volmin_stream_templates (s[0]),
          nmf_volmin_stream_templates (s[1]),
          (size_t) F * K * sizeof (float)) == 0,
      "the templates differ after a refresh cancelled half way");
  nmf_volmin_stream_destroy (&s[0]);
  nmf_volmin_stream_destroy (&s[1]);
  free (spectra[0]);
  free (spectra[1]);
  free (W_before);
  free (v);
}

/* The same through the public API, as the element drives it: the
 * separator's process returns promptly with all its output, the model in
 * force unchanged, no failure counted; with the flag down the refresh
 * comes with the next frame. */
static void
check_separator (void)
{
  const int hop = 64;
  nmf_separator_config c;
  nmf_separator *sep = NULL;
  nmf_separator_stats st;
  float *x = malloc (hop * sizeof (float)), *audio[2], *W_before;
  size_t model_values, n_audio, pending;
  nmf_separator_output out;
  unsigned long long seed = 9;
  int flag = 0, frames_since = -1;
  double cpu = 0.0, wall = 0.0;
  char msg[256];

  nmf_separator_config_init (&c);
  c.algorithm = NMF_ALGORITHM_VOLMIN;
  c.sources = 2;
  c.components = K;
  c.fft_size = 2 * (F - 1);
  c.hop_size = hop;
  c.window_frames = T;
  c.refresh_interval = INTERVAL;
  CHECK (nmf_separator_create (&sep, &c, msg, sizeof msg) == NMF_OK, "%s",
      msg);
  if (!sep)
    exit (1);
  nmf_separator_set_cancel (sep, &flag);
  model_values = nmf_separator_model_bins (sep) * nmf_separator_rank (sep);
  W_before = malloc (model_values * sizeof (float));
  audio[0] = malloc (hop * sizeof (float));
  audio[1] = malloc (hop * sizeof (float));
  out.audio = audio;
  out.masks = NULL;

  /* hop by hop up to the first refresh, then to the hop before the
   * second */
  for (int n = 0; frames_since < INTERVAL - 1; n++) {
    for (int i = 0; i < hop; i++)
      x[i] = (float) (test_uniform (&seed) - 0.5);
    CHECK_OK (nmf_separator_process (sep, x, hop, &out, NULL, NULL));
    nmf_separator_get_stats (sep, &st);
    if (frames_since >= 0)
      frames_since++;
    else if (st.model_refreshes == 1)
      frames_since = 0;
    if (n > 100000) {
      CHECK (0, "no refresh in %d hops", n);
      exit (1);
    }
  }
  memcpy (W_before, nmf_separator_templates (sep),
      model_values * sizeof (float));
  for (int i = 0; i < hop; i++)
    x[i] = (float) (test_uniform (&seed) - 0.5);
  pending = nmf_separator_pending_audio (sep, hop);
  {
    Raiser r;
    pthread_t thread;
    int ret;

    raiser_start (&r, &thread, &flag);
    ret = nmf_separator_process (sep, x, hop, &out, &n_audio, NULL);
    cpu = raiser_finish (&r, thread, &wall);
    CHECK (ret == NMF_OK, "process returned %d", ret);
  }
  printf ("separator, %d components at fft-size %d: process returned "
      "%.1f ms of CPU (%.1f ms wall) after the flag\n", K, c.fft_size,
      1e3 * cpu, 1e3 * wall);
  CHECK (cpu < CANCEL_BOUND, "process went on for %.3f s of CPU after the "
      "flag (work limit: about 1 s)", cpu);
  CHECK (n_audio == pending, "%zu samples out of %zu", n_audio, pending);
  nmf_separator_get_stats (sep, &st);
  CHECK (st.model_refreshes == 1 && st.model_failures == 0,
      "refreshes %llu, failures %llu (%s)",
      (unsigned long long) st.model_refreshes,
      (unsigned long long) st.model_failures, st.model_error);
  CHECK (memcmp (W_before, nmf_separator_templates (sep),
          model_values * sizeof (float)) == 0,
      "the cancelled refresh changed the templates");

  /* the flag down: the refresh is still due, and made */
  flag = 0;
  CHECK_OK (nmf_separator_process (sep, x, hop, &out, NULL, NULL));
  nmf_separator_get_stats (sep, &st);
  CHECK (st.model_refreshes == 2, "%llu refreshes after the flag went "
      "down", (unsigned long long) st.model_refreshes);

  nmf_separator_destroy (&sep);
  free (audio[0]);
  free (audio[1]);
  free (W_before);
  free (x);
}

int
main (void)
{
  check_stream ();
  check_separator ();
  CHECK_DONE ();
}
