#include <nmf/error.h>

const char *
nmf_strerror (int status)
{
  switch (status) {
    case NMF_OK:
      return "success";
    case NMF_ERR_INVALID_ARGUMENT:
      return "invalid argument";
    case NMF_ERR_NO_MEMORY:
      return "out of memory";
    case NMF_ERR_FFT_PLAN:
      return "FFTW could not create a plan";
    case NMF_ERR_NOT_FINITE:
      return "input contains NaN or Inf";
    case NMF_ERR_RANK:
      return "rank larger than the data allows or data rank-deficient";
    case NMF_ERR_LP:
      return "linear program failed";
    case NMF_ERR_IO:
      return "input/output error";
    case NMF_ERR_FORMAT:
      return "malformed or unsupported file format";
    case NMF_ERR_NOT_CONVERGED:
      return "solver did not converge";
    case NMF_ERR_NEGATIVE:
      return "input has negative entries";
    case NMF_ERR_CANCELLED:
      return "cancelled";
    default:
      return "unknown error";
  }
}
