/* An LD_PRELOAD shim for the cli tests: holds the process inside the
 * open() that creates one file, after the file exists, so that a test can
 * hit the moment between a filesink creating its file and the
 * state-changed message that follows, every time rather than now and then
 * under load.
 *
 *   NMF_OPEN_HOLD=SUFFIX        the first open for writing of a path
 *                               ending in SUFFIX is held
 *   NMF_OPEN_HOLD_MS=MS         for MS milliseconds (default 1000)
 *   NMF_OPEN_HOLD_SIGNAL=N      signal N is sent to the process first
 *                               (the signal arrives while the open is on)
 *
 * Says "open_hold: held PATH" on stderr, so that a test can tell it did
 * (a filesink that opened some other way would make it pass for nothing).
 * open, open64, openat, openat64 and fopen, fopen64: filesink opens with
 * open() then fdopen() (GStreamer 1.22), older ones with fopen(). */
/* the functions are defined here under their own names: not redirected
 * to the 64-bit ones, nor wrapped by fortify */
#undef _FILE_OFFSET_BITS
#undef _FORTIFY_SOURCE
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int fired;

static int
matches (const char *path, int writing)
{
  const char *suffix = getenv ("NMF_OPEN_HOLD");
  size_t n, s;

  if (!writing || path == NULL || suffix == NULL || *suffix == '\0')
    return 0;
  n = strlen (path);
  s = strlen (suffix);
  return n >= s && strcmp (path + n - s, suffix) == 0;
}

static void
hold (const char *path)
{
  const char *ms_s = getenv ("NMF_OPEN_HOLD_MS");
  const char *sig_s = getenv ("NMF_OPEN_HOLD_SIGNAL");
  long ms = ms_s ? atol (ms_s) : 1000;
  struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

  if (__atomic_exchange_n (&fired, 1, __ATOMIC_SEQ_CST))
    return;                     /* once: the test means one moment */
  fprintf (stderr, "open_hold: held %s\n", path);
  if (sig_s)
    kill (getpid (), atoi (sig_s));
  /* the signal's handler may interrupt the sleep: sleep the rest */
  while (nanosleep (&ts, &ts) != 0)
    ;
}

static void *
real (const char *name)
{
  return dlsym (RTLD_NEXT, name);
}

#define WRITING(flags) (((flags) & O_ACCMODE) != O_RDONLY)

#define OPEN_LIKE(name)                                                   \
int                                                                       \
name (const char *path, int flags, ...)                                   \
{                                                                         \
  static int (*fn) (const char *, int, ...);                              \
  mode_t mode = 0;                                                        \
  int fd;                                                                 \
  if (flags & (O_CREAT | O_TMPFILE)) {                                    \
    va_list ap;                                                           \
    va_start (ap, flags);                                                 \
    mode = va_arg (ap, mode_t);                                           \
    va_end (ap);                                                          \
  }                                                                       \
  if (fn == NULL)                                                         \
    fn = real (#name);                                                    \
  fd = fn (path, flags, mode);                                            \
  if (fd >= 0 && matches (path, WRITING (flags)))                         \
    hold (path);                                                          \
  return fd;                                                              \
}

#define OPENAT_LIKE(name)                                                 \
int                                                                       \
name (int dirfd, const char *path, int flags, ...)                        \
{                                                                         \
  static int (*fn) (int, const char *, int, ...);                         \
  mode_t mode = 0;                                                        \
  int fd;                                                                 \
  if (flags & (O_CREAT | O_TMPFILE)) {                                    \
    va_list ap;                                                           \
    va_start (ap, flags);                                                 \
    mode = va_arg (ap, mode_t);                                           \
    va_end (ap);                                                          \
  }                                                                       \
  if (fn == NULL)                                                         \
    fn = real (#name);                                                    \
  fd = fn (dirfd, path, flags, mode);                                     \
  if (fd >= 0 && matches (path, WRITING (flags)))                         \
    hold (path);                                                          \
  return fd;                                                              \
}

#define FOPEN_LIKE(name)                                                  \
FILE *                                                                    \
name (const char *path, const char *mode)                                 \
{                                                                         \
  static FILE *(*fn) (const char *, const char *);                        \
  FILE *f;                                                                \
  if (fn == NULL)                                                         \
    fn = real (#name);                                                    \
  f = fn (path, mode);                                                    \
  if (f != NULL && matches (path, strpbrk (mode, "wa+") != NULL))         \
    hold (path);                                                          \
  return f;                                                               \
}

OPEN_LIKE (open)
OPEN_LIKE (open64)
OPENAT_LIKE (openat)
OPENAT_LIKE (openat64)
FOPEN_LIKE (fopen)
FOPEN_LIKE (fopen64)
