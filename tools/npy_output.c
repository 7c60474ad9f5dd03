/* A .npy output written whole or not at all (see npy_output.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include <nmf/npy.h>

#include "nmftool.h"
#include "npy_output.h"

int
npy_output_check (const char *cmd, const char *name)
{
  NpyOutput out = { NULL, NULL, NULL, NULL };
  struct stat sb;
  int ret;

  /* a directory would be refused only by the final rename */
  if (stat (name, &sb) == 0 && S_ISDIR (sb.st_mode))
    return runtime_error (cmd, "cannot write '%s': it is a directory", name);
  if (stat (name, &sb) == 0 && !S_ISREG (sb.st_mode))
    return 0;                   /* written in place, opened at the end */
  ret = npy_output_open (cmd, &out, name);
  npy_output_clear (&out);
  return ret;
}

int
npy_output_open (const char *cmd, NpyOutput * out, const char *name)
{
  gchar *dir, *base;
  char err[512];
  struct stat sb;
  int fd, e;

  out->name = out->path = name;
  out->tmp = NULL;
  /* /dev/stdout, a pipe, a device, a file a rename would change otherwise
   * (hard links, a mount point): written as it is, as the core writes it
   * (and a link to a pipe may not even name a path: /proc/self/fd/1 ->
   * pipe:[1234]) */
  if (nmf_npy_write_target (name, &out->target, err, sizeof err) != NMF_OK)
    return runtime_error (cmd, "%s", err);
  if (out->target == NULL)
    return 0;
  dir = g_path_get_dirname (out->target);
  base = g_path_get_basename (out->target);
  out->tmp = g_strdup_printf ("%s/.%s.XXXXXX", dir, base);
  g_free (dir);
  g_free (base);
  fd = g_mkstemp_full (out->tmp, O_RDWR | O_CLOEXEC, 0666);
  if (fd < 0) {
    e = errno;
    g_clear_pointer (&out->tmp, g_free);
    return runtime_error (cmd, "cannot create '%s': %s", name,
        g_strerror (e));
  }
  /* the file it replaces keeps its permissions (a new one gets those of
   * any new file, as the umask says) */
  if (stat (out->target, &sb) == 0 && S_ISREG (sb.st_mode))
    fchmod (fd, sb.st_mode & 07777);
  close (fd);
  out->path = out->tmp;
  return 0;
}

int
npy_output_write_error (const char *cmd, const NpyOutput * out,
    const char *err)
{
  gchar **parts = g_strsplit (err, out->path, -1);
  gchar *msg = g_strjoinv (out->name, parts);
  int ret = runtime_error (cmd, "%s", msg);

  g_free (msg);
  g_strfreev (parts);
  return ret;
}

int
npy_output_commit (const char *cmd, NpyOutput * out)
{
  if (out->tmp == NULL)
    return 0;
  if (rename (out->tmp, out->target) != 0)
    return runtime_error (cmd, "cannot write '%s': %s", out->name,
        g_strerror (errno));
  g_clear_pointer (&out->tmp, g_free);
  return 0;
}

void
npy_output_clear (NpyOutput * out)
{
  if (out->tmp)
    unlink (out->tmp);
  g_clear_pointer (&out->tmp, g_free);
  free (out->target);
  out->target = NULL;
}
