/* Unit tests of core/npy.c: round trips and every malformed case. */
#include <errno.h>
#include <dirent.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nmf/npy.h>

/* the shared assertions; this file counts failures under its own name */
#include "check.h"
#define failures check_failures

/* Build a .npy image in memory: preamble for `major`, the header text
 * padded as numpy does (unless raw_len is given), then `nbytes` of data. */
static unsigned char *
make_npy (int major, const char *dict, const void *payload, size_t nbytes,
    size_t *len)
{
  size_t dlen = strlen (dict);
  size_t prelen = major == 1 ? 10 : 12;
  size_t total = (prelen + dlen + 1 + 63) / 64 * 64;
  size_t hlen = total - prelen;
  unsigned char *b = malloc (total + nbytes);
  size_t k;

  memcpy (b, "\x93NUMPY", 6);
  b[6] = (unsigned char) major;
  b[7] = 0;
  b[8] = hlen & 0xff;
  b[9] = (hlen >> 8) & 0xff;
  if (major != 1) {
    b[10] = (hlen >> 16) & 0xff;
    b[11] = (hlen >> 24) & 0xff;
  }
  memcpy (b + prelen, dict, dlen);
  for (k = prelen + dlen; k < total - 1; k++)
    b[k] = ' ';
  b[total - 1] = '\n';
  if (nbytes)
    memcpy (b + total, payload, nbytes);
  *len = total + nbytes;
  return b;
}

static void
put_le64 (unsigned char *b, double d)
{
  uint64_t u;
  memcpy (&u, &d, 8);
  for (int k = 0; k < 8; k++, u >>= 8)
    b[k] = u & 0xff;
}

static void
put_le32 (unsigned char *b, float f)
{
  uint32_t u;
  memcpy (&u, &f, 4);
  for (int k = 0; k < 4; k++, u >>= 8)
    b[k] = u & 0xff;
}

/* Matrix a[i][j] = 10 i + j + 0.25 stored in the given order / width. */
static unsigned char *
payload (size_t rows, size_t cols, int fortran, int itemsize, size_t *nbytes)
{
  unsigned char *p = malloc (rows * cols * (size_t) itemsize);
  size_t k = 0;

  for (size_t a = 0; a < (fortran ? cols : rows); a++)
    for (size_t b = 0; b < (fortran ? rows : cols); b++, k++) {
      size_t i = fortran ? b : a, j = fortran ? a : b;
      double v = 10.0 * (double) i + (double) j + 0.25;
      if (itemsize == 8)
        put_le64 (p + 8 * k, v);
      else
        put_le32 (p + 4 * k, (float) v);
    }
  *nbytes = rows * cols * (size_t) itemsize;
  return p;
}

static void
check_matrix (const double *d, size_t rows, size_t cols, const char *what)
{
  int bad = 0;
  for (size_t i = 0; i < rows; i++)
    for (size_t j = 0; j < cols; j++)
      if (d[i * cols + j] != 10.0 * (double) i + (double) j + 0.25)
        bad++;
  CHECK (bad == 0, "%s: %d wrong entries", what, bad);
}

static void
test_good_variants (void)
{
  static const struct
  {
    int major;
    const char *fmt;            /* printf format with descr, order, shape */
    int fortran, itemsize;
  } v[] = {
    {1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }", 0, 8},
    {1, "{'descr': '<f8', 'fortran_order': True, 'shape': (3, 4), }", 1, 8},
    {1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }", 0, 4},
    {1, "{'descr': '<f4', 'fortran_order': True, 'shape': (3, 4), }", 1, 4},
    /* keys in another order, double quotes, odd whitespace, no trailing
     * comma, Python-2 long suffix */
    {1, "{ \"shape\" :(3 ,4 ) ,\"fortran_order\":True,'descr':'<f8'}", 1, 8},
    {1, "{'fortran_order': False, 'descr': '<f8', 'shape': (3L, 4L)}", 0, 8},
    {2, "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }", 0, 8},
    {3, "{'descr': '<f4', 'fortran_order': True, 'shape': (3, 4,), }", 1, 4},
  };

  for (size_t t = 0; t < sizeof (v) / sizeof (v[0]); t++) {
    size_t nb, len, rows = 0, cols = 0;
    unsigned char *p = payload (3, 4, v[t].fortran, v[t].itemsize, &nb);
    unsigned char *b = make_npy (v[t].major, v[t].fmt, p, nb, &len);
    double *d = NULL;
    char err[256] = "";
    nmf_status st = nmf_npy_read_buffer (b, len, &d, &rows, &cols, err,
        sizeof (err));
    CHECK (st == NMF_OK, "variant %zu: %s", t, err);
    if (st == NMF_OK) {
      CHECK (rows == 3 && cols == 4, "variant %zu: shape %zu x %zu", t, rows,
          cols);
      check_matrix (d, rows, cols, v[t].fmt);
    }
    free (d);
    free (b);
    free (p);
  }

  /* 1-D reads as N x 1 (in either order flag). */
  {
    unsigned char p[5 * 8];
    size_t len, rows, cols;
    double *d = NULL;
    for (int k = 0; k < 5; k++)
      put_le64 (p + 8 * k, 10.0 * k + 0.25);
    unsigned char *b = make_npy (1,
        "{'descr': '<f8', 'fortran_order': True, 'shape': (5,), }", p,
        sizeof (p), &len);
    CHECK (nmf_npy_read_buffer (b, len, &d, &rows, &cols, NULL, 0) == NMF_OK,
        "1-d read");
    CHECK (d && rows == 5 && cols == 1, "1-d shape %zu x %zu", rows, cols);
    if (d)
      check_matrix (d, 5, 1, "1-d");
    free (d);
    free (b);
  }
}

