/* nmftool factorize: X ~ W H^T for a matrix in a .npy file, by the core's
 * batch solvers (volume minimization or KL-NMF). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include <nmf/error.h>
#include <nmf/factorize.h>
#include <nmf/npy.h>

#include "nmftool.h"
#include "npy_output.h"
#include "same_file.h"

static const char *const cmd = "factorize";

const char nmftool_factorize_help[] =
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
    "                    X may have any sign and any scale: it is\n"
    "                    factored scaled by a power of two, and W (which\n"
    "                    carries the scale) scaled back; only a W beyond\n"
    "                    the largest double (X near 1e308) is refused.\n"
    "  --method kl       KL-NMF (Lee-Seung multiplicative updates), W, H >= 0,\n"
    "                    columns of W summing to 1. Needs X >= 0. X is\n"
    "                    factored scaled by a power of two to a largest\n"
    "                    entry of 1 to 2, and H (which carries the scale)\n"
    "                    scaled back, so X near the smallest doubles\n"
    "                    (1e-308) factors as X of order one does.\n"
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
    "written then, nor left behind by a failed write: W and H are written\n"
    "to temporary files beside them (.NAME.XXXXXX) and renamed over the\n"
    "outputs once both are, so files already there stay as they were\n"
    "unless both are replaced; the summary line comes after that. An\n"
    "output that cannot be created (a missing directory) is refused\n"
    "before the work; one that is no regular file (/dev/stdout, a pipe),\n"
    "or one a rename would change otherwise (hard links, another user's,\n"
    "a mount point, a directory that takes no new file), is written in\n"
    "place, when it is written (W before H).\n";

typedef struct
{
  const char *method, *in, *wout, *hout;
  unsigned long rank, iterations;
  unsigned long long seed;
  double lambda;
  int have_lambda, have_iterations, quiet;
} FactorizeOptions;

/* The options, checked as far as they can be without reading X:
 * NMFTOOL_RUN, or the exit status. */
static int
parse_options (FactorizeOptions * o, int argc, char **argv)
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
  int c, ret;

  memset (o, 0, sizeof *o);
  optind = 1;
  opterr = 0;
  while ((c = getopt_long (argc, argv, ":qh", longopts, NULL)) != -1) {
    switch (c) {
      case 'm':
        o->method = optarg;
        break;
      case 'r':
        if (parse_ulong (optarg, 1, 100000, &o->rank) < 0)
          return usage_error (cmd, "--rank needs a positive integer, got '%s'",
              optarg);
        break;
      case 'i':
        o->in = optarg;
        break;
      case 'W':
        o->wout = optarg;
        break;
      case 'H':
        o->hout = optarg;
        break;
      case 'l':
        if (parse_double (optarg, &o->lambda) < 0 || o->lambda < 0.0
            || o->lambda > 1.0)
          return usage_error (cmd, "--lambda needs a number in [0, 1], "
              "got '%s'", optarg);
        o->have_lambda = 1;
        break;
      case 'n':
        if (parse_ulong (optarg, 1, 100000000, &o->iterations) < 0)
          return usage_error (cmd, "--iterations needs a positive integer, "
              "got '%s'", optarg);
        o->have_iterations = 1;
        break;
      case 's':
        if (parse_u64 (optarg, &o->seed) < 0)
          return usage_error (cmd, "--seed needs a non-negative integer, "
              "got '%s'", optarg);
        break;
      case 'q':
        o->quiet = 1;
        break;
      case 'h':
        fputs (nmftool_factorize_help, stdout);
        return 0;
      default:
        return option_error (cmd, c, argv);
    }
  }
  if (optind < argc)
    return usage_error (cmd, "unexpected argument '%s'", argv[optind]);
  if (o->method == NULL)
    return usage_error (cmd, "--method is required (volmin or kl)");
  if (strcmp (o->method, "volmin") != 0 && strcmp (o->method, "kl") != 0)
    return usage_error (cmd, "unknown method '%s' (volmin or kl)",
        o->method);
  if (o->rank == 0)
    return usage_error (cmd, "--rank is required");
  if (o->in == NULL || o->wout == NULL || o->hout == NULL)
    return usage_error (cmd, "--in, --w-out and --h-out are required");
  if ((ret = check_name_given (cmd, "--in", o->in))
      || (ret = check_name_given (cmd, "--w-out", o->wout))
      || (ret = check_name_given (cmd, "--h-out", o->hout)))
    return ret;
  if (o->have_lambda && strcmp (o->method, "kl") == 0)
    return usage_error (cmd, "--lambda applies to --method volmin only");
  return NMFTOOL_RUN;
}

