/* The message buffers of the public API: every function of core/include/nmf/
 * that takes `char *message, size_t message_size` writes the buffer on every
 * error it returns (a stale reason from an earlier call was left there and
 * printed as this call's), never past message_size, and NULL / 0 / 1 are
 * safe; on success it leaves the buffer as its header says (untouched, or
 * emptied where the header says so).
 *
 * Each case runs in a child process of its own, so that a case that crashes
 * (a NULL the function did not check) is reported as that case's failure
 * and the others still run. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nmf/dictionary.h>
#include <nmf/factorize.h>
#include <nmf/npy.h>
#include <nmf/separator.h>

#include "check.h"
#include "isolate.h"

#define STALE "STALE"
#define BUF 512

/* ---- fixtures (made in main, inherited by every child) ------------------ */

#define BINS 5
#define NFRAMES 6
#define COMPS 2

static float frames[NFRAMES * BINS];    /* positive magnitudes */
static float frames_nan[NFRAMES * BINS];
static float frames_neg[NFRAMES * BINS];
static float dict[BINS * COMPS];        /* a valid dictionary */
static float dict_zero[BINS * COMPS];   /* template 1 all zero */
static float dict_neg[BINS * COMPS];
static float dict_nan[BINS * COMPS];
static float wout[BINS * COMPS * 64];
static float samples[4096];
static const volatile int cancelled = 1;

/* KL and volmin: X = W H^T, 4 x 3 at rank 2 (H has the identity in it and
 * columns summing to one: the volmin exact case) */
#define M 4
#define N 3
#define R 2
static double x[M * N], x_nan[M * N], x_neg[M * N], w0_neg[M * R];
static double w[M * R], h[N * R], wprev[M * R];
static nmf_kl_batch *kb;
static nmf_volmin *vm;

static nmf_separator *sep;
static nmf_separator_config cfg, cfg_bad, cfg_zero_template;
static float sep_templates[1025 * 1025];
static float sep_zero_template[1025 * COMPS];   /* template 1 all zero */

static char dir[] = "/tmp/nmf-test-messages-XXXXXX";
static char npy_ok[256], npy_missing[256], npy_out[256], npy_missing_dir[256];
static const char garbage[] = "not a .npy file at all";

/* ---- the cases ---------------------------------------------------------- */

typedef nmf_status (*case_func) (char *message, size_t message_size);

enum
{
  UNTOUCHED,                    /* success: the buffer as it was */
  EMPTIED                       /* success: "" */
};

typedef struct
{
  const char *name;
  case_func func;
  nmf_status want;
  /* an error: a word the message names (the argument), or NULL;
   * a success: UNTOUCHED or EMPTIED */
  const char *names;
  int on_success;
} test_case;

#define CASE(fn, call) \
  static nmf_status fn (char *message, size_t message_size) \
  { return call; }

/* dictionary.h */
CASE (learn_frames_null, nmf_dictionary_learn (NULL, NFRAMES, BINS, COMPS,
        10, 0, wout, message, message_size))
CASE (learn_w_null, nmf_dictionary_learn (frames, NFRAMES, BINS, COMPS, 10,
        0, NULL, message, message_size))
CASE (learn_bins_0, nmf_dictionary_learn (frames, NFRAMES, 0, COMPS, 10, 0,
        wout, message, message_size))
CASE (learn_components_0, nmf_dictionary_learn (frames, NFRAMES, BINS, 0,
        10, 0, wout, message, message_size))
CASE (learn_iterations_0, nmf_dictionary_learn (frames, NFRAMES, BINS,
        COMPS, 0, 0, wout, message, message_size))
CASE (learn_no_frames, nmf_dictionary_learn (frames, 0, BINS, COMPS, 10, 0,
        wout, message, message_size))
/* (more components than bins: refused before W is touched) */
CASE (learn_components_over_bins, nmf_dictionary_learn (frames, NFRAMES,
        BINS, BINS + 1, 10, 0, wout, message, message_size))
CASE (learn_nan, nmf_dictionary_learn (frames_nan, NFRAMES, BINS, COMPS, 10,
        0, wout, message, message_size))
CASE (learn_negative, nmf_dictionary_learn (frames_neg, NFRAMES, BINS, COMPS,
        10, 0, wout, message, message_size))
CASE (learn_ok, nmf_dictionary_learn (frames, NFRAMES, BINS, COMPS, 10, 0,
        wout, message, message_size))
CASE (learnc_frames_null, nmf_dictionary_learn_cancellable (NULL, NFRAMES,
        BINS, COMPS, 10, 0, NULL, wout, message, message_size))
CASE (learnc_w_null, nmf_dictionary_learn_cancellable (frames, NFRAMES,
        BINS, COMPS, 10, 0, NULL, NULL, message, message_size))
