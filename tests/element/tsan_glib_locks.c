/* GStreamer
 * Copyright (C) 2026 gst-nmf developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Linked into the tests of a ThreadSanitizer build only (meson
 * -Db_sanitize=thread).  Debian's GLib implements GMutex and GCond on
 * futexes, not pthreads, so TSan, which learns of locks by intercepting
 * pthread calls, never saw GST_OBJECT_LOCK: every field the element keeps
 * under it was reported as a race.  An executable's symbols come before a
 * shared library's, so these wrappers take the place of GLib's for every
 * caller (GStreamer, the plugin), call GLib's own through dlsym
 * (RTLD_NEXT) and tell TSan about the lock.  GRecMutex (the pads' stream
 * locks) and GRWLock are pthreads underneath: TSan sees them already. */

#include <glib.h>

#include <dlfcn.h>

/* the TSan runtime's mutex annotations (sanitizer/tsan_interface.h, which
 * gcc 12 does not install) */
void __tsan_mutex_pre_lock (void *addr, unsigned flags);
void __tsan_mutex_post_lock (void *addr, unsigned flags, int recursion);
int __tsan_mutex_pre_unlock (void *addr, unsigned flags);
void __tsan_mutex_post_unlock (void *addr, unsigned flags);

#define TSAN_MUTEX_TRY_LOCK (1u << 4)
#define TSAN_MUTEX_TRY_LOCK_FAILED (1u << 5)

typedef void (*MutexFunc) (GMutex * mutex);
typedef gboolean (*TryFunc) (GMutex * mutex);
typedef void (*WaitFunc) (GCond * cond, GMutex * mutex);
typedef gboolean (*WaitUntilFunc) (GCond * cond, GMutex * mutex,
    gint64 end_time);

/* GLib's function `name`, looked up once (relaxed atomics: any thread
 * may be first, and each finds the same address) */
static gpointer
real (gpointer * cache, const char *name)
{
  gpointer f = __atomic_load_n (cache, __ATOMIC_RELAXED);
  if (!f) {
    f = dlsym (RTLD_NEXT, name);
    if (!f)
      g_error ("tsan_glib_locks: no %s in GLib", name);
    __atomic_store_n (cache, f, __ATOMIC_RELAXED);
  }
  return f;
}

void
g_mutex_lock (GMutex * mutex)
{
  static gpointer lock_real;
  MutexFunc lock = (MutexFunc) real (&lock_real, "g_mutex_lock");
  __tsan_mutex_pre_lock (mutex, 0);
  lock (mutex);
  __tsan_mutex_post_lock (mutex, 0, 0);
}

gboolean
g_mutex_trylock (GMutex * mutex)
{
  static gpointer trylock_real;
  gboolean taken;
  TryFunc trylock = (TryFunc) real (&trylock_real, "g_mutex_trylock");
  __tsan_mutex_pre_lock (mutex, TSAN_MUTEX_TRY_LOCK);
  taken = trylock (mutex);
  __tsan_mutex_post_lock (mutex, TSAN_MUTEX_TRY_LOCK |
      (taken ? 0 : TSAN_MUTEX_TRY_LOCK_FAILED), 0);
  return taken;
}

void
g_mutex_unlock (GMutex * mutex)
{
  static gpointer unlock_real;
  MutexFunc unlock = (MutexFunc) real (&unlock_real, "g_mutex_unlock");
  __tsan_mutex_pre_unlock (mutex, 0);
  unlock (mutex);
  __tsan_mutex_post_unlock (mutex, 0);
}

/* a wait lets go of the mutex and takes it again */
void
g_cond_wait (GCond * cond, GMutex * mutex)
{
  static gpointer wait_real;
  WaitFunc wait = (WaitFunc) real (&wait_real, "g_cond_wait");
  __tsan_mutex_pre_unlock (mutex, 0);
  __tsan_mutex_post_unlock (mutex, 0);
  wait (cond, mutex);
  __tsan_mutex_pre_lock (mutex, 0);
  __tsan_mutex_post_lock (mutex, 0, 0);
}