/* The first entry of the m x n row-major X that is not finite, or -1. */
static long long
first_not_finite (const double *x, size_t m, size_t n)
{
  for (size_t i = 0; i < m * n; i++)
    if (!isfinite (x[i]))
      return (long long) i;
  return -1;
}

static int
all_finite (const double *a, size_t len)
{
  return first_not_finite (a, len, 1) < 0;
}

/* The failure of a solver on a finite X: its sums and products overflowed
 * double precision.  Says so, with the largest entry. */
static int
overflow_error (const char *in, const char *method, const double *x,
    size_t m, size_t n)
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

/* The solvers' summary lines are said once W and H are in place. */
#define SUMMARY_SIZE 512

/* KL-NMF is scale-equivariant: X scaled by c gives the same W and H
 * scaled by c (W's columns sum to one, H carries the scale).  The solver
 * clamps W H^T at DBL_MIN, so X near that (largest entry 1e-308) came out
 * as W H^T ~ 0: X is factored scaled to a largest entry in [1, 2) by a
 * power of two, which is exact (the iterates are those of the unscaled X,
 * scaled, wherever nothing underflowed or overflowed), and H and the
 * divergence are scaled back. */
static int
solve_kl (const FactorizeOptions * o, const double *x, size_t m, size_t n,
    double *w, double *h, char *summary)
{
  nmf_kl_batch_options opt;
  nmf_kl_batch *s = NULL;
  nmf_status st;
  double d = 0.0, xmax = 0.0, *xs;
  size_t done = 0;
  int e = 0;

  for (size_t i = 0; i < m * n; i++)
    if (x[i] > xmax)
      xmax = x[i];
  if (xmax > 0.0)
    e = ilogb (xmax);
  if ((xs = malloc (m * n * sizeof (double))) == NULL)
    return runtime_error (cmd, "out of memory");
  for (size_t i = 0; i < m * n; i++)
    xs[i] = ldexp (x[i], -e);
  nmf_kl_batch_options_init (&opt);
  opt.seed = o->seed;
  if (o->have_iterations)
    opt.max_iterations = (int) o->iterations;
  st = nmf_kl_batch_create (&s, m, n, o->rank, &opt, NULL, 0);
  if (st == NMF_OK)
    st = nmf_kl_batch_solve (s, xs, w, h, &d, &done, NULL, 0);
  nmf_kl_batch_destroy (&s);
  free (xs);
  if (st == NMF_OK) {
    for (size_t i = 0; i < n * o->rank; i++)
      h[i] = ldexp (h[i], e);
    d = ldexp (d, e);
  }
  if (st == NMF_ERR_NOT_FINITE || (st == NMF_OK && (!isfinite (d)
              || !all_finite (w, m * o->rank)
              || !all_finite (h, n * o->rank))))
    return overflow_error (o->in, "KL-NMF", x, m, n);
  if (st == NMF_ERR_NEGATIVE)
    return runtime_error (cmd, "%s: X has negative entries; KL-NMF needs "
        "X >= 0 (use --method volmin)", o->in);
  if (st != NMF_OK)
    return runtime_error (cmd, "%s: KL-NMF failed: %s", o->in,
        nmf_strerror (st));
  snprintf (summary, SUMMARY_SIZE, "kl rank %lu on %zu x %zu: divergence "
      "%.6g after %zu iterations", o->rank, m, n, d, done);
  return 0;
}

