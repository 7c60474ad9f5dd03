/* gst-nmf core: NumPy .npy reader and writer (see <nmf/npy.h>). */
#include <nmf/npy.h>

#include "message.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAGIC_LEN 6
#define NPY_MAX_DIMS 32
/* Elements converted per chunk: bounded stack use, few read calls. */
#define NPY_CHUNK 4096

typedef struct
{
  int itemsize;                 /* 4 or 8 */
  int fortran;
  int have_descr, have_fortran, have_shape;
  size_t ndim;
  size_t shape[NPY_MAX_DIMS];
} npy_info;

/* A byte source: either a FILE or a memory buffer, so that files and
 * buffers go through one parser and one converter. */
typedef struct
{
  FILE *fp;
  const unsigned char *buf;
  size_t len, pos;
  int io_error;
} npy_src;

static void
set_err (char *err, size_t errlen, const char *fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  nmf_message_vset (err, errlen, fmt, ap);
  va_end (ap);
}

static size_t
src_read (npy_src * s, void *dst, size_t n)
{
  if (s->fp != NULL) {
    size_t got = fread (dst, 1, n, s->fp);
    if (got < n && ferror (s->fp))
      s->io_error = 1;
    return got;
  } else {
    size_t avail = s->len - s->pos;
    if (n > avail)
      n = avail;
    if (n == 0)
      return 0;
    memcpy (dst, s->buf + s->pos, n);
    s->pos += n;
    return n;
  }
}

/* ---- header dict parser ------------------------------------------------ */

typedef struct
{
  const char *p, *end;
} cursor;

static void
skip_ws (cursor * c)
{
  while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n'
          || *c->p == '\r'))
    c->p++;
}

/* A Python string literal without escapes (none are valid in a descr or
 * key we accept); copied into out (NUL-terminated, truncated to outlen). */
static int
parse_string (cursor * c, char *out, size_t outlen, char *err, size_t errlen)
{
  char q;
  size_t n = 0;

  if (c->p >= c->end || (*c->p != '\'' && *c->p != '"')) {
    set_err (err, errlen, "malformed header: expected a quoted string");
    return -1;
  }
  q = *c->p++;
  while (c->p < c->end && *c->p != q) {
    if (*c->p == '\\') {
      set_err (err, errlen, "malformed header: escapes in strings not supported");
      return -1;
    }
    if (n + 1 < outlen)
      out[n++] = *c->p;
    else {
      set_err (err, errlen, "malformed header: string too long");
      return -1;
    }
    c->p++;
  }
  if (c->p >= c->end) {
    set_err (err, errlen, "malformed header: unterminated string");
    return -1;
  }
  c->p++;
  out[n] = '\0';
  return 0;
}

static int
match_word (cursor * c, const char *w)
{
  size_t n = strlen (w);

  if ((size_t) (c->end - c->p) < n || memcmp (c->p, w, n) != 0)
    return 0;
  /* Must not be the prefix of a longer identifier ("Trueish"). */
  if (c->p + n < c->end) {
    char nx = c->p[n];
    if ((nx >= 'a' && nx <= 'z') || (nx >= 'A' && nx <= 'Z')
        || (nx >= '0' && nx <= '9') || nx == '_')
      return 0;
  }
  c->p += n;
  return 1;
}

static int
parse_descr (const char *d, npy_info * info, char *err, size_t errlen)
{
  char order = d[0];
  const char *t = d + 1;

  if (strcmp (d, "<f8") == 0) {
    info->itemsize = 8;
    return 0;
  }
  if (strcmp (d, "<f4") == 0) {
    info->itemsize = 4;
    return 0;
  }
  if (order != '<' && order != '>' && order != '|' && order != '=')
    t = d;
  if (order == '>' && t[0] == 'f')
    set_err (err, errlen, "unsupported dtype '%s': big-endian data "
        "(convert with arr.astype('<f8'))", d);
  else if (t[0] == 'i' || t[0] == 'u' || t[0] == 'b')
    set_err (err, errlen, "unsupported dtype '%s': integer or boolean "
        "data (only '<f8' and '<f4')", d);
  else if (t[0] == 'c')
    set_err (err, errlen, "unsupported dtype '%s': complex data "
        "(only '<f8' and '<f4')", d);
  else if (t[0] == 'f')
    set_err (err, errlen, "unsupported dtype '%s': only '<f8' and '<f4' "
        "floats", d);
  else
    set_err (err, errlen, "unsupported dtype '%s' (only '<f8' and '<f4')", d);
  return -1;
}

