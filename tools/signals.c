/* The stop signals, handled in the main loop (g_unix_signal_add) rather
 * than in a handler, so that the reaction may use anything. */
#include <signal.h>

#include <glib-unix.h>

#include "signals.h"

static const int stop_signums[] = { SIGINT, SIGTERM, SIGHUP };

typedef struct
{
  int signum;
  StopFunc on_stop;
  gpointer data;
} Watch;

static gboolean
on_signal (gpointer data)
{
  Watch *w = data;

  w->on_stop (w->signum, w->data);
  return G_SOURCE_CONTINUE;
}

void
stop_signals_watch (StopSignals * s, StopFunc on_stop, gpointer data)
{
  for (guint i = 0; i < G_N_ELEMENTS (stop_signums); i++) {
    Watch *w = g_new (Watch, 1);
    w->signum = stop_signums[i];
    w->on_stop = on_stop;
    w->data = data;
    s->sources[i] = g_unix_signal_add_full (G_PRIORITY_DEFAULT,
        stop_signums[i], on_signal, w, g_free);
  }
}

void
stop_signals_unwatch (StopSignals * s)
{
  for (guint i = 0; i < G_N_ELEMENTS (s->sources); i++)
    if (s->sources[i]) {
      g_source_remove (s->sources[i]);
      s->sources[i] = 0;
    }
}

const char *
stop_signal_what (int signum)
{
  return signum == SIGINT ? "interrupted"
      : signum == SIGTERM ? "terminated (SIGTERM)" : "hung up (SIGHUP)";
}

const char *
stop_signal_again (int signum)
{
  return signum == SIGINT ? "Ctrl-C" : "the signal";
}
