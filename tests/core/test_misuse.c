/* The public API misused as an application might: the functions that
 * return an nmf_status and take no message buffer (test_messages.c has
 * the others), given a NULL handle, a value out of range or a call in the
 * wrong state, return the code their header gives - never a crash; the
 * destroy functions take NULL and a pointer to NULL; every status code has
 * a message of its own.
 *
 * Each case runs in a child process of its own, so that a case that
 * crashes is reported as that case's failure and the others still run. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nmf/nmf.h>

#include "check.h"
#include "isolate.h"

/* made in main, inherited by every child */
static nmf_separator *sep;
static nmf_kl_batch *kb;
static nmf_volmin *vm;
static float samples[4096];

typedef nmf_status (*case_func) (void);

#define CASE(fn, call) static nmf_status fn (void) { return call; }

/* separator.h */
CASE (process_null, nmf_separator_process (NULL, samples, 16, NULL, NULL,
        NULL))
CASE (process_in_null, nmf_separator_process (sep, NULL, 16, NULL, NULL,
        NULL))
CASE (process_nothing, nmf_separator_process (sep, NULL, 0, NULL, NULL,
        NULL))
CASE (drain_null, nmf_separator_drain (NULL, NULL, NULL, NULL))
CASE (iterations_null, nmf_separator_set_iterations (NULL, 5))
CASE (iterations_0, nmf_separator_set_iterations (sep, 0))
CASE (iterations_1001, nmf_separator_set_iterations (sep, 1001))
CASE (exponent_null, nmf_separator_set_mask_exponent (NULL, 1))
CASE (exponent_0, nmf_separator_set_mask_exponent (sep, 0))
CASE (exponent_3, nmf_separator_set_mask_exponent (sep, 3))
CASE (enrol_null, nmf_separator_enrol_start (NULL, 10))
CASE (enrol_0, nmf_separator_enrol_start (sep, 0))
CASE (enrol_huge, nmf_separator_enrol_start (sep, SIZE_MAX))
CASE (continue_null, nmf_separator_continue_from (NULL, sep, 1))
CASE (continue_previous_null, nmf_separator_continue_from (sep, NULL, 1))
CASE (continue_itself, nmf_separator_continue_from (sep, sep, 1))

/* factorize.h: a solver made but not initialised */
static double d, w[4 * 2], h[3 * 2];
static nmf_volmin_info info;
CASE (kl_step_null, nmf_kl_batch_step (NULL, &d))
CASE (kl_step_before_init, nmf_kl_batch_step (kb, &d))
CASE (kl_divergence_null, nmf_kl_batch_divergence (NULL, &d))
CASE (kl_divergence_before_init, nmf_kl_batch_divergence (kb, &d))
CASE (kl_get_null, nmf_kl_batch_get (NULL, w, h))
CASE (kl_get_before_init, nmf_kl_batch_get (kb, w, h))
CASE (volmin_info_null, nmf_volmin_get_info (NULL, &info))
CASE (volmin_info_info_null, nmf_volmin_get_info (vm, NULL))

/* the destroy functions (void: NMF_OK when they return) */
static nmf_separator *null_sep;
static nmf_kl_batch *null_kb;
static nmf_volmin *null_vm;
CASE (destroy_null, (nmf_separator_destroy (NULL), nmf_kl_batch_destroy
        (NULL), nmf_volmin_destroy (NULL), NMF_OK))
CASE (destroy_pointer_to_null, (nmf_separator_destroy (&null_sep),
        nmf_kl_batch_destroy (&null_kb), nmf_volmin_destroy (&null_vm),
        NMF_OK))

typedef struct
{
  const char *name;
  case_func func;
  nmf_status want;
} test_case;

#define C(fn, status) { #fn, fn, status }

