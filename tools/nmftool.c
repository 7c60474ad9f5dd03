/* nmftool: command-line front end to the gst-nmf core numerics.
 *
 *   nmftool factorize --method volmin|kl --rank R --in X.npy
 *                     --w-out W.npy --h-out H.npy [options]
 *   nmftool separate --sources N [options] INPUT OUTDIR   (separate.c)
 *
 * Subcommands live in a dispatch table so that later ones (learn,
 * separate) are one entry and one function each. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nmf/error.h>
#include <nmf/factorize.h>
#include "nmftool.h"
#include <nmf/npy.h>

const char *prog = "nmftool";

static void
fail_line (const char *cmd, const char *kind, const char *fmt, va_list ap)
{
  fprintf (stderr, "%s%s%s: %s: ", prog, cmd ? " " : "", cmd ? cmd : "",
      kind);
  vfprintf (stderr, fmt, ap);
  fputc ('\n', stderr);
}

int
usage_error (const char *cmd, const char *fmt, ...)
{
  va_list ap;
  /* One line: the hint goes on the same line as the message. */
  fprintf (stderr, "%s%s%s: error: ", prog, cmd ? " " : "", cmd ? cmd : "");
  va_start (ap, fmt);
  vfprintf (stderr, fmt, ap);
  va_end (ap);
  fprintf (stderr, " (see '%s --help')\n", prog);
  return EXIT_USAGE;
}

int
runtime_error (const char *cmd, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  fail_line (cmd, "error", fmt, ap);
  va_end (ap);
  return EXIT_RUNTIME;
}

void
warning (const char *cmd, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  fail_line (cmd, "warning", fmt, ap);
  va_end (ap);
}

/* Strict number parsing: the whole string, in range, finite. */
int
parse_ulong (const char *s, unsigned long min, unsigned long max,
    unsigned long *out)
{
  char *end;
  unsigned long v;

  if (s == NULL || *s == '\0' || *s == '-' || *s == '+')
    return -1;
  errno = 0;
  v = strtoul (s, &end, 10);
  if (errno != 0 || *end != '\0' || v < min || v > max)
    return -1;
  *out = v;
  return 0;
}

int
parse_u64 (const char *s, unsigned long long *out)
{
  char *end;
  unsigned long long v;

  if (s == NULL || *s == '\0' || *s == '-' || *s == '+')
    return -1;
  errno = 0;
  v = strtoull (s, &end, 0);
  if (errno != 0 || *end != '\0')
    return -1;
  *out = v;
  return 0;
}

int
parse_double (const char *s, double *out)
{
  char *end;
  double v;

  if (s == NULL || *s == '\0')
    return -1;
  errno = 0;
  v = strtod (s, &end);
  if (errno != 0 || *end != '\0' || !isfinite (v))
    return -1;
  *out = v;
  return 0;
}

/* ---- files ------------------------------------------------------------- */

/* Where PATH lives once written: a path whose last component is no
 * symbolic link (dangling links followed, at most 40 deep), in a newly
 * allocated string. */
static char *
resolve_dangling (const char *path)
{
  char *p = strdup (path);
  int depth;

  for (depth = 0; p != NULL && depth < 40; depth++) {
    struct stat sb;
    char target[4096], *slash, *q;
    ssize_t len;

    if (lstat (p, &sb) != 0 || !S_ISLNK (sb.st_mode))
      break;
    len = readlink (p, target, sizeof target - 1);
    if (len < 0)
      break;
    target[len] = '\0';
    slash = strrchr (p, '/');
    if (target[0] == '/' || slash == NULL)
      q = strdup (target);
    else {
      size_t dirlen = (size_t) (slash - p) + 1;
      q = malloc (dirlen + (size_t) len + 1);
      if (q != NULL) {
        memcpy (q, p, dirlen);
        memcpy (q + dirlen, target, (size_t) len + 1);
      }
    }
    free (p);
    p = q;
  }
  return p;
}

/* The directory part and the last component of PATH (trailing slashes
 * kept off); both newly allocated. */
static int
split_path (const char *path, char **dir, char **base)
{
  size_t len = strlen (path), end, start;

  end = len;
  while (end > 1 && path[end - 1] == '/')
    end--;
  start = end;
  while (start > 0 && path[start - 1] != '/')
    start--;
  *base = strndup (path + start, end - start);
  if (start == 0)
    *dir = strdup (".");
  else if (start == 1)
    *dir = strdup ("/");
  else
    *dir = strndup (path, start - 1);
  if (*dir == NULL || *base == NULL) {
    free (*dir);
    free (*base);
    return -1;
  }
  return 0;
}