CASE (learnc_cancelled, nmf_dictionary_learn_cancellable (frames, NFRAMES,
        BINS, COMPS, 10, 0, &cancelled, wout, message, message_size))
CASE (learna_samples_null, nmf_dictionary_learn_audio (NULL, 4096, 1, 64,
        32, COMPS, 5, 0, wout, message, message_size))
CASE (learna_w_null, nmf_dictionary_learn_audio (samples, 4096, 1, 64, 32,
        COMPS, 5, 0, NULL, message, message_size))
CASE (learna_channels_0, nmf_dictionary_learn_audio (samples, 4096, 0, 64,
        32, COMPS, 5, 0, wout, message, message_size))
CASE (learna_fft_odd, nmf_dictionary_learn_audio (samples, 4096, 1, 63, 16,
        COMPS, 5, 0, wout, message, message_size))
CASE (learna_fft_0, nmf_dictionary_learn_audio (samples, 4096, 1, 0, 16,
        COMPS, 5, 0, wout, message, message_size))
CASE (learna_hop_0, nmf_dictionary_learn_audio (samples, 4096, 1, 64, 0,
        COMPS, 5, 0, wout, message, message_size))
CASE (learna_no_samples, nmf_dictionary_learn_audio (samples, 0, 1, 64, 32,
        COMPS, 5, 0, wout, message, message_size))
CASE (learna_components_0, nmf_dictionary_learn_audio (samples, 4096, 1, 64,
        32, 0, 5, 0, wout, message, message_size))
CASE (learna_ok, nmf_dictionary_learn_audio (samples, 4096, 1, 64, 32,
        COMPS, 5, 0, wout, message, message_size))
CASE (shift_w_null, nmf_dictionary_shift (NULL, BINS, COMPS, 1, wout,
        message, message_size))
CASE (shift_out_null, nmf_dictionary_shift (dict, BINS, COMPS, 1, NULL,
        message, message_size))
CASE (shift_bins_0, nmf_dictionary_shift (dict, 0, COMPS, 1, wout, message,
        message_size))
CASE (shift_components_0, nmf_dictionary_shift (dict, BINS, 0, 1, wout,
        message, message_size))
CASE (shift_negative, nmf_dictionary_shift (dict, BINS, COMPS, -1, wout,
        message, message_size))
CASE (shift_too_many, nmf_dictionary_shift (dict, BINS, COMPS,
        NMF_DICTIONARY_MAX_SHIFTS + 1, wout, message, message_size))
CASE (shift_zero_template, nmf_dictionary_shift (dict_zero, BINS, COMPS, 1,
        wout, message, message_size))
CASE (shift_ok, nmf_dictionary_shift (dict, BINS, COMPS, 1, wout, message,
        message_size))
CASE (shifts_steps_0, nmf_dictionary_shift_steps (dict, BINS, COMPS, 1, 0,
        wout, message, message_size))
CASE (shifts_steps_big, nmf_dictionary_shift_steps (dict, BINS, COMPS, 1,
        NMF_DICTIONARY_MAX_SHIFT_STEPS + 1, wout, message, message_size))
CASE (shifts_w_null, nmf_dictionary_shift_steps (NULL, BINS, COMPS, 1, 2,
        wout, message, message_size))
CASE (shifts_ok, nmf_dictionary_shift_steps (dict, BINS, COMPS, 1, 2, wout,
        message, message_size))

static float *loaded;
static size_t loaded_k;
CASE (load_path_null, nmf_dictionary_load_npy (NULL, BINS, &loaded,
        &loaded_k, message, message_size))
CASE (load_w_null, nmf_dictionary_load_npy (npy_ok, BINS, NULL, &loaded_k,
        message, message_size))
CASE (load_components_null, nmf_dictionary_load_npy (npy_ok, BINS, &loaded,
        NULL, message, message_size))
CASE (load_bins_0, nmf_dictionary_load_npy (npy_ok, 0, &loaded, &loaded_k,
        message, message_size))
CASE (load_missing, nmf_dictionary_load_npy (npy_missing, BINS, &loaded,
        &loaded_k, message, message_size))
CASE (load_wrong_bins, nmf_dictionary_load_npy (npy_ok, BINS + 1, &loaded,
        &loaded_k, message, message_size))
CASE (load_ok, nmf_dictionary_load_npy (npy_ok, BINS, &loaded, &loaded_k,
        message, message_size))
CASE (save_path_null, nmf_dictionary_save_npy (NULL, dict, BINS, COMPS,
        message, message_size))
CASE (save_w_null, nmf_dictionary_save_npy (npy_out, NULL, BINS, COMPS,
        message, message_size))
CASE (save_bins_0, nmf_dictionary_save_npy (npy_out, dict, 0, COMPS,
        message, message_size))
CASE (save_components_0, nmf_dictionary_save_npy (npy_out, dict, BINS, 0,
        message, message_size))
