/* What nmf_separator_create allocates for a configuration that
 * nmf_separator_check_config accepts: within NMF_SEPARATOR_MAX_MEMORY,
 * the budget the check holds it to.  Found by fuzzing configurations
 * against the installed library: with update_interval m > 1 the check
 * counts the kl window's statistics per block of m frames, but create
 * allocated them per frame first (nmf_online_kl_create, update interval
 * 1) before nmf_online_kl_set_update_interval replaced them: m times the
 * memory for a moment, so an accepted configuration failed to create
 * (NMF_ERR_NO_MEMORY: 28 GB asked for a window of 45402 frames, 464
 * components, m = 1001) or took the address space of the
 * estimate many times over.  Counted by wrapping malloc during create. */
#include "check.h"
#include "malloc_count.h"
#include <nmf/separator.h>

#include <stdio.h>

int
main (void)
{
  nmf_separator_config c;
  nmf_separator *sep = NULL;
  char message[256];
  size_t bytes = 0;
  int ret;

  malloc_count_require ();
  /* about 60 MB of window statistics in blocks of 1000 frames; 2.3 GB
   * per frame */
  nmf_separator_config_init (&c);
  c.fft_size = 4096;
  c.components = 200;
  c.bands_per_octave = 48;
  c.window_frames = 40000;
  c.update_interval = 1000;
  CHECK_OK (nmf_separator_check_config (&c, NULL, message, sizeof message));

  malloc_count_start ();
  ret = nmf_separator_create (&sep, &c, message, sizeof message);
  malloc_count_stop (NULL, &bytes);
  CHECK (ret == NMF_OK, "create: %s", message);
  printf ("create asked for %.0f MB (the limit: %.0f MB)\n", bytes / 1e6,
      NMF_SEPARATOR_MAX_MEMORY / 1e6);
  CHECK (bytes <= NMF_SEPARATOR_MAX_MEMORY, "create asked for %zu bytes, "
      "more than the %.0f the check holds it to", bytes,
      NMF_SEPARATOR_MAX_MEMORY);
  nmf_separator_destroy (&sep);
  CHECK_DONE ();
}