int
same_file (const char *a, const char *b)
{
  struct stat sa, sb;
  int have_a = stat (a, &sa) == 0, have_b = stat (b, &sb) == 0, same = 0;
  char *ra, *rb, *da = NULL, *ba = NULL, *db = NULL, *bb = NULL;

  if (have_a && have_b)
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
  if (have_a || have_b)
    return 0;                   /* one exists, the other does not */
  /* neither exists (yet): the same name in the same directory */
  ra = resolve_dangling (a);
  rb = resolve_dangling (b);
  if (ra != NULL && rb != NULL && split_path (ra, &da, &ba) == 0
      && split_path (rb, &db, &bb) == 0) {
    same = strcmp (ba, bb) == 0 && stat (da, &sa) == 0
        && stat (db, &sb) == 0 && sa.st_dev == sb.st_dev
        && sa.st_ino == sb.st_ino;
  }
  free (ra);
  free (rb);
  free (da);
  free (ba);
  free (db);
  free (bb);
  return same;
}

/* ---- factorize ---------------------------------------------------------- */

static const char factorize_help[] =
    "nmftool factorize: factor a matrix X (M x N) as X ~ W H^T\n"
    "\n"
    "  nmftool factorize --method volmin|kl --rank R --in X.npy\n"
    "                    --w-out W.npy --h-out H.npy\n"
    "                    [--lambda L] [--iterations N] [--seed S] [--quiet]\n"
    "\n"
    "Input: a NumPy .npy file (format 1.0, 2.0 or 3.0) holding a 2-d array\n"
    "of little-endian float64 or float32 ('<f8', '<f4'), C or Fortran\n"
    "order; a 1-d array of length M is read as M x 1. Outputs: float64 .npy\n"
    "files, W of shape (M, R) and H of shape (N, R), with X ~ W H^T (H is\n"
    "N x R, not R x N).\n"
    "\n"
    "  --method volmin   column-normalized volume minimization (Fu, Huang,\n"
    "                    Sidiropoulos 2018): minimize det(W^T W) subject to\n"
    "                    X = W H^T, H >= 0, every column of H summing to 1.\n"
    "                    Exact for data of rank R; W may be negative.\n"
    "                    X may have any sign.\n"
    "  --method kl       KL-NMF (Lee-Seung multiplicative updates), W, H >= 0,\n"
    "                    columns of W summing to 1. Needs X >= 0.\n"
    "  --rank R          number of components, 1 <= R <= min(M, N). Required.\n"
    "  --in FILE         input X (.npy). Required.\n"
    "  --w-out FILE      output W (.npy, M x R). Required.\n"
    "  --h-out FILE      output H (.npy, N x R). Required.\n"
    "  --lambda L        volmin only: 0 <= L <= 1. L > 0 solves the log-det\n"
    "                    regularized form for noisy data,\n"
    "                      ||X - W H^T||_F^2 + L ||X||_F^2 / R\n"
    "                                       * logdet(W^T W + delta I),\n"
    "                    delta = ||W0||_F^2 / R (W0 the exact solution);\n"
    "                    useful values about 1e-4 .. 1e-2. Default 0.\n"
    "  --iterations N    kl: number of multiplicative updates (default 500).\n"
    "                    volmin: maximum alternating-optimization sweeps\n"
    "                    (default 100), or with --lambda > 0 the maximum\n"
    "                    regularized iterations (default 1000).\n"
    "  --seed S          seed of the deterministic random start (default 0).\n"
    "  --quiet, -q       no summary line on stderr.\n"
    "  --help, -h        this text.\n"
    "\n"
    "If the solver stops at its iteration limit before converging, the last\n"
    "iterate is written and a warning printed (exit status 0).\n"
    "X must be finite (NaN or Inf: an error naming the entry). Entries so\n"
    "large that the computation overflows double precision (volmin: about\n"
    "1e154, where ||X||_F^2 overflows; kl: near 1e308) are refused with an\n"
    "error saying so: scale X down. --w-out and --h-out must be two files,\n"
    "neither of them the input (compared by device and inode); nothing is\n"
    "written then, nor left behind by a failed write.\n";