CASE (save_no_dir, nmf_dictionary_save_npy (npy_missing_dir, dict, BINS,
        COMPS, message, message_size))
CASE (save_too_many, nmf_dictionary_save_npy (npy_out, sep_templates, BINS,
        NMF_DICTIONARY_MAX_COMPONENTS + 1, message, message_size))
CASE (save_zero_template, nmf_dictionary_save_npy (npy_out, dict_zero, BINS,
        COMPS, message, message_size))
CASE (save_negative, nmf_dictionary_save_npy (npy_out, dict_neg, BINS,
        COMPS, message, message_size))
CASE (save_nan, nmf_dictionary_save_npy (npy_out, dict_nan, BINS, COMPS,
        message, message_size))
CASE (save_ok, nmf_dictionary_save_npy (npy_out, dict, BINS, COMPS, message,
        message_size))
CASE (normalise_w_null, nmf_dictionary_normalise (NULL, BINS, COMPS, message,
        message_size))
CASE (normalise_zero, nmf_dictionary_normalise (dict_zero, BINS, COMPS,
        message, message_size))
CASE (normalise_negative, nmf_dictionary_normalise (dict_neg, BINS, COMPS,
        message, message_size))
CASE (normalise_nan, nmf_dictionary_normalise (dict_nan, BINS, COMPS,
        message, message_size))
CASE (normalise_ok, nmf_dictionary_normalise (dict, BINS, COMPS, message,
        message_size))

/* factorize.h */
static nmf_kl_batch *kb_new;
static nmf_kl_batch_options kl_bad;
CASE (klc_out_null, nmf_kl_batch_create (NULL, M, N, R, NULL, message,
        message_size))
CASE (klc_m_0, nmf_kl_batch_create (&kb_new, 0, N, R, NULL, message,
        message_size))
CASE (klc_n_0, nmf_kl_batch_create (&kb_new, M, 0, R, NULL, message,
        message_size))
CASE (klc_r_0, nmf_kl_batch_create (&kb_new, M, N, 0, NULL, message,
        message_size))
CASE (klc_rank, nmf_kl_batch_create (&kb_new, M, N, N + 1, NULL, message,
        message_size))
CASE (klc_options, nmf_kl_batch_create (&kb_new, M, N, R, &kl_bad, message,
        message_size))
CASE (klc_ok, nmf_kl_batch_create (&kb_new, M, N, R, NULL, message,
        message_size))
CASE (kli_solver_null, nmf_kl_batch_init (NULL, x, NULL, NULL, message,
        message_size))
CASE (kli_x_null, nmf_kl_batch_init (kb, NULL, NULL, NULL, message,
        message_size))
CASE (kli_nan, nmf_kl_batch_init (kb, x_nan, NULL, NULL, message,
        message_size))
CASE (kli_negative, nmf_kl_batch_init (kb, x_neg, NULL, NULL, message,
        message_size))
CASE (kli_w0_negative, nmf_kl_batch_init (kb, x, w0_neg, NULL, message,
        message_size))
CASE (kli_ok, nmf_kl_batch_init (kb, x, NULL, NULL, message, message_size))
CASE (kls_solver_null, nmf_kl_batch_solve (NULL, x, w, h, NULL, NULL,
        message, message_size))
CASE (kls_x_null, nmf_kl_batch_solve (kb, NULL, w, h, NULL, NULL, message,
        message_size))
CASE (kls_w_null, nmf_kl_batch_solve (kb, x, NULL, h, NULL, NULL, message,
        message_size))
CASE (kls_h_null, nmf_kl_batch_solve (kb, x, w, NULL, NULL, NULL, message,
        message_size))
CASE (kls_nan, nmf_kl_batch_solve (kb, x_nan, w, h, NULL, NULL, message,
        message_size))
CASE (kls_ok, nmf_kl_batch_solve (kb, x, w, h, NULL, NULL, message,
        message_size))

static nmf_volmin *vm_new;
static nmf_volmin_options vm_bad;
CASE (vmc_out_null, nmf_volmin_create (NULL, M, N, R, NULL, message,
        message_size))
CASE (vmc_m_0, nmf_volmin_create (&vm_new, 0, N, R, NULL, message,
        message_size))
CASE (vmc_r_0, nmf_volmin_create (&vm_new, M, N, 0, NULL, message,
        message_size))
CASE (vmc_rank, nmf_volmin_create (&vm_new, M, N, N + 1, NULL, message,
        message_size))
CASE (vmc_options, nmf_volmin_create (&vm_new, M, N, R, &vm_bad, message,
        message_size))
CASE (vmc_ok, nmf_volmin_create (&vm_new, M, N, R, NULL, message,
        message_size))
CASE (vms_solver_null, nmf_volmin_solve (NULL, x, w, h, message,
        message_size))
