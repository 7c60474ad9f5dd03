/* The command line of nmftool separate, and the nmfseparate element it
 * configures. */
#ifndef NMFTOOL_SEPARATE_OPTIONS_H
#define NMFTOOL_SEPARATE_OPTIONS_H

#include <gst/gst.h>

#include "progress.h"

typedef struct
{
  guint n_sources;
  const char *algorithm;        /* NULL: the element's default */
  const char *components;       /* NULL: the element's default */
  const char *profile;
  GPtrArray *dictionaries;      /* the --dictionary SRC=FILE arguments */
  GPtrArray *sets;              /* the --set PROP=VALUE arguments */
  const char *format;           /* raw audio format of the files */
  const char *format_label;     /* the same, for the summary line */
  gboolean count_clips;         /* 16-bit files: count what they clip */
  ProgressMode progress;
  gboolean quiet;
  const char *input;
  const char *outdir;
} SeparateOptions;

/* NMFTOOL_RUN, or the exit status (0 after --help). */
int separate_options_parse (SeparateOptions * o, int argc, char **argv);
void separate_options_clear (SeparateOptions * o);

/* nmfseparate (a reference the caller owns) with the properties the
 * options set, each one checked; or NULL, the error said and *ret set. */
GstElement *separate_element_new (const SeparateOptions * o, int *ret);

/* The files SEP's 'dictionaries' property names, however it was set
 * (--dictionary or --set dictionaries=...), as the element will read them;
 * a new array of new strings (empty without the property). */
GPtrArray *separate_element_dictionary_files (GstElement * sep);

#endif