static void
test_round_trip (void)
{
  char path[] = "/tmp/test_npy_XXXXXX";
  int fd = mkstemp (path);
  double src[7 * 3], *d = NULL;
  size_t rows, cols;
  char err[256] = "";

  CHECK (fd >= 0, "mkstemp");
  close (fd);
  for (int k = 0; k < 21; k++)
    src[k] = (k % 5 == 0) ? -0.0 : sin (k) * pow (10.0, k - 10);
  src[3] = INFINITY;            /* the writer does not judge values */
  src[4] = 1e-310;              /* subnormal survives bit-exactly */
  CHECK (nmf_npy_write (path, src, 7, 3, err, sizeof (err)) == NMF_OK, "%s",
      err);
  CHECK (nmf_npy_read (path, &d, &rows, &cols, err, sizeof (err)) == NMF_OK,
      "%s", err);
  CHECK (d && rows == 7 && cols == 3, "shape");
  if (d)
    CHECK (memcmp (d, src, sizeof (src)) == 0, "bits differ after round trip");
  free (d);

  /* Header is 64-byte aligned and starts numpy-compatibly. */
  {
    FILE *fp = fopen (path, "rb");
    unsigned char b[128];
    size_t got = fread (b, 1, sizeof (b), fp);
    fclose (fp);
    size_t hlen = b[8] | (b[9] << 8);
    CHECK (got == 128 && (10 + hlen) % 64 == 0 && b[6] == 1
        && b[10 + hlen - 1] == '\n', "header layout (hlen %zu)", hlen);
  }
  unlink (path);

  /* Writer refuses nonsense and reports unwritable paths. */
  CHECK (nmf_npy_write (path, src, 0, 3, NULL, 0) == NMF_ERR_INVALID_ARGUMENT,
      "empty write");
  CHECK (nmf_npy_write ("/nonexistent-dir/x.npy", src, 7, 3, err,
          sizeof (err)) == NMF_ERR_IO, "write to missing dir");
  CHECK (strstr (err, "nonexistent") != NULL, "message names the path: %s",
      err);
  CHECK (nmf_npy_write ("/dev/full", src, 7, 3, err, sizeof (err))
      == NMF_ERR_IO, "write to /dev/full");
}

/* A file already there is replaced whole or kept: a write that fails
 * (here beyond the file size limit, SIGXFSZ ignored, as a full disk) leaves
 * it as it was and nothing beside it (the old one was truncated, then
 * removed); a success through a symbolic link keeps the link a link and
 * the file's mode. */