CASE (vms_x_null, nmf_volmin_solve (vm, NULL, w, h, message, message_size))
CASE (vms_w_null, nmf_volmin_solve (vm, x, NULL, h, message, message_size))
CASE (vms_h_null, nmf_volmin_solve (vm, x, w, NULL, message, message_size))
CASE (vms_nan, nmf_volmin_solve (vm, x_nan, w, h, message, message_size))
CASE (vms_ok, nmf_volmin_solve (vm, x, w, h, message, message_size))
CASE (vmw_solver_null, nmf_volmin_solve_warm (NULL, x, wprev, w, h, message,
        message_size))
CASE (vmw_x_null, nmf_volmin_solve_warm (vm, NULL, wprev, w, h, message,
        message_size))
CASE (vmw_wprev_null, nmf_volmin_solve_warm (vm, x, NULL, w, h, message,
        message_size))
CASE (vmw_w_null, nmf_volmin_solve_warm (vm, x, wprev, NULL, h, message,
        message_size))
CASE (vmw_h_null, nmf_volmin_solve_warm (vm, x, wprev, w, NULL, message,
        message_size))
CASE (vmw_ok, nmf_volmin_solve_warm (vm, x, wprev, w, h, message,
        message_size))

/* npy.h */
static double *data;
static size_t rows, cols;
static char *target;
CASE (read_path_null, nmf_npy_read (NULL, &data, &rows, &cols, message,
        message_size))
CASE (read_data_null, nmf_npy_read (npy_ok, NULL, &rows, &cols, message,
        message_size))
CASE (read_rows_null, nmf_npy_read (npy_ok, &data, NULL, &cols, message,
        message_size))
CASE (read_cols_null, nmf_npy_read (npy_ok, &data, &rows, NULL, message,
        message_size))
CASE (read_missing, nmf_npy_read (npy_missing, &data, &rows, &cols, message,
        message_size))
CASE (read_ok, nmf_npy_read (npy_ok, &data, &rows, &cols, message,
        message_size))
CASE (readb_buffer_null, nmf_npy_read_buffer (NULL, 10, &data, &rows, &cols,
        message, message_size))
CASE (readb_data_null, nmf_npy_read_buffer (garbage, sizeof garbage, NULL,
        &rows, &cols, message, message_size))
CASE (readb_rows_null, nmf_npy_read_buffer (garbage, sizeof garbage, &data,
        NULL, &cols, message, message_size))
CASE (readb_cols_null, nmf_npy_read_buffer (garbage, sizeof garbage, &data,
        &rows, NULL, message, message_size))
CASE (readb_empty, nmf_npy_read_buffer (NULL, 0, &data, &rows, &cols,
        message, message_size))
CASE (readb_garbage, nmf_npy_read_buffer (garbage, sizeof garbage, &data,
        &rows, &cols, message, message_size))
CASE (write_path_null, nmf_npy_write (NULL, x, M, N, message, message_size))
CASE (write_data_null, nmf_npy_write (npy_out, NULL, M, N, message,
        message_size))
CASE (write_rows_0, nmf_npy_write (npy_out, x, 0, N, message, message_size))
CASE (write_cols_0, nmf_npy_write (npy_out, x, M, 0, message, message_size))
CASE (write_no_dir, nmf_npy_write (npy_missing_dir, x, M, N, message,
        message_size))
CASE (write_ok, nmf_npy_write (npy_out, x, M, N, message, message_size))
CASE (target_path_null, nmf_npy_write_target (NULL, &target, message,
        message_size))
CASE (target_target_null, nmf_npy_write_target (npy_out, NULL, message,
        message_size))
CASE (target_ok, nmf_npy_write_target (npy_out, &target, message,
        message_size))

/* separator.h */
static nmf_separator *sep_new;
static nmf_config_field field;
CASE (check_config_null, nmf_separator_check_config (NULL, &field, message,
        message_size))
CASE (check_channels_0, nmf_separator_check_config (&cfg_bad, &field,
        message, message_size))
CASE (check_ok, nmf_separator_check_config (&cfg, &field, message,
        message_size))
CASE (create_out_null, nmf_separator_create (NULL, &cfg, message,
        message_size))
CASE (create_config_null, nmf_separator_create (&sep_new, NULL, message,
        message_size))
CASE (create_channels_0, nmf_separator_create (&sep_new, &cfg_bad, message,
        message_size))
CASE (create_ok, nmf_separator_create (&sep_new, &cfg, message,
        message_size))
CASE (setd_separator_null, nmf_separator_set_dictionary (NULL, 0, dict,
        COMPS, message, message_size))
CASE (setd_source_negative, nmf_separator_set_dictionary (sep, -1, dict,
        COMPS, message, message_size))