/* The first entry of the m x n row-major X that is not finite, or -1. */
static long long
first_not_finite (const double *x, size_t m, size_t n)
{
  for (size_t i = 0; i < m * n; i++)
    if (!isfinite (x[i]))
      return (long long) i;
  return -1;
}

/* The failure of a solver on a finite X: its sums and products overflowed
 * double precision.  Says so, with the largest entry. */
static int
overflow_error (const char *cmd, const char *in, const char *method,
    const double *x, size_t m, size_t n)
{
  size_t imax = 0;

  for (size_t i = 1; i < m * n; i++)
    if (fabs (x[i]) > fabs (x[imax]))
      imax = i;
  return runtime_error (cmd, "%s: X is too large for %s in double "
      "precision: its entries are finite but the computation overflows "
      "(largest |x| = %.3g at row %zu, column %zu); scale X down (W or H "
      "scales with it)", in, method, fabs (x[imax]), imax / n, imax % n);
}

static int
all_finite (const double *a, size_t len)
{
  for (size_t i = 0; i < len; i++)
    if (!isfinite (a[i]))
      return 0;
  return 1;
}

static int
cmd_factorize (int argc, char **argv)
{
  static const struct option longopts[] = {
    {"method", required_argument, NULL, 'm'},
    {"rank", required_argument, NULL, 'r'},
    {"in", required_argument, NULL, 'i'},
    {"w-out", required_argument, NULL, 'W'},
    {"h-out", required_argument, NULL, 'H'},
    {"lambda", required_argument, NULL, 'l'},
    {"iterations", required_argument, NULL, 'n'},
    {"seed", required_argument, NULL, 's'},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0}
  };
  const char *cmd = "factorize";
  const char *method = NULL, *in = NULL, *wout = NULL, *hout = NULL;
  unsigned long rank = 0, iterations = 0;
  unsigned long long seed = 0;
  double lambda = 0.0;
  int have_lambda = 0, have_iterations = 0, quiet = 0, c, ret;
  double *x = NULL, *w = NULL, *h = NULL;
  size_t m, n;
  char err[256];
  nmf_status st;
  int w_existed, h_existed;
  long long bad;

  optind = 1;
  opterr = 0;
  while ((c = getopt_long (argc, argv, ":qh", longopts, NULL)) != -1) {
    switch (c) {
      case 'm':
        method = optarg;
        break;
      case 'r':
        if (parse_ulong (optarg, 1, 100000, &rank) < 0)
          return usage_error (cmd, "--rank needs a positive integer, got '%s'",
              optarg);
        break;
      case 'i':
        in = optarg;
        break;
      case 'W':
        wout = optarg;
        break;
      case 'H':
        hout = optarg;
        break;
      case 'l':
        if (parse_double (optarg, &lambda) < 0 || lambda < 0.0
            || lambda > 1.0)
          return usage_error (cmd, "--lambda needs a number in [0, 1], "
              "got '%s'", optarg);
        have_lambda = 1;
        break;
      case 'n':
        if (parse_ulong (optarg, 1, 100000000, &iterations) < 0)
          return usage_error (cmd, "--iterations needs a positive integer, "
              "got '%s'", optarg);
        have_iterations = 1;
        break;
      case 's':
        if (parse_u64 (optarg, &seed) < 0)
          return usage_error (cmd, "--seed needs a non-negative integer, "
              "got '%s'", optarg);
        break;
      case 'q':
        quiet = 1;
        break;
      case 'h':
        fputs (factorize_help, stdout);
        return 0;
      case ':':
        return usage_error (cmd, "option '%s' needs an argument",
            argv[optind - 1]);
      default:
        return usage_error (cmd, "unknown option '%s'", argv[optind - 1]);
    }
  }
  if (optind < argc)
    return usage_error (cmd, "unexpected argument '%s'", argv[optind]);
  if (method == NULL)
    return usage_error (cmd, "--method is required (volmin or kl)");
  if (strcmp (method, "volmin") != 0 && strcmp (method, "kl") != 0)
    return usage_error (cmd, "unknown method '%s' (volmin or kl)", method);
  if (rank == 0)
    return usage_error (cmd, "--rank is required");
  if (in == NULL || wout == NULL || hout == NULL)
    return usage_error (cmd, "--in, --w-out and --h-out are required");
  if (have_lambda && strcmp (method, "kl") == 0)
    return usage_error (cmd, "--lambda applies to --method volmin only");
  /* never write over the input, nor W and H into one file */
  if (same_file (wout, in) || same_file (hout, in))
    return runtime_error (cmd, "%s %s is the input file %s: refusing to "
        "write over it", same_file (wout, in) ? "--w-out" : "--h-out",
        same_file (wout, in) ? wout : hout, in);
  if (same_file (wout, hout))
    return runtime_error (cmd, "--w-out %s and --h-out %s are the same "
        "file: W and H need two", wout, hout);

  st = nmf_npy_read (in, &x, &m, &n, err, sizeof (err));
  if (st != NMF_OK)
    return runtime_error (cmd, "%s", err);
  if ((bad = first_not_finite (x, m, n)) >= 0) {
    ret = runtime_error (cmd, "%s: X holds %s at row %lld, column %lld; "
        "both methods need finite entries", in, isnan (x[bad]) ? "NaN"
        : x[bad] > 0 ? "+Inf" : "-Inf", bad / (long long) n,
        bad % (long long) n);
    free (x);
    return ret;
  }
  if (rank > m || rank > n) {
    free (x);
    return runtime_error (cmd, "rank %lu exceeds min(M, N) = %zu for X of "
        "shape (%zu, %zu)", rank, m < n ? m : n, m, n);
  }
  w = malloc (m * rank * sizeof (double));
  h = malloc (n * rank * sizeof (double));
  if (w == NULL || h == NULL) {
    ret = runtime_error (cmd, "out of memory");
    goto out;
  }

  if (strcmp (method, "kl") == 0) {
    nmf_kl_batch_options opt;
    nmf_kl_batch *s = NULL;
    double d = 0.0;
    size_t done = 0;

    nmf_kl_batch_options_init (&opt);
    opt.seed = seed;
    if (have_iterations)
      opt.max_iterations = (int) iterations;
    st = nmf_kl_batch_create (&s, m, n, rank, &opt, NULL, 0);
    if (st == NMF_OK)
      st = nmf_kl_batch_solve (s, x, w, h, &d, &done, NULL, 0);
    nmf_kl_batch_destroy (&s);
    if (st == NMF_ERR_NOT_FINITE || (st == NMF_OK && (!isfinite (d)
                || !all_finite (w, m * rank) || !all_finite (h, n * rank)))) {
      ret = overflow_error (cmd, in, "KL-NMF", x, m, n);
      goto out;
    }
    if (st == NMF_ERR_NEGATIVE) {
      ret = runtime_error (cmd, "%s: X has negative entries; KL-NMF needs "
          "X >= 0 (use --method volmin)", in);
      goto out;
    }
    if (st != NMF_OK) {
      ret = runtime_error (cmd, "%s: KL-NMF failed: %s", in,
          nmf_strerror (st));
      goto out;
    }
    if (!quiet)
      fprintf (stderr, "%s %s: kl rank %lu on %zu x %zu: divergence %.6g "
          "after %zu iterations\n", prog, cmd, rank, m, n, d, done);
  } else {
    nmf_volmin_options opt;
    nmf_volmin *s = NULL;
    nmf_volmin_info info;

    /* the solver works with ||X||_F^2: past about 1e154 it overflows and
     * the SVD (a rank "below R") or the residual (NaN) fails */
    {
      double ss = 0.0;
      for (size_t i = 0; i < m * n; i++)
        ss += x[i] * x[i];
      if (!isfinite (ss)) {
        ret = overflow_error (cmd, in, "volmin", x, m, n);
        goto out;
      }
    }
    nmf_volmin_options_init (&opt);
    opt.seed = seed;
    opt.lambda = lambda;
    if (have_iterations) {
      if (lambda > 0.0)
        opt.reg_iterations = (int) iterations;
      else
        opt.max_sweeps = (int) iterations;
    }
    st = nmf_volmin_create (&s, m, n, rank, &opt, NULL, 0);
    if (st != NMF_OK) {
      ret = runtime_error (cmd, "cannot set up volmin: %s",
          nmf_strerror (st));
      goto out;
    }
    st = nmf_volmin_solve (s, x, w, h, err, sizeof (err));
    nmf_volmin_get_info (s, &info);
    if ((st == NMF_OK || st == NMF_ERR_NOT_CONVERGED)
        && (!isfinite (info.residual) || (lambda > 0.0
                && !isfinite (info.objective)) || !all_finite (w, m * rank)
            || !all_finite (h, n * rank)))
      st = NMF_ERR_NOT_FINITE;
    if (st == NMF_ERR_NOT_FINITE) {
      ret = overflow_error (cmd, in, "volmin", x, m, n);
      nmf_volmin_destroy (&s);
      nmf_volmin_thread_cleanup ();
      goto out;
    }
    if (st == NMF_ERR_NOT_CONVERGED)
      warning (cmd, "%s; writing the last iterate", err);
    else if (st != NMF_OK) {
      ret = runtime_error (cmd, "%s: volmin failed: %s", in,
          err[0] ? err : nmf_strerror (st));
      nmf_volmin_destroy (&s);
      nmf_volmin_thread_cleanup ();
      goto out;
    }
    nmf_volmin_destroy (&s);
    nmf_volmin_thread_cleanup ();
    if (!quiet) {
      if (lambda > 0.0)
        fprintf (stderr, "%s %s: volmin rank %lu on %zu x %zu, lambda %g: "
            "relative residual %.3g, objective %.6g, %zu iterations\n", prog,
            cmd, rank, m, n, lambda, info.residual, info.objective,
            info.reg_iterations);
      else
        fprintf (stderr, "%s %s: volmin rank %lu on %zu x %zu: relative "
            "residual %.3g, %zu sweeps, %zu LPs, |det Q| %.6g\n", prog, cmd,
            rank, m, n, info.residual, info.sweeps, info.lp_solves,
            info.abs_det_q);
    }
  }

  /* a failed write leaves no file that was not there before (the writer
   * removes the file it fails on; W is removed here if H fails) */
  w_existed = access (wout, F_OK) == 0;
  h_existed = access (hout, F_OK) == 0;
  st = nmf_npy_write (wout, w, m, rank, err, sizeof (err));
  if (st == NMF_OK)
    st = nmf_npy_write (hout, h, n, rank, err, sizeof (err));
  if (st != NMF_OK) {
    ret = runtime_error (cmd, "%s", err);
    if (!w_existed)
      unlink (wout);
    if (!h_existed)
      unlink (hout);
    goto out;
  }
  ret = 0;

