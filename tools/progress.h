/* The progress of a run on stderr: position / duration, speed in times
 * real time, time left; a bar redrawn in place on a terminal, plain lines
 * otherwise. */
#ifndef NMFTOOL_PROGRESS_H
#define NMFTOOL_PROGRESS_H

#include <stddef.h>
#include <gst/gst.h>

typedef enum
{
  PROGRESS_NONE,
  PROGRESS_LINES,               /* a line per 10 % passed, or per minute of audio
                                 * when the duration is unknown */
  PROGRESS_BAR
} ProgressMode;

typedef struct
{
  const char *cmd;
  ProgressMode mode;
  gint64 start_us;              /* monotonic time the run started */
  GstClockTime duration;        /* of the input, NONE until known */
  int last_decile;              /* lines: the last 10 % step printed */
  GstClockTime last_line_pos;   /* lines without a duration: where the
                                 * last one was printed */
  gboolean bar_drawn;           /* bar: a line stands to be cleared */
} Progress;

void progress_init (Progress * p, const char *cmd, ProgressMode mode);
/* The clock of the speed and the time left starts now. */
void progress_start (Progress * p);
double progress_elapsed_seconds (const Progress * p);
/* Shows POSITION (stream time); FINAL for the last call of a run that
 * ended well. */
void progress_update (Progress * p, GstClockTime position, gboolean final);
/* Takes the bar off the screen, before any other line is printed. */
void progress_clear (Progress * p);

/* S seconds as M:SS.s, or H:MM:SS from an hour on. */
void format_time (char *buf, size_t len, double s);
/* A speed in times real time: whole from 10 on, two digits below (0.45,
 * 3.2: "0x" said nothing about a run slower than real time). */
void format_speed (char *buf, size_t len, double x);

#endif
