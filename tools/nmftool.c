/* nmftool: command-line front end to gst-nmf.
 *
 *   nmftool factorize --method volmin|kl --rank R --in X.npy
 *                     --w-out W.npy --h-out H.npy [options]  (factorize.c)
 *   nmftool separate --sources N [options] INPUT OUTDIR      (separate.c)
 *   nmftool learn --components K --in EXAMPLE --out DICT.npy (learn.c)
 *
 * This file is the dispatch and the top-level --help and --version; a
 * subcommand is one entry in the table below. */
#include <stdio.h>
#include <string.h>

#include "nmftool.h"

typedef struct
{
  const char *name;
  int (*run) (int argc, char **argv);
  const char *summary;
  const char *help;
} command;

static const command commands[] = {
  {"factorize", nmftool_cmd_factorize,
      "factor X ~ W H^T (volume-min or KL-NMF)", nmftool_factorize_help},
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
