/* LD_PRELOAD shim for race detectors (helgrind, drd): GMutex and GCond
 * implemented on top of pthread_mutex_t / pthread_cond_t.
 *
 * GLib >= 2.54 on Linux implements GMutex and GCond directly with futex
 * system calls, which valgrind's helgrind and drd (and ThreadSanitizer) do
 * not see: every access protected by a GMutex would be reported as a race
 * (GST_OBJECT_LOCK, nmfseparate's queue_lock, GstPad's locks ...).  This
 * shim replaces g_mutex_* and g_cond_* for every caller outside libglib
 * (GObject, GStreamer, the plugin under test, the test), so that the tools
 * see ordinary pthread locks.  Calls made inside libglib itself are bound
 * directly to GLib's own implementation and are not replaced: GLib's
 * internal locking (GAsyncQueue, GThreadPool, ...) stays invisible, hence
 * the suppressions in helgrind.supp.
 *
 * The pthread object is allocated on first use and its address kept in the
 * GMutex / GCond itself (8 bytes: room for a pointer), so a statically
 * zeroed GMutex works.  The pointer is published with an atomic
 * compare-and-swap; the detectors are told not to check that word, and no
 * global lock is used (a global lock would order all threads and hide
 * races).  Not for production: test tooling only.
 *
 * Built by tests/bench/helgrind-element.sh:
 *   cc -shared -fPIC -O1 -g gmutex-pthread-shim.c -o shim.so \
 *     $(pkg-config --cflags glib-2.0) -lpthread */
#define _GNU_SOURCE
#include <glib.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <valgrind/helgrind.h>
#include <valgrind/drd.h>

static void
ignore_word (void *p)
{
  VALGRIND_HG_DISABLE_CHECKING (p, sizeof (void *));
  DRD_IGNORE_VAR (*(void **) p);
}

static pthread_mutex_t *
mutex_of (GMutex * m)
{
  pthread_mutex_t *pm = __atomic_load_n (&m->p, __ATOMIC_ACQUIRE);
  if (pm)
    return pm;
  ignore_word (&m->p);
  pm = malloc (sizeof (*pm));
  pthread_mutex_init (pm, NULL);
  {
    void *expected = NULL;
    if (!__atomic_compare_exchange_n (&m->p, &expected, pm, FALSE,
            __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
      pthread_mutex_destroy (pm);
      free (pm);
      pm = expected;
    }
  }
  return pm;
}

static pthread_cond_t *
cond_of (GCond * c)
{
  pthread_cond_t *pc = __atomic_load_n (&c->p, __ATOMIC_ACQUIRE);
  pthread_condattr_t attr;
  if (pc)
    return pc;
  ignore_word (&c->p);
  pc = malloc (sizeof (*pc));
  pthread_condattr_init (&attr);
  /* g_cond_wait_until takes g_get_monotonic_time () deadlines */
  pthread_condattr_setclock (&attr, CLOCK_MONOTONIC);
  pthread_cond_init (pc, &attr);
  pthread_condattr_destroy (&attr);
  {
    void *expected = NULL;
    if (!__atomic_compare_exchange_n (&c->p, &expected, pc, FALSE,
            __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
      pthread_cond_destroy (pc);
      free (pc);
      pc = expected;
    }
  }
  return pc;
}

void
g_mutex_init (GMutex * m)
{
  ignore_word (&m->p);
  m->p = NULL;
}

void
g_mutex_clear (GMutex * m)
{
  pthread_mutex_t *pm = m->p;
  if (pm) {
    pthread_mutex_destroy (pm);
    free (pm);
  }
  m->p = NULL;
}

void
g_mutex_lock (GMutex * m)
{
  pthread_mutex_lock (mutex_of (m));
}

void
g_mutex_unlock (GMutex * m)
{
  pthread_mutex_unlock (mutex_of (m));
}

gboolean
g_mutex_trylock (GMutex * m)
{
  return pthread_mutex_trylock (mutex_of (m)) == 0;
}

void
g_cond_init (GCond * c)
{
  ignore_word (&c->p);
  c->p = NULL;
}

void
g_cond_clear (GCond * c)
{
  pthread_cond_t *pc = c->p;
  if (pc) {
    pthread_cond_destroy (pc);
    free (pc);
  }
  c->p = NULL;
}

void
g_cond_wait (GCond * c, GMutex * m)
{
  pthread_cond_wait (cond_of (c), mutex_of (m));
}

void
g_cond_signal (GCond * c)
{
  pthread_cond_signal (cond_of (c));
}

void
g_cond_broadcast (GCond * c)
{
  pthread_cond_broadcast (cond_of (c));
}

gboolean
g_cond_wait_until (GCond * c, GMutex * m, gint64 end_time)
{
  struct timespec ts;
  ts.tv_sec = end_time / G_USEC_PER_SEC;
  ts.tv_nsec = (end_time % G_USEC_PER_SEC) * 1000;
  return pthread_cond_timedwait (cond_of (c), mutex_of (m), &ts) == 0;
}
