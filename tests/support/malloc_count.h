/* Counts the calls to the C library's allocators, and the bytes asked of
 * them, between malloc_count_start and malloc_count_stop: a test program
 * built with malloc_count.c has them wrapped.  Not under a sanitizer,
 * which owns malloc: the test then skips (malloc_count_require).
 * (Not in the tests' static library: its malloc would be linked into
 * every test.) */
#ifndef NMF_TEST_MALLOC_COUNT_H
#define NMF_TEST_MALLOC_COUNT_H

#include <stddef.h>

/* Ends the test as skipped (exit status 77) where nothing is counted. */
void malloc_count_require (void);
void malloc_count_start (void);
/* what was asked since malloc_count_start (either may be NULL) */
void malloc_count_stop (long *calls, size_t *bytes);

#endif
