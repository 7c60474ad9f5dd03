/* SIGINT (Ctrl-C), SIGTERM (kill, a service manager, timeout) and SIGHUP
 * (the terminal closed) all mean "stop", delivered in the main loop. */
#ifndef NMFTOOL_SIGNALS_H
#define NMFTOOL_SIGNALS_H

#include <glib.h>

typedef void (*StopFunc) (int signum, gpointer data);

typedef struct
{
  guint sources[3];
} StopSignals;

/* ON_STOP (SIGNUM, DATA) runs in the default main context at each of
 * those signals until stop_signals_unwatch. */
void stop_signals_watch (StopSignals * s, StopFunc on_stop, gpointer data);
void stop_signals_unwatch (StopSignals * s);

/* What the signal did, for messages: "interrupted", "terminated
 * (SIGTERM)", "hung up (SIGHUP)". */
const char *stop_signal_what (int signum);
/* How the user sends it again: "Ctrl-C" or "the signal". */
const char *stop_signal_again (int signum);

#endif
