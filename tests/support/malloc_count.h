/* Counts the calls to the C library's allocators, and the bytes asked of
 * them, between malloc_count_start and malloc_count_stop: a test program
 * built with malloc_count.c has them wrapped.  Not under a sanitizer,
 * which owns malloc: MALLOC_COUNT_AVAILABLE is then 0 and the test skips.
 * (Not in the tests' static library: its malloc would be linked into
 * every test.) */
#ifndef NMF_TEST_MALLOC_COUNT_H
#define NMF_TEST_MALLOC_COUNT_H

#include <stddef.h>

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

void malloc_count_start (void);
/* what was asked since malloc_count_start (either may be NULL) */
void malloc_count_stop (long *calls, size_t *bytes);

#endif