static int
parse_shape (cursor * c, npy_info * info, char *err, size_t errlen)
{
  info->ndim = 0;
  if (c->p >= c->end || *c->p != '(') {
    set_err (err, errlen, "malformed header: 'shape' is not a tuple");
    return -1;
  }
  c->p++;
  for (;;) {
    size_t v = 0;
    int digits = 0;

    skip_ws (c);
    if (c->p < c->end && *c->p == ')') {
      c->p++;
      break;
    }
    if (c->p < c->end && *c->p == '-') {
      set_err (err, errlen, "malformed header: negative dimension in 'shape'");
      return -1;
    }
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
      unsigned d = (unsigned) (*c->p - '0');
      if (v > (SIZE_MAX - d) / 10) {
        set_err (err, errlen, "absurd shape: dimension overflows");
        return -1;
      }
      v = v * 10 + d;
      digits++;
      c->p++;
    }
    if (digits == 0) {
      set_err (err, errlen, "malformed header: bad integer in 'shape'");
      return -1;
    }
    /* Python 2 era files write longs as 3L. */
    if (c->p < c->end && *c->p == 'L')
      c->p++;
    if (info->ndim == NPY_MAX_DIMS) {
      set_err (err, errlen, "unsupported shape: more than %d dimensions",
          NPY_MAX_DIMS);
      return -1;
    }
    info->shape[info->ndim++] = v;
    skip_ws (c);
    if (c->p < c->end && *c->p == ',') {
      c->p++;
      continue;
    }
    if (c->p < c->end && *c->p == ')') {
      c->p++;
      break;
    }
    set_err (err, errlen, "malformed header: expected ',' or ')' in 'shape'");
    return -1;
  }
  /* Lenient: "(3)" (an int in Python, never written by numpy) reads as
   * the 1-tuple (3,). */
  return 0;
}

static int
parse_header (const char *h, size_t len, npy_info * info, char *err,
    size_t errlen)
{
  cursor c = { h, h + len };
  size_t i;

  memset (info, 0, sizeof (*info));
  for (i = 0; i < len; i++) {
    unsigned char ch = (unsigned char) h[i];
    if (ch >= 0x80 || (ch < 0x20 && ch != '\n' && ch != '\r' && ch != '\t')) {
      set_err (err, errlen, "malformed header: non-ASCII or control byte "
          "at offset %zu", i);
      return -1;
    }
  }

  skip_ws (&c);
  if (c.p >= c.end || *c.p != '{') {
    set_err (err, errlen, "malformed header: not a dict");
    return -1;
  }
  c.p++;
  for (;;) {
    char key[32];

    skip_ws (&c);
    if (c.p < c.end && *c.p == '}') {
      c.p++;
      break;
    }
    if (parse_string (&c, key, sizeof (key), err, errlen) < 0)
      return -1;
    skip_ws (&c);
    if (c.p >= c.end || *c.p != ':') {
      set_err (err, errlen, "malformed header: expected ':' after '%s'", key);
      return -1;
    }
    c.p++;
    skip_ws (&c);

    if (strcmp (key, "descr") == 0) {
      char descr[32];
      if (info->have_descr) {
        set_err (err, errlen, "malformed header: duplicate key 'descr'");
        return -1;
      }
      if (c.p < c.end && *c.p == '[') {
        set_err (err, errlen, "unsupported dtype: structured arrays");
        return -1;
      }
      if (parse_string (&c, descr, sizeof (descr), err, errlen) < 0)
        return -1;
      if (parse_descr (descr, info, err, errlen) < 0)
        return -1;
      info->have_descr = 1;
    } else if (strcmp (key, "fortran_order") == 0) {
      if (info->have_fortran) {
        set_err (err, errlen,
            "malformed header: duplicate key 'fortran_order'");
        return -1;
      }
      if (match_word (&c, "True"))
        info->fortran = 1;
      else if (match_word (&c, "False"))
        info->fortran = 0;
      else {
        set_err (err, errlen,
            "malformed header: 'fortran_order' is not True or False");
        return -1;
      }
      info->have_fortran = 1;
    } else if (strcmp (key, "shape") == 0) {
      if (info->have_shape) {
        set_err (err, errlen, "malformed header: duplicate key 'shape'");
        return -1;
      }
      if (parse_shape (&c, info, err, errlen) < 0)
        return -1;
      info->have_shape = 1;
    } else {
      set_err (err, errlen, "malformed header: unexpected key '%s'", key);
      return -1;
    }

    skip_ws (&c);
    if (c.p < c.end && *c.p == ',') {
      c.p++;
      continue;
    }
    if (c.p < c.end && *c.p == '}') {
      c.p++;
      break;
    }
    set_err (err, errlen, "malformed header: expected ',' or '}'");
    return -1;
  }
  skip_ws (&c);
  if (c.p != c.end) {
    set_err (err, errlen, "malformed header: trailing characters after dict");
    return -1;
  }
  if (!info->have_descr || !info->have_fortran || !info->have_shape) {
    set_err (err, errlen, "malformed header: missing key '%s'",
        !info->have_descr ? "descr" : !info->have_fortran ? "fortran_order"
        : "shape");
    return -1;
  }
  return 0;
}