static int
solve_volmin (const FactorizeOptions * o, const double *x, size_t m,
    size_t n, double *w, double *h, char *summary)
{
  nmf_volmin_options opt;
  nmf_volmin *s = NULL;
  nmf_volmin_info info;
  nmf_status st;
  char err[256];

  /* the solver factors X at its own scale; only a W beyond DBL_MAX fails
   * (NMF_ERR_NOT_FINITE, said as an overflow below) */
  nmf_volmin_options_init (&opt);
  opt.seed = o->seed;
  opt.lambda = o->lambda;
  if (o->have_iterations) {
    if (o->lambda > 0.0)
      opt.reg_iterations = (int) o->iterations;
    else
      opt.max_sweeps = (int) o->iterations;
  }
  st = nmf_volmin_create (&s, m, n, o->rank, &opt, NULL, 0);
  if (st != NMF_OK)
    return runtime_error (cmd, "cannot set up volmin: %s",
        nmf_strerror (st));
  st = nmf_volmin_solve (s, x, w, h, err, sizeof (err));
  nmf_volmin_get_info (s, &info);
  nmf_volmin_destroy (&s);
  nmf_volmin_thread_cleanup ();
  /* the objective, of order ||X||^2, may exceed DBL_MAX where W and H
   * do not: the summary then says inf */
  if ((st == NMF_OK || st == NMF_ERR_NOT_CONVERGED)
      && (!isfinite (info.residual) || !all_finite (w, m * o->rank)
          || !all_finite (h, n * o->rank)))
    st = NMF_ERR_NOT_FINITE;
  if (st == NMF_ERR_NOT_FINITE)
    return overflow_error (o->in, "volmin", x, m, n);
  if (st == NMF_ERR_NOT_CONVERGED)
    warning (cmd, "%s; writing the last iterate", err);
  else if (st != NMF_OK)
    return runtime_error (cmd, "%s: volmin failed: %s", o->in,
        err[0] ? err : nmf_strerror (st));
  if (o->lambda > 0.0)
    snprintf (summary, SUMMARY_SIZE, "volmin rank %lu on %zu x %zu, "
        "lambda %g: relative residual %.3g, objective %.6g, %zu iterations",
        o->rank, m, n, o->lambda, info.residual, info.objective,
        info.reg_iterations);
  else
    snprintf (summary, SUMMARY_SIZE, "volmin rank %lu on %zu x %zu: "
        "relative residual %.3g, %zu sweeps, %zu LPs, |det Q| %.6g", o->rank,
        m, n, info.residual, info.sweeps, info.lp_solves, info.abs_det_q);
  return 0;
}

/* A second name for an existing TARGET, so that a file replaced first can
 * be put back if the second rename fails; NULL when there is nothing to
 * keep or no link can be made (a file system without hard links). */
static gchar *
backup_link (const char *target)
{
  gchar *dir, *base, *path;

  if (access (target, F_OK) != 0)
    return NULL;
  dir = g_path_get_dirname (target);
  base = g_path_get_basename (target);
  for (int attempt = 0; attempt < 100; attempt++) {
    path = g_strdup_printf ("%s/.%s.old.%08x", dir, base, g_random_int ());
    if (link (target, path) == 0)
      break;
    g_clear_pointer (&path, g_free);
    if (errno != EEXIST)
      break;
  }
  g_free (dir);
  g_free (base);
  return path;
}

/* W and H, or neither: both are written to temporary files first, and
 * only then renamed over the outputs, so a failed write leaves the files
 * that were there as they were (and no new one).  If the second rename
 * fails, the first output is put back as it was. */
