/* The command-line conventions every subcommand follows: errors and
 * warnings are one line on stderr, numbers are parsed whole or refused. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "nmftool.h"

const char *prog = "nmftool";

/* "nmftool CMD: KIND: message", with the pointer to --help on the same
 * line for usage errors so that a script's log keeps them together. */
static void
message_line (const char *cmd, const char *kind, int help_hint,
    const char *fmt, va_list ap)
{
  fprintf (stderr, "%s%s%s: %s: ", prog, cmd ? " " : "", cmd ? cmd : "",
      kind);
  vfprintf (stderr, fmt, ap);
  if (help_hint)
    fprintf (stderr, " (see '%s --help')", prog);
  fputc ('\n', stderr);
}

int
usage_error (const char *cmd, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  message_line (cmd, "error", 1, fmt, ap);
  va_end (ap);
  return EXIT_USAGE;
}

int
runtime_error (const char *cmd, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  message_line (cmd, "error", 0, fmt, ap);
  va_end (ap);
  return EXIT_RUNTIME;
}

void
warning (const char *cmd, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  message_line (cmd, "warning", 0, fmt, ap);
  va_end (ap);
}

int
option_error (const char *cmd, int getopt_result, char **argv)
{
  if (getopt_result == ':')
    return usage_error (cmd, "option '%s' needs an argument",
        argv[optind - 1]);
  return usage_error (cmd, "unknown option '%s'", argv[optind - 1]);
}

int
check_name_given (const char *cmd, const char *what, const char *name)
{
  if (name == NULL || *name != '\0')
    return 0;
  return usage_error (cmd, "%s is an empty string: give a file name", what);
}

/* Signs are refused rather than left to strtoul, which would wrap "-1"
 * round to ULONG_MAX. */
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