/* ---- reading ------------------------------------------------------------ */

static double
load_le (const unsigned char *b, int itemsize)
{
  /* Assemble the integer byte by byte: correct on any host byte order. */
  if (itemsize == 8) {
    uint64_t u = 0;
    double d;
    int k;
    for (k = 7; k >= 0; k--)
      u = (u << 8) | b[k];
    memcpy (&d, &u, sizeof (d));
    return d;
  } else {
    uint32_t u = 0;
    float f;
    int k;
    for (k = 3; k >= 0; k--)
      u = (u << 8) | b[k];
    memcpy (&f, &u, sizeof (f));
    return (double) f;
  }
}

static nmf_status
read_src (npy_src * s, double **data, size_t *rows, size_t *cols, char *err,
    size_t errlen)
{
  unsigned char pre[12];
  unsigned char chunk[NPY_CHUNK * 8];
  char *header = NULL;
  size_t hlen, got, count, k, r, cidx;
  int major, minor, lenbytes;
  npy_info info;
  double *out = NULL;

  if (data == NULL || rows == NULL || cols == NULL) {
    set_err (err, errlen, "invalid argument: %s is NULL", data == NULL
        ? "data" : rows == NULL ? "rows" : "cols");
    return NMF_ERR_INVALID_ARGUMENT;
  }
  *data = NULL;

  got = src_read (s, pre, 8);
  if (s->io_error)
    goto io_error;
  if (got < NPY_MAGIC_LEN || memcmp (pre, NPY_MAGIC, NPY_MAGIC_LEN) != 0) {
    set_err (err, errlen, "not a .npy file (bad magic string)");
    return NMF_ERR_FORMAT;
  }
  if (got < 8) {
    set_err (err, errlen, "truncated .npy preamble");
    return NMF_ERR_FORMAT;
  }
  major = pre[6];
  minor = pre[7];
  if (major < 1 || major > 3 || minor != 0) {
    set_err (err, errlen, "unsupported .npy format version %d.%d", major,
        minor);
    return NMF_ERR_FORMAT;
  }
  lenbytes = major == 1 ? 2 : 4;
  got = src_read (s, pre + 8, (size_t) lenbytes);
  if (s->io_error)
    goto io_error;
  if (got < (size_t) lenbytes) {
    set_err (err, errlen, "truncated .npy preamble");
    return NMF_ERR_FORMAT;
  }
  if (lenbytes == 2)
    hlen = (size_t) pre[8] | ((size_t) pre[9] << 8);
  else
    hlen = (size_t) pre[8] | ((size_t) pre[9] << 8) | ((size_t) pre[10] << 16)
        | ((size_t) pre[11] << 24);
  if (hlen > NMF_NPY_MAX_HEADER) {
    set_err (err, errlen, "header length %zu exceeds the limit of %d bytes",
        hlen, NMF_NPY_MAX_HEADER);
    return NMF_ERR_FORMAT;
  }
  header = malloc (hlen + 1);
  if (header == NULL) {
    set_err (err, errlen, "out of memory");
    return NMF_ERR_NO_MEMORY;
  }
  got = src_read (s, header, hlen);
  if (s->io_error)
    goto io_error;
  if (got < hlen) {
    set_err (err, errlen, "truncated header: expected %zu bytes, got %zu",
        hlen, got);
    free (header);
    return NMF_ERR_FORMAT;
  }
  header[hlen] = '\0';
  if (parse_header (header, hlen, &info, err, errlen) < 0) {
    free (header);
    return NMF_ERR_FORMAT;
  }
  free (header);
  header = NULL;

  if (info.ndim == 0) {
    set_err (err, errlen, "unsupported shape: 0-d (scalar) array");
    return NMF_ERR_FORMAT;
  }
  if (info.ndim > 2) {
    set_err (err, errlen, "unsupported shape: %zu-d array (need 1-d or 2-d)",
        info.ndim);
    return NMF_ERR_FORMAT;
  }
  r = info.shape[0];
  cidx = info.ndim == 2 ? info.shape[1] : 1;
  if (r == 0 || cidx == 0) {
    set_err (err, errlen, "unsupported shape: empty array (%zu x %zu)", r,
        cidx);
    return NMF_ERR_FORMAT;
  }
  if (r > NMF_NPY_MAX_ELEMENTS || cidx > NMF_NPY_MAX_ELEMENTS / r) {
    set_err (err, errlen, "absurd shape %zu x %zu: more than %zu elements",
        r, cidx, NMF_NPY_MAX_ELEMENTS);
    return NMF_ERR_FORMAT;
  }
  count = r * cidx;

  out = malloc (count * sizeof (double));
  if (out == NULL) {
    set_err (err, errlen, "out of memory for %zu x %zu array", r, cidx);
    return NMF_ERR_NO_MEMORY;
  }
  for (k = 0; k < count;) {
    size_t want = count - k < NPY_CHUNK ? count - k : NPY_CHUNK;
    size_t bytes = want * (size_t) info.itemsize;
    size_t j;

    got = src_read (s, chunk, bytes);
    if (s->io_error)
      goto io_error;
    if (got < bytes) {
      set_err (err, errlen, "truncated data: expected %zu bytes, got %zu",
          count * (size_t) info.itemsize,
          k * (size_t) info.itemsize + got);
      free (out);
      return NMF_ERR_FORMAT;
    }
    for (j = 0; j < want; j++, k++) {
      double v = load_le (chunk + j * (size_t) info.itemsize, info.itemsize);
      if (info.fortran && info.ndim == 2)
        out[(k % r) * cidx + k / r] = v;
      else
        out[k] = v;
    }
  }
  /* np.save never writes past the data: extra bytes mean a corrupt file. */
  got = src_read (s, chunk, 1);
  if (s->io_error)
    goto io_error;
  if (got != 0) {
    set_err (err, errlen, "trailing bytes after the array data");
    free (out);
    return NMF_ERR_FORMAT;
  }

  *data = out;
  *rows = r;
  *cols = cidx;
  return NMF_OK;

io_error:
  set_err (err, errlen, "read error: %s", strerror (errno));
  free (header);
  free (out);
  return NMF_ERR_IO;
}

