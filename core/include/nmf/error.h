/* gst-nmf core library: status codes.
 *
 * Every function of the library that can fail returns an nmf_status: NMF_OK
 * (0) or one of the negative codes below.  Functions that can fail for a
 * reason the caller has to act on (a setting out of range, a malformed
 * file) also take a caller-owned buffer `message` of `message_size` bytes
 * (either may be NULL / 0) that receives one line saying what and why.
 *
 * Every error such a function returns writes that line (a NULL or empty
 * argument too, named), cut to message_size - 1 bytes and always
 * terminated: a size of 1 receives "", a size of 0 nothing.  On success the
 * buffer is left as it was, except where the function's comment says it
 * is emptied (nmf_volmin_solve, nmf_volmin_solve_warm,
 * nmf_separator_check_config, nmf_separator_create,
 * nmf_separator_set_dictionary). */
#ifndef NMF_ERROR_H
#define NMF_ERROR_H

#include <nmf/export.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum
{
  NMF_OK = 0,
  NMF_ERR_INVALID_ARGUMENT = -1,        /* a size, setting or option out of range */
  NMF_ERR_NO_MEMORY = -2,               /* an allocation failed */
  NMF_ERR_FFT_PLAN = -3,                /* FFTW could not make a plan */
  NMF_ERR_NOT_FINITE = -4,              /* input holds NaN or Inf */
  NMF_ERR_RANK = -5,                    /* rank larger than the data allows, or data rank-deficient */
  NMF_ERR_LP = -6,                      /* a linear program failed */
  NMF_ERR_IO = -7,                      /* reading or writing a file failed */
  NMF_ERR_FORMAT = -8,                  /* a file is malformed or of an unsupported format */
  NMF_ERR_NOT_CONVERGED = -9,           /* an iterative solver stopped without converging */
  NMF_ERR_NEGATIVE = -10,               /* input has negative entries where the model needs >= 0 */
  NMF_ERR_CANCELLED = -11               /* stopped by the caller's flag */
} nmf_status;

/* A short English description of a status code ("unknown error" for a
 * value that is not one). */
NMF_API const char *nmf_strerror (int status);

#ifdef __cplusplus
}
#endif
#endif /* NMF_ERROR_H */