static void
test_write_replace (void)
{
  char dir[] = "/tmp/test_npy_dir_XXXXXX", path[64], link_path[64];
  double small[4] = { 1, 2, 3, 4 }, *big = calloc (4096, sizeof (double));
  double *d = NULL;
  size_t rows = 0, cols = 0;
  char err[256] = "";
  struct rlimit old, lim;
  struct stat sb;
  void (*old_handler) (int);
  DIR *dp;
  struct dirent *de;
  int n = 0;

  CHECK (mkdtemp (dir) != NULL && big != NULL, "mkdtemp");
  snprintf (path, sizeof path, "%s/w.npy", dir);
  snprintf (link_path, sizeof link_path, "%s/link.npy", dir);
  CHECK (nmf_npy_write (path, small, 2, 2, err, sizeof err) == NMF_OK, "%s",
      err);
  chmod (path, 0640);
  getrlimit (RLIMIT_FSIZE, &old);
  lim = old;
  lim.rlim_cur = 8192;
  old_handler = signal (SIGXFSZ, SIG_IGN);
  setrlimit (RLIMIT_FSIZE, &lim);
  CHECK (nmf_npy_write (path, big, 4096, 1, err, sizeof err) == NMF_ERR_IO
      && strstr (err, path), "a write beyond the limit: '%s'", err);
  setrlimit (RLIMIT_FSIZE, &old);
  signal (SIGXFSZ, old_handler);
  CHECK (nmf_npy_read (path, &d, &rows, &cols, err, sizeof err) == NMF_OK
      && rows == 2 && cols == 2 && d[3] == 4, "the old file is lost: %s",
      err);
  free (d);
  dp = opendir (dir);
  while (dp && (de = readdir (dp)) != NULL)
    n += de->d_name[0] != '.' || strlen (de->d_name) > 2;
  if (dp)
    closedir (dp);
  CHECK (n == 1, "%d entries in the directory, the file alone expected", n);

  CHECK (symlink ("w.npy", link_path) == 0, "symlink");
  CHECK (nmf_npy_write (link_path, big, 4096, 1, err, sizeof err) == NMF_OK,
      "%s", err);
  CHECK (lstat (link_path, &sb) == 0 && S_ISLNK (sb.st_mode),
      "the link was replaced by a file");
  CHECK (stat (path, &sb) == 0 && (sb.st_mode & 07777) == 0640
      && sb.st_size > 4096 * 8, "the file replaced: mode %o, %lld bytes",
      (unsigned) (sb.st_mode & 07777), (long long) sb.st_size);
  /* the file a write lands in: relative links resolve against the link's
   * directory, dangling ones too; the rest of the path is left as given */
  {
    char chain[2][128], *t;
    snprintf (chain[0], sizeof chain[0], "%s/a", dir);
    snprintf (chain[1], sizeof chain[1], "%s/b", dir);
    CHECK (symlink ("b", chain[0]) == 0 && symlink ("c.npy", chain[1]) == 0,
        "symlink");
    t = nmf_path_final_target (chain[0]);
    CHECK (t && strlen (t) == strlen (dir) + 6 && !strncmp (t, dir,
            strlen (dir)) && !strcmp (t + strlen (dir), "/c.npy"),
        "a -> b -> c.npy (dangling) resolved to %s", t ? t : "NULL");
    free (t);
    t = nmf_path_final_target (path);
    CHECK (t && !strcmp (t, path), "a file resolved to %s", t ? t : "NULL");
    free (t);
    errno = 0;
    CHECK (nmf_path_final_target (NULL) == NULL && errno == EINVAL,
        "a NULL path: errno %d", errno);
    unlink (chain[0]);
    unlink (chain[1]);
  }
  unlink (link_path);
  unlink (path);
  rmdir (dir);
  free (big);
}

/* Reads PATH as a rows x 1 matrix whose first entry is `first`. */
static int
holds (const char *path, size_t rows, double first)
{
  double *d = NULL;
  size_t r = 0, c = 0;
  int ok = nmf_npy_read (path, &d, &r, &c, NULL, 0) == NMF_OK
      && r == rows && c == (rows == 2 ? 2 : 1) && d[0] == first;

  free (d);
  return ok;
}

/* What the rename would change is written in place, as before it: a file
 * with other names (hard links) keeps them all, one in a directory that
 * takes no new file (the file alone writable) is written, and one of
 * another user in a sticky directory (/tmp) too, its owner kept; a
 * write-protected file is refused, not replaced.  As an unprivileged user
 * (nobody, when run as root: the permissions do not bind root). */
