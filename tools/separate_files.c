/* nmftool separate's output files (see separate_files.h).  filesink
 * truncates what it opens and a failed run removes its files, so an
 * output naming an input would destroy it: such outputs are refused
 * before anything is written. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "nmftool.h"
#include "same_file.h"
#include "separate_files.h"

void
output_files_init (OutputFiles * f, const char *outdir, guint n)
{
  memset (f, 0, sizeof *f);
  f->outdir = g_strdup (outdir);
  f->n = n;
  for (guint i = 0; i < n; i++)
    f->paths[i] = g_strdup_printf ("%s%ssource%u.wav", outdir,
        g_str_has_suffix (outdir, "/") ? "" : "/", i);
}

void
output_files_clear (OutputFiles * f)
{
  for (guint i = 0; i < SEPARATE_MAX_SOURCES; i++)
    g_clear_pointer (&f->paths[i], g_free);
  g_clear_pointer (&f->outdir, g_free);
  g_clear_pointer (&f->created_dirs, g_ptr_array_unref);
}

/* By device and inode (same_file), so links to an input count too. */
int
output_files_check_aliases (const OutputFiles * f, const char *input,
    const char *input_local, GPtrArray * dictionaries)
{
  for (guint i = 0; i < f->n; i++) {
    if (input_local && same_file (f->paths[i], input_local))
      return runtime_error (SEPARATE_CMD, "the output %s is the input file "
          "%s: refusing to write over it (choose another OUTDIR)",
          f->paths[i], input);
    for (guint j = 0; j < dictionaries->len; j++) {
      const char *dict = g_ptr_array_index (dictionaries, j);
      if (same_file (f->paths[i], dict))
        return runtime_error (SEPARATE_CMD, "the output %s is the "
            "dictionary %s: refusing to write over it (choose another "
            "OUTDIR)", f->paths[i], dict);
    }
  }
  return 0;
}

/* Each directory made here is remembered so that a failed run can take
 * it away again. */
int
output_files_make_dir (OutputFiles * f)
{
  GPtrArray *missing = g_ptr_array_new_with_free_func (g_free);
  gchar *path = g_strdup (f->outdir);
  int ret = 0, err = 0;

  while (!g_file_test (path, G_FILE_TEST_EXISTS)) {
    gchar *parent = g_path_get_dirname (path);
    g_ptr_array_add (missing, path);    /* innermost first */
    if (strcmp (parent, path) == 0) {
      g_free (parent);
      path = NULL;
      break;
    }
    path = parent;
  }
  g_free (path);
  f->created_dirs = g_ptr_array_new_with_free_func (g_free);
  for (guint i = missing->len; i-- > 0;) {
    const gchar *dir = g_ptr_array_index (missing, i);
    if (g_mkdir (dir, 0777) == 0)
      g_ptr_array_add (f->created_dirs, g_strdup (dir));
    else if (errno != EEXIST) {
      err = errno;
      break;
    }
  }
  if (!g_file_test (f->outdir, G_FILE_TEST_IS_DIR)) {
    ret = runtime_error (SEPARATE_CMD, "cannot create the output directory "
        "%s: %s", f->outdir, err ? g_strerror (err)
        : "it exists and is not a directory");
    output_files_remove_dirs (f);
  }
  g_ptr_array_unref (missing);
  return ret;
}

/* g_rmdir fails on a directory that is not empty: what was there before
 * or was put there by someone else stays. */
void
output_files_remove_dirs (OutputFiles * f)
{
  if (f->created_dirs)
    for (guint i = f->created_dirs->len; i-- > 0;)
      g_rmdir (g_ptr_array_index (f->created_dirs, i));
}

int
output_files_check_writable (const OutputFiles * f)
{
  for (guint i = 0; i < f->n; i++) {
    GStatBuf sb;
    if (g_stat (f->paths[i], &sb) != 0)
      continue;                 /* made by the run */
    if (S_ISDIR (sb.st_mode))
      return runtime_error (SEPARATE_CMD, "the output %s is a directory: "
          "nothing written (choose another OUTDIR)", f->paths[i]);
    /* wavenc rewrites the header at the end, which a pipe cannot take (and
     * a FIFO without a reader blocked the run in open(), deaf to Ctrl-C) */
    if (S_ISFIFO (sb.st_mode) || S_ISSOCK (sb.st_mode))
      return runtime_error (SEPARATE_CMD, "the output %s is a %s: a WAV "
          "file's header is rewritten at its end, which it cannot take: "
          "nothing written (choose another OUTDIR)", f->paths[i],
          S_ISFIFO (sb.st_mode) ? "FIFO (named pipe)" : "socket");
    if (g_access (f->paths[i], W_OK) != 0)
      return runtime_error (SEPARATE_CMD, "cannot write over %s: %s: "
          "nothing written (choose another OUTDIR)", f->paths[i],
          g_strerror (errno));
  }
  return 0;
}

gchar *
output_files_remove (OutputFiles * f)
{
  GString *removed = g_string_new (NULL);

  for (guint i = 0; i < f->n; i++) {
    GStatBuf sb;
    /* only a file: a link to /dev/null, say, is the user's, not output */
    if (f->paths[i] && f->opened[i] && g_stat (f->paths[i], &sb) == 0
        && S_ISREG (sb.st_mode) && g_unlink (f->paths[i]) == 0)
      g_string_append_printf (removed, "%s%s", removed->len ? ", " : "",
          f->paths[i]);
  }
  output_files_remove_dirs (f);
  return g_string_free (removed, FALSE);
}

gchar *
output_files_list (const OutputFiles * f)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < f->n; i++)
    g_string_append_printf (s, "%s%s", i ? ", " : "", f->paths[i]);
  return g_string_free (s, FALSE);
}
