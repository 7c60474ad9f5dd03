/* A test case in a child process (isolate.h). */
#include "isolate.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int
test_in_child (const char *name, int (*body) (const void *arg),
    const void *arg)
{
  pid_t pid;
  int status;

  fflush (stdout);
  fflush (stderr);
  pid = fork ();
  if (pid < 0) {
    perror ("fork");
    exit (1);
  }
  if (pid == 0) {
    int failed = body (arg);
    fflush (stdout);
    fflush (stderr);
    _exit (failed ? 1 : 0);
  }
  if (waitpid (pid, &status, 0) != pid) {
    perror ("waitpid");
    exit (1);
  }
  if (WIFSIGNALED (status)) {
    fprintf (stderr, "%s: crashed (signal %d)\n", name, WTERMSIG (status));
    return 1;
  }
  return WIFEXITED (status) && WEXITSTATUS (status) == 0 ? 0 : 1;
}
