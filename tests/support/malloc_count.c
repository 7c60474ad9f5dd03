/* The C library's allocators wrapped, counting (malloc_count.h). */
#include "malloc_count.h"

#include <stdio.h>
#include <stdlib.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define MALLOC_COUNT_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__) \
    || defined(MALLOC_COUNT_SANITIZED)
#define MALLOC_COUNT_AVAILABLE 0
#else
#define MALLOC_COUNT_AVAILABLE 1
#endif

#if MALLOC_COUNT_AVAILABLE

extern void *__libc_malloc (size_t n);
extern void *__libc_calloc (size_t n, size_t size);
extern void *__libc_realloc (void *p, size_t n);
extern void *__libc_memalign (size_t align, size_t n);

static volatile int counting;
static volatile long calls_seen;
static volatile size_t bytes_seen;

void
malloc_count_require (void)
{
}

static void
count (size_t n)
{
  if (counting) {
    calls_seen++;
    bytes_seen += n;
  }
}

void
malloc_count_start (void)
{
  calls_seen = 0;
  bytes_seen = 0;
  counting = 1;
}

void
malloc_count_stop (long *calls, size_t *bytes)
{
  counting = 0;
  if (calls)
    *calls = calls_seen;
  if (bytes)
    *bytes = bytes_seen;
}

void *
malloc (size_t n)
{
  count (n);
  return __libc_malloc (n);
}

void *
calloc (size_t n, size_t size)
{
  count (n * size);
  return __libc_calloc (n, size);
}

void *
realloc (void *p, size_t n)
{
  count (n);
  return __libc_realloc (p, n);
}

void *
memalign (size_t align, size_t n)
{
  count (n);
  return __libc_memalign (align, n);
}

void *
aligned_alloc (size_t align, size_t n)
{
  count (n);
  return __libc_memalign (align, n);
}

int
posix_memalign (void **p, size_t align, size_t n)
{
  count (n);
  *p = __libc_memalign (align, n);
  return *p ? 0 : 12;
}

#else

void
malloc_count_require (void)
{
  printf ("a sanitizer owns malloc: skipped\n");
  exit (77);
}

void
malloc_count_start (void)
{
}

void
malloc_count_stop (long *calls, size_t *bytes)
{
  if (calls)
    *calls = 0;
  if (bytes)
    *bytes = 0;
}

#endif
