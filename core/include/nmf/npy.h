/* gst-nmf core library: NumPy .npy files of matrices of doubles.
 *
 * Reads format versions 1.0, 2.0 and 3.0 holding a 1-D or 2-D array of
 * little-endian float64 ('<f8') or float32 ('<f4'), in C or Fortran order;
 * a 1-D array of length N is read as an N x 1 matrix.  The result is
 * always a freshly malloc()ed row-major double matrix (free() it).  Writes
 * row-major float64 ('<f8', C order), version 1.0 (2.0 if the header would
 * not fit).
 *
 * Everything else (integers, complex, big-endian, object arrays, 0-D or
 * 3-D and higher, empty arrays, shapes above NMF_NPY_MAX_ELEMENTS) is
 * refused with NMF_ERR_FORMAT, and so is a short file (it is not what its
 * header says); a failing open, read or write with NMF_ERR_IO.  The
 * message says which (e.g. "unsupported dtype '>f8': big-endian data");
 * the reader's messages never name the file, so that the caller names it
 * once, in its own words ("dictionary FILE: ...").
 *
 * The header is parsed by hand (no Python evaluation): keys in any order,
 * single or double quotes, any whitespace, trailing commas; anything that
 * is not a plain dict of 'descr', 'fortran_order' and 'shape' is refused. */
#ifndef NMF_NPY_H
#define NMF_NPY_H

#include <stddef.h>

#include <nmf/error.h>
#include <nmf/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The largest header read; numpy itself writes at most 10000 bytes by
 * default, so this leaves ample room while bounding a hostile file. */
#define NMF_NPY_MAX_HEADER 65536

/* The most elements read (2^28 doubles: 2 GiB in memory). */
#define NMF_NPY_MAX_ELEMENTS ((size_t) 1 << 28)

/* Reads a .npy file: *data (rows * cols doubles, row-major), *rows and
 * *cols; on failure *data is NULL and nothing leaks. */
NMF_API nmf_status nmf_npy_read (const char *path, double **data,
    size_t * rows, size_t * cols, char *message, size_t message_size);

/* The same from a buffer holding a whole .npy file. */
NMF_API nmf_status nmf_npy_read_buffer (const void *buffer, size_t length,
    double **data, size_t * rows, size_t * cols, char *message,
    size_t message_size);

/* Writes a row-major rows x cols matrix of doubles as '<f8', C order.  A
 * regular file (or a new one) is written whole or not at all: to a new
 * file beside it (beside the file a symbolic link names), renamed over it
 * once written, with its mode, owner and group; so a write that fails (a
 * full disk) leaves no half-written array and the file that was there as
 * it was.  Where that rename would change more than the contents (see
 * nmf_npy_write_target), and for anything else (a device, a pipe:
 * /dev/stdout), PATH is written in place: a write that fails there leaves
 * it cut short (which the reader refuses).  A write-protected file is
 * refused, as it would be in place. */
NMF_API nmf_status nmf_npy_write (const char *path, const double *data,
    size_t rows, size_t cols, char *message, size_t message_size);

/* The file writing PATH writes: PATH with the symbolic links of its last
 * component followed (dangling ones too, at most 40 deep), what a rename
 * must replace for a link to stay a link.  Newly allocated (free()); NULL
 * with errno set when out of memory (ENOMEM) or PATH is NULL (EINVAL). */
NMF_API char *nmf_path_final_target (const char *path);

/* How nmf_npy_write writes PATH, for a caller that stages files of its
 * own.  NMF_OK with *target (free()) the file to replace by a rename: PATH
 * with the symbolic links of its last component followed; or with *target
 * NULL when PATH is to be written in place: it exists and is no regular
 * file, or a rename would change more than its contents (it has other
 * names - hard links; it is another user's; it is a mount point; its
 * directory takes no new file while the file itself is writable).
 * NMF_ERR_IO when PATH is a file that cannot be written (write-protected),
 * the message naming it. */
NMF_API nmf_status nmf_npy_write_target (const char *path, char **target,
    char *message, size_t message_size);

#ifdef __cplusplus
}
#endif
#endif /* NMF_NPY_H */
