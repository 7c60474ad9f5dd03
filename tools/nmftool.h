/* What every nmftool subcommand shares: its exit statuses, its one-line
 * messages, strict number parsing (cli.c), and the subcommands themselves
 * for the dispatch table (nmftool.c). */
#ifndef NMFTOOL_H
#define NMFTOOL_H

#define EXIT_RUNTIME 1          /* bad data, I/O, solver or pipeline failure */
#define EXIT_USAGE 2            /* bad command line */
#define EXIT_INTERRUPTED 130    /* Ctrl-C (128 + SIGINT) */
#define EXIT_HUNGUP 129         /* 128 + SIGHUP */
#define EXIT_TERMINATED 143     /* kill, 128 + SIGTERM */

extern const char *prog;

/* One line on stderr, "nmftool CMD: error: ... (see 'nmftool --help')";
 * returns EXIT_USAGE. */
int usage_error (const char *cmd, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));
/* One line on stderr, "nmftool CMD: error: ..."; returns EXIT_RUNTIME. */
int runtime_error (const char *cmd, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));
void warning (const char *cmd, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));

/* The usage error for what getopt_long returned as ':' (an option without
 * its argument) or anything else it did not know; the option is
 * argv[optind - 1]. */
int option_error (const char *cmd, int getopt_result, char **argv);

/* A file argument given as "" (an unset shell variable) is a usage error
 * naming WHAT ("INPUT", "--out"), not a failed open of "": EXIT_USAGE, or
 * 0 when NAME is not empty. */
int check_name_given (const char *cmd, const char *what, const char *name);

/* What an option parser returns when the command is to run; anything
 * else is the exit status (0 after --help). */
#define NMFTOOL_RUN (-1)

/* Strict parsing of the whole string; 0 on success, -1 otherwise. */
int parse_ulong (const char *s, unsigned long min, unsigned long max,
    unsigned long *out);
int parse_u64 (const char *s, unsigned long long *out);
int parse_double (const char *s, double *out);

/* The subcommands: a help text and a run function each. */
extern const char nmftool_factorize_help[];
int nmftool_cmd_factorize (int argc, char **argv);

extern const char nmftool_separate_help[];
int nmftool_cmd_separate (int argc, char **argv);

extern const char nmftool_learn_help[];
int nmftool_cmd_learn (int argc, char **argv);

#endif