out:
  free (x);
  free (w);
  free (h);
  return ret;
}

/* ---- dispatch ----------------------------------------------------------- */

typedef struct
{
  const char *name;
  int (*run) (int argc, char **argv);
  const char *summary;
  const char *help;
} command;

static const command commands[] = {
  {"factorize", cmd_factorize, "factor X ~ W H^T (volume-min or KL-NMF)",
      factorize_help},
  {"separate", nmftool_cmd_separate,
      "separate an audio file into one WAV per source (nmfseparate)",
      nmftool_separate_help},
  {"learn", nmftool_cmd_learn,
      "learn a dictionary of one source from example audio",
      nmftool_learn_help},
};

#define N_COMMANDS (sizeof (commands) / sizeof (commands[0]))

static void
print_help (FILE * f)
{
  size_t i;

  fprintf (f, "usage: %s COMMAND [OPTIONS]\n"
      "       %s --help | --version\n\nCommands:\n", prog, prog);
  for (i = 0; i < N_COMMANDS; i++)
    fprintf (f, "  %-12s %s\n", commands[i].name, commands[i].summary);
  fprintf (f, "\nExit status: 0 success (possibly with a warning), "
      "1 bad data, I/O or solver\nfailure (separate: pipeline error), "
      "2 bad command line, 130 interrupted\n(separate, Ctrl-C; 143 for "
      "SIGTERM, 129 for SIGHUP). Errors are one line\non stderr.\n");
  for (i = 0; i < N_COMMANDS; i++) {
    fputc ('\n', f);
    fputs (commands[i].help, f);
  }
}

int
main (int argc, char **argv)
{
  size_t i;

  if (argc < 2)
    return usage_error (NULL, "no command given");
  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0
      || strcmp (argv[1], "help") == 0) {
    print_help (stdout);
    return 0;
  }
  if (strcmp (argv[1], "--version") == 0 || strcmp (argv[1], "-V") == 0) {
    printf ("%s (gst-nmf) %s\n", prog, NMF_VERSION);
    return 0;
  }
  for (i = 0; i < N_COMMANDS; i++)
    if (strcmp (argv[1], commands[i].name) == 0)
      return commands[i].run (argc - 1, argv + 1);
  return usage_error (NULL, "unknown command '%s'", argv[1]);
}
