/* A libFuzzer target's inputs replayed without libFuzzer, in any build:
 * every file named, or in a directory named, through
 * LLVMFuzzerTestOneInput once.  Keeps the inputs that found a defect
 * (tests/fuzz/corpus/NAME) as a test of the default build. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput (const uint8_t * data, size_t size);

static int
replay_file (const char *path)
{
  FILE *f = fopen (path, "rb");
  if (!f) {
    fprintf (stderr, "cannot open %s\n", path);
    return 1;
  }
  fseek (f, 0, SEEK_END);
  long n = ftell (f);
  fseek (f, 0, SEEK_SET);
  uint8_t *data = malloc (n > 0 ? (size_t) n : 1);
  size_t got = fread (data, 1, (size_t) n, f);
  fclose (f);
  printf ("%s: %zu bytes\n", path, got);
  fflush (stdout);
  LLVMFuzzerTestOneInput (data, got);
  free (data);
  return 0;
}

int
main (int argc, char **argv)
{
  int failed = 0, count = 0;
  for (int i = 1; i < argc; i++) {
    struct stat st;
    if (stat (argv[i], &st) != 0) {
      fprintf (stderr, "no such input: %s\n", argv[i]);
      return 1;
    }
    if (!S_ISDIR (st.st_mode)) {
      failed |= replay_file (argv[i]);
      count++;
      continue;
    }
    DIR *d = opendir (argv[i]);
    struct dirent *e;
    while (d && (e = readdir (d))) {
      if (e->d_name[0] == '.')
        continue;
      char path[4096];
      snprintf (path, sizeof path, "%s/%s", argv[i], e->d_name);
      failed |= replay_file (path);
      count++;
    }
    if (d)
      closedir (d);
  }
  printf ("%d inputs replayed\n", count);
  return failed || count == 0;
}