nmf_status
nmf_npy_read (const char *path, double **data, size_t *rows, size_t *cols,
    char *message, size_t message_size)
{
  npy_src s;
  nmf_status st;
  struct stat sb;

  if (data != NULL)
    *data = NULL;
  if (path == NULL || data == NULL || rows == NULL || cols == NULL) {
    set_err (message, message_size, "invalid argument: %s is NULL",
        path == NULL ? "path" : data == NULL ? "data" : rows == NULL
        ? "rows" : "cols");
    return NMF_ERR_INVALID_ARGUMENT;
  }
  memset (&s, 0, sizeof (s));
  s.fp = fopen (path, "rb");
  if (s.fp == NULL) {
    set_err (message, message_size, "cannot open it: %s", strerror (errno));
    return NMF_ERR_IO;
  }
  /* A directory opens fine on Linux but fails on read with EISDIR. */
  if (fstat (fileno (s.fp), &sb) == 0 && S_ISDIR (sb.st_mode)) {
    set_err (message, message_size, "cannot read it: it is a directory");
    fclose (s.fp);
    return NMF_ERR_IO;
  }
  st = read_src (&s, data, rows, cols, message, message_size);
  fclose (s.fp);
  return st;
}

nmf_status
nmf_npy_read_buffer (const void *buffer, size_t length, double **data,
    size_t *rows, size_t *cols, char *message, size_t message_size)
{
  npy_src s;

  if (data != NULL)
    *data = NULL;
  if (buffer == NULL && length > 0) {
    set_err (message, message_size, "invalid argument: buffer is NULL "
        "(%zu bytes)", length);
    return NMF_ERR_INVALID_ARGUMENT;
  }
  memset (&s, 0, sizeof (s));
  s.buf = buffer;
  s.len = length;
  return read_src (&s, data, rows, cols, message, message_size);
}