CASE (setd_source_big, nmf_separator_set_dictionary (sep, 2, dict, COMPS,
        message, message_size))
CASE (setd_count_big, nmf_separator_set_dictionary (sep, 0, sep_templates,
        1025, message, message_size))
CASE (setd_templates_null, nmf_separator_set_dictionary (sep, 0, NULL,
        COMPS, message, message_size))
CASE (setd_zero_template, nmf_separator_set_dictionary (sep, 0,
        sep_zero_template, COMPS, message, message_size))
CASE (check_zero_template, nmf_separator_check_config (&cfg_zero_template,
        &field, message, message_size))
CASE (setd_ok, nmf_separator_set_dictionary (sep, 0, sep_templates, COMPS,
        message, message_size))
CASE (setd_remove_ok, nmf_separator_set_dictionary (sep, 0, NULL, 0,
        message, message_size))

#define E(fn, status, names) { #fn, fn, status, names, 0 }
#define OK(fn, how) { #fn, fn, NMF_OK, NULL, how }

static const test_case cases[] = {
  E (learn_frames_null, NMF_ERR_INVALID_ARGUMENT, "frames"),
  E (learn_w_null, NMF_ERR_INVALID_ARGUMENT, "W"),
  E (learn_bins_0, NMF_ERR_INVALID_ARGUMENT, "bins"),
  E (learn_components_0, NMF_ERR_INVALID_ARGUMENT, "components"),
  E (learn_iterations_0, NMF_ERR_INVALID_ARGUMENT, "iterations"),
  E (learn_no_frames, NMF_ERR_RANK, "frames"),
  E (learn_components_over_bins, NMF_ERR_RANK, "bins"),
  E (learn_nan, NMF_ERR_NOT_FINITE, NULL),
  E (learn_negative, NMF_ERR_NEGATIVE, NULL),
  OK (learn_ok, UNTOUCHED),
  E (learnc_frames_null, NMF_ERR_INVALID_ARGUMENT, "frames"),
  E (learnc_w_null, NMF_ERR_INVALID_ARGUMENT, "W"),
  E (learnc_cancelled, NMF_ERR_CANCELLED, "cancelled"),
  E (learna_samples_null, NMF_ERR_INVALID_ARGUMENT, "samples"),
  E (learna_w_null, NMF_ERR_INVALID_ARGUMENT, "W"),
  E (learna_channels_0, NMF_ERR_INVALID_ARGUMENT, "channels"),
  E (learna_fft_odd, NMF_ERR_INVALID_ARGUMENT, "FFT size"),
  E (learna_fft_0, NMF_ERR_INVALID_ARGUMENT, "FFT size"),
  E (learna_hop_0, NMF_ERR_INVALID_ARGUMENT, "hop size"),
  E (learna_no_samples, NMF_ERR_RANK, "audio"),
  E (learna_components_0, NMF_ERR_INVALID_ARGUMENT, "components"),
  OK (learna_ok, UNTOUCHED),
  E (shift_w_null, NMF_ERR_INVALID_ARGUMENT, "W"),
  E (shift_out_null, NMF_ERR_INVALID_ARGUMENT, "out"),
  E (shift_bins_0, NMF_ERR_INVALID_ARGUMENT, "bins"),
  E (shift_components_0, NMF_ERR_INVALID_ARGUMENT, "components"),
  E (shift_negative, NMF_ERR_INVALID_ARGUMENT, "shifts"),
  E (shift_too_many, NMF_ERR_INVALID_ARGUMENT, "shifts"),
  E (shift_zero_template, NMF_ERR_INVALID_ARGUMENT, "template"),
  OK (shift_ok, UNTOUCHED),
  E (shifts_steps_0, NMF_ERR_INVALID_ARGUMENT, "steps"),
  E (shifts_steps_big, NMF_ERR_INVALID_ARGUMENT, "steps"),
  E (shifts_w_null, NMF_ERR_INVALID_ARGUMENT, "W"),
  OK (shifts_ok, UNTOUCHED),
  E (load_path_null, NMF_ERR_INVALID_ARGUMENT, "path"),
  E (load_w_null, NMF_ERR_INVALID_ARGUMENT, "W"),
  E (load_components_null, NMF_ERR_INVALID_ARGUMENT, "components"),
  E (load_bins_0, NMF_ERR_INVALID_ARGUMENT, "bins"),
  E (load_missing, NMF_ERR_IO, "missing.npy"),
  E (load_wrong_bins, NMF_ERR_FORMAT, "bins"),
  OK (load_ok, UNTOUCHED),
  E (save_path_null, NMF_ERR_INVALID_ARGUMENT, "path"),
  E (save_w_null, NMF_ERR_INVALID_ARGUMENT, "W"),
  E (save_bins_0, NMF_ERR_INVALID_ARGUMENT, "bins"),
  E (save_components_0, NMF_ERR_INVALID_ARGUMENT, "components"),
  E (save_no_dir, NMF_ERR_IO, "no-such-dir"),
  E (save_too_many, NMF_ERR_INVALID_ARGUMENT, "1025 templates"),
  E (save_zero_template, NMF_ERR_INVALID_ARGUMENT, "template 1"),
  E (save_negative, NMF_ERR_NEGATIVE, "template 0"),
  E (save_nan, NMF_ERR_NOT_FINITE, "template 1"),
  OK (save_ok, UNTOUCHED),
  E (normalise_w_null, NMF_ERR_INVALID_ARGUMENT, "W"),
  E (normalise_zero, NMF_ERR_INVALID_ARGUMENT, "template 1"),
  E (normalise_negative, NMF_ERR_NEGATIVE, "template 0"),
  E (normalise_nan, NMF_ERR_NOT_FINITE, "template 1"),
  OK (normalise_ok, UNTOUCHED),
  E (klc_out_null, NMF_ERR_INVALID_ARGUMENT, "out"),
  E (klc_m_0, NMF_ERR_INVALID_ARGUMENT, "0 x 3"),
  E (klc_n_0, NMF_ERR_INVALID_ARGUMENT, "4 x 0"),
  E (klc_r_0, NMF_ERR_INVALID_ARGUMENT, "rank 0"),
  E (klc_rank, NMF_ERR_RANK, "rank 4"),
  E (klc_options, NMF_ERR_INVALID_ARGUMENT, "option"),
  OK (klc_ok, UNTOUCHED),
  E (kli_solver_null, NMF_ERR_INVALID_ARGUMENT, "solver"),
  E (kli_x_null, NMF_ERR_INVALID_ARGUMENT, "x"),
  E (kli_nan, NMF_ERR_NOT_FINITE, "NaN"),
  E (kli_negative, NMF_ERR_NEGATIVE, "negative"),
  E (kli_w0_negative, NMF_ERR_INVALID_ARGUMENT, "W"),
  OK (kli_ok, UNTOUCHED),
  E (kls_solver_null, NMF_ERR_INVALID_ARGUMENT, "solver"),
  E (kls_x_null, NMF_ERR_INVALID_ARGUMENT, "x"),
  E (kls_w_null, NMF_ERR_INVALID_ARGUMENT, "w"),
  E (kls_h_null, NMF_ERR_INVALID_ARGUMENT, "h"),
  E (kls_nan, NMF_ERR_NOT_FINITE, "NaN"),
  OK (kls_ok, UNTOUCHED),
  E (vmc_out_null, NMF_ERR_INVALID_ARGUMENT, "out"),
  E (vmc_m_0, NMF_ERR_INVALID_ARGUMENT, "0 x 3"),
  E (vmc_r_0, NMF_ERR_INVALID_ARGUMENT, "rank 0"),
  E (vmc_rank, NMF_ERR_RANK, "rank 4"),
  E (vmc_options, NMF_ERR_INVALID_ARGUMENT, "option"),
  OK (vmc_ok, UNTOUCHED),
  E (vms_solver_null, NMF_ERR_INVALID_ARGUMENT, "solver"),
  E (vms_x_null, NMF_ERR_INVALID_ARGUMENT, "x"),
  E (vms_w_null, NMF_ERR_INVALID_ARGUMENT, "w"),
  E (vms_h_null, NMF_ERR_INVALID_ARGUMENT, "h"),
  E (vms_nan, NMF_ERR_NOT_FINITE, "NaN"),
  OK (vms_ok, EMPTIED),
  E (vmw_solver_null, NMF_ERR_INVALID_ARGUMENT, "solver"),
  E (vmw_x_null, NMF_ERR_INVALID_ARGUMENT, "x"),
  E (vmw_wprev_null, NMF_ERR_INVALID_ARGUMENT, "w_prev"),
  E (vmw_w_null, NMF_ERR_INVALID_ARGUMENT, "w"),
  E (vmw_h_null, NMF_ERR_INVALID_ARGUMENT, "h"),
  OK (vmw_ok, EMPTIED),
  E (read_path_null, NMF_ERR_INVALID_ARGUMENT, "path"),
  E (read_data_null, NMF_ERR_INVALID_ARGUMENT, "data"),
  E (read_rows_null, NMF_ERR_INVALID_ARGUMENT, "rows"),
  E (read_cols_null, NMF_ERR_INVALID_ARGUMENT, "cols"),
  E (read_missing, NMF_ERR_IO, "open"),
  OK (read_ok, UNTOUCHED),
  E (readb_buffer_null, NMF_ERR_INVALID_ARGUMENT, "buffer"),
  E (readb_data_null, NMF_ERR_INVALID_ARGUMENT, "data"),
  E (readb_rows_null, NMF_ERR_INVALID_ARGUMENT, "rows"),
  E (readb_cols_null, NMF_ERR_INVALID_ARGUMENT, "cols"),
  E (readb_empty, NMF_ERR_FORMAT, NULL),
  E (readb_garbage, NMF_ERR_FORMAT, "magic"),
  E (write_path_null, NMF_ERR_INVALID_ARGUMENT, "path"),
  E (write_data_null, NMF_ERR_INVALID_ARGUMENT, "data"),
  E (write_rows_0, NMF_ERR_INVALID_ARGUMENT, "empty"),
  E (write_cols_0, NMF_ERR_INVALID_ARGUMENT, "empty"),
  E (write_no_dir, NMF_ERR_IO, "no-such-dir"),
  OK (write_ok, UNTOUCHED),
  E (target_path_null, NMF_ERR_INVALID_ARGUMENT, "path"),
  E (target_target_null, NMF_ERR_INVALID_ARGUMENT, "target"),
  OK (target_ok, UNTOUCHED),
  E (check_config_null, NMF_ERR_INVALID_ARGUMENT, "configuration"),
  E (check_channels_0, NMF_ERR_INVALID_ARGUMENT, "channels"),
  OK (check_ok, EMPTIED),
  E (create_out_null, NMF_ERR_INVALID_ARGUMENT, "out"),
  E (create_config_null, NMF_ERR_INVALID_ARGUMENT, "configuration"),
  E (create_channels_0, NMF_ERR_INVALID_ARGUMENT, "channels"),
  OK (create_ok, EMPTIED),
  E (setd_separator_null, NMF_ERR_INVALID_ARGUMENT, "separator"),
  E (setd_source_negative, NMF_ERR_INVALID_ARGUMENT, "source -1"),
  E (setd_source_big, NMF_ERR_INVALID_ARGUMENT, "source 2"),
  E (setd_count_big, NMF_ERR_INVALID_ARGUMENT, "1025"),
  E (setd_templates_null, NMF_ERR_INVALID_ARGUMENT, "NULL"),
  E (setd_zero_template, NMF_ERR_INVALID_ARGUMENT, "template 1"),
  E (check_zero_template, NMF_ERR_INVALID_ARGUMENT, "template 1"),
  OK (setd_ok, EMPTIED),
  OK (setd_remove_ok, EMPTIED),
};