static void
test_write_in_place (void)
{
  char dir[] = "/tmp/test_npy_place_XXXXXX", p[6][96];
  double small[4] = { 1, 2, 3, 4 }, *big = calloc (4096, sizeof (double));
  const int root = geteuid () == 0;
  struct stat sb;
  char err[256] = "";
  pid_t pid;
  int status = 0;

  CHECK (mkdtemp (dir) != NULL && big != NULL, "mkdtemp");
  big[0] = 7;
  snprintf (p[0], sizeof p[0], "%s/protected.npy", dir);
  snprintf (p[1], sizeof p[1], "%s/ro", dir);
  snprintf (p[2], sizeof p[2], "%s/ro/w.npy", dir);
  snprintf (p[3], sizeof p[3], "%s/a.npy", dir);
  snprintf (p[4], sizeof p[4], "%s/b.npy", dir);
  snprintf (p[5], sizeof p[5], "%s/theirs.npy", dir);
  CHECK (mkdir (p[1], 0755) == 0, "mkdir");
  for (int i = 0; i < 6; i++)
    if (i != 1 && i != 4)
      CHECK (nmf_npy_write (p[i], small, 2, 2, err, sizeof err) == NMF_OK,
          "%s", err);
  CHECK (link (p[3], p[4]) == 0, "link");
  chmod (p[0], 0444);
  chmod (p[5], 0666);
  if (root) {
    /* everything but theirs.npy is nobody's; the directory is sticky */
    for (int i = 0; i < 5; i++)
      CHECK (chown (p[i], 65534, 65534) == 0, "chown");
    chmod (dir, 01777);
  } else {
    chmod (dir, 0755);
  }
  chmod (p[1], 0555);

  pid = fork ();
  if (pid == 0) {
    if (root && (setresgid (65534, 65534, 65534) != 0
            || setresuid (65534, 65534, 65534) != 0))
      _exit (100);
    CHECK (nmf_npy_write (p[0], big, 4096, 1, err, sizeof err) == NMF_ERR_IO
        && strstr (err, p[0]) && strstr (err, "ermission"),
        "a write-protected file: '%s'", err);
    CHECK (holds (p[0], 2, 1), "the write-protected file was replaced");
    CHECK (nmf_npy_write (p[2], big, 4096, 1, err, sizeof err) == NMF_OK,
        "a file in a read-only directory: %s", err);
    CHECK (holds (p[2], 4096, 7), "the file in a read-only directory");
    CHECK (nmf_npy_write (p[3], big, 4096, 1, err, sizeof err) == NMF_OK,
        "%s", err);
    CHECK (holds (p[4], 4096, 7), "the hard link was broken");
    if (root) {
      CHECK (nmf_npy_write (p[5], big, 4096, 1, err, sizeof err) == NMF_OK,
          "another user's file in a sticky directory: %s", err);
      CHECK (holds (p[5], 4096, 7), "another user's file");
    }
    _exit (failures);
  }
  CHECK (pid > 0 && waitpid (pid, &status, 0) == pid && WIFEXITED (status)
      && WEXITSTATUS (status) != 100, "the unprivileged child");
  failures += WIFEXITED (status) && WEXITSTATUS (status) != 100
      ? WEXITSTATUS (status) : 0;
  CHECK (stat (p[5], &sb) == 0 && sb.st_uid == 0 && sb.st_nlink == 1,
      "theirs.npy: owner %u", (unsigned) sb.st_uid);
  chmod (p[1], 0755);
  {
    /* nothing left beside the files */
    DIR *dp = opendir (p[1]);
    struct dirent *de;
    int n = 0;
    while (dp && (de = readdir (dp)) != NULL)
      n += de->d_name[0] != '.' || strlen (de->d_name) > 2;
    if (dp)
      closedir (dp);
    CHECK (n == 1, "%d entries in ro/, the file alone expected", n);
  }
  for (int i = 5; i >= 0; i--)
    i == 1 ? rmdir (p[i]) : unlink (p[i]);
  CHECK (rmdir (dir) == 0, "files left in %s", dir);
  free (big);
}

typedef struct
{
  const char *name;
  int major;
  const char *dict;
  size_t nbytes;                /* payload bytes following the header */
  nmf_status want;
  const char *msg;              /* substring expected in the message */
} bad_case;