/* ---- writing ------------------------------------------------------------ */

static void
store_le64 (unsigned char *b, double d)
{
  uint64_t u;
  int k;

  memcpy (&u, &d, sizeof (u));
  for (k = 0; k < 8; k++) {
    b[k] = (unsigned char) (u & 0xff);
    u >>= 8;
  }
}

char *
nmf_path_final_target (const char *path)
{
  if (path == NULL) {
    errno = EINVAL;
    return NULL;
  }
  char *p = strdup (path);

  for (int depth = 0; p != NULL && depth < 40; depth++) {
    struct stat sb;
    char link[4096], *slash, *q;
    ssize_t len;

    if (lstat (p, &sb) != 0 || !S_ISLNK (sb.st_mode))
      break;
    len = readlink (p, link, sizeof link - 1);
    if (len < 0)
      break;
    link[len] = '\0';
    slash = strrchr (p, '/');
    if (link[0] == '/' || slash == NULL)
      q = strdup (link);
    else {
      size_t dirlen = (size_t) (slash - p) + 1;
      q = malloc (dirlen + (size_t) len + 1);
      if (q != NULL) {
        memcpy (q, p, dirlen);
        memcpy (q + dirlen, link, (size_t) len + 1);
      }
    }
    free (p);
    p = q;
  }
  return p;
}

/* A new file beside TARGET (".NAME.XXXXXX" in its directory), opened for
 * writing in *fp, with the mode, owner and group of TARGET if it exists
 * (as far as allowed), else those of any new file (the umask applies):
 * its name, newly allocated, or NULL with errno set. */
static char *
open_beside (const char *target, FILE ** fp)
{
  const char *slash = strrchr (target, '/');
  const char *base = slash ? slash + 1 : target;
  size_t dirlen = slash ? (size_t) (slash - target) + 1 : 0;
  size_t len = dirlen + strlen (base) + 16;
  char *tmp = malloc (len);
  struct stat old;
  int have_old = stat (target, &old) == 0 && S_ISREG (old.st_mode);
  static unsigned counter;

  if (tmp == NULL) {
    errno = ENOMEM;
    return NULL;
  }
  for (int attempt = 0; attempt < 100; attempt++) {
    unsigned r = (unsigned) getpid () * 2654435761u
        ^ (unsigned) (uintptr_t) & attempt
        ^ __atomic_add_fetch (&counter, 1, __ATOMIC_RELAXED) * 40503u;
    int fd;

    snprintf (tmp, len, "%.*s.%s.%06x", (int) dirlen, target, base,
        r & 0xffffff);
    /* mode 0666 as fopen's, so that the umask decides as for any file */
    fd = open (tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && errno == EEXIST)
      continue;
    if (fd < 0)
      break;
    if (have_old) {
      if (fchown (fd, old.st_uid, old.st_gid) != 0) {
        /* not the owner's to give: the writer keeps it */
      }
      fchmod (fd, old.st_mode & 07777);
    }
    *fp = fdopen (fd, "wb");
    if (*fp != NULL)
      return tmp;
    close (fd);
    unlink (tmp);
    break;
  }
  free (tmp);
  return NULL;
}