static const test_case cases[] = {
  C (process_null, NMF_ERR_INVALID_ARGUMENT),
  C (process_in_null, NMF_ERR_INVALID_ARGUMENT),
  C (process_nothing, NMF_OK),
  C (drain_null, NMF_ERR_INVALID_ARGUMENT),
  C (iterations_null, NMF_ERR_INVALID_ARGUMENT),
  C (iterations_0, NMF_ERR_INVALID_ARGUMENT),
  C (iterations_1001, NMF_ERR_INVALID_ARGUMENT),
  C (exponent_null, NMF_ERR_INVALID_ARGUMENT),
  C (exponent_0, NMF_ERR_INVALID_ARGUMENT),
  C (exponent_3, NMF_ERR_INVALID_ARGUMENT),
  C (enrol_null, NMF_ERR_INVALID_ARGUMENT),
  C (enrol_0, NMF_ERR_INVALID_ARGUMENT),
  C (enrol_huge, NMF_ERR_NO_MEMORY),
  C (continue_null, NMF_ERR_INVALID_ARGUMENT),
  C (continue_previous_null, NMF_ERR_INVALID_ARGUMENT),
  C (continue_itself, NMF_ERR_INVALID_ARGUMENT),
  C (kl_step_null, NMF_ERR_INVALID_ARGUMENT),
  C (kl_step_before_init, NMF_ERR_INVALID_ARGUMENT),
  C (kl_divergence_null, NMF_ERR_INVALID_ARGUMENT),
  C (kl_divergence_before_init, NMF_ERR_INVALID_ARGUMENT),
  C (kl_get_null, NMF_ERR_INVALID_ARGUMENT),
  C (kl_get_before_init, NMF_ERR_INVALID_ARGUMENT),
  C (volmin_info_null, NMF_ERR_INVALID_ARGUMENT),
  C (volmin_info_info_null, NMF_ERR_INVALID_ARGUMENT),
  C (destroy_null, NMF_OK),
  C (destroy_pointer_to_null, NMF_OK),
};

/* The case's call in the child: 0 when it gave the code wanted. */
static int
call_case (const void *arg)
{
  const test_case *c = arg;
  nmf_status st = c->func ();

  if (st != c->want) {
    fprintf (stderr, "%s: returned %d (%s), want %d (%s)\n", c->name, st,
        nmf_strerror (st), c->want, nmf_strerror (c->want));
    return 1;
  }
  return 0;
}

/* In a child: a crash is this case's failure only. */
static int
run_case (const test_case * c)
{
  return test_in_child (c->name, call_case, c);
}

/* Every code from NMF_OK to the last has a message, each its own; other
 * values "unknown error". */
static void
check_strerror (void)
{
  const char *unknown = nmf_strerror (1);

  CHECK (unknown && strcmp (unknown, "unknown error") == 0,
      "nmf_strerror (1) is '%s'", unknown ? unknown : "(null)");
  CHECK (strcmp (nmf_strerror (NMF_ERR_CANCELLED - 1), unknown) == 0,
      "nmf_strerror (%d), past the last code, is '%s'",
      NMF_ERR_CANCELLED - 1, nmf_strerror (NMF_ERR_CANCELLED - 1));
  CHECK (strcmp (nmf_strerror (INT32_MIN), unknown) == 0,
      "nmf_strerror (INT32_MIN) is '%s'", nmf_strerror (INT32_MIN));
  for (int a = NMF_OK; a >= NMF_ERR_CANCELLED; a--) {
    const char *m = nmf_strerror (a);
    CHECK (m && m[0] && strcmp (m, unknown) != 0, "code %d has no message",
        a);
    for (int b = a - 1; b >= NMF_ERR_CANCELLED; b--)
      CHECK (strcmp (m, nmf_strerror (b)) != 0, "codes %d and %d share "
          "the message '%s'", a, b, m);
  }
}

int
main (void)
{
  nmf_separator_config cfg;
  char message[256];
  int failed = 0;

  nmf_separator_config_init (&cfg);
  cfg.fft_size = 64;
  if (nmf_separator_create (&sep, &cfg, message, sizeof message) != NMF_OK
      || nmf_kl_batch_create (&kb, 4, 3, 2, NULL, message, sizeof message)
      != NMF_OK
      || nmf_volmin_create (&vm, 4, 3, 2, NULL, message, sizeof message)
      != NMF_OK) {
    fprintf (stderr, "setup: %s\n", message);
    return 1;
  }
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    failed += run_case (&cases[i]);
  CHECK (failed == 0, "%d of %zu cases failed", failed,
      sizeof cases / sizeof cases[0]);
  check_strerror ();

  nmf_separator_destroy (&sep);
  nmf_kl_batch_destroy (&kb);
  nmf_volmin_destroy (&vm);
  CHECK_DONE ();
}
