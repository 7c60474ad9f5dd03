/* File identity by device and inode, for names that may not exist yet:
 * an output is compared with the inputs before anything is written. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nmf/npy.h>

#include "same_file.h"

/* The directory part and the last component of PATH (trailing slashes
 * kept off); both newly allocated. */
static int
split_path (const char *path, char **dir, char **base)
{
  size_t len = strlen (path), end, start;

  end = len;
  while (end > 1 && path[end - 1] == '/')
    end--;
  start = end;
  while (start > 0 && path[start - 1] != '/')
    start--;
  *base = strndup (path + start, end - start);
  if (start == 0)
    *dir = strdup (".");
  else if (start == 1)
    *dir = strdup ("/");
  else
    *dir = strndup (path, start - 1);
  if (*dir == NULL || *base == NULL) {
    free (*dir);
    free (*base);
    return -1;
  }
  return 0;
}

int
same_file (const char *a, const char *b)
{
  struct stat sa, sb;
  int have_a = stat (a, &sa) == 0, have_b = stat (b, &sb) == 0, same = 0;
  char *ra, *rb, *da = NULL, *ba = NULL, *db = NULL, *bb = NULL;

  if (have_a && have_b)
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
  if (have_a || have_b)
    return 0;                   /* one exists, the other does not */
  /* neither exists (yet): the same name in the same directory */
  ra = nmf_path_final_target (a);
  rb = nmf_path_final_target (b);
  if (ra != NULL && rb != NULL && split_path (ra, &da, &ba) == 0
      && split_path (rb, &db, &bb) == 0) {
    same = strcmp (ba, bb) == 0 && stat (da, &sa) == 0
        && stat (db, &sb) == 0 && sa.st_dev == sb.st_dev
        && sa.st_ino == sb.st_ino;
  }
  free (ra);
  free (rb);
  free (da);
  free (ba);
  free (db);
  free (bb);
  return same;
}