/* ---- the checks --------------------------------------------------------- */

/* One case, every way of passing the buffer; the failures counted. */
static void
run_modes (const test_case * c)
{
  char buf[BUF];
  nmf_status st;

  /* a whole buffer, holding an earlier call's reason */
  memset (buf, 'x', sizeof buf);
  strcpy (buf, STALE);
  st = c->func (buf, sizeof buf);
  CHECK (st == c->want, "%s: returned %d (%s), want %d (%s); message '%s'",
      c->name, st, nmf_strerror (st), c->want, nmf_strerror (c->want), buf);
  CHECK (memchr (buf, '\0', sizeof buf) != NULL, "%s: message not "
      "terminated", c->name);
  buf[sizeof buf - 1] = '\0';
  if (c->want != NMF_OK) {
    CHECK (strcmp (buf, STALE) != 0, "%s: %s with the stale message left",
        c->name, nmf_strerror (st));
    CHECK (buf[0] != '\0', "%s: %s with an empty message", c->name,
        nmf_strerror (st));
    if (c->names)
      CHECK (strstr (buf, c->names) != NULL, "%s: message '%s' does not "
          "name '%s'", c->name, buf, c->names);
  } else if (c->on_success == UNTOUCHED)
    CHECK (strcmp (buf, STALE) == 0, "%s: success changed the message to "
        "'%s' (its header says it is left as it was)", c->name, buf);
  else
    CHECK (buf[0] == '\0', "%s: success left the message '%s' (its header "
        "says it is emptied)", c->name, buf);

  /* no buffer */
  st = c->func (NULL, 0);
  CHECK (st == c->want, "%s (NULL, 0): returned %d", c->name, st);
  st = c->func (NULL, 64);
  CHECK (st == c->want, "%s (NULL, 64): returned %d", c->name, st);

  /* size 0: nothing written */
  memset (buf, 'x', sizeof buf);
  strcpy (buf, STALE);
  st = c->func (buf, 0);
  CHECK (st == c->want, "%s (buf, 0): returned %d", c->name, st);
  CHECK (strcmp (buf, STALE) == 0 && buf[sizeof STALE] == 'x',
      "%s: size 0 wrote into the buffer", c->name);

  /* size 1: room for the terminator only, which an error writes */
  memset (buf, 'x', sizeof buf);
  strcpy (buf, STALE);
  st = c->func (buf, 1);
  CHECK (st == c->want, "%s (buf, 1): returned %d", c->name, st);
  CHECK (memcmp (buf + 1, &STALE[1], sizeof STALE - 1) == 0
      && buf[sizeof STALE] == 'x', "%s: size 1 wrote past the first byte",
      c->name);
  if (c->want != NMF_OK)
    CHECK (buf[0] == '\0', "%s: size 1: the error left the stale byte",
        c->name);
}