static void
test_malformed (void)
{
  static const bad_case c[] = {
    {"big-endian", 1, "{'descr': '>f8', 'fortran_order': False, 'shape': (2, 2), }", 32, NMF_ERR_FORMAT, "big-endian"},
    {"int64", 1, "{'descr': '<i8', 'fortran_order': False, 'shape': (2, 2), }", 32, NMF_ERR_FORMAT, "integer"},
    {"uint8", 1, "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 2), }", 4, NMF_ERR_FORMAT, "integer"},
    {"bool", 1, "{'descr': '|b1', 'fortran_order': False, 'shape': (2, 2), }", 4, NMF_ERR_FORMAT, "boolean"},
    {"complex", 1, "{'descr': '<c16', 'fortran_order': False, 'shape': (2, 2), }", 64, NMF_ERR_FORMAT, "complex"},
    {"half", 1, "{'descr': '<f2', 'fortran_order': False, 'shape': (2, 2), }", 8, NMF_ERR_FORMAT, "only"},
    {"object", 1, "{'descr': '|O', 'fortran_order': False, 'shape': (2, 2), }", 32, NMF_ERR_FORMAT, "unsupported dtype"},
    {"structured", 1, "{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (2,), }", 16, NMF_ERR_FORMAT, "structured"},
    {"3-d", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2, 2), }", 64, NMF_ERR_FORMAT, "3-d"},
    {"0-d", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (), }", 8, NMF_ERR_FORMAT, "0-d"},
    {"empty", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (0, 4), }", 0, NMF_ERR_FORMAT, "empty"},
    {"overflow", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999999, 2), }", 0, NMF_ERR_FORMAT, "overflow"},
    {"absurd", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", 0, NMF_ERR_FORMAT, "absurd"},
    {"too big", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (100000, 100000), }", 0, NMF_ERR_FORMAT, "absurd"},
    {"negative dim", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (-2, 2), }", 32, NMF_ERR_FORMAT, "negative"},
    {"truncated data", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", 31, NMF_ERR_FORMAT, "truncated data"},
    {"trailing data", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", 33, NMF_ERR_FORMAT, "trailing"},
    {"not a dict", 1, "['descr', '<f8']", 32, NMF_ERR_FORMAT, "not a dict"},
    {"missing key", 1, "{'descr': '<f8', 'shape': (2, 2), }", 32, NMF_ERR_FORMAT, "fortran_order"},
    {"duplicate key", 1, "{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (2, 2)}", 32, NMF_ERR_FORMAT, "duplicate"},
    {"unknown key", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), 'x': 1}", 32, NMF_ERR_FORMAT, "unexpected key"},
    {"bad bool", 1, "{'descr': '<f8', 'fortran_order': 0, 'shape': (2, 2), }", 32, NMF_ERR_FORMAT, "True or False"},
    {"bool prefix", 1, "{'descr': '<f8', 'fortran_order': Falsey, 'shape': (2, 2), }", 32, NMF_ERR_FORMAT, "True or False"},
    {"unterminated", 1, "{'fortran_order': False, 'shape': (2, 2), 'descr': '<f8", 32, NMF_ERR_FORMAT, "malformed"},
    {"escape", 1, "{'descr': '<f\\8', 'fortran_order': False, 'shape': (2, 2), }", 32, NMF_ERR_FORMAT, "escape"},
    {"unclosed dict", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), ", 32, NMF_ERR_FORMAT, "malformed"},
    {"trailing text", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), } x", 32, NMF_ERR_FORMAT, "trailing"},
    {"shape not tuple", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': [2, 2], }", 32, NMF_ERR_FORMAT, "tuple"},
    {"shape junk", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2; 2), }", 32, NMF_ERR_FORMAT, "shape"},
    {"shape empty item", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, , 2), }", 32, NMF_ERR_FORMAT, "integer"},
    {"non-ascii", 3, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), '\xc3\xa9': 1}", 32, NMF_ERR_FORMAT, "non-ASCII"},
    {"long key", 1, "{'descrdescrdescrdescrdescrdescrdescrdescr': '<f8', 'fortran_order': False, 'shape': (2, 2)}", 32, NMF_ERR_FORMAT, "too long"},
  };

  for (size_t t = 0; t < sizeof (c) / sizeof (c[0]); t++) {
    size_t len, rows = 7, cols = 7;
    unsigned char *zeros = calloc (1, c[t].nbytes + 1);
    unsigned char *b = make_npy (c[t].major, c[t].dict, zeros, c[t].nbytes,
        &len);
    double *d = (double *) 1;
    char err[256] = "";
    nmf_status st = nmf_npy_read_buffer (b, len, &d, &rows, &cols, err,
        sizeof (err));
    CHECK (st == c[t].want, "%s: status %d (%s), want %d", c[t].name, st, err,
        c[t].want);
    CHECK (strstr (err, c[t].msg) != NULL, "%s: message '%s' lacks '%s'",
        c[t].name, err, c[t].msg);
    CHECK (d == NULL, "%s: data pointer not cleared", c[t].name);
    free (d == (double *) 1 ? NULL : d);
    free (b);
    free (zeros);
  }
}

