/* Shared by the nmftool subcommands (nmftool.c, separate.c). */
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

/* Strict parsing of the whole string; 0 on success, -1 otherwise. */
int parse_ulong (const char *s, unsigned long min, unsigned long max,
    unsigned long *out);
int parse_u64 (const char *s, unsigned long long *out);
int parse_double (const char *s, double *out);

/* 1 when the paths A and B name the same file: by device and inode when
 * both exist (symbolic and hard links included), otherwise by the device
 * and inode of the directory that holds them and their last component
 * (dangling symbolic links followed), so two names of a file that is yet
 * to be written compare equal too; 0 otherwise. */
int same_file (const char *a, const char *b);

/* nmftool separate (separate.c) */
extern const char nmftool_separate_help[];
int nmftool_cmd_separate (int argc, char **argv);

/* nmftool learn (learn.c) */
extern const char nmftool_learn_help[];
int nmftool_cmd_learn (int argc, char **argv);

#endif