/* Whether a file beside the regular file TARGET (sb) renamed over it
 * would change more than its contents: its other names (hard links) would
 * keep the old ones, a file of another user would become ours (and, in a
 * sticky directory such as /tmp, not be replaced at all), a mount point
 * (a file bind-mounted into a container) cannot be renamed over, and a
 * directory that takes no new file leaves the file to be written alone. */
static int
replace_changes_more (const char *target, const struct stat *sb)
{
  const char *slash = strrchr (target, '/');
  char *dir;
  int ret;

  if (sb->st_nlink > 1 || (sb->st_uid != geteuid () && geteuid () != 0))
    return 1;
#ifdef STATX_ATTR_MOUNT_ROOT
  {
    struct statx sx;
    if (statx (AT_FDCWD, target, 0, STATX_BASIC_STATS, &sx) == 0
        && (sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)
        && (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT))
      return 1;
  }
#endif
  if (slash == NULL)
    return faccessat (AT_FDCWD, ".", W_OK | X_OK, AT_EACCESS) != 0;
  dir = strndup (target, slash == target ? 1 : (size_t) (slash - target));
  ret = dir == NULL || faccessat (AT_FDCWD, dir, W_OK | X_OK,
      AT_EACCESS) != 0;
  free (dir);
  return ret;
}

nmf_status
nmf_npy_write_target (const char *path, char **target, char *message,
    size_t message_size)
{
  struct stat sb;
  char *t;

  if (target != NULL)
    *target = NULL;
  if (path == NULL || target == NULL) {
    set_err (message, message_size, "invalid argument: %s is NULL",
        path == NULL ? "path" : "target");
    return NMF_ERR_INVALID_ARGUMENT;
  }
  if (stat (path, &sb) == 0 && !S_ISREG (sb.st_mode))
    return NMF_OK;
  if ((t = nmf_path_final_target (path)) == NULL) {
    set_err (message, message_size, "out of memory");
    return NMF_ERR_NO_MEMORY;
  }
  if (stat (t, &sb) == 0) {
    /* a write-protected file stays protected (a rename would replace it) */
    if (faccessat (AT_FDCWD, t, W_OK, AT_EACCESS) != 0) {
      int e = errno;
      free (t);
      set_err (message, message_size, "cannot write '%s': %s", path,
          strerror (e));
      return NMF_ERR_IO;
    }
    if (replace_changes_more (t, &sb)) {
      free (t);
      return NMF_OK;
    }
  }
  *target = t;
  return NMF_OK;
}

