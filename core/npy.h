/* gst-nmf core: NumPy .npy file I/O for matrices of doubles.
 *
 * Reads format versions 1.0, 2.0 and 3.0 holding a 1-D or 2-D array of
 * little-endian float64 ('<f8') or float32 ('<f4'), in C or Fortran order.
 * A 1-D array of length N is returned as an N x 1 matrix. The result is
 * always a freshly malloc()ed row-major double matrix (free() it).
 * Writes row-major float64 ('<f8', C order), version 1.0 (2.0 if the header
 * would not fit).
 *
 * Everything else (integers, complex, big-endian, object arrays, 0-D or 3-D
 * and higher, empty arrays, shapes above NMF_NPY_MAX_ELEMENTS) is refused
 * with NMF_ERR_FORMAT; a short file with NMF_ERR_FORMAT too (the file is
 * not what its header says); a failing open/read/write with NMF_ERR_IO.
 *
 * Every call takes an optional caller-owned buffer `err` of `errlen` bytes
 * (either may be NULL/0) that receives a one-line, human-readable reason on
 * failure (e.g. "unsupported dtype '>f8': big-endian data").
 *
 * The header is parsed by hand (no Python evaluation): keys in any order,
 * single or double quotes, arbitrary whitespace, trailing commas; anything
 * not a plain dict of 'descr', 'fortran_order', 'shape' is refused. The
 * header length is capped at NMF_NPY_MAX_HEADER bytes. */
#ifndef NMF_NPY_H
#define NMF_NPY_H

#include <stddef.h>

#include <nmf/error.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Largest header accepted on read; numpy itself refuses more than 10000
 * bytes by default, so this leaves ample room while bounding a hostile file. */
#define NMF_NPY_MAX_HEADER 65536

/* Largest number of elements accepted (2^28 doubles = 2 GiB in memory). */
#define NMF_NPY_MAX_ELEMENTS ((size_t) 1 << 28)

/* Read a .npy file. On success *data (rows * cols doubles, row-major),
 * *rows and *cols are set; on failure *data is NULL and nothing leaks. */
nmf_status nmf_npy_read (const char *path, double **data, size_t *rows,
    size_t *cols, char *err, size_t errlen);

/* The same from a buffer holding a whole .npy file. */
nmf_status nmf_npy_read_buffer (const void *buf, size_t len, double **data,
    size_t *rows, size_t *cols, char *err, size_t errlen);

/* Write a row-major rows x cols matrix of doubles as '<f8', C order.
 * If writing fails part-way and `path` is a regular file, it is removed so
 * no half-written array is left behind (no rename trick: `path` may be a
 * device such as /dev/stdout). */
nmf_status nmf_npy_write (const char *path, const double *data, size_t rows,
    size_t cols, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif /* NMF_NPY_H */
