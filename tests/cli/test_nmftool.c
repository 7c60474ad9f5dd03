/* End-to-end test of the nmftool CLI: exit statuses, outputs on planted
 * data, one-line errors on malformed input.
 *
 * usage: test_nmftool /path/to/nmftool */
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "planted.h"
#include <nmf/npy.h>

/* the shared assertions; this file counts failures under its own name */
#include "check.h"
#define failures check_failures

static const char *tool;
static char dir[] = "/tmp/test_nmftool_XXXXXX";
static char out[8192];          /* stdout + stderr of the last run */

static char *
path (const char *name)
{
  static char buf[8][512];
  static int k = 0;
  char *p = buf[k++ % 8];
  snprintf (p, 512, "%s/%s", dir, name);
  return p;
}

/* Run tool with a NULL-terminated argument list (argv[0] added); return its
 * exit status (-1 if it did not exit normally) and capture its output. */
static int
run (const char *a0, ...)
{
  const char *argv[32];
  int n = 0, status, fd;
  pid_t pid;
  va_list ap;
  char *capture = path ("capture.txt");
  FILE *f;
  size_t got;

  argv[n++] = tool;
  va_start (ap, a0);
  for (const char *a = a0; a != NULL && n < 31; a = va_arg (ap, const char *))
    argv[n++] = a;
  va_end (ap);
  argv[n] = NULL;

  pid = fork ();
  if (pid == 0) {
    fd = open (capture, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
      _exit (127);
    dup2 (fd, 1);
    dup2 (fd, 2);
    execv (tool, (char *const *) argv);
    _exit (127);
  }
  if (pid < 0 || waitpid (pid, &status, 0) != pid)
    return -1;
  f = fopen (capture, "r");
  got = f ? fread (out, 1, sizeof (out) - 1, f) : 0;
  out[got] = '\0';
  if (f)
    fclose (f);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

static int
count_lines (const char *s)
{
  int n = 0;
  for (; *s; s++)
    n += *s == '\n';
  return n;
}

static void
write_raw (const char *p, const void *data, size_t len)
{
  FILE *f = fopen (p, "wb");
  fwrite (data, 1, len, f);
  fclose (f);
}

int
main (int argc, char **argv)
{
  const size_t m = 80, n = 120, r = 4;
  double *w0 = malloc (m * r * sizeof (double));
  double *h0 = malloc (n * r * sizeof (double));
  double *x = malloc (m * n * sizeof (double));
  double *w = NULL, *h = NULL, mse;
  size_t rows, cols;
  nmf_xrng g;
  int st;

  if (argc != 2) {
    fprintf (stderr, "usage: %s /path/to/nmftool\n", argv[0]);
    return 2;
  }
  tool = argv[1];
  if (mkdtemp (dir) == NULL) {
    perror ("mkdtemp");
    return 1;
  }

  /* Help and dispatch. */
  CHECK (run ("--help", NULL) == 0, "--help");
  CHECK (strstr (out, "factorize") && strstr (out, "--lambda")
      && strstr (out, "Exit status"), "help text incomplete");
  CHECK (run ("factorize", "--help", NULL) == 0, "factorize --help");
  CHECK (run (NULL) == 2 && count_lines (out) == 1, "no command: %s", out);
  CHECK (run ("frobnicate", NULL) == 2 && strstr (out, "frobnicate")
      && count_lines (out) == 1, "unknown command: %s", out);

  /* Planted data: Gaussian W (case 3), so X has negative entries. */
  nmf_xrng_seed (&g, 4);
  nmf_planted_generate (NMF_PLANTED_GAUSSIAN_W, m, n, r, 0.35, &g, w0, h0, x);
  CHECK (nmf_npy_write (path ("x.npy"), x, m, n, NULL, 0) == NMF_OK, "write");

  st = run ("factorize", "--method", "volmin", "--rank", "4", "--in",
      path ("x.npy"), "--w-out", path ("w.npy"), "--h-out", path ("h.npy"),
      NULL);
  CHECK (st == 0, "volmin exit %d: %s", st, out);
  CHECK (nmf_npy_read (path ("w.npy"), &w, &rows, &cols, NULL, 0) == NMF_OK
      && rows == m && cols == r, "W shape %zu x %zu", rows, cols);
  CHECK (nmf_npy_read (path ("h.npy"), &h, &rows, &cols, NULL, 0) == NMF_OK
      && rows == n && cols == r, "H shape %zu x %zu", rows, cols);
  if (h != NULL) {
    CHECK (nmf_matched_column_mse (h0, h, n, r, &mse, NULL) == NMF_OK
        && mse <= 1e-20, "volmin via CLI: MSE %g", mse);
  }
  free (w);
  free (h);
  w = h = NULL;

  /* Regularized, quiet: nothing printed. */
  st = run ("factorize", "--method", "volmin", "--lambda", "0.01", "-q",
      "--rank", "4", "--in", path ("x.npy"), "--w-out", path ("w2.npy"),
      "--h-out", path ("h2.npy"), NULL);
  CHECK (st == 0 && out[0] == '\0', "regularized exit %d: %s", st, out);

  /* KL-NMF refuses negative data with a clear message. */
  st = run ("factorize", "--method", "kl", "--rank", "4", "--in",
      path ("x.npy"), "--w-out", path ("w3.npy"), "--h-out", path ("h3.npy"),
      NULL);
  CHECK (st == 1 && strstr (out, "negative") && count_lines (out) == 1,
      "kl on negative X: %d %s", st, out);

  /* KL-NMF on nonnegative planted data. */
  nmf_planted_generate (NMF_PLANTED_SPARSE_W, m, n, r, 0.35, &g, w0, h0, x);
  nmf_npy_write (path ("xp.npy"), x, m, n, NULL, 0);
  st = run ("factorize", "--method", "kl", "--rank", "4", "--iterations",
      "1000", "--seed", "7", "--in", path ("xp.npy"), "--w-out",
      path ("w4.npy"), "--h-out", path ("h4.npy"), NULL);
  CHECK (st == 0, "kl exit %d: %s", st, out);
  if (nmf_npy_read (path ("w4.npy"), &w, &rows, &cols, NULL, 0) == NMF_OK
      && nmf_npy_read (path ("h4.npy"), &h, &rows, &cols, NULL, 0) == NMF_OK) {
    double e = 0.0, xx = 0.0;
    for (size_t i = 0; i < m; i++)
      for (size_t j = 0; j < n; j++) {
        double y = 0.0;
        for (size_t k = 0; k < r; k++)
          y += w[i * r + k] * h[j * r + k];
        e += (y - x[i * n + j]) * (y - x[i * n + j]);
        xx += x[i * n + j] * x[i * n + j];
      }
    CHECK (sqrt (e / xx) < 0.05, "kl fit %g", sqrt (e / xx));
  } else
    CHECK (0, "kl outputs unreadable");
  free (w);
  free (h);

  /* Command-line errors: exit 2, one line. */
  {
    static const char *bad[][12] = {
      {"factorize", "--method", "volmin", "--in", "x.npy", "--w-out", "a",
          "--h-out", "b", NULL},        /* no rank */
      {"factorize", "--method", "volmin", "--rank", "0", "--in", "x", "--w-out",
          "a", "--h-out", "b", NULL},
      {"factorize", "--method", "volmin", "--rank", "3x", "--in", "x",
          "--w-out", "a", "--h-out", "b", NULL},
      {"factorize", "--method", "svd", "--rank", "3", "--in", "x", "--w-out",
          "a", "--h-out", "b", NULL},
      {"factorize", "--method", "kl", "--lambda", "0.1", "--rank", "3", "--in",
          "x", "--w-out", "a", NULL},
      {"factorize", "--method", "volmin", "--lambda", "5", "--rank", "3",
          "--in", "x", "--w-out", "a", NULL},
      {"factorize", "--method", "volmin", "--rank", "3", "--in", "x",
          "--w-out", "a", NULL},        /* no --h-out */
      {"factorize", "--method", "volmin", "--rank", "3", "--in", "x",
          "--w-out", "a", "--h-out", "b", "extra"},
    };
    for (size_t t = 0; t < sizeof (bad) / sizeof (bad[0]); t++) {
      const char **a = bad[t];
      st = run (a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9],
          a[10], a[11], NULL);
      CHECK (st == 2 && count_lines (out) == 1, "bad command line %zu: "
          "exit %d: %s", t, st, out);
    }
  }

  /* Data errors: exit 1, one line naming the problem. */
  {
    static const unsigned char be[] =
        "\x93NUMPY\x01\x00\x76\x00{'descr': '>f8', 'fortran_order': False, "
        "'shape': (2, 2), }";
    unsigned char buf[256];
    memset (buf, ' ', sizeof (buf));
    memcpy (buf, be, sizeof (be) - 1);
    buf[127] = '\n';
    memset (buf + 128, 0, 32);
    write_raw (path ("be.npy"), buf, 160);
    st = run ("factorize", "--method", "volmin", "--rank", "1", "--in",
        path ("be.npy"), "--w-out", path ("a.npy"), "--h-out", path ("b.npy"),
        NULL);
    CHECK (st == 1 && strstr (out, "big-endian") && count_lines (out) == 1,
        "big-endian input: %d %s", st, out);

    write_raw (path ("junk.npy"), "hello world", 11);
    st = run ("factorize", "--method", "volmin", "--rank", "1", "--in",
        path ("junk.npy"), "--w-out", path ("a.npy"), "--h-out",
        path ("b.npy"), NULL);
    CHECK (st == 1 && strstr (out, "magic"), "junk input: %d %s", st, out);

    st = run ("factorize", "--method", "volmin", "--rank", "1", "--in",
        path ("missing.npy"), "--w-out", path ("a.npy"), "--h-out",
        path ("b.npy"), NULL);
    CHECK (st == 1 && strstr (out, "missing.npy"), "missing input: %d %s", st,
        out);

    st = run ("factorize", "--method", "volmin", "--rank", "200", "--in",
        path ("x.npy"), "--w-out", path ("a.npy"), "--h-out", path ("b.npy"),
        NULL);
    CHECK (st == 1 && strstr (out, "rank"), "rank too big: %d %s", st, out);

    x[17] = NAN;
    nmf_npy_write (path ("nan.npy"), x, m, n, NULL, 0);
    st = run ("factorize", "--method", "volmin", "--rank", "4", "--in",
        path ("nan.npy"), "--w-out", path ("a.npy"), "--h-out", path ("b.npy"),
        NULL);
    CHECK (st == 1 && strstr (out, "NaN") && count_lines (out) == 1,
        "NaN input: %d %s", st, out);

    st = run ("factorize", "--method", "volmin", "--rank", "4", "--in",
        path ("x.npy"), "--w-out", "/nonexistent-dir/w.npy", "--h-out",
        path ("b.npy"), NULL);
    CHECK (st == 1 && strstr (out, "nonexistent-dir"), "unwritable: %d %s",
        st, out);
  }

  /* Clean up the scratch directory. */
  {
    static const char *files[] = { "capture.txt", "x.npy", "w.npy", "h.npy",
      "w2.npy", "h2.npy", "xp.npy", "w4.npy", "h4.npy", "be.npy", "junk.npy",
      "nan.npy", "a.npy", "b.npy", "w3.npy", "h3.npy"
    };
    for (size_t i = 0; i < sizeof (files) / sizeof (files[0]); i++)
      unlink (path (files[i]));
    rmdir (dir);
  }
  free (w0);
  free (h0);
  free (x);
  if (failures) {
    fprintf (stderr, "test_nmftool: %d failure(s)\n", failures);
    return 1;
  }
  printf ("test_nmftool: all passed\n");
  return 0;
}