gboolean
g_cond_wait_until (GCond * cond, GMutex * mutex, gint64 end_time)
{
  static gpointer wait_until_real;
  gboolean signalled;
  WaitUntilFunc wait_until = (WaitUntilFunc) real (&wait_until_real, "g_cond_wait_until");
  __tsan_mutex_pre_unlock (mutex, 0);
  __tsan_mutex_post_unlock (mutex, 0);
  signalled = wait_until (cond, mutex, end_time);
  __tsan_mutex_pre_lock (mutex, 0);
  __tsan_mutex_post_lock (mutex, 0, 0);
  return signalled;
}

/* GAsyncQueue (GstHarness hands the element's output to the test through
 * one) locks inside GLib, out of the wrappers' reach: a push publishes
 * what was written before it to the thread that pops it. */
void __tsan_acquire (void *addr);
void __tsan_release (void *addr);

typedef void (*QueuePushFunc) (GAsyncQueue * queue, gpointer data);
typedef gpointer (*QueuePopFunc) (GAsyncQueue * queue);
typedef gpointer (*QueueTimeoutPopFunc) (GAsyncQueue * queue, guint64 t);

void
g_async_queue_push (GAsyncQueue * queue, gpointer data)
{
  static gpointer push_real;
  QueuePushFunc push = (QueuePushFunc) real (&push_real, "g_async_queue_push");
  __tsan_release (queue);
  push (queue, data);
}

gpointer
g_async_queue_pop (GAsyncQueue * queue)
{
  static gpointer pop_real;
  QueuePopFunc pop = (QueuePopFunc) real (&pop_real, "g_async_queue_pop");
  gpointer data = pop (queue);
  __tsan_acquire (queue);
  return data;
}

gpointer
g_async_queue_try_pop (GAsyncQueue * queue)
{
  static gpointer try_pop_real;
  QueuePopFunc try_pop = (QueuePopFunc) real (&try_pop_real,
      "g_async_queue_try_pop");
  gpointer data = try_pop (queue);
  __tsan_acquire (queue);
  return data;
}

gpointer
g_async_queue_timeout_pop (GAsyncQueue * queue, guint64 timeout)
{
  static gpointer timeout_pop_real;
  QueueTimeoutPopFunc timeout_pop = (QueueTimeoutPopFunc)
      real (&timeout_pop_real, "g_async_queue_timeout_pop");
  gpointer data = timeout_pop (queue, timeout);
  __tsan_acquire (queue);
  return data;
}

typedef void (*QueueLockFunc) (GAsyncQueue * queue);

void
g_async_queue_lock (GAsyncQueue * queue)
{
  static gpointer lock_real;
  QueueLockFunc lock = (QueueLockFunc) real (&lock_real, "g_async_queue_lock");
  lock (queue);
  __tsan_acquire (queue);
}

void
g_async_queue_unlock (GAsyncQueue * queue)
{
  static gpointer unlock_real;
  QueueLockFunc unlock = (QueueLockFunc) real (&unlock_real,
      "g_async_queue_unlock");
  __tsan_release (queue);
  unlock (queue);
}

/* GThreadPool (GstTaskPool runs the pads' tasks on one) hands each item
 * to a worker inside GLib: the push publishes the item, the worker takes
 * it before it runs the pool's function. */
typedef struct
{
  GFunc func;
  gpointer user_data;
} PoolFunc;

static void
pool_func_acquired (gpointer data, gpointer pool_func)
{
  PoolFunc *f = pool_func;
  __tsan_acquire (data);
  f->func (data, f->user_data);
}

typedef GThreadPool *(*PoolNewFunc) (GFunc func, gpointer user_data,
    gint max_threads, gboolean exclusive, GError ** error);
typedef gboolean (*PoolPushFunc) (GThreadPool * pool, gpointer data,
    GError ** error);