static int
write_factors (const FactorizeOptions * o, const double *w, size_t m,
    const double *h, size_t n)
{
  NpyOutput wo = { NULL, NULL, NULL, NULL }, ho = { NULL, NULL, NULL, NULL };
  gchar *backup = NULL;
  char err[512];
  int ret, w_renamed, w_existed, e;

  if ((ret = npy_output_open (cmd, &wo, o->wout)) != 0)
    goto out;
  if (nmf_npy_write (wo.path, w, m, o->rank, err, sizeof (err)) != NMF_OK) {
    ret = npy_output_write_error (cmd, &wo, err);
    goto out;
  }
  if ((ret = npy_output_open (cmd, &ho, o->hout)) != 0)
    goto out;
  if (nmf_npy_write (ho.path, h, n, o->rank, err, sizeof (err)) != NMF_OK) {
    ret = npy_output_write_error (cmd, &ho, err);
    goto out;
  }
  /* W written in place (a device) has nothing to rename or put back */
  w_renamed = wo.tmp != NULL;
  w_existed = w_renamed && access (wo.target, F_OK) == 0;
  backup = w_renamed ? backup_link (wo.target) : NULL;
  if ((ret = npy_output_commit (cmd, &wo)) != 0)
    goto out;
  if (ho.tmp != NULL && rename (ho.tmp, ho.target) != 0) {
    gboolean w_replaced = FALSE;
    e = errno;
    if (backup && rename (backup, wo.target) == 0)
      g_clear_pointer (&backup, g_free);
    else if (w_renamed && !w_existed)
      unlink (wo.target);
    else
      w_replaced = TRUE;
    ret = runtime_error (cmd, "cannot write '%s': %s%s%s%s", o->hout,
        g_strerror (e), w_replaced ? "; '" : "", w_replaced ? o->wout : "",
        w_replaced ? "' holds the new W all the same" : "");
    goto out;
  }
  g_clear_pointer (&ho.tmp, g_free);
out:
  if (backup)
    unlink (backup);
  g_free (backup);
  npy_output_clear (&wo);
  npy_output_clear (&ho);
  return ret;
}

int
nmftool_cmd_factorize (int argc, char **argv)
{
  FactorizeOptions o;
  double *x = NULL, *w = NULL, *h = NULL;
  size_t m, n;
  char err[256], summary[SUMMARY_SIZE] = "";
  long long bad;
  int ret;

  if ((ret = parse_options (&o, argc, argv)) != NMFTOOL_RUN)
    return ret;
  /* never write over the input, nor W and H into one file */
  if (same_file (o.wout, o.in) || same_file (o.hout, o.in))
    return runtime_error (cmd, "%s %s is the input file %s: refusing to "
        "write over it", same_file (o.wout, o.in) ? "--w-out" : "--h-out",
        same_file (o.wout, o.in) ? o.wout : o.hout, o.in);
  if (same_file (o.wout, o.hout))
    return runtime_error (cmd, "--w-out %s and --h-out %s are the same "
        "file: W and H need two", o.wout, o.hout);

  /* an output that cannot be written is said before the work */
  if ((ret = npy_output_check (cmd, o.wout)) != 0
      || (ret = npy_output_check (cmd, o.hout)) != 0)
    return ret;
  if (nmf_npy_read (o.in, &x, &m, &n, err, sizeof (err)) != NMF_OK)
    return runtime_error (cmd, "%s: %s", o.in, err);
  if ((bad = first_not_finite (x, m, n)) >= 0) {
    ret = runtime_error (cmd, "%s: X holds %s at row %lld, column %lld; "
        "both methods need finite entries", o.in, isnan (x[bad]) ? "NaN"
        : x[bad] > 0 ? "+Inf" : "-Inf", bad / (long long) n,
        bad % (long long) n);
    goto out;
  }
  if (o.rank > m || o.rank > n) {
    ret = runtime_error (cmd, "%s: rank %lu exceeds min(M, N) = %zu for X "
        "of shape (%zu, %zu)", o.in, o.rank, m < n ? m : n, m, n);
    goto out;
  }
  w = malloc (m * o.rank * sizeof (double));
  h = malloc (n * o.rank * sizeof (double));
  if (w == NULL || h == NULL) {
    ret = runtime_error (cmd, "out of memory");
    goto out;
  }
  ret = strcmp (o.method, "kl") == 0 ? solve_kl (&o, x, m, n, w, h, summary)
      : solve_volmin (&o, x, m, n, w, h, summary);
  if (ret == 0)
    ret = write_factors (&o, w, m, h, n);
  if (ret == 0 && !o.quiet)
    fprintf (stderr, "%s %s: %s\n", prog, cmd, summary);

out:
  free (x);
  free (w);
  free (h);
  return ret;
}
