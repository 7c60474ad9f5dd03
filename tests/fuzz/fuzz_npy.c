/* libFuzzer target: the .npy reader on arbitrary bytes.  Any input must give
 * NMF_OK with a consistent matrix, or an error with nothing allocated. */
#include <nmf/npy.h>

#include <stdint.h>
#include <stdlib.h>

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  double *m = (double *) 1;
  size_t rows = 0, cols = 0;
  char err[256];
  nmf_status st = nmf_npy_read_buffer (data, size, &m, &rows, &cols, err,
      sizeof err);

  if (st == NMF_OK) {
    if (!m || rows * cols == 0 || rows * cols > NMF_NPY_MAX_ELEMENTS)
      abort ();
    /* touch every element: out-of-bounds reads show up under ASan */
    volatile double sum = 0.0;
    for (size_t i = 0; i < rows * cols; i++)
      sum += m[i];
    (void) sum;
    free (m);
  } else if (m != NULL || err[0] == '\0') {
    abort ();
  }
  return 0;
}