/* The case's checks in the child: 0 when they all held. */
static int
check_case (const void *arg)
{
  check_failures = 0;           /* the parent's count is not this case's */
  run_modes (arg);
  return check_failures;
}

/* In a child: a crash is this case's failure only. */
static int
run_case (const test_case * c)
{
  return test_in_child (c->name, check_case, c);
}

static void
setup (void)
{
  unsigned long long s = 7;
  double wt[M * R] = { 0.9, 0.1, 0.2, 0.7, 0.5, 0.5, 0.3, 0.8 };
  double ht[N * R] = { 1.0, 0.0, 0.0, 1.0, 0.4, 0.6 };

  for (size_t i = 0; i < NFRAMES * BINS; i++)
    frames[i] = frames_nan[i] = frames_neg[i] =
        (float) (0.1 + test_uniform (&s));
  frames_nan[7] = NAN;
  frames_neg[7] = -1.0f;
  for (size_t i = 0; i < BINS * COMPS; i++)
    dict[i] = dict_zero[i] = dict_neg[i] = dict_nan[i] =
        (float) (0.1 + test_uniform (&s));
  for (size_t f = 0; f < BINS; f++)
    dict_zero[BINS + f] = 0.0f;
  dict_neg[2] = -0.5f;
  dict_nan[BINS + 3] = NAN;
  for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++)
    samples[i] = (float) (sin (0.05 * (double) i) + 0.3 * sin (0.31
            * (double) i) + 0.1 * (test_uniform (&s) - 0.5));
  for (size_t i = 0; i < sizeof sep_templates / sizeof sep_templates[0];
      i++)
    sep_templates[i] = (float) (0.1 + test_uniform (&s));

  /* X = W H^T */
  for (size_t i = 0; i < M; i++)
    for (size_t j = 0; j < N; j++) {
      double v = 0.0;
      for (size_t k = 0; k < R; k++)
        v += wt[i * R + k] * ht[j * R + k];
      x[i * N + j] = x_nan[i * N + j] = x_neg[i * N + j] = v;
    }
  x_nan[5] = NAN;
  x_neg[5] = -1.0;
  for (size_t i = 0; i < M * R; i++) {
    wprev[i] = wt[i];
    w0_neg[i] = wt[i];
  }
  w0_neg[3] = -1.0;
  nmf_kl_batch_options_init (&kl_bad);
  kl_bad.max_iterations = -1;
  nmf_volmin_options_init (&vm_bad);
  vm_bad.max_sweeps = 0;
  CHECK_OK (nmf_kl_batch_create (&kb, M, N, R, NULL, NULL, 0));
  CHECK_OK (nmf_volmin_create (&vm, M, N, R, NULL, NULL, 0));

  nmf_separator_config_init (&cfg);
  cfg_bad = cfg;
  cfg_bad.channels = 0;
  CHECK_OK (nmf_separator_create (&sep, &cfg, NULL, 0));
  memcpy (sep_zero_template, sep_templates, sizeof sep_zero_template);
  memset (sep_zero_template + 1025, 0, sizeof (float) * 1025);
  cfg_zero_template = cfg;
  cfg_zero_template.dictionaries[0] = sep_zero_template;
  cfg_zero_template.dictionary_components[0] = COMPS;

  if (mkdtemp (dir) == NULL) {
    perror ("mkdtemp");
    exit (1);
  }
  snprintf (npy_ok, sizeof npy_ok, "%s/dict.npy", dir);
  snprintf (npy_missing, sizeof npy_missing, "%s/missing.npy", dir);
  snprintf (npy_out, sizeof npy_out, "%s/out.npy", dir);
  snprintf (npy_missing_dir, sizeof npy_missing_dir,
      "%s/no-such-dir/out.npy", dir);
  CHECK_OK (nmf_dictionary_save_npy (npy_ok, dict, BINS, COMPS, NULL, 0));
}

static void
cleanup (void)
{
  nmf_kl_batch_destroy (&kb);
  nmf_volmin_destroy (&vm);
  nmf_separator_destroy (&sep);
  unlink (npy_ok);
  unlink (npy_out);
  rmdir (dir);
}

int
main (void)
{
  size_t n = sizeof cases / sizeof cases[0], failed = 0;

  setup ();
  for (size_t i = 0; i < n; i++)
    if (run_case (&cases[i])) {
      failed++;
      check_failures++;
    }
  cleanup ();
  printf ("%zu cases, %zu failed\n", n, failed);
  CHECK_DONE ();
}
