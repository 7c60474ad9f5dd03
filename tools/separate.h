/* What the parts of nmftool separate share (separate.c runs the command;
 * separate_options.c, separate_files.c and separate_pipeline.c are its
 * command line, its output files and its GStreamer pipeline). */
#ifndef NMFTOOL_SEPARATE_H
#define NMFTOOL_SEPARATE_H

#include <glib.h>

#define SEPARATE_CMD "separate"
#define SEPARATE_MAX_SOURCES 16

/* Errors found by nmftool's own checks in the streaming thread, posted as
 * error messages; the bus handler prints their text as it is. */
#define NMFTOOL_ERROR (g_quark_from_static_string ("nmftool-error"))

#endif
