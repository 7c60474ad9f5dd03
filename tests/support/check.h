/* Minimal assertions for the tests of core/ and nmftool (no GLib). */
#ifndef NMF_TEST_CHECK_H
#define NMF_TEST_CHECK_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static int check_failures;

#define CHECK(cond, ...) do { \
    if (!(cond)) { \
      check_failures++; \
      fprintf (stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
      fprintf (stderr, __VA_ARGS__); \
      fputc ('\n', stderr); \
    } \
  } while (0)

#define CHECK_OK(expr) do { \
    int check_ret_ = (expr); \
    CHECK (check_ret_ == 0, "%s returned %d", #expr, check_ret_); \
    if (check_ret_ != 0) exit (1); \
  } while (0)

#define CHECK_DONE() do { \
    if (check_failures) { \
      fprintf (stderr, "%d check(s) failed\n", check_failures); \
      return 1; \
    } \
    printf ("all checks passed\n"); \
    return 0; \
  } while (0)

/* deterministic test signals (test_uniform) */
#include "signals.h"

#endif
