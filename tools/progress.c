/* Progress on stderr while a pipeline runs (see progress.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "nmftool.h"
#include "progress.h"

void
format_speed (char *buf, size_t len, double x)
{
  if (!isfinite (x) || x < 0)
    x = 0;
  if (x > 0 && x < 0.01)
    snprintf (buf, len, "<0.01");
  else
    snprintf (buf, len, x >= 10 ? "%.0f" : "%.2g", x);
}

void
format_time (char *buf, size_t len, double s)
{
  if (!isfinite (s) || s < 0)
    s = 0;
  if (s >= 3600) {
    long t = (long) s;
    snprintf (buf, len, "%ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
  } else {
    int m = (int) (s / 60);
    double r = s - 60.0 * m;
    if (r >= 59.95) {           /* would print as 60.0 */
      m++;
      r = 0;
    }
    snprintf (buf, len, "%d:%04.1f", m, r);
  }
}

void
progress_init (Progress * p, const char *cmd, ProgressMode mode)
{
  memset (p, 0, sizeof *p);
  p->cmd = cmd;
  p->mode = mode;
  p->duration = GST_CLOCK_TIME_NONE;
  p->last_line_pos = GST_CLOCK_TIME_NONE;
}

void
progress_start (Progress * p)
{
  p->start_us = g_get_monotonic_time ();
}

double
progress_elapsed_seconds (const Progress * p)
{
  return (g_get_monotonic_time () - p->start_us) / 1e6;
}

void
progress_clear (Progress * p)
{
  if (p->bar_drawn) {
    fputs ("\r\033[K", stderr);
    fflush (stderr);
    p->bar_drawn = FALSE;
  }
}

static int
terminal_width (void)
{
  struct winsize ws;
  if (ioctl (STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40)
    return ws.ws_col;
  return 80;
}

/* Where a run stands, in numbers and as the text shown */
typedef struct
{
  GstClockTime position;        /* stream time */
  double pos;                   /* seconds */
  double dur;                   /* seconds, -1 when unknown */
  double speed;                 /* times real time */
  char ps[32], ds[32], es[32];  /* position, duration, time left */
  char ss[16];                  /* speed */
} Reading;

static void
draw_bar (Progress * p, const Reading * r, gboolean final)
{
  int width = terminal_width ();
  char line[512];

  if (r->dur > 0) {
    double frac = r->pos / r->dur;
    int bar = width - 60, fill, i, n;
    if (bar > 40)
      bar = 40;
    if (bar < 10)
      bar = 10;
    fill = (int) (frac * bar + 0.5);
    n = snprintf (line, sizeof line, "[");
    for (i = 0; i < bar && n < (int) sizeof line - 2; i++)
      line[n++] = i < fill ? '#' : '-';
    snprintf (line + n, sizeof line - n,
        "] %3d%%  %s / %s  %sx  ETA %s",
        (int) fmin (100.0, frac * 100.0 + 1e-4), r->ps, r->ds, r->ss, r->es);
  } else {
    snprintf (line, sizeof line, "%s (duration unknown)  %sx", r->ps, r->ss);
  }
  if ((int) strlen (line) >= width)
    line[width - 1] = '\0';
  fprintf (stderr, "\r%s\033[K", line);
  if (final) {
    fputc ('\n', stderr);
    p->bar_drawn = FALSE;
  } else
    p->bar_drawn = TRUE;
  fflush (stderr);
}

static void
print_line (Progress * p, const Reading * r, gboolean final)
{
  if (r->dur > 0) {
    /* timestamps are rounded to nanoseconds: the end may fall a hair
     * short of the duration */
    double pct = fmin (100.0, r->pos / r->dur * 100.0 + 1e-4);
    int decile = (int) floor (pct / 10.0);
    if (decile > 10)
      decile = 10;
    if (decile <= p->last_decile)
      return;
    if (final && decile < 10)
      return;                   /* the summary line says where it ended */
    p->last_decile = decile;
    fprintf (stderr, "%s %s: %3d%%  %s / %s  %sx real time  ETA %s\n",
        prog, p->cmd, (int) pct, r->ps, r->ds, r->ss, r->es);
  } else {
    if (!GST_CLOCK_TIME_IS_VALID (r->position) || final
        || (GST_CLOCK_TIME_IS_VALID (p->last_line_pos)
            && r->position < p->last_line_pos + 60 * GST_SECOND))
      return;
    p->last_line_pos = r->position;
    fprintf (stderr, "%s %s: %s (duration unknown)  %sx real time\n",
        prog, p->cmd, r->ps, r->ss);
  }
  fflush (stderr);
}

void
progress_update (Progress * p, GstClockTime position, gboolean final)
{
  Reading r;
  double elapsed = progress_elapsed_seconds (p);

  if (p->mode == PROGRESS_NONE)
    return;
  r.position = position;
  r.pos = GST_CLOCK_TIME_IS_VALID (position)
      ? position / (double) GST_SECOND : 0.0;
  r.dur = GST_CLOCK_TIME_IS_VALID (p->duration)
      ? p->duration / (double) GST_SECOND : -1.0;
  /* while running, not from the first instants' noise; at the end,
   * whatever it took (a run of 20 ms said 100 % at "0x", ETA --:--, above
   * a summary of 63x) */
  r.speed = (elapsed > 0.05 || (final && elapsed > 0)) && r.pos > 0
      ? r.pos / elapsed : 0.0;
  if (r.dur > 0 && r.pos > r.dur)
    r.pos = r.dur;
  format_speed (r.ss, sizeof r.ss, r.speed);
  format_time (r.ps, sizeof r.ps, r.pos);
  format_time (r.ds, sizeof r.ds, r.dur);
  if (r.speed > 0 && r.dur > 0)
    format_time (r.es, sizeof r.es, (r.dur - r.pos) / r.speed);
  else
    g_strlcpy (r.es, "--:--", sizeof r.es);
  if (p->mode == PROGRESS_BAR)
    draw_bar (p, &r, final);
  else
    print_line (p, &r, final);
}