GThreadPool *
g_thread_pool_new (GFunc func, gpointer user_data, gint max_threads,
    gboolean exclusive, GError ** error)
{
  static gpointer new_real;
  PoolNewFunc pool_new = (PoolNewFunc) real (&new_real, "g_thread_pool_new");
  /* lives as long as the program (a pool is made once per task pool) */
  PoolFunc *f = g_new (PoolFunc, 1);
  f->func = func;
  f->user_data = user_data;
  return pool_new (pool_func_acquired, f, max_threads, exclusive, error);
}

gboolean
g_thread_pool_push (GThreadPool * pool, gpointer data, GError ** error)
{
  static gpointer push_real;
  PoolPushFunc push = (PoolPushFunc) real (&push_real, "g_thread_pool_push");
  __tsan_release (data);
  return push (pool, data, error);
}

/* GStreamer's own synchronization that TSan cannot see, as far as the
 * plugin and the tests call it (libgstreamer's calls to itself do not go
 * through the PLT, tests/tsan.supp covers those):
 * - a GstMiniObject's reference count (atomics): each unref publishes the
 *   dropper's accesses and takes those of the unrefs before it, so that
 *   the one that frees comes after every use (reading the count to find
 *   the last unref would itself race with the free);
 * - the bus (a lock-free queue): a message posted is published to the
 *   thread that pops it. */
#include <gst/gst.h>

typedef void (*UnrefFunc) (GstMiniObject * object);
typedef gboolean (*PostFunc) (GstElement * element, GstMessage * message);
typedef GstMessage *(*TimedPopFilteredFunc) (GstBus * bus,
    GstClockTime timeout, GstMessageType types);
typedef GstMessage *(*TimedPopFunc) (GstBus * bus, GstClockTime timeout);

static int bus_handoff;

void
gst_mini_object_unref (GstMiniObject * object)
{
  static gpointer unref_real;
  UnrefFunc unref = (UnrefFunc) real (&unref_real, "gst_mini_object_unref");
  __tsan_release (object);
  __tsan_acquire (object);
  unref (object);
}

/* a GObject's, likewise (gst_object_unref calls it through the PLT) */
typedef void (*ObjectUnrefFunc) (gpointer object);

void
g_object_unref (gpointer object)
{
  static gpointer unref_real;
  ObjectUnrefFunc unref = (ObjectUnrefFunc) real (&unref_real,
      "g_object_unref");
  __tsan_release (object);
  __tsan_acquire (object);
  unref (object);
}

gboolean
gst_element_post_message (GstElement * element, GstMessage * message)
{
  static gpointer post_real;
  PostFunc post = (PostFunc) real (&post_real, "gst_element_post_message");
  gboolean posted;
  /* held over the post, so that a free of the message (the reader done
   * with it before the post returns) comes in the unref above */
  gst_message_ref (message);
  __tsan_release (&bus_handoff);
  posted = post (element, message);
  gst_mini_object_unref (GST_MINI_OBJECT_CAST (message));
  return posted;
}

GstMessage *
gst_bus_timed_pop_filtered (GstBus * bus, GstClockTime timeout,
    GstMessageType types)
{
  static gpointer pop_real;
  TimedPopFilteredFunc pop = (TimedPopFilteredFunc) real (&pop_real,
      "gst_bus_timed_pop_filtered");
  GstMessage *message = pop (bus, timeout, types);
  __tsan_acquire (&bus_handoff);
  return message;
}

GstMessage *
gst_bus_timed_pop (GstBus * bus, GstClockTime timeout)
{
  static gpointer pop_real;
  TimedPopFunc pop = (TimedPopFunc) real (&pop_real, "gst_bus_timed_pop");
  GstMessage *message = pop (bus, timeout);
  __tsan_acquire (&bus_handoff);
  return message;
}

GstMessage *
gst_bus_pop (GstBus * bus)
{
  return gst_bus_timed_pop (bus, 0);
}

GstMessage *
gst_bus_pop_filtered (GstBus * bus, GstMessageType types)
{
  return gst_bus_timed_pop_filtered (bus, 0, types);
}
