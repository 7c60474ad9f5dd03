/* A .npy output written whole or not at all: to a temporary file beside
 * the file it replaces, renamed over it once written, so that a failed
 * write (a full disk, an interrupted run) leaves the file that was there
 * as it was.  An output that exists and is no regular file (/dev/stdout, a
 * pipe, a device), or one a rename would change otherwise (hard links,
 * another user's, a mount point, in a directory that takes no new file),
 * is written in place, as nmf_npy_write_target says.  The core's
 * writer does the same for one file; nmftool factorize needs it for two (W
 * and H, or neither), and learn its check before the work. */
#ifndef NMFTOOL_NPY_OUTPUT_H
#define NMFTOOL_NPY_OUTPUT_H

#include <glib.h>

typedef struct
{
  const char *name;             /* as given */
  char *target;                 /* NAME with its links followed (malloc) */
  gchar *tmp;                   /* the temporary file, while there is one */
  const char *path;             /* what the caller writes: TMP, or NAME
                                 * itself when it is written in place */
} NpyOutput;

/* Whether NAME can be written, before any work is done: NAME is no
 * directory, no write-protected file, and a temporary file can be made
 * beside it (the directory exists and is writable) unless it is written
 * in place.  0, or the exit status with the error said; nothing is
 * left behind. */
int npy_output_check (const char *cmd, const char *name);

/* Makes OUT's temporary file (beside the file a symbolic link names, so
 * that the link stays a link; with the permissions of the file it
 * replaces): the caller writes out->path.  0, or the exit status with the
 * error said. */
int npy_output_open (const char *cmd, NpyOutput * out, const char *name);

/* The error of a writer of out->path, said with NAME in place of the
 * temporary file's name (the user knows NAME); the exit status. */
int npy_output_write_error (const char *cmd, const NpyOutput * out,
    const char *err);

/* Renames the temporary file over the output (if there is one): 0, or the exit status with
 * the error said. */
int npy_output_commit (const char *cmd, NpyOutput * out);

/* Removes the temporary file if there is one still, frees the names. */
void npy_output_clear (NpyOutput * out);

#endif
