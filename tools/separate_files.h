/* The files nmftool separate writes: OUTDIR/sourceI.wav, never one of the
 * files it reads, and nothing of them left behind by a run that fails. */
#ifndef NMFTOOL_SEPARATE_FILES_H
#define NMFTOOL_SEPARATE_FILES_H

#include <glib.h>

#include "separate.h"

typedef struct
{
  gchar *outdir;
  guint n;
  gchar *paths[SEPARATE_MAX_SOURCES];
  gboolean opened[SEPARATE_MAX_SOURCES];        /* the run's filesink opened
                                                 * (created or truncated) it */
  GPtrArray *created_dirs;      /* directories made here, outer first */
} OutputFiles;

/* The paths of N sources in OUTDIR; nothing is touched yet. */
void output_files_init (OutputFiles * f, const char *outdir, guint n);
void output_files_clear (OutputFiles * f);

/* Refuses (0, or the exit status with the error said) an output that is
 * the input (INPUT_LOCAL, its file name, NULL for a remote URI; INPUT as
 * the user wrote it) or one of the DICTIONARIES, the files the element
 * reads (separate_element_dictionary_files). */
int output_files_check_aliases (const OutputFiles * f, const char *input,
    const char *input_local, GPtrArray * dictionaries);

/* OUTDIR and its missing parents: 0, or the exit status with the error
 * said and what was made taken away again. */
int output_files_make_dir (OutputFiles * f);

/* Refuses (0, or the exit status with the error said) an output that
 * exists and cannot be written (a directory, a write-protected file, a
 * FIFO or a socket, which cannot take the header rewritten at the end),
 * so that a run that could not write all its files touches none. */
int output_files_check_writable (const OutputFiles * f);

/* After a failure: the files this run opened (f->opened: created or
 * truncated; a file it never opened is someone else's and stays; only
 * regular files: a link to a device is no output), then the
 * directories made for them that it leaves empty (only the directories:
 * before anything was written).  Returns the list of the files removed
 * ("" for none), newly allocated. */
gchar *output_files_remove (OutputFiles * f);
void output_files_remove_dirs (OutputFiles * f);

/* "DIR/source0.wav, DIR/source1.wav", newly allocated. */
gchar *output_files_list (const OutputFiles * f);

#endif