static void
test_preamble (void)
{
  size_t len, rows, cols;
  double *d;
  char err[256];
  unsigned char *b = make_npy (1,
      "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1), }",
      "\0\0\0\0\0\0\xf0\x3f", 8, &len);

  CHECK (nmf_npy_read_buffer (b, len, &d, &rows, &cols, err, sizeof (err))
      == NMF_OK && d[0] == 1.0, "1x1 of 1.0: %s", err);
  free (d);

  /* Every proper prefix of a good file is an error, never a crash. */
  for (size_t k = 0; k < len; k++) {
    nmf_status st = nmf_npy_read_buffer (b, k, &d, &rows, &cols, err,
        sizeof (err));
    CHECK (st == NMF_ERR_FORMAT && d == NULL, "prefix %zu: %d", k, st);
  }

  b[0] = 'X';
  CHECK (nmf_npy_read_buffer (b, len, &d, &rows, &cols, err, sizeof (err))
      == NMF_ERR_FORMAT && strstr (err, "magic"), "bad magic: %s", err);
  b[0] = 0x93;
  b[6] = 4;
  CHECK (nmf_npy_read_buffer (b, len, &d, &rows, &cols, err, sizeof (err))
      == NMF_ERR_FORMAT && strstr (err, "version"), "version 4: %s", err);
  b[6] = 1;
  b[7] = 1;
  CHECK (nmf_npy_read_buffer (b, len, &d, &rows, &cols, err, sizeof (err))
      == NMF_ERR_FORMAT && strstr (err, "version"), "version 1.1: %s", err);
  free (b);

  /* A v2 header claiming 4 GiB must be refused before any allocation. */
  {
    unsigned char h[16] = "\x93NUMPY\x02\x00\xff\xff\xff\xff{}";
    CHECK (nmf_npy_read_buffer (h, sizeof (h), &d, &rows, &cols, err,
            sizeof (err)) == NMF_ERR_FORMAT && strstr (err, "limit"),
        "huge header length: %s", err);
  }

  /* Files: missing file and a directory are I/O errors. */
  CHECK (nmf_npy_read ("/nonexistent/x.npy", &d, &rows, &cols, err,
          sizeof (err)) == NMF_ERR_IO, "missing file");
  CHECK (nmf_npy_read ("/tmp", &d, &rows, &cols, err, sizeof (err))
      == NMF_ERR_IO, "directory: %s", err);
  CHECK (nmf_npy_read_buffer (NULL, 0, &d, &rows, &cols, err, sizeof (err))
      == NMF_ERR_FORMAT, "empty buffer");
  CHECK (nmf_npy_read_buffer ("", 0, NULL, &rows, &cols, NULL, 0)
      == NMF_ERR_INVALID_ARGUMENT, "NULL out");
}

static void
test_fuzz (void)
{
  /* Random byte flips in the header of a good file: must never crash or
   * leak, and must either parse or fail with FORMAT. */
  size_t nb, len;
  unsigned char *p = payload (3, 4, 0, 8, &nb);
  unsigned char *good = make_npy (1,
      "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }", p, nb,
      &len);
  uint64_t s = 12345;
  int n_ok = 0, n_bad = 0;

  for (int it = 0; it < 20000; it++) {
    unsigned char *b = malloc (len);
    size_t rows, cols;
    double *d;
    memcpy (b, good, len);
    for (int f = 0; f < 3; f++) {
      s = s * 6364136223846793005ULL + 1442695040888963407ULL;
      size_t pos = (size_t) (s >> 33) % 70;
      b[pos] = (unsigned char) (s >> 17);
    }
    nmf_status st = nmf_npy_read_buffer (b, len, &d, &rows, &cols, NULL, 0);
    CHECK (st == NMF_OK || st == NMF_ERR_FORMAT, "fuzz status %d", st);
    if (st == NMF_OK) {
      n_ok++;
      free (d);
    } else
      n_bad++;
    free (b);
  }
  CHECK (n_bad > 0, "fuzz produced no errors");
  free (good);
  free (p);
}

int
main (void)
{
  test_good_variants ();
  test_round_trip ();
  test_write_replace ();
  test_write_in_place ();
  test_malformed ();
  test_preamble ();
  test_fuzz ();
  if (failures) {
    fprintf (stderr, "test_npy: %d failure(s)\n", failures);
    return 1;
  }
  printf ("test_npy: all passed\n");
  return 0;
}