nmf_status
nmf_npy_write (const char *path, const double *data, size_t rows, size_t cols,
    char *message, size_t message_size)
{
  char dict[160];
  unsigned char pre[12];
  unsigned char chunk[NPY_CHUNK * 8];
  size_t dlen, prelen, hlen, total, count, k;
  int n, ok = 1;
  FILE *fp;
  struct stat sb;
  int saved_errno = 0;
  char *target = NULL, *tmp = NULL;
  nmf_status ret;

  if (path == NULL || data == NULL || rows == 0 || cols == 0) {
    set_err (message, message_size, "invalid argument: %s",
        path == NULL ? "path is NULL" : data == NULL ? "data is NULL"
        : rows == 0 ? "empty matrix (rows is 0)" : "empty matrix (cols is 0)");
    return NMF_ERR_INVALID_ARGUMENT;
  }
  if (rows > NMF_NPY_MAX_ELEMENTS || cols > NMF_NPY_MAX_ELEMENTS / rows) {
    set_err (message, message_size, "matrix of %zu x %zu is too large to "
        "write", rows, cols);
    return NMF_ERR_INVALID_ARGUMENT;
  }
  count = rows * cols;

  n = snprintf (dict, sizeof (dict),
      "{'descr': '<f8', 'fortran_order': False, 'shape': (%zu, %zu), }",
      rows, cols);
  if (n < 0 || (size_t) n >= sizeof (dict)) {
    set_err (message, message_size, "internal error formatting header");
    return NMF_ERR_INVALID_ARGUMENT;
  }
  dlen = (size_t) n;
  /* Pad with spaces and a final newline so the data starts on a 64-byte
   * boundary, as numpy does (lets readers memory-map aligned doubles). */
  prelen = 10;
  total = prelen + dlen + 1;
  total = (total + 63) / 64 * 64;
  hlen = total - prelen;
  if (hlen > 65535) {
    prelen = 12;
    total = (prelen + dlen + 1 + 63) / 64 * 64;
    hlen = total - prelen;
  }
  memcpy (pre, NPY_MAGIC, NPY_MAGIC_LEN);
  pre[6] = prelen == 10 ? 1 : 2;
  pre[7] = 0;
  pre[8] = (unsigned char) (hlen & 0xff);
  pre[9] = (unsigned char) ((hlen >> 8) & 0xff);
  if (prelen == 12) {
    pre[10] = (unsigned char) ((hlen >> 16) & 0xff);
    pre[11] = (unsigned char) ((hlen >> 24) & 0xff);
  }

  /* a regular file (or a new one) is written beside itself and renamed
   * over it at the end: a failed write (a full disk) leaves the file that
   * was there; a device or a pipe (/dev/stdout), or a file that a rename
   * would change otherwise, is written in place */
  if ((ret = nmf_npy_write_target (path, &target, message,
              message_size)) != NMF_OK)
    return ret;
  if (target == NULL)
    fp = fopen (path, "wb");
  else if ((tmp = open_beside (target, &fp)) == NULL) {
    saved_errno = errno;
    free (target);
    set_err (message, message_size, "cannot create '%s': %s", path,
        strerror (saved_errno));
    return NMF_ERR_IO;
  }
  if (fp == NULL) {
    set_err (message, message_size, "cannot create '%s': %s", path,
        strerror (errno));
    return NMF_ERR_IO;
  }
  if (fwrite (pre, 1, prelen, fp) != prelen
      || fwrite (dict, 1, dlen, fp) != dlen)
    ok = 0;
  for (k = dlen; ok && k < hlen - 1; k++)
    if (fputc (' ', fp) == EOF)
      ok = 0;
  if (ok && fputc ('\n', fp) == EOF)
    ok = 0;
  for (k = 0; ok && k < count;) {
    size_t want = count - k < NPY_CHUNK ? count - k : NPY_CHUNK;
    size_t j;
    for (j = 0; j < want; j++)
      store_le64 (chunk + 8 * j, data[k + j]);
    if (fwrite (chunk, 8, want, fp) != want)
      ok = 0;
    k += want;
  }
  if (ok && fflush (fp) != 0)
    ok = 0;
  if (!ok)
    saved_errno = errno;
  if (fstat (fileno (fp), &sb) != 0)
    sb.st_mode = 0;
  if (fclose (fp) != 0 && ok) {
    ok = 0;
    saved_errno = errno;
  }
  if (ok && tmp != NULL && rename (tmp, target) != 0) {
    ok = 0;
    saved_errno = errno;
  }
  if (!ok) {
    if (tmp != NULL)
      unlink (tmp);
    free (tmp);
    free (target);
    set_err (message, message_size, "write error on '%s': %s", path,
        strerror (saved_errno));
    return NMF_ERR_IO;
  }
  free (tmp);
  free (target);
  return NMF_OK;
}
